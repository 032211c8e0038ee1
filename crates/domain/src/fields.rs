//! Sector and field words ("BTP", "soins", "mécanique", "gros œuvre")
//! understood as a *field*: a family of jobs rather than one job.
//!
//! Two sources of field words:
//! - a small reviewed table ([`FIELDS`]) for the words companies use, each
//!   field defined by data codes — ROME prefixes (a grand domaine `F`, a
//!   professional domain `F16`, or a job `I1310`) and NSF specialty groups of
//!   the diplomas (`groupe_specialite` of the BCN) — so that its jobs come
//!   from the catalogue, not from a list typed here;
//! - labels found in the data (the ROME professional domains, the
//!   "familles de métiers" of the common first year of Bac pro), added by the
//!   caller with [`FieldWords::add_label`].
//!
//! The words name a field only when *every* meaningful word of the query is
//! explained by it: "bâtiment" is a field, "électricien du bâtiment" is a
//! job.

use crate::analysis::{analyze, stem};

/// A field of the reviewed table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// Stable key (tests, logs).
    pub key: &'static str,
    /// Completes "Tous les métiers …": "du bâtiment et des travaux publics".
    pub of: &'static str,
    /// Words and phrases naming the field, as companies type them (any
    /// case, accents, plural: they go through the same analysis as queries).
    pub words: &'static [&'static str],
    /// ROME codes or prefixes of the field's jobs.
    pub romes: &'static [&'static str],
    /// NSF specialty groups whose diplomas lead to the field's jobs.
    pub groups: &'static [&'static str],
}

impl FieldDef {
    /// Whether a ROME code belongs to the field by its code.
    pub fn has_rome(&self, rome: &str) -> bool {
        self.romes.iter().any(|p| rome.starts_with(p))
    }

    /// Whether a diploma of this NSF group leads to the field's jobs.
    pub fn has_group(&self, group: &str) -> bool {
        self.groups.contains(&group)
    }

    /// Whether a job that a diploma of the field's groups leads to belongs
    /// to the field: only when it is of the same professional domain (first
    /// three characters, or the grand domaine for a letter) as one of the
    /// field's codes. Diplomas lead to jobs of other fields too (a care
    /// diploma to reception jobs), which must not enter the field.
    pub fn admits(&self, rome: &str) -> bool {
        self.romes.iter().any(|p| rome.starts_with(p.get(..3).unwrap_or(p)))
    }
}

