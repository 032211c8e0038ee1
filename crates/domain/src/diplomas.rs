//! Diploma words: level words ("bac pro", "CAP", "BTS"), the usual
//! acronyms of vocational diplomas ("MELEC", "ASSP", "CIEL"), and the
//! specialty of a diploma label, which groups the codes (CFD) of one
//! diploma: its options, its common first year and its renewed versions
//! ("Bac pro accompagnement, soins et services à la personne option A", "…
//! option B", "Bac pro – seconde commune : Accompagnement soins et services
//! a la personne" and the 2025 "Bac pro accompagnement, soins et services à
//! la personne" are one specialty).
//!
//! Acronyms are not in the open data: the table [`ACRONYMS`] gives, for each,
//! the specialty names of the BCN labels it stands for (the current name
//! first, then the names it replaced, so that an acronym also finds the
//! diplomas still taught under their former name).

use crate::Niveau;
use crate::analysis::analyze;
use crate::text::fold;

/// An acronym of vocational diplomas and the specialty names it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acronym {
    /// Folded, as typed: "melec".
    pub acronym: &'static str,
    /// The level it belongs to, when only one.
    pub level: Option<Niveau>,
    /// Specialty names as written in the BCN labels.
    pub names: &'static [&'static str],
}

const fn acr(acronym: &'static str, level: Option<Niveau>, names: &'static [&'static str]) -> Acronym {
    Acronym { acronym, level, names }
}

const BAC: Option<Niveau> = Some(Niveau::BacPro);
const CAP: Option<Niveau> = Some(Niveau::Cap);
const BTS: Option<Niveau> = Some(Niveau::Bts);
const MC: Option<Niveau> = Some(Niveau::Mc);

/// The reviewed acronyms (a test checks each finds diplomas of the real
/// catalogue).
pub const ACRONYMS: &[Acronym] = &[
    // Bac pro
    acr(
        "melec",
        BAC,
        &[
            "métiers de l'électricité et de ses environnements connectés",
            "électrotechnique énergie équipements communicants",
        ],
    ),
    acr("eleec", BAC, &["électrotechnique énergie équipements communicants"]),
    acr("ciel", None, &["cybersécurité, informatique et réseaux, électronique", "systèmes numériques"]),
    acr("sn", None, &["systèmes numériques"]),
    acr("mcv", BAC, &["métiers du commerce et de la vente", "commerce", "vente"]),
    acr("agora", BAC, &["assistance à la gestion des organisations et de leurs activités", "gestion-administration"]),
    acr("ga", BAC, &["gestion-administration"]),
    acr("arcu", BAC, &["accueil - relation clients et usagers"]),
    acr("otm", BAC, &["organisation de transport de marchandises", "transport"]),
    acr("assp", BAC, &["accompagnement, soins et services à la personne"]),
    acr("aepa", BAC, &["animation - enfance et personnes âgées"]),
    acr("mspc", BAC, &["maintenance des systèmes de production connectés", "maintenance des équipements industriels"]),
    acr("mei", BAC, &["maintenance des équipements industriels"]),
    acr("mv", None, &["maintenance des véhicules"]),
    acr("tci", BAC, &["technicien en chaudronnerie industrielle"]),
    acr("tma", BAC, &["technicien menuisier agenceur"]),
    acr(
        "iccer",
        BAC,
        &[
            "installateur en chauffage, climatisation et énergies renouvelables",
            "technicien en installation des systèmes énergétiques et climatiques",
        ],
    ),
    acr(
        "mfer",
        BAC,
        &[
            "maintenance et efficacité énergétique",
            "technicien de maintenance des systèmes énergétiques et climatiques",
        ],
    ),
    acr("tfca", BAC, &["technicien du froid et du conditionnement d'air"]),
    acr("csr", BAC, &["commercialisation et services en restauration"]),
    acr("tborgo", BAC, &["technicien du bâtiment : organisation et réalisation du gros oeuvre"]),
    acr("teb", BAC, &["technicien d'études du bâtiment"]),
    acr("edpi", BAC, &["étude et définition de produits industriels"]),
    acr("hps", BAC, &["hygiène, propreté, stérilisation"]),
    acr("mmv", BAC, &["métiers de la mode - vêtements"]),
    // CAP
    acr("aepe", CAP, &["accompagnant éducatif petite enfance"]),
    acr("atmfc", CAP, &["assistant(e) technique en milieux familial et collectif"]),
    acr("apr", CAP, &["agent polyvalent de restauration"]),
    acr("psr", CAP, &["production et service en restaurations (rapide, collective, cafétéria)"]),
    acr("epc", CAP, &["équipier polyvalent du commerce"]),
    // BTS
    acr("mco", BTS, &["management commercial opérationnel"]),
    acr("ndrc", BTS, &["négociation et digitalisation de la relation client"]),
    acr("gpme", BTS, &["gestion de la PME"]),
    acr("sio", BTS, &["services informatiques aux organisations"]),
    acr("crsa", BTS, &["conception et réalisation de systèmes automatiques"]),
    acr("fed", BTS, &["fluides-énergies-domotique"]),
    acr("crci", BTS, &["conception et réalisation en chaudronnerie industrielle"]),
    acr("mhr", BTS, &["management en hôtellerie restauration"]),
    // State diplomas of care taught in lycées
    acr("deas", MC, &["aide-soignant"]),
    acr("deap", MC, &["auxiliaire de puériculture"]),
];

/// Words of a label or a query that say the level or the kind of diploma,
/// not its specialty.
const LEVEL_TOKENS: &[&str] = &[
    "cap",
    "bac",
    "bacpro",
    "pro",
    "bts",
    "btsa",
    "btsm",
    "mc",
    "bma",
    "cs",
    "bp",
    "dma",
    "seconde",
    "commune",
    "baccalaureat",
    "professionnel",
    "professionnelle",
    "1ere",
    "annee",
    "diplome",
    "etat",
    "specialite",
    "brevet",
    "mention",
    "complementaire",
    "certificat",
];

/// The specialty of a diploma label, as sorted analysed terms: the label
/// without its level words, its option and its parentheses' level.
///
/// ```
/// use domain::diplomas::specialty_terms;
/// let a = specialty_terms("Bac pro accompagnement, soins et services à la personne option B en structure");
/// let b = specialty_terms("Bac pro – seconde commune : Accompagnement soins et services a la personne");
/// assert_eq!(a, b);
/// assert_eq!(specialty_terms("Aide-soignant (diplôme d'etat)"), ["aid", "soignant"]);
/// ```
pub fn specialty_terms(label: &str) -> Vec<String> {
    let folded = fold(label);
    let before_option = match folded.find(" option ") {
        Some(i) => &folded[..i],
        None => folded.as_str(),
    };
    let kept: Vec<&str> = before_option.split(' ').filter(|w| !LEVEL_TOKENS.contains(w)).collect();
    let mut terms = analyze(&kept.join(" "));
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// The diploma words of a query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DiplomaWords {
    /// Levels named ("bac pro ASSP" → Bac pro).
    pub levels: Vec<Niveau>,
    /// For each acronym typed: its level and the specialty terms of each of
    /// its names.
    pub acronyms: Vec<(Option<Niveau>, Vec<Vec<String>>)>,
    /// Specialty terms of the other words.
    pub rest: Vec<String>,
    /// The query without its level words and acronyms, for the job index.
    pub other_words: String,
}

impl DiplomaWords {
    /// Reads the diploma words of `words`.
    pub fn parse(words: &str) -> DiplomaWords {
        let folded = fold(words);
        let tokens: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        let mut out = DiplomaWords::default();
        let mut others: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let t = tokens[i];
            let next = tokens.get(i + 1).copied();
            let (level, used) = match (t, next) {
                ("bac" | "baccalaureat", Some("pro" | "professionnel")) => (Some(Niveau::BacPro), 2),
                ("bacpro", _) => (Some(Niveau::BacPro), 1),
                ("cap", _) => (Some(Niveau::Cap), 1),
                ("bts" | "btsa", _) => (Some(Niveau::Bts), 1),
                ("mc" | "bma", _) => (Some(Niveau::Mc), 1),
                ("mention", Some("complementaire")) => (Some(Niveau::Mc), 2),
                _ => (None, 1),
            };
            if let Some(l) = level {
                if !out.levels.contains(&l) {
                    out.levels.push(l);
                }
            } else if let Some(a) = ACRONYMS.iter().find(|a| a.acronym == t) {
                out.acronyms.push((a.level, a.names.iter().map(|n| specialty_terms(n)).collect()));
            } else {
                others.push(t);
            }
            i += used;
        }
        out.other_words = others.join(" ");
        let mut rest = analyze(&out.other_words);
        rest.sort_unstable();
        rest.dedup();
        out.rest = rest;
        out
    }

    /// Whether the words name diplomas: an acronym, or a level with a
    /// specialty ("CAP cuisine").
    pub fn names_diplomas(&self) -> bool {
        !self.acronyms.is_empty() || (!self.levels.is_empty() && !self.rest.is_empty())
    }

    /// How surely the words name the specialty `terms` at `level`: 1.0 for
    /// an acronym's name or the specialty typed in full, 0.8 when the words
    /// say at least half of it ("bac pro commerce"), `None` otherwise.
    pub fn names(&self, level: Niveau, terms: &[String]) -> Option<f64> {
        if terms.is_empty() {
            return None;
        }
        if !self.acronyms.is_empty() {
            return self
                .acronyms
                .iter()
                .filter(|(l, _)| {
                    if self.levels.is_empty() { l.is_none_or(|l| l == level) } else { self.levels.contains(&level) }
                })
                .any(|(_, names)| names.iter().any(|n| n == terms))
                .then_some(1.0);
        }
        if self.levels.is_empty() || !self.levels.contains(&level) || self.rest.is_empty() {
            return None;
        }
        if self.rest == terms {
            return Some(1.0);
        }
        let all = self.rest.iter().all(|t| terms.binary_search(t).is_ok());
        (all && self.rest.len() * 2 >= terms.len()).then_some(0.8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(label: &str) -> Vec<String> {
        specialty_terms(label)
    }

    #[test]
    fn one_specialty_for_options_common_years_and_renewals() {
        let assp = t("Bac pro accompagnement, soins et services à la personne");
        for label in [
            "Bac pro accompagnement, soins et services à la personne option A à domicile",
            "Bac pro accompagnement, soins et services à la personne option B en structure",
            "Bac pro – seconde commune : Accompagnement soins et services a la personne",
        ] {
            assert_eq!(t(label), assp, "{label}");
        }
        assert_eq!(t("Accompagnant educatif petite enfance (cap)"), t("CAP accompagnant éducatif petite enfance"));
        assert_eq!(t("Aide-soignant (diplôme d'etat)"), t("Diplôme d'État d'aide-soignant"));
        assert_ne!(t("Bac pro cuisine"), t("Bac pro commercialisation et services en restauration"));
        assert!(t("Bac pro").is_empty());
        assert!(t("").is_empty());
    }

    #[test]
    fn acronyms_and_levels_are_read() {
        let d = DiplomaWords::parse("Bac pro ASSP");
        assert_eq!(d.levels, [Niveau::BacPro]);
        assert!(d.names_diplomas());
        assert_eq!(d.names(Niveau::BacPro, &t("Bac pro accompagnement, soins et services à la personne")), Some(1.0));
        assert_eq!(d.names(Niveau::Cap, &t("Bac pro accompagnement, soins et services à la personne")), None);
        assert_eq!(d.other_words, "");

        let melec = DiplomaWords::parse("melec");
        assert!(melec.levels.is_empty());
        let label = t("Bac pro métiers de l'électricité et de ses environnements connectés");
        assert_eq!(melec.names(Niveau::BacPro, &label), Some(1.0));
        assert_eq!(
            melec.names(Niveau::BacPro, &t("Bac pro électrotechnique énergie équipements communicants")),
            Some(1.0)
        );
        assert_eq!(melec.names(Niveau::Cap, &label), None);

        // An acronym without a level names every level of its specialty.
        let mv = DiplomaWords::parse("MV");
        assert_eq!(mv.names(Niveau::Cap, &t("CAP maintenance des véhicules option voitures particulières")), Some(1.0));
        assert_eq!(
            mv.names(Niveau::Bts, &t("BTS maintenance des véhicules option A : voitures particulières")),
            Some(1.0)
        );
        let cap_mv = DiplomaWords::parse("cap mv");
        assert_eq!(cap_mv.names(Niveau::Bts, &t("BTS maintenance des véhicules option A")), None);
    }

    #[test]
    fn a_level_and_a_specialty_name_diplomas() {
        let d = DiplomaWords::parse("CAP cuisine");
        assert!(d.names_diplomas());
        assert_eq!(d.names(Niveau::Cap, &t("CAP cuisine")), Some(1.0));
        assert_eq!(d.names(Niveau::BacPro, &t("Bac pro cuisine")), None);
        let commerce = DiplomaWords::parse("bac pro commerce");
        assert_eq!(
            commerce.names(Niveau::BacPro, &t("Bac pro métiers du commerce et de la vente option A animation")),
            Some(0.8)
        );
        assert_eq!(commerce.names(Niveau::BacPro, &t("Bac pro technicien conseil vente en alimentation")), None);
        // Job words alone, or a level alone, name no diploma.
        for words in ["électricien", "bac pro", "cap", "", "!!!", "😀 bts"] {
            assert!(!DiplomaWords::parse(words).names_diplomas(), "{words}");
        }
        assert_eq!(DiplomaWords::parse("bac pro électricien").other_words, "electricien");
    }

    #[test]
    fn acronyms_are_well_formed() {
        let mut seen: Vec<&str> = ACRONYMS.iter().map(|a| a.acronym).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), ACRONYMS.len(), "unique acronyms");
        for a in ACRONYMS {
            assert_eq!(fold(a.acronym), a.acronym);
            assert!(!LEVEL_TOKENS.contains(&a.acronym), "{}", a.acronym);
            assert!(!a.names.is_empty());
            for n in a.names {
                assert!(!specialty_terms(n).is_empty(), "{}: {n}", a.acronym);
            }
        }
    }
}
