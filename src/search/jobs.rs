//! Understanding company words as jobs (ROME): an in-memory tantivy index of
//! the job titles, the ROME sheets, the diploma labels and the NAF sector
//! labels, each pointing to the ROME codes it stands for.
//!
//! Text goes through `domain::analysis` before tantivy sees it, so index and
//! queries share one French analysis (case, accents, plurals, feminine
//! forms, elisions); tantivy brings the inverted index, BM25 and the
//! Levenshtein automata for typos.

use domain::analysis::{analyze, analyze_query};
use std::collections::HashMap;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{DocAddress, Index, IndexReader, TantivyDocument, Term};

/// What a document of the index is; weighs how much a hit on it says about
/// its jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A ROME sheet's own label.
    Sheet,
    /// One of the 11,522 job titles.
    Title,
    /// A diploma label: it leads to its jobs.
    Diploma,
    /// A NAF sector label: it employs the jobs of its division.
    Sector,
}

impl Source {
    fn weight(self) -> f32 {
        match self {
            Source::Sheet => 1.1,
            Source::Title => 1.0,
            Source::Diploma => 0.7,
            Source::Sector => 0.35,
        }
    }
}

/// A text to index and the jobs it stands for.
#[derive(Debug, Clone)]
pub struct JobText {
    pub source: Source,
    pub label: String,
    pub romes: Vec<String>,
}

/// A job understood from words, with a score relative to the best (1.0).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnderstoodJob {
    pub rome: String,
    pub libelle: String,
    /// The job title or label that matched best.
    pub appellation: String,
    pub score: f64,
}

/// The job index.
pub struct JobIndex {
    reader: IndexReader,
    terms: Field,
    docs: Vec<JobText>,
    rome_labels: HashMap<String, String>,
}

const TOKENIZER: &str = "mlp_analysed";
/// Documents read per query before grouping by job.
const HITS: usize = 400;

