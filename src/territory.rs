//! A coordinator's territory at a glance: its requests (the late and the
//! escalated first), how each lycée answers, where companies ask for what
//! no lycée nearby can answer, and which lycées cannot be reached. Read
//! only; reassigning goes through the request lifecycle.

use crate::clock;
use crate::requests::RequestService;
use crate::search::SearchIndex;
use crate::storage::Db;
use crate::storage::requests::DemandeRow;
use crate::storage::territory::{self as store, Filters, Scope};
use domain::ActionType;
use domain::coverage::{Asked, Gap};
use domain::lifecycle::{Outcome, RecipientStatus};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// Most requests listed at once.
pub const REQUESTS_LIMIT: i64 = 500;

/// How one lycée of the territory answers.
#[derive(Debug, Clone, Default)]
pub struct LyceeLine {
    pub uai: String,
    pub nom: String,
    pub commune: String,
    pub academie: Option<String>,
    pub position: Option<domain::Position>,
    pub received: usize,
    pub taken: usize,
    pub declined: usize,
    /// Reasons of the declines, most frequent first.
    pub reasons: Vec<(String, usize)>,
    /// Median hours between being told and taking it.
    pub median_hours: Option<f64>,
    /// Every such delay (hours): an académie's median is the median of its
    /// lycées' delays, not of their medians.
    pub take_hours: Vec<f64>,
    pub outcomes: BTreeMap<Outcome, usize>,
    /// Average of the companies' words and how many.
    pub satisfaction: Option<(f64, usize)>,
    pub has_officer: bool,
    pub has_address: bool,
    /// Someone reads what is sent to it ([`domain::reach::Contacts::reachable`]).
    pub reach: bool,
}

impl LyceeLine {
    /// Share of the requests received that it took (None before any).
    pub fn share_taken(&self) -> Option<f64> {
        (self.received > 0).then(|| self.taken as f64 / self.received as f64)
    }

    /// Whether a request routed to it reaches anyone (the one rule,
    /// [`domain::reach::Contacts::reachable`], read when the line is made).
    pub fn reachable(&self) -> bool {
        self.reach
    }
}

/// A request of the territory, as the dashboard lists it.
#[derive(Debug, Clone)]
pub struct RequestLine {
    pub row: DemandeRow,
    /// Working days it has been waiting since its clock started (open
    /// requests only: the age of an ended one says nothing to act on, and
    /// counting it day by day over months is what made the page slow).
    pub working_days: Option<u32>,
    /// The coordination was told nobody took it.
    pub escalated: bool,
    /// Open, not taken, and past the pilot's deadline.
    pub late: bool,
}

/// A commune companies of the territory asked from (for the map).
#[derive(Debug, Clone)]
pub struct CommuneLine {
    pub code: String,
    pub nom: String,
    pub position: Option<domain::Position>,
    pub requests: usize,
}

/// The dashboard of a territory.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub requests: Vec<RequestLine>,
    pub truncated: bool,
    pub lycees: Vec<LyceeLine>,
    pub gaps: Vec<Gap>,
    /// The communes of the requests the filters keep, most requests first.
    pub communes: Vec<CommuneLine>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// The lycées of a scope, from the catalogue.
pub fn lycees_of<'a>(index: &'a SearchIndex, scope: &Scope) -> Vec<&'a domain::matching::LyceeCard> {
    index
        .lycees
        .iter()
        .filter(|l| match scope {
            Scope::National => true,
            Scope::Academie(code, bassin) => l.academie.as_deref() == Some(code.as_str()) || bassin.contains(&l.uai),
            Scope::Lycees(uais) => uais.contains(&l.uai),
        })
        .collect()
}

/// How long a dashboard is kept when no request changed on this instance
/// (changes made elsewhere, the schedule's ticks, accounts).
pub const DASHBOARD_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(30);

