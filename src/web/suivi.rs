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
use crate::requests::{Action, AnswerError};
use crate::search::SearchIndex;
use crate::storage::requests as store;
use askama::Template;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::ActionType;
use domain::lifecycle::{ActorKind, Event, Outcome, Permissions, RecipientRole, RequestStatus, Viewer};

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
    /// What the company just did, said at the top (`?fait=`).
    notice: Option<String>,
    token: String,
    follow_url: String,
    csrf: String,
    reference: String,
    status: String,
    open: bool,
    /// No lycée has the request: only the coordination (or nobody).
    without_lycee: bool,
    /// What the company may do now, asked of the lifecycle.
    can: Permissions,
    /// How it ended, once it did ("Clôturée le 12/01/2027 : …").
    ended: Option<String>,
    /// The company's word, once given.
    rated: Option<i64>,
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
    /// The first request, when this one repeats it: its reference and
    /// where it stands ("transmise à 3 lycées").
    duplicate_of: Option<(String, String)>,
    lines: Vec<Line>,
    error: Option<String>,
    /// A field in error: its id and the message shown next to it (and
    /// linked from the summary at the top).
    invalid: Option<(&'static str, String)>,
    draft: String,
}

impl FollowPage {
    /// The message of `field` when it is the one in error.
    fn invalid(&self, field: &str) -> Option<&String> {
        self.invalid.as_ref().filter(|(f, _)| *f == field).map(|(_, m)| m)
    }

    /// The error summary: the one field in error, if any.
    fn summary(&self) -> Vec<(&'static str, &String)> {
        self.invalid.iter().map(|(f, m)| (*f, m)).collect()
    }

    /// Shows `message` next to `field`; the page answers 422.
    fn field_error(&mut self, field: &'static str, message: impl Into<String>) -> Response {
        self.invalid = Some((field, message.into()));
        render(StatusCode::UNPROCESSABLE_ENTITY, &*self)
    }
}

