//! Read queries of the catalogue. Rows are plain structs; the `catalogue`
//! module turns them into what pages and the API show.

use super::Db;
use crate::on_db;
use sqlx::QueryBuilder;

/// One lycée with its places' names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LyceeRow {
    pub uai: String,
    pub nom: String,
    pub nom_officiel: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub secteur: String,
    pub commune_code: String,
    pub commune_nom: String,
    pub departement_code: String,
    pub departement_nom: String,
    pub academie_code: Option<String>,
    pub academie_nom: Option<String>,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub precision: String,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub site_web: Option<String>,
    pub labels: String,
}

const LYCEE_SELECT: &str = "SELECT l.uai, l.nom, l.nom_officiel, l.type, l.secteur, l.commune_code, \
    c.nom AS commune_nom, l.departement_code, d.nom AS departement_nom, l.academie_code, a.nom AS academie_nom, \
    l.adresse, l.code_postal, l.lat, l.lon, l.precision, l.email, l.telephone, l.site_web, l.labels \
    FROM lycees l \
    JOIN communes c ON c.code_insee = l.commune_code \
    JOIN departements d ON d.code = l.departement_code \
    LEFT JOIN academies a ON a.code = l.academie_code";

pub async fn lycee(db: &Db, uai: &str) -> sqlx::Result<Option<LyceeRow>> {
    let sql = format!("{LYCEE_SELECT} WHERE l.uai = $1 AND l.actif = TRUE");
    on_db!(db, p => sqlx::query_as::<_, LyceeRow>(&sql).bind(uai).fetch_optional(p).await)
}

/// A diploma taught by a lycée, with each fact's year (see the migration
/// `offre_2022`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FormationRow {
    pub cfd: String,
    pub libelle: String,
    pub niveau: String,
    pub fermeture: Option<String>,
    pub effectif: Option<i64>,
    pub effectif_rentree: Option<i64>,
    pub offre_rentree: Option<i64>,
    pub places: Option<i64>,
    pub premiers_voeux: Option<i64>,
    pub annee_entree: Option<i64>,
    /// The old code this line was taught under, when the BCN renewed it.
    pub renouvele_de: Option<String>,
}

/// The diplomas of a lycée under their current codes (a renewed diploma
/// as its successor: `formations_actuelles`): those of the most recent
/// offer first (most places first), then those only an older count knows
/// (open diplomas first, then the most recently closed).
pub async fn formations(db: &Db, uai: &str) -> sqlx::Result<Vec<FormationRow>> {
    on_db!(db, p => sqlx::query_as::<_, FormationRow>(
        "SELECT f.cfd, d.libelle, d.niveau, d.fermeture, f.effectif, f.effectif_rentree, f.offre_rentree, \
         f.places, f.premiers_voeux, f.annee_entree, f.renouvele_de FROM formations_actuelles f \
         JOIN diplomes d ON d.cfd = f.cfd WHERE f.uai = $1 \
         ORDER BY COALESCE(f.offre_rentree, 0) DESC, \
           CASE WHEN f.offre_rentree IS NULL THEN COALESCE(d.fermeture, '9999-12-31') ELSE '' END DESC, \
           COALESCE(f.places, 0) DESC, COALESCE(f.effectif, 0) DESC, d.libelle"
    ).bind(uai).fetch_all(p).await)
}

/// A job a diploma of a lycée leads to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DiplomaJobRow {
    pub cfd: String,
    pub rome_code: String,
    pub libelle: String,
}

pub async fn jobs_of_lycee(db: &Db, uai: &str) -> sqlx::Result<Vec<DiplomaJobRow>> {
    on_db!(db, p => sqlx::query_as::<_, DiplomaJobRow>(
        "SELECT dr.cfd, dr.rome_code, r.libelle FROM formations_actuelles f \
         JOIN diplome_romes dr ON dr.cfd = f.cfd JOIN romes r ON r.code = dr.rome_code \
         WHERE f.uai = $1 ORDER BY dr.cfd, dr.rang"
    ).bind(uai).fetch_all(p).await)
}

/// A job title of a ROME sheet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppellationRow {
    pub code_ogr: i64,
    pub rome_code: String,
    pub libelle: String,
    pub libelle_norm: String,
}

