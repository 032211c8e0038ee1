//! The route walk of the benchmark (issue 25), at a small volume so that
//! it cannot rot: the seeding command fills a database, every path the
//! router answers `GET` on is either walked or listed with why it is not
//! (`web::routes::GET_ROUTES`), and every URL walked answers 200 on the
//! seeded data, for the visitor the benchmark uses.

use crate::on_both_engines;
use crate::support::{Engine, TestApp};
use monlyceepro::clock::Clock;
use monlyceepro::seed::{self, Volume};
use monlyceepro::web::routes::{self, Targets, Walk};
use reqwest::StatusCode;

async fn every_get_route_is_walked_or_excused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let now = app.clock.now();
    let report = seed::seed(&app.state, Volume::Small, now).await.expect("remplissage");
    let statuses: Vec<&str> = report.statuses.iter().filter(|(_, n)| *n > 0).map(|(s, _)| s.code()).collect();
    for wanted in ["transmise", "prise_en_charge", "cloturee", "annulee", "sans_reponse"] {
        assert!(statuses.contains(&wanted), "{wanted} parmi {statuses:?}");
    }
    assert_eq!(report.unscheduled, 0, "rien n'est laissé dû au travailleur");
    let (_, key) = report.keys.first().expect("clé de plateforme").clone();
    // Seeding twice would double the requests: refused.
    let again = seed::seed(&app.state, Volume::Small, now).await;
    assert!(again.is_err_and(|e| e.to_string().contains("contient déjà")));

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
}

on_both_engines!(every_get_route_is_walked_or_excused);
