//! What company words mean for the search, beyond the job index: a diploma
//! ("bac pro ASSP", "MELEC"), a field ("BTP", "soins", "mécanique"), or
//! jobs — always weighed by how many lycées teach them, so that the jobs
//! lycées train for come first and a job taught nowhere is never first when
//! a taught job fits the words.
//!
//! The [`Vocabulary`] is built with the index from the catalogue: diploma
//! specialties (the codes of one diploma grouped, `domain::diplomas`), fields
//! (`domain::fields`' reviewed table and the ROME domains and familles de
//! métiers of the data) and the number of lycées teaching each job (the
//! relatedness of jobs is `domain::matching::Kinship`, on the index). Understanding words reads only
//! memory, and `Search` caches it per catalogue version.

use super::jobs::{JobIndex, UnderstoodJob};
use domain::Niveau;
use domain::diplomas::{DiplomaWords, specialty_terms};
use domain::fields::{FIELDS, FieldWords};
use std::collections::HashMap;
use std::sync::Arc;

/// Jobs kept in an understanding (field jobs, the index's best).
const JOBS_MAX: usize = 60;
/// Share of a taught job's score that does not depend on how many lycées
/// teach it: the words' match stays first for job words.
const MATCH_SHARE: f64 = 0.55;
/// A job taught nowhere keeps this share of its match.
const UNTAUGHT: f64 = 0.5;
/// In a field, the share of a job's score given by the words' match (the
/// rest by the lycées teaching it).
const FIELD_MATCH: f64 = 0.3;
/// In a field, a job that only a diploma of the field leads to (its code is
/// of another domain) keeps this share.
const FIELD_GROUP_ONLY: f64 = 0.7;
/// A taught job is put first when it matches the words at least this share
/// of the best match (else the words mean a job lycées do not teach).
const PROMOTE: f64 = 0.5;

/// One diploma specialty: the codes (CFD) of a diploma at one level with
/// its options, its common first year and its renewed versions, and the
/// jobs all of them lead to.
#[derive(Debug, Clone)]
pub struct Specialty {
    /// The shortest label of its codes ("Bac pro accompagnement, soins et
    /// services à la personne").
    pub label: String,
    pub level: Niveau,
    /// NSF specialty group.
    pub group: Option<String>,
    pub cfds: Vec<String>,
    /// Jobs of every code, main jobs first.
    pub romes: Vec<String>,
    /// Lycées teaching one of its codes.
    pub lycees: usize,
    terms: Vec<String>,
}

/// A field of jobs: a sector word understood.
#[derive(Debug, Clone)]
pub struct Field {
    /// Completes "Tous les métiers …": "du bâtiment et des travaux publics".
    pub of: String,
    /// Its jobs taught in lycées, most taught first.
    pub romes: Vec<String>,
    /// For each job, whether its code is of the field (else a diploma of
    /// the field's groups leads to it: it comes after).
    core: Vec<bool>,
}

/// A diploma as the catalogue gives it.
#[derive(Debug, Clone)]
pub struct DiplomaRow {
    pub cfd: String,
    pub label: String,
    pub level: Niveau,
    pub group: Option<String>,
}

/// Everything words are understood with, besides the job index.
#[derive(Debug, Default)]
pub struct Vocabulary {
    pub specialties: Vec<Specialty>,
    specialty_of_cfd: HashMap<String, usize>,
    pub fields: Vec<Field>,
    field_words: FieldWords,
    /// Lycées teaching each job.
    pub taught: HashMap<String, usize>,
    max_taught: usize,
}

/// What words mean.
#[derive(Debug, Clone, Default)]
pub struct Understanding {
    /// Jobs, best first, scores relative to the best (1.0).
    pub jobs: Arc<Vec<UnderstoodJob>>,
    /// The field named (index in [`Vocabulary::fields`]).
    pub field: Option<usize>,
    /// The diploma specialties named (indexes in
    /// [`Vocabulary::specialties`]), most taught first.
    pub specialties: Vec<usize>,
}

