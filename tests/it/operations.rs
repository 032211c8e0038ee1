//! Operating the service: a backup taken while companies keep writing.

use crate::on_both_engines;
use crate::support::{Engine, TestApp};
use monlyceepro::storage::backup::{self, Backup};
use std::sync::{Arc, Mutex};

async fn backup_while_serving(engine: Engine) {
    let app = Arc::new(TestApp::spawn(engine).await);
    let dir = std::env::temp_dir().join(format!("mlp-sauvegarde-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).expect("dossier");
    let target = dir.join("monlyceepro.db");
    if engine == Engine::Postgres {
        match backup::backup(&app.db, &target).await.expect("recette") {
            Backup::Recipe(text) => assert!(text.contains("pg_dump") && text.contains("pg_restore"), "{text}"),
            other => panic!("PostgreSQL : {other:?}"),
        }
        return;
    }
    // Companies keep sending requests during the backup.
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (app, acknowledged, stop) = (app.clone(), acknowledged.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let (status, created) = app
                    .post_json("/api/v1/demandes", &crate::demandes::request(&format!("charge{i}@exemple.fr")))
                    .await;
                assert_eq!(status, 201, "{created}");
                let reference = created["reference"].as_str().expect("référence").to_string();
                acknowledged.lock().expect("liste").push(reference);
            }
            i
        })
    };
    while acknowledged.lock().expect("liste").len() < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before: Vec<String> = acknowledged.lock().expect("liste").clone();
    let done = backup::backup(&app.db, &target).await.expect("sauvegarde");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = load.await.expect("charge");
    let Backup::Copied { path, bytes } = done else { panic!("SQLite : une copie attendue") };
    assert_eq!(path, target);
    assert!(bytes > 0);
    // The copy is sound and holds every request acknowledged before the
    // backup began.
    backup::check(&target).await.expect("copie intègre");
    let copy = monlyceepro::storage::Db::connect(&format!("sqlite://{}", target.display())).await.expect("copie");
    let monlyceepro::storage::Db::Sqlite(pool) = &copy else { panic!("SQLite") };
    let held: Vec<String> =
        sqlx::query_scalar("SELECT reference FROM demandes").fetch_all(pool).await.expect("lecture");
    for r in &before {
        assert!(held.contains(r), "{r} acquittée avant la sauvegarde et absente de la copie");
    }
    assert!(held.len() <= sent, "pas plus de demandes que d'envois");
    // Never over an existing file; a missing folder is said; nothing half
    // written is left behind.
    let again = backup::backup(&app.db, &target).await.expect_err("fichier existant");
    assert!(again.to_string().contains("existe déjà"), "{again}");
    let nowhere = backup::backup(&app.db, &dir.join("absent").join("x.db")).await.expect_err("dossier absent");
    assert!(nowhere.to_string().contains("n'existe pas"), "{nowhere}");
    pool.close().await;
    let left: Vec<String> = std::fs::read_dir(&dir)
        .expect("dossier")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!left.iter().any(|f| f.contains("en-cours")), "{left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos().into())
}

on_both_engines!(backup_while_serving);
