//! `POST /api/v1/demandes` and `GET /api/v1/demandes/{reference}`: the
//! company request through the API, on the same code path as the journey's
//! form (`requests::input::validate`, `RequestService::submit`).

use super::AppState;
use super::error::ApiError;
use crate::partner_api::{KeyRefused, Partner};
use crate::requests::input::{self, FieldErrors, ValidRequest};
use crate::requests::{RecipientView, Submitted};
use crate::search::SearchIndex;
use axum::Json;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Largest accepted request body.
pub const MAX_BODY: usize = 64 * 1024;

/// The client's address, for rate limits (see [`ClientIp`]).
pub fn client_ip(req: &Request) -> IpAddr {
    req.extensions().get::<ClientIp>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0)
}

/// The client's address (rate limits, logs), found once per request by
/// [`super::middleware::observe`]: the socket's peer, or — when that peer
/// is one of `MLP_TRUSTED_PROXIES` — the last address of `X-Forwarded-For`
/// that is not a trusted proxy. A forwarding header from anyone else is
/// ignored, so a client cannot pick its own rate-limit bucket. As an
/// extractor it never rejects: unknown is 0.0.0.0, one shared bucket.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    pub fn of(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> ClientIp {
        let Some(peer) = peer.map(|p| p.ip()) else { return ClientIp(IpAddr::V4(Ipv4Addr::UNSPECIFIED)) };
        if !trusted.contains(&peer) {
            return ClientIp(peer);
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        ClientIp(forwarded.into_iter().rev().find(|a| !trusted.contains(a)).unwrap_or(peer))
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientIp>().copied().unwrap_or(ClientIp(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
    }
}

#[cfg(test)]
mod client_ip_tests {
    use super::*;

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().expect("ip");
        let client: SocketAddr = "203.0.113.7:5000".parse().expect("addr");
        let via_proxy: SocketAddr = "10.0.0.2:5000".parse().expect("addr");
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("1.2.3.4, 198.51.100.9"));
        assert_eq!(ClientIp::of(Some(client), &h, &[]).0, client.ip(), "no proxy trusted");
        assert_eq!(ClientIp::of(Some(client), &h, &[proxy]).0, client.ip(), "spoofed by a client");
        let seen: IpAddr = "198.51.100.9".parse().expect("ip");
        assert_eq!(ClientIp::of(Some(via_proxy), &h, &[proxy]).0, seen, "the proxy's word");
        assert_eq!(ClientIp::of(Some(via_proxy), &HeaderMap::new(), &[proxy]).0, proxy);
        assert_eq!(ClientIp::of(None, &h, &[proxy]).0, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }
}

/// 429 with `Retry-After`, in the API's error format.
pub fn too_many(wait: u64) -> Response {
    too_many_saying(wait, format!("trop de demandes depuis votre adresse : réessayez dans {wait} s"))
}

/// 429 of a partner's key over its limit.
fn too_many_for_key(wait: u64, partner: &str) -> Response {
    too_many_saying(
        wait,
        format!("la clé «\u{a0}{partner}\u{a0}» a dépassé sa limite de demandes par minute : réessayez dans {wait} s"),
    )
}

fn too_many_saying(wait: u64, message: String) -> Response {
    let mut res = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "trop_de_requetes", message).into_response();
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// The 422 of invalid fields.
pub fn invalid(errors: FieldErrors) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "champs_invalides",
        format!(
            "{} à corriger",
            domain::text::count_of(i64::try_from(errors.len()).unwrap_or(i64::MAX), "champ", "champs")
        ),
    );
    e.champs = errors;
    e
}

#[derive(Serialize)]
struct Created<'a> {
    id: &'a str,
    reference: &'a str,
    statut: &'a str,
    destinataires: Vec<RecipientOut<'a>>,
    elargissement: Option<serde_json::Value>,
    /// Why the job itself is only taught beyond the radius (additive field).
    explication_rayon: Option<&'a str>,
    coordination: Option<serde_json::Value>,
    doublon_de: Option<&'a str>,
    suivi_url: &'a str,
}

#[derive(Serialize)]
struct RecipientOut<'a> {
    uai: &'a str,
    nom: &'a str,
    role: &'a str,
    statut: &'a str,
    distance_km: f64,
    raisons: &'a [String],
}

fn recipients_out(recipients: &[RecipientView]) -> Vec<RecipientOut<'_>> {
    recipients
        .iter()
        .map(|r| RecipientOut {
            uai: &r.uai,
            nom: &r.nom,
            role: r.role.code(),
            statut: r.statut.code(),
            distance_km: r.distance_km,
            raisons: &r.raisons,
        })
        .collect()
}

