//! The inbox of requests (`/espace`), one request (`/espace/demandes/{ref}`)
//! with what the person can do to it, and the CSV export.

use super::{FieldErrors, SignedIn, private};
use crate::accounts::{Agent, Role};
use crate::requests::{Action, AnswerError, RecipientView, view_of};
use crate::search::SearchIndex;
use crate::storage::requests::{self as store, DemandeRow, DestinataireRow, EventRow, InboxOf, InboxTab, Perimeter};
use crate::web::AppState;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::PostedForm;
use crate::web::layout::{Chrome, Crumb, Pager};
use crate::web::liens::{Described, describe};
use crate::web::suivi::when;
use askama::Template;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::lifecycle::{Actor, DeclineReason, Event, Outcome, Permissions, RecipientRole, RequestStatus, Viewer};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// Longest message or note, in characters.
pub const MAX_TEXT: usize = 5_000;

/// Most open requests listed at once: all of them in practice (the
/// busiest lycée of the national seed has 150), so that none is ever out
/// of sight.
const OPEN_LIMIT: i64 = 5_000;

/// Most ended requests listed at once, the latest (the export has the same
/// lines): they are what makes a busy lycée's inbox long, and slow.
const ENDED_LIMIT: i64 = 200;

/// Requests a page of the inbox lists.
const PER_PAGE: usize = 50;

/// What each tab of the inbox is called.
fn tab_label(tab: InboxTab) -> &'static str {
    match tab {
        InboxTab::ATraiter => "À traiter",
        InboxTab::EnCours => "En cours",
        InboxTab::NonPrises => "Personne ne l'a prise",
        InboxTab::Terminees => "Clôturées ou annulées",
        InboxTab::Toutes => "Toutes",
    }
}

/// Whose inbox, for the storage: the person's perimeter, seen through
/// their lycées.
fn inbox_of(agent: &Agent) -> InboxOf<'_> {
    InboxOf { perimeter: perimeter(agent), mine: &agent.lycees, coordinates: agent.role != Role::Rbe }
}

/// What the person's perimeter is, for the storage.
fn perimeter(agent: &Agent) -> Perimeter<'_> {
    Perimeter { national: agent.role == Role::Admin, academie: agent.academie.as_deref(), lycees: &agent.lycees }
}

/// A request as one line of the inbox.
pub struct Item {
    pub reference: String,
    pub date: String,
    pub age_days: i64,
    pub action: String,
    pub entreprise: String,
    pub commune: String,
    pub statut: String,
    /// The person's lycée on this request: (lycée, role, status), if any.
    pub mine: Option<(String, String, String)>,
    pub responsable: Option<String>,
    pub others: Vec<String>,
    /// Nobody took it in time: the coordination was told.
    pub escalated: bool,
    /// A message of the company waits, unread by the person's lycée.
    pub unread: bool,
    /// The partner platform it came through, if any.
    pub via: Option<String>,
}

fn age_days(created: &str, now: OffsetDateTime) -> i64 {
    time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
        .map(|t| (now - t).whole_days())
        .unwrap_or(0)
}

fn item(
    index: &SearchIndex,
    agent: &Agent,
    d: &DemandeRow,
    recips: &[DestinataireRow],
    unread_by: &HashSet<(String, String)>,
    now: OffsetDateTime,
) -> Item {
    let described = describe(index, d);
    let told: Vec<&DestinataireRow> = recips.iter().filter(|r| r.role != RecipientRole::Reserve).collect();
    let mine = told.iter().find(|r| agent.lycees.contains(&r.uai)).map(|r| view_of(index, r));
    let open = d.statut.is_open();
    let unread = mine.as_ref().is_some_and(|m| unread_by.contains(&(d.id.clone(), m.uai.clone())));
    Item {
        reference: d.reference.clone(),
        date: when(&d.cree_le),
        age_days: age_days(&d.cree_le, now),
        action: described.action,
        entreprise: d.entreprise_nom.clone(),
        commune: d.commune_nom.clone(),
        via: d.partenaire.clone(),
        // Who really has it (« Transmise au lycée … » when one), as the
        // company reads it on its follow-up page.
        statut: crate::requests::views::status_words(
            index,
            d,
            &told.iter().map(|r| view_of(index, r)).collect::<Vec<_>>(),
        ),
        mine: mine.as_ref().map(|m| (m.nom.clone(), m.role_label().to_string(), m.statut_label().to_string())),
        responsable: described.responsable,
        others: told
            .iter()
            .filter(|r| mine.as_ref().is_none_or(|m| m.uai != r.uai))
            .map(|r| {
                let v = view_of(index, r);
                format!("{} — {}, {}", v.nom, v.role_label(), v.statut_label())
            })
            .collect(),
        escalated: open && d.escalade_le.is_some() && d.responsable_uai.is_none(),
        unread,
    }
}

