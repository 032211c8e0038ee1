//! The business figures of `/metrics`, read from the database at scrape
//! time: unlike counters kept in memory, they are right whatever instance
//! is scraped and survive restarts. One grouped query each, portable SQL.

use super::Db;
use super::api_keys::WebhookStatus;
use super::outbox::OutboxStatus;
use crate::on_db;
use domain::lifecycle::{Outcome, RequestStatus};
use time::OffsetDateTime;

/// What the operators watch: the requests' flow, the outbox, the schedule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BusinessFigures {
    /// Requests by status, every status present (0 included).
    pub by_status: Vec<(RequestStatus, i64)>,
    /// Closed requests by outcome, every outcome present.
    pub by_outcome: Vec<(Outcome, i64)>,
    /// Every request ever created.
    pub created: i64,
    /// Requests sent to at least one lycée.
    pub routed: i64,
    /// Requests a lycée took.
    pub taken: i64,
    /// Open requests nobody at all could be written to (no lycée, no
    /// coordination, no national contact): each one a person to find.
    pub without_contact: i64,
    /// Emails by status, every status present.
    pub emails: Vec<(OutboxStatus, i64)>,
    /// Age of the oldest email still to send, in seconds (0 when none).
    pub oldest_unsent_secs: i64,
    /// How late the schedule is: age of the oldest step due on an open
    /// request, in seconds (0 when none is due).
    pub schedule_lag_secs: i64,
    /// Partners' webhook events by status, every status present.
    pub webhooks: Vec<(WebhookStatus, i64)>,
    /// Age of the oldest webhook event still to deliver, in seconds.
    pub oldest_undelivered_webhook_secs: i64,
}

/// Reads the figures, ages measured at `now` (the application's clock).
pub async fn business_figures(db: &Db, now: OffsetDateTime) -> sqlx::Result<BusinessFigures> {
    let now_text = crate::clock::to_rfc3339(now);
    let statuses: Vec<(String, i64)> =
        on_db!(db, p => sqlx::query_as("SELECT statut, COUNT(*) FROM demandes GROUP BY statut").fetch_all(p).await)?;
    let outcomes: Vec<(String, i64)> = on_db!(db, p => sqlx::query_as(
        "SELECT issue, COUNT(*) FROM demandes WHERE issue IS NOT NULL GROUP BY issue"
    ).fetch_all(p).await)?;
    let (created, taken): (i64, i64) =
        on_db!(db, p => sqlx::query_as("SELECT COUNT(*), COUNT(pris_le) FROM demandes").fetch_one(p).await)?;
    // Read from the recipients' key (an index), not one probe per request.
    let routed: i64 = on_db!(db, p => sqlx::query_scalar("SELECT COUNT(DISTINCT demande_id) FROM destinataires")
        .fetch_one(p).await)?;
    let open_codes: Vec<&str> = RequestStatus::ALL.iter().filter(|s| s.is_open()).map(|s| s.code()).collect();
    let without_contact_sql = format!(
        "SELECT COUNT(*) FROM demandes WHERE coordination = $1 AND statut IN ({})",
        (2..open_codes.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
    );
    let without_contact: i64 = on_db!(db, p => {
        let mut q = sqlx::query_scalar::<_, i64>(&without_contact_sql)
        .bind(domain::routing::CoordinationReason::NoContact.code());
        for code in &open_codes {
            q = q.bind(*code);
        }
        q.fetch_one(p).await
    })?;
    // Counts from the status index alone; the oldest waiting row from the
    // partial index of the waiting rows (migration `pages_rapides`), whose
    // status must be written as a literal for either engine to use it.
    let emails: Vec<(String, i64)> =
        on_db!(db, p => sqlx::query_as("SELECT statut, COUNT(*) FROM outbox GROUP BY statut").fetch_all(p).await)?;
    let oldest_unsent: Option<String> = on_db!(db, p => sqlx::query_scalar(&format!(
        "SELECT MIN(cree_le) FROM outbox WHERE statut = '{}'", OutboxStatus::AEnvoyer.code()
    )).fetch_one(p).await)?;
    let webhooks: Vec<(String, i64)> =
        on_db!(db, p => sqlx::query_as("SELECT statut, COUNT(*) FROM webhooks GROUP BY statut").fetch_all(p).await)?;
    let oldest_undelivered: Option<String> = on_db!(db, p => sqlx::query_scalar(&format!(
        "SELECT MIN(cree_le) FROM webhooks WHERE statut = '{}'", WebhookStatus::AEnvoyer.code()
    )).fetch_one(p).await)?;
    let placeholders = (2..open_codes.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT MIN(prochaine_echeance) FROM demandes WHERE prochaine_echeance < $1 AND statut IN ({placeholders})"
    );
    let oldest_due: Option<String> = on_db!(db, p => {
        let mut q = sqlx::query_scalar::<_, Option<String>>(&sql).bind(&now_text);
        for code in &open_codes {
            q = q.bind(*code);
        }
        q.fetch_one(p).await
    })?;

    let count_of = |rows: &[(String, i64)], code: &str| rows.iter().find(|(c, _)| c == code).map_or(0, |(_, n)| *n);
    let age = |since: Option<&str>| since.and_then(crate::clock::parse).map_or(0, |t| (now - t).whole_seconds().max(0));
    Ok(BusinessFigures {
        by_status: RequestStatus::ALL.iter().map(|s| (*s, count_of(&statuses, s.code()))).collect(),
        by_outcome: Outcome::ALL.iter().map(|o| (*o, count_of(&outcomes, o.code()))).collect(),
        created,
        routed,
        taken,
        without_contact,
        emails: OutboxStatus::ALL.iter().map(|s| (*s, count_of(&emails, s.code()))).collect(),
        oldest_unsent_secs: age(oldest_unsent.as_deref()),
        schedule_lag_secs: age(oldest_due.as_deref()),
        webhooks: WebhookStatus::ALL.iter().map(|s| (*s, count_of(&webhooks, s.code()))).collect(),
        oldest_undelivered_webhook_secs: age(oldest_undelivered.as_deref()),
    })
}
