//! Sign-in with ProConnect: `GET /connexion/proconnect` starts an attempt
//! and sends the browser to ProConnect; `GET /connexion/proconnect/retour`
//! is where ProConnect sends it back with a code.
//!
//! Every failure is a French page with a link back to `/connexion`: the
//! technical reason goes to the logs only. Besides the `state` kept in the
//! database (one use, ten minutes), the attempt is tied to the browser that
//! started it by a short-lived cookie, so that nobody can send a victim a
//! return link that signs them in as someone else.

use super::{next_page, private, set_session_cookie};
use crate::proconnect::{self, Attempt, AttemptError, ProConnectError};
use crate::web::AppState;
use crate::web::csrf::cookie;
use crate::web::error::{PageError, render};
use crate::web::layout::Chrome;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// The cookie naming the attempt this browser started.
const ATTEMPT_COOKIE: &str = "mlp_proconnect";
const ATTEMPT_PATH: &str = "/connexion/proconnect";

#[derive(Template)]
#[template(path = "proconnect.html")]
struct ProblemPage {
    chrome: Chrome,
    status: u16,
    title: &'static str,
    message: String,
    /// Signed in at ProConnect, but no account here: say how to get one.
    no_account: bool,
    /// The address ProConnect gave, to tell which one to be invited with.
    email: Option<String>,
}

/// A failed sign-in: the page, and the attempt cookie forgotten.
fn problem(status: StatusCode, title: &'static str, message: impl Into<String>) -> Response {
    let page = ProblemPage {
        chrome: Chrome::new("espace"),
        status: status.as_u16(),
        title,
        message: message.into(),
        no_account: false,
        email: None,
    };
    forget_attempt(private(render(status, &page)))
}

fn forget_attempt(mut res: Response) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("mlp_proconnect=; Path=/connexion/proconnect; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

/// The parameters of a query string, first value of each; never fails
/// (a malformed return still gets the French page).
fn params(query: Option<&str>) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| {
        form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.chars().take(2048).collect::<String>())
            .filter(|v| !v.is_empty())
    }
}

const UNREACHABLE: &str = "ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes, ou recevez un \
                           lien de connexion par courriel.";

/// `GET /connexion/proconnect`: starts a sign-in and sends the browser to
/// ProConnect (a link is enough: this GET changes nothing but the attempt).
pub async fn start(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let Some(client) = state.proconnect.clone() else { return PageError::NotFound.into_response() };
    let suite = next_page(&params(query.as_deref())("suite").unwrap_or_default());
    let attempt = Attempt::new();
    let url = match client.authorization_url(&attempt).await {
        Ok(url) => url,
        Err(e) => {
            tracing::warn!(error = %e, "connexion ProConnect impossible à commencer");
            return problem(StatusCode::BAD_GATEWAY, "ProConnect est indisponible", UNREACHABLE);
        }
    };
    if let Err(e) = proconnect::remember(&state.accounts.db, &attempt, &suite, state.clock.now()).await {
        return PageError::from(e).into_response();
    }
    let mut res = Redirect::to(&url).into_response();
    let max_age = proconnect::ATTEMPT_MINUTES * 60;
    let secure = super::secure_attribute(&state);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{ATTEMPT_COOKIE}={}; Path={ATTEMPT_PATH}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        attempt.state
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    private(res)
}

