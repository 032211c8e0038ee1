//! The public statistics (issue 11, API.md "Public statistics"):
//! `GET /api/v1/statistiques` (JSON, or CSV with `Accept: text/csv`),
//! `GET /api/v1/statistiques.csv`, the open-data file
//! `GET /statistiques/donnees.csv` (stable URL, the whole history by
//! default) and the page `/statistiques` (charts drawn as SVG with their
//! tables, filters as a plain GET form).
//!
//! The figures come from `crate::stats` (one computation, cached a short
//! while); this module parses the filters — every mistake named by its
//! parameter, never a 5xx — and presents.

use super::AppState;
use super::api::{Params, clip};
use super::charts::{self, Chart, Item};
use super::error::{ApiError, PageError, render};
use super::layout::{Chrome, Crumb};
use crate::stats::csv::{COLUMNS, Column};
use crate::stats::{self, Answer, Query};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::ActionType;
use domain::lifecycle::Outcome;
use domain::stats::{Figures, MAX_MONTHS, Month, Period, PeriodError, Report};
use domain::text::{decimal, percent, thousands};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// The period of a query that names no month.
#[derive(Debug, Clone, Copy)]
enum Default {
    /// The twelve months ending with the current one (API and page).
    Last12Months,
    /// From the first month of activity (the open-data file's history),
    /// at most [`MAX_MONTHS`].
    WholeHistory(Option<Month>),
}

/// Mistakes, by parameter.
type Mistakes = BTreeMap<String, String>;

fn month_param(p: &Params, name: &str, mistakes: &mut Mistakes) -> Option<Month> {
    let v = p.text(name)?;
    let m = Month::parse(v);
    if m.is_none() {
        mistakes.insert(
            name.to_string(),
            format!("mois attendu sous la forme AAAA-MM, par exemple 2026-01 ; reçu « {} »", clip(v)),
        );
    }
    m
}

/// The query the parameters ask for (`du`, `au`: months included;
/// `academie`: a code or a name; `action`: a code).
fn parse(p: &Params, academies: &[(String, String)], now: OffsetDateTime, default: Default) -> Result<Query, Mistakes> {
    let mut mistakes = Mistakes::new();
    let from = month_param(p, "du", &mut mistakes);
    let to = month_param(p, "au", &mut mistakes);
    let academie = p.text("academie").and_then(|v| {
        let found = stats::find_academie(academies, v).map(|(code, _)| code.clone());
        if found.is_none() {
            mistakes.insert(
                "academie".into(),
                format!("académie inconnue : « {} » (un code ou un nom, par exemple Lyon)", clip(v)),
            );
        }
        found
    });
    let action = p.text("action").and_then(|v| {
        let found = ActionType::from_code(v);
        if found.is_none() {
            let codes: Vec<&str> = ActionType::ALL.iter().map(|a| a.code()).collect();
            mistakes.insert(
                "action".into(),
                format!("type d'action inconnu : « {} » (codes : {})", clip(v), codes.join(", ")),
            );
        }
        found
    });
    if !mistakes.is_empty() {
        return Err(mistakes);
    }
    let current = Month::of(now);
    let to = to.unwrap_or(current);
    let from = from.unwrap_or(match default {
        Default::Last12Months => to.plus(-11),
        Default::WholeHistory(first) => first.map_or(to.plus(-11), |f| f.min(to).max(to.plus(1 - MAX_MONTHS))),
    });
    let period = Period::new(from, to).map_err(|e| {
        let field = match e {
            PeriodError::Reversed => "au",
            PeriodError::TooLong => "du",
        };
        Mistakes::from([(field.to_string(), e.to_string())])
    })?;
    Ok(Query { period, academie, action })
}

