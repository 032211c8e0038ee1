//! The life of a request after routing, through the real server, its
//! worker and a real SMTP exchange, time moved forward by the test's clock
//! (never rows rewritten): reminders on French working days across 11
//! November, the pilot role moving on, the escalation to the coordinator,
//! the honest end `sans_reponse` with alternatives, the company's re-open;
//! a request taken without a word, then without an outcome; the close and
//! the company's word, shown to the lycée and its coordinator.

use crate::demandes::request;
use crate::on_both_engines;
use crate::support::{Engine, Mail, Options, SmtpSink, TestApp, exec};
use domain::calendar::WorkingCalendar;
use monlyceepro::accounts::Role;
use monlyceepro::storage::Db;
use time::OffsetDateTime;
use time::macros::datetime;

/// Monday 9 November 2026, 09:00 in Lyon.
const START: OffsetDateTime = datetime!(2026-11-09 08:00 UTC);

fn lyon() -> WorkingCalendar<'static> {
    WorkingCalendar::new("69", Some("Lyon"), None)
}

/// `n` working days after the start, and a minute.
fn after(n: u32) -> OffsetDateTime {
    lyon().add_working_days(START, n) + time::Duration::minutes(1)
}

async fn text(db: &Db, sql: &str) -> String {
    crate::support::one(db, sql).await
}

/// Moves time to `at` and lets the schedule run (the lease of the job
/// freed, as an hour later); how many requests changed.
async fn tick_at(app: &TestApp, worker: &monlyceepro::jobs::Worker, at: OffsetDateTime) -> usize {
    app.clock.set(at);
    exec(&app.db, "UPDATE taches SET verrou_jusqu = NULL WHERE nom = 'echeancier'").await;
    let n = worker.run_schedule().await.expect("échéancier");
    app.state.wake.notify_one();
    n
}

fn worker(app: &TestApp) -> monlyceepro::jobs::Worker {
    let mailer =
        monlyceepro::mail::Mailer::new(None, &app.state.config.mail_from, &app.state.config.var_dir).expect("courriel");
    monlyceepro::web::worker_of(&app.state, mailer)
}

/// The path of the first link starting with `prefix` in an email.
fn link(mail: &Mail, prefix: &str) -> String {
    let t = mail.text();
    let start = t.find(prefix).unwrap_or_else(|| panic!("pas de lien {prefix} dans {t}"));
    t[start..].chars().take_while(|c| !c.is_whitespace()).collect()
}

/// Every lycée of the Rhône gets an address, so that every email of the
/// story really leaves.
async fn addresses(app: &TestApp) {
    exec(
        &app.db,
        "UPDATE lycees SET email = 'ce.' || LOWER(uai) || '@ac-lyon.fr' WHERE departement_code = '69' OR departement_code = '01' \
         OR departement_code = '38' OR departement_code = '42'",
    )
    .await;
    crate::support::prefer_directory(&app.db).await;
}

