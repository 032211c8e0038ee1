//! Everything the in-memory search index is built from, read in a few
//! queries.

use super::Db;
use crate::on_db;

/// A lycée with its place and outcomes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CardRow {
    pub uai: String,
    pub nom: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub secteur: String,
    pub commune_code: String,
    pub commune_nom: String,
    pub departement_code: String,
    pub academie_code: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub taux_emploi_6_mois: Option<i64>,
    pub taux_poursuite_etudes: Option<i64>,
    pub valeur_ajoutee: Option<i64>,
}

pub async fn cards(db: &Db) -> sqlx::Result<Vec<CardRow>> {
    on_db!(db, p => sqlx::query_as::<_, CardRow>(
        "SELECT l.uai, l.nom, l.type, l.secteur, l.commune_code, c.nom AS commune_nom, l.departement_code, \
         l.academie_code, l.lat, l.lon, i.taux_emploi_6_mois, i.taux_poursuite_etudes, i.valeur_ajoutee \
         FROM lycees l JOIN communes c ON c.code_insee = l.commune_code \
         LEFT JOIN lycee_insertion i ON i.uai = l.uai WHERE l.actif = TRUE ORDER BY l.uai"
    ).fetch_all(p).await)
}

/// A diploma taught by a lycée; `effectif` is 0 when only the 2022 offer
/// knows it (no count).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfferRow {
    pub uai: String,
    pub cfd: String,
    pub libelle: String,
    pub niveau: String,
    pub effectif: i64,
    pub groupe_specialite: Option<String>,
}

/// What each lycée teaches under today's codes, for the search and the
/// routing: a renewed diploma as its successor, a diploma closed before
/// `today` (ISO) that nobody replaced left out (it may no longer be
/// prepared: no company is sent there for it).
pub async fn offers(db: &Db, today: &str) -> sqlx::Result<Vec<OfferRow>> {
    on_db!(db, p => sqlx::query_as::<_, OfferRow>(
        "SELECT f.uai, f.cfd, d.libelle, d.niveau, COALESCE(f.effectif, 0) AS effectif, d.groupe_specialite FROM formations_actuelles f \
         JOIN diplomes d ON d.cfd = f.cfd WHERE d.fermeture IS NULL OR d.fermeture >= $1 \
         ORDER BY f.uai, COALESCE(f.effectif, 0) DESC, f.cfd"
    ).bind(today).fetch_all(p).await)
}

/// (old CFD, current CFD) of every diploma the BCN renewed.
pub async fn renewed(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String)>(
        "SELECT cfd, successeur FROM diplomes WHERE successeur IS NOT NULL ORDER BY cfd"
    ).fetch_all(p).await)
}

/// (CFD, ROME) links towards known ROME sheets, main job first.
pub async fn diploma_romes(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String)>(
        "SELECT dr.cfd, dr.rome_code FROM diplome_romes dr JOIN romes r ON r.code = dr.rome_code ORDER BY dr.cfd, dr.rang"
    ).fetch_all(p).await)
}

/// (CFD, label) of the diplomas that lead to jobs.
pub async fn diplomas_with_jobs(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String)>(
        "SELECT d.cfd, d.libelle FROM diplomes d WHERE EXISTS (SELECT 1 FROM diplome_romes dr WHERE dr.cfd = d.cfd) ORDER BY d.cfd"
    ).fetch_all(p).await)
}

/// (NAF code, label, division) of every sub-class.
pub async fn naf(db: &Db) -> sqlx::Result<Vec<(String, String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String, String)>("SELECT code, libelle, division FROM naf ORDER BY code")
        .fetch_all(p).await)
}

/// (NAF division, ROME) links.
pub async fn naf_romes(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String)>(
        "SELECT division, rome_code FROM naf_division_romes ORDER BY division, rome_code"
    ).fetch_all(p).await)
}

/// (NAF 2025 sub-class, NAF rév. 2 sub-class) links of INSEE's
/// correspondence.
pub async fn naf2025(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String)>("SELECT code, naf_rev2 FROM naf2025 ORDER BY code, naf_rev2")
        .fetch_all(p).await)
}

/// A commune as a place to search around.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaceRow {
    pub code_insee: String,
    pub nom: String,
    pub departement_code: String,
    pub kind: String,
    pub parent_code: Option<String>,
    pub population: Option<i64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

pub async fn places(db: &Db) -> sqlx::Result<Vec<PlaceRow>> {
    on_db!(db, p => sqlx::query_as::<_, PlaceRow>(
        "SELECT code_insee, nom, departement_code, kind, parent_code, population, lat, lon FROM communes ORDER BY code_insee"
    ).fetch_all(p).await)
}

/// Every (INSEE code, postcode) pair.
pub async fn postcodes(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String)>(
        "SELECT code_insee, code_postal FROM commune_codes_postaux ORDER BY code_insee, code_postal"
    ).fetch_all(p).await)
}

/// (département, académie code, académie name).
pub async fn departement_academies(db: &Db) -> sqlx::Result<Vec<(String, String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String, String)>(
        "SELECT d.code, a.code, a.nom FROM departements d JOIN academies a ON a.code = d.academie_code ORDER BY d.code"
    ).fetch_all(p).await)
}

/// What lycées said they accept (routing and the search's `action` filter):
/// (uai, action codes or `None` for all, paused, capacity left).
pub async fn availability(db: &Db) -> sqlx::Result<Vec<(String, Option<String>, bool, Option<i64>)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, Option<String>, bool, Option<i64>)>(
        "SELECT uai, actions, en_pause, capacite FROM lycee_disponibilites"
    ).fetch_all(p).await)
}

/// A diploma that leads to jobs or is taught: (CFD, label, level code, NSF
/// specialty group). The taught codes are read once (`IN`, not a
/// correlated `EXISTS`: the view groups every line, and SQLite evaluated
/// it again for each of the 20,000 diplomas, minutes at start).
pub async fn diplomas(db: &Db) -> sqlx::Result<Vec<(String, String, String, Option<String>)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String, String, Option<String>)>(
        "SELECT d.cfd, d.libelle, d.niveau, d.groupe_specialite FROM diplomes d \
         WHERE EXISTS (SELECT 1 FROM diplome_romes dr WHERE dr.cfd = d.cfd) \
         OR d.cfd IN (SELECT f.cfd FROM formations_actuelles f) ORDER BY d.cfd"
    ).fetch_all(p).await)
}

/// (code, label) of the ROME grands domaines and professional domains.
pub async fn domains(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    on_db!(db, p => sqlx::query_as::<_, (String, String)>("SELECT code, libelle FROM domaines ORDER BY code")
        .fetch_all(p).await)
}
