//! Configuration from environment variables (and an optional `.env` file),
//! with defaults that work on a laptop (see OPERATIONS.md).

use domain::lifecycle::Deadlines;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// A configuration problem, naming the variable at fault (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{variable} : {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

/// A secret (the signing key, the metrics token): usable, never printed —
/// `Debug` shows `Secret(…)`, so a logged or panicking `Config` leaks
/// nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Secret {
    fn from(v: Vec<u8>) -> Secret {
        Secret(v)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A connection URL (`DATABASE_URL`, `MLP_SMTP_URL`) that may carry a
/// password (`postgres://user:password@host/db`): usable as `&str`, but
/// `Debug` shows it with the password replaced by `…`, so that a logged or
/// panicking `Config` leaks no credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionUrl(String);

impl ConnectionUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL with its password, if any, replaced by `…`.
    pub fn redacted(&self) -> String {
        let url = &self.0;
        let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.clone() };
        let rest = &url[scheme_end..];
        // The user information ends at the last '@' of the authority (a
        // password may itself contain '@' when not escaped).
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let Some(at) = rest[..authority_end].rfind('@') else { return url.clone() };
        match rest[..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:…{}", &url[..scheme_end], &rest[at..]),
            None => url.clone(),
        }
    }
}

impl std::ops::Deref for ConnectionUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for ConnectionUrl {
    fn from(v: String) -> ConnectionUrl {
        ConnectionUrl(v)
    }
}

impl From<&str> for ConnectionUrl {
    fn from(v: &str) -> ConnectionUrl {
        ConnectionUrl(v.to_string())
    }
}

impl std::fmt::Debug for ConnectionUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

/// How SQLite makes a commit durable (`MLP_SQLITE_SYNCHRONOUS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteSync {
    /// `NORMAL` in WAL mode (default): a commit survives a crash of the
    /// process, but the last commits may be lost if the machine loses
    /// power before the next checkpoint.
    Normal,
    /// `FULL`: every commit is synced to the disk before it is
    /// acknowledged; survives power loss, at the cost of one fsync per
    /// commit. For single-instance deployments that want it.
    Full,
}

impl SqliteSync {
    /// The setting's value: `normal` (or unset) and `full`, in any case.
    pub fn from_setting(value: Option<&str>) -> Result<SqliteSync, ConfigError> {
        match value.map(|v| v.trim().to_lowercase()).as_deref() {
            None | Some("normal") => Ok(SqliteSync::Normal),
            Some("full") => Ok(SqliteSync::Full),
            Some(_) => Err(ConfigError { variable: "MLP_SQLITE_SYNCHRONOUS", message: "normal ou full".into() }),
        }
    }
}

/// The service's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: ConnectionUrl,
    pub bind: SocketAddr,
    pub base_url: String,
    pub data_dir: PathBuf,
    pub smtp_url: Option<ConnectionUrl>,
    pub mail_from: String,
    /// Where people write about the service (accessibility statement);
    /// `MLP_CONTACT_EMAIL`.
    pub contact_email: Option<String>,
    pub secret_key: Secret,
    pub rate_limit_per_minute: u32,
    /// `MLP_API_KEY_RATE_LIMIT_PER_MINUTE`: the writes a partner's API key
    /// may make (replaces the per-address limit for its calls; 0: none).
    pub api_key_rate_limit_per_minute: u32,
    /// `MLP_METRICS_TOKEN`: with it, `/metrics` asks for this bearer token;
    /// without, it answers only clients on the loopback.
    pub metrics_token: Option<Secret>,
    /// `MLP_METRICS_MAX_AGE_SECS` (10): how old the business figures of
    /// `/metrics` may be (they count every request and email ever made;
    /// a burst of scrapes costs one read).
    pub metrics_max_age: std::time::Duration,
    /// `MLP_TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` is
    /// believed (rate limits, logs). Empty: only the socket's address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `MLP_SQLITE_SYNCHRONOUS`: `normal` (default) or `full`.
    pub sqlite_sync: SqliteSync,
    /// Base URL of the public API "Recherche d'entreprises" (SIRET lookup).
    pub entreprises_api_url: String,
    /// Where local state goes (SQLite file, generated secret, mail files).
    pub var_dir: PathBuf,
    /// Sign-in of public agents with ProConnect; `None` leaves only the
    /// one-time links.
    pub proconnect: Option<ProConnectConfig>,
    /// What slow or numerous clients may hold of the HTTP server.
    pub http: HttpLimits,
    /// The deadlines of the requests' schedule.
    pub deadlines: Deadlines,
    /// `MLP_RETENTION_MOIS` (24): months after a request ended before the
    /// company's personal data in it is anonymised (docs/rgpd.md).
    pub retention_months: u32,
    /// `MLP_DATA_REFRESH` (weekly): how often the worker downloads the
    /// reference data again and imports it; `None` (`0`): never.
    pub data_refresh: Option<Duration>,
}

