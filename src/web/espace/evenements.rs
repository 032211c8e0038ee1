//! The events of a lycée in the workspace (`/espace/lycees/{uai}/evenements`):
//! publish one, change or cancel it, see and export its registrations.
//! Only the people who answer for the lycée see them (else 404), as for
//! its showcase.

use super::demandes::csv_cell;
use super::{SignedIn, private};
use crate::accounts::Agent;
use crate::clock;
use crate::events::{self, Told};
use crate::partners::{Errors, optional, required};
use crate::security::random_id;
use crate::storage::events::{self as store, EventRow, EventWithCounts, RegistrationRow};
use crate::web::AppState;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::PostedForm;
use crate::web::layout::{Chrome, Crumb};
use askama::Template;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::events::{EventKind, EventState};
use domain::text::{count_of, plural};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 150;
/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 5_000;
/// Largest capacity.
pub const MAX_CAPACITY: i64 = 10_000;

/// The lycée `uai` if the person answers for it (else 404): its UAI, its
/// name, its département and its commune code.
fn lycee_of(state: &AppState, agent: &Agent, uai: &str) -> Result<(String, String, String, String), PageError> {
    let index = state.search.index();
    let l = index.lycee(&uai.to_uppercase()).ok_or(PageError::NotFound)?;
    if !agent.sees_lycee(&l.uai, l.academie.as_deref()) {
        return Err(PageError::NotFound);
    }
    Ok((l.uai.clone(), format!("{}, {}", l.nom, l.commune_nom), l.departement.clone(), l.commune_code.clone()))
}

/// An event as typed in the form.
#[derive(Default, Clone)]
pub struct Draft {
    genre: String,
    titre: String,
    description: String,
    date: String,
    heure_debut: String,
    date_fin: String,
    heure_fin: String,
    lieu: String,
    adresse: String,
    public_vise: String,
    capacite: String,
}

impl Draft {
    fn from_form(form: &PostedForm) -> Draft {
        Draft {
            genre: form.get("genre"),
            titre: form.get("titre"),
            description: form.raw("description").trim().replace("\r\n", "\n"),
            date: form.get("date"),
            heure_debut: form.get("heure_debut"),
            date_fin: form.get("date_fin"),
            heure_fin: form.get("heure_fin"),
            lieu: form.get("lieu"),
            adresse: form.get("adresse"),
            public_vise: form.get("public_vise"),
            capacite: form.get("capacite"),
        }
    }

    /// The form of a stored event, in the lycée's local time.
    fn of(e: &EventRow, departement: &str) -> Draft {
        let (a, b) = (events::local(&e.debut, departement), events::local(&e.fin, departement));
        let hm = |t: Option<time::OffsetDateTime>| t.map(|t| format!("{:02}:{:02}", t.hour(), t.minute()));
        Draft {
            genre: e.genre.code().into(),
            titre: e.titre.clone(),
            description: e.description.clone(),
            date: a.map(events::day).unwrap_or_default(),
            heure_debut: hm(a).unwrap_or_default(),
            date_fin: match (a, b) {
                (Some(a), Some(b)) if a.date() != b.date() => events::day(b),
                _ => String::new(),
            },
            heure_fin: hm(b).unwrap_or_default(),
            lieu: e.lieu.clone(),
            adresse: e.adresse.clone(),
            public_vise: e.public_vise.clone(),
            capacite: e.capacite.map(|c| c.to_string()).unwrap_or_default(),
        }
    }

