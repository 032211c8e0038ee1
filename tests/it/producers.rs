//! `monlyceepro download` from the producers' own files, in their exact
//! shapes (France Travail's ROME zip, Certif Info in Windows-1252 without
//! quoting, INSEE's NAF tables in .xls, the BCN's exports in ISO-8859-1,
//! INSEE's NAF 2025 correspondence), written by
//! `scripts/official-shapes.py` from `shared/data` and served by a local
//! server through `download --sources`: the round trip gives the catalogue
//! of the layout copies; a bad file is refused in French and replaces
//! nothing; the scheduled refresh keeps what people entered and tells the
//! administration what changed; a fresh machine downloads then serves.

use crate::download::{Mirror, Run, fixture, fresh_dir, monlyceepro};
use crate::on_both_engines;
use crate::support::{Engine, Options, TestApp, TestDb, all, catalogue_db, data_dir, data_dir_with, empty_db, one};
use monlyceepro::download::{LockEntry, Part, Settings, Shape};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The address the script writes, replaced by the local server's.
const PLACEHOLDER: &str = "http://producteurs.invalid";
const CERTIF_INFO: &str = "officiel/opendata-certifinfo-01122026.csv";
const ROME_ZIP: &str = "officiel/RefRomeCsv.zip";

/// The producers' files made from a layout folder by the script, with the
/// ROME edition given.
fn official_shapes(layout: &Path, rome_edition: &str) -> PathBuf {
    let out = fresh_dir("producteurs");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/official-shapes.py");
    // Debian's python3 with python3-xlwt (scripts/ensure-test-tools.sh).
    let done = std::process::Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(layout)
        .arg(&out)
        .arg(PLACEHOLDER)
        .env("ROME_EDITION", rome_edition)
        .output()
        .expect("python3");
    assert!(done.status.success(), "official-shapes.py : {}", String::from_utf8_lossy(&done.stderr));
    out
}

/// Today's data folder in the producers' shapes, written once per run.
fn current_shapes() -> &'static Path {
    static SHAPES: OnceLock<PathBuf> = OnceLock::new();
    SHAPES.get_or_init(|| official_shapes(&data_dir(), "460"))
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path.as_ref()).unwrap_or_else(|e| panic!("{} : {e}", path.as_ref().display()))
}

/// A local server answering as the producers, and the list of sources
/// that points at it.
struct Producers {
    base: String,
    sources: PathBuf,
}

/// Serves `out` (with these files changed and these gone) as the
/// producers would, and the other files from `layout`.
async fn serve_producers(out: &Path, layout: &Path, files: HashMap<String, Vec<u8>>, gone: &[&str]) -> Producers {
    let mirror = Mirror {
        files,
        gone: gone.iter().map(|g| g.to_string()).collect(),
        producers: Some((out.to_path_buf(), layout.to_path_buf())),
        ..Mirror::default()
    };
    let base = crate::download::start_mirror(Arc::new(mirror)).await;
    let text = std::fs::read_to_string(out.join("sources.toml")).expect("sources.toml").replace(PLACEHOLDER, &base);
    let sources = fresh_dir("sources").join("sources.toml");
    std::fs::write(&sources, text).expect("liste des sources");
    Producers { base, sources }
}

async fn download_from(p: &Producers, dir: &Path, only: Option<&str>) -> Run {
    let sources = p.sources.display().to_string();
    let mut args = vec!["download", "--sources", sources.as_str()];
    if let Some(o) = only {
        args.extend(["--only", o]);
    }
    monlyceepro(&args, &[("MLP_DATA_DIR", &dir.display().to_string())], dir).await
}

