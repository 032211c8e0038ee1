//! The pôle de stages of a territory (`/espace/territoire/stages`): the
//! lycées' open placement needs and the companies' PFMP requests nobody
//! took yet, side by side, with suggested matches (same or related jobs,
//! overlapping periods, within the company's radius), and one action to
//! give a request to a lycée with a need — through the request lifecycle,
//! which records it and refuses a request taken meanwhile.

use super::territoire::scope_of;
use super::{SignedIn, private};
use crate::accounts::Agent;
use crate::requests::{Action, AnswerError};
use crate::storage::placements::BesoinRow;
use crate::storage::requests::DemandeRow;
use crate::storage::territory::Filters;
use crate::web::AppState;
use crate::web::api::Params;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::PostedForm;
use crate::web::layout::{Chrome, Crumb, km};
use askama::Template;
use axum::extract::{Extension, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::lifecycle::{Event, RecipientRole, RequestStatus};
use domain::placements::{NeedFacts, RequestFacts, suggest};
use domain::text::{count_of, period};

/// Suggestions shown per request.
const PER_REQUEST: usize = 3;

/// A need of the territory, as listed.
struct NeedLine {
    id: String,
    uai: String,
    lycee: String,
    diploma: String,
    period: String,
    places: String,
}

/// An untaken PFMP request, as listed.
struct RequestLine {
    reference: String,
    company: String,
    commune: String,
    jobs: String,
    period: String,
    /// Suggested needs: (need index, why).
    suggestions: Vec<(usize, String)>,
}

#[derive(Template)]
#[template(path = "pole_stages.html")]
struct PolePage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    who: String,
    role_label: String,
    /// Query string of the scope ("academie=10"), kept by the forms.
    scope_query: String,
    needs: Vec<NeedLine>,
    requests: Vec<RequestLine>,
    notice: Option<String>,
    error: Option<String>,
}

impl PolePage {
    fn needs_title(&self) -> String {
        count_of(self.needs.len() as i64, "besoin ouvert", "besoins ouverts")
    }

    fn requests_title(&self) -> String {
        count_of(self.requests.len() as i64, "demande de stage en attente", "demandes de stage en attente")
    }
}

/// What the page reads: the needs and requests of the territory, and the
/// suggestions between them.
struct Pole {
    needs: Vec<BesoinRow>,
    requests: Vec<DemandeRow>,
    /// Per request (same order), the suggested need indexes with why.
    suggestions: Vec<Vec<(usize, String)>>,
}

