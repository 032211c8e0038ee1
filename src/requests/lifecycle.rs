//! Everything that happens to a request after routing, through one door:
//! [`RequestService::act`] loads the request, asks the domain's transition
//! function whether the event may happen now and what it changes, and
//! applies that plan — rows, story, emails, counters — in one transaction.
//! Handlers and the worker never change a request any other way.

use super::messages::{lycee_name, story_rows};
use super::{AnswerError, Attempt, RequestService, counters, month_of};
use crate::clock;
use crate::mail::outbox;
use crate::search::SearchIndex;
use crate::storage::requests::{self as store, DemandeRow, DestinataireRow};
use domain::lifecycle::{
    Actor, Done, Event, Mark, PartnerEvent, Plan, Recipient, RecipientRole, RecipientStatus, Request, RequestStatus,
    decide, next_due,
};
use domain::routing::CoordinationReason;
use time::OffsetDateTime;

/// What someone does to a request: the domain's event, who does it (a
/// person's name for the story), and the words it carries (a message, a
/// note, the reason of a decline, the company's comment).
#[derive(Debug, Clone)]
pub struct Action {
    pub event: Event,
    pub person: String,
    pub text: Option<String>,
}

impl Action {
    pub fn new(event: Event, person: &str) -> Action {
        Action { event, person: person.to_string(), text: None }
    }

    pub fn with_text(mut self, text: &str) -> Action {
        self.text = Some(text.to_string());
        self
    }
}

/// What an action did.
#[derive(Debug, Clone)]
pub struct Applied {
    pub plan: Plan,
    pub reference: String,
    /// Partners this action created (lycée, partner id): a request taken
    /// from a company the lycée did not know yet.
    pub new_partners: Vec<(String, String)>,
    /// Nobody at all could be given the request (counted once committed).
    pub(crate) no_contact: bool,
}

fn at(s: Option<&str>) -> Option<OffsetDateTime> {
    s.and_then(clock::parse)
}

/// The request as the lifecycle sees it.
pub fn to_domain(d: &DemandeRow, recips: &[DestinataireRow]) -> Request {
    Request {
        status: d.statut,
        started_at: clock::parse(&d.demarre_le)
            .or_else(|| clock::parse(&d.cree_le))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        responsible: d.responsable_uai.clone(),
        taken_at: at(d.pris_le.as_deref()),
        answered_at: at(d.repondu_le.as_deref()),
        ended_at: at(d.termine_le.as_deref()),
        recipients: recips
            .iter()
            .map(|r| Recipient {
                uai: r.uai.clone(),
                role: r.role,
                status: r.statut,
                notified_at: at(r.notifie_le.as_deref()),
                reminded: r.relance_le.is_some(),
                // Read by the service before it acts (`act`); pages that
                // only ask what a person may do need not know.
                reachable: true,
            })
            .collect(),
        done: Done {
            everyone_reminded: d.relance_tous_le.is_some(),
            escalated: d.escalade_le.is_some(),
            message_reminded: d.relance_message_le.is_some(),
            close_requested: d.demande_cloture_le.is_some(),
        },
        company_reopened: d.rouverte_par_entreprise,
        satisfaction: d.satisfaction.and_then(|s| u8::try_from(s).ok()),
        satisfaction_asked: d.avis_demande_le.is_some(),
    }
}

impl RequestService {
    /// Does `action` to request `demande_id` at `now`, if the lifecycle
    /// allows it: one transaction writes the request, its recipients, its
    /// story and its emails.
    ///
    /// A transaction aborted by a concurrent one (a deadlock) is run again
    /// from the start, the request read anew
    /// ([`crate::storage::retry_on_conflict`]).
    pub async fn act(
        &self,
        index: &SearchIndex,
        demande_id: &str,
        action: Action,
        now: OffsetDateTime,
    ) -> Result<Applied, AnswerError> {
        let applied = crate::storage::retry_on_conflict("action sur une demande", || {
            self.act_once(index, demande_id, action.clone(), now)
        })
        .await?;
        self.changed();
        counters::record(&applied.plan.transitions);
        if applied.no_contact {
            counters::no_contact();
        }
        Ok(applied)
    }

