//! Queuing an email: `enqueue(tx, about, to, email, now)` writes it to the
//! outbox in the transaction of what it tells, so that no email leaves for
//! a change that did not happen and none is lost for one that did. The
//! worker (`crate::jobs`) delivers it.

use super::templates::Rendered;
use crate::security::random_id;
use crate::storage::Tx;
pub use crate::storage::outbox::OutboxRow;

/// The outbox row of an email, about a request (`about`) or not (sign-in
/// links, invitations).
pub fn message(about: Option<&str>, to: &str, r: Rendered) -> OutboxRow {
    OutboxRow {
        id: random_id(),
        demande_id: about.map(str::to_string),
        modele: r.template.to_string(),
        destinataire: to.to_string(),
        sujet: r.subject,
        corps: r.body,
        tentatives: 0,
        cible: None,
    }
}

/// The outbox rows of an email to every address of one link of a request's
/// chain (a lycée, a level of the coordination): one row per address, so
/// that one dead address never keeps the others from being written to, and
/// each failure is known by its address.
pub fn to_link(about: &str, to: &[String], r: &Rendered, cible: &str) -> Vec<OutboxRow> {
    to.iter()
        .map(|address| OutboxRow { cible: Some(cible.to_string()), ..message(Some(about), address, r.clone()) })
        .collect()
}

/// Queues one email in `tx`.
pub async fn enqueue(tx: &mut Tx, about: Option<&str>, to: &str, r: Rendered, now: &str) -> sqlx::Result<()> {
    crate::storage::outbox::insert_outbox(tx, &message(about, to, r), now).await
}

/// Queues several emails in `tx`, in one statement.
pub async fn enqueue_all(tx: &mut Tx, messages: &[OutboxRow], now: &str) -> sqlx::Result<()> {
    if messages.is_empty() {
        return Ok(());
    }
    crate::storage::outbox::insert_outboxes(tx, messages, now).await
}
