//! Storage of ProConnect sign-ins: the attempts under way (`oidc_etats`),
//! and the link between an account and its ProConnect identity
//! (`comptes.proconnect_sub`).

use super::Db;
use super::accounts::CompteRow;
use crate::{on_db, on_tx};

/// A sign-in started on this service and not yet back from ProConnect.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttemptRow {
    pub etat: String,
    pub nonce: String,
    /// The PKCE verifier, sent with the code.
    pub verificateur: String,
    pub expire_le: String,
    pub suite: Option<String>,
}

/// Records an attempt, and forgets those that expired before `now` (the
/// table stays as small as the sign-ins of the last minutes).
pub async fn insert_attempt(db: &Db, a: &AttemptRow, now: &str) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query("DELETE FROM oidc_etats WHERE expire_le < $1")
        .bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO oidc_etats (etat, nonce, verificateur, expire_le, suite) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(&a.etat).bind(&a.nonce).bind(&a.verificateur).bind(&a.expire_le).bind(&a.suite)
    .execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// Takes an attempt out of the table: whoever deletes the row uses it, so
/// a state serves once even when two requests race.
pub async fn take_attempt(db: &Db, etat: &str) -> sqlx::Result<Option<AttemptRow>> {
    let mut tx = db.begin().await?;
    let row = on_tx!(&mut tx, c => sqlx::query_as::<_, AttemptRow>(
        "SELECT etat, nonce, verificateur, expire_le, suite FROM oidc_etats WHERE etat = $1"
    ).bind(etat).fetch_optional(c).await)?;
    let Some(row) = row else { return Ok(None) };
    let deleted = on_tx!(&mut tx, c => sqlx::query("DELETE FROM oidc_etats WHERE etat = $1")
        .bind(etat).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok((deleted == 1).then_some(row))
}

/// The account already linked to a ProConnect identity.
pub async fn compte_by_sub(db: &Db, sub: &str) -> sqlx::Result<Option<CompteRow>> {
    on_db!(db, p => sqlx::query_as::<_, CompteRow>("SELECT * FROM comptes WHERE proconnect_sub = $1")
        .bind(sub).fetch_optional(p).await)
}

/// Links an account to a ProConnect identity, so that a later change of
/// address at the agent's administration does not lock them out.
pub async fn set_sub(db: &Db, compte_id: &str, sub: &str) -> sqlx::Result<()> {
    on_db!(db, p => sqlx::query("UPDATE comptes SET proconnect_sub = $2 WHERE id = $1")
        .bind(compte_id).bind(sub).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}
