//! The public statistics through the real server, on both engines: a year
//! of activity generated with a fixed seed (a few thousand requests across
//! académies and action types, taken or not, declined to the end, closed
//! with each outcome, abandoned, cancelled, rated, duplicated), and every
//! figure of the API checked against what this test computes itself from
//! the same generated data — periods, filters, the confidentiality rule on
//! small groups, the CSV files, the page and the home page's headline.
//!
//! The figures the test expects are written here from the contract
//! (API.md), not from the service's code: months in Paris time, "taken
//! within 3 working days" on each request's own calendar, medians of
//! delays in seconds, rates and means rounded half away from zero to one
//! decimal, nothing published on fewer than 5 requests.

use crate::on_both_engines;
use crate::support::{Engine, TestApp};
use domain::ActionType;
use domain::calendar::{SchoolHolidays, WorkingCalendar};
use domain::lifecycle::{DeclineReason, Outcome, RecipientRole, RecipientStatus, RequestStatus};
use monlyceepro::storage::requests::{DemandeRow, DestinataireRow, insert_demande, insert_destinataire};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The test's "now": Friday 20 November 2026, 11:00 in Paris.
pub const NOW: OffsetDateTime = datetime!(2026-11-20 10:00 UTC);
/// The first generated request: a month before the default period.
const FROM: OffsetDateTime = datetime!(2025-10-15 00:00 UTC);

/// A tiny deterministic generator (SplitMix64): the same seed, the same
/// year of activity on every run and both engines.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u64)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut pick = self.below(total);
        for (item, w) in items {
            if pick < *w {
                return *item;
            }
            pick -= w;
        }
        items[0].0
    }

    fn seconds(&mut self, from: i64, to: i64) -> Duration {
        Duration::seconds(from + i64::try_from(self.below(u64::try_from(to - from).unwrap_or(1))).unwrap_or(0))
    }
}

/// One generated request, with what the test expects of it.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub created: OffsetDateTime,
    pub action: ActionType,
    pub commune: &'static str,
    pub academie_code: String,
    pub status: RequestStatus,
    pub taken: Option<OffsetDateTime>,
    pub ended: Option<OffsetDateTime>,
    pub outcome: Option<Outcome>,
    pub satisfaction: Option<u8>,
    /// Taken at or before three working days after creation, on the
    /// commune's calendar (computed by the test).
    pub within_3: bool,
    /// The lycée that led it (none for a duplicate).
    pub pilot: Option<String>,
    /// The pilot declined it (never taken then).
    pub declined: bool,
}

impl Synthetic {
    /// "2026-06": its month on a clock in Paris.
    pub fn month(&self) -> String {
        let local = self.created.to_offset(domain::calendar::local_offset("75", self.created));
        format!("{:04}-{:02}", local.year(), u8::from(local.month()))
    }
}

/// Communes across académies (metropolitan, Alsace-Moselle, overseas), and
/// how often companies there ask.
const COMMUNES: &[(&str, u64)] = &[
    ("69123", 20), // Lyon
    ("75056", 20), // Paris
    ("13055", 12), // Marseille
    ("59350", 10), // Lille
    ("35238", 8),  // Rennes
    ("67482", 8),  // Strasbourg (Alsace-Moselle holidays)
    ("33063", 8),  // Bordeaux
    ("31555", 8),  // Toulouse
    ("44109", 8),  // Nantes
    ("57463", 5),  // Metz
    ("21231", 5),  // Dijon
    ("97411", 6),  // Saint-Denis, La Réunion
];

/// Ajaccio: an académie with three requests only (a small group).
const SMALL_COMMUNE: &str = "2A004";

const ACTIONS: &[(ActionType, u64)] = &[
    (ActionType::Pfmp, 30),
    (ActionType::Apprentissage, 20),
    (ActionType::Recrutement, 10),
    (ActionType::Intervention, 8),
    (ActionType::Visite, 8),
    (ActionType::Mentorat, 5),
    (ActionType::Evenement, 6),
    (ActionType::Enseignants, 3),
    (ActionType::Formation, 3),
    (ActionType::Soutien, 4),
    (ActionType::Autre, 3),
];

/// The calendar of a commune, as the contract defines it: its
/// département's public holidays and, when the data has the official
/// school calendar, its académie's school holidays.
struct Calendars {
    school: Option<SchoolHolidays>,
}

impl Calendars {
    fn of<'a>(&'a self, departement: &str, academie: &str) -> WorkingCalendar<'a> {
        WorkingCalendar::new(departement, Some(academie), self.school.as_ref())
    }
}

