//! The request form embedded by partner platforms (issue 15,
//! `/integration/demande?partenaire=NAME`): framed only by the partner's
//! declared origins, walked without cookies nor JavaScript, its requests
//! attributed to the partner.

use crate::on_both_engines;
use crate::support::{Engine, Options, TestApp, csrf_of, one};
use monlyceepro::partner_api::NewKey;

/// A partner platform's page, on the loopback as in the tests' service.
const ORIGIN: &str = "http://localhost:4567";
const NAME: &str = "Les entreprises s'engagent";
/// The embedded form's address for [`NAME`].
const FORM: &str = "/integration/demande?partenaire=Les+entreprises+s%27engagent";

async fn declare(app: &TestApp, name: &str, origins: &[&str]) {
    let key = NewKey { name: name.into(), webhook: None, origins: origins.iter().map(|o| o.to_string()).collect() };
    app.state.api_keys.create(&key, "test", time::OffsetDateTime::now_utc()).await.expect("clé d'API");
}

/// A browser inside the partner's frame: cookies of ours are never sent
/// there, so this one keeps none.
fn framed_browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Posts a step as the browser does from our page in the frame.
async fn post(app: &TestApp, client: &reqwest::Client, fields: &[(&str, &str)]) -> (u16, Option<String>, String) {
    let res = client
        .post(format!("{}{FORM}", app.base))
        .header("origin", &app.base)
        .header("sec-fetch-site", "same-origin")
        .form(fields)
        .send()
        .await
        .expect("envoi");
    let status = res.status().as_u16();
    let location = header(&res, "location");
    (status, location, res.text().await.expect("corps"))
}

/// Every answer of the journey.
const ANSWERS: [(&str, &str); 10] = [
    ("action", "pfmp"),
    ("metiers", "F1602"),
    ("commune", "69123"),
    ("commune_texte", "Lyon"),
    ("message", "Deux élèves en électricité au printemps."),
    ("entreprise_nom", "Lumière Lyon"),
    ("prenom", "Inès"),
    ("nom", "Roux"),
    ("email", "ines.roux@exemple.fr"),
    ("consentement", "oui"),
];

/// The form's token, [`ANSWERS`] and `extra` fields.
fn with(extra: &[(&str, &str)], token: &str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![("csrf".into(), token.to_string())];
    f.extend(ANSWERS.iter().chain(extra).map(|(k, v)| (k.to_string(), v.to_string())));
    f
}

async fn text(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.expect("page").text().await.expect("corps")
}

fn as_refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn count(app: &TestApp) -> i64 {
    one::<i64>(&app.db, "SELECT COUNT(*) FROM demandes").await
}

