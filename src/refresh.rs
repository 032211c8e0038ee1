//! Keeping the reference data up to date: the worker downloads it again
//! from its producers on a schedule (`MLP_DATA_REFRESH`, weekly) and
//! imports it, one instance at a time; every import that changes the
//! catalogue records what changed (lycées and diplomas opened or closed,
//! the editions of the sources) for the administration (`/admin/donnees`).
//!
//! Nothing people entered is touched by an update: requests, showcases,
//! partners, accounts and placements keep the codes they were made with
//! (no foreign key binds them to the reference tables, which the import
//! replaces), and a lycée gone from the sources is kept, marked inactive.

use crate::clock;
use crate::config::Config;
use crate::download::{self, LockEntry, Settings};
use crate::import::{self, DatasetOutcome, Progress};
use crate::storage::Db;
use crate::storage::import::{self as store, CatalogueSnapshot, UpdateRow};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use time::OffsetDateTime;

/// Entries kept of each list in a record (the count is always whole): a
/// first import "opens" thousands of diplomas.
const KEPT: usize = 200;
/// Wait after a failed update before the next try.
pub const RETRY_AFTER: Duration = Duration::from_secs(3600);
/// How long an update may hold its lease: a download of the national data
/// takes minutes; another worker takes over only after this.
pub const LEASE: Duration = Duration::from_secs(6 * 3600);
/// The name of the job's lease (`taches`).
pub const TASK: &str = "donnees_reference";

/// What started an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The worker's schedule (`MLP_DATA_REFRESH`).
    Scheduled,
    /// `monlyceepro import` (after a `download`, or a file changed by hand).
    Command,
    /// `serve` on an empty database.
    FirstStart,
}

impl Origin {
    pub fn code(self) -> &'static str {
        match self {
            Origin::Scheduled => "planifiee",
            Origin::Command => "commande",
            Origin::FirstStart => "premier_demarrage",
        }
    }

    /// How the administration reads it.
    pub fn label_of(code: &str) -> &'static str {
        match code {
            "planifiee" => "mise à jour planifiée",
            "premier_demarrage" => "premier démarrage",
            _ => "commande monlyceepro import",
        }
    }
}

/// One lycée or diploma in a list of changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub code: String,
    pub label: String,
}

/// A list kept short: its length, and its first entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    pub total: usize,
    pub first: Vec<Item>,
}

impl Listed {
    fn of(items: impl Iterator<Item = Item>) -> Listed {
        let mut l = Listed::default();
        for item in items {
            if l.first.len() < KEPT {
                l.first.push(item);
            }
            l.total += 1;
        }
        l
    }
}

/// The edition of one file of the data folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceState {
    pub path: String,
    /// The producer's edition, or the day it was fetched.
    pub edition: String,
    pub sha256: String,
}

/// A file of the data folder in another edition than at the last update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditionChange {
    pub path: String,
    pub before: Option<String>,
    pub after: String,
}

/// What one update changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    pub lycees_opened: Listed,
    pub lycees_closed: Listed,
    pub diplomas_opened: Listed,
    /// Gone from the BCN, or given a closing day (maybe a future one: the
    /// BCN announces closures).
    pub diplomas_closed: Listed,
    pub editions: Vec<EditionChange>,
    /// Every file's edition after the update: the next one compares to it.
    #[serde(default)]
    pub sources: Vec<SourceState>,
}

/// A file's edition as `SOURCES.lock` tells it.
fn state_of(e: &LockEntry) -> SourceState {
    let edition = e.edition.clone().unwrap_or_else(|| format!("téléchargé le {}", domain::text::long_date(&e.date)));
    SourceState { path: e.path.clone(), edition, sha256: e.sha256.clone() }
}

