//! The people of the workspace: business officers of lycées (RBE, with the
//! DDFPT and the proviseur), territorial coordinators and national
//! administrators. Who they are, what they may see, and how they sign in:
//! a one-time link sent by email opens a session stored in the database, so
//! that any instance serves any user and "sign out everywhere" is one
//! statement.

use crate::clock;
use crate::mail::outbox::enqueue;
use crate::mail::templates;
use crate::security::{Signer, random_id, random_token, token_hash};
use crate::storage::accounts::{self as store, AuditRow, CompteRow};
use crate::storage::{Db, Tx};
use domain::ids::{Email, Uai};
use time::{Duration, OffsetDateTime};

/// How long a sign-in link works.
pub const LINK_MINUTES: i64 = 20;
/// How long a session lasts without signing in again.
pub const SESSION_HOURS: i64 = 12;

pub use domain::account::{JoinStatus, Role};

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

/// Why an account cannot be created or extended as asked (French, shown as
/// is).
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
    #[error("{0} : {1}")]
    Name(&'static str, domain::names::NameError),
    /// Inviting adds lycées to a business officer's account; it never
    /// changes what an existing account is (its role, its territory).
    #[error(
        "cette adresse a déjà un compte d'un autre rôle ou d'un autre territoire : une invitation ne le modifie pas ; \
         seule l'administration nationale change le rôle ou le territoire d'un compte"
    )]
    OtherRole,
    /// Inviting never brings back an account an administrator closed.
    #[error("ce compte a été désactivé : seule l'administration nationale peut le réactiver")]
    Deactivated,
    #[error("ce compte n'existe pas")]
    UnknownAccount,
    #[error("vous ne pouvez pas modifier vos propres droits : demandez-le à un autre administrateur")]
    Oneself,
    /// Another administrator changed the account's role or académie
    /// between the page and this change: nothing is done over a change its
    /// author did not see.
    #[error("ce compte vient d'être modifié par ailleurs : rechargez la page pour voir son rôle actuel")]
    ChangedMeanwhile,
}

