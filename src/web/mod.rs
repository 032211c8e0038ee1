//! HTTP: the public pages (DSFR), the JSON API and the operations
//! endpoints, on one axum router built the same way for `serve` and tests.

pub mod accessibilite;
pub mod api;
pub mod assets;
pub mod charts;
pub mod csrf;
pub mod demande;
pub mod demandes_api;
pub mod entreprises;
pub mod error;
pub mod espace;
pub mod evenements;
pub mod form;
pub mod integration;
pub mod layout;
pub mod liens;
pub mod metrics;
pub mod middleware;
pub mod pages;
pub mod ratelimit;
pub mod rejoindre;
pub mod routes;
pub mod search;
pub mod server;
pub mod stages;
pub mod statistiques;
pub mod suivi;
pub mod text_rule;

use crate::cache::VersionedCache;
use crate::catalogue::Catalogue;
use crate::config::Config;
use crate::import::{self, Progress};
use crate::jobs::Worker;
use crate::mail::Mailer;
use crate::requests::RequestService;
use crate::requests::entreprises::Entreprises;
use crate::search::{Search, SearchIndex};
use crate::security::Signer;
use crate::storage::Db;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::Gauge;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// What every handler can reach: a handle on [`Services`], cloned for
/// every request (one reference count, where cloning the parts themselves
/// cost two dozen contended ones per request, 4 % of an uncached search).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The service's parts, shared by every request.
pub struct Services {
    pub catalogue: Arc<Catalogue>,
    /// The in-memory search index, rebuilt when the catalogue changes.
    pub search: Arc<Search>,
    pub config: Arc<Config>,
    pub metrics: Arc<metrics::Metrics>,
    /// Rendered showcase pages and their JSON, for the current catalogue.
    pub pages: Arc<VersionedCache<Bytes>>,
    /// The open placement needs of the country, per catalogue version and
    /// day: every change of a need bumps the version (as the showcase's
    /// periods do), so `/stages` filters them in memory instead of reading
    /// thousands of rows per search.
    pub open_needs: Arc<VersionedCache<Arc<Vec<crate::storage::placements::BesoinRow>>>>,
    pub json: Arc<VersionedCache<Bytes>>,
    /// Answers of `GET /api/v1/recherche` by query string: popular searches
    /// repeat ("électricien" around Lyon), the index only changes with the
    /// catalogue.
    pub searches: Arc<VersionedCache<Bytes>>,
    /// Random id of this instance, prefixed to request ids.
    pub instance: u32,
    pub signer: Signer,
    pub requests: RequestService,
    /// The public statistics, kept a short while per query.
    pub stats: Arc<crate::stats::StatsService>,
    /// Coordinators' dashboards, kept a short while.
    pub dashboards: Arc<crate::territory::DashboardCache>,
    pub accounts: crate::accounts::AccountService,
    pub entreprises: Entreprises,
    pub limiter: Arc<ratelimit::RateLimiter>,
    /// Partner platforms' API keys, and the limit of each key's writes.
    pub api_keys: crate::partner_api::ApiKeys,
    pub key_limiter: Arc<ratelimit::RateLimiter<String>>,
    /// Delivers partners' webhooks (the worker).
    pub webhooks: crate::partner_api::Webhooks,
    /// Wakes the background worker when emails were queued.
    pub wake: Arc<tokio::sync::Notify>,
    /// The ProConnect client, when `MLP_PROCONNECT_*` is configured.
    pub proconnect: Option<Arc<crate::proconnect::ProConnect>>,
    /// The last health check.
    pub health: Arc<Health>,
    /// Where the time comes from: the system's clock, or a clock tests move.
    pub clock: Arc<dyn crate::clock::Clock>,
    /// The database's change counters, read afresh for the pages whose
    /// caches they key ([`AppState::current`]).
    pub versions: crate::cache::Fresh<crate::storage::versions::Versions>,
    /// The business figures of `/metrics`, read at most once per
    /// `config.metrics_max_age`: less than the shortest usual scrape
    /// interval (15 s), so that every scrape sees a new read, while a burst
    /// of scrapes costs one read (docs/benchmarks.md).
    business: crate::cache::Fresh<crate::storage::metrics::BusinessFigures>,
    /// One reload of the catalogue at a time.
    reloading: tokio::sync::Mutex<()>,
    /// The published events not over, per events counter and day:
    /// `/evenements` and the showcases filter them in memory.
    pub coming_events: VersionedCache<Arc<Vec<crate::storage::events::EventWithCounts>>>,
    /// Lists of lycées (`/lycees`, `GET /api/v1/lycees`), rendered, by
    /// query string, for the catalogue version read afresh: they depend on
    /// nothing else.
    pub listings: VersionedCache<Bytes>,
    /// `/evenements` as rendered, by catalogue version and query string,
    /// for the events counter read afresh, with the end of the soonest event it shows: past that
    /// instant an event is over and the page is made again.
    pub event_listings: VersionedCache<(Bytes, String)>,
    /// The public statistics as served (JSON, CSV, the page), each kept
    /// with the computation it was made from (`web::statistiques::kept`):
    /// no older than the figures themselves.
    pub stats_out: crate::cache::FreshCache<Bytes>,
}

