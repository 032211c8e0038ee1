//! The workspace of lycées and coordinators: sign-in by one-time link,
//! sessions, and the guard of every `/espace…` and `/admin…` route.
//!
//! Least privilege: without a session, those routes redirect to
//! `/connexion`; with one, anything outside the person's perimeter is a
//! 404, the same answer as something that does not exist, so that ids
//! cannot be probed.

pub mod admin;
pub mod adresses;
pub mod coordinations;
pub mod demandes;
pub mod equipe;
pub mod evenements;
pub mod partenaires;
pub mod pole;
pub mod proconnect;
pub mod stages;
pub mod territoire;
pub mod vitrine;

use super::AppState;
use super::csrf::{CsrfCookie, cookie};
use super::demandes_api::ClientIp;
use super::error::render;
use super::form::PostedForm;
use super::layout::Chrome;
use crate::accounts::{Agent, SignInError};
use askama::Template;
use axum::extract::{Extension, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// The session cookie: a random token whose hash is stored.
pub const SESSION_COOKIE: &str = "mlp_session";

/// A signed-in person (extractor). Without a live session the request is
/// redirected to `/connexion`, which brings the person back afterwards.
pub struct SignedIn(pub Agent);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
            match state.accounts.session(&token, state.clock.now()).await {
                Ok(Some(agent)) => return Ok(SignedIn(agent)),
                Ok(None) => {}
                Err(e) => return Err(super::error::PageError::from(e).into_response()),
            }
        }
        let back = parts.uri.path();
        Err(Redirect::to(&format!("/connexion?suite={}", urlencode(back))).into_response())
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Where to go after signing in: only back into the workspace (never an
/// address elsewhere: no open redirect).
fn next_page(wanted: &str) -> String {
    let ok = (wanted.starts_with("/espace") || wanted.starts_with("/admin"))
        && !wanted.contains("//")
        && !wanted.contains('\\')
        && wanted.len() < 200
        && wanted.chars().all(|c| c.is_ascii_graphic());
    if ok { wanted.to_string() } else { "/espace".to_string() }
}

/// `; Secure` on cookies when the service is served over HTTPS.
fn secure_attribute(state: &AppState) -> &'static str {
    if state.config.base_url.starts_with("https://") { "; Secure" } else { "" }
}

/// Gives the browser its session cookie: the one way every sign-in (link,
/// ProConnect) opens a session.
fn set_session_cookie(res: &mut Response, state: &AppState, session: &str) {
    let max_age = crate::accounts::SESSION_HOURS * 3600;
    let secure = secure_attribute(state);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The errors of a workspace form, each tied to the id of its field, in
/// the order of the form: the page shows a summary at the top (links to
/// the fields, focused after the failed submit) and each message next to
/// its field (`aria-invalid`, `aria-describedby`).
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    /// One field's error.
    pub fn add(&mut self, field_id: &str, message: impl Into<String>) {
        self.0.push((field_id.to_string(), message.into()));
    }

    /// The error of field `field_id`, if any.
    pub fn get(&self, field_id: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field_id).map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// (field id, message), in the order of the form.
    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }
}

/// Marks a workspace answer as private: never cached, never framed.
pub fn private(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The email form.
    Form,
    /// "If this address has an account, a link is on its way."
    Sent,
    /// A link opened: confirm (a GET never signs in: mail scanners open
    /// links).
    Confirm,
    /// A link that cannot be used.
    Problem,
    /// Signed out.
    Out,
}

#[derive(Template)]
#[template(path = "connexion.html")]
struct SignInPage {
    chrome: Chrome,
    mode: Mode,
    csrf: String,
    email: String,
    suite: String,
    token: String,
    error: Option<String>,
    /// The address typed is not one: said next to the field.
    email_error: Option<String>,
    problem: String,
    /// Offer "S'identifier avec ProConnect" (when it is configured).
    proconnect: bool,
    /// Signed out on every device, not only this one.
    everywhere: bool,
}

impl SignInPage {
    fn new(state: &AppState, csrf: &CsrfCookie, mode: Mode) -> SignInPage {
        SignInPage {
            chrome: Chrome::new("espace"),
            mode,
            csrf: csrf.token(state),
            email: String::new(),
            suite: "/espace".into(),
            token: String::new(),
            error: None,
            email_error: None,
            problem: String::new(),
            proconnect: state.proconnect.is_some(),
            everywhere: false,
        }
    }

    /// The error summary: the address, when it is not one.
    fn email_summary(&self) -> Vec<(&'static str, &String)> {
        self.email_error.iter().map(|e| ("email", e)).collect()
    }

    /// The ProConnect button's link, bringing the person back to `suite`.
    fn proconnect_href(&self) -> String {
        format!("/connexion/proconnect?suite={}", urlencode(&self.suite))
    }

    fn is(&self, m: &str) -> bool {
        matches!(
            (m, self.mode),
            ("form", Mode::Form)
                | ("sent", Mode::Sent)
                | ("confirm", Mode::Confirm)
                | ("problem", Mode::Problem)
                | ("out", Mode::Out)
        )
    }
}

#[derive(serde::Deserialize, Default)]
pub struct SignInQuery {
    suite: Option<String>,
}

