//! The one storage boundary. Handlers and domain code call the functions of
//! this module and never see whether the database is SQLite or PostgreSQL.
//!
//! How two engines share one codebase: every query is written once in
//! portable SQL (`$1` placeholders work on both), and the [`on_db!`] /
//! [`on_tx!`] macros expand the same code for each concrete sqlx driver.
//! Backend-specific SQL is the named exception (see `jobs`).

pub mod accounts;
pub mod api_keys;
pub mod backup;
pub mod catalogue;
pub mod events;
pub mod import;
pub mod metrics;
pub mod outbox;
pub mod partners;
pub mod placements;
pub mod privacy;
pub mod proconnect;
pub mod reach;
pub mod requests;
pub mod search;
pub mod seed;
pub mod stats;
pub mod territory;
pub mod versions;
pub mod vitrines;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// The migration history, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine a `DATABASE_URL` points to, if it is one we support.
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// A pool on one of the two engines.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code against whichever pool `db` holds; `$p` is bound to
/// the concrete pool.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::storage::Db::Sqlite($p) => $body,
            $crate::storage::Db::Postgres($p) => $body,
        }
    };
}

/// Runs the same code against whichever transaction `tx` holds; `$c` is
/// bound to the concrete connection (`&mut SqliteConnection` or
/// `&mut PgConnection`).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::storage::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::storage::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Whether a connection given back to the pool may serve again: not when
/// it is still inside a transaction. That happens when the database ended
/// the transaction by itself ("database or disk is full" rolls it back on
/// SQLite) so that our `ROLLBACK` failed: sqlx then still counts the
/// transaction as open, and every later `BEGIN` on that connection fails
/// ("begin_with at non-zero transaction depth") until restart. Such a
/// connection is closed instead, and the pool opens a fresh one.
async fn clean_after_release<C: sqlx::Connection>(conn: &mut C) -> bool {
    if !conn.is_in_transaction() {
        return true;
    }
    // A dropped transaction queues its rollback: once the connection
    // answers a ping, that rollback has run (or failed).
    let answered = conn.ping().await.is_ok();
    let clean = answered && !conn.is_in_transaction();
    if !clean {
        tracing::warn!("connexion à la base fermée : transaction restée ouverte après une erreur");
    }
    clean
}

/// An open transaction on one of the two engines.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

impl Db {
    /// Opens a pool on `url`. A SQLite file and its folder are created when
    /// missing; SQLite runs in WAL mode so that readers never wait for the
    /// importer or the worker.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        Self::connect_with(url, crate::config::SqliteSync::Normal).await
    }

    /// Opens a pool on `url`, with SQLite commits made durable as `sync`
    /// says (`MLP_SQLITE_SYNCHRONOUS`).
    pub async fn connect_with(url: &str, sync: crate::config::SqliteSync) -> anyhow::Result<Db> {
        match Engine::of_url(url) {
            Some(Engine::Sqlite) => {
                let opts = SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("DATABASE_URL invalide : {url}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(match sync {
                        crate::config::SqliteSync::Normal => SqliteSynchronous::Normal,
                        crate::config::SqliteSync::Full => SqliteSynchronous::Full,
                    })
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .pragma("cache_size", "-16000");
                if let Some(parent) = opts.get_filename().parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("impossible de créer le dossier {}", parent.display()))?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .min_connections(1)
                    .after_release(|conn, _| Box::pin(async move { Ok(clean_after_release(conn).await) }))
                    .connect_with(opts)
                    .await
                    .with_context(|| format!("impossible d'ouvrir la base SQLite {url}"))?;
                Ok(Db::Sqlite(pool))
            }
            Some(Engine::Postgres) => {
                let opts = PgConnectOptions::from_str(url).with_context(|| "DATABASE_URL invalide".to_string())?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_release(|conn, _| Box::pin(async move { Ok(clean_after_release(conn).await) }))
                    .connect_with(opts)
                    .await
                    .context("impossible de se connecter à PostgreSQL")?;
                Ok(Db::Postgres(pool))
            }
            None => anyhow::bail!("DATABASE_URL doit commencer par sqlite:// ou postgres://"),
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies the migrations that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        on_db!(self, p => MIGRATOR.run(p).await).context("échec des migrations")?;
        Ok(())
    }

    /// A transaction that writes. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): two deferred transactions that both upgrade to
    /// writing would fail instead of waiting for each other.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Whether the database answers (health check).
    pub async fn ping(&self) -> bool {
        on_db!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ())).is_ok()
    }

    /// Whether this instance can write: its heartbeat row in `sante`,
    /// written in a transaction like any acknowledged change (a full disk,
    /// a read-only file or a lost server all fail here).
    pub async fn check_write(&self, instance: &str, now: &str) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO sante (instance, vu_le) VALUES ($1, $2) ON CONFLICT (instance) DO UPDATE SET vu_le = $2"
        ).bind(instance).bind(now).execute(&mut *c).await.map(|_| ()))?;
        tx.commit().await
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }
}

