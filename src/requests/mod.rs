//! Company requests (demandes), from submission to their end.
//!
//! - `input`: what a company sends, validated (the journey's form and the
//!   API share it);
//! - `submit`: the routing decision and the request written with its
//!   recipients, story and emails;
//! - `lifecycle`: everything that happens afterwards — a lycée's answer, a
//!   message, a note, closing, re-opening, the company's word, the
//!   schedule's reminders — goes through one function: load the request,
//!   ask `domain::lifecycle::decide`, apply its plan in one transaction;
//! - `messages`: the French of the story lines and the emails of a plan;
//! - `schedule`: the worker's periodic look at the requests that are due;
//! - `views`: how recipients are shown.
//!
//! Every change is one transaction that also writes its story and its
//! emails (outbox): a request is never lost, an email is never sent for
//! something that did not happen.

mod delivery;
pub mod entreprises;
pub mod input;
mod lifecycle;
pub mod messages;
mod schedule;
mod submit;
pub mod views;

pub use lifecycle::{Action, Applied, to_domain as lifecycle_state};
pub use messages::{day_of, lycee_name};
pub use schedule::SYSTEM_PERSON;
pub use submit::{RoutingPreview, TradeNotice};
pub use views::{CoordinationView, RecipientView, view_of};

use crate::clock;
use crate::mail::outbox;
use crate::mail::templates;
use crate::security::{Signer, TokenError, token_hash};
use crate::storage::Db;
use crate::storage::requests::{self as store, DemandeRow};
use domain::calendar::{SchoolHolidays, WorkingCalendar};
use domain::lifecycle::{Deadlines, Refusal};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use time::{Duration, OffsetDateTime};

/// How long the links in a lycée's email work.
pub const LINK_DAYS: i64 = 30;
/// How long the company's link to give its word works.
pub const RATING_LINK_DAYS: i64 = 60;
/// The same company asking the same thing within this many days is a
/// duplicate.
pub const DUPLICATE_DAYS: i64 = 30;
/// How long, in days (twelve months), a company's follow-up link keeps
/// working after its request ended (or after a new link was sent).
pub const FOLLOW_LINK_DAYS: i64 = 365;
/// The widest radius of the routing (km): track records are read within
/// it, and a request that ended without answer looks this far for other
/// lycées.
pub const WIDEST_RADIUS_KM: f64 = 100.0;

/// The request service.
#[derive(Debug, Clone)]
pub struct RequestService {
    pub db: Db,
    pub signer: Signer,
    pub base_url: String,
    /// The schedule's deadlines (settings).
    pub deadlines: Deadlines,
    /// The official school calendar, when the data directory has it:
    /// school holidays are not working days.
    pub school: Option<Arc<SchoolHolidays>>,
    /// Bumped after every committed change of a request (submission or
    /// lifecycle), so that what is computed from requests (the public
    /// statistics) knows when to compute again.
    pub revision: Arc<AtomicU64>,
    /// `MLP_CONTACT_EMAIL`: the national contact, the last link of the
    /// coordination chain with the administrators.
    pub national_contact: Option<String>,
}

/// The result of a submission (`201` of `POST /api/v1/demandes`).
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: String,
    pub reference: String,
    pub statut: domain::lifecycle::RequestStatus,
    pub recipients: Vec<RecipientView>,
    pub widened_to: Option<f64>,
    /// Why the job itself is taught beyond the company's radius, and what
    /// was done about it.
    pub radius_note: Option<String>,
    /// The coordination, when it has the request too (or only it).
    pub coordination: Option<views::CoordinationView>,
    pub duplicate_of: Option<String>,
    pub token: String,
    pub follow_url: String,
}

/// Why something asked of a request did not happen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("cette demande n'existe plus")]
    Unknown,
    /// The lifecycle refuses it now (the reason says why).
    #[error("{0}")]
    Refused(Refusal),
    /// The database cannot serve right now (503): nothing was changed.
    #[error("le service est momentanément indisponible : rien n'a été modifié, réessayez dans quelques instants")]
    Unavailable,
    /// A bug (500): nothing was changed.
    #[error("erreur inattendue du service : rien n'a été modifié")]
    Internal,
}

