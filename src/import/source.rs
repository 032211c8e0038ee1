//! Reading the official files exactly as published: `;`-separated CSV in
//! UTF-8 (with or without BOM) or ISO-8859-1, and JSON. Every problem is
//! reported with the file, line and column, in French, because the person
//! running an import needs to know where to look.

use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A malformed input file: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub file: PathBuf,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, ", ligne {l}, colonne {c}")?,
            (Some(l), None) => write!(f, ", ligne {l}")?,
            _ => {}
        }
        write!(f, " : {}", self.message)
    }
}

impl std::error::Error for SourceError {}

impl SourceError {
    pub fn new(file: &Path, line: Option<u64>, column: Option<u64>, message: impl Into<String>) -> Self {
        SourceError { file: file.to_path_buf(), line, column, message: message.into() }
    }
}

/// The character encoding a file is published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// ISO-8859-1 (read as its superset Windows-1252, as the BCN exports
    /// contain the Windows characters œ and ’).
    Latin1,
}

/// Reads a whole file; a missing file is reported by name.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, SourceError> {
    std::fs::read(path).map_err(|e| {
        let msg = if e.kind() == std::io::ErrorKind::NotFound {
            "fichier introuvable dans le dossier de données".to_string()
        } else {
            format!("lecture impossible ({e})")
        };
        SourceError::new(path, None, None, msg)
    })
}

/// Line (1-based) and character column (1-based) of a byte offset.
fn position_of(bytes: &[u8], offset: usize) -> (u64, u64) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[line_start..]).chars().count() as u64 + 1;
    (line, col)
}

/// Decodes a file's bytes to text in its declared encoding, without BOM.
pub fn decode(path: &Path, bytes: &[u8], encoding: Encoding) -> Result<String, SourceError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(SourceError::new(path, None, None, "le fichier est vide"));
    }
    if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
        return Err(SourceError::new(
            path,
            Some(1),
            Some(1),
            "encodage UTF-16 non pris en charge : enregistrez le fichier en UTF-8",
        ));
    }
    match encoding {
        Encoding::Utf8 => match std::str::from_utf8(body) {
            Ok(s) => Ok(s.to_string()),
            Err(e) => {
                let bom = bytes.len() - body.len();
                let (line, col) = position_of(bytes, e.valid_up_to() + bom);
                let byte = body[e.valid_up_to()];
                Err(SourceError::new(
                    path,
                    Some(line),
                    Some(col),
                    format!(
                        "encodage incorrect : l'octet 0x{byte:02X} n'est pas de l'UTF-8 \
                         (le fichier semble encodé en ISO-8859-1 ; il doit être en UTF-8)"
                    ),
                ))
            }
        },
        // A newer export of a Latin-1 file may well be UTF-8: accept it as
        // such rather than turning every "é" into "Ã©".
        Encoding::Latin1 => match std::str::from_utf8(body) {
            Ok(s) => Ok(s.to_string()),
            Err(_) => Ok(encoding_rs::WINDOWS_1252.decode_without_bom_handling(body).0.into_owned()),
        },
    }
}

/// The text with every line ending as `\n`. The csv crate counts lines by
/// `\n` but starts a record after the `\r` of a CRLF, so without this every
/// line of a CRLF file (the DEPP's, the IPS's) was reported one too early,
/// and all of a CR-only file as line 1. A line break inside a quoted field
/// becomes `\n` too.
pub(crate) fn one_line_ending(text: String) -> String {
    if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text }
}

/// A parsed CSV file: its header and its records with their line numbers.
pub struct Csv {
    pub path: PathBuf,
    columns: HashMap<String, usize>,
    pub records: Vec<Record>,
}

/// One data line of a CSV file.
pub struct Record {
    pub line: u64,
    fields: csv::StringRecord,
}

/// What a reader expects of a CSV file.
pub struct CsvSpec<'a> {
    pub encoding: Encoding,
    /// Columns that must be in the header (names compared after trimming).
    pub required: &'a [&'a str],
}

impl Csv {
    /// Reads and checks a `;`-separated file: encoding, separator, required
    /// columns and the same number of fields on every line.
    pub fn read(path: &Path, spec: &CsvSpec<'_>) -> Result<Csv, SourceError> {
        let bytes = read_bytes(path)?;
        Csv::parse(path, &bytes, spec)
    }

