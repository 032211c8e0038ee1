//! `monlyceepro seed --volume national|small`: fills a database holding
//! the national catalogue with what two years of service at national
//! scale leave behind — requests in every state with their recipients,
//! story, emails and webhooks, open placement needs, events with their
//! registrations, partners with their contacts and history, staff
//! accounts and their audit log — so that the benchmark (`bench/routes.sh`)
//! measures every page at the volume the service will hold, and the route
//! walk (`tests/it/routes.rs`) runs each page on real data.
//!
//! Requests go through the service itself, at their own time in the past
//! (time is an input): `submit` routes each one on the real catalogue,
//! and its life (taken, declined, written to, closed, cancelled, rated)
//! goes through `act`, the lifecycle's only door, with the schedule's
//! ticks (reminders, the pilot role moving on, escalation, the honest end)
//! applied when they fall due — so every state is one the service can
//! reach, and nothing is left due for the worker at start. Partners,
//! events and needs are written with the storage functions their pages
//! use, in large transactions. The same seed gives the same data.

use crate::accounts::{NewAccount, Role};
use crate::clock;
use crate::requests::input::{Commune, ValidRequest};
use crate::requests::{Action, AnswerError, RequestService};
use crate::search::SearchIndex;
use crate::security::random_id;
use crate::storage::events::{EventRow, RegistrationRow};
use crate::storage::partners::{ContactRow, ConventionRow, InteractionRow, PartenaireRow};
use crate::storage::placements::{BesoinRow, CapaciteRow};
use crate::storage::vitrines::PeriodeRow;
use crate::storage::{self, Db};
use crate::web::AppState;
use domain::events::{EventKind, EventState, RegistrationState};
use domain::lifecycle::{Actor, DeclineReason, Event, Outcome, RequestStatus};
use domain::placements::NeedStatus;
use domain::{ActionType, Niveau};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use time::{Duration, OffsetDateTime};

/// How much to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volume {
    /// What the national service holds after two years (issue 25).
    National,
    /// A few of everything, in seconds: the route walk of the tests.
    Small,
}

impl std::str::FromStr for Volume {
    type Err = String;

    fn from_str(s: &str) -> Result<Volume, String> {
        match s {
            "national" => Ok(Volume::National),
            "small" | "petit" => Ok(Volume::Small),
            other => Err(format!("volume inconnu « {other} » : national ou small")),
        }
    }
}

/// The amounts of a volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub requests: usize,
    /// Over how many days before now the requests were sent.
    pub days: i64,
    pub needs: usize,
    pub events: usize,
    pub partners: usize,
    pub accounts: usize,
    /// Share of requests (percent) sent from the benchmark lycée's commune
    /// for one of its jobs, so that its inbox holds what a busy bureau
    /// holds at any volume.
    pub bench_share: usize,
}

impl Volume {
    pub fn sizes(self) -> Sizes {
        match self {
            Volume::National => Sizes {
                requests: 100_000,
                days: 700,
                needs: 3_000,
                events: 2_000,
                partners: 20_000,
                accounts: 500,
                bench_share: 1,
            },
            Volume::Small => {
                Sizes { requests: 400, days: 90, needs: 30, events: 24, partners: 120, accounts: 24, bench_share: 15 }
            }
        }
    }
}

/// The business officer the benchmark signs in as: the lycée of Lyon
/// teaching the most diplomas, whose inbox, partners and events are the
/// busiest the walk can find.
pub const BENCH_RBE: &str = "banc.rbe@ac-lyon.fr";
/// The coordinator of that lycée's académie.
pub const BENCH_COORDINATOR: &str = "banc.coordination@ac-lyon.fr";
/// A national administrator.
pub const BENCH_ADMIN: &str = "banc.admin@education.gouv.fr";
/// The partner platforms whose requests and webhooks are seeded; the
/// first one's key is what the benchmark's partner uses.
pub const PARTNER_PLATFORMS: [&str; 3] = ["Banc 1jeune1solution", "Banc entreprises engagees", "Banc academie"];

/// What was written, for the command's summary.
#[derive(Debug, Default)]
pub struct Report {
    /// (what, how many, seconds).
    pub lines: Vec<(String, usize, f64)>,
    /// Requests by status at the end.
    pub statuses: Vec<(RequestStatus, usize)>,
    /// Each platform's key, shown once (as `api-keys add` does).
    pub keys: Vec<(String, String)>,
    /// The lycée of [`BENCH_RBE`].
    pub bench_lycee: String,
    /// Requests whose schedule refused a tick (the worker looks again).
    pub unscheduled: usize,
}