/// The 400 of the API naming each parameter at fault.
fn api_error(mistakes: Mistakes) -> ApiError {
    let names: Vec<&str> = mistakes.keys().map(String::as_str).collect();
    let message = match mistakes.iter().next() {
        Some((name, why)) if mistakes.len() == 1 => format!("paramètre « {name} » invalide : {why}"),
        _ => format!("paramètres invalides : {}", names.join(", ")),
    };
    let mut e = ApiError::bad_request(message);
    e.champs = mistakes;
    e
}

/// The query and its answer, or the API's 400.
async fn answer(state: &AppState, raw: Option<&str>, default: Default) -> Result<(Query, Arc<Answer>), ApiError> {
    let p = Params::parse(raw);
    let index = state.search.index();
    let academies = stats::academies(&index);
    let now = state.clock.now();
    let q = parse(&p, &academies, now, default).map_err(api_error)?;
    let a = state.stats.answer(&index, &q, now).await?;
    Ok((q, a))
}

/// What `make` gives for answer `a` in the form `what` (a format, a
/// page): kept as long as that answer is the one computed for its query
/// (the same computation, told by its time), so that every reader does
/// not serialise or draw the same figures again.
fn kept<E>(state: &AppState, what: &str, a: &Answer, make: impl FnOnce() -> Result<Bytes, E>) -> Result<Bytes, E> {
    let f = &a.report.filters;
    let key = format!(
        "{what}|{}|{}|{}|{}",
        a.report.period.from,
        a.report.period.to,
        f.academie.as_deref().unwrap_or(""),
        f.action.map_or("", ActionType::code)
    );
    let computation = u64::try_from(a.computed_at.unix_timestamp_nanos()).unwrap_or_default();
    if let Some(b) = state.stats_out.fresh(&key, computation) {
        return Ok(b);
    }
    let b = make()?;
    state.stats_out.insert(key, computation, b.clone());
    Ok(b)
}

/// The JSON of the API: the report and when it was computed.
#[derive(Serialize)]
struct ApiAnswer<'a> {
    #[serde(flatten)]
    report: &'a Report,
    /// When these figures were computed (they are kept a minute).
    calcule_le: String,
}

/// Headers of every public answer: open to any site (open data read by
/// dataviz tools in a browser; nothing private, no cookie), cacheable a
/// minute like the server's own cache.
fn public(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    res
}

fn json(state: &AppState, a: &Answer) -> Result<Response, ApiError> {
    let body = kept(state, "json", a, || {
        serde_json::to_vec(&ApiAnswer { report: &a.report, calcule_le: crate::clock::to_rfc3339(a.computed_at) })
            .map(Bytes::from)
            .map_err(ApiError::internal)
    })?;
    Ok(public(([(header::CONTENT_TYPE, "application/json")], body).into_response()))
}

fn csv(state: &AppState, a: &Answer) -> Response {
    let p = a.report.period;
    let disposition = format!("attachment; filename=\"monlyceepro-statistiques-{}-{}.csv\"", p.from, p.to);
    let body = kept(state, "csv", a, || Ok::<_, std::convert::Infallible>(Bytes::from(stats::csv::write(&a.report))))
        .unwrap_or_else(|never| match never {});
    let mut res = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    public(res)
}

/// Whether the client asked for CSV (`Accept: text/csv`).
fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("text/csv")))
}

/// `GET /api/v1/statistiques`.
pub async fn api(State(state): State<AppState>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let as_csv = wants_csv(&headers);
    let mut res = match answer(&state, raw.as_deref(), Default::Last12Months).await {
        Ok((_, a)) if as_csv => csv(&state, &a),
        Ok((_, a)) => json(&state, &a).unwrap_or_else(IntoResponse::into_response),
        Err(e) => e.into_response(),
    };
    res.headers_mut().insert(header::VARY, HeaderValue::from_static("accept"));
    res
}

/// `GET /api/v1/statistiques.csv`.
pub async fn api_csv(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    Ok(csv(&state, &answer(&state, raw.as_deref(), Default::Last12Months).await?.1))
}

