//! `/espace/territoire/adresses`: growing the reach. A coordinator (an
//! administrator, nationally or for one académie) sees which lycées of the
//! territory nobody can be written to — those that missed the most
//! requests first — and enters or corrects a lycée's bureau address, one
//! at a time or from a `UAI;adresse` file. Entered addresses are kept apart
//! from the imported catalogue, used at once, and audited. Business
//! officers get a 404: their lycée says its address on its showcase.

use super::territoire::scope_of;
use super::{FieldErrors, SignedIn, private};
use crate::accounts::{Agent, Role};
use crate::storage::territory::Scope;
use crate::territory::{AddressLine, address_lines};
use crate::web::AppState;
use crate::web::api::Params;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::{PostedForm, Upload};
use crate::web::layout::{Chrome, Crumb};
use askama::Template;
use axum::extract::{Extension, Multipart, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::text::count_of;

/// Largest file of addresses (5,000 lines of about 40 bytes).
const MAX_FILE_BYTES: usize = 512 * 1024;

#[derive(Template)]
#[template(path = "territoire_adresses.html")]
struct AddressesPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    who: String,
    role_label: String,
    title: String,
    /// Query string of the scope ("academie=10"), kept by the forms.
    scope_query: String,
    /// An administrator without an académie chosen: the lists would hold
    /// the whole country, the page asks to pick one first.
    choose_academie: bool,
    academies: Vec<(String, String)>,
    lines: Vec<AddressLine>,
    /// The lycée chosen in the form, and the address typed (kept when the
    /// form is refused).
    chosen: String,
    typed: String,
    notice: Option<String>,
    error: Option<String>,
    errors: FieldErrors,
    import_errors: Vec<String>,
}

impl AddressesPage {
    fn unreachable(&self) -> Vec<&AddressLine> {
        self.lines.iter().filter(|l| !l.reachable).collect()
    }

    fn entered(&self) -> Vec<&AddressLine> {
        self.lines.iter().filter(|l| l.entered.is_some()).collect()
    }

    fn unreachable_title(&self) -> String {
        let n = self.unreachable().len() as i64;
        format!(
            "{} sur {} sans interlocuteur",
            count_of(n, "lycée", "lycées"),
            domain::text::thousands(self.lines.len() as i64)
        )
    }

    fn error_list(&self) -> Vec<(&str, &str)> {
        self.errors.all().iter().map(|(f, m)| (f.as_str(), m.as_str())).collect()
    }

    fn invalid(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    /// "?academie=10" or "".
    fn scope_suffix(&self) -> String {
        if self.scope_query.is_empty() { String::new() } else { format!("?{}", self.scope_query) }
    }

    fn day(&self, at: &str) -> String {
        crate::requests::day_of(at)
    }
}

async fn page(state: &AppState, csrf: &CsrfCookie, agent: &Agent, params: &Params) -> Result<AddressesPage, PageError> {
    let scope = scope_of(state, agent, params)?;
    let index = state.search.index();
    let choose_academie = scope == Scope::National;
    let lines = if choose_academie { Vec::new() } else { address_lines(&state.requests.db, &index, &scope).await? };
    let title = match &scope {
        Scope::National => "Les adresses des lycées".to_string(),
        Scope::Academie(code, _) => {
            let nom = index.academies.values().find(|(c, _)| c == code).map_or(code.clone(), |(_, n)| n.clone());
            format!("Les adresses des lycées de l'académie {}", domain::text::of_place(&nom))
        }
        Scope::Lycees(_) => "Les adresses des lycées de mon bassin".to_string(),
    };
    let mut academies: Vec<(String, String)> = index.academies.values().cloned().collect();
    academies.sort_by(|a, b| a.1.cmp(&b.1));
    academies.dedup();
    Ok(AddressesPage {
        chrome: Chrome::new("espace"),
        crumbs: vec![Crumb::new("Mon espace", "/espace"), Crumb::new("Mon territoire", "/espace/territoire")],
        here: "Adresses des lycées".into(),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        title,
        scope_query: params
            .text("academie")
            .filter(|a| !a.is_empty())
            .map(|a| format!("academie={}", form_urlencoded::byte_serialize(a.as_bytes()).collect::<String>()))
            .unwrap_or_default(),
        choose_academie,
        academies,
        lines,
        chosen: params.text("lycee").unwrap_or_default().to_string(),
        typed: String::new(),
        notice: None,
        error: None,
        errors: FieldErrors::default(),
        import_errors: Vec::new(),
    })
}

/// Business officers have no territory.
fn coordination_only(agent: &Agent) -> Result<(), PageError> {
    if agent.role == Role::Rbe { Err(PageError::NotFound) } else { Ok(()) }
}

/// Back to the page, with what was done said at the top.
fn done(p: &AddressesPage, said: &str) -> Response {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.extend_pairs(form_urlencoded::parse(p.scope_query.as_bytes()));
    q.append_pair("fait", said);
    private(Redirect::to(&format!("/espace/territoire/adresses?{}", q.finish())).into_response())
}

/// `GET /espace/territoire/adresses`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    coordination_only(&agent)?;
    let params = Params::parse(raw.as_deref());
    let mut p = page(&state, &csrf, &agent, &params).await?;
    p.notice = match params.text("fait") {
        Some("saisie") => {
            Some("Adresse enregistrée : les prochaines demandes qui concernent ce lycée lui sont écrites.".into())
        }
        Some("retiree") => Some("Adresse retirée.".into()),
        Some("import") => Some("Fichier importé : les adresses sont enregistrées.".into()),
        _ => None,
    };
    Ok(private(render(StatusCode::OK, &p)))
}

