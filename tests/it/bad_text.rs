//! A control character in any text the service accepts is refused at the
//! boundary, in French, with nothing stored — never a 500 (issue 24: on
//! PostgreSQL a NUL byte in a message answered `erreur_interne`).

use crate::on_both_engines;
use crate::support::{Engine, TestApp, one};
use monlyceepro::web::routes;

async fn nul_and_other_controls_are_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // The API: 422 naming the field.
    let mut body = crate::demandes::request("nul@exemple.fr");
    body["message"] = serde_json::json!("Bonjour\u{0}");
    let (status, answer) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["erreur"]["champs"]["message"].as_str().is_some_and(|m| m.contains("U+0000")), "{answer}");
    body["message"] = serde_json::json!("Bonjour");
    body["contact"]["prenom"] = serde_json::json!("Zo\u{1b}[31mé");
    let (status, answer) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["erreur"]["champs"]["contact.prenom"].is_string(), "{answer}");
    assert_eq!(one::<i64>(&app.db, "SELECT COUNT(*) FROM demandes").await, 0, "nothing stored");
    // Line breaks and tabs are text.
    body["contact"]["prenom"] = serde_json::json!("Zoé");
    body["message"] = serde_json::json!("Ligne 1\r\nLigne 2\tfin");
    let (status, created) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!(status, 201, "{created}");

    // A page: the follow-up message form.
    let url = created["suivi_url"].as_str().expect("suivi");
    let path = &url[url.find("/suivi/").expect("chemin")..];
    let (status, _, html) = app.submit_form(path, &format!("{path}/message"), &[("message", "Oui\u{0}")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("Le champ « message » contient un caractère invisible") && html.contains("U+0000"), "{html}");
    let messages: i64 = one(&app.db, "SELECT COUNT(*) FROM demande_evenements WHERE auteur = 'entreprise'").await;
    assert_eq!(messages, 0);
    // A query string and a path.
    let (status, html) = app.get_text("/integration/demande?partenaire=a%00b").await;
    assert_eq!(status, 400, "{html}");
    let (status, answer) = app.get_json("/api/v1/recherche?q=elec%00trique").await;
    assert_eq!(status, 400, "a malformed request: {answer}");
    assert!(answer["erreur"]["champs"]["q"].is_string(), "{answer}");
    let (status, _) = app.get_text("/espace/demandes/MLP%00").await;
    assert_eq!(status, 400);
}
on_both_engines!(nul_and_other_controls_are_refused);

/// Text fields the service's forms and API bodies use, all given a control
/// character: whatever a route reads, it reads one of them.
const FIELDS: &[&str] = &[
    "message",
    "note",
    "nom",
    "prenom",
    "entreprise_nom",
    "description",
    "secteur",
    "titre",
    "email",
    "commune",
    "q",
    "metier",
    "motif",
    "texte",
    "adresse",
    "telephone",
    "lieu",
    "partenaire",
];

