//! Jobs: ROME v4 job sheets, job titles (appellations) and professional
//! domains; company sectors: NAF rév. 2 and the jobs typical of each sector.

use super::progress::DatasetProgress;
use super::source::{Csv, CsvSpec, Encoding, read_json};
use super::{Loaded, TableData, WriteMode, thousands};
use crate::storage::Val;
use domain::RomeCode;
use domain::rome::{GRANDS_DOMAINES, grand_domaine};
use domain::text::fold;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

pub(super) const FILES: [&str; 5] = [
    "rome/domaine_professionnel.csv",
    "rome/rome.csv",
    "rome/metier.csv",
    "naf/naf_rev2.json",
    "naf/secteurs_naf_rome.json",
];

/// Columns read from each CSV of [`FILES`], in its order.
pub(super) const DOMAINE_COLUMNS: &[&str] = &["code_domaine_professionnel", "libelle_domaine_professionnel"];
pub(super) const ROME_COLUMNS: &[&str] = &["code_rome", "libelle_rome"];
pub(super) const APPELLATION_COLUMNS: &[&str] =
    &["code_ogr", "libelle_appellation_long", "libelle_appellation_court", "code_rome"];

/// INSEE's correspondence NAF 2025 → NAF rév. 2, as `monlyceepro download`
/// writes it (optional: without it a company known only by its NAF 2025
/// code gets no job suggested from its sector, and the journey says so).
pub(super) const NAF2025_FILE: &str = crate::download::convert::NAF2025_OUTPUT;
pub(super) const NAF2025_COLUMNS: &[&str] = &["naf2025", "libelle_naf2025", "naf_rev2"];

#[derive(Deserialize)]
struct Labelled {
    code: String,
    description: String,
}

#[derive(Deserialize)]
struct NafJson {
    code: String,
    description: String,
    division: Labelled,
    section: Labelled,
}

#[derive(Deserialize)]
struct SecteurJson {
    #[serde(default)]
    codes_rome: Vec<RomeRef>,
}

#[derive(Deserialize)]
struct RomeRef {
    code: String,
    #[serde(default)]
    libelle: String,
}

fn utf8(required: &'static [&'static str]) -> CsvSpec<'static> {
    CsvSpec { encoding: Encoding::Utf8, required }
}

