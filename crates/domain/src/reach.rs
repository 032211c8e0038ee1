//! Who will read what the service sends a lycée: the one rule of
//! "reachable" (PRODUCT.md, "Only reachable lycées are written to").
//!
//! A lycée is reachable when at least one person will read what we send it:
//! an active staff account for it, or a known address. Addresses come from
//! three places, in this order: the bureau contact the lycée saved on its
//! own showcase (public or not: the lycée knows best), the address a
//! coordinator or an administrator entered, then the official directory or
//! the regional file. An address whose delivery finally failed is skipped,
//! so that the next one (or nobody) is used — a dead address is nobody.
//! Emails go to the people who signed up to answer when there are some,
//! else to the best known address.
//!
//! Routing, the showcase, the coordinator's territory, the statistics and
//! the exports all ask [`Contacts`]: one rule, one answer.

use std::collections::BTreeSet;

crate::codes!(
    /// Which link of the coordination chain a request went to: the
    /// académie's coordination (its address and its coordinators), else the
    /// national administrators and contact.
    CoordinationLevel {
        Academie = "academie",
        National = "national",
    }
);

/// The coordination chain of a request's académie, each link with the
/// addresses it writes to (none dead), in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    pub academie: Vec<String>,
    pub national: Vec<String>,
}

impl Chain {
    /// The first link someone can read, from `from` on: the académie's,
    /// else the national one; `None` when the chain is empty.
    pub fn first_from(&self, from: CoordinationLevel) -> Option<(CoordinationLevel, &[String])> {
        let links = [(CoordinationLevel::Academie, &self.academie), (CoordinationLevel::National, &self.national)];
        links
            .into_iter()
            .skip_while(|(level, _)| *level != from)
            .find(|(_, to)| !to.is_empty())
            .map(|(level, to)| (level, to.as_slice()))
    }

    /// The first link someone can read.
    pub fn first(&self) -> Option<(CoordinationLevel, &[String])> {
        self.first_from(CoordinationLevel::Academie)
    }
}

/// Which link of a request's chain an email is for: stored with each email
/// of the outbox (`cible`), so that an email finally undelivered passes the
/// request to the next link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Lycee(String),
    Coordination(CoordinationLevel),
}

impl Target {
    /// The stored form: `lycee:UAI`, `coordination:academie`.
    pub fn code(&self) -> String {
        match self {
            Target::Lycee(uai) => format!("lycee:{uai}"),
            Target::Coordination(level) => format!("coordination:{}", level.code()),
        }
    }

    /// The stored form read back; `None` for anything else.
    pub fn parse(s: &str) -> Option<Target> {
        match s.split_once(':')? {
            ("lycee", uai) if !uai.is_empty() => Some(Target::Lycee(uai.to_string())),
            ("coordination", level) => level.parse().ok().map(Target::Coordination),
            _ => None,
        }
    }
}

/// Where a lycée's known address comes from, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AddressSource {
    /// The bureau contact the lycée saved on its showcase.
    Showcase,
    /// Entered by a coordinator or an administrator.
    Entered,
    /// The official directory, or the regional file.
    Directory,
}

impl AddressSource {
    /// Where the address comes from, in words (workspace pages).
    pub fn label(self) -> &'static str {
        match self {
            AddressSource::Showcase => "saisie par le lycée sur sa vitrine",
            AddressSource::Entered => "saisie par la coordination",
            AddressSource::Directory => "annuaire officiel",
        }
    }
}

/// What the service knows of the people behind one lycée.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contacts {
    /// Addresses of the active staff accounts of the lycée.
    pub officers: Vec<String>,
    /// The bureau contact saved on the showcase.
    pub showcase: Option<String>,
    /// The address a coordinator or an administrator entered.
    pub entered: Option<String>,
    /// The address of the official directory or the regional file.
    pub directory: Option<String>,
    /// Normalised addresses whose delivery finally failed.
    pub failed: BTreeSet<String>,
}

/// An address compared as mail systems do: case and surrounding spaces
/// ignored.
pub fn normalized(address: &str) -> String {
    address.trim().to_lowercase()
}

