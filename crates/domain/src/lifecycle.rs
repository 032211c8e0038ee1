//! The life of a request after routing, in one place: its statuses, its
//! recipients' roles and statuses, what may happen to it (events), and one
//! pure transition function that says whether an event is allowed now and,
//! if so, everything it changes — the **plan**: rows, story lines, emails,
//! counters. The request service only loads a request, calls [`decide`],
//! applies the plan in one transaction and commits; pages ask the same
//! function what a person may do ([`permissions`]).
//!
//! Time is an input (`now`) and deadlines count French working days
//! ([`crate::calendar::WorkingCalendar`]), so the schedule — reminders,
//! the pilot role moving on, escalation to the coordinator, the honest end
//! `sans_reponse` — is the same pure function, driven by [`Event::Tick`].

use crate::calendar::WorkingCalendar;
use time::{Duration, OffsetDateTime};

pub use crate::codes::UnknownCode;

crate::codes!(
    /// Where a request stands, derived from its recipients' answers and the
    /// schedule.
    RequestStatus {
        /// Sent to the lycées; nobody has taken it yet.
        Transmise = "transmise",
        /// A lycée took it and leads the answer.
        PriseEnCharge = "prise_en_charge",
        /// No lycée is left to ask: the territorial coordinator has it.
        EnAttente = "en_attente",
        /// Closed with an outcome.
        Cloturee = "cloturee",
        /// Cancelled by the company.
        Annulee = "annulee",
        /// The same request again: never routed.
        Doublon = "doublon",
        /// Nobody took it in time: an honest end, with alternatives.
        SansReponse = "sans_reponse",
    }
);

impl RequestStatus {
    /// Whether something can still happen to it.
    pub fn is_open(self) -> bool {
        matches!(self, RequestStatus::Transmise | RequestStatus::PriseEnCharge | RequestStatus::EnAttente)
    }

    /// The status as the company reads it.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Transmise => "Transmise aux lycées",
            RequestStatus::PriseEnCharge => "Prise en charge",
            RequestStatus::EnAttente => "Confiée au chargé de mission école-entreprise de l'académie",
            RequestStatus::Cloturee => "Clôturée",
            RequestStatus::Annulee => "Annulée",
            RequestStatus::Doublon => "Déjà reçue : non transmise une seconde fois",
            RequestStatus::SansReponse => "Close sans réponse des lycées",
        }
    }
}

crate::codes!(
    /// A lycée's part in a request.
    RecipientRole {
        /// Leads the answer.
        Pilote = "pilote",
        /// Joins the answer.
        Appui = "appui",
        /// Kept in reserve: not told yet.
        Reserve = "reserve",
    }
);

impl RecipientRole {
    /// The role in words a company understands.
    pub fn label(self) -> &'static str {
        match self {
            RecipientRole::Pilote => "coordonne la réponse",
            RecipientRole::Appui => "participe à la réponse",
            RecipientRole::Reserve => "en réserve",
        }
    }
}

crate::codes!(
    /// Where one lycée stands on a request.
    RecipientStatus {
        /// In reserve, not told.
        EnAttente = "en_attente",
        /// Told, has not answered.
        Nouvelle = "nouvelle",
        PriseEnCharge = "prise_en_charge",
        Declinee = "declinee",
        /// Did not answer in time (the pilot role moved on, or the request
        /// ended without answer).
        Expiree = "expiree",
        /// The request is closed.
        Cloturee = "cloturee",
    }
);

impl RecipientStatus {
    /// Whether the lycée is part of the answer now.
    pub fn is_involved(self) -> bool {
        matches!(self, RecipientStatus::Nouvelle | RecipientStatus::PriseEnCharge)
    }

    /// How the lycée stands, in words.
    pub fn label(self) -> &'static str {
        match self {
            RecipientStatus::Nouvelle => "pas encore répondu",
            RecipientStatus::PriseEnCharge => "a pris la demande en charge",
            RecipientStatus::Declinee => "a décliné",
            RecipientStatus::Expiree => "n'a pas répondu à temps",
            RecipientStatus::Cloturee => "demande close",
            RecipientStatus::EnAttente => "en réserve",
        }
    }
}

crate::codes!(
    /// How a request ended, in the lycée's words (and the company's, mapped
    /// to these: its need met with the lycée is `realisee`, met elsewhere
    /// `sans_suite`).
    Outcome {
        Partenariat = "partenariat",
        Realisee = "realisee",
        SansSuite = "sans_suite",
        Injoignable = "injoignable",
    }
);

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Partenariat => "Un partenariat est né",
            Outcome::Realisee => "L'action a été réalisée",
            Outcome::SansSuite => "Sans suite",
            Outcome::Injoignable => "L'entreprise est restée injoignable",
        }
    }
}

crate::codes!(
    /// Why a lycée declines.
    DeclineReason {
        HorsChamp = "hors_champ",
        Capacite = "capacite",
        Periode = "periode",
        /// Said in the lycée's own words (required).
        Autre = "autre",
    }
);

impl DeclineReason {
    pub fn label(self) -> &'static str {
        match self {
            DeclineReason::HorsChamp => "Ce n'est pas notre domaine",
            DeclineReason::Capacite => "Nous n'avons pas la capacité en ce moment",
            DeclineReason::Periode => "La période ne convient pas",
            DeclineReason::Autre => "Autre raison",
        }
    }
}

crate::codes!(
    /// Who did something to a request.
    ActorKind {
        Lycee = "lycee",
        Coordination = "coordination",
        Entreprise = "entreprise",
        Systeme = "systeme",
    }
);

crate::codes!(
    /// What happened to a request, as counted on `/metrics`
    /// (`mlp_demandes_transitions_total{transition="…"}`): one name per
    /// transition, every one exported from the start (at 0).
    Transition {
        /// Submitted and sent to lycées.
        Transmise = "transmise",
        /// Submitted with no lycée to ask: the coordinator has it.
        EnAttente = "en_attente",
        /// Submitted again within the duplicate window.
        Doublon = "doublon",
        PriseEnCharge = "prise_en_charge",
        Declinee = "declinee",
        /// A lycée handed its place to another.
        MainPassee = "main_passee",
        /// The coordination gave the pilot role.
        Reaffectee = "reaffectee",
        Message = "message",
        MessageEntreprise = "message_entreprise",
        Note = "note",
        Cloturee = "cloturee",
        Annulee = "annulee",
        Rouverte = "rouverte",
        Avis = "avis",
        RelancePilote = "relance_pilote",
        PiloteChange = "pilote_change",
        RelanceTous = "relance_tous",
        Escaladee = "escaladee",
        SansReponse = "sans_reponse",
        RelanceMessage = "relance_message",
        DemandeCloture = "demande_cloture",
        /// A lycée's email could not be delivered: it steps aside.
        NonDistribuee = "non_distribuee",
    }
);