/// The reviewed field words. Order matters only for ties.
pub const FIELDS: &[FieldDef] = &[
    FieldDef {
        key: "batiment",
        of: "du bâtiment et des travaux publics",
        words: &["bâtiment", "BTP", "construction", "bâtiment travaux publics", "construction durable", "chantier"],
        romes: &["F", "H2206"],
        groups: &["230", "231", "232", "233", "234"],
    },
    FieldDef {
        key: "gros_oeuvre",
        of: "du gros œuvre",
        words: &["gros œuvre", "maçonnerie", "gros œuvre bâtiment"],
        romes: &["F17", "F15", "F13"],
        groups: &["232"],
    },
    FieldDef {
        key: "second_oeuvre",
        of: "du second œuvre",
        words: &["second œuvre", "finitions", "finitions bâtiment", "second œuvre bâtiment"],
        romes: &["F16"],
        groups: &["233"],
    },
    FieldDef {
        key: "travaux_publics",
        of: "des travaux publics",
        words: &["travaux publics", "TP", "génie civil", "VRD", "voirie réseaux divers"],
        romes: &["F11", "F12", "F13", "F17"],
        groups: &["231"],
    },
    FieldDef {
        key: "hotellerie_restauration",
        of: "de l'hôtellerie-restauration",
        words: &[
            "hôtellerie",
            "restauration",
            "hôtellerie restauration",
            "CHR",
            "café hôtel restaurant",
            "hôtel restaurant",
        ],
        romes: &["G14", "G15", "G16", "G17", "G18"],
        groups: &["334"],
    },
    FieldDef {
        key: "tourisme",
        of: "du tourisme",
        words: &["tourisme", "voyage", "agence voyage"],
        romes: &["G11", "G13"],
        groups: &[],
    },
    FieldDef {
        key: "industrie",
        of: "de l'industrie",
        words: &["industrie", "industriel", "production industrielle", "usine", "manufacture"],
        romes: &["H"],
        groups: &["200", "201", "250"],
    },
    FieldDef {
        key: "mecanique",
        of: "de la mécanique",
        words: &["mécanique", "mécanique générale", "mécanique industrielle", "usinage"],
        romes: &["H29", "I16", "I1310", "I1304"],
        groups: &["251", "252"],
    },
    FieldDef {
        key: "automobile",
        of: "de l'automobile",
        words: &["automobile", "garage", "véhicules", "carrosserie", "maintenance véhicules"],
        romes: &["I16"],
        groups: &["252"],
    },
    FieldDef {
        key: "electricite",
        of: "de l'électricité",
        words: &["électricité", "électrique", "électrotechnique"],
        romes: &["F1602", "F1605", "I1309", "H1504", "H26"],
        groups: &["255"],
    },
    FieldDef {
        key: "electronique",
        of: "de l'électronique et des réseaux",
        words: &["électronique", "électronique réseaux", "systèmes numériques"],
        romes: &["H1202", "H1209", "I1305", "I1307", "I1401", "H2605"],
        groups: &[],
    },
    FieldDef {
        key: "numerique",
        of: "du numérique et de l'informatique",
        words: &["numérique", "informatique", "réseaux informatiques", "cybersécurité", "digital"],
        romes: &["M18", "I1401", "I1305", "I1307"],
        groups: &["326"],
    },
    FieldDef {
        key: "energie",
        of: "de l'énergie et du génie climatique",
        words: &[
            "énergie",
            "génie climatique",
            "froid",
            "climatisation",
            "froid climatisation",
            "chauffage",
            "CVC",
            "chauffage ventilation climatisation",
            "énergies renouvelables",
        ],
        romes: &["I1306", "I1308", "F1603", "F1620", "H27"],
        groups: &["227"],
    },
    FieldDef {
        key: "metallurgie",
        of: "de la métallurgie et de la chaudronnerie",
        words: &["métallurgie", "chaudronnerie", "structures métalliques", "métallerie"],
        romes: &["H29", "H2902", "H2913", "F1501"],
        groups: &["223", "254"],
    },
    FieldDef {
        key: "bois",
        of: "du bois et de l'ameublement",
        words: &["bois", "menuiserie", "ameublement", "agencement"],
        romes: &["H22", "F1607"],
        groups: &["234"],
    },
    FieldDef {
        key: "sante",
        of: "du soin et de la santé",
        words: &["soins", "santé", "sanitaire", "sanitaire et social", "médico-social", "paramédical", "médical"],
        romes: &["J", "K11", "K13"],
        groups: &["330", "331"],
    },
    FieldDef {
        key: "services_personne",
        of: "des services à la personne",
        words: &["services à la personne", "aide à la personne", "aide à domicile", "social", "action sociale"],
        romes: &["K11", "K12", "K13"],
        groups: &["330", "332"],
    },
    FieldDef {
        key: "petite_enfance",
        of: "de la petite enfance",
        words: &["petite enfance", "crèche", "garde d'enfants"],
        romes: &["K1303", "J1304", "K1302"],
        groups: &[],
    },
    FieldDef {
        key: "commerce",
        of: "du commerce et de la vente",
        words: &["commerce", "vente", "distribution", "grande distribution", "commerce vente", "magasin", "retail"],
        romes: &["D"],
        groups: &["312"],
    },
    FieldDef {
        key: "alimentation",
        of: "des métiers de bouche",
        words: &["métiers de bouche", "bouche", "alimentation", "artisanat alimentaire"],
        romes: &["D1101", "D1102", "D1103", "D1104", "D1105"],
        groups: &[],
    },
    FieldDef {
        key: "agroalimentaire",
        of: "de l'industrie agroalimentaire",
        words: &["agroalimentaire", "agro-alimentaire", "industrie alimentaire", "IAA"],
        romes: &["H21", "H1502"],
        groups: &[],
    },
    FieldDef {
        key: "transport_logistique",
        of: "du transport et de la logistique",
        words: &["transport", "logistique", "transport logistique", "entrepôt", "supply chain", "messagerie"],
        romes: &["N"],
        groups: &["311"],
    },
    FieldDef {
        key: "gestion",
        of: "de la gestion et de l'administration",
        words: &[
            "bureautique",
            "administratif",
            "administration",
            "gestion",
            "gestion administrative",
            "secrétariat",
            "tertiaire",
            "comptabilité gestion",
        ],
        romes: &["M12", "M14", "M16"],
        groups: &["314", "324"],
    },
    FieldDef {
        key: "beaute",
        of: "de la beauté et du bien-être",
        words: &["coiffure", "esthétique", "esthétique coiffure", "beauté", "bien-être", "cosmétique", "onglerie"],
        romes: &["D1202", "D1208", "D1203"],
        groups: &["336"],
    },
    FieldDef {
        key: "agriculture",
        of: "de l'agriculture et du paysage",
        words: &["agriculture", "agricole", "paysage", "espaces verts", "élevage", "horticulture", "forêt"],
        romes: &["A"],
        groups: &["210", "211", "212", "213", "214"],
    },
    FieldDef {
        key: "securite",
        of: "de la sécurité",
        words: &["sécurité", "sûreté", "surveillance", "gardiennage", "sécurité privée"],
        romes: &["K25", "K17"],
        groups: &["344"],
    },
    FieldDef {
        key: "proprete",
        of: "de la propreté et de l'environnement",
        words: &["propreté", "environnement", "déchets", "assainissement", "hygiène propreté"],
        romes: &["K22", "K23"],
        groups: &["343"],
    },
    FieldDef {
        key: "mode",
        of: "de la mode et du textile",
        words: &["mode", "textile", "habillement", "couture", "confection", "maroquinerie", "cuir"],
        romes: &["B18", "H24"],
        groups: &["240", "241", "242", "243"],
    },
    FieldDef {
        key: "graphisme",
        of: "des industries graphiques et de la communication",
        words: &["imprimerie", "industries graphiques", "communication graphique", "graphisme", "audiovisuel"],
        romes: &["E11", "E12", "E13"],
        groups: &["322", "323"],
    },
    FieldDef {
        key: "aeronautique",
        of: "de l'aéronautique",
        words: &["aéronautique", "aviation", "aérospatial"],
        romes: &["I1602", "H2602", "H2901", "N21", "N22"],
        groups: &["253"],
    },
    FieldDef {
        key: "banque_assurance",
        of: "de la banque et de l'assurance",
        words: &["banque", "assurance", "banque assurance", "immobilier"],
        romes: &["C"],
        groups: &["313"],
    },
    FieldDef {
        key: "artisanat_art",
        of: "de l'artisanat d'art",
        words: &["artisanat d'art", "métiers d'art", "art"],
        romes: &["B"],
        groups: &[],
    },
];

