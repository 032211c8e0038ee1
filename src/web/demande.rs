//! `/demande`: the company journey, in six steps, without an account and
//! without JavaScript. Each step is a plain form post; the answers of the
//! other steps travel as hidden fields, so they survive going back and
//! forth and validation errors. The rules are those of the API
//! (`requests::input::validate`), and sending goes through the same
//! `RequestService::submit`.
//!
//! The same journey is embedded by partner platforms
//! (`/integration/demande?partenaire=NAME`, see [`super::integration`]):
//! only its [`Door`] differs.

use super::AppState;
use super::api::Params;
use super::csrf::CsrfCookie;
use super::demandes_api::{self, ClientIp};
use super::error::{PageError, render};
use super::form::{PostedForm, date_text, typed_date};
use super::layout::Chrome;
use crate::partner_api::Partner;
use crate::requests::input::{FieldErrors, RequestInput};
use askama::Template;
use axum::extract::{Extension, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::text::fold_place;
use domain::{ActionType, Niveau};

/// The steps, in order.
const STEPS: [&str; 6] =
    ["Votre besoin", "Les métiers", "Le lieu", "Les détails", "Vos coordonnées", "Vérification et envoi"];

/// The fields each step asks (API field paths), to show a step's errors.
fn step_fields(step: usize) -> &'static [&'static str] {
    match step {
        1 => &["action"],
        2 => &["metiers", "metier_texte", "entreprise.siret"],
        3 => &["commune", "rayon_km"],
        4 => &["niveaux", "nombre_eleves", "periode.debut", "periode.fin", "message"],
        5 => &[
            "entreprise.nom",
            "contact.prenom",
            "contact.nom",
            "contact.email",
            "contact.telephone",
            "consentement",
            "lycee",
        ],
        _ => &[],
    }
}

/// Everything typed so far.
#[derive(Debug, Clone, Default)]
struct Draft {
    action: String,
    q: String,
    metiers: Vec<String>,
    siret: String,
    naf: String,
    /// The company's NAF 2025 code, when Sirene gave no NAF rév. 2 one.
    naf2025: String,
    entreprise_nom: String,
    commune_text: String,
    commune: String,
    rayon: String,
    niveaux: Vec<String>,
    nombre_eleves: String,
    debut: String,
    fin: String,
    message: String,
    prenom: String,
    nom: String,
    email: String,
    telephone: String,
    consentement: bool,
    lycee: String,
    /// `stages`: came from a placement need found on `/stages` (not from
    /// the lycée's page), which the form says.
    depuis: String,
    /// The company keeps its radius rather than widen it to reach the trade
    /// (asked at the last step, when it matters).
    garder_rayon: bool,
    /// Came from "Modifier" on the review: the step leads back to it.
    revoir: bool,
}

fn clip(s: String, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A typed date as the form shows it back (`11012027` → `11/01/2027`);
/// kept as typed when it is not a date (its error says so).
fn date_as_shown(typed: &str) -> String {
    typed_date(typed).map_or_else(|| typed.to_string(), date_text)
}

/// Where each field's error links to in the error summary: the field, or
/// the first choice of a group.
fn field_anchor(field: &str) -> &'static str {
    match field {
        "action" => "action-pfmp",
        "metiers" | "metier_texte" => "champ-q",
        "entreprise.siret" => "champ-siret",
        "commune" => "champ-commune",
        "rayon_km" => "champ-rayon",
        "nombre_eleves" => "champ-nombre",
        "periode.debut" => "champ-debut",
        "periode.fin" => "champ-fin",
        "message" => "champ-message",
        "entreprise.nom" => "champ-entreprise",
        "contact.prenom" => "champ-prenom",
        "contact.nom" => "champ-nom",
        "contact.email" => "champ-email",
        "contact.telephone" => "champ-telephone",
        "consentement" => "champ-consentement",
        _ => "contenu",
    }
}

