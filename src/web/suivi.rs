//! `/suivi/{token}`: the company's private follow-up of its request — its
//! status, who took it, the lycées involved and why, the story; it can
//! write to the lycées or cancel. Also the confirmation page after sending.

use super::AppState;
use super::api::Params;
use super::csrf::CsrfCookie;
use super::demandes_api::ClientIp;
use super::error::{PageError, render};
use super::form::PostedForm;
use super::layout::Chrome;
use crate::requests::RecipientView;
use crate::requests::input::MAX_MESSAGE;
use crate::storage::requests as store;
use askama::Template;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::ActionType;
use time::OffsetDateTime;

/// "du 2027-01-04 au 2027-02-12" written the French way.
pub fn period_label(debut: Option<&str>, fin: Option<&str>) -> Option<String> {
    let fr = |d: &str| {
        let p: Vec<&str> = d.split('-').collect();
        if p.len() == 3 { format!("{}/{}/{}", p[2], p[1], p[0]) } else { d.to_string() }
    };
    match (debut, fin) {
        (Some(d), Some(f)) => Some(format!("du {} au {}", fr(d), fr(f))),
        (Some(d), None) => Some(format!("à partir du {}", fr(d))),
        _ => None,
    }
}

/// The request's status, in words.
pub fn status_label(statut: &str) -> &'static str {
    match statut {
        "transmise" => "Transmise aux lycées",
        "prise_en_charge" => "Prise en charge",
        "en_attente" => "En attente : le chargé de mission de l'académie la reprend",
        "annulee" => "Annulée",
        "cloturee" => "Clôturée",
        "doublon" => "Déjà reçue : non transmise une seconde fois",
        _ => "Enregistrée",
    }
}

struct Line {
    date: String,
    auteur: String,
    texte: String,
}

#[derive(Template)]
#[template(path = "suivi.html")]
struct FollowPage {
    chrome: Chrome,
    just_sent: bool,
    token: String,
    follow_url: String,
    csrf: String,
    reference: String,
    status: &'static str,
    open: bool,
    action: String,
    entreprise: String,
    commune: String,
    created: String,
    jobs: String,
    period: Option<String>,
    recipients: Vec<RecipientView>,
    responsable: Option<String>,
    widened: Option<String>,
    coordination: Option<String>,
    duplicate_of: Option<String>,
    lines: Vec<Line>,
    error: Option<String>,
    draft: String,
}

/// Date and time, French style, from the stored RFC 3339.
pub fn when(rfc3339: &str) -> String {
    match (rfc3339.get(0..10), rfc3339.get(11..16)) {
        (Some(d), Some(t)) => {
            let p: Vec<&str> = d.split('-').collect();
            format!(
                "{}/{}/{} à {}",
                p.get(2).unwrap_or(&""),
                p.get(1).unwrap_or(&""),
                p.first().unwrap_or(&""),
                t.replace(':', " h ")
            )
        }
        _ => rfc3339.to_string(),
    }
}

#[derive(Template)]
#[template(path = "suivi_expire.html")]
struct ExpiredPage {
    chrome: Chrome,
    token: String,
    csrf: String,
    reference: String,
    masked_email: String,
    sent: bool,
    error: Option<String>,
}

/// "zoe@exemple.fr" shown as "z•••@exemple.fr": enough for the company to
/// recognise its address, not enough to learn someone else's.
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}•••@{domain}", local.chars().next().unwrap_or('•')),
        None => "•••".into(),
    }
}

/// Why a follow-up page is not shown: an error, or a link that expired
/// (410, with the way to get a new one).
pub enum Refusal {
    Page(PageError),
    Expired(Response),
}

impl<E: Into<PageError>> From<E> for Refusal {
    fn from(e: E) -> Refusal {
        Refusal::Page(e.into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(e) => e.into_response(),
            Refusal::Expired(res) => res,
        }
    }
}

