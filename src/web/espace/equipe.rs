//! `/espace/equipe`: coordinators and administrators bring people in.
//! Requests to join from their territory (accept, refuse), invitations one
//! by one, and the import of a CSV file (UAI; first name; last name;
//! email; role). A coordinator only grants `rbe` on lycées of its
//! territory; a business officer has no such page (404).

use super::{SignedIn, private};
use crate::accounts::{Added, Agent, JoinDecision, JoinStatus, NewAccount, Role};
use crate::storage::accounts as store;
use crate::web::AppState;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::form::{PostedForm, Upload};
use crate::web::layout::Chrome;
use askama::Template;
use axum::extract::{Extension, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// Largest CSV file imported.
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;
/// Most lines of one import.
pub const MAX_IMPORT_LINES: usize = 500;

/// Only coordinators and administrators.
fn managers_only(agent: &Agent) -> Result<(), PageError> {
    if agent.role == Role::Rbe { Err(PageError::NotFound) } else { Ok(()) }
}

/// Whether `agent` may grant what `new` asks: an administrator anything, a
/// coordinator the `rbe` role on lycées of its territory. The message
/// says why not.
pub fn may_grant(state: &AppState, agent: &Agent, new: &NewAccount) -> Result<(), String> {
    match agent.role {
        Role::Admin => Ok(()),
        Role::Rbe => Err("seuls les coordinateurs et l'administration invitent".into()),
        Role::Coordinateur => {
            if new.role != Role::Rbe {
                return Err("un coordinateur n'invite que des référents entreprises (rôle rbe)".into());
            }
            let index = state.search.index();
            for uai in &new.lycees {
                let u = uai.trim().to_uppercase();
                let seen = index.lycee(&u).is_some_and(|l| agent.sees_lycee(&l.uai, l.academie.as_deref()));
                if !seen {
                    return Err(format!("le lycée {u} n'est pas de votre territoire"));
                }
            }
            Ok(())
        }
    }
}

/// Why an invitation was refused: a French sentence, and the field of the
/// form it is about (`email`, `prenom`, `nom`, `lycees`, `academie`), if
/// one.
#[derive(Debug, Clone)]
pub struct Refused {
    pub field: Option<&'static str>,
    pub message: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Creates (or extends) an account if `agent` may, and sends it a sign-in
/// link.
pub async fn invite(state: &AppState, agent: &Agent, new: &NewAccount) -> Result<Result<Added, Refused>, PageError> {
    if let Err(why) = may_grant(state, agent, new) {
        let field = if why.contains("lycée") { Some("lycees") } else { None };
        return Ok(Err(Refused { field, message: why }));
    }
    let now = state.clock.now();
    let internal = PageError::from;
    match state.accounts.invite(new, &agent.email, now).await.map_err(internal)? {
        Ok(added) => {
            state.accounts.send_link(&added.agent.email, now).await.map_err(internal)?;
            state.wake.notify_one();
            Ok(Ok(added))
        }
        Err(e) => Ok(Err(Refused { field: e.field(), message: e.to_string() })),
    }
}

pub struct Pending {
    pub id: String,
    pub who: String,
    pub lycee: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "equipe.html")]
struct TeamPage {
    chrome: Chrome,
    csrf: String,
    who: String,
    role_label: String,
    pending: Vec<Pending>,
    notice: Option<String>,
    error: Option<String>,
    /// Line-by-line problems of an import.
    import_errors: Vec<String>,
    email: String,
    prenom: String,
    nom: String,
    lycees: String,
    /// The invitation form's field errors (ids `equipe-…`).
    errors: super::FieldErrors,
}

async fn page(state: &AppState, csrf: &CsrfCookie, agent: &Agent) -> Result<TeamPage, PageError> {
    managers_only(agent)?;
    let db = &state.accounts.db;
    let pending = match agent.role {
        Role::Admin => store::pending_adhesions(db, None).await?,
        _ => {
            let mut uais = agent.lycees.clone();
            if let Some(a) = &agent.academie {
                uais.extend(store::lycees_of_academie(db, a).await?);
            }
            store::pending_adhesions(db, Some(&uais)).await?
        }
    };
    let index = state.search.index();
    Ok(TeamPage {
        chrome: Chrome::new("espace"),
        csrf: csrf.token(state),
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        pending: pending
            .into_iter()
            .map(|a| Pending {
                who: {
                    let name =
                        [a.prenom.as_deref(), a.nom.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                    if name.is_empty() { a.email.clone() } else { format!("{name} ({})", a.email) }
                },
                lycee: index
                    .lycee(&a.uai)
                    .map_or(a.uai.clone(), |l| format!("{}, {} ({})", l.nom, l.commune_nom, l.uai)),
                since: crate::web::suivi::when(&a.cree_le),
                id: a.id,
            })
            .collect(),
        notice: None,
        error: None,
        import_errors: Vec::new(),
        email: String::new(),
        prenom: String::new(),
        nom: String::new(),
        lycees: String::new(),
        errors: super::FieldErrors::default(),
    })
}

/// `GET /espace/equipe`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut p = page(&state, &csrf, &agent).await?;
    p.notice = q.iter().find(|(k, _)| k == "fait").and_then(|(_, v)| match v.parse::<JoinStatus>() {
        Ok(JoinStatus::Acceptee) => Some("Demande acceptée : la personne reçoit un lien de connexion.".to_string()),
        Ok(JoinStatus::Refusee) => Some("Demande refusée : la personne en est informée.".to_string()),
        _ if v == "sans_effet" => Some(
            "Demande close sans effet : cette adresse a déjà un compte qu'une demande d'accès ne peut pas modifier \
             (autre rôle ou compte désactivé) ; seule l'administration nationale le peut."
                .to_string(),
        ),
        _ => None,
    });
    Ok(private(render(StatusCode::OK, &p)))
}

/// `POST /espace/equipe/adhesions/{id}/{decision}`.
pub async fn decide(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    Path((id, decision)): Path<(String, String)>,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut p = page(&state, &csrf, &agent).await?;
    // Only the requests the person can see (else 404).
    if !p.pending.iter().any(|x| x.id == id) {
        return Err(PageError::NotFound);
    }
    let accept = match decision.as_str() {
        "accepter" => true,
        "refuser" => false,
        _ => return Err(PageError::NotFound),
    };
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    let decision =
        state.accounts.decide_join(&id, accept, &agent.email, state.clock.now()).await.map_err(PageError::from)?;
    state.wake.notify_one();
    let done = match decision {
        JoinDecision::Accepted(_) => JoinStatus::Acceptee.code(),
        JoinDecision::WithoutEffect(_) => "sans_effet",
        JoinDecision::Refused | JoinDecision::AlreadyDecided => JoinStatus::Refusee.code(),
    };
    Ok(private(Redirect::to(&format!("/espace/equipe?fait={done}")).into_response()))
}

/// `POST /espace/equipe/invitations`: one person.
pub async fn invite_one(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    form: PostedForm,
) -> Result<Response, PageError> {
    let mut p = page(&state, &csrf, &agent).await?;
    p.email = form.get("email").chars().take(254).collect();
    p.lycees = form.get("lycees").chars().take(500).collect();
    p.prenom = form.get("prenom").chars().take(100).collect();
    p.nom = form.get("nom").chars().take(100).collect();
    if !csrf.accepts_form(&state, &form) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    let new = NewAccount {
        lycees: p.lycees.split([',', ' ', ';']).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        prenom: Some(form.get("prenom")),
        nom: Some(form.get("nom")),
        ..NewAccount::new(&p.email, Role::Rbe)
    };
    match invite(&state, &agent, &new).await? {
        Ok(added) => {
            let mut p = page(&state, &csrf, &agent).await?;
            p.notice = Some(format!("{} : invitation envoyée.", added.agent.email));
            Ok(private(render(StatusCode::OK, &p)))
        }
        Err(why) => {
            match why.field.filter(|f| ["email", "prenom", "nom", "lycees"].contains(f)) {
                Some(field) => p.errors.add(&format!("equipe-{field}"), capitalized(&why.message)),
                None => p.error = Some(format!("Invitation impossible : {why}.")),
            }
            Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)))
        }
    }
}

