//! CSRF protection of forms: a random cookie per browser (`mlp_csrf`) and,
//! in every form, a token derived from it with the secret key. A POST whose
//! token does not match the browser's cookie is refused.

use super::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub const COOKIE: &str = "mlp_csrf";

/// What a page says when a form is refused by [`CsrfCookie::accepts_form`].
pub const EXPIRED: &str = "Le formulaire a expiré : rechargez la page et validez à nouveau.";

/// The CSRF cookie of this request (made up when the browser has none
/// yet). `used` records whether the page put a token in a form: only then
/// is a new cookie sent, so that the API, static files and plain pages set
/// no cookie at all.
#[derive(Debug, Clone)]
pub struct CsrfCookie(pub String, Arc<AtomicBool>);

/// Reads a cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 100)
}

/// Gives handlers the browser's CSRF cookie (a new one when it has none),
/// and the browser a new cookie when the page carries a form.
pub async fn ensure_cookie(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), COOKIE);
    let value = existing.clone().unwrap_or_else(crate::security::random_token);
    let used = Arc::new(AtomicBool::new(false));
    req.extensions_mut().insert(CsrfCookie(value.clone(), used.clone()));
    let mut res = next.run(req).await;
    if existing.is_none() && used.load(Ordering::Relaxed) {
        let secure = if state.config.base_url.starts_with("https://") { "; Secure" } else { "" };
        if let Ok(v) = HeaderValue::from_str(&format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}")) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

impl CsrfCookie {
    /// The token to put in the forms of a page.
    pub fn token(&self, state: &AppState) -> String {
        self.1.store(true, Ordering::Relaxed);
        state.signer.csrf_token(&self.0)
    }

    /// Whether a posted form is to be read: not over the size limit, and
    /// carrying the token of this browser.
    pub fn accepts_form(&self, state: &AppState, form: &super::form::PostedForm) -> bool {
        !form.too_large && self.accepts(state, &form.get("csrf"))
    }

    /// Whether a submitted form's token matches.
    pub fn accepts(&self, state: &AppState, token: &str) -> bool {
        state.signer.csrf_ok(&self.0, token)
    }
}