impl AppState {
    pub async fn new(db: Db, config: Config) -> anyhow::Result<AppState> {
        AppState::with_clock(db, config, Arc::new(crate::clock::SystemClock)).await
    }

    /// The state with its time from `clock` (tests move a manual clock).
    pub async fn with_clock(db: Db, config: Config, clock: Arc<dyn crate::clock::Clock>) -> anyhow::Result<AppState> {
        let catalogue = Catalogue::new(db.clone()).await?;
        let index = SearchIndex::build(&db, catalogue.version()).await?;
        tracing::info!(
            textes = index.jobs.len(),
            lycees = index.lycees.len(),
            ms = index.build_time.as_millis() as u64,
            "index de recherche construit"
        );
        let signer = Signer::new(config.secret_key.expose());
        let proconnect = match &config.proconnect {
            Some(c) => Some(Arc::new(crate::proconnect::ProConnect::new(c.clone(), &config.base_url)?)),
            None => None,
        };
        let requests = RequestService {
            deadlines: config.deadlines,
            school: school_holidays(&config.data_dir).map(Arc::new),
            national_contact: config.contact_email.clone(),
            ..RequestService::new(db.clone(), signer.clone(), &config.base_url)
        };
        let reach_revision = requests.revision.clone();
        Ok(AppState(Arc::new(Services {
            proconnect,
            stats: Arc::new(crate::stats::StatsService::new(requests.clone())),
            dashboards: Arc::new(crate::territory::dashboard_cache()),
            requests,
            accounts: crate::accounts::AccountService::new(db.clone(), signer.clone(), &config.base_url)
                .with_reach_revision(reach_revision),
            entreprises: Entreprises::new(&config.entreprises_api_url),
            limiter: Arc::new(ratelimit::RateLimiter::new(config.rate_limit_per_minute)),
            api_keys: crate::partner_api::ApiKeys::new(db.clone(), &config.base_url),
            key_limiter: Arc::new(ratelimit::RateLimiter::new(config.api_key_rate_limit_per_minute)),
            webhooks: crate::partner_api::Webhooks::new(db.clone(), &config.base_url)?,
            wake: Arc::new(tokio::sync::Notify::new()),
            signer,
            catalogue: Arc::new(catalogue),
            search: Arc::new(Search::new(index)),
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::default()),
            pages: Arc::new(VersionedCache::new(256)),
            open_needs: Arc::new(VersionedCache::new(4)),
            json: Arc::new(VersionedCache::new(512)),
            searches: Arc::new(VersionedCache::new(256)),
            instance: rand::random(),
            health: Arc::new(Health::default()),
            clock,
            versions: crate::cache::Fresh::new(),
            business: crate::cache::Fresh::new(),
            reloading: tokio::sync::Mutex::new(()),
            coming_events: VersionedCache::new(4),
            listings: VersionedCache::new(512),
            event_listings: VersionedCache::new(256),
            stats_out: crate::cache::FreshCache::new(256, Duration::from_secs(3600)),
        })))
    }

    /// Every placement need open today, kept per catalogue version (each
    /// change of a need bumps it) and day: `/stages` and the coordinators'
    /// pôle de stages filter them in memory instead of reading 3,000 rows.
    pub async fn open_needs_today(&self) -> sqlx::Result<Arc<Vec<crate::storage::placements::BesoinRow>>> {
        let today = self.clock.now().date().to_string();
        let version = self.current().await?.catalogue;
        if let Some(needs) = self.open_needs.get(version, &today) {
            return Ok(needs);
        }
        let needs = Arc::new(crate::storage::placements::open_besoins(self.catalogue.db(), None, &today).await?);
        self.open_needs.insert(version, today, needs.clone());
        Ok(needs)
    }

    /// The database's change counters as of now (a read begun after this
    /// call, shared with concurrent callers: `cache::Fresh`), with this
    /// instance's catalogue brought to that version first: a change any
    /// instance committed shows at once on the pages keyed by them. The
    /// search index follows in the background, as after a change here.
    pub async fn current(&self) -> sqlx::Result<crate::storage::versions::Versions> {
        let db = self.catalogue.db();
        let v = self.versions.get(|| crate::storage::versions::read(db)).await?;
        if v.catalogue != self.catalogue.version() {
            let _one = self.reloading.lock().await;
            if v.catalogue != self.catalogue.version() && self.catalogue.refresh().await? {
                self.rebuild_search();
            }
        }
        Ok(v)
    }

    /// Rebuilds the search index for the current catalogue, in the
    /// background.
    pub fn rebuild_search(&self) {
        let (catalogue, search) = (self.catalogue.clone(), self.search.clone());
        tokio::spawn(async move {
            match SearchIndex::build(catalogue.db(), catalogue.version()).await {
                Ok(index) => search.replace(index),
                Err(e) => tracing::warn!(error = %e, "reconstruction de l'index de recherche impossible"),
            }
        });
    }

    /// The published events not over at `now` (all of France), soonest
    /// first, for the events counter `events`.
    pub async fn coming_events(
        &self,
        events: i64,
        now: time::OffsetDateTime,
    ) -> sqlx::Result<Arc<Vec<crate::storage::events::EventWithCounts>>> {
        // Kept for a day: an event over since is left out by its reader.
        let day = now.date().to_string();
        if let Some(all) = self.coming_events.get(events, &day) {
            return Ok(all);
        }
        let start = now.replace_time(time::Time::MIDNIGHT);
        let all =
            Arc::new(crate::storage::events::coming(self.catalogue.db(), &crate::clock::to_rfc3339(start)).await?);
        self.coming_events.insert(events, day, all.clone());
        Ok(all)
    }
}

