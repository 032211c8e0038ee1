//! Who can be written to: the people and addresses behind each lycée
//! ([`domain::reach::Contacts`]), the addresses people entered, the
//! addresses whose delivery finally failed, and the coordination chain of
//! an académie.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use domain::account::Role;
use domain::reach::{Chain, Contacts, normalized};
use sqlx::QueryBuilder;
use std::collections::{BTreeSet, HashMap};

/// `(uai, value)` pairs of `sql` (which ends where `AND uai IN (…)` may
/// follow), for `uais` only when given — in chunks, so that a territory of
/// thousands of lycées stays within the engines' bind limits.
async fn pairs(db: &Db, sql: &str, column: &str, uais: Option<&[String]>) -> sqlx::Result<Vec<(String, String)>> {
    let Some(uais) = uais else {
        return on_db!(db, p => sqlx::query_as::<_, (String, String)>(sql).fetch_all(p).await);
    };
    let mut out = Vec::new();
    for chunk in uais.chunks(1000) {
        let rows: Vec<(String, String)> = on_db!(db, p => {
            let mut qb = QueryBuilder::new(format!("{sql} AND {column} IN ("));
            let mut sep = qb.separated(", ");
            for u in chunk {
                sep.push_bind(u.clone());
            }
            qb.push(")");
            qb.build_query_as::<(String, String)>().fetch_all(p).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// The normalised addresses whose delivery finally failed.
pub async fn failed_addresses(db: &Db) -> sqlx::Result<BTreeSet<String>> {
    let rows: Vec<String> = on_db!(db, p => sqlx::query_scalar::<_, String>("SELECT email_norm FROM courriels_en_echec").fetch_all(p).await)?;
    Ok(rows.into_iter().collect())
}

/// What the service knows of the people behind each lycée of `uais`
/// (every lycée with `None`). A lycée absent from the map has nobody.
pub async fn contacts(db: &Db, uais: Option<&[String]>) -> sqlx::Result<HashMap<String, Contacts>> {
    if uais.is_some_and(<[String]>::is_empty) {
        return Ok(HashMap::new());
    }
    let failed = failed_addresses(db).await?;
    let mut out: HashMap<String, Contacts> = HashMap::new();
    let officers = format!(
        "SELECT l.uai, c.email FROM compte_lycees l JOIN comptes c ON c.id = l.compte_id WHERE c.actif AND c.role = '{}'",
        Role::Rbe.code()
    );
    for (uai, email) in pairs(db, &officers, "l.uai", uais).await? {
        out.entry(uai).or_default().officers.push(email);
    }
    let showcase = "SELECT uai, bde_email FROM vitrines WHERE bde_email IS NOT NULL AND bde_email <> ''";
    for (uai, email) in pairs(db, showcase, "uai", uais).await? {
        out.entry(uai).or_default().showcase = Some(email);
    }
    let entered = "SELECT uai, email FROM adresses_lycees WHERE email <> ''";
    for (uai, email) in pairs(db, entered, "uai", uais).await? {
        out.entry(uai).or_default().entered = Some(email);
    }
    let directory = "SELECT uai, email FROM lycees WHERE email IS NOT NULL AND email <> ''";
    for (uai, email) in pairs(db, directory, "uai", uais).await? {
        out.entry(uai).or_default().directory = Some(email);
    }
    for c in out.values_mut() {
        c.officers.sort();
        c.failed = failed.clone();
    }
    Ok(out)
}

/// The addresses an email to each lycée of `uais` goes to (those with
/// nobody are absent).
pub async fn recipients_of(db: &Db, uais: &[String]) -> sqlx::Result<HashMap<String, Vec<String>>> {
    Ok(contacts(db, Some(uais))
        .await?
        .into_iter()
        .map(|(uai, c)| (uai, c.recipients()))
        .filter(|(_, to)| !to.is_empty())
        .collect())
}

/// An address entered by a person for a lycée (`None`: removed), and who.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EnteredRow {
    pub uai: String,
    pub email: String,
    pub saisi_par: String,
    pub saisi_le: String,
}

/// Sets (or replaces) the address entered for a lycée. A new address is
/// no longer "failed": the person vouches for it.
pub async fn set_entered(tx: &mut Tx, uai: &str, email: &str, by: &str, now: &str) -> sqlx::Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO adresses_lycees (uai, email, saisi_par, saisi_le) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (uai) DO UPDATE SET email = excluded.email, saisi_par = excluded.saisi_par, \
             saisi_le = excluded.saisi_le",
        )
        .bind(uai).bind(email).bind(by).bind(now).execute(&mut *c).await?;
        sqlx::query("DELETE FROM courriels_en_echec WHERE email_norm = $1")
            .bind(normalized(email)).execute(&mut *c).await.map(|_| ())
    })?;
    super::versions::bump_contacts(tx).await
}

