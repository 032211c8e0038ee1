//! The bureau des entreprises' other half, through the real server, each
//! engine and a real SMTP exchange: a lycée declares students without a
//! host company, companies find them on the showcase and in `/stages` and
//! offer to host, fitting partners are called once (unsubscribe honoured),
//! and the pôle de stages gives an untaken request to a lycée with a need.

use crate::on_both_engines;
use crate::support::{Engine, Mail, Options, SmtpSink, TestApp, one};
use monlyceepro::accounts::Role;
use monlyceepro::storage::partners::{ContactRow, PartenaireRow};

/// The day every story here happens (the test's clock is set to it).
fn day_one() -> time::OffsetDateTime {
    time::macros::datetime!(2026-12-01 09:00 UTC)
}

/// A lycée of the Rhône with a diploma leading to electricians (F1602):
/// its UAI, name, and that diploma (code, label).
fn electricity_lycee(app: &TestApp, skip: &[String]) -> (String, String, String, String) {
    let index = app.state.search.index();
    let l = index
        .lycees
        .iter()
        .filter(|l| l.departement == "69" && !skip.contains(&l.uai) && l.position.is_some())
        .find(|l| l.offers.iter().any(|o| o.romes.first().is_some_and(|r| r == "F1602")))
        .expect("un lycée du Rhône qui forme des électriciens");
    let o = l.offers.iter().find(|o| o.romes.first().is_some_and(|r| r == "F1602")).expect("diplôme");
    (l.uai.clone(), l.nom.clone(), o.cfd.clone(), o.label.clone())
}

/// A page's text with askama's escapes of quotes and ampersands undone, to
/// compare with the French sentences the tests expect.
fn plain(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
}

async fn get(browser: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Option<String>, String) {
    let res = browser.get(format!("{}{path}", app.base)).send().await.expect("requête");
    let status = res.status().as_u16();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    (status, location, plain(&res.text().await.expect("corps")))
}

async fn page_text(app: &TestApp, path: &str) -> (u16, String) {
    let (status, body) = app.get_text(path).await;
    (status, plain(&body))
}

/// Adds PFMP period 12/01–20/02/2027 of `cfd` and declares `places`
/// students without a company for it; the need's id.
async fn declare(app: &TestApp, rbe: &reqwest::Client, uai: &str, cfd: &str, places: &str) -> String {
    let editor = format!("/espace/lycees/{uai}/vitrine");
    let period = [("diplome", cfd), ("annee", "2026-2027"), ("debut", "12/01/2027"), ("fin", "20/02/2027")];
    let (status, _, html) = app.submit_form_as(rbe, &editor, &format!("/espace/lycees/{uai}/pfmp"), &period).await;
    assert_eq!(status, 303, "{html}");
    let period_id: String = one(&app.db, &format!("SELECT id FROM periodes_pfmp WHERE uai = '{uai}'")).await;
    let page = format!("/espace/lycees/{uai}/stages");
    let fields = [("periode", period_id.as_str()), ("places", places), ("note", "Élèves mobiles sur la métropole.")];
    let (status, location, html) = app.submit_form_as(rbe, &page, &page, &fields).await;
    assert_eq!((status, location.as_deref()), (303, Some(format!("{page}?fait=declare").as_str())), "{html}");
    one(&app.db, &format!("SELECT id FROM besoins_stages WHERE uai = '{uai}' ORDER BY cree_le DESC LIMIT 1")).await
}

