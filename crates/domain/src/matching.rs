//! How a lycée's diplomas answer jobs a company asks for: the rule shared by
//! the search and the routing. An exact job (same ROME code) counts fully; a
//! job of the same professional domain (same first three characters) counts
//! half.

use crate::Niveau;
use crate::geo::Position;

/// Strength of an exact job match.
pub const EXACT: f64 = 1.0;
/// Strength of a match in the same professional domain.
pub const SAME_DOMAIN: f64 = 0.5;

/// A ROME code as a number (`F1602` → 51602): comparing jobs and their
/// domains (`id / 100`) costs an integer comparison.
pub fn rome_id(code: &str) -> u32 {
    let b = code.as_bytes();
    if b.len() != 5 || !b[0].is_ascii_uppercase() {
        return u32::MAX;
    }
    let digits: u32 = code[1..].parse().unwrap_or(9999);
    u32::from(b[0] - b'A') * 10_000 + digits
}

/// A diploma a lycée teaches, with the jobs it leads to.
#[derive(Debug, Clone)]
pub struct Offer {
    pub cfd: String,
    pub label: String,
    pub niveau: Niveau,
    pub students: i64,
    /// ROME codes, main job first.
    pub romes: Vec<String>,
    /// The same codes as numbers ([`rome_id`]).
    pub rome_ids: Vec<u32>,
}

impl Offer {
    pub fn new(cfd: String, label: String, niveau: Niveau, students: i64, romes: Vec<String>) -> Offer {
        let rome_ids = romes.iter().map(|r| rome_id(r)).collect();
        Offer { cfd, label, niveau, students, romes, rome_ids }
    }
}

/// What the search and the routing need to know of a lycée.
#[derive(Debug, Clone)]
pub struct LyceeCard {
    pub uai: String,
    pub nom: String,
    pub kind: String,
    pub secteur: String,
    pub commune_code: String,
    pub commune_nom: String,
    pub departement: String,
    pub academie: Option<String>,
    pub position: Option<Position>,
    pub offers: Vec<Offer>,
    pub employment_rate: Option<i64>,
    pub further_study_rate: Option<i64>,
    pub value_added: Option<i64>,
}

/// A job asked for, with how surely it was understood (1.0 when named).
#[derive(Debug, Clone, PartialEq)]
pub struct WantedJob {
    pub rome: String,
    pub id: u32,
    pub weight: f64,
}

impl WantedJob {
    pub fn new(rome: &str, weight: f64) -> WantedJob {
        WantedJob { rome: rome.to_string(), id: rome_id(rome), weight }
    }
}

/// One diploma of a lycée answering one asked job. Borrows from the lycée
/// and the request: searching thousands of lycées allocates nothing.
#[derive(Debug, Clone, Copy)]
pub struct Match<'a> {
    pub offer: &'a Offer,
    /// The job the diploma leads to (the asked one when exact).
    pub rome: &'a str,
    /// The asked job it answers.
    pub wanted: &'a str,
    pub exact: bool,
    /// Weight of the asked job × match strength.
    pub strength: f64,
}

/// The best answer of one diploma to the asked jobs: an exact job if the
/// diploma leads to one, else its first job of the same domain.
fn best_for_offer<'a>(offer: &'a Offer, wanted: &'a [WantedJob]) -> Option<Match<'a>> {
    let mut best: Option<Match<'a>> = None;
    for w in wanted {
        let exact = offer.rome_ids.iter().position(|r| *r == w.id);
        let found = match exact {
            Some(i) => Some((i, true)),
            None => offer.rome_ids.iter().position(|r| *r / 100 == w.id / 100).map(|i| (i, false)),
        };
        if let Some((i, is_exact)) = found {
            let rome = &offer.romes[i];
            let strength = w.weight * if is_exact { EXACT } else { SAME_DOMAIN };
            if best.is_none_or(|b| strength > b.strength) {
                best = Some(Match { offer, rome, wanted: &w.rome, exact: is_exact, strength });
            }
        }
    }
    best
}

fn level_ok(offer: &Offer, levels: &[Niveau]) -> bool {
    levels.is_empty() || levels.contains(&offer.niveau)
}