impl Draft {
    fn read(get: &dyn Fn(&str) -> String, all: &dyn Fn(&str) -> Vec<String>, raw: &dyn Fn(&str) -> String) -> Draft {
        Draft {
            action: clip(get("action"), 40),
            q: clip(get("q"), 400),
            metiers: all("metiers").into_iter().take(20).map(|m| clip(m, 10)).collect(),
            siret: clip(get("siret"), 40),
            naf: clip(get("naf"), 10),
            naf2025: clip(get("naf2025"), 10),
            entreprise_nom: clip(get("entreprise_nom"), 400),
            commune_text: clip(get("commune_texte"), 100),
            commune: clip(get("commune"), 5),
            rayon: clip(get("rayon_km"), 6),
            niveaux: all("niveaux").into_iter().take(10).map(|n| clip(n, 10)).collect(),
            nombre_eleves: clip(get("nombre_eleves"), 6),
            debut: date_as_shown(&clip(get("debut"), 12)),
            fin: date_as_shown(&clip(get("fin"), 12)),
            message: clip(raw("message"), 200_000),
            prenom: clip(get("prenom"), 400),
            nom: clip(get("nom"), 400),
            email: clip(get("email"), 400),
            telephone: clip(get("telephone"), 60),
            consentement: get("consentement") == "oui",
            lycee: clip(get("lycee"), 8),
            depuis: if get("depuis") == "stages" { "stages".into() } else { String::new() },
            garder_rayon: get("garder_rayon") == "oui",
            revoir: get("revoir") == "oui",
        }
    }

    fn from_form(f: &PostedForm) -> Draft {
        Draft::read(&|k| f.get(k), &|k| f.all(k), &|k| f.raw(k))
    }

    /// What the links to the journey can pre-fill (a lycée's page, a search).
    fn from_query(p: &Params) -> Draft {
        let mut d = Draft::read(
            &|k| p.text(k).unwrap_or_default().to_string(),
            &|k| p.list(k).into_iter().map(str::to_string).collect(),
            &|k| p.text(k).unwrap_or_default().to_string(),
        );
        d.metiers.extend(p.list("rome").into_iter().take(20).map(|r| clip(r.to_string(), 10)));
        if d.commune_text.is_empty()
            && let Some(c) = p.text("commune_nom")
        {
            d.commune_text = clip(c.to_string(), 100);
        }
        d
    }

    fn action(&self) -> Option<ActionType> {
        ActionType::from_code(&self.action)
    }

    fn needs_jobs(&self) -> bool {
        self.action().is_none_or(ActionType::needs_jobs)
    }

    /// The request as the API would receive it, and the errors of values
    /// that are not even numbers.
    fn to_input(&self) -> (RequestInput, FieldErrors) {
        let mut errors = FieldErrors::new();
        let rayon_km = match self.rayon.trim() {
            "" => None,
            r => match r.replace(',', ".").parse::<f64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.insert("rayon_km".into(), "nombre de kilomètres attendu".into());
                    None
                }
            },
        };
        let nombre_eleves = match self.nombre_eleves.trim() {
            "" => None,
            n => match n.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.insert("nombre_eleves".into(), "nombre entier attendu".into());
                    None
                }
            },
        };
        let mut date = |field: &str, typed: &str| match typed.trim() {
            "" => String::new(),
            t => match typed_date(t) {
                Some(d) => d.to_string(),
                None => {
                    errors.insert(field.into(), "date attendue au format JJ/MM/AAAA, par exemple 11/01/2027".into());
                    String::new()
                }
            },
        };
        let (debut, fin) = (date("periode.debut", &self.debut), date("periode.fin", &self.fin));
        let input = RequestInput {
            action: self.action.clone(),
            entreprise_nom: self.entreprise_nom.clone(),
            siret: self.siret.clone(),
            // The request keeps the sector it was made from: NAF rév. 2,
            // or NAF 2025 when that is all Sirene gave.
            naf: if self.naf.is_empty() { self.naf2025.clone() } else { self.naf.clone() },
            prenom: self.prenom.clone(),
            nom: self.nom.clone(),
            email: self.email.clone(),
            telephone: self.telephone.clone(),
            commune: self.commune.clone(),
            rayon_km,
            metiers: if self.needs_jobs() || !self.metiers.is_empty() { self.metiers.clone() } else { Vec::new() },
            metier_texte: if self.metiers.is_empty() && self.needs_jobs() { self.q.clone() } else { String::new() },
            niveaux: self.niveaux.clone(),
            nombre_eleves,
            debut,
            fin,
            message: self.message.clone(),
            consentement: self.consentement,
            lycee: self.lycee.clone(),
            garder_rayon: self.garder_rayon,
        };
        (input, errors)
    }

    /// The fields of the steps other than `step`, as hidden inputs.
    fn hidden(&self, step: usize) -> Vec<(&'static str, String)> {
        let mut h: Vec<(&'static str, String)> = Vec::new();
        if step != 1 {
            h.push(("action", self.action.clone()));
        }
        if step != 2 {
            h.push(("q", self.q.clone()));
            h.extend(self.metiers.iter().map(|m| ("metiers", m.clone())));
            h.push(("siret", self.siret.clone()));
        }
        h.push(("naf", self.naf.clone()));
        h.push(("naf2025", self.naf2025.clone()));
        if step != 3 {
            h.push(("commune_texte", self.commune_text.clone()));
            h.push(("rayon_km", self.rayon.clone()));
            h.push(("commune", self.commune.clone()));
        }
        if step != 4 {
            h.extend(self.niveaux.iter().map(|n| ("niveaux", n.clone())));
            h.push(("nombre_eleves", self.nombre_eleves.clone()));
            h.push(("debut", self.debut.clone()));
            h.push(("fin", self.fin.clone()));
            h.push(("message", self.message.clone()));
        }
        if step != 5 {
            h.push(("entreprise_nom", self.entreprise_nom.clone()));
            h.push(("prenom", self.prenom.clone()));
            h.push(("nom", self.nom.clone()));
            h.push(("email", self.email.clone()));
            h.push(("telephone", self.telephone.clone()));
            if self.consentement {
                h.push(("consentement", "oui".into()));
            }
        }
        h.push(("lycee", self.lycee.clone()));
        h.push(("depuis", self.depuis.clone()));
        if step != 6 && self.garder_rayon {
            h.push(("garder_rayon", "oui".into()));
        }
        if step != 6 && self.revoir {
            h.push(("revoir", "oui".into()));
        }
        h.retain(|(_, v)| !v.is_empty());
        h
    }
}

