//! `/recherche` (page) and `GET /api/v1/recherche`: lycées for company
//! words near a place. Both read the same parameters and call the same
//! search; the page reports mistakes next to the field, the API as JSON.

use super::AppState;
use super::api::{Params, clip, json_bytes};
use super::error::{ApiError, PageError, render};
use super::layout::{Chrome, Pager, km, thousands};
use crate::search::jobs::UnderstoodJob;
use crate::search::understanding::Understanding;
use crate::search::{Center, Hit, Outcome, SearchError, SearchIndex, SearchQuery};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::matching::Asked;
use domain::{ActionType, Niveau, Position, RomeCode};
use serde::Serialize;

/// Default search radius, in km.
pub const DEFAULT_RADIUS: f64 = 30.0;
/// Longest words accepted.
const MAX_WORDS: usize = 200;

/// A parameter that cannot be used, with the field it belongs to.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn field(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError { field, message: message.into() }
}

/// The parameters shared by the page and the API (all but the place).
impl Common {
    /// The words understood and the query of the index, for `per_page`
    /// results a page (the API's choice, 20 on the page).
    fn query(
        &self,
        state: &AppState,
        index: &SearchIndex,
        center: Option<Center>,
        per_page: usize,
    ) -> (std::sync::Arc<Understanding>, SearchQuery) {
        let understood = match (&self.words, self.romes.is_empty()) {
            (Some(w), true) => state.search.understanding(index, w),
            _ => Default::default(),
        };
        let query = SearchQuery {
            words: self.words.clone(),
            romes: self.romes.clone(),
            center,
            radius_km: self.radius,
            levels: self.levels.clone(),
            secteur: self.secteur.clone(),
            action: self.action,
            page: self.page,
            per_page,
        };
        (understood, query)
    }
}

struct Common {
    words: Option<String>,
    romes: Vec<String>,
    radius: f64,
    levels: Vec<Niveau>,
    secteur: Option<String>,
    action: Option<ActionType>,
    page: usize,
    per_page: usize,
}

fn parse_common(p: &Params, max_page: i64) -> Result<Common, FieldError> {
    let words = p.text("q").map(str::to_string);
    if words.as_deref().is_some_and(|w| w.chars().count() > MAX_WORDS) {
        return Err(field("q", format!("{MAX_WORDS} caractères au plus")));
    }
    let mut romes = Vec::new();
    for r in p.list("rome") {
        let code: RomeCode = r.parse().map_err(|e| field("rome", format!("« {} » : {e}", clip(r))))?;
        if !romes.contains(&code.to_string()) {
            romes.push(code.to_string());
        }
    }
    if romes.len() > 20 {
        return Err(field("rome", "20 métiers au plus"));
    }
    let radius = match p.text("rayon_km") {
        None => DEFAULT_RADIUS,
        Some(v) => {
            let r: f64 = v
                .replace(',', ".")
                .parse()
                .map_err(|_| field("rayon_km", format!("nombre de kilomètres attendu, reçu « {} »", clip(v))))?;
            if !r.is_finite() || !(1.0..=200.0).contains(&r) {
                return Err(field("rayon_km", "le rayon doit être compris entre 1 et 200 km"));
            }
            r
        }
    };
    let mut levels = Vec::new();
    for l in p.list("niveau") {
        let n = Niveau::from_code(l)
            .ok_or_else(|| field("niveau", format!("niveau inconnu « {} » (cap, bac_pro, bts, mc, autre)", clip(l))))?;
        if !levels.contains(&n) {
            levels.push(n);
        }
    }
    let secteur = match p.text("secteur") {
        None | Some("tous") => None,
        Some(s @ ("public" | "prive")) => Some(s.to_string()),
        Some(other) => return Err(field("secteur", format!("« {} » : public ou prive attendu", clip(other)))),
    };
    let action = match p.text("action") {
        None => None,
        Some(a) => Some(
            ActionType::from_code(a)
                .ok_or_else(|| field("action", format!("type d'action inconnu « {} »", clip(a))))?,
        ),
    };
    let int = |name: &'static str, min: i64, max: i64, default: i64| -> Result<usize, FieldError> {
        match p.text(name) {
            None => Ok(default as usize),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n as usize),
                _ => Err(field(name, format!("nombre entier entre {min} et {max} attendu"))),
            },
        }
    };
    Ok(Common {
        words,
        romes,
        radius,
        levels,
        secteur,
        action,
        page: int("page", 1, max_page, 1)?,
        per_page: int("par_page", 1, 100, 20)?,
    })
}