/// The embedded form: the journey without the site's header and footer,
/// which only the partner's origins may frame; an unknown or revoked
/// partner gets a 404; the rest of the site still refuses every frame.
async fn embedded_form_is_framed_by_its_partner_only(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    declare(&app, NAME, &[ORIGIN, "https://www.exemple.fr"]).await;
    declare(&app, "Sans origine", &[]).await;
    let client = framed_browser();
    let res = client.get(format!("{}{FORM}", app.base)).send().await.expect("page");
    assert_eq!(res.status(), 200);
    let csp = header(&res, "content-security-policy").expect("CSP");
    assert!(csp.ends_with("frame-ancestors http://localhost:4567 https://www.exemple.fr"), "{csp}");
    assert!(csp.starts_with("default-src 'self';") && csp.contains("form-action 'self'"), "{csp}");
    assert_eq!(header(&res, "x-frame-options"), None, "X-Frame-Options cannot name the partner's origins");
    assert_eq!(header(&res, "cache-control").as_deref(), Some("no-store"));
    assert_eq!(header(&res, "set-cookie"), None, "no cookie: it would not come back from a cross-site frame");
    let page = res.text().await.expect("corps");
    for chrome in ["fr-header", "fr-footer", "fr-skiplinks", "navigation-principale"] {
        assert!(!page.contains(chrome), "{chrome} in the embedded form");
    }
    assert_eq!(page.matches("<h1").count(), 1);
    assert!(page.contains(r#"<html lang="fr">"#) && page.contains("dsfr.min.css"));
    assert!(page.contains("Étape 1 sur 6") && page.contains("fr-stepper"), "the step indicator");
    assert!(page.contains(&format!(r#"<form method="post" action="{FORM}""#)), "posts to the embedded form");
    assert!(!page.contains(r#"action="/demande""#));

    // A link pre-filling the journey works as on the site.
    let (status, page) = app.get_text(&format!("{FORM}&action=pfmp&rome=F1602&lycee=0690043X")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Étape 3 sur 6"), "{page}");

    // A partner without origins: nobody may frame its form.
    let res =
        client.get(format!("{}/integration/demande?partenaire=Sans+origine", app.base)).send().await.expect("page");
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-security-policy").expect("CSP").ends_with("frame-ancestors 'none'"));

    // Unknown, missing or revoked partner: a plain French 404.
    app.state.api_keys.revoke("Sans origine", "test", time::OffsetDateTime::now_utc()).await.expect("révocation");
    for path in [
        "/integration/demande?partenaire=Inconnu",
        "/integration/demande",
        "/integration/demande?partenaire=Sans+origine",
    ] {
        let res = client.get(format!("{}{path}", app.base)).send().await.expect("page");
        assert_eq!(res.status(), 404, "{path}");
        assert!(header(&res, "content-security-policy").expect("CSP").ends_with("frame-ancestors 'none'"));
        let page = res.text().await.expect("corps");
        assert!(page.contains("Formulaire indisponible") && page.contains("pas, ou plus, partenaire"), "{page}");
        assert!(!page.contains("fr-header") && !page.contains("fr-footer"));
    }
    let res = client.post(format!("{}/integration/demande?partenaire=Inconnu", app.base)).send().await.expect("post");
    assert_eq!(res.status(), 404);

    // The rest of the site refuses every frame.
    for path in ["/demande", "/", "/lycees/0690043X"] {
        let res = app.get(path).await;
        let csp = header(&res, "content-security-policy").expect("CSP");
        assert!(csp.ends_with("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(header(&res, "x-frame-options").as_deref(), Some("DENY"), "{path}");
    }
}

on_both_engines!(embedded_form_is_framed_by_its_partner_only);

/// The whole journey inside the frame, with plain posts and no cookie:
/// the request is stored as the partner's, the confirmation stays in the
/// frame and opens the follow-up page in a new tab; the lycée sees where
/// it came from. Posts without the form's token, with another partner's,
/// an expired one, or from another site are refused and store nothing.
async fn embedded_journey_is_sent_for_the_partner(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    declare(&app, NAME, &[ORIGIN]).await;
    declare(&app, "Autre plateforme", &["https://autre.exemple.fr"]).await;
    let client = framed_browser();
    let page = text(&client, &format!("{}{FORM}", app.base)).await;
    let token = csrf_of(&page).expect("jeton du formulaire");

    // Step 1, then the rest of the answers at step 5 (they travel as
    // hidden fields, as in the site's journey).
    let (status, _, page) =
        post(&app, &client, &[("csrf", &token), ("etape", "1"), ("aller", "2"), ("action", "pfmp")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Étape 2 sur 6") && page.contains(&format!(r#"action="{FORM}""#)));
    let token = csrf_of(&page).expect("jeton");
    let review = with(&[("etape", "5"), ("aller", "6")], &token);
    let (status, _, page) = post(&app, &client, &as_refs(&review)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Étape 6 sur 6") && page.contains("Qui recevra votre demande"), "{page}");
    let token = csrf_of(&page).expect("jeton");
    let send = with(&[("etape", "6"), ("aller", "envoyer")], &token);

    // Refused: no token, a forged one, another partner's, the site's own
    // form token, an expired one, a post from another site.
    let before = count(&app).await;
    let mut no_token = send.clone();
    no_token.remove(0);
    let (status, _, page) = post(&app, &client, &as_refs(&no_token)).await;
    assert_eq!(status, 403);
    assert!(page.contains("Le formulaire a expiré"), "{page}");
    let other_page = text(&client, &format!("{}/integration/demande?partenaire=Autre+plateforme", app.base)).await;
    let site_page = app.get_text("/demande").await.1;
    for (label, wrong) in [
        ("forgé", format!("{token}x")),
        ("d'un autre partenaire", csrf_of(&other_page).expect("jeton")),
        ("du site", csrf_of(&site_page).expect("jeton")),
    ] {
        let mut f = send.clone();
        f[0].1 = wrong;
        let (status, location, _) = post(&app, &client, &as_refs(&f)).await;
        assert_eq!((status, location), (403, None), "jeton {label}");
    }
    for (origin, fetch_site) in
        [("https://pirate.exemple", "cross-site"), (ORIGIN, "cross-site"), ("null", "cross-site")]
    {
        let res = client
            .post(format!("{}{FORM}", app.base))
            .header("origin", origin)
            .header("sec-fetch-site", fetch_site)
            .form(&as_refs(&send))
            .send()
            .await
            .expect("envoi");
        assert_eq!(res.status(), 403, "posted from {origin}");
    }
    let res = client
        .post(format!("{}{FORM}", app.base))
        .header("origin", "https://pirate.exemple")
        .form(&as_refs(&send))
        .send()
        .await
        .expect("envoi");
    assert_eq!(res.status(), 403, "a foreign Origin alone is enough to refuse");
    app.clock.advance(time::Duration::hours(9));
    let (status, _, _) = post(&app, &client, &as_refs(&send)).await;
    assert_eq!(status, 403, "the form's token has expired");
    app.clock.advance(time::Duration::hours(-9));
    assert_eq!(count(&app).await, before, "nothing stored by a refused post");

    // Sent: the confirmation inside the frame, the request the partner's.
    let (status, location, _) = post(&app, &client, &as_refs(&send)).await;
    assert_eq!(status, 303);
    let location = location.expect("redirection");
    assert!(location.starts_with("/integration/demande/envoyee/"), "{location}");
    assert!(location.ends_with("?partenaire=Les+entreprises+s%27engagent"), "{location}");
    assert_eq!(one::<String>(&app.db, "SELECT partenaire FROM demandes").await, NAME);
    let reference = one::<String>(&app.db, "SELECT reference FROM demandes").await;
    let res = client.get(format!("{}{location}", app.base)).send().await.expect("confirmation");
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-security-policy").expect("CSP").ends_with(&format!("frame-ancestors {ORIGIN}")));
    assert_eq!(header(&res, "x-frame-options"), None);
    let page = res.text().await.expect("corps");
    assert!(page.contains("Votre demande est envoyée") && page.contains(&reference), "{page}");
    assert!(page.contains("ines.roux@exemple.fr") && !page.contains("fr-header"));
    let follow = location.split('?').next().expect("chemin").replace("/integration/demande/envoyee/", "/suivi/");
    assert!(
        page.contains(&format!(
            r#"href="{follow}" target="_blank" rel="noopener">Suivre votre demande sur MonLycéePro (nouvel onglet)</a>"#
        )),
        "{page}"
    );
    // The confirmation belongs to the partner whose frame sent it.
    let elsewhere = location.replace("Les+entreprises+s%27engagent", "Autre+plateforme");
    let (status, page) = app.get_text(&elsewhere).await;
    assert_eq!(status, 404);
    assert!(!page.contains(&reference));
    let (status, _) = app.get_text(&location.replace("/envoyee/", "/envoyee/inconnu")).await;
    assert_eq!(status, 404);

    // The lycée sees where the request came from.
    let admin = app.account("admin@education.gouv.fr", monlyceepro::accounts::Role::Admin, &[], None).await;
    let browser = app.signed_in(&admin).await;
    let page = text(&browser, &format!("{}/espace/demandes/{reference}", app.base)).await;
    assert!(page.contains("Reçue via Les entreprises s&#39;engagent"), "{page}");
    let inbox = text(&browser, &format!("{}/espace", app.base)).await;
    assert!(inbox.contains("via Les entreprises s&#39;engagent"), "{inbox}");
}

on_both_engines!(embedded_journey_is_sent_for_the_partner);

/// The embedded form is a public form: the per-address limit of sending
/// applies to it as to the site's.
async fn embedded_form_is_rate_limited(engine: Engine) {
    let app = TestApp::spawn_with(engine, Options { rate_limit: 1, ..Options::default() }).await;
    declare(&app, NAME, &[ORIGIN]).await;
    let client = framed_browser();
    let token = csrf_of(&text(&client, &format!("{}{FORM}", app.base)).await).expect("jeton");
    let send = with(&[("etape", "6"), ("aller", "envoyer")], &token);
    let (status, _, _) = post(&app, &client, &as_refs(&send)).await;
    assert_eq!(status, 303);
    let (status, location, page) = post(&app, &client, &as_refs(&send)).await;
    assert_eq!((status, location), (429, None));
    assert!(page.contains("Trop de demandes envoyées depuis votre adresse"), "{page}");
    assert_eq!(count(&app).await, 1);
}

on_both_engines!(embedded_form_is_rate_limited);
