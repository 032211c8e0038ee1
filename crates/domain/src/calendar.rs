//! The working-day calendar of the request lifecycle: reminders, escalations
//! and ends of requests are counted in French working days, not in hours.
//!
//! A working day is a Monday to Friday that is not a public holiday of the
//! lycée's département and, when the official school calendar is known, not
//! a school holiday of its académie (the lycée is closed, nobody answers).
//!
//! Pure like the rest of the crate: no clock, no files. The dates are
//! [`time`]'s, the crate the main application already stores its timestamps
//! with (same version in `Cargo.lock`), so a deadline computed here can be
//! compared with a stored instant without any conversion layer.

use std::collections::BTreeMap;

use time::{Date, Duration, Month, OffsetDateTime, Time, UtcOffset, Weekday};

use crate::text::fold;

/// A day off by law, with its French name for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicHoliday {
    pub date: Date,
    pub name: &'static str,
}

/// Easter Sunday of `year` in the Gregorian calendar (anonymous Gregorian
/// algorithm, also known as Meeus/Jones/Butcher): Easter Monday, Ascension
/// and Whit Monday follow from it. `None` only outside the years the `time`
/// crate can represent.
///
/// ```
/// use time::macros::date;
/// assert_eq!(domain::calendar::easter_sunday(2026), Some(date!(2026-04-05)));
/// ```
pub fn easter_sunday(year: i32) -> Option<Date> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c.div_euclid(4), c.rem_euclid(4));
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let month = if n.div_euclid(31) == 3 { Month::March } else { Month::April };
    let day = u8::try_from(n.rem_euclid(31) + 1).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Canonical département code: trimmed, upper-case ("2a" → "2A"), two
/// characters for metropolitan ones ("1" → "01", and "069" → "69" as some
/// files write them), three for overseas ones ("971").
pub fn normalize_departement(code: &str) -> String {
    let c = code.trim().to_ascii_uppercase();
    match c.len() {
        1 => format!("0{c}"),
        3 if c.starts_with('0') => c[1..].to_string(),
        _ => c,
    }
}

/// The commemoration of the abolition of slavery, a public holiday on its own
/// date in each overseas territory (loi n° 83-550 du 30 juin 1983, dates set
/// by décret n° 83-1003 du 23 novembre 1983, since amended to add Mayotte,
/// Saint-Barthélemy and Saint-Martin, whose date is now 28 May).
const ABOLITION_OF_SLAVERY: [(&str, Month, u8); 7] = [
    ("971", Month::May, 27),      // Guadeloupe
    ("972", Month::May, 22),      // Martinique
    ("973", Month::June, 10),     // Guyane
    ("974", Month::December, 20), // La Réunion
    ("976", Month::April, 27),    // Mayotte
    ("977", Month::October, 9),   // Saint-Barthélemy
    ("978", Month::May, 28),      // Saint-Martin
];

/// Départements under the local law of Alsace-Moselle (Bas-Rhin, Haut-Rhin,
/// Moselle), where Good Friday and 26 December are also public holidays
/// (code du travail, art. L3134-13). Good Friday is formally limited to
/// communes with a Protestant or mixed church; public services close in the
/// whole three départements, so it is applied to all of them.
const ALSACE_MOSELLE: [&str; 3] = ["57", "67", "68"];

/// The public holidays of `year` in `departement` (a code such as "69",
/// "2A" or "971"), sorted by date: the eleven national ones of the code du
/// travail (art. L3133-1), plus Good Friday and 26 December in
/// Alsace-Moselle and the abolition-of-slavery day overseas.
///
/// Whit Monday is included: it is still a public holiday by law even where it
/// serves as the "journée de solidarité". Local holidays of the Pacific
/// territories (New Caledonia, French Polynesia, Wallis and Futuna) are not
/// covered. Two holidays may fall on the same date (Ascension on 1 May 2008):
/// both are listed.
pub fn public_holidays(year: i32, departement: &str) -> Vec<PublicHoliday> {
    let dep = normalize_departement(departement);
    let fixed = |month: Month, day: u8, name: &'static str| {
        Date::from_calendar_date(year, month, day).ok().map(|date| PublicHoliday { date, name })
    };
    let mut out: Vec<PublicHoliday> = [
        fixed(Month::January, 1, "Jour de l'an"),
        fixed(Month::May, 1, "Fête du Travail"),
        fixed(Month::May, 8, "Victoire 1945"),
        fixed(Month::July, 14, "Fête nationale"),
        fixed(Month::August, 15, "Assomption"),
        fixed(Month::November, 1, "Toussaint"),
        fixed(Month::November, 11, "Armistice 1918"),
        fixed(Month::December, 25, "Noël"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(easter) = easter_sunday(year) {
        let after = |days: i64, name: &'static str| {
            easter.checked_add(Duration::days(days)).map(|date| PublicHoliday { date, name })
        };
        out.extend(
            [after(1, "Lundi de Pâques"), after(39, "Ascension"), after(50, "Lundi de Pentecôte")]
                .into_iter()
                .flatten(),
        );
        if ALSACE_MOSELLE.contains(&dep.as_str()) {
            out.extend(after(-2, "Vendredi saint"));
        }
    }
    if ALSACE_MOSELLE.contains(&dep.as_str()) {
        out.extend(fixed(Month::December, 26, "Saint-Étienne"));
    }
    for (code, month, day) in ABOLITION_OF_SLAVERY {
        if dep == code {
            out.extend(fixed(month, day, "Abolition de l'esclavage"));
        }
    }
    out.sort_by_key(|h| h.date);
    out
}

