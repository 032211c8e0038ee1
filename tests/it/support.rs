//! What the integration tests share: a database of each engine holding the
//! real national catalogue (imported once per test run, then copied for
//! each test), and the real server started on port 0 against it.

use monlyceepro::config::Config;
use monlyceepro::import::{self, Progress};
use monlyceepro::storage::Db;
use monlyceepro::web::{self, AppState};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::{Mutex, OnceCell};

/// The two database engines every storage test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Expands `async fn name(engine: Engine)` tests into one test per engine:
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::support::Engine::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::support::Engine::Postgres).await
                }
            }
        )*
    };
}

/// One test per scenario, on SQLite only: for the browser scenarios,
/// which check what a person sees and does in Chromium (axe, keyboard,
/// widths). What the storage does under them is checked on both engines by
/// the other tests of the same journeys (the request's API and form, the
/// lifecycle, events, placements); the browser scenario that acts on
/// requests through the workspace's forms stays on both
/// (`on_both_engines!`). Halves the browser tests' share of CI (issue 28).
#[macro_export]
macro_rules! on_one_engine {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::support::Engine::Sqlite).await
                }
            }
        )*
    };
}

/// The shared data folder (`../shared/data`), or `MLP_DATA_DIR`.
pub fn data_dir() -> PathBuf {
    std::env::var_os("MLP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

/// Where test databases and files go.
pub fn scratch_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("monlyceepro-tests-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// A copy of the data folder (links to the real files) where each
/// `(relative path, bytes)` replaces or adds a file.
pub fn data_dir_with(files: &[(&str, &[u8])]) -> PathBuf {
    let dir = scratch_dir().join(format!("donnees-{}", COUNTER.fetch_add(1, Ordering::Relaxed)));
    let src = data_dir();
    for entry in walk(&src) {
        let relative = entry.strip_prefix(&src).expect("relative");
        let target = dir.join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        if !files.iter().any(|(rel, _)| Path::new(rel) == relative) {
            std::os::unix::fs::symlink(&entry, &target).expect("symlink");
        }
    }
    for (rel, bytes) in files {
        let target = dir.join(rel);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write fixture");
    }
    dir
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// The PostgreSQL server of the tests (`make test` starts it and sets
/// `MLP_TEST_POSTGRES_URL`). Without it the PostgreSQL variants fail: a
/// skipped engine would hide a broken one.
pub fn postgres_admin_url() -> String {
    std::env::var("MLP_TEST_POSTGRES_URL").expect(
        "MLP_TEST_POSTGRES_URL n'est pas défini : lancez les tests avec `make test`, qui démarre PostgreSQL \
         (ou scripts/ensure-postgres.sh et exportez l'URL qu'il affiche)",
    )
}

fn with_database(admin: &str, name: &str) -> String {
    let (base, _) = admin.rsplit_once('/').expect("URL PostgreSQL avec nom de base");
    format!("{base}/{name}")
}

static COUNTER: AtomicU32 = AtomicU32::new(0);
static SQLITE_TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
static PG_TEMPLATE: OnceCell<String> = OnceCell::const_new();
/// PostgreSQL refuses to copy a template another copy is reading.
static PG_COPY_LOCK: Mutex<()> = Mutex::const_new(());

/// A database of its own for one test; removed when dropped.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Option<PathBuf>,
}

impl TestDb {
    /// A database the test manages itself (its own server, its own
    /// folder): nothing is removed when dropped.
    pub fn unmanaged(db: Db, url: String) -> TestDb {
        TestDb { db, url, cleanup: None }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(p) = &self.cleanup {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
            }
        }
    }
}

async fn import_all(db: &Db) {
    let opts = import::Options { data_dir: data_dir(), only: None, force: false };
    import::run(db, &opts, &Progress::quiet()).await.expect("import des données nationales");
}

/// A new empty database (migrations applied) of the engine.
pub async fn empty_db(engine: Engine) -> TestDb {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    match engine {
        Engine::Sqlite => {
            let path = scratch_dir().join(format!("vide-{n}.db"));
            let url = format!("sqlite://{}", path.display());
            let db = Db::connect(&url).await.expect("SQLite");
            db.migrate().await.expect("migrations");
            TestDb { db, url, cleanup: Some(path) }
        }
        Engine::Postgres => {
            let admin = postgres_admin_url();
            let name = format!("mlp_t_{}_{n}", std::process::id());
            let adm = Db::connect(&admin).await.expect("PostgreSQL");
            exec(&adm, &format!("CREATE DATABASE {name}")).await;
            adm.close().await;
            let url = with_database(&admin, &name);
            let db = Db::connect(&url).await.expect("PostgreSQL");
            db.migrate().await.expect("migrations");
            TestDb { db, url, cleanup: None }
        }
    }
}

/// Runs one SQL statement (test fixtures).
pub async fn exec(db: &Db, sql: &str) {
    match db {
        Db::Postgres(p) => {
            sqlx::query(sql).execute(p).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        Db::Sqlite(p) => {
            sqlx::query(sql).execute(p).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
}

/// A database of its own holding the real national catalogue.
pub async fn catalogue_db(engine: Engine) -> TestDb {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    match engine {
        Engine::Sqlite => {
            let template = SQLITE_TEMPLATE
                .get_or_init(|| async {
                    let path = scratch_dir().join("catalogue-modele.db");
                    let _ = std::fs::remove_file(&path);
                    let db = Db::connect(&format!("sqlite://{}", path.display())).await.expect("SQLite");
                    db.migrate().await.expect("migrations");
                    import_all(&db).await;
                    if let Db::Sqlite(p) = &db {
                        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(p).await.expect("checkpoint");
                    }
                    db.close().await;
                    path
                })
                .await;
            let path = scratch_dir().join(format!("catalogue-{n}.db"));
            std::fs::copy(template, &path).expect("copie de la base modèle");
            let url = format!("sqlite://{}", path.display());
            let db = Db::connect(&url).await.expect("SQLite");
            TestDb { db, url, cleanup: Some(path) }
        }
        Engine::Postgres => {
            let admin = postgres_admin_url();
            let template = PG_TEMPLATE
                .get_or_init(|| async {
                    let adm = Db::connect(&admin).await.expect("PostgreSQL");
                    drop_stale_databases(&adm).await;
                    let name = format!("mlp_tpl_{}", std::process::id());
                    exec(&adm, &format!("CREATE DATABASE {name}")).await;
                    let db = Db::connect(&with_database(&admin, &name)).await.expect("PostgreSQL");
                    db.migrate().await.expect("migrations");
                    import_all(&db).await;
                    db.close().await;
                    adm.close().await;
                    name
                })
                .await;
            let name = format!("mlp_t_{}_{n}", std::process::id());
            {
                let _guard = PG_COPY_LOCK.lock().await;
                let adm = Db::connect(&admin).await.expect("PostgreSQL");
                exec(&adm, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
                adm.close().await;
            }
            let url = with_database(&admin, &name);
            let db = Db::connect(&url).await.expect("PostgreSQL");
            TestDb { db, url, cleanup: None }
        }
    }
}

/// Drops the databases earlier test runs left behind: those of test
/// processes that are gone (another run may be going on at the same time).
async fn drop_stale_databases(adm: &Db) {
    let Db::Postgres(p) = adm else { return };
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'mlp\\_t%'")
        .fetch_all(p)
        .await
        .expect("liste des bases");
    let owner_alive = |name: &str| {
        let pid = name.trim_start_matches("mlp_tpl_").trim_start_matches("mlp_t_").split('_').next().unwrap_or("");
        !pid.is_empty() && std::path::Path::new(&format!("/proc/{pid}")).exists()
    };
    for n in names.into_iter().filter(|n| !owner_alive(n)) {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)")).execute(p).await;
    }
}

/// Serves a router of the test (a stand-in for an outside service) on a
/// free port of the loopback; returns its base URL.
pub async fn serve_local(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port libre");
    let addr = listener.local_addr().expect("adresse");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// The key test servers sign with (a process sharing their database and
/// their links uses it too).
pub const TEST_SECRET_KEY: &str = "cle-secrete-des-tests-de-monlyceepro-0123456789";

/// The configuration of a test server.
pub fn test_config(url: &str, addr: SocketAddr) -> Config {
    let var_dir = scratch_dir().join(format!("var-{}", COUNTER.fetch_add(1, Ordering::Relaxed)));
    Config {
        database_url: url.into(),
        bind: addr,
        base_url: format!("http://{addr}"),
        data_dir: data_dir(),
        smtp_url: None,
        mail_from: "MonLycéePro <ne-pas-repondre@localhost>".into(),
        contact_email: None,
        secret_key: TEST_SECRET_KEY.as_bytes().to_vec().into(),
        metrics_token: None,
        // The tests read each change at once (the cache has its own test).
        metrics_max_age: std::time::Duration::ZERO,
        trusted_proxies: Vec::new(),
        sqlite_sync: monlyceepro::config::SqliteSync::Normal,
        deadlines: domain::lifecycle::Deadlines::default(),
        retention_months: monlyceepro::config::RETENTION_MONTHS,
        rate_limit_per_minute: 0,
        api_key_rate_limit_per_minute: 0,
        // Nothing answers there: the journey must go on without it.
        entreprises_api_url: "http://127.0.0.1:9".into(),
        var_dir,
        proconnect: None,
        http: monlyceepro::config::HttpLimits::default(),
        // Never a download behind a test's back.
        data_refresh: None,
    }
}

/// How a test server is set up.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// SMTP server of the worker (`None`: emails written as files).
    pub smtp_url: Option<String>,
    /// `MLP_RATE_LIMIT_PER_MINUTE` (0: no limit).
    pub rate_limit: u32,
    /// `MLP_API_KEY_RATE_LIMIT_PER_MINUTE` (0: no limit).
    pub api_key_rate_limit: u32,
    /// Base URL of the "Recherche d'entreprises" API.
    pub entreprises_url: Option<String>,
    /// Run the background worker (outbox, pilot deadlines).
    pub worker: bool,
    /// Sign-in with ProConnect (a local OpenID provider in the tests).
    pub proconnect: Option<monlyceepro::config::ProConnectConfig>,
    /// `MLP_METRICS_TOKEN`.
    pub metrics_token: Option<String>,
    /// Timeouts and connection cap of the HTTP server (defaults if `None`).
    pub http: Option<monlyceepro::config::HttpLimits>,
    /// Another data directory (e.g. with the school calendar).
    pub data_dir: Option<PathBuf>,
    /// Keep the national data's reach as it is (most lycées without an
    /// address): the stories of `reach.rs`. Otherwise every lycée without
    /// a known address is given one, as a coordinator would enter it.
    pub real_reach: bool,
}

/// Gives every lycée that has no address in the directory one
/// (`bde.UAI@lycees.test`), entered as a coordinator would: most stories
/// are about what lycées do with a request, and the national data reaches
/// only about a sixth of them (issue 23). The reach stories keep the data
/// as it is. A database a story made read-only on purpose is left alone.
pub async fn reach_every_lycee(db: &Db) {
    let sql = "INSERT INTO adresses_lycees (uai, email, saisi_par, saisi_le) \
               SELECT uai, 'bde.' || lower(uai) || '@lycees.test', 'tests', '2026-01-01T00:00:00Z' FROM lycees \
               WHERE (email IS NULL OR email = '') AND uai NOT IN (SELECT uai FROM adresses_lycees)";
    let _ = match db {
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    };
}

/// After a story gives lycées a directory address: the addresses
/// [`reach_every_lycee`] entered for them step aside, so that the story's
/// own address is the one written to.
pub async fn prefer_directory(db: &Db) {
    exec(
        db,
        "DELETE FROM adresses_lycees WHERE saisi_par = 'tests' \
         AND uai IN (SELECT uai FROM lycees WHERE email IS NOT NULL AND email <> '')",
    )
    .await;
}

/// The real server, on a free port, against its own database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub db: Db,
    /// The server's and the worker's clock, moved by the test.
    pub clock: std::sync::Arc<monlyceepro::clock::ManualClock>,
    /// Keeps the test's database alive as long as the server.
    _db: TestDb,
    server: tokio::task::JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
    worker: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(w) = &self.worker {
            w.abort();
        }
        self.server.abort();
    }
}

impl TestApp {
    /// Starts the server with the national catalogue on `engine`.
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_with(engine, Options::default()).await
    }

    pub async fn spawn_with(engine: Engine, opts: Options) -> TestApp {
        Self::spawn_on(catalogue_db(engine).await, opts).await
    }

    pub async fn spawn_on(test_db: TestDb, opts: Options) -> TestApp {
        if !opts.real_reach {
            reach_every_lycee(&test_db.db).await;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port libre");
        let addr = listener.local_addr().expect("adresse");
        let mut config = test_config(&test_db.url, addr);
        config.smtp_url = opts.smtp_url.clone().map(Into::into);
        config.rate_limit_per_minute = opts.rate_limit;
        config.api_key_rate_limit_per_minute = opts.api_key_rate_limit;
        if let Some(u) = &opts.entreprises_url {
            config.entreprises_api_url = u.clone();
        }
        config.proconnect = opts.proconnect.clone();
        config.metrics_token = opts.metrics_token.clone().map(|t| t.into_bytes().into());
        if let Some(http) = &opts.http {
            config.http = http.clone();
        }
        if let Some(dir) = &opts.data_dir {
            config.data_dir = dir.clone();
        }
        // Time is the test's: it moves it forward instead of rewriting rows.
        let clock = std::sync::Arc::new(monlyceepro::clock::ManualClock::new());
        let state = AppState::with_clock(test_db.db.clone(), config.clone(), clock.clone())
            .await
            .expect("état de l'application");
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let worker = opts.worker.then(|| {
            let mailer = monlyceepro::mail::Mailer::new(config.smtp_url.as_deref(), &config.mail_from, &config.var_dir)
                .expect("courriel");
            let mut w = web::worker_of(&state, mailer);
            w.poll = std::time::Duration::from_millis(50);
            w.retry_base = std::time::Duration::from_millis(200);
            // The schedule runs when a test moves time and asks for it,
            // never behind its back — not even once at start: a year back
            // from the machine's boot is still a valid (negative) instant,
            // so a year made the first round run at once, sometimes racing
            // the test's own ticks for the schedule's lease
            // (`lifecycle::nobody_answers`, about 1 run in 6). No instant is
            // `u64::MAX` seconds back: the worker starts its count now.
            w.periodic_every = std::time::Duration::from_secs(u64::MAX);
            tokio::spawn(w.run(stop_rx))
        });
        let server_state = state.clone();
        let server = tokio::spawn(async move {
            web::serve_on(listener, server_state, std::future::pending()).await.expect("serveur");
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("client");
        let db = test_db.db.clone();
        TestApp { base: format!("http://{addr}"), client, state, db, clock, _db: test_db, server, stop, worker }
    }

    /// The URL of the server's database (another instance may share it).
    pub fn database_url(&self) -> &str {
        &self._db.url
    }

    /// Creates a workspace account (as `monlyceepro users add` does); its id.
    pub async fn account(
        &self,
        email: &str,
        role: monlyceepro::accounts::Role,
        lycees: &[&str],
        academie: Option<&str>,
    ) -> String {
        let new = monlyceepro::accounts::NewAccount {
            lycees: lycees.iter().map(|s| s.to_string()).collect(),
            academie: academie.map(str::to_string),
            ..monlyceepro::accounts::NewAccount::new(email, role)
        };
        self.state
            .accounts
            .add(&new, "test", time::OffsetDateTime::now_utc())
            .await
            .expect("base")
            .unwrap_or_else(|e| panic!("{email}: {e}"))
            .agent
            .id
    }

    /// A browser of its own (its own cookies), not following redirects.
    pub fn new_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("client")
    }

    /// A browser already signed in as account `compte_id` (session opened
    /// by the accounts service, as after a sign-in link).
    pub async fn signed_in(&self, compte_id: &str) -> reqwest::Client {
        let (token, _) = self
            .state
            .accounts
            .open_session(compte_id, "test", monlyceepro::clock::Clock::now(&*self.clock))
            .await
            .expect("session")
            .expect("compte actif");
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str(&format!("mlp_session={token}; Path=/"), &self.base.parse().expect("url"));
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar)
            .build()
            .expect("client")
    }

    /// POSTs a JSON body; status and JSON answer.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let res = self.client.post(format!("{}{path}", self.base)).json(body).send().await.expect("requête");
        let status = res.status().as_u16();
        let text = res.text().await.expect("corps");
        let json = serde_json::from_str(&text);
        (status, json.unwrap_or(serde_json::Value::String(text)))
    }

    /// GETs a page with a form and POSTs `fields` with its CSRF token;
    /// status, `Location` and body of the answer.
    pub async fn submit_form(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (u16, Option<String>, String) {
        self.submit_form_as(&self.client, page, action, fields).await
    }

    /// The same, as the person of `client` (their own cookies).
    pub async fn submit_form_as(
        &self,
        client: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (u16, Option<String>, String) {
        let html = client.get(format!("{}{page}", self.base)).send().await.expect("page").text().await.expect("corps");
        let csrf = csrf_of(&html).unwrap_or_else(|| panic!("pas de jeton CSRF dans {page}"));
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let res = client.post(format!("{}{action}", self.base)).form(&form).send().await.expect("envoi");
        let status = res.status().as_u16();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        (status, location, res.text().await.expect("corps"))
    }
}

/// Runs the real `monlyceepro` binary against the database at `url`, as an
/// operator would (a public https base URL: no loopback exception);
/// whether it succeeded, its standard output and its error output.
pub fn cli(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_monlyceepro"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("MLP_VAR_DIR", scratch_dir())
        .env("MLP_SECRET_KEY", "cle-des-tests-de-la-ligne-de-commande")
        .env("MLP_BASE_URL", "https://monlyceepro.example.fr")
        .env("RUST_LOG", "warn")
        .output()
        .expect("binaire monlyceepro");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The CSRF token of the first form of a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[i + "name=\"csrf\" value=\"".len()..];
    rest.split('"').next().map(str::to_string)
}

/// An email received by the test SMTP server.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    /// The envelope sender.
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Mail {
    /// The raw message as text.
    pub fn raw(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }

    /// A header's value, RFC 2047 words decoded.
    pub fn header(&self, name: &str) -> String {
        let raw = self.raw();
        let (head, _) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        let value = unfolded
            .lines()
            .find_map(|l| {
                l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default();
        decode_words(&value)
    }

    /// The plain-text body, quoted-printable decoded.
    pub fn text(&self) -> String {
        let raw = self.raw();
        let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let joined = body.replace("=\r\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && i + 2 < bytes.len()
                && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).replace("\r\n", "\n")
    }
}

fn decode_words(value: &str) -> String {
    use base64::Engine as _;
    value
        .split(' ')
        .map(|w| match w.strip_prefix("=?utf-8?b?").and_then(|w| w.strip_suffix("?=")) {
            Some(b64) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_else(|_| w.to_string()),
            None => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Clone, Default)]
struct SinkHandler {
    mails: std::sync::Arc<std::sync::Mutex<Vec<Mail>>>,
    current: Mail,
}

impl mailin_embedded::Handler for SinkHandler {
    /// Addresses at `rebond.test` do not exist: refused for good (550), as
    /// a real mail system answers an unknown mailbox.
    fn rcpt(&mut self, to: &str) -> mailin_embedded::Response {
        if to.to_lowercase().contains("@rebond.test") {
            mailin_embedded::response::NO_MAILBOX
        } else {
            mailin_embedded::response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> mailin_embedded::Response {
        self.current = Mail { from: from.to_string(), to: to.to_vec(), data: Vec::new() };
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        self.mails.lock().unwrap_or_else(|e| e.into_inner()).push(std::mem::take(&mut self.current));
        mailin_embedded::response::OK
    }
}

/// A real SMTP server in the test process (mailin-embedded), keeping every
/// message it receives.
pub struct SmtpSink {
    pub url: String,
    mails: std::sync::Arc<std::sync::Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port SMTP");
        let addr = listener.local_addr().expect("adresse SMTP");
        let handler = SinkHandler::default();
        let mails = handler.mails.clone();
        let mut server = mailin_embedded::Server::new(handler);
        server.with_name("smtp.test").with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpSink { url: format!("smtp://{addr}"), mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits (10 s at most) until `n` messages satisfy `pred`.
    pub async fn wait_for(&self, n: usize, pred: impl Fn(&Mail) -> bool) -> Vec<Mail> {
        for _ in 0..200 {
            let found: Vec<Mail> = self.mails().into_iter().filter(|m| pred(m)).collect();
            if found.len() >= n {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let found: Vec<Mail> = self.mails().into_iter().filter(|m| pred(m)).collect();
        panic!(
            "{} courriel(s) attendu(s), {} reçu(s) ; tous : {:?}",
            n,
            found.len(),
            self.mails().iter().map(|m| (m.to.clone(), m.header("Subject"))).collect::<Vec<_>>()
        )
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.expect("requête")
    }

    /// Status and JSON body of a GET.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = res.text().await.expect("corps");
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{path} : réponse non JSON ({ct}, {e}) : {}", &text[..text.len().min(300)]));
        (status, json)
    }

    /// Status and text body of a GET.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        (res.status().as_u16(), res.text().await.expect("corps"))
    }
}

/// A value a test reads straight from the database, on either engine.
pub trait Column:
    for<'r> sqlx::Decode<'r, sqlx::Sqlite>
    + sqlx::Type<sqlx::Sqlite>
    + for<'r> sqlx::Decode<'r, sqlx::Postgres>
    + sqlx::Type<sqlx::Postgres>
    + Send
    + Unpin
{
}

impl<T> Column for T where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + Send
        + Unpin
{
}

/// The one value of a query (test fixtures and checks).
pub async fn one<T: Column>(db: &Db, sql: &str) -> T {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every value of a query.
pub async fn all<T: Column>(db: &Db, sql: &str) -> Vec<T> {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The value of a query, if it finds a row.
pub async fn maybe<T: Column>(db: &Db, sql: &str) -> Option<T> {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_optional(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_optional(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