/// A value to bind in a bulk insert, so that import code can build rows once
/// for both engines.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(bool),
}

impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(Some(v))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(Some(v.to_string()))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::Text(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::Int(v)
    }
}
impl From<Option<f64>> for Val {
    fn from(v: Option<f64>) -> Val {
        Val::Float(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Bool(v)
    }
}

/// Rows per INSERT statement: well under SQLite's 32,766 bound parameters
/// and PostgreSQL's 65,535 for our widest table.
const ROWS_PER_STATEMENT: usize = 500;

/// Inserts `rows` into `table` with multi-row INSERT statements, followed by
/// `suffix` when given (an `ON CONFLICT …` clause, portable to both engines).
pub async fn bulk_insert(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Val>],
    suffix: Option<&str>,
) -> sqlx::Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let head = format!("INSERT INTO {table} ({}) ", columns.join(", "));
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(head);
            qb.push_values(chunk, |mut b, row| {
                for v in row {
                    match v {
                        Val::Text(x) => b.push_bind(x.clone()),
                        Val::Int(x) => b.push_bind(*x),
                        Val::Float(x) => b.push_bind(*x),
                        Val::Bool(x) => b.push_bind(*x),
                    };
                }
            });
            if let Some(suffix) = suffix {
                qb.push(suffix);
            }
            qb.build().execute(&mut *c).await?;
        });
    }
    Ok(())
}

/// Runs one statement without results inside a transaction.
pub async fn execute(tx: &mut Tx, sql: &str) -> sqlx::Result<u64> {
    Ok(on_tx!(tx, c => sqlx::query(sql).execute(&mut *c).await?.rows_affected()))
}

/// Runs one statement outside any transaction (`ANALYZE`, which
/// PostgreSQL's `VACUUM` family refuses inside one).
pub async fn execute_on(db: &Db, sql: &str) -> sqlx::Result<u64> {
    Ok(on_db!(db, p => sqlx::query(sql).execute(p).await?.rows_affected()))
}

/// Whether a database error means the database cannot serve right now
/// (unreachable, restarting, out of disk, read-only, locked, pool
/// exhausted) rather than a mistake in the query: the service answers 503
/// with `Retry-After`, and an orchestrator or the client tries again.
/// Constraint violations and decoding errors are bugs (500).
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_)
        | sqlx::Error::BeginFailed
        | sqlx::Error::InvalidSavePointStatement => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation
                | sqlx::error::ErrorKind::ForeignKeyViolation
                | sqlx::error::ErrorKind::NotNullViolation
                | sqlx::error::ErrorKind::CheckViolation => false,
                _ => unavailable_code(&code),
            }
        }
        _ => false,
    }
}

