//! Storage of the workspace's people: accounts and the lycées they answer
//! for, sign-in links, sessions, and the audit log.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use domain::account::JoinStatus;
use sqlx::QueryBuilder;

/// An account as stored (and as an export of personal data gives it).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct CompteRow {
    pub id: String,
    pub email: String,
    pub prenom: Option<String>,
    pub nom: Option<String>,
    pub role: String,
    pub academie_code: Option<String>,
    pub actif: bool,
    pub proconnect_sub: Option<String>,
    pub cree_le: String,
    pub derniere_connexion: Option<String>,
}

pub async fn compte_by_email(db: &Db, email: &str) -> sqlx::Result<Option<CompteRow>> {
    on_db!(db, p => sqlx::query_as::<_, CompteRow>("SELECT * FROM comptes WHERE email = $1")
        .bind(email).fetch_optional(p).await)
}

pub async fn compte_by_email_tx(tx: &mut Tx, email: &str) -> sqlx::Result<Option<CompteRow>> {
    on_tx!(tx, c => sqlx::query_as::<_, CompteRow>("SELECT * FROM comptes WHERE email = $1")
        .bind(email).fetch_optional(c).await)
}

pub async fn comptes(db: &Db) -> sqlx::Result<Vec<CompteRow>> {
    on_db!(db, p => sqlx::query_as::<_, CompteRow>("SELECT * FROM comptes ORDER BY email").fetch_all(p).await)
}

pub async fn insert_compte(tx: &mut Tx, c: &CompteRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO comptes (id, email, prenom, nom, role, academie_code, actif, proconnect_sub, cree_le, \
         derniere_connexion) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(&c.id).bind(&c.email).bind(&c.prenom).bind(&c.nom).bind(&c.role).bind(&c.academie_code)
    .bind(c.actif).bind(&c.proconnect_sub).bind(&c.cree_le).bind(&c.derniere_connexion)
    .execute(conn).await.map(|r| r.rows_affected()))?;
    super::versions::bump_contacts(tx).await?;
    Ok(())
}

/// Writes what the operator's command sets on an existing account: names,
/// role, académie, active state. Nothing else (the ProConnect identity and
/// the last sign-in are written by their own statements, so this never
/// brings back an older value of them).
pub async fn update_compte(tx: &mut Tx, c: &CompteRow) -> sqlx::Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE comptes SET prenom = $2, nom = $3, role = $4, academie_code = $5, actif = $6 WHERE id = $1"
    )
    .bind(&c.id).bind(&c.prenom).bind(&c.nom).bind(&c.role).bind(&c.academie_code).bind(c.actif)
    .execute(conn).await.map(|r| r.rows_affected()))?;
    super::versions::bump_contacts(tx).await?;
    Ok(())
}

/// Turns an account active or not, only if it is not already: false when
/// it was (another administrator did it first). Only this column is
/// written, so a role changed at the same moment stays changed.
pub async fn set_active(tx: &mut Tx, id: &str, active: bool) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("UPDATE comptes SET actif = $2 WHERE id = $1 AND actif = $3")
        .bind(id).bind(active).bind(!active).execute(c).await.map(|r| r.rows_affected()))?;
    super::versions::bump_contacts(tx).await?;
    Ok(n == 1)
}

/// Sets an account's role and académie, only if they are still `was`
/// (role, académie) as read: false when someone changed them meanwhile,
/// so that a change is never made, nor logged, over one its author did
/// not see. The active state is not touched.
pub async fn set_role(
    tx: &mut Tx,
    id: &str,
    role: &str,
    academie: Option<&str>,
    was: (&str, Option<&str>),
) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE comptes SET role = $2, academie_code = $3 \
         WHERE id = $1 AND role = $4 AND COALESCE(academie_code, '') = COALESCE($5, '')"
    )
    .bind(id).bind(role).bind(academie).bind(was.0).bind(was.1)
    .execute(c).await.map(|r| r.rows_affected()))?;
    super::versions::bump_contacts(tx).await?;
    Ok(n == 1)
}

/// Records a sign-in (that column only).
pub async fn touch_sign_in(tx: &mut Tx, id: &str, now: &str) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE comptes SET derniere_connexion = $2 WHERE id = $1")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The lycées of an account.
pub async fn lycees_of(db: &Db, compte_id: &str) -> sqlx::Result<Vec<String>> {
    on_db!(db, p => sqlx::query_scalar::<_, String>("SELECT uai FROM compte_lycees WHERE compte_id = $1 ORDER BY uai")
        .bind(compte_id).fetch_all(p).await)
}

pub async fn lycees_of_tx(tx: &mut Tx, compte_id: &str) -> sqlx::Result<Vec<String>> {
    on_tx!(tx, c => sqlx::query_scalar::<_, String>("SELECT uai FROM compte_lycees WHERE compte_id = $1 ORDER BY uai")
        .bind(compte_id).fetch_all(c).await)
}

