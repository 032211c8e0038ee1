//! How the lycées of a request are shown: to the company, in the
//! workspace, in the API.

use crate::search::SearchIndex;
use crate::storage::requests::DestinataireRow;
use domain::lifecycle::{RecipientRole, RecipientStatus};

/// A lycée a request went to, as the company and the API see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecipientView {
    pub uai: String,
    pub nom: String,
    pub commune: String,
    pub role: RecipientRole,
    pub statut: RecipientStatus,
    pub distance_km: f64,
    pub raisons: Vec<String>,
}

impl RecipientView {
    /// How the recipient stands, in words.
    pub fn statut_label(&self) -> &'static str {
        self.statut.label()
    }

    /// Its role, in words — only while it holds it: a lycée that declined
    /// or did not answer in time no longer coordinates anything.
    pub fn role_label(&self) -> &'static str {
        match self.statut {
            RecipientStatus::Declinee | RecipientStatus::Expiree => "sollicité",
            _ => self.role.label(),
        }
    }

    /// Whether it leads the answer (pilot) — for the pages.
    pub fn leads(&self) -> bool {
        self.role == RecipientRole::Pilote
    }
}

/// A recipient as shown, its lycée's name and commune from the catalogue.
pub fn view_of(index: &SearchIndex, r: &DestinataireRow) -> RecipientView {
    let lycee = index.lycee(&r.uai);
    RecipientView {
        uai: r.uai.clone(),
        nom: lycee.map_or(r.uai.clone(), |l| l.nom.clone()),
        commune: lycee.map_or(String::new(), |l| l.commune_nom.clone()),
        role: r.role,
        statut: r.statut,
        distance_km: r.distance_km,
        raisons: r.raisons.lines().map(str::to_string).collect(),
    }
}
