//! Names typed by people — a person's first and last name, a company's or a
//! partner's name — checked by one rule wherever they come in (the request
//! journey, the API, invitations, CSV imports, requests to join).
//!
//! Why: names are written verbatim into official emails sent to lycée staff
//! and companies. A name carrying a new line, a right-to-left override, an
//! invisible character or a link can make an email say something the
//! service never said ("… Cliquez ici : https://…"). A name is one line of
//! visible text; a person's name is never an address.

/// Longest name, in characters: a French civil-status name fits easily, a
/// paragraph does not.
pub const MAX_NAME: usize = 80;
/// Longest company or partner name ("raison sociale" with its legal form).
pub const MAX_ORGANISATION: usize = 200;

/// Why a name is refused; the French text is shown after the field's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("champ obligatoire")]
    Empty,
    #[error("{0} caractères au plus")]
    TooLong(usize),
    #[error("une seule ligne de texte, sans caractère invisible ni de contrôle")]
    Invisible,
    #[error("un nom ne peut pas contenir d'adresse web ni d'adresse électronique")]
    Link,
    /// A dot between two letters ("J.P."): in a person's name it reads as
    /// a web address.
    #[error(
        "pas de point entre deux lettres (écrivez « J. P. » plutôt que « J.P. ») : il se lit comme une adresse web"
    )]
    Dotted,
}

/// Characters that change how text is shown without being seen: controls,
/// line and paragraph separators, bidirectional overrides and isolates,
/// zero-width characters and the byte-order mark.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' // line and paragraph separators
            | '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{061C}' // Arabic letter mark
            | '\u{FEFF}' // byte-order mark
            | '\u{00AD}' // soft hyphen
            | '\u{180E}' // Mongolian vowel separator
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
        )
}

/// Characters that read as the dot of a host name: the ASCII full stop and
/// the three others IDNA accepts as label separators (ideographic,
/// full-width, half-width ideographic: a browser turns `evil。com` into
/// `evil.com`), and lookalikes a reader takes for one (one-dot leader,
/// small full stop, Arabic full stop, Syriac full stops, stenographic full
/// stop).
pub fn is_dot(c: char) -> bool {
    matches!(
        c,
        '.' | '\u{3002}'
            | '\u{FF0E}'
            | '\u{FF61}'
            | '\u{2024}'
            | '\u{FE52}'
            | '\u{06D4}'
            | '\u{0701}'
            | '\u{0702}'
            | '\u{2E3C}'
    )
}

/// Top-level domains that make a word of an organisation's name read as a
/// web address ("evil.com", "impots-gouv.co.uk", "evil.shop"): the common
/// generic ones, those of France and its overseas, and of its neighbours.
/// A person's name needs no list: any dot between two letters is refused.
const TLDS: [&str; 62] = [
    "com", "fr", "net", "org", "io", "info", "biz", "eu", "co", "ru", "xyz", "app", "dev", "me", "ly", "link", "uk",
    "de", "be", "ch", "lu", "it", "es", "nl", "pt", "pl", "us", "ca", "cn", "tk", "to", "tv", "cc", "ws", "gg", "re",
    "pf", "nc", "gp", "mq", "yt", "pm", "bzh", "paris", "online", "site", "store", "shop", "top", "club", "tech",
    "live", "pro", "gouv", "gov", "cloud", "page", "bank", "click", "email", "help", "support",
];

/// Legal forms that may follow a company whose brand is a domain name
/// ("Booking.com SAS"), and "France" ("Booking.com France").
const LEGAL_FORMS: [&str; 14] =
    ["sa", "sas", "sasu", "sarl", "eurl", "snc", "sci", "scop", "scic", "ei", "eirl", "gie", "selarl", "france"];

/// The name as a mail client reads it to find links: compatibility forms
/// folded (NFKC: full-width letters and dots are ASCII ones), every other
/// kind of dot an ASCII one, lower case.
fn as_read(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkc().map(|c| if is_dot(c) { '.' } else { c }).collect::<String>().to_lowercase()
}

