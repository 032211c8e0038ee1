//! The showcase editor (`/espace/lycees/{uai}/vitrine`): what the data
//! cannot know, in the lycée's own words (Markdown, made safe when shown),
//! and what it accepts from companies (read by the routing).

use super::{SignedIn, private};
use crate::accounts::Agent;
use crate::clock;
use crate::security::random_id;
use crate::storage::vitrines::{self as store, DisponibiliteRow, VitrineRow};
use crate::web::AppState;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::PostedForm;
use crate::web::layout::{Chrome, Crumb};
use askama::Template;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::ActionType;
use domain::text::short_date as french_date;
use std::collections::BTreeMap;

/// Longest text of a showcase field, in characters.
pub const MAX_TEXT: usize = 5_000;

#[derive(Template)]
#[template(path = "vitrine.html")]
struct EditorPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    who: String,
    role_label: String,
    uai: String,
    nom: String,
    v: VitrineRow,
    /// (code, label, checked)
    actions: Vec<(&'static str, &'static str, bool)>,
    paused: bool,
    capacity: String,
    errors: BTreeMap<&'static str, String>,
    saved: bool,
    /// The lycée's diplomas (code, label), for the PFMP periods.
    diplomas: Vec<(String, String)>,
    /// (id, diploma, school year, start, end), dates French style.
    periods: Vec<(String, String, String, String, String)>,
    /// What was typed in the PFMP form, kept on an error.
    period: (String, String, String, String),
    period_errors: BTreeMap<&'static str, String>,
    notice: Option<&'static str>,
}

impl EditorPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    /// The text fields of the PFMP form: (name, label, hint, typed value).
    fn period_fields(&self) -> [(&'static str, &'static str, &'static str, &str); 3] {
        [
            ("annee", "Année scolaire", "Par exemple 2026-2027", &self.period.1),
            ("debut", "Début", "JJ/MM/AAAA", &self.period.2),
            ("fin", "Fin", "JJ/MM/AAAA", &self.period.3),
        ]
    }

    fn period_error(&self, field: &str) -> Option<&String> {
        self.period_errors.get(field)
    }

    /// The showcase form's field errors as (field id, message), for the
    /// error summary.
    fn summary(&self) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(f, _)| **f != "formulaire")
            .map(|(f, m)| {
                let id = match *f {
                    "actions" => "actions".to_string(),
                    "capacite" => "capacite".to_string(),
                    "bde_nom" => "bde-nom".to_string(),
                    "bde_email" => "bde-email".to_string(),
                    "bde_telephone" => "bde-telephone".to_string(),
                    other => format!("champ-{other}"),
                };
                (id, m.clone())
            })
            .collect()
    }

    /// The PFMP period form's field errors as (field id, message).
    fn period_summary(&self) -> Vec<(String, String)> {
        self.period_errors
            .iter()
            .filter(|(f, _)| **f != "formulaire")
            .map(|(f, m)| (format!("pfmp-{f}"), m.clone()))
            .collect()
    }

    /// The free-text fields: (name, label, hint, value).
    fn texts(&self) -> [(&'static str, &'static str, &'static str, &str); 4] {
        [
            (
                "presentation",
                "Présentation pour les entreprises",
                "Ce qui distingue le lycée, ses filières phares, ce qu'il apporte à une entreprise.",
                &self.v.presentation,
            ),
            (
                "plateaux",
                "Plateaux techniques et équipements",
                "Ateliers, machines, logiciels, certifications.",
                &self.v.plateaux,
            ),
            ("reussites", "Réussites", "Concours, partenariats, projets d'élèves.", &self.v.reussites),
            ("horaires", "Horaires d'accueil", "Quand une entreprise peut passer ou appeler.", &self.v.horaires),
        ]
    }
}

/// The lycée `uai` if the person answers for it (else 404): its code and
/// "name, commune". Every page of one lycée's workspace checks it.
pub(super) fn lycee_of(state: &AppState, agent: &Agent, uai: &str) -> Result<(String, String), PageError> {
    let index = state.search.index();
    let l = index.lycee(&uai.to_uppercase()).ok_or(PageError::NotFound)?;
    if !agent.sees_lycee(&l.uai, l.academie.as_deref()) {
        return Err(PageError::NotFound);
    }
    Ok((l.uai.clone(), format!("{}, {}", l.nom, l.commune_nom)))
}

