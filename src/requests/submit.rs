//! A company's request, submitted: recognised as a duplicate, or routed
//! (`domain::routing`) and written with its recipients, its story and its
//! emails in one transaction, before the company sees its confirmation.

use super::input::ValidRequest;
use super::views::{CoordinationView, RecipientView};
use super::{DUPLICATE_DAYS, RequestService, Submitted, WIDEST_RADIUS_KM, follow_token_of, month_of};
use crate::clock;
use crate::mail::outbox::{self, OutboxRow};
use crate::mail::templates;
use crate::search::SearchIndex;
use crate::security::{random_id, token_hash};
use crate::storage::requests::{self as store, DemandeRow, DestinataireRow, EventRow};
use domain::lifecycle::{
    Done, PartnerEvent, RecipientRole, RecipientStatus, Request, RequestStatus, Transition, next_due,
};
use domain::matching::WantedJob;
use domain::reach::{Chain, Target};
use domain::routing::{Candidate, CoordinationReason, Decision, RoutingRequest, TradeBeyond, km_words, route};
use domain::text::at_lycee;
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

/// A line of the submission's story that only the submission tells.
fn line(d: &DemandeRow, ordre: i64, uai: Option<&str>, texte: String, public: bool, now_s: &str) -> EventRow {
    EventRow {
        id: random_id(),
        demande_id: d.id.clone(),
        ordre,
        auteur: domain::lifecycle::ActorKind::Systeme,
        uai: uai.map(str::to_string),
        nom: None,
        texte,
        public,
        cree_le: now_s.to_string(),
    }
}

/// "au lycée A (coordonne la réponse), au lycée B (participe à la
/// réponse)": where a request went, for its story.
fn sent_to(recipients: &[RecipientView]) -> String {
    recipients.iter().map(|r| format!("{} ({})", at_lycee(&r.nom), r.role.label())).collect::<Vec<_>>().join(", ")
}

/// Everything a submission writes, prepared before its transaction.
struct SubmissionPlan {
    demande: DemandeRow,
    recipients: Vec<DestinataireRow>,
    events: Vec<EventRow>,
    mails: Vec<OutboxRow>,
    /// The lycées told now (counted as having received one more request).
    notified: Vec<String>,
    /// What the company is answered.
    submitted: Submitted,
}

