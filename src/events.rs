//! Events a lycée opens to companies (issue 16): publishing, editing and
//! cancelling them, a company's registration without an account (its
//! address confirmed through a signed link before a place is taken), the
//! `.ics` invitation, the reminder of the day before, and the partner's
//! history. Every change is one transaction here, with the emails it
//! tells queued in it; handlers only check forms and render.

use crate::clock;
use crate::mail::outbox::enqueue;
use crate::mail::templates;
use crate::security::{Signer, random_id};
use crate::storage::events::{self as store, EventRow, RegistrationRow};
use crate::storage::partners::{self as partners_store, ContactRow, InteractionRow, PartenaireRow};
use crate::storage::{Db, Tx};
use domain::events::{Confirmation, EventState, RegistrationState};
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

/// What a registrant's link is signed for.
const PURPOSE: &str = "inscription_evenement";
/// How long the link of the confirmation email is valid (at most until
/// the event ends).
pub const CONFIRM_LINK_DAYS: i64 = 7;
/// How long after the event the registrant's later links stay valid (the
/// `.ics`, the registration page).
const AFTER_EVENT_DAYS: i64 = 30;
/// How long before the start the reminder leaves.
pub const REMINDER_HOURS: i64 = 24;
/// Who the service writes in a partner's history for a registration.
pub const RECORDED_BY: &str = "inscription en ligne";

/// A stored instant in the lycée's local time (`departement` gives the
/// offset: Paris time in metropolitan France, the overseas ones there).
pub fn local(rfc3339: &str, departement: &str) -> Option<OffsetDateTime> {
    let t = clock::parse(rfc3339)?;
    Some(t.to_offset(domain::calendar::local_offset(departement, t)))
}

/// "14 h 30".
pub fn hour(t: OffsetDateTime) -> String {
    format!("{:02} h {:02}", t.hour(), t.minute())
}

/// "14/01/2027".
pub fn day(t: OffsetDateTime) -> String {
    format!("{:02}/{:02}/{}", t.day(), u8::from(t.month()), t.year())
}

/// When an event takes place, as a sentence fragment: "le 14/01/2027 de
/// 14 h 00 à 17 h 30", or over several days "du 14/01/2027 à 09 h 00 au
/// 15/01/2027 à 17 h 00".
pub fn span(debut: &str, fin: &str, departement: &str) -> String {
    match (local(debut, departement), local(fin, departement)) {
        (Some(a), Some(b)) if a.date() == b.date() => format!("le {} de {} à {}", day(a), hour(a), hour(b)),
        (Some(a), Some(b)) => format!("du {} à {} au {} à {}", day(a), hour(a), day(b), hour(b)),
        _ => String::new(),
    }
}

/// A local day and time typed in a form ("14:30", "14 h 30", "14h") read
/// as an instant, in the lycée's local time; `None` when unreadable.
pub fn typed_time(text: &str) -> Option<time::Time> {
    let t: String = text.trim().to_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
    let (h, m) = match t.split_once([':', 'h']) {
        Some((h, m)) => (h.to_string(), if m.is_empty() { "0".to_string() } else { m.to_string() }),
        None => (t.clone(), "0".to_string()),
    };
    if h.is_empty() || h.len() > 2 || m.len() > 2 || !(h.chars().chain(m.chars())).all(|c| c.is_ascii_digit()) {
        return None;
    }
    time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

/// The UTC instant of a local day and time at a lycée of `departement`.
pub fn instant(date: time::Date, at: time::Time, departement: &str) -> OffsetDateTime {
    let naive = PrimitiveDateTime::new(date, at);
    // The offset of that moment (read at the same clock time in UTC: off
    // only within the hour of a change of time, at night).
    let offset = domain::calendar::local_offset(departement, naive.assume_utc());
    naive.assume_offset(offset).to_offset(time::UtcOffset::UTC)
}

/// The registrant's link to their registration, valid until `expires`.
pub fn link(signer: &Signer, base_url: &str, registration: &str, expires: OffsetDateTime) -> String {
    let token = signer.sign(PURPOSE, registration, expires.unix_timestamp());
    format!("{}/evenements/inscription/{token}", base_url.trim_end_matches('/'))
}

/// The registration a link names, if it is intact and not expired.
pub fn verify(signer: &Signer, token: &str, now: OffsetDateTime) -> Result<String, crate::security::TokenError> {
    signer.verify(PURPOSE, token, now.unix_timestamp())
}

/// Until when the later links of a registration stay valid.
fn late_expiry(e: &EventRow, now: OffsetDateTime) -> OffsetDateTime {
    clock::parse(&e.fin).unwrap_or(now) + Duration::days(AFTER_EVENT_DAYS)
}

/// What a registration's emails say of its event.
pub struct Told<'a> {
    pub event: &'a EventRow,
    /// The lycée's name and its département.
    pub lycee: &'a str,
    pub departement: &'a str,
    pub base_url: &'a str,
}

