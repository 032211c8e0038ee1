//! The public JSON API, version 1 (API.md). Every input is checked here and
//! every failure is the JSON error of the contract, never a 5xx for bad
//! input.

use super::AppState;
use super::error::ApiError;
use crate::catalogue::Commune;
use crate::storage::catalogue::LyceeFilter;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::{ActionType, InseeCode, Uai};
use serde::Serialize;

/// Query parameters, read by hand so that every mistake gets our message.
/// A name may repeat (`niveau=cap&niveau=bts`).
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Parses a raw query string; invalid percent-encoding is replaced, not
    /// rejected.
    pub fn parse(raw: Option<&str>) -> Params {
        Params(form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned().collect())
    }

    /// The last non-empty trimmed value of a parameter.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().filter(|(k, _)| k == name).map(|(_, v)| v.trim()).find(|v| !v.is_empty())
    }

    /// Every value of a parameter, commas also separating values.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A whole number within bounds, or the default when absent.
    pub fn int(&self, name: &str, min: i64, max: i64, default: i64) -> Result<i64, ApiError> {
        match self.text(name) {
            None => Ok(default),
            Some(v) => {
                let n: i64 = v
                    .parse()
                    .map_err(|_| ApiError::bad_param(name, format!("nombre entier attendu, reçu « {} »", clip(v))))?;
                if n < min || n > max {
                    return Err(ApiError::bad_param(name, format!("doit être compris entre {min} et {max}")));
                }
                Ok(n)
            }
        }
    }

    /// A number within bounds, `None` when absent.
    pub fn float(&self, name: &str, min: f64, max: f64) -> Result<Option<f64>, ApiError> {
        match self.text(name) {
            None => Ok(None),
            Some(v) => {
                let n: f64 = v
                    .replace(',', ".")
                    .parse()
                    .map_err(|_| ApiError::bad_param(name, format!("nombre attendu, reçu « {} »", clip(v))))?;
                if !n.is_finite() || n < min || n > max {
                    return Err(ApiError::bad_param(name, format!("doit être compris entre {min} et {max}")));
                }
                Ok(Some(n))
            }
        }
    }
}

/// Echoes at most 40 characters of a bad value.
pub fn clip(v: &str) -> String {
    let s: String = v.chars().take(40).collect();
    if v.chars().count() > 40 { format!("{s}…") } else { s }
}

/// A page of results (`{"total", "page", "par_page", "resultats"}`).
#[derive(Serialize)]
pub struct PageOf<T: Serialize> {
    pub total: usize,
    pub page: i64,
    pub par_page: i64,
    pub resultats: Vec<T>,
}