/// SplitMix64: the same data on every run and on both engines (also the
/// benchmarks' generators).
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A duration between `from` and `to` minutes.
    fn minutes(&mut self, from: i64, to: i64) -> Duration {
        Duration::minutes(from + self.below((to - from).max(1) as usize) as i64)
    }

    /// A duration between `from` and `to` seconds.
    pub fn seconds(&mut self, from: i64, to: i64) -> Duration {
        Duration::seconds(from + self.below((to - from).max(1) as usize) as i64)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An item of `weighted` (cumulative weights, ascending), drawn in
    /// proportion to its weight.
    fn weighted<'a, T>(&mut self, weighted: &'a [(f64, T)]) -> &'a T {
        let total = weighted.last().map_or(0.0, |w| w.0);
        let x = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let i = weighted.partition_point(|(c, _)| *c <= x).min(weighted.len() - 1);
        &weighted[i].1
    }
}

const FIRST_NAMES: [&str; 12] =
    ["Camille", "Dominique", "Claude", "Sacha", "Alix", "Morgane", "Karim", "Léa", "Hugo", "Inès", "Nicolas", "Fatou"];
const LAST_NAMES: [&str; 12] = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent",
    "Diallo",
];
const COMPANY_WORDS: [&str; 10] = [
    "Électricité",
    "Boulangerie",
    "Garage",
    "Menuiserie",
    "Restaurant",
    "Plomberie",
    "Transports",
    "Coiffure",
    "Bâtiment",
    "Services",
];

fn person(rng: &mut Rng) -> (String, String) {
    (rng.pick(&FIRST_NAMES).to_string(), rng.pick(&LAST_NAMES).to_string())
}

/// Fills the database of `state` (which holds the national catalogue and
/// no request yet) at `volume`, as if the service had run until `now`.
pub async fn seed(state: &AppState, volume: Volume, now: OffsetDateTime) -> anyhow::Result<Report> {
    let db = state.catalogue.db().clone();
    let n = storage::seed::request_count(&db).await?;
    if n > 0 {
        anyhow::bail!("la base contient déjà {n} demandes : le remplissage se fait sur une base qui n'en a aucune");
    }
    let index = state.search.index();
    if index.lycees.is_empty() {
        anyhow::bail!("le catalogue est vide : importez d'abord les données (monlyceepro import)");
    }
    let sizes = volume.sizes();
    let mut report = Report::default();
    let mut rng = Rng(0x4d4c_5032_3032_3635);
    let lycee = bench_lycee(&index);
    report.bench_lycee = lycee.clone();

    let started = Instant::now();
    let staff = accounts(state, &index, &lycee, sizes.accounts, &mut rng, now).await?;
    report.lines.push(("comptes de l'espace des lycées".into(), staff.len(), started.elapsed().as_secs_f64()));

    let started = Instant::now();
    report.keys = platforms(state, now).await?;
    report.lines.push(("clés d'API de plateformes".into(), report.keys.len(), started.elapsed().as_secs_f64()));

    // Lycées with a business officer hold most partners, needs and events.
    let mut active: Vec<String> = staff.iter().flat_map(|(_, uais)| uais.iter().cloned()).collect();
    active.sort_unstable();
    active.dedup();

    let started = Instant::now();
    let scene = Scene { db: &db, index: &index, lycee: &lycee, active: &active, now };
    let needs = needs(&scene, sizes.needs, &mut rng).await?;
    report.lines.push(("besoins de stages ouverts".into(), needs, started.elapsed().as_secs_f64()));

    let started = Instant::now();
    let (events, registrations) = events(&scene, sizes.events, &mut rng).await?;
    report.lines.push(("événements".into(), events, started.elapsed().as_secs_f64()));
    report.lines.push(("inscriptions aux événements".into(), registrations, 0.0));

    let started = Instant::now();
    let (partners, contacts) = partners(&scene, sizes.partners, &mut rng).await?;
    report.lines.push(("partenaires".into(), partners, started.elapsed().as_secs_f64()));
    report.lines.push(("contacts de partenaires".into(), contacts, 0.0));

    let started = Instant::now();
    let lives = requests(state, &index, &lycee, sizes, now).await?;
    report.unscheduled = lives.unscheduled;
    report.lines.push(("demandes".into(), lives.total, started.elapsed().as_secs_f64()));
    report.statuses = lives.statuses;

    // What the worker did at the time: sent every email and delivered
    // every webhook event of the past.
    let started = Instant::now();
    let mut tx = db.begin().await?;
    let (emails, webhooks) = storage::seed::deliver_history(&mut tx, &clock::to_rfc3339(now)).await?;
    tx.commit().await?;
    let sent_before = clock::to_rfc3339(now - Duration::hours(crate::jobs::SENT_BODY_HOURS));
    storage::outbox::purge_outbox_bodies(&db, &sent_before, &sent_before).await?;
    storage::seed::analyze(&db).await?;
    report.lines.push(("courriels envoyés (historique)".into(), emails as usize, started.elapsed().as_secs_f64()));
    report.lines.push(("événements de webhooks remis".into(), webhooks as usize, 0.0));
    Ok(report)
}