/// Dashboards kept per scope, filters and catalogue version, and the one
/// computation running at a time: coordinators reloading together after a
/// change wait for one reading of the requests instead of each doing it.
#[derive(Debug)]
pub struct DashboardCache {
    kept: crate::cache::FreshCache<std::sync::Arc<Dashboard>>,
    computing: tokio::sync::Mutex<()>,
}

/// A cache of dashboards for [`cached_dashboard`].
pub fn dashboard_cache() -> DashboardCache {
    DashboardCache {
        kept: crate::cache::FreshCache::new(64, DASHBOARD_MAX_AGE),
        computing: tokio::sync::Mutex::new(()),
    }
}

/// [`dashboard`], kept until a request changes on this instance or for
/// [`DASHBOARD_MAX_AGE`]: a coordinator reloading, sorting or exporting
/// does not read thousands of requests again (about 100 ms for a bassin of
/// 200 lycées, docs/benchmarks.md); what they change shows at once.
pub async fn cached_dashboard(
    cache: &DashboardCache,
    requests: &RequestService,
    index: &SearchIndex,
    scope: &Scope,
    filters: &Filters,
    now: OffsetDateTime,
) -> sqlx::Result<std::sync::Arc<Dashboard>> {
    let key = format!("{}|{scope:?}|{filters:?}", index.version);
    let revision = requests.revision.load(std::sync::atomic::Ordering::Acquire);
    if let Some(d) = cache.kept.fresh(&key, revision) {
        return Ok(d);
    }
    let _one = cache.computing.lock().await;
    let revision = requests.revision.load(std::sync::atomic::Ordering::Acquire);
    if let Some(d) = cache.kept.fresh(&key, revision) {
        return Ok(d);
    }
    let d = std::sync::Arc::new(dashboard(&requests.db, requests, index, scope, filters, now).await?);
    cache.kept.insert(key, revision, d.clone());
    Ok(d)
}