impl AccountError {
    /// The field of an account form this refusal is about (`email`,
    /// `prenom`, `nom`, `lycees`, `academie`), when it is about one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AccountError::Email(_) | AccountError::OtherRole | AccountError::Deactivated => Some("email"),
            AccountError::UnknownLycee(_) | AccountError::BadUai(_) | AccountError::RbeWithoutLycee => Some("lycees"),
            AccountError::UnknownAcademie(_) | AccountError::CoordinatorWithoutTerritory => Some("academie"),
            AccountError::Name("prénom", _) => Some("prenom"),
            AccountError::Name(_, _) => Some("nom"),
            AccountError::UnknownAccount | AccountError::Oneself | AccountError::ChangedMeanwhile => None,
        }
    }
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
    /// Requests to join are written one at a time by an instance: they
    /// run after the form's answer, so two quick submissions would
    /// otherwise both find no pending request (PostgreSQL) and write two.
    join_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Bumped when an account change may change who can be reached (an
    /// account for a lycée, its role, its state): the application shares
    /// it with the requests' revision, so that the statistics and the
    /// dashboards computed from reachability follow at once.
    reach_revision: std::sync::Arc<std::sync::atomic::AtomicU64>,
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
    #[error("{0} : {1}")]
    Name(&'static str, domain::names::NameError),
}

/// A request to join, checked: an academic address, names by the rule of
/// names, a lycée of the catalogue (and its name).
#[derive(Debug, Clone)]
pub struct JoinAsk {
    pub email: String,
    pub prenom: Option<String>,
    pub nom: Option<String>,
    pub uai: String,
    lycee: String,
}

/// What became of a request to join when the lycée or the coordinator
/// decided.
#[derive(Debug, Clone)]
pub enum JoinDecision {
    Accepted(Added),
    Refused,
    /// The address has an account a request may not change: it is left
    /// as it is.
    WithoutEffect(AccountError),
    /// Decided before (another tab, the coordinator).
    AlreadyDecided,
}

impl AccountService {
    pub fn new(db: Db, signer: Signer, base_url: &str) -> AccountService {
        AccountService {
            db,
            signer,
            base_url: base_url.trim_end_matches('/').to_string(),
            join_lock: std::sync::Arc::default(),
            reach_revision: std::sync::Arc::default(),
        }
    }

    /// Shares `revision` (the requests') as the counter bumped when
    /// reachability may have changed.
    pub fn with_reach_revision(mut self, revision: std::sync::Arc<std::sync::atomic::AtomicU64>) -> AccountService {
        self.reach_revision = revision;
        self
    }

    fn reach_changed(&self) {
        self.reach_revision.fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// Checks a request to join a lycée's workspace: the address is an
    /// academic one, the names follow the rule of names, the lycée is in
    /// the catalogue. Nothing here depends on who has an account, so the
    /// form may answer with it at once; [`Self::ask_to_join`] does the rest
    /// after the answer.
    pub async fn check_join(
        &self,
        email: &str,
        prenom: &str,
        nom: &str,
        uai: &str,
    ) -> anyhow::Result<Result<JoinAsk, JoinError>> {
        let email = match email.parse::<Email>() {
            Ok(e) => e.normalized(),
            Err(e) => return Ok(Err(JoinError::Email(e.to_string()))),
        };
        if !is_academic(&email) {
            return Ok(Err(JoinError::NotAcademic));
        }
        let prenom = match domain::names::optional_person_name(prenom) {
            Ok(p) => p,
            Err(e) => return Ok(Err(JoinError::Name("Prénom", e))),
        };
        let nom = match domain::names::optional_person_name(nom) {
            Ok(n) => n,
            Err(e) => return Ok(Err(JoinError::Name("Nom", e))),
        };
        let Ok(uai) = uai.parse::<Uai>() else { return Ok(Err(JoinError::UnknownLycee)) };
        let uai = uai.as_str().to_string();
        let Some(lycee) = crate::storage::catalogue::lycee(&self.db, &uai).await?.map(|l| l.nom) else {
            return Ok(Err(JoinError::UnknownLycee));
        };
        Ok(Ok(JoinAsk { email, prenom, nom, uai, lycee }))
    }

    /// An agent asks to join a lycée's workspace (checked by
    /// [`Self::check_join`]). The lycée (its business officers, else its
    /// official address) gets a signed link to accept or refuse; the
    /// coordinator sees the request in the workspace. Asking twice does
    /// not write twice.
    ///
    /// Whatever the address's account, the form answered the same before
    /// this runs: what became of the request is written to the address
    /// itself ([`templates::JoinOutcome`]), so the form tells nobody who
    /// has an account or what it is.
    pub async fn ask_to_join(&self, ask: &JoinAsk, now: OffsetDateTime) -> anyhow::Result<()> {
        let JoinAsk { email, prenom, nom, uai, lycee } = ask.clone();
        let _one_at_a_time = self.join_lock.lock().await;
        let now_s = clock::to_rfc3339(now);
        let sign_in_url = format!("{}/connexion", self.base_url);
        let mut tx = self.db.begin().await?;
        let outcome = match store::compte_by_email_tx(&mut tx, &email).await? {
            Some(c)
                if c.actif
                    && c.role == Role::Rbe.code()
                    && store::lycees_of_tx(&mut tx, &c.id).await?.contains(&uai) =>
            {
                templates::JoinOutcome::AlreadyMember
            }
            Some(c) if !c.actif || c.role != Role::Rbe.code() => templates::JoinOutcome::NotThisWay,
            _ => {
                if store::pending_adhesion_tx(&mut tx, &email, &uai).await?.is_some() {
                    // Asked again: the lycée already has its link.
                    return Ok(());
                }
                let row = store::AdhesionRow {
                    id: random_id(),
                    email: email.clone(),
                    prenom,
                    nom,
                    uai: uai.clone(),
                    statut: JoinStatus::EnAttente,
                    cree_le: now_s.clone(),
                    decide_le: None,
                    decide_par: None,
                };
                store::insert_adhesion(&mut tx, &row).await?;
                audit(&mut tx, &email, "adhesion_demandee", &uai, "demande d'accès", &now_s).await?;
                let to = crate::storage::requests::lycee_emails(&self.db, std::slice::from_ref(&uai)).await?;
                if let Some(address) = to.get(&uai) {
                    let url = format!("{}/rejoindre/{}", self.base_url, self.join_token(&row.id, now));
                    let who =
                        [row.prenom.as_deref(), row.nom.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                    let mail = templates::JoinRequest {
                        lycee: &lycee,
                        who: &who,
                        email: &email,
                        url: &url,
                        days: JOIN_LINK_DAYS,
                    }
                    .render_email();
                    enqueue(&mut tx, None, address, mail, &now_s).await?;
                }
                templates::JoinOutcome::Sent
            }
        };
        let mail = templates::JoinReceived { lycee: &lycee, outcome, sign_in_url: &sign_in_url }.render_email();
        enqueue(&mut tx, None, &email, mail, &now_s).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The signed link of a request to join, for the lycée.
    pub fn join_token(&self, id: &str, now: OffsetDateTime) -> String {
        self.signer.sign("adhesion", id, (now + Duration::days(JOIN_LINK_DAYS)).unix_timestamp())
    }

    /// The request to join a signed link is about.
    pub fn check_join_token(&self, token: &str, now: OffsetDateTime) -> Result<String, crate::security::TokenError> {
        self.signer.verify("adhesion", token, now.unix_timestamp())
    }

    /// Accepts or refuses a pending request to join (`by`: who decided),
    /// in one transaction. Accepted, the lycée is added to the person's
    /// account (created when there is none) and a sign-in link is sent;
    /// an account that a request may not change (another role,
    /// deactivated) stays as it is and the request ends without effect.
    /// Refused, an email says so.
    pub async fn decide_join(
        &self,
        id: &str,
        accept: bool,
        by: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<JoinDecision> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let Some(a) = store::adhesion_tx(&mut tx, id).await?.filter(|a| a.statut == JoinStatus::EnAttente) else {
            return Ok(JoinDecision::AlreadyDecided);
        };
        let decision = if accept {
            let c = Checked {
                email: a.email.clone(),
                role: Role::Rbe,
                prenom: a.prenom.as_deref().and_then(|p| domain::names::optional_person_name(p).ok().flatten()),
                nom: a.nom.as_deref().and_then(|n| domain::names::optional_person_name(n).ok().flatten()),
                uais: vec![a.uai.clone()],
                academie: None,
            };
            match self.invite_in(&mut tx, &c, by, &now_s).await? {
                Ok(added) => JoinDecision::Accepted(added),
                Err(e) => JoinDecision::WithoutEffect(e),
            }
        } else {
            JoinDecision::Refused
        };
        let (statut, action) = match &decision {
            JoinDecision::Accepted(_) => (JoinStatus::Acceptee, "adhesion_acceptee"),
            JoinDecision::WithoutEffect(_) => (JoinStatus::Refusee, "adhesion_sans_effet"),
            _ => (JoinStatus::Refusee, "adhesion_refusee"),
        };
        if !store::decide_adhesion(&mut tx, id, statut, by, &now_s).await? {
            return Ok(JoinDecision::AlreadyDecided);
        }
        audit(&mut tx, by, action, &a.email, &a.uai, &now_s).await?;
        if matches!(decision, JoinDecision::Refused) {
            let lycee = crate::storage::catalogue::lycee(&self.db, &a.uai).await?.map_or(a.uai.clone(), |l| l.nom);
            let mail = templates::JoinRefused { lycee: &lycee }.render_email();
            enqueue(&mut tx, None, &a.email, mail, &now_s).await?;
        }
        tx.commit().await?;
        self.reach_changed();
        if matches!(decision, JoinDecision::Accepted(_)) {
            self.send_link(&a.email, now).await?;
        }
        Ok(decision)
    }

    /// Checks what an account would be: address, names, lycées, académie.
    async fn check(&self, new: &NewAccount) -> anyhow::Result<Result<Checked, AccountError>> {
        let email = match new.email.parse::<Email>() {
            Ok(e) => e.normalized(),
            Err(e) => return Ok(Err(AccountError::Email(e.to_string()))),
        };
        let name = |label: &'static str, v: &Option<String>| match v.as_deref() {
            None => Ok(None),
            Some(v) => domain::names::optional_person_name(v).map_err(|e| AccountError::Name(label, e)),
        };
        let prenom = match name("prénom", &new.prenom) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let nom = match name("nom", &new.nom) {
            Ok(n) => n,
            Err(e) => return Ok(Err(e)),
        };
        let mut uais = Vec::new();
        for l in &new.lycees {
            let Ok(uai) = l.parse::<Uai>() else { return Ok(Err(AccountError::BadUai(l.clone()))) };
            if !store::lycee_exists(&self.db, uai.as_str()).await? {
                return Ok(Err(AccountError::UnknownLycee(uai.as_str().to_string())));
            }
            if !uais.contains(&uai.as_str().to_string()) {
                uais.push(uai.as_str().to_string());
            }
        }
        let academie = match new.academie.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => match store::academie_code(&self.db, a).await?.as_slice() {
                [(code, _)] => Some(code.clone()),
                _ => return Ok(Err(AccountError::UnknownAcademie(a.to_string()))),
            },
            None => None,
        };
        Ok(Ok(Checked { email, role: new.role, prenom, nom, uais, academie }))
    }

    /// Creates or updates an account, role and territory included: the
    /// operator's command (`monlyceepro users add`), which may do anything.
    /// The lycées are added to those the account already has; a changed
    /// role, a changed académie and a reactivation are each logged with
    /// `by`.
    pub async fn add(
        &self,
        new: &NewAccount,
        by: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<Result<Added, AccountError>> {
        let c = match self.check(new).await? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let existing = store::compte_by_email_tx(&mut tx, &c.email).await?;
        let known = match &existing {
            Some(row) => store::lycees_of_tx(&mut tx, &row.id).await?,
            None => Vec::new(),
        };
        let academie = c.academie.clone().or_else(|| existing.as_ref().and_then(|r| r.academie_code.clone()));
        if let Err(e) = territory_ok(c.role, &c.uais, &known, academie.as_deref()) {
            return Ok(Err(e));
        }
        let created = existing.is_none();
        let row = match existing {
            Some(mut row) => {
                let before = (row.role.clone(), row.academie_code.clone(), row.actif);
                row.role = c.role.code().to_string();
                row.academie_code = academie;
                row.actif = true;
                row.prenom = c.prenom.clone().or(row.prenom);
                row.nom = c.nom.clone().or(row.nom);
                store::update_compte(&mut tx, &row).await?;
                log_changes(&mut tx, by, &row, before, &now_s).await?;
                row
            }
            None => self.create_in(&mut tx, &c, by, &now_s).await?,
        };
        let added = self.grant_in(&mut tx, row, &c.uais, by, &now_s, created).await?;
        tx.commit().await?;
        self.reach_changed();
        Ok(Ok(added))
    }

    /// Brings someone in (invitations, CSV imports, accepted requests to
    /// join): creates the account when the address has none, else adds
    /// the lycées to it. It never changes what an existing account is —
    /// its role, its territory, whether it is active: a business officer's
    /// account gets lycées, any other is refused with the reason. Whether
    /// the actor may grant these lycées is checked by the caller.
    pub async fn invite(
        &self,
        new: &NewAccount,
        by: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<Result<Added, AccountError>> {
        let c = match self.check(new).await? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let added = self.invite_in(&mut tx, &c, by, &now_s).await?;
        if added.is_ok() {
            tx.commit().await?;
            self.reach_changed();
        }
        Ok(added)
    }

    async fn invite_in(
        &self,
        tx: &mut Tx,
        c: &Checked,
        by: &str,
        now_s: &str,
    ) -> anyhow::Result<Result<Added, AccountError>> {
        let existing = match store::compte_by_email_tx(tx, &c.email).await? {
            Some(row) => {
                let known = store::lycees_of_tx(tx, &row.id).await?;
                Some((row, known))
            }
            None => None,
        };
        if let Some(refusal) = invite_refusal(existing.as_ref().map(|(r, k)| (r, k.as_slice())), c) {
            return Ok(Err(refusal));
        }
        Ok(Ok(match existing {
            Some((row, _)) => self.grant_in(tx, row, &c.uais, by, now_s, false).await?,
            None => {
                let row = self.create_in(tx, c, by, now_s).await?;
                self.grant_in(tx, row, &c.uais, by, now_s, true).await?
            }
        }))
    }

    /// Whether [`Self::invite`] would accept `new`, without writing: a CSV
    /// import checks every line before it writes any.
    pub async fn invite_check(&self, new: &NewAccount) -> anyhow::Result<Result<(), AccountError>> {
        let c = match self.check(new).await? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let existing = match store::compte_by_email(&self.db, &c.email).await? {
            Some(row) => {
                let known = store::lycees_of(&self.db, &row.id).await?;
                Some((row, known))
            }
            None => None,
        };
        Ok(match invite_refusal(existing.as_ref().map(|(r, k)| (r, k.as_slice())), &c) {
            Some(e) => Err(e),
            None => Ok(()),
        })
    }

    async fn create_in(&self, tx: &mut Tx, c: &Checked, by: &str, now_s: &str) -> sqlx::Result<CompteRow> {
        let row = CompteRow {
            id: random_id(),
            email: c.email.clone(),
            prenom: c.prenom.clone(),
            nom: c.nom.clone(),
            role: c.role.code().to_string(),
            academie_code: c.academie.clone(),
            actif: true,
            proconnect_sub: None,
            cree_le: now_s.to_string(),
            derniere_connexion: None,
        };
        store::insert_compte(tx, &row).await?;
        let details = format!(
            "rôle {}{}",
            c.role.code(),
            c.academie.as_ref().map_or(String::new(), |a| format!(", académie {a}"))
        );
        audit(tx, by, "compte_cree", &c.email, &details, now_s).await?;
        Ok(row)
    }

    /// Adds lycées to an account, each grant logged.
    async fn grant_in(
        &self,
        tx: &mut Tx,
        row: CompteRow,
        uais: &[String],
        by: &str,
        now_s: &str,
        created: bool,
    ) -> sqlx::Result<Added> {
        let mut granted = Vec::new();
        for uai in uais {
            if store::grant_lycee(tx, &row.id, uai).await? {
                audit(tx, by, "lycee_attribue", &row.email, uai, now_s).await?;
                granted.push(uai.clone());
            }
        }
        let lycees = store::lycees_of_tx(tx, &row.id).await?;
        Ok(Added { agent: Agent::of(row, lycees), created, granted })
    }

    /// An administrator changes what an account is: its role and, for a
    /// coordinator, its académie. Logged; never on one's own account.
    pub async fn change_role(
        &self,
        compte_id: &str,
        role: Role,
        academie: Option<&str>,
        by: &Agent,
        now: OffsetDateTime,
    ) -> anyhow::Result<Result<Agent, AccountError>> {
        if by.role != Role::Admin {
            anyhow::bail!("seul un administrateur change un rôle");
        }
        if compte_id == by.id {
            return Ok(Err(AccountError::Oneself));
        }
        let academie = match academie.map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => match store::academie_code(&self.db, a).await?.as_slice() {
                [(code, _)] => Some(code.clone()),
                _ => return Ok(Err(AccountError::UnknownAcademie(a.to_string()))),
            },
            None => None,
        };
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let Some(mut row) = on_account(&mut tx, compte_id).await? else { return Ok(Err(AccountError::UnknownAccount)) };
        let lycees = store::lycees_of_tx(&mut tx, &row.id).await?;
        // A coordinator's académie is kept unless another is given; other
        // roles have none.
        let academie = match role {
            Role::Coordinateur => academie.or(row.academie_code.clone()),
            Role::Rbe | Role::Admin => None,
        };
        if let Err(e) = territory_ok(role, &[], &lycees, academie.as_deref()) {
            return Ok(Err(e));
        }
        let before = (row.role.clone(), row.academie_code.clone(), row.actif);
        // Only the role and the académie are written, and only if they are
        // still what was read: a deactivation at the same moment stays.
        let was = (before.0.as_str(), before.1.as_deref());
        if !store::set_role(&mut tx, &row.id, role.code(), academie.as_deref(), was).await? {
            return Ok(Err(AccountError::ChangedMeanwhile));
        }
        row.role = role.code().to_string();
        row.academie_code = academie;
        log_changes(&mut tx, &by.email, &row, before, &now_s).await?;
        // A new role takes effect at the next sign-in: nobody keeps a
        // session opened under the old one.
        store::delete_sessions(&mut tx, &row.id).await?;
        tx.commit().await?;
        self.reach_changed();
        Ok(Ok(Agent::of(row, lycees)))
    }

    /// An administrator reactivates an account that was deactivated.
    /// Logged; false when it was active.
    pub async fn reactivate(&self, compte_id: &str, by: &Agent, now: OffsetDateTime) -> anyhow::Result<bool> {
        if by.role != Role::Admin {
            anyhow::bail!("seul un administrateur réactive un compte");
        }
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let Some(row) = on_account(&mut tx, compte_id).await? else { return Ok(false) };
        // Only the active state is written, and only if it still is off: a
        // role changed at the same moment stays changed.
        if !store::set_active(&mut tx, &row.id, true).await? {
            return Ok(false);
        }
        audit(&mut tx, &by.email, "compte_reactive", &row.email, "", &now_s).await?;
        tx.commit().await?;
        self.reach_changed();
        Ok(true)
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
        enqueue(&mut tx, None, &c.email, mail, &now_s).await?;
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
        store::touch_sign_in(tx, &row.id, &now_s).await?;
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
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        // Read in the transaction that writes, and only the active state
        // written: a role changed at the same moment stays changed.
        let Some(row) = on_account(&mut tx, compte_id).await? else { return Ok(false) };
        let done = match uai {
            Some(u) => {
                let removed = store::revoke_lycee(&mut tx, compte_id, u).await?;
                if removed {
                    audit(&mut tx, by, "lycee_retire", &row.email, u, &now_s).await?;
                }
                removed
            }
            None if store::set_active(&mut tx, compte_id, false).await? => {
                let n = store::delete_sessions(&mut tx, compte_id).await?;
                audit(
                    &mut tx,
                    by,
                    "compte_desactive",
                    &row.email,
                    &domain::text::count_of(n as i64, "session fermée", "sessions fermées"),
                    &now_s,
                )
                .await?;
                true
            }
            None => false,
        };
        tx.commit().await?;
        self.reach_changed();
        Ok(done)
    }

    /// Ends the session `token` of the person (this device only); the
    /// others stay open.
    pub async fn sign_out_here(&self, agent: &Agent, token: &str, now: OffsetDateTime) -> sqlx::Result<bool> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let ended = store::delete_session(&mut tx, &token_hash(token), &agent.id).await?;
        audit(&mut tx, &agent.email, "deconnexion", &agent.email, "session de cet appareil fermée", &now_s).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Ends every session of the person, on every device.
    pub async fn sign_out_everywhere(&self, agent: &Agent, now: OffsetDateTime) -> sqlx::Result<u64> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let n = store::delete_sessions(&mut tx, &agent.id).await?;
        audit(
            &mut tx,
            &agent.email,
            "deconnexion",
            &agent.email,
            &domain::text::count_of(n as i64, "session fermée", "sessions fermées"),
            &now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// An account as asked, checked.
struct Checked {
    email: String,
    role: Role,
    prenom: Option<String>,
    nom: Option<String>,
    uais: Vec<String>,
    academie: Option<String>,
}

/// Why an invitation may not touch an existing account (`None`: it may).
/// It only ever adds lycées to an active business officer's account: it
/// never changes a role, a territory or a deactivation.
fn invite_refusal(existing: Option<(&CompteRow, &[String])>, c: &Checked) -> Option<AccountError> {
    match existing {
        None => territory_ok(c.role, &c.uais, &[], c.academie.as_deref()).err(),
        Some((row, _)) if !row.actif => Some(AccountError::Deactivated),
        Some((row, _)) if row.role != Role::Rbe.code() || c.role != Role::Rbe || c.academie.is_some() => {
            Some(AccountError::OtherRole)
        }
        Some(_) => None,
    }
}

/// Whether a role has the territory it needs: a business officer at least
/// one lycée, a coordinator an académie or a list of lycées.
fn territory_ok(role: Role, adding: &[String], known: &[String], academie: Option<&str>) -> Result<(), AccountError> {
    match role {
        Role::Rbe if adding.is_empty() && known.is_empty() => Err(AccountError::RbeWithoutLycee),
        Role::Coordinateur if academie.is_none() && adding.is_empty() && known.is_empty() => {
            Err(AccountError::CoordinatorWithoutTerritory)
        }
        _ => Ok(()),
    }
}

/// Logs what changed in an account: its role, its académie, its state.
async fn log_changes(
    tx: &mut Tx,
    by: &str,
    row: &CompteRow,
    (role, academie, actif): (String, Option<String>, bool),
    now_s: &str,
) -> sqlx::Result<()> {
    if role != row.role {
        audit(tx, by, "role_modifie", &row.email, &format!("{role} → {}", row.role), now_s).await?;
    }
    if academie != row.academie_code {
        let show = |a: &Option<String>| a.clone().unwrap_or_else(|| "aucune".into());
        audit(
            tx,
            by,
            "territoire_modifie",
            &row.email,
            &format!("académie {} → {}", show(&academie), show(&row.academie_code)),
            now_s,
        )
        .await?;
    }
    if !actif && row.actif {
        audit(tx, by, "compte_reactive", &row.email, "", now_s).await?;
    }
    Ok(())
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
