//! French text folding: the one normalisation used to compare what a company
//! types with the names in the reference data ("Saint-Étienne" = "st etienne").

/// Folds a character to lowercase ASCII when it is a Latin letter with a
/// diacritic; returns `None` for characters that should become a separator.
fn fold_char(c: char, out: &mut String) {
    let lower = c.to_lowercase();
    for l in lower {
        let mapped: &str = match l {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' | 'ā' => "a",
            'ç' | 'ć' | 'č' => "c",
            'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' => "e",
            'í' | 'ì' | 'î' | 'ï' | 'ī' => "i",
            'ñ' | 'ń' => "n",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' => "o",
            'ú' | 'ù' | 'û' | 'ü' | 'ū' => "u",
            'ý' | 'ÿ' => "y",
            'œ' => "oe",
            'æ' => "ae",
            'ß' => "ss",
            'š' => "s",
            'ž' => "z",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => " ",
        };
        out.push_str(mapped);
    }
}

/// Lowercase, accent-free, punctuation-free form of `s` with single spaces:
/// the comparison key for names typed by people.
///
/// ```
/// assert_eq!(domain::text::fold("L'Île-Rousse"), "l ile rousse");
/// assert_eq!(domain::text::fold("  Œuvre   d’ART "), "oeuvre d art");
/// ```
pub fn fold(s: &str) -> String {
    let mut raw = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut raw);
    }
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Like [`fold`], and also expands the abbreviations people use in place
/// names ("st" → "saint", "ste" → "sainte"), so that "St-Denis" finds
/// "Saint-Denis".
pub fn fold_place(s: &str) -> String {
    fold(s)
        .split(' ')
        .map(|w| match w {
            "st" => "saint",
            "ste" => "sainte",
            "sts" => "saints",
            "stes" => "saintes",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Turns an all-caps official label ("LYCEE DES METIERS DU BOIS") into a
/// readable sentence case ("Lycée des métiers du bois") for display when no
/// properly written source exists. Restores the accents of the few words that
/// recur in school and diploma names.
pub fn sentence_case(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut words: Vec<String> = Vec::new();
    for (i, w) in lower.split(' ').filter(|w| !w.is_empty()).enumerate() {
        let fixed = match w {
            "lycee" => "lycée",
            "metiers" => "métiers",
            "metier" => "métier",
            "polyvalent" => "polyvalent",
            "prive" => "privé",
            "privee" => "privée",
            "general" => "général",
            "generale" => "générale",
            "technologique" => "technologique",
            "electricite" => "électricité",
            "energie" => "énergie",
            "energetique" => "énergétique",
            "electrotechnique" => "électrotechnique",
            "electronique" => "électronique",
            "hotellerie" => "hôtellerie",
            "hotelier" => "hôtelier",
            "hoteliere" => "hôtelière",
            "batiment" => "bâtiment",
            "securite" => "sécurité",
            "sante" => "santé",
            "gestion" => "gestion",
            "mecanique" => "mécanique",
            "education" => "éducation",
            "etablissement" => "établissement",
            "regional" => "régional",
            "regionale" => "régionale",
            "ecole" => "école",
            "creation" => "création",
            "ceramique" => "céramique",
            "reseaux" => "réseaux",
            "economie" => "économie",
            other => other,
        };
        if i == 0 {
            let mut c = fixed.chars();
            if let Some(first) = c.next() {
                words.push(first.to_uppercase().chain(c).collect());
            }
        } else {
            words.push(fixed.to_string());
        }
    }
    words.join(" ")
}

/// Capitalises each word of a place or person name written in capitals
/// ("SAINT ETIENNE DU ROUVRAY" → "Saint Etienne Du Rouvray"); used only as a
/// last resort when no accented source exists.
pub fn title_case(s: &str) -> String {
    s.to_lowercase()
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Formats a count the French way, with a narrow no-break space between
/// thousands ("2 090").
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 8);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// A decimal number the French way, with `places` decimals, a decimal
/// comma and grouped thousands ("31,5", "1\u{202f}250,0"): statistics are
/// read by people, not parsed.
pub fn decimal(x: f64, places: usize) -> String {
    let text = format!("{:.*}", places, x.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let whole: i64 = whole.parse().unwrap_or(0);
    let sign = if x < 0.0 && text.chars().any(|c| ('1'..='9').contains(&c)) { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{}", thousands(whole)) } else { format!("{sign}{},{frac}", thousands(whole)) }
}

/// A percentage with one decimal ("80,0\u{202f}%").
pub fn percent(x: f64) -> String {
    format!("{}\u{202f}%", decimal(x, 1))
}

/// The French name of a month (1 to 12), lowercase as French writes it.
pub fn month_name(month: u8) -> &'static str {
    const NAMES: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    NAMES.get(usize::from(month.max(1)) - 1).copied().unwrap_or("")
}

/// A count and its noun, joined by a no-break space so that a line never
/// ends between them ("24\u{a0}places", "1\u{a0}place"); French puts
/// 0 and 1 in the singular.
pub fn count_of(n: i64, one: &str, many: &str) -> String {
    format!("{}\u{a0}{}", thousands(n), if n > 1 { many } else { one })
}

/// An ISO date ("2021-08-31") written in words ("31\u{a0}août 2021", "1er
/// septembre 2022"); anything else is returned as it is.
pub fn long_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.get(0..10).unwrap_or("").split('-').collect();
    let (Some(y), Some(m), Some(d)) = (
        parts.first().filter(|y| y.len() == 4),
        parts.get(1).and_then(|m| m.parse::<u8>().ok()).filter(|m| (1..=12).contains(m)),
        parts.get(2).and_then(|d| d.parse::<u8>().ok()).filter(|d| (1..=31).contains(d)),
    ) else {
        return iso.to_string();
    };
    let day = if d == 1 { "1er".to_string() } else { d.to_string() };
    format!("{day}\u{a0}{} {y}", month_name(m))
}

/// The short form of a month used on chart axes ("janv.", "févr.", "mai").
pub fn month_abbreviation(month: u8) -> &'static str {
    const SHORT: [&str; 12] =
        ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
    SHORT.get(usize::from(month.max(1)) - 1).copied().unwrap_or("")
}

/// "de" before a place name, elided or contracted as French does: "de
/// Lyon", "d'Aix-Marseille", "d'Orléans-Tours", "du Puy-en-Velay", "des
/// Sables-d'Olonne". (An initial "h" is left alone: aspirated or not, the
/// data's names would need a list.)
pub fn of_place(name: &str) -> String {
    let name = name.trim();
    if let Some(rest) = name.strip_prefix("Le ") {
        return format!("du {rest}");
    }
    if let Some(rest) = name.strip_prefix("Les ") {
        return format!("des {rest}");
    }
    let vowel = name.chars().next().is_some_and(|c| "AEIOUYÀÂÉÈÊËÎÏÔÛÜaeiouyàâéèêëîïôûü".contains(c));
    if vowel { format!("d'{name}") } else { format!("de {name}") }
}

/// "à" before a place name, contracted as French does with the name's own
/// article: "à Saint-Flour", "au Puy-en-Velay", "aux Sables-d'Olonne", "à La
/// Rochelle", "à L'Isle-Adam".
pub fn at_place(name: &str) -> String {
    let name = name.trim();
    if let Some(rest) = name.strip_prefix("Le ") {
        format!("au {rest}")
    } else if let Some(rest) = name.strip_prefix("Les ") {
        format!("aux {rest}")
    } else {
        format!("à {name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers() {
        assert_eq!(thousands(2090), "2\u{202f}090");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(-1234567), "-1\u{202f}234\u{202f}567");
        assert_eq!(decimal(31.5, 1), "31,5");
        assert_eq!(decimal(1250.0, 1), "1\u{202f}250,0");
        assert_eq!(decimal(-0.04, 1), "0,0");
        assert_eq!(decimal(-2.25, 1), "-2,2");
        assert_eq!(decimal(4.0, 0), "4");
        assert_eq!(percent(80.0), "80,0\u{202f}%");
        assert_eq!((month_name(1), month_name(8), month_name(12)), ("janvier", "août", "décembre"));
        assert_eq!(month_abbreviation(2), "févr.");
        assert_eq!(count_of(24, "place", "places"), "24\u{a0}places");
        assert_eq!(count_of(1, "place", "places"), "1\u{a0}place");
        assert_eq!(count_of(0, "élève", "élèves"), "0\u{a0}élève");
        assert_eq!(count_of(1250, "élève", "élèves"), "1\u{202f}250\u{a0}élèves");
        assert_eq!(long_date("2021-08-31"), "31\u{a0}août 2021");
        assert_eq!(long_date("2022-09-01"), "1er\u{a0}septembre 2022");
        assert_eq!(long_date("pas une date"), "pas une date");
    }

    #[test]
    fn folds_the_names_people_type() {
        let cases = [
            ("Électricien / Électricienne", "electricien electricienne"),
            ("SAINT-ÉTIENNE", "saint etienne"),
            ("Cœur", "coeur"),
            ("aide-soignant(e)", "aide soignant e"),
            ("", ""),
            ("!!!", ""),
            ("😀 plombier", "plombier"),
            ("Lyon 1er Arrondissement", "lyon 1er arrondissement"),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), want, "fold({input:?})");
        }
    }

    #[test]
    fn expands_saint_in_places() {
        assert_eq!(fold_place("St-Denis"), "saint denis");
        assert_eq!(fold_place("Ste Marie"), "sainte marie");
        assert_eq!(fold_place("Stains"), "stains");
    }

    #[test]
    fn writes_capitals_as_sentences() {
        assert_eq!(sentence_case("LYCEE DES METIERS DU BATIMENT"), "Lycée des métiers du bâtiment");
        assert_eq!(title_case("LYON 1ER ARRONDISSEMENT"), "Lyon 1er Arrondissement");
    }

    #[test]
    fn at_place_contracts_the_article() {
        for (name, said) in [
            ("Saint-Flour", "à Saint-Flour"),
            ("Le Puy-en-Velay", "au Puy-en-Velay"),
            ("Les Sables-d'Olonne", "aux Sables-d'Olonne"),
            ("La Rochelle", "à La Rochelle"),
            ("L'Isle-Adam", "à L'Isle-Adam"),
            ("Lens", "à Lens"),
            ("Le", "à Le"),
        ] {
            assert_eq!(at_place(name), said);
        }
    }

    #[test]
    fn of_place_elides_and_contracts() {
        for (name, said) in [
            ("Lyon", "de Lyon"),
            ("Aix-Marseille", "d'Aix-Marseille"),
            ("Orléans-Tours", "d'Orléans-Tours"),
            ("Aurillac", "d'Aurillac"),
            ("Île-de-France", "d'Île-de-France"),
            ("Le Puy-en-Velay", "du Puy-en-Velay"),
            ("Les Sables-d'Olonne", "des Sables-d'Olonne"),
            ("La Réunion", "de La Réunion"),
        ] {
            assert_eq!(of_place(name), said);
        }
    }
}