/// `GET /connexion`.
pub async fn page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    Query(q): Query<SignInQuery>,
) -> Response {
    let mut p = SignInPage::new(&state, &csrf, Mode::Form);
    p.suite = next_page(q.suite.as_deref().unwrap_or(""));
    private(render(StatusCode::OK, &p))
}

/// `POST /connexion`: sends a one-time link. The answer is the same
/// whether the address has an account or not.
pub async fn send(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    ClientIp(ip): ClientIp,
    form: PostedForm,
) -> Response {
    let mut p = SignInPage::new(&state, &csrf, Mode::Form);
    p.email = form.get("email").chars().take(254).collect();
    p.suite = next_page(&form.get("suite"));
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return private(render(StatusCode::FORBIDDEN, &p));
    }
    if let Err(e) = p.email.parse::<domain::ids::Email>() {
        p.email_error = Some(format!("Adresse électronique : {e}."));
        return private(render(StatusCode::UNPROCESSABLE_ENTITY, &p));
    }
    if let Err(wait) = state.limiter.check(ip) {
        p.error = Some(format!("Trop de demandes depuis votre adresse : réessayez dans {wait} secondes."));
        return private(render(StatusCode::TOO_MANY_REQUESTS, &p));
    }
    // The link is made and queued after the answer: how long the page
    // takes must not tell whether the address has an account.
    let (accounts, wake, email, now) = (state.accounts.clone(), state.wake.clone(), p.email.clone(), state.clock.now());
    tokio::spawn(async move {
        match accounts.send_link(&email, now).await {
            Ok(sent) => {
                tracing::info!(envoye = sent, "demande de lien de connexion");
                wake.notify_one();
            }
            Err(e) => tracing::error!(erreur = %e, "lien de connexion impossible à préparer"),
        }
    });
    p.mode = Mode::Sent;
    private(render(StatusCode::OK, &p))
}

/// `GET /connexion/lien/{token}`: asks to confirm.
pub async fn link_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    Path(token): Path<String>,
    Query(q): Query<SignInQuery>,
) -> Response {
    let mut p = SignInPage::new(&state, &csrf, Mode::Confirm);
    p.token = token.chars().take(100).collect();
    p.suite = next_page(q.suite.as_deref().unwrap_or(""));
    private(render(StatusCode::OK, &p))
}

/// `POST /connexion/lien/{token}`: opens the session.
pub async fn link_open(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    Path(token): Path<String>,
    form: PostedForm,
) -> Response {
    let mut p = SignInPage::new(&state, &csrf, Mode::Confirm);
    p.token = token.chars().take(100).collect();
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return private(render(StatusCode::FORBIDDEN, &p));
    }
    let result = match state.accounts.open_link(&token, state.clock.now()).await {
        Ok(r) => r,
        Err(e) => return super::error::PageError::from(e).into_response(),
    };
    match result {
        Ok((session, agent)) => {
            tracing::info!(compte = %agent.id, "connexion");
            let mut res = Redirect::to(&next_page(&form.get("suite"))).into_response();
            set_session_cookie(&mut res, &state, &session);
            private(res)
        }
        Err(e) => {
            p.mode = Mode::Problem;
            p.problem = match e {
                SignInError::Expired => format!(
                    "Ce lien de connexion a expiré : il est valable {} minutes. Demandez-en un nouveau ci-dessous.",
                    crate::accounts::LINK_MINUTES
                ),
                SignInError::Used => {
                    "Ce lien de connexion a déjà servi : chaque lien ne sert qu'une fois. Demandez-en un nouveau ci-dessous.".into()
                }
                SignInError::Unknown => {
                    "Ce lien de connexion n'est pas valide : il a peut-être été coupé. Demandez-en un nouveau ci-dessous.".into()
                }
            };
            let status = if e == SignInError::Unknown { StatusCode::BAD_REQUEST } else { StatusCode::GONE };
            private(render(status, &p))
        }
    }
}

/// `POST /deconnexion`: ends the session of this device, or with
/// `portee=partout` every session of the person, on every device.
pub async fn sign_out(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    headers: axum::http::HeaderMap,
    form: PostedForm,
) -> Response {
    if !csrf.accepts_form(&state, &form) {
        return super::error::PageError::BadRequest(crate::web::csrf::EXPIRED.into()).into_response();
    }
    let now = state.clock.now();
    let everywhere = form.get("portee") == "partout";
    let ended = if everywhere {
        state.accounts.sign_out_everywhere(&agent, now).await.map(|_| ())
    } else {
        let token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
        state.accounts.sign_out_here(&agent, &token, now).await.map(|_| ())
    };
    if let Err(e) = ended {
        return super::error::PageError::from(e).into_response();
    }
    let mut p = SignInPage::new(&state, &csrf, Mode::Out);
    p.everywhere = everywhere;
    let mut res = private(render(StatusCode::OK, &p));
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("mlp_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::next_page;

    #[test]
    fn only_workspace_pages_after_sign_in() {
        assert_eq!(next_page("/espace/demandes/MLP-2026-000001"), "/espace/demandes/MLP-2026-000001");
        assert_eq!(next_page("/admin"), "/admin");
        for bad in ["https://evil.example", "//evil.example", "/espace//evil", "/", "", "/espace\\x", "/espace/é"] {
            assert_eq!(next_page(bad), "/espace", "{bad}");
        }
    }
}