/// Limits of the HTTP server (`web::server`), so that clients that send
/// slowly, or too many at once, cannot hold every file descriptor nor keep
/// the process alive after SIGTERM (docs/decisions.md § 14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// `MLP_HEADER_READ_TIMEOUT_SECONDS` (10): time a client has to send a
    /// request's headers; also how long an idle keep-alive connection is
    /// kept, since hyper starts this timer while it waits for the next
    /// request.
    pub header_read_timeout: Duration,
    /// `MLP_BODY_READ_TIMEOUT_SECONDS` (30): time a whole request body has
    /// to arrive once its headers are in, else 408 (the largest body, a
    /// 1 MiB CSV import, needs about 35 kB/s).
    pub body_read_timeout: Duration,
    /// `MLP_MAX_CONNECTIONS` (1024): connections served at once; at the cap
    /// new clients wait. Lowered at start to fit in the process's
    /// open-files limit.
    pub max_connections: usize,
    /// `MLP_SHUTDOWN_GRACE_SECONDS` (10): after SIGTERM or Ctrl-C, how long
    /// the requests in flight may take to finish before their connections
    /// are dropped and the process exits (0: at once).
    pub shutdown_grace: Duration,
    /// `MLP_MAX_CONNECTIONS_PER_IP` (256): connections one client address
    /// (an IPv6 /64) may hold open at once; beyond, its new connections are
    /// closed at once, so that one client cannot take every slot of
    /// `max_connections` and make everyone else wait. High enough for a
    /// benchmark from the loopback (the project's own use 64 connections)
    /// and for a school's network behind one address.
    pub max_connections_per_ip: usize,
    /// Addresses the per-address limit does not apply to: the reverse
    /// proxies of `MLP_TRUSTED_PROXIES`, through which every client comes
    /// (filled by `web::serve_on` from the configuration).
    pub per_ip_exempt: Vec<std::net::IpAddr>,
}

impl Default for HttpLimits {
    fn default() -> HttpLimits {
        HttpLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
            max_connections_per_ip: 256,
            per_ip_exempt: Vec::new(),
        }
    }
}

impl HttpLimits {
    fn from_env() -> Result<HttpLimits, ConfigError> {
        Self::from_vars(var)
    }

    /// The limits from the variables `get` gives, defaults for the others.
    fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<HttpLimits, ConfigError> {
        let d = HttpLimits::default();
        let number = |variable: &'static str, default: u64, min: u64| number(&get, variable, default, min);
        Ok(HttpLimits {
            header_read_timeout: Duration::from_secs(number(
                "MLP_HEADER_READ_TIMEOUT_SECONDS",
                d.header_read_timeout.as_secs(),
                1,
            )?),
            body_read_timeout: Duration::from_secs(number(
                "MLP_BODY_READ_TIMEOUT_SECONDS",
                d.body_read_timeout.as_secs(),
                1,
            )?),
            max_connections: usize::try_from(number("MLP_MAX_CONNECTIONS", d.max_connections as u64, 1)?)
                .unwrap_or(usize::MAX),
            shutdown_grace: Duration::from_secs(number("MLP_SHUTDOWN_GRACE_SECONDS", d.shutdown_grace.as_secs(), 0)?),
            max_connections_per_ip: usize::try_from(number(
                "MLP_MAX_CONNECTIONS_PER_IP",
                d.max_connections_per_ip as u64,
                1,
            )?)
            .unwrap_or(usize::MAX),
            per_ip_exempt: Vec::new(),
        })
    }
}

