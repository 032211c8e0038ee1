//! Account management, as an attacker and as each role would try it:
//! every role × every way of changing an account (invite, import a CSV,
//! ask to join and confirm, revoke, reactivate, change the role) against
//! every kind of target account. The rule: bringing someone in *adds a
//! lycée to an account*; it never changes what an existing account is.
//! Only an administrator changes a role, reactivates or revokes.

use crate::on_both_engines;
use crate::support::{Engine, TestApp};
use monlyceepro::accounts::Role;

/// What an account is: role, académie, active, lycées.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    role: &'static str,
    academie: Option<String>,
    actif: bool,
    lycees: Vec<String>,
}

async fn state_of(app: &TestApp, email: &str) -> Option<State> {
    let all = app.state.accounts.list().await.expect("comptes");
    all.into_iter().find(|(a, _, _)| a.email == email).map(|(a, actif, _)| State {
        role: a.role.code(),
        academie: a.academie.clone(),
        actif,
        lycees: a.lycees.clone(),
    })
}

/// The kinds of target accounts.
const TARGETS: [&str; 7] =
    ["meme_lycee", "autre_lycee", "autre_academie", "coordinateur", "admin", "desactive", "aucun"];

/// The lycées of the story: two in Lyon, one in Paris.
struct Place {
    lyon: String,
    lyon2: String,
    paris: String,
}

/// Creates a fresh target of `kind` (an address of its own); its email.
async fn target(app: &TestApp, place: &Place, kind: &str, n: usize) -> String {
    let email = format!("{kind}.{n}@ac-lyon.fr");
    match kind {
        "meme_lycee" => {
            app.account(&email, Role::Rbe, &[&place.lyon], None).await;
        }
        "autre_lycee" => {
            app.account(&email, Role::Rbe, &[&place.lyon2], None).await;
        }
        "autre_academie" => {
            app.account(&email, Role::Rbe, &[&place.paris], None).await;
        }
        "coordinateur" => {
            app.account(&email, Role::Coordinateur, &[], Some("Grenoble")).await;
        }
        "admin" => {
            app.account(&email, Role::Admin, &[], None).await;
        }
        "desactive" => {
            let id = app.account(&email, Role::Rbe, &[&place.lyon2], None).await;
            app.state.accounts.revoke(&id, None, "test", time::OffsetDateTime::now_utc()).await.expect("désactivé");
        }
        _ => {}
    }
    email
}

async fn id_of(app: &TestApp, email: &str) -> String {
    app.state
        .accounts
        .list()
        .await
        .expect("comptes")
        .into_iter()
        .find(|(a, _, _)| a.email == email)
        .expect("compte")
        .0
        .id
}

/// One actor's expectations, per kind of target (the order of [`TARGETS`]).
type Row = [(u16, After); 7];

/// What the cell expects of the target after the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// Exactly as before.
    Same,
    /// The Lyon lycée added, nothing else changed.
    GainsLycee,
    /// A new business officer's account of the Lyon lycée.
    Created,
    Deactivated,
    Reactivated,
    BecomesAdmin,
}

fn expected(before: &Option<State>, after: After, lyon: &str) -> Option<State> {
    let mut s = before.clone();
    match after {
        After::Same => {}
        After::GainsLycee => {
            let st = s.as_mut().expect("compte");
            if !st.lycees.iter().any(|l| l == lyon) {
                st.lycees.push(lyon.to_string());
                st.lycees.sort();
            }
        }
        After::Created => {
            s = Some(State { role: "rbe", academie: None, actif: true, lycees: vec![lyon.to_string()] });
        }
        After::Deactivated => s.as_mut().expect("compte").actif = false,
        After::Reactivated => s.as_mut().expect("compte").actif = true,
        After::BecomesAdmin => {
            let st = s.as_mut().expect("compte");
            st.role = "admin";
            st.academie = None;
        }
    }
    s
}

