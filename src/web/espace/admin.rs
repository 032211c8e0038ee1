//! `/admin`: national administration. The accounts, the audit log,
//! invitations (an account is created and its owner gets a sign-in link),
//! and the personal data held about one address (export, erasure on
//! request: docs/rgpd.md). Only administrators: anyone else gets a 404.

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
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::text::count_of;

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

/// A partner platform's key, as the administrators see it.
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub start: String,
    pub created: String,
    pub last_use: String,
    pub requests: String,
    pub webhook: String,
    pub origins: String,
    pub revoked: Option<String>,
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
    /// The invitation form's field errors (ids `inv-…`), and the personal
    /// data form's (`don-email`).
    errors: super::FieldErrors,
    /// The address typed in the personal data form.
    data_email: String,
    /// The address whose erasure waits for its confirmation.
    erase_pending: Option<String>,
    /// Partner platforms' keys, and the creation form's values.
    keys: Vec<KeyView>,
    key_name: String,
    key_webhook: String,
    key_origins: String,
    /// A key just created: shown this once.
    created_key: Option<crate::partner_api::CreatedKey>,
    /// The key whose revocation waits for its confirmation (id, name).
    revoke_pending: Option<(String, String)>,
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
        data_email: String::new(),
        erase_pending: None,
        keys: key_views(state).await?,
        key_name: String::new(),
        key_webhook: String::new(),
        key_origins: String::new(),
        created_key: None,
        revoke_pending: None,
    })
}

async fn key_views(state: &AppState) -> Result<Vec<KeyView>, PageError> {
    Ok(state
        .api_keys
        .list()
        .await?
        .into_iter()
        .map(|l| {
            let k = l.key;
            KeyView {
                id: k.id,
                name: k.nom,
                start: format!("{}…", k.debut),
                created: when(&k.cree_le),
                last_use: k.utilisee_le.as_deref().map_or("jamais".to_string(), when),
                requests: domain::text::count_of(l.demandes, "demande", "demandes"),
                webhook: k.webhook_url.unwrap_or_else(|| "—".into()),
                origins: if k.origines.is_empty() { "—".into() } else { k.origines.replace(' ', ", ") },
                revoked: k.revoquee_le.as_deref().map(when),
            }
        })
        .collect())
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

/// The address of the personal data form, after the CSRF check; the page
/// to show again otherwise (the field error, or the expired form).
async fn data_form(
    state: &AppState,
    csrf: &CsrfCookie,
    agent: &crate::accounts::Agent,
    form: &PostedForm,
) -> Result<Result<(domain::Email, AdminPage), Response>, PageError> {
    admin_only(agent)?;
    let mut p = page(state, csrf, agent).await?;
    p.data_email = form.get("email").chars().take(254).collect();
    if !csrf.accepts_form(state, form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(Err(private(render(StatusCode::FORBIDDEN, &p))));
    }
    match p.data_email.parse::<domain::Email>() {
        Ok(email) => Ok(Ok((email, p))),
        Err(_) => {
            let message = if p.data_email.trim().is_empty() {
                "Indiquez l'adresse électronique de la personne."
            } else {
                "Adresse électronique invalide : elle doit ressembler à nom@domaine.fr."
            };
            p.errors.add("don-email", message);
            Ok(Err(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p))))
        }
    }
}

/// `POST /admin/donnees/export`: everything held about one address, as a
/// JSON download (the right of access). Logged, the address as its
/// pseudonym.
pub async fn export_data(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    form: PostedForm,
) -> Result<Response, PageError> {
    let (email, _) = match data_form(&state, &csrf, &agent, &form).await? {
        Ok(found) => found,
        Err(res) => return Ok(res),
    };
    let now = state.clock.now();
    let data = crate::privacy::export(&state.requests, &email, now).await?;
    let count = |key: &str| data[key].as_array().map_or(0, Vec::len);
    let details = format!(
        "{} demande(s), {} compte(s), {} demande(s) d'accès, {} contact(s) de partenaire",
        count("demandes"),
        count("comptes"),
        count("adhesions"),
        count("contacts_partenaires")
    );
    crate::privacy::log(&state.requests, &agent.email, "donnees_exportees", &email, &details, now).await?;
    let body = serde_json::to_string_pretty(&data).map_err(|e| PageError::Internal(e.to_string()))?;
    let day = crate::clock::to_rfc3339(now).get(0..10).unwrap_or("export").to_string();
    let mut res = body.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    let disposition = format!("attachment; filename=\"donnees-personnelles-{day}.json\"");
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|_| PageError::Internal("nom de fichier".into()))?,
    );
    Ok(private(res))
}

