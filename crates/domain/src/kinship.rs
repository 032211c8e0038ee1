//! How close two jobs are, read from the diplomas of the catalogue: jobs
//! that one diploma leads to together are close (a Bac pro MELEC makes
//! building electricians and maintenance electricians), jobs that diplomas
//! of one NSF specialty group lead to are related (the group "Électricité,
//! électronique"). Only jobs taught in lycées are ever offered as related:
//! this is what the search suggests as "métiers proches", and what the
//! routing may use to widen a request to the jobs a lycée can answer.
//!
//! Strength, between 0 and 1:
//! - each diploma of `n` jobs taught in `l` lycées that leads to both says
//!   `w(l) / √(n − 1)`, where `w(l) = √(min(l, 100) / 100)` (at least
//!   [`UNTAUGHT_WEIGHT`]): a diploma of two jobs taught in a hundred lycées
//!   says 1.0, the same taught in eleven 0.33 — a link that few lycées
//!   teach is weak evidence; diplomas of more than [`MAX_TOGETHER`] jobs
//!   (common first years of a whole family) say too little and only count
//!   as a group;
//! - the diplomas' voices add up as independent evidence
//!   (`1 − Π(1 − sᵢ)`);
//! - jobs of the same NSF group: up to [`SAME_GROUP`], in proportion to
//!   the share of the group's teaching (lycées × diplomas) that leads to
//!   each of the two jobs, full from [`GROUP_SHARE`] (a rare diploma of the
//!   building-finishes group that also names a sales job does not make
//!   sales close to painting); [`BOTH_BONUS`] more when also led to together; at most 1.
//!   The groups `x00` ("spécialités pluritechnologiques" of a whole
//!   domain, such as 200 or 300) say nothing and are ignored;
//! - below [`MIN_STRENGTH`], jobs are not related.
//!
//! Built once per catalogue version; a lookup reads a precomputed list.

use std::collections::HashMap;

/// Diplomas leading to more jobs than this do not make them close.
pub const MAX_TOGETHER: usize = 8;
/// Strength of two jobs of the same NSF specialty group.
pub const SAME_GROUP: f64 = 0.25;
/// Added when two jobs are both led to together and in the same group.
pub const BOTH_BONUS: f64 = 0.1;
/// Weight of a diploma taught nowhere (a new diploma not yet in the
/// figures of the lycées).
pub const UNTAUGHT_WEIGHT: f64 = 0.15;
/// Lycées from which a diploma's voice is full.
pub const FULL_VOICE: usize = 100;
/// Share of a group's teaching from which a job is fully of the group.
pub const GROUP_SHARE: f64 = 0.2;
/// Weaker relations are dropped.
pub const MIN_STRENGTH: f64 = 0.05;
/// Related jobs kept per job.
pub const KEEP: usize = 20;

/// A diploma (or a specialty grouping several codes) and its jobs.
#[derive(Debug, Clone, Copy)]
pub struct DiplomaJobs<'a> {
    /// NSF specialty group (`groupe_specialite`), when known.
    pub group: Option<&'a str>,
    /// ROME codes it leads to.
    pub romes: &'a [String],
    /// Lycées teaching it.
    pub lycees: usize,
}

/// The relatedness of jobs of one catalogue.
#[derive(Debug, Clone, Default)]
pub struct Kinship {
    related: HashMap<String, Vec<(String, f64)>>,
}

