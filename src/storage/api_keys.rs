//! Partner platforms' API keys, and the webhooks telling them what became
//! of their requests (see `crate::partner_api`).

use super::{Db, Tx};
use crate::{on_db, on_tx};

/// A partner's key, as stored (never the key itself: its SHA-256).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub id: String,
    pub nom: String,
    pub empreinte: String,
    /// The key's first characters, to recognise it in a list.
    pub debut: String,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    /// Origins allowed to embed the request form, space-separated.
    pub origines: String,
    pub cree_le: String,
    pub cree_par: String,
    pub revoquee_le: Option<String>,
    pub utilisee_le: Option<String>,
}

const KEY_COLUMNS: &str = "id, nom, empreinte, debut, webhook_url, webhook_secret, origines, cree_le, cree_par, \
    revoquee_le, utilisee_le";

pub async fn insert_key(tx: &mut Tx, k: &KeyRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(&format!(
        "INSERT INTO cles_api ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&k.id).bind(&k.nom).bind(&k.empreinte).bind(&k.debut).bind(&k.webhook_url).bind(&k.webhook_secret)
    .bind(&k.origines).bind(&k.cree_le).bind(&k.cree_par).bind(&k.revoquee_le).bind(&k.utilisee_le)
    .execute(&mut *c).await.map(|_| ()))
}

/// The key whose SHA-256 is `hash`, revoked or not.
pub async fn key_by_hash(db: &Db, hash: &str) -> sqlx::Result<Option<KeyRow>> {
    on_db!(db, p => sqlx::query_as::<_, KeyRow>(&format!("SELECT {KEY_COLUMNS} FROM cles_api WHERE empreinte = $1"))
        .bind(hash).fetch_optional(p).await)
}

/// The key named `name`, revoked or not.
pub async fn key_by_name(db: &Db, name: &str) -> sqlx::Result<Option<KeyRow>> {
    on_db!(db, p => sqlx::query_as::<_, KeyRow>(&format!("SELECT {KEY_COLUMNS} FROM cles_api WHERE nom = $1"))
        .bind(name).fetch_optional(p).await)
}

/// Whether a key (even revoked) already has this name, folded.
pub async fn name_taken(tx: &mut Tx, name: &str) -> sqlx::Result<bool> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM cles_api WHERE LOWER(nom) = LOWER($1)")
        .bind(name).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// A key in the administrators' list: with how many requests it created.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyLine {
    #[sqlx(flatten)]
    pub key: KeyRow,
    pub demandes: i64,
}

/// Every key, the newest first, with its request count.
pub async fn list_keys(db: &Db) -> sqlx::Result<Vec<KeyLine>> {
    let sql = format!(
        "SELECT {cols}, (SELECT COUNT(*) FROM demandes d WHERE d.partenaire = k.nom) AS demandes \
         FROM cles_api k ORDER BY k.cree_le DESC, k.nom",
        cols = KEY_COLUMNS.split(", ").map(|c| format!("k.{c}")).collect::<Vec<_>>().join(", ")
    );
    on_db!(db, p => sqlx::query_as::<_, KeyLine>(&sql).fetch_all(p).await)
}

/// Revokes the key named `name`; false when there is none left to revoke.
pub async fn revoke_key(tx: &mut Tx, name: &str, now: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE cles_api SET revoquee_le = $2 WHERE nom = $1 AND revoquee_le IS NULL")
        .bind(name).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records the last use of a key.
pub async fn touch_key(db: &Db, id: &str, now: &str) -> sqlx::Result<()> {
    on_db!(db, p => sqlx::query("UPDATE cles_api SET utilisee_le = $2 WHERE id = $1").bind(id).bind(now)
        .execute(p).await.map(|_| ()))
}

/// Where a webhook event stands: the same three states as an email of the
/// outbox (waiting or to retry, delivered, given up), one type for both.
pub use super::outbox::OutboxStatus as WebhookStatus;

/// An event to deliver to a partner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    /// The event id (`X-MLP-Evenement-Id`).
    pub id: String,
    pub cle_id: String,
    pub demande_id: String,
    pub ordre: i64,
    pub evenement: String,
    /// The exact bytes signed and sent.
    pub corps: String,
    pub tentatives: i64,
}

