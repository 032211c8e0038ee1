//! The public pages: home, browsing by place, a lycée's showcase, and the
//! legal pages. Every page works without JavaScript.

use super::AppState;
use super::error::{PageError, render};
use super::layout::{Chrome, Crumb, km, thousands};
use crate::catalogue::{LyceeDetail, LyceeSummary};
use crate::storage::catalogue::{self as q, LyceeFilter};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{ActionType, Uai};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    lycees: String,
    diplomes: String,
    metiers: String,
    eleves: String,
    eleves_rentree: Option<i64>,
    actions: &'static [ActionType],
    /// The last 12 months of requests, once they can be published.
    headline: Option<super::statistiques::Headline>,
}

/// `GET /`.
pub async fn home(State(state): State<AppState>) -> Response {
    let f = state.catalogue.figures();
    render(
        StatusCode::OK,
        &HomePage {
            chrome: Chrome::new("accueil"),
            lycees: thousands(f.lycees),
            diplomes: thousands(f.diplomes),
            metiers: thousands(f.metiers),
            eleves: thousands(f.eleves),
            eleves_rentree: f.eleves_rentree,
            actions: &ActionType::ALL,
            headline: super::statistiques::headline(&state).await,
        },
    )
}

/// A place in a browse list.
struct Area {
    label: String,
    href: String,
    count: String,
}

#[derive(Template)]
#[template(path = "browse.html")]
struct BrowsePage {
    chrome: Chrome,
    title: String,
    crumbs: Vec<Crumb>,
    here: String,
    query: String,
    notice: Option<String>,
    areas_title: String,
    areas: Vec<Area>,
    lycees_title: String,
    lycees: Vec<LyceeSummary>,
}

impl LyceeSummary {
    /// "1,3 km" when the list is around a place.
    pub fn distance_label(&self) -> Option<String> {
        self.distance_km.map(km)
    }
}

impl BrowsePage {
    fn new(title: impl Into<String>) -> BrowsePage {
        let title = title.into();
        BrowsePage {
            chrome: Chrome::new("lycees"),
            here: title.clone(),
            title,
            crumbs: vec![Crumb::new("Accueil", "/")],
            query: String::new(),
            notice: None,
            areas_title: String::new(),
            areas: Vec::new(),
            lycees_title: String::new(),
            lycees: Vec::new(),
        }
    }
}

/// "12\u{a0}lycées", "1\u{a0}lycée" (see `domain::text::count_of`).
fn plural(n: i64, one: &str, many: &str) -> String {
    domain::text::count_of(n, one, many)
}

/// `GET /lycees`: académies → départements → communes → lycées, and a
/// commune search (`?q=`).
pub async fn browse(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    // The lists depend on the catalogue alone: kept per version (read
    // afresh) and query string.
    let version = state.current().await?.catalogue;
    let key = raw.unwrap_or_default();
    if let Some(b) = state.listings.get(version, &key) {
        return Ok(html(b));
    }
    let get = |k: &str| params.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let page = if let Some(code) = get("commune") {
        browse_commune(&state, code).await?
    } else if let Some(code) = get("departement") {
        browse_departement(&state, code).await?
    } else if let Some(code) = get("academie") {
        browse_academie(&state, code).await?
    } else if let Some(text) = get("q") {
        browse_search(&state, text).await?
    } else {
        let mut p = BrowsePage::new("Les lycées professionnels par académie");
        p.areas_title = "Choisissez une académie".into();
        p.areas = q::academies_with_counts(state.catalogue.db())
            .await?
            .into_iter()
            .map(|a| Area {
                href: format!("/lycees?academie={}", a.code),
                label: a.nom,
                count: plural(a.lycees, "lycée", "lycées"),
            })
            .collect();
        p
    };
    let b = Bytes::from(page.render().map_err(|e| PageError::Internal(format!("gabarit : {e}")))?);
    if key.len() <= LISTING_KEY_MAX {
        state.listings.insert(version, key, b.clone());
    }
    Ok(html(b))
}