impl Told<'_> {
    fn when(&self) -> String {
        span(&self.event.debut, &self.event.fin, self.departement)
    }

    fn place(&self) -> String {
        if self.event.adresse.is_empty() {
            self.event.lieu.clone()
        } else {
            format!("{}, {}", self.event.lieu, self.event.adresse)
        }
    }

    fn page(&self) -> String {
        format!("{}/evenements/{}", self.base_url.trim_end_matches('/'), self.event.id)
    }
}

/// An event published by `who`, audited.
pub async fn publish(db: &Db, e: &EventRow, who: &str) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::insert_event(&mut tx, e).await?;
    crate::accounts::audit(&mut tx, who, "evenement_publie", &e.uai, &e.titre, &e.cree_le).await?;
    tx.commit().await
}

/// An event's details changed by `who`, audited.
pub async fn update(db: &Db, e: &EventRow, who: &str) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::update_event(&mut tx, e).await?;
    crate::accounts::audit(&mut tx, who, "evenement_modifie", &e.uai, &e.titre, &e.modifie_le).await?;
    tx.commit().await
}

/// Cancels an event (by `who`): the confirmed registrants are told, in
/// the same transaction. How many were told; `None` when it already was
/// cancelled.
pub async fn cancel(db: &Db, told: &Told<'_>, who: &str, now: OffsetDateTime) -> sqlx::Result<Option<usize>> {
    let now_s = clock::to_rfc3339(now);
    let e = told.event;
    let mut tx = db.begin().await?;
    if !store::cancel_event(&mut tx, &e.id, &now_s).await? {
        return Ok(None);
    }
    let mut n = 0;
    for r in store::registrations_tx(&mut tx, &e.id).await? {
        if r.etat != RegistrationState::Confirmee {
            continue;
        }
        let mail = templates::EventCancelled {
            prenom: r.prenom.as_deref().unwrap_or(""),
            nom: &r.nom,
            titre: &e.titre,
            lycee: told.lycee,
            quand: told.when(),
        }
        .render_email();
        enqueue(&mut tx, None, &r.email, mail, &now_s).await?;
        n += 1;
    }
    crate::accounts::audit(&mut tx, who, "evenement_annule", &e.uai, &e.titre, &now_s).await?;
    tx.commit().await?;
    Ok(Some(n))
}

/// What a company typed to register.
#[derive(Debug, Clone, Default)]
pub struct Registrant {
    pub entreprise: String,
    pub prenom: Option<String>,
    pub nom: String,
    pub email: String,
    pub telephone: Option<String>,
    pub personnes: i64,
}

/// Why a registration is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Full,
    Cancelled,
    Past,
}

/// Registers a company (waiting for its address to be confirmed: no
/// place is taken yet) and queues the email with the confirmation link.
/// Refused when the event is cancelled, started or already full.
pub async fn register(
    db: &Db,
    signer: &Signer,
    told: &Told<'_>,
    who: &Registrant,
    now: OffsetDateTime,
) -> sqlx::Result<Result<RegistrationRow, Refused>> {
    let now_s = clock::to_rfc3339(now);
    let mut tx = db.begin().await?;
    let Some(e) = store::lock_event(&mut tx, &told.event.id).await? else { return Ok(Err(Refused::Cancelled)) };
    let confirmed = store::confirmed_count(&mut tx, &e.id).await?;
    let started = e.debut <= now_s;
    // A waiting registration in a full event would only be refused later.
    match domain::events::confirm(RegistrationState::EnAttente, e.etat, started, confirmed, e.capacite) {
        Confirmation::Full => return Ok(Err(Refused::Full)),
        Confirmation::EventCancelled => return Ok(Err(Refused::Cancelled)),
        Confirmation::EventPast => return Ok(Err(Refused::Past)),
        _ => {}
    }
    let r = RegistrationRow {
        id: random_id(),
        evenement_id: e.id.clone(),
        entreprise: who.entreprise.clone(),
        prenom: who.prenom.clone(),
        nom: who.nom.clone(),
        email: who.email.clone(),
        telephone: who.telephone.clone(),
        personnes: who.personnes,
        etat: RegistrationState::EnAttente,
        cree_le: now_s.clone(),
        confirme_le: None,
        rappel_envoye_le: None,
        annule_le: None,
        anonymise_le: None,
    };
    store::insert_registration(&mut tx, &r).await?;
    let expires = (now + Duration::days(CONFIRM_LINK_DAYS)).min(clock::parse(&e.fin).unwrap_or(now));
    let mail = templates::EventConfirmAddress {
        prenom: r.prenom.as_deref().unwrap_or(""),
        nom: &r.nom,
        titre: &e.titre,
        lycee: told.lycee,
        quand: told.when(),
        lien: link(signer, told.base_url, &r.id, expires),
        expire: crate::web::suivi::when(&clock::to_rfc3339(expires)),
    }
    .render_email();
    enqueue(&mut tx, None, &r.email, mail, &now_s).await?;
    tx.commit().await?;
    Ok(Ok(r))
}

