//! Diplomas (BCN nomenclature) and the jobs each leads to.
//!
//! The bridge from a diploma to its jobs is Certif Info (`Code_Scolarité` →
//! `Code_Rome_1..5`). Two gaps are filled from the same official data:
//! the common first year of a "famille de métiers" leads to the jobs of the
//! family's specialities, and a diploma replaced by a newer one leads to the
//! jobs of its successor (Certif Info's `Code_Ancien_Scolarité`, else the
//! BCN's `NOUVEAU_DIPLOME_1..7`).

use super::progress::DatasetProgress;
use super::source::{Csv, CsvSpec, Encoding};
use super::{Loaded, TableData, WriteMode, thousands};
use crate::storage::Val;
use domain::Niveau;
use domain::text::sentence_case;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub(super) const FILES: [&str; 4] = [
    "formations/vFormationDiplome_.csv",
    "formations/nFormationDiplome_.csv",
    "formations/certif_info.csv",
    "formations/familleMetiers.csv",
];

pub(super) const BCN_COLUMNS: &[&str] =
    &["FORMATION_DIPLOME", "NIVEAU_FORMATION_DIPLOME", "GROUPE_SPECIALITE", "LIBELLE_LONG_200", "DATE_FERMETURE"];
pub(super) const CERTIF_INFO_COLUMNS: &[&str] =
    &["Code_Scolarité", "Libelle_Diplome", "Code_Rome_1", "Code_Rome_5", "Code_Ancien_Scolarité"];
pub(super) const FAMILLE_COLUMNS: &[&str] = &["FAMILLE", "CFD_COMMUN", "CFD_SPECIALITE"];

/// One diploma as read from the BCN.
struct Diploma {
    bcn_label: String,
    level_code: String,
    group: Option<String>,
    /// The day it closed (ISO), if it did.
    closed: Option<String>,
}

/// A BCN date ("31/08/2021") as ISO 8601 ("2021-08-31").
fn bcn_date(raw: &str) -> Option<String> {
    let mut parts = raw.split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    let ok = parts.next().is_none()
        && [(d, 2), (m, 2), (y, 4)].iter().all(|(p, n)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| format!("{y}-{m}-{d}"))
}

/// The BCN's successors of a diploma (`NOUVEAU_DIPLOME_1..7` of
/// `N_FORMATION_DIPLOME`): old CFD → new CFDs, in the BCN's order.
type Successors = HashMap<String, Vec<String>>;

fn read_bcn(
    path: &Path,
    encoding: Encoding,
    into: &mut BTreeMap<String, Diploma>,
    successors: &mut Successors,
) -> anyhow::Result<usize> {
    let csv = Csv::read(path, &CsvSpec { encoding, required: BCN_COLUMNS })?;
    let c_new: Vec<_> = (1..=7).map(|i| csv.col(&format!("NOUVEAU_DIPLOME_{i}"))).collect();
    let (c_cfd, c_niv, c_grp, c_lib, c_end) = (
        csv.col("FORMATION_DIPLOME"),
        csv.col("NIVEAU_FORMATION_DIPLOME"),
        csv.col("GROUPE_SPECIALITE"),
        csv.col("LIBELLE_LONG_200"),
        csv.col("DATE_FERMETURE"),
    );
    let mut added = 0;
    for r in &csv.records {
        let cfd = r.get(c_cfd);
        if cfd.len() != 8 {
            return Err(csv
                .error(r, c_cfd, format!("code diplôme (CFD) de 8 caractères attendu, trouvé « {cfd} »"))
                .into());
        }
        let news: Vec<String> =
            c_new.iter().map(|c| r.get(*c)).filter(|n| n.len() == 8 && *n != cfd).map(str::to_string).collect();
        if !news.is_empty() {
            push_unique(successors.entry(cfd.to_string()).or_default(), &news);
        }
        if into.contains_key(cfd) {
            continue;
        }
        let closed = match r.get(c_end) {
            "" => None,
            raw => Some(bcn_date(raw).ok_or_else(|| {
                csv.error(r, c_end, format!("date de fermeture JJ/MM/AAAA attendue, trouvé « {raw} »"))
            })?),
        };
        into.insert(
            cfd.to_string(),
            Diploma {
                bcn_label: r.get(c_lib).to_string(),
                level_code: r.get(c_niv).to_string(),
                group: r.opt(c_grp),
                closed,
            },
        );
        added += 1;
    }
    Ok(added)
}

