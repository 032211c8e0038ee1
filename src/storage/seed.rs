//! What seeding a database needs beyond the service's own writes
//! (`crate::seed`): whether it is empty, and the outbox and webhooks of
//! the past turned into the history a running service leaves (sent,
//! delivered), as the worker would have done at the time.

use super::{Db, Tx, execute, execute_on};
use crate::{on_db, on_tx};

/// How many requests the database holds.
pub async fn request_count(db: &Db) -> sqlx::Result<i64> {
    on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM demandes").fetch_one(p).await)
}

/// Every email still to send and created before `before` is marked sent
/// when it was created (one attempt); every webhook event likewise
/// delivered, with its attempt answered 200. How many of each.
pub async fn deliver_history(tx: &mut Tx, before: &str) -> sqlx::Result<(u64, u64)> {
    let emails = on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET statut = 'envoye', envoye_le = cree_le, tentatives = 1, prochain_essai = cree_le \
         WHERE statut = 'a_envoyer' AND cree_le < $1"
    ).bind(before).execute(&mut *c).await?.rows_affected());
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO webhook_essais (webhook_id, numero, essai_le, code_http, erreur, duree_ms) \
         SELECT id, 1, cree_le, 200, NULL, 85 FROM webhooks WHERE statut = 'a_envoyer' AND cree_le < $1"
    ).bind(before).execute(&mut *c).await.map(|_| ()))?;
    let webhooks = on_tx!(tx, c => sqlx::query(
        "UPDATE webhooks SET statut = 'envoye', envoye_le = cree_le, tentatives = 1, dernier_code = 200 \
         WHERE statut = 'a_envoyer' AND cree_le < $1"
    ).bind(before).execute(&mut *c).await?.rows_affected());
    Ok((emails, webhooks))
}

/// Refreshes the planner's statistics after a bulk load.
pub async fn analyze(db: &Db) -> sqlx::Result<()> {
    execute_on(db, "ANALYZE").await.map(|_| ())
}

/// Runs one statement of the seeding in `tx` (a fixed text, no input).
pub async fn run(tx: &mut Tx, sql: &str) -> sqlx::Result<u64> {
    execute(tx, sql).await
}
