//! The database fails under write load, then comes back: the service heals
//! by itself (no restart), answers 503 with `Retry-After` meanwhile (never
//! a 500), `/healthz` says what it cannot do, and no acknowledged request
//! is lost.
//!
//! - SQLite on a small tmpfs that fills up ("database or disk is full"),
//!   then space comes back;
//! - PostgreSQL restarted (a server of the test's own, so that the other
//!   tests are not disturbed);
//! - a database that only reads (a read-only SQLite file, a PostgreSQL
//!   database set `default_transaction_read_only`).
//!
//! The first two need root (a tmpfs, a server run as `postgres`): without
//! it they say why on stderr and pass, as CI runs them as root.

use crate::on_both_engines;
use crate::support::{self, Engine, Options, TestApp, TestDb};
use monlyceepro::storage::Db;
use serde_json::json;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

fn request(n: usize) -> serde_json::Value {
    json!({
        "action": "pfmp",
        "entreprise": {"nom": "Boulangerie Dupont"},
        "contact": {"prenom": "Jean", "nom": "Dupont", "email": format!("panne.{n}@exemple.fr")},
        "commune": "69123",
        "metiers": ["D1102"],
        "message": "Deux apprentis boulangers.",
        "consentement": true
    })
}

/// What the clients saw: acknowledged references, and every status.
#[derive(Default)]
struct Seen {
    acknowledged: Vec<String>,
    statuses: Vec<u16>,
    retry_after_missing: usize,
}