/// The lycée of Lyon (or, failing that, of France) teaching the most
/// diplomas.
fn bench_lycee(index: &SearchIndex) -> String {
    let best = |lyon: bool| {
        index
            .lycees
            .iter()
            .filter(|l| !lyon || l.commune_code == "69123" || l.commune_code.starts_with("6938"))
            .filter(|l| l.position.is_some())
            .max_by(|a, b| a.offers.len().cmp(&b.offers.len()).then(b.uai.cmp(&a.uai)))
            .map(|l| l.uai.clone())
    };
    best(true).or_else(|| best(false)).unwrap_or_default()
}

/// The staff accounts, through the accounts service (its audit log
/// included): the benchmark's three people first, then business officers
/// of one or two lycées, a coordinator per académie, a few administrators.
/// Returns (email, lycées) of each account.
async fn accounts(
    state: &AppState,
    index: &SearchIndex,
    lycee: &str,
    count: usize,
    rng: &mut Rng,
    now: OffsetDateTime,
) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let academie = index.lycee(lycee).and_then(|l| l.academie.clone());
    let mut academies: Vec<String> = index.academies.values().map(|(code, _)| code.clone()).collect();
    academies.sort_unstable();
    academies.dedup();
    let mut wanted: Vec<NewAccount> = vec![
        NewAccount { lycees: vec![lycee.to_string()], ..NewAccount::new(BENCH_RBE, Role::Rbe) },
        NewAccount { academie: academie.clone(), ..NewAccount::new(BENCH_COORDINATOR, Role::Coordinateur) },
        NewAccount::new(BENCH_ADMIN, Role::Admin),
    ];
    for (i, a) in academies.iter().enumerate() {
        if wanted.len() >= count / 10 {
            break;
        }
        if Some(a) != academie.as_ref() {
            wanted.push(NewAccount {
                academie: Some(a.clone()),
                ..NewAccount::new(&format!("coordination.{i}@education.gouv.fr"), Role::Coordinateur)
            });
        }
    }
    for i in 0..count.max(60) / 60 {
        wanted.push(NewAccount::new(&format!("administration.{i}@education.gouv.fr"), Role::Admin));
    }
    let taught: Vec<&str> =
        index.lycees.iter().filter(|l| !l.offers.is_empty() && l.uai != lycee).map(|l| l.uai.as_str()).collect();
    let mut i = 0;
    while wanted.len() < count {
        i += 1;
        let mut lycees = vec![rng.pick(&taught).to_string()];
        if rng.chance(20) {
            lycees.push(rng.pick(&taught).to_string());
        }
        let (first, last) = person(rng);
        wanted.push(NewAccount {
            lycees,
            prenom: Some(first.clone()),
            nom: Some(last.clone()),
            ..NewAccount::new(
                &format!("{}.{}{i}@ac-seed.fr", domain::text::fold(&first), domain::text::fold(&last)),
                Role::Rbe,
            )
        });
    }
    let mut made = Vec::new();
    for (k, new) in wanted.into_iter().enumerate() {
        // Accounts opened over the two years, the benchmark's first.
        let at = now - Duration::days(700 - (k as i64 * 7 % 690));
        match state.accounts.add(&new, "amorçage", at).await? {
            Ok(added) => made.push((new.email.clone(), added.agent.lycees.clone())),
            Err(e) => tracing::warn!(compte = %new.email, erreur = %e, "compte non créé"),
        }
    }
    // A few people ask to join the benchmark's lycée.
    for k in 0..3 {
        let email = format!("candidat.{k}@ac-lyon.fr");
        match state.accounts.check_join(&email, "Dominique", "Candidat", lycee).await? {
            Ok(ask) => state.accounts.ask_to_join(&ask, now - Duration::days(2 + k)).await?,
            Err(e) => tracing::warn!(erreur = %e, "demande d'adhésion non créée"),
        }
    }
    Ok(made)
}

/// The partner platforms and their keys (with a webhook on the loopback,
/// which a seeded service never calls: its events of the past are
/// delivered history).
async fn platforms(state: &AppState, now: OffsetDateTime) -> anyhow::Result<Vec<(String, String)>> {
    let mut keys = Vec::new();
    for name in PARTNER_PLATFORMS {
        let with_hook = crate::partner_api::NewKey {
            name: name.to_string(),
            webhook: Some("http://127.0.0.1:9/webhook".into()),
            origins: Vec::new(),
        };
        let created = match state.api_keys.create(&with_hook, "amorçage", now - Duration::days(720)).await {
            Ok(k) => k,
            // A public base URL refuses a loopback webhook: no webhook then.
            Err(crate::partner_api::KeyError::Webhook(_)) => {
                let plain = crate::partner_api::NewKey { webhook: None, ..with_hook };
                state.api_keys.create(&plain, "amorçage", now - Duration::days(720)).await?
            }
            Err(e) => return Err(e.into()),
        };
        keys.push((created.name, created.key));
    }
    Ok(keys)
}

