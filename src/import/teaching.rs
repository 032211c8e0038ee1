//! What each lycée teaches: two official sources of different years,
//! merged per lycée × diploma, each fact kept with its year.
//!
//! - The **constat** (`constat_2020.csv`): students per lycée and MEF at the
//!   2020 rentrée, all years of a training together. It knows every
//!   training, BTS included.
//! - The **offer of the affectation** (`attractivite_capacite_2022.csv`):
//!   per lycée and MEF, the places offered at the 2022 rentrée
//!   ("Capacité carte scolaire") and how many candidates put it as their
//!   first choice ("Demandes vœux 1"). It lists what a lycée opens to new
//!   students through Affelnet: first years of CAP and Bac pro, secondes
//!   communes of the "familles de métiers", premières professionnelles of the
//!   specialities chosen after them — never BTS (Parcoursup).
//!
//! Both go through N_MEF (MEF_STAT_11 → diploma, year of the training). The
//! most recent source says what a lycée teaches; a lycée × diploma only the
//! constat knows stays, with its year. See `docs/decisions.md` § 20.

use super::source::{Csv, CsvSpec, Encoding, SourceError};
use super::thousands;
use crate::storage::Val;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Students per lycée and MEF (DEPP constat).
pub(super) const COUNT_FILE: &str = "formations/constat_2020.csv";
/// BCN N_MEF: MEF_STAT_11 → diploma (CFD) and year of the training.
pub(super) const MEF_FILE: &str = "formations/nMef.csv";
/// Places and first choices per lycée and MEF in the affectation.
pub(super) const OFFER_FILE: &str = "formations/attractivite_capacite_2022.csv";
/// The rentrée of [`OFFER_FILE`]: the file has no year column, its name
/// carries it.
pub(super) const OFFER_RENTREE: i64 = 2022;

/// Above this, a capacity is a placeholder, not places: the files write
/// 999 (and 998, 900, 1000 in other years) where no capacity was set.
/// The largest real one in 2022 is 168.
const MAX_PLACES: i64 = 500;

/// A MEF_STAT_11 of N_MEF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mef {
    pub cfd: String,
    /// The year of the training (1: first year; 2: première professionnelle…).
    pub year: i64,
}

/// Reads N_MEF: the first line of each MEF_STAT_11 wins (one MEF_STAT_11
/// has two lines with different diplomas in the real file).
pub(crate) fn read_mefs(csv: &Csv) -> Result<HashMap<String, Mef>, SourceError> {
    let (m_stat, m_cfd, m_year) = (csv.col("MEF_STAT_11"), csv.col("FORMATION_DIPLOME"), csv.col("ANNEE_DISPOSITIF"));
    let mut mefs = HashMap::with_capacity(csv.records.len());
    for r in &csv.records {
        let year = csv.opt_i64(r, m_year)?.unwrap_or(1);
        mefs.entry(r.get(m_stat).to_string()).or_insert_with(|| Mef { cfd: r.get(m_cfd).to_string(), year });
    }
    Ok(mefs)
}

pub(crate) const MEF_COLUMNS: &[&str] = &["MEF_STAT_11", "FORMATION_DIPLOME", "ANNEE_DISPOSITIF"];
pub(crate) const COUNT_COLUMNS: &[&str] = &["Rentrée scolaire", "UAI", "Mef Bcp 11", "Nombre d'élèves : Total"];
pub(crate) const OFFER_COLUMNS: &[&str] = &[
    "Etablissement d'accueil",
    "MEF STAT 11",
    "Voeu de recensement O/N",
    "Statut Offre de formation",
    "Capacité carte scolaire",
    "Demandes vœux 1",
];

/// Students per lycée × diploma at the latest rentrée of the constat.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub rentree: i64,
    pub pairs: BTreeMap<(String, String), i64>,
}