/// `GET /statistiques/donnees.csv`: the open-data file, every month since
/// the first request by default (the same parameters narrow it).
pub async fn open_data(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let first = state.stats.first_month().await?;
    Ok(csv(&state, &answer(&state, raw.as_deref(), Default::WholeHistory(first)).await?.1))
}

/// An option of a select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// A table next to a chart.
struct Table {
    caption: String,
    head: Vec<&'static str>,
    rows: Vec<(String, Vec<String>)>,
}

/// A chart, its table, and a heading.
struct Section {
    id: &'static str,
    title: String,
    chart: Chart,
    table: Table,
}

/// A key figure.
struct KeyFigure {
    value: String,
    label: String,
    detail: Option<String>,
}

#[derive(Template)]
#[template(path = "statistiques.html")]
struct StatsPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    months_from: Vec<Choice>,
    months_to: Vec<Choice>,
    academies: Vec<Choice>,
    actions: Vec<Choice>,
    mistakes: Mistakes,
    /// "de décembre 2025 à novembre 2026, toutes les académies, tous les
    /// types d'action".
    scope: String,
    keys: Vec<KeyFigure>,
    sections: Vec<Section>,
    csv_href: String,
    api_href: String,
    computed_at: String,
    columns: &'static [Column],
    /// The service's reach (`couverture`): one sentence, then a line per
    /// académie.
    coverage: Option<(String, Vec<ReachLine>)>,
}

impl StatsPage {
    fn mistake(&self, field: &str) -> Option<&String> {
        self.mistakes.get(field)
    }
}

/// What pages show for a count withheld in a group of fewer than 5
/// requests.
const SMALL: &str = "< 5";
/// What pages show for a count of a larger group hidden so that no count
/// under 5 can be found by subtraction (decision 41): not "< 5", which
/// could be false.
const MASKED: &str = "masqué";

/// A count of group `f` as pages show it ("1 234", "< 5" when the group is
/// small, "masqué" when hidden against a subtraction).
fn count(f: &Figures, n: Option<u64>) -> String {
    match n {
        Some(n) => thousands(n as i64),
        None if f.small => SMALL.to_string(),
        None => MASKED.to_string(),
    }
}

/// A count and its noun ("1\u{a0}demande", "12\u{a0}demandes", withheld
/// "< 5\u{a0}demandes" or "nombre masqué"): French puts 0 and 1 in the
/// singular.
fn counted(f: &Figures, n: Option<u64>, one: &str, many: &str) -> String {
    match n {
        Some(n) => domain::text::count_of(n as i64, one, many),
        None if f.small => format!("{SMALL}\u{a0}{many}"),
        None => format!("nombre {MASKED}"),
    }
}

/// An académie's reach as the page shows it: name, lycées, reachable
/// lycées, share of requests written directly to a lycée.
type ReachLine = (String, String, String, String);

/// The service's reach, in words and by académie.
fn coverage(c: &domain::stats::Coverage) -> (String, Vec<ReachLine>) {
    let lycees = |n: u64| domain::text::count_of(n as i64, "lycée", "lycées");
    let mut sentence = format!(
        "{} sur {} ont quelqu'un qui lit les demandes de MonLycéePro (un référent inscrit ou une adresse connue).",
        domain::text::capitalise(&lycees(c.reachable)),
        thousands(c.lycees as i64)
    );
    if let Some(share) = c.direct_share {
        sentence.push_str(&format!(
            " {} des demandes de la période ont été écrites directement à un lycée ; les autres sont allées à la \
             coordination de leur académie, qui contacte les lycées.",
            percent(share)
        ));
    }
    let rows = c
        .by_academie
        .iter()
        .map(|a| {
            (a.name.clone(), thousands(a.lycees as i64), thousands(a.reachable as i64), shown(a.direct_share, percent))
        })
        .collect();
    (sentence, rows)
}

