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

/// A day written the French way, JJ/MM/AAAA ("03/05/2027"), from an ISO
/// date or instant ("2027-05-03", "2027-05-03T08:00:00Z"); anything else
/// is returned as it is. Emails and pages never show an ISO date.
pub fn short_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.get(0..10).unwrap_or("").split('-').collect();
    match parts.as_slice() {
        [y, m, d]
            if [(y, 4), (m, 2), (d, 2)]
                .iter()
                .all(|(part, len)| part.len() == *len && part.bytes().all(|b| b.is_ascii_digit())) =>
        {
            format!("{d}/{m}/{y}")
        }
        _ => iso.to_string(),
    }
}

/// A period between two ISO days, as a sentence fragment: "du 03/05/2027
/// au 28/05/2027", "à partir du 03/05/2027"; `None` without a start.
pub fn period(start: Option<&str>, end: Option<&str>) -> Option<String> {
    match (start, end) {
        (Some(s), Some(e)) => Some(format!("du {} au {}", short_date(s), short_date(e))),
        (Some(s), None) => Some(format!("à partir du {}", short_date(s))),
        _ => None,
    }
}

/// The singular or the plural of a word for a count, French rule: 0 and 1
/// take the singular ("0 demande", "1 demande", "2 demandes"). Never
/// write "demande(s)".
pub fn plural<'a>(n: i64, one: &'a str, many: &'a str) -> &'a str {
    if n.abs() > 1 { many } else { one }
}

/// French spacing of a text written with ordinary spaces: the space before
/// ":" becomes a no-break space, the one before ";", "?", "!" and "%" a
/// narrow no-break space, the spaces inside « » no-break spaces, and a
/// number is tied to its unit ("30\u{a0}km", "2\u{a0}h", not a count such as "3 jours"), so that a line
/// never starts with a colon or a unit. Only existing spaces are changed:
/// addresses ("https://…?note=5") are left alone.
pub fn french_spacing(s: &str) -> String {
    const UNITS: [&str; 4] = ["km", "h", "min", "€"];
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if c != ' ' {
            out.push(c);
            continue;
        }
        let next = chars.get(i + 1).copied();
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let after_word = |w: &str| {
            let rest: String = chars[i + 1..].iter().take(w.chars().count() + 1).collect();
            rest.strip_prefix(w).is_some_and(|tail| tail.chars().next().is_none_or(|t| !t.is_alphanumeric()))
        };
        let tied = match next {
            Some(':') | Some('»') => Some('\u{a0}'),
            Some(';') | Some('?') | Some('!') | Some('%') => Some('\u{202f}'),
            _ if prev == Some('«') => Some('\u{a0}'),
            _ if prev.is_some_and(|p| p.is_ascii_digit()) && UNITS.iter().any(|u| after_word(u)) => Some('\u{a0}'),
            _ => None,
        };
        out.push(tied.unwrap_or(' '));
    }
    out
}

/// The kind of school a name starts with, and how French refers to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gender {
    Masculine,
    Feminine,
}

/// The words that open a school's name, folded, with the form written
/// after an article and their gender. Acronyms are kept as written.
const SCHOOL_HEADS: [(&str, &str, Gender); 16] = [
    ("lycee", "lycée", Gender::Masculine),
    ("lp", "", Gender::Masculine),
    ("l p", "", Gender::Masculine),
    ("lpo", "", Gender::Masculine),
    ("lpa", "", Gender::Masculine),
    ("lgt", "", Gender::Masculine),
    ("erea", "", Gender::Masculine),
    ("sep", "", Gender::Feminine),
    ("section", "section", Gender::Feminine),
    ("etablissement", "établissement", Gender::Masculine),
    ("ecole", "école", Gender::Feminine),
    ("institut", "institut", Gender::Masculine),
    ("cite", "cité", Gender::Feminine),
    ("campus", "campus", Gender::Masculine),
    ("centre", "centre", Gender::Masculine),
    ("ensemble", "ensemble", Gender::Masculine),
];

