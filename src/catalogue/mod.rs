//! The catalogue of vocational lycées as companies see it: each lycée with
//! the diplomas it teaches grouped by level, the jobs they lead to, its
//! outcomes and its contact; places to browse; job and place suggestions.
//!
//! The types here serialise exactly to the JSON of API.md and feed the page
//! templates, so that pages and API always say the same thing.

pub mod vocabulary;

use crate::cache::VersionedCache;
use crate::storage::Db;
use crate::storage::catalogue::{self as q, LyceeFilter, LyceeRow};
use domain::geo::round_km;
use domain::text::{count_of, fold, long_date};
use domain::{Niveau, Position, Uai};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
pub use vocabulary::{JobMatch, Vocabulary};

#[derive(Debug, Clone, Serialize)]
pub struct CommuneRef {
    pub code_insee: String,
    pub nom: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DepartementRef {
    pub code: String,
    pub nom: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AcademieRef {
    pub code: Option<String>,
    pub nom: String,
}

/// Where a lycée is; `precision` is `exacte` (its own coordinates) or
/// `commune` (placed at its commune, no better source known).
#[derive(Debug, Clone, Serialize)]
pub struct Located {
    pub lat: f64,
    pub lon: f64,
    pub precision: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub site_web: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NiveauRef {
    pub code: &'static str,
    pub libelle: &'static str,
}

/// A job a diploma leads to, with a few of its job titles.
#[derive(Debug, Clone, Serialize)]
pub struct Metier {
    pub rome: String,
    pub libelle: String,
    pub appellations: Vec<String>,
}

/// A diploma taught by a lycée. Each fact carries its year: what a lycée
/// teaches today comes from the most recent offer of the affectation, the
/// student count from an older constat (see `import::teaching`).
#[derive(Debug, Clone, Serialize)]
pub struct Formation {
    pub cfd: String,
    pub libelle: String,
    pub niveau: NiveauRef,
    /// Students counted at the rentrée `effectif_rentree`, all years of the
    /// training together; `None` when only the offer knows the diploma here.
    pub effectif: Option<i64>,
    pub effectif_rentree: Option<i64>,
    /// The offer of the affectation listing this diploma here, if any.
    pub offre: Option<Offre>,
    /// The day the diploma closed in the national nomenclature (ISO), if it did.
    pub fermeture: Option<String>,
    /// The old code the sources list this training under, when the BCN
    /// renewed it as this one (CAP cuisine 50022139 → 50022146): the same
    /// training, shown and counted under its current code.
    pub renouvele_de: Option<String>,
    pub metiers: Vec<Metier>,
}

/// What a lycée opened to new students for a diploma at one rentrée.
#[derive(Debug, Clone, Serialize)]
pub struct Offre {
    pub rentree: i64,
    /// The year of the training the figures are for: 1, or 2 for a
    /// speciality entered in première after a seconde commune.
    pub annee_entree: i64,
    /// `None` when the file gives no real capacity.
    pub places: Option<i64>,
    /// Candidates whose first choice it was.
    pub premiers_voeux: i64,
}

impl Formation {
    /// "24 places, 38 premiers vœux en 2022"; "En première : …" when the
    /// places are those of a later year.
    pub fn offer_text(&self) -> Option<String> {
        let o = self.offre.as_ref()?;
        let demand = match o.premiers_voeux {
            0 => "aucun premier vœu".to_string(),
            n => count_of(n, "premier vœu", "premiers vœux"),
        };
        let figures = match o.places {
            Some(p) => format!("{}, {demand} en {}", count_of(p, "place", "places"), o.rentree),
            None => format!("{demand} en {} (nombre de places non renseigné)", o.rentree),
        };
        Some(match (o.annee_entree, self.niveau.code) {
            (1, _) => domain::text::capitalise(&figures),
            (2, "bac_pro") => format!("En première\u{a0}: {figures}"),
            (n, _) => format!("En {n}e\u{a0}année\u{a0}: {figures}"),
        })
    }

    /// "38 élèves en 2020".
    pub fn count_text(&self) -> Option<String> {
        let (n, year) = (self.effectif?, self.effectif_rentree?);
        Some(match n {
            0 => format!("Aucun élève en {year}"),
            n => format!("{} en {year}", count_of(n, "élève", "élèves")),
        })
    }

    /// Where and when each fact comes from, in one line.
    pub fn sources_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(o) = &self.offre {
            parts.push(format!("offre de formation {} (affectation des élèves)", o.rentree));
        }
        if let Some(year) = self.effectif_rentree {
            parts.push(format!("constat des effectifs {year}"));
        }
        let s = if parts.len() > 1 { "s" } else { "" };
        format!("Source{s}\u{a0}: {}.", parts.join("\u{202f}; "))
    }

    /// Whether the lycée teaches it as of `today` (ISO date), as far as the
    /// sources tell: the diploma is open (a renewed one is already shown
    /// under its open successor's code). A diploma closed since without
    /// successor may no longer be prepared, even if the 2022 offer listed
    /// it.
    pub fn taught(&self, today: &str) -> bool {
        self.fermeture.as_deref().is_none_or(|day| day >= today)
    }

    /// The diploma's closing, said as of `today` (ISO date): closed without
    /// successor, or to close; `None` when it has no closing date.
    pub fn closing_text(&self, today: &str) -> Option<String> {
        let day = self.fermeture.as_deref()?;
        Some(if day < today {
            format!(
                "Diplôme fermé le {} dans la nomenclature nationale, sans diplôme qui le remplace\u{a0}: il peut ne plus être préparé.",
                long_date(day)
            )
        } else {
            format!("Diplôme appelé à fermer le {} dans la nomenclature nationale.", long_date(day))
        })
    }

    /// Says that the sources list it under its old code, when renewed.
    pub fn renewal_text(&self) -> Option<String> {
        self.renouvele_de.as_ref().map(|old| {
            format!("Diplôme rénové\u{a0}: les sources le donnent sous son ancien code {old}, fermé depuis.")
        })
    }
}

/// InserJeunes outcomes, in percent.
#[derive(Debug, Clone, Serialize)]
pub struct Insertion {
    pub millesime: String,
    pub taux_emploi_6_mois: Option<i64>,
    pub taux_poursuite_etudes: Option<i64>,
    pub valeur_ajoutee: Option<i64>,
    pub taux_attendu: Option<i64>,
    pub source: String,
}

impl Insertion {
    /// "2022-2023" for display.
    pub fn annees(&self) -> String {
        self.millesime.replace('_', "-")
    }
}

/// A lycée's showcase (`GET /api/v1/lycees/{uai}`).
#[derive(Debug, Clone, Serialize)]
pub struct LyceeDetail {
    pub uai: String,
    pub nom: String,
    pub nom_officiel: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub secteur: String,
    pub labels: Vec<String>,
    pub commune: CommuneRef,
    pub departement: DepartementRef,
    pub academie: Option<AcademieRef>,
    pub adresse: Option<String>,
    pub position: Option<Located>,
    pub contact: Contact,
    pub formations: Vec<Formation>,
    pub insertion: Option<Insertion>,
    pub url: String,
}

/// Diplomas of one level, for display.
#[derive(Debug, Clone)]
pub struct LevelGroup<'a> {
    pub niveau: Niveau,
    pub formations: Vec<&'a Formation>,
}

impl LyceeDetail {
    /// The diplomas taught as of `today` (ISO), grouped by level, in the
    /// order CAP, Bac pro, BTS, MC/CS, other: as many as
    /// [`LyceeDetail::taught_count`] says.
    pub fn by_level(&self, today: &str) -> Vec<LevelGroup<'_>> {
        Niveau::ALL
            .into_iter()
            .map(|n| LevelGroup {
                niveau: n,
                formations: self.formations.iter().filter(|f| f.niveau.code == n.code() && f.taught(today)).collect(),
            })
            .filter(|g| !g.formations.is_empty())
            .collect()
    }

