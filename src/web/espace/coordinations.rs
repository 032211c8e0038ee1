//! `/admin/coordinations`: the first link of each académie's coordination
//! chain. A request no lycée can take goes to the académie's stated
//! address and to its coordinators' accounts; without either, to the
//! national administrators and `MLP_CONTACT_EMAIL`. Administrators only.

use super::{FieldErrors, SignedIn, private};
use crate::accounts::Role;
use crate::territory::CoordinationLine;
use crate::web::AppState;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::PostedForm;
use crate::web::layout::{Chrome, Crumb};
use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "coordinations.html")]
struct CoordinationsPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    who: String,
    role_label: String,
    lines: Vec<CoordinationLine>,
    /// Whether `MLP_CONTACT_EMAIL` is set (the chain's last link).
    national_contact: bool,
    /// The académie, address and name of the form (kept when refused).
    chosen: String,
    typed: String,
    label: String,
    notice: Option<String>,
    error: Option<String>,
    errors: FieldErrors,
}

impl CoordinationsPage {
    fn error_list(&self) -> Vec<(&str, &str)> {
        self.errors.all().iter().map(|(f, m)| (f.as_str(), m.as_str())).collect()
    }

    fn invalid(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    fn without_anyone(&self) -> usize {
        self.lines.iter().filter(|l| l.email.is_none() && l.coordinators.is_empty()).count()
    }
}

async fn page(
    state: &AppState,
    csrf: &CsrfCookie,
    agent: &crate::accounts::Agent,
) -> Result<CoordinationsPage, PageError> {
    let index = state.search.index();
    Ok(CoordinationsPage {
        chrome: Chrome::new("espace"),
        crumbs: vec![Crumb::new("Mon espace", "/espace"), Crumb::new("Administration", "/admin")],
        here: "Coordinations des académies".into(),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        lines: crate::territory::coordination_lines(&state.requests.db, &index).await?,
        national_contact: state.requests.national_contact.is_some(),
        chosen: String::new(),
        typed: String::new(),
        label: String::new(),
        notice: None,
        error: None,
        errors: FieldErrors::default(),
    })
}

/// `GET /admin/coordinations`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    if agent.role != Role::Admin {
        return Err(PageError::NotFound);
    }
    let mut p = page(&state, &csrf, &agent).await?;
    p.notice = match crate::web::api::Params::parse(raw.as_deref()).text("fait") {
        Some("saisie") => Some("Adresse de coordination enregistrée.".into()),
        Some("retiree") => Some("Adresse de coordination retirée.".into()),
        _ => None,
    };
    Ok(private(render(StatusCode::OK, &p)))
}

/// `POST /admin/coordinations`: sets an académie's address (`retirer`:
/// removes it).
pub async fn save(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    form: PostedForm,
) -> Result<Response, PageError> {
    if agent.role != Role::Admin {
        return Err(PageError::NotFound);
    }
    let mut p = page(&state, &csrf, &agent).await?;
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    let now = state.clock.now();
    if let Some(code) = form.fields.text("retirer") {
        if !p.lines.iter().any(|l| l.code == code) {
            p.error = Some("Académie inconnue : rien n'a été retiré.".into());
            return Ok(private(render(StatusCode::NOT_FOUND, &p)));
        }
        crate::territory::set_coordination(&state.requests, &agent, code, None, now).await?;
        return Ok(private(Redirect::to("/admin/coordinations?fait=retiree").into_response()));
    }
    p.chosen = form.get("academie");
    p.typed = form.get("adresse");
    p.label = form.get("nom");
    if !p.lines.iter().any(|l| l.code == p.chosen) {
        p.errors.add("coordination-academie", "Choisissez l'académie.");
    }
    let email = match p.typed.parse::<domain::ids::Email>() {
        Ok(e) => Some(e.to_string()),
        Err(_) if p.typed.is_empty() => {
            p.errors.add("coordination-adresse", "Indiquez l'adresse de la coordination.");
            None
        }
        Err(e) => {
            p.errors.add("coordination-adresse", format!("{}.", domain::text::capitalise(&e.to_string())));
            None
        }
    };
    if p.label.chars().count() > 200 {
        p.errors.add("coordination-nom", "Le nom : 200 caractères au plus.");
    }
    match email {
        Some(email) if p.errors.is_empty() => {
            let label = Some(p.label.as_str()).filter(|l| !l.is_empty());
            crate::territory::set_coordination(&state.requests, &agent, &p.chosen, Some((&email, label)), now).await?;
            Ok(private(Redirect::to("/admin/coordinations?fait=saisie").into_response()))
        }
        _ => Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p))),
    }
}