/// The words that describe the kind of school after its head word
/// ("professionnel", "privé", "des métiers"…), lowercase after an article;
/// folded → written.
const SCHOOL_QUALIFIERS: [(&str, &str); 28] = [
    ("professionnel", "professionnel"),
    ("professionnelle", "professionnelle"),
    ("professionel", "professionnel"),
    ("polyvalent", "polyvalent"),
    ("polyvalente", "polyvalente"),
    ("polyv", "polyv."),
    ("general", "général"),
    ("generale", "générale"),
    ("et", "et"),
    ("technologique", "technologique"),
    ("technique", "technique"),
    ("prive", "privé"),
    ("privee", "privée"),
    ("pr", "privé"),
    ("public", "public"),
    ("publique", "publique"),
    ("hotelier", "hôtelier"),
    ("regional", "régional"),
    ("regionale", "régionale"),
    ("d enseignement", "d'enseignement"),
    ("enseignement", "enseignement"),
    ("adapte", "adapté"),
    ("des", "des"),
    ("metiers", "métiers"),
    ("agricole", "agricole"),
    ("scolaire", "scolaire"),
    ("climatique", "climatique"),
    ("sportif", "sportif"),
];

/// A school's name as French uses it after an article: "Lycée
/// professionnel Louis Lumière" is "le lycée professionnel Louis Lumière",
/// "du lycée…", "au lycée…"; "LP La Viste" is "le LP La Viste"; "Section
/// d'enseignement professionnel du lycée…" is "la section…"; a name without
/// a type word ("Jean Moulin") is "le lycée Jean Moulin". The proper name
/// is kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolName {
    gender: Gender,
    /// The name with its type words in lowercase ("lycée professionnel
    /// Louis Lumière").
    body: String,
}

impl SchoolName {
    /// Reads an official or usual name.
    pub fn new(name: &str) -> SchoolName {
        let words: Vec<&str> = name.split_whitespace().collect();
        let Some(first) = words.first() else {
            return SchoolName { gender: Gender::Masculine, body: "lycée".into() };
        };
        let folded = fold(first);
        let head = SCHOOL_HEADS.iter().find(|(key, _, _)| folded == *key);
        let Some(&(_, written, gender)) = head else {
            return SchoolName { gender: Gender::Masculine, body: format!("lycée {}", words.join(" ")) };
        };
        let mut out: Vec<String> = vec![if written.is_empty() { first.to_string() } else { written.to_string() }];
        let mut rest = words[1..].iter().peekable();
        while let Some(w) = rest.peek() {
            // "LP PR St Joseph": a qualifier in capitals is an acronym only
            // when it is one of ours.
            let folded = fold(w);
            match SCHOOL_QUALIFIERS.iter().find(|(key, _)| folded == *key) {
                Some((_, q)) => {
                    out.push((*q).to_string());
                    rest.next();
                }
                None => break,
            }
        }
        out.extend(rest.map(|w| w.to_string()));
        SchoolName { gender, body: out.join(" ") }
    }

    fn elided(&self) -> bool {
        self.body.chars().next().is_some_and(|c| "AEIOUYÀÂÉÈÊËÎÏÔÛÜaeiouyàâéèêëîïôûü".contains(c))
    }

    /// The name after a preposition and the article, contracted as French
    /// does: `elided` before a vowel ("de l'"), else by gender.
    fn with(&self, elided: &str, masculine: &str, feminine: &str) -> String {
        let article = match (self.elided(), self.gender) {
            (true, _) => return format!("{elided}{}", self.body),
            (false, Gender::Masculine) => masculine,
            (false, Gender::Feminine) => feminine,
        };
        format!("{article} {}", self.body)
    }

    /// "le lycée professionnel X", "la section…", "l'établissement…".
    pub fn the(&self) -> String {
        self.with("l'", "le", "la")
    }

