//! Every request reaches a person, and the company is told who (issue 23),
//! on the national data as it is: most lycées have neither an account nor
//! an address.

use crate::on_both_engines;
use crate::support::{Engine, Options, SmtpSink, TestApp, all, exec, one};
use monlyceepro::accounts::Role;
use serde_json::{Value, json};

fn request(email: &str, commune: &str, rome: &str, words: &str, niveaux: &[&str]) -> Value {
    json!({
        "action": "pfmp",
        "entreprise": {"nom": "Boulangerie du Cantal"},
        "contact": {"prenom": "Jeanne", "nom": "Lafon", "email": email},
        "commune": commune,
        "rayon_km": 30,
        "metiers": [rome],
        "metier_texte": words,
        "niveaux": niveaux,
        "message": "Nous pouvons accueillir deux élèves en stage.",
        "consentement": true
    })
}

/// Aurillac (Cantal), académie de Clermont-Ferrand.
const AURILLAC: &str = "15014";

fn aurillac_bakery(email: &str) -> Value {
    request(email, AURILLAC, "D1102", "boulanger", &["cap"])
}

fn cantal_plumber(email: &str) -> Value {
    request(email, AURILLAC, "F1603", "plombier", &[])
}

/// The code of the académie of Aurillac.
fn clermont(app: &TestApp) -> String {
    let index = app.state.search.index();
    index.lycees.iter().find(|l| l.departement == "15").and_then(|l| l.academie.clone()).expect("académie du Cantal")
}

async fn real(engine: Engine, smtp: &SmtpSink) -> TestApp {
    TestApp::spawn_with(
        engine,
        Options { smtp_url: Some(smtp.url.clone()), worker: true, real_reach: true, ..Options::default() },
    )
    .await
}