/// The story of the issue: a need → on the showcase and in `/stages` for
/// a company searching those jobs nearby → the company offers to host →
/// the request reaches that lycée as pilot → the need is marked filled.
async fn a_need_finds_a_company(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.clock.set(day_one());
    let (uai, nom, cfd, label) = electricity_lycee(&app, &[]);
    let rbe_id = app.account("rbe.stages@ac-lyon.fr", Role::Rbe, &[&uai], None).await;
    let rbe = app.signed_in(&rbe_id).await;
    let page = format!("/espace/lycees/{uai}/stages");

    // Bad inputs: a French message next to the field, nothing stored.
    let (status, _, html) = get(&rbe, &app, &page).await;
    assert_eq!(status, 200);
    assert!(html.contains("Indiquez d'abord vos périodes de stage"), "no period yet: {html}");
    let id = declare(&app, &rbe, &uai, &cfd, "6").await;
    let period_id: String = one(&app.db, &format!("SELECT id FROM periodes_pfmp WHERE uai = '{uai}'")).await;
    let long = "x".repeat(501);
    for (fields, says) in [
        (vec![("periode", "inconnue"), ("places", "2")], "Choisissez une période de PFMP"),
        (vec![("periode", period_id.as_str()), ("places", "six")], "Indiquez un nombre d'élèves"),
        (vec![("periode", period_id.as_str()), ("places", "0")], "entre 1 et 200"),
        (vec![("periode", period_id.as_str()), ("places", "9999")], "entre 1 et 200"),
        (vec![("periode", period_id.as_str()), ("places", "2"), ("note", long.as_str())], "500 caractères au plus"),
    ] {
        let (status, _, html) = app.submit_form_as(&rbe, &page, &page, &fields).await;
        assert_eq!(status, 422, "{fields:?}");
        assert!(plain(&html).contains(says), "{fields:?}: {says}");
    }
    assert_eq!(one::<i64>(&app.db, "SELECT COUNT(*) FROM besoins_stages").await, 1, "only the good one stored");

    // The showcase says it, the company's way.
    let sentence = format!(
        "Nous cherchons encore des entreprises pour accueillir 6\u{a0}élèves de {label}, du 12/01/2027 au 20/02/2027"
    );
    let (status, html) = page_text(&app, &format!("/lycees/{uai}")).await;
    assert_eq!(status, 200);
    let shown = html.clone();
    assert!(shown.contains(&sentence), "showcase: {sentence}");
    assert!(shown.contains("Élèves mobiles sur la métropole."));

    // `/stages`: a company of Lyon typing its job finds it, with the period.
    let (status, html) = page_text(&app, "/stages?q=%C3%A9lectricien&commune=Lyon&rayon_km=50").await;
    assert_eq!(status, 200);
    let shown = html.clone();
    assert!(shown.contains(&nom) && shown.contains(&sentence), "/stages lists the need");
    // Cooks do not see it; nor does a company 600 km away.
    let (_, html) = page_text(&app, "/stages?q=cuisinier&commune=Lyon&rayon_km=50").await;
    assert!(!html.contains(&uai), "not for cooks");
    let (_, html) = page_text(&app, "/stages?q=%C3%A9lectricien&commune=Brest&rayon_km=50").await;
    assert!(!html.contains(&uai), "not 600 km away");
    assert!(html.contains("Aucun lycée ne cherche d'entreprise d'accueil"), "says so");
    // Bad place and unknown words: said next to the field, never a 5xx.
    let (status, html) = page_text(&app, "/stages?commune=Zzzyxville").await;
    assert_eq!(status, 200);
    assert!(html.contains("Nous ne trouvons pas la commune"), "{html}");
    let (status, html) = page_text(&app, "/stages?q=zzqqxxw").await;
    assert_eq!(status, 200);
    assert!(html.contains("Nous ne reconnaissons pas de métier"), "{html}");
    let (status, _) = page_text(&app, &format!("/stages?q={}&rayon_km=-3&commune_code=", "a".repeat(5000))).await;
    assert_eq!(status, 200);
    // A control character in the query is refused at the boundary (400).
    let (status, html) = page_text(&app, "/stages?commune_code=%00").await;
    assert_eq!(status, 400);
    assert!(html.contains("caractère invisible"), "{html}");

    // "Proposer d'accueillir": the journey pre-filled, that lycée chosen.
    let start = shown.find("href=\"/demande?action=pfmp&lycee=").unwrap_or_else(|| {
        panic!(
            "lien Proposer d'accueillir : {}",
            &shown[shown.find("Proposer").unwrap_or(0).saturating_sub(400)..][..600]
        )
    }) + 6;
    let href: String = shown[start..].chars().take_while(|c| *c != '"').collect();
    assert!(href.contains(&format!("lycee={uai}")) && href.contains("debut=2027-01-12") && href.contains("rome=F1602"));
    let (status, journey) = page_text(&app, &href).await;
    assert_eq!(status, 200);
    let journey = plain(&journey);
    assert!(journey.contains("name=\"action\" value=\"pfmp\""), "pfmp chosen");
    assert!(journey.contains(&format!("name=\"lycee\" value=\"{uai}\"")), "that lycée kept");
    // It says where the company comes from: a need, not the lycée's page.
    assert!(
        journey.contains("Vous répondez au besoin de stage <strong>du lycée")
            && !journey.contains("Vous venez de la fiche")
    );
    assert!(journey.contains("name=\"depuis\" value=\"stages\""), "kept through the steps");
    assert!(journey.contains("12/01/2027") && journey.contains("20/02/2027"), "period kept");
    let fields = [
        ("etape", "5"),
        ("aller", "envoyer"),
        ("action", "pfmp"),
        ("metiers", "F1602"),
        ("commune", "69123"),
        ("commune_texte", "Lyon"),
        ("debut", "12/01/2027"),
        ("fin", "20/02/2027"),
        ("message", "Nous pouvons prendre deux élèves."),
        ("entreprise_nom", "Électricité L'Hôte"),
        ("prenom", "Zoé"),
        ("nom", "L'Hôte"),
        ("email", "zoe@exemple.fr"),
        ("consentement", "oui"),
        ("lycee", uai.as_str()),
    ];
    let (status, _, html) = app.submit_form("/demande", "/demande", &fields).await;
    assert!(status == 303 || status == 200, "{status}: {html}");
    let pilot: String = one(
        &app.db,
        "SELECT d.uai FROM destinataires d JOIN demandes r ON r.id = d.demande_id WHERE d.role = 'pilote' \
         AND r.contact_email = 'zoe@exemple.fr'",
    )
    .await;
    assert_eq!(pilot, uai, "the lycée of the need is the pilot");

    // Marked filled: off the showcase and `/stages`, kept in the workspace.
    let need = format!("{page}/{id}");
    let (status, location, _) = app.submit_form_as(&rbe, &need, &format!("{need}/pourvu"), &[]).await;
    assert_eq!((status, location), (303, Some(format!("{page}?fait=pourvu"))));
    let (_, html) = page_text(&app, &format!("/lycees/{uai}")).await;
    assert!(!html.contains("Nous cherchons encore"), "no longer on the showcase");
    let (_, html) = page_text(&app, "/stages?q=%C3%A9lectricien&commune=Lyon&rayon_km=50").await;
    assert!(!html.contains(&uai));
    let (_, _, html) = get(&rbe, &app, &page).await;
    assert!(html.contains("Besoins clos") && html.contains("Pourvu le 01/12/2026"), "kept as history");
    // Acting on a closed need is refused in French, not a 5xx.
    let (status, _, html) = app.submit_form_as(&rbe, &need, &format!("{need}/appel"), &[]).await;
    assert_eq!(status, 409);
    assert!(plain(&html).contains("plus ouvert"));
    // The audit log has both steps.
    let audited: i64 =
        one(&app.db, "SELECT COUNT(*) FROM audit WHERE action IN ('besoin_stages_declare', 'besoin_stages_pourvu')")
            .await;
    assert_eq!(audited, 2);

    // A need closes by itself after its period.
    let second = declare(&app, &rbe, &uai, &cfd, "1").await;
    app.clock.set(time::macros::datetime!(2027-02-21 09:00 UTC));
    let rbe = app.signed_in(&rbe_id).await;
    let (_, html) = page_text(&app, &format!("/lycees/{uai}")).await;
    assert!(!html.contains("Nous cherchons encore"), "ended with its period");
    let (_, _, html) = get(&rbe, &app, &format!("{page}/{second}")).await;
    assert!(html.contains("Clos (période terminée)"), "the workspace says why");
}
on_both_engines!(a_need_finds_a_company);

