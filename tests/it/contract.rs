//! The API contract checked by a client nobody here wrote: Schemathesis
//! (PyPI `schemathesis`) generates requests from `/api/v1/openapi.json` —
//! valid ones, which must be accepted, and invalid ones, which must be
//! refused — and checks every answer against the document (status codes,
//! content types, bodies). Partner platforms generate their clients from
//! that document: it must say exactly what the service accepts and
//! answers. The few rules no JSON Schema can say are allowed operation by
//! operation in `schemathesis.toml` (docs/decisions.md § 40).

use crate::support::{Engine, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_says_what_the_service_does() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    // A partner's key, so that its listing is tested too.
    let key = monlyceepro::partner_api::NewKey { name: "contrat".into(), ..Default::default() };
    let created = app.state.api_keys.create(&key, "test", time::OffsetDateTime::now_utc()).await.expect("clé");
    let root = env!("CARGO_MANIFEST_DIR");
    let out = tokio::process::Command::new("st")
        .args(["run", &format!("{}/api/v1/openapi.json", app.base)])
        .args(["--checks", "all", "--seed", "2026", "--max-examples", "30", "--workers", "1"])
        .args(["--header", &format!("Authorization: Bearer {}", created.key)])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .await
        .expect("Schemathesis (st) doit être installé : scripts/ensure-test-tools.sh");
    let report = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let summary: Vec<&str> = report.lines().filter(|l| l.contains("generated") || l.contains("passed")).collect();
    println!("Schemathesis : {}", summary.join(" | "));
    assert!(out.status.success(), "le contrat de l'API n'est pas tenu :\n{report}");
}
