//! The one-click links of the lycées' emails (`/r/{token}…`): see a request,
//! take it in charge, decline it — without an account. The token is signed
//! and expires; a GET never changes anything (mail scanners open links),
//! the change is a confirmed POST protected against CSRF.

use super::AppState;
use super::csrf::CsrfCookie;
use super::error::render;
use super::form::PostedForm;
use super::layout::Chrome;
use crate::requests::{Action, AnswerError, LinkClaims, RecipientView};
use crate::security::TokenError;
use crate::storage::requests as store;
use askama::Template;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::ActionType;
use domain::lifecycle::{
    Actor, DeclineReason, Event, Outcome, Permissions, RecipientRole, RecipientStatus, RequestStatus, Viewer,
};

/// What the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    View,
    Take,
    Decline,
    /// Close with an outcome (the link of the reminder to close).
    Close,
    Done,
    Problem,
}

#[derive(Template)]
#[template(path = "lien.html")]
struct LinkPage {
    chrome: Chrome,
    mode: Mode,
    title: String,
    message: Option<String>,
    token: String,
    csrf: String,
    reference: String,
    action: String,
    lycee: String,
    role: String,
    reasons: Vec<String>,
    entreprise: String,
    contact: String,
    commune: String,
    jobs: String,
    details: Vec<(String, String)>,
    request_message: String,
    others: Vec<RecipientView>,
    responsable: Option<String>,
    reasons_choices: Vec<(&'static str, &'static str)>,
    /// What the lycée may do now, asked of the lifecycle.
    can: Permissions,
    /// The outcome a close link proposes: (code, label).
    outcome: Option<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    name: String,
    precision: String,
}

impl LinkPage {
    fn is(&self, m: &str) -> bool {
        matches!(
            (m, self.mode),
            ("view", Mode::View)
                | ("take", Mode::Take)
                | ("decline", Mode::Decline)
                | ("close", Mode::Close)
                | ("done", Mode::Done)
                | ("problem", Mode::Problem)
        )
    }
}

fn problem(state: &AppState, title: &str, message: String, status: StatusCode) -> Response {
    let _ = state;
    render(status, &LinkPage::bare(Mode::Problem, title, Some(message)))
}

impl LinkPage {
    fn bare(mode: Mode, title: &str, message: Option<String>) -> LinkPage {
        LinkPage {
            chrome: Chrome::new(""),
            mode,
            title: title.to_string(),
            message,
            token: String::new(),
            csrf: String::new(),
            reference: String::new(),
            action: String::new(),
            lycee: String::new(),
            role: String::new(),
            reasons: Vec::new(),
            entreprise: String::new(),
            contact: String::new(),
            commune: String::new(),
            jobs: String::new(),
            details: Vec::new(),
            request_message: String::new(),
            others: Vec::new(),
            responsable: None,
            reasons_choices: DeclineReason::ALL.iter().map(|r| (r.code(), r.label())).collect(),
            can: Permissions::default(),
            outcome: None,
            outcomes: Outcome::ALL.iter().map(|o| (o.code(), o.label())).collect(),
            error: None,
            name: String::new(),
            precision: String::new(),
        }
    }
}

fn link_problem(state: &AppState, e: TokenError) -> Response {
    match e {
        TokenError::Expired => problem(
            state,
            "Lien expiré",
            "Ce lien a expiré : les liens des courriels de MonLycéePro sont valables 30 jours. Si la demande vous concerne \
             toujours, écrivez au chargé de mission école-entreprise de votre académie."
                .into(),
            StatusCode::GONE,
        ),
        TokenError::Invalid => problem(
            state,
            "Lien invalide",
            "Ce lien n'est pas valide : il a peut-être été coupé ou modifié. Ouvrez-le à nouveau depuis le courriel reçu."
                .into(),
            StatusCode::BAD_REQUEST,
        ),
    }
}

