//! Search in company words: the jobs a company means, and the lycées near a
//! place that train for them, most relevant then nearest first, each with
//! the reasons it matches.
//!
//! Everything a search reads is in memory, built from the database at start
//! and rebuilt when the catalogue version changes, identically whatever the
//! database engine: the job index (`jobs`), every lycée with its diplomas and
//! their jobs, and the communes' positions.

pub mod jobs;
pub mod places;
pub mod understanding;

use crate::cache::VersionedCache;
use crate::storage::{self, Db};
use domain::geo::round_km;
use domain::matching::{Asked, Kinship, LyceeCard, Offer, WantedJob, rome_id};
use domain::{ActionType, Niveau, Position};
use fixedbitset::FixedBitSet;
use jobs::{JobIndex, JobText, Source, UnderstoodJob};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use understanding::{DiplomaRow, Understanding, Vocabulary};

/// Jobs understood from words that a search uses: the best ones, down to
/// this share of the best score…
const KEEP_SCORE: f64 = 0.85;
/// …and at most this many.
const KEEP_MAX: usize = 3;
/// Further suggestions offered next to the understood jobs.
const SUGGEST_MAX: usize = 5;

pub use places::{Place, PlaceIndex};

/// The in-memory data of one catalogue version.
pub struct SearchIndex {
    pub version: i64,
    pub jobs: JobIndex,
    pub lycees: Vec<LyceeCard>,
    /// UAI → index in `lycees`: pages, routing and the territory look
    /// lycées up by code thousands of times per answer (a scan of the
    /// 4,000 lycées each time made `/stages` ×15 slower than `/recherche`).
    by_uai: HashMap<String, usize>,
    /// Lycées teaching each job or a related one (ROME id → a set of
    /// indexes in `lycees`): a search's candidates are the union of the
    /// sets of its asked jobs, a few hundred bytes each.
    reach: HashMap<u32, FixedBitSet>,
    /// Which jobs are related, from the diplomas lycées teach.
    pub kinship: Kinship,
    /// The communes, by code, name and postcode.
    pub places: PlaceIndex,
    pub rome_labels: HashMap<String, String>,
    /// Département → (académie code, académie name).
    pub academies: HashMap<String, (String, String)>,
    /// What lycées accept, when they said so (absent: everything).
    pub availability: HashMap<String, domain::routing::Availability>,
    /// NAF division → jobs typical of the sector.
    pub division_romes: HashMap<String, Vec<String>>,
    /// NAF 2025 sub-class → the NAF rév. 2 divisions it comes from (INSEE's
    /// correspondence, when the optional file was imported).
    pub naf2025_divisions: HashMap<String, Vec<String>>,
    /// How many lycées teach each job (to order suggestions).
    pub lycees_per_rome: HashMap<String, usize>,
    /// Diploma specialties, fields and related jobs.
    pub vocabulary: Vocabulary,
    /// Renewed diplomas: old code → current code (`diplomes.successeur`),
    /// for what was stored under an old code (a placement need).
    pub renewed: HashMap<String, String>,
    pub build_time: Duration,
}