async fn editor(state: &AppState, csrf: &CsrfCookie, agent: &Agent, uai: &str) -> Result<EditorPage, PageError> {
    let (uai, nom) = lycee_of(state, agent, uai)?;
    let db = &state.requests.db;
    let v = store::vitrine(db, &uai).await?.unwrap_or_else(|| VitrineRow { uai: uai.clone(), ..VitrineRow::default() });
    let d = store::disponibilite(db, &uai).await?.unwrap_or_default();
    let accepted: Option<Vec<&str>> = d.actions.as_deref().map(|a| a.split(',').collect());
    let diplomas: Vec<(String, String)> = match uai.parse::<domain::ids::Uai>() {
        Ok(u) => state
            .catalogue
            .lycee(&u)
            .await?
            .map(|l| l.formations.iter().map(|f| (f.cfd.clone(), f.libelle.clone())).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let label = |cfd: &str| diplomas.iter().find(|(c, _)| c == cfd).map_or(cfd.to_string(), |(_, l)| l.clone());
    let periods = store::periodes(db, &uai)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), label(&p.diplome), p.annee, french_date(&p.debut), french_date(&p.fin)))
        .collect();
    Ok(EditorPage {
        chrome: Chrome::new("espace"),
        crumbs: vec![Crumb::new("Mon espace", "/espace")],
        here: "Vitrine".into(),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        uai,
        nom,
        v,
        actions: ActionType::ALL
            .iter()
            .map(|a| (a.code(), a.label(), accepted.as_ref().is_none_or(|list| list.contains(&a.code()))))
            .collect(),
        paused: d.en_pause,
        capacity: d.capacite.map(|c| c.to_string()).unwrap_or_default(),
        errors: BTreeMap::new(),
        saved: false,
        diplomas,
        periods,
        period: Default::default(),
        period_errors: BTreeMap::new(),
        notice: None,
    })
}

/// `GET /espace/lycees/{uai}/vitrine`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path(uai): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut page = editor(&state, &csrf, &agent, &uai).await?;
    page.saved = q.iter().any(|(k, v)| k == "enregistre" && v == "1");
    page.notice = q
        .iter()
        .find(|(k, _)| k == "pfmp")
        .map(|(_, v)| if v == "ajoutee" { "Période de stage ajoutée." } else { "Période de stage supprimée." });
    Ok(private(render(StatusCode::OK, &page)))
}

/// `POST /espace/lycees/{uai}/vitrine`.
pub async fn save(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path(uai): Path<String>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut page = editor(&state, &csrf, &agent, &uai).await?;
    if !csrf.accepts_form(&state, &form) {
        page.errors.insert("formulaire", "Le formulaire a expiré : rechargez la page et enregistrez à nouveau.".into());
        return Ok(private(render(StatusCode::FORBIDDEN, &page)));
    }
    let mut errors = BTreeMap::new();
    let text = |name: &'static str, errors: &mut BTreeMap<&'static str, String>| {
        let t = form.raw(name).trim().replace("\r\n", "\n");
        if t.chars().count() > MAX_TEXT {
            errors.insert(name, format!("{MAX_TEXT} caractères au plus."));
        }
        t
    };
    let v = VitrineRow {
        uai: page.uai.clone(),
        presentation: text("presentation", &mut errors),
        plateaux: text("plateaux", &mut errors),
        reussites: text("reussites", &mut errors),
        horaires: text("horaires", &mut errors),
        bde_nom: crate::partners::name(&form.get("bde_nom"), false, "bde_nom", &mut errors),
        bde_email: Some(form.get("bde_email")).filter(|s| !s.is_empty()),
        bde_telephone: Some(form.get("bde_telephone")).filter(|s| !s.is_empty()),
        bde_public: form.get("bde_public") == "oui",
        modifie_le: clock::to_rfc3339(state.clock.now()),
        modifie_par: agent.email.clone(),
    };
    if let Some(e) = &v.bde_email
        && let Err(err) = e.parse::<domain::ids::Email>()
    {
        errors.insert("bde_email", format!("{err}."));
    }
    if let Some(t) = &v.bde_telephone
        && (t.len() > 30 || !t.chars().all(|c| c.is_ascii_digit() || " +.()-".contains(c)))
    {
        errors.insert("bde_telephone", "Numéro de téléphone invalide : chiffres, espaces, « + » et points.".into());
    }
    let chosen: Vec<String> = form.all("actions").into_iter().filter(|c| ActionType::from_code(c).is_some()).collect();
    let paused = form.get("en_pause") == "oui";
    if chosen.is_empty() && !paused {
        errors.insert("actions", "Cochez au moins une action, ou mettez les demandes en pause.".into());
    }
    let capacity_text = form.get("capacite");
    let capacity = match capacity_text.as_str() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(n) if (0..=1000).contains(&n) => Some(n),
            _ => {
                errors.insert("capacite", "Un nombre entier de 0 à 1 000, ou rien pour ne pas fixer de limite.".into());
                None
            }
        },
    };
    let every = ActionType::ALL.iter().all(|a| chosen.iter().any(|c| c == a.code()));
    let d = DisponibiliteRow {
        actions: if every { None } else { Some(chosen.join(",")) },
        en_pause: paused,
        capacite: capacity,
    };
    if !errors.is_empty() {
        page.actions =
            ActionType::ALL.iter().map(|a| (a.code(), a.label(), chosen.iter().any(|c| c == a.code()))).collect();
        page.paused = paused;
        page.capacity = capacity_text;
        page.v = v;
        if errors.contains_key("bde_nom") {
            // Shown again as typed, to be corrected.
            page.v.bde_nom = Some(form.get("bde_nom"));
        }
        page.errors = errors;
        return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &page)));
    }
    crate::showcase::save(&state.requests.db, &v, &d, &agent.email).await?;
    // The bureau's address may make the lycée reachable (or not): what is
    // computed from reachability follows at once.
    state.requests.changed();
    refresh(&state).await;
    Ok(private(Redirect::to(&format!("/espace/lycees/{}/vitrine?enregistre=1", v.uai)).into_response()))
}