/// Builds the page of a recipient's request.
async fn page_for(
    state: &AppState,
    token: &str,
    claims: &LinkClaims,
    mode: Mode,
    csrf: &CsrfCookie,
) -> Result<LinkPage, Response> {
    let db = &state.requests.db;
    let d = store::demande_by_id(db, &claims.demande_id).await.map_err(|e| internal(state, e))?;
    let Some(d) = d else {
        return Err(problem(
            state,
            "Demande introuvable",
            "Cette demande n'existe plus.".into(),
            StatusCode::NOT_FOUND,
        ));
    };
    let index = state.search.index();
    let rows = store::destinataires(db, &d.id).await.map_err(|e| internal(state, e))?;
    let recipients: Vec<RecipientView> =
        rows.iter().filter(|r| r.role != RecipientRole::Reserve).map(|r| crate::requests::view_of(&index, r)).collect();
    let me = recipients.iter().find(|r| r.uai == claims.uai).cloned();
    let Some(me) = me else {
        return Err(problem(
            state,
            "Demande d'un autre lycée",
            "Votre lycée n'est pas (ou plus) destinataire de cette demande.".into(),
            StatusCode::NOT_FOUND,
        ));
    };
    let described = describe(&index, &d);
    let mut page = LinkPage::bare(mode, &format!("Demande {}", d.reference), None);
    let lifecycle = crate::requests::lifecycle_state(&d, &rows);
    page.can = domain::lifecycle::permissions(
        &lifecycle,
        &Viewer::Lycee(claims.uai.clone()),
        state.clock.now(),
        &state.requests.lifecycle_calendar(&index, &d, &lifecycle),
        &state.requests.deadlines,
    );
    page.token = token.to_string();
    page.csrf = csrf.token(state);
    page.reference = d.reference.clone();
    page.action = described.action;
    page.lycee = me.nom.clone();
    page.role = match me.role {
        RecipientRole::Pilote => "Votre lycée coordonne la réponse à l'entreprise.".into(),
        _ => "Un autre lycée coordonne la réponse à l'entreprise ; le vôtre peut y participer.".into(),
    };
    page.reasons = me.raisons.clone();
    page.entreprise = d.entreprise_nom.clone();
    page.contact = described.contact;
    page.commune = d.commune_nom.clone();
    page.jobs = described.jobs;
    page.details = described.details;
    page.request_message = d.message.clone();
    page.others = recipients.into_iter().filter(|r| r.uai != claims.uai).collect();
    page.responsable = described.responsable;
    page.message = match (d.statut, me.statut) {
        (RequestStatus::Annulee, _) => Some("L'entreprise a annulé cette demande.".into()),
        (RequestStatus::Cloturee, _) => Some(format!(
            "Cette demande est clôturée{}.",
            d.outcome().map(|o| format!(" : {}", o.label().to_lowercase())).unwrap_or_default()
        )),
        (RequestStatus::SansReponse, _) => Some("Cette demande s'est close sans réponse des lycées.".into()),
        (_, RecipientStatus::PriseEnCharge) => Some("Votre lycée a pris cette demande en charge.".into()),
        (_, RecipientStatus::Declinee) => Some("Votre lycée a décliné cette demande.".into()),
        (_, RecipientStatus::Expiree) => {
            Some("Le délai de prise en charge est passé : la demande a été confiée à un autre lycée.".into())
        }
        _ => None,
    };
    Ok(page)
}

/// A request told to a lycée: what the email links and the workspace show.
pub struct Described {
    pub action: String,
    pub contact: String,
    pub jobs: String,
    /// Levels, students, period, SIRET: (label, value).
    pub details: Vec<(String, String)>,
    /// "Lycée X (Mme Martin)" once a lycée has taken the request.
    pub responsable: Option<String>,
}

