//! Coverage gaps of a territory: where companies asked for something that
//! no lycée nearby can answer. For each kind of action and each professional
//! domain asked (the first three characters of a ROME code), the communes
//! whose requests have no lycée within reach that accepts that action and
//! teaches a job of that domain. It tells a coordinator where to act (a new
//! course, a lycée to convince, a neighbouring académie to involve).

use crate::ActionType;
use crate::geo::Position;
use crate::matching::LyceeCard;
use std::collections::BTreeMap;

/// How far a lycée counts as within reach of a company (km).
pub const REACH_KM: f64 = 30.0;

/// Requests of the territory alike for coverage (same commune, action and
/// jobs), as coverage needs them: the store reads them grouped, so that a
/// territory's whole history counts, not only the requests listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub commune_code: String,
    pub commune_nom: String,
    pub position: Option<Position>,
    pub action: ActionType,
    /// ROME codes asked (none for actions without jobs).
    pub romes: Vec<String>,
    /// How many requests asked it.
    pub requests: usize,
}

/// A gap: requests of `action` in `domain` from `commune` that no lycée
/// within reach can answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gap {
    pub action: ActionType,
    /// The professional domain ("F16"), or `None` for actions without jobs.
    pub domain: Option<String>,
    pub commune_code: String,
    pub commune_nom: String,
    /// How many requests fell into it.
    pub requests: usize,
}

/// The professional domain of a ROME code ("F1602" → "F16").
pub fn domain_of(rome: &str) -> Option<&str> {
    rome.get(0..3)
}

/// Whether `lycee` can answer `action` in `domain` (any job of the domain;
/// any lycée accepting the action when there is no domain).
fn answers(
    lycee: &LyceeCard,
    domain: Option<&str>,
    action: ActionType,
    accepts: &dyn Fn(&str, ActionType) -> bool,
) -> bool {
    accepts(&lycee.uai, action)
        && match domain {
            None => true,
            Some(d) => lycee.offers.iter().any(|o| o.romes.iter().any(|r| domain_of(r) == Some(d))),
        }
}

