//! Browser tests: headless Chromium (Debian's) driven by Playwright, with
//! axe-core, against the real server on each engine. The scenario lives in
//! `browser-tests/pages.mjs`; this test starts the server and fails with
//! the browser's report.

use crate::on_both_engines;
use crate::support::{Engine, TestApp};

async fn pages_are_accessible_in_chromium(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let base = app.base.clone();
    let root = env!("CARGO_MANIFEST_DIR");
    let out = tokio::process::Command::new("node")
        .arg(format!("{root}/browser-tests/pages.mjs"))
        .arg(&base)
        .current_dir(root)
        .output()
        .await
        .expect("node (Node.js) doit être installé pour les tests de navigateur");
    let report = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "tests de navigateur en échec :\n{report}");
    assert!(report.contains("pages vérifiées"), "{report}");
}

on_both_engines!(pages_are_accessible_in_chromium);
