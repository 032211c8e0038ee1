//! Obvious typos of the published reference data, corrected at import.
//!
//! Why: the data files stay exactly as published (a fresh download must
//! import the same way), but a page should not say "Systemes numeriques" or
//! "Lycée professionel". Most typos come from labels published in capitals
//! without accents ("SERVICES A LA PERSONNE"), which the import writes in
//! sentence case: the accents a capital may drop become missing accents in
//! lowercase. Each line of [`CORRECTIONS`] is one reviewed fix, with where
//! it was seen; a fix applies to whole words only, whatever their case,
//! and keeps an initial capital.

/// One reviewed fix: the wrong words, the right words, where it was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Correction {
    pub wrong: &'static str,
    pub right: &'static str,
    pub source: &'static str,
}

const fn fix(wrong: &'static str, right: &'static str, source: &'static str) -> Correction {
    Correction { wrong, right, source }
}

const BCN: &str = "BCN V_FORMATION_DIPLOME / N_MEF, libellés en capitales";

/// The table, reviewed by hand. Lowercase wrong forms; the longest phrases
/// first, so that "d'etat" is fixed inside "diplôme d'etat".
pub const CORRECTIONS: &[Correction] = &[
    fix("services a la personne", "services à la personne", BCN),
    fix("aide a la personne", "aide à la personne", BCN),
    fix("a la personne", "à la personne", BCN),
    fix("diplome d'etat", "diplôme d'État", BCN),
    fix("diplôme d'etat", "diplôme d'État", "Certif Info, Libelle_Diplome"),
    fix("diplôme d'état", "diplôme d'État", "Certif Info, Libelle_Diplome"),
    fix("brevet d'etat", "brevet d'État", BCN),
    fix("corps d'etat", "corps d'état", BCN),
    fix("systemes numeriques", "systèmes numériques", BCN),
    fix("systemes", "systèmes", BCN),
    fix("numeriques", "numériques", BCN),
    fix("numerique", "numérique", BCN),
    fix("professionel", "professionnel", "ONISEP Île-de-France, 0750553U « Lycée professionel Gaston Bachelard »"),
    fix("professionelle", "professionnelle", BCN),
    fix("(bts)", "(BTS)", "BCN N_MEF, LIBELLE_LONG « … (bts) », « Fonderie(bts) »"),
    fix("(cap)", "(CAP)", "BCN N_MEF, LIBELLE_LONG"),
    fix("specialite", "spécialité", BCN),
    fix("genie", "génie", BCN),
    fix("reseaux", "réseaux", BCN),
    fix("developpement", "développement", BCN),
    fix("qualite", "qualité", BCN),
    fix("materiaux", "matériaux", BCN),
    fix("controle", "contrôle", BCN),
    fix("activites", "activités", BCN),
    fix("comptabilite", "comptabilité", BCN),
    fix("amenagement", "aménagement", BCN),
    fix("elevage", "élevage", BCN),
    fix("procedes", "procédés", BCN),
    fix("realisation", "réalisation", BCN),
    fix("clientele", "clientèle", BCN),
    fix("aeronautique", "aéronautique", BCN),
    fix("hygiene", "hygiène", BCN),
    fix("operateur", "opérateur", BCN),
    fix("vehicules", "véhicules", BCN),
    fix("electrique", "électrique", BCN),
    fix("equipements", "équipements", BCN),
    fix("equipement", "équipement", BCN),
    fix("materiels", "matériels", BCN),
    fix("methodes", "méthodes", BCN),
    fix("cosmetique", "cosmétique", BCN),
];

/// Whether `c` may sit inside a word ("d'etat" is one word, "(bts)" is
/// "bts" between brackets).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'
}

/// `label` with every fix of [`CORRECTIONS`] applied.
///
/// ```
/// use domain::corrections::correct;
/// assert_eq!(correct("Systemes numeriques option a"), "Systèmes numériques option a");
/// assert_eq!(correct("Électrotechnique (bts)"), "Électrotechnique (BTS)");
/// ```
pub fn correct(label: &str) -> String {
    let mut text = label.to_string();
    for c in CORRECTIONS {
        text = replace_words(&text, c.wrong, c.right);
    }
    text
}

/// Replaces `wrong` (lowercase) by `right` wherever it stands as whole
/// words in `text`, whatever its case; an initial capital is kept.
fn replace_words(text: &str, wrong: &str, right: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let wanted: Vec<char> = wrong.chars().collect();
    let mut out = String::with_capacity(text.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        // A bracket opens its own word, even glued to the previous one
        // ("Fonderie(bts)" is "Fonderie (BTS)").
        let bracket = wanted.first() == Some(&'(');
        let fits = lower.get(i..i + wanted.len()).is_some_and(|w| w == wanted.as_slice())
            && (i == 0 || bracket || !is_word(chars[i - 1]))
            && chars.get(i + wanted.len()).is_none_or(|c| !is_word(*c));
        if fits {
            if bracket && i > 0 && !chars[i - 1].is_whitespace() {
                out.push(' ');
            }
            if chars[i].is_uppercase() {
                let mut r = right.chars();
                out.extend(r.next().into_iter().flat_map(char::to_uppercase));
                out.extend(r);
            } else {
                out.push_str(right);
            }
            i += wanted.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_the_known_typos() {
        for (raw, right) in [
            ("Diplome d'etat d'infirmier", "Diplôme d'État d'infirmier"),
            ("Accompagnement, soins et services a la personne", "Accompagnement, soins et services à la personne"),
            ("Systemes numeriques option b", "Systèmes numériques option b"),
            ("Lycée professionel Gaston Bachelard", "Lycée professionnel Gaston Bachelard"),
            ("Électrotechnique (bts)", "Électrotechnique (BTS)"),
            ("Fonderie(bts)", "Fonderie (BTS)"),
            ("Infirmier (diplome d'etat)", "Infirmier (diplôme d'État)"),
            ("Brevet d'etat d'educateur sportif", "Brevet d'État d'educateur sportif"),
            ("Maintenance des vehicules", "Maintenance des véhicules"),
            // Already right, or not a whole word: unchanged.
            ("Services à la personne", "Services à la personne"),
            ("Systèmes numériques", "Systèmes numériques"),
            ("Professionnel de la vente", "Professionnel de la vente"),
            ("Genieva", "Genieva"),
            ("", ""),
        ] {
            assert_eq!(correct(raw), right, "{raw:?}");
        }
    }

    #[test]
    fn the_table_is_reviewable() {
        for c in CORRECTIONS {
            assert_eq!(c.wrong, c.wrong.to_lowercase(), "{c:?}: forme fautive en minuscules");
            assert_ne!(c.wrong, c.right, "{c:?}");
            assert!(!c.source.is_empty(), "{c:?}: d'où vient la faute");
            assert_eq!(correct(c.right), c.right, "{c:?}: la correction est stable");
        }
    }
}