/// A rate, median or mean as pages show it (withheld: "non diffusé").
fn shown(x: Option<f64>, format: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "non diffusé".to_string(), format)
}

fn hours(h: f64) -> String {
    format!("{}\u{a0}h", decimal(h, 1))
}

fn row_cells(f: &Figures) -> Vec<String> {
    vec![
        count(f, f.requests),
        count(f, f.taken),
        shown(f.taken_rate, percent),
        shown(f.taken_in_3_days_rate, percent),
        shown(f.median_hours_to_take, hours),
    ]
}

const ROW_HEAD: [&str; 5] =
    ["Demandes", "Prises en charge", "Taux de prise en charge", "Prises en charge en 3 jours ouvrés", "Délai médian"];

fn query_string(q: &Query) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("du", &q.period.from.to_string()).append_pair("au", &q.period.to.to_string());
    if let Some(a) = &q.academie {
        s.append_pair("academie", a);
    }
    if let Some(a) = q.action {
        s.append_pair("action", a.code());
    }
    s.finish()
}

fn key_figures(f: &Figures) -> Vec<KeyFigure> {
    vec![
        KeyFigure { value: count(f, f.requests), label: "demandes d'entreprises".into(), detail: None },
        KeyFigure {
            value: shown(f.taken_rate, percent),
            label: "prises en charge par un lycée".into(),
            detail: Some(counted(f, f.taken, "demande", "demandes")),
        },
        KeyFigure {
            value: shown(f.taken_in_3_days_rate, percent),
            label: "prises en charge en 3 jours ouvrés au plus".into(),
            detail: Some(counted(f, f.taken_in_3_days, "demande", "demandes")),
        },
        KeyFigure {
            value: shown(f.median_hours_to_take, hours),
            label: "délai médian de prise en charge".into(),
            detail: None,
        },
        KeyFigure {
            value: shown(f.satisfaction.mean, |m| format!("{}\u{a0}/\u{a0}5", decimal(m, 1))),
            label: "satisfaction des entreprises".into(),
            detail: Some(counted(f, f.satisfaction.answers, "avis", "avis")),
        },
    ]
}