/// A whole number setting of at least `min`, `default` when unset.
fn number(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: u64,
    min: u64,
) -> Result<u64, ConfigError> {
    match get(variable) {
        None => Ok(default),
        Some(v) => v.trim().parse::<u64>().ok().filter(|n| *n >= min).ok_or_else(|| ConfigError {
            variable,
            message: format!("nombre entier attendu, au moins {min} (« {v} » reçu)"),
        }),
    }
}

/// The deadlines of a request's schedule (`domain::lifecycle::Deadlines`),
/// each a setting: `MLP_RELANCE_PILOTE_JOURS` (2 working days),
/// `MLP_PILOTE_JOURS` (3), `MLP_RELANCE_TOUS_JOURS` (5), `MLP_ESCALADE_JOURS`
/// (8), `MLP_SANS_REPONSE_JOURS` (20), `MLP_RELANCE_MESSAGE_JOURS` (5),
/// `MLP_DEMANDE_CLOTURE_JOURS` (45 calendar days), `MLP_REOUVERTURE_JOURS`
/// (30 calendar days).
fn deadlines_from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Deadlines, ConfigError> {
    let d = Deadlines::default();
    let days = |variable: &'static str, default: u32| -> Result<u32, ConfigError> {
        number(&get, variable, u64::from(default), 1).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    let calendar = |variable: &'static str, default: i64| -> Result<i64, ConfigError> {
        number(&get, variable, default.unsigned_abs(), 1).map(|n| i64::try_from(n).unwrap_or(i64::MAX))
    };
    let out = Deadlines {
        pilot_reminder: days("MLP_RELANCE_PILOTE_JOURS", d.pilot_reminder)?,
        pilot_moves: days("MLP_PILOTE_JOURS", d.pilot_moves)?,
        everyone_reminder: days("MLP_RELANCE_TOUS_JOURS", d.everyone_reminder)?,
        escalation: days("MLP_ESCALADE_JOURS", d.escalation)?,
        no_answer: days("MLP_SANS_REPONSE_JOURS", d.no_answer)?,
        message_reminder: days("MLP_RELANCE_MESSAGE_JOURS", d.message_reminder)?,
        close_request_days: calendar("MLP_DEMANDE_CLOTURE_JOURS", d.close_request_days)?,
        reopen_days: calendar("MLP_REOUVERTURE_JOURS", d.reopen_days)?,
    };
    if out.pilot_moves <= out.pilot_reminder {
        return Err(ConfigError {
            variable: "MLP_PILOTE_JOURS",
            message: "doit dépasser MLP_RELANCE_PILOTE_JOURS (le pilote est relancé avant de passer la main)".into(),
        });
    }
    if out.no_answer <= out.escalation {
        return Err(ConfigError {
            variable: "MLP_SANS_REPONSE_JOURS",
            message: "doit dépasser MLP_ESCALADE_JOURS (la coordination est prévenue avant la fin)".into(),
        });
    }
    Ok(out)
}

/// This service as a client of ProConnect (OpenID Connect), as registered
/// on the partners' portal.
#[derive(Clone)]
pub struct ProConnectConfig {
    /// `MLP_PROCONNECT_ISSUER`, e.g. `https://auth.agentconnect.gouv.fr/api/v2`
    /// (the discovery document is under it).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The secret stays out of logs and panics.
impl std::fmt::Debug for ProConnectConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProConnectConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"…")
            .finish()
    }
}

impl ProConnectConfig {
    /// The three `MLP_PROCONNECT_*` variables: none means ProConnect is off;
    /// some but not all is a mistake worth stopping for.
    fn from_env() -> Result<Option<ProConnectConfig>, ConfigError> {
        Self::from_vars(
            var("MLP_PROCONNECT_ISSUER"),
            var("MLP_PROCONNECT_CLIENT_ID"),
            var("MLP_PROCONNECT_CLIENT_SECRET"),
        )
    }

