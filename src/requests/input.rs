//! A company's request as typed (JSON of the API or the journey's form) and
//! its validation into a request the service can route. Both entry points
//! build a [`RequestInput`] and call [`validate`]: one set of rules, one set
//! of French messages, keyed by the API's field paths ("contact.email").

use crate::search::SearchIndex;
use crate::search::jobs::UnderstoodJob;
use domain::{ActionType, Email, Niveau, RomeCode, Siret, Uai};
use serde_json::Value;
use std::collections::BTreeMap;
use time::Date;

/// Longest free message, in characters.
pub const MAX_MESSAGE: usize = 5_000;
/// Longest short field (names), in characters.
pub const MAX_SHORT: usize = 200;

/// Problems by field path, in French.
pub type FieldErrors = BTreeMap<String, String>;

/// A request as received, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestInput {
    pub action: String,
    pub entreprise_nom: String,
    pub siret: String,
    /// NAF code found for the SIRET (journey only).
    pub naf: String,
    pub prenom: String,
    pub nom: String,
    pub email: String,
    pub telephone: String,
    /// INSEE code.
    pub commune: String,
    pub rayon_km: Option<f64>,
    pub metiers: Vec<String>,
    pub metier_texte: String,
    pub niveaux: Vec<String>,
    pub nombre_eleves: Option<i64>,
    pub debut: String,
    pub fin: String,
    pub message: String,
    pub consentement: bool,
    pub lycee: String,
    /// Keep the radius even when no lycée within it teaches the job itself
    /// (lycées teaching related jobs then answer).
    pub garder_rayon: bool,
}

/// A place as validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    pub code: String,
    pub nom: String,
    pub position: domain::Position,
    pub academie: Option<(String, String)>,
}

/// A request that can be routed.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRequest {
    pub action: ActionType,
    pub entreprise_nom: String,
    pub siret: Option<Siret>,
    pub naf: Option<String>,
    pub prenom: String,
    pub nom: String,
    pub email: Email,
    pub telephone: Option<String>,
    pub commune: Commune,
    pub rayon_km: f64,
    /// Jobs and how surely each was understood (1.0 when named).
    pub jobs: Vec<(String, f64)>,
    pub metier_texte: Option<String>,
    pub niveaux: Vec<Niveau>,
    pub nombre_eleves: Option<i64>,
    pub debut: Option<Date>,
    pub fin: Option<Date>,
    pub message: String,
    pub lycee: Option<String>,
    /// See [`RequestInput::garder_rayon`].
    pub garder_rayon: bool,
    /// The partner platform it came through (its API key, or its embedded
    /// form): never read from the request's own fields.
    pub partenaire: Option<String>,
    /// The company's name as the national register gives it for `siret`
    /// ([`super::entreprises::Entreprises::registered_name`]): never read
    /// from the request's own fields either.
    pub registered_name: Option<String>,
}

impl ValidRequest {
    /// The jobs as stored and compared for duplicates: sorted codes.
    pub fn jobs_key(&self) -> String {
        let mut codes: Vec<&str> = self.jobs.iter().map(|(r, _)| r.as_str()).collect();
        codes.sort_unstable();
        codes.join(",")
    }
}

