//! InserJeunes outcomes per lycée (DEPP), school route: the "ensemble" line
//! of each lycée (all its leavers, school students and apprentices).

use super::progress::DatasetProgress;
use super::source::{Csv, CsvSpec, Encoding};
use super::{Loaded, TableData, WriteMode, thousands};
use crate::storage::Val;
use std::path::Path;

pub(super) const FILES: [&str; 1] = ["insertion/depp-2022-etablissements-2022_2023-pro.csv"];

/// Where the figures come from, as shown next to them.
/// Columns read from the file.
pub(super) const COLUMNS: &[&str] = &[
    "n°UAI de l'établissement",
    "Dont apprentis en EPLE",
    "Taux de poursuite d'études",
    "Taux",
    "Taux attendu",
    "Valeur ajoutée",
];

pub const SOURCE: &str = "InserJeunes (DEPP), voie professionnelle scolaire";

/// The school years a file covers, from its name ("…-2022_2023-pro.csv").
fn millesime_of(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name.split('-')
        .find(|p| p.len() == 9 && p.as_bytes()[4] == b'_' && p.bytes().filter(u8::is_ascii_digit).count() == 8)
        .unwrap_or("inconnu")
        .to_string()
}

pub(super) fn load(dir: &Path, bar: &DatasetProgress) -> anyhow::Result<Loaded> {
    let path = dir.join(FILES[0]);
    let csv = Csv::read(&path, &CsvSpec { encoding: Encoding::Utf8, required: COLUMNS })?;
    let c = |n: &str| csv.col(n);
    let (uai, scope, further, rate, expected, added) = (
        c("n°UAI de l'établissement"),
        c("Dont apprentis en EPLE"),
        c("Taux de poursuite d'études"),
        c("Taux"),
        c("Taux attendu"),
        c("Valeur ajoutée"),
    );
    let millesime = millesime_of(&path);
    let mut rows = Vec::new();
    for r in csv.records.iter().filter(|r| r.get(scope) == "ensemble") {
        let code = r.get(uai);
        if code.parse::<domain::Uai>().is_err() {
            return Err(csv.error(r, uai, format!("UAI invalide « {code} »")).into());
        }
        rows.push(vec![
            Val::from(code),
            Val::from(millesime.clone()),
            Val::from(csv.opt_i64(r, rate)?),
            Val::from(csv.opt_i64(r, further)?),
            Val::from(csv.opt_i64(r, expected)?),
            Val::from(csv.opt_i64(r, added)?),
            Val::from(SOURCE),
        ]);
    }
    bar.step("taux d'emploi et de poursuite d'études");
    let summary = format!("{} établissements avec indicateurs ({millesime})", thousands(rows.len()));
    Ok(Loaded {
        tables: vec![TableData {
            table: "lycee_insertion",
            columns: &[
                "uai",
                "millesime",
                "taux_emploi_6_mois",
                "taux_poursuite_etudes",
                "taux_attendu",
                "valeur_ajoutee",
                "source",
            ],
            rows,
            mode: WriteMode::Replace,
        }],
        summary,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_school_years_from_the_name() {
        let p = std::path::Path::new("x/depp-2022-etablissements-2022_2023-pro.csv");
        assert_eq!(super::millesime_of(p), "2022_2023");
        assert_eq!(super::millesime_of(std::path::Path::new("a.csv")), "inconnu");
    }
}
