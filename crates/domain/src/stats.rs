//! The public statistics of company requests (API.md, "Public statistics"):
//! from each request reduced to what statistics need (a [`Fact`]) to the
//! published figures of a period, overall and by month, action type and
//! académie, with the **statistical-confidentiality rule** applied.
//!
//! Pure like the rest of the crate: the service reads the rows and turns
//! each into a fact (its month, whether it was taken within three working
//! days of its own calendar…); everything a reader could dispute — what is
//! counted, how a median or a rate is rounded, which figure is withheld —
//! is decided here, once, for the API, the CSV files and the pages.
//!
//! The rule, from the contract: in a group (the whole answer, a month, an
//! action type, an académie) of fewer than [`THRESHOLD`] requests, every
//! count is withheld (`None`, shown "< 5"); and no rate, median or mean is
//! published when it would rest on fewer than [`THRESHOLD`] values (a
//! median of three delays, a mean of two ratings tell about individual
//! requests). In larger groups small counts are published (two requests of
//! 120 ended with an unreachable company) — unless a subtraction (a total
//! minus the visible parts of a list) would give a small group's count back:
//! then other counts are hidden too ([`suppress`], decision 41).

use crate::ActionType;
use crate::lifecycle::Outcome;
use serde::{Serialize, Serializer};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The fewest requests (or values) a published figure may rest on.
pub const THRESHOLD: u64 = 5;

/// The longest period one answer covers, in months: ten years of monthly
/// figures are plenty, and it bounds the work of one query.
pub const MAX_MONTHS: i32 = 120;

/// A calendar month in French (Paris) time: the unit of the statistics.
/// Every request is counted in the month of its creation as read on a
/// clock in Paris, overseas ones included, so that a month means the same
/// thing in every figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Months since year 0 (`year × 12 + month − 1`).
    index: i32,
}

impl Month {
    /// `None` outside 1 to 12, or outside the years the service can mean
    /// (2000 to 2999).
    pub fn new(year: i32, month: u8) -> Option<Month> {
        ((2000..3000).contains(&year) && (1..=12).contains(&month))
            .then(|| Month { index: year * 12 + i32::from(month) - 1 })
    }

    /// Reads "2026-11" (exactly four digits, a dash, two digits).
    pub fn parse(s: &str) -> Option<Month> {
        let b = s.as_bytes();
        if b.len() != 7 || b[4] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
            return None;
        }
        Month::new(s[..4].parse().ok()?, s[5..].parse().ok()?)
    }

    /// The month of an instant, in Paris time.
    pub fn of(t: OffsetDateTime) -> Month {
        let local = t.to_offset(crate::calendar::local_offset("75", t));
        Month { index: local.year() * 12 + i32::from(u8::from(local.month())) - 1 }
    }

    pub fn year(self) -> i32 {
        self.index.div_euclid(12)
    }

    /// 1 to 12.
    pub fn number(self) -> u8 {
        u8::try_from(self.index.rem_euclid(12) + 1).unwrap_or(1)
    }

    /// `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> Month {
        Month { index: self.index + n }
    }

    /// Months from `self` to `other` (0 for the same month).
    pub fn until(self, other: Month) -> i32 {
        other.index - self.index
    }

    /// The first instant of the month in Paris time: what a query on the
    /// stored UTC timestamps compares with.
    pub fn start(self) -> OffsetDateTime {
        let month = time::Month::try_from(self.number()).unwrap_or(time::Month::January);
        let day = Date::from_calendar_date(self.year(), month, 1).unwrap_or(Date::MIN);
        let local = PrimitiveDateTime::new(day, Time::MIDNIGHT);
        // Summer time never starts or ends on the first of a month at
        // midnight: the offset an hour before is the month's first offset.
        let guess = local.assume_utc() - time::Duration::hours(1);
        let offset = crate::calendar::local_offset("75", guess);
        local.assume_offset(offset).to_offset(UtcOffset::UTC)
    }

    /// "novembre 2026".
    pub fn label(self) -> String {
        format!("{} {}", crate::text::month_name(self.number()), self.year())
    }

    /// "nov. 2026", for chart axes.
    pub fn short_label(self) -> String {
        format!("{} {}", crate::text::month_abbreviation(self.number()), self.year())
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.number())
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Months from `du` to `au`, both included (the API's `du` and `au`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Period {
    #[serde(rename = "du")]
    pub from: Month,
    #[serde(rename = "au")]
    pub to: Month,
}

/// Why a period cannot be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("le mois de fin précède le mois de début")]
    Reversed,
    #[error("la période couvre {MAX_MONTHS} mois au plus")]
    TooLong,
}

impl Period {
    /// A period of at least one and at most [`MAX_MONTHS`] months.
    pub fn new(from: Month, to: Month) -> Result<Period, PeriodError> {
        match from.until(to) {
            n if n < 0 => Err(PeriodError::Reversed),
            n if n >= MAX_MONTHS => Err(PeriodError::TooLong),
            _ => Ok(Period { from, to }),
        }
    }

    /// The twelve months ending with the month of `now` (the default: the
    /// current month is counted as it stands).
    pub fn last_12_months(now: OffsetDateTime) -> Period {
        let to = Month::of(now);
        Period { from: to.plus(-11), to }
    }

    /// Every month, in order.
    pub fn months(self) -> impl Iterator<Item = Month> {
        (0..=self.from.until(self.to)).map(move |i| self.from.plus(i))
    }

    pub fn len(self) -> usize {
        usize::try_from(self.from.until(self.to) + 1).unwrap_or(0)
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Where the period starts and ends as instants (end excluded): the
    /// first instant of `from` and of the month after `to`, in Paris time.
    pub fn bounds(self) -> (OffsetDateTime, OffsetDateTime) {
        (self.from.start(), self.to.plus(1).start())
    }

    pub fn contains(self, m: Month) -> bool {
        self.from <= m && m <= self.to
    }
}

/// How a request ended, as the statistics count it (an open request has
/// no ending; a duplicate is never a fact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Closed with an outcome.
    Closed(Outcome),
    /// Nobody took it in time (`sans_reponse`).
    NoAnswer,
    /// Cancelled by the company (`annulee`).
    Cancelled,
}