/// Date and time, French style, from the stored RFC 3339.
/// Stored instants are UTC; people read them in French time (Paris, with
/// summer time): "09/11/2026 à 09 h 00".
pub fn when(rfc3339: &str) -> String {
    match crate::clock::parse(rfc3339) {
        Some(t) => {
            let local = t.to_offset(domain::calendar::local_offset("75", t));
            format!(
                "{:02}/{:02}/{} à {:02} h {:02}",
                local.day(),
                u8::from(local.month()),
                local.year(),
                local.hour(),
                local.minute()
            )
        }
        None => rfc3339.to_string(),
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
    if crate::requests::RequestService::follow_link_expired(&d, state.clock.now()) {
        return Err(Refusal::Expired(render(StatusCode::GONE, &expired_page(state, csrf, token, &d))));
    }
    Ok(d)
}

async fn build(state: &AppState, token: &str, csrf: &CsrfCookie) -> Result<FollowPage, Refusal> {
    let d = open_request(state, token, csrf).await?;
    let index = state.search.index();
    let rows = store::destinataires(&state.requests.db, &d.id).await?;
    let recipients: Vec<RecipientView> =
        rows.iter().filter(|r| r.role != RecipientRole::Reserve).map(|r| crate::requests::view_of(&index, r)).collect();
    let lifecycle = crate::requests::lifecycle_state(&d, &rows);
    let can = domain::lifecycle::permissions(
        &lifecycle,
        &Viewer::Company,
        state.clock.now(),
        &state.requests.lifecycle_calendar(&index, &d, &lifecycle),
        &state.requests.deadlines,
    );
    let events = store::events(&state.requests.db, &d.id).await?;
    let duplicate_of = match &d.doublon_de {
        Some(reference) => Some((reference.clone(), first_stands(state, &index, reference).await?)),
        None => None,
    };
    Ok(FollowPage {
        chrome: Chrome::new(""),
        just_sent: false,
        notice: None,
        token: token.to_string(),
        follow_url: state.requests.follow_url(token),
        csrf: csrf.token(state),
        status: crate::requests::views::status_words(&index, &d, &recipients),
        open: d.statut.is_open(),
        without_lycee: !recipients.iter().any(|r| r.statut.is_involved()) && d.responsable_uai.is_none(),
        can,
        rated: d.satisfaction,
        // A duplicate did not end: it was never sent (the first one is
        // what the company follows).
        ended: d.termine_le.as_deref().filter(|_| !d.statut.is_open() && d.doublon_de.is_none()).map(|at| {
            let day = crate::requests::day_of(at);
            match (d.statut, d.outcome()) {
                (RequestStatus::Cloturee, Some(o)) => format!("Clôturée le {day} : {}.", o.label().to_lowercase()),
                (RequestStatus::Annulee, _) => format!("Annulée le {day}."),
                (RequestStatus::SansReponse, _) => format!("Close sans réponse des lycées le {day}."),
                _ => format!("Terminée le {day}."),
            }
        }),
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
        period: domain::text::period(d.periode_debut.as_deref(), d.periode_fin.as_deref()),
        responsable: d.responsable_uai.as_ref().map(|u| {
            let lycee = index.lycee(u).map_or(u.clone(), |l| format!("{} ({})", l.nom, l.commune_nom));
            match (&d.responsable_nom, d.statut.is_open()) {
                (Some(p), true) => format!("{lycee} — {p} vous répondra"),
                (Some(p), false) => format!("{lycee} — {p}"),
                (None, _) => lycee,
            }
        }),
        widened: crate::requests::messages::radius_sentence(&d),
        coordination: crate::requests::CoordinationView::of(&index, &d).and_then(|c| c.sentence()),
        duplicate_of,
        lines: events
            .iter()
            .filter(|e| e.public)
            .map(|e| Line {
                date: when(&e.cree_le),
                auteur: match e.auteur {
                    ActorKind::Entreprise => "Vous".to_string(),
                    ActorKind::Lycee => {
                        e.uai.as_deref().and_then(|u| index.lycee(u)).map_or("Lycée".into(), |l| l.nom.clone())
                    }
                    ActorKind::Coordination => "La coordination territoriale".to_string(),
                    ActorKind::Systeme => "MonLycéePro".to_string(),
                },
                texte: e.texte.clone(),
            })
            .collect(),
        recipients,
        reference: d.reference,
        error: None,
        invalid: None,
        draft: String::new(),
    })
}

/// Where the first request of a duplicate stands, in the words of its own
/// follow-up page's status ("transmise à 3 lycées", "prise en charge").
async fn first_stands(state: &AppState, index: &SearchIndex, reference: &str) -> Result<String, Refusal> {
    let Some(first) = store::demande_by_reference(&state.requests.db, reference).await? else {
        return Ok("enregistrée".into());
    };
    let rows = store::destinataires(&state.requests.db, &first.id).await?;
    let views: Vec<RecipientView> =
        rows.iter().filter(|r| r.role != RecipientRole::Reserve).map(|r| crate::requests::view_of(index, r)).collect();
    let words = crate::requests::views::status_words(index, &first, &views);
    let mut chars = words.chars();
    Ok(chars.next().map_or(String::new(), |c| c.to_lowercase().chain(chars).collect()))
}

/// `GET /suivi/{token}` (`?envoi=1` right after sending).
pub async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Refusal> {
    let mut page = build(&state, &token, &csrf).await?;
    let params = Params::parse(raw.as_deref());
    page.just_sent = params.text("envoi").is_some();
    if params.text("fait") == Some("message") {
        page.notice = Some(match (&page.responsable, page.recipients.iter().any(|r| r.statut.is_involved())) {
            (Some(_), _) => "Votre message est envoyé : il s'ajoute à l'historique ci-dessous, que le lycée qui vous répond voit aussi.".into(),
            (None, true) => "Votre message est envoyé : il s'ajoute à l'historique ci-dessous, que les lycées sollicités voient aussi.".into(),
            (None, false) => "Votre message est envoyé : il s'ajoute à l'historique ci-dessous.".into(),
        });
    }
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
        return Ok(page.field_error("message-entreprise", "écrivez votre message avant de l'envoyer"));
    }
    if text.chars().count() > MAX_MESSAGE {
        let max = domain::text::thousands(MAX_MESSAGE as i64);
        return Ok(
            page.field_error("message-entreprise", format!("votre message est trop long : {max} caractères au plus"))
        );
    }
    if !page.can.can_write {
        page.error = Some("Cette demande est close : vous ne pouvez plus y écrire.".into());
        return Ok(render(StatusCode::CONFLICT, &page));
    }
    if let Err(wait) = state.limiter.check(ip) {
        page.error = Some(format!("Trop d'envois depuis votre adresse : réessayez dans {wait} secondes."));
        return Ok(render(StatusCode::TOO_MANY_REQUESTS, &page));
    }
    company_act(&state, &token, &mut page, Event::CompanyWrites, Some(&text), "?fait=message#fil").await
}

