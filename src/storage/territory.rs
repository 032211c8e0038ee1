//! What a coordinator's dashboard reads: the requests of a territory (with
//! filters), each lycée's answers, and whether each lycée can be reached.

use super::Db;
use super::requests::DemandeRow;
use crate::on_db;
use domain::lifecycle::{RecipientRole, RecipientStatus, RequestStatus};
use sqlx::QueryBuilder;

/// Which lycées and requests a territory holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole country (administrators).
    National,
    /// An académie (its code), with the lycées of a bassin if any.
    Academie(String, Vec<String>),
    /// A bassin: a list of lycées.
    Lycees(Vec<String>),
}

/// The filters of the dashboard.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub action: Option<String>,
    /// A professional domain ("F16"): requests asking a job of it.
    pub domain: Option<String>,
    /// Requests that went to this lycée.
    pub lycee: Option<String>,
    /// Created at or after (RFC 3339).
    pub from: Option<String>,
    /// Created before (RFC 3339).
    pub until: Option<String>,
}

/// Appends `AND …` for the scope and filters to a query on `demandes r`.
fn push_conditions<'a, DB: sqlx::Database>(qb: &mut QueryBuilder<'a, DB>, scope: &'a Scope, f: &'a Filters)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" AND r.statut <> ").push_bind(RequestStatus::Doublon.code());
    let told = |qb: &mut QueryBuilder<'a, DB>, uais: &'a [String]| {
        qb.push("r.id IN (SELECT demande_id FROM destinataires WHERE role <> ")
            .push_bind(RecipientRole::Reserve.code())
            .push(" AND uai IN (");
        let mut sep = qb.separated(", ");
        for u in uais {
            sep.push_bind(u.clone());
        }
        qb.push("))");
    };
    match scope {
        Scope::National => {}
        Scope::Academie(code, bassin) => {
            qb.push(" AND (r.academie_code = ").push_bind(code.clone());
            if !bassin.is_empty() {
                qb.push(" OR ");
                told(qb, bassin);
            }
            qb.push(")");
        }
        Scope::Lycees(uais) if uais.is_empty() => {
            qb.push(" AND 1 = 0");
        }
        Scope::Lycees(uais) => {
            qb.push(" AND ");
            told(qb, uais);
        }
    }
    if let Some(a) = &f.action {
        qb.push(" AND r.action = ").push_bind(a.clone());
    }
    if let Some(d) = &f.domain {
        // ROME codes are a letter and four digits, comma-separated: a
        // domain ("F16") only ever matches the start of a code.
        qb.push(" AND r.metiers LIKE ").push_bind(format!("%{d}%"));
    }
    if let Some(u) = &f.lycee {
        qb.push(" AND r.id IN (SELECT demande_id FROM destinataires WHERE uai = ").push_bind(u.clone()).push(")");
    }
    if let Some(t) = &f.from {
        qb.push(" AND r.cree_le >= ").push_bind(t.clone());
    }
    if let Some(t) = &f.until {
        qb.push(" AND r.cree_le < ").push_bind(t.clone());
    }
}

/// The requests of a territory, newest first (at most `limit`).
pub async fn requests(db: &Db, scope: &Scope, f: &Filters, limit: i64) -> sqlx::Result<Vec<DemandeRow>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new("SELECT r.* FROM demandes r WHERE 1 = 1");
        push_conditions(&mut qb, scope, f);
        qb.push(" ORDER BY r.cree_le DESC, r.reference DESC LIMIT ").push_bind(limit);
        qb.build_query_as::<DemandeRow>().fetch_all(p).await
    })
}

/// Requests of the territory alike for coverage: commune, action, jobs
/// asked, and how many (the whole history the filters keep, grouped).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AskedGroup {
    pub commune_code: String,
    pub commune_nom: String,
    pub action: String,
    pub metiers: String,
    pub n: i64,
}

/// Every request of the territory for coverage, grouped (commune, action,
/// jobs): not limited like [`requests`], so that a large territory's older
/// requests count too.
pub async fn asked(db: &Db, scope: &Scope, f: &Filters) -> sqlx::Result<Vec<AskedGroup>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT r.commune_code, r.commune_nom, r.action, r.metiers, COUNT(*) AS n FROM demandes r WHERE 1 = 1",
        );
        push_conditions(&mut qb, scope, f);
        qb.push(" GROUP BY r.commune_code, r.commune_nom, r.action, r.metiers");
        qb.build_query_as::<AskedGroup>().fetch_all(p).await
    })
}

/// How many of a lycée's answers to the territory's requests share one
/// status, decline reason, lead, outcome and rating: the dashboard reads
/// these groups rather than thousands of rows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AnswerCount {
    pub uai: String,
    #[sqlx(try_from = "String")]
    pub statut: RecipientStatus,
    pub motif: Option<String>,
    /// The lycée led the answer.
    pub responsable: bool,
    pub issue: Option<String>,
    pub satisfaction: Option<i64>,
    /// Answers decided (taken, declined) with a date.
    pub decided: i64,
    pub n: i64,
}

/// The joins and conditions of the answers of `scope`'s lycées to the
/// territory's requests (reserves aside). For a list of lycées, their own
/// rows are read directly rather than through the requests they were told.
fn push_answers<'a, DB: sqlx::Database>(qb: &mut QueryBuilder<'a, DB>, scope: &'a Scope, f: &'a Filters)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" FROM destinataires d JOIN demandes r ON r.id = d.demande_id WHERE d.role <> ");
    qb.push_bind(RecipientRole::Reserve.code());
    match scope {
        Scope::Lycees(uais) if !uais.is_empty() => {
            qb.push(" AND d.uai IN (");
            let mut sep = qb.separated(", ");
            for u in uais {
                sep.push_bind(u.clone());
            }
            qb.push(")");
            static NATIONAL: Scope = Scope::National;
            push_conditions(qb, &NATIONAL, f);
        }
        _ => push_conditions(qb, scope, f),
    }
}

/// Every lycée's answers to the territory's requests, counted by kind.
pub async fn answer_counts(db: &Db, scope: &Scope, f: &Filters) -> sqlx::Result<Vec<AnswerCount>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT d.uai, d.statut, d.motif, \
             (r.responsable_uai IS NOT NULL AND r.responsable_uai = d.uai) AS responsable, r.issue, r.satisfaction, \
             COUNT(d.decide_le) AS decided, COUNT(*) AS n",
        );
        push_answers(&mut qb, scope, f);
        qb.push(" GROUP BY d.uai, d.statut, d.motif, (r.responsable_uai IS NOT NULL AND r.responsable_uai = d.uai), r.issue, r.satisfaction");
        qb.build_query_as::<AnswerCount>().fetch_all(p).await
    })
}

/// When each taken answer was told and taken (uai, notified, decided): the
/// medians need every delay.
pub async fn take_delays(db: &Db, scope: &Scope, f: &Filters) -> sqlx::Result<Vec<(String, String, String)>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new("SELECT d.uai, d.notifie_le, d.decide_le");
        push_answers(&mut qb, scope, f);
        qb.push(" AND d.statut IN (")
            .push_bind(RecipientStatus::PriseEnCharge.code())
            .push(", ")
            .push_bind(RecipientStatus::Cloturee.code())
            .push(") AND d.notifie_le IS NOT NULL AND d.decide_le IS NOT NULL");
        qb.build_query_as::<(String, String, String)>().fetch_all(p).await
    })
}
