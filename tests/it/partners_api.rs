//! Partner platforms (API.md, "Partner platforms"): a key, requests posted
//! with it, the lycées' answers, and the partner's own receiver — a real
//! HTTP server in the test that checks each signature with its own HMAC —
//! getting every event once, in order per request, even after being down.

use crate::demandes::request;
use crate::on_both_engines;
use crate::support::{Engine, Options, TestApp, all, one};
use domain::lifecycle::{Actor, Event, Outcome};
use hmac::{Hmac, Mac};
use monlyceepro::clock::Clock as _;
use monlyceepro::partner_api::NewKey;
use monlyceepro::requests::Action;
use serde_json::Value;
use sha2::Sha256;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

/// How the test receiver answers.
const UP: u8 = 0;
const DOWN: u8 = 1;
const REDIRECTS: u8 = 2;
const HANGS: u8 = 3;

/// What the receiver was sent: (event id, `X-MLP-Evenement`, body).
type Received = Arc<Mutex<Vec<(String, String, Value)>>>;

/// A partner's webhook receiver, as a partner would write it: checks the
/// signature of the raw body with the secret it was given, refuses a bad
/// one (401), records the event.
struct Receiver {
    url: String,
    mode: Arc<AtomicU8>,
    secret: Arc<Mutex<String>>,
    received: Received,
    /// Requests that reached the redirect's target (must stay 0).
    followed: Arc<AtomicU8>,
    bad_signatures: Arc<AtomicU8>,
}

