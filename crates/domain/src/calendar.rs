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

use time::{Date, Duration, Month};

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
}