/// The words of a name, as a mail client would cut them to find links:
/// at spaces, punctuation and the quotes or brackets around a word
/// (`«evil.com»`, `[evil.com]`), a trailing dot or mark left out.
fn words(read: &str) -> impl Iterator<Item = &str> {
    read.split(|c: char| {
        c.is_whitespace()
            || matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' | '«' | '»' | '"')
            || matches!(c, '“' | '”' | '‘' | '’' | '‹' | '›' | '|')
    })
    .map(|w| w.trim_matches(['\'', '`']).trim_end_matches(['.', '!', '?', ':']))
    .filter(|w| !w.is_empty())
}

/// A word cut where a path, a port, a query or a fragment would begin:
/// the host part of `evil.com/paiement` or `evil.com:8443`, and whether
/// something followed.
fn host_of(word: &str) -> (&str, bool) {
    match word.find(['/', '\\', ':', '?', '#']) {
        Some(i) => (&word[..i], true),
        None => (word, false),
    }
}

/// Whether a word reads as a web address: a host `name.tld` with a known
/// TLD, or any dotted host followed by a path or a port.
fn is_domain(word: &str) -> bool {
    let (host, more) = host_of(word);
    match host.rsplit_once('.') {
        Some((name, tld)) if !name.is_empty() && !tld.is_empty() => {
            TLDS.contains(&tld) || (more && tld.len() >= 2 && tld.chars().all(|c| c.is_alphabetic()))
        }
        _ => false,
    }
}

/// Whether a word is an email address.
fn is_email(word: &str) -> bool {
    word.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
}

/// Whether a person's name holds a dot between two letters or digits
/// ("J.P.", "evil.com", "evil．com"): a name never does, a host always.
fn has_inner_dot(read: &str) -> bool {
    let chars: Vec<char> = read.chars().collect();
    chars.windows(3).any(|w| w[1] == '.' && w[0].is_alphanumeric() && w[2].is_alphanumeric())
}

/// Whether a person's name holds a path or a port: a slash, or a colon
/// followed by a digit (`evil:8443`).
fn has_path_or_port(read: &str) -> bool {
    let chars: Vec<char> = read.chars().collect();
    read.contains(['/', '\\']) || chars.windows(2).any(|w| w[0] == ':' && w[1].is_ascii_digit())
}

/// What in `s` a mail client would turn into a link, or a reader take for
/// one. A scheme or `www.` anywhere. In a person's name (`Person`) also an
/// `@`, a host of any TLD (a dot between two letters, of any script), a
/// path or a port. In an organisation's name (`Organisation`) an email
/// address is refused, a URL with a path or a port too, and a `host.tld`
/// word only stands as the brand itself — the whole name, or the name
/// followed by its legal form ("Boulanger.com", "Booking.com SAS") —
/// never inside a sentence ("Cliquez sur evil.com").
fn link_in(s: &str, kind: Kind) -> Option<NameError> {
    let read = as_read(s);
    if read.contains("://") || read.contains("www.") {
        return Some(NameError::Link);
    }
    match kind {
        Kind::Person => {
            if read.contains('@') || has_path_or_port(&read) || words(&read).any(is_domain) {
                Some(NameError::Link)
            } else if has_inner_dot(&read) {
                Some(NameError::Dotted)
            } else {
                None
            }
        }
        Kind::Organisation => {
            if words(&read).any(|w| is_email(w) || (is_domain(w) && host_of(w).1)) {
                return Some(NameError::Link);
            }
            let mut all = words(&read);
            let first = all.next().unwrap_or_default();
            let rest: Vec<&str> = all.collect();
            let misplaced = if is_domain(first) {
                !rest.iter().all(|w| LEGAL_FORMS.contains(w))
            } else {
                rest.iter().any(|w| is_domain(w))
            };
            misplaced.then_some(NameError::Link)
        }
    }
}

/// Whose name: a person's names are stricter than an organisation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Person,
    Organisation,
}

fn check(s: &str, max: usize, kind: Kind) -> Result<String, NameError> {
    if s.chars().any(is_invisible) {
        return Err(NameError::Invisible);
    }
    let clean = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.is_empty() {
        return Err(NameError::Empty);
    }
    if clean.chars().count() > max {
        return Err(NameError::TooLong(max));
    }
    if let Some(e) = link_in(&clean, kind) {
        return Err(e);
    }
    Ok(clean)
}

