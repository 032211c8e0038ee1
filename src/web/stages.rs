//! `/stages`: the search the other way round. A company types its jobs
//! and its place (understood as on `/recherche`) and sees the lycées whose
//! students still need a host company in those jobs, nearest first, each
//! with "Proposer d'accueillir" opening the request journey pre-filled.
//! Also the unsubscribe link of the calls for placements.

use super::AppState;
use super::api::Params;
use super::error::{PageError, render};
use super::layout::{Chrome, km};
use super::search::{DEFAULT_RADIUS, place_of};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::matching::Asked;

/// Distances offered.
const RADII: [u32; 6] = [10, 20, 30, 50, 100, 200];
/// Most needs listed at once.
const MAX_SHOWN: usize = 50;

/// One need found.
struct Found {
    lycee: String,
    uai: String,
    commune: String,
    distance: Option<String>,
    need: super::pages::PublicNeed,
    /// The diploma leads to a related job, not one typed.
    related: bool,
}

#[derive(Template)]
#[template(path = "stages.html")]
struct StagesPage {
    chrome: Chrome,
    words: String,
    commune: String,
    commune_code: String,
    radii: Vec<(String, String, bool)>,
    words_error: Option<String>,
    commune_error: Option<String>,
    searched: bool,
    /// "de Lyon (69)".
    place_label: Option<String>,
    /// Jobs understood from the words.
    jobs: Vec<String>,
    found: Vec<Found>,
    /// Needs found (a lycée may have several).
    total: usize,
    /// Lycées they belong to.
    lycees: usize,
}

impl StagesPage {
    fn total_label(&self) -> String {
        let mut s = domain::text::count_of(self.lycees as i64, "lycée cherche", "lycées cherchent");
        s.push_str(" des entreprises d'accueil");
        if !self.jobs.is_empty() {
            s.push_str(" dans ces métiers");
        }
        if let Some(p) = &self.place_label {
            s.push_str(&format!(" près {p}"));
        }
        s
    }
}

/// `GET /stages`.
pub async fn page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let p = Params::parse(raw.as_deref());
    let take =
        |name: &str, max: usize| -> String { p.text(name).unwrap_or_default().trim().chars().take(max).collect() };
    let (words, commune, commune_code) = (take("q", 200), take("commune", 100), take("commune_code", 5));
    let radius = p
        .text("rayon_km")
        .and_then(|r| r.parse::<u32>().ok())
        .filter(|r| RADII.contains(r))
        .map_or(DEFAULT_RADIUS, f64::from);
    let mut page = StagesPage {
        chrome: Chrome::new("stages"),
        radii: RADII
            .iter()
            .map(|r| (r.to_string(), format!("{r} km"), (f64::from(*r) - radius).abs() < 0.01))
            .collect(),
        searched: !words.is_empty() || !commune.is_empty() || !commune_code.is_empty(),
        words,
        commune,
        commune_code,
        words_error: None,
        commune_error: None,
        place_label: None,
        jobs: Vec::new(),
        found: Vec::new(),
        total: 0,
        lycees: 0,
    };
    let index = state.search.index();
    let mut center = None;
    match place_of(&index, &page.commune, &page.commune_code) {
        Err(message) => page.commune_error = Some(message),
        Ok(None) => {}
        Ok(Some(place)) => {
            center = index.places.get(&place.code).and_then(|p| p.position).map(|pos| (place.code.clone(), pos));
            page.place_label = Some(place.label);
        }
    }
    // The jobs, understood as `/recherche` understands them.
    let wanted = if page.words.is_empty() {
        Vec::new()
    } else {
        let understood = state.search.understanding(&index, &page.words);
        // Only the jobs asked: no lycée needs ranking here.
        match index.asked_jobs(&[], &understood) {
            Ok(asked) => {
                page.jobs = asked.jobs.iter().map(|j| j.libelle.clone()).collect();
                let wanted = asked.wanted();
                if wanted.is_empty() {
                    page.words_error = Some(format!(
                        "Nous ne reconnaissons pas de métier dans « {} » : essayez un autre mot (par exemple électricien, cuisine, vente).",
                        page.words
                    ));
                }
                wanted
            }
            Err(e) => {
                page.words_error = Some(e.to_string());
                Vec::new()
            }
        }
    };
    if !page.searched || page.words_error.is_some() || page.commune_error.is_some() {
        page.searched = false;
        return Ok(render(StatusCode::OK, &page));
    }
    // What fits, as (distance, related, need, lycée): the page's words are
    // made only for the few shown.
    let bbox = center.as_ref().map(|(_, c)| c.bounding_box(radius));
    let mut fits = Vec::new();
    let needs = state.open_needs_today().await?;
    let asked = Asked::new(&wanted, &index.kinship);
    for n in needs.iter() {
        let Some(card) = index.lycee(&n.uai) else { continue };
        // The distance first: around a place, most needs are too far, and a
        // box rejects them before any trigonometry or job matching.
        let distance = match (&center, card.position) {
            (Some((_, c)), Some(pos)) => {
                let (lat0, lat1, lon0, lon1) = bbox.unwrap_or_default();
                if pos.lat < lat0 || pos.lat > lat1 || pos.lon < lon0 || pos.lon > lon1 {
                    continue;
                }
                Some(c.distance_km(&pos))
            }
            (Some(_), None) => continue,
            (None, _) => None,
        };
        if distance.is_some_and(|d| d > radius) {
            continue;
        }
        let Some(offer) = card.offers.iter().find(|o| o.cfd == n.diplome) else { continue };
        let related = if asked.is_empty() {
            false
        } else {
            match asked.best_for_offer(offer) {
                Some(m) => !m.exact,
                None => continue,
            }
        };
        fits.push((distance, related, n, card));
    }
    // Nearest first; exact jobs before related ones at the same distance;
    // then the soonest period (the order of `open_besoins`).
    fits.sort_by(|a, b| a.0.unwrap_or(0.0).total_cmp(&b.0.unwrap_or(0.0)).then(a.1.cmp(&b.1)));
    page.total = fits.len();
    let mut uais: Vec<&str> = fits.iter().map(|f| f.2.uai.as_str()).collect();
    uais.sort_unstable();
    uais.dedup();
    page.lycees = uais.len();
    page.found = fits
        .into_iter()
        .take(MAX_SHOWN)
        .map(|(distance, related, n, card)| {
            let mut need = super::pages::PublicNeed::of(&index, n);
            if let Some((code, _)) = &center {
                need.offer_href.push_str(&format!("&commune={code}"));
            }
            need.offer_href.push_str("&depuis=stages");
            Found {
                lycee: card.nom.clone(),
                uai: card.uai.clone(),
                commune: card.commune_nom.clone(),
                distance: distance.map(|d| format!("à {}", km(d))),
                need,
                related,
            }
        })
        .collect();
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "desinscription.html")]
struct UnsubscribePage {
    chrome: Chrome,
    /// The lycée's name, when the link is good.
    lycee: Option<String>,
    /// Why the link cannot be used.
    problem: Option<&'static str>,
    done: bool,
    csrf: String,
    token: String,
}