impl From<Refusal> for AnswerError {
    fn from(r: Refusal) -> AnswerError {
        AnswerError::Refused(r)
    }
}

impl From<sqlx::Error> for AnswerError {
    fn from(e: sqlx::Error) -> AnswerError {
        tracing::error!(error = %e, "demande : erreur de la base");
        if crate::storage::is_unavailable(&e) { AnswerError::Unavailable } else { AnswerError::Internal }
    }
}

/// One attempt of a service's transaction went wrong: a business answer,
/// or a database error kept whole so that a conflict between concurrent
/// transactions can be told apart and the attempt run again
/// ([`crate::storage::retry_on_conflict`]); it becomes an [`AnswerError`]
/// once the attempts are over.
#[derive(Debug)]
pub(crate) enum Attempt {
    Answer(AnswerError),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Attempt {
    fn from(e: sqlx::Error) -> Attempt {
        Attempt::Database(e)
    }
}

impl From<AnswerError> for Attempt {
    fn from(e: AnswerError) -> Attempt {
        Attempt::Answer(e)
    }
}

impl From<Refusal> for Attempt {
    fn from(r: Refusal) -> Attempt {
        Attempt::Answer(AnswerError::Refused(r))
    }
}

impl From<Attempt> for AnswerError {
    fn from(a: Attempt) -> AnswerError {
        match a {
            Attempt::Answer(e) => e,
            Attempt::Database(e) => AnswerError::from(e),
        }
    }
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Attempt::Answer(e) => e.fmt(f),
            Attempt::Database(e) => e.fmt(f),
        }
    }
}

impl crate::storage::MaybeConflict for Attempt {
    fn is_conflict(&self) -> bool {
        matches!(self, Attempt::Database(e) if crate::storage::is_conflict(e))
    }
}

impl AnswerError {
    /// The HTTP status of the refusal: a database that cannot serve is
    /// never a business refusal; what the person may not see is a 404.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            AnswerError::Unknown | AnswerError::Refused(Refusal::NotRecipient) => StatusCode::NOT_FOUND,
            AnswerError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AnswerError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            AnswerError::Refused(_) => StatusCode::CONFLICT,
        }
    }
}

/// Who a one-click link is for.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkClaims {
    pub demande_id: String,
    pub uai: String,
}

impl RequestService {
    pub fn new(db: Db, signer: Signer, base_url: &str) -> RequestService {
        RequestService {
            db,
            signer,
            base_url: base_url.trim_end_matches('/').to_string(),
            deadlines: Deadlines::default(),
            school: None,
            revision: Arc::new(AtomicU64::new(0)),
            national_contact: None,
        }
    }

    /// Records that a request changed (after the commit), or who can be
    /// reached did: what is computed from them (statistics, dashboards)
    /// computes again.
    pub fn changed(&self) {
        self.revision.fetch_add(1, Ordering::Release);
    }

