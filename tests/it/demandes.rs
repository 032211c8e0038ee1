//! Company requests, end to end through the real server, the real
//! catalogue, the database of each engine and a real SMTP exchange.

use crate::on_both_engines;
use crate::support::{Engine, Options, SmtpSink, TestApp, exec};
use monlyceepro::storage::Db;
use serde_json::{Value, json};

/// Business officers' addresses for the lycées of a département: the
/// national data has contacts only in Île-de-France, and a story needs the
/// pilot's mailbox.
async fn give_lycees_addresses(db: &Db, departement: &str) {
    exec(
        db,
        &format!("UPDATE lycees SET email = 'rbe-' || uai || '@ac-test.fr' WHERE departement_code = '{departement}'"),
    )
    .await;
    crate::support::prefer_directory(db).await;
}

pub fn request(email: &str) -> Value {
    json!({
        "action": "pfmp",
        "entreprise": {"nom": "Électricité L'Hôte & Fils", "siret": "73282932000074"},
        "contact": {"prenom": "Zoé", "nom": "L'Hôte", "email": email, "telephone": "04 78 00 00 00"},
        "commune": "69123",
        "rayon_km": 30,
        "metiers": ["F1602"],
        "niveaux": ["bac_pro"],
        "nombre_eleves": 2,
        "periode": {"debut": "2027-01-04", "fin": "2027-02-12"},
        "message": "Nous accueillons deux stagiaires en électricité.",
        "consentement": true
    })
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    crate::support::one(db, sql).await
}

/// The one-click link of `uai` in its email.
fn link_in(mail: &crate::support::Mail, suffix: &str) -> String {
    let text = mail.text();
    let start = text.find("/r/").expect("lien dans le courriel");
    let link: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    let token = link.trim_start_matches("/r/").split('/').next().expect("jeton").to_string();
    format!("/r/{token}{suffix}")
}

