//! The route table: every path of the router is recorded as it is added
//! ([`RouteBook`]), and every path answering `GET` must be listed in
//! [`GET_ROUTES`], either with the URLs the benchmark and the route walk
//! request or with the reason it cannot be walked. A test
//! (`tests/it/routes.rs`) asks the real router which recorded paths answer
//! `GET` and fails when one is in neither list: a new page cannot escape
//! the benchmark (`bench/routes.sh`, issue 25).

use super::AppState;
use axum::Router;
use axum::routing::MethodRouter;

/// The router under construction and the paths added to it, in order.
/// Same calls as [`Router`] for what the service uses (`route`, `nest`,
/// `fallback`), so that adding a route reads the same.
pub struct RouteBook {
    router: Router<AppState>,
    paths: Vec<String>,
}

impl Default for RouteBook {
    fn default() -> Self {
        Self::new()
    }
}

impl RouteBook {
    pub fn new() -> RouteBook {
        RouteBook { router: Router::new(), paths: Vec::new() }
    }

    /// Adds a route, as [`Router::route`].
    pub fn route(mut self, path: &str, method_router: MethodRouter<AppState>) -> RouteBook {
        self.router = self.router.route(path, method_router);
        self.paths.push(path.to_string());
        self
    }

    /// Nests another book under `prefix`, as [`Router::nest`].
    pub fn nest(mut self, prefix: &str, other: RouteBook) -> RouteBook {
        self.router = self.router.nest(prefix, other.router);
        self.paths.extend(other.paths.into_iter().map(|p| format!("{prefix}{p}")));
        self
    }

    /// What answers a path no route matches, as [`Router::fallback`].
    pub fn fallback<H, T>(mut self, handler: H) -> RouteBook
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.fallback(handler);
        self
    }

    /// Every path added, nested ones with their prefix.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// Who asks for a page of the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visitor {
    /// No session, no key: a company, a search engine.
    Anyone,
    /// A business officer (RBE) signed in, for the lycée of [`Targets`].
    Rbe,
    /// The coordinator of the lycée's académie, signed in.
    Coordinator,
    /// A national administrator, signed in.
    Admin,
    /// A partner platform with its API key.
    Partner,
}

impl Visitor {
    pub fn name(self) -> &'static str {
        match self {
            Visitor::Anyone => "public",
            Visitor::Rbe => "rbe",
            Visitor::Coordinator => "coordinateur",
            Visitor::Admin => "admin",
            Visitor::Partner => "partenaire",
        }
    }
}

/// How a `GET` route is walked.
#[derive(Debug, Clone, Copy)]
pub enum Walk {
    /// These URLs, asked by this visitor; `{name}` is replaced by the
    /// value of `name` in [`Targets`].
    Get(Visitor, &'static [&'static str]),
    /// The same, for a route whose answer is a redirection (303).
    Redirects(Visitor, &'static [&'static str]),
    /// Not walked, and why.
    Skip(&'static str),
}

/// A route answering `GET`, and how the walk asks for it.
#[derive(Debug, Clone, Copy)]
pub struct GetRoute {
    /// As given to the router (`/lycees/{uai}`).
    pub path: &'static str,
    pub walk: Walk,
}