/// Builds the dashboard of `scope` with `filters`.
pub async fn dashboard(
    db: &Db,
    requests: &RequestService,
    index: &SearchIndex,
    scope: &Scope,
    filters: &Filters,
    now: OffsetDateTime,
) -> sqlx::Result<Dashboard> {
    let cards = lycees_of(index, scope);
    let rows = store::requests(db, scope, filters, REQUESTS_LIMIT).await?;
    let truncated = rows.len() as i64 >= REQUESTS_LIMIT;
    let mut lines: Vec<RequestLine> = rows
        .into_iter()
        .map(|row| {
            let started = clock::parse(&row.demarre_le).unwrap_or(now);
            let working_days =
                row.statut.is_open().then(|| requests.calendar(index, &row).working_days_between(started, now));
            let open_untaken = row.statut.is_open() && row.responsable_uai.is_none();
            RequestLine {
                escalated: open_untaken && row.escalade_le.is_some(),
                late: open_untaken && working_days.is_some_and(|w| w >= requests.deadlines.pilot_moves),
                working_days,
                row,
            }
        })
        .collect();
    // The escalated, then the late, then the open, newest first within.
    lines.sort_by_key(|l| (!l.escalated, !l.late, !l.row.statut.is_open()));

    let answers = store::answer_counts(db, scope, filters).await?;
    let taken_delays = store::take_delays(db, scope, filters).await?;
    let uais: Vec<String> = cards.iter().map(|l| l.uai.clone()).collect();
    let reach = crate::storage::reach::contacts(db, Some(&uais)).await?;
    let mut by_uai: HashMap<&str, LyceeLine> = cards
        .iter()
        .map(|l| {
            let contacts = reach.get(&l.uai).cloned().unwrap_or_default();
            let (has_officer, has_address) = (contacts.has_officer(), contacts.address().is_some());
            (
                l.uai.as_str(),
                LyceeLine {
                    uai: l.uai.clone(),
                    nom: l.nom.clone(),
                    commune: l.commune_nom.clone(),
                    academie: l.academie.clone(),
                    position: l.position,
                    has_officer,
                    has_address,
                    reach: contacts.reachable(),
                    ..LyceeLine::default()
                },
            )
        })
        .collect();
    let mut delays: HashMap<String, Vec<f64>> = HashMap::new();
    let mut reasons: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
    let mut words: HashMap<String, Vec<i64>> = HashMap::new();
    for (uai, told, took) in &taken_delays {
        if let (Some(told), Some(took)) = (clock::parse(told), clock::parse(took)) {
            delays.entry(uai.clone()).or_default().push((took - told).as_seconds_f64() / 3600.0);
        }
    }
    for a in &answers {
        let Some(line) = by_uai.get_mut(a.uai.as_str()) else { continue };
        let n = usize::try_from(a.n).unwrap_or(0);
        line.received += n;
        if matches!(a.statut, RecipientStatus::PriseEnCharge | RecipientStatus::Cloturee) {
            line.taken += usize::try_from(a.decided).unwrap_or(0);
        }
        if a.statut == RecipientStatus::Declinee {
            line.declined += n;
            let why = a.motif.as_deref().unwrap_or("sans motif").split(" : ").next().unwrap_or("sans motif");
            *reasons.entry(a.uai.clone()).or_default().entry(why.to_string()).or_default() += n;
        }
        if a.responsable {
            if let Some(o) = a.issue.as_deref().and_then(|o| o.parse::<Outcome>().ok()) {
                *line.outcomes.entry(o).or_default() += n;
            }
            if let Some(s) = a.satisfaction {
                words.entry(a.uai.clone()).or_default().extend(std::iter::repeat_n(s, n));
            }
        }
    }
    let mut lycees: Vec<LyceeLine> = by_uai.into_values().collect();
    for l in &mut lycees {
        l.take_hours = delays.remove(&l.uai).unwrap_or_default();
        l.median_hours = median(l.take_hours.clone());
        let mut r: Vec<(String, usize)> = reasons.remove(&l.uai).unwrap_or_default().into_iter().collect();
        r.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        l.reasons = r;
        l.satisfaction = words.remove(&l.uai).filter(|w| !w.is_empty()).map(|w| {
            let n = w.len();
            (w.iter().sum::<i64>() as f64 / n as f64, n)
        });
    }
    lycees.sort_by(|a, b| a.nom.cmp(&b.nom).then(a.uai.cmp(&b.uai)));

    // Coverage gaps: every request the filters keep (not only those
    // listed), against the catalogue's lycées (all of them: a lycée across
    // the border answers too).
    let asked: Vec<Asked> = store::asked(db, scope, filters)
        .await?
        .into_iter()
        .filter_map(|g| {
            let action = ActionType::from_code(&g.action)?;
            Some(Asked {
                position: index.places.get(&g.commune_code).and_then(|p| p.position),
                romes: g.metiers.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect(),
                requests: usize::try_from(g.n).unwrap_or(0),
                commune_code: g.commune_code,
                commune_nom: g.commune_nom,
                action,
            })
        })
        .collect();
    let accepts = |uai: &str, action: ActionType| index.availability.get(uai).is_none_or(|av| av.allows(action));
    let gaps = domain::coverage::gaps(&asked, &index.lycees, &accepts);
    let mut communes: BTreeMap<&str, CommuneLine> = BTreeMap::new();
    for a in &asked {
        communes
            .entry(a.commune_code.as_str())
            .or_insert_with(|| CommuneLine {
                code: a.commune_code.clone(),
                nom: a.commune_nom.clone(),
                position: a.position,
                requests: 0,
            })
            .requests += a.requests;
    }
    let mut communes: Vec<CommuneLine> = communes.into_values().collect();
    communes.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.nom.cmp(&b.nom)));
    Ok(Dashboard { requests: lines, truncated, lycees, gaps, communes })
}

/// The lycées of an académie summed up, for the national view.
#[derive(Debug, Clone, Default)]
pub struct AcademieLine {
    pub code: String,
    pub nom: String,
    pub lycees: usize,
    pub unreachable: usize,
    pub received: usize,
    pub taken: usize,
    pub declined: usize,
    pub outcomes: BTreeMap<Outcome, usize>,
    /// Median of every delay to take of its lycées (hours).
    pub median_hours: Option<f64>,
    pub satisfaction: Option<(f64, usize)>,
    /// The middle of its lycées (the national map's dot).
    pub position: Option<domain::Position>,
}

