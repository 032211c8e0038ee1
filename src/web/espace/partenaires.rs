//! The partners of a lycée (`/espace/partenaires`): the list with search
//! and tags, one partner with its contacts, history and conventions, and
//! the CSV export. A partner belongs to one lycée; only the people who
//! answer for that lycée see it (else 404).

use super::demandes::csv_cell;
use super::{SignedIn, private};
use crate::accounts::Agent;
use crate::clock;
use crate::partners::{self, Errors, KINDS, kind_label, name, optional, required, required_name};
use crate::security::random_id;
use crate::storage::partners::{self as store, ContactRow, ConventionRow, InteractionRow, PartenaireRow};
use crate::web::AppState;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::PostedForm;
use crate::web::layout::{Chrome, Crumb};
use askama::Template;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    lycee: Option<String>,
    q: Option<String>,
    tag: Option<String>,
}

/// The lycées whose partners the page shows: the one asked for if the
/// person answers for it (else 404), or all of an RBE's lycées.
fn lycees_shown(state: &AppState, agent: &Agent, asked: Option<&str>) -> Result<Vec<(String, String)>, PageError> {
    let index = state.search.index();
    let named = |u: &str| index.lycee(u).map(|l| (l.uai.clone(), format!("{}, {}", l.nom, l.commune_nom)));
    match asked.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => {
            let l = index.lycee(&a.to_uppercase()).ok_or(PageError::NotFound)?;
            if !agent.sees_lycee(&l.uai, l.academie.as_deref()) {
                return Err(PageError::NotFound);
            }
            Ok(named(&l.uai).into_iter().collect())
        }
        None => Ok(agent.lycees.iter().filter_map(|u| named(u)).collect()),
    }
}

/// The partner `id` if the person answers for its lycée (else 404).
async fn visible(state: &AppState, agent: &Agent, id: &str) -> Result<PartenaireRow, PageError> {
    if id.len() > 64 {
        return Err(PageError::NotFound);
    }
    let p = store::by_id(&state.requests.db, id).await?.ok_or(PageError::NotFound)?;
    let index = state.search.index();
    let academie = index.lycee(&p.uai).and_then(|l| l.academie.clone());
    if !agent.sees_lycee(&p.uai, academie.as_deref()) {
        return Err(PageError::NotFound);
    }
    Ok(p)
}

/// A partner as typed in the form.
#[derive(Default)]
struct Draft {
    uai: String,
    nom: String,
    siret: String,
    secteur: String,
    adresse: String,
    tags: String,
}

impl Draft {
    fn of(p: &PartenaireRow) -> Draft {
        Draft {
            uai: p.uai.clone(),
            nom: p.nom.clone(),
            siret: p.siret.clone().unwrap_or_default(),
            secteur: p.secteur.clone().unwrap_or_default(),
            adresse: p.adresse.clone().unwrap_or_default(),
            tags: p.tags.replace(',', ", "),
        }
    }

    /// The form's fields: (name, label, hint, value).
    fn fields(&self) -> [(&'static str, &'static str, &'static str, &str); 5] {
        [
            ("nom", "Nom de l'entreprise", "", &self.nom),
            ("siret", "SIRET", "14 chiffres, facultatif.", &self.siret),
            ("secteur", "Secteur d'activité", "Par exemple : électricité du bâtiment.", &self.secteur),
            ("adresse", "Adresse", "", &self.adresse),
            ("tags", "Étiquettes", "Séparées par des virgules, par exemple : BTP, apprentissage.", &self.tags),
        ]
    }

    fn from_form(form: &PostedForm) -> Draft {
        Draft {
            uai: form.get("lycee").to_uppercase(),
            nom: form.get("nom"),
            siret: form.get("siret"),
            secteur: form.get("secteur"),
            adresse: form.get("adresse"),
            tags: form.get("tags"),
        }
    }

    /// The row to store, or the field errors.
    fn check(&self, mut row: PartenaireRow) -> Result<PartenaireRow, Errors> {
        let mut e = Errors::new();
        row.nom = required_name(&self.nom, true, "nom", &mut e);
        row.nom_norm = domain::text::fold(&row.nom);
        row.siret = match self.siret.trim() {
            "" => None,
            s => match s.parse::<domain::ids::Siret>() {
                Ok(v) => Some(v.as_str().to_string()),
                Err(err) => {
                    e.insert("siret", format!("{err}."));
                    None
                }
            },
        };
        row.secteur = optional(&self.secteur, 200, "secteur", &mut e);
        row.adresse = optional(&self.adresse, 300, "adresse", &mut e);
        row.tags = partners::tags(&self.tags, &mut e);
        if e.is_empty() { Ok(row) } else { Err(e) }
    }
}

#[derive(Template)]
#[template(path = "partenaires.html")]
struct ListPage {
    chrome: Chrome,
    csrf: String,
    who: String,
    role_label: String,
    lycees: Vec<(String, String)>,
    /// The `lycee` of the query, kept in links.
    lycee: String,
    q: String,
    tag: String,
    partners: Vec<PartenaireRow>,
    all_tags: Vec<String>,
    draft: Draft,
    errors: Errors,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    /// Errors of the partner's fields (the only form here).
    fn draft_error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    /// The field errors as (field id, message), for the error summary.
    fn summary(&self) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(f, _)| **f != "formulaire")
            .map(|(f, m)| (format!("partenaire-{f}"), m.clone()))
            .collect()
    }

    fn lycee_name(&self, uai: &str) -> String {
        self.lycees.iter().find(|(u, _)| u == uai).map_or(uai.to_string(), |(_, n)| n.clone())
    }
}