    /// The text fields: (name, label, hint, value).
    fn fields(&self) -> [(&'static str, &'static str, &'static str, &str); 9] {
        [
            ("titre", "Titre", "Par exemple : Forum des métiers du bâtiment", &self.titre),
            ("date", "Date", "JJ/MM/AAAA", &self.date),
            ("heure_debut", "Heure de début", "Par exemple 14:00", &self.heure_debut),
            ("heure_fin", "Heure de fin", "Par exemple 17:30", &self.heure_fin),
            (
                "date_fin",
                "Date de fin",
                "Facultatif : seulement si l'événement dure plusieurs jours (JJ/MM/AAAA).",
                &self.date_fin,
            ),
            ("lieu", "Lieu", "Par exemple : gymnase du lycée", &self.lieu),
            ("adresse", "Adresse", "Facultatif : si elle diffère de celle du lycée.", &self.adresse),
            (
                "public_vise",
                "Pour qui",
                "Par exemple : entreprises du BTP qui accueillent des élèves de CAP",
                &self.public_vise,
            ),
            (
                "capacite",
                "Nombre d'entreprises accueillies",
                "Facultatif : laissez vide pour ne pas limiter.",
                &self.capacite,
            ),
        ]
    }

    /// The row to store (over `row`), or the field errors. `confirmed`:
    /// the registrations already confirmed (the capacity may not go
    /// below).
    fn check(
        &self,
        mut row: EventRow,
        departement: &str,
        now: time::OffsetDateTime,
        confirmed: i64,
    ) -> Result<EventRow, Errors> {
        let mut e = Errors::new();
        match self.genre.parse::<EventKind>() {
            Ok(k) => row.genre = k,
            Err(_) => {
                e.insert("genre", "Choisissez le type d'événement.".into());
            }
        }
        row.titre = required(&self.titre, MAX_TITLE, "titre", &mut e);
        row.description = optional(&self.description, MAX_DESCRIPTION, "description", &mut e).unwrap_or_default();
        row.lieu = required(&self.lieu, 200, "lieu", &mut e);
        row.adresse = optional(&self.adresse, 300, "adresse", &mut e).unwrap_or_default();
        row.public_vise = optional(&self.public_vise, 300, "public_vise", &mut e).unwrap_or_default();
        let date = match self.date.as_str() {
            "" => {
                e.insert("date", "Champ obligatoire.".into());
                None
            }
            t => crate::web::form::typed_date(t).or_else(|| {
                e.insert("date", "Date invalide : JJ/MM/AAAA, par exemple 14/01/2027.".into());
                None
            }),
        };
        let end_date = match self.date_fin.as_str() {
            "" => date,
            t => crate::web::form::typed_date(t).or_else(|| {
                e.insert("date_fin", "Date invalide : JJ/MM/AAAA, par exemple 15/01/2027.".into());
                None
            }),
        };
        let mut hour = |field: &'static str, text: &str| match text {
            "" => {
                e.insert(field, "Champ obligatoire.".into());
                None
            }
            t => events::typed_time(t).or_else(|| {
                e.insert(field, "Heure invalide : HH:MM, par exemple 14:30.".into());
                None
            }),
        };
        let (start, end) = (hour("heure_debut", &self.heure_debut), hour("heure_fin", &self.heure_fin));
        if let (Some(d), Some(s), Some(df), Some(f)) = (date, start, end_date, end) {
            let (a, b) = (events::instant(d, s, departement), events::instant(df, f, departement));
            if b <= a {
                let field = if self.date_fin.is_empty() { "heure_fin" } else { "date_fin" };
                e.insert(field, "La fin doit suivre le début.".into());
            } else if b - a > time::Duration::days(14) {
                e.insert("date_fin", "Un événement dure 14 jours au plus.".into());
            }
            if a <= now {
                e.insert("date", "L'événement doit commencer plus tard qu'aujourd'hui à cette heure.".into());
            } else if a > now + time::Duration::days(3 * 365) {
                e.insert("date", "L'événement doit avoir lieu dans les trois ans.".into());
            }
            row.debut = clock::to_rfc3339(a);
            row.fin = clock::to_rfc3339(b);
        }
        row.capacite = match self.capacite.as_str() {
            "" => None,
            t => match t.parse::<i64>() {
                Ok(n) if (1..=MAX_CAPACITY).contains(&n) && n >= confirmed => Some(n),
                Ok(n) if (1..=MAX_CAPACITY).contains(&n) => {
                    e.insert(
                        "capacite",
                        format!(
                            "Déjà {} : la capacité ne peut pas être inférieure.",
                            count_of(confirmed, "inscription confirmée", "inscriptions confirmées")
                        ),
                    );
                    None
                }
                _ => {
                    e.insert("capacite", "Un nombre entier de 1 à 10 000, ou rien pour ne pas limiter.".into());
                    None
                }
            },
        };
        if e.is_empty() { Ok(row) } else { Err(e) }
    }
}

