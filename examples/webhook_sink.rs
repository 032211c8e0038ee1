//! A partner's webhook receiver for benchmarks: answers 204 to every
//! `POST`, and the number received to `GET /`. Lighter than any script, so
//! that on a small machine the benchmark measures the service, not the
//! receiver sharing its cores.
//!
//! `cargo run --release --example webhook_sink -- 18190`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(18190);
    let count = Arc::new(AtomicU64::new(0));
    let (c1, c2) = (count.clone(), count);
    let app = axum::Router::new().fallback(
        axum::routing::post(move || {
            let c = c1.clone();
            async move {
                c.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        })
        .get(move || {
            let c = c2.clone();
            async move { c.load(Ordering::Relaxed).to_string() }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