/// Whether `date` is a public holiday in `departement`.
pub fn is_public_holiday(date: Date, departement: &str) -> bool {
    holiday_in_normalized(date, &normalize_departement(departement))
}

/// [`is_public_holiday`] for a normalized code, without building the year's
/// list: the working-day loops ask it for every day they cross. The tests
/// check it against [`public_holidays`].
fn holiday_in_normalized(date: Date, dep: &str) -> bool {
    let alsace_moselle = ALSACE_MOSELLE.contains(&dep);
    let fixed = match (date.month(), date.day()) {
        (Month::January, 1)
        | (Month::May, 1 | 8)
        | (Month::July, 14)
        | (Month::August, 15)
        | (Month::November, 1 | 11)
        | (Month::December, 25) => true,
        (Month::December, 26) => alsace_moselle,
        _ => false,
    };
    if fixed || ABOLITION_OF_SLAVERY.iter().any(|&(code, m, d)| code == dep && date.month() == m && date.day() == d) {
        return true;
    }
    // Easter falls between 22 March and 25 April: its holidays between
    // 20 March (Good Friday) and 14 June (Whit Monday).
    if !matches!(date.month(), Month::March | Month::April | Month::May | Month::June) {
        return false;
    }
    easter_sunday(date.year()).is_some_and(|easter| match date.to_julian_day() - easter.to_julian_day() {
        1 | 39 | 50 => true,
        -2 => alsace_moselle,
        _ => false,
    })
}

/// One school holiday period of an académie, read from the official school
/// calendar.
///
/// The dataset `fr-en-calendrier-scolaire` gives `start_date` as the midnight
/// (Paris time, written in UTC, so it reads as the previous evening: the
/// Toussaint holidays of Saturday 17 October 2026 start at
/// "2026-10-16T22:00:00+00:00") that opens the first day without classes, and
/// `end_date` as the midnight of the morning classes resume ("la reprise des
/// cours s'effectue le matin des jours indiqués"). Hence a half-open range of
/// local days: `first_day` included, `return_day` excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolPeriod {
    pub description: String,
    /// First day without classes (included).
    pub first_day: Date,
    /// Day classes resume (excluded).
    pub return_day: Date,
}

impl SchoolPeriod {
    /// Whether `date` falls in the holidays.
    pub fn contains(&self, date: Date) -> bool {
        self.first_day <= date && date < self.return_day
    }
}

/// The school holidays of every académie of the official school calendar
/// (`fr-en-calendrier-scolaire`), kept for the pupils: the lycée is closed
/// then, so its deadlines pause.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchoolHolidays {
    /// Folded académie name → (name as written in the file, sorted periods).
    by_academie: BTreeMap<String, (String, Vec<SchoolPeriod>)>,
}

/// What each column of the file is for, with the names it has in the API
/// export (English) and in the French export of data.education.gouv.fr.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Description,
    Population,
    Start,
    End,
    Location,
}

impl Col {
    const REQUIRED: [Col; 4] = [Col::Description, Col::Start, Col::End, Col::Location];

    /// (API name, French name) as the messages show them.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Col::Description => ("description", "Description"),
            Col::Population => ("population", "Population"),
            Col::Start => ("start_date", "Date de début"),
            Col::End => ("end_date", "Date de fin"),
            Col::Location => ("location", "Académies"),
        }
    }

    fn from_header(name: &str) -> Option<Col> {
        match fold(name).as_str() {
            "description" => Some(Col::Description),
            "population" => Some(Col::Population),
            "start date" | "date de debut" => Some(Col::Start),
            "end date" | "date de fin" => Some(Col::End),
            "location" | "academies" | "academie" => Some(Col::Location),
            _ => None,
        }
    }
}

/// Académie names compare folded and without the "Académie de" some files
/// prepend: "Aix-Marseille", "aix marseille" and "Académie d'Aix-Marseille"
/// are one key.
fn academie_key(name: &str) -> String {
    let f = fold(name);
    for prefix in ["academie de ", "academie d ", "academie "] {
        if let Some(rest) = f.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    f
}

/// Splits one line of the `;`-separated export, honouring double quotes
/// (`"a;b"`, `""` for a quote) as spreadsheet tools write them.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => quoted = !quoted,
            ';' if !quoted => fields.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    fields.push(cur.trim().to_string());
    fields
}