/// Does what the company asked, as the lifecycle allows; back to the
/// page (at `anchor`), or the page with the reason.
async fn company_act(
    state: &AppState,
    token: &str,
    page: &mut FollowPage,
    event: Event,
    text: Option<&str>,
    anchor: &str,
) -> Result<Response, Refusal> {
    let d = state.requests.by_token(token).await?.ok_or(PageError::NotFound)?;
    let person = format!("{} {}", d.contact_prenom, d.contact_nom);
    let mut action = Action::new(event, &person);
    if let Some(t) = text {
        action = action.with_text(t);
    }
    let index = state.search.index();
    match state.requests.act(&index, &d.id, action, state.clock.now()).await {
        Ok(_) => {
            state.wake.notify_one();
            Ok(Redirect::to(&format!("/suivi/{token}{anchor}")).into_response())
        }
        Err(AnswerError::Unavailable) => Err(PageError::Unavailable("demande indisponible".into()).into()),
        Err(AnswerError::Internal) => Err(PageError::Internal("demande : erreur interne".into()).into()),
        Err(e) => {
            page.error = Some(format!("Impossible : {e}."));
            Ok(render(e.status(), &*page))
        }
    }
}

/// Checks a form of the follow-up page: the CSRF token and a
/// confirmation box when one is asked for.
fn checked(
    state: &AppState,
    csrf: &CsrfCookie,
    form: &PostedForm,
    page: &mut FollowPage,
    confirm: Option<&str>,
) -> Option<Response> {
    if !csrf.accepts_form(state, form) {
        page.error = Some("Le formulaire a expiré : rechargez la page et recommencez.".into());
        return Some(render(StatusCode::FORBIDDEN, &*page));
    }
    if let Some(why) = confirm
        && form.get("confirmation") != "oui"
    {
        return Some(page.field_error("confirmation-annulation", why));
    }
    None
}

/// `POST /suivi/{token}/annuler`.
pub async fn cancel(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    form: PostedForm,
) -> Result<Response, Refusal> {
    let mut page = build(&state, &token, &csrf).await?;
    if let Some(res) = checked(&state, &csrf, &form, &mut page, Some("cochez la case pour confirmer l'annulation")) {
        return Ok(res);
    }
    company_act(&state, &token, &mut page, Event::Cancel, None, "").await
}

/// `POST /suivi/{token}/cloturer`: the company's need is met — thanks to
/// the lycées (`issue=satisfait`) or elsewhere (`issue=ailleurs`).
pub async fn close(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    form: PostedForm,
) -> Result<Response, Refusal> {
    let mut page = build(&state, &token, &csrf).await?;
    if let Some(res) = checked(&state, &csrf, &form, &mut page, None) {
        return Ok(res);
    }
    let outcome = match form.get("issue").as_str() {
        "satisfait" => Outcome::Realisee,
        "ailleurs" => Outcome::SansSuite,
        _ => {
            return Ok(page.field_error(
                "issue-satisfait",
                "dites-nous si votre besoin est satisfait grâce aux lycées ou ailleurs",
            ));
        }
    };
    let event = Event::Close { by: domain::lifecycle::Actor::Company, outcome };
    company_act(&state, &token, &mut page, event, None, "").await
}

/// `POST /suivi/{token}/relancer`: a request that ended without answer is
/// sent again, once, to lycées farther away (or to the coordinator).
pub async fn reopen(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    ClientIp(ip): ClientIp,
    form: PostedForm,
) -> Result<Response, Refusal> {
    let mut page = build(&state, &token, &csrf).await?;
    if let Some(res) = checked(&state, &csrf, &form, &mut page, None) {
        return Ok(res);
    }
    if let Err(wait) = state.limiter.check(ip) {
        page.error = Some(format!("Trop d'envois depuis votre adresse : réessayez dans {wait} secondes."));
        return Ok(render(StatusCode::TOO_MANY_REQUESTS, &page));
    }
    let event = Event::Reopen { by: domain::lifecycle::Actor::Company, candidates: Vec::new() };
    company_act(&state, &token, &mut page, event, None, "").await
}

/// `POST /suivi/{token}/avis`: was it useful (1 to 5), and a comment.
pub async fn rate(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    form: PostedForm,
) -> Result<Response, Refusal> {
    let mut page = build(&state, &token, &csrf).await?;
    if let Some(res) = checked(&state, &csrf, &form, &mut page, None) {
        return Ok(res);
    }
    let (score, comment) = match rating_of(&form) {
        Ok(r) => r,
        Err(why) => {
            let field = if form.get("note").is_empty() || why.contains("note") { "note-5" } else { "commentaire" };
            return Ok(page.field_error(field, why));
        }
    };
    company_act(&state, &token, &mut page, Event::Rate { score }, Some(&comment), "#avis").await
}

