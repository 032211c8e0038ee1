//! The workspace of lycées and coordinators, through the real server, the
//! database of each engine and a real SMTP exchange: sign-in by one-time
//! link, the inbox and its actions, the coordinator's reassignment, and the
//! authorization matrix (role × route).

use crate::demandes::request;
use crate::on_both_engines;
use crate::support::{Engine, Mail, Options, SmtpSink, TestApp};
use monlyceepro::accounts::{NewAccount, Role};
use monlyceepro::clock::Clock as _;
use monlyceepro::storage::Db;
use serde_json::Value;

/// The path of the first link of `prefix` in an email.
fn link_in(mail: &Mail, prefix: &str) -> String {
    let text = mail.text();
    let start = text.find(prefix).unwrap_or_else(|| panic!("pas de lien {prefix} dans {text}"));
    text[start..].chars().take_while(|c| !c.is_whitespace()).collect()
}

/// Signs in through the real journey: the form, the email, the link,
/// the confirmation. Returns the person's browser.
async fn sign_in_by_email(app: &TestApp, smtp: &SmtpSink, email: &str) -> reqwest::Client {
    let browser = app.new_client();
    let before = smtp.mails().iter().filter(|m| m.to.iter().any(|t| t == email)).count();
    let (status, _, html) = app.submit_form_as(&browser, "/connexion", "/connexion", &[("email", email)]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Vérifiez votre messagerie"), "{html}");
    let mails = smtp
        .wait_for(before + 1, |m| m.to.iter().any(|t| t == email) && m.header("Subject").contains("lien de connexion"))
        .await;
    let link = link_in(mails.last().expect("courriel"), "/connexion/lien/");
    let (status, location, _) = app.submit_form_as(&browser, &link, &link, &[]).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/espace"));
    // A link serves once.
    let (status, _, html) = app.submit_form_as(&browser, &link, &link, &[]).await;
    assert_eq!(status, 410, "{html}");
    assert!(html.contains("déjà servi"));
    browser
}

async fn get(app: &TestApp, browser: &reqwest::Client, path: &str) -> (u16, Option<String>, String) {
    let res = browser.get(format!("{}{path}", app.base)).send().await.expect("requête");
    let status = res.status().as_u16();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    (status, location, res.text().await.expect("corps"))
}

async fn scalar_text(db: &Db, sql: &str) -> String {
    crate::support::one(db, sql).await
}

async fn submit(app: &TestApp, email: &str) -> (String, Value) {
    let (status, created) = app.post_json("/api/v1/demandes", &request(email)).await;
    assert_eq!(status, 201, "{created}");
    (created["reference"].as_str().expect("référence").to_string(), created)
}

/// Invitation → sign-in link → first sign-in → take a request → write to
/// the company → the company answers → close with an outcome.
async fn rbe_story(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    let company = "zoe.lhote@exemple.fr";
    let (reference, created) = submit(&app, company).await;
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();

    // The national administrator invites the pilot's business officer.
    app.account("admin@education.gouv.fr", Role::Admin, &[], None).await;
    let admin = sign_in_by_email(&app, &smtp, "admin@education.gouv.fr").await;
    let rbe_email = "camille.martin@ac-lyon.fr";
    let (status, _, html) = app
        .submit_form_as(
            &admin,
            "/admin",
            "/admin/invitations",
            &[("email", "Camille.Martin@ac-lyon.fr"), ("role", "rbe"), ("lycees", &pilot), ("academie", "")],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("compte créé"), "{html}");
    let rbe = sign_in_by_email(&app, &smtp, rbe_email).await;

    // The inbox lists the request to handle, with the pilot's role.
    let (status, _, html) = get(&app, &rbe, "/espace").await;
    assert_eq!(status, 200);
    assert!(html.contains(&reference), "{html}");
    assert!(html.contains("coordonne la réponse"), "{html}");
    assert!(html.contains("Électricité L&#39;Hôte &#38; Fils"), "{html}");

    let page = format!("/espace/demandes/{reference}");
    let (status, location, _) = app.submit_form_as(&rbe, &page, &format!("{page}/prendre"), &[]).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some(format!("{page}?fait=prendre").as_str()));
    let taken = smtp
        .wait_for(1, |m| m.to.iter().any(|t| t == company) && m.header("Subject").contains("prise en charge"))
        .await;
    assert!(taken[0].text().contains(rbe_email), "{}", taken[0].text());

    let words = "Bonjour, nous pouvons accueillir vos stagiaires <b>dès janvier</b>.";
    let (status, _, _) = app.submit_form_as(&rbe, &page, &format!("{page}/ecrire"), &[("texte", words)]).await;
    assert_eq!(status, 303);
    let written = smtp
        .wait_for(1, |m| m.to.iter().any(|t| t == company) && m.header("Subject").contains("message du lycée"))
        .await;
    assert!(written[0].text().contains(words));
    let follow = link_in(&written[0], "/suivi/");
    let (_, follow_html) = app.get_text(&follow).await;
    assert!(follow_html.contains("dès janvier") && !follow_html.contains("<b>dès"), "escaped on the company's page");

    // The company answers from its page; the workspace thread shows it.
    let (status, _, _) =
        app.submit_form(&follow, &format!("{follow}/message"), &[("message", "Parfait, merci !")]).await;
    assert!(status == 303 || status == 200, "{status}");
    let (_, _, html) = get(&app, &rbe, &page).await;
    assert!(html.contains("Parfait, merci !"), "{html}");

    // A private note is never shown to the company.
    let (status, _, _) = app.submit_form_as(&rbe, &page, &format!("{page}/note"), &[("texte", "Rappeler jeudi")]).await;
    assert_eq!(status, 303);
    let (_, follow_html) = app.get_text(&follow).await;
    assert!(!follow_html.contains("Rappeler jeudi"));
    let (_, _, html) = get(&app, &rbe, &page).await;
    assert!(html.contains("Rappeler jeudi") && html.contains("note interne"));

    // Bad inputs: no outcome, unknown outcome, empty message, too long.
    let long = "x".repeat(5_001);
    for (action, fields) in [
        ("cloturer", vec![]),
        ("cloturer", vec![("issue", "gagne")]),
        ("ecrire", vec![("texte", "   ")]),
        ("ecrire", vec![("texte", long.as_str())]),
    ] {
        let (status, _, html) = app.submit_form_as(&rbe, &page, &format!("{page}/{action}"), &fields).await;
        assert_eq!(status, 422, "{action} {fields:?}");
        assert!(html.contains("fr-alert--error"));
    }
    // Without the CSRF token: refused.
    let res = rbe.post(format!("{}{page}/note", app.base)).form(&[("texte", "x")]).send().await.expect("post");
    assert_eq!(res.status().as_u16(), 403);

    let (status, _, _) =
        app.submit_form_as(&rbe, &page, &format!("{page}/cloturer"), &[("issue", "partenariat")]).await;
    assert_eq!(status, 303);
    assert_eq!(
        scalar_text(&app.db, &format!("SELECT statut FROM demandes WHERE reference = '{reference}'")).await,
        "cloturee"
    );
    assert_eq!(
        scalar_text(&app.db, &format!("SELECT issue FROM destinataires WHERE uai = '{pilot}' AND demande_id = (SELECT id FROM demandes WHERE reference = '{reference}')")).await,
        "partenariat"
    );
    let (_, follow_html) = app.get_text(&follow).await;
    assert!(follow_html.contains("partenariat"), "{follow_html}");
    let (_, _, html) = get(&app, &rbe, "/espace?statut=terminees").await;
    assert!(html.contains(&reference));

    // The export has the request, as CSV for a French spreadsheet.
    let res = rbe.get(format!("{}/espace/demandes.csv", app.base)).send().await.expect("csv");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap_or("").starts_with("text/csv"));
    let csv = res.text().await.expect("csv");
    assert!(csv.starts_with('\u{feff}') && csv.contains(&reference) && csv.contains("Clôturée"), "{csv}");

    // And as an Excel workbook.
    let res = rbe.get(format!("{}/espace/demandes.xlsx", app.base)).send().await.expect("xlsx");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
    let bytes = res.bytes().await.expect("xlsx");
    let mut book = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("classeur zip");
    let mut strings = String::new();
    std::io::Read::read_to_string(&mut book.by_name("xl/sharedStrings.xml").expect("textes"), &mut strings)
        .expect("lecture");
    assert!(strings.contains(&reference) && strings.contains("Référence") && strings.contains("Clôturée"), "{strings}");

    // Sign out everywhere: the session no longer opens the workspace.
    let (status, _, html) = app.submit_form_as(&rbe, "/espace", "/deconnexion", &[("portee", "partout")]).await;
    assert_eq!(status, 200, "{html}");
    let (status, location, _) = get(&app, &rbe, "/espace").await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/connexion?suite=%2Fespace"));
    // The audit log tells who was granted what, and the sign-ins.
    let (status, _, html) = get(&app, &admin, "/admin").await;
    assert_eq!(status, 200);
    assert!(html.contains("lycee_attribue") && html.contains(&pilot) && html.contains("connexion"), "{html}");

    // Removals are logged too: a lycée taken away, then the account
    // deactivated, which ends its sessions; an administrator cannot remove
    // their own rights.
    let rbe_id = scalar_text(&app.db, &format!("SELECT id FROM comptes WHERE email = '{rbe_email}'")).await;
    let again = app.signed_in(&rbe_id).await;
    assert_eq!(get(&app, &again, "/espace").await.0, 200);
    let revoke = format!("/admin/comptes/{rbe_id}/retirer");
    let (status, _, html) = app.submit_form_as(&admin, "/admin", &revoke, &[("lycee", &pilot)]).await;
    assert_eq!(status, 200);
    assert!(html.contains("lycee_retire"), "{html}");
    let (status, _, html) = app.submit_form_as(&admin, "/admin", &revoke, &[]).await;
    assert_eq!(status, 200);
    assert!(html.contains("compte_desactive"), "{html}");
    assert_eq!(get(&app, &again, "/espace").await.0, 303, "sessions of a deactivated account end");
    let admin_id = scalar_text(&app.db, "SELECT id FROM comptes WHERE email = 'admin@education.gouv.fr'").await;
    let (status, _, _) = app.submit_form_as(&admin, "/admin", &format!("/admin/comptes/{admin_id}/retirer"), &[]).await;
    assert_eq!(status, 422);
}
on_both_engines!(rbe_story);

