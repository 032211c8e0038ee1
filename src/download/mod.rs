//! `monlyceepro download`: fetches the reference data from its producers,
//! in the shapes they publish, into the data directory in the layout the
//! importer reads (or from a mirror of that layout, `MLP_DATA_MIRROR`).
//!
//! What to fetch, how each producer publishes it and what each layout file
//! must look like is written once, in `sources.toml` at the root of the
//! repository (embedded here; `--sources` reads another list). A
//! producer's file is written to `<file>.partiel` first, resumed from there
//! with an HTTP range after a cut, converted to the layout ([`convert`]),
//! and every layout file it gives is checked (encoding, separator, the
//! columns the importer reads, a minimum number of lines); only then do
//! they replace the previous ones, by renames. A changed upstream format is
//! therefore refused at download, with the file and what changed, while the
//! data in place stays usable. `SOURCES.lock` records what was fetched,
//! from which producer's files, and in which edition.

pub mod convert;

use crate::config::{self, Config, ConfigError};
use crate::import::progress::{Progress, TransferProgress};
use crate::import::source::{Csv, CsvSpec, Encoding, SourceError};
use crate::storage::Db;
pub use convert::{Part, Shape};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// The manifest of the sources, as written in the repository.
pub const MANIFEST: &str = include_str!("../../sources.toml");
/// What was fetched, in the data directory.
pub const LOCK_FILE: &str = "SOURCES.lock";
/// Suffix of a file being downloaded (kept after a cut, for resuming).
pub const PARTIAL_SUFFIX: &str = ".partiel";

/// The list of sources (`sources.toml`, or the file of `download
/// --sources` / `MLP_DATA_SOURCES`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub file: Vec<SourceFile>,
    /// Sources that give several layout files, or need several files
    /// (the ROME zip, INSEE's NAF tables).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bundle: Vec<Bundle>,
}

/// One file of the data layout and its source.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub path: String,
    pub dataset: String,
    pub producer: String,
    pub page: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How the file at `url` is published, when not in the layout's shape.
    #[serde(default, skip_serializing_if = "is_layout")]
    pub shape: Shape,
    /// The bundle this file comes out of (then no `url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub licence: String,
    pub required: bool,
    pub format: Format,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<FileEncoding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    pub min_rows: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<JsonShape>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn is_layout(shape: &Shape) -> bool {
    *shape == Shape::Layout
}

/// A source of several files (`[[bundle]]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// What the files of the layout name in their `from`.
    pub name: String,
    pub shape: Shape,
    pub producer: String,
    pub page: String,
    pub licence: String,
    pub part: Vec<BundlePart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One file a bundle downloads.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BundlePart {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum FileEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "latin-1")]
    Latin1,
}

/// The top level of a JSON file: a list of entries, or entries by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonShape {
    Array,
    Object,
}

impl Manifest {
    /// The manifest embedded in the binary.
    pub fn embedded() -> anyhow::Result<Manifest> {
        Manifest::parse(MANIFEST, false).map_err(|e| anyhow::anyhow!("sources.toml : {e}"))
    }

