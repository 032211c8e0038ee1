//! The job vocabulary held in memory: ROME sheets, their 11,522 job titles
//! and the professional domains. Read on every showcase page and by the
//! job suggestions, so it is loaded once per catalogue version.

use crate::storage::{self, Db};
use domain::text::fold;
use std::collections::HashMap;

/// A job title and the sheet it belongs to.
#[derive(Debug, Clone)]
pub struct Title {
    pub rome: String,
    pub label: String,
    norm: String,
}

/// The ROME vocabulary.
#[derive(Debug, Default)]
pub struct Vocabulary {
    pub rome_labels: HashMap<String, String>,
    pub domain_labels: HashMap<String, String>,
    pub titles: Vec<Title>,
    titles_by_rome: HashMap<String, Vec<usize>>,
    rome_norms: Vec<(String, String)>,
}

/// A job found for words typed by a user.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JobMatch {
    pub rome: String,
    pub libelle: String,
    pub appellation: String,
    pub score: f64,
}

impl Vocabulary {
    pub async fn load(db: &Db) -> sqlx::Result<Vocabulary> {
        let romes = storage::catalogue::romes(db).await?;
        let apps = storage::catalogue::appellations(db).await?;
        let domaines = storage::catalogue::domaines(db).await?;
        let mut v = Vocabulary {
            rome_labels: romes.iter().map(|r| (r.code.clone(), r.libelle.clone())).collect(),
            domain_labels: domaines.into_iter().map(|d| (d.code, d.libelle)).collect(),
            rome_norms: romes.into_iter().map(|r| (r.code, r.libelle_norm)).collect(),
            ..Vocabulary::default()
        };
        for a in apps {
            v.titles_by_rome.entry(a.rome_code.clone()).or_default().push(v.titles.len());
            v.titles.push(Title { rome: a.rome_code, label: a.libelle, norm: a.libelle_norm });
        }
        Ok(v)
    }

    /// A few job titles of a sheet that say more than its label: the
    /// shortest ones that differ from it.
    pub fn sample_titles(&self, rome: &str, n: usize) -> Vec<String> {
        let label = self.rome_labels.get(rome).map(|l| fold(l)).unwrap_or_default();
        let mut titles: Vec<&Title> = self
            .titles_by_rome
            .get(rome)
            .into_iter()
            .flatten()
            .map(|&i| &self.titles[i])
            .filter(|t| t.norm != label)
            .collect();
        titles.sort_by_key(|t| (t.label.len(), t.label.clone()));
        titles.into_iter().take(n).map(|t| t.label.clone()).collect()
    }

    /// Jobs whose sheet label or job titles contain every word typed, as
    /// word prefixes, ignoring case and accents. One line per sheet, with
    /// its best-matching title.
    pub fn find_jobs(&self, q: &str, limit: usize) -> Vec<JobMatch> {
        let tokens: Vec<String> = fold(q).split(' ').filter(|t| !t.is_empty()).map(str::to_string).collect();
        if tokens.is_empty() {
            return Vec::new();
        }
        let mut best: HashMap<&str, (f64, &str)> = HashMap::new();
        for t in &self.titles {
            if let Some(score) = match_score(&tokens, &t.norm) {
                keep_best(&mut best, &t.rome, &t.label, score);
            }
        }
        for (code, norm) in &self.rome_norms {
            if let (Some(score), Some(label)) = (match_score(&tokens, norm), self.rome_labels.get(code)) {
                keep_best(&mut best, code, label, score);
            }
        }
        let mut out: Vec<JobMatch> = best
            .into_iter()
            .map(|(rome, (score, title))| JobMatch {
                rome: rome.to_string(),
                libelle: self.rome_labels.get(rome).cloned().unwrap_or_default(),
                appellation: title.to_string(),
                score: (score * 100.0).round() / 100.0,
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.appellation.len().cmp(&b.appellation.len())));
        out.truncate(limit);
        out
    }
}

/// Keeps, per sheet, the best score and the shortest title reaching it.
fn keep_best<'a>(best: &mut HashMap<&'a str, (f64, &'a str)>, rome: &'a str, label: &'a str, score: f64) {
    let e = best.entry(rome).or_insert((score, label));
    if score > e.0 || (score == e.0 && label.len() < e.1.len()) {
        *e = (score, label);
    }
}

/// How well typed words match a folded label: `None` unless every word is
/// the beginning of a word of the label; then the share of the label's
/// words covered, with a bonus when the label starts with the first word.
fn match_score(tokens: &[String], norm: &str) -> Option<f64> {
    let words: Vec<&str> = norm.split(' ').collect();
    let mut covered = 0usize;
    for t in tokens {
        let hit = words.iter().position(|w| w.starts_with(t.as_str()))?;
        covered += usize::from(words[hit].len() == t.len()) + 1;
    }
    let first_bonus = if words.first().is_some_and(|w| w.starts_with(tokens[0].as_str())) { 0.2 } else { 0.0 };
    let share = covered as f64 / (2 * words.len().max(tokens.len())) as f64;
    Some((0.3 + 0.5 * share + first_bonus).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(q: &str) -> Vec<String> {
        fold(q).split(' ').map(str::to_string).collect()
    }

    #[test]
    fn every_word_must_match_a_word_start() {
        assert!(match_score(&toks("electricien"), "electricien electricienne du batiment").is_some());
        assert!(match_score(&toks("elec bat"), "electricien electricienne du batiment").is_some());
        assert!(match_score(&toks("plombier"), "electricien electricienne du batiment").is_none());
        assert!(match_score(&toks("tricien"), "electricien").is_none());
    }

    #[test]
    fn closer_labels_score_higher() {
        let short = match_score(&toks("electricien"), "electricien electricienne").unwrap();
        let long = match_score(&toks("electricien"), "electricien electricienne de maintenance des systemes").unwrap();
        let inner = match_score(&toks("electricien"), "chef d equipe electricien").unwrap();
        assert!(short > long && long > inner, "{short} {long} {inner}");
    }
}