/// `POST /espace/territoire/adresses`: enters (or corrects) one lycée's
/// address; `retirer` removes the one entered.
pub async fn save(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    RawQuery(raw): RawQuery,
    form: PostedForm,
) -> Result<Response, PageError> {
    coordination_only(&agent)?;
    let params = Params::parse(raw.as_deref());
    let mut p = page(&state, &csrf, &agent, &params).await?;
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    if form.too_large {
        p.error = Some("Formulaire trop volumineux.".into());
        return Ok(private(render(StatusCode::PAYLOAD_TOO_LARGE, &p)));
    }
    let index = state.search.index();
    let now = state.clock.now();
    if let Some(uai) = form.fields.text("retirer") {
        return match crate::territory::remove_address(&state.requests, &index, &agent, uai, now).await? {
            Ok(_) => Ok(done(&p, "retiree")),
            Err(why) => {
                p.error = Some(format!("Rien n'a été retiré : {why}."));
                Ok(private(render(StatusCode::NOT_FOUND, &p)))
            }
        };
    }
    p.chosen = form.get("lycee");
    p.typed = form.get("adresse");
    if p.chosen.is_empty() {
        p.errors.add("adresse-lycee", "Choisissez le lycée.");
    }
    if p.typed.is_empty() {
        p.errors.add("adresse-courriel", "Indiquez l'adresse du bureau des entreprises.");
    }
    if p.errors.is_empty() {
        match crate::territory::check_address(&index, &agent, &p.chosen, &p.typed) {
            Ok(entry) => {
                crate::territory::enter_addresses(&state.requests, &agent, &[entry], now).await?;
                return Ok(done(&p, "saisie"));
            }
            Err(crate::territory::AddressError::Adresse(why)) => p.errors.add("adresse-courriel", capitalised(&why)),
            Err(crate::territory::AddressError::Lycee(why)) => p.errors.add("adresse-lycee", capitalised(&why)),
        }
    }
    Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)))
}

fn capitalised(why: &str) -> String {
    format!("{}.", domain::text::capitalise(why.trim_end_matches('.')))
}

/// `POST /espace/territoire/adresses/import` (multipart, `UAI;adresse`):
/// every line is checked first; one bad line and nothing is entered.
pub async fn import(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    RawQuery(raw): RawQuery,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    coordination_only(&agent)?;
    let params = Params::parse(raw.as_deref());
    let mut p = page(&state, &csrf, &agent, &params).await?;
    let Some(upload) = Upload::read(multipart, "fichier", MAX_FILE_BYTES).await else {
        p.error = Some("Envoyez le fichier avec le formulaire de la page.".into());
        return Ok(private(render(StatusCode::BAD_REQUEST, &p)));
    };
    if !csrf.accepts(&state, &upload.csrf) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    let too_large = upload.too_large;
    let text = match upload.csv_text("512 Ko") {
        Ok(t) => t,
        Err(why) => {
            p.errors.add("adresses-fichier", why);
            let status = if too_large { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::UNPROCESSABLE_ENTITY };
            return Ok(private(render(status, &p)));
        }
    };
    let index = state.search.index();
    match crate::territory::read_addresses(&index, &agent, &text) {
        Ok(entries) => {
            crate::territory::enter_addresses(&state.requests, &agent, &entries, state.clock.now()).await?;
            Ok(done(&p, "import"))
        }
        Err(errors) => {
            p.errors.add("adresses-fichier", "Rien n'a été importé : corrigez le fichier (détail ci-dessous).");
            p.import_errors = errors;
            Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)))
        }
    }
}