    /// One attempt of [`Self::act`]: the whole transaction.
    async fn act_once(
        &self,
        index: &SearchIndex,
        demande_id: &str,
        mut action: Action,
        now: OffsetDateTime,
    ) -> Result<Applied, Attempt> {
        if let Event::HandOver { from: Some(from), to, crosses_border } = &mut action.event {
            let academie = |u: &str| index.lycee(u).and_then(|l| l.academie.clone());
            *crosses_border = academie(from) != academie(to);
        }
        let mut tx = self.db.begin().await?;
        let d = store::demande_for_update(&mut tx, demande_id).await?.ok_or(AnswerError::Unknown)?;
        let recips = store::destinataires_in_tx(&mut tx, demande_id).await?;
        if let Event::Reopen { by: Actor::Company, candidates } = &mut action.event {
            *candidates = self.alternatives(index, &d, &recips, now).await?.into_iter().map(|(u, _)| u).collect();
        }
        // Who can be read now: the schedule gives no role to, and reminds
        // nobody in, a lycée nobody reads; nobody is handed a request there.
        let mut involved: Vec<String> = recips.iter().map(|r| r.uai.clone()).collect();
        if let Event::HandOver { to, .. } = &action.event {
            involved.push(to.clone());
        }
        let contacts = crate::storage::reach::contacts(&self.db, Some(&involved)).await?;
        let reachable = |uai: &str| contacts.get(uai).is_some_and(domain::reach::Contacts::reachable);
        if let Event::HandOver { to, .. } = &action.event
            && !reachable(to)
        {
            return Err(AnswerError::Refused(domain::lifecycle::Refusal::Unreachable).into());
        }
        let mut state = to_domain(&d, &recips);
        for r in &mut state.recipients {
            r.reachable = reachable(&r.uai);
        }
        let calendar = self.lifecycle_calendar(index, &d, &state);
        let plan = decide(&state, &action.event, now, &calendar, &self.deadlines)?;
        let after = state.apply(&plan, now);
        // The next step counts in the days of whoever it waits for now
        // (the pilot may have changed, a lycée may have taken it).
        let calendar = self.lifecycle_calendar(index, &d, &after);
        let now_s = clock::to_rfc3339(now);

        let mut next = d.clone();
        self.update_request(&mut next, &plan, &after, &action, &now_s);
        next.prochaine_echeance = next_due(&after, &calendar, &self.deadlines).map(clock::to_rfc3339);
        // The coordination of the request's académie is written to: the
        // first link of its chain someone reads, else nobody (said so).
        let mut no_contact = false;
        if plan.emails.iter().any(|e| matches!(e, domain::lifecycle::Email::Coordination { .. })) {
            let chain =
                crate::storage::reach::chain(&self.db, next.academie_code.as_deref(), self.national_contact.as_deref())
                    .await?;
            next.coordination_niveau = chain.first().map(|(level, _)| level);
            if next.coordination_niveau.is_none() && next.statut == RequestStatus::EnAttente {
                next.coordination = Some(CoordinationReason::NoContact);
                tracing::error!(demande = %next.reference, "demande sans aucun contact : personne à qui la confier");
                no_contact = true;
            }
        }
        store::update_demande(&mut tx, &next).await?;

        let mut rows = recips.clone();
        let mut notified = Vec::new();
        for change in &plan.recipients {
            let row = match rows.iter_mut().find(|r| r.uai == change.uai) {
                Some(row) => row,
                None => {
                    rows.push(self.new_recipient(index, &d, &rows, &change.uai, &action));
                    rows.last_mut().expect("la ligne vient d'être ajoutée")
                }
            };
            let decided = row.statut != change.status
                && matches!(
                    change.status,
                    RecipientStatus::PriseEnCharge | RecipientStatus::Declinee | RecipientStatus::Expiree
                );
            row.role = change.role;
            row.statut = change.status;
            if change.notify {
                row.notifie_le = Some(now_s.clone());
                notified.push(row.uai.clone());
            }
            row.relance_le = match (change.reminded, &row.relance_le) {
                (true, Some(t)) => Some(t.clone()),
                (true, None) => Some(now_s.clone()),
                (false, _) => None,
            };
            if let Some(reason) = &change.reason {
                row.motif = Some(match (&action.text, action.event.clone()) {
                    (Some(t), Event::Decline { .. }) => format!("{reason} : {t}"),
                    _ => reason.clone(),
                });
            } else if change.status.is_involved() {
                row.motif = None;
            }
            if decided {
                row.decide_le = Some(now_s.clone());
                row.decide_par = Some(action.person.clone());
            }
        }
        if let Some(domain::lifecycle::Mark::Outcome(outcome)) =
            plan.marks.iter().find(|m| matches!(m, Mark::Outcome(_)))
            && let Event::Close { by: Actor::Lycee(uai), .. } = &action.event
            && let Some(row) = rows.iter_mut().find(|r| &r.uai == uai)
        {
            row.issue = Some(outcome.code().to_string());
        }
        for change in &plan.recipients {
            let Some(row) = rows.iter().find(|r| r.uai == change.uai) else { continue };
            if change.new {
                store::insert_destinataire(&mut tx, row).await?;
            } else {
                store::update_destinataire(&mut tx, row).await?;
            }
        }
        // A message of the company waits for the lycées it was sent to.
        store::mark_unread(&mut tx, &d.id, &plan.unread, &now_s).await?;
        let mut new_partners = Vec::new();
        for uai in &plan.taken {
            // The company becomes (or stays) a partner of the lycée, with
            // this request in its history.
            if let Some(id) = crate::partners::record_request(&mut tx, uai, &next, &action.person, &now_s).await? {
                new_partners.push((uai.clone(), id));
            }
        }

        let first = store::next_event_order(&mut tx, &d.id).await?;
        let lines = story_rows(index, self, &next, &plan.story, &action, first, &now_s);
        store::insert_events(&mut tx, &lines).await?;
        let mails = self
            .plan_emails(index, &next, &rows, &plan.emails, &plan.story, &action.person, action.text.as_deref(), now)
            .await?;
        outbox::enqueue_all(&mut tx, &mails, &now_s).await?;
        let told = PartnerEvent::of_plan(d.statut, &plan);
        crate::partner_api::tell_partner(&mut tx, &next, &told, &now_s).await?;
        // Counted last, in one order (`store::count`).
        store::count(&mut tx, &notified, &plan.taken, &month_of(now)).await?;
        tx.commit().await?;
        Ok(Applied { plan, reference: d.reference, new_partners, no_contact })
    }