/// Longest query string whose list is kept (longer ones are computed).
pub const LISTING_KEY_MAX: usize = 200;

fn html(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

async fn browse_academie(state: &AppState, code: &str) -> Result<BrowsePage, PageError> {
    let db = state.catalogue.db();
    let a = q::academie(db, code).await?.ok_or(PageError::NotFound)?;
    let mut p =
        BrowsePage::new(format!("Les lycées professionnels de l'académie {}", domain::text::of_place(&a.libelle)));
    p.crumbs.push(Crumb::new("Les lycées", "/lycees"));
    p.here = format!("Académie {}", domain::text::of_place(&a.libelle));
    p.areas_title = "Choisissez un département".into();
    p.areas = q::departements_with_counts(db, &a.code)
        .await?
        .into_iter()
        .map(|d| Area {
            href: format!("/lycees?departement={}", d.code),
            label: format!("{} ({})", d.nom, d.code),
            count: plural(d.lycees, "lycée", "lycées"),
        })
        .collect();
    Ok(p)
}

async fn browse_departement(state: &AppState, code: &str) -> Result<BrowsePage, PageError> {
    let db = state.catalogue.db();
    let d = q::departement(db, &code.to_ascii_uppercase()).await?.ok_or(PageError::NotFound)?;
    let mut p = BrowsePage::new(format!("Les lycées professionnels du département {} ({})", d.nom, d.code));
    p.crumbs.push(Crumb::new("Les lycées", "/lycees"));
    if let Some(ac) = &d.academie_code
        && let Some(a) = q::academie(db, ac).await?
    {
        p.crumbs.push(Crumb::new(
            format!("Académie {}", domain::text::of_place(&a.libelle)),
            format!("/lycees?academie={}", a.code),
        ));
    }
    p.here = format!("{} ({})", d.nom, d.code);
    p.areas_title = "Par commune".into();
    p.areas = q::communes_with_counts(db, &d.code)
        .await?
        .into_iter()
        .map(|c| Area {
            href: format!("/lycees?commune={}", c.code),
            label: c.nom,
            count: plural(c.lycees, "lycée", "lycées"),
        })
        .collect();
    let rows =
        state.catalogue.list(LyceeFilter { departement: Some(d.code.clone()), ..LyceeFilter::default() }, None).await?;
    p.lycees_title = plural(rows.len() as i64, "lycée dans le département", "lycées dans le département");
    p.lycees = state.catalogue.summaries(rows).await?;
    Ok(p)
}

async fn browse_commune(state: &AppState, code: &str) -> Result<BrowsePage, PageError> {
    let db = state.catalogue.db();
    let index = state.search.index();
    let c = index.places.get(&code.to_ascii_uppercase()).ok_or(PageError::NotFound)?;
    let mut p = BrowsePage::new(format!("Les lycées professionnels {}", domain::text::at_place(&c.nom)));
    p.crumbs.push(Crumb::new("Les lycées", "/lycees"));
    if let Some(d) = q::departement(db, &c.departement).await? {
        if let Some(ac) = &d.academie_code
            && let Some(a) = q::academie(db, ac).await?
        {
            p.crumbs.push(Crumb::new(
                format!("Académie {}", domain::text::of_place(&a.libelle)),
                format!("/lycees?academie={}", a.code),
            ));
        }
        p.crumbs.push(Crumb::new(format!("{} ({})", d.nom, d.code), format!("/lycees?departement={}", d.code)));
    }
    p.here = c.nom.clone();
    // A whole city (Paris, Lyon, Marseille) stands for its arrondissements.
    let mut communes = vec![c.code_insee.clone()];
    communes.extend(index.places.arrondissements(&c.code_insee).map(|a| a.code_insee.clone()));
    let rows = state.catalogue.list(LyceeFilter { communes, ..LyceeFilter::default() }, None).await?;
    if rows.is_empty() {
        let nearest = match c.position {
            Some(center) => state.catalogue.list(LyceeFilter::default(), Some((center, 50.0))).await?,
            None => Vec::new(),
        };
        let nearest: Vec<_> = nearest.into_iter().take(10).collect();
        p.notice = Some(if nearest.is_empty() {
            format!("Aucun lycée professionnel {} ni à moins de 50\u{a0}km.", domain::text::at_place(&c.nom))
        } else {
            format!(
                "Aucun lycée professionnel {}\u{a0}: voici les plus proches, à moins de 50\u{a0}km.",
                domain::text::at_place(&c.nom)
            )
        });
        p.lycees_title = "Les lycées les plus proches".into();
        p.lycees = state.catalogue.summaries(nearest).await?;
    } else {
        p.lycees_title = plural(rows.len() as i64, "lycée", "lycées");
        p.lycees = state.catalogue.summaries(rows).await?;
    }
    Ok(p)
}

async fn browse_search(state: &AppState, text: &str) -> Result<BrowsePage, PageError> {
    let text: String = text.chars().take(100).collect();
    let index = state.search.index();
    let communes = index.places.find_tolerant(&text, 20);
    let mut p = BrowsePage::new(format!("Communes correspondant à «\u{a0}{text}\u{a0}»"));
    p.crumbs.push(Crumb::new("Les lycées", "/lycees"));
    p.query = text.clone();
    if communes.is_empty() {
        p.notice = Some(format!(
            "Aucune commune ne correspond à «\u{a0}{text}\u{a0}». Vérifiez l'orthographe ou essayez un code postal (par exemple 69003)."
        ));
    }
    p.areas_title = "Choisissez la commune".into();
    p.areas = communes
        .into_iter()
        .map(|c| Area {
            href: format!("/lycees?commune={}", c.code_insee),
            label: format!("{} ({})", c.nom, c.departement),
            count: match c.postcodes.as_slice() {
                [] => String::new(),
                [one] => one.clone(),
                [first, .., last] => format!("{first} à {last}"),
            },
        })
        .collect();
    Ok(p)
}

#[derive(Template)]
#[template(path = "lycee.html")]
struct LyceePage<'a> {
    chrome: Chrome,
    l: &'a LyceeDetail,
    crumbs: Vec<Crumb>,
    here: String,
    formation_count: String,
    job_count: String,
    /// "1 234" and the rentrée of the count.
    student_count: Option<(String, i64)>,
    position_text: String,
    vitrine: Option<Showcase>,
    /// The business office's contact, when the lycée published it: the
    /// first contact of the page's one contact block.
    bde: Option<OfficeContact>,
    /// The day the page is written (ISO), for diplomas closed since.
    today: String,
    /// The lycée's open placement needs, soonest first.
    needs: Vec<PublicNeed>,
    /// The lycée's coming events open to companies.
    coming: Vec<crate::web::evenements::Shown>,
    /// Its events of the last twelve months (not cancelled).
    past: Vec<crate::web::evenements::Shown>,
    /// Someone at the lycée reads what MonLycéePro sends it
    /// ([`domain::reach::Contacts::reachable`]); when not, the company is
    /// told before it writes that its request goes through the
    /// coordination.
    reachable: bool,
    /// Who a request goes through when the lycée cannot be reached ("la
    /// coordination école-entreprise de l'académie de Lyon"); empty when
    /// nobody can be written to at all.
    via: String,
}