    /// Another list of sources (`download --sources`, `MLP_DATA_SOURCES`):
    /// a private mirror of the producers' files, a test. Its addresses may
    /// be `http://` (a machine of the local network).
    pub fn read(path: &Path) -> anyhow::Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("liste des sources {} illisible : {e}", path.display()))?;
        Manifest::parse(&text, true).map_err(|e| anyhow::anyhow!("liste des sources {} : {e}", path.display()))
    }

    /// Parses and validates a manifest.
    pub fn parse(text: &str, allow_http: bool) -> Result<Manifest, String> {
        let m: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
        m.validate(allow_http)?;
        Ok(m)
    }

    fn validate(&self, allow_http: bool) -> Result<(), String> {
        let address = |p: &str, u: &str| {
            if u.starts_with("https://") || (allow_http && u.starts_with("http://")) {
                Ok(())
            } else {
                Err(format!("{p} : adresse https:// attendue, trouvé « {u} »"))
            }
        };
        let mut seen = std::collections::HashSet::new();
        for f in &self.file {
            let p = &f.path;
            if !seen.insert(p.as_str()) {
                return Err(format!("{p} : listé deux fois"));
            }
            if p.starts_with('/') || p.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
                return Err(format!("{p} : chemin relatif attendu, sans « .. »"));
            }
            if p.split('/').next() != Some(f.dataset.as_str()) {
                return Err(format!("{p} : le jeu « {} » doit être le dossier du fichier", f.dataset));
            }
            address(p, &f.page)?;
            if let Some(u) = &f.url {
                address(p, u)?;
            }
            match (&f.url, &f.from) {
                (Some(_), Some(_)) => return Err(format!("{p} : « url » ou « from », pas les deux")),
                (None, None) if f.shape.converts() => {
                    return Err(format!("{p} : « shape » demande une « url »"));
                }
                (None, Some(b)) if !self.bundle.iter().any(|x| &x.name == b) => {
                    return Err(format!("{p} : « from » nomme un [[bundle]] absent : « {b} »"));
                }
                (_, Some(_)) if f.shape.converts() => {
                    return Err(format!("{p} : la forme d'un fichier de [[bundle]] est celle du [[bundle]]"));
                }
                _ => {}
            }
            if f.shape.outputs().is_some() {
                return Err(format!("{p} : cette forme donne plusieurs fichiers : décrivez-la par un [[bundle]]"));
            }
            match f.format {
                Format::Csv if f.encoding.is_none() => return Err(format!("{p} : encodage manquant")),
                Format::Csv if f.json.is_some() || !f.keys.is_empty() => {
                    return Err(format!("{p} : « json » et « keys » sont pour les fichiers JSON"));
                }
                Format::Json if f.json.is_none() => return Err(format!("{p} : forme JSON manquante")),
                Format::Json if !f.columns.is_empty() => {
                    return Err(format!("{p} : « columns » est pour les fichiers CSV"));
                }
                _ => {}
            }
            if f.min_rows == 0 {
                return Err(format!("{p} : min_rows doit valoir au moins 1"));
            }
        }
        let mut names = std::collections::HashSet::new();
        for b in &self.bundle {
            let n = &b.name;
            if !names.insert(n.as_str()) {
                return Err(format!("[[bundle]] « {n} » : listé deux fois"));
            }
            address(n, &b.page)?;
            let Some(outputs) = b.shape.outputs() else {
                return Err(format!(
                    "[[bundle]] « {n} » : cette forme donne un seul fichier : décrivez-la par un [[file]]"
                ));
            };
            for part in &b.part {
                address(n, &part.url)?;
            }
            let part_names: Vec<&str> = b.part.iter().map(|x| x.name.as_str()).collect();
            match b.shape.parts() {
                Some(wanted) if part_names != wanted => {
                    return Err(format!(
                        "[[bundle]] « {n} » : fichiers attendus, dans cet ordre : {}",
                        wanted.join(", ")
                    ));
                }
                None if part_names.len() != 1 => {
                    return Err(format!("[[bundle]] « {n} » : un seul fichier attendu"));
                }
                _ => {}
            }
            for out in outputs {
                if !self.file.iter().any(|f| f.path == *out && f.from.as_deref() == Some(n.as_str())) {
                    return Err(format!(
                        "[[bundle]] « {n} » : donne {out}, qui doit être un [[file]] avec from = \"{n}\""
                    ));
                }
            }
            if let Some(f) =
                self.file.iter().find(|f| f.from.as_deref() == Some(n.as_str()) && !outputs.contains(&f.path.as_str()))
            {
                return Err(format!("{} : le [[bundle]] « {n} » ne donne pas ce fichier", f.path));
            }
        }
        Ok(())
    }

    /// The datasets (`download --only`), in the manifest's order.
    pub fn datasets(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in &self.file {
            if !out.contains(&f.dataset.as_str()) {
                out.push(&f.dataset);
            }
        }
        out
    }

    /// Required files absent from `dir`.
    pub fn missing_required(&self, dir: &Path) -> Vec<&SourceFile> {
        self.file.iter().filter(|f| f.required && !dir.join(&f.path).is_file()).collect()
    }
}

/// `--only` of `monlyceepro download`: a dataset of the manifest.
pub fn parse_dataset(s: &str) -> Result<String, String> {
    let m = Manifest::embedded().map_err(|e| e.to_string())?;
    let all = m.datasets();
    if all.contains(&s) { Ok(s.to_string()) } else { Err(format!("jeux possibles : {}", all.join(", "))) }
}

impl SourceFile {
    /// Every column checked: the importer's and the manifest's own.
    pub fn checked_columns(&self) -> Vec<String> {
        let mut cols: Vec<String> =
            crate::import::required_columns(&self.path).into_iter().map(str::to_string).collect();
        for c in &self.columns {
            if !cols.contains(c) {
                cols.push(c.clone());
            }
        }
        cols
    }

    /// Checks a downloaded file; returns its number of data lines or
    /// entries. The error names the file and what is wrong with it.
    pub fn check(&self, bytes: &[u8]) -> Result<usize, SourceError> {
        let path = Path::new(&self.path);
        let err = |line: Option<u64>, msg: String| SourceError::new(path, line, None, msg);
        let rows = match self.format {
            Format::Csv => {
                let encoding = match self.encoding {
                    Some(FileEncoding::Latin1) => Encoding::Latin1,
                    _ => Encoding::Utf8,
                };
                // Encoding, separator, the same number of fields on every line.
                let csv = Csv::parse(path, bytes, &CsvSpec { encoding, required: &[] })?;
                let found = header_of(bytes, encoding);
                let missing: Vec<String> =
                    self.checked_columns().into_iter().filter(|c| !found.iter().any(|f| f == c)).collect();
                if !missing.is_empty() {
                    let names = missing.iter().map(|c| format!("« {c} »")).collect::<Vec<_>>().join(", ");
                    let (s, verb) = if missing.len() > 1 { ("s", "absentes") } else { ("", "absente") };
                    let mut shown: Vec<&str> = found.iter().map(String::as_str).take(30).collect();
                    if found.len() > 30 {
                        shown.push("…");
                    }
                    return Err(err(
                        Some(1),
                        format!("colonne{s} {names} {verb} (colonnes trouvées : {})", shown.join(", ")),
                    ));
                }
                csv.records.len()
            }
            Format::Json => check_json(self, bytes).map_err(|(line, msg)| err(line, msg))?,
        };
        if rows < self.min_rows {
            let what = if self.format == Format::Csv { "lignes de données" } else { "entrées" };
            return Err(err(
                None,
                format!("{rows} {what} seulement, au moins {} attendues (export tronqué ou modifié ?)", self.min_rows),
            ));
        }
        Ok(rows)
    }
}

