//! The background worker: delivers the outbox with retries and backoff, and
//! runs the requests' schedule (reminders, escalation, the honest end). Several workers
//! may run against one PostgreSQL: emails are claimed with a lease (no email
//! sent twice) and periodic jobs take a named lease (no job run twice).

use crate::clock;
use crate::mail::Mailer;
use crate::requests::RequestService;
use crate::search::Search;
use crate::storage::outbox;
use crate::storage::requests as store;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};

/// Emails claimed per round.
const BATCH: i64 = 20;
/// How long a claimed email is reserved for its worker.
const LEASE: Duration = Duration::from_secs(120);
/// Attempts before an email is given up.
const MAX_ATTEMPTS: i64 = 12;
/// How often the requests' schedule is looked at.
pub const SCHEDULE_EVERY: Duration = Duration::from_secs(60);

/// How long the body of a sent email is kept (it holds private links).
pub const SENT_BODY_HOURS: i64 = 24;
/// How long the body of an email given up is kept, for the operators to
/// see what failed.
pub const FAILED_BODY_DAYS: i64 = 7;

/// How long the webhook loop lets events gather after a wake-up.
pub const WEBHOOK_GATHER: Duration = Duration::from_millis(100);

/// First delay before retrying a failed email.
pub const RETRY_BASE: Duration = Duration::from_secs(5);

/// Delay before retrying after `attempts` failures: `base` doubling, up to
/// one hour.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    base.saturating_mul(1u32 << attempts.clamp(0, 20)).min(Duration::from_secs(3600))
}

/// One worker.
#[derive(Clone)]
pub struct Worker {
    pub requests: RequestService,
    pub search: Arc<Search>,
    pub mailer: Arc<Mailer>,
    /// Identifies this worker's leases.
    pub id: String,
    /// Woken when something was queued, so emails leave at once.
    pub wake: Arc<Notify>,
    pub poll: Duration,
    /// First retry delay ([`RETRY_BASE`]; shorter in tests).
    pub retry_base: Duration,
    /// Where the time comes from (moved by tests).
    pub clock: Arc<dyn crate::clock::Clock>,
    /// How often (wall time) the periodic jobs run: [`SCHEDULE_EVERY`];
    /// tests that move time run them themselves.
    pub periodic_every: Duration,
    /// `MLP_RETENTION_MOIS`: months after a request ended before the
    /// company's personal data in it is anonymised.
    pub retention_months: u32,
    /// Partners' webhooks, delivered by their own loop ([`Worker::run`]).
    pub webhooks: crate::partner_api::Webhooks,
}

fn at(t: OffsetDateTime, d: Duration) -> String {
    clock::to_rfc3339(t + time::Duration::try_from(d).unwrap_or(time::Duration::ZERO))
}

