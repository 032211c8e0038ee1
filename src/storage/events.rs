//! Events a lycée opens to companies and the companies' registrations.
//! Instants are RFC 3339 text in UTC (they sort the same way on both
//! engines); kinds and states are the domain's codes. Every change bumps
//! the events' counter (`versions`), which pages showing events key their
//! caches with.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use domain::events::{EventKind, EventState, RegistrationState};

/// An event of a lycée.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub uai: String,
    #[sqlx(try_from = "String")]
    pub genre: EventKind,
    pub titre: String,
    pub description: String,
    pub debut: String,
    pub fin: String,
    pub lieu: String,
    pub adresse: String,
    pub commune_code: Option<String>,
    pub public_vise: String,
    pub capacite: Option<i64>,
    #[sqlx(try_from = "String")]
    pub etat: EventState,
    pub cree_par: String,
    pub cree_le: String,
    pub modifie_le: String,
    pub annule_le: Option<String>,
}

/// A company's registration to an event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegistrationRow {
    pub id: String,
    pub evenement_id: String,
    pub entreprise: String,
    pub prenom: Option<String>,
    pub nom: String,
    pub email: String,
    pub telephone: Option<String>,
    pub personnes: i64,
    #[sqlx(try_from = "String")]
    pub etat: RegistrationState,
    pub cree_le: String,
    pub confirme_le: Option<String>,
    pub rappel_envoye_le: Option<String>,
    pub annule_le: Option<String>,
    pub anonymise_le: Option<String>,
}

/// An event with how many registrations it holds, by state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventWithCounts {
    #[sqlx(flatten)]
    pub event: EventRow,
    pub confirmees: i64,
    pub en_attente: i64,
}

const WITH_COUNTS: &str = "SELECT e.*, \
     (SELECT COUNT(*) FROM inscriptions_evenements i WHERE i.evenement_id = e.id AND i.etat = 'confirmee') \
       AS confirmees, \
     (SELECT COUNT(*) FROM inscriptions_evenements i WHERE i.evenement_id = e.id AND i.etat = 'en_attente') \
       AS en_attente \
     FROM evenements e";

pub async fn event(db: &Db, id: &str) -> sqlx::Result<Option<EventWithCounts>> {
    let sql = format!("{WITH_COUNTS} WHERE e.id = $1");
    on_db!(db, p => sqlx::query_as::<_, EventWithCounts>(&sql).bind(id).fetch_optional(p).await)
}

/// The events of a lycée, the latest first.
pub async fn of_lycee(db: &Db, uai: &str) -> sqlx::Result<Vec<EventWithCounts>> {
    let sql = format!("{WITH_COUNTS} WHERE e.uai = $1 ORDER BY e.debut DESC, e.id LIMIT 500");
    on_db!(db, p => sqlx::query_as::<_, EventWithCounts>(&sql).bind(uai).fetch_all(p).await)
}

/// Published events not over at `now`, soonest first: every one in
/// France (a few thousand at most), so that the nearest to a place are
/// found whatever their date.
pub async fn coming(db: &Db, now: &str) -> sqlx::Result<Vec<EventWithCounts>> {
    let sql = format!("{WITH_COUNTS} WHERE e.etat = 'publie' AND e.fin > $1 ORDER BY e.debut, e.id");
    on_db!(db, p => sqlx::query_as::<_, EventWithCounts>(&sql).bind(now).fetch_all(p).await)
}

/// Locks event `id` for the transaction (a no-op write: the row lock on
/// PostgreSQL, the write lock on SQLite), so that two confirmations never
/// both take the last place; the event as it is now.
pub async fn lock_event(tx: &mut Tx, id: &str) -> sqlx::Result<Option<EventRow>> {
    on_tx!(tx, c => sqlx::query("UPDATE evenements SET modifie_le = modifie_le WHERE id = $1")
        .bind(id).execute(&mut *c).await.map(|_| ()))?;
    on_tx!(tx, c => sqlx::query_as::<_, EventRow>("SELECT * FROM evenements WHERE id = $1")
        .bind(id).fetch_optional(&mut *c).await)
}

