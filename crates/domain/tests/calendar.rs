//! The working-day calendar against real dates of 2026 and 2027, and the
//! school calendar read from a fixture in the official dataset's schema.

use domain::calendar::{SchoolHolidays, WorkingCalendar, public_holidays};
use time::macros::{date, datetime};
use time::{Date, Duration, OffsetDateTime};

const FIXTURE: &str = include_str!("fixtures/fr-en-calendrier-scolaire.csv");

fn school() -> SchoolHolidays {
    SchoolHolidays::from_csv_text(FIXTURE).expect("the fixture parses")
}

#[test]
fn the_fixture_gives_each_academie_its_zone() {
    let s = school();
    assert_eq!(s.academies().collect::<Vec<_>>(), ["Aix-Marseille", "Créteil", "Grenoble", "Lyon", "Paris", "Rennes"]);
    for academie in ["Lyon", "Aix-Marseille", "Paris"] {
        let p = s.periods(academie);
        assert_eq!(p.len(), 5, "{academie}");
        // Toussaint: from Saturday 17 October, classes resume Monday 2 November.
        assert_eq!((p[0].first_day, p[0].return_day), (date!(2026 - 10 - 17), date!(2026 - 11 - 02)), "{academie}");
        assert_eq!(p[0].description, "Vacances de la Toussaint");
        assert_eq!((p[1].first_day, p[1].return_day), (date!(2026 - 12 - 19), date!(2027 - 01 - 04)), "{academie}");
        assert!(s.is_holiday(academie, date!(2026 - 10 - 30)) && !s.is_holiday(academie, date!(2026 - 11 - 02)));
    }
    // Winter holidays differ per zone.
    let winter = |a: &str| {
        let p = &s.periods(a)[2];
        (p.first_day, p.return_day)
    };
    assert_eq!(winter("Lyon"), (date!(2027 - 02 - 13), date!(2027 - 03 - 01)));
    assert_eq!(winter("Aix-Marseille"), (date!(2027 - 02 - 20), date!(2027 - 03 - 08)));
    assert_eq!(winter("Paris"), (date!(2027 - 02 - 06), date!(2027 - 02 - 22)));
    // Names are compared folded, with or without "Académie de".
    assert_eq!(s.periods("aix marseille").len(), 5);
    assert_eq!(s.periods("Académie de Lyon").len(), 5);
    assert!(s.periods("Bordeaux").is_empty());
}

/// Real days of 2026 and 2027, département by département: (day, département,
/// working day without the school calendar, why).
const DAYS: &[(Date, &str, bool, &str)] = &[
    (date!(2026 - 01 - 01), "69", false, "Jour de l'an, Thursday"),
    (date!(2026 - 01 - 02), "69", true, "Friday after New Year: no bridge by law"),
    (date!(2026 - 04 - 03), "69", true, "Good Friday outside Alsace-Moselle"),
    (date!(2026 - 04 - 03), "67", false, "Good Friday in Bas-Rhin"),
    (date!(2026 - 04 - 03), "68", false, "Good Friday in Haut-Rhin"),
    (date!(2026 - 04 - 03), "57", false, "Good Friday in Moselle"),
    (date!(2026 - 04 - 06), "69", false, "Easter Monday 2026"),
    (date!(2026 - 05 - 01), "69", false, "1 May, Friday"),
    (date!(2026 - 05 - 08), "69", false, "8 May, Friday"),
    (date!(2026 - 05 - 14), "69", false, "Ascension 2026"),
    (date!(2026 - 05 - 15), "69", true, "Ascension bridge: a working day without the school calendar"),
    (date!(2026 - 05 - 25), "69", false, "Whit Monday 2026"),
    (date!(2026 - 05 - 27), "971", false, "abolition of slavery, Guadeloupe"),
    (date!(2026 - 05 - 27), "972", true, "not in Martinique"),
    (date!(2026 - 05 - 22), "972", false, "abolition of slavery, Martinique"),
    (date!(2026 - 06 - 10), "973", false, "abolition of slavery, Guyane"),
    (date!(2026 - 04 - 27), "976", false, "abolition of slavery, Mayotte"),
    (date!(2026 - 05 - 28), "978", false, "abolition of slavery, Saint-Martin"),
    (date!(2026 - 10 - 09), "977", false, "abolition of slavery, Saint-Barthélemy"),
    (date!(2026 - 07 - 14), "69", false, "14 July, Tuesday"),
    (date!(2026 - 07 - 13), "69", true, "Monday before 14 July"),
    (date!(2026 - 11 - 11), "69", false, "11 November 2026 is a Wednesday"),
    (date!(2026 - 11 - 10), "69", true, "Tuesday before"),
    (date!(2026 - 12 - 25), "69", false, "Christmas, Friday"),
    (date!(2025 - 12 - 26), "67", false, "26 December 2025 (Friday) in Bas-Rhin"),
    (date!(2025 - 12 - 26), "69", true, "26 December 2025 in Rhône"),
    (date!(2026 - 12 - 28), "69", true, "Monday between Christmas and New Year"),
    (date!(2027 - 01 - 01), "69", false, "Jour de l'an, Friday"),
    (date!(2027 - 03 - 26), "57", false, "Good Friday 2027 in Moselle"),
    (date!(2027 - 03 - 26), "54", true, "Good Friday 2027 in Meurthe-et-Moselle"),
    (date!(2027 - 03 - 29), "69", false, "Easter Monday 2027"),
    (date!(2027 - 05 - 06), "69", false, "Ascension 2027"),
    (date!(2027 - 05 - 07), "69", true, "Ascension bridge 2027"),
    (date!(2027 - 05 - 17), "69", false, "Whit Monday 2027"),
    (date!(2027 - 05 - 27), "971", false, "abolition of slavery, Guadeloupe, Thursday"),
    (date!(2027 - 07 - 14), "69", false, "14 July, Wednesday"),
    (date!(2027 - 11 - 01), "69", false, "Toussaint, Monday"),
    (date!(2027 - 11 - 11), "69", false, "11 November, Thursday"),
    (date!(2027 - 12 - 20), "974", false, "abolition of slavery, La Réunion, Monday"),
    (date!(2027 - 12 - 20), "69", true, "20 December in Rhône"),
    (date!(2027 - 12 - 24), "69", true, "Christmas Eve is no holiday"),
    (date!(2026 - 11 - 14), "69", false, "Saturday"),
    (date!(2026 - 11 - 15), "69", false, "Sunday"),
];

