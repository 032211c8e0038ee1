//! The outbox: emails written in the transaction of what they tell, then
//! delivered by the worker with leases and retries (see `crate::mail`).

use super::{Db, Tx};
use crate::{on_db, on_tx};

domain::codes!(
    /// Where a message of an outbox stands: an email, or a partner's
    /// webhook event (`api_keys::WebhookStatus` is this type).
    OutboxStatus {
        /// Waiting for its (next) attempt.
        AEnvoyer = "a_envoyer",
        Envoye = "envoye",
        /// Given up after its last attempt.
        Echec = "echec",
    }
);

/// An email waiting in the outbox.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub demande_id: Option<String>,
    pub modele: String,
    pub destinataire: String,
    pub sujet: String,
    pub corps: String,
    pub tentatives: i64,
    /// Which link of a request's chain it is for (`lycee:UAI`,
    /// `coordination:academie`, `coordination:national`): when it finally
    /// fails, the request goes on to the next link.
    pub cible: Option<String>,
}

/// Queues several emails in one statement.
pub async fn insert_outboxes(tx: &mut Tx, rows: &[OutboxRow], now: &str) -> sqlx::Result<()> {
    use super::Val;
    let values: Vec<Vec<Val>> = rows
        .iter()
        .map(|o| {
            vec![
                Val::from(o.id.clone()),
                Val::from(o.demande_id.clone()),
                Val::from(o.modele.clone()),
                Val::from(o.destinataire.clone()),
                Val::from(o.sujet.clone()),
                Val::from(o.corps.clone()),
                Val::from(OutboxStatus::AEnvoyer.code()),
                Val::from(0i64),
                Val::from(now),
                Val::from(now),
                Val::from(o.cible.clone()),
            ]
        })
        .collect();
    super::bulk_insert(
        tx,
        "outbox",
        &[
            "id",
            "demande_id",
            "modele",
            "destinataire",
            "sujet",
            "corps",
            "statut",
            "tentatives",
            "prochain_essai",
            "cree_le",
            "cible",
        ],
        &values,
        None,
    )
    .await
}

/// Queues an email, in the transaction of what it tells.
pub async fn insert_outbox(tx: &mut Tx, o: &OutboxRow, now: &str) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO outbox (id, demande_id, modele, destinataire, sujet, corps, statut, tentatives, prochain_essai, cree_le, \
         cible) VALUES ($1, $2, $3, $4, $5, $6, $8, 0, $7, $7, $9)"
    )
    .bind(&o.id).bind(&o.demande_id).bind(&o.modele).bind(&o.destinataire).bind(&o.sujet).bind(&o.corps).bind(now)
    .bind(OutboxStatus::AEnvoyer.code()).bind(&o.cible)
    .execute(&mut *c).await.map(|_| ()))
}

/// Takes up to `limit` emails due at `now` for `worker`, leased until
/// `until`. On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets several workers
/// claim different emails at once; SQLite has one writer at a time, so the
/// same statement without it is already exclusive (the named exception to
/// portable SQL).
pub async fn claim_outbox(db: &Db, worker: &str, now: &str, until: &str, limit: i64) -> sqlx::Result<Vec<OutboxRow>> {
    let lock = match db {
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        Db::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE outbox SET verrou = $1, verrou_jusqu = $3 WHERE id IN (\
           SELECT id FROM outbox WHERE statut = $5 AND prochain_essai <= $2 \
           AND (verrou_jusqu IS NULL OR verrou_jusqu < $2) ORDER BY prochain_essai, id LIMIT $4{lock}) \
         RETURNING id, demande_id, modele, destinataire, sujet, corps, tentatives, cible"
    );
    let mut tx = db.begin().await?;
    let rows = on_tx!(&mut tx, c => sqlx::query_as::<_, OutboxRow>(&sql)
        .bind(worker).bind(now).bind(until).bind(limit).bind(OutboxStatus::AEnvoyer.code())
        .fetch_all(&mut *c).await)?;
    tx.commit().await?;
    Ok(rows)
}

/// Records a delivered email (only if this worker still holds it).
pub async fn outbox_sent(db: &Db, id: &str, worker: &str, now: &str) -> sqlx::Result<bool> {
    let n = on_db!(db, p => sqlx::query(
        "UPDATE outbox SET statut = $4, envoye_le = $3, tentatives = tentatives + 1, verrou = NULL, verrou_jusqu = NULL \
         WHERE id = $1 AND verrou = $2"
    ).bind(id).bind(worker).bind(now).bind(OutboxStatus::Envoye.code()).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records a failed attempt: retried at `retry_at`, or given up.
pub async fn outbox_failed(db: &Db, id: &str, worker: &str, error: &str, retry_at: Option<&str>) -> sqlx::Result<()> {
    let (statut, next) = match retry_at {
        Some(t) => (OutboxStatus::AEnvoyer.code(), t.to_string()),
        None => (OutboxStatus::Echec.code(), String::new()),
    };
    on_db!(db, p => sqlx::query(
        "UPDATE outbox SET statut = $3, tentatives = tentatives + 1, derniere_erreur = $4, \
         prochain_essai = CASE WHEN $5 = '' THEN prochain_essai ELSE $5 END, verrou = NULL, verrou_jusqu = NULL \
         WHERE id = $1 AND verrou = $2"
    ).bind(id).bind(worker).bind(statut).bind(error).bind(next).execute(p).await.map(|_| ()))
}

/// Emails by status (operations, tests).
pub async fn outbox_counts(db: &Db) -> sqlx::Result<Vec<(String, i64)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, i64)>("SELECT statut, COUNT(*) FROM outbox GROUP BY statut ORDER BY statut")
        .fetch_all(p).await)
}

/// What an email body becomes once it may no longer be read.
pub const PURGED_BODY: &str = "[contenu effacé après envoi]";

/// Erases the bodies of emails sent before `sent_before` and of those
/// given up before `failed_before`: they carry sign-in, one-click and
/// follow-up links that must not stay readable in the database. Subject,
/// recipient and dates stay, for the record. How many were erased.
pub async fn purge_outbox_bodies(db: &Db, sent_before: &str, failed_before: &str) -> sqlx::Result<u64> {
    on_db!(db, p => sqlx::query(
        "UPDATE outbox SET corps = $3 WHERE corps <> $3 AND \
         ((statut = $4 AND envoye_le < $1) OR (statut = $5 AND cree_le < $2))"
    ).bind(sent_before).bind(failed_before).bind(PURGED_BODY).bind(OutboxStatus::Envoye.code())
    .bind(OutboxStatus::Echec.code()).execute(p).await.map(|r| r.rows_affected()))
}