/// Every (account, lycée) grant.
pub async fn all_grants(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String)>("SELECT compte_id, uai FROM compte_lycees ORDER BY uai")
        .fetch_all(p).await)
}

pub async fn grant_lycee(tx: &mut Tx, compte_id: &str, uai: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO compte_lycees (compte_id, uai) VALUES ($1, $2) ON CONFLICT (compte_id, uai) DO NOTHING"
    ).bind(compte_id).bind(uai).execute(c).await.map(|r| r.rows_affected()))?;
    super::versions::bump_contacts(tx).await?;
    Ok(n > 0)
}

/// Addresses of the active business officers of lycées, by lycée.
pub async fn rbe_emails(db: &Db, uais: &[String]) -> sqlx::Result<Vec<(String, String)>> {
    if uais.is_empty() {
        return Ok(Vec::new());
    }
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT l.uai, c.email FROM compte_lycees l JOIN comptes c ON c.id = l.compte_id \
             WHERE c.actif AND c.role = ",
        );
        qb.push_bind(domain::account::Role::Rbe.code()).push(" AND l.uai IN (");
        let mut sep = qb.separated(", ");
        for u in uais {
            sep.push_bind(u.clone());
        }
        qb.push(") ORDER BY l.uai, c.email");
        qb.build_query_as::<(String, String)>().fetch_all(p).await
    })
}

/// The code of an académie given by code or name (accents and case as
/// stored).
pub async fn academie_code(db: &Db, code_or_name: &str) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String)>("SELECT code, nom FROM academies ORDER BY code")
        .fetch_all(p).await)
    .map(|all| {
        let wanted = domain::text::fold(code_or_name);
        all.into_iter().filter(|(code, nom)| *code == code_or_name || domain::text::fold(nom) == wanted).collect()
    })
}

/// Whether a lycée is in the catalogue.
pub async fn lycee_exists(db: &Db, uai: &str) -> sqlx::Result<bool> {
    let n: i64 = on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM lycees WHERE uai = $1")
        .bind(uai).fetch_one(p).await)?;
    Ok(n > 0)
}

pub async fn insert_link(tx: &mut Tx, hash: &str, compte_id: &str, expires: &str, now: &str) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO liens_connexion (jeton_hash, compte_id, expire_le, utilise_le, cree_le) VALUES ($1, $2, $3, NULL, $4)"
    ).bind(hash).bind(compte_id).bind(expires).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A sign-in link by its hash: (account, expiry, used at).
pub async fn link(tx: &mut Tx, hash: &str) -> sqlx::Result<Option<(String, String, Option<String>)>> {
    on_tx!(tx, c => sqlx::query_as::<_, (String, String, Option<String>)>(
        "SELECT compte_id, expire_le, utilise_le FROM liens_connexion WHERE jeton_hash = $1"
    ).bind(hash).fetch_optional(c).await)
}

/// Marks a link used; false when it already was (two tabs at once).
pub async fn use_link(tx: &mut Tx, hash: &str, now: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE liens_connexion SET utilise_le = $2 WHERE jeton_hash = $1 AND utilise_le IS NULL"
    ).bind(hash).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn insert_session(tx: &mut Tx, hash: &str, compte_id: &str, now: &str, expires: &str) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO sessions (jeton_hash, compte_id, cree_le, expire_le) VALUES ($1, $2, $3, $4)"
    ).bind(hash).bind(compte_id).bind(now).bind(expires).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The active account of a live session.
pub async fn session_compte(db: &Db, hash: &str, now: &str) -> sqlx::Result<Option<CompteRow>> {
    on_db!(db, p => sqlx::query_as::<_, CompteRow>(
        "SELECT c.* FROM sessions s JOIN comptes c ON c.id = s.compte_id \
         WHERE s.jeton_hash = $1 AND s.expire_le > $2 AND c.actif"
    ).bind(hash).bind(now).fetch_optional(p).await)
}

/// Ends every session of an account; how many there were.
pub async fn delete_sessions(tx: &mut Tx, compte_id: &str) -> sqlx::Result<u64> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE compte_id = $1")
        .bind(compte_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n)
}

