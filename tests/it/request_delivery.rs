//! Nothing lost, nothing sent twice: the outbox survives an SMTP outage,
//! and two workers on one database deliver each email once.

use crate::on_both_engines;
use crate::support::{Engine, Options, SmtpSink, TestApp, exec};
use monlyceepro::storage::Db;
use serde_json::json;
use std::time::Duration;

fn request(email: &str) -> serde_json::Value {
    json!({
        "action": "pfmp",
        "entreprise": {"nom": "Boulangerie Dupont"},
        "contact": {"prenom": "Jean", "nom": "Dupont", "email": email},
        "commune": "75056",
        "metiers": ["D1102"],
        "message": "Deux apprentis boulangers.",
        "consentement": true
    })
}

async fn outbox(db: &Db) -> Vec<(String, String, i64)> {
    let sql = "SELECT id, statut, tentatives FROM outbox ORDER BY id";
    match db {
        Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await,
        Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await,
    }
    .expect("outbox")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("adresse").port()
}

/// An SMTP server as a separate process (Debian's python3-aiosmtpd), so it
/// can really be down and then up.
struct AioSmtpd(std::process::Child, std::path::PathBuf);

impl AioSmtpd {
    fn start(port: u16) -> AioSmtpd {
        let log = crate::support::scratch_dir().join(format!("aiosmtpd-{port}.log"));
        let out = std::fs::File::create(&log).expect("journal");
        let child = std::process::Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .stdout(out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd : installez le paquet Debian python3-aiosmtpd (make test le fait)");
        AioSmtpd(child, log)
    }

    fn received(&self) -> String {
        std::fs::read_to_string(&self.1).unwrap_or_default()
    }
}

impl Drop for AioSmtpd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// SMTP down: the request is saved and confirmed; the emails go out when
/// SMTP is back.
async fn emails_wait_for_smtp_to_come_back(engine: Engine) {
    let port = free_port();
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp_url), worker: true, ..Options::default() }).await;
    let (status, created) = app.post_json("/api/v1/demandes", &request("panne@exemple.fr")).await;
    assert_eq!(status, 201, "the request is confirmed while SMTP is down: {created}");
    // The worker tries and fails.
    let mut tried = false;
    for _ in 0..100 {
        let rows = outbox(&app.db).await;
        if !rows.is_empty() && rows.iter().all(|(_, s, t)| s == "a_envoyer" && *t >= 1) {
            tried = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(tried, "every email attempted and kept: {:?}", outbox(&app.db).await);
    // SMTP comes back: everything leaves.
    let server = AioSmtpd::start(port);
    let mut delivered = false;
    for _ in 0..300 {
        let rows = outbox(&app.db).await;
        if rows.iter().all(|(_, s, _)| s == "envoye") {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(delivered, "emails delivered once SMTP is back: {:?}", outbox(&app.db).await);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let received = server.received();
    assert!(received.contains("panne@exemple.fr"), "the company's confirmation reached the server:\n{received}");
}

/// Two workers on one database: every email delivered exactly once.
async fn two_workers_send_each_email_once(engine: Engine) {
    let smtp = SmtpSink::start();
    let app = TestApp::spawn(engine).await;
    for i in 0..12 {
        let (status, _) = app.post_json("/api/v1/demandes", &request(&format!("client{i}@exemple.fr"))).await;
        assert_eq!(status, 201);
    }
    let queued = outbox(&app.db).await;
    assert!(queued.len() >= 12, "{} emails queued", queued.len());
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    for _ in 0..2 {
        let mailer =
            monlyceepro::mail::Mailer::new(Some(&smtp.url), &app.state.config.mail_from, &app.state.config.var_dir)
                .expect("courriel");
        let mut w = monlyceepro::web::worker_of(&app.state, mailer);
        w.poll = Duration::from_millis(10);
        workers.push(tokio::spawn(w.run(stop_rx.clone())));
    }
    for _ in 0..400 {
        if outbox(&app.db).await.iter().all(|(_, s, _)| s == "envoye") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = stop.send(true);
    for w in workers {
        let _ = w.await;
    }
    let rows = outbox(&app.db).await;
    assert!(rows.iter().all(|(_, s, t)| s == "envoye" && *t == 1), "all sent, each at the first attempt: {rows:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mails = smtp.mails();
    assert_eq!(mails.len(), rows.len(), "as many emails received as queued");
    let mut ids: Vec<String> = mails.iter().map(|m| m.header("Message-ID")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rows.len(), "no email received twice");
    let expected: Vec<String> = rows.iter().map(|(id, _, _)| format!("<{id}@monlyceepro>")).collect();
    assert!(expected.iter().all(|e| ids.contains(e)));
}

/// The emails are written in French: days as JJ/MM/AAAA, never ISO;
/// no-break spaces before ":" and "?" and in "30 km"; a lycée named with
/// its article ("prise en charge par le lycée professionnel…"), never
/// "par Lycée professionnel…".
async fn emails_are_written_in_french(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    exec(&app.db, "UPDATE lycees SET email = 'ce.' || LOWER(uai) || '@ac-lyon.fr' WHERE departement_code = '69'").await;
    crate::support::prefer_directory(&app.db).await;
    let (status, created) = app.post_json("/api/v1/demandes", &crate::demandes::request("francais@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let to_pilot = smtp.wait_for(1, |m| m.to.iter().any(|t| t.contains(&pilot.to_lowercase()))).await;
    let lycee = to_pilot[0].text();
    assert!(lycee.contains("- Période\u{a0}: du 04/01/2027 au 12/02/2027"), "{lycee}");
    assert!(!lycee.contains("2027-01-04") && !lycee.contains(" : "), "{lycee}");
    assert!(lycee.contains("Votre rôle\u{a0}:"), "{lycee}");
    let valid = lycee.split("valables jusqu'au ").nth(1).expect("date de validité");
    assert!(valid.as_bytes()[2] == b'/' && valid.as_bytes()[5] == b'/', "JJ/MM/AAAA: {valid}");
    assert!(to_pilot[0].header("Subject").contains("\u{a0}: "), "{}", to_pilot[0].header("Subject"));

    let confirmation = smtp.wait_for(1, |m| m.to.iter().any(|t| t == "francais@exemple.fr")).await;
    let said = confirmation[0].text();
    assert!(said.contains("Elle a été transmise à\u{a0}:"), "{said}");
    assert!(!said.contains(" : ") && !said.contains(" ?"), "{said}");

    // The pilot takes it: the company is told by whom, with the article.
    let text = to_pilot[0].text();
    let start = text.find("/r/").expect("lien");
    let link: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    let take = link.split('/').take(3).collect::<Vec<_>>().join("/") + "/prendre";
    let (status, _, html) = app.submit_form(&take, &take, &[("nom", "Mme Martin")]).await;
    assert_eq!(status, 200, "{html}");
    let taken = smtp
        .wait_for(1, |m| {
            m.to.iter().any(|t| t == "francais@exemple.fr") && m.header("Subject").contains("prise en charge")
        })
        .await;
    let said = taken[0].text();
    assert!(
        said.contains("est prise en charge par le lycée") || said.contains("est prise en charge par le LP"),
        "{said}"
    );
    assert!(!said.contains("par Lycée") && !said.contains(" : "), "{said}");
}

on_both_engines!(emails_wait_for_smtp_to_come_back, two_workers_send_each_email_once, emails_are_written_in_french);