/// Validates a request; shared with the journey's form.
pub fn validate(
    state: &AppState,
    index: &SearchIndex,
    input: &input::RequestInput,
) -> Result<ValidRequest, FieldErrors> {
    let understand = |words: &str| state.search.understand(index, words).to_vec();
    input::validate(input, index, &understand, state.clock.now().date())
}

/// Submits a validated request and wakes the worker for its emails;
/// shared with the journey's form. A SIRET is looked up in the national
/// register first (at most the client's 3 s; nothing when it cannot
/// answer): the emails to lycées name the company as the register does.
pub async fn submit(state: &AppState, index: &SearchIndex, mut valid: ValidRequest) -> Result<Submitted, ApiError> {
    if let Some(siret) = &valid.siret {
        valid.registered_name = state.entreprises.registered_name(siret).await;
    }
    let submitted = state.requests.submit(index, valid, state.clock.now()).await.map_err(ApiError::from)?;
    state.wake.notify_one();
    tracing::info!(reference = %submitted.reference, statut = %submitted.statut, "demande enregistrée");
    Ok(submitted)
}

/// 401 for a refused partner key, with `WWW-Authenticate`.
fn unauthorized(why: KeyRefused) -> Response {
    let mut res = ApiError::new(StatusCode::UNAUTHORIZED, "non_autorise", why.message()).into_response();
    res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"monlyceepro\""));
    res
}

/// The partner whose key the call carries: `Ok(None)` without an
/// `Authorization` header, `Err` (the 401, or a 5xx when the database
/// cannot say) for a key that is not a valid one.
async fn partner_of(state: &AppState, headers: &HeaderMap) -> Result<Result<Option<Partner>, Response>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(Ok(None)) };
    let value = value.to_str().unwrap_or_default();
    Ok(match state.api_keys.authenticate(value, state.clock.now()).await? {
        Ok(p) => Ok(Some(p)),
        Err(why) => Err(unauthorized(why)),
    })
}