/// A call for placements reaches each fitting partner's contacts once;
/// the unsubscribe link is honoured; the partner's history keeps it.
async fn a_call_reaches_fitting_partners_once(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    app.clock.set(day_one());
    let (uai, _, cfd, label) = electricity_lycee(&app, &[]);
    let rbe = app.signed_in(&app.account("rbe.appel@ac-lyon.fr", Role::Rbe, &[&uai], None).await).await;

    // Three partners: one hosts this diploma in winter, one only in
    // summer, one hosts electricians (the job) all year.
    let mut ids = Vec::new();
    for (name, emails) in [
        ("Winter Élec", vec!["a@winter.fr", "b@winter.fr"]),
        ("Summer Élec", vec!["c@summer.fr"]),
        ("Job Élec", vec!["d@job.fr"]),
    ] {
        let id = format!("p-{}", name.split(' ').next().unwrap_or("x").to_lowercase());
        let mut tx = app.db.begin().await.expect("tx");
        let row = PartenaireRow {
            id: id.clone(),
            uai: uai.clone(),
            nom: name.into(),
            nom_norm: name.to_lowercase(),
            cree_le: "2026-11-01T00:00:00Z".into(),
            modifie_le: "2026-11-01T00:00:00Z".into(),
            ..Default::default()
        };
        monlyceepro::storage::partners::upsert(&mut tx, &row).await.expect("partenaire");
        for (i, e) in emails.iter().enumerate() {
            let c = ContactRow {
                id: format!("{id}-{i}"),
                partenaire_id: id.clone(),
                prenom: Some("Camille".into()),
                nom: "Martin".into(),
                email: Some((*e).into()),
                ..Default::default()
            };
            monlyceepro::storage::partners::insert_contact(&mut tx, &c).await.expect("contact");
        }
        tx.commit().await.expect("commit");
        ids.push(id);
    }
    // Capacities through the partner page, as an officer records them.
    let pour = format!("cfd:{cfd}");
    for (id, fields) in [
        (&ids[0], vec![("pour", pour.as_str()), ("mois", "1"), ("mois", "2"), ("places", "2")]),
        (&ids[1], vec![("pour", pour.as_str()), ("mois", "7"), ("places", "3")]),
        (&ids[2], vec![("pour", "rome:F1602"), ("places", "1")]),
    ] {
        let page = format!("/espace/partenaires/{id}");
        let (status, _, html) = app.submit_form_as(&rbe, &page, &format!("{page}/capacite"), &fields).await;
        assert_eq!(status, 303, "{html}");
    }
    let page = format!("/espace/partenaires/{}", ids[0]);
    for (fields, says) in [
        (vec![("pour", "cfd:00000000"), ("places", "2")], "Choisissez un diplôme ou un métier"),
        (vec![("pour", pour.as_str()), ("mois", "13"), ("places", "2")], "Mois inconnu"),
        (vec![("pour", pour.as_str()), ("places", "0")], "entre 1 et 200"),
    ] {
        let (status, _, html) = app.submit_form_as(&rbe, &page, &format!("{page}/capacite"), &fields).await;
        assert_eq!(status, 422, "{fields:?}");
        assert!(plain(&html).contains(says), "{fields:?}");
    }
    let (_, _, html) = get(&rbe, &app, &page).await;
    assert!(html.contains("2\u{a0}élèves — ") && html.contains("janvier et février"), "capacity in words");

    let id = declare(&app, &rbe, &uai, &cfd, "3").await;
    let need = format!("/espace/lycees/{uai}/stages/{id}");
    let (_, _, html) = get(&rbe, &app, &need).await;
    assert!(html.contains("Winter Élec") && html.contains("Job Élec"), "the fitting partners");
    assert!(!html.contains("Summer Élec"), "summer only does not fit January");
    assert!(html.contains("Envoyer l'appel à 2\u{a0}partenaires (3\u{a0}contacts)"), "{html}");

    let (status, location, _) = app.submit_form_as(&rbe, &need, &format!("{need}/appel"), &[]).await;
    assert_eq!((status, location), (303, Some(format!("{need}?fait=appel&envoyes=3"))));
    let calls = smtp.wait_for(3, |m| m.header("Subject").contains("cherche des entreprises d'accueil")).await;
    let mut to: Vec<String> = calls.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["a@winter.fr", "b@winter.fr", "d@job.fr"]);
    let body = calls[0].text();
    assert!(body.contains(&label) && body.contains("du 12/01/2027 au 20/02/2027"), "{body}");
    assert!(body.contains(&format!("/demande?action=pfmp&lycee={uai}")), "offer link: {body}");
    // Twice: nobody is written to again.
    let (_, location, _) = app.submit_form_as(&rbe, &need, &format!("{need}/appel"), &[]).await;
    assert_eq!(location, Some(format!("{need}?fait=appel&envoyes=0")));
    let (_, _, html) = get(&rbe, &app, &format!("{need}?fait=appel&envoyes=0")).await;
    assert!(html.contains("déjà été appelés"));
    // The history of each partner called keeps it.
    let history: i64 = one(&app.db, "SELECT COUNT(*) FROM interactions WHERE genre = 'appel_stages'").await;
    assert_eq!(history, 2, "one line per partner called");

    // Unsubscribe: a scanner's GET changes nothing, the confirmation does.
    let mail_b: &Mail = calls.iter().find(|m| m.to.iter().any(|t| t == "b@winter.fr")).expect("b");
    let text = mail_b.text();
    let start = text.find("/stages/desinscription/").expect("lien de désinscription");
    let link: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    let (status, html) = page_text(&app, &link).await;
    assert_eq!(status, 200);
    assert!(html.contains("Confirmer"));
    assert_eq!(one::<i64>(&app.db, "SELECT COUNT(*) FROM desinscriptions_appels").await, 0);
    let (status, _, html) = app.submit_form(&link, &link, &[]).await;
    assert_eq!(status, 200);
    assert!(plain(&html).contains("C'est noté"), "{html}");
    let (status, _) = page_text(&app, "/stages/desinscription/faux.jeton").await;
    assert_eq!(status, 404);
    // A second need: b@winter.fr is not called any more.
    let second = declare(&app, &rbe, &uai, &cfd, "2").await;
    let need2 = format!("/espace/lycees/{uai}/stages/{second}");
    let (_, _, html) = get(&rbe, &app, &need2).await;
    assert!(html.contains("1\u{a0}contact désinscrit"), "{html}");
    let (_, location, _) = app.submit_form_as(&rbe, &need2, &format!("{need2}/appel"), &[]).await;
    assert_eq!(location, Some(format!("{need2}?fait=appel&envoyes=2")));
    smtp.wait_for(5, |m| m.header("Subject").contains("cherche des entreprises d'accueil")).await;
    let to_b = smtp.mails().iter().filter(|m| m.to.iter().any(|t| t == "b@winter.fr")).count();
    assert_eq!(to_b, 1, "unsubscribe honoured");
    // What is held about that address is in its RGPD export.
    let held = monlyceepro::storage::privacy::held(&app.db, "b@winter.fr").await.expect("données");
    assert_eq!((held.appels_stages.len(), held.desinscriptions_appels.len()), (1, 1));

    // Another lycée's officer sees none of it.
    let (other, ..) = electricity_lycee(&app, std::slice::from_ref(&uai));
    let stranger = app.signed_in(&app.account("rbe.autre@ac-lyon.fr", Role::Rbe, &[&other], None).await).await;
    assert_eq!(get(&stranger, &app, &need).await.0, 404);
    assert_eq!(get(&stranger, &app, &format!("/espace/lycees/{uai}/stages")).await.0, 404);
    // A need id of one lycée under another lycée's address: 404.
    let (_, _, _) = get(&stranger, &app, &format!("/espace/lycees/{other}/stages")).await;
    assert_eq!(get(&stranger, &app, &format!("/espace/lycees/{other}/stages/{id}")).await.0, 404);
}
on_both_engines!(a_call_reaches_fitting_partners_once);

