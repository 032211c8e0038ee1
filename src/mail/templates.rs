//! The emails MonLycéePro sends, as typed templates. Plain text: readable
//! everywhere, nothing to escape. Every email goes through
//! [`domain::text::french_spacing`] (no-break spaces before ":" and "?",
//! in "30 km"), and names of lycées and places take their article through
//! `domain::text` ("du lycée professionnel…", "d'Aurillac").

use askama::Template;
use domain::text;

/// A rendered email.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub template: &'static str,
    pub subject: String,
    pub body: String,
}

fn rendered<T: Template>(template: &'static str, subject: String, t: &T) -> Rendered {
    // Rendering a plain-text template only fails on a formatting bug;
    // better an email with the subject than none.
    let body = t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, template, "gabarit de courriel");
        subject.clone()
    });
    Rendered { template, subject: text::french_spacing(&subject), body: text::french_spacing(&body) }
}

/// How an email to a lycée or a coordinator names a company: quoted, and
/// saying where the name comes from — the national register for its SIRET
/// when the register knew it (looked up at submission), else the company
/// itself. Every template puts it on a line of its own, in the lines that
/// describe the request, never in a sentence of ours nor next to a link:
/// "Cdiscount.com" is a real company's name, and a name like "Payez sur
/// evil.com" must not read as the service's own instruction (issue 24).
pub fn company_line(typed: &str, registered: Option<&str>, siret: Option<&str>) -> String {
    match (registered, siret) {
        (Some(name), Some(siret)) => format!("« {name} » (nom au répertoire des entreprises, SIRET {siret})"),
        (_, Some(siret)) => format!("« {typed} » (nom déclaré par l'entreprise ; SIRET {siret} non vérifié)"),
        (_, None) => format!("« {typed} » (nom déclaré par l'entreprise)"),
    }
}

#[derive(Template)]
#[template(path = "email/lycee_nouvelle.txt")]
pub struct NewRequestForLycee<'a> {
    pub lycee: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    pub role_text: &'a str,
    pub reasons: &'a [String],
    /// [`company_line`].
    pub entreprise: &'a str,
    pub contact: String,
    pub commune: &'a str,
    pub jobs: String,
    pub levels: String,
    pub students: Option<i64>,
    pub period: Option<String>,
    pub message: &'a str,
    pub take_url: String,
    pub decline_url: String,
    pub view_url: String,
    pub workspace_url: String,
    pub expires: String,
    /// Working days before the role of the lycée that coordinates moves on.
    pub pilot_days: u32,
}

impl NewRequestForLycee<'_> {
    /// "le lycée professionnel X", in apposition after "votre lycée".
    pub fn the_lycee(&self) -> String {
        text::the_lycee(self.lycee)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("lycee_nouvelle", format!("Demande {} : {}", self.reference, self.action), self)
    }
}

#[derive(Template)]
#[template(path = "email/entreprise_confirmation.txt")]
pub struct Confirmation<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    pub commune: &'a str,
    pub recipients: Vec<String>,
    pub widened: Option<String>,
    pub coordination: Option<String>,
    /// No lycée was written to: only the coordination has it (or nobody).
    pub coordination_only: bool,
    pub follow_url: &'a str,
    /// The guide for companies (`/entreprises`): what each way of working
    /// with a lycée involves, one line at the end of the email.
    pub guidance_url: String,
}

impl Confirmation<'_> {
    /// "autour d'Aurillac".
    pub fn around(&self) -> String {
        format!("autour {}", text::of_place(self.commune))
    }

    pub fn render_email(&self) -> Rendered {
        rendered("entreprise_confirmation", format!("Votre demande {} est enregistrée", self.reference), self)
    }
}

#[derive(Template)]
#[template(path = "email/entreprise_doublon.txt")]
pub struct Duplicate<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub action: &'a str,
    pub original: &'a str,
    pub follow_url: &'a str,
}

impl Duplicate<'_> {
    pub fn render_email(&self) -> Rendered {
        rendered("entreprise_doublon", format!("Votre demande {} est déjà en cours", self.original), self)
    }
}

