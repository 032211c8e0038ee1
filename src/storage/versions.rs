//! The change counters every instance reads to know whether what it keeps
//! in memory is still current (`crate::cache::Fresh`): the catalogue's
//! (imports, showcases, PFMP periods, placement needs — each bumps
//! `catalogue_version`), the events' (an event published, changed or
//! cancelled, a registration made, confirmed or cancelled) and the
//! contacts' (who reads what is sent to a lycée or a coordination: an
//! account, its role or lycées, an address entered or failed, an
//! académie's coordination address — `storage::reach`).

use super::{Db, Tx};
use crate::on_db;

/// The name of the events' counter in `sequences`.
const EVENTS: &str = "version-evenements";
/// The name of the contacts' counter in `sequences`.
const CONTACTS: &str = "version-contacts";

/// The counters, read together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Versions {
    pub catalogue: i64,
    pub events: i64,
    pub contacts: i64,
}

/// The counters, in one statement.
pub async fn read(db: &Db) -> sqlx::Result<Versions> {
    let (catalogue, events, contacts) = on_db!(db, p => sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT (SELECT version FROM catalogue_version WHERE id = 1), \
         COALESCE((SELECT value FROM sequences WHERE name = $1), 0), \
         COALESCE((SELECT value FROM sequences WHERE name = $2), 0)"
    ).bind(EVENTS).bind(CONTACTS).fetch_one(p).await)?;
    Ok(Versions { catalogue, events, contacts })
}

/// Tells every instance that the events changed (in the transaction
/// that changes them).
pub async fn bump_events(tx: &mut Tx) -> sqlx::Result<()> {
    super::requests::next_sequence(tx, EVENTS).await.map(|_| ())
}

/// Tells every instance that who reads a lycée's or a coordination's mail
/// changed (in the transaction that changes it).
pub async fn bump_contacts(tx: &mut Tx) -> sqlx::Result<()> {
    super::requests::next_sequence(tx, CONTACTS).await.map(|_| ())
}

/// [`bump_contacts`] for a change written outside a transaction, after
/// it: a reader of the new count always finds the change.
pub async fn bump_contacts_after(db: &Db) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    bump_contacts(&mut tx).await?;
    tx.commit().await
}