impl Kinship {
    /// Builds the table from the diplomas; `taught` gives how many lycées
    /// teach each job (jobs absent or at 0 are never offered as related).
    pub fn build<'a>(diplomas: impl IntoIterator<Item = DiplomaJobs<'a>>, taught: &HashMap<String, usize>) -> Kinship {
        let mut together: HashMap<(&'a str, &'a str), f64> = HashMap::new();
        let mut group_of: Vec<(&'a str, Vec<&'a str>, usize)> = Vec::new();
        for d in diplomas {
            let mut romes: Vec<&'a str> = d.romes.iter().map(String::as_str).collect();
            romes.sort_unstable();
            romes.dedup();
            if let Some(g) = d.group.filter(|g| !g.ends_with("00")) {
                group_of.push((g, romes.clone(), d.lycees));
            }
            let n = romes.len();
            if !(2..=MAX_TOGETHER).contains(&n) {
                continue;
            }
            let weight = ((d.lycees.min(FULL_VOICE) as f64) / FULL_VOICE as f64).sqrt().max(UNTAUGHT_WEIGHT);
            let s = weight / ((n - 1) as f64).sqrt();
            for a in &romes {
                for b in &romes {
                    if a != b {
                        // Noisy-or: 1 − Π(1 − sᵢ), kept as Π(1 − sᵢ).
                        let e = together.entry((a, b)).or_insert(1.0);
                        *e *= 1.0 - s;
                    }
                }
            }
        }
        // Per group: the lycées teaching its diplomas, and how many of them
        // teach one leading to each job.
        let mut group_jobs: HashMap<&'a str, (usize, HashMap<&'a str, usize>)> = HashMap::new();
        for (g, romes, lycees) in &group_of {
            let e = group_jobs.entry(g).or_default();
            e.0 += lycees;
            for r in romes {
                *e.1.entry(r).or_default() += lycees;
            }
        }
        let mut same_group: HashMap<(&'a str, &'a str), f64> = HashMap::new();
        for (total, jobs) in group_jobs.values() {
            let weight = |n: usize| (n as f64 / *total as f64 / GROUP_SHARE).min(1.0);
            for (a, m) in jobs {
                for (b, n) in jobs {
                    if a == b || *total == 0 {
                        continue;
                    }
                    let s = SAME_GROUP * weight(*m) * weight(*n);
                    let e = same_group.entry((a, b)).or_insert(0.0);
                    *e = e.max(s);
                }
            }
        }
        let is_taught = |r: &str| taught.get(r).is_some_and(|n| *n > 0);
        let mut pairs: HashMap<&'a str, Vec<(&'a str, f64)>> = HashMap::new();
        for (&(a, b), &not) in &together {
            let group = same_group.get(&(a, b)).copied().unwrap_or(0.0);
            let s = 1.0 - not;
            let strength = if group > 0.0 { (s + BOTH_BONUS).max(group).min(1.0) } else { s };
            if is_taught(b) && strength >= MIN_STRENGTH {
                pairs.entry(a).or_default().push((b, strength));
            }
        }
        for (&(a, b), &group) in &same_group {
            if is_taught(b) && group >= MIN_STRENGTH && !together.contains_key(&(a, b)) {
                pairs.entry(a).or_default().push((b, group));
            }
        }
        let related = pairs
            .into_iter()
            .map(|(a, mut list)| {
                list.sort_by(|x, y| {
                    y.1.total_cmp(&x.1)
                        .then_with(|| taught.get(y.0).unwrap_or(&0).cmp(taught.get(x.0).unwrap_or(&0)))
                        .then_with(|| x.0.cmp(y.0))
                });
                list.truncate(KEEP);
                let list = list.into_iter().map(|(b, s)| (b.to_string(), (s * 100.0).round() / 100.0)).collect();
                (a.to_string(), list)
            })
            .collect();
        Kinship { related }
    }

    /// The jobs taught in lycées that are related to `rome`, strongest first
    /// (then the most taught), with their strength.
    pub fn related(&self, rome: &str) -> &[(String, f64)] {
        self.related.get(rome).map_or(&[], Vec::as_slice)
    }

    /// How related two jobs are (0 when not, or when `b` is taught nowhere).
    pub fn strength(&self, a: &str, b: &str) -> f64 {
        self.related(a).iter().find(|(r, _)| r == b).map_or(0.0, |(_, s)| *s)
    }

    /// Number of jobs with related jobs.
    pub fn len(&self) -> usize {
        self.related.len()
    }

    pub fn is_empty(&self) -> bool {
        self.related.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn romes(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    fn kinship() -> Kinship {
        let melec = romes(&["F1602", "I1309", "F1605"]);
        let cap_elec = romes(&["F1602"]);
        let sn = romes(&["I1305", "I1307"]);
        let boulanger = romes(&["D1102", "D1104"]);
        let engineer = romes(&["K2402", "F1602"]);
        let family = romes(&["F1202", "F1501", "F1503", "F1606", "F1607", "F1608", "F1609", "F1610", "F1703"]);
        let arch = romes(&["F1202", "H1203"]);
        let broad = romes(&["F1602", "D1104", "A1", "A2", "A3", "A4", "A5", "A6", "A7"]);
        let diplomas = [
            DiplomaJobs { group: Some("255"), romes: &melec, lycees: 592 },
            DiplomaJobs { group: Some("255"), romes: &cap_elec, lycees: 300 },
            DiplomaJobs { group: Some("255"), romes: &sn, lycees: 301 },
            DiplomaJobs { group: Some("221"), romes: &boulanger, lycees: 100 },
            DiplomaJobs { group: None, romes: &engineer, lycees: 0 },
            DiplomaJobs { group: Some("232"), romes: &family, lycees: 192 },
            DiplomaJobs { group: None, romes: &arch, lycees: 11 },
            DiplomaJobs { group: Some("200"), romes: &broad, lycees: 300 },
        ];
        let taught: HashMap<String, usize> = [
            ("F1602", 636),
            ("I1309", 634),
            ("F1605", 258),
            ("I1305", 352),
            ("I1307", 372),
            ("D1102", 61),
            ("D1104", 86),
            ("H1203", 148),
        ]
        .into_iter()
        .chain(family.iter().map(|r| (r.as_str(), 100)).collect::<Vec<_>>())
        .map(|(r, n)| (r.to_string(), n))
        .collect();
        Kinship::build(diplomas, &taught)
    }

    #[test]
    fn jobs_of_one_diploma_are_closest_then_the_group() {
        let k = kinship();
        let related: Vec<(&str, f64)> = k.related("F1602").iter().map(|(r, s)| (r.as_str(), *s)).collect();
        // MELEC (3 jobs, taught widely, same group): 0.71 + 0.1; then the
        // group's other jobs.
        assert_eq!(related, [("I1309", 0.81), ("F1605", 0.81), ("I1307", 0.25), ("I1305", 0.25)]);
        assert_eq!(k.strength("D1102", "D1104"), 1.0);
        assert_eq!(k.strength("D1104", "D1102"), 1.0);
        // Two jobs of a diploma taught in eleven lycées: weakly related.
        assert_eq!(k.strength("F1202", "H1203"), 0.33);
    }

    #[test]
    fn jobs_taught_nowhere_are_never_related() {
        let k = kinship();
        // An engineering diploma leads to F1602 and K2402, which no lycée
        // teaches: K2402 is never offered, but it may ask for F1602.
        assert!(k.related("F1602").iter().all(|(r, _)| r != "K2402"));
        assert_eq!(k.related("K2402"), [("F1602".to_string(), UNTAUGHT_WEIGHT)]);
        assert_eq!(k.strength("F1602", "K2402"), 0.0);
        assert!(k.related("Z9999").is_empty());
        assert!(k.related("").is_empty());
    }

    #[test]
    fn whole_families_are_only_a_group() {
        let k = kinship();
        // Nine jobs of a common first year: related as a group, not closely.
        assert_eq!(k.strength("F1703", "F1608"), SAME_GROUP);
        // A group of a whole domain ("200") says nothing.
        assert_eq!(k.strength("F1602", "D1104"), 0.0);
        // Several diplomas add up.
        let a = romes(&["A1", "B1"]);
        let taught: HashMap<String, usize> = [("A1".to_string(), 5), ("B1".to_string(), 5)].into_iter().collect();
        let one = Kinship::build([DiplomaJobs { group: None, romes: &a, lycees: 25 }], &taught);
        let two = Kinship::build(
            [DiplomaJobs { group: None, romes: &a, lycees: 25 }, DiplomaJobs { group: None, romes: &a, lycees: 25 }],
            &taught,
        );
        assert_eq!((one.strength("A1", "B1"), two.strength("A1", "B1")), (0.5, 0.75));
        assert!(Kinship::build([], &HashMap::new()).is_empty());
    }
}
