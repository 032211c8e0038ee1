//! The producers' own files turned into the data layout the importer reads
//! (`shared/data/SOURCES.md`).
//!
//! Each [`Shape`] is the way one producer publishes (the brief's
//! DATA-SOURCES.md): France Travail's ROME as a zip of quoted `,` CSV files,
//! Certif Info in Windows-1252 without any quoting, INSEE's NAF as legacy
//! Excel files, the BCN's exports in ISO-8859-1. The importer keeps reading
//! one layout, whatever the source: a mirror of the layout
//! (`MLP_DATA_MIRROR`) and the producers give the same import. A conversion
//! that meets something unexpected refuses the whole file with where and
//! what, in French: the download then keeps the previous layout file.

use crate::import::source::{self, Encoding};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

/// How a producer publishes a file (`shape` in `sources.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// Already in the layout's shape: kept byte for byte.
    #[default]
    Layout,
    /// A `;` CSV in ISO-8859-1 / Windows-1252 (the BCN's exports): turned
    /// into UTF-8, nothing else changes.
    #[serde(rename = "latin-1")]
    Latin1,
    /// Certif Info's monthly file: Windows-1252, `;`, no quoting at all (a
    /// `"` is a plain character there).
    CertifInfo,
    /// France Travail's "toutes les données du ROME" CSV zip.
    RomeZip,
    /// INSEE's NAF rév. 2 tables: the five levels and one list per level.
    NafXls,
    /// INSEE's correspondence table NAF rév. 2 → NAF 2025.
    Naf2025Xls,
}

/// One downloaded file of a source.
#[derive(Debug, Clone)]
pub struct Part {
    /// Its name in `sources.toml` (`naf2008_liste_n1.xls`).
    pub name: String,
    /// The name the server gave it (`Content-Disposition`, or the last
    /// segment of the address after redirects): Certif Info's carries the
    /// date of its edition.
    pub served_as: Option<String>,
    pub bytes: Vec<u8>,
}

/// What a conversion gives: layout files and, when the producer says it,
/// the edition.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    /// (layout path, bytes), in the order of [`Shape::outputs`].
    pub files: Vec<(String, Vec<u8>)>,
    pub edition: Option<String>,
}

/// The layout files of the ROME zip, in the order of [`ROME_MEMBERS`].
pub const ROME_OUTPUTS: [&str; 4] =
    ["rome/rome.csv", "rome/metier.csv", "rome/domaine_professionnel.csv", "naf/secteurs_naf_rome.json"];
/// The zip's members, matched by the start of their name: the edition
/// (`v460`) in the middle changes about twice a year.
pub const ROME_MEMBERS: [&str; 4] = [
    "unix_referentiel_code_rome_v",
    "unix_referentiel_appellation_v",
    "unix_domaine_professionnel_v",
    "unix_arborescence_secteur_naf_v",
];
/// INSEE's NAF rév. 2 files: the five levels, then the list of each level.
pub const NAF_PARTS: [&str; 6] = [
    "naf2008_5_niveaux.xls",
    "naf2008_liste_n1.xls",
    "naf2008_liste_n2.xls",
    "naf2008_liste_n3.xls",
    "naf2008_liste_n4.xls",
    "naf2008_liste_n5.xls",
];
/// The layout file of the NAF rév. 2 tables.
pub const NAF_OUTPUT: &str = "naf/naf_rev2.json";
/// The layout file of the correspondence NAF 2025 → NAF rév. 2 (ours:
/// `naf2025;libelle_naf2025;naf_rev2;libelle_naf_rev2`).
pub const NAF2025_OUTPUT: &str = "naf/naf2025.csv";
pub const NAF2025_COLUMNS: [&str; 4] = ["naf2025", "libelle_naf2025", "naf_rev2", "libelle_naf_rev2"];

/// Largest member read out of an archive: the ROME's biggest is 3 MB; a
/// member announcing more is not the ROME.
const MEMBER_LIMIT: u64 = 200 * 1024 * 1024;

impl Shape {
    /// Whether the file is converted (anything but the layout itself).
    pub fn converts(self) -> bool {
        self != Shape::Layout
    }

