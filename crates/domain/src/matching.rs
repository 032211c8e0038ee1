//! How a lycée's diplomas answer jobs a company asks for: the rule shared by
//! the search and the routing. An exact job (same ROME code) counts fully; a
//! related job counts half.
//!
//! "Related" comes from how the data links jobs ([`Kinship`]): jobs one
//! diploma leads to together, and jobs of diplomas of the same specialty
//! group (NSF). The bare 3-character ROME domain is too coarse for this
//! (D11 puts bakers with cheese sellers, D12 hairdressers with salespeople).

use crate::Niveau;
use crate::geo::Position;

/// Strength of an exact job match.
pub const EXACT: f64 = 1.0;
/// Strength of a match through a related job ([`Kinship`]).
pub const RELATED: f64 = 0.5;

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

/// The ROME code of an id of [`rome_id`] (51602 → `F1602`).
pub fn rome_code(id: u32) -> String {
    let letter = char::from(b'A' + u8::try_from(id / 10_000).unwrap_or(25).min(25));
    format!("{letter}{:04}", id % 10_000)
}

/// A diploma a lycée teaches, with the jobs it leads to.
#[derive(Debug, Clone)]
pub struct Offer {
    pub cfd: String,
    pub label: String,
    pub niveau: Niveau,
    pub students: i64,
    /// The diploma's specialty group (NSF, 3 digits), when known: diplomas
    /// of one group lead to related jobs.
    pub group: Option<String>,
    /// ROME codes, main job first.
    pub romes: Vec<String>,
    /// The same codes as numbers ([`rome_id`]).
    pub rome_ids: Vec<u32>,
}

impl Offer {
    pub fn new(cfd: String, label: String, niveau: Niveau, students: i64, romes: Vec<String>) -> Offer {
        let rome_ids = romes.iter().map(|r| rome_id(r)).collect();
        Offer { cfd, label, niveau, students, group: None, romes, rome_ids }
    }

    /// The same offer with its specialty group.
    pub fn with_group(mut self, group: Option<String>) -> Offer {
        self.group = group.filter(|g| !g.trim().is_empty());
        self
    }
}

/// Which jobs are related, as the diplomas taught link them.
///
/// Each job gets a profile: for each (specialty group NSF, level) of the
/// diplomas leading to it, how many lycées teach such a diploma. Two jobs
/// are related when their profiles point the same way (cosine similarity at
/// least [`Kinship::THRESHOLD`]): bakers and pastry cooks (CAP and Bac pro of
/// group 221 both), not bakers and food R&D technicians (group 221 too, but
/// only through a BTS), nor bakers and home carers (one agricultural CAP
/// leads to both, against hundreds of lycées teaching each apart).
/// Built once per catalogue version from the diplomas lycées teach.
#[derive(Debug, Clone, Default)]
pub struct Kinship {
    /// ROME id → related ROME ids with their similarity, sorted by id (the
    /// job itself excluded).
    related: std::collections::HashMap<u32, Vec<(u32, f64)>>,
}

impl Kinship {
    /// The similarity from which two jobs are related.
    pub const THRESHOLD: f64 = 0.6;

