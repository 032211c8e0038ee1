//! What business officers and coordinators do to a request from their
//! workspace, beyond the one-click answers: close it with an outcome, write
//! to the company, leave private notes, hand it over to another lycée, and
//! (coordinators) reassign it. Same rule as the rest of the service: one
//! transaction writes the change, its story and its emails.

use super::{AnswerError, RequestService, event, internal, month_of, outbox, role_label};
use crate::clock;
use crate::mail::templates;
use crate::search::SearchIndex;
use crate::storage::Tx;
use crate::storage::requests::{self as store, DemandeRow, DestinataireRow};
use time::OffsetDateTime;

/// How a request ends, as the lycée says.
pub const OUTCOMES: [(&str, &str); 4] = [
    ("partenariat", "Un partenariat est né"),
    ("realisee", "L'action a été réalisée"),
    ("sans_suite", "Sans suite"),
    ("injoignable", "L'entreprise est restée injoignable"),
];

/// The label of an outcome code.
pub fn outcome_label(code: &str) -> &str {
    OUTCOMES.iter().find(|(c, _)| *c == code).map_or(code, |(_, l)| l)
}

/// Longest message or note, in characters.
pub const MAX_TEXT: usize = 5_000;

/// Who speaks for `uai`: the lycée's name, or the coordination.
fn author_of(index: &SearchIndex, uai: Option<&str>) -> String {
    uai.and_then(|u| index.lycee(u)).map_or("la coordination territoriale".to_string(), |l| l.nom.clone())
}

fn is_over(statut: &str) -> Option<&'static str> {
    match statut {
        "annulee" => Some("annulée par l'entreprise"),
        "cloturee" => Some("clôturée"),
        "doublon" => Some("un doublon"),
        _ => None,
    }
}

impl RequestService {
    /// Closes a request with an outcome. `uai` is the lycée closing it (its
    /// business officer), `None` for a coordinator.
    pub async fn close(
        &self,
        index: &SearchIndex,
        demande_id: &str,
        uai: Option<&str>,
        outcome: &str,
        person: &str,
        now: OffsetDateTime,
    ) -> Result<(), AnswerError> {
        if !OUTCOMES.iter().any(|(c, _)| *c == outcome) {
            return Err(AnswerError::Closed("inchangée : issue inconnue".into()));
        }
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await.map_err(internal)?;
        let mut d =
            store::demande_for_update(&mut tx, demande_id).await.map_err(internal)?.ok_or(AnswerError::Unknown)?;
        if let Some(why) = is_over(&d.statut) {
            return Err(AnswerError::Closed(why.into()));
        }
        let recips = store::destinataires_in_tx(&mut tx, demande_id).await.map_err(internal)?;
        if let Some(u) = uai {
            let mut r = recips.iter().find(|r| r.uai == u).cloned().ok_or(AnswerError::NotRecipient)?;
            if r.statut != "prise_en_charge" {
                return Err(AnswerError::Closed("à prendre en charge avant d'être clôturée".into()));
            }
            r.statut = "cloturee".into();
            r.issue = Some(outcome.to_string());
            r.decide_le = Some(now_s.clone());
            r.decide_par = Some(person.to_string());
            store::update_destinataire(&mut tx, &r).await.map_err(internal)?;
        }
        d.statut = "cloturee".into();
        d.modifie_le = now_s.clone();
        store::update_demande(&mut tx, &d).await.map_err(internal)?;
        let texte =
            format!("Demande clôturée par {} : {}.", author_of(index, uai), outcome_label(outcome).to_lowercase());
        self.tell_company(&mut tx, index, &d, uai, person, &texte, &now_s).await?;
        tx.commit().await.map_err(internal)?;
        Ok(())
    }

    /// Writes a public line of the thread and emails it to the company.
    #[allow(clippy::too_many_arguments)]
    async fn tell_company(
        &self,
        tx: &mut Tx,
        index: &SearchIndex,
        d: &DemandeRow,
        uai: Option<&str>,
        person: &str,
        text: &str,
        now_s: &str,
    ) -> Result<(), AnswerError> {
        store::insert_event(tx, &event(&d.id, "lycee", uai, Some(person), text.to_string(), true, now_s))
            .await
            .map_err(internal)?;
        let mail = templates::CompanyNotice {
            prenom: &d.contact_prenom,
            nom: &d.contact_nom,
            reference: &d.reference,
            author: &format!("{person} ({})", author_of(index, uai)),
            message: text,
            follow_url: &self.follow_url(&self.follow_token(d)),
        }
        .render_email();
        store::insert_outbox(tx, &outbox(&d.id, &d.contact_email, mail), now_s).await.map_err(internal)
    }