/// Every diploma of `card` that answers one of `wanted` (restricted to
/// `levels` when given), each with its best answer, best first.
pub fn matches<'a>(card: &'a LyceeCard, wanted: &'a [WantedJob], levels: &[Niveau]) -> Vec<Match<'a>> {
    let mut out: Vec<Match<'a>> =
        card.offers.iter().filter(|o| level_ok(o, levels)).filter_map(|o| best_for_offer(o, wanted)).collect();
    out.sort_by(|a, b| {
        b.strength.total_cmp(&a.strength).then(a.offer.niveau.cmp(&b.offer.niveau)).then(a.offer.cfd.cmp(&b.offer.cfd))
    });
    out
}

/// How well a lycée answers: the strength of its best match (0 when none),
/// without listing the matches.
pub fn relevance(card: &LyceeCard, wanted: &[WantedJob], levels: &[Niveau]) -> f64 {
    card.offers
        .iter()
        .filter(|o| level_ok(o, levels))
        .filter_map(|o| best_for_offer(o, wanted))
        .map(|m| m.strength)
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(cfd: &str, niveau: Niveau, romes: &[&str]) -> Offer {
        Offer::new(cfd.into(), format!("diplôme {cfd}"), niveau, 10, romes.iter().map(|r| r.to_string()).collect())
    }

    fn card(offers: Vec<Offer>) -> LyceeCard {
        LyceeCard {
            uai: "0690043X".into(),
            nom: "Lycée".into(),
            kind: "LP".into(),
            secteur: "public".into(),
            commune_code: "69381".into(),
            commune_nom: "Lyon 1er".into(),
            departement: "69".into(),
            academie: Some("10".into()),
            position: Position::new(45.77, 4.83),
            offers,
            employment_rate: None,
            further_study_rate: None,
            value_added: None,
        }
    }

    fn want(rome: &str, weight: f64) -> WantedJob {
        WantedJob::new(rome, weight)
    }

    #[test]
    fn rome_ids_keep_the_domain() {
        assert_eq!(rome_id("F1602"), 51602);
        assert_eq!(rome_id("F1602") / 100, rome_id("F1699") / 100);
        assert_ne!(rome_id("F1602") / 100, rome_id("F1702") / 100);
        assert_eq!(rome_id("x"), u32::MAX);
    }

    #[test]
    fn exact_beats_same_domain_and_levels_filter() {
        let c = card(vec![
            offer("40025510", Niveau::BacPro, &["F1602", "H1504"]),
            offer("50025524", Niveau::Cap, &["F1605"]),
            offer("32031213", Niveau::Bts, &["D1401"]),
        ]);
        type Case<'a> = (&'a [WantedJob], &'a [Niveau], &'a [(&'a str, bool)]);
        let cases: [Case; 5] = [
            (&[want("F1602", 1.0)], &[], &[("40025510", true), ("50025524", false)]),
            (&[want("F1605", 1.0)], &[], &[("50025524", true), ("40025510", false)]),
            (&[want("F1602", 1.0)], &[Niveau::Cap], &[("50025524", false)]),
            (&[want("N1101", 1.0)], &[], &[]),
            (
                &[want("F1602", 0.6), want("D1401", 1.0)],
                &[],
                &[("32031213", true), ("40025510", true), ("50025524", false)],
            ),
        ];
        for (wanted, levels, expected) in cases {
            let got: Vec<(String, bool)> =
                matches(&c, wanted, levels).into_iter().map(|m| (m.offer.cfd.clone(), m.exact)).collect();
            let want: Vec<(String, bool)> = expected.iter().map(|(c, e)| (c.to_string(), *e)).collect();
            assert_eq!(got, want, "{wanted:?} {levels:?}");
        }
    }

    #[test]
    fn relevance_is_the_best_strength() {
        let c = card(vec![offer("40025510", Niveau::BacPro, &["F1602"])]);
        assert_eq!(relevance(&c, &[want("F1602", 0.8)], &[]), 0.8);
        assert_eq!(relevance(&c, &[want("F1603", 1.0)], &[]), 0.5);
        assert_eq!(relevance(&c, &[want("N1101", 1.0)], &[]), 0.0);
        assert_eq!(relevance(&c, &[want("F1602", 1.0)], &[Niveau::Cap]), 0.0);
    }
}
