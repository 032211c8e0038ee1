//! `/accessibilite`: the accessibility statement, generated from the RGAA
//! self-audit `docs/rgaa.md`. The audit is the one source: its table of the
//! 106 criteria gives the counts, the conformance rate, the level shown in
//! every page's footer and the list of what does not conform; a new audit
//! changes the statement with it.

use super::error::render;
use super::layout::Chrome;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::LazyLock;

/// The self-audit, compiled in.
const AUDIT: &str = include_str!("../../docs/rgaa.md");

/// The RGAA themes, by number.
const THEMES: [&str; 13] = [
    "Images",
    "Cadres",
    "Couleurs",
    "Multimédia",
    "Tableaux",
    "Liens",
    "Scripts",
    "Éléments obligatoires",
    "Structuration de l'information",
    "Présentation de l'information",
    "Formulaires",
    "Navigation",
    "Consultation",
];

/// How a criterion was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Conforme,
    NonConforme,
    NonApplicable,
}

/// One line of the audit's table.
#[derive(Debug, Clone)]
pub struct Criterion {
    /// "11.10".
    pub number: String,
    pub title: String,
    pub status: Status,
    /// How it was checked, and for a non-conformity what fails.
    pub evidence: String,
}

impl Criterion {
    fn theme(&self) -> &'static str {
        let n: usize = self.number.split('.').next().and_then(|t| t.parse().ok()).unwrap_or(0);
        THEMES.get(n.wrapping_sub(1)).copied().unwrap_or("")
    }
}

/// What the audit says, counted.
#[derive(Debug, Clone)]
pub struct Audit {
    pub criteria: Vec<Criterion>,
    /// "30 novembre 2026", as the audit writes it.
    pub date: String,
}

impl Audit {
    /// Reads the table under "## Résultats par critère": lines
    /// `| 1.1 | title | C | evidence |`.
    pub fn parse(text: &str) -> Audit {
        let mut criteria = Vec::new();
        let mut in_table = false;
        let mut date = String::new();
        for line in text.lines() {
            if let Some(d) = line.strip_prefix("- **Date de l'évaluation** :") {
                date = d.trim().trim_end_matches('.').to_string();
            }
            if line.starts_with("## ") {
                in_table = line.starts_with("## Résultats par critère");
                continue;
            }
            if !in_table || !line.starts_with("| ") {
                continue;
            }
            let cells: Vec<&str> = line.trim().trim_matches('|').split(" | ").map(str::trim).collect();
            let [number, title, status, evidence] = cells.as_slice() else { continue };
            let Some(status) = (match *status {
                "C" => Some(Status::Conforme),
                "NC" => Some(Status::NonConforme),
                "NA" => Some(Status::NonApplicable),
                _ => None,
            }) else {
                continue;
            };
            if !number.contains('.') || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
                continue;
            }
            criteria.push(Criterion {
                number: number.to_string(),
                title: title.to_string(),
                status,
                evidence: evidence.to_string(),
            });
        }
        Audit { criteria, date }
    }

    pub fn count(&self, status: Status) -> usize {
        self.criteria.iter().filter(|c| c.status == status).count()
    }

    /// The RGAA rate: conforming criteria over applicable ones, in %.
    pub fn rate(&self) -> f64 {
        let c = self.count(Status::Conforme);
        let applicable = c + self.count(Status::NonConforme);
        if applicable == 0 { 0.0 } else { 100.0 * c as f64 / applicable as f64 }
    }

    /// The level the rate supports, as the statement and the footer say it.
    pub fn level(&self) -> &'static str {
        match self.rate() {
            r if r >= 100.0 => "totalement conforme",
            r if r >= 50.0 => "partiellement conforme",
            _ => "non conforme",
        }
    }
}

/// The audit of this build.
pub static AUDIT_OF_BUILD: LazyLock<Audit> = LazyLock::new(|| Audit::parse(AUDIT));

/// The level shown in every page's footer.
pub fn level() -> &'static str {
    AUDIT_OF_BUILD.level()
}

/// A non-conformity as the statement lists it.
struct Gap {
    theme: &'static str,
    number: String,
    title: String,
    evidence: String,
}

#[derive(Template)]
#[template(path = "accessibilite.html")]
struct StatementPage {
    chrome: Chrome,
    level: &'static str,
    rate: String,
    conforming: usize,
    failing: usize,
    not_applicable: usize,
    date: String,
    gaps: Vec<Gap>,
    contact: Option<String>,
}

/// `GET /accessibilite`.
pub async fn page(axum::extract::State(state): axum::extract::State<super::AppState>) -> Response {
    let audit = &*AUDIT_OF_BUILD;
    let gaps = audit
        .criteria
        .iter()
        .filter(|c| c.status == Status::NonConforme)
        .map(|c| Gap {
            theme: c.theme(),
            number: c.number.clone(),
            title: c.title.clone(),
            evidence: c.evidence.clone(),
        })
        .collect();
    let page = StatementPage {
        chrome: Chrome::new(""),
        level: audit.level(),
        rate: format!("{:.1}", audit.rate()).replace('.', ","),
        conforming: audit.count(Status::Conforme),
        failing: audit.count(Status::NonConforme),
        not_applicable: audit.count(Status::NonApplicable),
        date: audit.date.clone(),
        gaps,
        contact: state.config.contact_email.clone(),
    };
    render(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_covers_the_106_criteria_theme_by_theme() {
        let audit = &*AUDIT_OF_BUILD;
        assert_eq!(audit.criteria.len(), 106, "one line per RGAA 4.1 criterion");
        let per_theme: Vec<usize> = (1..=13)
            .map(|t| audit.criteria.iter().filter(|c| c.number.split('.').next() == Some(&t.to_string())).count())
            .collect();
        assert_eq!(per_theme, [9, 2, 3, 13, 8, 2, 5, 10, 4, 14, 13, 11, 12]);
        let total =
            audit.count(Status::Conforme) + audit.count(Status::NonConforme) + audit.count(Status::NonApplicable);
        assert_eq!(total, 106);
        assert!(!audit.date.is_empty());
    }

    #[test]
    fn rate_and_level_as_the_rgaa_computes_them() {
        let table = |lines: &str| {
            Audit::parse(&format!(
                "## Résultats par critère\n\n| Critère | Intitulé | Statut | Vérification |\n|---|---|---|---|\n{lines}"
            ))
        };
        let a = table("| 1.1 | a | C | x |\n| 1.2 | b | NC | y |\n| 1.3 | c | NA | z |\n| 1.4 | d | C | w |\n");
        assert_eq!(
            (a.count(Status::Conforme), a.count(Status::NonConforme), a.count(Status::NonApplicable)),
            (2, 1, 1)
        );
        assert!((a.rate() - 66.666).abs() < 0.01);
        assert_eq!(a.level(), "partiellement conforme");
        assert_eq!(table("| 1.1 | a | C | x |\n").level(), "totalement conforme");
        assert_eq!(table("| 1.1 | a | NC | x |\n| 1.2 | b | NC | y |\n| 1.3 | c | C | z |\n").level(), "non conforme");
        // Lines outside the table, or malformed, are not criteria.
        assert_eq!(table("| x | a | C | x |\n| 1.1 | a | peut-être | x |\n").criteria.len(), 0);
    }
}