/// A company in Lyon asks for Bac pro interns in electricity: the pilot is
/// one of the nearest lycées teaching MELEC and receives the email; it
/// declines, the next candidate is notified; a lycée takes it, the company
/// gets one email naming it.
async fn lyon_electricity_story(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    give_lycees_addresses(&app.db, "69").await;

    let (status, created) = app.post_json("/api/v1/demandes", &request("zoe@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let reference = created["reference"].as_str().expect("reference").to_string();
    assert!(reference.starts_with("MLP-2026-") || reference.starts_with("MLP-20"), "{reference}");
    assert_eq!(created["statut"], "transmise");
    assert!(created["elargissement"].is_null() && created["coordination"].is_null() && created["doublon_de"].is_null());
    let recipients = created["destinataires"].as_array().expect("destinataires");
    assert!(recipients.len() == 3, "one pilot and two supports: {created}");
    assert_eq!(recipients.iter().filter(|r| r["role"] == "pilote").count(), 1);
    assert_eq!(recipients.iter().filter(|r| r["role"] == "appui").count(), 2);
    let pilot = &recipients[0];
    assert_eq!(pilot["role"], "pilote");
    assert!(
        pilot["raisons"][0].as_str().expect("raison").contains("→ Électricien / Électricienne du bâtiment"),
        "{pilot}"
    );

    // The pilot is one of the nearest lycées teaching the Bac pro MELEC.
    let index = app.state.search.index();
    let lyon = index.places.get("69123").and_then(|p| p.position).expect("Lyon");
    let mut melec: Vec<(f64, String)> = index
        .lycees
        .iter()
        .filter(|l| l.offers.iter().any(|o| o.cfd == "40025520"))
        .filter_map(|l| Some((lyon.distance_km(&l.position?), l.uai.clone())))
        .collect();
    melec.sort_by(|a, b| a.0.total_cmp(&b.0));
    let nearest: Vec<&str> = melec.iter().take(3).map(|(_, u)| u.as_str()).collect();
    let pilot_uai = pilot["uai"].as_str().expect("uai");
    assert!(nearest.contains(&pilot_uai), "pilot {pilot_uai} not among the nearest MELEC lycées {nearest:?}");

    // Emails: the pilot, both supports, the company.
    let pilot_mail = format!("rbe-{pilot_uai}@ac-test.fr");
    let to_pilot = smtp.wait_for(1, |m| m.to.iter().any(|t| t == &pilot_mail)).await;
    assert_eq!(to_pilot[0].from, "ne-pas-repondre@localhost");
    let body = to_pilot[0].text();
    assert!(to_pilot[0].header("Subject").contains(&reference));
    for expected in [
        "votre lycée coordonne la réponse",
        "Prendre en charge la demande",
        "Décliner la demande",
        "Zoé",
        "Électricien / Électricienne du bâtiment",
    ] {
        assert!(body.contains(expected), "pilot email shows {expected:?}:\n{body}");
    }
    smtp.wait_for(1, |m| m.to.iter().any(|t| t == "zoe@exemple.fr") && m.header("Subject").contains("enregistrée"))
        .await;

    // The pilot declines through its one-click link.
    let decline = link_in(&to_pilot[0], "/decliner");
    let (status, _, page) = app.submit_form(&decline, &decline, &[("nom", "Mme Martin"), ("motif", "capacite")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("votre lycée décline la demande"));
    // The next candidate is notified: the first support becomes pilot and
    // the first reserve joins.
    check_reserve_notified(&app, &smtp, &created, pilot_uai).await;
}

async fn check_reserve_notified(app: &TestApp, smtp: &SmtpSink, created: &Value, declined: &str) {
    let id = created["id"].as_str().expect("id");
    let pilots = scalar(
        &app.db,
        &format!(
            "SELECT COUNT(*) FROM destinataires WHERE demande_id = '{id}' AND role = 'pilote' AND statut = 'nouvelle'"
        ),
    )
    .await;
    assert_eq!(pilots, 1, "a support became pilot");
    let joined = scalar(
        &app.db,
        &format!("SELECT COUNT(*) FROM destinataires WHERE demande_id = '{id}' AND role = 'appui' AND statut = 'nouvelle' AND rang > 3"),
    )
    .await;
    assert_eq!(joined, 1, "the first reserve joined");
    let new_pilot = created["destinataires"][1]["uai"].as_str().expect("appui");
    let mails = smtp.wait_for(2, |m| m.to.iter().any(|t| t == &format!("rbe-{new_pilot}@ac-test.fr"))).await;
    assert!(
        mails.iter().any(|m| m.text().contains("votre lycée coordonne la réponse")),
        "the support is told it is now pilot"
    );
    assert_ne!(declined, new_pilot);

    // The new pilot takes it: the company gets one email naming it.
    let take = link_in(&mails[mails.len() - 1], "/prendre");
    let (status, _, page) =
        app.submit_form(&take, &take, &[("nom", "M. Durand, responsable du bureau des entreprises")]).await;
    assert_eq!(status, 200, "{page}");
    let company = smtp
        .wait_for(1, |m| m.to.iter().any(|t| t == "zoe@exemple.fr") && m.header("Subject").contains("prise en charge"))
        .await;
    assert!(company[0].text().contains("M. Durand, responsable du bureau des entreprises vous répondra"));
    // Taking again is refused; another lycée taking it does not email the
    // company twice.
    let (status, _, _) = app.submit_form(&take, &take, &[("nom", "M. Durand")]).await;
    assert_eq!(status, 409);
    let other = created["destinataires"][2]["uai"].as_str().expect("appui");
    let other_mail = smtp.wait_for(1, |m| m.to.iter().any(|t| t == &format!("rbe-{other}@ac-test.fr"))).await;
    let take_other = link_in(&other_mail[0], "/prendre");
    assert_eq!(app.submit_form(&take_other, &take_other, &[("nom", "Mme Petit")]).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let taken_emails = smtp.mails().iter().filter(|m| m.header("Subject").contains("prise en charge")).count();
    assert_eq!(taken_emails, 1, "one email to the company when its request is taken");
    let statut =
        scalar(&app.db, &format!("SELECT COUNT(*) FROM demandes WHERE id = '{id}' AND statut = 'prise_en_charge'"))
            .await;
    assert_eq!(statut, 1);
}

/// Riom-ès-Montagnes, no boilermakers' course within 30 km (the nearest
/// are 44 km away; Aurillac's lycée Monnet-Mermoz offers one since its
/// 2022 seconde commune): the radius is widened and the company is told.
async fn remote_boilermakers_widen_the_radius(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut body = request("atelier@riom-es-montagnes.fr");
    body["commune"] = json!("15162");
    body["metiers"] = json!(["H2902"]);
    body["metier_texte"] = json!("chaudronnier");
    let (status, created) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!(status, 201, "{created}");
    let widened = created["elargissement"]["rayon_km"].as_f64().expect("élargissement");
    assert!(widened > 30.0 && widened <= 100.0, "{widened}");
    let recipients = created["destinataires"].as_array().expect("destinataires");
    assert!(!recipients.is_empty());
    // The lycées teaching boilermaking are beyond 30 km; nearer ones with a
    // related diploma may support, labelled as such.
    for r in recipients {
        let far = r["distance_km"].as_f64().is_some_and(|d| d > 30.0 && d <= widened);
        assert!(far || r["raisons"].to_string().contains("(métier proche)"), "{r}");
    }
    assert!(recipients[0]["distance_km"].as_f64().is_some_and(|d| d > 30.0), "the pilot teaches the trade");
    let id = created["id"].as_str().expect("id");
    let told = scalar(
        &app.db,
        &format!("SELECT COUNT(*) FROM demande_evenements WHERE demande_id = '{id}' AND texte LIKE '%élargi%'"),
    )
    .await;
    assert_eq!(told, 1);
    let outbox =
        scalar(&app.db, &format!("SELECT COUNT(*) FROM outbox WHERE demande_id = '{id}' AND corps LIKE '%élargi%'"))
            .await;
    assert_eq!(outbox, 1, "the company's confirmation says it");
}

/// A training-offer request also goes to the académie's coordinator.
async fn training_offer_involves_the_coordinator(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    exec(&app.db, "INSERT INTO coordinations (academie_code, email, nom) VALUES ('10', 'ce-lyon@ac-test.fr', 'Chargée de mission école-entreprise')").await;
    let body = json!({
        "action": "formation",
        "entreprise": {"nom": "Industrie du Rhône"},
        "contact": {"prenom": "Ana", "nom": "Silva", "email": "ana@industrie.fr"},
        "commune": "69123",
        "message": "Nous aimerions une formation locale en maintenance des robots.",
        "consentement": true
    });
    let (status, created) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["coordination"],
        json!({"niveau": "academie", "nom": "Lyon", "raison": "formation", "lycees_a_contacter": []})
    );
    let mail = smtp.wait_for(1, |m| m.to.iter().any(|t| t == "ce-lyon@ac-test.fr")).await;
    assert!(mail[0].text().contains("demande sur l'offre de formation"));
    assert!(mail[0].header("Subject").contains("coordination"));

    // Without a stated address, the coordinators' accounts of the académie
    // are written to.
    exec(&app.db, "DELETE FROM coordinations").await;
    for email in ["cmee.a@ac-lyon.fr", "cmee.b@ac-lyon.fr"] {
        let new = monlyceepro::accounts::NewAccount {
            academie: Some("Lyon".into()),
            ..monlyceepro::accounts::NewAccount::new(email, monlyceepro::accounts::Role::Coordinateur)
        };
        app.state.accounts.add(&new, "test", time::OffsetDateTime::now_utc()).await.expect("base").expect("compte");
    }
    let mut body = body;
    body["contact"]["email"] = json!("ana.autre@industrie.fr");
    let (status, created) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!(status, 201, "{created}");
    // One email each: a dead address never keeps the other from being
    // written to, and each failure is known by its address.
    for address in ["cmee.a@ac-lyon.fr", "cmee.b@ac-lyon.fr"] {
        let mail = smtp
            .wait_for(1, |m| {
                m.to == [address.to_string()] && m.text().contains(&created["reference"].to_string().replace('"', ""))
            })
            .await;
        assert!(mail[0].text().contains("demande sur l'offre de formation"));
    }
}

/// The same company asking the same thing again is linked, not routed.
async fn duplicates_are_linked(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (s1, first) = app.post_json("/api/v1/demandes", &request("dup@exemple.fr")).await;
    assert_eq!(s1, 201);
    // Same email spelled differently.
    let (s2, second) = app.post_json("/api/v1/demandes", &request("DUP@Exemple.fr")).await;
    assert_eq!(s2, 201, "{second}");
    assert_eq!(second["doublon_de"], first["reference"]);
    assert_eq!(second["statut"], "doublon");
    assert_eq!(second["destinataires"], json!([]));
    // Same SIRET, another person.
    let (_, third) = app.post_json("/api/v1/demandes", &request("collegue@exemple.fr")).await;
    assert_eq!(third["doublon_de"], first["reference"]);
    // Another action is not a duplicate.
    let mut other = request("dup@exemple.fr");
    other["action"] = json!("apprentissage");
    let (_, fourth) = app.post_json("/api/v1/demandes", &other).await;
    assert!(fourth["doublon_de"].is_null());
    let routed = scalar(&app.db, "SELECT COUNT(DISTINCT demande_id) FROM destinataires").await;
    assert_eq!(routed, 2, "duplicates are not routed");
    // The company is told on its page.
    let url = second["suivi_url"].as_str().expect("suivi");
    let path = &url[url.find("/suivi/").expect("chemin")..];
    let (_, page) = app.get_text(path).await;
    let first_ref = first["reference"].as_str().expect("référence");
    assert!(page.contains("Vous nous avez déjà adressé la même demande"));
    // One story: where the first request stands, nothing that says this
    // one was sent, ended or will be taken.
    let told = first["destinataires"].as_array().expect("destinataires").len();
    let stands = if told > 1 { format!("transmise à {told} lycées") } else { "transmise ".to_string() };
    assert!(page.contains(&format!("<strong>{first_ref}</strong> et elle est {stands}")), "{page}");
    let (_, just_sent) = app.get_text(&format!("{path}?envoi=1")).await;
    assert!(just_sent.contains("Vous nous aviez déjà envoyé cette demande"), "{just_sent}");
    for contradiction in ["Votre demande est envoyée", "Terminée le", "prend votre demande en charge", "Et maintenant"]
    {
        assert!(!just_sent.contains(contradiction), "« {contradiction} » on a duplicate's page: {just_sent}");
    }
}

/// Signed, expiring one-click links: valid, expired, tampered, replayed.
async fn one_click_links(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, created) = app.post_json("/api/v1/demandes", &request("liens@exemple.fr")).await;
    let id = created["id"].as_str().expect("id");
    let uai = created["destinataires"][0]["uai"].as_str().expect("uai");
    let now = time::OffsetDateTime::now_utc();
    let token = app.state.requests.link_token(id, uai, now);

    let (s, page) = app.get_text(&format!("/r/{token}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("Prendre en charge") && page.contains("Électricité L&#39;Hôte &#38; Fils"));
    // Expired: signed 31 days ago.
    let old = app.state.requests.link_token(id, uai, now - time::Duration::days(31));
    let (s, page) = app.get_text(&format!("/r/{old}/prendre")).await;
    assert_eq!(s, 410);
    assert!(page.contains("Lien expiré"));
    // Tampered: another lycée's UAI in the same signature, or a changed byte.
    let (body, sig) = token.split_once('.').expect("jeton");
    let mut bytes = body.as_bytes().to_vec();
    bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{}.{sig}", String::from_utf8(bytes).expect("ascii"));
    let (s, page) = app.get_text(&format!("/r/{tampered}")).await;
    assert_eq!(s, 400);
    assert!(page.contains("Lien invalide"));
    assert_eq!(app.get_text("/r/n-importe-quoi/decliner").await.0, 400);
    // A link for a lycée that is not a recipient.
    let stranger = app.state.requests.link_token(id, "0750330B", now);
    assert_eq!(app.get_text(&format!("/r/{stranger}")).await.0, 404);
    // POST without the CSRF token is refused, and changes nothing.
    let res =
        app.client.post(format!("{}/r/{token}/prendre", app.base)).form(&[("nom", "X")]).send().await.expect("post");
    assert_eq!(res.status(), 403);
    assert_eq!(
        scalar(
            &app.db,
            &format!("SELECT COUNT(*) FROM destinataires WHERE demande_id = '{id}' AND statut = 'prise_en_charge'")
        )
        .await,
        0
    );
    // A GET never changes anything (mail scanners open links).
    assert_eq!(app.get_text(&format!("/r/{token}/prendre")).await.0, 200);
    assert_eq!(
        scalar(
            &app.db,
            &format!("SELECT COUNT(*) FROM destinataires WHERE demande_id = '{id}' AND statut = 'prise_en_charge'")
        )
        .await,
        0
    );
    // Missing name, unknown reason.
    let take = format!("/r/{token}/prendre");
    assert_eq!(app.submit_form(&take, &take, &[("nom", "  ")]).await.0, 422);
    let decline = format!("/r/{token}/decliner");
    assert_eq!(app.submit_form(&decline, &decline, &[("nom", "A"), ("motif", "flemme")]).await.0, 422);
    // Valid: taken once.
    assert_eq!(app.submit_form(&take, &take, &[("nom", "Mme Martin")]).await.0, 200);
    assert_eq!(app.submit_form(&take, &take, &[("nom", "Mme Martin")]).await.0, 409);
    let late = [("nom", "Mme Martin"), ("motif", "autre"), ("precision", "trop tard")];
    assert_eq!(app.submit_form(&decline, &decline, &late).await.0, 409);
    // "Autre raison" needs its own words.
    assert_eq!(app.submit_form(&decline, &decline, &[("nom", "Mme Martin"), ("motif", "autre")]).await.0, 422);
}

/// The pilot role moves on after 3 working days without answer (the
/// schedule, run by the worker), once, even with two workers: time moves
/// forward, rows are not rewritten.
async fn pilot_role_moves_after_three_working_days(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // Monday 9 November 2026, 09:00 in Lyon; the 11th is a holiday.
    app.clock.set(time::macros::datetime!(2026-11-09 08:00 UTC));
    exec(&app.db, "UPDATE lycees SET email = 'ce.' || LOWER(uai) || '@ac-lyon.fr' WHERE departement_code = '69'").await;
    crate::support::prefer_directory(&app.db).await;
    let (_, created) = app.post_json("/api/v1/demandes", &request("lent@exemple.fr")).await;
    let id = created["id"].as_str().expect("id");
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote");
    let support = created["destinataires"][1]["uai"].as_str().expect("appui");
    let mailer = || {
        monlyceepro::mail::Mailer::new(None, "MonLycéePro <ne-pas-repondre@localhost>", &app.state.config.var_dir)
            .expect("courriel")
    };
    let w1 = monlyceepro::web::worker_of(&app.state, mailer());
    let w2 = monlyceepro::web::worker_of(&app.state, mailer());
    let status = |uai: String| {
        let db = app.db.clone();
        let id = id.to_string();
        async move {
            let sql =
                format!("SELECT role || ':' || statut FROM destinataires WHERE demande_id = '{id}' AND uai = '{uai}'");
            match &db {
                Db::Sqlite(p) => sqlx::query_scalar::<_, String>(&sql).fetch_one(p).await,
                Db::Postgres(p) => sqlx::query_scalar::<_, String>(&sql).fetch_one(p).await,
            }
            .expect("statut")
        }
    };
    // Thursday 12th, 10:00: 2 working days (the 11th is off): a reminder,
    // the role stays.
    app.clock.set(time::macros::datetime!(2026-11-12 09:00 UTC));
    let (a, b) = tokio::join!(w1.run_schedule(), w2.run_schedule());
    assert_eq!(a.expect("w1") + b.expect("w2"), 1, "one worker, one request");
    assert_eq!(status(pilot.to_string()).await, "pilote:nouvelle");
    assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM outbox WHERE modele = 'lycee_relance'").await, 1, "reminded once");
    // Friday 13th, 10:00: 3 working days: the role moves, once.
    exec(&app.db, "UPDATE taches SET verrou_jusqu = NULL").await;
    app.clock.set(time::macros::datetime!(2026-11-13 09:00 UTC));
    let (a, b) = tokio::join!(w1.run_schedule(), w2.run_schedule());
    assert_eq!(a.expect("w1") + b.expect("w2"), 1, "moved once, by one worker");
    assert_eq!(status(pilot.to_string()).await, "pilote:expiree");
    assert_eq!(status(support.to_string()).await, "pilote:nouvelle");
    // Nothing moves a second time.
    exec(&app.db, "UPDATE taches SET verrou_jusqu = NULL").await;
    assert_eq!(w1.run_schedule().await.expect("w1"), 0);
}

on_both_engines!(
    lyon_electricity_story,
    remote_boilermakers_widen_the_radius,
    training_offer_involves_the_coordinator,
    duplicates_are_linked,
    one_click_links,
    pilot_role_moves_after_three_working_days,
);