/// Where the officers' writings go: the database, the catalogue, the
/// benchmark's lycée and the lycées with an officer, at `now`.
struct Scene<'a> {
    db: &'a Db,
    index: &'a SearchIndex,
    lycee: &'a str,
    active: &'a [String],
    now: OffsetDateTime,
}

impl Scene<'_> {
    /// The lycée holding the `k`-th item officers write: the benchmark's
    /// lycée for the first few (so that its pages show some at any
    /// volume) and `bench_share` percent of the others, then mostly
    /// lycées with an officer, and a few others.
    fn holder(&self, rng: &mut Rng, k: usize, bench_share: usize) -> String {
        if k < 4 || rng.chance(bench_share) {
            return self.lycee.to_string();
        }
        if !self.active.is_empty() && rng.chance(75) {
            return rng.pick(self.active).clone();
        }
        rng.pick(&self.index.lycees).uai.clone()
    }
}

/// Open placement needs, each on a PFMP period of its lycée's calendar,
/// with some filled or withdrawn ones of the past.
async fn needs(scene: &Scene<'_>, count: usize, rng: &mut Rng) -> anyhow::Result<usize> {
    let Scene { db, index, now, .. } = *scene;
    let today = now.date();
    let mut open = 0;
    let mut done = 0;
    let mut tx = db.begin().await?;
    while open < count {
        let uai = scene.holder(rng, open + done, 2);
        let Some(card) = index.lycee(&uai) else { continue };
        if card.offers.is_empty() {
            continue;
        }
        let offer = rng.pick(&card.offers);
        let past = rng.chance(20);
        let start = if past {
            today - Duration::days(30 + rng.below(300) as i64)
        } else {
            today + Duration::days(rng.below(200) as i64 - 10)
        };
        let end = start + Duration::weeks(3 + rng.below(4) as i64);
        let year = if start.month() as u8 >= 9 { start.year() } else { start.year() - 1 };
        let period = PeriodeRow {
            id: random_id(),
            uai: uai.clone(),
            diplome: offer.cfd.clone(),
            annee: format!("{year}-{}", year + 1),
            debut: start.to_string(),
            fin: end.to_string(),
        };
        storage::vitrines::insert_periode(&mut tx, &period).await?;
        let created = clock::to_rfc3339(now - Duration::days(5 + rng.below(60) as i64));
        let status = if past {
            if rng.chance(70) { NeedStatus::Pourvu } else { NeedStatus::Retire }
        } else {
            NeedStatus::Ouvert
        };
        let closed = (status != NeedStatus::Ouvert).then(|| created.clone());
        storage::placements::insert_besoin(
            &mut tx,
            &BesoinRow {
                id: random_id(),
                uai: uai.clone(),
                diplome: period.diplome.clone(),
                periode_id: Some(period.id.clone()),
                debut: period.debut.clone(),
                fin: period.fin.clone(),
                places: 1 + rng.below(8) as i64,
                note: rng.chance(30).then(|| "Élèves de première année, motivés.".to_string()),
                statut: status,
                cree_le: created.clone(),
                cree_par: "amorçage".into(),
                modifie_le: created,
                clos_le: closed.clone(),
                clos_par: closed.map(|_| "amorçage".into()),
            },
        )
        .await?;
        if past {
            done += 1;
        } else {
            open += 1;
        }
        if (open + done) % 500 == 0 {
            tx.commit().await?;
            tx = db.begin().await?;
        }
    }
    tx.commit().await?;
    Ok(open)
}