#[test]
fn real_days_of_2026_and_2027() {
    for &(day, dep, working, why) in DAYS {
        assert_eq!(WorkingCalendar::new(dep, None, None).is_working_day(day), working, "{day} in {dep}: {why}");
    }
    // Weekend holidays are still listed.
    assert!(
        public_holidays(2026, "974")
            .iter()
            .any(|h| h.date == date!(2026 - 12 - 20) && h.name == "Abolition de l'esclavage")
    );
    assert!(public_holidays(2026, "67").iter().any(|h| h.date == date!(2026 - 12 - 26) && h.name == "Saint-Étienne"));
    let names = |y, dep| public_holidays(y, dep).into_iter().map(|h| (h.date, h.name)).collect::<Vec<_>>();
    assert!(names(2027, "75").contains(&(date!(2027 - 03 - 29), "Lundi de Pâques")));
    assert!(names(2027, "75").contains(&(date!(2027 - 05 - 06), "Ascension")));
    assert!(names(2027, "75").contains(&(date!(2027 - 05 - 17), "Lundi de Pentecôte")));
}

#[test]
fn school_holidays_count_only_when_the_calendar_is_given() {
    let s = school();
    let with = WorkingCalendar::new("69", Some("Lyon"), Some(&s));
    let without = WorkingCalendar::new("69", Some("Lyon"), None);
    assert!(with.has_school_holidays() && !without.has_school_holidays());
    assert!(!WorkingCalendar::new("33", Some("Bordeaux"), Some(&s)).has_school_holidays(), "not in the fixture");
    assert!(!WorkingCalendar::new("69", None, Some(&s)).has_school_holidays());
    for (day, lyon) in [
        (date!(2026 - 10 - 16), true),  // last Friday of classes
        (date!(2026 - 10 - 19), false), // Toussaint
        (date!(2026 - 11 - 02), true),  // classes resume
        (date!(2026 - 12 - 21), false), // Christmas holidays
        (date!(2027 - 01 - 04), true),  // classes resume
        (date!(2027 - 02 - 15), false), // winter, zone A
        (date!(2027 - 02 - 08), true),  // zone C is on holiday, not Lyon
        (date!(2027 - 04 - 12), false), // spring, zone A
        (date!(2027 - 05 - 07), false), // Ascension bridge
        (date!(2027 - 05 - 10), true),
    ] {
        assert_eq!(with.is_working_day(day), lyon, "{day}");
        assert!(without.is_working_day(day), "{day}");
    }
}

fn lyon_school() -> &'static SchoolHolidays {
    use std::sync::OnceLock;
    static S: OnceLock<SchoolHolidays> = OnceLock::new();
    S.get_or_init(school)
}