/// A year of activity (`n` random requests, then a few chosen ones), written
/// in one transaction through the storage functions; what was generated.
pub async fn year_of_activity(app: &TestApp, n: usize, seed: u64) -> Vec<Synthetic> {
    let index = app.state.search.index();
    let school = std::fs::read_to_string(app.state.config.data_dir.join(monlyceepro::web::SCHOOL_CALENDAR))
        .ok()
        .map(|t| SchoolHolidays::from_csv_text(&t).expect("calendrier scolaire"));
    let calendars = Calendars { school };
    let place = |commune: &'static str| {
        let p = index.places.get(commune).unwrap_or_else(|| panic!("commune {commune} au catalogue"));
        let (code, name) = index.academies.get(&p.departement).cloned().expect("académie de la commune");
        (p.departement.clone(), code, name)
    };
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(n + 16);
    let span = (NOW - Duration::hours(1) - FROM).whole_seconds();
    let synth = |commune: &'static str, action: ActionType, created: OffsetDateTime| {
        let (_, code, _) = place(commune);
        Synthetic {
            created,
            action,
            commune,
            academie_code: code,
            status: RequestStatus::Transmise,
            taken: None,
            ended: None,
            outcome: None,
            satisfaction: None,
            within_3: false,
            pilot: None,
            declined: false,
        }
    };
    for _ in 0..n {
        let commune = rng.weighted(COMMUNES);
        let action = rng.weighted(ACTIONS);
        let created = FROM + rng.seconds(0, span);
        let mut s = synth(commune, action, created);
        if rng.chance(3) {
            s.status = RequestStatus::Doublon;
            s.ended = Some(created);
            out.push(s);
            continue;
        }
        if rng.chance(72) {
            let delay = match rng.below(10) {
                0..5 => rng.seconds(60, 36 * 3600),
                5..8 => rng.seconds(36 * 3600, 7 * 86_400),
                _ => rng.seconds(7 * 86_400, 25 * 86_400),
            };
            let taken = created + delay;
            if taken < NOW - Duration::minutes(1) {
                s.taken = Some(taken);
            }
        }
        let age = NOW - created;
        match s.taken {
            Some(taken) => {
                s.status = RequestStatus::PriseEnCharge;
                let roll = rng.below(100);
                let end = taken + rng.seconds(3600, 60 * 86_400);
                if roll < 55 && end < NOW {
                    s.status = RequestStatus::Cloturee;
                    s.ended = Some(end);
                    s.outcome = Some(rng.weighted(&[
                        (Outcome::Partenariat, 25),
                        (Outcome::Realisee, 45),
                        (Outcome::SansSuite, 20),
                        (Outcome::Injoignable, 10),
                    ]));
                    if rng.chance(50) {
                        s.satisfaction = Some(rng.weighted(&[(1, 5), (2, 7), (3, 15), (4, 40), (5, 33)]));
                    }
                } else if roll < 63 && end < NOW {
                    s.status = RequestStatus::Annulee;
                    s.ended = Some(end);
                }
            }
            None if age > Duration::days(30) => match rng.below(100) {
                0..55 => {
                    s.status = RequestStatus::SansReponse;
                    s.ended = Some(created + Duration::days(28));
                }
                55..70 => {
                    s.status = RequestStatus::Annulee;
                    s.ended = Some(created + rng.seconds(3600, 10 * 86_400));
                }
                70..80 => {
                    // Closed by the company, its need met elsewhere.
                    s.status = RequestStatus::Cloturee;
                    s.ended = Some(created + rng.seconds(3600, 20 * 86_400));
                    s.outcome = Some(Outcome::SansSuite);
                }
                _ => s.status = RequestStatus::EnAttente,
            },
            None if rng.chance(10) => {
                s.status = RequestStatus::Annulee;
                s.ended = Some(created + (age / 2));
            }
            None => {}
        }
        out.push(s);
    }
    // Small groups: three requests in Corse, four for an associate
    // teacher.
    for i in 0..3 {
        let mut s = synth(SMALL_COMMUNE, ActionType::Pfmp, datetime!(2026-03-10 09:00 UTC) + Duration::days(i));
        s.taken = Some(s.created + Duration::hours(5));
        s.status = RequestStatus::PriseEnCharge;
        out.push(s);
    }
    for i in 0..4 {
        out.push(synth("69123", ActionType::ProfesseurAssocie, datetime!(2026-09-01 08:00 UTC) + Duration::days(i)));
    }
    // Created at 00:15 on 1 June in Paris (22:15 UTC the day before):
    // counted in June.
    for _ in 0..6 {
        out.push(synth("59350", ActionType::Visite, datetime!(2026-05-31 22:15 UTC)));
    }
    // Received on Friday 6 November at 18:00 in Lyon: three working days
    // end on Thursday 12 at 18:00 (11 November is a holiday). Taken on the
    // minute, then a minute late.
    let (dep, _, name) = place("69123");
    let friday = datetime!(2026-11-06 17:00 UTC);
    let deadline = calendars.of(&dep, &name).add_working_days(friday, 3);
    assert_eq!(deadline, datetime!(2026-11-12 17:00 UTC), "the contract's example");
    for late in [0, 60] {
        let mut s = synth("69123", ActionType::Apprentissage, friday);
        s.taken = Some(deadline + Duration::seconds(late));
        s.status = RequestStatus::PriseEnCharge;
        out.push(s);
    }
    for s in &mut out {
        if let Some(t) = s.taken {
            let (dep, _, name) = place(s.commune);
            s.within_3 = t <= calendars.of(&dep, &name).add_working_days(s.created, 3);
        }
    }
    let len = out.len();
    assert_eq!((out[len - 2].within_3, out[len - 1].within_3), (true, false));
    // Each request's pilot, a lycée of its département; a fifth of those
    // nobody took were declined by it.
    let mut of_departement: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for l in &index.lycees {
        of_departement.entry(l.departement.clone()).or_default().push(l.uai.clone());
    }
    for s in out.iter_mut().filter(|s| s.status != RequestStatus::Doublon) {
        let (dep, _, _) = place(s.commune);
        let uais = of_departement.get(&dep).expect("des lycées dans le département");
        s.pilot = Some(uais[usize::try_from(rng.below(uais.len() as u64)).unwrap_or(0)].clone());
        s.declined = s.taken.is_none() && rng.chance(20);
    }

    let mut tx = app.db.begin().await.expect("transaction");
    for (i, s) in out.iter().enumerate() {
        let r = row(i, s);
        insert_demande(&mut tx, &r).await.expect("demande");
        if let Some(d) = pilot_row(&r, s) {
            insert_destinataire(&mut tx, &d).await.expect("destinataire");
        }
    }
    tx.commit().await.expect("commit");
    // Written behind the service's back: tell it, as a commit would.
    app.state.requests.revision.fetch_add(1, Ordering::Release);
    out
}