impl Receiver {
    async fn start() -> Receiver {
        use axum::http::{HeaderMap, StatusCode};
        use axum::response::IntoResponse;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
        let url = format!("http://{}/webhooks/mlp", listener.local_addr().expect("adresse"));
        let mode = Arc::new(AtomicU8::new(UP));
        let secret = Arc::new(Mutex::new(String::new()));
        let received: Received = Arc::default();
        let followed = Arc::new(AtomicU8::new(0));
        let bad_signatures = Arc::new(AtomicU8::new(0));
        let (m, s, r, b) = (mode.clone(), secret.clone(), received.clone(), bad_signatures.clone());
        let hook = move |headers: HeaderMap, body: axum::body::Bytes| {
            let (m, s, r, b) = (m.clone(), s.clone(), r.clone(), b.clone());
            async move {
                match m.load(Ordering::SeqCst) {
                    DOWN => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
                    REDIRECTS => {
                        return (StatusCode::FOUND, [("location", "/ailleurs")]).into_response();
                    }
                    HANGS => {
                        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                    }
                    _ => {}
                }
                let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let secret = s.lock().expect("secret").clone();
                let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac");
                mac.update(&body);
                let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
                if header("x-mlp-signature") != expected {
                    b.fetch_add(1, Ordering::SeqCst);
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                let json: Value = serde_json::from_slice(&body).expect("JSON");
                r.lock().expect("reçus").push((header("x-mlp-evenement-id"), header("x-mlp-evenement"), json));
                StatusCode::NO_CONTENT.into_response()
            }
        };
        let f = followed.clone();
        let app = axum::Router::new().route("/webhooks/mlp", axum::routing::post(hook)).route(
            "/ailleurs",
            axum::routing::any(move || {
                let f = f.clone();
                async move {
                    f.fetch_add(1, Ordering::SeqCst);
                    "suivi"
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.expect("récepteur") });
        Receiver { url, mode, secret, received, followed, bad_signatures }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    /// A partner key named `name` whose webhook is this receiver (which
    /// then knows the secret to check); the key.
    async fn key_of(&self, app: &TestApp, name: &str) -> String {
        let new = NewKey { name: name.into(), webhook: Some(self.url.clone()), origins: Vec::new() };
        let created = app.state.api_keys.create(&new, "test", app.clock.now()).await.expect("clé créée");
        *self.secret.lock().expect("secret") = created.webhook_secret.expect("secret du webhook");
        created.key
    }
}

fn worker(app: &TestApp) -> monlyceepro::jobs::Worker {
    let mailer =
        monlyceepro::mail::Mailer::new(None, &app.state.config.mail_from, &app.state.config.var_dir).expect("courriel");
    let mut w = monlyceepro::web::worker_of(&app.state, mailer);
    w.retry_base = std::time::Duration::ZERO;
    w
}

/// Delivers until nothing is left to deliver now; how many were delivered.
async fn deliver_all(w: &monlyceepro::jobs::Worker) -> usize {
    let mut delivered = 0;
    for _ in 0..50 {
        let round = w.deliver_webhooks().await.expect("livraison");
        delivered += round.delivered;
        if round.delivered + round.failed == 0 {
            return delivered;
        }
        if round.delivered == 0 {
            return delivered;
        }
    }
    delivered
}

/// A request of its own company (no SIRET: the same SIRET and jobs would
/// be a duplicate of the first).
fn company(email: &str) -> Value {
    let mut r = request(email);
    r["entreprise"]["siret"] = Value::Null;
    r
}

async fn post_with_key(app: &TestApp, key: &str, body: &Value) -> (u16, Value, reqwest::header::HeaderMap) {
    let res = app
        .client
        .post(format!("{}/api/v1/demandes", app.base))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("requête");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, res.json().await.unwrap_or(Value::Null), headers)
}

async fn list_with(app: &TestApp, key: Option<&str>, query: &str) -> (u16, Value) {
    let mut req = app.client.get(format!("{}/api/v1/demandes{query}", app.base));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let res = req.send().await.expect("requête");
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

/// The partner's story: a key → three requests → taken, answered and
/// closed by lycées → each event reaches the receiver once, signed, in
/// order per request, also those sent while it was down; the partner lists
/// its requests; once revoked, its key is refused.
async fn a_partner_follows_its_requests(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let receiver = Receiver::start().await;
    let now = app.clock.now();
    let key = receiver.key_of(&app, "1jeune1solution").await;
    let stored: String = one(&app.db, "SELECT empreinte FROM cles_api").await;
    assert!(!stored.contains(&key[4..]) && stored.len() == 64, "only the key's hash is stored");

    // The receiver is down when the requests arrive.
    receiver.set(DOWN);
    let mut requests = Vec::new();
    for i in 0..3 {
        let (status, body, _) = post_with_key(&app, &key, &company(&format!("partenaire.{i}@exemple.fr"))).await;
        assert_eq!(status, 201, "{body}");
        requests.push((
            body["id"].as_str().expect("id").to_string(),
            body["reference"].as_str().expect("référence").to_string(),
            body["destinataires"][0]["uai"].as_str().expect("pilote").to_string(),
        ));
    }
    let sources: Vec<String> = all(&app.db, "SELECT COALESCE(partenaire, '-') FROM demandes ORDER BY cree_le").await;
    assert_eq!(sources, vec!["1jeune1solution"; 3]);
    let w = worker(&app);
    let round = w.deliver_webhooks().await.expect("livraison");
    assert_eq!((round.delivered, round.failed), (0, 3), "503: nothing delivered, nothing lost");
    let waiting: i64 = one(&app.db, "SELECT COUNT(*) FROM webhooks WHERE statut = 'a_envoyer'").await;
    assert_eq!(waiting, 3);
    let codes: Vec<i64> = all(&app.db, "SELECT code_http FROM webhook_essais").await;
    assert_eq!(codes, vec![503; 3], "each attempt recorded");

    // The lycées answer while the receiver is still down.
    let index = app.state.search.index();
    let service = &app.state.requests;
    for (id, _, pilot) in &requests {
        let lycee = || Actor::Lycee(pilot.clone());
        let at = app.clock.now();
        service
            .act(&index, id, Action::new(Event::Take { uai: pilot.clone() }, "Mme Martin"), at)
            .await
            .expect("prise");
        let write = Action::new(Event::Write { by: lycee() }, "Mme Martin").with_text("Bonjour, nous vous appelons.");
        service.act(&index, id, write, at).await.expect("message");
        let note = Action::new(Event::Note { by: lycee() }, "Mme Martin").with_text("Note interne");
        service.act(&index, id, note, at).await.expect("note");
        let close = Action::new(Event::Close { by: lycee(), outcome: Outcome::Realisee }, "Mme Martin");
        service.act(&index, id, close, at).await.expect("clôture");
    }
    // Still down: only the first event of each request is tried, the
    // others wait behind it (order per request).
    let round = w.deliver_webhooks().await.expect("livraison");
    assert_eq!((round.delivered, round.failed), (0, 3));

    // Back up: everything arrives, in order, once.
    receiver.set(UP);
    let delivered = deliver_all(&w).await;
    assert_eq!(delivered, 12, "4 events × 3 requests");
    assert_eq!(deliver_all(&w).await, 0, "nothing twice");
    assert_eq!(receiver.bad_signatures.load(Ordering::SeqCst), 0, "every signature valid");
    let got = receiver.received.lock().expect("reçus").clone();
    let ids: std::collections::HashSet<&String> = got.iter().map(|(id, _, _)| id).collect();
    assert_eq!(ids.len(), 12, "each event id once");
    for (_, reference, _) in &requests {
        let mine: Vec<(&str, &str)> = got
            .iter()
            .filter(|(_, _, b)| b["reference"] == reference.as_str())
            .map(|(_, e, b)| (e.as_str(), b["statut"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(
            mine,
            vec![
                ("demande.transmise", "transmise"),
                ("demande.prise_en_charge", "prise_en_charge"),
                ("demande.message", "prise_en_charge"),
                ("demande.cloturee", "cloturee"),
            ],
            "{reference}"
        );
    }
    let (_, metrics) = app.get_text("/metrics").await;
    assert!(metrics.contains("mlp_webhooks{statut=\"envoye\"} 12"), "{metrics}");
    assert!(metrics.contains("mlp_webhooks_plus_ancien_en_attente_secondes 0"), "{metrics}");
    let (_, _, body) = &got[0];
    let fields: Vec<&String> = body.as_object().expect("objet").keys().collect();
    assert_eq!(fields, vec!["date", "evenement", "reference", "statut"], "the contract's payload");

    // The partner lists its requests.
    let (status, list) = list_with(&app, Some(&key), "?depuis=2000-01-01T00:00:00Z").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 3);
    assert!(
        list["resultats"]
            .as_array()
            .expect("liste")
            .iter()
            .all(|r| r["statut"] == "cloturee" && r["source"] == "1jeune1solution")
    );
    let (status, list) = list_with(&app, Some(&key), "?depuis=2999-01-01T00:00:00Z").await;
    assert_eq!((status, list["total"].clone()), (200, Value::from(0)));
    let (status, err) = list_with(&app, Some(&key), "?depuis=hier").await;
    assert_eq!(status, 400, "{err}");
    assert!(err["erreur"]["champs"]["depuis"].is_string(), "{err}");
    let (status, _) = list_with(&app, None, "").await;
    assert_eq!(status, 401, "no key, no list");
    // Another partner does not see them.
    let other = app
        .state
        .api_keys
        .create(&NewKey { name: "Les entreprises s'engagent".into(), ..NewKey::default() }, "test", now)
        .await
        .expect("autre clé");
    let (_, list) = list_with(&app, Some(&other.key), "").await;
    assert_eq!(list["total"], 0, "{list}");
    // The public statistics count the requests by source (3: withheld).
    let (status, stats) = app.get_json("/api/v1/statistiques").await;
    assert_eq!(status, 200, "{stats}");
    let sources: Vec<(&str, &Value)> = stats["par_source"]
        .as_array()
        .expect("par_source")
        .iter()
        .map(|s| (s["source"].as_str().unwrap_or(""), &s["demandes"]))
        .collect();
    assert_eq!(sources, vec![("monlyceepro", &Value::Null), ("1jeune1solution", &Value::Null)], "{stats}");
    let (_, page) = app.get_text("/statistiques").await;
    assert!(page.contains("Par canal de dépôt") && page.contains("Via 1jeune1solution"), "{page}");
    let last_use: Option<String> = crate::support::maybe(
        &app.db,
        "SELECT utilisee_le FROM cles_api WHERE nom = '1jeune1solution' AND utilisee_le IS NOT NULL",
    )
    .await;
    assert!(last_use.is_some(), "last use recorded");

    // Revoked: refused at once, with the JSON error.
    app.state.api_keys.revoke("1jeune1solution", "test", app.clock.now()).await.expect("révocation");
    let (status, body, headers) = post_with_key(&app, &key, &request("apres.revocation@exemple.fr")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["erreur"]["code"], "non_autorise");
    assert!(body["erreur"]["message"].as_str().unwrap_or("").contains("révoquée"), "{body}");
    assert!(headers.get("www-authenticate").is_some());
    let (status, _) = list_with(&app, Some(&key), "").await;
    assert_eq!(status, 401);
    let stored_after: i64 = one(&app.db, "SELECT COUNT(*) FROM demandes").await;
    assert_eq!(stored_after, 3, "nothing stored for a refused key");
    // Unknown and malformed keys.
    let unknown = format!("mlp_{}", "A".repeat(43));
    for (bad, says) in [(unknown.as_str(), "inconnue"), ("mlp_court", "mal formée"), ("n'importe quoi", "mal formée")]
    {
        let (status, body, _) = post_with_key(&app, bad, &request("inconnu@exemple.fr")).await;
        assert_eq!(status, 401, "{bad}: {body}");
        assert!(body["erreur"]["message"].as_str().unwrap_or("").contains(says), "{bad}: {body}");
    }
    // The audit log has the creation and the revocation.
    let logged: Vec<String> =
        all(&app.db, "SELECT action FROM audit WHERE cible = '1jeune1solution' ORDER BY quand, action").await;
    assert_eq!(logged, vec!["cle_api_creee", "cle_api_revoquee"]);
}
on_both_engines!(a_partner_follows_its_requests);

/// A key over its limit gets 429 with `Retry-After`; the limit is the
/// key's, not the address's (another key from the same address goes on).
async fn a_key_has_its_own_limit(engine: Engine) {
    let app = TestApp::spawn_with(engine, Options { api_key_rate_limit: 2, ..Options::default() }).await;
    let now = app.clock.now();
    let new = |name: &str| NewKey { name: name.into(), ..NewKey::default() };
    let a = app.state.api_keys.create(&new("plateforme A"), "test", now).await.expect("clé A").key;
    let b = app.state.api_keys.create(&new("plateforme B"), "test", now).await.expect("clé B").key;
    for i in 0..2 {
        let (status, body, _) = post_with_key(&app, &a, &company(&format!("limite.{i}@exemple.fr"))).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body, headers) = post_with_key(&app, &a, &request("limite.3@exemple.fr")).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["erreur"]["code"], "trop_de_requetes");
    let wait: u64 =
        headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
    assert!((1..=30).contains(&wait), "{wait}");
    let (status, body, _) = post_with_key(&app, &b, &request("autre.cle@exemple.fr")).await;
    assert_eq!(status, 201, "{body}");
}
on_both_engines!(a_key_has_its_own_limit);

/// A partner's endpoint that hangs, or answers with a redirect, never holds
/// requests back and is never followed elsewhere.
async fn a_bad_endpoint_never_slows_requests(engine: Engine) {
    let app = TestApp::spawn_with(engine, Options { worker: true, ..Options::default() }).await;
    let receiver = Receiver::start().await;
    let key = receiver.key_of(&app, "branche").await;
    receiver.set(HANGS);
    // The background worker is stuck on the hanging endpoint; requests are
    // answered all the same (they never wait for a webhook).
    for i in 0..3 {
        let (status, body, _) = post_with_key(&app, &key, &company(&format!("lent.{i}@exemple.fr"))).await;
        assert_eq!(status, 201, "{body}");
    }
    // A redirect is a failure, never followed.
    receiver.set(REDIRECTS);
    let w = worker(&app);
    // Due now, whatever the background worker did meanwhile (under load,
    // its attempt on the hanging endpoint may have timed out and put the
    // next one later: the round found nothing due).
    crate::support::exec(
        &app.db,
        "UPDATE webhooks SET verrou = NULL, verrou_jusqu = NULL, prochain_essai = '2000-01-01T00:00:00Z' \
         WHERE statut = 'a_envoyer'",
    )
    .await;
    let round = w.deliver_webhooks().await.expect("livraison");
    assert!(round.failed >= 1, "{round:?}");
    assert_eq!(receiver.followed.load(Ordering::SeqCst), 0, "redirect not followed");
    let errors: Vec<String> =
        all(&app.db, "SELECT COALESCE(erreur, '') FROM webhook_essais WHERE code_http = 302").await;
    assert!(!errors.is_empty() && errors.iter().all(|e| e.contains("non suivie")), "{errors:?}");
}
on_both_engines!(a_bad_endpoint_never_slows_requests);

/// `monlyceepro api-keys add|list|revoke`, the real binary: the key shown
/// once, a private webhook address refused with its reason.
async fn api_keys_command(engine: Engine) {
    let test_db = crate::support::catalogue_db(engine).await;
    let run = |args: &[&str]| crate::support::cli(&test_db.url, args);
    let (ok, out, err) = run(&["api-keys", "list"]);
    assert!(ok && out.contains("Aucune clé"), "{out}{err}");
    let (ok, out, err) =
        run(&["api-keys", "add", "1jeune1solution", "--origine", "https://www.1jeune1solution.gouv.fr"]);
    assert!(ok, "{err}");
    let key = out.lines().find_map(|l| l.trim().strip_prefix("mlp_")).expect("la clé affichée");
    assert_eq!(key.len(), 43, "{out}");
    assert!(out.contains("/integration/demande?partenaire=1jeune1solution"), "{out}");
    for (args, says) in [
        (vec!["api-keys", "add", "interne", "--webhook", "https://10.0.0.8/hook"], "adresse privée"),
        (vec!["api-keys", "add", "boucle", "--webhook", "https://127.0.0.1/hook"], "adresse privée"),
        (vec!["api-keys", "add", "clair", "--webhook", "http://example.org/hook"], "https://"),
        (vec!["api-keys", "add", "1jeune1solution"], "déjà ce nom"),
        (vec!["api-keys", "add", "x"], "de 2 à 60"),
        (vec!["api-keys", "add", "site", "--origine", "http://site.fr"], "origine https"),
        (vec!["api-keys", "revoke", "inconnue"], "aucune clé active"),
    ] {
        let (ok, _, err) = run(&args);
        assert!(!ok && err.contains(says), "{args:?}: {err}");
    }
    let (ok, out, _) = run(&["api-keys", "list"]);
    assert!(ok && out.contains("1jeune1solution") && out.contains("0\u{a0}demande") && out.contains("active"), "{out}");
    assert!(!out.contains(key), "the key is never shown again");
    let (ok, out, err) = run(&["api-keys", "revoke", "1jeune1solution"]);
    assert!(ok && out.contains("révoquée"), "{out}{err}");
    let (_, out, _) = run(&["api-keys", "list"]);
    assert!(out.contains("révoquée le"), "{out}");
}
on_both_engines!(api_keys_command);

/// `/admin`: an administrator creates a key (shown this once, with its
/// webhook secret), sees field errors in French, revokes after confirming.
async fn the_admin_manages_keys(engine: Engine) {
    use monlyceepro::accounts::Role;
    let app = TestApp::spawn(engine).await;
    let receiver = Receiver::start().await;
    let admin_id = app.account("admin@education.gouv.fr", Role::Admin, &[], None).await;
    let admin = app.signed_in(&admin_id).await;
    let form = |name: &'static str, webhook: String, origins: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let fields = [("nom", name), ("webhook", webhook.as_str()), ("origines", origins)];
            app.submit_form_as(admin, "/admin", "/admin/cles", &fields).await
        }
    };
    for (name, webhook, origins, field, says) in [
        ("x", String::new(), "", "erreur-cle-nom", "De 2 à 60"),
        ("branche", "https://10.1.2.3/hook".to_string(), "", "erreur-cle-webhook", "adresse privée"),
        ("branche", String::new(), "http://site.fr", "erreur-cle-origines", "origine https"),
    ] {
        let (status, _, html) = form(name, webhook, origins).await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains(&format!("id=\"{field}\"")) && html.contains(says), "{says}: {html}");
        assert!(html.contains("aria-invalid=\"true\""));
    }
    let (status, _, html) = form("branche", receiver.url.clone(), "http://localhost:3000").await;
    assert_eq!(status, 200, "{html}");
    let key_start = html.find("<code>mlp_").expect("la clé affichée") + "<code>".len();
    let key: String = html[key_start..].chars().take_while(|c| *c != '<').collect();
    assert_eq!(key.len(), 47, "{key}");
    assert!(html.contains("<code>whsec_"), "the webhook secret, once");
    let (_, html) = app.get_text("/admin").await;
    assert!(!html.contains(&key), "never shown again");
    let html = admin.get(format!("{}/admin", app.base)).send().await.expect("page").text().await.expect("corps");
    assert!(!html.contains(&key) && html.contains(&key[..8]) && html.contains("0\u{a0}demande"), "{html}");
    // The key works, then is revoked after a confirmation.
    let (status, body, _) = post_with_key(&app, &key, &company("admin.cle@exemple.fr")).await;
    assert_eq!(status, 201, "{body}");
    let id: String = one(&app.db, "SELECT id FROM cles_api WHERE nom = 'branche'").await;
    let revoke = format!("/admin/cles/{id}/revoquer");
    let (status, _, html) = app.submit_form_as(&admin, "/admin", &revoke, &[]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Confirmer la révocation de la clé «&nbsp;branche&nbsp;»"), "{html}");
    let (status, _, _) = post_with_key(&app, &key, &company("encore@exemple.fr")).await;
    assert_eq!(status, 201, "not revoked before the confirmation");
    let (status, _, html) = app.submit_form_as(&admin, "/admin", &revoke, &[("confirmer", "oui")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Clé «\u{a0}branche\u{a0}» révoquée"), "{html}");
    let (status, _, _) = post_with_key(&app, &key, &company("trop.tard@exemple.fr")).await;
    assert_eq!(status, 401);
}
on_both_engines!(the_admin_manages_keys);

/// The code block of `lang` in docs/partenaires.md.
fn documented(lang: &str) -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/partenaires.md")).expect("doc");
    let start = doc.find(&format!("```{lang}\n")).unwrap_or_else(|| panic!("pas de bloc {lang}")) + lang.len() + 4;
    let end = start + doc[start..].find("```").expect("fin du bloc");
    doc[start..end].to_string()
}

/// The receivers of docs/partenaires.md, run as written (Python and Node.js)
/// against bodies signed by the service: a valid signature passes; a body,
/// secret or header changed fails.
#[test]
fn the_documented_receivers_verify_signatures() {
    let body = r#"{"date":"2026-11-30T10:12:00Z","evenement":"demande.prise_en_charge","reference":"MLP-2026-000123","statut":"prise_en_charge"}"#;
    let secret = "whsec_secret-de-test";
    let good = monlyceepro::partner_api::signature(secret, body.as_bytes());
    let tampered = body.replace("000123", "000124");
    let cases = [
        (secret, body, good.as_str(), "True"),
        (secret, tampered.as_str(), good.as_str(), "False"),
        ("whsec_autre", body, good.as_str(), "False"),
        (secret, body, "", "False"),
        (secret, body, "sha256=00", "False"),
    ];
    let dir = crate::support::scratch_dir();
    let py = dir.join("recepteur.py");
    std::fs::write(
        &py,
        format!(
            "{}\nimport sys\nprint(signature_valide(sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3]))\n",
            documented("python")
        ),
    )
    .expect("python");
    let js = dir.join("recepteur.js");
    std::fs::write(
        &js,
        format!(
            "{}\nconst [s, b, h] = process.argv.slice(2);\nconsole.log(signatureValide(s, Buffer.from(b, 'hex'), h) ? 'True' : 'False');\n",
            documented("js")
        ),
    )
    .expect("js");
    for (program, script) in [("python3", &py), ("node", &js)] {
        for (secret, body, header, expected) in cases {
            let out = std::process::Command::new(program)
                .arg(script)
                .args([secret, &hex::encode(body), header])
                .output()
                .unwrap_or_else(|e| panic!("{program} : {e}"));
            let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
            assert_eq!(said, expected, "{program} {header:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}