/// Who a request would go to, before it is sent (the journey's last step).
#[derive(Debug, Clone)]
pub struct RoutingPreview {
    /// (lycée, commune, role label, distance, what it teaches for the
    /// request) of the pilot and supports.
    pub recipients: Vec<(String, String, &'static str, String, String)>,
    /// The radius used, when wider than the company's.
    pub widened_to: Option<f64>,
    /// The job itself is only taught beyond the company's radius.
    pub trade: Option<TradeNotice>,
    /// The job itself is not taught at the levels the company chose, and
    /// where it is at another: « Aucun lycée ne forme au métier … au
    /// niveau CAP à moins de 100 km ; à un autre niveau, le plus proche
    /// est à 12 km, à Aurillac. »
    pub other_levels: Option<String>,
    /// What the company would read of the coordination, when it would
    /// have the request too (or only it).
    pub coordination: Option<String>,
}

/// What the company is told when the job itself is only taught beyond its
/// radius, and the choice it has.
#[derive(Debug, Clone)]
pub struct TradeNotice {
    /// "Aucun lycée ne forme au métier « … » à moins de 30 km ; le plus
    /// proche est à 72 km, à Saint-Flour."
    pub found: String,
    /// The company's radius and the one that reaches the trade ("30 km").
    pub asked_label: String,
    pub wider_label: String,
    /// Whether the company kept its radius.
    pub kept: bool,
}

/// Where the job itself is taught, when not within the company's radius.
fn trade_found(index: &SearchIndex, asked_km: f64, beyond: &TradeBeyond) -> String {
    let job = index.rome_labels.get(&beyond.rome).map_or(beyond.rome.as_str(), String::as_str);
    format!(
        "Aucun lycée ne forme au métier « {job} » à moins de {}\u{a0}; le plus proche est à {}, {}.",
        km_words(asked_km),
        km_words(beyond.distance_km),
        domain::text::at_place(&beyond.commune)
    )
}

/// The job is not taught at the levels chosen within the widest radius;
/// where it is at another level, and (`related`: lycées teaching related
/// jobs were chosen) who has the request instead.
fn other_levels_found(index: &SearchIndex, levels: &[domain::Niveau], beyond: &TradeBeyond, related: bool) -> String {
    let job = index.rome_labels.get(&beyond.rome).map_or(beyond.rome.as_str(), String::as_str);
    let levels: Vec<&str> = levels.iter().map(|n| n.label()).collect();
    format!(
        "Aucun lycée ne forme au métier « {job} » au niveau {} à moins de {}\u{a0}; à un autre niveau, le plus proche est à {}, {}. \
         {}Pour viser ce métier, modifiez les niveaux d'études.",
        levels.join(" ou "),
        km_words(domain::routing::WIDENING_STEPS[domain::routing::WIDENING_STEPS.len() - 1]),
        km_words(beyond.distance_km),
        domain::text::at_place(&beyond.commune),
        if related { "Votre demande va à des lycées qui forment à des métiers proches. " } else { "" }
    )
}

/// [`trade_found`], and what was done about it (the company's story).
fn trade_sentence(index: &SearchIndex, asked_km: f64, beyond: &TradeBeyond, used_km: f64) -> String {
    let found = trade_found(index, asked_km, beyond);
    if beyond.reached {
        format!("{found} Le rayon a été élargi à {} pour l'inclure.", km_words(used_km))
    } else {
        format!(
            "{found} Vous avez choisi de garder votre rayon : des lycées qui forment à des métiers proches reçoivent votre demande."
        )
    }
}

impl RequestService {
    /// The routing of a validated request as it would be decided now (the
    /// lycées' availability and track records are read, nothing written).
    async fn decide<'i>(
        &self,
        index: &'i SearchIndex,
        v: &ValidRequest,
        now: OffsetDateTime,
    ) -> sqlx::Result<Decision<'i>> {
        let wanted: Vec<WantedJob> = v.jobs.iter().map(|(r, w)| WantedJob::new(r, *w)).collect();
        let center = v.commune.position;
        let (la0, la1, lo0, lo1) = center.bounding_box(WIDEST_RADIUS_KM.max(v.rayon_km));
        let nearby: Vec<String> = index
            .lycees
            .iter()
            .filter(|l| l.position.is_some_and(|p| p.lat >= la0 && p.lat <= la1 && p.lon >= lo0 && p.lon <= lo1))
            .map(|l| l.uai.clone())
            .collect();
        let status = store::routing_status(&self.db, &nearby, &month_of(now)).await?;
        let request = RoutingRequest {
            action: v.action,
            wanted: &wanted,
            levels: &v.niveaux,
            center,
            radius_km: v.rayon_km,
            origin: v.lycee.as_deref(),
            excluded: &[],
            rome_labels: &index.rome_labels,
            kinship: &index.kinship,
            keep_radius: v.garder_rayon,
        };
        Ok(route(&request, &index.lycees, &|uai| status.get(uai).cloned().unwrap_or_default()))
    }

    /// Who the request would go to if sent now, and what the company should
    /// know first (the job only taught farther away).
    pub async fn preview(
        &self,
        index: &SearchIndex,
        v: &ValidRequest,
        now: OffsetDateTime,
    ) -> sqlx::Result<RoutingPreview> {
        let decision = self.decide(index, v, now).await?;
        let recipients = decision
            .pilot
            .iter()
            .map(|c| (c, RecipientRole::Pilote))
            .chain(decision.supports.iter().map(|c| (c, RecipientRole::Appui)))
            .map(|(c, role)| {
                // The reason naming the diploma: "CAP boulanger → Boulanger (métier proche)".
                let teaches = c.reasons.iter().find(|r| r.contains(" → ")).cloned().unwrap_or_default();
                (c.lycee.nom.clone(), c.lycee.commune_nom.clone(), role.label(), km_words(c.distance_km), teaches)
            })
            .collect();
        let trade = decision.trade_beyond.as_ref().map(|b| {
            let wider_km =
                domain::routing::WIDENING_STEPS.into_iter().find(|s| *s >= b.distance_km).unwrap_or(WIDEST_RADIUS_KM);
            TradeNotice {
                found: trade_found(index, v.rayon_km, b),
                asked_label: km_words(v.rayon_km),
                wider_label: km_words(wider_km),
                kept: !b.reached,
            }
        });
        let coordination = match decision.coordination {
            Some(reason) => {
                let academie_code = v.commune.academie.as_ref().map(|(c, _)| c.as_str());
                let chain =
                    crate::storage::reach::chain(&self.db, academie_code, self.national_contact.as_deref()).await?;
                let level = chain.first().map(|(level, _)| level);
                let nobody = level.is_none() && (reason.without_lycee() || decision.pilot.is_none());
                CoordinationView {
                    level,
                    academie: v.commune.academie.as_ref().map(|(_, n)| n.clone()),
                    reason: if nobody { CoordinationReason::NoContact } else { reason },
                    to_contact: decision
                        .to_contact
                        .iter()
                        .map(|c| (c.lycee.uai.clone(), format!("{} ({})", c.lycee.nom, c.lycee.commune_nom)))
                        .collect(),
                }
                .sentence()
            }
            None => None,
        };
        Ok(RoutingPreview {
            recipients,
            widened_to: decision.widened.then_some(decision.radius_km),
            trade,
            other_levels: decision
                .trade_other_levels
                .as_ref()
                .map(|b| other_levels_found(index, &v.niveaux, b, decision.pilot.is_some())),
            coordination,
        })
    }

    /// Records and routes a request (or links it to the first one when it is
    /// a duplicate), with its emails, in one transaction.
    pub async fn submit(&self, index: &SearchIndex, v: ValidRequest, now: OffsetDateTime) -> anyhow::Result<Submitted> {
        let plan = self.plan_submission(index, &v, now).await?;
        self.persist(plan, now).await
    }

    /// Everything a submission writes, decided before the transaction:
    /// reads (duplicates, routing, addresses, the reference) first, then
    /// the rows, the story and the emails built without I/O.
    async fn plan_submission(
        &self,
        index: &SearchIndex,
        v: &ValidRequest,
        now: OffsetDateTime,
    ) -> anyhow::Result<SubmissionPlan> {
        let email_norm = v.email.normalized();
        let since = clock::to_rfc3339(now - Duration::days(DUPLICATE_DAYS));
        let siret = v.siret.as_ref().map(|s| s.as_str());
        let duplicate =
            store::find_duplicate(&self.db, &email_norm, siret, v.action.code(), &v.jobs_key(), &since).await?;
        let mut d = self.request_row(v, now);
        if let Some(original) = duplicate {
            // The reference is taken in its own short transaction, so that
            // the counter's row is not locked while the request is written
            // (a failed request leaves a gap in the numbers, never a
            // duplicate).
            d.reference = self.next_reference(now).await?;
            return Ok(self.plan_duplicate(d, original));
        }
        // Routing, on the in-memory catalogue and the lycées' track records
        // and reachability.
        let decision = self.decide(index, v, now).await?;
        let told: Vec<String> =
            decision.pilot.iter().chain(decision.supports.iter()).map(|c| c.lycee.uai.clone()).collect();
        let addresses = crate::storage::reach::recipients_of(&self.db, &told).await?;
        let chain = match decision.coordination {
            Some(_) => Some(
                crate::storage::reach::chain(&self.db, d.academie_code.as_deref(), self.national_contact.as_deref())
                    .await?,
            ),
            None => None,
        };
        d.reference = self.next_reference(now).await?;
        Ok(self.plan_routed(index, v, d, &decision, &addresses, chain.as_ref(), now))
    }

    /// Writes a planned submission in one transaction (a few multi-row
    /// statements, the shortest lock), counted last; run again when a
    /// concurrent request's transaction deadlocked with it
    /// ([`crate::storage::retry_on_conflict`]).
    async fn persist(&self, plan: SubmissionPlan, now: OffsetDateTime) -> anyhow::Result<Submitted> {
        crate::storage::retry_on_conflict("enregistrement d'une demande", || self.write(&plan, now)).await?;
        self.changed();
        super::counters::record(&[Transition::submitted(plan.demande.statut)]);
        Ok(plan.submitted)
    }

    /// One attempt of [`Self::persist`]: the whole transaction.
    async fn write(&self, plan: &SubmissionPlan, now: OffsetDateTime) -> anyhow::Result<()> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        store::insert_demande(&mut tx, &plan.demande).await?;
        store::insert_destinataires(&mut tx, &plan.recipients).await?;
        store::insert_events(&mut tx, &plan.events).await?;
        outbox::enqueue_all(&mut tx, &plan.mails, &now_s).await?;
        let told = PartnerEvent::of_status(plan.demande.statut);
        crate::partner_api::tell_partner(&mut tx, &plan.demande, told.as_slice(), &now_s).await?;
        store::count(&mut tx, &plan.notified, &[], &month_of(now)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The request's row as the company sent it, before routing.
    fn request_row(&self, v: &ValidRequest, now: OffsetDateTime) -> DemandeRow {
        let now_s = clock::to_rfc3339(now);
        let id = random_id();
        let token = follow_token_of(&self.signer, &id, 0);
        DemandeRow {
            id,
            reference: String::new(),
            action: v.action.code().to_string(),
            entreprise_nom: v.entreprise_nom.clone(),
            entreprise_siret: v.siret.as_ref().map(|s| s.to_string()),
            entreprise_naf: v.naf.clone(),
            contact_prenom: v.prenom.clone(),
            contact_nom: v.nom.clone(),
            contact_email: v.email.to_string(),
            contact_email_norm: v.email.normalized(),
            contact_telephone: v.telephone.clone(),
            commune_code: v.commune.code.clone(),
            commune_nom: v.commune.nom.clone(),
            rayon_km: v.rayon_km,
            metiers: v.jobs_key(),
            metier_texte: v.metier_texte.clone(),
            niveaux: v.niveaux.iter().map(|n| n.code()).collect::<Vec<_>>().join(","),
            nombre_eleves: v.nombre_eleves,
            periode_debut: v.debut.map(|d| d.to_string()),
            periode_fin: v.fin.map(|d| d.to_string()),
            message: v.message.clone(),
            lycee_origine: v.lycee.clone(),
            statut: RequestStatus::Transmise,
            rayon_utilise_km: v.rayon_km,
            elargie: false,
            coordination: None,
            academie_code: v.commune.academie.as_ref().map(|(c, _)| c.clone()),
            doublon_de: None,
            jeton_hash: token_hash(&token),
            responsable_uai: None,
            responsable_nom: None,
            cree_le: now_s.clone(),
            modifie_le: now_s.clone(),
            jeton_version: 0,
            jeton_emis_le: None,
            termine_le: None,
            issue: None,
            cloture_par: None,
            demarre_le: now_s,
            pris_le: None,
            repondu_le: None,
            relance_tous_le: None,
            escalade_le: None,
            relance_message_le: None,
            demande_cloture_le: None,
            rouverte_par_entreprise: false,
            prochaine_echeance: None,
            satisfaction: None,
            satisfaction_commentaire: None,
            satisfaction_le: None,
            avis_demande_le: None,
            explication_rayon: None,
            partenaire: v.partenaire.clone(),
            coordination_niveau: None,
            lycees_a_contacter: None,
            entreprise_nom_siret: v.registered_name.clone(),
        }
    }

    /// A duplicate: recorded, never routed; the company is told which
    /// request it repeats.
    fn plan_duplicate(&self, mut d: DemandeRow, original: String) -> SubmissionPlan {
        let token = follow_token_of(&self.signer, &d.id, 0);
        let follow_url = self.follow_url(&token);
        d.statut = RequestStatus::Doublon;
        d.termine_le = Some(d.cree_le.clone());
        d.doublon_de = Some(original.clone());
        let texte = format!(
            "Même demande que {original}, reçue il y a moins de {DUPLICATE_DAYS} jours : elle n'est pas transmise une seconde fois."
        );
        let mail = templates::Duplicate {
            prenom: &d.contact_prenom,
            nom: &d.contact_nom,
            action: super::messages::action_label(&d),
            original: &original,
            follow_url: &follow_url,
        }
        .render_email();
        let events = vec![line(&d, 1, None, texte, true, &d.cree_le)];
        let mails = vec![outbox::message(Some(&d.id), &d.contact_email, mail)];
        let submitted = Submitted {
            id: d.id.clone(),
            reference: d.reference.clone(),
            statut: d.statut,
            recipients: Vec::new(),
            widened_to: None,
            radius_note: None,
            coordination: None,
            duplicate_of: Some(original),
            token,
            follow_url,
        };
        SubmissionPlan { demande: d, recipients: Vec::new(), events, mails, notified: Vec::new(), submitted }
    }

    /// A routed request: its recipients (pilot, supports, reserves), the
    /// first lines of its story, the lycées', the coordinator's and the
    /// company's emails, and when the schedule first looks at it. No I/O:
    /// `addresses` are the lycées' (those someone reads), `chain` the
    /// coordination's when the decision involves it.
    #[allow(clippy::too_many_arguments)]
    fn plan_routed(
        &self,
        index: &SearchIndex,
        v: &ValidRequest,
        mut d: DemandeRow,
        decision: &Decision<'_>,
        addresses: &HashMap<String, Vec<String>>,
        chain: Option<&Chain>,
        now: OffsetDateTime,
    ) -> SubmissionPlan {
        let now_s = d.cree_le.clone();
        let id = d.id.clone();
        let token = follow_token_of(&self.signer, &id, 0);
        let follow_url = self.follow_url(&token);
        d.rayon_utilise_km = decision.radius_km;
        d.elargie = decision.widened;
        d.explication_rayon =
            decision.trade_beyond.as_ref().map(|b| trade_sentence(index, v.rayon_km, b, decision.radius_km)).or_else(
                || {
                    decision
                        .trade_other_levels
                        .as_ref()
                        .map(|b| other_levels_found(index, &v.niveaux, b, decision.pilot.is_some()))
                },
            );
        d.coordination = decision.coordination;

        d.lycees_a_contacter = (!decision.to_contact.is_empty())
            .then(|| decision.to_contact.iter().map(|c| c.lycee.uai.as_str()).collect::<Vec<_>>().join(","));

        let mut chosen: Vec<(&Candidate<'_>, RecipientRole)> = Vec::new();
        if let Some(p) = &decision.pilot {
            chosen.push((p, RecipientRole::Pilote));
        }
        chosen.extend(decision.supports.iter().map(|c| (c, RecipientRole::Appui)));
        let mut recipients = Vec::new();
        let mut rows: Vec<DestinataireRow> = Vec::new();
        let mut texts: Vec<(Option<String>, String, bool)> = Vec::new();
        let mut mails: Vec<OutboxRow> = Vec::new();
        let all =
            chosen.iter().map(|(c, r)| (*c, *r)).chain(decision.reserves.iter().map(|c| (c, RecipientRole::Reserve)));
        for (rank, (c, role)) in all.enumerate() {
            // A lycée is told only when an email to someone there is queued
            // in this very transaction: routing chose reachable lycées, and
            // their addresses were read with the decision.
            let to = addresses.get(&c.lycee.uai).filter(|_| role != RecipientRole::Reserve);
            let told = to.is_some();
            rows.push(DestinataireRow {
                demande_id: id.clone(),
                uai: c.lycee.uai.clone(),
                role: if told || role == RecipientRole::Reserve { role } else { RecipientRole::Reserve },
                rang: rank as i64 + 1,
                statut: if told { RecipientStatus::Nouvelle } else { RecipientStatus::EnAttente },
                raisons: c.reasons.join("\n"),
                distance_km: domain::geo::round_km(c.distance_km),
                score: c.score,
                motif: None,
                issue: None,
                notifie_le: told.then(|| now_s.clone()),
                decide_le: None,
                decide_par: None,
                relance_le: None,
            });
            let Some(to) = to else { continue };
            recipients.push(RecipientView {
                uai: c.lycee.uai.clone(),
                nom: c.lycee.nom.clone(),
                commune: c.lycee.commune_nom.clone(),
                role,
                statut: RecipientStatus::Nouvelle,
                distance_km: domain::geo::round_km(c.distance_km),
                raisons: c.reasons.clone(),
            });
            let mail = self.lycee_email(index, &d, &c.lycee.uai, role, &c.reasons, now);
            mails.extend(outbox::to_link(&id, to, &mail, &Target::Lycee(c.lycee.uai.clone()).code()));
        }
        let notified: Vec<String> = recipients.iter().map(|r| r.uai.clone()).collect();
        if !recipients.is_empty() {
            // The first line of the story says where the request went.
            texts.insert(0, (None, format!("Demande transmise {}.", sent_to(&recipients)), true));
        }
        let widened = super::messages::radius_sentence(&d);
        if let Some(w) = &widened {
            texts.push((None, w.clone(), true));
        }
        // The coordination chain: the académie's, else the national one,
        // else nobody — then the request is kept and the company told so.
        if let Some(reason) = decision.coordination {
            match chain.and_then(|c| c.first()) {
                Some((level, to)) => {
                    d.coordination_niveau = Some(level);
                    let mail = self.routed_coordination_email(index, &d, &recipients, reason);
                    mails.extend(outbox::to_link(&id, to, &mail, &Target::Coordination(level).code()));
                }
                None if reason.without_lycee() || recipients.is_empty() => {
                    d.coordination = Some(CoordinationReason::NoContact);
                    tracing::error!(
                        demande = %d.reference,
                        academie = ?d.academie_code,
                        "demande sans aucun contact : ni lycée, ni coordination, ni contact national ne peuvent être écrits"
                    );
                    super::counters::no_contact();
                }
                None => tracing::warn!(
                    demande = %d.reference,
                    academie = ?d.academie_code,
                    "aucune coordination joignable : les lycées ont la demande, personne n'est prévenu des lycées à contacter"
                ),
            }
        }
        let coordination = CoordinationView::of(index, &d);
        let coordination_text = coordination.as_ref().and_then(CoordinationView::sentence);
        if let Some(t) = &coordination_text {
            texts.push((None, t.clone(), true));
        }
        if let Some(c) = coordination.as_ref().filter(|c| !c.to_contact.is_empty()) {
            let names = c.to_contact.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ");
            texts.push((
                None,
                format!("À contacter par la coordination (personne n'a pu leur écrire) : {names}."),
                false,
            ));
        }
        d.statut = if decision.pilot.is_some() && !recipients.is_empty() {
            RequestStatus::Transmise
        } else {
            RequestStatus::EnAttente
        };
        let confirmation = templates::Confirmation {
            prenom: &d.contact_prenom,
            nom: &d.contact_nom,
            reference: &d.reference,
            action: super::messages::action_label(&d),
            commune: &d.commune_nom,
            recipients: recipients.iter().map(|r| format!("{} ({}), {}", r.nom, r.commune, r.role.label())).collect(),
            widened: widened.clone(),
            coordination: coordination_text,
            coordination_only: recipients.is_empty(),
            follow_url: &follow_url,
            guidance_url: self.guidance_url(),
        }
        .render_email();
        mails.push(outbox::message(Some(&id), &d.contact_email, confirmation));
        let events: Vec<EventRow> = texts
            .into_iter()
            .enumerate()
            .map(|(i, (uai, texte, public))| line(&d, i as i64 + 1, uai.as_deref(), texte, public, &now_s))
            .collect();
        // When the schedule first looks at it.
        let state = Request {
            status: d.statut,
            started_at: now,
            responsible: None,
            taken_at: None,
            answered_at: None,
            ended_at: None,
            recipients: rows
                .iter()
                .map(|r| domain::lifecycle::Recipient {
                    uai: r.uai.clone(),
                    role: r.role,
                    status: r.statut,
                    notified_at: r.notifie_le.as_ref().map(|_| now),
                    reminded: false,
                    reachable: r.notifie_le.is_some() || r.role == RecipientRole::Reserve,
                })
                .collect(),
            done: Done::default(),
            company_reopened: false,
            satisfaction: None,
            satisfaction_asked: false,
        };
        d.prochaine_echeance =
            next_due(&state, &self.lifecycle_calendar(index, &d, &state), &self.deadlines).map(clock::to_rfc3339);
        let submitted = Submitted {
            id,
            reference: d.reference.clone(),
            statut: d.statut,
            recipients,
            widened_to: decision.widened.then_some(decision.radius_km),
            radius_note: d.explication_rayon.clone(),
            coordination,
            duplicate_of: None,
            token,
            follow_url,
        };
        SubmissionPlan { demande: d, recipients: rows, events, mails, notified, submitted }
    }

    /// Next reference of the year: MLP-2026-000123.
    async fn next_reference(&self, now: OffsetDateTime) -> sqlx::Result<String> {
        let year = now.year();
        let mut tx = self.db.begin().await?;
        let n = store::next_sequence(&mut tx, &format!("demandes-{year}")).await?;
        tx.commit().await?;
        Ok(format!("MLP-{year}-{n:06}"))
    }
}
