//! Sign-in with ProConnect, through the real server and a local OpenID
//! Connect provider started by the test (discovery, keys, authorize, token,
//! userinfo), on both engines: an agent with an account signs in and is
//! linked to their ProConnect identity; every answer that cannot be trusted
//! is refused with a French page and no session.

use crate::on_both_engines;
use crate::support::{Engine, Options, TestApp, exec};
use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing;
use base64::Engine as _;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use monlyceepro::accounts::Role;
use monlyceepro::config::ProConnectConfig;
use monlyceepro::storage::Db;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Test fixtures, not secrets: RSA keys generated for these tests only
/// (see tests/fixtures/README.md). The provider signs with the first; the
/// second plays a key ProConnect never published.
const KEY: &[u8] = include_bytes!("../fixtures/oidc-test-key.pem");
const OTHER_KEY: &[u8] = include_bytes!("../fixtures/oidc-test-other-key.pem");
const KID: &str = "cle-de-test";
const CLIENT_ID: &str = "monlyceepro-test";
const CLIENT_SECRET: &str = "secret-du-fournisseur-de-test";
const RBE: &str = "camille.martin@ac-lyon.fr";

/// How the userinfo endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Userinfo {
    /// A signed JWT, as ProConnect does.
    Jwt,
    Json,
}

/// What the provider answers for the next sign-in, and how it misbehaves.
#[derive(Debug, Clone)]
struct Grant {
    sub: String,
    email: String,
    userinfo: Userinfo,
    /// The address in the ID token rather than in the userinfo.
    email_in_id_token: bool,
    /// Another nonce than the one asked for.
    nonce: Option<String>,
    /// The ID token's expiry, in seconds from now.
    expires_in: i64,
    /// The ID token signed with a key the provider never published.
    other_key: bool,
    /// The same for the signed userinfo.
    userinfo_other_key: bool,
    audience: Option<String>,
    issuer: Option<String>,
    /// The token endpoint answers `invalid_grant` (an expired code).
    code_expired: bool,
    /// The person refuses at ProConnect (`error=access_denied`).
    denied: bool,
}

impl Grant {
    fn new(sub: &str, email: &str) -> Grant {
        Grant {
            sub: sub.into(),
            email: email.into(),
            userinfo: Userinfo::Jwt,
            email_in_id_token: false,
            nonce: None,
            expires_in: 300,
            other_key: false,
            userinfo_other_key: false,
            audience: None,
            issuer: None,
            code_expired: false,
            denied: false,
        }
    }
}

/// A code given out by `/authorize`.
struct Issued {
    grant: Grant,
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

#[derive(Default)]
struct ProviderState {
    issuer: String,
    next: Mutex<Option<Grant>>,
    codes: Mutex<HashMap<String, Issued>>,
    access: Mutex<HashMap<String, Grant>>,
    token_calls: Mutex<u32>,
}

/// A local OpenID Connect provider behaving like ProConnect.
#[derive(Clone)]
struct Provider(Arc<ProviderState>);

impl Provider {
    async fn start() -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port du fournisseur");
        let issuer = format!("http://{}/api/v2", listener.local_addr().expect("adresse"));
        let provider = Provider(Arc::new(ProviderState { issuer, ..ProviderState::default() }));
        let router = axum::Router::new()
            .route("/api/v2/.well-known/openid-configuration", routing::get(discovery))
            .route("/api/v2/jwks", routing::get(jwks))
            .route("/api/v2/authorize", routing::get(authorize))
            .route("/api/v2/token", routing::post(token))
            .route("/api/v2/userinfo", routing::get(userinfo))
            .with_state(provider.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        provider
    }

    fn issuer(&self) -> &str {
        &self.0.issuer
    }

    /// The answer to the next sign-in.
    fn next(&self, grant: Grant) {
        *self.0.next.lock().expect("verrou") = Some(grant);
    }

    fn token_calls(&self) -> u32 {
        *self.0.token_calls.lock().expect("verrou")
    }

