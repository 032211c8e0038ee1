//! Placement needs of lycées, what their partners can host, and the calls
//! for placements sent (with the addresses that asked to receive no more).

use super::{Db, Tx};
use crate::{on_db, on_tx};
use domain::placements::NeedStatus;

/// A lycée's need for host companies (see the migration `stages`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BesoinRow {
    pub id: String,
    pub uai: String,
    /// The diploma's code (CFD).
    pub diplome: String,
    pub periode_id: Option<String>,
    pub debut: String,
    pub fin: String,
    /// Students still without a company.
    pub places: i64,
    pub note: Option<String>,
    #[sqlx(try_from = "String")]
    pub statut: NeedStatus,
    pub cree_le: String,
    pub cree_par: String,
    pub modifie_le: String,
    pub clos_le: Option<String>,
    pub clos_par: Option<String>,
}

pub async fn insert_besoin(tx: &mut Tx, r: &BesoinRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO besoins_stages (id, uai, diplome, periode_id, debut, fin, places, note, statut, cree_le, \
         cree_par, modifie_le, clos_le, clos_par) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )
    .bind(&r.id).bind(&r.uai).bind(&r.diplome).bind(&r.periode_id).bind(&r.debut).bind(&r.fin).bind(r.places)
    .bind(&r.note).bind(r.statut.code()).bind(&r.cree_le).bind(&r.cree_par).bind(&r.modifie_le).bind(&r.clos_le)
    .bind(&r.clos_par)
    .execute(&mut *c).await.map(|_| ()))?;
    super::import::bump_catalogue_version(tx).await
}

pub async fn besoin(db: &Db, id: &str) -> sqlx::Result<Option<BesoinRow>> {
    on_db!(db, p => sqlx::query_as::<_, BesoinRow>("SELECT * FROM besoins_stages WHERE id = $1")
        .bind(id).fetch_optional(p).await)
}

/// Every need of a lycée, the latest period first.
pub async fn besoins_of(db: &Db, uai: &str) -> sqlx::Result<Vec<BesoinRow>> {
    on_db!(db, p => sqlx::query_as::<_, BesoinRow>(
        "SELECT * FROM besoins_stages WHERE uai = $1 ORDER BY debut DESC, cree_le DESC, id"
    ).bind(uai).fetch_all(p).await)
}

/// The needs still open on `today` (`YYYY-MM-DD`), soonest period first:
/// of one lycée, or of every lycée (`uai` None).
pub async fn open_besoins(db: &Db, uai: Option<&str>, today: &str) -> sqlx::Result<Vec<BesoinRow>> {
    on_db!(db, p => sqlx::query_as::<_, BesoinRow>(
        "SELECT * FROM besoins_stages WHERE statut = 'ouvert' AND fin >= $1 AND ($2 IS NULL OR uai = $2) \
         ORDER BY debut, uai, id"
    ).bind(today).bind(uai).fetch_all(p).await)
}

/// Closes an open need of lycée `uai` (filled or withdrawn); false when it
/// was not open (or not that lycée's).
pub async fn close_besoin(
    tx: &mut Tx,
    uai: &str,
    id: &str,
    status: NeedStatus,
    now: &str,
    who: &str,
) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE besoins_stages SET statut = $1, clos_le = $2, clos_par = $3, modifie_le = $2 \
         WHERE uai = $4 AND id = $5 AND statut = 'ouvert'"
    ).bind(status.code()).bind(now).bind(who).bind(uai).bind(id)
    .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n > 0 {
        super::import::bump_catalogue_version(tx).await?;
    }
    Ok(n > 0)
}

/// Changes how many students of an open need still look for a company.
pub async fn set_places(tx: &mut Tx, uai: &str, id: &str, places: i64, now: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE besoins_stages SET places = $1, modifie_le = $2 WHERE uai = $3 AND id = $4 AND statut = 'ouvert'"
    ).bind(places).bind(now).bind(uai).bind(id)
    .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n > 0 {
        super::import::bump_catalogue_version(tx).await?;
    }
    Ok(n > 0)
}

