//! A lycée's showcase (vitrine) as its business officers write it: the
//! texts, the business office's contact, what it accepts from companies
//! (read by the routing) and its internship periods. Each change is one
//! transaction; the handler only checks the form and renders.

use crate::storage::Db;
use crate::storage::vitrines::{self as store, DisponibiliteRow, PeriodeRow, VitrineRow};

/// Saves the showcase and what the lycée accepts, audited (by `who`, at
/// `v.modifie_le`) with what the routing will read.
pub async fn save(db: &Db, v: &VitrineRow, d: &DisponibiliteRow, who: &str) -> sqlx::Result<()> {
    let details = format!(
        "vitrine ; actions {} ; pause {} ; capacité {}",
        d.actions.as_deref().unwrap_or("toutes"),
        if d.en_pause { "oui" } else { "non" },
        d.capacite.map_or("sans limite".to_string(), |c| c.to_string())
    );
    let mut tx = db.begin().await?;
    store::save(&mut tx, v, d).await?;
    crate::accounts::audit(&mut tx, who, "vitrine_modifiee", &v.uai, &details, &v.modifie_le).await?;
    tx.commit().await
}

/// An internship period of the lycée.
pub async fn add_period(db: &Db, row: &PeriodeRow) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::insert_periode(&mut tx, row).await?;
    tx.commit().await
}

/// Deletes period `id` of lycée `uai`; whether there was one.
pub async fn delete_period(db: &Db, uai: &str, id: &str) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let deleted = store::delete_periode(&mut tx, uai, id).await?;
    tx.commit().await?;
    Ok(deleted)
}
