//! The public side of the lycées' events: `/evenements` (the coming
//! events, nearest a place first), an event's page with its registration
//! form (no account), and the registrant's own page behind a signed link
//! (confirm, download the `.ics`, cancel).

use super::AppState;
use super::api::Params;
use super::csrf::CsrfCookie;
use super::demandes_api::ClientIp;
use super::error::{PageError, render};
use super::form::PostedForm;
use super::layout::{Chrome, Crumb};
use crate::events::{self, Refused, Registrant, Told};
use crate::partners::Errors;
use crate::security::TokenError;
use crate::storage::events::{self as store, EventRow, EventWithCounts, RegistrationRow};
use askama::Template;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::events::{Confirmation, EventState, RegistrationState};
use time::OffsetDateTime;

/// Longest text of a registration field, in characters.
pub const MAX_FIELD: usize = 200;
/// Most people a company may announce.
pub const MAX_PEOPLE: i64 = 10;

/// An event as the public pages show it.
pub struct Shown {
    pub id: String,
    pub titre: String,
    pub genre: &'static str,
    pub quand: String,
    pub lieu: String,
    pub lycee: String,
    pub uai: String,
    pub commune: String,
    pub public_vise: String,
    pub description: String,
    /// "12 km" from the place asked, when one was.
    pub distance: Option<String>,
    pub cancelled: bool,
    pub over: bool,
    pub full: bool,
    /// "3 places restantes", when the event has a capacity.
    pub places: Option<String>,
}

/// The lycée's name, département and commune, from the search index.
pub fn lycee_facts(state: &AppState, uai: &str) -> (String, String, String) {
    let index = state.search.index();
    match index.lycee(uai) {
        Some(l) => (l.nom.clone(), l.departement.clone(), l.commune_nom.clone()),
        None => (uai.to_string(), "75".to_string(), String::new()),
    }
}

/// An event as shown, at `now`.
pub fn shown(state: &AppState, e: &EventWithCounts, now: OffsetDateTime) -> Shown {
    let (lycee, departement, commune) = lycee_facts(state, &e.event.uai);
    let ev = &e.event;
    let left = domain::events::places_left(e.confirmees, ev.capacite);
    Shown {
        id: ev.id.clone(),
        titre: ev.titre.clone(),
        genre: ev.genre.label(),
        quand: events::span(&ev.debut, &ev.fin, &departement),
        lieu: if ev.adresse.is_empty() { ev.lieu.clone() } else { format!("{}, {}", ev.lieu, ev.adresse) },
        lycee,
        uai: ev.uai.clone(),
        commune,
        public_vise: ev.public_vise.clone(),
        description: ev.description.clone(),
        distance: None,
        cancelled: ev.etat == EventState::Annule,
        over: events::is_over(ev, now),
        full: left == Some(0),
        places: left.filter(|n| *n > 0).map(|n| {
            format!(
                "{} {}",
                domain::text::count_of(n, "place", "places"),
                domain::text::plural(n, "restante", "restantes")
            )
        }),
    }
}

#[derive(Template)]
#[template(path = "evenements.html")]
struct ListPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    commune: String,
    /// "autour d'Aurillac (15)", when a place was understood.
    place_label: Option<String>,
    place_error: Option<String>,
    events: Vec<Shown>,
}

impl ListPage {
    /// "3 événements à venir".
    fn count(&self) -> String {
        domain::text::count_of(self.events.len() as i64, "événement à venir", "événements à venir")
    }
}

