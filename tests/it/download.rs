//! `monlyceepro download` against a local mirror (MLP_DATA_MIRROR): a copy
//! of `shared/data` served over HTTP, plus the official directory as the
//! fixture `tests/fixtures/annuaire/` (five real lycées in the official
//! schema). The real binary fetches, resumes, retries and refuses; then the
//! import gives the fixture's lycées their contacts.

use crate::on_both_engines;
use crate::support::{Engine, Options, TestApp, data_dir, empty_db, scratch_dir};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

const DIRECTORY: &str = "etablissements/fr-en-annuaire-education.csv";
const IPS: &str = "etablissements/fr-en-ips_lycees.csv";

pub(crate) fn fixture() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/annuaire/fr-en-annuaire-education.csv"))
        .expect("fixture de l'annuaire")
}

/// What the mirror serves and how it misbehaves.
#[derive(Default)]
pub(crate) struct Mirror {
    /// Files served instead of (or besides) those of `shared/data`.
    pub(crate) files: HashMap<String, Vec<u8>>,
    /// Paths answered 404 whatever the folders hold.
    pub(crate) gone: Vec<String>,
    /// The producers' shapes (`scripts/official-shapes.py`): paths under
    /// `officiel/` from this folder, under `layout/` from the layout
    /// folder they were made from.
    pub(crate) producers: Option<(PathBuf, PathBuf)>,
    /// The first answer for this path stops after this many bytes.
    pub(crate) cut_once: Mutex<HashMap<String, usize>>,
    /// This many 500 answers for this path before the file.
    pub(crate) errors: Mutex<HashMap<String, u32>>,
    /// Every request: path and `Range` header.
    pub(crate) log: Mutex<Vec<(String, Option<String>)>>,
}

impl Mirror {
    fn requests_for(&self, path: &str) -> Vec<Option<String>> {
        self.log.lock().expect("log").iter().filter(|(p, _)| p == path).map(|(_, r)| r.clone()).collect()
    }
}

async fn serve_file(mirror: Arc<Mirror>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/').to_string();
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_string);
    mirror.log.lock().expect("log").push((path.clone(), range.clone()));
    if let Some(n) = mirror.errors.lock().expect("errors").get_mut(&path)
        && *n > 0
    {
        *n -= 1;
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if mirror.gone.contains(&path) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let bytes = match mirror.files.get(&path) {
        Some(b) => b.clone(),
        None if path.split('/').any(|s| s == "..") => return StatusCode::BAD_REQUEST.into_response(),
        None => {
            let file = match (&mirror.producers, path.strip_prefix("layout/")) {
                (Some((_, layout)), Some(rest)) => layout.join(rest),
                (Some((out, _)), None) => out.join(&path),
                (None, _) => data_dir().join(&path),
            };
            match std::fs::read(file) {
                Ok(b) => b,
                Err(_) => return StatusCode::NOT_FOUND.into_response(),
            }
        }
    };
    let len = bytes.len();
    if let Some(cut) = mirror.cut_once.lock().expect("cut").remove(&path) {
        // The announced length, then a connection that dies half-way.
        let head = axum::body::Bytes::copy_from_slice(&bytes[..cut]);
        let stream = futures_util::stream::iter([
            Ok(head),
            Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "coupure")),
        ]);
        return Response::builder()
            .header(header::CONTENT_LENGTH, len)
            .body(Body::from_stream(stream))
            .expect("réponse");
    }
    match range.as_deref().and_then(|r| r.strip_prefix("bytes=")).and_then(|r| r.strip_suffix('-')) {
        Some(from) => {
            let from: usize = from.parse().expect("début de plage");
            Response::builder()
                .status(StatusCode::PARTIAL_CONTENT)
                .header(header::CONTENT_RANGE, format!("bytes {from}-{}/{len}", len - 1))
                .body(Body::from(bytes[from..].to_vec()))
                .expect("réponse")
        }
        None => Response::builder().body(Body::from(bytes)).expect("réponse"),
    }
}