/// Two clients posting requests until `stop`.
fn load(app: &TestApp, stop: Arc<AtomicBool>, seen: Arc<Mutex<Seen>>) -> Vec<tokio::task::JoinHandle<()>> {
    (0..2)
        .map(|worker| {
            let (client, base, stop, seen) = (app.client.clone(), app.base.clone(), stop.clone(), seen.clone());
            tokio::spawn(async move {
                let mut n = worker * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let res = client.post(format!("{base}/api/v1/demandes")).json(&request(n)).send().await;
                    let Ok(res) = res else { continue };
                    let status = res.status().as_u16();
                    let retry = res.headers().contains_key("retry-after");
                    let body: serde_json::Value = res.json().await.unwrap_or_default();
                    let mut s = seen.lock().await;
                    s.statuses.push(status);
                    if status == 503 && !retry {
                        s.retry_after_missing += 1;
                    }
                    if status == 201 {
                        s.acknowledged.push(body["reference"].as_str().unwrap_or_default().to_string());
                    }
                    drop(s);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect()
}

async fn count_references(db: &Db, references: &[String]) -> usize {
    let mut found = 0;
    for r in references {
        let n: i64 = match db {
            Db::Sqlite(p) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM demandes WHERE reference = $1").bind(r).fetch_one(p).await
            }
            Db::Postgres(p) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM demandes WHERE reference = $1").bind(r).fetch_one(p).await
            }
        }
        .expect("compte");
        found += n as usize;
    }
    found
}

/// Waits (up to `secs`) until `/healthz` answers `want`.
async fn health_becomes(app: &TestApp, want: u16, secs: u64) -> (u16, String) {
    let mut last = (0, String::new());
    for _ in 0..secs * 10 {
        last = app.get_text("/healthz").await;
        if last.0 == want {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    last
}

/// Posts until one is acknowledged (up to `secs`): writes work again.
async fn writes_work(app: &TestApp, secs: u64) -> bool {
    for n in 0..secs * 10 {
        let (status, _) = app.post_json("/api/v1/demandes", &request(9_000_000 + n as usize)).await;
        if status == 201 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A test that cannot run here says so, with its name, on stderr (cargo
/// shows it with `--nocapture` or when the test fails) and on stdout.
fn skipped(test: &str, why: &str) {
    eprintln!("{test} : test sauté — {why}");
    println!("{test} : test sauté — {why}");
}

/// Waits (up to 20 s) until the worker has sent every email of request
/// `reference`: the outbox worker went on after the outage.
async fn emails_of_leave(app: &TestApp, reference: &str) -> bool {
    let sql = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN o.statut = 'envoye' THEN 1 ELSE 0 END), 0) \
               FROM outbox o JOIN demandes d ON d.id = o.demande_id WHERE d.reference = $1";
    for _ in 0..200 {
        let (all, sent): (i64, i64) = match &app.db {
            Db::Sqlite(p) => sqlx::query_as(sql).bind(reference).fetch_one(p).await,
            Db::Postgres(p) => sqlx::query_as(sql).bind(reference).fetch_one(p).await,
        }
        .expect("outbox");
        if all > 0 && sent == all {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Posts one request after the outage and checks that its emails leave.
async fn worker_goes_on(app: &TestApp) {
    let (status, created) = app.post_json("/api/v1/demandes", &request(8_000_000)).await;
    assert_eq!(status, 201, "{created}");
    let reference = created["reference"].as_str().expect("référence");
    assert!(emails_of_leave(app, reference).await, "the worker sends again after the outage");
}

/// The SQLite file on a tmpfs just large enough; a filler takes the rest
/// of the space under load, then is removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_disk_full_heals() {
    if !nix_is_root() {
        skipped("outages::sqlite_disk_full_heals", "monter un tmpfs demande d'être root (la CI l'est)");
        return;
    }
    let template = support::catalogue_db(support::Engine::Sqlite).await;
    let source = template.url.trim_start_matches("sqlite://").to_string();
    template.db.close().await;
    let size = std::fs::metadata(&source).expect("base").len();
    let mount = support::scratch_dir().join("tmpfs-plein");
    std::fs::create_dir_all(&mount).expect("dossier");
    let mb = size / (1024 * 1024) + 24;
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
        .arg(&mount)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        skipped("outages::sqlite_disk_full_heals", "mount -t tmpfs impossible ici");
        return;
    }
    let _unmount = Unmount(mount.clone());
    let path = mount.join("base.db");
    std::fs::copy(&source, &path).expect("copie");
    let url = format!("sqlite://{}", path.display());
    let db = Db::connect(&url).await.expect("SQLite");
    let app = TestApp::spawn_on(TestDb::unmanaged(db, url), Options { worker: true, ..Options::default() }).await;
    assert_eq!(app.get_text("/healthz").await.0, 200);

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let clients = load(&app, stop.clone(), seen.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Fill the disk.
    let filler = mount.join("remplissage");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", &format!("of={}", filler.display()), "bs=1M", "count=4096"])
        .stderr(std::process::Stdio::null())
        .status();
    let (status, why) = health_becomes(&app, 503, 10).await;
    assert_eq!(status, 503, "/healthz must say the instance cannot write: {why}");
    assert_eq!(why, monlyceepro::web::HEALTH_CANNOT_WRITE, "a fixed reason, not the database's words");
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Space comes back: writes work again without restart.
    std::fs::remove_file(&filler).expect("libérer la place");
    assert!(writes_work(&app, 15).await, "writes must work again after space returns, without restart");
    assert_eq!(health_becomes(&app, 200, 10).await.0, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        let _ = c.await;
    }
    let seen = seen.lock().await;
    let failures: Vec<u16> = seen.statuses.iter().copied().filter(|s| *s != 201).collect();
    assert!(!failures.is_empty(), "the disk never filled up: the test proves nothing");
    assert!(failures.iter().all(|s| *s == 503), "only 503 during the outage: {failures:?}");
    assert_eq!(seen.retry_after_missing, 0, "every 503 says when to retry");
    let found = count_references(&app.db, &seen.acknowledged).await;
    assert_eq!(found, seen.acknowledged.len(), "every acknowledged request is stored");
    worker_goes_on(&app).await;
    println!(
        "disque plein : {} demandes acquittées, {} refusées en 503, toutes retrouvées",
        seen.acknowledged.len(),
        failures.len()
    );
}

fn nix_is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A PostgreSQL server of this test only, that it can stop and start.
struct OwnPostgres {
    bin: String,
    dir: std::path::PathBuf,
    port: u16,
}

impl OwnPostgres {
    fn start() -> Option<OwnPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("initdb").exists())
            .max()?
            .display()
            .to_string();
        let dir = support::scratch_dir().join("pg-propre");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).ok()?;
        Command::new("chown").args(["postgres:postgres"]).arg(&dir).status().ok()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let ok = Command::new("runuser")
            .args(["-u", "postgres", "--", &format!("{bin}/initdb"), "-D"])
            .arg(&dir)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
            .stdout(std::process::Stdio::null())
            .status()
            .ok()?
            .success();
        let pg = OwnPostgres { bin, dir, port };
        (ok && pg.ctl("start")).then_some(pg)
    }

    fn ctl(&self, what: &str) -> bool {
        let opts = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.dir.display());
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--", &format!("{}/pg_ctl", self.bin), "-D"]).arg(&self.dir);
        if what == "start" {
            cmd.args(["-o", &opts, "-l"]).arg(self.dir.join("journal.log"));
        } else {
            cmd.args(["-m", "fast"]);
        }
        cmd.args(["-w", what]).stdout(std::process::Stdio::null()).status().is_ok_and(|s| s.success())
    }

    fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.ctl("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// PostgreSQL restarts under write load: 503 with `Retry-After` during the
/// outage, writes again after, nothing acknowledged lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_heals() {
    if !nix_is_root() {
        skipped(
            "outages::postgres_restart_heals",
            "lancer un serveur PostgreSQL en tant que postgres demande d'être root",
        );
        return;
    }
    let Some(pg) = OwnPostgres::start() else {
        skipped("outages::postgres_restart_heals", "serveur PostgreSQL du test impossible à lancer (runuser, initdb)");
        return;
    };
    // The national catalogue, copied from the shared test server.
    let template = support::catalogue_db(support::Engine::Postgres).await;
    let dump = Command::new(format!("{}/pg_dump", pg.bin))
        .args(["--no-owner", "--dbname", &template.url])
        .output()
        .expect("pg_dump");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let admin = Db::connect(&pg.url("postgres")).await.expect("PostgreSQL du test");
    support::exec(&admin, "CREATE DATABASE catalogue").await;
    admin.close().await;
    let mut psql = Command::new(format!("{}/psql", pg.bin))
        .args(["-q", "-v", "ON_ERROR_STOP=1", &pg.url("catalogue")])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("psql");
    std::io::Write::write_all(psql.stdin.as_mut().expect("stdin"), &dump.stdout).expect("copie");
    drop(psql.stdin.take());
    assert!(psql.wait().expect("psql").success());
    let url = pg.url("catalogue");
    let db = Db::connect(&url).await.expect("base du test");
    let app = TestApp::spawn_on(TestDb::unmanaged(db, url), Options { worker: true, ..Options::default() }).await;
    assert_eq!(app.get_text("/healthz").await.0, 200);

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let clients = load(&app, stop.clone(), seen.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(pg.ctl("stop"), "arrêt de PostgreSQL");
    let (status, why) = health_becomes(&app, 503, 10).await;
    assert_eq!(status, 503, "{why}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(pg.ctl("start"), "redémarrage de PostgreSQL");
    assert!(writes_work(&app, 20).await, "writes must work again after the restart, without restarting the service");
    assert_eq!(health_becomes(&app, 200, 10).await.0, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        let _ = c.await;
    }
    let seen = seen.lock().await;
    let failures: Vec<u16> = seen.statuses.iter().copied().filter(|s| *s != 201).collect();
    assert!(!failures.is_empty(), "no write failed during the outage: the test proves nothing");
    assert!(failures.iter().all(|s| *s == 503), "only 503 during the outage: {failures:?}");
    assert_eq!(seen.retry_after_missing, 0, "every 503 says when to retry");
    let found = count_references(&app.db, &seen.acknowledged).await;
    assert_eq!(found, seen.acknowledged.len(), "every acknowledged request is stored");
    worker_goes_on(&app).await;
    println!(
        "redémarrage de PostgreSQL : {} demandes acquittées, {} refusées en 503, toutes retrouvées",
        seen.acknowledged.len(),
        failures.len()
    );
}

/// A database that only reads (a SQLite file the service may not write, as
/// on a read-only mount; a PostgreSQL database set
/// `default_transaction_read_only`): pages and the API still read, a
/// public write is a 503 with `Retry-After` and the API's JSON error, and
/// nothing is stored; `/healthz` says so in a fixed French phrase, without
/// the database's own words.
async fn read_only_database_is_503(engine: Engine) {
    let test_db = support::catalogue_db(engine).await;
    let url = test_db.url.clone();
    let read_only = match engine {
        Engine::Sqlite => {
            use std::str::FromStr;
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url).expect("url").pragma("query_only", "ON");
            Db::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new().max_connections(4).connect_with(opts).await.expect("SQLite"),
            )
        }
        Engine::Postgres => {
            let name = url.rsplit('/').next().expect("nom de la base");
            support::exec(&test_db.db, &format!("ALTER DATABASE {name} SET default_transaction_read_only = on")).await;
            // New connections only: this pool opens its own.
            Db::connect(&url).await.expect("PostgreSQL")
        }
    };
    let app = TestApp::spawn_on(TestDb::unmanaged(read_only, url), Options::default()).await;
    assert_eq!(app.get_json("/api/v1/lycees/0690043X").await.0, 200, "reads are served");
    let res = app.client.post(format!("{}/api/v1/demandes", app.base)).json(&request(1)).send().await.expect("envoi");
    assert_eq!(res.status(), 503);
    let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
    assert!(retry.is_some_and(|s| s.parse::<u64>().is_ok()), "a 503 says when to retry");
    let body: serde_json::Value = res.json().await.expect("JSON");
    assert_eq!(body["erreur"]["code"], "indisponible", "{body}");
    let (status, why) = app.get_text("/healthz").await;
    assert_eq!((status, why.as_str()), (503, monlyceepro::web::HEALTH_CANNOT_WRITE));
    let stored: i64 = match &test_db.db {
        Db::Sqlite(p) => sqlx::query_scalar("SELECT COUNT(*) FROM demandes").fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar("SELECT COUNT(*) FROM demandes").fetch_one(p).await,
    }
    .expect("compte");
    assert_eq!(stored, 0, "nothing stored");
}
on_both_engines!(read_only_database_is_503);

/// `MLP_SQLITE_SYNCHRONOUS=full` makes every commit synced: `PRAGMA
/// synchronous` is 2 (FULL) on the service's connections, 1 (NORMAL)
/// by default.
#[tokio::test]
async fn sqlite_synchronous_setting_reaches_the_connections() {
    use monlyceepro::config::SqliteSync;
    for (setting, want) in [(None, 1), (Some("full"), 2), (Some("normal"), 1)] {
        let sync = SqliteSync::from_setting(setting).expect("réglage");
        let path = support::scratch_dir().join(format!("synchrone-{}.db", setting.unwrap_or("defaut")));
        let db = Db::connect_with(&format!("sqlite://{}", path.display()), sync).await.expect("SQLite");
        let Db::Sqlite(p) = &db else { unreachable!() };
        let got: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(p).await.expect("pragma");
        assert_eq!(got, want, "MLP_SQLITE_SYNCHRONOUS={setting:?}");
        db.close().await;
        let _ = std::fs::remove_file(&path);
    }
}
