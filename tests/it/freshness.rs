//! What pages keep in memory stays true (issue 25): two instances of the
//! service share one database, as behind a load balancer; an officer
//! joins, changes the showcase, declares a need, publishes an event and a
//! company registers on one of them, and the other's cached pages show each change
//! at the very next request — no waiting, no refresh of its own.

use crate::on_both_engines;
use crate::support::{Engine, Options, TestApp, TestDb};
use monlyceepro::accounts::Role;
use monlyceepro::clock::Clock;
use monlyceepro::storage::Db;

/// A page's text with the escapes of quotes and ampersands undone.
fn plain(html: &str) -> String {
    html.replace("&#39;", "'").replace("&#x27;", "'").replace("&amp;", "&").replace("&#38;", "&")
}

async fn text(app: &TestApp, path: &str) -> String {
    let (status, body) = app.get_text(path).await;
    assert_eq!(status, 200, "{path}");
    plain(&body)
}

/// "14/01/2027" of an instant, for the forms.
fn day(t: time::OffsetDateTime) -> String {
    format!("{:02}/{:02}/{}", t.day(), u8::from(t.month()), t.year())
}

async fn changes_show_at_once_on_the_other_instance(engine: Engine) {
    let a = TestApp::spawn(engine).await;
    let url = a.database_url().to_string();
    let second = Db::connect(&url).await.expect("seconde connexion");
    let b = TestApp::spawn_on(TestDb::unmanaged(second, url), Options::default()).await;
    // A lycée of Lyon teaching electricians, and one of its diplomas.
    let index = a.state.search.index();
    let lycee = index
        .lycees
        .iter()
        .filter(|l| l.commune_code.starts_with("6938") && l.position.is_some())
        .find(|l| l.offers.iter().any(|o| o.romes.first().is_some_and(|r| r == "F1602")))
        .expect("un lycée de Lyon qui forme des électriciens");
    let uai = lycee.uai.clone();
    let cfd = lycee.offers.iter().find(|o| o.romes.first().is_some_and(|r| r == "F1602")).expect("diplôme").cfd.clone();
    let showcase = format!("/lycees/{uai}");
    let stages = "/stages?q=electricien&commune=69123&rayon_km=30";
    let events = "/evenements?commune=69003";
    // Instance B has every page in its caches.
    for path in [showcase.as_str(), stages, events, &format!("/api/v1/lycees/{uai}")] {
        let _ = text(&b, path).await;
        let _ = text(&b, path).await;
    }
    let nobody = "id=\"via-coordination\"";
    assert!(!text(&b, &showcase).await.contains(nobody), "une adresse du lycée est connue");

    // The coordination removes the lycée's only address on A: B's showcase
    // says at once that a request would go through the coordination; an
    // officer's account opened on A, and it no longer does.
    let mut tx = a.db.begin().await.expect("transaction");
    assert!(monlyceepro::storage::reach::clear_entered(&mut tx, &uai).await.expect("base"), "adresse saisie");
    tx.commit().await.expect("validation");
    assert!(text(&b, &showcase).await.contains(nobody), "personne ne lit plus ce lycée");
    let rbe_id = a.account("rbe.fraicheur@ac-lyon.fr", Role::Rbe, &[&uai], None).await;
    assert!(!text(&b, &showcase).await.contains(nobody), "la vitrine de B sait qu'un référent lit le lycée");
    let officer = a.signed_in(&rbe_id).await;

    // The showcase edited on A: B's cached page says it at once.
    let editor = format!("/espace/lycees/{uai}/vitrine");
    let words = "Atelier de domotique ouvert aux entreprises le mercredi";
    let (status, _, html) =
        a.submit_form_as(&officer, &editor, &editor, &[("presentation", words), ("actions", "pfmp")]).await;
    assert_eq!(status, 303, "{html}");
    assert!(text(&b, &showcase).await.contains(words), "la vitrine de B");

    // A need declared on A: in B's `/stages` and on B's showcase at once.
    let period = [("diplome", cfd.as_str()), ("annee", "2026-2027"), ("debut", "12/01/2027"), ("fin", "20/02/2027")];
    let (status, _, html) = a.submit_form_as(&officer, &editor, &format!("/espace/lycees/{uai}/pfmp"), &period).await;
    assert_eq!(status, 303, "{html}");
    let period_id: String =
        crate::support::one(&a.db, &format!("SELECT id FROM periodes_pfmp WHERE uai = '{uai}'")).await;
    let page = format!("/espace/lycees/{uai}/stages");
    let need = [("periode", period_id.as_str()), ("places", "7"), ("note", "")];
    let (status, _, html) = a.submit_form_as(&officer, &page, &page, &need).await;
    assert_eq!(status, 303, "{html}");
    let sentence = "Nous cherchons encore des entreprises pour accueillir 7\u{a0}élèves";
    assert!(text(&b, stages).await.contains(sentence), "les stages de B");
    assert!(text(&b, &showcase).await.contains(sentence), "la vitrine de B");

    // An event published on A: in B's list and on B's showcase at once.
    let date = day(a.clock.now() + time::Duration::days(12));
    let form = [
        ("genre", "job_dating"),
        ("titre", "Job dating de l'électricité"),
        ("date", date.as_str()),
        ("heure_debut", "14:00"),
        ("heure_fin", "17:00"),
        ("date_fin", ""),
        ("lieu", "Atelier du lycée"),
        ("adresse", ""),
        ("public_vise", "Entreprises de l'électricité"),
        ("capacite", "1"),
        ("description", ""),
    ];
    let events_page = format!("/espace/lycees/{uai}/evenements");
    let (status, _, html) = a.submit_form_as(&officer, &events_page, &events_page, &form).await;
    assert_eq!(status, 303, "{html}");
    let list = text(&b, events).await;
    assert!(list.contains("Job dating de l'électricité") && list.contains("1\u{a0}place restante"), "{list}");
    assert!(text(&b, &showcase).await.contains("Job dating de l'électricité"), "la vitrine de B");

    // Its one place taken through A: B's list says it is full at once.
    let id: String = crate::support::one(&a.db, "SELECT id FROM evenements WHERE titre LIKE 'Job dating%'").await;
    let event = monlyceepro::storage::events::event(&a.db, &id).await.expect("base").expect("événement");
    let told = monlyceepro::events::Told { event: &event.event, lycee: "Lycée", departement: "69", base_url: &a.base };
    let who = monlyceepro::events::Registrant {
        entreprise: "Volt Lyon".into(),
        nom: "Durand".into(),
        email: "contact@volt.example".into(),
        personnes: 1,
        ..Default::default()
    };
    let now = a.clock.now();
    let r = monlyceepro::events::register(&a.db, &a.state.signer, &told, &who, now)
        .await
        .expect("base")
        .expect("inscription");
    monlyceepro::events::confirm(&a.db, &a.state.signer, &told, &r.id, now).await.expect("confirmation");
    let list = text(&b, events).await;
    assert!(list.contains("Job dating de l'électricité") && !list.contains("1\u{a0}place restante"), "{list}");
}

on_both_engines!(changes_show_at_once_on_the_other_instance);