impl Changes {
    /// The differences between two states of the catalogue and of the
    /// data folder's editions.
    pub fn between(
        before: &CatalogueSnapshot,
        after: &CatalogueSnapshot,
        sources_before: &[SourceState],
        lock_after: &[LockEntry],
    ) -> Changes {
        let item = |code: &String, label: &String| Item { code: code.clone(), label: label.clone() };
        let closing = |label: &String, day: &Option<String>| match day {
            Some(d) => format!("{label} (fermeture au {})", domain::text::short_date(d)),
            None => label.clone(),
        };
        let lycees_opened =
            Listed::of(after.lycees.iter().filter(|(u, _)| !before.lycees.contains_key(*u)).map(|(u, n)| item(u, n)));
        let lycees_closed =
            Listed::of(before.lycees.iter().filter(|(u, _)| !after.lycees.contains_key(*u)).map(|(u, n)| item(u, n)));
        let diplomas_opened = Listed::of(
            after
                .diplomas
                .iter()
                .filter(|(cfd, (_, end))| {
                    end.is_none() && before.diplomas.get(*cfd).is_none_or(|(_, was)| was.is_some())
                })
                .map(|(cfd, (label, _))| item(cfd, label)),
        );
        let diplomas_closed =
            Listed::of(before.diplomas.iter().filter_map(|(cfd, (label, was))| match after.diplomas.get(cfd) {
                None => Some(Item { code: cfd.clone(), label: format!("{label} (retiré de la BCN)") }),
                Some((_, end)) if end.is_some() && end != was => {
                    Some(Item { code: cfd.clone(), label: closing(label, end) })
                }
                _ => None,
            }));
        let sources: Vec<SourceState> = lock_after.iter().map(state_of).collect();
        let editions = sources
            .iter()
            .filter_map(|now| {
                let was = sources_before.iter().find(|s| s.path == now.path);
                (was.map(|w| &w.sha256) != Some(&now.sha256)).then(|| EditionChange {
                    path: now.path.clone(),
                    before: was.map(|w| w.edition.clone()),
                    after: now.edition.clone(),
                })
            })
            .collect();
        Changes { lycees_opened, lycees_closed, diplomas_opened, diplomas_closed, editions, sources }
    }

    /// Whether the catalogue or a source changed.
    pub fn is_empty(&self) -> bool {
        self.lycees_opened.total + self.lycees_closed.total + self.diplomas_opened.total + self.diplomas_closed.total
            == 0
            && self.editions.is_empty()
    }
}

/// The editions recorded by the last update (none before the first).
async fn last_sources(db: &Db) -> anyhow::Result<Vec<SourceState>> {
    Ok(store::updates(db, 1)
        .await?
        .first()
        .and_then(|u| serde_json::from_str::<Changes>(&u.changements).ok())
        .map(|c| c.sources)
        .unwrap_or_default())
}

/// An import of the data folder, recorded with what it changed when it
/// changed something (or failed, or was scheduled: the administration
/// sees every scheduled update). `download_error`: what the download
/// before it could not fetch (the files in place stay the previous ones).
pub async fn import_recorded(
    db: &Db,
    opts: &import::Options,
    origin: Origin,
    progress: &Progress,
    download_error: Option<String>,
) -> anyhow::Result<Vec<DatasetOutcome>> {
    import_recorded_at(db, opts, origin, progress, download_error, OffsetDateTime::now_utc()).await
}

/// [`import_recorded`] begun at `started` (the worker's clock).
async fn import_recorded_at(
    db: &Db,
    opts: &import::Options,
    origin: Origin,
    progress: &Progress,
    download_error: Option<String>,
    started: OffsetDateTime,
) -> anyhow::Result<Vec<DatasetOutcome>> {
    let elapsed = std::time::Instant::now();
    let before = store::snapshot(db).await?;
    let sources_before = last_sources(db).await?;
    let result = import::run(db, opts, progress).await;
    let lock = download::read_lock(&opts.data_dir).unwrap_or_default();
    let after = store::snapshot(db).await?;
    let changes = Changes::between(&before, &after, &sources_before, &lock);
    let (statut, resume) = match (&result, &download_error) {
        (Ok(outcomes), None) => ("reussie", summary(outcomes)),
        (Ok(outcomes), Some(d)) => ("echec", format!("{} Téléchargement incomplet : {d}", summary(outcomes))),
        (Err(e), d) => (
            "echec",
            format!(
                "Import annulé, le catalogue reste le précédent : {e:#}{}",
                d.as_ref().map_or(String::new(), |d| format!(" Téléchargement : {d}"))
            ),
        ),
    };
    let changed = result.as_ref().map_or(true, |o| o.iter().any(|o| o.changed));
    if changed || statut == "echec" || origin == Origin::Scheduled || !changes.editions.is_empty() {
        let row = UpdateRow {
            id: crate::security::random_id(),
            debut: clock::to_rfc3339(started),
            fin: clock::to_rfc3339(
                started + time::Duration::try_from(elapsed.elapsed()).unwrap_or(time::Duration::ZERO),
            ),
            origine: origin.code().into(),
            statut: statut.into(),
            resume,
            changements: serde_json::to_string(&changes)?,
        };
        store::record_update(db, &row).await?;
    }
    result
}