/// A coordinator sees every request of its académie, finds the ones nobody
/// took, and reassigns one to another lycée, which is told.
async fn coordinator_reassigns(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    let (reference, created) = submit(&app, "coord@exemple.fr").await;
    let told: Vec<String> = created["destinataires"]
        .as_array()
        .expect("d")
        .iter()
        .map(|r| r["uai"].as_str().unwrap_or("").to_string())
        .collect();
    let pilot = told[0].clone();
    let coordinator = app.account("cmee@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await;
    let browser = app.signed_in(&coordinator).await;
    let (status, _, html) = get(&app, &browser, "/espace?statut=non_prises").await;
    assert_eq!(status, 200);
    assert!(html.contains(&reference), "{html}");

    // Another lycée of Lyon teaching electricity, not told yet.
    let index = app.state.search.index();
    let other = index
        .lycees
        .iter()
        .find(|l| l.departement == "69" && !told.contains(&l.uai) && l.offers.iter().any(|o| o.cfd == "40025520"))
        .expect("autre lycée")
        .uai
        .clone();
    app.account("rbe.autre@ac-lyon.fr", Role::Rbe, &[&other], None).await;
    let page = format!("/espace/demandes/{reference}");
    // An unknown lycée is refused with a message next to the search field.
    let (status, _, html) =
        app.submit_form_as(&browser, &page, &format!("{page}/reaffecter"), &[("lycee", "0000000A")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("Cherchez le lycée par son nom") && html.contains("id=\"erreur-lycee-q\""), "{html}");
    let (status, _, _) = app.submit_form_as(&browser, &page, &format!("{page}/reaffecter"), &[("lycee", &other)]).await;
    assert_eq!(status, 303);
    let id = scalar_text(&app.db, &format!("SELECT id FROM demandes WHERE reference = '{reference}'")).await;
    let role_status = |uai: String| {
        let sql =
            format!("SELECT role || '/' || statut FROM destinataires WHERE demande_id = '{id}' AND uai = '{uai}'");
        let db = app.db.clone();
        async move { scalar_text(&db, &sql).await }
    };
    assert_eq!(role_status(other.clone()).await, "pilote/nouvelle");
    assert_eq!(role_status(pilot.clone()).await, "pilote/expiree");
    // The new pilot's business officer is told, with a link into the workspace.
    let mails = smtp.wait_for(1, |m| m.to.iter().any(|t| t == "rbe.autre@ac-lyon.fr")).await;
    assert!(mails[0].text().contains(&format!("/espace/demandes/{reference}")));
    // Once a lycée has taken it, the coordinator can no longer reassign.
    let rbe =
        app.signed_in(&scalar_text(&app.db, "SELECT id FROM comptes WHERE email = 'rbe.autre@ac-lyon.fr'").await).await;
    let (status, _, _) = app.submit_form_as(&rbe, &page, &format!("{page}/prendre"), &[]).await;
    assert_eq!(status, 303);
    let (status, _, _) = app.submit_form_as(&browser, &page, &format!("{page}/reaffecter"), &[("lycee", &pilot)]).await;
    assert_eq!(status, 404);

    // Reassigning from the territory without a lycée nor a request: both
    // said next to their place, in the summary first.
    let (status, _, html) =
        app.submit_form_as(&browser, "/espace/territoire", "/espace/territoire/reaffecter", &[("lycee", "X")]).await;
    assert_eq!(status, 422);
    for field in ["reaffecter-lycee", "choix-demandes"] {
        assert!(
            html.contains(&format!("href=\"#{field}\"")) && html.contains(&format!("id=\"erreur-{field}\"")),
            "{html}"
        );
    }
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"erreur-reaffecter-lycee"), "{html}");

    // Inviting: each refusal next to its field, in the summary first.
    for (email, lycees, field) in
        [("pas-une-adresse", other.as_str(), "equipe-email"), ("lea@ac-lyon.fr", "0000000A", "equipe-lycees")]
    {
        let (status, _, html) = app
            .submit_form_as(
                &browser,
                "/espace/equipe",
                "/espace/equipe/invitations",
                &[("email", email), ("lycees", lycees)],
            )
            .await;
        assert_eq!(status, 422, "{field}");
        assert!(html.contains(&format!("href=\"#{field}\"")), "{field}: {html}");
        assert!(html.contains(&format!("aria-invalid=\"true\" aria-describedby=\"erreur-{field}")), "{field}: {html}");
        assert!(html.contains(&format!("<p class=\"fr-error-text\" id=\"erreur-{field}\">")), "{field}: {html}");
    }
}
on_both_engines!(coordinator_reassigns);

