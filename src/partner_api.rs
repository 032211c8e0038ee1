//! Partner platforms (API.md, "Partner platforms"; docs/partenaires.md):
//! Les entreprises s'engagent, 1jeune1solution, an académie's or a
//! branch's site create requests for their companies with an API key, are
//! told what becomes of them by signed webhooks, and may embed the request
//! form.
//!
//! - Keys (`mlp_…`) are shown once and stored as their SHA-256; a revoked
//!   key keeps its row, so its requests stay attributed.
//! - Webhooks are written in the transaction of the change they tell
//!   ([`tell_partner`]), like emails in the outbox, and delivered by the
//!   worker ([`Webhooks::deliver_due`]): in order per request, with retries
//!   and doubling waits (a partner down for a day loses nothing), each
//!   attempt recorded, redirects never followed, and never to a private or
//!   loopback address (SSRF) — except loopback when the service itself runs
//!   on the loopback (a laptop, the tests).

use crate::clock;
use crate::security::{random_id, random_token, token_hash};
use crate::storage::api_keys::{self as store, Attempt, Attempted, KeyLine, KeyRow, WebhookRow};
use crate::storage::requests::DemandeRow;
use crate::storage::{Db, Tx};
use domain::lifecycle::PartnerEvent;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// What every key starts with (recognisable in logs and secret scanners).
pub const KEY_PREFIX: &str = "mlp_";
/// Characters of a key shown in lists (`mlp_AbCd…`).
const SHOWN: usize = 8;
/// Attempts before an event is given up: with waits doubling from 5 s up to
/// an hour, about a day.
pub const MAX_ATTEMPTS: i64 = 30;
/// How long a partner's endpoint may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Events claimed per round (delivered concurrently).
pub const BATCH: i64 = 20;
/// How long a claimed event is reserved for its worker.
const LEASE: Duration = Duration::from_secs(120);
/// The last use of a key is written at most this often.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// A partner platform, as its key identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub id: String,
    pub name: String,
    /// Origins allowed to embed the request form.
    pub origins: Vec<String>,
}

impl Partner {
    fn of(k: &KeyRow) -> Partner {
        Partner {
            id: k.id.clone(),
            name: k.nom.clone(),
            origins: k.origines.split_whitespace().map(str::to_string).collect(),
        }
    }
}

/// A key to create.
#[derive(Debug, Clone, Default)]
pub struct NewKey {
    pub name: String,
    pub webhook: Option<String>,
    pub origins: Vec<String>,
}

/// A key just created: the only time the key and the webhook secret are
/// seen.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub name: String,
    pub key: String,
    pub webhook_secret: Option<String>,
}

/// Why a key is not created: each in the words shown to the administrator,
/// about one field ([`KeyError::field`]).
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("nom : {}", self.detail())]
    Name,
    #[error("nom : {}", self.detail())]
    NameTaken,
    #[error("webhook : {}", self.detail())]
    Webhook(String),
    #[error("origine : {}", self.detail())]
    Origin(String),
    #[error("{}", self.detail())]
    Unknown,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl KeyError {
    /// The field the error is about: `nom`, `webhook` or `origines`.
    pub fn field(&self) -> &'static str {
        match self {
            KeyError::Webhook(_) => "webhook",
            KeyError::Origin(_) => "origines",
            _ => "nom",
        }
    }

    /// What is wrong, without the field's name (shown next to the field).
    pub fn detail(&self) -> String {
        match self {
            KeyError::Name => "de 2 à 60 lettres, chiffres, espaces, points, tirets ou apostrophes".into(),
            KeyError::NameTaken => "une clé porte déjà ce nom (même révoquée, un nom n'est pas redonné)".into(),
            KeyError::Webhook(why) => why.clone(),
            KeyError::Origin(o) => {
                format!("« {o} » n'est pas une origine https (par exemple https://www.1jeune1solution.gouv.fr)")
            }
            KeyError::Unknown => "aucune clé active ne porte ce nom".into(),
            KeyError::Db(e) => e.to_string(),
        }
    }
}

/// Why a call's key is refused (401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefused {
    /// Not of the form `mlp_…`.
    Malformed,
    Unknown,
    Revoked,
}