impl SearchIndex {
    /// Builds the index from the database.
    pub async fn build(db: &Db, version: i64) -> anyhow::Result<SearchIndex> {
        let started = Instant::now();
        let romes = storage::catalogue::romes(db).await?;
        let rome_labels: HashMap<String, String> = romes.iter().map(|r| (r.code.clone(), r.libelle.clone())).collect();
        let mut texts: Vec<JobText> = romes
            .iter()
            .map(|r| JobText { source: Source::Sheet, label: r.libelle.clone(), romes: vec![r.code.clone()] })
            .collect();
        for a in storage::catalogue::appellations(db).await? {
            texts.push(JobText { source: Source::Title, label: a.libelle, romes: vec![a.rome_code] });
        }
        let mut romes_of_cfd: HashMap<String, Vec<String>> = HashMap::new();
        for (cfd, rome) in storage::search::diploma_romes(db).await? {
            romes_of_cfd.entry(cfd).or_default().push(rome);
        }
        let diplomas: Vec<DiplomaRow> = storage::search::diplomas(db)
            .await?
            .into_iter()
            .map(|(cfd, label, level, group)| DiplomaRow {
                cfd,
                label,
                level: Niveau::from_code(&level).unwrap_or(Niveau::Autre),
                group,
            })
            .collect();
        for d in &diplomas {
            if let Some(romes) = romes_of_cfd.get(&d.cfd) {
                texts.push(JobText { source: Source::Diploma, label: d.label.clone(), romes: romes.clone() });
            }
        }
        // A code leads to the jobs of its whole specialty (options, common
        // first year, renewed version): what the search and the routing see.
        let specialties = Vocabulary::specialties(&diplomas, &romes_of_cfd);
        for (cfd, &i) in &specialties.1 {
            let romes = &specialties.0[i].romes;
            if !romes.is_empty() {
                romes_of_cfd.insert(cfd.clone(), romes.clone());
            }
        }
        let mut romes_of_division: HashMap<String, Vec<String>> = HashMap::new();
        for (division, rome) in storage::search::naf_romes(db).await? {
            romes_of_division.entry(division).or_default().push(rome);
        }
        for (_, label, division) in storage::search::naf(db).await? {
            if let Some(romes) = romes_of_division.get(&division) {
                texts.push(JobText { source: Source::Sector, label, romes: romes.clone() });
            }
        }
        let jobs = JobIndex::build(texts, rome_labels.clone())?;
        let division_romes = romes_of_division.clone();
        let mut naf2025_divisions: HashMap<String, Vec<String>> = HashMap::new();
        for (code, rev2) in storage::search::naf2025(db).await? {
            let divisions = naf2025_divisions.entry(code).or_default();
            if let Some(d) = domain::naf::division(&rev2)
                && !divisions.contains(&d)
            {
                divisions.push(d);
            }
        }

        let mut offers: HashMap<String, Vec<Offer>> = HashMap::new();
        // The day the index is built: it is rebuilt with each catalogue
        // version (each import, each change of a placement need), so a
        // diploma closing in between stays searchable until the next one.
        let today = time::OffsetDateTime::now_utc().date().to_string();
        for o in storage::search::offers(db, &today).await? {
            let romes = romes_of_cfd.get(&o.cfd).cloned().unwrap_or_default();
            let niveau = Niveau::from_code(&o.niveau).unwrap_or(Niveau::Autre);
            offers
                .entry(o.uai)
                .or_default()
                .push(Offer::new(o.cfd, o.libelle, niveau, o.effectif, romes).with_group(o.groupe_specialite));
        }
        let mut lycees = Vec::new();
        let mut by_rome: HashMap<u32, Vec<u32>> = HashMap::new();
        for c in storage::search::cards(db).await? {
            let idx = lycees.len() as u32;
            let card_offers = offers.remove(&c.uai).unwrap_or_default();
            let mut taught: Vec<u32> = card_offers.iter().flat_map(|o| o.rome_ids.iter().copied()).collect();
            taught.sort_unstable();
            taught.dedup();
            for r in taught {
                by_rome.entry(r).or_default().push(idx);
            }
            lycees.push(LyceeCard {
                position: match (c.lat, c.lon) {
                    (Some(lat), Some(lon)) => Position::new(lat, lon),
                    _ => None,
                },
                uai: c.uai,
                nom: c.nom,
                kind: c.kind,
                secteur: c.secteur,
                commune_code: c.commune_code,
                commune_nom: c.commune_nom,
                departement: c.departement_code,
                academie: c.academie_code,
                offers: card_offers,
                employment_rate: c.taux_emploi_6_mois,
                further_study_rate: c.taux_poursuite_etudes,
                value_added: c.valeur_ajoutee,
            });
        }
        let mut postcodes: HashMap<String, Vec<String>> = HashMap::new();
        for (code, cp) in storage::search::postcodes(db).await? {
            postcodes.entry(code).or_default().push(cp);
        }
        let places = PlaceIndex::new(
            storage::search::places(db)
                .await?
                .into_iter()
                .map(|p| Place {
                    position: match (p.lat, p.lon) {
                        (Some(lat), Some(lon)) => Position::new(lat, lon),
                        _ => None,
                    },
                    postcodes: postcodes.remove(&p.code_insee).unwrap_or_default(),
                    code_insee: p.code_insee,
                    nom: p.nom,
                    departement: p.departement_code,
                    kind: p.kind,
                    parent: p.parent_code,
                    population: p.population,
                })
                .collect(),
        );
        let mut lycees_per_rome: HashMap<String, usize> = HashMap::new();
        for card in &lycees {
            let mut romes: Vec<&String> = card.offers.iter().flat_map(|o| o.romes.iter()).collect();
            romes.sort_unstable();
            romes.dedup();
            for r in romes {
                *lycees_per_rome.entry(r.clone()).or_default() += 1;
            }
        }
        let domains = storage::search::domains(db).await?;
        let teaching: Vec<(&str, &str)> =
            lycees.iter().flat_map(|c| c.offers.iter().map(|o| (c.uai.as_str(), o.cfd.as_str()))).collect();
        let vocabulary = Vocabulary::build(specialties, &teaching, lycees_per_rome.clone(), &domains, &rome_labels);
        let academies = storage::search::departement_academies(db)
            .await?
            .into_iter()
            .map(|(dep, code, nom)| (dep, (code, nom)))
            .collect();
        let availability = storage::search::availability(db)
            .await?
            .into_iter()
            .map(|(uai, actions, paused, capacity)| {
                let a = domain::routing::Availability {
                    accepts: actions.map(|a| a.split(',').filter_map(ActionType::from_code).collect()),
                    paused,
                    capacity_left: capacity.map(|c| u32::try_from(c.max(0)).unwrap_or(0)),
                };
                (uai, a)
            })
            .collect();
        let kinship = Kinship::from_offers(lycees.iter().flat_map(|l| l.offers.iter()));
        let reach = reach_of(&by_rome, &kinship, lycees.len());
        let by_uai = lycees.iter().enumerate().map(|(i, l)| (l.uai.clone(), i)).collect();
        Ok(SearchIndex {
            by_uai,
            kinship,
            availability,
            version,
            jobs,
            lycees,
            reach,
            places,
            rome_labels,
            academies,
            division_romes,
            naf2025_divisions,
            lycees_per_rome,
            vocabulary,
            renewed: storage::search::renewed(db).await?.into_iter().collect(),
            build_time: started.elapsed(),
        })
    }
}

