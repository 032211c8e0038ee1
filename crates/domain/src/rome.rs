//! The ROME's 14 "grands domaines": the broadest job families, named by the
//! first letter of a ROME code. Their labels are not in the open-data files,
//! so they live here.

/// Label of the grand domaine of a ROME code or domain code (`F`, `F16`,
/// `F1602`).
pub fn grand_domaine(code: &str) -> Option<&'static str> {
    Some(match code.chars().next()?.to_ascii_uppercase() {
        'A' => "Agriculture et pêche, espaces naturels et espaces verts, soins aux animaux",
        'B' => "Arts et façonnage d'ouvrages d'art",
        'C' => "Banque, assurance, immobilier",
        'D' => "Commerce, vente et grande distribution",
        'E' => "Communication, média et multimédia",
        'F' => "Construction, bâtiment et travaux publics",
        'G' => "Hôtellerie-restauration, tourisme, loisirs et animation",
        'H' => "Industrie",
        'I' => "Installation et maintenance",
        'J' => "Santé",
        'K' => "Services à la personne et à la collectivité",
        'L' => "Spectacle",
        'M' => "Support à l'entreprise",
        'N' => "Transport et logistique",
        _ => return None,
    })
}

/// Every grand domaine letter.
pub const GRANDS_DOMAINES: [char; 14] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N'];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_letter_has_a_label() {
        for l in GRANDS_DOMAINES {
            assert!(grand_domaine(&l.to_string()).is_some());
        }
        assert_eq!(grand_domaine("F1602"), Some("Construction, bâtiment et travaux publics"));
        assert_eq!(grand_domaine("Z"), None);
        assert_eq!(grand_domaine(""), None);
    }
}
