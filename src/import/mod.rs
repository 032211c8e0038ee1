//! `monlyceepro import`: loads the national reference data (layout of
//! `shared/data/SOURCES.md`) into the database.
//!
//! Each dataset is read and checked entirely in memory first, then written
//! in one transaction: a malformed file stops the import before anything is
//! touched, and a failure while writing leaves the previous data intact.
//! A dataset whose files (and upstream datasets) have not changed since the
//! last import is skipped, so a second run changes nothing.

mod formations;
mod insertion;
mod lycees;
mod metiers;
pub mod progress;
pub mod source;
mod teaching;
mod territoires;

use crate::storage::{self, Db, Tx, Val};
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub use progress::Progress;
pub use source::SourceError;

/// Bumped when the import logic changes what it writes, so that existing
/// databases are re-imported even though the files did not change.
const IMPORT_VERSION: &str = "6";

/// The datasets, in dependency order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dataset {
    /// Régions, académies, départements, communes with positions and postcodes.
    #[value(help = "régions, académies, départements, communes avec leur position et leurs codes postaux")]
    Territoires,
    /// ROME job sheets and titles, professional domains, NAF and NAF → ROME.
    #[value(help = "fiches métiers du ROME et leurs appellations, domaines professionnels, NAF et passage NAF → ROME")]
    Metiers,
    /// Diplomas (BCN) and the jobs they lead to.
    #[value(help = "diplômes (BCN) et les métiers auxquels ils mènent")]
    Formations,
    /// Vocational lycées and what each one teaches.
    #[value(help = "lycées professionnels et ce que chacun enseigne")]
    Lycees,
    /// InserJeunes outcomes per lycée.
    #[value(help = "résultats InserJeunes de chaque lycée")]
    Insertion,
}

impl Dataset {
    pub const ALL: [Dataset; 5] =
        [Dataset::Territoires, Dataset::Metiers, Dataset::Formations, Dataset::Lycees, Dataset::Insertion];

    pub fn name(self) -> &'static str {
        match self {
            Dataset::Territoires => "territoires",
            Dataset::Metiers => "metiers",
            Dataset::Formations => "formations",
            Dataset::Lycees => "lycees",
            Dataset::Insertion => "insertion",
        }
    }

    /// Datasets whose content this one is computed from.
    fn upstream(self) -> &'static [Dataset] {
        match self {
            Dataset::Lycees => &[Dataset::Territoires, Dataset::Formations],
            _ => &[],
        }
    }
}

