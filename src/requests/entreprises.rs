//! Adapter for the public API "Recherche d'entreprises" (DINUM): a SIRET
//! gives the company's name, sector (NAF) and commune, so the journey can
//! suggest jobs. Offline or on error, the journey goes on with what the
//! user typed.

use domain::Siret;
use serde::Deserialize;
use std::time::Duration;

/// What the journey uses of a company.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub nom: String,
    /// NAF rév. 2 code of the site ("43.21A").
    pub naf: Option<String>,
    /// NAF 2025 code of the site ("43.21Y"): Sirene gives it beside the
    /// NAF rév. 2 one since December 2025, and instead of it from 2027.
    pub naf2025: Option<String>,
    /// INSEE code of the site's commune.
    pub commune: Option<String>,
}

/// The client, with its base URL (`MLP_ENTREPRISES_API_URL`).
#[derive(Debug, Clone)]
pub struct Entreprises {
    base: String,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct SearchResponse {
    #[serde(default)]
    results: Vec<Unit>,
}

#[derive(Deserialize)]
struct Unit {
    siren: Option<String>,
    nom_complet: Option<String>,
    nom_raison_sociale: Option<String>,
    activite_principale: Option<String>,
    #[serde(default)]
    activite_principale_naf25: Option<String>,
    /// Which NAF `activite_principale` is from ("NAFRev2"), when given.
    #[serde(default)]
    nomenclature_activite_principale: Option<String>,
    siege: Option<Site>,
    #[serde(default)]
    matching_etablissements: Vec<Site>,
}

#[derive(Deserialize)]
struct Site {
    siret: Option<String>,
    activite_principale: Option<String>,
    #[serde(default)]
    activite_principale_naf25: Option<String>,
    #[serde(default)]
    nomenclature_activite_principale: Option<String>,
    commune: Option<String>,
}

/// (NAF rév. 2, NAF 2025) of a site or a unit: `activite_principale` is
/// NAF rév. 2 unless its nomenclature says NAF 2025 (after the switch of
/// January 2027; the API's spelling of that switch could not be checked
/// from here), `activite_principale_naf25` is NAF 2025.
fn sector(
    main: Option<&String>,
    nomenclature: Option<&String>,
    naf25: Option<&String>,
) -> (Option<String>, Option<String>) {
    let main = main.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    let naf25 = naf25.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    match nomenclature.and_then(|n| domain::naf::Nomenclature::from_sirene(n)) {
        Some(domain::naf::Nomenclature::Naf2025) => (None, naf25.or(main)),
        _ => (main, naf25),
    }
}

impl Entreprises {
    pub fn new(base: &str) -> Entreprises {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .user_agent("MonLycéePro (service public numérique)")
            .build()
            .unwrap_or_default();
        Entreprises { base: base.trim_end_matches('/').to_string(), client }
    }

    /// The company of a SIRET; `Ok(None)` when the API does not know it,
    /// `Err` when it cannot be asked (network, timeout, bad answer).
    pub async fn lookup(&self, siret: &Siret) -> Result<Option<Company>, String> {
        let url = format!("{}/search?q={}&page=1&per_page=1", self.base, siret.as_str());
        let res =
            self.client.get(&url).send().await.map_err(|e| format!("API Recherche d'entreprises injoignable : {e}"))?;
        if !res.status().is_success() {
            return Err(format!("API Recherche d'entreprises : statut {}", res.status()));
        }
        let body: SearchResponse =
            res.json().await.map_err(|e| format!("API Recherche d'entreprises : réponse illisible ({e})"))?;
        let Some(unit) = body.results.into_iter().next() else { return Ok(None) };
        // A full-text search may answer another company: only the one
        // whose SIREN begins the SIRET is this one.
        if unit.siren.as_deref().is_some_and(|siren| !siret.as_str().starts_with(siren)) {
            return Ok(None);
        }
        let site = unit
            .matching_etablissements
            .iter()
            .find(|s| s.siret.as_deref() == Some(siret.as_str()))
            .or(unit.siege.as_ref().filter(|s| s.siret.as_deref() == Some(siret.as_str())));
        let (site_naf, site_naf2025) = site.map_or((None, None), |s| {
            sector(
                s.activite_principale.as_ref(),
                s.nomenclature_activite_principale.as_ref(),
                s.activite_principale_naf25.as_ref(),
            )
        });
        let (unit_naf, unit_naf2025) = sector(
            unit.activite_principale.as_ref(),
            unit.nomenclature_activite_principale.as_ref(),
            unit.activite_principale_naf25.as_ref(),
        );
        let nom = unit.nom_complet.or(unit.nom_raison_sociale).unwrap_or_default();
        Ok(Some(Company {
            nom,
            naf: site_naf.or(unit_naf),
            naf2025: site_naf2025.or(unit_naf2025),
            commune: site.and_then(|s| s.commune.clone()),
        }))
    }

    /// The company's name in the national register for `siret`, as emails
    /// to lycées name it (`mail::templates::company_line`): `None` when
    /// the register does not know the SIRET, cannot be asked (the emails
    /// then say the name is the company's own), or gives a name that is
    /// not one line of visible text.
    pub async fn registered_name(&self, siret: &Siret) -> Option<String> {
        match self.lookup(siret).await {
            Ok(Some(company)) => domain::names::organisation_name(&company.nom).ok(),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(erreur = %e, "nom de l'entreprise au répertoire : non vérifié");
                None
            }
        }
    }
}
