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

/// Top-level domains that make a word read as a web address ("evil.com").
const TLDS: [&str; 16] =
    ["com", "fr", "net", "org", "io", "info", "biz", "eu", "co", "ru", "xyz", "app", "dev", "me", "ly", "link"];

/// Legal forms that may follow a company whose brand is a domain name
/// ("Booking.com SAS"), and "France" ("Booking.com France").
const LEGAL_FORMS: [&str; 14] =
    ["sa", "sas", "sasu", "sarl", "eurl", "snc", "sci", "scop", "scic", "ei", "eirl", "gie", "selarl", "france"];

/// The words of a name, as a mail client would cut them to find links.
fn words(lower: &str) -> impl Iterator<Item = &str> {
    lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        .map(|w| w.trim_end_matches(['.', '!', '?', ':']))
        .filter(|w| !w.is_empty())
}

/// Whether a word reads as a web address: `host.tld` with a known TLD.
fn is_domain(word: &str) -> bool {
    match word.rsplit_once('.') {
        Some((host, tld)) => !host.is_empty() && TLDS.contains(&tld),
        None => false,
    }
}

/// Whether a word is an email address.
fn is_email(word: &str) -> bool {
    word.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
}

/// Whether `s` holds something a mail client would turn into a link: a
/// scheme or `www.` anywhere; in a person's name (`Person`) also any `@` and
/// any `host.tld` word. In an organisation's name (`Organisation`) an
/// email address is refused, and a `host.tld` word only stands as the brand
/// itself — the whole name, or the name followed by its legal form
/// ("Boulanger.com", "Booking.com SAS") — never inside a sentence
/// ("Cliquez sur evil.com").
fn has_link(s: &str, kind: Kind) -> bool {
    let lower = s.to_lowercase();
    if lower.contains("://") || lower.contains("www.") {
        return true;
    }
    match kind {
        Kind::Person => lower.contains('@') || words(&lower).any(is_domain),
        Kind::Organisation => {
            if words(&lower).any(is_email) {
                return true;
            }
            let mut all = words(&lower);
            let first = all.next().unwrap_or_default();
            let rest: Vec<&str> = all.collect();
            if is_domain(first) {
                !rest.iter().all(|w| LEGAL_FORMS.contains(w))
            } else {
                rest.iter().any(|w| is_domain(w))
            }
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
    if has_link(&clean, kind) {
        return Err(NameError::Link);
    }
    Ok(clean)
}

/// A person's first or last name: one line of visible text, spaces
/// collapsed, at most [`MAX_NAME`] characters, no web or email address.
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
        assert_eq!(person_name("   "), Err(NameError::Empty));
        assert_eq!(person_name(&"a".repeat(81)), Err(NameError::TooLong(80)));
        assert_eq!(person_name(&"é".repeat(80)).map(|s| s.chars().count()), Ok(80));
        assert_eq!(organisation_name(&"a".repeat(201)), Err(NameError::TooLong(200)));
        assert_eq!(optional_person_name(" "), Ok(None));
        assert_eq!(optional_person_name("a\nb"), Err(NameError::Invisible));
    }
}
