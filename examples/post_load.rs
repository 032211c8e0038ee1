//! Load generator for `POST /api/v1/demandes` at a fixed rate (what
//! "sustaining N requests/s" means), each request distinct (its own email:
//! no duplicate). Latency is measured from the moment each request was due,
//! so a slow server cannot hide its queue (no coordinated omission).
//!
//! `cargo run --release --example post_load -- http://127.0.0.1:8080 200 10`
//! (base URL, requests per second, seconds). With `MLP_BENCH_KEY=mlp_…`,
//! every request carries that partner key (`Authorization: Bearer`).

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

const PLACES: [(&str, &str); 8] = [
    ("69123", "F1602"),
    ("75056", "D1102"),
    ("13055", "G1602"),
    ("31555", "I1604"),
    ("33063", "H2913"),
    ("59350", "D1202"),
    ("44109", "N1101"),
    ("67482", "F1703"),
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let rate: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(200);
    let seconds: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(10);
    let client = reqwest::Client::builder().pool_max_idle_per_host(512).build()?;
    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let statuses = Arc::new(Mutex::new(std::collections::BTreeMap::<u16, u64>::new()));
    let key = std::env::var("MLP_BENCH_KEY").ok().filter(|k| !k.is_empty());
    let run = format!("{:x}", rand::random::<u32>());
    let start = Instant::now();
    let total = rate * seconds;
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + Duration::from_nanos(i * 1_000_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        let (commune, rome) = PLACES[(i % PLACES.len() as u64) as usize];
        let body = serde_json::json!({
            "action": "pfmp",
            "entreprise": {"nom": format!("Entreprise {i}")},
            "contact": {"prenom": "Camille", "nom": "Martin", "email": format!("charge-{run}-{i}@exemple.fr")},
            "commune": commune,
            "rayon_km": 30,
            "metiers": [rome],
            "message": "Deux stagiaires.",
            "consentement": true
        });
        let (client, url, latencies, statuses) =
            (client.clone(), format!("{base}/api/v1/demandes"), latencies.clone(), statuses.clone());
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let mut post = client.post(&url).json(&body);
            if let Some(k) = &key {
                post = post.bearer_auth(k);
            }
            let status = match post.send().await {
                Ok(r) => r.status().as_u16(),
                Err(_) => 0,
            };
            latencies.lock().await.push(due.elapsed());
            *statuses.lock().await.entry(status).or_default() += 1;
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed();
    let mut l = latencies.lock().await.clone();
    l.sort();
    let pct = |p: usize| l[(l.len() * p / 100).min(l.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "{total} requests at {rate}/s over {:.1} s (achieved {:.0}/s): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; statuses {:?}",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        pct(50),
        pct(99),
        l[l.len() - 1].as_secs_f64() * 1000.0,
        statuses.lock().await
    );
    Ok(())
}