/// (département, académie with the school calendar, received, working days,
/// deadline, why), local times.
type Case = (&'static str, Option<&'static str>, OffsetDateTime, u32, OffsetDateTime, &'static str);

const DEADLINES: &[Case] = &[
    ("69", None, datetime!(2026-11-20 18:00 +1), 2, datetime!(2026-11-24 18:00 +1), "Friday 18:00 + 2 = Tuesday 18:00"),
    ("69", None, datetime!(2026-11-20 18:00 +1), 1, datetime!(2026-11-23 18:00 +1), "over the weekend"),
    ("69", None, datetime!(2026-11-20 17:00 UTC), 2, datetime!(2026-11-24 18:00 +1), "stored in UTC, counted in Paris"),
    ("69", None, datetime!(2026-11-10 10:00 +1), 2, datetime!(2026-11-13 10:00 +1), "across 11 November"),
    ("69", None, datetime!(2026-11-11 09:00 +1), 1, datetime!(2026-11-13 00:00 +1), "received on 11 November"),
    (
        "69",
        None,
        datetime!(2026-11-21 10:00 +1),
        2,
        datetime!(2026-11-25 00:00 +1),
        "received on Saturday: end of Tuesday",
    ),
    ("69", None, datetime!(2026-11-23 00:00 +1), 1, datetime!(2026-11-24 00:00 +1), "from Monday 00:00: end of Monday"),
    ("69", None, datetime!(2026-05-13 15:00 +2), 1, datetime!(2026-05-15 15:00 +2), "Ascension 2026, bridge worked"),
    ("69", None, datetime!(2026-05-13 15:00 +2), 2, datetime!(2026-05-18 15:00 +2), "Ascension 2026 and weekend"),
    (
        "69",
        None,
        datetime!(2027-05-05 15:00 +2),
        1,
        datetime!(2027-05-07 15:00 +2),
        "Ascension 2027 without school calendar",
    ),
    (
        "69",
        Some("Lyon"),
        datetime!(2027-05-05 15:00 +2),
        1,
        datetime!(2027-05-10 15:00 +2),
        "Ascension bridge for Lyon",
    ),
    ("69", None, datetime!(2027-05-14 09:00 +2), 1, datetime!(2027-05-18 09:00 +2), "Whit Monday 2027"),
    ("69", None, datetime!(2026-04-02 12:00 +2), 2, datetime!(2026-04-07 12:00 +2), "Easter 2026 in Rhône"),
    (
        "67",
        None,
        datetime!(2026-04-02 12:00 +2),
        2,
        datetime!(2026-04-08 12:00 +2),
        "Good Friday and Easter Monday in Bas-Rhin",
    ),
    (
        "69",
        None,
        datetime!(2026-10-23 18:00 +2),
        2,
        datetime!(2026-10-27 18:00 +1),
        "local time kept across the clock change",
    ),
    (
        "69",
        None,
        datetime!(2026-10-16 18:00 +2),
        2,
        datetime!(2026-10-20 18:00 +2),
        "Toussaint without school calendar",
    ),
    ("69", Some("Lyon"), datetime!(2026-10-16 18:00 +2), 2, datetime!(2026-11-03 18:00 +1), "Toussaint for Lyon"),
    ("69", None, datetime!(2026-12-18 12:00 +1), 3, datetime!(2026-12-23 12:00 +1), "before Christmas"),
    (
        "69",
        Some("Lyon"),
        datetime!(2026-12-18 12:00 +1),
        3,
        datetime!(2027-01-06 12:00 +1),
        "across the Christmas holidays",
    ),
    ("69", Some("Lyon"), datetime!(2027-02-12 10:00 +1), 1, datetime!(2027-03-01 10:00 +1), "winter, zone A"),
    (
        "13",
        Some("Aix-Marseille"),
        datetime!(2027-02-12 10:00 +1),
        1,
        datetime!(2027-02-15 10:00 +1),
        "zone B not yet off",
    ),
    (
        "75",
        Some("Paris"),
        datetime!(2027-02-12 10:00 +1),
        1,
        datetime!(2027-02-23 00:00 +1),
        "zone C off since 6 February",
    ),
    ("69", None, datetime!(2027-12-17 20:00 UTC), 1, datetime!(2027-12-20 21:00 +1), "Friday evening in Lyon"),
    (
        "974",
        None,
        datetime!(2027-12-17 20:00 UTC),
        1,
        datetime!(2027-12-22 00:00 +4),
        "already Saturday in La Réunion, then 20 December",
    ),
    ("971", None, datetime!(2027-05-26 12:00 -4), 1, datetime!(2027-05-28 12:00 -4), "27 May in Guadeloupe"),
    ("69", None, datetime!(2026-11-20 18:00 +1), 0, datetime!(2026-11-20 18:00 +1), "zero days"),
    ("69", None, datetime!(2026-11-21 10:00 +1), 0, datetime!(2026-11-21 10:00 +1), "zero days on a day off"),
];

fn calendar(dep: &'static str, academie: Option<&'static str>) -> WorkingCalendar<'static> {
    WorkingCalendar::new(dep, academie, academie.map(|_| lyon_school()))
}