const fn get(path: &'static str, visitor: Visitor, urls: &'static [&'static str]) -> GetRoute {
    GetRoute { path, walk: Walk::Get(visitor, urls) }
}

const fn redirect(path: &'static str, visitor: Visitor, urls: &'static [&'static str]) -> GetRoute {
    GetRoute { path, walk: Walk::Redirects(visitor, urls) }
}

const fn skip(path: &'static str, why: &'static str) -> GetRoute {
    GetRoute { path, walk: Walk::Skip(why) }
}

use Visitor::{Admin, Anyone, Coordinator, Partner, Rbe};

/// Every route answering `GET`. The URLs are what a company or an officer
/// really asks: a typed place as a postcode, an INSEE code or a name, the
/// busiest lycée's inbox, the académie's dashboard.
pub const GET_ROUTES: &[GetRoute] = &[
    get("/livez", Anyone, &["/livez"]),
    get("/healthz", Anyone, &["/healthz"]),
    get("/metrics", Anyone, &["/metrics"]),
    get("/static/{*path}", Anyone, &["{static}"]),
    get("/", Anyone, &["/"]),
    get(
        "/lycees",
        Anyone,
        &[
            "/lycees",
            "/lycees?academie={academie}",
            "/lycees?departement=69",
            "/lycees?commune=69123",
            "/lycees?q=69003",
        ],
    ),
    get("/lycees/{uai}", Anyone, &["/lycees/{uai}"]),
    get(
        "/recherche",
        Anyone,
        &[
            "/recherche",
            "/recherche?q=electricien&commune=69123&rayon_km=30",
            "/recherche?q=boulanger&commune=Lyon&rayon_km=20",
            "/recherche?q=aide+soignant&commune=13001&rayon_km=30",
        ],
    ),
    get(
        "/stages",
        Anyone,
        &[
            "/stages",
            "/stages?q=electricien&commune=69123&rayon_km=30",
            "/stages?q=cuisine&commune=Marseille&rayon_km=50",
        ],
    ),
    get("/stages/desinscription/{token}", Anyone, &["/stages/desinscription/{unsubscribe}"]),
    get("/demande", Anyone, &["/demande", "/demande?q=electricien&commune=69123&rayon_km=30&action=pfmp"]),
    get("/integration/demande", Anyone, &["/integration/demande?partenaire={partner_key}"]),
    get(
        "/integration/demande/envoyee/{token}",
        Anyone,
        &["/integration/demande/envoyee/{partner_follow}?partenaire={partner_key}"],
    ),
    get("/suivi/{token}", Anyone, &["/suivi/{follow}"]),
    get("/evenements", Anyone, &["/evenements", "/evenements?commune=69123", "/evenements?commune=Lyon"]),
    get("/evenements/{id}", Anyone, &["/evenements/{event}"]),
    get("/evenements/inscription/{token}", Anyone, &["/evenements/inscription/{registration}"]),
    get(
        "/evenements/inscription/{token}/invitation.ics",
        Anyone,
        &["/evenements/inscription/{registration}/invitation.ics"],
    ),
    get("/avis/{token}", Anyone, &["/avis/{rating}"]),
    get("/r/{token}", Anyone, &["/r/{link}"]),
    get("/r/{token}/prendre", Anyone, &["/r/{link}/prendre"]),
    get("/r/{token}/decliner", Anyone, &["/r/{link}/decliner"]),
    get("/r/{token}/cloturer", Anyone, &["/r/{taken_link}/cloturer"]),
    get("/connexion", Anyone, &["/connexion"]),
    // Showing the page does not use the link: only its button does.
    get("/connexion/lien/{token}", Anyone, &["/connexion/lien/{sign_in}"]),
    skip("/connexion/proconnect", "redirects to the ProConnect provider (another site), which the bench does not run"),
    skip(
        "/connexion/proconnect/retour",
        "the ProConnect callback: needs a code the provider issued for a state this instance stored, once",
    ),
    get("/rejoindre", Anyone, &["/rejoindre"]),
    get("/rejoindre/{token}", Rbe, &["/rejoindre/{join}"]),
    get("/espace", Rbe, &["/espace", "/espace?statut=prise_en_charge"]),
    get("/espace/demandes.csv", Rbe, &["/espace/demandes.csv"]),
    get("/espace/demandes.xlsx", Rbe, &["/espace/demandes.xlsx"]),
    get("/espace/demandes/{reference}", Rbe, &["/espace/demandes/{reference}"]),
    get("/espace/lycees/{uai}/vitrine", Rbe, &["/espace/lycees/{uai}/vitrine"]),
    get("/espace/lycees/{uai}/stages", Rbe, &["/espace/lycees/{uai}/stages"]),
    get("/espace/lycees/{uai}/stages/{id}", Rbe, &["/espace/lycees/{uai}/stages/{need}"]),
    get("/espace/partenaires", Rbe, &["/espace/partenaires", "/espace/partenaires?q=a"]),
    get("/espace/partenaires.csv", Rbe, &["/espace/partenaires.csv"]),
    get("/espace/partenaires/{id}", Rbe, &["/espace/partenaires/{partner}"]),
    get("/espace/territoire", Coordinator, &["/espace/territoire", "/espace/territoire?action=pfmp"]),
    get("/espace/territoire/stages", Coordinator, &["/espace/territoire/stages"]),
    get("/espace/territoire/adresses", Coordinator, &["/espace/territoire/adresses"]),
    get(
        "/espace/territoire/{file}",
        Coordinator,
        &["/espace/territoire/demandes.csv", "/espace/territoire/lycees.xlsx"],
    ),
    // Sends an officer to their lycée's events.
    redirect("/espace/evenements", Rbe, &["/espace/evenements"]),
    get("/espace/lycees/{uai}/evenements", Rbe, &["/espace/lycees/{uai}/evenements"]),
    get("/espace/lycees/{uai}/evenements/{id}", Rbe, &["/espace/lycees/{uai}/evenements/{event}"]),
    get(
        "/espace/lycees/{uai}/evenements/{id}/inscriptions.csv",
        Rbe,
        &["/espace/lycees/{uai}/evenements/{event}/inscriptions.csv"],
    ),
    get("/espace/equipe", Coordinator, &["/espace/equipe"]),
    get("/admin", Admin, &["/admin"]),
    get("/admin/coordinations", Admin, &["/admin/coordinations"]),
    get("/admin/referentiels", Admin, &["/admin/referentiels"]),
    get("/accessibilite", Anyone, &["/accessibilite"]),
    get("/mentions-legales", Anyone, &["/mentions-legales"]),
    get("/donnees-personnelles", Anyone, &["/donnees-personnelles"]),
    get("/plan-du-site", Anyone, &["/plan-du-site"]),
    get("/entreprises", Anyone, &["/entreprises"]),
    get("/entreprises/pfmp", Anyone, &["/entreprises/pfmp"]),
    get("/entreprises/apprentissage", Anyone, &["/entreprises/apprentissage"]),
    get("/entreprises/taxe-apprentissage", Anyone, &["/entreprises/taxe-apprentissage"]),
    get("/statistiques", Anyone, &["/statistiques", "/statistiques?academie={academie}&action=pfmp"]),
    get("/statistiques/donnees.csv", Anyone, &["/statistiques/donnees.csv"]),
    get("/api/v1/lycees", Anyone, &["/api/v1/lycees?departement=69", "/api/v1/lycees?commune=69123&rayon_km=10"]),
    get("/api/v1/lycees/{uai}", Anyone, &["/api/v1/lycees/{uai}"]),
    get(
        "/api/v1/communes",
        Anyone,
        &[
            "/api/v1/communes?q=lyon",
            "/api/v1/communes?q=69003",
            "/api/v1/communes?q=st+etienne",
            "/api/v1/communes?q=69123",
        ],
    ),
    get("/api/v1/metiers", Anyone, &["/api/v1/metiers?q=electricien"]),
    get(
        "/api/v1/recherche",
        Anyone,
        &[
            "/api/v1/recherche?q=electricien&commune=69123&rayon_km=30",
            "/api/v1/recherche?q=cuisinier&lat=43.3&lon=5.4",
        ],
    ),
    get("/api/v1/demandes", Partner, &["/api/v1/demandes?depuis={since}"]),
    get("/api/v1/demandes/{reference}", Anyone, &["/api/v1/demandes/{reference}?jeton={follow}"]),
    get("/api/v1/referentiels/actions", Anyone, &["/api/v1/referentiels/actions"]),
    get("/api/v1/statistiques", Anyone, &["/api/v1/statistiques", "/api/v1/statistiques?academie={academie}"]),
    get("/api/v1/statistiques.csv", Anyone, &["/api/v1/statistiques.csv"]),
    get("/api/v1/openapi.json", Anyone, &["/api/v1/openapi.json"]),
];

/// The listed route of a router path, if any.
pub fn listed(path: &str) -> Option<&'static GetRoute> {
    GET_ROUTES.iter().find(|r| r.path == path)
}

/// A router path with each parameter replaced by `x`: a URL the router
/// matches to that path (to ask which methods it answers).
pub fn probe_url(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') && seg.ends_with('}') { "x" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// One request of the walk: the route it exercises, who asks, the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub route: &'static str,
    pub visitor: Visitor,
    pub url: String,
    /// 200, or 303 for a redirection.
    pub status: u16,
}