/// The catalogue's figures compared between two imports: the codes and
/// links of every reference table, with their labels (spaces aside: the
/// layout's NAF labels end with spaces and line breaks that INSEE's cells
/// do not have; diploma labels aside: the layout's Certif Info has two
/// replacement characters where the producer's file has a byte).
const FIGURES: [(&str, &str); 9] = [
    ("fiches ROME", "SELECT code || ' ' || libelle FROM romes ORDER BY code"),
    (
        "appellations",
        "SELECT CAST(code_ogr AS TEXT) || ' ' || rome_code || ' ' || libelle FROM appellations ORDER BY code_ogr",
    ),
    ("domaines", "SELECT code || ' ' || libelle FROM domaines ORDER BY code"),
    ("NAF", "SELECT code || ' ' || division || ' ' || section || ' ' || libelle FROM naf ORDER BY code"),
    ("NAF → ROME", "SELECT division || ' ' || rome_code FROM naf_division_romes ORDER BY division, rome_code"),
    ("diplômes", "SELECT cfd || ' ' || niveau || ' ' || COALESCE(fermeture, '-') FROM diplomes ORDER BY cfd"),
    (
        "diplôme → ROME",
        "SELECT cfd || ' ' || rome_code || ' ' || CAST(rang AS TEXT) FROM diplome_romes ORDER BY cfd, rome_code",
    ),
    ("lycées", "SELECT uai || ' ' || nom || ' ' || commune_code FROM lycees WHERE actif ORDER BY uai"),
    ("formations des lycées", "SELECT uai || ' ' || cfd FROM lycee_formations ORDER BY uai, cfd"),
];

fn lock_entry<'a>(lock: &'a [LockEntry], path: &str) -> &'a LockEntry {
    lock.iter().find(|e| e.path == path).unwrap_or_else(|| panic!("{path} absent de SOURCES.lock"))
}

/// Producers → layout → import gives the catalogue of the layout copies.
async fn the_producers_files_give_the_catalogue_of_the_layout(engine: Engine) {
    let p = serve_producers(current_shapes(), &data_dir(), HashMap::new(), &[]).await;
    let dir = fresh_dir("depuis-producteurs");
    let run = download_from(&p, &dir, None).await;
    assert!(run.ok, "download : {}\n{}", run.stdout, run.stderr);

    // What each layout file was made from, and the producer's edition.
    let lock = monlyceepro::download::read_lock(&dir).expect("SOURCES.lock");
    let rome = lock_entry(&lock, "rome/metier.csv");
    assert_eq!(rome.edition.as_deref(), Some("ROME v460 du 15/10/2025"));
    assert_eq!(rome.from.len(), 1);
    assert_eq!(rome.from[0].url, format!("{}/{ROME_ZIP}", p.base));
    assert_eq!(rome.from[0].sha256, crate::download::sha256(&read(current_shapes().join(ROME_ZIP))));
    assert_eq!(lock_entry(&lock, "naf/secteurs_naf_rome.json").from, rome.from, "one zip, four files");
    let certif = lock_entry(&lock, "formations/certif_info.csv");
    assert_eq!(certif.edition.as_deref(), Some("Certif Info du 01/12/2026"));
    assert_eq!(lock_entry(&lock, "naf/naf_rev2.json").from.len(), 6);
    assert_eq!(lock_entry(&lock, "naf/naf_rev2.json").edition.as_deref(), Some("NAF rév. 2 (INSEE, 2008)"));
    assert!(lock_entry(&lock, "formations/nMef.csv").from[0].url.ends_with("/officiel/formations/nMef.csv"));
    assert!(lock_entry(&lock, "etablissements/fr-en-ips_lycees.csv").from.is_empty(), "fetched as published");
    // The producers' own files are kept beside the layout.
    for kept in [
        "officiel/rome/RefRomeCsv.zip",
        "officiel/naf-insee/naf2008_liste_n2.xls",
        "officiel/formations/certif_info.csv",
        "officiel/naf/naf2025.xls",
    ] {
        assert!(dir.join(kept).is_file(), "{kept}");
    }
    assert_eq!(read(dir.join("officiel/formations/certif_info.csv")), read(current_shapes().join(CERTIF_INFO)));
    // The ROME's job sheets are our copy byte for byte; the BCN's files
    // are UTF-8 now; Certif Info reads the same, quoted where needed.
    assert_eq!(read(dir.join("rome/rome.csv")), read(data_dir().join("rome/rome.csv")));
    for bcn in ["formations/nFormationDiplome_.csv", "formations/nMef.csv", "formations/familleMetiers.csv"] {
        assert!(std::str::from_utf8(&read(dir.join(bcn))).is_ok(), "{bcn} en UTF-8");
    }

    let from_producers = empty_db(engine).await;
    let dir_s = dir.display().to_string();
    let run = monlyceepro(&["import"], &[("MLP_DATA_DIR", &dir_s), ("DATABASE_URL", &from_producers.url)], &dir).await;
    assert!(run.ok, "import : {}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("4 codes NAF 2025 rapprochés de la NAF rév. 2"), "{}", run.stdout);
    let from_layout = catalogue_db(engine).await;
    for (what, sql) in FIGURES {
        let words = |rows: Vec<String>| -> Vec<String> {
            rows.iter().map(|r| r.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
        };
        let (a, b) = (words(all(&from_producers.db, sql).await), words(all(&from_layout.db, sql).await));
        assert!(!a.is_empty(), "{what}");
        assert_eq!(a.len(), b.len(), "{what} : même nombre");
        let first_difference = a.iter().zip(&b).find(|(x, y)| x != y);
        assert_eq!(first_difference, None, "{what}");
    }
    let naf2025 = "SELECT COUNT(DISTINCT code) FROM naf2025";
    assert_eq!(one::<i64>(&from_producers.db, naf2025).await, 4);
    assert_eq!(one::<i64>(&from_layout.db, naf2025).await, 0, "the layout copies have no NAF 2025 table");
}

on_both_engines!(the_producers_files_give_the_catalogue_of_the_layout);

/// Every file of a folder (its SOURCES.lock aside) and its SHA-256.
fn files_of(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).expect("dossier").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("relatif").display().to_string();
                if rel != "SOURCES.lock" {
                    out.insert(rel, crate::download::sha256(&read(&p)));
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The ROME zip with each member changed (`None`: left out).
fn rezip(zip: &[u8], change: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).expect("membre");
        let name = member.name().expect("nom").to_string();
        let mut bytes = Vec::new();
        member.read_to_end(&mut bytes).expect("lecture");
        drop(member);
        if let Some(bytes) = change(&name, bytes) {
            out.start_file(name, zip::write::SimpleFileOptions::default()).expect("membre");
            out.write_all(&bytes).expect("écriture");
        }
    }
    out.finish().expect("zip").into_inner()
}

/// Cut in the middle of a line.
fn truncated(bytes: &[u8]) -> Vec<u8> {
    let mut cut = bytes.len() / 2;
    while bytes[cut - 1] == b'\n' || bytes[cut - 1] == b'\r' {
        cut += 3;
    }
    bytes[..cut].to_vec()
}

/// One bad file: its name, the dataset downloaded, the file served
/// instead (`None`: a 404), and what the error must say.
type BadCase<'a> = (&'a str, &'a str, Option<(&'a str, Vec<u8>)>, Vec<&'a str>);