#[derive(Template)]
#[template(path = "email/entreprise_prise_en_charge.txt")]
pub struct Taken<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    pub lycee: &'a str,
    pub commune: Option<&'a str>,
    pub person: &'a str,
    pub email: Option<&'a str>,
    pub telephone: Option<&'a str>,
    pub follow_url: &'a str,
    /// The guide for companies (`/entreprises`): what each way of working
    /// with a lycée involves, one line at the end of the email.
    pub guidance_url: String,
}

impl Taken<'_> {
    /// "le lycée professionnel X".
    pub fn the_lycee(&self) -> String {
        text::the_lycee(self.lycee)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("entreprise_prise_en_charge", format!("Votre demande {} est prise en charge", self.reference), self)
    }
}

#[derive(Template)]
#[template(path = "email/coordination.txt")]
pub struct Coordination<'a> {
    pub reference: &'a str,
    pub commune: &'a str,
    pub academie: &'a str,
    pub action: &'a str,
    pub reason: &'a str,
    pub recipients: Vec<String>,
    /// Lycées that fit but nobody could write to: to call.
    pub to_contact: Vec<String>,
    /// [`company_line`].
    pub entreprise: &'a str,
    pub contact: String,
    pub jobs: String,
    pub message: &'a str,
    /// The request in the workspace.
    pub workspace_url: String,
    /// Where a coordinator enters a lycée's address.
    pub addresses_url: String,
}

impl Coordination<'_> {
    /// "de Lyon", "d'Aurillac".
    pub fn of_commune(&self) -> String {
        text::of_place(self.commune)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("coordination", format!("Demande {} : coordination territoriale", self.reference), self)
    }
}

#[derive(Template)]
#[template(path = "email/lycee_message.txt")]
pub struct CompanyMessage<'a> {
    /// [`company_line`].
    pub entreprise: &'a str,
    pub reference: &'a str,
    pub message: &'a str,
    pub view_url: String,
    pub workspace_url: String,
}

impl CompanyMessage<'_> {
    pub fn render_email(&self) -> Rendered {
        rendered("lycee_message", format!("Demande {} : message de l'entreprise", self.reference), self)
    }
}

#[derive(Template)]
#[template(path = "email/lycee_annulation.txt")]
pub struct Cancelled<'a> {
    /// [`company_line`].
    pub entreprise: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    /// Cancelled, or closed by the company (`how` says why).
    pub cancelled: bool,
    pub how: &'a str,
}

impl Cancelled<'_> {
    pub fn render_email(&self) -> Rendered {
        let what = if self.cancelled { "annulée" } else { "clôturée par l'entreprise" };
        rendered("lycee_annulation", format!("Demande {} {what}", self.reference), self)
    }
}

#[derive(Template)]
#[template(path = "email/connexion.txt")]
pub struct SignIn<'a> {
    pub url: &'a str,
    pub minutes: i64,
}

impl SignIn<'_> {
    /// "15\u{a0}minutes", "1\u{a0}minute".
    pub fn validity(&self) -> String {
        text::count_of(self.minutes, "minute", "minutes")
    }

    pub fn render_email(&self) -> Rendered {
        rendered("connexion", "Votre lien de connexion à MonLycéePro".to_string(), self)
    }
}

#[derive(Template)]
#[template(path = "email/entreprise_message.txt")]
pub struct CompanyNotice<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub reference: &'a str,
    pub author: &'a str,
    pub message: &'a str,
    pub follow_url: &'a str,
    /// The guide for companies (`/entreprises`): what each way of working
    /// with a lycée involves, one line at the end of the email.
    pub guidance_url: String,
}

impl CompanyNotice<'_> {
    pub fn render_email(&self) -> Rendered {
        rendered("entreprise_message", format!("Votre demande {} : message du lycée", self.reference), self)
    }
}

#[derive(Template)]
#[template(path = "email/convention_rappel.txt")]
pub struct ConventionReminder<'a> {
    pub partenaire: &'a str,
    pub objet: &'a str,
    pub fin: &'a str,
    pub url: &'a str,
}