/// Queues events of a request for the active key named `partner`, if it
/// has a webhook, after those already queued: one statement per event
/// (usually one), in the transaction of the change — the key, its webhook
/// and the next order found by the statement itself.
pub async fn insert_webhooks(
    tx: &mut Tx,
    partner: &str,
    demande_id: &str,
    events: &[(String, String, String)],
    now: &str,
) -> sqlx::Result<()> {
    for (id, evenement, corps) in events {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO webhooks (id, cle_id, demande_id, ordre, evenement, corps, statut, tentatives, prochain_essai, cree_le) \
             SELECT $1, k.id, $3, COALESCE((SELECT MAX(w.ordre) FROM webhooks w WHERE w.demande_id = $3 AND w.cle_id = k.id), 0) + 1, \
                    $4, $5, $6, 0, $7, $7 \
             FROM cles_api k WHERE k.nom = $2 AND k.revoquee_le IS NULL AND k.webhook_url IS NOT NULL"
        ).bind(id).bind(partner).bind(demande_id).bind(evenement).bind(corps)
        .bind(WebhookStatus::AEnvoyer.code()).bind(now).execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

/// Takes up to `limit` events due at `now` for `worker`, leased until
/// `until`: only the first undelivered event of each request, so that a
/// partner receives a request's events in order even when one waits for a
/// retry. `FOR UPDATE SKIP LOCKED` on PostgreSQL, as for emails.
pub async fn claim_webhooks(
    db: &Db,
    worker: &str,
    now: &str,
    until: &str,
    limit: i64,
) -> sqlx::Result<Vec<WebhookRow>> {
    let lock = match db {
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        Db::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE webhooks SET verrou = $1, verrou_jusqu = $3 WHERE id IN (\
           SELECT w.id FROM webhooks w WHERE w.statut = $5 AND w.prochain_essai <= $2 \
           AND (w.verrou_jusqu IS NULL OR w.verrou_jusqu < $2) \
           AND NOT EXISTS (SELECT 1 FROM webhooks e WHERE e.demande_id = w.demande_id AND e.cle_id = w.cle_id \
                           AND e.statut = $5 AND e.ordre < w.ordre) \
           ORDER BY w.prochain_essai, w.id LIMIT $4{lock}) \
         RETURNING id, cle_id, demande_id, ordre, evenement, corps, tentatives"
    );
    let mut tx = db.begin().await?;
    let rows = on_tx!(&mut tx, c => sqlx::query_as::<_, WebhookRow>(&sql)
        .bind(worker).bind(now).bind(until).bind(limit).bind(WebhookStatus::AEnvoyer.code())
        .fetch_all(&mut *c).await)?;
    tx.commit().await?;
    Ok(rows)
}

/// One attempt at delivering an event.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: String,
    pub code: Option<i64>,
    pub error: Option<String>,
    pub millis: i64,
}

/// What one attempt did to an event: delivered, or to retry at a time, or
/// given up (neither).
#[derive(Debug, Clone)]
pub struct Attempted {
    pub row: WebhookRow,
    pub attempt: Attempt,
    pub delivered: bool,
    pub retry_at: Option<String>,
}

