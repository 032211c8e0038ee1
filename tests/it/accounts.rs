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
        // A bassin's coordinator: a list of lycées, no académie.
        ("bassin", app.account("acteur.bassin@ac-lyon.fr", Role::Coordinateur, &[&place.lyon], None).await),
        ("bassin_autre", app.account("acteur.bassin2@ac-lyon.fr", Role::Coordinateur, &[&place.lyon2], None).await),
        ("admin", app.account("acteur.admin@education.gouv.fr", Role::Admin, &[], None).await),
    ];
    let mut browsers = Vec::new();
    for (name, id) in &actors {
        browsers.push((*name, app.signed_in(id).await));
    }
    use After::*;
    // Per action, per actor (rbe, coord, coord_autre, bassin, bassin_autre,
    // admin), per target (TARGETS order): the status and what becomes of
    // the target.
    let invite_ok =
        [(200, Same), (200, GainsLycee), (200, GainsLycee), (422, Same), (422, Same), (422, Same), (200, Created)];
    let import_ok = invite_ok;
    // A request to join the Lyon lycée, pending for the target's address
    // (written before the account became what it is): accepting only ever
    // adds the lycée to a business officer's account, or creates one.
    let accept_ok =
        [(303, Same), (303, GainsLycee), (303, GainsLycee), (303, Same), (303, Same), (303, Same), (303, Created)];
    let all = |status: u16| [(status, Same); 7];
    let admin_only = |row: Row| [all(404), all(404), all(404), all(404), all(404), row];
    let table: Vec<(&str, [Row; 6])> = vec![
        ("inviter", [all(404), invite_ok, all(422), invite_ok, all(422), invite_ok]),
        ("importer", [all(404), import_ok, all(422), import_ok, all(422), import_ok]),
        ("accepter", [all(404), accept_ok, all(404), accept_ok, all(404), accept_ok]),
        ("refuser", [all(404), all(303), all(404), all(303), all(404), all(303)]),
        (
            "desactiver",
            admin_only([
                (200, Deactivated),
                (200, Deactivated),
                (200, Deactivated),
                (200, Deactivated),
                (200, Deactivated),
                (200, Same),
                (404, Same),
            ]),
        ),
        (
            "reactiver",
            admin_only([
                (200, Same),
                (200, Same),
                (200, Same),
                (200, Same),
                (200, Same),
                (200, Reactivated),
                (404, Same),
            ]),
        ),
        (
            "changer_role",
            admin_only([
                (200, BecomesAdmin),
                (200, BecomesAdmin),
                (200, BecomesAdmin),
                (200, BecomesAdmin),
                (200, Same),
                (200, BecomesAdmin),
                (404, Same),
            ]),
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
                    "accepter" | "refuser" => {
                        let id = pending_request(&app, &email, &place.lyon).await;
                        let path = format!("/espace/equipe/adhesions/{id}/{action}");
                        app.submit_form_as(browser, "/espace", &path, &[]).await.0
                    }
                    _ => {
                        // The router's real routes, so that the 404 of an
                        // account that does not exist is the handler's.
                        let verb = match *action {
                            "desactiver" => "retirer",
                            "reactiver" => "reactiver",
                            _ => "role",
                        };
                        let id = match before {
                            Some(_) => id_of(&app, &email).await,
                            None => "inconnu".to_string(),
                        };
                        let path = format!("/admin/comptes/{id}/{verb}");
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
    let own = format!("/admin/comptes/{}/role", actors[5].1);
    let (status, _, html) = app.submit_form_as(&browsers[5].1, "/admin", &own, &[("role", "rbe")]).await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(state_of(&app, "acteur.admin@education.gouv.fr").await.map(|s| s.role), Some("admin"));
    // Every change of role or state is in the audit log.
    let log = monlyceepro::storage::accounts::audit(&app.db, 1000).await.expect("journal");
    for action in [
        "role_modifie",
        "compte_reactive",
        "compte_desactive",
        "lycee_attribue",
        "compte_cree",
        "adhesion_acceptee",
        "adhesion_refusee",
        "adhesion_sans_effet",
    ] {
        assert!(log.iter().any(|l| l.action == action), "{action} absent du journal");
    }
}
on_both_engines!(account_management_matrix);

/// A pending request to join `uai` from `email`, as if written before the
/// address's account became what it is; its id.
async fn pending_request(app: &TestApp, email: &str, uai: &str) -> String {
    let row = monlyceepro::storage::accounts::AdhesionRow {
        id: format!("adhesion-{email}"),
        email: email.to_string(),
        prenom: Some("Léa".into()),
        nom: Some("Durand".into()),
        uai: uai.to_string(),
        statut: monlyceepro::accounts::JoinStatus::EnAttente,
        cree_le: monlyceepro::clock::now_rfc3339(),
        decide_le: None,
        decide_par: None,
    };
    let mut tx = app.db.begin().await.expect("transaction");
    monlyceepro::storage::accounts::insert_adhesion(&mut tx, &row).await.expect("demande d'accès");
    tx.commit().await.expect("commit");
    row.id
}

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
    crate::support::prefer_directory(&app.db).await;
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

/// Two administrators act on one account at the same moment — one changes
/// its role while the other deactivates it, or reactivates it: both
/// changes hold, each in the audit log. (Each action used to write every
/// column of a row it had read before the other committed, so the second
/// silently undid the first.)
async fn simultaneous_admin_actions_both_hold(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let lyon = app.state.search.index().lycees.iter().find(|l| l.departement == "69").expect("Lyon").uai.clone();
    let accounts = &app.state.accounts;
    let now = time::OffsetDateTime::now_utc();
    let admin_id = app.account("admin.a@education.gouv.fr", Role::Admin, &[], None).await;
    let admin = accounts.open_session(&admin_id, "test", now).await.expect("base").expect("session").1;
    for round in 0..6 {
        let email = format!("cible.{round}@ac-lyon.fr");
        let id = app.account(&email, Role::Rbe, &[&lyon], None).await;
        let (changed, revoked) = tokio::join!(
            accounts.change_role(&id, Role::Coordinateur, Some("Lyon"), &admin, now),
            accounts.revoke(&id, None, "admin.b@education.gouv.fr", now),
        );
        changed.expect("base").expect("rôle changé");
        assert!(revoked.expect("base"), "round {round}: deactivated");
        let s = state_of(&app, &email).await.expect("compte");
        assert_eq!((s.role, s.actif), ("coordinateur", false), "round {round}: both changes hold");

        let (changed, reactivated) = tokio::join!(
            accounts.change_role(&id, Role::Admin, None, &admin, now),
            accounts.reactivate(&id, &admin, now),
        );
        changed.expect("base").expect("rôle changé");
        assert!(reactivated.expect("base"), "round {round}: reactivated");
        let s = state_of(&app, &email).await.expect("compte");
        assert_eq!((s.role, s.actif), ("admin", true), "round {round}: both changes hold");
        let log = monlyceepro::storage::accounts::audit(&app.db, 1000).await.expect("journal");
        for action in ["role_modifie", "compte_desactive", "compte_reactive"] {
            let n = log.iter().filter(|l| l.cible == email && l.action == action).count();
            let want = if action == "role_modifie" { 2 } else { 1 };
            assert_eq!(n, want, "round {round}: {action} logged");
        }
    }
}
on_both_engines!(simultaneous_admin_actions_both_hold);

/// Asking to join and asking for a sign-in link answer before anything is
/// written: while the database cannot take a write, each form still
/// answers at once, with the same page whoever the address belongs to (a
/// member, a coordinator, an unknown address); the emails follow once the
/// database is free. So neither what the page says nor how long it takes
/// tells who has an account.
async fn asking_answers_before_any_write(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let lyon = app.state.search.index().lycees.iter().find(|l| l.departement == "69").expect("Lyon").uai.clone();
    app.account("membre@ac-lyon.fr", Role::Rbe, &[&lyon], None).await;
    app.account("coordination@ac-lyon.fr", Role::Coordinateur, &[], Some("Lyon")).await;
    let addresses = ["membre@ac-lyon.fr", "coordination@ac-lyon.fr", "personne@ac-lyon.fr"];
    let visitor = app.new_client();
    // Hold the write lock of what both forms write (the outbox).
    let mut lock = app.db.begin().await.expect("transaction");
    if engine == Engine::Postgres {
        monlyceepro::storage::execute(&mut lock, "LOCK TABLE outbox IN EXCLUSIVE MODE").await.expect("verrou");
    }
    for form in ["/rejoindre", "/connexion"] {
        let mut pages = Vec::new();
        for email in addresses {
            let fields = [("email", email), ("nom", "Martin"), ("uai", lyon.as_str())];
            let asked = tokio::time::timeout(
                std::time::Duration::from_secs(3),
                app.submit_form_as(&visitor, form, form, &fields),
            )
            .await;
            let (status, _, html) = asked.unwrap_or_else(|_| panic!("{form} {email}: no answer while writes wait"));
            assert_eq!(status, 200, "{form} {email}: {html}");
            pages.push(html.replace(email, "ADRESSE"));
        }
        assert!(pages.windows(2).all(|w| w[0] == w[1]), "{form}: the page differs between addresses");
    }
    let queued_for = |email: &'static str| {
        let db = app.db.clone();
        async move {
            let sql = "SELECT COUNT(*) FROM outbox WHERE destinataire = $1";
            match &db {
                monlyceepro::storage::Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).bind(email).fetch_one(p).await,
                monlyceepro::storage::Db::Postgres(p) => {
                    sqlx::query_scalar::<_, i64>(sql).bind(email).fetch_one(p).await
                }
            }
            .expect("outbox")
        }
    };
    for email in addresses {
        assert_eq!(queued_for(email).await, 0, "{email}: nothing written yet");
    }
    lock.commit().await.expect("fin du verrou");
    // Then each address gets what it should: the join outcome for all, a
    // sign-in link for the two accounts, and the lycée's member the
    // request of the unknown address to accept or refuse.
    for (email, want) in [(addresses[0], 3), (addresses[1], 2), (addresses[2], 1)] {
        let mut n = 0;
        for _ in 0..100 {
            n = queued_for(email).await;
            if n >= want {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(n, want, "{email}: emails queued after the answer");
    }
}
on_both_engines!(asking_answers_before_any_write);