pub(super) fn load(dir: &Path, bar: &DatasetProgress) -> anyhow::Result<Loaded> {
    let dom = Csv::read(&dir.join(FILES[0]), &utf8(DOMAINE_COLUMNS))?;
    let (d_code, d_lib) = (dom.col("code_domaine_professionnel"), dom.col("libelle_domaine_professionnel"));
    let mut domaines: Vec<Vec<Val>> = GRANDS_DOMAINES
        .iter()
        .filter_map(|l| grand_domaine(&l.to_string()).map(|lib| vec![Val::from(l.to_string()), Val::from(lib)]))
        .collect();
    for r in &dom.records {
        domaines.push(vec![Val::from(r.get(d_code)), Val::from(r.get(d_lib))]);
    }
    bar.step("domaines professionnels");

    let rome = Csv::read(&dir.join(FILES[1]), &utf8(ROME_COLUMNS))?;
    let (r_code, r_lib) = (rome.col("code_rome"), rome.col("libelle_rome"));
    let mut romes = Vec::new();
    let mut known: HashSet<String> = HashSet::new();
    for r in &rome.records {
        let code: RomeCode = r.get(r_code).parse().map_err(|e| rome.error(r, r_code, format!("{e}")))?;
        if !known.insert(code.to_string()) {
            continue;
        }
        let lib = r.get(r_lib);
        romes.push(vec![Val::from(code.to_string()), Val::from(lib), Val::from(fold(lib))]);
    }
    bar.step("fiches ROME");

    let met = Csv::read(&dir.join(FILES[2]), &utf8(APPELLATION_COLUMNS))?;
    let (m_ogr, m_long, m_court, m_rome) = (
        met.col("code_ogr"),
        met.col("libelle_appellation_long"),
        met.col("libelle_appellation_court"),
        met.col("code_rome"),
    );
    let mut appellations = Vec::with_capacity(met.records.len());
    // Job title → its ROME code: the NAF → ROME file names some jobs with
    // codes of a newer ROME release; their titles find them in ours.
    let mut rome_of_title: HashMap<String, String> = HashMap::new();
    for r in &met.records {
        let ogr = met.opt_i64(r, m_ogr)?.ok_or_else(|| met.error(r, m_ogr, "code OGR vide"))?;
        let code = r.get(m_rome);
        if !known.contains(code) {
            return Err(met.error(r, m_rome, format!("code ROME « {code} » absent de rome.csv")).into());
        }
        let long = r.get(m_long);
        rome_of_title.entry(fold(long)).or_insert_with(|| code.to_string());
        rome_of_title.entry(fold(r.get(m_court))).or_insert_with(|| code.to_string());
        appellations.push(vec![
            Val::from(ogr),
            Val::from(code),
            Val::from(long),
            Val::from(r.get(m_court)),
            Val::from(fold(long)),
        ]);
    }
    bar.step("appellations");

    let naf: BTreeMap<String, NafJson> = read_json(&dir.join(FILES[3]))?;
    let naf_rows: Vec<Vec<Val>> = naf
        .values()
        .map(|n| {
            vec![
                Val::from(n.code.clone()),
                Val::from(n.description.clone()),
                Val::from(n.division.code.clone()),
                Val::from(n.division.description.clone()),
                Val::from(n.section.code.clone()),
                Val::from(n.section.description.clone()),
            ]
        })
        .collect();
    bar.step("NAF");

    let secteurs: BTreeMap<String, SecteurJson> = read_json(&dir.join(FILES[4]))?;
    let mut links: BTreeSet<(String, String)> = BTreeSet::new();
    for (division, s) in &secteurs {
        let division = format!("{:0>2}", division.trim());
        for r in &s.codes_rome {
            let code = if known.contains(&r.code) { Some(&r.code) } else { rome_of_title.get(&fold(&r.libelle)) };
            if let Some(code) = code {
                links.insert((division.clone(), code.clone()));
            }
        }
    }
    let link_rows: Vec<Vec<Val>> = links.into_iter().map(|(d, r)| vec![Val::from(d), Val::from(r)]).collect();
    bar.step("secteurs NAF → métiers");

    let (naf2025_rows, naf2025_codes) = naf2025(dir)?;
    let naf2025_summary = match naf2025_codes {
        0 => "pas de correspondance NAF 2025 (fichier facultatif absent)".to_string(),
        n => format!("{} codes NAF 2025 rapprochés de la NAF rév. 2", thousands(n)),
    };

    let summary = format!(
        "{} fiches ROME, {} appellations, {} domaines, {} codes NAF, {} liens NAF → ROME, {naf2025_summary}",
        romes.len(),
        thousands(appellations.len()),
        domaines.len(),
        naf_rows.len(),
        thousands(link_rows.len())
    );
    Ok(Loaded {
        tables: vec![
            TableData { table: "domaines", columns: &["code", "libelle"], rows: domaines, mode: WriteMode::Replace },
            TableData {
                table: "romes",
                columns: &["code", "libelle", "libelle_norm"],
                rows: romes,
                mode: WriteMode::Replace,
            },
            TableData {
                table: "appellations",
                columns: &["code_ogr", "rome_code", "libelle", "libelle_court", "libelle_norm"],
                rows: appellations,
                mode: WriteMode::Replace,
            },
            TableData {
                table: "naf",
                columns: &["code", "libelle", "division", "division_libelle", "section", "section_libelle"],
                rows: naf_rows,
                mode: WriteMode::Replace,
            },
            TableData {
                table: "naf_division_romes",
                columns: &["division", "rome_code"],
                rows: link_rows,
                mode: WriteMode::Replace,
            },
            TableData {
                table: "naf2025",
                columns: &["code", "libelle", "naf_rev2"],
                rows: naf2025_rows,
                mode: WriteMode::Replace,
            },
        ],
        summary,
    })
}

/// The links NAF 2025 sub-class → NAF rév. 2 sub-class of the optional
/// correspondence file (none without it), and how many NAF 2025 codes.
fn naf2025(dir: &Path) -> anyhow::Result<(Vec<Vec<Val>>, usize)> {
    let path = dir.join(NAF2025_FILE);
    if !path.is_file() {
        return Ok((Vec::new(), 0));
    }
    let csv = Csv::read(&path, &utf8(NAF2025_COLUMNS))?;
    let (c_code, c_label, c_rev2) = (csv.col("naf2025"), csv.col("libelle_naf2025"), csv.col("naf_rev2"));
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut rows = Vec::new();
    for r in &csv.records {
        for col in [c_code, c_rev2] {
            let code = r.get(col);
            if !domain::naf::is_subclass(code) {
                return Err(csv
                    .error(r, col, format!("sous-classe NAF comme 43.21A attendue, trouvé « {code} »"))
                    .into());
            }
        }
        if seen.insert((r.get(c_code).to_string(), r.get(c_rev2).to_string())) {
            rows.push(vec![Val::from(r.get(c_code)), Val::from(r.get(c_label)), Val::from(r.get(c_rev2))]);
        }
    }
    let codes: HashSet<&str> = seen.iter().map(|(c, _)| c.as_str()).collect();
    Ok((rows, codes.len()))
}