/// Where to search.
#[derive(Debug, Clone)]
pub enum Center {
    Commune(String),
    Point(Position),
}

/// A search as asked.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Free words; ignored when `romes` is given.
    pub words: Option<String>,
    /// Jobs named directly.
    pub romes: Vec<String>,
    pub center: Option<Center>,
    pub radius_km: f64,
    pub levels: Vec<Niveau>,
    /// `public` or `prive`.
    pub secteur: Option<String>,
    /// Only lycées taking this kind of request now.
    pub action: Option<ActionType>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
}

/// A search that cannot run as asked (reported to the user, never a 5xx).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SearchError {
    #[error("commune inconnue : {0}")]
    UnknownCommune(String),
    #[error("la position de la commune {0} n'est pas connue")]
    PlaceWithoutPosition(String),
    #[error("code ROME inconnu : {0}")]
    UnknownRome(String),
}

/// A job the search looked for.
#[derive(Debug, Clone, PartialEq)]
pub struct SoughtJob {
    pub rome: String,
    pub libelle: String,
    pub weight: f64,
}

/// One lycée found.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    pub lycee: &'a LyceeCard,
    pub distance_km: Option<f64>,
    pub score: f64,
}

/// The jobs a search asks for ([`SearchIndex::asked_jobs`]).
#[derive(Debug, Default)]
pub struct AskedJobs<'a> {
    pub jobs: Vec<SoughtJob>,
    /// The jobs of the field the words name, if any.
    pub field_romes: Vec<String>,
    pub field_of: Option<String>,
    /// Labels of the diplomas the words name, and their codes.
    pub diplomas: Vec<String>,
    pub named_cfds: Vec<&'a str>,
}

impl AskedJobs<'_> {
    /// The asked jobs as the matching rule reads them.
    pub fn wanted(&self) -> Vec<WantedJob> {
        wanted_of(&self.jobs, &self.field_romes)
    }
}

/// A field: every job of the field; else the jobs understood, weighed.
fn wanted_of(jobs: &[SoughtJob], field_romes: &[String]) -> Vec<WantedJob> {
    if field_romes.is_empty() {
        jobs.iter().map(|j| WantedJob::new(&j.rome, j.weight)).collect()
    } else {
        field_romes.iter().map(|r| WantedJob::new(r, 1.0)).collect()
    }
}

/// A page of results and how the words were understood.
#[derive(Debug)]
pub struct Outcome<'a> {
    pub total: usize,
    pub jobs: Vec<SoughtJob>,
    /// The asked jobs as the matching rule reads them.
    pub wanted: Vec<WantedJob>,
    /// Jobs related to the asked ones (taught in lycées, related by the
    /// diplomas: `domain::matching::Kinship`, the routing's "métier
    /// proche"), strongest first.
    pub suggestions: Vec<UnderstoodJob>,
    /// The field the words name, with its jobs taught by the lycées found.
    pub field: Option<FieldOutcome>,
    /// Labels of the diplomas the words name.
    pub diplomas: Vec<String>,
    pub place: Option<&'a Place>,
    pub radius_km: f64,
    pub hits: Vec<Hit<'a>>,
}

