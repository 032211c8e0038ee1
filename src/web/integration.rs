//! `/integration/…`: the request journey that partner platforms embed in
//! their own pages (API.md, "Partner platforms"; docs/partenaires.md).
//! It is the journey of `/demande` — the same steps, validation and
//! sending, through a partner's [`Door`] — in a layout without the site's
//! header and footer, which only the partner's declared origins may frame
//! (`frame-ancestors`); its requests are the partner's.

use super::AppState;
use super::api::Params;
use super::demande::{self, Door, partner_url};
use super::demandes_api::ClientIp;
use super::error::{PageError, framed_error, render};
use super::form::PostedForm;
use super::layout::Chrome;
use super::middleware::csp_framed_by;
use crate::partner_api::Partner;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The partner named in the address (`?partenaire=NAME`), if its key is
/// active; else the page to answer (404 in plain French, in the framed
/// layout, framed by nobody).
async fn partner_of(state: &AppState, raw: Option<&str>) -> Result<Partner, Response> {
    let name = Params::parse(raw).text("partenaire").unwrap_or_default().to_string();
    let found = if name.is_empty() { None } else { state.api_keys.by_name(&name).await.map_err(not_served)? };
    found.ok_or_else(|| {
        framed_error(
            StatusCode::NOT_FOUND,
            "Formulaire indisponible",
            "Ce formulaire de demande n'est pas proposé ici : le site qui l'affiche n'est pas, ou plus, partenaire \
             de MonLycéePro. Vous pouvez faire votre demande directement sur MonLycéePro."
                .into(),
        )
    })
}

fn not_served(e: sqlx::Error) -> Response {
    PageError::from(e).into_response()
}

/// `response`, which only `partner`'s pages may frame.
fn framed_by(partner: &Partner, mut response: Response) -> Response {
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp_framed_by(&partner.origins));
    response
}

/// `GET /integration/demande?partenaire=NAME`: the first step (pre-filled
/// from the link like `/demande`).
pub async fn start(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    match partner_of(&state, raw.as_deref()).await {
        Ok(partner) => {
            let page = demande::start_at(&state, &Door::Partner(partner.clone()), raw.as_deref());
            framed_by(&partner, page)
        }
        Err(page) => page,
    }
}

/// `POST /integration/demande?partenaire=NAME`: a step of the journey.
pub async fn step(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: PostedForm,
) -> Response {
    match partner_of(&state, raw.as_deref()).await {
        Ok(partner) => {
            let page = demande::step_at(&state, &Door::Partner(partner.clone()), ip, &headers, form).await;
            framed_by(&partner, page.into_response())
        }
        Err(page) => page,
    }
}

#[derive(Template)]
#[template(path = "integration_envoyee.html")]
struct SentPage {
    chrome: Chrome,
    reference: String,
    email: String,
    /// The follow-up page, opened in a new tab (it refuses frames).
    follow: String,
    /// The form again, for another request.
    again: String,
}

/// `GET /integration/demande/envoyee/{token}?partenaire=NAME`: the
/// confirmation inside the frame. Only for a request made through that
/// partner: the page cannot show another's request in someone's frame.
pub async fn sent(State(state): State<AppState>, Path(token): Path<String>, RawQuery(raw): RawQuery) -> Response {
    let partner = match partner_of(&state, raw.as_deref()).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let found = match state.requests.by_token(&token).await {
        Ok(d) => d.filter(|d| d.partenaire.as_deref() == Some(partner.name.as_str())),
        Err(e) => return not_served(e),
    };
    let page = match found {
        Some(d) => render(
            StatusCode::OK,
            &SentPage {
                chrome: Chrome::framed(),
                reference: d.reference,
                email: d.contact_email,
                follow: format!("/suivi/{token}"),
                again: partner_url("/integration/demande", &partner),
            },
        ),
        None => framed_error(
            StatusCode::NOT_FOUND,
            "Demande introuvable",
            "Cette demande est introuvable : le lien de suivi reçu par courriel reste valable.".into(),
        ),
    };
    framed_by(&partner, page)
}
