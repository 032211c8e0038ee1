//! Malformed input files, made from the real ones: the import stops with a
//! message naming the file, line and column, and the data already stored is
//! left exactly as it was.

use crate::on_both_engines;
use crate::support::{Engine, catalogue_db, data_dir, data_dir_with};
use monlyceepro::import::{self, Dataset, Progress};
use monlyceepro::storage::Db;

fn real(rel: &str) -> Vec<u8> {
    std::fs::read(data_dir().join(rel)).expect("real file")
}

async fn count(db: &Db, table: &str) -> i64 {
    crate::support::one(db, &format!("SELECT COUNT(*) FROM {table}")).await
}

/// Imports one dataset from a folder where one file is broken and checks
/// the message and that nothing changed.
async fn expect_failure(db: &Db, dataset: Dataset, rel: &str, bytes: Vec<u8>, table: &str, expected: &str) {
    let dir = data_dir_with(&[(rel, &bytes)]);
    let before = count(db, table).await;
    let opts = import::Options { data_dir: dir.clone(), only: Some(dataset), force: true };
    let err = import::run(db, &opts, &Progress::quiet()).await.expect_err("a malformed file must stop the import");
    let message = format!("{err:#}");
    assert_eq!(message, format!("{}{expected}", dir.join(rel).display()));
    assert_eq!(count(db, table).await, before, "{table} left intact");
    let _ = std::fs::remove_dir_all(dir);
}

/// Cuts `bytes` in the middle of the line after the `n`-th newline.
fn truncate_mid_line(bytes: &[u8], n: usize) -> Vec<u8> {
    let mut seen = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            seen += 1;
            if seen == n {
                // Keep the start of the next line, up to its third separator.
                let rest = &bytes[i + 1..];
                let cut = rest.iter().enumerate().filter(|(_, c)| **c == b';').nth(2).map_or(5, |(j, _)| j);
                return bytes[..i + 1 + cut].to_vec();
            }
        }
    }
    bytes.to_vec()
}

/// ISO-8859-1 version of UTF-8 text (the real files are UTF-8).
fn to_latin1(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).into_owned();
    text.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect()
}

/// Line and column (characters) of the first non-ASCII character.
fn first_non_ascii(bytes: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(bytes);
    for (i, line) in text.lines().enumerate() {
        if let Some(col) = line.chars().position(|c| !c.is_ascii()) {
            return (i + 1, col + 1);
        }
    }
    panic!("no accent in file")
}

async fn malformed_files_are_reported_and_change_nothing(engine: Engine) {
    let t = catalogue_db(engine).await;
    let db = &t.db;

    // Truncated: the last line of N_MEF is cut after three fields.
    let mef = real("formations/nMef.csv");
    let lines = mef.iter().filter(|b| **b == b'\n').count();
    let cut = truncate_mid_line(&mef, lines - 1);
    let fields =
        mef.split(|b| *b == b'\n').next().map(|h| h.iter().filter(|b| **b == b';').count() + 1).expect("header");
    expect_failure(
        db,
        Dataset::Lycees,
        "formations/nMef.csv",
        cut,
        "lycee_formations",
        &format!(", ligne {lines}, colonne 4 : 3 champs au lieu des {fields} de l'en-tête (fichier tronqué ou ligne incomplète ?)"),
    )
    .await;

    // Wrong separator: the ROME sheets written with commas.
    let rome: Vec<u8> = real("rome/rome.csv").iter().map(|b| if *b == b';' { b',' } else { *b }).collect();
    expect_failure(
        db,
        Dataset::Metiers,
        "rome/rome.csv",
        rome,
        "romes",
        ", ligne 1 : séparateur incorrect : les colonnes sont séparées par une virgule au lieu d'un point-virgule (;)",
    )
    .await;

    // Wrong encoding: the job titles saved in ISO-8859-1.
    let latin = to_latin1(&real("rome/metier.csv"));
    let (line, col) = first_non_ascii(&real("rome/metier.csv"));
    let byte = latin
        .split(|b| *b == b'\n')
        .nth(line - 1)
        .and_then(|l| l.iter().find(|b| !b.is_ascii()))
        .copied()
        .expect("byte");
    expect_failure(
        db,
        Dataset::Metiers,
        "rome/metier.csv",
        latin,
        "appellations",
        &format!(
            ", ligne {line}, colonne {col} : encodage incorrect : l'octet 0x{byte:02X} n'est pas de l'UTF-8 \
             (le fichier semble encodé en ISO-8859-1 ; il doit être en UTF-8)"
        ),
    )
    .await;

    // Missing column: the national list without `type_de_lycee`.
    let ips = String::from_utf8(real("etablissements/fr-en-ips_lycees.csv")).expect("utf8");
    let without: String = ips
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(';').collect();
            f.remove(9);
            f.join(";")
        })
        .collect::<Vec<_>>()
        .join("\n");
    expect_failure(
        db,
        Dataset::Lycees,
        "etablissements/fr-en-ips_lycees.csv",
        without.into_bytes(),
        "lycees",
        ", ligne 1 : colonne manquante dans l'en-tête : « type_de_lycee »",
    )
    .await;

    // Empty file: the InserJeunes outcomes.
    expect_failure(
        db,
        Dataset::Insertion,
        "insertion/depp-2022-etablissements-2022_2023-pro.csv",
        Vec::new(),
        "lycee_insertion",
        " : le fichier est vide",
    )
    .await;

    // Truncated JSON: the communes cut in the middle.
    let communes = real("territoires/communes.json");
    let half = communes[..communes.len() / 2].to_vec();
    let line = half.iter().filter(|b| **b == b'\n').count() + 1;
    let col = half.len() - half.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
    expect_failure(
        db,
        Dataset::Territoires,
        "territoires/communes.json",
        half,
        "communes",
        &format!(", ligne {line}, colonne {col} : JSON incomplet (fichier tronqué ?)"),
    )
    .await;

    // A file missing altogether.
    let dir = data_dir_with(&[("rome/rome.csv", b"")]);
    std::fs::remove_file(dir.join("rome/rome.csv")).expect("rm");
    let opts = import::Options { data_dir: dir.clone(), only: Some(Dataset::Metiers), force: true };
    let err = format!("{:#}", import::run(db, &opts, &Progress::quiet()).await.expect_err("missing file"));
    assert!(err.ends_with("rome/rome.csv : fichier introuvable dans le dossier de données"), "{err}");
}

on_both_engines!(malformed_files_are_reported_and_change_nothing);