/// Events over the last year and the next six months, a few cancelled,
/// with registrations (confirmed within capacity, waiting, cancelled).
/// Returns (events, registrations).
async fn events(scene: &Scene<'_>, count: usize, rng: &mut Rng) -> anyhow::Result<(usize, usize)> {
    let Scene { db, index, now, .. } = *scene;
    let mut registrations = 0;
    let mut tx = db.begin().await?;
    for k in 0..count {
        let uai = scene.holder(rng, k, 1);
        let Some(card) = index.lycee(&uai) else { continue };
        let kind = *rng.pick(EventKind::ALL);
        let start = if k % 3 == 2 {
            now - Duration::days(1 + rng.below(360) as i64)
        } else {
            now + Duration::days(2 + rng.below(180) as i64)
        };
        let start =
            start.replace_time(time::Time::from_hms(8 + rng.below(8) as u8, 0, 0).unwrap_or(time::Time::MIDNIGHT));
        let end = start + Duration::hours(2 + rng.below(6) as i64);
        let created = start - Duration::days(20 + rng.below(60) as i64);
        let cancelled = rng.chance(3);
        let capacity = rng.chance(60).then(|| 10 + rng.below(90) as i64);
        let e = EventRow {
            id: random_id(),
            uai: uai.clone(),
            genre: kind,
            titre: format!("{} {}", kind.label(), card.commune_nom),
            description: "Rencontrez nos élèves et nos enseignants, découvrez nos plateaux techniques.".into(),
            debut: clock::to_rfc3339(start),
            fin: clock::to_rfc3339(end),
            lieu: card.nom.clone(),
            adresse: String::new(),
            commune_code: Some(card.commune_code.clone()),
            public_vise: "Entreprises, tuteurs et maîtres d'apprentissage".into(),
            capacite: capacity,
            etat: if cancelled { EventState::Annule } else { EventState::Publie },
            cree_par: "amorçage".into(),
            cree_le: clock::to_rfc3339(created.min(now)),
            modifie_le: clock::to_rfc3339(created.min(now)),
            annule_le: cancelled.then(|| clock::to_rfc3339(created.min(now))),
        };
        storage::events::insert_event(&mut tx, &e).await?;
        let mut confirmed = 0;
        let bench = uai == scene.lycee;
        for r in 0..rng.below(if bench { 40 } else { 16 }) + usize::from(bench) * 2 {
            let at = (created + Duration::days(1 + r as i64)).min(now - Duration::hours(1));
            let full = capacity.is_some_and(|c| confirmed >= c);
            let state = match rng.below(100) {
                0..15 => RegistrationState::EnAttente,
                15..27 => RegistrationState::Annulee,
                _ if full => RegistrationState::EnAttente,
                _ => RegistrationState::Confirmee,
            };
            if state == RegistrationState::Confirmee {
                confirmed += 1;
            }
            let (first, last) = person(rng);
            let soon = start - now < Duration::days(2);
            storage::events::insert_registration(
                &mut tx,
                &RegistrationRow {
                    id: random_id(),
                    evenement_id: e.id.clone(),
                    entreprise: format!("{} {}", rng.pick(&COMPANY_WORDS), last),
                    prenom: Some(first),
                    nom: last,
                    email: format!("inscription.{k}.{r}@entreprise.example"),
                    telephone: None,
                    personnes: 1 + rng.below(3) as i64,
                    etat: state,
                    cree_le: clock::to_rfc3339(at),
                    confirme_le: (state == RegistrationState::Confirmee).then(|| clock::to_rfc3339(at)),
                    // The reminder of the day before already went.
                    rappel_envoye_le: (state == RegistrationState::Confirmee && soon).then(|| clock::to_rfc3339(at)),
                    annule_le: (state == RegistrationState::Annulee).then(|| clock::to_rfc3339(at)),
                    anonymise_le: None,
                },
            )
            .await?;
            registrations += 1;
        }
        if k % 200 == 199 {
            tx.commit().await?;
            tx = db.begin().await?;
        }
    }
    tx.commit().await?;
    Ok((count, registrations))
}

/// Partners with their contacts, history, agreements and hosting
/// capacities. Returns (partners, contacts).
async fn partners(scene: &Scene<'_>, count: usize, rng: &mut Rng) -> anyhow::Result<(usize, usize)> {
    let Scene { db, index, now, .. } = *scene;
    let mut contacts = 0;
    let mut tx = db.begin().await?;
    for k in 0..count {
        let uai = scene.holder(rng, k * 4 / 10, 1);
        let (first, last) = person(rng);
        let nom = format!("{} {} {k}", rng.pick(&COMPANY_WORDS), last);
        let created = now - Duration::days(1 + rng.below(700) as i64);
        let p = PartenaireRow {
            id: random_id(),
            uai: uai.clone(),
            nom_norm: domain::text::fold(&nom),
            nom,
            siret: None,
            secteur: rng.chance(60).then(|| rng.pick(&COMPANY_WORDS).to_string()),
            adresse: None,
            tags: if rng.chance(30) { "pfmp, fidèle".into() } else { String::new() },
            cree_le: clock::to_rfc3339(created),
            modifie_le: clock::to_rfc3339(created),
        };
        storage::partners::upsert(&mut tx, &p).await?;
        for c in 0..1 + rng.below(3) {
            let (cf, cl) = if c == 0 { (first.clone(), last.clone()) } else { person(rng) };
            storage::partners::insert_contact(
                &mut tx,
                &ContactRow {
                    id: random_id(),
                    partenaire_id: p.id.clone(),
                    email: rng.chance(80).then(|| format!("contact.{k}.{c}@partenaire.example")),
                    prenom: Some(cf),
                    nom: cl,
                    fonction: rng.chance(50).then(|| "Responsable des ressources humaines".to_string()),
                    telephone: rng.chance(50).then(|| "04 72 00 00 00".to_string()),
                },
            )
            .await?;
            contacts += 1;
        }
        for h in 0..rng.below(4) {
            storage::partners::insert_interaction(
                &mut tx,
                &InteractionRow {
                    id: random_id(),
                    partenaire_id: p.id.clone(),
                    date: (created + Duration::days(h as i64 * 30)).min(now).date().to_string(),
                    genre: rng.pick(&["visite", "pfmp", "apprenti", "evenement", "autre"]).to_string(),
                    texte: "Échange avec l'entreprise.".into(),
                    demande_id: None,
                    cree_par: "amorçage".into(),
                },
            )
            .await?;
        }
        if rng.chance(20) {
            let start = created.date();
            // Ends at least 90 days away: no reminder is due at start.
            let end = (start + Duration::days(365 * 3)).max(now.date() + Duration::days(90));
            storage::partners::insert_convention(
                &mut tx,
                &ConventionRow {
                    id: random_id(),
                    partenaire_id: p.id.clone(),
                    objet: "Convention de partenariat".into(),
                    debut: start.to_string(),
                    fin: end.to_string(),
                    renouvellement: None,
                    document_url: None,
                    rappel_envoye_le: None,
                },
            )
            .await?;
        }
        if rng.chance(15)
            && let Some(offer) = index.lycee(&uai).and_then(|l| l.offers.first())
        {
            storage::placements::insert_capacite(
                &mut tx,
                &CapaciteRow {
                    id: random_id(),
                    partenaire_id: p.id.clone(),
                    diplome: Some(offer.cfd.clone()),
                    rome: None,
                    mois: String::new(),
                    places: 1 + rng.below(4) as i64,
                    note: None,
                    cree_le: clock::to_rfc3339(created),
                },
            )
            .await?;
        }
        if k % 500 == 499 {
            tx.commit().await?;
            tx = db.begin().await?;
        }
    }
    tx.commit().await?;
    Ok((count, contacts))
}