/// A changed header, a truncated file, a wrong encoding, a zip without the
/// expected member, a 404 for a required file: each refused with a French
/// message naming the file, and nothing in place replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_from_a_producer_is_refused_and_nothing_is_replaced() {
    let out = current_shapes();
    let good = serve_producers(out, &data_dir(), HashMap::new(), &[]).await;
    let dir = fresh_dir("producteurs-refus");
    let run = download_from(&good, &dir, None).await;
    assert!(run.ok, "{}", run.stderr);
    let before = files_of(&dir);
    let lock_before = monlyceepro::download::read_lock(&dir).expect("lock");

    let certif = read(out.join(CERTIF_INFO));
    let renamed = {
        let at = certif.windows(14).position(|w| w == b"Code_Scolarit\xe9").expect("colonne");
        [&certif[..at], b"Code_Scolaire".as_slice(), &certif[at + 14..]].concat()
    };
    let zip = read(out.join(ROME_ZIP));
    let titles = "unix_referentiel_appellation_v460_utf8.csv";
    let latin1_titles = rezip(&zip, |name, bytes| {
        Some(if name == titles {
            encoding_rs::WINDOWS_1252.encode(std::str::from_utf8(&bytes).expect("UTF-8")).0.into_owned()
        } else {
            bytes
        })
    });
    let without_titles = rezip(&zip, |name, bytes| (name != titles).then_some(bytes));
    let liste_n3 = read(out.join("officiel/naf2008_liste_n3.xls"));
    let refused = "— fichier refusé, la version précédente est gardée";
    let cases: Vec<BadCase> = vec![
        (
            "en-tête changé",
            "formations",
            Some((CERTIF_INFO, renamed)),
            vec![
                "formations/certif_info.csv, ligne 1 : colonne « Code_Scolarité » absente (colonnes trouvées : \
                 Code_Diplome, Libelle_Diplome,",
                "Code_Scolaire",
                "(converti depuis BASE/officiel/opendata-certifinfo-01122026.csv)",
                refused,
            ],
        ),
        (
            "fichier tronqué",
            "formations",
            Some((CERTIF_INFO, truncated(&certif))),
            vec!["formations/certif_info.csv, ligne ", "de l'en-tête (fichier tronqué ou ligne incomplète ?)", refused],
        ),
        (
            "archive tronquée",
            "rome",
            Some((ROME_ZIP, truncated(&zip))),
            vec!["RefRomeCsv.zip : archive ZIP illisible", "fichier tronqué ou qui n'est pas une archive ?", refused],
        ),
        (
            "mauvais encodage",
            "rome",
            Some((ROME_ZIP, latin1_titles)),
            vec![
                "RefRomeCsv.zip › unix_referentiel_appellation_v460_utf8.csv, ligne ",
                "encodage incorrect : l'octet 0x",
                "n'est pas de l'UTF-8",
                refused,
            ],
        ),
        (
            "membre absent",
            "rome",
            Some((ROME_ZIP, without_titles)),
            vec![
                "RefRomeCsv.zip : l'archive ne contient pas le fichier « unix_referentiel_appellation_v…_utf8.csv » du \
                 ROME (fichiers trouvés : unix_referentiel_code_rome_v460_utf8.csv, unix_domaine_professionnel_v460_utf8.csv, \
                 unix_arborescence_secteur_naf_v460_utf8.csv, version.txt)",
                refused,
            ],
        ),
        (
            "classeur tronqué",
            "naf",
            Some(("officiel/naf2008_liste_n3.xls", truncated(&liste_n3))),
            vec!["naf2008_liste_n3.xls : classeur Excel illisible", refused],
        ),
        (
            "404",
            "formations",
            None,
            vec![
                "formations/certif_info.csv : absent de la source (BASE/officiel/opendata-certifinfo-01122026.csv : 404)",
            ],
        ),
    ];
    for (case, dataset, changed, expected) in cases {
        let (files, gone) = match changed {
            Some((path, bytes)) => (HashMap::from([(path.to_string(), bytes)]), vec![]),
            None => (HashMap::new(), vec![CERTIF_INFO]),
        };
        let bad = serve_producers(out, &data_dir(), files, &gone).await;
        let run = download_from(&bad, &dir, Some(dataset)).await;
        assert!(!run.ok, "{case} : must fail\n{}", run.stdout);
        for e in expected {
            let e = e.replace("BASE", &bad.base);
            assert!(run.stderr.contains(&e), "{case} : « {e} » attendu dans\n{}", run.stderr);
        }
        assert_eq!(files_of(&dir), before, "{case} : nothing replaced, no partial file left");
        let lock = monlyceepro::download::read_lock(&dir).expect("lock");
        for e in &lock_before {
            let now = lock_entry(&lock, &e.path);
            assert_eq!((&now.sha256, &now.edition), (&e.sha256, &e.edition), "{case} : {}", e.path);
        }
    }
}