/// What the embedded form's token is signed for.
const EMBED_PURPOSE: &str = "formulaire-integre";
/// How long an embedded form's token is accepted: a company may leave the
/// form open for an afternoon; the site's own form token does not expire
/// either, but it is bound to a cookie.
const EMBED_TOKEN_SECONDS: i64 = 8 * 3600;

/// Where the journey is shown, which decides where its forms post, how a
/// post is known to come from the journey, the layout around it and where
/// sending leads.
///
/// In a partner's frame the site is a third party: browsers do not send
/// the `SameSite=Lax` CSRF cookie to a cross-site frame (and block
/// third-party cookies more and more), so the site's cookie-bound token
/// cannot work there. The embedded journey carries instead a token signed
/// with the service's key, bound to the partner's name and valid
/// [`EMBED_TOKEN_SECONDS`], and a post is accepted only when the browser
/// says it comes from one of our own pages (`Sec-Fetch-Site:
/// same-origin`, and `Origin`, when sent, ours). Another site cannot make
/// a visitor's browser post the form (its origin gives it away), and the
/// token ties the steps to the partner the form was opened for. There is
/// no session to ride on (the form is anonymous); robots are held back,
/// as on the site, by the honeypot and the per-address limit.
#[derive(Debug, Clone)]
pub enum Door {
    /// `/demande`, on the site.
    Site(CsrfCookie),
    /// `/integration/demande?partenaire=NAME`, in the partner's frame.
    Partner(Partner),
}

impl Door {
    /// The token of the page's form.
    fn token(&self, state: &AppState) -> String {
        match self {
            Door::Site(csrf) => csrf.token(state),
            Door::Partner(p) => {
                state.signer.sign(EMBED_PURPOSE, &p.name, state.clock.now().unix_timestamp() + EMBED_TOKEN_SECONDS)
            }
        }
    }

    /// Whether a post is the journey's own (see the type's comment).
    fn accepts(&self, state: &AppState, token: &str, headers: &HeaderMap) -> bool {
        match self {
            Door::Site(csrf) => csrf.accepts(state, token),
            Door::Partner(p) => {
                from_our_pages(&state.config.base_url, headers)
                    && state
                        .signer
                        .verify(EMBED_PURPOSE, token, state.clock.now().unix_timestamp())
                        .is_ok_and(|name| name == p.name)
            }
        }
    }

    /// Where the journey's forms post.
    /// Where each step is posted. No fragment towards the step's heading:
    /// the browser would move the focus there after the script put it on
    /// the error summary; the script focuses the heading itself.
    fn action(&self) -> String {
        match self {
            Door::Site(_) => "/demande".into(),
            Door::Partner(p) => partner_url("/integration/demande", p),
        }
    }

    fn chrome(&self) -> Chrome {
        match self {
            Door::Site(_) => Chrome::new("demande"),
            Door::Partner(_) => Chrome::framed(),
        }
    }

    fn partner(&self) -> Option<&Partner> {
        match self {
            Door::Site(_) => None,
            Door::Partner(p) => Some(p),
        }
    }

