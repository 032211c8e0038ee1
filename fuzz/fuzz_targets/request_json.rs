//! A company's request as the API receives it (`requests::input`): any JSON
//! through `from_json` then `validate`, against a small catalogue built
//! once in a temporary SQLite file by the real migrations and
//! `SearchIndex::build`. Input that is not JSON is skipped (the API answers
//! 400 before this code). Every field error must be keyed by a field path
//! the API documents, and a request that validates must hold every rule
//! the rest of the service relies on (routing, emails, storage).

#![no_main]

use domain::{Email, Niveau};
use libfuzzer_sys::fuzz_target;
use monlyceepro::requests::input::{FieldErrors, MAX_MESSAGE, MAX_SHORT, ValidRequest, from_json, validate};
use monlyceepro::search::SearchIndex;
use monlyceepro::storage::{self, Db};
use serde_json::Value;
use std::sync::LazyLock;
use time::{Date, Month};

/// The field paths of the API's error responses.
const PATHS: &[&str] = &[
    "$",
    "action",
    "entreprise.nom",
    "entreprise.siret",
    "contact.prenom",
    "contact.nom",
    "contact.email",
    "contact.telephone",
    "commune",
    "rayon_km",
    "metiers",
    "metier_texte",
    "niveaux",
    "nombre_eleves",
    "periode.debut",
    "periode.fin",
    "message",
    "consentement",
    "lycee",
];

/// A catalogue small enough to build in a moment, with each case
/// `validate` distinguishes: a commune with and without a position, known
/// and unknown jobs, a known lycée, job words to understand.
const CATALOGUE: &[&str] = &[
    "INSERT INTO academies (code, nom, region_code) VALUES ('10', 'Lyon', '84'), ('01', 'Paris', '11')",
    "INSERT INTO departements (code, nom, region_code, academie_code) VALUES \
     ('69', 'Rhône', '84', '10'), ('75', 'Paris', '11', '01'), ('2A', 'Corse-du-Sud', '94', NULL)",
    "INSERT INTO communes (code_insee, nom, nom_norm, departement_code, kind, parent_code, population, lat, lon) VALUES \
     ('69123', 'Lyon', 'lyon', '69', 'commune', NULL, 520000, 45.76, 4.83), \
     ('75056', 'Paris', 'paris', '75', 'commune', NULL, 2100000, 48.86, 2.35), \
     ('2A004', 'Ajaccio', 'ajaccio', '2A', 'commune', NULL, 70000, NULL, NULL)",
    "INSERT INTO romes (code, libelle, libelle_norm) VALUES \
     ('D1102', 'Boulangerie - viennoiserie', 'boulangerie viennoiserie'), \
     ('F1602', 'Électricité bâtiment', 'electricite batiment'), \
     ('F1603', 'Installation d''équipements sanitaires et thermiques', 'installation equipements sanitaires')",
    "INSERT INTO appellations (code_ogr, rome_code, libelle, libelle_court, libelle_norm) VALUES \
     (11573, 'D1102', 'Boulanger / Boulangère', 'Boulanger', 'boulanger'), \
     (12345, 'F1602', 'Électricien / Électricienne du bâtiment', 'Électricien', 'electricien'), \
     (12346, 'F1603', 'Plombier chauffagiste / Plombière chauffagiste', 'Plombier', 'plombier chauffagiste')",
    "INSERT INTO diplomes (cfd, libelle, niveau_bcn, niveau, groupe_specialite) VALUES \
     ('50022133', 'CAP Boulanger', '500', 'cap', '221')",
    "INSERT INTO diplome_romes (cfd, rome_code, rang) VALUES ('50022133', 'D1102', 1)",
    "INSERT INTO lycees (uai, nom, nom_officiel, type, secteur, commune_code, departement_code, academie_code, \
     adresse, code_postal, lat, lon, precision, email, telephone, site_web, siret, labels, source, actif) VALUES \
     ('0690043X', 'Lycée des métiers', 'LP DES METIERS', 'LP', 'public', '69123', '69', '10', \
     NULL, '69001', 45.76, 4.83, 'exacte', NULL, NULL, NULL, NULL, '', 'fuzz', TRUE)",
    "INSERT INTO lycee_formations (uai, cfd, effectif) VALUES ('0690043X', '50022133', 24)",
];

