//! Storage of the personal data duties (RGPD, docs/rgpd.md): finding the
//! requests whose company data is due for anonymisation, anonymising one
//! request, and reading or erasing everything held about one email
//! address. Every statement is portable SQL (`REPLACE`, `||`, `LOWER` mean
//! the same on SQLite and PostgreSQL).

use super::outbox::{OutboxStatus, PURGED_BODY};
use super::requests::DemandeRow;
use super::{Db, Tx};
use crate::{on_db, on_tx};
use domain::lifecycle::ActorKind;
use serde::Serialize;

/// What replaces a company contact's first and last names.
pub const ERASED_NAME: &str = "(effacé)";
/// What replaces an address quoted in a lycée's own words.
pub const ERASED_ADDRESS: &str = "(adresse effacée)";

/// A non-routable address, unique per row: `efface+<id>@invalid`
/// (`.invalid` is reserved, RFC 2606), so unique indexes and duplicate
/// checks keep working and no email can ever leave for it.
pub fn placeholder(id: &str) -> String {
    format!("efface+{id}@invalid")
}

/// The requests ended before `ended_before` (a stored timestamp) whose
/// company data is still held, oldest first, at most `limit`.
pub async fn due(db: &Db, ended_before: &str, limit: i64) -> sqlx::Result<Vec<String>> {
    on_db!(db, p => sqlx::query_scalar::<_, String>(
        "SELECT id FROM demandes WHERE termine_le IS NOT NULL AND termine_le < $1 AND anonymise_le IS NULL \
         ORDER BY termine_le, id LIMIT $2"
    ).bind(ended_before).bind(limit).fetch_all(p).await)
}

/// When request `id`'s company data was anonymised (`None`: still held),
/// read inside the transaction that anonymises it (the row is locked by
/// `requests::demande_for_update` first).
pub async fn anonymised_at(tx: &mut Tx, id: &str) -> sqlx::Result<Option<String>> {
    on_tx!(tx, c => sqlx::query_scalar::<_, Option<String>>("SELECT anonymise_le FROM demandes WHERE id = $1")
        .bind(id).fetch_optional(&mut *c).await)
    .map(Option::flatten)
}