    /// Where the company lands once its request is sent: its follow-up
    /// page on the site; in a frame, a confirmation that can be framed
    /// (the follow-up page cannot), linking to it in a new tab.
    fn after_sending(&self, follow_token: &str) -> String {
        match self {
            Door::Site(_) => format!("/suivi/{follow_token}?envoi=1"),
            Door::Partner(p) => partner_url(&format!("/integration/demande/envoyee/{follow_token}"), p),
        }
    }
}

/// `path?partenaire=NAME`, the name escaped.
pub fn partner_url(path: &str, p: &Partner) -> String {
    let name: String = form_urlencoded::byte_serialize(p.name.as_bytes()).collect();
    format!("{path}?partenaire={name}")
}

/// Whether the browser says a post comes from one of our pages. Browsers
/// send `Sec-Fetch-Site` (all current ones) and `Origin` with a form post;
/// a client that sends neither is not a browser another site could drive.
fn from_our_pages(base_url: &str, headers: &HeaderMap) -> bool {
    let ours = reqwest::Url::parse(base_url).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    let site_ok = headers.get("sec-fetch-site").is_none_or(|v| v.as_bytes() == b"same-origin");
    let origin_ok = headers.get(header::ORIGIN).is_none_or(|v| v.to_str().is_ok_and(|o| o == ours));
    site_ok && origin_ok
}

/// A choice in a list of radios or checkboxes.
struct Choice {
    value: String,
    label: String,
    hint: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "demande.html")]
