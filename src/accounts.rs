//! The people of the workspace: business officers of lycées (RBE, with the
//! DDFPT and the proviseur), territorial coordinators and national
//! administrators. Who they are, what they may see, and how they sign in:
//! a one-time link sent by email opens a session stored in the database, so
//! that any instance serves any user and "sign out everywhere" is one
//! statement.

use crate::clock;
use crate::mail::templates;
use crate::requests::outbox_row;
use crate::security::{Signer, random_id, random_token, token_hash};
use crate::storage::accounts::{self as store, AuditRow, CompteRow};
use crate::storage::requests::insert_outbox;
use crate::storage::{Db, Tx};
use domain::ids::{Email, Uai};
use time::{Duration, OffsetDateTime};

/// How long a sign-in link works.
pub const LINK_MINUTES: i64 = 20;
/// How long a session lasts without signing in again.
pub const SESSION_HOURS: i64 = 12;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A lycée's business officer (also the DDFPT or the proviseur): the
    /// requests, showcase and partners of its lycées.
    Rbe,
    /// A territorial coordinator: an académie, or a bassin given as a list
    /// of lycées.
    Coordinateur,
    /// National administration.
    Admin,
}

impl Role {
    pub fn from_code(code: &str) -> Option<Role> {
        match code {
            "rbe" => Some(Role::Rbe),
            "coordinateur" => Some(Role::Coordinateur),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Rbe => "rbe",
            Role::Coordinateur => "coordinateur",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Rbe => "Référent entreprises du lycée",
            Role::Coordinateur => "Coordination territoriale",
            Role::Admin => "Administration nationale",
        }
    }
}

/// A signed-in person and the perimeter of their rights.
#[derive(Debug, Clone)]
pub struct Agent {
    pub id: String,
    pub email: String,
    pub prenom: Option<String>,
    pub nom: Option<String>,
    pub role: Role,
    /// A coordinator's académie (code).
    pub academie: Option<String>,
    /// An RBE's lycées, or the lycées of a coordinator's bassin.
    pub lycees: Vec<String>,
}

impl Agent {
    fn of(row: CompteRow, lycees: Vec<String>) -> Agent {
        Agent {
            role: Role::from_code(&row.role).unwrap_or(Role::Rbe),
            id: row.id,
            email: row.email,
            prenom: row.prenom,
            nom: row.nom,
            academie: row.academie_code,
            lycees,
        }
    }

    /// How the person is named to others: "Prénom Nom", else the address.
    pub fn display_name(&self) -> String {
        let name = [self.prenom.as_deref(), self.nom.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() { self.email.clone() } else { name }
    }

    /// Whether the person answers for a lycée of académie `academie`
    /// (editor, partners): its RBE, the coordinator of its territory, an
    /// administrator.
    pub fn sees_lycee(&self, uai: &str, academie: Option<&str>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Rbe => self.lycees.iter().any(|u| u == uai),
            Role::Coordinateur => {
                self.lycees.iter().any(|u| u == uai)
                    || (self.academie.is_some() && self.academie.as_deref() == academie)
            }
        }
    }

    /// Whether the person may see a request of académie `academie` that went
    /// to `recipients` (reserves excluded: they were not told).
    pub fn sees_request<'a>(&self, academie: Option<&str>, mut recipients: impl Iterator<Item = &'a str>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Rbe => recipients.any(|u| self.lycees.iter().any(|l| l == u)),
            Role::Coordinateur => {
                (self.academie.is_some() && self.academie.as_deref() == academie)
                    || recipients.any(|u| self.lycees.iter().any(|l| l == u))
            }
        }
    }
}

/// Why an account cannot be created as asked (French, shown as is).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Email(String),
    #[error("le lycée {0} n'existe pas au catalogue")]
    UnknownLycee(String),
    #[error("UAI invalide « {0} » : 7 chiffres et une lettre")]
    BadUai(String),
    #[error("académie inconnue « {0} » : donnez son nom (Lyon) ou son code")]
    UnknownAcademie(String),
    #[error("un référent entreprises doit être rattaché à au moins un lycée (son UAI)")]
    RbeWithoutLycee,
    #[error("un coordinateur doit avoir une académie ou une liste de lycées")]
    CoordinatorWithoutTerritory,
}

