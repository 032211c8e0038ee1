//! Vocational lycées (LP and LPO) of the latest school year and what each
//! teaches, from the national IPS list, enriched with the Île-de-France
//! directory (contacts, exact positions), the official national directory
//! when present, and the accented names of the InserJeunes file.
//!
//! What a lycée teaches comes from the 2020 constat and the 2022 offer of
//! the affectation, merged in [`super::teaching`].

use super::progress::DatasetProgress;
use super::source::{Csv, CsvSpec, Encoding};
use super::{Loaded, TableData, WriteMode, teaching, thousands};
use crate::storage::Val;
use crate::storage::import::LyceeContext;
use domain::text::{fold, fold_place, school_case};
use domain::{Position, Siret, Uai};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

pub(super) const FILES: [&str; 6] = [
    "etablissements/fr-en-ips_lycees.csv",
    "etablissements/onisep-lycees-idf-donnees-generales.csv",
    "insertion/depp-2022-etablissements-2022_2023-pro.csv",
    teaching::COUNT_FILE,
    teaching::MEF_FILE,
    teaching::OFFER_FILE,
];

/// Columns read from the national IPS list.
pub(super) const IPS_COLUMNS: &[&str] = &[
    "rentree_scolaire",
    "uai",
    "nom",
    "code_insee_de_la_commune",
    "nom_de_la_commune",
    "code_du_departement",
    "secteur",
    "type_de_lycee",
];
/// Columns read from the Île-de-France directory.
pub(super) const IDF_COLUMNS: &[&str] =
    &["CODE_UAI", "NOM_ETABLISSEMENT", "ADRESSE_POSTALE", "CODE_POSTAL", "TELEPHONE", "SITE_WEB", "MAIL", "GEO"];
/// Columns read from the InserJeunes file for the accented names.
pub(super) const NAME_COLUMNS: &[&str] = &["n°UAI de l'établissement", "Libellé de l'établissement"];
/// Columns the official directory must have (the contact columns are read
/// when present).
pub(super) const DIRECTORY_COLUMNS: &[&str] = &[
    "Identifiant_de_l_etablissement",
    "Nom_etablissement",
    "Type_etablissement",
    "Statut_public_prive",
    "Code_commune",
    "Nom_commune",
    "Voie_professionnelle",
    "latitude",
    "longitude",
];
/// Name of the directory files in `etablissements/` (whole or extract).
pub(super) const DIRECTORY_PREFIX: &str = "fr-en-annuaire-education";

/// The official national directory (`fr-en-annuaire-education…csv`) when
/// the data folder holds it, whole or as an extract.
pub(super) fn directory_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("etablissements"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(DIRECTORY_PREFIX) && n.ends_with(".csv"))
        })
        .collect();
    files.sort();
    files
}

/// A lycée being assembled from the sources.
#[derive(Debug, Clone, Default)]
struct Draft {
    uai: String,
    official_name: String,
    kind: String,
    sector: String,
    commune: String,
    address: Option<String>,
    postcode: Option<String>,
    exact: Option<Position>,
    email: Option<String>,
    phone: Option<String>,
    web: Option<String>,
    siret: Option<String>,
    sources: Vec<&'static str>,
}

/// Splits a school's name into its own name and its "Lycée des métiers"
/// labels, found by words so that it works on accented names
/// ("… Bérard - Lycée des métiers de l'énergie") and on capitals
/// ("… LOUIS LUMIERE LYCEE DES METIERS DE L ELECTRICITE").
pub(crate) fn split_labels(name: &str) -> (String, Vec<String>) {
    let words: Vec<&str> = name.split_whitespace().collect();
    let folded: Vec<String> = words.iter().map(|w| fold(w)).collect();
    let starts: Vec<usize> = (0..words.len())
        .filter(|&i| {
            folded[i] == "lycee"
                && folded.get(i + 1).is_some_and(|w| w == "des")
                && folded.get(i + 2).is_some_and(|w| w == "metiers")
        })
        .collect();
    let clean = |ws: &[&str]| {
        let s = ws.join(" ");
        s.trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace()).to_string()
    };
    if starts.is_empty() {
        return (clean(&words), Vec::new());
    }
    let mut labels = Vec::new();
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(words.len());
        labels.push(clean(&words[s..end]));
    }
    let own = if starts[0] == 0 { labels[0].clone() } else { clean(&words[..starts[0]]) };
    (own, labels)
}

/// Writes a French phone number in pairs ("01 46 58 45 20").
fn format_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 10 {
        Some(digits.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" "))
    } else if digits.is_empty() {
        None
    } else {
        Some(raw.trim().to_string())
    }
}