/// The pilot's row of a generated request: told at creation, taken,
/// declined a day later, or still silent (expired once the request ended).
fn pilot_row(r: &DemandeRow, s: &Synthetic) -> Option<DestinataireRow> {
    let uai = s.pilot.clone()?;
    let (statut, decided) = match (s.taken, s.declined) {
        (Some(t), _) if s.status == RequestStatus::Cloturee => (RecipientStatus::Cloturee, Some(t)),
        (Some(t), _) => (RecipientStatus::PriseEnCharge, Some(t)),
        (None, true) => (RecipientStatus::Declinee, Some(s.created + Duration::days(1))),
        (None, false) if s.status.is_open() => (RecipientStatus::Nouvelle, None),
        (None, false) => (RecipientStatus::Expiree, None),
    };
    Some(DestinataireRow {
        demande_id: r.id.clone(),
        uai,
        role: RecipientRole::Pilote,
        rang: 0,
        statut,
        raisons: String::new(),
        distance_km: 5.0,
        score: 1.0,
        motif: s.declined.then(|| DeclineReason::Capacite.label().to_string()),
        issue: None,
        notifie_le: Some(at(s.created)),
        decide_le: decided.map(at),
        decide_par: decided.map(|_| "Camille Durand".to_string()),
        relance_le: None,
    })
}

fn at(t: OffsetDateTime) -> String {
    monlyceepro::clock::to_rfc3339(t)
}

/// The stored row of a generated request.
fn row(i: usize, s: &Synthetic) -> DemandeRow {
    let created = at(s.created);
    DemandeRow {
        id: format!("stat-{i:06}"),
        reference: format!("MLP-STAT-{i:06}"),
        action: s.action.code().to_string(),
        entreprise_nom: format!("Entreprise {i}"),
        entreprise_siret: None,
        entreprise_naf: None,
        contact_prenom: "Camille".into(),
        contact_nom: "Martin".into(),
        contact_email: format!("contact{i}@exemple.fr"),
        contact_email_norm: format!("contact{i}@exemple.fr"),
        contact_telephone: None,
        commune_code: s.commune.to_string(),
        commune_nom: s.commune.to_string(),
        rayon_km: 30.0,
        metiers: "F1602".into(),
        metier_texte: None,
        niveaux: "bac_pro".into(),
        nombre_eleves: None,
        periode_debut: None,
        periode_fin: None,
        message: "Demande générée pour les statistiques.".into(),
        lycee_origine: None,
        statut: s.status,
        rayon_utilise_km: 30.0,
        elargie: false,
        coordination: None,
        academie_code: Some(s.academie_code.clone()),
        doublon_de: (s.status == RequestStatus::Doublon).then(|| "MLP-STAT-000000".to_string()),
        jeton_hash: format!("jeton-stat-{i:06}"),
        responsable_uai: s.taken.and(s.pilot.clone()),
        responsable_nom: None,
        cree_le: created.clone(),
        modifie_le: at(s.ended.or(s.taken).unwrap_or(s.created)),
        jeton_version: 0,
        jeton_emis_le: None,
        termine_le: s.ended.map(at),
        issue: s.outcome,
        cloture_par: s.outcome.map(|_| domain::lifecycle::ActorKind::Lycee),
        demarre_le: created,
        pris_le: s.taken.map(at),
        repondu_le: None,
        relance_tous_le: None,
        escalade_le: None,
        relance_message_le: None,
        demande_cloture_le: None,
        rouverte_par_entreprise: false,
        prochaine_echeance: None,
        satisfaction: s.satisfaction.map(i64::from),
        satisfaction_commentaire: None,
        satisfaction_le: s.satisfaction.and(s.ended).map(at),
        avis_demande_le: None,
        explication_rayon: None,
        partenaire: None,
        coordination_niveau: None,
        lycees_a_contacter: None,
        entreprise_nom_siret: None,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The figures of a group, from the contract.
fn expected_figures(reqs: &[&Synthetic]) -> Value {
    let n = reqs.len() as u64;
    let count = |k: usize| if n < 5 { Value::Null } else { json!(k) };
    let rate = |k: usize| if n < 5 { Value::Null } else { json!(round1(k as f64 * 100.0 / n as f64)) };
    let taken = reqs.iter().filter(|s| s.taken.is_some()).count();
    let in_3 = reqs.iter().filter(|s| s.within_3).count();
    let mut delays: Vec<i64> = reqs.iter().filter_map(|s| s.taken.map(|t| (t - s.created).whole_seconds())).collect();
    delays.sort_unstable();
    let median = match delays.len() {
        k if k < 5 => Value::Null,
        k if k % 2 == 1 => json!(round1(delays[k / 2] as f64 / 3600.0)),
        k => json!(round1((delays[k / 2 - 1] + delays[k / 2]) as f64 / 2.0 / 3600.0)),
    };
    let closed =
        |o: Outcome| count(reqs.iter().filter(|s| s.status == RequestStatus::Cloturee && s.outcome == Some(o)).count());
    let with = |st: RequestStatus| count(reqs.iter().filter(|s| s.status == st).count());
    let ratings: Vec<u8> = reqs.iter().filter_map(|s| s.satisfaction).collect();
    let mean = if ratings.len() < 5 {
        Value::Null
    } else {
        json!(round1(ratings.iter().map(|&r| f64::from(r)).sum::<f64>() / ratings.len() as f64))
    };
    json!({
        "demandes": count(reqs.len()),
        "prises_en_charge": count(taken),
        "taux_prise_en_charge": rate(taken),
        "prises_en_charge_3_jours_ouvres": count(in_3),
        "taux_prise_en_charge_3_jours_ouvres": rate(in_3),
        "delai_median_prise_en_charge_heures": median,
        "issues": {
            "partenariat": closed(Outcome::Partenariat),
            "realisee": closed(Outcome::Realisee),
            "sans_suite": closed(Outcome::SansSuite),
            "injoignable": closed(Outcome::Injoignable),
            "sans_reponse": with(RequestStatus::SansReponse),
            "annulee": with(RequestStatus::Annulee),
        },
        "satisfaction": {"reponses": count(ratings.len()), "moyenne": mean},
    })
}

/// Every month from `from` to `to` ("2026-01").
fn months(from: &str, to: &str) -> Vec<String> {
    let parse = |s: &str| {
        let (y, m) = s.split_once('-').expect("AAAA-MM");
        y.parse::<i32>().expect("année") * 12 + m.parse::<i32>().expect("mois") - 1
    };
    (parse(from)..=parse(to)).map(|i| format!("{:04}-{:02}", i / 12, i % 12 + 1)).collect()
}

/// What the test asks: the period and the filters (académie code, action).
struct Asked<'a> {
    du: &'a str,
    au: &'a str,
    academie: Option<&'a str>,
    action: Option<ActionType>,
}

/// Compares the API's answer with the figures the test computes.
fn check(answer: &Value, data: &[Synthetic], asked: &Asked<'_>, academies: &[(String, String)]) {
    let kept: Vec<&Synthetic> = data
        .iter()
        .filter(|s| s.status != RequestStatus::Doublon)
        .filter(|s| (asked.du..=asked.au).contains(&s.month().as_str()))
        .filter(|s| asked.academie.is_none_or(|a| s.academie_code == a))
        .filter(|s| asked.action.is_none_or(|a| s.action == a))
        .collect();
    let context = format!("du={} au={} academie={:?} action={:?}", asked.du, asked.au, asked.academie, asked.action);
    assert_eq!(answer["periode"], json!({"du": asked.du, "au": asked.au}), "{context}");
    let name = asked.academie.map(|c| academies.iter().find(|(code, _)| code == c).expect("académie").1.clone());
    assert_eq!(answer["filtres"], json!({"academie": name, "action": asked.action.map(ActionType::code)}), "{context}");
    same(answer, &expected_figures(&kept), &format!("{context} : ensemble"));

    let by_month = answer["par_mois"].as_array().expect("par_mois");
    let wanted = months(asked.du, asked.au);
    assert_eq!(by_month.iter().map(|m| m["mois"].as_str().expect("mois")).collect::<Vec<_>>(), wanted, "{context}");
    for m in by_month {
        let month = m["mois"].as_str().expect("mois");
        let group: Vec<&Synthetic> = kept.iter().copied().filter(|s| s.month() == month).collect();
        same(m, &expected_figures(&group), &format!("{context} : mois {month}"));
    }

    let by_action = answer["par_action"].as_array().expect("par_action");
    let actions: Vec<ActionType> =
        ActionType::ALL.iter().copied().filter(|a| asked.action.is_none_or(|x| x == *a)).collect();
    assert_eq!(by_action.len(), actions.len(), "{context}");
    for (a, got) in actions.iter().zip(by_action) {
        assert_eq!(got["action"], a.code(), "{context}");
        assert_eq!(got["libelle"], a.label(), "{context}");
        let group: Vec<&Synthetic> = kept.iter().copied().filter(|s| s.action == *a).collect();
        same(got, &expected_figures(&group), &format!("{context} : action {}", a.code()));
    }

    let by_academie = answer["par_academie"].as_array().expect("par_academie");
    let listed: Vec<&(String, String)> =
        academies.iter().filter(|(code, _)| asked.academie.is_none_or(|a| a == code)).collect();
    assert_eq!(by_academie.len(), listed.len(), "{context}");
    let folded: Vec<String> =
        by_academie.iter().map(|a| domain::text::fold(a["academie"].as_str().expect("nom"))).collect();
    assert!(folded.windows(2).all(|w| w[0] <= w[1]), "académies in alphabetical order: {folded:?}");
    for got in by_academie {
        let code = got["code"].as_str().expect("code");
        let (_, name) = listed.iter().find(|(c, _)| c == code).unwrap_or_else(|| panic!("académie {code} inattendue"));
        assert_eq!(got["academie"], name.as_str());
        let group: Vec<&Synthetic> = kept.iter().copied().filter(|s| s.academie_code == code).collect();
        same(got, &expected_figures(&group), &format!("{context} : académie {name}"));
    }
    reader_cannot_subtract(answer, &context);
}

/// The counts of a group that add up across a list: (field, sub-field).
const COUNTS: &[(&str, Option<&str>)] = &[
    ("demandes", None),
    ("prises_en_charge", None),
    ("prises_en_charge_3_jours_ouvres", None),
    ("issues", Some("partenariat")),
    ("issues", Some("realisee")),
    ("issues", Some("sans_suite")),
    ("issues", Some("injoignable")),
    ("issues", Some("sans_reponse")),
    ("issues", Some("annulee")),
    ("satisfaction", Some("reponses")),
];

fn field<'a>(group: &'a Value, (name, sub): (&str, Option<&str>)) -> &'a Value {
    match sub {
        Some(sub) => &group[name][sub],
        None => &group[name],
    }
}