async fn account_management_matrix(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let index = app.state.search.index();
    let mut lyon = index.lycees.iter().filter(|l| l.departement == "69").map(|l| l.uai.clone());
    let place = Place {
        lyon: lyon.next().expect("lycée de Lyon"),
        lyon2: lyon.next().expect("lycée de Lyon"),
        paris: index.lycees.iter().find(|l| l.departement == "75").expect("Paris").uai.clone(),
    };
    drop(index);
    let actors = [
        ("rbe", app.account("acteur.rbe@ac-lyon.fr", Role::Rbe, &[&place.lyon], None).await),
        ("coord", app.account("acteur.coord@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await),
        ("coord_autre", app.account("acteur.coord@ac-paris.fr", Role::Coordinateur, &[], Some("Paris")).await),
        ("admin", app.account("acteur.admin@education.gouv.fr", Role::Admin, &[], None).await),
    ];
    let mut browsers = Vec::new();
    for (name, id) in &actors {
        browsers.push((*name, app.signed_in(id).await));
    }
    use After::*;
    // Per action, per actor (rbe, coord, coord_autre, admin), per target
    // (TARGETS order): the status and what becomes of the target.
    let invite_ok =
        [(200, Same), (200, GainsLycee), (200, GainsLycee), (422, Same), (422, Same), (422, Same), (200, Created)];
    let import_ok = invite_ok;
    let all = |status: u16| [(status, Same); 7];
    let table: Vec<(&str, [Row; 4])> = vec![
        ("inviter", [all(404), invite_ok, all(422), invite_ok]),
        ("importer", [all(404), import_ok, all(422), import_ok]),
        (
            "desactiver",
            [
                all(404),
                all(404),
                all(404),
                [
                    (200, Deactivated),
                    (200, Deactivated),
                    (200, Deactivated),
                    (200, Deactivated),
                    (200, Deactivated),
                    (200, Same),
                    (404, Same),
                ],
            ],
        ),
        (
            "reactiver",
            [
                all(404),
                all(404),
                all(404),
                [(200, Same), (200, Same), (200, Same), (200, Same), (200, Same), (200, Reactivated), (404, Same)],
            ],
        ),
        (
            "changer_role",
            [
                all(404),
                all(404),
                all(404),
                [
                    (200, BecomesAdmin),
                    (200, BecomesAdmin),
                    (200, BecomesAdmin),
                    (200, BecomesAdmin),
                    (200, Same),
                    (200, BecomesAdmin),
                    (404, Same),
                ],
            ],
        ),
    ];
    let mut n = 0;
    for (action, per_actor) in &table {
        for ((actor, browser), cells) in browsers.iter().zip(per_actor) {
            for (kind, (want_status, after)) in TARGETS.iter().zip(cells) {
                n += 1;
                let email = target(&app, &place, kind, n).await;
                let before = state_of(&app, &email).await;
                let status = match *action {
                    "inviter" => {
                        let (path, page) = if *actor == "admin" {
                            ("/admin/invitations", "/admin")
                        } else {
                            ("/espace/equipe/invitations", "/espace")
                        };
                        let fields = [("email", email.as_str()), ("lycees", place.lyon.as_str()), ("role", "rbe")];
                        app.submit_form_as(browser, page, path, &fields).await.0
                    }
                    "importer" => {
                        let csv = format!("UAI;Prénom;Nom;Email;Rôle\n{};Léa;Durand;{email};rbe\n", place.lyon);
                        upload(&app, browser, csv).await
                    }
                    _ => {
                        let path = match before {
                            Some(_) => {
                                let id = id_of(&app, &email).await;
                                let verb = match *action {
                                    "desactiver" => "retirer",
                                    "reactiver" => "reactiver",
                                    _ => "role",
                                };
                                format!("/admin/comptes/{id}/{verb}")
                            }
                            None => format!("/admin/comptes/inconnu/{action}"),
                        };
                        app.submit_form_as(browser, "/espace", &path, &[("role", "admin"), ("academie", "")]).await.0
                    }
                };
                assert_eq!(status, *want_status, "{actor} {action} {kind}");
                let now = state_of(&app, &email).await;
                assert_eq!(now, expected(&before, *after, &place.lyon), "{actor} {action} {kind}: {before:?}");
            }
        }
    }
    // Nobody changes their own account from the administration page.
    let own = format!("/admin/comptes/{}/role", actors[3].1);
    let (status, _, html) = app.submit_form_as(&browsers[3].1, "/admin", &own, &[("role", "rbe")]).await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(state_of(&app, "acteur.admin@education.gouv.fr").await.map(|s| s.role), Some("admin"));
    // Every change of role or state is in the audit log.
    let log = monlyceepro::storage::accounts::audit(&app.db, 1000).await.expect("journal");
    for action in ["role_modifie", "compte_reactive", "compte_desactive", "lycee_attribue", "compte_cree"] {
        assert!(log.iter().any(|l| l.action == action), "{action} absent du journal");
    }
}
on_both_engines!(account_management_matrix);

/// Uploads a CSV import as the person of `browser`; the status.
async fn upload(app: &TestApp, browser: &reqwest::Client, csv: String) -> u16 {
    let html = browser.get(format!("{}/espace", app.base)).send().await.expect("page").text().await.expect("corps");
    let csrf = crate::support::csrf_of(&html).expect("csrf");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("fichier", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("equipe.csv"));
    browser
        .post(format!("{}/espace/equipe/import", app.base))
        .multipart(form)
        .send()
        .await
        .expect("envoi")
        .status()
        .as_u16()
}

/// Asking to join without signing in, then the lycée's signed link, for
/// every kind of address: the form answers the same for all (nobody
/// learns who has an account), each address is told by email what became
/// of it, and an accepted request only ever adds the lycée to a business
/// officer's account.
async fn joining_never_changes_an_account(engine: Engine) {
    let smtp = crate::support::SmtpSink::start();
    let app = TestApp::spawn_with(
        engine,
        crate::support::Options { smtp_url: Some(smtp.url.clone()), worker: true, ..Default::default() },
    )
    .await;
    let index = app.state.search.index();
    let mut lyon = index.lycees.iter().filter(|l| l.departement == "69").map(|l| l.uai.clone());
    let place = Place {
        lyon: lyon.next().expect("lycée de Lyon"),
        lyon2: lyon.next().expect("lycée de Lyon"),
        paris: index.lycees.iter().find(|l| l.departement == "75").expect("Paris").uai.clone(),
    };
    drop(index);
    crate::support::exec(
        &app.db,
        &format!("UPDATE lycees SET email = 'ce.lycee@ac-lyon.fr' WHERE uai = '{}'", place.lyon),
    )
    .await;
    let coord =
        app.signed_in(&app.account("coord.rejoindre@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await).await;
    let paris_coord =
        app.signed_in(&app.account("coord.rejoindre@ac-paris.fr", Role::Coordinateur, &[], Some("Paris")).await).await;
    let rbe = app.signed_in(&app.account("rbe.rejoindre@ac-lyon.fr", Role::Rbe, &[&place.lyon], None).await).await;
    let visitor = app.new_client();
    // What the requester is told by email, per target.
    let told = [
        ("meme_lycee", "Vous avez déjà accès"),
        ("autre_lycee", "est transmise au lycée"),
        ("autre_academie", "est transmise au lycée"),
        ("coordinateur", "ne peut pas être rattaché"),
        ("admin", "ne peut pas être rattaché"),
        ("desactive", "ne peut pas être rattaché"),
        ("aucun", "est transmise au lycée"),
    ];
    let mut pages = Vec::new();
    for (n, (kind, message)) in told.iter().enumerate() {
        let email = target(&app, &place, kind, 100 + n).await;
        let before = state_of(&app, &email).await;
        let (status, _, html) = app
            .submit_form_as(
                &visitor,
                "/rejoindre",
                "/rejoindre",
                &[("email", &email), ("nom", "Martin"), ("uai", &place.lyon)],
            )
            .await;
        assert_eq!(status, 200, "{kind}");
        pages.push(html.replace(&email, "ADRESSE").split("name=\"csrf\"").next().unwrap_or_default().to_string());
        let mail = smtp.wait_for(1, |m| m.to.iter().any(|t| t == &email)).await;
        assert!(mail[0].text().contains(message), "{kind}: {}", mail[0].text());
        let pending: Vec<String> = monlyceepro::storage::accounts::pending_adhesions(&app.db, None)
            .await
            .expect("demandes")
            .into_iter()
            .filter(|a| a.email == email)
            .map(|a| a.id)
            .collect();
        let accepted = matches!(*kind, "autre_lycee" | "autre_academie" | "aucun");
        assert_eq!(pending.len(), usize::from(accepted), "{kind}: a request only where one can be accepted");
        if let Some(id) = pending.first() {
            // Who may confirm: the académie's coordinator, not another
            // académie's, not a business officer.
            let accept = format!("/espace/equipe/adhesions/{id}/accepter");
            assert_eq!(app.submit_form_as(&paris_coord, "/espace", &accept, &[]).await.0, 404, "{kind}");
            assert_eq!(app.submit_form_as(&rbe, "/espace", &accept, &[]).await.0, 404, "{kind}");
            let (status, location, _) = app.submit_form_as(&coord, "/espace/equipe", &accept, &[]).await;
            assert_eq!((status, location.as_deref()), (303, Some("/espace/equipe?fait=acceptee")), "{kind}");
            let after = if before.is_some() { After::GainsLycee } else { After::Created };
            assert_eq!(state_of(&app, &email).await, expected(&before, after, &place.lyon), "{kind}");
        } else {
            assert_eq!(state_of(&app, &email).await, before, "{kind}");
        }
    }
    // The page says the same thing whoever the address belongs to.
    assert!(pages.windows(2).all(|w| w[0] == w[1]), "the page differs between addresses");

    // An address that became an administrator between the request and
    // the lycée's answer: accepting changes nothing.
    let email = "promue@ac-lyon.fr";
    app.submit_form_as(&visitor, "/rejoindre", "/rejoindre", &[("email", email), ("uai", &place.lyon)]).await;
    let mails = smtp.wait_for(1, |m| m.header("Subject").contains(email)).await;
    app.account(email, Role::Admin, &[], None).await;
    let text = mails[0].text();
    let start = text.find("/rejoindre/").expect("lien");
    let link: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    let (status, _, html) = app.submit_form_as(&visitor, &link, &link, &[("decision", "accepter")]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Rien n&#39;a changé"), "{html}");
    let s = state_of(&app, email).await.expect("compte");
    assert_eq!((s.role, s.lycees.len()), ("admin", 0));

    // Names that would rewrite the lycée's email are refused.
    for (field, bad) in
        [("nom", "Martin\nCliquez : https://evil.example"), ("prenom", "Zoé evil.com"), ("nom", "\u{202e}nitraM")]
    {
        let (status, _, html) = app
            .submit_form_as(
                &visitor,
                "/rejoindre",
                "/rejoindre",
                &[("email", "x@ac-lyon.fr"), (field, bad), ("uai", &place.lyon)],
            )
            .await;
        assert_eq!(status, 422, "{bad:?}");
        assert!(html.contains("Nom :") || html.contains("Prénom :"), "{html}");
    }
}
on_both_engines!(joining_never_changes_an_account);

/// Signing out of this device ends that session only; signing out of every
/// device ends them all. Both are in the audit log.
async fn signing_out_here_or_everywhere(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let id = app.account("deux.appareils@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await;
    let now = time::OffsetDateTime::now_utc();
    let accounts = &app.state.accounts;
    let open = || async { accounts.open_session(&id, "test", now).await.expect("base").expect("session").0 };
    let (phone, laptop) = (open().await, open().await);
    let agent = accounts.session(&phone, now).await.expect("base").expect("connecté");
    assert!(accounts.sign_out_here(&agent, &phone, now).await.expect("déconnexion"));
    assert!(accounts.session(&phone, now).await.expect("base").is_none(), "this device is signed out");
    assert!(accounts.session(&laptop, now).await.expect("base").is_some(), "the other one is not");
    // Another account's token cannot be ended this way.
    let other = app.account("autre@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await;
    let theirs = accounts.open_session(&other, "test", now).await.expect("base").expect("session").0;
    assert!(!accounts.sign_out_here(&agent, &theirs, now).await.expect("déconnexion"));
    assert!(accounts.session(&theirs, now).await.expect("base").is_some());

    let tablet = open().await;
    assert_eq!(accounts.sign_out_everywhere(&agent, now).await.expect("déconnexion"), 2);
    for token in [&laptop, &tablet] {
        assert!(accounts.session(token, now).await.expect("base").is_none());
    }
}
on_both_engines!(signing_out_here_or_everywhere);
