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
        let u = index.understand(&words);
        if let Some(f) = u.field.and_then(|f| index.vocabulary.fields.get(f)) {
            println!("  domaine : tous les métiers {} ({} métiers)", f.of, f.romes.len());
        }
        for s in u.specialties.iter().filter_map(|&i| index.vocabulary.specialties.get(i)) {
            println!("  diplôme : {} ({} lycées)", s.label, s.lycees);
        }
        for j in u.jobs.iter().take(8) {
            println!(
                "  {:.2} {} {} — {} [{} lycées]",
                j.score,
                j.rome,
                j.libelle,
                j.appellation,
                index.vocabulary.lycees_teaching(&j.rome)
            );
        }
        let kept: Vec<(String, f64)> =
            SearchIndex::kept_jobs(&u.jobs).iter().map(|j| (j.rome.clone(), j.score)).collect();
        let related: Vec<String> = index
            .related_jobs(&kept, 5)
            .into_iter()
            .map(|j| format!("{} {} ({:.2})", j.rome, j.libelle, j.score))
            .collect();
        if !related.is_empty() {
            println!("  métiers proches : {}", related.join(" ; "));
        }
    }
    Ok(())
}
