//! The guide for companies (`/entreprises`) through the real server, on both
//! engines: every action type of the domain is explained and starts its
//! request, the PFMP, apprenticeship and tax pages answer, each showcase
//! gives its UAI for the apprenticeship tax, and the guide is linked from
//! the home page, the journey, the site map and the company's emails.

use crate::on_both_engines;
use crate::support::{Engine, Options, SmtpSink, TestApp};
use domain::ActionType;

/// The text of the first `<h1>` of a page.
fn h1(page: &str) -> String {
    let start = page.find("<h1").expect("un h1");
    let open_end = start + page[start..].find('>').expect("balise");
    let close = open_end + page[open_end..].find("</h1>").expect("fin du h1");
    page[open_end + 1..close].to_string()
}

/// Askama's escaping of a label ("l'entreprise" → "l&#39;entreprise").
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;").replace('\'', "&#39;").replace('"', "&#34;")
}

/// Every page of the guide answers with one h1, its own title and a
/// description; `/entreprises` explains every action type and each one's
/// button opens the journey with that action chosen.
async fn every_way_of_working_with_a_lycee_starts_its_request(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for (path, title) in [
        ("/entreprises", "Entreprises&nbsp;: travailler avec un lycée professionnel"),
        ("/entreprises/pfmp", "Accueillir un élève en PFMP"),
        ("/entreprises/apprentissage", "Recruter un apprenti"),
        ("/entreprises/taxe-apprentissage", "Soutenir un lycée avec la taxe d&#39;apprentissage"),
    ] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(h1(&page), title, "{path}");
        assert_eq!(page.matches("<h1").count(), 1, "{path}: one h1");
        assert!(page.contains("<meta name=\"description\""), "{path}");
        assert!(page.contains("fr-breadcrumb") && page.contains("href=\"/\">Accueil</a>"), "{path}: breadcrumb");
        assert!(page.contains("aria-current=\"page\">Travailler avec un lycée</a>"), "{path}: menu entry current");
        assert!(!page.contains(" de le ") && !page.contains(" de les "), "{path}: « de le »");
    }

    let (_, guide) = app.get_text("/entreprises").await;
    for action in ActionType::ALL {
        let label = escaped(action.label());
        assert!(guide.contains(&format!("<h3 class=\"fr-card__title\">{label}</h3>")), "{label} on the guide");
        let href = format!("/demande?action={}", action.code());
        assert!(guide.contains(&format!("href=\"{href}\">Faire cette demande")), "{href} on the guide");

        // The link opens the journey past its first question, the action
        // carried along; one step back, it is the one checked.
        let (status, page) = app.get_text(&href).await;
        assert_eq!(status, 200, "{href}");
        let expected_step = if action.needs_jobs() { "Étape 2 sur 6" } else { "Étape 3 sur 6" };
        assert!(page.contains(expected_step), "{href}: {expected_step}");
        assert!(
            page.contains(&format!("<input type=\"hidden\" name=\"action\" value=\"{}\">", action.code())),
            "{href}: the action is carried"
        );
        let step = if action.needs_jobs() { "2" } else { "3" };
        let (status, _, back) =
            app.submit_form(&href, "/demande", &[("etape", step), ("aller", "1"), ("action", action.code())]).await;
        assert_eq!(status, 200, "{href}: back to the first step");
        assert!(back.contains("Étape 1 sur 6"), "{href}: first step");
        assert!(
            back.contains(&format!(
                "id=\"action-{code}\" name=\"action\" value=\"{code}\" checked>",
                code = action.code()
            )),
            "{href}: the radio of the action is checked"
        );
    }
    // The pages that say more are linked from their action.
    for more in ["/entreprises/pfmp", "/entreprises/apprentissage", "/entreprises/taxe-apprentissage"] {
        assert!(guide.contains(&format!("href=\"{more}\"")), "{more} linked from the guide");
    }

    // The rules the issue asks for, said once and the same way everywhere.
    let (_, pfmp) = app.get_text("/entreprises/pfmp").await;
    for expected in [
        "convention",
        "représentant légal",
        "tuteur",
        "enseignant",
        "vient voir l'élève",
        "couvert par le lycée",
        "vous ne lui versez pas de salaire",
        "L'État verse aux élèves une allocation",
        "href=\"/demande?action=pfmp\"",
    ] {
        assert!(pfmp.contains(expected), "PFMP page says {expected:?}");
    }
    let (_, apprenticeship) = app.get_text("/entreprises/apprentissage").await;
    for expected in ["contrat d'apprentissage", "maître d'apprentissage", "votre salarié", "statut scolaire"] {
        assert!(apprenticeship.contains(expected), "apprenticeship page says {expected:?}");
    }
    // An apprentice is an employee, a PFMP student is not: both pages and
    // the guide's cards agree (the cards' text is escaped by the template,
    // the pages' own text is written in them).
    assert!(pfmp.contains("il n'est pas votre salarié") && guide.contains("il n&#39;est pas salarié"));
    let (_, tax) = app.get_text("/entreprises/taxe-apprentissage").await;
    assert!(tax.contains("SOLTéA") && tax.contains("code UAI") && tax.contains("href=\"/demande?action=soutien\""));
}