impl AcademieLine {
    pub fn share_taken(&self) -> Option<f64> {
        (self.received > 0).then(|| self.taken as f64 / self.received as f64)
    }
}

/// The lycée lines grouped by académie (satisfaction weighted by answers).
pub fn by_academie(index: &SearchIndex, lycees: &[LyceeLine]) -> Vec<AcademieLine> {
    #[derive(Default)]
    struct Group {
        line: AcademieLine,
        hours: Vec<f64>,
        words: f64,
        lat_lon: (f64, f64, usize),
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for l in lycees {
        let code = l.academie.clone().unwrap_or_default();
        let g = groups.entry(code.clone()).or_insert_with(|| {
            let nom = index.academies.values().find(|(c, _)| *c == code).map_or(code.clone(), |(_, n)| n.clone());
            Group { line: AcademieLine { code: code.clone(), nom, ..AcademieLine::default() }, ..Group::default() }
        });
        g.line.lycees += 1;
        g.line.unreachable += usize::from(!l.reachable());
        g.line.received += l.received;
        g.line.taken += l.taken;
        g.line.declined += l.declined;
        for (o, n) in &l.outcomes {
            *g.line.outcomes.entry(*o).or_default() += n;
        }
        g.hours.extend_from_slice(&l.take_hours);
        if let Some((avg, n)) = l.satisfaction {
            g.words += avg * n as f64;
            g.line.satisfaction.get_or_insert((0.0, 0)).1 += n;
        }
        if let Some(p) = l.position {
            g.lat_lon = (g.lat_lon.0 + p.lat, g.lat_lon.1 + p.lon, g.lat_lon.2 + 1);
        }
    }
    let mut out: Vec<AcademieLine> = groups
        .into_values()
        .map(|g| {
            let mut line = g.line;
            line.median_hours = median(g.hours);
            if let Some((avg, n)) = &mut line.satisfaction {
                *avg = g.words / *n as f64;
            }
            let (lat, lon, n) = g.lat_lon;
            line.position = (n > 0).then(|| domain::Position { lat: lat / n as f64, lon: lon / n as f64 });
            line
        })
        .collect();
    out.sort_by(|a, b| a.nom.cmp(&b.nom));
    out
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0]), Some(3.0));
        assert_eq!(median(vec![5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}

/// Most lines of one import of addresses.
pub const MAX_ADDRESS_LINES: usize = 5000;

/// One address to enter for a lycée, as read from a form or a file line.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressEntry {
    pub uai: String,
    pub email: String,
}

/// Whether `agent` may enter addresses for lycée `uai` of the catalogue:
/// the coordinator of its territory, an administrator. A lycée's own team
/// says its address on its showcase instead.
fn may_enter(index: &SearchIndex, agent: &crate::accounts::Agent, uai: &str) -> Result<(), String> {
    let card = index.lycee(uai).ok_or_else(|| format!("lycée {uai} inconnu"))?;
    let allowed = agent.role != crate::accounts::Role::Rbe && agent.sees_lycee(uai, card.academie.as_deref());
    if allowed { Ok(()) } else { Err(format!("le lycée {uai} n'est pas dans votre territoire")) }
}

/// What is wrong with an entered address, and in which field: the form
/// puts the message next to that field, the file import on its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// Not a UAI, or a lycée outside the agent's territory.
    Lycee(String),
    /// Not an email address.
    Adresse(String),
}

impl std::fmt::Display for AddressError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddressError::Lycee(why) | AddressError::Adresse(why) => f.write_str(why),
        }
    }
}