async fn list_page(state: &AppState, csrf: &CsrfCookie, agent: &Agent, q: &ListQuery) -> Result<ListPage, PageError> {
    let lycees = lycees_shown(state, agent, q.lycee.as_deref())?;
    let uais: Vec<String> = lycees.iter().map(|(u, _)| u.clone()).collect();
    let words = q.q.clone().unwrap_or_default().chars().take(100).collect::<String>();
    let tag = q.tag.clone().unwrap_or_default().trim().chars().take(40).collect::<String>();
    let db = &state.requests.db;
    let partners = store::list(db, &uais, &domain::text::fold(&words), &tag).await?;
    let all_tags = store::tags(db, &uais).await?;
    Ok(ListPage {
        chrome: Chrome::new("espace"),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        draft: Draft { uai: uais.first().cloned().unwrap_or_default(), ..Draft::default() },
        lycee: q.lycee.clone().unwrap_or_default().chars().take(8).collect(),
        lycees,
        q: words,
        tag,
        partners,
        all_tags,
        errors: Errors::new(),
    })
}

/// `GET /espace/partenaires`.
pub async fn list(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    Ok(private(render(StatusCode::OK, &list_page(&state, &csrf, &agent, &q).await?)))
}

/// `POST /espace/partenaires`: a new partner.
pub async fn create(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    form: PostedForm,
) -> Result<Response, PageError> {
    let draft = Draft::from_form(&form);
    // The lycée must be one the person answers for: else 404, like a URL.
    let lycee = lycees_shown(&state, &agent, Some(&draft.uai))?.into_iter().next().ok_or(PageError::NotFound)?;
    let mut page = list_page(&state, &csrf, &agent, &ListQuery::default()).await?;
    if !csrf.accepts_form(&state, &form) {
        page.errors.insert("formulaire", crate::web::csrf::EXPIRED.into());
        page.draft = draft;
        return Ok(private(render(StatusCode::FORBIDDEN, &page)));
    }
    let now = clock::to_rfc3339(state.clock.now());
    let row = PartenaireRow {
        id: random_id(),
        uai: lycee.0,
        cree_le: now.clone(),
        modifie_le: now.clone(),
        ..Default::default()
    };
    match draft.check(row) {
        Ok(row) => {
            partners::create(&state.requests.db, &row, &agent.email, &now).await?;
            Ok(private(Redirect::to(&format!("/espace/partenaires/{}", row.id)).into_response()))
        }
        Err(errors) => {
            page.errors = errors;
            page.draft = draft;
            Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &page)))
        }
    }
}

/// A line of a partner's history, as shown.
pub struct HistoryLine {
    pub date: String,
    pub kind: String,
    pub text: String,
    pub by: String,
    pub reference: Option<String>,
}

#[derive(Template)]
#[template(path = "partenaire.html")]
struct PartnerPage {
    chrome: Chrome,
    crumbs: Vec<Crumb>,
    here: String,
    csrf: String,
    who: String,
    role_label: String,
    p: PartenaireRow,
    lycee: String,
    draft: Draft,
    contacts: Vec<ContactRow>,
    history: Vec<HistoryLine>,
    conventions: Vec<(ConventionRow, String, String)>,
    kinds: &'static [(&'static str, &'static str)],
    /// What the partner can host: (id, words).
    capacities: Vec<(String, String)>,
    /// The choices of the capacity form: the lycée's diplomas ("cfd:…")
    /// and their jobs ("rome:…"), (value, label).
    capacity_diplomas: Vec<(String, String)>,
    capacity_jobs: Vec<(String, String)>,
    /// Which form the errors are about.
    form: String,
    errors: Errors,
    fields: std::collections::HashMap<String, String>,
    /// Every field posted, in order (repeated names kept).
    all_fields: Vec<(String, String)>,
    notice: Option<String>,
}

