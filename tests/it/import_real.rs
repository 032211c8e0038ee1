//! Importing the real national files, on both engines: real facts come out,
//! and a second run changes nothing.

use crate::on_both_engines;
use crate::support::{Engine, data_dir, empty_db};
use monlyceepro::import::{self, Dataset, Progress};
use monlyceepro::storage::Db;

async fn count(db: &Db, sql: &str) -> i64 {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn text(db: &Db, sql: &str) -> Option<String> {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_optional(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_optional(p).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A fingerprint of every catalogue table's content, to prove a second
/// import leaves it as it was.
async fn fingerprint(db: &Db) -> Vec<(String, i64, Option<String>)> {
    let tables = [
        ("regions", "code"),
        ("academies", "code"),
        ("departements", "code"),
        ("communes", "code_insee"),
        ("commune_codes_postaux", "code_insee || code_postal"),
        ("romes", "code"),
        ("appellations", "CAST(code_ogr AS TEXT) || rome_code"),
        ("naf_division_romes", "division || rome_code"),
        ("diplomes", "cfd || libelle"),
        ("diplome_romes", "cfd || rome_code"),
        ("lycees", "uai || nom || commune_code || precision"),
        ("lycee_formations", "uai || cfd || CAST(effectif AS TEXT)"),
        ("lycee_insertion", "uai || millesime"),
    ];
    let mut out = Vec::new();
    for (t, key) in tables {
        let n = count(db, &format!("SELECT COUNT(*) FROM {t}")).await;
        let max = text(db, &format!("SELECT MAX({key}) FROM {t}")).await;
        out.push((t.to_string(), n, max));
    }
    out
}

async fn imports_the_national_catalogue(engine: Engine) {
    let t = empty_db(engine).await;
    let db = &t.db;
    let opts = import::Options { data_dir: data_dir(), only: None, force: false };
    let first = import::run(db, &opts, &Progress::quiet()).await.expect("import");
    assert!(first.iter().all(|o| o.changed), "first import writes every dataset");

    // Counts of the real files.
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM lycees WHERE actif = TRUE").await,
        2090,
        "1,132 LP + 958 LPO in 2021-22"
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM lycees WHERE type = 'LP'").await, 1132);
    assert_eq!(count(db, "SELECT COUNT(*) FROM appellations").await, 11522);
    assert_eq!(count(db, "SELECT COUNT(*) FROM romes").await, 609);
    assert_eq!(count(db, "SELECT COUNT(*) FROM naf").await, 732);
    let with_jobs =
        count(db, "SELECT COUNT(DISTINCT f.uai) FROM lycee_formations f JOIN diplome_romes dr ON dr.cfd = f.cfd").await;
    assert!(with_jobs >= 2000, "at least 2,000 lycées with formations and jobs, got {with_jobs}");
    let communes = count(db, "SELECT COUNT(*) FROM communes").await;
    assert!((34_900..=35_100).contains(&communes), "{communes} communes");
    let formations = count(db, "SELECT COUNT(*) FROM lycee_formations").await;
    assert!(formations > 20_000, "{formations} formations");

    // UAI 0690043X, in Lyon, teaches a Bac pro leading to ROME F1602.
    assert_eq!(text(db, "SELECT commune_code FROM lycees WHERE uai = '0690043X'").await.as_deref(), Some("69381"));
    let bac_pro_f1602 = count(
        db,
        "SELECT COUNT(*) FROM lycee_formations f JOIN diplomes d ON d.cfd = f.cfd \
         JOIN diplome_romes dr ON dr.cfd = f.cfd WHERE f.uai = '0690043X' AND d.niveau = 'bac_pro' AND dr.rome_code = 'F1602'",
    )
    .await;
    assert!(bac_pro_f1602 >= 1);

    // Whole cities have a position computed from their arrondissements.
    for city in ["75056", "69123", "13055"] {
        let placed =
            count(db, &format!("SELECT COUNT(*) FROM communes WHERE code_insee = '{city}' AND lat IS NOT NULL")).await;
        assert_eq!(placed, 1, "{city} placed");
        let arr = count(db, &format!("SELECT COUNT(*) FROM communes WHERE parent_code = '{city}'")).await;
        assert!(arr >= 9, "{city} has its arrondissements");
    }
    // Corsica: letters in INSEE codes; the national list's Corsican lines
    // have no commune code and are placed by name.
    assert_eq!(text(db, "SELECT commune_code FROM lycees WHERE uai = '6200004K'").await.as_deref(), Some("2A004"));
    assert_eq!(count(db, "SELECT COUNT(*) FROM lycees WHERE departement_code IN ('2A', '2B')").await, 8);
    // Overseas: 3-digit départements.
    assert_eq!(count(db, "SELECT COUNT(*) FROM lycees WHERE departement_code = '974'").await, 35);
    assert_eq!(text(db, "SELECT academie_code FROM lycees WHERE uai = '9740004L'").await.as_deref(), Some("28"));
    // Île-de-France lycées have exact positions and contacts; others are
    // placed at their commune.
    assert!(count(db, "SELECT COUNT(*) FROM lycees WHERE precision = 'exacte'").await >= 300);
    assert_eq!(count(db, "SELECT COUNT(*) FROM lycees WHERE precision = 'exacte' AND departement_code NOT IN ('75','77','78','91','92','93','94','95')").await, 0);
    assert_eq!(count(db, "SELECT COUNT(*) FROM lycees WHERE lat IS NULL").await, 0, "every lycée placed");
    // "Lycée des métiers" labels come out of the official names.
    assert!(count(db, "SELECT COUNT(*) FROM lycees WHERE labels <> ''").await > 500);
    // InserJeunes outcomes, "ensemble" line of 0690043X.
    assert_eq!(count(db, "SELECT taux_emploi_6_mois FROM lycee_insertion WHERE uai = '0690043X'").await, 46);
    // The ISO-8859-1 BCN file was read: its diplomas have clean labels.
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM diplomes WHERE libelle LIKE '%\u{FFFD}%' OR libelle LIKE '%Ã%'").await,
        0
    );

    // A second run changes nothing.
    let before = fingerprint(db).await;
    let version = count(db, "SELECT version FROM catalogue_version").await;
    let second = import::run(db, &opts, &Progress::quiet()).await.expect("second import");
    assert!(second.iter().all(|o| !o.changed), "nothing re-imported when files are unchanged");
    assert_eq!(fingerprint(db).await, before);
    assert_eq!(count(db, "SELECT version FROM catalogue_version").await, version);

    // Forced, it rewrites the same content in place.
    let forced = import::Options { force: true, only: Some(Dataset::Lycees), ..opts.clone() };
    import::run(db, &forced, &Progress::quiet()).await.expect("forced import");
    assert_eq!(fingerprint(db).await, before);
}

/// A line of the official directory schema, from a real line of the
/// extract with some columns changed.
fn directory_line(header: &[&str], model: &[&str], changes: &[(&str, &str)]) -> String {
    let mut fields: Vec<String> = model.iter().map(|s| s.to_string()).collect();
    for (col, value) in changes {
        let i = header.iter().position(|h| h.trim_start_matches('\u{feff}') == *col).expect("column");
        fields[i] = value.to_string();
    }
    fields.join(";")
}

async fn accepts_the_official_directory_schema(engine: Engine) {
    let t = empty_db(engine).await;
    let db = &t.db;
    let extract =
        std::fs::read_to_string(data_dir().join("etablissements/fr-en-annuaire-education-extrait-94-ecoles.csv"))
            .expect("extract");
    let mut lines = extract.lines();
    let header_line = lines.next().expect("header");
    let header: Vec<&str> = header_line.split(';').collect();
    let model: Vec<&str> = lines.next().expect("line").split(';').collect();
    let lycee = [
        ("Type_etablissement", "Lycée"),
        ("Voie_professionnelle", "1"),
        ("Ecole_elementaire", ""),
        ("libelle_nature", "LYCEE PROFESSIONNEL"),
    ];
    let rows = [
        // A lycée of the national list: the directory brings its position and contact.
        directory_line(
            &header,
            &model,
            &[
                lycee.as_slice(),
                &[
                    ("Identifiant_de_l_etablissement", "0690043X"),
                    ("Code_commune", "69381"),
                    ("Mail", "ce.0690043X@ac-lyon.fr"),
                    ("Telephone", "0478000000"),
                    ("Adresse_1", "8 rue de la Martinière"),
                    ("Code_postal", "69001"),
                    ("latitude", "45.7695"),
                    ("longitude", "4.8301"),
                ],
            ]
            .concat(),
        ),
        // A vocational lycée only the directory knows.
        directory_line(
            &header,
            &model,
            &[
                lycee.as_slice(),
                &[
                    ("Identifiant_de_l_etablissement", "6999990K"),
                    ("Nom_etablissement", "Lycée professionnel de l'Essai"),
                    ("Code_commune", "69383"),
                    ("Nom_commune", "Lyon 3e Arrondissement"),
                    ("latitude", "45.76"),
                    ("longitude", "4.85"),
                ],
            ]
            .concat(),
        ),
        // A general lycée: no vocational route, skipped.
        directory_line(
            &header,
            &model,
            &[
                ("Identifiant_de_l_etablissement", "6999991L"),
                ("Type_etablissement", "Lycée"),
                ("Voie_generale", "1"),
                ("Code_commune", "69383"),
            ],
        ),
    ];
    let mut file = extract.replace("\r\n", "\n");
    for r in &rows {
        file.push_str(r);
        file.push('\n');
    }
    let dir = crate::support::data_dir_with(&[("etablissements/fr-en-annuaire-education-test.csv", file.as_bytes())]);
    let opts = import::Options { data_dir: dir, only: None, force: false };
    import::run(db, &opts, &Progress::quiet()).await.expect("import");

    assert_eq!(count(db, "SELECT COUNT(*) FROM lycees").await, 2091, "the national list and one more lycée");
    assert_eq!(text(db, "SELECT precision FROM lycees WHERE uai = '0690043X'").await.as_deref(), Some("exacte"));
    assert_eq!(
        text(db, "SELECT email FROM lycees WHERE uai = '0690043X'").await.as_deref(),
        Some("ce.0690043X@ac-lyon.fr")
    );
    assert_eq!(
        text(db, "SELECT telephone FROM lycees WHERE uai = '0690043X'").await.as_deref(),
        Some("04 78 00 00 00")
    );
    assert_eq!(text(db, "SELECT type FROM lycees WHERE uai = '6999990K'").await.as_deref(), Some("LP"));
    assert_eq!(text(db, "SELECT commune_code FROM lycees WHERE uai = '6999990K'").await.as_deref(), Some("69383"));
    assert_eq!(count(db, "SELECT COUNT(*) FROM lycees WHERE uai = '6999991L'").await, 0, "no vocational route");
    assert_eq!(count(db, "SELECT COUNT(*) FROM lycees WHERE uai LIKE '094%' AND type NOT IN ('LP', 'LPO')").await, 0);
}

on_both_engines!(imports_the_national_catalogue, accepts_the_official_directory_schema);