/// The header's column names (trimmed), as the importer compares them.
fn header_of(bytes: &[u8], encoding: Encoding) -> Vec<String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let line = match (encoding, std::str::from_utf8(&body[..end])) {
        (_, Ok(s)) => s.to_string(),
        (_, Err(_)) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(&body[..end]).0.into_owned(),
    };
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').has_headers(false).from_reader(line.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|h| h.trim().to_string()).collect())
        .unwrap_or_default()
}

fn check_json(f: &SourceFile, bytes: &[u8]) -> Result<usize, (Option<u64>, String)> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| (Some(e.line() as u64), format!("JSON illisible ({e}) : fichier tronqué ou pas du JSON ?")))?;
    let entries: Vec<(String, &serde_json::Value)> = match (f.json, &value) {
        (Some(JsonShape::Array), serde_json::Value::Array(a)) => {
            a.iter().enumerate().map(|(i, v)| (format!("entrée {}", i + 1), v)).collect()
        }
        (Some(JsonShape::Object), serde_json::Value::Object(o)) => {
            o.iter().map(|(k, v)| (format!("entrée « {k} »"), v)).collect()
        }
        (Some(JsonShape::Array), _) => return Err((None, "une liste JSON était attendue ([…])".into())),
        _ => return Err((None, "un objet JSON était attendu ({…})".into())),
    };
    for (name, v) in &entries {
        let Some(obj) = v.as_object() else {
            return Err((None, format!("{name} : objet attendu")));
        };
        if let Some(k) = f.keys.iter().find(|k| !obj.contains_key(k.as_str())) {
            let found = obj.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
            return Err((None, format!("{name} : clé « {k} » absente (clés trouvées : {found})")));
        }
    }
    Ok(entries.len())
}

/// How a download runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// Base URL whose paths follow the data layout, instead of the official
    /// sources (`MLP_DATA_MIRROR`).
    pub mirror: Option<String>,
    /// Another list of sources than the embedded `sources.toml`
    /// (`download --sources`, `MLP_DATA_SOURCES`).
    pub sources: Option<PathBuf>,
    /// Only the files of this dataset (`--only`).
    pub only: Option<String>,
    /// Only the files absent from the data directory (first start of `serve`).
    pub missing_only: bool,
    /// Attempts per file before giving up (`MLP_DOWNLOAD_TENTATIVES`).
    pub attempts: u32,
    /// Wait before the second attempt, doubled at each further one
    /// (`MLP_DOWNLOAD_ATTENTE_MS`).
    pub retry_base: Duration,
}

impl Settings {
    /// The settings of `config`'s data directory and the environment.
    pub fn from_env(data_dir: &Path) -> Result<Settings, ConfigError> {
        let mirror = config::var("MLP_DATA_MIRROR");
        if let Some(m) = &mirror
            && !(m.starts_with("http://") || m.starts_with("https://"))
        {
            return Err(ConfigError {
                variable: "MLP_DATA_MIRROR",
                message: "adresse http:// ou https:// attendue".into(),
            });
        }
        let sources = config::var("MLP_DATA_SOURCES").map(PathBuf::from);
        if let Some(s) = &sources
            && !s.is_file()
        {
            return Err(ConfigError {
                variable: "MLP_DATA_SOURCES",
                message: format!("fichier introuvable : {}", s.display()),
            });
        }
        let number =
            |name: &'static str, default: u64, min: u64| -> Result<u64, ConfigError> {
                match config::var(name) {
                    None => Ok(default),
                    Some(v) => v.trim().parse::<u64>().ok().filter(|n| *n >= min).ok_or(ConfigError {
                        variable: name,
                        message: format!("nombre entier d'au moins {min} attendu"),
                    }),
                }
            };
        Ok(Settings {
            data_dir: data_dir.to_path_buf(),
            mirror,
            sources,
            only: None,
            missing_only: false,
            attempts: u32::try_from(number("MLP_DOWNLOAD_TENTATIVES", 5, 1)?).unwrap_or(u32::MAX),
            retry_base: Duration::from_millis(number("MLP_DOWNLOAD_ATTENTE_MS", 2000, 0)?),
        })
    }

    /// The list of sources this download reads.
    pub fn manifest(&self) -> anyhow::Result<Manifest> {
        match &self.sources {
            Some(path) => Manifest::read(path),
            None => Manifest::embedded(),
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Fetched, checked and in place.
    Fetched { path: String, size: u64, rows: usize },
    /// Not fetched, and that is no failure (an optional file absent at its
    /// source, a file already there on first start).
    Skipped { path: String, why: String },
}

/// One line of `SOURCES.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    pub path: String,
    /// Where it was fetched from (for a converted file, the producer's
    /// first file).
    pub url: String,
    /// RFC 3339, UTC.
    pub date: String,
    /// Size and SHA-256 of the file in the data directory.
    pub size: u64,
    pub sha256: String,
    /// The producer's edition, when the files say it ("ROME v460 du
    /// 15/10/2025") or the server dates them (`Last-Modified`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// The producer's own files it was converted from (none: fetched as is).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<LockedPart>,
}

/// A producer's file as fetched, before its conversion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedPart {
    pub url: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Lock {
    #[serde(default)]
    file: Vec<LockEntry>,
}

