//! Bad input and abuse on the request API and the journey: every field
//! validated with its French message, the contract's error codes, rate
//! limits, the honeypot; names stored as typed and shown escaped.

use crate::on_both_engines;
use crate::support::{Engine, Options, TestApp};
use serde_json::{Value, json};

fn valid() -> Value {
    json!({
        "action": "pfmp",
        "entreprise": {"nom": "Boulangerie Dupont"},
        "contact": {"prenom": "Jean", "nom": "Dupont", "email": "jean@boulangerie.fr"},
        "commune": "75056",
        "metiers": ["D1102"],
        "message": "Deux apprentis boulangers.",
        "consentement": true
    })
}

fn with(path: &[&str], value: Value) -> Value {
    let mut v = valid();
    let mut cur = &mut v;
    for p in &path[..path.len() - 1] {
        cur = &mut cur[*p];
    }
    cur[path[path.len() - 1]] = value;
    v
}

async fn api_rejects_each_bad_field(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let in_a_year = (time::OffsetDateTime::now_utc() + time::Duration::days(365)).date().to_string();
    let in_a_month = (time::OffsetDateTime::now_utc() + time::Duration::days(30)).date().to_string();
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(&["contact", "email"], json!("jean@boulangerie")), "contact.email", "adresse électronique invalide"),
        (with(&["contact", "email"], json!("")), "contact.email", "champ obligatoire"),
        (with(&["entreprise", "siret"], json!("7328293200007")), "entreprise.siret", "14 chiffres"),
        (with(&["entreprise", "siret"], json!("73282932000075")), "entreprise.siret", "clé de contrôle"),
        (with(&["commune"], json!("99999")), "commune", "commune inconnue"),
        (with(&["commune"], json!("Paris")), "commune", "commune inconnue"),
        (with(&["metiers"], json!(["Z9999"])), "metiers", "code ROME"),
        (with(&["metiers"], json!(["A9999"])), "metiers", "code ROME inconnu"),
        (with(&["metiers"], json!([])), "metiers", "au moins un métier"),
        (
            {
                let mut v = with(&["metiers"], json!([]));
                v["metier_texte"] = json!("zzqxw");
                v
            },
            "metier_texte",
            "aucun métier reconnu",
        ),
        (with(&["rayon_km"], json!(0)), "rayon_km", "entre 1 et 200"),
        (with(&["rayon_km"], json!(201)), "rayon_km", "entre 1 et 200"),
        (with(&["rayon_km"], json!(-5)), "rayon_km", "entre 1 et 200"),
        (with(&["periode"], json!({"debut": in_a_year, "fin": in_a_month})), "periode.fin", "après le début"),
        (with(&["periode"], json!({"debut": "2020-01-01"})), "periode.debut", "passée"),
        (with(&["periode"], json!({"debut": "04/01/2027"})), "periode.debut", "AAAA-MM-JJ"),
        (with(&["nombre_eleves"], json!(0)), "nombre_eleves", "entre 1 et 100"),
        (with(&["message"], json!("   ")), "message", "décrivez"),
        (with(&["message"], json!("x".repeat(6000))), "message", "5\u{202f}000 caractères au plus"),
        (with(&["consentement"], json!(false)), "consentement", "accord"),
        (with(&["action"], json!("stage")), "action", "type d'action inconnu"),
        (with(&["lycee"], json!("0000000A")), "lycee", "lycée inconnu"),
        (with(&["niveaux"], json!(["licence"])), "niveaux", "niveau inconnu"),
        (with(&["contact", "telephone"], json!("appelez-moi")), "contact.telephone", "numéro de téléphone invalide"),
        // Wrong JSON types, each reported on its field.
        (with(&["rayon_km"], json!("trente")), "rayon_km", "nombre"),
        (with(&["metiers"], json!("D1102")), "metiers", "liste"),
        (with(&["consentement"], json!("oui")), "consentement", "true ou false"),
        (with(&["entreprise", "nom"], json!(42)), "entreprise.nom", "texte attendu"),
        (json!([]), "$", "objet JSON"),
    ];
    for (body, field, message) in cases {
        let (status, err) = app.post_json("/api/v1/demandes", &body).await;
        assert_eq!(status, 422, "{field}: {err}");
        assert_eq!(err["erreur"]["code"], "champs_invalides");
        let got = err["erreur"]["champs"][field].as_str().unwrap_or_else(|| panic!("{field} absent : {err}"));
        assert!(got.contains(message), "{field}: {got:?} should say {message:?}");
    }
    let count = |db: &monlyceepro::storage::Db| {
        let db = db.clone();
        async move {
            match &db {
                monlyceepro::storage::Db::Sqlite(p) => {
                    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM demandes").fetch_one(p).await
                }
                monlyceepro::storage::Db::Postgres(p) => {
                    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM demandes").fetch_one(p).await
                }
            }
            .expect("count")
        }
    };
    assert_eq!(count(&app.db).await, 0, "nothing stored from invalid requests");

    // The transport: not JSON, wrong type, too large.
    let post = |ct: &'static str, body: Vec<u8>| {
        let app = &app;
        async move {
            let res = app
                .client
                .post(format!("{}/api/v1/demandes", app.base))
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .expect("post");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.expect("JSON d'erreur"))
        }
    };
    let (s, e) = post("application/json", b"{\"action\": ".to_vec()).await;
    assert_eq!((s, e["erreur"]["code"].as_str()), (400, Some("requete_invalide")));
    let (s, e) = post("text/plain", b"{}".to_vec()).await;
    assert_eq!((s, e["erreur"]["code"].as_str()), (415, Some("type_non_supporte")));
    let mut big = valid();
    big["message"] = json!("x".repeat(100 * 1024));
    let (s, e) = post("application/json", serde_json::to_vec(&big).expect("json")).await;
    assert_eq!((s, e["erreur"]["code"].as_str()), (413, Some("trop_volumineux")));
    assert_eq!(count(&app.db).await, 0);

    // Names with accents, apostrophes and HTML are stored as typed.
    // (A person's name holds no slash — no path, issue 24 —, so the
    // person's markup has none; the company's name keeps the script tag.)
    let name = "Zoë L'Hôte-Ümlaut <script>alert('x')</script>";
    let person = "Zoë L'Hôte-Ümlaut <img src=x onerror=alert('x')>";
    let mut odd = valid();
    odd["contact"]["nom"] = json!(person);
    odd["entreprise"]["nom"] = json!(name);
    let (s, created) = app.post_json("/api/v1/demandes", &odd).await;
    assert_eq!(s, 201, "{created}");
    let url = created["suivi_url"].as_str().expect("suivi");
    let token = url.rsplit('/').next().expect("jeton");
    let reference = created["reference"].as_str().expect("reference");
    let res = app
        .client
        .get(format!("{}/api/v1/demandes/{reference}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let read: Value = res.json().await.expect("json");
    assert_eq!(read["contact"]["nom"], person);
    assert_eq!(read["entreprise"]["nom"], name);
    let (_, page) = app.get_text(&format!("/suivi/{token}")).await;
    assert!(!page.contains("<script>alert('x')"), "shown escaped");
    assert!(!page.contains("<img src=x"), "shown escaped");
    assert!(page.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"));
    // Reading needs the token.
    assert_eq!(app.get(&format!("/api/v1/demandes/{reference}")).await.status(), 404);
    assert_eq!(app.get(&format!("/api/v1/demandes/{reference}?jeton=faux")).await.status(), 404);
    assert_eq!(app.get(&format!("/api/v1/demandes/{reference}?jeton={token}")).await.status(), 200);
    assert_eq!(app.get(&format!("/api/v1/demandes/MLP-1999-000001?jeton={token}")).await.status(), 404);
}

async fn public_writes_are_rate_limited(engine: Engine) {
    let app = TestApp::spawn_with(engine, Options { rate_limit: 2, ..Options::default() }).await;
    for i in 0..2 {
        let mut body = valid();
        body["contact"]["email"] = json!(format!("limite{i}@exemple.fr"));
        assert_eq!(app.post_json("/api/v1/demandes", &body).await.0, 201);
    }
    let res = app.client.post(format!("{}/api/v1/demandes", app.base)).json(&valid()).send().await.expect("post");
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"].to_str().expect("retry-after").parse().expect("secondes");
    assert!((1..=60).contains(&wait));
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["erreur"]["code"], "trop_de_requetes");
}

/// The journey without JavaScript: values survive errors and going back,
/// the honeypot stops robots, bad input gets French messages.
async fn journey_keeps_values_and_rejects_robots(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // Step 5 with a bad email: the other fields are kept.
    let fields = [
        ("etape", "5"),
        ("aller", "6"),
        ("action", "pfmp"),
        ("metiers", "D1102"),
        ("commune", "75056"),
        ("commune_texte", "Paris"),
        ("message", "Deux apprentis."),
        ("entreprise_nom", "Boulangerie L'Épi"),
        ("prenom", "Zoé"),
        ("nom", "L'Hôte"),
        ("email", "zoe@"),
        ("consentement", "oui"),
    ];
    let (status, _, page) = app.submit_form("/demande", "/demande", &fields).await;
    assert_eq!(status, 422);
    assert!(page.contains("adresse électronique invalide"));
    assert!(page.contains("value=\"Zoé\"") && page.contains("value=\"L&#39;Hôte\""), "values kept");
    assert!(page.contains("name=\"message\" value=\"Deux apprentis.\""), "other steps kept as hidden fields");
    // Going back two steps keeps everything too.
    let mut back = fields.to_vec();
    back[1] = ("aller", "3");
    back[10] = ("email", "zoe@exemple.fr");
    let (status, _, page) = app.submit_form("/demande", "/demande", &back).await;
    assert_eq!(status, 200);
    assert!(page.contains("Le lieu") && page.contains("value=\"Paris\""));
    assert!(page.contains("name=\"email\" value=\"zoe@exemple.fr\""));
    // "Modifier" from the review (step 6 → 3) marks the way back; the
    // step then leads straight back to the review.
    let mut modify = back.clone();
    modify[0] = ("etape", "6");
    let (status, _, page) = app.submit_form("/demande", "/demande", &modify).await;
    assert_eq!(status, 200);
    assert!(page.contains("Revenir à la vérification") && page.contains(r#"name="revoir" value="oui""#), "{page}");
    let mut again = modify.clone();
    again[0] = ("etape", "3");
    again[1] = ("aller", "6");
    again.push(("revoir", "oui"));
    let (status, _, page) = app.submit_form("/demande", "/demande", &again).await;
    assert_eq!(status, 200);
    assert!(page.contains("Étape 6 sur 6"), "back to the review");
    // Dates typed day first, without separators; a wrong one is said next
    // to its field in the format people type.
    let mut dated = again.clone();
    dated[0] = ("etape", "4");
    dated.push(("debut", "11012027"));
    dated.push(("fin", "31/02/2027"));
    let (status, _, page) = app.submit_form("/demande", "/demande", &dated).await;
    assert_eq!(status, 422);
    assert!(page.contains(r#"value="11/01/2027""#), "typed date shown back");
    assert!(page.contains("date attendue au format JJ/MM/AAAA") && page.contains(r#"aria-describedby="erreur-fin""#));
    // A link saying the action and the jobs opens at the place.
    let (status, page) = app.get_text("/demande?action=pfmp&rome=F1602&lycee=0690043X").await;
    assert_eq!(status, 200);
    assert!(page.contains("Étape 3 sur 6") && page.contains(r#"name="metiers" value="F1602""#), "{page}");
    let (_, page) = app.get_text("/demande?action=pfmp&lycee=0690043X").await;
    assert!(page.contains("Étape 2 sur 6"));
    let (_, page) = app.get_text("/demande?action=inconnue&rome=F1602").await;
    assert!(page.contains("Étape 1 sur 6"));
    // An unknown place, and homonyms to choose from.
    let (status, _, page) = app
        .submit_form(
            "/demande",
            "/demande",
            &[("etape", "3"), ("aller", "4"), ("action", "pfmp"), ("commune_texte", "Atlantide")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("nous ne trouvons pas la commune"));
    let (status, _, page) = app
        .submit_form(
            "/demande",
            "/demande",
            &[("etape", "3"), ("aller", "4"), ("action", "pfmp"), ("commune_texte", "Saint-Denis")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("plusieurs communes portent ce nom") && page.contains("name=\"commune_choisie\""));
    // A 100 KB message in the form, then a form over the size limit.
    let long = "x".repeat(100 * 1024);
    let (status, _, page) = app
        .submit_form("/demande", "/demande", &[("etape", "4"), ("aller", "5"), ("action", "pfmp"), ("message", &long)])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("5\u{202f}000 caractères au plus"));
    let huge = "é".repeat(100 * 1024);
    let (status, _, page) = app.submit_form("/demande", "/demande", &[("etape", "4"), ("message", &huge)]).await;
    assert_eq!(status, 413);
    assert!(page.contains("beaucoup trop long"));
    // Sending with the honeypot filled: nothing is stored.
    let mut robot = fields.to_vec();
    robot[1] = ("aller", "envoyer");
    robot[10] = ("email", "robot@exemple.fr");
    robot.push(("site_web", "http://spam.example"));
    let (status, location, _) = app.submit_form("/demande", "/demande", &robot).await;
    assert_eq!((status, location), (422, None));
    // Without the CSRF token: refused.
    let res = app.client.post(format!("{}/demande", app.base)).form(&robot[..12]).send().await.expect("post");
    assert_eq!(res.status(), 403);
    // A person sending: redirected to the follow-up page.
    let mut person = fields.to_vec();
    person[1] = ("aller", "envoyer");
    person[10] = ("email", "zoe@exemple.fr");
    let (status, location, _) = app.submit_form("/demande", "/demande", &person).await;
    assert_eq!(status, 303);
    let location = location.expect("redirection");
    assert!(location.starts_with("/suivi/") && location.ends_with("?envoi=1"));
    let (_, page) = app.get_text(&location).await;
    assert!(page.contains("Votre demande est envoyée"));
    assert!(page.contains("Boulangerie L&#39;Épi"));
}

/// The company's follow-up: a message to the lycées, then cancelling.
async fn follow_up_message_and_cancel(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, created) = app.post_json("/api/v1/demandes", &valid()).await;
    let url = created["suivi_url"].as_str().expect("suivi");
    let path = &url[url.find("/suivi/").expect("chemin")..];
    let (s, page) = app.get_text(path).await;
    assert_eq!(s, 200);
    let told = created["destinataires"].as_array().expect("destinataires").len();
    assert!(told >= 2, "{created}");
    assert!(
        page.contains(&format!("Transmise à {told} lycées"))
            && page.contains(created["reference"].as_str().expect("ref")),
        "the status names how many lycées have it"
    );
    let (s, location, _) = app
        .submit_form(path, &format!("{path}/message"), &[("message", "Nous pouvons aussi accueillir en mars.")])
        .await;
    assert_eq!(s, 303, "redirected after the message");
    let location = location.expect("location");
    assert!(location.ends_with("?fait=message#fil"), "{location}");
    let (_, page) = app.get_text(&location).await;
    assert!(page.contains("Nous pouvons aussi accueillir en mars."));
    // Sending is confirmed, in words that say who sees the message.
    assert!(
        page.replace("&#39;", "'")
            .contains("il s'ajoute à l'historique ci-dessous, que les lycées sollicités voient aussi."),
        "{page}"
    );
    let (s, _, page) = app.submit_form(path, &format!("{path}/message"), &[("message", "   ")]).await;
    assert_eq!(s, 422);
    // The message sits next to the field, tied to it, and the summary
    // at the top links to the field.
    assert!(page.contains("écrivez votre message"));
    assert!(page.contains(r#"aria-invalid="true" aria-describedby="erreur-message-entreprise""#), "{page}");
    assert!(page.contains(r##"<a href="#message-entreprise">"##));
    // Cancelling needs the confirmation box.
    let (s, _, page) = app.submit_form(path, &format!("{path}/annuler"), &[]).await;
    assert_eq!(s, 422);
    assert!(page.contains(r#"id="erreur-annulation""#) && page.contains("cochez la case"));
    let (s, _, _) = app.submit_form(path, &format!("{path}/annuler"), &[("confirmation", "oui")]).await;
    assert_eq!(s, 303);
    let (_, page) = app.get_text(path).await;
    assert!(page.contains("Annulée") && !page.contains("Écrire aux lycées"));
    assert_eq!(app.get_text("/suivi/inconnu").await.0, 404);
}

/// What could make an official email say something the service never
/// said, typed as a name: a new line, a right-to-left override, a
/// zero-width character, a link. Each `(what, text)`.
const BAD_NAMES: [(&str, &str); 5] = [
    ("retour à la ligne", "Martin\nCliquez ici pour valider"),
    ("séparateur de ligne", "Martin\u{2028}Cliquez ici"),
    ("U+202E", "\u{202e}nitraM"),
    ("espace de largeur nulle", "Mar\u{200b}tin"),
    ("adresse web", "Martin https://evil.example"),
];

/// What a person's name let through before issue 24: a host with a path,
/// a port, in quotes or brackets, a short link, a TLD outside the old
/// list, a sentence, dots of other scripts, initials glued by a dot.
const PERSON_LINKS: [&str; 11] = [
    "Dupont evil.com/paiement",
    "Dupont evil.com:8443",
    "Dupont «evil.com»",
    "Dupont [evil.com]",
    "bit.ly/abc",
    "impots-gouv.co.uk",
    "réglez la facture sur evil.shop",
    "Dupont evil\u{FF0E}com",
    "Dupont evil\u{3002}com",
    "Dupont evil\u{FF61}com",
    "J.P.",
];

/// The French messages of `domain::names` (without apostrophes, which a
/// page escapes).
fn says_why(text: &str) -> bool {
    text.contains("seule ligne de texte")
        || text.contains("ne peut pas contenir")
        || text.contains("entre deux lettres")
}

async fn scalar(db: &monlyceepro::storage::Db, sql: &str) -> i64 {
    crate::support::one(db, sql).await
}

/// One rule of names at every door: the request API and the journey (a
/// person's and a company's name), invitations, the team's CSV import,
/// requests to join, partners and their contacts. Each bad name is
/// refused with a French message (the API's JSON error on the API) and
/// nothing is stored.
async fn names_are_refused_at_every_door(engine: Engine) {
    use monlyceepro::accounts::Role;
    let app = TestApp::spawn(engine).await;
    let lyon = app.state.search.index().lycees.iter().find(|l| l.departement == "69").expect("Lyon").uai.clone();
    let company_bad = [("phrase avec un domaine", "Cliquez sur evil.com"), ("adresse web", "https://evil.example")];
    // The API.
    for (what, bad) in BAD_NAMES {
        for field in ["prenom", "nom"] {
            let (status, err) = app.post_json("/api/v1/demandes", &with(&["contact", field], json!(bad))).await;
            assert_eq!(status, 422, "{field} {what}: {err}");
            assert_eq!(err["erreur"]["code"], "champs_invalides", "{err}");
            let got = err["erreur"]["champs"][format!("contact.{field}")].as_str().unwrap_or_default();
            assert!(says_why(got), "contact.{field} {what}: {err}");
        }
    }
    for bad in PERSON_LINKS {
        for field in ["prenom", "nom"] {
            let (status, err) = app.post_json("/api/v1/demandes", &with(&["contact", field], json!(bad))).await;
            assert_eq!(status, 422, "{field} {bad:?}: {err}");
            let got = err["erreur"]["champs"][format!("contact.{field}")].as_str().unwrap_or_default();
            assert!(says_why(got), "contact.{field} {bad:?}: {err}");
        }
    }
    for (what, bad) in BAD_NAMES.iter().take(4).chain(company_bad.iter()) {
        let (status, err) = app.post_json("/api/v1/demandes", &with(&["entreprise", "nom"], json!(bad))).await;
        assert_eq!(status, 422, "entreprise.nom {what}: {err}");
        assert!(says_why(err["erreur"]["champs"]["entreprise.nom"].as_str().unwrap_or_default()), "{what}: {err}");
    }
    // The journey, sending from the last step.
    for (field, (what, bad)) in BAD_NAMES
        .iter()
        .flat_map(|b| [("prenom", b), ("nom", b)])
        .chain(company_bad.iter().map(|b| ("entreprise_nom", b)))
    {
        let mut fields = vec![
            ("etape", "5"),
            ("aller", "envoyer"),
            ("action", "pfmp"),
            ("metiers", "D1102"),
            ("commune", "75056"),
            ("commune_texte", "Paris"),
            ("message", "Deux apprentis."),
            ("entreprise_nom", "Boulangerie L'Épi"),
            ("prenom", "Zoé"),
            ("nom", "L'Hôte"),
            ("email", "zoe@exemple.fr"),
            ("consentement", "oui"),
        ];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, bad));
        let (status, location, page) = app.submit_form("/demande", "/demande", &fields).await;
        assert_eq!((status, location), (422, None), "{field} {what}");
        assert!(says_why(&page), "{field} {what}: the page says why");
    }
    assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM demandes").await, 0, "no request stored");

    // Invitations and the CSV import, by the académie's coordinator.
    let coord = app.signed_in(&app.account("coord@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await).await;
    let accounts_before = scalar(&app.db, "SELECT COUNT(*) FROM comptes").await;
    for (n, (what, bad)) in BAD_NAMES.iter().enumerate() {
        for field in ["prenom", "nom"] {
            let email = format!("invite.{field}.{n}@ac-lyon.fr");
            let fields = [("email", email.as_str()), ("lycees", lyon.as_str()), (field, bad)];
            let (status, _, html) =
                app.submit_form_as(&coord, "/espace/equipe", "/espace/equipe/invitations", &fields).await;
            assert_eq!(status, 422, "invitation {field} {what}");
            assert!(says_why(&html), "invitation {field} {what}: {html}");
        }
        // A new line cannot sit in a CSV cell: the line separator stands for it.
        if bad.contains('\n') {
            continue;
        }
        let csv = format!("UAI;Prénom;Nom;Email;Rôle\n{lyon};Léa;{bad};import.{n}@ac-lyon.fr;rbe\n");
        let html =
            coord.get(format!("{}/espace/equipe", app.base)).send().await.expect("page").text().await.expect("corps");
        let form = reqwest::multipart::Form::new()
            .text("csrf", crate::support::csrf_of(&html).expect("csrf"))
            .part("fichier", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("equipe.csv"));
        let res = coord.post(format!("{}/espace/equipe/import", app.base)).multipart(form).send().await.expect("envoi");
        assert_eq!(res.status(), 422, "import {what}");
        let html = res.text().await.expect("corps");
        assert!(html.contains("ligne 2") && says_why(&html), "import {what}: {html}");
    }
    // Requests to join.
    for (what, bad) in BAD_NAMES.iter().copied().chain(PERSON_LINKS.iter().map(|b| ("adresse web", *b))) {
        for field in ["prenom", "nom"] {
            let fields = [("email", "rejoindre@ac-lyon.fr"), (field, bad), ("uai", lyon.as_str())];
            let (status, _, html) = app.submit_form("/rejoindre", "/rejoindre", &fields).await;
            assert_eq!(status, 422, "rejoindre {field} {what} {bad:?}");
            assert!(says_why(&html), "rejoindre {field} {what} {bad:?}");
        }
    }
    assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM comptes").await, accounts_before, "no account created");
    assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM adhesions").await, 0, "no request to join");

    // Partners and their contacts, by the lycée's business officer.
    let rbe = app.signed_in(&app.account("rbe@ac-lyon.fr", Role::Rbe, &[&lyon], None).await).await;
    for (what, bad) in BAD_NAMES.iter().take(4).chain(company_bad.iter()) {
        let fields = [("lycee", lyon.as_str()), ("nom", bad)];
        let (status, _, html) = app.submit_form_as(&rbe, "/espace/partenaires", "/espace/partenaires", &fields).await;
        assert_eq!(status, 422, "partenaire {what}");
        assert!(says_why(&html), "partenaire {what}");
    }
    assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM partenaires").await, 0, "no partner stored");
    let fields = [("lycee", lyon.as_str()), ("nom", "Boulanger.com")];
    let (status, location, _) = app.submit_form_as(&rbe, "/espace/partenaires", "/espace/partenaires", &fields).await;
    assert_eq!(status, 303, "a brand that is a domain name is a company's name");
    let partner = location.expect("adresse du partenaire");
    let partner = partner.split('?').next().unwrap_or_default().to_string();
    for (what, bad) in BAD_NAMES {
        for field in ["prenom", "nom"] {
            let mut fields = vec![("prenom", "Léa"), ("nom", "Durand")];
            fields.retain(|(k, _)| *k != field);
            fields.push((field, bad));
            let (status, _, html) = app.submit_form_as(&rbe, &partner, &format!("{partner}/contact"), &fields).await;
            assert_eq!(status, 422, "contact {field} {what}");
            assert!(says_why(&html), "contact {field} {what}");
        }
    }
    assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM partenaire_contacts").await, 0, "no contact stored");
}

on_both_engines!(
    names_are_refused_at_every_door,
    api_rejects_each_bad_field,
    public_writes_are_rate_limited,
    journey_keeps_values_and_rejects_robots,
    follow_up_message_and_cancel,
);

/// A local server answering like the "Recherche d'entreprises" API.
async fn fake_entreprises_api() -> String {
    use axum::extract::Query;
    use std::collections::HashMap;
    async fn search(Query(q): Query<HashMap<String, String>>) -> axum::response::Response {
        use axum::response::IntoResponse;
        match q.get("q").map(String::as_str) {
            Some("73282932000074") => axum::Json(json!({
                "results": [{
                    "siren": "732829320",
                    "nom_complet": "ÉLECTRICITÉ DU RHÔNE",
                    "activite_principale": "43.21A",
                    "siege": {"siret": "73282932000074", "commune": "69123", "activite_principale": "43.21A"},
                    "matching_etablissements": [{"siret": "73282932000074", "commune": "69123", "activite_principale": "43.21A"}]
                }],
                "total_results": 1
            }))
            .into_response(),
            Some("55200000000000") => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "panne").into_response(),
            _ => axum::Json(json!({"results": [], "total_results": 0})).into_response(),
        }
    }
    crate::support::serve_local(axum::Router::new().route("/search", axum::routing::get(search))).await
}

/// The SIRET gives the company's name and sector, whose jobs are
/// suggested; unknown or unreachable, the journey goes on.
async fn siret_lookup_suggests_jobs(engine: Engine) {
    let api = fake_entreprises_api().await;
    let app = TestApp::spawn_with(engine, Options { entreprises_url: Some(api), ..Options::default() }).await;
    let step = |siret: &'static str| [("etape", "2"), ("aller", "siret"), ("action", "pfmp"), ("siret", siret)];
    let (status, _, page) = app.submit_form("/demande", "/demande", &step("73282932000074")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Entreprise trouvée : ÉLECTRICITÉ DU RHÔNE (secteur NAF 43.21A)"), "{page}");
    assert!(page.contains("name=\"metiers\" value=\"F16"), "jobs of the construction sector are offered");
    assert!(page.contains("name=\"entreprise_nom\" value=\"ÉLECTRICITÉ DU RHÔNE\""), "the name is kept for step 5");
    assert!(page.contains("name=\"commune\" value=\"69123\""), "the commune is pre-filled");
    let (_, _, unknown) = app.submit_form("/demande", "/demande", &step("44320000000000")).await;
    assert!(
        unknown.contains("n&#39;est pas connu de l&#39;annuaire") || unknown.contains("n'est pas connu de l'annuaire")
    );
    let (status, _, down) = app.submit_form("/demande", "/demande", &step("55200000000000")).await;
    assert_eq!(status, 200);
    assert!(down.contains("momentanément indisponible"));
    let (status, _, bad) = app.submit_form("/demande", "/demande", &step("7328293200007")).await;
    assert_eq!(status, 422);
    assert!(bad.contains("14 chiffres"));
    // Unreachable API (the default of the tests): the journey goes on.
    let offline = TestApp::spawn(engine).await;
    let (status, _, page) = offline.submit_form("/demande", "/demande", &step("73282932000074")).await;
    assert_eq!(status, 200);
    assert!(page.contains("momentanément indisponible"));
}

on_both_engines!(siret_lookup_suggests_jobs);

/// Issue 24: the emails to lycées name the company as the national
/// register does when its SIRET is known there, else as the company typed
/// it, said to be its own — quoted, on a line of its own. "Cdiscount.com"
/// is a company's name; typed by anyone, it is not the service's word.
async fn emails_name_the_company_as_the_register_does(engine: Engine) {
    use crate::support::SmtpSink;
    let api = fake_entreprises_api().await;
    let smtp = SmtpSink::start();
    let app = TestApp::spawn_with(
        engine,
        Options { smtp_url: Some(smtp.url.clone()), worker: true, entreprises_url: Some(api), ..Options::default() },
    )
    .await;
    let ask = |email: &str, siret: Option<&str>| {
        let mut body = crate::demandes::request(email);
        body["entreprise"] = json!({"nom": "Cdiscount.com", "siret": siret});
        body
    };
    let cases = [
        (
            "connue@exemple.fr",
            Some("73282932000074"),
            "«\u{a0}ÉLECTRICITÉ DU RHÔNE\u{a0}» (nom au répertoire des entreprises, SIRET 73282932000074)",
        ),
        (
            "inconnue@exemple.fr",
            Some("44320000000000"),
            "«\u{a0}Cdiscount.com\u{a0}» (nom déclaré par l'entreprise\u{202f}; SIRET 44320000000000 non vérifié)",
        ),
        ("sans-siret@exemple.fr", None, "«\u{a0}Cdiscount.com\u{a0}» (nom déclaré par l'entreprise)"),
    ];
    for (email, siret, named) in cases {
        let (status, created) = app.post_json("/api/v1/demandes", &ask(email, siret)).await;
        assert_eq!(status, 201, "{created}");
        let reference = created["reference"].as_str().expect("référence").to_string();
        let told = created["destinataires"].as_array().map_or(0, Vec::len);
        assert!(told > 0, "{created}");
        let subject = format!("Demande {reference}\u{a0}:");
        let mails = smtp.wait_for(told, |m| m.header("Subject").starts_with(&subject)).await;
        for mail in mails {
            let text = mail.text();
            let line = text.lines().find(|l| l.contains("Entreprise\u{a0}:")).unwrap_or_default();
            assert_eq!(line, format!("- Entreprise\u{a0}: {named}"), "{email}:\n{text}");
            assert_eq!(text.matches("Cdiscount.com").count(), usize::from(siret != Some("73282932000074")), "{text}");
        }
        let stored: Option<String> = crate::support::maybe(
            &app.db,
            &format!("SELECT entreprise_nom_siret FROM demandes WHERE reference = '{reference}'"),
        )
        .await
        .flatten();
        let expected = (siret == Some("73282932000074")).then(|| "ÉLECTRICITÉ DU RHÔNE".to_string());
        assert_eq!(stored, expected, "{email}: what the register said is kept with the request");
    }
}

on_both_engines!(emails_name_the_company_as_the_register_does);
