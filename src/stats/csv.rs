//! The statistics as a CSV table — the API's `text/csv` answer and the
//! open-data file are this one writer, and the columns' descriptions shown
//! on `/statistiques` are this one list, so the file and its documentation
//! cannot drift apart.
//!
//! One line per group ("tidy" data: the whole answer, then each month,
//! action type and académie), the period and filters repeated on each line
//! so that files of several queries can be stacked. Like the other exports:
//! UTF-8 with a byte-order mark, `;` between cells, CRLF; decimals with a
//! point (the form data tools read; spreadsheets are told by the
//! description). A withheld figure is an empty cell.

use domain::stats::{Figures, Report};

/// A column of the file: its name and what it holds (in French, for the
/// description on `/statistiques`).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub description: &'static str,
}

const fn col(name: &'static str, description: &'static str) -> Column {
    Column { name, description }
}

/// Every column, in order.
pub const COLUMNS: &[Column] = &[
    col("periode_du", "Premier mois de la période (AAAA-MM, heure de Paris)."),
    col("periode_au", "Dernier mois de la période, inclus (AAAA-MM)."),
    col("filtre_academie", "Académie à laquelle toute la réponse est limitée ; vide : toutes les académies."),
    col("filtre_action", "Type d'action auquel toute la réponse est limité (code) ; vide : tous les types."),
    col(
        "groupe",
        "ensemble (toute la période), mois, action (type d'action), academie ou source (le site, monlyceepro, \
         ou une plateforme partenaire).",
    ),
    col("code", "Le mois (AAAA-MM), le code du type d'action ou le code de l'académie ; vide pour l'ensemble."),
    col("libelle", "Le même en toutes lettres (« novembre 2026 », « Recruter des apprentis », « Lyon »)."),
    col("demandes", "Demandes d'entreprises créées dans le groupe (les doublons ne sont pas comptés)."),
    col("prises_en_charge", "Demandes qu'un lycée a prises en charge (et qu'il suit toujours)."),
    col("taux_prise_en_charge", "Prises en charge, en % des demandes (une décimale)."),
    col(
        "prises_en_charge_3_jours_ouvres",
        "Demandes prises en charge au plus tard trois jours ouvrés après leur création (jours ouvrés du lycée : \
         week-ends, jours fériés du département et, si connues, vacances scolaires de l'académie exclus).",
    ),
    col("taux_prise_en_charge_3_jours_ouvres", "Les mêmes, en % des demandes (une décimale)."),
    col(
        "delai_median_prise_en_charge_heures",
        "Délai médian entre la création d'une demande et sa prise en charge, en heures calendaires (une décimale), \
         sur les demandes prises en charge.",
    ),
    col("issue_partenariat", "Demandes clôturées : un partenariat est né."),
    col("issue_realisee", "Demandes clôturées : l'action a été réalisée."),
    col("issue_sans_suite", "Demandes clôturées sans suite."),
    col("issue_injoignable", "Demandes clôturées : l'entreprise est restée injoignable."),
    col("issue_sans_reponse", "Demandes closes sans réponse des lycées dans les délais."),
    col("issue_annulee", "Demandes annulées par l'entreprise."),
    col("satisfaction_reponses", "Entreprises qui ont donné leur avis après la clôture (de 1 à 5)."),
    col("satisfaction_moyenne", "Note moyenne de ces avis, sur 5 (une décimale)."),
    col(
        "lycees",
        "Lycées professionnels du groupe (ensemble et académies seulement ; les lycées sont publics, jamais masqués).",
    ),
    col(
        "lycees_joignables",
        "Lycées que MonLycéePro peut joindre : un référent inscrit ou une adresse connue (ensemble et académies).",
    ),
    col(
        "part_demandes_lycee_direct",
        "Demandes écrites directement à au moins un lycée à leur dépôt, en % des demandes (une décimale ; ensemble \
         et académies).",
    ),
];

/// The reach cells of a line: lycées, reachable lycées, share of requests
/// written directly to a lycée; empty where the group has none (months,
/// actions, sources) or the reach was not computed.
fn reach(lycees: u64, reachable: u64, share: Option<f64>) -> [String; 3] {
    if lycees == 0 {
        return Default::default();
    }
    [lycees.to_string(), reachable.to_string(), number(share)]
}

