//! Errors of the web layer. An API error renders the JSON of API.md; a
//! page error renders a DSFR error page in French. Unexpected errors are
//! logged with their cause chain and shown as a plain 500 without detail.

use super::layout::Chrome;
use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;

/// The JSON error of the public API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub champs: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct ApiErrorBody<'a> {
    erreur: ApiErrorInner<'a>,
}

#[derive(Serialize)]
struct ApiErrorInner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    champs: &'a BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), champs: BTreeMap::new() }
    }

    /// 400: the request itself is malformed (a parameter of the wrong form).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "requete_invalide", message)
    }

    /// 400 naming the parameter at fault.
    pub fn bad_param(name: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::bad_request(format!("paramètre « {name} » invalide : {message}"));
        e.champs.insert(name.to_string(), message);
        e
    }

    /// 404: nothing has this identifier.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "introuvable", message)
    }

    /// 503 with `Retry-After`: the database cannot serve right now (see
    /// [`crate::storage::is_unavailable`]); nothing was changed.
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "base de données indisponible");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "indisponible",
            "Service momentanément indisponible : rien n'a été enregistré. Réessayez dans quelques instants.",
        )
    }

    /// A failure of a service call: 503 when the database cannot serve,
    /// else 500.
    pub fn from_any(e: &anyhow::Error) -> Self {
        if crate::storage::is_unavailable_any(e) {
            Self::unavailable(format!("{e:#}"))
        } else {
            Self::internal(format!("{e:#}"))
        }
    }

    /// 500 after logging the cause; the client learns nothing more.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "erreur interne");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "erreur_interne",
            "Erreur interne du service. Réessayez plus tard.",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if crate::storage::is_unavailable(&e) {
            ApiError::unavailable(format!("base de données : {e}"))
        } else {
            ApiError::internal(format!("base de données : {e}"))
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::from_any(&e)
    }
}

/// How long a client should wait before trying again after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 10;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ApiErrorBody { erreur: ApiErrorInner { code: self.code, message: &self.message, champs: &self.champs } };
        let mut res = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        res
    }
}

/// An error on a page.
#[derive(Debug)]
pub enum PageError {
    NotFound,
    BadRequest(String),
    /// The database cannot serve right now: 503 with `Retry-After`.
    Unavailable(String),
    Internal(String),
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        if crate::storage::is_unavailable(&e) {
            PageError::Unavailable(format!("base de données : {e}"))
        } else {
            PageError::Internal(format!("base de données : {e}"))
        }
    }
}

/// A service error met on a page: the same kind of answer, as a page.
impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        if e.status == StatusCode::SERVICE_UNAVAILABLE {
            PageError::Unavailable(e.message)
        } else {
            PageError::Internal(e.message)
        }
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        if crate::storage::is_unavailable_any(&e) {
            PageError::Unavailable(format!("{e:#}"))
        } else {
            PageError::Internal(format!("{e:#}"))
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    title: &'static str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page non trouvée",
                "La page que vous cherchez est introuvable. Excusez-nous pour la gêne occasionnée. \
                 Si vous avez tapé l'adresse web dans le navigateur, vérifiez qu'elle est correcte."
                    .to_string(),
            ),
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Demande incorrecte", m),
            PageError::Unavailable(cause) => {
                tracing::error!(error = %cause, "base de données indisponible sur une page");
                let mut res = render(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &ErrorPage {
                        chrome: Chrome::new(""),
                        status: 503,
                        title: "Service momentanément indisponible",
                        message: "Le service ne peut pas enregistrer ni lire de données pour quelques instants : \
                                  rien n'a été perdu ni modifié. Réessayez dans une minute."
                            .to_string(),
                    },
                );
                res.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(RETRY_AFTER_SECONDS));
                return res;
            }
            PageError::Internal(cause) => {
                tracing::error!(error = %cause, "erreur interne sur une page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Erreur inattendue",
                    "Désolé, le service rencontre un problème. Réessayez dans quelques minutes.".to_string(),
                )
            }
        };
        render(status, &ErrorPage { chrome: Chrome::new(""), status: status.as_u16(), title, message })
    }
}

/// An error page of the site's layout with its own words (a refusal
/// decided before any handler: a forbidden character, a body too large).
pub fn error_page(status: StatusCode, title: &'static str, message: String) -> Response {
    render(status, &ErrorPage { chrome: Chrome::new(""), status: status.as_u16(), title, message })
}

/// An error page in the minimal layout of the pages partners frame
/// (`/integration/…`), with its own words (an unknown partner).
pub fn framed_error(status: StatusCode, title: &'static str, message: String) -> Response {
    render(status, &ErrorPage { chrome: Chrome::framed(), status: status.as_u16(), title, message })
}

/// Renders a page template with a status; a rendering failure is logged
/// and becomes a bare 500.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendu de gabarit impossible");
            (StatusCode::INTERNAL_SERVER_ERROR, "Erreur interne").into_response()
        }
    }
}
