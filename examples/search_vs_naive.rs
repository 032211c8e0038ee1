//! Benchmark: our search against the naive approach a typical service uses
//! (an SQL `LIKE` on job titles joined to the lycées' diplomas, a bounding
//! box in SQL, then the exact distance), on the same data and in the same
//! run. Prints the index build time and size, and the mean time per query
//! of both approaches.
//!
//! `cargo run --release --example search_vs_naive` (reads `DATABASE_URL`).

use monlyceepro::on_db;
use monlyceepro::search::{Center, SearchIndex, SearchQuery};
use monlyceepro::storage::Db;
use std::time::{Duration, Instant};

/// Queries companies type, and where.
const QUERIES: [(&str, &str); 8] = [
    ("electricien", "69123"),
    ("plombier", "75056"),
    ("cuisinier", "13055"),
    ("aide soignant", "31555"),
    ("boulanger", "33063"),
    ("mecanicien automobile", "59350"),
    ("soudeur", "44109"),
    ("coiffeur", "67482"),
];
const RADIUS: f64 = 30.0;

#[derive(sqlx::FromRow)]
struct NaiveRow {
    uai: String,
    lat: Option<f64>,
    lon: Option<f64>,
}

async fn naive(db: &Db, words: &str, lat: f64, lon: f64) -> usize {
    let center = domain::Position::new(lat, lon).expect("centre");
    let (la0, la1, lo0, lo1) = center.bounding_box(RADIUS);
    let pattern = format!("%{}%", domain::text::fold(words));
    let sql = "SELECT DISTINCT l.uai, l.lat, l.lon FROM lycees l \
        JOIN lycee_formations f ON f.uai = l.uai \
        JOIN diplome_romes dr ON dr.cfd = f.cfd \
        JOIN appellations a ON a.rome_code = dr.rome_code \
        WHERE a.libelle_norm LIKE $1 AND l.lat BETWEEN $2 AND $3 AND l.lon BETWEEN $4 AND $5";
    let rows: Vec<NaiveRow> = on_db!(db, p => sqlx::query_as(sql)
        .bind(&pattern).bind(la0).bind(la1).bind(lo0).bind(lo1)
        .fetch_all(p).await)
    .expect("requête naïve");
    let mut hits: Vec<(f64, String)> = rows
        .into_iter()
        .filter_map(|r| {
            let d = center.distance_km(&domain::Position::new(r.lat?, r.lon?)?);
            (d <= RADIUS).then_some((d, r.uai))
        })
        .collect();
    hits.sort_by(|a, b| a.0.total_cmp(&b.0));
    hits.len()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://var/monlyceepro.db".into());
    let rounds: u32 = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(20);
    let db = Db::connect(&url).await?;
    let index = SearchIndex::build(&db, 0).await?;
    println!(
        "engine {}: index of {} job texts and {} lycées built in {:.0} ms; job index {} KiB",
        db.engine().name(),
        index.jobs.len(),
        index.lycees.len(),
        index.build_time.as_secs_f64() * 1000.0,
        index.jobs.memory_bytes() / 1024
    );
    let mut ours = Duration::ZERO;
    let mut theirs = Duration::ZERO;
    let mut n = 0u32;
    for _ in 0..rounds {
        for (words, commune) in QUERIES {
            let place = index.places.get(commune).and_then(|p| p.position).expect("commune placée");
            let t = Instant::now();
            // Uncached: the understanding of the words is part of the cost.
            let understood = index.understand(words);
            let q = SearchQuery {
                words: Some(words.to_string()),
                center: Some(Center::Commune(commune.to_string())),
                radius_km: RADIUS,
                page: 1,
                per_page: 20,
                ..SearchQuery::default()
            };
            let found = index.search(&q, &understood).map(|o| o.total).unwrap_or(0);
            ours += t.elapsed();
            let t = Instant::now();
            let naive_found = naive(&db, words, place.lat, place.lon).await;
            theirs += t.elapsed();
            if n < QUERIES.len() as u32 {
                println!("  « {words} » near {commune}: ours {found} lycées, naive {naive_found}");
            }
            n += 1;
        }
    }
    // The search alone, words already understood (as when cached).
    let mut search_only = Duration::ZERO;
    let mut m = 0u32;
    for _ in 0..rounds {
        for (words, commune) in QUERIES {
            let understood = index.understand(words);
            let q = SearchQuery {
                words: Some(words.to_string()),
                center: Some(Center::Commune(commune.to_string())),
                radius_km: RADIUS,
                page: 1,
                per_page: 20,
                ..SearchQuery::default()
            };
            let t = Instant::now();
            let _ = index.search(&q, &understood).map(|o| o.total);
            search_only += t.elapsed();
            m += 1;
        }
    }
    println!(
        "search alone (words understood, as when cached): {:.0} µs per query",
        search_only.as_secs_f64() * 1e6 / f64::from(m)
    );
    let ours_us = ours.as_secs_f64() * 1e6 / f64::from(n);
    let theirs_us = theirs.as_secs_f64() * 1e6 / f64::from(n);
    println!(
        "mean per query over {n} queries: ours {ours_us:.0} µs, naive SQL LIKE + distance {theirs_us:.0} µs: ours is {:.1}× faster",
        theirs_us / ours_us
    );
    Ok(())
}