/// Every job title (the vocabulary companies use), in code order.
pub async fn appellations(db: &Db) -> sqlx::Result<Vec<AppellationRow>> {
    on_db!(db, p => sqlx::query_as::<_, AppellationRow>(
        "SELECT code_ogr, rome_code, libelle, libelle_norm FROM appellations ORDER BY code_ogr"
    ).fetch_all(p).await)
}

/// A ROME job sheet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RomeRow {
    pub code: String,
    pub libelle: String,
    pub libelle_norm: String,
}

pub async fn romes(db: &Db) -> sqlx::Result<Vec<RomeRow>> {
    on_db!(db, p => sqlx::query_as::<_, RomeRow>("SELECT code, libelle, libelle_norm FROM romes ORDER BY code")
        .fetch_all(p).await)
}

/// A code and its label (domains, académies…).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Labelled {
    pub code: String,
    pub libelle: String,
}

pub async fn domaines(db: &Db) -> sqlx::Result<Vec<Labelled>> {
    on_db!(db, p => sqlx::query_as::<_, Labelled>("SELECT code, libelle FROM domaines ORDER BY code").fetch_all(p).await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InsertionRow {
    pub millesime: String,
    pub taux_emploi_6_mois: Option<i64>,
    pub taux_poursuite_etudes: Option<i64>,
    pub taux_attendu: Option<i64>,
    pub valeur_ajoutee: Option<i64>,
    pub source: String,
}

pub async fn insertion(db: &Db, uai: &str) -> sqlx::Result<Option<InsertionRow>> {
    on_db!(db, p => sqlx::query_as::<_, InsertionRow>(
        "SELECT millesime, taux_emploi_6_mois, taux_poursuite_etudes, taux_attendu, valeur_ajoutee, source \
         FROM lycee_insertion WHERE uai = $1"
    ).bind(uai).fetch_optional(p).await)
}

/// National figures of the home page.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct FiguresRow {
    pub lycees: i64,
    pub diplomes: i64,
    pub metiers: i64,
    pub eleves: i64,
    /// The rentrée of the student counts.
    pub eleves_rentree: Option<i64>,
    pub academies: i64,
}

pub async fn figures(db: &Db) -> sqlx::Result<FiguresRow> {
    on_db!(db, p => sqlx::query_as::<_, FiguresRow>(
        "SELECT \
           (SELECT COUNT(*) FROM lycees WHERE actif = TRUE) AS lycees, \
           (SELECT COUNT(DISTINCT f.cfd) FROM formations_actuelles f JOIN lycees l ON l.uai = f.uai AND l.actif = TRUE) AS diplomes, \
           (SELECT COUNT(DISTINCT dr.rome_code) FROM formations_actuelles f JOIN diplome_romes dr ON dr.cfd = f.cfd \
              JOIN romes r ON r.code = dr.rome_code) AS metiers, \
           (SELECT CAST(COALESCE(SUM(f.effectif), 0) AS BIGINT) FROM lycee_formations f) AS eleves, \
           (SELECT MAX(f.effectif_rentree) FROM lycee_formations f) AS eleves_rentree, \
           (SELECT COUNT(DISTINCT academie_code) FROM lycees WHERE actif = TRUE) AS academies"
    ).fetch_one(p).await)
}

/// A place and how many lycées it has.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AreaCount {
    pub code: String,
    pub nom: String,
    pub lycees: i64,
}

pub async fn academies_with_counts(db: &Db) -> sqlx::Result<Vec<AreaCount>> {
    on_db!(db, p => sqlx::query_as::<_, AreaCount>(
        "SELECT a.code, a.nom, COUNT(*) AS lycees FROM lycees l JOIN academies a ON a.code = l.academie_code \
         WHERE l.actif = TRUE GROUP BY a.code, a.nom ORDER BY a.nom"
    ).fetch_all(p).await)
}

pub async fn departements_with_counts(db: &Db, academie: &str) -> sqlx::Result<Vec<AreaCount>> {
    on_db!(db, p => sqlx::query_as::<_, AreaCount>(
        "SELECT d.code, d.nom, COUNT(*) AS lycees FROM lycees l JOIN departements d ON d.code = l.departement_code \
         WHERE l.actif = TRUE AND l.academie_code = $1 GROUP BY d.code, d.nom ORDER BY d.code"
    ).bind(academie).fetch_all(p).await)
}