/// Starts the mirror on a free port; returns its base URL.
pub(crate) async fn start_mirror(mirror: Arc<Mirror>) -> String {
    let app =
        axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| serve_file(mirror.clone(), uri, headers));
    crate::support::serve_local(app).await
}

fn mirror_with_directory() -> Mirror {
    Mirror { files: HashMap::from([(DIRECTORY.to_string(), fixture())]), ..Mirror::default() }
}

static DIRS: AtomicU32 = AtomicU32::new(0);

/// A new empty folder of the test run.
pub(crate) fn fresh_dir(name: &str) -> PathBuf {
    let d = scratch_dir().join(format!("{name}-{}", DIRS.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&d).expect("dossier");
    d
}

pub(crate) struct Run {
    pub(crate) ok: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs the real binary with only the variables given (and fast retries).
pub(crate) async fn monlyceepro(args: &[&str], vars: &[(&str, &str)], cwd: &Path) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_monlyceepro"));
    cmd.args(args).current_dir(cwd).kill_on_drop(true);
    for v in [
        "MLP_DATA_DIR",
        "MLP_DATA_MIRROR",
        "MLP_DATA_SOURCES",
        "DATABASE_URL",
        "MLP_VAR_DIR",
        "MLP_DOWNLOAD_TENTATIVES",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("MLP_DOWNLOAD_ATTENTE_MS", "20").env("RUST_LOG", "warn");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("monlyceepro");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn download(base: &str, dir: &Path, only: Option<&str>, extra: &[(&str, &str)]) -> Run {
    let mut args = vec!["download"];
    if let Some(o) = only {
        args.extend(["--only", o]);
    }
    let dir_s = dir.display().to_string();
    let mut vars = vec![("MLP_DATA_DIR", dir_s.as_str()), ("MLP_DATA_MIRROR", base)];
    vars.extend_from_slice(extra);
    monlyceepro(&args, &vars, dir).await
}

/// The SIRET stored for a lycée (not shown by the API).
async fn siret_of(db: &monlyceepro::storage::Db, uai: &str) -> Option<String> {
    use monlyceepro::storage::Db;
    let sql = "SELECT siret FROM lycees WHERE uai = $1";
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).bind(uai).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).bind(uai).fetch_one(p).await,
    }
    .expect("lycée")
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The lines of SOURCES.lock by path: (url, size, sha256, date).
pub(crate) fn lock_of(dir: &Path) -> HashMap<String, (String, u64, String, String)> {
    monlyceepro::download::read_lock(dir)
        .expect("SOURCES.lock")
        .into_iter()
        .map(|e| (e.path, (e.url, e.size, e.sha256, e.date)))
        .collect()
}

/// Download from the mirror, import, and the lycées of the official
/// directory have their contacts and exact positions.
async fn download_then_import_gives_the_directory_contacts(engine: Engine) {
    let mirror = Arc::new(mirror_with_directory());
    let base = start_mirror(mirror.clone()).await;
    let dir = fresh_dir("telecharge");
    let run = download(&base, &dir, None, &[]).await;
    assert!(run.ok, "download : {}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("calendrier/fr-en-calendrier-scolaire.csv") && run.stdout.contains("ignoré"));

    // SOURCES.lock: every file with its source, size and SHA-256.
    let lock = lock_of(&dir);
    for f in monlyceepro::download::Manifest::embedded().expect("manifest").file {
        let served = match mirror.files.get(&f.path) {
            Some(b) => b.clone(),
            None => match std::fs::read(data_dir().join(&f.path)) {
                Ok(b) => b,
                Err(_) => {
                    assert!(!f.required && !lock.contains_key(&f.path), "{}", f.path);
                    continue;
                }
            },
        };
        let (url, size, sha, date) = lock.get(&f.path).unwrap_or_else(|| panic!("{} absent du verrou", f.path));
        assert_eq!(url, &format!("{base}/{}", f.path));
        assert_eq!(*size, served.len() as u64, "{}", f.path);
        assert_eq!(sha, &sha256(&served), "{}", f.path);
        assert_eq!(std::fs::read(dir.join(&f.path)).expect("fichier"), served, "{}", f.path);
        assert!(time::OffsetDateTime::parse(date, &time::format_description::well_known::Rfc3339).is_ok());
    }

    // The import of what was downloaded.
    let test_db = empty_db(engine).await;
    let dir_s = dir.display().to_string();
    let run = monlyceepro(&["import"], &[("MLP_DATA_DIR", &dir_s), ("DATABASE_URL", &test_db.url)], &dir).await;
    assert!(run.ok, "import : {}\n{}", run.stdout, run.stderr);
    let db = test_db.db.clone();
    let app = TestApp::spawn_on(test_db, Options { data_dir: Some(dir.clone()), ..Options::default() }).await;
    let fixture = String::from_utf8(fixture()).expect("UTF-8");
    let mut lycees = 0;
    for line in fixture.lines().skip(1).filter(|l| l.contains(";Lycée;")) {
        let f: Vec<&str> = line.split(';').collect();
        let (uai, phone, web, mail, siret, lat, lon) = (f[0], f[18], f[20], f[21], f[39], f[50], f[51]);
        let (status, l) = app.get_json(&format!("/api/v1/lycees/{uai}")).await;
        assert_eq!(status, 200, "{uai}");
        assert_eq!(l["contact"]["email"], mail, "{uai}");
        let digits: String = l["contact"]["telephone"].as_str().unwrap_or("").split_whitespace().collect();
        assert_eq!(digits, phone, "{uai}");
        assert_eq!(l["contact"]["site_web"], web, "{uai}");
        assert_eq!(l["position"]["precision"], "exacte", "{uai}");
        assert_eq!(l["position"]["lat"].as_f64(), lat.parse::<f64>().ok(), "{uai}");
        assert_eq!(l["position"]["lon"].as_f64(), lon.parse::<f64>().ok(), "{uai}");
        assert!(l["adresse"].as_str().is_some_and(|a| a.contains("rue de l'Exemple")), "{uai}: {}", l["adresse"]);
        let stored = siret_of(&db, uai).await;
        assert_eq!(stored.as_deref(), Some(siret), "{uai}");
        // Routing writes to the address the directory gives: a company
        // asking from the lycée's page, in its commune, reaches it without
        // any business officer registered.
        let body = serde_json::json!({
            "action": "soutien",
            "entreprise": {"nom": format!("Entreprise près de {uai}")},
            "contact": {"prenom": "Zoé", "nom": "Martin", "email": format!("rh-{}@exemple.fr", uai.to_lowercase())},
            "commune": f[8],
            "rayon_km": 30,
            "lycee": uai,
            "message": "Nous voulons soutenir le lycée.",
            "consentement": true
        });
        let (status, created) = app.post_json("/api/v1/demandes", &body).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["destinataires"][0]["uai"], uai, "the lycée of the page leads: {created}");
        let sql = format!(
            "SELECT COUNT(*) FROM outbox WHERE demande_id = '{}' AND destinataire LIKE '%{mail}%'",
            created["id"].as_str().expect("id")
        );
        assert_eq!(count_of(&db, &sql).await, 1, "an email to {mail}");
        lycees += 1;
    }
    assert_eq!(lycees, 5);
    // The primary school of the same file is no lycée (its made-up UAI
    // does not even have a valid key).
    let (status, _) = app.get_json("/api/v1/lycees/0590001A").await;
    assert_ne!(status, 200);
}

on_both_engines!(download_then_import_gives_the_directory_contacts);

async fn count_of(db: &monlyceepro::storage::Db, sql: &str) -> i64 {
    crate::support::one(db, sql).await
}

/// A cut in the middle: the same command resumes with a range, and a
/// `.partiel` left by an earlier command is resumed too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_download_resumes_where_it_stopped() {
    let source = std::fs::read(data_dir().join(IPS)).expect("liste IPS");
    let mirror = Arc::new(Mirror::default());
    mirror.cut_once.lock().expect("cut").insert(IPS.to_string(), 1_000_000);
    let base = start_mirror(mirror.clone()).await;
    let dir = fresh_dir("reprise");
    let run = download(&base, &dir, Some("etablissements"), &[]).await;
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("transfert interrompu après 1000000 octets"), "{}", run.stderr);
    assert_eq!(mirror.requests_for(IPS), [None, Some("bytes=1000000-".to_string())]);
    assert_eq!(sha256(&std::fs::read(dir.join(IPS)).expect("fichier")), sha256(&source));
    assert!(!dir.join(format!("{IPS}.partiel")).exists());

    // A command stopped earlier left 500,000 bytes: the next one goes on.
    let dir = fresh_dir("reprise-partiel");
    std::fs::create_dir_all(dir.join("etablissements")).expect("dossier");
    std::fs::write(dir.join(format!("{IPS}.partiel")), &source[..500_000]).expect("partiel");
    let run = download(&base, &dir, Some("etablissements"), &[]).await;
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("reprise à l'octet 500000"), "{}", run.stderr);
    assert_eq!(mirror.requests_for(IPS).last(), Some(&Some("bytes=500000-".to_string())));
    assert_eq!(sha256(&std::fs::read(dir.join(IPS)).expect("fichier")), sha256(&source));
    assert_eq!(lock_of(&dir)[IPS].2, sha256(&source));
}