/// What a curious reader tries on one JSON answer: for each list (months,
/// action types, académies, sources) and each count, the total minus the
/// visible parts. It must never be one hidden part alone, nor hidden parts
/// adding up to less than 5; and a rate never stands beside a hidden count
/// (the rate and the other count would give it back).
fn reader_cannot_subtract(answer: &Value, context: &str) {
    for list in ["par_mois", "par_action", "par_academie", "par_source"] {
        let rows = answer[list].as_array().unwrap_or_else(|| panic!("{context} : {list}"));
        for &count in COUNTS {
            let Some(total) = field(answer, count).as_u64() else {
                assert!(field(answer, count).is_null(), "{context} : {count:?}");
                continue;
            };
            let hidden = rows.iter().filter(|r| field(r, count).is_null()).count();
            let visible: u64 = rows.iter().filter_map(|r| field(r, count).as_u64()).sum();
            if hidden > 0 {
                let by_subtraction = total - visible;
                assert!(hidden >= 2, "{context} : {list} {count:?} : une seule part cachée, {by_subtraction}");
                assert!(by_subtraction >= 5, "{context} : {list} {count:?} : {by_subtraction} par soustraction");
            }
        }
        for r in rows.iter().chain(std::iter::once(answer)) {
            for (rate, count) in [
                ("taux_prise_en_charge", "prises_en_charge"),
                ("taux_prise_en_charge_3_jours_ouvres", "prises_en_charge_3_jours_ouvres"),
            ] {
                if r["demandes"].is_null() || r[count].is_null() {
                    assert!(r[rate].is_null(), "{context} : {list} : {rate} beside a hidden count : {r}");
                }
            }
        }
    }
}