/// What drawing requests needs: places and jobs, each with its weight.
struct Draws {
    /// Cumulative population → commune code.
    communes: Vec<(f64, String)>,
    /// Cumulative number of lycées teaching it → ROME code.
    jobs: Vec<(f64, String)>,
    /// The benchmark lycée's commune and jobs.
    bench: (String, Vec<String>),
}

impl Draws {
    fn new(index: &SearchIndex, lycee: &str) -> Draws {
        let mut communes = Vec::new();
        let mut total = 0.0;
        for p in index.places.iter() {
            if p.kind != "commune" || p.position.is_none() || !index.academies.contains_key(&p.departement) {
                continue;
            }
            total += p.population.unwrap_or(100).max(100) as f64;
            communes.push((total, p.code_insee.clone()));
        }
        let mut taught: Vec<(&String, &usize)> = index.lycees_per_rome.iter().collect();
        taught.sort();
        let mut jobs = Vec::new();
        let mut total = 0.0;
        for (rome, n) in taught {
            total += *n as f64;
            jobs.push((total, rome.clone()));
        }
        let bench = index.lycee(lycee).map_or_else(Default::default, |l| {
            let mut romes: Vec<String> = l.offers.iter().flat_map(|o| o.romes.iter().cloned()).collect();
            romes.sort_unstable();
            romes.dedup();
            (l.commune_code.clone(), romes)
        });
        Draws { communes, jobs, bench }
    }
}

/// How the requests' lives ended up.
struct Lives {
    total: usize,
    statuses: Vec<(RequestStatus, usize)>,
    unscheduled: usize,
}

/// The requests, in lanes running side by side (each request's life in
/// order within its lane).
async fn requests(
    state: &AppState,
    index: &Arc<SearchIndex>,
    lycee: &str,
    sizes: Sizes,
    now: OffsetDateTime,
) -> anyhow::Result<Lives> {
    let draws = Arc::new(Draws::new(index, lycee));
    if draws.communes.is_empty() || draws.jobs.is_empty() {
        anyhow::bail!("le catalogue n'a ni communes placées ni métiers enseignés");
    }
    let lanes = match state.catalogue.db() {
        Db::Sqlite(_) => 3,
        Db::Postgres(_) => 6,
    };
    let mut tasks = Vec::new();
    for lane in 0..lanes {
        let (svc, index, draws) = (state.requests.clone(), index.clone(), draws.clone());
        let keys: Vec<String> = PARTNER_PLATFORMS.iter().map(|s| s.to_string()).collect();
        tasks.push(tokio::spawn(async move {
            let mut lane_statuses: HashMap<RequestStatus, usize> = HashMap::new();
            let mut unscheduled = 0;
            let mut rng = Rng(0x5eed_0000 + lane as u64);
            let mut previous: Option<ValidRequest> = None;
            for i in (lane..sizes.requests).step_by(lanes) {
                // Sent over `days`, a few more each month (the service grows).
                let f = i as f64 / sizes.requests as f64;
                let ago = (sizes.days * 86_400) as f64 * (1.0 - f.sqrt());
                let sent = now - Duration::seconds(ago as i64 + 60);
                let v = match previous.take() {
                    // The same company asking the same thing again.
                    Some(p) if rng.chance(3) => p,
                    _ => draw_request(&mut rng, &index, &draws, &keys, sizes.bench_share, i, sent),
                };
                previous = Some(v.clone());
                let (status, stuck) = live(&svc, &index, &mut rng, v, sent, now).await?;
                *lane_statuses.entry(status).or_default() += 1;
                unscheduled += usize::from(stuck);
            }
            anyhow::Ok((lane_statuses, unscheduled))
        }));
    }
    let mut statuses: HashMap<RequestStatus, usize> = HashMap::new();
    let mut unscheduled = 0;
    for t in tasks {
        let (s, u) = t.await??;
        for (k, v) in s {
            *statuses.entry(k).or_default() += v;
        }
        unscheduled += u;
    }
    let mut statuses: Vec<(RequestStatus, usize)> = statuses.into_iter().collect();
    statuses.sort_by_key(|(s, _)| s.code());
    Ok(Lives { total: sizes.requests, statuses, unscheduled })
}