    /// The diplomas the sources list here that closed before `today`
    /// without successor: they may no longer be prepared.
    pub fn no_longer_taught(&self, today: &str) -> Vec<&Formation> {
        self.formations.iter().filter(|f| !f.taught(today)).collect()
    }

    pub fn type_label(&self) -> &'static str {
        type_label(&self.kind)
    }

    pub fn secteur_label(&self) -> &'static str {
        secteur_label(&self.secteur)
    }

    pub fn has_contact(&self) -> bool {
        self.contact.email.is_some() || self.contact.telephone.is_some() || self.contact.site_web.is_some()
    }

    /// The diplomas taught as of `today` (see [`Formation::taught`]).
    pub fn taught_count(&self, today: &str) -> usize {
        self.formations.iter().filter(|f| f.taught(today)).count()
    }

    /// Distinct jobs of the diplomas taught as of `today`.
    pub fn job_count(&self, today: &str) -> usize {
        let mut romes: Vec<&str> = self
            .formations
            .iter()
            .filter(|f| f.taught(today))
            .flat_map(|f| f.metiers.iter().map(|m| m.rome.as_str()))
            .collect();
        romes.sort_unstable();
        romes.dedup();
        romes.len()
    }

    /// The phone number without spaces, for a `tel:` link.
    pub fn phone_href(&self) -> String {
        self.contact.telephone.as_deref().unwrap_or("").chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// Students counted, and the rentrée of the count (the most recent
    /// one, should the counts ever come from several).
    pub fn student_count(&self) -> Option<(i64, i64)> {
        let year = self.formations.iter().filter_map(|f| f.effectif_rentree).max()?;
        let n = self.formations.iter().filter(|f| f.effectif_rentree == Some(year)).filter_map(|f| f.effectif).sum();
        Some((n, year))
    }

    /// The rentrée of the most recent offer listing a diploma of the lycée.
    pub fn offer_rentree(&self) -> Option<i64> {
        self.formations.iter().filter_map(|f| f.offre.as_ref().map(|o| o.rentree)).max()
    }

    /// The rentrée of the student counts shown, if any.
    pub fn count_rentree(&self) -> Option<i64> {
        self.formations.iter().filter_map(|f| f.effectif_rentree).max()
    }
}

