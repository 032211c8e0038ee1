//! Events of the lycées open to companies (issue 16): an officer publishes
//! one, companies register without an account and confirm through a
//! signed link, the capacity holds, the `.ics` parses back, the reminder
//! leaves once the day before, the officer exports the registrations and
//! the partners' history records them.

use crate::on_both_engines;
use crate::support::{Engine, Mail, Options, SmtpSink, TestApp, all, one};
use monlyceepro::accounts::Role;
use monlyceepro::clock::Clock;
use std::str::FromStr;
use time::OffsetDateTime;

async fn get(app: &TestApp, browser: &reqwest::Client, path: &str) -> (u16, Option<String>, String) {
    let res = browser.get(format!("{}{path}", app.base)).send().await.expect("requête");
    let status = res.status().as_u16();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    (status, location, res.text().await.expect("corps"))
}

/// The path of the first link of `mail` containing `part`.
fn link(mail: &Mail, part: &str) -> String {
    let t = mail.text();
    let start = t.find(part).unwrap_or_else(|| panic!("pas de lien {part} dans {t}"));
    let begin = t[..start].rfind("http").expect("adresse");
    let url: String = t[begin..].chars().take_while(|c| !c.is_whitespace()).collect();
    url[url.find("/evenements").expect("chemin")..].to_string()
}

/// "14/01/2027" of an instant, for the forms.
fn day(t: OffsetDateTime) -> String {
    format!("{:02}/{:02}/{}", t.day(), u8::from(t.month()), t.year())
}

/// A lycée of the Cantal (Aurillac's département) and one of Paris.
fn lycees(app: &TestApp) -> (String, String, String) {
    let index = app.state.search.index();
    let cantal = index.lycees.iter().find(|l| l.departement == "15" && l.position.is_some()).expect("lycée du Cantal");
    let paris = index.lycees.iter().find(|l| l.departement == "75" && l.position.is_some()).expect("lycée de Paris");
    (cantal.uai.clone(), cantal.nom.clone(), paris.uai.clone())
}

/// The form of an event in ten days, 14:00 to 17:00 (local time).
fn event_form<'a>(title: &'a str, date: &'a str, capacity: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("genre", "forum_metiers"),
        ("titre", title),
        ("date", date),
        ("heure_debut", "14:00"),
        ("heure_fin", "17:00"),
        ("date_fin", ""),
        ("lieu", "Gymnase du lycée"),
        ("adresse", "1 rue du Lycée"),
        ("public_vise", "Entreprises du bâtiment qui accueillent des élèves"),
        ("capacite", capacity),
        ("description", "Rencontrez nos élèves de CAP et de bac pro."),
    ]
}

/// A form's fields.
type Fields<'a> = Vec<(&'a str, &'a str)>;

fn registration<'a>(company: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("entreprise", company),
        ("prenom", "Camille"),
        ("nom", "Durand"),
        ("email", email),
        ("telephone", "04 71 00 00 00"),
        ("personnes", "1"),
    ]
}

async fn publish(app: &TestApp, officer: &reqwest::Client, uai: &str, title: &str, date: &str, cap: &str) -> String {
    let page = format!("/espace/lycees/{uai}/evenements");
    let (status, location, body) = app.submit_form_as(officer, &page, &page, &event_form(title, date, cap)).await;
    assert_eq!(status, 303, "{body}");
    assert!(location.unwrap_or_default().contains("fait=publie"));
    one(&app.db, &format!("SELECT id FROM evenements WHERE titre = '{title}'")).await
}