// ----------------------------------------------------------------- API

#[derive(Serialize)]
struct JobOut<'a> {
    rome: &'a str,
    libelle: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
}

#[derive(Serialize)]
struct PlaceOut<'a> {
    code_insee: &'a str,
    nom: &'a str,
}

/// A field named by the words: its jobs taught by the lycées found.
#[derive(Serialize)]
struct FieldOut<'a> {
    libelle: String,
    metiers: Vec<JobOut<'a>>,
}

#[derive(Serialize)]
struct Interpretation<'a> {
    metiers: Vec<JobOut<'a>>,
    suggestions: Vec<JobOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domaine: Option<FieldOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    diplomes: Vec<&'a str>,
    commune: Option<PlaceOut<'a>>,
    position: Option<Position>,
    rayon_km: Option<f64>,
}

#[derive(Serialize)]
struct MatchOut<'a> {
    cfd: &'a str,
    libelle: &'a str,
    niveau: &'static str,
    rome: &'a str,
    metier: &'a str,
    exacte: bool,
}

#[derive(Serialize)]
struct OutcomesOut {
    taux_emploi_6_mois: Option<i64>,
    taux_poursuite_etudes: Option<i64>,
    valeur_ajoutee: Option<i64>,
}

#[derive(Serialize)]
struct ResultOut<'a> {
    uai: &'a str,
    nom: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    secteur: &'a str,
    commune: PlaceOut<'a>,
    distance_km: Option<f64>,
    score: f64,
    correspondances: Vec<MatchOut<'a>>,
    insertion: Option<OutcomesOut>,
    url: String,
}

#[derive(Serialize)]
struct SearchOut<'a> {
    total: usize,
    page: usize,
    par_page: usize,
    interpretation: Interpretation<'a>,
    resultats: Vec<ResultOut<'a>>,
}

fn match_out<'a>(index: &'a SearchIndex, asked: &Asked<'a>, h: &Hit<'a>, levels: &[Niveau]) -> Vec<MatchOut<'a>> {
    asked
        .matches(h.lycee, levels)
        .into_iter()
        .map(|m| MatchOut {
            cfd: &m.offer.cfd,
            libelle: &m.offer.label,
            niveau: m.offer.niveau.code(),
            rome: m.rome,
            metier: index.rome_labels.get(m.rome).map_or("", String::as_str),
            exacte: m.exact,
        })
        .collect()
}

fn search_error(e: SearchError) -> ApiError {
    match e {
        SearchError::UnknownCommune(_) => ApiError::not_found(e.to_string()),
        SearchError::PlaceWithoutPosition(_) => ApiError::bad_param("commune", e.to_string()),
        SearchError::UnknownRome(_) => ApiError::bad_param("rome", e.to_string()),
    }
}