impl Contacts {
    fn usable<'a>(&self, a: Option<&'a String>) -> Option<&'a str> {
        a.map(|s| s.trim()).filter(|s| !s.is_empty() && !self.failed.contains(&normalized(s)))
    }

    /// The lycée's known address the service writes to, and where it
    /// comes from: the showcase's, else the entered one, else the
    /// directory's — skipping any that failed.
    pub fn address(&self) -> Option<(&str, AddressSource)> {
        self.usable(self.showcase.as_ref())
            .map(|a| (a, AddressSource::Showcase))
            .or_else(|| self.usable(self.entered.as_ref()).map(|a| (a, AddressSource::Entered)))
            .or_else(|| self.usable(self.directory.as_ref()).map(|a| (a, AddressSource::Directory)))
    }

    /// Everyone an email to the lycée goes to: its staff accounts (the
    /// people who signed up to answer), else its known address.
    pub fn recipients(&self) -> Vec<String> {
        let alive = |a: &&str| !a.trim().is_empty() && !self.failed.contains(&normalized(a));
        let mut wanted: Vec<&str> = self.officers.iter().map(String::as_str).filter(alive).collect();
        if wanted.is_empty() {
            wanted.extend(self.address().map(|(a, _)| a));
        }
        let mut out: Vec<String> = Vec::new();
        for a in wanted.into_iter().map(str::trim) {
            if !out.iter().any(|o| normalized(o) == normalized(a)) {
                out.push(a.to_string());
            }
        }
        out
    }

    /// Whether at least one person will read what is sent to the lycée.
    pub fn reachable(&self) -> bool {
        !self.recipients().is_empty()
    }

    /// Whether it has an active staff account (someone signed up).
    pub fn has_officer(&self) -> bool {
        !self.officers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(a: &str) -> Option<String> {
        Some(a.to_string())
    }

    #[test]
    fn targets_round_trip() {
        for t in [
            Target::Lycee("0690043X".into()),
            Target::Coordination(CoordinationLevel::Academie),
            Target::Coordination(CoordinationLevel::National),
        ] {
            assert_eq!(Target::parse(&t.code()), Some(t));
        }
        assert_eq!(Target::parse("lycee:"), None);
        assert_eq!(Target::parse("coordination:region"), None);
        assert_eq!(Target::parse("autre"), None);
    }

    #[test]
    fn the_chain_goes_on_to_the_next_link() {
        let both = Chain { academie: vec!["clee@ac.fr".into()], national: vec!["admin@gouv.fr".into()] };
        assert_eq!(both.first().map(|(l, _)| l), Some(CoordinationLevel::Academie));
        assert_eq!(
            both.first_from(CoordinationLevel::National).map(|(l, to)| (l, to.to_vec())),
            Some((CoordinationLevel::National, vec!["admin@gouv.fr".to_string()]))
        );
        let national = Chain { academie: vec![], ..both.clone() };
        assert_eq!(national.first().map(|(l, _)| l), Some(CoordinationLevel::National));
        assert_eq!(Chain::default().first(), None);
        let academie_only = Chain { national: vec![], ..both };
        assert_eq!(academie_only.first_from(CoordinationLevel::National), None);
    }

    #[test]
    fn table_of_cases() {
        let failed = |a: &str| [normalized(a)].into_iter().collect::<BTreeSet<_>>();
        let cases: Vec<(&str, Contacts, Vec<&str>, Option<AddressSource>)> = vec![
            ("nobody", Contacts::default(), vec![], None),
            (
                "directory only",
                Contacts { directory: s("ce.0150001@ac.fr"), ..Contacts::default() },
                vec!["ce.0150001@ac.fr"],
                Some(AddressSource::Directory),
            ),
            (
                "the showcase's address before the directory's",
                Contacts { showcase: s("bde@lycee.fr"), directory: s("ce@ac.fr"), ..Contacts::default() },
                vec!["bde@lycee.fr"],
                Some(AddressSource::Showcase),
            ),
            (
                "the entered address before the directory's",
                Contacts { entered: s("rbe@lycee.fr"), directory: s("ce@ac.fr"), ..Contacts::default() },
                vec!["rbe@lycee.fr"],
                Some(AddressSource::Entered),
            ),
            (
                "an account, and the address once",
                Contacts { officers: vec!["rbe@ac.fr".into()], showcase: s(" RBE@ac.fr "), ..Contacts::default() },
                vec!["rbe@ac.fr"],
                Some(AddressSource::Showcase),
            ),
            (
                "an account: the directory's address is not written to",
                Contacts { officers: vec!["rbe@ac.fr".into()], directory: s("ce@ac.fr"), ..Contacts::default() },
                vec!["rbe@ac.fr"],
                Some(AddressSource::Directory),
            ),
            (
                "an account: the address is for when nobody signed up",
                Contacts { officers: vec!["rbe@ac.fr".into()], entered: s("bde@lycee.fr"), ..Contacts::default() },
                vec!["rbe@ac.fr"],
                Some(AddressSource::Entered),
            ),
            (
                "an account with no address",
                Contacts { officers: vec!["rbe@ac.fr".into()], ..Contacts::default() },
                vec!["rbe@ac.fr"],
                None,
            ),
            (
                "a failed address is skipped for the next one",
                Contacts {
                    showcase: s("mort@lycee.fr"),
                    directory: s("ce@ac.fr"),
                    failed: failed("Mort@lycee.fr"),
                    ..Contacts::default()
                },
                vec!["ce@ac.fr"],
                Some(AddressSource::Directory),
            ),
            (
                "the account's address failed: the directory's is written to",
                Contacts {
                    officers: vec!["parti@ac.fr".into()],
                    directory: s("ce@ac.fr"),
                    failed: failed("parti@ac.fr"),
                    ..Contacts::default()
                },
                vec!["ce@ac.fr"],
                Some(AddressSource::Directory),
            ),
            (
                "a failed address alone is nobody",
                Contacts { directory: s("mort@ac.fr"), failed: failed("mort@ac.fr"), ..Contacts::default() },
                vec![],
                None,
            ),
            ("a blank address is none", Contacts { showcase: s("  "), ..Contacts::default() }, vec![], None),
        ];
        for (name, c, recipients, source) in cases {
            assert_eq!(c.recipients(), recipients, "{name}");
            assert_eq!(c.reachable(), !recipients.is_empty(), "{name}");
            assert_eq!(c.address().map(|(_, s)| s), source, "{name}");
        }
    }
}
