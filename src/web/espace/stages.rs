//! A lycée's placement needs in the workspace
//! (`/espace/lycees/{uai}/stages`): declare the students still without a
//! host company for a PFMP period, see the partners whose capacity fits,
//! call them in one action, mark the need filled or withdraw it.

use super::vitrine::lycee_of;
use super::{SignedIn, private};
use crate::accounts::Agent;
use crate::clock;
use crate::partners::Errors;
use crate::placements::{self, Fitting};
use crate::storage::placements::{self as store, BesoinRow};
use crate::storage::vitrines::{self as vitrines, PeriodeRow};
use crate::web::AppState;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::PostedForm;
use crate::web::layout::{Chrome, Crumb};
use askama::Template;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::placements::{NeedState, NeedStatus};
use domain::text::{count_of, period, short_date};

/// A need as the workspace lists it.
pub struct NeedLine {
    pub id: String,
    pub diploma: String,
    pub period: String,
    pub places: String,
    pub state: NeedState,
    pub closed: Option<String>,
}

#[derive(Template)]
#[template(path = "espace_stages.html")]
struct NeedsPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    who: String,
    role_label: String,
    uai: String,
    nom: String,
    /// Periods still to come or running: (id, label).
    periods: Vec<(String, String)>,
    open: Vec<NeedLine>,
    closed: Vec<NeedLine>,
    /// What was typed, kept on an error: (period, places, note).
    typed: (String, String, String),
    errors: Errors,
    notice: Option<&'static str>,
}

impl NeedsPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn summary(&self) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(f, _)| **f != "formulaire")
            .map(|(f, m)| (format!("besoin-{f}"), m.clone()))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "espace_besoin.html")]
struct NeedPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    who: String,
    role_label: String,
    uai: String,
    nom: String,
    need: BesoinRow,
    diploma: String,
    period: String,
    state: NeedState,
    /// What companies read on the showcase and in `/stages`.
    sentence: String,
    fitting: Vec<Fitting>,
    /// Contacts a call would reach now, and their partners.
    to_call: (usize, usize),
    errors: Errors,
    notice: Option<String>,
}

impl NeedPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn call_label(&self) -> String {
        format!(
            "Envoyer l'appel à {} ({})",
            count_of(self.to_call.1 as i64, "partenaire", "partenaires"),
            count_of(self.to_call.0 as i64, "contact", "contacts")
        )
    }

    /// "2 contacts joignables, 1 contact déjà appelé, 1 contact désinscrit".
    fn contacts_words(f: &Fitting) -> String {
        let mut words = vec![count_of(f.reachable.len() as i64, "contact joignable", "contacts joignables")];
        if !f.called.is_empty() {
            words.push(count_of(f.called.len() as i64, "contact déjà appelé", "contacts déjà appelés"));
        }
        if f.unsubscribed > 0 {
            words.push(count_of(f.unsubscribed as i64, "contact désinscrit", "contacts désinscrits"));
        }
        words.join(", ")
    }
}

fn today(state: &AppState) -> String {
    state.clock.now().date().to_string()
}

fn line(state: &AppState, n: &BesoinRow, today: &str) -> NeedLine {
    let index = state.search.index();
    NeedLine {
        id: n.id.clone(),
        diploma: placements::diploma_label(&index, &n.uai, &n.diplome),
        period: period(Some(&n.debut), Some(&n.fin)).unwrap_or_default(),
        places: count_of(n.places, "élève", "élèves"),
        state: NeedState::of(n.statut, &n.fin, today),
        closed: n.clos_le.as_deref().map(short_date),
    }
}

async fn needs_page(
    state: &AppState,
    csrf: &CsrfCookie,
    agent: &Agent,
    uai: &str,
) -> Result<(NeedsPage, Vec<PeriodeRow>), PageError> {
    let (uai, nom) = lycee_of(state, agent, uai)?;
    let db = &state.requests.db;
    let today = today(state);
    let index = state.search.index();
    let all_periods = vitrines::periodes(db, &uai).await?;
    let periods = all_periods
        .iter()
        .filter(|p| p.fin >= today)
        .map(|p| {
            let label = format!(
                "{} ({}) : {}",
                placements::diploma_label(&index, &uai, &p.diplome),
                p.annee,
                period(Some(&p.debut), Some(&p.fin)).unwrap_or_default()
            );
            (p.id.clone(), label)
        })
        .collect();
    let (mut open, mut closed) = (Vec::new(), Vec::new());
    for n in store::besoins_of(db, &uai).await? {
        let l = line(state, &n, &today);
        if l.state == NeedState::Open { open.push(l) } else { closed.push(l) }
    }
    open.reverse();
    let page = NeedsPage {
        chrome: Chrome::new("espace"),
        crumbs: vec![Crumb::new("Mon espace", "/espace")],
        here: "Stages à pourvoir".into(),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        uai,
        nom,
        periods,
        open,
        closed,
        typed: Default::default(),
        errors: Errors::new(),
        notice: None,
    };
    Ok((page, all_periods))
}

#[derive(Debug, serde::Deserialize)]
pub struct Notice {
    #[serde(default)]
    fait: String,
}

/// `GET /espace/lycees/{uai}/stages`.
pub async fn list(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path(uai): Path<String>,
    Query(q): Query<Notice>,
) -> Result<Response, PageError> {
    let (mut page, _) = needs_page(&state, &csrf, &agent, &uai).await?;
    page.notice = match q.fait.as_str() {
        "declare" => Some("Besoin déclaré : il est visible sur la vitrine du lycée et dans la recherche de stages."),
        "pourvu" => Some("Besoin marqué comme pourvu : il n'est plus proposé aux entreprises."),
        "retire" => Some("Besoin retiré : il n'est plus proposé aux entreprises."),
        _ => None,
    };
    Ok(private(render(StatusCode::OK, &page)))
}