/// Checks one entry: a lycée of the agent's territory, an address that
/// looks like one. The message says what is wrong, in French.
pub fn check_address(
    index: &SearchIndex,
    agent: &crate::accounts::Agent,
    uai: &str,
    email: &str,
) -> Result<AddressEntry, AddressError> {
    let uai = uai.trim().to_uppercase();
    let uai = uai.parse::<domain::ids::Uai>().map_err(|e| AddressError::Lycee(e.to_string()))?.as_str().to_string();
    may_enter(index, agent, &uai).map_err(AddressError::Lycee)?;
    let email =
        email.trim().parse::<domain::ids::Email>().map_err(|e| AddressError::Adresse(e.to_string()))?.to_string();
    Ok(AddressEntry { uai, email })
}

/// Reads a file of `UAI;adresse` lines (a header line is allowed): every
/// line checked, every problem said with its line number; nothing is kept
/// when one line is wrong.
pub fn read_addresses(
    index: &SearchIndex,
    agent: &crate::accounts::Agent,
    text: &str,
) -> Result<Vec<AddressEntry>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (uai, email) = line.split_once(';').or_else(|| line.split_once(',')).unwrap_or((line, ""));
        if i == 0 && domain::text::fold(uai.trim()) == "uai" {
            continue;
        }
        match check_address(index, agent, uai, email) {
            Ok(e) => out.push(e),
            Err(why) => errors.push(format!("ligne {} : {why}", i + 1)),
        }
    }
    if out.len() > MAX_ADDRESS_LINES {
        errors.push(format!("{} lignes : {MAX_ADDRESS_LINES} au plus par import", out.len()));
    }
    if out.is_empty() && errors.is_empty() {
        errors.push("le fichier ne contient aucune ligne à importer".into());
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Enters addresses for lycées (one, or a whole checked file) in one
/// transaction, each change in the audit log; they are used at once (the
/// routing reads them with every request) and no import overwrites them.
pub async fn enter_addresses(
    requests: &RequestService,
    agent: &crate::accounts::Agent,
    entries: &[AddressEntry],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let now_s = clock::to_rfc3339(now);
    let mut tx = requests.db.begin().await?;
    for e in entries {
        let before = crate::storage::reach::entered(&requests.db, &e.uai).await?;
        crate::storage::reach::set_entered(&mut tx, &e.uai, &e.email, &agent.email, &now_s).await?;
        let details = match before {
            Some(b) => format!("{} → {}", b.email, e.email),
            None => e.email.clone(),
        };
        crate::accounts::audit(&mut tx, &agent.email, "adresse_lycee_saisie", &e.uai, &details, &now_s).await?;
    }
    tx.commit().await?;
    requests.changed();
    Ok(())
}

/// Removes the address entered for a lycée of the agent's territory;
/// whether there was one.
pub async fn remove_address(
    requests: &RequestService,
    index: &SearchIndex,
    agent: &crate::accounts::Agent,
    uai: &str,
    now: OffsetDateTime,
) -> sqlx::Result<Result<bool, String>> {
    if let Err(why) = may_enter(index, agent, uai) {
        return Ok(Err(why));
    }
    let now_s = clock::to_rfc3339(now);
    let before = crate::storage::reach::entered(&requests.db, uai).await?;
    let mut tx = requests.db.begin().await?;
    let gone = crate::storage::reach::clear_entered(&mut tx, uai).await?;
    if gone {
        let details = before.map(|b| b.email).unwrap_or_default();
        crate::accounts::audit(&mut tx, &agent.email, "adresse_lycee_retiree", uai, &details, &now_s).await?;
    }
    tx.commit().await?;
    requests.changed();
    Ok(Ok(gone))
}

/// A lycée of a territory as the address page shows it.
#[derive(Debug, Clone)]
pub struct AddressLine {
    pub uai: String,
    pub nom: String,
    pub commune: String,
    pub reachable: bool,
    /// The address used and where it comes from.
    pub address: Option<(String, domain::reach::AddressSource)>,
    /// The address entered by a person, by whom and when.
    pub entered: Option<crate::storage::reach::EnteredRow>,
    /// Requests that named it "to contact" (it fitted, nobody could be
    /// written to).
    pub missed: i64,
}

/// The lycées of a scope with who can be written to in each, the
/// unreachable first (by requests missed), then by name.
pub async fn address_lines(db: &Db, index: &SearchIndex, scope: &Scope) -> sqlx::Result<Vec<AddressLine>> {
    let cards = lycees_of(index, scope);
    let uais: Vec<String> = cards.iter().map(|l| l.uai.clone()).collect();
    let contacts = crate::storage::reach::contacts(db, Some(&uais)).await?;
    let entered = crate::storage::reach::all_entered(db).await?;
    let missed = crate::storage::reach::missed_requests(db).await?;
    let mut out: Vec<AddressLine> = cards
        .iter()
        .map(|l| {
            let c = contacts.get(&l.uai).cloned().unwrap_or_default();
            AddressLine {
                uai: l.uai.clone(),
                nom: l.nom.clone(),
                commune: l.commune_nom.clone(),
                reachable: c.reachable(),
                address: c.address().map(|(a, s)| (a.to_string(), s)),
                entered: entered.get(&l.uai).cloned(),
                missed: missed.get(&l.uai).copied().unwrap_or(0),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.reachable.cmp(&b.reachable).then(b.missed.cmp(&a.missed)).then(a.nom.cmp(&b.nom)).then(a.uai.cmp(&b.uai))
    });
    Ok(out)
}

/// An académie's coordination as the administration sees it: its stated
/// address, and its coordinators' accounts (both written to).
#[derive(Debug, Clone)]
pub struct CoordinationLine {
    pub code: String,
    pub nom: String,
    pub email: Option<String>,
    pub label: Option<String>,
    pub coordinators: Vec<String>,
}

/// Every académie with its coordination (the first link of the chain).
pub async fn coordination_lines(db: &Db, index: &SearchIndex) -> sqlx::Result<Vec<CoordinationLine>> {
    let stated = crate::storage::reach::coordinations(db).await?;
    let mut academies: Vec<(String, String)> = index.academies.values().cloned().collect();
    academies.sort_by(|a, b| a.1.cmp(&b.1));
    academies.dedup();
    let mut out = Vec::new();
    // One read of each table for every académie (as `reach::chain` reads
    // them for one): 30 académies made 120 queries, 32 ms at national volume.
    let failed = crate::storage::reach::failed_addresses(db).await?;
    let accounts = crate::storage::reach::coordinators_by_academie(db).await?;
    for (code, nom) in academies {
        let s = stated.iter().find(|(c, _, _)| *c == code);
        let email = s.map(|(_, e, _)| e.clone());
        let chain = crate::storage::reach::kept(
            &failed,
            email.iter().chain(accounts.get(&code).into_iter().flatten()).cloned().collect(),
        );
        out.push(CoordinationLine {
            coordinators: chain.into_iter().filter(|a| Some(a) != email.as_ref()).collect(),
            label: s.and_then(|(_, _, n)| n.clone()),
            email,
            code,
            nom,
        });
    }
    Ok(out)
}

/// Sets (`Some`) or removes (`None`) an académie's coordination address,
/// audited. The address is checked by the caller.
pub async fn set_coordination(
    requests: &RequestService,
    agent: &crate::accounts::Agent,
    academie: &str,
    address: Option<(&str, Option<&str>)>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let now_s = clock::to_rfc3339(now);
    let mut tx = requests.db.begin().await?;
    match address {
        Some((email, nom)) => {
            crate::storage::reach::set_coordination(&mut tx, academie, email, nom).await?;
            crate::accounts::audit(&mut tx, &agent.email, "coordination_saisie", academie, email, &now_s).await?;
        }
        None => {
            if crate::storage::reach::clear_coordination(&mut tx, academie).await? {
                crate::accounts::audit(&mut tx, &agent.email, "coordination_retiree", academie, "", &now_s).await?;
            }
        }
    }
    tx.commit().await?;
    requests.changed();
    Ok(())
}
