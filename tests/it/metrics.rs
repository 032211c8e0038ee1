//! The business figures of `/metrics`, read from the database at scrape
//! time: requests created, routed, taken and closed by outcome; emails
//! queued, sent and given up, and how long the oldest one waits; how late
//! the schedule is. Time moves with the test's clock.

use crate::demandes::request;
use crate::on_both_engines;
use crate::support::{Engine, TestApp, exec};
use monlyceepro::accounts::Role;
use monlyceepro::storage::Db;
use std::time::Duration;
use time::OffsetDateTime;
use time::macros::datetime;

/// Monday 9 November 2026, 09:00 in Lyon.
const START: OffsetDateTime = datetime!(2026-11-09 08:00 UTC);

/// The value of one series (`name{labels}` as written) in a scrape.
fn value(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("pas de série {series} dans\n{metrics}"))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{series}: {e}"))
}

async fn scrape(app: &TestApp) -> String {
    let (status, text) = app.get_text("/metrics").await;
    assert_eq!(status, 200);
    text
}

async fn count(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn worker(app: &TestApp, smtp_url: Option<&str>) -> monlyceepro::jobs::Worker {
    let mailer = monlyceepro::mail::Mailer::new(smtp_url, &app.state.config.mail_from, &app.state.config.var_dir)
        .expect("courriel");
    let mut w = monlyceepro::web::worker_of(&app.state, mailer);
    w.retry_base = Duration::ZERO;
    w
}

/// A request taken and closed, another left waiting: the figures follow,
/// the emails go from queued to sent or given up, the oldest one's age
/// and the schedule's lag grow with the clock.
async fn business_figures(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    exec(&app.db, "UPDATE lycees SET email = 'ce.' || LOWER(uai) || '@ac-lyon.fr' WHERE departement_code = '69'").await;
    crate::support::prefer_directory(&app.db).await;
    app.clock.set(START);

    let m = scrape(&app).await;
    for s in domain::lifecycle::RequestStatus::ALL {
        assert_eq!(value(&m, &format!("mlp_demandes{{statut=\"{s}\"}}")), 0.0, "every status, 0 included");
    }
    assert_eq!(value(&m, "mlp_courriels{statut=\"a_envoyer\"}"), 0.0);
    assert_eq!(value(&m, "mlp_courriels_plus_ancien_en_attente_secondes"), 0.0);
    assert_eq!(value(&m, "mlp_echeancier_retard_secondes"), 0.0);

    // A request, taken then closed by its pilot lycée in the workspace.
    let (status, created) = app.post_json("/api/v1/demandes", &request("metriques.a@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let reference = created["reference"].as_str().expect("référence").to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let rbe = app.signed_in(&app.account("rbe.metriques@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let page = format!("/espace/demandes/{reference}");
    let (status, _, html) = app.submit_form_as(&rbe, &page, &format!("{page}/prendre"), &[]).await;
    assert_eq!(status, 303, "{html}");
    let (status, _, html) =
        app.submit_form_as(&rbe, &page, &format!("{page}/cloturer"), &[("issue", "realisee")]).await;
    assert_eq!(status, 303, "{html}");

    let m = scrape(&app).await;
    assert_eq!(value(&m, "mlp_demandes{statut=\"cloturee\"}"), 1.0);
    assert_eq!(value(&m, "mlp_demandes{statut=\"transmise\"}"), 0.0);
    assert_eq!(value(&m, "mlp_demandes_issues{issue=\"realisee\"}"), 1.0);
    assert_eq!(value(&m, "mlp_demandes_issues{issue=\"partenariat\"}"), 0.0);
    assert_eq!(value(&m, "mlp_demandes_creees"), 1.0);
    assert_eq!(value(&m, "mlp_demandes_routees"), 1.0);
    assert_eq!(value(&m, "mlp_demandes_prises"), 1.0);
    let queued = count(&app.db, "SELECT COUNT(*) FROM outbox").await;
    assert!(queued >= 2, "the lycées and the company are told: {queued}");
    assert_eq!(value(&m, "mlp_courriels{statut=\"a_envoyer\"}"), queued as f64);
    assert_eq!(value(&m, "mlp_courriels{statut=\"envoye\"}"), 0.0);
    assert!(value(&m, "mlp_courriels_plus_ancien_en_attente_secondes") < 60.0);

    // Twenty minutes without a worker: the oldest email waits.
    app.clock.set(START + time::Duration::minutes(20));
    let age = value(&scrape(&app).await, "mlp_courriels_plus_ancien_en_attente_secondes");
    assert!((1100.0..1300.0).contains(&age), "{age}");

    // Delivered: nothing waits any more.
    assert_eq!(worker(&app, None).deliver_due().await.expect("envoi") as i64, queued);
    let m = scrape(&app).await;
    assert_eq!(value(&m, "mlp_courriels{statut=\"a_envoyer\"}"), 0.0);
    assert_eq!(value(&m, "mlp_courriels{statut=\"envoye\"}"), queued as f64);
    assert_eq!(value(&m, "mlp_courriels_plus_ancien_en_attente_secondes"), 0.0);

    // Another request, whose emails meet a dead SMTP server until given up.
    let mut other = request("metriques.b@exemple.fr");
    other["entreprise"] = serde_json::json!({"nom": "Plomberie Martin"});
    other["action"] = serde_json::json!("visite");
    let (status, created) = app.post_json("/api/v1/demandes", &other).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    let more = count(&app.db, "SELECT COUNT(*) FROM outbox").await - queued;
    let dead = worker(&app, Some("smtp://127.0.0.1:1"));
    for _ in 0..12 {
        dead.deliver_due().await.expect("essai");
    }
    let m = scrape(&app).await;
    assert_eq!(value(&m, "mlp_courriels{statut=\"echec\"}"), more as f64, "given up after its attempts");
    assert_eq!(value(&m, "mlp_courriels{statut=\"a_envoyer\"}"), 0.0);
    let statut = sqlx_text(&app.db, &format!("SELECT statut FROM demandes WHERE id = '{id}'")).await;
    assert_eq!(value(&m, &format!("mlp_demandes{{statut=\"{statut}\"}}")), 1.0, "{statut}");
    assert_eq!(value(&m, "mlp_demandes_creees"), 2.0);
    assert_eq!(value(&m, "mlp_demandes_routees"), 2.0, "{statut}");
    assert_eq!(value(&m, "mlp_demandes_prises"), 1.0);
    assert_eq!(value(&m, "mlp_echeancier_retard_secondes"), 0.0, "nothing due yet");

    // Ten days later, the schedule has not run: its lag is the age of the
    // step that fell due.
    let due = monlyceepro::clock::parse(
        &sqlx_text(&app.db, &format!("SELECT prochaine_echeance FROM demandes WHERE id = '{id}'")).await,
    )
    .expect("échéance");
    app.clock.set(START + time::Duration::days(10));
    let lag = value(&scrape(&app).await, "mlp_echeancier_retard_secondes");
    let expected = (START + time::Duration::days(10) - due).whole_seconds() as f64;
    assert!(expected > 0.0 && (lag - expected).abs() < 120.0, "{lag} vs {expected}");
}
on_both_engines!(business_figures);

async fn sqlx_text(db: &Db, sql: &str) -> String {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
