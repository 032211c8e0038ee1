//! The coordinator's territory (`/espace/territoire`), through the real
//! server on both engines: who sees what, the lycées' answers, the
//! requests to unblock first, reassigning several at once, the coverage
//! gaps, the map and the exports.

use crate::demandes::request;
use crate::on_both_engines;
use crate::support::{Engine, TestApp};
use domain::lifecycle::{DeclineReason, Event};
use monlyceepro::accounts::Role;
use monlyceepro::requests::Action;
use serde_json::json;

async fn get(browser: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let res = browser.get(format!("{}{path}", app.base)).send().await.expect("requête");
    (res.status().as_u16(), res.text().await.expect("corps"))
}

async fn submit(app: &TestApp, body: serde_json::Value) -> serde_json::Value {
    let (status, created) = app.post_json("/api/v1/demandes", &body).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn the_territory(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // Three Lyon requests (different companies), one in Riom-ès-Montagnes
    // (Cantal), one in Paris.
    let mut lyon = Vec::new();
    for email in ["a@exemple.fr", "b@exemple.fr", "c@exemple.fr"] {
        let mut body = request(email);
        body["entreprise"]["siret"] = serde_json::Value::Null;
        lyon.push(submit(&app, body).await);
    }
    let mut cantal = request("atelier@riom-es-montagnes.fr");
    cantal["commune"] = json!("15162");
    cantal["metiers"] = json!(["H2902"]);
    cantal["entreprise"]["siret"] = serde_json::Value::Null;
    let cantal = submit(&app, cantal).await;
    let mut paris = request("paris@exemple.fr");
    paris["commune"] = json!("75056");
    paris["entreprise"]["siret"] = serde_json::Value::Null;
    let paris = submit(&app, paris).await;

    // The pilot of the first takes it; the pilot of the second declines.
    let index = app.state.search.index();
    let pilot = |c: &serde_json::Value| c["destinataires"][0]["uai"].as_str().expect("pilote").to_string();
    let id = |c: &serde_json::Value| c["id"].as_str().expect("id").to_string();
    let now = time::OffsetDateTime::now_utc();
    app.state
        .requests
        .act(&index, &id(&lyon[0]), Action::new(Event::Take { uai: pilot(&lyon[0]) }, "Mme Martin"), now)
        .await
        .expect("prise");
    let decline = Event::Decline { uai: pilot(&lyon[1]), reason: DeclineReason::Capacite, has_text: false };
    app.state.requests.act(&index, &id(&lyon[1]), Action::new(decline, "M. Durand"), now).await.expect("refus");

    let coordinator = app.signed_in(&app.account("cmee@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await).await;
    let paris_coordinator =
        app.signed_in(&app.account("cmee@ac-paris.fr", Role::Coordinateur, &[], Some("Paris")).await).await;
    let bassin =
        app.signed_in(&app.account("clee@ac-lyon.fr", Role::Coordinateur, &[&pilot(&lyon[0])], None).await).await;
    let rbe = app.signed_in(&app.account("rbe@ac-lyon.fr", Role::Rbe, &[&pilot(&lyon[0])], None).await).await;
    let admin = app.signed_in(&app.account("admin@education.gouv.fr", Role::Admin, &[], None).await).await;
    let reference = |c: &serde_json::Value| c["reference"].as_str().expect("référence").to_string();

    // Who sees what.
    assert_eq!(get(&app.new_client(), &app, "/espace/territoire").await.0, 303);
    assert_eq!(get(&rbe, &app, "/espace/territoire").await.0, 404);
    let (status, html) = get(&coordinator, &app, "/espace/territoire").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Académie de Lyon"), "{html}");
    for c in &lyon {
        assert!(html.contains(&reference(c)), "{html}");
    }
    assert!(!html.contains(&reference(&paris)) && !html.contains(&reference(&cantal)));
    let (_, html) = get(&paris_coordinator, &app, "/espace/territoire").await;
    assert!(html.contains(&reference(&paris)) && !html.contains(&reference(&lyon[0])));
    let (_, html) = get(&bassin, &app, "/espace/territoire").await;
    assert!(html.contains("Mon bassin (1 lycées)") || html.contains("Mon bassin"), "{html}");
    assert!(html.contains(&reference(&lyon[0])) && !html.contains(&reference(&paris)));

    // The lycées' answers: one taken by the first pilot, one declined.
    let (_, csv) = get(&coordinator, &app, "/espace/territoire/lycees.csv").await;
    let line = |uai: &str| {
        csv.lines().find(|l| l.starts_with(uai)).unwrap_or_else(|| panic!("{uai} absent : {csv}")).to_string()
    };
    let first = line(&pilot(&lyon[0]));
    let cells: Vec<&str> = first.split(';').collect();
    assert!(
        cells[3].parse::<usize>().expect("reçues") >= 1 && cells[4].parse::<usize>().expect("prises") >= 1,
        "{first}"
    );
    assert!(line(&pilot(&lyon[1])).contains("capacité"), "the decline's reason");
    let (_, xlsx) = get(&coordinator, &app, "/espace/territoire/demandes.xlsx").await;
    assert!(!xlsx.is_empty());
    assert_eq!(get(&coordinator, &app, "/espace/territoire/autre.csv").await.0, 404);

    // Filters: an action, a domain, a lycée, a period; bad ones say why.
    let (status, html) = get(&coordinator, &app, "/espace/territoire?action=visite").await;
    assert_eq!(status, 200);
    assert!(!html.contains(&reference(&lyon[0])), "no visit asked");
    let (_, html) = get(&coordinator, &app, "/espace/territoire?domaine=F16&du=2020-01").await;
    assert!(html.contains(&reference(&lyon[0])));
    let (status, html) = get(&coordinator, &app, "/espace/territoire?domaine=electricite").await;
    assert_eq!(status, 422);
    assert!(html.contains("une lettre et deux chiffres"), "{html}");
    let (status, _) = get(&coordinator, &app, "/espace/territoire?lycee=0750001A").await;
    assert_eq!(status, 422, "a lycée of another territory");
    let (status, _) = get(&coordinator, &app, "/espace/territoire?du=2026-13").await;
    assert_eq!(status, 422);
    // A month as people write it, and a period that ends before anything.
    let (status, html) = get(&coordinator, &app, "/espace/territoire?du=01%2F2020").await;
    assert_eq!(status, 200);
    assert!(html.contains(&reference(&lyon[0])));
    let (_, html) = get(&coordinator, &app, "/espace/territoire?au=2020-01").await;
    assert!(!html.contains(&reference(&lyon[0])), "nothing before 2020");

    // The map: the lycées as discs, the communes of the requests as
    // squares, and the tables that say the same.
    let (_, html) = get(&coordinator, &app, "/espace/territoire").await;
    assert!(html.contains("role=\"img\"") && html.contains("<circle"), "a map");
    assert!(html.contains("<rect x=") && html.contains("<title>Lyon : 3\u{a0}demandes</title>"), "{html}");
    assert!(html.contains("Le tableau des lycées et celui des communes"));
    assert!(
        html.contains("role=\"figure\" aria-label=\"Disques verts"),
        "the figure named by its caption (RGAA 1.9.1)"
    );
    assert!(
        html.contains("<summary>Les communes des demandes (1)</summary>") && html.contains("<td>Lyon</td><td>3</td>")
    );

    // The lycées' columns: a registered officer (the RBE's lycée), an
    // email known from the catalogue, and those reached by neither.
    let (_, csv) = get(&coordinator, &app, "/espace/territoire/lycees.csv").await;
    let header = csv.lines().next().expect("en-tête");
    assert!(header.ends_with("Référent inscrit;Adresse électronique connue"), "{header}");
    let officer_line = line(&pilot(&lyon[0]));
    assert!(officer_line.contains(";oui;"), "the RBE registered for it: {officer_line}");
    // Known addresses: the directory's, and those entered (the story's
    // harness enters one for every lycée the directory has none for).
    let sql = "SELECT uai FROM lycees WHERE email IS NOT NULL AND email <> '' UNION SELECT uai FROM adresses_lycees";
    let emails: std::collections::HashSet<String> =
        crate::support::all::<String>(&app.db, sql).await.into_iter().collect();
    let unreachable_count = csv
        .lines()
        .skip(1)
        .filter(|l| {
            let c: Vec<&str> = l.split(';').collect();
            assert_eq!(c[11] == "oui", emails.contains(c[0]), "the address column says the catalogue: {l}");
            c[10] == "non" && c[11] == "non"
        })
        .count();
    assert!(html.contains(&format!("Les lycées injoignables ({unreachable_count})")), "{html}");

    // Sorting keeps the filters (and an administrator's académie); the
    // slowest first, then those that never took one.
    let (_, sorted) = get(&coordinator, &app, "/espace/territoire?tri=delai&action=pfmp").await;
    assert!(sorted.contains("href=\"/espace/territoire?tri=avis&#38;action=pfmp#lycees\""), "{sorted}");
    let table = &sorted[sorted.find("id=\"legende-lycees\"").expect("tableau des lycées")..];
    let first_row = &table[table.find("<tbody>").expect("corps")..];
    assert!(
        first_row[..first_row.find("</tr>").expect("ligne")].contains(&pilot(&lyon[0])),
        "the only one with a delay first"
    );
    let (_, admin_sorted) = get(&admin, &app, "/espace/territoire?academie=Lyon&tri=nom").await;
    assert!(admin_sorted.contains("tri=delai&#38;academie=Lyon"), "the académie is kept");

    // Reassigning several at once: the untaken ones move, the taken one
    // does not, one of another territory is ignored.
    let target = index
        .lycees
        .iter()
        .find(|l| {
            l.departement == "69"
                && !lyon
                    .iter()
                    .any(|c| c["destinataires"].as_array().expect("d").iter().any(|d| d["uai"] == l.uai.as_str()))
        })
        .expect("un autre lycée du Rhône")
        .uai
        .clone();
    let fields: Vec<(&str, String)> = vec![
        ("lycee", target.clone()),
        ("ref", reference(&lyon[0])),
        ("ref", reference(&lyon[2])),
        ("ref", reference(&paris)),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, _) =
        app.submit_form_as(&coordinator, "/espace/territoire", "/espace/territoire/reaffecter", &fields).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/espace/territoire?reaffectees=1&echecs=2"));
    let (_, html) = get(&coordinator, &app, location.as_deref().expect("retour")).await;
    assert!(html.contains("1\u{a0}demande réaffectée"), "{html}");
    let (_, request_page) = get(&coordinator, &app, &format!("/espace/demandes/{}", reference(&lyon[2]))).await;
    assert!(request_page.contains("Confiée par la coordination territoriale"), "{request_page}");
    let (status, _, _) = app
        .submit_form_as(
            &rbe,
            "/espace",
            "/espace/territoire/reaffecter",
            &[("lycee", &target), ("ref", &reference(&lyon[2]))],
        )
        .await;
    assert_eq!(status, 404, "a business officer reassigns nothing");

    // The administrator: the country by académie, or one académie; the
    // coverage gap of Riom-ès-Montagnes (no boilermakers' course within
    // 30 km).
    let (status, html) = get(&admin, &app, "/espace/territoire").await;
    assert_eq!(status, 200);
    assert!(html.contains("Le territoire national") && html.contains("Les académies"), "{html}");
    assert!(
        html.contains("La carte des académies") && html.contains("<title>Académie de Lyon : 1\u{a0}prise sur"),
        "{html}"
    );
    assert!(!html.contains("Carrés bleus"), "no communes on the national map");
    let (status, html) = get(&admin, &app, "/espace/territoire?academie=Clermont-Ferrand").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&reference(&cantal)));
    let gaps = &html[html.find("id=\"manques\"").expect("section des manques")..];
    assert!(gaps.contains("H29") && gaps.contains("Riom-ès-Montagnes"), "{gaps}");
    assert_eq!(get(&admin, &app, "/espace/territoire?academie=Atlantide").await.0, 400);

    // The escalated come first, then the late: the schedule escalates the
    // Cantal request after 8 working days without anyone taking it.
    app.state.requests.run_schedule(&index, now + time::Duration::days(16)).await.expect("échéancier");
    let (_, html) = get(&admin, &app, "/espace/territoire").await;
    let list = &html[html.find("id=\"legende-demandes\"").expect("liste")..];
    let first = &list[list.find("<tbody>").expect("corps")..];
    let first = &first[..first.find("</tr>").expect("ligne")];
    assert!(first.contains("Signalée"), "an escalated request first: {first}");

    // Coverage counts every request of the period, not only the 500
    // listed: 500 newer Lyon requests push Riom-ès-Montagnes' out of the
    // list, not out of the gaps.
    let columns = "id, reference, action, entreprise_nom, contact_prenom, contact_nom, contact_email, contact_email_norm, commune_code, commune_nom, rayon_km, metiers, niveaux, message, statut, rayon_utilise_km, elargie, academie_code, jeton_hash, cree_le, modifie_le, demarre_le";
    for i in 0..500 {
        let copy = format!(
            "INSERT INTO demandes ({columns}) SELECT 'copie-{i}', 'MLP-COPIE-{i:03}', action, entreprise_nom, contact_prenom, contact_nom, contact_email, contact_email_norm, commune_code, commune_nom, rayon_km, metiers, niveaux, message, statut, rayon_utilise_km, elargie, academie_code, 'copie-jeton-{i}', '2099-01-01T00:00:00Z', modifie_le, demarre_le FROM demandes WHERE id = '{}'",
            id(&lyon[2])
        );
        crate::support::exec(&app.db, &copy).await;
    }
    app.state.requests.revision.fetch_add(1, std::sync::atomic::Ordering::Release);
    let (_, html) = get(&admin, &app, "/espace/territoire").await;
    assert!(html.contains("les 500 plus récentes") && !html.contains(&reference(&cantal)), "the list is cut");
    let gaps = &html[html.find("id=\"manques\"").expect("section des manques")..];
    assert!(gaps.contains("Riom-ès-Montagnes"), "{gaps}");
}
on_both_engines!(the_territory);