/// `POST /api/v1/demandes`: with a partner's key, the request is the
/// partner's (`source`) and counts against the key's limit instead of the
/// address's.
pub async fn create(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let partner = match partner_of(&state, req.headers()).await? {
        Ok(p) => p,
        Err(refused) => return Ok(refused),
    };
    let limited = match &partner {
        Some(p) => state.key_limiter.check(p.id.clone()).map_err(|wait| too_many_for_key(wait, &p.name)),
        None => state.limiter.check(client_ip(&req)).map_err(too_many),
    };
    if let Err(res) = limited {
        return Ok(res);
    }
    let json_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
    if !json_type {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "type_non_supporte",
            "le corps doit être du JSON (Content-Type: application/json)",
        ));
    }
    let body = axum::body::to_bytes(req.into_body(), MAX_BODY).await.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "trop_volumineux", format!("{} Kio au plus", MAX_BODY / 1024))
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("JSON invalide : {e}")))?;
    let (input, type_errors) = input::from_json(&value);
    let index = state.search.index();
    let valid = match (validate(&state, &index, &input), type_errors.is_empty()) {
        (Ok(valid), true) => ValidRequest { partenaire: partner.map(|p| p.name), ..valid },
        (Ok(_), false) => return Err(invalid(type_errors)),
        (Err(mut errors), _) => {
            // A value of the wrong type is reported as such, not as missing.
            errors.extend(type_errors);
            return Err(invalid(errors));
        }
    };
    let submitted = submit(&state, &index, valid).await?;
    let body = Created {
        id: &submitted.id,
        reference: &submitted.reference,
        statut: submitted.statut.code(),
        destinataires: recipients_out(&submitted.recipients),
        elargissement: submitted.widened_to.map(|km| json!({ "rayon_km": km })),
        explication_rayon: submitted.radius_note.as_deref(),
        coordination: submitted.coordination.as_ref().map(coordination_json),
        doublon_de: submitted.duplicate_of.as_deref(),
        suivi_url: &submitted.follow_url,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The coordination of a request as the API says it (API.md,
/// `coordination`): who of the chain has it (`niveau` null when nobody
/// could be written to), why, and the lycées nobody could write to.
fn coordination_json(c: &crate::requests::CoordinationView) -> serde_json::Value {
    json!({
        "niveau": c.level,
        "nom": c.name(),
        "raison": c.reason,
        "lycees_a_contacter": c.to_contact.iter().map(|(uai, nom)| json!({ "uai": uai, "nom": nom })).collect::<Vec<_>>(),
    })
}

/// The token of a follow-up call: `Authorization: Bearer …` or `?jeton=`.
fn bearer(headers: &HeaderMap, raw: Option<&str>) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .or_else(|| super::api::Params::parse(raw).text("jeton").map(str::to_string))
}

/// `GET /api/v1/demandes/{reference}` with the private token.
pub async fn read(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("demande inconnue, ou jeton absent ou invalide");
    let token = bearer(&headers, raw.as_deref()).ok_or_else(not_found)?;
    let d = state
        .requests
        .by_token(&token)
        .await?
        .filter(|d| d.reference == reference)
        .filter(|d| !crate::requests::RequestService::follow_link_expired(d, state.clock.now()))
        .ok_or_else(not_found)?;
    let index = state.search.index();
    let recipients = state.requests.recipients(&index, &d.id).await?;
    let events = crate::storage::requests::events(&state.requests.db, &d.id).await?;
    let body = json!({
        "id": d.id,
        "reference": d.reference,
        "statut": d.statut,
        "action": d.action,
        "cree_le": d.cree_le,
        "entreprise": { "nom": d.entreprise_nom, "siret": d.entreprise_siret },
        "contact": { "prenom": d.contact_prenom, "nom": d.contact_nom, "email": d.contact_email, "telephone": d.contact_telephone },
        "commune": { "code_insee": d.commune_code, "nom": d.commune_nom },
        "rayon_km": d.rayon_km,
        "metiers": d.metiers.split(',').filter(|r| !r.is_empty())
            .map(|r| json!({ "rome": r, "libelle": index.rome_labels.get(r) })).collect::<Vec<_>>(),
        "niveaux": d.niveaux.split(',').filter(|n| !n.is_empty()).collect::<Vec<_>>(),
        "periode": { "debut": d.periode_debut, "fin": d.periode_fin },
        "responsable": d.responsable_uai.as_ref().map(|u| json!({
            "uai": u,
            "nom": index.lycee(u).map(|l| l.nom.clone()),
            "personne": d.responsable_nom,
        })),
        "destinataires": recipients_out(&recipients),
        "elargissement": d.elargie.then(|| json!({ "rayon_km": d.rayon_utilise_km })),
        "explication_rayon": d.explication_rayon,
        "coordination": crate::requests::CoordinationView::of(&index, &d).as_ref().map(coordination_json),
        "doublon_de": d.doublon_de,
        "source": d.partenaire,
        "issue": d.issue,
        "termine_le": d.termine_le,
        "evenements": events.iter().filter(|e| e.public).map(|e| json!({ "date": e.cree_le, "texte": e.texte })).collect::<Vec<_>>(),
    });
    Ok(Json(body).into_response())
}

/// `GET /api/v1/demandes?depuis=…` with a partner's key: the partner's own
/// requests changed since that instant (all without it), the oldest change
/// first, so that a partner polls with the last `modifie_le` it saw.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let partner = match partner_of(&state, &headers).await? {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(unauthorized(KeyRefused::Malformed)),
        Err(refused) => return Ok(refused),
    };
    let p = super::api::Params::parse(raw.as_deref());
    let page = p.int("page", 1, 100_000, 1)?;
    let par_page = p.int("par_page", 1, 100, 20)?;
    let since = match p.text("depuis") {
        None => String::new(),
        Some(t) => crate::clock::parse(t).map(crate::clock::to_rfc3339).ok_or_else(|| {
            ApiError::bad_param("depuis", "date et heure RFC 3339 attendues, par exemple 2026-11-01T00:00:00Z")
        })?,
    };
    let (total, rows) = crate::storage::api_keys::partner_requests(
        &state.requests.db,
        &partner.name,
        &since,
        par_page,
        (page - 1) * par_page,
    )
    .await?;
    let index = state.search.index();
    let resultats: Vec<serde_json::Value> = rows
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "reference": d.reference,
                "statut": d.statut,
                "action": d.action,
                "source": d.partenaire,
                "cree_le": d.cree_le,
                "modifie_le": d.modifie_le,
                "entreprise": { "nom": d.entreprise_nom, "siret": d.entreprise_siret },
                "commune": { "code_insee": d.commune_code, "nom": d.commune_nom },
                "responsable": d.responsable_uai.as_ref().map(|u| json!({
                    "uai": u,
                    "nom": index.lycee(u).map(|l| l.nom.clone()),
                })),
                "doublon_de": d.doublon_de,
                "issue": d.issue,
                "termine_le": d.termine_le,
            })
        })
        .collect();
    let total = usize::try_from(total).unwrap_or(0);
    Ok(Json(super::api::PageOf { total, page, par_page, resultats }).into_response())
}
