//! The public pages through the real server, on both engines: content in
//! company words, French error pages, escaping, static files.

use crate::on_both_engines;
use crate::support::{Engine, TestApp};
use monlyceepro::accounts::Role;

async fn pages_show_the_catalogue(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (s, home) = app.get_text("/").await;
    assert_eq!(s, 200);
    assert!(home.contains("<html lang=\"fr\">"));
    assert!(home.contains("2\u{202f}090</span> lycées"), "national figure on the home page");
    // Each tile « Ce que vous pouvez proposer » leads to its guidance.
    let (_, guide) = app.get_text("/entreprises").await;
    let tiles: Vec<&str> = home.split("href=\"/entreprises#").skip(1).filter_map(|t| t.split('"').next()).collect();
    assert_eq!(tiles.len(), domain::ActionType::ALL.len(), "one tile per action");
    for anchor in tiles {
        assert!(guide.contains(&format!("id=\"{anchor}\"")), "{anchor} on /entreprises");
    }
    // The accessibility statement and the footer say what the audit found.
    let audit = &*monlyceepro::web::accessibilite::AUDIT_OF_BUILD;
    let level = audit.level();
    assert!(home.contains(&format!("Accessibilité&nbsp;: {level}")), "footer");
    let (s, statement) = app.get_text("/accessibilite").await;
    assert_eq!(s, 200);
    let failing = audit.count(monlyceepro::web::accessibilite::Status::NonConforme);
    assert!(
        statement.contains(&format!("<strong>{level}</strong>"))
            && statement.contains(&format!("{failing} critères non conformes"))
    );
    assert!(
        statement.contains("Critère 11.10") && statement.contains("Défenseur des droits"),
        "non-conformities and remedies listed"
    );
    assert!(home.contains("745\u{202f}443</span> élèves en formation à la rentrée 2020"), "with its year");
    assert!(home.contains("Accueillir des élèves en stage (PFMP)"));

    let (s, academies) = app.get_text("/lycees").await;
    assert_eq!(s, 200);
    assert!(academies.contains("href=\"/lycees?academie=10\">Lyon</a>"), "académies with links");
    let (_, lyon) = app.get_text("/lycees?academie=10").await;
    assert!(lyon.contains("href=\"/lycees?departement=69\">Rhône (69)</a>"));
    let (_, rhone) = app.get_text("/lycees?departement=69").await;
    assert!(rhone.contains("/lycees/0690043X"));
    assert!(rhone.contains("Lycée professionnel"));
    let (_, city) = app.get_text("/lycees?commune=69123").await;
    assert!(city.contains("/lycees/0690043X"), "a whole city lists its arrondissements' lycées");
    // A commune without a lycée proposes the nearest ones.
    let (s, small) = app.get_text("/lycees?commune=69001").await;
    assert_eq!(s, 200);
    assert!(small.contains("Aucun lycée professionnel à") && small.contains("/lycees/"));
    let (_, found) = app.get_text("/lycees?q=st+etienne").await;
    assert!(found.contains("/lycees?commune=42218"));

    // A value added below what is expected is written with the minus sign.
    let (s, below) = app.get_text("/lycees/0010032E").await;
    assert_eq!(s, 200);
    assert!(below.contains("−3&nbsp;points") && !below.contains("-3&nbsp;points"), "the minus sign");
    let (s, showcase) = app.get_text("/lycees/0690043X").await;
    assert_eq!(s, 200);
    for expected in [
        "Lycée professionnel Jacques de Flesselles",
        "Lycée des métiers du génie électrique et de la bureautique",
        "Bac pro métiers de l&#39;électricité et de ses environnements connectés",
        "Électricien / Électricienne du bâtiment",
        "(F1602)",
        "46\u{202f}%",
        "InserJeunes (DEPP)",
        "Coordonnées non connues",
        "au centre de la commune",
        // Each figure with its year, and where it comes from.
        "24\u{a0}places, 38\u{a0}premiers vœux en 2022 · 35\u{a0}élèves en 2020 · code diplôme 50025524",
        "En première\u{a0}: 30\u{a0}places, 52\u{a0}premiers vœux en 2022 · 85\u{a0}élèves en 2020",
        "90\u{a0}places, 73\u{a0}premiers vœux en 2022 · code diplôme 40020008",
        "Sources\u{a0}: offre de formation 2022 (affectation des élèves)\u{202f}; constat des effectifs 2020.",
        // Gestion-administration, counted in 2020, renewed since as AGORA.
        "77\u{a0}élèves en 2020 · code diplôme 40030004",
        "Diplôme rénové\u{a0}: les sources le donnent sous son ancien code 40030001, fermé depuis.",
        "offre de formation de la rentrée 2022",
        "392</span> élèves en 2020",
    ] {
        assert!(showcase.contains(expected), "showcase shows {expected:?}");
    }
    // Diplomas taught today: the header counts the list it heads.
    let listed = showcase.matches("class=\"mlp-formation ").count();
    assert!(showcase.contains(&format!("{listed}</span> diplômes enseignés")), "{listed} listés");

    // Raymond Cortat (Aurillac): CAP cuisine, MC employé traiteur and Bac
    // pro MELEC were renewed under new codes, not closed; the header
    // counts what the list shows.
    let (_, cortat) = app.get_text("/lycees/0150008C").await;
    let listed = cortat.matches("class=\"mlp-formation ").count();
    assert!(cortat.contains(&format!("{listed}</span> diplômes enseignés")), "{listed} listés");
    for renewed in
        ["code diplôme 50022146", "code diplôme 56122103", "son ancien code 50022139", "son ancien code 01022103"]
    {
        assert!(cortat.contains(renewed), "{renewed}");
    }
    assert!(!cortat.contains("code diplôme 50022139") && !cortat.contains("il n'est plus préparé"));
    // The same page again comes from the cache, identical.
    assert_eq!(app.get_text("/lycees/0690043X").await.1, showcase);

    // A lycée in La Réunion.
    let (s, reunion) = app.get_text("/lycees/9740004L").await;
    assert_eq!(s, 200);
    assert!(reunion.contains("La Réunion"));
}