impl PartnerPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    /// The capacity form's errors as (field id, message).
    fn capacity_summary(&self) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(f, _)| **f != "formulaire")
            .map(|(f, m)| (format!("capacite-{f}"), m.clone()))
            .collect()
    }

    /// An error of the capacity form.
    fn capacity_error(&self, field: &str) -> Option<&String> {
        if self.form == "capacite" { self.errors.get(field) } else { None }
    }

    /// The months of the capacity form: (number, name, checked).
    fn months(&self) -> Vec<(u8, &'static str, bool)> {
        let typed = if self.form == "capacite" { self.fields_all("mois") } else { Vec::new() };
        (1..=12u8).map(|m| (m, domain::text::month_name(m), typed.contains(&m.to_string()))).collect()
    }

    fn fields_all(&self, name: &str) -> Vec<String> {
        self.all_fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// Errors of the partner's own fields (not of the contact form).
    fn draft_error(&self, field: &str) -> Option<&String> {
        if self.form == "modifier" { self.errors.get(field) } else { None }
    }

    /// The field errors as (field id, message), for the error summary.
    fn summary(&self) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(f, _)| **f != "formulaire")
            .map(|(f, m)| {
                let id = match self.form.as_str() {
                    "modifier" => format!("partenaire-{f}"),
                    "supprimer" => "confirmation-suppression".to_string(),
                    form => format!("{form}-{f}"),
                };
                (id, m.clone())
            })
            .collect()
    }

    /// What was typed in a field of the form that failed.
    fn typed(&self, field: &str) -> &str {
        self.fields.get(field).map_or("", String::as_str)
    }
}