/// Words that say "a field" without naming one: "le secteur du BTP", "la
/// filière bois", "domaine de la santé".
const FILLERS: &[&str] =
    &["secteur", "domaine", "filiere", "branche", "activite", "famille", "tous", "tout", "entreprise"];

/// One phrase naming a field, analysed.
#[derive(Debug, Clone)]
struct Phrase {
    terms: Vec<String>,
    field: usize,
}

/// The field words of a catalogue: the reviewed table (field ids
/// `0..FIELDS.len()`, in table order) and the labels of the data (ids given
/// by the caller).
#[derive(Debug, Clone)]
pub struct FieldWords {
    reviewed: Vec<Phrase>,
    labels: Vec<Phrase>,
}

impl Default for FieldWords {
    fn default() -> Self {
        Self::new()
    }
}

fn terms_of(text: &str) -> Vec<String> {
    let mut t: Vec<String> = analyze(text).into_iter().filter(|w| !FILLERS.iter().any(|f| stem(f) == *w)).collect();
    t.sort_unstable();
    t.dedup();
    t
}

fn covers(outer: &[String], inner: &[String]) -> bool {
    inner.iter().all(|t| outer.binary_search(t).is_ok())
}

impl FieldWords {
    /// The reviewed table alone.
    pub fn new() -> FieldWords {
        let mut reviewed = Vec::new();
        for (field, def) in FIELDS.iter().enumerate() {
            for w in def.words {
                let terms = terms_of(w);
                if !terms.is_empty() {
                    reviewed.push(Phrase { terms, field });
                }
            }
        }
        FieldWords { reviewed, labels: Vec::new() }
    }

    /// Adds a label of the data (a ROME domain, a famille de métiers) as the
    /// name of field `field`.
    pub fn add_label(&mut self, label: &str, field: usize) {
        let terms = terms_of(label);
        if !terms.is_empty() {
            self.labels.push(Phrase { terms, field });
        }
    }