/// What a partner says it can host.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct CapaciteRow {
    pub id: String,
    pub partenaire_id: String,
    pub diplome: Option<String>,
    pub rome: Option<String>,
    /// "1,2,12"; empty: all year.
    pub mois: String,
    pub places: i64,
    pub note: Option<String>,
    pub cree_le: String,
}

impl CapaciteRow {
    pub fn capacity(&self) -> domain::placements::Capacity {
        domain::placements::Capacity {
            diploma: self.diplome.clone(),
            rome: self.rome.clone(),
            months: domain::placements::parse_months(&self.mois),
            places: self.places,
        }
    }
}

pub async fn insert_capacite(tx: &mut Tx, r: &CapaciteRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO capacites_accueil (id, partenaire_id, diplome, rome, mois, places, note, cree_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(&r.id).bind(&r.partenaire_id).bind(&r.diplome).bind(&r.rome).bind(&r.mois).bind(r.places).bind(&r.note)
    .bind(&r.cree_le)
    .execute(&mut *c).await.map(|_| ()))
}

pub async fn delete_capacite(tx: &mut Tx, partenaire_id: &str, id: &str) -> sqlx::Result<bool> {
    on_tx!(tx, c => sqlx::query("DELETE FROM capacites_accueil WHERE partenaire_id = $1 AND id = $2")
        .bind(partenaire_id).bind(id).execute(&mut *c).await.map(|r| r.rows_affected() > 0))
}

pub async fn capacites(db: &Db, partenaire_id: &str) -> sqlx::Result<Vec<CapaciteRow>> {
    on_db!(db, p => sqlx::query_as::<_, CapaciteRow>(
        "SELECT * FROM capacites_accueil WHERE partenaire_id = $1 ORDER BY cree_le, id"
    ).bind(partenaire_id).fetch_all(p).await)
}

/// The capacities of every partner of lycée `uai`.
pub async fn capacites_of_lycee(db: &Db, uai: &str) -> sqlx::Result<Vec<CapaciteRow>> {
    on_db!(db, p => sqlx::query_as::<_, CapaciteRow>(
        "SELECT c.* FROM capacites_accueil c JOIN partenaires p ON p.id = c.partenaire_id WHERE p.uai = $1 \
         ORDER BY c.partenaire_id, c.cree_le, c.id"
    ).bind(uai).fetch_all(p).await)
}

/// Records a call for placements to one address for one need; false when
/// that address was already called for that need (nothing written).
pub async fn insert_appel(
    tx: &mut Tx,
    id: &str,
    besoin_id: &str,
    partenaire_id: &str,
    email_norm: &str,
    now: &str,
    who: &str,
) -> sqlx::Result<bool> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO appels_stages (id, besoin_id, partenaire_id, email_norm, envoye_le, envoye_par) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (besoin_id, email_norm) DO NOTHING"
    ).bind(id).bind(besoin_id).bind(partenaire_id).bind(email_norm).bind(now).bind(who)
    .execute(&mut *c).await.map(|r| r.rows_affected() > 0))
}

/// The addresses already called for a need, with the partner and when.
pub async fn appels(db: &Db, besoin_id: &str) -> sqlx::Result<Vec<(String, String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String, String)>(
        "SELECT partenaire_id, email_norm, envoye_le FROM appels_stages WHERE besoin_id = $1 ORDER BY envoye_le, id"
    ).bind(besoin_id).fetch_all(p).await)
}

/// Records that `email_norm` wants no more calls from lycée `uai`.
pub async fn unsubscribe(tx: &mut Tx, uai: &str, email_norm: &str, now: &str) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO desinscriptions_appels (uai, email_norm, le) VALUES ($1, $2, $3) \
         ON CONFLICT (uai, email_norm) DO NOTHING"
    ).bind(uai).bind(email_norm).bind(now).execute(&mut *c).await.map(|_| ()))
}

/// The addresses that asked lycée `uai` for no more calls.
pub async fn unsubscribed(db: &Db, uai: &str) -> sqlx::Result<std::collections::HashSet<String>> {
    let rows = on_db!(db, p => sqlx::query_scalar::<_, String>(
        "SELECT email_norm FROM desinscriptions_appels WHERE uai = $1"
    ).bind(uai).fetch_all(p).await)?;
    Ok(rows.into_iter().collect())
}