/// Keeps a web address only when it is one, adding the scheme when missing.
fn clean_url(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() || s.contains(char::is_whitespace) || !s.contains('.') {
        return None;
    }
    if s.starts_with("http://") || s.starts_with("https://") {
        Some(s.to_string())
    } else {
        Some(format!("https://{s}"))
    }
}

fn clean_email(raw: &str) -> Option<String> {
    raw.parse::<domain::Email>().ok().map(|e| e.as_str().to_string())
}

/// Parses "48.81, 2.37" (the `GEO` and `position` columns).
fn parse_geo(raw: &str) -> Option<Position> {
    let (a, b) = raw.split_once(',')?;
    Position::new(a.trim().parse().ok()?, b.trim().parse().ok()?)
}

/// The département of a UAI's first three digits (`069` → `69`, `974`,
/// `620` → `2A`, `720` → `2B`: Corsica's academic numbering).
fn departement_of_uai(uai: &str) -> String {
    match &uai[..3] {
        "620" => "2A".to_string(),
        "720" => "2B".to_string(),
        p if p.starts_with('0') => p[1..].to_string(),
        p => p.to_string(),
    }
}

pub(super) fn load(dir: &Path, ctx: &LyceeContext, bar: &DatasetProgress) -> anyhow::Result<Loaded> {
    if ctx.communes.is_empty() {
        anyhow::bail!(
            "les communes ne sont pas encore importées : lancez d'abord « monlyceepro import --only territoires »"
        );
    }
    let utf8 = |required: &'static [&'static str]| CsvSpec { encoding: Encoding::Utf8, required };

    // 1. The national list: LP and LPO of the latest school year.
    let ips = Csv::read(&dir.join(FILES[0]), &utf8(IPS_COLUMNS))?;
    let c = |n: &str| ips.col(n);
    let (i_year, i_uai, i_nom, i_insee, i_cnom, i_dep, i_sect, i_type) = (
        c("rentree_scolaire"),
        c("uai"),
        c("nom"),
        c("code_insee_de_la_commune"),
        c("nom_de_la_commune"),
        c("code_du_departement"),
        c("secteur"),
        c("type_de_lycee"),
    );
    let latest = ips.records.iter().map(|r| r.get(i_year)).max().unwrap_or_default().to_string();
    let mut drafts: BTreeMap<String, Draft> = BTreeMap::new();
    let mut unplaced = Vec::new();
    for r in ips.records.iter().filter(|r| r.get(i_year) == latest) {
        let kind = r.get(i_type);
        if kind != "LP" && kind != "LPO" {
            continue;
        }
        let uai: Uai = r.get(i_uai).parse().map_err(|e| ips.error(r, i_uai, format!("{e}")))?;
        let dep = match r.get(i_dep) {
            "" => departement_of_uai(uai.as_str()),
            d => d.to_string(),
        };
        let Some(commune) = ctx.resolve_commune(r.get(i_insee), &dep, r.get(i_cnom)) else {
            unplaced.push(uai.to_string());
            continue;
        };
        let sector = if fold(r.get(i_sect)).starts_with("public") { "public" } else { "prive" };
        drafts.insert(
            uai.to_string(),
            Draft {
                uai: uai.to_string(),
                official_name: school_case(r.get(i_nom)),
                kind: kind.to_string(),
                sector: sector.to_string(),
                commune,
                sources: vec!["ips"],
                ..Draft::default()
            },
        );
    }
    bar.step(&format!("liste nationale ({latest})"));

    // 2. The official national directory, whole or extract: only lycées
    // with a vocational route are kept; it brings positions and contacts.
    for path in directory_files(dir) {
        read_directory(&path, ctx, &mut drafts)?;
    }

    // 3. Île-de-France: full contacts and exact positions.
    let idf = Csv::read(&dir.join(FILES[1]), &utf8(IDF_COLUMNS))?;
    let c = |n: &str| idf.col(n);
    let (o_uai, o_nom, o_adr, o_cp, o_tel, o_web, o_mail, o_geo, o_siret) = (
        c("CODE_UAI"),
        c("NOM_ETABLISSEMENT"),
        c("ADRESSE_POSTALE"),
        c("CODE_POSTAL"),
        c("TELEPHONE"),
        c("SITE_WEB"),
        c("MAIL"),
        c("GEO"),
        c("NUM_SIRET"),
    );
    for r in &idf.records {
        let Some(d) = drafts.get_mut(&r.get(o_uai).to_ascii_uppercase()) else { continue };
        if let Some(n) = r.opt(o_nom) {
            d.official_name = n;
        }
        d.address = r.opt(o_adr).or(d.address.take());
        d.postcode = r.opt(o_cp).or(d.postcode.take());
        d.phone = format_phone(r.get(o_tel)).or(d.phone.take());
        d.web = clean_url(r.get(o_web)).or(d.web.take());
        d.email = clean_email(r.get(o_mail)).or(d.email.take());
        d.exact = parse_geo(r.get(o_geo)).or(d.exact);
        d.siret = r.get(o_siret).parse::<Siret>().ok().map(String::from).or(d.siret.take());
        d.sources.push("onisep-idf");
    }
    bar.step("Île-de-France (contacts, positions)");

    // 4. Properly written names (with accents) from InserJeunes.
    let ins = Csv::read(&dir.join(FILES[2]), &utf8(NAME_COLUMNS))?;
    let (n_uai, n_lib) = (ins.col("n°UAI de l'établissement"), ins.col("Libellé de l'établissement"));
    for r in &ins.records {
        if let Some(d) = drafts.get_mut(r.get(n_uai))
            && let Some(n) = r.opt(n_lib)
            && !d.sources.contains(&"onisep-idf")
        {
            d.official_name = n;
        }
    }
    bar.step("noms des établissements");

    // 5. What each lycée teaches: the 2020 constat and the 2022 offer.
    let uais: HashSet<&str> = drafts.keys().map(String::as_str).collect();
    let (taught, taught_summary) = teaching::load(dir, &uais, &ctx.diplomas)?;
    bar.step("formations par lycée (constat 2020, offre 2022)");

    let mut lycee_rows = Vec::with_capacity(drafts.len());
    let mut exact = 0usize;
    for d in drafts.values() {
        let commune = ctx.communes.get(&d.commune);
        let dep = commune.map(|c| c.departement.clone()).unwrap_or_default();
        let (position, precision) = match (d.exact, commune.and_then(|c| c.position)) {
            (Some(p), _) => (Some(p), "exacte"),
            (None, p) => (p, "commune"),
        };
        exact += usize::from(precision == "exacte");
        // Published typos ("Lycée professionel …") are fixed here, the
        // files staying as published.
        let official = domain::corrections::correct(&d.official_name);
        let (name, labels) = split_labels(&official);
        lycee_rows.push(vec![
            Val::from(d.uai.clone()),
            Val::from(name),
            Val::from(official),
            Val::from(d.kind.clone()),
            Val::from(d.sector.clone()),
            Val::from(d.commune.clone()),
            Val::from(dep.clone()),
            Val::from(ctx.academie_of.get(&dep).cloned().flatten()),
            Val::from(d.address.clone()),
            Val::from(d.postcode.clone()),
            Val::from(position.map(|p| p.lat)),
            Val::from(position.map(|p| p.lon)),
            Val::from(precision),
            Val::from(d.email.clone()),
            Val::from(d.phone.clone()),
            Val::from(d.web.clone()),
            Val::from(d.siret.clone()),
            Val::from(labels.join("\n")),
            Val::from(d.sources.join("+")),
            Val::from(true),
        ]);
    }
    let mut summary =
        format!("{} lycées ({} positions exactes), {taught_summary}", thousands(lycee_rows.len()), thousands(exact),);
    if !unplaced.is_empty() {
        summary.push_str(&format!(", {} sans commune reconnue ({})", unplaced.len(), unplaced.join(", ")));
    }
    Ok(Loaded {
        tables: vec![
            TableData {
                table: "lycees",
                columns: &[
                    "uai",
                    "nom",
                    "nom_officiel",
                    "type",
                    "secteur",
                    "commune_code",
                    "departement_code",
                    "academie_code",
                    "adresse",
                    "code_postal",
                    "lat",
                    "lon",
                    "precision",
                    "email",
                    "telephone",
                    "site_web",
                    "siret",
                    "labels",
                    "source",
                    "actif",
                ],
                rows: lycee_rows,
                mode: WriteMode::UpsertDeactivateMissing { key: "uai" },
            },
            TableData {
                table: "lycee_formations",
                columns: teaching::COLUMNS,
                rows: taught.rows,
                mode: WriteMode::Replace,
            },
        ],
        summary,
    })
}