/// Reads the constat: lines of the latest rentrée, of the lycées kept, whose
/// MEF leads to a known diploma; the years of a training are summed.
pub(crate) fn read_counts(
    csv: &Csv,
    mefs: &HashMap<String, Mef>,
    lycees: &HashSet<&str>,
    diplomas: &HashSet<String>,
) -> Result<Counts, SourceError> {
    let (k_year, k_uai, k_mef, k_n) =
        (csv.col("Rentrée scolaire"), csv.col("UAI"), csv.col("Mef Bcp 11"), csv.col("Nombre d'élèves : Total"));
    let mut rentree = 0;
    for r in &csv.records {
        let year = csv.opt_i64(r, k_year)?.ok_or_else(|| csv.error(r, k_year, "année de rentrée manquante"))?;
        rentree = rentree.max(year);
    }
    let mut pairs: BTreeMap<(String, String), i64> = BTreeMap::new();
    for r in &csv.records {
        let uai = r.get(k_uai);
        if !lycees.contains(uai) || csv.opt_i64(r, k_year)? != Some(rentree) {
            continue;
        }
        let Some(mef) = mefs.get(r.get(k_mef)) else { continue };
        if !diplomas.contains(&mef.cfd) {
            continue;
        }
        let n = csv.opt_i64(r, k_n)?.unwrap_or(0);
        *pairs.entry((uai.to_string(), mef.cfd.clone())).or_default() += n;
    }
    Ok(Counts { rentree, pairs })
}

/// Places of one entry from the "Capacité carte scolaire" of its lines:
/// their sum, unless a line holds a placeholder (above [`MAX_PLACES`]) or
/// the sum is 0 (overseas académies mostly leave capacities at 0; a line
/// at 0 next to a real one adds nothing).
pub(crate) fn places(capacities: impl IntoIterator<Item = i64>) -> Option<i64> {
    let mut sum = 0;
    for c in capacities {
        if !(0..=MAX_PLACES).contains(&c) {
            return None;
        }
        sum += c;
    }
    (sum > 0).then_some(sum)
}

/// Whether a line of the offer is a place a lycée opens to pupils: school
/// status (`ST`, not apprenticeship) and a real choice, not a "vœu de
/// recensement" (a wish recorded to follow a pupil up, e.g. towards
/// apprenticeship, that leads to no place). Every line of 2022 is one.
pub(crate) fn is_school_offer(status: &str, census: &str) -> bool {
    status.eq_ignore_ascii_case("ST") && census.eq_ignore_ascii_case("N")
}

/// One line of the offer, mapped to its diploma's year of training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OfferLine {
    pub year: i64,
    /// "Capacité carte scolaire" as written (see [`places`]).
    pub capacity: i64,
    pub first_choices: i64,
}

/// What the offer says of one lycée × diploma.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Offer {
    /// The year of the training these figures are for: the earliest one
    /// the lycée recruits into (1, or 2 for a speciality chosen after a
    /// seconde commune).
    pub entry_year: i64,
    /// `None` when the lines of that entry give no real capacity.
    pub places: Option<i64>,
    pub first_choices: i64,
}

/// Combines the lines of one lycée × diploma: the lines of its earliest
/// year of entry are added up (several lines of the same entry are several
/// offers: two sites, CAP in one and two years…). Later entries
/// (a première open to pupils from elsewhere when the seconde is also
/// offered) are the same training: their places are not added.
pub(crate) fn combine(lines: &[OfferLine]) -> Option<Offer> {
    let entry_year = lines.iter().map(|l| l.year).min()?;
    let entry: Vec<&OfferLine> = lines.iter().filter(|l| l.year == entry_year).collect();
    Some(Offer {
        entry_year,
        places: places(entry.iter().map(|l| l.capacity)),
        first_choices: entry.iter().map(|l| l.first_choices).sum(),
    })
}

/// The offer of the lycées kept, per lycée × diploma, and what was left out.
#[derive(Debug, Default)]
pub(crate) struct Offers {
    pub pairs: BTreeMap<(String, String), Offer>,
    pub lines: usize,
    pub kept: usize,
    /// Lines of other establishments (general lycées, EREA, collèges…).
    pub other_schools: usize,
    /// Apprenticeship lines and "vœux de recensement".
    pub not_offers: usize,
    /// MEFs that N_MEF does not know or whose diploma is not in the BCN.
    pub unmapped: BTreeSet<String>,
}