impl KeyRefused {
    pub fn message(self) -> &'static str {
        match self {
            KeyRefused::Malformed => "clé d'API mal formée : « Authorization: Bearer mlp_… » attendu",
            KeyRefused::Unknown => "clé d'API inconnue",
            KeyRefused::Revoked => "clé d'API révoquée",
        }
    }
}

/// A partner's name: shown to lycées ("via 1jeune1solution") and used in
/// the embedded form's address.
pub fn valid_name(name: &str) -> Option<String> {
    let name = name.trim();
    let ok = (2..=60).contains(&name.chars().count())
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '\''));
    ok.then(|| name.to_string())
}

/// An origin allowed to embed the form: `https://host[:port]`, nothing
/// after (or `http://` on the loopback when `loopback` is allowed).
pub fn valid_origin(origin: &str, loopback: bool) -> Result<String, KeyError> {
    let refused = || KeyError::Origin(origin.to_string());
    let url = reqwest::Url::parse(origin.trim()).map_err(|_| refused())?;
    let plain = url.path() == "/" && url.query().is_none() && url.fragment().is_none() && url.username().is_empty();
    let host_is_loopback = url.host_str().is_some_and(is_loopback_host);
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback && host_is_loopback);
    if !plain || !scheme_ok || url.host_str().is_none() {
        return Err(refused());
    }
    Ok(url.origin().ascii_serialization())
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost" || host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Addresses a webhook may never reach: private networks, the loopback,
/// link-local (cloud metadata), shared, reserved, multicast, documentation;
/// and the IPv6 ranges that embed or relay an IPv4 address, which on some
/// networks lead to a private one: IPv4-mapped and IPv4-compatible
/// (`::ffff:10.0.0.1`, `::127.0.0.1`), NAT64 (`64:ff9b::/96`,
/// `64:ff9b:1::/48`), 6to4 (`2002::/16`), Teredo (`2001::/32`), and the
/// deprecated site-local range (`fec0::/10`), still routed inside some
/// organisations.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            let first = seg[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local fec0::/10
                || (first == 0x2001 && seg[1] == 0x0db8) // documentation
                || (first == 0x2001 && seg[1] == 0) // Teredo 2001::/32
                || first == 0x2002 // 6to4 2002::/16
                || (first == 0x0064 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0]) // NAT64 64:ff9b::/96
                || (first == 0x0064 && seg[1] == 0xff9b && seg[2] == 1) // local NAT64 64:ff9b:1::/48
                || (first == 0x0100 && seg[1..4] == [0, 0, 0]) // discard-only 100::/64
                || seg[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible ::/96
        }
    }
}

/// Whether a webhook may be delivered to `ip`: a public address, or the
/// loopback when the service itself runs there.
fn reachable(ip: IpAddr, loopback: bool) -> bool {
    !is_forbidden(ip) || (loopback && ip.is_loopback())
}

/// Checks a webhook URL at creation: https (http only to the loopback when
/// allowed), no credentials, a host that resolves, and only to addresses a
/// webhook may reach.
pub async fn check_webhook_url(raw: &str, loopback: bool) -> Result<String, KeyError> {
    let bad = |why: &str| KeyError::Webhook(why.to_string());
    let url = reqwest::Url::parse(raw.trim()).map_err(|_| bad("adresse invalide (https://… attendu)"))?;
    let host = url.host_str().ok_or_else(|| bad("adresse sans nom d'hôte"))?.to_string();
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("pas d'identifiants dans l'adresse : le webhook est signé"));
    }
    let local_http = url.scheme() == "http" && loopback && is_loopback_host(&host);
    if url.scheme() != "https" && !local_http {
        return Err(bad("l'adresse doit commencer par https://"));
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((host.trim_matches(['[', ']']), port)).await {
        Ok(a) => a.collect(),
        Err(_) => return Err(bad(&format!("le nom « {host} » ne se résout pas"))),
    };
    if addrs.is_empty() {
        return Err(bad(&format!("le nom « {host} » ne se résout pas")));
    }
    if let Some(a) = addrs.iter().find(|a| !reachable(a.ip(), loopback)) {
        return Err(bad(&format!("« {host} » mène à une adresse privée ou réservée ({}) : refusée", a.ip())));
    }
    Ok(url.to_string())
}

