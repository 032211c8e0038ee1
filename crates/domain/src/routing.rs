//! Routing (aiguillage): which lycées receive a company's request, in which
//! role, and why. Plain functions over plain data — no I/O — so every rule
//! is a table-tested, explainable decision.
//!
//! The principles (PRODUCT.md): candidates within the radius teaching a
//! diploma that leads to the jobs asked (an exact job above a related one),
//! accepting the action, not paused, not over capacity; ranked by match
//! strength, distance, track record and a fair share of new requests; one
//! pilot and up to two supports; the radius widened step by step up to
//! 100 km when nothing fits; the académie's coordinator when still nothing
//! fits, and always for a training-offer request.
//!
//! **The right trade before the nearest lycée**: a lycée that only matches
//! through a related job never leads when one teaching the exact job exists
//! within 100 km. The radius widens to reach it (unless the company chose to
//! keep its radius), the company is told how far the trade is taught, and
//! nearer lycées with a related diploma may stay as supports, labelled
//! "métier proche".

use crate::action::ActionType;
use crate::geo::Position;
use crate::level::Niveau;
use crate::matching::{Asked, Kinship, LyceeCard, Match, WantedJob};
use std::collections::HashMap;

/// Radii tried in turn when nothing fits the company's own radius (km).
pub const WIDENING_STEPS: [f64; 4] = [30.0, 50.0, 75.0, 100.0];
/// At most this many supports besides the pilot.
pub const MAX_SUPPORTS: usize = 2;
/// Candidates kept in reserve, to replace a lycée that declines or does not
/// answer.
pub const MAX_RESERVES: usize = 6;

/// What a lycée accepts (stated by its business officer; all by default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Availability {
    /// `None`: every action.
    pub accepts: Option<Vec<ActionType>>,
    pub paused: bool,
    /// Requests it can still take this period; `None`: no stated limit.
    pub capacity_left: Option<u32>,
}

impl Availability {
    /// Whether the lycée takes a new request of `action` now.
    pub fn allows(&self, action: ActionType) -> bool {
        !self.paused && self.capacity_left != Some(0) && self.accepts.as_ref().is_none_or(|a| a.contains(&action))
    }
}

/// How a lycée has answered the requests it received.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrackRecord {
    /// Requests it received as pilot or support.
    pub received: u32,
    /// Of which it took in charge.
    pub taken: u32,
    /// Requests received in the last 30 days (fair share).
    pub recent: u32,
}

impl TrackRecord {
    /// Share of requests taken; a lycée with fewer than 3 requests is given
    /// a neutral 0.6 rather than judged on too little.
    pub fn reliability(&self) -> f64 {
        if self.received < 3 { 0.6 } else { f64::from(self.taken) / f64::from(self.received) }
    }
}

/// A request as the router sees it.
#[derive(Debug, Clone)]
pub struct RoutingRequest<'a> {
    pub action: ActionType,
    pub wanted: &'a [WantedJob],
    pub levels: &'a [Niveau],
    pub center: Position,
    pub radius_km: f64,
    /// The lycée whose page the company came from: pilot when it fits.
    pub origin: Option<&'a str>,
    /// Lycées not to route to (already involved, or declined).
    pub excluded: &'a [String],
    /// ROME labels, for the reasons.
    pub rome_labels: &'a HashMap<String, String>,
    /// Which jobs are related (the "métier proche" of the reasons).
    pub kinship: &'a Kinship,
    /// The company chose to keep its radius rather than widen it to reach
    /// a lycée teaching the exact job (lycées with related diplomas within
    /// the radius then answer). The radius still widens when nothing at all
    /// fits in it.
    pub keep_radius: bool,
}

/// What the router needs to know of one lycée besides the catalogue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LyceeStatus {
    pub availability: Availability,
    pub record: TrackRecord,
    /// Someone will read what is sent to it ([`crate::reach::Contacts`]).
    /// By default a lycée is not: nobody known is nobody.
    pub reachable: bool,
}

/// At most this many unreachable lycées are named to the coordination
/// for one request.
pub const MAX_TO_CONTACT: usize = 3;

/// A lycée chosen, with its rank and reasons in words.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub lycee: &'a LyceeCard,
    /// Someone will read what is sent to it.
    pub reachable: bool,
    pub distance_km: f64,
    /// Best match strength (1 exact, 0.5 related), 1 without jobs.
    pub relevance: f64,
    /// Whether it teaches one of the asked jobs itself (always, for a
    /// request without jobs).
    pub exact: bool,
    pub score: f64,
    pub reasons: Vec<String>,
}