/// Reads the API's JSON body. Values of the wrong JSON type are reported
/// per field (422), not as a malformed request.
pub fn from_json(v: &Value) -> (RequestInput, FieldErrors) {
    let mut errors = FieldErrors::new();
    let mut input = RequestInput::default();
    if !v.is_object() {
        errors.insert("$".into(), "un objet JSON est attendu".into());
        return (input, errors);
    }
    let text = |path: &str, errors: &mut FieldErrors| -> String {
        match pointer(v, path) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                errors.insert(path.into(), "texte attendu".into());
                String::new()
            }
        }
    };
    input.action = text("action", &mut errors);
    input.entreprise_nom = text("entreprise.nom", &mut errors);
    input.siret = text("entreprise.siret", &mut errors);
    input.prenom = text("contact.prenom", &mut errors);
    input.nom = text("contact.nom", &mut errors);
    input.email = text("contact.email", &mut errors);
    input.telephone = text("contact.telephone", &mut errors);
    input.commune = text("commune", &mut errors);
    input.metier_texte = text("metier_texte", &mut errors);
    input.debut = text("periode.debut", &mut errors);
    input.fin = text("periode.fin", &mut errors);
    input.message = text("message", &mut errors);
    input.lycee = text("lycee", &mut errors);
    input.rayon_km = match pointer(v, "rayon_km") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(_) => {
            errors.insert("rayon_km".into(), "nombre de kilomètres attendu".into());
            None
        }
    };
    input.nombre_eleves = match pointer(v, "nombre_eleves") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
        Some(_) => {
            errors.insert("nombre_eleves".into(), "nombre entier attendu".into());
            None
        }
    };
    let list = |path: &str, errors: &mut FieldErrors| -> Vec<String> {
        match pointer(v, path) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect()
            }
            Some(_) => {
                errors.insert(path.into(), "liste de textes attendue".into());
                Vec::new()
            }
        }
    };
    input.metiers = list("metiers", &mut errors);
    input.niveaux = list("niveaux", &mut errors);
    let flag = |path: &str, errors: &mut FieldErrors| -> bool {
        match pointer(v, path) {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) => false,
            Some(_) => {
                errors.insert(path.into(), "true ou false attendu".into());
                false
            }
        }
    };
    input.consentement = flag("consentement", &mut errors);
    input.garder_rayon = flag("garder_rayon", &mut errors);
    (input, errors)
}

fn pointer<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    v.pointer(&format!("/{}", path.replace('.', "/")))
}

/// A required name, checked by the one rule of names (`domain::names`):
/// one line of visible text, no link.
fn name(
    errors: &mut FieldErrors,
    path: &str,
    value: &str,
    label: &str,
    rule: fn(&str) -> Result<String, domain::names::NameError>,
) -> String {
    match rule(value) {
        Ok(v) => v,
        Err(e) => {
            errors.insert(path.into(), format!("{label} : {e}"));
            value.trim().to_string()
        }
    }
}

/// Checks a phone number loosely: 6 to 20 digits with the usual separators.
fn phone_ok(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (6..=20).contains(&digits) && p.chars().all(|c| c.is_ascii_digit() || " +.-()".contains(c))
}

fn date(errors: &mut FieldErrors, path: &str, value: &str) -> Option<Date> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match Date::parse(v, time::macros::format_description!("[year]-[month]-[day]")) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.insert(path.into(), "date attendue au format AAAA-MM-JJ".into());
            None
        }
    }
}