/// "Réimportés : metiers, formations. Inchangés : territoires, lycees, insertion."
fn summary(outcomes: &[DatasetOutcome]) -> String {
    let names = |changed: bool| {
        outcomes.iter().filter(|o| o.changed == changed).map(|o| o.dataset.name()).collect::<Vec<_>>().join(", ")
    };
    match (names(true), names(false)) {
        (c, u) if c.is_empty() => format!("Rien de changé : {u}."),
        (c, u) if u.is_empty() => format!("Réimportés : {c}."),
        (c, u) => format!("Réimportés : {c}. Inchangés : {u}."),
    }
}

/// Downloads the reference data again into `settings.data_dir` (from the
/// producers, or the mirror or list of sources the settings name) and
/// imports it; `now` dates the record (the worker's clock).
pub async fn refresh(
    db: &Db,
    settings: &Settings,
    origin: Origin,
    now: OffsetDateTime,
) -> anyhow::Result<Vec<DatasetOutcome>> {
    let download_error = download::run(settings, &Progress::quiet()).await.err().map(|e| format!("{e:#}"));
    if let Some(e) = &download_error {
        tracing::warn!(erreur = %e, "téléchargement des données de référence incomplet : les fichiers précédents sont gardés");
    }
    let opts = import::Options { data_dir: settings.data_dir.clone(), only: None, force: false };
    import_recorded_at(db, &opts, origin, &Progress::quiet(), download_error, now).await
}

/// Whether an update is due at `now`, after the last one (its end and
/// status): `every` after a success, [`RETRY_AFTER`] after a failure.
pub fn due(last: Option<(&str, &str)>, every: Duration, now: OffsetDateTime) -> bool {
    let Some((end, status)) = last else { return true };
    let Some(end) = clock::parse(end) else { return true };
    let wait = if status == "reussie" { every } else { every.min(RETRY_AFTER) };
    now - end >= time::Duration::try_from(wait).unwrap_or(time::Duration::MAX)
}

/// The scheduled update, as the worker runs it.
#[derive(Clone)]
pub struct Schedule {
    pub every: Duration,
    /// Where and from what to download (the data folder, the producers or
    /// the mirror or list of sources of the environment).
    pub settings: Settings,
    /// An update is under way in this process.
    running: Arc<AtomicBool>,
}

impl Schedule {
    pub fn new(every: Duration, settings: Settings) -> Schedule {
        Schedule { every, settings, running: Arc::default() }
    }

    /// The schedule of a configuration (`None` when `MLP_DATA_REFRESH=0`).
    pub fn of(config: &Config) -> Option<Schedule> {
        let every = config.data_refresh?;
        match Settings::from_env(&config.data_dir) {
            Ok(settings) => Some(Schedule::new(every, settings)),
            Err(e) => {
                tracing::warn!(erreur = %e, "mise à jour planifiée des données de référence désactivée");
                None
            }
        }
    }

    /// Starts an update in the background if one is due and this worker
    /// takes the job's lease (one instance at a time on PostgreSQL); the
    /// worker goes on delivering emails meanwhile.
    pub fn tick(&self, db: &Db, worker: &str, now: OffsetDateTime) {
        if self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let (this, db, worker) = (self.clone(), db.clone(), worker.to_string());
        tokio::spawn(async move {
            if let Err(e) = this.run_if_due(&db, &worker, now).await {
                tracing::warn!(erreur = %format!("{e:#}"), "mise à jour des données de référence impossible");
            }
            this.running.store(false, Ordering::SeqCst);
        });
    }

