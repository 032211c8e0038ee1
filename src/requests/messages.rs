//! The French of a plan: each story line of `domain::lifecycle::Story`
//! written for the company and the lycées, and each email of
//! `domain::lifecycle::Email` rendered from its template with the right
//! links. The lifecycle says *what* happens; this module says it.

use super::{RequestService, WIDEST_RADIUS_KM};
use crate::clock;
use crate::mail::outbox::{self, OutboxRow};
use crate::mail::templates::{self, Rendered};
use crate::search::SearchIndex;
use crate::storage::reach;
use crate::storage::requests::{self as store, DemandeRow, DestinataireRow, EventRow};
use domain::lifecycle::{Actor, CoordinationCause, Email, Outcome, RecipientRole, Story};
use domain::reach::Target;
use domain::routing::CoordinationReason;
use domain::{ActionType, Niveau};
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

/// The name of a lycée, or its UAI.
pub fn lycee_name(index: &SearchIndex, uai: &str) -> String {
    index.lycee(uai).map_or(uai.to_string(), |l| l.nom.clone())
}

/// A lycée as a sentence names it after its article ("le lycée
/// professionnel X"), with the `domain::text::SchoolName` forms.
fn school(index: &SearchIndex, uai: &str) -> domain::text::SchoolName {
    domain::text::SchoolName::new(&lycee_name(index, uai))
}

pub(super) fn action_label(d: &DemandeRow) -> &'static str {
    ActionType::from_code(&d.action).map_or("Autre besoin", ActionType::label)
}

/// "12/11/2026", the French day of a stored instant (Paris time).
pub fn day_of(rfc3339: &str) -> String {
    clock::parse(rfc3339).map_or_else(|| domain::text::short_date(rfc3339), date_of)
}

fn date_of(t: OffsetDateTime) -> String {
    let local = t.to_offset(domain::calendar::local_offset("75", t));
    domain::text::short_date(&local.date().to_string())
}