/// `GET /api/v1/recherche`.
pub async fn api(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let index = state.search.index();
    let key = raw.clone().unwrap_or_default();
    if let Some(body) = state.searches.get(index.version, &key) {
        return Ok(json_bytes(body));
    }
    let p = Params::parse(raw.as_deref());
    let common = parse_common(&p, 100_000).map_err(|e| ApiError::bad_param(e.field, e.message))?;
    let center = match (p.text("commune"), p.text("lat"), p.text("lon")) {
        (Some(c), _, _) => {
            let code: domain::InseeCode = c.parse().map_err(|e| ApiError::bad_param("commune", format!("{e}")))?;
            Some(Center::Commune(code.to_string()))
        }
        (None, Some(_), Some(_)) => {
            let lat = p.float("lat", -90.0, 90.0)?.unwrap_or_default();
            let lon = p.float("lon", -180.0, 180.0)?.unwrap_or_default();
            Some(Center::Point(
                Position::new(lat, lon).ok_or_else(|| ApiError::bad_param("lat", "coordonnées invalides"))?,
            ))
        }
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(ApiError::bad_param("lat", "indiquez lat et lon ensemble"));
        }
        (None, None, None) => None,
    };
    let (understood, query) = common.query(&state, &index, center.clone(), common.per_page);
    let outcome = index.search(&query, &understood).map_err(search_error)?;
    let position = match &center {
        Some(Center::Point(p)) => Some(*p),
        _ => outcome.place.as_ref().and_then(|p| p.position),
    };
    let asked = Asked::new(&outcome.wanted, &index.kinship);
    let body = SearchOut {
        total: outcome.total,
        page: common.page,
        par_page: common.per_page,
        interpretation: Interpretation {
            metiers: outcome
                .jobs
                .iter()
                .map(|j| JobOut { rome: &j.rome, libelle: &j.libelle, score: Some(j.weight) })
                .collect(),
            suggestions: outcome
                .suggestions
                .iter()
                .map(|j| JobOut { rome: &j.rome, libelle: &j.libelle, score: Some(j.score) })
                .collect(),
            domaine: outcome.field.as_ref().map(|f| FieldOut {
                libelle: format!("Tous les métiers {}", f.of),
                metiers: f.jobs.iter().map(|j| JobOut { rome: &j.rome, libelle: &j.libelle, score: None }).collect(),
            }),
            diplomes: outcome.diplomas.iter().map(String::as_str).collect(),
            commune: outcome.place.as_ref().map(|p| PlaceOut { code_insee: &p.code_insee, nom: &p.nom }),
            position,
            rayon_km: center.as_ref().map(|_| common.radius),
        },
        resultats: outcome
            .hits
            .iter()
            .map(|h| ResultOut {
                uai: &h.lycee.uai,
                nom: &h.lycee.nom,
                kind: &h.lycee.kind,
                secteur: &h.lycee.secteur,
                commune: PlaceOut { code_insee: &h.lycee.commune_code, nom: &h.lycee.commune_nom },
                distance_km: h.distance_km,
                score: h.score,
                correspondances: match_out(&index, &asked, h, &common.levels),
                insertion: (h.lycee.employment_rate.is_some() || h.lycee.further_study_rate.is_some()).then_some(
                    OutcomesOut {
                        taux_emploi_6_mois: h.lycee.employment_rate,
                        taux_poursuite_etudes: h.lycee.further_study_rate,
                        valeur_ajoutee: h.lycee.value_added,
                    },
                ),
                url: format!("/lycees/{}", h.lycee.uai),
            })
            .collect(),
    };
    let mut out = Vec::with_capacity(32 * 1024);
    serde_json::to_writer(&mut out, &body).map_err(ApiError::internal)?;
    let out = Bytes::from(out);
    if key.len() <= 1024 {
        state.searches.insert(index.version, key, out.clone());
    }
    Ok(json_bytes(out))
}

// ---------------------------------------------------------------- page

/// The search form as submitted; builds the links of the results page.
#[derive(Debug, Clone, Default)]
struct Form {
    words: String,
    commune: String,
    commune_code: String,
    radius: String,
    levels: Vec<String>,
    secteur: String,
    action: String,
    romes: Vec<String>,
}

impl Form {
    fn read(p: &Params) -> Form {
        Form {
            words: p.text("q").unwrap_or_default().chars().take(MAX_WORDS * 2).collect(),
            commune: p.text("commune").unwrap_or_default().chars().take(100).collect(),
            commune_code: p.text("commune_code").unwrap_or_default().chars().take(5).collect(),
            radius: p.text("rayon_km").unwrap_or_default().chars().take(10).collect(),
            levels: p.list("niveau").into_iter().take(10).map(str::to_string).collect(),
            secteur: p.text("secteur").unwrap_or_default().chars().take(10).collect(),
            action: p.text("action").unwrap_or_default().chars().take(30).collect(),
            romes: p.list("rome").into_iter().take(20).map(str::to_string).collect(),
        }
    }

    /// The results page URL for this form, with `page` and job overrides.
    fn url(&self, romes: Option<&[String]>, radius: Option<&str>, page: usize) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", &self.words);
        s.append_pair("commune", &self.commune);
        if !self.commune_code.is_empty() {
            s.append_pair("commune_code", &self.commune_code);
        }
        s.append_pair("rayon_km", radius.unwrap_or(&self.radius));
        for l in &self.levels {
            s.append_pair("niveau", l);
        }
        if !self.secteur.is_empty() {
            s.append_pair("secteur", &self.secteur);
        }
        if !self.action.is_empty() {
            s.append_pair("action", &self.action);
        }
        let romes = romes.unwrap_or(&self.romes);
        if !romes.is_empty() {
            s.append_pair("rome", &romes.join(","));
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        format!("/recherche?{}", s.finish())
    }
}