/// A placement need as companies read it (showcase, `/stages`).
pub struct PublicNeed {
    /// "Nous cherchons encore des entreprises pour accueillir 6 élèves de…".
    pub sentence: String,
    pub note: Option<String>,
    /// The request journey pre-filled to offer to host.
    pub offer_href: String,
    /// The diploma, for the button's accessible name.
    pub diploma: String,
}

impl PublicNeed {
    pub fn of(index: &crate::search::SearchIndex, n: &crate::storage::placements::BesoinRow) -> PublicNeed {
        let diploma = crate::placements::diploma_label(index, &n.uai, &n.diplome);
        PublicNeed {
            sentence: crate::placements::need_sentence(&diploma, n.places, &n.debut, &n.fin),
            note: n.note.clone(),
            offer_href: crate::placements::offer_path(index, n),
            diploma,
        }
    }
}

impl LyceePage<'_> {
    /// "académie de Lyon", "académie d'Aix-Marseille".
    fn academie_label(&self) -> Option<String> {
        self.l.academie.as_ref().map(|a| format!("académie {}", domain::text::of_place(&a.nom)))
    }

    /// Whether the page knows a way to reach the lycée.
    fn any_contact(&self) -> bool {
        self.bde.is_some() || self.l.has_contact()
    }
}