/// Why a sign-in link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("ce lien de connexion n'est pas valide")]
    Unknown,
    #[error("ce lien de connexion a déjà servi")]
    Used,
    #[error("ce lien de connexion a expiré")]
    Expired,
}

/// An account to create or update.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub role: Role,
    pub lycees: Vec<String>,
    /// Name or code.
    pub academie: Option<String>,
    pub prenom: Option<String>,
    pub nom: Option<String>,
}

impl NewAccount {
    pub fn new(email: &str, role: Role) -> NewAccount {
        NewAccount { email: email.to_string(), role, lycees: Vec::new(), academie: None, prenom: None, nom: None }
    }
}

/// What `add` did.
#[derive(Debug, Clone)]
pub struct Added {
    pub agent: Agent,
    pub created: bool,
    /// Lycées newly granted.
    pub granted: Vec<String>,
}

/// The accounts service.
#[derive(Debug, Clone)]
pub struct AccountService {
    pub db: Db,
    pub signer: Signer,
    pub base_url: String,
}

/// How long the link of a request to join works, in days.
pub const JOIN_LINK_DAYS: i64 = 14;

/// Whether an address is an agent's of the Education nationale: an
/// académie (`@ac-lyon.fr`), the ministry, a région académique.
pub fn is_academic(email: &str) -> bool {
    let Some((_, host)) = email.trim().to_lowercase().rsplit_once('@').map(|(a, b)| (a.to_string(), b.to_string()))
    else {
        return false;
    };
    let named = |prefix: &str| {
        host.strip_prefix(prefix)
            .and_then(|h| h.strip_suffix(".fr"))
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
    };
    host == "education.gouv.fr" || named("ac-") || named("region-academique-")
}

/// Why a request to join is refused (French, shown as is).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JoinError {
    #[error("{0}")]
    Email(String),
    #[error(
        "seule une adresse académique (…@ac-….fr, …@education.gouv.fr, …@region-academique-….fr) peut demander à rejoindre un lycée ; sinon, demandez une invitation à votre coordinateur"
    )]
    NotAcademic,
    #[error("UAI inconnu : 7 chiffres et une lettre d'un lycée du catalogue, par exemple 0690043X")]
    UnknownLycee,
    #[error("vous avez déjà accès à ce lycée : connectez-vous")]
    AlreadyMember,
}

impl AccountService {
    pub fn new(db: Db, signer: Signer, base_url: &str) -> AccountService {
        AccountService { db, signer, base_url: base_url.trim_end_matches('/').to_string() }
    }