async fn partner_page(state: &AppState, csrf: &CsrfCookie, agent: &Agent, id: &str) -> Result<PartnerPage, PageError> {
    let p = visible(state, agent, id).await?;
    let db = &state.requests.db;
    let index = state.search.index();
    let lycee = index.lycee(&p.uai).map_or(p.uai.clone(), |l| format!("{}, {}", l.nom, l.commune_nom));
    let interactions = store::interactions(db, &p.id).await?;
    let ids: Vec<String> = interactions.iter().filter_map(|i| i.demande_id.clone()).collect();
    let references = crate::storage::requests::references(db, &ids).await?;
    let mut history = Vec::new();
    for i in interactions {
        let reference = i.demande_id.as_ref().and_then(|d| references.get(d).cloned());
        history.push(HistoryLine {
            date: domain::text::short_date(&i.date),
            kind: kind_label(&i.genre).to_string(),
            text: i.texte,
            by: i.cree_par,
            reference,
        });
    }
    let (mut capacity_diplomas, mut capacity_jobs) = (Vec::new(), Vec::new());
    if let Some(l) = index.lycee(&p.uai) {
        for o in &l.offers {
            capacity_diplomas.push((format!("cfd:{}", o.cfd), o.label.clone()));
            for r in &o.romes {
                if let Some(label) = index.rome_labels.get(r)
                    && !capacity_jobs.iter().any(|(v, _): &(String, String)| v.ends_with(r.as_str()))
                {
                    capacity_jobs.push((format!("rome:{r}"), label.clone()));
                }
            }
        }
    }
    capacity_diplomas.sort_by(|a, b| a.1.cmp(&b.1));
    capacity_jobs.sort_by(|a, b| a.1.cmp(&b.1));
    let conventions = store::conventions(db, &p.id)
        .await?
        .into_iter()
        .map(|c| {
            let (debut, fin) = (domain::text::short_date(&c.debut), domain::text::short_date(&c.fin));
            (c, debut, fin)
        })
        .collect();
    Ok(PartnerPage {
        chrome: Chrome::new("espace"),
        crumbs: vec![
            Crumb::new("Mon espace", "/espace"),
            Crumb::new("Partenaires", format!("/espace/partenaires?lycee={}", p.uai)),
        ],
        here: p.nom.clone(),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        draft: Draft::of(&p),
        contacts: store::contacts(db, &p.id).await?,
        history,
        conventions,
        kinds: &KINDS,
        capacities: crate::storage::placements::capacites(db, &p.id)
            .await?
            .iter()
            .map(|c| (c.id.clone(), crate::placements::capacity_words(&index, &p.uai, c)))
            .collect(),
        capacity_diplomas,
        capacity_jobs,
        lycee,
        p,
        form: String::new(),
        errors: Errors::new(),
        fields: Default::default(),
        all_fields: Vec::new(),
        notice: None,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    fait: Option<String>,
}

/// `GET /espace/partenaires/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let mut page = partner_page(&state, &csrf, &agent, &id).await?;
    page.notice = done.fait.as_deref().and_then(|f| match f {
        "modifier" => Some("Partenaire mis à jour.".to_string()),
        "contact" => Some("Contact ajouté.".to_string()),
        "historique" => Some("Échange ajouté à l'historique.".to_string()),
        "convention" => Some("Convention ajoutée ; un rappel sera envoyé avant sa fin.".to_string()),
        "capacite" => Some("Capacité d'accueil ajoutée.".to_string()),
        "capacite-supprimer" => Some("Capacité d'accueil supprimée.".to_string()),
        "ajout_garde" => Some(
            "Ce partenaire a été complété ou modifié depuis son ajout : il reste dans vos partenaires. \
             Vous pouvez le supprimer plus bas si vous le souhaitez."
                .to_string(),
        ),
        _ => None,
    });
    Ok(private(render(StatusCode::OK, &page)))
}

/// `POST /espace/partenaires/{id}/{what}`: modifier, contact, historique,
/// convention, supprimer.
pub async fn act(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path((id, what)): Path<(String, String)>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut page = partner_page(&state, &csrf, &agent, &id).await?;
    page.form = what.clone();
    page.fields = form.fields.0.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    page.all_fields = form.fields.0.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    if !csrf.accepts_form(&state, &form) {
        page.errors.insert("formulaire", crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &page)));
    }
    let now = clock::to_rfc3339(state.clock.now());
    let mut e = Errors::new();
    let db = &state.requests.db;
    let p = page.p.clone();
    let done = format!("/espace/partenaires/{}?fait={what}", p.id);
    match what.as_str() {
        "modifier" => {
            let draft = Draft::from_form(&form);
            match draft.check(PartenaireRow { modifie_le: now.clone(), ..p.clone() }) {
                Ok(row) => partners::update(db, &row).await?,
                Err(errors) => {
                    page.draft = draft;
                    e = errors;
                }
            }
        }
        "contact" => {
            let row = ContactRow {
                id: random_id(),
                partenaire_id: p.id.clone(),
                prenom: name(&form.get("prenom"), false, "prenom", &mut e),
                nom: required_name(&form.get("nom"), false, "nom", &mut e),
                fonction: optional(&form.get("fonction"), 100, "fonction", &mut e),
                email: optional(&form.get("email"), 254, "email", &mut e),
                telephone: optional(&form.get("telephone"), 30, "telephone", &mut e),
            };
            if let Some(m) = &row.email
                && let Err(err) = m.parse::<domain::ids::Email>()
            {
                e.insert("email", format!("{err}."));
            }
            if e.is_empty() {
                partners::add_contact(db, &row).await?;
            }
        }
        "historique" => {
            let genre = form.get("genre");
            if !KINDS.iter().any(|(c, _)| *c == genre) {
                e.insert("genre", "Choisissez le type d'échange.".into());
            }
            let date = partners::date(&form.get("date"), "date", &mut e);
            if date.is_none() && !e.contains_key("date") {
                e.insert("date", "Champ obligatoire.".into());
            }
            let texte = required(&form.raw("texte"), 2_000, "texte", &mut e);
            if e.is_empty() {
                partners::add_interaction(
                    db,
                    &InteractionRow {
                        id: random_id(),
                        partenaire_id: p.id.clone(),
                        date: date.unwrap_or_default(),
                        genre,
                        texte,
                        demande_id: None,
                        cree_par: agent.display_name(),
                    },
                )
                .await?;
            }
        }
        "convention" => {
            let objet = required(&form.get("objet"), 200, "objet", &mut e);
            let debut = partners::date(&form.get("debut"), "debut", &mut e);
            let fin = partners::date(&form.get("fin"), "fin", &mut e);
            let renouvellement = partners::date(&form.get("renouvellement"), "renouvellement", &mut e);
            for (field, v) in [("debut", &debut), ("fin", &fin)] {
                if v.is_none() && !e.contains_key(field) {
                    e.insert(field, "Champ obligatoire.".into());
                }
            }
            if let (Some(d), Some(f)) = (&debut, &fin)
                && f < d
            {
                e.insert("fin", "La fin doit suivre le début.".into());
            }
            let url = optional(&form.get("document"), 500, "document", &mut e);
            if let Some(u) = &url
                && !(u.starts_with("https://") || u.starts_with("http://"))
            {
                e.insert("document", "Une adresse web commençant par https://.".into());
            }
            if e.is_empty() {
                partners::add_convention(
                    db,
                    &p,
                    &ConventionRow {
                        id: random_id(),
                        partenaire_id: p.id.clone(),
                        objet,
                        debut: debut.unwrap_or_default(),
                        fin: fin.unwrap_or_default(),
                        renouvellement,
                        document_url: url,
                        rappel_envoye_le: None,
                    },
                    &agent.email,
                    &now,
                )
                .await?;
            }
        }
        "capacite" => {
            let index = state.search.index();
            let read = crate::placements::read_capacity(
                &index,
                &p.uai,
                &form.get("pour"),
                &form.all("mois"),
                &form.get("places"),
                &form.raw("note"),
            );
            match read {
                Ok(c) => {
                    let row = crate::storage::placements::CapaciteRow {
                        id: random_id(),
                        partenaire_id: p.id.clone(),
                        diplome: c.diploma,
                        rome: c.rome,
                        mois: c.months,
                        places: c.places,
                        note: c.note,
                        cree_le: now.clone(),
                    };
                    crate::placements::add_capacity(db, &row).await?;
                }
                Err(errors) => e = errors,
            }
        }
        "capacite-supprimer" => {
            if !crate::placements::delete_capacity(db, &p.id, &form.get("capacite")).await? {
                return Err(PageError::NotFound);
            }
        }
        "supprimer" => {
            if form.get("confirmation") != "oui" {
                e.insert("confirmation", "Cochez la case pour confirmer la suppression.".into());
            } else {
                partners::delete(db, &p, &agent.email, &now).await?;
                return Ok(private(Redirect::to(&format!("/espace/partenaires?lycee={}", p.uai)).into_response()));
            }
        }
        "annuler-ajout" => {
            // Taking a request added this company: the officer did not
            // want it. Only an untouched partner created by that very
            // request goes; anything else stays.
            let reference: String = form.get("demande").chars().take(40).collect();
            let demande = crate::storage::requests::demande_by_reference(db, &reference).await?;
            let removed = match &demande {
                Some(d) => partners::undo_added(db, &p.uai, &p.id, &d.id, &agent.email, &now).await?,
                None => false,
            };
            if removed {
                return Ok(private(
                    Redirect::to(&format!("/espace/demandes/{reference}?fait=partenaire_retire")).into_response(),
                ));
            }
            return Ok(private(
                Redirect::to(&format!("/espace/partenaires/{}?fait=ajout_garde", p.id)).into_response(),
            ));
        }
        _ => return Err(PageError::NotFound),
    }
    if e.is_empty() {
        return Ok(private(Redirect::to(&done).into_response()));
    }
    page.errors = e;
    Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &page)))
}

