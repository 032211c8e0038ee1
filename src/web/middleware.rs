//! Cross-cutting HTTP concerns: request ids in logs, metrics, and the
//! security headers every response carries.

use super::AppState;
use super::demandes_api::ClientIp;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Paths whose answers are private whoever asks: one-click links of lycées,
/// the company's follow-up and its rating link, requests to join, sign-in
/// and sign-out, the workspace and the administration, the API's requests
/// (the list a key reads, the `201` carrying the follow-up link, one
/// request read with its token), registrations to events, unsubscribe
/// links, and the form embedded by partners (a form's steps carry what
/// the company typed).
const PRIVATE_PREFIXES: [&str; 13] = [
    "/r/",
    "/suivi/",
    "/avis/",
    "/rejoindre",
    "/connexion",
    "/deconnexion",
    "/espace",
    "/admin",
    "/api/v1/demandes",
    "/evenements/inscription/",
    "/stages/desinscription/",
    "/metrics",
    FRAMED_PREFIX,
];

/// Whether the answer to `req` is someone's and must never be kept by a
/// browser, a proxy or a CDN (`Cache-Control: no-store`): a private path
/// ([`PRIVATE_PREFIXES`]), or any request that carries credentials — a
/// session cookie or an `Authorization` header (a partner's key, a
/// follow-up token, the metrics token) — whatever its path: a page may
/// show the signed-in person, an API answer what the key may read. One
/// rule here rather than a call in each handler, so that a new route is
/// covered the day it is added. Static files are the exception: the same
/// bytes for everyone, cached for a year.
fn is_private(path: &str, headers: &axum::http::HeaderMap) -> bool {
    if path.starts_with("/static/") {
        return false;
    }
    PRIVATE_PREFIXES.iter().any(|p| path.starts_with(p))
        || headers.contains_key(header::AUTHORIZATION)
        || headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).any(|cookies| {
            cookies.split(';').any(|c| {
                c.trim()
                    .strip_prefix(super::espace::SESSION_COOKIE)
                    .and_then(|rest| rest.strip_prefix('='))
                    .is_some_and(|value| !value.is_empty())
            })
        })
}

/// The pages partner platforms may show in a frame: they say by their own
/// `Content-Security-Policy` which origins may frame them
/// ([`csp_framed_by`]), and get no `X-Frame-Options` (which cannot name
/// several origins, and whose `DENY` some browsers would obey over the
/// CSP).
pub const FRAMED_PREFIX: &str = "/integration/";

/// Content Security Policy: only our own files; no inline script or style
/// (the DSFR's icons are data: images).
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// [`CSP`] with `frame-ancestors` listing exactly `origins` (`'none'`
/// when there are none): a partner's page may frame the embedded form,
/// any other is refused by the browser. The origins were checked when the
/// key was made (`https://host[:port]`, nothing else).
pub fn csp_framed_by(origins: &[String]) -> HeaderValue {
    let ancestors = if origins.is_empty() { "'none'".to_string() } else { origins.join(" ") };
    let csp = CSP.replace("frame-ancestors 'none'", &format!("frame-ancestors {ancestors}"));
    HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(CSP))
}

/// Whether a URL path, once its `%XX` escapes are decoded, is UTF-8 text.
fn path_is_utf8(path: &str) -> bool {
    if !path.contains('%') {
        return true;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b)))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    std::str::from_utf8(&out).is_ok()
}