impl Transition {
    /// How a submission is counted: by the status it starts in.
    pub fn submitted(status: RequestStatus) -> Transition {
        match status {
            RequestStatus::Doublon => Transition::Doublon,
            RequestStatus::EnAttente => Transition::EnAttente,
            _ => Transition::Transmise,
        }
    }
}

/// Who acts: a lycée (its business officer), the coordination (a
/// coordinator or an administrator), the company, or the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Lycee(String),
    Coordination,
    Company,
    System,
}

impl Actor {
    pub fn kind(&self) -> ActorKind {
        match self {
            Actor::Lycee(_) => ActorKind::Lycee,
            Actor::Coordination => ActorKind::Coordination,
            Actor::Company => ActorKind::Entreprise,
            Actor::System => ActorKind::Systeme,
        }
    }

    pub fn uai(&self) -> Option<&str> {
        match self {
            Actor::Lycee(u) => Some(u),
            _ => None,
        }
    }
}

/// The deadlines of the schedule, in working days unless said otherwise
/// (each a setting; these are the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Not taken: reminder to the pilot.
    pub pilot_reminder: u32,
    /// Not taken: the pilot role moves on.
    pub pilot_moves: u32,
    /// Nobody took it: reminder to every lycée involved.
    pub everyone_reminder: u32,
    /// Nobody took it: escalation to the académie's coordinator.
    pub escalation: u32,
    /// Nobody took it: the request ends `sans_reponse`.
    pub no_answer: u32,
    /// Taken but no message to the company: reminder to the lycée.
    pub message_reminder: u32,
    /// Taken for this many calendar days without outcome: the lycée is
    /// asked to close it.
    pub close_request_days: i64,
    /// Calendar days after closing during which a lycée may reopen.
    pub reopen_days: i64,
}

impl Default for Deadlines {
    fn default() -> Deadlines {
        Deadlines {
            pilot_reminder: 2,
            pilot_moves: 3,
            everyone_reminder: 5,
            escalation: 8,
            no_answer: 20,
            message_reminder: 5,
            close_request_days: 45,
            reopen_days: 30,
        }
    }
}

/// A lycée on a request, as the lifecycle sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub uai: String,
    pub role: RecipientRole,
    pub status: RecipientStatus,
    /// When it was told (its clock as pilot starts there).
    pub notified_at: Option<OffsetDateTime>,
    /// Whether it was reminded as pilot.
    pub reminded: bool,
    /// Someone will read what is sent to it ([`crate::reach::Contacts`]):
    /// the schedule never gives a role to, nor reminds, a lycée nobody
    /// reads.
    pub reachable: bool,
}

/// What the schedule already did (each step happens once).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Done {
    pub everyone_reminded: bool,
    pub escalated: bool,
    pub message_reminded: bool,
    pub close_requested: bool,
}

/// A request, as the lifecycle sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub status: RequestStatus,
    /// When its clock started: sent, or re-opened by the company.
    pub started_at: OffsetDateTime,
    /// The lycée leading the answer.
    pub responsible: Option<String>,
    pub taken_at: Option<OffsetDateTime>,
    /// When the leading lycée first wrote to the company after taking it.
    pub answered_at: Option<OffsetDateTime>,
    pub ended_at: Option<OffsetDateTime>,
    /// Recipients in rank order (reserves last).
    pub recipients: Vec<Recipient>,
    pub done: Done,
    /// The company re-opened it once after `sans_reponse`.
    pub company_reopened: bool,
    /// The company's answer to "was it useful?" (1 to 5).
    pub satisfaction: Option<u8>,
    /// The company was already asked whether it was useful: a request
    /// re-opened and closed again does not ask twice.
    pub satisfaction_asked: bool,
}

impl Request {
    fn recipient(&self, uai: &str) -> Option<&Recipient> {
        self.recipients.iter().find(|r| r.uai == uai && r.role != RecipientRole::Reserve)
    }

    /// The lycée whose working days the schedule counts in: the one
    /// leading the answer (its message reminder, its close ask), else the
    /// pilot still waiting to answer, else the first pilot of the request.
    /// The deadlines are the lycée's: a Moselle lycée is closed on Good
    /// Friday even when the company's commune is not. `None`: no lycée
    /// (the company's commune is the only calendar left).
    pub fn calendar_lycee(&self) -> Option<&str> {
        let pilot = |waiting: bool| {
            self.recipients
                .iter()
                .find(|r| r.role == RecipientRole::Pilote && (!waiting || r.status == RecipientStatus::Nouvelle))
        };
        self.responsible.as_deref().or_else(|| pilot(true).or_else(|| pilot(false)).map(|r| r.uai.as_str()))
    }

    /// The lycées part of the answer now.
    pub fn involved(&self) -> impl Iterator<Item = &Recipient> {
        self.recipients.iter().filter(|r| r.role != RecipientRole::Reserve && r.status.is_involved())
    }
}

/// What may happen to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A lycée takes it in charge.
    Take { uai: String },
    /// A lycée declines (`Autre` needs its own words, given by the caller).
    Decline { uai: String, reason: DeclineReason, has_text: bool },
    /// A lycée hands its place to another (`from`), or the coordination
    /// gives the pilot role of a request nobody took (`from` is `None`).
    /// `crosses_border`: the new lycée is in another académie.
    HandOver { from: Option<String>, to: String, crosses_border: bool },
    /// A lycée or the coordination writes to the company.
    Write { by: Actor },
    /// The company writes to the lycées.
    CompanyWrites,
    /// A private note.
    Note { by: Actor },
    /// Closing with an outcome: a lycée that took it, the coordination, or
    /// the company (its need met, here or elsewhere).
    Close { by: Actor, outcome: Outcome },
    /// The company cancels.
    Cancel,
    /// A lycée or the coordination re-opens a closed request (within
    /// [`Deadlines::reopen_days`]); the company re-opens, once, a request
    /// that ended without answer, towards `candidates` (lycées a wider
    /// search found, best first; none: the coordinator).
    Reopen { by: Actor, candidates: Vec<String> },
    /// The company says whether it was useful (1 to 5), once, after the end.
    Rate { score: u8 },
    /// The schedule looks at the request: whatever is due now happens.
    Tick,
    /// An email to lycée `uai` could not be delivered, after every retry:
    /// nobody there was told. A lycée still waiting to answer steps aside
    /// as if it had not answered, and the next one is told.
    Undelivered { uai: String },
}

