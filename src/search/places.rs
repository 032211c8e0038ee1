//! The communes a company may type — a name (any case, with or without
//! accents, "st" for "saint"), a postcode or its first digits, an INSEE
//! code — found in memory. Every page and API reading a typed place asks
//! this index: the database held the same lookups as `LIKE 'prefix%'`,
//! which SQLite cannot serve from an index (its `LIKE` ignores case) and
//! scanned every postcode of France for each `/stages` or `/evenements`
//! typed as digits (issue 25). Built with the search index, from the same
//! rows, for each catalogue version.

use domain::Position;
use domain::text::fold_place;
use std::collections::HashMap;

/// A commune (or a municipal arrondissement of Paris, Lyon, Marseille).
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub code_insee: String,
    pub nom: String,
    pub departement: String,
    pub position: Option<Position>,
    /// `commune`, `arrondissement`, or another kind of the official code.
    pub kind: String,
    /// The whole city of an arrondissement.
    pub parent: Option<String>,
    pub population: Option<i64>,
    /// Sorted.
    pub postcodes: Vec<String>,
}

impl Place {
    fn is_commune(&self) -> bool {
        self.kind == "commune"
    }

    fn is_arrondissement(&self) -> bool {
        self.kind == "arrondissement"
    }
}

/// Every place, by code, by folded name and by postcode.
#[derive(Debug, Default)]
pub struct PlaceIndex {
    places: Vec<Place>,
    by_code: HashMap<String, u32>,
    /// (folded name, place), sorted: the names starting with what was
    /// typed are one range.
    by_name: Vec<(String, u32)>,
    /// (postcode, place), sorted: the postcodes starting with the digits
    /// typed are one range.
    by_postcode: Vec<(String, u32)>,
    /// A whole city's arrondissements, by the city's code, sorted by code.
    children: HashMap<String, Vec<u32>>,
}