fn expired_page(state: &AppState, csrf: &CsrfCookie, token: &str, d: &store::DemandeRow) -> ExpiredPage {
    ExpiredPage {
        chrome: Chrome::new(""),
        token: token.to_string(),
        csrf: csrf.token(state),
        reference: d.reference.clone(),
        masked_email: mask_email(&d.contact_email),
        sent: false,
        error: None,
    }
}

/// The request of a follow-up link that still opens it.
async fn open_request(state: &AppState, token: &str, csrf: &CsrfCookie) -> Result<store::DemandeRow, Refusal> {
    let d = state.requests.by_token(token).await?.ok_or(PageError::NotFound)?;
    if crate::requests::RequestService::follow_link_expired(&d, OffsetDateTime::now_utc()) {
        return Err(Refusal::Expired(render(StatusCode::GONE, &expired_page(state, csrf, token, &d))));
    }
    Ok(d)
}

async fn build(state: &AppState, token: &str, csrf: &CsrfCookie) -> Result<FollowPage, Refusal> {
    let d = open_request(state, token, csrf).await?;
    let index = state.search.index();
    let recipients = state.requests.recipients(&index, &d.id).await?;
    let events = store::events(&state.requests.db, &d.id).await?;
    let academie = d
        .academie_code
        .as_ref()
        .and_then(|c| index.academies.values().find(|(code, _)| code == c))
        .map(|(_, n)| n.clone());
    Ok(FollowPage {
        chrome: Chrome::new(""),
        just_sent: false,
        token: token.to_string(),
        follow_url: state.requests.follow_url(token),
        csrf: csrf.token(state),
        status: status_label(&d.statut),
        open: !matches!(d.statut.as_str(), "annulee" | "cloturee" | "doublon"),
        action: ActionType::from_code(&d.action).map_or("Autre besoin", ActionType::label).to_string(),
        entreprise: d.entreprise_nom.clone(),
        commune: d.commune_nom.clone(),
        created: when(&d.cree_le),
        jobs: d
            .metiers
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| index.rome_labels.get(r).cloned().unwrap_or_else(|| r.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
        period: period_label(d.periode_debut.as_deref(), d.periode_fin.as_deref()),
        responsable: d.responsable_uai.as_ref().map(|u| {
            let lycee = index.lycee(u).map_or(u.clone(), |l| format!("{} ({})", l.nom, l.commune_nom));
            match &d.responsable_nom {
                Some(p) => format!("{lycee} — {p} vous répondra"),
                None => lycee,
            }
        }),
        widened: d.elargie.then(|| domain::routing::km_label(d.rayon_utilise_km)),
        coordination: d.coordination.as_ref().map(|c| {
            let who = academie.as_deref().map_or("de l'académie".to_string(), |a| format!("de l'académie de {a}"));
            if c == "formation" {
                format!(
                    "Le chargé de mission école-entreprise {who} est associé à cette demande sur l'offre de formation."
                )
            } else {
                format!("Le chargé de mission école-entreprise {who} reprend cette demande.")
            }
        }),
        duplicate_of: d.doublon_de.clone(),
        lines: events
            .iter()
            .filter(|e| e.public)
            .map(|e| Line {
                date: when(&e.cree_le),
                auteur: match e.auteur.as_str() {
                    "entreprise" => "Vous".to_string(),
                    "lycee" => e.uai.as_deref().and_then(|u| index.lycee(u)).map_or("Lycée".into(), |l| l.nom.clone()),
                    _ => "MonLycéePro".to_string(),
                },
                texte: e.texte.clone(),
            })
            .collect(),
        recipients,
        reference: d.reference,
        error: None,
        draft: String::new(),
    })
}

/// `GET /suivi/{token}` (`?envoi=1` right after sending).
pub async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Refusal> {
    let mut page = build(&state, &token, &csrf).await?;
    page.just_sent = Params::parse(raw.as_deref()).text("envoi").is_some();
    let mut res = render(StatusCode::OK, &page);
    // A private page: never cached by shared caches, never indexed.
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-store"));
    res.headers_mut().insert("x-robots-tag", header::HeaderValue::from_static("noindex"));
    Ok(res)
}

/// `POST /suivi/{token}/message`: the company writes to the lycées.
pub async fn message(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    ClientIp(ip): ClientIp,
    form: PostedForm,
) -> Result<Response, Refusal> {
    let mut page = build(&state, &token, &csrf).await?;
    if !csrf.accepts_form(&state, &form) {
        page.error = Some("Le formulaire a expiré : rechargez la page et envoyez à nouveau votre message.".into());
        return Ok(render(StatusCode::FORBIDDEN, &page));
    }
    let text = form.raw("message").trim().to_string();
    page.draft = text.clone();
    if text.is_empty() {
        page.error = Some("Écrivez votre message avant de l'envoyer.".into());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    if text.chars().count() > MAX_MESSAGE {
        page.error = Some(format!(
            "Votre message est trop long : {} caractères au plus.",
            domain::text::thousands(MAX_MESSAGE as i64)
        ));
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    if !page.open {
        page.error = Some("Cette demande est close : vous ne pouvez plus y écrire.".into());
        return Ok(render(StatusCode::CONFLICT, &page));
    }
    if let Err(wait) = state.limiter.check(ip) {
        page.error = Some(format!("Trop d'envois depuis votre adresse : réessayez dans {wait} secondes."));
        return Ok(render(StatusCode::TOO_MANY_REQUESTS, &page));
    }
    let d = state.requests.by_token(&token).await?.ok_or(PageError::NotFound)?;
    state.requests.company_message(&d, &text, OffsetDateTime::now_utc()).await.map_err(PageError::from)?;
    state.wake.notify_one();
    Ok(Redirect::to(&format!("/suivi/{token}#fil")).into_response())
}

/// `POST /suivi/{token}/annuler`.
pub async fn cancel(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    form: PostedForm,
) -> Result<Response, Refusal> {
    let mut page = build(&state, &token, &csrf).await?;
    if !csrf.accepts_form(&state, &form) {
        page.error = Some("Le formulaire a expiré : rechargez la page et recommencez.".into());
        return Ok(render(StatusCode::FORBIDDEN, &page));
    }
    if form.get("confirmation") != "oui" {
        page.error = Some("Cochez la case pour confirmer l'annulation.".into());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let d = state.requests.by_token(&token).await?.ok_or(PageError::NotFound)?;
    let index = state.search.index();
    state.requests.cancel(&index, &d, OffsetDateTime::now_utc()).await.map_err(PageError::from)?;
    state.wake.notify_one();
    Ok(Redirect::to(&format!("/suivi/{token}")).into_response())
}

/// `POST /suivi/{token}/nouveau-lien`: a new follow-up link, sent to the
/// address of the request (never to the one asking), the old one
/// replaced. Rate-limited like every public write.
pub async fn renew(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    ClientIp(ip): ClientIp,
    form: PostedForm,
) -> Result<Response, PageError> {
    let d = state.requests.by_token(&token).await?.ok_or(PageError::NotFound)?;
    let mut page = expired_page(&state, &csrf, &token, &d);
    if !csrf.accepts_form(&state, &form) {
        page.error = Some(super::csrf::EXPIRED.into());
        return Ok(render(StatusCode::FORBIDDEN, &page));
    }
    if let Err(wait) = state.limiter.check(ip) {
        page.error = Some(format!("Trop de demandes depuis votre adresse : réessayez dans {wait} secondes."));
        return Ok(render(StatusCode::TOO_MANY_REQUESTS, &page));
    }
    state.requests.renew_follow_link(&d, OffsetDateTime::now_utc()).await?;
    state.wake.notify_one();
    page.sent = true;
    Ok(render(StatusCode::OK, &page))
}
