//! Browser tests: headless Chromium (Debian's) driven by Playwright, with
//! axe-core, against the real server on each engine. The scenario lives in
//! `browser-tests/pages.mjs`; this test starts the server and fails with
//! the browser's report.

use crate::support::{Engine, TestApp};
use crate::{on_both_engines, on_one_engine};

/// Runs a browser scenario of `browser-tests/` against the app; its output.
async fn node(script: &str, args: &[String]) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = tokio::process::Command::new("node")
        .arg(format!("{root}/browser-tests/{script}"))
        .args(args)
        .current_dir(root)
        .output()
        .await
        .expect("node (Node.js) doit être installé pour les tests de navigateur");
    let report = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{script} en échec :\n{report}");
    report
}

/// The company journey with the keyboard only, axe-clean at every step;
/// then every public page, the follow-up page and the one-click link pages
/// of the request it made.
async fn pages_are_accessible_in_chromium(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let journey = node("demande.mjs", std::slice::from_ref(&app.base)).await;
    assert!(journey.contains("parcours de demande réussi"), "{journey}");
    if let Some(tabs) = journey.lines().find(|l| l.starts_with("TABULATIONS")) {
        println!("{tabs}");
    }
    let follow = journey.lines().find_map(|l| l.strip_prefix("SUIVI ")).expect("URL de suivi").trim().to_string();
    let follow_path = follow[follow.find("/suivi/").expect("chemin")..].to_string();
    let d = app
        .state
        .requests
        .by_token(follow_path.trim_start_matches("/suivi/"))
        .await
        .expect("base")
        .expect("la demande du parcours");
    let pilot = d.lycee_origine.clone().expect("demande faite depuis la page du lycée");
    let token = app.state.requests.link_token(&d.id, &pilot, time::OffsetDateTime::now_utc());
    let lifecycle = lifecycle_pages(&app).await;
    let mut paths = vec![
        app.base.clone(),
        follow_path,
        format!("/r/{token}"),
        format!("/r/{token}/prendre"),
        format!("/r/{token}/decliner"),
    ];
    paths.extend(lifecycle);
    let pages = node("pages.mjs", &paths).await;
    assert!(pages.contains("pages vérifiées"), "{pages}");
}

on_one_engine!(pages_are_accessible_in_chromium);

/// Requests at each end of their life, and the pages the company and the
/// lycée then see: a request taken (the one-click close page), closed (the
/// follow-up page asking for the company's word, the rating page), ended
/// without answer (the re-open form), and a follow-up link expired (410).
async fn lifecycle_pages(app: &TestApp) -> Vec<String> {
    use domain::lifecycle::{Actor, Event, Outcome};
    use monlyceepro::requests::Action;
    let now = time::OffsetDateTime::now_utc();
    let index = app.state.search.index();
    let mut made = Vec::new();
    for email in ["prise@exemple.fr", "close@exemple.fr", "sans-reponse@exemple.fr", "ancienne@exemple.fr"] {
        let mut body = crate::demandes::request(email);
        // Four companies, not the same one four times (a duplicate).
        body["entreprise"]["siret"] = serde_json::Value::Null;
        let (status, created) = app.post_json("/api/v1/demandes", &body).await;
        assert_eq!(status, 201, "{created}");
        let follow = created["suivi_url"].as_str().expect("suivi").to_string();
        made.push((
            created["id"].as_str().expect("id").to_string(),
            created["destinataires"][0]["uai"].as_str().expect("pilote").to_string(),
            follow[follow.find("/suivi/").expect("chemin")..].to_string(),
        ));
    }
    let act = |i: usize, event: Event, at: time::OffsetDateTime| {
        let (id, index) = (made[i].0.clone(), index.clone());
        async move {
            app.state.requests.act(&index, &id, Action::new(event, "Mme Martin"), at).await.expect("transition");
        }
    };
    for i in [0, 1] {
        act(i, Event::Take { uai: made[i].1.clone() }, now).await;
    }
    act(1, Event::Close { by: Actor::Lycee(made[1].1.clone()), outcome: Outcome::Partenariat }, now).await;
    act(2, Event::Tick, now + time::Duration::days(40)).await;
    act(3, Event::Cancel, now - time::Duration::days(400)).await;
    // The same request again: its page tells the duplicate's story.
    let mut body = crate::demandes::request("prise@exemple.fr");
    body["entreprise"]["siret"] = serde_json::Value::Null;
    let (status, again) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!((status, again["statut"].as_str()), (201, Some("doublon")), "{again}");
    let duplicate = again["suivi_url"].as_str().expect("suivi").to_string();
    let duplicate = duplicate[duplicate.find("/suivi/").expect("chemin")..].to_string();
    let link = app.state.requests.link_token(&made[0].0, &made[0].1, now);
    let rating = app.state.requests.rating_token(&made[1].0, now);
    vec![
        format!("/r/{link}/cloturer?issue=partenariat"),
        made[1].2.clone(),
        format!("/avis/{rating}?note=4"),
        made[2].2.clone(),
        format!("{}|410", made[3].2),
        format!("{duplicate}?envoi=1"),
        format!("{}?fait=message", made[0].2),
    ]
}