/// Where the official school calendar (`fr-en-calendrier-scolaire`) is
/// read from, in the data directory.
pub const SCHOOL_CALENDAR: &str = "calendrier/fr-en-calendrier-scolaire.csv";

/// The school holidays of the data directory, when it has the official
/// school calendar: deadlines then skip them. Without it (or unreadable,
/// said in the logs), deadlines count every weekday but public holidays.
fn school_holidays(data_dir: &std::path::Path) -> Option<domain::calendar::SchoolHolidays> {
    let path = data_dir.join(SCHOOL_CALENDAR);
    let text = std::fs::read_to_string(&path).ok()?;
    match domain::calendar::SchoolHolidays::from_csv_text(&text) {
        Ok(h) => {
            tracing::info!(fichier = %path.display(), "calendrier scolaire chargé : les vacances ne comptent pas dans les délais");
            Some(h)
        }
        Err(e) => {
            tracing::warn!(fichier = %path.display(), erreur = %e, "calendrier scolaire illisible : ignoré");
            None
        }
    }
}

/// The router of the whole service.
pub fn router(state: AppState) -> Router {
    routes()
        .into_router()
        .layer(axum::middleware::from_fn(text_rule::refuse_control_characters))
        .layer(axum::middleware::from_fn_with_state(state.clone(), csrf::ensure_cookie))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::observe))
        .with_state(state)
}

