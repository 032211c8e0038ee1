//! `/admin`: national administration. The accounts, the audit log, and
//! invitations (an account is created and its owner gets a sign-in link).
//! Only administrators: anyone else gets a 404.

use super::{SignedIn, private};
use crate::accounts::{NewAccount, Role};
use crate::storage::accounts as store;
use crate::web::AppState;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::PostedForm;
use crate::web::layout::Chrome;
use crate::web::suivi::when;
use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::Response;

pub struct AccountLine {
    pub id: String,
    pub actif: bool,
    /// The role's code, for the form that changes it.
    pub role_code: &'static str,
    pub academie: String,
    /// The account's lycées, each removable.
    pub lycees: Vec<String>,
    pub email: String,
    pub name: String,
    pub role: String,
    pub territory: String,
    pub last: String,
}

pub struct AuditLine {
    pub when: String,
    pub who: String,
    pub action: String,
    pub target: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    who: String,
    role_label: String,
    chrome: Chrome,
    csrf: String,
    accounts: Vec<AccountLine>,
    audit: Vec<AuditLine>,
    error: Option<String>,
    notice: Option<String>,
    email: String,
    role: String,
    lycees: String,
    academie: String,
    /// The invitation form's field errors (ids `inv-…`).
    errors: super::FieldErrors,
}

async fn page(state: &AppState, csrf: &CsrfCookie, agent: &crate::accounts::Agent) -> Result<AdminPage, PageError> {
    let accounts = state
        .accounts
        .list()
        .await?
        .into_iter()
        .map(|(a, actif, last)| AccountLine {
            id: a.id.clone(),
            actif,
            role_code: a.role.code(),
            academie: a.academie.clone().unwrap_or_default(),
            lycees: a.lycees.clone(),
            name: a.display_name(),
            role: format!("{}{}", a.role.label(), if actif { "" } else { " (désactivé)" }),
            territory: [
                a.academie.map(|c| format!("académie {c}")),
                (!a.lycees.is_empty()).then(|| a.lycees.join(", ")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ; "),
            last: last.as_deref().map_or("jamais".to_string(), when),
            email: a.email,
        })
        .collect();
    let audit = store::audit(&state.accounts.db, 100)
        .await?
        .into_iter()
        .map(|a| AuditLine { when: when(&a.quand), who: a.qui, action: a.action, target: a.cible, details: a.details })
        .collect();
    Ok(AdminPage {
        chrome: Chrome::new("espace"),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        csrf: csrf.token(state),
        accounts,
        audit,
        error: None,
        notice: None,
        email: String::new(),
        role: "rbe".into(),
        lycees: String::new(),
        academie: String::new(),
        errors: super::FieldErrors::default(),
    })
}

fn admin_only(agent: &crate::accounts::Agent) -> Result<(), PageError> {
    if agent.role == Role::Admin { Ok(()) } else { Err(PageError::NotFound) }
}

/// `GET /admin`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
) -> Result<Response, PageError> {
    admin_only(&agent)?;
    Ok(private(render(StatusCode::OK, &page(&state, &csrf, &agent).await?)))
}

/// `POST /admin/invitations`: creates (or extends) an account and sends it
/// a sign-in link.
pub async fn invite(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    form: PostedForm,
) -> Result<Response, PageError> {
    admin_only(&agent)?;
    let mut p = page(&state, &csrf, &agent).await?;
    p.email = form.get("email").chars().take(254).collect();
    p.role = form.get("role");
    p.lycees = form.get("lycees").chars().take(500).collect();
    p.academie = form.get("academie").chars().take(100).collect();
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    let Some(role) = Role::from_code(&p.role) else {
        p.errors.add("inv-role", "Choisissez le rôle de la personne.");
        return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)));
    };
    let new = NewAccount {
        lycees: p.lycees.split([',', ' ', ';']).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        academie: Some(p.academie.clone()),
        ..NewAccount::new(&p.email, role)
    };
    match super::equipe::invite(&state, &agent, &new).await? {
        Ok(added) => {
            let mut p = page(&state, &csrf, &agent).await?;
            p.notice = Some(format!(
                "{} : compte {} ; un lien de connexion lui est envoyé.",
                added.agent.email,
                if added.created { "créé" } else { "mis à jour" }
            ));
            Ok(private(render(StatusCode::OK, &p)))
        }
        Err(e) => {
            match e.field.filter(|f| ["email", "lycees", "academie"].contains(f)) {
                Some(field) => p.errors.add(&format!("inv-{field}"), super::equipe::capitalized(&e.message)),
                None => p.error = Some(format!("Invitation impossible : {e}.")),
            }
            Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)))
        }
    }
}