    /// The layout files the shape writes when the shape itself decides
    /// them (a source that gives several files); `None`: the one file it is
    /// listed for.
    pub fn outputs(self) -> Option<&'static [&'static str]> {
        match self {
            Shape::RomeZip => Some(&ROME_OUTPUTS),
            Shape::NafXls => Some(std::slice::from_ref(&NAF_OUTPUT)),
            _ => None,
        }
    }

    /// Where the producer's copy of a one-file shape is kept, under
    /// `officiel/`: the layout path, with the producer's extension.
    pub fn producer_copy(self, path: &str) -> String {
        match (self, path.rsplit_once('.')) {
            (Shape::Naf2025Xls, Some((stem, _))) => format!("{stem}.xls"),
            _ => path.to_string(),
        }
    }

    /// The parts the shape needs, by name; `None`: exactly one, of any name.
    pub fn parts(self) -> Option<&'static [&'static str]> {
        match self {
            Shape::NafXls => Some(&NAF_PARTS),
            _ => None,
        }
    }

    /// Turns the downloaded parts into layout files. `output` is the
    /// layout path of a one-file shape.
    pub fn convert(self, output: &str, parts: &[Part]) -> Result<Converted, String> {
        let one = || parts.first().ok_or_else(|| "aucun fichier téléchargé".to_string());
        let single =
            |bytes: Vec<u8>, edition: Option<String>| Converted { files: vec![(output.into(), bytes)], edition };
        match self {
            Shape::Layout => Ok(single(one()?.bytes.clone(), None)),
            Shape::Latin1 => {
                let p = one()?;
                let text = source::decode(Path::new(&p.name), &p.bytes, Encoding::Latin1).map_err(|e| e.to_string())?;
                Ok(single(text.into_bytes(), None))
            }
            Shape::CertifInfo => {
                let p = one()?;
                let text = source::decode(Path::new(&p.name), &p.bytes, Encoding::Latin1).map_err(|e| e.to_string())?;
                let bytes = to_layout_csv(&p.name, text, b';', false)?;
                Ok(single(bytes, p.served_as.as_deref().and_then(certif_info_edition)))
            }
            Shape::RomeZip => rome_zip(one()?),
            Shape::NafXls => naf_rev2(parts),
            Shape::Naf2025Xls => {
                let bytes = naf2025(one()?)?;
                Ok(single(bytes, Some("NAF 2025 (table de correspondance de l'INSEE)".into())))
            }
        }
    }
}

/// Rewrites a CSV text as the layout's: `;`-separated, UTF-8, a field
/// quoted only when it must be (it holds a `;`, a `"` or a line break), so
/// that the importer's reader, which honours quotes, reads every field as
/// the producer meant it. `quoting: false` reads every `"` as a plain
/// character (Certif Info). Every line must have the header's number of
/// fields: a truncated last line is refused here, naming it.
fn to_layout_csv(name: &str, text: String, delimiter: u8, quoting: bool) -> Result<Vec<u8>, String> {
    let text = source::one_line_ending(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(quoting)
        .has_headers(false)
        .flexible(false)
        .from_reader(text.as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::with_capacity(text.len()));
    for record in reader.records() {
        let record = record.map_err(|e| source::csv_error(Path::new(name), &e).to_string())?;
        writer.write_record(&record).map_err(|e| format!("{name} : écriture impossible ({e})"))?;
    }
    writer.into_inner().map_err(|e| format!("{name} : écriture impossible ({e})"))
}

/// "opendata-certifinfo-01122026.csv" → "Certif Info du 01/12/2026".
fn certif_info_edition(served_as: &str) -> Option<String> {
    let digits: String = served_as.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 8).then(|| format!("Certif Info du {}/{}/{}", &digits[..2], &digits[2..4], &digits[4..]))
}

/// The last segment of a member's path inside an archive.
fn base_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