/// A number of the JSON as the CSV writes it (hidden: an empty cell).
fn as_csv(v: &Value) -> String {
    if v.is_null() { String::new() } else { v.to_string() }
}

/// Every field of `expected` is in `actual` with the same value (numbers
/// compared as numbers), or `null` where a number was hidden so that no
/// count under 5 follows by subtraction (decision 41: which ones is the
/// domain's table-tested choice; `reader_cannot_subtract` checks that
/// enough are).
fn same(actual: &Value, expected: &Value, context: &str) {
    match expected {
        Value::Object(fields) => {
            for (k, v) in fields {
                same(&actual[k], v, &format!("{context}.{k}"));
            }
        }
        Value::Number(_) if actual.is_null() => {}
        Value::Number(n) => {
            let got = actual.as_f64().unwrap_or_else(|| panic!("{context} : nombre attendu ({n}), reçu {actual}"));
            assert!((got - n.as_f64().expect("nombre")).abs() < 1e-9, "{context} : {got} au lieu de {n}");
        }
        _ => assert_eq!(actual, expected, "{context}"),
    }
}

/// The académies of the referential, as the answers list them.
fn academies(app: &TestApp) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = app.state.search.index().academies.values().cloned().collect();
    all.sort();
    all.dedup();
    all
}

async fn figures_match_the_generated_year(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.clock.set(NOW);

    // Before any request: nothing to publish, and nothing on the home page.
    let (s, empty) = app.get_json("/api/v1/statistiques").await;
    assert_eq!(s, 200, "{empty}");
    assert!(empty["demandes"].is_null() && empty["taux_prise_en_charge"].is_null(), "{empty}");
    assert_eq!(empty["par_mois"].as_array().map(Vec::len), Some(12));
    let (_, home) = app.get_text("/").await;
    assert!(!home.contains("ces 12 derniers mois"), "no headline without figures");

    let started = std::time::Instant::now();
    let data = year_of_activity(&app, 3000, 0x5EED_2026).await;
    eprintln!("{engine:?} : {} demandes générées et écrites en {:?}", data.len(), started.elapsed());
    let academies = academies(&app);
    let lyon = academies.iter().find(|(_, n)| n == "Lyon").expect("Lyon").0.clone();
    let corse = data.iter().find(|s| s.commune == SMALL_COMMUNE).expect("Corse").academie_code.clone();
    let reunion = data.iter().find(|s| s.commune == "97411").expect("La Réunion").academie_code.clone();
    let reunion_name = academies.iter().find(|(c, _)| *c == reunion).expect("académie").1.clone();
    let lille = data.iter().find(|s| s.commune == "59350").expect("Lille").academie_code.clone();

    let default = Asked { du: "2025-12", au: "2026-11", academie: None, action: None };
    let (s, answer) = app.get_json("/api/v1/statistiques").await;
    assert_eq!(s, 200, "{answer}");
    check(&answer, &data, &default, &academies);
    assert!(answer["demandes"].as_u64().expect("demandes") > 2000, "{}", answer["demandes"]);
    assert!(answer["calcule_le"].as_str().is_some_and(|t| t.starts_with("2026-11-20T10:")), "{}", answer["calcule_le"]);

    let cases: Vec<(String, Asked<'_>)> = vec![
        ("du=2026-01&au=2026-06".into(), Asked { du: "2026-01", au: "2026-06", academie: None, action: None }),
        ("academie=Lyon".into(), Asked { academie: Some(&lyon), ..default }),
        (format!("academie={lyon}"), Asked { academie: Some(&lyon), ..default }),
        ("action=pfmp".into(), Asked { action: Some(ActionType::Pfmp), ..default }),
        (
            format!("du=2025-10&au=2026-11&academie={}&action=apprentissage", urlencode(&reunion_name)),
            Asked { du: "2025-10", au: "2026-11", academie: Some(&reunion), action: Some(ActionType::Apprentissage) },
        ),
        ("du=2026-06&au=2026-06".into(), Asked { du: "2026-06", au: "2026-06", academie: None, action: None }),
        // June counts the six requests of 1 June at 00:15 in Paris.
        (
            "du=2026-06&au=2026-06&academie=Lille&action=visite".into(),
            Asked { du: "2026-06", au: "2026-06", academie: Some(&lille), action: Some(ActionType::Visite) },
        ),
        ("academie=corse".into(), Asked { academie: Some(&corse), ..default }),
        ("action=professeur_associe".into(), Asked { action: Some(ActionType::ProfesseurAssocie), ..default }),
    ];
    for (query, asked) in &cases {
        let (s, answer) = app.get_json(&format!("/api/v1/statistiques?{query}")).await;
        assert_eq!(s, 200, "{query} : {answer}");
        check(&answer, &data, asked, &academies);
    }

    // Small groups publish nothing: Corse (3 requests), associate teachers (4).
    let (_, small) = app.get_json("/api/v1/statistiques?academie=Corse").await;
    assert!(small["demandes"].is_null() && small["prises_en_charge"].is_null(), "{small}");
    assert!(small["taux_prise_en_charge"].is_null() && small["delai_median_prise_en_charge_heures"].is_null());
    assert!(small["issues"].as_object().expect("issues").values().all(Value::is_null), "{small}");
    let corse_in_all = answer["par_academie"]
        .as_array()
        .expect("académies")
        .iter()
        .find(|a| a["code"] == corse.as_str())
        .expect("Corse listée")
        .clone();
    assert!(corse_in_all["demandes"].is_null() && corse_in_all["prises_en_charge"].is_null(), "{corse_in_all}");
    // Bad parameters: a 400 naming each, never a 5xx.
    for (query, field) in [
        ("du=2026-13", "du"),
        ("au=novembre", "au"),
        ("du=2026-06&au=2026-01", "au"),
        ("du=2001-01&au=2026-11", "du"),
        ("academie=Atlantide", "academie"),
        ("action=stage", "action"),
        ("action=%FF%FE", "action"),
    ] {
        let (s, e) = app.get_json(&format!("/api/v1/statistiques?{query}")).await;
        assert_eq!(s, 400, "{query} : {e}");
        assert_eq!(e["erreur"]["code"], "requete_invalide", "{query}");
        assert!(e["erreur"]["champs"][field].is_string(), "{query} : {e}");
    }
    let (s, e) = app.get_json("/api/v1/statistiques?du=x&academie=y&action=z").await;
    assert_eq!(s, 400);
    assert_eq!(e["erreur"]["champs"].as_object().map(|c| c.len()), Some(3), "{e}");

    // The same figures as CSV: by extension, by Accept, and the open-data file.
    let (s, csv) = app.get_text("/api/v1/statistiques.csv?academie=Lyon").await;
    assert_eq!(s, 200);
    let (_, lyon_json) = app.get_json("/api/v1/statistiques?academie=Lyon").await;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').trim_end().split("\r\n").collect();
    let header: Vec<&str> = lines[0].split(';').collect();
    assert_eq!(
        &header[..8],
        ["periode_du", "periode_au", "filtre_academie", "filtre_action", "groupe", "code", "libelle", "demandes"]
    );
    assert_eq!(
        lines.len(),
        1 + 1 + 12 + ActionType::ALL.len() + 1 + 1,
        "header, whole, months, actions, Lyon, the site (no partner in the generated year)"
    );
    assert!(lines.last().is_some_and(|l| l.contains(";source;monlyceepro;Le site MonLycéePro;")), "{csv}");
    let whole: Vec<&str> = lines[1].split(';').collect();
    assert_eq!(&whole[..7], ["2025-12", "2026-11", "Lyon", "", "ensemble", "", ""]);
    let cell = |name: &str| whole[header.iter().position(|h| *h == name).expect("colonne")];
    assert_eq!(cell("demandes"), as_csv(&lyon_json["demandes"]));
    assert_eq!(
        cell("taux_prise_en_charge"),
        format!("{:.1}", lyon_json["taux_prise_en_charge"].as_f64().expect("taux"))
    );
    assert_eq!(
        cell("delai_median_prise_en_charge_heures"),
        format!("{:.1}", lyon_json["delai_median_prise_en_charge_heures"].as_f64().expect("délai"))
    );
    assert_eq!(cell("issue_annulee"), as_csv(&lyon_json["issues"]["annulee"]));
    let by_accept = app
        .client
        .get(format!("{}/api/v1/statistiques?academie=Lyon", app.base))
        .header("accept", "text/csv")
        .send()
        .await
        .expect("csv");
    assert!(by_accept.headers()["content-type"].to_str().expect("type").starts_with("text/csv"));
    assert_eq!(by_accept.headers()["access-control-allow-origin"], "*");
    assert_eq!(by_accept.text().await.expect("corps"), csv);
    let (s, open) = app.get_text("/statistiques/donnees.csv").await;
    assert_eq!(s, 200);
    let first_month =
        data.iter().filter(|s| s.status != RequestStatus::Doublon).map(Synthetic::month).min().expect("mois");
    assert!(
        open.lines().nth(1).expect("ensemble").starts_with(&format!("{first_month};2026-11;;;ensemble;")),
        "{open}"
    );
    assert_eq!(
        open.lines().count(),
        2 + months(&first_month, "2026-11").len() + ActionType::ALL.len() + academies.len() + 1,
        "header, whole, months, actions, académies, the site"
    );
    let corse_line = open.lines().find(|l| l.contains(&format!(";academie;{corse};"))).expect("ligne de la Corse");
    let cells: Vec<&str> = corse_line.split(';').collect();
    // The request figures are withheld; the lycées (public) are not, and
    // the share reaching a lycée follows the requests' rule.
    let n = cells.len();
    assert!(cells[7..n - 3].iter().all(|c| c.is_empty()), "withheld figures are empty cells: {corse_line}");
    assert!(cells[n - 3].parse::<u64>().is_ok_and(|l| l > 0), "the lycées are counted: {corse_line}");
    assert!(cells[n - 1].is_empty(), "the share is withheld: {corse_line}");

    let (_, spec) = app.get_json("/api/v1/openapi.json").await;
    for path in ["/api/v1/statistiques", "/api/v1/statistiques.csv"] {
        assert!(spec["paths"][path]["get"].is_object(), "{path} documented");
    }

    // The page: charts with their tables, French numbers, "< 5".
    let (s, page) = app.get_text("/statistiques").await;
    assert_eq!(s, 200);
    assert_eq!(page.matches("role=\"img\"").count(), 4, "four charts");
    assert_eq!(
        page.matches("<table>").count(),
        6,
        "a table per chart, the lycées reachable by académie and the columns of the file"
    );
    let total = answer["demandes"].as_i64().expect("total");
    assert!(page.contains(&domain::text::thousands(total)), "the count, French style");
    assert!(page.contains("&lt; 5") && page.contains("non diffusé"));
    let download = page.find("/statistiques/donnees.csv?").map(|i| &page[i..i + 60]);
    assert!(
        page.contains("href=\"/statistiques/donnees.csv?du=2025-12&#38;au=2026-11\""),
        "download of this selection: {download:?}"
    );
    let (s, filtered) = app.get_text(&format!("/statistiques?academie={lyon}&action=pfmp&du=2026-01&au=2026-06")).await;
    assert_eq!(s, 200);
    assert!(filtered.contains("académie de Lyon") && filtered.contains("de janvier 2026 à juin 2026"));
    assert!(filtered.contains(&format!("<option value=\"{lyon}\" selected>Lyon</option>")));
    let (s, wrong) = app.get_text("/statistiques?du=2026-13").await;
    assert_eq!(s, 400);
    assert!(wrong.contains("fr-select-group--error") && wrong.contains("AAAA-MM"));

    // The home page's headline: the last 12 months.
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("ces 12 derniers mois"), "headline once figures exist");
    assert!(home.contains(&domain::text::thousands(total)));
    assert!(home.contains(&domain::text::percent(answer["taux_prise_en_charge"].as_f64().expect("taux"))));

    // A new request through the API shows at once (the cache is dropped).
    let mut body = crate::demandes::request("nouvelle-entreprise@exemple.fr");
    body["entreprise"]["siret"] = Value::Null;
    let (s, created) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!(s, 201, "{created}");
    let (_, after) = app.get_json("/api/v1/statistiques").await;
    assert_eq!(after["demandes"].as_i64(), Some(total + 1));
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