    fn config(&self) -> ProConnectConfig {
        ProConnectConfig {
            issuer: self.issuer().to_string(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
        }
    }
}

fn random() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

fn sign(claims: &Value, other_key: bool) -> String {
    let key = EncodingKey::from_rsa_pem(if other_key { OTHER_KEY } else { KEY }).expect("clé de test");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.into());
    jsonwebtoken::encode(&header, claims, &key).expect("signature")
}

async fn discovery(State(p): State<Provider>) -> Json<Value> {
    let i = p.issuer();
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "userinfo_endpoint": format!("{i}/userinfo"),
        "jwks_uri": format!("{i}/jwks"),
        "end_session_endpoint": format!("{i}/session/end"),
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn jwks() -> Json<JwkSet> {
    let key = EncodingKey::from_rsa_pem(KEY).expect("clé de test");
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("JWK");
    jwk.common.key_id = Some(KID.into());
    Json(JwkSet { keys: vec![jwk] })
}

fn bad(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_request", "error_description": message }))).into_response()
}

/// Checks what the service asks, then sends the browser straight back with
/// a code (nobody types a password here).
async fn authorize(State(p): State<Provider>, Query(q): Query<HashMap<String, String>>) -> Response {
    let q = |k: &str| q.get(k).cloned().unwrap_or_default();
    let expected = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("scope", "openid email given_name usual_name uid"),
        ("code_challenge_method", "S256"),
        ("acr_values", "eidas1"),
    ];
    for (k, v) in expected {
        if q(k) != v {
            return bad(&format!("{k} = {:?}", q(k)));
        }
    }
    if q("state").is_empty() || q("nonce").is_empty() || q("code_challenge").is_empty() {
        return bad("state, nonce et code_challenge sont attendus");
    }
    let Some(grant) = p.0.next.lock().expect("verrou").take() else { return bad("aucune connexion préparée") };
    let redirect_uri = q("redirect_uri");
    let state = form_urlencoded::byte_serialize(q("state").as_bytes()).collect::<String>();
    if grant.denied {
        return Redirect::to(&format!("{redirect_uri}?error=access_denied&state={state}")).into_response();
    }
    let code = random();
    let issued =
        Issued { grant, nonce: q("nonce"), challenge: q("code_challenge"), redirect_uri: redirect_uri.clone() };
    p.0.codes.lock().expect("verrou").insert(code.clone(), issued);
    Redirect::to(&format!("{redirect_uri}?code={code}&state={state}")).into_response()
}

/// `client_secret_post` and PKCE, then an ID token shaped by the grant.
async fn token(State(p): State<Provider>, Form(f): Form<HashMap<String, String>>) -> Response {
    *p.0.token_calls.lock().expect("verrou") += 1;
    let f = |k: &str| f.get(k).cloned().unwrap_or_default();
    let invalid_grant = || (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_grant" }))).into_response();
    if f("grant_type") != "authorization_code" || f("client_id") != CLIENT_ID || f("client_secret") != CLIENT_SECRET {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "error": "invalid_client" }))).into_response();
    }
    let Some(issued) = p.0.codes.lock().expect("verrou").remove(&f("code")) else { return invalid_grant() };
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(f("code_verifier")));
    if issued.grant.code_expired || challenge != issued.challenge || f("redirect_uri") != issued.redirect_uri {
        return invalid_grant();
    }
    let g = issued.grant;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut claims = json!({
        "iss": g.issuer.clone().unwrap_or_else(|| p.issuer().to_string()),
        "aud": g.audience.clone().unwrap_or_else(|| CLIENT_ID.to_string()),
        "sub": g.sub,
        "iat": now,
        "exp": now + g.expires_in,
        "nonce": g.nonce.clone().unwrap_or(issued.nonce),
        "acr": "eidas1",
        "idp_id": "fia1v2",
    });
    if g.email_in_id_token {
        claims["email"] = json!(g.email);
    }
    let access = random();
    let id_token = sign(&claims, g.other_key);
    p.0.access.lock().expect("verrou").insert(access.clone(), g);
    Json(json!({ "access_token": access, "token_type": "Bearer", "expires_in": 60, "id_token": id_token }))
        .into_response()
}