/// Every route of the service, each path recorded as it is added: the
/// route walk and its test read them (`routes::GET_ROUTES`).
pub fn routes() -> routes::RouteBook {
    let api = routes::RouteBook::new()
        .route("/lycees", get(api::lycees))
        .route("/lycees/{uai}", get(api::lycee))
        .route("/communes", get(api::communes))
        .route("/metiers", get(api::metiers))
        .route("/recherche", get(search::api))
        .route("/demandes", get(demandes_api::list).post(demandes_api::create))
        .route("/demandes/{reference}", get(demandes_api::read))
        .route("/referentiels/actions", get(api::actions))
        .route("/statistiques", get(statistiques::api))
        .route("/statistiques.csv", get(statistiques::api_csv))
        .route("/openapi.json", get(api::openapi))
        .fallback(api::not_found);
    routes::RouteBook::new()
        .route("/", get(pages::home))
        .route("/lycees", get(pages::browse))
        .route("/lycees/{uai}", get(pages::lycee))
        .route("/recherche", get(search::page))
        .route("/stages", get(stages::page))
        .route("/stages/desinscription/{token}", get(stages::unsubscribe_form).post(stages::unsubscribe))
        .route("/demande", get(demande::start).post(demande::step))
        .route("/integration/demande", get(integration::start).post(integration::step))
        .route("/integration/demande/envoyee/{token}", get(integration::sent))
        .route("/suivi/{token}", get(suivi::page))
        .route("/evenements", get(evenements::list))
        .route("/evenements/{id}", get(evenements::show).post(evenements::register))
        .route("/evenements/inscription/{token}", get(evenements::registration))
        .route("/evenements/inscription/{token}/confirmer", axum::routing::post(evenements::confirm))
        .route("/evenements/inscription/{token}/annuler", axum::routing::post(evenements::cancel))
        .route("/evenements/inscription/{token}/invitation.ics", get(evenements::ics))
        .route("/suivi/{token}/message", axum::routing::post(suivi::message))
        .route("/suivi/{token}/annuler", axum::routing::post(suivi::cancel))
        .route("/suivi/{token}/nouveau-lien", axum::routing::post(suivi::renew))
        .route("/suivi/{token}/cloturer", axum::routing::post(suivi::close))
        .route("/suivi/{token}/relancer", axum::routing::post(suivi::reopen))
        .route("/suivi/{token}/avis", axum::routing::post(suivi::rate))
        .route("/avis/{token}", get(suivi::rating_page).post(suivi::rating_post))
        .route("/r/{token}", get(liens::view))
        .route("/r/{token}/prendre", get(liens::take_form).post(liens::take))
        .route("/r/{token}/decliner", get(liens::decline_form).post(liens::decline))
        .route("/r/{token}/cloturer", get(liens::close_form).post(liens::close))
        .route("/connexion", get(espace::page).post(espace::send))
        .route("/connexion/lien/{token}", get(espace::link_page).post(espace::link_open))
        .route("/connexion/proconnect", get(espace::proconnect::start))
        .route("/connexion/proconnect/retour", get(espace::proconnect::back))
        .route("/deconnexion", axum::routing::post(espace::sign_out))
        .route("/rejoindre", get(rejoindre::page).post(rejoindre::ask))
        .route("/rejoindre/{token}", get(rejoindre::decide_page).post(rejoindre::decide))
        .route("/espace", get(espace::demandes::inbox))
        .route("/espace/demandes.csv", get(espace::demandes::csv))
        .route("/espace/demandes.xlsx", get(espace::demandes::xlsx))
        .route("/espace/demandes/{reference}", get(espace::demandes::detail))
        .route("/espace/demandes/{reference}/{action}", axum::routing::post(espace::demandes::act))
        .route("/espace/lycees/{uai}/vitrine", get(espace::vitrine::show).post(espace::vitrine::save))
        .route("/espace/lycees/{uai}/pfmp", axum::routing::post(espace::vitrine::add_period))
        .route("/espace/lycees/{uai}/pfmp/{id}/supprimer", axum::routing::post(espace::vitrine::delete_period))
        .route("/espace/lycees/{uai}/stages", get(espace::stages::list).post(espace::stages::declare))
        .route("/espace/lycees/{uai}/stages/{id}", get(espace::stages::show))
        .route("/espace/lycees/{uai}/stages/{id}/{what}", axum::routing::post(espace::stages::act))
        .route("/espace/partenaires", get(espace::partenaires::list).post(espace::partenaires::create))
        .route("/espace/partenaires.csv", get(espace::partenaires::csv))
        .route("/espace/partenaires/{id}", get(espace::partenaires::show))
        .route("/espace/partenaires/{id}/{what}", axum::routing::post(espace::partenaires::act))
        .route("/espace/territoire", get(espace::territoire::show))
        .route("/espace/territoire/stages", get(espace::pole::show).post(espace::pole::point))
        .route("/espace/territoire/reaffecter", axum::routing::post(espace::territoire::reassign))
        .route("/espace/territoire/adresses", get(espace::adresses::show).post(espace::adresses::save))
        .route("/espace/territoire/adresses/import", axum::routing::post(espace::adresses::import))
        .route("/espace/territoire/{file}", get(espace::territoire::export))
        .route("/espace/evenements", get(espace::evenements::mine))
        .route("/espace/lycees/{uai}/evenements", get(espace::evenements::list).post(espace::evenements::create))
        .route("/espace/lycees/{uai}/evenements/{id}", get(espace::evenements::show).post(espace::evenements::save))
        .route("/espace/lycees/{uai}/evenements/{id}/annuler", axum::routing::post(espace::evenements::cancel))
        .route("/espace/lycees/{uai}/evenements/{id}/inscriptions.csv", get(espace::evenements::csv))
        .route("/espace/equipe", get(espace::equipe::show))
        .route("/espace/equipe/invitations", axum::routing::post(espace::equipe::invite_one))
        .route(
            "/espace/equipe/import",
            axum::routing::post(espace::equipe::import)
                .layer(axum::extract::DefaultBodyLimit::max(espace::equipe::MAX_IMPORT_BYTES + 64 * 1024)),
        )
        .route("/espace/equipe/adhesions/{id}/{decision}", axum::routing::post(espace::equipe::decide))
        .route("/admin", get(espace::admin::show))
        .route("/admin/coordinations", get(espace::coordinations::show).post(espace::coordinations::save))
        .route("/admin/invitations", axum::routing::post(espace::admin::invite))
        .route("/admin/comptes/{id}/retirer", axum::routing::post(espace::admin::revoke))
        .route("/admin/comptes/{id}/role", axum::routing::post(espace::admin::change_role))
        .route("/admin/comptes/{id}/reactiver", axum::routing::post(espace::admin::reactivate))
        .route("/admin/cles", axum::routing::post(espace::admin::create_key))
        .route("/admin/cles/{id}/revoquer", axum::routing::post(espace::admin::revoke_key))
        .route("/admin/referentiels", get(espace::referentiels::show))
        .route("/admin/donnees/export", axum::routing::post(espace::admin::export_data))
        .route("/admin/donnees/effacer", axum::routing::post(espace::admin::erase_data))
        .route("/accessibilite", get(accessibilite::page))
        .route("/mentions-legales", get(pages::mentions_legales))
        .route("/donnees-personnelles", get(pages::donnees_personnelles))
        .route("/plan-du-site", get(pages::plan_du_site))
        .route("/entreprises", get(entreprises::page))
        .route("/entreprises/pfmp", get(entreprises::pfmp))
        .route("/entreprises/apprentissage", get(entreprises::apprentissage))
        .route("/entreprises/taxe-apprentissage", get(entreprises::taxe_apprentissage))
        .route("/statistiques", get(statistiques::page))
        .route("/statistiques/donnees.csv", get(statistiques::open_data))
        .route("/static/{*path}", get(assets::serve))
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
        .route("/metrics", get(metrics_text))
        .nest("/api/v1", api)
        .fallback(pages::not_found)
}