/// Why the coordination is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoordinationCause {
    /// No lycée is left to ask.
    NoneLeft,
    /// Nobody took it after [`Deadlines::escalation`] working days.
    Escalated,
    /// A lycée handed it to a lycée of another académie.
    CrossBorder,
}

/// An email the plan asks for; the service renders it.
#[derive(Debug, Clone, PartialEq)]
pub enum Email {
    /// A lycée is told of the request (new recipient, joined, handed over).
    LyceeNew { uai: String, role: RecipientRole },
    /// The company: a lycée took it.
    CompanyTaken { uai: String },
    /// The company: a lycée or the coordination wrote (the text is the
    /// caller's).
    CompanyMessage { by: Actor },
    /// The company: closed by a lycée or the coordination.
    CompanyClosed { by: Actor, outcome: Outcome },
    /// The company: nobody took it; what can still be done.
    CompanyNoAnswer,
    /// The company: was it useful?
    CompanySatisfaction,
    /// The lycées involved: the company wrote.
    LyceesCompanyMessage { uais: Vec<String> },
    /// The lycées involved: the company cancelled or closed it.
    LyceesEnded { uais: Vec<String>, cancelled: bool },
    /// Reminder to the pilot that has not answered.
    PilotReminder { uai: String },
    /// Reminder to every lycée that has not answered.
    EveryoneReminder { uais: Vec<String> },
    /// The leading lycée has not written to the company yet.
    MessageReminder { uai: String },
    /// The leading lycée is asked to close with an outcome.
    CloseRequest { uai: String },
    /// The académie's coordination (and, across a border, the other's).
    Coordination { cause: CoordinationCause },
}

/// A line of the request's story; the service writes it in French.
#[derive(Debug, Clone, PartialEq)]
pub enum Story {
    Taken {
        uai: String,
        first: bool,
    },
    Declined {
        uai: String,
        reason: DeclineReason,
    },
    Expired {
        uai: String,
    },
    /// The email to a lycée could not be delivered.
    Undelivered {
        uai: String,
    },
    Joined {
        uai: String,
        role: RecipientRole,
    },
    HandedOver {
        from: Option<String>,
        to: String,
        role: RecipientRole,
    },
    ToCoordination,
    /// A message to the company, the company's message, or a note: the
    /// caller's text.
    Text {
        by: Actor,
        public: bool,
    },
    Closed {
        by: Actor,
        outcome: Outcome,
    },
    Cancelled,
    Reopened {
        by: Actor,
    },
    PilotReminded {
        uai: String,
    },
    EveryoneReminded,
    Escalated,
    NoAnswer,
    MessageReminded {
        uai: String,
    },
    CloseRequested {
        uai: String,
    },
    Rated {
        score: u8,
    },
}

impl Story {
    /// Whether the company sees it on its follow-up page.
    pub fn public(&self) -> bool {
        match self {
            Story::Taken { first, .. } => *first,
            Story::Declined { .. }
            | Story::Expired { .. }
            | Story::Undelivered { .. }
            | Story::MessageReminded { .. }
            | Story::CloseRequested { .. }
            | Story::Rated { .. } => false,
            Story::Text { public, .. } => *public,
            _ => true,
        }
    }
}

/// What the schedule or an answer records on the request itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    EveryoneReminded,
    Escalated,
    MessageReminded,
    CloseRequested,
    /// The leading lycée wrote to the company.
    Answered,
    /// The clock starts again (the company re-opened it).
    Restarted,
    CompanyReopened,
    Satisfaction(u8),
    /// The company is asked whether it was useful (once).
    SatisfactionAsked,
    Outcome(Outcome),
}

/// A change to one lycée's row.
#[derive(Debug, Clone, PartialEq)]
pub struct RecipientChange {
    pub uai: String,
    pub role: RecipientRole,
    pub status: RecipientStatus,
    /// Told now: its `notified_at` becomes now and it counts one more
    /// request received this month.
    pub notify: bool,
    /// Reminded as pilot.
    pub reminded: bool,
    /// Why it left (declined, expired, handed over).
    pub reason: Option<String>,
    /// It joins the request now (a new row).
    pub new: bool,
}

/// Everything an allowed event changes, to apply in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The request's status after the event.
    pub status: RequestStatus,
    pub responsible: Option<String>,
    pub recipients: Vec<RecipientChange>,
    pub marks: Vec<Mark>,
    pub story: Vec<Story>,
    pub emails: Vec<Email>,
    /// Lycées that took a request (their track record).
    pub taken: Vec<String>,
    /// Lycées whose business officers now have a message of the company
    /// they have not read (the request shows "Nouveau message" and comes
    /// back in their "À traiter" until one of them opens it).
    pub unread: Vec<String>,
    /// The names of what happened, for the counters (`mlp_demandes_transitions_total`).
    pub transitions: Vec<Transition>,
}

impl Plan {
    fn from(req: &Request) -> Plan {
        Plan {
            status: req.status,
            responsible: req.responsible.clone(),
            recipients: Vec::new(),
            marks: Vec::new(),
            story: Vec::new(),
            emails: Vec::new(),
            taken: Vec::new(),
            unread: Vec::new(),
            transitions: Vec::new(),
        }
    }

    /// Whether the request ends with this plan.
    pub fn ends(&self, before: RequestStatus) -> bool {
        before.is_open() && !self.status.is_open()
    }

    fn change(&mut self, r: &Recipient, status: RecipientStatus, reason: Option<String>) {
        self.recipients.push(RecipientChange {
            uai: r.uai.clone(),
            role: r.role,
            status,
            notify: false,
            reminded: r.reminded,
            reason,
            new: false,
        });
    }
}

/// Why an event is refused (French, shown after "Impossible : ").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("votre lycée n'est pas destinataire de cette demande")]
    NotRecipient,
    #[error("la demande est {0} : elle ne peut plus changer")]
    Ended(&'static str),
    #[error("votre lycée a déjà pris cette demande en charge")]
    AlreadyTaken,
    #[error("votre lycée a déjà décliné cette demande")]
    AlreadyDeclined,
    #[error("le délai de prise en charge est passé : la demande a été confiée à un autre lycée")]
    Expired,
    #[error("votre lycée ne participe plus à cette demande")]
    NotInvolved,
    #[error("un lycée a déjà pris la demande en charge")]
    TakenByAnother,
    #[error("précisez la raison en quelques mots")]
    ReasonNeeded,
    #[error("c'est déjà votre lycée")]
    SameLycee,
    #[error("ce lycée participe déjà à la demande")]
    AlreadyParticipates,
    #[error("prenez d'abord la demande en charge")]
    NotTaken,
    #[error("la demande est en cours : rien à rouvrir")]
    NotEnded,
    #[error("la demande est close depuis plus de {0} jours : elle ne peut plus être rouverte")]
    TooLateToReopen(i64),
    #[error("cette demande a déjà été relancée une fois")]
    AlreadyReopened,
    #[error("seule une demande close sans réponse peut être relancée par l'entreprise")]
    NotReopenable,
    #[error("vous avez déjà donné votre avis")]
    AlreadyRated,
    #[error("la demande n'est pas encore close")]
    NotYetRateable,
    #[error("une note de 1 à 5")]
    BadScore,
    #[error("rien à faire pour l'instant")]
    NothingDue,
    #[error("personne ne peut être joint dans ce lycée : indiquez d'abord l'adresse de son bureau des entreprises")]
    Unreachable,
}