/// Reads `SOURCES.lock` of a data directory (empty when absent).
pub fn read_lock(dir: &Path) -> anyhow::Result<Vec<LockEntry>> {
    match std::fs::read_to_string(dir.join(LOCK_FILE)) {
        Ok(text) => Ok(toml::from_str::<Lock>(&text)
            .map_err(|e| anyhow::anyhow!("{} illisible : {e}", dir.join(LOCK_FILE).display()))?
            .file),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

fn write_lock(dir: &Path, fetched: Vec<LockEntry>) -> anyhow::Result<()> {
    let mut entries = read_lock(dir).unwrap_or_default();
    for e in fetched {
        entries.retain(|old| old.path != e.path);
        entries.push(e);
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let body = toml::to_string(&Lock { file: entries })?;
    let text = format!(
        "# Written by `monlyceepro download`: where each file of this folder was\n\
         # fetched from, when, its size and SHA-256. Do not edit.\n\n{body}"
    );
    let tmp = dir.join(format!("{LOCK_FILE}{PARTIAL_SUFFIX}"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join(LOCK_FILE))?;
    Ok(())
}

/// Where the producers' own files are kept, in the data directory, after
/// their conversion (and while they download): what the layout files were
/// made from, for whoever wants to check.
pub const PRODUCERS_DIR: &str = "officiel";

/// One download: the files of a source and the layout files they give.
struct Unit<'m> {
    /// For messages: the layout path, or the bundle's name.
    name: String,
    shape: Shape,
    /// (name, url, where it is kept).
    parts: Vec<(String, String, PathBuf)>,
    outputs: Vec<&'m SourceFile>,
}

/// The downloads of a manifest: a mirror gives every layout file as is; a
/// producer's file in the layout's shape goes straight to its place; the
/// others are kept under [`PRODUCERS_DIR`] and converted. `Err` for a file
/// with no source at all (the path, and whether it was required).
fn units<'m>(manifest: &'m Manifest, settings: &Settings) -> Vec<Result<Unit<'m>, &'m SourceFile>> {
    let dir = &settings.data_dir;
    let mut out: Vec<Result<Unit<'m>, &'m SourceFile>> = Vec::new();
    for f in &manifest.file {
        let single = |url: String, shape: Shape| {
            let keep = if shape.converts() {
                dir.join(PRODUCERS_DIR).join(shape.producer_copy(&f.path))
            } else {
                dir.join(&f.path)
            };
            Ok(Unit { name: f.path.clone(), shape, parts: vec![(f.path.clone(), url, keep)], outputs: vec![f] })
        };
        match (&settings.mirror, &f.url, &f.from) {
            (Some(base), _, _) => out.push(single(format!("{}/{}", base.trim_end_matches('/'), f.path), Shape::Layout)),
            (None, Some(url), _) => out.push(single(url.clone(), f.shape)),
            (None, None, Some(b)) => {
                if let Some(unit) = out.iter_mut().flatten().find(|u| &u.name == b) {
                    unit.outputs.push(f);
                } else if let Some(bundle) = manifest.bundle.iter().find(|x| &x.name == b) {
                    let parts = bundle
                        .part
                        .iter()
                        .map(|p| (p.name.clone(), p.url.clone(), dir.join(PRODUCERS_DIR).join(b).join(&p.name)))
                        .collect();
                    out.push(Ok(Unit { name: b.clone(), shape: bundle.shape, parts, outputs: vec![f] }));
                }
            }
            (None, None, None) => out.push(Err(f)),
        }
    }
    out
}

/// Fetches the files of the manifest (or of one dataset) into the data
/// directory. Every file is tried; the error lists those that failed, the
/// others being in place and recorded in `SOURCES.lock`.
pub async fn run(settings: &Settings, progress: &Progress) -> anyhow::Result<Vec<Outcome>> {
    let manifest = settings.manifest()?;
    if let Some(only) = &settings.only
        && !manifest.datasets().contains(&only.as_str())
    {
        anyhow::bail!("jeu inconnu « {only} » : {}", manifest.datasets().join(", "));
    }
    std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
        anyhow::anyhow!("impossible de créer le dossier de données {} : {e}", settings.data_dir.display())
    })?;
    let client = reqwest::Client::builder()
        .user_agent(concat!("monlyceepro/", env!("CARGO_PKG_VERSION"), " (téléchargement des données de référence)"))
        .connect_timeout(Duration::from_secs(30))
        .read_timeout(Duration::from_secs(120))
        .build()?;
    let mut outcomes = Vec::new();
    let mut locked = Vec::new();
    let mut failures = Vec::new();
    for unit in units(&manifest, settings) {
        let unit = match unit {
            Ok(u) => u,
            Err(f) => {
                if settings.only.as_ref().is_some_and(|o| *o != f.dataset) {
                    continue;
                }
                if settings.missing_only && settings.data_dir.join(&f.path).is_file() {
                    outcomes.push(Outcome::Skipped { path: f.path.clone(), why: "déjà présent".into() });
                } else if f.required {
                    failures.push(format!(
                        "{} : pas d'URL officielle directe ({}) : fournissez le fichier par un miroir \
                         (MLP_DATA_MIRROR) ou déposez-le dans le dossier de données",
                        f.path, f.page
                    ));
                } else {
                    outcomes.push(Outcome::Skipped {
                        path: f.path.clone(),
                        why: "pas d'URL officielle directe (facultatif)".into(),
                    });
                }
                continue;
            }
        };
        if settings.only.as_ref().is_some_and(|o| unit.outputs.iter().all(|f| f.dataset != *o)) {
            continue;
        }
        if settings.missing_only && unit.outputs.iter().all(|f| settings.data_dir.join(&f.path).is_file()) {
            for f in &unit.outputs {
                outcomes.push(Outcome::Skipped { path: f.path.clone(), why: "déjà présent".into() });
            }
            continue;
        }
        let bar = progress.transfer(&unit.name);
        match fetch_unit(&client, settings, &unit, &bar).await {
            Ok(Fetched::Done(files)) => {
                let summary = files
                    .iter()
                    .map(|f| format!("{} : {} octets, {} lignes vérifiées", f.entry.path, f.entry.size, f.rows))
                    .collect::<Vec<_>>()
                    .join(" ; ");
                bar.finish(&summary);
                for f in files {
                    outcomes.push(Outcome::Fetched { path: f.entry.path.clone(), size: f.entry.size, rows: f.rows });
                    locked.push(f.entry);
                }
            }
            Ok(Fetched::Skipped(why)) => {
                bar.finish(&format!("ignoré : {why}"));
                for f in &unit.outputs {
                    outcomes.push(Outcome::Skipped { path: f.path.clone(), why: why.clone() });
                }
            }
            Err(e) => {
                bar.finish("échec");
                failures.push(e);
            }
        }
    }
    if !locked.is_empty() {
        write_lock(&settings.data_dir, locked)?;
    }
    if !failures.is_empty() {
        let mut msg = format!(
            "{} fichier{} non téléchargé{} (les versions précédentes sont gardées) :",
            failures.len(),
            if failures.len() > 1 { "s" } else { "" },
            if failures.len() > 1 { "s" } else { "" },
        );
        for f in &failures {
            let _ = write!(msg, "\n  - {f}");
        }
        anyhow::bail!(msg);
    }
    Ok(outcomes)
}