    fn from_vars(
        issuer: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
    ) -> Result<Option<ProConnectConfig>, ConfigError> {
        let (issuer, client_id, client_secret) = match (issuer, client_id, client_secret) {
            (None, None, None) => return Ok(None),
            (Some(i), Some(c), Some(s)) => (i, c, s),
            (i, c, _) => {
                let variable = if i.is_none() {
                    "MLP_PROCONNECT_ISSUER"
                } else if c.is_none() {
                    "MLP_PROCONNECT_CLIENT_ID"
                } else {
                    "MLP_PROCONNECT_CLIENT_SECRET"
                };
                return Err(ConfigError {
                    variable,
                    message: "manquant : ProConnect demande MLP_PROCONNECT_ISSUER, MLP_PROCONNECT_CLIENT_ID et \
                              MLP_PROCONNECT_CLIENT_SECRET"
                        .into(),
                });
            }
        };
        if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
            return Err(ConfigError {
                variable: "MLP_PROCONNECT_ISSUER",
                message: "doit commencer par https://, par exemple https://auth.agentconnect.gouv.fr/api/v2".into(),
            });
        }
        Ok(Some(ProConnectConfig { issuer: issuer.trim_end_matches('/').to_string(), client_id, client_secret }))
    }
}

/// Values of the `.env` file of the working directory, if any: `KEY=VALUE`
/// lines. The real environment always wins over the file.
/// The `.env` file of the working directory, read once into a map: the
/// process environment is left untouched (`dotenvy::from_path_iter`, not
/// `dotenvy::dotenv`), so tests that build configurations stay isolated.
fn dotenv() -> &'static HashMap<String, String> {
    static DOTENV: OnceLock<HashMap<String, String>> = OnceLock::new();
    DOTENV.get_or_init(|| read_dotenv(std::path::Path::new(".env")))
}

/// The variables of a `.env` file (quotes, comments and `export` as a
/// shell reads them); the lines before a malformed one are kept and the
/// error is printed, no file at all is an empty map.
fn read_dotenv(path: &std::path::Path) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    let Ok(iter) = dotenvy::from_path_iter(path) else {
        return vars;
    };
    for item in iter {
        match item {
            Ok((k, v)) => {
                vars.insert(k, v);
            }
            Err(e) => {
                // Read before the logs are set up (RUST_LOG may come from
                // this very file): straight to stderr.
                eprintln!("{} mal formé, lu jusqu'à l'erreur : {e}", path.display());
                break;
            }
        }
    }
    vars
}

/// A configuration variable, from the environment or else the `.env` file.
pub fn var(name: &str) -> Option<String> {
    lookup(name, |n| std::env::var(n).ok(), dotenv())
}

