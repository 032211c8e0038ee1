//! Developer aid: how words are understood as jobs.
//! `cargo run --example understand -- "boulangerie" "plombier chauffagiste"`
//! (reads `DATABASE_URL`, default `sqlite://var/monlyceepro.db`).

use monlyceepro::search::SearchIndex;
use monlyceepro::storage::Db;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://var/monlyceepro.db".into());
    let db = Db::connect(&url).await?;
    let index = SearchIndex::build(&db, 0).await?;
    eprintln!(
        "index: {} textes, {} Kio, construit en {:?}",
        index.jobs.len(),
        index.jobs.memory_bytes() / 1024,
        index.build_time
    );
    for words in std::env::args().skip(1) {
        println!("« {words} »");
        for j in index.jobs.understand(&words, 8) {
            println!("  {:.2} {} {} — {}", j.score, j.rome, j.libelle, j.appellation);
        }
    }
    Ok(())
}