impl ConventionReminder<'_> {
    pub fn render_email(&self) -> Rendered {
        rendered("convention_rappel", format!("Convention avec {} : fin le {}", self.partenaire, self.fin), self)
    }
}

#[derive(Template)]
#[template(path = "email/adhesion_demande.txt")]
pub struct JoinRequest<'a> {
    pub lycee: &'a str,
    pub who: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub days: i64,
}

impl JoinRequest<'_> {
    /// "du lycée professionnel X".
    pub fn of_lycee(&self) -> String {
        text::of_lycee(self.lycee)
    }

    /// "7\u{a0}jours", "1\u{a0}jour".
    pub fn validity(&self) -> String {
        text::count_of(self.days, "jour", "jours")
    }

    pub fn render_email(&self) -> Rendered {
        rendered("adhesion_demande", format!("{} demande à rejoindre l'espace {}", self.email, self.of_lycee()), self)
    }
}

#[derive(Template)]
#[template(path = "email/adhesion_refusee.txt")]
pub struct JoinRefused<'a> {
    pub lycee: &'a str,
}

impl JoinRefused<'_> {
    /// "du lycée professionnel X".
    pub fn of_lycee(&self) -> String {
        text::of_lycee(self.lycee)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("adhesion_refusee", "Votre demande d'accès à MonLycéePro".to_string(), self)
    }
}

/// What became of a request to join, as told to the address that asked
/// (the page itself says the same thing in every case, so that nobody
/// learns from it who has an account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOutcome {
    /// Sent to the lycée and the coordinator.
    Sent,
    /// The account already answers for this lycée.
    AlreadyMember,
    /// The address has an account that a request to join may not change
    /// (another role, or deactivated): only an administrator can.
    NotThisWay,
}

#[derive(Template)]
#[template(path = "email/adhesion_recue.txt")]
pub struct JoinReceived<'a> {
    pub lycee: &'a str,
    pub outcome: JoinOutcome,
    pub sign_in_url: &'a str,
}

impl JoinReceived<'_> {
    /// "du lycée professionnel X".
    pub fn of_lycee(&self) -> String {
        text::of_lycee(self.lycee)
    }

    /// "au lycée professionnel X".
    pub fn at_lycee(&self) -> String {
        text::at_lycee(self.lycee)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("adhesion_recue", "Votre demande d'accès à MonLycéePro".to_string(), self)
    }
}

#[derive(Template)]
#[template(path = "email/entreprise_nouveau_lien.txt")]
pub struct NewFollowLink<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub reference: &'a str,
    pub follow_url: &'a str,
    pub months: i64,
}

impl NewFollowLink<'_> {
    pub fn render_email(&self) -> Rendered {
        rendered("entreprise_nouveau_lien", format!("Nouveau lien de suivi de votre demande {}", self.reference), self)
    }
}

#[derive(Template)]
#[template(path = "email/lycee_relance.txt")]
pub struct Reminder<'a> {
    pub lycee: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    /// [`company_line`].
    pub entreprise: &'a str,
    pub commune: &'a str,
    pub sent: String,
    /// The lycée coordinates the answer (its role moves on at `deadline`).
    pub pilot: bool,
    pub deadline: String,
    pub take_url: String,
    pub decline_url: String,
    pub view_url: String,
}

impl Reminder<'_> {
    /// "au lycée professionnel X".
    pub fn at_lycee(&self) -> String {
        text::at_lycee(self.lycee)
    }

    /// "d'Aurillac".
    pub fn of_commune(&self) -> String {
        text::of_place(self.commune)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("lycee_relance", format!("Rappel : la demande {} attend votre réponse", self.reference), self)
    }
}

#[derive(Template)]
#[template(path = "email/lycee_relance_message.txt")]
pub struct MessageReminder<'a> {
    pub lycee: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    /// [`company_line`].
    pub entreprise: &'a str,
    pub taken: String,
    pub workspace_url: String,
    pub contact: String,
}

