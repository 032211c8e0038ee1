//! Sign-in of public agents with ProConnect, the State's OpenID Connect
//! provider (authorization code flow with PKCE).
//!
//! The steps that can be pure are: the attempt's random values, the
//! authorization URL and the checks of an ID token against a key set. The
//! client around them fetches the discovery document and the keys (cached
//! in memory: they change when ProConnect rotates its keys, not per
//! sign-in), exchanges the code and reads the userinfo.
//!
//! ProConnect proves who the person is; whether they may use the workspace
//! is still decided by our accounts (found by ProConnect identity, else by
//! address), as with the one-time links.

use crate::config::ProConnectConfig;
use crate::security::random_token;
use crate::storage::Db;
use crate::storage::accounts::{self as accounts_store, CompteRow};
use crate::storage::proconnect as store;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a sign-in started here may take to come back from ProConnect.
pub const ATTEMPT_MINUTES: i64 = 10;
/// What is asked of ProConnect: the address finds the account, the names
/// greet the person, `uid` is the identifier at their administration.
pub const SCOPES: &str = "openid email given_name usual_name uid";
/// The assurance level every ProConnect identity provider offers.
pub const ACR: &str = "eidas1";
/// Provider metadata and keys are kept this long before being asked again.
const CACHE_TTL: Duration = Duration::from_secs(3600);
/// Clock skew tolerated between ProConnect and this server.
const LEEWAY_SECONDS: u64 = 60;

/// What went wrong, for the logs (French, like the other logs); the page
/// shows a plainer sentence chosen from the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProConnectError {
    /// Network failure, timeout, server error or unreadable answer: nothing
    /// the person did.
    #[error("ProConnect injoignable : {0}")]
    Unreachable(String),
    /// The token endpoint refused the code (expired, already used…).
    #[error("code refusé par ProConnect : {0}")]
    CodeRejected(String),
    /// An ID token or userinfo answer that must not be trusted.
    #[error("jeton refusé : {0}")]
    BadToken(String),
}

/// The provider's metadata (`/.well-known/openid-configuration`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: String,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

/// The secrets of one sign-in attempt: `state` ties the answer to the
/// attempt, `nonce` ties the ID token to it, the PKCE verifier ties the
/// code to this client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

impl Attempt {
    /// Fresh random values (256 bits each; URL-safe, so the verifier is a
    /// valid PKCE verifier of 43 characters).
    pub fn new() -> Attempt {
        Attempt { state: random_token(), nonce: random_token(), verifier: random_token() }
    }
}

impl Default for Attempt {
    fn default() -> Self {
        Attempt::new()
    }
}

/// The PKCE challenge of a verifier (method S256).
pub fn code_challenge(verifier: &str) -> String {
    B64.encode(Sha256::digest(verifier.as_bytes()))
}

/// Where to send the browser to sign in.
pub fn authorization_url(endpoint: &str, client_id: &str, redirect_uri: &str, attempt: &Attempt) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", SCOPES)
        .append_pair("state", &attempt.state)
        .append_pair("nonce", &attempt.nonce)
        .append_pair("code_challenge", &code_challenge(&attempt.verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("acr_values", ACR)
        .finish();
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{sep}{query}")
}

/// What the ID token and the userinfo say of the person.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Claims {
    /// The person's stable identifier at ProConnect.
    pub sub: String,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub usual_name: Option<String>,
}

/// The key of `keys` that signed `token` (by `kid`; a set of one RSA key
/// serves tokens without `kid`). `None` when the set does not have it,
/// which is worth one refresh of the set (key rotation).
fn signing_key(token: &str, keys: &JwkSet) -> Result<Option<DecodingKey>, ProConnectError> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| ProConnectError::BadToken(format!("en-tête : {e}")))?;
    if header.alg != Algorithm::RS256 {
        return Err(ProConnectError::BadToken(format!("algorithme {:?} refusé (RS256 attendu)", header.alg)));
    }
    let rsa = |j: &&jsonwebtoken::jwk::Jwk| matches!(j.algorithm, AlgorithmParameters::RSA(_));
    let jwk = match &header.kid {
        Some(kid) => keys.find(kid).filter(|j| rsa(j)),
        None => match keys.keys.iter().filter(rsa).collect::<Vec<_>>().as_slice() {
            [only] => Some(*only),
            _ => None,
        },
    };
    jwk.map(|j| DecodingKey::from_jwk(j).map_err(|e| ProConnectError::BadToken(format!("clé {:?} : {e}", header.kid))))
        .transpose()
}