    /// The request's row after `plan`.
    fn update_request(&self, d: &mut DemandeRow, plan: &Plan, after: &Request, action: &Action, now_s: &str) {
        let was_open = d.statut.is_open();
        d.statut = plan.status;
        if d.responsable_uai != plan.responsible {
            d.responsable_nom = plan.responsible.as_ref().map(|_| action.person.clone());
        }
        d.responsable_uai = plan.responsible.clone();
        d.pris_le = after.taken_at.map(clock::to_rfc3339);
        d.repondu_le = after.answered_at.map(clock::to_rfc3339);
        let now = || Some(now_s.to_string());
        for mark in &plan.marks {
            match mark {
                Mark::EveryoneReminded => d.relance_tous_le = now(),
                Mark::Escalated => d.escalade_le = now(),
                Mark::MessageReminded => d.relance_message_le = now(),
                Mark::CloseRequested => d.demande_cloture_le = now(),
                Mark::Answered => {}
                Mark::Restarted => {
                    d.demarre_le = now_s.to_string();
                    d.relance_tous_le = None;
                    d.escalade_le = None;
                }
                Mark::CompanyReopened => d.rouverte_par_entreprise = true,
                Mark::Satisfaction(score) => {
                    d.satisfaction = Some(i64::from(*score));
                    d.satisfaction_commentaire = action.text.clone().filter(|t| !t.is_empty());
                    d.satisfaction_le = now();
                }
                Mark::SatisfactionAsked => d.avis_demande_le = now(),
                Mark::Outcome(outcome) => {
                    d.issue = Some(*outcome);
                    if let Event::Close { by, .. } = &action.event {
                        d.cloture_par = Some(by.kind());
                    }
                }
            }
        }
        if was_open && !d.statut.is_open() {
            d.termine_le = now();
        } else if !was_open && d.statut.is_open() {
            d.termine_le = None;
            d.issue = None;
            d.cloture_par = None;
        }
        if d.statut == RequestStatus::EnAttente && d.coordination.is_none() {
            d.coordination = Some(CoordinationReason::NoLyceeFits);
        }
        d.modifie_le = now_s.to_string();
    }

    /// The row of a lycée that joins a request (handed over, or found when
    /// the company re-opens it), with why.
    fn new_recipient(
        &self,
        index: &SearchIndex,
        d: &DemandeRow,
        rows: &[DestinataireRow],
        uai: &str,
        action: &Action,
    ) -> DestinataireRow {
        let place = index.places.get(&d.commune_code).and_then(|p| p.position);
        let distance = match (place, index.lycee(uai).and_then(|l| l.position)) {
            (Some(a), Some(b)) => domain::geo::round_km(a.distance_km(&b)),
            _ => 0.0,
        };
        let raisons = match &action.event {
            Event::HandOver { from: Some(f), .. } => {
                format!("Confiée par {} ({})", domain::text::the_lycee(&lycee_name(index, f)), action.person)
            }
            Event::HandOver { from: None, .. } => match action.text.as_deref().filter(|t| !t.is_empty()) {
                Some(why) => format!("Confiée par la coordination territoriale ({}), {why}", action.person),
                None => format!("Confiée par la coordination territoriale ({})", action.person),
            },
            _ => format!("Forme aussi aux métiers demandés, plus loin ({})", domain::routing::km_label(distance)),
        };
        DestinataireRow {
            demande_id: d.id.clone(),
            uai: uai.to_string(),
            role: RecipientRole::Appui,
            rang: rows.iter().map(|r| r.rang).max().unwrap_or(0) + 1,
            statut: RecipientStatus::Nouvelle,
            raisons,
            distance_km: distance,
            score: 0.0,
            motif: None,
            issue: None,
            notifie_le: None,
            decide_le: None,
            decide_par: None,
            relance_le: None,
        }
    }
}