on_both_engines!(figures_match_the_generated_year);

/// The hours as the dashboard writes a median ("5 h", "3 j").
fn hours_text(h: f64) -> String {
    if h < 48.0 { format!("{} h", h.round()) } else { format!("{} j", (h / 24.0).round()) }
}

fn median_of(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (n > 0).then(|| if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// The coordinator's dashboard over the same generated year: every lycée's
/// received, taken and declined answers and its median delay, and the
/// national view's académie lines, against what the test counts itself.
async fn the_dashboard_counts_the_generated_year(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.clock.set(NOW);
    let data = year_of_activity(&app, 2000, 0xDA5B_2026).await;
    let academies = academies(&app);
    let lyon = academies.iter().find(|(_, n)| n == "Lyon").expect("Lyon").0.clone();
    let admin = app
        .signed_in(&app.account("admin@education.gouv.fr", monlyceepro::accounts::Role::Admin, &[], None).await)
        .await;

    // Per lycée of the académie: (received, taken, declined, delays).
    let mut expected: std::collections::BTreeMap<String, (usize, usize, usize, Vec<f64>)> = Default::default();
    for s in data.iter().filter(|s| s.academie_code == lyon) {
        let Some(pilot) = &s.pilot else { continue };
        let e = expected.entry(pilot.clone()).or_default();
        e.0 += 1;
        if let Some(t) = s.taken {
            e.1 += 1;
            e.3.push((t - s.created).as_seconds_f64() / 3600.0);
        }
        e.2 += usize::from(s.declined);
    }
    assert!(expected.values().map(|e| e.2).sum::<usize>() > 10, "declines generated");
    let res =
        admin.get(format!("{}/espace/territoire/lycees.csv?academie={lyon}", app.base)).send().await.expect("csv");
    assert_eq!(res.status().as_u16(), 200);
    let csv = res.text().await.expect("csv");
    let mut seen = 0;
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.trim_start_matches('\u{feff}').split(';').collect();
        let (received, taken, declined) = expected.get(cells[0]).map_or((0, 0, 0), |e| (e.0, e.1, e.2));
        assert_eq!(cells[3], received.to_string(), "reçues : {line}");
        assert_eq!(cells[4], taken.to_string(), "prises : {line}");
        assert!(cells[7].starts_with(&declined.to_string()), "déclinées : {line}");
        if declined > 0 {
            assert!(cells[7].contains("capacité"), "motif : {line}");
        }
        let median = expected.get(cells[0]).and_then(|e| median_of(e.3.clone())).map_or("—".into(), hours_text);
        assert_eq!(cells[6], median, "délai médian : {line}");
        seen += usize::from(received > 0);
    }
    assert_eq!(seen, expected.len(), "every lycée that received one is listed");

    // The national view: Lyon's line sums its lycées.
    let res = admin.get(format!("{}/espace/territoire", app.base)).send().await.expect("page");
    let html = res.text().await.expect("page");
    let row_start = html.find(&format!("href=\"/espace/territoire?academie={lyon}\">Lyon</a>")).expect("ligne de Lyon");
    let row = &html[row_start..row_start + html[row_start..].find("</tr>").expect("fin de ligne")];
    let cells: Vec<&str> = row.split("<td>").skip(1).map(|c| c.trim_end_matches("</td>")).collect();
    let received: usize = expected.values().map(|e| e.0).sum();
    let taken: usize = expected.values().map(|e| e.1).sum();
    let declined: usize = expected.values().map(|e| e.2).sum();
    assert_eq!(cells[2], received.to_string(), "{row}");
    assert_eq!(cells[3], format!("{} %", (taken as f64 * 100.0 / received as f64).round()), "{row}");
    let all: Vec<f64> = expected.values().flat_map(|e| e.3.iter().copied()).collect();
    assert_eq!(cells[4], median_of(all).map_or("—".into(), hours_text), "{row}");
    assert_eq!(cells[5], declined.to_string(), "{row}");
    // One disc per metropolitan académie on the national map, with its
    // figures in words.
    assert!(html.contains("La carte des académies") && html.contains("<title>Académie de Lyon :"), "{html}");
}
on_both_engines!(the_dashboard_counts_the_generated_year);

/// Issue 24: in one month, many requests in Lyon and one or two elsewhere,
/// some through a partner, two of another action type. A curious reader
/// subtracts the visible académies, action types and sources from the total
/// in the JSON; the CSV and the page show the same cells hidden.
async fn no_count_under_5_by_subtraction(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.clock.set(NOW);
    let index = app.state.search.index();
    let academie_of = |commune: &str| {
        let p = index.places.get(commune).unwrap_or_else(|| panic!("commune {commune}"));
        index.academies.get(&p.departement).cloned().expect("académie")
    };
    let synth = |i: i64, commune: &'static str, action: ActionType| Synthetic {
        created: datetime!(2026-11-02 09:00 UTC) + Duration::minutes(i),
        action,
        commune,
        academie_code: academie_of(commune).0,
        status: RequestStatus::PriseEnCharge,
        taken: (i % 3 == 0).then(|| datetime!(2026-11-02 09:00 UTC) + Duration::minutes(i) + Duration::hours(3)),
        ended: None,
        outcome: None,
        satisfaction: None,
        within_3: false,
        pilot: None,
        declined: false,
    };
    let mut data: Vec<Synthetic> = (0..60)
        .map(|i| synth(i, "69123", if (10..12).contains(&i) { ActionType::Apprentissage } else { ActionType::Pfmp }))
        .collect();
    for s in data.iter_mut().filter(|s| s.taken.is_none()) {
        s.status = RequestStatus::Transmise;
    }
    data.push(Synthetic { status: RequestStatus::Transmise, taken: None, ..synth(60, "75056", ActionType::Pfmp) });
    data.push(Synthetic { status: RequestStatus::Transmise, taken: None, ..synth(61, "13055", ActionType::Pfmp) });
    let mut tx = app.db.begin().await.expect("transaction");
    for (i, s) in data.iter().enumerate() {
        let mut r = row(i, s);
        // Three of Lyon's through a partner platform.
        r.partenaire = (i < 3).then(|| "1jeune1solution".to_string());
        insert_demande(&mut tx, &r).await.expect("demande");
    }
    tx.commit().await.expect("commit");
    app.state.requests.revision.fetch_add(1, Ordering::Release);

    let month = "du=2026-11&au=2026-11";
    let (s, all) = app.get_json(&format!("/api/v1/statistiques?{month}")).await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all["demandes"], 62, "the total stays published");
    assert_eq!(all["prises_en_charge"], 20);
    let academie = |name: &str| {
        all["par_academie"].as_array().expect("académies").iter().find(|a| a["academie"] == name).expect(name).clone()
    };
    // Before: Lyon 60 beside the total 62 gave the two others by subtraction.
    let lyon = academie("Lyon");
    assert!(lyon["demandes"].is_null(), "{lyon}");
    assert!(lyon["taux_prise_en_charge"].is_null(), "a rate beside the hidden count: {lyon}");
    assert!(lyon["prises_en_charge"].is_null(), "20 beside the total of 20: the others took none: {lyon}");
    assert!(academie("Paris")["demandes"].is_null());
    // The sources: 59 from the site beside 3 from the partner.
    let sources = all["par_source"].as_array().expect("sources");
    assert_eq!(sources.len(), 2);
    assert!(sources.iter().all(|s| s["demandes"].is_null()), "{sources:?}");
    // The action types: 60 PFMP beside 2 apprenticeships.
    let pfmp = all["par_action"].as_array().expect("actions").iter().find(|a| a["action"] == "pfmp").expect("pfmp");
    assert!(pfmp["demandes"].is_null(), "{pfmp}");
    reader_cannot_subtract(&all, "tout");
    for filter in ["academie=Lyon", "action=pfmp", "academie=Lyon&action=pfmp"] {
        let (s, answer) = app.get_json(&format!("/api/v1/statistiques?{month}&{filter}")).await;
        assert_eq!(s, 200, "{answer}");
        reader_cannot_subtract(&answer, filter);
        let sources = answer["par_source"].as_array().expect("sources");
        assert!(sources.iter().all(|s| s["demandes"].is_null()), "3 via the partner beside the site: {filter}");
    }

    // The CSV: the same cells empty.
    let (s, csv) = app.get_text(&format!("/api/v1/statistiques.csv?{month}")).await;
    assert_eq!(s, 200);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').trim_end().split("\r\n").collect();
    let header: Vec<&str> = lines[0].split(';').collect();
    let demandes = header.iter().position(|h| *h == "demandes").expect("colonne");
    let taken = header.iter().position(|h| *h == "prises_en_charge").expect("colonne");
    let line = |group: &str, code: &str| -> Vec<&str> {
        let start = format!("2026-11;2026-11;;;{group};{code};");
        lines.iter().find(|l| l.starts_with(&start)).unwrap_or_else(|| panic!("{start} : {csv}")).split(';').collect()
    };
    assert_eq!(line("ensemble", "")[demandes], "62");
    let lyon_line = line("academie", &academie_of("69123").0);
    assert_eq!((lyon_line[demandes], lyon_line[taken]), ("", ""));
    assert_eq!(line("source", "monlyceepro")[demandes], "");
    assert_eq!(line("source", "1jeune1solution")[demandes], "");
    assert_eq!(line("action", "pfmp")[demandes], "");
    for (group, rows) in [("academie", "par_academie"), ("action", "par_action"), ("source", "par_source")] {
        for r in all[rows].as_array().expect(rows) {
            let code = r.get("code").or(r.get("action")).or(r.get("source")).and_then(Value::as_str).expect("code");
            assert_eq!(line(group, code)[demandes], as_csv(&r["demandes"]), "{group} {code}");
        }
    }

    // The page: « masqué » where a larger group's count is hidden, « < 5 »
    // for a small group, and the note that says why.
    let (s, page) = app.get_text(&format!("/statistiques?{month}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("<th scope=\"row\">Lyon</th><td>masqué</td><td>masqué</td><td>non diffusé</td>"), "{page}");
    assert!(page.contains("<th scope=\"row\">Paris</th><td>&#60; 5</td>"), "{page}");
    assert!(page.contains("<th scope=\"row\">Le site MonLycéePro</th><td>masqué</td>"), "{page}");
    assert!(page.contains("Pour qu'aucun nombre inférieur à 5 ne puisse se déduire par soustraction"));
    assert!(page.contains("d'autres cases sont aussi masquées"));
}
on_both_engines!(no_count_under_5_by_subtraction);