/// The whole story, with the real SMTP sink and the injected clock.
async fn an_event_with_two_places(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Default::default() })
            .await;
    let (uai, _, paris) = lycees(&app);
    let rbe = app.account("rbe.cantal@ac-clermont.fr", Role::Rbe, &[&uai], None).await;
    let rbe_paris = app.account("rbe.paris@ac-paris.fr", Role::Rbe, &[&paris], None).await;
    let officer = app.signed_in(&rbe).await;
    let start = app.clock.now() + time::Duration::days(10);
    let date = day(start);
    let id = publish(&app, &officer, &uai, "Forum des métiers du bâtiment", &date, "2").await;
    let far = publish(&app, &app.signed_in(&rbe_paris).await, &paris, "Job dating parisien", &date, "").await;

    // Listed near Aurillac, before the Paris one; on the showcase.
    let (status, _, list) = get(&app, &app.client, "/evenements?commune=Aurillac").await;
    assert_eq!(status, 200);
    let (near, away) = (list.find("Forum des métiers du bâtiment"), list.find("Job dating parisien"));
    assert!(near.is_some() && away.is_some() && near < away, "{list}");
    assert!(list.contains("2\u{a0}places restantes"), "{list}");
    assert!(list.contains("2\u{a0}événements à venir"), "{list}");
    let (_, _, showcase) = get(&app, &app.client, &format!("/lycees/{uai}")).await;
    let (section, contact) =
        (showcase.find("Les prochains événements ouverts aux entreprises</h2>"), showcase.find("id=\"contact\""));
    assert!(section.is_some() && section < contact, "la section vient avant le contact");
    assert!(showcase.contains(&format!("/evenements/{id}")));
    assert!(!showcase.contains(&format!("/evenements/{far}")));

    // A partner already known by a contact's address.
    {
        let mut tx = app.db.begin().await.expect("tx");
        let p = monlyceepro::storage::partners::PartenaireRow {
            id: "partenaire-connu".into(),
            uai: uai.clone(),
            nom: "Martin Électricité".into(),
            nom_norm: "martin electricite".into(),
            cree_le: "2026-11-01T00:00:00Z".into(),
            modifie_le: "2026-11-01T00:00:00Z".into(),
            ..Default::default()
        };
        monlyceepro::storage::partners::upsert(&mut tx, &p).await.expect("partenaire");
        let c = monlyceepro::storage::partners::ContactRow {
            id: "contact-connu".into(),
            partenaire_id: p.id.clone(),
            nom: "Martin".into(),
            email: Some("Paul.Martin@martin-elec.fr".into()),
            ..Default::default()
        };
        monlyceepro::storage::partners::insert_contact(&mut tx, &c).await.expect("contact");
        tx.commit().await.expect("commit");
    }

    // Three companies register: no place taken yet.
    let page = format!("/evenements/{id}");
    let companies = [
        ("Électricité générale du Cantal", "paul.martin@martin-elec.fr"),
        ("Bâtir Auvergne", "contact@batir-auvergne.fr"),
        ("Charpentes Lemoine", "lemoine@charpentes.fr"),
    ];
    for (company, email) in companies {
        let (status, location, body) = app.submit_form(&page, &page, &registration(company, email)).await;
        assert_eq!(status, 303, "{body}");
        assert!(location.unwrap_or_default().ends_with("?inscription=envoyee"));
    }
    let (_, _, sent) = get(&app, &app.client, &format!("{page}?inscription=envoyee")).await;
    assert!(sent.contains("confirmez-la"), "{sent}");
    let confirm_mails = smtp.wait_for(3, |m| m.header("Subject").contains("Confirmez votre inscription")).await;
    let link_of = |email: &str| {
        let m = confirm_mails.iter().find(|m| m.to.iter().any(|t| t == email)).expect("courriel de confirmation");
        assert!(m.text().contains("Forum des métiers du bâtiment"), "{}", m.text());
        link(m, "/evenements/inscription/")
    };
    let links: Vec<String> = companies.iter().map(|(_, e)| link_of(e)).collect();
    let waiting: i64 = one(&app.db, "SELECT COUNT(*) FROM inscriptions_evenements WHERE etat = 'en_attente'").await;
    assert_eq!(waiting, 3);

    // Two confirm; the third is refused politely, its registration kept.
    for l in &links[..2] {
        let (status, _, body) = app.submit_form(l, &format!("{l}/confirmer"), &[]).await;
        assert_eq!(status, 303, "{body}");
    }
    let (status, _, body) = app.submit_form(&links[2], &format!("{}/confirmer", links[2]), &[]).await;
    assert_eq!(status, 409);
    assert!(body.contains("toutes les places ont été prises avant votre confirmation"), "{body}");
    let kept: String =
        one(&app.db, "SELECT etat FROM inscriptions_evenements WHERE email = 'lemoine@charpentes.fr'").await;
    assert_eq!(kept, "en_attente");
    // Opening a confirmed link twice changes nothing.
    let (status, _, _) = app.submit_form(&links[0], &format!("{}/confirmer", links[0]), &[]).await;
    assert_eq!(status, 303);
    let (_, _, event_page) = get(&app, &app.client, &page).await;
    assert!(event_page.contains("Complet") && event_page.contains("complet"), "{event_page}");
    assert!(!event_page.contains("S'inscrire</button>"), "plus de formulaire quand c'est complet");
    // A fourth company is told at once.
    // (the form is gone: the CSRF token of another page).
    let (status, _, body) = app.submit_form("/connexion", &page, &registration("Tard SARL", "tard@exemple.fr")).await;
    assert_eq!(status, 409);
    assert!(body.contains("toutes les places de cet événement sont prises"), "{body}");

    // The invitation: RFC 5545, parsed back.
    let confirmed = smtp.wait_for(2, |m| m.header("Subject").contains("Inscription confirmée")).await;
    let ics_path = link(&confirmed[0], "invitation.ics");
    let res = app.client.get(format!("{}{ics_path}", app.base)).send().await.expect("ics");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap_or("").starts_with("text/calendar"));
    let text = res.text().await.expect("corps");
    let cal = icalendar::Calendar::from_str(&text).expect("calendrier lisible");
    use icalendar::{Component, EventLike};
    let ev = cal.events().next().expect("un VEVENT");
    let expected_start: String = one(&app.db, &format!("SELECT debut FROM evenements WHERE id = '{id}'")).await;
    let compact = |s: &str| s.replace(['-', ':'], "");
    assert_eq!(ev.property_value("DTSTART"), Some(compact(&expected_start).as_str()), "{text}");
    let expected_end: String = one(&app.db, &format!("SELECT fin FROM evenements WHERE id = '{id}'")).await;
    assert_eq!(ev.property_value("DTEND"), Some(compact(&expected_end).as_str()));
    assert!(ev.get_summary().unwrap_or("").starts_with("Forum des métiers du bâtiment"), "{text}");
    assert_eq!(ev.get_location(), Some("Gymnase du lycée, 1 rue du Lycée"));
    assert!(ev.get_uid().unwrap_or("").ends_with("@monlyceepro"));
    assert!(text.contains("BEGIN:VCALENDAR") && text.contains("VERSION:2.0") && text.contains("\r\n"));
    // Not for a registration that is not confirmed.
    let (status, _, _) = get(&app, &app.client, &format!("{}/invitation.ics", links[2])).await;
    assert_eq!(status, 404);

    // The reminder the day before, exactly once.
    let mailer =
        monlyceepro::mail::Mailer::new(Some(&smtp.url), &app.state.config.mail_from, &app.state.config.var_dir)
            .expect("courriel");
    let worker = monlyceepro::web::worker_of(&app.state, mailer);
    let starts = monlyceepro::clock::parse(&expected_start).expect("début");
    app.clock.set(starts - time::Duration::days(2));
    assert_eq!(worker.remind_events().await.expect("rappels"), 0, "trop tôt");
    app.clock.set(starts - time::Duration::hours(20));
    assert_eq!(worker.remind_events().await.expect("rappels"), 2);
    assert_eq!(worker.remind_events().await.expect("rappels"), 0);
    app.clock.set(starts - time::Duration::hours(10));
    assert_eq!(worker.remind_events().await.expect("rappels"), 0, "déjà envoyé");
    let reminders = smtp.wait_for(2, |m| m.header("Subject").contains("Rappel")).await;
    assert_eq!(reminders.len(), 2);
    assert!(reminders[0].text().contains("a lieu demain"), "{}", reminders[0].text());
    assert!(reminders[0].text().replace('\u{a0}', " ").contains(" à 17 h 00"), "{}", reminders[0].text());

    // The officer's export lists the two confirmed and the waiting one
    // (signed in again: time moved past the first session).
    let officer = app.signed_in(&rbe).await;
    let csv_path = format!("/espace/lycees/{uai}/evenements/{id}/inscriptions.csv");
    let (status, _, csv) = get(&app, &officer, &csv_path).await;
    assert_eq!(status, 200);
    assert_eq!(csv.matches(";Confirmée;").count(), 2, "{csv}");
    assert!(csv.contains("Électricité générale du Cantal") && csv.contains("Bâtir Auvergne"));
    let (_, _, workspace) = get(&app, &officer, &format!("/espace/lycees/{uai}/evenements/{id}")).await;
    assert!(workspace.contains("2\u{a0}inscriptions confirmées, 1 en attente de confirmation"), "{workspace}");
    assert!(workspace.contains("3\u{a0}inscriptions"), "{workspace}");

    // The partners' history: the known partner matched by its contact's
    // address, the other one created with its contact.
    let history: Vec<String> = all(
        &app.db,
        "SELECT p.nom FROM interactions i JOIN partenaires p ON p.id = i.partenaire_id \
         WHERE i.genre = 'evenement' ORDER BY p.nom",
    )
    .await;
    assert_eq!(history, vec!["Bâtir Auvergne".to_string(), "Martin Électricité".to_string()]);
    let contact: String = one(
        &app.db,
        "SELECT c.email FROM partenaire_contacts c JOIN partenaires p ON p.id = c.partenaire_id \
         WHERE p.nom = 'Bâtir Auvergne'",
    )
    .await;
    assert_eq!(contact, "contact@batir-auvergne.fr");

    // The lycée cancels: the two confirmed companies are told.
    app.clock.set(starts - time::Duration::hours(5));
    let (status, _, _) = app
        .submit_form_as(
            &officer,
            &format!("/espace/lycees/{uai}/evenements/{id}"),
            &format!("/espace/lycees/{uai}/evenements/{id}/annuler"),
            &[],
        )
        .await;
    assert_eq!(status, 303);
    let cancelled = smtp.wait_for(2, |m| m.header("Subject").contains("Événement annulé")).await;
    assert_eq!(cancelled.len(), 2);
    let (_, _, event_page) = get(&app, &app.client, &page).await;
    assert!(event_page.contains("annulé par le lycée"));

    // After the event, it leaves /evenements and stays in the history.
    app.clock.set(starts + time::Duration::days(1));
    let (_, _, list) = get(&app, &app.client, "/evenements").await;
    assert!(!list.contains("Forum des métiers du bâtiment"));
}