/// The lines of these requests for the person: their told recipients and
/// unread marks read in one query each.
async fn lines_of(
    state: &AppState,
    agent: &Agent,
    demandes: Vec<DemandeRow>,
) -> Result<Vec<(DemandeRow, Item)>, PageError> {
    let db = &state.requests.db;
    let ids: Vec<String> = demandes.iter().map(|d| d.id.clone()).collect();
    let mut by_request: HashMap<String, Vec<DestinataireRow>> = HashMap::new();
    for r in store::told_of(db, &ids).await? {
        by_request.entry(r.demande_id.clone()).or_default().push(r);
    }
    let unread: HashSet<(String, String)> = store::unread_of(db, &ids).await?.into_iter().collect();
    let index = state.search.index();
    let now = state.clock.now();
    Ok(demandes
        .into_iter()
        .map(|d| {
            let recips = by_request.remove(&d.id).unwrap_or_default();
            let it = item(&index, agent, &d, &recips, &unread, now);
            (d, it)
        })
        .collect())
}

/// What the export lists: every open request of the person's perimeter
/// and the latest ended ones, newest first.
async fn export_lines(state: &AppState, agent: &Agent) -> Result<Vec<(DemandeRow, Item)>, PageError> {
    let db = &state.requests.db;
    let mut demandes = store::inbox(db, &perimeter(agent), true, OPEN_LIMIT).await?;
    demandes.extend(store::inbox(db, &perimeter(agent), false, ENDED_LIMIT).await?);
    demandes.sort_by(|a, b| b.cree_le.cmp(&a.cree_le).then_with(|| b.reference.cmp(&a.reference)));
    lines_of(state, agent, demandes).await
}

#[derive(Template)]
#[template(path = "espace.html")]
struct InboxPage {
    chrome: Chrome,
    csrf: String,
    who: String,
    role_label: String,
    /// The person's lycées: code, name, and the companies' word on the
    /// requests it led (its average, never a person's).
    lycees: Vec<(String, String, String)>,
    tab: String,
    tabs: Vec<(&'static str, &'static str, i64)>,
    /// Coordinators and administrators bring people in.
    manager: bool,
    items: Vec<Item>,
    /// « Demandes 51 à 100 sur 340 », when the tab has several pages.
    range: Option<String>,
    pager: Pager,
}

/// The inbox's query. Anything else than a known tab or a page number
/// shows the first page of « À traiter »: a stale bookmark still opens.
#[derive(serde::Deserialize, Default)]
pub struct InboxQuery {
    statut: Option<String>,
    page: Option<String>,
}