/// A field searched: every lycée teaching one of its jobs is found.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldOutcome {
    /// Completes "Tous les métiers …".
    pub of: String,
    /// The field's jobs that the lycées found teach, most taught first.
    pub jobs: Vec<SoughtJob>,
}

impl SearchIndex {
    /// Jobs typical of a company's NAF sector ("43.21A"), the ones most
    /// lycées train for first.
    pub fn jobs_of_sector(&self, naf: &str, limit: usize) -> Vec<String> {
        let division: String = naf.chars().take_while(char::is_ascii_digit).collect();
        let mut romes: Vec<(usize, String)> = self
            .division_romes
            .get(&division)
            .into_iter()
            .flatten()
            .filter_map(|r| self.lycees_per_rome.get(r).map(|n| (*n, r.clone())))
            .collect();
        romes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        romes.into_iter().take(limit).map(|(_, r)| r).collect()
    }

    /// Jobs typical of a company's NAF 2025 sector ("43.21Y"), through the
    /// NAF rév. 2 divisions INSEE's correspondence gives it; `None` when
    /// the correspondence does not know the code (or was not imported):
    /// the journey then says it cannot suggest jobs from the sector.
    pub fn jobs_of_naf2025(&self, code: &str, limit: usize) -> Option<Vec<String>> {
        let divisions = self.naf2025_divisions.get(code.trim())?;
        let mut romes: Vec<(usize, String)> = Vec::new();
        for d in divisions {
            for r in self.jobs_of_sector(d, usize::MAX) {
                if !romes.iter().any(|(_, x)| *x == r) {
                    romes.push((self.lycees_per_rome.get(&r).copied().unwrap_or(0), r));
                }
            }
        }
        romes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        Some(romes.into_iter().take(limit).map(|(_, r)| r).collect())
    }

    /// The lycée with this UAI.
    pub fn lycee(&self, uai: &str) -> Option<&LyceeCard> {
        self.by_uai.get(uai).and_then(|&i| self.lycees.get(i))
    }

    /// The code a diploma is taught under today: its successor's when the
    /// BCN renewed it, else itself.
    pub fn current_cfd<'a>(&'a self, cfd: &'a str) -> &'a str {
        self.renewed.get(cfd).map_or(cfd, String::as_str)
    }

    /// The jobs kept for a search or a request among the ones understood
    /// from words (best ones, down to a share of the best score).
    pub fn kept_jobs(understood: &[UnderstoodJob]) -> Vec<&UnderstoodJob> {
        understood.iter().take(KEEP_MAX).filter(|j| j.score >= KEEP_SCORE).collect()
    }

    /// What words mean (not cached: see [`Search::understanding`]).
    pub fn understand(&self, words: &str) -> Understanding {
        self.vocabulary.understand(&self.jobs, words, &self.rome_labels)
    }

