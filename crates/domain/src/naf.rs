//! NAF codes (INSEE's nomenclature of activities): NAF rév. 2 (2008), which
//! our sector → jobs table speaks, and NAF 2025, which Sirene gives every
//! company from January 2027. Both write a sub-class the same way
//! ("43.21A", "70.20Y"): only the source says which one a code is from.

/// Which NAF a company's code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nomenclature {
    Rev2,
    Naf2025,
}

impl Nomenclature {
    /// From Sirene's `nomenclature_activite_principale` ("NAFRev2",
    /// "NAFRev1", …; NAF 2025's spelling is not known here: anything
    /// naming 2025 is taken for it).
    pub fn from_sirene(value: &str) -> Option<Nomenclature> {
        let v = value.to_ascii_uppercase();
        if v.contains("2025") || v.contains("NAF25") {
            Some(Nomenclature::Naf2025)
        } else if v.contains("REV2") {
            Some(Nomenclature::Rev2)
        } else {
            None
        }
    }

    /// "NAF rév. 2", "NAF 2025".
    pub fn label(self) -> &'static str {
        match self {
            Nomenclature::Rev2 => "NAF rév. 2",
            Nomenclature::Naf2025 => "NAF 2025",
        }
    }
}

/// Whether a code reads like a sub-class, "01.11Z".
pub fn is_subclass(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 6
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2] == b'.'
        && b[3..5].iter().all(u8::is_ascii_digit)
        && b[5].is_ascii_uppercase()
}

/// The division (two digits) of a NAF rév. 2 code of any level ("43.21A",
/// "4321A", "43"); `None` for anything else.
pub fn division(code: &str) -> Option<String> {
    let digits: String = code.trim().chars().take_while(char::is_ascii_digit).collect();
    (digits.len() >= 2).then(|| digits[..2].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_and_nomenclatures() {
        assert!(is_subclass("43.21A") && is_subclass("70.20Y"));
        assert!(!is_subclass("43.21") && !is_subclass("4321A") && !is_subclass("43.21a"));
        assert_eq!(division("43.21A").as_deref(), Some("43"));
        assert_eq!(division("4321A").as_deref(), Some("43"));
        assert_eq!(division("A"), None);
        assert_eq!(Nomenclature::from_sirene("NAFRev2"), Some(Nomenclature::Rev2));
        assert_eq!(Nomenclature::from_sirene("NAF2025"), Some(Nomenclature::Naf2025));
        assert_eq!(Nomenclature::from_sirene("NAFRev1"), None);
    }
}
