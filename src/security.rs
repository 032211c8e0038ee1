//! Signed, expiring tokens (one-click links in emails), random private
//! tokens (the company's follow-up link) and CSRF protection of forms.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Why a signed token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("lien invalide ou modifié")]
    Invalid,
    #[error("lien expiré")]
    Expired,
}

/// Signs and checks tokens with the service's secret key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

impl Signer {
    pub fn new(key: &[u8]) -> Signer {
        Signer { key: key.to_vec() }
    }

    fn mac(&self, purpose: &str, payload: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepte des clés de toute longueur");
        // The purpose is part of what is signed: a token made for one use
        // is worthless for another.
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(payload);
        mac
    }

    /// `payload` and its signature, for `purpose`, valid until `expires`
    /// (Unix seconds).
    pub fn sign(&self, purpose: &str, payload: &str, expires: i64) -> String {
        let body = format!("{expires}|{payload}");
        let sig = self.mac(purpose, body.as_bytes()).finalize().into_bytes();
        format!("{}.{}", B64.encode(body.as_bytes()), B64.encode(sig))
    }

    /// The payload of a token signed for `purpose`, if intact and not
    /// expired at `now` (Unix seconds).
    pub fn verify(&self, purpose: &str, token: &str, now: i64) -> Result<String, TokenError> {
        let (body_b64, sig_b64) = token.split_once('.').ok_or(TokenError::Invalid)?;
        let body = B64.decode(body_b64).map_err(|_| TokenError::Invalid)?;
        let sig = B64.decode(sig_b64).map_err(|_| TokenError::Invalid)?;
        self.mac(purpose, &body).verify_slice(&sig).map_err(|_| TokenError::Invalid)?;
        let body = String::from_utf8(body).map_err(|_| TokenError::Invalid)?;
        let (expires, payload) = body.split_once('|').ok_or(TokenError::Invalid)?;
        let expires: i64 = expires.parse().map_err(|_| TokenError::Invalid)?;
        if now > expires {
            return Err(TokenError::Expired);
        }
        Ok(payload.to_string())
    }

    /// A private token derived from `data` for `purpose`: unguessable
    /// without the key, and the same every time (so every email about a
    /// request can carry the company's follow-up link).
    pub fn derive(&self, purpose: &str, data: &str) -> String {
        B64.encode(self.mac(purpose, data.as_bytes()).finalize().into_bytes())
    }

    /// The CSRF token matching a browser's CSRF cookie value.
    pub fn csrf_token(&self, cookie: &str) -> String {
        B64.encode(self.mac("csrf", cookie.as_bytes()).finalize().into_bytes())
    }

    /// Whether a form's CSRF token matches the browser's cookie.
    pub fn csrf_ok(&self, cookie: &str, token: &str) -> bool {
        match B64.decode(token) {
            Ok(sig) => self.mac("csrf", cookie.as_bytes()).verify_slice(&sig).is_ok(),
            Err(_) => false,
        }
    }
}

/// Whether two secrets are equal, in a time that does not depend on where
/// they differ (bearer tokens).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (ha, hb) = (Sha256::digest(a), Sha256::digest(b));
    ha.iter().zip(hb.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A random token of 256 bits, URL-safe (private links, CSRF cookies).
pub fn random_token() -> String {
    B64.encode(rand::random::<[u8; 32]>())
}

/// A random identifier (128 bits, hex).
pub fn random_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// What is stored of a private token: its SHA-256, so a database leak does
/// not give the links away.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_tokens_expire_and_resist_tampering() {
        let s = Signer::new(b"une-cle-secrete-de-test-assez-longue");
        let t = s.sign("prendre", "demande|0690043X", 1_000);
        assert_eq!(s.verify("prendre", &t, 999).as_deref(), Ok("demande|0690043X"));
        assert_eq!(s.verify("prendre", &t, 1_001), Err(TokenError::Expired));
        assert_eq!(s.verify("decliner", &t, 999), Err(TokenError::Invalid), "other purpose");
        let other = Signer::new(b"une-autre-cle");
        assert_eq!(other.verify("prendre", &t, 999), Err(TokenError::Invalid), "other key");
        let (body, sig) = t.split_once('.').expect("token");
        let forged_body = B64.encode(b"9999999999|demande|0690043X");
        assert_eq!(s.verify("prendre", &format!("{forged_body}.{sig}"), 999), Err(TokenError::Invalid));
        assert_eq!(s.verify("prendre", &format!("{body}.AAAA"), 999), Err(TokenError::Invalid));
        for junk in ["", ".", "abc", "a.b.c", "%%%.%%%"] {
            assert_eq!(s.verify("prendre", junk, 0), Err(TokenError::Invalid), "{junk:?}");
        }
    }

    #[test]
    fn csrf_tokens_match_their_cookie() {
        let s = Signer::new(b"cle");
        let cookie = random_token();
        let t = s.csrf_token(&cookie);
        assert!(s.csrf_ok(&cookie, &t));
        assert!(!s.csrf_ok(&random_token(), &t));
        assert!(!s.csrf_ok(&cookie, "n'importe quoi"));
        assert_ne!(random_token(), random_token());
        assert_eq!(token_hash("a").len(), 64);
    }
}