/// The score and comment of a rating form, or what is wrong with them.
pub fn rating_of(form: &PostedForm) -> Result<(u8, String), String> {
    let score = match form.get("note").parse::<u8>() {
        Ok(n) if (1..=5).contains(&n) => n,
        _ => return Err("Choisissez une note de 1 à 5.".into()),
    };
    let comment: String = form.raw("commentaire").trim().to_string();
    if comment.chars().count() > 2_000 {
        return Err("Votre commentaire est trop long : 2 000 caractères au plus.".into());
    }
    Ok((score, comment))
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
    state.requests.renew_follow_link(&d, state.clock.now()).await?;
    state.wake.notify_one();
    page.sent = true;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "avis.html")]
struct RatingPage {
    chrome: Chrome,
    token: String,
    csrf: String,
    reference: String,
    note: u8,
    comment: String,
    error: Option<String>,
    message: Option<String>,
}

/// The request of a rating link, or the page that says why not.
async fn rated_request(state: &AppState, token: &str) -> Result<Result<store::DemandeRow, Response>, PageError> {
    let id = match state.requests.check_rating_token(token, state.clock.now()) {
        Ok(id) => id,
        Err(crate::security::TokenError::Expired) => {
            return Err(PageError::BadRequest(
                "Ce lien a expiré : il était valable 60 jours après la clôture de la demande.".into(),
            ));
        }
        Err(crate::security::TokenError::Invalid) => return Err(PageError::NotFound),
    };
    Ok(Ok(store::demande_by_id(&state.requests.db, &id).await?.ok_or(PageError::NotFound)?))
}

fn rating_page_of(state: &AppState, csrf: &CsrfCookie, token: &str, d: &store::DemandeRow) -> RatingPage {
    RatingPage {
        chrome: Chrome::new(""),
        token: token.to_string(),
        csrf: csrf.token(state),
        reference: d.reference.clone(),
        note: 0,
        comment: String::new(),
        error: None,
        message: d.satisfaction.map(|s| format!("Merci : votre avis ({s} sur 5) est déjà enregistré.")),
    }
}

/// `GET /avis/{token}?note=N`: the question of the email, the note the
/// company clicked already chosen (a GET records nothing).
pub async fn rating_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let d = match rated_request(&state, &token).await? {
        Ok(d) => d,
        Err(res) => return Ok(res),
    };
    let mut page = rating_page_of(&state, &csrf, &token, &d);
    page.note = Params::parse(raw.as_deref()).text("note").and_then(|n| n.parse().ok()).unwrap_or(0);
    Ok(super::espace::private(render(StatusCode::OK, &page)))
}

/// `POST /avis/{token}`: records the company's word, once.
pub async fn rating_post(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let d = match rated_request(&state, &token).await? {
        Ok(d) => d,
        Err(res) => return Ok(res),
    };
    let mut page = rating_page_of(&state, &csrf, &token, &d);
    page.message = None;
    page.note = form.get("note").parse().unwrap_or(0);
    page.comment = form.raw("commentaire").chars().take(2_000).collect();
    if !csrf.accepts_form(&state, &form) {
        page.error = Some(super::csrf::EXPIRED.into());
        return Ok(render(StatusCode::FORBIDDEN, &page));
    }
    let (score, comment) = match rating_of(&form) {
        Ok(r) => r,
        Err(why) => {
            page.error = Some(why);
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let person = format!("{} {}", d.contact_prenom, d.contact_nom);
    let action = Action::new(Event::Rate { score }, &person).with_text(&comment);
    let index = state.search.index();
    match state.requests.act(&index, &d.id, action, state.clock.now()).await {
        Ok(_) => {
            page.message = Some("Merci : votre avis est enregistré et transmis au lycée.".into());
            Ok(render(StatusCode::OK, &page))
        }
        Err(AnswerError::Unavailable) => Err(PageError::Unavailable("avis indisponible".into())),
        Err(AnswerError::Internal) => Err(PageError::Internal("avis : erreur interne".into())),
        Err(e) => {
            page.error = Some(format!("Impossible : {e}."));
            Ok(render(e.status(), &page))
        }
    }
}