/// Checks an RS256 token signed by `key` and, when given, coming from
/// `issuer` for `audience`.
fn decode(token: &str, key: &DecodingKey, validation: &Validation) -> Result<Claims, ProConnectError> {
    jsonwebtoken::decode::<Claims>(token, key, validation)
        .map(|d| d.claims)
        .map_err(|e| ProConnectError::BadToken(e.to_string()))
}

/// Checks an ID token: RS256 signature by a key of `keys`, issuer, audience,
/// expiry (one minute of clock skew), subject, and the attempt's nonce.
pub fn verify_id_token(
    token: &str,
    keys: &JwkSet,
    issuer: &str,
    client_id: &str,
    nonce: &str,
) -> Result<Claims, ProConnectError> {
    let key = signing_key(token, keys)?.ok_or_else(|| ProConnectError::BadToken("clé de signature inconnue".into()))?;
    check_id_token(token, &key, issuer, client_id, nonce)
}

fn check_id_token(
    token: &str,
    key: &DecodingKey,
    issuer: &str,
    client_id: &str,
    nonce: &str,
) -> Result<Claims, ProConnectError> {
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[issuer]);
    v.set_audience(&[client_id]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = LEEWAY_SECONDS;
    let claims = decode(token, key, &v)?;
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(ProConnectError::BadToken("nonce différent de celui de la tentative".into()));
    }
    Ok(claims)
}

/// A signed userinfo answer (`application/jwt`): OpenID Connect only says
/// it SHOULD carry `iss` and `aud`, so they are checked when present; the
/// subject must be the ID token's.
fn userinfo_validation(issuer: &str, client_id: &str, sub: &str) -> Validation {
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[issuer]);
    v.set_audience(&[client_id]);
    v.set_required_spec_claims(&["sub"]);
    v.sub = Some(sub.to_string());
    v.leeway = LEEWAY_SECONDS;
    v
}

/// Who ProConnect says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub sub: String,
    /// Lowercase, when ProConnect gave a valid address.
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub usual_name: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
    access_token: Option<String>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// A value fetched from the provider, with when it was.
type Cached<T> = Mutex<Option<(Instant, Arc<T>)>>;

/// The ProConnect client of this service.
pub struct ProConnect {
    config: ProConnectConfig,
    redirect_uri: String,
    http: reqwest::Client,
    discovery: Cached<Discovery>,
    keys: Cached<JwkSet>,
}

impl std::fmt::Debug for ProConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProConnect").field("config", &self.config).field("redirect_uri", &self.redirect_uri).finish()
    }
}

fn cached<T>(cell: &Cached<T>) -> Option<Arc<T>> {
    let guard = cell.lock().unwrap_or_else(|e| e.into_inner());
    guard.as_ref().filter(|(at, _)| at.elapsed() < CACHE_TTL).map(|(_, v)| v.clone())
}

fn keep<T>(cell: &Cached<T>, value: T) -> Arc<T> {
    let value = Arc::new(value);
    *cell.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), value.clone()));
    value
}