    /// The kinship of the jobs of `offers`: every diploma of every lycée
    /// (a diploma taught in 40 lycées weighs 40 times one taught once).
    pub fn from_offers<'a>(offers: impl IntoIterator<Item = &'a Offer>) -> Kinship {
        use std::collections::{BTreeMap, HashMap};
        // Job → (group, level) → lycées teaching a diploma of it.
        let mut profiles: BTreeMap<u32, HashMap<(&str, Niveau), f64>> = BTreeMap::new();
        for o in offers {
            let Some(group) = o.group.as_deref() else { continue };
            for id in &o.rome_ids {
                *profiles.entry(*id).or_default().entry((group, o.niveau)).or_default() += 1.0;
            }
        }
        let norms: HashMap<u32, f64> =
            profiles.iter().map(|(id, p)| (*id, p.values().map(|w| w * w).sum::<f64>().sqrt())).collect();
        // Jobs by bucket: only jobs sharing a bucket can be similar.
        let mut by_bucket: HashMap<(&str, Niveau), Vec<u32>> = HashMap::new();
        for (id, p) in &profiles {
            for bucket in p.keys() {
                by_bucket.entry(*bucket).or_default().push(*id);
            }
        }
        let mut related: HashMap<u32, Vec<(u32, f64)>> = HashMap::new();
        for (a, pa) in &profiles {
            let mut others: Vec<u32> = pa.keys().flat_map(|b| by_bucket[b].iter().copied()).collect();
            others.sort_unstable();
            others.dedup();
            for b in others.into_iter().filter(|b| b != a) {
                let pb = &profiles[&b];
                let dot: f64 = pa.iter().filter_map(|(k, wa)| pb.get(k).map(|wb| wa * wb)).sum();
                let similarity = (dot / (norms[a] * norms[&b]).max(f64::EPSILON)).min(1.0);
                if similarity >= Self::THRESHOLD {
                    related.entry(*a).or_default().push((b, similarity));
                }
            }
        }
        Kinship { related }
    }

    /// A kinship given pair by pair (tests, small catalogues).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Kinship {
        let mut k = Kinship::default();
        for (a, b) in pairs {
            let (a, b) = (rome_id(a), rome_id(b));
            for (x, y) in [(a, b), (b, a)] {
                let v = k.related.entry(x).or_default();
                if let Err(i) = v.binary_search_by_key(&y, |(id, _)| *id) {
                    v.insert(i, (y, 1.0));
                }
            }
        }
        k
    }

    /// The jobs related to `rome` (ROME ids, by id).
    pub fn related_to(&self, rome: u32) -> impl Iterator<Item = u32> + '_ {
        self.related.get(&rome).into_iter().flatten().map(|(id, _)| *id)
    }

    /// The jobs related to `rome` with their similarity (from
    /// [`Kinship::THRESHOLD`] to 1), by id.
    pub fn related(&self, rome: u32) -> &[(u32, f64)] {
        self.related.get(&rome).map_or(&[], Vec::as_slice)
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

/// What one job of a diploma is worth to a request: its best answer among
/// the asked jobs.
#[derive(Debug, Clone, Copy)]
struct Answer {
    rome: u32,
    strength: f64,
    /// Index of the asked job it answers (the first when several tie).
    wanted: usize,
    exact: bool,
}

/// The asked jobs, with every job answering them (themselves, fully; their
/// related jobs, half) in one table sorted by ROME id. Built once per
/// search or routing decision, it makes each diploma's job a single lookup
/// instead of a scan of every asked job and its kinship: a search weighs
/// hundreds of lycées, each with dozens of diplomas.
#[derive(Debug, Clone)]
pub struct Asked<'w> {
    wanted: &'w [WantedJob],
    answers: Vec<Answer>,
    /// One bit per `id % FILTER_BITS` of the answering jobs: most jobs of a
    /// diploma answer nothing, and one bit test rejects them before the
    /// binary search.
    filter: [u64; FILTER_BITS / 64],
}

/// Size of [`Asked`]'s filter: 512 bytes, a few dozen answering jobs.
const FILTER_BITS: usize = 4096;

fn filter_slot(id: u32) -> (usize, u64) {
    let bit = id as usize % FILTER_BITS;
    (bit / 64, 1 << (bit % 64))
}

impl<'w> Asked<'w> {
    pub fn new(wanted: &'w [WantedJob], kin: &Kinship) -> Asked<'w> {
        let mut answers: Vec<Answer> = Vec::new();
        for (k, w) in wanted.iter().enumerate() {
            answers.push(Answer { rome: w.id, strength: w.weight * EXACT, wanted: k, exact: true });
            for &(id, _) in kin.related(w.id) {
                answers.push(Answer { rome: id, strength: w.weight * RELATED, wanted: k, exact: false });
            }
        }
        // Per job the strongest answer, the first asked job on a tie.
        answers
            .sort_by(|a, b| a.rome.cmp(&b.rome).then(b.strength.total_cmp(&a.strength)).then(a.wanted.cmp(&b.wanted)));
        answers.dedup_by_key(|a| a.rome);
        let mut filter = [0; FILTER_BITS / 64];
        for a in &answers {
            let (word, bit) = filter_slot(a.rome);
            filter[word] |= bit;
        }
        Asked { wanted, answers, filter }
    }

    /// The asked jobs.
    pub fn wanted(&self) -> &'w [WantedJob] {
        self.wanted
    }