/// On a machine with nothing but the internet (`make run` on a fresh
/// clone): when the catalogue is empty and the data directory lacks a file
/// the import needs, the missing files are fetched before the first import.
pub async fn before_first_import(db: &Db, config: &Config) -> anyhow::Result<()> {
    if crate::storage::catalogue::figures(db).await?.lycees > 0 {
        return Ok(());
    }
    let settings = Settings { missing_only: true, ..Settings::from_env(&config.data_dir)? };
    let manifest = settings.manifest()?;
    let missing = manifest.missing_required(&config.data_dir);
    if missing.is_empty() {
        return Ok(());
    }
    tracing::info!(
        dossier = %config.data_dir.display(),
        manquants = missing.len(),
        "données de référence absentes : téléchargement avant le premier import"
    );
    run(&settings, &Progress::auto()).await?;
    Ok(())
}

/// A layout file written by a download.
struct Written {
    entry: LockEntry,
    rows: usize,
}

enum Fetched {
    Done(Vec<Written>),
    Skipped(String),
}

/// Why one transfer attempt failed.
enum TransferError {
    /// 404 or 410: the source has no such file.
    NotFound,
    /// Worth another attempt: a network error, a cut, a 5xx, a 429.
    Retry(String),
    /// Not worth another attempt (another 4xx, a local write error).
    Fatal(String),
}

/// What one complete transfer tells besides the bytes.
#[derive(Default)]
struct Transferred {
    /// It appended to a partial file (HTTP range).
    resumed: bool,
    /// The file's name as the server gives it.
    served_as: Option<String>,
    /// `Last-Modified`, as the server wrote it.
    last_modified: Option<String>,
}

/// `<file>.partiel` next to `dest`.
pub fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(PARTIAL_SUFFIX);
    dest.with_file_name(name)
}

/// One part, with retries, into its partial file.
async fn download_part(
    client: &reqwest::Client,
    settings: &Settings,
    (url, partial): (&str, &Path),
    label: &str,
    bar: &TransferProgress,
) -> Result<Option<Transferred>, String> {
    if let Some(parent) = partial.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| format!("{} : {e}", parent.display()))?;
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match transfer(client, url, partial, bar).await {
            Ok(t) => return Ok(Some(t)),
            Err(TransferError::NotFound) => {
                let _ = tokio::fs::remove_file(partial).await;
                return Ok(None);
            }
            Err(TransferError::Fatal(msg)) => return Err(format!("{label} : {msg} ({url})")),
            Err(TransferError::Retry(msg)) if attempt < settings.attempts => {
                let wait = settings.retry_base.saturating_mul(1 << (attempt - 1).min(10));
                bar.note(&format!("{msg} : nouvel essai dans {} ms", wait.as_millis()));
                tokio::time::sleep(wait).await;
            }
            Err(TransferError::Retry(msg)) => {
                let kept = tokio::fs::metadata(partial).await.map(|m| m.len()).unwrap_or(0);
                let resume = if kept > 0 {
                    format!(
                        " ; les {kept} octets reçus sont gardés dans {} et la prochaine commande reprendra là",
                        partial.display()
                    )
                } else {
                    String::new()
                };
                return Err(format!(
                    "{label} : {msg} après {attempt} tentative{} ({url}){resume}",
                    if attempt > 1 { "s" } else { "" },
                ));
            }
        }
    }
}