async fn read(state: &AppState, agent: &Agent, params: &Params) -> Result<Pole, PageError> {
    let scope = scope_of(state, agent, params)?;
    let index = state.search.index();
    let cards = crate::territory::lycees_of(&index, &scope);
    let uais: std::collections::HashSet<&str> = cards.iter().map(|c| c.uai.as_str()).collect();
    let db = &state.requests.db;
    let needs: Vec<BesoinRow> =
        state.open_needs_today().await?.iter().filter(|n| uais.contains(n.uai.as_str())).cloned().collect();
    let filters = Filters { action: Some(domain::ActionType::Pfmp.code().to_string()), ..Filters::default() };
    let dashboard = crate::territory::cached_dashboard(
        &state.dashboards,
        &state.requests,
        &index,
        &scope,
        &filters,
        state.clock.now(),
    )
    .await?;
    let requests: Vec<DemandeRow> = dashboard
        .requests
        .iter()
        .filter(|l| matches!(l.row.statut, RequestStatus::Transmise | RequestStatus::EnAttente))
        .filter(|l| l.row.responsable_uai.is_none())
        .map(|l| l.row.clone())
        .collect();
    // Lycées already part of each request: pointing it to them again is
    // no suggestion.
    let ids: Vec<String> = requests.iter().map(|r| r.id.clone()).collect();
    let mut involved: std::collections::HashMap<String, Vec<String>> = Default::default();
    for d in crate::storage::requests::told_of(db, &ids).await? {
        if d.role != RecipientRole::Reserve && d.statut.is_involved() {
            involved.entry(d.demande_id.clone()).or_default().push(d.uai.clone());
        }
    }
    let romes: Vec<Vec<String>> =
        requests.iter().map(|r| r.metiers.split(',').filter(|m| !m.is_empty()).map(str::to_string).collect()).collect();
    let request_facts: Vec<RequestFacts<'_>> = requests
        .iter()
        .zip(&romes)
        .map(|(r, romes)| RequestFacts {
            romes,
            position: index.places.get(&r.commune_code).and_then(|p| p.position),
            radius_km: r.rayon_km,
            period: r.periode_debut.as_deref().zip(r.periode_fin.as_deref()),
        })
        .collect();
    let offers: Vec<Option<(&domain::matching::Offer, Option<domain::Position>)>> = needs
        .iter()
        .map(|n| {
            let card = index.lycee(&n.uai)?;
            Some((card.offers.iter().find(|o| o.cfd == n.diplome)?, card.position))
        })
        .collect();
    // Needs whose diploma the catalogue no longer has cannot be matched.
    let usable: Vec<usize> = (0..needs.len()).filter(|i| offers[*i].is_some()).collect();
    let need_facts: Vec<NeedFacts<'_>> = usable
        .iter()
        .filter_map(|&i| {
            let (offer, position) = offers[i]?;
            Some(NeedFacts { offer, position, debut: &needs[i].debut, fin: &needs[i].fin })
        })
        .collect();
    let mut suggestions: Vec<Vec<(usize, String)>> = vec![Vec::new(); requests.len()];
    // Ask for more than shown: some go to lycées already on the request.
    for s in suggest(&request_facts, &need_facts, &index.kinship, PER_REQUEST * 3) {
        let need = usable[s.need];
        let request = &requests[s.request];
        let already = involved.get(&request.id).is_some_and(|u| u.contains(&needs[need].uai));
        if already || suggestions[s.request].len() >= PER_REQUEST {
            continue;
        }
        let mut why = vec![if s.exact { "même métier" } else { "métier proche" }.to_string()];
        if s.same_period {
            why.push("période commune".into());
        }
        why.push(format!("à {} de l'entreprise", km(s.distance_km)));
        suggestions[s.request].push((need, why.join(", ")));
    }
    Ok(Pole { needs, requests, suggestions })
}

fn page_of(state: &AppState, csrf: &CsrfCookie, agent: &Agent, params: &Params, pole: Pole) -> PolePage {
    let index = state.search.index();
    let scope_query = params
        .text("academie")
        .filter(|a| !a.is_empty())
        .map(|a| format!("academie={}", form_urlencoded::byte_serialize(a.as_bytes()).collect::<String>()))
        .unwrap_or_default();
    let needs = pole
        .needs
        .iter()
        .map(|n| NeedLine {
            id: n.id.clone(),
            uai: n.uai.clone(),
            lycee: index.lycee(&n.uai).map_or_else(|| n.uai.clone(), |l| format!("{} ({})", l.nom, l.commune_nom)),
            diploma: crate::placements::diploma_label(&index, &n.uai, &n.diplome),
            period: period(Some(&n.debut), Some(&n.fin)).unwrap_or_default(),
            places: count_of(n.places, "élève", "élèves"),
        })
        .collect();
    let requests = pole
        .requests
        .iter()
        .zip(pole.suggestions)
        .map(|(r, suggestions)| RequestLine {
            reference: r.reference.clone(),
            company: r.entreprise_nom.clone(),
            commune: r.commune_nom.clone(),
            jobs: r.metiers.split(',').filter_map(|m| index.rome_labels.get(m).cloned()).collect::<Vec<_>>().join(", "),
            period: period(r.periode_debut.as_deref(), r.periode_fin.as_deref())
                .unwrap_or_else(|| "période non précisée".into()),
            suggestions,
        })
        .collect();
    PolePage {
        chrome: Chrome::new("espace"),
        crumbs: vec![Crumb::new("Mon espace", "/espace"), Crumb::new("Mon territoire", "/espace/territoire")],
        here: "Pôle de stages".into(),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        scope_query,
        needs,
        requests,
        notice: None,
        error: None,
    }
}