struct JourneyPage {
    chrome: Chrome,
    /// Where the forms post (the site's journey, or a partner's).
    action: String,
    step: usize,
    steps: usize,
    title: &'static str,
    next_title: Option<&'static str>,
    csrf: String,
    d: Draft,
    hidden: Vec<(&'static str, String)>,
    errors: FieldErrors,
    notice: Option<String>,
    actions: Vec<Choice>,
    jobs: Vec<Choice>,
    places: Vec<Choice>,
    radius_choices: Vec<Choice>,
    level_choices: Vec<Choice>,
    lycee_name: Option<String>,
    /// The lycée's need was found on `/stages`: « vous répondez au besoin
    /// de stage », not « vous venez de la fiche ».
    from_need: bool,
    place_label: Option<String>,
    summary: Vec<RecapLine>,
    today: String,
    /// Who the request would go to (last step only).
    preview: Option<crate::requests::RoutingPreview>,
}

impl JourneyPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The errors in the order of the fields, each with the field it links
    /// to (the summary at the top of the form).
    fn error_links(&self) -> Vec<(&'static str, &String)> {
        let mut out: Vec<(&'static str, &String)> =
            step_fields(self.step).iter().filter_map(|f| self.errors.get(*f).map(|m| (field_anchor(f), m))).collect();
        for (f, m) in &self.errors {
            if !step_fields(self.step).contains(&f.as_str()) {
                out.push((field_anchor(f), m));
            }
        }
        out
    }
}

/// The step after `step`, skipping the jobs for actions without jobs.
fn next_step(d: &Draft, step: usize) -> usize {
    if step == 1 && !d.needs_jobs() { 3 } else { (step + 1).min(6) }
}

fn previous_step(d: &Draft, step: usize) -> usize {
    if step == 3 && !d.needs_jobs() { 1 } else { step.saturating_sub(1).max(1) }
}

fn page(
    state: &AppState,
    door: &Door,
    d: Draft,
    step: usize,
    errors: FieldErrors,
    notice: Option<String>,
) -> JourneyPage {
    let index = state.search.index();
    let step = step.clamp(1, 6);
    let mut jobs: Vec<Choice> = Vec::new();
    let mut push_job = |rome: &str, checked: bool, hint: String| {
        if jobs.iter().any(|j| j.value == rome) {
            return;
        }
        if let Some(label) = index.rome_labels.get(rome) {
            jobs.push(Choice { value: rome.to_string(), label: label.clone(), hint, checked });
        }
    };
    for m in &d.metiers {
        push_job(m, true, String::new());
    }
    if !d.q.trim().is_empty() {
        let understood = state.search.understand(&index, &d.q);
        for j in understood.iter().take(8) {
            let hint =
                if j.appellation != j.libelle { format!("par exemple : {}", j.appellation) } else { String::new() };
            push_job(&j.rome, false, hint);
        }
    }
    let sector_jobs = if d.naf.is_empty() {
        index.jobs_of_naf2025(&d.naf2025, 10).unwrap_or_default()
    } else {
        index.jobs_of_sector(&d.naf, 10)
    };
    for r in sector_jobs {
        push_job(&r, false, "métier courant de votre secteur".into());
    }
    let radius = d.rayon.parse::<f64>().unwrap_or(30.0);
    let lycee_name = index.lycee(&d.lycee).map(|l| format!("{} ({})", l.nom, l.commune_nom));
    let place_label = index.places.get(&d.commune).map(|p| format!("{} ({})", p.nom, p.departement));
    let summary = recap(summary_of(state, &d));
    JourneyPage {
        chrome: door.chrome(),
        action: door.action(),
        step,
        steps: STEPS.len(),
        title: STEPS[step - 1],
        next_title: STEPS.get(next_step(&d, step) - 1).filter(|_| step < 6).copied(),
        csrf: door.token(state),
        hidden: d.hidden(step),
        actions: ActionType::ALL
            .iter()
            .map(|a| Choice {
                value: a.code().into(),
                label: a.label().into(),
                hint: a.explanation().into(),
                checked: d.action == a.code(),
            })
            .collect(),
        jobs,
        places: Vec::new(),
        radius_choices: [5u32, 10, 20, 30, 50, 100]
            .iter()
            .map(|r| Choice {
                value: r.to_string(),
                label: format!("{r} km"),
                hint: String::new(),
                checked: (f64::from(*r) - radius).abs() < 0.01,
            })
            .collect(),
        level_choices: Niveau::ALL
            .iter()
            .map(|n| Choice {
                value: n.code().into(),
                label: n.label().into(),
                hint: n.explanation().into(),
                checked: d.niveaux.iter().any(|x| x == n.code()),
            })
            .collect(),
        lycee_name,
        from_need: d.depuis == "stages",
        place_label,
        summary,
        today: date_text(state.clock.now().date()),
        preview: None,
        errors,
        notice,
        d,
    }
}

/// [`page`], with who the request would go to on the last step (left out
/// when the answers do not validate or the database cannot say now).
async fn page_with_preview(
    state: &AppState,
    door: &Door,
    d: Draft,
    step: usize,
    errors: FieldErrors,
    notice: Option<String>,
) -> JourneyPage {
    let preview = if step == 6 {
        let index = state.search.index();
        let (input, type_errors) = d.to_input();
        match demandes_api::validate(state, &index, &input) {
            Ok(valid) if type_errors.is_empty() => {
                match state.requests.preview(&index, &valid, state.clock.now()).await {
                    Ok(p) => Some(p),
                    Err(e) => {
                        tracing::warn!(erreur = %e, "aperçu des destinataires");
                        None
                    }
                }
            }
            _ => None,
        }
    } else {
        None
    };
    let mut p = page(state, door, d, step, errors, notice);
    p.preview = preview;
    p
}

/// A line of the review: one "Modifier" per step, on its first line (a
/// keyboard user crosses five buttons, not ten).
struct RecapLine {
    question: String,
    answer: String,
    /// The step to change, and its title.
    change: Option<(usize, &'static str)>,
}

fn recap(lines: Vec<(String, String, usize)>) -> Vec<RecapLine> {
    let mut last = 0;
    lines
        .into_iter()
        .map(|(question, answer, step)| {
            let change = (step != last).then(|| (step, STEPS[step - 1]));
            last = step;
            RecapLine { question, answer, change }
        })
        .collect()
}

/// The recap lines: (question, answer, step to change it).
fn summary_of(state: &AppState, d: &Draft) -> Vec<(String, String, usize)> {
    let index = state.search.index();
    let mut s = Vec::new();
    s.push(("Votre besoin".into(), d.action().map_or("—", ActionType::label).to_string(), 1));
    if d.needs_jobs() {
        let jobs: Vec<String> = if d.metiers.is_empty() {
            let understood = state.search.understand(&index, &d.q);
            crate::search::SearchIndex::kept_jobs(&understood).iter().map(|j| j.libelle.clone()).collect()
        } else {
            d.metiers.iter().filter_map(|m| index.rome_labels.get(m).cloned()).collect()
        };
        s.push(("Métiers".into(), if jobs.is_empty() { "—".into() } else { jobs.join(", ") }, 2));
    }
    let place =
        index.places.get(&d.commune).map_or(d.commune_text.clone(), |p| format!("{} ({})", p.nom, p.departement));
    let radius = d.rayon.replace(',', ".").parse::<f64>().unwrap_or(30.0);
    s.push(("Lieu".into(), format!("{place}, jusqu'à {}", domain::routing::km_words(radius)), 3));
    let levels: Vec<&str> = d.niveaux.iter().filter_map(|n| Niveau::from_code(n)).map(Niveau::label).collect();
    if !levels.is_empty() {
        s.push(("Niveaux".into(), levels.join(", "), 4));
    }
    if !d.nombre_eleves.is_empty() {
        s.push(("Nombre d'élèves".into(), d.nombre_eleves.clone(), 4));
    }
    if let Some(p) = domain::text::period(
        Some(&d.debut).filter(|x| !x.is_empty()).map(String::as_str),
        Some(&d.fin).filter(|x| !x.is_empty()).map(String::as_str),
    ) {
        s.push(("Période".into(), p, 4));
    }
    s.push(("Message".into(), d.message.clone(), 4));
    s.push((
        "Entreprise".into(),
        format!(
            "{}{}",
            d.entreprise_nom,
            if d.siret.is_empty() { String::new() } else { format!(" (SIRET {})", d.siret) }
        ),
        5,
    ));
    s.push((
        "Contact".into(),
        format!(
            "{} {} — {}{}",
            d.prenom,
            d.nom,
            d.email,
            if d.telephone.is_empty() { String::new() } else { format!(" — {}", d.telephone) }
        ),
        5,
    ));
    s
}

/// `GET /demande`: the first step, pre-filled from the link.
pub async fn start(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    RawQuery(raw): RawQuery,
) -> Response {
    start_at(&state, &Door::Site(csrf), raw.as_deref())
}

/// The journey's first step, through `door`.
pub fn start_at(state: &AppState, door: &Door, raw: Option<&str>) -> Response {
    let p = Params::parse(raw);
    let mut d = Draft::from_query(&p);
    let index = state.search.index();
    // A lycée that is not in the catalogue is simply ignored.
    if index.lycee(&d.lycee.to_ascii_uppercase()).is_none() {
        d.lycee.clear();
    } else {
        d.lycee = d.lycee.to_ascii_uppercase();
    }
    if !index.places.contains_key(&d.commune) {
        d.commune.clear();
    } else if d.commune_text.is_empty() {
        d.commune_text = index.places.get(&d.commune).map(|p| p.nom.clone()).unwrap_or_default();
    }
    d.metiers.retain(|m| index.rome_labels.contains_key(m));
    if d.action().is_none() {
        d.action.clear();
    }
    // What the link already says is not asked again: a showcase's "host a
    // trainee of this diploma" opens at the place (4 screens to the review).
    let step = match d.action() {
        None => 1,
        Some(_) if d.needs_jobs() && d.metiers.is_empty() => 2,
        Some(_) => 3,
    };
    render(StatusCode::OK, &page(state, door, d, step, FieldErrors::new(), None))
}

/// Errors of the fields of `step` only.
fn errors_of_step(state: &AppState, d: &Draft, step: usize) -> FieldErrors {
    let index = state.search.index();
    let (input, mut errors) = d.to_input();
    if let Err(all) = demandes_api::validate(state, &index, &input) {
        for (k, v) in all {
            errors.entry(k).or_insert(v);
        }
    }
    errors.retain(|k, _| step_fields(step).contains(&k.as_str()));
    errors
}

/// Resolves the typed place into a commune code; `Err` with the message to
/// show, and the homonyms to choose from.
async fn resolve_place(state: &AppState, d: &mut Draft) -> Result<(), (String, Vec<Choice>)> {
    let index = state.search.index();
    if let Some(p) = index.places.get(&d.commune)
        && (d.commune_text.is_empty()
            || fold_place(&d.commune_text) == fold_place(&p.nom)
            || d.commune_text.starts_with(&p.nom))
    {
        return Ok(());
    }
    d.commune.clear();
    if d.commune_text.trim().is_empty() {
        return Err(("indiquez la commune de votre entreprise".into(), Vec::new()));
    }
    let found = index.places.find_tolerant(&d.commune_text, 8);
    let Some(first) = found.first() else {
        return Err((
            format!(
                "nous ne trouvons pas la commune « {} » : vérifiez l'orthographe ou indiquez un code postal",
                d.commune_text
            ),
            Vec::new(),
        ));
    };
    let homonyms: Vec<_> = found.iter().filter(|c| fold_place(&c.nom) == fold_place(&first.nom)).collect();
    if homonyms.len() > 1 {
        let choices = homonyms
            .iter()
            .map(|c| Choice {
                value: c.code_insee.clone(),
                label: format!("{} ({})", c.nom, c.departement),
                hint: c.postcodes.first().cloned().unwrap_or_default(),
                checked: false,
            })
            .collect();
        return Err(("plusieurs communes portent ce nom : choisissez la vôtre".into(), choices));
    }
    d.commune = first.code_insee.clone();
    d.commune_text = first.nom.clone();
    Ok(())
}

/// `POST /demande`: moves between steps, looks things up, sends.
pub async fn step(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: PostedForm,
) -> Result<Response, PageError> {
    step_at(&state, &Door::Site(csrf), ip, &headers, form).await
}

/// A step of the journey posted through `door`.
pub async fn step_at(
    state: &AppState,
    door: &Door,
    ip: std::net::IpAddr,
    headers: &HeaderMap,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut d = Draft::from_form(&form);
    let current: usize = form.get("etape").parse().unwrap_or(1).clamp(1, 6);
    if form.too_large {
        let mut e = FieldErrors::new();
        e.insert("message".into(), "votre message est beaucoup trop long".into());
        return Ok(render(StatusCode::PAYLOAD_TOO_LARGE, &page(state, door, Draft::default(), 1, e, None)));
    }
    if !door.accepts(state, &form.get("csrf"), headers) {
        let notice = Some("Le formulaire a expiré : vérifiez vos réponses et validez à nouveau.".to_string());
        return Ok(render(StatusCode::FORBIDDEN, &page(state, door, d, current, FieldErrors::new(), notice)));
    }
    // A choice among homonyms replaces the typed place.
    let chosen = form.get("commune_choisie");
    if !chosen.is_empty() {
        d.commune = clip(chosen, 5);
        d.commune_text = state.search.index().places.get(&d.commune).map(|p| p.nom.clone()).unwrap_or_default();
    }
    let target = form.get("aller");
    match target.as_str() {
        "metiers" => {
            // "Chercher ces métiers": suggestions for the words typed.
            let index = state.search.index();
            if d.metiers.is_empty() {
                let understood = state.search.understand(&index, &d.q);
                d.metiers = crate::search::SearchIndex::kept_jobs(&understood).iter().map(|j| j.rome.clone()).collect();
            }
            let mut errors = FieldErrors::new();
            if d.q.trim().is_empty() && d.metiers.is_empty() {
                errors.insert("metier_texte".into(), "écrivez un métier, un savoir-faire ou un secteur".into());
            } else if d.metiers.is_empty() {
                errors.insert(
                    "metier_texte".into(),
                    format!("nous n'avons reconnu aucun métier dans « {} » : essayez d'autres mots", d.q),
                );
            }
            let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            Ok(render(status, &page(state, door, d, 2, errors, None)))
        }
        "siret" => Ok(lookup_siret(state, door, d).await),
        "envoyer" => send(state, door, d, &form, ip).await,
        other => {
            let target = other.parse::<usize>().unwrap_or(current + 1).clamp(1, 6);
            if target <= current {
                // "Modifier" on the review: the changed step leads back to it.
                if current == 6 && target < 6 {
                    d.revoir = true;
                }
                let to = if target == current {
                    current
                } else if target == current - 1 {
                    previous_step(&d, current)
                } else {
                    target
                };
                return Ok(render(
                    StatusCode::OK,
                    &page_with_preview(state, door, d, to, FieldErrors::new(), None).await,
                ));
            }
            if current == 3
                && let Err((message, choices)) = resolve_place(state, &mut d).await
            {
                let mut e = FieldErrors::new();
                e.insert("commune".into(), message);
                let mut p = page(state, door, d, 3, e, None);
                p.places = choices;
                return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p));
            }
            let errors = errors_of_step(state, &d, current);
            if !errors.is_empty() {
                return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page(state, door, d, current, errors, None)));
            }
            let to = if target == current + 1 { next_step(&d, current) } else { target };
            if to == 6 {
                // Back to the review from an earlier step: a change there
                // (another action needs jobs) may leave a step to answer.
                let mut all = FieldErrors::new();
                for s in (1..=5).filter(|s| *s != 2 || d.needs_jobs()) {
                    all.extend(errors_of_step(state, &d, s));
                }
                if !all.is_empty() {
                    d.revoir = true;
                    return Ok(first_step_with_errors(state, door, d, all));
                }
                d.revoir = false;
            }
            Ok(render(StatusCode::OK, &page_with_preview(state, door, d, to, FieldErrors::new(), None).await))
        }
    }
}