/// `sha256=<hex>` of `body` with `secret`: the `X-MLP-Signature` header.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepte des clés de toute longueur");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The API keys: created, listed, revoked (command line and `/admin`), and
/// checked on each call.
#[derive(Clone)]
pub struct ApiKeys {
    pub db: Db,
    /// Whether webhooks and embedding origins may be on the loopback: only
    /// when the service itself runs there.
    pub loopback: bool,
    /// When each key's last use was last written.
    touched: Arc<Mutex<HashMap<String, Instant>>>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys(boucle locale {})", self.loopback)
    }
}

/// Whether the service runs on the loopback (its base URL's host).
pub fn base_is_loopback(base_url: &str) -> bool {
    reqwest::Url::parse(base_url).ok().and_then(|u| u.host_str().map(is_loopback_host)).unwrap_or(false)
}

impl ApiKeys {
    pub fn new(db: Db, base_url: &str) -> ApiKeys {
        ApiKeys { db, loopback: base_is_loopback(base_url), touched: Arc::default() }
    }

    /// Creates a key (and a webhook secret when it has a webhook), in the
    /// audit log.
    pub async fn create(&self, new: &NewKey, by: &str, now: OffsetDateTime) -> Result<CreatedKey, KeyError> {
        let name = valid_name(&new.name).ok_or(KeyError::Name)?;
        let webhook = match new.webhook.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
            Some(w) => Some(check_webhook_url(w, self.loopback).await?),
            None => None,
        };
        let mut origins = Vec::new();
        for o in new.origins.iter().flat_map(|o| o.split_whitespace()) {
            let o = valid_origin(o, self.loopback)?;
            if !origins.contains(&o) {
                origins.push(o);
            }
        }
        let key = format!("{KEY_PREFIX}{}", random_token());
        let secret = webhook.as_ref().map(|_| format!("whsec_{}", random_token()));
        let now_s = clock::to_rfc3339(now);
        let row = KeyRow {
            id: random_id(),
            nom: name.clone(),
            empreinte: token_hash(&key),
            debut: key.chars().take(SHOWN).collect(),
            webhook_url: webhook.clone(),
            webhook_secret: secret.clone(),
            origines: origins.join(" "),
            cree_le: now_s.clone(),
            cree_par: by.to_string(),
            revoquee_le: None,
            utilisee_le: None,
        };
        let mut tx = self.db.begin().await?;
        if store::name_taken(&mut tx, &name).await? {
            return Err(KeyError::NameTaken);
        }
        store::insert_key(&mut tx, &row).await?;
        let details = format!(
            "clé {}…{}{}",
            row.debut,
            webhook.as_ref().map_or(String::new(), |w| format!(", webhook {w}")),
            if origins.is_empty() { String::new() } else { format!(", origines {}", origins.join(" ")) }
        );
        crate::accounts::audit(&mut tx, by, "cle_api_creee", &name, &details, &now_s).await?;
        tx.commit().await?;
        Ok(CreatedKey { name, key, webhook_secret: secret })
    }

    /// Every key with its request count, newest first.
    pub async fn list(&self) -> sqlx::Result<Vec<KeyLine>> {
        store::list_keys(&self.db).await
    }

    /// Revokes a key at once (its next call is a 401), in the audit log.
    pub async fn revoke(&self, name: &str, by: &str, now: OffsetDateTime) -> Result<(), KeyError> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        if !store::revoke_key(&mut tx, name, &now_s).await? {
            return Err(KeyError::Unknown);
        }
        crate::accounts::audit(&mut tx, by, "cle_api_revoquee", name, "", &now_s).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The partner of an `Authorization` header's value (`Bearer mlp_…`).
    /// A database failure is an error, never a refusal.
    pub async fn authenticate(&self, header: &str, now: OffsetDateTime) -> sqlx::Result<Result<Partner, KeyRefused>> {
        let Some(key) = header.strip_prefix("Bearer ").map(str::trim).filter(|k| well_formed(k)) else {
            return Ok(Err(KeyRefused::Malformed));
        };
        let Some(row) = store::key_by_hash(&self.db, &token_hash(key)).await? else {
            return Ok(Err(KeyRefused::Unknown));
        };
        if row.revoquee_le.is_some() {
            return Ok(Err(KeyRefused::Revoked));
        }
        self.touch(&row.id, now).await;
        Ok(Ok(Partner::of(&row)))
    }

    /// The active partner named `name` (the embedded form).
    pub async fn by_name(&self, name: &str) -> sqlx::Result<Option<Partner>> {
        Ok(store::key_by_name(&self.db, name.trim())
            .await?
            .filter(|k| k.revoquee_le.is_none())
            .map(|k| Partner::of(&k)))
    }

    /// Writes a key's last use, at most once a minute per key and
    /// instance (not a write per call); a failure only loses that date.
    async fn touch(&self, id: &str, now: OffsetDateTime) {
        let due = {
            let mut touched = self.touched.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let due = touched.get(id).is_none_or(|t| t.elapsed() >= TOUCH_EVERY);
            if due {
                touched.insert(id.to_string(), Instant::now());
            }
            due
        };
        if due && let Err(e) = store::touch_key(&self.db, id, &clock::to_rfc3339(now)).await {
            tracing::warn!(erreur = %e, "dernière utilisation de la clé d'API non enregistrée");
        }
    }
}