/// The workspace in Chromium: sign-in page, inbox, a request and the
/// administration, axe-clean at two widths; the inbox walked with the
/// keyboard to take a request in charge.
async fn workspace_is_accessible_in_chromium(engine: Engine) {
    use monlyceepro::accounts::{NewAccount, Role};
    let app = TestApp::spawn(engine).await;
    let (status, created) = app.post_json("/api/v1/demandes", &crate::demandes::request("clavier@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let reference = created["reference"].as_str().expect("référence").to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let now = time::OffsetDateTime::now_utc();
    let mut sessions = Vec::new();
    for new in [
        NewAccount {
            lycees: vec![pilot.clone()],
            prenom: Some("Zoé".into()),
            nom: Some("Martin".into()),
            ..NewAccount::new("rbe@ac-lyon.fr", Role::Rbe)
        },
        NewAccount::new("admin@education.gouv.fr", Role::Admin),
        NewAccount { academie: Some("Lyon".into()), ..NewAccount::new("cmee@ac-lyon.fr", Role::Coordinateur) },
    ] {
        let added = app.state.accounts.add(&new, "test", now).await.expect("base").expect("compte");
        let (token, _) =
            app.state.accounts.open_session(&added.agent.id, "test", now).await.expect("base").expect("session");
        sessions.push(token);
    }
    // A partner platform's key, so that the administration shows its table
    // (and a revoked one, with its date) to axe.
    for name in ["1jeune1solution", "Les entreprises s'engagent"] {
        let key = monlyceepro::partner_api::NewKey {
            name: name.into(),
            origins: vec!["https://www.1jeune1solution.gouv.fr".into()],
            ..Default::default()
        };
        app.state.api_keys.create(&key, "test", now).await.expect("clé");
    }
    app.state.api_keys.revoke("Les entreprises s'engagent", "test", now).await.expect("révocation");
    let root = env!("CARGO_MANIFEST_DIR");
    let out = tokio::process::Command::new("node")
        .arg(format!("{root}/browser-tests/espace.mjs"))
        .args([&app.base, &sessions[0], &reference, &pilot])
        .env("ADMIN_SESSION", &sessions[1])
        .env("COORD_SESSION", &sessions[2])
        .current_dir(root)
        .output()
        .await
        .expect("node");
    let report = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "espace.mjs en échec :\n{report}");
    assert!(report.contains("espace vérifié"), "{report}");
}

on_both_engines!(workspace_is_accessible_in_chromium);

/// The public statistics in Chromium over a year of activity: every page
/// axe-clean at two widths and without JavaScript, each chart an image with
/// a name and its table, the filters used with the keyboard only.
async fn statistics_are_accessible_in_chromium(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.clock.set(crate::statistiques::NOW);
    crate::statistiques::year_of_activity(&app, 1500, 0xB0_2026).await;
    let lyon = monlyceepro::stats::academies(&app.state.search.index())
        .into_iter()
        .find(|(_, name)| name == "Lyon")
        .expect("académie de Lyon")
        .0;
    let report = node("statistiques.mjs", &[app.base.clone(), lyon]).await;
    assert!(report.contains("pages de statistiques vérifiées"), "{report}");
}

on_one_engine!(statistics_are_accessible_in_chromium);

/// The guide for companies and a showcase's "Soutenir ce lycée" block:
/// axe-clean at two widths, readable without JavaScript, and walked with
/// the keyboard from the home page to the journey.
async fn guide_for_companies_is_accessible_in_chromium(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let report = node("entreprises.mjs", std::slice::from_ref(&app.base)).await;
    assert!(report.contains("pages du guide vérifiées"), "{report}");
}

on_one_engine!(guide_for_companies_is_accessible_in_chromium);

/// A partner platform's page, served by the test on another site
/// (`http://localhost:PORT`, where the app is `http://127.0.0.1:PORT`):
/// the one-line snippet of docs/partenaires.md framing `form` of the app.
/// Its origin.
async fn partner_site(form: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port libre");
    let port = listener.local_addr().expect("adresse").port();
    let html = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Plateforme partenaire</title><link rel=\"icon\" href=\"data:,\"></head>\
         <body><main><h1>Plateforme partenaire</h1>\
         <iframe src=\"{form}\" title=\"Demande à un lycée professionnel\" width=\"100%\" height=\"900\" style=\"border:0\"></iframe>\
         </main></body></html>"
    );
    let site = axum::Router::new().route("/", axum::routing::get(move || async move { axum::response::Html(html) }));
    tokio::spawn(async move { axum::serve(listener, site).await.expect("site partenaire") });
    format!("http://localhost:{port}")
}