async fn userinfo(State(p): State<Provider>, headers: HeaderMap) -> Response {
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let access = bearer.strip_prefix("Bearer ").unwrap_or("");
    let Some(g) = p.0.access.lock().expect("verrou").get(access).cloned() else {
        return (StatusCode::UNAUTHORIZED, "jeton d'accès inconnu").into_response();
    };
    let claims = json!({
        "sub": g.sub,
        "email": g.email,
        "given_name": "Camille",
        "usual_name": "Martin",
        "uid": "cmartin",
        "siret": "11004601800013",
        "iss": p.issuer(),
        "aud": CLIENT_ID,
    });
    match g.userinfo {
        Userinfo::Jwt => {
            ([(header::CONTENT_TYPE, "application/jwt")], sign(&claims, g.userinfo_other_key)).into_response()
        }
        Userinfo::Json => Json(claims).into_response(),
    }
}

/// An answer of the service, as a browser sees it.
#[derive(Debug)]
struct Answer {
    status: u16,
    location: String,
    body: String,
}

async fn get(browser: &reqwest::Client, url: &str) -> Answer {
    let res = browser.get(url).send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = res.status().as_u16();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    Answer { status, location, body: res.text().await.expect("corps") }
}

/// A browser whose cookies the test can add to.
fn new_browser() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .expect("client");
    (client, jar)
}

/// The button, ProConnect, and the way back: the provider's answer to the
/// browser (where it sends it back) and the service's answer to that.
async fn journey(app: &TestApp, provider: &Provider, browser: &reqwest::Client, start: &str) -> (String, Answer) {
    let to_provider = get(browser, &format!("{}{start}", app.base)).await;
    assert_eq!(to_provider.status, 303, "{}", to_provider.body);
    assert!(to_provider.location.starts_with(&format!("{}/authorize?", provider.issuer())), "{}", to_provider.location);
    let back = get(browser, &to_provider.location).await;
    assert_eq!(back.status, 303, "le fournisseur refuse : {}", back.body);
    let retour = format!("{}/connexion/proconnect/retour?", app.base);
    assert!(back.location.starts_with(&retour), "{}", back.location);
    let answer = get(browser, &back.location).await;
    (back.location, answer)
}

async fn sub_of(db: &Db, email: &str) -> Option<String> {
    let sql = "SELECT proconnect_sub FROM comptes WHERE email = $1";
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).bind(email).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).bind(email).fetch_one(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The browser has no session: the workspace sends it to the sign-in page.
async fn assert_signed_out(app: &TestApp, browser: &reqwest::Client) {
    let inbox = get(browser, &format!("{}/espace", app.base)).await;
    assert_eq!(inbox.status, 303, "{}", inbox.body);
    assert!(inbox.location.starts_with("/connexion"), "{}", inbox.location);
}

async fn spawn(engine: Engine) -> (TestApp, Provider) {
    let provider = Provider::start().await;
    let app = TestApp::spawn_with(engine, Options { proconnect: Some(provider.config()), ..Options::default() }).await;
    (app, provider)
}

/// A business officer invited beforehand signs in with ProConnect (the
/// address coming from the signed userinfo, as ProConnect sends it), lands
/// where they were going, and their account remembers the ProConnect
/// identity: the next sign-in finds it even under another address.
async fn agent_with_account_signs_in(engine: Engine) {
    let (app, provider) = spawn(engine).await;
    app.account(RBE, Role::Rbe, &["0690043X"], None).await;

    let (status, html) = app.get_text("/connexion").await;
    assert_eq!(status, 200);
    assert!(html.contains("fr-connect fr-connect--pro"), "{html}");
    assert!(html.contains("href=\"/connexion/proconnect?suite=%2Fespace\""), "{html}");
    assert!(!html.contains("arrive bientôt"));

    let (browser, _) = new_browser();
    provider.next(Grant::new("sub-camille", "Camille.Martin@ac-lyon.fr"));
    let (_, answer) = journey(&app, &provider, &browser, "/connexion/proconnect?suite=%2Fespace%2Fdemandes.csv").await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.location, "/espace/demandes.csv");
    let inbox = get(&browser, &format!("{}/espace", app.base)).await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    assert!(inbox.body.contains(RBE), "{}", inbox.body);
    assert_eq!(sub_of(&app.db, RBE).await.as_deref(), Some("sub-camille"));

    // Same identity, another address (JSON userinfo this time): the same account.
    let (again, _) = new_browser();
    let grant = Grant { userinfo: Userinfo::Json, ..Grant::new("sub-camille", "c.martin@region.fr") };
    provider.next(grant);
    let (_, answer) = journey(&app, &provider, &again, "/connexion/proconnect").await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.location, "/espace");
    assert_eq!(get(&again, &format!("{}/espace", app.base)).await.status, 200);

    // The address in the ID token itself is enough, and no open redirect.
    let (third, _) = new_browser();
    provider.next(Grant { email_in_id_token: true, ..Grant::new("sub-camille", RBE) });
    let (_, answer) = journey(&app, &provider, &third, "/connexion/proconnect?suite=https%3A%2F%2Fevil.example").await;
    assert_eq!(answer.location, "/espace");
}