/// Whether `key` has the form of a key: the prefix, then 43 URL-safe
/// base64 characters (256 bits).
fn well_formed(key: &str) -> bool {
    key.strip_prefix(KEY_PREFIX)
        .is_some_and(|k| k.len() == 43 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// Queues, in the transaction of the change, what the partner of request
/// `d` is told (nothing when it came from no partner, or the partner has
/// no webhook or was revoked).
pub async fn tell_partner(tx: &mut Tx, d: &DemandeRow, events: &[PartnerEvent], now_s: &str) -> sqlx::Result<()> {
    let Some(partner) = &d.partenaire else { return Ok(()) };
    if events.is_empty() {
        return Ok(());
    }
    let rows: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            let body = serde_json::json!({
                "evenement": e.code(),
                "reference": d.reference,
                "statut": d.statut.code(),
                "date": now_s,
            });
            (random_id(), e.code().to_string(), body.to_string())
        })
        .collect();
    store::insert_webhooks(tx, partner, &d.id, &rows, now_s).await
}

/// Resolves names for webhook deliveries, keeping only the addresses a
/// webhook may reach: a name that resolved to a public address at creation
/// and to a private one now (DNS rebinding) is refused at delivery too.
struct GuardedResolver {
    loopback: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let loopback = self.loopback;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found.into_iter().filter(|a| reachable(a.ip(), loopback)).collect();
            if kept.is_empty() {
                return Err(format!("« {} » ne mène à aucune adresse publique", name.as_str()).into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// Delivers the webhooks (run by the worker).
#[derive(Clone)]
pub struct Webhooks {
    pub db: Db,
    client: reqwest::Client,
    loopback: bool,
    /// Woken when events may be waiting.
    pub wake: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Webhooks")
    }
}

/// What one delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub failed: usize,
}

impl Round {
    /// Whether the round took all it could: more may be waiting.
    pub fn full(&self) -> bool {
        (self.delivered + self.failed) as i64 >= BATCH
    }
}

impl Webhooks {
    pub fn new(db: Db, base_url: &str) -> anyhow::Result<Webhooks> {
        let loopback = base_is_loopback(base_url);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent("MonLyceePro-webhooks/1")
            .dns_resolver(Arc::new(GuardedResolver { loopback }))
            .build()?;
        Ok(Webhooks { db, client, loopback, wake: Arc::default() })
    }