    /// The working days of a request's schedule: those of the lycée it
    /// waits for ([`domain::lifecycle::Request::calendar_lycee`]: the one
    /// leading the answer, else its pilot), the company's commune only when
    /// no lycée is left. A company across a border does not move a
    /// lycée's holidays.
    pub fn lifecycle_calendar<'a>(
        &'a self,
        index: &crate::search::SearchIndex,
        d: &DemandeRow,
        state: &domain::lifecycle::Request,
    ) -> WorkingCalendar<'a> {
        match state.calendar_lycee() {
            Some(uai) => self.lycee_calendar(index, uai, d),
            None => self.calendar(index, d),
        }
    }

    /// The working days of lycée `uai` (its département and académie),
    /// those of the request's commune when the lycée is unknown.
    pub fn lycee_calendar<'a>(
        &'a self,
        index: &crate::search::SearchIndex,
        uai: &str,
        d: &DemandeRow,
    ) -> WorkingCalendar<'a> {
        match index.lycee(uai) {
            Some(l) => {
                let academie = l
                    .academie
                    .as_deref()
                    .and_then(|c| index.academies.values().find(|(code, _)| code == c))
                    .map(|(_, name)| name.as_str());
                WorkingCalendar::new(&l.departement, academie, self.school.as_deref())
            }
            None => self.calendar(index, d),
        }
    }

    /// The working days of a request's commune (département and
    /// académie): what the coordination's dashboards count in, and the
    /// schedule's when no lycée is left.
    pub fn calendar<'a>(&'a self, index: &crate::search::SearchIndex, d: &DemandeRow) -> WorkingCalendar<'a> {
        self.calendar_of(index, &d.commune_code, d.academie_code.as_deref())
    }

    /// The working days of a request's commune and académie (code).
    pub fn calendar_of<'a>(
        &'a self,
        index: &crate::search::SearchIndex,
        commune_code: &str,
        academie_code: Option<&str>,
    ) -> WorkingCalendar<'a> {
        let departement = index.places.get(commune_code).map_or("75", |p| p.departement.as_str());
        let academie = academie_code
            .and_then(|c| index.academies.values().find(|(code, _)| code == c))
            .map(|(_, name)| name.as_str());
        WorkingCalendar::new(departement, academie, self.school.as_deref())
    }

    /// A business officer of lycée `uai` opened request `demande_id`: the
    /// company's message that waited for that lycée is read. Whether one
    /// did.
    pub async fn opened_by(&self, demande_id: &str, uai: &str) -> sqlx::Result<bool> {
        store::mark_read(&self.db, demande_id, uai).await
    }

    /// The company's private follow-up token of a request: unguessable
    /// without the key, the same in every email about the request, and
    /// replaced when the company asks for a new link (its version).
    pub fn follow_token(&self, d: &DemandeRow) -> String {
        follow_token_of(&self.signer, &d.id, d.jeton_version)
    }

    /// The follow-up page of a request.
    pub fn follow_url(&self, token: &str) -> String {
        format!("{}/suivi/{token}", self.base_url)
    }

    /// The guide for companies, linked from every email a company receives
    /// about its request: what each way of working with a lycée involves.
    pub fn guidance_url(&self) -> String {
        format!("{}/entreprises", self.base_url)
    }

    /// Whether the follow-up link of a request no longer opens it: a link
    /// works while the request is open and for [`FOLLOW_LINK_DAYS`] days
    /// after the later of its end and the link's issue.
    pub fn follow_link_expired(d: &DemandeRow, now: OffsetDateTime) -> bool {
        let Some(ended) = d.termine_le.as_deref() else { return false };
        let since = d.jeton_emis_le.as_deref().filter(|issued| *issued > ended).unwrap_or(ended);
        let horizon = clock::to_rfc3339(now - Duration::days(FOLLOW_LINK_DAYS));
        since < horizon.as_str()
    }

    /// A request by its private follow-up token.
    pub async fn by_token(&self, token: &str) -> sqlx::Result<Option<DemandeRow>> {
        if token.len() > 100 {
            return Ok(None);
        }
        store::demande_by_token_hash(&self.db, &token_hash(token)).await
    }

    /// Sends the company a new follow-up link (the old one stops working),
    /// to the address given in the request — whoever asks, the link only
    /// ever reaches that address.
    pub async fn renew_follow_link(&self, d: &DemandeRow, now: OffsetDateTime) -> anyhow::Result<()> {
        let now_s = clock::to_rfc3339(now);
        let version = d.jeton_version + 1;
        let token = follow_token_of(&self.signer, &d.id, version);
        let mail = templates::NewFollowLink {
            prenom: &d.contact_prenom,
            nom: &d.contact_nom,
            reference: &d.reference,
            follow_url: &self.follow_url(&token),
            months: FOLLOW_LINK_DAYS / 30,
        }
        .render_email();
        let mut tx = self.db.begin().await?;
        store::renew_follow_link(&mut tx, &d.id, version, &token_hash(&token), &now_s).await?;
        let line = store::EventRow {
            id: crate::security::random_id(),
            demande_id: d.id.clone(),
            ordre: store::next_event_order(&mut tx, &d.id).await?,
            auteur: domain::lifecycle::ActorKind::Systeme,
            uai: None,
            nom: None,
            texte: "Nouveau lien de suivi envoyé à l'entreprise.".into(),
            public: false,
            cree_le: now_s.clone(),
        };
        store::insert_events(&mut tx, &[line]).await?;
        outbox::enqueue(&mut tx, Some(&d.id), &d.contact_email, mail, &now_s).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The one-click link token of a recipient.
    pub fn link_token(&self, demande_id: &str, uai: &str, now: OffsetDateTime) -> String {
        let expires = (now + Duration::days(LINK_DAYS)).unix_timestamp();
        self.signer.sign("destinataire", &format!("{demande_id}|{uai}"), expires)
    }

    /// Checks a one-click link.
    pub fn check_link(&self, token: &str, now: OffsetDateTime) -> Result<LinkClaims, TokenError> {
        let payload = self.signer.verify("destinataire", token, now.unix_timestamp())?;
        let (demande_id, uai) = payload.split_once('|').ok_or(TokenError::Invalid)?;
        Ok(LinkClaims { demande_id: demande_id.to_string(), uai: uai.to_string() })
    }

    /// The company's link to say whether the request was useful.
    pub fn rating_token(&self, demande_id: &str, now: OffsetDateTime) -> String {
        self.signer.sign("avis", demande_id, (now + Duration::days(RATING_LINK_DAYS)).unix_timestamp())
    }

    /// The request a rating link is about.
    pub fn check_rating_token(&self, token: &str, now: OffsetDateTime) -> Result<String, TokenError> {
        self.signer.verify("avis", token, now.unix_timestamp())
    }

    /// The recipients of a request (pilot and supports first, no reserves).
    pub async fn recipients(
        &self,
        index: &crate::search::SearchIndex,
        demande_id: &str,
    ) -> sqlx::Result<Vec<RecipientView>> {
        Ok(store::destinataires(&self.db, demande_id)
            .await?
            .into_iter()
            .filter(|r| r.role != domain::lifecycle::RecipientRole::Reserve)
            .map(|r| view_of(index, &r))
            .collect())
    }
}