/// Reads one file of the official directory schema into the drafts.
fn read_directory(path: &Path, ctx: &LyceeContext, drafts: &mut BTreeMap<String, Draft>) -> anyhow::Result<()> {
    let csv = Csv::read(path, &CsvSpec { encoding: Encoding::Utf8, required: DIRECTORY_COLUMNS })?;
    let c = |n: &str| csv.col(n);
    let (a_uai, a_nom, a_type, a_stat, a_insee, a_cnom, a_pro, a_lat, a_lon) = (
        c("Identifiant_de_l_etablissement"),
        c("Nom_etablissement"),
        c("Type_etablissement"),
        c("Statut_public_prive"),
        c("Code_commune"),
        c("Nom_commune"),
        c("Voie_professionnelle"),
        c("latitude"),
        c("longitude"),
    );
    let (a_adr, a_cp, a_tel, a_web, a_mail, a_siret, a_nature, a_etat) = (
        c("Adresse_1"),
        c("Code_postal"),
        c("Telephone"),
        c("Web"),
        c("Mail"),
        c("SIREN_SIRET"),
        c("libelle_nature"),
        c("etat"),
    );
    for r in &csv.records {
        let is_vocational_lycee = fold(r.get(a_type)) == "lycee" && r.get(a_pro) == "1";
        let closed = !r.get(a_etat).is_empty() && r.get(a_etat) != "OUVERT";
        if !is_vocational_lycee || closed {
            continue;
        }
        let uai: Uai = r.get(a_uai).parse().map_err(|e| csv.error(r, a_uai, format!("{e}")))?;
        let exact = match (csv.opt_f64(r, a_lat)?, csv.opt_f64(r, a_lon)?) {
            (Some(lat), Some(lon)) => Position::new(lat, lon),
            _ => None,
        };
        let entry = match drafts.get_mut(uai.as_str()) {
            Some(d) => d,
            None => {
                let dep = departement_of_uai(uai.as_str());
                let Some(commune) = ctx.resolve_commune(r.get(a_insee), &dep, r.get(a_cnom)) else { continue };
                let kind = if fold(r.get(a_nature)).contains("professionnel") { "LP" } else { "LPO" };
                let sector = if fold(r.get(a_stat)).starts_with("public") { "public" } else { "prive" };
                drafts.entry(uai.to_string()).or_insert(Draft {
                    uai: uai.to_string(),
                    official_name: r.get(a_nom).to_string(),
                    kind: kind.to_string(),
                    sector: sector.to_string(),
                    commune,
                    ..Draft::default()
                })
            }
        };
        entry.exact = exact.or(entry.exact);
        entry.address = r.opt(a_adr).or(entry.address.take());
        entry.postcode = r.opt(a_cp).or(entry.postcode.take());
        entry.phone = format_phone(r.get(a_tel)).or(entry.phone.take());
        entry.web = clean_url(r.get(a_web)).or(entry.web.take());
        entry.email = clean_email(r.get(a_mail)).or(entry.email.take());
        entry.siret = r.get(a_siret).parse::<Siret>().ok().map(String::from).or(entry.siret.take());
        entry.sources.push("annuaire");
    }
    Ok(())
}

