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
        std::fs::write(dir.join(rel), bytes).expect("write fixture");
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

async fn exec(db: &Db, sql: &str) {
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

/// Drops the databases earlier test runs left behind.
async fn drop_stale_databases(adm: &Db) {
    let Db::Postgres(p) = adm else { return };
    let mine = format!("_{}", std::process::id());
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'mlp\\_t%'")
        .fetch_all(p)
        .await
        .expect("liste des bases");
    for n in names.into_iter().filter(|n| !n.contains(&mine)) {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)")).execute(p).await;
    }
}

/// The configuration of a test server.
pub fn test_config(url: &str, addr: SocketAddr) -> Config {
    let var_dir = scratch_dir().join(format!("var-{}", COUNTER.fetch_add(1, Ordering::Relaxed)));
    Config {
        database_url: url.to_string(),
        bind: addr,
        base_url: format!("http://{addr}"),
        data_dir: data_dir(),
        smtp_url: None,
        mail_from: "MonLycéePro <ne-pas-repondre@localhost>".into(),
        secret_key: b"cle-secrete-des-tests-de-monlyceepro-0123456789".to_vec(),
        rate_limit_per_minute: 0,
        var_dir,
    }
}

/// The real server, on a free port, against its own database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// Keeps the test's database alive as long as the server.
    _db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// Starts the server with the national catalogue on `engine`.
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_on(catalogue_db(engine).await).await
    }

    pub async fn spawn_on(test_db: TestDb) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port libre");
        let addr = listener.local_addr().expect("adresse");
        let config = test_config(&test_db.url, addr);
        let state = AppState::new(test_db.db.clone(), config).await.expect("état de l'application");
        let app = web::router(state);
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serveur");
        });
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        TestApp { base: format!("http://{addr}"), client, _db: test_db, server }
    }

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
