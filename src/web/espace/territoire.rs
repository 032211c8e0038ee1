//! `/espace/territoire`: a coordinator's territory (an administrator's, the
//! whole country or one académie). Its requests — the escalated and the
//! late first — with filters, reassignment of several at once and exports;
//! every lycée's answers; the coverage gaps; a map drawn as SVG with the
//! same figures in a table. Business officers get a 404.

use super::{SignedIn, private};
use crate::accounts::{Agent, Role};
use crate::requests::Action;
use crate::storage::territory::{Filters, Scope};
use crate::territory::{AcademieLine, Dashboard, LyceeLine, RequestLine};
use crate::web::AppState;
use crate::web::api::Params;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::PostedForm;
use crate::web::layout::{Chrome, Crumb};
use askama::Template;
use axum::extract::{Extension, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ActionType;
use domain::lifecycle::Event;

/// The territory of a person (404 for a business officer); an
/// administrator may pick an académie (`academie`, code or name).
pub(super) fn scope_of(state: &AppState, agent: &Agent, params: &Params) -> Result<Scope, PageError> {
    match agent.role {
        Role::Rbe => Err(PageError::NotFound),
        Role::Coordinateur => Ok(match &agent.academie {
            Some(code) => Scope::Academie(code.clone(), agent.lycees.clone()),
            None => Scope::Lycees(agent.lycees.clone()),
        }),
        Role::Admin => {
            let index = state.search.index();
            Ok(match params.text("academie").filter(|a| !a.is_empty()) {
                Some(a) => {
                    let folded = domain::text::fold(a);
                    let found = index
                        .academies
                        .values()
                        .find(|(code, nom)| code == a || domain::text::fold(nom) == folded)
                        .map(|(code, _)| code.clone());
                    Scope::Academie(found.ok_or(PageError::BadRequest("Académie inconnue.".into()))?, Vec::new())
                }
                None => Scope::National,
            })
        }
    }
}

/// "2026-03" → the first instant of that month in Paris time (as the
/// public statistics count months); `next` → of the month after.
/// "03/2026" is read too: a text field (a month picker cannot be typed
/// into with the keyboard alone in every browser) takes what people write.
fn month_start(month: &str, next: bool) -> Option<String> {
    let month = month.trim();
    let m = domain::stats::Month::parse(month).or_else(|| {
        let (mm, yyyy) = month.split_once('/')?;
        domain::stats::Month::parse(&format!("{yyyy}-{mm:0>2}"))
    })?;
    Some(crate::clock::to_rfc3339(if next { m.plus(1) } else { m }.start()))
}

/// The filters of the query string; a wrong value is a message.
fn filters_of(params: &Params, lycees: &[&domain::matching::LyceeCard]) -> Result<Filters, String> {
    let mut f = Filters::default();
    if let Some(a) = params.text("action").filter(|a| !a.is_empty()) {
        ActionType::from_code(a).ok_or("Type de demande inconnu.")?;
        f.action = Some(a.to_string());
    }
    if let Some(d) = params.text("domaine").filter(|d| !d.is_empty()) {
        let d = d.trim().to_uppercase();
        let ok = d.len() == 3 && d.as_bytes()[0].is_ascii_uppercase() && d[1..].chars().all(|c| c.is_ascii_digit());
        if !ok {
            return Err("Domaine professionnel : une lettre et deux chiffres, par exemple F16.".into());
        }
        f.domain = Some(d);
    }
    if let Some(u) = params.text("lycee").filter(|u| !u.is_empty()) {
        let u = u.trim().to_uppercase();
        if !lycees.iter().any(|l| l.uai == u) {
            return Err("Ce lycée n'est pas de votre territoire.".into());
        }
        f.lycee = Some(u);
    }
    if let Some(m) = params.text("du").filter(|m| !m.is_empty()) {
        f.from =
            Some(month_start(m, false).ok_or("Période : un mois au format AAAA-MM ou MM/AAAA, par exemple 2026-01.")?);
    }
    if let Some(m) = params.text("au").filter(|m| !m.is_empty()) {
        f.until =
            Some(month_start(m, true).ok_or("Période : un mois au format AAAA-MM ou MM/AAAA, par exemple 2026-06.")?);
    }
    Ok(f)
}

/// A lycée line as shown.
pub struct LyceeRow {
    pub uai: String,
    pub nom: String,
    pub commune: String,
    pub received: usize,
    pub taken: usize,
    pub share: String,
    pub median: String,
    pub declined: String,
    pub outcomes: String,
    pub satisfaction: String,
    pub officer: bool,
    pub address: bool,
}

fn percent(share: Option<f64>) -> String {
    share.map_or("—".into(), |s| format!("{} %", (s * 100.0).round()))
}

fn hours(h: Option<f64>) -> String {
    match h {
        None => "—".into(),
        Some(h) if h < 48.0 => format!("{} h", h.round()),
        Some(h) => format!("{} j", (h / 24.0).round()),
    }
}

fn satisfaction(s: Option<(f64, usize)>) -> String {
    s.map_or("—".into(), |(avg, n)| format!("{avg:.1} sur 5 ({n})").replace('.', ","))
}

fn outcomes(o: &std::collections::BTreeMap<domain::lifecycle::Outcome, usize>) -> String {
    o.iter().map(|(o, n)| format!("{} : {n}", o.label().to_lowercase())).collect::<Vec<_>>().join(", ")
}

fn lycee_row(l: &LyceeLine) -> LyceeRow {
    LyceeRow {
        uai: l.uai.clone(),
        nom: l.nom.clone(),
        commune: l.commune.clone(),
        received: l.received,
        taken: l.taken,
        share: percent(l.share_taken()),
        median: hours(l.median_hours),
        declined: if l.declined == 0 {
            "0".into()
        } else {
            format!(
                "{} ({})",
                l.declined,
                l.reasons.iter().map(|(r, n)| format!("{} : {n}", r.to_lowercase())).collect::<Vec<_>>().join(", ")
            )
        },
        outcomes: outcomes(&l.outcomes),
        satisfaction: satisfaction(l.satisfaction),
        officer: l.has_officer,
        address: l.has_address,
    }
}

/// An académie line as shown (national view).
pub struct AcademieRow {
    pub code: String,
    pub nom: String,
    pub lycees: usize,
    pub unreachable: usize,
    pub received: usize,
    pub share: String,
    pub median: String,
    pub declined: usize,
    pub outcomes: String,
    pub satisfaction: String,
}

fn academie_row(a: &AcademieLine) -> AcademieRow {
    AcademieRow {
        code: a.code.clone(),
        nom: a.nom.clone(),
        lycees: a.lycees,
        unreachable: a.unreachable,
        received: a.received,
        share: percent(a.share_taken()),
        median: hours(a.median_hours),
        declined: a.declined,
        outcomes: outcomes(&a.outcomes),
        satisfaction: satisfaction(a.satisfaction),
    }
}

/// A request line as shown.
pub struct RequestRow {
    pub reference: String,
    pub date: String,
    /// Empty for an ended request.
    pub working_days: String,
    pub action: String,
    pub entreprise: String,
    pub commune: String,
    pub statut: String,
    pub responsable: String,
    pub escalated: bool,
    pub late: bool,
    /// Nobody took it: it may be reassigned.
    pub reassignable: bool,
}

fn request_row(index: &crate::search::SearchIndex, l: &RequestLine) -> RequestRow {
    let d = &l.row;
    RequestRow {
        reference: d.reference.clone(),
        date: crate::requests::day_of(&d.cree_le),
        working_days: l.working_days.map_or_else(|| "—".to_string(), |w| w.to_string()),
        action: ActionType::from_code(&d.action).map_or("Autre besoin", ActionType::label).to_string(),
        entreprise: d.entreprise_nom.clone(),
        commune: d.commune_nom.clone(),
        statut: d.statut.label().to_string(),
        responsable: d.responsable_uai.as_deref().map(|u| crate::requests::lycee_name(index, u)).unwrap_or_default(),
        escalated: l.escalated,
        late: l.late,
        reassignable: d.statut.is_open() && d.responsable_uai.is_none(),
    }
}

/// A mark on the map: a lycée or an académie (a disc shaded by the share
/// of requests it takes), or a commune companies asked from (a square).
pub struct Mark {
    pub x: f64,
    pub y: f64,
    pub fill: &'static str,
    pub title: String,
    pub square: bool,
}

/// The map's size (SVG units).
const MAP_W: f64 = 640.0;
const MAP_H: f64 = 560.0;

/// DSFR's success, warning and error colours by share taken; grey without
/// requests yet. The shade is never the only carrier: each mark has its
/// figures as a title, and the tables below give them all.
fn shade(share: Option<f64>) -> &'static str {
    match share {
        // 5.3:1 on the map's background (#929292 was 2.9:1, RGAA 3.3).
        None => "#666666",
        Some(s) if s >= 0.7 => "#18753c",
        Some(s) if s >= 0.4 => "#b34000",
        Some(_) => "#ce0500",
    }
}