/// Unknown events, forged and expired links, past events, bad forms: a
/// French answer, never a 5xx.
async fn bad_inputs(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (uai, _, _) = lycees(&app);
    let rbe = app.account("rbe.cantal@ac-clermont.fr", Role::Rbe, &[&uai], None).await;
    let officer = app.signed_in(&rbe).await;
    let date = day(app.clock.now() + time::Duration::days(10));
    let id = publish(&app, &officer, &uai, "Portes ouvertes", &date, "").await;

    let (status, _, body) = get(&app, &app.client, "/evenements/inconnu").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page non trouvée"));
    let (status, _, body) = get(&app, &app.client, &format!("/evenements/{}", "x".repeat(300))).await;
    assert_eq!(status, 404, "{body}");
    let (status, _, body) = get(&app, &app.client, "/evenements/inscription/pas-un-jeton").await;
    assert_eq!(status, 404);
    assert!(body.contains("Lien inutilisable") && body.contains("modifié"));
    let past = app.clock.now() - time::Duration::days(1);
    let expired = monlyceepro::events::link(&app.state.signer, &app.base, "quelconque", past);
    let (status, _, body) = get(&app, &app.client, &expired[expired.find("/evenements").expect("chemin")..]).await;
    assert_eq!(status, 410);
    assert!(body.contains("Ce lien a expiré"));
    // Signed for another purpose: worthless here.
    let other =
        app.state.signer.sign("avis", "quelconque", (app.clock.now() + time::Duration::days(1)).unix_timestamp());
    let (status, _, _) = get(&app, &app.client, &format!("/evenements/inscription/{other}")).await;
    assert_eq!(status, 404);

    // The event form.
    let form_page = format!("/espace/lycees/{uai}/evenements");
    let long = "x".repeat(151);
    let yesterday = day(app.clock.now() - time::Duration::days(1));
    let cases: Vec<(Fields, &str, &str)> = vec![
        (event_form("Capacité nulle", &date, "0"), "capacite", "Un nombre entier de 1 à 10 000"),
        (event_form("Capacité négative", &date, "-3"), "capacite", "Un nombre entier de 1 à 10 000"),
        (event_form("Capacité texte", &date, "beaucoup"), "capacite", "Un nombre entier de 1 à 10 000"),
        (event_form(&long, &date, ""), "titre", "150 caractères au plus."),
        (event_form("", &date, ""), "titre", "Champ obligatoire."),
        (event_form("Sans date", "", ""), "date", "Champ obligatoire."),
        (event_form("Date fausse", "31/02/2027", ""), "date", "Date invalide"),
        (event_form("Hier", &yesterday, ""), "date", "doit commencer plus tard"),
    ];
    for (fields, field, message) in cases {
        let (status, _, body) = app.submit_form_as(&officer, &form_page, &form_page, &fields).await;
        assert_eq!(status, 422, "{field}");
        assert!(body.contains(message), "{field}: {message}");
        assert!(body.contains(&format!("id=\"erreur-evenement-{field}\"")), "{field} : message à côté du champ");
    }
    let mut backwards = event_form("À l'envers", &date, "");
    backwards[3] = ("heure_debut", "17:00");
    backwards[4] = ("heure_fin", "14:00");
    let (status, _, body) = app.submit_form_as(&officer, &form_page, &form_page, &backwards).await;
    assert_eq!(status, 422);
    assert!(body.contains("La fin doit suivre le début."));
    let mut no_kind = event_form("Sans type", &date, "");
    no_kind[0] = ("genre", "fete");
    let (status, _, body) = app.submit_form_as(&officer, &form_page, &form_page, &no_kind).await;
    assert_eq!(status, 422);
    assert!(body.contains("Choisissez le type d"));
    let mut bad_hour = event_form("Heure", &date, "");
    bad_hour[3] = ("heure_debut", "25:00");
    let (status, _, body) = app.submit_form_as(&officer, &form_page, &form_page, &bad_hour).await;
    assert_eq!(status, 422);
    assert!(body.contains("Heure invalide"));
    let too_long = "é".repeat(6000);
    let mut long_text = event_form("Longue", &date, "");
    long_text[10] = ("description", &too_long);
    let (status, _, body) = app.submit_form_as(&officer, &form_page, &form_page, &long_text).await;
    assert_eq!(status, 422);
    assert!(body.contains("5000 caractères au plus."), "description");
    let n: i64 = one(&app.db, "SELECT COUNT(*) FROM evenements").await;
    assert_eq!(n, 1, "rien n'est publié sur une erreur");

    // The registration form.
    let page = format!("/evenements/{id}");
    let long_name = "A".repeat(250);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (registration("", "a@exemple.fr"), "entreprise"),
        (registration("Sans adresse", ""), "email"),
        (registration("Adresse fausse", "pas-une-adresse"), "email"),
        (registration(&long_name, "b@exemple.fr"), "entreprise"),
        (vec![("entreprise", "X SARL"), ("nom", "Durand"), ("email", "c@exemple.fr"), ("personnes", "0")], "personnes"),
        (
            vec![("entreprise", "X SARL"), ("nom", "Durand"), ("email", "c@exemple.fr"), ("personnes", "-2")],
            "personnes",
        ),
        (vec![("entreprise", "X SARL"), ("nom", ""), ("email", "c@exemple.fr")], "nom"),
        (
            vec![("entreprise", "X SARL"), ("nom", "Durand"), ("email", "c@exemple.fr"), ("telephone", "appelez-moi")],
            "telephone",
        ),
    ];
    for (fields, field) in cases {
        let (status, _, body) = app.submit_form(&page, &page, &fields).await;
        assert_eq!(status, 422, "{field}");
        assert!(body.contains(&format!("id=\"erreur-inscription-{field}\"")), "{field}");
    }
    // The honeypot.
    let mut robot = registration("Robot SA", "robot@exemple.fr");
    robot.push(("site_web", "http://spam.example"));
    let (status, _, _) = app.submit_form(&page, &page, &robot).await;
    assert_eq!(status, 422);
    let n: i64 = one(&app.db, "SELECT COUNT(*) FROM inscriptions_evenements").await;
    assert_eq!(n, 0);

    // An event already started: no registration.
    let started = {
        let now = app.clock.now();
        let row = monlyceepro::storage::events::EventRow {
            id: "commence".into(),
            uai: uai.clone(),
            genre: domain::events::EventKind::JobDating,
            titre: "Job dating commencé".into(),
            description: String::new(),
            debut: monlyceepro::clock::to_rfc3339(now - time::Duration::hours(1)),
            fin: monlyceepro::clock::to_rfc3339(now + time::Duration::hours(2)),
            lieu: "CDI".into(),
            adresse: String::new(),
            commune_code: None,
            public_vise: String::new(),
            capacite: None,
            etat: domain::events::EventState::Publie,
            cree_par: "test".into(),
            cree_le: monlyceepro::clock::to_rfc3339(now),
            modifie_le: monlyceepro::clock::to_rfc3339(now),
            annule_le: None,
        };
        monlyceepro::events::publish(&app.db, &row, "test").await.expect("événement");
        row.id
    };
    let started_page = format!("/evenements/{started}");
    let (_, _, body) = get(&app, &app.client, &started_page).await;
    assert!(!body.contains("S'inscrire</button>"));
    let (status, _, body) =
        app.submit_form("/connexion", &started_page, &registration("Tard SARL", "t@exemple.fr")).await;
    assert_eq!(status, 409);
    assert!(body.contains("déjà commencé ou est terminé"), "{body}");

    // Personal data: exported and erased by address, and erased with the
    // others after the retention delay (the company's name stays).
    let (status, _, _) = app.submit_form(&page, &page, &registration("Données SARL", "Donnees@Exemple.fr")).await;
    assert_eq!(status, 303);
    let address: domain::Email = "donnees@exemple.fr".parse().expect("adresse");
    let export = monlyceepro::privacy::export(&app.state.requests, &address, app.clock.now()).await.expect("export");
    assert_eq!(export["inscriptions_evenements"][0]["entreprise"], "Données SARL", "{export}");
    let index = app.state.search.index();
    let erased =
        monlyceepro::privacy::erase(&app.state.requests, &index, &address, app.clock.now()).await.expect("effacement");
    assert_eq!(erased.held.inscriptions_evenements, 1);
    let (nom, email): (String, String) = (
        one(&app.db, "SELECT nom FROM inscriptions_evenements WHERE entreprise = 'Données SARL'").await,
        one(&app.db, "SELECT email FROM inscriptions_evenements WHERE entreprise = 'Données SARL'").await,
    );
    assert_eq!(nom, "(effacé)");
    assert!(email.ends_with("@invalid"));
    let (status, _, _) = app.submit_form(&page, &page, &registration("Gardée SARL", "garde@exemple.fr")).await;
    assert_eq!(status, 303);
    let later = app.clock.now() + time::Duration::days(3 * 365);
    assert_eq!(monlyceepro::events::anonymise_ended(&app.db, 12, app.clock.now()).await.expect("effacement"), 0);
    assert_eq!(monlyceepro::events::anonymise_ended(&app.db, 12, later).await.expect("effacement"), 1);
    let left: i64 = one(&app.db, "SELECT COUNT(*) FROM inscriptions_evenements WHERE email LIKE '%@exemple.fr'").await;
    assert_eq!(left, 0);

    // Someone else's event through one's own lycée: 404.
    let (status, _, _) = get(&app, &officer, &format!("/espace/lycees/{uai}/evenements/inconnu")).await;
    assert_eq!(status, 404);
}