/// Nobody can be written to in the lycées that fit: the request goes at
/// once to the académie's coordination (its address, set by an
/// administrator in `/admin/coordinations`), which gets the lycées to
/// call; the company is told exactly that, never "transmise aux lycées".
/// With a coordinator's account too, both are written to at once.
async fn nobody_reachable_goes_to_the_coordination_at_once(engine: Engine) {
    let smtp = SmtpSink::start();
    let app = real(engine, &smtp).await;
    let code = clermont(&app);
    let admin = app.signed_in(&app.account("admin@education.gouv.fr", Role::Admin, &[], None).await).await;
    // Bad input on the coordination form: a French message, nothing kept.
    for (fields, field, message) in [
        (vec![("academie", code.as_str()), ("adresse", "pas-une-adresse")], "coordination-adresse", "invalide"),
        (vec![("academie", "99"), ("adresse", "clee@ac-clermont.fr")], "coordination-academie", "Choisissez"),
        (vec![("academie", code.as_str()), ("adresse", "")], "coordination-adresse", "Indiquez"),
    ] {
        let (status, _, html) =
            app.submit_form_as(&admin, "/admin/coordinations", "/admin/coordinations", &fields).await;
        assert_eq!(status, 422, "{fields:?}");
        assert!(html.contains(&format!("id=\"erreur-{field}\"")) && html.contains(message), "{fields:?}");
    }
    assert_eq!(one::<i64>(&app.db, "SELECT COUNT(*) FROM coordinations").await, 0);
    let (status, location, _) = app
        .submit_form_as(
            &admin,
            "/admin/coordinations",
            "/admin/coordinations",
            &[("academie", &code), ("adresse", "clee@ac-clermont.fr"), ("nom", "Pôle école-entreprise")],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin/coordinations?fait=saisie")));
    assert_eq!(one::<i64>(&app.db, "SELECT COUNT(*) FROM audit WHERE action = 'coordination_saisie'").await, 1);

    for (email, body) in [
        ("boulangerie@aurillac.fr", aurillac_bakery("boulangerie@aurillac.fr")),
        ("plomberie@aurillac.fr", cantal_plumber("plomberie@aurillac.fr")),
    ] {
        let (status, created) = app.post_json("/api/v1/demandes", &body).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["statut"], "en_attente", "{created}");
        assert_eq!(created["destinataires"], json!([]), "no lycée was written to: {created}");
        let c = &created["coordination"];
        assert_eq!((c["niveau"].as_str(), c["nom"].as_str()), (Some("academie"), Some("Clermont-Ferrand")), "{c}");
        assert_eq!(c["raison"], "aucun_lycee_joignable", "{c}");
        let to_contact = c["lycees_a_contacter"].as_array().expect("lycées à contacter");
        assert!(!to_contact.is_empty() && to_contact.len() <= 3, "{c}");
        let reference = created["reference"].as_str().expect("référence").to_string();
        // The coordination's email leaves at once, with whom to call.
        let mail =
            smtp.wait_for(1, |m| m.to == ["clee@ac-clermont.fr".to_string()] && m.text().contains(&reference)).await;
        let text = mail[0].text();
        assert!(text.contains("Aucun lycée n'a reçu cette demande") && text.contains("À contacter"), "{text}");
        for l in to_contact {
            assert!(text.contains(l["nom"].as_str().expect("nom")), "{l} in {text}");
        }
        // The company: confirmation and follow-up page say who has it.
        let mail = smtp.wait_for(1, |m| m.to == [email.to_string()]).await;
        let text = mail[0].text();
        assert!(text.contains("la coordination école-entreprise de l'académie de Clermont-Ferrand"), "{text}");
        assert!(!text.contains("Elle a été transmise à") && !text.contains("sous 3 jours ouvrés"), "{text}");
        let follow = created["suivi_url"].as_str().expect("suivi").trim_start_matches(&app.base).to_string();
        let (_, page) = app.get_text(&follow).await;
        assert!(
            page.contains("Confiée à la coordination école-entreprise de l&#39;académie de Clermont-Ferrand")
                || page.contains("Confiée à la coordination école-entreprise de l'académie de Clermont-Ferrand")
        );
        assert!(!page.contains("Transmise aux lycées") && !page.contains("À qui votre demande a été transmise"));
        // No lycée row was told.
        let told: i64 = one(&app.db, &format!(
            "SELECT COUNT(*) FROM destinataires d JOIN demandes r ON r.id = d.demande_id WHERE r.reference = '{reference}' AND d.notifie_le IS NOT NULL"
        )).await;
        assert_eq!(told, 0);
    }

    // A coordinator of the académie signs up: the next request goes to
    // the académie's address and to the coordinator, at once.
    app.account("cmee@ac-clermont.fr", Role::Coordinateur, &[], Some("Clermont-Ferrand")).await;
    let (status, created) = app.post_json("/api/v1/demandes", &aurillac_bakery("fournil@aurillac.fr")).await;
    assert_eq!(status, 201, "{created}");
    let reference = created["reference"].as_str().expect("référence").to_string();
    for address in ["clee@ac-clermont.fr", "cmee@ac-clermont.fr"] {
        let mail = smtp.wait_for(1, |m| m.to == [address.to_string()] && m.text().contains(&reference)).await;
        assert!(mail[0].text().contains("À contacter"), "{}", mail[0].text());
    }
    // The coordinator sees the lycées to call in its territory.
    let coordinator = app
        .signed_in(&one::<String>(&app.db, "SELECT id FROM comptes WHERE email = 'cmee@ac-clermont.fr'").await)
        .await;
    let html = coordinator
        .get(format!("{}/espace/territoire/adresses", app.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("corps");
    let first = created["coordination"]["lycees_a_contacter"][0]["uai"].as_str().expect("uai");
    assert!(html.contains(first), "the lycée to call is listed");
}
on_both_engines!(nobody_reachable_goes_to_the_coordination_at_once);

/// Nobody at all: no lycée, no coordination, no administrator, no national
/// contact. The request is stored, the company is told plainly, an error
/// is logged and a metric counts it. An administrator then signs up: the
/// next request goes to the national level.
async fn an_empty_chain_keeps_the_request_and_says_so(engine: Engine) {
    let smtp = SmtpSink::start();
    let app = real(engine, &smtp).await;
    let (status, created) = app.post_json("/api/v1/demandes", &aurillac_bakery("seul@aurillac.fr")).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["statut"], "en_attente");
    assert_eq!(created["destinataires"], json!([]));
    let c = &created["coordination"];
    assert_eq!((c["niveau"].clone(), c["raison"].as_str()), (Value::Null, Some("aucun_contact")), "{c}");
    let reference = created["reference"].as_str().expect("référence");
    assert_eq!(one::<i64>(&app.db, &format!("SELECT COUNT(*) FROM demandes WHERE reference = '{reference}'")).await, 1);
    let mail = smtp.wait_for(1, |m| m.to == ["seul@aurillac.fr".to_string()]).await;
    assert!(
        mail[0].text().contains("Aucun interlocuteur n'est encore désigné pour votre secteur"),
        "{}",
        mail[0].text()
    );
    let follow = created["suivi_url"].as_str().expect("suivi").trim_start_matches(&app.base).to_string();
    let (_, page) = app.get_text(&follow).await;
    assert!(
        page.contains("aucun interlocuteur n&#39;est encore désigné")
            || page.contains("aucun interlocuteur n'est encore désigné")
    );
    let (_, metrics) = app.get_text("/metrics").await;
    assert!(metrics.contains("mlp_demandes_sans_contact 1\n"), "{metrics}");
    assert!(metrics.lines().any(|l| l.starts_with("mlp_demandes_sans_contact_total ") && !l.ends_with(" 0")));
    // Only the company was written to.
    let to: Vec<String> = all(&app.db, "SELECT destinataire FROM outbox").await;
    assert_eq!(to, ["seul@aurillac.fr"]);

    // An administrator: the national link.
    app.account("admin@education.gouv.fr", Role::Admin, &[], None).await;
    let (_, created) = app.post_json("/api/v1/demandes", &cantal_plumber("second@aurillac.fr")).await;
    assert_eq!(created["coordination"]["niveau"], "national", "{created}");
    assert_eq!(created["coordination"]["raison"], "aucun_lycee_joignable", "{created}");
    let reference = created["reference"].as_str().expect("référence").to_string();
    smtp.wait_for(1, |m| m.to == ["admin@education.gouv.fr".to_string()] && m.text().contains(&reference)).await;
    let mail = smtp.wait_for(1, |m| m.to == ["second@aurillac.fr".to_string()]).await;
    assert!(mail[0].text().contains("l'équipe nationale de MonLycéePro"), "{}", mail[0].text());
}
on_both_engines!(an_empty_chain_keeps_the_request_and_says_so);

/// The reachable lycées of Clermont-Ferrand, as the public statistics say.
async fn reachable_in_clermont(app: &TestApp) -> u64 {
    let (_, s) = app.get_json("/api/v1/statistiques").await;
    let all = s["couverture"]["par_academie"].as_array().expect("par académie");
    let c = all.iter().find(|a| a["academie"] == "Clermont-Ferrand").expect("Clermont-Ferrand");
    c["lycees_joignables"].as_u64().expect("joignables")
}

/// A lycée's team saves its bureau's address on its showcase (not public):
/// the lycée is reachable everywhere at once — the showcase stops sending
/// companies through the coordination, the routing writes to it, the
/// territory no longer lists it, the statistics count it.
async fn a_showcase_contact_makes_a_lycee_reachable_everywhere(engine: Engine) {
    let smtp = SmtpSink::start();
    let app = real(engine, &smtp).await;
    let code = clermont(&app);
    exec(
        &app.db,
        &format!(
            "INSERT INTO coordinations (academie_code, email, nom) VALUES ('{code}', 'clee@ac-clermont.fr', NULL)"
        ),
    )
    .await;
    let (_, created) = app.post_json("/api/v1/demandes", &aurillac_bakery("avant@aurillac.fr")).await;
    let uai = created["coordination"]["lycees_a_contacter"][0]["uai"].as_str().expect("uai").to_string();
    let (_, showcase) = app.get_text(&format!("/lycees/{uai}")).await;
    assert!(showcase.contains("votre demande passera par la coordination école-entreprise de l"), "before");
    let before = reachable_in_clermont(&app).await;

    // The coordinator of the académie edits the showcase: the bureau's
    // address, not shown publicly.
    let coordinator = app
        .signed_in(&app.account("cmee@ac-clermont.fr", Role::Coordinateur, &[], Some("Clermont-Ferrand")).await)
        .await;
    let editor = format!("/espace/lycees/{uai}/vitrine");
    let (status, _, html) = app
        .submit_form_as(
            &coordinator,
            &editor,
            &editor,
            &[("actions", "pfmp"), ("bde_nom", "Mme Vidal"), ("bde_email", "bde.cantal@lycee.test")],
        )
        .await;
    assert!(status == 303 || status == 200, "{status} {html}");

    let (_, showcase) = app.get_text(&format!("/lycees/{uai}")).await;
    assert!(!showcase.contains("passera par la coordination"), "the showcase follows at once");
    assert!(!showcase.contains("bde.cantal@lycee.test"), "not public");
    assert_eq!(reachable_in_clermont(&app).await, before + 1, "the statistics count it");
    let html = coordinator
        .get(format!("{}/espace/territoire/adresses", app.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("corps");
    let unreachable =
        &html[html.find("id=\"injoignables\"").expect("liste")..html.find("id=\"saisies\"").expect("saisies")];
    assert!(!unreachable.contains(&uai), "no longer listed as unreachable");
    let (_, created) = app.post_json("/api/v1/demandes", &aurillac_bakery("apres@aurillac.fr")).await;
    assert!(
        created["destinataires"].as_array().expect("destinataires").iter().any(|d| d["uai"] == uai.as_str()),
        "{created}"
    );
    smtp.wait_for(1, |m| m.to == ["bde.cantal@lycee.test".to_string()]).await;
}
on_both_engines!(a_showcase_contact_makes_a_lycee_reachable_everywhere);

/// The coordinator enters addresses: one at a time, then a file. Bad
/// input is refused in French and changes nothing; each change is
/// audited; the routing uses the address at once; a business officer has
/// no such page.
async fn a_coordinator_enters_addresses(engine: Engine) {
    let smtp = SmtpSink::start();
    let app = real(engine, &smtp).await;
    let index = app.state.search.index();
    let cantal: Vec<String> = index.lycees.iter().filter(|l| l.departement == "15").map(|l| l.uai.clone()).collect();
    let lyon = index.lycees.iter().find(|l| l.departement == "69").expect("Lyon").uai.clone();
    drop(index);
    let coordinator = app
        .signed_in(&app.account("cmee@ac-clermont.fr", Role::Coordinateur, &[], Some("Clermont-Ferrand")).await)
        .await;
    let page = "/espace/territoire/adresses";
    for (fields, field, message) in [
        (vec![("lycee", cantal[0].as_str()), ("adresse", "")], "adresse-courriel", "Indiquez"),
        (vec![("lycee", cantal[0].as_str()), ("adresse", "ddfpt@")], "adresse-courriel", "invalide"),
        (vec![("lycee", ""), ("adresse", "a@b.fr")], "adresse-lycee", "Choisissez"),
        (vec![("lycee", lyon.as_str()), ("adresse", "a@b.fr")], "adresse-lycee", "pas dans votre territoire"),
        (vec![("lycee", "0000000A"), ("adresse", "a@b.fr")], "adresse-lycee", ""),
    ] {
        let (status, _, html) = app.submit_form_as(&coordinator, page, page, &fields).await;
        assert_eq!(status, 422, "{fields:?}");
        assert!(html.contains(&format!("id=\"erreur-{field}\"")) && html.contains(message), "{fields:?}: {html}");
    }
    assert_eq!(one::<i64>(&app.db, "SELECT COUNT(*) FROM adresses_lycees").await, 0, "nothing entered");

    // A plumber's request names the lycées to call; the coordinator
    // enters the first one's address, and the next request is written to
    // it at once.
    let (_, created) = app.post_json("/api/v1/demandes", &cantal_plumber("plombier@aurillac.fr")).await;
    let plumbers = created["coordination"]["lycees_a_contacter"][0]["uai"].as_str().expect("à contacter").to_string();
    let (status, location, _) = app
        .submit_form_as(
            &coordinator,
            page,
            page,
            &[("lycee", &plumbers), ("adresse", "plomberie.lycee@ac-clermont.fr")],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/espace/territoire/adresses?fait=saisie")));
    assert_eq!(
        one::<String>(&app.db, &format!("SELECT saisi_par FROM adresses_lycees WHERE uai = '{plumbers}'")).await,
        "cmee@ac-clermont.fr"
    );
    let (_, created) = app.post_json("/api/v1/demandes", &cantal_plumber("plombier.bis@aurillac.fr")).await;
    assert!(
        created["destinataires"].as_array().expect("destinataires").iter().any(|d| d["uai"] == plumbers.as_str()),
        "{created}"
    );
    smtp.wait_for(1, |m| m.to == ["plomberie.lycee@ac-clermont.fr".to_string()]).await;

    // A file: one bad line, nothing imported; then a good one.
    let others: Vec<&String> = cantal.iter().filter(|u| **u != plumbers).collect();
    let upload = |csv: String| {
        let client = coordinator.clone();
        let base = app.base.clone();
        async move {
            let html = client.get(format!("{base}{page}")).send().await.expect("page").text().await.expect("corps");
            let csrf = crate::support::csrf_of(&html).expect("csrf");
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf)
                .part("fichier", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("adresses.csv"));
            let res = client.post(format!("{base}{page}/import")).multipart(form).send().await.expect("envoi");
            (res.status().as_u16(), res.text().await.expect("corps"))
        }
    };
    let (status, html) = upload(format!("UAI;adresse\n{};a@ac-clermont.fr\n{lyon};b@ac-lyon.fr\n", others[0])).await;
    assert_eq!(status, 422);
    assert!(html.contains("ligne 3") && html.contains("pas dans votre territoire"), "{html}");
    assert_eq!(one::<i64>(&app.db, "SELECT COUNT(*) FROM adresses_lycees").await, 1, "nothing imported");
    let (status, _) = upload(format!("{};bde.1@ac-clermont.fr\n{};bde.2@ac-clermont.fr\n", others[0], others[1])).await;
    assert_eq!(status, 303);
    assert_eq!(one::<i64>(&app.db, "SELECT COUNT(*) FROM adresses_lycees").await, 3);
    assert_eq!(one::<i64>(&app.db, "SELECT COUNT(*) FROM audit WHERE action = 'adresse_lycee_saisie'").await, 3);
    // A re-import of the national data keeps them (they live apart).
    let opts = monlyceepro::import::Options {
        data_dir: crate::support::data_dir(),
        only: Some(monlyceepro::import::Dataset::Lycees),
        force: true,
    };
    monlyceepro::import::run(&app.db, &opts, &monlyceepro::import::Progress::quiet()).await.expect("import");
    assert_eq!(
        one::<i64>(&app.db, "SELECT COUNT(*) FROM adresses_lycees").await,
        3,
        "an import overwrites nothing entered"
    );

    // Removing one: audited, the lycée is unreachable again.
    let (status, _, _) = app.submit_form_as(&coordinator, page, page, &[("retirer", others[1].as_str())]).await;
    assert_eq!(status, 303);
    assert_eq!(one::<i64>(&app.db, "SELECT COUNT(*) FROM audit WHERE action = 'adresse_lycee_retiree'").await, 1);
    assert_eq!(
        one::<i64>(&app.db, &format!("SELECT COUNT(*) FROM adresses_lycees WHERE uai = '{}'", others[1])).await,
        0
    );

    // A business officer has no territory; a coordinator elsewhere cannot
    // touch these lycées.
    let rbe = app.signed_in(&app.account("rbe@ac-clermont.fr", Role::Rbe, &[&plumbers], None).await).await;
    assert_eq!(rbe.get(format!("{}{page}", app.base)).send().await.expect("page").status().as_u16(), 404);
    let other = app.signed_in(&app.account("cmee@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await).await;
    let (status, _, _) = app.submit_form_as(&other, page, page, &[("retirer", &plumbers)]).await;
    assert_eq!(status, 404);
    assert_eq!(one::<i64>(&app.db, &format!("SELECT COUNT(*) FROM adresses_lycees WHERE uai = '{plumbers}'")).await, 1);
}
on_both_engines!(a_coordinator_enters_addresses);

/// In Île-de-France the regional file gives the lycées' addresses: a
/// request there has a reachable pilot, written to at once.
async fn an_idf_request_has_a_reachable_pilot(engine: Engine) {
    let smtp = SmtpSink::start();
    let app = real(engine, &smtp).await;
    let (status, created) =
        app.post_json("/api/v1/demandes", &request("elec@paris.fr", "75056", "F1602", "électricien", &[])).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["statut"], "transmise");
    let pilot = &created["destinataires"][0];
    assert_eq!(pilot["role"], "pilote");
    let uai = pilot["uai"].as_str().expect("uai");
    let address: String = one(&app.db, &format!("SELECT email FROM lycees WHERE uai = '{uai}'")).await;
    smtp.wait_for(1, |m| m.to == [address.clone()]).await;
    let mail = smtp.wait_for(1, |m| m.to == ["elec@paris.fr".to_string()]).await;
    assert!(mail[0].text().contains("Elle a été transmise à"), "{}", mail[0].text());
}
on_both_engines!(an_idf_request_has_a_reachable_pilot);

/// The pilot's mail system refuses its address for good (550): the
/// address is remembered as dead, the pilot steps aside, the request goes
/// on to the next lycée; the story says it, internally.
async fn a_refused_address_passes_the_request_on(engine: Engine) {
    let smtp = SmtpSink::start();
    let app = real(engine, &smtp).await;
    let (_, created) =
        app.post_json("/api/v1/demandes", &request("elec@paris.fr", "75056", "F1602", "électricien", &[])).await;
    let reference = created["reference"].as_str().expect("référence").to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let _ = reference;
    // The next request: the pilot's address now bounces.
    exec(&app.db, &format!("UPDATE lycees SET email = 'mort@rebond.test' WHERE uai = '{pilot}'")).await;
    let (_, created) =
        app.post_json("/api/v1/demandes", &request("elec2@paris.fr", "75056", "F1602", "électricien", &[])).await;
    assert_eq!(created["destinataires"][0]["uai"], pilot.as_str(), "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    let mut moved = false;
    for _ in 0..200 {
        let status: String =
            one(&app.db, &format!("SELECT statut FROM destinataires WHERE demande_id = '{id}' AND uai = '{pilot}'"))
                .await;
        if status == "expiree" {
            moved = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(moved, "the pilot steps aside");
    assert_eq!(
        one::<i64>(&app.db, "SELECT COUNT(*) FROM courriels_en_echec WHERE email_norm = 'mort@rebond.test'").await,
        1
    );
    let story: Vec<String> =
        all(&app.db, &format!("SELECT texte FROM demande_evenements WHERE demande_id = '{id}' AND NOT public")).await;
    assert!(story.iter().any(|t| t.contains("n'a pas pu être remis")), "{story:?}");
    let new_pilot: String = one(
        &app.db,
        &format!("SELECT uai FROM destinataires WHERE demande_id = '{id}' AND role = 'pilote' AND statut = 'nouvelle'"),
    )
    .await;
    assert_ne!(new_pilot, pilot);
    // The dead address makes the lycée unreachable: the next request does
    // not go to it.
    let (_, created) =
        app.post_json("/api/v1/demandes", &request("elec3@paris.fr", "75056", "F1602", "électricien", &[])).await;
    assert!(
        !created["destinataires"].as_array().expect("destinataires").iter().any(|d| d["uai"] == pilot.as_str()),
        "{created}"
    );
}
on_both_engines!(a_refused_address_passes_the_request_on);