/// One request, reduced to what the statistics need.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// The month of its creation (Paris time).
    pub month: Month,
    /// `None` for a code the referential does not know (counted in the
    /// totals, in no action group).
    pub action: Option<ActionType>,
    /// Its académie, as an index into [`Scope::academies`]; `None` when the
    /// commune has none we know.
    pub academie: Option<usize>,
    /// Seconds from its creation to its being taken, when it was.
    pub taken_after_seconds: Option<i64>,
    /// Taken at or before three working days after its creation, on the
    /// calendar of its own commune.
    pub taken_within_3_working_days: bool,
    pub ending: Option<Ending>,
    /// The company's word, 1 to 5.
    pub satisfaction: Option<u8>,
    /// The partner platform it came through, as an index into
    /// [`Scope::sources`]; `None` for the site (its pages and its API
    /// without a key).
    pub source: Option<usize>,
    /// It was written to a lycée at once (not only to the coordination,
    /// nor kept for nobody).
    pub direct: bool,
}

/// What the answer is about: the period, the académies it knows (code and
/// name, in the order groups are listed), and the filters.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub period: Period,
    pub academies: &'a [(String, String)],
    /// Only this académie (an index into `academies`).
    pub academie: Option<usize>,
    /// Only this action type.
    pub action: Option<ActionType>,
    /// The partner platforms the facts name (API.md: `source`).
    pub sources: &'a [String],
    /// How many lycées there are and how many someone reads, by académie.
    pub reach: Reach<'a>,
}

/// Lycées and reachable lycées (those someone reads: `crate::reach`), by
/// académie (same order as [`Scope::academies`]) and in all.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reach<'a> {
    pub by_academie: &'a [(u64, u64)],
    pub total: (u64, u64),
}

/// The service's reach (API.md, `couverture`): lycées are public, so their
/// counts are never withheld; the share of requests that reached a lycée
/// directly follows the rule of requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub lycees: u64,
    #[serde(rename = "lycees_joignables")]
    pub reachable: u64,
    #[serde(rename = "part_demandes_lycee_direct")]
    pub direct_share: Option<f64>,
    #[serde(rename = "par_academie")]
    pub by_academie: Vec<AcademieCoverage>,
}

/// The reach of one académie.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcademieCoverage {
    #[serde(rename = "academie")]
    pub name: String,
    pub code: String,
    pub lycees: u64,
    #[serde(rename = "lycees_joignables")]
    pub reachable: u64,
    #[serde(rename = "part_demandes_lycee_direct")]
    pub direct_share: Option<f64>,
}

impl Scope<'_> {
    fn admits(&self, f: &Fact) -> bool {
        self.period.contains(f.month)
            && self.academie.is_none_or(|a| f.academie == Some(a))
            && self.action.is_none_or(|a| f.action == Some(a))
    }
}

/// The endings, each a count (withheld in small groups).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Endings {
    pub partenariat: Option<u64>,
    pub realisee: Option<u64>,
    pub sans_suite: Option<u64>,
    pub injoignable: Option<u64>,
    pub sans_reponse: Option<u64>,
    pub annulee: Option<u64>,
}

/// The company's word: how many answered, and their mean (1 to 5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Satisfaction {
    #[serde(rename = "reponses")]
    pub answers: Option<u64>,
    #[serde(rename = "moyenne")]
    pub mean: Option<f64>,
}

/// The published figures of one group: `None` is a figure withheld by the
/// confidentiality rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    #[serde(rename = "demandes")]
    pub requests: Option<u64>,
    #[serde(rename = "prises_en_charge")]
    pub taken: Option<u64>,
    /// Taken, in % of the requests (one decimal).
    #[serde(rename = "taux_prise_en_charge")]
    pub taken_rate: Option<f64>,
    #[serde(rename = "prises_en_charge_3_jours_ouvres")]
    pub taken_in_3_days: Option<u64>,
    /// Taken within three working days, in % of the requests.
    #[serde(rename = "taux_prise_en_charge_3_jours_ouvres")]
    pub taken_in_3_days_rate: Option<f64>,
    /// Median time from creation to being taken, in hours (one decimal),
    /// over the requests taken.
    #[serde(rename = "delai_median_prise_en_charge_heures")]
    pub median_hours_to_take: Option<f64>,
    #[serde(rename = "issues")]
    pub endings: Endings,
    pub satisfaction: Satisfaction,
    /// A group of fewer than [`THRESHOLD`] requests: its counts are
    /// withheld for that ("< 5" on pages). A count withheld in a larger
    /// group was hidden so that no small count could be recovered by
    /// subtraction ([`suppress`]); pages say so differently. Not in the
    /// API, whose `null` is the same for both.
    #[serde(skip)]
    pub small: bool,
}

/// The figures of a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthFigures {
    #[serde(rename = "mois")]
    pub month: Month,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The figures of an action type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionFigures {
    pub action: ActionType,
    #[serde(rename = "libelle")]
    pub label: &'static str,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The figures of an académie.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcademieFigures {
    /// Its name, as the API names académies ("Lyon").
    #[serde(rename = "academie")]
    pub name: String,
    pub code: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// What the site's own requests are called in `par_source`.
pub const SITE_SOURCE: &str = "monlyceepro";

/// The figures of a source: the site, or a partner platform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceFigures {
    /// `monlyceepro` for the site, else the partner's name.
    pub source: String,
    #[serde(rename = "libelle")]
    pub label: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The filters an answer applied, as the API echoes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Filters {
    /// The académie's name.
    pub academie: Option<String>,
    pub action: Option<ActionType>,
}

/// The whole answer (`GET /api/v1/statistiques`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    #[serde(rename = "periode")]
    pub period: Period,
    #[serde(rename = "filtres")]
    pub filters: Filters,
    #[serde(flatten)]
    pub overall: Figures,
    /// Every month of the period, in order (a month without requests is a
    /// small group like any other).
    #[serde(rename = "par_mois")]
    pub by_month: Vec<MonthFigures>,
    /// Every action type the filters allow, in the journey's order.
    #[serde(rename = "par_action")]
    pub by_action: Vec<ActionFigures>,
    /// Every académie the filters allow, in the order of the scope.
    #[serde(rename = "par_academie")]
    pub by_academie: Vec<AcademieFigures>,
    /// The site first, then each partner platform with requests in the
    /// answer, in the order of the scope.
    #[serde(rename = "par_source")]
    pub by_source: Vec<SourceFigures>,
    #[serde(rename = "couverture")]
    pub coverage: Coverage,
}