fn sections(r: &Report) -> Vec<Section> {
    let period = format!("de {} à {}", r.period.from.label(), r.period.to.label());
    let months: Vec<Item> = r
        .by_month
        .iter()
        .enumerate()
        .map(|(i, m)| Item {
            label: domain::text::month_abbreviation(m.month.number()).to_string(),
            sublabel: (i == 0 || m.month.number() == 1).then(|| m.month.year().to_string()),
            total: m.figures.requests,
            part: m.figures.taken,
            small: m.figures.small,
        })
        .collect();
    let o = &r.overall.endings;
    let endings = [
        (Outcome::Partenariat.label().to_string(), o.partenariat),
        (Outcome::Realisee.label().to_string(), o.realisee),
        (Outcome::SansSuite.label().to_string(), o.sans_suite),
        (Outcome::Injoignable.label().to_string(), o.injoignable),
        ("Close sans réponse des lycées".to_string(), o.sans_reponse),
        ("Annulée par l'entreprise".to_string(), o.annulee),
    ];
    let by_action: Vec<Item> = r
        .by_action
        .iter()
        .map(|a| Item {
            label: a.label.to_string(),
            sublabel: None,
            total: a.figures.requests,
            part: a.figures.taken,
            small: a.figures.small,
        })
        .collect();
    let by_source: Vec<Item> = r
        .by_source
        .iter()
        .map(|s| Item {
            label: s.label.clone(),
            sublabel: None,
            total: s.figures.requests,
            part: s.figures.taken,
            small: s.figures.small,
        })
        .collect();
    let by_academie: Vec<Item> = r
        .by_academie
        .iter()
        .map(|a| Item {
            label: a.name.clone(),
            sublabel: None,
            total: a.figures.requests,
            part: a.figures.taken,
            small: a.figures.small,
        })
        .collect();
    let mut sections = vec![
        Section {
            id: "par-mois",
            title: "Demandes par mois".into(),
            chart: charts::columns(
                "graphique-mois",
                format!("Demandes et prises en charge par mois, {period}"),
                "Histogramme : pour chaque mois, le nombre de demandes créées et, en foncé, celles qu'un lycée a \
                 prises en charge. Les valeurs sont dans le tableau qui suit."
                    .into(),
                &months,
                charts::requests_and_taken(),
            ),
            table: Table {
                caption: format!("Demandes par mois, {period}"),
                head: [&["Mois"][..], &ROW_HEAD[..]].concat(),
                rows: r.by_month.iter().map(|m| (m.month.label(), row_cells(&m.figures))).collect(),
            },
        },
        Section {
            id: "issues",
            title: "Comment les demandes se terminent".into(),
            chart: charts::bars(
                "graphique-issues",
                format!("Issue des demandes créées {period}"),
                "Diagramme en barres : le nombre de demandes par issue. Les demandes encore en cours n'y figurent \
                 pas. Les valeurs sont dans le tableau qui suit."
                    .into(),
                &endings
                    .iter()
                    .map(|(label, n)| Item {
                        label: label.clone(),
                        sublabel: None,
                        total: *n,
                        part: None,
                        small: r.overall.small,
                    })
                    .collect::<Vec<_>>(),
                Vec::new(),
            ),
            table: Table {
                caption: format!("Issue des demandes créées {period}"),
                head: vec!["Issue", "Demandes"],
                rows: endings.iter().map(|(label, n)| (label.clone(), vec![count(&r.overall, *n)])).collect(),
            },
        },
        Section {
            id: "par-action",
            title: "Par type d'action".into(),
            chart: charts::bars(
                "graphique-actions",
                format!("Demandes et prises en charge par type d'action, {period}"),
                "Diagramme en barres : pour chaque type d'action, le nombre de demandes et, en foncé, celles \
                 prises en charge. Les valeurs sont dans le tableau qui suit."
                    .into(),
                &by_action,
                charts::requests_and_taken(),
            ),
            table: Table {
                caption: format!("Demandes par type d'action, {period}"),
                head: [&["Type d'action"][..], &ROW_HEAD[..]].concat(),
                rows: r.by_action.iter().map(|a| (a.label.to_string(), row_cells(&a.figures))).collect(),
            },
        },
        Section {
            id: "par-academie",
            title: "Par académie".into(),
            chart: charts::bars(
                "graphique-academies",
                format!("Demandes et prises en charge par académie, {period}"),
                "Diagramme en barres : pour chaque académie, le nombre de demandes et, en foncé, celles prises \
                 en charge. Les valeurs sont dans le tableau qui suit."
                    .into(),
                &by_academie,
                charts::requests_and_taken(),
            ),
            table: Table {
                caption: format!("Demandes par académie, {period}"),
                head: [&["Académie"][..], &ROW_HEAD[..]].concat(),
                rows: r.by_academie.iter().map(|a| (a.name.clone(), row_cells(&a.figures))).collect(),
            },
        },
    ];
    // The channels only mean something once a partner platform sent
    // requests in the period: the site alone would be the whole again.
    if r.by_source.len() > 1 {
        sections.push(Section {
            id: "par-source",
            title: "Par canal de dépôt".into(),
            chart: charts::bars(
                "graphique-sources",
                format!("Demandes et prises en charge par canal de dépôt, {period}"),
                "Diagramme en barres : les demandes déposées sur le site et celles venues de chaque plateforme \
                 partenaire, et, en foncé, celles prises en charge. Les valeurs sont dans le tableau qui suit."
                    .into(),
                &by_source,
                charts::requests_and_taken(),
            ),
            table: Table {
                caption: format!("Demandes par canal de dépôt, {period}"),
                head: [&["Canal"][..], &ROW_HEAD[..]].concat(),
                rows: r.by_source.iter().map(|s| (s.label.clone(), row_cells(&s.figures))).collect(),
            },
        });
    }
    sections
}