    /// Jobs related to `romes` (taught in lycées), strongest first, without
    /// `romes` themselves.
    pub fn related_jobs(&self, romes: &[(String, f64)], limit: usize) -> Vec<UnderstoodJob> {
        let mut best: Vec<(String, f64)> = Vec::new();
        for (rome, weight) in romes {
            for (id, strength) in self.kinship.related(rome_id(rome)) {
                let r = domain::matching::rome_code(*id);
                if romes.iter().any(|(k, _)| *k == r) {
                    continue;
                }
                // To one decimal: among jobs about as close, the one most
                // lycées teach comes first (a whole specialty group is often
                // within a few thousandths).
                let s = (strength * weight * 10.0).round() / 10.0;
                match best.iter_mut().find(|(b, _)| *b == r) {
                    Some(b) => b.1 = b.1.max(s),
                    None => best.push((r, s)),
                }
            }
        }
        best.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(self.vocabulary.lycees_teaching(&b.0).cmp(&self.vocabulary.lycees_teaching(&a.0)))
                .then(a.0.cmp(&b.0))
        });
        best.into_iter()
            .take(limit)
            .filter_map(|(rome, s)| {
                let libelle = self.rome_labels.get(&rome)?.clone();
                Some(UnderstoodJob { rome, appellation: libelle.clone(), libelle, score: (s * 100.0).round() / 100.0 })
            })
            .collect()
    }

    /// Runs a search; `understood` tells what the free words mean.
    /// The jobs asked, as the search reads them: ROME codes given, else
    /// the jobs, field and diplomas understood from the words. Cheap: no
    /// lycée is looked at (`/stages` needs only this).
    pub fn asked_jobs<'a>(
        &'a self,
        romes: &[String],
        understood: &Understanding,
    ) -> Result<AskedJobs<'a>, SearchError> {
        let mut asked = AskedJobs::default();
        if !romes.is_empty() {
            for r in romes {
                let libelle = self.rome_labels.get(r).ok_or_else(|| SearchError::UnknownRome(r.clone()))?;
                asked.jobs.push(SoughtJob { rome: r.clone(), libelle: libelle.clone(), weight: 1.0 });
            }
            return Ok(asked);
        }
        if let Some(f) = understood.field.and_then(|f| self.vocabulary.fields.get(f)) {
            asked.field_romes.clone_from(&f.romes);
            asked.field_of = Some(f.of.clone());
        }
        for s in understood.specialties.iter().filter_map(|&i| self.vocabulary.specialties.get(i)) {
            asked.diplomas.push(s.label.clone());
            asked.named_cfds.extend(s.cfds.iter().map(String::as_str));
        }
        asked.jobs = understood
            .jobs
            .iter()
            .take(KEEP_MAX)
            .filter(|j| j.score >= KEEP_SCORE)
            .map(|j| SoughtJob { rome: j.rome.clone(), libelle: j.libelle.clone(), weight: j.score })
            .collect();
        Ok(asked)
    }

    pub fn search<'a>(&'a self, q: &SearchQuery, understood: &Understanding) -> Result<Outcome<'a>, SearchError> {
        let AskedJobs { jobs, field_romes, field_of, diplomas, named_cfds } = self.asked_jobs(&q.romes, understood)?;
        let suggestions = if field_of.is_some() {
            Vec::new()
        } else {
            let asked: Vec<(String, f64)> = jobs.iter().map(|j| (j.rome.clone(), j.weight)).collect();
            self.related_jobs(&asked, SUGGEST_MAX)
        };
        let words_given = q.words.as_deref().is_some_and(|w| !w.trim().is_empty()) || !q.romes.is_empty();

        let (place, center) = match &q.center {
            None => (None, None),
            Some(Center::Point(p)) => (None, Some(*p)),
            Some(Center::Commune(code)) => {
                let place = self.places.get(code).ok_or_else(|| SearchError::UnknownCommune(code.clone()))?;
                let p = place.position.ok_or_else(|| SearchError::PlaceWithoutPosition(code.clone()))?;
                (Some(place), Some(p))
            }
        };
        let bbox = center.map(|c| c.bounding_box(q.radius_km));

        // A field: every job of the field, any lycée teaching one of them.
        let wanted = wanted_of(&jobs, &field_romes);
        let mut field_ids: Vec<u32> = field_romes.iter().map(|r| rome_id(r)).collect();
        field_ids.sort_unstable();

        let asked = Asked::new(&wanted, &self.kinship);
        // Candidates: lycées teaching a job asked or a related one, or all.
        let mut candidates = FixedBitSet::with_capacity(self.lycees.len());
        if words_given {
            for w in &wanted {
                if let Some(set) = self.reach.get(&w.id) {
                    candidates.union_with(set);
                }
            }
        } else {
            candidates.insert_range(..);
        }

        let mut hits: Vec<Hit<'a>> = Vec::new();
        for card in candidates.ones().map(|i| &self.lycees[i]) {
            if q.secteur.as_deref().is_some_and(|s| s != card.secteur) {
                continue;
            }
            if let Some(a) = q.action
                && self.availability.get(&card.uai).is_some_and(|av| !av.allows(a))
            {
                continue;
            }
            let distance = match (center, card.position) {
                (Some(c), Some(p)) => {
                    let (la0, la1, lo0, lo1) = bbox.unwrap_or((-90.0, 90.0, -180.0, 180.0));
                    if p.lat < la0 || p.lat > la1 || p.lon < lo0 || p.lon > lo1 {
                        continue;
                    }
                    let d = c.distance_km(&p);
                    if d > q.radius_km {
                        continue;
                    }
                    Some(d)
                }
                (Some(_), None) => continue,
                (None, _) => None,
            };
            let level_ok = |o: &&Offer| q.levels.is_empty() || q.levels.contains(&o.niveau);
            let score = if !field_ids.is_empty() {
                // In the field or not: no related half-matches.
                let teaches = card
                    .offers
                    .iter()
                    .filter(level_ok)
                    .any(|o| o.rome_ids.iter().any(|r| field_ids.binary_search(r).is_ok()));
                if !teaches {
                    continue;
                }
                1.0
            } else if words_given {
                let mut score = asked.relevance(card, &q.levels);
                if !named_cfds.is_empty() && score > 0.0 {
                    // The diploma named comes before others leading to its jobs.
                    let named = card.offers.iter().filter(level_ok).any(|o| named_cfds.contains(&o.cfd.as_str()));
                    if !named {
                        score *= 0.9;
                    }
                }
                if score == 0.0 {
                    continue;
                }
                score
            } else {
                if !q.levels.is_empty() && !card.offers.iter().any(|o| q.levels.contains(&o.niveau)) {
                    continue;
                }
                1.0
            };
            hits.push(Hit { lycee: card, distance_km: distance.map(round_km), score: (score * 100.0).round() / 100.0 });
        }
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.distance_km.unwrap_or(0.0).total_cmp(&b.distance_km.unwrap_or(0.0)))
                .then(a.lycee.departement.cmp(&b.lycee.departement))
                .then(a.lycee.nom.cmp(&b.lycee.nom))
        });
        let field = field_of.map(|of| {
            // The field's jobs that the lycées found teach.
            let mut near = vec![false; field_romes.len()];
            for h in &hits {
                for o in h.lycee.offers.iter().filter(|o| q.levels.is_empty() || q.levels.contains(&o.niveau)) {
                    for r in &o.romes {
                        if let Some(i) = field_romes.iter().position(|f| f == r) {
                            near[i] = true;
                        }
                    }
                }
            }
            let jobs = field_romes
                .iter()
                .zip(near)
                .filter(|(_, n)| *n)
                .filter_map(|(r, _)| {
                    Some(SoughtJob { rome: r.clone(), libelle: self.rome_labels.get(r)?.clone(), weight: 1.0 })
                })
                .collect();
            FieldOutcome { of, jobs }
        });
        let total = hits.len();
        let start = q.page.saturating_sub(1).saturating_mul(q.per_page);
        let hits: Vec<Hit<'a>> = hits.into_iter().skip(start).take(q.per_page).collect();
        Ok(Outcome { total, jobs, wanted, suggestions, field, diplomas, place, radius_km: q.radius_km, hits })
    }
}