impl MessageReminder<'_> {
    /// "le lycée professionnel X", in apposition after "votre lycée".
    pub fn the_lycee(&self) -> String {
        text::the_lycee(self.lycee)
    }

    pub fn render_email(&self) -> Rendered {
        rendered(
            "lycee_relance_message",
            format!("Demande {} : l'entreprise attend votre message", self.reference),
            self,
        )
    }
}

#[derive(Template)]
#[template(path = "email/lycee_demande_cloture.txt")]
pub struct CloseRequest<'a> {
    pub lycee: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    /// [`company_line`].
    pub entreprise: &'a str,
    pub taken: String,
    /// (outcome, one-click link).
    pub outcomes: Vec<(&'static str, String)>,
}

impl CloseRequest<'_> {
    /// "le lycée professionnel X", in apposition after "votre lycée".
    pub fn the_lycee(&self) -> String {
        text::the_lycee(self.lycee)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("lycee_demande_cloture", format!("Demande {} : quelle a été la suite ?", self.reference), self)
    }
}

#[derive(Template)]
#[template(path = "email/entreprise_cloture.txt")]
pub struct Closed<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    pub author: &'a str,
    pub outcome: String,
    pub follow_url: &'a str,
    pub new_request_url: String,
    /// The guide for companies (`/entreprises`): what each way of working
    /// with a lycée involves, one line at the end of the email.
    pub guidance_url: String,
}

impl Closed<'_> {
    pub fn render_email(&self) -> Rendered {
        rendered("entreprise_cloture", format!("Votre demande {} est clôturée", self.reference), self)
    }
}

#[derive(Template)]
#[template(path = "email/entreprise_sans_reponse.txt")]
pub struct NoAnswer<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    pub sent: String,
    /// Lycées farther away that teach the jobs ("Lycée X, Ville (52 km)").
    pub alternatives: Vec<String>,
    pub coordination: Option<String>,
    pub academie: Option<String>,
    pub follow_url: &'a str,
}

impl NoAnswer<'_> {
    /// "de l'académie d'Aix-Marseille", or "de l'académie".
    pub fn of_academie(&self) -> String {
        match &self.academie {
            Some(a) => format!("de l'académie {}", text::of_place(a)),
            None => "de l'académie".to_string(),
        }
    }

    pub fn render_email(&self) -> Rendered {
        rendered(
            "entreprise_sans_reponse",
            format!("Votre demande {} : pas de réponse des lycées", self.reference),
            self,
        )
    }
}

#[derive(Template)]
#[template(path = "email/entreprise_avis.txt")]
pub struct RatingRequest<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub reference: &'a str,
    pub action: &'a str,
    /// (score, link).
    pub choices: Vec<(u8, String)>,
}