impl LyceeContext {
    /// The commune of a lycée: its INSEE code when known, else its name in
    /// its département (the Corsican lines of the national list have no
    /// code: "AJACCIO" → 2A004).
    fn resolve_commune(&self, code: &str, dep: &str, name: &str) -> Option<String> {
        if self.communes.contains_key(code) {
            return Some(code.to_string());
        }
        let key = fold_place(name);
        let hits = self.by_name.get(&(dep.to_string(), key.clone()))?;
        (hits.len() == 1).then(|| hits[0].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lycee_des_metiers_labels() {
        let (n, l) =
            split_labels("Lycée professionnel Alexandre Bérard - Lycée des métiers de l'énergie et de l'habitat");
        assert_eq!(n, "Lycée professionnel Alexandre Bérard");
        assert_eq!(l, vec!["Lycée des métiers de l'énergie et de l'habitat"]);
        let (n, l) = split_labels(
            "Lycée professionnel Louis Lumiere lycée des métiers de l electricite lycée des métiers du commerce",
        );
        assert_eq!(n, "Lycée professionnel Louis Lumiere");
        assert_eq!(l.len(), 2);
        let (n, l) = split_labels("Lycée polyvalent Jean Jaurès");
        assert_eq!((n.as_str(), l.len()), ("Lycée polyvalent Jean Jaurès", 0));
    }

    #[test]
    fn cleans_contacts() {
        assert_eq!(format_phone("0146584520").as_deref(), Some("01 46 58 45 20"));
        assert_eq!(format_phone(""), None);
        assert_eq!(clean_url("www.lycee.fr").as_deref(), Some("https://www.lycee.fr"));
        assert_eq!(clean_url("pas de site"), None);
        assert_eq!(parse_geo("48.81387913586163, 2.37804377008623").map(|p| p.lat), Some(48.81387913586163));
        assert_eq!(departement_of_uai("6200004K"), "2A");
        assert_eq!(departement_of_uai("0690043X"), "69");
        assert_eq!(departement_of_uai("9740001A"), "974");
    }
}