fn jobs_text(index: &SearchIndex, d: &DemandeRow) -> String {
    d.metiers
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| index.rome_labels.get(r).cloned().unwrap_or_else(|| r.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn levels_text(codes: &str) -> String {
    codes.split(',').filter_map(Niveau::from_code).map(Niveau::label).collect::<Vec<_>>().join(", ")
}

/// Who speaks, as the story and the emails name them.
fn author(index: &SearchIndex, by: &Actor) -> String {
    match by {
        Actor::Lycee(u) => school(index, u).the(),
        Actor::Coordination => "la coordination territoriale".to_string(),
        Actor::Company => "l'entreprise".to_string(),
        Actor::System => "MonLycéePro".to_string(),
    }
}

/// One line of the story, in French. `person` is who acted (a name),
/// `text` the caller's words (a message, a note, a comment).
pub fn story_line(
    index: &SearchIndex,
    svc: &RequestService,
    d: &DemandeRow,
    story: &Story,
    person: &str,
    text: Option<&str>,
) -> (Actor, String) {
    // Who of the coordination chain has the request, if anyone.
    let coordination =
        || d.coordination_niveau.map(|level| super::views::coordination_who(level, academie_name(index, d).as_deref()));
    // "Le lycée X" to open a sentence, "le lycée X" inside one.
    let name = |u: &str| school(index, u).the_capitalised();
    let the = |u: &str| school(index, u).the();
    let system = Actor::System;
    match story {
        Story::Taken { uai, first: true } => {
            (Actor::Lycee(uai.clone()), format!("Prise en charge par {} ({person}).", the(uai)))
        }
        Story::Taken { uai, first: false } => {
            (Actor::Lycee(uai.clone()), format!("{} participe à la réponse ({person}).", name(uai)))
        }
        Story::Declined { uai, reason } => {
            let own = text.map(|t| format!(" : {t}")).unwrap_or_default();
            (Actor::Lycee(uai.clone()), format!("{} a décliné ({}{own}).", name(uai), reason.label().to_lowercase()))
        }
        Story::Expired { uai } => (
            Actor::Lycee(uai.clone()),
            format!("{} n'a pas répondu sous {} jours ouvrés.", name(uai), svc.deadlines.pilot_moves),
        ),
        Story::Joined { uai, role } => (system, format!("{} rejoint la demande ({}).", name(uai), role_words(*role))),
        Story::HandedOver { from, to, role } => {
            let by = match from {
                Some(u) => format!("Confiée par {} ({person})", the(u)),
                None => match text.filter(|t| !t.is_empty()) {
                    Some(why) => format!("Confiée par la coordination territoriale ({person}), {why}"),
                    None => format!("Confiée par la coordination territoriale ({person})"),
                },
            };
            (system, format!("{} reprend la demande ({}). {by}.", name(to), role_words(*role)))
        }
        Story::ToCoordination => (
            system,
            match coordination() {
                Some(who) => {
                    format!("Aucun autre lycée ne peut répondre pour l'instant : {who} reprend votre demande.")
                }
                None => "Aucun autre lycée ne peut répondre pour l'instant, et aucun interlocuteur n'est encore \
                         désigné pour votre secteur : votre demande reste enregistrée."
                    .to_string(),
            },
        ),
        Story::Undelivered { uai } => (
            system,
            format!(
                "Le courriel adressé {} n'a pas pu être remis : personne n'y a été prévenu.",
                school(index, uai).at()
            ),
        ),
        Story::Text { by, .. } => (by.clone(), text.unwrap_or_default().to_string()),
        Story::Closed { by: Actor::Company, outcome } => (
            Actor::Company,
            match outcome {
                Outcome::SansSuite => "Demande close par l'entreprise : son besoin a été satisfait ailleurs.".into(),
                _ => "Demande close par l'entreprise : son besoin est satisfait.".into(),
            },
        ),
        Story::Closed { by, outcome } => {
            (by.clone(), format!("Demande clôturée par {} : {}.", author(index, by), outcome.label().to_lowercase()))
        }
        Story::Cancelled => (Actor::Company, "Demande annulée par l'entreprise.".to_string()),
        Story::Reopened { by: Actor::Company } => {
            (Actor::Company, "Demande relancée par l'entreprise : elle est de nouveau transmise.".to_string())
        }
        Story::Reopened { by } => (by.clone(), format!("Demande rouverte par {}.", author(index, by))),
        Story::PilotReminded { uai } => (
            system,
            format!(
                "Relance envoyée à l'équipe {} : pas de prise en charge depuis {} jours ouvrés.",
                school(index, uai).of(),
                svc.deadlines.pilot_reminder
            ),
        ),
        Story::EveryoneReminded => (
            system,
            format!(
                "Relance envoyée aux lycées sollicités qui n'avaient pas répondu : pas de prise en charge depuis {} jours ouvrés.",
                svc.deadlines.everyone_reminder
            ),
        ),
        Story::Escalated => (
            system,
            match coordination() {
                Some(who) => format!("Sans réponse des lycées, la demande est signalée à {who}."),
                None => {
                    "Sans réponse des lycées ; aucun interlocuteur de coordination n'est encore désigné pour votre \
                         secteur."
                        .to_string()
                }
            },
        ),
        Story::NoAnswer => (
            system,
            "Aucun lycée n'a pu prendre la demande en charge : elle est close sans réponse. Vous pouvez la \
             relancer une fois depuis cette page."
                .to_string(),
        ),
        Story::MessageReminded { uai } => {
            (system, format!("Rappel envoyé {} : écrire à l'entreprise.", school(index, uai).at()))
        }
        Story::CloseRequested { uai } => {
            (system, format!("Rappel envoyé {} : clôturer la demande avec son issue.", school(index, uai).at()))
        }
        Story::Rated { score } => {
            let said = match text.filter(|t| !t.is_empty()) {
                Some(t) => format!("Avis de l'entreprise : {score} sur 5 — « {t} »"),
                None => format!("Avis de l'entreprise : {score} sur 5."),
            };
            (Actor::Company, said)
        }
    }
}

/// A role in the words of a lycée's email and of the story.
fn role_words(role: RecipientRole) -> &'static str {
    match role {
        RecipientRole::Pilote => "coordonne la réponse",
        _ => "participe à la réponse",
    }
}

/// The story's lines of a plan, in order, from `first` on.
pub fn story_rows(
    index: &SearchIndex,
    svc: &RequestService,
    d: &DemandeRow,
    stories: &[Story],
    action: &super::Action,
    first: i64,
    now_s: &str,
) -> Vec<EventRow> {
    let (person, text) = (action.person.as_str(), action.text.as_deref());
    stories
        .iter()
        .enumerate()
        .map(|(i, story)| {
            let (by, texte) = story_line(index, svc, d, story, person, text);
            let named = !matches!(by, Actor::System) && person != super::schedule::SYSTEM_PERSON;
            EventRow {
                id: crate::security::random_id(),
                demande_id: d.id.clone(),
                ordre: first + i as i64,
                auteur: by.kind(),
                uai: by.uai().map(str::to_string),
                nom: named.then(|| person.to_string()),
                texte,
                public: story.public(),
                cree_le: now_s.to_string(),
            }
        })
        .collect()
}

impl RequestService {
    /// The email telling a lycée of a request (new recipient, joined,
    /// handed over), with its one-click links.
    pub(super) fn lycee_email(
        &self,
        index: &SearchIndex,
        d: &DemandeRow,
        uai: &str,
        role: RecipientRole,
        reasons: &[String],
        now: OffsetDateTime,
    ) -> Rendered {
        let token = self.link_token(&d.id, uai, now);
        let link = |suffix: &str| format!("{}/r/{token}{suffix}", self.base_url);
        let expires = (now + Duration::days(super::LINK_DAYS)).date();
        templates::NewRequestForLycee {
            lycee: index.lycee(uai).map_or(uai, |l| l.nom.as_str()),
            reference: &d.reference,
            action: action_label(d),
            role_text: match role {
                RecipientRole::Pilote => "votre lycée coordonne la réponse à l'entreprise",
                _ => "un autre lycée coordonne la réponse ; le vôtre peut y participer",
            },
            reasons,
            entreprise: &company_of(d),
            contact: contact_of(d),
            commune: &d.commune_nom,
            jobs: jobs_text(index, d),
            levels: levels_text(&d.niveaux),
            students: d.nombre_eleves,
            period: domain::text::period(d.periode_debut.as_deref(), d.periode_fin.as_deref()),
            message: &d.message,
            take_url: link("/prendre"),
            decline_url: link("/decliner"),
            view_url: link(""),
            workspace_url: format!("{}/espace/demandes/{}", self.base_url, d.reference),
            expires: domain::text::short_date(&expires.to_string()),
            pilot_days: self.deadlines.pilot_moves,
        }
        .render_email()
    }

    /// The coordination email of a request, for `reason` (in words):
    /// `recipients` are the lycées that have it, and the lycées nobody
    /// could write to are listed to call.
    pub(super) fn coordination_email(
        &self,
        index: &SearchIndex,
        d: &DemandeRow,
        academie: &str,
        reason: &str,
        recipients: Vec<String>,
    ) -> Rendered {
        templates::Coordination {
            reference: &d.reference,
            commune: &d.commune_nom,
            academie,
            action: action_label(d),
            reason,
            recipients,
            to_contact: super::views::CoordinationView::of(index, d)
                .map(|c| c.to_contact.into_iter().map(|(_, n)| n).collect())
                .unwrap_or_default(),
            entreprise: &company_of(d),
            contact: format!("{} {} <{}>", d.contact_prenom, d.contact_nom, d.contact_email),
            jobs: jobs_text(index, d),
            message: &d.message,
            workspace_url: format!("{}/espace/demandes/{}", self.base_url, d.reference),
            addresses_url: format!("{}/espace/territoire/adresses", self.base_url),
        }
        .render_email()
    }

    /// The coordination email of a request just routed.
    pub(super) fn routed_coordination_email(
        &self,
        index: &SearchIndex,
        d: &DemandeRow,
        recipients: &[super::RecipientView],
        reason: CoordinationReason,
    ) -> Rendered {
        let why = match reason {
            CoordinationReason::TrainingOffer => "demande sur l'offre de formation".to_string(),
            CoordinationReason::NoLyceeFits => {
                format!("aucun lycée ne correspond à moins de {}", domain::routing::km_words(super::WIDEST_RADIUS_KM))
            }
            CoordinationReason::NoReachableLycee => {
                "des lycées correspondent, mais MonLycéePro ne peut écrire à personne dans aucun d'eux".to_string()
            }
            CoordinationReason::ToContact => {
                "la demande est transmise, mais un lycée qui correspond mieux (ou celui que l'entreprise a choisi) \
                 n'a pas d'adresse connue"
                    .to_string()
            }
            CoordinationReason::NoContact => "aucun contact".to_string(),
        };
        let academie = academie_name(index, d).unwrap_or_else(|| "académie inconnue".into());
        let asked = recipients.iter().map(|r| format!("{} ({})", r.nom, r.role.label())).collect();
        self.coordination_email(index, d, &academie, &why, asked)
    }

    /// Lycées farther away that teach the request's jobs and were not asked
    /// yet, best first ("Lycée X, Ville (52 km)"): what a request that ended
    /// without answer can still try.
    pub(super) async fn alternatives(
        &self,
        index: &SearchIndex,
        d: &DemandeRow,
        asked: &[DestinataireRow],
        now: OffsetDateTime,
    ) -> sqlx::Result<Vec<(String, String)>> {
        use domain::matching::WantedJob;
        use domain::routing::{RoutingRequest, route};
        let Some(center) = index.places.get(&d.commune_code).and_then(|p| p.position) else { return Ok(Vec::new()) };
        let Some(action) = ActionType::from_code(&d.action) else { return Ok(Vec::new()) };
        let wanted: Vec<WantedJob> =
            d.metiers.split(',').filter(|r| !r.is_empty()).map(|r| WantedJob::new(r, 1.0)).collect();
        let levels: Vec<Niveau> = d.niveaux.split(',').filter_map(Niveau::from_code).collect();
        let excluded: Vec<String> = asked.iter().map(|r| r.uai.clone()).collect();
        let nearby: Vec<String> = index
            .lycees
            .iter()
            .filter(|l| l.position.is_some_and(|p| p.distance_km(&center) <= WIDEST_RADIUS_KM))
            .map(|l| l.uai.clone())
            .collect();
        let status = store::routing_status(&self.db, &nearby, &super::month_of(now)).await?;
        let request = RoutingRequest {
            action,
            wanted: &wanted,
            levels: &levels,
            center,
            radius_km: WIDEST_RADIUS_KM,
            origin: None,
            excluded: &excluded,
            rome_labels: &index.rome_labels,
            kinship: &index.kinship,
            keep_radius: false,
        };
        let decision = route(&request, &index.lycees, &|uai| status.get(uai).cloned().unwrap_or_default());
        Ok(decision
            .pilot
            .iter()
            .chain(decision.supports.iter())
            .chain(decision.reserves.iter())
            .filter(|c| !excluded.contains(&c.lycee.uai))
            .take(3)
            .map(|c| {
                (
                    c.lycee.uai.clone(),
                    format!(
                        "{}, {} ({})",
                        c.lycee.nom,
                        c.lycee.commune_nom,
                        domain::routing::km_label(domain::geo::round_km(c.distance_km))
                    ),
                )
            })
            .collect())
    }

    /// The emails of a plan, rendered and addressed. `d` and `recips` are
    /// the request after the plan; `text` the caller's words.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn plan_emails(
        &self,
        index: &SearchIndex,
        d: &DemandeRow,
        recips: &[DestinataireRow],
        emails: &[Email],
        story: &[Story],
        person: &str,
        text: Option<&str>,
        now: OffsetDateTime,
    ) -> sqlx::Result<Vec<OutboxRow>> {
        let mut out = Vec::new();
        let to_lycees: Vec<String> = emails
            .iter()
            .flat_map(|e| match e {
                Email::LyceeNew { uai, .. }
                | Email::PilotReminder { uai }
                | Email::MessageReminder { uai }
                | Email::CloseRequest { uai }
                | Email::CompanyTaken { uai } => vec![uai.clone()],
                Email::LyceesCompanyMessage { uais }
                | Email::LyceesEnded { uais, .. }
                | Email::EveryoneReminder { uais } => uais.clone(),
                _ => Vec::new(),
            })
            .collect();
        let addresses: HashMap<String, Vec<String>> =
            crate::storage::reach::recipients_of(&self.db, &to_lycees).await?;
        let follow_url = self.follow_url(&self.follow_token(d));
        let recipient = |uai: &str| recips.iter().find(|r| r.uai == uai);
        // A lycée nobody reads is written to by nobody: the lifecycle gives
        // it no role and reminds it of nothing.
        let mut lycee = |uai: &str, mail: Rendered| {
            if let Some(to) = addresses.get(uai) {
                out.extend(outbox::to_link(&d.id, to, &mail, &Target::Lycee(uai.to_string()).code()));
            }
        };
        let mut company: Vec<Rendered> = Vec::new();
        let mut coordination: Vec<OutboxRow> = Vec::new();
        for email in emails {
            match email {
                Email::LyceeNew { uai, role } => {
                    let reasons: Vec<String> =
                        recipient(uai).map(|r| r.raisons.lines().map(str::to_string).collect()).unwrap_or_default();
                    lycee(uai, self.lycee_email(index, d, uai, *role, &reasons, now));
                }
                Email::CompanyTaken { uai } => {
                    let l = index.lycee(uai);
                    let phone = crate::storage::catalogue::lycee(&self.db, uai).await?.and_then(|l| l.telephone);
                    company.push(
                        templates::Taken {
                            prenom: &d.contact_prenom,
                            nom: &d.contact_nom,
                            reference: &d.reference,
                            action: action_label(d),
                            lycee: &lycee_name(index, uai),
                            commune: l.map(|l| l.commune_nom.as_str()),
                            person,
                            email: addresses.get(uai).and_then(|a| a.first()).map(String::as_str),
                            telephone: phone.as_deref(),
                            follow_url: &follow_url,
                            guidance_url: self.guidance_url(),
                        }
                        .render_email(),
                    );
                }
                Email::CompanyMessage { by } => company.push(
                    templates::CompanyNotice {
                        prenom: &d.contact_prenom,
                        nom: &d.contact_nom,
                        reference: &d.reference,
                        author: &format!("{person} ({})", author(index, by)),
                        message: text.unwrap_or_default(),
                        follow_url: &follow_url,
                        guidance_url: self.guidance_url(),
                    }
                    .render_email(),
                ),
                Email::CompanyClosed { by, outcome } => company.push(
                    templates::Closed {
                        prenom: &d.contact_prenom,
                        nom: &d.contact_nom,
                        reference: &d.reference,
                        action: action_label(d),
                        author: &format!("{person} ({})", author(index, by)),
                        outcome: outcome.label().to_lowercase(),
                        follow_url: &follow_url,
                        new_request_url: format!("{}/demande", self.base_url),
                        guidance_url: self.guidance_url(),
                    }
                    .render_email(),
                ),
                Email::CompanyNoAnswer => {
                    let alternatives = self.alternatives(index, d, recips, now).await?;
                    let academie = academie_name(index, d);
                    let chain =
                        reach::chain(&self.db, d.academie_code.as_deref(), self.national_contact.as_deref()).await?;
                    let coordination_address =
                        chain.first().and_then(|(_, to)| to.first().cloned()).filter(|_| !chain.academie.is_empty());
                    company.push(
                        templates::NoAnswer {
                            prenom: &d.contact_prenom,
                            nom: &d.contact_nom,
                            reference: &d.reference,
                            action: action_label(d),
                            sent: day_of(&d.cree_le),
                            alternatives: alternatives.into_iter().map(|(_, label)| label).collect(),
                            coordination: coordination_address,
                            academie,
                            follow_url: &follow_url,
                        }
                        .render_email(),
                    );
                }
                Email::CompanySatisfaction => {
                    let token = self.rating_token(&d.id, now);
                    company.push(
                        templates::RatingRequest {
                            prenom: &d.contact_prenom,
                            nom: &d.contact_nom,
                            reference: &d.reference,
                            action: action_label(d),
                            choices: (1..=5u8)
                                .rev()
                                .map(|n| (n, format!("{}/avis/{token}?note={n}", self.base_url)))
                                .collect(),
                        }
                        .render_email(),
                    );
                }
                Email::LyceesCompanyMessage { uais } => {
                    for uai in uais {
                        let token = self.link_token(&d.id, uai, now);
                        lycee(
                            uai,
                            templates::CompanyMessage {
                                entreprise: &company_of(d),
                                reference: &d.reference,
                                message: text.unwrap_or_default(),
                                view_url: format!("{}/r/{token}", self.base_url),
                                workspace_url: format!("{}/espace/demandes/{}", self.base_url, d.reference),
                            }
                            .render_email(),
                        );
                    }
                }
                Email::LyceesEnded { uais, cancelled } => {
                    let how = match d.outcome() {
                        Some(Outcome::SansSuite) => "son besoin a été satisfait ailleurs",
                        _ => "son besoin est satisfait",
                    };
                    for uai in uais {
                        lycee(
                            uai,
                            templates::Cancelled {
                                entreprise: &company_of(d),
                                reference: &d.reference,
                                action: action_label(d),
                                cancelled: *cancelled,
                                how,
                            }
                            .render_email(),
                        );
                    }
                }
                Email::PilotReminder { uai } => {
                    lycee(uai, self.reminder(index, d, recipient(uai), uai, true, now));
                }
                Email::EveryoneReminder { uais } => {
                    for uai in uais {
                        let pilot = recipient(uai).is_some_and(|r| r.role == RecipientRole::Pilote);
                        lycee(uai, self.reminder(index, d, recipient(uai), uai, pilot, now));
                    }
                }
                Email::MessageReminder { uai } => lycee(
                    uai,
                    templates::MessageReminder {
                        lycee: &lycee_name(index, uai),
                        reference: &d.reference,
                        action: action_label(d),
                        entreprise: &company_of(d),
                        taken: d.pris_le.as_deref().map(day_of).unwrap_or_default(),
                        workspace_url: format!("{}/espace/demandes/{}", self.base_url, d.reference),
                        contact: contact_of(d),
                    }
                    .render_email(),
                ),
                Email::CloseRequest { uai } => {
                    let token = self.link_token(&d.id, uai, now);
                    lycee(
                        uai,
                        templates::CloseRequest {
                            lycee: &lycee_name(index, uai),
                            reference: &d.reference,
                            action: action_label(d),
                            entreprise: &company_of(d),
                            taken: d.pris_le.as_deref().map(day_of).unwrap_or_default(),
                            outcomes: Outcome::ALL
                                .iter()
                                .map(|o| {
                                    (o.label(), format!("{}/r/{token}/cloturer?issue={}", self.base_url, o.code()))
                                })
                                .collect(),
                        }
                        .render_email(),
                    );
                }
                Email::Coordination { cause } => {
                    let (reason, academies) = match cause {
                        CoordinationCause::NoneLeft => (
                            "aucun lycée n'a pu la prendre en charge".to_string(),
                            d.academie_code.iter().cloned().collect(),
                        ),
                        CoordinationCause::Escalated => (
                            format!(
                                "aucun lycée ne l'a prise en charge depuis {} jours ouvrés : pouvez-vous la confier \
                                 à un lycée ou y répondre ?",
                                self.deadlines.escalation
                            ),
                            d.academie_code.iter().cloned().collect::<Vec<_>>(),
                        ),
                        CoordinationCause::CrossBorder => crossing(index, d, story, person),
                    };
                    for code in academies {
                        let chain = reach::chain(&self.db, Some(&code), self.national_contact.as_deref()).await?;
                        let Some((level, to)) = chain.first() else {
                            tracing::error!(demande = %d.reference, academie = %code, "coordination : personne à qui écrire");
                            continue;
                        };
                        let name =
                            index.academies.values().find(|(c, _)| *c == code).map_or(code.clone(), |(_, n)| n.clone());
                        let asked = recips
                            .iter()
                            .filter(|r| r.role != RecipientRole::Reserve && r.statut.is_involved())
                            .map(|r| format!("{} ({})", lycee_name(index, &r.uai), r.statut.label()))
                            .collect();
                        let mail = self.coordination_email(index, d, &name, &reason, asked);
                        coordination.extend(outbox::to_link(&d.id, to, &mail, &Target::Coordination(level).code()));
                    }
                }
            }
        }
        for mail in company {
            out.push(outbox::message(Some(&d.id), &d.contact_email, mail));
        }
        out.extend(coordination);
        Ok(out)
    }

    /// A reminder to a lycée that has not answered, with fresh links.
    fn reminder(
        &self,
        index: &SearchIndex,
        d: &DemandeRow,
        r: Option<&DestinataireRow>,
        uai: &str,
        pilot: bool,
        now: OffsetDateTime,
    ) -> Rendered {
        let token = self.link_token(&d.id, uai, now);
        let link = |suffix: &str| format!("{}/r/{token}{suffix}", self.base_url);
        let notified = r.and_then(|r| r.notifie_le.as_deref()).and_then(clock::parse);
        let deadline = notified.map(|t| {
            let cal = self.lycee_calendar(index, uai, d);
            date_of(cal.add_working_days(t, self.deadlines.pilot_moves))
        });
        templates::Reminder {
            lycee: &lycee_name(index, uai),
            reference: &d.reference,
            action: action_label(d),
            entreprise: &company_of(d),
            commune: &d.commune_nom,
            sent: notified.map(date_of).unwrap_or_else(|| day_of(&d.cree_le)),
            pilot,
            deadline: deadline.unwrap_or_default(),
            take_url: link("/prendre"),
            decline_url: link("/decliner"),
            view_url: link(""),
        }
        .render_email()
    }
}