/// Describes a request in words.
pub fn describe(index: &crate::search::SearchIndex, d: &store::DemandeRow) -> Described {
    let mut details = Vec::new();
    let levels: Vec<&str> =
        d.niveaux.split(',').filter_map(domain::Niveau::from_code).map(domain::Niveau::label).collect();
    if !levels.is_empty() {
        details.push(("Niveaux".into(), levels.join(", ")));
    }
    if let Some(n) = d.nombre_eleves {
        details.push(("Nombre d'élèves".into(), n.to_string()));
    }
    if let Some(p) = domain::text::period(d.periode_debut.as_deref(), d.periode_fin.as_deref()) {
        details.push(("Période".into(), p));
    }
    if let Some(s) = &d.entreprise_siret {
        details.push(("SIRET".into(), s.clone()));
    }
    Described {
        action: ActionType::from_code(&d.action).map_or("Autre besoin", ActionType::label).to_string(),
        contact: format!(
            "{} {} — {}{}",
            d.contact_prenom,
            d.contact_nom,
            d.contact_email,
            d.contact_telephone.as_deref().map(|t| format!(" — {t}")).unwrap_or_default()
        ),
        jobs: d
            .metiers
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| index.rome_labels.get(r).cloned().unwrap_or_else(|| r.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
        details,
        responsable: d.responsable_uai.as_ref().map(|u| {
            let lycee = index.lycee(u).map_or(u.clone(), |l| l.nom.clone());
            match &d.responsable_nom {
                Some(p) => format!("{lycee} ({p})"),
                None => lycee,
            }
        }),
    }
}

fn internal(state: &AppState, e: sqlx::Error) -> Response {
    tracing::error!(error = %e, "lien d'un courriel : erreur de la base");
    if crate::storage::is_unavailable(&e) {
        problem(
            state,
            "Service momentanément indisponible",
            "Le service ne peut pas lire cette demande pour quelques instants : rien n'a été modifié. Réessayez dans une minute.".into(),
            StatusCode::SERVICE_UNAVAILABLE,
        )
    } else {
        problem(
            state,
            "Erreur inattendue",
            "Le service rencontre un problème. Réessayez dans quelques minutes.".into(),
            StatusCode::INTERNAL_SERVER_ERROR,
        )
    }
}

async fn show(state: AppState, token: String, csrf: CsrfCookie, mode: Mode) -> Response {
    let claims = match state.requests.check_link(&token, state.clock.now()) {
        Ok(c) => c,
        Err(e) => return link_problem(&state, e),
    };
    match page_for(&state, &token, &claims, mode, &csrf).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(res) => res,
    }
}

/// `GET /r/{token}`.
pub async fn view(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
) -> Response {
    show(state, token, csrf, Mode::View).await
}

/// `GET /r/{token}/prendre`: asks to confirm.
pub async fn take_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
) -> Response {
    show(state, token, csrf, Mode::Take).await
}

/// `GET /r/{token}/decliner`: asks why.
pub async fn decline_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
) -> Response {
    show(state, token, csrf, Mode::Decline).await
}

/// What a one-click link does once confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Take,
    Decline,
    Close,
}