fn rome_zip(part: &Part) -> Result<Converted, String> {
    let zip_name = part.name.as_str();
    let mut archive = zip::ZipArchive::new(Cursor::new(part.bytes.as_slice())).map_err(|e| {
        format!("{zip_name} : archive ZIP illisible ({e}) : fichier tronqué ou qui n'est pas une archive ?")
    })?;
    let names: Vec<String> = archive.file_names().filter_map(Result::ok).map(|n| n.into_owned()).collect();
    let found = || {
        let mut shown: Vec<&str> = names.iter().map(|n| base_name(n)).take(20).collect();
        if names.len() > 20 {
            shown.push("…");
        }
        if shown.is_empty() { "aucun".to_string() } else { shown.join(", ") }
    };
    let mut files = Vec::with_capacity(ROME_OUTPUTS.len());
    for (prefix, output) in ROME_MEMBERS.iter().zip(ROME_OUTPUTS) {
        // Two editions side by side: the latest (names differ by `vNNN`).
        let member = names
            .iter()
            .filter(|n| base_name(n).starts_with(prefix) && base_name(n).ends_with(".csv"))
            .max_by(|a, b| base_name(a).cmp(base_name(b)))
            .ok_or_else(|| {
                format!(
                    "{zip_name} : l'archive ne contient pas le fichier « {prefix}…_utf8.csv » du ROME \
                     (fichiers trouvés : {})",
                    found()
                )
            })?
            .clone();
        let label = format!("{zip_name} › {}", base_name(&member));
        let bytes = read_member(&mut archive, &member, &label)?;
        let text = source::decode(Path::new(&label), &bytes, Encoding::Utf8).map_err(|e| e.to_string())?;
        let converted = if output.ends_with(".json") {
            sectors_json(&label, text)?
        } else {
            to_layout_csv(&label, text, b',', true)?
        };
        files.push((output.to_string(), converted));
    }
    let version = names.iter().find(|n| base_name(n).eq_ignore_ascii_case("version.txt")).cloned();
    let from_version = match version {
        Some(v) => {
            let label = format!("{zip_name} › version.txt");
            let bytes = read_member(&mut archive, &v, &label)?;
            rome_edition(&String::from_utf8_lossy(&bytes))
        }
        None => None,
    };
    // Without version.txt, the edition in the members' names.
    let edition = from_version.or_else(|| {
        let member = names.iter().find(|n| base_name(n).starts_with(ROME_MEMBERS[0]))?;
        let v: String = base_name(member)[ROME_MEMBERS[0].len()..].chars().take_while(char::is_ascii_digit).collect();
        (!v.is_empty()).then(|| format!("ROME v{v}"))
    });
    Ok(Converted { files, edition })
}

fn read_member(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, member: &str, label: &str) -> Result<Vec<u8>, String> {
    let file = archive.by_name(member).map_err(|e| format!("{label} : illisible dans l'archive ({e})"))?;
    let mut bytes = Vec::new();
    file.take(MEMBER_LIMIT)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{label} : illisible dans l'archive ({e}) : archive tronquée ?"))?;
    Ok(bytes)
}

/// `version.txt`'s "Clé : valeur" lines → "ROME v460 du 15/10/2025".
fn rome_edition(text: &str) -> Option<String> {
    let mut version = None;
    let mut date = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let (key, value) = (domain::text::fold(key), value.trim());
        if value.is_empty() {
            continue;
        }
        if key.contains("version") && version.is_none() {
            version = Some(if value.chars().all(|c| c.is_ascii_digit()) { format!("v{value}") } else { value.into() });
        } else if key.contains("date") && date.is_none() {
            date = Some(value.to_string());
        }
    }
    let version = version?;
    Some(match date {
        Some(d) => format!("ROME {version} du {d}"),
        None => format!("ROME {version}"),
    })
}

#[derive(Serialize)]
struct Sector {
    libelle: String,
    codes_rome: Vec<SectorJob>,
}

#[derive(Serialize)]
struct SectorJob {
    code: String,
    libelle: String,
}

/// The NAF division → jobs file of the ROME (`code_secteur_naf`,
/// `libelle_secteur_naf`, `code_ogr_rome`, `code_rome`, `libelle_rome`,
/// maybe more) as the layout's `naf/secteurs_naf_rome.json`: by division,
/// its label and its jobs, each once, in the file's order.
fn sectors_json(label: &str, text: String) -> Result<Vec<u8>, String> {
    let text = source::one_line_ending(text);
    let mut reader = csv::ReaderBuilder::new().delimiter(b',').flexible(false).from_reader(text.as_bytes());
    let path = Path::new(label);
    let headers = reader.headers().map_err(|e| source::csv_error(path, &e).to_string())?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(c_sector), Some(c_rome)) = (col("code_secteur_naf"), col("code_rome")) else {
        let found = headers.iter().map(str::trim).collect::<Vec<_>>().join(", ");
        return Err(format!(
            "{label}, ligne 1 : colonnes « code_secteur_naf » et « code_rome » attendues (colonnes trouvées : {found})"
        ));
    };
    let (c_sector_label, c_rome_label) = (col("libelle_secteur_naf"), col("libelle_rome"));
    let mut sectors: BTreeMap<String, Sector> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| source::csv_error(path, &e).to_string())?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim();
        let raw = field(Some(c_sector));
        let Some(division) = naf_division(raw) else {
            return Err(format!(
                "{label}, ligne {line} : secteur NAF « {raw} » : une division à deux chiffres était attendue"
            ));
        };
        let code = field(Some(c_rome));
        if code.parse::<domain::RomeCode>().is_err() {
            return Err(format!("{label}, ligne {line} : code ROME « {code} » invalide"));
        }
        let sector = sectors
            .entry(division)
            .or_insert_with(|| Sector { libelle: field(c_sector_label).to_string(), codes_rome: Vec::new() });
        if !sector.codes_rome.iter().any(|j| j.code == code) {
            sector.codes_rome.push(SectorJob { code: code.to_string(), libelle: field(c_rome_label).to_string() });
        }
    }
    if sectors.is_empty() {
        return Err(format!("{label} : aucune ligne de données"));
    }
    serde_json::to_vec_pretty(&sectors).map_err(|e| format!("{label} : {e}"))
}