/// The environment first, then the `.env` file; a blank value counts as unset.
fn lookup(name: &str, env: impl Fn(&str) -> Option<String>, dotenv: &HashMap<String, String>) -> Option<String> {
    env(name).or_else(|| dotenv.get(name).cloned()).filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads the configuration from the environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        let var_dir = PathBuf::from(var("MLP_VAR_DIR").unwrap_or_else(|| "var".into()));
        let database_url =
            var("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}/monlyceepro.db", var_dir.display()));
        if crate::storage::Engine::of_url(&database_url).is_none() {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                message: "doit commencer par sqlite:// ou postgres://".into(),
            });
        }
        let bind = var("MLP_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()).parse().map_err(|_| ConfigError {
            variable: "MLP_BIND",
            message: "adresse attendue, par exemple 127.0.0.1:8080".into(),
        })?;
        let base_url = var("MLP_BASE_URL").unwrap_or_else(|| "http://localhost:8080".into());
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ConfigError {
                variable: "MLP_BASE_URL",
                message: "doit commencer par http:// ou https://".into(),
            });
        }
        let data_dir = match var("MLP_DATA_DIR") {
            Some(d) => PathBuf::from(d),
            None if Path::new("data").is_dir() => PathBuf::from("data"),
            None if Path::new("../shared/data").is_dir() => PathBuf::from("../shared/data"),
            // Filled by `monlyceepro download` on first start (OPERATIONS.md).
            None => var_dir.join("data"),
        };
        let smtp_url = var("MLP_SMTP_URL");
        if let Some(u) = &smtp_url
            && !(u.starts_with("smtp://") || u.starts_with("smtps://"))
        {
            return Err(ConfigError {
                variable: "MLP_SMTP_URL",
                message: "doit commencer par smtp:// ou smtps://".into(),
            });
        }
        let mail_from = var("MLP_MAIL_FROM").unwrap_or_else(|| "MonLycéePro <ne-pas-repondre@localhost>".into());
        let rate_limit_per_minute = match var("MLP_RATE_LIMIT_PER_MINUTE") {
            None => 20,
            Some(v) => v.parse().map_err(|_| ConfigError {
                variable: "MLP_RATE_LIMIT_PER_MINUTE",
                message: "nombre entier attendu (0 désactive la limite)".into(),
            })?,
        };
        let metrics_max_age = std::time::Duration::from_secs(number(&var, "MLP_METRICS_MAX_AGE_SECS", 10, 0)?);
        let api_key_rate_limit_per_minute = match var("MLP_API_KEY_RATE_LIMIT_PER_MINUTE") {
            None => 600,
            Some(v) => v.parse().map_err(|_| ConfigError {
                variable: "MLP_API_KEY_RATE_LIMIT_PER_MINUTE",
                message: "nombre entier attendu (0 désactive la limite)".into(),
            })?,
        };
        let secret_key: Secret = match var("MLP_SECRET_KEY") {
            Some(k) if k.len() >= 32 => k.into_bytes(),
            Some(_) => {
                return Err(ConfigError { variable: "MLP_SECRET_KEY", message: "au moins 32 caractères".into() });
            }
            None => stored_secret(&var_dir)?,
        }
        .into();
        let metrics_token = match var("MLP_METRICS_TOKEN") {
            Some(t) if t.len() >= 16 => Some(Secret(t.into_bytes())),
            Some(_) => {
                return Err(ConfigError { variable: "MLP_METRICS_TOKEN", message: "au moins 16 caractères".into() });
            }
            None => None,
        };
        let trusted_proxies = match var("MLP_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(|s| s.parse())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| ConfigError {
                    variable: "MLP_TRUSTED_PROXIES",
                    message: "adresses IP séparées par des virgules attendues, par exemple 127.0.0.1,10.0.0.2".into(),
                })?,
        };
        let sqlite_sync = SqliteSync::from_setting(var("MLP_SQLITE_SYNCHRONOUS").as_deref())?;
        let entreprises_api_url =
            var("MLP_ENTREPRISES_API_URL").unwrap_or_else(|| "https://recherche-entreprises.api.gouv.fr".into());
        let proconnect = ProConnectConfig::from_env()?;
        let http = HttpLimits::from_env()?;
        let deadlines = deadlines_from_vars(var)?;
        let retention_months = retention_months_from_vars(var)?;
        let data_refresh = data_refresh_from(var("MLP_DATA_REFRESH").as_deref())?;
        Ok(Config {
            retention_months,
            data_refresh,
            deadlines,
            entreprises_api_url,
            database_url: database_url.into(),
            bind,
            base_url: base_url.trim_end_matches('/').to_string(),
            data_dir,
            smtp_url: smtp_url.map(ConnectionUrl::from),
            mail_from,
            contact_email: var("MLP_CONTACT_EMAIL").filter(|v| v.contains('@')),
            secret_key,
            rate_limit_per_minute,
            api_key_rate_limit_per_minute,
            metrics_token,
            metrics_max_age,
            trusted_proxies,
            sqlite_sync,
            var_dir,
            proconnect,
            http,
        })
    }
}

/// Default of `MLP_DATA_REFRESH`: the producers publish monthly at most
/// (Certif Info), the ROME twice a year.
pub const DATA_REFRESH: Duration = Duration::from_secs(7 * 24 * 3600);