/// Removes the address entered for a lycée; whether there was one.
pub async fn clear_entered(tx: &mut Tx, uai: &str) -> sqlx::Result<bool> {
    let gone = on_tx!(tx, c => sqlx::query("DELETE FROM adresses_lycees WHERE uai = $1")
        .bind(uai).execute(&mut *c).await.map(|r| r.rows_affected() > 0))?;
    super::versions::bump_contacts(tx).await?;
    Ok(gone)
}

/// The address entered for a lycée, if any.
pub async fn entered(db: &Db, uai: &str) -> sqlx::Result<Option<EnteredRow>> {
    on_db!(db, p => sqlx::query_as::<_, EnteredRow>(
        "SELECT uai, email, saisi_par, saisi_le FROM adresses_lycees WHERE uai = $1"
    ).bind(uai).fetch_optional(p).await)
}

/// Records that delivery to `email` finally failed. Whether it was not
/// known as failed yet.
pub async fn record_failed(db: &Db, email: &str, error: &str, now: &str) -> sqlx::Result<bool> {
    let new = on_db!(db, p => sqlx::query(
        "INSERT INTO courriels_en_echec (email_norm, depuis, erreur) VALUES ($1, $2, $3) ON CONFLICT (email_norm) DO NOTHING"
    ).bind(normalized(email)).bind(now).bind(error.chars().take(500).collect::<String>())
        .execute(p).await.map(|r| r.rows_affected() > 0))?;
    if new {
        super::versions::bump_contacts_after(db).await?;
    }
    Ok(new)
}

/// An email to `email` was delivered: it is not failed any more.
pub async fn clear_failed(db: &Db, email: &str) -> sqlx::Result<bool> {
    let gone = on_db!(db, p => sqlx::query("DELETE FROM courriels_en_echec WHERE email_norm = $1")
        .bind(normalized(email)).execute(p).await.map(|r| r.rows_affected() > 0))?;
    if gone {
        super::versions::bump_contacts_after(db).await?;
    }
    Ok(gone)
}

/// Whether someone reads what is sent to lycée `uai` (a few primary-key
/// reads; the showcase asks it when the contacts' counter changed,
/// `storage::versions`).
pub async fn reachable(db: &Db, uai: &str) -> sqlx::Result<bool> {
    Ok(contacts(db, Some(&[uai.to_string()])).await?.get(uai).is_some_and(Contacts::reachable))
}

/// Whether any address is recorded as failed (so that a delivered email
/// need not look).
pub async fn any_failed(db: &Db) -> sqlx::Result<bool> {
    on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM courriels_en_echec").fetch_one(p).await)
        .map(|n| n > 0)
}

/// The coordination chain of académie `academie` (code): its stated
/// address and its coordinators' accounts, then the national
/// administrators and `contact` (`MLP_CONTACT_EMAIL`); dead addresses left
/// out, each address once.
pub async fn chain(db: &Db, academie: Option<&str>, contact: Option<&str>) -> sqlx::Result<Chain> {
    let failed = failed_addresses(db).await?;
    let mut academie_to = Vec::new();
    if let Some(code) = academie {
        let stated: Option<String> = on_db!(db, p => sqlx::query_scalar::<_, String>(
            "SELECT email FROM coordinations WHERE academie_code = $1"
        ).bind(code).fetch_optional(p).await)?;
        academie_to.extend(stated);
        let accounts: Vec<String> = on_db!(db, p => sqlx::query_scalar::<_, String>(
            "SELECT email FROM comptes WHERE actif AND role = $2 AND academie_code = $1 ORDER BY email"
        ).bind(code).bind(Role::Coordinateur.code()).fetch_all(p).await)?;
        academie_to.extend(accounts);
    }
    let mut national: Vec<String> = on_db!(db, p => sqlx::query_scalar::<_, String>(
        "SELECT email FROM comptes WHERE actif AND role = $1 ORDER BY email"
    ).bind(Role::Admin.code()).fetch_all(p).await)?;
    national.extend(contact.map(str::to_string));
    Ok(Chain { academie: kept(&failed, academie_to), national: kept(&failed, national) })
}