    /// An agent asks to join a lycée's workspace. The lycée (its business
    /// officers, else its official address) gets a signed link to accept
    /// or refuse; the coordinator sees the request in the workspace. Asking
    /// twice does not write twice.
    pub async fn ask_to_join(
        &self,
        email: &str,
        prenom: Option<String>,
        nom: Option<String>,
        uai: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<Result<store::AdhesionRow, JoinError>> {
        let email = match email.parse::<Email>() {
            Ok(e) => e.normalized(),
            Err(e) => return Ok(Err(JoinError::Email(e.to_string()))),
        };
        if !is_academic(&email) {
            return Ok(Err(JoinError::NotAcademic));
        }
        let Ok(uai) = uai.parse::<Uai>() else { return Ok(Err(JoinError::UnknownLycee)) };
        let uai = uai.as_str().to_string();
        if !store::lycee_exists(&self.db, &uai).await? {
            return Ok(Err(JoinError::UnknownLycee));
        }
        if let Some(c) = store::compte_by_email(&self.db, &email).await?
            && c.actif
            && store::lycees_of(&self.db, &c.id).await?.contains(&uai)
        {
            return Ok(Err(JoinError::AlreadyMember));
        }
        if let Some(existing) = store::pending_adhesion(&self.db, &email, &uai).await? {
            return Ok(Ok(existing));
        }
        let now_s = clock::to_rfc3339(now);
        let row = store::AdhesionRow {
            id: random_id(),
            email: email.clone(),
            prenom,
            nom,
            uai: uai.clone(),
            statut: "en_attente".into(),
            cree_le: now_s.clone(),
            decide_le: None,
            decide_par: None,
        };
        let to = crate::storage::requests::lycee_emails(&self.db, std::slice::from_ref(&uai)).await?;
        let lycee = crate::storage::catalogue::lycee(&self.db, &uai).await?.map_or(uai.clone(), |l| l.nom);
        let mut tx = self.db.begin().await?;
        store::insert_adhesion(&mut tx, &row).await?;
        audit(&mut tx, &email, "adhesion_demandee", &uai, "demande d'accès", &now_s).await?;
        if let Some(address) = to.get(&uai) {
            let url = format!("{}/rejoindre/{}", self.base_url, self.join_token(&row.id, now));
            let who = [row.prenom.as_deref(), row.nom.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            let mail =
                templates::JoinRequest { lycee: &lycee, who: &who, email: &email, url: &url, days: JOIN_LINK_DAYS }
                    .render_email();
            insert_outbox(&mut tx, &outbox_row(None, address, mail), &now_s).await?;
        }
        tx.commit().await?;
        Ok(Ok(row))
    }

    /// The signed link of a request to join, for the lycée.
    pub fn join_token(&self, id: &str, now: OffsetDateTime) -> String {
        self.signer.sign("adhesion", id, (now + Duration::days(JOIN_LINK_DAYS)).unix_timestamp())
    }

    /// The request to join a signed link is about.
    pub fn check_join_token(&self, token: &str, now: OffsetDateTime) -> Result<String, crate::security::TokenError> {
        self.signer.verify("adhesion", token, now.unix_timestamp())
    }

    /// Accepts or refuses a pending request to join (`by`: who decided).
    /// Accepted, the person gets an account for the lycée and a sign-in
    /// link; refused, an email saying so. `None` when already decided.
    pub async fn decide_join(
        &self,
        id: &str,
        accept: bool,
        by: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<Option<store::AdhesionRow>> {
        let Some(a) = store::adhesion(&self.db, id).await? else { return Ok(None) };
        if a.statut != "en_attente" {
            return Ok(None);
        }
        if accept {
            let new = NewAccount {
                lycees: vec![a.uai.clone()],
                prenom: a.prenom.clone(),
                nom: a.nom.clone(),
                ..NewAccount::new(&a.email, Role::Rbe)
            };
            if let Err(e) = self.add(&new, by, now).await? {
                anyhow::bail!("compte impossible pour {} : {e}", a.email);
            }
        }
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        if !store::decide_adhesion(&mut tx, id, if accept { "acceptee" } else { "refusee" }, by, &now_s).await? {
            return Ok(None);
        }
        audit(&mut tx, by, if accept { "adhesion_acceptee" } else { "adhesion_refusee" }, &a.email, &a.uai, &now_s)
            .await?;
        if !accept {
            let lycee = crate::storage::catalogue::lycee(&self.db, &a.uai).await?.map_or(a.uai.clone(), |l| l.nom);
            let mail = templates::JoinRefused { lycee: &lycee }.render_email();
            insert_outbox(&mut tx, &outbox_row(None, &a.email, mail), &now_s).await?;
        }
        tx.commit().await?;
        if accept {
            self.send_link(&a.email, now).await?;
        }
        Ok(Some(a))
    }

    /// Creates or updates an account (`monlyceepro users add`, invitations):
    /// the role and académie are set, the lycées are added to those it
    /// already has. Every grant is logged with `by`.
    pub async fn add(
        &self,
        new: &NewAccount,
        by: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<Result<Added, AccountError>> {
        let (role, lycees, academie) = (new.role, &new.lycees, new.academie.as_deref());
        let clean = |s: &Option<String>| {
            s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(80).collect::<String>())
        };
        let (prenom, nom) = (clean(&new.prenom), clean(&new.nom));
        let email = match new.email.parse::<Email>() {
            Ok(e) => e.normalized(),
            Err(e) => return Ok(Err(AccountError::Email(e.to_string()))),
        };
        let mut uais = Vec::new();
        for l in lycees {
            let Ok(uai) = l.parse::<Uai>() else { return Ok(Err(AccountError::BadUai(l.clone()))) };
            if !store::lycee_exists(&self.db, uai.as_str()).await? {
                return Ok(Err(AccountError::UnknownLycee(uai.as_str().to_string())));
            }
            uais.push(uai.as_str().to_string());
        }
        let academie_code = match academie.map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => match store::academie_code(&self.db, a).await?.as_slice() {
                [(code, _)] => Some(code.clone()),
                _ => return Ok(Err(AccountError::UnknownAcademie(a.to_string()))),
            },
            None => None,
        };
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let existing = store::compte_by_email_tx(&mut tx, &email).await?;
        let known = match &existing {
            Some(c) => store::lycees_of_tx(&mut tx, &c.id).await?,
            None => Vec::new(),
        };
        match role {
            Role::Rbe if uais.is_empty() && known.is_empty() => return Ok(Err(AccountError::RbeWithoutLycee)),
            Role::Coordinateur
                if academie_code.is_none()
                    && uais.is_empty()
                    && known.is_empty()
                    && existing.as_ref().is_none_or(|c| c.academie_code.is_none()) =>
            {
                return Ok(Err(AccountError::CoordinatorWithoutTerritory));
            }
            _ => {}
        }
        let created = existing.is_none();
        let row = match existing {
            Some(mut c) => {
                c.role = role.code().to_string();
                if academie_code.is_some() {
                    c.academie_code = academie_code;
                }
                c.actif = true;
                c.prenom = prenom.or(c.prenom);
                c.nom = nom.or(c.nom);
                store::update_compte(&mut tx, &c).await?;
                c
            }
            None => {
                let c = CompteRow {
                    id: random_id(),
                    email: email.clone(),
                    prenom,
                    nom,
                    role: role.code().to_string(),
                    academie_code,
                    actif: true,
                    proconnect_sub: None,
                    cree_le: now_s.clone(),
                    derniere_connexion: None,
                };
                store::insert_compte(&mut tx, &c).await?;
                c
            }
        };
        let details = format!(
            "rôle {}{}",
            role.code(),
            row.academie_code.as_ref().map_or(String::new(), |a| format!(", académie {a}"))
        );
        audit(&mut tx, by, if created { "compte_cree" } else { "compte_modifie" }, &email, &details, &now_s).await?;
        let mut granted = Vec::new();
        for uai in &uais {
            if store::grant_lycee(&mut tx, &row.id, uai).await? {
                audit(&mut tx, by, "lycee_attribue", &email, uai, &now_s).await?;
                granted.push(uai.clone());
            }
        }
        let lycees = store::lycees_of_tx(&mut tx, &row.id).await?;
        tx.commit().await?;
        Ok(Ok(Added { agent: Agent::of(row, lycees), created, granted }))
    }

    /// Every account, with its lycées.
    pub async fn list(&self) -> sqlx::Result<Vec<(Agent, bool, Option<String>)>> {
        let mut grants: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
        for (compte, uai) in store::all_grants(&self.db).await? {
            grants.entry(compte).or_default().push(uai);
        }
        Ok(store::comptes(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                let lycees = grants.remove(&row.id).unwrap_or_default();
                let (actif, last) = (row.actif, row.derniere_connexion.clone());
                (Agent::of(row, lycees), actif, last)
            })
            .collect())
    }

    /// Sends a one-time sign-in link to `email` when it is an active
    /// account. The page says the same thing either way, so that nobody
    /// learns who has an account; the answer here is for the logs.
    pub async fn send_link(&self, email: &str, now: OffsetDateTime) -> anyhow::Result<bool> {
        let Ok(email) = email.parse::<Email>() else { return Ok(false) };
        let Some(c) = store::compte_by_email(&self.db, &email.normalized()).await? else { return Ok(false) };
        if !c.actif {
            return Ok(false);
        }
        let token = random_token();
        let now_s = clock::to_rfc3339(now);
        let expires = clock::to_rfc3339(now + Duration::minutes(LINK_MINUTES));
        let url = format!("{}/connexion/lien/{token}", self.base_url);
        let mail = templates::SignIn { url: &url, minutes: LINK_MINUTES }.render_email();
        let mut tx = self.db.begin().await?;
        store::insert_link(&mut tx, &token_hash(&token), &c.id, &expires, &now_s).await?;
        insert_outbox(&mut tx, &outbox_row(None, &c.email, mail), &now_s).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Opens a session with a sign-in link (once, before it expires):
    /// the session's private token and who it is.
    pub async fn open_link(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<Result<(String, Agent), SignInError>> {
        if token.is_empty() || token.len() > 100 {
            return Ok(Err(SignInError::Unknown));
        }
        let hash = token_hash(token);
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let Some((compte_id, expires, used)) = store::link(&mut tx, &hash).await? else {
            return Ok(Err(SignInError::Unknown));
        };
        if used.is_some() {
            return Ok(Err(SignInError::Used));
        }
        if expires <= now_s {
            return Ok(Err(SignInError::Expired));
        }
        if !store::use_link(&mut tx, &hash, &now_s).await? {
            return Ok(Err(SignInError::Used));
        }
        let opened = self.session_in(&mut tx, &compte_id, "lien de connexion", now).await?;
        if opened.is_some() {
            tx.commit().await?;
        }
        Ok(opened.ok_or(SignInError::Unknown))
    }

    /// Opens a session for an account that has proved who it is (a sign-in
    /// link; ProConnect later): its private token and who it is.
    pub async fn open_session(
        &self,
        compte_id: &str,
        how: &str,
        now: OffsetDateTime,
    ) -> sqlx::Result<Option<(String, Agent)>> {
        let mut tx = self.db.begin().await?;
        let opened = self.session_in(&mut tx, compte_id, how, now).await?;
        tx.commit().await?;
        Ok(opened)
    }

    async fn session_in(
        &self,
        tx: &mut Tx,
        compte_id: &str,
        how: &str,
        now: OffsetDateTime,
    ) -> sqlx::Result<Option<(String, Agent)>> {
        let now_s = clock::to_rfc3339(now);
        let Some(mut row) = on_account(tx, compte_id).await?.filter(|r| r.actif) else { return Ok(None) };
        let session = random_token();
        let until = clock::to_rfc3339(now + Duration::hours(SESSION_HOURS));
        store::insert_session(tx, &token_hash(&session), compte_id, &now_s, &until).await?;
        row.derniere_connexion = Some(now_s.clone());
        store::update_compte(tx, &row).await?;
        audit(tx, &row.email, "connexion", &row.email, how, &now_s).await?;
        let lycees = store::lycees_of_tx(tx, &row.id).await?;
        Ok(Some((session, Agent::of(row, lycees))))
    }

    /// Who a session cookie belongs to, while it lasts.
    pub async fn session(&self, token: &str, now: OffsetDateTime) -> sqlx::Result<Option<Agent>> {
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let Some(row) = store::session_compte(&self.db, &token_hash(token), &clock::to_rfc3339(now)).await? else {
            return Ok(None);
        };
        let lycees = store::lycees_of(&self.db, &row.id).await?;
        Ok(Some(Agent::of(row, lycees)))
    }

    /// Removes rights: one lycée of an account, or (without `uai`) the
    /// whole account, which is deactivated and signed out everywhere. Logged
    /// with `by`. False when there was nothing to remove.
    pub async fn revoke(
        &self,
        compte_id: &str,
        uai: Option<&str>,
        by: &str,
        now: OffsetDateTime,
    ) -> sqlx::Result<bool> {
        let Some(mut row) = store::compte_by_id(&self.db, compte_id).await? else { return Ok(false) };
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let done = match uai {
            Some(u) => {
                let removed = store::revoke_lycee(&mut tx, compte_id, u).await?;
                if removed {
                    audit(&mut tx, by, "lycee_retire", &row.email, u, &now_s).await?;
                }
                removed
            }
            None if row.actif => {
                row.actif = false;
                store::update_compte(&mut tx, &row).await?;
                let n = store::delete_sessions(&mut tx, compte_id).await?;
                audit(&mut tx, by, "compte_desactive", &row.email, &format!("{n} session(s) fermée(s)"), &now_s)
                    .await?;
                true
            }
            None => false,
        };
        tx.commit().await?;
        Ok(done)
    }

    /// Ends every session of the person, on every device.
    pub async fn sign_out_everywhere(&self, agent: &Agent, now: OffsetDateTime) -> sqlx::Result<u64> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let n = store::delete_sessions(&mut tx, &agent.id).await?;
        audit(&mut tx, &agent.email, "deconnexion", &agent.email, &format!("{n} session(s) fermée(s)"), &now_s).await?;
        tx.commit().await?;
        Ok(n)
    }
}

async fn on_account(tx: &mut Tx, id: &str) -> sqlx::Result<Option<CompteRow>> {
    crate::on_tx!(tx, c => sqlx::query_as::<_, CompteRow>("SELECT * FROM comptes WHERE id = $1")
        .bind(id).fetch_optional(c).await)
}

/// Writes a line of the audit log.
pub async fn audit(tx: &mut Tx, who: &str, action: &str, target: &str, details: &str, now: &str) -> sqlx::Result<()> {
    store::insert_audit(
        tx,
        &AuditRow {
            id: random_id(),
            quand: now.to_string(),
            qui: who.to_string(),
            action: action.to_string(),
            cible: target.to_string(),
            details: details.to_string(),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(role: Role, academie: Option<&str>, lycees: &[&str]) -> Agent {
        Agent {
            id: "a".into(),
            email: "a@ac-lyon.fr".into(),
            prenom: None,
            nom: None,
            role,
            academie: academie.map(str::to_string),
            lycees: lycees.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn each_role_sees_its_perimeter_only() {
        let rbe = agent(Role::Rbe, None, &["0690043X"]);
        let coord = agent(Role::Coordinateur, Some("10"), &[]);
        let bassin = agent(Role::Coordinateur, None, &["0690043X", "0691234A"]);
        let admin = agent(Role::Admin, None, &[]);
        let cases: [(&Agent, &str, Option<&str>, bool); 8] = [
            (&rbe, "0690043X", Some("10"), true),
            (&rbe, "0750001A", Some("01"), false),
            (&coord, "0690043X", Some("10"), true),
            (&coord, "0750001A", Some("01"), false),
            (&bassin, "0691234A", Some("10"), true),
            (&bassin, "0690099Z", Some("10"), false),
            (&admin, "0750001A", Some("01"), true),
            (&admin, "9740001A", None, true),
        ];
        for (who, uai, academie, expected) in cases {
            assert_eq!(who.sees_lycee(uai, academie), expected, "{:?} {uai}", who.role);
            assert_eq!(who.sees_request(academie, [uai].into_iter()), expected, "{:?} {uai}", who.role);
        }
        // A coordinator without académie sees nothing of an académie-less request.
        assert!(!bassin.sees_request(None, std::iter::empty()));
    }

    #[test]
    fn academic_addresses() {
        for ok in [
            "prenom.nom@ac-lyon.fr",
            "x@AC-Aix-Marseille.fr",
            "a@education.gouv.fr",
            "b@region-academique-auvergne-rhone-alpes.fr",
        ] {
            assert!(is_academic(ok), "{ok}");
        }
        for bad in [
            "a@gmail.com",
            "a@ac-.fr",
            "a@ac-lyon.fr.evil.com",
            "a@evil-ac-lyon.fr",
            "a@ac-lyon.com",
            "ac-lyon.fr",
            "a@ac-ly0n.fr",
        ] {
            assert!(!is_academic(bad), "{bad}");
        }
    }

    #[test]
    fn names() {
        let mut a = agent(Role::Rbe, None, &[]);
        assert_eq!(a.display_name(), "a@ac-lyon.fr");
        a.prenom = Some("Zoé".into());
        a.nom = Some("L'Hôte".into());
        assert_eq!(a.display_name(), "Zoé L'Hôte");
        for r in [Role::Rbe, Role::Coordinateur, Role::Admin] {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("root"), None);
    }
}