/// `GET /evenements[?commune=…]`: the coming events (not over, not
/// cancelled), nearest the place first when one is given, else soonest.
/// Every event of France is read from memory (kept per events counter,
/// `AppState::coming_events`), the place from the place index.
pub async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let p = Params::parse(raw.as_deref());
    let typed: String = p.text("commune").unwrap_or_default().chars().take(100).collect();
    let now = state.clock.now();
    let versions = state.current().await?;
    // Kept rendered per events counter, catalogue version (the lycées'
    // names) and query string, until the soonest event shown is over (it
    // then leaves the list).
    let key = format!("{}|{}", versions.catalogue, raw.as_deref().unwrap_or_default());
    let at = crate::clock::to_rfc3339(now);
    if let Some((body, until)) = state.event_listings.get(versions.events, &key)
        && at < until
    {
        return Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response());
    }
    let all = state.coming_events(versions.events, now).await?;
    let index = state.search.index();
    let mut place_error = None;
    let mut place_label = None;
    let mut center = None;
    if !typed.is_empty() {
        // The same understanding of places as the search: a name, a
        // postcode or an INSEE code, the first commune found.
        match index.places.find_tolerant(&typed, 1).first() {
            Some(c) => {
                place_label = Some(format!("autour {} ({})", domain::text::of_place(&c.nom), c.departement));
                center = c.position;
            }
            None => {
                place_error = Some(format!(
                    "Nous ne trouvons pas la commune « {typed} ». Vérifiez l'orthographe ou indiquez un code postal."
                ))
            }
        }
    }
    let mut near: Vec<(f64, &EventWithCounts)> = all
        .iter()
        .filter(|e| !events::is_over(&e.event, now))
        .map(|e| {
            let at = e
                .event
                .commune_code
                .as_ref()
                .and_then(|c| index.places.get(c))
                .and_then(|pl| pl.position)
                .or_else(|| index.lycee(&e.event.uai).and_then(|l| l.position));
            let d = match (center, at) {
                (Some(c), Some(a)) => c.distance_km(&a),
                _ => f64::MAX,
            };
            (d, e)
        })
        .collect();
    if center.is_some() {
        // Stable: same distance keeps the soonest first.
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let until = near.iter().map(|(_, e)| e.event.fin.clone()).min().unwrap_or_else(|| "9999".into());
    let page = ListPage {
        chrome: Chrome::new("evenements"),
        crumbs: vec![Crumb::new("Accueil", "/")],
        here: "Événements".into(),
        commune: typed,
        place_label,
        place_error,
        events: near
            .into_iter()
            .take(100)
            .map(|(d, e)| {
                let mut s = shown(&state, e, now);
                if d < f64::MAX {
                    s.distance = Some(format!("à {}", super::layout::km(d)));
                }
                s
            })
            .collect(),
    };
    let body = axum::body::Bytes::from(page.render().map_err(|e| PageError::Internal(format!("gabarit : {e}")))?);
    if key.len() <= super::pages::LISTING_KEY_MAX {
        state.event_listings.insert(versions.events, key, (body.clone(), until));
    }
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}

/// What a company typed in the registration form.
#[derive(Default, Clone)]
pub struct Draft {
    pub entreprise: String,
    pub prenom: String,
    pub nom: String,
    pub email: String,
    pub telephone: String,
    pub personnes: String,
}

impl Draft {
    fn of(form: &PostedForm) -> Draft {
        Draft {
            entreprise: form.get("entreprise"),
            prenom: form.get("prenom"),
            nom: form.get("nom"),
            email: form.get("email"),
            telephone: form.get("telephone"),
            personnes: form.get("personnes"),
        }
    }

    /// The registrant, or the field errors.
    fn check(&self) -> Result<Registrant, Errors> {
        let mut e = Errors::new();
        let entreprise = crate::partners::required_name(&self.entreprise, true, "entreprise", &mut e);
        let prenom = crate::partners::name(&self.prenom, false, "prenom", &mut e);
        let nom = crate::partners::required_name(&self.nom, false, "nom", &mut e);
        for (field, v) in [("entreprise", &self.entreprise), ("prenom", &self.prenom), ("nom", &self.nom)] {
            if v.chars().count() > MAX_FIELD {
                e.insert(field, format!("{MAX_FIELD} caractères au plus."));
            }
        }
        let email = match self.email.parse::<domain::ids::Email>() {
            Ok(m) => m.as_str().to_string(),
            Err(err) if self.email.is_empty() => {
                let _ = err;
                e.insert("email", "Champ obligatoire : le lien de confirmation y sera envoyé.".into());
                String::new()
            }
            Err(err) => {
                e.insert("email", format!("{err}."));
                String::new()
            }
        };
        let telephone = Some(self.telephone.clone()).filter(|t| !t.is_empty());
        if let Some(t) = &telephone
            && (t.len() > 30 || !t.chars().all(|c| c.is_ascii_digit() || " +.()-".contains(c)))
        {
            e.insert("telephone", "Numéro de téléphone invalide : chiffres, espaces, « + » et points.".into());
        }
        let personnes = match self.personnes.as_str() {
            "" => 1,
            t => match t.parse::<i64>() {
                Ok(n) if (1..=MAX_PEOPLE).contains(&n) => n,
                _ => {
                    e.insert("personnes", format!("Un nombre entier de 1 à {MAX_PEOPLE}."));
                    1
                }
            },
        };
        if e.is_empty() { Ok(Registrant { entreprise, prenom, nom, email, telephone, personnes }) } else { Err(e) }
    }
}

