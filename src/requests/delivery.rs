//! An email of a request the mail system refused for good (an unknown
//! mailbox, a refused domain): the person it was for was not told, so
//! the request goes on to whoever comes next — the next lycée, the next
//! link of the coordination chain — and never counts the unsent email as
//! "transmise" (PRODUCT.md, "A request is never lost").

use super::schedule::SYSTEM_PERSON;
use super::{Action, AnswerError, RequestService, counters};
use crate::clock;
use crate::mail::outbox::{self, OutboxRow};
use crate::search::SearchIndex;
use crate::storage::reach;
use crate::storage::requests::{self as store, EventRow};
use domain::lifecycle::{ActorKind, Event, RecipientRole, RequestStatus};
use domain::reach::{CoordinationLevel, Target};
use domain::routing::CoordinationReason;
use time::OffsetDateTime;

impl RequestService {
    /// `mail` was finally not delivered (`error` says why): its address is
    /// remembered as dead, and when nobody else at that link reads, the
    /// request moves on.
    pub async fn undelivered(
        &self,
        index: &SearchIndex,
        mail: &OutboxRow,
        error: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let (Some(demande_id), Some(target)) = (&mail.demande_id, mail.cible.as_deref().and_then(Target::parse)) else {
            return Ok(());
        };
        let now_s = clock::to_rfc3339(now);
        reach::record_failed(&self.db, &mail.destinataire, error, &now_s).await?;
        match target {
            Target::Lycee(uai) => {
                // Someone else there (another officer, another address)
                // was written to by the same email.
                let contacts = reach::contacts(&self.db, Some(std::slice::from_ref(&uai))).await?;
                if contacts.get(&uai).is_some_and(domain::reach::Contacts::reachable) {
                    return Ok(());
                }
                let action = Action::new(Event::Undelivered { uai }, SYSTEM_PERSON);
                match self.act(index, demande_id, action, now).await {
                    // Nothing to do: the lycée had already answered, or the
                    // request ended.
                    Ok(_) | Err(AnswerError::Refused(_)) | Err(AnswerError::Unknown) => Ok(()),
                    Err(e) => Err(anyhow::anyhow!(e)),
                }
            }
            Target::Coordination(level) => self.coordination_undelivered(index, demande_id, level, now).await,
        }
    }

    /// The coordination's email was not delivered: when nobody at that
    /// level reads any more, the next link is written to; with nobody left,
    /// the request is kept and counted as reaching no one.
    async fn coordination_undelivered(
        &self,
        index: &SearchIndex,
        demande_id: &str,
        level: CoordinationLevel,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let Some(mut d) = store::demande_for_update(&mut tx, demande_id).await? else { return Ok(()) };
        let chain = reach::chain(&self.db, d.academie_code.as_deref(), self.national_contact.as_deref()).await?;
        let alive = match level {
            CoordinationLevel::Academie => !chain.academie.is_empty(),
            CoordinationLevel::National => !chain.national.is_empty(),
        };
        if alive || !d.statut.is_open() {
            return Ok(());
        }
        let next = match level {
            CoordinationLevel::Academie => chain.first_from(CoordinationLevel::National),
            CoordinationLevel::National => None,
        };
        let recips = store::destinataires_in_tx(&mut tx, demande_id).await?;
        let reached_lycee =
            recips.iter().any(|r| r.role != RecipientRole::Reserve && r.statut.is_involved() && r.notifie_le.is_some());
        let ordre = store::next_event_order(&mut tx, demande_id).await?;
        let line = |texte: String, public: bool| EventRow {
            id: crate::security::random_id(),
            demande_id: demande_id.to_string(),
            ordre,
            auteur: ActorKind::Systeme,
            uai: None,
            nom: None,
            texte,
            public,
            cree_le: now_s.clone(),
        };
        let mut mails: Vec<OutboxRow> = Vec::new();
        let event = match next {
            Some((next_level, to)) => {
                d.coordination_niveau = Some(next_level);
                let asked = recips
                    .iter()
                    .filter(|r| r.role != RecipientRole::Reserve && r.statut.is_involved())
                    .map(|r| format!("{} ({})", super::lycee_name(index, &r.uai), r.statut.label()))
                    .collect();
                let academie = super::messages::academie_name(index, &d).unwrap_or_default();
                let mail = self.coordination_email(
                    index,
                    &d,
                    &academie,
                    "la coordination de l'académie n'a pas pu recevoir cette demande (adresse en échec) : elle vous est \
                     transmise",
                    asked,
                );
                mails.extend(outbox::to_link(demande_id, to, &mail, &Target::Coordination(next_level).code()));
                line(
                    "La coordination de l'académie n'a pas pu être jointe : la demande est transmise à l'équipe \
                     nationale de MonLycéePro."
                        .to_string(),
                    !reached_lycee,
                )
            }
            None => {
                tracing::error!(demande = %d.reference, "demande sans aucun contact : la coordination n'a pu être jointe");
                counters::no_contact();
                d.coordination_niveau = None;
                if !reached_lycee {
                    d.coordination = Some(CoordinationReason::NoContact);
                    d.statut = RequestStatus::EnAttente;
                }
                line(
                    "Aucun interlocuteur de coordination n'a pu recevoir cette demande : elle reste enregistrée et \
                     sera transmise dès qu'un interlocuteur sera désigné."
                        .to_string(),
                    !reached_lycee,
                )
            }
        };
        d.modifie_le = now_s.clone();
        store::update_demande(&mut tx, &d).await?;
        store::insert_events(&mut tx, &[event]).await?;
        outbox::enqueue_all(&mut tx, &mails, &now_s).await?;
        tx.commit().await?;
        Ok(())
    }
}