/// An event in the workspace list.
struct Line {
    id: String,
    titre: String,
    genre: &'static str,
    quand: String,
    /// "2 inscriptions confirmées, 1 en attente".
    inscriptions: String,
    status: &'static str,
}

fn line(e: &EventWithCounts, departement: &str, now: time::OffsetDateTime) -> Line {
    let ev = &e.event;
    let mut inscriptions = format!(
        "{} {}",
        count_of(e.confirmees, "inscription", "inscriptions"),
        plural(e.confirmees, "confirmée", "confirmées")
    );
    if e.en_attente > 0 {
        inscriptions.push_str(&format!(", {} en attente de confirmation", e.en_attente));
    }
    let full = domain::events::places_left(e.confirmees, ev.capacite) == Some(0);
    Line {
        id: ev.id.clone(),
        titre: ev.titre.clone(),
        genre: ev.genre.label(),
        quand: events::span(&ev.debut, &ev.fin, departement),
        inscriptions,
        status: if ev.etat == EventState::Annule {
            "Annulé"
        } else if events::is_over(ev, now) {
            "Terminé"
        } else if full {
            "Complet"
        } else {
            "Publié"
        },
    }
}

#[derive(Template)]
#[template(path = "espace_evenements.html")]
struct ListPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    who: String,
    role_label: String,
    uai: String,
    nom: String,
    coming: Vec<Line>,
    past: Vec<Line>,
    draft: Draft,
    kinds: Vec<(&'static str, &'static str)>,
    errors: Errors,
    notice: Option<&'static str>,
    /// The form's action and button (create here, save on an event's page).
    action: String,
    button: &'static str,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn summary(&self) -> Vec<(String, String)> {
        summary(&self.errors)
    }
}

fn summary(errors: &Errors) -> Vec<(String, String)> {
    errors.iter().filter(|(f, _)| **f != "formulaire").map(|(f, m)| (format!("evenement-{f}"), m.clone())).collect()
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    EventKind::ALL.iter().map(|k| (k.code(), k.label())).collect()
}

async fn list_page(state: &AppState, csrf: &CsrfCookie, agent: &Agent, uai: &str) -> Result<ListPage, PageError> {
    let (uai, nom, departement, _) = lycee_of(state, agent, uai)?;
    let now = state.clock.now();
    let all = store::of_lycee(&state.requests.db, &uai).await?;
    let (mut coming, past): (Vec<_>, Vec<_>) = all.iter().partition(|e| !events::is_over(&e.event, now));
    coming.reverse();
    Ok(ListPage {
        chrome: Chrome::new("espace"),
        crumbs: vec![Crumb::new("Mon espace", "/espace")],
        here: "Événements".into(),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        coming: coming.into_iter().map(|e| line(e, &departement, now)).collect(),
        past: past.into_iter().map(|e| line(e, &departement, now)).collect(),
        draft: Draft::default(),
        kinds: kinds(),
        errors: Errors::new(),
        notice: None,
        action: format!("/espace/lycees/{uai}/evenements"),
        button: "Publier l'événement",
        uai,
        nom,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    fait: Option<String>,
}

/// `GET /espace/evenements`: the events of the person's lycée (the first
/// one's page; a coordinator or an administrator, without a lycée of
/// their own, goes through a lycée's page of the workspace).
pub async fn mine(SignedIn(agent): SignedIn) -> Result<Response, PageError> {
    match agent.lycees.first() {
        Some(uai) => Ok(private(Redirect::to(&format!("/espace/lycees/{uai}/evenements")).into_response())),
        None => Ok(private(Redirect::to("/espace/territoire").into_response())),
    }
}

/// `GET /espace/lycees/{uai}/evenements`.
pub async fn list(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path(uai): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let mut page = list_page(&state, &csrf, &agent, &uai).await?;
    page.notice = match done.fait.as_deref() {
        Some("publie") => Some("Événement publié : il apparaît sur la vitrine du lycée et dans les événements."),
        Some("annule") => Some("Événement annulé ; les entreprises inscrites sont prévenues par courriel."),
        _ => None,
    };
    Ok(private(render(StatusCode::OK, &page)))
}

/// `POST /espace/lycees/{uai}/evenements`: publishes an event.
pub async fn create(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path(uai): Path<String>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut page = list_page(&state, &csrf, &agent, &uai).await?;
    let draft = Draft::from_form(&form);
    if !csrf.accepts_form(&state, &form) {
        page.errors.insert("formulaire", crate::web::csrf::EXPIRED.into());
        page.draft = draft;
        return Ok(private(render(StatusCode::FORBIDDEN, &page)));
    }
    let (_, _, departement, commune) = lycee_of(&state, &agent, &uai)?;
    let now = state.clock.now();
    let now_s = clock::to_rfc3339(now);
    let row = EventRow {
        id: random_id(),
        uai: page.uai.clone(),
        genre: EventKind::Autre,
        titre: String::new(),
        description: String::new(),
        debut: String::new(),
        fin: String::new(),
        lieu: String::new(),
        adresse: String::new(),
        commune_code: Some(commune),
        public_vise: String::new(),
        capacite: None,
        etat: EventState::Publie,
        cree_par: agent.email.clone(),
        cree_le: now_s.clone(),
        modifie_le: now_s,
        annule_le: None,
    };
    match draft.check(row, &departement, now, 0) {
        Ok(row) => {
            events::publish(&state.requests.db, &row, &agent.email).await?;
            Ok(private(Redirect::to(&format!("/espace/lycees/{}/evenements?fait=publie", row.uai)).into_response()))
        }
        Err(errors) => {
            page.errors = errors;
            page.draft = draft;
            Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &page)))
        }
    }
}

