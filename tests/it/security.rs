//! The security round's smaller findings, each checked through the real
//! server: cookies only where forms are, private answers never cached,
//! `/metrics` for operators only, bad paths answered in the service's
//! words, links that expire and can be renewed, email bodies erased after
//! sending, notes refused on a closed request, a request handed across an
//! académie border told to both coordinators.

use crate::demandes::request;
use crate::on_both_engines;
use crate::support::{Engine, Options, TestApp, exec};
use monlyceepro::accounts::Role;
use monlyceepro::storage::Db;

async fn scalar_text(db: &Db, sql: &str) -> String {
    crate::support::one(db, sql).await
}

async fn headers_and_cookies(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let fresh = || app.new_client();
    // No cookie where there is no form.
    for path in ["/livez", "/healthz", "/api/v1/referentiels/actions", "/api/v1/lycees/0690043X", "/lycees", "/"] {
        let res = fresh().get(format!("{}{path}", app.base)).send().await.expect("requête");
        assert!(res.headers().get("set-cookie").is_none(), "{path} sets a cookie");
    }
    let css = app.get_text("/").await.1;
    let start = css.find("/static/").expect("feuille de style");
    let asset: String = css[start..].chars().take_while(|c| *c != '"').collect();
    let res = fresh().get(format!("{}{asset}", app.base)).send().await.expect("requête");
    assert_eq!(res.status(), 200, "{asset}");
    assert!(res.headers().get("set-cookie").is_none(), "static files set no cookie");
    // A page with a form does.
    let res = fresh().get(format!("{}/connexion", app.base)).send().await.expect("requête");
    let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(
        cookie.starts_with("mlp_csrf=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    // Private answers are never stored.
    for path in
        ["/r/nimporte-quoi", "/suivi/inconnu", "/rejoindre/inconnu", "/connexion", "/api/v1/demandes/MLP-2026-000001"]
    {
        let res = fresh().get(format!("{}{path}", app.base)).send().await.expect("requête");
        let cache = res.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(cache.contains("no-store"), "{path}: {cache}");
    }

    // /metrics: the loopback, not through a proxy.
    assert_eq!(app.get_text("/metrics").await.0, 200);
    let proxied = fresh()
        .get(format!("{}/metrics", app.base))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .expect("requête");
    assert_eq!(proxied.status(), 404);

    // A path that is not UTF-8: the API's JSON error, a French page.
    let (status, json) = app.get_json("/api/v1/lycees/%FF%FE").await;
    assert_eq!(status, 400);
    assert_eq!(json["erreur"]["code"], "requete_invalide", "{json}");
    let (status, html) = app.get_text("/lycees/%C3").await;
    assert_eq!(status, 400);
    assert!(html.contains("Adresse invalide"), "{html}");
    // Those early answers carry the security headers too.
    for path in ["/api/v1/lycees/%FF%FE", "/lycees/%C3", "/suivi/%FF"] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(res.status(), 400, "{path}");
        assert!(
            h.get("content-security-policy")
                .is_some_and(|v| v.to_str().is_ok_and(|v| v.contains("frame-ancestors 'none'"))),
            "{path}: CSP"
        );
        assert_eq!(h.get("x-frame-options").and_then(|v| v.to_str().ok()), Some("DENY"), "{path}");
        assert_eq!(h.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"), "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
    let res = app.get("/suivi/%FF").await;
    assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"), "a private path");
}
on_both_engines!(headers_and_cookies);

/// Every answer to someone who shows credentials — a partner's key, a
/// follow-up token, a session — or reached by a private link is
/// `Cache-Control: no-store`, the API included; public answers to
/// anonymous readers keep their caching, and static files keep theirs for
/// everyone.
async fn authenticated_answers_are_never_stored(engine: Engine) {
    use monlyceepro::clock::Clock as _;
    let app = TestApp::spawn(engine).await;
    let now = app.clock.now();
    let key = app
        .state
        .api_keys
        .create(&monlyceepro::partner_api::NewKey { name: "Plateforme".into(), ..Default::default() }, "test", now)
        .await
        .expect("clé")
        .key;
    let cache = |res: &reqwest::Response| {
        res.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
    };
    let fresh = app.new_client();
    // The API with a partner's key: the 201 (it carries the follow-up
    // link), the list, one request.
    let created = fresh
        .post(format!("{}/api/v1/demandes", app.base))
        .bearer_auth(&key)
        .json(&request("cache@exemple.fr"))
        .send()
        .await
        .expect("requête");
    assert_eq!(created.status(), 201);
    assert_eq!(cache(&created), "no-store", "POST /api/v1/demandes");
    let created: serde_json::Value = created.json().await.expect("JSON");
    let reference = created["reference"].as_str().expect("référence").to_string();
    let id = created["id"].as_str().expect("id").to_string();
    let token = created["suivi_url"].as_str().expect("suivi").rsplit('/').next().expect("jeton").to_string();
    let uai = created["destinataires"][0]["uai"].as_str().expect("destinataire").to_string();
    let mut with_key: Vec<(String, reqwest::Response)> = Vec::new();
    for path in ["/api/v1/demandes", "/api/v1/lycees/0690043X"] {
        let res = fresh.get(format!("{}{path}", app.base)).bearer_auth(&key).send().await.expect("requête");
        with_key.push((path.to_string(), res));
    }
    let follow = fresh
        .get(format!("{}/api/v1/demandes/{reference}", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("requête");
    with_key.push(("/api/v1/demandes/{reference} (jeton de suivi)".into(), follow));
    for (path, res) in with_key {
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(cache(&res), "no-store", "{path} with credentials");
    }
    // Private links, followed without any credential.
    let links = [
        format!("/api/v1/demandes/{reference}?jeton={token}"),
        format!("/suivi/{token}"),
        format!("/r/{}", app.state.requests.link_token(&id, &uai, now)),
        format!("/avis/{}", app.state.requests.rating_token(&id, now)),
        "/rejoindre".into(),
        "/connexion".into(),
    ];
    for path in &links {
        let res = fresh.get(format!("{}{path}", app.base)).send().await.expect("requête");
        assert!(res.status().is_success(), "{path}: {}", res.status());
        assert!(cache(&res).contains("no-store"), "{path}: {}", cache(&res));
    }
    // Signed in: the workspace, and public pages too (they name the
    // person).
    let admin = app.account("cache.admin@education.gouv.fr", Role::Admin, &[], None).await;
    let signed = app.signed_in(&admin).await;
    let pages = [
        "/espace".to_string(),
        format!("/espace/demandes/{reference}"),
        "/espace/partenaires".into(),
        "/espace/territoire".into(),
        "/admin".into(),
        "/statistiques".into(),
        "/lycees".into(),
        "/api/v1/statistiques".into(),
    ];
    for path in &pages {
        let res = signed.get(format!("{}{path}", app.base)).send().await.expect("requête");
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(cache(&res), "no-store", "{path} signed in");
    }
    // Anonymous readers of public answers keep their caching; static
    // files keep theirs for everyone.
    let res = fresh.get(format!("{}/api/v1/statistiques", app.base)).send().await.expect("requête");
    assert_eq!(cache(&res), "public, max-age=60");
    let res = fresh.get(format!("{}/statistiques", app.base)).send().await.expect("requête");
    assert!(!cache(&res).contains("no-store"), "{}", cache(&res));
    let res = fresh.get(format!("{}/api/v1/lycees/0690043X", app.base)).send().await.expect("requête");
    assert!(!cache(&res).contains("no-store"), "{}", cache(&res));
    let html = app.get_text("/").await.1;
    let start = html.find("/static/").expect("feuille de style");
    let asset: String = html[start..].chars().take_while(|c| *c != '"').collect();
    let res = signed.get(format!("{}{asset}", app.base)).send().await.expect("requête");
    assert!(cache(&res).contains("immutable"), "{asset}: {}", cache(&res));
}
on_both_engines!(authenticated_answers_are_never_stored);

/// With `MLP_METRICS_TOKEN`, `/metrics` wants it, from anywhere.
async fn metrics_token(engine: Engine) {
    let app = TestApp::spawn_with(
        engine,
        Options { metrics_token: Some("jeton-des-metriques-0123456789".into()), ..Options::default() },
    )
    .await;
    assert_eq!(app.get_text("/metrics").await.0, 404, "the loopback is not enough with a token");
    for (header, want) in [("Bearer mauvais", 404), ("Bearer jeton-des-metriques-0123456789", 200)] {
        let res = app
            .new_client()
            .get(format!("{}/metrics", app.base))
            .header("authorization", header)
            .send()
            .await
            .expect("requête");
        assert_eq!(res.status(), want, "{header}");
    }
}
on_both_engines!(metrics_token);

/// The company's follow-up link: expired 12 months after the end, a new
/// one sent to the request's address only, the old one dead; sent email
/// bodies (and the files of the file transport) erased after a day, those
/// of emails given up after a week.
async fn links_and_retention(engine: Engine) {
    let app = TestApp::spawn_with(engine, Options { worker: true, ..Options::default() }).await;
    let (status, created) = app.post_json("/api/v1/demandes", &request("suivi@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let follow = created["suivi_url"].as_str().expect("suivi").to_string();
    let path = follow.trim_start_matches(&app.base).to_string();
    let reference = created["reference"].as_str().expect("référence").to_string();
    let token = path.trim_start_matches("/suivi/").to_string();
    assert_eq!(app.get_text(&path).await.0, 200);
    // Cancelled by the company, then 13 months pass.
    let (status, _, _) = app.submit_form(&path, &format!("{path}/annuler"), &[("confirmation", "oui")]).await;
    assert_eq!(status, 303);
    assert_eq!(app.get_text(&path).await.0, 200, "still open right after the end");
    let ended = scalar_text(&app.db, "SELECT termine_le FROM demandes").await;
    assert!(ended.starts_with("20"), "the end is recorded: {ended}");
    exec(&app.db, "UPDATE demandes SET termine_le = '2025-01-01T00:00:00Z'").await;
    let (status, html) = app.get_text(&path).await;
    assert_eq!(status, 410, "{html}");
    assert!(html.contains("Ce lien de suivi a expiré") && html.contains("s•••@exemple.fr"), "{html}");
    let api = format!("/api/v1/demandes/{reference}?jeton={token}");
    assert_eq!(app.get(&api).await.status(), 404, "the API's answer to an expired token");
    // A new link, to the address of the request.
    let (status, _, html) = app.submit_form(&path, &format!("{path}/nouveau-lien"), &[]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Nouveau lien envoyé"), "{html}");
    let body = scalar_text(&app.db, "SELECT corps FROM outbox WHERE modele = 'entreprise_nouveau_lien'").await;
    let to = scalar_text(&app.db, "SELECT destinataire FROM outbox WHERE modele = 'entreprise_nouveau_lien'").await;
    assert_eq!(to, "suivi@exemple.fr");
    let start = body.find("/suivi/").expect("nouveau lien");
    let new_path: String = body[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert_ne!(new_path, path);
    assert_eq!(app.get_text(&path).await.0, 404, "the old link is dead");
    let (status, html) = app.get_text(&new_path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&reference));

    // Sent email bodies are erased after a day, not before.
    for _ in 0..100 {
        let waiting = scalar_text(&app.db, "SELECT CAST(COUNT(*) AS TEXT) FROM outbox WHERE statut <> 'envoye'").await;
        if waiting == "0" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // One email given up (its body is kept a week for the operators).
    exec(
        &app.db,
        "UPDATE outbox SET statut = 'echec', envoye_le = NULL \
         WHERE id = (SELECT id FROM outbox WHERE modele = 'entreprise_nouveau_lien')",
    )
    .await;
    // Without SMTP the worker wrote the emails as files: the same links.
    let mail_dir = app.state.config.var_dir.join("mail");
    let files = || {
        std::fs::read_dir(&mail_dir)
            .map(|d| d.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "eml")).count())
            .unwrap_or(0)
    };
    assert!(files() >= 2, "the file transport wrote the emails");
    let mailer =
        monlyceepro::mail::Mailer::new(None, &app.state.config.mail_from, &app.state.config.var_dir).expect("courriel");
    let worker = monlyceepro::web::worker_of(&app.state, mailer);
    let now = time::OffsetDateTime::now_utc();
    // The lease of the hourly job may be held by the running worker: free it.
    exec(&app.db, "DELETE FROM taches WHERE nom = 'purge_courriels'").await;
    assert_eq!(worker.purge_sent_emails(now).await.expect("purge"), 0, "nothing erased within the day");
    assert!(files() >= 2, "no file erased within the day");
    exec(&app.db, "DELETE FROM taches WHERE nom = 'purge_courriels'").await;
    let erased = worker.purge_sent_emails(now + time::Duration::hours(25)).await.expect("purge");
    let sent = scalar_text(&app.db, "SELECT CAST(COUNT(*) AS TEXT) FROM outbox WHERE statut = 'envoye'").await;
    assert_eq!(erased.to_string(), sent, "every sent body erased");
    assert_eq!(files(), 0, "the email files are erased with the bodies");
    let given_up = "SELECT corps FROM outbox WHERE statut = 'echec'";
    assert!(scalar_text(&app.db, given_up).await.contains("/suivi/"), "an email given up is kept a week");
    exec(&app.db, "DELETE FROM taches WHERE nom = 'purge_courriels'").await;
    assert_eq!(worker.purge_sent_emails(now + time::Duration::days(6)).await.expect("purge"), 0);
    exec(&app.db, "DELETE FROM taches WHERE nom = 'purge_courriels'").await;
    assert_eq!(worker.purge_sent_emails(now + time::Duration::days(8)).await.expect("purge"), 1, "then erased");
    assert_eq!(scalar_text(&app.db, given_up).await, monlyceepro::storage::outbox::PURGED_BODY);
    let left = scalar_text(
        &app.db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM outbox WHERE corps LIKE '%/suivi/%' OR corps LIKE '%/r/%'",
    )
    .await;
    assert_eq!(left, "0", "no private link left readable in the outbox");
}
on_both_engines!(links_and_retention);

/// A closed request takes no more notes; a request handed to a lycée of
/// another académie is told to both académies' coordinators.
async fn closed_notes_and_border_crossing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (status, created) = app.post_json("/api/v1/demandes", &request("frontiere@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let reference = created["reference"].as_str().expect("référence").to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let index = app.state.search.index();
    let grenoble = index.lycees.iter().find(|l| l.departement == "38").expect("lycée de l'Isère").uai.clone();
    drop(index);
    app.account("coord.lyon@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await;
    app.account("coord.grenoble@ac-grenoble.fr", Role::Coordinateur, &[], Some("Grenoble")).await;
    let rbe = app.signed_in(&app.account("rbe.pilote@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let page = format!("/espace/demandes/{reference}");
    let (status, _, html) = app.submit_form_as(&rbe, &page, &format!("{page}/passer"), &[("lycee", &grenoble)]).await;
    assert_eq!(status, 303, "{html}");
    for coordinator in ["coord.lyon@ac-lyon.fr", "coord.grenoble@ac-grenoble.fr"] {
        let n = scalar_text(
            &app.db,
            &format!(
                "SELECT CAST(COUNT(*) AS TEXT) FROM outbox WHERE modele = 'coordination' AND destinataire = '{coordinator}'"
            ),
        )
        .await;
        assert_eq!(n, "1", "{coordinator} is told");
    }

    // Closed by the coordinator: no more notes.
    let coord =
        app.signed_in(&app.account("coord2.lyon@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await).await;
    let (status, _, html) =
        app.submit_form_as(&coord, &page, &format!("{page}/cloturer"), &[("issue", "sans_suite")]).await;
    assert_eq!(status, 303, "{html}");
    let html = coord.get(format!("{}{page}", app.base)).send().await.expect("page").text().await.expect("corps");
    assert!(!html.contains("Ajouter la note"), "no note form on a closed request");
    let (status, _, _) =
        app.submit_form_as(&coord, &page, &format!("{page}/note"), &[("texte", "Encore un mot")]).await;
    assert_eq!(status, 404, "an action nobody may do on it now");
    let notes =
        scalar_text(&app.db, "SELECT CAST(COUNT(*) AS TEXT) FROM demande_evenements WHERE texte = 'Encore un mot'")
            .await;
    assert_eq!(notes, "0");
}
on_both_engines!(closed_notes_and_border_crossing);
