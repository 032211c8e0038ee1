//! The public statistics (issue 11): read the requests of a period, turn
//! each into a [`Fact`] on its own working-day calendar, and let
//! `domain::stats` count, round and withhold. Answers are kept a short
//! while per query, so that a page read by many (the home page, a figure a
//! journalist links to) does not read a year of requests each time.
//!
//! - the API, its CSV and the open-data file share [`Answer`] and
//!   [`csv`], so the three never disagree;
//! - an answer is recomputed by the first reader after this instance
//!   changed a request (the request service's revision), or after
//!   [`MAX_AGE`] for changes made by other instances or a separate worker;
//!   readers arriving during that computation get the previous answer.

use crate::cache::Kept;
use crate::clock;
use crate::requests::RequestService;
use crate::search::SearchIndex;
use crate::storage::stats::{self as store, StatRow};
use domain::ActionType;
use domain::lifecycle::{Outcome, RequestStatus};
use domain::stats::{Ending, Fact, Month, Period, Report, Scope};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use time::OffsetDateTime;

/// How long an answer computed by this instance is served when nothing
/// changed here: what another instance or a separate worker changed shows
/// after at most this long.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// How old an answer may be when it is served while a new one is computed.
pub const STALE_FOR: Duration = Duration::from_secs(600);

/// Answers kept at most (distinct queries); the cache is emptied when full.
const CAPACITY: usize = 256;

/// What a statistics query asks: a period, and optionally one académie
/// (its code) and one action type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    pub period: Period,
    pub academie: Option<String>,
    pub action: Option<ActionType>,
}

impl Query {
    fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.period.from,
            self.period.to,
            self.academie.as_deref().unwrap_or(""),
            self.action.map_or("", ActionType::code)
        )
    }
}

/// A computed answer and when it was computed (said in the answers: a
/// figure may be up to [`MAX_AGE`] old).
#[derive(Debug, Clone)]
pub struct Answer {
    pub report: Report,
    pub computed_at: OffsetDateTime,
}

/// The statistics of one instance: its cache and the single computation
/// running at a time.
pub struct StatsService {
    requests: RequestService,
    cache: crate::cache::FreshCache<Arc<Answer>>,
    /// The first month of activity, with the revision it was read at.
    first: crate::cache::FreshCache<Option<Month>>,
    /// One computation at a time: 64 readers of a cold query wait for one
    /// answer instead of reading a year of requests 64 times, and distinct
    /// queries cannot take every core.
    computing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for StatsService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatsService").field("cache", &self.cache).finish_non_exhaustive()
    }
}

impl StatsService {
    /// The statistics of the requests `requests` writes (its revision tells
    /// when they changed).
    pub fn new(requests: RequestService) -> StatsService {
        StatsService {
            requests,
            cache: crate::cache::FreshCache::new(CAPACITY, MAX_AGE),
            first: crate::cache::FreshCache::new(1, MAX_AGE),
            computing: tokio::sync::Mutex::new(()),
        }
    }

    /// The same without a cache (measurements of the computation itself).
    pub fn uncached(requests: RequestService) -> StatsService {
        StatsService {
            cache: crate::cache::FreshCache::new(CAPACITY, Duration::ZERO),
            first: crate::cache::FreshCache::new(1, Duration::ZERO),
            ..StatsService::new(requests)
        }
    }

    fn revision(&self) -> u64 {
        self.requests.revision.load(Ordering::Acquire)
    }

    fn fresh(&self, key: &str) -> Option<Arc<Answer>> {
        self.cache.fresh(key, self.revision())
    }

