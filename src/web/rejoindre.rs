//! `/rejoindre`: an agent with an academic address asks to join a lycée's
//! workspace; the lycée confirms through a signed link (or the coordinator
//! in the workspace). No account is needed to ask.

use super::AppState;
use super::csrf::CsrfCookie;
use super::demandes_api::ClientIp;
use super::error::{PageError, render};
use super::espace::private;
use super::form::PostedForm;
use super::layout::Chrome;
use crate::accounts::JoinDecision;
use crate::security::TokenError;
use crate::storage::accounts as store;
use askama::Template;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Form,
    Sent,
    Decide,
    Decided,
    Problem,
}

#[derive(Template)]
#[template(path = "rejoindre.html")]
struct JoinPage {
    chrome: Chrome,
    mode: Mode,
    csrf: String,
    email: String,
    prenom: String,
    nom: String,
    uai: String,
    error: Option<String>,
    /// The lycée and the person, on the decision page.
    lycee: String,
    who: String,
    token: String,
    message: String,
}

impl JoinPage {
    fn new(state: &AppState, csrf: &CsrfCookie, mode: Mode) -> JoinPage {
        JoinPage {
            chrome: Chrome::new("espace"),
            mode,
            csrf: csrf.token(state),
            email: String::new(),
            prenom: String::new(),
            nom: String::new(),
            uai: String::new(),
            error: None,
            lycee: String::new(),
            who: String::new(),
            token: String::new(),
            message: String::new(),
        }
    }

    fn is(&self, m: &str) -> bool {
        matches!(
            (m, self.mode),
            ("form", Mode::Form)
                | ("sent", Mode::Sent)
                | ("decide", Mode::Decide)
                | ("decided", Mode::Decided)
                | ("problem", Mode::Problem)
        )
    }
}

/// `GET /rejoindre`.
pub async fn page(State(state): State<AppState>, Extension(csrf): Extension<CsrfCookie>) -> Response {
    private(render(StatusCode::OK, &JoinPage::new(&state, &csrf, Mode::Form)))
}

/// `POST /rejoindre`.
pub async fn ask(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    ClientIp(ip): ClientIp,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut p = JoinPage::new(&state, &csrf, Mode::Form);
    p.email = form.get("email").chars().take(254).collect();
    p.prenom = form.get("prenom").chars().take(200).collect();
    p.nom = form.get("nom").chars().take(200).collect();
    p.uai = form.get("uai").chars().take(8).collect();
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    if let Err(wait) = state.limiter.check(ip) {
        p.error = Some(format!("Trop de demandes depuis votre adresse : réessayez dans {wait} secondes."));
        return Ok(private(render(StatusCode::TOO_MANY_REQUESTS, &p)));
    }
    let checked = state.accounts.check_join(&p.email, &p.prenom, &p.nom, &p.uai).await.map_err(PageError::from)?;
    match checked {
        Ok(ask) => {
            // What depends on the address's account is done after the
            // answer: neither the page nor how long it takes may tell
            // whether the address has one (as for sign-in links).
            let (accounts, wake, now) = (state.accounts.clone(), state.wake.clone(), state.clock.now());
            tokio::spawn(async move {
                match accounts.ask_to_join(&ask, now).await {
                    Ok(()) => wake.notify_one(),
                    Err(e) => tracing::error!(erreur = %e, "demande d'accès impossible à enregistrer"),
                }
            });
            p.mode = Mode::Sent;
            Ok(private(render(StatusCode::OK, &p)))
        }
        Err(e) => {
            let mut message = e.to_string();
            if let Some(first) = message.get(0..1) {
                message = format!("{}{}.", first.to_uppercase(), &message[1..]);
            }
            p.error = Some(message);
            Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)))
        }
    }
}