fn unsubscribe_page(state: &AppState, token: &str, csrf: String) -> (UnsubscribePage, Option<(String, String)>) {
    let read = crate::placements::read_unsubscribe(&state.signer, token, state.clock.now().unix_timestamp());
    let mut page = UnsubscribePage {
        chrome: Chrome::new("stages"),
        lycee: None,
        problem: None,
        done: false,
        csrf,
        token: token.to_string(),
    };
    match read {
        Ok((uai, email)) => {
            page.lycee = Some(state.search.index().lycee(&uai).map_or_else(|| uai.clone(), |l| l.nom.clone()));
            (page, Some((uai, email)))
        }
        Err(crate::security::TokenError::Expired) => {
            page.problem =
                Some("Ce lien de désinscription a expiré. Répondez au lycée pour lui demander de ne plus vous écrire.");
            (page, None)
        }
        Err(_) => {
            page.problem = Some("Ce lien de désinscription n'est pas valide : vérifiez qu'il a été copié en entier.");
            (page, None)
        }
    }
}

/// `GET /stages/desinscription/{token}`: asks to confirm (a link opened by
/// a mail scanner must not unsubscribe anyone).
pub async fn unsubscribe_form(
    State(state): State<AppState>,
    axum::extract::Extension(csrf): axum::extract::Extension<super::csrf::CsrfCookie>,
    Path(token): Path<String>,
) -> Response {
    let (page, ok) = unsubscribe_page(&state, &token, csrf.token(&state));
    let status = if ok.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    super::espace::private(render(status, &page))
}

/// `POST /stages/desinscription/{token}`.
pub async fn unsubscribe(
    State(state): State<AppState>,
    axum::extract::Extension(csrf): axum::extract::Extension<super::csrf::CsrfCookie>,
    Path(token): Path<String>,
    form: super::form::PostedForm,
) -> Result<Response, PageError> {
    let (mut page, ok) = unsubscribe_page(&state, &token, csrf.token(&state));
    let Some((uai, email)) = ok else {
        return Ok(super::espace::private(render(StatusCode::NOT_FOUND, &page)));
    };
    if !csrf.accepts_form(&state, &form) {
        return Err(PageError::BadRequest(super::csrf::EXPIRED.into()));
    }
    let now = crate::clock::to_rfc3339(state.clock.now());
    crate::placements::unsubscribe(&state.requests.db, &uai, &email, &now).await?;
    page.done = true;
    Ok(super::espace::private(render(StatusCode::OK, &page)))
}