    /// Whether nothing was asked.
    pub fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }

    /// Every job answering an asked one (ROME ids, by id).
    pub fn answering(&self) -> impl Iterator<Item = u32> + '_ {
        self.answers.iter().map(|a| a.rome)
    }

    /// The best answer of one diploma to the asked jobs: the strongest, then
    /// the first asked job, then the diploma's first job (its main one). An
    /// exact job thus beats a related one of the same asked job.
    pub fn best_for_offer<'a>(&self, offer: &'a Offer) -> Option<Match<'a>>
    where
        'w: 'a,
    {
        let mut best: Option<(usize, Answer)> = None;
        for (i, id) in offer.rome_ids.iter().enumerate() {
            let (word, bit) = filter_slot(*id);
            if self.filter[word] & bit == 0 {
                continue;
            }
            let Ok(j) = self.answers.binary_search_by_key(id, |a| a.rome) else { continue };
            let a = self.answers[j];
            let better =
                best.is_none_or(|(_, b)| a.strength > b.strength || (a.strength == b.strength && a.wanted < b.wanted));
            if better {
                best = Some((i, a));
            }
        }
        best.map(|(i, a)| Match {
            offer,
            rome: &offer.romes[i],
            wanted: &self.wanted[a.wanted].rome,
            exact: a.exact,
            strength: a.strength,
        })
    }

    /// Every diploma of `card` that answers an asked job (restricted to
    /// `levels` when given), each with its best answer, best first.
    pub fn matches<'a>(&self, card: &'a LyceeCard, levels: &[Niveau]) -> Vec<Match<'a>>
    where
        'w: 'a,
    {
        let mut out: Vec<Match<'a>> =
            card.offers.iter().filter(|o| level_ok(o, levels)).filter_map(|o| self.best_for_offer(o)).collect();
        out.sort_by(|a, b| {
            b.strength
                .total_cmp(&a.strength)
                .then(a.offer.niveau.cmp(&b.offer.niveau))
                .then(a.offer.cfd.cmp(&b.offer.cfd))
        });
        out
    }

    /// How well a lycée answers: the strength of its best match (0 when
    /// none), without listing the matches.
    pub fn relevance(&self, card: &LyceeCard, levels: &[Niveau]) -> f64 {
        card.offers
            .iter()
            .filter(|o| level_ok(o, levels))
            .filter_map(|o| self.best_for_offer(o))
            .map(|m| m.strength)
            .fold(0.0, f64::max)
    }
}