fn ended(status: RequestStatus) -> Refusal {
    Refusal::Ended(match status {
        RequestStatus::Annulee => "annulée par l'entreprise",
        RequestStatus::Doublon => "un doublon",
        RequestStatus::SansReponse => "close sans réponse",
        _ => "clôturée",
    })
}

fn require_open(req: &Request) -> Result<(), Refusal> {
    if req.status.is_open() { Ok(()) } else { Err(ended(req.status)) }
}

/// The lycée `uai` may answer (take or decline) the request.
fn answerable<'a>(req: &'a Request, uai: &str) -> Result<&'a Recipient, Refusal> {
    require_open(req)?;
    let r = req.recipient(uai).ok_or(Refusal::NotRecipient)?;
    match r.status {
        RecipientStatus::Nouvelle => Ok(r),
        RecipientStatus::PriseEnCharge => Err(Refusal::AlreadyTaken),
        RecipientStatus::Declinee => Err(Refusal::AlreadyDeclined),
        RecipientStatus::Expiree => Err(Refusal::Expired),
        RecipientStatus::Cloturee | RecipientStatus::EnAttente => Err(Refusal::NotRecipient),
    }
}

/// Whether an event may happen now, and what it changes.
pub fn decide(
    req: &Request,
    event: &Event,
    now: OffsetDateTime,
    calendar: &WorkingCalendar<'_>,
    deadlines: &Deadlines,
) -> Result<Plan, Refusal> {
    let mut plan = Plan::from(req);
    match event {
        Event::Take { uai } => {
            let r = answerable(req, uai)?;
            plan.change(r, RecipientStatus::PriseEnCharge, None);
            plan.taken.push(uai.clone());
            let first = req.responsible.is_none();
            if first {
                plan.responsible = Some(uai.clone());
                plan.status = RequestStatus::PriseEnCharge;
                plan.emails.push(Email::CompanyTaken { uai: uai.clone() });
            }
            plan.story.push(Story::Taken { uai: uai.clone(), first });
            plan.transitions.push(Transition::PriseEnCharge);
        }
        Event::Decline { uai, reason, has_text } => {
            let r = answerable(req, uai)?;
            if *reason == DeclineReason::Autre && !has_text {
                return Err(Refusal::ReasonNeeded);
            }
            plan.story.push(Story::Declined { uai: uai.clone(), reason: *reason });
            step_aside(req, &mut plan, r, RecipientStatus::Declinee, Some(reason.label().to_string()));
            plan.transitions.push(Transition::Declinee);
        }
        Event::HandOver { from, to, crosses_border } => {
            require_open(req)?;
            if from.as_deref() == Some(to.as_str()) {
                return Err(Refusal::SameLycee);
            }
            if req.recipients.iter().any(|r| &r.uai == to && r.role != RecipientRole::Reserve && r.status.is_involved())
            {
                return Err(Refusal::AlreadyParticipates);
            }
            let role = match from {
                Some(u) => {
                    let r = req.recipient(u).ok_or(Refusal::NotRecipient)?;
                    if !r.status.is_involved() {
                        return Err(Refusal::NotInvolved);
                    }
                    let leading = req.responsible.as_deref() == Some(u.as_str());
                    plan.change(r, RecipientStatus::Declinee, Some(format!("a passé la main à {to}")));
                    if leading {
                        plan.responsible = None;
                        plan.status = RequestStatus::Transmise;
                    }
                    if leading || r.role == RecipientRole::Pilote { RecipientRole::Pilote } else { r.role }
                }
                None => {
                    if req.responsible.is_some() {
                        return Err(Refusal::TakenByAnother);
                    }
                    // The silent pilot, if any, makes way.
                    for r in req.involved().filter(|r| r.role == RecipientRole::Pilote) {
                        plan.change(r, RecipientStatus::Expiree, Some("demande réaffectée par la coordination".into()));
                    }
                    plan.status = RequestStatus::Transmise;
                    RecipientRole::Pilote
                }
            };
            let new = !req.recipients.iter().any(|r| &r.uai == to);
            plan.recipients.push(RecipientChange {
                uai: to.clone(),
                role,
                status: RecipientStatus::Nouvelle,
                notify: true,
                reminded: false,
                reason: None,
                new,
            });
            plan.story.push(Story::HandedOver { from: from.clone(), to: to.clone(), role });
            plan.emails.push(Email::LyceeNew { uai: to.clone(), role });
            if *crosses_border {
                plan.emails.push(Email::Coordination { cause: CoordinationCause::CrossBorder });
            }
            plan.transitions.push(if from.is_some() { Transition::MainPassee } else { Transition::Reaffectee });
        }
        Event::Write { by } => {
            require_open(req)?;
            if let Actor::Lycee(u) = by {
                let r = req.recipient(u).ok_or(Refusal::NotRecipient)?;
                if r.status != RecipientStatus::PriseEnCharge {
                    return Err(Refusal::NotTaken);
                }
                if req.responsible.as_deref() == Some(u.as_str()) && req.answered_at.is_none() {
                    plan.marks.push(Mark::Answered);
                }
            }
            plan.story.push(Story::Text { by: by.clone(), public: true });
            plan.emails.push(Email::CompanyMessage { by: by.clone() });
            plan.transitions.push(Transition::Message);
        }
        Event::CompanyWrites => {
            require_open(req)?;
            plan.story.push(Story::Text { by: Actor::Company, public: true });
            // The lycée leading the answer, else every lycée still asked.
            let uais: Vec<String> = match &req.responsible {
                Some(u) => vec![u.clone()],
                None => req.involved().map(|r| r.uai.clone()).collect(),
            };
            plan.unread = uais.clone();
            plan.emails.push(Email::LyceesCompanyMessage { uais });
            plan.transitions.push(Transition::MessageEntreprise);
        }
        Event::Note { by } => {
            require_open(req)?;
            if let Actor::Lycee(u) = by {
                req.recipient(u).ok_or(Refusal::NotRecipient)?;
            }
            plan.story.push(Story::Text { by: by.clone(), public: false });
            plan.transitions.push(Transition::Note);
        }
        Event::Close { by, outcome } => {
            require_open(req)?;
            if let Actor::Lycee(u) = by {
                let r = req.recipient(u).ok_or(Refusal::NotRecipient)?;
                if r.status != RecipientStatus::PriseEnCharge {
                    return Err(Refusal::NotTaken);
                }
            }
            plan.status = RequestStatus::Cloturee;
            for r in req.involved() {
                plan.change(r, RecipientStatus::Cloturee, None);
            }
            plan.marks.push(Mark::Outcome(*outcome));
            plan.story.push(Story::Closed { by: by.clone(), outcome: *outcome });
            match by {
                Actor::Company => {
                    let uais: Vec<String> = req.involved().map(|r| r.uai.clone()).collect();
                    if !uais.is_empty() {
                        plan.emails.push(Email::LyceesEnded { uais, cancelled: false });
                    }
                }
                _ => plan.emails.push(Email::CompanyClosed { by: by.clone(), outcome: *outcome }),
            }
            if req.responsible.is_some() && !req.satisfaction_asked && req.satisfaction.is_none() {
                plan.marks.push(Mark::SatisfactionAsked);
                plan.emails.push(Email::CompanySatisfaction);
            }
            plan.transitions.push(Transition::Cloturee);
        }
        Event::Cancel => {
            require_open(req)?;
            plan.status = RequestStatus::Annulee;
            let uais: Vec<String> = req.involved().map(|r| r.uai.clone()).collect();
            for r in req.involved() {
                plan.change(r, RecipientStatus::Cloturee, Some("demande annulée par l'entreprise".into()));
            }
            plan.story.push(Story::Cancelled);
            if !uais.is_empty() {
                plan.emails.push(Email::LyceesEnded { uais, cancelled: true });
            }
            plan.transitions.push(Transition::Annulee);
        }
        Event::Reopen { by, candidates } => reopen(req, &mut plan, by, candidates, now, deadlines)?,
        Event::Rate { score } => {
            if req.status != RequestStatus::Cloturee {
                return Err(Refusal::NotYetRateable);
            }
            if req.satisfaction.is_some() {
                return Err(Refusal::AlreadyRated);
            }
            if !(1..=5).contains(score) {
                return Err(Refusal::BadScore);
            }
            plan.marks.push(Mark::Satisfaction(*score));
            plan.story.push(Story::Rated { score: *score });
            plan.transitions.push(Transition::Avis);
        }
        Event::Tick => tick(req, &mut plan, now, calendar, deadlines)?,
        Event::Undelivered { uai } => {
            require_open(req).map_err(|_| Refusal::NothingDue)?;
            let r = req.recipient(uai).filter(|r| r.status == RecipientStatus::Nouvelle).ok_or(Refusal::NothingDue)?;
            plan.story.push(Story::Undelivered { uai: uai.clone() });
            step_aside(req, &mut plan, r, RecipientStatus::Expiree, Some("courriel non distribué".into()));
            plan.transitions.push(Transition::NonDistribuee);
        }
    }
    Ok(plan)
}