/// How long a write check of `/healthz` stands for: probes every second
/// from a load balancer do not each write.
const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(2);

/// What `/healthz` says when this instance cannot write (the detail is
/// logged, never shown).
pub const HEALTH_CANNOT_WRITE: &str = "écriture impossible dans la base";
/// What `/healthz` says when the database does not answer.
pub const HEALTH_UNREACHABLE: &str = "base de données injoignable";

/// The last write check of `/healthz`: when, and what failed (one of the
/// fixed reasons above).
#[derive(Debug, Default)]
pub struct Health {
    last: tokio::sync::Mutex<Option<(std::time::Instant, Result<(), &'static str>)>>,
}

/// `GET /healthz`: 200 "ok" when this instance can read and write its
/// database, else 503 saying in a fixed French phrase what it cannot do —
/// so that an orchestrator replaces an instance that would acknowledge
/// what it cannot store — while the database's error goes to the logs.
async fn healthz(State(state): State<AppState>) -> Response {
    let mut last = state.health.last.lock().await;
    let fresh = last.as_ref().is_some_and(|(at, _)| at.elapsed() < HEALTH_CHECK_EVERY);
    if !fresh {
        let db = state.catalogue.db();
        let result = if db.ping().await {
            let instance = format!("{:x}", state.instance);
            // The database's own words go to the logs only: this answer
            // is public, and an error may name files, users or hosts.
            db.check_write(&instance, &crate::clock::now_rfc3339()).await.map_err(|e| {
                tracing::error!(erreur = %e, "contrôle de santé : écriture impossible dans la base");
                HEALTH_CANNOT_WRITE
            })
        } else {
            tracing::error!("contrôle de santé : base de données injoignable");
            Err(HEALTH_UNREACHABLE)
        };
        *last = Some((std::time::Instant::now(), result));
    }
    match last.as_ref().map(|(_, r)| r) {
        Some(Ok(())) => (StatusCode::OK, "ok").into_response(),
        Some(Err(why)) => (StatusCode::SERVICE_UNAVAILABLE, *why).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "état inconnu").into_response(),
    }
}