/// Anonymises the company's personal data of request `d`: names, address,
/// phone and free texts (its message, its job in its own words, its
/// comment, its lines of the story) become `erased_text` or placeholders;
/// the contact quoted in the lycées' words and the partners' history is
/// taken out; its emails not sent yet are dropped, the others lose their
/// address and body. What the statistics read (dates, status, outcome,
/// rating, commune, jobs) stays. The caller holds the row's lock and
/// writes the story line.
pub async fn anonymise_request(tx: &mut Tx, d: &DemandeRow, erased_text: &str, now: &str) -> sqlx::Result<()> {
    let address = placeholder(&d.id);
    on_tx!(tx, c => sqlx::query(
        "UPDATE demandes SET contact_prenom = $2, contact_nom = $2, contact_email = $3, contact_email_norm = $3, \
         contact_telephone = NULL, message = $4, \
         metier_texte = CASE WHEN metier_texte IS NULL OR metier_texte = '' THEN metier_texte ELSE $4 END, \
         satisfaction_commentaire = CASE WHEN satisfaction_commentaire IS NULL OR satisfaction_commentaire = '' \
             THEN satisfaction_commentaire ELSE $4 END, \
         anonymise_le = $5 WHERE id = $1"
    ).bind(&d.id).bind(ERASED_NAME).bind(&address).bind(erased_text).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    // The company's own lines of the story: its messages, its comment.
    on_tx!(tx, c => sqlx::query(
        "UPDATE demande_evenements SET texte = $3, nom = CASE WHEN nom IS NULL THEN NULL ELSE $4 END \
         WHERE demande_id = $1 AND auteur = $2"
    ).bind(&d.id).bind(ActorKind::Entreprise.code()).bind(erased_text).bind(ERASED_NAME).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    // The contact quoted by the lycées, and in the partner's history
    // ("Demande … prise en charge : … (Prénom Nom, adresse).").
    let full_name = format!("{} {}", d.contact_prenom.trim(), d.contact_nom.trim()).trim().to_string();
    let quoted = format!(" ({full_name}, {})", d.contact_email);
    on_tx!(tx, c => sqlx::query("UPDATE interactions SET texte = REPLACE(texte, $2, '') WHERE demande_id = $1")
        .bind(&d.id).bind(&quoted).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    for (table, what, by) in [
        ("demande_evenements", d.contact_email.as_str(), ERASED_ADDRESS),
        ("demande_evenements", full_name.as_str(), ERASED_NAME),
        ("interactions", d.contact_email.as_str(), ERASED_ADDRESS),
        ("interactions", full_name.as_str(), ERASED_NAME),
    ] {
        if what.chars().count() < 3 {
            continue;
        }
        let sql = format!("UPDATE {table} SET texte = REPLACE(texte, $2, $3) WHERE demande_id = $1");
        on_tx!(tx, c => sqlx::query(&sql).bind(&d.id).bind(what).bind(by).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    // Its emails: those not sent yet are dropped, the others keep their
    // subject and dates only.
    let norm = d.contact_email_norm.as_str();
    on_tx!(tx, c => sqlx::query(
        "DELETE FROM outbox WHERE demande_id = $1 AND LOWER(destinataire) = $2 AND statut = $3"
    ).bind(&d.id).bind(norm).bind(OutboxStatus::AEnvoyer.code()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET destinataire = $3, corps = $4 WHERE demande_id = $1 AND LOWER(destinataire) = $2"
    ).bind(&d.id).bind(norm).bind(&address).bind(PURGED_BODY).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The requests whose company contact is `email` (lowercase), oldest first.
pub async fn requests_of(db: &Db, email: &str) -> sqlx::Result<Vec<String>> {
    on_db!(db, p => sqlx::query_scalar::<_, String>(
        "SELECT id FROM demandes WHERE contact_email_norm = $1 ORDER BY cree_le, id"
    ).bind(email).fetch_all(p).await)
}

/// A request to join a lycée, as exported.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct JoinData {
    pub id: String,
    pub email: String,
    pub prenom: Option<String>,
    pub nom: Option<String>,
    pub uai: String,
    pub statut: String,
    pub cree_le: String,
    pub decide_le: Option<String>,
}

/// A contact in a lycée's partner register, as exported.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PartnerContactData {
    pub id: String,
    pub partenaire_id: String,
    pub partenaire: String,
    pub uai: String,
    pub prenom: Option<String>,
    pub nom: String,
    pub fonction: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
}

/// An email of the outbox, as exported (its body is usually already
/// erased 24 hours after sending).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EmailData {
    pub id: String,
    pub demande_id: Option<String>,
    pub modele: String,
    pub destinataire: String,
    pub sujet: String,
    pub corps: String,
    pub statut: String,
    pub cree_le: String,
    pub envoye_le: Option<String>,
}

/// A line of the audit log naming the address, as exported.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AuditData {
    pub quand: String,
    pub qui: String,
    pub action: String,
    pub cible: String,
    pub details: String,
}

/// Everything held about one address outside the requests' own rows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HeldData {
    /// Accounts as stored (the ProConnect identifier is data about the
    /// person too).
    pub comptes: Vec<super::accounts::CompteRow>,
    pub adhesions: Vec<JoinData>,
    pub contacts_partenaires: Vec<PartnerContactData>,
    pub courriels: Vec<EmailData>,
    pub journal: Vec<AuditData>,
    /// Registrations to the lycées' events made with the address.
    pub inscriptions_evenements: Vec<super::events::RegistrationData>,
    /// Calls for placements sent to the address (as a partner's contact).
    pub appels_stages: Vec<CallData>,
    /// Lycées the address asked for no more calls. Kept on erasure (with
    /// nothing else): it is what lets the lycée honour that opposition.
    pub desinscriptions_appels: Vec<UnsubscribeData>,
}

/// A call for placements sent to an address, as exported.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct CallData {
    pub besoin_id: String,
    pub partenaire_id: String,
    pub envoye_le: String,
}

/// An unsubscribe from a lycée's calls, as exported.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct UnsubscribeData {
    pub uai: String,
    pub le: String,
}