/// A recipient leaves (declined, or a pilot gone silent): the first
/// support still waiting becomes pilot, the next lycée in reserve joins
/// (as pilot when there is none), and the coordination takes over when
/// nobody is left.
fn step_aside(req: &Request, plan: &mut Plan, leaving: &Recipient, status: RecipientStatus, reason: Option<String>) {
    plan.change(leaving, status, reason);
    let mut recips: Vec<Recipient> = req.recipients.clone();
    if let Some(r) = recips.iter_mut().find(|r| r.uai == leaving.uai) {
        r.status = status;
    }
    // Only a lycée someone reads counts as "someone left to answer".
    let open = |r: &Recipient| r.role != RecipientRole::Reserve && r.status.is_involved() && r.reachable;
    if leaving.role == RecipientRole::Pilote
        && req.responsible.is_none()
        && let Some(next) = recips
            .iter_mut()
            .find(|r| r.role == RecipientRole::Appui && r.status == RecipientStatus::Nouvelle && r.reachable)
    {
        next.role = RecipientRole::Pilote;
        plan.recipients.push(RecipientChange {
            uai: next.uai.clone(),
            role: RecipientRole::Pilote,
            status: RecipientStatus::Nouvelle,
            notify: true,
            reminded: false,
            reason: None,
            new: false,
        });
        plan.story.push(Story::Joined { uai: next.uai.clone(), role: RecipientRole::Pilote });
        plan.emails.push(Email::LyceeNew { uai: next.uai.clone(), role: RecipientRole::Pilote });
    }
    let has_pilot = recips.iter().any(|r| open(r) && r.role == RecipientRole::Pilote);
    if let Some(next) = recips
        .iter_mut()
        .find(|r| r.role == RecipientRole::Reserve && r.status == RecipientStatus::EnAttente && r.reachable)
    {
        let role = if has_pilot || req.responsible.is_some() { RecipientRole::Appui } else { RecipientRole::Pilote };
        next.role = role;
        next.status = RecipientStatus::Nouvelle;
        plan.recipients.push(RecipientChange {
            uai: next.uai.clone(),
            role,
            status: RecipientStatus::Nouvelle,
            notify: true,
            reminded: false,
            reason: None,
            new: false,
        });
        plan.story.push(Story::Joined { uai: next.uai.clone(), role });
        plan.emails.push(Email::LyceeNew { uai: next.uai.clone(), role });
    }
    if !recips.iter().any(open) && req.responsible.is_none() && req.status != RequestStatus::EnAttente {
        plan.status = RequestStatus::EnAttente;
        plan.story.push(Story::ToCoordination);
        plan.emails.push(Email::Coordination { cause: CoordinationCause::NoneLeft });
    }
}