/// SQLite result codes (primary code in the low byte of the extended one)
/// and PostgreSQL SQLSTATE classes that mean "not now". A SQLSTATE always
/// has five characters, often all digits ("25006", "08006"); SQLite's
/// extended codes are numbers below 10 000: the length tells them apart.
fn unavailable_code(code: &str) -> bool {
    if code.len() < 5
        && let Ok(n) = code.parse::<i64>()
    {
        // SQLITE_BUSY 5, LOCKED 6, NOMEM 7, READONLY 8, IOERR 10, FULL 13,
        // CANTOPEN 14, PROTOCOL 15.
        return matches!(n & 0xff, 5 | 6 | 7 | 8 | 10 | 13 | 14 | 15);
    }
    // PostgreSQL: connection exception (08), insufficient resources (53),
    // operator intervention (57: shutdown, cannot connect now), system
    // error (58), read-only transaction (25006), serialization (40001),
    // deadlock (40P01).
    ["08", "53", "57", "58"].iter().any(|class| code.starts_with(class)) || matches!(code, "25006" | "40001" | "40P01")
}

/// Whether a database error is a conflict between concurrent transactions
/// that the database resolved by aborting this one — a deadlock (`40P01`)
/// or a serialization failure (`40001`) on PostgreSQL. Nothing of the
/// transaction was written, and running it again from its start is the
/// cure the database itself recommends: [`retry_on_conflict`] does so
/// before the error becomes a 503. SQLite never reports one: it takes its
/// write lock at `BEGIN IMMEDIATE` and waits for it (`busy_timeout`).
pub fn is_conflict(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40P01" | "40001")))
}

/// An error that may be a conflict between concurrent transactions
/// ([`is_conflict`]): what [`retry_on_conflict`] asks of the errors of
/// the services it runs.
pub trait MaybeConflict {
    fn is_conflict(&self) -> bool;
}

impl MaybeConflict for sqlx::Error {
    fn is_conflict(&self) -> bool {
        is_conflict(self)
    }
}

impl MaybeConflict for anyhow::Error {
    fn is_conflict(&self) -> bool {
        self.chain().any(|c| c.downcast_ref::<sqlx::Error>().is_some_and(is_conflict))
    }
}

/// How many times a transaction is run when concurrent transactions keep
/// aborting it: a deadlock involves two or three transactions, and each
/// new attempt waits longer (with jitter) so that they stop meeting.
pub const CONFLICT_ATTEMPTS: u32 = 5;

/// Runs `attempt` — one whole transaction, from `BEGIN` to `COMMIT` — and
/// runs it again, up to [`CONFLICT_ATTEMPTS`] times in all, while it fails
/// on a conflict between concurrent transactions ([`is_conflict`]). Any
/// other outcome (success, a business refusal, another database error) is
/// returned at once; the last conflict is returned as it is, and becomes
/// the 503 of [`is_unavailable`]. `what` names the operation in the logs.
///
/// Why: a company whose request lost a deadlock to another company's was
/// told "service unavailable" although nothing was wrong (issue 24); the
/// database aborted one transaction so that the other could go on, and
/// the aborted one succeeds when run again. The attempt must do nothing
/// outside its transaction that cannot be done twice (the services send
/// emails through the outbox, inside the transaction).
pub async fn retry_on_conflict<T, E, F, Fut>(what: &str, mut attempt: F) -> Result<T, E>
where
    E: MaybeConflict + std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut n = 1;
    loop {
        match attempt().await {
            Err(e) if e.is_conflict() && n < CONFLICT_ATTEMPTS => {
                tracing::warn!(
                    operation = what,
                    essai = n,
                    erreur = %e,
                    "conflit entre transactions concurrentes : la transaction est rejouée"
                );
                tokio::time::sleep(conflict_pause(n)).await;
                n += 1;
            }
            outcome => return outcome,
        }
    }
}

/// The pause before attempt `n + 1`: 10 ms doubled at each attempt, plus
/// up to as much again at random, so that two transactions that met once
/// do not meet again in step.
fn conflict_pause(n: u32) -> Duration {
    let base = 10u64 << n.min(6);
    Duration::from_millis(base + rand::random_range(0..=base))
}