/// `GET /api/v1/lycees/{uai}`.
pub async fn lycee(State(state): State<AppState>, Path(raw): Path<String>) -> Result<Response, ApiError> {
    // Seven digits and a letter that is not the check letter: the shape of
    // a UAI, of no lycée (404, as OpenAPI's pattern says a UAI); anything
    // else is not a UAI (400).
    let shaped =
        raw.len() == 8 && raw[..7].bytes().all(|b| b.is_ascii_digit()) && raw.as_bytes()[7].is_ascii_alphabetic();
    let uai: Uai = raw.parse().map_err(|e| {
        if shaped {
            ApiError::not_found(format!("aucun lycée professionnel n'a l'UAI {raw} (lettre de contrôle fausse)"))
        } else {
            ApiError::bad_param("uai", format!("{e}"))
        }
    })?;
    let version = state.current().await?.catalogue;
    let body = match state.json.get(version, uai.as_str()) {
        Some(b) => b,
        None => {
            let detail = state
                .catalogue
                .lycee(&uai)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("aucun lycée professionnel n'a l'UAI {uai}")))?;
            let b = Bytes::from(serde_json::to_vec(&*detail).map_err(ApiError::internal)?);
            state.json.insert(version, uai.to_string(), b.clone());
            b
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `GET /api/v1/lycees`: plain listing by académie, département, commune,
/// or around a commune (`rayon_km`).
pub async fn lycees(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    // A list depends on the catalogue alone: kept per version (read
    // afresh) and query string.
    let version = state.current().await?.catalogue;
    let key = raw.clone().unwrap_or_default();
    if let Some(b) = state.listings.get(version, &format!("api?{key}")) {
        return Ok(json_bytes(b));
    }
    let p = Params::parse(raw.as_deref());
    let page = p.int("page", 1, 100_000, 1)?;
    let par_page = p.int("par_page", 1, 100, 20)?;
    let mut filter = LyceeFilter::default();
    if let Some(d) = p.text("departement") {
        let d = d.to_ascii_uppercase();
        if !(2..=3).contains(&d.len()) || !d.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ApiError::bad_param("departement", "code de département attendu, par exemple 69, 2A ou 974"));
        }
        crate::storage::catalogue::departement(state.catalogue.db(), &d)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("département inconnu : {d}")))?;
        filter.departement = Some(d);
    }
    if let Some(a) = p.text("academie") {
        let code = state.catalogue.academie_code(a).await.map_err(|e| match e {
            crate::catalogue::CatalogueError::Unknown(m) => ApiError::not_found(m),
            crate::catalogue::CatalogueError::Db(e) => e.into(),
        })?;
        filter.academie = Some(code);
    }
    let radius = p.float("rayon_km", 1.0, 200.0)?;
    let mut around = None;
    if let Some(c) = p.text("commune") {
        let code: InseeCode = c.parse().map_err(|e| ApiError::bad_param("commune", format!("{e}")))?;
        let index = state.search.index();
        let commune =
            index.places.get(code.as_str()).ok_or_else(|| ApiError::not_found(format!("commune inconnue : {code}")))?;
        match radius {
            Some(km) => {
                let center = commune.position.ok_or_else(|| {
                    ApiError::bad_param(
                        "commune",
                        "la position de cette commune n'est pas connue ; recherchez sans rayon",
                    )
                })?;
                around = Some((center, km));
            }
            None => {
                filter.communes = vec![commune.code_insee.clone()];
                filter.communes.extend(index.places.arrondissements(&commune.code_insee).map(|a| a.code_insee.clone()));
            }
        }
    } else if radius.is_some() {
        return Err(ApiError::bad_param("rayon_km", "indiquez aussi une commune (code INSEE)"));
    }
    let rows = state.catalogue.list(filter, around).await?;
    let total = rows.len();
    let start = ((page - 1) * par_page) as usize;
    let page_rows: Vec<_> = rows.into_iter().skip(start).take(par_page as usize).collect();
    let resultats = state.catalogue.summaries(page_rows).await?;
    let b = Bytes::from(serde_json::to_vec(&PageOf { total, page, par_page, resultats }).map_err(ApiError::internal)?);
    if key.len() <= super::pages::LISTING_KEY_MAX {
        state.listings.insert(version, format!("api?{key}"), b.clone());
    }
    Ok(json_bytes(b))
}

/// A JSON answer already serialised (kept in a cache).
pub(super) fn json_bytes(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /api/v1/communes?q=`.
pub async fn communes(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(raw.as_deref());
    let q = required_text(&p, "q", 100)?;
    let limit = p.int("limit", 1, 50, 10)?;
    let index = state.search.index();
    let found: Vec<Commune> = index.places.find_tolerant(q, limit as usize).into_iter().map(Commune::of).collect();
    Ok(Json(found).into_response())
}

/// `GET /api/v1/metiers?q=`.
pub async fn metiers(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(raw.as_deref());
    let q = required_text(&p, "q", 200)?;
    let limit = p.int("limit", 1, 50, 10)? as usize;
    let index = state.search.index();
    // The understanding keeps up to 60 jobs: enough for the limit of 50.
    let jobs: Vec<_> = state.search.understand(&index, q).iter().take(limit).cloned().collect();
    Ok(Json(jobs).into_response())
}

pub fn required_text<'a>(p: &'a Params, name: &str, max: usize) -> Result<&'a str, ApiError> {
    let v = p.text(name).ok_or_else(|| ApiError::bad_param(name, "paramètre obligatoire"))?;
    if v.chars().count() > max {
        return Err(ApiError::bad_param(name, format!("{max} caractères au plus")));
    }
    Ok(v)
}

#[derive(Serialize)]
struct ActionOut {
    code: &'static str,
    libelle: &'static str,
    description: &'static str,
}

/// `GET /api/v1/referentiels/actions`.
pub async fn actions() -> Response {
    let all: Vec<ActionOut> = ActionType::ALL
        .iter()
        .map(|a| ActionOut { code: a.code(), libelle: a.label(), description: a.explanation() })
        .collect();
    Json(all).into_response()
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("openapi.json")).into_response()
}

/// Unknown API paths answer in JSON too.
pub async fn not_found() -> ApiError {
    ApiError::not_found("ressource inconnue de l'API (voir /api/v1/openapi.json)")
}
