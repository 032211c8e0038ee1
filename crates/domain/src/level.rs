//! Diploma levels as a company understands them.

use serde::Serialize;

/// The level groups shown to companies and used as a search and routing
/// filter (`niveau.code` of the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Niveau {
    Cap,
    BacPro,
    Bts,
    /// Mention complémentaire and certificat de spécialisation.
    Mc,
    Autre,
}

impl Niveau {
    /// Every level, in the order pages show them.
    pub const ALL: [Niveau; 5] = [Niveau::Cap, Niveau::BacPro, Niveau::Bts, Niveau::Mc, Niveau::Autre];

    /// From the first three characters of the BCN `NIVEAU_FORMATION_DIPLOME`
    /// (500 CAP, 400 Bac pro, 320 BTS, 010 MC/CS…).
    pub fn from_bcn(code: &str) -> Niveau {
        match code.get(..3).unwrap_or("") {
            "500" | "501" | "503" => Niveau::Cap,
            "400" | "403" => Niveau::BacPro,
            "320" | "321" | "322" | "323" => Niveau::Bts,
            "010" | "401" | "460" | "560" => Niveau::Mc,
            _ => Niveau::Autre,
        }
    }

    /// The stable code of the API.
    pub fn code(self) -> &'static str {
        match self {
            Niveau::Cap => "cap",
            Niveau::BacPro => "bac_pro",
            Niveau::Bts => "bts",
            Niveau::Mc => "mc",
            Niveau::Autre => "autre",
        }
    }

    /// The short French label.
    pub fn label(self) -> &'static str {
        match self {
            Niveau::Cap => "CAP",
            Niveau::BacPro => "Bac pro",
            Niveau::Bts => "BTS",
            Niveau::Mc => "MC / CS",
            Niveau::Autre => "Autres formations",
        }
    }

    /// A sentence for companies about what this level means.
    pub fn explanation(self) -> &'static str {
        match self {
            Niveau::Cap => "Certificat d'aptitude professionnelle, en 2 ans après la 3e : un premier métier.",
            Niveau::BacPro => "Baccalauréat professionnel, en 3 ans : un technicien opérationnel.",
            Niveau::Bts => "Brevet de technicien supérieur, 2 ans après le bac : un technicien supérieur.",
            Niveau::Mc => "Mention complémentaire ou certificat de spécialisation : un an pour se spécialiser.",
            Niveau::Autre => "Autres formations du lycée.",
        }
    }

    /// Parses an API code.
    pub fn from_code(code: &str) -> Option<Niveau> {
        Niveau::ALL.into_iter().find(|n| n.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_bcn_levels() {
        let cases = [
            ("50025524", Niveau::Cap),
            ("400", Niveau::BacPro),
            ("32031", Niveau::Bts),
            ("010", Niveau::Mc),
            ("241", Niveau::Autre),
            ("", Niveau::Autre),
        ];
        for (code, want) in cases {
            assert_eq!(Niveau::from_bcn(code), want, "{code}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for n in Niveau::ALL {
            assert_eq!(Niveau::from_code(n.code()), Some(n));
        }
        assert_eq!(Niveau::from_code("licence"), None);
    }
}