    /// "du lycée professionnel X", "de la section…", "de l'établissement…".
    pub fn of(&self) -> String {
        self.with("de l'", "du", "de la")
    }

    /// "au lycée professionnel X", "à la section…", "à l'établissement…".
    pub fn at(&self) -> String {
        self.with("à l'", "au", "à la")
    }

    /// "Le lycée professionnel X", to open a sentence.
    pub fn the_capitalised(&self) -> String {
        capitalise(&self.the())
    }
}

/// Small words that stay lowercase inside a proper name ("Vincent de
/// Paul", "Pays de Condé").
const PARTICLES: [&str; 14] = ["de", "du", "des", "d", "l", "la", "le", "les", "et", "en", "sur", "sous", "aux", "au"];

/// An official school name published in capitals ("LYCEE PROFESSIONNEL
/// JEAN MOULIN", "LPO DE DEMBENI") written as French writes it: the type
/// words in sentence case with their accents ("Lycée professionnel"),
/// acronyms kept ("LPO"), the proper name capitalised ("Jean Moulin", "de
/// Dembeni"), and the "Lycée des métiers…" labels that follow in sentence
/// case. Used only when no properly written source gives the name.
pub fn school_case(caps: &str) -> String {
    let sentence = sentence_case(caps);
    let words: Vec<&str> = sentence.split(' ').filter(|w| !w.is_empty()).collect();
    let folded: Vec<String> = words.iter().map(|w| fold(w)).collect();
    let is = |i: usize, w: &str| folded.get(i).is_some_and(|f| f == w);
    let labels =
        (1..words.len()).find(|&i| is(i, "lycee") && is(i + 1, "des") && is(i + 2, "metiers")).unwrap_or(words.len());
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    if let Some((_, written, _)) = SCHOOL_HEADS.iter().find(|(key, _, _)| folded.first().is_some_and(|f| f == key)) {
        out.push(if written.is_empty() {
            caps.split_whitespace().next().unwrap_or("").to_string()
        } else {
            words[0].to_string()
        });
        i = 1;
        while i < labels && SCHOOL_QUALIFIERS.iter().any(|(key, _)| folded[i] == *key) {
            out.push(words[i].to_string());
            i += 1;
        }
    }
    for (j, w) in words.iter().enumerate().take(labels).skip(i) {
        if PARTICLES.contains(&folded[j].as_str()) {
            out.push(w.to_string());
        } else {
            out.push(w.split('-').map(capitalise).collect::<Vec<_>>().join("-"));
        }
    }
    if labels < words.len() {
        out.push(capitalise(words[labels]));
        out.extend(words[labels + 1..].iter().map(|w| w.to_string()));
    }
    out.join(" ")
}

/// The same text with its first letter upper-cased ("le lycée…" → "Le
/// lycée…"), to open a sentence.
pub fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// "le lycée professionnel X" (see [`SchoolName`]).
pub fn the_lycee(name: &str) -> String {
    SchoolName::new(name).the()
}

/// "du lycée professionnel X" (see [`SchoolName`]).
pub fn of_lycee(name: &str) -> String {
    SchoolName::new(name).of()
}