/// The calendar day an instant of the dataset stands for: the UTC midnight
/// nearest to it. The file writes local midnights as UTC instants
/// ("2026-10-16T22:00:00+00:00" is 17 October at 00:00 in Paris); rounding to
/// the nearest day reads them right whatever the offset, summer or winter
/// time, and also for overseas académies (between UTC−10 and UTC+12), without
/// a time-zone database. A plain "2026-10-17" is taken as is.
fn parse_dataset_day(s: &str) -> Option<Date> {
    let digits = |t: &str| -> Option<i64> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    let (day_part, rest) = (s.get(..10)?, &s[10..]);
    let b = day_part.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&day_part[..4])?).ok()?;
    let month = Month::try_from(u8::try_from(digits(&day_part[5..7])?).ok()?).ok()?;
    let day = Date::from_calendar_date(year, month, u8::try_from(digits(&day_part[8..])?).ok()?).ok()?;
    if rest.is_empty() {
        return Some(day);
    }
    // "THH:MM[:SS[.fff]]" then "Z", "+HH:MM", "-HH:MM", "+HHMM" or nothing.
    let rest = rest.strip_prefix(['T', ' '])?;
    let clock_end = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(clock_end);
    let mut parts = clock.split(':');
    let hours = digits(parts.next()?)?;
    let minutes = digits(parts.next()?)?;
    if let Some(seconds) = parts.next() {
        let whole = seconds.split_once('.').map_or(seconds, |(w, frac)| if digits(frac).is_some() { w } else { "" });
        if digits(whole)? >= 61 {
            return None;
        }
    }
    if parts.next().is_some() || hours > 23 || minutes > 59 {
        return None;
    }
    let offset_minutes = match zone {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let z = zone[1..].replace(':', "");
            let (h, m) = match z.len() {
                2 => (digits(&z)?, 0),
                4 => (digits(&z[..2])?, digits(&z[2..])?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 60 + m)
        }
    };
    let utc_minutes = i64::from(day.to_julian_day()) * 1440 + hours * 60 + minutes - offset_minutes;
    let nearest = (utc_minutes + 720).div_euclid(1440);
    Date::from_julian_day(i32::try_from(nearest).ok()?).ok()
}

impl SchoolHolidays {
    /// Reads the official school calendar as exported by
    /// data.education.gouv.fr: `;`-separated UTF-8 (a BOM is skipped), with
    /// either the API's column names (`description;population;start_date;
    /// end_date;location;zones;annee_scolaire`) or the French export's
    /// (`Description;Population;Date de début;Date de fin;Académies;Zones;
    /// annee_scolaire`), in any order; `zones` and `annee_scolaire` are not
    /// needed.
    ///
    /// Kept: the rows for pupils (`population` "Élèves", "-" or empty);
    /// teachers' rows ("Enseignants") are skipped, since the lycée answers
    /// companies when classes are off for the pupils only. A row without an
    /// end date marks a single event (a rentrée), not a period, and is
    /// skipped. Errors are in French and name the line and the column, for
    /// the administrator who dropped the file in the data directory.
    pub fn from_csv_text(text: &str) -> Result<SchoolHolidays, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty());
        let Some((header_no, header)) = lines.next() else {
            return Err("calendrier scolaire vide : ni en-tête ni période de vacances".to_string());
        };
        let names = split_fields(header);
        let position = |col: Col| names.iter().position(|n| Col::from_header(n) == Some(col));
        let mut index = BTreeMap::new();
        for col in Col::REQUIRED {
            let (api, fr) = col.names();
            let i = position(col).ok_or_else(|| {
                format!(
                    "ligne {header_no} : colonne « {api} » (ou « {fr} ») absente de l'en-tête ; attendu \
                     « description;population;start_date;end_date;location;zones;annee_scolaire », \
                     séparées par des points-virgules"
                )
            })?;
            index.insert(api, i);
        }
        let population = position(Col::Population);
        let mut out = SchoolHolidays::default();
        let mut kept = 0usize;
        for (no, line) in lines {
            let fields = split_fields(line);
            if fields.len() < names.len() {
                return Err(format!("ligne {no} : {} colonnes au lieu de {}", fields.len(), names.len()));
            }
            let get = |col: Col| fields[index[col.names().0]].as_str();
            let who = population.map_or("", |i| fields[i].as_str());
            if !matches!(fold(who).as_str(), "" | "eleves") {
                continue;
            }
            let location = get(Col::Location);
            if location.is_empty() {
                return Err(format!("ligne {no}, colonne « {} » : académie vide", names[index["location"]]));
            }
            let day = |col: Col| -> Result<Option<Date>, String> {
                let raw = get(col);
                if raw.is_empty() {
                    return Ok(None);
                }
                parse_dataset_day(raw).map(Some).ok_or_else(|| {
                    format!(
                        "ligne {no}, colonne « {} » : date illisible « {raw} » (attendu par exemple \
                         2026-10-16T22:00:00+00:00 ou 2026-10-17)",
                        names[index[col.names().0]]
                    )
                })
            };
            let start = day(Col::Start)?.ok_or_else(|| {
                format!("ligne {no}, colonne « {} » : date de début vide", names[index["start_date"]])
            })?;
            let Some(end) = day(Col::End)? else { continue };
            if end < start {
                return Err(format!(
                    "ligne {no}, colonne « {} » : la reprise ({end}) précède le début des vacances ({start})",
                    names[index["end_date"]]
                ));
            }
            let period =
                SchoolPeriod { description: get(Col::Description).to_string(), first_day: start, return_day: end };
            let entry =
                out.by_academie.entry(academie_key(location)).or_insert_with(|| (location.to_string(), Vec::new()));
            entry.1.push(period);
            kept += 1;
        }
        if kept == 0 {
            return Err("calendrier scolaire sans aucune période de vacances des élèves".to_string());
        }
        for (_, periods) in out.by_academie.values_mut() {
            periods.sort_by_key(|p| (p.first_day, p.return_day));
            periods.dedup_by(|a, b| a.first_day == b.first_day && a.return_day == b.return_day);
        }
        Ok(out)
    }

    /// The académies of the file, as written there.
    pub fn academies(&self) -> impl Iterator<Item = &str> {
        self.by_academie.values().map(|(name, _)| name.as_str())
    }

    /// The holidays of an académie (by name: "Lyon", "Aix-Marseille"),
    /// sorted; empty when the file does not know it.
    pub fn periods(&self, academie: &str) -> &[SchoolPeriod] {
        self.by_academie.get(&academie_key(academie)).map_or(&[], |(_, p)| p.as_slice())
    }

    /// Whether `date` is a school holiday in `academie`.
    pub fn is_holiday(&self, academie: &str, date: Date) -> bool {
        self.periods(academie).iter().any(|p| p.contains(date))
    }
}