/// Whether an error anywhere in an `anyhow` chain is a database that
/// cannot serve right now (see [`is_unavailable`]).
pub fn is_unavailable_any(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<sqlx::Error>().is_some_and(is_unavailable))
}

#[cfg(test)]
mod tests {
    use super::{is_unavailable, is_unavailable_any, unavailable_code};
    use sqlx::error::{DatabaseError, ErrorKind};
    use std::borrow::Cow;

    /// A database error as a driver reports it: a code and a kind
    /// (`ErrorKind` is neither `Copy` nor `Clone`: made on demand).
    #[derive(Debug)]
    struct Fake(&'static str, fn() -> ErrorKind);

    impl std::fmt::Display for Fake {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "erreur {}", self.0)
        }
    }

    impl std::error::Error for Fake {}

    impl DatabaseError for Fake {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> ErrorKind {
            (self.1)()
        }
    }

    fn db(code: &'static str, kind: fn() -> ErrorKind) -> sqlx::Error {
        sqlx::Error::Database(Box::new(Fake(code, kind)))
    }

    #[test]
    fn codes_that_mean_not_now() {
        for (code, why) in [
            ("5", "SQLITE_BUSY"),
            ("6", "SQLITE_LOCKED"),
            ("8", "SQLITE_READONLY"),
            ("1032", "SQLITE_READONLY_DBMOVED (extended: low byte 8)"),
            ("10", "SQLITE_IOERR"),
            ("3338", "SQLITE_IOERR_FSYNC"),
            ("13", "SQLITE_FULL"),
            ("14", "SQLITE_CANTOPEN"),
            ("08006", "connection failure"),
            ("53100", "disk full"),
            ("57P01", "admin shutdown"),
            ("57P03", "cannot connect now"),
            ("58030", "io error"),
            ("25006", "read-only transaction"),
            ("40001", "serialization failure"),
            ("40P01", "deadlock"),
        ] {
            assert!(unavailable_code(code), "{code} ({why}) is a 503");
            assert!(is_unavailable(&db(code, || ErrorKind::Other)), "{code} ({why}) is a 503");
        }
        for (code, why) in [
            ("1", "SQLITE_ERROR"),
            ("19", "SQLITE_CONSTRAINT"),
            ("2067", "SQLITE_CONSTRAINT_UNIQUE"),
            ("42P01", "undefined table"),
            ("42601", "syntax error"),
            ("22001", "string too long"),
            ("23505", "unique violation"),
            ("", "no code"),
        ] {
            assert!(!unavailable_code(code), "{code} ({why}) is a bug, not an outage");
            assert!(!is_unavailable(&db(code, || ErrorKind::Other)), "{code} ({why})");
        }
    }

    #[test]
    fn constraint_violations_are_never_outages() {
        // Whatever the code says, a violated constraint is the query's fault.
        let kinds: [fn() -> ErrorKind; 4] = [
            || ErrorKind::UniqueViolation,
            || ErrorKind::ForeignKeyViolation,
            || ErrorKind::NotNullViolation,
            || ErrorKind::CheckViolation,
        ];
        for kind in kinds {
            assert!(!is_unavailable(&db("5", kind)));
        }
    }

    #[test]
    fn transport_errors_are_outages_and_found_in_a_chain() {
        let io = || sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refusé"));
        for e in [io(), sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed, sqlx::Error::WorkerCrashed] {
            assert!(is_unavailable(&e), "{e}");
        }
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        assert!(!is_unavailable(&sqlx::Error::ColumnNotFound("x".into())));
        let chained = anyhow::Error::from(io()).context("enregistrement de la demande");
        assert!(is_unavailable_any(&chained));
        assert!(!is_unavailable_any(&anyhow::anyhow!("autre chose")));
    }
}