/// What is held about `email` (lowercase) in accounts, join requests,
/// partner registers, the outbox and the audit log.
pub async fn held(db: &Db, email: &str) -> sqlx::Result<HeldData> {
    on_db!(db, p => {
        let comptes = sqlx::query_as::<_, super::accounts::CompteRow>(
            "SELECT * FROM comptes WHERE LOWER(email) = $1 ORDER BY cree_le, id"
        ).bind(email).fetch_all(p).await?;
        let adhesions = sqlx::query_as::<_, JoinData>(
            "SELECT id, email, prenom, nom, uai, statut, cree_le, decide_le FROM adhesions \
             WHERE LOWER(email) = $1 ORDER BY cree_le, id"
        ).bind(email).fetch_all(p).await?;
        let contacts_partenaires = sqlx::query_as::<_, PartnerContactData>(
            "SELECT c.id, c.partenaire_id, p.nom AS partenaire, p.uai, c.prenom, c.nom, c.fonction, c.email, \
             c.telephone FROM partenaire_contacts c JOIN partenaires p ON p.id = c.partenaire_id \
             WHERE LOWER(c.email) = $1 ORDER BY p.uai, c.id"
        ).bind(email).fetch_all(p).await?;
        let courriels = sqlx::query_as::<_, EmailData>(
            "SELECT id, demande_id, modele, destinataire, sujet, corps, statut, cree_le, envoye_le FROM outbox \
             WHERE LOWER(destinataire) = $1 ORDER BY cree_le, id"
        ).bind(email).fetch_all(p).await?;
        let journal = sqlx::query_as::<_, AuditData>(
            "SELECT quand, qui, action, cible, details FROM audit \
             WHERE LOWER(qui) = $1 OR LOWER(cible) = $1 ORDER BY quand, id"
        ).bind(email).fetch_all(p).await?;
        let inscriptions_evenements = super::events::registrations_of(db, email).await?;
        let appels_stages = sqlx::query_as::<_, CallData>(
            "SELECT besoin_id, partenaire_id, envoye_le FROM appels_stages WHERE email_norm = $1 ORDER BY envoye_le, id"
        ).bind(email).fetch_all(p).await?;
        let desinscriptions_appels = sqlx::query_as::<_, UnsubscribeData>(
            "SELECT uai, le FROM desinscriptions_appels WHERE email_norm = $1 ORDER BY le, uai"
        ).bind(email).fetch_all(p).await?;
        Ok(HeldData {
            comptes,
            adhesions,
            contacts_partenaires,
            courriels,
            journal,
            inscriptions_evenements,
            appels_stages,
            desinscriptions_appels,
        })
    })
}

/// How many rows an erasure changed outside the requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    pub comptes: u64,
    pub adhesions: u64,
    pub contacts_partenaires: u64,
    pub courriels: u64,
    pub journal: u64,
    pub inscriptions_evenements: u64,
    pub appels_stages: u64,
}

/// Erases `email` (lowercase) from accounts (deactivated, signed out,
/// their lycées taken away, names and address replaced), join requests,
/// partner registers and the outbox (emails not sent yet dropped); in the
/// audit log the address becomes `pseudonym`, so the trail of who did what
/// stays without the address in clear.
pub async fn erase_held(tx: &mut Tx, email: &str, pseudonym: &str) -> sqlx::Result<Erased> {
    let ids: Vec<String> = on_tx!(tx, c => sqlx::query_scalar("SELECT id FROM comptes WHERE LOWER(email) = $1")
        .bind(email).fetch_all(&mut *c).await)?;
    for id in &ids {
        for sql in [
            "DELETE FROM sessions WHERE compte_id = $1",
            "DELETE FROM liens_connexion WHERE compte_id = $1",
            "DELETE FROM compte_lycees WHERE compte_id = $1",
        ] {
            on_tx!(tx, c => sqlx::query(sql).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        }
        on_tx!(tx, c => sqlx::query(
            "UPDATE comptes SET email = $2, prenom = NULL, nom = NULL, actif = $3, proconnect_sub = NULL WHERE id = $1"
        ).bind(id).bind(placeholder(id)).bind(false).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    if !ids.is_empty() {
        super::versions::bump_contacts(tx).await?;
    }
    let mut erased = Erased { comptes: ids.len() as u64, ..Erased::default() };
    erased.adhesions = on_tx!(tx, c => sqlx::query(
        "UPDATE adhesions SET email = 'efface+' || id || '@invalid', prenom = NULL, nom = NULL WHERE LOWER(email) = $1"
    ).bind(email).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    erased.contacts_partenaires = on_tx!(tx, c => sqlx::query(
        "UPDATE partenaire_contacts SET prenom = NULL, nom = $2, email = NULL, telephone = NULL \
         WHERE LOWER(email) = $1"
    ).bind(email).bind(ERASED_NAME).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    let dropped = on_tx!(tx, c => sqlx::query("DELETE FROM outbox WHERE LOWER(destinataire) = $1 AND statut = $2")
        .bind(email).bind(OutboxStatus::AEnvoyer.code()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    let kept = on_tx!(tx, c => sqlx::query(
        "UPDATE outbox SET destinataire = 'efface+' || id || '@invalid', corps = $2 WHERE LOWER(destinataire) = $1"
    ).bind(email).bind(PURGED_BODY).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    erased.courriels = dropped + kept;
    erased.inscriptions_evenements =
        super::events::anonymise(tx, Some(email), None, &crate::clock::now_rfc3339()).await?;
    erased.appels_stages = on_tx!(tx, c => sqlx::query("DELETE FROM appels_stages WHERE email_norm = $1")
        .bind(email).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    for column in ["qui", "cible"] {
        let sql = format!("UPDATE audit SET {column} = $2 WHERE LOWER({column}) = $1");
        erased.journal += on_tx!(tx, c => sqlx::query(&sql).bind(email).bind(pseudonym).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    Ok(erased)
}
