//! Placements the other way round: a lycée's students still without a host
//! company for a PFMP period (a "need"), what partners say they can host,
//! and the matches a pôle de stages suggests between needs and the
//! companies' untaken requests. Pure rules, tested on tables of cases.

use crate::geo::Position;
use crate::matching::{Asked, Kinship, Offer, WantedJob};

crate::codes! {
    /// What a lycée said of its need. "Over" is not stored: a need whose
    /// period has ended closes by itself ([`NeedState`]).
    NeedStatus {
        /// Students still look for a company.
        Ouvert = "ouvert",
        /// The lycée says every student found one.
        Pourvu = "pourvu",
        /// The lycée withdrew it (declared by mistake, period changed).
        Retire = "retire",
    }
}

/// A need as shown: its stored status, unless its period has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedState {
    Open,
    Filled,
    Withdrawn,
    /// Still open when its period ended: nobody can host any more.
    Ended,
}

impl NeedState {
    /// `fin` and `today` as `YYYY-MM-DD`: a need is open up to its last day.
    pub fn of(status: NeedStatus, fin: &str, today: &str) -> NeedState {
        match status {
            NeedStatus::Pourvu => NeedState::Filled,
            NeedStatus::Retire => NeedState::Withdrawn,
            NeedStatus::Ouvert if fin < today => NeedState::Ended,
            NeedStatus::Ouvert => NeedState::Open,
        }
    }

    /// French label for the workspace.
    pub fn label(self) -> &'static str {
        match self {
            NeedState::Open => "Ouvert",
            NeedState::Filled => "Pourvu",
            NeedState::Withdrawn => "Retiré",
            NeedState::Ended => "Clos (période terminée)",
        }
    }
}