fn problem(state: &AppState, csrf: &CsrfCookie, e: TokenError) -> Response {
    let mut p = JoinPage::new(state, csrf, Mode::Problem);
    p.message = match e {
        TokenError::Expired => "Ce lien a expiré. Le chargé de mission école-entreprise de l'académie peut encore décider depuis son espace.".into(),
        TokenError::Invalid => "Ce lien n'est pas valide : il a peut-être été coupé. Ouvrez-le à nouveau depuis le courriel reçu.".into(),
    };
    let status = if e == TokenError::Expired { StatusCode::GONE } else { StatusCode::BAD_REQUEST };
    private(render(status, &p))
}

/// The decision page of a signed link.
async fn decision_page(
    state: &AppState,
    csrf: &CsrfCookie,
    token: &str,
) -> Result<Result<(JoinPage, store::AdhesionRow), Response>, PageError> {
    let id = match state.accounts.check_join_token(token, state.clock.now()) {
        Ok(id) => id,
        Err(e) => return Ok(Err(problem(state, csrf, e))),
    };
    let a = store::adhesion(&state.accounts.db, &id).await?.ok_or(PageError::NotFound)?;
    let mut p = JoinPage::new(state, csrf, Mode::Decide);
    p.token = token.to_string();
    p.lycee = state.search.index().lycee(&a.uai).map_or(a.uai.clone(), |l| format!("{}, {}", l.nom, l.commune_nom));
    let name = [a.prenom.as_deref(), a.nom.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    p.who = if name.is_empty() { a.email.clone() } else { format!("{name} ({})", a.email) };
    if a.statut != crate::accounts::JoinStatus::EnAttente {
        p.mode = Mode::Decided;
        p.message = format!(
            "Cette demande a déjà été {}.",
            if a.statut == crate::accounts::JoinStatus::Acceptee { "acceptée" } else { "refusée" }
        );
    }
    Ok(Ok((p, a)))
}

/// `GET /rejoindre/{token}`: the lycée decides (a GET changes nothing).
pub async fn decide_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    Ok(match decision_page(&state, &csrf, &token).await? {
        Ok((p, _)) => private(render(StatusCode::OK, &p)),
        Err(res) => res,
    })
}

/// `POST /rejoindre/{token}`: `decision=accepter|refuser`.
pub async fn decide(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    Path(token): Path<String>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let (mut p, a) = match decision_page(&state, &csrf, &token).await? {
        Ok(x) => x,
        Err(res) => return Ok(res),
    };
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    if p.mode == Mode::Decided {
        return Ok(private(render(StatusCode::CONFLICT, &p)));
    }
    let accept = match form.get("decision").as_str() {
        "accepter" => true,
        "refuser" => false,
        _ => {
            p.error = Some("Choisissez : accepter ou refuser.".into());
            return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)));
        }
    };
    let by = format!("adresse du lycée {}", a.uai);
    let decision = state.accounts.decide_join(&a.id, accept, &by, state.clock.now()).await.map_err(PageError::from)?;
    state.wake.notify_one();
    p.mode = Mode::Decided;
    p.message = match decision {
        JoinDecision::Accepted(_) => format!(
            "C'est noté : {} a maintenant accès à l'espace du lycée ; un lien de connexion lui est envoyé.",
            p.who
        ),
        JoinDecision::Refused => {
            format!("C'est noté : la demande de {} est refusée ; la personne en est informée.", p.who)
        }
        JoinDecision::WithoutEffect(_) => format!(
            "Rien n'a changé : l'adresse de {} a déjà un compte MonLycéePro qu'une demande d'accès ne peut pas \
             modifier. Le chargé de mission école-entreprise de l'académie ou l'administration nationale peuvent \
             s'en occuper.",
            p.who
        ),
        JoinDecision::AlreadyDecided => {
            p.message = "Cette demande a déjà été décidée.".into();
            return Ok(private(render(StatusCode::CONFLICT, &p)));
        }
    };
    Ok(private(render(StatusCode::OK, &p).into_response()))
}