/// The Sunday on or after (`after` true) or on or before the given day of a
/// month; the day is chosen so that the answer stays in the month.
fn sunday_near(year: i32, month: Month, day: u8, after: bool) -> Option<Date> {
    let d = Date::from_calendar_date(year, month, day).ok()?;
    let from_sunday = d.weekday().number_days_from_sunday();
    let day = if after { day + (7 - from_sunday) % 7 } else { day - from_sunday };
    Date::from_calendar_date(year, month, day).ok()
}

/// The UTC offset of the lycée's clock at `at`: requests arrive at the
/// lycée's local time, and a working day is a local day. Metropolitan
/// France follows the European rule (UTC+1; UTC+2 from the last Sunday of
/// March to the last Sunday of October, at 01:00 UTC); the overseas
/// territories keep a fixed offset, except Saint-Pierre-et-Miquelon (North
/// American rule). Written out rather than read from a time-zone database to
/// keep the crate pure and small; French Polynesia is taken at Tahiti's
/// offset.
pub fn local_offset(departement: &str, at: OffsetDateTime) -> UtcOffset {
    let hours = |h: i8| UtcOffset::from_hms(h, 0, 0).unwrap_or(UtcOffset::UTC);
    let utc = at.checked_to_offset(UtcOffset::UTC).unwrap_or(at);
    let year = utc.year();
    // Whether `utc` lies between two instants given as (day, hour UTC).
    let between = |start: Option<Date>, start_hour: u8, end: Option<Date>, end_hour: u8| {
        let instant = |d: Option<Date>, h: u8| Some(OffsetDateTime::new_utc(d?, Time::from_hms(h, 0, 0).ok()?));
        match (instant(start, start_hour), instant(end, end_hour)) {
            (Some(s), Some(e)) => s <= utc && utc < e,
            _ => false,
        }
    };
    match normalize_departement(departement).as_str() {
        "971" | "972" | "977" | "978" => hours(-4),
        "973" => hours(-3),
        "974" => hours(4),
        "976" => hours(3),
        "986" => hours(12),
        "987" => hours(-10),
        "988" => hours(11),
        "975" => {
            // Second Sunday of March at 02:00 local (05:00 UTC) to the first
            // Sunday of November at 02:00 local (04:00 UTC).
            let march = sunday_near(year, Month::March, 8, true);
            let november = sunday_near(year, Month::November, 1, true);
            if between(march, 5, november, 4) { hours(-2) } else { hours(-3) }
        }
        _ => {
            let march = sunday_near(year, Month::March, 31, false);
            let october = sunday_near(year, Month::October, 31, false);
            if between(march, 1, october, 1) { hours(2) } else { hours(1) }
        }
    }
}

const NANOS_PER_DAY: i128 = 86_400_000_000_000;