/// A choice of a select, radio group or checkbox list.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// A job understood or suggested, with the link that removes or adds it.
struct JobLink {
    libelle: String,
    href: String,
}

/// A field understood: every job of it taught by the lycées found, behind
/// a disclosure that works without JavaScript.
struct FieldBlock {
    /// "Tous les métiers du bâtiment et des travaux publics enseignés près
    /// de chez vous (12)".
    summary: String,
    jobs: Vec<JobLink>,
}

struct MatchLine {
    diploma: String,
    metier: String,
    exact: bool,
}

struct ResultCard {
    nom: String,
    url: String,
    commune: String,
    distance: Option<String>,
    kind: &'static str,
    secteur: &'static str,
    matches: Vec<MatchLine>,
    employment: Option<i64>,
}

#[derive(Template)]
#[template(path = "recherche.html")]
struct SearchPage {
    chrome: Chrome,
    form: Form,
    radius_choices: Vec<Choice>,
    level_choices: Vec<Choice>,
    sector_choices: Vec<Choice>,
    action_choices: Vec<Choice>,
    words_error: Option<String>,
    commune_error: Option<String>,
    other_error: Option<String>,
    searched: bool,
    place_label: Option<String>,
    other_communes: Vec<(String, String)>,
    jobs: Vec<JobLink>,
    suggestions: Vec<JobLink>,
    field: Option<FieldBlock>,
    diplomas: Vec<String>,
    words_understood_nothing: bool,
    total_label: String,
    results: Vec<ResultCard>,
    pager: Pager,
    wider: Option<(String, String)>,
    /// The request journey, pre-filled with this search.
    request_href: String,
}

const RADII: [u32; 7] = [5, 10, 20, 30, 50, 100, 200];

impl SearchPage {
    /// The chosen radius, "30 km".
    fn radius_label(&self) -> String {
        self.radius_choices.iter().find(|c| c.selected).map(|c| c.label.clone()).unwrap_or_else(|| "30 km".into())
    }
}