    /// The answer to `q`, from the cache when it is fresh. When requests
    /// changed since it was computed (every new request does), the first
    /// reader computes it again and the readers arriving meanwhile get the
    /// previous answer (at most [`STALE_FOR`] old) instead of queueing
    /// behind a second-long computation: public figures a few seconds
    /// behind are fine, a page that hangs under load is not.
    pub async fn answer(&self, index: &Arc<SearchIndex>, q: &Query, now: OffsetDateTime) -> sqlx::Result<Arc<Answer>> {
        let key = q.key();
        let _one = match self.cache.lookup(&key, self.revision(), STALE_FOR) {
            Kept::Fresh(a) => return Ok(a),
            Kept::Stale(a) => match self.computing.try_lock() {
                Ok(one) => one,
                Err(_) => return Ok(a),
            },
            Kept::Missing => self.computing.lock().await,
        };
        if let Some(a) = self.fresh(&key) {
            return Ok(a);
        }
        // Read before computing: a change during the computation makes
        // this answer stale at once.
        let revision = self.revision();
        let answer = Arc::new(Answer { report: self.compute(index, q).await?, computed_at: now });
        self.cache.insert(key, revision, answer.clone());
        Ok(answer)
    }

    /// Computes the figures of `q` (no cache): one query for the rows, then
    /// the facts and the figures off the async threads.
    pub async fn compute(&self, index: &Arc<SearchIndex>, q: &Query) -> sqlx::Result<Report> {
        let (from, to) = q.period.bounds();
        let rows = store::rows(
            &self.requests.db,
            &clock::to_rfc3339(from),
            &clock::to_rfc3339(to),
            q.academie.as_deref(),
            q.action.map(ActionType::code),
        )
        .await?;
        let contacts = crate::storage::reach::contacts(&self.requests.db, None).await?;
        let (requests, index, q) = (self.requests.clone(), index.clone(), q.clone());
        let work = tokio::task::spawn_blocking(move || {
            let academies = academies(&index);
            let sources = sources(&rows);
            let facts = facts(&requests, &index, &academies, &sources, &rows);
            let (by_academie, total) = reach_by_academie(&index, &academies, &contacts);
            let scope = Scope {
                period: q.period,
                academie: q.academie.as_ref().and_then(|c| academies.iter().position(|(code, _)| code == c)),
                academies: &academies,
                action: q.action,
                sources: &sources,
                reach: domain::stats::Reach { by_academie: &by_academie, total },
            };
            domain::stats::compute(&facts, &scope)
        });
        work.await.map_err(|e| sqlx::Error::Protocol(format!("calcul des statistiques interrompu : {e}")))
    }

    /// The month of the first request that counts (`None` before any):
    /// where the open-data file's history starts.
    pub async fn first_month(&self) -> sqlx::Result<Option<Month>> {
        let revision = self.revision();
        if let Some(m) = self.first.fresh("premier", revision) {
            return Ok(m);
        }
        let m = store::first_request_at(&self.requests.db).await?.as_deref().and_then(clock::parse).map(Month::of);
        self.first.insert("premier".into(), revision, m);
        Ok(m)
    }
}

/// The lycées of the catalogue and those someone reads, by académie (the
/// order of `academies`) and in all.
pub fn reach_by_academie(
    index: &SearchIndex,
    academies: &[(String, String)],
    contacts: &HashMap<String, domain::reach::Contacts>,
) -> (Vec<(u64, u64)>, (u64, u64)) {
    let position: HashMap<&str, usize> = academies.iter().enumerate().map(|(i, (c, _))| (c.as_str(), i)).collect();
    let mut by = vec![(0u64, 0u64); academies.len()];
    let mut total = (0u64, 0u64);
    for l in &index.lycees {
        let reachable = u64::from(contacts.get(&l.uai).is_some_and(domain::reach::Contacts::reachable));
        total.0 += 1;
        total.1 += reachable;
        if let Some(i) = l.academie.as_deref().and_then(|c| position.get(c)) {
            by[*i].0 += 1;
            by[*i].1 += reachable;
        }
    }
    (by, total)
}

/// The académies the statistics know (code, name), in alphabetical order
/// of their names as French sorts them (accents aside).
pub fn academies(index: &SearchIndex) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = index.academies.values().cloned().collect();
    all.sort_by_cached_key(|(code, name)| (domain::text::fold(name), code.clone()));
    all.dedup_by(|a, b| a.0 == b.0);
    all
}

/// The académie a parameter names: its code ("10") or its name, case and
/// accents aside ("lyon", "Aix-Marseille").
pub fn find_academie<'a>(academies: &'a [(String, String)], given: &str) -> Option<&'a (String, String)> {
    let wanted = domain::text::fold(given);
    academies.iter().find(|(code, name)| code == given.trim() || domain::text::fold(name) == wanted)
}