/// `POST /espace/lycees/{uai}/stages`: declares a need.
pub async fn declare(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path(uai): Path<String>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let (mut page, periods) = needs_page(&state, &csrf, &agent, &uai).await?;
    page.typed = (form.get("periode"), form.get("places"), form.raw("note"));
    if !csrf.accepts_form(&state, &form) {
        page.errors.insert("formulaire", crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &page)));
    }
    let input = match placements::read_need(&periods, &page.typed.0, &page.typed.1, &page.typed.2, &today(&state)) {
        Ok(i) => i,
        Err(errors) => {
            page.errors = errors;
            return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &page)));
        }
    };
    let now = clock::to_rfc3339(state.clock.now());
    placements::declare(&state.requests.db, &page.uai, &input, &agent.email, &now).await?;
    super::vitrine::refresh(&state).await;
    Ok(private(Redirect::to(&format!("/espace/lycees/{}/stages?fait=declare", page.uai)).into_response()))
}

async fn need_page(
    state: &AppState,
    csrf: &CsrfCookie,
    agent: &Agent,
    uai: &str,
    id: &str,
) -> Result<NeedPage, PageError> {
    let (uai, nom) = lycee_of(state, agent, uai)?;
    let db = &state.requests.db;
    let need = store::besoin(db, id).await?.filter(|n| n.uai == uai).ok_or(PageError::NotFound)?;
    let index = state.search.index();
    let diploma = placements::diploma_label(&index, &uai, &need.diplome);
    let state_now = NeedState::of(need.statut, &need.fin, &today(state));
    let fitting =
        if state_now == NeedState::Open { placements::fitting_partners(db, &index, &need).await? } else { Vec::new() };
    let to_call = fitting.iter().fold((0, 0), |(contacts, partners), f| {
        let n = f.to_call().count();
        (contacts + n, partners + usize::from(n > 0))
    });
    Ok(NeedPage {
        chrome: Chrome::new("espace"),
        crumbs: vec![
            Crumb::new("Mon espace", "/espace"),
            Crumb::new("Stages à pourvoir", format!("/espace/lycees/{uai}/stages")),
        ],
        here: diploma.clone(),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        sentence: placements::need_sentence(&diploma, need.places, &need.debut, &need.fin),
        period: period(Some(&need.debut), Some(&need.fin)).unwrap_or_default(),
        uai,
        nom,
        diploma,
        state: state_now,
        fitting,
        to_call,
        need,
        errors: Errors::new(),
        notice: None,
    })
}

/// `GET /espace/lycees/{uai}/stages/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path((uai, id)): Path<(String, String)>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut page = need_page(&state, &csrf, &agent, &uai, &id).await?;
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    page.notice = match (get("fait"), get("envoyes").and_then(|n| n.parse::<i64>().ok())) {
        (Some("appel"), Some(0)) => {
            Some("Aucun appel envoyé : tous ces contacts ont déjà été appelés pour ce besoin.".into())
        }
        (Some("appel"), Some(n)) => Some(format!(
            "Appel envoyé à {} : les courriels partent dans les prochaines minutes. Les propositions des \
             entreprises arriveront dans vos demandes.",
            count_of(n, "contact", "contacts")
        )),
        (Some("places"), _) => Some("Nombre d'élèves mis à jour.".into()),
        _ => None,
    };
    Ok(private(render(StatusCode::OK, &page)))
}

/// `POST /espace/lycees/{uai}/stages/{id}/{what}`: `appel` (call the
/// fitting partners), `places`, `pourvu`, `retirer`.
pub async fn act(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path((uai, id, what)): Path<(String, String, String)>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut page = need_page(&state, &csrf, &agent, &uai, &id).await?;
    if !csrf.accepts_form(&state, &form) {
        page.errors.insert("formulaire", crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &page)));
    }
    if page.state != NeedState::Open {
        page.errors
            .insert("formulaire", format!("Ce besoin n'est plus ouvert ({}).", page.state.label().to_lowercase()));
        return Ok(private(render(StatusCode::CONFLICT, &page)));
    }
    let db = &state.requests.db;
    let now = clock::to_rfc3339(state.clock.now());
    let base = format!("/espace/lycees/{}/stages", page.uai);
    match what.as_str() {
        "appel" => {
            let index = state.search.index();
            let links = placements::Links {
                base_url: &state.config.base_url,
                signer: &state.signer,
                now_unix: state.clock.now().unix_timestamp(),
            };
            let called =
                placements::call(db, &index, &page.need, &page.fitting, &links, &agent.display_name(), &now).await?;
            state.wake.notify_one();
            Ok(private(
                Redirect::to(&format!("{base}/{}?fait=appel&envoyes={}", page.need.id, called.sent)).into_response(),
            ))
        }
        "places" => {
            let places = placements::read_places(&form.get("places"), &mut page.errors);
            if !page.errors.is_empty() {
                return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &page)));
            }
            placements::set_places(db, &page.uai, &page.need.id, places, &now).await?;
            super::vitrine::refresh(&state).await;
            Ok(private(Redirect::to(&format!("{base}/{}?fait=places", page.need.id)).into_response()))
        }
        "pourvu" | "retirer" => {
            let status = if what == "pourvu" { NeedStatus::Pourvu } else { NeedStatus::Retire };
            placements::close(db, &page.uai, &page.need.id, status, &agent.email, &now).await?;
            super::vitrine::refresh(&state).await;
            Ok(private(Redirect::to(&format!("{base}?fait={status}")).into_response()))
        }
        _ => Err(PageError::NotFound),
    }
}
