//! What a lycée says of itself (its showcase, edited by its business
//! officer) and what it accepts (read by the routing). The imported
//! catalogue stays read-only: this lives beside it.

use super::{Db, Tx};
use crate::{on_db, on_tx};

/// The showcase text of a lycée.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct VitrineRow {
    pub uai: String,
    pub presentation: String,
    pub plateaux: String,
    pub reussites: String,
    pub horaires: String,
    pub bde_nom: Option<String>,
    pub bde_email: Option<String>,
    pub bde_telephone: Option<String>,
    pub bde_public: bool,
    pub modifie_le: String,
    pub modifie_par: String,
}

/// What a lycée accepts: action codes (`None`: everything), pause,
/// capacity.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct DisponibiliteRow {
    pub actions: Option<String>,
    pub en_pause: bool,
    pub capacite: Option<i64>,
}

pub async fn vitrine(db: &Db, uai: &str) -> sqlx::Result<Option<VitrineRow>> {
    on_db!(db, p => sqlx::query_as::<_, VitrineRow>("SELECT * FROM vitrines WHERE uai = $1")
        .bind(uai).fetch_optional(p).await)
}

pub async fn disponibilite(db: &Db, uai: &str) -> sqlx::Result<Option<DisponibiliteRow>> {
    on_db!(db, p => sqlx::query_as::<_, DisponibiliteRow>(
        "SELECT actions, en_pause, capacite FROM lycee_disponibilites WHERE uai = $1"
    ).bind(uai).fetch_optional(p).await)
}

/// Saves both, and bumps the catalogue version so that every instance
/// shows the change and re-reads it for search and routing.
pub async fn save(tx: &mut Tx, v: &VitrineRow, d: &DisponibiliteRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO vitrines (uai, presentation, plateaux, reussites, horaires, bde_nom, bde_email, bde_telephone, \
         bde_public, modifie_le, modifie_par) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (uai) DO UPDATE SET presentation = excluded.presentation, plateaux = excluded.plateaux, \
         reussites = excluded.reussites, horaires = excluded.horaires, bde_nom = excluded.bde_nom, \
         bde_email = excluded.bde_email, bde_telephone = excluded.bde_telephone, bde_public = excluded.bde_public, \
         modifie_le = excluded.modifie_le, modifie_par = excluded.modifie_par"
    )
    .bind(&v.uai).bind(&v.presentation).bind(&v.plateaux).bind(&v.reussites).bind(&v.horaires).bind(&v.bde_nom)
    .bind(&v.bde_email).bind(&v.bde_telephone).bind(v.bde_public).bind(&v.modifie_le).bind(&v.modifie_par)
    .execute(&mut *c).await.map(|_| ()))?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO lycee_disponibilites (uai, actions, en_pause, capacite) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (uai) DO UPDATE SET actions = excluded.actions, en_pause = excluded.en_pause, \
         capacite = excluded.capacite"
    )
    .bind(&v.uai).bind(&d.actions).bind(d.en_pause).bind(d.capacite)
    .execute(&mut *c).await.map(|_| ()))?;
    super::import::bump_catalogue_version(tx).await
}

/// An internship period (PFMP) of a diploma, for one school year.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct PeriodeRow {
    pub id: String,
    pub uai: String,
    /// The diploma's code (CFD) in the catalogue.
    pub diplome: String,
    /// "2026-2027".
    pub annee: String,
    pub debut: String,
    pub fin: String,
}

pub async fn periodes(db: &Db, uai: &str) -> sqlx::Result<Vec<PeriodeRow>> {
    on_db!(db, p => sqlx::query_as::<_, PeriodeRow>(
        "SELECT * FROM periodes_pfmp WHERE uai = $1 ORDER BY annee, debut, diplome, id"
    ).bind(uai).fetch_all(p).await)
}

/// Adds a period; bumps the catalogue version (the public page shows it).
pub async fn insert_periode(tx: &mut Tx, r: &PeriodeRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO periodes_pfmp (id, uai, diplome, annee, debut, fin) VALUES ($1, $2, $3, $4, $5, $6)"
    ).bind(&r.id).bind(&r.uai).bind(&r.diplome).bind(&r.annee).bind(&r.debut).bind(&r.fin)
    .execute(&mut *c).await.map(|_| ()))?;
    super::import::bump_catalogue_version(tx).await
}

/// Deletes a period of lycée `uai`; false when there was none.
pub async fn delete_periode(tx: &mut Tx, uai: &str, id: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM periodes_pfmp WHERE uai = $1 AND id = $2")
        .bind(uai).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n > 0 {
        super::import::bump_catalogue_version(tx).await?;
    }
    Ok(n > 0)
}