/// A local "Recherche d'entreprises" whose companies come with NAF 2025
/// codes only, as Sirene will give them from January 2027.
async fn naf2025_companies() -> String {
    use axum::extract::Query;
    async fn search(Query(q): Query<HashMap<String, String>>) -> axum::Json<serde_json::Value> {
        let unit = |siret: &str, nom: &str, site: serde_json::Value| {
            json!({"results": [{"siren": &siret[..9], "nom_complet": nom, "activite_principale": null,
                "siege": site.clone(), "matching_etablissements": [site]}], "total_results": 1})
        };
        axum::Json(match q.get("q").map(String::as_str) {
            // Beside a NAF rév. 2 code that is gone, as the API gives it now.
            Some("73282932000074") => unit(
                "73282932000074",
                "ÉLECTRICITÉ 2027",
                json!({"siret": "73282932000074", "commune": "69123", "activite_principale_naf25": "43.21Y"}),
            ),
            // After the switch: the main code in NAF 2025, said so.
            Some("44306184100047") => unit(
                "44306184100047",
                "BRASSERIE 2027",
                json!({"siret": "44306184100047", "commune": "69123", "activite_principale": "56.11Y",
                       "nomenclature_activite_principale": "NAF2025"}),
            ),
            Some("35600000000048") => unit(
                "35600000000048",
                "INCONNUE 2027",
                json!({"siret": "35600000000048", "commune": "69123", "activite_principale_naf25": "99.99Y"}),
            ),
            _ => json!({"results": [], "total_results": 0}),
        })
    }
    crate::support::serve_local(axum::Router::new().route("/search", axum::routing::get(search))).await
}