/// The form embedded by a partner platform, in Chromium: inside the
/// iframe of a page of a declared origin it loads, is walked with the
/// keyboard to the confirmation, axe-clean at two widths, and works with
/// JavaScript disabled; in the iframe of an undeclared origin the browser
/// refuses to show it.
async fn embedded_form_works_in_a_partner_frame_only(engine: Engine) {
    use monlyceepro::partner_api::NewKey;
    let app = TestApp::spawn(engine).await;
    let form = format!("{}/integration/demande?partenaire=Plateforme+test", app.base);
    let (declared, other) = (partner_site(form.clone()).await, partner_site(form).await);
    let key = NewKey { name: "Plateforme test".into(), webhook: None, origins: vec![declared.clone()] };
    app.state.api_keys.create(&key, "test", time::OffsetDateTime::now_utc()).await.expect("clé d'API");
    let report = node("integration.mjs", &[app.base.clone(), declared, other]).await;
    assert!(report.contains("formulaire intégré vérifié"), "{report}");
    let via: Vec<Option<String>> = crate::support::all(&app.db, "SELECT partenaire FROM demandes").await;
    assert_eq!(via, vec![Some("Plateforme test".to_string()); 2], "sent from the frame, with and without JavaScript");
}

on_one_engine!(embedded_form_works_in_a_partner_frame_only);

/// The events: `/evenements`, an event's page, the showcase and the
/// workspace's events pages axe-clean at two widths and readable without
/// JavaScript; the registration form sent with the keyboard only, with
/// and without JavaScript (`browser-tests/evenements.mjs`).
async fn events_are_accessible_in_chromium(engine: Engine) {
    use monlyceepro::accounts::{NewAccount, Role};
    let app = TestApp::spawn(engine).await;
    let index = app.state.search.index();
    let uai = index.lycees.iter().find(|l| l.departement == "15").expect("lycée du Cantal").uai.clone();
    drop(index);
    let now = time::OffsetDateTime::now_utc();
    let added = app
        .state
        .accounts
        .add(&NewAccount { lycees: vec![uai.clone()], ..NewAccount::new("rbe@ac-clermont.fr", Role::Rbe) }, "test", now)
        .await
        .expect("base")
        .expect("compte");
    let (session, _) =
        app.state.accounts.open_session(&added.agent.id, "test", now).await.expect("base").expect("session");
    let start = now + time::Duration::days(12);
    let row = monlyceepro::storage::events::EventRow {
        id: "forum-navigateur".into(),
        uai: uai.clone(),
        genre: domain::events::EventKind::ForumMetiers,
        titre: "Forum des métiers de l'industrie".into(),
        description: "Rencontrez nos élèves de bac pro.".into(),
        debut: monlyceepro::clock::to_rfc3339(start),
        fin: monlyceepro::clock::to_rfc3339(start + time::Duration::hours(3)),
        lieu: "Atelier du lycée".into(),
        adresse: String::new(),
        commune_code: None,
        public_vise: "Entreprises de la métallurgie".into(),
        capacite: Some(10),
        etat: domain::events::EventState::Publie,
        cree_par: "test".into(),
        cree_le: monlyceepro::clock::to_rfc3339(now),
        modifie_le: monlyceepro::clock::to_rfc3339(now),
        annule_le: None,
    };
    monlyceepro::events::publish(&app.db, &row, "test").await.expect("événement");
    let report = node("evenements.mjs", &[app.base.clone(), row.id.clone(), session, uai]).await;
    assert!(report.contains("événements vérifiés"), "{report}");
}