impl RatingRequest<'_> {
    pub fn render_email(&self) -> Rendered {
        rendered("entreprise_avis", "Cette mise en relation vous a-t-elle été utile ?".to_string(), self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The emails name a lycée with its article and tie their punctuation:
    /// no "de Lycée professionnel…", no "à Lycée…", no line starting with ":".
    #[test]
    fn emails_name_a_lycee_with_its_article() {
        let lycee = "Lycée professionnel Jacques de Flesselles";
        let asked = JoinRequest { lycee, who: "Zoé Martin", email: "zoe@ac-lyon.fr", url: "https://x.fr/j", days: 1 }
            .render_email();
        assert_eq!(
            asked.subject,
            "zoe@ac-lyon.fr demande à rejoindre l'espace du lycée professionnel Jacques de Flesselles"
        );
        assert!(asked.body.contains("l'espace MonLycéePro du lycée professionnel Jacques de Flesselles\u{a0}:"));
        assert!(asked.body.contains("Ce lien est valable 1\u{a0}jour."), "{}", asked.body);
        let refused =
            JoinReceived { lycee: "LP La Viste", outcome: JoinOutcome::NotThisWay, sign_in_url: "" }.render_email();
        assert!(refused.body.contains("ne peut pas être rattaché au LP La Viste"), "{}", refused.body);
        let reminder = Reminder {
            lycee,
            reference: "MLP-2026-000001",
            action: "Accueillir des élèves en stage (PFMP)",
            entreprise: "Boulangerie Dupont",
            commune: "Aurillac",
            sent: "03/05/2027".into(),
            pilot: false,
            deadline: String::new(),
            take_url: "https://x.fr/r/t/prendre".into(),
            decline_url: "https://x.fr/r/t/decliner".into(),
            view_url: "https://x.fr/r/t".into(),
        }
        .render_email();
        assert!(reminder.body.contains("envoyée au lycée professionnel Jacques de Flesselles le 03/05/2027"));
        assert_eq!(reminder.subject, "Rappel\u{a0}: la demande MLP-2026-000001 attend votre réponse");
        assert!(!reminder.body.contains(" :") && !reminder.body.contains(" ?"), "{}", reminder.body);
        let coordination = Coordination {
            reference: "MLP-2026-000001",
            commune: "Aurillac",
            academie: "Clermont-Ferrand",
            action: "PFMP",
            reason: "aucun lycée n'a pu la prendre en charge",
            recipients: Vec::new(),
            to_contact: vec!["Lycée des métiers de l'alimentation (Aurillac)".into()],
            entreprise: "Boulangerie Dupont",
            contact: String::new(),
            jobs: String::new(),
            message: "Bonjour",
            workspace_url: "https://x.fr/espace/demandes/MLP-2026-000001".into(),
            addresses_url: "https://x.fr/espace/territoire/adresses".into(),
        }
        .render_email();
        assert!(coordination.body.contains("d'une entreprise d'Aurillac"), "{}", coordination.body);
        assert!(
            coordination.body.contains("- Lycée des métiers de l'alimentation (Aurillac)"),
            "{}",
            coordination.body
        );
        assert!(coordination.body.contains("Aucun lycée n'a reçu cette demande"), "{}", coordination.body);
    }

    /// Every email about its request that a company receives (acknowledged,
    /// taken, a message, closed) links to the guide for companies.
    #[test]
    fn company_emails_link_to_the_guide() {
        let guide = "https://x.fr/entreprises";
        let line = format!("Comprendre les façons de travailler avec un lycée professionnel\u{a0}: {guide}");
        let (prenom, nom, reference, action, follow_url) =
            ("Zoé", "L'Hôte", "MLP-2026-000001", "Recruter des apprentis", "https://x.fr/suivi/t");
        let bodies = [
            Confirmation {
                prenom,
                nom,
                reference,
                action,
                commune: "Aurillac",
                recipients: vec!["LP X (Aurillac), pilote".into()],
                widened: None,
                coordination: None,
                coordination_only: false,
                follow_url,
                guidance_url: guide.into(),
            }
            .render_email(),
            Taken {
                prenom,
                nom,
                reference,
                action,
                lycee: "Lycée professionnel Jacques de Flesselles",
                commune: None,
                person: "Mme Martin",
                email: None,
                telephone: None,
                follow_url,
                guidance_url: guide.into(),
            }
            .render_email(),
            CompanyNotice {
                prenom,
                nom,
                reference,
                author: "Mme Martin",
                message: "Bonjour",
                follow_url,
                guidance_url: guide.into(),
            }
            .render_email(),
            Closed {
                prenom,
                nom,
                reference,
                action,
                author: "Mme Martin",
                outcome: "partenariat".into(),
                follow_url,
                new_request_url: "https://x.fr/demande".into(),
                guidance_url: guide.into(),
            }
            .render_email(),
        ];
        for mail in bodies {
            assert!(mail.body.contains(&line), "{}: {}", mail.template, mail.body);
        }
    }

    #[test]
    fn a_company_is_named_by_the_register_or_said_to_name_itself() {
        assert_eq!(
            company_line("Cdiscount", Some("CDISCOUNT.COM"), Some("42405933100015")),
            "« CDISCOUNT.COM » (nom au répertoire des entreprises, SIRET 42405933100015)"
        );
        assert_eq!(
            company_line("Cdiscount.com", None, Some("42405933100015")),
            "« Cdiscount.com » (nom déclaré par l'entreprise ; SIRET 42405933100015 non vérifié)"
        );
        assert_eq!(company_line("Cdiscount.com", None, None), "« Cdiscount.com » (nom déclaré par l'entreprise)");
    }

    /// In every email to a lycée or a coordinator, the company's name is
    /// quoted, on a line of its own that starts "Entreprise", and neither
    /// that line nor its neighbours hold a link or a call to act: a name
    /// never reads as the service's own words.
    #[test]
    fn a_company_name_stands_apart_from_every_call_to_act() {
        let name = company_line("Cdiscount.com", None, None);
        let entreprise = name.as_str();
        let (lycee, reference, action) = ("Lycée professionnel Jacques de Flesselles", "MLP-2026-000001", "PFMP");
        let url = |s: &str| format!("https://x.fr/r/t{s}");
        let reasons = vec!["Bac pro MELEC → Électricien du bâtiment".to_string()];
        let bodies = [
            NewRequestForLycee {
                lycee,
                reference,
                action,
                role_text: "votre lycée coordonne la réponse à l'entreprise",
                reasons: &reasons,
                entreprise,
                contact: "Zoé L'Hôte, zoe@exemple.fr".into(),
                commune: "Aurillac",
                jobs: "Électricien".into(),
                levels: String::new(),
                students: Some(2),
                period: None,
                message: "Deux stagiaires.",
                take_url: url("/prendre"),
                decline_url: url("/decliner"),
                view_url: url(""),
                workspace_url: url("/espace"),
                expires: "03/06/2027".into(),
                pilot_days: 3,
            }
            .render_email(),
            Reminder {
                lycee,
                reference,
                action,
                entreprise,
                commune: "Aurillac",
                sent: "03/05/2027".into(),
                pilot: true,
                deadline: "06/05/2027".into(),
                take_url: url("/prendre"),
                decline_url: url("/decliner"),
                view_url: url(""),
            }
            .render_email(),
            CompanyMessage {
                entreprise,
                reference,
                message: "Merci de nous rappeler.",
                view_url: url(""),
                workspace_url: url("/espace"),
            }
            .render_email(),
            Cancelled { entreprise, reference, action, cancelled: true, how: "" }.render_email(),
            Cancelled { entreprise, reference, action, cancelled: false, how: "son besoin est satisfait" }
                .render_email(),
            MessageReminder {
                lycee,
                reference,
                action,
                entreprise,
                taken: "03/05/2027".into(),
                workspace_url: url("/espace"),
                contact: "Zoé L'Hôte, zoe@exemple.fr".into(),
            }
            .render_email(),
            CloseRequest {
                lycee,
                reference,
                action,
                entreprise,
                taken: "03/05/2027".into(),
                outcomes: vec![("Partenariat", url("/cloturer?issue=partenariat"))],
            }
            .render_email(),
            Coordination {
                reference,
                commune: "Aurillac",
                academie: "Clermont-Ferrand",
                action,
                reason: "aucun lycée ne correspond",
                recipients: Vec::new(),
                to_contact: vec!["LP X (Aurillac)".into()],
                entreprise,
                contact: "Zoé L'Hôte <zoe@exemple.fr>".into(),
                jobs: String::new(),
                message: "Bonjour",
                workspace_url: url("/espace"),
                addresses_url: url("/adresses"),
            }
            .render_email(),
        ];
        let acts = ["http", "://", "clic", "Prendre", "Décliner", "Écrivez", "Appelez"];
        for mail in bodies {
            let lines: Vec<&str> = mail.body.lines().collect();
            let at: Vec<usize> = (0..lines.len()).filter(|i| lines[*i].contains("Cdiscount.com")).collect();
            assert_eq!(at.len(), 1, "{}: named once\n{}", mail.template, mail.body);
            let i = at[0];
            assert!(
                lines[i].trim_start_matches("- ").starts_with("Entreprise\u{a0}: «\u{a0}Cdiscount.com\u{a0}»"),
                "{}: on a line of its own, quoted\n{}",
                mail.template,
                mail.body
            );
            assert!(lines[i].ends_with("(nom déclaré par l'entreprise)"), "{}: {}", mail.template, lines[i]);
            for near in lines[i.saturating_sub(1)..=(i + 1).min(lines.len() - 1)].iter() {
                assert!(
                    !acts.iter().any(|a| near.contains(a)),
                    "{}: next to a call to act: {near:?}\n{}",
                    mail.template,
                    mail.body
                );
            }
        }
    }
}

/// A lycée asks a partner whose hosting capacity fits to host students of
/// a diploma over a PFMP period.
#[derive(Template)]
#[template(path = "email/appel_stages.txt")]
pub struct CallForPlacements<'a> {
    pub partenaire: &'a str,
    /// The contact's first name, empty when unknown.
    pub contact: &'a str,
    pub lycee: &'a str,
    pub commune: &'a str,
    pub diploma: &'a str,
    /// "du 12/01/2027 au 20/02/2027".
    pub period: &'a str,
    pub places: i64,
    pub note: Option<&'a str>,
    pub offer_url: &'a str,
    pub guide_url: &'a str,
    pub unsubscribe_url: &'a str,
}