/// The business office's contact as the lycée published it.
struct OfficeContact {
    name: Option<String>,
    email: Option<String>,
    telephone: Option<String>,
}

impl Showcase {
    /// Whether the lycée says something of itself besides its contact.
    fn has_presentation(&self) -> bool {
        self.presentation.is_some()
            || self.plateaux.is_some()
            || self.reussites.is_some()
            || self.horaires.is_some()
            || !self.accepts.is_empty()
            || !self.periods.is_empty()
            || self.paused
    }
}

impl OfficeContact {
    /// "Mme Martin — bde@lycee.fr": who to write to, as the link says it.
    fn email_line(&self) -> String {
        [self.name.as_deref(), self.email.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" — ")
    }

    fn phone_href(&self) -> String {
        self.telephone.as_deref().unwrap_or("").chars().filter(|c| !c.is_whitespace()).collect()
    }
}

/// What the lycée says of itself, ready to show (Markdown made safe).
struct Showcase {
    presentation: Option<String>,
    plateaux: Option<String>,
    reussites: Option<String>,
    horaires: Option<String>,
    /// The business office's contact, when the lycée agreed to show it
    /// (moved to the page's contact block).
    bde: Option<OfficeContact>,
    /// Labels of the actions accepted (empty: all).
    accepts: Vec<&'static str>,
    paused: bool,
    /// "Bac pro MELEC (2026-2027) : du 04/01/2027 au 12/02/2027".
    periods: Vec<String>,
}

async fn showcase(db: &crate::storage::Db, l: &LyceeDetail) -> sqlx::Result<Option<Showcase>> {
    use crate::storage::vitrines;
    use domain::text::short_date;
    let uai = l.uai.as_str();
    let v = vitrines::vitrine(db, uai).await?;
    let d = vitrines::disponibilite(db, uai).await?;
    let periods: Vec<String> = vitrines::periodes(db, uai)
        .await?
        .into_iter()
        .map(|p| {
            let diploma =
                l.formations.iter().find(|f| f.cfd == p.diplome).map_or(p.diplome.as_str(), |f| f.libelle.as_str());
            format!("{diploma} ({}) : du {} au {}", p.annee, short_date(&p.debut), short_date(&p.fin))
        })
        .collect();
    if v.is_none() && d.is_none() && periods.is_empty() {
        return Ok(None);
    }
    let v = v.unwrap_or_default();
    let d = d.unwrap_or_default();
    let md = |t: &str| (!t.trim().is_empty()).then(|| crate::markdown::to_safe_html(t));
    let given = |f: &Option<String>| f.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    let bde = v
        .bde_public
        .then(|| OfficeContact {
            name: given(&v.bde_nom),
            email: given(&v.bde_email),
            telephone: given(&v.bde_telephone),
        })
        .filter(|c| c.name.is_some() || c.email.is_some() || c.telephone.is_some());
    Ok(Some(Showcase {
        presentation: md(&v.presentation),
        plateaux: md(&v.plateaux),
        reussites: md(&v.reussites),
        horaires: md(&v.horaires),
        bde,
        accepts: d
            .actions
            .as_deref()
            .map(|a| a.split(',').filter_map(domain::ActionType::from_code).map(domain::ActionType::label).collect())
            .unwrap_or_default(),
        paused: d.en_pause,
        periods,
    }))
}