/// A person's first or last name: one line of visible text, spaces
/// collapsed, at most [`MAX_NAME`] characters, no web or email address —
/// no host name, path, port or dot between two letters, whatever the
/// script of the dot (issue 24: "Jean Dupont evil.com/paiement" reached a
/// lycée in an email asking it to act).
///
/// ```
/// use domain::names::{person_name, NameError};
/// assert_eq!(person_name("  Jean-Pierre   L'Hôte "), Ok("Jean-Pierre L'Hôte".to_string()));
/// assert_eq!(person_name("Zoé\nCliquez ici"), Err(NameError::Invisible));
/// assert_eq!(person_name("Zoé evil.com"), Err(NameError::Link));
/// ```
pub fn person_name(s: &str) -> Result<String, NameError> {
    check(s, MAX_NAME, Kind::Person)
}

/// A company's or a partner's name: the same rule, longer. A domain name is
/// allowed as the brand itself ("Boulanger.com", "Booking.com SAS": real
/// companies are named so) but not inside a longer text ("Cliquez sur
/// evil.com"), and never a `://` or `www.` link or an email address
/// (docs/security.md, "Official emails cannot be rewritten").
///
/// ```
/// use domain::names::{organisation_name, NameError};
/// assert_eq!(organisation_name("Boulanger.com"), Ok("Boulanger.com".to_string()));
/// assert_eq!(organisation_name("Cliquez sur evil.com"), Err(NameError::Link));
/// ```
pub fn organisation_name(s: &str) -> Result<String, NameError> {
    check(s, MAX_ORGANISATION, Kind::Organisation)
}

