//! The partners of a lycée: what is checked when a business officer writes
//! them down, what the service records on its own (a request taken in
//! charge is an interaction with that company), and the reminder before a
//! partnership agreement ends.

use crate::clock;
use crate::mail::outbox::enqueue;
use crate::mail::templates;
use crate::security::random_id;
use crate::storage::partners::{self as store, InteractionRow, PartenaireRow};
use crate::storage::requests::{DemandeRow, lycee_emails};
use crate::storage::{Db, Tx};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// Kinds of interaction a business officer records by hand.
pub const KINDS: [(&str, &str); 5] = [
    ("visite", "Visite"),
    ("pfmp", "Élèves accueillis en stage (PFMP)"),
    ("apprenti", "Apprenti embauché"),
    ("evenement", "Événement"),
    ("autre", "Autre"),
];

/// Kind of the interaction the service records when it sends a partner a
/// call for placements ([`crate::placements::call`]).
pub const CALL_KIND: &str = "appel_stages";

/// The label of an interaction kind (including "demande", recorded by the
/// service).
pub fn kind_label(code: &str) -> &str {
    if code == "demande" {
        return "Demande reçue via MonLycéePro";
    }
    if code == CALL_KIND {
        return "Appel à accueillir des élèves envoyé";
    }
    KINDS.iter().find(|(c, _)| *c == code).map_or(code, |(_, l)| l)
}

/// Days before its end that a convention is recalled.
pub const REMINDER_DAYS: i64 = 60;

/// Field errors of a form, by field name, in French.
pub type Errors = BTreeMap<&'static str, String>;

/// Text of at most `max` characters, trimmed; empty is `None`.
pub fn optional(value: &str, max: usize, field: &'static str, errors: &mut Errors) -> Option<String> {
    let v = value.trim();
    if v.chars().count() > max {
        errors.insert(field, format!("{max} caractères au plus."));
    }
    (!v.is_empty()).then(|| v.chars().take(max).collect())
}

/// Required text of at most `max` characters.
pub fn required(value: &str, max: usize, field: &'static str, errors: &mut Errors) -> String {
    let v = optional(value, max, field, errors);
    if v.is_none() {
        errors.insert(field, "Champ obligatoire.".into());
    }
    v.unwrap_or_default()
}

/// A name checked by the one rule of names (`domain::names`): the
/// partner's (`organisation`) or a contact's; empty is `None`.
pub fn name(value: &str, organisation: bool, field: &'static str, errors: &mut Errors) -> Option<String> {
    let checked =
        if organisation { domain::names::organisation_name(value) } else { domain::names::person_name(value) };
    match checked {
        Ok(n) => Some(n),
        Err(domain::names::NameError::Empty) => None,
        Err(e) => {
            let mut message = e.to_string();
            if let Some(first) = message.get(0..1) {
                message = format!("{}{}.", first.to_uppercase(), &message[1..]);
            }
            errors.insert(field, message);
            None
        }
    }
}

/// A required name (see [`name`]).
pub fn required_name(value: &str, organisation: bool, field: &'static str, errors: &mut Errors) -> String {
    let v = name(value, organisation, field, errors);
    if v.is_none() && !errors.contains_key(field) {
        errors.insert(field, "Champ obligatoire.".into());
    }
    v.unwrap_or_default()
}

/// A date typed as JJ/MM/AAAA or AAAA-MM-JJ (what a date field sends).
pub fn date(value: &str, field: &'static str, errors: &mut Errors) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let iso = match v.split('/').collect::<Vec<_>>().as_slice() {
        [d, m, y] => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => v.to_string(),
    };
    match Date::parse(&iso, time::macros::format_description!("[year]-[month]-[day]")) {
        Ok(d) if (2000..=2100).contains(&d.year()) => Some(d.to_string()),
        _ => {
            errors.insert(field, "Date invalide : JJ/MM/AAAA, par exemple 01/09/2027.".into());
            None
        }
    }
}

