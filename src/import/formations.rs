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

    let today = time::OffsetDateTime::now_utc().date().to_string();
    let current = current_codes(&diplomas, &bcn_successors, &today);
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
            Val::from(current.get(cfd).cloned()),
        ]);
    }

    let summary = format!(
        "{} diplômes (dont {} anciens, {} rénovés sous un nouveau code), {} menant à des métiers ROME, {} liens diplôme → métier",
        thousands(diploma_rows.len()),
        thousands(older),
        thousands(current.len()),
        thousands(with_jobs),
        thousands(link_rows.len())
    );
    Ok(Loaded {
        tables: vec![
            TableData {
                table: "diplomes",
                columns: &["cfd", "libelle", "niveau_bcn", "niveau", "groupe_specialite", "fermeture", "successeur"],
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

/// The current code of each diploma closed before `today` (ISO) that the
/// BCN renewed: its links (`NOUVEAU_DIPLOME_1..7`, first in the BCN's
/// order among the known diplomas) followed until a diploma still open
/// today. A chain that ends on a closed diploma (or loops) gives nothing:
/// that training was not renewed.
fn current_codes(
    diplomas: &BTreeMap<String, Diploma>,
    successors: &Successors,
    today: &str,
) -> HashMap<String, String> {
    let closed = |cfd: &str| diplomas.get(cfd).and_then(|d| d.closed.as_deref()).is_some_and(|day| day < today);
    let mut out = HashMap::new();
    for cfd in diplomas.keys().filter(|c| closed(c)) {
        let mut at = cfd.as_str();
        for _ in 0..8 {
            let Some(next) = successors.get(at).and_then(|n| n.iter().find(|n| diplomas.contains_key(n.as_str())))
            else {
                break;
            };
            at = next;
            if !closed(at) {
                out.insert(cfd.clone(), at.to_string());
                break;
            }
        }
    }
    out
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

    /// CAP cuisine was renewed under a new code (as the BCN says): its
    /// current code is the successor's; a chain is followed to its end; a
    /// closed diploma without an open successor has none; a closure to
    /// come is not a renewal yet.
    #[test]
    fn renewed_diplomas_lead_to_their_current_code() {
        let d = |closed: Option<&str>| Diploma {
            bcn_label: String::new(),
            level_code: "500".into(),
            group: None,
            closed: closed.map(str::to_string),
        };
        let diplomas: BTreeMap<String, Diploma> = [
            ("50022139", d(Some("2025-08-31"))),
            ("50022146", d(None)),
            ("40030001", d(Some("2019-08-31"))),
            ("40030002", d(Some("2022-08-31"))),
            ("40030004", d(None)),
            ("50099999", d(Some("2020-08-31"))),
            ("50088888", d(Some("2028-08-31"))),
            ("50088889", d(None)),
            ("50077777", d(Some("2021-08-31"))),
        ]
        .into_iter()
        .map(|(c, d)| (c.to_string(), d))
        .collect();
        let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let successors: Successors = [
            ("50022139", s(&["50022146"])),
            ("40030001", s(&["40030002"])),
            ("40030002", s(&["40030004"])),
            ("50088888", s(&["50088889"])),
            ("50077777", s(&["50000000", "50099999"])),
        ]
        .into_iter()
        .map(|(c, n)| (c.to_string(), n))
        .collect();
        let current = current_codes(&diplomas, &successors, "2026-12-07");
        assert_eq!(current.get("50022139").map(String::as_str), Some("50022146"));
        assert_eq!(current.get("40030001").map(String::as_str), Some("40030004"));
        assert_eq!(current.get("40030002").map(String::as_str), Some("40030004"));
        assert_eq!(current.get("50099999"), None, "closed, nobody replaced it");
        assert_eq!(current.get("50088888"), None, "closes in 2028: not yet");
        assert_eq!(current.get("50077777"), None, "its only known successor closed too");
        assert_eq!(current.len(), 3);
    }

    #[test]
    fn bcn_dates_become_iso() {
        assert_eq!(bcn_date("31/08/2021").as_deref(), Some("2021-08-31"));
        assert_eq!(bcn_date("2021-08-31"), None);
        assert_eq!(bcn_date("31/8/2021"), None);
        assert_eq!(bcn_date("31/08/2021/1"), None);
    }
}
