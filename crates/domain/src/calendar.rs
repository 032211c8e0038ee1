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

use time::{Date, Duration, Month};

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
    public_holidays(date.year(), departement).iter().any(|h| h.date == date)
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
}