    /// Delivers the events due at `now` (the first waiting of each request),
    /// concurrently; `retry_base` is the first wait after a failure.
    pub async fn deliver_due(
        &self,
        worker: &str,
        now: OffsetDateTime,
        retry_base: Duration,
        clock: &Arc<dyn crate::clock::Clock>,
    ) -> anyhow::Result<Round> {
        let until = clock::to_rfc3339(now + time::Duration::try_from(LEASE).unwrap_or(time::Duration::ZERO));
        let claimed = store::claim_webhooks(&self.db, worker, &clock::to_rfc3339(now), &until, BATCH).await?;
        if claimed.is_empty() {
            return Ok(Round::default());
        }
        let mut keys: HashMap<String, Option<KeyRow>> = HashMap::new();
        for w in &claimed {
            if !keys.contains_key(&w.cle_id) {
                let key = store::key_by_id(&self.db, &w.cle_id).await?;
                keys.insert(w.cle_id.clone(), key);
            }
        }
        let mut tasks = tokio::task::JoinSet::new();
        for w in claimed {
            let key = keys.get(&w.cle_id).cloned().flatten();
            let this = self.clone();
            let clock = clock.clone();
            tasks.spawn(async move {
                let started = Instant::now();
                let outcome = this.send(&w, key.as_ref()).await;
                let attempt = Attempt {
                    at: clock::to_rfc3339(clock.now()),
                    code: outcome.code,
                    error: outcome.error.clone(),
                    millis: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
                };
                let attempts = w.tentatives + 1;
                let retry_at = (!outcome.delivered && !outcome.final_failure && attempts < MAX_ATTEMPTS).then(|| {
                    let wait = crate::jobs::backoff(retry_base, attempts);
                    clock::to_rfc3339(clock.now() + time::Duration::try_from(wait).unwrap_or(time::Duration::ZERO))
                });
                if !outcome.delivered {
                    tracing::warn!(
                        evenement = %w.id, tentative = attempts, erreur = outcome.error.as_deref().unwrap_or(""),
                        "webhook non remis, nouvel essai prévu"
                    );
                }
                Attempted { row: w, attempt, delivered: outcome.delivered, retry_at }
            });
        }
        let mut done = Vec::new();
        while let Some(a) = tasks.join_next().await {
            done.push(a?);
        }
        store::webhooks_attempted(&self.db, worker, &done).await?;
        Ok(Round {
            delivered: done.iter().filter(|a| a.delivered).count(),
            failed: done.iter().filter(|a| !a.delivered).count(),
        })
    }