/// Nobody takes a request: reminded on the right working days (not on 11
/// November), the pilot role moves, the coordinator is told, the request
/// ends `sans_reponse` with what can still be done, and the company
/// re-opens it once.
async fn nobody_answers(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    addresses(&app).await;
    app.account("cmee@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await;
    app.clock.set(START);
    let (status, created) = app.post_json("/api/v1/demandes", &request("personne@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    let follow = created["suivi_url"].as_str().expect("suivi").trim_start_matches(&app.base).to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_lowercase();
    let support = created["destinataires"][1]["uai"].as_str().expect("appui").to_lowercase();
    let w = worker(&app);

    // Tuesday: one working day, nothing. Wednesday 11th: a holiday.
    assert_eq!(tick_at(&app, &w, after(1)).await, 0);
    assert_eq!(tick_at(&app, &w, datetime!(2026-11-11 20:00 UTC)).await, 0, "11 November is not a working day");
    // Thursday 12th: two working days, the pilot is reminded.
    assert_eq!(after(2).date(), time::macros::date!(2026 - 11 - 12));
    assert_eq!(tick_at(&app, &w, after(2)).await, 1);
    let reminder = smtp
        .wait_for(1, |m| m.to.iter().any(|t| t.contains(&pilot)) && m.header("Subject").starts_with("Rappel"))
        .await;
    assert!(reminder[0].text().contains("Sans prise en charge d'ici le 13/11/2026"), "{}", reminder[0].text());
    let (_, page) = app.get_text(&follow).await;
    assert!(page.contains("12/11/2026") && page.contains("Relance envoyée à"), "the company sees the reminder");
    assert!(page.contains("pas de prise en charge depuis 2 jours ouvrés"), "the reminder says why: {page}");
    assert_eq!(tick_at(&app, &w, after(2) + time::Duration::hours(2)).await, 0, "reminded once");

    // Friday 13th: three working days, the pilot role moves on.
    assert_eq!(tick_at(&app, &w, after(3)).await, 1);
    let roles = text(
        &app.db,
        &format!(
            "SELECT role || ':' || statut FROM destinataires WHERE demande_id = '{id}' AND LOWER(uai) = '{support}'"
        ),
    )
    .await;
    assert_eq!(roles, "pilote:nouvelle");

    // Five working days: every lycée still asked is reminded (not the
    // pilot that left), and the company's page says why.
    assert_eq!(tick_at(&app, &w, after(5)).await, 1);
    let everyone = smtp
        .wait_for(1, |m| {
            m.header("Subject").starts_with("Rappel")
                && !m.to.iter().any(|t| t.contains(&pilot))
                && !m.to.iter().any(|t| t.contains(&support))
        })
        .await;
    assert!(everyone[0].text().contains("attend toujours une réponse"), "{}", everyone[0].text());
    let (_, page) = app.get_text(&follow).await;
    assert!(
        page.contains("Relance envoyée aux lycées sollicités qui n&#39;avaient pas répondu : pas de prise en charge depuis 5 jours ouvrés")
            || page.contains("Relance envoyée aux lycées sollicités qui n'avaient pas répondu : pas de prise en charge depuis 5 jours ouvrés"),
        "{page}"
    );

    // Eight working days: the coordinator is told; the workspace and the
    // company's page say so.
    tick_at(&app, &w, after(8)).await;
    smtp.wait_for(1, |m| m.to.iter().any(|t| t == "cmee@ac-lyon.fr") && m.text().contains("8 jours ouvrés")).await;
    let (_, page) = app.get_text(&follow).await;
    assert!(page.contains("la demande est signalée à la coordination école-entreprise de l"), "{page}");
    let coordinator =
        app.signed_in(&app.account("cmee2@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await).await;
    let inbox = coordinator
        .get(format!("{}/espace?statut=non_prises", app.base))
        .send()
        .await
        .expect("boîte")
        .text()
        .await
        .expect("corps");
    assert!(inbox.contains("Signalée à la coordination"), "{inbox}");

    // Twenty working days: the honest end, with alternatives.
    for n in 9..=20 {
        tick_at(&app, &w, after(n)).await;
    }
    assert_eq!(text(&app.db, &format!("SELECT statut FROM demandes WHERE id = '{id}'")).await, "sans_reponse");
    let end = smtp
        .wait_for(1, |m| {
            m.to.iter().any(|t| t == "personne@exemple.fr") && m.header("Subject").contains("pas de réponse")
        })
        .await;
    let body = end[0].text();
    for expected in ["Relancer votre demande", "labonnealternance", "1jeune1solution", "immersion-facile", &follow] {
        assert!(body.contains(expected), "{expected}: {body}");
    }
    assert_eq!(tick_at(&app, &w, after(25)).await, 0, "nothing after the end");
    let (_, page) = app.get_text(&follow).await;
    assert!(page.contains("Relancer ma demande") && !page.contains("vous répondra"), "{page}");
    assert!(!page.contains("pas encore répondu"), "nobody is still 'not answered' on an ended request");

    // The company re-opens it, once.
    let (status, _, html) = app.submit_form(&follow, &format!("{follow}/relancer"), &[]).await;
    assert_eq!(status, 303, "{html}");
    let statut = text(&app.db, &format!("SELECT statut FROM demandes WHERE id = '{id}'")).await;
    assert!(statut == "transmise" || statut == "en_attente", "{statut}");
    let (status, _, _) = app.submit_form(&follow, &format!("{follow}/relancer"), &[]).await;
    assert_eq!(status, 409, "once");

    // Every transition is counted.
    let (_, metrics) = app.get_text("/metrics").await;
    for t in ["relance_pilote", "pilote_change", "escaladee", "sans_reponse", "rouverte"] {
        assert!(metrics.contains(&format!("mlp_demandes_transitions_total{{transition=\"{t}\"}}")), "{t}");
    }
}
on_both_engines!(nobody_answers);

/// Taken without a word to the company: the lycée is reminded after 5
/// working days; 45 days without an outcome: asked to close it in one
/// click; the company is told, asked for its word, answers once; the lycée
/// and its coordinator see it. The lycée re-opens within 30 days, not
/// after. The story keeps its order within one second.
async fn taken_then_closed_and_rated(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    addresses(&app).await;
    app.clock.set(START);
    let (_, created) = app.post_json("/api/v1/demandes", &request("avis@exemple.fr")).await;
    let id = created["id"].as_str().expect("id").to_string();
    let reference = created["reference"].as_str().expect("référence").to_string();
    let follow = created["suivi_url"].as_str().expect("suivi").trim_start_matches(&app.base).to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let mail = smtp.wait_for(1, |m| m.to.iter().any(|t| t.contains(&pilot.to_lowercase()))).await;
    let take = link(&mail[0], "/r/").split('/').take(3).collect::<Vec<_>>().join("/") + "/prendre";
    let (status, _, html) = app.submit_form(&take, &take, &[("nom", "Mme Martin")]).await;
    assert_eq!(status, 200, "{html}");
    let w = worker(&app);
    assert_eq!(tick_at(&app, &w, after(4)).await, 0);
    assert_eq!(tick_at(&app, &w, after(5)).await, 1, "no message after 5 working days: a reminder");
    smtp.wait_for(1, |m| m.header("Subject").contains("attend votre message")).await;

    // The lycée writes; in the same second the company's page shows the
    // take before the message.
    let rbe = app.signed_in(&app.account("rbe.avis@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let page = format!("/espace/demandes/{reference}");
    let (status, _, _) =
        app.submit_form_as(&rbe, &page, &format!("{page}/ecrire"), &[("texte", "Bonjour, je vous appelle.")]).await;
    assert_eq!(status, 303);
    let (_, follow_page) = app.get_text(&follow).await;
    let (taken_at, message_at) = (
        follow_page.find("Prise en charge par").expect("prise"),
        follow_page.find("je vous appelle").expect("message"),
    );
    assert!(taken_at < message_at, "the story keeps its order");

    // 45 days later: asked to close, in one click.
    assert_eq!(tick_at(&app, &w, START + time::Duration::days(45) + time::Duration::minutes(1)).await, 1);
    let ask = smtp.wait_for(1, |m| m.header("Subject").contains("quelle a été la suite")).await;
    let close = link(&ask[0], "/r/");
    assert!(close.contains("/cloturer?issue="), "{close}");
    // The email says what its link does, and does only that: the click
    // opens a page that asks to confirm (mail scanners follow links).
    let asked = ask[0].text();
    assert!(
        asked.contains("vous demande de confirmer la clôture") && asked.contains("rien n'est fait avant"),
        "{asked}"
    );
    let (status, form) = app.get_text(&close).await;
    assert_eq!(status, 200);
    assert!(form.contains("checked"), "the clicked outcome is chosen");
    assert_eq!(text(&app.db, &format!("SELECT statut FROM demandes WHERE id = '{id}'")).await, "prise_en_charge");
    let action = close.split('?').next().expect("lien").to_string();
    let (status, _, html) = app.submit_form(&close, &action, &[("nom", "Mme Martin"), ("issue", "partenariat")]).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        text(&app.db, &format!("SELECT statut || ':' || issue FROM demandes WHERE id = '{id}'")).await,
        "cloturee:partenariat"
    );

    // The company is told, without being asked to reply, and asked its word.
    let closed = smtp.wait_for(1, |m| m.header("Subject").contains("est clôturée")).await;
    assert!(!closed[0].text().contains("Pour répondre"), "{}", closed[0].text());
    let ask = smtp.wait_for(1, |m| m.header("Subject").contains("utile")).await;
    let four = link(&ask[0], "/avis/");
    assert!(four.contains("note=5"), "{four}");
    let four = four.replace("note=5", "note=4");
    let asked = ask[0].text();
    assert!(
        asked.contains("rien n'est enregistré tant que vous n'avez pas cliqué sur")
            && asked.contains("Envoyer mon avis")
            && !asked.contains("Un clic suffit"),
        "{asked}"
    );
    let (status, html) = app.get_text(&four).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Envoyer mon avis"), "the page has the button the email names: {html}");
    assert_eq!(
        text(
            &app.db,
            &format!("SELECT COALESCE(CAST(satisfaction AS TEXT), 'aucune') FROM demandes WHERE id = '{id}'")
        )
        .await,
        "aucune",
        "following the link records nothing"
    );
    let csrf = crate::support::csrf_of(&html).expect("csrf");
    let action = four.split('?').next().expect("lien").to_string();
    let (status, _, html) =
        app.submit_form(&four, &action, &[("note", "4"), ("commentaire", "Réactifs et clairs.")]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("votre avis est enregistré"), "{html}");
    let (_, again) = app.get_text(&four).await;
    assert!(again.contains("déjà enregistré") && !again.contains("name=\"note\""), "answered once: {again}");
    let res = app
        .client
        .post(format!("{}{action}", app.base))
        .form(&[("csrf", csrf.as_str()), ("note", "1")])
        .send()
        .await
        .expect("envoi");
    assert_eq!(res.status(), 409, "answered once");
    assert_eq!(text(&app.db, &format!("SELECT CAST(satisfaction AS TEXT) FROM demandes WHERE id = '{id}'")).await, "4");

    // The follow-up page no longer promises an answer.
    let (_, follow_page) = app.get_text(&follow).await;
    assert!(!follow_page.contains("vous répondra") && !follow_page.contains("pas encore répondu"), "{follow_page}");
    assert!(follow_page.contains("Clôturée le"), "{follow_page}");

    // The lycée and its coordinator see the company's word (signed in
    // again: sessions last 12 hours, and 45 days went by).
    let rbe = app.signed_in(&app.account("rbe.avis@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let coordinator =
        app.signed_in(&app.account("cmee.avis@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await).await;
    for who in [&rbe, &coordinator] {
        let html = who.get(format!("{}{page}", app.base)).send().await.expect("page").text().await.expect("corps");
        assert!(html.contains("4 sur 5") && html.contains("Réactifs et clairs."), "{html}");
    }

    // Re-opened by the lycée within 30 days; not after.
    app.clock.set(START + time::Duration::days(46));
    let rbe = app.signed_in(&app.account("rbe.avis@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let (status, _, html) = app.submit_form_as(&rbe, &page, &format!("{page}/rouvrir"), &[]).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(text(&app.db, &format!("SELECT statut FROM demandes WHERE id = '{id}'")).await, "prise_en_charge");
    let (status, _, _) = app.submit_form_as(&rbe, &page, &format!("{page}/cloturer"), &[("issue", "realisee")]).await;
    assert_eq!(status, 303);
    app.clock.set(START + time::Duration::days(46 + 31));
    let rbe = app.signed_in(&app.account("rbe.avis@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let (status, _, _) = app.submit_form_as(&rbe, &page, &format!("{page}/rouvrir"), &[]).await;
    assert_eq!(status, 404, "too late to re-open");
}
on_both_engines!(taken_then_closed_and_rated);

/// With the official school calendar in the data directory, the Toussaint
/// holidays of Lyon are not working days: a request sent on the Friday
/// before them is not reminded on the Tuesday after; without the calendar,
/// it is.
async fn school_holidays_are_not_working_days(engine: Engine) {
    let fixture = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/domain/tests/fixtures/fr-en-calendrier-scolaire.csv"),
    )
    .expect("calendrier scolaire de test");
    let with = crate::support::data_dir_with(&[(monlyceepro::web::SCHOOL_CALENDAR, &fixture)]);
    for (data_dir, reminded) in [(Some(with), 0), (None, 1)] {
        let app = TestApp::spawn_with(engine, Options { data_dir, ..Options::default() }).await;
        assert_eq!(app.state.requests.school.is_some(), reminded == 0);
        // Friday 16 October 2026, 10:00 in Lyon.
        app.clock.set(datetime!(2026-10-16 08:00 UTC));
        let (status, created) = app.post_json("/api/v1/demandes", &request("vacances@exemple.fr")).await;
        assert_eq!(status, 201, "{created}");
        let w = worker(&app);
        assert_eq!(tick_at(&app, &w, datetime!(2026-10-20 09:00 UTC)).await, reminded, "Tuesday 20 October");
    }
}
on_both_engines!(school_holidays_are_not_working_days);

/// The database keeps to the domain's codes: every status, role and
/// outcome of `domain::lifecycle` is accepted by the CHECK constraints,
/// anything else is refused.
async fn the_database_keeps_to_the_domain_codes(engine: Engine) {
    use domain::lifecycle::{Outcome, RecipientRole, RecipientStatus, RequestStatus};
    let app = TestApp::spawn(engine).await;
    let (_, created) = app.post_json("/api/v1/demandes", &request("codes@exemple.fr")).await;
    let id = created["id"].as_str().expect("id").to_string();
    let try_sql = |sql: String| {
        let db = app.db.clone();
        async move {
            match &db {
                Db::Sqlite(p) => sqlx::query(&sql).execute(p).await.map(|_| ()),
                Db::Postgres(p) => sqlx::query(&sql).execute(p).await.map(|_| ()),
            }
        }
    };
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("UPDATE demandes SET statut = '{}' WHERE id = '{id}'", RequestStatus::ALL.iter().map(|s| s.code()).collect()),
        ("UPDATE demandes SET issue = '{}' WHERE id = '{id}'", Outcome::ALL.iter().map(|s| s.code()).collect()),
        (
            "UPDATE destinataires SET role = '{}' WHERE demande_id = '{id}'",
            RecipientRole::ALL.iter().map(|s| s.code()).collect(),
        ),
        (
            "UPDATE destinataires SET statut = '{}' WHERE demande_id = '{id}'",
            RecipientStatus::ALL.iter().map(|s| s.code()).collect(),
        ),
    ];
    for (template, codes) in cases {
        let sql = |code: &str| template.replace("{id}", &id).replace("{}", code);
        for code in codes {
            assert!(try_sql(sql(code)).await.is_ok(), "{code} accepted: {}", sql(code));
        }
        assert!(try_sql(sql("ouverte")).await.is_err(), "refused: {}", sql("ouverte"));
    }
}
on_both_engines!(the_database_keeps_to_the_domain_codes);

/// A company's message is unread per lycée: for every lycée still asked
/// while nobody took the request, for the leading one afterwards; opening
/// the request as an officer of one lycée reads it for that lycée only.
async fn a_company_message_is_unread_per_lycee(engine: Engine) {
    use domain::lifecycle::Event;
    use monlyceepro::requests::Action;
    let app = TestApp::spawn(engine).await;
    app.clock.set(START);
    let (status, created) = app.post_json("/api/v1/demandes", &request("non.lu@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let told: Vec<String> = created["destinataires"]
        .as_array()
        .expect("destinataires")
        .iter()
        .filter(|r| r["role"] != "reserve")
        .map(|r| r["uai"].as_str().expect("uai").to_string())
        .collect();
    assert!(told.len() >= 2, "{created}");
    let reference = created["reference"].as_str().expect("référence");
    let id = text(&app.db, &format!("SELECT id FROM demandes WHERE reference = '{reference}'")).await;
    let unread = |uai: String| {
        let (db, id) = (app.db.clone(), id.clone());
        async move {
            text(
                &db,
                &format!(
                    "SELECT COALESCE(message_non_lu_le, '-') FROM destinataires WHERE demande_id = '{id}' AND uai = '{uai}'"
                ),
            )
            .await
        }
    };
    let index = app.state.search.index();
    let service = &app.state.requests;
    let write = || Action::new(Event::CompanyWrites, "Zoé L'Hôte").with_text("Des nouvelles ?");
    let applied = service.act(&index, &id, write(), after(1)).await.expect("message");
    assert_eq!(applied.plan.unread, told);
    for uai in &told {
        assert_ne!(unread(uai.clone()).await, "-", "{uai}");
    }
    // The pilot's officer opens it: read for the pilot, not for the others.
    assert!(service.opened_by(&id, &told[0]).await.expect("lu"));
    assert!(!service.opened_by(&id, &told[0]).await.expect("déjà lu"));
    assert_eq!(unread(told[0].clone()).await, "-");
    assert_ne!(unread(told[1].clone()).await, "-");

    // Taken by the pilot: the next message waits for it alone.
    service
        .act(&index, &id, Action::new(Event::Take { uai: told[0].clone() }, "Camille"), after(1))
        .await
        .expect("prise");
    service.opened_by(&id, &told[1]).await.expect("lu");
    let applied = service.act(&index, &id, write(), after(2)).await.expect("message");
    assert_eq!(applied.plan.unread, vec![told[0].clone()]);
    assert_ne!(unread(told[0].clone()).await, "-");
    assert_eq!(unread(told[1].clone()).await, "-");
}
on_both_engines!(a_company_message_is_unread_per_lycee);

/// A Moselle lycée and a company across the border, in Meurthe-et-Moselle:
/// Good Friday (26 March 2027) is a holiday in Moselle, not in the
/// company's commune. The pilot's deadlines count in the lycée's days: sent
/// on Wednesday 24 March, the pilot is reminded on Tuesday 30 (Easter
/// Monday in between), not on Friday 26, and told it has until Wednesday
/// 31; a lycée that took a request is reminded to write in its own days.
async fn a_moselle_lycee_keeps_good_friday(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    let index = app.state.search.index();
    let electricity = domain::matching::rome_id("F1602");
    // The Moselle lycée teaching electricity (bac pro) nearest to a commune
    // of Meurthe-et-Moselle.
    let (lycee, commune) = index
        .lycees
        .iter()
        .filter(|l| l.departement == "57")
        .filter(|l| {
            l.offers.iter().any(|o| o.niveau == domain::level::Niveau::BacPro && o.rome_ids.contains(&electricity))
        })
        .filter_map(|l| {
            let at = l.position?;
            index
                .places
                .iter()
                .filter(|p| p.departement == "54")
                .filter_map(|p| Some((p, p.position?.distance_km(&at))))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(p, km)| (l, p, km))
        })
        .min_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(l, p, _)| (l.uai.clone(), p.code_insee.clone()))
        .expect("un lycée mosellan qui forme à l'électricité");
    drop(index);
    exec(&app.db, &format!("UPDATE lycees SET email = 'ce.moselle@ac-nancy-metz.fr' WHERE uai = '{lycee}'")).await;
    crate::support::prefer_directory(&app.db).await;
    let ask = |email: &str| {
        let mut r = request(email);
        r["entreprise"] = serde_json::json!({"nom": "Électricité Klein"});
        r["commune"] = commune.clone().into();
        r["lycee"] = lycee.clone().into();
        r["periode"] = serde_json::json!({"debut": "2027-05-03", "fin": "2027-05-28"});
        r
    };

    // Taken on Tuesday 23 March without a word to the company: five
    // working days in Moselle are Thursday 1 April, not Wednesday 31 March.
    app.clock.set(datetime!(2027-03-23 08:00 UTC));
    let (status, created) = app.post_json("/api/v1/demandes", &ask("frontiere.prise@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["destinataires"][0]["uai"], lycee.as_str(), "the Moselle lycée leads: {created}");
    let taken = created["id"].as_str().expect("id").to_string();
    let index = app.state.search.index();
    let take = domain::lifecycle::Event::Take { uai: lycee.clone() };
    app.state
        .requests
        .act(&index, &taken, monlyceepro::requests::Action::new(take, "M. Klein"), datetime!(2027-03-23 09:00 UTC))
        .await
        .expect("prise en charge");
    drop(index);
    let reminded = || {
        let (db, id) = (app.db.clone(), taken.clone());
        async move { text(&db, &format!("SELECT COALESCE(relance_message_le, '-') FROM demandes WHERE id = '{id}'")).await }
    };

    // Wednesday 24 March 2027, 09:00 in Metz: a request nobody takes.
    app.clock.set(datetime!(2027-03-24 08:00 UTC));
    let (status, created) = app.post_json("/api/v1/demandes", &ask("frontiere@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["destinataires"][0]["uai"], lycee.as_str(), "the Moselle lycée leads: {created}");
    let w = worker(&app);
    // Friday 26 March: two working days in Meurthe-et-Moselle, one in Moselle.
    assert_eq!(tick_at(&app, &w, datetime!(2027-03-26 14:00 UTC)).await, 0, "Good Friday is a holiday in Moselle");
    // Tuesday 30 March (after Easter Monday): two working days in Moselle.
    assert_eq!(tick_at(&app, &w, datetime!(2027-03-30 08:00 UTC)).await, 1, "the pilot's reminder only");
    let reminder = smtp
        .wait_for(1, |m| {
            m.to.iter().any(|t| t == "ce.moselle@ac-nancy-metz.fr") && m.header("Subject").starts_with("Rappel")
        })
        .await;
    assert!(reminder[0].text().contains("Sans prise en charge d'ici le 31/03/2027"), "{}", reminder[0].text());

    // The lycée that took the other one: four working days on 31 March,
    // five on 1 April.
    tick_at(&app, &w, datetime!(2027-03-31 12:00 UTC)).await;
    assert_eq!(reminded().await, "-", "four working days in Moselle");
    tick_at(&app, &w, datetime!(2027-04-01 12:00 UTC)).await;
    assert_ne!(reminded().await, "-", "five working days in Moselle");
}
on_both_engines!(a_moselle_lycee_keeps_good_friday);

/// Closed, re-opened by the lycée, closed again: the company is asked
/// whether it was useful once, not at every close.
async fn the_company_is_asked_its_word_once(engine: Engine) {
    use domain::lifecycle::{Actor, Event, Outcome};
    use monlyceepro::requests::Action;
    let app = TestApp::spawn(engine).await;
    app.clock.set(START);
    let (status, created) = app.post_json("/api/v1/demandes", &request("une.fois@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let index = app.state.search.index();
    let service = &app.state.requests;
    let lycee = || Actor::Lycee(pilot.clone());
    let close = || Action::new(Event::Close { by: lycee(), outcome: Outcome::Realisee }, "Mme Martin");
    service
        .act(&index, &id, Action::new(Event::Take { uai: pilot.clone() }, "Mme Martin"), after(1))
        .await
        .expect("prise");
    service.act(&index, &id, close(), after(2)).await.expect("clôture");
    let reopen = Action::new(Event::Reopen { by: lycee(), candidates: Vec::new() }, "Mme Martin");
    service.act(&index, &id, reopen, after(3)).await.expect("réouverture");
    let again = service.act(&index, &id, close(), after(4)).await.expect("seconde clôture");
    assert!(!again.plan.emails.contains(&domain::lifecycle::Email::CompanySatisfaction));
    let asked = text(
        &app.db,
        &format!("SELECT CAST(COUNT(*) AS TEXT) FROM outbox WHERE demande_id = '{id}' AND sujet LIKE '%utile%'"),
    )
    .await;
    assert_eq!(asked, "1", "one « utile ? » email");
}
on_both_engines!(the_company_is_asked_its_word_once);

/// Lines written in the same second, under a frozen clock, come out in the
/// order they happened (the story's `ordre`, never the time or an id): a
/// take and five messages at one instant.
async fn the_story_keeps_its_order_within_one_instant(engine: Engine) {
    use domain::lifecycle::{Actor, Event};
    use monlyceepro::requests::Action;
    let app = TestApp::spawn(engine).await;
    app.clock.set(START);
    let (_, created) = app.post_json("/api/v1/demandes", &request("ordre@exemple.fr")).await;
    let id = created["id"].as_str().expect("id").to_string();
    let follow = created["suivi_url"].as_str().expect("suivi").trim_start_matches(&app.base).to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let index = app.state.search.index();
    let service = &app.state.requests;
    let instant = after(1);
    service
        .act(&index, &id, Action::new(Event::Take { uai: pilot.clone() }, "Mme Martin"), instant)
        .await
        .expect("prise");
    let words = ["Message un", "Message deux", "Message trois", "Message quatre", "Message cinq"];
    for w in words {
        let write = Action::new(Event::Write { by: Actor::Lycee(pilot.clone()) }, "Mme Martin").with_text(w);
        service.act(&index, &id, write, instant).await.expect("message");
    }
    let stored = monlyceepro::storage::requests::events(&app.db, &id).await.expect("histoire");
    let last = &stored[stored.len() - 6..];
    assert!(last.iter().all(|e| e.cree_le == last[0].cree_le), "one instant");
    let (_, page) = app.get_text(&follow).await;
    let mut at = page.find("Prise en charge par").expect("prise");
    for w in words {
        let next = page.find(w).unwrap_or_else(|| panic!("{w}: {page}"));
        assert!(next > at, "{w} after the line before it");
        at = next;
    }
}
on_both_engines!(the_story_keeps_its_order_within_one_instant);

/// Requests that had ended before the lifecycle kept recipients "not
/// answered": the migration gives them the status the lifecycle gives on
/// ending, and the follow-up page no longer says "pas encore répondu".
async fn requests_ended_before_the_lifecycle_end_their_recipients(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.clock.set(START);
    let mut ids = Vec::new();
    for (email, statut) in [("ancienne.close@exemple.fr", "cloturee"), ("ancienne.muette@exemple.fr", "sans_reponse")] {
        let mut asked = request(email);
        asked["entreprise"] = serde_json::json!({"nom": format!("Entreprise {statut}")});
        let (status, created) = app.post_json("/api/v1/demandes", &asked).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().expect("id").to_string();
        let follow = created["suivi_url"].as_str().expect("suivi").trim_start_matches(&app.base).to_string();
        // As the rows were before the lifecycle: ended, recipients untouched.
        exec(&app.db, &format!("UPDATE demandes SET statut = '{statut}', termine_le = cree_le WHERE id = '{id}'"))
            .await;
        ids.push((id, follow, statut));
    }
    let (_, before) = app.get_text(&ids[0].1).await;
    assert!(before.contains("pas encore répondu"), "the old rows as they were");
    let migration = include_str!("../../migrations/20261201000001_cycle_de_vie_suite.sql");
    for statement in migration.split(';') {
        let sql: String =
            statement.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
        if sql.trim_start().starts_with("UPDATE") {
            exec(&app.db, &sql).await;
        }
    }
    for (id, follow, statut) in &ids {
        let statuses = text(
            &app.db,
            &format!(
                "SELECT MIN(statut) || ':' || MAX(statut) FROM destinataires WHERE demande_id = '{id}' AND role <> 'reserve'"
            ),
        )
        .await;
        let expected = if *statut == "cloturee" { "cloturee:cloturee" } else { "expiree:expiree" };
        assert_eq!(statuses, expected, "{statut}");
        let (_, page) = app.get_text(follow).await;
        assert!(!page.contains("pas encore répondu"), "{statut}: {page}");
    }
}
on_both_engines!(requests_ended_before_the_lifecycle_end_their_recipients);

/// The counter of one transition in a `/metrics` body.
fn transitions(metrics: &str, name: &str) -> u64 {
    let key = format!("mlp_demandes_transitions_total{{transition=\"{name}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(key.as_str()))
        .unwrap_or_else(|| panic!("{name} absent de /metrics"))
        .trim()
        .parse()
        .expect("compteur")
}

/// Every transition of the lifecycle is on `/metrics` from the start (at
/// 0 when it never happened), and a story counts what happened: a
/// submission as `transmise`, a duplicate as `doublon` (not `transmise`),
/// the take, the message, the close. The counters are the process's,
/// shared by the tests running in parallel: counted as deltas, at least
/// what this story did.
async fn every_transition_is_counted(engine: Engine) {
    use domain::lifecycle::{Actor, Event, Outcome, Transition};
    use monlyceepro::requests::Action;
    let app = TestApp::spawn(engine).await;
    app.clock.set(START);
    let (_, before) = app.get_text("/metrics").await;
    for t in Transition::ALL {
        transitions(&before, t.code());
    }
    let (status, created) = app.post_json("/api/v1/demandes", &request("compteurs@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let (_, between) = app.get_text("/metrics").await;
    let (status, again) = app.post_json("/api/v1/demandes", &request("compteurs@exemple.fr")).await;
    assert_eq!((status, again["statut"].as_str()), (201, Some("doublon")), "{again}");
    let (_, after_duplicate) = app.get_text("/metrics").await;
    let id = created["id"].as_str().expect("id").to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let index = app.state.search.index();
    let service = &app.state.requests;
    let by = || Actor::Lycee(pilot.clone());
    service
        .act(&index, &id, Action::new(Event::Take { uai: pilot.clone() }, "Mme Martin"), after(1))
        .await
        .expect("prise");
    let write = Action::new(Event::Write { by: by() }, "Mme Martin").with_text("Bonjour");
    service.act(&index, &id, write, after(1)).await.expect("message");
    let close = Action::new(Event::Close { by: by(), outcome: Outcome::Partenariat }, "Mme Martin");
    service.act(&index, &id, close, after(2)).await.expect("clôture");
    let (_, after_story) = app.get_text("/metrics").await;
    let delta = |a: &str, b: &str, t: Transition| transitions(b, t.code()) - transitions(a, t.code());
    assert!(delta(&before, &between, Transition::Transmise) >= 1);
    assert!(delta(&between, &after_duplicate, Transition::Doublon) >= 1);
    for t in [Transition::PriseEnCharge, Transition::Message, Transition::Cloturee] {
        assert!(delta(&after_duplicate, &after_story, t) >= 1, "{t}");
    }
}
on_both_engines!(every_transition_is_counted);

/// Two workers on PostgreSQL run the schedule at the same instant,
/// bypassing the job's lease (as two instances whose leases overlap would):
/// every pilot is reminded once — each step is decided on the request's
/// locked row and recorded with it, so the second worker finds it done.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_schedules_at_once_remind_once_on_postgres() {
    let app = TestApp::spawn(Engine::Postgres).await;
    addresses(&app).await;
    app.clock.set(START);
    let mut ids = Vec::new();
    for i in 0..6 {
        let mut asked = request(&format!("deux.ouvriers.{i}@exemple.fr"));
        asked["entreprise"] = serde_json::json!({"nom": format!("Entreprise {i}")});
        let (status, created) = app.post_json("/api/v1/demandes", &asked).await;
        assert_eq!(status, 201, "{created}");
        ids.push(created["id"].as_str().expect("id").to_string());
    }
    // Two working days later: every pilot is due for its reminder; five:
    // the pilot role moved on, the new pilots and everyone are due.
    for n in [2, 5] {
        let at = after(n);
        let run = || {
            let (service, index) = (app.state.requests.clone(), app.state.search.index());
            tokio::spawn(async move { service.run_schedule(&index, at).await.expect("échéancier") })
        };
        let (a, b) = (run(), run());
        let (a, b) = (a.await.expect("tâche"), b.await.expect("tâche"));
        assert_eq!(a + b, ids.len(), "each request changed by one of the two workers, day {n}");
    }
    let twice = text(
        &app.db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM (SELECT demande_id, destinataire FROM outbox WHERE sujet LIKE 'Rappel%' \
         GROUP BY demande_id, destinataire HAVING COUNT(*) > 1) t",
    )
    .await;
    assert_eq!(twice, "0", "no reminder sent twice to one recipient");
    let reminders =
        text(&app.db, "SELECT CAST(COUNT(DISTINCT demande_id) AS TEXT) FROM outbox WHERE sujet LIKE 'Rappel%'").await;
    assert_eq!(reminders, ids.len().to_string(), "every request reminded");
}

/// A lycée clicks "prendre en charge" while the database cannot serve: the
/// answer is 503 with `Retry-After` (try again), never 409 (a refusal it
/// would believe): on PostgreSQL with the page read but the write refused
/// (a read-only database), then on both engines with the database gone.
async fn a_one_click_answer_during_an_outage_is_503(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.clock.set(START);
    let (_, created) = app.post_json("/api/v1/demandes", &request("panne.lien@exemple.fr")).await;
    let id = created["id"].as_str().expect("id").to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let token = app.state.requests.link_token(&id, &pilot, START);
    let take = format!("/r/{token}/prendre");
    let (status, form) = app.get_text(&take).await;
    assert_eq!(status, 200, "{form}");
    let csrf = crate::support::csrf_of(&form).expect("csrf");
    let click = || async {
        let res = app
            .client
            .post(format!("{}{take}", app.base))
            .form(&[("csrf", csrf.as_str()), ("nom", "Mme Martin")])
            .send()
            .await
            .expect("envoi");
        let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
        (res.status().as_u16(), retry, res.text().await.expect("corps"))
    };
    if engine == Engine::Postgres {
        let name = text(&app.db, "SELECT current_database()").await;
        let Db::Postgres(pool) = &app.db else { unreachable!() };
        // From a connection outside the pool: every pooled one is replaced
        // by a read-only one.
        let mut admin = pool.acquire().await.expect("connexion").detach();
        for sql in [
            format!("ALTER DATABASE \"{name}\" SET default_transaction_read_only = on"),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid()"
                .to_string(),
        ] {
            sqlx::query(&sql).execute(&mut admin).await.expect("lecture seule");
        }
        let (status, retry, html) = click().await;
        assert_eq!((status, retry.is_some()), (503, true), "{html}");
        assert!(html.contains("rien n&#39;a été modifié") || html.contains("rien n'a été modifié"), "{html}");
        sqlx::query(&format!("ALTER DATABASE \"{name}\" RESET default_transaction_read_only"))
            .execute(&mut admin)
            .await
            .expect("rétablir");
        let statut = text(&app.db, &format!("SELECT statut FROM demandes WHERE id = '{id}'")).await;
        assert_eq!(statut, "transmise", "nothing changed");
    }
    app.db.close().await;
    let (status, retry, html) = click().await;
    assert_eq!((status, retry.is_some()), (503, true), "{html}");
    assert!(html.contains("indisponible"), "{html}");
}
on_both_engines!(a_one_click_answer_during_an_outage_is_503);

/// The company closes from its follow-up page: its need met thanks to the
/// lycées (`satisfait`: the lycée that took it and those still asked are
/// told, the company asked its word) or elsewhere (`ailleurs`, nobody took
/// it); the page afterwards no longer promises an answer.
async fn the_company_closes_from_its_follow_up_page(engine: Engine) {
    use domain::lifecycle::Event;
    use monlyceepro::requests::Action;
    let app = TestApp::spawn(engine).await;
    addresses(&app).await;
    app.clock.set(START);
    for (email, issue, outcome, how) in [
        ("satisfaite@exemple.fr", "satisfait", "realisee", "son besoin est satisfait"),
        ("ailleurs@exemple.fr", "ailleurs", "sans_suite", "son besoin a été satisfait ailleurs"),
    ] {
        let mut asked = request(email);
        asked["entreprise"] = serde_json::json!({"nom": format!("Entreprise {issue}")});
        let (status, created) = app.post_json("/api/v1/demandes", &asked).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().expect("id").to_string();
        let follow = created["suivi_url"].as_str().expect("suivi").trim_start_matches(&app.base).to_string();
        let told: Vec<String> = created["destinataires"]
            .as_array()
            .expect("destinataires")
            .iter()
            .filter(|r| r["role"] != "reserve")
            .map(|r| r["uai"].as_str().expect("uai").to_lowercase())
            .collect();
        let taken = issue == "satisfait";
        if taken {
            let take = Action::new(Event::Take { uai: told[0].to_uppercase() }, "Mme Martin");
            app.state.requests.act(&app.state.search.index(), &id, take, after(1)).await.expect("prise");
            let (_, page) = app.get_text(&follow).await;
            assert!(page.contains("vous répondra"), "taken: an answer is promised");
        }
        let (status, _, html) = app.submit_form(&follow, &format!("{follow}/cloturer"), &[("issue", issue)]).await;
        assert_eq!(status, 303, "{html}");
        let row = text(
            &app.db,
            &format!("SELECT statut || ':' || issue || ':' || cloture_par FROM demandes WHERE id = '{id}'"),
        )
        .await;
        assert_eq!(row, format!("cloturee:{outcome}:entreprise"));
        // Every lycée still part of it is told how it ended.
        for uai in &told {
            let body = text(
                &app.db,
                &format!(
                    "SELECT corps FROM outbox WHERE demande_id = '{id}' AND destinataire LIKE '%{uai}%' \
                     AND sujet LIKE '%clôturée par l''entreprise'"
                ),
            )
            .await;
            assert!(body.contains(how) && body.contains("Vous n'avez plus rien à faire"), "{uai}: {body}");
        }
        let asked_word = text(
            &app.db,
            &format!("SELECT CAST(COUNT(*) AS TEXT) FROM outbox WHERE demande_id = '{id}' AND sujet LIKE '%utile%'"),
        )
        .await;
        assert_eq!(asked_word, if taken { "1" } else { "0" }, "asked its word only when a lycée took it");
        let (_, page) = app.get_text(&follow).await;
        assert!(page.contains("Clôturée le"), "{page}");
        assert!(!page.contains("vous répondra") && !page.contains("pas encore répondu"), "{page}");
        let (status, _, _) = app.submit_form(&follow, &format!("{follow}/cloturer"), &[("issue", issue)]).await;
        assert_eq!(status, 409, "closed once");
    }
}
on_both_engines!(the_company_closes_from_its_follow_up_page);