impl CallForPlacements<'_> {
    /// "Le lycée professionnel X".
    pub fn the_lycee(&self) -> String {
        text::SchoolName::new(self.lycee).the_capitalised()
    }

    /// "d'Aurillac", "de Lyon".
    pub fn of_commune(&self) -> String {
        text::of_place(self.commune)
    }

    /// "6\u{a0}élèves", "1\u{a0}élève".
    pub fn students(&self) -> String {
        text::count_of(self.places, "élève", "élèves")
    }

    pub fn render_email(&self) -> Rendered {
        let subject = format!("{} cherche des entreprises d'accueil en {}", self.the_lycee(), self.diploma);
        rendered("appel_stages", subject, self)
    }
}

#[derive(Template)]
#[template(path = "email/evenement_confirmation.txt")]
pub struct EventConfirmAddress<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub titre: &'a str,
    pub lycee: &'a str,
    pub quand: String,
    pub lien: String,
    pub expire: String,
}

impl EventConfirmAddress<'_> {
    /// "au lycée professionnel X".
    pub fn the_lycee(&self) -> String {
        text::at_lycee(self.lycee)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("evenement_confirmation", format!("Confirmez votre inscription : « {} »", self.titre), self)
    }
}

#[derive(Template)]
#[template(path = "email/evenement_inscription_confirmee.txt")]
pub struct EventConfirmed<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub titre: &'a str,
    pub lycee: &'a str,
    pub quand: String,
    pub lieu: String,
    pub ics: String,
    pub lien: String,
    pub evenement: String,
}