/// `GET /recherche`.
pub async fn page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let p = Params::parse(raw.as_deref());
    let form = Form::read(&p);
    let searched =
        !form.words.is_empty() || !form.commune.is_empty() || !form.commune_code.is_empty() || !form.romes.is_empty();
    let mut page = SearchPage {
        chrome: Chrome::new("recherche"),
        radius_choices: Vec::new(),
        level_choices: Niveau::ALL
            .iter()
            .map(|n| Choice {
                value: n.code().into(),
                label: n.label().into(),
                selected: form.levels.iter().any(|l| l == n.code()),
            })
            .collect(),
        sector_choices: [("tous", "Tous"), ("public", "Public"), ("prive", "Privé sous contrat")]
            .into_iter()
            .map(|(v, l)| Choice {
                value: v.into(),
                label: l.into(),
                selected: form.secteur == v || (v == "tous" && form.secteur.is_empty()),
            })
            .collect(),
        action_choices: std::iter::once(Choice {
            value: String::new(),
            label: "Toutes".into(),
            selected: form.action.is_empty(),
        })
        .chain(ActionType::ALL.iter().map(|a| Choice {
            value: a.code().into(),
            label: a.label().into(),
            selected: form.action == a.code(),
        }))
        .collect(),
        words_error: None,
        commune_error: None,
        other_error: None,
        searched,
        place_label: None,
        other_communes: Vec::new(),
        jobs: Vec::new(),
        suggestions: Vec::new(),
        field: None,
        diplomas: Vec::new(),
        words_understood_nothing: false,
        total_label: String::new(),
        results: Vec::new(),
        pager: Pager::default(),
        wider: None,
        request_href: "/demande".into(),
        form,
    };
    let common = parse_common(&p, 10_000);
    let radius = common.as_ref().map_or(DEFAULT_RADIUS, |c| c.radius);
    page.radius_choices = RADII
        .iter()
        .map(|r| Choice {
            value: r.to_string(),
            label: format!("{r} km"),
            selected: (f64::from(*r) - radius).abs() < 0.01,
        })
        .collect();
    if !page.radius_choices.iter().any(|c| c.selected) {
        page.radius_choices.push(Choice { value: radius.to_string(), label: km(radius), selected: true });
    }
    let common = match common {
        Ok(c) => c,
        Err(e) => {
            let message = match e.field {
                "q" => {
                    page.words_error =
                        Some(format!("Votre recherche est trop longue : {MAX_WORDS} caractères au plus."));
                    None
                }
                "rayon_km" => Some(format!("Rayon : {}", e.message)),
                _ => Some(format!("Paramètre « {} » : {}", e.field, e.message)),
            };
            page.other_error = message;
            page.searched = false;
            return Ok(render(StatusCode::OK, &page));
        }
    };
    if !searched {
        return Ok(render(StatusCode::OK, &page));
    }

    // The place: a code chosen in the suggestions, or the typed text.
    let index = state.search.index();
    let mut center = None;
    match place_of(&index, &page.form.commune, &page.form.commune_code) {
        Err(message) => {
            page.commune_error = Some(message);
            page.searched = false;
            return Ok(render(StatusCode::OK, &page));
        }
        Ok(None) => {}
        Ok(Some(place)) => {
            center = Some(Center::Commune(place.code.clone()));
            page.place_label = Some(place.label.clone());
            let mut alt = page.form.clone();
            for (code, nom, label) in &place.homonyms {
                alt.commune_code = code.clone();
                alt.commune = nom.clone();
                page.other_communes.push((label.clone(), alt.url(None, None, 1)));
            }
        }
    }

    let (understood, query) = common.query(&state, &index, center.clone(), 20);
    let outcome = match index.search(&query, &understood) {
        Ok(o) => o,
        Err(e) => {
            page.other_error = Some(e.to_string());
            page.searched = false;
            return Ok(render(StatusCode::OK, &page));
        }
    };
    let mut prefill = form_urlencoded::Serializer::new(String::new());
    prefill.append_pair("q", &page.form.words);
    if let Some(Center::Commune(code)) = &center {
        prefill.append_pair("commune", code);
    }
    prefill.append_pair("rayon_km", &format!("{:.0}", common.radius.min(100.0)));
    for j in &outcome.jobs {
        prefill.append_pair("rome", &j.rome);
    }
    if let Some(a) = common.action {
        prefill.append_pair("action", a.code());
    }
    let context = prefill.finish();
    page.request_href = format!("/demande?{context}");
    fill_results(&mut page, &index, &outcome, &common.levels, common.page, common.radius, center.is_some());
    // A result's showcase keeps the search: its "Contacter ce lycée" then
    // pre-fills the words, the place and the jobs.
    for r in &mut page.results {
        r.url = format!("{}?{context}", r.url);
    }
    Ok(render(StatusCode::OK, &page))
}

/// A place a company typed, found.
pub struct FoundPlace {
    pub code: String,
    /// "de Lyon (69)", "d'Aurillac (15)".
    pub label: String,
    /// Communes of the same name elsewhere ("Saint-Denis" 93 and 974):
    /// (code, name, "Saint-Denis (974)").
    pub homonyms: Vec<(String, String, String)>,
}

/// The place of a search form: the code chosen in the suggestions while
/// the text still names that commune (else the user typed another place),
/// or the first commune the typed text names; `Ok(None)` when nothing was
/// typed, `Err` with the French message for the field when nothing fits.
pub fn place_of(index: &SearchIndex, typed: &str, code: &str) -> Result<Option<FoundPlace>, String> {
    use domain::text::{fold_place, of_place};
    let chosen = index
        .places
        .get(&code.to_ascii_uppercase())
        .filter(|p| typed.is_empty() || fold_place(&p.nom) == fold_place(typed));
    if let Some(place) = chosen {
        return Ok(Some(FoundPlace {
            code: place.code_insee.clone(),
            label: format!("{} ({})", of_place(&place.nom), place.departement),
            homonyms: Vec::new(),
        }));
    }
    if typed.is_empty() {
        return Ok(None);
    }
    let found = index.places.find_tolerant(typed, 6);
    let Some((first, others)) = found.split_first() else {
        return Err(format!(
            "Nous ne trouvons pas la commune « {typed} ». Vérifiez l'orthographe ou indiquez un code postal."
        ));
    };
    // Homonyms only, not every name starting with the words typed.
    let homonyms = others
        .iter()
        .filter(|o| fold_place(&o.nom) == fold_place(&first.nom))
        .map(|o| (o.code_insee.clone(), o.nom.clone(), format!("{} ({})", o.nom, o.departement)))
        .collect();
    Ok(Some(FoundPlace {
        code: first.code_insee.clone(),
        label: format!("{} ({})", of_place(&first.nom), first.departement),
        homonyms,
    }))
}