/// The values of the walk's `{placeholders}`, read from a seeded database
/// (`crate::seed`): the benchmark officer's lycée, one of its requests,
/// events, needs and partners, and the signed links a company or an
/// officer would hold; and each visitor's credentials.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    values: std::collections::HashMap<&'static str, String>,
    /// `Cookie` or `Authorization` header of each visitor.
    credentials: Vec<(Visitor, String, String)>,
}

impl Targets {
    /// Finds the targets in the database of `state`, seeded by
    /// `crate::seed`; `partner_key` is the key the seed printed for its
    /// first platform. Opens a session for each signed-in visitor.
    pub async fn find(
        state: &AppState,
        partner_key: Option<&str>,
        now: time::OffsetDateTime,
    ) -> anyhow::Result<Targets> {
        use crate::seed::{BENCH_ADMIN, BENCH_COORDINATOR, BENCH_RBE, PARTNER_PLATFORMS};
        use crate::storage::{self, requests::Perimeter};
        use anyhow::Context;
        let db = state.catalogue.db();
        let index = state.search.index();
        let mut t = Targets::default();
        for (visitor, email) in
            [(Visitor::Rbe, BENCH_RBE), (Visitor::Coordinator, BENCH_COORDINATOR), (Visitor::Admin, BENCH_ADMIN)]
        {
            let account = storage::accounts::compte_by_email(db, email)
                .await?
                .with_context(|| format!("compte {email} absent : base remplie par `monlyceepro seed` ?"))?;
            let (session, _) = state
                .accounts
                .open_session(&account.id, "banc de mesure", now)
                .await?
                .with_context(|| format!("session de {email} impossible"))?;
            t.credentials.push((visitor, "Cookie".into(), format!("{}={session}", super::espace::SESSION_COOKIE)));
        }
        if let Some(key) = partner_key {
            t.credentials.push((Visitor::Partner, "Authorization".into(), format!("Bearer {key}")));
        }
        let rbe = storage::accounts::compte_by_email(db, BENCH_RBE).await?.context("compte du banc")?;
        let uai = storage::accounts::lycees_of(db, &rbe.id).await?.into_iter().next().context("lycée du banc")?;
        let academie = index.lycee(&uai).and_then(|l| l.academie.clone()).unwrap_or_default();
        let lycees = [uai.clone()];
        let perimeter = Perimeter { national: false, academie: None, lycees: &lycees };
        let mut inbox = storage::requests::inbox(db, &perimeter, true, 500).await?;
        inbox.extend(storage::requests::inbox(db, &perimeter, false, 500).await?);
        let open = inbox.iter().find(|d| d.statut.is_open()).or(inbox.first()).context("aucune demande du lycée")?;
        let taken = inbox
            .iter()
            .find(|d| {
                d.statut == domain::lifecycle::RequestStatus::PriseEnCharge
                    && d.responsable_uai.as_deref() == Some(&uai)
            })
            .unwrap_or(open);
        let closed = inbox.iter().find(|d| d.statut == domain::lifecycle::RequestStatus::Cloturee).unwrap_or(open);
        let (_, from_partner) = storage::api_keys::partner_requests(db, PARTNER_PLATFORMS[0], "", 1, 0).await?;
        let event = storage::events::of_lycee(db, &uai)
            .await?
            .into_iter()
            .filter(|e| crate::events::open(&e.event, now) && e.confirmees > 0)
            .min_by(|a, b| a.event.debut.cmp(&b.event.debut))
            .context("aucun événement à venir du lycée")?;
        let registration = storage::events::registrations(db, &event.event.id)
            .await?
            .into_iter()
            .find(|r| r.etat == domain::events::RegistrationState::Confirmee)
            .context("aucune inscription confirmée")?;
        let registration_link =
            crate::events::link(&state.signer, "", &registration.id, now + time::Duration::days(30));
        let need = storage::placements::besoins_of(db, &uai)
            .await?
            .into_iter()
            .find(|n| n.statut == domain::placements::NeedStatus::Ouvert)
            .context("aucun besoin du lycée")?;
        let partner =
            storage::partners::list(db, &lycees, "", "").await?.into_iter().next().context("aucun partenaire")?;
        let join = storage::accounts::pending_adhesions(db, Some(&lycees[..]))
            .await?
            .into_iter()
            .next()
            .context("aucune demande d'adhésion")?;
        let requests = &state.requests;
        let values: [(&'static str, String); 18] = [
            ("uai", uai.clone()),
            ("academie", academie),
            ("reference", open.reference.clone()),
            ("follow", requests.follow_token(open)),
            ("link", requests.link_token(&open.id, &uai, now)),
            ("taken_link", requests.link_token(&taken.id, &uai, now)),
            ("rating", requests.rating_token(&closed.id, now)),
            ("partner_key", PARTNER_PLATFORMS[0].replace(' ', "+")),
            (
                "partner_follow",
                from_partner.first().map(|d| requests.follow_token(d)).unwrap_or_else(|| requests.follow_token(open)),
            ),
            ("since", crate::clock::to_rfc3339(now - time::Duration::days(30))),
            ("event", event.event.id.clone()),
            ("registration", registration_link.rsplit('/').next().unwrap_or_default().to_string()),
            ("need", need.id),
            ("partner", partner.id),
            ("join", state.accounts.join_token(&join.id, now)),
            (
                "unsubscribe",
                crate::placements::unsubscribe_token(
                    &state.signer,
                    &uai,
                    "contact@partenaire.example",
                    now.unix_timestamp(),
                ),
            ),
            ("sign_in", "lien-de-connexion-du-banc-de-mesure".into()),
            ("static", super::assets::APP_CSS.into()),
        ];
        t.values.extend(values);
        Ok(t)
    }

    /// `url` with its placeholders filled; `Err` names a missing one.
    pub fn fill(&self, url: &str) -> Result<String, String> {
        let mut out = String::with_capacity(url.len() + 64);
        let mut rest = url;
        while let Some(start) = rest.find('{') {
            let end = rest[start..].find('}').map(|e| start + e).ok_or_else(|| url.to_string())?;
            out.push_str(&rest[..start]);
            let name = &rest[start + 1..end];
            out.push_str(self.values.get(name).ok_or_else(|| name.to_string())?);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The header (name, value) a visitor sends, if any.
    pub fn credentials(&self, visitor: Visitor) -> Option<(&str, &str)> {
        self.credentials.iter().find(|(v, _, _)| *v == visitor).map(|(_, n, v)| (n.as_str(), v.as_str()))
    }

    /// Every request of the walk, in the order of [`GET_ROUTES`].
    pub fn visits(&self) -> Result<Vec<Visit>, String> {
        let mut out = Vec::new();
        for r in GET_ROUTES {
            let (visitor, urls, status) = match r.walk {
                Walk::Get(v, urls) => (v, urls, 200),
                Walk::Redirects(v, urls) => (v, urls, 303),
                Walk::Skip(_) => continue,
            };
            for u in urls {
                out.push(Visit { route: r.path, visitor, url: self.fill(u)?, status });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_and_lists() {
        assert_eq!(probe_url("/espace/lycees/{uai}/stages/{id}"), "/espace/lycees/x/stages/x");
        assert_eq!(probe_url("/static/{*path}"), "/static/x");
        assert_eq!(probe_url("/livez"), "/livez");
        assert!(listed("/lycees/{uai}").is_some());
        assert!(listed("/nulle-part").is_none());
        let mut paths: Vec<&str> = GET_ROUTES.iter().map(|r| r.path).collect();
        paths.sort_unstable();
        let n = paths.len();
        paths.dedup();
        assert_eq!(paths.len(), n, "each route listed once");
        let mut t = Targets::default();
        t.values.insert("uai", "0690043X".into());
        assert_eq!(t.fill("/lycees/{uai}?q={uai}").as_deref(), Ok("/lycees/0690043X?q=0690043X"));
        assert_eq!(t.fill("/e/{event}"), Err("event".to_string()));
    }
}