#[test]
fn deadlines() {
    for &(dep, academie, from, n, deadline, why) in DEADLINES {
        let cal = calendar(dep, academie);
        let got = cal.add_working_days(from, n);
        assert_eq!(got, deadline, "{why}: {got}");
        assert_eq!(got.offset(), deadline.offset(), "{why}: given in local time");
        assert_eq!(cal.working_days_between(from, deadline), n, "{why}");
        if n > 0 {
            assert_eq!(cal.working_days_between(from, deadline - Duration::seconds(1)), n - 1, "{why}");
            assert!(cal.minus_working_days(deadline, n) >= from, "{why}");
        }
    }
}

#[test]
fn elapsed_working_days_decide_reminders() {
    let cal = WorkingCalendar::new("69", None, None);
    let received = datetime!(2026-11-20 18:00 +1);
    for (now, days) in [
        (datetime!(2026-11-20 17:00 +1), 0),
        (datetime!(2026-11-23 17:59 +1), 0),
        (datetime!(2026-11-23 18:00 +1), 1),
        (datetime!(2026-11-24 18:00 +1), 2),
        (datetime!(2026-12-04 18:00 +1), 10),
    ] {
        assert_eq!(cal.working_days_between(received, now), days, "{now}");
    }
    // Over the Toussaint holidays, Lyon's clock stops.
    let s = school();
    let lyon = WorkingCalendar::new("69", Some("Lyon"), Some(&s));
    let (from, now) = (datetime!(2026-10-16 18:00 +2), datetime!(2026-10-30 12:00 +1));
    assert_eq!(WorkingCalendar::new("69", None, None).working_days_between(from, now), 9);
    assert_eq!(lyon.working_days_between(from, now), 0);
    assert_eq!(lyon.working_days_between(from, datetime!(2026-11-03 12:00 +1)), 1);
}

#[test]
fn cutoffs_for_the_background_jobs() {
    let cal = WorkingCalendar::new("69", None, None);
    // The weekends-only cases of the former approximation still hold.
    assert_eq!(cal.minus_working_days(datetime!(2026-11-25 10:00 UTC), 3), datetime!(2026-11-20 10:00 UTC));
    assert_eq!(cal.minus_working_days(datetime!(2026-11-23 10:00 UTC), 3), datetime!(2026-11-18 10:00 UTC));
    assert_eq!(cal.minus_working_days(datetime!(2026-11-23 10:00 UTC), 0), datetime!(2026-11-23 10:00 UTC));
    // 11 November is skipped now.
    assert_eq!(cal.minus_working_days(datetime!(2026-11-13 10:00 +1), 2), datetime!(2026-11-10 10:00 +1));
    // From a day off, the last working day counts whole: on Sunday, Thursday
    // 00:00 is 2 working days old.
    assert_eq!(cal.minus_working_days(datetime!(2026-11-22 15:00 +1), 2), datetime!(2026-11-19 00:00 +1));
}

/// The three questions agree on every instant of a school year, for
/// calendars with and without school holidays and in several time zones.
#[test]
fn add_between_and_minus_agree() {
    let calendars = [
        calendar("69", None),
        calendar("69", Some("Lyon")),
        calendar("75", Some("Paris")),
        calendar("67", None),
        calendar("974", None),
        calendar("975", None),
    ];
    let second = Duration::seconds(1);
    for cal in &calendars {
        let mut a = datetime!(2026-09-01 00:00 UTC);
        while a < datetime!(2027-08-31 00:00 UTC) {
            for n in [0, 1, 2, 3, 8, 20] {
                let d = cal.add_working_days(a, n);
                assert_eq!(cal.working_days_between(a, d), n, "{cal:?} {a} + {n} = {d}");
                let m = cal.minus_working_days(a, n);
                assert_eq!(cal.working_days_between(m, a), n, "{cal:?} {a} - {n} = {m}");
                if n > 0 {
                    assert_eq!(cal.working_days_between(a, d - second), n - 1, "{cal:?} {a} + {n} = {d}");
                    assert_eq!(cal.working_days_between(m + second, a), n - 1, "{cal:?} {a} - {n} = {m}");
                    assert!(d > a && m < a);
                }
            }
            a += Duration::minutes(11 * 60 + 17);
        }
    }
}