fn fill_results(
    page: &mut SearchPage,
    index: &SearchIndex,
    outcome: &Outcome<'_>,
    levels: &[Niveau],
    current: usize,
    radius: f64,
    placed: bool,
) {
    let chosen: Vec<String> = outcome.jobs.iter().map(|j| j.rome.clone()).collect();
    page.jobs = outcome
        .jobs
        .iter()
        .map(|j| {
            let rest: Vec<String> = chosen.iter().filter(|r| **r != j.rome).cloned().collect();
            JobLink { libelle: j.libelle.clone(), href: page.form.url(Some(&rest), None, 1) }
        })
        .collect();
    page.suggestions = outcome
        .suggestions
        .iter()
        .map(|s: &UnderstoodJob| {
            let mut more = chosen.clone();
            more.push(s.rome.clone());
            JobLink { libelle: s.libelle.clone(), href: page.form.url(Some(&more), None, 1) }
        })
        .collect();
    page.field = outcome.field.as_ref().map(|f| {
        let near = if placed { "près de chez vous" } else { "dans les lycées professionnels" };
        FieldBlock {
            summary: format!("Tous les métiers {} enseignés {near} ({})", f.of, f.jobs.len()),
            jobs: f
                .jobs
                .iter()
                .map(|j| JobLink {
                    libelle: j.libelle.clone(),
                    href: page.form.url(Some(std::slice::from_ref(&j.rome)), None, 1),
                })
                .collect(),
        }
    });
    if page.field.is_some() {
        // The field stands for the jobs searched.
        page.jobs.clear();
    }
    page.diplomas.clone_from(&outcome.diplomas);
    page.words_understood_nothing = !page.form.words.trim().is_empty() && outcome.jobs.is_empty();
    page.total_label = match outcome.total {
        0 => "Aucun lycée trouvé".to_string(),
        1 => "1 lycée trouvé".to_string(),
        n => format!("{} lycées trouvés", thousands(n as i64)),
    };
    let asked = Asked::new(&outcome.wanted, &index.kinship);
    page.results = outcome
        .hits
        .iter()
        .map(|h| ResultCard {
            nom: h.lycee.nom.clone(),
            url: format!("/lycees/{}", h.lycee.uai),
            commune: h.lycee.commune_nom.clone(),
            distance: h.distance_km.map(km),
            kind: crate::catalogue::type_label(&h.lycee.kind),
            secteur: crate::catalogue::secteur_label(&h.lycee.secteur),
            matches: asked
                .matches(h.lycee, levels)
                .into_iter()
                .take(6)
                .map(|m| MatchLine {
                    diploma: m.offer.label.clone(),
                    metier: index.rome_labels.get(m.rome).cloned().unwrap_or_default(),
                    exact: m.exact,
                })
                .collect(),
            employment: h.lycee.employment_rate,
        })
        .collect();
    let pages = Pager::last(outcome.total, 20);
    page.pager = Pager::new(outcome.total, 20, current, "Pages de résultats", |n| page.form.url(None, None, n));
    if outcome.total == 0 && placed && radius < 200.0 {
        let wider = (radius * 2.0).clamp(50.0, 200.0);
        let value = format!("{wider:.0}");
        page.wider = Some((page.form.url(None, Some(&value), 1), format!("{value} km")));
    } else if current > pages && outcome.total > 0 {
        page.other_error = Some(format!(
            "Il n'y a que {} de résultats.",
            domain::text::count_of(i64::try_from(pages).unwrap_or(i64::MAX), "page", "pages")
        ));
        page.pager.previous = Some(page.form.url(None, None, pages));
    }
}
