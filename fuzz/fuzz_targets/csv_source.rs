//! The importer's CSV reader (`import::source`) on arbitrary bytes: the
//! first byte picks one of the specs the importers use, the rest is the
//! file. A malformed file must give a `SourceError` naming a real place,
//! never a panic; a file that reads must give records that the importers'
//! accessors can use without panicking either.

#![no_main]

use libfuzzer_sys::fuzz_target;
use monlyceepro::import::source::{Csv, CsvSpec, Encoding, SourceError, decode};
use std::path::Path;

/// Required columns as the importers state them (src/import/*.rs keeps
/// them inside its functions, so they are written again here), plus two
/// small specs that let the fuzzer reach the records quickly.
const SPECS: &[(Encoding, &[&str])] = &[
    (Encoding::Utf8, &[]),
    (Encoding::Latin1, &["a", "b"]),
    // formations.rs: the BCN, current (UTF-8) and older (ISO-8859-1).
    (Encoding::Utf8, &["FORMATION_DIPLOME", "NIVEAU_FORMATION_DIPLOME", "GROUPE_SPECIALITE", "LIBELLE_LONG_200"]),
    (Encoding::Latin1, &["FORMATION_DIPLOME", "NIVEAU_FORMATION_DIPLOME", "GROUPE_SPECIALITE", "LIBELLE_LONG_200"]),
    (Encoding::Utf8, &["FAMILLE", "CFD_COMMUN", "CFD_SPECIALITE"]),
    // territoires.rs
    (Encoding::Utf8, &["codeAcademie", "codeRegion", "codeDepartement", "libelleAcademie"]),
    (Encoding::Utf8, &["Code_commune_INSEE", "latitude", "longitude"]),
    // metiers.rs
    (Encoding::Utf8, &["code_rome", "libelle_rome"]),
    // lycees.rs
    (Encoding::Utf8, &["UAI", "Mef Bcp 11", "Nombre d'élèves : Total"]),
    // insertion.rs
    (
        Encoding::Utf8,
        &[
            "n°UAI de l'établissement",
            "Dont apprentis en EPLE",
            "Taux de poursuite d'études",
            "Taux",
            "Taux attendu",
            "Valeur ajoutée",
        ],
    ),
];

fn check_error(e: &SourceError, path: &Path) {
    assert_eq!(e.file, path);
    assert!(e.line.is_none_or(|l| l >= 1), "{e:?}");
    assert!(e.column.is_none_or(|c| c >= 1), "{e:?}");
    assert!(!e.message.is_empty());
    assert!(e.to_string().starts_with("f.csv"));
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let (encoding, required) = SPECS[usize::from(pick) % SPECS.len()];
    let path = Path::new("f.csv");
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);

    // decode: UTF-8 comes back exactly (without BOM); Latin-1 never fails
    // but for an empty or UTF-16 file.
    match decode(path, bytes, encoding) {
        Ok(text) => {
            if let Ok(utf8) = std::str::from_utf8(body) {
                assert_eq!(text, utf8);
            }
        }
        Err(e) => {
            check_error(&e, path);
            let blank = body.iter().all(u8::is_ascii_whitespace);
            let utf16 = body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF");
            assert!(blank || utf16 || (encoding == Encoding::Utf8 && std::str::from_utf8(body).is_err()), "{e}");
        }
    }

    match Csv::parse(path, bytes, &CsvSpec { encoding, required }) {
        Ok(csv) => {
            assert!(!csv.records.is_empty());
            let mut previous = 1;
            for rec in &csv.records {
                assert!(rec.line > previous, "lines go forward: {} after {previous}", rec.line);
                previous = rec.line;
                for name in required.iter().chain(["absent"].iter()) {
                    let col = csv.col(name);
                    let v = rec.get(col);
                    assert_eq!(v, v.trim());
                    assert_eq!(rec.opt(col).as_deref(), (!v.is_empty()).then_some(v));
                    if let Err(e) = csv.opt_f64(rec, col) {
                        check_error(&e, path);
                        assert_eq!(e.line, Some(rec.line));
                    }
                    if let Err(e) = csv.opt_i64(rec, col) {
                        check_error(&e, path);
                    }
                    check_error(&csv.error(rec, col, "x"), path);
                }
            }
        }
        Err(e) => check_error(&e, path),
    }
});