use domain::text::capitalise;

pub(super) fn load(dir: &Path, bar: &DatasetProgress) -> anyhow::Result<Loaded> {
    let mut diplomas = BTreeMap::new();
    let mut bcn_successors = Successors::new();
    read_bcn(&dir.join(FILES[0]), Encoding::Utf8, &mut diplomas, &mut bcn_successors)?;
    bar.step("diplômes (BCN)");
    let older = read_bcn(&dir.join(FILES[1]), Encoding::Latin1, &mut diplomas, &mut bcn_successors)?;
    bar.step("anciens diplômes (BCN, ISO-8859-1)");

    let ci = Csv::read(&dir.join(FILES[2]), &CsvSpec { encoding: Encoding::Utf8, required: CERTIF_INFO_COLUMNS })?;
    let c_cfd = ci.col("Code_Scolarité");
    let c_lib = ci.col("Libelle_Diplome");
    let c_old = ci.col("Code_Ancien_Scolarité");
    let rome_cols: Vec<_> = (1..=5).map(|i| ci.col(&format!("Code_Rome_{i}"))).collect();
    let mut romes_of: HashMap<String, Vec<String>> = HashMap::new();
    let mut label_of: HashMap<String, String> = HashMap::new();
    let mut successor_romes: HashMap<String, Vec<String>> = HashMap::new();
    for r in &ci.records {
        let cfd = r.get(c_cfd);
        let romes: Vec<String> = rome_cols
            .iter()
            .map(|c| r.get(*c))
            .filter(|c| c.parse::<domain::RomeCode>().is_ok())
            .map(str::to_string)
            .collect();
        if cfd.is_empty() {
            continue;
        }
        let lib = r.get(c_lib);
        if !lib.is_empty() && !lib.contains('\u{FFFD}') {
            label_of.entry(cfd.to_string()).or_insert_with(|| capitalise(lib));
        }
        push_unique(romes_of.entry(cfd.to_string()).or_default(), &romes);
        for old in r.get(c_old).split([',', ' ']).map(str::trim).filter(|o| o.len() == 8) {
            push_unique(successor_romes.entry(old.to_string()).or_default(), &romes);
        }
    }
    bar.step("Certif Info (diplôme → métiers)");
    // A diploma Certif Info does not link to its successor: the BCN's
    // successors' jobs (a diploma renewed under a new code is the same
    // training).
    for (old, news) in &bcn_successors {
        if successor_romes.get(old).is_some_and(|r| !r.is_empty()) {
            continue;
        }
        let mut romes = Vec::new();
        for n in news {
            if let Some(r) = romes_of.get(n) {
                push_unique(&mut romes, r);
            }
        }
        if !romes.is_empty() {
            successor_romes.insert(old.clone(), romes);
        }
    }

    let fam = Csv::read(&dir.join(FILES[3]), &CsvSpec { encoding: Encoding::Utf8, required: FAMILLE_COLUMNS })?;
    let (f_fam, f_common, f_spec) = (fam.col("FAMILLE"), fam.col("CFD_COMMUN"), fam.col("CFD_SPECIALITE"));
    let mut family_romes: HashMap<String, Vec<String>> = HashMap::new();
    let mut family_label: HashMap<String, String> = HashMap::new();
    for r in &fam.records {
        let common = r.get(f_common).to_string();
        family_label.entry(common.clone()).or_insert_with(|| r.get(f_fam).to_string());
        if let Some(romes) = romes_of.get(r.get(f_spec)) {
            let romes = romes.clone();
            push_unique(family_romes.entry(common).or_default(), &romes);
        }
    }
    bar.step("familles de métiers");

    // A common first year outside the famille file ("SYSTEMES NUMERIQUES
    // 2NDE COMMUNE") leads to the jobs of the options sharing its name.
    let mut common_year: HashMap<String, (String, Vec<String>)> = HashMap::new();
    for (cfd, d) in &diplomas {
        let Some(stem) = d.bcn_label.split("2NDE COMMUNE").next().filter(|_| d.bcn_label.contains("2NDE COMMUNE"))
        else {
            continue;
        };
        let stem = stem.trim();
        if stem.is_empty() || family_label.contains_key(cfd) {
            continue;
        }
        let mut romes = Vec::new();
        for (other, o) in &diplomas {
            if other != cfd
                && o.level_code == d.level_code
                && o.bcn_label.starts_with(stem)
                && let Some(r) = romes_of.get(other)
            {
                push_unique(&mut romes, r);
            }
        }
        common_year.insert(cfd.clone(), (sentence_case(stem), romes));
    }

    let mut diploma_rows = Vec::with_capacity(diplomas.len());
    let mut link_rows = Vec::new();
    let mut with_jobs = 0usize;
    for (cfd, d) in &diplomas {
        let level = Niveau::from_bcn(&d.level_code);
        let label = if let Some(family) = family_label.get(cfd) {
            format!("{} – seconde commune : {}", level.label(), family)
        } else if let Some((stem, _)) = common_year.get(cfd) {
            format!("{} – seconde commune : {}", level.label(), stem)
        } else {
            label_of.get(cfd).cloned().unwrap_or_else(|| sentence_case(&d.bcn_label))
        };
        let romes = romes_of
            .get(cfd)
            .filter(|r| !r.is_empty())
            .or_else(|| family_romes.get(cfd))
            .or_else(|| successor_romes.get(cfd))
            .or_else(|| common_year.get(cfd).map(|(_, r)| r).filter(|r| !r.is_empty()))
            .cloned()
            .unwrap_or_default();
        with_jobs += usize::from(!romes.is_empty());
        for (rank, rome) in romes.iter().enumerate() {
            link_rows.push(vec![Val::from(cfd.clone()), Val::from(rome.clone()), Val::from(rank as i64 + 1)]);
        }
        diploma_rows.push(vec![
            Val::from(cfd.clone()),
            Val::from(domain::corrections::correct(&label)),
            Val::from(d.level_code.clone()),
            Val::from(level.code()),
            Val::from(d.group.clone()),
            Val::from(d.closed.clone()),
        ]);
    }

    let summary = format!(
        "{} diplômes (dont {} anciens), {} menant à des métiers ROME, {} liens diplôme → métier",
        thousands(diploma_rows.len()),
        thousands(older),
        thousands(with_jobs),
        thousands(link_rows.len())
    );
    Ok(Loaded {
        tables: vec![
            TableData {
                table: "diplomes",
                columns: &["cfd", "libelle", "niveau_bcn", "niveau", "groupe_specialite", "fermeture"],
                rows: diploma_rows,
                mode: WriteMode::Replace,
            },
            TableData {
                table: "diplome_romes",
                columns: &["cfd", "rome_code", "rang"],
                rows: link_rows,
                mode: WriteMode::Replace,
            },
        ],
        summary,
    })
}

/// Appends the codes not already in `list`, keeping their order (the first
/// ROME code of Certif Info is the main job).
fn push_unique(list: &mut Vec<String>, codes: &[String]) {
    for c in codes {
        if !list.contains(c) {
            list.push(c.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcn_dates_become_iso() {
        assert_eq!(bcn_date("31/08/2021").as_deref(), Some("2021-08-31"));
        assert_eq!(bcn_date("2021-08-31"), None);
        assert_eq!(bcn_date("31/8/2021"), None);
        assert_eq!(bcn_date("31/08/2021/1"), None);
    }
}