pub async fn insert_event(tx: &mut Tx, e: &EventRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO evenements (id, uai, genre, titre, description, debut, fin, lieu, adresse, commune_code, \
         public_vise, capacite, etat, cree_par, cree_le, modifie_le, annule_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    )
    .bind(&e.id).bind(&e.uai).bind(e.genre.code()).bind(&e.titre).bind(&e.description).bind(&e.debut)
    .bind(&e.fin).bind(&e.lieu).bind(&e.adresse).bind(&e.commune_code).bind(&e.public_vise).bind(e.capacite)
    .bind(e.etat.code()).bind(&e.cree_par).bind(&e.cree_le).bind(&e.modifie_le).bind(&e.annule_le)
    .execute(&mut *c).await.map(|_| ()))?;
    super::versions::bump_events(tx).await
}

/// Writes what the lycée may change of an event.
pub async fn update_event(tx: &mut Tx, e: &EventRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE evenements SET genre = $2, titre = $3, description = $4, debut = $5, fin = $6, lieu = $7, \
         adresse = $8, commune_code = $9, public_vise = $10, capacite = $11, modifie_le = $12 WHERE id = $1"
    )
    .bind(&e.id).bind(e.genre.code()).bind(&e.titre).bind(&e.description).bind(&e.debut).bind(&e.fin)
    .bind(&e.lieu).bind(&e.adresse).bind(&e.commune_code).bind(&e.public_vise).bind(e.capacite)
    .bind(&e.modifie_le)
    .execute(&mut *c).await.map(|_| ()))?;
    super::versions::bump_events(tx).await
}

/// Cancels an event; false when it already was.
pub async fn cancel_event(tx: &mut Tx, id: &str, now: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE evenements SET etat = $2, annule_le = $3, modifie_le = $3 WHERE id = $1 AND etat = $4"
    ).bind(id).bind(EventState::Annule.code()).bind(now).bind(EventState::Publie.code())
    .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    super::versions::bump_events(tx).await?;
    Ok(n == 1)
}

pub async fn registrations(db: &Db, evenement_id: &str) -> sqlx::Result<Vec<RegistrationRow>> {
    on_db!(db, p => sqlx::query_as::<_, RegistrationRow>(
        "SELECT * FROM inscriptions_evenements WHERE evenement_id = $1 ORDER BY cree_le, id"
    ).bind(evenement_id).fetch_all(p).await)
}

pub async fn registrations_tx(tx: &mut Tx, evenement_id: &str) -> sqlx::Result<Vec<RegistrationRow>> {
    on_tx!(tx, c => sqlx::query_as::<_, RegistrationRow>(
        "SELECT * FROM inscriptions_evenements WHERE evenement_id = $1 ORDER BY cree_le, id"
    ).bind(evenement_id).fetch_all(&mut *c).await)
}

pub async fn registration_tx(tx: &mut Tx, id: &str) -> sqlx::Result<Option<RegistrationRow>> {
    on_tx!(tx, c => sqlx::query_as::<_, RegistrationRow>("SELECT * FROM inscriptions_evenements WHERE id = $1")
        .bind(id).fetch_optional(&mut *c).await)
}

pub async fn registration(db: &Db, id: &str) -> sqlx::Result<Option<RegistrationRow>> {
    on_db!(db, p => sqlx::query_as::<_, RegistrationRow>("SELECT * FROM inscriptions_evenements WHERE id = $1")
        .bind(id).fetch_optional(p).await)
}

/// The confirmed registrations of event `id` (in `tx`).
pub async fn confirmed_count(tx: &mut Tx, evenement_id: &str) -> sqlx::Result<i64> {
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM inscriptions_evenements WHERE evenement_id = $1 AND etat = 'confirmee'"
    ).bind(evenement_id).fetch_one(&mut *c).await)
}

pub async fn insert_registration(tx: &mut Tx, r: &RegistrationRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO inscriptions_evenements (id, evenement_id, entreprise, prenom, nom, email, telephone, \
         personnes, etat, cree_le, confirme_le, rappel_envoye_le, annule_le, anonymise_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )
    .bind(&r.id).bind(&r.evenement_id).bind(&r.entreprise).bind(&r.prenom).bind(&r.nom).bind(&r.email)
    .bind(&r.telephone).bind(r.personnes).bind(r.etat.code()).bind(&r.cree_le).bind(&r.confirme_le)
    .bind(&r.rappel_envoye_le).bind(&r.annule_le).bind(&r.anonymise_le)
    .execute(&mut *c).await.map(|_| ()))?;
    super::versions::bump_events(tx).await
}

/// Confirms a waiting registration; false when it no longer waits.
pub async fn set_confirmed(tx: &mut Tx, id: &str, now: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE inscriptions_evenements SET etat = $2, confirme_le = $3 WHERE id = $1 AND etat = $4"
    ).bind(id).bind(RegistrationState::Confirmee.code()).bind(now).bind(RegistrationState::EnAttente.code())
    .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    super::versions::bump_events(tx).await?;
    Ok(n == 1)
}