pub(crate) fn read_offers(
    csv: &Csv,
    mefs: &HashMap<String, Mef>,
    lycees: &HashSet<&str>,
    diplomas: &HashSet<String>,
) -> Result<Offers, SourceError> {
    let c = |n: &str| csv.col(n);
    let (o_uai, o_mef, o_census, o_status, o_cap, o_first) = (
        c("Etablissement d'accueil"),
        c("MEF STAT 11"),
        c("Voeu de recensement O/N"),
        c("Statut Offre de formation"),
        c("Capacité carte scolaire"),
        c("Demandes vœux 1"),
    );
    let mut out = Offers { lines: csv.records.len(), ..Offers::default() };
    let mut lines: BTreeMap<(String, String), Vec<OfferLine>> = BTreeMap::new();
    for r in &csv.records {
        // Numbers are checked on every line: a broken file stops the import.
        let capacity = csv.opt_i64(r, o_cap)?.unwrap_or(0);
        let first_choices = csv.opt_i64(r, o_first)?.unwrap_or(0);
        if !is_school_offer(r.get(o_status), r.get(o_census)) {
            out.not_offers += 1;
            continue;
        }
        let uai = r.get(o_uai);
        if !lycees.contains(uai) {
            out.other_schools += 1;
            continue;
        }
        let Some(mef) = mefs.get(r.get(o_mef)).filter(|m| diplomas.contains(&m.cfd)) else {
            out.unmapped.insert(r.get(o_mef).to_string());
            continue;
        };
        out.kept += 1;
        lines.entry((uai.to_string(), mef.cfd.clone())).or_default().push(OfferLine {
            year: mef.year,
            capacity,
            first_choices,
        });
    }
    out.pairs = lines.into_iter().filter_map(|(k, l)| combine(&l).map(|o| (k, o))).collect();
    Ok(out)
}

/// The rows of `lycee_formations` and the figures of the merge.
pub(crate) struct Merged {
    pub rows: Vec<Vec<Val>>,
    pub lycees: usize,
    pub both: usize,
    pub only_count: usize,
    pub only_offer: usize,
    pub places_unknown: usize,
    /// Lycées to which the offer adds at least one diploma.
    pub lycees_gaining: usize,
}

pub(crate) const COLUMNS: &[&str] =
    &["uai", "cfd", "effectif", "effectif_rentree", "offre_rentree", "places", "premiers_voeux", "annee_entree"];

/// One row per lycée × diploma known to either source.
pub(crate) fn merge(counts: &Counts, offers: &Offers, offer_rentree: i64) -> Merged {
    let keys: BTreeSet<&(String, String)> = counts.pairs.keys().chain(offers.pairs.keys()).collect();
    let mut m = Merged {
        rows: Vec::with_capacity(keys.len()),
        lycees: 0,
        both: 0,
        only_count: 0,
        only_offer: 0,
        places_unknown: 0,
        lycees_gaining: 0,
    };
    let mut lycees = HashSet::new();
    let mut gaining = HashSet::new();
    for key in keys {
        let (uai, cfd) = key;
        let students = counts.pairs.get(key).copied();
        let offer = offers.pairs.get(key).copied();
        match (students, offer) {
            (Some(_), Some(_)) => m.both += 1,
            (Some(_), None) => m.only_count += 1,
            (None, _) => {
                m.only_offer += 1;
                gaining.insert(uai.as_str());
            }
        }
        m.places_unknown += usize::from(offer.is_some_and(|o| o.places.is_none()));
        lycees.insert(uai.as_str());
        m.rows.push(vec![
            Val::from(uai.clone()),
            Val::from(cfd.clone()),
            Val::from(students),
            Val::from(students.map(|_| counts.rentree)),
            Val::from(offer.map(|_| offer_rentree)),
            Val::from(offer.and_then(|o| o.places)),
            Val::from(offer.map(|o| o.first_choices)),
            Val::from(offer.map(|o| o.entry_year)),
        ]);
    }
    m.lycees = lycees.len();
    m.lycees_gaining = gaining.len();
    m
}

impl Merged {
    /// The import report's words for the merge.
    pub(crate) fn summary(&self, counts: &Counts, offers: &Offers, offer_rentree: i64) -> String {
        let mut s = format!(
            "{} formations dans {} lycées : {} dans l'offre de la rentrée {offer_rentree} ({} aussi comptées en {}, \
             {} nouvelles dans {} lycées, {} sans nombre de places), {} connues seulement par l'effectif de {} \
             ; offre {offer_rentree} : {} lignes, {} retenues, {} d'autres établissements",
            thousands(self.rows.len()),
            thousands(self.lycees),
            thousands(self.both + self.only_offer),
            thousands(self.both),
            counts.rentree,
            thousands(self.only_offer),
            thousands(self.lycees_gaining),
            thousands(self.places_unknown),
            thousands(self.only_count),
            counts.rentree,
            thousands(offers.lines),
            thousands(offers.kept),
            thousands(offers.other_schools),
        );
        if offers.not_offers > 0 {
            s.push_str(&format!(
                ", {} hors offre scolaire (apprentissage, vœux de recensement)",
                thousands(offers.not_offers)
            ));
        }
        if !offers.unmapped.is_empty() {
            let list: Vec<&str> = offers.unmapped.iter().map(String::as_str).take(10).collect();
            s.push_str(&format!(", {} MEF sans diplôme connu ({})", offers.unmapped.len(), list.join(", ")));
        }
        s
    }
}