    /// A lycée (or the coordination, `uai` `None`) writes to the company:
    /// the message is in the thread of the company's follow-up page and
    /// sent by email.
    pub async fn write_to_company(
        &self,
        index: &SearchIndex,
        demande_id: &str,
        uai: Option<&str>,
        person: &str,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<(), AnswerError> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await.map_err(internal)?;
        let d = store::demande_for_update(&mut tx, demande_id).await.map_err(internal)?.ok_or(AnswerError::Unknown)?;
        if let Some(why) = is_over(&d.statut).filter(|_| d.statut != "cloturee") {
            return Err(AnswerError::Closed(why.into()));
        }
        self.tell_company(&mut tx, index, &d, uai, person, text, &now_s).await?;
        tx.commit().await.map_err(internal)?;
        Ok(())
    }

    /// A private note, seen by the lycées involved and the coordination,
    /// never by the company.
    pub async fn note(
        &self,
        demande_id: &str,
        uai: Option<&str>,
        person: &str,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<(), AnswerError> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await.map_err(internal)?;
        let d = store::demande_for_update(&mut tx, demande_id).await.map_err(internal)?.ok_or(AnswerError::Unknown)?;
        if let Some(why) = is_over(&d.statut) {
            return Err(AnswerError::Closed(why.into()));
        }
        store::insert_event(&mut tx, &event(&d.id, "note", uai, Some(person), text.to_string(), false, &now_s))
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(())
    }

    /// Gives the request to lycée `to`. With `from`, that lycée hands over
    /// its place (and role); without, a coordinator reassigns the pilot
    /// role of a request nobody has taken. The new lycée is notified like
    /// any recipient.
    pub async fn hand_over(
        &self,
        index: &SearchIndex,
        demande_id: &str,
        from: Option<&str>,
        to: &str,
        person: &str,
        now: OffsetDateTime,
    ) -> Result<(), AnswerError> {
        let Some(target) = index.lycee(to) else {
            return Err(AnswerError::Closed("inchangée : lycée inconnu".into()));
        };
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await.map_err(internal)?;
        let mut d =
            store::demande_for_update(&mut tx, demande_id).await.map_err(internal)?.ok_or(AnswerError::Unknown)?;
        if let Some(why) = is_over(&d.statut) {
            return Err(AnswerError::Closed(why.into()));
        }
        let mut recips = store::destinataires_in_tx(&mut tx, demande_id).await.map_err(internal)?;
        if from == Some(to) {
            return Err(AnswerError::Closed("inchangée : c'est déjà votre lycée".into()));
        }
        if recips
            .iter()
            .any(|r| r.uai == to && r.role != "reserve" && matches!(r.statut.as_str(), "nouvelle" | "prise_en_charge"))
        {
            return Err(AnswerError::Closed(format!("inchangée : {} y participe déjà", target.nom)));
        }
        let name = |u: &str| index.lycee(u).map_or(u.to_string(), |l| l.nom.clone());
        let role = match from {
            Some(u) => {
                let r = recips.iter_mut().find(|r| r.uai == u).ok_or(AnswerError::NotRecipient)?;
                if !matches!(r.statut.as_str(), "nouvelle" | "prise_en_charge") || r.role == "reserve" {
                    return Err(AnswerError::Closed("inchangée : votre lycée n'y participe plus".into()));
                }
                let role = if d.responsable_uai.as_deref() == Some(u) { "pilote".to_string() } else { r.role.clone() };
                r.statut = "declinee".into();
                r.motif = Some(format!("a passé la main à {}", target.nom));
                r.decide_le = Some(now_s.clone());
                r.decide_par = Some(person.to_string());
                store::update_destinataire(&mut tx, r).await.map_err(internal)?;
                if d.responsable_uai.as_deref() == Some(u) {
                    d.responsable_uai = None;
                    d.responsable_nom = None;
                }
                role
            }
            None => {
                if d.responsable_uai.is_some() {
                    return Err(AnswerError::AlreadyTaken);
                }
                // The silent pilot, if any, makes way.
                for r in recips.iter_mut().filter(|r| r.role == "pilote" && r.statut == "nouvelle") {
                    r.statut = "expiree".into();
                    r.motif = Some("demande réaffectée par la coordination".into());
                    r.decide_le = Some(now_s.clone());
                    r.decide_par = Some(person.to_string());
                    store::update_destinataire(&mut tx, r).await.map_err(internal)?;
                }
                "pilote".to_string()
            }
        };
        let place = index.places.get(&d.commune_code).and_then(|p| p.position);
        let distance = match (place, target.position) {
            (Some(a), Some(b)) => domain::geo::round_km(a.distance_km(&b)),
            _ => 0.0,
        };
        let reason = match from {
            Some(u) => format!("Confiée par {} ({person})", name(u)),
            None => format!("Confiée par la coordination territoriale ({person})"),
        };
        let row = match recips.iter().find(|r| r.uai == to) {
            Some(existing) => {
                let mut r = existing.clone();
                r.role = role.clone();
                r.statut = "nouvelle".into();
                r.raisons = format!("{reason}\n{}", r.raisons);
                r.notifie_le = Some(now_s.clone());
                r.motif = None;
                store::update_destinataire(&mut tx, &r).await.map_err(internal)?;
                r
            }
            None => {
                let r = DestinataireRow {
                    demande_id: d.id.clone(),
                    uai: to.to_string(),
                    role: role.clone(),
                    rang: recips.iter().map(|r| r.rang).max().unwrap_or(0) + 1,
                    statut: "nouvelle".into(),
                    raisons: reason.clone(),
                    distance_km: distance,
                    score: 0.0,
                    motif: None,
                    issue: None,
                    notifie_le: Some(now_s.clone()),
                    decide_le: None,
                    decide_par: None,
                };
                store::insert_destinataire(&mut tx, &r).await.map_err(internal)?;
                r
            }
        };
        store::count(&mut tx, std::slice::from_ref(&row.uai), 1, 0, &month_of(now)).await.map_err(internal)?;
        if d.responsable_uai.is_none() {
            d.statut = "transmise".into();
        }
        d.modifie_le = now_s.clone();
        store::update_demande(&mut tx, &d).await.map_err(internal)?;
        let texte = format!("{} reprend la demande ({}). {reason}.", target.nom, role_label(&role));
        store::insert_event(&mut tx, &event(&d.id, "systeme", Some(to), Some(person), texte, true, &now_s))
            .await
            .map_err(internal)?;
        let emails = store::lycee_emails(&self.db, std::slice::from_ref(&row.uai)).await.map_err(internal)?;
        if let Some(address) = emails.get(&row.uai) {
            let reasons: Vec<String> = row.raisons.lines().map(str::to_string).collect();
            let mail = self.lycee_email(index, &d, &row.uai, &role, &reasons, now);
            store::insert_outbox(&mut tx, &outbox(&d.id, address, mail), &now_s).await.map_err(internal)?;
        }
        if from.is_some() {
            self.tell_coordinators_of_crossing(&mut tx, index, &d, from, &target.uai, person, &now_s).await?;
        }
        tx.commit().await.map_err(internal)?;
        Ok(())
    }

