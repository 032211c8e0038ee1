//! What a company can ask a lycée for (the action types of the product brief).

use serde::Serialize;

/// An action type; its code is a stable identifier of the API and database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    Pfmp,
    Apprentissage,
    Recrutement,
    Intervention,
    Visite,
    Mentorat,
    Evenement,
    Enseignants,
    ProfesseurAssocie,
    Formation,
    Soutien,
    Autre,
}

impl ActionType {
    /// Every action, in the order the journey offers them.
    pub const ALL: [ActionType; 12] = [
        ActionType::Pfmp,
        ActionType::Apprentissage,
        ActionType::Recrutement,
        ActionType::Intervention,
        ActionType::Visite,
        ActionType::Mentorat,
        ActionType::Evenement,
        ActionType::Enseignants,
        ActionType::ProfesseurAssocie,
        ActionType::Formation,
        ActionType::Soutien,
        ActionType::Autre,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActionType::Pfmp => "pfmp",
            ActionType::Apprentissage => "apprentissage",
            ActionType::Recrutement => "recrutement",
            ActionType::Intervention => "intervention",
            ActionType::Visite => "visite",
            ActionType::Mentorat => "mentorat",
            ActionType::Evenement => "evenement",
            ActionType::Enseignants => "enseignants",
            ActionType::ProfesseurAssocie => "professeur_associe",
            ActionType::Formation => "formation",
            ActionType::Soutien => "soutien",
            ActionType::Autre => "autre",
        }
    }

    /// The label shown to companies.
    pub fn label(self) -> &'static str {
        match self {
            ActionType::Pfmp => "Accueillir des élèves en stage (PFMP)",
            ActionType::Apprentissage => "Recruter des apprentis",
            ActionType::Recrutement => "Recruter des jeunes diplômés",
            ActionType::Intervention => "Intervenir en classe, présenter son métier",
            ActionType::Visite => "Faire visiter l'entreprise à des élèves",
            ActionType::Mentorat => "Devenir mentor d'élèves",
            ActionType::Evenement => "Participer à un événement du lycée",
            ActionType::Enseignants => "Accueillir ou former des enseignants",
            ActionType::ProfesseurAssocie => "Proposer un collaborateur comme professeur associé",
            ActionType::Formation => "Faire évoluer l'offre de formation",
            ActionType::Soutien => "Soutenir le lycée",
            ActionType::Autre => "Autre besoin",
        }
    }

    /// One line of explanation for the company journey.
    pub fn explanation(self) -> &'static str {
        match self {
            ActionType::Pfmp => {
                "Des élèves viennent se former chez vous pendant leurs périodes de formation en milieu professionnel, de 3 à 8 semaines."
            }
            ActionType::Apprentissage => {
                "Un jeune prépare son diplôme en alternance entre le lycée et votre entreprise, avec un contrat d'apprentissage."
            }
            ActionType::Recrutement => "Vous cherchez à embaucher des jeunes qui viennent d'obtenir leur diplôme.",
            ActionType::Intervention => {
                "Vous venez présenter votre métier en classe, participer à un jury ou à des entretiens d'entraînement."
            }
            ActionType::Visite => "Vous ouvrez vos portes à une classe pour montrer vos métiers et vos équipements.",
            ActionType::Mentorat => {
                "Vous accompagnez un ou plusieurs élèves, au moins 2 heures par mois pendant au moins 6 mois."
            }
            ActionType::Evenement => "Vous participez à un job dating, un forum des métiers ou une remise de diplômes.",
            ActionType::Enseignants => {
                "Vous accueillez des enseignants en immersion ou contribuez à leur formation continue."
            }
            ActionType::ProfesseurAssocie => {
                "Un de vos collaborateurs, avec au moins 5 ans d'expérience, enseigne au lycée (jusqu'à 162 h par an)."
            }
            ActionType::Formation => {
                "Vous proposez une formation locale, une coloration de diplôme ou une spécialisation ; l'académie est associée."
            }
            ActionType::Soutien => "Don de matériel, plateau technique, solde de la taxe d'apprentissage.",
            ActionType::Autre => "Un autre besoin : décrivez-le librement.",
        }
    }

    /// Parses an API code.
    pub fn from_code(code: &str) -> Option<ActionType> {
        ActionType::ALL.into_iter().find(|a| a.code() == code)
    }

    /// Whether the request must name jobs: every action but support,
    /// training offer and "other" concerns specific trades.
    pub fn needs_jobs(self) -> bool {
        !matches!(self, ActionType::Soutien | ActionType::Formation | ActionType::Autre)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_unique() {
        let codes: Vec<_> = ActionType::ALL.iter().map(|a| a.code()).collect();
        let mut dedup = codes.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(codes.len(), dedup.len());
        for a in ActionType::ALL {
            assert_eq!(ActionType::from_code(a.code()), Some(a));
        }
        assert!(!ActionType::Formation.needs_jobs());
        assert!(ActionType::Pfmp.needs_jobs());
    }
}
