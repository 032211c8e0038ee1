//! The identifier parsers of `domain::ids` on arbitrary text. They are the
//! edge of the service ("parse, don't validate"), so beyond not panicking a
//! parsed value must be canonical: printing it and parsing it again gives
//! the same value, it has the documented shape, and the spelling variants
//! the parsers promise to accept (case, surrounding spaces) give the same
//! result. Identifiers built here with a correct check character must be
//! accepted, so the check is not stricter than the standard either.

#![no_main]

use domain::{Cfd, Email, InseeCode, RomeCode, Siret, Uai};
use libfuzzer_sys::fuzz_target;
use std::fmt::{Debug, Display};
use std::str::FromStr;

/// Letters of the UAI check character, written again here from the
/// standard (no I, O, Q) rather than imported, to be an independent oracle.
const UAI_LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// Display then parse gives the same value, and `as_str` is `Display`.
fn round_trips<T>(v: &T, as_str: &str)
where
    T: FromStr + Display + PartialEq + Debug,
    T::Err: Debug,
{
    let shown = v.to_string();
    assert_eq!(shown, as_str);
    let again: T = shown.parse().unwrap_or_else(|e| panic!("{shown:?} printed from {v:?} does not parse: {e:?}"));
    assert_eq!(&again, v, "round trip of {shown:?}");
}

fn luhn_ok(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let x = u32::from(d - b'0');
            if i % 2 == 1 { (x * 2) / 10 + (x * 2) % 10 } else { x }
        })
        .sum();
    sum % 10 == 0
}

fn check_text(s: &str) {
    // Case and surrounding spaces never change the outcome where the
    // parsers upper-case and trim.
    let lower = s.to_ascii_lowercase();
    let padded = format!(" \t{s}\n ");
    assert_eq!(lower.parse::<Uai>(), s.parse::<Uai>());
    assert_eq!(padded.parse::<Uai>(), s.parse::<Uai>());
    assert_eq!(lower.parse::<RomeCode>(), s.parse::<RomeCode>());
    assert_eq!(padded.parse::<RomeCode>(), s.parse::<RomeCode>());
    assert_eq!(lower.parse::<InseeCode>(), s.parse::<InseeCode>());
    assert_eq!(padded.parse::<InseeCode>(), s.parse::<InseeCode>());
    assert_eq!(lower.parse::<Cfd>(), s.parse::<Cfd>());
    assert_eq!(padded.parse::<Cfd>(), s.parse::<Cfd>());
    assert_eq!(padded.parse::<Siret>(), s.parse::<Siret>());
    assert_eq!(padded.parse::<Email>(), s.parse::<Email>());

    if let Ok(uai) = s.parse::<Uai>() {
        round_trips(&uai, uai.as_str());
        let b = uai.as_str().as_bytes();
        assert!(b.len() == 8 && b[..7].iter().all(u8::is_ascii_digit), "{uai:?}");
        let n: usize = uai.as_str()[..7].parse().expect("7 digits");
        assert_eq!(b[7], UAI_LETTERS[n % 23], "{uai:?}");
    }
    if let Ok(siret) = s.parse::<Siret>() {
        round_trips(&siret, siret.as_str());
        let b = siret.as_str().as_bytes();
        assert!(b.len() == 14 && b.iter().all(u8::is_ascii_digit), "{siret:?}");
        let la_poste =
            siret.as_str().starts_with("356000000") && b.iter().map(|d| u32::from(d - b'0')).sum::<u32>() % 5 == 0;
        assert!(luhn_ok(b) || la_poste, "{siret:?}");
        assert_eq!(siret.siren(), &siret.as_str()[..9]);
    }
    if let Ok(rome) = s.parse::<RomeCode>() {
        round_trips(&rome, rome.as_str());
        let b = rome.as_str().as_bytes();
        assert!(b.len() == 5 && (b'A'..=b'N').contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit), "{rome:?}");
        assert_eq!(rome.domain(), &rome.as_str()[..3]);
    }
    if let Ok(insee) = s.parse::<InseeCode>() {
        round_trips(&insee, insee.as_str());
        let code = insee.as_str();
        assert!(code.len() == 5 && code.bytes().all(|c| c.is_ascii_digit() || c == b'A' || c == b'B'), "{insee:?}");
        let dep = insee.departement();
        assert!(code.starts_with(dep) && (dep.len() == 2 || dep.len() == 3), "{insee:?} → {dep:?}");
    }
    if let Ok(cfd) = s.parse::<Cfd>() {
        round_trips(&cfd, cfd.as_str());
        let b = cfd.as_str().as_bytes();
        assert!(b.len() == 8 && b.iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()), "{cfd:?}");
    }
    if let Ok(email) = s.parse::<Email>() {
        round_trips(&email, email.as_str());
        let e = email.as_str();
        assert!(e.len() <= 254 && !e.chars().any(|c| c.is_whitespace() || c.is_control()), "{email:?}");
        let (local, host) = e.rsplit_once('@').expect("an address has an @");
        assert!(!local.is_empty() && !local.contains('@') && host.contains('.'), "{email:?}");
        assert_eq!(email.normalized(), e.to_lowercase());
    }
}

/// Identifiers made valid from the input's bytes must be accepted.
fn check_built(data: &[u8]) {
    let digits: Vec<u8> = data.iter().map(|b| b'0' + b % 10).collect();
    if digits.len() >= 7 {
        let seven = &digits[..7];
        let n: usize = std::str::from_utf8(seven).expect("digits").parse().expect("digits");
        let mut uai = seven.to_vec();
        uai.push(UAI_LETTERS[n % 23]);
        let uai = String::from_utf8(uai).expect("ascii");
        assert_eq!(uai.parse::<Uai>().map(String::from), Ok(uai.clone()));
        assert_eq!(uai.to_ascii_lowercase().parse::<Uai>().map(String::from), Ok(uai));
    }
    if digits.len() >= 13 {
        let thirteen = &digits[..13];
        let key = (0..10u8).map(|k| [thirteen, &[b'0' + k]].concat()).find(|d| luhn_ok(d)).expect("a Luhn key");
        let siret = String::from_utf8(key).expect("ascii");
        let spaced = format!("{} {} {} {}", &siret[..3], &siret[3..6], &siret[6..9], &siret[9..]);
        assert_eq!(spaced.parse::<Siret>().map(String::from), Ok(siret));
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_text(&text);
    check_built(data);
});