/// The working days of one lycée: its département's public holidays and, when
/// the official school calendar is loaded, its académie's school holidays.
///
/// Counting rule: working time only flows during the (local) days that are
/// working days, and a working day counts 24 hours. "`n` working days after
/// an instant" is the instant when `n` × 24 hours of working time have
/// flowed: a request received on Friday at 18:00 reaches 2 working days on
/// Tuesday at 18:00; one received on a day off starts at 00:00 of the next
/// working day (received on Saturday, 2 working days are over at the end of
/// Tuesday, i.e. Wednesday 00:00). This keeps the three questions the
/// background jobs ask consistent with each other:
/// `working_days_between(a, t) >= n` ⇔ `t >= add_working_days(a, n)` ⇔
/// `a <= minus_working_days(t, n)`.
#[derive(Debug, Clone)]
pub struct WorkingCalendar<'a> {
    departement: String,
    school: &'a [SchoolPeriod],
}

impl<'a> WorkingCalendar<'a> {
    /// The calendar of a lycée of `departement` ("69", "2A", "971"). School
    /// holidays count when both the académie ("Lyon") and the official
    /// school calendar are given and the calendar knows the académie; see
    /// [`has_school_holidays`](Self::has_school_holidays) to warn when it
    /// does not.
    pub fn new(departement: &str, academie: Option<&str>, school: Option<&'a SchoolHolidays>) -> Self {
        let school = match (academie, school) {
            (Some(a), Some(s)) => s.periods(a),
            _ => &[],
        };
        WorkingCalendar { departement: normalize_departement(departement), school }
    }

    /// Whether the school holidays of the lycée's académie are taken into
    /// account.
    pub fn has_school_holidays(&self) -> bool {
        !self.school.is_empty()
    }

    /// Monday to Friday, not a public holiday of the département, not a
    /// school holiday of the académie.
    pub fn is_working_day(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !holiday_in_normalized(date, &self.departement)
            && !self.school.iter().any(|p| p.contains(date))
    }

    /// The deadline: the instant when `n` working days have passed since
    /// `from` (see the counting rule on the type). `n = 0` gives `from`. The
    /// result is in the lycée's local offset.
    pub fn add_working_days(&self, from: OffsetDateTime, n: u32) -> OffsetDateTime {
        if n == 0 {
            return from;
        }
        let (day, nanos) = self.local_day_and_time(from);
        let (day, nanos) = if self.is_working_day(day) { (day, nanos) } else { (self.step(day, 1, true), 0) };
        if nanos == 0 {
            // From the start of a working day: over at the end of the n-th.
            self.instant_at(self.step(day, n - 1, true), NANOS_PER_DAY)
        } else {
            self.instant_at(self.step(day, n, true), nanos)
        }
    }

    /// The latest instant from which `n` working days have passed at `now`:
    /// what was received at or before it is `n` working days old. Replaces
    /// the weekends-only approximation of the request jobs. `n = 0` gives
    /// `now`.
    pub fn minus_working_days(&self, now: OffsetDateTime, n: u32) -> OffsetDateTime {
        if n == 0 {
            return now;
        }
        let (day, nanos) = self.local_day_and_time(now);
        let (day, nanos) = if self.is_working_day(day) && nanos > 0 {
            (day, nanos)
        } else {
            // At the start of a day or on a day off: as at the end of the
            // previous working day.
            (self.step(day, 1, false), NANOS_PER_DAY)
        };
        if nanos == NANOS_PER_DAY {
            self.instant_at(self.step(day, n - 1, false), 0)
        } else {
            self.instant_at(self.step(day, n, false), nanos)
        }
    }

    /// How many whole working days have passed from `from` to `to` (0 when
    /// `to` is not later): a reminder after 2 working days is due when this
    /// reaches 2.
    pub fn working_days_between(&self, from: OffsetDateTime, to: OffsetDateTime) -> u32 {
        if to <= from {
            return 0;
        }
        let (d0, n0) = self.local_day_and_time(from);
        let (d1, n1) = self.local_day_and_time(to);
        let working = |d: Date| self.is_working_day(d);
        let nanos = if d1 < d0 || (d1 == d0 && n1 <= n0) {
            // Only when the clock goes back an hour on a Sunday night.
            0
        } else if d0 == d1 {
            if working(d0) { n1 - n0 } else { 0 }
        } else {
            let mut total = if working(d0) { NANOS_PER_DAY - n0 } else { 0 };
            let mut d = d0.next_day();
            while let Some(day) = d.filter(|day| *day < d1) {
                if working(day) {
                    total += NANOS_PER_DAY;
                }
                d = day.next_day();
            }
            total + if working(d1) { n1 } else { 0 }
        };
        u32::try_from(nanos / NANOS_PER_DAY).unwrap_or(u32::MAX)
    }