/// One line of an import file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportLine {
    pub line: usize,
    pub account: NewAccountLine,
}

/// The fields of a line: UAI; first name; last name; email; role.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAccountLine {
    pub uai: String,
    pub prenom: String,
    pub nom: String,
    pub email: String,
    pub role: String,
}

/// Reads an import file: `;` or `,` separated, an optional header line,
/// blank lines skipped. Problems are French sentences naming the line.
pub fn read_import(text: &str) -> Result<Vec<ImportLine>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let text = text.trim_start_matches('\u{feff}');
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || (n == 1 && line.to_lowercase().starts_with("uai")) {
            continue;
        }
        let sep = if line.contains(';') { ';' } else { ',' };
        let cells: Vec<&str> = line.split(sep).map(|c| c.trim().trim_matches('"')).collect();
        if cells.len() != 5 {
            errors.push(format!(
                "ligne {n} : {} au lieu de 5 (UAI ; prénom ; nom ; adresse ; rôle)",
                domain::text::count_of(cells.len() as i64, "colonne", "colonnes")
            ));
            continue;
        }
        out.push(ImportLine {
            line: n,
            account: NewAccountLine {
                uai: cells[0].to_uppercase(),
                prenom: cells[1].to_string(),
                nom: cells[2].to_string(),
                email: cells[3].to_string(),
                role: cells[4].to_lowercase(),
            },
        });
    }
    if out.len() > MAX_IMPORT_LINES {
        errors.push(format!("{} lignes : {MAX_IMPORT_LINES} au plus par import", out.len()));
    }
    if out.is_empty() && errors.is_empty() {
        errors.push("le fichier ne contient aucune ligne à importer".into());
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// `POST /espace/equipe/import` (multipart): every line is checked first;
/// one bad line and nothing is imported, with the list of problems.
pub async fn import(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let mut p = page(&state, &csrf, &agent).await?;
    let Some(upload) = Upload::read(multipart, "fichier", MAX_IMPORT_BYTES).await else {
        p.error = Some("Envoyez le fichier avec le formulaire de la page.".into());
        return Ok(private(render(StatusCode::BAD_REQUEST, &p)));
    };
    if !csrf.accepts(&state, &upload.csrf) {
        p.error = Some(crate::web::csrf::EXPIRED.into());
        return Ok(private(render(StatusCode::FORBIDDEN, &p)));
    }
    let too_large = upload.too_large;
    let text = match upload.csv_text("1 Mo") {
        Ok(t) => t,
        Err(why) => {
            p.error = Some(why);
            let status = if too_large { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::UNPROCESSABLE_ENTITY };
            return Ok(private(render(status, &p)));
        }
    };
    let lines = match read_import(&text) {
        Ok(l) => l,
        Err(errors) => {
            p.error = Some("Rien n'a été importé : corrigez le fichier.".into());
            p.import_errors = errors;
            return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)));
        }
    };
    // Every line is checked before anything is written.
    let mut accounts = Vec::new();
    let mut errors = Vec::new();
    for l in &lines {
        let a = &l.account;
        let Some(role) = Role::from_code(&a.role) else {
            errors.push(format!("ligne {} : rôle « {} » inconnu (rbe, coordinateur ou admin)", l.line, a.role));
            continue;
        };
        if let Err(e) = a.email.parse::<domain::ids::Email>() {
            errors.push(format!("ligne {} : {e}", l.line));
            continue;
        }
        let new = NewAccount {
            lycees: vec![a.uai.clone()],
            prenom: Some(a.prenom.clone()),
            nom: Some(a.nom.clone()),
            ..NewAccount::new(&a.email, role)
        };
        if state.search.index().lycee(&a.uai).is_none() {
            errors.push(format!("ligne {} : lycée {} inconnu", l.line, a.uai));
            continue;
        }
        if let Err(why) = may_grant(&state, &agent, &new) {
            errors.push(format!("ligne {} : {why}", l.line));
            continue;
        }
        if let Err(why) = state.accounts.invite_check(&new).await? {
            errors.push(format!("ligne {} : {why}", l.line));
            continue;
        }
        accounts.push(new);
    }
    if !errors.is_empty() {
        p.error = Some("Rien n'a été importé : corrigez le fichier.".into());
        p.import_errors = errors;
        return Ok(private(render(StatusCode::UNPROCESSABLE_ENTITY, &p)));
    }
    let mut done = 0;
    for new in &accounts {
        match invite(&state, &agent, new).await? {
            Ok(_) => done += 1,
            Err(why) => p.import_errors.push(format!("{} : {why}", new.email)),
        }
    }
    let mut fresh = page(&state, &csrf, &agent).await?;
    fresh.notice = Some(format!(
        "{} ; chacune reçoit un lien de connexion.",
        domain::text::count_of(done as i64, "personne importée", "personnes importées")
    ));
    fresh.import_errors = p.import_errors;
    Ok(private(render(StatusCode::OK, &fresh)))
}

/// "le lycée … inconnu" → "Le lycée … inconnu." (a message under a field).
pub fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str().trim_end_matches('.')),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::read_import;

    #[test]
    fn import_files_are_read_line_by_line() {
        let ok =
            read_import("\u{feff}UAI;Prénom;Nom;Email;Rôle\n0690043X;Zoé;Martin;zoe@ac-lyon.fr;RBE\n\n").expect("ok");
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].line, 2);
        assert_eq!(ok[0].account.role, "rbe");
        let ok = read_import("0690043x,Zoé,Martin,zoe@ac-lyon.fr,rbe").expect("virgules");
        assert_eq!(ok[0].account.uai, "0690043X");
        let errors = read_import("uai;prenom\n0690043X;Zoé;Martin\n").expect_err("colonnes");
        assert_eq!(errors, vec!["ligne 2 : 3\u{a0}colonnes au lieu de 5 (UAI ; prénom ; nom ; adresse ; rôle)"]);
        assert!(read_import("").is_err());
        assert!(read_import(&"0690043X;a;b;c@ac-lyon.fr;rbe\n".repeat(501)).is_err());
    }
}