/// `GET /lycees/{uai}`: the showcase. The rendered page is cached, keyed
/// by the change counters it depends on, read afresh.
pub async fn lycee(
    State(state): State<AppState>,
    Path(uai): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let uai: Uai = uai.parse().map_err(|_| PageError::NotFound)?;
    // The page is kept for one catalogue version (the showcase, its
    // periods and needs) and one state of the events (a new one, a
    // change, a place taken), both read afresh, and one day (whether a
    // diploma has closed as of today, which events are over).
    let versions = state.current().await?;
    let version = versions.catalogue;
    let now = state.clock.now();
    let today = now.date().to_string();
    // An event ending today moves from "coming" to "past": the count of
    // the lycée's events not over is part of the key.
    let live = state
        .coming_events(versions.events, now)
        .await?
        .iter()
        .filter(|e| e.event.uai == uai.as_str() && !crate::events::is_over(&e.event, now))
        .count();
    // Whether anyone reads the lycée changes without the catalogue too (an
    // account, an address entered, an address that failed): the contacts'
    // counter.
    let key = format!("{uai}@{today}#{}.{live}#{}", versions.events, versions.contacts);
    let body = match state.pages.get(version, &key) {
        Some(b) => b,
        None => {
            let (coming, past) = showcase_events(&state, uai.as_str(), now).await?;
            let reachable = crate::storage::reach::reachable(state.catalogue.db(), uai.as_str()).await?;
            let via = if reachable {
                String::new()
            } else {
                let index = state.search.index();
                let card = index.lycee(uai.as_str());
                let code = card.and_then(|c| c.academie.clone());
                let academie =
                    code.as_ref().and_then(|c| index.academies.values().find(|(k, _)| k == c)).map(|(_, n)| n.clone());
                let chain = crate::storage::reach::chain(
                    state.catalogue.db(),
                    code.as_deref(),
                    state.requests.national_contact.as_deref(),
                )
                .await?;
                chain.first().map_or(String::new(), |(level, _)| {
                    crate::requests::views::coordination_who(level, academie.as_deref())
                })
            };

            let l = state.catalogue.lycee(&uai).await?.ok_or(PageError::NotFound)?;
            let mut crumbs = vec![Crumb::new("Accueil", "/"), Crumb::new("Les lycées", "/lycees")];
            if let Some(a) = &l.academie
                && let Some(code) = &a.code
            {
                crumbs.push(Crumb::new(
                    format!("Académie {}", domain::text::of_place(&a.nom)),
                    format!("/lycees?academie={code}"),
                ));
            }
            crumbs.push(Crumb::new(
                format!("{} ({})", l.departement.nom, l.departement.code),
                format!("/lycees?departement={}", l.departement.code),
            ));
            crumbs.push(Crumb::new(l.commune.nom.clone(), format!("/lycees?commune={}", l.commune.code_insee)));
            let position_text = match &l.position {
                Some(p) if p.precision == "exacte" => format!("{:.5}, {:.5}", p.lat, p.lon),
                Some(_) => "au centre de la commune (position exacte non connue)".to_string(),
                None => String::new(),
            };
            let mut vitrine = showcase(state.catalogue.db(), &l).await?;
            let index = state.search.index();
            let needs = crate::storage::placements::open_besoins(state.catalogue.db(), Some(uai.as_str()), &today)
                .await?
                .iter()
                .map(|n| PublicNeed::of(&index, n))
                .collect();
            let bde = vitrine.as_mut().and_then(|v| v.bde.take());
            let page = LyceePage {
                chrome: Chrome::new("lycees"),
                crumbs,
                here: l.nom.clone(),
                formation_count: thousands(l.taught_count(&today) as i64),
                job_count: thousands(l.job_count(&today) as i64),
                student_count: l.student_count().map(|(n, year)| (thousands(n), year)),
                position_text,
                vitrine,
                bde,
                l: &l,
                today,
                needs,
                coming,
                past,
                reachable,
                via,
            };
            let html = page.render().map_err(|e| PageError::Internal(format!("gabarit : {e}")))?;
            let b = Bytes::from(html);
            state.pages.insert(version, key, b.clone());
            b
        }
    };
    let body = match search_context(raw.as_deref()) {
        Some(context) => with_search_context(&body, uai.as_str(), &context),
        None => body,
    };
    Ok(html(body))
}

