//! Personal data (RGPD): a company's names, address, phone and words are
//! anonymised `MLP_RETENTION_MOIS` months after its request ended (time
//! moved by the test's clock), the public figures unchanged; an
//! administrator exports everything held about one address and erases it
//! on request, both logged; the "Données personnelles" page states the
//! retention.

use crate::on_both_engines;
use crate::support::{Engine, TestApp, exec};
use domain::lifecycle::{Actor, Event, Outcome};
use monlyceepro::accounts::Role;
use monlyceepro::requests::Action;
use monlyceepro::storage::Db;
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

/// Monday 9 November 2026, 09:00 in Lyon.
const START: OffsetDateTime = datetime!(2026-11-09 08:00 UTC);
const COMPANY: &str = "zoe.lhote@exemple.fr";

async fn text(db: &Db, sql: &str) -> String {
    crate::support::one(db, sql).await
}

async fn texts(db: &Db, sql: &str) -> Vec<String> {
    crate::support::all(db, sql).await
}

/// A request of the company, taken by its pilot (who adds the company to
/// its partners), written about on both sides, closed with a partnership
/// and rated with a comment; its id and pilot.
async fn closed_request(app: &TestApp, email: &str) -> (String, String) {
    app.clock.set(START);
    let mut body = crate::demandes::request(email);
    // Several companies, not one company several times (duplicates).
    body["entreprise"]["siret"] = Value::Null;
    let (status, created) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let index = app.state.search.index();
    let act = |action: Action| {
        let (id, index) = (id.clone(), index.clone());
        async move { app.state.requests.act(&index, &id, action, START).await.expect("transition") }
    };
    act(Action::new(Event::Take { uai: pilot.clone() }, "Anne Martin")).await;
    act(Action::new(Event::CompanyWrites, "Zoé L'Hôte").with_text("Mon portable : 06 12 34 56 78.")).await;
    act(Action::new(Event::Write { by: Actor::Lycee(pilot.clone()) }, "Anne Martin")
        .with_text(&format!("Bonjour Zoé L'Hôte, je vous écris à {email}.")))
    .await;
    act(Action::new(Event::Close { by: Actor::Lycee(pilot.clone()), outcome: Outcome::Partenariat }, "Anne Martin"))
        .await;
    act(Action::new(Event::Rate { score: 4 }, "Zoé L'Hôte").with_text("Très réactifs, merci.")).await;
    (id, pilot)
}