/// Every role against every workspace route: the anonymous visitor is sent
/// to sign in, anyone outside the perimeter gets 404 (ids changed by hand
/// included), each role reaches what it should.
async fn authorization_matrix(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (lyon_ref, created) = submit(&app, "matrice@exemple.fr").await;
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let index = app.state.search.index();
    let paris_lycee = index.lycees.iter().find(|l| l.departement == "75").expect("lycée de Paris").uai.clone();

    let ids = [
        ("rbe_lyon", app.account("rbe.lyon@ac-lyon.fr", Role::Rbe, &[&pilot], None).await),
        ("rbe_paris", app.account("rbe.paris@ac-paris.fr", Role::Rbe, &[&paris_lycee], None).await),
        ("coord_lyon", app.account("coord@ac-lyon.fr", Role::Coordinateur, &[], Some("10")).await),
        ("coord_paris", app.account("coord@ac-paris.fr", Role::Coordinateur, &[], Some("Paris")).await),
        ("admin", app.account("admin@education.gouv.fr", Role::Admin, &[], None).await),
    ];
    let mut browsers = vec![("anonyme", app.new_client())];
    for (name, id) in &ids {
        browsers.push((name, app.signed_in(id).await));
    }
    // A partner of the pilot lycée, for the partner routes.
    let partner_id = {
        let mut tx = app.db.begin().await.expect("tx");
        let row = monlyceepro::storage::partners::PartenaireRow {
            id: "partenaire-matrice".into(),
            uai: pilot.clone(),
            nom: "Matrice SARL".into(),
            nom_norm: "matrice sarl".into(),
            cree_le: "2026-11-23T00:00:00Z".into(),
            modifie_le: "2026-11-23T00:00:00Z".into(),
            ..Default::default()
        };
        monlyceepro::storage::partners::upsert(&mut tx, &row).await.expect("partenaire");
        tx.commit().await.expect("commit");
        row.id
    };
    let (editor, pfmp) = (format!("/espace/lycees/{pilot}/vitrine"), format!("/espace/lycees/{pilot}/pfmp"));
    let (partners_of, partner) =
        (format!("/espace/partenaires?lycee={pilot}"), format!("/espace/partenaires/{partner_id}"));
    let partner_contact = format!("{partner}/contact");
    let req = format!("/espace/demandes/{lyon_ref}");
    let note = format!("{req}/note");
    let missing = "/espace/demandes/MLP-2026-999999";
    // Expected status per role: anonyme, rbe_lyon, rbe_paris, coord_lyon, coord_paris, admin.
    let (reassign, take, unknown) = (format!("{req}/reaffecter"), format!("{req}/prendre"), format!("{req}/supprimer"));
    let mut matrix: Vec<(&str, &str, [u16; 6])> = vec![
        ("GET", "/espace", [303, 200, 200, 200, 200, 200]),
        ("GET", "/espace/demandes.csv", [303, 200, 200, 200, 200, 200]),
        ("GET", "/espace/demandes.xlsx", [303, 200, 200, 200, 200, 200]),
        ("GET", &req, [303, 200, 404, 200, 404, 200]),
        ("POST", &note, [303, 303, 404, 303, 404, 303]),
        ("POST", &reassign, [303, 404, 404, 422, 404, 422]),
        ("POST", &take, [303, 303, 404, 404, 404, 404]),
        ("POST", &unknown, [303, 404, 404, 404, 404, 404]),
        ("GET", missing, [303, 404, 404, 404, 404, 404]),
        ("GET", &editor, [303, 200, 404, 200, 404, 200]),
        ("POST", &editor, [303, 422, 404, 422, 404, 422]),
        ("POST", &pfmp, [303, 422, 404, 422, 404, 422]),
        ("GET", "/espace/lycees/0000000A/vitrine", [303, 404, 404, 404, 404, 404]),
        ("GET", "/espace/partenaires", [303, 200, 200, 200, 200, 200]),
        ("GET", &partners_of, [303, 200, 404, 200, 404, 200]),
        ("GET", &partner, [303, 200, 404, 200, 404, 200]),
        ("POST", &partner_contact, [303, 422, 404, 422, 404, 422]),
        ("GET", "/espace/partenaires/inconnu", [303, 404, 404, 404, 404, 404]),
        ("GET", "/espace/equipe", [303, 404, 404, 200, 200, 200]),
        ("GET", "/espace/territoire", [303, 404, 404, 200, 200, 200]),
        ("GET", "/espace/territoire/lycees.csv", [303, 404, 404, 200, 200, 200]),
        ("POST", "/espace/territoire/reaffecter", [303, 404, 404, 422, 422, 422]),
        ("POST", "/espace/equipe/adhesions/inconnue/accepter", [303, 404, 404, 404, 404, 404]),
        ("POST", "/espace/equipe/invitations", [303, 404, 404, 422, 422, 422]),
        ("GET", "/admin", [303, 404, 404, 404, 404, 200]),
        ("POST", "/admin/invitations", [303, 404, 404, 404, 404, 422]),
        ("POST", "/admin/donnees/export", [303, 404, 404, 404, 404, 422]),
        ("POST", "/admin/donnees/effacer", [303, 404, 404, 404, 404, 422]),
    ];
    // A partner platform's key: only administrators create or revoke keys
    // (revoking asks for a confirmation first: 200).
    let key = monlyceepro::partner_api::NewKey { name: "matrice".into(), ..Default::default() };
    app.state.api_keys.create(&key, "test", app.clock.now()).await.expect("clé");
    let key_id: String = crate::support::one(&app.db, "SELECT id FROM cles_api").await;
    let revoke_key = format!("/admin/cles/{key_id}/revoquer");
    matrix.push(("POST", "/admin/cles", [303, 404, 404, 404, 404, 422]));
    matrix.push(("POST", &revoke_key, [303, 404, 404, 404, 404, 200]));
    matrix.push(("POST", "/admin/cles/inconnue/revoquer", [303, 404, 404, 404, 404, 404]));
    // Placement needs: the lycée's people (its officers, its académie's
    // coordinator, administrators); the pôle de stages: coordinators and
    // administrators. A need of the pilot, for the need routes.
    let period = monlyceepro::storage::vitrines::PeriodeRow {
        id: "periode-matrice".into(),
        uai: pilot.clone(),
        diplome: "40025520".into(),
        annee: "2026-2027".into(),
        debut: "2099-01-12".into(),
        fin: "2099-02-20".into(),
    };
    monlyceepro::showcase::add_period(&app.db, &period).await.expect("période");
    let input = monlyceepro::placements::NeedInput { period, places: 2, note: None };
    let need = monlyceepro::placements::declare(&app.db, &pilot, &input, "test", "2026-11-23T00:00:00Z")
        .await
        .expect("besoin")
        .id;
    let needs = format!("/espace/lycees/{pilot}/stages");
    let (need_page, need_places) = (format!("{needs}/{need}"), format!("{needs}/{need}/places"));
    let (need_unknown, partner_capacity) = (format!("{needs}/inconnu"), format!("{partner}/capacite"));
    matrix.push(("GET", &needs, [303, 200, 404, 200, 404, 200]));
    matrix.push(("POST", &needs, [303, 422, 404, 422, 404, 422]));
    matrix.push(("GET", &need_page, [303, 200, 404, 200, 404, 200]));
    matrix.push(("POST", &need_places, [303, 422, 404, 422, 404, 422]));
    matrix.push(("GET", &need_unknown, [303, 404, 404, 404, 404, 404]));
    matrix.push(("GET", "/espace/lycees/0000000A/stages", [303, 404, 404, 404, 404, 404]));
    matrix.push(("POST", &partner_capacity, [303, 422, 404, 422, 404, 422]));
    matrix.push(("GET", "/espace/territoire/stages", [303, 404, 404, 200, 200, 200]));
    matrix.push(("POST", "/espace/territoire/stages", [303, 404, 404, 409, 409, 409]));
    // Lycées' addresses: coordinators (their territory) and administrators;
    // the académies' coordination addresses: administrators.
    matrix.push(("GET", "/espace/territoire/adresses", [303, 404, 404, 200, 200, 200]));
    matrix.push(("POST", "/espace/territoire/adresses", [303, 404, 404, 422, 422, 422]));
    matrix.push(("POST", "/espace/territoire/adresses/import", [303, 404, 404, 400, 400, 400]));
    matrix.push(("GET", "/admin/coordinations", [303, 404, 404, 404, 404, 200]));
    matrix.push(("POST", "/admin/coordinations", [303, 404, 404, 404, 404, 422]));
    // Last: it deactivates the Paris business officer.
    let revoke = format!("/admin/comptes/{}/retirer", ids[1].1);
    matrix.push(("POST", &revoke, [303, 404, 404, 404, 404, 200]));
    for (method, path, expected) in &matrix {
        for ((who, browser), want) in browsers.iter().zip(expected) {
            let status = if *method == "GET" {
                get(&app, browser, path).await.0
            } else {
                // A real form post: the CSRF token of a page the person can
                // open (the sign-in page for the anonymous visitor).
                let page = if *who == "anonyme" { "/connexion" } else { "/espace" };
                let fields: &[(&str, &str)] =
                    if path.ends_with("/note") { &[("texte", "Une note")] } else { &[("email", "")] };
                app.submit_form_as(browser, page, path, fields).await.0
            };
            assert_eq!(status, *want, "{who} {method} {path}");
        }
    }
    // The anonymous visitor is sent to sign in, then brought back.
    let (_, location, _) = get(&app, &browsers[0].1, &req).await;
    assert_eq!(location, Some(format!("/connexion?suite={}", req.replace('/', "%2F"))));
    // The Paris business officer's export does not have the Lyon request.
    let (_, _, csv) = get(&app, &browsers[2].1, "/espace/demandes.csv").await;
    assert!(!csv.contains(&lyon_ref));
    let (_, _, csv) = get(&app, &browsers[3].1, "/espace/demandes.csv").await;
    assert!(csv.contains(&lyon_ref));
    // A forged session cookie is no session.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str("mlp_session=forged-token; Path=/", &app.base.parse().expect("url"));
    let forged =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_provider(jar).build().expect("c");
    assert_eq!(get(&app, &forged, "/espace").await.0, 303);
}
on_both_engines!(authorization_matrix);