/// `GET /espace`.
pub async fn inbox(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Query(q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let tab = q.statut.as_deref().and_then(|t| t.parse().ok()).unwrap_or(InboxTab::ATraiter);
    let of = inbox_of(&agent);
    let db = &state.requests.db;
    let counts = store::inbox_counts(db, &of).await?;
    let total = usize::try_from(counts[InboxTab::ALL.iter().position(|t| *t == tab).unwrap_or(0)]).unwrap_or(0);
    let last = Pager::last(total, PER_PAGE);
    let current = q.page.as_deref().and_then(|p| p.trim().parse::<usize>().ok()).unwrap_or(1).clamp(1, last);
    let offset = i64::try_from((current - 1) * PER_PAGE).unwrap_or(0);
    let shown = store::inbox_page(db, &of, tab, offset, PER_PAGE as i64).await?;
    let range = (total > PER_PAGE).then(|| {
        format!("Demandes {} à {} sur {total}", (current - 1) * PER_PAGE + 1, ((current - 1) * PER_PAGE + shown.len()))
    });
    let items = lines_of(&state, &agent, shown).await?;
    let pager = Pager::new(total, PER_PAGE, current, "Pages de la liste", |n| {
        format!("/espace?statut={}&page={n}", tab.code())
    });
    let tabs = InboxTab::ALL.iter().zip(counts).map(|(t, n)| (t.code(), tab_label(*t), n)).collect();
    let index = state.search.index();
    let ratings = store::satisfaction_by_lycee(&state.requests.db, &agent.lycees).await?;
    let page = InboxPage {
        chrome: Chrome::new("espace"),
        csrf: csrf.token(&state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        lycees: agent
            .lycees
            .iter()
            .map(|u| {
                let name = index.lycee(u).map_or(u.clone(), |l| format!("{}, {}", l.nom, l.commune_nom));
                let word = ratings.iter().find(|(r, _, _)| r == u).map(|(_, avg, n)| rating_words(*avg, *n));
                (u.clone(), name, word.unwrap_or_default())
            })
            .collect(),
        items: items.into_iter().map(|(_, i)| i).collect(),
        tab: tab.code().to_string(),
        tabs,
        range,
        pager,
        manager: agent.role != Role::Rbe,
    };
    Ok(private(render(StatusCode::OK, &page)))
}

/// "4,5 sur 5 (2 avis)".
fn rating_words(average: f64, n: i64) -> String {
    format!("{} sur 5 ({n} avis)", format!("{average:.1}").replace('.', ","))
}

/// A line of the request's thread.
pub struct Line {
    pub when: String,
    pub who: String,
    pub text: String,
    pub private: bool,
}

fn line(index: &SearchIndex, e: &EventRow) -> Line {
    let lycee = e.uai.as_deref().and_then(|u| index.lycee(u)).map(|l| l.nom.clone());
    use domain::lifecycle::ActorKind;
    let who = match (e.auteur, &e.nom, lycee) {
        (ActorKind::Entreprise, Some(n), _) => format!("{n} (entreprise)"),
        (ActorKind::Entreprise, None, _) => "L'entreprise".to_string(),
        (ActorKind::Systeme, _, _) => "MonLycéePro".to_string(),
        (ActorKind::Coordination, Some(n), _) => format!("{n} (coordination territoriale)"),
        (_, Some(n), Some(l)) => format!("{n} ({l})"),
        (_, Some(n), None) => n.clone(),
        (_, None, Some(l)) => l,
        _ => "MonLycéePro".to_string(),
    };
    Line { when: when(&e.cree_le), who, text: e.texte.clone(), private: !e.public }
}

#[derive(Template)]
#[template(path = "espace_demande.html")]
struct RequestPage {
    who: String,
    role_label: String,
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    /// The request's id, for the actions.
    id: String,
    reference: String,
    statut: String,
    entreprise: String,
    commune: String,
    /// The partner platform it came through (its embedded form or its
    /// API key): the lycée knows where the company found the service.
    via: Option<String>,
    message: String,
    described: Described,
    recipients: Vec<RecipientView>,
    lines: Vec<Line>,
    /// The person's lycée on the request and its status.
    mine: Option<RecipientView>,
    /// Who the person is on this request, and what they may do now (asked
    /// of the lifecycle itself).
    viewer: Option<Viewer>,
    can: Permissions,
    /// Nobody took it in time: the coordination was told (when).
    escalated: Option<String>,
    /// Who of the coordination chain has it and why, with the lycées that
    /// fit but nobody could write to (for the coordination to call).
    coordination: Option<crate::requests::CoordinationView>,
    /// The person coordinates a territory (enters lycées' addresses).
    coordinating: bool,
    /// The company's word, once the request is closed.
    satisfaction: Option<String>,
    reasons_choices: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    /// What went wrong, not tied to one field (a refusal of the lifecycle,
    /// an expired form).
    error: Option<String>,
    /// Each field's error (summary at the top, message next to the field).
    errors: FieldErrors,
    draft: String,
    /// The hand-over's search of a lycée (name, commune or UAI), and the
    /// lycées found to pick from.
    lycee_q: String,
    lycee_choices: Vec<LyceeChoice>,
    /// The partner that taking this request added to the person's lycée,
    /// while it may still be undone: (id, name).
    added_partner: Option<(String, String)>,
}

/// A lycée to hand a request over to.
pub struct LyceeChoice {
    pub uai: String,
    pub label: String,
}

/// Most lycées listed for a hand-over search.
const CHOICES_LIMIT: usize = 12;

/// The lycées whose name, commune or UAI hold every word of `q`
/// (case- and accent-insensitive), but `except`; at most
/// [`CHOICES_LIMIT`], those of the same académie first.
fn lycee_choices(index: &SearchIndex, q: &str, except: &[&str], academie: Option<&str>) -> Vec<LyceeChoice> {
    let words: Vec<String> = domain::text::fold(q).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<&domain::matching::LyceeCard> = index
        .lycees
        .iter()
        .filter(|l| !except.contains(&l.uai.as_str()))
        .filter(|l| {
            let hay = domain::text::fold(&format!("{} {} {}", l.nom, l.commune_nom, l.uai));
            words.iter().all(|w| hay.split(' ').any(|h| h.starts_with(w.as_str())))
        })
        .collect();
    found.sort_by_key(|l| (l.academie.as_deref() != academie, domain::text::fold(&l.nom), l.uai.clone()));
    found
        .into_iter()
        .take(CHOICES_LIMIT)
        .map(|l| LyceeChoice { uai: l.uai.clone(), label: format!("{} — {} ({})", l.nom, l.commune_nom, l.uai) })
        .collect()
}

/// The request `reference` if the person may see it (else 404, whether it
/// exists or not).
async fn visible(
    state: &AppState,
    agent: &Agent,
    reference: &str,
) -> Result<(DemandeRow, Vec<DestinataireRow>), PageError> {
    if reference.len() > 40 {
        return Err(PageError::NotFound);
    }
    let db = &state.requests.db;
    let d = store::demande_by_reference(db, reference).await?.ok_or(PageError::NotFound)?;
    let recips = store::destinataires(db, &d.id).await?;
    let told = recips.iter().filter(|r| r.role != RecipientRole::Reserve).map(|r| r.uai.as_str());
    if d.statut == RequestStatus::Doublon || !agent.sees_request(d.academie_code.as_deref(), told) {
        return Err(PageError::NotFound);
    }
    Ok((d, recips))
}

/// Who the person is on this request: the business officer of one of its
/// lycées, else (coordinator, administrator) the coordination.
fn viewer_of(agent: &Agent, recips: &[DestinataireRow]) -> Option<Viewer> {
    let mine = recips.iter().find(|r| r.role != RecipientRole::Reserve && agent.lycees.contains(&r.uai));
    match mine {
        Some(r) => Some(Viewer::Lycee(r.uai.clone())),
        None if agent.role != Role::Rbe => Some(Viewer::Coordination),
        None => None,
    }
}

async fn request_page(
    state: &AppState,
    csrf: &CsrfCookie,
    agent: &Agent,
    reference: &str,
) -> Result<RequestPage, PageError> {
    let (d, recips) = visible(state, agent, reference).await?;
    let index = state.search.index();
    let views: Vec<RecipientView> =
        recips.iter().filter(|r| r.role != RecipientRole::Reserve).map(|r| view_of(&index, r)).collect();
    let mine = views.iter().find(|r| agent.lycees.contains(&r.uai)).cloned();
    let events = store::events(&state.requests.db, &d.id).await?;
    let viewer = viewer_of(agent, &recips);
    let lifecycle = crate::requests::lifecycle_state(&d, &recips);
    let can = match &viewer {
        Some(viewer) => domain::lifecycle::permissions(
            &lifecycle,
            viewer,
            state.clock.now(),
            &state.requests.lifecycle_calendar(&index, &d, &lifecycle),
            &state.requests.deadlines,
        ),
        None => Permissions::default(),
    };
    Ok(RequestPage {
        chrome: Chrome::new("espace"),
        crumbs: vec![Crumb::new("Mon espace", "/espace")],
        here: format!("Demande {}", d.reference),
        id: d.id.clone(),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        csrf: csrf.token(state),
        reference: d.reference.clone(),
        statut: d.statut.label().to_string(),
        entreprise: d.entreprise_nom.clone(),
        commune: d.commune_nom.clone(),
        via: d.partenaire.clone(),
        message: d.message.clone(),
        described: describe(&index, &d),
        recipients: views.clone(),
        lines: events.iter().map(|e| line(&index, e)).collect(),
        mine,
        viewer,
        can,
        escalated: d.escalade_le.as_deref().filter(|_| d.statut.is_open() && d.responsable_uai.is_none()).map(when),
        coordination: crate::requests::CoordinationView::of(&index, &d),
        coordinating: agent.role != crate::accounts::Role::Rbe,
        satisfaction: d.satisfaction.map(|s| {
            let comment = d.satisfaction_commentaire.as_deref().map(|c| format!(" — « {c} »")).unwrap_or_default();
            format!("{s} sur 5{comment}")
        }),
        reasons_choices: DeclineReason::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        outcomes: Outcome::ALL.iter().map(|o| (o.code(), o.label())).collect(),
        notice: None,
        error: None,
        errors: FieldErrors::default(),
        draft: String::new(),
        lycee_q: String::new(),
        lycee_choices: Vec::new(),
        added_partner: None,
    })
}

impl RequestPage {
    /// Fills the hand-over's list of lycées for the search `q`.
    fn search_lycees(&mut self, state: &AppState, q: &str, academie: Option<&str>) {
        let q: String = q.trim().chars().take(100).collect();
        let on_request: Vec<&str> = self.recipients.iter().map(|r| r.uai.as_str()).collect();
        self.lycee_choices = lycee_choices(&state.search.index(), &q, &on_request, academie);
        self.lycee_q = q;
    }

    /// Whether the hand-over search was made and found nothing.
    fn nothing_found(&self) -> bool {
        !self.lycee_q.is_empty() && self.lycee_choices.is_empty()
    }

    /// The hand-over's form, when the person may hand over or reassign:
    /// (action, legend, button).
    fn hand_over(&self) -> Option<(&'static str, &'static str, &'static str)> {
        if self.can.can_hand_over {
            Some(("passer", "Passer la main à un autre lycée", "Passer la main"))
        } else if self.can.can_reassign {
            Some(("reaffecter", "Réaffecter la demande à un lycée pilote", "Réaffecter"))
        } else {
            None
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    fait: Option<String>,
    /// The hand-over's search of a lycée.
    lycee_q: Option<String>,
}

/// `GET /espace/demandes/{reference}`.
pub async fn detail(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path(reference): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let mut page = request_page(&state, &csrf, &agent, &reference).await?;
    if let Some(Viewer::Lycee(uai)) = &page.viewer {
        // An officer of the lycée opens it: the company's message is read.
        state.requests.opened_by(&page.id, uai).await.map_err(PageError::from)?;
        if done.fait.as_deref() == Some("prendre") {
            page.added_partner =
                crate::partners::added_by(&state.requests.db, uai, &page.id).await?.map(|p| (p.id, p.nom));
        }
    }
    page.notice = done.fait.and_then(|f| DONE.iter().find(|(a, _)| *a == f)).map(|(_, m)| m.to_string());
    if let Some(q) = done.lycee_q.as_deref() {
        let academie = agent.academie.clone();
        page.search_lycees(&state, q, academie.as_deref());
    }
    Ok(private(render(StatusCode::OK, &page)))
}

/// What is said after each action (the page is reloaded: a refresh does
/// not post twice).
const DONE: [(&str, &str); 9] = [
    ("prendre", "Votre lycée prend la demande en charge ; l'entreprise en est informée."),
    ("decliner", "Votre lycée décline la demande : un autre lycée est sollicité."),
    ("cloturer", "La demande est clôturée ; l'entreprise en est informée."),
    ("ecrire", "Votre message est envoyé à l'entreprise."),
    ("note", "Note ajoutée : seuls les lycées concernés et la coordination la voient."),
    ("passer", "La demande est confiée à l'autre lycée, qui en est informé."),
    ("reaffecter", "La demande est confiée au lycée choisi, qui en est informé."),
    ("rouvrir", "La demande est rouverte ; c'est inscrit à son fil."),
    ("partenaire_retire", "L'entreprise n'est plus dans vos partenaires ; la demande reste prise en charge."),
];

/// `POST /espace/demandes/{reference}/{action}`: prendre, decliner,
/// cloturer, ecrire, note, passer (hand over), reaffecter (coordinator).
pub async fn act(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path((reference, action)): Path<(String, String)>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut page = request_page(&state, &csrf, &agent, &reference).await?;
    if !csrf.accepts_form(&state, &form) {
        page.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &page)));
    }
    let (id, reference) = (page.id.clone(), page.reference.clone());
    let index = state.search.index();
    let now = state.clock.now();
    let person = agent.display_name();
    let Some(viewer) = page.viewer.clone() else { return Err(PageError::NotFound) };
    let by = match &viewer {
        Viewer::Lycee(u) => Actor::Lycee(u.clone()),
        _ => Actor::Coordination,
    };
    let my_uai = by.uai().map(str::to_string);
    let text: String = form.raw("texte").trim().to_string();
    // The field that carries the text in each form.
    let text_field = match action.as_str() {
        "ecrire" => "texte-entreprise",
        "note" => "texte-note",
        _ => "texte-motif",
    };
    let invalid = |mut page: RequestPage, field: &str, message: String, text: String| -> Result<Response, PageError> {
        page.errors.add(field, message);
        page.draft = text;
        Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &page)))
    };
    let needs_text = matches!(action.as_str(), "ecrire" | "note");
    if needs_text && text.is_empty() {
        let message = if action == "ecrire" {
            "Écrivez votre message avant d'envoyer."
        } else {
            "Écrivez votre note avant de l'ajouter."
        };
        return invalid(page, text_field, message.into(), text);
    }
    if text.chars().count() > MAX_TEXT {
        return invalid(page, text_field, format!("Message trop long : {MAX_TEXT} caractères au plus."), text);
    }
    let can = page.can;
    let event = match action.as_str() {
        "prendre" if can.can_take => Event::Take { uai: my_uai.clone().unwrap_or_default() },
        "decliner" if can.can_decline => {
            let Ok(reason) = form.get("motif").parse::<DeclineReason>() else {
                return invalid(page, "motif", "Choisissez la raison pour laquelle vous déclinez.".into(), text);
            };
            if reason == DeclineReason::Autre && text.is_empty() {
                return invalid(
                    page,
                    "texte-motif",
                    "Précisez la raison en quelques mots (« Autre raison »).".into(),
                    text,
                );
            }
            Event::Decline { uai: my_uai.clone().unwrap_or_default(), reason, has_text: !text.is_empty() }
        }
        "cloturer" if can.can_close => {
            let Ok(outcome) = form.get("issue").parse::<Outcome>() else {
                return invalid(page, "issue", "Choisissez l'issue de la demande.".into(), text);
            };
            Event::Close { by: by.clone(), outcome }
        }
        "ecrire" if can.can_write => Event::Write { by: by.clone() },
        "note" if can.can_note => Event::Note { by: by.clone() },
        "rouvrir" if can.can_reopen => Event::Reopen { by: by.clone(), candidates: Vec::new() },
        "passer" | "reaffecter"
            if (action == "passer" && can.can_hand_over) || (action == "reaffecter" && can.can_reassign) =>
        {
            let to = form.get("lycee").trim().to_uppercase();
            if to.parse::<domain::ids::Uai>().is_err() || index.lycee(&to).is_none() {
                let q = form.get("lycee_q");
                page.search_lycees(&state, &q, agent.academie.as_deref());
                let (field, message) = if page.lycee_choices.is_empty() {
                    ("lycee-q", "Cherchez le lycée par son nom, sa commune ou son UAI, puis choisissez-le.")
                } else {
                    ("lycee-choix", "Choisissez le lycée dans la liste.")
                };
                return invalid(page, field, message.into(), text);
            }
            let from = if action == "passer" { my_uai.clone() } else { None };
            Event::HandOver { from, to, crosses_border: false }
        }
        // An action the person may not do here is not theirs to know of.
        _ => return Err(PageError::NotFound),
    };
    let mut act = Action::new(event, &person);
    if !text.is_empty() {
        act = act.with_text(&text);
    }
    let result = state.requests.act(&index, &id, act, now).await;
    state.wake.notify_one();
    match result {
        Ok(_) => Ok(private(Redirect::to(&format!("/espace/demandes/{reference}?fait={action}")).into_response())),
        Err(e @ (AnswerError::Unavailable | AnswerError::Internal)) => Err(if e == AnswerError::Unavailable {
            PageError::Unavailable(e.to_string())
        } else {
            PageError::Internal(e.to_string())
        }),
        Err(e) => {
            let status = e.status();
            let mut page = request_page(&state, &csrf, &agent, &reference).await?;
            if matches!(e, AnswerError::Refused(_)) && matches!(action.as_str(), "passer" | "reaffecter") {
                // About the lycée chosen (the same, already on it…): said
                // next to the list, which is shown again.
                page.search_lycees(&state, &form.get("lycee_q"), agent.academie.as_deref());
                let field = if page.lycee_choices.is_empty() { "lycee-q" } else { "lycee-choix" };
                page.errors.add(field, capitalized_refusal(&e.to_string()));
            } else {
                page.error = Some(format!("Impossible : {e}."));
            }
            page.draft = text;
            Ok(private(render(status, &page)))
        }
    }
}