crate::codes!(
    /// Why the territorial coordinator is involved in a request.
    CoordinationReason {
        /// A training-offer request always concerns the académie.
        TrainingOffer = "formation",
        /// No lycée fits, even within 100 km (or none is left).
        NoLyceeFits = "aucun_lycee",
        /// Lycées fit, but nobody can be written to in any of them: the
        /// coordination has the request at once, and calls them.
        NoReachableLycee = "aucun_lycee_joignable",
        /// Reachable lycées have the request, but a lycée that fits better
        /// (or the one the company chose) cannot be written to: the
        /// coordination is asked to call it.
        ToContact = "lycee_a_contacter",
        /// Nobody at all could be written to (no lycée, no coordination,
        /// no national contact): the request is kept, the company told.
        NoContact = "aucun_contact",
    }
);

impl CoordinationReason {
    /// Whether the request went to no lycée at all (only the coordination,
    /// or nobody).
    pub fn without_lycee(self) -> bool {
        matches!(
            self,
            CoordinationReason::NoLyceeFits | CoordinationReason::NoReachableLycee | CoordinationReason::NoContact
        )
    }
}

/// The nearest lycée teaching an asked job exactly, when none does within
/// the company's radius: what the company is told.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeBeyond {
    /// The asked job (ROME code) it teaches.
    pub rome: String,
    pub uai: String,
    pub commune: String,
    pub distance_km: f64,
    /// Whether the radius was widened to reach it (false: the company kept
    /// its radius).
    pub reached: bool,
}

/// The routing of one request.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    pub pilot: Option<Candidate<'a>>,
    pub supports: Vec<Candidate<'a>>,
    pub reserves: Vec<Candidate<'a>>,
    /// Lycées nobody can write to that fit better than those chosen (or
    /// fit when none reachable does), best first: named to the
    /// coordination, to call.
    pub to_contact: Vec<Candidate<'a>>,
    /// The radius the lycées were found in.
    pub radius_km: f64,
    /// Whether it had to be widened beyond the company's radius.
    pub widened: bool,
    /// No lycée within the company's radius teaches the job, one farther
    /// does (see [`TradeBeyond`]).
    pub trade_beyond: Option<TradeBeyond>,
    /// No lycée within the widest radius teaches the job at the levels the
    /// company chose, the nearest one teaching it at another level
    /// (`reached` is false: the levels are the company's to change). A
    /// baker's request with CAP ticked must say so, not silently become a
    /// cook's.
    pub trade_other_levels: Option<TradeBeyond>,
    pub coordination: Option<CoordinationReason>,
}

/// "1,3 km".
pub fn km_label(d: f64) -> String {
    format!("{:.1} km", d).replace('.', ",")
}

/// A distance in a sentence: "30 km" for a round radius, "71,7 km"
/// otherwise, with a non-breaking space so that the unit never starts a
/// line.
pub fn km_words(d: f64) -> String {
    if (d - d.round()).abs() < 0.05 {
        format!("{:.0}\u{a0}km", d)
    } else {
        format!("{:.1}\u{a0}km", d).replace('.', ",")
    }
}

fn reasons_for(
    req: &RoutingRequest<'_>,
    best: Option<&Match<'_>>,
    distance: f64,
    record: &TrackRecord,
    origin: bool,
) -> Vec<String> {
    let mut reasons = Vec::new();
    if origin {
        reasons.push("Demande faite depuis la page de ce lycée".to_string());
    }
    if let Some(m) = best {
        let label = req.rome_labels.get(m.rome).map_or(m.rome, String::as_str);
        if m.exact {
            reasons.push(format!("{} → {}", m.offer.label, label));
        } else {
            reasons.push(format!("{} → {} (métier proche)", m.offer.label, label));
        }
    }
    reasons.push(km_label(distance));
    // Said when it speaks for the lycée; a poor record only weighs in the
    // ranking.
    if record.received >= 3 && record.taken * 2 >= record.received {
        reasons.push(format!("A pris en charge {} demande(s) sur {}", record.taken, record.received));
    }
    reasons
}