/// A NAF division ("01") from a sector code: one or two digits, or the
/// start of a longer NAF code ("01.11Z").
fn naf_division(raw: &str) -> Option<String> {
    let digits: String = raw.chars().take_while(char::is_ascii_digit).collect();
    let rest = &raw[digits.len()..];
    match digits.len() {
        1 | 2 if rest.is_empty() || rest.starts_with('.') => Some(format!("{digits:0>2}")),
        _ => None,
    }
}

/// The rows of the first sheet of a workbook, each cell as text.
fn sheet_rows(part: &Part) -> Result<Vec<Vec<String>>, String> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(part.bytes.as_slice())).map_err(|e| {
        format!("{} : classeur Excel illisible ({e}) : fichier tronqué ou qui n'est pas un .xls ?", part.name)
    })?;
    let first = book.sheet_names().first().cloned().ok_or_else(|| format!("{} : classeur sans feuille", part.name))?;
    let range =
        book.worksheet_range(&first).map_err(|e| format!("{} : feuille « {first} » illisible ({e})", part.name))?;
    Ok(range.rows().map(|row| row.iter().map(cell_text).collect()).collect())
}

/// A cell as the text a person reads in it: INSEE stores division codes
/// 10 and up as numbers (99 reads 99.0).
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Empty => String::new(),
        other => other.to_string().trim().to_string(),
    }
}

/// The first row (among the first ten) whose cells start with each of
/// `wanted` (compared without case); returns its index and the column of
/// each wanted header.
fn header_row(rows: &[Vec<String>], wanted: &[&str]) -> Option<(usize, Vec<usize>)> {
    rows.iter().take(10).enumerate().find_map(|(i, row)| {
        let cols: Option<Vec<usize>> =
            wanted.iter().map(|w| row.iter().position(|c| c.to_lowercase().starts_with(&w.to_lowercase()))).collect();
        cols.map(|c| (i, c))
    })
}

/// A NAF code of a level as the layout writes it: section "A", division
/// "01", groupe "01.1", classe "01.11", sub-class "01.11Z". A number read
/// from Excel loses its zeros (division 1, classe 10.1 for "10.10").
fn naf_code(level: usize, raw: &str) -> String {
    let raw = raw.trim();
    let raw = raw.strip_prefix("SECTION ").or_else(|| raw.strip_prefix("Section ")).unwrap_or(raw).trim();
    let (whole, decimals) = raw.split_once('.').unwrap_or((raw, ""));
    let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match level {
        2 if all_digits(whole) && decimals.is_empty() => format!("{whole:0>2}"),
        3 if all_digits(whole) && all_digits(decimals) => format!("{whole:0>2}.{decimals}"),
        4 if all_digits(whole) && all_digits(decimals) => format!("{whole:0>2}.{decimals:0<2}"),
        5 if raw.len() == 5 && !raw.contains('.') => format!("{}.{}", &raw[..2], &raw[2..]).to_uppercase(),
        _ => raw.to_uppercase(),
    }
}

#[derive(Serialize, Deserialize)]
struct Labelled {
    code: String,
    description: String,
}

#[derive(Serialize, Deserialize)]
struct NafEntry {
    code: String,
    description: String,
    classe: Labelled,
    groupe: Labelled,
    division: Labelled,
    section: Labelled,
}