pub fn type_label(kind: &str) -> &'static str {
    match kind {
        "LP" => "Lycée professionnel",
        _ => "Lycée polyvalent",
    }
}

pub fn secteur_label(secteur: &str) -> &'static str {
    match secteur {
        "public" => "Public",
        _ => "Privé sous contrat",
    }
}

/// A lycée in a list (`GET /api/v1/lycees`).
#[derive(Debug, Clone, Serialize)]
pub struct LyceeSummary {
    pub uai: String,
    pub nom: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub secteur: String,
    pub commune: CommuneRef,
    pub departement: DepartementRef,
    pub academie: Option<AcademieRef>,
    pub position: Option<Located>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    pub familles_metiers: Vec<String>,
    pub url: String,
}

impl LyceeSummary {
    pub fn type_label(&self) -> &'static str {
        type_label(&self.kind)
    }
    pub fn secteur_label(&self) -> &'static str {
        secteur_label(&self.secteur)
    }
}

/// A commune as the API shows it (`GET /api/v1/communes`).
#[derive(Debug, Clone, Serialize)]
pub struct Commune {
    pub code_insee: String,
    pub nom: String,
    pub codes_postaux: Vec<String>,
    pub departement: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commune_parent: Option<String>,
    pub position: Option<Position>,
}

impl Commune {
    /// A place of the search's index as the API shows it (position to
    /// four decimals, about 10 m).
    pub fn of(p: &crate::search::Place) -> Commune {
        Commune {
            code_insee: p.code_insee.clone(),
            nom: p.nom.clone(),
            codes_postaux: p.postcodes.clone(),
            departement: p.departement.clone(),
            kind: p.kind.clone(),
            commune_parent: p.parent.clone(),
            position: p
                .position
                .and_then(|pos| Position::new((pos.lat * 1e4).round() / 1e4, (pos.lon * 1e4).round() / 1e4)),
        }
    }
}

/// National figures for the home page.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub lycees: i64,
    pub diplomes: i64,
    pub metiers: i64,
    pub eleves: i64,
    /// The rentrée of the student counts.
    pub eleves_rentree: Option<i64>,
    pub academies: i64,
}

/// Everything cached for one catalogue version.
struct Snapshot {
    version: i64,
    vocabulary: Arc<Vocabulary>,
    figures: Figures,
}

/// The catalogue service: queries plus caches valid for one catalogue
/// version (see `refresh`).
pub struct Catalogue {
    db: Db,
    snapshot: RwLock<Arc<Snapshot>>,
    details: VersionedCache<Arc<LyceeDetail>>,
}

