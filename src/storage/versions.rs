//! The change counters every instance reads to know whether what it keeps
//! in memory is still current (`crate::cache::Fresh`): the catalogue's
//! (imports, showcases, PFMP periods, placement needs — each bumps
//! `catalogue_version`) and the events' (an event published, changed or
//! cancelled, a registration made, confirmed or cancelled).

use super::{Db, Tx};
use crate::on_db;

/// The name of the events' counter in `sequences`.
const EVENTS: &str = "version-evenements";

/// The counters, read together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Versions {
    pub catalogue: i64,
    pub events: i64,
}

/// Both counters, in one statement.
pub async fn read(db: &Db) -> sqlx::Result<Versions> {
    let (catalogue, events) = on_db!(db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT (SELECT version FROM catalogue_version WHERE id = 1), \
         COALESCE((SELECT value FROM sequences WHERE name = $1), 0)"
    ).bind(EVENTS).fetch_one(p).await)?;
    Ok(Versions { catalogue, events })
}

/// Tells every instance that the events changed (in the transaction
/// that changes them).
pub async fn bump_events(tx: &mut Tx) -> sqlx::Result<()> {
    super::requests::next_sequence(tx, EVENTS).await.map(|_| ())
}