/// The addresses of `v` that may be written to: trimmed, neither failed
/// nor repeated (in their order).
pub fn kept(failed: &BTreeSet<String>, v: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in v.into_iter().map(|a| a.trim().to_string()).filter(|a| !a.is_empty()) {
        if !failed.contains(&normalized(&a)) && !out.iter().any(|o| normalized(o) == normalized(&a)) {
            out.push(a);
        }
    }
    out
}

/// Every académie's active coordinators' addresses (by email), in one
/// read: what [`chain`] finds for each, for the pages that list them all.
pub async fn coordinators_by_academie(db: &Db) -> sqlx::Result<HashMap<String, Vec<String>>> {
    let rows: Vec<(String, String)> = on_db!(db, p => sqlx::query_as::<_, (String, String)>(
        "SELECT academie_code, email FROM comptes WHERE actif AND role = $1 AND academie_code IS NOT NULL \
         ORDER BY academie_code, email"
    ).bind(Role::Coordinateur.code()).fetch_all(p).await)?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (code, email) in rows {
        out.entry(code).or_default().push(email);
    }
    Ok(out)
}

/// The académies' coordinations as stated (`/admin`): code, address, name.
pub async fn coordinations(db: &Db) -> sqlx::Result<Vec<(String, String, Option<String>)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String, Option<String>)>(
        "SELECT academie_code, email, nom FROM coordinations ORDER BY academie_code"
    ).fetch_all(p).await)
}

/// Sets the address of an académie's coordination.
pub async fn set_coordination(tx: &mut Tx, academie: &str, email: &str, nom: Option<&str>) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO coordinations (academie_code, email, nom) VALUES ($1, $2, $3) \
         ON CONFLICT (academie_code) DO UPDATE SET email = excluded.email, nom = excluded.nom"
    ).bind(academie).bind(email).bind(nom).execute(&mut *c).await.map(|_| ()))?;
    super::versions::bump_contacts(tx).await
}

/// Removes the address of an académie's coordination; whether there was one.
pub async fn clear_coordination(tx: &mut Tx, academie: &str) -> sqlx::Result<bool> {
    let gone = on_tx!(tx, c => sqlx::query("DELETE FROM coordinations WHERE academie_code = $1")
        .bind(academie).execute(&mut *c).await.map(|r| r.rows_affected() > 0))?;
    super::versions::bump_contacts(tx).await?;
    Ok(gone)
}

/// Every address entered by a person, by lycée.
pub async fn all_entered(db: &Db) -> sqlx::Result<HashMap<String, EnteredRow>> {
    let rows = on_db!(db, p => sqlx::query_as::<_, EnteredRow>(
        "SELECT uai, email, saisi_par, saisi_le FROM adresses_lycees"
    ).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| (r.uai.clone(), r)).collect())
}

/// How many requests named each lycée "to contact" (it fitted, nobody
/// could be written to): whom the coordination should call first.
pub async fn missed_requests(db: &Db) -> sqlx::Result<HashMap<String, i64>> {
    let rows: Vec<String> = on_db!(db, p => sqlx::query_scalar::<_, String>(
        "SELECT lycees_a_contacter FROM demandes WHERE lycees_a_contacter IS NOT NULL AND lycees_a_contacter <> ''"
    ).fetch_all(p).await)?;
    let mut out: HashMap<String, i64> = HashMap::new();
    for uai in rows.iter().flat_map(|r| r.split(',')).filter(|u| !u.is_empty()) {
        *out.entry(uai.to_string()).or_default() += 1;
    }
    Ok(out)
}