/// After a change of what the public page shows: this instance shows it at
/// once; the others within seconds (they watch the catalogue version).
pub(super) async fn refresh(state: &AppState) {
    if let Ok(true) = state.catalogue.refresh().await {
        state.rebuild_search();
    }
}

/// `POST /espace/lycees/{uai}/pfmp`: adds an internship period.
pub async fn add_period(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path(uai): Path<String>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut page = editor(&state, &csrf, &agent, &uai).await?;
    page.period = (form.get("diplome"), form.get("annee"), form.get("debut"), form.get("fin"));
    let mut e = crate::partners::Errors::new();
    if !csrf.accepts_form(&state, &form) {
        e.insert("formulaire", crate::web::csrf::EXPIRED.into());
    }
    let diploma = form.get("diplome");
    if !page.diplomas.iter().any(|(c, _)| *c == diploma) {
        e.insert("diplome", "Choisissez un diplôme du lycée.".into());
    }
    let year = form.get("annee");
    let year_ok = match year.split_once('-') {
        Some((a, b)) => match (a.parse::<i32>(), b.parse::<i32>()) {
            (Ok(a), Ok(b)) => b == a + 1 && (2020..=2100).contains(&a),
            _ => false,
        },
        None => false,
    };
    if !year_ok {
        e.insert("annee", "Année scolaire au format 2026-2027.".into());
    }
    let start = crate::partners::date(&form.get("debut"), "debut", &mut e);
    let end = crate::partners::date(&form.get("fin"), "fin", &mut e);
    for (field, v) in [("debut", &start), ("fin", &end)] {
        if v.is_none() && !e.contains_key(field) {
            e.insert(field, "Champ obligatoire.".into());
        }
    }
    if let (Some(a), Some(b)) = (&start, &end)
        && b < a
    {
        e.insert("fin", "La fin doit suivre le début.".into());
    }
    if !e.is_empty() {
        page.period_errors = e;
        return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &page)));
    }
    let row = store::PeriodeRow {
        id: random_id(),
        uai: page.uai.clone(),
        diplome: diploma,
        annee: year,
        debut: start.unwrap_or_default(),
        fin: end.unwrap_or_default(),
    };
    crate::showcase::add_period(&state.requests.db, &row).await?;
    refresh(&state).await;
    Ok(private(Redirect::to(&format!("/espace/lycees/{}/vitrine?pfmp=ajoutee#pfmp", page.uai)).into_response()))
}

/// `POST /espace/lycees/{uai}/pfmp/{id}/supprimer`.
pub async fn delete_period(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path((uai, id)): Path<(String, String)>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let page = editor(&state, &csrf, &agent, &uai).await?;
    if !csrf.accepts_form(&state, &form) {
        return Err(PageError::BadRequest(crate::web::csrf::EXPIRED.into()));
    }
    let deleted = crate::showcase::delete_period(&state.requests.db, &page.uai, &id).await?;
    if !deleted {
        return Err(PageError::NotFound);
    }
    refresh(&state).await;
    Ok(private(Redirect::to(&format!("/espace/lycees/{}/vitrine?pfmp=supprimee#pfmp", page.uai)).into_response()))
}