/// "au lycée professionnel X" (see [`SchoolName`]).
pub fn at_lycee(name: &str) -> String {
    SchoolName::new(name).at()
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
    #[test]
    fn school_names_take_their_article() {
        for (name, the, of, at) in [
            (
                "Lycée professionnel Louis Lumière",
                "le lycée professionnel Louis Lumière",
                "du lycée professionnel Louis Lumière",
                "au lycée professionnel Louis Lumière",
            ),
            (
                "Lycée Professionnel Privé Robert Keller",
                "le lycée professionnel privé Robert Keller",
                "du lycée professionnel privé Robert Keller",
                "au lycée professionnel privé Robert Keller",
            ),
            ("LP La Viste", "le LP La Viste", "du LP La Viste", "au LP La Viste"),
            ("LPO Jean Moulin", "le LPO Jean Moulin", "du LPO Jean Moulin", "au LPO Jean Moulin"),
            (
                "Lycée polyvalent de L'Hautil",
                "le lycée polyvalent de L'Hautil",
                "du lycée polyvalent de L'Hautil",
                "au lycée polyvalent de L'Hautil",
            ),
            (
                "Lycée POlyvalent privé Henri Leroy",
                "le lycée polyvalent privé Henri Leroy",
                "du lycée polyvalent privé Henri Leroy",
                "au lycée polyvalent privé Henri Leroy",
            ),
            (
                "Lycée des métiers Pierre Mendès France",
                "le lycée des métiers Pierre Mendès France",
                "du lycée des métiers Pierre Mendès France",
                "au lycée des métiers Pierre Mendès France",
            ),
            (
                "Lycee polyvalent Roger Frison Roche",
                "le lycée polyvalent Roger Frison Roche",
                "du lycée polyvalent Roger Frison Roche",
                "au lycée polyvalent Roger Frison Roche",
            ),
            (
                "Lycée professionel Gaston Bachelard",
                "le lycée professionnel Gaston Bachelard",
                "du lycée professionnel Gaston Bachelard",
                "au lycée professionnel Gaston Bachelard",
            ),
            (
                "Section d'enseignement professionnel du lycée des métiers du bois",
                "la section d'enseignement professionnel du lycée des métiers du bois",
                "de la section d'enseignement professionnel du lycée des métiers du bois",
                "à la section d'enseignement professionnel du lycée des métiers du bois",
            ),
            (
                "SEP du lycée Jean Monnet",
                "la SEP du lycée Jean Monnet",
                "de la SEP du lycée Jean Monnet",
                "à la SEP du lycée Jean Monnet",
            ),
            (
                "Etablissement régional d'enseignement adapté Francine Leca",
                "l'établissement régional d'enseignement adapté Francine Leca",
                "de l'établissement régional d'enseignement adapté Francine Leca",
                "à l'établissement régional d'enseignement adapté Francine Leca",
            ),
            ("EREA Jean Monnet", "l'EREA Jean Monnet", "de l'EREA Jean Monnet", "à l'EREA Jean Monnet"),
            (
                "Ecole du Verre de Paris",
                "l'école du Verre de Paris",
                "de l'école du Verre de Paris",
                "à l'école du Verre de Paris",
            ),
            (
                "Altitude-Suzanne Joulié Roos",
                "le lycée Altitude-Suzanne Joulié Roos",
                "du lycée Altitude-Suzanne Joulié Roos",
                "au lycée Altitude-Suzanne Joulié Roos",
            ),
            ("L.P. Albert Bayet", "le L.P. Albert Bayet", "du L.P. Albert Bayet", "au L.P. Albert Bayet"),
            ("", "le lycée", "du lycée", "au lycée"),
        ] {
            assert_eq!(the_lycee(name), the, "{name:?}");
            assert_eq!(of_lycee(name), of, "{name:?}");
            assert_eq!(at_lycee(name), at, "{name:?}");
        }
        assert_eq!(SchoolName::new("Lycée Jean Jaurès").the_capitalised(), "Le lycée Jean Jaurès");
    }

    #[test]
    fn days_are_written_jj_mm_aaaa() {
        for (iso, said) in [
            ("2027-05-03", "03/05/2027"),
            ("2027-05-28T08:00:00Z", "28/05/2027"),
            ("2027-5-3", "2027-5-3"),
            ("", ""),
            ("03/05/2027", "03/05/2027"),
        ] {
            assert_eq!(short_date(iso), said, "{iso:?}");
        }
        assert_eq!(period(Some("2027-05-03"), Some("2027-05-28")).as_deref(), Some("du 03/05/2027 au 28/05/2027"));
        assert_eq!(period(Some("2027-05-03"), None).as_deref(), Some("à partir du 03/05/2027"));
        assert_eq!(period(None, Some("2027-05-28")), None);
    }

    #[test]
    fn plurals_follow_the_french_rule() {
        for (n, said) in [(0, "demande"), (1, "demande"), (2, "demandes"), (-1, "demande"), (1250, "demandes")] {
            assert_eq!(plural(n, "demande", "demandes"), said, "{n}");
        }
        assert_eq!(count_of(2, "demande", "demandes"), "2\u{a0}demandes");
    }

    #[test]
    fn spaces_are_tied_the_french_way() {
        for (raw, said) in [
            ("Type de demande : PFMP", "Type de demande\u{a0}: PFMP"),
            ("Utile ? Oui ! Non ; 46 %", "Utile\u{202f}? Oui\u{202f}! Non\u{202f}; 46\u{202f}%"),
            ("à moins de 30 km de Lyon", "à moins de 30\u{a0}km de Lyon"),
            // A count is not a unit: "3 jours" keeps its space.
            ("sous 3 jours ouvrés", "sous 3 jours ouvrés"),
            ("« Électricien »", "«\u{a0}Électricien\u{a0}»"),
            ("https://x.fr/avis/t?note=5 : ok", "https://x.fr/avis/t?note=5\u{a0}: ok"),
            ("30 kmh, 2 mai", "30 kmh, 2 mai"),
            ("à 2 h", "à 2\u{a0}h"),
            ("Déjà\u{a0}: rien", "Déjà\u{a0}: rien"),
        ] {
            assert_eq!(french_spacing(raw), said, "{raw:?}");
        }
    }
    #[test]
    fn school_names_in_capitals_are_written_as_french_does() {
        for (caps, said) in [
            ("LYCEE PROFESSIONNEL JEAN MOULIN", "Lycée professionnel Jean Moulin"),
            ("LPO DE DEMBENI", "LPO de Dembeni"),
            ("LYCEE DES LUMIERES", "Lycée des Lumieres"),
            ("LYCEE POLYVALENT DE BANDRELE LYCEE DES METIERS", "Lycée polyvalent de Bandrele Lycée des métiers"),
            ("LYCEE DES METIERS PRIVE VINCENT DE PAUL", "Lycée des métiers privé Vincent de Paul"),
            ("LYCEE PROFESSIONNEL JEAN-BAPTISTE DE LA SALLE", "Lycée professionnel Jean-Baptiste de la Salle"),
            ("ALTITUDE", "Altitude"),
            ("", ""),
        ] {
            assert_eq!(school_case(caps), said, "{caps:?}");
        }
    }
}