/// Whether two periods (`YYYY-MM-DD`, ends included) share a day.
pub fn overlaps(a: (&str, &str), b: (&str, &str)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// The months (1..=12) a period touches, at most twelve.
pub fn months_of(debut: &str, fin: &str) -> Vec<u8> {
    let ym = |d: &str| -> Option<(i32, u8)> {
        let y = d.get(0..4)?.parse().ok()?;
        let m: u8 = d.get(5..7)?.parse().ok()?;
        (1..=12).contains(&m).then_some((y, m))
    };
    let (Some((mut y, mut m)), Some(end)) = (ym(debut), ym(fin)) else { return Vec::new() };
    let mut out = Vec::new();
    while (y, m) <= end && out.len() < 12 {
        out.push(m);
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// Months as stored (`"1,2,12"`; empty: all year), unknown values dropped.
pub fn parse_months(stored: &str) -> Vec<u8> {
    let mut months: Vec<u8> =
        stored.split(',').filter_map(|m| m.trim().parse().ok()).filter(|m| (1..=12).contains(m)).collect();
    months.sort_unstable();
    months.dedup();
    months
}

/// "toute l'année", or "janvier, février et juin".
pub fn months_label(months: &[u8]) -> String {
    if months.is_empty() || months.len() == 12 {
        return "toute l'année".into();
    }
    let names: Vec<&str> = months.iter().map(|m| crate::text::month_name(*m)).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} et {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// What a partner can host, as recorded in the lycée's CRM.
#[derive(Debug, Clone, PartialEq)]
pub struct Capacity {
    /// A diploma (CFD) it hosts students of…
    pub diploma: Option<String>,
    /// …or a job (ROME) it hosts students for.
    pub rome: Option<String>,
    /// Months it can host (empty: all year).
    pub months: Vec<u8>,
    pub places: i64,
}

impl Capacity {
    /// Whether this capacity fits a need for diploma `cfd` (leading to
    /// `romes`) over `period`: the same diploma or one of its jobs, at least
    /// one month in common, and at least one place.
    pub fn fits(&self, cfd: &str, romes: &[String], period: (&str, &str)) -> bool {
        let subject = match (&self.diploma, &self.rome) {
            (Some(d), _) => d == cfd,
            (None, Some(r)) => romes.iter().any(|x| x == r),
            (None, None) => true,
        };
        let months = months_of(period.0, period.1);
        let when = self.months.is_empty() || months.iter().any(|m| self.months.contains(m));
        subject && when && self.places > 0
    }
}

/// An open need, as the matching reads it.
#[derive(Debug, Clone)]
pub struct NeedFacts<'a> {
    /// The diploma of the need, as the lycée teaches it (its jobs).
    pub offer: &'a Offer,
    pub position: Option<Position>,
    pub debut: &'a str,
    pub fin: &'a str,
}

/// An untaken PFMP request of a company, as the matching reads it.
#[derive(Debug, Clone)]
pub struct RequestFacts<'a> {
    /// ROME codes asked.
    pub romes: &'a [String],
    pub position: Option<Position>,
    /// How far the company said its students may come from.
    pub radius_km: f64,
    /// The period asked, when the company gave one.
    pub period: Option<(&'a str, &'a str)>,
}

/// A suggested match of a request (index in the requests given) with a
/// need (index in the needs given).
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub request: usize,
    pub need: usize,
    /// The need's diploma leads to a job asked (not only a related one).
    pub exact: bool,
    pub distance_km: f64,
    /// The company gave a period and it overlaps the need's.
    pub same_period: bool,
}

/// The radius used when a request says none.
pub const DEFAULT_RADIUS_KM: f64 = 30.0;

/// Suggested matches between untaken PFMP requests and open needs: the
/// need's diploma leads to a job asked or a related one, the periods
/// overlap (a request without a period fits any), and the lycée is within
/// the company's radius. Best first for each request (exact job, then the
/// nearest), at most `per_request` each; requests in the order given.
pub fn suggest(
    requests: &[RequestFacts<'_>],
    needs: &[NeedFacts<'_>],
    kin: &Kinship,
    per_request: usize,
) -> Vec<Suggestion> {
    let mut out = Vec::new();
    for (ri, r) in requests.iter().enumerate() {
        let wanted: Vec<WantedJob> = r.romes.iter().map(|rome| WantedJob::new(rome, 1.0)).collect();
        let asked = Asked::new(&wanted, kin);
        let radius = if r.radius_km > 0.0 { r.radius_km } else { DEFAULT_RADIUS_KM };
        let mut found: Vec<Suggestion> = needs
            .iter()
            .enumerate()
            .filter_map(|(ni, n)| {
                let answer = asked.best_for_offer(n.offer)?;
                let same_period = match r.period {
                    Some(p) if !overlaps(p, (n.debut, n.fin)) => return None,
                    Some(_) => true,
                    None => false,
                };
                let distance_km = n.position.zip(r.position).map(|(a, b)| a.distance_km(&b))?;
                (distance_km <= radius).then_some(Suggestion {
                    request: ri,
                    need: ni,
                    exact: answer.exact,
                    distance_km,
                    same_period,
                })
            })
            .collect();
        found.sort_by(|a, b| {
            b.exact
                .cmp(&a.exact)
                .then(b.same_period.cmp(&a.same_period))
                .then(a.distance_km.total_cmp(&b.distance_km))
                .then(a.need.cmp(&b.need))
        });
        found.truncate(per_request);
        out.extend(found);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Niveau;

    fn offer(romes: &[&str]) -> Offer {
        Offer::new("50025510".into(), "CAP".into(), Niveau::Cap, 10, romes.iter().map(|r| r.to_string()).collect())
    }

    #[test]
    fn a_need_closes_by_itself_after_its_last_day() {
        let cases = [
            (NeedStatus::Ouvert, "2027-02-20", "2027-02-20", NeedState::Open),
            (NeedStatus::Ouvert, "2027-02-20", "2027-02-21", NeedState::Ended),
            (NeedStatus::Pourvu, "2027-02-20", "2027-01-01", NeedState::Filled),
            (NeedStatus::Retire, "2027-02-20", "2028-01-01", NeedState::Withdrawn),
        ];
        for (status, fin, today, want) in cases {
            assert_eq!(NeedState::of(status, fin, today), want, "{status} {fin} {today}");
        }
    }

    #[test]
    fn months_and_their_words() {
        assert_eq!(months_of("2027-01-12", "2027-02-20"), vec![1, 2]);
        assert_eq!(months_of("2026-12-01", "2027-01-10"), vec![12, 1]);
        assert_eq!(months_of("2026-01-01", "2028-01-01").len(), 12);
        assert_eq!(months_of("n'importe", "quoi"), Vec::<u8>::new());
        assert_eq!(parse_months("6, 1,13,x,1"), vec![1, 6]);
        assert_eq!(months_label(&[]), "toute l'année");
        assert_eq!(months_label(&[3]), "mars");
        assert_eq!(months_label(&[1, 2, 6]), "janvier, février et juin");
    }

    #[test]
    fn a_capacity_fits_a_need_by_diploma_or_job_and_month() {
        let romes = vec!["F1602".to_string(), "F1603".to_string()];
        let jan_feb = ("2027-01-12", "2027-02-20");
        let cap = |diploma: Option<&str>, rome: Option<&str>, months: &[u8], places| Capacity {
            diploma: diploma.map(str::to_string),
            rome: rome.map(str::to_string),
            months: months.to_vec(),
            places,
        };
        let cases = [
            ("same diploma, all year", cap(Some("50025510"), None, &[], 2), true),
            ("other diploma", cap(Some("40025510"), None, &[], 2), false),
            ("one of its jobs, in February", cap(None, Some("F1603"), &[2, 3], 1), true),
            ("a job it does not lead to", cap(None, Some("K2204"), &[], 1), false),
            ("only in summer", cap(Some("50025510"), None, &[6, 7], 1), false),
            ("no place left", cap(Some("50025510"), None, &[], 0), false),
        ];
        for (why, c, want) in cases {
            assert_eq!(c.fits("50025510", &romes, jan_feb), want, "{why}");
        }
    }

    /// The pôle de stages' suggestions on a small table of cases: jobs
    /// (exact, related, unrelated), periods (overlapping, disjoint, none
    /// given) and distance (within the company's radius or not).
    #[test]
    fn the_suggested_matches() {
        let kin = Kinship::from_pairs(&[("F1602", "F1605")]);
        let lyon = Position { lat: 45.764, lon: 4.8357 };
        let villeurbanne = Position { lat: 45.7719, lon: 4.8902 }; // ~4 km
        let grenoble = Position { lat: 45.1885, lon: 5.7245 }; // ~95 km
        let (elec, plumbing, cooking) = (offer(&["F1602"]), offer(&["F1605"]), offer(&["G1602"]));
        let needs = [
            NeedFacts { offer: &elec, position: Some(villeurbanne), debut: "2027-01-12", fin: "2027-02-20" },
            NeedFacts { offer: &plumbing, position: Some(lyon), debut: "2027-01-12", fin: "2027-02-20" },
            NeedFacts { offer: &cooking, position: Some(lyon), debut: "2027-01-12", fin: "2027-02-20" },
            NeedFacts { offer: &elec, position: Some(grenoble), debut: "2027-01-12", fin: "2027-02-20" },
            NeedFacts { offer: &elec, position: Some(lyon), debut: "2027-05-01", fin: "2027-06-10" },
        ];
        let asked = ["F1602".to_string()];
        let cook = ["G1602".to_string()];
        let requests = [
            // Electricians in January–February near Lyon: the exact need
            // first, then the related one; Grenoble is too far, May too late.
            RequestFacts {
                romes: &asked,
                position: Some(lyon),
                radius_km: 20.0,
                period: Some(("2027-01-04", "2027-02-05")),
            },
            // No period given: the May need fits too, after those whose
            // period was… not given either (all equal): nearest first.
            RequestFacts { romes: &asked, position: Some(lyon), radius_km: 20.0, period: None },
            // A cook within 150 km in summer: no need in summer.
            RequestFacts {
                romes: &cook,
                position: Some(lyon),
                radius_km: 150.0,
                period: Some(("2027-07-01", "2027-07-31")),
            },
            // A radius of 0 means the default 30 km: Grenoble stays out.
            RequestFacts {
                romes: &asked,
                position: Some(lyon),
                radius_km: 0.0,
                period: Some(("2027-01-01", "2027-01-31")),
            },
            // A request without a known place matches nothing.
            RequestFacts { romes: &asked, position: None, radius_km: 20.0, period: None },
        ];
        let got: Vec<(usize, usize, bool, bool)> =
            suggest(&requests, &needs, &kin, 5).iter().map(|s| (s.request, s.need, s.exact, s.same_period)).collect();
        assert_eq!(
            got,
            vec![
                (0, 0, true, true),
                (0, 1, false, true),
                (1, 4, true, false),
                (1, 0, true, false),
                (1, 1, false, false),
                (3, 0, true, true),
                (3, 1, false, true),
            ]
        );
        // At most `per_request` each.
        assert_eq!(suggest(&requests, &needs, &kin, 1).len(), 3);
    }
}