/// The lycées fitting `req` within `radius`, best first.
fn candidates<'a, 'r>(
    req: &RoutingRequest<'r>,
    asked: &Asked<'r>,
    lycees: &'a [LyceeCard],
    radius: f64,
    status: &dyn Fn(&str) -> LyceeStatus,
) -> Vec<Candidate<'a>> {
    let (la0, la1, lo0, lo1) = req.center.bounding_box(radius);
    let with_jobs = !req.wanted.is_empty();
    let mut out = Vec::new();
    for card in lycees {
        let Some(p) = card.position else { continue };
        if p.lat < la0 || p.lat > la1 || p.lon < lo0 || p.lon > lo1 {
            continue;
        }
        let distance = req.center.distance_km(&p);
        if distance > radius || req.excluded.contains(&card.uai) {
            continue;
        }
        let LyceeStatus { availability, record, reachable } = status(&card.uai);
        if !availability.allows(req.action) {
            continue;
        }
        let found = if with_jobs { asked.matches(card, req.levels) } else { Vec::new() };
        let (relevance, exact) = if with_jobs {
            match found.first() {
                Some(m) => (m.strength, found.iter().any(|m| m.exact)),
                None => continue,
            }
        } else {
            if !req.levels.is_empty() && !card.offers.iter().any(|o| req.levels.contains(&o.niveau)) {
                continue;
            }
            (1.0, true)
        };
        let proximity = 1.0 - distance / radius.max(1.0);
        let fair_share = f64::from(record.recent.min(20)) * 0.01;
        let score = 0.55 * relevance + 0.25 * proximity + 0.20 * record.reliability() - fair_share;
        let origin = req.origin == Some(card.uai.as_str());
        out.push(Candidate {
            lycee: card,
            reachable,
            distance_km: distance,
            relevance,
            exact,
            score,
            reasons: reasons_for(req, found.first(), distance, &record, origin),
        });
    }
    // Lycées teaching the job itself first, whatever the distance.
    out.sort_by(|a, b| b.exact.cmp(&a.exact).then(b.score.total_cmp(&a.score)).then(a.lycee.uai.cmp(&b.lycee.uai)));
    // The lycée the company came from leads when it fits, unless it only
    // teaches a related job and another teaches the job itself: it then
    // comes right after.
    if let Some(origin) = req.origin
        && let Some(i) = out.iter().position(|c| c.lycee.uai == origin)
    {
        let c = out.remove(i);
        let at = usize::from(!c.exact && out.first().is_some_and(|f| f.exact));
        out.insert(at, c);
    }
    out
}