/// Gives each request an id (logged, and returned as `x-request-id`),
/// records its metrics and adds the security headers.
pub async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let client = ClientIp::of(peer, req.headers(), &state.config.trusted_proxies);
    req.extensions_mut().insert(client);
    let id = format!("{:x}-{}", state.instance, NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(inconnue)".to_string());
    let private = is_private(req.uri().path(), req.headers());
    let framable = req.uri().path().starts_with(FRAMED_PREFIX);
    let span = tracing::info_span!("requete", id = %id, method = %method, route = %route);
    let mut res = if !path_is_utf8(req.uri().path()) {
        // axum would answer in English plain text; the API speaks JSON and
        // pages French. The answer still gets the headers below.
        if req.uri().path().starts_with("/api/") {
            super::error::ApiError::bad_request("adresse invalide : le chemin doit être du texte UTF-8").into_response()
        } else {
            super::error::PageError::BadRequest("Adresse invalide : elle contient des caractères illisibles.".into())
                .into_response()
        }
    } else {
        next.run(req).instrument(span.clone()).await
    };
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
    // Pages reached by a private link, or showing someone's data, are
    // never kept by a browser or a proxy (`is_private`).
    if private {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // A body refused as too large was not read to its end: the connection
    // cannot carry another request, and the client must not reuse it (it
    // would write its next request into a closed socket: "broken pipe").
    if status == 413 {
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    // Every 503 (the database cannot serve for now) tells when to retry.
    if status == 503 {
        h.entry(header::RETRY_AFTER).or_insert(HeaderValue::from(super::error::RETRY_AFTER_SECONDS));
    }
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if !framable {
        set(h, header::X_FRAME_OPTIONS, "DENY");
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn paths_must_decode_to_utf8() {
        assert!(super::path_is_utf8("/lycees/0690043X"));
        assert!(super::path_is_utf8("/recherche/%C3%A9lectricien"));
        assert!(super::path_is_utf8("/a%2"));
        assert!(!super::path_is_utf8("/api/v1/lycees/%FF"));
        assert!(!super::path_is_utf8("/lycees/%C3"));
    }

    #[test]
    fn answers_with_credentials_are_private() {
        use axum::http::{HeaderMap, HeaderValue, header};
        let none = HeaderMap::new();
        let with = |name: header::HeaderName, value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(name, HeaderValue::from_static(value));
            h
        };
        for path in ["/r/x", "/suivi/x", "/avis/x", "/rejoindre", "/rejoindre/x", "/espace", "/admin/comptes"] {
            assert!(super::is_private(path, &none), "{path}");
        }
        for path in ["/api/v1/demandes", "/api/v1/demandes/MLP-2026-000001", "/integration/demande", "/metrics"] {
            assert!(super::is_private(path, &none), "{path}");
        }
        for path in ["/", "/lycees", "/statistiques", "/api/v1/lycees/0690043X", "/api/v1/statistiques"] {
            assert!(!super::is_private(path, &none), "{path}: public without credentials");
        }
        let session = with(header::COOKIE, "mlp_csrf=a; mlp_session=b");
        let key = with(header::AUTHORIZATION, "Bearer mlp_x");
        for h in [&session, &key] {
            assert!(super::is_private("/statistiques", h), "{h:?}");
            assert!(super::is_private("/api/v1/lycees/0690043X", h), "{h:?}");
            assert!(!super::is_private("/static/dsfr.min.css", h), "static files stay cacheable");
        }
        // Another cookie, or an emptied session, is not a session.
        assert!(!super::is_private("/lycees", &with(header::COOKIE, "mlp_csrf=a")));
        assert!(!super::is_private("/lycees", &with(header::COOKIE, "mlp_session=")));
        assert!(!super::is_private("/lycees", &with(header::COOKIE, "mlp_session_old=b")));
    }

    #[test]
    fn framed_pages_name_their_ancestors() {
        let csp = |o: &[&str]| {
            let origins: Vec<String> = o.iter().map(|s| s.to_string()).collect();
            super::csp_framed_by(&origins).to_str().expect("ascii").to_string()
        };
        assert_eq!(csp(&[]), super::CSP);
        let two = csp(&["https://www.1jeune1solution.gouv.fr", "https://lesentreprises-sengagent.gouv.fr"]);
        assert!(two.ends_with(
            "form-action 'self'; frame-ancestors https://www.1jeune1solution.gouv.fr https://lesentreprises-sengagent.gouv.fr"
        ));
        assert!(two.starts_with("default-src 'self';"));
    }
}
