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
    /// Comma-separated, as typed (compared without case or accents).
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
/// (already folded), `tag` on one tag. Tags keep the case they were typed
/// in, so both filters compare folded forms (case and accents), here rather
/// than in SQL: `LOWER` folds only ASCII on SQLite.
pub async fn list(db: &Db, uais: &[String], folded: &str, tag: &str) -> sqlx::Result<Vec<PartenaireRow>> {
    if uais.is_empty() {
        return Ok(Vec::new());
    }
    let all: Vec<PartenaireRow> = on_db!(db, p => {
        let mut qb = sqlx::QueryBuilder::new("SELECT * FROM partenaires WHERE uai IN (");
        let mut sep = qb.separated(", ");
        for u in uais {
            sep.push_bind(u.clone());
        }
        qb.push(") ORDER BY nom_norm, id LIMIT 5000");
        qb.build_query_as::<PartenaireRow>().fetch_all(p).await
    })?;
    let fold = domain::text::fold;
    let tag = fold(tag);
    Ok(all
        .into_iter()
        .filter(|p| {
            folded.is_empty()
                || p.nom_norm.contains(folded)
                || fold(p.secteur.as_deref().unwrap_or("")).contains(folded)
                || p.tags.split(',').any(|t| fold(t).contains(folded))
        })
        .filter(|p| tag.is_empty() || p.tags.split(',').any(|t| fold(t) == tag))
        .take(1000)
        .collect())
}

/// The tags used by the partners of lycées, sorted, one spelling per tag
/// (compared without case or accents).
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
        qb.push(") ORDER BY tags");
        qb.build_query_scalar::<String>().fetch_all(p).await
    })?;
    let mut all: Vec<(String, String)> = Vec::new();
    for t in rows.iter().flat_map(|t| t.split(',')).filter(|t| !t.is_empty()) {
        let key = domain::text::fold(t);
        if !all.iter().any(|(k, _)| *k == key) {
            all.push((key, t.to_string()));
        }
    }
    all.sort();
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

pub async fn by_id(db: &Db, id: &str) -> sqlx::Result<Option<PartenaireRow>> {
    on_db!(db, p => sqlx::query_as::<_, PartenaireRow>("SELECT * FROM partenaires WHERE id = $1")
        .bind(id).fetch_optional(p).await)
}

pub async fn by_id_tx(tx: &mut Tx, id: &str) -> sqlx::Result<Option<PartenaireRow>> {
    on_tx!(tx, c => sqlx::query_as::<_, PartenaireRow>("SELECT * FROM partenaires WHERE id = $1")
        .bind(id).fetch_optional(&mut *c).await)
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
    for table in ["partenaire_contacts", "interactions", "conventions", "capacites_accueil", "appels_stages"] {
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

/// Records that taking request `demande_id` created partner `id`.
pub async fn set_created_by_request(tx: &mut Tx, id: &str, demande_id: &str) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE partenaires SET cree_par_demande = $2 WHERE id = $1")
        .bind(id).bind(demande_id).execute(&mut *c).await.map(|_| ()))
}

/// The partner of `uai` that taking request `demande_id` created.
pub async fn created_by_request(db: &Db, uai: &str, demande_id: &str) -> sqlx::Result<Option<PartenaireRow>> {
    on_db!(db, p => sqlx::query_as::<_, PartenaireRow>(
        "SELECT * FROM partenaires WHERE uai = $1 AND cree_par_demande = $2 LIMIT 1"
    ).bind(uai).bind(demande_id).fetch_optional(p).await)
}

/// Partner `id` of `uai` was created by taking request `demande_id` and
/// nothing was changed or added since: not edited, no contact, no
/// convention, no history but that request's.
const UNTOUCHED: &str = "SELECT COUNT(*) FROM partenaires p WHERE p.id = $1 AND p.uai = $2 \
     AND p.cree_par_demande = $3 AND p.modifie_le = p.cree_le \
     AND NOT EXISTS (SELECT 1 FROM partenaire_contacts c WHERE c.partenaire_id = p.id) \
     AND NOT EXISTS (SELECT 1 FROM conventions v WHERE v.partenaire_id = p.id) \
     AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.partenaire_id = p.id \
         AND (i.demande_id IS NULL OR i.demande_id <> $3 OR i.genre <> 'demande'))";

pub async fn untouched_since_request(db: &Db, uai: &str, id: &str, demande_id: &str) -> sqlx::Result<bool> {
    on_db!(db, p => sqlx::query_scalar::<_, i64>(UNTOUCHED)
        .bind(id).bind(uai).bind(demande_id).fetch_one(p).await.map(|n| n > 0))
}

pub async fn untouched_since_request_tx(tx: &mut Tx, uai: &str, id: &str, demande_id: &str) -> sqlx::Result<bool> {
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(UNTOUCHED)
        .bind(id).bind(uai).bind(demande_id).fetch_one(&mut *c).await.map(|n| n > 0))
}

/// A lycée's partner with a contact of this address (compared lowercase).
pub async fn find_by_contact_email(tx: &mut Tx, uai: &str, email: &str) -> sqlx::Result<Option<PartenaireRow>> {
    on_tx!(tx, c => sqlx::query_as::<_, PartenaireRow>(
        "SELECT p.* FROM partenaires p JOIN partenaire_contacts c ON c.partenaire_id = p.id \
         WHERE p.uai = $1 AND LOWER(c.email) = LOWER($2) ORDER BY p.cree_le, p.id LIMIT 1"
    ).bind(uai).bind(email).fetch_optional(c).await)
}