/// Downloads the parts of a unit, converts them and checks every layout
/// file they give; only when all pass do they replace the previous ones.
async fn fetch_unit(
    client: &reqwest::Client,
    settings: &Settings,
    unit: &Unit<'_>,
    bar: &TransferProgress,
) -> Result<Fetched, String> {
    let required = unit.outputs.iter().any(|f| f.required);
    let partials: Vec<PathBuf> = unit.parts.iter().map(|(_, _, keep)| partial_path(keep)).collect();
    let remove_partials = || async {
        for p in &partials {
            let _ = tokio::fs::remove_file(p).await;
        }
    };
    // A resumed file that fails its checks may mix two versions of the
    // source: it is fetched once more from the start before being refused.
    for fresh in [false, true] {
        let mut fetched = Vec::with_capacity(unit.parts.len());
        for ((name, url, _), partial) in unit.parts.iter().zip(&partials) {
            let label = if unit.parts.len() > 1 { format!("{} ({name})", unit.name) } else { unit.name.clone() };
            match download_part(client, settings, (url, partial), &label, bar).await? {
                Some(t) => fetched.push(t),
                None if !required => {
                    remove_partials().await;
                    return Ok(Fetched::Skipped(format!("absent de la source (facultatif) : {url}")));
                }
                None => {
                    remove_partials().await;
                    return Err(format!("{label} : absent de la source ({url} : 404)"));
                }
            }
        }
        let resumed = fetched.iter().any(|t| t.resumed);
        let mut parts = Vec::with_capacity(partials.len());
        for (((name, url, _), partial), t) in unit.parts.iter().zip(&partials).zip(&fetched) {
            let bytes = tokio::fs::read(partial).await.map_err(|e| format!("{} : {e}", partial.display()))?;
            parts.push((url.clone(), Part { name: name.clone(), served_as: t.served_as.clone(), bytes }));
        }
        let shape = unit.shape;
        let outputs: Vec<SourceFile> = unit.outputs.iter().map(|f| (*f).clone()).collect();
        let checked = tokio::task::spawn_blocking(move || convert_and_check(shape, &outputs, parts))
            .await
            .map_err(|e| format!("{} : {e}", unit.name))?;
        match checked {
            Ok(checked) => {
                let last_modified = fetched.first().and_then(|t| t.last_modified.clone());
                return place(settings, unit, &partials, checked, last_modified).await.map(Fetched::Done);
            }
            Err(_) if resumed && !fresh => {
                bar.note("fichier repris refusé par les vérifications : nouveau téléchargement complet");
                remove_partials().await;
            }
            Err(e) => {
                remove_partials().await;
                let kept = if unit.outputs.iter().all(|f| settings.data_dir.join(&f.path).is_file()) {
                    "la version précédente est gardée"
                } else {
                    "aucune version précédente"
                };
                return Err(format!("{e} — fichier refusé, {kept}"));
            }
        }
    }
    Err(format!("{} : refusé deux fois", unit.name))
}

/// A unit converted and checked, not yet in place.
struct Checked {
    /// (layout path, bytes, rows) of each output.
    files: Vec<(String, Vec<u8>, usize)>,
    edition: Option<String>,
    /// The producer's files: what the lock says they were made from.
    parts: Vec<LockedPart>,
    converted: bool,
}

fn convert_and_check(shape: Shape, outputs: &[SourceFile], parts: Vec<(String, Part)>) -> Result<Checked, String> {
    let locked: Vec<LockedPart> = parts
        .iter()
        .map(|(url, p)| LockedPart {
            url: url.clone(),
            size: p.bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&p.bytes)),
        })
        .collect();
    let parts: Vec<Part> = parts.into_iter().map(|(_, p)| p).collect();
    let first = outputs.first().map_or("", |f| f.path.as_str());
    let converted = shape.convert(first, &parts)?;
    let mut files = Vec::with_capacity(outputs.len());
    for f in outputs {
        let Some((_, bytes)) = converted.files.iter().find(|(p, _)| *p == f.path) else {
            return Err(format!("{} : la conversion ne l'a pas donné", f.path));
        };
        let rows = f.check(bytes).map_err(|e| match (shape.converts(), locked.as_slice()) {
            (false, _) => e.to_string(),
            (true, [one]) => format!("{e} (converti depuis {})", one.url),
            (true, _) => {
                let names = parts.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
                format!("{e} (converti depuis {names})")
            }
        })?;
        files.push((f.path.clone(), bytes.clone(), rows));
    }
    Ok(Checked { files, edition: converted.edition, parts: locked, converted: shape.converts() })
}

/// Puts the checked files of a unit in place, each by a rename, and keeps
/// the producer's files under [`PRODUCERS_DIR`].
async fn place(
    settings: &Settings,
    unit: &Unit<'_>,
    partials: &[PathBuf],
    checked: Checked,
    last_modified: Option<String>,
) -> Result<Vec<Written>, String> {
    let date =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let edition = checked.edition.or(last_modified.map(|d| format!("version du {d}")));
    let url = checked.parts.first().map(|p| p.url.clone()).unwrap_or_default();
    let mut written = Vec::with_capacity(checked.files.len());
    for (path, bytes, rows) in checked.files {
        let dest = settings.data_dir.join(&path);
        if checked.converted {
            // Written beside its place, then renamed over the previous one.
            let partial = partial_path(&dest);
            if let Some(parent) = dest.parent() {
                tokio::fs::create_dir_all(parent).await.map_err(|e| format!("{} : {e}", parent.display()))?;
            }
            tokio::fs::write(&partial, &bytes).await.map_err(|e| format!("{} : {e}", partial.display()))?;
            tokio::fs::rename(&partial, &dest).await.map_err(|e| format!("{} : {e}", dest.display()))?;
        }
        let entry = LockEntry {
            path,
            url: url.clone(),
            date: date.clone(),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            edition: edition.clone(),
            from: if checked.converted { checked.parts.clone() } else { Vec::new() },
        };
        written.push(Written { entry, rows });
    }
    // The producer's files last: a layout file in place was checked, and
    // a file in the layout's shape is its own producer's file.
    for ((_, _, keep), partial) in unit.parts.iter().zip(partials) {
        tokio::fs::rename(partial, keep).await.map_err(|e| format!("{} : {e}", keep.display()))?;
    }
    Ok(written)
}

