//! What the public statistics read: the few columns of the requests created
//! in a period that the figures need, never a company's name or message.

use super::Db;
use crate::on_db;
use domain::lifecycle::RequestStatus;
use sqlx::QueryBuilder;

/// A request as the statistics see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatRow {
    pub cree_le: String,
    pub action: String,
    pub commune_code: String,
    pub academie_code: Option<String>,
    #[sqlx(try_from = "String")]
    pub statut: RequestStatus,
    /// The outcome of a closed request (`Outcome`).
    pub issue: Option<String>,
    /// When the lycée now answering took it.
    pub pris_le: Option<String>,
    pub satisfaction: Option<i64>,
    /// The partner platform it came through (`None`: the site).
    pub partenaire: Option<String>,
    /// Why the coordination has it (`CoordinationReason`): whether a lycée
    /// was written to at once.
    pub coordination: Option<String>,
}

/// The requests created from `from` (included) to `to` (excluded), both
/// stored timestamps, duplicates aside (they were never routed), of one
/// académie (code) and one action type when given.
pub async fn rows(
    db: &Db,
    from: &str,
    to: &str,
    academie: Option<&str>,
    action: Option<&str>,
) -> sqlx::Result<Vec<StatRow>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT cree_le, action, commune_code, academie_code, statut, issue, pris_le, satisfaction, partenaire, coordination \
             FROM demandes WHERE cree_le >= ",
        );
        qb.push_bind(from.to_string()).push(" AND cree_le < ").push_bind(to.to_string());
        qb.push(" AND statut <> ").push_bind(RequestStatus::Doublon.code());
        if let Some(a) = academie {
            qb.push(" AND academie_code = ").push_bind(a.to_string());
        }
        if let Some(a) = action {
            qb.push(" AND action = ").push_bind(a.to_string());
        }
        qb.build_query_as::<StatRow>().fetch_all(p).await
    })
}

/// When the first request that counts was created: where the history of
/// the open-data file starts.
pub async fn first_request_at(db: &Db) -> sqlx::Result<Option<String>> {
    on_db!(db, p => sqlx::query_scalar::<_, Option<String>>(
        "SELECT MIN(cree_le) FROM demandes WHERE statut <> $1"
    ).bind(RequestStatus::Doublon.code()).fetch_one(p).await)
}