/// A refusal of the lifecycle as a sentence under a field.
fn capitalized_refusal(why: &str) -> String {
    super::equipe::capitalized(why)
}

/// The requests of the person's perimeter as a table: header and rows
/// (one writer for CSV, one for XLSX).
async fn export_table(state: &AppState, agent: &Agent) -> Result<(Vec<&'static str>, Vec<Vec<String>>), PageError> {
    let mut header = vec![
        "Référence",
        "Date de la demande",
        "Action",
        "Entreprise",
        "SIRET",
        "Contact",
        "Courriel",
        "Téléphone",
        "Commune",
        "Statut",
        "Responsable",
        "Mon lycée",
        "Mon rôle",
        "Mon statut",
    ];
    header.extend(DETAILS_HEADER);
    let index = state.search.index();
    let rows = export_lines(state, agent)
        .await?
        .into_iter()
        .map(|(d, i)| {
            let (mine, role, statut) = i.mine.clone().unwrap_or_default();
            let mut row = vec![
                d.reference.clone(),
                crate::requests::day_of(&d.cree_le),
                i.action.clone(),
                d.entreprise_nom.clone(),
                d.entreprise_siret.clone().unwrap_or_default(),
                format!("{} {}", d.contact_prenom, d.contact_nom),
                d.contact_email.clone(),
                d.contact_telephone.clone().unwrap_or_default(),
                d.commune_nom.clone(),
                i.statut.clone(),
                i.responsable.clone().unwrap_or_default(),
                mine,
                role,
                statut,
            ];
            row.extend(details_row(&index, &d));
            row
        })
        .collect();
    Ok((header, rows))
}

