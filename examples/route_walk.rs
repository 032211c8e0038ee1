//! What `bench/routes.sh` asks the server (issue 25), read from a database
//! filled by `monlyceepro seed`:
//!
//! - `route_walk urls`: every URL of the route walk (`web::routes`), one
//!   per line: `route<TAB>visitor<TAB>url<TAB>header<TAB>status` (`-` when
//!   the visitor sends none; 200, or 303 for a redirection), the signed-in visitors with a fresh session;
//! - `route_walk searches N FILE.tsv…`: N distinct realistic searches of
//!   `GET /api/v1/recherche`, one path per line: the company words of the
//!   brief's query files around the most populated communes, at several
//!   radii.
//!
//! Reads the server's settings (`DATABASE_URL`, `MLP_SECRET_KEY`: the
//! signed links must be the server's) and `MLP_BENCH_PARTNER_KEY` (the key
//! `seed` printed for its first platform).

use monlyceepro::config::Config;
use monlyceepro::storage::Db;
use monlyceepro::web::AppState;
use monlyceepro::web::routes::Targets;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let db = Db::connect(&config.database_url).await?;
    let state = AppState::new(db, config).await?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("urls") => {
            let key = std::env::var("MLP_BENCH_PARTNER_KEY").ok().filter(|k| !k.is_empty());
            let targets = Targets::find(&state, key.as_deref(), time::OffsetDateTime::now_utc()).await?;
            for v in targets.visits().map_err(|missing| anyhow::anyhow!("cible inconnue : {missing}"))? {
                let header = targets.credentials(v.visitor).map_or("-".to_string(), |(n, v)| format!("{n}: {v}"));
                println!("{}\t{}\t{}\t{header}\t{}", v.route, v.visitor.name(), v.url, v.status);
            }
        }
        Some("searches") => {
            let n: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(6_000);
            let mut words = Vec::new();
            for path in &args[2..] {
                for line in std::fs::read_to_string(path)?.lines().filter(|l| !l.starts_with('#')) {
                    if let Some((query, _)) = line.split_once('\t') {
                        words.push(query.to_string());
                    }
                }
            }
            anyhow::ensure!(!words.is_empty(), "aucune requête lue : route_walk searches N FICHIER.tsv…");
            let index = state.search.index();
            let mut communes: Vec<_> =
                index.places.iter().filter(|p| p.kind == "commune" && p.position.is_some()).collect();
            communes.sort_by_key(|p| std::cmp::Reverse(p.population.unwrap_or(0)));
            let radii = [10, 20, 30, 50];
            let per_commune = words.len() * radii.len();
            for i in 0..n {
                let commune = communes[(i / per_commune) % communes.len()];
                let word = &words[i % words.len()];
                let radius = radii[(i / words.len()) % radii.len()];
                let q: String = form_urlencoded::byte_serialize(word.as_bytes()).collect();
                println!("/api/v1/recherche?q={q}&commune={}&rayon_km={radius}", commune.code_insee);
            }
        }
        _ => anyhow::bail!("usage : route_walk urls | searches N FICHIER.tsv…"),
    }
    Ok(())
}