/// `MLP_DATA_REFRESH`: `0` (never), `quotidien`, `hebdomadaire` (default),
/// `mensuel`, or a number of hours or days (`12h`, `3j`).
pub fn data_refresh_from(value: Option<&str>) -> Result<Option<Duration>, ConfigError> {
    const HOUR: u64 = 3600;
    let err = || ConfigError {
        variable: "MLP_DATA_REFRESH",
        message: "0 (jamais), quotidien, hebdomadaire, mensuel, ou une durée comme 12h ou 3j".into(),
    };
    let Some(v) = value.map(|v| v.trim().to_lowercase()) else { return Ok(Some(DATA_REFRESH)) };
    let hours = match v.as_str() {
        "0" | "jamais" => return Ok(None),
        "quotidien" => 24,
        "hebdomadaire" => 7 * 24,
        "mensuel" => 30 * 24,
        other => {
            let (n, unit) = other.split_at(other.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?);
            let n: u64 = n.parse().map_err(|_| err())?;
            match unit.trim() {
                "h" => n,
                "j" => n * 24,
                _ => return Err(err()),
            }
        }
    };
    if hours == 0 {
        return Ok(None);
    }
    Ok(Some(Duration::from_secs(hours * HOUR)))
}

/// Default of `MLP_RETENTION_MOIS`.
pub const RETENTION_MONTHS: u32 = 24;

/// `MLP_RETENTION_MOIS`: a whole number of months, 1 to 120 (ten years is
/// already far beyond what the register of processing allows).
fn retention_months_from_vars(get: impl Fn(&str) -> Option<String>) -> Result<u32, ConfigError> {
    let n = number(&get, "MLP_RETENTION_MOIS", RETENTION_MONTHS.into(), 1)?;
    u32::try_from(n).ok().filter(|n| *n <= 120).ok_or_else(|| ConfigError {
        variable: "MLP_RETENTION_MOIS",
        message: format!("nombre de mois attendu, de 1 à 120 (« {n} » reçu)"),
    })
}