/// What every export of requests says of each one beyond its reference
/// and status (the workspace's and the territory's).
pub const DETAILS_HEADER: [&str; 8] = [
    "Métiers",
    "Niveaux",
    "Nombre d'élèves",
    "Début de la période",
    "Fin de la période",
    "Date de prise en charge",
    "Issue",
    "Date de fin",
];

/// The cells of [`DETAILS_HEADER`] for request `d` (dates JJ/MM/AAAA).
pub fn details_row(index: &SearchIndex, d: &DemandeRow) -> Vec<String> {
    let day = |t: Option<&str>| t.map(crate::requests::day_of).unwrap_or_default();
    let levels: Vec<&str> =
        d.niveaux.split(',').filter_map(domain::Niveau::from_code).map(domain::Niveau::label).collect();
    vec![
        describe(index, d).jobs,
        levels.join(", "),
        d.nombre_eleves.map(|n| n.to_string()).unwrap_or_default(),
        d.periode_debut.as_deref().map(domain::text::short_date).unwrap_or_default(),
        d.periode_fin.as_deref().map(domain::text::short_date).unwrap_or_default(),
        day(d.pris_le.as_deref()),
        d.outcome().map(|o| o.label().to_string()).unwrap_or_default(),
        day(d.termine_le.as_deref()),
    ]
}

