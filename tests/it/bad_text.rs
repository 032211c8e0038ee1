//! A control character in any text the service accepts is refused at the
//! boundary, in French, with nothing stored — never a 500 (issue 24: on
//! PostgreSQL a NUL byte in a message answered `erreur_interne`).

use crate::on_both_engines;
use crate::support::{Engine, TestApp, one};

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
    assert_eq!(status, 422, "{html}");
    let (status, answer) = app.get_json("/api/v1/recherche?q=elec%00trique").await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["erreur"]["champs"]["q"].is_string(), "{answer}");
    let (status, _) = app.get_text("/espace/demandes/MLP%00").await;
    assert_eq!(status, 422);
}
on_both_engines!(nul_and_other_controls_are_refused);