    /// One attempt: the signed POST.
    async fn send(&self, w: &WebhookRow, key: Option<&KeyRow>) -> Outcome {
        let Some((url, secret)) = key
            .filter(|k| k.revoquee_le.is_none())
            .and_then(|k| Some((k.webhook_url.clone()?, k.webhook_secret.clone()?)))
        else {
            return Outcome::given_up("clé révoquée ou sans webhook : événement abandonné");
        };
        // An address typed as an IP skips the resolver: checked here.
        if let Ok(u) = reqwest::Url::parse(&url)
            && let Some(ip) = u.host_str().and_then(|h| h.trim_matches(['[', ']']).parse::<IpAddr>().ok())
            && !reachable(ip, self.loopback)
        {
            return Outcome::given_up("adresse privée ou réservée : refusée");
        }
        let sent = self
            .client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-MLP-Signature", signature(&secret, w.corps.as_bytes()))
            .header("X-MLP-Evenement-Id", &w.id)
            .header("X-MLP-Evenement", &w.evenement)
            .body(w.corps.clone())
            .send()
            .await;
        match sent {
            Ok(res) if res.status().is_success() => Outcome {
                delivered: true,
                final_failure: false,
                code: Some(i64::from(res.status().as_u16())),
                error: None,
            },
            Ok(res) => {
                let code = res.status().as_u16();
                let why = if res.status().is_redirection() {
                    format!("redirection ({code}) non suivie")
                } else {
                    format!("réponse {code}")
                };
                Outcome { delivered: false, final_failure: false, code: Some(i64::from(code)), error: Some(why) }
            }
            Err(e) => {
                let why = if e.is_timeout() { "délai dépassé".to_string() } else { error_chain(&e) };
                Outcome { delivered: false, final_failure: false, code: None, error: Some(why) }
            }
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(" : ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// What an attempt did.
struct Outcome {
    delivered: bool,
    /// Never to be retried (a revoked key, a forbidden address).
    final_failure: bool,
    code: Option<i64>,
    error: Option<String>,
}

impl Outcome {
    fn given_up(why: &str) -> Outcome {
        Outcome { delivered: false, final_failure: true, code: None, error: Some(why.to_string()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_reserved_addresses_are_forbidden() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
            // IPv4-compatible, written both ways.
            "::127.0.0.1",
            "::7f00:1",
            "::10.0.0.1",
            "::8.8.8.8",
            // NAT64: the well-known prefix and the local-use one.
            "64:ff9b::a00:1",
            "64:ff9b::7f00:1",
            "64:ff9b::808:808",
            "64:ff9b:1::1",
            "64:ff9b:1:ffff::a00:1",
            // Site-local, 6to4, Teredo, discard-only.
            "fec0::1",
            "feff:ffff::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001::1",
            "100::1",
        ] {
            assert!(is_forbidden(bad.parse().expect("ip")), "{bad}");
        }
        for good in [
            "8.8.8.8",
            "185.24.184.10",
            "2a00:1450:4007::1",
            // Neighbours of the refused ranges stay public.
            "2001:4860:4860::8888",
            "2001:1::1",
            "2003::1",
            "64:ff9c::1",
            "64:ff9b:2::1",
            "101::1",
        ] {
            assert!(!is_forbidden(good.parse().expect("ip")), "{good}");
        }
        assert!(reachable("127.0.0.1".parse().expect("ip"), true));
        assert!(!reachable("10.0.0.1".parse().expect("ip"), true), "private even on a laptop");
    }

    #[tokio::test]
    async fn webhook_urls_are_https_and_public() {
        let refused = |r: Result<String, KeyError>| match r {
            Err(KeyError::Webhook(why)) => why,
            other => panic!("refus attendu : {other:?}"),
        };
        assert!(refused(check_webhook_url("http://example.org/hook", false).await).contains("https://"));
        assert!(refused(check_webhook_url("https://127.0.0.1/hook", false).await).contains("privée"));
        assert!(refused(check_webhook_url("https://10.0.0.8/hook", true).await).contains("privée"));
        assert!(refused(check_webhook_url("https://[::1]:8443/hook", false).await).contains("privée"));
        assert!(refused(check_webhook_url("https://user:pw@example.org/", false).await).contains("identifiants"));
        assert!(refused(check_webhook_url("pas une adresse", false).await).contains("invalide"));
        assert!(refused(check_webhook_url("https://localhost/hook", false).await).contains("privée"));
        for embedded in ["https://[::127.0.0.1]/hook", "https://[64:ff9b::a00:1]/hook", "https://[2002:a00:1::1]/hook"]
        {
            assert!(refused(check_webhook_url(embedded, false).await).contains("privée"), "{embedded}");
        }
        // On the loopback (a laptop, the tests), the loopback is allowed.
        assert!(check_webhook_url("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(refused(check_webhook_url("http://127.0.0.1:9/hook", false).await).contains("https://"));
    }

    #[test]
    fn names_origins_and_keys() {
        assert_eq!(valid_name(" 1jeune1solution ").as_deref(), Some("1jeune1solution"));
        assert_eq!(valid_name("Les entreprises s'engagent").as_deref(), Some("Les entreprises s'engagent"));
        for bad in ["", "x", "<script>", "a/b", "nom?x=1", &"a".repeat(61)] {
            assert!(valid_name(bad).is_none(), "{bad}");
        }
        assert_eq!(
            valid_origin("https://www.1jeune1solution.gouv.fr", false).expect("ok"),
            "https://www.1jeune1solution.gouv.fr"
        );
        assert_eq!(valid_origin("https://site.fr:8443/", false).expect("ok"), "https://site.fr:8443");
        for bad in ["http://site.fr", "https://site.fr/page", "site.fr", "https://site.fr?x", "javascript:alert(1)"] {
            assert!(valid_origin(bad, false).is_err(), "{bad}");
        }
        assert!(valid_origin("http://127.0.0.1:8080", true).is_ok());
        assert!(valid_origin("http://127.0.0.1:8080", false).is_err());
        let key = format!("{KEY_PREFIX}{}", random_token());
        assert!(well_formed(&key));
        for bad in ["", "mlp_", "mlp_court", "abc_0123456789012345678901234567890123456789012", &format!("{key}x")] {
            assert!(!well_formed(bad), "{bad}");
        }
        assert!(base_is_loopback("http://127.0.0.1:8080"));
        assert!(base_is_loopback("http://localhost:8080"));
        assert!(!base_is_loopback("https://monlyceepro.beta.gouv.fr"));
    }

    #[test]
    fn the_signature_is_the_hmac_of_the_raw_body() {
        // Computed independently: Python's
        // hmac.new(b"secret", body, "sha256").hexdigest().
        assert_eq!(
            signature("secret", br#"{"evenement":"demande.transmise"}"#),
            "sha256=3df388bf87cf913eb2ee454720a606e6887030fde19e722a67935a1ba8ef2642"
        );
    }
}