/// Reads a stored timestamp; the stored form ("2026-11-09T08:00:00Z") is
/// read directly, anything else through the RFC 3339 parser.
fn instant(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    let fast = || -> Option<OffsetDateTime> {
        if b.len() != 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'Z'
        {
            return None;
        }
        let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<u16>().ok();
        let month = time::Month::try_from(u8::try_from(n(5..7)?).ok()?).ok()?;
        let date = time::Date::from_calendar_date(i32::from(n(0..4)?), month, u8::try_from(n(8..10)?).ok()?).ok()?;
        let t = time::Time::from_hms(
            u8::try_from(n(11..13)?).ok()?,
            u8::try_from(n(14..16)?).ok()?,
            u8::try_from(n(17..19)?).ok()?,
        )
        .ok()?;
        Some(OffsetDateTime::new_utc(date, t))
    };
    fast().or_else(|| clock::parse(s))
}

/// The partner platforms the rows came through, in alphabetical order.
pub fn sources(rows: &[StatRow]) -> Vec<String> {
    let mut all: Vec<String> = rows.iter().filter_map(|r| r.partenaire.clone()).collect();
    all.sort_by_key(|n| domain::text::fold(n));
    all.dedup();
    all
}

/// Each row as the statistics count it: its month in Paris time, whether
/// the lycée took it within three working days of its own commune's
/// calendar (`add_working_days(created, 3)`), how it ended.
pub fn facts(
    requests: &RequestService,
    index: &SearchIndex,
    academies: &[(String, String)],
    sources: &[String],
    rows: &[StatRow],
) -> Vec<Fact> {
    let position: HashMap<&str, usize> = academies.iter().enumerate().map(|(i, (c, _))| (c.as_str(), i)).collect();
    let source: HashMap<&str, usize> = sources.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let mut calendars = HashMap::new();
    rows.iter()
        .filter_map(|r| {
            let created = instant(&r.cree_le)?;
            let taken = r.pris_le.as_deref().and_then(instant);
            let within = match taken {
                Some(t) => {
                    let calendar = calendars
                        .entry((r.commune_code.as_str(), r.academie_code.as_deref()))
                        .or_insert_with(|| requests.calendar_of(index, &r.commune_code, r.academie_code.as_deref()));
                    t <= calendar.add_working_days(created, 3)
                }
                None => false,
            };
            let ending = match r.statut {
                RequestStatus::Cloturee => {
                    r.issue.as_deref().and_then(|c| c.parse::<Outcome>().ok()).map(Ending::Closed)
                }
                RequestStatus::SansReponse => Some(Ending::NoAnswer),
                RequestStatus::Annulee => Some(Ending::Cancelled),
                _ => None,
            };
            Some(Fact {
                month: Month::of(created),
                action: ActionType::from_code(&r.action),
                academie: r.academie_code.as_deref().and_then(|c| position.get(c).copied()),
                taken_after_seconds: taken.map(|t| (t - created).whole_seconds().max(0)),
                taken_within_3_working_days: within,
                ending,
                satisfaction: r.satisfaction.and_then(|s| u8::try_from(s).ok()).filter(|s| (1..=5).contains(s)),
                source: r.partenaire.as_deref().and_then(|n| source.get(n).copied()),
                direct: !r
                    .coordination
                    .as_deref()
                    .and_then(|c| c.parse::<domain::routing::CoordinationReason>().ok())
                    .is_some_and(domain::routing::CoordinationReason::without_lycee),
            })
        })
        .collect()
}

pub mod csv;

#[cfg(test)]
mod tests {
    use super::instant;

    #[test]
    fn stored_instants_read_fast_and_anything_else_still_reads() {
        let fast = instant("2026-11-09T08:00:05Z").expect("instant");
        assert_eq!(fast, time::macros::datetime!(2026-11-09 08:00:05 UTC));
        assert_eq!(instant("2026-11-09T09:00:05+01:00"), Some(fast));
        assert_eq!(instant("2026-02-30T08:00:00Z"), None);
        assert_eq!(instant("n'importe quoi"), None);
    }
}
