//! Cross-cutting HTTP concerns: request ids in logs, metrics, and the
//! security headers every response carries.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Content Security Policy: only our own files; no inline script or style
/// (the DSFR's icons are data: images).
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Gives each request an id (logged, and returned as `x-request-id`),
/// records its metrics and adds the security headers.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = format!("{:x}-{}", state.instance, NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(inconnue)".to_string());
    let span = tracing::info_span!("requete", id = %id, method = %method, route = %route);
    let mut res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    state.metrics.observe(&method, &route, status, elapsed);
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, ms = elapsed.as_secs_f64() * 1000.0, "réponse");
        } else {
            tracing::debug!(status, ms = elapsed.as_secs_f64() * 1000.0, "réponse");
        }
    });
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert(HeaderName::from_static("x-request-id"), v);
    }
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    // Private follow-up links carry a token in their path: never send it
    // to another site.
    set(h, header::REFERRER_POLICY, "same-origin");
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        "geolocation=(), camera=(), microphone=(), interest-cohort=()",
    );
    set(h, HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if state.config.base_url.starts_with("https://") {
        set(h, header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains");
    }
    res
}