/// `GET /espace/partenaires.csv`: the partners shown, for a spreadsheet.
pub async fn csv(
    State(state): State<AppState>,
    SignedIn(agent): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let lycees = lycees_shown(&state, &agent, q.lycee.as_deref())?;
    let uais: Vec<String> = lycees.iter().map(|(u, _)| u.clone()).collect();
    let db = &state.requests.db;
    let mut out = String::from("\u{feff}Lycée;Entreprise;SIRET;Secteur;Adresse;Étiquettes;Contacts\r\n");
    let partners = store::list(db, &uais, "", "").await?;
    let ids: Vec<String> = partners.iter().map(|p| p.id.clone()).collect();
    let mut contacts_by_partner: std::collections::HashMap<String, Vec<ContactRow>> = std::collections::HashMap::new();
    for c in store::contacts_of(db, &ids).await? {
        contacts_by_partner.entry(c.partenaire_id.clone()).or_default().push(c);
    }
    for p in partners {
        let contacts = contacts_by_partner
            .remove(&p.id)
            .unwrap_or_default()
            .iter()
            .map(|c| {
                [
                    c.prenom.as_deref(),
                    Some(c.nom.as_str()),
                    c.fonction.as_deref(),
                    c.email.as_deref(),
                    c.telephone.as_deref(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
            })
            .collect::<Vec<_>>()
            .join(" | ");
        let cells = [
            p.uai.clone(),
            p.nom.clone(),
            p.siret.clone().unwrap_or_default(),
            p.secteur.clone().unwrap_or_default(),
            p.adresse.clone().unwrap_or_default(),
            p.tags.clone(),
            contacts,
        ];
        out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    let mut res = out.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"partenaires-monlyceepro.csv\""),
    );
    Ok(private(res))
}