/// Who may open the workspace's event pages: as the showcase editor
/// (anonymous → sign-in, the lycée's officer, its académie's coordinator
/// and the administrators; 404 for the others). Public pages for all.
async fn authorization_matrix(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let index = app.state.search.index();
    let lyon = index.lycees.iter().find(|l| l.departement == "69" && l.academie.is_some()).expect("lycée du Rhône");
    let paris = index.lycees.iter().find(|l| l.departement == "75" && l.academie.is_some()).expect("lycée de Paris");
    let (lyon_uai, lyon_academie) = (lyon.uai.clone(), lyon.academie.clone().expect("académie"));
    let (paris_uai, paris_academie) = (paris.uai.clone(), paris.academie.clone().expect("académie"));
    drop(index);
    let ids = [
        app.account("rbe.lyon@ac-lyon.fr", Role::Rbe, &[&lyon_uai], None).await,
        app.account("rbe.paris@ac-paris.fr", Role::Rbe, &[&paris_uai], None).await,
        app.account("coord@ac-lyon.fr", Role::Coordinateur, &[], Some(&lyon_academie)).await,
        app.account("coord@ac-paris.fr", Role::Coordinateur, &[], Some(&paris_academie)).await,
        app.account("admin@education.gouv.fr", Role::Admin, &[], None).await,
    ];
    let mut browsers = vec![("anonyme", app.new_client())];
    for (name, id) in ["rbe_lyon", "rbe_paris", "coord_lyon", "coord_paris", "admin"].into_iter().zip(&ids) {
        browsers.push((name, app.signed_in(id).await));
    }
    let date = day(app.clock.now() + time::Duration::days(10));
    let id = publish(&app, &browsers[1].1, &lyon_uai, "Réunion des tuteurs", &date, "").await;
    let list = format!("/espace/lycees/{lyon_uai}/evenements");
    let event = format!("{list}/{id}");
    let csv = format!("{event}/inscriptions.csv");
    let cancel = format!("{event}/annuler");
    let elsewhere = format!("/espace/lycees/{paris_uai}/evenements/{id}");
    let public = format!("/evenements/{id}");
    // Expected status: anonyme, rbe_lyon, rbe_paris, coord_lyon, coord_paris, admin.
    let matrix: Vec<(&str, &str, [u16; 6])> = vec![
        ("GET", "/evenements", [200, 200, 200, 200, 200, 200]),
        ("GET", &public, [200, 200, 200, 200, 200, 200]),
        ("GET", "/espace/evenements", [303, 303, 303, 303, 303, 303]),
        ("GET", &list, [303, 200, 404, 200, 404, 200]),
        ("POST", &list, [303, 422, 404, 422, 404, 422]),
        ("GET", &event, [303, 200, 404, 200, 404, 200]),
        ("POST", &event, [303, 422, 404, 422, 404, 422]),
        ("GET", &csv, [303, 200, 404, 200, 404, 200]),
        ("GET", &elsewhere, [303, 404, 404, 404, 404, 404]),
        ("GET", "/espace/lycees/0000000A/evenements", [303, 404, 404, 404, 404, 404]),
        // Last: the first allowed person cancels it (then it stays so).
        ("POST", &cancel, [303, 303, 404, 303, 404, 303]),
    ];
    for (method, path, expected) in &matrix {
        for ((who, browser), want) in browsers.iter().zip(expected) {
            let status = if *method == "GET" {
                get(&app, browser, path).await.0
            } else {
                let page = if *who == "anonyme" { "/connexion" } else { "/espace" };
                app.submit_form_as(browser, page, path, &[("titre", "")]).await.0
            };
            assert_eq!(status, *want, "{who} {method} {path}");
        }
    }
    let (_, location, _) = get(&app, &browsers[0].1, &list).await;
    assert_eq!(location, Some(format!("/connexion?suite={}", list.replace('/', "%2F"))));
    let etat: String = one(&app.db, &format!("SELECT etat FROM evenements WHERE id = '{id}'")).await;
    assert_eq!(etat, "annule");
}

on_both_engines!(an_event_with_two_places, bad_inputs, authorization_matrix);