/// Reads N_MEF, the constat and the offer for the lycées kept.
pub(crate) fn load(
    dir: &std::path::Path,
    lycees: &HashSet<&str>,
    diplomas: &HashSet<String>,
) -> anyhow::Result<(Merged, String)> {
    let utf8 = |required: &'static [&'static str]| CsvSpec { encoding: Encoding::Utf8, required };
    let mefs = read_mefs(&Csv::read(&dir.join(MEF_FILE), &utf8(MEF_COLUMNS))?)?;
    let counts = read_counts(&Csv::read(&dir.join(COUNT_FILE), &utf8(COUNT_COLUMNS))?, &mefs, lycees, diplomas)?;
    let offers = read_offers(&Csv::read(&dir.join(OFFER_FILE), &utf8(OFFER_COLUMNS))?, &mefs, lycees, diplomas)?;
    let merged = merge(&counts, &offers, OFFER_RENTREE);
    let summary = merged.summary(&counts, &offers, OFFER_RENTREE);
    Ok((merged, summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn csv(text: &str, required: &[&str]) -> Csv {
        Csv::parse(Path::new("test.csv"), text.as_bytes(), &CsvSpec { encoding: Encoding::Utf8, required })
            .expect("csv")
    }

    fn line(year: i64, capacity: i64, first_choices: i64) -> OfferLine {
        OfferLine { year, capacity, first_choices }
    }

    #[test]
    fn capacities_that_are_not_places() {
        assert_eq!(places([24]), Some(24));
        assert_eq!(places([1]), Some(1));
        assert_eq!(places([10, 25]), Some(35), "two offers of the same entry");
        assert_eq!(places([0, 12]), Some(12), "a line at 0 adds nothing");
        assert_eq!(places([0]), None, "0: no capacity set");
        assert_eq!(places([0, 0]), None);
        assert_eq!(places([999]), None, "placeholder");
        assert_eq!(places([998, 15]), None, "a placeholder hides the total");
        assert_eq!(places([-3]), None);
        assert_eq!(places([]), None);
    }

    #[test]
    fn only_school_places_are_offers() {
        assert!(is_school_offer("ST", "N"));
        assert!(!is_school_offer("AP", "N"), "apprenticeship");
        assert!(!is_school_offer("ST", "O"), "vœu de recensement");
    }

    #[test]
    fn the_earliest_entry_gives_the_figures() {
        // A seconde and a première of the same Bac pro: the seconde's.
        assert_eq!(
            combine(&[line(2, 15, 12), line(1, 15, 14)]),
            Some(Offer { entry_year: 1, places: Some(15), first_choices: 14 })
        );
        // A speciality after a seconde commune: only its première.
        assert_eq!(combine(&[line(2, 30, 52)]), Some(Offer { entry_year: 2, places: Some(30), first_choices: 52 }));
        // Two lines of the same entry are two offers: added up.
        assert_eq!(
            combine(&[line(1, 10, 5), line(1, 25, 34)]),
            Some(Offer { entry_year: 1, places: Some(35), first_choices: 39 })
        );
        // A line with a placeholder: the places are not known.
        assert_eq!(
            combine(&[line(1, 10, 5), line(1, 999, 7)]),
            Some(Offer { entry_year: 1, places: None, first_choices: 12 })
        );
        assert_eq!(combine(&[]), None);
    }

    #[test]
    fn reads_and_merges_both_sources() {
        let mefs = read_mefs(&csv(
            "MEF_STAT_11;FORMATION_DIPLOME;ANNEE_DISPOSITIF\n\
             23210025524;50025524;1\n\
             23810020008;40020008;1\n\
             23820025510;40025510;2\n\
             23830025510;40025510;3\n\
             24710000001;32000001;1\n",
            MEF_COLUMNS,
        ))
        .expect("mefs");
        assert_eq!(mefs["23820025510"], Mef { cfd: "40025510".into(), year: 2 });
        let lycees: HashSet<&str> = ["0690043X"].into_iter().collect();
        let diplomas: HashSet<String> =
            ["50025524", "40020008", "40025510", "32000001"].into_iter().map(String::from).collect();

        let counts = read_counts(
            &csv(
                "Rentrée scolaire;UAI;Mef Bcp 11;Nombre d'élèves : Total\n\
                 2020;0690043X;23210025524;35\n\
                 2020;0690043X;23830025510;40\n\
                 2020;0690043X;23820025510;45\n\
                 2020;0690043X;24710000001;20\n\
                 2020;0750001A;23210025524;12\n\
                 2020;0690043X;99999999999;7\n",
                COUNT_COLUMNS,
            ),
            &mefs,
            &lycees,
            &diplomas,
        )
        .expect("counts");
        assert_eq!(counts.rentree, 2020);
        assert_eq!(counts.pairs.len(), 3, "years of a training summed, other schools and unknown MEFs left out");
        assert_eq!(counts.pairs[&("0690043X".to_string(), "40025510".to_string())], 85);

        let offers = read_offers(
            &csv(
                "Etablissement d'accueil;MEF STAT 11;Voeu de recensement O/N;Statut Offre de formation;\
                 Capacité carte scolaire;Demandes vœux 1;Famille de métiers;nb_apparitions_uai_mefstat;mef_stat_terminale\n\
                 0690043X;23210025524;N;ST;24;38;;1;\n\
                 0690043X;23810020008;N;ST;90;73;;1;23830020008\n\
                 0690043X;23820025510;N;ST;30;52;TRANSITION NUMERIQUE ET ENERGETIQUE;1;23830025510\n\
                 0690043X;23820025510;O;ST;999;3;;1;23830025510\n\
                 0690043X;23810099999;N;ST;12;4;;1;\n\
                 0750001A;23210025524;N;ST;12;20;;1;\n",
                OFFER_COLUMNS,
            ),
            &mefs,
            &lycees,
            &diplomas,
        )
        .expect("offers");
        assert_eq!((offers.lines, offers.kept, offers.other_schools, offers.not_offers), (6, 3, 1, 1));
        assert_eq!(offers.unmapped.iter().collect::<Vec<_>>(), ["23810099999"]);
        assert_eq!(
            offers.pairs[&("0690043X".to_string(), "40025510".to_string())],
            Offer { entry_year: 2, places: Some(30), first_choices: 52 },
            "the census line adds nothing"
        );

        let merged = merge(&counts, &offers, 2022);
        assert_eq!((merged.rows.len(), merged.both, merged.only_count, merged.only_offer), (4, 2, 1, 1));
        assert_eq!((merged.lycees, merged.lycees_gaining, merged.places_unknown), (1, 1, 0));
        let row = |cfd: &str| merged.rows.iter().find(|r| r[1] == Val::from(cfd)).cloned().expect("row");
        let none = Val::Int(None);
        // Counted in 2020 and offered in 2022 (a speciality after the seconde commune).
        assert_eq!(
            row("40025510"),
            [Val::from("0690043X"), Val::from("40025510"), Val::from(85), Val::from(2020), Val::from(2022)]
                .into_iter()
                .chain([Val::from(30), Val::from(52), Val::from(2)])
                .collect::<Vec<_>>()
        );
        // The seconde commune, new in 2022: no count, its offer.
        assert_eq!(
            row("40020008")[2..],
            [none.clone(), none.clone(), Val::from(2022), Val::from(90), Val::from(73), Val::from(1)]
        );
        // The BTS, only counted in 2020: its count, no offer.
        assert_eq!(
            row("32000001")[2..],
            [Val::from(20), Val::from(2020), none.clone(), none.clone(), none.clone(), none]
        );
        let summary = merged.summary(&counts, &offers, 2022);
        assert!(
            summary.contains(": 3 dans l'offre de la rentrée 2022 (2 aussi comptées en 2020, 1 nouvelles"),
            "{summary}"
        );
        assert!(summary.contains("1 MEF sans diplôme connu (23810099999)"), "{summary}");
    }

    #[test]
    fn a_broken_number_stops_the_import() {
        let err = read_offers(
            &csv(
                "Etablissement d'accueil;MEF STAT 11;Voeu de recensement O/N;Statut Offre de formation;\
                 Capacité carte scolaire;Demandes vœux 1\n\
                 0690043X;23210025524;N;ST;vingt;38\n",
                OFFER_COLUMNS,
            ),
            &HashMap::new(),
            &HashSet::new(),
            &HashSet::new(),
        )
        .expect_err("not a number");
        assert!(err.to_string().contains("ligne 2, colonne 5 : nombre entier attendu, trouvé « vingt »"), "{err}");
    }
}