impl ProConnect {
    /// The client for `config`; ProConnect sends people back to
    /// `{base_url}/connexion/proconnect/retour`.
    pub fn new(config: ProConnectConfig, base_url: &str) -> anyhow::Result<ProConnect> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent("MonLycéePro (service public numérique)")
            .build()?;
        Ok(ProConnect {
            redirect_uri: format!("{}/connexion/proconnect/retour", base_url.trim_end_matches('/')),
            config,
            http,
            discovery: Mutex::new(None),
            keys: Mutex::new(None),
        })
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The provider's metadata, fetched once an hour. Its `issuer` must be
    /// the configured one (OpenID Connect Discovery, section 4.3).
    pub async fn discovery(&self) -> Result<Arc<Discovery>, ProConnectError> {
        if let Some(d) = cached(&self.discovery) {
            return Ok(d);
        }
        let url = format!("{}/.well-known/openid-configuration", self.config.issuer);
        let d: Discovery = self.get_json(&url).await?;
        if d.issuer.trim_end_matches('/') != self.config.issuer {
            return Err(ProConnectError::Unreachable(format!(
                "le document de découverte annonce l'émetteur {} au lieu de {}",
                d.issuer, self.config.issuer
            )));
        }
        Ok(keep(&self.discovery, d))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, ProConnectError> {
        let res = self.http.get(url).send().await.map_err(|e| ProConnectError::Unreachable(format!("{url} : {e}")))?;
        if !res.status().is_success() {
            return Err(ProConnectError::Unreachable(format!("{url} : statut {}", res.status())));
        }
        res.json().await.map_err(|e| ProConnectError::Unreachable(format!("{url} : réponse illisible ({e})")))
    }

    /// The key that signed `token`: from the cached set, else from a fresh
    /// one (ProConnect rotated its keys).
    async fn key_for(&self, token: &str, d: &Discovery) -> Result<DecodingKey, ProConnectError> {
        if let Some(keys) = cached(&self.keys)
            && let Some(key) = signing_key(token, &keys)?
        {
            return Ok(key);
        }
        let keys = keep(&self.keys, self.get_json::<JwkSet>(&d.jwks_uri).await?);
        signing_key(token, &keys)?.ok_or_else(|| ProConnectError::BadToken("clé de signature inconnue".into()))
    }

    /// Where to send the browser for `attempt`.
    pub async fn authorization_url(&self, attempt: &Attempt) -> Result<String, ProConnectError> {
        let d = self.discovery().await?;
        Ok(authorization_url(&d.authorization_endpoint, &self.config.client_id, &self.redirect_uri, attempt))
    }

    /// Exchanges the code ProConnect sent back for a checked identity: the
    /// ID token's signature, issuer, audience, expiry and nonce, then the
    /// address from the ID token or else from the userinfo.
    pub async fn identity(&self, code: &str, nonce: &str, verifier: &str) -> Result<Identity, ProConnectError> {
        let d = self.discovery().await?;
        let answer = self.exchange(&d, code, verifier).await?;
        let id_token = answer
            .id_token
            .ok_or_else(|| ProConnectError::BadToken("pas de jeton d'identité dans la réponse".into()))?;
        let key = self.key_for(&id_token, &d).await?;
        let claims = check_id_token(&id_token, &key, &d.issuer, &self.config.client_id, nonce)?;
        let mut identity = Identity {
            email: claims.email.as_deref().and_then(normalized_email),
            sub: claims.sub,
            given_name: claims.given_name,
            usual_name: claims.usual_name,
        };
        if identity.email.is_none()
            && let (Some(endpoint), Some(access)) = (&d.userinfo_endpoint, &answer.access_token)
        {
            let info = self.userinfo(&d, endpoint, access, &identity.sub).await?;
            identity.email = info.email.as_deref().and_then(normalized_email);
            identity.given_name = identity.given_name.or(info.given_name);
            identity.usual_name = identity.usual_name.or(info.usual_name);
        }
        Ok(identity)
    }

    /// `client_secret_post`: the secret travels in the form, over TLS.
    async fn exchange(&self, d: &Discovery, code: &str, verifier: &str) -> Result<TokenAnswer, ProConnectError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.as_str()),
            ("code_verifier", verifier),
        ];
        let url = &d.token_endpoint;
        let res = self
            .http
            .post(url)
            .form(&form)
            .send()
            .await
            .map_err(|e| ProConnectError::Unreachable(format!("{url} : {e}")))?;
        let status = res.status();
        if status.is_client_error() {
            let body = res.text().await.unwrap_or_default();
            let reason = match serde_json::from_str::<OAuthError>(&body) {
                Ok(e) => format!("{} {}", e.error, e.error_description.unwrap_or_default()).trim().to_string(),
                Err(_) => format!("statut {status}"),
            };
            return Err(ProConnectError::CodeRejected(reason));
        }
        if !status.is_success() {
            return Err(ProConnectError::Unreachable(format!("{url} : statut {status}")));
        }
        res.json().await.map_err(|e| ProConnectError::Unreachable(format!("{url} : réponse illisible ({e})")))
    }

    /// The userinfo answer, JSON or signed JWT (ProConnect signs it).
    async fn userinfo(&self, d: &Discovery, url: &str, access: &str, sub: &str) -> Result<Claims, ProConnectError> {
        let res = self
            .http
            .get(url)
            .bearer_auth(access)
            .send()
            .await
            .map_err(|e| ProConnectError::Unreachable(format!("{url} : {e}")))?;
        if !res.status().is_success() {
            return Err(ProConnectError::Unreachable(format!("{url} : statut {}", res.status())));
        }
        let jwt = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.trim_start().starts_with("application/jwt"));
        let body = res.text().await.map_err(|e| ProConnectError::Unreachable(format!("{url} : {e}")))?;
        let claims = if jwt {
            let token = body.trim();
            let key = self.key_for(token, d).await?;
            decode(token, &key, &userinfo_validation(&d.issuer, &self.config.client_id, sub))?
        } else {
            serde_json::from_str::<Claims>(&body)
                .map_err(|e| ProConnectError::Unreachable(format!("{url} : réponse illisible ({e})")))?
        };
        if claims.sub != sub {
            return Err(ProConnectError::BadToken("userinfo d'une autre personne que le jeton d'identité".into()));
        }
        Ok(claims)
    }
}

