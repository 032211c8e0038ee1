//! Relevance of the routing on the real national catalogue (issue 12): the
//! right trade before the nearest lycée, told to the company, and its
//! choice to keep its radius.

use crate::on_both_engines;
use crate::support::{Engine, TestApp};
use domain::matching::{LyceeCard, WantedJob, rome_id};
use domain::routing::{LyceeStatus, RoutingRequest, route};
use domain::{ActionType, Position};
use monlyceepro::search::SearchIndex;
use serde_json::{Value, json};

fn teaches(l: &LyceeCard, rome: &str) -> bool {
    l.offers.iter().any(|o| o.romes.iter().any(|r| r == rome))
}

fn apprentices(email: &str, commune: &str, rome: &str, words: &str) -> Value {
    json!({
        "action": "apprentissage",
        "entreprise": {"nom": "Maison Lafon"},
        "contact": {"prenom": "Jeanne", "nom": "Lafon", "email": email},
        "commune": commune,
        "rayon_km": 30,
        "metiers": [rome],
        "metier_texte": words,
        "message": "Nous cherchons un apprenti pour la rentrée.",
        "consentement": true
    })
}

fn uai_of(r: &Value) -> &str {
    r["uai"].as_str().expect("uai")
}

/// A bakery in Aurillac: no lycée within 30 km teaches bakery (one teaches
/// cheese making, a related job); the two that do, 70-odd km away, answer,
/// and the company is told. Keeping its radius, the related lycée answers.
async fn aurillac_bakery_reaches_the_bakers(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let index = app.state.search.index();
    let (status, created) =
        app.post_json("/api/v1/demandes", &apprentices("boulangerie@aurillac.fr", "15014", "D1102", "boulanger")).await;
    assert_eq!(status, 201, "{created}");
    let recipients = created["destinataires"].as_array().expect("destinataires");
    let pilot = index.lycee(uai_of(&recipients[0])).expect("pilote");
    assert!(teaches(pilot, "D1102"), "the pilot teaches bakery: {}", recipients[0]);
    let distance = recipients[0]["distance_km"].as_f64().expect("distance");
    assert!((60.0..=80.0).contains(&distance), "{distance}");
    let note = created["explication_rayon"].as_str().expect("the company is told");
    assert!(note.starts_with("Aucun lycée ne forme au métier « "), "{note}");
    assert!(note.contains(" à moins de 30\u{a0}km\u{a0}; le plus proche est à "), "{note}");
    assert!(note.contains("Le rayon a été élargi à 75\u{a0}km pour l'inclure."), "{note}");
    assert_eq!(created["elargissement"]["rayon_km"].as_f64(), Some(75.0));
    // Nearer lycées teaching a related job may support, labelled as such.
    for r in &recipients[1..] {
        let l = index.lycee(uai_of(r)).expect("appui");
        let reasons = r["raisons"].to_string();
        assert!(teaches(l, "D1102") || reasons.contains("(métier proche)"), "{r}");
    }
    // The follow-up page and the story say the same.
    let follow = created["suivi_url"].as_str().expect("suivi").trim_start_matches(&app.base).to_string();
    let page = app.get(&follow).await.text().await.expect("page");
    assert!(page.contains("Aucun lycée ne forme au métier"), "follow-up page");
    assert!(!page.contains("Aucun lycée ne correspondait"), "no contradicting sentence");

    // The same company keeps its radius: the related lycée within 30 km.
    let mut keep = apprentices("boulangerie-bis@aurillac.fr", "15014", "D1102", "boulanger");
    keep["garder_rayon"] = json!(true);
    let (status, kept) = app.post_json("/api/v1/demandes", &keep).await;
    assert_eq!(status, 201, "{kept}");
    assert!(kept["elargissement"].is_null(), "{kept}");
    let first = &kept["destinataires"][0];
    assert!(first["distance_km"].as_f64().is_some_and(|d| d <= 30.0), "{first}");
    assert!(first["raisons"].to_string().contains("(métier proche)"), "{first}");
    let note = kept["explication_rayon"].as_str().expect("still told where the trade is");
    assert!(note.contains("Vous avez choisi de garder votre rayon"), "{note}");

    // A wrong type is a field error, as for every flag.
    let mut wrong = apprentices("boulangerie-ter@aurillac.fr", "15014", "D1102", "boulanger");
    wrong["garder_rayon"] = json!("oui");
    let (status, body) = app.post_json("/api/v1/demandes", &wrong).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["erreur"]["champs"]["garder_rayon"].is_string(), "{body}");
}

