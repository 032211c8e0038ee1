//! How well words are understood: precision at 1 and at 3 over labelled
//! query files (`query<TAB>accepted ROME codes`, `#` comments), as in
//! `../shared/brief/search-queries.tsv`. A line counts at k when one of its
//! codes is among the first k jobs understood.
//!
//! `cargo run --release --example search_precision -- FILE.tsv…`
//! (reads `DATABASE_URL`, default `sqlite://var/monlyceepro.db`; `RAW=1`
//! measures the job index alone, as before the understanding of fields,
//! diplomas and taught jobs).

use monlyceepro::search::SearchIndex;
use monlyceepro::storage::Db;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://var/monlyceepro.db".into());
    let raw = std::env::var("RAW").is_ok_and(|v| v == "1");
    let db = Db::connect(&url).await?;
    let index = SearchIndex::build(&db, 0).await?;
    let mut queries: Vec<String> = Vec::new();
    println!("| file | lines | precision@1 | precision@3 | mean reciprocal rank (top 10) |");
    println!("|---|---|---|---|---|");
    let mut misses = Vec::new();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path)?;
        let (mut lines, mut at1, mut at3, mut rr) = (0u32, 0u32, 0u32, 0.0f64);
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let Some((query, codes)) = line.split_once('\t') else { continue };
            queries.push(query.to_string());
            let accepted: Vec<&str> = codes.split(',').map(str::trim).collect();
            let romes: Vec<String> = if raw {
                index.jobs.understand(query, 10).into_iter().map(|j| j.rome).collect()
            } else {
                index.understand(query).jobs.iter().take(10).map(|j| j.rome.clone()).collect()
            };
            let rank = romes.iter().position(|r| accepted.contains(&r.as_str()));
            lines += 1;
            if rank == Some(0) {
                at1 += 1;
            }
            if rank.is_some_and(|r| r < 3) {
                at3 += 1;
            } else {
                misses.push(format!("{path}: « {query} » → {:?} (attendu {accepted:?})", &romes[..romes.len().min(3)]));
            }
            rr += rank.map_or(0.0, |r| 1.0 / (r + 1) as f64);
        }
        let name = std::path::Path::new(&path).file_name().map_or(path.clone(), |n| n.to_string_lossy().into());
        let n = f64::from(lines.max(1));
        println!(
            "| {name} | {lines} | {at1}/{lines} ({:.0} %) | {at3}/{lines} ({:.0} %) | {:.2} |",
            100.0 * f64::from(at1) / n,
            100.0 * f64::from(at3) / n,
            rr / n
        );
    }
    for m in misses {
        eprintln!("manqué : {m}");
    }
    // Cost of understanding words (uncached: `Search` caches it per
    // catalogue version), and of building the index.
    let rounds = 20u32;
    let started = std::time::Instant::now();
    for _ in 0..rounds {
        for q in &queries {
            std::hint::black_box(if raw { index.jobs.understand(q, 10).len() } else { index.understand(q).jobs.len() });
        }
    }
    if std::env::var("DETAIL").is_ok() {
        for q in &queries {
            let t = std::time::Instant::now();
            for _ in 0..rounds {
                std::hint::black_box(index.understand(q).jobs.len());
            }
            println!("{q}: {:.0} µs", t.elapsed().as_secs_f64() * 1e6 / f64::from(rounds));
        }
    }
    let per = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds) / queries.len().max(1) as f64;
    println!();
    println!(
        "Index built in {:.0} ms; understanding words, uncached: {per:.0} µs per query ({} queries × {rounds}).",
        index.build_time.as_secs_f64() * 1000.0,
        queries.len()
    );
    Ok(())
}