pub async fn communes_with_counts(db: &Db, departement: &str) -> sqlx::Result<Vec<AreaCount>> {
    on_db!(db, p => sqlx::query_as::<_, AreaCount>(
        "SELECT c.code_insee AS code, c.nom, COUNT(*) AS lycees FROM lycees l JOIN communes c ON c.code_insee = l.commune_code \
         WHERE l.actif = TRUE AND l.departement_code = $1 GROUP BY c.code_insee, c.nom ORDER BY c.nom"
    ).bind(departement).fetch_all(p).await)
}

/// Label of an académie, département or commune by code.
pub async fn academie(db: &Db, code: &str) -> sqlx::Result<Option<Labelled>> {
    on_db!(db, p => sqlx::query_as::<_, Labelled>("SELECT code, nom AS libelle FROM academies WHERE code = $1")
        .bind(code).fetch_optional(p).await)
}

/// All académies (code, name), to accept a name where a code is expected.
pub async fn all_academies(db: &Db) -> sqlx::Result<Vec<Labelled>> {
    on_db!(db, p => sqlx::query_as::<_, Labelled>("SELECT code, nom AS libelle FROM academies ORDER BY nom")
        .fetch_all(p).await)
}

/// A département with its académie.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DepartementRow {
    pub code: String,
    pub nom: String,
    pub academie_code: Option<String>,
}

pub async fn departement(db: &Db, code: &str) -> sqlx::Result<Option<DepartementRow>> {
    on_db!(db, p => sqlx::query_as::<_, DepartementRow>("SELECT code, nom, academie_code FROM departements WHERE code = $1")
        .bind(code).fetch_optional(p).await)
}

/// A commune with what the API shows of it.
/// Which lycées a listing shows.
#[derive(Debug, Clone, Default)]
pub struct LyceeFilter {
    pub academie: Option<String>,
    pub departement: Option<String>,
    /// Communes (a whole city stands for its arrondissements).
    pub communes: Vec<String>,
    /// Latitude/longitude box (min lat, max lat, min lon, max lon).
    pub bbox: Option<(f64, f64, f64, f64)>,
}

fn push_filter<'a, DB: sqlx::Database>(qb: &mut QueryBuilder<'a, DB>, f: &'a LyceeFilter)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" WHERE l.actif = TRUE");
    if let Some(a) = &f.academie {
        qb.push(" AND l.academie_code = ").push_bind(a.clone());
    }
    if let Some(d) = &f.departement {
        qb.push(" AND l.departement_code = ").push_bind(d.clone());
    }
    if !f.communes.is_empty() {
        qb.push(" AND l.commune_code IN (");
        let mut sep = qb.separated(", ");
        for c in &f.communes {
            sep.push_bind(c.clone());
        }
        qb.push(")");
    }
    if let Some((la0, la1, lo0, lo1)) = f.bbox {
        qb.push(" AND l.lat BETWEEN ").push_bind(la0).push(" AND ").push_bind(la1);
        qb.push(" AND l.lon BETWEEN ").push_bind(lo0).push(" AND ").push_bind(lo1);
    }
}

/// Every lycée matching `f`, ordered by commune then name.
pub async fn lycees(db: &Db, f: &LyceeFilter) -> sqlx::Result<Vec<LyceeRow>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(LYCEE_SELECT);
        push_filter(&mut qb, f);
        qb.push(" ORDER BY c.nom, l.nom");
        qb.build_query_as::<LyceeRow>().fetch_all(p).await
    })
}

/// Students per lycée and ROME domain (3 characters), for the main job
/// families of each lycée of a list (places offered where no count is
/// known).
pub async fn domain_weights(db: &Db, uais: &[String]) -> sqlx::Result<Vec<(String, String, i64)>> {
    if uais.is_empty() {
        return Ok(Vec::new());
    }
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT f.uai, SUBSTR(dr.rome_code, 1, 3) AS domaine, CAST(SUM(COALESCE(f.effectif, f.places, 0)) AS BIGINT) AS n \
             FROM formations_actuelles f JOIN diplome_romes dr ON dr.cfd = f.cfd AND dr.rang = 1 WHERE f.uai IN (",
        );
        let mut sep = qb.separated(", ");
        for u in uais {
            sep.push_bind(u.clone());
        }
        qb.push(") GROUP BY f.uai, SUBSTR(dr.rome_code, 1, 3)");
        qb.build_query_as::<(String, String, i64)>().fetch_all(p).await
    })
}

/// The catalogue version (see the `catalogue_version` table).
pub async fn version(db: &Db) -> sqlx::Result<i64> {
    on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT version FROM catalogue_version WHERE id = 1").fetch_one(p).await)
}