fn count(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn number(x: Option<f64>) -> String {
    x.map(|x| format!("{x:.1}")).unwrap_or_default()
}

fn figures(f: &Figures) -> [String; 14] {
    [
        count(f.requests),
        count(f.taken),
        number(f.taken_rate),
        count(f.taken_in_3_days),
        number(f.taken_in_3_days_rate),
        number(f.median_hours_to_take),
        count(f.endings.partenariat),
        count(f.endings.realisee),
        count(f.endings.sans_suite),
        count(f.endings.injoignable),
        count(f.endings.sans_reponse),
        count(f.endings.annulee),
        count(f.satisfaction.answers),
        number(f.satisfaction.mean),
    ]
}

/// The report as a CSV file.
pub fn write(report: &Report) -> String {
    let cell = crate::web::espace::demandes::csv_cell;
    let mut out = String::from("\u{feff}");
    out.push_str(&COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>().join(";"));
    out.push_str("\r\n");
    let head = [
        report.period.from.to_string(),
        report.period.to.to_string(),
        report.filters.academie.clone().unwrap_or_default(),
        report.filters.action.map(|a| a.code().to_string()).unwrap_or_default(),
    ];
    let mut line = |group: &str, code: &str, label: &str, f: &Figures, r: [String; 3]| {
        let cells: Vec<String> = head
            .iter()
            .cloned()
            .chain([group.to_string(), code.to_string(), label.to_string()])
            .chain(figures(f))
            .chain(r)
            .map(|c| cell(&c))
            .collect();
        out.push_str(&cells.join(";"));
        out.push_str("\r\n");
    };
    let c = &report.coverage;
    line("ensemble", "", "", &report.overall, reach(c.lycees, c.reachable, c.direct_share));
    for m in &report.by_month {
        line("mois", &m.month.to_string(), &m.month.label(), &m.figures, Default::default());
    }
    for a in &report.by_action {
        line("action", a.action.code(), a.label, &a.figures, Default::default());
    }
    for a in &report.by_academie {
        let r = c.by_academie.iter().find(|x| x.code == a.code);
        let r = r.map_or_else(Default::default, |r| reach(r.lycees, r.reachable, r.direct_share));
        line("academie", &a.code, &a.name, &a.figures, r);
    }
    for s in &report.by_source {
        line("source", &s.source, &s.label, &s.figures, Default::default());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::stats::{Fact, Month, Period, Scope, compute};

    #[test]
    fn one_line_per_group_withheld_figures_empty() {
        let period = Period::new(Month::parse("2026-10").expect("mois"), Month::parse("2026-11").expect("mois"))
            .expect("période");
        let academies = vec![("10".to_string(), "Lyon".to_string())];
        let facts: Vec<Fact> = (0..6)
            .map(|i| Fact {
                month: period.to,
                action: Some(domain::ActionType::Pfmp),
                academie: Some(0),
                taken_after_seconds: Some(3600 * i),
                taken_within_3_working_days: i < 3,
                ending: None,
                satisfaction: None,
                source: None,
                direct: true,
            })
            .collect();
        let report = compute(
            &facts,
            &Scope {
                period,
                academies: &academies,
                academie: None,
                action: None,
                sources: &[],
                reach: Default::default(),
            },
        );
        let text = write(&report);
        assert!(text.starts_with("\u{feff}periode_du;periode_au;"));
        let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 1 + 1 + 2 + 12 + 1 + 1, "header, whole, months, actions, académies, the site");
        assert_eq!(lines[0].split(';').count(), COLUMNS.len());
        // October is empty (a small group); the counts whose total is
        // under 5 (3 taken in three working days, no ending, no rating)
        // would tell October's by subtraction: empty everywhere
        // (complementary suppression, decision 41).
        assert_eq!(lines[1], "2026-10;2026-11;;;ensemble;;;6;6;100.0;;;2.5;;;;;;;;;;;");
        assert_eq!(lines[2], "2026-10;2026-11;;;mois;2026-10;octobre 2026;;;;;;;;;;;;;;;;;");
        // November's 6 and the PFMP's 6 beside the total would give the
        // empty groups' 0.
        assert!(lines[3].starts_with("2026-10;2026-11;;;mois;2026-11;novembre 2026;;"), "{}", lines[3]);
        assert!(lines[4].starts_with("2026-10;2026-11;;;action;pfmp;Accueillir des élèves en stage (PFMP);;"));
        assert!(lines[16].starts_with("2026-10;2026-11;;;academie;10;Lyon;6;6;"));
        for l in &lines {
            assert_eq!(l.split(';').count(), COLUMNS.len(), "{l}");
        }
    }
}
