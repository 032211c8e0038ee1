//! Benchmark helper of the public statistics (issue 11).
//!
//! - `stats_bench load N`: adds N requests spread over the last 15 months
//!   to the database of `DATABASE_URL` (which holds the national
//!   catalogue), with takes, declines to the end, closings, cancellations
//!   and ratings, in transactions of multi-row inserts (fixed seed);
//! - `stats_bench compute [ROUNDS]`: the uncached computation of
//!   `GET /api/v1/statistiques` (no filter, one académie, one action), in
//!   process: what the first reader after a change waits for.

use domain::ActionType;
use domain::lifecycle::{Outcome, RequestStatus};
use monlyceepro::search::SearchIndex;
use monlyceepro::seed::Rng;
use monlyceepro::stats::{Query, StatsService};
use monlyceepro::storage::{Db, Val, bulk_insert};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const COLUMNS: &[&str] = &[
    "id",
    "reference",
    "action",
    "entreprise_nom",
    "contact_prenom",
    "contact_nom",
    "contact_email",
    "contact_email_norm",
    "commune_code",
    "commune_nom",
    "rayon_km",
    "metiers",
    "niveaux",
    "message",
    "statut",
    "rayon_utilise_km",
    "elargie",
    "academie_code",
    "jeton_hash",
    "cree_le",
    "modifie_le",
    "demarre_le",
    "pris_le",
    "termine_le",
    "issue",
    "satisfaction",
];

async fn load(db: &Db, n: usize) -> anyhow::Result<()> {
    let index = SearchIndex::build(db, 0).await?;
    let mut communes: Vec<(&str, &str)> = index
        .places
        .iter()
        .filter_map(|p| index.academies.get(&p.departement).map(|(code, _)| (p.code_insee.as_str(), code.as_str())))
        .collect();
    communes.sort();
    // Where requests come from: a few thousand communes, the big ones
    // more often (the first ones drawn again and again).
    let now = OffsetDateTime::now_utc().replace_nanosecond(0)?;
    let from = now - time::Duration::days(456);
    let span = (now - from).whole_seconds();
    let mut rng = Rng(0x5747_2026);
    let run = rng.next_u64();
    let started = Instant::now();
    let mut rows = Vec::with_capacity(2000);
    let mut written = 0;
    for i in 0..n {
        let pick = if rng.below(2) == 0 { rng.below(200) } else { rng.below(communes.len()) };
        let (commune, academie) = communes[pick % communes.len()];
        let action = ActionType::ALL[match rng.below(10) {
            0..4 => 0,
            4..6 => 1,
            _ => rng.below(12),
        }];
        let created = from + rng.seconds(0, span - 3600);
        let mut taken = None;
        let (mut status, mut ended, mut outcome, mut rating) = (RequestStatus::Transmise, None, None, None);
        if rng.below(100) < 3 {
            status = RequestStatus::Doublon;
        } else {
            if rng.below(100) < 72 {
                let delay = match rng.below(10) {
                    0..5 => rng.seconds(60, 36 * 3600),
                    5..8 => rng.seconds(36 * 3600, 7 * 86_400),
                    _ => rng.seconds(7 * 86_400, 25 * 86_400),
                };
                taken = Some(created + delay).filter(|t| *t < now);
            }
            let end = created + rng.seconds(86_400, 60 * 86_400);
            match (taken, rng.below(100)) {
                (Some(_), 0..55) if end < now => {
                    status = RequestStatus::Cloturee;
                    ended = Some(end);
                    outcome = Some(Outcome::ALL[rng.below(4)]);
                    if rng.below(2) == 0 {
                        rating = Some(1 + rng.below(5) as i64);
                    }
                }
                (Some(_), 55..63) if end < now => {
                    status = RequestStatus::Annulee;
                    ended = Some(end);
                }
                (Some(_), _) => status = RequestStatus::PriseEnCharge,
                (None, 0..55) if end < now => {
                    status = RequestStatus::SansReponse;
                    ended = Some(end);
                }
                (None, 55..70) if end < now => {
                    status = RequestStatus::Annulee;
                    ended = Some(end);
                }
                (None, _) => {}
            }
        }
        let t = monlyceepro::clock::to_rfc3339;
        let id = format!("bench-{run:x}-{i:07}");
        rows.push(vec![
            Val::from(id.clone()),
            Val::from(format!("MLP-BENCH-{run:x}-{i:07}")),
            Val::from(action.code()),
            Val::from("Entreprise"),
            Val::from("Camille"),
            Val::from("Martin"),
            Val::from(format!("{id}@exemple.fr")),
            Val::from(format!("{id}@exemple.fr")),
            Val::from(commune),
            Val::from(commune),
            Val::Float(Some(30.0)),
            Val::from("F1602"),
            Val::from("bac_pro"),
            Val::from("Demande de mesure."),
            Val::from(status.code()),
            Val::Float(Some(30.0)),
            Val::Bool(false),
            Val::from(academie),
            Val::from(format!("jeton-{id}")),
            Val::from(t(created)),
            Val::from(t(ended.or(taken).unwrap_or(created))),
            Val::from(t(created)),
            Val::Text(taken.map(t)),
            Val::Text(ended.map(t)),
            Val::Text(outcome.map(|o: Outcome| o.code().to_string())),
            Val::Int(rating),
        ]);
        if rows.len() == 2000 || i + 1 == n {
            let mut tx = db.begin().await?;
            bulk_insert(&mut tx, "demandes", COLUMNS, &rows, None).await?;
            tx.commit().await?;
            written += rows.len();
            rows.clear();
        }
    }
    println!("{written} demandes ajoutées en {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn compute(db: &Db, rounds: usize) -> anyhow::Result<()> {
    let index = Arc::new(SearchIndex::build(db, 0).await?);
    let signer = monlyceepro::security::Signer::new(b"mesure-des-statistiques-de-monlyceepro");
    let requests = monlyceepro::requests::RequestService::new(db.clone(), signer, "http://localhost");
    let stats = StatsService::uncached(requests);
    let now = OffsetDateTime::now_utc();
    let lyon = monlyceepro::stats::academies(&index).into_iter().find(|(_, n)| n == "Lyon").map(|(c, _)| c);
    let period = domain::stats::Period::last_12_months(now);
    let queries = [
        ("sans filtre", Query { period, academie: None, action: None }),
        ("academie=Lyon", Query { period, academie: lyon, action: None }),
        ("action=pfmp", Query { period, academie: None, action: Some(ActionType::Pfmp) }),
    ];
    let engine = match db {
        Db::Sqlite(_) => "SQLite",
        Db::Postgres(_) => "PostgreSQL",
    };
    for (name, q) in &queries {
        let mut times: Vec<Duration> = Vec::with_capacity(rounds);
        let mut requests = None;
        for _ in 0..rounds {
            let started = Instant::now();
            let r = stats.answer(&index, q, now).await?;
            times.push(started.elapsed());
            requests = r.report.overall.requests;
        }
        times.sort();
        println!(
            "{engine}, {name} : {} demandes, calcul sans cache médian {:.1} ms, max {:.1} ms ({rounds} fois)",
            requests.unwrap_or(0),
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times[times.len() - 1].as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL")?;
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("load") => load(&db, args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100_000)).await,
        Some("compute") => compute(&db, args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10)).await,
        _ => anyhow::bail!("usage : stats_bench load N | compute [TOURS]"),
    }
}