impl Worker {
    /// Sends the emails due now; returns how many were delivered.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let db = &self.requests.db;
        let now = self.clock.now();
        let claimed = outbox::claim_outbox(db, &self.id, &clock::to_rfc3339(now), &at(now, LEASE), BATCH).await?;
        let mut sent = 0;
        for mail in claimed {
            match self.mailer.send(&mail.destinataire, &mail.sujet, &mail.corps, &mail.id).await {
                Ok(()) => {
                    if outbox::outbox_sent(db, &mail.id, &self.id, &clock::to_rfc3339(self.clock.now())).await? {
                        sent += 1;
                    }
                    // An address that failed before is read again.
                    if mail.cible.is_some() && crate::storage::reach::any_failed(db).await? {
                        crate::storage::reach::clear_failed(db, &mail.destinataire).await?;
                    }
                }
                Err(e) => {
                    let attempts = mail.tentatives + 1;
                    let retry = (attempts < MAX_ATTEMPTS && !e.permanent)
                        .then(|| at(self.clock.now(), backoff(self.retry_base, attempts)));
                    match &retry {
                        Some(_) => {
                            tracing::warn!(courriel = %mail.id, tentative = attempts, erreur = %e, "envoi impossible, nouvel essai prévu")
                        }
                        None => {
                            tracing::warn!(courriel = %mail.id, tentative = attempts, erreur = %e, "envoi abandonné")
                        }
                    }
                    outbox::outbox_failed(db, &mail.id, &self.id, &e.message, retry.as_deref()).await?;
                    if e.permanent {
                        // The mail system refused the address for good:
                        // nobody there read it, the request goes on to
                        // whoever comes next. Retries spent on a passing
                        // fault (our own mail server down) say nothing of
                        // the address: the email stays "echec" for the
                        // operators, nothing is marked dead.
                        let index = self.search.index();
                        let now = self.clock.now();
                        if let Err(err) = self.requests.undelivered(&index, &mail, &e.message, now).await {
                            tracing::error!(courriel = %mail.id, erreur = %err, "suite d'un courriel non distribué impossible");
                        }
                    }
                }
            }
        }
        Ok(sent)
    }

    /// Lets the requests' schedule act (reminders, the pilot role moving
    /// on, escalation, the end without answer), if this worker holds the
    /// job's lease: two workers never run it together, and each step is
    /// recorded on its request, so none is ever done twice.
    pub async fn run_schedule(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let db = &self.requests.db;
        if !store::claim_task(db, "echeancier", &self.id, &clock::to_rfc3339(now), &at(now, SCHEDULE_EVERY)).await? {
            return Ok(0);
        }
        let index = self.search.index();
        let changed = self.requests.run_schedule(&index, now).await?;
        if changed > 0 {
            tracing::info!(demandes = changed, "échéancier des demandes : relances et échéances traitées");
            self.wake.notify_one();
        }
        Ok(changed)
    }

    /// Queues the reminders of conventions about to end, if this worker
    /// holds the job's lease (once an hour at most).
    pub async fn remind_conventions(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let db = &self.requests.db;
        let lease = Duration::from_secs(3600);
        if !store::claim_task(db, "rappels_conventions", &self.id, &clock::to_rfc3339(now), &at(now, lease)).await? {
            return Ok(0);
        }
        let queued = crate::partners::remind_conventions(db, &self.requests.base_url, now).await?;
        if queued > 0 {
            tracing::info!(rappels = queued, "rappels de fin de convention en file");
            self.wake.notify_one();
        }
        Ok(queued)
    }

    /// Queues the reminders of the events starting within a day, to their
    /// confirmed registrants, if this worker holds the job's lease (once
    /// every [`SCHEDULE_EVERY`] at most); each registration records its
    /// reminder, so none leaves twice whoever runs the job.
    pub async fn remind_events(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let db = &self.requests.db;
        if !store::claim_task(db, "rappels_evenements", &self.id, &clock::to_rfc3339(now), &at(now, SCHEDULE_EVERY))
            .await?
        {
            return Ok(0);
        }
        let index = self.search.index();
        let lycee_of = |uai: &str| match index.lycee(uai) {
            Some(l) => (l.nom.clone(), l.departement.clone()),
            None => (uai.to_string(), "75".to_string()),
        };
        let queued = crate::events::remind(db, &self.requests.signer, &self.requests.base_url, &lycee_of, now).await?;
        if queued > 0 {
            tracing::info!(rappels = queued, "rappels des événements de demain en file");
            self.wake.notify_one();
        }
        Ok(queued)
    }

    /// Erases the bodies of old sent emails (and, without SMTP, the files
    /// they were written to), if this worker holds the job's lease (once an
    /// hour at most). How many outbox bodies were erased.
    pub async fn purge_sent_emails(&self, now: OffsetDateTime) -> anyhow::Result<u64> {
        let db = &self.requests.db;
        let lease = Duration::from_secs(3600);
        if !store::claim_task(db, "purge_courriels", &self.id, &clock::to_rfc3339(now), &at(now, lease)).await? {
            return Ok(0);
        }
        let sent_before = clock::to_rfc3339(now - time::Duration::hours(SENT_BODY_HOURS));
        let failed_before = clock::to_rfc3339(now - time::Duration::days(FAILED_BODY_DAYS));
        let purged = outbox::purge_outbox_bodies(db, &sent_before, &failed_before).await?;
        if purged > 0 {
            tracing::info!(courriels = purged, "contenu des courriels envoyés effacé");
        }
        // Without SMTP, the emails written as files hold the same links.
        let cutoff = std::time::SystemTime::from(now - time::Duration::hours(SENT_BODY_HOURS));
        match self.mailer.purge_files(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(fichiers = n, "courriels écrits en fichiers effacés"),
            Err(e) => tracing::warn!(erreur = %e, "effacement des courriels écrits en fichiers impossible"),
        }
        Ok(purged)
    }

    /// Anonymises the company's personal data of the requests ended more
    /// than `MLP_RETENTION_MOIS` months before `now`, if this worker holds
    /// the job's lease (once an hour at most; each request is done once,
    /// in its own transaction). How many requests were anonymised.
    pub async fn anonymise_expired(&self, now: OffsetDateTime) -> anyhow::Result<usize> {
        let db = &self.requests.db;
        let lease = Duration::from_secs(3600);
        if !store::claim_task(db, "effacement_donnees", &self.id, &clock::to_rfc3339(now), &at(now, lease)).await? {
            return Ok(0);
        }
        let done = crate::privacy::anonymise_ended(&self.requests, self.retention_months, now).await?;
        let registrations = crate::events::anonymise_ended(db, self.retention_months, now).await?;
        if registrations > 0 {
            tracing::info!(
                inscriptions = registrations,
                mois = self.retention_months,
                "données personnelles des inscriptions aux événements effacées (durée de conservation atteinte)"
            );
        }
        if done > 0 {
            tracing::info!(
                demandes = done,
                mois = self.retention_months,
                "données personnelles des entreprises effacées (durée de conservation atteinte)"
            );
        }
        Ok(done)
    }

    /// Delivers the partners' webhooks due now (see `crate::partner_api`).
    pub async fn deliver_webhooks(&self) -> anyhow::Result<crate::partner_api::Round> {
        self.webhooks.deliver_due(&self.id, self.clock.now(), self.retry_base, &self.clock).await
    }

    /// Delivers webhooks until `stop` turns true: a loop of its own, so
    /// that a partner's slow endpoint never holds the emails back. After a
    /// wake-up it lets [`WEBHOOK_GATHER`] pass, so that the events of a
    /// burst of requests leave in one round (one claim and one commit for
    /// up to a batch, instead of two commits per event competing with the
    /// requests for the database).
    async fn run_webhooks(self, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let started = std::time::Instant::now();
            let full = match self.deliver_webhooks().await {
                Ok(round) => {
                    if round.delivered + round.failed > 0 {
                        tracing::debug!(
                            remis = round.delivered,
                            echecs = round.failed,
                            ms = started.elapsed().as_millis() as u64,
                            "webhooks : tour de livraison"
                        );
                    }
                    round.full()
                }
                Err(e) => {
                    tracing::warn!(erreur = %e, "file des webhooks inaccessible");
                    false
                }
            };
            if full {
                continue;
            }
            tokio::select! {
                _ = self.webhooks.wake.notified() => {},
                _ = tokio::time::sleep(self.poll) => {},
                _ = stop.changed() => {},
            }
            tokio::time::sleep(WEBHOOK_GATHER).await;
        }
    }

    /// Runs until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let webhooks = tokio::spawn(self.clone().run_webhooks(stop.clone()));
        let _webhooks = AbortOnDrop(webhooks);
        let mut last_overdue =
            std::time::Instant::now().checked_sub(self.periodic_every).unwrap_or_else(std::time::Instant::now);
        loop {
            if *stop.borrow() {
                return;
            }
            // Whatever woke the emails may have queued webhooks too.
            self.webhooks.wake.notify_one();
            let delivered = match self.deliver_due().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(erreur = %e, "file des courriels inaccessible");
                    0
                }
            };
            if last_overdue.elapsed() >= self.periodic_every {
                last_overdue = std::time::Instant::now();
                if let Err(e) = self.run_schedule().await {
                    tracing::warn!(erreur = %e, "échéancier des demandes impossible");
                }
                if let Err(e) = self.remind_conventions().await {
                    tracing::warn!(erreur = %e, "rappels de fin de convention impossibles");
                }
                if let Err(e) = self.remind_events().await {
                    tracing::warn!(erreur = %e, "rappels des événements impossibles");
                }
                if let Err(e) = self.purge_sent_emails(self.clock.now()).await {
                    tracing::warn!(erreur = %e, "effacement des courriels envoyés impossible");
                }
                if let Err(e) = self.anonymise_expired(self.clock.now()).await {
                    tracing::warn!(erreur = %e, "effacement des données personnelles échues impossible");
                }
            }
            if delivered as i64 == BATCH {
                continue;
            }
            tokio::select! {
                _ = self.wake.notified() => {},
                _ = tokio::time::sleep(self.poll) => {},
                _ = stop.changed() => {},
            }
        }
    }
}

/// Stops the webhook loop with the worker that started it.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = super::RETRY_BASE;
        assert_eq!(backoff(base, 0), Duration::from_secs(5));
        assert_eq!(backoff(base, 1), Duration::from_secs(10));
        assert_eq!(backoff(base, 3), Duration::from_secs(40));
        assert_eq!(backoff(base, 20), Duration::from_secs(3600));
        assert_eq!(backoff(base, -3), Duration::from_secs(5));
    }
}