/// A company's request: a place drawn by population, a job drawn by how
/// many lycées teach it, an action as companies ask them.
fn draw_request(
    rng: &mut Rng,
    index: &SearchIndex,
    draws: &Draws,
    keys: &[String],
    bench_share: usize,
    i: usize,
    sent: OffsetDateTime,
) -> ValidRequest {
    let bench = rng.chance(bench_share) && !draws.bench.1.is_empty();
    let code = if bench { draws.bench.0.clone() } else { rng.weighted(&draws.communes).clone() };
    let place = index.places.get(&code);
    let commune = Commune {
        nom: place.map(|p| p.nom.clone()).unwrap_or_default(),
        position: place.and_then(|p| p.position).unwrap_or(domain::Position { lat: 45.76, lon: 4.83 }),
        academie: place.and_then(|p| index.academies.get(&p.departement)).cloned(),
        code,
    };
    let action = ActionType::ALL[match rng.below(10) {
        0..4 => 0,
        4..6 => 1,
        _ => rng.below(ActionType::ALL.len()),
    }];
    let first = if bench { rng.pick(&draws.bench.1).clone() } else { rng.weighted(&draws.jobs).clone() };
    let mut jobs = vec![(first, 1.0)];
    if rng.chance(20) {
        let other = rng.weighted(&draws.jobs).clone();
        if other != jobs[0].0 {
            jobs.push((other, 1.0));
        }
    }
    let (first, last) = person(rng);
    let pfmp = action == ActionType::Pfmp;
    let start = (sent + Duration::days(30 + rng.below(150) as i64)).date();
    let email: domain::Email = format!("contact.{i}@entreprise-{i}.example")
        .parse()
        .unwrap_or_else(|_| "contact@entreprise.example".parse().expect("adresse valide"));
    ValidRequest {
        action,
        entreprise_nom: format!("{} {last}", rng.pick(&COMPANY_WORDS)),
        siret: None,
        registered_name: None,
        naf: None,
        prenom: first,
        nom: last,
        email,
        telephone: rng.chance(60).then(|| "06 12 34 56 78".to_string()),
        commune,
        rayon_km: *rng.pick(&[10.0, 20.0, 30.0, 30.0, 30.0, 50.0]),
        jobs,
        metier_texte: None,
        niveaux: if rng.chance(50) { vec![*rng.pick(&[Niveau::Cap, Niveau::BacPro, Niveau::Bts])] } else { Vec::new() },
        nombre_eleves: pfmp.then(|| 1 + rng.below(4) as i64),
        debut: pfmp.then_some(start),
        fin: pfmp.then(|| start + Duration::weeks(4)),
        message: "Bonjour, nous aimerions travailler avec un lycée professionnel près de chez nous.".into(),
        lycee: None,
        garder_rayon: false,
        partenaire: rng.chance(8).then(|| rng.pick(keys).clone()),
    }
}