impl PlaceIndex {
    /// The index of `places` (their postcodes sorted here).
    pub fn new(mut places: Vec<Place>) -> PlaceIndex {
        places.sort_by(|a, b| a.code_insee.cmp(&b.code_insee));
        let mut by_code = HashMap::with_capacity(places.len());
        let mut by_name = Vec::with_capacity(places.len());
        let mut by_postcode = Vec::with_capacity(places.len() * 6 / 5);
        let mut children: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, p) in places.iter_mut().enumerate() {
            let i = i as u32;
            p.postcodes.sort_unstable();
            p.postcodes.dedup();
            by_code.insert(p.code_insee.clone(), i);
            by_name.push((fold_place(&p.nom), i));
            by_postcode.extend(p.postcodes.iter().map(|cp| (cp.clone(), i)));
            if let Some(parent) = &p.parent {
                children.entry(parent.clone()).or_default().push(i);
            }
        }
        by_name.sort_unstable();
        by_postcode.sort_unstable();
        PlaceIndex { places, by_code, by_name, by_postcode, children }
    }

    /// The place with this INSEE code.
    pub fn get(&self, code: &str) -> Option<&Place> {
        self.by_code.get(code).map(|&i| &self.places[i as usize])
    }

    pub fn contains_key(&self, code: &str) -> bool {
        self.by_code.contains_key(code)
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Every place, by INSEE code.
    pub fn iter(&self) -> impl Iterator<Item = &Place> {
        self.places.iter()
    }

    /// The municipal arrondissements of a whole city (Paris, Lyon,
    /// Marseille), by code; none for any other commune.
    pub fn arrondissements(&self, city: &str) -> impl Iterator<Item = &Place> {
        self.children.get(city).into_iter().flatten().map(|&i| &self.places[i as usize])
    }

    /// The places `typed` names, best first, at most `limit`: digits are
    /// a postcode or its beginning (an arrondissement before its whole
    /// city, as its postcode names it more precisely, then the most
    /// populated), else an INSEE code; anything else is the beginning of
    /// a name (the exact name first, communes before arrondissements,
    /// then the most populated).
    pub fn find(&self, typed: &str, limit: usize) -> Vec<&Place> {
        let typed = typed.trim();
        if typed.is_empty() || limit == 0 {
            return Vec::new();
        }
        if typed.bytes().all(|b| b.is_ascii_digit()) {
            let found = self.by_postcode_prefix(typed, limit);
            if !found.is_empty() {
                return found;
            }
        }
        if let Ok(code) = typed.parse::<domain::InseeCode>()
            && let Some(p) = self.get(code.as_str())
        {
            return vec![p];
        }
        let key = fold_place(typed);
        if key.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<(bool, bool, &Place)> = self
            .name_range(&key)
            .iter()
            .map(|(name, i)| {
                let p = &self.places[*i as usize];
                (*name != key, !p.is_commune(), p)
            })
            .collect();
        best_first(&mut found, limit, |(inexact, other_kind, p)| (*inexact, *other_kind, rank(p)));
        found.into_iter().map(|(_, _, p)| p).collect()
    }

    /// [`find`](Self::find), or else the places whose name is a typing
    /// slip away from `typed` ([`near`](Self::near)): what every form and
    /// suggestion list asks, so that « aurilac » finds Aurillac as a
    /// misspelt job finds its trade.
    pub fn find_tolerant(&self, typed: &str, limit: usize) -> Vec<&Place> {
        let found = self.find(typed, limit);
        if found.is_empty() { self.near(typed, limit) } else { found }
    }

    /// The places whose name is one slip from `typed` (a letter missing,
    /// added, changed or two swapped: « aurilac », « marseile »), two for
    /// names of 8 letters or more, closest first, then the most populated.
    /// A scan of every name (35,000, about a millisecond), made only when
    /// `find` found nothing; nothing under 4 letters (too many near names).
    pub fn near(&self, typed: &str, limit: usize) -> Vec<&Place> {
        let key = fold_place(typed);
        let len = key.chars().count();
        if len < 4 || limit == 0 {
            return Vec::new();
        }
        let max = if len < 8 { 1 } else { 2 };
        let mut found: Vec<(usize, &Place)> = self
            .by_name
            .iter()
            .filter(|(name, _)| name.len().abs_diff(key.len()) <= max)
            .filter_map(|(name, i)| {
                let d = strsim::osa_distance(name, &key);
                (d <= max).then(|| (d, &self.places[*i as usize]))
            })
            .collect();
        best_first(&mut found, limit, |(d, p)| (*d, rank(p)));
        found.into_iter().map(|(_, p)| p).collect()
    }

    fn by_postcode_prefix(&self, digits: &str, limit: usize) -> Vec<&Place> {
        let start = self.by_postcode.partition_point(|(cp, _)| cp.as_str() < digits);
        let mut seen: Vec<u32> =
            self.by_postcode[start..].iter().take_while(|(cp, _)| cp.starts_with(digits)).map(|(_, i)| *i).collect();
        seen.sort_unstable();
        seen.dedup();
        let mut found: Vec<(bool, &Place)> = seen
            .into_iter()
            .map(|i| {
                let p = &self.places[i as usize];
                (!p.is_arrondissement(), p)
            })
            .collect();
        best_first(&mut found, limit, |(not_arrondissement, p)| (*not_arrondissement, false, rank(p)));
        found.into_iter().map(|(_, p)| p).collect()
    }

    /// The entries of `by_name` starting with `key`.
    fn name_range(&self, key: &str) -> &[(String, u32)] {
        let start = self.by_name.partition_point(|(n, _)| n.as_str() < key);
        let len = self.by_name[start..].partition_point(|(n, _)| n.starts_with(key));
        &self.by_name[start..start + len]
    }
}

/// Most populated first (unknown last), then by name and code: a total
/// order, so that the same words always give the same answer.
fn rank(p: &Place) -> (std::cmp::Reverse<i64>, &str, &str) {
    (std::cmp::Reverse(p.population.unwrap_or(-1)), p.nom.as_str(), p.code_insee.as_str())
}