async fn lookup_siret(state: &AppState, door: &Door, mut d: Draft) -> Response {
    let siret = match d.siret.parse::<domain::Siret>() {
        Ok(s) => s,
        Err(e) => {
            let mut errors = FieldErrors::new();
            errors.insert("entreprise.siret".into(), e.to_string());
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page(state, door, d, 2, errors, None));
        }
    };
    let notice = match state.entreprises.lookup(&siret).await {
        Ok(Some(c)) => {
            if d.entreprise_nom.is_empty() {
                d.entreprise_nom = c.nom.clone();
            }
            let index = state.search.index();
            if d.commune.is_empty()
                && let Some(code) = &c.commune
                && let Some(p) = index.places.get(code)
            {
                d.commune = p.code_insee.clone();
                d.commune_text = p.nom.clone();
            }
            d.naf = c.naf.clone().unwrap_or_default();
            d.naf2025 = c.naf2025.clone().unwrap_or_default();
            let sector = match (&c.naf, &c.naf2025) {
                (Some(n), _) => format!(" (secteur NAF {n})"),
                (None, Some(n)) if index.jobs_of_naf2025(n, 1).is_some() => format!(" (secteur NAF 2025 {n})"),
                // INSEE's correspondence does not know the code, or was
                // not imported: say so rather than suggest nothing silently.
                (None, Some(n)) => format!(
                    " (secteur NAF 2025 {n} : nous ne savons pas encore le rapprocher des métiers, \
                     choisissez-les ci-dessous)"
                ),
                (None, None) => String::new(),
            };
            format!("Entreprise trouvée : {}{sector}. Cochez les métiers qui vous concernent.", c.nom)
        }
        Ok(None) => "Ce SIRET n'est pas connu de l'annuaire des entreprises : décrivez simplement les métiers.".into(),
        Err(e) => {
            tracing::warn!(erreur = %e, "recherche d'entreprise par SIRET");
            "La recherche de votre entreprise est momentanément indisponible : décrivez simplement les métiers, votre demande n'en sera pas retardée.".into()
        }
    };
    render(StatusCode::OK, &page(state, door, d, 2, FieldErrors::new(), Some(notice)))
}