/// Whether a position is in metropolitan France (with Corsica): the
/// national map draws it alone, overseas académies are in its table.
fn metropolitan(p: &domain::Position) -> bool {
    (41.0..52.0).contains(&p.lat) && (-5.5..10.0).contains(&p.lon)
}

/// Places `marks` on an equirectangular projection of their bounding box
/// (good enough at the scale of an académie, overseas ones included, or of
/// metropolitan France).
fn project(marks: Vec<(domain::Position, Mark)>) -> Vec<Mark> {
    if marks.is_empty() {
        return Vec::new();
    }
    let (mut la0, mut la1, mut lo0, mut lo1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for (p, _) in &marks {
        la0 = la0.min(p.lat);
        la1 = la1.max(p.lat);
        lo0 = lo0.min(p.lon);
        lo1 = lo1.max(p.lon);
    }
    let k = ((la0 + la1) / 2.0).to_radians().cos();
    let (w, h) = (((lo1 - lo0) * k).max(0.05), (la1 - la0).max(0.05));
    let scale = ((MAP_W - 40.0) / w).min((MAP_H - 40.0) / h);
    let (ox, oy) = ((MAP_W - w * scale) / 2.0, (MAP_H - h * scale) / 2.0);
    let round = |v: f64| (v * 10.0).round() / 10.0;
    marks
        .into_iter()
        .map(|(p, m)| Mark { x: round(ox + (p.lon - lo0) * k * scale), y: round(oy + (la1 - p.lat) * scale), ..m })
        .collect()
}

/// What the map shows and where the same figures are in text.
fn map_caption(national: bool) -> String {
    let shades = "Disques verts : 70 % des demandes prises ou plus ; orange : de 40 à 70 % ; rouge : moins de 40 % ; gris : aucune demande reçue.";
    if national {
        format!(
            "{shades} Les académies d'outre-mer ne sont pas dessinées ; le tableau des académies donne les chiffres de toutes."
        )
    } else {
        format!(
            "{shades} Carrés bleus : les communes des entreprises qui ont demandé. Le tableau des lycées et celui des communes donnent les mêmes chiffres."
        )
    }
}

/// "1 prise sur 3 reçues", each count agreeing with its noun.
fn taken_of(taken: usize, received: usize) -> String {
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    format!(
        "{} sur {}",
        domain::text::count_of(n(taken), "prise", "prises"),
        domain::text::count_of(n(received), "reçue", "reçues")
    )
}

/// The marks of a territory: its lycées and the communes of its requests;
/// for the whole country, one disc per metropolitan académie.
fn map_marks(national: bool, lycees: &[LyceeLine], academies: &[AcademieLine], d: &Dashboard) -> Vec<Mark> {
    let mut marks: Vec<(domain::Position, Mark)> = Vec::new();
    if national {
        for a in academies {
            let Some(p) = a.position.filter(metropolitan) else { continue };
            let title = format!("Académie {} : {}", domain::text::of_place(&a.nom), taken_of(a.taken, a.received));
            marks.push((p, Mark { x: 0.0, y: 0.0, fill: shade(a.share_taken()), title, square: false }));
        }
        return project(marks);
    }
    for c in &d.communes {
        let Some(p) = c.position else { continue };
        let title = format!(
            "{} : {}",
            c.nom,
            domain::text::count_of(i64::try_from(c.requests).unwrap_or(i64::MAX), "demande", "demandes")
        );
        marks.push((p, Mark { x: 0.0, y: 0.0, fill: "#000091", title, square: true }));
    }
    for l in lycees {
        let Some(p) = l.position else { continue };
        let title = format!("{} ({}) : {}", l.nom, l.commune, taken_of(l.taken, l.received));
        marks.push((p, Mark { x: 0.0, y: 0.0, fill: shade(l.share_taken()), title, square: false }));
    }
    project(marks)
}

#[derive(Template)]
#[template(path = "territoire.html")]
struct TerritoryPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    who: String,
    role_label: String,
    csrf: String,
    title: String,
    admin: bool,
    national: bool,
    /// The filters as given, for the form and the export links.
    query: String,
    academie: String,
    action: String,
    domaine: String,
    lycee: String,
    du: String,
    au: String,
    actions: Vec<(&'static str, &'static str)>,
    academies: Vec<(String, String)>,
    lycee_choices: Vec<(String, String)>,
    tri: String,
    requests: Vec<RequestRow>,
    truncated: bool,
    lycees: Vec<LyceeRow>,
    academie_rows: Vec<AcademieRow>,
    gaps: Vec<(String, String, String, usize)>,
    unreachable: Vec<(String, String)>,
    marks: Vec<Mark>,
    /// The map's caption, also its figure's `aria-label` (RGAA 1.9.1).
    map_caption: String,
    /// The communes of the requests (name, requests), for the map's table.
    communes: Vec<(String, usize)>,
    sorts: Vec<(&'static str, String, bool)>,
    map_w: f64,
    map_h: f64,
    error: Option<String>,
    /// The reassignment form's field errors (`reaffecter-lycee`,
    /// `choix-demandes`).
    errors: super::FieldErrors,
    notice: Option<String>,
}

/// The sort orders of the lycées' table: (code, label).
const SORTS: [(&str, &str); 5] = [
    ("taux", "part prise (la plus faible d'abord)"),
    ("recues", "demandes reçues"),
    ("delai", "délai (le plus long d'abord)"),
    ("avis", "avis (le moins bon d'abord)"),
    ("nom", "nom"),
];

fn sort_lycees(lycees: &mut [LyceeLine], by: &str) {
    let none_last = |v: Option<f64>| v.unwrap_or(f64::INFINITY);
    match by {
        "nom" => lycees.sort_by(|a, b| a.nom.cmp(&b.nom)),
        "recues" => lycees.sort_by(|a, b| b.received.cmp(&a.received).then(a.nom.cmp(&b.nom))),
        // The slowest first, those that never took one last.
        "delai" => lycees.sort_by(|a, b| {
            let longest_first = |v: Option<f64>| v.map_or(f64::INFINITY, |h| -h);
            longest_first(a.median_hours).total_cmp(&longest_first(b.median_hours)).then(a.nom.cmp(&b.nom))
        }),
        // The least satisfying first, those without any word last.
        "avis" => lycees.sort_by(|a, b| {
            none_last(a.satisfaction.map(|s| s.0))
                .total_cmp(&none_last(b.satisfaction.map(|s| s.0)))
                .then(a.nom.cmp(&b.nom))
        }),
        // Weakest first: the lycées a coordinator should call.
        _ => lycees.sort_by(|a, b| {
            none_last(a.share_taken())
                .total_cmp(&none_last(b.share_taken()))
                .then(b.received.cmp(&a.received))
                .then(a.nom.cmp(&b.nom))
        }),
    }
}

/// The links that sort the lycées' table: the same filters (académie
/// included), another order: (label, href, current).
fn sort_links(params: &Params, tri: &str) -> Vec<(&'static str, String, bool)> {
    let kept: Vec<(&str, &str)> = ["academie", "action", "domaine", "lycee", "du", "au"]
        .into_iter()
        .filter_map(|k| params.text(k).filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
    SORTS
        .iter()
        .map(|(code, label)| {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("tri", code);
            for (k, v) in &kept {
                q.append_pair(k, v);
            }
            (*label, format!("/espace/territoire?{}#lycees", q.finish()), *code == tri)
        })
        .collect()
}

async fn page(
    state: &AppState,
    csrf: &CsrfCookie,
    agent: &Agent,
    raw: Option<&str>,
) -> Result<(TerritoryPage, std::sync::Arc<Dashboard>, Scope), PageError> {
    let params = Params::parse(raw);
    let scope = scope_of(state, agent, &params)?;
    let index = state.search.index();
    let cards = crate::territory::lycees_of(&index, &scope);
    let (filters, error) = match filters_of(&params, &cards) {
        Ok(f) => (f, None),
        Err(e) => (Filters::default(), Some(e)),
    };
    let dashboard = crate::territory::cached_dashboard(
        &state.dashboards,
        &state.requests,
        &index,
        &scope,
        &filters,
        state.clock.now(),
    )
    .await?;
    let tri = params.text("tri").filter(|t| SORTS.iter().any(|(c, _)| c == t)).unwrap_or("taux").to_string();
    let mut lycees = dashboard.lycees.clone();
    sort_lycees(&mut lycees, &tri);
    let title = match &scope {
        Scope::National => "Le territoire national".to_string(),
        Scope::Academie(code, _) => {
            let nom = index.academies.values().find(|(c, _)| c == code).map_or(code.clone(), |(_, n)| n.clone());
            format!("Académie {}", domain::text::of_place(&nom))
        }
        Scope::Lycees(uais) => format!("Mon bassin ({} lycées)", uais.len()),
    };
    let national = scope == Scope::National;
    let domain_labels: std::collections::HashMap<String, String> =
        crate::storage::catalogue::domaines(&state.requests.db)
            .await?
            .into_iter()
            .map(|d| (d.code, d.libelle))
            .collect();
    let academie_lines = if national { crate::territory::by_academie(&index, &lycees) } else { Vec::new() };
    let mut academies: Vec<(String, String)> = index.academies.values().cloned().collect();
    academies.sort_by(|a, b| a.1.cmp(&b.1));
    academies.dedup();
    let page = TerritoryPage {
        chrome: Chrome::new("espace"),
        crumbs: vec![Crumb::new("Mon espace", "/espace")],
        here: "Mon territoire".into(),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        csrf: csrf.token(state),
        title,
        admin: agent.role == Role::Admin,
        national,
        query: raw.unwrap_or_default().to_string(),
        academie: params.text("academie").unwrap_or_default().to_string(),
        action: filters.action.clone().unwrap_or_default(),
        domaine: filters.domain.clone().unwrap_or_default(),
        lycee: filters.lycee.clone().unwrap_or_default(),
        du: params.text("du").unwrap_or_default().to_string(),
        au: params.text("au").unwrap_or_default().to_string(),
        actions: ActionType::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        academies,
        lycee_choices: {
            let mut c: Vec<(String, String)> =
                cards.iter().map(|l| (l.uai.clone(), format!("{}, {}", l.nom, l.commune_nom))).collect();
            c.sort_by(|a, b| a.1.cmp(&b.1));
            c
        },
        tri: tri.clone(),
        requests: dashboard.requests.iter().map(|l| request_row(&index, l)).collect(),
        truncated: dashboard.truncated,
        lycees: lycees.iter().map(lycee_row).collect(),
        academie_rows: academie_lines.iter().map(academie_row).collect(),
        gaps: dashboard
            .gaps
            .iter()
            .map(|g| {
                let domain = g.domain.as_ref().map_or("(sans métier)".to_string(), |d| {
                    domain_labels.get(d).map_or(d.clone(), |l| format!("{d} — {l}"))
                });
                (g.action.label().to_string(), domain, g.commune_nom.clone(), g.requests)
            })
            .collect(),
        unreachable: lycees
            .iter()
            .filter(|l| !l.reachable())
            .map(|l| (l.uai.clone(), format!("{}, {}", l.nom, l.commune)))
            .collect(),
        marks: map_marks(national, &lycees, &academie_lines, &dashboard),
        map_caption: map_caption(national),
        communes: dashboard.communes.iter().map(|c| (c.nom.clone(), c.requests)).collect(),
        sorts: sort_links(&params, &tri),
        map_w: MAP_W,
        map_h: MAP_H,
        error,
        errors: super::FieldErrors::default(),
        notice: None,
    };
    Ok((page, dashboard, scope))
}

/// `GET /espace/territoire`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (mut p, _, _) = page(&state, &csrf, &agent, raw.as_deref()).await?;
    let params = Params::parse(raw.as_deref());
    if let (Some(done), Some(failed)) = (params.text("reaffectees"), params.text("echecs")) {
        p.notice = Some(format!(
            "{} ; {} (déjà prises, ou closes).",
            domain::text::count_of(done.parse().unwrap_or(0), "demande réaffectée", "demandes réaffectées"),
            domain::text::count_of(failed.parse().unwrap_or(0), "n'a pas pu l'être", "n'ont pas pu l'être")
        ));
    }
    let status = if p.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(private(render(status, &p)))
}

/// `POST /espace/territoire/reaffecter`: the requests checked (`ref`, any
/// number) go to lycée `lycee` as the one that coordinates the answer —
/// each through the request lifecycle, which refuses those taken since.
pub async fn reassign(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    form: PostedForm,
) -> Result<Response, PageError> {
    let (mut p, dashboard, _) = page(&state, &csrf, &agent, None).await?;
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    let index = state.search.index();
    let to = form.get("lycee").trim().to_uppercase();
    if to.parse::<domain::ids::Uai>().is_err() || index.lycee(&to).is_none() {
        p.errors.add(
            "reaffecter-lycee",
            "Lycée inconnu : donnez son UAI (7 chiffres et une lettre, par exemple 0690043X).",
        );
    } else if !crate::storage::reach::reachable(&state.requests.db, &to).await? {
        p.errors.add(
            "reaffecter-lycee",
            "Personne ne peut être joint dans ce lycée : indiquez d'abord l'adresse de son bureau des entreprises \
             (page « Adresses des lycées »).",
        );
    }
    let refs = form.all("ref");
    if refs.is_empty() {
        p.errors.add("choix-demandes", "Cochez au moins une demande à réaffecter.");
    }
    if !p.errors.is_empty() {
        return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)));
    }
    let (mut done, mut failed) = (0, 0);
    for reference in refs {
        // Only requests of the territory (else it is as if they did not exist).
        let Some(line) = dashboard.requests.iter().find(|l| l.row.reference == reference) else {
            failed += 1;
            continue;
        };
        let event = Event::HandOver { from: None, to: to.clone(), crosses_border: false };
        let action = Action::new(event, &agent.display_name());
        match state.requests.act(&index, &line.row.id, action, state.clock.now()).await {
            Ok(_) => done += 1,
            Err(crate::requests::AnswerError::Unavailable) => {
                return Err(PageError::Unavailable("réaffectation".into()));
            }
            // A fault is not "already taken": it must show as one.
            Err(crate::requests::AnswerError::Internal) => {
                return Err(PageError::Internal(format!("réaffectation de la demande {reference}")));
            }
            Err(crate::requests::AnswerError::Unknown | crate::requests::AnswerError::Refused(_)) => failed += 1,
        }
    }
    state.wake.notify_one();
    Ok(private(Redirect::to(&format!("/espace/territoire?reaffectees={done}&echecs={failed}")).into_response()))
}