impl Vocabulary {
    /// Groups diplomas into specialties; `romes_of_cfd` gives each code's
    /// jobs, main job first.
    pub fn specialties(
        diplomas: &[DiplomaRow],
        romes_of_cfd: &HashMap<String, Vec<String>>,
    ) -> (Vec<Specialty>, HashMap<String, usize>) {
        let mut specialties: Vec<Specialty> = Vec::new();
        let mut by_key: HashMap<(Niveau, Vec<String>), usize> = HashMap::new();
        let mut of_cfd = HashMap::new();
        for d in diplomas {
            let terms = specialty_terms(&d.label);
            if terms.is_empty() {
                continue;
            }
            let i = *by_key.entry((d.level, terms.clone())).or_insert_with(|| {
                specialties.push(Specialty {
                    label: d.label.clone(),
                    level: d.level,
                    group: None,
                    cfds: Vec::new(),
                    romes: Vec::new(),
                    lycees: 0,
                    terms,
                });
                specialties.len() - 1
            });
            let s = &mut specialties[i];
            s.cfds.push(d.cfd.clone());
            if s.group.is_none() {
                s.group.clone_from(&d.group);
            }
            let common = |l: &str| domain::text::fold(l).contains("seconde commune");
            if common(&s.label) || (!common(&d.label) && d.label.chars().count() < s.label.chars().count()) {
                s.label.clone_from(&d.label);
            }
            for r in romes_of_cfd.get(&d.cfd).into_iter().flatten() {
                if !s.romes.contains(r) {
                    s.romes.push(r.clone());
                }
            }
            of_cfd.insert(d.cfd.clone(), i);
        }
        (specialties, of_cfd)
    }

    /// The jobs a taught code leads to: its specialty's.
    pub fn romes_of(&self, cfd: &str) -> Option<&[String]> {
        self.specialty_of_cfd.get(cfd).map(|&i| self.specialties[i].romes.as_slice())
    }

    /// Builds the vocabulary. `specialties` come from
    /// [`Vocabulary::specialties`]; `teaching` lists the (lycée, code)
    /// taught; `taught` how many lycées teach each job; `domains` the ROME
    /// domains (code, label).
    pub fn build(
        (mut specialties, specialty_of_cfd): (Vec<Specialty>, HashMap<String, usize>),
        teaching: &[(&str, &str)],
        taught: HashMap<String, usize>,
        domains: &[(String, String)],
        rome_labels: &HashMap<String, String>,
    ) -> Vocabulary {
        let mut lycees: Vec<Vec<&str>> = vec![Vec::new(); specialties.len()];
        for (uai, cfd) in teaching {
            if let Some(&i) = specialty_of_cfd.get(*cfd) {
                lycees[i].push(uai);
            }
        }
        for (s, l) in specialties.iter_mut().zip(lycees.iter_mut()) {
            l.sort_unstable();
            l.dedup();
            s.lycees = l.len();
        }
        let is_taught = |r: &str| taught.get(r).is_some_and(|n| *n > 0) && rome_labels.contains_key(r);
        let by_count = |romes: &mut Vec<String>| {
            romes.sort_by(|a, b| taught.get(b).cmp(&taught.get(a)).then(a.cmp(b)));
            romes.dedup();
        };

        // Reviewed fields, then the ROME domains and the familles de métiers.
        let mut fields: Vec<Field> = Vec::new();
        let mut field_words = FieldWords::new();
        let mut taught_romes: Vec<&String> = taught.keys().filter(|r| is_taught(r)).collect();
        taught_romes.sort_unstable();
        for def in FIELDS {
            let mut romes: Vec<String> =
                taught_romes.iter().filter(|r| def.has_rome(r)).map(|r| (*r).clone()).collect();
            for s in specialties.iter().filter(|s| s.group.as_deref().is_some_and(|g| def.has_group(g))) {
                romes.extend(s.romes.iter().filter(|r| is_taught(r) && def.admits(r)).cloned());
            }
            by_count(&mut romes);
            let core = romes.iter().map(|r| def.has_rome(r)).collect();
            fields.push(Field { of: def.of.to_string(), romes, core });
        }
        for (code, label) in domains {
            let mut romes: Vec<String> =
                taught_romes.iter().filter(|r| r.starts_with(code.as_str())).map(|r| (*r).clone()).collect();
            if romes.is_empty() {
                continue;
            }
            by_count(&mut romes);
            field_words.add_label(label, fields.len());
            let core = vec![true; romes.len()];
            fields.push(Field { of: format!("du domaine « {label} »"), romes, core });
        }
        for s in &specialties {
            let folded = domain::text::fold(&s.label);
            let Some((_, name)) = s.label.split_once(':').filter(|_| folded.contains("seconde commune")) else {
                continue;
            };
            let mut romes: Vec<String> = s.romes.iter().filter(|r| is_taught(r)).cloned().collect();
            if romes.len() < 2 {
                continue;
            }
            by_count(&mut romes);
            let name = name.trim();
            field_words.add_label(name, fields.len());
            let core = vec![true; romes.len()];
            fields.push(Field { of: format!("de la famille « {name} »"), romes, core });
        }

        let max_taught = taught.values().copied().max().unwrap_or(0);
        Vocabulary { specialties, specialty_of_cfd, fields, field_words, taught, max_taught }
    }

