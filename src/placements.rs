//! The bureau des entreprises looking for placements: a lycée declares the
//! students still without a host company for a PFMP period (a need), the
//! need is shown to companies (showcase, `/stages`) and to the pôle de
//! stages, the partners that said they can host are called in one action,
//! and a need closes when filled, withdrawn, or by itself when its period
//! ends. Each change is one transaction, audited.

use crate::mail::outbox;
use crate::mail::templates::CallForPlacements;
use crate::partners::Errors;
use crate::search::SearchIndex;
use crate::security::{Signer, random_id};
use crate::storage::Db;
use crate::storage::partners::{self as crm, ContactRow, InteractionRow, PartenaireRow};
use crate::storage::placements::{self as store, BesoinRow, CapaciteRow};
use crate::storage::vitrines::PeriodeRow;
use domain::placements::{NeedStatus, months_label};

/// Most students a need may announce (a whole class or two).
pub const MAX_PLACES: i64 = 200;
/// Longest note of a need.
pub const MAX_NOTE: usize = 500;
/// How long an unsubscribe link stays valid: a partner may read an old
/// call long after it came.
pub const UNSUBSCRIBE_DAYS: i64 = 730;
/// Purpose of the unsubscribe tokens.
const UNSUBSCRIBE_PURPOSE: &str = "desinscription-appels";

/// A need checked from its form: the PFMP period it is for (from the
/// lycée's calendar), how many students, a note.
#[derive(Debug, Clone)]
pub struct NeedInput {
    pub period: PeriodeRow,
    pub places: i64,
    pub note: Option<String>,
}

/// A number of students typed in a form (a need, its update, a hosting
/// capacity): 1 to [`MAX_PLACES`], else an error on field `places`. The
/// one rule of the three forms.
pub fn read_places(typed: &str, errors: &mut Errors) -> i64 {
    match typed.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_PLACES).contains(&n) => n,
        Ok(_) => {
            errors.insert("places", format!("Un nombre d'élèves entre 1 et {MAX_PLACES}."));
            0
        }
        Err(_) => {
            errors.insert("places", "Indiquez un nombre d'élèves, par exemple 6.".into());
            0
        }
    }
}

/// Reads a need's form against the lycée's periods; field errors in French.
pub fn read_need(
    periods: &[PeriodeRow],
    period_id: &str,
    places: &str,
    note: &str,
    today: &str,
) -> Result<NeedInput, Errors> {
    let mut errors = Errors::new();
    let period = periods.iter().find(|p| p.id == period_id).cloned();
    match &period {
        None => {
            errors.insert("periode", "Choisissez une période de PFMP de votre calendrier.".into());
        }
        Some(p) if p.fin.as_str() < today => {
            errors.insert("periode", "Cette période est terminée : choisissez une période à venir ou en cours.".into());
        }
        Some(_) => {}
    }
    let places = read_places(places, &mut errors);
    let note = crate::partners::optional(note, MAX_NOTE, "note", &mut errors);
    match period {
        Some(period) if errors.is_empty() => Ok(NeedInput { period, places, note }),
        _ => Err(errors),
    }
}

/// Declares a need of lycée `uai`; its row.
pub async fn declare(db: &Db, uai: &str, input: &NeedInput, who: &str, now: &str) -> sqlx::Result<BesoinRow> {
    let row = BesoinRow {
        id: random_id(),
        uai: uai.to_string(),
        diplome: input.period.diplome.clone(),
        periode_id: Some(input.period.id.clone()),
        debut: input.period.debut.clone(),
        fin: input.period.fin.clone(),
        places: input.places,
        note: input.note.clone(),
        statut: NeedStatus::Ouvert,
        cree_le: now.to_string(),
        cree_par: who.to_string(),
        modifie_le: now.to_string(),
        clos_le: None,
        clos_par: None,
    };
    let mut tx = db.begin().await?;
    store::insert_besoin(&mut tx, &row).await?;
    let details = format!("{} élève(s), {} → {}", row.places, row.debut, row.fin);
    crate::accounts::audit(&mut tx, who, "besoin_stages_declare", uai, &details, now).await?;
    tx.commit().await?;
    Ok(row)
}