/// The raw counts of a group, before the rule.
#[derive(Debug, Clone, Default)]
struct Tally {
    requests: u64,
    taken: u64,
    taken_in_3_days: u64,
    delays: Vec<i64>,
    outcomes: [u64; 4],
    no_answer: u64,
    cancelled: u64,
    ratings: u64,
    rating_sum: u64,
    direct: u64,
}

impl Tally {
    fn add(&mut self, f: &Fact) {
        self.requests += 1;
        self.direct += u64::from(f.direct);
        if let Some(d) = f.taken_after_seconds {
            self.taken += 1;
            self.delays.push(d);
            if f.taken_within_3_working_days {
                self.taken_in_3_days += 1;
            }
        }
        match f.ending {
            Some(Ending::Closed(o)) => {
                let i = Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0);
                self.outcomes[i] += 1;
            }
            Some(Ending::NoAnswer) => self.no_answer += 1,
            Some(Ending::Cancelled) => self.cancelled += 1,
            None => {}
        }
        if let Some(s) = f.satisfaction {
            self.ratings += 1;
            self.rating_sum += u64::from(s);
        }
    }

    /// Every count of the group, in the order of the measures
    /// ([`REQUESTS`], [`TAKEN`]…).
    fn counts(&self) -> Counts {
        let mut c = [0; MEASURES];
        c[REQUESTS] = self.requests;
        c[TAKEN] = self.taken;
        c[TAKEN_IN_3_DAYS] = self.taken_in_3_days;
        c[OUTCOMES..OUTCOMES + 4].copy_from_slice(&self.outcomes);
        c[NO_ANSWER] = self.no_answer;
        c[CANCELLED] = self.cancelled;
        c[RATINGS] = self.ratings;
        c[DIRECT] = self.direct;
        c
    }

    /// The group before complementary suppression: a small group hides
    /// every count.
    fn cells(&self) -> Cells {
        let small = self.requests < THRESHOLD;
        Cells { counts: self.counts(), hidden: [small; MEASURES], small }
    }

    /// The figures this group may publish, its counts hidden as `cells`
    /// says. A rate is published only beside both its counts (a rate and
    /// one count give the other).
    fn publish(mut self, cells: &Cells) -> Figures {
        let shown = |i: usize| (!cells.hidden[i]).then_some(cells.counts[i]);
        let rate_of = |i: usize| {
            if cells.hidden[i] || cells.hidden[REQUESTS] { None } else { rate(cells.counts[i], self.requests) }
        };
        let endings = Endings {
            partenariat: shown(OUTCOMES + outcome_index(Outcome::Partenariat)),
            realisee: shown(OUTCOMES + outcome_index(Outcome::Realisee)),
            sans_suite: shown(OUTCOMES + outcome_index(Outcome::SansSuite)),
            injoignable: shown(OUTCOMES + outcome_index(Outcome::Injoignable)),
            sans_reponse: shown(NO_ANSWER),
            annulee: shown(CANCELLED),
        };
        Figures {
            requests: shown(REQUESTS),
            taken: shown(TAKEN),
            taken_rate: rate_of(TAKEN),
            taken_in_3_days: shown(TAKEN_IN_3_DAYS),
            taken_in_3_days_rate: rate_of(TAKEN_IN_3_DAYS),
            median_hours_to_take: median_seconds(&mut self.delays).map(|s| one_decimal(s / 3600.0)),
            endings,
            satisfaction: Satisfaction {
                answers: shown(RATINGS),
                mean: (self.ratings >= THRESHOLD).then(|| one_decimal(self.rating_sum as f64 / self.ratings as f64)),
            },
            small: cells.small,
        }
    }

    /// The share of requests written to a lycée at once, as `cells` lets
    /// it be published.
    fn direct_share(&self, cells: &Cells) -> Option<f64> {
        if cells.hidden[DIRECT] || cells.hidden[REQUESTS] { None } else { rate(self.direct, self.requests) }
    }
}

fn outcome_index(o: Outcome) -> usize {
    Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0)
}

/// Rounded to one decimal, halves away from zero (80.25 → 80.3).
pub fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `part` in % of `whole`, one decimal; withheld on fewer than
/// [`THRESHOLD`] requests.
fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole >= THRESHOLD).then(|| one_decimal(part as f64 * 100.0 / whole as f64))
}

/// The median of the values (the mean of the two middle ones for an even
/// count); withheld on fewer than [`THRESHOLD`] values.
fn median_seconds(values: &mut [i64]) -> Option<f64> {
    let n = values.len();
    if (n as u64) < THRESHOLD {
        return None;
    }
    let mid = n / 2;
    let (_, upper, _) = values.select_nth_unstable(mid);
    let upper = *upper as f64;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = values[..mid].iter().copied().max().unwrap_or(0) as f64;
    Some((lower + upper) / 2.0)
}

/// How many counts a group has: requests, taken, taken within three
/// working days, the four outcomes, no answer, cancelled, ratings, and
/// requests written to a lycée at once (published as a share).
pub const MEASURES: usize = 11;
pub const REQUESTS: usize = 0;
pub const TAKEN: usize = 1;
pub const TAKEN_IN_3_DAYS: usize = 2;
/// The four outcomes of [`Outcome::ALL`], from here on.
pub const OUTCOMES: usize = 3;
pub const NO_ANSWER: usize = 7;
pub const CANCELLED: usize = 8;
pub const RATINGS: usize = 9;
/// Published only by académie and overall (`couverture`): the last measure,
/// so that the other lists publish the first [`DIRECT`] ones.
pub const DIRECT: usize = 10;

/// The counts of one group.
pub type Counts = [u64; MEASURES];

/// One group's counts and which of them are hidden: the cells of
/// complementary suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cells {
    pub counts: Counts,
    pub hidden: [bool; MEASURES],
    /// Fewer than [`THRESHOLD`] requests: every count is hidden for that,
    /// and a reader who sees "< 5" knows each is 0 to 4.
    pub small: bool,
}

impl Cells {
    /// A group as the small-group rule leaves it.
    pub fn of(counts: Counts) -> Cells {
        let small = counts[REQUESTS] < THRESHOLD;
        Cells { counts, hidden: [small; MEASURES], small }
    }
}

/// Groups whose counts add up to the whole answer's (the months, the action
/// types, the académies, the sources), publishing the first `measures`
/// counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    pub rows: Vec<Cells>,
    pub measures: usize,
}