fn reopen(
    req: &Request,
    plan: &mut Plan,
    by: &Actor,
    candidates: &[String],
    now: OffsetDateTime,
    deadlines: &Deadlines,
) -> Result<(), Refusal> {
    match by {
        Actor::Company => {
            if req.status != RequestStatus::SansReponse {
                return Err(if req.status.is_open() { Refusal::NotEnded } else { Refusal::NotReopenable });
            }
            if req.company_reopened {
                return Err(Refusal::AlreadyReopened);
            }
            plan.marks.push(Mark::CompanyReopened);
            plan.marks.push(Mark::Restarted);
            let fresh: Vec<&String> =
                candidates.iter().filter(|c| !req.recipients.iter().any(|r| &r.uai == *c)).collect();
            for (i, uai) in fresh.iter().take(3).enumerate() {
                let role = if i == 0 { RecipientRole::Pilote } else { RecipientRole::Appui };
                plan.recipients.push(RecipientChange {
                    uai: (*uai).clone(),
                    role,
                    status: RecipientStatus::Nouvelle,
                    notify: true,
                    reminded: false,
                    reason: None,
                    new: true,
                });
                plan.story.push(Story::Joined { uai: (*uai).clone(), role });
                plan.emails.push(Email::LyceeNew { uai: (*uai).clone(), role });
            }
            plan.status = if fresh.is_empty() { RequestStatus::EnAttente } else { RequestStatus::Transmise };
            plan.story.push(Story::Reopened { by: Actor::Company });
            if fresh.is_empty() {
                plan.story.push(Story::ToCoordination);
            }
            plan.emails.push(Email::Coordination {
                cause: if fresh.is_empty() { CoordinationCause::NoneLeft } else { CoordinationCause::Escalated },
            });
        }
        Actor::Lycee(_) | Actor::Coordination => {
            if req.status != RequestStatus::Cloturee {
                return Err(if req.status.is_open() { Refusal::NotEnded } else { ended(req.status) });
            }
            if let Actor::Lycee(u) = by {
                let r = req.recipients.iter().find(|r| &r.uai == u).ok_or(Refusal::NotRecipient)?;
                if r.status != RecipientStatus::Cloturee || req.responsible.as_deref() != Some(u.as_str()) {
                    return Err(Refusal::NotInvolved);
                }
            }
            if req.ended_at.is_some_and(|t| now - t > Duration::days(deadlines.reopen_days)) {
                return Err(Refusal::TooLateToReopen(deadlines.reopen_days));
            }
            let responsible = req.responsible.as_deref();
            for r in req.recipients.iter().filter(|r| r.status == RecipientStatus::Cloturee) {
                let back = if Some(r.uai.as_str()) == responsible {
                    RecipientStatus::PriseEnCharge
                } else {
                    RecipientStatus::Nouvelle
                };
                plan.change(r, back, None);
            }
            plan.status = if responsible.is_some() { RequestStatus::PriseEnCharge } else { RequestStatus::EnAttente };
            plan.story.push(Story::Reopened { by: by.clone() });
        }
        Actor::System => return Err(Refusal::NothingDue),
    }
    plan.transitions.push(Transition::Rouverte);
    Ok(())
}

/// What the schedule does now, in order; refused with `NothingDue` when
/// nothing is (so that running it again changes nothing).
fn tick(
    req: &Request,
    plan: &mut Plan,
    now: OffsetDateTime,
    cal: &WorkingCalendar<'_>,
    d: &Deadlines,
) -> Result<(), Refusal> {
    if !req.status.is_open() {
        return Err(Refusal::NothingDue);
    }
    let elapsed = cal.working_days_between(req.started_at, now);
    if req.responsible.is_none() {
        if elapsed >= d.no_answer {
            plan.status = RequestStatus::SansReponse;
            for r in req.involved() {
                plan.change(r, RecipientStatus::Expiree, Some("demande close sans réponse".into()));
            }
            plan.story.push(Story::NoAnswer);
            plan.emails.push(Email::CompanyNoAnswer);
            plan.transitions.push(Transition::SansReponse);
            return Ok(());
        }
        if let Some(pilot) =
            req.recipients.iter().find(|r| r.role == RecipientRole::Pilote && r.status == RecipientStatus::Nouvelle)
            && let Some(since) = pilot.notified_at
        {
            let waited = cal.working_days_between(since, now);
            // A pilot nobody reads is not waited for: its role moves on at
            // the first look of the schedule.
            if waited >= d.pilot_moves || !pilot.reachable {
                plan.story.push(Story::Expired { uai: pilot.uai.clone() });
                step_aside(
                    req,
                    plan,
                    pilot,
                    RecipientStatus::Expiree,
                    Some(format!("sans prise en charge sous {} jours ouvrés", d.pilot_moves)),
                );
                plan.transitions.push(Transition::PiloteChange);
            } else if waited >= d.pilot_reminder && !pilot.reminded && pilot.reachable {
                plan.recipients.push(RecipientChange {
                    uai: pilot.uai.clone(),
                    role: pilot.role,
                    status: pilot.status,
                    notify: false,
                    reminded: true,
                    reason: None,
                    new: false,
                });
                plan.story.push(Story::PilotReminded { uai: pilot.uai.clone() });
                plan.emails.push(Email::PilotReminder { uai: pilot.uai.clone() });
                plan.transitions.push(Transition::RelancePilote);
            }
        }
        if elapsed >= d.everyone_reminder && !req.done.everyone_reminded {
            let uais: Vec<String> = req
                .involved()
                .filter(|r| r.status == RecipientStatus::Nouvelle && r.reachable)
                // Not those this very plan changes (a pilot that just left,
                // a lycée just told).
                .filter(|r| !plan.recipients.iter().any(|c| c.uai == r.uai))
                .map(|r| r.uai.clone())
                .collect();
            plan.marks.push(Mark::EveryoneReminded);
            if !uais.is_empty() {
                plan.story.push(Story::EveryoneReminded);
                plan.emails.push(Email::EveryoneReminder { uais });
            }
            plan.transitions.push(Transition::RelanceTous);
        }
        if elapsed >= d.escalation && !req.done.escalated {
            plan.marks.push(Mark::Escalated);
            plan.story.push(Story::Escalated);
            plan.emails.push(Email::Coordination { cause: CoordinationCause::Escalated });
            plan.transitions.push(Transition::Escaladee);
        }
    } else if let (Some(uai), Some(taken)) = (&req.responsible, req.taken_at) {
        if req.answered_at.is_none()
            && !req.done.message_reminded
            && cal.working_days_between(taken, now) >= d.message_reminder
        {
            plan.marks.push(Mark::MessageReminded);
            plan.story.push(Story::MessageReminded { uai: uai.clone() });
            plan.emails.push(Email::MessageReminder { uai: uai.clone() });
            plan.transitions.push(Transition::RelanceMessage);
        }
        if !req.done.close_requested && now - taken >= Duration::days(d.close_request_days) {
            plan.marks.push(Mark::CloseRequested);
            plan.story.push(Story::CloseRequested { uai: uai.clone() });
            plan.emails.push(Email::CloseRequest { uai: uai.clone() });
            plan.transitions.push(Transition::DemandeCloture);
        }
    }
    if plan.transitions.is_empty() { Err(Refusal::NothingDue) } else { Ok(()) }
}