fn follow_token_of(signer: &Signer, id: &str, version: i64) -> String {
    match version {
        0 => signer.derive("suivi", id),
        v => signer.derive("suivi", &format!("{id}#{v}")),
    }
}

/// The calendar month of `now` ("2026-11"), the period of the fair share.
fn month_of(now: OffsetDateTime) -> String {
    format!("{}-{:02}", now.year(), u8::from(now.month()))
}

/// Counters of the lifecycle's transitions, for `/metrics`
/// (`mlp_demandes_transitions_total{transition="…"}`), per instance.
pub mod counters {
    use domain::lifecycle::Transition;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// One counter per transition, in [`Transition::ALL`]'s order.
    static TRANSITIONS: [AtomicU64; Transition::ALL.len()] = [const { AtomicU64::new(0) }; Transition::ALL.len()];

    fn slot(t: Transition) -> &'static AtomicU64 {
        let i = Transition::ALL.iter().position(|x| *x == t).unwrap_or_default();
        &TRANSITIONS[i]
    }

    /// Requests nobody at all could be written to, on this instance.
    static NO_CONTACT: AtomicU64 = AtomicU64::new(0);

    /// Counts a request written to nobody (`mlp_demandes_sans_contact_total`).
    pub fn no_contact() {
        NO_CONTACT.fetch_add(1, Ordering::Relaxed);
    }

    /// How many requests were written to nobody on this instance.
    pub fn no_contact_total() -> u64 {
        NO_CONTACT.load(Ordering::Relaxed)
    }

    /// Counts transitions that were committed.
    pub fn record(names: &[Transition]) {
        for t in names {
            slot(*t).fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Every transition, counted so far or not (at 0): a rate over a
    /// counter that appears late is wrong in Prometheus.
    pub fn snapshot() -> Vec<(&'static str, u64)> {
        Transition::ALL.iter().map(|t| (t.code(), slot(*t).load(Ordering::Relaxed))).collect()
    }
}