#[derive(Template)]
#[template(path = "evenement.html")]
struct EventPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    e: Shown,
    /// Whether the form is offered (published, not started, not full).
    open: bool,
    draft: Draft,
    errors: Errors,
    /// A message above the form (refusal, limit).
    notice: Option<String>,
    /// Just after a registration: the link was sent.
    sent: bool,
}

impl EventPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    /// The form's fields: (name, label, hint, value, type, autocomplete).
    fn fields(&self) -> [(&'static str, &'static str, &'static str, &str, &'static str, &'static str); 6] {
        [
            ("entreprise", "Nom de l'entreprise", "", &self.draft.entreprise, "text", "organization"),
            ("prenom", "Prénom", "Facultatif.", &self.draft.prenom, "text", "given-name"),
            ("nom", "Nom", "", &self.draft.nom, "text", "family-name"),
            (
                "email",
                "Adresse électronique",
                "Le lien pour confirmer l'inscription y est envoyé.",
                &self.draft.email,
                "email",
                "email",
            ),
            ("telephone", "Téléphone", "Facultatif.", &self.draft.telephone, "tel", "tel"),
            (
                "personnes",
                "Nombre de personnes",
                "De 1 à 10 ; 1 si vous ne précisez pas.",
                &self.draft.personnes,
                "text",
                "off",
            ),
        ]
    }

    fn summary(&self) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(f, _)| **f != "formulaire")
            .map(|(f, m)| (format!("inscription-{f}"), m.clone()))
            .collect()
    }
}

/// The event `id`, 404 when unknown.
async fn event_of(state: &AppState, id: &str) -> Result<EventWithCounts, PageError> {
    if id.len() > 64 {
        return Err(PageError::NotFound);
    }
    store::event(&state.requests.db, id).await?.ok_or(PageError::NotFound)
}

fn event_page(state: &AppState, csrf: &CsrfCookie, e: &EventWithCounts, now: OffsetDateTime) -> EventPage {
    let s = shown(state, e, now);
    let open = events::open(&e.event, now) && !s.full;
    EventPage {
        chrome: Chrome::new("evenements"),
        crumbs: vec![Crumb::new("Accueil", "/"), Crumb::new("Événements", "/evenements")],
        here: s.titre.clone(),
        csrf: csrf.token(state),
        e: s,
        open,
        draft: Draft { personnes: "1".into(), ..Draft::default() },
        errors: Errors::new(),
        notice: None,
        sent: false,
    }
}

/// `GET /evenements/{id}` (`?inscription=envoyee` after a registration:
/// the page says the link was sent, without the address in the URL).
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let e = event_of(&state, &id).await?;
    let mut page = event_page(&state, &csrf, &e, state.clock.now());
    page.sent = Params::parse(raw.as_deref()).text("inscription") == Some("envoyee");
    Ok(render(StatusCode::OK, &page))
}