/// A request handed to a lycée of another académie: both académies'
/// coordinations are told, with who did it.
fn crossing(index: &SearchIndex, d: &DemandeRow, story: &[Story], person: &str) -> (String, Vec<String>) {
    let Some((from, to)) = story.iter().find_map(|s| match s {
        Story::HandedOver { from: Some(f), to, .. } => Some((f.clone(), to.clone())),
        _ => None,
    }) else {
        return (String::new(), Vec::new());
    };
    let academie_of = |u: &str| index.lycee(u).and_then(|l| l.academie.clone());
    let codes: Vec<String> =
        [academie_of(&from).or_else(|| d.academie_code.clone()), academie_of(&to)].into_iter().flatten().collect();
    let reason = format!(
        "{} ({person}) l'a confiée {}, d'une autre académie",
        school(index, &from).the(),
        school(index, &to).at()
    );
    (reason, codes)
}

/// The company as emails to lycées and coordinators name it
/// ([`templates::company_line`]): the register's name for its SIRET when
/// it was found there, else the name it typed, said to be its own.
fn company_of(d: &DemandeRow) -> String {
    templates::company_line(&d.entreprise_nom, d.entreprise_nom_siret.as_deref(), d.entreprise_siret.as_deref())
}

/// "Zoé L'Hôte, zoe@exemple.fr, 04 78 00 00 00".
fn contact_of(d: &DemandeRow) -> String {
    format!(
        "{} {}, {}{}",
        d.contact_prenom,
        d.contact_nom,
        d.contact_email,
        d.contact_telephone.as_deref().map(|t| format!(", {t}")).unwrap_or_default()
    )
}

/// The name of the request's académie.
/// What the company is told of its radius: why the job itself is taught
/// farther away, or that the radius was widened because nothing fitted.
pub fn radius_sentence(d: &DemandeRow) -> Option<String> {
    d.explication_rayon.clone().or_else(|| {
        d.elargie.then(|| {
            format!(
                "Aucun lycée ne correspondait dans le rayon que vous aviez choisi ({})\u{a0}: nous l'avons élargi à {}.",
                domain::routing::km_words(d.rayon_km),
                domain::routing::km_words(d.rayon_utilise_km)
            )
        })
    })
}

pub fn academie_name(index: &SearchIndex, d: &DemandeRow) -> Option<String> {
    d.academie_code.as_ref().and_then(|c| index.academies.values().find(|(code, _)| code == c)).map(|(_, n)| n.clone())
}