/// The months the selects offer: from the first month of activity (or a
/// year back) to the current month, and any month asked for.
fn month_choices(first: Option<Month>, current: Month, asked: Option<Month>, default: Month) -> Vec<Choice> {
    let start = first.unwrap_or(current).min(current.plus(-11)).max(current.plus(1 - MAX_MONTHS));
    let start = asked.map_or(start, |a| a.min(start));
    let end = asked.map_or(current, |a| a.max(current));
    let selected = asked.unwrap_or(default);
    (0..=start.until(end))
        .map(|i| start.plus(i))
        .map(|m| Choice { value: m.to_string(), label: m.label(), selected: m == selected })
        .collect()
}

/// `GET /statistiques`.
pub async fn page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let p = Params::parse(raw.as_deref());
    let index = state.search.index();
    let academies = stats::academies(&index);
    let now = state.clock.now();
    let first = state.stats.first_month().await?;
    let current = Month::of(now);
    let parsed = parse(&p, &academies, now, Default::Last12Months);
    let (q, mistakes) = match parsed {
        Ok(q) => (Some(q), Mistakes::new()),
        Err(m) => (None, m),
    };
    let period = q.as_ref().map(|q| q.period).unwrap_or_else(|| Period::last_12_months(now));
    let typed = |name: &str| p.text(name).unwrap_or("").to_string();
    let academie = q.as_ref().map_or_else(|| typed("academie"), |q| q.academie.clone().unwrap_or_default());
    let action =
        q.as_ref().map_or_else(|| typed("action"), |q| q.action.map(|a| a.code().to_string()).unwrap_or_default());
    let mut page = StatsPage {
        chrome: Chrome::new("statistiques"),
        crumbs: vec![Crumb::new("Accueil", "/")],
        here: "Statistiques".into(),
        months_from: month_choices(first, current, p.text("du").and_then(Month::parse), period.from),
        months_to: month_choices(first, current, p.text("au").and_then(Month::parse), period.to),
        academies: std::iter::once(("".to_string(), "Toutes les académies".to_string()))
            .chain(academies.iter().cloned())
            .map(|(code, name)| Choice { selected: code == academie, value: code, label: name })
            .collect(),
        actions: std::iter::once(("", "Tous les types d'action"))
            .chain(ActionType::ALL.iter().map(|a| (a.code(), a.label())))
            .map(|(code, label)| Choice { selected: code == action, value: code.into(), label: label.into() })
            .collect(),
        mistakes,
        scope: String::new(),
        keys: Vec::new(),
        sections: Vec::new(),
        csv_href: "/statistiques/donnees.csv".into(),
        api_href: "/api/v1/statistiques".into(),
        computed_at: String::new(),
        columns: COLUMNS,
        coverage: None,
    };
    let Some(q) = q else {
        return Ok(render(StatusCode::BAD_REQUEST, &page));
    };
    let a = state.stats.answer(&index, &q, now).await?;
    // The same figures draw the same page (its month choices follow the
    // first month of activity and the current one).
    let what = format!("page|{first:?}|{current}|{}", index.version);
    let body = kept(&state, &what, &a, || {
        fill(&mut page, &q, &a);
        page.render().map(Bytes::from).map_err(|e| PageError::Internal(format!("gabarit : {e}")))
    })?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}