/// The coming events of lycée `uai` (published, not over) and its past
/// ones of the last twelve months (held, not cancelled), as shown.
async fn showcase_events(
    state: &AppState,
    uai: &str,
    now: time::OffsetDateTime,
) -> Result<(Vec<crate::web::evenements::Shown>, Vec<crate::web::evenements::Shown>), PageError> {
    let year_ago = crate::clock::to_rfc3339(now - time::Duration::days(365));
    let all = crate::storage::events::of_lycee(&state.requests.db, uai).await?;
    let mut coming = Vec::new();
    let mut past = Vec::new();
    for e in all.iter().filter(|e| e.event.etat == domain::events::EventState::Publie) {
        let shown = crate::web::evenements::shown(state, e, now);
        if !shown.over {
            coming.push(shown);
        } else if e.event.fin >= year_ago {
            past.push(shown);
        }
    }
    coming.reverse();
    Ok((coming, past))
}

/// The search a showcase was opened from (`/lycees/X?q=…&commune=…`),
/// re-encoded from the known keys only: what the journey can pre-fill.
fn search_context(raw: Option<&str>) -> Option<String> {
    let p = super::api::Params::parse(raw);
    let mut out = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for key in ["q", "commune", "rayon_km", "action"] {
        if let Some(v) = p.text(key).filter(|v| !v.is_empty()) {
            out.append_pair(key, &v.chars().take(200).collect::<String>());
            any = true;
        }
    }
    for rome in p.list("rome").into_iter().take(20) {
        out.append_pair("rome", &rome.chars().take(10).collect::<String>());
        any = true;
    }
    any.then(|| out.finish())
}

/// The cached page with its links to the journey carrying the search
/// (`context` is URL-encoded: only `&` needs escaping in the attribute).
/// The page stays cached once per lycée, not once per search.
fn with_search_context(page: &Bytes, uai: &str, context: &str) -> Bytes {
    let html = String::from_utf8_lossy(page);
    let link = format!("\"/demande?lycee={uai}\"");
    let with = format!("\"/demande?lycee={uai}&amp;{}\"", context.replace('&', "&amp;"));
    Bytes::from(html.replace(&link, &with))
}

#[derive(Template)]
#[template(path = "legal.html")]
struct LegalPage {
    chrome: Chrome,
    title: &'static str,
    page: &'static str,
    /// `MLP_RETENTION_MOIS`, stated on the personal data page.
    retention_months: u32,
}

fn legal(title: &'static str, page: &'static str) -> Response {
    let retention_months = crate::config::RETENTION_MONTHS;
    render(StatusCode::OK, &LegalPage { chrome: Chrome::new(""), title, page, retention_months })
}

pub async fn mentions_legales() -> Response {
    legal("Mentions légales", "mentions")
}

/// The page states the retention actually configured.
pub async fn donnees_personnelles(State(state): State<AppState>) -> Response {
    let page = LegalPage {
        chrome: Chrome::new(""),
        title: "Données personnelles",
        page: "donnees",
        retention_months: state.config.retention_months,
    };
    render(StatusCode::OK, &page)
}

pub async fn plan_du_site() -> Response {
    legal("Plan du site", "plan")
}

/// Any other path.
pub async fn not_found() -> PageError {
    PageError::NotFound
}
