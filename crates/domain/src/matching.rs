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

/// A diploma a lycée teaches, with the jobs it leads to.
#[derive(Debug, Clone)]
pub struct Offer {
    pub cfd: String,
    pub label: String,
    pub niveau: Niveau,
    pub students: i64,
    /// ROME codes, main job first.
    pub romes: Vec<String>,
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
    pub weight: f64,
}

/// One diploma of a lycée answering one asked job.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub cfd: String,
    pub diploma: String,
    pub niveau: Niveau,
    /// The job the diploma leads to (the asked one when exact).
    pub rome: String,
    /// The asked job it answers.
    pub wanted: String,
    pub exact: bool,
    /// Weight of the asked job × match strength.
    pub strength: f64,
}

/// Every diploma of `card` that answers one of `wanted`, restricted to
/// `levels` when given: for each diploma and asked job, the exact job if the
/// diploma leads to it, else its first job of the same domain. Best first.
pub fn matches(card: &LyceeCard, wanted: &[WantedJob], levels: &[Niveau]) -> Vec<Match> {
    let mut out = Vec::new();
    for offer in card.offers.iter().filter(|o| levels.is_empty() || levels.contains(&o.niveau)) {
        for w in wanted {
            let exact = offer.romes.iter().find(|r| **r == w.rome);
            let domain = || offer.romes.iter().find(|r| r.get(..3) == w.rome.get(..3));
            let (rome, is_exact) = match (exact, exact.is_none().then(domain).flatten()) {
                (Some(r), _) => (r, true),
                (None, Some(r)) => (r, false),
                (None, None) => continue,
            };
            let strength = w.weight * if is_exact { EXACT } else { SAME_DOMAIN };
            out.push(Match {
                cfd: offer.cfd.clone(),
                diploma: offer.label.clone(),
                niveau: offer.niveau,
                rome: rome.clone(),
                wanted: w.rome.clone(),
                exact: is_exact,
                strength,
            });
        }
    }
    out.sort_by(|a, b| b.strength.total_cmp(&a.strength).then(a.niveau.cmp(&b.niveau)).then(a.cfd.cmp(&b.cfd)));
    // One line per diploma: its best answer.
    let mut seen: Vec<&str> = Vec::new();
    let mut dedup = Vec::new();
    for m in &out {
        if !seen.contains(&m.cfd.as_str()) {
            seen.push(&m.cfd);
            dedup.push(m.clone());
        }
    }
    dedup
}

/// How well a lycée answers: its best match (0 when none).
pub fn relevance(matches: &[Match]) -> f64 {
    matches.iter().map(|m| m.strength).fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(cfd: &str, niveau: Niveau, romes: &[&str]) -> Offer {
        Offer {
            cfd: cfd.into(),
            label: format!("diplôme {cfd}"),
            niveau,
            students: 10,
            romes: romes.iter().map(|r| r.to_string()).collect(),
        }
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
        WantedJob { rome: rome.into(), weight }
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
            let got: Vec<(String, bool)> = matches(&c, wanted, levels).into_iter().map(|m| (m.cfd, m.exact)).collect();
            let want: Vec<(String, bool)> = expected.iter().map(|(c, e)| (c.to_string(), *e)).collect();
            assert_eq!(got, want, "{wanted:?} {levels:?}");
        }
    }

    #[test]
    fn relevance_is_the_best_strength() {
        let c = card(vec![offer("40025510", Niveau::BacPro, &["F1602"])]);
        assert_eq!(relevance(&matches(&c, &[want("F1602", 0.8)], &[])), 0.8);
        assert_eq!(relevance(&matches(&c, &[want("F1603", 1.0)], &[])), 0.5);
        assert_eq!(relevance(&[]), 0.0);
    }
}