/// Validates a request against the catalogue. `understand` turns free job
/// words into jobs (the search's understanding).
pub fn validate(
    input: &RequestInput,
    index: &SearchIndex,
    understand: &dyn Fn(&str) -> Vec<UnderstoodJob>,
    today: Date,
) -> Result<ValidRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let action = match ActionType::from_code(input.action.trim()) {
        Some(a) => Some(a),
        None => {
            let msg = if input.action.trim().is_empty() {
                "choisissez ce que vous souhaitez faire"
            } else {
                "type d'action inconnu (voir /api/v1/referentiels/actions)"
            };
            errors.insert("action".into(), msg.into());
            None
        }
    };
    let entreprise_nom = name(
        &mut errors,
        "entreprise.nom",
        &input.entreprise_nom,
        "Nom de l'entreprise",
        domain::names::organisation_name,
    );
    let siret = match input.siret.trim() {
        "" => None,
        s => match s.parse::<Siret>() {
            Ok(s) => Some(s),
            Err(e) => {
                errors.insert("entreprise.siret".into(), e.to_string());
                None
            }
        },
    };
    let prenom = name(&mut errors, "contact.prenom", &input.prenom, "Prénom", domain::names::person_name);
    let nom = name(&mut errors, "contact.nom", &input.nom, "Nom", domain::names::person_name);
    let email = match input.email.trim() {
        "" => {
            errors.insert("contact.email".into(), "Adresse électronique : champ obligatoire".into());
            None
        }
        e => match e.parse::<Email>() {
            Ok(e) => Some(e),
            Err(err) => {
                errors.insert("contact.email".into(), err.to_string());
                None
            }
        },
    };
    let telephone = match input.telephone.trim() {
        "" => None,
        t if phone_ok(t) => Some(t.to_string()),
        _ => {
            errors
                .insert("contact.telephone".into(), "numéro de téléphone invalide, par exemple 04 78 00 00 00".into());
            None
        }
    };
    let commune = match input.commune.trim() {
        "" => {
            errors.insert("commune".into(), "indiquez la commune de l'entreprise".into());
            None
        }
        c => match index.places.get(&c.to_ascii_uppercase()) {
            Some(p) => match p.position {
                Some(position) => Some(Commune {
                    code: p.code_insee.clone(),
                    nom: p.nom.clone(),
                    position,
                    academie: index.academies.get(&p.departement).cloned(),
                }),
                None => {
                    errors.insert("commune".into(), "la position de cette commune n'est pas connue".into());
                    None
                }
            },
            None => {
                errors.insert("commune".into(), format!("commune inconnue : « {} » (code INSEE attendu)", clip(c)));
                None
            }
        },
    };
    let rayon_km = input.rayon_km.unwrap_or(30.0);
    if !rayon_km.is_finite() || !(1.0..=200.0).contains(&rayon_km) {
        errors.insert("rayon_km".into(), "le rayon doit être compris entre 1 et 200 km".into());
    }

    let mut jobs: Vec<(String, f64)> = Vec::new();
    for m in &input.metiers {
        match m.parse::<RomeCode>() {
            Ok(code) if index.rome_labels.contains_key(code.as_str()) => {
                if !jobs.iter().any(|(r, _)| r == code.as_str()) {
                    jobs.push((code.to_string(), 1.0));
                }
            }
            Ok(code) => {
                errors.insert("metiers".into(), format!("code ROME inconnu : {code}"));
            }
            Err(e) => {
                errors.insert("metiers".into(), format!("« {} » : {e}", clip(m)));
            }
        }
    }
    if jobs.len() > 10 {
        errors.insert("metiers".into(), "10 métiers au plus".into());
    }
    let metier_texte = match input.metier_texte.trim() {
        "" => None,
        t if t.chars().count() > MAX_SHORT => {
            errors.insert("metier_texte".into(), format!("{MAX_SHORT} caractères au plus"));
            None
        }
        t => Some(t.to_string()),
    };
    if jobs.is_empty()
        && let Some(words) = &metier_texte
    {
        let understood = understand(words);
        jobs = SearchIndex::kept_jobs(&understood).into_iter().map(|j| (j.rome.clone(), j.score)).collect();
        if jobs.is_empty() {
            errors.insert(
                "metier_texte".into(),
                format!("aucun métier reconnu dans « {} » : précisez le métier", clip(words)),
            );
        }
    }
    if action.is_some_and(ActionType::needs_jobs)
        && jobs.is_empty()
        && !errors.contains_key("metier_texte")
        && !errors.contains_key("metiers")
    {
        errors.insert("metiers".into(), "indiquez au moins un métier".into());
    }

    let mut niveaux = Vec::new();
    for n in &input.niveaux {
        match Niveau::from_code(n.trim()) {
            Some(level) if !niveaux.contains(&level) => niveaux.push(level),
            Some(_) => {}
            None => {
                errors
                    .insert("niveaux".into(), format!("niveau inconnu « {} » (cap, bac_pro, bts, mc, autre)", clip(n)));
            }
        }
    }
    if let Some(n) = input.nombre_eleves
        && !(1..=100).contains(&n)
    {
        errors.insert("nombre_eleves".into(), "entre 1 et 100 élèves".into());
    }
    let debut = date(&mut errors, "periode.debut", &input.debut);
    let fin = date(&mut errors, "periode.fin", &input.fin);
    if let Some(d) = debut
        && d < today
    {
        errors.insert("periode.debut".into(), "cette date est passée".into());
    }
    if let Some(f) = fin
        && f < today
    {
        errors.insert("periode.fin".into(), "cette date est passée".into());
    }
    if let (Some(d), Some(f)) = (debut, fin)
        && f < d
    {
        errors.insert("periode.fin".into(), "la fin doit venir après le début".into());
    }
    if fin.is_some() && debut.is_none() && !errors.contains_key("periode.debut") {
        errors.insert("periode.debut".into(), "indiquez aussi le début".into());
    }

    let message = input.message.trim().to_string();
    if message.is_empty() {
        errors.insert("message".into(), "décrivez votre besoin en quelques mots".into());
    } else if message.chars().count() > MAX_MESSAGE {
        errors.insert("message".into(), format!("{} caractères au plus", domain::text::thousands(MAX_MESSAGE as i64)));
    }
    if !input.consentement {
        errors.insert(
            "consentement".into(),
            "votre accord est nécessaire pour transmettre vos coordonnées aux lycées".into(),
        );
    }
    let lycee = match input.lycee.trim() {
        "" => None,
        u => match u.parse::<Uai>() {
            Ok(uai) if index.lycee(uai.as_str()).is_some() => Some(uai.to_string()),
            Ok(uai) => {
                errors.insert("lycee".into(), format!("lycée inconnu : {uai}"));
                None
            }
            Err(e) => {
                errors.insert("lycee".into(), e.to_string());
                None
            }
        },
    };
    let naf = Some(input.naf.trim().to_string()).filter(|n| !n.is_empty() && n.len() <= 10);

    match (errors.is_empty(), action, email, commune) {
        (true, Some(action), Some(email), Some(commune)) => Ok(ValidRequest {
            action,
            entreprise_nom,
            siret,
            naf,
            prenom,
            nom,
            email,
            telephone,
            commune,
            rayon_km,
            jobs,
            metier_texte,
            niveaux,
            nombre_eleves: input.nombre_eleves,
            debut,
            fin,
            message,
            lycee,
            garder_rayon: input.garder_rayon,
            partenaire: None,
            registered_name: None,
        }),
        _ => Err(errors),
    }
}