/// How a table is written.
pub(crate) enum WriteMode {
    /// Every row is replaced (reference data nobody points to by id).
    Replace,
    /// Rows are updated in place by `key`; rows absent from the new files
    /// are kept but marked `actif = FALSE` (lycées, which requests and
    /// partners refer to).
    UpsertDeactivateMissing { key: &'static str },
}

/// The rows of one table, ready to be written.
pub(crate) struct TableData {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Val>>,
    pub mode: WriteMode,
}

/// A dataset read from its files: its tables and a human summary.
pub(crate) struct Loaded {
    pub tables: Vec<TableData>,
    pub summary: String,
}

/// What happened to one dataset.
#[derive(Debug, Clone)]
pub struct DatasetOutcome {
    pub dataset: Dataset,
    pub changed: bool,
    pub summary: String,
}

/// Options of an import run.
#[derive(Debug, Clone)]
pub struct Options {
    pub data_dir: PathBuf,
    pub only: Option<Dataset>,
    /// Re-import even when the files did not change.
    pub force: bool,
}

/// Files of the data directory that a dataset reads (relative paths).
fn files_of(dataset: Dataset, dir: &Path) -> Vec<PathBuf> {
    let names: &[&str] = match dataset {
        Dataset::Territoires => &territoires::FILES,
        Dataset::Metiers => &metiers::FILES,
        Dataset::Formations => &formations::FILES,
        Dataset::Lycees => &lycees::FILES,
        Dataset::Insertion => &insertion::FILES,
    };
    let mut files: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    if dataset == Dataset::Lycees {
        files.extend(lycees::directory_files(dir));
    }
    if dataset == Dataset::Metiers && dir.join(metiers::NAF2025_FILE).is_file() {
        files.push(dir.join(metiers::NAF2025_FILE));
    }
    files
}

/// The columns the importer needs in a CSV file of the data layout (path
/// relative to the data directory, `/`-separated); empty for a file it does
/// not read. `monlyceepro download` checks a fresh file against them before
/// it replaces the previous one, so that an upstream change of format is
/// refused at download rather than found at import.
pub fn required_columns(path: &str) -> Vec<&'static str> {
    let lists: &[(&str, &[&str])] = &[
        (territoires::FILES[2], territoires::ACADEMIE_COLUMNS),
        (territoires::FILES[4], territoires::POSTE_COLUMNS),
        (metiers::FILES[0], metiers::DOMAINE_COLUMNS),
        (metiers::FILES[1], metiers::ROME_COLUMNS),
        (metiers::FILES[2], metiers::APPELLATION_COLUMNS),
        (metiers::NAF2025_FILE, metiers::NAF2025_COLUMNS),
        (formations::FILES[0], formations::BCN_COLUMNS),
        (formations::FILES[1], formations::BCN_COLUMNS),
        (formations::FILES[2], formations::CERTIF_INFO_COLUMNS),
        (formations::FILES[3], formations::FAMILLE_COLUMNS),
        (lycees::FILES[0], lycees::IPS_COLUMNS),
        (lycees::FILES[1], lycees::IDF_COLUMNS),
        (lycees::FILES[2], lycees::NAME_COLUMNS),
        (insertion::FILES[0], insertion::COLUMNS),
        (teaching::COUNT_FILE, teaching::COUNT_COLUMNS),
        (teaching::MEF_FILE, teaching::MEF_COLUMNS),
        (teaching::OFFER_FILE, teaching::OFFER_COLUMNS),
    ];
    let mut out: Vec<&'static str> = Vec::new();
    let directory = path
        .strip_prefix("etablissements/")
        .is_some_and(|n| n.starts_with(lycees::DIRECTORY_PREFIX) && n.ends_with(".csv"));
    let found = lists.iter().filter(|(p, _)| *p == path).flat_map(|(_, cols)| cols.iter());
    let dir_cols = directory.then_some(lycees::DIRECTORY_COLUMNS).into_iter().flatten();
    for c in found.chain(dir_cols) {
        if !out.contains(c) {
            out.push(c);
        }
    }
    out
}

/// Every file of the data layout the importer reads (relative paths), the
/// optional official directory aside.
pub fn files_read() -> Vec<&'static str> {
    Dataset::ALL
        .iter()
        .flat_map(|d| -> &'static [&'static str] {
            match d {
                Dataset::Territoires => &territoires::FILES,
                Dataset::Metiers => &metiers::FILES,
                Dataset::Formations => &formations::FILES,
                Dataset::Lycees => &lycees::FILES,
                Dataset::Insertion => &insertion::FILES,
            }
        })
        .copied()
        .collect()
}

/// Runs the import of every dataset (or only one) and returns what each did.
pub async fn run(db: &Db, opts: &Options, progress: &Progress) -> anyhow::Result<Vec<DatasetOutcome>> {
    if !opts.data_dir.is_dir() {
        anyhow::bail!("dossier de données introuvable : {} (réglez MLP_DATA_DIR)", opts.data_dir.display());
    }
    let mut outcomes = Vec::new();
    for dataset in Dataset::ALL {
        if opts.only.is_some_and(|o| o != dataset) {
            continue;
        }
        outcomes.push(import_one(db, dataset, opts, progress).await?);
    }
    if outcomes.iter().any(|o| o.changed) {
        // Tables rewritten in bulk: the planner's statistics are refreshed
        // now rather than at autovacuum's next pass (on PostgreSQL, plans
        // made for empty tables slowed the first minutes of traffic after
        // a fresh import: docs/benchmarks.md, issue 15).
        storage::execute_on(db, "ANALYZE").await?;
    }
    Ok(outcomes)
}