/// The figures of the statistics, as the API and the storage give them
/// (without the time they were computed at).
async fn figures(app: &TestApp) -> (Value, String) {
    let (status, mut api) = app.get_json("/api/v1/statistiques?du=2026-11&au=2026-11").await;
    assert_eq!(status, 200, "{api}");
    api.as_object_mut().expect("objet").remove("calcule_le");
    let rows = monlyceepro::storage::stats::rows(&app.db, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", None, None)
        .await
        .expect("lignes");
    (api, format!("{rows:?}"))
}

fn worker(app: &TestApp) -> monlyceepro::jobs::Worker {
    let mailer =
        monlyceepro::mail::Mailer::new(None, &app.state.config.mail_from, &app.state.config.var_dir).expect("courriel");
    monlyceepro::web::worker_of(&app.state, mailer)
}

/// Runs the retention job at `at` on two workers at once (its lease freed,
/// as an hour later); how many requests were anonymised in all.
async fn retention_at(app: &TestApp, at: OffsetDateTime) -> usize {
    app.clock.set(at);
    exec(&app.db, "UPDATE taches SET verrou_jusqu = NULL WHERE nom = 'effacement_donnees'").await;
    let (w1, w2) = (worker(app), worker(app));
    let (a, b) = tokio::join!(w1.anonymise_expired(at), w2.anonymise_expired(at));
    let (a, b) = (a.expect("effacement"), b.expect("effacement"));
    assert!(a == 0 || b == 0, "one worker only runs the job: {a} and {b}");
    a + b
}

/// Closed, then 23 months on nothing is erased; 25 months on the
/// company's data is (by one of two workers), the figures unchanged, the
/// story says so, and a second run changes nothing more.
async fn anonymised_after_retention(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // Five requests, so that the statistics publish their figures.
    for other in ["a@exemple.fr", "b@exemple.fr", "c@exemple.fr", "d@exemple.fr"] {
        closed_request(&app, other).await;
    }
    let (id, _) = closed_request(&app, COMPANY).await;
    let held = format!("SELECT contact_email FROM demandes WHERE id = '{id}'");
    assert_eq!(retention_at(&app, datetime!(2028-10-09 08:00 UTC)).await, 0, "23 months: kept");
    assert_eq!(text(&app.db, &held).await, COMPANY);

    let later = datetime!(2028-12-10 08:00 UTC);
    app.clock.set(later);
    let before = figures(&app).await;
    // (The total of requests is hidden here by complementary suppression:
    // one académie holds them all, the others none — decisions § 41. The
    // requests taken, in the months' list alone, are published.)
    assert_eq!(before.0["prises_en_charge"], 5, "published: {}", before.0);
    assert_eq!(before.0["satisfaction"]["reponses"], 5, "{}", before.0);
    assert_eq!(retention_at(&app, later).await, 5, "25 months: erased");
    let after = figures(&app).await;
    assert_eq!(before, after, "the statistics do not change");

    let row = |col: &str| format!("SELECT COALESCE({col}, 'NULL') FROM demandes WHERE id = '{id}'");
    assert_eq!(text(&app.db, &row("contact_prenom")).await, "(effacé)");
    assert_eq!(text(&app.db, &row("contact_nom")).await, "(effacé)");
    assert_eq!(text(&app.db, &row("contact_email")).await, format!("efface+{id}@invalid"));
    assert_eq!(text(&app.db, &row("contact_email_norm")).await, format!("efface+{id}@invalid"));
    assert_eq!(text(&app.db, &row("contact_telephone")).await, "NULL");
    assert_eq!(text(&app.db, &row("message")).await, "(texte effacé le 10/12/2028)");
    assert_eq!(text(&app.db, &row("satisfaction_commentaire")).await, "(texte effacé le 10/12/2028)");
    assert_eq!(text(&app.db, &row("CAST(satisfaction AS TEXT)")).await, "4", "the rating number stays");
    assert_eq!(text(&app.db, &row("statut")).await, "cloturee");
    assert_eq!(text(&app.db, &row("issue")).await, "partenariat");
    let story =
        texts(&app.db, &format!("SELECT texte FROM demande_evenements WHERE demande_id = '{id}' ORDER BY ordre"))
            .await
            .join("\n");
    for gone in ["06 12 34 56 78", "Très réactifs", COMPANY, "Zoé L'Hôte"] {
        assert!(!story.contains(gone), "{gone} encore dans :\n{story}");
    }
    assert!(story.contains("Données personnelles de l'entreprise effacées (conservation de 24 mois)."), "{story}");
    assert!(story.contains("Bonjour (effacé), je vous écris à (adresse effacée)."), "{story}");
    let history = texts(&app.db, &format!("SELECT texte FROM interactions WHERE demande_id = '{id}'")).await.join("\n");
    assert!(!history.contains(COMPANY) && !history.contains("Zoé"), "{history}");
    assert!(history.contains("prise en charge"), "the partner's history stays: {history}");
    let mails = texts(&app.db, "SELECT destinataire FROM outbox").await;
    assert!(!mails.iter().any(|m| m.eq_ignore_ascii_case(COMPANY)), "{mails:?}");

    let lines = format!("SELECT CAST(COUNT(*) AS TEXT) FROM demande_evenements WHERE demande_id = '{id}'");
    let (n, done_at) = (text(&app.db, &lines).await, text(&app.db, &row("anonymise_le")).await);
    assert_eq!(retention_at(&app, later + time::Duration::days(40)).await, 0, "once only");
    assert_eq!((text(&app.db, &lines).await, text(&app.db, &row("anonymise_le")).await), (n, done_at));
}
on_both_engines!(anonymised_after_retention);

/// POSTs the personal data form of `/admin` as `browser`.
async fn data_form(app: &TestApp, browser: &reqwest::Client, action: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let (status, _, body) = app.submit_form_as(browser, "/admin", action, fields).await;
    (status, body)
}

/// The administrator exports everything held about an address (its
/// requests with their story, its account, a partner contact), erases it
/// after confirming, and the export is then empty of it; both are in the
/// audit log, the address as its pseudonym; anyone else gets a 404.
async fn export_and_erase(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (id, pilot) = closed_request(&app, COMPANY).await;
    // The same person also holds a workspace account, and is a contact in
    // the pilot's partner register; a second, open request of hers.
    app.account(COMPANY, Role::Rbe, &[&pilot], None).await;
    let partner = texts(&app.db, &format!("SELECT id FROM partenaires WHERE uai = '{pilot}'")).await;
    assert_eq!(partner.len(), 1, "the company became a partner when taken");
    exec(
        &app.db,
        &format!(
            "INSERT INTO partenaire_contacts (id, partenaire_id, prenom, nom, fonction, email, telephone) \
             VALUES ('contact-zoe', '{}', 'Zoé', 'L''Hôte', 'Gérante', '{COMPANY}', '0612345678')",
            partner[0]
        ),
    )
    .await;
    let mut second = crate::demandes::request(&COMPANY.to_uppercase());
    second["action"] = "visite".into();
    let (status, open) = app.post_json("/api/v1/demandes", &second).await;
    assert_eq!(status, 201, "{open}");
    let admin = app.account("admin@education.gouv.fr", Role::Admin, &[], None).await;
    let admin = app.signed_in(&admin).await;

    let res = admin.get(format!("{}/admin", app.base)).send().await.expect("page");
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().await.expect("corps");
    assert!(page.contains("id=\"don-email\""), "the form is on the page");
    // A wrong or missing address says so in French, next to the field.
    for (given, said) in
        [("pas-une-adresse", "Adresse électronique invalide"), ("", "Indiquez l'adresse électronique de la personne.")]
    {
        for action in ["/admin/donnees/export", "/admin/donnees/effacer"] {
            let (status, body) = data_form(&app, &admin, action, &[("email", given)]).await;
            assert_eq!(status, 422, "{action} {given:?}");
            assert!(body.contains(&said.replace('\'', "&#39;")) || body.contains(said), "{action}: {body}");
            assert!(body.contains("aria-invalid=\"true\""), "{action}: the field says it is in error");
        }
    }
    let (status, body) = data_form(&app, &admin, "/admin/donnees/export", &[("email", "Zoe.Lhote@exemple.fr")]).await;
    assert_eq!(status, 200, "{body}");
    let export: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(export["demandes"].as_array().map(Vec::len), Some(2), "{export:#}");
    let first = export["demandes"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["action"] == "pfmp"))
        .expect("the closed request");
    assert_eq!(first["contact"]["email"], COMPANY);
    assert_eq!(first["message"], "Nous accueillons deux stagiaires en électricité.");
    assert!(first["histoire"].to_string().contains("06 12 34 56 78"), "its story: {first:#}");
    assert_eq!(export["comptes"][0]["email"], COMPANY);
    assert_eq!(export["contacts_partenaires"][0]["telephone"], "0612345678");
    assert!(export["journal"].as_array().is_some_and(|j| !j.is_empty()), "the account's creation is logged");

    // Erasing asks for confirmation first: nothing is erased yet.
    let (status, body) = data_form(&app, &admin, "/admin/donnees/effacer", &[("email", COMPANY)]).await;
    assert_eq!(status, 200);
    assert!(body.contains("Confirmer l'effacement des données de zoe.lhote@exemple.fr"), "{body}");
    assert_eq!(text(&app.db, &format!("SELECT contact_email FROM demandes WHERE id = '{id}'")).await, COMPANY);
    let (status, body) =
        data_form(&app, &admin, "/admin/donnees/effacer", &[("email", COMPANY), ("confirmer", "oui")]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("2\u{a0}demandes anonymisées dont 1\u{a0}annulée, 1\u{a0}compte"), "{body}");
    let open_id = open["id"].as_str().expect("id");
    assert_eq!(text(&app.db, &format!("SELECT statut FROM demandes WHERE id = '{open_id}'")).await, "annulee");
    assert_eq!(text(&app.db, &format!("SELECT contact_nom FROM demandes WHERE id = '{id}'")).await, "(effacé)");
    let erased = "SELECT CASE WHEN actif THEN 'actif' ELSE 'désactivé' END FROM comptes WHERE email LIKE 'efface+%'";
    assert_eq!(texts(&app.db, erased).await, ["désactivé"], "the account is deactivated");

    let (status, body) = data_form(&app, &admin, "/admin/donnees/export", &[("email", COMPANY)]).await;
    assert_eq!(status, 200);
    let after: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(after["adresse"], COMPANY, "the address asked about");
    assert_eq!(body.to_lowercase().matches("zoe").count(), 1, "only there: {body}");
    assert!(!body.contains("Zoé") && !body.contains("0612345678"), "{body}");
    for key in ["demandes", "comptes", "adhesions", "contacts_partenaires", "courriels", "journal"] {
        assert_eq!(after[key].as_array().map(Vec::len), Some(0), "{key}: {after:#}");
    }

    let audit = texts(&app.db, "SELECT action || ' ' || cible FROM audit ORDER BY quand, id").await;
    let ours: Vec<&String> = audit.iter().filter(|l| l.starts_with("donnees_")).collect();
    assert_eq!(ours.len(), 3, "two exports and one erasure: {audit:?}");
    assert!(ours.iter().all(|l| l.contains(" empreinte:")), "{ours:?}");
    assert!(audit.iter().any(|l| l.starts_with("donnees_effacees")), "{audit:?}");
    assert!(!audit.iter().any(|l| l.to_lowercase().contains(COMPANY)), "no address in clear: {audit:?}");

    // Anyone else: 404.
    let rbe = app.account("rbe.lyon@ac-lyon.fr", Role::Rbe, &[&pilot], None).await;
    let rbe = app.signed_in(&rbe).await;
    for path in ["/admin/donnees/export", "/admin/donnees/effacer"] {
        let (status, _, _) = app.submit_form_as(&rbe, "/espace", path, &[("email", COMPANY)]).await;
        assert_eq!(status, 404, "{path}");
    }
}
on_both_engines!(export_and_erase);

/// The "Données personnelles" page states the retention configured.
async fn privacy_page_states_retention(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (status, html) = app.get_text("/donnees-personnelles").await;
    assert_eq!(status, 200);
    assert!(html.contains("puis 24 mois après sa fin"), "{html}");
    assert!(html.contains("mission de service public"), "{html}");
    assert!(html.contains("24 heures après leur envoi"), "{html}");
}
on_both_engines!(privacy_page_states_retention);