/// The page's figures, charts and links for query `q` and its answer.
fn fill(page: &mut StatsPage, q: &Query, a: &Answer) {
    let r = &a.report;
    page.scope = format!(
        "de {} à {}, {}, {}",
        r.period.from.label(),
        r.period.to.label(),
        r.filters
            .academie
            .as_ref()
            .map_or_else(|| "toutes les académies".to_string(), |n| format!("académie {}", domain::text::of_place(n))),
        r.filters.action.map_or_else(|| "tous les types d'action".to_string(), |a| format!("« {} »", a.label())),
    );
    page.keys = key_figures(&r.overall);
    page.sections = sections(r);
    page.coverage = Some(coverage(&r.coverage));
    let qs = query_string(q);
    page.csv_href = format!("/statistiques/donnees.csv?{qs}");
    page.api_href = format!("/api/v1/statistiques?{qs}");
    page.computed_at = super::suivi::when(&crate::clock::to_rfc3339(a.computed_at));
}

/// The headline of the home page: the last 12 months' requests, share
/// taken and median time to take, once each can be published.
pub struct Headline {
    pub requests: String,
    pub taken_rate: String,
    pub median: String,
}

/// The headline, or nothing while a figure is withheld (or the database
/// cannot say: the home page stays up without it).
pub async fn headline(state: &AppState) -> Option<Headline> {
    let index = state.search.index();
    let now = state.clock.now();
    let q = Query { period: Period::last_12_months(now), academie: None, action: None };
    let a = match state.stats.answer(&index, &q, now).await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "statistiques de l'accueil indisponibles");
            return None;
        }
    };
    let f = &a.report.overall;
    Some(Headline {
        requests: thousands(f.requests? as i64),
        taken_rate: percent(f.taken_rate?),
        median: hours(f.median_hours_to_take?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn academies() -> Vec<(String, String)> {
        vec![("02".into(), "Aix-Marseille".into()), ("10".into(), "Lyon".into())]
    }

    fn parsed(q: &str, default: Default) -> Result<Query, Mistakes> {
        parse(&Params::parse(Some(q)), &academies(), datetime!(2026-11-20 10:00 UTC), default)
    }

    #[test]
    fn filters_read_like_the_contract() {
        let q = parsed("du=2026-01&au=2026-11&academie=lyon&action=pfmp", Default::Last12Months).expect("valide");
        assert_eq!(q.period.to_string_pair(), ("2026-01".into(), "2026-11".into()));
        assert_eq!(q.academie.as_deref(), Some("10"));
        assert_eq!(q.action, Some(ActionType::Pfmp));
        assert_eq!(parsed("academie=02", Default::Last12Months).expect("code").academie.as_deref(), Some("02"));
        let d = parsed("", Default::Last12Months).expect("défaut");
        assert_eq!(d.period.to_string_pair(), ("2025-12".into(), "2026-11".into()));
        let all = parsed("", Default::WholeHistory(Month::parse("2024-03"))).expect("historique");
        assert_eq!(all.period.to_string_pair(), ("2024-03".into(), "2026-11".into()));
        let none = parsed("", Default::WholeHistory(None)).expect("sans activité");
        assert_eq!(none.period.to_string_pair(), ("2025-12".into(), "2026-11".into()));
    }

    #[test]
    fn every_mistake_is_named() {
        let e = parsed("du=2026-13&academie=Atlantide&action=stage", Default::Last12Months).expect_err("invalide");
        assert_eq!(e.keys().map(String::as_str).collect::<Vec<_>>(), vec!["academie", "action", "du"]);
        let e = parsed("du=2026-05&au=2026-01", Default::Last12Months).expect_err("à l'envers");
        assert!(e.contains_key("au"));
        let e = parsed("du=2000-01", Default::Last12Months).expect_err("trop long");
        assert!(e.contains_key("du"));
        assert!(wants_csv(&HeaderMap::from_iter([(header::ACCEPT, HeaderValue::from_static("text/csv;q=0.9"))])));
        assert!(!wants_csv(&HeaderMap::from_iter([(header::ACCEPT, HeaderValue::from_static("*/*"))])));
    }

    trait Pair {
        fn to_string_pair(&self) -> (String, String);
    }

    impl Pair for Period {
        fn to_string_pair(&self) -> (String, String) {
            (self.from.to_string(), self.to.to_string())
        }
    }
}