async fn import_one(db: &Db, dataset: Dataset, opts: &Options, progress: &Progress) -> anyhow::Result<DatasetOutcome> {
    let files = files_of(dataset, &opts.data_dir);
    let bar = progress.dataset(dataset.name(), files.len() as u64 + 2);
    let checksum = checksum(db, dataset, &files).await?;
    let previous = storage::import::dataset_checksum(db, dataset.name()).await?;
    if !opts.force && previous.as_deref() == Some(checksum.as_str()) {
        let summary = storage::import::dataset_summary(db, dataset.name()).await?.unwrap_or_default();
        bar.finish(&format!("inchangé — {summary}"));
        return Ok(DatasetOutcome { dataset, changed: false, summary });
    }
    let dir = opts.data_dir.clone();
    let loaded = match dataset {
        Dataset::Territoires => territoires::load(&dir, &bar)?,
        Dataset::Metiers => metiers::load(&dir, &bar)?,
        Dataset::Formations => formations::load(&dir, &bar)?,
        Dataset::Lycees => {
            let context = storage::import::lycee_context(db).await?;
            lycees::load(&dir, &context, &bar)?
        }
        Dataset::Insertion => insertion::load(&dir, &bar)?,
    };
    bar.step("écriture en base");
    write(db, dataset, &checksum, &loaded).await.with_context(|| format!("import de « {} » annulé", dataset.name()))?;
    bar.finish(&loaded.summary);
    Ok(DatasetOutcome { dataset, changed: true, summary: loaded.summary.clone() })
}

/// Writes a dataset in one transaction, with its checksum.
async fn write(db: &Db, dataset: Dataset, checksum: &str, loaded: &Loaded) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    for t in &loaded.tables {
        write_table(&mut tx, t).await.with_context(|| format!("écriture de la table {}", t.table))?;
    }
    storage::import::record_dataset(&mut tx, dataset.name(), checksum, &loaded.summary).await?;
    tx.commit().await?;
    Ok(())
}

async fn write_table(tx: &mut Tx, t: &TableData) -> anyhow::Result<()> {
    match t.mode {
        WriteMode::Replace => {
            storage::execute(tx, &format!("DELETE FROM {}", t.table)).await?;
            storage::bulk_insert(tx, t.table, t.columns, &t.rows, None).await?;
        }
        WriteMode::UpsertDeactivateMissing { key } => {
            storage::execute(tx, &format!("UPDATE {} SET actif = FALSE", t.table)).await?;
            let updates = t
                .columns
                .iter()
                .filter(|c| **c != key)
                .map(|c| format!("{c} = excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            let conflict = format!(" ON CONFLICT ({key}) DO UPDATE SET {updates}");
            storage::bulk_insert(tx, t.table, t.columns, &t.rows, Some(&conflict)).await?;
        }
    }
    Ok(())
}

/// Fingerprint of a dataset's inputs: the import version, each file's name
/// and bytes, and the fingerprints of the datasets it is computed from.
async fn checksum(db: &Db, dataset: Dataset, files: &[PathBuf]) -> anyhow::Result<String> {
    let mut h = Sha256::new();
    h.update(IMPORT_VERSION.as_bytes());
    for f in files {
        let bytes = source::read_bytes(f)?;
        h.update(f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    for up in dataset.upstream() {
        let c = storage::import::dataset_checksum(db, up.name()).await?.unwrap_or_default();
        h.update(c.as_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

/// Formats a count for the import summary ("34 969").
pub fn thousands(n: usize) -> String {
    domain::text::thousands(i64::try_from(n).unwrap_or(i64::MAX))
}