/// For each job taught, the lycées teaching it or a related job.
fn reach_of(by_rome: &HashMap<u32, Vec<u32>>, kinship: &Kinship, lycees: usize) -> HashMap<u32, FixedBitSet> {
    let teaching: HashMap<u32, FixedBitSet> = by_rome
        .iter()
        .map(|(rome, idx)| {
            let mut set = FixedBitSet::with_capacity(lycees);
            set.extend(idx.iter().map(|&i| i as usize));
            (*rome, set)
        })
        .collect();
    teaching
        .iter()
        .map(|(rome, set)| {
            let mut reach = set.clone();
            for related in kinship.related_to(*rome) {
                if let Some(other) = teaching.get(&related) {
                    reach.union_with(other);
                }
            }
            (*rome, reach)
        })
        .collect()
}

/// The search service: the current index, swapped when the catalogue
/// changes, and a cache of understood words.
pub struct Search {
    index: RwLock<Arc<SearchIndex>>,
    understood: VersionedCache<Arc<Understanding>>,
}

impl Search {
    pub fn new(index: SearchIndex) -> Search {
        Search { index: RwLock::new(Arc::new(index)), understood: VersionedCache::new(4096) }
    }

    pub fn index(&self) -> Arc<SearchIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the index (after a catalogue change).
    pub fn replace(&self, index: SearchIndex) {
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(index);
    }

    /// What words mean (a diploma, a field, jobs), cached per catalogue
    /// version.
    pub fn understanding(&self, index: &SearchIndex, words: &str) -> Arc<Understanding> {
        let key = domain::text::fold(words);
        if let Some(u) = self.understood.get(index.version, &key) {
            return u;
        }
        let u = Arc::new(index.understand(words));
        self.understood.insert(index.version, key, u.clone());
        u
    }

    /// The jobs words mean, best first (taught ones first), cached.
    pub fn understand(&self, index: &SearchIndex, words: &str) -> Arc<Vec<UnderstoodJob>> {
        self.understanding(index, words).jobs.clone()
    }
}
