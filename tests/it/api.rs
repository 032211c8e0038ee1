//! Contract tests of the public API (API.md), on both engines, through the
//! real server: shapes, codes, and every kind of bad input.

use crate::on_both_engines;
use crate::support::{Engine, TestApp};
use serde_json::Value;

fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["erreur"]["code"], want_code, "{body}");
    assert!(body["erreur"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

async fn lycee_showcase_json(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (status, l) = app.get_json("/api/v1/lycees/0690043X").await;
    assert_eq!(status, 200);
    assert_eq!(l["uai"], "0690043X");
    assert_eq!(l["type"], "LP");
    assert_eq!(l["secteur"], "public");
    assert_eq!(l["commune"]["code_insee"], "69381");
    assert_eq!(l["commune"]["nom"], "Lyon 1er Arrondissement");
    assert_eq!(l["departement"], serde_json::json!({"code": "69", "nom": "Rhône"}));
    assert_eq!(l["academie"]["nom"], "Lyon");
    assert_eq!(l["position"]["precision"], "commune", "no exact position outside Île-de-France");
    assert!(l["adresse"].is_null());
    assert_eq!(l["contact"], serde_json::json!({"email": null, "telephone": null, "site_web": null}));
    assert_eq!(l["url"], "/lycees/0690043X");
    let formations = l["formations"].as_array().expect("formations");
    // Bac pro MELEC, renewed by the BCN under a new code in 2024: shown
    // under its current code, the sources' figures of the old one kept.
    let melec = formations.iter().find(|f| f["cfd"] == "40025520").expect("Bac pro MELEC");
    assert_eq!(melec["renouvele_de"], "40025510");
    assert!(melec["fermeture"].is_null());
    assert!(!formations.iter().any(|f| f["cfd"] == "40025510"), "one line for the old and new codes");
    assert_eq!(melec["niveau"], serde_json::json!({"code": "bac_pro", "libelle": "Bac pro"}));
    assert_eq!(melec["effectif"], 85, "students at the 2020 rentrée");
    assert_eq!(melec["effectif_rentree"], 2020);
    assert_eq!(
        melec["offre"],
        serde_json::json!({"rentree": 2022, "annee_entree": 2, "places": 30, "premiers_voeux": 52}),
        "entered in première after the seconde commune"
    );
    // The seconde commune, new in the 2022 offer: no count.
    let commune = formations.iter().find(|f| f["cfd"] == "40020008").expect("seconde commune");
    assert!(commune["effectif"].is_null() && commune["effectif_rentree"].is_null());
    assert_eq!(commune["offre"]["places"], 90);
    // Bac pro Gestion-administration: counted in 2020, closed since, and
    // renewed as Bac pro AGORA (40030004), which the 2022 offer lists: one
    // training, one line with both facts.
    let ga = formations.iter().find(|f| f["cfd"] == "40030004").expect("Gestion-administration, now AGORA");
    assert_eq!(ga["offre"]["rentree"], 2022);
    assert_eq!(ga["effectif"], 77);
    assert!(!formations.iter().any(|f| f["cfd"] == "40030001"));
    assert_eq!(ga["renouvele_de"], "40030001");
    assert!(ga["fermeture"].is_null());
    assert!(
        melec["metiers"]
            .as_array()
            .expect("metiers")
            .iter()
            .any(|m| m["rome"] == "F1602" && m["libelle"] == "Électricien / Électricienne du bâtiment")
    );
    for f in formations {
        let code = f["niveau"]["code"].as_str().expect("niveau");
        assert!(["cap", "bac_pro", "bts", "mc", "autre"].contains(&code), "{code}");
    }
    assert_eq!(l["insertion"]["millesime"], "2022_2023");
    assert_eq!(l["insertion"]["taux_emploi_6_mois"], 46);
    assert_eq!(l["insertion"]["taux_poursuite_etudes"], 53);
    assert_eq!(l["insertion"]["valeur_ajoutee"], 1);

    // An Île-de-France lycée: exact position and contact.
    let (_, paris) = app.get_json("/api/v1/lycees?departement=75&par_page=100").await;
    let lpo = paris["resultats"]
        .as_array()
        .expect("liste")
        .iter()
        .find(|x| x["type"] == "LPO")
        .expect("un LPO à Paris")
        .clone();
    let (status, p) = app.get_json(lpo["url"].as_str().map(|u| format!("/api/v1{u}")).as_deref().expect("url")).await;
    assert_eq!(status, 200);
    assert_eq!(p["position"]["precision"], "exacte");
    assert!(p["contact"]["email"].as_str().is_some_and(|e| e.contains('@')), "{}", p["contact"]);
    assert!(p["adresse"].as_str().is_some_and(|a| a.contains("Paris")), "{}", p["adresse"]);

    // Unknown and malformed UAI.
    let (s, b) = app.get_json("/api/v1/lycees/0000000A").await;
    assert_error(s, &b, 404, "introuvable");
    // The shape of a UAI with a wrong check letter: no lycée has it (404,
    // as the OpenAPI pattern admits it), and the message says why.
    let (s, b) = app.get_json("/api/v1/lycees/0690043Y").await;
    assert_error(s, &b, 404, "introuvable");
    assert!(b["erreur"]["message"].as_str().is_some_and(|m| m.contains("lettre de contrôle")), "{b}");
    for bad in ["abc", "06900433", "%3Cscript%3E", "0690043X0690043X"] {
        let (s, b) = app.get_json(&format!("/api/v1/lycees/{bad}")).await;
        assert_error(s, &b, 400, "requete_invalide");
        assert!(b["erreur"]["champs"]["uai"].is_string());
    }
    // A lowercase UAI is the same lycée.
    assert_eq!(app.get_json("/api/v1/lycees/0690043x").await.0, 200);
}

async fn lycee_listing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (s, b) = app.get_json("/api/v1/lycees?departement=69").await;
    assert_eq!(s, 200);
    let total = b["total"].as_u64().expect("total");
    assert!(total > 50, "{total} lycées in the Rhône");
    assert_eq!((b["page"].as_i64(), b["par_page"].as_i64()), (Some(1), Some(20)));
    let first = &b["resultats"][0];
    for key in ["uai", "nom", "type", "secteur", "commune", "departement", "url", "familles_metiers"] {
        assert!(!first[key].is_null(), "{key} in {first}");
    }
    assert!(first.get("distance_km").is_none(), "no distance without a radius");
    // Pages cover everything once.
    let mut seen = std::collections::HashSet::new();
    for page in 1..=total.div_ceil(50) {
        let (_, b) = app.get_json(&format!("/api/v1/lycees?departement=69&par_page=50&page={page}")).await;
        for r in b["resultats"].as_array().expect("liste") {
            assert!(seen.insert(r["uai"].as_str().expect("uai").to_string()));
        }
    }
    assert_eq!(seen.len() as u64, total);
    // Past the end: an empty page, not an error.
    let (s, b) = app.get_json("/api/v1/lycees?departement=69&page=999").await;
    assert_eq!((s, b["resultats"].as_array().map(Vec::len)), (200, Some(0)));

    // A whole city covers its arrondissements; an arrondissement only itself.
    let (_, lyon) = app.get_json("/api/v1/lycees?commune=69123&par_page=100").await;
    let (_, lyon1) = app.get_json("/api/v1/lycees?commune=69381&par_page=100").await;
    assert!(lyon["total"].as_u64() > lyon1["total"].as_u64());
    assert!(lyon["resultats"].as_array().expect("liste").iter().any(|r| r["uai"] == "0690043X"));

    // Around a place: every result within the radius, nearest first.
    let (s, near) = app.get_json("/api/v1/lycees?commune=69123&rayon_km=10&par_page=100").await;
    assert_eq!(s, 200);
    let d: Vec<f64> = near["resultats"]
        .as_array()
        .expect("liste")
        .iter()
        .map(|r| r["distance_km"].as_f64().expect("distance"))
        .collect();
    assert!(!d.is_empty() && d.iter().all(|x| *x <= 10.0) && d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");

    // By académie, code or name.
    let (_, by_code) = app.get_json("/api/v1/lycees?academie=10").await;
    let (_, by_name) = app.get_json("/api/v1/lycees?academie=lyon").await;
    assert_eq!(by_code["total"], by_name["total"]);
    // Corsica and overseas.
    assert_eq!(app.get_json("/api/v1/lycees?departement=2A").await.1["total"], 4);
    assert_eq!(app.get_json("/api/v1/lycees?departement=974").await.1["total"], 35);

    for (path, status, code) in [
        ("/api/v1/lycees?departement=99", 404, "introuvable"),
        ("/api/v1/lycees?departement=%27%3B%20DROP%20TABLE%20lycees%3B--", 400, "requete_invalide"),
        ("/api/v1/lycees?academie=Atlantide", 404, "introuvable"),
        ("/api/v1/lycees?commune=99999", 404, "introuvable"),
        ("/api/v1/lycees?commune=lyon", 400, "requete_invalide"),
        ("/api/v1/lycees?rayon_km=10", 400, "requete_invalide"),
        ("/api/v1/lycees?commune=69123&rayon_km=0", 400, "requete_invalide"),
        ("/api/v1/lycees?commune=69123&rayon_km=-5", 400, "requete_invalide"),
        ("/api/v1/lycees?commune=69123&rayon_km=201", 400, "requete_invalide"),
        ("/api/v1/lycees?commune=69123&rayon_km=dix", 400, "requete_invalide"),
        ("/api/v1/lycees?commune=69123&rayon_km=NaN", 400, "requete_invalide"),
        ("/api/v1/lycees?page=0", 400, "requete_invalide"),
        ("/api/v1/lycees?page=-1", 400, "requete_invalide"),
        ("/api/v1/lycees?page=99999999999999999999", 400, "requete_invalide"),
        ("/api/v1/lycees?par_page=101", 400, "requete_invalide"),
        ("/api/v1/lycees?par_page=0", 400, "requete_invalide"),
    ] {
        let (s, b) = app.get_json(path).await;
        assert_error(s, &b, status, code);
    }
    // Still intact after the SQL fragment.
    assert_eq!(app.get_json("/api/v1/lycees?departement=69").await.1["total"].as_u64(), Some(total));
}

async fn communes_and_jobs(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (s, c) = app.get_json("/api/v1/communes?q=lyon").await;
    assert_eq!(s, 200);
    let lyon = &c[0];
    assert_eq!(lyon["code_insee"], "69123");
    assert_eq!(lyon["nom"], "Lyon");
    assert_eq!(lyon["departement"], "69");
    assert!(lyon["codes_postaux"].as_array().expect("cp").iter().any(|cp| cp == "69001"));
    let lat = lyon["position"]["lat"].as_f64().expect("lat");
    assert!((45.7..45.8).contains(&lat), "{lat}");
    // Accents, case and "st" = "saint".
    assert_eq!(app.get_json("/api/v1/communes?q=SAINT-ETIENNE&limit=1").await.1[0]["code_insee"], "42218");
    assert_eq!(app.get_json("/api/v1/communes?q=st%20etienne&limit=1").await.1[0]["code_insee"], "42218");
    // A typing slip: the suggestions still find the commune.
    assert_eq!(app.get_json("/api/v1/communes?q=aurilac&limit=1").await.1[0]["code_insee"], "15014");
    assert_eq!(
        app.get_json("/api/v1/communes?q=%C3%A9vry&limit=5")
            .await
            .1
            .as_array()
            .map(|a| a.iter().any(|x| x["nom"].as_str().is_some_and(|n| n.starts_with("Évry")))),
        Some(true)
    );
    // Postcodes, Corsica, overseas.
    let (_, by_cp) = app.get_json("/api/v1/communes?q=69003").await;
    assert_eq!(by_cp[0]["code_insee"], "69383");
    assert_eq!(app.get_json("/api/v1/communes?q=ajaccio&limit=1").await.1[0]["code_insee"], "2A004");
    assert_eq!(app.get_json("/api/v1/communes?q=97411").await.1[0]["departement"], "974");
    assert!(app.get_json("/api/v1/communes?q=paris&limit=3").await.1[0]["position"].is_object());
    // Limits and nonsense.
    assert_eq!(app.get_json("/api/v1/communes?q=saint&limit=3").await.1.as_array().map(Vec::len), Some(3));
    assert_eq!(app.get_json("/api/v1/communes?q=zzzzzz").await, (200, serde_json::json!([])));
    assert_eq!(app.get_json("/api/v1/communes?q=%F0%9F%98%80").await, (200, serde_json::json!([])));
    for path in [
        "/api/v1/communes",
        "/api/v1/communes?q=",
        "/api/v1/communes?q=lyon&limit=0",
        "/api/v1/communes?q=lyon&limit=51",
        "/api/v1/communes?q=lyon&limit=x",
    ] {
        let (s, b) = app.get_json(path).await;
        assert_error(s, &b, 400, "requete_invalide");
    }
    let long = "a".repeat(1000);
    let (s, b) = app.get_json(&format!("/api/v1/communes?q={long}")).await;
    assert_error(s, &b, 400, "requete_invalide");

    // Jobs: case- and accent-insensitive.
    let (s, m) = app.get_json("/api/v1/metiers?q=ELECTRICIEN").await;
    assert_eq!(s, 200);
    let list = m.as_array().expect("liste");
    assert!(list.iter().any(|x| x["rome"] == "F1602"), "{m}");
    for x in list {
        assert!(x["libelle"].is_string() && x["appellation"].is_string());
        let score = x["score"].as_f64().expect("score");
        assert!((0.0..=1.0).contains(&score));
    }
    assert!(
        app.get_json("/api/v1/metiers?q=boulanger")
            .await
            .1
            .as_array()
            .expect("liste")
            .iter()
            .any(|x| x["rome"] == "D1102")
    );
    assert!(
        app.get_json("/api/v1/metiers?q=PLOMBIER")
            .await
            .1
            .as_array()
            .expect("liste")
            .iter()
            .any(|x| x["rome"] == "F1603")
    );
    // HTML and SQL fragments are just words.
    let (s, html) = app.get_json("/api/v1/metiers?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(s == 200 && html.is_array());
    let (s, sql) = app.get_json("/api/v1/metiers?q=%27%20OR%201%3D1%3B--").await;
    assert!(s == 200 && sql.as_array().is_some_and(|a| a.len() < 10), "{sql}");
    assert_eq!(app.get_json("/api/v1/metiers?q=%21%21%21%3F").await, (200, serde_json::json!([])), "punctuation only");
    assert_eq!(app.get_json("/api/v1/metiers?q=aide&limit=2").await.1.as_array().map(Vec::len), Some(2));
    let (s, b) = app.get_json("/api/v1/metiers").await;
    assert_error(s, &b, 400, "requete_invalide");
}

async fn reference_and_operations(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (s, actions) = app.get_json("/api/v1/referentiels/actions").await;
    assert_eq!(s, 200);
    let codes: Vec<&str> =
        actions.as_array().expect("liste").iter().map(|a| a["code"].as_str().expect("code")).collect();
    assert_eq!(
        codes,
        [
            "pfmp",
            "apprentissage",
            "recrutement",
            "intervention",
            "visite",
            "mentorat",
            "evenement",
            "enseignants",
            "professeur_associe",
            "formation",
            "soutien",
            "autre"
        ]
    );
    assert_eq!(actions[0]["libelle"], "Accueillir des élèves en stage (PFMP)");

    let (s, spec) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    assert_eq!(spec["openapi"], "3.1.0");
    // Partner platforms: the key's scheme, the list, every webhook event
    // of the lifecycle with its payload (API.md, "Partner platforms").
    assert_eq!(spec["components"]["securitySchemes"]["cleApi"]["scheme"], "bearer");
    assert_eq!(spec["paths"]["/api/v1/demandes"]["get"]["security"][0]["cleApi"], serde_json::json!([]));
    assert!(spec["paths"]["/api/v1/demandes"]["post"]["responses"]["401"].is_object());
    for e in domain::lifecycle::PartnerEvent::ALL {
        let hook = &spec["webhooks"][e.code()]["post"];
        assert_eq!(
            hook["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/EvenementDemande",
            "{e}"
        );
        assert_eq!(hook["parameters"][0]["name"], "X-MLP-Signature");
    }
    assert!(!spec.to_string().contains("nullable"), "3.1: null is a type");
    for path in [
        "/api/v1/lycees/{uai}",
        "/api/v1/lycees",
        "/api/v1/communes",
        "/api/v1/metiers",
        "/api/v1/referentiels/actions",
        "/healthz",
        "/metrics",
    ] {
        assert!(spec["paths"][path]["get"].is_object(), "{path} documented");
    }

    assert_eq!(app.get_text("/healthz").await, (200, "ok".to_string()));
    app.get("/lycees/0690043X").await;
    let (s, metrics) = app.get_text("/metrics").await;
    assert_eq!(s, 200);
    assert!(
        metrics.contains("mlp_http_requests_total{method=\"GET\",route=\"/lycees/{uai}\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("mlp_catalogue_lycees 2090"));

    let (s, b) = app.get_json("/api/v1/inconnu").await;
    assert_error(s, &b, 404, "introuvable");

    // Security headers on every response.
    let res = app.get("/api/v1/lycees/0690043X").await;
    let h = res.headers();
    assert!(h["content-security-policy"].to_str().expect("csp").contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert!(h.contains_key("x-request-id"));
}

on_both_engines!(lycee_showcase_json, lycee_listing, communes_and_jobs, reference_and_operations);