impl EventConfirmed<'_> {
    /// "le lycée professionnel X".
    pub fn the_lycee(&self) -> String {
        text::the_lycee(self.lycee)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("evenement_inscription_confirmee", format!("Inscription confirmée : « {} »", self.titre), self)
    }
}

#[derive(Template)]
#[template(path = "email/evenement_rappel.txt")]
pub struct EventReminder<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub titre: &'a str,
    pub lycee: &'a str,
    pub quand: String,
    pub lieu: String,
    pub ics: String,
    pub lien: String,
}

impl EventReminder<'_> {
    /// "au lycée professionnel X".
    pub fn at_lycee(&self) -> String {
        text::at_lycee(self.lycee)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("evenement_rappel", format!("Rappel : « {} » demain", self.titre), self)
    }
}

#[derive(Template)]
#[template(path = "email/evenement_annule.txt")]
pub struct EventCancelled<'a> {
    pub prenom: &'a str,
    pub nom: &'a str,
    pub titre: &'a str,
    pub lycee: &'a str,
    pub quand: String,
}

impl EventCancelled<'_> {
    /// "le lycée professionnel X".
    pub fn the_lycee(&self) -> String {
        text::the_lycee(self.lycee)
    }

    pub fn render_email(&self) -> Rendered {
        rendered("evenement_annule", format!("Événement annulé : « {} »", self.titre), self)
    }
}