/// Closes an open need (filled or withdrawn); false when it was not open.
pub async fn close(db: &Db, uai: &str, id: &str, status: NeedStatus, who: &str, now: &str) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let closed = store::close_besoin(&mut tx, uai, id, status, now, who).await?;
    if closed {
        crate::accounts::audit(&mut tx, who, &format!("besoin_stages_{status}"), uai, id, now).await?;
    }
    tx.commit().await?;
    Ok(closed)
}

/// Changes how many students still look; false when the need is not open.
pub async fn set_places(db: &Db, uai: &str, id: &str, places: i64, now: &str) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let changed = store::set_places(&mut tx, uai, id, places, now).await?;
    tx.commit().await?;
    Ok(changed)
}

/// A partner of the lycée whose hosting capacity fits a need.
#[derive(Debug, Clone)]
pub struct Fitting {
    pub partner: PartenaireRow,
    /// What it said it can host, in words ("2 élèves en CAP …, janvier et
    /// février").
    pub capacities: Vec<String>,
    /// Contacts with an address that did not unsubscribe.
    pub reachable: Vec<ContactRow>,
    /// Addresses of it already called for this need.
    pub called: Vec<String>,
    /// Contacts that asked for no more calls.
    pub unsubscribed: usize,
}

impl Fitting {
    /// Contacts a call would reach now (not called yet for this need).
    pub fn to_call(&self) -> impl Iterator<Item = (&ContactRow, String)> {
        self.reachable.iter().filter_map(|c| {
            let norm = normalized(c.email.as_deref()?)?;
            (!self.called.contains(&norm)).then_some((c, norm))
        })
    }
}

/// A contact's address, normalised; None when it is not an address.
fn normalized(email: &str) -> Option<String> {
    email.trim().parse::<domain::Email>().ok().map(|e| e.normalized())
}

/// The words of one capacity ("2 élèves — CAP Électricien — janvier et
/// février").
pub fn capacity_words(index: &SearchIndex, uai: &str, c: &CapaciteRow) -> String {
    let what = match (&c.diplome, &c.rome) {
        (Some(cfd), _) => diploma_label(index, uai, cfd),
        (None, Some(rome)) => index.rome_labels.get(rome).cloned().unwrap_or_else(|| rome.clone()),
        (None, None) => "tout diplôme".into(),
    };
    format!(
        "{} — {what} — {}",
        domain::text::count_of(c.places, "élève", "élèves"),
        months_label(&domain::placements::parse_months(&c.mois))
    )
}

/// The label of diploma `cfd` as lycée `uai` teaches it, else its code.
pub fn diploma_label(index: &SearchIndex, uai: &str, cfd: &str) -> String {
    index
        .lycee(uai)
        .and_then(|l| l.offers.iter().find(|o| o.cfd == index.current_cfd(cfd)))
        .map_or_else(|| cfd.to_string(), |o| o.label.clone())
}

/// The jobs diploma `cfd` leads to, as lycée `uai` teaches it.
pub fn diploma_romes<'a>(index: &'a SearchIndex, uai: &str, cfd: &str) -> &'a [String] {
    let cfd = index.current_cfd(cfd);
    index.lycee(uai).and_then(|l| l.offers.iter().find(|o| o.cfd == cfd)).map_or(&[], |o| o.romes.as_slice())
}

/// The partners of the need's lycée whose capacity fits it, by name.
pub async fn fitting_partners(db: &Db, index: &SearchIndex, need: &BesoinRow) -> sqlx::Result<Vec<Fitting>> {
    let romes = diploma_romes(index, &need.uai, &need.diplome);
    let capacities = store::capacites_of_lycee(db, &need.uai).await?;
    let mut by_partner: std::collections::BTreeMap<String, Vec<&CapaciteRow>> = Default::default();
    for c in &capacities {
        if c.capacity().fits(&need.diplome, romes, (&need.debut, &need.fin)) {
            by_partner.entry(c.partenaire_id.clone()).or_default().push(c);
        }
    }
    if by_partner.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = by_partner.keys().cloned().collect();
    let contacts = crm::contacts_of(db, &ids).await?;
    let unsubscribed = store::unsubscribed(db, &need.uai).await?;
    let called = store::appels(db, &need.id).await?;
    // The lycée's partners in one query (not one per fitting partner).
    let mut partners: std::collections::HashMap<String, PartenaireRow> =
        crm::list(db, std::slice::from_ref(&need.uai), "", "").await?.into_iter().map(|p| (p.id.clone(), p)).collect();
    let mut out = Vec::new();
    for (id, caps) in by_partner {
        let Some(partner) = partners.remove(&id) else { continue };
        let mut fit = Fitting {
            capacities: caps.iter().map(|c| capacity_words(index, &need.uai, c)).collect(),
            reachable: Vec::new(),
            called: called.iter().filter(|(p, _, _)| *p == id).map(|(_, e, _)| e.clone()).collect(),
            unsubscribed: 0,
            partner,
        };
        for c in contacts.iter().filter(|c| c.partenaire_id == id) {
            match c.email.as_deref().and_then(normalized) {
                Some(e) if unsubscribed.contains(&e) => fit.unsubscribed += 1,
                Some(_) => fit.reachable.push(c.clone()),
                None => {}
            }
        }
        out.push(fit);
    }
    out.sort_by(|a, b| a.partner.nom_norm.cmp(&b.partner.nom_norm));
    Ok(out)
}

