//! How the lycées of a request are shown: to the company, in the
//! workspace, in the API.

use crate::search::SearchIndex;
use crate::storage::requests::DestinataireRow;
use domain::lifecycle::{RecipientRole, RecipientStatus};

/// A lycée a request went to, as the company and the API see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecipientView {
    pub uai: String,
    pub nom: String,
    pub commune: String,
    pub role: RecipientRole,
    pub statut: RecipientStatus,
    pub distance_km: f64,
    pub raisons: Vec<String>,
}

impl RecipientView {
    /// How the recipient stands, in words.
    pub fn statut_label(&self) -> &'static str {
        self.statut.label()
    }

    /// Its role, in words — only while it holds it: a lycée that declined
    /// or did not answer in time no longer coordinates anything.
    pub fn role_label(&self) -> &'static str {
        match self.statut {
            RecipientStatus::Declinee | RecipientStatus::Expiree => "sollicité",
            _ => self.role.label(),
        }
    }

    /// Whether it leads the answer (pilot) — for the pages.
    pub fn leads(&self) -> bool {
        self.role == RecipientRole::Pilote
    }
}

/// A recipient as shown, its lycée's name and commune from the catalogue.
pub fn view_of(index: &SearchIndex, r: &DestinataireRow) -> RecipientView {
    let lycee = index.lycee(&r.uai);
    RecipientView {
        uai: r.uai.clone(),
        nom: lycee.map_or(r.uai.clone(), |l| l.nom.clone()),
        commune: lycee.map_or(String::new(), |l| l.commune_nom.clone()),
        role: r.role,
        statut: r.statut,
        distance_km: r.distance_km,
        raisons: r.raisons.lines().map(str::to_string).collect(),
    }
}

/// A link of the coordination chain, in a sentence: "la coordination
/// école-entreprise de l'académie de Clermont-Ferrand", "l'équipe
/// nationale de MonLycéePro".
pub fn coordination_who(level: domain::reach::CoordinationLevel, academie: Option<&str>) -> String {
    use domain::reach::CoordinationLevel;
    match (level, academie) {
        (CoordinationLevel::Academie, Some(a)) => {
            format!("la coordination école-entreprise de l'académie {}", domain::text::of_place(a))
        }
        (CoordinationLevel::Academie, None) => "la coordination école-entreprise de l'académie".to_string(),
        (CoordinationLevel::National, _) => "l'équipe nationale de MonLycéePro".to_string(),
    }
}

/// Who of the coordination chain has a request, and why, as the company,
/// the API and the workspace see it (API.md, `coordination`).
#[derive(Debug, Clone, PartialEq)]
pub struct CoordinationView {
    /// The link written to; `None` when nobody could be (`aucun_contact`),
    /// or when a request that reached lycées found no coordination.
    pub level: Option<domain::reach::CoordinationLevel>,
    /// The académie's name.
    pub academie: Option<String>,
    pub reason: domain::routing::CoordinationReason,
    /// The lycées that fit but nobody could write to: (UAI, name).
    pub to_contact: Vec<(String, String)>,
}

impl CoordinationView {
    /// The coordination of a request, if it is involved.
    pub fn of(index: &SearchIndex, d: &crate::storage::requests::DemandeRow) -> Option<CoordinationView> {
        let reason = d.coordination?;
        Some(CoordinationView {
            level: d.coordination_niveau,
            academie: super::messages::academie_name(index, d),
            reason,
            to_contact: d
                .to_contact()
                .into_iter()
                .map(|u| {
                    let nom = index.lycee(&u).map_or(u.clone(), |l| format!("{} ({})", l.nom, l.commune_nom));
                    (u, nom)
                })
                .collect(),
        })
    }

    /// Who it is, in a sentence: "la coordination école-entreprise de
    /// l'académie de Clermont-Ferrand", "l'équipe nationale de
    /// MonLycéePro"; `None` when nobody was written to.
    pub fn who(&self) -> Option<String> {
        Some(coordination_who(self.level?, self.academie.as_deref()))
    }