    /// The update, if it is due at `now` and `worker` takes its lease;
    /// whether it ran.
    pub async fn run_if_due(&self, db: &Db, worker: &str, now: OffsetDateTime) -> anyhow::Result<bool> {
        let last = store::last_update(db).await?;
        if !due(last.as_ref().map(|(a, b)| (a.as_str(), b.as_str())), self.every, now) {
            return Ok(false);
        }
        let until = clock::to_rfc3339(now + time::Duration::try_from(LEASE).unwrap_or(time::Duration::HOUR));
        if !crate::storage::requests::claim_task(db, TASK, worker, &clock::to_rfc3339(now), &until).await? {
            return Ok(false);
        }
        tracing::info!(dossier = %self.settings.data_dir.display(), "mise à jour des données de référence");
        let result = refresh(db, &self.settings, Origin::Scheduled, now).await;
        crate::storage::requests::release_task(db, TASK, worker).await?;
        let changed = result?.iter().filter(|o| o.changed).count();
        tracing::info!(jeux_reimportes = changed, "données de référence à jour");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn snapshot(lycees: &[(&str, &str)], diplomas: &[(&str, &str, Option<&str>)]) -> CatalogueSnapshot {
        CatalogueSnapshot {
            lycees: lycees.iter().map(|(u, n)| (u.to_string(), n.to_string())).collect::<BTreeMap<_, _>>(),
            diplomas: diplomas
                .iter()
                .map(|(c, l, f)| (c.to_string(), (l.to_string(), f.map(str::to_string))))
                .collect(),
        }
    }

    fn codes(l: &Listed) -> Vec<&str> {
        l.first.iter().map(|i| i.code.as_str()).collect()
    }

    #[test]
    fn changes_name_what_opened_and_closed() {
        let before = snapshot(
            &[("0690043X", "LP A"), ("0640028H", "LP B")],
            &[("40025510", "Bac pro MELEC", None), ("50025516", "CAP X", None), ("40030001", "Bac pro ancien", None)],
        );
        let after = snapshot(
            &[("0690043X", "LP A"), ("0150030B", "LP C")],
            &[
                ("40025510", "Bac pro MELEC", None),
                ("50025516", "CAP X", Some("2027-08-31")),
                ("40025519", "Bac pro nouveau", None),
            ],
        );
        let lock = |sha: &str, edition: Option<&str>| LockEntry {
            path: "rome/rome.csv".into(),
            url: "https://x".into(),
            date: "2026-12-07T10:00:00Z".into(),
            size: 1,
            sha256: sha.into(),
            edition: edition.map(str::to_string),
            from: Vec::new(),
        };
        let first = Changes::between(&before, &after, &[], &[lock("aa", Some("ROME v459"))]);
        assert_eq!(codes(&first.lycees_opened), ["0150030B"]);
        assert_eq!(codes(&first.lycees_closed), ["0640028H"]);
        assert_eq!(codes(&first.diplomas_opened), ["40025519"]);
        assert_eq!(
            first.diplomas_closed.first.iter().map(|i| i.label.as_str()).collect::<Vec<_>>(),
            ["Bac pro ancien (retiré de la BCN)", "CAP X (fermeture au 31/08/2027)"]
        );
        assert_eq!(
            first.editions,
            [EditionChange { path: "rome/rome.csv".into(), before: None, after: "ROME v459".into() }]
        );
        // The next update compares with the editions this one recorded.
        let same = Changes::between(&after, &after, &first.sources, &[lock("aa", Some("ROME v459"))]);
        assert!(same.is_empty(), "{same:?}");
        let next = Changes::between(&after, &after, &first.sources, &[lock("bb", None)]);
        assert_eq!(next.editions[0].before.as_deref(), Some("ROME v459"));
        assert_eq!(next.editions[0].after, "téléchargé le 7\u{a0}décembre 2026");
    }

    #[test]
    fn an_update_is_due_a_period_after_a_success_an_hour_after_a_failure() {
        let now = clock::parse("2026-12-14T10:00:00Z").expect("date");
        let week = Duration::from_secs(7 * 24 * 3600);
        assert!(due(None, week, now));
        assert!(due(Some(("2026-12-07T10:00:00Z", "reussie")), week, now));
        assert!(!due(Some(("2026-12-07T10:00:01Z", "reussie")), week, now));
        assert!(!due(Some(("2026-12-14T09:30:00Z", "echec")), week, now));
        assert!(due(Some(("2026-12-14T09:00:00Z", "echec")), week, now));
    }
}