/// With INSEE's correspondence table (in its shape, through the
/// converter), a company known only by its NAF 2025 code gets the jobs of
/// its sector; without the table, or for a code it does not know, the
/// journey says it cannot map it.
async fn a_naf2025_code_suggests_the_jobs_of_its_sector(engine: Engine) {
    let xls = read(current_shapes().join("officiel/table-correspondance-naf2025.xls"));
    let part = Part { name: "table-correspondance-naf2025.xls".into(), served_as: None, bytes: xls };
    let converted = Shape::Naf2025Xls.convert("naf/naf2025.csv", &[part]).expect("conversion");
    let table = &converted.files[0].1;
    assert_eq!(
        String::from_utf8(table.clone()).expect("UTF-8").lines().next(),
        Some("naf2025;libelle_naf2025;naf_rev2;libelle_naf_rev2")
    );
    let dir = data_dir_with(&[("naf/naf2025.csv", table)]);
    let test_db = catalogue_db(engine).await;
    let opts = monlyceepro::import::Options {
        data_dir: dir.clone(),
        only: Some(monlyceepro::import::Dataset::Metiers),
        force: false,
    };
    monlyceepro::import::run(&test_db.db, &opts, &monlyceepro::import::Progress::quiet()).await.expect("import");
    let api = naf2025_companies().await;
    let app = TestApp::spawn_on(
        test_db,
        Options { entreprises_url: Some(api.clone()), data_dir: Some(dir), ..Options::default() },
    )
    .await;
    let step = |siret: &'static str| [("etape", "2"), ("aller", "siret"), ("action", "pfmp"), ("siret", siret)];
    let (status, _, page) = app.submit_form("/demande", "/demande", &step("73282932000074")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Entreprise trouvée : ÉLECTRICITÉ 2027 (secteur NAF 2025 43.21Y)"), "{page}");
    assert!(page.contains("name=\"metiers\" value=\"F16"), "the jobs of division 43 are offered");
    assert!(page.contains("métier courant de votre secteur"));
    assert!(page.contains("name=\"naf2025\" value=\"43.21Y\""), "kept for the request");
    let (_, _, page) = app.submit_form("/demande", "/demande", &step("44306184100047")).await;
    assert!(page.contains("(secteur NAF 2025 56.11Y)"), "{page}");
    assert!(page.contains("name=\"metiers\" value=\"G1"), "restaurant jobs (division 56)");
    let unknown = "nous ne savons pas encore le rapprocher des métiers";
    let (_, _, page) = app.submit_form("/demande", "/demande", &step("35600000000048")).await;
    assert!(page.contains(&format!("secteur NAF 2025 99.99Y : {unknown}")), "{page}");
    assert!(!page.contains("métier courant de votre secteur"));

    // Without INSEE's table the service runs and says what it cannot map.
    let without = TestApp::spawn_with(engine, Options { entreprises_url: Some(api), ..Options::default() }).await;
    let (status, _, page) = without.submit_form("/demande", "/demande", &step("73282932000074")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("secteur NAF 2025 43.21Y : {unknown}")), "{page}");
    assert!(!page.contains("métier courant de votre secteur"));
}

