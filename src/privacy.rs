//! Personal data (RGPD, docs/rgpd.md). The company's personal data in a
//! request is kept `MLP_RETENTION_MOIS` months after the request ended,
//! then anonymised by the worker; an administrator can export everything
//! held about one address, and erase it on request. The figures of the
//! statistics never change: only names, addresses, phones and free texts
//! go.

use crate::clock;
use crate::requests::Action;
use crate::requests::RequestService;
use crate::search::SearchIndex;
use crate::storage::privacy::{self as store, Erased, HeldData};
use crate::storage::requests::{self as requests_store, EventRow};
use crate::storage::{Db, Tx};
use domain::lifecycle::{ActorKind, Event, RequestStatus};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

/// Requests anonymised per transaction batch of the job.
pub const BATCH: i64 = 100;
/// Batches per run at most: a backlog (the first run after an upgrade)
/// is worked through over several runs rather than in one long one.
const MAX_BATCHES: usize = 50;

/// `t` moved back `months` calendar months (the day clamped to the
/// month's length: 31 March − 1 month is 28 or 29 February).
pub fn months_before(t: OffsetDateTime, months: u32) -> OffsetDateTime {
    let total = t.year() * 12 + i32::from(u8::from(t.month())) - 1 - months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = time::Month::try_from(month0 as u8 + 1).unwrap_or(time::Month::January);
    let day = t.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).map_or(t, |d| t.replace_date(d))
}

/// What replaces a free text: "(texte effacé le JJ/MM/AAAA)".
pub fn erased_text(now: OffsetDateTime) -> String {
    format!("(texte effacé le {})", crate::requests::messages::day_of(&clock::to_rfc3339(now)))
}

/// Anonymises request `id` with `line` added to its story, unless already
/// done; whether it was done now. One transaction, the request's row
/// locked, so two runs never both do it.
async fn anonymise_one(db: &Db, id: &str, line: &str, now: OffsetDateTime) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let Some(d) = requests_store::demande_for_update(&mut tx, id).await? else { return Ok(false) };
    if store::anonymised_at(&mut tx, id).await?.is_some() {
        return Ok(false);
    }
    let now_s = clock::to_rfc3339(now);
    store::anonymise_request(&mut tx, &d, &erased_text(now), &now_s).await?;
    story(&mut tx, id, line, &now_s).await?;
    tx.commit().await?;
    Ok(true)
}

/// Adds a line of the service to a request's story, shown to the company.
async fn story(tx: &mut Tx, id: &str, line: &str, now_s: &str) -> sqlx::Result<()> {
    let ordre = requests_store::next_event_order(tx, id).await?;
    let row = EventRow {
        id: crate::security::random_id(),
        demande_id: id.to_string(),
        ordre,
        auteur: ActorKind::Systeme,
        uai: None,
        nom: None,
        texte: line.to_string(),
        public: true,
        cree_le: now_s.to_string(),
    };
    requests_store::insert_events(tx, &[row]).await
}

/// The retention job: anonymises the company's data of every request
/// that ended more than `months` months before `now` and still holds it.
/// How many requests were anonymised. Idempotent: a request is done once
/// (`anonymise_le`), and a request done by another worker meanwhile is
/// skipped.
pub async fn anonymise_ended(svc: &RequestService, months: u32, now: OffsetDateTime) -> anyhow::Result<usize> {
    let db = &svc.db;
    let before = clock::to_rfc3339(months_before(now, months));
    let line = format!("Données personnelles de l'entreprise effacées (conservation de {months} mois).");
    let mut done = 0;
    for _ in 0..MAX_BATCHES {
        let ids = store::due(db, &before, BATCH).await?;
        for id in &ids {
            if anonymise_one(db, id, &line, now).await? {
                done += 1;
            }
        }
        if (ids.len() as i64) < BATCH {
            break;
        }
    }
    if done > 0 {
        // Requests changed: what is computed from them is computed again
        // (the figures come out the same).
        svc.revision.fetch_add(1, std::sync::atomic::Ordering::Release);
    }
    Ok(done)
}

/// How an address appears in the audit log once erased, and in the lines
/// of the export and erasure themselves: a keyed digest of the lowercase
/// address, so that an administrator who knows the address can find its
/// lines again while the log never holds it in clear.
pub fn pseudonym(svc: &RequestService, email: &str) -> String {
    let digest = svc.signer.derive("rgpd-empreinte", &email.to_lowercase());
    format!("empreinte:{}", digest.chars().take(16).collect::<String>())
}