/// The requests of the dashboard as a table (CSV and XLSX).
fn requests_table(index: &crate::search::SearchIndex, d: &Dashboard) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let mut header = vec![
        "Référence",
        "Date",
        "Attente (jours ouvrés)",
        "Action",
        "Entreprise",
        "Commune",
        "Statut",
        "Responsable",
        "Signalée",
        "En retard",
    ];
    header.extend(super::demandes::DETAILS_HEADER);
    let rows = d
        .requests
        .iter()
        .map(|l| {
            let r = request_row(index, l);
            let mut row = vec![
                r.reference,
                r.date,
                r.working_days,
                r.action,
                r.entreprise,
                r.commune,
                r.statut,
                r.responsable,
                if r.escalated { "oui" } else { "non" }.into(),
                if r.late { "oui" } else { "non" }.into(),
            ];
            row.extend(super::demandes::details_row(index, &l.row));
            row
        })
        .collect();
    (header, rows)
}

/// The lycées of the dashboard as a table (CSV and XLSX).
fn lycees_table(d: &Dashboard) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let header = vec![
        "UAI",
        "Lycée",
        "Commune",
        "Reçues",
        "Prises",
        "Part prise",
        "Délai médian",
        "Déclinées (motifs)",
        "Issues",
        "Avis des entreprises",
        "Référent inscrit",
        "Adresse électronique connue",
    ];
    let rows = d
        .lycees
        .iter()
        .map(lycee_row)
        .map(|r| {
            vec![
                r.uai,
                r.nom,
                r.commune,
                r.received.to_string(),
                r.taken.to_string(),
                r.share,
                r.median,
                r.declined,
                r.outcomes,
                r.satisfaction,
                if r.officer { "oui" } else { "non" }.into(),
                if r.address { "oui" } else { "non" }.into(),
            ]
        })
        .collect();
    (header, rows)
}

/// `GET /espace/territoire/{demandes|lycees}.{csv|xlsx}` with the filters of
/// the page.
pub async fn export(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    axum::extract::Path(file): axum::extract::Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (_, dashboard, _) = page(&state, &csrf, &agent, raw.as_deref()).await?;
    let index = state.search.index();
    let (name, ext) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    let (header, rows) = match name {
        "demandes" => requests_table(&index, &dashboard),
        "lycees" => lycees_table(&dashboard),
        _ => return Err(PageError::NotFound),
    };
    super::demandes::table_download(&header, &rows, ext, &format!("territoire-{name}"))
}
