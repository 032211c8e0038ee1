//! Importing the real national files, on both engines: real facts come out,
//! and a second run changes nothing.

use crate::on_both_engines;
use crate::support::{Engine, data_dir, empty_db};
use monlyceepro::import::{self, Dataset, Progress};
use monlyceepro::storage::Db;

async fn count(db: &Db, sql: &str) -> i64 {
    crate::support::one(db, sql).await
}

async fn text(db: &Db, sql: &str) -> Option<String> {
    crate::support::maybe(db, sql).await
}

async fn texts(db: &Db, sql: &str) -> Vec<String> {
    crate::support::all(db, sql).await
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
        (
            "lycee_formations",
            "uai || cfd || COALESCE(CAST(effectif AS TEXT), '-') || COALESCE(CAST(places AS TEXT), '-')",
        ),
        ("lycee_insertion", "uai || millesime"),
    ];
    let mut out = Vec::new();
    for (t, key) in tables {
        let n = count(db, &format!("SELECT COUNT(*) FROM {t}")).await;
        let max = text(db, &format!("SELECT MAX({key}) FROM {t}")).await;
        out.push((t.to_string(), n, max));
    }
    // Every figure of what the lycées teach, summed.
    for column in ["effectif", "effectif_rentree", "offre_rentree", "places", "premiers_voeux", "annee_entree"] {
        let sum = count(db, &format!("SELECT CAST(COALESCE(SUM({column}), 0) AS BIGINT) FROM lycee_formations")).await;
        out.push((format!("lycee_formations.{column}"), sum, None));
    }
    out
}