/// Whether a reader of the answer can learn nothing of the small groups'
/// count `m` in `rows` beyond what "< 5" says, from the total and the visible
/// parts. The hidden parts add up to what the reader gets by subtraction; they
/// must be at least two, add up to at least [`THRESHOLD`], and leave every
/// count shown "< 5" free to be at least two values, knowing that it is 0 to
/// 4 and that a hidden number of requests of a larger group is at least 5
/// (its other counts are visible, so it is known to be larger). Without small
/// groups among the hidden parts there is nothing to protect.
fn protected(rows: &[Cells], m: usize) -> bool {
    let hidden = || rows.iter().filter(|c| c.hidden[m]);
    let small = hidden().filter(|c| c.small).count() as u64;
    if small == 0 {
        return true;
    }
    let count = hidden().count() as u64;
    let sum: u64 = hidden().map(|c| c.counts[m]).sum();
    if count < 2 || sum < THRESHOLD {
        return false;
    }
    // What the others may hold, at least and at most.
    let larger = count - small;
    let others_least = if m == REQUESTS { larger * THRESHOLD } else { 0 };
    let highest = (sum.saturating_sub(others_least)).min(THRESHOLD - 1);
    let lowest = if larger > 0 { 0 } else { sum.saturating_sub((small - 1) * (THRESHOLD - 1)) };
    lowest < highest
}

/// The visible part of count `m` to hide next in `rows`: the smallest that
/// is enough (ties: the first listed), else the largest (the first listed
/// among equals), to hide another after it; `None` when all are hidden.
fn next_to_hide(rows: &mut [Cells], m: usize) -> Option<usize> {
    let mut visible: Vec<usize> = (0..rows.len()).filter(|&i| !rows[i].hidden[m]).collect();
    visible.sort_by_key(|&i| (rows[i].counts[m], i));
    for &i in &visible {
        rows[i].hidden[m] = true;
        let enough = protected(rows, m);
        rows[i].hidden[m] = false;
        if enough {
            return Some(i);
        }
    }
    let largest = visible.iter().copied().max_by_key(|&i| (rows[i].counts[m], std::cmp::Reverse(i)))?;
    Some(largest)
}

/// **Complementary suppression** (decision 41): hides enough other counts
/// that no count of a small group can be recovered by subtracting visible
/// parts from the published total, in any list of parts. List by list and
/// count by count, the smallest visible part that is enough is hidden too
/// (see [`protected`]); when even hiding every part is not enough (the
/// total itself is small: two cancellations in all), that count is hidden
/// in the whole answer, total included. Each part belongs to one list and
/// only the totals are shared, so this ends once a round changes nothing.
pub fn suppress(overall: &mut Cells, lists: &mut [Parts]) {
    loop {
        let mut everywhere = Vec::new();
        let mut changed = false;
        for list in lists.iter_mut() {
            for m in 0..list.measures.min(MEASURES) {
                if overall.hidden[m] {
                    continue;
                }
                while !protected(&list.rows, m) {
                    match next_to_hide(&mut list.rows, m) {
                        Some(i) => {
                            list.rows[i].hidden[m] = true;
                            changed = true;
                        }
                        None => {
                            everywhere.push(m);
                            break;
                        }
                    }
                }
            }
        }
        for m in everywhere {
            overall.hidden[m] = true;
            for row in lists.iter_mut().flat_map(|l| l.rows.iter_mut()) {
                row.hidden[m] = true;
            }
            changed = true;
        }
        if !changed {
            return;
        }
    }
}