/// A hair salon in Foix goes to a lycée teaching hairdressing, not to the
/// nearer retail course (hairdressers and salespeople share only a ROME
/// domain).
async fn foix_hair_salon_reaches_hairdressers(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let index = app.state.search.index();
    let (status, created) =
        app.post_json("/api/v1/demandes", &apprentices("salon@foix.fr", "09122", "D1202", "coiffeur")).await;
    assert_eq!(status, 201, "{created}");
    for r in created["destinataires"].as_array().expect("destinataires") {
        let l = index.lycee(uai_of(r)).expect("lycée");
        assert!(teaches(l, "D1202") || r["raisons"].to_string().contains("(métier proche)"), "{r}");
        assert!(!r["raisons"].to_string().contains("Vendeur"), "retail is not related to hairdressing: {r}");
    }
    let pilot = index.lycee(uai_of(&created["destinataires"][0])).expect("pilote");
    assert!(teaches(pilot, "D1202"), "{}", created["destinataires"][0]);
}

/// The journey's last step shows who will receive the request and lets the
/// company keep its radius; the choice is what is sent.
async fn the_journey_shows_recipients_and_the_choice(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let fields: Vec<(&str, &str)> = vec![
        ("etape", "5"),
        ("aller", "6"),
        ("action", "apprentissage"),
        ("metiers", "D1102"),
        ("q", "boulanger"),
        ("commune", "15014"),
        ("commune_texte", "Aurillac"),
        ("rayon_km", "30"),
        ("message", "Un apprenti boulanger pour septembre."),
        ("entreprise_nom", "Maison Lafon"),
        ("prenom", "Jeanne"),
        ("nom", "Lafon"),
        ("email", "parcours@aurillac.fr"),
        ("consentement", "oui"),
    ];
    let (status, _, page) = app.submit_form("/demande", "/demande", &fields).await;
    assert_eq!(status, 200);
    assert!(page.contains("Qui recevra votre demande"), "{page}");
    assert!(page.contains("Aucun lycée ne forme au métier"), "the trade is far");
    assert!(
        page.contains("id=\"rayon-elargir\" name=\"garder_rayon\" value=\"non\" checked"),
        "widening is the default"
    );
    assert!(page.contains("coordonne la réponse"));

    // Keeping the radius: the list is updated, the choice stays checked.
    let mut keep = fields.clone();
    keep[0] = ("etape", "6");
    keep.push(("garder_rayon", "oui"));
    let (status, _, page) = app.submit_form("/demande", "/demande", &keep).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"rayon-garder\" name=\"garder_rayon\" value=\"oui\" checked"), "{page}");
    let section = &page[page.find("Qui recevra votre demande").expect("section")..];
    let first_km: String = section
        .split("km)")
        .next()
        .and_then(|s| s.rsplit(", ").next())
        .map(|s| s.trim().replace(',', "."))
        .unwrap_or_default();
    assert!(first_km.parse::<f64>().is_ok_and(|d| d <= 30.0), "nearest related lycée first: {first_km:?}");

    // CAP ticked: no lycée teaches bakery at CAP level within reach; the
    // step says so and where it is taught at another level, instead of
    // silently sending a baker's request to cooks.
    let mut cap = fields.clone();
    cap.push(("niveaux", "cap"));
    let (status, _, page) = app.submit_form("/demande", "/demande", &cap).await;
    assert_eq!(status, 200);
    let section = &page[page.find("Qui recevra votre demande").expect("section")..];
    assert!(
        section.contains("Aucun lycée ne forme au métier « Boulanger")
            && section.contains("au niveau CAP à moins de 100\u{a0}km\u{a0}; à un autre niveau, le plus proche est à ")
            && section
                .contains("Votre demande va à des lycées qui forment à des métiers proches. Pour viser ce métier"),
        "{section}"
    );

    // Sent with that choice.
    keep[1] = ("aller", "envoyer");
    let (status, location, _) = app.submit_form("/demande", "/demande", &keep).await;
    assert_eq!(status, 303, "sent");
    let page = app.get(&location.expect("suivi")).await.text().await.expect("suivi");
    assert!(page.contains("Vous avez choisi de garder votre rayon"), "the follow-up page says the choice");
}