async fn answer(state: AppState, token: String, csrf: CsrfCookie, form: PostedForm, what: Answer) -> Response {
    let now = state.clock.now();
    let claims = match state.requests.check_link(&token, now) {
        Ok(c) => c,
        Err(e) => return link_problem(&state, e),
    };
    let mode = match what {
        Answer::Take => Mode::Take,
        Answer::Decline => Mode::Decline,
        Answer::Close => Mode::Close,
    };
    let mut page = match page_for(&state, &token, &claims, mode, &csrf).await {
        Ok(p) => p,
        Err(res) => return res,
    };
    if !csrf.accepts_form(&state, &form) {
        page.error = Some(crate::web::csrf::EXPIRED.into());
        return render(StatusCode::FORBIDDEN, &page);
    }
    let name = form.get("nom").chars().take(120).collect::<String>();
    page.name = name.clone();
    page.precision = form.raw("precision").trim().chars().take(2_000).collect();
    if let Err(e) = domain::names::person_name(&name) {
        page.error = Some(format!("Votre nom : {e} ; il sera donné à l'entreprise et aux autres lycées."));
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let event = match what {
        Answer::Take => Event::Take { uai: claims.uai.clone() },
        Answer::Decline => {
            let Ok(reason) = form.get("motif").parse::<DeclineReason>() else {
                page.error = Some("Choisissez la raison pour laquelle vous déclinez.".into());
                return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
            };
            if reason == DeclineReason::Autre && page.precision.is_empty() {
                page.error = Some("Précisez la raison en quelques mots (« Autre raison »).".into());
                return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
            }
            Event::Decline { uai: claims.uai.clone(), reason, has_text: !page.precision.is_empty() }
        }
        Answer::Close => {
            let Ok(outcome) = form.get("issue").parse::<Outcome>() else {
                page.error = Some("Choisissez l'issue de la demande.".into());
                return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
            };
            Event::Close { by: Actor::Lycee(claims.uai.clone()), outcome }
        }
    };
    let mut action = Action::new(event, &name);
    if !page.precision.is_empty() && what == Answer::Decline {
        action = action.with_text(&page.precision);
    }
    let index = state.search.index();
    let result = state.requests.act(&index, &claims.demande_id, action, now).await;
    state.wake.notify_one();
    match result {
        Ok(_) => {
            let mut done = match page_for(&state, &token, &claims, Mode::Done, &csrf).await {
                Ok(p) => p,
                Err(res) => return res,
            };
            done.message = Some(match what {
                Answer::Take => format!(
                    "C'est noté : votre lycée prend en charge la demande {}. Répondez à l'entreprise : {}.",
                    done.reference, done.contact
                ),
                Answer::Decline => format!(
                    "C'est noté : votre lycée décline la demande {}. Un autre lycée va être sollicité.",
                    done.reference
                ),
                Answer::Close => format!(
                    "C'est noté : la demande {} est clôturée ; l'entreprise en est informée. Merci !",
                    done.reference
                ),
            });
            render(StatusCode::OK, &done)
        }
        Err(e @ (AnswerError::Unavailable | AnswerError::Internal)) => problem(
            &state,
            if e == AnswerError::Unavailable { "Service momentanément indisponible" } else { "Erreur inattendue" },
            format!("{e}."),
            e.status(),
        ),
        Err(e) => {
            let status = e.status();
            page.mode = Mode::View;
            page.error = Some(format!("Impossible : {e}."));
            render(status, &page)
        }
    }
}

/// `POST /r/{token}/prendre`.
pub async fn take(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    form: PostedForm,
) -> Response {
    answer(state, token, csrf, form, Answer::Take).await
}

/// `POST /r/{token}/decliner`.
pub async fn decline(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    form: PostedForm,
) -> Response {
    answer(state, token, csrf, form, Answer::Decline).await
}

/// `GET /r/{token}/cloturer?issue=…`: asks to confirm the outcome (the
/// links of the reminder to close; a GET changes nothing).
pub async fn close_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    let claims = match state.requests.check_link(&token, state.clock.now()) {
        Ok(c) => c,
        Err(e) => return link_problem(&state, e),
    };
    match page_for(&state, &token, &claims, Mode::Close, &csrf).await {
        Ok(mut page) => {
            let wanted = super::api::Params::parse(raw.as_deref()).text("issue").map(str::to_string);
            page.outcome = wanted.and_then(|w| w.parse::<Outcome>().ok()).map(|o| (o.code(), o.label()));
            render(StatusCode::OK, &page)
        }
        Err(res) => res,
    }
}

/// `POST /r/{token}/cloturer`: closes with the chosen outcome.
pub async fn close(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfCookie>,
    form: PostedForm,
) -> Response {
    answer(state, token, csrf, form, Answer::Close).await
}