/// A table as a download: `csv` (UTF-8 with BOM, semicolons: what French
/// Excel opens) or `xlsx`; `name` without extension. Shared by every
/// export of the workspace.
pub fn table_download(header: &[&str], rows: &[Vec<String>], ext: &str, name: &str) -> Result<Response, PageError> {
    let disposition = |ext: &str| {
        HeaderValue::from_str(&format!("attachment; filename=\"{name}.{ext}\""))
            .map_err(|_| PageError::Internal("nom de fichier".into()))
    };
    let mut res = match ext {
        "csv" => {
            let mut out = String::from("\u{feff}");
            out.push_str(&header.join(";"));
            out.push_str("\r\n");
            for cells in rows {
                out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(";"));
                out.push_str("\r\n");
            }
            let mut res = out.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            res
        }
        "xlsx" => {
            let bytes = workbook(header, rows).map_err(|e| PageError::Internal(format!("classeur : {e}")))?;
            let mut res = bytes.into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            );
            res
        }
        _ => return Err(PageError::NotFound),
    };
    res.headers_mut().insert(header::CONTENT_DISPOSITION, disposition(ext)?);
    Ok(private(res))
}

/// `GET /espace/demandes.csv`: the requests of the person's perimeter,
/// for a spreadsheet.
pub async fn csv(State(state): State<AppState>, SignedIn(agent): SignedIn) -> Result<Response, PageError> {
    let (header, rows) = export_table(&state, &agent).await?;
    table_download(&header, &rows, "csv", "demandes-monlyceepro")
}

/// `GET /espace/demandes.xlsx`: the same table as an Excel workbook.
pub async fn xlsx(State(state): State<AppState>, SignedIn(agent): SignedIn) -> Result<Response, PageError> {
    let (header, rows) = export_table(&state, &agent).await?;
    table_download(&header, &rows, "xlsx", "demandes-monlyceepro")
}

/// A one-sheet workbook: a bold header row, frozen, then the rows as text
/// (a text cell is never evaluated as a formula).
pub fn workbook(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Demandes")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, 18)?;
    }
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, v)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// One CSV cell: quoted when needed, and never read as a formula by a
/// spreadsheet (a company name may start with "=").
pub fn csv_cell(value: &str) -> String {
    let v = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if v.contains([';', '"', '\n', '\r', ',']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_cell("Dupont"), "Dupont");
        assert_eq!(csv_cell("a;b"), "\"a;b\"");
        assert_eq!(csv_cell("dit \"oui\""), "\"dit \"\"oui\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+33 4"), "'+33 4");
    }
}