impl JobIndex {
    /// Indexes `texts`; `rome_labels` names each ROME sheet.
    pub fn build(texts: Vec<JobText>, rome_labels: HashMap<String, String>) -> tantivy::Result<JobIndex> {
        let mut schema = Schema::builder();
        let indexing =
            TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(IndexRecordOption::WithFreqs);
        let terms = schema.add_text_field("terms", TextOptions::default().set_indexing_options(indexing));
        let ord = schema.add_u64_field("ord", FAST | STORED);
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(TOKENIZER, TextAnalyzer::builder(WhitespaceTokenizer::default()).build());
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 50_000_000)?;
        for (i, t) in texts.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_text(terms, analyze(&t.label).join(" "));
            doc.add_u64(ord, i as u64);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(JobIndex { reader, terms, docs: texts, rome_labels })
    }

    /// Number of indexed texts.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Bytes the index keeps in memory (tantivy's segment files).
    pub fn memory_bytes(&self) -> u64 {
        let searcher = self.reader.searcher();
        searcher.segment_readers().iter().map(|s| s.space_usage().map(|u| u.total().get_bytes()).unwrap_or(0)).sum()
    }

    fn query_for(&self, words: &str) -> Option<Box<dyn Query>> {
        let groups = analyze_query(words);
        if groups.is_empty() {
            return None;
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for alternatives in groups {
            let mut alt: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (i, t) in alternatives.iter().enumerate() {
                let term = Term::from_field_text(self.terms, t);
                // The word as typed counts more than what it may stand for.
                let own = if i == 0 { 1.0 } else { 0.8 };
                alt.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                        2.0 * own,
                    )),
                ));
                let chars = t.chars().count();
                // Typos: one edit for words of 4 letters or more, two for 8 or
                // more; a term one edit away also gets the one-edit boost,
                // so closer spellings rank first.
                if chars >= 4 {
                    alt.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(FuzzyTermQuery::new(term.clone(), 1, true)), 1.2 * own)),
                    ));
                }
                if chars >= 8 {
                    alt.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(FuzzyTermQuery::new(term.clone(), 2, true)), 0.5 * own)),
                    ));
                }
                if chars >= 3 {
                    // A word being typed ("electr") is the start of a term.
                    alt.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(FuzzyTermQuery::new_prefix(term, 0, true)), 0.8 * own)),
                    ));
                }
            }
            clauses.push((Occur::Should, Box::new(BooleanQuery::new(alt))));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// The jobs `words` most likely mean, best first, scores relative to
    /// the best (1.0).
    pub fn understand(&self, words: &str, limit: usize) -> Vec<UnderstoodJob> {
        let Some(query) = self.query_for(words) else { return Vec::new() };
        let searcher = self.reader.searcher();
        let Ok(hits) = searcher.search(&query, &TopDocs::with_limit(HITS)) else { return Vec::new() };
        // Per job: the best weighted hit, and how many texts point to it.
        let mut per_rome: HashMap<&str, (f32, usize, usize)> = HashMap::new();
        for (score, address) in hits {
            let Some(i) = self.ord_of(&searcher, address) else { continue };
            let doc = &self.docs[i];
            let weighted = score * doc.source.weight();
            for rome in &doc.romes {
                let e = per_rome.entry(rome.as_str()).or_insert((0.0, 0, i));
                e.1 += 1;
                if weighted > e.0 || (weighted == e.0 && doc.label.len() < self.docs[e.2].label.len()) {
                    e.0 = weighted;
                    e.2 = i;
                }
            }
        }
        let mut ranked: Vec<(&str, f32, usize)> = per_rome
            .into_iter()
            .map(|(rome, (best, count, doc))| (rome, best * (1.0 + 0.04 * (count as f32).ln_1p()), doc))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let top = ranked.first().map_or(1.0, |r| r.1).max(f32::EPSILON);
        ranked
            .into_iter()
            .filter(|(rome, _, _)| self.rome_labels.contains_key(*rome))
            .take(limit)
            .map(|(rome, score, doc)| UnderstoodJob {
                rome: rome.to_string(),
                libelle: self.rome_labels.get(rome).cloned().unwrap_or_default(),
                appellation: self.docs[doc].label.clone(),
                score: (f64::from(score / top) * 100.0).round() / 100.0,
            })
            .collect()
    }

    fn ord_of(&self, searcher: &tantivy::Searcher, address: DocAddress) -> Option<usize> {
        let column = searcher.segment_reader(address.segment_ord).fast_fields().u64("ord").ok()?;
        column.first(address.doc_id).map(|v| v as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> JobIndex {
        let texts = vec![
            JobText {
                source: Source::Sheet,
                label: "Électricien / Électricienne du bâtiment".into(),
                romes: vec!["F1602".into()],
            },
            JobText {
                source: Source::Title,
                label: "Électricien / Électricienne tertiaire".into(),
                romes: vec!["F1602".into()],
            },
            JobText { source: Source::Sheet, label: "Plombier / Plombière".into(), romes: vec!["F1603".into()] },
            JobText {
                source: Source::Title,
                label: "Plombier chauffagiste / Plombière chauffagiste".into(),
                romes: vec!["F1603".into()],
            },
            JobText { source: Source::Sheet, label: "Boulanger / Boulangère".into(), romes: vec!["D1102".into()] },
            JobText {
                source: Source::Sector,
                label: "Boulangerie et boulangerie-pâtisserie".into(),
                romes: vec!["D1102".into(), "H2102".into()],
            },
        ];
        let labels = [("F1602", "Électricien"), ("F1603", "Plombier"), ("D1102", "Boulanger"), ("H2102", "Conducteur")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        JobIndex::build(texts, labels).expect("index")
    }

    fn first(idx: &JobIndex, words: &str) -> Option<String> {
        idx.understand(words, 3).first().map(|j| j.rome.clone())
    }

    #[test]
    fn understands_words_typos_and_forms() {
        let idx = index();
        for (words, rome) in [
            ("électricien", "F1602"),
            ("ELECTRICIENNE", "F1602"),
            ("electricein", "F1602"),
            ("electr", "F1602"),
            ("plombiers", "F1603"),
            ("plombier chauffagiste", "F1603"),
            ("plonbier", "F1603"),
            ("boulangerie", "D1102"),
            ("boulangère", "D1102"),
        ] {
            assert_eq!(first(&idx, words).as_deref(), Some(rome), "{words}");
        }
        assert_eq!(idx.understand("électricien", 3)[0].score, 1.0);
    }

    #[test]
    fn nonsense_finds_nothing() {
        let idx = index();
        for words in ["", "!!!", "😀", "zzzzzzzz", "de la"] {
            assert!(idx.understand(words, 3).is_empty(), "{words:?}");
        }
    }
}