/// INSEE's NAF rév. 2 files → `naf/naf_rev2.json` (the layout's shape):
/// each sub-class with its classe, groupe, division and section, labels
/// from the list of each level.
fn naf_rev2(parts: &[Part]) -> Result<Converted, String> {
    let part = |name: &str| {
        parts.iter().find(|p| p.name == name).ok_or_else(|| format!("{name} : fichier de la NAF manquant"))
    };
    let levels_part = part(NAF_PARTS[0])?;
    let rows = sheet_rows(levels_part)?;
    let wanted = ["NIV5", "NIV4", "NIV3", "NIV2", "NIV1"];
    let (head, cols) = header_row(&rows, &wanted).ok_or_else(|| {
        format!(
            "{} : en-tête « NIV5 | NIV4 | NIV3 | NIV2 | NIV1 » introuvable dans les dix premières lignes",
            NAF_PARTS[0]
        )
    })?;
    // Labels of each level (1 = sections … 5 = sub-classes).
    let mut labels: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); 6];
    for level in 1..=5 {
        let p = part(NAF_PARTS[level])?;
        let rows = sheet_rows(p)?;
        let (h, c) = header_row(&rows, &["Code", "Libell"]).ok_or_else(|| {
            format!("{} : en-tête « Code | Libellé » introuvable dans les dix premières lignes", p.name)
        })?;
        for row in &rows[h + 1..] {
            let code = row.get(c[0]).map_or("", String::as_str);
            let label = row.get(c[1]).map_or("", String::as_str);
            if !code.is_empty() && !label.is_empty() {
                labels[level].insert(naf_code(level, code), label.to_string());
            }
        }
        if labels[level].is_empty() {
            return Err(format!("{} : aucun code sous l'en-tête « Code | Libellé »", p.name));
        }
    }
    let mut out: BTreeMap<String, NafEntry> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate().skip(head + 1) {
        let line = i + 1;
        let cell = |k: usize| row.get(cols[k]).map_or("", String::as_str);
        if cell(0).is_empty() {
            continue;
        }
        let codes: Vec<String> = (0..5).map(|k| naf_code(5 - k, cell(k))).collect();
        if !domain::naf::is_subclass(&codes[0]) {
            return Err(format!(
                "{}, ligne {line} : sous-classe « {} » : un code comme 01.11Z était attendu",
                NAF_PARTS[0], codes[0]
            ));
        }
        let labelled = |k: usize| -> Result<Labelled, String> {
            let level = 5 - k;
            let code = codes[k].clone();
            match labels[level].get(&code) {
                Some(d) => Ok(Labelled { code, description: d.clone() }),
                None => Err(format!(
                    "{}, ligne {line} : le code « {code} » n'a pas de libellé dans {}",
                    NAF_PARTS[0], NAF_PARTS[level]
                )),
            }
        };
        let sub = labelled(0)?;
        out.insert(
            sub.code.clone(),
            NafEntry {
                code: sub.code,
                description: sub.description,
                classe: labelled(1)?,
                groupe: labelled(2)?,
                division: labelled(3)?,
                section: labelled(4)?,
            },
        );
    }
    if out.is_empty() {
        return Err(format!("{} : aucune sous-classe sous l'en-tête", NAF_PARTS[0]));
    }
    let bytes = serde_json::to_vec(&out).map_err(|e| format!("{NAF_OUTPUT} : {e}"))?;
    Ok(Converted { files: vec![(NAF_OUTPUT.into(), bytes)], edition: Some("NAF rév. 2 (INSEE, 2008)".into()) })
}