/// A lycée × diploma as "effectif/rentrée/offre/places/premiers vœux/année
/// d'entrée", `-` for what is not known.
async fn taught(db: &Db, uai: &str, cfd: &str) -> Option<String> {
    let cols = ["effectif", "effectif_rentree", "offre_rentree", "places", "premiers_voeux", "annee_entree"]
        .map(|c| format!("COALESCE(CAST({c} AS TEXT), '-')"))
        .join(" || '/' || ");
    text(db, &format!("SELECT {cols} FROM lycee_formations WHERE uai = '{uai}' AND cfd = '{cfd}'")).await
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
    // A diploma Certif Info does not link to jobs leads to those of its
    // successor in the BCN (N_FORMATION_DIPLOME's NOUVEAU_DIPLOME_1..7):
    // the old Bac pro Commerce, still taught in 2020, to the jobs of the
    // Bac pro that replaced it.
    let commerce = "SELECT rome_code FROM diplome_romes WHERE cfd = '40031202' ORDER BY rang";
    assert_eq!(texts(db, commerce).await, ["D1403", "D1408"]);
    let summary =
        text(db, "SELECT summary FROM import_datasets WHERE dataset = 'formations'").await.unwrap_or_default();
    assert!(summary.contains("3\u{202f}906 menant à des métiers ROME"), "{summary}");

    // What each lycée teaches: the 2020 constat and the 2022 offer merged
    // (figures of the real files, see docs/decisions.md § 20).
    assert_eq!(formations, 27_490);
    let both = "effectif IS NOT NULL AND offre_rentree IS NOT NULL";
    assert_eq!(count(db, &format!("SELECT COUNT(*) FROM lycee_formations WHERE {both}")).await, 11_306);
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM lycee_formations WHERE offre_rentree IS NULL").await,
        11_912,
        "2020 only"
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM lycee_formations WHERE effectif IS NULL").await, 4_272, "new in 2022");
    assert_eq!(count(db, "SELECT COUNT(*) FROM lycee_formations WHERE effectif_rentree <> 2020").await, 0);
    assert_eq!(count(db, "SELECT COUNT(*) FROM lycee_formations WHERE offre_rentree <> 2022").await, 0);
    assert_eq!(count(db, "SELECT COUNT(DISTINCT uai) FROM lycee_formations WHERE offre_rentree = 2022").await, 1_933);
    assert_eq!(count(db, "SELECT COUNT(DISTINCT uai) FROM lycee_formations WHERE effectif IS NULL").await, 1_504);
    assert_eq!(count(db, "SELECT COUNT(DISTINCT uai) FROM lycee_formations").await, 2_089);
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM lycee_formations WHERE offre_rentree = 2022 AND places IS NULL").await,
        192
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM lycee_formations WHERE annee_entree = 2").await,
        6_499,
        "entered in première"
    );
    assert_eq!(count(db, "SELECT CAST(SUM(places) AS BIGINT) FROM lycee_formations").await, 361_961);
    assert_eq!(count(db, "SELECT CAST(SUM(premiers_voeux) AS BIGINT) FROM lycee_formations").await, 371_229);
    assert_eq!(count(db, "SELECT CAST(SUM(effectif) AS BIGINT) FROM lycee_formations").await, 745_443);
    let summary = text(db, "SELECT summary FROM import_datasets WHERE dataset = 'lycees'").await.unwrap_or_default();
    assert!(
        summary.contains(
            "27\u{202f}490 formations dans 2\u{202f}089 lycées : 15\u{202f}578 dans l'offre de la rentrée 2022 \
             (11\u{202f}306 aussi comptées en 2020, 4\u{202f}272 nouvelles dans 1\u{202f}504 lycées, 192 sans nombre de places), \
             11\u{202f}912 connues seulement par l'effectif de 2020 ; offre 2022 : 19\u{202f}641 lignes, 16\u{202f}876 retenues, \
             2\u{202f}765 d'autres établissements"
        ) && !summary.contains("MEF sans diplôme"),
        "{summary}"
    );
    // 0690043X, the CSV lines "0690043X;23210025524;N;ST;24;38;;1;" (CAP
    // électricien, 35 students in 2020) and "0690043X;23820025510;N;ST;30;52;…"
    // (Bac pro MELEC entered in première after the seconde commune).
    assert_eq!(taught(db, "0690043X", "50025524").await.as_deref(), Some("35/2020/2022/24/38/1"));
    assert_eq!(taught(db, "0690043X", "40025510").await.as_deref(), Some("85/2020/2022/30/52/2"));
    // Its seconde commune "Métiers des transitions numérique et énergétique",
    // new in 2022 ("0690043X;23810020008;N;ST;90;73;;1;23830020008").
    assert_eq!(taught(db, "0690043X", "40020008").await.as_deref(), Some("-/-/2022/90/73/1"));
    // Bac pro Gestion-administration, closed in 2022: only its 2020 count.
    assert_eq!(taught(db, "0690043X", "40030001").await.as_deref(), Some("77/2020/-/-/-/-"));
    assert_eq!(text(db, "SELECT fermeture FROM diplomes WHERE cfd = '40030001'").await.as_deref(), Some("2022-08-31"));
    let closed_before_2022 = count(
        db,
        "SELECT COUNT(*) FROM lycee_formations f JOIN diplomes d ON d.cfd = f.cfd \
         WHERE f.offre_rentree IS NULL AND d.fermeture < '2022-09-01'",
    )
    .await;
    assert_eq!(closed_before_2022, 5_520, "counted in 2020, diploma closed before the 2022 rentrée");
    // 0050005D, Bac pro technicien constructeur bois: two lines of seconde
    // (15 places, 9 first choices; 30, 10) are added up; its lines of
    // première (entries for pupils from elsewhere) are not.
    assert_eq!(taught(db, "0050005D", "40023404").await.as_deref(), Some("94/2020/2022/45/19/1"));
    // 9740004L, CAP installateur en froid: lines "…;0;5" and "…;12;12".
    assert_eq!(taught(db, "9740004L", "50022714").await.as_deref(), Some("24/2020/2022/12/17/1"));
    // 0020492Z, CAP PSR: capacity 999 is a placeholder, not places.
    assert_eq!(taught(db, "0020492Z", "50022142").await.as_deref(), Some("15/2020/2022/-/5/1"));

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

    // The published typos are corrected at import through the reviewed
    // table (domain::corrections), the files staying as published:
    // "Lycée professionel Gaston Bachelard" (ONISEP Île-de-France) and
    // the BCN labels in capitals ("SYSTEMES NUMERIQUES", "SERVICES A LA
    // PERSONNE", "… (bts)").
    assert_eq!(
        text(db, "SELECT nom || ' / ' || nom_officiel FROM lycees WHERE uai = '0750553U'").await.as_deref(),
        Some("Lycée professionnel Gaston Bachelard / Lycée professionnel Gaston Bachelard")
    );
    let labels = texts(db, "SELECT libelle FROM diplomes UNION ALL SELECT nom_officiel FROM lycees").await;
    let typos: Vec<&String> = labels.iter().filter(|l| domain::corrections::correct(l) != **l).collect();
    assert!(typos.is_empty(), "{} libellés encore fautifs : {:?}", typos.len(), &typos[..typos.len().min(10)]);
    let left: Vec<&String> = labels
        .iter()
        .filter(|l| ["numeriques", "a la personne", "d'etat", "professionel", "(bts)"].iter().any(|w| l.contains(w)))
        .collect();
    assert!(left.is_empty(), "{} : {left:?}", left.len());

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