    pub fn parse(path: &Path, bytes: &[u8], spec: &CsvSpec<'_>) -> Result<Csv, SourceError> {
        let text = one_line_ending(decode(path, bytes, spec.encoding)?);
        let mut reader =
            csv::ReaderBuilder::new().delimiter(b';').has_headers(true).flexible(false).from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
        if headers.len() == 1 {
            let h = &headers[0];
            let guess = [(',', "virgule"), ('\t', "tabulation"), ('|', "barre verticale")]
                .into_iter()
                .find(|(c, _)| h.contains(*c));
            if let Some((_, name)) = guess {
                return Err(SourceError::new(
                    path,
                    Some(1),
                    None,
                    format!(
                        "séparateur incorrect : les colonnes sont séparées par une {name} au lieu d'un point-virgule (;)"
                    ),
                ));
            }
        }
        let columns: HashMap<String, usize> =
            headers.iter().enumerate().map(|(i, h)| (h.trim().to_string(), i)).collect();
        let missing: Vec<&str> = spec.required.iter().copied().filter(|c| !columns.contains_key(*c)).collect();
        if !missing.is_empty() {
            let list = missing.iter().map(|c| format!("« {c} »")).collect::<Vec<_>>().join(", ");
            let s = if missing.len() > 1 { "s" } else { "" };
            return Err(SourceError::new(
                path,
                Some(1),
                None,
                format!("colonne{s} manquante{s} dans l'en-tête : {list}"),
            ));
        }
        let mut records = Vec::new();
        for rec in reader.records() {
            let fields = rec.map_err(|e| csv_error(path, &e))?;
            let line = fields.position().map_or(0, |p| p.line());
            if fields.len() == 1 && fields[0].trim().is_empty() {
                continue;
            }
            records.push(Record { line, fields });
        }
        if records.is_empty() {
            return Err(SourceError::new(path, Some(2), None, "le fichier ne contient aucune ligne de données"));
        }
        Ok(Csv { path: path.to_path_buf(), columns, records })
    }

    /// Index of a column known to exist (checked by `read`).
    pub fn col(&self, name: &str) -> Col {
        Col(self.columns.get(name).copied())
    }

    /// An error about one field of one record.
    pub fn error(&self, rec: &Record, col: Col, message: impl Into<String>) -> SourceError {
        SourceError::new(&self.path, Some(rec.line), col.0.map(|c| c as u64 + 1), message)
    }

    /// A field parsed as a number, or `None` when empty or "nd"; an error
    /// naming the place when it is something else.
    pub fn opt_f64(&self, rec: &Record, col: Col) -> Result<Option<f64>, SourceError> {
        let v = rec.get(col);
        if v.is_empty() || v.eq_ignore_ascii_case("nd") {
            return Ok(None);
        }
        v.replace(',', ".")
            .parse::<f64>()
            .map(Some)
            .map_err(|_| self.error(rec, col, format!("nombre attendu, trouvé « {v} »")))
    }

    /// Like [`Csv::opt_f64`] for whole numbers.
    pub fn opt_i64(&self, rec: &Record, col: Col) -> Result<Option<i64>, SourceError> {
        let v = rec.get(col);
        if v.is_empty() || v.eq_ignore_ascii_case("nd") {
            return Ok(None);
        }
        v.parse::<i64>().map(Some).map_err(|_| self.error(rec, col, format!("nombre entier attendu, trouvé « {v} »")))
    }
}

/// A column position, possibly absent for optional columns.
#[derive(Debug, Clone, Copy)]
pub struct Col(Option<usize>);

impl Record {
    /// The trimmed field, or "" when the column is absent.
    pub fn get(&self, col: Col) -> &str {
        col.0.and_then(|i| self.fields.get(i)).unwrap_or("").trim()
    }

    /// The field, `None` when empty.
    pub fn opt(&self, col: Col) -> Option<String> {
        let v = self.get(col);
        (!v.is_empty()).then(|| v.to_string())
    }
}

pub(crate) fn csv_error(path: &Path, e: &csv::Error) -> SourceError {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => {
            let line = pos.as_ref().map(|p| p.line());
            let hint = if len < expected_len {
                "fichier tronqué ou ligne incomplète ?"
            } else {
                "point-virgule en trop ou guillemets mal fermés ?"
            };
            SourceError::new(
                path,
                line,
                Some(len.min(expected_len) + 1),
                format!("{len} champs au lieu des {expected_len} de l'en-tête ({hint})"),
            )
        }
        csv::ErrorKind::Utf8 { pos, .. } => SourceError::new(
            path,
            pos.as_ref().map(|p| p.line()),
            None,
            "encodage incorrect : le fichier doit être en UTF-8",
        ),
        _ => SourceError::new(path, None, None, format!("CSV illisible ({e})")),
    }
}