/// One request's life: sent at `sent`, then what people do to it, each
/// at its time, with the schedule's steps in between, until `now`. Its
/// status at `now`, and whether its schedule refused a step.
async fn live(
    svc: &RequestService,
    index: &SearchIndex,
    rng: &mut Rng,
    v: ValidRequest,
    sent: OffsetDateTime,
    now: OffsetDateTime,
) -> anyhow::Result<(RequestStatus, bool)> {
    let submitted = svc.submit(index, v, sent).await?;
    let id = submitted.id.clone();
    let pilot = submitted.recipients.first().map(|r| r.uai.clone());
    let support = submitted.recipients.get(1).map(|r| r.uai.clone());
    let mut script: Vec<(OffsetDateTime, Action)> = Vec::new();
    let officer = |rng: &mut Rng| {
        let (f, l) = person(rng);
        format!("{f} {l}")
    };
    let company = "L'entreprise";
    match (&pilot, submitted.statut) {
        (Some(pilot), RequestStatus::Transmise) => {
            let roll = rng.below(100);
            if roll < 75 {
                let mut at = sent + rng.minutes(20, 5 * 24 * 60);
                let taker = match &support {
                    Some(s) if rng.chance(25) => {
                        if rng.chance(50) {
                            let reason =
                                *rng.pick(&[DeclineReason::HorsChamp, DeclineReason::Capacite, DeclineReason::Periode]);
                            let decline = Event::Decline { uai: pilot.clone(), reason, has_text: false };
                            script.push((at - Duration::minutes(10), Action::new(decline, &officer(rng))));
                        }
                        s.clone()
                    }
                    _ => pilot.clone(),
                };
                let name = officer(rng);
                script.push((at, Action::new(Event::Take { uai: taker.clone() }, &name)));
                at += rng.minutes(30, 3 * 24 * 60);
                let write = Event::Write { by: Actor::Lycee(taker.clone()) };
                let words = "Bonjour, nous avons bien reçu votre demande et vous proposons un rendez-vous.";
                script.push((at, Action::new(write, &name).with_text(words)));
                at += Duration::days(3 + rng.below(40) as i64);
                let ending = rng.below(100);
                if ending < 60 {
                    let outcome =
                        *rng.pick(&[Outcome::Partenariat, Outcome::Realisee, Outcome::Realisee, Outcome::SansSuite]);
                    script.push((at, Action::new(Event::Close { by: Actor::Lycee(taker.clone()), outcome }, &name)));
                } else if ending < 70 {
                    let close = Event::Close { by: Actor::Company, outcome: Outcome::Realisee };
                    script.push((at, Action::new(close, company)));
                } else if ending < 75 {
                    script.push((at, Action::new(Event::Cancel, company)));
                }
                if ending < 70 && rng.chance(45) {
                    let score = 3 + rng.below(3) as u8;
                    script.push((
                        at + Duration::days(1 + rng.below(9) as i64),
                        Action::new(Event::Rate { score }, company),
                    ));
                }
            } else if roll < 85 {
                script.push((sent + Duration::days(1 + rng.below(10) as i64), Action::new(Event::Cancel, company)));
            }
        }
        (None, RequestStatus::EnAttente) if rng.chance(50) => {
            // The coordination hands it to a lycée of the territory.
            if let Some(to) = index.lycees.iter().find(|l| l.academie.is_some() && !l.offers.is_empty()) {
                let hand = Event::HandOver { from: None, to: to.uai.clone(), crosses_border: false };
                script.push((sent + Duration::days(1 + rng.below(4) as i64), Action::new(hand, "Coordination")));
            }
        }
        _ => {}
    }
    let mut due = next_due(svc, &id).await?;
    let mut stuck = false;
    for (at, action) in script {
        if at >= now {
            break;
        }
        if !stuck {
            (_, stuck) = ticks_until(svc, index, &id, due, at).await?;
        }
        match svc.act(index, &id, action, at).await {
            Ok(_) | Err(AnswerError::Refused(_)) => {}
            Err(e) => anyhow::bail!("demande {}: {e}", submitted.reference),
        }
        due = next_due(svc, &id).await?;
    }
    if !stuck {
        (_, stuck) = ticks_until(svc, index, &id, due, now).await?;
    }
    let status = storage::requests::demande_by_id(&svc.db, &id).await?.map_or(submitted.statut, |d| d.statut);
    Ok((status, stuck))
}

/// When the schedule next looks at request `id`.
async fn next_due(svc: &RequestService, id: &str) -> anyhow::Result<Option<OffsetDateTime>> {
    Ok(storage::requests::demande_by_id(&svc.db, id)
        .await?
        .and_then(|d| d.prochaine_echeance)
        .and_then(|s| clock::parse(&s)))
}

/// Lets the schedule act on request `id` at each of its due times before
/// `until`. The next due time, and whether the schedule refused a step
/// (then the worker looks at it again; the request is left as it is).
async fn ticks_until(
    svc: &RequestService,
    index: &SearchIndex,
    id: &str,
    mut due: Option<OffsetDateTime>,
    until: OffsetDateTime,
) -> anyhow::Result<(Option<OffsetDateTime>, bool)> {
    while let Some(at) = due.filter(|d| *d < until) {
        match svc.act(index, id, Action::new(Event::Tick, crate::requests::SYSTEM_PERSON), at).await {
            Ok(_) => due = next_due(svc, id).await?,
            Err(AnswerError::Refused(_)) => return Ok((None, true)),
            Err(e) => anyhow::bail!("échéancier de la demande {id}: {e}"),
        }
    }
    Ok((due, false))
}