async fn send(
    state: &AppState,
    door: &Door,
    mut d: Draft,
    form: &PostedForm,
    ip: std::net::IpAddr,
) -> Result<Response, PageError> {
    // The honeypot: a field people do not see, robots fill.
    if !form.get("site_web").is_empty() {
        tracing::info!("demande refusée : champ piège rempli");
        let notice =
            Some("Votre demande n'a pas pu être envoyée. Si vous êtes une personne, contactez-nous.".to_string());
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(state, door, Draft::default(), 1, FieldErrors::new(), notice),
        ));
    }
    if let Err(wait) = state.limiter.check(ip) {
        let notice = Some(format!("Trop de demandes envoyées depuis votre adresse : réessayez dans {wait} secondes."));
        return Ok(render(StatusCode::TOO_MANY_REQUESTS, &page(state, door, d, 6, FieldErrors::new(), notice)));
    }
    if let Err((message, choices)) = resolve_place(state, &mut d).await {
        let mut e = FieldErrors::new();
        e.insert("commune".into(), message);
        let mut p = page(state, door, d, 3, e, None);
        p.places = choices;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p));
    }
    let index = state.search.index();
    let (input, mut errors) = d.to_input();
    let mut valid = match demandes_api::validate(state, &index, &input) {
        Ok(v) if errors.is_empty() => v,
        Ok(_) => return Ok(first_step_with_errors(state, door, d, errors)),
        Err(e) => {
            errors.extend(e);
            return Ok(first_step_with_errors(state, door, d, errors));
        }
    };
    // Through a partner's frame, the request is the partner's (shown to
    // the lycées, told by its webhooks).
    valid.partenaire = door.partner().map(|p| p.name.clone());
    let submitted = demandes_api::submit(state, &index, valid).await.map_err(PageError::from)?;
    let token = submitted.follow_url.rsplit('/').next().unwrap_or_default().to_string();
    Ok(Redirect::to(&door.after_sending(&token)).into_response())
}

fn first_step_with_errors(state: &AppState, door: &Door, d: Draft, errors: FieldErrors) -> Response {
    let step = (1..=5).find(|s| errors.keys().any(|k| step_fields(*s).contains(&k.as_str()))).unwrap_or(5);
    let errors: FieldErrors = errors.into_iter().filter(|(k, _)| step_fields(step).contains(&k.as_str())).collect();
    render(StatusCode::UNPROCESSABLE_ENTITY, &page(state, door, d, step, errors, None))
}