/// `GET /connexion/proconnect/retour?code=…&state=…`: checks the answer,
/// finds the account and opens the session.
pub async fn back(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let Some(client) = state.proconnect.clone() else { return PageError::NotFound.into_response() };
    let param = params(query.as_deref());
    let now = state.clock.now();
    let db = &state.accounts.db;
    let again = "Recommencez la connexion.";

    // The attempt is used up whatever happens next: a state serves once.
    let wanted = param("state").unwrap_or_default();
    let taken = match proconnect::take(db, &wanted, now).await {
        Ok(t) => t,
        Err(e) => return PageError::from(e).into_response(),
    };
    if let Some(error) = param("error") {
        let description = param("error_description").unwrap_or_default();
        tracing::warn!(erreur = %error, description = %description, "ProConnect renvoie une erreur");
        let message = if error == "access_denied" {
            format!("La connexion a été annulée ou refusée chez ProConnect. {again}")
        } else {
            format!("ProConnect n'a pas pu vous identifier. {again}")
        };
        return problem(StatusCode::BAD_REQUEST, "Connexion avec ProConnect interrompue", message);
    }
    let returning = match taken {
        Ok(r) => r,
        Err(AttemptError::Unknown) => {
            tracing::warn!("retour ProConnect avec un état inconnu ou déjà utilisé");
            return problem(
                StatusCode::BAD_REQUEST,
                "Connexion avec ProConnect non valide",
                format!("Ce retour de ProConnect ne correspond à aucune connexion en cours, ou a déjà servi. {again}"),
            );
        }
        Err(AttemptError::Expired) => {
            tracing::warn!("retour ProConnect après l'expiration de la tentative");
            return problem(
                StatusCode::BAD_REQUEST,
                "Connexion avec ProConnect expirée",
                format!("La connexion doit aboutir en {} minutes. {again}", proconnect::ATTEMPT_MINUTES),
            );
        }
    };
    if cookie(&headers, ATTEMPT_COOKIE).as_deref() != Some(returning.attempt.state.as_str()) {
        tracing::warn!("retour ProConnect dans un autre navigateur que celui qui l'a commencé");
        return problem(
            StatusCode::BAD_REQUEST,
            "Connexion avec ProConnect non valide",
            format!("Cette connexion a été commencée dans un autre navigateur. {again}"),
        );
    }
    let Some(code) = param("code") else {
        tracing::warn!("retour ProConnect sans code");
        return problem(
            StatusCode::BAD_REQUEST,
            "Connexion avec ProConnect non valide",
            format!("ProConnect n'a pas transmis de code de connexion. {again}"),
        );
    };
    let identity = match client.identity(&code, &returning.attempt.nonce, &returning.attempt.verifier).await {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(error = %e, "connexion ProConnect refusée");
            return match e {
                ProConnectError::Unreachable(_) => {
                    problem(StatusCode::BAD_GATEWAY, "ProConnect est indisponible", UNREACHABLE)
                }
                ProConnectError::CodeRejected(_) => problem(
                    StatusCode::BAD_REQUEST,
                    "Connexion avec ProConnect non confirmée",
                    format!("ProConnect n'a pas confirmé votre connexion : elle a peut-être expiré. {again}"),
                ),
                ProConnectError::BadToken(_) => problem(
                    StatusCode::BAD_REQUEST,
                    "Connexion avec ProConnect non valide",
                    format!("La réponse de ProConnect n'a pas pu être vérifiée. {again}"),
                ),
            };
        }
    };
    let opened = match proconnect::account_of(db, &identity).await {
        Ok(Some(compte)) => state.accounts.open_session(&compte.id, "ProConnect", now).await,
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    match opened {
        Ok(Some((session, agent))) => {
            tracing::info!(compte = %agent.id, "connexion avec ProConnect");
            let suite = next_page(returning.suite.as_deref().unwrap_or(""));
            let mut res = Redirect::to(&suite).into_response();
            set_session_cookie(&mut res, &state, &session);
            forget_attempt(private(res))
        }
        Ok(None) => {
            tracing::info!(sub = %identity.sub, courriel = identity.email.is_some(), "ProConnect : aucun compte actif");
            let page = ProblemPage {
                chrome: Chrome::new("espace"),
                status: 403,
                title: "Vous n'avez pas encore de compte",
                message: "ProConnect vous a bien identifié, mais aucun compte de l'espace des lycées ne correspond \
                          à votre adresse."
                    .into(),
                no_account: true,
                email: identity.email,
            };
            forget_attempt(private(render(StatusCode::FORBIDDEN, &page)))
        }
        Err(e) => PageError::from(e).into_response(),
    }
}