/// What a call for placements did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Called {
    /// Emails queued.
    pub sent: usize,
    /// Partners written to.
    pub partners: usize,
}

/// Where the emails' links lead.
pub struct Links<'a> {
    pub base_url: &'a str,
    pub signer: &'a Signer,
    /// Unix seconds now (the unsubscribe link's expiry counts from it).
    pub now_unix: i64,
}

/// Calls the fitting partners for a need: one email per contact not yet
/// called for it and not unsubscribed, through the outbox, and a line in
/// each partner's history — one transaction: a second click (or two
/// officers at once) never writes twice to the same person.
pub async fn call(
    db: &Db,
    index: &SearchIndex,
    need: &BesoinRow,
    fitting: &[Fitting],
    links: &Links<'_>,
    who: &str,
    now: &str,
) -> sqlx::Result<Called> {
    let lycee = index.lycee(&need.uai).map_or_else(|| need.uai.clone(), |l| l.nom.clone());
    let commune = index.lycee(&need.uai).map(|l| l.commune_nom.clone()).unwrap_or_default();
    let diploma = diploma_label(index, &need.uai, &need.diplome);
    let period = domain::text::period(Some(&need.debut), Some(&need.fin)).unwrap_or_default();
    let offer_url = format!("{}{}", links.base_url, offer_path(index, need));
    let mut done = Called::default();
    let mut tx = db.begin().await?;
    for f in fitting {
        let mut wrote = false;
        for (contact, norm) in f.to_call() {
            if !store::insert_appel(&mut tx, &random_id(), &need.id, &f.partner.id, &norm, now, who).await? {
                continue;
            }
            let token = unsubscribe_token(links.signer, &need.uai, &norm, links.now_unix);
            let mail = CallForPlacements {
                partenaire: &f.partner.nom,
                contact: contact.prenom.as_deref().unwrap_or(""),
                lycee: &lycee,
                commune: &commune,
                diploma: &diploma,
                period: &period,
                places: need.places,
                note: need.note.as_deref(),
                offer_url: &offer_url,
                guide_url: &format!("{}/entreprises/pfmp", links.base_url),
                unsubscribe_url: &format!("{}/stages/desinscription/{token}", links.base_url),
            }
            .render_email();
            let to = contact.email.as_deref().unwrap_or_default();
            outbox::enqueue(&mut tx, None, to, mail, now).await?;
            done.sent += 1;
            wrote = true;
        }
        if wrote {
            done.partners += 1;
            let line = InteractionRow {
                id: random_id(),
                partenaire_id: f.partner.id.clone(),
                date: now.get(0..10).unwrap_or(now).to_string(),
                genre: crate::partners::CALL_KIND.to_string(),
                texte: format!("Appel à accueillir des élèves de {diploma} {period}"),
                demande_id: None,
                cree_par: who.to_string(),
            };
            crm::insert_interaction(&mut tx, &line).await?;
        }
    }
    if done.sent > 0 {
        let details = format!("{} courriel(s) à {} partenaire(s)", done.sent, done.partners);
        crate::accounts::audit(&mut tx, who, "appel_stages", &need.id, &details, now).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// The request journey pre-filled to offer to host for a need: a PFMP,
/// the diploma's jobs, its period, that lycée as the pilot.
pub fn offer_path(index: &SearchIndex, need: &BesoinRow) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("action", domain::ActionType::Pfmp.code());
    q.append_pair("lycee", &need.uai);
    for rome in diploma_romes(index, &need.uai, &need.diplome).iter().take(5) {
        q.append_pair("rome", rome);
    }
    q.append_pair("debut", &need.debut);
    q.append_pair("fin", &need.fin);
    format!("/demande?{}", q.finish())
}

/// The token of the link by which `email_norm` stops receiving calls for
/// placements from `uai` (valid two years from `now_unix`: a call may be
/// read late).
pub fn unsubscribe_token(signer: &Signer, uai: &str, email_norm: &str, now_unix: i64) -> String {
    signer.sign(UNSUBSCRIBE_PURPOSE, &format!("{uai}|{email_norm}"), now_unix + UNSUBSCRIBE_DAYS * 86_400)
}

/// The lycée and address an unsubscribe token stands for.
pub fn read_unsubscribe(
    signer: &Signer,
    token: &str,
    now_unix: i64,
) -> Result<(String, String), crate::security::TokenError> {
    let payload = signer.verify(UNSUBSCRIBE_PURPOSE, token, now_unix)?;
    payload
        .split_once('|')
        .map(|(uai, email)| (uai.to_string(), email.to_string()))
        .ok_or(crate::security::TokenError::Invalid)
}

/// Honours an unsubscribe: `email` receives no more calls from `uai`.
pub async fn unsubscribe(db: &Db, uai: &str, email: &str, now: &str) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::unsubscribe(&mut tx, uai, email, now).await?;
    tx.commit().await
}