/// `POST /admin/donnees/effacer`: erases one address on request (the right
/// to erasure). A destructive action: the first post shows what will
/// happen and asks for confirmation (`confirmer=oui`); the second erases
/// and logs it.
pub async fn erase_data(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    form: PostedForm,
) -> Result<Response, PageError> {
    let (email, mut p) = match data_form(&state, &csrf, &agent, &form).await? {
        Ok(found) => found,
        Err(res) => return Ok(res),
    };
    if email.normalized() == agent.email.to_lowercase() {
        p.errors.add(
            "don-email",
            "Vous ne pouvez pas effacer votre propre compte : demandez-le à un autre administrateur.",
        );
        return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)));
    }
    if form.get("confirmer") != "oui" {
        p.erase_pending = Some(email.as_str().to_string());
        return Ok(private(render(StatusCode::OK, &p)));
    }
    let now = state.clock.now();
    let index = state.search.index();
    let done = crate::privacy::erase(&state.requests, &index, &email, now).await?;
    let n = |x: usize| x as i64;
    let c = |x: u64| x as i64;
    let details = [
        format!(
            "{} dont {}",
            count_of(n(done.requests.len()), "demande anonymisée", "demandes anonymisées"),
            count_of(n(done.cancelled.len()), "annulée", "annulées")
        ),
        count_of(c(done.held.comptes), "compte", "comptes"),
        count_of(c(done.held.adhesions), "demande d'accès", "demandes d'accès"),
        count_of(c(done.held.contacts_partenaires), "contact de partenaire", "contacts de partenaire"),
        count_of(c(done.held.courriels), "courriel", "courriels"),
        count_of(c(done.held.inscriptions_evenements), "inscription à un événement", "inscriptions à un événement"),
        count_of(c(done.held.appels_stages), "appel à accueillir des stagiaires", "appels à accueillir des stagiaires"),
    ]
    .join(", ");
    crate::privacy::log(&state.requests, &agent.email, "donnees_effacees", &email, &details, now).await?;
    let mut p = page(&state, &csrf, &agent).await?;
    p.notice = Some(format!("Données de {} effacées : {details} ; c'est inscrit au journal.", email.as_str()));
    Ok(private(render(StatusCode::OK, &p)))
}

/// `POST /admin/cles`: creates a partner platform's key; the key (and its
/// webhook secret) are shown on the page this once. Logged.
pub async fn create_key(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    form: PostedForm,
) -> Result<Response, PageError> {
    use crate::partner_api::{KeyError, NewKey};
    admin_only(&agent)?;
    let mut p = page(&state, &csrf, &agent).await?;
    p.key_name = form.get("nom").chars().take(100).collect();
    p.key_webhook = form.get("webhook").chars().take(500).collect();
    p.key_origins = form.get("origines").chars().take(1000).collect();
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    let new = NewKey {
        name: p.key_name.clone(),
        webhook: Some(p.key_webhook.clone()),
        origins: p.key_origins.split([',', ' ', '\n', '\r']).filter(|o| !o.is_empty()).map(str::to_string).collect(),
    };
    match state.api_keys.create(&new, &agent.email, state.clock.now()).await {
        Ok(created) => {
            let mut p = page(&state, &csrf, &agent).await?;
            p.created_key = Some(created);
            Ok(private(render(StatusCode::OK, &p)))
        }
        Err(KeyError::Db(e)) => Err(e.into()),
        Err(e) => {
            p.errors.add(&format!("cle-{}", e.field()), super::equipe::capitalized(&e.detail()));
            Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)))
        }
    }
}

/// `POST /admin/cles/{id}/revoquer`: revokes a key after a confirmation
/// step (its partner's calls are refused at once). Logged.
pub async fn revoke_key(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    axum::extract::Path(id): axum::extract::Path<String>,
    form: PostedForm,
) -> Result<Response, PageError> {
    admin_only(&agent)?;
    let mut p = page(&state, &csrf, &agent).await?;
    let Some(name) = p.keys.iter().find(|k| k.id == id && k.revoked.is_none()).map(|k| k.name.clone()) else {
        return Err(PageError::NotFound);
    };
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    if form.get("confirmer") != "oui" {
        p.revoke_pending = Some((id, name));
        return Ok(private(render(StatusCode::OK, &p)));
    }
    let notice = match state.api_keys.revoke(&name, &agent.email, state.clock.now()).await {
        Ok(()) => format!("Clé «\u{a0}{name}\u{a0}» révoquée : ses appels sont refusés ; c'est inscrit au journal."),
        Err(crate::partner_api::KeyError::Db(e)) => return Err(e.into()),
        // Another administrator revoked it between the two steps.
        Err(_) => format!("La clé «\u{a0}{name}\u{a0}» était déjà révoquée."),
    };
    let mut p = page(&state, &csrf, &agent).await?;
    p.notice = Some(notice);
    Ok(private(render(StatusCode::OK, &p)))
}