/// A state serves once, before it expires, in the browser that started it.
async fn state_is_single_use_and_bound_to_the_browser(engine: Engine) {
    let (app, provider) = spawn(engine).await;
    app.account(RBE, Role::Rbe, &["0690043X"], None).await;

    // Unknown state.
    let (browser_a, jar) = new_browser();
    let unknown = get(&browser_a, &format!("{}/connexion/proconnect/retour?code=abc&state=inconnu", app.base)).await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.body.contains("ne correspond à aucune connexion en cours"), "{}", unknown.body);
    assert!(unknown.body.contains("href=\"/connexion\""), "{}", unknown.body);

    // Success, then the same return replayed, even with the attempt's cookie.
    provider.next(Grant::new("sub-camille", RBE));
    let (retour, answer) = journey(&app, &provider, &browser_a, "/connexion/proconnect").await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let state = retour.split("state=").nth(1).expect("state").to_string();
    jar.add_cookie_str(&format!("mlp_proconnect={state}; Path=/connexion/proconnect"), &app.base.parse().expect("url"));
    let calls = provider.token_calls();
    let replay = get(&browser_a, &retour).await;
    assert_eq!(replay.status, 400, "{}", replay.body);
    assert!(replay.body.contains("a déjà servi"), "{}", replay.body);
    assert_eq!(provider.token_calls(), calls, "a replayed state never reaches the token endpoint");

    // A return link opened in another browser than the one that started
    // (someone sending a victim their own sign-in).
    let (attacker, _) = new_browser();
    let (victim, _) = new_browser();
    provider.next(Grant::new("sub-intrus", RBE));
    let to_provider = get(&attacker, &format!("{}/connexion/proconnect", app.base)).await;
    let back = get(&attacker, &to_provider.location).await;
    let answer = get(&victim, &back.location).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("un autre navigateur"), "{}", answer.body);
    assert_signed_out(&app, &victim).await;

    // Expired attempt (more than ten minutes at ProConnect).
    let (slow, _) = new_browser();
    provider.next(Grant::new("sub-camille", RBE));
    let to_provider = get(&slow, &format!("{}/connexion/proconnect", app.base)).await;
    exec(&app.db, "UPDATE oidc_etats SET expire_le = '2000-01-01T00:00:00Z'").await;
    let back = get(&slow, &to_provider.location).await;
    let answer = get(&slow, &back.location).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("10 minutes"), "{}", answer.body);
    assert_signed_out(&app, &slow).await;
}

