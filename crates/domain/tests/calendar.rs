//! The working-day calendar against real dates of 2026 and 2027, and the
//! school calendar read from a fixture in the official dataset's schema.

use domain::calendar::SchoolHolidays;
use time::macros::date;

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