on_both_engines!(a_naf2025_code_suggests_the_jobs_of_its_sector);

/// The layout folder of next week's edition: the ROME without F1610, the
/// CAP électricien given a closing day, a lycée gone from the national list.
fn next_edition() -> PathBuf {
    let text = |p: &str| String::from_utf8(read(data_dir().join(p))).expect("UTF-8");
    let without = |p: &str, gone: &dyn Fn(&str) -> bool| {
        text(p).split_inclusive('\n').filter(|l| !gone(l)).collect::<String>().into_bytes()
    };
    let mut sectors: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text("naf/secteurs_naf_rome.json")).expect("JSON");
    for s in sectors.values_mut() {
        if let Some(list) = s["codes_rome"].as_array_mut() {
            list.retain(|r| r["code"] != "F1610");
        }
    }
    let diplomas: String = text("formations/vFormationDiplome_.csv")
        .split_inclusive('\n')
        .map(|l| {
            if l.starts_with("50025524;") {
                let mut f: Vec<&str> = l.split(';').collect();
                assert_eq!(f[9], "", "CAP électricien is open today");
                f[9] = "31/08/2027";
                f.join(";")
            } else {
                l.to_string()
            }
        })
        .collect();
    data_dir_with(&[
        ("rome/rome.csv", &without("rome/rome.csv", &|l| l.starts_with("F1610;"))),
        ("rome/metier.csv", &without("rome/metier.csv", &|l| l.contains(";F1610;"))),
        ("naf/secteurs_naf_rome.json", &serde_json::to_vec(&sectors).expect("JSON")),
        ("formations/vFormationDiplome_.csv", diplomas.as_bytes()),
        (
            "etablissements/fr-en-ips_lycees.csv",
            &without("etablissements/fr-en-ips_lycees.csv", &|l| l.contains(";0690010L;")),
        ),
    ])
}

fn settings(p: &Producers, dir: &Path) -> Settings {
    Settings {
        data_dir: dir.to_path_buf(),
        mirror: None,
        sources: Some(p.sources.clone()),
        only: None,
        missing_only: false,
        attempts: 2,
        retry_base: Duration::from_millis(20),
    }
}