/// The first character of `s` that has no business in text a person
/// typed: the control characters (NUL, escape, the C1 controls…), except
/// tab, line feed and carriage return, which multi-line fields keep. One
/// rule for every field at the boundary (forms, JSON bodies, query strings,
/// paths): PostgreSQL refuses NUL in text, and none of them is ever meant.
pub fn forbidden_character(s: &str) -> Option<char> {
    s.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// How a forbidden character is named in a message: "U+0000".
pub fn character_code(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

#[cfg(test)]
mod forbidden_tests {
    use super::*;

    #[test]
    fn control_characters_but_line_breaks_and_tabs() {
        for (s, found) in [
            ("Bonjour", None),
            ("ligne 1\nligne 2\r\n\tfin", None),
            ("café — «\u{a0}Lyon\u{a0}» 😀", None),
            ("a\u{0}b", Some('\u{0}')),
            ("esc\u{1b}[31m", Some('\u{1b}')),
            ("suppr\u{7f}", Some('\u{7f}')),
            ("c1\u{85}", Some('\u{85}')),
            ("bell\u{7}", Some('\u{7}')),
        ] {
            assert_eq!(forbidden_character(s), found, "{s:?}");
        }
        assert_eq!(character_code('\u{0}'), "U+0000");
        assert_eq!(character_code('\u{85}'), "U+0085");
    }
}
