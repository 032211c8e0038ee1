//! `/admin/referentiels`: the reference data as the administration needs
//! to see it — the edition of each source in the data folder, when the
//! next scheduled update comes, whether NAF 2025 codes can be mapped, and
//! what each update changed (lycées and diplomas opened or closed,
//! editions). Only administrators: anyone else gets a 404.

use super::{SignedIn, private};
use crate::refresh::{Changes, Listed, Origin};
use crate::web::AppState;
use crate::web::csrf::CsrfCookie;
use crate::web::error::{PageError, render};
use crate::web::layout::Chrome;
use crate::web::suivi::when;
use askama::Template;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::text::{count_of, thousands};

/// One file of the data layout and its edition.
pub struct SourceLine {
    pub path: String,
    pub producer: String,
    pub edition: String,
    pub fetched: String,
    pub size: String,
}

/// A list of changes as shown: its title, its count and its first entries.
pub struct ChangeList {
    pub title: String,
    pub total: usize,
    pub items: Vec<String>,
    /// How many are not shown.
    pub more: usize,
}

/// One update.
pub struct UpdateLine {
    pub when: String,
    pub origin: &'static str,
    pub failed: bool,
    pub summary: String,
    pub lists: Vec<ChangeList>,
    pub editions: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_referentiels.html")]
struct ReferentielsPage {
    who: String,
    role_label: String,
    chrome: Chrome,
    csrf: String,
    schedule: String,
    naf2025: Option<String>,
    data_dir: String,
    sources: Vec<SourceLine>,
    updates: Vec<UpdateLine>,
}

fn change_list(title: &str, l: &Listed) -> ChangeList {
    ChangeList {
        title: title.to_string(),
        total: l.total,
        items: l.first.iter().map(|i| format!("{} — {}", i.code, i.label)).collect(),
        more: l.total.saturating_sub(l.first.len()),
    }
}

/// `GET /admin/referentiels`.
pub async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfCookie>,
    SignedIn(agent): SignedIn,
) -> Result<Response, PageError> {
    if agent.role != crate::accounts::Role::Admin {
        return Err(PageError::NotFound);
    }
    let db = &state.accounts.db;
    let config = &state.config;
    let lock = crate::download::read_lock(&config.data_dir).unwrap_or_default();
    let manifest = crate::download::Manifest::embedded().map_err(|e| PageError::Internal(e.to_string()))?;
    let sources = manifest
        .file
        .iter()
        .map(|f| {
            let entry = lock.iter().find(|e| e.path == f.path);
            let present = config.data_dir.join(&f.path).is_file();
            SourceLine {
                path: f.path.clone(),
                producer: f.producer.clone(),
                edition: match (entry, present) {
                    (Some(e), true) => e.edition.clone().unwrap_or_else(|| "non indiquée par la source".into()),
                    (_, true) => "copie locale (pas dans SOURCES.lock)".into(),
                    (_, false) if f.required => "absent (obligatoire)".into(),
                    (_, false) => "absent (facultatif)".into(),
                },
                fetched: entry.filter(|_| present).map_or_else(|| "—".into(), |e| when(&e.date)),
                size: entry.filter(|_| present).map_or_else(
                    || "—".into(),
                    |e| format!("{} octets", thousands(i64::try_from(e.size).unwrap_or(i64::MAX))),
                ),
            }
        })
        .collect();
    let last = crate::storage::import::last_update(db).await?;
    let schedule = match (config.data_refresh, &last) {
        (None, _) => "Mise à jour automatique désactivée (MLP_DATA_REFRESH=0) : lancez monlyceepro download puis \
                      monlyceepro import."
            .to_string(),
        (Some(every), last) => {
            let days = every.as_secs() / 86_400;
            let period = if every.as_secs() % 86_400 == 0 {
                count_of(days as i64, "jour", "jours")
            } else {
                count_of((every.as_secs() / 3600) as i64, "heure", "heures")
            };
            let next = last
                .as_ref()
                .and_then(|(end, status)| {
                    let wait = if status == "reussie" { every } else { every.min(crate::refresh::RETRY_AFTER) };
                    crate::clock::parse(end).map(|t| t + time::Duration::try_from(wait).unwrap_or(time::Duration::DAY))
                })
                .map_or_else(
                    || "au prochain tour du travailleur".to_string(),
                    |t| format!("le {}", when(&crate::clock::to_rfc3339(t))),
                );
            format!("Mise à jour automatique tous les {period} (MLP_DATA_REFRESH) : prochaine vérification {next}.")
        }
    };
    let naf2025 = match crate::storage::import::naf2025_codes(db).await? {
        0 => None,
        n => Some(format!("{} codes NAF 2025 rapprochés de la NAF rév. 2", thousands(n))),
    };
    let updates = crate::storage::import::updates(db, 20)
        .await?
        .into_iter()
        .map(|u| {
            let changes: Changes = serde_json::from_str(&u.changements).unwrap_or_default();
            UpdateLine {
                when: when(&u.debut),
                origin: Origin::label_of(&u.origine),
                failed: u.statut != "reussie",
                summary: u.resume,
                lists: vec![
                    change_list("Lycées ouverts", &changes.lycees_opened),
                    change_list("Lycées fermés", &changes.lycees_closed),
                    change_list("Diplômes ouverts", &changes.diplomas_opened),
                    change_list("Diplômes fermés", &changes.diplomas_closed),
                ],
                editions: changes
                    .editions
                    .iter()
                    .map(|e| match &e.before {
                        Some(b) => format!("{} : {b} → {}", e.path, e.after),
                        None => format!("{} : {}", e.path, e.after),
                    })
                    .collect(),
            }
        })
        .collect();
    let page = ReferentielsPage {
        who: agent.display_name(),
        role_label: agent.role.label().to_string(),
        chrome: Chrome::new("espace"),
        csrf: csrf.token(&state),
        schedule,
        naf2025,
        data_dir: config.data_dir.display().to_string(),
        sources,
        updates,
    };
    Ok(private(render(StatusCode::OK, &page)))
}
