//! The partners of a lycée: companies, their contact people, the history
//! of what was done together, and partnership agreements (conventions).

use super::{Db, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct PartenaireRow {
    pub id: String,
    pub uai: String,
    pub nom: String,
    /// Folded name (case, accents), for search and to recognise a company.
    pub nom_norm: String,
    pub siret: Option<String>,
    pub secteur: Option<String>,
    pub adresse: Option<String>,
    /// Lowercase, comma-separated.
    pub tags: String,
    pub cree_le: String,
    pub modifie_le: String,
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ContactRow {
    pub id: String,
    pub partenaire_id: String,
    pub prenom: Option<String>,
    pub nom: String,
    pub fonction: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct InteractionRow {
    pub id: String,
    pub partenaire_id: String,
    pub date: String,
    /// demande | visite | pfmp | apprenti | evenement | autre
    pub genre: String,
    pub texte: String,
    pub demande_id: Option<String>,
    pub cree_par: String,
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ConventionRow {
    pub id: String,
    pub partenaire_id: String,
    pub objet: String,
    pub debut: String,
    pub fin: String,
    pub renouvellement: Option<String>,
    pub document_url: Option<String>,
    pub rappel_envoye_le: Option<String>,
}

/// Partners of lycées, by name; `folded` filters on name, sector and tags
/// (already folded), `tag` on one tag.
pub async fn list(db: &Db, uais: &[String], folded: &str, tag: &str) -> sqlx::Result<Vec<PartenaireRow>> {
    if uais.is_empty() {
        return Ok(Vec::new());
    }
    on_db!(db, p => {
        let mut qb = sqlx::QueryBuilder::new("SELECT * FROM partenaires WHERE uai IN (");
        let mut sep = qb.separated(", ");
        for u in uais {
            sep.push_bind(u.clone());
        }
        qb.push(")");
        if !folded.is_empty() {
            let like = format!("%{}%", folded.replace(['%', '_'], ""));
            qb.push(" AND (nom_norm LIKE ").push_bind(like.clone());
            qb.push(" OR LOWER(COALESCE(secteur, '')) LIKE ").push_bind(like.clone());
            qb.push(" OR tags LIKE ").push_bind(like).push(")");
        }
        if !tag.is_empty() {
            qb.push(" AND (',' || tags || ',') LIKE ").push_bind(format!("%,{tag},%"));
        }
        qb.push(" ORDER BY nom_norm, id LIMIT 1000");
        qb.build_query_as::<PartenaireRow>().fetch_all(p).await
    })
}

/// The tags used by the partners of lycées, sorted, without duplicates.
pub async fn tags(db: &Db, uais: &[String]) -> sqlx::Result<Vec<String>> {
    if uais.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<String> = on_db!(db, p => {
        let mut qb = sqlx::QueryBuilder::new("SELECT DISTINCT tags FROM partenaires WHERE tags <> '' AND uai IN (");
        let mut sep = qb.separated(", ");
        for u in uais {
            sep.push_bind(u.clone());
        }
        qb.push(")");
        qb.build_query_scalar::<String>().fetch_all(p).await
    })?;
    let mut all: Vec<String> =
        rows.iter().flat_map(|t| t.split(',')).filter(|t| !t.is_empty()).map(str::to_string).collect();
    all.sort();
    all.dedup();
    Ok(all)
}

pub async fn by_id(db: &Db, id: &str) -> sqlx::Result<Option<PartenaireRow>> {
    on_db!(db, p => sqlx::query_as::<_, PartenaireRow>("SELECT * FROM partenaires WHERE id = $1")
        .bind(id).fetch_optional(p).await)
}

/// A lycée's partner with this SIRET, or else this folded name.
pub async fn find(tx: &mut Tx, uai: &str, siret: Option<&str>, nom_norm: &str) -> sqlx::Result<Option<PartenaireRow>> {
    on_tx!(tx, c => sqlx::query_as::<_, PartenaireRow>(
        "SELECT * FROM partenaires WHERE uai = $1 AND (siret = $2 OR nom_norm = $3) \
         ORDER BY CASE WHEN siret = $2 THEN 0 ELSE 1 END, cree_le LIMIT 1"
    ).bind(uai).bind(siret).bind(nom_norm).fetch_optional(c).await)
}

pub async fn upsert(tx: &mut Tx, p: &PartenaireRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO partenaires (id, uai, nom, nom_norm, siret, secteur, adresse, tags, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO UPDATE SET nom = excluded.nom, \
         nom_norm = excluded.nom_norm, siret = excluded.siret, secteur = excluded.secteur, \
         adresse = excluded.adresse, tags = excluded.tags, modifie_le = excluded.modifie_le"
    )
    .bind(&p.id).bind(&p.uai).bind(&p.nom).bind(&p.nom_norm).bind(&p.siret).bind(&p.secteur).bind(&p.adresse)
    .bind(&p.tags).bind(&p.cree_le).bind(&p.modifie_le)
    .execute(&mut *c).await.map(|_| ()))
}

/// Deletes a partner and everything recorded about it.
pub async fn delete(tx: &mut Tx, id: &str) -> sqlx::Result<()> {
    for table in ["partenaire_contacts", "interactions", "conventions"] {
        let sql = format!("DELETE FROM {table} WHERE partenaire_id = $1");
        on_tx!(tx, c => sqlx::query(&sql).bind(id).execute(&mut *c).await.map(|_| ()))?;
    }
    on_tx!(tx, c => sqlx::query("DELETE FROM partenaires WHERE id = $1").bind(id).execute(&mut *c).await.map(|_| ()))
}

pub async fn contacts(db: &Db, partenaire_id: &str) -> sqlx::Result<Vec<ContactRow>> {
    on_db!(db, p => sqlx::query_as::<_, ContactRow>(
        "SELECT * FROM partenaire_contacts WHERE partenaire_id = $1 ORDER BY nom, id"
    ).bind(partenaire_id).fetch_all(p).await)
}

/// The contacts of several partners (one query).
pub async fn contacts_of(db: &Db, ids: &[String]) -> sqlx::Result<Vec<ContactRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    on_db!(db, p => {
        let mut qb = sqlx::QueryBuilder::new("SELECT * FROM partenaire_contacts WHERE partenaire_id IN (");
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(id.clone());
        }
        qb.push(") ORDER BY partenaire_id, nom, id");
        qb.build_query_as::<ContactRow>().fetch_all(p).await
    })
}

pub async fn insert_contact(tx: &mut Tx, r: &ContactRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO partenaire_contacts (id, partenaire_id, prenom, nom, fonction, email, telephone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(&r.id).bind(&r.partenaire_id).bind(&r.prenom).bind(&r.nom).bind(&r.fonction).bind(&r.email)
    .bind(&r.telephone)
    .execute(&mut *c).await.map(|_| ()))
}

pub async fn interactions(db: &Db, partenaire_id: &str) -> sqlx::Result<Vec<InteractionRow>> {
    on_db!(db, p => sqlx::query_as::<_, InteractionRow>(
        "SELECT * FROM interactions WHERE partenaire_id = $1 ORDER BY date DESC, id DESC"
    ).bind(partenaire_id).fetch_all(p).await)
}

pub async fn insert_interaction(tx: &mut Tx, r: &InteractionRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO interactions (id, partenaire_id, date, genre, texte, demande_id, cree_par) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(&r.id).bind(&r.partenaire_id).bind(&r.date).bind(&r.genre).bind(&r.texte).bind(&r.demande_id)
    .bind(&r.cree_par)
    .execute(&mut *c).await.map(|_| ()))
}