/// Tags typed with commas: trimmed, kept as typed ("BTP" stays "BTP"),
/// without duplicates compared without case or accents (the first
/// spelling wins).
pub fn tags(value: &str, errors: &mut Errors) -> String {
    let mut out: Vec<String> = Vec::new();
    for t in
        value.split([',', ';']).map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|t| !t.is_empty())
    {
        if t.chars().count() > 40 {
            errors.insert("tags", "Une étiquette fait 40 caractères au plus.".into());
        } else if !out.iter().any(|o| domain::text::fold(o) == domain::text::fold(&t)) {
            out.push(t);
        }
    }
    if out.len() > 15 {
        errors.insert("tags", "15 étiquettes au plus.".into());
    }
    out.join(",")
}

/// The partner of `uai` for a request's company (same SIRET, else same
/// name), created when new, with an interaction for the request. Runs in
/// the transaction that takes the request in charge. Returns the partner's
/// id when it was created now (the officer may undo it: [`undo_added`]).
pub async fn record_request(
    tx: &mut Tx,
    uai: &str,
    d: &DemandeRow,
    person: &str,
    now: &str,
) -> sqlx::Result<Option<String>> {
    let folded = domain::text::fold(&d.entreprise_nom);
    let mut created = None;
    let partner = match store::find(tx, uai, d.entreprise_siret.as_deref(), &folded).await? {
        Some(p) => p,
        None => {
            let p = PartenaireRow {
                id: random_id(),
                uai: uai.to_string(),
                nom: d.entreprise_nom.clone(),
                nom_norm: folded,
                siret: d.entreprise_siret.clone(),
                secteur: None,
                adresse: Some(d.commune_nom.clone()),
                tags: String::new(),
                cree_le: now.to_string(),
                modifie_le: now.to_string(),
            };
            store::upsert(tx, &p).await?;
            store::set_created_by_request(tx, &p.id, &d.id).await?;
            created = Some(p.id.clone());
            p
        }
    };
    let action = domain::ActionType::from_code(&d.action).map_or("Autre besoin", domain::ActionType::label);
    store::insert_interaction(
        tx,
        &InteractionRow {
            id: random_id(),
            partenaire_id: partner.id,
            date: now.get(0..10).unwrap_or(now).to_string(),
            genre: "demande".into(),
            texte: format!(
                "Demande {} prise en charge : {action} ({} {}, {}).",
                d.reference, d.contact_prenom, d.contact_nom, d.contact_email
            ),
            demande_id: Some(d.id.clone()),
            cree_par: person.to_string(),
        },
    )
    .await?;
    Ok(created)
}

/// Whether partner `id` of `uai` was added by taking request `demande_id`
/// and nobody touched it since (no edit, contact, convention or other
/// history): only then may the addition be undone.
pub async fn undoable(db: &Db, uai: &str, id: &str, demande_id: &str) -> sqlx::Result<bool> {
    store::untouched_since_request(db, uai, id, demande_id).await
}