/// Keeps the `limit` smallest of `items` by `key`, sorted: a short prefix
/// ("s", "6") matches thousands of places, of which a page shows a few.
fn best_first<T, K: Ord>(items: &mut Vec<T>, limit: usize, key: impl Fn(&T) -> K) {
    if items.len() > limit {
        items.select_nth_unstable_by(limit - 1, |a, b| key(a).cmp(&key(b)));
        items.truncate(limit);
    }
    items.sort_unstable_by_key(key);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(code: &str, nom: &str, kind: &str, parent: Option<&str>, population: i64, cps: &[&str]) -> Place {
        Place {
            code_insee: code.into(),
            nom: nom.into(),
            departement: if code.starts_with("97") { code[..3].into() } else { code[..2].into() },
            position: Position::new(45.0, 4.0),
            kind: kind.into(),
            parent: parent.map(str::to_string),
            population: Some(population),
            postcodes: cps.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A small France: Lyon and two arrondissements, two Saint-Denis, a
    /// Corsican commune, Saint-Étienne, and a smaller Lyons-la-Forêt.
    fn index() -> PlaceIndex {
        PlaceIndex::new(vec![
            place("69123", "Lyon", "commune", None, 522_250, &["69009", "69001", "69003"]),
            place("69381", "Lyon 1er Arrondissement", "arrondissement", Some("69123"), 30_000, &["69001"]),
            place("69383", "Lyon 3e Arrondissement", "arrondissement", Some("69123"), 103_000, &["69003"]),
            place("27377", "Lyons-la-Forêt", "commune", None, 700, &["27480"]),
            place("93066", "Saint-Denis", "commune", None, 113_000, &["93200", "93210"]),
            place("97411", "Saint-Denis", "commune", None, 153_000, &["97400", "97490"]),
            place("42218", "Saint-Étienne", "commune", None, 173_000, &["42000", "42100"]),
            place("2A004", "Ajaccio", "commune", None, 71_000, &["20000", "20090"]),
        ])
    }

    fn codes(found: Vec<&Place>) -> Vec<&str> {
        found.into_iter().map(|p| p.code_insee.as_str()).collect()
    }

    #[test]
    fn a_postcode_finds_its_arrondissement_before_the_whole_city() {
        let i = index();
        assert_eq!(codes(i.find("69003", 5)), ["69383", "69123"]);
        assert_eq!(codes(i.find(" 69001 ", 5)), ["69381", "69123"]);
        // The beginning of a postcode: every place it starts, best first.
        assert_eq!(codes(i.find("690", 5)), ["69383", "69381", "69123"]);
        assert_eq!(codes(i.find("690", 1)), ["69383"]);
        assert_eq!(codes(i.find("93210", 5)), ["93066"]);
        assert!(i.find("99999", 5).is_empty());
    }

    #[test]
    fn an_insee_code_finds_its_commune() {
        let i = index();
        // 69123 is no postcode: the INSEE code of the whole city.
        assert_eq!(codes(i.find("69123", 5)), ["69123"]);
        assert_eq!(codes(i.find("2A004", 5)), ["2A004"]);
        assert_eq!(codes(i.find("2a004", 5)), ["2A004"], "as typed, lower case");
        assert_eq!(i.get("97411").map(|p| p.nom.as_str()), Some("Saint-Denis"));
        assert!(i.get("00000").is_none());
    }

    #[test]
    fn a_name_with_or_without_accents_case_or_abbreviation() {
        let i = index();
        for typed in ["Saint-Étienne", "saint etienne", "SAINT-ETIENNE", "St Étienne", "st-etienne", "saint é"] {
            assert_eq!(codes(i.find(typed, 5)), ["42218"], "{typed}");
        }
        // The exact name first, then longer names, most populated first.
        assert_eq!(codes(i.find("lyon", 10)), ["69123", "27377", "69383", "69381"]);
        assert_eq!(codes(i.find("Lyons", 10)), ["27377"]);
        assert!(i.find("--", 5).is_empty());
        assert!(i.find("", 5).is_empty());
        assert!(i.find("Lyon", 0).is_empty());
    }

    #[test]
    fn homonyms_come_together_most_populated_first() {
        let i = index();
        assert_eq!(codes(i.find("Saint-Denis", 5)), ["97411", "93066"]);
        assert_eq!(codes(i.find("saint", 2)), ["42218", "97411"]);
    }

    #[test]
    fn a_typing_slip_finds_the_commune_when_nothing_else_does() {
        let i = index();
        // A letter missing, doubled, swapped, changed.
        for typed in ["Ajacio", "ajjaccio", "Ajacico", "Ajaccia"] {
            assert!(i.find(typed, 5).is_empty(), "{typed}: not a beginning of a name");
            assert_eq!(codes(i.find_tolerant(typed, 5)), ["2A004"], "{typed}");
        }
        // Two slips in a long name; homonyms together, most populated first.
        assert_eq!(codes(i.find_tolerant("Sint-Denys", 5)), ["97411", "93066"]);
        // What `find` knows is never replaced by a near name.
        assert_eq!(codes(i.find_tolerant("Lyons", 5)), ["27377"]);
        // Short or far words find nothing rather than anything.
        assert!(i.find_tolerant("Lyn", 5).is_empty(), "under 4 letters, no guess");
        assert!(i.find_tolerant("Grenoble", 5).is_empty());
    }

    #[test]
    fn a_city_knows_its_arrondissements() {
        let i = index();
        assert_eq!(codes(i.arrondissements("69123").collect()), ["69381", "69383"]);
        assert_eq!(i.arrondissements("42218").count(), 0);
        assert_eq!(
            i.get("69123").map(|p| p.postcodes.clone()),
            Some(vec!["69001".into(), "69003".into(), "69009".into()])
        );
        assert_eq!(i.len(), 8);
    }
}
