//! The route walk of the benchmark (issue 25), at a small volume so that
//! it cannot rot: the seeding command (`monlyceepro seed --volume small`,
//! as the benchmark runs it) fills a database, every path the
//! router answers `GET` on is either walked or listed with why it is not
//! (`web::routes::GET_ROUTES`), and every URL walked answers 200 on the
//! seeded data, for the visitor the benchmark uses.

use crate::on_both_engines;
use crate::support::{Engine, Options, TEST_SECRET_KEY, TestApp, catalogue_db, data_dir, one, scratch_dir};
use monlyceepro::clock::Clock;
use monlyceepro::seed;
use monlyceepro::web::routes::{self, Targets, Visitor, Walk};
use reqwest::StatusCode;

/// `monlyceepro seed --volume small` on the database at `url`, signing
/// with the test servers' key (the walk's links must be theirs): whether
/// it succeeded, and its output.
fn seed_command(url: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_monlyceepro"))
        .args(["seed", "--volume", "small"])
        .env("DATABASE_URL", url)
        .env("MLP_SECRET_KEY", TEST_SECRET_KEY)
        .env("MLP_DATA_DIR", data_dir())
        .env("MLP_VAR_DIR", scratch_dir())
        .env("RUST_LOG", "warn")
        .output()
        .expect("binaire monlyceepro");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

async fn every_get_route_is_walked_or_excused(engine: Engine) {
    // The command the benchmark runs, on a database with the catalogue.
    let db = catalogue_db(engine).await;
    let (ok, said) = seed_command(&db.url);
    assert!(ok, "{said}");
    let statuses = said.lines().find(|l| l.contains("demandes par statut")).unwrap_or_default().to_string();
    for wanted in ["transmise", "prise_en_charge", "cloturee", "annulee", "sans_reponse", "doublon"] {
        assert!(statuses.contains(&format!("{wanted} ")), "{wanted} parmi {statuses}");
    }
    assert!(!said.contains("laissées à l'échéancier"), "rien n'est laissé dû au travailleur : {said}");
    let key = said
        .lines()
        .find(|l| l.contains(&format!("« {} »", seed::PARTNER_PLATFORMS[0])))
        .and_then(|l| l.rsplit(" : ").next())
        .expect("clé de la plateforme")
        .to_string();
    // Seeding twice would double the requests: refused.
    let (again, why) = seed_command(&db.url);
    assert!(!again && why.contains("contient déjà"), "{why}");
    let app = TestApp::spawn_on(db, Options::default()).await;
    let now = app.clock.now();

    // Which paths the router answers GET on: every other method gets 405.
    let book = monlyceepro::web::routes();
    let mut unlisted = Vec::new();
    for path in book.paths() {
        let url = format!("{}{}", app.base, routes::probe_url(path));
        let status = app.new_client().get(&url).send().await.expect("réponse").status();
        let answers_get = status != StatusCode::METHOD_NOT_ALLOWED;
        match (answers_get, routes::listed(path)) {
            (true, None) => unlisted.push(path.clone()),
            (false, Some(_)) => panic!("{path} est listée mais ne répond pas à GET"),
            _ => {}
        }
    }
    assert!(unlisted.is_empty(), "routes GET ni parcourues ni excusées dans web::routes::GET_ROUTES : {unlisted:?}");
    for r in routes::GET_ROUTES {
        assert!(book.paths().iter().any(|p| p == r.path), "{} est listée mais absente du routeur", r.path);
    }

    // Every URL walked answers 200 on the seeded data.
    let targets = Targets::find(&app.state, Some(&key), now).await.expect("cibles du parcours");
    let visits = targets.visits().expect("toutes les cibles sont connues");
    let mut failed = Vec::new();
    for v in &visits {
        let mut req = app.new_client().get(format!("{}{}", app.base, v.url));
        if let Some((name, value)) = targets.credentials(v.visitor) {
            req = req.header(name, value);
        }
        let res = req.send().await.expect("réponse");
        if res.status().as_u16() != v.status {
            failed.push(format!("{} ({}) → {}", v.url, v.visitor.name(), res.status()));
        }
    }
    assert!(failed.is_empty(), "pages du parcours en échec : {failed:#?}");
    let walked = routes::GET_ROUTES.iter().filter(|r| !matches!(r.walk, Walk::Skip(_))).count();
    assert!(visits.len() >= walked, "chaque route parcourue a au moins une adresse");

    // The inbox is paged, its tabs counted in SQL: the administrator's
    // « Toutes » counts every request but duplicates, and its pages,
    // walked one after the other, list each exactly once.
    let (name, value) = targets.credentials(Visitor::Admin).expect("session de l'administrateur");
    let inbox = |query: String| {
        let req = app.new_client().get(format!("{}/espace?{query}", app.base)).header(name, value);
        async move {
            let res = req.send().await.expect("réponse");
            assert_eq!(res.status(), 200, "{query}");
            res.text().await.expect("page")
        }
    };
    let count_in = |html: &str, label: &str| -> usize {
        let at = html.find(&format!("{label} (")).unwrap_or_else(|| panic!("onglet {label}"));
        html[at + label.len() + 2..].split(')').next().and_then(|n| n.parse().ok()).expect("compte")
    };
    let first = inbox("statut=toutes".into()).await;
    let all = count_in(&first, "Toutes");
    let stored = one::<i64>(&app.db, "SELECT COUNT(*) FROM demandes WHERE statut <> 'doublon'").await;
    assert_eq!(all as i64, stored);
    assert!(all > 50, "plusieurs pages ({all})");
    let ended =
        one::<i64>(&app.db, "SELECT COUNT(*) FROM demandes WHERE statut IN ('cloturee', 'annulee', 'sans_reponse')")
            .await;
    assert_eq!(count_in(&first, "Clôturées ou annulées") as i64, ended);
    let mut seen = std::collections::HashSet::new();
    for page in 1..=all.div_ceil(50) {
        let html = inbox(format!("statut=toutes&page={page}")).await;
        for part in html.split("href=\"/espace/demandes/").skip(1) {
            let reference = part.split('"').next().unwrap_or_default().to_string();
            assert!(seen.insert(reference.clone()), "{reference} deux fois (page {page})");
        }
    }
    assert_eq!(seen.len(), all);
    // A page out of range or not a number shows a page, never an error.
    for query in ["statut=toutes&page=999", "statut=toutes&page=abc", "statut=inconnu&page=-1"] {
        let html = inbox(query.into()).await;
        assert!(html.contains("Les demandes des entreprises"), "{query}");
    }
}

on_both_engines!(every_get_route_is_walked_or_excused);