/// An optional name: empty is `None`, anything else follows
/// [`person_name`].
pub fn optional_person_name(s: &str) -> Result<Option<String>, NameError> {
    match person_name(s) {
        Ok(n) => Ok(Some(n)),
        Err(NameError::Empty) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_names_pass_unchanged_but_for_spaces() {
        for (raw, clean) in [
            ("Zoé", "Zoé"),
            ("Jean-Pierre", "Jean-Pierre"),
            ("J.-P.", "J.-P."),
            ("N'Diaye", "N'Diaye"),
            ("  Le   Gall  ", "Le Gall"),
            ("Nguyễn Thị", "Nguyễn Thị"),
            ("O’Connor", "O’Connor"),
            ("Marie-Ève d’Arc", "Marie-Ève d’Arc"),
            ("محمد", "محمد"),
        ] {
            assert_eq!(person_name(raw).as_deref(), Ok(clean), "{raw:?}");
        }
        for brand in
            ["Booking.com", "Boulanger.com", "Booking.com SAS", "Cdiscount.com (SA)", "Leroy Merlin", "L.D.L.C. SA"]
        {
            assert_eq!(organisation_name(brand).as_deref(), Ok(brand), "{brand:?}");
        }
        assert_eq!(
            organisation_name("Boulangerie Martin & Fils (SARL)").as_deref(),
            Ok("Boulangerie Martin & Fils (SARL)")
        );
    }

    /// Issue 24: what `/rejoindre` and the request journey let through
    /// before. A person's name holds no host, path, port or dot between
    /// two letters, whatever the dot.
    #[test]
    fn a_person_name_holds_no_web_address_of_any_shape() {
        for (bad, why) in [
            ("evil.com", NameError::Link),
            ("Dupont evil.com/paiement", NameError::Link),
            ("evil.com/paiement", NameError::Link),
            ("evil.com:8443", NameError::Link),
            ("localhost:8443", NameError::Link),
            ("«evil.com»", NameError::Link),
            ("« evil.com »", NameError::Link),
            ("[evil.com]", NameError::Link),
            ("(evil.com)", NameError::Link),
            ("\"evil.com\"", NameError::Link),
            ("bit.ly/abc", NameError::Link),
            ("impots-gouv.co.uk", NameError::Link),
            ("réglez la facture sur evil.shop", NameError::Link),
            ("Dupont evil.bank", NameError::Link),
            ("Dupont evil.paiement", NameError::Dotted),
            ("evil\u{FF0E}com", NameError::Link),
            ("evil\u{3002}com", NameError::Link),
            ("evil\u{FF61}com", NameError::Link),
            ("evil\u{2024}com", NameError::Link),
            ("evil\u{FE52}com", NameError::Link),
            ("ｅｖｉｌ．ｃｏｍ", NameError::Link),
            ("Dupont/paiement", NameError::Link),
            ("Dupont\\paiement", NameError::Link),
            ("192.168.1.1", NameError::Dotted),
            ("J.P.", NameError::Dotted),
            ("Jean.Dupont", NameError::Dotted),
            ("Zoé@evil", NameError::Link),
        ] {
            assert_eq!(person_name(bad), Err(why), "{bad:?}");
        }
        // Dots that are not between two letters stay: initials followed by
        // a space or a dash, an abbreviation at the end.
        for good in ["J. P. Martin", "J.-P. Martin", "Martin Jr.", "St. Clair", "Anne-Sophie d'Arc", "Dupont : 3"] {
            assert_eq!(person_name(good).as_deref(), Ok(good), "{good:?}");
        }
    }

    /// A company's name may be its brand ("Cdiscount.com") but never a
    /// URL with a path or a port, nor a domain inside a sentence, whatever
    /// its dots and brackets.
    #[test]
    fn a_company_name_holds_its_brand_only() {
        for good in ["Cdiscount.com", "Cdiscount．com", "«Cdiscount.com»", "Boulanger.com France", "S.A.R.L. Martin"]
        {
            assert!(organisation_name(good).is_ok(), "{good:?}");
        }
        for bad in [
            "evil.com/paiement",
            "evil.com:8443",
            "bit.ly/abc",
            "Martin evil.shop/facture",
            "réglez la facture sur evil.shop",
            "réglez la facture sur evil\u{FF0E}shop",
            "réglez la facture sur evil\u{3002}shop",
            "Martin [evil.com]",
            "Martin «evil.com»",
            "Martin impots-gouv.co.uk",
            "Cdiscount.com : payez ici",
        ] {
            assert_eq!(organisation_name(bad), Err(NameError::Link), "{bad:?}");
        }
    }

    #[test]
    fn what_could_rewrite_an_email_is_refused() {
        for bad in [
            "Zoé\nMartin",
            "Zoé\r\nObjet : urgent",
            "Zoé\u{2028}Martin",
            "Zoé\u{2029}",
            "\u{202E}nitraM",
            "Zo\u{200B}é",
            "Zoé\u{2066}x\u{2069}",
            "\u{FEFF}Zoé",
            "Zoé\tMartin",
            "Zoé\u{0}",
        ] {
            assert_eq!(person_name(bad), Err(NameError::Invisible), "{bad:?}");
            assert_eq!(organisation_name(bad), Err(NameError::Invisible), "{bad:?}");
        }
        for bad in ["Zoé https://evil.example", "www.evil.fr", "Cliquez sur evil.com", "zoe@evil.fr", "Voir evil.io."]
        {
            assert_eq!(person_name(bad), Err(NameError::Link), "{bad:?}");
        }
        assert_eq!(organisation_name("Voir https://evil.example"), Err(NameError::Link));
        // A domain inside a sentence, or followed by more than a legal form,
        // is an instruction, not a brand; an email address never is a name.
        for bad in [
            "Cliquez sur evil.com",
            "Cliquez sur evil.com !",
            "evil.com : votre remboursement",
            "Boulangerie Martin (martin.fr)",
            "Martin contact@evil.fr",
            "contact@evil.fr",
        ] {
            assert_eq!(organisation_name(bad), Err(NameError::Link), "{bad:?}");
        }
        assert_eq!(organisation_name("www.evil.fr"), Err(NameError::Link));
        assert_eq!(organisation_name("www．evil．fr"), Err(NameError::Link), "full-width dots");
        assert_eq!(person_name("   "), Err(NameError::Empty));
        assert_eq!(person_name(&"a".repeat(81)), Err(NameError::TooLong(80)));
        assert_eq!(person_name(&"é".repeat(80)).map(|s| s.chars().count()), Ok(80));
        assert_eq!(organisation_name(&"a".repeat(201)), Err(NameError::TooLong(200)));
        assert_eq!(optional_person_name(" "), Ok(None));
        assert_eq!(optional_person_name("a\nb"), Err(NameError::Invisible));
    }
}