    /// `count` working days after (`forward`) or before `day`, not counting
    /// `day` itself; stops at the ends of the representable dates.
    fn step(&self, mut day: Date, count: u32, forward: bool) -> Date {
        let mut left = count;
        while left > 0 {
            let Some(next) = (if forward { day.next_day() } else { day.previous_day() }) else {
                return day;
            };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The local day of an instant and the nanoseconds since its midnight.
    fn local_day_and_time(&self, t: OffsetDateTime) -> (Date, i128) {
        let local = t.checked_to_offset(local_offset(&self.departement, t)).unwrap_or(t);
        let (h, m, s, ns) = local.time().as_hms_nano();
        let nanos = ((i128::from(h) * 60 + i128::from(m)) * 60 + i128::from(s)) * 1_000_000_000 + i128::from(ns);
        (local.date(), nanos)
    }

    /// The instant of a local day and time (`NANOS_PER_DAY` meaning the
    /// next midnight). Local times that a change of clock skips or repeats
    /// happen on Sunday nights, never on a working day, so taking either
    /// offset there is harmless.
    fn instant_at(&self, day: Date, nanos: i128) -> OffsetDateTime {
        let (day, nanos) = match day.next_day() {
            Some(next) if nanos >= NANOS_PER_DAY => (next, 0),
            None if nanos >= NANOS_PER_DAY => (day, NANOS_PER_DAY - 1),
            _ => (day, nanos),
        };
        let part = |unit: i128, modulo: i128| u32::try_from((nanos / unit) % modulo).unwrap_or(0);
        let time = Time::from_hms_nano(
            u8::try_from(part(3_600_000_000_000, 24)).unwrap_or(0),
            u8::try_from(part(60_000_000_000, 60)).unwrap_or(0),
            u8::try_from(part(1_000_000_000, 60)).unwrap_or(0),
            part(1, 1_000_000_000),
        )
        .unwrap_or(Time::MIDNIGHT);
        // The offset at the same wall time read as UTC is off by at most the
        // offset itself; one correction settles it.
        let guess = local_offset(&self.departement, OffsetDateTime::new_utc(day, time));
        let first = OffsetDateTime::new_in_offset(day, time, guess);
        let offset = local_offset(&self.departement, first);
        if offset == guess { first } else { OffsetDateTime::new_in_offset(day, time, offset) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn dates(year: i32, dep: &str) -> Vec<Date> {
        public_holidays(year, dep).into_iter().map(|h| h.date).collect()
    }

    #[test]
    fn easter_matches_known_years() {
        // Published Easter Sundays, including the extremes of the range.
        for (year, easter) in [
            (2008, date!(2008 - 03 - 23)),
            (2011, date!(2011 - 04 - 24)),
            (2019, date!(2019 - 04 - 21)),
            (2024, date!(2024 - 03 - 31)),
            (2025, date!(2025 - 04 - 20)),
            (2026, date!(2026 - 04 - 05)),
            (2027, date!(2027 - 03 - 28)),
            (2038, date!(2038 - 04 - 25)),
            (2285, date!(2285 - 03 - 22)),
        ] {
            assert_eq!(easter_sunday(year), Some(easter), "{year}");
        }
    }

    #[test]
    fn eleven_national_holidays_everywhere() {
        for dep in ["69", "75", "2A", "13"] {
            assert_eq!(public_holidays(2026, dep).len(), 11, "{dep}");
        }
        assert_eq!(
            dates(2026, "69"),
            [
                date!(2026 - 01 - 01),
                date!(2026 - 04 - 06),
                date!(2026 - 05 - 01),
                date!(2026 - 05 - 08),
                date!(2026 - 05 - 14),
                date!(2026 - 05 - 25),
                date!(2026 - 07 - 14),
                date!(2026 - 08 - 15),
                date!(2026 - 11 - 01),
                date!(2026 - 11 - 11),
                date!(2026 - 12 - 25),
            ]
        );
    }

    #[test]
    fn alsace_moselle_adds_good_friday_and_26_december() {
        for dep in ["57", "67", "68", "067"] {
            let d = dates(2026, dep);
            assert_eq!(d.len(), 13, "{dep}");
            assert!(d.contains(&date!(2026 - 04 - 03)) && d.contains(&date!(2026 - 12 - 26)), "{dep}");
        }
        assert!(!dates(2026, "69").contains(&date!(2026 - 04 - 03)));
        assert!(!dates(2026, "54").contains(&date!(2026 - 12 - 26)), "Meurthe-et-Moselle is not Moselle");
    }

    #[test]
    fn overseas_abolition_days() {
        for (dep, day) in [
            ("971", date!(2026 - 05 - 27)),
            ("972", date!(2026 - 05 - 22)),
            ("973", date!(2026 - 06 - 10)),
            ("974", date!(2026 - 12 - 20)),
            ("976", date!(2026 - 04 - 27)),
            ("977", date!(2026 - 10 - 09)),
            ("978", date!(2026 - 05 - 28)),
        ] {
            let d = dates(2026, dep);
            assert_eq!(d.len(), 12, "{dep}");
            assert!(d.contains(&day), "{dep}");
            assert!(!dates(2026, "75").contains(&day), "{dep}");
        }
    }

    #[test]
    fn departement_codes_are_normalized() {
        assert_eq!(normalize_departement(" 2a "), "2A");
        assert_eq!(normalize_departement("1"), "01");
        assert_eq!(normalize_departement("069"), "69");
        assert_eq!(normalize_departement("971"), "971");
        assert!(is_public_holiday(date!(2027 - 12 - 20), " 974"));
        assert!(!is_public_holiday(date!(2027 - 12 - 20), "69"));
    }

    const HEADER: &str = "description;population;start_date;end_date;location;zones;annee_scolaire";

    fn parse(rows: &[&str]) -> Result<SchoolHolidays, String> {
        SchoolHolidays::from_csv_text(&format!("{HEADER}\n{}\n", rows.join("\n")))
    }

    #[test]
    fn dataset_instants_become_local_days() {
        for (raw, day) in [
            // Paris midnights in summer and winter time, as the API writes them.
            ("2026-10-16T22:00:00+00:00", date!(2026 - 10 - 17)),
            ("2026-10-16T23:00:00+00:00", date!(2026 - 10 - 17)),
            ("2026-11-01T23:00:00+00:00", date!(2026 - 11 - 02)),
            ("2026-11-01T23:00:00Z", date!(2026 - 11 - 02)),
            // The same midnights written in local time, or overseas.
            ("2026-10-17T00:00:00+02:00", date!(2026 - 10 - 17)),
            ("2026-10-17T00:00:00+0200", date!(2026 - 10 - 17)),
            ("2026-10-17T00:00:00-04:00", date!(2026 - 10 - 17)),
            ("2026-10-17T00:00:00+11:00", date!(2026 - 10 - 17)),
            ("2026-10-16T20:00:00.000+00:00", date!(2026 - 10 - 17)),
            ("2026-10-17", date!(2026 - 10 - 17)),
            ("2026-10-17 00:00", date!(2026 - 10 - 17)),
        ] {
            assert_eq!(parse_dataset_day(raw), Some(day), "{raw}");
        }
        for bad in
            ["", "17/10/2026", "2026-13-01", "2026-02-30", "2026-10-17T25:00:00+00:00", "2026-10-17T", "2026-10-17X"]
        {
            assert_eq!(parse_dataset_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_the_french_export_with_bom_and_quotes() {
        let text = "\u{feff}Description;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire\r\n\
            \"Vacances de Noël\";-;2026-12-18T23:00:00+00:00;2027-01-03T23:00:00+00:00;Lyon;Zone A;2026-2027\r\n\
            \r\n\
            \"Vacances d'Hiver; zone A\";Élèves;2027-02-12T23:00:00+00:00;2027-02-28T23:00:00+00:00;Lyon;Zone A;2026-2027\r\n";
        let s = SchoolHolidays::from_csv_text(text).unwrap();
        let p = s.periods("Lyon");
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].description, "Vacances d'Hiver; zone A");
        assert!(s.is_holiday("Lyon", date!(2027 - 02 - 26)));
        assert!(!s.is_holiday("Lyon", date!(2027 - 03 - 01)), "classes resume that morning");
    }

    #[test]
    fn keeps_pupils_rows_and_skips_teachers_and_events() {
        let s = parse(&[
            "Vacances d'Été;Enseignants;2027-07-09T22:00:00+00:00;2027-08-31T22:00:00+00:00;Lyon;Zone A;2026-2027",
            "Rentrée scolaire des élèves;-;2026-08-31T22:00:00+00:00;;Lyon;Zone A;2026-2027",
            "Vacances de la Toussaint;Élèves;2026-10-16T22:00:00+00:00;2026-11-01T23:00:00+00:00;Lyon;Zone A;2026-2027",
            "Vacances de la Toussaint;-;2026-10-16T22:00:00+00:00;2026-11-01T23:00:00+00:00;Lyon;Zone A;2026-2027",
        ])
        .unwrap();
        assert_eq!(s.periods("Lyon").len(), 1, "teachers skipped, rentrée skipped, duplicate merged");
        assert!(!s.is_holiday("Lyon", date!(2027 - 07 - 12)));
    }

    #[test]
    fn bad_files_are_explained_in_french() {
        assert_eq!(
            SchoolHolidays::from_csv_text("").unwrap_err(),
            "calendrier scolaire vide : ni en-tête ni période de vacances"
        );
        assert_eq!(
            SchoolHolidays::from_csv_text("\u{feff}\n  \n").unwrap_err(),
            "calendrier scolaire vide : ni en-tête ni période de vacances"
        );
        let e = SchoolHolidays::from_csv_text("description;population;start_date;location;zones\n").unwrap_err();
        assert!(e.starts_with("ligne 1 : colonne « end_date » (ou « Date de fin ») absente de l'en-tête"), "{e}");
        let e = SchoolHolidays::from_csv_text("description,population,start_date,end_date,location\n").unwrap_err();
        assert!(e.contains("colonne « description » (ou « Description ») absente"), "{e}");
        let e = parse(&["Vacances de Noël;-;2026-12-18T23:00:00+00:00;2027-01-34;Lyon;Zone A;2026-2027"]).unwrap_err();
        assert_eq!(
            e,
            "ligne 2, colonne « end_date » : date illisible « 2027-01-34 » (attendu par exemple \
             2026-10-16T22:00:00+00:00 ou 2026-10-17)"
        );
        let e = SchoolHolidays::from_csv_text(
            "Description;Population;Date de début;Date de fin;Académies\n\nNoël;-;hier;2027-01-04;Lyon\n",
        )
        .unwrap_err();
        assert!(e.starts_with("ligne 3, colonne « Date de début » : date illisible « hier »"), "{e}");
        let e =
            parse(&["Noël;-;2027-01-03T23:00:00+00:00;2026-12-18T23:00:00+00:00;Lyon;Zone A;2026-2027"]).unwrap_err();
        assert_eq!(
            e,
            "ligne 2, colonne « end_date » : la reprise (2026-12-19) précède le début des vacances (2027-01-04)"
        );
        assert_eq!(
            parse(&["Noël;-;;2027-01-04;Lyon;Zone A;2026-2027"]).unwrap_err(),
            "ligne 2, colonne « start_date » : date de début vide"
        );
        assert_eq!(
            parse(&["Noël;-;2026-12-19;2027-01-04;;Zone A;2026-2027"]).unwrap_err(),
            "ligne 2, colonne « location » : académie vide"
        );
        assert_eq!(parse(&["Noël;-;2026-12-19;2027-01-04"]).unwrap_err(), "ligne 2 : 4 colonnes au lieu de 7");
        assert_eq!(
            SchoolHolidays::from_csv_text(HEADER).unwrap_err(),
            "calendrier scolaire sans aucune période de vacances des élèves"
        );
    }

    #[test]
    fn local_clocks_follow_the_territory() {
        use time::macros::{datetime, offset};
        let at = |dep: &str, t| local_offset(dep, t);
        // Paris: summer time from 29 March to 25 October 2026, 01:00 UTC.
        assert_eq!(at("75", datetime!(2026-03-29 00:59 UTC)), offset!(+1));
        assert_eq!(at("75", datetime!(2026-03-29 01:00 UTC)), offset!(+2));
        assert_eq!(at("2A", datetime!(2026-10-25 00:59 UTC)), offset!(+2));
        assert_eq!(at("2A", datetime!(2026-10-25 01:00 UTC)), offset!(+1));
        assert_eq!(at("69", datetime!(2027-03-28 01:00 UTC)), offset!(+2));
        assert_eq!(at("69", datetime!(2027-10-31 01:00 UTC)), offset!(+1));
        assert_eq!(at("69", datetime!(2027-10-31 02:59 +2)), offset!(+2), "00:59 UTC, still summer time");
        // Overseas.
        assert_eq!(at("971", datetime!(2026-07-01 12:00 UTC)), offset!(-4));
        assert_eq!(at("973", datetime!(2026-07-01 12:00 UTC)), offset!(-3));
        assert_eq!(at("974", datetime!(2026-01-01 12:00 UTC)), offset!(+4));
        assert_eq!(at("976", datetime!(2026-01-01 12:00 UTC)), offset!(+3));
        assert_eq!(at("988", datetime!(2026-01-01 12:00 UTC)), offset!(+11));
        // Saint-Pierre-et-Miquelon: 8 March to 1 November 2026.
        assert_eq!(at("975", datetime!(2026-03-08 04:59 UTC)), offset!(-3));
        assert_eq!(at("975", datetime!(2026-03-08 05:00 UTC)), offset!(-2));
        assert_eq!(at("975", datetime!(2026-11-01 03:59 UTC)), offset!(-2));
        assert_eq!(at("975", datetime!(2026-11-01 04:00 UTC)), offset!(-3));
    }

    #[test]
    fn far_dates_do_not_panic() {
        let cal = WorkingCalendar::new("69", None, None);
        let max = OffsetDateTime::new_utc(Date::MAX, Time::MIDNIGHT);
        let min = OffsetDateTime::new_utc(Date::MIN, Time::MIDNIGHT);
        let _ = cal.add_working_days(max, 5);
        let _ = cal.minus_working_days(min, 5);
        assert_eq!(cal.working_days_between(max, min), 0);
        assert!(public_holidays(Date::MAX.year(), "67").len() >= 11);
    }

    #[test]
    fn the_quick_check_agrees_with_the_list() {
        for dep in ["69", "67", "57", "971", "972", "973", "974", "976", "977", "978", "2A"] {
            for year in 1990..2100 {
                let list = dates(year, dep);
                let mut day = Date::from_calendar_date(year, Month::January, 1).unwrap();
                while day.year() == year {
                    assert_eq!(is_public_holiday(day, dep), list.contains(&day), "{day} {dep}");
                    day = day.next_day().unwrap();
                }
            }
        }
    }
}