/// A PFMP request for `wanted` within 30 km of `center`.
fn pfmp_within_30_km<'a>(index: &'a SearchIndex, wanted: &'a [WantedJob], center: Position) -> RoutingRequest<'a> {
    RoutingRequest {
        action: ActionType::Pfmp,
        wanted,
        levels: &[],
        center,
        radius_km: 30.0,
        origin: None,
        excluded: &[],
        rome_labels: &index.rome_labels,
        kinship: &index.kinship,
        keep_radius: false,
    }
}

/// Where the job itself is taught near, its lycée stays the pilot, within
/// the company's radius and without any note.
async fn near_trades_stay_pilot(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let index: std::sync::Arc<SearchIndex> = app.state.search.index();
    let everyone = |_: &str| LyceeStatus { reachable: true, ..LyceeStatus::default() };
    for (commune, rome) in [
        ("69123", "F1602"), // Lyon, electricians
        ("13055", "G1602"), // Marseille, cooks
        ("59350", "I1604"), // Lille, car mechanics
        ("33063", "D1202"), // Bordeaux, hairdressers
        ("31555", "F1603"), // Toulouse, plumbers
    ] {
        let center = index.places.get(commune).and_then(|p| p.position).expect("commune");
        let wanted = [WantedJob::new(rome, 1.0)];
        let d = route(&pfmp_within_30_km(&index, &wanted, center), &index.lycees, &everyone);
        let pilot = d.pilot.as_ref().expect("pilot");
        assert!(teaches(pilot.lycee, rome) && pilot.distance_km <= 30.0, "{commune} {rome}: {}", pilot.lycee.nom);
        assert!(!d.widened && d.trade_beyond.is_none(), "{commune} {rome}");
        // Supports teaching the job come before related ones.
        let exact: Vec<bool> = d.supports.iter().map(|c| c.exact).collect();
        assert!(exact.windows(2).all(|w| w[0] >= w[1]), "{commune} {rome}: {exact:?}");
    }
}

/// SplitMix64: the same sample on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
}

/// A national sample of (commune, job taught somewhere) requests for which
/// a lycée teaching the job exists within 100 km: the pilot teaches the job
/// itself in every case (it was about 7 in 10 with the ROME-domain rule).
async fn a_national_sample_always_reaches_the_trade(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let index: std::sync::Arc<SearchIndex> = app.state.search.index();
    let mut communes: Vec<(&String, Position)> =
        index.places.iter().filter_map(|p| p.position.map(|pos| (&p.code_insee, pos))).collect();
    communes.sort_by(|a, b| a.0.cmp(b.0));
    let mut jobs: Vec<&String> = index.lycees_per_rome.keys().collect();
    jobs.sort();
    let everyone = |_: &str| LyceeStatus { reachable: true, ..LyceeStatus::default() };
    let mut rng = Rng(0x2026_1130);
    let (mut asked, mut exact, mut told) = (0, 0, 0);
    while asked < 400 {
        let (_, center) = communes[rng.below(communes.len())];
        let rome = jobs[rng.below(jobs.len())];
        let id = rome_id(rome);
        let reachable = index.lycees.iter().any(|l| {
            l.position.is_some_and(|p| center.distance_km(&p) <= 100.0)
                && l.offers.iter().any(|o| o.rome_ids.contains(&id))
        });
        if !reachable {
            continue;
        }
        asked += 1;
        let wanted = [WantedJob::new(rome, 1.0)];
        let d = route(&pfmp_within_30_km(&index, &wanted, center), &index.lycees, &everyone);
        let pilot = d.pilot.as_ref().expect("a pilot");
        if teaches(pilot.lycee, rome) {
            exact += 1;
        }
        if d.trade_beyond.is_some() {
            told += 1;
        }
    }
    assert_eq!(exact, asked, "the pilot teaches the job itself ({exact} of {asked}; {told} told it is farther)");
}

on_both_engines!(
    aurillac_bakery_reaches_the_bakers,
    foix_hair_salon_reaches_hairdressers,
    the_journey_shows_recipients_and_the_choice,
    near_trades_stay_pilot,
    a_national_sample_always_reaches_the_trade,
);