/// INSEE's correspondence table (one row per link NAF rév. 2 sub-class →
/// NAF 2025 sub-class; headers such as "NAFold-code\n(code niveau
/// sous-classe de la nomenclature actuelle)", "NAFnew-code\n(…)",
/// "NAFold-intitulé", "NAFnew-intitulé", matched by their start) → the
/// layout's `naf/naf2025.csv`, one line per link, sorted.
fn naf2025(part: &Part) -> Result<Vec<u8>, String> {
    let rows = sheet_rows(part)?;
    let (head, cols) = header_row(&rows, &["NAFold-code", "NAFnew-code"]).ok_or_else(|| {
        format!(
            "{} : en-têtes « NAFold-code » et « NAFnew-code » introuvables dans les dix premières lignes",
            part.name
        )
    })?;
    let label_col = |prefix: &str| rows[head].iter().position(|c| c.to_lowercase().starts_with(prefix));
    let (old_label, new_label) = (label_col("nafold-intitul"), label_col("nafnew-intitul"));
    let mut links: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate().skip(head + 1) {
        let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).map_or("", String::as_str);
        let (old, new) = (naf_code(5, cell(Some(cols[0]))), naf_code(5, cell(Some(cols[1]))));
        if old.is_empty() && new.is_empty() {
            continue;
        }
        for code in [&old, &new] {
            if !domain::naf::is_subclass(code) {
                return Err(format!(
                    "{}, ligne {} : code « {code} » : une sous-classe comme 01.11Z était attendue",
                    part.name,
                    i + 1
                ));
            }
        }
        links.insert((new, old), (cell(new_label).to_string(), cell(old_label).to_string()));
    }
    if links.is_empty() {
        return Err(format!("{} : aucune correspondance sous l'en-tête", part.name));
    }
    let mut writer =
        csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let err = |e: csv::Error| format!("{NAF2025_OUTPUT} : {e}");
    writer.write_record(NAF2025_COLUMNS).map_err(err)?;
    for ((new, old), (new_label, old_label)) in &links {
        writer.write_record([new, new_label, old, old_label]).map_err(err)?;
    }
    writer.into_inner().map_err(|e| format!("{NAF2025_OUTPUT} : {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(name: &str, bytes: &[u8]) -> Part {
        Part { name: name.into(), served_as: None, bytes: bytes.to_vec() }
    }

    #[test]
    fn certif_info_reads_quotes_as_characters_and_latin1() {
        let mut file = b"Code_Diplome;Libelle_Diplome;Code_Scolarit\xe9\r\n".to_vec();
        file.extend_from_slice(b"1;\"Bac pro\" m\xe9tiers; de l'\xe9lectricit\xe9;40025510\r\n".as_slice());
        // The `;` inside the label above makes four fields: refused, with its line.
        let e = Shape::CertifInfo.convert("formations/certif_info.csv", &[part("ci.csv", &file)]).unwrap_err();
        assert_eq!(
            e,
            "ci.csv, ligne 2, colonne 4 : 4 champs au lieu des 3 de l'en-tête (point-virgule en trop ou guillemets mal fermés ?)"
        );
        let file = b"Code_Diplome;Libelle_Diplome;Code_Scolarit\xe9\r\n1;\"Bac pro\" \xe9lec;40025510\r\n";
        let mut p = part("ci.csv", file);
        p.served_as = Some("opendata-certifinfo-01122026.csv".into());
        let c = Shape::CertifInfo.convert("formations/certif_info.csv", &[p]).unwrap();
        assert_eq!(
            String::from_utf8(c.files[0].1.clone()).unwrap(),
            "Code_Diplome;Libelle_Diplome;Code_Scolarité\n1;\"\"\"Bac pro\"\" élec\";40025510\n"
        );
        assert_eq!(c.edition.as_deref(), Some("Certif Info du 01/12/2026"));
        // What the importer's reader then reads.
        let csv = source::Csv::parse(
            Path::new("x.csv"),
            &c.files[0].1,
            &source::CsvSpec { encoding: Encoding::Utf8, required: &["Libelle_Diplome"] },
        )
        .unwrap();
        assert_eq!(csv.records[0].get(csv.col("Libelle_Diplome")), "\"Bac pro\" élec");
    }

    #[test]
    fn naf_codes_get_their_zeros_back() {
        assert_eq!(naf_code(2, "1"), "01");
        assert_eq!(naf_code(2, "99"), "99");
        assert_eq!(naf_code(3, "10.1"), "10.1");
        assert_eq!(naf_code(4, "10.1"), "10.10");
        assert_eq!(naf_code(4, "1.11"), "01.11");
        assert_eq!(naf_code(5, "01.11Z"), "01.11Z");
        assert_eq!(naf_code(5, "0111z"), "01.11Z");
        assert_eq!(naf_code(1, "SECTION A"), "A");
        assert_eq!(naf_division("1").as_deref(), Some("01"));
        assert_eq!(naf_division("43.21A").as_deref(), Some("43"));
        assert_eq!(naf_division("A"), None);
        assert_eq!(naf_division("123"), None);
    }

    #[test]
    fn the_rome_edition_comes_from_version_txt() {
        let text = "Numero de version : 460\r\nDate de publication : 15/10/2025\r\n";
        assert_eq!(rome_edition(text).as_deref(), Some("ROME v460 du 15/10/2025"));
        assert_eq!(rome_edition("Numéro de version: 4.61").as_deref(), Some("ROME 4.61"));
        assert_eq!(rome_edition("rien"), None);
    }
}