/// `GET /espace/territoire/stages`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw.as_deref());
    let pole = read(&state, &agent, &params).await?;
    let mut page = page_of(&state, &csrf, &agent, &params, pole);
    // The notice names the lycée from the need, never from the address.
    let index = state.search.index();
    let lycee = params
        .text("besoin")
        .and_then(|id| page.needs.iter().find(|n| n.id == id))
        .and_then(|n| index.lycee(&n.uai))
        .map(|l| l.nom.clone());
    page.notice = match (params.text("confiee"), lycee) {
        (Some(reference), Some(lycee)) => Some(format!(
            "Demande {} confiée {} : le lycée en est informé, et l'historique de la demande le garde.",
            reference.chars().take(20).collect::<String>(),
            domain::text::at_lycee(&lycee)
        )),
        _ => None,
    };
    Ok(private(render(StatusCode::OK, &page)))
}

/// `POST /espace/territoire/stages`: gives request `ref` to the lycée of
/// need `besoin`, as the lycée that coordinates the answer.
pub async fn point(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    RawQuery(raw): RawQuery,
    form: PostedForm,
) -> Result<Response, PageError> {
    let params = Params::parse(raw.as_deref());
    let pole = read(&state, &agent, &params).await?;
    let reference = form.get("ref");
    let need_id = form.get("besoin");
    let request = pole.requests.iter().find(|r| r.reference == reference).cloned();
    let need = pole.needs.iter().find(|n| n.id == need_id).cloned();
    let mut page = page_of(&state, &csrf, &agent, &params, pole);
    if !csrf.accepts_form(&state, &form) {
        page.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &page)));
    }
    let (Some(request), Some(need)) = (request, need) else {
        page.error = Some(
            "Cette demande ou ce besoin n'est plus en attente dans votre territoire (pris en charge, clos, ou pourvu \
             entre-temps)."
                .into(),
        );
        return Ok(private(render(StatusCode::CONFLICT, &page)));
    };
    let index = state.search.index();
    let diploma = crate::placements::diploma_label(&index, &need.uai, &need.diplome);
    let why = format!(
        "pour son besoin de stages en {diploma}, {}",
        period(Some(&need.debut), Some(&need.fin)).unwrap_or_default()
    );
    let event = Event::HandOver { from: None, to: need.uai.clone(), crosses_border: false };
    let action = Action::new(event, &agent.display_name()).with_text(&why);
    match state.requests.act(&index, &request.id, action, state.clock.now()).await {
        Ok(_) => {}
        Err(AnswerError::Unavailable) => return Err(PageError::Unavailable("orientation vers un besoin".into())),
        Err(AnswerError::Internal) => {
            return Err(PageError::Internal(format!("orientation de la demande {reference} vers un besoin")));
        }
        Err(AnswerError::Refused(domain::lifecycle::Refusal::Unreachable)) => {
            page.error = Some(format!(
                "La demande {reference} n'a pas été confiée : personne ne peut être joint dans ce lycée. Indiquez \
                 d'abord l'adresse de son bureau des entreprises (page « Adresses des lycées » de votre territoire)."
            ));
            return Ok(private(render(StatusCode::CONFLICT, &page)));
        }
        Err(AnswerError::Unknown | AnswerError::Refused(_)) => {
            page.error = Some(format!(
                "La demande {reference} n'a pas pu être confiée à ce lycée : elle a changé entre-temps (prise en \
                 charge, close, ou le lycée y participe déjà)."
            ));
            return Ok(private(render(StatusCode::CONFLICT, &page)));
        }
    }
    state.wake.notify_one();
    let mut q = form_urlencoded::Serializer::new(String::new());
    if !page.scope_query.is_empty() {
        q.extend_pairs(form_urlencoded::parse(page.scope_query.as_bytes()));
    }
    q.append_pair("confiee", &reference);
    q.append_pair("besoin", &need.id);
    Ok(private(Redirect::to(&format!("/espace/territoire/stages?{}", q.finish())).into_response()))
}