/// A registration as the officer sees it.
struct RegistrationLine {
    entreprise: String,
    personne: String,
    email: String,
    telephone: String,
    personnes: i64,
    etat: &'static str,
    date: String,
}

#[derive(Template)]
#[template(path = "espace_evenement.html")]
struct EventPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    who: String,
    role_label: String,
    uai: String,
    nom: String,
    line: Line,
    editable: bool,
    draft: Draft,
    kinds: Vec<(&'static str, &'static str)>,
    errors: Errors,
    registrations: Vec<RegistrationLine>,
    notice: Option<&'static str>,
    action: String,
    button: &'static str,
}

impl EventPage {
    /// "2 inscriptions".
    fn caption(&self) -> String {
        count_of(self.registrations.len() as i64, "inscription", "inscriptions")
    }

    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn summary(&self) -> Vec<(String, String)> {
        summary(&self.errors)
    }
}

/// Event `id` of lycée `uai`, if the person answers for the lycée.
async fn event_of(
    state: &AppState,
    agent: &Agent,
    uai: &str,
    id: &str,
) -> Result<(EventWithCounts, String, String), PageError> {
    let (uai, nom, departement, _) = lycee_of(state, agent, uai)?;
    if id.len() > 64 {
        return Err(PageError::NotFound);
    }
    let e = store::event(&state.requests.db, id).await?.filter(|e| e.event.uai == uai).ok_or(PageError::NotFound)?;
    Ok((e, nom, departement))
}

fn registration_line(r: RegistrationRow) -> RegistrationLine {
    RegistrationLine {
        personne: match &r.prenom {
            Some(p) => format!("{p} {}", r.nom),
            None => r.nom.clone(),
        },
        entreprise: r.entreprise,
        email: r.email,
        telephone: r.telephone.unwrap_or_default(),
        personnes: r.personnes,
        etat: r.etat.label(),
        date: domain::text::short_date(&r.cree_le),
    }
}

async fn event_page(
    state: &AppState,
    csrf: &CsrfCookie,
    agent: &Agent,
    uai: &str,
    id: &str,
) -> Result<(EventPage, EventWithCounts, String), PageError> {
    let (e, nom, departement) = event_of(state, agent, uai, id).await?;
    let now = state.clock.now();
    let registrations = store::registrations(&state.requests.db, &e.event.id).await?;
    let page = EventPage {
        chrome: Chrome::new("espace"),
        crumbs: vec![
            Crumb::new("Mon espace", "/espace"),
            Crumb::new("Événements", format!("/espace/lycees/{}/evenements", e.event.uai)),
        ],
        here: e.event.titre.clone(),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        uai: e.event.uai.clone(),
        nom,
        line: line(&e, &departement, now),
        editable: events::open(&e.event, now),
        draft: Draft::of(&e.event, &departement),
        kinds: kinds(),
        errors: Errors::new(),
        registrations: registrations.into_iter().map(registration_line).collect(),
        notice: None,
        action: format!("/espace/lycees/{}/evenements/{}", e.event.uai, e.event.id),
        button: "Enregistrer les modifications",
    };
    Ok((page, e, departement))
}