/// Cancels a registration not cancelled yet; false when it already was.
pub async fn set_cancelled(tx: &mut Tx, id: &str, now: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE inscriptions_evenements SET etat = $2, annule_le = $3 WHERE id = $1 AND etat <> $2"
    ).bind(id).bind(RegistrationState::Annulee.code()).bind(now)
    .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    super::versions::bump_events(tx).await?;
    Ok(n == 1)
}

/// Confirmed registrations of published events starting in
/// [`from`, `until`) whose reminder has not gone, with their event.
pub async fn to_remind(db: &Db, from: &str, until: &str) -> sqlx::Result<Vec<(RegistrationRow, EventRow)>> {
    let events: Vec<EventRow> = on_db!(db, p => sqlx::query_as::<_, EventRow>(
        "SELECT * FROM evenements WHERE etat = 'publie' AND debut >= $1 AND debut < $2 ORDER BY debut, id LIMIT 200"
    ).bind(from).bind(until).fetch_all(p).await)?;
    let mut out = Vec::new();
    for e in events {
        let regs: Vec<RegistrationRow> = on_db!(db, p => sqlx::query_as::<_, RegistrationRow>(
            "SELECT * FROM inscriptions_evenements WHERE evenement_id = $1 AND etat = 'confirmee' \
             AND rappel_envoye_le IS NULL ORDER BY cree_le, id"
        ).bind(&e.id).fetch_all(p).await)?;
        out.extend(regs.into_iter().map(|r| (r, e.clone())));
    }
    Ok(out)
}

/// Marks a registration's reminder sent; false when another worker did.
pub async fn reminded(tx: &mut Tx, id: &str, now: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE inscriptions_evenements SET rappel_envoye_le = $2 WHERE id = $1 AND rappel_envoye_le IS NULL \
         AND etat = 'confirmee'"
    ).bind(id).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A registration as exported to the person it names.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct RegistrationData {
    pub id: String,
    pub evenement: String,
    pub uai: String,
    pub debut: String,
    pub entreprise: String,
    pub prenom: Option<String>,
    pub nom: String,
    pub email: String,
    pub telephone: Option<String>,
    pub personnes: i64,
    pub etat: String,
    pub cree_le: String,
    pub confirme_le: Option<String>,
}

/// The registrations made with `email` (lowercase).
pub async fn registrations_of(db: &Db, email: &str) -> sqlx::Result<Vec<RegistrationData>> {
    on_db!(db, p => sqlx::query_as::<_, RegistrationData>(
        "SELECT i.id, e.titre AS evenement, e.uai, e.debut, i.entreprise, i.prenom, i.nom, i.email, i.telephone, \
         i.personnes, i.etat, i.cree_le, i.confirme_le FROM inscriptions_evenements i \
         JOIN evenements e ON e.id = i.evenement_id WHERE LOWER(i.email) = $1 ORDER BY i.cree_le, i.id"
    ).bind(email).fetch_all(p).await)
}

/// Erases the person in the registrations made with `email` (lowercase)
/// or, with `ended_before`, in those of events ended before it; the
/// company's name stays (the lycée's history). How many were erased.
pub async fn anonymise(tx: &mut Tx, email: Option<&str>, ended_before: Option<&str>, now: &str) -> sqlx::Result<u64> {
    let set = "UPDATE inscriptions_evenements SET prenom = NULL, nom = $1, email = 'efface+' || id || '@invalid', \
               telephone = NULL, anonymise_le = $2 WHERE anonymise_le IS NULL AND ";
    let name = crate::storage::privacy::ERASED_NAME;
    match (email, ended_before) {
        (Some(e), _) => {
            let sql = format!("{set}LOWER(email) = $3");
            on_tx!(tx, c => sqlx::query(&sql).bind(name).bind(now).bind(e)
                .execute(&mut *c).await.map(|r| r.rows_affected()))
        }
        (None, Some(before)) => {
            let sql = format!("{set}evenement_id IN (SELECT id FROM evenements WHERE fin < $3)");
            on_tx!(tx, c => sqlx::query(&sql).bind(name).bind(now).bind(before)
                .execute(&mut *c).await.map(|r| r.rows_affected()))
        }
        (None, None) => Ok(0),
    }
}