fn level_ok(offer: &Offer, levels: &[Niveau]) -> bool {
    levels.is_empty() || levels.contains(&offer.niveau)
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

    /// Electricians of buildings and of networks are related; so are
    /// plumbers and electricians (one diploma leads to both).
    fn kin() -> Kinship {
        Kinship::from_pairs(&[("F1602", "F1605"), ("F1602", "F1603")])
    }

    fn want(rome: &str, weight: f64) -> WantedJob {
        WantedJob::new(rome, weight)
    }

    #[test]
    fn rome_ids_keep_the_domain() {
        assert_eq!(rome_id("F1602"), 51602);
        assert_eq!(rome_id("F1602") / 100, rome_id("F1699") / 100);
        assert_ne!(rome_id("F1602") / 100, rome_id("F1702") / 100);
        assert_eq!(rome_code(rome_id("F1602")), "F1602");
        assert_eq!(rome_code(rome_id("A1101")), "A1101");
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
            let got: Vec<(String, bool)> = Asked::new(wanted, &kin())
                .matches(&c, levels)
                .into_iter()
                .map(|m| (m.offer.cfd.clone(), m.exact))
                .collect();
            let want: Vec<(String, bool)> = expected.iter().map(|(c, e)| (c.to_string(), *e)).collect();
            assert_eq!(got, want, "{wanted:?} {levels:?}");
        }
    }

    #[test]
    fn relevance_is_the_best_strength() {
        let c = card(vec![offer("40025510", Niveau::BacPro, &["F1602"])]);
        assert_eq!(Asked::new(&[want("F1602", 0.8)], &kin()).relevance(&c, &[]), 0.8);
        assert_eq!(Asked::new(&[want("F1603", 1.0)], &kin()).relevance(&c, &[]), 0.5);
        assert_eq!(Asked::new(&[want("N1101", 1.0)], &kin()).relevance(&c, &[]), 0.0);
        assert_eq!(Asked::new(&[want("F1602", 1.0)], &kin()).relevance(&c, &[Niveau::Cap]), 0.0);
    }

    #[test]
    fn kinship_comes_from_the_diplomas_taught() {
        let g = |o: Offer, group: &str| o.with_group(Some(group.into()));
        let mut taught = Vec::new();
        // Bakers and pastry cooks: CAP and Bac pro of group 221, widely taught.
        for _ in 0..10 {
            taught.push(g(offer("boulanger", Niveau::Cap, &["D1102"]), "221"));
            taught.push(g(offer("patissier", Niveau::Cap, &["D1104"]), "221"));
            taught.push(g(offer("bp boulanger", Niveau::BacPro, &["D1102", "D1104"]), "221"));
        }
        // Food R&D technicians: a BTS of group 221.
        for _ in 0..5 {
            taught.push(g(offer("bts biotech", Niveau::Bts, &["H1210", "H1503"]), "221"));
        }
        // Home carers, hundreds of lycées; one agricultural CAP also leads
        // to bakery.
        for _ in 0..300 {
            taught.push(g(offer("assp", Niveau::BacPro, &["K1302"]), "330"));
        }
        taught.push(g(offer("capa", Niveau::Cap, &["D1102", "K1302"]), "330"));
        // Hairdressers and salespeople share a ROME domain, no diploma.
        taught.push(g(offer("coiffure", Niveau::Cap, &["D1202"]), "336"));
        taught.push(g(offer("vente", Niveau::Cap, &["D1214"]), "312"));
        taught.push(offer("sans groupe", Niveau::Cap, &["F1602"]).with_group(Some(" ".into())));
        let k = Kinship::from_offers(&taught);
        let rel = |a: &str, b: &str| k.related(rome_id(a)).iter().any(|(id, _)| *id == rome_id(b));
        assert!(rel("D1102", "D1104") && rel("D1104", "D1102"));
        assert!(rel("H1210", "H1503"), "one BTS leads to both");
        assert!(!rel("D1102", "H1210"), "same group, other level");
        assert!(!rel("D1102", "K1302") && !rel("K1302", "D1102"), "one odd diploma does not relate them");
        assert!(!rel("D1202", "D1214"), "a ROME domain alone does not relate");
        assert!(!rel("D1102", "D1102"), "a job is an exact match, not a related one");
        assert!(k.related(rome_id("F1602")).is_empty());
        assert!(k.related(rome_id("D1102")).iter().all(|(_, s)| *s >= Kinship::THRESHOLD && *s <= 1.0));
    }

    #[test]
    fn related_only_through_kinship() {
        let c = card(vec![offer("vente", Niveau::Cap, &["D1214"]), offer("cremier", Niveau::Cap, &["D1106"])]);
        let k = Kinship::from_pairs(&[("D1102", "D1106")]);
        // A hairdresser's request finds nothing in a retail and cheese lycée.
        assert_eq!(Asked::new(&[want("D1202", 1.0)], &k).relevance(&c, &[]), 0.0);
        let bakers = [want("D1102", 1.0)];
        let found = Asked::new(&bakers, &k).matches(&c, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].offer.cfd.as_str(), found[0].rome, found[0].exact), ("cremier", "D1106", false));
    }

    /// The straightforward definition the table of [`Asked`] must agree
    /// with: for each asked job in order, the diploma's first exact job,
    /// else its first related one; the strongest wins, the first on a tie.
    fn best_by_scan<'a>(offer: &'a Offer, wanted: &'a [WantedJob], kin: &Kinship) -> Option<(&'a str, &'a str, bool)> {
        let mut best: Option<(f64, &str, &str, bool)> = None;
        for w in wanted {
            let exact = offer.rome_ids.iter().position(|r| *r == w.id).map(|i| (i, true));
            let related =
                || offer.rome_ids.iter().position(|r| kin.related_to(w.id).any(|k| k == *r)).map(|i| (i, false));
            if let Some((i, is_exact)) = exact.or_else(related) {
                let strength = w.weight * if is_exact { EXACT } else { RELATED };
                if best.is_none_or(|b| strength > b.0) {
                    best = Some((strength, offer.romes[i].as_str(), w.rome.as_str(), is_exact));
                }
            }
        }
        best.map(|(_, rome, wanted, exact)| (rome, wanted, exact))
    }

    #[test]
    fn the_table_agrees_with_the_scan() {
        let jobs = ["F1602", "F1603", "F1605", "H1504", "D1102", "D1104", "D1106", "I1309", "K1302"];
        let kin = Kinship::from_pairs(&[
            ("F1602", "F1605"),
            ("F1602", "F1603"),
            ("D1102", "D1104"),
            ("D1102", "D1106"),
            ("I1309", "F1602"),
        ]);
        // Every diploma of up to 3 jobs, every request of 1 or 2 jobs with
        // weights that tie or not.
        let mut offers = Vec::new();
        for a in jobs {
            for b in jobs {
                for c in jobs {
                    offers.push(offer("x", Niveau::Cap, &[a, b, c]));
                }
            }
        }
        let mut checked = 0;
        for a in jobs {
            for b in jobs {
                for (wa, wb) in [(1.0, 1.0), (0.9, 1.0), (1.0, 0.4)] {
                    let wanted = [want(a, wa), want(b, wb)];
                    let asked = Asked::new(&wanted, &kin);
                    for o in &offers {
                        let got = asked.best_for_offer(o).map(|m| (m.rome, m.wanted, m.exact));
                        assert_eq!(got, best_by_scan(o, &wanted, &kin), "{:?} {wanted:?}", o.romes);
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 9 * 9 * 3 * 729);
    }
}
