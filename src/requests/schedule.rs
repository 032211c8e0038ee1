//! The schedule of requests, run by the worker: every request whose next
//! step is due (`prochaine_echeance`) gets an [`Event::Tick`], and the
//! lifecycle decides what happens — a reminder, the pilot role moving on,
//! the escalation to the coordinator, the honest end. Each step is
//! recorded on the request when it happens, so running the schedule twice
//! (two workers, a restart) never does a step twice.

use super::lifecycle::{Action, to_domain};
use super::{AnswerError, RequestService};
use crate::clock;
use crate::search::SearchIndex;
use crate::storage::requests as store;
use domain::lifecycle::{Event, next_due};
use time::OffsetDateTime;

/// The name the service acts under in the story.
pub const SYSTEM_PERSON: &str = "MonLycéePro";

/// Most requests looked at per round (the next round takes the rest).
const BATCH: i64 = 200;

impl RequestService {
    /// Lets the schedule act on every request that is due at `now`; how
    /// many changed.
    pub async fn run_schedule(&self, index: &SearchIndex, now: OffsetDateTime) -> anyhow::Result<usize> {
        let ids = store::due_requests(&self.db, &clock::to_rfc3339(now), BATCH).await?;
        let mut changed = 0;
        for id in ids {
            match self.act(index, &id, Action::new(Event::Tick, SYSTEM_PERSON), now).await {
                Ok(_) => changed += 1,
                Err(AnswerError::Refused(_)) => self.reschedule(index, &id, now).await?,
                Err(AnswerError::Unknown) => {}
                Err(e) => anyhow::bail!("échéancier des demandes : {e}"),
            }
        }
        Ok(changed)
    }

    /// Nothing was due after all (a request from before the schedule, or
    /// one another worker just handled): its next step is computed again.
    async fn reschedule(&self, index: &SearchIndex, id: &str, now: OffsetDateTime) -> sqlx::Result<()> {
        let mut tx = self.db.begin().await?;
        let Some(d) = store::demande_for_update(&mut tx, id).await? else { return Ok(()) };
        let recips = store::destinataires_in_tx(&mut tx, id).await?;
        let state = to_domain(&d, &recips);
        let calendar = self.lifecycle_calendar(index, &d, &state);
        let mut due = next_due(&state, &calendar, &self.deadlines);
        if due.is_some_and(|t| t <= now) {
            // The lifecycle and its schedule disagree: look again tomorrow
            // rather than every minute.
            tracing::warn!(demande = %d.reference, "échéance passée sans rien à faire : reportée d'un jour");
            due = Some(now + time::Duration::days(1));
        }
        store::set_next_due(&mut tx, id, due.map(clock::to_rfc3339).as_deref()).await?;
        tx.commit().await
    }
}