/// A hosting capacity as checked from its form.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityInput {
    pub diploma: Option<String>,
    pub rome: Option<String>,
    /// "1,2" (empty: all year), as stored.
    pub months: String,
    pub places: i64,
    pub note: Option<String>,
}

/// A hosting capacity checked from its form: `subject` is "cfd:…" (a
/// diploma of lycée `uai`) or "rome:…" (a job).
pub fn read_capacity(
    index: &SearchIndex,
    uai: &str,
    subject: &str,
    months: &[String],
    places: &str,
    note: &str,
) -> Result<CapacityInput, Errors> {
    let mut errors = Errors::new();
    let (diploma, rome) = match subject.split_once(':') {
        Some(("cfd", cfd)) if index.lycee(uai).is_some_and(|l| l.offers.iter().any(|o| o.cfd == cfd)) => {
            (Some(cfd.to_string()), None)
        }
        Some(("rome", rome)) if index.rome_labels.contains_key(rome) => (None, Some(rome.to_string())),
        _ => {
            errors.insert("pour", "Choisissez un diplôme ou un métier de la liste.".into());
            (None, None)
        }
    };
    let mut chosen = Vec::new();
    for m in months {
        match m.parse::<u8>() {
            Ok(n) if (1..=12).contains(&n) => chosen.push(n),
            _ => {
                errors.insert("mois", "Mois inconnu : cochez des mois de la liste.".into());
            }
        }
    }
    chosen.sort_unstable();
    chosen.dedup();
    let places = read_places(places, &mut errors);
    let note = crate::partners::optional(note, MAX_NOTE, "note", &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let months = chosen.iter().map(u8::to_string).collect::<Vec<_>>().join(",");
    Ok(CapacityInput { diploma, rome, months, places, note })
}

/// Records what partner `partner_id` can host.
pub async fn add_capacity(db: &Db, row: &CapaciteRow) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    store::insert_capacite(&mut tx, row).await?;
    tx.commit().await
}

/// Deletes one capacity of a partner; whether there was one.
pub async fn delete_capacity(db: &Db, partner_id: &str, id: &str) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let deleted = store::delete_capacite(&mut tx, partner_id, id).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// The sentence a company reads on the showcase and in `/stages`: "Nous
/// cherchons encore des entreprises pour accueillir 6 élèves de CAP
/// Électricien, du 12/01/2027 au 20/02/2027". The need counts students,
/// not companies: one company may take several.
pub fn need_sentence(diploma: &str, places: i64, debut: &str, fin: &str) -> String {
    format!(
        "Nous cherchons encore des entreprises pour accueillir {} de {diploma}, {}",
        domain::text::count_of(places, "élève", "élèves"),
        domain::text::period(Some(debut), Some(fin)).unwrap_or_default()
    )
}