/// Everything held about `email` as JSON: the requests where it is the
/// company's contact (with their story and recipients), and the accounts,
/// join requests, partner contacts, emails and audit lines naming it.
pub async fn export(svc: &RequestService, email: &domain::Email, now: OffsetDateTime) -> anyhow::Result<Value> {
    let norm = email.normalized();
    let mut demandes = Vec::new();
    for id in store::requests_of(&svc.db, &norm).await? {
        let Some(d) = requests_store::demande_by_id(&svc.db, &id).await? else { continue };
        let story: Vec<Value> = requests_store::events(&svc.db, &id)
            .await?
            .into_iter()
            .map(|e| {
                json!({"quand": e.cree_le, "auteur": e.auteur.code(), "lycee": e.uai, "nom": e.nom,
                       "texte": e.texte, "public": e.public})
            })
            .collect();
        let lycees: Vec<String> =
            requests_store::destinataires(&svc.db, &id).await?.into_iter().map(|r| r.uai).collect();
        demandes.push(json!({
            "reference": d.reference, "cree_le": d.cree_le, "statut": d.statut.code(), "termine_le": d.termine_le,
            "action": d.action,
            "entreprise": {"nom": d.entreprise_nom, "siret": d.entreprise_siret, "naf": d.entreprise_naf,
                "nom_repertoire": d.entreprise_nom_siret},
            "contact": {"prenom": d.contact_prenom, "nom": d.contact_nom, "email": d.contact_email,
                        "telephone": d.contact_telephone},
            "commune": {"code": d.commune_code, "nom": d.commune_nom}, "rayon_km": d.rayon_km,
            "metiers": d.metiers, "metier_texte": d.metier_texte, "niveaux": d.niveaux,
            "nombre_eleves": d.nombre_eleves, "periode": {"debut": d.periode_debut, "fin": d.periode_fin},
            "message": d.message, "issue": d.issue,
            "avis": {"note": d.satisfaction, "commentaire": d.satisfaction_commentaire, "le": d.satisfaction_le},
            "lycees_sollicites": lycees, "histoire": story,
        }));
    }
    let held: HeldData = store::held(&svc.db, &norm).await?;
    let mut out = json!({
        "adresse": email.as_str(),
        "exporte_le": clock::to_rfc3339(now),
        "demandes": demandes,
    });
    if let (Value::Object(o), Value::Object(h)) = (&mut out, serde_json::to_value(&held)?) {
        o.extend(h);
    }
    Ok(out)
}

/// What an erasure did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erasure {
    /// Requests anonymised (references).
    pub requests: Vec<String>,
    /// Open requests cancelled first (references).
    pub cancelled: Vec<String>,
    pub held: Erased,
}

/// Erases `email` at once, whatever the age of its requests: an open
/// request is first cancelled through the lifecycle (the lycées are told
/// as when a company cancels), then every request where it is the
/// contact is anonymised as the retention job does; accounts, join
/// requests, partner contacts and emails lose it, and the audit log keeps
/// its pseudonym. The caller logs the erasure.
pub async fn erase(
    svc: &RequestService,
    index: &SearchIndex,
    email: &domain::Email,
    now: OffsetDateTime,
) -> anyhow::Result<Erasure> {
    let norm = email.normalized();
    let mut out = Erasure::default();
    let line = "Données personnelles de l'entreprise effacées à sa demande.";
    for id in store::requests_of(&svc.db, &norm).await? {
        let Some(d) = requests_store::demande_by_id(&svc.db, &id).await? else { continue };
        if matches!(d.statut, RequestStatus::Transmise | RequestStatus::PriseEnCharge | RequestStatus::EnAttente) {
            match svc.act(index, &id, Action::new(Event::Cancel, "administration"), now).await {
                Ok(_) => out.cancelled.push(d.reference.clone()),
                Err(e) => tracing::warn!(demande = %d.reference, erreur = %e, "annulation avant effacement refusée"),
            }
        }
        if anonymise_one(&svc.db, &id, line, now).await? {
            out.requests.push(d.reference);
        }
    }
    let mut tx = svc.db.begin().await?;
    out.held = store::erase_held(&mut tx, &norm, &pseudonym(svc, &norm)).await?;
    tx.commit().await?;
    svc.revision.fetch_add(1, std::sync::atomic::Ordering::Release);
    Ok(out)
}

/// Writes the audit line of an export or an erasure by `who`: the address
/// as its pseudonym, never in clear.
pub async fn log(
    svc: &RequestService,
    who: &str,
    action: &str,
    email: &domain::Email,
    details: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let mut tx = svc.db.begin().await?;
    let target = pseudonym(svc, &email.normalized());
    crate::accounts::audit(&mut tx, who, action, &target, details, &clock::to_rfc3339(now)).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn months_back_on_the_calendar() {
        assert_eq!(months_before(datetime!(2028-11-09 08:00 UTC), 24), datetime!(2026-11-09 08:00 UTC));
        assert_eq!(months_before(datetime!(2027-03-31 08:00 UTC), 1), datetime!(2027-02-28 08:00 UTC));
        assert_eq!(months_before(datetime!(2028-03-31 08:00 UTC), 1), datetime!(2028-02-29 08:00 UTC));
        assert_eq!(months_before(datetime!(2027-01-15 00:00 UTC), 13), datetime!(2025-12-15 00:00 UTC));
    }

    #[test]
    fn erased_text_is_dated_in_french() {
        assert_eq!(erased_text(datetime!(2028-12-01 10:00 UTC)), "(texte effacé le 01/12/2028)");
    }
}