/// One attempt: appends to `partial` from where it stopped (HTTP range) or
/// starts it over.
async fn transfer(
    client: &reqwest::Client,
    url: &str,
    partial: &Path,
    bar: &TransferProgress,
) -> Result<Transferred, TransferError> {
    use reqwest::StatusCode;
    let have = tokio::fs::metadata(partial).await.map(|m| m.len()).unwrap_or(0);
    let mut request = client.get(url);
    if have > 0 {
        request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
    }
    let mut response = request.send().await.map_err(|e| TransferError::Retry(describe(&e)))?;
    let status = response.status();
    let resumed = match status {
        StatusCode::PARTIAL_CONTENT if have > 0 && content_range_start(&response) == Some(have) => true,
        StatusCode::OK => false,
        StatusCode::PARTIAL_CONTENT | StatusCode::RANGE_NOT_SATISFIABLE => {
            let _ = tokio::fs::remove_file(partial).await;
            return Err(TransferError::Retry("reprise impossible à cet endroit : nouveau départ".into()));
        }
        StatusCode::NOT_FOUND | StatusCode::GONE => return Err(TransferError::NotFound),
        s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS || s == StatusCode::REQUEST_TIMEOUT => {
            return Err(TransferError::Retry(format!("le serveur a répondu {s}")));
        }
        s => return Err(TransferError::Fatal(format!("le serveur a répondu {s}"))),
    };
    let header = |name: reqwest::header::HeaderName| {
        response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    };
    let served_as = header(reqwest::header::CONTENT_DISPOSITION).and_then(|d| attachment_name(&d)).or_else(|| {
        response.url().path_segments().and_then(|mut s| s.next_back()).filter(|s| !s.is_empty()).map(str::to_string)
    });
    let done = Transferred { resumed, served_as, last_modified: header(reqwest::header::LAST_MODIFIED) };
    let start = if resumed { have } else { 0 };
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(resumed)
        .truncate(!resumed)
        .open(partial)
        .await
        .map_err(|e| TransferError::Fatal(format!("écriture de {} impossible : {e}", partial.display())))?;
    bar.start(url, response.content_length().map(|l| l + start), start);
    let mut received = start;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                file.write_all(&chunk)
                    .await
                    .map_err(|e| TransferError::Fatal(format!("écriture de {} impossible : {e}", partial.display())))?;
                received += chunk.len() as u64;
                bar.advance(chunk.len() as u64);
            }
            Ok(None) => break,
            Err(e) => {
                let _ = file.flush().await;
                return Err(TransferError::Retry(format!(
                    "transfert interrompu après {received} octets ({})",
                    describe(&e)
                )));
            }
        }
    }
    file.flush().await.map_err(|e| TransferError::Fatal(e.to_string()))?;
    file.sync_all().await.map_err(|e| TransferError::Fatal(e.to_string()))?;
    Ok(done)
}

/// The file name of `Content-Disposition: attachment; filename="x.csv"`.
fn attachment_name(value: &str) -> Option<String> {
    value.split(';').map(str::trim).find_map(|p| p.strip_prefix("filename=")).map(|n| n.trim_matches('"').to_string())
}

/// The first byte of a 206 answer (`Content-Range: bytes N-M/T`).
fn content_range_start(response: &reqwest::Response) -> Option<u64> {
    let v = response.headers().get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    v.strip_prefix("bytes ")?.split('-').next()?.trim().parse().ok()
}

