//! Storage side of the importer: dataset fingerprints and the reference
//! data the lycées dataset is computed from.

use super::{Db, Tx};
use crate::on_db;
use crate::on_tx;
use domain::Position;
use std::collections::{HashMap, HashSet};

/// The fingerprint of the files a dataset was last imported from.
pub async fn dataset_checksum(db: &Db, dataset: &str) -> sqlx::Result<Option<String>> {
    on_db!(db, p => sqlx::query_scalar::<_, String>("SELECT checksum FROM import_datasets WHERE dataset = $1")
        .bind(dataset)
        .fetch_optional(p)
        .await)
}

/// The summary of the last import of a dataset.
pub async fn dataset_summary(db: &Db, dataset: &str) -> sqlx::Result<Option<String>> {
    on_db!(db, p => sqlx::query_scalar::<_, String>("SELECT summary FROM import_datasets WHERE dataset = $1")
        .bind(dataset)
        .fetch_optional(p)
        .await)
}

/// Records that a dataset was imported, in the import's transaction.
pub async fn record_dataset(tx: &mut Tx, dataset: &str, checksum: &str, summary: &str) -> sqlx::Result<()> {
    let now = crate::clock::now_rfc3339();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO import_datasets (dataset, checksum, imported_at, summary) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (dataset) DO UPDATE SET checksum = excluded.checksum, imported_at = excluded.imported_at, summary = excluded.summary",
    )
    .bind(dataset)
    .bind(checksum)
    .bind(&now)
    .bind(summary)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    bump_catalogue_version(tx).await
}

/// Tells every server instance that the catalogue changed.
pub async fn bump_catalogue_version(tx: &mut Tx) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE catalogue_version SET version = version + 1 WHERE id = 1")
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// A commune as the lycées import needs it.
#[derive(Debug, Clone)]
pub struct CommuneRef {
    pub departement: String,
    pub position: Option<Position>,
}

/// Reference data the lycées dataset is computed from.
#[derive(Debug, Default)]
pub struct LyceeContext {
    pub communes: HashMap<String, CommuneRef>,
    /// (département, folded name) → INSEE codes.
    pub by_name: HashMap<(String, String), Vec<String>>,
    pub academie_of: HashMap<String, Option<String>>,
    pub diplomas: HashSet<String>,
}

#[derive(sqlx::FromRow)]
struct CommuneLine {
    code_insee: String,
    nom_norm: String,
    departement_code: String,
    lat: Option<f64>,
    lon: Option<f64>,
}

/// Loads what the lycées import reads from the other datasets.
pub async fn lycee_context(db: &Db) -> sqlx::Result<LyceeContext> {
    let communes: Vec<CommuneLine> = on_db!(db, p => sqlx::query_as(
        "SELECT code_insee, nom_norm, departement_code, lat, lon FROM communes"
    ).fetch_all(p).await)?;
    let deps: Vec<(String, Option<String>)> =
        on_db!(db, p => sqlx::query_as("SELECT code, academie_code FROM departements").fetch_all(p).await)?;
    let diplomas: Vec<String> = on_db!(db, p => sqlx::query_scalar("SELECT cfd FROM diplomes").fetch_all(p).await)?;
    let mut ctx = LyceeContext {
        academie_of: deps.into_iter().collect(),
        diplomas: diplomas.into_iter().collect(),
        ..LyceeContext::default()
    };
    for c in communes {
        let position = match (c.lat, c.lon) {
            (Some(lat), Some(lon)) => Position::new(lat, lon),
            _ => None,
        };
        ctx.by_name.entry((c.departement_code.clone(), c.nom_norm)).or_default().push(c.code_insee.clone());
        ctx.communes.insert(c.code_insee, CommuneRef { departement: c.departement_code, position });
    }
    Ok(ctx)
}

/// What an update of the reference data is compared on: the active
/// lycées (UAI → name) and the diplomas (CFD → label, closing day).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogueSnapshot {
    pub lycees: std::collections::BTreeMap<String, String>,
    pub diplomas: std::collections::BTreeMap<String, (String, Option<String>)>,
}

/// The catalogue as it is now, for [`CatalogueSnapshot`].
pub async fn snapshot(db: &Db) -> sqlx::Result<CatalogueSnapshot> {
    let lycees: Vec<(String, String)> =
        on_db!(db, p => sqlx::query_as("SELECT uai, nom FROM lycees WHERE actif").fetch_all(p).await)?;
    let diplomas: Vec<(String, String, Option<String>)> =
        on_db!(db, p => sqlx::query_as("SELECT cfd, libelle, fermeture FROM diplomes").fetch_all(p).await)?;
    Ok(CatalogueSnapshot {
        lycees: lycees.into_iter().collect(),
        diplomas: diplomas.into_iter().map(|(c, l, f)| (c, (l, f))).collect(),
    })
}

/// One update of the reference data, as the administration reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UpdateRow {
    pub id: String,
    pub debut: String,
    pub fin: String,
    /// `planifiee`, `commande` or `premier_demarrage`.
    pub origine: String,
    /// `reussie` or `echec`.
    pub statut: String,
    pub resume: String,
    /// JSON of `crate::refresh::Changes`.
    pub changements: String,
}

/// Records an update.
pub async fn record_update(db: &Db, u: &UpdateRow) -> sqlx::Result<()> {
    on_db!(db, p => sqlx::query(
        "INSERT INTO donnees_mises_a_jour (id, debut, fin, origine, statut, resume, changements) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&u.id).bind(&u.debut).bind(&u.fin).bind(&u.origine).bind(&u.statut).bind(&u.resume).bind(&u.changements)
    .execute(p)
    .await
    .map(|_| ()))
}

/// The latest updates, newest first.
pub async fn updates(db: &Db, limit: i64) -> sqlx::Result<Vec<UpdateRow>> {
    on_db!(db, p => sqlx::query_as::<_, UpdateRow>(
        "SELECT id, debut, fin, origine, statut, resume, changements FROM donnees_mises_a_jour \
         ORDER BY debut DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(p)
    .await)
}

/// When the reference data was last brought up to date, or tried to be:
/// (end of the last update, its status), else the last import of a
/// dataset (a database imported before updates were recorded).
pub async fn last_update(db: &Db) -> sqlx::Result<Option<(String, String)>> {
    let last: Option<(String, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT fin, statut FROM donnees_mises_a_jour ORDER BY fin DESC LIMIT 1"
    ).fetch_optional(p).await)?;
    if last.is_some() {
        return Ok(last);
    }
    let imported: Option<String> =
        on_db!(db, p => sqlx::query_scalar("SELECT MAX(imported_at) FROM import_datasets").fetch_one(p).await)?;
    Ok(imported.map(|t| (t, "reussie".to_string())))
}

/// How many NAF 2025 codes INSEE's correspondence maps (0 without it).
pub async fn naf2025_codes(db: &Db) -> sqlx::Result<i64> {
    on_db!(db, p => sqlx::query_scalar("SELECT COUNT(DISTINCT code) FROM naf2025").fetch_one(p).await)
}
