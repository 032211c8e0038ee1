//! What a company should know about each way of working with a lycée,
//! written for an employer in plain French from the ministry's guide for
//! companies and the circular on the bureaux des entreprises.
//!
//! One table, one entry per action type (an exhaustive `match`, so a new
//! action cannot be added without its guidance): the `/entreprises` page
//! shows it whole, and the journey can reuse its one-line summary. The
//! labels stay the domain's ([`ActionType::label`]).
//!
//! Texts are written with ordinary spaces; [`Way::spaced`] gives them
//! French spacing (no-break space before ":", units tied to numbers).

use domain::ActionType;
use domain::text::french_spacing;

/// A way of working with a lycée, as told to a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Way {
    pub action: ActionType,
    /// One sentence: what it is.
    pub summary: &'static str,
    /// What it involves for the company.
    pub involves: &'static str,
    /// How long it takes, or when in the year.
    pub when: &'static str,
    /// Whom to talk to.
    pub who: &'static str,
    /// A page of the guide that says more: (path, link text).
    pub more: Option<(&'static str, &'static str)>,
}

/// Whom every action goes to first: the lycée's business office.
const BUREAU: &str = "Le responsable du bureau des entreprises (RBE) du lycée : c'est le point d'entrée du lycée pour toute entreprise, et votre demande lui est transmise.";

/// The guidance of `action`.
pub fn way(action: ActionType) -> Way {
    let (summary, involves, when, who, more) = match action {
        ActionType::Pfmp => (
            "Des élèves passent une partie de leur formation dans votre entreprise : ce sont les périodes de formation en milieu professionnel (PFMP).",
            "Une convention est signée par votre entreprise, l'élève (ou son représentant légal) et le lycée. Vous désignez un tuteur parmi vos salariés ; un enseignant du lycée suit l'élève et vient le voir. L'élève reste sous statut scolaire : il n'est pas salarié et ne reçoit pas de salaire de votre part.",
            "Les dates suivent le calendrier des périodes de formation du lycée, fixé pour l'année scolaire ; leur durée dépend du diplôme préparé.",
            BUREAU,
            Some(("/entreprises/pfmp", "Tout savoir sur l'accueil d'un élève en PFMP")),
        ),
        ActionType::Apprentissage => (
            "Un jeune prépare son diplôme en alternance entre le lycée et votre entreprise, avec un contrat d'apprentissage.",
            "Vous signez un contrat d'apprentissage : l'apprenti est votre salarié, et un maître d'apprentissage le forme dans l'entreprise. Le lycée assure la partie de la formation faite en établissement.",
            "Le contrat suit le rythme d'alternance de la formation choisie ; indiquez dans votre demande la date à laquelle vous souhaitez commencer.",
            "Le responsable du bureau des entreprises (RBE) du lycée : il aide les jeunes à trouver une entreprise pour un contrat d'apprentissage et vous dit quelles formations le lycée propose en apprentissage.",
            Some(("/entreprises/apprentissage", "L'apprentissage au lycée professionnel")),
        ),
        ActionType::Recrutement => (
            "Vous cherchez à embaucher des jeunes qui viennent d'obtenir leur diplôme professionnel.",
            "Vous décrivez les postes et les métiers ; le lycée fait connaître votre offre à ses élèves en fin de formation et à ses anciens élèves.",
            "À tout moment de l'année.",
            BUREAU,
            None,
        ),
        ActionType::Intervention => (
            "Vous venez au lycée présenter votre métier et votre parcours, ou participer à un jury ou à des entretiens d'entraînement.",
            "Vous préparez votre intervention avec l'enseignant de la classe : témoignage, présentation des codes de l'entreprise, échange avec les élèves.",
            "Quelques heures, à une date convenue avec l'équipe pédagogique.",
            BUREAU,
            None,
        ),
        ActionType::Visite => (
            "Vous ouvrez vos portes à une classe pour lui faire découvrir vos métiers et vos équipements.",
            "Vous accueillez un groupe d'élèves avec leurs enseignants et leur montrez les différents métiers de l'entreprise.",
            "Une visite, à une date convenue avec le lycée.",
            BUREAU,
            None,
        ),
        ActionType::Mentorat => (
            "Un de vos collaborateurs accompagne un ou plusieurs élèves, bénévolement, dans leur orientation, leur recherche de stage ou leur confiance en eux.",
            "Le mentorat est un engagement bénévole, pendant le temps de travail ou en dehors ; le binôme est encadré par une structure, le plus souvent une association. Les rencontres peuvent se faire à distance, sur place ou les deux.",
            "Au moins 2 h par mois, pendant au moins six mois.",
            "Le bureau des entreprises du lycée, et les associations de mentorat présentes sur 1jeune1mentor.fr.",
            None,
        ),
        ActionType::Evenement => (
            "Vous participez à un événement du lycée : stage dating, forum des métiers, remise des diplômes, rencontre des tuteurs.",
            "Vous venez présenter votre entreprise, rencontrer des élèves qui cherchent un stage ou un contrat, ou remettre leurs diplômes aux élèves.",
            "Aux dates des événements fixées par le lycée, le plus souvent quelques heures.",
            BUREAU,
            None,
        ),
        ActionType::Enseignants => (
            "Vous accueillez des professeurs de lycée professionnel pour qu'ils découvrent vos métiers et leurs évolutions.",
            "Visite de l'entreprise, immersion sur site, webinaire ou formation, individuelle ou collective. La réforme du lycée professionnel prévoit que chaque professeur puisse se former en entreprise au moins une fois tous les trois ans.",
            "De quelques heures à quelques jours, selon la formule choisie.",
            "Le bureau des entreprises du lycée ; pour une formation plus large, l'école académique de la formation continue (EAFC) de votre académie.",
            None,
        ),
        ActionType::ProfesseurAssocie => (
            "Un de vos collaborateurs enseigne au lycée une partie de son temps tout en continuant à travailler chez vous.",
            "Il faut au moins cinq ans d'expérience professionnelle en rapport avec une discipline du lycée professionnel. Le professeur associé est recruté par le rectorat comme contractuel, rémunéré selon son expérience.",
            "Jusqu'à 162 h par an ; un contrat de trois ans au plus, renouvelable dans la limite de six ans.",
            BUREAU,
            None,
        ),
        ActionType::Formation => (
            "Vous aidez le lycée à adapter ses formations aux compétences dont votre secteur a besoin.",
            "Selon le besoin : une formation complémentaire d'initiative locale (FCIL), une coloration d'un diplôme existant adaptée à votre métier, une formation de spécialisation en un an, ou l'ouverture d'une nouvelle formation. Le rectorat et la Région décident chaque année des formations ouvertes et fermées.",
            "Une FCIL dure de six mois à un an. Les formations de la rentrée suivante sont présentées sur Parcoursup en janvier : plus vous vous y prenez tôt, mieux c'est.",
            "Le bureau des entreprises du lycée et, pour l'académie, la délégation de région académique à la formation professionnelle initiale et continue (Drafpic).",
            None,
        ),
        ActionType::Soutien => (
            "Vous soutenez le lycée par un don de matériel, un plateau technique ou le solde de la taxe d'apprentissage.",
            "Vous dites au lycée ce que vous pouvez apporter. Pour la taxe d'apprentissage, vous choisissez vous-même le lycée sur la plateforme nationale SOLTéA, avec son code UAI.",
            "Le solde de la taxe d'apprentissage se répartit lors d'une campagne annuelle ; un don de matériel, à tout moment.",
            BUREAU,
            Some(("/entreprises/taxe-apprentissage", "Soutenir un lycée avec la taxe d'apprentissage")),
        ),
        ActionType::Autre => (
            "Un autre projet avec un lycée professionnel : décrivez-le librement.",
            "Vous expliquez votre besoin avec vos mots ; le lycée vous dit ce qu'il peut faire avec vous.",
            "Selon votre projet.",
            BUREAU,
            None,
        ),
    };
    Way { action, summary, involves, when, who, more }
}