/// The secret generated on first start and kept under `var/` (laptops and
/// single instances; several instances must share `MLP_SECRET_KEY`).
fn stored_secret(var_dir: &Path) -> Result<Vec<u8>, ConfigError> {
    let path = var_dir.join("secret_key");
    let err =
        |e: std::io::Error| ConfigError { variable: "MLP_SECRET_KEY", message: format!("{} : {e}", path.display()) };
    if let Ok(k) = std::fs::read_to_string(&path)
        && k.trim().len() >= 32
    {
        return Ok(k.trim().as_bytes().to_vec());
    }
    std::fs::create_dir_all(var_dir).map_err(err)?;
    let key = hex::encode(rand::random::<[u8; 32]>());
    std::fs::write(&path, &key).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(key.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::{HttpLimits, ProConnectConfig, deadlines_from_vars, retention_months_from_vars};
    use std::time::Duration;

    #[test]
    fn the_data_refresh_reads_words_and_durations() {
        let hours = |v: Option<&str>| {
            super::data_refresh_from(v).map(|d| d.map(|d| d.as_secs() / 3600)).map_err(|e| e.variable)
        };
        assert_eq!(hours(None), Ok(Some(7 * 24)));
        assert_eq!(hours(Some("0")), Ok(None));
        assert_eq!(hours(Some("Quotidien")), Ok(Some(24)));
        assert_eq!(hours(Some("12h")), Ok(Some(12)));
        assert_eq!(hours(Some("3j")), Ok(Some(72)));
        assert_eq!(hours(Some("0h")), Ok(None));
        for bad in ["toujours", "12", "3 semaines", "-1j"] {
            let e = super::data_refresh_from(Some(bad)).unwrap_err();
            assert_eq!(e.variable, "MLP_DATA_REFRESH", "{bad}");
        }
    }

    #[test]
    fn dotenv_reads_quotes_comments_and_export_and_the_environment_wins() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "# a comment\n\
             MLP_A=plain\n\
             export MLP_B=\"with spaces # not a comment\"\n\
             MLP_C='single'   # trailing comment\n\
             MLP_D=\n\
             MLP_E=from-file\n",
        )
        .expect("write .env");
        let file = super::read_dotenv(&path);
        assert_eq!(file.get("MLP_A").map(String::as_str), Some("plain"));
        assert_eq!(file.get("MLP_B").map(String::as_str), Some("with spaces # not a comment"));
        assert_eq!(file.get("MLP_C").map(String::as_str), Some("single"));
        let env = |n: &str| (n == "MLP_E").then(|| "from-env".to_string());
        assert_eq!(super::lookup("MLP_E", env, &file).as_deref(), Some("from-env"), "the environment wins");
        assert_eq!(super::lookup("MLP_A", env, &file).as_deref(), Some("plain"));
        assert_eq!(super::lookup("MLP_D", env, &file), None, "blank is unset");
        assert_eq!(super::lookup("MLP_Z", env, &file), None);
        assert!(super::read_dotenv(&dir.path().join("absent")).is_empty());
    }

    #[test]
    fn http_limits_have_defaults_and_name_the_bad_variable() {
        assert_eq!(HttpLimits::from_vars(|_| None).expect("defaults"), HttpLimits::default());
        let set = |name: &'static str, value: &'static str| move |n: &str| (n == name).then(|| value.to_string());
        let grace = HttpLimits::from_vars(set("MLP_SHUTDOWN_GRACE_SECONDS", "3")).expect("valid");
        assert_eq!(grace.shutdown_grace, Duration::from_secs(3));
        assert_eq!(
            HttpLimits::from_vars(set("MLP_SHUTDOWN_GRACE_SECONDS", "0")).expect("0").shutdown_grace,
            Duration::ZERO
        );
        assert_eq!(HttpLimits::from_vars(set("MLP_MAX_CONNECTIONS", "64")).expect("valid").max_connections, 64);
        assert_eq!(HttpLimits::default().max_connections_per_ip, 256, "above the benchmarks' 64 connections");
        assert_eq!(
            HttpLimits::from_vars(set("MLP_MAX_CONNECTIONS_PER_IP", "8")).expect("valid").max_connections_per_ip,
            8
        );
        for (name, bad) in [
            ("MLP_MAX_CONNECTIONS_PER_IP", "0"),
            ("MLP_MAX_CONNECTIONS_PER_IP", "aucune"),
            ("MLP_MAX_CONNECTIONS", "0"),
            ("MLP_MAX_CONNECTIONS", "beaucoup"),
            ("MLP_HEADER_READ_TIMEOUT_SECONDS", "0"),
            ("MLP_BODY_READ_TIMEOUT_SECONDS", "-1"),
            ("MLP_SHUTDOWN_GRACE_SECONDS", "2.5"),
        ] {
            assert_eq!(HttpLimits::from_vars(set(name, bad)).map_err(|e| e.variable), Err(name), "{name}={bad}");
        }
    }

    #[test]
    fn deadlines_are_settings() {
        assert_eq!(deadlines_from_vars(|_| None).expect("défauts"), domain::lifecycle::Deadlines::default());
        let set = |name: &'static str, value: &'static str| move |n: &str| (n == name).then(|| value.to_string());
        assert_eq!(deadlines_from_vars(set("MLP_ESCALADE_JOURS", "10")).expect("valide").escalation, 10);
        for (name, bad) in [("MLP_ESCALADE_JOURS", "0"), ("MLP_PILOTE_JOURS", "1"), ("MLP_SANS_REPONSE_JOURS", "deux")]
        {
            assert_eq!(deadlines_from_vars(set(name, bad)).map_err(|e| e.variable), Err(name), "{name}={bad}");
        }
    }

    #[test]
    fn retention_is_a_setting_in_months() {
        assert_eq!(retention_months_from_vars(|_| None).expect("défaut"), 24);
        let set = |value: &'static str| move |n: &str| (n == "MLP_RETENTION_MOIS").then(|| value.to_string());
        assert_eq!(retention_months_from_vars(set("36")).expect("valide"), 36);
        for bad in ["0", "deux ans", "-1", "121"] {
            let e = retention_months_from_vars(set(bad)).expect_err(bad);
            assert_eq!(e.variable, "MLP_RETENTION_MOIS", "{bad}");
        }
    }

    #[test]
    fn passwords_in_urls_stay_out_of_debug() {
        use super::ConnectionUrl;
        for (url, shown) in [
            ("postgres://mlp:s3cret@db.internal:5432/mlp", "postgres://mlp:…@db.internal:5432/mlp"),
            ("smtps://relay:p@ss@smtp.example.fr:465", "smtps://relay:…@smtp.example.fr:465"),
            ("postgres://mlp:s3cret@db/mlp?sslmode=require", "postgres://mlp:…@db/mlp?sslmode=require"),
            ("smtp://127.0.0.1:2525", "smtp://127.0.0.1:2525"),
            ("postgres://mlp@db/mlp", "postgres://mlp@db/mlp"),
            ("sqlite://var/monlyceepro.db", "sqlite://var/monlyceepro.db"),
        ] {
            let u = ConnectionUrl::from(url);
            assert_eq!(u.redacted(), shown, "{url}");
            assert_eq!(format!("{u:?}"), format!("{shown:?}"));
            assert_eq!(&*u, url, "usable as is");
        }
        // As a field of a derived `Debug` (the way `Config` prints it).
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            database_url: ConnectionUrl,
            smtp_url: Option<ConnectionUrl>,
        }
        let h = Holder {
            database_url: "postgres://mlp:tres-secret@db/mlp".into(),
            smtp_url: Some("smtps://relais:tres-secret@smtp.example.fr".into()),
        };
        assert!(!format!("{h:?}").contains("tres-secret"), "{h:?}");
    }

    #[test]
    fn sqlite_synchronous_setting() {
        use super::SqliteSync;
        assert_eq!(SqliteSync::from_setting(None).expect("défaut"), SqliteSync::Normal);
        assert_eq!(SqliteSync::from_setting(Some("normal")).expect("normal"), SqliteSync::Normal);
        assert_eq!(SqliteSync::from_setting(Some(" FULL ")).expect("full"), SqliteSync::Full);
        assert_eq!(SqliteSync::from_setting(Some("off")).map_err(|e| e.variable), Err("MLP_SQLITE_SYNCHRONOUS"));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let s = super::Secret::from(b"tres-secret-tres-long-0123456789".to_vec());
        assert_eq!(format!("{s:?}"), "Secret(…)");
        assert_eq!(s.expose(), b"tres-secret-tres-long-0123456789");
    }

    #[test]
    fn proconnect_is_all_or_nothing() {
        let s = |v: &str| Some(v.to_string());
        assert!(ProConnectConfig::from_vars(None, None, None).expect("off").is_none());
        let on = ProConnectConfig::from_vars(s("https://auth.agentconnect.gouv.fr/api/v2/"), s("id"), s("tres-secret"))
            .expect("on")
            .expect("configured");
        assert_eq!(on.issuer, "https://auth.agentconnect.gouv.fr/api/v2");
        assert!(!format!("{on:?}").contains("tres-secret"), "the secret stays out of logs");
        let missing = ProConnectConfig::from_vars(s("https://auth.agentconnect.gouv.fr/api/v2"), s("id"), None);
        assert_eq!(missing.map(|_| ()).map_err(|e| e.variable), Err("MLP_PROCONNECT_CLIENT_SECRET"));
        let missing = ProConnectConfig::from_vars(None, s("id"), s("secret"));
        assert_eq!(missing.map(|_| ()).map_err(|e| e.variable), Err("MLP_PROCONNECT_ISSUER"));
        let bad = ProConnectConfig::from_vars(s("auth.agentconnect.gouv.fr"), s("id"), s("secret"));
        assert_eq!(bad.map(|_| ()).map_err(|e| e.variable), Err("MLP_PROCONNECT_ISSUER"));
    }
}