/// Records a round of attempts in one short transaction (the request path
/// shares the database, and on SQLite its one writer): the delivered events
/// in one statement per answer code (almost always one), the others one by
/// one (rare), the attempts in one multi-row insert — each only if this
/// worker still holds its event. How many were recorded.
pub async fn webhooks_attempted(db: &Db, worker: &str, round: &[Attempted]) -> sqlx::Result<usize> {
    use super::Val;
    let mut tx = db.begin().await?;
    let mut recorded: Vec<&Attempted> = Vec::new();
    let delivered: Vec<&Attempted> = round.iter().filter(|a| a.delivered).collect();
    let mut codes: Vec<Option<i64>> = delivered.iter().map(|a| a.attempt.code).collect();
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        let group: Vec<&Attempted> = delivered.iter().copied().filter(|a| a.attempt.code == code).collect();
        let at = group.iter().map(|a| a.attempt.at.as_str()).max().unwrap_or_default().to_string();
        let done: Vec<String> = on_tx!(&mut tx, c => {
            let mut qb = sqlx::QueryBuilder::new("UPDATE webhooks SET statut = ");
            qb.push_bind(WebhookStatus::Envoye.code())
                .push(", tentatives = tentatives + 1, dernier_code = ")
                .push_bind(code)
                .push(", derniere_erreur = NULL, envoye_le = ")
                .push_bind(at.clone())
                .push(", verrou = NULL, verrou_jusqu = NULL WHERE verrou = ")
                .push_bind(worker.to_string())
                .push(" AND id IN (");
            let mut ids = qb.separated(", ");
            for a in &group {
                ids.push_bind(a.row.id.clone());
            }
            qb.push(") RETURNING id");
            qb.build_query_scalar::<String>().fetch_all(&mut *c).await
        })?;
        recorded.extend(group.into_iter().filter(|a| done.contains(&a.row.id)));
    }
    for a in round.iter().filter(|a| !a.delivered) {
        let statut = if a.retry_at.is_some() { WebhookStatus::AEnvoyer } else { WebhookStatus::Echec };
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE webhooks SET statut = $3, tentatives = tentatives + 1, dernier_code = $4, derniere_erreur = $5, \
             prochain_essai = COALESCE($6, prochain_essai), verrou = NULL, verrou_jusqu = NULL WHERE id = $1 AND verrou = $2"
        ).bind(&a.row.id).bind(worker).bind(statut.code()).bind(a.attempt.code).bind(&a.attempt.error)
        .bind(&a.retry_at).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        if n == 1 {
            recorded.push(a);
        }
    }
    let rows: Vec<Vec<Val>> = recorded
        .iter()
        .map(|a| {
            vec![
                Val::from(a.row.id.clone()),
                Val::from(a.row.tentatives + 1),
                Val::from(a.attempt.at.clone()),
                Val::from(a.attempt.code),
                Val::from(a.attempt.error.clone()),
                Val::from(a.attempt.millis),
            ]
        })
        .collect();
    if !rows.is_empty() {
        super::bulk_insert(
            &mut tx,
            "webhook_essais",
            &["webhook_id", "numero", "essai_le", "code_http", "erreur", "duree_ms"],
            &rows,
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(recorded.len())
}

/// A partner's requests changed since `since`, oldest change first: the
/// page asked and how many there are in all.
pub async fn partner_requests(
    db: &Db,
    partner: &str,
    since: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(i64, Vec<super::requests::DemandeRow>)> {
    let total: i64 = on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM demandes WHERE partenaire = $1 AND modifie_le >= $2"
    ).bind(partner).bind(since).fetch_one(p).await)?;
    let sql = format!(
        "SELECT {} FROM demandes WHERE partenaire = $1 AND modifie_le >= $2 ORDER BY modifie_le, id LIMIT $3 OFFSET $4",
        super::requests::DEMANDE_COLUMNS
    );
    let rows = on_db!(db, p => sqlx::query_as::<_, super::requests::DemandeRow>(&sql)
        .bind(partner).bind(since).bind(limit).bind(offset).fetch_all(p).await)?;
    Ok((total, rows))
}

/// The key with this id, revoked or not (deliveries).
pub async fn key_by_id(db: &Db, id: &str) -> sqlx::Result<Option<KeyRow>> {
    on_db!(db, p => sqlx::query_as::<_, KeyRow>(&format!("SELECT {KEY_COLUMNS} FROM cles_api WHERE id = $1"))
        .bind(id).fetch_optional(p).await)
}