/// Undoes the addition of partner `id` of `uai` by request `demande_id`,
/// if [`undoable`]: checked, deleted and logged (by `who`) in one
/// transaction. Whether it was removed.
pub async fn undo_added(db: &Db, uai: &str, id: &str, demande_id: &str, who: &str, now: &str) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let Some(p) = store::by_id_tx(&mut tx, id).await? else { return Ok(false) };
    if !store::untouched_since_request_tx(&mut tx, uai, id, demande_id).await? {
        return Ok(false);
    }
    store::delete(&mut tx, id).await?;
    crate::accounts::audit(&mut tx, who, "partenaire_ajout_annule", uai, &p.nom, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The partner of `uai` that taking request `demande_id` created, if it is
/// still there untouched.
pub async fn added_by(db: &Db, uai: &str, demande_id: &str) -> sqlx::Result<Option<PartenaireRow>> {
    match store::created_by_request(db, uai, demande_id).await? {
        Some(p) if undoable(db, uai, &p.id, demande_id).await? => Ok(Some(p)),
        _ => Ok(None),
    }
}

/// Queues the reminders of conventions ending within [`REMINDER_DAYS`]
/// days, to the lycée's business officers; how many were queued.
pub async fn remind_conventions(db: &Db, base_url: &str, now: OffsetDateTime) -> anyhow::Result<usize> {
    let until = (now + time::Duration::days(REMINDER_DAYS)).date().to_string();
    let now_s = clock::to_rfc3339(now);
    let mut queued = 0;
    for (c, p) in store::conventions_to_remind(db, &until).await? {
        let to = lycee_emails(db, std::slice::from_ref(&p.uai)).await?;
        let mut tx = db.begin().await?;
        if !store::reminded(&mut tx, &c.id, &now_s).await? {
            continue;
        }
        if let Some(address) = to.get(&p.uai) {
            let mail = templates::ConventionReminder {
                partenaire: &p.nom,
                objet: &c.objet,
                fin: &domain::text::short_date(&c.fin),
                url: &format!("{}/espace/partenaires/{}", base_url.trim_end_matches('/'), p.id),
            }
            .render_email();
            enqueue(&mut tx, None, address, mail, &now_s).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// A partner written by hand: recorded, and the addition audited (by
/// `who`, at `now`), in one transaction.
pub async fn create(db: &Db, row: &PartenaireRow, who: &str, now: &str) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::upsert(&mut tx, row).await?;
    crate::accounts::audit(&mut tx, who, "partenaire_cree", &row.uai, &row.nom, now).await?;
    tx.commit().await
}

/// A partner's details changed.
pub async fn update(db: &Db, row: &PartenaireRow) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::upsert(&mut tx, row).await?;
    tx.commit().await
}

/// A contact of a partner.
pub async fn add_contact(db: &Db, row: &store::ContactRow) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::insert_contact(&mut tx, row).await?;
    tx.commit().await
}

/// A line of a partner's history written by hand.
pub async fn add_interaction(db: &Db, row: &InteractionRow) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::insert_interaction(&mut tx, row).await?;
    tx.commit().await
}

/// A partnership agreement of partner `p`, audited.
pub async fn add_convention(
    db: &Db,
    p: &PartenaireRow,
    row: &store::ConventionRow,
    who: &str,
    now: &str,
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::insert_convention(&mut tx, row).await?;
    crate::accounts::audit(&mut tx, who, "convention_ajoutee", &p.uai, &p.nom, now).await?;
    tx.commit().await
}

/// Partner `p` deleted with everything it holds, audited.
pub async fn delete(db: &Db, p: &PartenaireRow, who: &str, now: &str) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::delete(&mut tx, &p.id).await?;
    crate::accounts::audit(&mut tx, who, "partenaire_supprime", &p.uai, &p.nom, now).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_tags_are_checked() {
        let mut e = Errors::new();
        assert_eq!(date("01/09/2027", "fin", &mut e).as_deref(), Some("2027-09-01"));
        assert_eq!(date("1/9/2027", "fin", &mut e).as_deref(), Some("2027-09-01"));
        assert_eq!(date("2027-09-01", "fin", &mut e).as_deref(), Some("2027-09-01"));
        assert!(e.is_empty());
        for bad in ["31/02/2027", "demain", "01/09/1899", "2027-13-01"] {
            let mut e = Errors::new();
            assert_eq!(date(bad, "fin", &mut e), None, "{bad}");
            assert!(e.contains_key("fin"), "{bad}");
        }
        let mut e = Errors::new();
        assert_eq!(tags(" BTP, électricité ;btp,, Électricité", &mut e), "BTP,électricité");
        assert!(e.is_empty());
        tags(&"x".repeat(41), &mut e);
        assert!(e.contains_key("tags"));
        assert_eq!(kind_label("pfmp"), "Élèves accueillis en stage (PFMP)");
    }
}