fn normalized_email(raw: &str) -> Option<String> {
    raw.trim().parse::<domain::ids::Email>().ok().map(|e| e.normalized())
}

/// Records a sign-in attempt until it comes back (or expires).
pub async fn remember(db: &Db, attempt: &Attempt, suite: &str, now: time::OffsetDateTime) -> sqlx::Result<()> {
    let row = store::AttemptRow {
        etat: attempt.state.clone(),
        nonce: attempt.nonce.clone(),
        verificateur: attempt.verifier.clone(),
        expire_le: crate::clock::to_rfc3339(now + time::Duration::minutes(ATTEMPT_MINUTES)),
        suite: Some(suite.to_string()),
    };
    store::insert_attempt(db, &row, &crate::clock::to_rfc3339(now)).await
}

/// Why a returning sign-in cannot go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptError {
    /// No such attempt, or it already came back once.
    Unknown,
    Expired,
}

/// The attempt a `state` names, used up: a second use finds nothing.
pub async fn take(db: &Db, state: &str, now: time::OffsetDateTime) -> sqlx::Result<Result<Returning, AttemptError>> {
    if state.is_empty() || state.len() > 100 {
        return Ok(Err(AttemptError::Unknown));
    }
    let Some(row) = store::take_attempt(db, state).await? else { return Ok(Err(AttemptError::Unknown)) };
    if row.expire_le <= crate::clock::to_rfc3339(now) {
        return Ok(Err(AttemptError::Expired));
    }
    Ok(Ok(Returning {
        attempt: Attempt { state: row.etat, nonce: row.nonce, verifier: row.verificateur },
        suite: row.suite,
    }))
}

/// An attempt back from ProConnect, with where the person was going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returning {
    pub attempt: Attempt,
    pub suite: Option<String>,
}