/// The published figures of the facts in `scope`: overall, by month, by
/// action type, by académie and by source, small groups withheld and
/// complementary suppression applied ([`suppress`]). Facts outside the
/// scope are ignored.
pub fn compute(facts: &[Fact], scope: &Scope<'_>) -> Report {
    let period = scope.period;
    let actions: Vec<ActionType> =
        ActionType::ALL.iter().copied().filter(|a| scope.action.is_none_or(|x| x == *a)).collect();
    let academies: Vec<usize> = (0..scope.academies.len()).filter(|i| scope.academie.is_none_or(|x| x == *i)).collect();
    let mut overall = Tally::default();
    let mut months = vec![Tally::default(); period.len()];
    let mut by_action = vec![Tally::default(); ActionType::ALL.len()];
    let mut by_academie = vec![Tally::default(); scope.academies.len()];
    // The site, then the partners.
    let mut by_source = vec![Tally::default(); scope.sources.len() + 1];
    for f in facts.iter().filter(|f| scope.admits(f)) {
        if let Some(t) = by_source.get_mut(f.source.map_or(0, |i| i + 1)) {
            t.add(f);
        }
        overall.add(f);
        if let Some(t) = usize::try_from(period.from.until(f.month)).ok().and_then(|i| months.get_mut(i)) {
            t.add(f);
        }
        if let Some(t) = f.action.and_then(|a| ActionType::ALL.iter().position(|x| *x == a)).map(|i| &mut by_action[i])
        {
            t.add(f);
        }
        if let Some(t) = f.academie.and_then(|i| by_academie.get_mut(i)) {
            t.add(f);
        }
    }
    let action_index = |a: ActionType| ActionType::ALL.iter().position(|x| *x == a).unwrap_or(0);
    let by_action: Vec<(ActionType, Tally)> =
        actions.into_iter().map(|a| (a, std::mem::take(&mut by_action[action_index(a)]))).collect();
    let by_academie: Vec<(usize, Tally)> =
        academies.into_iter().map(|i| (i, std::mem::take(&mut by_academie[i]))).collect();
    // The site always, a partner when it sent requests.
    let by_source: Vec<(usize, Tally)> =
        by_source.into_iter().enumerate().filter(|(i, t)| *i == 0 || t.requests > 0).collect();
    let mut whole = overall.cells();
    let mut lists = [
        Parts { rows: months.iter().map(Tally::cells).collect(), measures: DIRECT },
        Parts { rows: by_action.iter().map(|(_, t)| t.cells()).collect(), measures: DIRECT },
        Parts { rows: by_academie.iter().map(|(_, t)| t.cells()).collect(), measures: MEASURES },
        Parts { rows: by_source.iter().map(|(_, t)| t.cells()).collect(), measures: DIRECT },
    ];
    suppress(&mut whole, &mut lists);
    let [month_cells, action_cells, academie_cells, source_cells] = lists.map(|l| l.rows);
    let coverage = Coverage {
        lycees: match scope.academie {
            Some(i) => scope.reach.by_academie.get(i).map_or(0, |r| r.0),
            None => scope.reach.total.0,
        },
        reachable: match scope.academie {
            Some(i) => scope.reach.by_academie.get(i).map_or(0, |r| r.1),
            None => scope.reach.total.1,
        },
        direct_share: overall.direct_share(&whole),
        by_academie: by_academie
            .iter()
            .zip(&academie_cells)
            .map(|((i, t), cells)| AcademieCoverage {
                name: scope.academies[*i].1.clone(),
                code: scope.academies[*i].0.clone(),
                lycees: scope.reach.by_academie.get(*i).map_or(0, |r| r.0),
                reachable: scope.reach.by_academie.get(*i).map_or(0, |r| r.1),
                direct_share: t.direct_share(cells),
            })
            .collect(),
    };
    Report {
        period,
        filters: Filters {
            academie: scope.academie.and_then(|i| scope.academies.get(i)).map(|(_, name)| name.clone()),
            action: scope.action,
        },
        overall: overall.publish(&whole),
        by_month: period
            .months()
            .zip(months.into_iter().zip(&month_cells))
            .map(|(month, (t, cells))| MonthFigures { month, figures: t.publish(cells) })
            .collect(),
        by_action: by_action
            .into_iter()
            .zip(&action_cells)
            .map(|((a, t), cells)| ActionFigures { action: a, label: a.label(), figures: t.publish(cells) })
            .collect(),
        by_academie: by_academie
            .into_iter()
            .zip(&academie_cells)
            .map(|((i, t), cells)| AcademieFigures {
                code: scope.academies[i].0.clone(),
                name: scope.academies[i].1.clone(),
                figures: t.publish(cells),
            })
            .collect(),
        by_source: by_source
            .into_iter()
            .zip(&source_cells)
            .map(|((i, t), cells)| {
                let (source, label) = match i.checked_sub(1).and_then(|p| scope.sources.get(p)) {
                    Some(name) => (name.clone(), format!("Via {name}")),
                    None => (SITE_SOURCE.to_string(), "Le site MonLycéePro".to_string()),
                };
                SourceFigures { source, label, figures: t.publish(cells) }
            })
            .collect(),
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn m(s: &str) -> Month {
        Month::parse(s).expect("mois")
    }

    fn fact(month: &str) -> Fact {
        Fact {
            month: m(month),
            action: Some(ActionType::Pfmp),
            academie: Some(0),
            taken_after_seconds: None,
            taken_within_3_working_days: false,
            ending: None,
            satisfaction: None,
            source: None,
            direct: true,
        }
    }

    fn academies() -> Vec<(String, String)> {
        vec![("10".into(), "Lyon".into()), ("01".into(), "Paris".into())]
    }

    #[test]
    fn months_read_and_count_in_paris_time() {
        assert_eq!(m("2026-11").to_string(), "2026-11");
        for bad in ["2026-13", "2026-00", "26-11", "2026/11", "2026-1", "1999-12", "२०२६-11", "2026-11 "] {
            assert_eq!(Month::parse(bad), None, "{bad:?}");
        }
        // 23:30 UTC on 31 October is already November in Paris (winter
        // time begins on 25 October 2026).
        assert_eq!(Month::of(datetime!(2026-10-31 23:30 UTC)), m("2026-11"));
        assert_eq!(Month::of(datetime!(2026-07-31 21:59 UTC)), m("2026-07"));
        assert_eq!(Month::of(datetime!(2026-07-31 22:00 UTC)), m("2026-08"));
        assert_eq!(m("2026-11").start(), datetime!(2026-10-31 23:00 UTC));
        assert_eq!(m("2026-08").start(), datetime!(2026-07-31 22:00 UTC));
        assert_eq!(m("2026-01").plus(-1), m("2025-12"));
        assert_eq!(m("2026-01").label(), "janvier 2026");
        assert_eq!(m("2026-02").short_label(), "févr. 2026");
    }

    #[test]
    fn periods_are_whole_months_both_included() {
        let p = Period::last_12_months(datetime!(2026-11-20 10:00 UTC));
        assert_eq!((p.from, p.to, p.len()), (m("2025-12"), m("2026-11"), 12));
        assert_eq!(Period::new(m("2026-02"), m("2026-01")), Err(PeriodError::Reversed));
        assert_eq!(Period::new(m("2016-01"), m("2025-12")).map(|p| p.len()), Ok(120));
        assert_eq!(Period::new(m("2016-01"), m("2026-01")), Err(PeriodError::TooLong));
        assert_eq!(
            Period::new(m("2026-11"), m("2026-11")).map(|p| p.bounds()),
            Ok((datetime!(2026-10-31 23:00 UTC), datetime!(2026-11-30 23:00 UTC)))
        );
    }

    #[test]
    fn small_groups_publish_nothing_and_rates_need_five_values() {
        let academies = academies();
        let scope = Scope {
            period: Period::new(m("2026-01"), m("2026-02")).expect("période"),
            academies: &academies,
            academie: None,
            action: None,
            sources: &[],
            reach: Reach::default(),
        };
        // January: 4 requests (a small group); February: 6, two of them
        // taken, one rated.
        let mut facts: Vec<Fact> = (0..4).map(|_| fact("2026-01")).collect();
        for i in 0..6 {
            let mut f = fact("2026-02");
            f.academie = Some(1);
            if i < 2 {
                f.taken_after_seconds = Some(3600 * (i + 1));
                f.taken_within_3_working_days = true;
                f.ending = Some(Ending::Closed(Outcome::Partenariat));
                f.satisfaction = Some(4);
            }
            facts.push(f);
        }
        let r = compute(&facts, &scope);
        assert_eq!(r.overall.requests, Some(10));
        assert_eq!(r.overall.median_hours_to_take, None, "a median of two delays is withheld");
        let january = &r.by_month[0].figures;
        assert_eq!(*january, Figures { small: true, ..Figures::default() }, "four requests: everything withheld");
        assert_eq!(r.by_academie[0].figures.requests, None);
        assert_eq!(r.by_action.len(), ActionType::ALL.len());
        assert_eq!(r.by_action[1].figures.requests, None, "no request is a small group too");
        // Complementary suppression (decision 41): February's 6 beside the
        // total of 10 would give January's 4, the same for Paris and Lyon,
        // and the PFMP's 10 would give the other action types' 0.
        assert_eq!(r.by_month[1].figures.requests, None);
        assert!(!r.by_month[1].figures.small, "hidden for that, not small");
        assert_eq!(r.by_academie[1].figures.requests, None);
        assert_eq!(r.by_action[0].figures.requests, None);
        // Two taken, two partnerships, two ratings in all, all in February:
        // January's none would follow, and hiding February's too would leave
        // hidden parts adding up to 2: these counts go from the whole answer.
        assert_eq!((r.overall.taken, r.overall.taken_rate), (None, None));
        assert_eq!(r.overall.endings.partenariat, None);
        assert_eq!(r.overall.endings.annulee, None);
        assert_eq!(r.by_month[1].figures.endings.partenariat, None);
        assert_eq!(r.by_academie[1].figures.taken, None);
        assert_eq!(r.overall.satisfaction, Satisfaction { answers: None, mean: None });
        // A small count in a large group is published when no subtraction
        // turns it into a small group's count: 3 taken of 12, each in a
        // month of 6.
        let mut facts: Vec<Fact> = (0..12).map(|i| fact(if i < 6 { "2026-01" } else { "2026-02" })).collect();
        for f in facts.iter_mut().step_by(4) {
            f.taken_after_seconds = Some(3600);
        }
        let r = compute(&facts, &Scope { academies: &academies[..1], action: Some(ActionType::Pfmp), ..scope });
        assert_eq!((r.overall.taken, r.overall.taken_rate), (Some(3), Some(25.0)));
        assert_eq!(r.by_month[0].figures.taken, Some(2), "a small count in a large group");
        assert_eq!(r.by_academie[0].figures.requests, Some(12));
    }

    #[test]
    fn medians_rates_and_means_are_rounded_to_one_decimal() {
        let mut v = vec![7200, 3600, 10800, 14400, 18000, 1800];
        // Sorted: 1800 3600 7200 10800 14400 18000 → (7200 + 10800) / 2.
        assert_eq!(median_seconds(&mut v), Some(9000.0));
        let mut odd = vec![5, 1, 4, 2, 3];
        assert_eq!(median_seconds(&mut odd), Some(3.0));
        assert_eq!(median_seconds(&mut [1, 2, 3, 4]), None);
        assert_eq!(rate(1, 3), None);
        assert_eq!(rate(2, 3 * 5), Some(13.3));
        assert_eq!(rate(1, 8), Some(12.5));
        assert_eq!(one_decimal(80.25), 80.3);
    }

    #[test]
    fn filters_keep_their_groups_only() {
        let academies = academies();
        let scope = Scope {
            period: Period::new(m("2026-01"), m("2026-01")).expect("période"),
            academies: &academies,
            academie: Some(1),
            action: Some(ActionType::Visite),
            sources: &[],
            reach: Reach::default(),
        };
        let mut facts: Vec<Fact> = (0..7).map(|_| fact("2026-01")).collect();
        for f in facts.iter_mut().take(5) {
            f.academie = Some(1);
            f.action = Some(ActionType::Visite);
        }
        // Outside the period: ignored.
        let mut late = fact("2026-02");
        late.academie = Some(1);
        late.action = Some(ActionType::Visite);
        facts.push(late);
        let r = compute(&facts, &scope);
        assert_eq!(r.overall.requests, Some(5));
        assert_eq!(r.filters, Filters { academie: Some("Paris".into()), action: Some(ActionType::Visite) });
        assert_eq!(r.by_action.iter().map(|a| a.action).collect::<Vec<_>>(), vec![ActionType::Visite]);
        assert_eq!(r.by_academie.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(), vec!["01"]);
        let json = serde_json::to_value(&r).expect("JSON");
        assert_eq!(json["periode"], serde_json::json!({"du": "2026-01", "au": "2026-01"}));
        assert_eq!(json["filtres"], serde_json::json!({"academie": "Paris", "action": "visite"}));
        assert_eq!(json["demandes"], 5);
        assert_eq!(json["taux_prise_en_charge"], 0.0);
        assert!(json["delai_median_prise_en_charge_heures"].is_null());
        assert_eq!(json["issues"]["sans_reponse"], 0);
        assert_eq!(json["satisfaction"], serde_json::json!({"reponses": 0, "moyenne": null}));
        assert_eq!(json["par_mois"][0]["mois"], "2026-01");
        assert_eq!(json["par_mois"][0]["demandes"], 5);
        assert_eq!(json["par_action"][0]["libelle"], "Faire visiter l'entreprise à des élèves");
        assert_eq!(json["par_academie"][0]["academie"], "Paris");
        assert_eq!(json["par_academie"][0]["code"], "01");
        assert_eq!(json["par_source"][0]["source"], "monlyceepro");
        assert_eq!(json["par_source"][0]["demandes"], 5);
    }

    #[test]
    fn each_partner_platform_has_its_group_after_the_site() {
        let academies = academies();
        let sources = vec!["1jeune1solution".to_string(), "Les entreprises s'engagent".to_string()];
        let scope = Scope {
            period: Period::new(m("2026-01"), m("2026-01")).expect("période"),
            academies: &academies,
            academie: Some(0),
            action: Some(ActionType::Pfmp),
            sources: &sources,
            reach: Reach::default(),
        };
        // 6 from the site, 7 from the first partner (2 taken), none from
        // the second: it is not listed. (One académie and one action type:
        // the other, empty groups would make the 2 taken a total to hide.)
        let mut facts: Vec<Fact> = (0..6).map(|_| fact("2026-01")).collect();
        for i in 0..7 {
            let mut f = fact("2026-01");
            f.source = Some(0);
            if i < 2 {
                f.taken_after_seconds = Some(3600);
            }
            facts.push(f);
        }
        let r = compute(&facts, &scope);
        let groups: Vec<(&str, Option<u64>, Option<u64>)> =
            r.by_source.iter().map(|s| (s.source.as_str(), s.figures.requests, s.figures.taken)).collect();
        assert_eq!(groups, vec![("monlyceepro", Some(6), Some(0)), ("1jeune1solution", Some(7), Some(2))]);
        assert_eq!(r.by_source[1].label, "Via 1jeune1solution");
        assert_eq!(r.overall.requests, Some(13));
        // A partner with fewer than 5 requests: listed, its figures withheld.
        let r = compute(&facts[..9], &scope);
        assert_eq!(r.by_source[1].figures.requests, None);
    }

    /// Lycées are counted as they are (public); the share of requests that
    /// reached a lycée directly follows the rule of requests.
    #[test]
    fn coverage_counts_lycees_and_the_share_reaching_one() {
        let academies = academies();
        let scope = Scope {
            period: Period::new(m("2026-01"), m("2026-01")).expect("période"),
            academies: &academies,
            academie: None,
            action: None,
            sources: &[],
            reach: Reach { by_academie: &[(120, 40), (3, 1)], total: (123, 41) },
        };
        // Lyon: 8 requests, 6 reached a lycée; Paris: 2 (a small group).
        let mut facts: Vec<Fact> = (0..8).map(|_| fact("2026-01")).collect();
        facts[0].direct = false;
        facts[1].direct = false;
        facts.extend((0..2).map(|_| Fact { academie: Some(1), direct: false, ..fact("2026-01") }));
        let c = compute(&facts, &scope).coverage;
        assert_eq!((c.lycees, c.reachable), (123, 41));
        assert_eq!(c.direct_share, Some(60.0));
        // Lyon's 8 beside the total of 10 would give Paris's 2: Lyon's
        // requests are hidden, and its share with them.
        assert_eq!(
            (c.by_academie[0].lycees, c.by_academie[0].reachable, c.by_academie[0].direct_share),
            (120, 40, None)
        );
        assert_eq!((c.by_academie[1].lycees, c.by_academie[1].reachable), (3, 1), "lycées are never withheld");
        assert_eq!(c.by_academie[1].direct_share, None, "two requests: withheld");
        // One académie asked: its own counts.
        let lyon = Scope { academie: Some(0), ..scope };
        let c = compute(&facts, &lyon).coverage;
        assert_eq!((c.lycees, c.reachable, c.by_academie.len()), (120, 40, 1));
        assert_eq!((c.direct_share, c.by_academie[0].direct_share), (Some(75.0), Some(75.0)));
    }

    /// Cells of a list from its numbers of requests (the other counts
    /// zero), as the small-group rule leaves them.
    fn parts(requests: &[u64]) -> Vec<Cells> {
        requests
            .iter()
            .map(|&n| {
                let mut c = [0; MEASURES];
                c[REQUESTS] = n;
                Cells::of(c)
            })
            .collect()
    }

    fn hidden_requests(rows: &[Cells]) -> Vec<usize> {
        (0..rows.len()).filter(|&i| rows[i].hidden[REQUESTS]).collect()
    }

    /// One list of parts under a published total: which parts end up
    /// hidden, and whether the total stays published.
    #[test]
    fn complementary_suppression_hides_the_fewest_parts_that_stop_a_subtraction() {
        let cases: &[(&str, &[u64], &[usize], bool)] = &[
            ("nothing small: nothing hidden", &[12, 30, 7], &[], true),
            ("one small among visible parts: the smallest that is enough", &[3367, 2, 9, 40], &[1, 2], true),
            ("the issue: Lyon alone is visible, so it is hidden too", &[3367, 1, 1, 0, 0], &[0, 1, 2, 3, 4], true),
            ("two small adding up to 5: each still 1 to 4, nothing more", &[2, 3, 50], &[0, 1], true),
            ("4 + 4 = 8 would tell both are 4: a third is hidden", &[4, 4, 6, 50], &[0, 1, 2], true),
            (
                "zeros and a small one add up to 4, under 5: the large one goes",
                &[0, 0, 4, 0, 60],
                &[0, 1, 2, 3, 4],
                true,
            ),
            ("0 + 5 would tell the 0 (a larger part is at least 5)", &[0, 5, 8, 60], &[0, 2], true),
            ("1 + 5: the 1 could be 0 or 1", &[1, 5, 8, 60], &[0, 1], true),
            ("all small, total 6: nothing to add", &[2, 2, 2], &[0, 1, 2], true),
        ];
        for (what, requests, expected, total_published) in cases {
            let total: u64 = requests.iter().sum();
            let mut whole = Cells::of([total, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            let mut lists = [Parts { rows: parts(requests), measures: 1 }];
            suppress(&mut whole, &mut lists);
            assert_eq!(hidden_requests(&lists[0].rows), *expected, "{what}");
            assert_eq!(!whole.hidden[REQUESTS], *total_published, "{what}");
            assert!(protected(&lists[0].rows, REQUESTS), "{what}");
        }
    }

    /// When hiding every part is not enough (a part alone, or the parts do
    /// not add up to 5), the count goes from the whole answer.
    #[test]
    fn a_count_that_cannot_be_protected_is_hidden_everywhere() {
        // Three cancellations in all, one small month: whatever is hidden,
        // the months' cancellations add up to 3.
        let c = |requests: u64, cancelled: u64| {
            let mut x = [0; MEASURES];
            x[REQUESTS] = requests;
            x[CANCELLED] = cancelled;
            Cells::of(x)
        };
        let mut whole = c(64, 3);
        let mut lists = [
            Parts { rows: vec![c(2, 0), c(30, 1), c(32, 2)], measures: DIRECT },
            Parts { rows: vec![c(64, 3)], measures: DIRECT },
        ];
        suppress(&mut whole, &mut lists);
        assert!(whole.hidden[CANCELLED], "the total of cancellations goes");
        assert!(lists.iter().flat_map(|l| &l.rows).all(|r| r.hidden[CANCELLED]), "and every part of it");
        assert!(!whole.hidden[REQUESTS] && !lists[1].rows[0].hidden[REQUESTS], "the rest stays");
        assert_eq!(hidden_requests(&lists[0].rows), vec![0, 1], "the small month needs a second one");
        // A list with one small part only (the others' académie unknown).
        let mut whole = c(9, 0);
        let mut lists = [Parts { rows: vec![c(3, 0)], measures: 1 }];
        suppress(&mut whole, &mut lists);
        assert!(whole.hidden[REQUESTS]);
    }

    /// What a curious reader tries on one answer: for every list and every
    /// count, the total minus the visible parts. It must never give a
    /// single hidden part, nor a sum under 5 of hidden parts.
    fn reader_cannot_subtract(r: &Report) {
        fn counts(f: &Figures) -> [Option<u64>; 10] {
            let e = &f.endings;
            [
                f.requests,
                f.taken,
                f.taken_in_3_days,
                e.partenariat,
                e.realisee,
                e.sans_suite,
                e.injoignable,
                e.sans_reponse,
                e.annulee,
                f.satisfaction.answers,
            ]
        }
        let lists: [(&str, Vec<[Option<u64>; 10]>); 4] = [
            ("mois", r.by_month.iter().map(|m| counts(&m.figures)).collect()),
            ("actions", r.by_action.iter().map(|a| counts(&a.figures)).collect()),
            ("académies", r.by_academie.iter().map(|a| counts(&a.figures)).collect()),
            ("sources", r.by_source.iter().map(|s| counts(&s.figures)).collect()),
        ];
        let whole = counts(&r.overall);
        for (name, rows) in &lists {
            for m in 0..10 {
                let Some(total) = whole[m] else { continue };
                let hidden = rows.iter().filter(|c| c[m].is_none()).count();
                let visible: u64 = rows.iter().filter_map(|c| c[m]).sum();
                if hidden > 0 {
                    assert!(hidden >= 2, "{name}, compte {m} : une seule part cachée");
                    assert!(total - visible >= THRESHOLD, "{name}, compte {m} : {} par soustraction", total - visible);
                }
            }
        }
        // A rate beside one of its counts would give the other.
        for f in std::iter::once(&r.overall)
            .chain(r.by_month.iter().map(|m| &m.figures))
            .chain(r.by_academie.iter().map(|a| &a.figures))
            .chain(r.by_action.iter().map(|a| &a.figures))
            .chain(r.by_source.iter().map(|s| &s.figures))
        {
            if f.requests.is_none() || f.taken.is_none() {
                assert_eq!(f.taken_rate, None, "{f:?}");
            }
            if f.requests.is_none() || f.taken_in_3_days.is_none() {
                assert_eq!(f.taken_in_3_days_rate, None, "{f:?}");
            }
        }
    }

    /// Issue 24: 3,369 requests in December, 3,367 of them in Lyon, one in
    /// Paris and one in a third académie; some through a partner; a few
    /// for another action type.
    #[test]
    fn the_issue_no_longer_gives_small_counts_by_subtraction() {
        let academies: Vec<(String, String)> = [("10", "Lyon"), ("01", "Paris"), ("20", "Corse")]
            .iter()
            .map(|(c, n)| (c.to_string(), n.to_string()))
            .collect();
        let sources = vec!["1jeune1solution".to_string()];
        let scope = Scope {
            period: Period::new(m("2026-12"), m("2026-12")).expect("période"),
            academies: &academies,
            academie: None,
            action: None,
            sources: &sources,
            reach: Reach { by_academie: &[(100, 40), (90, 30), (10, 1)], total: (200, 71) },
        };
        let mut facts: Vec<Fact> = (0..3367)
            .map(|i| Fact {
                taken_after_seconds: (i % 3 == 0).then_some(7200),
                ending: (i % 50 == 0).then_some(Ending::Cancelled),
                direct: i % 10 != 0,
                ..fact("2026-12")
            })
            .collect();
        facts.push(Fact { academie: Some(1), ..fact("2026-12") });
        facts.push(Fact { academie: Some(2), action: Some(ActionType::Visite), ..fact("2026-12") });
        for f in facts.iter_mut().take(3) {
            f.source = Some(0);
        }
        for f in facts.iter_mut().skip(10).take(2) {
            f.action = Some(ActionType::Apprentissage);
        }
        let r = compute(&facts, &scope);
        assert_eq!(r.overall.requests, Some(3369), "the total stays");
        assert_eq!(r.by_month[0].figures.requests, Some(3369));
        assert!(r.by_academie.iter().all(|a| a.figures.requests.is_none()), "Lyon alone would give the others");
        assert_eq!(r.by_academie[0].figures.taken_rate, None, "a rate beside a hidden count");
        assert_eq!(r.coverage.by_academie[0].direct_share, None);
        assert_eq!(r.by_academie[0].figures.taken, None, "1,123 taken beside the total: the others took none");
        assert_eq!(r.overall.taken, Some(1123));
        assert!(!r.by_academie[0].figures.small && r.by_academie[1].figures.small);
        assert_eq!(r.by_source.iter().map(|s| s.figures.requests).collect::<Vec<_>>(), vec![None, None]);
        reader_cannot_subtract(&r);
        // One académie asked: its sources and actions alike.
        let lyon = compute(&facts, &Scope { academie: Some(0), ..scope });
        reader_cannot_subtract(&lyon);
        assert_eq!(lyon.overall.requests, Some(3367));
        let pfmp = lyon.by_action.iter().find(|a| a.action == ActionType::Pfmp).expect("pfmp");
        assert_eq!(pfmp.figures.requests, None, "2 apprenticeships beside it");
    }

    /// The same audit over many generated answers.
    #[test]
    fn no_generated_answer_gives_a_small_count_by_subtraction() {
        let academies: Vec<(String, String)> = (0..6).map(|i| (format!("{i:02}"), format!("Académie {i}"))).collect();
        let sources = vec!["a".to_string(), "b".to_string()];
        let mut seed = 0x2024_u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut masked = 0;
        for round in 0..40 {
            let scope = Scope {
                period: Period::new(m("2026-01"), m("2026-06")).expect("période"),
                academies: &academies,
                academie: (round % 4 == 3).then_some(0),
                action: None,
                sources: &sources,
                reach: Reach::default(),
            };
            let n = 5 + next(120);
            let facts: Vec<Fact> = (0..n)
                .map(|_| {
                    // Uneven groups: the last ones more often.
                    let skew = |r: u64, n: u64| (r as f64).sqrt() as u64 % n;
                    let (month, action, academie) = (skew(next(36), 6), skew(next(16), 4), skew(next(36), 6));
                    Fact {
                        month: m("2026-01").plus(i32::try_from(month).unwrap_or(0)),
                        action: Some(ActionType::ALL[usize::try_from(action).unwrap_or(0)]),
                        academie: Some(usize::try_from(academie).unwrap_or(0)),
                        taken_after_seconds: (next(3) > 0).then_some(3600),
                        taken_within_3_working_days: next(2) == 0,
                        ending: match next(6) {
                            0 => Some(Ending::Cancelled),
                            1 => Some(Ending::NoAnswer),
                            2 => Some(Ending::Closed(Outcome::Realisee)),
                            _ => None,
                        },
                        satisfaction: (next(4) == 0).then_some(4),
                        source: match next(10) {
                            0 => Some(0),
                            1 => Some(1),
                            _ => None,
                        },
                        direct: next(5) > 0,
                    }
                })
                .collect();
            let r = compute(&facts, &scope);
            reader_cannot_subtract(&r);
            masked += r.by_academie.iter().filter(|a| !a.figures.small && a.figures.requests.is_none()).count();
        }
        assert!(masked > 0, "some answers needed complementary suppression");
    }
}