impl Request {
    /// The request after `plan` happened at `now`: the same changes the
    /// service writes to its rows, on the pure state (time-travel stories
    /// and tests run the lifecycle without a database).
    pub fn apply(&self, plan: &Plan, now: OffsetDateTime) -> Request {
        let mut next = self.clone();
        next.status = plan.status;
        if next.responsible.is_none() && plan.responsible.is_some() {
            next.taken_at = Some(now);
        }
        next.responsible = plan.responsible.clone();
        if next.responsible.is_none() {
            next.taken_at = None;
            next.answered_at = None;
        }
        for c in &plan.recipients {
            match next.recipients.iter_mut().find(|r| r.uai == c.uai) {
                Some(r) => {
                    r.role = c.role;
                    r.status = c.status;
                    r.reminded = c.reminded;
                    if c.notify {
                        r.notified_at = Some(now);
                    }
                }
                None => next.recipients.push(Recipient {
                    uai: c.uai.clone(),
                    role: c.role,
                    status: c.status,
                    notified_at: c.notify.then_some(now),
                    reminded: c.reminded,
                    // A lycée joins only when someone there can be written to.
                    reachable: true,
                }),
            }
        }
        for m in &plan.marks {
            match m {
                Mark::EveryoneReminded => next.done.everyone_reminded = true,
                Mark::Escalated => next.done.escalated = true,
                Mark::MessageReminded => next.done.message_reminded = true,
                Mark::CloseRequested => next.done.close_requested = true,
                Mark::Answered => next.answered_at = Some(now),
                Mark::Restarted => {
                    next.started_at = now;
                    next.done = Done::default();
                }
                Mark::CompanyReopened => next.company_reopened = true,
                Mark::Satisfaction(s) => next.satisfaction = Some(*s),
                Mark::SatisfactionAsked => next.satisfaction_asked = true,
                Mark::Outcome(_) => {}
            }
        }
        if plan.ends(self.status) {
            next.ended_at = Some(now);
        } else if next.status.is_open() {
            next.ended_at = None;
        }
        next
    }
}

/// When the schedule next has something to do for `req` (`None`: never,
/// unless something else happens first). Stored with the request, so that
/// the worker only looks at requests that are due instead of every open
/// one; [`Event::Tick`] then decides exactly what happens.
pub fn next_due(req: &Request, cal: &WorkingCalendar<'_>, d: &Deadlines) -> Option<OffsetDateTime> {
    if !req.status.is_open() {
        return None;
    }
    let mut due: Vec<OffsetDateTime> = Vec::new();
    match (&req.responsible, req.taken_at) {
        (None, _) => {
            due.push(cal.add_working_days(req.started_at, d.no_answer));
            if let Some(pilot) =
                req.recipients.iter().find(|r| r.role == RecipientRole::Pilote && r.status == RecipientStatus::Nouvelle)
                && let Some(since) = pilot.notified_at
            {
                due.push(cal.add_working_days(since, d.pilot_moves));
                // Nobody reads it: its role moves on at once.
                if !pilot.reachable {
                    due.push(since);
                }
                if !pilot.reminded {
                    due.push(cal.add_working_days(since, d.pilot_reminder));
                }
            }
            if !req.done.everyone_reminded {
                due.push(cal.add_working_days(req.started_at, d.everyone_reminder));
            }
            if !req.done.escalated {
                due.push(cal.add_working_days(req.started_at, d.escalation));
            }
        }
        (Some(_), Some(taken)) => {
            if req.answered_at.is_none() && !req.done.message_reminded {
                due.push(cal.add_working_days(taken, d.message_reminder));
            }
            if !req.done.close_requested {
                due.push(taken + Duration::days(d.close_request_days));
            }
        }
        (Some(_), None) => {}
    }
    due.into_iter().min()
}

/// Who looks at a request: a business officer for one of its lycées, the
/// coordination (coordinator or administrator), or the company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    Lycee(String),
    Coordination,
    Company,
}

/// What a person may do to a request now: asked of [`decide`] itself, so
/// the buttons on a page never disagree with what the service accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permissions {
    pub can_take: bool,
    pub can_decline: bool,
    pub can_write: bool,
    pub can_note: bool,
    pub can_close: bool,
    pub can_hand_over: bool,
    pub can_reassign: bool,
    pub can_reopen: bool,
    pub can_cancel: bool,
    pub can_rate: bool,
}

/// What `viewer` may do to `req` at `now`.
pub fn permissions(
    req: &Request,
    viewer: &Viewer,
    now: OffsetDateTime,
    calendar: &WorkingCalendar<'_>,
    deadlines: &Deadlines,
) -> Permissions {
    let ok = |e: Event| decide(req, &e, now, calendar, deadlines).is_ok();
    // A lycée that is not part of the request: any other lycée will do.
    let elsewhere = "0000000A".to_string();
    match viewer {
        Viewer::Lycee(uai) => Permissions {
            can_take: ok(Event::Take { uai: uai.clone() }),
            can_decline: ok(Event::Decline { uai: uai.clone(), reason: DeclineReason::HorsChamp, has_text: false }),
            can_write: ok(Event::Write { by: Actor::Lycee(uai.clone()) }),
            can_note: ok(Event::Note { by: Actor::Lycee(uai.clone()) }),
            can_close: ok(Event::Close { by: Actor::Lycee(uai.clone()), outcome: Outcome::Realisee }),
            can_hand_over: ok(Event::HandOver { from: Some(uai.clone()), to: elsewhere, crosses_border: false }),
            can_reopen: ok(Event::Reopen { by: Actor::Lycee(uai.clone()), candidates: Vec::new() }),
            ..Permissions::default()
        },
        Viewer::Coordination => Permissions {
            can_write: ok(Event::Write { by: Actor::Coordination }),
            can_note: ok(Event::Note { by: Actor::Coordination }),
            can_close: ok(Event::Close { by: Actor::Coordination, outcome: Outcome::SansSuite }),
            can_reassign: ok(Event::HandOver { from: None, to: elsewhere, crosses_border: false }),
            can_reopen: ok(Event::Reopen { by: Actor::Coordination, candidates: Vec::new() }),
            ..Permissions::default()
        },
        Viewer::Company => Permissions {
            can_write: ok(Event::CompanyWrites),
            can_close: ok(Event::Close { by: Actor::Company, outcome: Outcome::Realisee }),
            can_cancel: ok(Event::Cancel),
            can_reopen: ok(Event::Reopen { by: Actor::Company, candidates: Vec::new() }),
            can_rate: ok(Event::Rate { score: 5 }),
            ..Permissions::default()
        },
    }
}