async fn bad_input_on_pages(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for path in [
        "/lycees/0000000A",
        "/lycees/pas-un-uai",
        "/lycees?academie=999",
        "/lycees?departement=ZZ",
        "/lycees?commune=00000",
        "/nimporte/quoi",
    ] {
        let (s, body) = app.get_text(path).await;
        assert_eq!(s, 404, "{path}");
        assert!(body.contains("Page non trouvée"), "{path}: French error page");
    }
    let (s, body) = app.get_text("/lycees?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(s, 200);
    assert!(!body.contains("<script>alert(1)"), "user input is escaped");
    assert!(body.contains("&#60;script&#62;alert(1)"), "shown escaped");
    let long = "é".repeat(1000);
    assert_eq!(app.get_text(&format!("/lycees?q={long}")).await.0, 200);
    assert_eq!(app.get_text("/lycees?q=%F0%9F%98%80%F0%9F%98%80").await.0, 200);
}

async fn static_files_are_compressed_and_cached(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, home) = app.get_text("/").await;
    let css = home
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|u| u.ends_with("dsfr.min.css"))
        .expect("DSFR css");
    let res =
        app.client.get(format!("{}{css}", app.base)).header("accept-encoding", "gzip, br").send().await.expect("css");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "br");
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(res.headers()["content-type"].to_str().expect("ct").starts_with("text/css"));
    let plain = app.client.get(format!("{}{css}", app.base)).send().await.expect("css");
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.bytes().await.expect("body").len() > 100_000);
    // Every file the page refers to exists.
    for url in home.split(['"', '\'']).filter(|u| u.starts_with("/static/")) {
        assert_eq!(app.get(url).await.status(), 200, "{url}");
    }
    assert_eq!(app.get("/static/inconnu.css").await.status(), 404);
}

/// A lycée whose business officer publishes a contact: the page's one
/// contact block shows it first, and never "Coordonnées non connues"
/// while it is known; unpublished, the page says again it knows none.
async fn a_published_contact_comes_first(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let uai = "0690043X";
    let page = format!("/lycees/{uai}");
    let (_, before) = app.get_text(&page).await;
    assert!(before.contains("Coordonnées non connues"), "no contact known yet");
    assert!(before.contains("académie de Lyon"));

    let rbe = app.signed_in(&app.account("rbe.contact@ac-lyon.fr", Role::Rbe, &[uai], None).await).await;
    let editor = format!("/espace/lycees/{uai}/vitrine");
    let published = [
        ("actions", "pfmp"),
        ("bde_nom", "Mme Martin"),
        ("bde_email", "bde@lycee.fr"),
        ("bde_telephone", "04 78 00 00 00"),
        ("bde_public", "oui"),
    ];
    let (status, _, _) = app.submit_form_as(&rbe, &editor, &editor, &published).await;
    assert_eq!(status, 303);
    let (_, after) = app.get_text(&page).await;
    let contact = &after[after.find("id=\"contact\"").expect("contact block")..];
    assert!(!after.contains("Coordonnées non connues"), "a contact is known");
    assert!(contact.contains("Le bureau des entreprises"), "{contact}");
    assert!(contact.contains("href=\"mailto:bde@lycee.fr\">Mme Martin — bde@lycee.fr</a>"), "{contact}");
    assert!(contact.contains("href=\"tel:0478000000\""), "{contact}");
    assert_eq!(after.matches("bde@lycee.fr").count(), 2, "one contact block (href and text)");
    assert!(after.find("Le bureau des entreprises") > after.find("id=\"contact\""), "in the contact block");

    let hidden = [("actions", "pfmp"), ("bde_nom", "Mme Martin"), ("bde_email", "bde@lycee.fr")];
    let (status, _, _) = app.submit_form_as(&rbe, &editor, &editor, &hidden).await;
    assert_eq!(status, 303);
    let (_, unpublished) = app.get_text(&page).await;
    assert!(!unpublished.contains("bde@lycee.fr"), "not published: not shown");
    assert!(unpublished.contains("Coordonnées non connues"));
}

on_both_engines!(
    pages_show_the_catalogue,
    bad_input_on_pages,
    static_files_are_compressed_and_cached,
    a_published_contact_comes_first
);