/// `POST /admin/comptes/{id}/retirer`: removes one lycée (`lycee`) from an
/// account, or deactivates it (no `lycee`).
pub async fn revoke(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    axum::extract::Path(id): axum::extract::Path<String>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut p = match target(&state, &csrf, &agent, &id, &form).await? {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    if id == agent.id {
        p.error = Some("Vous ne pouvez pas retirer vos propres droits : demandez-le à un autre administrateur.".into());
        return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)));
    }
    let uai = Some(form.get("lycee")).filter(|u| !u.is_empty());
    let done = state.accounts.revoke(&id, uai.as_deref(), &agent.email, state.clock.now()).await?;
    let mut p = page(&state, &csrf, &agent).await?;
    p.notice =
        Some(if done { "Droits retirés ; c'est inscrit au journal.".into() } else { "Rien à retirer.".into() });
    Ok(private(render(StatusCode::OK, &p)))
}

/// The account a form of the page is about (404 when unknown), after the
/// CSRF check; the page to show again otherwise.
async fn target(
    state: &AppState,
    csrf: &CsrfCookie,
    agent: &crate::accounts::Agent,
    id: &str,
    form: &PostedForm,
) -> Result<Result<AdminPage, Response>, PageError> {
    admin_only(agent)?;
    let mut p = page(state, csrf, agent).await?;
    if !p.accounts.iter().any(|a| a.id == id) {
        return Err(PageError::NotFound);
    }
    if !csrf.accepts_form(state, form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(Err(private(render(StatusCode::FORBIDDEN, &p))));
    }
    Ok(Ok(p))
}

/// `POST /admin/comptes/{id}/role`: `role` and, for a coordinator,
/// `academie`. Logged; the person signs in again under the new role.
pub async fn change_role(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    axum::extract::Path(id): axum::extract::Path<String>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut p = match target(&state, &csrf, &agent, &id, &form).await? {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    let Some(role) = Role::from_code(&form.get("role")) else {
        p.error = Some("Choisissez le rôle du compte.".into());
        return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)));
    };
    let academie = form.get("academie");
    let changed = state
        .accounts
        .change_role(&id, role, Some(academie.as_str()), &agent, state.clock.now())
        .await
        .map_err(PageError::from)?;
    match changed {
        Ok(a) => {
            let mut p = page(&state, &csrf, &agent).await?;
            p.notice = Some(format!("{} : {} ; c'est inscrit au journal.", a.email, a.role.label().to_lowercase()));
            Ok(private(render(StatusCode::OK, &p)))
        }
        Err(e) => {
            p.error = Some(format!("Modification impossible : {e}."));
            Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)))
        }
    }
}

/// `POST /admin/comptes/{id}/reactiver`: brings back a deactivated
/// account. Logged.
pub async fn reactivate(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    axum::extract::Path(id): axum::extract::Path<String>,
    form: PostedForm,
) -> Result<Response, PageError> {
    if let Err(res) = target(&state, &csrf, &agent, &id, &form).await? {
        return Ok(res);
    }
    let done = state.accounts.reactivate(&id, &agent, state.clock.now()).await.map_err(PageError::from)?;
    let mut p = page(&state, &csrf, &agent).await?;
    p.notice = Some(if done {
        "Compte réactivé ; c'est inscrit au journal.".into()
    } else {
        "Ce compte était déjà actif.".into()
    });
    Ok(private(render(StatusCode::OK, &p)))
}