    /// The field `words` name, if they name one.
    ///
    /// - Reviewed words first: every word of the query must be explained by
    ///   phrases of one field ("hôtellerie restauration"); with several
    ///   candidates, the field whose phrase is longest wins.
    /// - Else a label of the data whose words contain all the query's words
    ///   and of which the query says at least half ("second œuvre" →
    ///   "Second oeuvre", "gros œuvre" → "Travaux et gros oeuvre"); the
    ///   shortest such label wins.
    pub fn find(&self, words: &str) -> Option<usize> {
        let q = terms_of(words);
        if q.is_empty() {
            return None;
        }
        // Reviewed: per field, the query terms its phrases cover.
        let mut best: Option<(usize, usize)> = None; // (longest phrase, field)
        let mut fields: Vec<usize> = self.reviewed.iter().map(|p| p.field).collect();
        fields.dedup();
        for field in fields {
            let phrases: Vec<&Phrase> =
                self.reviewed.iter().filter(|p| p.field == field && covers(&q, &p.terms)).collect();
            if phrases.is_empty() {
                continue;
            }
            let all = q.iter().all(|t| phrases.iter().any(|p| p.terms.contains(t)));
            if !all {
                continue;
            }
            let longest = phrases.iter().map(|p| p.terms.len()).max().unwrap_or(0);
            if best.is_none_or(|(l, _)| longest > l) {
                best = Some((longest, field));
            }
        }
        if let Some((_, field)) = best {
            return Some(field);
        }
        self.labels
            .iter()
            .filter(|p| covers(&p.terms, &q) && q.len() * 2 >= p.terms.len())
            .min_by_key(|p| p.terms.len())
            .map(|p| p.field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(words: &str) -> Option<&'static str> {
        FieldWords::new().find(words).map(|i| FIELDS[i].key)
    }

    #[test]
    fn usual_sector_words_name_a_field() {
        for (words, field) in [
            ("BTP", "batiment"),
            ("bâtiment", "batiment"),
            ("le secteur du bâtiment", "batiment"),
            ("Bâtiment et travaux publics", "batiment"),
            ("restauration", "hotellerie_restauration"),
            ("Hôtellerie-restauration", "hotellerie_restauration"),
            ("industrie", "industrie"),
            ("soins", "sante"),
            ("santé", "sante"),
            ("commerce", "commerce"),
            ("mécanique", "mecanique"),
            ("gros oeuvre", "gros_oeuvre"),
            ("GROS ŒUVRE", "gros_oeuvre"),
            ("travaux publics", "travaux_publics"),
            ("froid et climatisation", "energie"),
            ("esthétique coiffure", "beaute"),
            ("agroalimentaire", "agroalimentaire"),
            ("transport", "transport_logistique"),
            ("électrotechnique", "electricite"),
            ("la filière bois", "bois"),
        ] {
            assert_eq!(key(words), Some(field), "{words}");
        }
    }

    #[test]
    fn job_words_are_not_fields() {
        for words in [
            "électricien du bâtiment",
            "plombier",
            "aide-soignante",
            "boulanger",
            "vendeur en boulangerie",
            "",
            "!!!",
            "de la",
        ] {
            assert_eq!(key(words), None, "{words}");
        }
    }

    #[test]
    fn labels_of_the_data_name_fields_too() {
        let mut w = FieldWords::new();
        let base = FIELDS.len();
        w.add_label("Second oeuvre", base);
        w.add_label("Travaux et gros oeuvre", base + 1);
        w.add_label("Engins de chantier", base + 2);
        w.add_label("Mécanique, travail des métaux et outillage", base + 3);
        assert_eq!(w.find("engins de chantier"), Some(base + 2));
        assert_eq!(w.find("travail des métaux"), Some(base + 3));
        // A reviewed word wins over a label.
        assert_eq!(w.find("second œuvre").map(|i| FIELDS.get(i).map(|f| f.key)), Some(Some("second_oeuvre")));
        // One word of a long label is not enough.
        assert_eq!(w.find("outillage"), None);
        assert_eq!(w.find("métaux"), None);
    }

    #[test]
    fn every_field_is_well_formed() {
        let mut keys: Vec<&str> = FIELDS.iter().map(|f| f.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), FIELDS.len(), "unique keys");
        for f in FIELDS {
            assert!(!f.words.is_empty() && !f.romes.is_empty(), "{}", f.key);
            assert!(f.of.starts_with("d"), "« Tous les métiers {} »", f.of);
            for r in f.romes {
                let b = r.as_bytes();
                assert!(!b.is_empty() && b.len() <= 5 && b[0].is_ascii_uppercase(), "{r}");
                assert!(b[1..].iter().all(u8::is_ascii_digit), "{r}");
            }
            for g in f.groups {
                assert!(g.len() == 3 && g.bytes().all(|c| c.is_ascii_digit()), "{g}");
            }
        }
        assert!(FIELDS[0].has_rome("F1602") && !FIELDS[0].has_rome("I1309") && FIELDS[0].has_group("232"));
        let beaute = FIELDS.iter().find(|f| f.key == "beaute").expect("beauté");
        assert!(beaute.admits("D1209") && !beaute.admits("D1403") && !beaute.has_rome("D1209"));
    }
}