/// Confirms registration `id`: the place is taken if one is left (counted
/// under the event's lock), the partner's history records it, and the
/// email with the invitation leaves. What the lifecycle decided.
pub async fn confirm(
    db: &Db,
    signer: &Signer,
    told: &Told<'_>,
    id: &str,
    now: OffsetDateTime,
) -> sqlx::Result<Confirmation> {
    let now_s = clock::to_rfc3339(now);
    let mut tx = db.begin().await?;
    let Some(e) = store::lock_event(&mut tx, &told.event.id).await? else { return Ok(Confirmation::EventCancelled) };
    let Some(r) = store::registration_tx(&mut tx, id).await? else { return Ok(Confirmation::RegistrationCancelled) };
    let confirmed = store::confirmed_count(&mut tx, &e.id).await?;
    let decision = domain::events::confirm(r.etat, e.etat, e.debut <= now_s, confirmed, e.capacite);
    if decision != Confirmation::Confirmed || !store::set_confirmed(&mut tx, &r.id, &now_s).await? {
        return Ok(decision);
    }
    record_partner(&mut tx, &e, &r, told.when(), &now_s).await?;
    let page = link(signer, told.base_url, &r.id, late_expiry(&e, now));
    let mail = templates::EventConfirmed {
        prenom: r.prenom.as_deref().unwrap_or(""),
        nom: &r.nom,
        titre: &e.titre,
        lycee: told.lycee,
        quand: told.when(),
        lieu: told.place(),
        ics: format!("{page}/invitation.ics"),
        lien: page,
        evenement: told.page(),
    }
    .render_email();
    enqueue(&mut tx, None, &r.email, mail, &now_s).await?;
    tx.commit().await?;
    Ok(Confirmation::Confirmed)
}

/// Cancels registration `id` (the company's own link): a confirmed place
/// is freed. Whether it changed.
pub async fn cancel_registration(db: &Db, id: &str, now: OffsetDateTime) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let changed = store::set_cancelled(&mut tx, id, &clock::to_rfc3339(now)).await?;
    tx.commit().await?;
    Ok(changed)
}

/// The company's registration in the lycée's partner register: the
/// partner with a contact of that address, else of that name (folded),
/// else a new partner with the registrant as contact; then a line
/// "Événement" in its history.
async fn record_partner(tx: &mut Tx, e: &EventRow, r: &RegistrationRow, when: String, now: &str) -> sqlx::Result<()> {
    let folded = domain::text::fold(&r.entreprise);
    let partner = match partners_store::find_by_contact_email(tx, &e.uai, &r.email).await? {
        Some(p) => p,
        None => match partners_store::find(tx, &e.uai, None, &folded).await? {
            Some(p) => p,
            None => {
                let p = PartenaireRow {
                    id: random_id(),
                    uai: e.uai.clone(),
                    nom: r.entreprise.clone(),
                    nom_norm: folded,
                    cree_le: now.to_string(),
                    modifie_le: now.to_string(),
                    ..Default::default()
                };
                partners_store::upsert(tx, &p).await?;
                partners_store::insert_contact(
                    tx,
                    &ContactRow {
                        id: random_id(),
                        partenaire_id: p.id.clone(),
                        prenom: r.prenom.clone(),
                        nom: r.nom.clone(),
                        fonction: None,
                        email: Some(r.email.clone()),
                        telephone: r.telephone.clone(),
                    },
                )
                .await?;
                p
            }
        },
    };
    let person = match &r.prenom {
        Some(p) => format!("{p} {}", r.nom),
        None => r.nom.clone(),
    };
    partners_store::insert_interaction(
        tx,
        &InteractionRow {
            id: random_id(),
            partenaire_id: partner.id,
            date: now.get(0..10).unwrap_or(now).to_string(),
            genre: "evenement".into(),
            texte: format!(
                "Inscription confirmée à « {} » ({} ; {}, {}, {}).",
                e.titre,
                e.genre.label(),
                when,
                person,
                domain::text::count_of(r.personnes, "personne", "personnes")
            ),
            demande_id: None,
            cree_par: RECORDED_BY.into(),
        },
    )
    .await
}