on_one_engine!(events_are_accessible_in_chromium);

/// Placements in Chromium: `/stages`, the showcase with a need, the
/// unsubscribe page, the workspace's needs, need and partner pages and the
/// pôle de stages, axe-clean at two widths and without JavaScript; the
/// company's search and the officer's declaration with the keyboard only.
async fn placements_are_accessible_in_chromium(engine: Engine) {
    use monlyceepro::accounts::{NewAccount, Role};
    let app = TestApp::spawn(engine).await;
    let now = time::OffsetDateTime::now_utc();
    let index = app.state.search.index();
    let (uai, cfd) = index
        .lycees
        .iter()
        .filter(|l| l.departement == "69" && l.position.is_some())
        .find_map(|l| {
            let o = l.offers.iter().find(|o| o.romes.first().is_some_and(|r| r == "F1602"))?;
            Some((l.uai.clone(), o.cfd.clone()))
        })
        .expect("un lycée du Rhône qui forme des électriciens");
    drop(index);
    let mut sessions = Vec::new();
    for new in [
        NewAccount { lycees: vec![uai.clone()], ..NewAccount::new("rbe.stages@ac-lyon.fr", Role::Rbe) },
        NewAccount { academie: Some("Lyon".into()), ..NewAccount::new("pole@ac-lyon.fr", Role::Coordinateur) },
    ] {
        let added = app.state.accounts.add(&new, "test", now).await.expect("base").expect("compte");
        let (token, _) =
            app.state.accounts.open_session(&added.agent.id, "test", now).await.expect("base").expect("session");
        sessions.push(token);
    }
    // A period of its calendar (two of them: the keyboard declares one),
    // a need, and a partner whose capacity fits it.
    let day = |d: i64| (now + time::Duration::days(d)).date().to_string();
    let mut period = None;
    for (id, start, end) in [("pfmp-1", day(40), day(80)), ("pfmp-2", day(100), day(130))] {
        let row = monlyceepro::storage::vitrines::PeriodeRow {
            id: id.into(),
            uai: uai.clone(),
            diplome: cfd.clone(),
            annee: "2026-2027".into(),
            debut: start,
            fin: end,
        };
        monlyceepro::showcase::add_period(&app.db, &row).await.expect("période");
        period.get_or_insert(row);
    }
    let input = monlyceepro::placements::NeedInput {
        period: period.expect("période"),
        places: 6,
        note: Some("Élèves mobiles sur la métropole.".into()),
    };
    let need = monlyceepro::placements::declare(&app.db, &uai, &input, "test", &monlyceepro::clock::to_rfc3339(now))
        .await
        .expect("besoin");
    let mut tx = app.db.begin().await.expect("tx");
    let partner = monlyceepro::storage::partners::PartenaireRow {
        id: "partenaire-stages".into(),
        uai: uai.clone(),
        nom: "Électricité L'Hôte".into(),
        nom_norm: "electricite l'hote".into(),
        cree_le: monlyceepro::clock::to_rfc3339(now),
        modifie_le: monlyceepro::clock::to_rfc3339(now),
        ..Default::default()
    };
    monlyceepro::storage::partners::upsert(&mut tx, &partner).await.expect("partenaire");
    let contact = monlyceepro::storage::partners::ContactRow {
        id: "contact-stages".into(),
        partenaire_id: partner.id.clone(),
        prenom: Some("Zoé".into()),
        nom: "L'Hôte".into(),
        email: Some("zoe@exemple.fr".into()),
        ..Default::default()
    };
    monlyceepro::storage::partners::insert_contact(&mut tx, &contact).await.expect("contact");
    tx.commit().await.expect("commit");
    let capacity = monlyceepro::storage::placements::CapaciteRow {
        id: "capacite-stages".into(),
        partenaire_id: partner.id.clone(),
        diplome: Some(cfd.clone()),
        mois: String::new(),
        places: 2,
        cree_le: monlyceepro::clock::to_rfc3339(now),
        ..Default::default()
    };
    monlyceepro::placements::add_capacity(&app.db, &capacity).await.expect("capacité");
    // An untaken PFMP request, for the pôle de stages.
    let (status, created) = app.post_json("/api/v1/demandes", &crate::demandes::request("pole@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let token =
        app.state.signer.sign("desinscription-appels", &format!("{uai}|zoe@exemple.fr"), now.unix_timestamp() + 3600);
    let root = env!("CARGO_MANIFEST_DIR");
    let out = tokio::process::Command::new("node")
        .arg(format!("{root}/browser-tests/stages.mjs"))
        .args([&app.base, &uai, &need.id, &partner.id, &format!("/stages/desinscription/{token}")])
        .env("RBE_SESSION", &sessions[0])
        .env("COORD_SESSION", &sessions[1])
        .current_dir(root)
        .output()
        .await
        .expect("node");
    let report = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "stages.mjs en échec :\n{report}");
    assert!(report.contains("stages vérifiés"), "{report}");
}

on_one_engine!(placements_are_accessible_in_chromium);

/// Who really received a request, as the company reads it (issue 23):
/// the showcase of a lycée nobody can be written to, and the page right
/// after sending — to the coordination only (Aurillac), to lycées (Paris).
/// Pages only (the storage of reach is tested on both engines in
/// `reach.rs`): one engine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_received_a_request_is_told_in_chromium() {
    let app =
        TestApp::spawn_with(Engine::Sqlite, crate::support::Options { real_reach: true, ..Default::default() }).await;
    let index = app.state.search.index();
    let clermont =
        index.lycees.iter().find(|l| l.departement == "15").and_then(|l| l.academie.clone()).expect("académie");
    drop(index);
    crate::support::exec(
        &app.db,
        &format!(
            "INSERT INTO coordinations (academie_code, email, nom) VALUES ('{clermont}', 'clee@ac-clermont.fr', NULL)"
        ),
    )
    .await;
    let ask = |email: &str, commune: &str, rome: &str| {
        serde_json::json!({
            "action": "pfmp", "entreprise": {"nom": "Maison Test"},
            "contact": {"prenom": "Jeanne", "nom": "Lafon", "email": email},
            "commune": commune, "rayon_km": 30, "metiers": [rome], "niveaux": [],
            "message": "Deux élèves en stage.", "consentement": true
        })
    };
    let follow = |created: &serde_json::Value| {
        let url = created["suivi_url"].as_str().expect("suivi");
        format!("{}?envoi=1", &url[url.find("/suivi/").expect("chemin")..])
    };
    let (_, aurillac) = app.post_json("/api/v1/demandes", &ask("fournil@aurillac.fr", "15014", "D1102")).await;
    assert_eq!(aurillac["coordination"]["raison"], "aucun_lycee_joignable", "{aurillac}");
    // A lycée of the Cantal, which nobody can be written to in the data.
    let unreachable = {
        let index = app.state.search.index();
        let mut found = None;
        for l in index.lycees.iter().filter(|l| l.departement == "15") {
            if !monlyceepro::storage::reach::reachable(&app.db, &l.uai).await.expect("base") {
                found = Some(l.uai.clone());
                break;
            }
        }
        found.expect("un lycée du Cantal sans interlocuteur")
    };
    let (_, paris) = app.post_json("/api/v1/demandes", &ask("elec@paris.fr", "75056", "F1602")).await;
    assert_eq!(paris["statut"], "transmise", "{paris}");
    let report = node(
        "joignabilite.mjs",
        &[app.base.clone(), format!("/lycees/{unreachable}"), follow(&aurillac), follow(&paris)],
    )
    .await;
    assert!(report.contains("joignabilité : pages vérifiées"), "{report}");
}