/// The nearest lycée teaching an asked job itself among `found`.
fn nearest_exact(found: &[Candidate<'_>], req: &RoutingRequest<'_>, reached: bool) -> Option<TradeBeyond> {
    let c = found.iter().filter(|c| c.exact).min_by(|a, b| a.distance_km.total_cmp(&b.distance_km))?;
    let rome = req.wanted.iter().find(|w| c.lycee.offers.iter().any(|o| o.rome_ids.contains(&w.id)))?;
    Some(TradeBeyond {
        rome: rome.rome.clone(),
        uai: c.lycee.uai.clone(),
        commune: c.lycee.commune_nom.clone(),
        distance_km: c.distance_km,
        reached,
    })
}

/// Routes a request over the national catalogue. `status` gives each
/// lycée's availability, track record and whether it can be reached.
///
/// The radius is decided on what fits (the widening rules do not depend on
/// who has signed up); then only reachable lycées are written to: the best
/// reachable one leads, and the unreachable ones ranked before it are named
/// to the coordination ([`Decision::to_contact`]). When none reachable
/// fits, the coordination has the request at once.
pub fn route<'a>(
    req: &RoutingRequest<'_>,
    lycees: &'a [LyceeCard],
    status: &dyn Fn(&str) -> LyceeStatus,
) -> Decision<'a> {
    let asked = Asked::new(req.wanted, req.kinship);
    let mut radius = req.radius_km;
    let mut found = candidates(req, &asked, lycees, radius, status);
    let mut widened = false;
    // Nothing fits: the radius widens until something does.
    for step in WIDENING_STEPS {
        if !found.is_empty() {
            break;
        }
        if step > radius {
            radius = step;
            widened = true;
            found = candidates(req, &asked, lycees, radius, status);
        }
    }
    // Lycées fit, but none teaches the job itself: the trade is looked for
    // up to 100 km, and reached unless the company keeps its radius.
    let mut trade_beyond = None;
    if !req.wanted.is_empty() && !found.is_empty() && !found.iter().any(|c| c.exact) {
        for step in WIDENING_STEPS.into_iter().filter(|s| *s > radius) {
            let wider = candidates(req, &asked, lycees, step, status);
            if wider.iter().any(|c| c.exact) {
                trade_beyond = nearest_exact(&wider, req, !req.keep_radius);
                if !req.keep_radius {
                    found = wider;
                    radius = step;
                    widened = true;
                }
                break;
            }
        }
    }
    // Still no lycée teaching the job itself, at the levels asked: where it
    // is taught at another level, for the company to know.
    let mut trade_other_levels = None;
    if trade_beyond.is_none() && !req.levels.is_empty() && !req.wanted.is_empty() && !found.iter().any(|c| c.exact) {
        let any_level = RoutingRequest { levels: &[], ..req.clone() };
        let widest_km = WIDENING_STEPS[WIDENING_STEPS.len() - 1].max(req.radius_km);
        let widest = candidates(&any_level, &asked, lycees, widest_km, status);
        trade_other_levels = nearest_exact(&widest, req, false);
    }
    let fitting = !found.is_empty();
    // The unreachable lycées ranked before the first reachable one.
    let first_reachable = found.iter().position(|c| c.reachable).unwrap_or(found.len());
    let mut to_contact = Vec::new();
    let mut reachable = Vec::new();
    for (i, c) in found.into_iter().enumerate() {
        if c.reachable {
            reachable.push(c);
        } else if i < first_reachable && to_contact.len() < MAX_TO_CONTACT {
            to_contact.push(c);
        }
    }
    let mut rest = reachable.into_iter();
    let pilot = rest.next();
    let supports: Vec<Candidate<'a>> = rest.by_ref().take(MAX_SUPPORTS).collect();
    let reserves: Vec<Candidate<'a>> = rest.take(MAX_RESERVES).collect();
    let coordination = if req.action == ActionType::Formation {
        Some(CoordinationReason::TrainingOffer)
    } else if pilot.is_none() && fitting {
        Some(CoordinationReason::NoReachableLycee)
    } else if pilot.is_none() {
        Some(CoordinationReason::NoLyceeFits)
    } else if !to_contact.is_empty() {
        Some(CoordinationReason::ToContact)
    } else {
        None
    };
    Decision {
        pilot,
        supports,
        reserves,
        to_contact,
        radius_km: radius,
        widened: widened && radius > req.radius_km,
        trade_beyond,
        trade_other_levels,
        coordination,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::Offer;

    fn lycee(uai: &str, lat: f64, lon: f64, offers: &[(&str, Niveau, &[&str])]) -> LyceeCard {
        LyceeCard {
            uai: uai.into(),
            nom: format!("Lycée {uai}"),
            kind: "LP".into(),
            secteur: "public".into(),
            commune_code: "69381".into(),
            commune_nom: "Lyon".into(),
            departement: "69".into(),
            academie: Some("10".into()),
            position: Position::new(lat, lon),
            offers: offers
                .iter()
                .map(|(cfd, n, romes)| {
                    Offer::new(
                        cfd.to_string(),
                        format!("Diplôme {cfd}"),
                        *n,
                        24,
                        romes.iter().map(|r| r.to_string()).collect(),
                    )
                })
                .collect(),
            employment_rate: None,
            further_study_rate: None,
            value_added: None,
        }
    }

    /// Lyon's centre and lycées at known distances along a meridian
    /// (0.009° of latitude ≈ 1 km).
    fn catalogue() -> Vec<LyceeCard> {
        let c = (45.76, 4.83);
        let at = |km: f64| (c.0 + km * 0.008_993, c.1);
        vec![
            lycee("A", at(2.0).0, at(2.0).1, &[("melec", Niveau::BacPro, &["F1602"])]),
            lycee(
                "B",
                at(5.0).0,
                at(5.0).1,
                &[("melec", Niveau::BacPro, &["F1602"]), ("cap", Niveau::Cap, &["F1602"])],
            ),
            lycee("C", at(1.0).0, at(1.0).1, &[("reseaux", Niveau::Cap, &["F1605"])]),
            lycee("D", at(8.0).0, at(8.0).1, &[("melec", Niveau::BacPro, &["F1602"])]),
            lycee("E", at(45.0).0, at(45.0).1, &[("chaudro", Niveau::BacPro, &["H2902"])]),
            lycee("F", at(3.0).0, at(3.0).1, &[("cuisine", Niveau::Cap, &["G1602"])]),
        ]
    }

    fn labels() -> HashMap<String, String> {
        [("F1602", "Électricien / Électricienne du bâtiment"), ("F1605", "Électricien / Électricienne réseaux")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn request<'a>(
        action: ActionType,
        wanted: &'a [WantedJob],
        radius: f64,
        labels: &'a HashMap<String, String>,
    ) -> RoutingRequest<'a> {
        RoutingRequest {
            action,
            wanted,
            levels: &[],
            center: Position::new(45.76, 4.83).expect("centre"),
            radius_km: radius,
            origin: None,
            excluded: &[],
            rome_labels: labels,
            kinship: kinship(),
            keep_radius: false,
        }
    }

    /// Electricians of buildings and of networks are related jobs.
    fn kinship() -> &'static Kinship {
        static KIN: std::sync::OnceLock<Kinship> = std::sync::OnceLock::new();
        KIN.get_or_init(|| Kinship::from_pairs(&[("F1602", "F1605")]))
    }

    fn everyone_available(_: &str) -> LyceeStatus {
        LyceeStatus { reachable: true, ..LyceeStatus::default() }
    }

    fn roles(d: &Decision<'_>) -> (Option<String>, Vec<String>, Vec<String>) {
        (
            d.pilot.as_ref().map(|c| c.lycee.uai.clone()),
            d.supports.iter().map(|c| c.lycee.uai.clone()).collect(),
            d.reserves.iter().map(|c| c.lycee.uai.clone()).collect(),
        )
    }

    #[test]
    fn exact_matches_lead_nearest_first_then_related() {
        let cat = catalogue();
        let labels = labels();
        let wanted = [WantedJob::new("F1602", 1.0)];
        let d = route(&request(ActionType::Pfmp, &wanted, 30.0, &labels), &cat, &everyone_available);
        // A (2 km) and B (5 km) and D (8 km) teach F1602; C (1 km) only F1605.
        assert_eq!(roles(&d), (Some("A".into()), vec!["B".into(), "D".into()], vec!["C".into()]));
        let pilot = d.pilot.expect("pilot");
        assert_eq!(pilot.reasons, ["Diplôme melec → Électricien / Électricienne du bâtiment", "2,0 km"]);
        assert!(!d.widened && d.coordination.is_none());
        assert!(d.reserves[0].reasons[0].ends_with("(métier proche)"));
    }

    #[test]
    fn table_of_cases() {
        let cat = catalogue();
        let labels = labels();
        let f1602 = [WantedJob::new("F1602", 1.0)];
        let h2902 = [WantedJob::new("H2902", 1.0)];
        let n1101 = [WantedJob::new("N1101", 1.0)];
        struct Case<'a> {
            name: &'a str,
            req: RoutingRequest<'a>,
            pilot: Option<&'a str>,
            radius: f64,
            widened: bool,
            coordination: Option<CoordinationReason>,
        }
        let cases = [
            Case {
                name: "electricity within 30 km",
                req: request(ActionType::Pfmp, &f1602, 30.0, &labels),
                pilot: Some("A"),
                radius: 30.0,
                widened: false,
                coordination: None,
            },
            Case {
                name: "small radius widened",
                req: request(ActionType::Pfmp, &h2902, 10.0, &labels),
                pilot: Some("E"),
                radius: 50.0,
                widened: true,
                coordination: None,
            },
            Case {
                name: "nothing within 100 km",
                req: request(ActionType::Pfmp, &n1101, 30.0, &labels),
                pilot: None,
                radius: 100.0,
                widened: true,
                coordination: Some(CoordinationReason::NoLyceeFits),
            },
            Case {
                name: "training offer also to the académie",
                req: request(ActionType::Formation, &f1602, 30.0, &labels),
                pilot: Some("A"),
                radius: 30.0,
                widened: false,
                coordination: Some(CoordinationReason::TrainingOffer),
            },
            Case {
                name: "support without jobs: nearest",
                req: request(ActionType::Soutien, &[], 30.0, &labels),
                pilot: Some("C"),
                radius: 30.0,
                widened: false,
                coordination: None,
            },
            Case {
                name: "origin lycée leads when it fits",
                req: RoutingRequest { origin: Some("D"), ..request(ActionType::Pfmp, &f1602, 30.0, &labels) },
                pilot: Some("D"),
                radius: 30.0,
                widened: false,
                coordination: None,
            },
            Case {
                name: "origin lycée that does not fit is ignored",
                req: RoutingRequest { origin: Some("F"), ..request(ActionType::Pfmp, &f1602, 30.0, &labels) },
                pilot: Some("A"),
                radius: 30.0,
                widened: false,
                coordination: None,
            },
            Case {
                name: "declined lycées are excluded",
                req: RoutingRequest {
                    excluded: &["A".to_string()],
                    ..request(ActionType::Pfmp, &f1602, 30.0, &labels)
                },
                pilot: Some("B"),
                radius: 30.0,
                widened: false,
                coordination: None,
            },
            Case {
                name: "levels filter",
                req: RoutingRequest { levels: &[Niveau::Cap], ..request(ActionType::Pfmp, &f1602, 30.0, &labels) },
                pilot: Some("B"),
                radius: 30.0,
                widened: false,
                coordination: None,
            },
        ];
        for c in cases {
            let d = route(&c.req, &cat, &everyone_available);
            assert_eq!(d.pilot.as_ref().map(|p| p.lycee.uai.as_str()), c.pilot, "{}", c.name);
            assert_eq!(d.radius_km, c.radius, "{}", c.name);
            assert_eq!(d.widened, c.widened, "{}", c.name);
            assert_eq!(d.coordination, c.coordination, "{}", c.name);
            assert!(d.supports.len() <= MAX_SUPPORTS, "{}", c.name);
        }
    }

    #[test]
    fn paused_full_or_unwilling_lycees_are_skipped() {
        let cat = catalogue();
        let labels = labels();
        let wanted = [WantedJob::new("F1602", 1.0)];
        let status = |uai: &str| -> LyceeStatus {
            let a = match uai {
                "A" => Availability { paused: true, ..Availability::default() },
                "B" => Availability { capacity_left: Some(0), ..Availability::default() },
                "D" => Availability { accepts: Some(vec![ActionType::Visite]), ..Availability::default() },
                _ => Availability::default(),
            };
            LyceeStatus { availability: a, reachable: true, ..LyceeStatus::default() }
        };
        let d = route(&request(ActionType::Pfmp, &wanted, 30.0, &labels), &cat, &status);
        assert_eq!(d.pilot.map(|p| p.lycee.uai.clone()).as_deref(), Some("C"), "only the same-domain lycée is left");
    }

    #[test]
    fn track_record_and_fair_share_break_near_ties() {
        let cat = catalogue();
        let labels = labels();
        let wanted = [WantedJob::new("F1602", 1.0)];
        // A (2 km) never takes requests and got many lately; B (5 km) takes them all.
        let status = |uai: &str| -> LyceeStatus {
            let r = match uai {
                "A" => TrackRecord { received: 10, taken: 0, recent: 10 },
                "B" => TrackRecord { received: 10, taken: 10, recent: 0 },
                _ => TrackRecord::default(),
            };
            LyceeStatus { record: r, reachable: true, ..LyceeStatus::default() }
        };
        let d = route(&request(ActionType::Pfmp, &wanted, 30.0, &labels), &cat, &status);
        assert_eq!(d.pilot.as_ref().map(|p| p.lycee.uai.as_str()), Some("B"));
        assert!(d.pilot.expect("pilot").reasons.contains(&"A pris en charge 10 demande(s) sur 10".to_string()));
    }

    #[test]
    fn deterministic() {
        let cat = catalogue();
        let labels = labels();
        let wanted = [WantedJob::new("F1602", 1.0)];
        let req = request(ActionType::Pfmp, &wanted, 30.0, &labels);
        let a = roles(&route(&req, &cat, &everyone_available));
        for _ in 0..10 {
            assert_eq!(roles(&route(&req, &cat, &everyone_available)), a);
        }
    }

    /// Lyon's centre with one lycée teaching a related job at 3 km and one
    /// teaching the job itself at `far` km.
    fn trade_far_away(far: f64) -> Vec<LyceeCard> {
        let at = |km: f64| (45.76 + km * 0.008_993, 4.83);
        vec![
            lycee("R", at(3.0).0, at(3.0).1, &[("reseaux", Niveau::Cap, &["F1605"])]),
            lycee("X", at(far).0, at(far).1, &[("melec", Niveau::BacPro, &["F1602"])]),
        ]
    }

    #[test]
    fn the_trade_leads_before_the_nearest_related_lycee() {
        let labels = labels();
        let wanted = [WantedJob::new("F1602", 1.0)];
        let cat = trade_far_away(60.0);
        let d = route(&request(ActionType::Apprentissage, &wanted, 30.0, &labels), &cat, &everyone_available);
        assert_eq!(roles(&d), (Some("X".into()), vec!["R".into()], vec![]));
        assert_eq!((d.radius_km, d.widened), (75.0, true));
        let beyond = d.trade_beyond.clone().expect("the company is told");
        assert_eq!((beyond.rome.as_str(), beyond.uai.as_str(), beyond.reached), ("F1602", "X", true));
        assert!((beyond.distance_km - 60.0).abs() < 0.5, "{beyond:?}");
        // The nearer lycée stays, as a support labelled as such.
        assert!(d.supports[0].reasons[0].ends_with("(métier proche)"), "{:?}", d.supports[0].reasons);
        assert!(d.pilot.as_ref().is_some_and(|p| p.exact) && !d.supports[0].exact);

        // The company keeps its radius: the related lycée answers, and the
        // company still knows where the trade is taught.
        let keep = RoutingRequest { keep_radius: true, ..request(ActionType::Apprentissage, &wanted, 30.0, &labels) };
        let d = route(&keep, &cat, &everyone_available);
        assert_eq!(roles(&d), (Some("R".into()), vec![], vec![]));
        assert_eq!((d.radius_km, d.widened), (30.0, false));
        assert_eq!(d.trade_beyond.map(|b| (b.uai, b.reached)), Some(("X".to_string(), false)));

        // Beyond 100 km the trade is not looked for: the related lycée leads.
        let cat = trade_far_away(120.0);
        let d = route(&request(ActionType::Apprentissage, &wanted, 30.0, &labels), &cat, &everyone_available);
        assert_eq!(roles(&d), (Some("R".into()), vec![], vec![]));
        assert!(d.trade_beyond.is_none() && !d.widened);

        // Nothing at all within the radius, a related lycée at 40 km: the
        // widening does not stop there but goes on to the trade.
        let at = |km: f64| (45.76 + km * 0.008_993, 4.83);
        let cat = vec![
            lycee("R", at(40.0).0, at(40.0).1, &[("reseaux", Niveau::Cap, &["F1605"])]),
            lycee("X", at(70.0).0, at(70.0).1, &[("melec", Niveau::BacPro, &["F1602"])]),
        ];
        let d = route(&request(ActionType::Apprentissage, &wanted, 30.0, &labels), &cat, &everyone_available);
        assert_eq!(roles(&d), (Some("X".into()), vec!["R".into()], vec![]));
        assert_eq!((d.radius_km, d.widened), (75.0, true));
        assert!(d.trade_beyond.is_some_and(|b| b.reached));

        // Within the radius the trade simply leads, nothing to tell.
        let cat = trade_far_away(20.0);
        let d = route(&request(ActionType::Apprentissage, &wanted, 30.0, &labels), &cat, &everyone_available);
        assert_eq!(roles(&d), (Some("X".into()), vec!["R".into()], vec![]));
        assert!(d.trade_beyond.is_none() && !d.widened);
        assert!(d.trade_other_levels.is_none());
    }

    /// CAP ticked, the trade taught only at Bac pro (20 km away), a related
    /// job at CAP nearby: the related lycée answers, and the company is
    /// told where the trade is taught at another level.
    #[test]
    fn the_trade_at_another_level_is_told() {
        let labels = labels();
        let wanted = [WantedJob::new("F1602", 1.0)];
        let cat = trade_far_away(20.0);
        let cap = RoutingRequest { levels: &[Niveau::Cap], ..request(ActionType::Pfmp, &wanted, 30.0, &labels) };
        let d = route(&cap, &cat, &everyone_available);
        assert_eq!(roles(&d), (Some("R".into()), vec![], vec![]));
        assert!(d.trade_beyond.is_none());
        let other = d.trade_other_levels.expect("the company is told");
        assert_eq!((other.rome.as_str(), other.uai.as_str(), other.reached), ("F1602", "X", false));
        // At the level where the trade is taught, nothing to tell.
        let bac = RoutingRequest { levels: &[Niveau::BacPro], ..request(ActionType::Pfmp, &wanted, 30.0, &labels) };
        let d = route(&bac, &cat, &everyone_available);
        assert!(d.trade_other_levels.is_none() && d.pilot.is_some_and(|p| p.exact));
    }

    #[test]
    fn an_origin_lycee_teaching_only_a_related_job_supports() {
        let cat = catalogue();
        let labels = labels();
        let wanted = [WantedJob::new("F1602", 1.0)];
        // C (1 km) only teaches a related job: A leads, C comes right after.
        let req = RoutingRequest { origin: Some("C"), ..request(ActionType::Pfmp, &wanted, 30.0, &labels) };
        let d = route(&req, &cat, &everyone_available);
        assert_eq!(roles(&d).0.as_deref(), Some("A"));
        assert_eq!(d.supports[0].lycee.uai, "C");
        assert_eq!(d.supports[0].reasons[0], "Demande faite depuis la page de ce lycée");
        // Asking for C's own job, C leads.
        let f1605 = [WantedJob::new("F1605", 1.0)];
        let req = RoutingRequest { origin: Some("C"), ..request(ActionType::Pfmp, &f1605, 30.0, &labels) };
        assert_eq!(roles(&route(&req, &cat, &everyone_available)).0.as_deref(), Some("C"));
    }

    /// Only reachable lycées are written to; the better ones nobody can
    /// read are named to the coordination; none reachable: the
    /// coordination at once.
    #[test]
    fn only_reachable_lycees_are_written_to() {
        let cat = catalogue();
        let labels = labels();
        let wanted = [WantedJob::new("F1602", 1.0)];
        let reachable_only = |set: &'static [&'static str]| {
            move |uai: &str| LyceeStatus { reachable: set.contains(&uai), ..LyceeStatus::default() }
        };
        let req = request(ActionType::Pfmp, &wanted, 30.0, &labels);
        let names = |v: &[Candidate<'_>]| v.iter().map(|c| c.lycee.uai.clone()).collect::<Vec<_>>();

        // A (2 km, exact) cannot be reached: B leads, A is to contact.
        let d = route(&req, &cat, &reachable_only(&["B", "C", "D"]));
        assert_eq!(roles(&d), (Some("B".into()), vec!["D".into(), "C".into()], vec![]));
        assert_eq!(names(&d.to_contact), ["A"]);
        assert_eq!(d.coordination, Some(CoordinationReason::ToContact));
        assert!(d.pilot.iter().chain(&d.supports).all(|c| c.reachable));

        // Only the related lycée can be reached: it leads (the exact trade
        // stays first in rank, so the three exact ones are to contact).
        let d = route(&req, &cat, &reachable_only(&["C"]));
        assert_eq!(roles(&d).0.as_deref(), Some("C"));
        assert_eq!(names(&d.to_contact), ["A", "B", "D"]);

        // Nobody reachable: nothing is written to a lycée, the
        // coordination has it at once, with whom to call; no widening for
        // reachability (the lycées that fit are here).
        let d = route(&req, &cat, &reachable_only(&[]));
        assert!(d.pilot.is_none() && d.supports.is_empty() && d.reserves.is_empty());
        assert_eq!(d.coordination, Some(CoordinationReason::NoReachableLycee));
        assert_eq!(names(&d.to_contact), ["A", "B", "D"]);
        assert!(!d.widened);

        // Reachable lycées ranked after the best are not "to contact".
        let d = route(&req, &cat, &reachable_only(&["A", "B", "C", "D"]));
        assert!(d.to_contact.is_empty() && d.coordination.is_none());

        // The lycée the company came from cannot be reached: it is named
        // first, the best reachable one leads.
        let from_d = RoutingRequest { origin: Some("D"), ..request(ActionType::Pfmp, &wanted, 30.0, &labels) };
        let d = route(&from_d, &cat, &reachable_only(&["A", "B"]));
        assert_eq!(roles(&d).0.as_deref(), Some("A"));
        assert_eq!(names(&d.to_contact), ["D"]);

        // Nothing fits at all: as before.
        let n1101 = [WantedJob::new("N1101", 1.0)];
        let d = route(&request(ActionType::Pfmp, &n1101, 30.0, &labels), &cat, &reachable_only(&[]));
        assert_eq!(d.coordination, Some(CoordinationReason::NoLyceeFits));
        assert!(d.to_contact.is_empty());

        // A training-offer request keeps its reason, and still names whom
        // to call.
        let d = route(&request(ActionType::Formation, &wanted, 30.0, &labels), &cat, &reachable_only(&["B"]));
        assert_eq!(d.coordination, Some(CoordinationReason::TrainingOffer));
        assert_eq!(names(&d.to_contact), ["A"]);
    }
}