/// Two editions a week apart, each taken by one of two workers at once:
/// requests, recipients, showcases, PFMP periods and the addresses people
/// entered keep their codes when a job, a diploma and a lycée close, and
/// the administration sees what changed.
async fn a_refresh_keeps_what_people_entered_and_says_what_changed(engine: Engine) {
    let test_db = catalogue_db(engine).await;
    let url = test_db.url.clone();
    let app = TestApp::spawn_on(test_db, Options::default()).await;
    let db = app.db.clone();
    let mut body = crate::demandes::request("rh@electricite-lyon.fr");
    body["metiers"] = json!(["F1602", "F1610"]);
    body["lycee"] = json!("0690010L");
    let (status, created) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    let follow = created["suivi_url"].as_str().expect("suivi").replace(&app.state.config.base_url, "");
    crate::support::exec(
        &db,
        "INSERT INTO vitrines (uai, presentation, plateaux, reussites, horaires, bde_public, modifie_le, modifie_par) \
         VALUES ('0690010L', 'Notre plateau photovoltaïque', '', '', '', FALSE, '2026-12-01T08:00:00Z', 'rbe')",
    )
    .await;
    crate::support::exec(
        &db,
        "INSERT INTO periodes_pfmp (id, uai, diplome, annee, debut, fin) \
         VALUES ('p1', '0690010L', '50025524', '1', '2027-01-04', '2027-02-12')",
    )
    .await;
    crate::support::exec(
        &db,
        "INSERT INTO adresses_lycees (uai, email, saisi_par, saisi_le) \
         VALUES ('0690010L', 'ddfpt.0690010L@ac-lyon.fr', 'coordination', '2026-12-01T08:00:00Z') \
         ON CONFLICT (uai) DO UPDATE SET email = excluded.email",
    )
    .await;

    let week = Duration::from_secs(7 * 24 * 3600);
    let now = time::OffsetDateTime::now_utc();
    let dir = fresh_dir("rafraichissement");
    // This week's edition: the catalogue was imported minutes ago, nothing
    // is due; a week later one of two workers takes it.
    let this_week = serve_producers(current_shapes(), &data_dir(), HashMap::new(), &[]).await;
    let (w1, w2) = (
        monlyceepro::refresh::Schedule::new(week, settings(&this_week, &dir)),
        monlyceepro::refresh::Schedule::new(week, settings(&this_week, &dir)),
    );
    assert!(!w1.run_if_due(&db, "w1", now).await.expect("rafraîchissement"), "not due yet");
    let in_a_week = now + time::Duration::days(8);
    let (a, b) = tokio::join!(w1.run_if_due(&db, "w1", in_a_week), w2.run_if_due(&db, "w2", in_a_week));
    assert_eq!([a.expect("w1"), b.expect("w2")].iter().filter(|ran| **ran).count(), 1, "one worker at a time");
    assert!(!w2.run_if_due(&db, "w2", in_a_week).await.expect("w2"), "done for the week");
    let first: Vec<(String, String, String)> =
        all3(&db, "SELECT origine, statut, changements FROM donnees_mises_a_jour ORDER BY debut").await;
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].0.as_str(), first[0].1.as_str()), ("planifiee", "reussie"));
    let changes: monlyceepro::refresh::Changes = serde_json::from_str(&first[0].2).expect("JSON");
    assert_eq!(changes.lycees_closed.total + changes.diplomas_closed.total, 0, "same data: {changes:?}");

    // Next week's edition.
    let layout = next_edition();
    let next = serve_producers(&official_shapes(&layout, "461"), &layout, HashMap::new(), &[]).await;
    let w3 = monlyceepro::refresh::Schedule::new(week, settings(&next, &dir));
    assert!(w3.run_if_due(&db, "w3", in_a_week + time::Duration::days(8)).await.expect("rafraîchissement"));
    let last: String = one(&db, "SELECT changements FROM donnees_mises_a_jour ORDER BY debut DESC LIMIT 1").await;
    let changes: monlyceepro::refresh::Changes = serde_json::from_str(&last).expect("JSON");
    let codes = |l: &monlyceepro::refresh::Listed| l.first.iter().map(|i| i.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&changes.lycees_closed), ["0690010L"]);
    assert_eq!(codes(&changes.diplomas_closed), ["50025524"]);
    assert_eq!(changes.diplomas_closed.first[0].label, "CAP électricien (fermeture au 31/08/2027)");
    let rome = changes.editions.iter().find(|e| e.path == "rome/rome.csv").expect("ROME");
    assert_eq!(
        (rome.before.as_deref(), rome.after.as_str()),
        (Some("ROME v460 du 15/10/2025"), "ROME v461 du 15/10/2025")
    );
    assert!(changes.editions.iter().any(|e| e.path == "etablissements/fr-en-ips_lycees.csv"));
    assert!(!changes.editions.iter().any(|e| e.path == "territoires/communes.json"), "unchanged files are not listed");

    // The catalogue follows the edition…
    assert_eq!(one::<i64>(&db, "SELECT COUNT(*) FROM romes WHERE code = 'F1610'").await, 0);
    assert_eq!(one::<String>(&db, "SELECT fermeture FROM diplomes WHERE cfd = '50025524'").await, "2027-08-31");
    assert!(!one::<bool>(&db, "SELECT actif FROM lycees WHERE uai = '0690010L'").await, "the lycée is kept, inactive");
    // …and what people entered keeps its codes.
    let sql = format!("SELECT metiers FROM demandes WHERE id = '{id}'");
    assert_eq!(one::<String>(&db, &sql).await, "F1602,F1610");
    let sql = format!("SELECT COUNT(*) FROM destinataires WHERE demande_id = '{id}' AND uai = '0690010L'");
    assert_eq!(one::<i64>(&db, &sql).await, 1);
    assert_eq!(
        one::<String>(&db, "SELECT presentation FROM vitrines WHERE uai = '0690010L'").await,
        "Notre plateau photovoltaïque"
    );
    assert_eq!(one::<String>(&db, "SELECT diplome FROM periodes_pfmp WHERE id = 'p1'").await, "50025524");
    let entered = "SELECT email FROM adresses_lycees WHERE uai = '0690010L'";
    assert_eq!(one::<String>(&db, entered).await, "ddfpt.0690010L@ac-lyon.fr");

    // A server started on the updated catalogue: the company's follow-up
    // still names both jobs; the administration sees the changes.
    let after = TestApp::spawn_on(TestDb::unmanaged(db.clone(), url), Options::default()).await;
    let (status, page) = after.get_text(&follow).await;
    assert_eq!(status, 200);
    assert!(page.contains("Électricien / Électricienne du bâtiment") && page.contains("F1610"), "{page}");
    let admin = after.account("admin@education.gouv.fr", monlyceepro::accounts::Role::Admin, &[], None).await;
    let client = after.signed_in(&admin).await;
    let page = client.get(format!("{}/admin/referentiels", after.base)).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("texte");
    for shown in [
        "mise à jour planifiée",
        "Lycées fermés : 1",
        "0690010L — Lycée professionnel Tony Garnier",
        "50025524 — CAP électricien (fermeture au 31/08/2027)",
        "rome/rome.csv : ROME v460 du 15/10/2025 → ROME v461 du 15/10/2025",
        "Correspondance NAF 2025 → NAF rév. 2 : 4 codes NAF 2025",
    ] {
        assert!(page.contains(&shown.replace('\'', "&#39;")) || page.contains(shown), "« {shown} » attendu");
    }
    // Anyone else: 404.
    let rbe = after.account("rbe@ac-lyon.fr", monlyceepro::accounts::Role::Rbe, &["0690003D"], None).await;
    let page =
        after.signed_in(&rbe).await.get(format!("{}/admin/referentiels", after.base)).send().await.expect("page");
    assert_eq!(page.status(), 404);
}