/// An upstream file whose column was renamed is refused, naming the file
/// and the column; the file in place stays byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_column_is_refused_and_the_previous_file_kept() {
    let dir = fresh_dir("colonne");
    let good = Arc::new(Mirror::default());
    let run = download(&start_mirror(good).await, &dir, Some("etablissements"), &[]).await;
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    let before = std::fs::read(dir.join(IPS)).expect("fichier");
    let lock_before = lock_of(&dir);

    let changed = String::from_utf8(before.clone()).expect("UTF-8").replacen(";uai;", ";code_uai;", 1).into_bytes();
    let bad = Arc::new(Mirror { files: HashMap::from([(IPS.to_string(), changed)]), ..Mirror::default() });
    let run = download(&start_mirror(bad).await, &dir, Some("etablissements"), &[]).await;
    assert!(!run.ok, "must fail: {}", run.stdout);
    assert!(
        run.stderr.contains(
            "etablissements/fr-en-ips_lycees.csv, ligne 1 : colonne « uai » absente (colonnes trouvées : \
             rentree_scolaire, academie, code_du_departement, departement, code_uai, nom,"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("fichier refusé, la version précédente est gardée"), "{}", run.stderr);
    assert_eq!(std::fs::read(dir.join(IPS)).expect("fichier"), before, "previous file kept byte for byte");
    assert!(!dir.join(format!("{IPS}.partiel")).exists(), "the refused download is deleted");
    assert_eq!(lock_of(&dir)[IPS], lock_before[IPS], "the lock still describes the file in place");
    // The other files of the dataset were fetched all the same.
    assert_ne!(lock_of(&dir)["etablissements/onisep-lycees-idf-donnees-generales.csv"].3, lock_before[IPS].3);
}