    /// A business officer may hand a request to a lycée of another
    /// académie: it is allowed (the right lycée may be across the border),
    /// but the coordinators of both académies are told, so that no request
    /// leaves a territory unseen.
    #[allow(clippy::too_many_arguments)]
    async fn tell_coordinators_of_crossing(
        &self,
        tx: &mut Tx,
        index: &SearchIndex,
        d: &DemandeRow,
        from: Option<&str>,
        to: &str,
        person: &str,
        now_s: &str,
    ) -> Result<(), AnswerError> {
        let academie_of = |u: &str| index.lycee(u).and_then(|l| l.academie.clone());
        let from_academie = from.and_then(academie_of).or_else(|| d.academie_code.clone());
        let to_academie = academie_of(to);
        if from_academie == to_academie {
            return Ok(());
        }
        let name = |u: &str| index.lycee(u).map_or(u.to_string(), |l| l.nom.clone());
        let academie_name =
            |code: &str| index.academies.values().find(|(c, _)| c == code).map_or(code.to_string(), |(_, n)| n.clone());
        let reason = format!(
            "{} ({person}) l'a confiée à {}, d'une autre académie",
            from.map_or("Un lycée".to_string(), name),
            name(to)
        );
        for code in [from_academie, to_academie].into_iter().flatten() {
            let Some((address, _)) = store::coordination_of(&self.db, &code).await.map_err(internal)? else {
                continue;
            };
            let mail = templates::Coordination {
                reference: &d.reference,
                commune: &d.commune_nom,
                academie: &academie_name(&code),
                action: domain::ActionType::from_code(&d.action).map_or("Autre besoin", domain::ActionType::label),
                reason: &reason,
                recipients: vec![name(to)],
                entreprise: &d.entreprise_nom,
                contact: format!("{} {} <{}>", d.contact_prenom, d.contact_nom, d.contact_email),
                jobs: String::new(),
                message: &d.message,
            }
            .render_email();
            store::insert_outbox(tx, &outbox(&d.id, &address, mail), now_s).await.map_err(internal)?;
        }
        Ok(())
    }
}