/// Every way, in the journey's order.
pub fn ways() -> Vec<Way> {
    ActionType::ALL.into_iter().map(way).collect()
}

impl Way {
    /// The link that starts this request in the journey.
    pub fn request_href(&self) -> String {
        format!("/demande?action={}", self.action.code())
    }

    /// `text` with French spacing, for a page.
    pub fn spaced(&self, text: &str) -> String {
        french_spacing(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_guidance_and_a_link_to_its_request() {
        let ways = ways();
        assert_eq!(ways.len(), ActionType::ALL.len());
        for w in &ways {
            assert_eq!(w.request_href(), format!("/demande?action={}", w.action.code()));
            for text in [w.summary, w.involves, w.when, w.who] {
                assert!(!text.trim().is_empty(), "{:?}", w.action);
                assert!(text.ends_with('.'), "{:?}: a sentence ends with a full stop: {text}", w.action);
            }
        }
    }

    /// French as an employer reads it: elision made, no "de le", no
    /// typewriter quotes or doubled spaces.
    #[test]
    fn the_french_is_written_properly() {
        for w in ways() {
            for text in [w.summary, w.involves, w.when, w.who] {
                let lower = text.to_lowercase();
                for wrong in [" de le ", " de les ", " à le ", " à les ", "  ", " de un", " que il", "\""] {
                    assert!(!lower.contains(wrong), "{:?}: « {wrong} » in {text}", w.action);
                }
                for vowel in ["a", "e", "é", "i", "o", "u"] {
                    for article in [" le ", " la ", " de ", " que ", " ne "] {
                        assert!(
                            !lower.contains(&format!("{article}{vowel}")),
                            "{:?}: elision missing (« {article}{vowel}… ») in {text}",
                            w.action
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn figures_agree_with_the_journey() {
        // The journey's one-line explanations give the same thresholds.
        assert!(way(ActionType::Mentorat).when.contains("2 h par mois"));
        assert!(ActionType::Mentorat.explanation().contains("2 heures par mois pendant au moins 6 mois"));
        assert!(way(ActionType::ProfesseurAssocie).when.contains("162 h par an"));
        assert!(ActionType::ProfesseurAssocie.explanation().contains("162 h par an"));
        assert!(way(ActionType::ProfesseurAssocie).involves.contains("cinq ans"));
        assert!(ActionType::ProfesseurAssocie.explanation().contains("5 ans"));
    }
}