/// Ends one session of an account (this device); whether it was there.
pub async fn delete_session(tx: &mut Tx, hash: &str, compte_id: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE jeton_hash = $1 AND compte_id = $2")
        .bind(hash).bind(compte_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A line of the audit log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: String,
    pub quand: String,
    pub qui: String,
    pub action: String,
    pub cible: String,
    pub details: String,
}

pub async fn insert_audit(tx: &mut Tx, a: &AuditRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO audit (id, quand, qui, action, cible, details) VALUES ($1, $2, $3, $4, $5, $6)"
    ).bind(&a.id).bind(&a.quand).bind(&a.qui).bind(&a.action).bind(&a.cible).bind(&a.details).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn audit(db: &Db, limit: i64) -> sqlx::Result<Vec<AuditRow>> {
    on_db!(db, p => sqlx::query_as::<_, AuditRow>("SELECT * FROM audit ORDER BY quand DESC, id DESC LIMIT $1")
        .bind(limit).fetch_all(p).await)
}

/// An agent's request to join a lycée's workspace.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdhesionRow {
    pub id: String,
    pub email: String,
    pub prenom: Option<String>,
    pub nom: Option<String>,
    pub uai: String,
    #[sqlx(try_from = "String")]
    pub statut: JoinStatus,
    pub cree_le: String,
    pub decide_le: Option<String>,
    pub decide_par: Option<String>,
}

pub async fn insert_adhesion(tx: &mut Tx, a: &AdhesionRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO adhesions (id, email, prenom, nom, uai, statut, cree_le, decide_le, decide_par) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ).bind(&a.id).bind(&a.email).bind(&a.prenom).bind(&a.nom).bind(&a.uai).bind(a.statut.code()).bind(&a.cree_le)
    .bind(&a.decide_le).bind(&a.decide_par).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn adhesion(db: &Db, id: &str) -> sqlx::Result<Option<AdhesionRow>> {
    on_db!(db, p => sqlx::query_as::<_, AdhesionRow>("SELECT * FROM adhesions WHERE id = $1")
        .bind(id).fetch_optional(p).await)
}

/// A request to join, read in the transaction that decides it.
pub async fn adhesion_tx(tx: &mut Tx, id: &str) -> sqlx::Result<Option<AdhesionRow>> {
    on_tx!(tx, c => sqlx::query_as::<_, AdhesionRow>("SELECT * FROM adhesions WHERE id = $1")
        .bind(id).fetch_optional(c).await)
}

/// A pending request to join, for the same person and lycée.
pub async fn pending_adhesion_tx(tx: &mut Tx, email: &str, uai: &str) -> sqlx::Result<Option<AdhesionRow>> {
    on_tx!(tx, c => sqlx::query_as::<_, AdhesionRow>(
        "SELECT * FROM adhesions WHERE email = $1 AND uai = $2 AND statut = $3"
    ).bind(email).bind(uai).bind(JoinStatus::EnAttente.code()).fetch_optional(c).await)
}

/// Pending requests to join lycées (all when `uais` is `None`).
pub async fn pending_adhesions(db: &Db, uais: Option<&[String]>) -> sqlx::Result<Vec<AdhesionRow>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new("SELECT * FROM adhesions WHERE statut = ");
        qb.push_bind(JoinStatus::EnAttente.code());
        if let Some(uais) = uais {
            if uais.is_empty() {
                return Ok(Vec::new());
            }
            qb.push(" AND uai IN (");
            let mut sep = qb.separated(", ");
            for u in uais {
                sep.push_bind(u.clone());
            }
            qb.push(")");
        }
        qb.push(" ORDER BY cree_le LIMIT 500");
        qb.build_query_as::<AdhesionRow>().fetch_all(p).await
    })
}

/// Decides a pending request; false when it was already decided.
pub async fn decide_adhesion(tx: &mut Tx, id: &str, statut: JoinStatus, by: &str, now: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE adhesions SET statut = $2, decide_par = $3, decide_le = $4 WHERE id = $1 AND statut = $5"
    ).bind(id).bind(statut.code()).bind(by).bind(now).bind(JoinStatus::EnAttente.code())
    .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// UAIs of the lycées of an académie.
pub async fn lycees_of_academie(db: &Db, academie: &str) -> sqlx::Result<Vec<String>> {
    on_db!(db, p => sqlx::query_scalar::<_, String>(
        "SELECT l.uai FROM lycees l JOIN departements d ON d.code = l.departement_code WHERE d.academie_code = $1"
    ).bind(academie).fetch_all(p).await)
}

pub async fn compte_by_id(db: &Db, id: &str) -> sqlx::Result<Option<CompteRow>> {
    on_db!(db, p => sqlx::query_as::<_, CompteRow>("SELECT * FROM comptes WHERE id = $1")
        .bind(id).fetch_optional(p).await)
}

/// Takes a lycée away from an account; false when it did not have it.
pub async fn revoke_lycee(tx: &mut Tx, compte_id: &str, uai: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM compte_lycees WHERE compte_id = $1 AND uai = $2")
        .bind(compte_id).bind(uai).execute(c).await.map(|r| r.rows_affected()))?;
    super::versions::bump_contacts(tx).await?;
    Ok(n > 0)
}