    /// Lycées teaching a job.
    pub fn lycees_teaching(&self, rome: &str) -> usize {
        self.taught.get(rome).copied().unwrap_or(0)
    }

    /// How much the number of lycées teaching a job weighs, from 0 (taught
    /// nowhere) to 1 (the most taught job), on a log scale: 10 lycées
    /// already count for a third.
    fn taught_factor(&self, rome: &str) -> f64 {
        let n = self.lycees_teaching(rome);
        if n == 0 || self.max_taught == 0 {
            return 0.0;
        }
        ((1 + n) as f64).ln() / ((1 + self.max_taught) as f64).ln()
    }

    /// What `words` mean, with `jobs` for the words' match.
    pub fn understand(&self, jobs: &JobIndex, words: &str, labels: &HashMap<String, String>) -> Understanding {
        let dw = DiplomaWords::parse(words);
        if dw.names_diplomas() {
            let mut named: Vec<(usize, f64)> = self
                .specialties
                .iter()
                .enumerate()
                .filter_map(|(i, s)| dw.names(s.level, &s.terms).map(|strength| (i, strength)))
                .collect();
            if !named.is_empty() {
                named.sort_by(|a, b| {
                    b.1.total_cmp(&a.1).then(self.specialties[b.0].lycees.cmp(&self.specialties[a.0].lycees))
                });
                let mut scores: HashMap<&str, f64> = HashMap::new();
                for (i, strength) in &named {
                    for r in &self.specialties[*i].romes {
                        let t = self.taught_factor(r);
                        let s = if t > 0.0 { strength * (0.5 + 0.5 * t) } else { strength * 0.3 };
                        let e = scores.entry(r.as_str()).or_insert(0.0);
                        *e = e.max(s);
                    }
                }
                let ranked = scores.into_iter().map(|(r, s)| (r, s, None)).collect();
                return Understanding {
                    jobs: Arc::new(self.finish(ranked, labels)),
                    field: None,
                    specialties: named.into_iter().map(|(i, _)| i).collect(),
                };
            }
        }
        let text = if dw.levels.is_empty() && dw.acronyms.is_empty() { words } else { dw.other_words.as_str() };
        if let Some((f, field)) = self
            .field_words
            .find(text)
            .and_then(|f| Some((f, self.fields.get(f)?)))
            .filter(|(_, f)| !f.romes.is_empty())
        {
            let matched: HashMap<String, (f64, String)> =
                jobs.understand(text, 400).into_iter().map(|j| (j.rome, (j.score, j.appellation))).collect();
            let ranked = field
                .romes
                .iter()
                .zip(&field.core)
                .map(|(r, core)| {
                    let (m, appellation) = matched.get(r).map_or((0.0, None), |(s, a)| (*s, Some(a.clone())));
                    let core = if *core { 1.0 } else { FIELD_GROUP_ONLY };
                    (r.as_str(), core * (1.0 - FIELD_MATCH + FIELD_MATCH * m) * self.taught_factor(r), appellation)
                })
                .collect();
            return Understanding { jobs: Arc::new(self.finish(ranked, labels)), field: Some(f), specialties: vec![] };
        }
        let raw = jobs.understand(text, JOBS_MAX);
        let best_match = raw.first().map_or(0.0, |j| j.score);
        let mut ranked: Vec<(String, f64, f64, String)> = raw
            .into_iter()
            .map(|j| {
                let t = self.taught_factor(&j.rome);
                let s = if t > 0.0 { j.score * (MATCH_SHARE + (1.0 - MATCH_SHARE) * t) } else { j.score * UNTAUGHT };
                (j.rome, s, j.score, j.appellation)
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        // Never first when taught nowhere, if a taught job fits the words.
        if ranked.first().is_some_and(|j| self.lycees_teaching(&j.0) == 0)
            && let Some(i) = ranked.iter().position(|j| self.lycees_teaching(&j.0) > 0 && j.2 >= PROMOTE * best_match)
        {
            let mut promoted = ranked.remove(i);
            promoted.1 = ranked[0].1;
            ranked.insert(0, promoted);
        }
        let top = ranked.first().map_or(1.0, |j| j.1).max(f64::EPSILON);
        let jobs = ranked
            .into_iter()
            .filter_map(|(rome, s, _, appellation)| {
                Some(UnderstoodJob {
                    libelle: labels.get(&rome)?.clone(),
                    rome,
                    appellation,
                    score: ((s / top).min(1.0) * 100.0).round() / 100.0,
                })
            })
            .collect();
        Understanding { jobs: Arc::new(jobs), field: None, specialties: vec![] }
    }

    /// Sorts scored jobs (taught ones first), relative to the best.
    fn finish(
        &self,
        mut ranked: Vec<(&str, f64, Option<String>)>,
        labels: &HashMap<String, String>,
    ) -> Vec<UnderstoodJob> {
        ranked.sort_by(|a, b| {
            (self.lycees_teaching(b.0) > 0)
                .cmp(&(self.lycees_teaching(a.0) > 0))
                .then(b.1.total_cmp(&a.1))
                .then(self.lycees_teaching(b.0).cmp(&self.lycees_teaching(a.0)))
                .then(a.0.cmp(b.0))
        });
        let top = ranked.first().map_or(1.0, |j| j.1).max(f64::EPSILON);
        ranked
            .into_iter()
            .take(JOBS_MAX)
            .filter_map(|(rome, s, appellation)| {
                let libelle = labels.get(rome)?.clone();
                Some(UnderstoodJob {
                    rome: rome.to_string(),
                    appellation: appellation.unwrap_or_else(|| libelle.clone()),
                    libelle,
                    score: ((s / top).min(1.0) * 100.0).round() / 100.0,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::jobs::{JobText, Source};

    fn labels() -> HashMap<String, String> {
        [
            ("F1703", "Maçon / Maçonne"),
            ("F1704", "Manœuvre bâtiment"),
            ("F1503", "Charpentier / Charpentière"),
            ("F1602", "Électricien / Électricienne du bâtiment"),
            ("I1309", "Électricien / Électricienne de maintenance"),
            ("K2402", "Ingénieur / Ingénieure de recherche scientifique"),
            ("J1102", "Médecin généraliste"),
            ("J1501", "Aide-soignant / Aide-soignante"),
            ("K1302", "Assistant / Assistante de vie dépendance"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    }

    fn text(source: Source, label: &str, rome: &str) -> JobText {
        JobText { source, label: label.into(), romes: vec![rome.into()] }
    }

    /// A small catalogue: masons and electricians taught, the labourer, the
    /// research engineer and the doctor taught nowhere; the care Bac pro
    /// under its old code (assistant de vie) and its 2025 code (aide-soignant
    /// too).
    fn catalogue() -> (JobIndex, Vocabulary) {
        let jobs = JobIndex::build(
            vec![
                text(Source::Sheet, "Manœuvre bâtiment", "F1704"),
                text(Source::Title, "Manœuvre maçon", "F1704"),
                text(Source::Title, "Manœuvre gros œuvre", "F1704"),
                text(Source::Sheet, "Maçon / Maçonne", "F1703"),
                text(Source::Sheet, "Charpentier / Charpentière", "F1503"),
                text(Source::Sheet, "Électricien / Électricienne du bâtiment", "F1602"),
                text(Source::Sheet, "Électricien / Électricienne de maintenance", "I1309"),
                text(Source::Title, "Électricien / Électricienne de la recherche scientifique", "K2402"),
                text(Source::Sheet, "Médecin généraliste", "J1102"),
                text(Source::Sheet, "Aide-soignant / Aide-soignante", "J1501"),
                text(Source::Sheet, "Assistant / Assistante de vie dépendance", "K1302"),
            ],
            labels(),
        )
        .expect("index");
        let diplomas = [
            ("50023218", "CAP maçon", Niveau::Cap, "232"),
            ("40025510", "Bac pro métiers de l'électricité et de ses environnements connectés", Niveau::BacPro, "255"),
            (
                "40033004",
                "Bac pro accompagnement, soins et services à la personne option B en structure",
                Niveau::BacPro,
                "330",
            ),
            ("40033007", "Bac pro accompagnement, soins et services à la personne", Niveau::BacPro, "330"),
        ]
        .map(|(cfd, label, level, group)| DiplomaRow {
            cfd: cfd.into(),
            label: label.into(),
            level,
            group: Some(group.into()),
        });
        let romes_of_cfd: HashMap<String, Vec<String>> = [
            ("50023218", vec!["F1703", "F1503"]),
            ("40025510", vec!["F1602", "I1309"]),
            ("40033004", vec!["K1302"]),
            ("40033007", vec!["J1501", "K1302"]),
        ]
        .into_iter()
        .map(|(c, r)| (c.to_string(), r.into_iter().map(String::from).collect()))
        .collect();
        let specialties = Vocabulary::specialties(&diplomas, &romes_of_cfd);
        let teaching = [("A", "50023218"), ("B", "50023218"), ("A", "40025510"), ("C", "40033004")];
        let taught: HashMap<String, usize> =
            [("F1703", 2), ("F1503", 2), ("F1602", 1), ("I1309", 1), ("K1302", 1), ("J1501", 1)]
                .into_iter()
                .map(|(r, n)| (r.to_string(), n))
                .collect();
        let domains = [("F17".to_string(), "Travaux et gros oeuvre".to_string())];
        let vocabulary = Vocabulary::build(specialties, &teaching, taught, &domains, &labels());
        (jobs, vocabulary)
    }

    fn romes(u: &Understanding) -> Vec<&str> {
        u.jobs.iter().map(|j| j.rome.as_str()).collect()
    }

    #[test]
    fn a_job_taught_nowhere_is_never_first_when_a_taught_one_fits() {
        let (jobs, v) = catalogue();
        // "Manœuvre maçon" is a title of the labourer, whom no lycée
        // trains; the mason fits half the words and is taught.
        let u = v.understand(&jobs, "manœuvre maçon", &labels());
        assert_eq!(romes(&u)[..2], ["F1703", "F1704"]);
        assert_eq!(u.jobs[0].score, 1.0);
        let u = v.understand(&jobs, "électricien", &labels());
        assert_ne!(romes(&u)[0], "K2402");
        assert!(v.lycees_teaching(romes(&u)[0]) > 0);
        // Words that only name a job taught nowhere still find it.
        assert_eq!(romes(&v.understand(&jobs, "médecin", &labels())), ["J1102"]);
    }

    #[test]
    fn field_words_give_the_field_s_taught_jobs() {
        let (jobs, v) = catalogue();
        let u = v.understand(&jobs, "gros œuvre", &labels());
        let field = u.field.and_then(|f| v.fields.get(f)).expect("a field");
        assert_eq!(field.of, "du gros œuvre");
        let mut got = romes(&u);
        got.sort_unstable();
        assert_eq!(got, ["F1503", "F1703"], "the labourer is taught nowhere");
        let u = v.understand(&jobs, "BTP", &labels());
        assert_eq!(u.field.map(|f| v.fields[f].of.as_str()), Some("du bâtiment et des travaux publics"));
        assert!(!romes(&u).contains(&"F1704"));
        // A label of the data ("Travaux et gros oeuvre").
        let u = v.understand(&jobs, "travaux et gros oeuvre", &labels());
        assert!(u.field.is_some());
    }

    #[test]
    fn diploma_words_give_the_diploma_s_jobs() {
        let (jobs, v) = catalogue();
        let u = v.understand(&jobs, "bac pro ASSP", &labels());
        assert_eq!(u.specialties.len(), 1);
        let assp = &v.specialties[u.specialties[0]];
        assert_eq!(assp.label, "Bac pro accompagnement, soins et services à la personne");
        assert_eq!(assp.cfds, ["40033004", "40033007"]);
        assert_eq!(assp.lycees, 1);
        let mut got = romes(&u);
        got.sort_unstable();
        assert_eq!(got, ["J1501", "K1302"]);
        // The old code leads to the jobs of its specialty.
        assert_eq!(v.romes_of("40033004"), Some(&["K1302".to_string(), "J1501".to_string()][..]));
        let melec = v.understand(&jobs, "MELEC", &labels());
        assert_eq!(melec.specialties.len(), 1);
        assert!(romes(&melec).contains(&"F1602"));
        // A level alone, or an unknown acronym: no diploma.
        assert!(v.understand(&jobs, "bac pro", &labels()).specialties.is_empty());
        assert!(v.understand(&jobs, "CAP zzz", &labels()).jobs.is_empty());
    }

    #[test]
    fn bad_input_never_panics() {
        let (jobs, v) = catalogue();
        for words in ["", " ", "!!!", "😀", "bac", "de la", &"a".repeat(1000), "cap cap cap", "\u{202e}btp"] {
            let _ = v.understand(&jobs, words, &labels());
        }
        let empty = Vocabulary::default();
        assert!(empty.understand(&jobs, "BTP", &labels()).field.is_none());
    }
}