crate::codes!(
    /// What a partner platform is told of its requests (API.md, "Partner
    /// platforms"): the webhook's `evenement`.
    PartnerEvent {
        /// Sent to the lycées (or, when none fits, to the coordination);
        /// also when it is re-opened.
        Transmise = "demande.transmise",
        PriseEnCharge = "demande.prise_en_charge",
        /// A lycée or the coordination wrote to the company.
        Message = "demande.message",
        Cloturee = "demande.cloturee",
        SansReponse = "demande.sans_reponse",
        Annulee = "demande.annulee",
    }
);

impl PartnerEvent {
    /// The event of a request reaching `status`, if a partner is told of it
    /// (a duplicate is not: the partner's own answer already said so).
    pub fn of_status(status: RequestStatus) -> Option<PartnerEvent> {
        match status {
            RequestStatus::Transmise | RequestStatus::EnAttente => Some(PartnerEvent::Transmise),
            RequestStatus::PriseEnCharge => Some(PartnerEvent::PriseEnCharge),
            RequestStatus::Cloturee => Some(PartnerEvent::Cloturee),
            RequestStatus::SansReponse => Some(PartnerEvent::SansReponse),
            RequestStatus::Annulee => Some(PartnerEvent::Annulee),
            RequestStatus::Doublon => None,
        }
    }

    /// What a partner is told of `plan`, applied to a request that was
    /// `before`, in order: a message first (written before a close, it is
    /// read before it), then the new status on every change (the payload's
    /// `statut` tells `en_attente` from `transmise`).
    pub fn of_plan(before: RequestStatus, plan: &Plan) -> Vec<PartnerEvent> {
        let mut events = Vec::new();
        if plan.emails.iter().any(|e| matches!(e, Email::CompanyMessage { .. })) {
            events.push(PartnerEvent::Message);
        }
        if plan.status != before
            && let Some(e) = PartnerEvent::of_status(plan.status)
        {
            events.push(e);
        }
        events
    }
}

#[cfg(test)]
mod unread_tests {
    use super::*;
    use crate::calendar::WorkingCalendar;
    use time::macros::datetime;

    fn request(responsible: Option<&str>) -> Request {
        let at = datetime!(2026-11-09 08:00 UTC);
        let r = |uai: &str, role, status| Recipient {
            uai: uai.into(),
            role,
            status,
            notified_at: Some(at),
            reminded: false,
            reachable: true,
        };
        let taken = responsible.is_some();
        Request {
            status: if taken { RequestStatus::PriseEnCharge } else { RequestStatus::Transmise },
            started_at: at,
            responsible: responsible.map(str::to_string),
            taken_at: taken.then_some(at),
            answered_at: None,
            ended_at: None,
            recipients: vec![
                r(
                    "A",
                    RecipientRole::Pilote,
                    if taken { RecipientStatus::PriseEnCharge } else { RecipientStatus::Nouvelle },
                ),
                r("B", RecipientRole::Appui, RecipientStatus::Nouvelle),
                r("C", RecipientRole::Reserve, RecipientStatus::EnAttente),
            ],
            done: Done::default(),
            company_reopened: false,
            satisfaction: None,
            satisfaction_asked: false,
        }
    }

    #[test]
    fn a_company_message_is_unread_for_the_lycees_it_is_sent_to() {
        let cal = WorkingCalendar::new("69", Some("Lyon"), None);
        let now = datetime!(2026-11-10 08:00 UTC);
        let d = Deadlines::default();
        let plan = decide(&request(None), &Event::CompanyWrites, now, &cal, &d).unwrap();
        assert_eq!(plan.unread, vec!["A".to_string(), "B".to_string()]);
        let plan = decide(&request(Some("A")), &Event::CompanyWrites, now, &cal, &d).unwrap();
        assert_eq!(plan.unread, vec!["A".to_string()]);
        // A lycée's own message leaves nothing unread.
        let plan = decide(&request(Some("A")), &Event::Write { by: Actor::Lycee("A".into()) }, now, &cal, &d).unwrap();
        assert!(plan.unread.is_empty());
    }
}

#[cfg(test)]
mod partner_event_tests {
    use super::*;
    use crate::calendar::WorkingCalendar;
    use time::macros::datetime;

    fn request() -> Request {
        let at = datetime!(2026-11-09 08:00 UTC);
        Request {
            status: RequestStatus::Transmise,
            started_at: at,
            responsible: None,
            taken_at: None,
            answered_at: None,
            ended_at: None,
            recipients: vec![Recipient {
                uai: "A".into(),
                role: RecipientRole::Pilote,
                status: RecipientStatus::Nouvelle,
                notified_at: Some(at),
                reminded: false,
                reachable: true,
            }],
            done: Done::default(),
            company_reopened: false,
            satisfaction: None,
            satisfaction_asked: false,
        }
    }

    #[test]
    fn a_partner_is_told_each_status_change_and_each_answer_to_the_company() {
        let cal = WorkingCalendar::new("69", Some("Lyon"), None);
        let d = Deadlines::default();
        let now = datetime!(2026-11-10 08:00 UTC);
        let events = |r: &Request, e: Event| {
            let plan = decide(r, &e, now, &cal, &d).expect("permis");
            (PartnerEvent::of_plan(r.status, &plan), r.apply(&plan, now))
        };
        let r = request();
        let (e, r) = events(&r, Event::Take { uai: "A".into() });
        assert_eq!(e, vec![PartnerEvent::PriseEnCharge]);
        let (e, r) = events(&r, Event::Write { by: Actor::Lycee("A".into()) });
        assert_eq!(e, vec![PartnerEvent::Message]);
        // A note, or the company's own message, tells the partner nothing.
        let (e, r) = events(&r, Event::Note { by: Actor::Lycee("A".into()) });
        assert!(e.is_empty());
        let (e, r) = events(&r, Event::CompanyWrites);
        assert!(e.is_empty());
        let (e, _) = events(&r, Event::Close { by: Actor::Lycee("A".into()), outcome: Outcome::Realisee });
        assert_eq!(e, vec![PartnerEvent::Cloturee]);
        let (e, _) = events(&request(), Event::Cancel);
        assert_eq!(e, vec![PartnerEvent::Annulee]);
        assert_eq!(PartnerEvent::of_status(RequestStatus::Doublon), None);
        assert_eq!(PartnerEvent::of_status(RequestStatus::EnAttente), Some(PartnerEvent::Transmise));
        assert_eq!(PartnerEvent::SansReponse.code(), "demande.sans_reponse");
    }
}