/// The workspace account of a ProConnect identity: the one already linked
/// to it, else the one of its address, which gets linked (so the person
/// keeps access if their address changes). `None`: no account, or an
/// inactive one.
pub async fn account_of(db: &Db, identity: &Identity) -> sqlx::Result<Option<CompteRow>> {
    let found = match store::compte_by_sub(db, &identity.sub).await? {
        Some(c) => Some(c),
        None => match &identity.email {
            Some(email) => accounts_store::compte_by_email(db, email).await?,
            None => None,
        },
    };
    let Some(mut compte) = found.filter(|c| c.actif) else { return Ok(None) };
    if compte.proconnect_sub.as_deref() != Some(identity.sub.as_str()) {
        if let Some(previous) = &compte.proconnect_sub {
            tracing::info!(compte = %compte.id, ancien = %previous, "identité ProConnect du compte remplacée");
        }
        store::set_sub(db, &compte.id, &identity.sub).await?;
        compte.proconnect_sub = Some(identity.sub.clone());
    }
    Ok(Some(compte))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    // Test fixtures, not secrets (tests/fixtures/README.md).
    const KEY: &[u8] = include_bytes!("../tests/fixtures/oidc-test-key.pem");
    const OTHER_KEY: &[u8] = include_bytes!("../tests/fixtures/oidc-test-other-key.pem");
    const ISSUER: &str = "https://auth.agentconnect.gouv.fr/api/v2";

    fn keys(kid: Option<&str>) -> JwkSet {
        let key = EncodingKey::from_rsa_pem(KEY).expect("clé");
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
        jwk.common.key_id = kid.map(str::to_string);
        JwkSet { keys: vec![jwk] }
    }

    fn token(claims: serde_json::Value, key: &[u8], kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_string);
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_pem(key).expect("clé")).expect("jeton")
    }

    fn claims() -> serde_json::Value {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        json!({ "iss": ISSUER, "aud": "client", "sub": "abc", "exp": now + 60, "iat": now, "nonce": "n-1" })
    }

    fn with(key: &str, value: serde_json::Value) -> serde_json::Value {
        let mut c = claims();
        c[key] = value;
        c
    }

    #[test]
    fn pkce_challenge_of_rfc_7636() {
        // RFC 7636, appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let a = Attempt::new();
        assert_eq!(a.verifier.len(), 43, "RFC 7636: 43 to 128 characters");
        assert_ne!(a.state, Attempt::new().state);
    }

    #[test]
    fn authorization_url_asks_for_everything() {
        let a = Attempt { state: "s t".into(), nonce: "n".into(), verifier: "v".into() };
        let url = authorization_url("https://pc.example/authorize", "client", "https://mlp.example/retour", &a);
        assert!(url.starts_with("https://pc.example/authorize?response_type=code&client_id=client&"), "{url}");
        for part in [
            "redirect_uri=https%3A%2F%2Fmlp.example%2Fretour",
            "scope=openid+email+given_name+usual_name+uid",
            "state=s+t",
            "nonce=n",
            &format!("code_challenge={}", code_challenge("v")),
            "code_challenge_method=S256",
            "acr_values=eidas1",
        ] {
            assert!(url.contains(part), "{part} in {url}");
        }
        let url = authorization_url("https://pc.example/authorize?x=1", "client", "r", &a);
        assert!(url.starts_with("https://pc.example/authorize?x=1&response_type=code"), "{url}");
    }

    #[test]
    fn id_tokens_are_checked() {
        let set = keys(Some("k1"));
        let ok = token(claims(), KEY, Some("k1"));
        let c = verify_id_token(&ok, &set, ISSUER, "client", "n-1").expect("valide");
        assert_eq!(c.sub, "abc");
        // A set of one key serves a token without kid.
        assert!(verify_id_token(&token(claims(), KEY, None), &set, ISSUER, "client", "n-1").is_ok());
        let past = time::OffsetDateTime::now_utc().unix_timestamp() - 3600;
        let refused = [
            ("nonce", verify_id_token(&ok, &set, ISSUER, "client", "n-2")),
            ("audience", verify_id_token(&ok, &set, ISSUER, "autre", "n-1")),
            ("issuer", verify_id_token(&ok, &set, "https://faux.example", "client", "n-1")),
            (
                "expired",
                verify_id_token(&token(with("exp", json!(past)), KEY, Some("k1")), &set, ISSUER, "client", "n-1"),
            ),
            ("other key", verify_id_token(&token(claims(), OTHER_KEY, Some("k1")), &set, ISSUER, "client", "n-1")),
            ("unknown kid", verify_id_token(&token(claims(), KEY, Some("k2")), &set, ISSUER, "client", "n-1")),
            (
                "no nonce",
                verify_id_token(&token(with("nonce", json!(null)), KEY, Some("k1")), &set, ISSUER, "client", "n-1"),
            ),
            ("garbage", verify_id_token("a.b.c", &set, ISSUER, "client", "n-1")),
            ("empty", verify_id_token("", &set, ISSUER, "client", "n-1")),
        ];
        for (case, result) in refused {
            assert!(matches!(result, Err(ProConnectError::BadToken(_))), "{case}: {result:?}");
        }
        let mut no_sub = claims();
        no_sub.as_object_mut().expect("objet").remove("sub");
        let r = verify_id_token(&token(no_sub, KEY, Some("k1")), &set, ISSUER, "client", "n-1");
        assert!(r.is_err(), "sub is required");
    }

    #[test]
    fn symmetric_and_unsigned_tokens_are_refused() {
        let set = keys(Some("k1"));
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("k1".into());
        // Signed with the public modulus as an HMAC secret: the classic
        // algorithm confusion.
        let hs = jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(b"n")).expect("jeton");
        assert!(matches!(verify_id_token(&hs, &set, ISSUER, "client", "n-1"), Err(ProConnectError::BadToken(_))));
        let b64 = |v: &serde_json::Value| B64.encode(v.to_string());
        let none = format!("{}.{}.", b64(&json!({"alg": "none", "kid": "k1"})), b64(&claims()));
        assert!(matches!(verify_id_token(&none, &set, ISSUER, "client", "n-1"), Err(ProConnectError::BadToken(_))));
    }

    #[test]
    fn redirect_uri_is_under_the_base_url() {
        let config = ProConnectConfig { issuer: ISSUER.into(), client_id: "c".into(), client_secret: "s".into() };
        let client = ProConnect::new(config, "https://monlyceepro.example/").expect("client");
        assert_eq!(client.redirect_uri(), "https://monlyceepro.example/connexion/proconnect/retour");
        assert!(!format!("{client:?}").contains("\"s\""));
    }
}