/// `GET /livez`: the process answers (no database); the trivial endpoint
/// benchmarks compare against.
async fn livez() -> &'static str {
    "ok"
}

/// Whether a request may read `/metrics`: with `MLP_METRICS_TOKEN`, only
/// with `Authorization: Bearer <token>`; without, only a client on the
/// loopback that did not come through a proxy (a forwarded request is not
/// a local one, whatever the socket says).
fn may_read_metrics(state: &AppState, client: std::net::IpAddr, headers: &axum::http::HeaderMap) -> bool {
    match &state.config.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
            .is_some_and(|given| crate::security::constant_time_eq(given, token.expose())),
        None => {
            client.is_loopback()
                && !["x-forwarded-for", "forwarded", "x-real-ip"].iter().any(|h| headers.contains_key(*h))
        }
    }
}

/// `GET /metrics` (Prometheus text format), for the operators only (404
/// for anyone else: nothing to probe).
async fn metrics_text(
    State(state): State<AppState>,
    demandes_api::ClientIp(client): demandes_api::ClientIp,
    headers: axum::http::HeaderMap,
) -> Response {
    if !may_read_metrics(&state, client, &headers) {
        return (StatusCode::NOT_FOUND, "introuvable").into_response();
    }
    let f = state.catalogue.figures();
    let mut gauges = vec![
        Gauge::plain("mlp_catalogue_lycees", "Lycées au catalogue.", f.lycees as f64),
        Gauge::plain("mlp_catalogue_version", "Version du catalogue servie.", state.catalogue.version() as f64),
        Gauge::plain("mlp_cache_pages", "Pages vitrines en cache.", state.pages.len() as f64),
        Gauge::plain(
            "mlp_search_index_bytes",
            "Taille de l'index des métiers.",
            state.search.index().jobs.memory_bytes() as f64,
        ),
    ];
    let read = || crate::storage::metrics::business_figures(state.catalogue.db(), state.clock.now());
    match state.business.within(state.config.metrics_max_age, read).await {
        Ok(b) => gauges.extend(business_gauges(&b)),
        // The HTTP figures are still worth serving; the missing series
        // (and /healthz) tell that the database did not answer.
        Err(e) => tracing::warn!(error = %e, "lecture des métriques métier impossible"),
    }
    let mut body = state.metrics.render(&gauges);
    body.push_str(
        "# HELP mlp_demandes_transitions_total Transitions du cycle de vie des demandes (par cette instance).\n\
         # TYPE mlp_demandes_transitions_total counter\n",
    );
    for (transition, n) in crate::requests::counters::snapshot() {
        body.push_str(&format!("mlp_demandes_transitions_total{{transition=\"{transition}\"}} {n}\n"));
    }
    body.push_str(&format!(
        "# HELP mlp_demandes_sans_contact_total Demandes que personne n'a pu recevoir à leur dépôt (par cette instance).\n\
         # TYPE mlp_demandes_sans_contact_total counter\nmlp_demandes_sans_contact_total {}\n",
        crate::requests::counters::no_contact_total()
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

/// The business figures as gauges (docs/operations.md § Métriques): read
/// from the database, so every instance serves the same values.
fn business_gauges(b: &crate::storage::metrics::BusinessFigures) -> Vec<Gauge> {
    let mut g = Vec::new();
    for (s, n) in &b.by_status {
        g.push(Gauge::labelled("mlp_demandes", "Demandes par statut.", "statut", s.code(), *n as f64));
    }
    for (o, n) in &b.by_outcome {
        g.push(Gauge::labelled("mlp_demandes_issues", "Demandes clôturées par issue.", "issue", o.code(), *n as f64));
    }
    g.push(Gauge::plain(
        "mlp_demandes_creees",
        "Demandes reçues depuis l'ouverture (doublons compris).",
        b.created as f64,
    ));
    g.push(Gauge::plain("mlp_demandes_routees", "Demandes transmises à au moins un lycée.", b.routed as f64));
    g.push(Gauge::plain("mlp_demandes_prises", "Demandes prises en charge par un lycée.", b.taken as f64));
    g.push(Gauge::plain(
        "mlp_demandes_sans_contact",
        "Demandes ouvertes que personne n'a pu recevoir (ni lycée, ni coordination, ni contact national).",
        b.without_contact as f64,
    ));
    for (s, n) in &b.emails {
        g.push(Gauge::labelled(
            "mlp_courriels",
            "Courriels de la file d'envoi par statut.",
            "statut",
            s.code(),
            *n as f64,
        ));
    }
    g.push(Gauge::plain(
        "mlp_courriels_plus_ancien_en_attente_secondes",
        "Âge du plus ancien courriel pas encore envoyé (0 sans attente).",
        b.oldest_unsent_secs as f64,
    ));
    for (s, n) in &b.webhooks {
        g.push(Gauge::labelled(
            "mlp_webhooks",
            "Événements des webhooks des plateformes partenaires par statut.",
            "statut",
            s.code(),
            *n as f64,
        ));
    }
    g.push(Gauge::plain(
        "mlp_webhooks_plus_ancien_en_attente_secondes",
        "Âge du plus ancien événement de webhook pas encore remis (0 sans attente).",
        b.oldest_undelivered_webhook_secs as f64,
    ));
    g.push(Gauge::plain(
        "mlp_echeancier_retard_secondes",
        "Retard de l'échéancier : âge de la plus ancienne échéance dépassée d'une demande ouverte (0 sans retard).",
        b.schedule_lag_secs as f64,
    ));
    g
}

/// Keeps the caches in step with the catalogue: another process (an
/// import, another instance) may change it at any time.
pub fn spawn_catalogue_watch(state: &AppState) -> tokio::task::JoinHandle<()> {
    let catalogue = state.catalogue.clone();
    let search = state.search.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            match catalogue.refresh().await {
                Ok(true) => {
                    tracing::info!(version = catalogue.version(), "catalogue rechargé");
                    match SearchIndex::build(catalogue.db(), catalogue.version()).await {
                        Ok(index) => search.replace(index),
                        Err(e) => tracing::warn!(error = %e, "reconstruction de l'index de recherche impossible"),
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "vérification du catalogue impossible"),
            }
        }
    })
}

/// Imports the reference data when the catalogue is empty (first start).
pub async fn import_if_empty(db: &Db, config: &Config) -> anyhow::Result<()> {
    let figures = crate::storage::catalogue::figures(db).await?;
    if figures.lycees > 0 {
        return Ok(());
    }
    tracing::info!(dossier = %config.data_dir.display(), "catalogue vide : import des données de référence");
    let opts = import::Options { data_dir: config.data_dir.clone(), only: None, force: false };
    let first = crate::refresh::Origin::FirstStart;
    for o in crate::refresh::import_recorded(db, &opts, first, &Progress::auto(), None).await? {
        tracing::info!(jeu = o.dataset.name(), resume = %o.summary, "données importées");
    }
    Ok(())
}

/// The background worker of an application state.
pub fn worker_of(state: &AppState, mailer: Mailer) -> Worker {
    Worker {
        requests: state.requests.clone(),
        search: state.search.clone(),
        mailer: Arc::new(mailer),
        id: format!("{}-{:x}", std::process::id(), rand::random::<u32>()),
        wake: state.wake.clone(),
        poll: Duration::from_secs(1),
        retry_base: crate::jobs::RETRY_BASE,
        clock: state.clock.clone(),
        periodic_every: crate::jobs::SCHEDULE_EVERY,
        retention_months: state.config.retention_months,
        webhooks: state.webhooks.clone(),
        refresh: crate::refresh::Schedule::of(&state.config),
    }
}

/// Serves the router of `state` on `listener` until `shutdown` completes,
/// within the limits of its configuration (`web::server`: read timeouts,
/// connection cap, bounded graceful shutdown), with each client's address
/// known to the handlers (rate limits).
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut limits = state.config.http.clone();
    // Every client comes through the reverse proxies: their connections
    // are many clients' (the global cap still applies).
    limits.per_ip_exempt.clone_from(&state.config.trusted_proxies);
    server::serve(listener, router(state), &limits, shutdown).await
}