on_both_engines!(a_refresh_keeps_what_people_entered_and_says_what_changed);

async fn all3(db: &monlyceepro::storage::Db, sql: &str) -> Vec<(String, String, String)> {
    use monlyceepro::storage::Db;
    match db {
        Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await,
        Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await,
    }
    .expect("requête")
}

/// A machine with nothing but the internet (the README's `make run`): no
/// data folder, `serve` downloads from the producers, converts, imports
/// and serves — with the official directory's contacts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_a_fresh_machine_downloads_from_the_producers_then_serves() {
    let directory = ("layout/etablissements/fr-en-annuaire-education.csv".to_string(), fixture());
    let p = serve_producers(current_shapes(), &data_dir(), HashMap::from([directory]), &[]).await;
    let home = fresh_dir("machine-neuve");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("adresse").port()
    };
    let bind = format!("127.0.0.1:{port}");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_monlyceepro"));
    cmd.arg("serve").current_dir(&home).kill_on_drop(true);
    for v in ["MLP_DATA_DIR", "DATABASE_URL", "MLP_VAR_DIR", "MLP_DATA_MIRROR"] {
        cmd.env_remove(v);
    }
    cmd.env("MLP_DATA_SOURCES", &p.sources).env("MLP_BIND", &bind).env("RUST_LOG", "warn");
    cmd.env("MLP_DATA_REFRESH", "0");
    cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("serve");
    let client = reqwest::Client::new();
    let url = format!("http://{bind}/api/v1/lycees/0640028H");
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    let body = loop {
        if let Ok(r) = client.get(&url).send().await
            && r.status() == 200
        {
            break r.json::<serde_json::Value>().await.expect("JSON");
        }
        assert!(child.try_wait().expect("état").is_none(), "serve s'est arrêté");
        assert!(std::time::Instant::now() < deadline, "serve n'a pas répondu à temps");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let _ = child.kill().await;
    assert_eq!(body["contact"]["email"], "ce.0640028H@ac-bordeaux.fr");
    assert_eq!(body["position"]["precision"], "exacte");
    let data = home.join("var/data");
    assert!(data.join("SOURCES.lock").is_file());
    assert!(data.join("officiel/rome/RefRomeCsv.zip").is_file(), "the producers' files were fetched");
    assert!(data.join("rome/metier.csv").is_file() && data.join("naf/naf_rev2.json").is_file());
}