/// The gaps of a territory's requests: every (action, domain, commune)
/// asked where no lycée of `lycees` within [`REACH_KM`] accepts the action
/// (`accepts`) and teaches a job of the domain. Requests without a known
/// position are left out (nothing can be said of them). Sorted by action,
/// domain, then most requests first.
pub fn gaps(asked: &[Asked], lycees: &[LyceeCard], accepts: &dyn Fn(&str, ActionType) -> bool) -> Vec<Gap> {
    // (action, domain, commune) → (commune's name, position, requests).
    type Key = (ActionType, Option<String>, String);
    let mut groups: BTreeMap<Key, (String, Position, usize)> = BTreeMap::new();
    for a in asked {
        let Some(position) = a.position else { continue };
        let mut domains: Vec<Option<String>> =
            a.romes.iter().filter_map(|r| domain_of(r)).map(|d| Some(d.to_string())).collect();
        domains.sort();
        domains.dedup();
        if domains.is_empty() {
            domains.push(None);
        }
        for domain in domains {
            groups
                .entry((a.action, domain, a.commune_code.clone()))
                .or_insert((a.commune_nom.clone(), position, 0))
                .2 += a.requests;
        }
    }
    let mut out: Vec<Gap> = groups
        .into_iter()
        .filter(|((action, domain, _), (_, position, _))| {
            // The box first: thousands of groups × the national catalogue.
            let (la0, la1, lo0, lo1) = position.bounding_box(REACH_KM);
            !lycees.iter().any(|l| {
                l.position.is_some_and(|p| {
                    p.lat >= la0 && p.lat <= la1 && p.lon >= lo0 && p.lon <= lo1 && p.distance_km(position) <= REACH_KM
                }) && answers(l, domain.as_deref(), *action, accepts)
            })
        })
        .map(|((action, domain, commune_code), (commune_nom, _, requests))| Gap {
            action,
            domain,
            commune_code,
            commune_nom,
            requests,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.action, &a.domain)
            .cmp(&(b.action, &b.domain))
            .then(b.requests.cmp(&a.requests))
            .then(a.commune_nom.cmp(&b.commune_nom))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Niveau;
    use crate::matching::Offer;

    fn lycee(uai: &str, lat: f64, lon: f64, romes: &[&str]) -> LyceeCard {
        LyceeCard {
            uai: uai.into(),
            nom: uai.into(),
            kind: "LP".into(),
            secteur: "public".into(),
            commune_code: "00000".into(),
            commune_nom: "X".into(),
            departement: "69".into(),
            academie: Some("10".into()),
            position: Some(Position { lat, lon }),
            offers: vec![Offer::new(
                "1".into(),
                "Bac pro".into(),
                Niveau::BacPro,
                10,
                romes.iter().map(|r| r.to_string()).collect(),
            )],
            employment_rate: None,
            further_study_rate: None,
            value_added: None,
        }
    }

    fn asked(commune: &str, lat: f64, lon: f64, action: ActionType, romes: &[&str]) -> Asked {
        Asked {
            commune_code: commune.into(),
            commune_nom: commune.into(),
            position: Some(Position { lat, lon }),
            action,
            romes: romes.iter().map(|r| r.to_string()).collect(),
            requests: 1,
        }
    }

    #[test]
    fn hand_made_cases() {
        // Lyon (45.76, 4.83): an electricians' lycée; Aurillac (44.93, 2.44)
        // is 200 km away: nobody there.
        let lycees = [lycee("ELEC", 45.76, 4.84, &["F1602"]), lycee("VENTE", 45.77, 4.85, &["D1211"])];
        let all = |_: &str, _: ActionType| true;
        type Expected<'a> = Vec<(ActionType, Option<&'a str>, &'a str, usize)>;
        let cases: Vec<(Vec<Asked>, Expected)> = vec![
            // Electricity in Lyon: answered (same job), nothing missing.
            (vec![asked("Lyon", 45.76, 4.83, ActionType::Pfmp, &["F1602"])], vec![]),
            // Another job of the same domain in Lyon: answered.
            (vec![asked("Lyon", 45.76, 4.83, ActionType::Pfmp, &["F1603"])], vec![]),
            // Bakery (D11) in Lyon: nobody teaches it within 30 km.
            (
                vec![
                    asked("Lyon", 45.76, 4.83, ActionType::Apprentissage, &["D1102"]),
                    asked("Lyon", 45.76, 4.83, ActionType::Apprentissage, &["D1104"]),
                ],
                vec![(ActionType::Apprentissage, Some("D11"), "Lyon", 2)],
            ),
            // Electricity in Aurillac: too far from Lyon's lycée.
            (
                vec![asked("Aurillac", 44.93, 2.44, ActionType::Pfmp, &["F1602"])],
                vec![(ActionType::Pfmp, Some("F16"), "Aurillac", 1)],
            ),
            // Requests read grouped count as many.
            (
                vec![Asked { requests: 7, ..asked("Aurillac", 44.93, 2.44, ActionType::Pfmp, &["F1602"]) }],
                vec![(ActionType::Pfmp, Some("F16"), "Aurillac", 7)],
            ),
            // Support without jobs: any lycée within reach answers.
            (vec![asked("Lyon", 45.76, 4.83, ActionType::Soutien, &[])], vec![]),
            (
                vec![asked("Aurillac", 44.93, 2.44, ActionType::Soutien, &[])],
                vec![(ActionType::Soutien, None, "Aurillac", 1)],
            ),
            // Two domains in one request: each is judged on its own.
            (
                vec![asked("Lyon", 45.76, 4.83, ActionType::Pfmp, &["F1602", "D1102"])],
                vec![(ActionType::Pfmp, Some("D11"), "Lyon", 1)],
            ),
            // A request without position says nothing.
            (vec![Asked { position: None, ..asked("Nulle-part", 0.0, 0.0, ActionType::Pfmp, &["D1102"]) }], vec![]),
        ];
        for (requests, expected) in cases {
            let got: Vec<(ActionType, Option<String>, String, usize)> = gaps(&requests, &lycees, &all)
                .into_iter()
                .map(|g| (g.action, g.domain, g.commune_nom, g.requests))
                .collect();
            let expected: Vec<(ActionType, Option<String>, String, usize)> =
                expected.into_iter().map(|(a, d, c, n)| (a, d.map(str::to_string), c.to_string(), n)).collect();
            assert_eq!(got, expected, "{requests:?}");
        }
        // A lycée that does not accept the action does not count.
        let no_pfmp = |_: &str, a: ActionType| a != ActionType::Pfmp;
        let g = gaps(&[asked("Lyon", 45.76, 4.83, ActionType::Pfmp, &["F1602"])], &lycees, &no_pfmp);
        assert_eq!(g.len(), 1);
    }
}