pub async fn conventions(db: &Db, partenaire_id: &str) -> sqlx::Result<Vec<ConventionRow>> {
    on_db!(db, p => sqlx::query_as::<_, ConventionRow>(
        "SELECT * FROM conventions WHERE partenaire_id = $1 ORDER BY fin DESC, id"
    ).bind(partenaire_id).fetch_all(p).await)
}

pub async fn insert_convention(tx: &mut Tx, r: &ConventionRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO conventions (id, partenaire_id, objet, debut, fin, renouvellement, document_url, rappel_envoye_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(&r.id).bind(&r.partenaire_id).bind(&r.objet).bind(&r.debut).bind(&r.fin).bind(&r.renouvellement)
    .bind(&r.document_url).bind(&r.rappel_envoye_le)
    .execute(&mut *c).await.map(|_| ()))
}

/// Conventions ending on or before `until` whose reminder has not gone,
/// with their partner.
pub async fn conventions_to_remind(db: &Db, until: &str) -> sqlx::Result<Vec<(ConventionRow, PartenaireRow)>> {
    let rows: Vec<ConventionRow> = on_db!(db, p => sqlx::query_as::<_, ConventionRow>(
        "SELECT * FROM conventions WHERE rappel_envoye_le IS NULL AND fin <= $1 ORDER BY fin, id LIMIT 200"
    ).bind(until).fetch_all(p).await)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let partners: Vec<PartenaireRow> = on_db!(db, p => {
        let mut qb = sqlx::QueryBuilder::new("SELECT * FROM partenaires WHERE id IN (");
        let mut sep = qb.separated(", ");
        for c in &rows {
            sep.push_bind(c.partenaire_id.clone());
        }
        qb.push(")");
        qb.build_query_as::<PartenaireRow>().fetch_all(p).await
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|c| partners.iter().find(|p| p.id == c.partenaire_id).cloned().map(|p| (c, p)))
        .collect())
}

/// Marks a reminder sent; false when another worker already did.
pub async fn reminded(tx: &mut Tx, id: &str, now: &str) -> sqlx::Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE conventions SET rappel_envoye_le = $2 WHERE id = $1 AND rappel_envoye_le IS NULL"
    ).bind(id).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