/// Reads a JSON file into `T`, reporting syntax and shape errors with their
/// line and column.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, SourceError> {
    let bytes = read_bytes(path)?;
    let text = decode(path, &bytes, Encoding::Utf8)?;
    serde_json::from_str(&text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "JSON incomplet (fichier tronqué ?)".to_string(),
            serde_json::error::Category::Syntax => format!("JSON invalide ({e})"),
            _ => format!("contenu inattendu ({e})"),
        };
        SourceError::new(path, Some(e.line() as u64), Some(e.column() as u64), what)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(required: &'static [&'static str]) -> CsvSpec<'static> {
        CsvSpec { encoding: Encoding::Utf8, required }
    }

    fn parse(bytes: &[u8], required: &'static [&'static str]) -> Result<Csv, SourceError> {
        Csv::parse(Path::new("f.csv"), bytes, &spec(required))
    }

    #[test]
    fn reads_records_with_their_lines() {
        let csv = parse("\u{feff}a;b\n1;2\n3;4\n".as_bytes(), &["a", "b"]).unwrap();
        assert_eq!(csv.records.len(), 2);
        assert_eq!(csv.records[1].line, 3);
        assert_eq!(csv.records[1].get(csv.col("b")), "4");
        assert_eq!(csv.records[0].get(csv.col("absent")), "");
    }

    #[test]
    fn reports_each_malformation_with_its_place() {
        let cases: [(&[u8], &str); 6] = [
            (b"", "f.csv : le fichier est vide"),
            (b"a;b\n", "f.csv, ligne 2 : le fichier ne contient aucune ligne de données"),
            (
                b"a,b\n1,2\n",
                "f.csv, ligne 1 : séparateur incorrect : les colonnes sont séparées par une virgule au lieu d'un point-virgule (;)",
            ),
            (b"a;c\n1;2\n", "f.csv, ligne 1 : colonne manquante dans l'en-tête : « b »"),
            (
                b"a;b\n1;2\n3",
                "f.csv, ligne 3, colonne 2 : 1 champs au lieu des 2 de l'en-tête (fichier tronqué ou ligne incomplète ?)",
            ),
            (
                b"a;b\n1;\xe9t\xe9\n",
                "f.csv, ligne 2, colonne 3 : encodage incorrect : l'octet 0xE9 n'est pas de l'UTF-8 (le fichier semble encodé en ISO-8859-1 ; il doit être en UTF-8)",
            ),
        ];
        for (bytes, want) in cases {
            let err = parse(bytes, &["a", "b"]).err().expect("must fail");
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn numbers_lines_the_same_whatever_the_line_ending() {
        // Found by fuzzing (fuzz/ csv_source): with CRLF every record was
        // reported one line too early (the DEPP and IPS files use CRLF).
        for bytes in [&b"a;b\n1;2\n3;4\n"[..], b"a;b\r\n1;2\r\n3;4\r\n", b"a;b\r1;2\r3;4\r"] {
            let csv = parse(bytes, &["a", "b"]).unwrap();
            let lines: Vec<u64> = csv.records.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3], "{bytes:?}");
        }
        let err = parse(b"a;b\r\n1;2\r\n3\r\n", &["a", "b"]).err().expect("must fail");
        assert_eq!((err.line, err.column), (Some(3), Some(2)));
        // A quoted line break is part of its field, and counted.
        let csv = parse(b"a;b\r\n\"x\r\ny\";2\r\n3;4\r\n", &["a", "b"]).unwrap();
        assert_eq!(csv.records[0].get(csv.col("a")), "x\ny");
        assert_eq!(csv.records[1].line, 4);
    }

    #[test]
    fn reads_latin1_and_accepts_utf8_in_its_place() {
        let latin = Csv::parse(
            Path::new("l.csv"),
            b"a\n\xe9t\xe9\n",
            &CsvSpec { encoding: Encoding::Latin1, required: &["a"] },
        )
        .unwrap();
        assert_eq!(latin.records[0].get(latin.col("a")), "été");
        let utf = Csv::parse(
            Path::new("l.csv"),
            "a\nété\n".as_bytes(),
            &CsvSpec { encoding: Encoding::Latin1, required: &["a"] },
        )
        .unwrap();
        assert_eq!(utf.records[0].get(utf.col("a")), "été");
    }

    #[test]
    fn numbers_name_the_field() {
        let csv = parse(b"a;b\n1;x\n", &["a", "b"]).unwrap();
        let r = &csv.records[0];
        assert_eq!(csv.opt_i64(r, csv.col("a")).unwrap(), Some(1));
        let e = csv.opt_f64(r, csv.col("b")).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(2)));
    }
}