/// Every answer that cannot be trusted is refused: a French page with a way
/// back, a 400, and no session.
async fn untrustworthy_answers_are_refused(engine: Engine) {
    let (app, provider) = spawn(engine).await;
    app.account(RBE, Role::Rbe, &["0690043X"], None).await;
    let base = || Grant::new("sub-camille", RBE);
    let cases = [
        ("mauvais nonce", Grant { nonce: Some("un-autre-nonce".into()), ..base() }, "pas pu être vérifiée"),
        ("jeton expiré", Grant { expires_in: -3600, ..base() }, "pas pu être vérifiée"),
        ("autre clé", Grant { other_key: true, email_in_id_token: true, ..base() }, "pas pu être vérifiée"),
        ("userinfo d'une autre clé", Grant { userinfo_other_key: true, ..base() }, "pas pu être vérifiée"),
        ("autre audience", Grant { audience: Some("un-autre-service".into()), ..base() }, "pas pu être vérifiée"),
        ("autre émetteur", Grant { issuer: Some("https://faux.example".into()), ..base() }, "pas pu être vérifiée"),
        ("code expiré", Grant { code_expired: true, ..base() }, "pas confirmé votre connexion"),
        ("refus", Grant { denied: true, ..base() }, "annulée ou refusée"),
    ];
    for (case, grant, message) in cases {
        let (browser, _) = new_browser();
        provider.next(grant);
        let (_, answer) = journey(&app, &provider, &browser, "/connexion/proconnect").await;
        assert_eq!(answer.status, 400, "{case}: {}", answer.body);
        assert!(answer.body.contains(message), "{case}: {}", answer.body);
        assert!(answer.body.contains("Revenir à la connexion"), "{case}");
        assert!(answer.body.contains("fr-alert"), "{case}");
        assert_signed_out(&app, &browser).await;
    }
    assert_eq!(sub_of(&app.db, RBE).await, None, "nothing refused is linked to the account");
}

/// ProConnect knows the person, the workspace does not: a 403 page saying
/// how to be invited, and no session. The same for a disabled account.
async fn agent_without_account_is_told_how_to_get_one(engine: Engine) {
    let (app, provider) = spawn(engine).await;
    let (browser, _) = new_browser();
    provider.next(Grant::new("sub-inconnu", "dominique.durand@ac-lyon.fr"));
    let (_, answer) = journey(&app, &provider, &browser, "/connexion/proconnect").await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.body.contains("pas encore de compte"), "{}", answer.body);
    assert!(answer.body.contains("dominique.durand@ac-lyon.fr"), "{}", answer.body);
    assert!(answer.body.contains("chargé de mission école-entreprise"), "{}", answer.body);
    assert!(answer.body.contains("administration nationale"), "{}", answer.body);
    assert_signed_out(&app, &browser).await;

    app.account(RBE, Role::Rbe, &["0690043X"], None).await;
    exec(&app.db, &format!("UPDATE comptes SET actif = FALSE WHERE email = '{RBE}'")).await;
    let (browser, _) = new_browser();
    provider.next(Grant::new("sub-camille", RBE));
    let (_, answer) = journey(&app, &provider, &browser, "/connexion/proconnect").await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert_signed_out(&app, &browser).await;
    assert_eq!(sub_of(&app.db, RBE).await, None);
}

/// ProConnect down: a 502 page, not a crash.
async fn unreachable_provider(engine: Engine) {
    let config = ProConnectConfig {
        // Nothing answers there.
        issuer: "http://127.0.0.1:9/api/v2".into(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
    };
    let app = TestApp::spawn_with(engine, Options { proconnect: Some(config), ..Options::default() }).await;
    let (status, html) = app.get_text("/connexion/proconnect").await;
    assert_eq!(status, 502, "{html}");
    assert!(html.contains("ProConnect ne répond pas"), "{html}");
    assert!(html.contains("href=\"/connexion\""), "{html}");
}

/// Without `MLP_PROCONNECT_*`, no button and no ProConnect routes.
async fn without_configuration_there_is_no_button(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (status, html) = app.get_text("/connexion").await;
    assert_eq!(status, 200);
    assert!(!html.contains("fr-connect"), "{html}");
    assert!(!html.contains("ProConnect"), "{html}");
    assert_eq!(app.get("/connexion/proconnect").await.status().as_u16(), 404);
    assert_eq!(app.get("/connexion/proconnect/retour?code=a&state=b").await.status().as_u16(), 404);
}

on_both_engines!(
    agent_with_account_signs_in,
    state_is_single_use_and_bound_to_the_browser,
    untrustworthy_answers_are_refused,
    agent_without_account_is_told_how_to_get_one,
    unreachable_provider,
    without_configuration_there_is_no_button,
);