/// The `.ics` invitation (RFC 5545) of a registration's event: one
/// VEVENT, times in UTC (every calendar converts them), a stable UID per
/// registration so that a second download updates the same entry.
pub fn invitation(e: &EventRow, r: &RegistrationRow, lycee: &str, page_url: &str, now: OffsetDateTime) -> String {
    use icalendar::{Calendar, Component, EventLike};
    let (Some(start), Some(end)) = (clock::parse(&e.debut), clock::parse(&e.fin)) else { return String::new() };
    let location = if e.adresse.is_empty() { e.lieu.clone() } else { format!("{}, {}", e.lieu, e.adresse) };
    let stamp = now.to_offset(time::UtcOffset::UTC);
    let event = icalendar::Event::new()
        .uid(&format!("{}@monlyceepro", r.id))
        .add_property(
            "DTSTAMP",
            format!(
                "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                stamp.year(),
                u8::from(stamp.month()),
                stamp.day(),
                stamp.hour(),
                stamp.minute(),
                stamp.second()
            ),
        )
        .summary(&format!("{} — {}", e.titre, lycee))
        .description(&format!("{}\n\n{}", e.description, page_url))
        .location(&location)
        .url(page_url)
        .starts(start)
        .ends(end)
        .done();
    let mut cal = Calendar::new();
    cal.push(event);
    cal.done().to_string()
}

/// Queues the reminder of the confirmed registrations of the events
/// starting within [`REMINDER_HOURS`] hours, each once (recorded on the
/// registration in the transaction that queues it). How many.
pub async fn remind(
    db: &Db,
    signer: &Signer,
    base_url: &str,
    lycee_of: &(dyn Fn(&str) -> (String, String) + Sync),
    now: OffsetDateTime,
) -> anyhow::Result<usize> {
    let now_s = clock::to_rfc3339(now);
    let until = clock::to_rfc3339(now + Duration::hours(REMINDER_HOURS));
    let mut queued = 0;
    for (r, e) in store::to_remind(db, &now_s, &until).await? {
        let mut tx = db.begin().await?;
        if !store::reminded(&mut tx, &r.id, &now_s).await? {
            continue;
        }
        let (lycee, departement) = lycee_of(&e.uai);
        let told = Told { event: &e, lycee: &lycee, departement: &departement, base_url };
        let page = link(signer, base_url, &r.id, late_expiry(&e, now));
        let mail = templates::EventReminder {
            prenom: r.prenom.as_deref().unwrap_or(""),
            nom: &r.nom,
            titre: &e.titre,
            lycee: &lycee,
            quand: told.when(),
            lieu: told.place(),
            ics: format!("{page}/invitation.ics"),
            lien: page,
        }
        .render_email();
        enqueue(&mut tx, None, &r.email, mail, &now_s).await?;
        tx.commit().await?;
        queued += 1;
    }
    Ok(queued)
}

/// Erases the person in the registrations of events ended more than
/// `months` months before `now` (the company's name stays in the lycée's
/// history). How many.
pub async fn anonymise_ended(db: &Db, months: u32, now: OffsetDateTime) -> sqlx::Result<u64> {
    let before = clock::to_rfc3339(crate::privacy::months_before(now, months));
    let mut tx = db.begin().await?;
    let n = store::anonymise(&mut tx, None, Some(&before), &clock::to_rfc3339(now)).await?;
    tx.commit().await?;
    Ok(n)
}

/// Whether an event is over at `now`.
pub fn is_over(e: &EventRow, now: OffsetDateTime) -> bool {
    e.fin <= clock::to_rfc3339(now)
}

/// Whether an event still takes registrations at `now`.
pub fn open(e: &EventRow, now: OffsetDateTime) -> bool {
    e.etat == EventState::Publie && e.debut > clock::to_rfc3339(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_typed_and_shown_in_local_time() {
        assert_eq!(typed_time("14:30"), time::Time::from_hms(14, 30, 0).ok());
        assert_eq!(typed_time("14 h 30"), time::Time::from_hms(14, 30, 0).ok());
        assert_eq!(typed_time("9h"), time::Time::from_hms(9, 0, 0).ok());
        for bad in ["", "25:00", "14:60", "midi", "1430h", "-1:00"] {
            assert_eq!(typed_time(bad), None, "{bad}");
        }
        let winter = instant(time::macros::date!(2027 - 01 - 14), time::macros::time!(14:30), "15");
        assert_eq!(clock::to_rfc3339(winter), "2027-01-14T13:30:00Z");
        let summer = instant(time::macros::date!(2027 - 06 - 14), time::macros::time!(14:30), "75");
        assert_eq!(clock::to_rfc3339(summer), "2027-06-14T12:30:00Z");
        assert_eq!(span("2027-01-14T13:30:00Z", "2027-01-14T16:00:00Z", "15"), "le 14/01/2027 de 14 h 30 à 17 h 00");
        assert_eq!(
            span("2027-01-14T08:00:00Z", "2027-01-15T16:00:00Z", "974"),
            "du 14/01/2027 à 12 h 00 au 15/01/2027 à 20 h 00"
        );
    }
}