/// `GET /espace/lycees/{uai}/evenements/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path((uai, id)): Path<(String, String)>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let (mut page, _, _) = event_page(&state, &csrf, &agent, &uai, &id).await?;
    page.notice = match done.fait.as_deref() {
        Some("modifie") => Some("Modifications enregistrées."),
        _ => None,
    };
    Ok(private(render(StatusCode::OK, &page)))
}

/// `POST /espace/lycees/{uai}/evenements/{id}`: changes an event not
/// started yet.
pub async fn save(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path((uai, id)): Path<(String, String)>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let (mut page, e, departement) = event_page(&state, &csrf, &agent, &uai, &id).await?;
    let draft = Draft::from_form(&form);
    if !csrf.accepts_form(&state, &form) {
        page.errors.insert("formulaire", crate::web::csrf::EXPIRED.into());
        page.draft = draft;
        return Ok(private(render(StatusCode::FORBIDDEN, &page)));
    }
    if !page.editable {
        page.errors.insert("formulaire", "Un événement commencé, terminé ou annulé ne se modifie plus.".into());
        return Ok(private(render(StatusCode::CONFLICT, &page)));
    }
    let now = state.clock.now();
    let row = EventRow { modifie_le: clock::to_rfc3339(now), ..e.event.clone() };
    match draft.check(row, &departement, now, e.confirmees) {
        Ok(row) => {
            events::update(&state.requests.db, &row, &agent.email).await?;
            Ok(private(
                Redirect::to(&format!("/espace/lycees/{}/evenements/{}?fait=modifie", row.uai, row.id)).into_response(),
            ))
        }
        Err(errors) => {
            page.errors = errors;
            page.draft = draft;
            Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &page)))
        }
    }
}

/// `POST /espace/lycees/{uai}/evenements/{id}/annuler`: cancels the event
/// and tells the confirmed registrants.
pub async fn cancel(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path((uai, id)): Path<(String, String)>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let (mut page, e, departement) = event_page(&state, &csrf, &agent, &uai, &id).await?;
    if !csrf.accepts_form(&state, &form) {
        page.errors.insert("formulaire", crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &page)));
    }
    if events::is_over(&e.event, state.clock.now()) {
        page.errors.insert("formulaire", "Un événement terminé ne s'annule plus.".into());
        return Ok(private(render(StatusCode::CONFLICT, &page)));
    }
    let (lycee, _, _) = crate::web::evenements::lycee_facts(&state, &e.event.uai);
    let told = Told { event: &e.event, lycee: &lycee, departement: &departement, base_url: &state.requests.base_url };
    events::cancel(&state.requests.db, &told, &agent.email, state.clock.now()).await?;
    state.wake.notify_one();
    Ok(private(Redirect::to(&format!("/espace/lycees/{}/evenements?fait=annule", e.event.uai)).into_response()))
}

/// `GET /espace/lycees/{uai}/evenements/{id}/inscriptions.csv`: the
/// registrations, for a spreadsheet (semicolons, UTF-8 with BOM, like the
/// other exports).
pub async fn csv(
    State(state): State<AppState>,
    SignedIn(agent): SignedIn,
    Path((uai, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (e, _, _) = event_of(&state, &agent, &uai, &id).await?;
    let mut out =
        String::from("\u{feff}Entreprise;Prénom;Nom;Courriel;Téléphone;Personnes;État;Inscrite le;Confirmée le\r\n");
    for r in store::registrations(&state.requests.db, &e.event.id).await? {
        let cells = [
            r.entreprise.clone(),
            r.prenom.clone().unwrap_or_default(),
            r.nom.clone(),
            r.email.clone(),
            r.telephone.clone().unwrap_or_default(),
            r.personnes.to_string(),
            r.etat.label().to_string(),
            domain::text::short_date(&r.cree_le),
            r.confirme_le.as_deref().map(domain::text::short_date).unwrap_or_default(),
        ];
        out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    let mut res = out.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"inscriptions-evenement.csv\""),
    );
    Ok(private(res))
}