/// A listing failed on unknown input (a page or API error, not a crash).
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("{0}")]
    Unknown(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl Catalogue {
    pub async fn new(db: Db) -> sqlx::Result<Catalogue> {
        let snapshot = Self::load_snapshot(&db).await?;
        Ok(Catalogue { db, snapshot: RwLock::new(Arc::new(snapshot)), details: VersionedCache::new(512) })
    }

    async fn load_snapshot(db: &Db) -> sqlx::Result<Snapshot> {
        let version = q::version(db).await?;
        let vocabulary = Arc::new(Vocabulary::load(db).await?);
        let f = q::figures(db).await?;
        let figures = Figures {
            lycees: f.lycees,
            diplomes: f.diplomes,
            metiers: f.metiers,
            eleves: f.eleves,
            eleves_rentree: f.eleves_rentree,
            academies: f.academies,
        };
        Ok(Snapshot { version, vocabulary, figures })
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reloads the cached vocabulary and figures when the catalogue changed
    /// (an import, here or in another process). Returns whether it did.
    pub async fn refresh(&self) -> sqlx::Result<bool> {
        let current = q::version(&self.db).await?;
        if current == self.snapshot().version {
            return Ok(false);
        }
        let fresh = Self::load_snapshot(&self.db).await?;
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        Ok(true)
    }

    /// The catalogue version the caches are valid for.
    pub fn version(&self) -> i64 {
        self.snapshot().version
    }

    pub fn figures(&self) -> Figures {
        self.snapshot().figures.clone()
    }

    pub fn vocabulary(&self) -> Arc<Vocabulary> {
        self.snapshot().vocabulary.clone()
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// A lycée's showcase, `None` when unknown.
    pub async fn lycee(&self, uai: &Uai) -> sqlx::Result<Option<Arc<LyceeDetail>>> {
        let snap = self.snapshot();
        if let Some(d) = self.details.get(snap.version, uai.as_str()) {
            return Ok(Some(d));
        }
        let Some(row) = q::lycee(&self.db, uai.as_str()).await? else { return Ok(None) };
        let formations = q::formations(&self.db, uai.as_str()).await?;
        let jobs = q::jobs_of_lycee(&self.db, uai.as_str()).await?;
        let insertion = q::insertion(&self.db, uai.as_str()).await?;
        let mut jobs_by_cfd: HashMap<String, Vec<Metier>> = HashMap::new();
        for j in jobs {
            let appellations = snap.vocabulary.sample_titles(&j.rome_code, 3);
            jobs_by_cfd.entry(j.cfd).or_default().push(Metier { rome: j.rome_code, libelle: j.libelle, appellations });
        }
        let formations = formations
            .into_iter()
            .map(|f| {
                let n = Niveau::from_code(&f.niveau).unwrap_or(Niveau::Autre);
                Formation {
                    metiers: jobs_by_cfd.remove(&f.cfd).unwrap_or_default(),
                    cfd: f.cfd,
                    libelle: f.libelle,
                    niveau: NiveauRef { code: n.code(), libelle: n.label() },
                    effectif: f.effectif,
                    effectif_rentree: f.effectif_rentree,
                    offre: match (f.offre_rentree, f.premiers_voeux, f.annee_entree) {
                        (Some(rentree), Some(premiers_voeux), Some(annee_entree)) => {
                            Some(Offre { rentree, annee_entree, places: f.places, premiers_voeux })
                        }
                        _ => None,
                    },
                    fermeture: f.fermeture,
                    renouvele_de: f.renouvele_de,
                }
            })
            .collect();
        let detail = Arc::new(LyceeDetail {
            nom_officiel: row.nom_officiel.clone(),
            labels: row.labels.lines().filter(|l| !l.is_empty()).map(str::to_string).collect(),
            adresse: row.adresse.as_ref().map(|a| match &row.code_postal {
                Some(cp) => format!("{a}, {cp} {}", row.commune_nom),
                None => a.clone(),
            }),
            contact: Contact {
                email: row.email.clone(),
                telephone: row.telephone.clone(),
                site_web: row.site_web.clone(),
            },
            formations,
            insertion: insertion.map(|i| Insertion {
                millesime: i.millesime,
                taux_emploi_6_mois: i.taux_emploi_6_mois,
                taux_poursuite_etudes: i.taux_poursuite_etudes,
                valeur_ajoutee: i.valeur_ajoutee,
                taux_attendu: i.taux_attendu,
                source: i.source,
            }),
            ..summary_parts(row)
        });
        self.details.insert(snap.version, uai.to_string(), detail.clone());
        Ok(Some(detail))
    }

    /// Lycées of a place, with distance when `around` is given (then sorted
    /// by distance and limited to the radius).
    pub async fn list(
        &self,
        filter: LyceeFilter,
        around: Option<(Position, f64)>,
    ) -> sqlx::Result<Vec<(LyceeRow, Option<f64>)>> {
        let mut filter = filter;
        if let Some((center, km)) = around {
            filter.bbox = Some(center.bounding_box(km));
        }
        let rows = q::lycees(&self.db, &filter).await?;
        let mut out: Vec<(LyceeRow, Option<f64>)> = match around {
            None => rows.into_iter().map(|r| (r, None)).collect(),
            Some((center, km)) => rows
                .into_iter()
                .filter_map(|r| {
                    let p = Position::new(r.lat?, r.lon?)?;
                    let d = center.distance_km(&p);
                    (d <= km).then_some((r, Some(d)))
                })
                .collect(),
        };
        if around.is_some() {
            out.sort_by(|a, b| a.1.unwrap_or(0.0).total_cmp(&b.1.unwrap_or(0.0)));
        }
        Ok(out)
    }

    /// Turns listed rows into summaries with their main job families.
    pub async fn summaries(&self, rows: Vec<(LyceeRow, Option<f64>)>) -> sqlx::Result<Vec<LyceeSummary>> {
        let uais: Vec<String> = rows.iter().map(|(r, _)| r.uai.clone()).collect();
        let weights = q::domain_weights(&self.db, &uais).await?;
        let vocab = self.vocabulary();
        let mut by_uai: HashMap<String, Vec<(String, i64)>> = HashMap::new();
        for (uai, dom, n) in weights {
            by_uai.entry(uai).or_default().push((dom, n));
        }
        Ok(rows
            .into_iter()
            .map(|(row, distance)| {
                let mut doms = by_uai.remove(&row.uai).unwrap_or_default();
                doms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let familles =
                    doms.into_iter().take(3).filter_map(|(d, _)| vocab.domain_labels.get(&d).cloned()).collect();
                let base = summary_parts(row);
                LyceeSummary {
                    uai: base.uai,
                    nom: base.nom,
                    kind: base.kind,
                    secteur: base.secteur,
                    commune: base.commune,
                    departement: base.departement,
                    academie: base.academie,
                    position: base.position,
                    distance_km: distance.map(round_km),
                    familles_metiers: familles,
                    url: base.url,
                }
            })
            .collect())
    }

    /// Jobs for words typed by a company (simple matching on the job
    /// titles; case and accents ignored).
    pub fn find_jobs(&self, words: &str, limit: usize) -> Vec<JobMatch> {
        self.vocabulary().find_jobs(words, limit)
    }

    /// The académie code for a code or a name ("10", "Lyon", "lyon").
    pub async fn academie_code(&self, code_or_name: &str) -> Result<String, CatalogueError> {
        let wanted = fold(code_or_name);
        let all = q::all_academies(&self.db).await?;
        all.into_iter()
            .find(|a| a.code == code_or_name.trim() || fold(&a.libelle) == wanted)
            .map(|a| a.code)
            .ok_or_else(|| CatalogueError::Unknown(format!("académie inconnue : « {code_or_name} »")))
    }
}

/// The parts of a lycée shared by its summary and its showcase.
fn summary_parts(row: LyceeRow) -> LyceeDetail {
    let position = match (row.lat, row.lon) {
        (Some(lat), Some(lon)) => Some(Located { lat, lon, precision: row.precision.clone() }),
        _ => None,
    };
    LyceeDetail {
        url: format!("/lycees/{}", row.uai),
        uai: row.uai,
        nom: row.nom,
        nom_officiel: String::new(),
        kind: row.kind,
        secteur: row.secteur,
        labels: Vec::new(),
        commune: CommuneRef { code_insee: row.commune_code, nom: row.commune_nom },
        departement: DepartementRef { code: row.departement_code, nom: row.departement_nom },
        academie: row.academie_nom.map(|nom| AcademieRef { code: row.academie_code, nom }),
        adresse: None,
        position,
        contact: Contact { email: None, telephone: None, site_web: None },
        formations: Vec::new(),
        insertion: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formation(niveau: Niveau, effectif: Option<i64>, offre: Option<(i64, Option<i64>, i64)>) -> Formation {
        Formation {
            cfd: "40025510".into(),
            libelle: "Bac pro MELEC".into(),
            niveau: NiveauRef { code: niveau.code(), libelle: niveau.label() },
            effectif,
            effectif_rentree: effectif.map(|_| 2020),
            offre: offre.map(|(annee_entree, places, premiers_voeux)| Offre {
                rentree: 2022,
                annee_entree,
                places,
                premiers_voeux,
            }),
            fermeture: None,
            renouvele_de: None,
            metiers: Vec::new(),
        }
    }

    #[test]
    fn says_each_figure_with_its_year() {
        let f = formation(Niveau::Cap, Some(35), Some((1, Some(24), 38)));
        assert_eq!(f.offer_text().as_deref(), Some("24\u{a0}places, 38\u{a0}premiers vœux en 2022"));
        assert_eq!(f.count_text().as_deref(), Some("35\u{a0}élèves en 2020"));
        assert_eq!(
            f.sources_text(),
            "Sources\u{a0}: offre de formation 2022 (affectation des élèves)\u{202f}; constat des effectifs 2020."
        );
        // A speciality chosen after the seconde commune: places in première.
        let f = formation(Niveau::BacPro, None, Some((2, Some(30), 1)));
        assert_eq!(f.offer_text().as_deref(), Some("En première\u{a0}: 30\u{a0}places, 1\u{a0}premier vœu en 2022"));
        assert_eq!(f.count_text(), None);
        assert_eq!(f.sources_text(), "Source\u{a0}: offre de formation 2022 (affectation des élèves).");
        let f = formation(Niveau::Cap, None, Some((2, Some(1), 0)));
        assert_eq!(f.offer_text().as_deref(), Some("En 2e\u{a0}année\u{a0}: 1\u{a0}place, aucun premier vœu en 2022"));
        // No real capacity in the file.
        let f = formation(Niveau::Cap, Some(1), Some((1, None, 12)));
        assert_eq!(f.offer_text().as_deref(), Some("12\u{a0}premiers vœux en 2022 (nombre de places non renseigné)"));
        assert_eq!(f.count_text().as_deref(), Some("1\u{a0}élève en 2020"));
        // Only the count: a BTS.
        let f = formation(Niveau::Bts, Some(1250), None);
        assert_eq!(f.offer_text(), None);
        assert_eq!(f.count_text().as_deref(), Some("1\u{202f}250\u{a0}élèves en 2020"));
        assert_eq!(f.sources_text(), "Source\u{a0}: constat des effectifs 2020.");
    }

    #[test]
    fn says_when_a_diploma_closed() {
        let mut f = formation(Niveau::BacPro, Some(77), None);
        assert_eq!(f.closing_text("2026-11-30"), None);
        assert!(f.taught("2026-11-30"));
        f.fermeture = Some("2021-08-31".into());
        assert!(!f.taught("2026-11-30"), "only counted in 2020, closed since");
        assert!(f.taught("2021-08-31"));
        f.offre = Some(Offre { rentree: 2022, annee_entree: 1, places: Some(12), premiers_voeux: 3 });
        assert!(!f.taught("2026-11-30"), "in an offer of 2022, but closed since without successor");
        assert_eq!(
            f.closing_text("2026-11-30").as_deref(),
            Some(
                "Diplôme fermé le 31\u{a0}août 2021 dans la nomenclature nationale, sans diplôme qui le remplace\u{a0}: il peut ne plus être préparé."
            )
        );
        assert_eq!(
            f.closing_text("2021-08-30").as_deref(),
            Some("Diplôme appelé à fermer le 31\u{a0}août 2021 dans la nomenclature nationale.")
        );
        // Renewed: shown under its current code, an open one, and said so.
        f.fermeture = None;
        f.renouvele_de = Some("40025510".into());
        assert!(f.taught("2026-11-30"));
        assert_eq!(
            f.renewal_text().as_deref(),
            Some("Diplôme rénové\u{a0}: les sources le donnent sous son ancien code 40025510, fermé depuis.")
        );
    }
}