/// Every POST route of the router (found by asking it: a path whose POST
/// is not 405), each parameter filled with the signed-in officer's lycée
/// or `x`, asked by nobody, an officer and an administrator, with a NUL and
/// an escape character in every usual field — as a form carrying a valid
/// CSRF token, as JSON, as a multipart form with a CSV file, and in the
/// query string: never a 5xx, the form, JSON and query refused by the text
/// rule (400/422), and nothing stored is lost or changed.
async fn every_post_route_refuses_control_characters(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let uai = "0690043X";
    let rbe = app.account("rbe.controle@lycee.test", monlyceepro::accounts::Role::Rbe, &[uai], None).await;
    let admin = app.account("admin.controle@lycee.test", monlyceepro::accounts::Role::Admin, &[], None).await;
    // Something stored that must survive the walk.
    let created = app.post_json("/api/v1/demandes", &crate::demandes::request("garde@exemple.fr")).await;
    assert_eq!(created.0, 201, "{}", created.1);
    let stored = || async {
        let d: i64 = one(&app.db, "SELECT COUNT(*) FROM demandes").await;
        let e: i64 = one(&app.db, "SELECT COUNT(*) FROM demande_evenements").await;
        let c: i64 = one(&app.db, "SELECT COUNT(*) FROM comptes").await;
        let a: i64 = one(&app.db, "SELECT COUNT(*) FROM adresses_lycees").await;
        (d, e, c, a)
    };
    let before = stored().await;

    // Which paths answer POST.
    let book = monlyceepro::web::routes();
    let mut posts = Vec::new();
    for path in book.paths() {
        let url = format!("{}{}", app.base, routes::probe_url(path));
        let status = app.new_client().post(&url).send().await.expect("réponse").status().as_u16();
        if status != 405 {
            posts.push(path.clone());
        }
    }
    assert!(posts.len() >= 30, "routes POST trouvées : {posts:?}");
    assert!(posts.iter().any(|p| p == "/demande") && posts.iter().any(|p| p == "/api/v1/demandes"), "{posts:?}");

    let csrf_cookie = "cookie-csrf-du-test-des-caracteres";
    let csrf = app.state.signer.csrf_token(csrf_cookie);
    let mut visitors = vec![("public", format!("mlp_csrf={csrf_cookie}"))];
    for (who, id) in [("rbe", &rbe), ("admin", &admin)] {
        let (token, _) = app
            .state
            .accounts
            .open_session(id, "test", monlyceepro::clock::Clock::now(&*app.clock))
            .await
            .expect("session")
            .expect("compte actif");
        visitors.push((who, format!("mlp_session={token}; mlp_csrf={csrf_cookie}")));
    }
    let bad = "a\u{0}b\u{1b}[31m";
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend(FIELDS.iter().map(|f| (*f, bad)));
    let json: serde_json::Map<String, serde_json::Value> =
        FIELDS.iter().map(|f| (f.to_string(), serde_json::Value::String(bad.into()))).collect();
    // A connection per request: a server that answers before reading a body
    // it refuses closes the connection, which a pooled client would reuse.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let mut failures = Vec::new();
    for path in &posts {
        let filled = path
            .split('/')
            .map(|seg| match seg {
                "{uai}" => uai,
                s if s.starts_with('{') => "x",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        let url = format!("{}{filled}", app.base);
        for (who, cookies) in &visitors {
            let answers = [
                ("formulaire", client.post(&url).header("Cookie", cookies).form(&form).send().await),
                ("json", client.post(&url).header("Cookie", cookies).json(&json).send().await),
                (
                    "requête",
                    client
                        .post(format!("{url}?partenaire=a%00b&q=%1B"))
                        .header("Cookie", cookies)
                        .form(&[("csrf", csrf.as_str())])
                        .send()
                        .await,
                ),
                ("multipart", {
                    // Written whole (a length, not a stream): a server that
                    // answers before reading it does not break the write.
                    let boundary = "limite-du-test-des-caracteres";
                    let mut body = format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
                         --{boundary}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"liste.csv\"\r\n\
                         Content-Type: text/csv\r\n\r\nUAI;adresse\n{uai};a{nul}b@lycee.fr\n\r\n",
                        nul = "\u{0}"
                    );
                    for f in FIELDS {
                        body.push_str(&format!(
                            "--{boundary}\r\nContent-Disposition: form-data; name=\"{f}\"\r\n\r\n{bad}\r\n"
                        ));
                    }
                    body.push_str(&format!("--{boundary}--\r\n"));
                    client
                        .post(&url)
                        .header("Cookie", cookies)
                        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
                        .body(body)
                        .send()
                        .await
                }),
            ];
            for (how, answer) in answers {
                let status = answer.unwrap_or_else(|e| panic!("{path} ({who}, {how}) : {e:?}")).status().as_u16();
                let refused_by_rule = how == "multipart" || status == 400 || status == 422;
                if status >= 500 || !refused_by_rule {
                    failures.push(format!("{path} ({who}, {how}) → {status}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} routes POST : {failures:#?}", posts.len());
    assert_eq!(stored().await, before, "rien de ce qui était enregistré n'a changé");
}
on_both_engines!(every_post_route_refuses_control_characters);