/// `monlyceepro serve`: the site, its background worker and the watch of
/// the catalogue. On SIGTERM or Ctrl-C the connections and the worker stop
/// together, and both get at most `MLP_SHUTDOWN_GRACE_SECONDS` to finish.
pub async fn serve(db: Db, config: Config) -> anyhow::Result<()> {
    if let Some(soft) = server::raise_open_files_limit() {
        tracing::debug!(limite = soft, "limite de fichiers ouverts");
    }
    import_if_empty(&db, &config).await?;
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|e| anyhow::anyhow!("impossible d'écouter sur {} (MLP_BIND) : {e}", config.bind))?;
    let mailer = Mailer::new(config.smtp_url.as_deref(), &config.mail_from, &config.var_dir)?;
    let state = AppState::new(db, config).await?;
    let grace = state.config.http.shutdown_grace;
    let watch = spawn_catalogue_watch(&state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let worker = tokio::spawn(worker_of(&state, mailer).run(stop_rx.clone()));
    tracing::info!(adresse = %state.config.bind, url = %state.config.base_url, "MonLycéePro est en ligne");
    let signal = {
        let stop_tx = stop_tx.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop_tx.send(true);
        })
    };
    let mut server_stop = stop_rx.clone();
    let mut worker_stop = stop_rx;
    let (served, ()) = tokio::join!(
        async {
            let served = serve_on(listener, state, async move {
                let _ = server_stop.wait_for(|stop| *stop).await;
            })
            .await;
            // The server only returns after a stop, or on an error that
            // must stop the worker too.
            let _ = stop_tx.send(true);
            served
        },
        async move {
            let _ = worker_stop.wait_for(|stop| *stop).await;
            if tokio::time::timeout(grace, worker).await.is_err() {
                tracing::warn!(
                    "délai de grâce écoulé : travailleur arrêté au milieu de son lot (les courriels en cours repartiront)"
                );
            }
        },
    );
    signal.abort();
    watch.abort();
    served?;
    Ok(())
}

/// `monlyceepro worker`: only the background worker (several may run
/// against PostgreSQL).
pub async fn work(db: Db, config: Config) -> anyhow::Result<()> {
    let mailer = Mailer::new(config.smtp_url.as_deref(), &config.mail_from, &config.var_dir)?;
    let state = AppState::new(db, config).await?;
    let watch = spawn_catalogue_watch(&state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(worker_of(&state, mailer).run(stop_rx));
    tracing::info!("travailleur en service : envoi des courriels et relances");
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    watch.abort();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("arrêt demandé : fin des requêtes en cours");
}