    /// The name the API gives the coordination (`coordination.nom`).
    pub fn name(&self) -> Option<String> {
        use domain::reach::CoordinationLevel;
        match self.level? {
            CoordinationLevel::Academie => self.academie.clone(),
            CoordinationLevel::National => Some("MonLycéePro (équipe nationale)".to_string()),
        }
    }

    /// The lycées to call, by name: "le lycée A (Aurillac), le lycée B…".
    fn to_contact_words(&self) -> String {
        self.to_contact.iter().map(|(_, n)| domain::text::SchoolName::new(n).the()).collect::<Vec<_>>().join(", ")
    }

    /// What the company reads of it (confirmation, follow-up page, story);
    /// `None` when there is nothing to say (lycées have the request and no
    /// coordination could be written to besides).
    pub fn sentence(&self) -> Option<String> {
        use domain::routing::CoordinationReason as R;
        let who = self.who();
        let one = self.to_contact.len() == 1;
        let words = match (self.reason, who) {
            (_, None) if self.reason.without_lycee() => {
                "Aucun interlocuteur n'est encore désigné pour votre secteur sur MonLycéePro : votre demande est \
                 enregistrée et nous la transmettrons dès qu'un interlocuteur le sera. En attendant, les lycées de \
                 votre secteur figurent dans l'annuaire de l'éducation."
                    .to_string()
            }
            (R::TrainingOffer, Some(who)) => {
                format!("Une demande sur l'offre de formation concerne aussi l'académie : elle est transmise à {who}.")
            }
            (R::NoLyceeFits, Some(who)) => format!(
                "Aucun lycée ne correspond, même à {} : votre demande est transmise à {who}, qui la reprend.",
                domain::routing::km_words(super::WIDEST_RADIUS_KM)
            ),
            (R::NoReachableLycee, Some(who)) if self.to_contact.is_empty() => format!(
                "Les lycées qui correspondent à votre demande n'ont pas encore d'interlocuteur sur MonLycéePro : \
                 elle est transmise à {who}, qui les contactera."
            ),
            (R::NoReachableLycee, Some(who)) => format!(
                "{} correspond{} à votre demande mais n'{} pas encore d'interlocuteur sur MonLycéePro : votre \
                 demande est transmise à {who}, qui {} contactera.",
                domain::text::capitalise(&self.to_contact_words()),
                if one { "" } else { "ent" },
                if one { "a" } else { "ont" },
                if one { "le" } else { "les" },
            ),
            (R::ToContact, Some(who)) => format!(
                "{} correspond{} aussi à votre demande mais n'{} pas encore d'interlocuteur sur MonLycéePro : {who} \
                 {} contactera.",
                domain::text::capitalise(&self.to_contact_words()),
                if one { "" } else { "ent" },
                if one { "a" } else { "ont" },
                if one { "le" } else { "les" },
            ),
            (_, None) | (R::NoContact, Some(_)) => return None,
        };
        Some(words)
    }
}

/// Where a request stands, in the company's words, saying who really has
/// it: "Transmise au lycée Raymond Cortat", "Transmise à 3 lycées",
/// "Confiée à la coordination école-entreprise de l'académie de Lyon" —
/// never "aux lycées" when no lycée was written to.
pub fn status_words(
    index: &SearchIndex,
    d: &crate::storage::requests::DemandeRow,
    recipients: &[RecipientView],
) -> String {
    use domain::lifecycle::RequestStatus;
    let told: Vec<&RecipientView> = recipients.iter().filter(|r| r.statut.is_involved()).collect();
    match d.statut {
        RequestStatus::Transmise => match told.as_slice() {
            [one] => format!("Transmise {}", domain::text::at_lycee(&one.nom)),
            [] => "Enregistrée".to_string(),
            many => format!("Transmise à {} lycées", many.len()),
        },
        RequestStatus::EnAttente => match CoordinationView::of(index, d).and_then(|c| c.who()) {
            Some(who) => format!("Confiée à {who}"),
            None => "Enregistrée : aucun interlocuteur n'est encore désigné pour votre secteur".to_string(),
        },
        other => other.label().to_string(),
    }
}