/// A real lycée's showcase gives its UAI for the apprenticeship tax, right
/// after its contact, with the link to the tax page; the home page, the
/// journey's first step and the site map link to the guide.
async fn the_guide_is_linked_from_the_showcase_home_journey_and_site_map(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (status, showcase) = app.get_text("/lycees/0690043X").await;
    assert_eq!(status, 200);
    let contact = showcase.find("<h2 id=\"contact\">").expect("contact");
    let support = showcase.find("<h2 id=\"soutenir\">Soutenir ce lycée</h2>").expect("Soutenir ce lycée");
    assert!(support > contact, "the support block comes after the contact");
    let block = &showcase[support..];
    assert!(block.contains("<span class=\"mlp-uai\" id=\"uai-soutien\">0690043X</span>"), "UAI shown as text");
    assert!(block.contains("data-mlp-copy=\"uai-soutien\"") && block.contains(" hidden>Copier le code UAI"));
    assert!(block.contains("href=\"/entreprises/taxe-apprentissage\""));
    assert!(showcase.contains("href=\"#soutenir\">Soutenir ce lycée</a>"), "in the page's summary");

    let (_, home) = app.get_text("/").await;
    assert!(home.contains("href=\"/entreprises\">Comprendre les façons de travailler avec un lycée</a>"));
    let (_, journey) = app.get_text("/demande").await;
    assert!(journey.contains("Étape 1 sur 6"));
    assert!(journey.contains("<a href=\"/entreprises\">Comprendre les façons de travailler avec un lycée</a>"));
    // Not in a partner's frame, whose links must stay inside the form.
    let (_, site_map) = app.get_text("/plan-du-site").await;
    for path in ["/entreprises", "/entreprises/pfmp", "/entreprises/apprentissage", "/entreprises/taxe-apprentissage"] {
        assert!(site_map.contains(&format!("<a href=\"{path}\">")), "{path} in the site map");
    }
}

/// The company's acknowledgement, through the real SMTP sink, ends with
/// the link to the guide on the service's own address.
async fn the_company_email_links_to_the_guide(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    let (status, created) = app.post_json("/api/v1/demandes", &crate::demandes::request("guide@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let mails = smtp
        .wait_for(1, |m| m.to.iter().any(|t| t == "guide@exemple.fr") && m.header("Subject").contains("enregistrée"))
        .await;
    let body = mails[0].text();
    let link =
        format!("Comprendre les façons de travailler avec un lycée professionnel\u{a0}: {}/entreprises", app.base);
    assert!(body.contains(&link), "{link:?} in:\n{body}");
}

on_both_engines!(
    every_way_of_working_with_a_lycee_starts_its_request,
    the_guide_is_linked_from_the_showcase_home_journey_and_site_map,
    the_company_email_links_to_the_guide,
);