fn clip(v: &str) -> String {
    let s: String = v.chars().take(40).collect();
    if v.chars().count() > 40 { format!("{s}…") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_types_are_checked_per_field() {
        let (input, errors) = from_json(&json!({
            "action": "pfmp",
            "entreprise": {"nom": 12},
            "contact": {"prenom": "Zoé", "nom": "L'Hôte", "email": "zoe@exemple.fr"},
            "commune": "69123",
            "rayon_km": "trente",
            "metiers": "F1602",
            "nombre_eleves": 2.5,
            "consentement": "oui"
        }));
        assert_eq!(input.prenom, "Zoé");
        assert_eq!(input.nom, "L'Hôte");
        let keys: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(keys, ["consentement", "entreprise.nom", "metiers", "nombre_eleves", "rayon_km"]);
        let (_, errors) = from_json(&json!([1, 2]));
        assert!(errors.contains_key("$"));
    }

    #[test]
    fn phones() {
        for ok in ["04 78 00 00 00", "+33 4 78 00 00 00", "0478000000", "(04) 78-00.00.00"] {
            assert!(phone_ok(ok), "{ok}");
        }
        for bad in ["12", "abc", "04 78 00 00 00 <script>", "0".repeat(30).as_str()] {
            assert!(!phone_ok(bad), "{bad}");
        }
    }
}