/// The pôle de stages sees the untaken PFMP request beside the need of a
/// lycée not yet asked, and gives it to that lycée in one action.
async fn the_pole_gives_a_request_to_a_lycee_with_a_need(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.clock.set(day_one());
    let (status, created) = app.post_json("/api/v1/demandes", &crate::demandes::request("pole@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let reference = created["reference"].as_str().expect("référence").to_string();
    let asked: Vec<String> = created["destinataires"]
        .as_array()
        .expect("destinataires")
        .iter()
        .filter_map(|d| d["uai"].as_str().map(str::to_string))
        .collect();
    // A lycée of the Rhône teaching electricians that the routing did not ask.
    let (uai, nom, cfd, _) = electricity_lycee(&app, &asked);
    let rbe = app.signed_in(&app.account("rbe.pole@ac-lyon.fr", Role::Rbe, &[&uai], None).await).await;
    let id = declare(&app, &rbe, &uai, &cfd, "4").await;

    let coord = app.signed_in(&app.account("pole@ac-lyon.fr", Role::Coordinateur, &[], Some("10")).await).await;
    let (status, _, html) = get(&coord, &app, "/espace/territoire/stages").await;
    assert_eq!(status, 200);
    assert!(html.contains(&reference), "the untaken request");
    let row = html.find(&reference).expect("demande");
    let suggestion = html[row..].find(&format!("value=\"{id}\""));
    assert!(suggestion.is_some(), "the need is suggested for it");
    assert!(html[row..].contains("même métier, période commune"), "why");

    let (status, location, html) = app
        .submit_form_as(
            &coord,
            "/espace/territoire/stages",
            "/espace/territoire/stages",
            &[("ref", reference.as_str()), ("besoin", id.as_str())],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    let location = location.expect("redirection");
    let (_, _, html) = get(&coord, &app, &location).await;
    assert!(html.contains(&format!("Demande {reference} confiée")), "notice");
    let pilot: String = one(
        &app.db,
        &format!(
            "SELECT d.uai FROM destinataires d JOIN demandes r ON r.id = d.demande_id WHERE r.reference = '{reference}' \
             AND d.role = 'pilote' AND d.statut = 'nouvelle'"
        ),
    )
    .await;
    assert_eq!(pilot, uai, "the lycée with the need coordinates now");
    let story: String = one(
        &app.db,
        &format!(
            "SELECT e.texte FROM demande_evenements e JOIN demandes r ON r.id = e.demande_id \
             WHERE r.reference = '{reference}' AND e.texte LIKE '%Confiée par la coordination%'"
        ),
    )
    .await;
    assert!(
        story.contains("pour son besoin de stages en ") && story.contains("du 12/01/2027 au 20/02/2027"),
        "{story}"
    );
    let _ = nom;
    // Again: the request is no longer a suggestion for that lycée.
    let (status, _, html) = app
        .submit_form_as(
            &coord,
            "/espace/territoire/stages",
            "/espace/territoire/stages",
            &[("ref", reference.as_str()), ("besoin", id.as_str())],
        )
        .await;
    assert_eq!(status, 409, "{html}");
    // A business officer has no pôle de stages; another académie's
    // coordinator does not see this need.
    assert_eq!(get(&rbe, &app, "/espace/territoire/stages").await.0, 404);
    let paris = app.signed_in(&app.account("pole@ac-paris.fr", Role::Coordinateur, &[], Some("01")).await).await;
    let (status, _, html) = get(&paris, &app, "/espace/territoire/stages").await;
    assert_eq!(status, 200);
    assert!(!html.contains(&id) && !html.contains(&reference));
}
on_both_engines!(the_pole_gives_a_request_to_a_lycee_with_a_need);
