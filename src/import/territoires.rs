//! Régions, académies, départements and communes (COG 2026), with positions
//! from La Poste's postcode base.

use super::progress::DatasetProgress;
use super::source::{Csv, CsvSpec, Encoding, read_json};
use super::{Loaded, TableData, WriteMode, thousands};
use crate::storage::Val;
use domain::Position;
use domain::text::fold_place;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub(super) const FILES: [&str; 5] = [
    "territoires/regions.json",
    "territoires/departements.json",
    "territoires/departements_academies_regions.csv",
    "territoires/communes.json",
    "territoires/laposte_hexasmal.csv",
];

/// Columns read from `departements_academies_regions.csv`.
pub(super) const ACADEMIE_COLUMNS: &[&str] = &["codeAcademie", "codeRegion", "codeDepartement", "libelleAcademie"];
/// Columns read from La Poste's postcode base.
pub(super) const POSTE_COLUMNS: &[&str] = &["Code_commune_INSEE", "latitude", "longitude"];

#[derive(Deserialize)]
struct RegionJson {
    code: String,
    nom: String,
}

#[derive(Deserialize)]
struct DepartementJson {
    code: String,
    nom: String,
    region: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommuneJson {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    departement: Option<String>,
    commune: Option<String>,
    population: Option<i64>,
    #[serde(default)]
    codes_postaux: Vec<String>,
    #[serde(default)]
    anciens_codes: Vec<String>,
}

/// Département codes are written `001`, `02A`, `974` in the académie file
/// and `01`, `2A`, `974` everywhere else.
pub(crate) fn normalize_departement(code: &str) -> String {
    let c = code.trim().to_ascii_uppercase();
    if c.len() == 3 && c.starts_with('0') { c[1..].to_string() } else { c }
}

pub(super) fn load(dir: &Path, bar: &DatasetProgress) -> anyhow::Result<Loaded> {
    let regions: Vec<RegionJson> = read_json(&dir.join(FILES[0]))?;
    bar.step("régions");
    let departements: Vec<DepartementJson> = read_json(&dir.join(FILES[1]))?;
    bar.step("départements");

    let acad_path = dir.join(FILES[2]);
    let acad = Csv::read(&acad_path, &CsvSpec { encoding: Encoding::Utf8, required: ACADEMIE_COLUMNS })?;
    let (c_acad, c_reg, c_dep, c_lib) =
        (acad.col("codeAcademie"), acad.col("codeRegion"), acad.col("codeDepartement"), acad.col("libelleAcademie"));
    let mut academies: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut dep_academie: HashMap<String, String> = HashMap::new();
    for r in &acad.records {
        let code = r.get(c_acad).to_string();
        if code.is_empty() {
            return Err(acad.error(r, c_acad, "code d'académie vide").into());
        }
        academies.entry(code.clone()).or_insert((r.get(c_lib).to_string(), r.get(c_reg).to_string()));
        dep_academie.insert(normalize_departement(r.get(c_dep)), code);
    }
    bar.step("académies");

    let communes: Vec<CommuneJson> = read_json(&dir.join(FILES[3]))?;
    bar.step("communes");

    let poste_path = dir.join(FILES[4]);
    let poste = Csv::read(&poste_path, &CsvSpec { encoding: Encoding::Utf8, required: POSTE_COLUMNS })?;
    let (p_code, p_lat, p_lon) = (poste.col("Code_commune_INSEE"), poste.col("latitude"), poste.col("longitude"));
    let mut positions: HashMap<String, Position> = HashMap::new();
    for r in &poste.records {
        let code = r.get(p_code);
        if positions.contains_key(code) {
            continue;
        }
        let (lat, lon) = (poste.opt_f64(r, p_lat)?, poste.opt_f64(r, p_lon)?);
        if let (Some(lat), Some(lon)) = (lat, lon) {
            let p = Position::new(lat, lon).ok_or_else(|| poste.error(r, p_lat, "coordonnées hors limites"))?;
            positions.insert(code.to_string(), p);
        }
    }
    bar.step("positions des communes");

    let kept: Vec<&CommuneJson> =
        communes.iter().filter(|c| c.kind == "commune-actuelle" || c.kind == "arrondissement-municipal").collect();
    // A whole city with arrondissements (Paris, Lyon, Marseille) has no
    // position of its own: place it at the mean of its arrondissements.
    let mut arrondissements: HashMap<&str, Vec<Position>> = HashMap::new();
    for c in &kept {
        if let (Some(parent), Some(p)) = (c.commune.as_deref(), positions.get(&c.code)) {
            arrondissements.entry(parent).or_default().push(*p);
        }
    }
    let mut commune_rows = Vec::with_capacity(kept.len());
    let mut cp_rows = Vec::new();
    let mut placed = 0usize;
    for c in &kept {
        let position = positions
            .get(&c.code)
            .copied()
            .or_else(|| arrondissements.get(c.code.as_str()).and_then(|ps| Position::centroid(ps)))
            .or_else(|| {
                Position::centroid(
                    &c.anciens_codes.iter().filter_map(|a| positions.get(a).copied()).collect::<Vec<_>>(),
                )
            });
        placed += usize::from(position.is_some());
        let dep = c.departement.clone().unwrap_or_else(|| c.code[..2].to_string());
        let kind = if c.kind == "arrondissement-municipal" { "arrondissement" } else { "commune" };
        commune_rows.push(vec![
            Val::from(c.code.clone()),
            Val::from(c.nom.clone()),
            Val::from(fold_place(&c.nom)),
            Val::from(dep),
            Val::from(kind),
            Val::from(c.commune.clone()),
            Val::from(c.population),
            Val::from(position.map(|p| p.lat)),
            Val::from(position.map(|p| p.lon)),
        ]);
        let mut cps = c.codes_postaux.clone();
        cps.sort();
        cps.dedup();
        for cp in cps {
            cp_rows.push(vec![Val::from(c.code.clone()), Val::from(cp)]);
        }
    }

    let region_rows: Vec<Vec<Val>> =
        regions.iter().map(|r| vec![Val::from(r.code.clone()), Val::from(r.nom.clone())]).collect();
    let academy_rows: Vec<Vec<Val>> = academies
        .iter()
        .map(|(code, (nom, reg))| vec![Val::from(code.clone()), Val::from(nom.clone()), Val::from(reg.clone())])
        .collect();
    let dep_rows: Vec<Vec<Val>> = departements
        .iter()
        .map(|d| {
            vec![
                Val::from(d.code.clone()),
                Val::from(d.nom.clone()),
                Val::from(d.region.clone()),
                Val::from(dep_academie.get(&d.code).cloned()),
            ]
        })
        .collect();

    let summary = format!(
        "{} régions, {} académies, {} départements, {} communes ({} placées), {} codes postaux",
        region_rows.len(),
        academy_rows.len(),
        dep_rows.len(),
        thousands(commune_rows.len()),
        thousands(placed),
        thousands(cp_rows.len())
    );
    Ok(Loaded {
        tables: vec![
            TableData { table: "regions", columns: &["code", "nom"], rows: region_rows, mode: WriteMode::Replace },
            TableData {
                table: "academies",
                columns: &["code", "nom", "region_code"],
                rows: academy_rows,
                mode: WriteMode::Replace,
            },
            TableData {
                table: "departements",
                columns: &["code", "nom", "region_code", "academie_code"],
                rows: dep_rows,
                mode: WriteMode::Replace,
            },
            TableData {
                table: "communes",
                columns: &[
                    "code_insee",
                    "nom",
                    "nom_norm",
                    "departement_code",
                    "kind",
                    "parent_code",
                    "population",
                    "lat",
                    "lon",
                ],
                rows: commune_rows,
                mode: WriteMode::Replace,
            },
            TableData {
                table: "commune_codes_postaux",
                columns: &["code_insee", "code_postal"],
                rows: cp_rows,
                mode: WriteMode::Replace,
            },
        ],
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::normalize_departement;

    #[test]
    fn departement_codes() {
        for (raw, want) in [("001", "01"), ("02A", "2A"), ("974", "974"), ("69", "69"), ("2b", "2B")] {
            assert_eq!(normalize_departement(raw), want);
        }
    }
}
