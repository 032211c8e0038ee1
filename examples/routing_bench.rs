//! Benchmark: the routing decision alone, on the national catalogue in
//! memory, against the naive approach (candidates read with SQL: the
//! lycées' diplomas joined to the jobs asked, a bounding box, then ranked),
//! same requests, same run.
//!
//! `cargo run --release --example routing_bench` (reads `DATABASE_URL`).

use domain::matching::WantedJob;
use domain::routing::{LyceeStatus, RoutingRequest, route};
use domain::{ActionType, Position};
use monlyceepro::on_db;
use monlyceepro::search::SearchIndex;
use monlyceepro::storage::Db;
use std::time::{Duration, Instant};

const CASES: [(&str, &str); 8] = [
    ("69123", "F1602"),
    ("75056", "D1102"),
    ("13055", "G1602"),
    ("31555", "I1604"),
    ("15014", "H2902"),
    ("59350", "H2913"),
    ("44109", "D1202"),
    ("97411", "N1101"),
];

#[derive(sqlx::FromRow)]
struct Row {
    uai: String,
    lat: Option<f64>,
    lon: Option<f64>,
    rome_code: String,
}

/// Candidates the way a typical service gets them: SQL, then distance.
async fn naive(db: &Db, center: Position, rome: &str) -> usize {
    let (la0, la1, lo0, lo1) = center.bounding_box(30.0);
    let sql = "SELECT l.uai, l.lat, l.lon, dr.rome_code FROM lycees l JOIN lycee_formations f ON f.uai = l.uai \
        JOIN diplome_romes dr ON dr.cfd = f.cfd WHERE SUBSTR(dr.rome_code, 1, 3) = $1 \
        AND l.lat BETWEEN $2 AND $3 AND l.lon BETWEEN $4 AND $5";
    let rows: Vec<Row> = on_db!(db, p => sqlx::query_as(sql)
        .bind(&rome[..3]).bind(la0).bind(la1).bind(lo0).bind(lo1).fetch_all(p).await)
    .expect("requête");
    let mut best: std::collections::HashMap<String, (f64, f64)> = std::collections::HashMap::new();
    for r in rows {
        let (Some(lat), Some(lon)) = (r.lat, r.lon) else { continue };
        let Some(p) = Position::new(lat, lon) else { continue };
        let d = center.distance_km(&p);
        if d > 30.0 {
            continue;
        }
        let strength = if r.rome_code == rome { 1.0 } else { 0.5 };
        let e = best.entry(r.uai).or_insert((0.0, d));
        e.0 = f64::max(e.0, strength);
    }
    let mut ranked: Vec<_> = best.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then(a.1.1.total_cmp(&b.1.1)));
    ranked.len().min(3)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://var/monlyceepro.db".into());
    let rounds: u32 = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(200);
    let db = Db::connect(&url).await?;
    let index = SearchIndex::build(&db, 0).await?;
    let status = |_: &str| LyceeStatus { reachable: true, ..LyceeStatus::default() };
    let mut times: Vec<Duration> = Vec::new();
    let mut naive_total = Duration::ZERO;
    for round in 0..rounds {
        for (commune, rome) in CASES {
            let center = index.places.get(commune).and_then(|p| p.position).expect("commune placée");
            let wanted = [WantedJob::new(rome, 1.0)];
            let req = RoutingRequest {
                action: ActionType::Pfmp,
                wanted: &wanted,
                levels: &[],
                center,
                radius_km: 30.0,
                origin: None,
                excluded: &[],
                rome_labels: &index.rome_labels,
                kinship: &index.kinship,
                keep_radius: false,
            };
            let t = Instant::now();
            let d = route(&req, &index.lycees, &status);
            times.push(t.elapsed());
            std::hint::black_box(&d);
            if round < 20 {
                let t = Instant::now();
                std::hint::black_box(naive(&db, center, rome).await);
                naive_total += t.elapsed();
            }
        }
    }
    times.sort();
    let n = times.len();
    let mean = times.iter().sum::<Duration>() / n as u32;
    let p99 = times[n * 99 / 100];
    let naive_mean = naive_total / (20 * CASES.len() as u32);
    println!(
        "engine {}: routing decision over {} lycées, {n} decisions: mean {:.0} µs, p99 {:.0} µs, max {:.0} µs; \
         naive SQL candidates + ranking: mean {:.0} µs ({:.0}× slower)",
        db.engine().name(),
        index.lycees.len(),
        mean.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
        times[n - 1].as_secs_f64() * 1e6,
        naive_mean.as_secs_f64() * 1e6,
        naive_mean.as_secs_f64() / mean.as_secs_f64()
    );
    Ok(())
}