/// A server answering 500 then 200: the retries get the file; out of
/// attempts, the error says what the server answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_with_backoff() {
    const NAF: &str = "naf/naf_rev2.json";
    let mirror = Arc::new(Mirror::default());
    mirror.errors.lock().expect("errors").insert(NAF.to_string(), 2);
    let base = start_mirror(mirror.clone()).await;
    let dir = fresh_dir("erreurs");
    let run = download(&base, &dir, Some("naf"), &[]).await;
    assert!(run.ok, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(mirror.requests_for(NAF).len(), 3);
    assert!(run.stderr.contains("le serveur a répondu 500 Internal Server Error : nouvel essai dans 20 ms"));
    assert!(run.stderr.contains("nouvel essai dans 40 ms"), "the wait doubles: {}", run.stderr);
    assert_eq!(std::fs::read(dir.join(NAF)).expect("fichier"), std::fs::read(data_dir().join(NAF)).expect("source"));

    mirror.errors.lock().expect("errors").insert(NAF.to_string(), 5);
    let run = download(&base, &dir, Some("naf"), &[("MLP_DOWNLOAD_TENTATIVES", "2")]).await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("naf/naf_rev2.json : le serveur a répondu 500 Internal Server Error après 2 tentatives"),
        "{}",
        run.stderr
    );
}
