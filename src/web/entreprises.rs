//! The guide for companies (`/entreprises`): the ways of working with a
//! lycée, each with a button that starts its request, and the pages an
//! employer reads before saying yes (PFMP, apprenticeship, the
//! apprenticeship tax). Static pages: no state, no JavaScript.

use super::error::render;
use super::layout::{Chrome, Crumb};
use crate::guidance::{self, Way};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

/// The guide's home, the first crumb of its other pages.
const GUIDE: &str = "Travailler avec un lycée";

#[derive(Template)]
#[template(path = "entreprises.html")]
struct GuidePage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: &'static str,
    ways: Vec<Way>,
}

/// `GET /entreprises`.
pub async fn page() -> Response {
    render(
        StatusCode::OK,
        &GuidePage {
            chrome: Chrome::new("entreprises"),
            crumbs: vec![Crumb::new("Accueil", "/")],
            here: GUIDE,
            ways: guidance::ways(),
        },
    )
}

/// One page of the guide below `/entreprises`.
#[derive(Template)]
#[template(path = "entreprises_page.html")]
struct TopicPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: &'static str,
    /// Which page: "pfmp", "apprentissage" or "taxe".
    topic: &'static str,
}

fn topic(here: &'static str, topic: &'static str) -> Response {
    let crumbs = vec![Crumb::new("Accueil", "/"), Crumb::new(GUIDE, "/entreprises")];
    render(StatusCode::OK, &TopicPage { chrome: Chrome::new("entreprises"), crumbs, here, topic })
}

/// `GET /entreprises/pfmp`.
pub async fn pfmp() -> Response {
    topic("Accueillir un élève en PFMP", "pfmp")
}

/// `GET /entreprises/apprentissage`.
pub async fn apprentissage() -> Response {
    topic("Recruter un apprenti", "apprentissage")
}

/// `GET /entreprises/taxe-apprentissage`.
pub async fn taxe_apprentissage() -> Response {
    topic("Soutenir un lycée avec la taxe d'apprentissage", "taxe")
}