/// Sign-in form: bad addresses, unknown addresses (same answer as known
/// ones), broken and expired links.
async fn sign_in_bad_inputs(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let browser = app.new_client();
    for bad in ["", "pas-une-adresse", "<script>@x", &format!("{}@exemple.fr", "a".repeat(300))] {
        let (status, _, html) = app.submit_form_as(&browser, "/connexion", "/connexion", &[("email", bad)]).await;
        assert_eq!(status, 422, "{bad} {}", &html[html.len().saturating_sub(3000)..]);
        assert!(html.contains("Adresse électronique"), "{html}");
        assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"erreur-email"), "{html}");
        assert!(html.contains("<a href=\"#email\">"), "summary first: {html}");
    }
    let (status, _, html) =
        app.submit_form_as(&browser, "/connexion", "/connexion", &[("email", "inconnu@ac-lyon.fr")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Si l'adresse inconnu@ac-lyon.fr correspond à un compte"), "{html}");
    let outbox = scalar_text(&app.db, "SELECT CAST(COUNT(*) AS TEXT) FROM outbox").await;
    assert_eq!(outbox, "0", "no email for an unknown address");
    for token in ["inconnu", &"x".repeat(300)] {
        let path = format!("/connexion/lien/{token}");
        let (status, _, html) = app.submit_form_as(&browser, &path, &path, &[]).await;
        assert_eq!(status, 400, "{token}");
        assert!(html.contains("pas valide"));
    }
    // An expired link: made 21 minutes ago.
    app.account("rbe@ac-lyon.fr", Role::Rbe, &["0690043X"], None).await;
    let past = time::OffsetDateTime::now_utc() - time::Duration::minutes(21);
    assert!(app.state.accounts.send_link("rbe@ac-lyon.fr", past).await.expect("lien"));
    let body = scalar_text(&app.db, "SELECT corps FROM outbox WHERE modele = 'connexion'").await;
    let start = body.find("/connexion/lien/").expect("lien");
    let path: String = body[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    let (status, _, html) = app.submit_form_as(&browser, &path, &path, &[]).await;
    assert_eq!(status, 410);
    assert!(html.contains("expiré"));
    // Accounts: bad role inputs are refused with a French message.
    let refused = app
        .state
        .accounts
        .add(&NewAccount::new("rbe2@ac-lyon.fr", Role::Rbe), "test", time::OffsetDateTime::now_utc())
        .await
        .expect("base");
    assert!(refused.is_err());
    let refused = app
        .state
        .accounts
        .add(
            &NewAccount { lycees: vec!["0000000A".into()], ..NewAccount::new("rbe2@ac-lyon.fr", Role::Rbe) },
            "test",
            time::OffsetDateTime::now_utc(),
        )
        .await
        .expect("base");
    assert_eq!(refused.err().map(|e| e.to_string()), Some("le lycée 0000000A n'existe pas au catalogue".into()));
}
on_both_engines!(sign_in_bad_inputs);

/// The showcase editor: the text appears on the public page, made safe;
/// a pause takes the lycée out of the routing at once; bad inputs get a
/// message; another lycée's editor is a 404.
async fn showcase_editor(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, created) = submit(&app, "vitrine@exemple.fr").await;
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let rbe = app.signed_in(&app.account("rbe.vitrine@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let editor = format!("/espace/lycees/{pilot}/vitrine");
    let (status, _, html) = get(&app, &rbe, &editor).await;
    assert_eq!(status, 200);
    // "La vitrine du lycée …", as French writes it before a school's name.
    assert!(html.contains("<h1>La vitrine du lycée ") || html.contains("<h1>La vitrine de l&#39;"), "{html}");
    assert_eq!(get(&app, &rbe, "/espace/lycees/0750001A/vitrine").await.0, 404, "another lycée");
    assert_eq!(get(&app, &rbe, "/espace/lycees/pas-un-uai/vitrine").await.0, 404);

    for (field, value) in [("capacite", "beaucoup"), ("bde_email", "pas-une-adresse"), ("bde_telephone", "<script>")] {
        let (status, _, html) =
            app.submit_form_as(&rbe, &editor, &editor, &[("actions", "pfmp"), (field, value)]).await;
        assert_eq!(status, 422, "{field}");
        assert!(html.contains("fr-error-text"), "{field}");
    }
    let (status, _, html) = app.submit_form_as(&rbe, &editor, &editor, &[]).await;
    assert_eq!(status, 422, "no action and no pause");
    assert!(html.contains("Cochez au moins une action"));
    assert!(html.contains("href=\"#actions\"") && html.contains("data-mlp-focus"), "summary first: {html}");

    let presentation = "**Atelier** d'électrotechnique <script>alert(1)</script> [site](javascript:alert(1))";
    let (status, location, _) = app
        .submit_form_as(
            &rbe,
            &editor,
            &editor,
            &[
                ("presentation", presentation),
                ("actions", "pfmp"),
                ("en_pause", "oui"),
                ("bde_nom", "Mme Martin"),
                ("bde_email", "bde@lycee.fr"),
                ("bde_public", "oui"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(location, Some(format!("{editor}?enregistre=1")));
    let (_, public) = app.get_text(&format!("/lycees/{pilot}")).await;
    assert!(public.contains("<strong>Atelier</strong>"), "Markdown shown");
    assert!(!public.contains("<script>alert(1)") && !public.contains("href=\"javascript"), "made safe");
    assert!(public.contains("Mme Martin — bde@lycee.fr"));
    assert!(public.contains("ne reçoit pas de nouvelle demande"));

    // Paused: the search's `action` filter leaves it out (the index is
    // rebuilt in the background: wait for it), and without the filter it
    // is still found.
    let uais = |v: &Value| -> Vec<String> {
        v["resultats"]
            .as_array()
            .map_or(Vec::new(), |a| a.iter().filter_map(|r| r["uai"].as_str().map(str::to_string)).collect())
    };
    let search = "/api/v1/recherche?q=electricien&commune=69123&rayon_km=30&par_page=50";
    let mut filtered = Vec::new();
    // The index is rebuilt in the background: up to 30 s on a loaded
    // machine (debug build, two cores shared with other builds).
    for _ in 0..600 {
        filtered = uais(&app.get_json(&format!("{search}&action=pfmp")).await.1);
        if !filtered.contains(&pilot) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!filtered.is_empty() && !filtered.contains(&pilot), "{pilot} en pause mais trouvé avec action=pfmp");
    assert!(uais(&app.get_json(search).await.1).contains(&pilot));
    let (status, _) = app.get_json(&format!("{search}&action=n-importe-quoi")).await;
    assert_eq!(status, 400);

    // Paused: a new request no longer goes to this lycée.
    let (_, again) = app.post_json("/api/v1/demandes", &request("autre.entreprise@exemple.fr")).await;
    let told: Vec<&str> =
        again["destinataires"].as_array().expect("d").iter().filter_map(|r| r["uai"].as_str()).collect();
    assert!(!told.contains(&pilot.as_str()), "{pilot} en pause mais sollicité : {told:?}");
    let (_, _, html) = get(&app, &rbe, &format!("{editor}?enregistre=1")).await;
    assert!(html.contains("Vitrine enregistrée") && html.contains("checked"));

    // Internship periods, per diploma and school year.
    let pfmp = format!("/espace/lycees/{pilot}/pfmp");
    for (fields, field) in [
        (
            vec![("diplome", "99999999"), ("annee", "2026-2027"), ("debut", "04/01/2027"), ("fin", "12/02/2027")],
            "diplome",
        ),
        (vec![("diplome", "40025520"), ("annee", "2026"), ("debut", "04/01/2027"), ("fin", "12/02/2027")], "annee"),
        (vec![("diplome", "40025520"), ("annee", "2026-2027"), ("debut", "04/01/2027"), ("fin", "12/12/2026")], "fin"),
        (vec![("diplome", "40025520"), ("annee", "2026-2027"), ("debut", "lundi"), ("fin", "12/02/2027")], "debut"),
    ] {
        let (status, _, html) = app.submit_form_as(&rbe, &editor, &pfmp, &fields).await;
        assert_eq!(status, 422, "{field}");
        assert!(html.contains(&format!("erreur-pfmp-{field}")), "{field}");
        assert!(html.contains(&format!("href=\"#pfmp-{field}\"")), "summary link {field}: {html}");
    }
    let fields = [("diplome", "40025520"), ("annee", "2026-2027"), ("debut", "04/01/2027"), ("fin", "12/02/2027")];
    let (status, location, _) = app.submit_form_as(&rbe, &editor, &pfmp, &fields).await;
    assert_eq!(status, 303);
    assert_eq!(location, Some(format!("{editor}?pfmp=ajoutee#pfmp")));
    let (_, public) = app.get_text(&format!("/lycees/{pilot}")).await;
    assert!(public.contains("(2026-2027) : du 04/01/2027 au 12/02/2027"), "shown on the public page");
    let id = scalar_text(&app.db, &format!("SELECT id FROM periodes_pfmp WHERE uai = '{pilot}'")).await;
    let delete = format!("/espace/lycees/{pilot}/pfmp/{id}/supprimer");
    assert_eq!(app.submit_form_as(&rbe, &editor, &delete, &[]).await.0, 303);
    assert_eq!(app.submit_form_as(&rbe, &editor, &delete, &[]).await.0, 404, "already gone");
    let (_, public) = app.get_text(&format!("/lycees/{pilot}")).await;
    assert!(!public.contains("du 04/01/2027 au 12/02/2027"));
}
on_both_engines!(showcase_editor);

/// Partners: written by hand (with French messages on bad input), filled
/// from requests taken in charge, searched, exported, recalled before a
/// convention ends; another lycée's partner is a 404.
async fn partners(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (reference, created) = submit(&app, "partenaire@exemple.fr").await;
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let rbe = app.signed_in(&app.account("rbe.part@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let paris = app.state.search.index().lycees.iter().find(|l| l.departement == "75").expect("Paris").uai.clone();
    let other = app.signed_in(&app.account("rbe.autre@ac-paris.fr", Role::Rbe, &[&paris], None).await).await;

    // Taking the request makes the company a partner, with its history.
    let page = format!("/espace/demandes/{reference}");
    assert_eq!(app.submit_form_as(&rbe, &page, &format!("{page}/prendre"), &[]).await.0, 303);
    let (status, _, html) = get(&app, &rbe, "/espace/partenaires").await;
    assert_eq!(status, 200);
    assert!(html.contains("Électricité L&#39;Hôte &#38; Fils"), "{html}");

    // By hand, with bad inputs first.
    for (field, value) in [("nom", ""), ("siret", "12345678901234"), ("tags", &"x".repeat(41))] {
        let mut fields = vec![("lycee", pilot.as_str()), ("nom", "Boulangerie Martin")];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let (status, _, html) = app.submit_form_as(&rbe, "/espace/partenaires", "/espace/partenaires", &fields).await;
        assert_eq!(status, 422, "{field}");
        assert!(html.contains("fr-error-text"), "{field}");
    }
    // Not one of my lycées: 404.
    let (status, _, _) = app
        .submit_form_as(&rbe, "/espace/partenaires", "/espace/partenaires", &[("lycee", &paris), ("nom", "X")])
        .await;
    assert_eq!(status, 404);
    let (status, location, _) = app
        .submit_form_as(
            &rbe,
            "/espace/partenaires",
            "/espace/partenaires",
            &[
                ("lycee", &pilot),
                ("nom", "Boulangerie Martin"),
                ("siret", "732 829 320 00074"),
                ("tags", "Alimentaire, apprentissage"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let partner = location.expect("adresse du partenaire");
    let id = partner.trim_start_matches("/espace/partenaires/").to_string();

    let in_30_days = (time::OffsetDateTime::now_utc() + time::Duration::days(30)).date();
    let fin = format!("{:02}/{:02}/{}", in_30_days.day(), u8::from(in_30_days.month()), in_30_days.year());
    for (what, fields, field) in [
        ("contact", vec![("nom", "Martin"), ("email", "pas-une-adresse")], "email"),
        ("historique", vec![("genre", "visite"), ("date", "32/01/2027"), ("texte", "Visite")], "date"),
        ("historique", vec![("genre", "piscine"), ("date", "01/02/2027"), ("texte", "Visite")], "genre"),
        ("convention", vec![("objet", "Stages"), ("debut", "01/09/2027"), ("fin", "01/06/2027")], "fin"),
        (
            "convention",
            vec![("objet", "Stages"), ("debut", "01/09/2026"), ("fin", &fin), ("document", "javascript:x")],
            "document",
        ),
    ] {
        let (status, _, html) = app.submit_form_as(&rbe, &partner, &format!("{partner}/{what}"), &fields).await;
        assert_eq!(status, 422, "{what} {field}");
        assert!(html.contains(&format!("erreur-{what}-{field}")), "{what} {field}: {html}");
        assert!(html.contains(&format!("href=\"#{what}-{field}\"")), "summary link {what} {field}: {html}");
        assert!(html.contains("aria-invalid=\"true\""), "{what} {field}: {html}");
    }
    for (what, fields) in [
        (
            "contact",
            vec![("prenom", "Léa"), ("nom", "Martin"), ("fonction", "Gérante"), ("email", "lea@boulangerie.fr")],
        ),
        ("historique", vec![("genre", "pfmp"), ("date", "15/01/2027"), ("texte", "Deux élèves de CAP accueillis")]),
        ("convention", vec![("objet", "Accueil de stagiaires"), ("debut", "01/09/2026"), ("fin", &fin)]),
    ] {
        let (status, location, _) = app.submit_form_as(&rbe, &partner, &format!("{partner}/{what}"), &fields).await;
        assert_eq!(status, 303, "{what}");
        assert_eq!(location, Some(format!("{partner}?fait={what}")));
    }
    let (_, _, html) = get(&app, &rbe, &partner).await;
    assert!(html.contains("Léa Martin, Gérante") && html.contains("Deux élèves de CAP accueillis"));
    assert!(html.contains("Accueil de stagiaires"));

    // Search and tags.
    let (_, _, html) = get(&app, &rbe, "/espace/partenaires?q=boulangerie").await;
    assert!(html.contains("Boulangerie Martin") && !html.contains("Hôte"));
    let (_, _, html) = get(&app, &rbe, "/espace/partenaires?tag=apprentissage").await;
    assert!(html.contains("Boulangerie Martin") && !html.contains("Hôte"));
    let (_, _, csv) = get(&app, &rbe, "/espace/partenaires.csv").await;
    assert!(csv.contains("Boulangerie Martin;73282932000074") && csv.contains("lea@boulangerie.fr"), "{csv}");

    // Another lycée's business officer: 404 everywhere.
    assert_eq!(get(&app, &other, &partner).await.0, 404);
    assert_eq!(app.submit_form_as(&other, "/espace", &format!("{partner}/contact"), &[("nom", "X")]).await.0, 404);
    assert_eq!(get(&app, &other, &format!("/espace/partenaires?lycee={pilot}")).await.0, 404);
    let (_, _, csv) = get(&app, &other, "/espace/partenaires.csv").await;
    assert!(!csv.contains("Boulangerie"));

    // The reminder before the end: once.
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(monlyceepro::partners::remind_conventions(&app.db, &app.base, now).await.expect("rappel"), 1);
    assert_eq!(monlyceepro::partners::remind_conventions(&app.db, &app.base, now).await.expect("rappel"), 0);
    let body = scalar_text(&app.db, "SELECT corps FROM outbox WHERE modele = 'convention_rappel'").await;
    assert!(body.contains("Accueil de stagiaires") && body.contains(&format!("/espace/partenaires/{id}")), "{body}");
    let to = scalar_text(&app.db, "SELECT destinataire FROM outbox WHERE modele = 'convention_rappel'").await;
    assert_eq!(to, "rbe.part@ac-lyon.fr");

    // Deleting needs the confirmation, said next to the box.
    let (status, _, html) = app.submit_form_as(&rbe, &partner, &format!("{partner}/supprimer"), &[]).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("href=\"#confirmation-suppression\"") && html.contains("id=\"erreur-confirmation-suppression\"")
    );
    let (status, _, _) =
        app.submit_form_as(&rbe, &partner, &format!("{partner}/supprimer"), &[("confirmation", "oui")]).await;
    assert_eq!(status, 303);
    assert_eq!(get(&app, &rbe, &partner).await.0, 404);
}
on_both_engines!(partners);

/// An agent with an academic address asks to join a lycée; the lycée
/// accepts through its signed link; another request is refused by the
/// coordinator; a coordinator imports a CSV of business officers.
async fn joining_and_importing(engine: Engine) {
    let smtp = SmtpSink::start();
    let app =
        TestApp::spawn_with(engine, Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Options::default() })
            .await;
    let index = app.state.search.index();
    let lyon: Vec<String> =
        index.lycees.iter().filter(|l| l.departement == "69").map(|l| l.uai.clone()).take(3).collect();
    let paris = index.lycees.iter().find(|l| l.departement == "75").expect("Paris").uai.clone();
    crate::support::exec(&app.db, &format!("UPDATE lycees SET email = 'ce.{0}@ac-lyon.fr' WHERE uai = '{0}'", lyon[0]))
        .await;
    crate::support::prefer_directory(&app.db).await;
    let visitor = app.new_client();
    for (email, uai, expected) in [
        ("zoe@gmail.com", lyon[0].as_str(), "adresse académique"),
        ("pas-une-adresse", lyon[0].as_str(), "Adresse électronique invalide"),
        ("zoe.martin@ac-lyon.fr", "0000000A", "UAI inconnu"),
    ] {
        let (status, _, html) = app
            .submit_form_as(&visitor, "/rejoindre", "/rejoindre", &[("email", email), ("uai", uai), ("nom", "Martin")])
            .await;
        assert_eq!(status, 422, "{email} {uai}");
        assert!(html.contains(expected), "{expected}: {html}");
    }
    let ask = [("email", "Zoe.Martin@ac-lyon.fr"), ("prenom", "Zoé"), ("nom", "Martin"), ("uai", lyon[0].as_str())];
    for _ in 0..2 {
        let (status, _, html) = app.submit_form_as(&visitor, "/rejoindre", "/rejoindre", &ask).await;
        assert_eq!(status, 200);
        assert!(html.contains("Demande enregistrée"));
    }
    let lycee_address = format!("ce.{}@ac-lyon.fr", lyon[0]);
    let mails = smtp.wait_for(1, |m| m.to.iter().any(|t| t == &lycee_address)).await;
    assert_eq!(
        scalar_text(&app.db, "SELECT CAST(COUNT(*) AS TEXT) FROM adhesions").await,
        "1",
        "asked twice, one request"
    );
    let link = link_in(&mails[0], "/rejoindre/");
    assert!(mails[0].text().contains("Zoé Martin (zoe.martin@ac-lyon.fr)"));
    let (status, _, html) = get(&app, &visitor, &link).await;
    assert_eq!(status, 200);
    assert!(html.contains("Zoé Martin"));
    let tampered = format!("{link}x");
    assert_eq!(app.submit_form_as(&visitor, &link, &tampered, &[("decision", "accepter")]).await.0, 400);
    assert_eq!(app.submit_form_as(&visitor, &link, &link, &[("decision", "peut-être")]).await.0, 422);
    let (status, _, html) = app.submit_form_as(&visitor, &link, &link, &[("decision", "accepter")]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("a maintenant accès"));
    assert_eq!(
        app.submit_form_as(&visitor, "/rejoindre", &link, &[("decision", "refuser")]).await.0,
        409,
        "decided once"
    );
    let lycees = scalar_text(
        &app.db,
        "SELECT l.uai FROM compte_lycees l JOIN comptes c ON c.id = l.compte_id WHERE c.email = 'zoe.martin@ac-lyon.fr'",
    )
    .await;
    assert_eq!(lycees, lyon[0]);
    smtp.wait_for(1, |m| {
        m.to.iter().any(|t| t == "zoe.martin@ac-lyon.fr") && m.header("Subject").contains("lien de connexion")
    })
    .await;

    // Another one, decided by the coordinator of the académie.
    let ask = [("email", "paul@ac-lyon.fr"), ("uai", lyon[1].as_str())];
    assert_eq!(app.submit_form_as(&visitor, "/rejoindre", "/rejoindre", &ask).await.0, 200);
    let coordinator = app.signed_in(&app.account("cmee@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await).await;
    let paris_coordinator =
        app.signed_in(&app.account("cmee@ac-paris.fr", Role::Coordinateur, &[], Some("Paris")).await).await;
    let rbe = app.signed_in(&app.account("rbe@ac-lyon.fr", Role::Rbe, &[&lyon[2]], None).await).await;
    // The request is written just after the form's answer.
    for _ in 0..600 {
        let n = "SELECT CAST(COUNT(*) AS TEXT) FROM adhesions WHERE email = 'paul@ac-lyon.fr'";
        if scalar_text(&app.db, n).await == "1" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (status, _, html) = get(&app, &coordinator, "/espace/equipe").await;
    assert_eq!(status, 200);
    assert!(html.contains("paul@ac-lyon.fr"), "{html}");
    assert_eq!(get(&app, &rbe, "/espace/equipe").await.0, 404);
    let (_, _, html) = get(&app, &paris_coordinator, "/espace/equipe").await;
    assert!(!html.contains("paul@ac-lyon.fr"));
    let id = scalar_text(&app.db, "SELECT id FROM adhesions WHERE email = 'paul@ac-lyon.fr'").await;
    let refuse = format!("/espace/equipe/adhesions/{id}/refuser");
    assert_eq!(app.submit_form_as(&paris_coordinator, "/espace/equipe", &refuse, &[]).await.0, 404);
    let (status, location, _) = app.submit_form_as(&coordinator, "/espace/equipe", &refuse, &[]).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/espace/equipe?fait=refusee"));
    smtp.wait_for(1, |m| {
        m.to.iter().any(|t| t == "paul@ac-lyon.fr") && m.header("Subject").contains("demande d'accès")
    })
    .await;

    // Import: a coordinator only grants lycées of its territory; one bad
    // line and nothing is imported.
    let upload = |browser: reqwest::Client, name: &'static str, bytes: Vec<u8>| {
        let base = app.base.clone();
        async move {
            let html = browser.get(format!("{base}/espace")).send().await.expect("page").text().await.expect("corps");
            let csrf = crate::support::csrf_of(&html).expect("csrf");
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf)
                .part("fichier", reqwest::multipart::Part::bytes(bytes).file_name(name));
            let res = browser.post(format!("{base}/espace/equipe/import")).multipart(form).send().await.expect("envoi");
            (res.status().as_u16(), res.text().await.expect("corps"))
        }
    };
    let good = format!(
        "UAI;Prénom;Nom;Email;Rôle\n{};Léa;Durand;lea.durand@ac-lyon.fr;rbe\n{};Marc;Petit;marc.petit@ac-lyon.fr;rbe\n",
        lyon[1], lyon[2]
    );
    let outside = format!("{good}{paris};Jean;Dupont;jean@ac-paris.fr;rbe\n");
    let (status, html) = upload(coordinator.clone(), "equipe.csv", outside.into_bytes()).await;
    assert_eq!(status, 422);
    assert!(html.contains("ligne 4 : le lycée") && html.contains("Rien n&#39;a été importé"), "{html}");
    assert_eq!(
        scalar_text(&app.db, "SELECT CAST(COUNT(*) AS TEXT) FROM comptes WHERE email = 'lea.durand@ac-lyon.fr'").await,
        "0"
    );
    let (status, html) = upload(coordinator.clone(), "equipe.xls", good.clone().into_bytes()).await;
    assert_eq!(status, 422, "{html}");
    let (status, _) = upload(coordinator.clone(), "equipe.csv", vec![0xff, 0xfe, 0x00, 0x41]).await;
    assert_eq!(status, 422);
    let (status, _) = upload(coordinator.clone(), "equipe.csv", vec![b'a'; 1_200_000]).await;
    assert!(status == 413 || status == 422, "{status}");
    let (status, html) = upload(coordinator.clone(), "equipe.csv", good.into_bytes()).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("2\u{a0}personnes importées"), "{html}");
    smtp.wait_for(1, |m| m.to.iter().any(|t| t == "marc.petit@ac-lyon.fr")).await;
    let (status, _) = upload(rbe, "equipe.csv", b"x".to_vec()).await;
    assert_eq!(status, 404);
}
on_both_engines!(joining_and_importing);

/// `monlyceepro users add|list`, the real binary against each engine.
async fn users_command(engine: Engine) {
    let test_db = crate::support::catalogue_db(engine).await;
    let run = |args: &[&str]| crate::support::cli(&test_db.url, args);
    let (ok, out, err) = run(&["users", "list"]);
    assert!(ok, "{err}");
    assert!(out.contains("Aucun compte"), "{out}");
    let (ok, out, err) =
        run(&["users", "add", "Zoe.Martin@ac-lyon.fr", "--role", "rbe", "--lycee", "0690043x", "--prenom", "Zoé"]);
    assert!(ok, "{err}");
    assert!(out.contains("Compte créé : zoe.martin@ac-lyon.fr") && out.contains("0690043X"), "{out}");
    let (ok, out, _) = run(&["users", "add", "cmee@ac-lyon.fr", "--role", "coordinateur", "--academie", "Lyon"]);
    assert!(ok && out.contains("académie 10"), "{out}");
    let (ok, out, _) = run(&["users", "add", "zoe.martin@ac-lyon.fr", "--role", "rbe", "--lycee", "0690043X"]);
    assert!(ok && out.contains("mis à jour") && !out.contains("Lycées ajoutés"), "{out}");
    for (args, expected) in [
        (vec!["users", "add", "x@ac-lyon.fr", "--role", "root"], "rôle inconnu"),
        (vec!["users", "add", "pas-une-adresse", "--role", "admin"], "adresse électronique invalide"),
        (vec!["users", "add", "x@ac-lyon.fr", "--role", "rbe"], "au moins un lycée"),
        (vec!["users", "add", "x@ac-lyon.fr", "--role", "rbe", "--lycee", "0000000A"], "n'existe pas"),
        (
            vec!["users", "add", "x@ac-lyon.fr", "--role", "coordinateur", "--academie", "Atlantide"],
            "académie inconnue",
        ),
        // Mistakes of the command line itself are said in French too.
        (vec!["users", "ajouter"], "erreur : commande inconnue : ajouter"),
        (vec!["import", "--only", "tout"], "valeur invalide « tout » pour --only"),
    ] {
        let (ok, _, err) = run(&args);
        assert!(!ok, "{args:?}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let (ok, out, _) = run(&["users", "list"]);
    assert!(ok);
    assert!(out.contains("zoe.martin@ac-lyon.fr\trbe\t-\t0690043X\tactif\tjamais connecté"), "{out}");
    assert!(out.contains("cmee@ac-lyon.fr\tcoordinateur\t10"), "{out}");
    assert!(!out.contains("x@ac-lyon.fr"), "nothing half-created: {out}");
}
on_both_engines!(users_command);

/// Issue 13, for someone handling about fifty requests a year: a company's
/// message brings its request back to "À traiter" as unread until the
/// officer opens it; handing over by the lycée's name; exports with the
/// jobs, period, students, outcome and dates; errors next to their fields;
/// a partner added by taking a request can be undone; tags keep their
/// case; signing out of this device leaves the other one signed in.
async fn fifty_a_year(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (reference, created) = submit(&app, "cinquante@exemple.fr").await;
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let rbe_id = app.account("rbe.cinquante@ac-lyon.fr", Role::Rbe, &[&pilot], None).await;
    let rbe = app.signed_in(&rbe_id).await;
    let page = format!("/espace/demandes/{reference}");

    // Taking it adds the company to the partners: the page says so and
    // offers to undo it.
    let (status, location, _) = app.submit_form_as(&rbe, &page, &format!("{page}/prendre"), &[]).await;
    assert_eq!(status, 303);
    let (_, _, html) = get(&app, &rbe, location.as_deref().expect("retour")).await;
    assert!(html.contains("a été ajoutée à vos partenaires") && html.contains("Annuler l'ajout"), "{html}");
    let partner_id = scalar_text(&app.db, "SELECT id FROM partenaires WHERE cree_par_demande IS NOT NULL").await;
    let undo = format!("/espace/partenaires/{partner_id}/annuler-ajout");
    let (status, location, _) =
        app.submit_form_as(&rbe, &format!("{page}?fait=prendre"), &undo, &[("demande", &reference)]).await;
    assert_eq!(status, 303);
    assert_eq!(location, Some(format!("{page}?fait=partenaire_retire")));
    assert_eq!(get(&app, &rbe, &format!("/espace/partenaires/{partner_id}")).await.0, 404);
    let (_, _, html) = get(&app, &rbe, &format!("{page}?fait=prendre")).await;
    assert!(!html.contains("Annuler l'ajout"), "nothing left to undo");

    // Nothing waits: "À traiter" is empty. The company writes: the request
    // is back there, marked unread, until the officer opens it.
    let (_, _, html) = get(&app, &rbe, "/espace?statut=a_traiter").await;
    assert!(!html.contains(&reference) && html.contains("Aucune demande dans cette liste"), "{html}");
    let follow = created["suivi_url"].as_str().expect("suivi").trim_start_matches(app.base.as_str()).to_string();
    let (status, _, _) =
        app.submit_form(&follow, &format!("{follow}/message"), &[("message", "Avez-vous des nouvelles ?")]).await;
    assert!(status == 303 || status == 200, "{status}");
    let (_, _, html) = get(&app, &rbe, "/espace?statut=a_traiter").await;
    assert!(html.contains(&reference) && html.contains("Nouveau message"), "{html}");
    assert!(html.contains("nouveau message de l'entreprise, non lu"), "said to screen readers: {html}");
    let (_, _, html) = get(&app, &rbe, &page).await;
    assert!(html.contains("Avez-vous des nouvelles ?"));
    let (_, _, html) = get(&app, &rbe, "/espace?statut=a_traiter").await;
    assert!(!html.contains(&reference), "read once opened: {html}");
    let (_, _, html) = get(&app, &rbe, "/espace?statut=en_cours").await;
    assert!(html.contains(&reference) && !html.contains("Nouveau message"), "{html}");

    // A failed submit: a summary first, focused by the script, the message
    // next to the field, tied to it.
    let (status, _, html) = app.submit_form_as(&rbe, &page, &format!("{page}/ecrire"), &[("texte", "  ")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"resume-erreurs\" tabindex=\"-1\""), "{html}");
    assert!(html.contains("href=\"#texte-entreprise\""), "{html}");
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"erreur-texte-entreprise"), "{html}");
    assert!(html.contains("<p class=\"fr-error-text\" id=\"erreur-texte-entreprise\">"), "{html}");
    let (status, _, html) = app.submit_form_as(&rbe, &page, &format!("{page}/cloturer"), &[]).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"erreur-issue\"") && html.contains("href=\"#issue\""), "{html}");

    // Handing over by name: search, then pick among the lycées found.
    let index = app.state.search.index();
    let told: Vec<&str> =
        created["destinataires"].as_array().expect("d").iter().filter_map(|r| r["uai"].as_str()).collect();
    let other =
        index.lycees.iter().find(|l| l.departement == "69" && !told.contains(&l.uai.as_str())).expect("autre").clone();
    drop(index);
    let q: String =
        form_urlencoded::byte_serialize(format!("{} {}", other.nom, other.commune_nom).as_bytes()).collect();
    let (status, _, html) = get(&app, &rbe, &format!("{page}?lycee_q={q}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("value=\"{}\"", other.uai)), "{html}");
    let (status, _, html) = get(&app, &rbe, &format!("{page}?lycee_q=zzzzqqq")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Aucun lycée ne correspond"), "{html}");
    // Nothing picked: the message is next to the list.
    let (status, _, html) = app
        .submit_form_as(&rbe, &format!("{page}?lycee_q={q}"), &format!("{page}/passer"), &[("lycee_q", &other.nom)])
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"erreur-lycee-choix\""), "{html}");

    // The export carries the jobs, the period, the students, the dates.
    let (_, _, csv) = get(&app, &rbe, "/espace/demandes.csv").await;
    let header = csv.lines().next().expect("en-tête");
    for column in
        ["Métiers", "Nombre d'élèves", "Début de la période", "Date de prise en charge", "Issue", "Date de fin"]
    {
        assert!(header.contains(column), "{column}: {header}");
    }
    let line = csv.lines().find(|l| l.contains(&reference)).expect("ligne");
    let today = monlyceepro::requests::day_of(&monlyceepro::clock::now_rfc3339());
    assert!(line.contains(&today), "JJ/MM/AAAA: {line}");

    // A lycée already on the request: the lifecycle refuses, said next to
    // the search.
    let support = told.iter().find(|u| **u != pilot).expect("appui").to_string();
    let (status, _, html) =
        app.submit_form_as(&rbe, &page, &format!("{page}/passer"), &[("lycee", &support), ("lycee_q", &support)]).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("participe déjà") && html.contains("id=\"erreur-lycee-q\""), "{html}");
    let (status, _, _) = app
        .submit_form_as(&rbe, &page, &format!("{page}/passer"), &[("lycee", &other.uai), ("lycee_q", &other.nom)])
        .await;
    assert_eq!(status, 303);

    // Tags keep their case and are compared without it.
    let (status, location, _) = app
        .submit_form_as(
            &rbe,
            "/espace/partenaires",
            "/espace/partenaires",
            &[("lycee", &pilot), ("nom", "Garage Dupont"), ("tags", "BTP, Électricité, btp, électricité")],
        )
        .await;
    assert_eq!(status, 303);
    let id = location.expect("partenaire").trim_start_matches("/espace/partenaires/").to_string();
    assert_eq!(
        scalar_text(&app.db, &format!("SELECT tags FROM partenaires WHERE id = '{id}'")).await,
        "BTP,Électricité"
    );
    for tag in ["btp", "BTP", "electricite"] {
        let (_, _, html) = get(&app, &rbe, &format!("/espace/partenaires?tag={tag}")).await;
        assert!(html.contains("Garage Dupont"), "{tag}: {html}");
    }
    let (_, _, html) = get(&app, &rbe, "/espace/partenaires?q=electri").await;
    assert!(html.contains("Garage Dupont"), "{html}");

    // Signing out of this device leaves the other one signed in; signing
    // out of every device closes it too.
    let laptop = app.signed_in(&rbe_id).await;
    let (status, _, html) = app.submit_form_as(&rbe, "/espace", "/deconnexion", &[("portee", "appareil")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Vos autres appareils restent connectés"), "{html}");
    assert_eq!(get(&app, &rbe, "/espace").await.0, 303);
    assert_eq!(get(&app, &laptop, "/espace").await.0, 200);
    let phone = app.signed_in(&rbe_id).await;
    let (status, _, _) = app.submit_form_as(&laptop, "/espace", "/deconnexion", &[("portee", "partout")]).await;
    assert_eq!(status, 200);
    assert_eq!(get(&app, &phone, "/espace").await.0, 303);
    assert_eq!(get(&app, &laptop, "/espace").await.0, 303);
}
on_both_engines!(fifty_a_year);

/// A lycée sees the companies' word on the requests it led as its own
/// average on its workspace home — per lycée, never per person: two
/// answers by two officers make one figure, the officers unnamed in it.
async fn a_lycee_sees_its_average_satisfaction(engine: Engine) {
    use domain::lifecycle::{Actor, Event, Outcome};
    use monlyceepro::clock::Clock;
    use monlyceepro::requests::Action;
    let app = TestApp::spawn(engine).await;
    let mut pilot = String::new();
    for (i, (officer, score)) in [("Mme Martin", 4), ("M. Durand", 5)].into_iter().enumerate() {
        let mut asked = request(&format!("avis.moyen.{i}@exemple.fr"));
        asked["entreprise"] = serde_json::json!({"nom": format!("Entreprise {i}")});
        if !pilot.is_empty() {
            // From the same lycée's page: it leads again.
            asked["lycee"] = pilot.clone().into();
        }
        let (status, created) = app.post_json("/api/v1/demandes", &asked).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().expect("id").to_string();
        assert!(pilot.is_empty() || created["destinataires"][0]["uai"] == pilot.as_str(), "{created}");
        pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
        let index = app.state.search.index();
        let now = app.clock.now();
        let service = &app.state.requests;
        service.act(&index, &id, Action::new(Event::Take { uai: pilot.clone() }, officer), now).await.expect("prise");
        let close = Event::Close { by: Actor::Lycee(pilot.clone()), outcome: Outcome::Realisee };
        service.act(&index, &id, Action::new(close, officer), now).await.expect("clôture");
        service.act(&index, &id, Action::new(Event::Rate { score }, "Zoé"), now).await.expect("avis");
    }
    let rbe = app.signed_in(&app.account("rbe.moyenne@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let home = rbe.get(format!("{}/espace", app.base)).send().await.expect("espace").text().await.expect("corps");
    let line = home
        .lines()
        .find(|l| l.contains("avis des entreprises"))
        .unwrap_or_else(|| panic!("the lycée's average: {home}"));
    assert!(line.contains("4,5 sur 5 (2 avis)"), "{line}");
    assert!(!line.contains("Martin") && !line.contains("Durand"), "never per person: {line}");
}
on_both_engines!(a_lycee_sees_its_average_satisfaction);

/// Declining from the workspace with "Autre raison": without words, the
/// French error next to the field and nothing stored; with words, stored
/// with the reason and shown to the lycée in the request's story.
async fn declining_for_another_reason_needs_words(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (status, created) = app.post_json("/api/v1/demandes", &request("autre.raison@exemple.fr")).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    let reference = created["reference"].as_str().expect("référence").to_string();
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let rbe = app.signed_in(&app.account("rbe.autre@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let page = format!("/espace/demandes/{reference}");
    let decline = format!("{page}/decliner");
    let row = || {
        let (db, id, pilot) = (app.db.clone(), id.clone(), pilot.clone());
        async move {
            let sql = format!(
                "SELECT statut || ':' || COALESCE(motif, '-') FROM destinataires WHERE demande_id = '{id}' AND uai = '{pilot}'"
            );
            match &db {
                Db::Sqlite(p) => sqlx::query_scalar::<_, String>(&sql).fetch_one(p).await,
                Db::Postgres(p) => sqlx::query_scalar::<_, String>(&sql).fetch_one(p).await,
            }
            .expect("destinataire")
        }
    };
    let (status, _, html) = app.submit_form_as(&rbe, &page, &decline, &[("motif", "autre"), ("texte", "  ")]).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("Précisez la raison en quelques mots (« Autre raison »)."), "{html}");
    assert!(html.contains("id=\"erreur-texte-motif\""), "the error next to its field: {html}");
    assert_eq!(row().await, "nouvelle:-", "nothing stored");

    let (status, _, html) = app
        .submit_form_as(&rbe, &page, &decline, &[("motif", "autre"), ("texte", "Atelier fermé pour travaux.")])
        .await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(row().await, "declinee:Autre raison : Atelier fermé pour travaux.");
    let html = rbe.get(format!("{}{page}", app.base)).send().await.expect("page").text().await.expect("corps");
    assert!(html.contains("a décliné (autre raison : Atelier fermé pour travaux.)"), "{html}");
}
on_both_engines!(declining_for_another_reason_needs_words);

/// The business office's contact name follows the rule of people's names
/// (no line breaks, no links): a French error next to the field and
/// nothing stored; a good one is stored tidied. The showcase and the
/// partners are written at the service's time (its clock), not the wall's.
async fn showcase_contact_name_and_the_service_clock(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, created) = submit(&app, "vitrine.nom@exemple.fr").await;
    let pilot = created["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let rbe = app.signed_in(&app.account("rbe.vitrine.nom@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let editor = format!("/espace/lycees/{pilot}/vitrine");
    let stored = |sql: String| {
        let db = app.db.clone();
        async move {
            match &db {
                Db::Sqlite(p) => sqlx::query_scalar::<_, String>(&sql).fetch_optional(p).await,
                Db::Postgres(p) => sqlx::query_scalar::<_, String>(&sql).fetch_optional(p).await,
            }
            .expect("lecture")
        }
    };
    let bad = "Mme Martin www.exemple.fr";
    let (status, _, html) = app.submit_form_as(&rbe, &editor, &editor, &[("actions", "pfmp"), ("bde_nom", bad)]).await;
    assert_eq!(status, 422, "{html}");
    let message = domain::names::person_name(bad).expect_err("un lien").to_string().replace('\'', "&#39;");
    assert!(html.contains("id=\"erreur-bde_nom\"") && html.contains(&message[1..]), "{message}: {html}");
    assert!(html.contains("href=\"#bde-nom\""), "in the summary: {html}");
    assert!(html.contains(&format!("value=\"{bad}\"")), "shown again as typed");
    assert_eq!(stored(format!("SELECT bde_nom FROM vitrines WHERE uai = '{pilot}'")).await, None, "nothing stored");

    // The service's time: a date the wall clock is not at.
    app.clock.set(time::macros::datetime!(2031-05-06 08:00 UTC));
    // Signed in again: sessions last 12 hours.
    let rbe = app.signed_in(&app.account("rbe.vitrine.nom@ac-lyon.fr", Role::Rbe, &[&pilot], None).await).await;
    let (status, _, html) =
        app.submit_form_as(&rbe, &editor, &editor, &[("actions", "pfmp"), ("bde_nom", "  Mme   Martin ")]).await;
    assert_eq!(status, 303, "{html}");
    let row = stored(format!("SELECT bde_nom || ' ' || modifie_le FROM vitrines WHERE uai = '{pilot}'")).await;
    assert!(row.as_deref().is_some_and(|r| r.starts_with("Mme Martin 2031-05-06")), "{row:?}");
    let fields = [("lycee", pilot.as_str()), ("nom", "Boulangerie Horloge")];
    let (status, _, html) = app.submit_form_as(&rbe, "/espace/partenaires", "/espace/partenaires", &fields).await;
    assert_eq!(status, 303, "{html}");
    let created = stored("SELECT cree_le FROM partenaires WHERE nom = 'Boulangerie Horloge'".into()).await;
    assert!(created.as_deref().is_some_and(|c| c.starts_with("2031-05-06")), "{created:?}");
}
on_both_engines!(showcase_contact_name_and_the_service_clock);
