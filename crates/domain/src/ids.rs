//! Identifiers of the French public referentials, parsed once at the edge
//! ("parse, don't validate"): a value of these types is always well formed.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Why a string is not a valid identifier; the message is French because it
/// is shown to the user as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdError(pub &'static str);

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The canonical text of the identifier.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

string_id!(
    /// UAI, the 8-character id of a school: 7 digits and a check letter
    /// (e.g. `0690043X`). Lowercase input is accepted and upper-cased.
    Uai
);
string_id!(
    /// SIRET, the 14-digit id of a company site, with its Luhn check.
    Siret
);
string_id!(
    /// ROME v4 job sheet code: a letter A–N and four digits (e.g. `F1602`).
    RomeCode
);
string_id!(
    /// INSEE commune code: 5 characters, with letters for Corsica (`2A004`).
    InseeCode
);
string_id!(
    /// CFD, the 8-character code of a diploma in the BCN (e.g. `40025510`).
    Cfd
);
string_id!(
    /// An email address as typed, trimmed; only its shape is checked.
    Email
);

/// Letters used for the UAI check character (no I, O, Q).
const UAI_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

impl FromStr for Uai {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 8 || !b[..7].iter().all(u8::is_ascii_digit) {
            return Err(IdError("un UAI s'écrit avec 7 chiffres et une lettre, par exemple 0690043X"));
        }
        let n: usize = s[..7].parse().map_err(|_| IdError("UAI invalide"))?;
        if UAI_LETTERS[n % 23] != b[7] {
            return Err(IdError("la lettre de contrôle de cet UAI ne correspond pas à ses chiffres"));
        }
        Ok(Uai(s))
    }
}

impl FromStr for Siret {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() != 14 || !compact.bytes().all(|c| c.is_ascii_digit()) {
            return Err(IdError("un SIRET comporte exactement 14 chiffres"));
        }
        if !siret_checksum_ok(&compact) {
            return Err(IdError("ce numéro SIRET n'existe pas (clé de contrôle incorrecte)"));
        }
        Ok(Siret(compact))
    }
}

impl Siret {
    /// The SIREN (company) part: the first 9 digits.
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }
}

/// Luhn check, with La Poste's documented exception (SIREN 356000000, whose
/// sites are numbered so that the digit sum is a multiple of 5).
fn siret_checksum_ok(digits: &str) -> bool {
    let d: Vec<u32> = digits.bytes().map(|c| u32::from(c - b'0')).collect();
    let la_poste = digits.starts_with("356000000") && d.iter().sum::<u32>().is_multiple_of(5);
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10) || la_poste
}

impl FromStr for RomeCode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let ok = b.len() == 5 && (b'A'..=b'N').contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit);
        if !ok {
            return Err(IdError("un code ROME s'écrit avec une lettre de A à N et 4 chiffres, par exemple F1602"));
        }
        Ok(RomeCode(s))
    }
}

impl RomeCode {
    /// The professional domain: the first three characters (`F16`). Two jobs
    /// of the same domain are close enough to count as a weaker match.
    pub fn domain(&self) -> &str {
        &self.0[..3]
    }
}

impl FromStr for InseeCode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let head_ok = b.len() == 5 && (b[..2].iter().all(u8::is_ascii_digit) || &b[..2] == b"2A" || &b[..2] == b"2B");
        if !head_ok || !b[2..].iter().all(u8::is_ascii_digit) {
            return Err(IdError("un code commune INSEE comporte 5 caractères, par exemple 69123 ou 2A004"));
        }
        Ok(InseeCode(s))
    }
}

impl InseeCode {
    /// The département code: 3 digits overseas (`974`), else 2 characters
    /// (`69`, `2A`).
    pub fn departement(&self) -> &str {
        if self.0.starts_with("97") || self.0.starts_with("98") { &self.0[..3] } else { &self.0[..2] }
    }
}

impl FromStr for Cfd {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let s = s.trim().to_ascii_uppercase();
        if s.len() != 8 || !s.bytes().all(|c| c.is_ascii_alphanumeric()) {
            return Err(IdError("un code diplôme (CFD) comporte 8 caractères"));
        }
        Ok(Cfd(s))
    }
}

impl FromStr for Email {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let bad = IdError("adresse électronique invalide : elle doit ressembler à nom@domaine.fr");
        if s.len() > 254
            || s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',' || c == ';')
        {
            return Err(bad);
        }
        let (local, host) = s.rsplit_once('@').ok_or(bad.clone())?;
        let host_ok = host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !host.contains("..")
            && host.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
        if local.is_empty() || local.len() > 64 || local.contains('@') || !host_ok {
            return Err(bad);
        }
        Ok(Email(s.to_string()))
    }
}

impl Email {
    /// The address in lowercase: two spellings of one mailbox are one
    /// company when looking for duplicates.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uai() {
        assert_eq!("0690043x".parse::<Uai>().unwrap().as_str(), "0690043X");
        assert!("0690043Y".parse::<Uai>().is_err(), "wrong check letter");
        for bad in ["", "069004X", "0690043XX", "ABCDEFGH", "0690043-"] {
            assert!(bad.parse::<Uai>().is_err(), "{bad}");
        }
        assert!("6200004K".parse::<Uai>().is_ok(), "old Corsican UAI");
    }

    #[test]
    fn siret() {
        assert!("73282932000074".parse::<Siret>().is_ok());
        assert!("732 829 320 00074".parse::<Siret>().is_ok());
        assert!("73282932000075".parse::<Siret>().is_err(), "Luhn");
        assert!("7328293200007".parse::<Siret>().is_err(), "13 digits");
        assert!("7328293200007A".parse::<Siret>().is_err());
        assert!("35600000000001".parse::<Siret>().is_ok(), "La Poste");
        assert_eq!("73282932000074".parse::<Siret>().unwrap().siren(), "732829320");
    }

    #[test]
    fn rome() {
        let r: RomeCode = "f1602".parse().unwrap();
        assert_eq!((r.as_str(), r.domain()), ("F1602", "F16"));
        for bad in ["Z1602", "F160", "F16022", "1602F"] {
            assert!(bad.parse::<RomeCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn insee() {
        for (code, dep) in [("69123", "69"), ("2a004", "2A"), ("97411", "974"), ("75105", "75")] {
            assert_eq!(code.parse::<InseeCode>().unwrap().departement(), dep);
        }
        for bad in ["6912", "2C004", "ABCDE", "691234"] {
            assert!(bad.parse::<InseeCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn email() {
        for ok in ["a@b.fr", "Jean.Dupont+rbe@ac-lyon.fr", "é@exemple.fr"] {
            assert!(ok.parse::<Email>().is_ok(), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.fr", "a@.fr", "a b@c.fr", "a@b..fr", "<a@b.fr>", "a@b.fr,c@d.fr"] {
            assert!(bad.parse::<Email>().is_err(), "{bad}");
        }
    }
}