/// `POST /evenements/{id}`: a company registers (honeypot, rate limit and
/// CSRF like the request journey).
pub async fn register(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let e = event_of(&state, &id).await?;
    let now = state.clock.now();
    let mut page = event_page(&state, &csrf, &e, now);
    page.draft = Draft::of(&form);
    if form.too_large {
        page.notice = Some("Le formulaire envoyé est trop long.".into());
        return Ok(render(StatusCode::PAYLOAD_TOO_LARGE, &page));
    }
    if !form.get("site_web").is_empty() {
        tracing::info!("inscription refusée : champ piège rempli");
        page.notice =
            Some("Votre inscription n'a pas pu être enregistrée. Si vous êtes une personne, contactez-nous.".into());
        page.draft = Draft::default();
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    if !csrf.accepts_form(&state, &form) {
        page.errors.insert("formulaire", super::csrf::EXPIRED.into());
        page.notice = Some(super::csrf::EXPIRED.into());
        return Ok(render(StatusCode::FORBIDDEN, &page));
    }
    if !page.open {
        page.notice = Some(refusal(refused_now(&e.event, page.e.full)).into());
        return Ok(render(StatusCode::CONFLICT, &page));
    }
    if let Err(wait) = state.limiter.check(ip) {
        page.notice = Some(format!("Trop d'envois depuis votre adresse : réessayez dans {wait} secondes."));
        return Ok(render(StatusCode::TOO_MANY_REQUESTS, &page));
    }
    let who = match page.draft.check() {
        Ok(w) => w,
        Err(errors) => {
            page.errors = errors;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let (lycee, departement, _) = lycee_facts(&state, &e.event.uai);
    let told = Told { event: &e.event, lycee: &lycee, departement: &departement, base_url: &state.requests.base_url };
    match events::register(&state.requests.db, &state.signer, &told, &who, now).await? {
        Ok(_) => {
            state.wake.notify_one();
            Ok(Redirect::to(&format!("/evenements/{}?inscription=envoyee", e.event.id)).into_response())
        }
        Err(why) => {
            page.open = false;
            page.notice = Some(refusal(why).into());
            Ok(render(StatusCode::CONFLICT, &page))
        }
    }
}

fn refused_now(e: &EventRow, full: bool) -> Refused {
    if e.etat == EventState::Annule {
        Refused::Cancelled
    } else if full {
        Refused::Full
    } else {
        Refused::Past
    }
}

/// The polite French words of a refusal.
pub fn refusal(why: Refused) -> &'static str {
    match why {
        Refused::Full => {
            "Nous sommes désolés : toutes les places de cet événement sont prises. Vos informations n'ont pas été \
             enregistrées ; le lycée sera heureux de vous accueillir à un prochain événement."
        }
        Refused::Cancelled => "Cet événement a été annulé par le lycée : les inscriptions sont fermées.",
        Refused::Past => "Cet événement a déjà commencé ou est terminé : les inscriptions sont fermées.",
    }
}

#[derive(Template)]
#[template(path = "evenement_inscription.html")]
struct RegistrationPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    token: String,
    e: Shown,
    entreprise: String,
    personne: String,
    state: &'static str,
    confirmed: bool,
    waiting: bool,
    /// Whether the company may still cancel (the event is not over).
    can_cancel: bool,
    /// The outcome of the last action, as a (kind, message) alert.
    alert: Option<(&'static str, String)>,
}

/// Why a registrant's link does not open.
fn link_refused(e: TokenError) -> Response {
    let (status, message) = match e {
        TokenError::Expired => (
            StatusCode::GONE,
            "Ce lien a expiré. Si l'événement n'a pas encore eu lieu, inscrivez-vous à nouveau depuis sa page : \
             un nouveau lien vous sera envoyé.",
        ),
        TokenError::Invalid => {
            (StatusCode::NOT_FOUND, "Ce lien est incomplet ou a été modifié : vérifiez qu'il est copié en entier.")
        }
    };
    render(status, &LinkProblem { chrome: Chrome::new("evenements"), message: message.into() })
}

#[derive(Template)]
#[template(path = "evenement_lien.html")]
struct LinkProblem {
    chrome: Chrome,
    message: String,
}

/// The registration and its event of a signed link.
async fn by_token(state: &AppState, token: &str) -> Result<(RegistrationRow, EventWithCounts), Response> {
    let id = events::verify(&state.signer, token, state.clock.now()).map_err(link_refused)?;
    let r = store::registration(&state.requests.db, &id)
        .await
        .map_err(|e| PageError::from(e).into_response())?
        .ok_or_else(|| link_refused(TokenError::Invalid))?;
    let e = event_of(state, &r.evenement_id).await.map_err(IntoResponse::into_response)?;
    Ok((r, e))
}

fn registration_page(
    state: &AppState,
    csrf: &CsrfCookie,
    token: &str,
    r: &RegistrationRow,
    e: &EventWithCounts,
) -> RegistrationPage {
    let now = state.clock.now();
    let s = shown(state, e, now);
    RegistrationPage {
        chrome: Chrome::new("evenements"),
        crumbs: vec![
            Crumb::new("Accueil", "/"),
            Crumb::new("Événements", "/evenements"),
            Crumb::new(s.titre.clone(), format!("/evenements/{}", s.id)),
        ],
        here: "Votre inscription".into(),
        csrf: csrf.token(state),
        token: token.to_string(),
        entreprise: r.entreprise.clone(),
        personne: match &r.prenom {
            Some(p) => format!("{p} {}", r.nom),
            None => r.nom.clone(),
        },
        state: r.etat.label(),
        confirmed: r.etat == RegistrationState::Confirmee,
        waiting: r.etat == RegistrationState::EnAttente && !s.cancelled && !s.over,
        can_cancel: r.etat != RegistrationState::Annulee && !s.over && !s.cancelled,
        e: s,
        alert: None,
    }
}

/// `GET /evenements/inscription/{token}`: the registrant's page.
pub async fn registration(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (r, e) = match by_token(&state, &token).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let mut page = registration_page(&state, &csrf, &token, &r, &e);
    page.alert = match Params::parse(raw.as_deref()).text("fait") {
        Some("confirmee") => Some(("success", "Votre inscription est confirmée : votre place est réservée.".into())),
        Some("annulee") => Some(("info", "Votre inscription est annulée. Merci de nous avoir prévenus.".into())),
        _ => None,
    };
    super::espace::private(render(StatusCode::OK, &page))
}

/// `POST /evenements/inscription/{token}/confirmer`: takes the place if
/// one is left; else says so politely and keeps the registration.
pub async fn confirm(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    Path(token): Path<String>,
    form: PostedForm,
) -> Response {
    let (r, e) = match by_token(&state, &token).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let mut page = registration_page(&state, &csrf, &token, &r, &e);
    if !csrf.accepts_form(&state, &form) {
        page.alert = Some(("error", super::csrf::EXPIRED.into()));
        return render(StatusCode::FORBIDDEN, &page);
    }
    let (lycee, departement, _) = lycee_facts(&state, &e.event.uai);
    let told = Told { event: &e.event, lycee: &lycee, departement: &departement, base_url: &state.requests.base_url };
    let outcome = match events::confirm(&state.requests.db, &state.signer, &told, &r.id, state.clock.now()).await {
        Ok(o) => o,
        Err(err) => return PageError::from(err).into_response(),
    };
    let message = match outcome {
        Confirmation::Confirmed | Confirmation::AlreadyConfirmed => {
            state.wake.notify_one();
            return Redirect::to(&format!("/evenements/inscription/{token}?fait=confirmee")).into_response();
        }
        Confirmation::Full => {
            "Nous sommes désolés : toutes les places ont été prises avant votre confirmation. Votre inscription \
             reste enregistrée, sans place réservée ; si une place se libère, ce même lien vous permettra de la \
             confirmer."
        }
        Confirmation::EventCancelled => "Cet événement a été annulé par le lycée : il n'y a plus rien à confirmer.",
        Confirmation::EventPast => {
            "Cet événement a déjà commencé ou est terminé : l'inscription ne peut plus être confirmée."
        }
        Confirmation::RegistrationCancelled => {
            "Cette inscription a été annulée. Pour venir, inscrivez-vous à nouveau depuis la page de l'événement."
        }
    };
    let (r, e) = match by_token(&state, &token).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let mut page = registration_page(&state, &csrf, &token, &r, &e);
    page.alert = Some(("warning", message.into()));
    super::espace::private(render(StatusCode::CONFLICT, &page))
}

/// `POST /evenements/inscription/{token}/annuler`: the company cancels.
pub async fn cancel(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    Path(token): Path<String>,
    form: PostedForm,
) -> Response {
    let (r, e) = match by_token(&state, &token).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    if !csrf.accepts_form(&state, &form) {
        let mut page = registration_page(&state, &csrf, &token, &r, &e);
        page.alert = Some(("error", super::csrf::EXPIRED.into()));
        return render(StatusCode::FORBIDDEN, &page);
    }
    if let Err(err) = events::cancel_registration(&state.requests.db, &r.id, state.clock.now()).await {
        return PageError::from(err).into_response();
    }
    Redirect::to(&format!("/evenements/inscription/{token}?fait=annulee")).into_response()
}

/// `GET /evenements/inscription/{token}/invitation.ics`: the calendar
/// invitation of a confirmed registration.
pub async fn ics(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let (r, e) = match by_token(&state, &token).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    if r.etat != RegistrationState::Confirmee {
        return PageError::NotFound.into_response();
    }
    let (lycee, _, _) = lycee_facts(&state, &e.event.uai);
    let page_url = format!("{}/evenements/{}", state.requests.base_url.trim_end_matches('/'), e.event.id);
    let body = events::invitation(&e.event, &r, &lycee, &page_url, state.clock.now());
    let mut res = body.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
    res.headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"invitation.ics\""));
    super::espace::private(res)
}