/// A network error with its causes, in one line.
fn describe(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(c) = source {
        let _ = write!(s, " : {c}");
        source = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> SourceFile {
        Manifest::embedded().expect("manifest").file.into_iter().find(|f| f.path == path).expect("listed")
    }

    #[test]
    fn the_manifest_lists_every_file_the_importer_reads() {
        let m = Manifest::embedded().expect("sources.toml is valid");
        for path in crate::import::files_read() {
            let f = m.file.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path} absent de sources.toml"));
            assert!(f.required, "{path} is read by the import: it must be required");
        }
        let directory = entry("etablissements/fr-en-annuaire-education.csv");
        assert!(!directory.required && directory.url.as_deref().is_some_and(|u| u.contains("use_labels=true")));
        assert!(!entry("calendrier/fr-en-calendrier-scolaire.csv").required);
        assert_eq!(
            m.datasets(),
            ["etablissements", "formations", "rome", "naf", "territoires", "insertion", "calendrier"]
        );
        for f in &m.file {
            assert!(!f.producer.is_empty() && !f.licence.is_empty(), "{}", f.path);
            if f.format == Format::Csv {
                assert!(!f.checked_columns().is_empty(), "{}: no column checked", f.path);
            }
        }
    }

    #[test]
    fn the_importers_columns_are_checked() {
        let cols = entry("etablissements/fr-en-ips_lycees.csv").checked_columns();
        assert!(cols.iter().any(|c| c == "uai") && cols.iter().any(|c| c == "type_de_lycee"));
        let dir = entry("etablissements/fr-en-annuaire-education.csv").checked_columns();
        assert!(dir.iter().any(|c| c == "Voie_professionnelle") && dir.iter().any(|c| c == "Mail"));
    }

    #[test]
    fn a_bad_manifest_is_refused_with_its_reason() {
        let base = "[[file]]\npath = \"a/b.csv\"\ndataset = \"a\"\nproducer = \"p\"\npage = \"https://x\"\n\
                    licence = \"l\"\nrequired = true\nformat = \"csv\"\nencoding = \"utf-8\"\nmin_rows = 1\n";
        let parse = |text: &str| Manifest::parse(text, false);
        assert!(parse(base).is_ok());
        let twice = format!("{base}{base}");
        assert_eq!(parse(&twice).unwrap_err(), "a/b.csv : listé deux fois");
        let wrong_dataset = base.replace("dataset = \"a\"", "dataset = \"z\"");
        assert!(parse(&wrong_dataset).unwrap_err().contains("doit être le dossier"));
        let climbing = base.replace("a/b.csv", "a/../b.csv");
        assert!(parse(&climbing).unwrap_err().contains("chemin relatif"));
        let unknown = base.replace("min_rows", "lignes_min");
        assert!(parse(&unknown).is_err());
        // Plain http only in another list of sources (a private mirror).
        let http = base.replace("page = \"https://x\"", "page = \"http://x\"");
        assert!(parse(&http).unwrap_err().contains("adresse https:// attendue"));
        assert!(Manifest::parse(&http, true).is_ok());
        // A shape converts a file found at an address.
        let shaped = base.replace("min_rows = 1", "min_rows = 1\nshape = \"certif-info\"");
        assert_eq!(parse(&shaped).unwrap_err(), "a/b.csv : « shape » demande une « url »");
        let shaped = shaped.replace("shape =", "url = \"https://y\"\nshape =");
        assert!(parse(&shaped).is_ok());
        let many = shaped.replace("certif-info", "rome-zip");
        assert!(parse(&many).unwrap_err().contains("décrivez-la par un [[bundle]]"));
    }

    #[test]
    fn a_bundle_gives_exactly_its_files() {
        let m = Manifest::embedded().expect("manifest");
        let rome = m.bundle.iter().find(|b| b.name == "rome").expect("rome");
        assert_eq!(rome.shape, Shape::RomeZip);
        let from_rome: Vec<&str> =
            m.file.iter().filter(|f| f.from.as_deref() == Some("rome")).map(|f| f.path.as_str()).collect();
        assert_eq!(from_rome, convert::ROME_OUTPUTS);
        // Every file the importer reads has a source at a producer.
        for path in crate::import::files_read() {
            let f = m.file.iter().find(|f| f.path == path).expect("listed");
            assert!(f.url.is_some() || f.from.is_some(), "{path} : aucune source officielle");
        }
        let text = toml::to_string(&m).expect("toml");
        let without_one = text.replacen("from = \"rome\"\n", "", 1);
        let e = Manifest::parse(&without_one, false).unwrap_err();
        assert!(
            e.contains("[[bundle]] « rome » : donne rome/rome.csv, qui doit être un [[file]] avec from = \"rome\""),
            "{e}"
        );
        let parts_swapped = text.replacen("naf2008_liste_n1.xls\"", "naf2008_liste_nX.xls\"", 1);
        assert!(Manifest::parse(&parts_swapped, false).unwrap_err().contains("fichiers attendus, dans cet ordre"));
    }

    #[test]
    fn checks_name_what_changed() {
        let ips = entry("etablissements/fr-en-ips_lycees.csv");
        let mut f = ips.clone();
        f.min_rows = 1;
        let good = "\u{feff}rentree_scolaire;academie;code_du_departement;departement;uai;nom;\
                    code_insee_de_la_commune;nom_de_la_commune;secteur;type_de_lycee;ips\n\
                    2021-2022;LYON;69;RHONE;0690043X;LP X;69123;LYON;public;LP;90\n";
        assert_eq!(f.check(good.as_bytes()), Ok(1));
        let renamed = good.replacen(";uai;", ";code_uai;", 1);
        let e = f.check(renamed.as_bytes()).unwrap_err().to_string();
        assert!(
            e.starts_with("etablissements/fr-en-ips_lycees.csv, ligne 1 : colonne « uai » absente (colonnes trouvées : rentree_scolaire, academie,"),
            "{e}"
        );
        let commas = good.replace(';', ",");
        assert!(f.check(commas.as_bytes()).unwrap_err().to_string().contains("séparateur incorrect"));
        assert!(ips.check(good.as_bytes()).unwrap_err().to_string().contains("1 lignes de données seulement"));
        let latin = b"rentree_scolaire;academie;code_du_departement;departement;uai;nom;code_insee_de_la_commune;\
                      nom_de_la_commune;secteur;type_de_lycee;ips\n2021;CR\xc9TEIL;94;V;0940001A;L;94001;A;public;LP;1\n";
        assert!(f.check(latin).unwrap_err().to_string().contains("encodage incorrect"));
    }

    #[test]
    fn json_checks_name_the_entry() {
        let mut f = entry("territoires/regions.json");
        f.min_rows = 1;
        assert_eq!(f.check(br#"[{"code":"84","nom":"Auvergne"}]"#), Ok(1));
        let e = f.check(br#"[{"code":"84","libelle":"Auvergne"}]"#).unwrap_err().to_string();
        assert_eq!(e, "territoires/regions.json : entrée 1 : clé « nom » absente (clés trouvées : code, libelle)");
        assert!(f.check(br#"{"84":{}}"#).unwrap_err().to_string().contains("liste JSON"));
        assert!(f.check(br#"[{"code":"#).unwrap_err().to_string().contains("JSON illisible"));
    }
}