/// The day requests are validated on, fixed so that runs are reproducible.
fn today() -> Date {
    Date::from_calendar_date(2026, Month::September, 1).expect("a date")
}

static INDEX: LazyLock<SearchIndex> = LazyLock::new(|| {
    let file = std::env::temp_dir().join(format!("monlyceepro-fuzz-{}.db", std::process::id()));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let index = rt.block_on(async {
        let db = Db::connect(&format!("sqlite://{}", file.display())).await.expect("database");
        db.migrate().await.expect("migrations");
        let mut tx = db.begin().await.expect("transaction");
        for sql in CATALOGUE {
            storage::execute(&mut tx, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        tx.commit().await.expect("commit");
        let index = SearchIndex::build(&db, 1).await.expect("index");
        db.close().await;
        index
    });
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    index
});

/// `MLP_FUZZ_VERBOSE=1` prints each outcome, to see what an input reaches
/// when running the target on one file.
static VERBOSE: LazyLock<bool> = LazyLock::new(|| std::env::var_os("MLP_FUZZ_VERBOSE").is_some());

fn check_errors(errors: &FieldErrors) {
    for (path, message) in errors {
        assert!(PATHS.contains(&path.as_str()), "undocumented field path {path:?}");
        assert!(!message.is_empty(), "empty message for {path}");
    }
}

fn short_ok(v: &str) -> bool {
    !v.is_empty() && v == v.trim() && v.chars().count() <= MAX_SHORT && !v.chars().any(char::is_control)
}

fn check_valid(v: &ValidRequest, index: &SearchIndex) {
    assert_eq!(v.email.as_str().parse::<Email>().as_ref(), Ok(&v.email));
    for name in [&v.entreprise_nom, &v.prenom, &v.nom] {
        assert!(short_ok(name), "{name:?}");
    }
    assert!(v.rayon_km.is_finite() && (1.0..=200.0).contains(&v.rayon_km), "{}", v.rayon_km);
    let place = index.places.get(&v.commune.code).expect("a known commune");
    assert_eq!(place.position, Some(v.commune.position));
    assert!(!v.jobs.is_empty() || !v.action.needs_jobs(), "{:?} without jobs", v.action);
    assert!(v.jobs.len() <= 10);
    for (i, (rome, score)) in v.jobs.iter().enumerate() {
        assert!(index.rome_labels.contains_key(rome), "unknown job {rome}");
        assert!(score.is_finite() && *score > 0.0 && *score <= 1.0, "{rome}: {score}");
        assert!(!v.jobs[..i].iter().any(|(r, _)| r == rome), "{rome} twice");
    }
    assert!(v.metier_texte.as_ref().is_none_or(|t| t.chars().count() <= MAX_SHORT));
    let mut niveaux: Vec<Niveau> = v.niveaux.clone();
    niveaux.dedup();
    assert_eq!(niveaux.len(), v.niveaux.len());
    assert!(v.nombre_eleves.is_none_or(|n| (1..=100).contains(&n)));
    assert!(v.debut.is_none_or(|d| d >= today()) && v.fin.is_none_or(|f| f >= today()));
    assert!(v.fin.is_none() || v.debut.is_some_and(|d| Some(d) <= v.fin));
    assert!(!v.message.is_empty() && v.message == v.message.trim() && v.message.chars().count() <= MAX_MESSAGE);
    assert!(v.lycee.as_ref().is_none_or(|u| index.lycee(u).is_some()));
    assert!(v.telephone.as_ref().is_none_or(|t| (6..=20).contains(&t.chars().filter(char::is_ascii_digit).count())));
    assert!(v.naf.as_ref().is_none_or(|n| !n.is_empty() && n.len() <= 10));
}

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<Value>(data) else { return };
    let index = &*INDEX;
    let (input, type_errors) = from_json(&json);
    check_errors(&type_errors);
    assert_eq!(type_errors.contains_key("$"), !json.is_object());
    let understand = |words: &str| index.jobs.understand(words, 10);
    let outcome = validate(&input, index, &understand, today());
    if *VERBOSE {
        eprintln!("{outcome:?}");
    }
    match outcome {
        Ok(valid) => {
            assert!(input.consentement);
            check_valid(&valid, index);
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "rejected without a reason");
            check_errors(&errors);
        }
    }
});
