//! French analysis of job words, shared by the index and the queries: the
//! same function turns "Électriciennes" and "electricien" into one term.
//!
//! Folding (case, accents, ligatures), elisions and stop words removed,
//! plurals and feminine forms brought back to the masculine singular, a few
//! acronyms companies use expanded. At query time, a word naming an activity
//! ("boulangerie", "plomberie", "soudure") also stands for the person doing
//! it ("boulanger", "plombier", "soudeur").

use crate::text::fold;

/// Words that carry no meaning in a job title or a query.
const STOP_WORDS: &[&str] = &[
    "a",
    "au",
    "aux",
    "avec",
    "ce",
    "ces",
    "chez",
    "d",
    "dans",
    "de",
    "des",
    "du",
    "en",
    "et",
    "h",
    "f",
    "j",
    "je",
    "l",
    "la",
    "le",
    "les",
    "m",
    "mon",
    "ma",
    "mes",
    "n",
    "ne",
    "nos",
    "notre",
    "ou",
    "par",
    "pas",
    "pour",
    "qu",
    "s",
    "sa",
    "se",
    "ses",
    "son",
    "sur",
    "t",
    "un",
    "une",
    "y",
    "nous",
    "vous",
    "cherche",
    "recherche",
    "recrute",
    "recrutons",
    "cherchons",
    "besoin",
    "souhaite",
    "metier",
    "metiers",
    "poste",
    "postes",
    "emploi",
    "stage",
    "stagiaire",
    "stagiaires",
    "apprenti",
    "apprentie",
    "apprentis",
    "alternance",
    "alternant",
    "eleve",
    "eleves",
];

/// Acronyms and short forms companies type, with what they stand for.
const EXPANSIONS: &[(&str, &str)] = &[
    ("btp", "batiment travaux publics"),
    ("cvc", "chauffage ventilation climatisation"),
    ("vrd", "voirie reseaux divers"),
    ("rh", "ressources humaines"),
    ("ehpad", "aide soignant personnes agees"),
    ("melec", "electricite electricien"),
    ("mrc", "relation client commercial"),
    ("agora", "gestion administration"),
    ("hvac", "chauffage ventilation climatisation"),
    ("it", "informatique"),
    ("auto", "automobile"),
    ("resto", "restauration"),
    ("compta", "comptable comptabilite"),
    ("secretariat", "secretaire"),
    ("caces", "cariste conducteur"),
];

/// Brings a folded word to the stem shared by its singular, plural,
/// masculine and feminine forms. Consistency matters more than grammar: the
/// index and the queries go through the same function.
pub fn stem(word: &str) -> String {
    let mut w = word.to_string();
    // Plurals.
    if w.len() > 4 && w.ends_with("aux") {
        w.truncate(w.len() - 3);
        w.push_str("al");
    } else if w.len() > 3 && (w.ends_with('s') || w.ends_with('x')) && !w.ends_with("ss") {
        w.pop();
    }
    // Feminine forms of job titles.
    let rules: [(&str, &str); 8] = [
        ("euse", "eur"),
        ("trice", "teur"),
        ("ienne", "ien"),
        ("enne", "en"),
        ("elle", "el"),
        ("onne", "on"),
        ("ette", "et"),
        ("ive", "if"),
    ];
    for (from, to) in rules {
        if w.len() > from.len() + 2 && w.ends_with(from) {
            w.truncate(w.len() - from.len());
            w.push_str(to);
            return w;
        }
    }
    // Any other final "e" ("boulangère" → "boulanger", "commerciale" →
    // "commercial", "employée" → "employ").
    while w.len() > 3 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// Terms of a text for the index: folded, without stop words, stemmed.
pub fn analyze(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(w))
        .map(stem)
        .filter(|w| w.len() > 1)
        .collect()
}

/// The words of a query, each with the terms that may stand for it
/// (its stem, and for an activity the person doing it). Acronyms are
/// expanded first.
pub fn analyze_query(text: &str) -> Vec<Vec<String>> {
    let folded = fold(text);
    let mut words: Vec<String> = Vec::new();
    for w in folded.split(' ').filter(|w| !w.is_empty()) {
        match EXPANSIONS.iter().find(|(k, _)| *k == w) {
            Some((_, expansion)) => words.extend(expansion.split(' ').map(str::to_string)),
            None => words.push(w.to_string()),
        }
    }
    let mut out: Vec<Vec<String>> = Vec::new();
    for w in words.iter().filter(|w| !STOP_WORDS.contains(&w.as_str())) {
        let s = stem(w);
        if s.len() < 2 {
            continue;
        }
        let mut alternatives = vec![s.clone()];
        // Stems of activity nouns: "boulangeri", "soudur", "nettoyag", "animation".
        // Fields also name their people: "mécanique" → "mécanicien",
        // "électronique" → "électronicien", "esthétique" → "esthéticien".
        for (from, to) in
            [("eri", "er"), ("eri", "ier"), ("ur", "eur"), ("ag", "eur"), ("ation", "ateur"), ("iqu", "icien")]
        {
            if s.len() > from.len() + 3 && s.ends_with(from) && !s.ends_with("eur") {
                let alt = format!("{}{to}", &s[..s.len() - from.len()]);
                if !alternatives.contains(&alt) {
                    alternatives.push(alt);
                }
            }
        }
        if !out.contains(&alternatives) {
            out.push(alternatives);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_and_feminine_forms_meet() {
        let cases = [
            ("Électricienne", "electricien"),
            ("électriciens", "electricien"),
            ("coiffeuse", "coiffeur"),
            ("conductrice", "conducteur"),
            ("boulangère", "boulanger"),
            ("cuisinière", "cuisinier"),
            ("aide-soignante", "aid soignant"),
            ("travaux", "traval"),
            ("Menuisiers", "menuisier"),
            ("maçonne", "macon"),
            ("commerciale", "commercial"),
            ("Employée", "employ"),
            ("employé", "employ"),
            ("professionnelles", "professionnel"),
        ];
        for (input, want) in cases {
            assert_eq!(analyze(input).join(" "), want, "{input}");
        }
    }

    #[test]
    fn stop_words_and_elisions_go() {
        assert_eq!(
            analyze("Agent / Agente d'entretien des espaces verts"),
            ["agent", "agent", "entretien", "espac", "vert"]
        );
        assert_eq!(analyze("Je cherche un électricien"), ["electricien"]);
        assert!(analyze("!!! ??? 😀").is_empty());
    }

    #[test]
    fn activities_also_name_the_person() {
        let q = analyze_query("boulangerie");
        assert_eq!(q, vec![vec!["boulangeri".to_string(), "boulanger".into(), "boulangier".into()]]);
        assert!(analyze_query("plomberie")[0].contains(&"plombier".to_string()));
        assert!(analyze_query("soudure")[0].contains(&"soudeur".to_string()));
        assert!(analyze_query("nettoyage")[0].contains(&"nettoyeur".to_string()));
        assert_eq!(analyze_query("soudeur"), vec![vec!["soudeur".to_string()]]);
        assert!(analyze_query("mécanique")[0].contains(&"mecanicien".to_string()));
        assert!(analyze_query("esthétique")[0].contains(&"estheticien".to_string()));
    }

    #[test]
    fn acronyms_are_expanded() {
        let q: Vec<String> = analyze_query("BTP").into_iter().map(|a| a[0].clone()).collect();
        assert_eq!(q, ["batiment", "traval", "public"]);
        assert_eq!(analyze_query("de la du").len(), 0);
    }
}
