//! Search in company words against the real catalogue, on both engines.

use crate::on_both_engines;
use crate::support::{Engine, catalogue_db};
use monlyceepro::search::SearchIndex;

/// Checks a labelled file of the brief: for every line, one of the listed
/// ROME codes is among the first three jobs understood. Returns the number
/// of lines read.
fn check_queries(index: &SearchIndex, file: &str) -> usize {
    let path = format!("{}/../shared/brief/{file}", env!("CARGO_MANIFEST_DIR"));
    let tsv = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut failures = Vec::new();
    let mut lines = 0;
    for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (query, codes) = line.split_once('\t').expect("query<TAB>codes");
        let accepted: Vec<&str> = codes.split(',').map(str::trim).collect();
        let top: Vec<String> =
            index.understand(query).jobs.iter().take(3).map(|j| format!("{} {}", j.rome, j.libelle)).collect();
        eprintln!("{query:30} → {top:?}");
        if !top.iter().any(|t| accepted.iter().any(|a| t.starts_with(a))) {
            failures.push(format!("« {query} » → {top:?}, attendu l'un de {accepted:?}"));
        }
        lines += 1;
    }
    assert!(failures.is_empty(), "{file} : {} requête(s) mal comprise(s) :\n{}", failures.len(), failures.join("\n"));
    lines
}

/// `../shared/brief/search-queries.tsv` (job words) and
/// `search-queries-sectors.tsv` (sector, field and diploma words): for every
/// line, one of the listed ROME codes is among the first three jobs
/// understood.
async fn understands_the_reference_queries(engine: Engine) {
    let t = catalogue_db(engine).await;
    let index = SearchIndex::build(&t.db, 1).await.expect("index");
    assert!(check_queries(&index, "search-queries.tsv") >= 14);
    assert!(check_queries(&index, "search-queries-sectors.tsv") >= 15);
}

on_both_engines!(understands_the_reference_queries);

/// The understanding of words on the national catalogue: jobs taught come
/// first, every acronym of the table finds its diplomas, related jobs are
/// taught and related by the diplomas. (SQLite only: the index is the same
/// on both engines, `understands_the_reference_queries` checks both.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn understanding_on_the_national_catalogue() {
    let t = catalogue_db(Engine::Sqlite).await;
    let index = SearchIndex::build(&t.db, 1).await.expect("index");
    let taught = |rome: &str| index.vocabulary.lycees_teaching(rome) > 0;

    // A job taught nowhere is never first when the words fit a taught one.
    for words in [
        "gros oeuvre",
        "travaux publics",
        "manoeuvre",
        "manœuvre maçon",
        "commerce",
        "soins",
        "mécanique",
        "cariste",
        "électricien",
        "ingénieur électricien",
        "BTP",
        "restauration",
        "industrie",
    ] {
        let u = index.understand(words);
        let first = u.jobs.first().unwrap_or_else(|| panic!("« {words} » : aucun métier"));
        assert!(taught(&first.rome), "« {words} » → {} {} n'est enseigné nulle part", first.rome, first.libelle);
    }

    // Sector words are fields.
    for (words, of) in [
        ("BTP", "du bâtiment et des travaux publics"),
        ("bâtiment", "du bâtiment et des travaux publics"),
        ("restauration", "de l'hôtellerie-restauration"),
        ("industrie", "de l'industrie"),
        ("soins", "du soin et de la santé"),
        ("commerce", "du commerce et de la vente"),
        ("mécanique", "de la mécanique"),
        ("gros oeuvre", "du gros œuvre"),
        ("travaux publics", "des travaux publics"),
        ("second oeuvre", "du second œuvre"),
        ("soins paramédicaux", "du soin et de la santé"),
        ("engins de chantier", "du domaine « Engins de chantier »"),
    ] {
        let u = index.understand(words);
        let field = u.field.and_then(|f| index.vocabulary.fields.get(f));
        assert_eq!(field.map(|f| f.of.as_str()), Some(of), "« {words} »");
        assert!(field.is_some_and(|f| f.romes.iter().all(|r| taught(r))), "« {words} »");
    }
    for words in ["électricien du bâtiment", "plombier", "boulanger", "aide-soignante"] {
        assert!(index.understand(words).field.is_none(), "« {words} » est un métier");
    }

    // Every acronym of the table finds diplomas of the catalogue, with jobs.
    for a in domain::diplomas::ACRONYMS {
        let u = index.understand(a.acronym);
        assert!(!u.specialties.is_empty(), "« {} » ne trouve aucun diplôme", a.acronym);
        assert!(!u.jobs.is_empty(), "« {} » ne mène à aucun métier", a.acronym);
    }
    let assp = index.understand("bac pro ASSP");
    let label = &index.vocabulary.specialties[assp.specialties[0]].label;
    assert!(label.contains("accompagnement, soins et services à la personne"), "{label}");
    // The lycées teaching the Bac pro ASSP (old codes) prepare for the
    // aide-soignant job of its 2025 version.
    assert!(index.vocabulary.lycees_teaching("J1501") > 400, "{}", index.vocabulary.lycees_teaching("J1501"));

    // Related jobs: taught, and not random neighbours of the words.
    for rome in ["F1602", "D1102", "J1501", "N1101", "F1704", "K2402"] {
        for (id, s) in index.kinship.related(domain::matching::rome_id(rome)) {
            let r = domain::matching::rome_code(*id);
            assert!(taught(&r), "{rome} → {r} n'est enseigné nulle part");
            assert!(*s > 0.0 && *s <= 1.0);
        }
    }
    let related = |words: &str| -> Vec<String> {
        let kept: Vec<(String, f64)> =
            SearchIndex::kept_jobs(&index.understand(words).jobs).iter().map(|j| (j.rome.clone(), j.score)).collect();
        index.related_jobs(&kept, 5).into_iter().map(|j| j.rome).collect()
    };
    let electricien = related("électricien");
    assert!(!electricien.iter().any(|r| r == "K2402" || r == "I1604"), "{electricien:?}");
    assert!(electricien.iter().any(|r| r == "H1504" || r == "F1605" || r == "I1309"), "{electricien:?}");
    let boulangerie = related("boulangerie");
    assert!(!boulangerie.iter().any(|r| r.starts_with("M13")), "{boulangerie:?}");
    assert!(boulangerie.contains(&"D1104".to_string()), "{boulangerie:?}");
    // Care of persons (K1301 accompagnement médicosocial, K1302 assistance
    // auprès d'adultes): since the Bac pro ASSP's two options are counted
    // as their renewed single diploma, K1301 comes first.
    let care = related("aide-soignante");
    assert!(care.iter().any(|r| r == "K1301" || r == "K1302"), "{care:?}");
}

use crate::support::TestApp;
use serde_json::Value;

fn romes_of(v: &Value) -> Vec<String> {
    v["interpretation"]["metiers"]
        .as_array()
        .expect("metiers")
        .iter()
        .map(|m| m["rome"].as_str().expect("rome").to_string())
        .collect()
}

/// A company in Lyon looking for electricians: lycées teaching electricity
/// within the radius, exact matches first, then by distance.
async fn finds_lycees_for_company_words(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (s, r) = app.get_json("/api/v1/recherche?q=electricien&commune=69123&rayon_km=30").await;
    assert_eq!(s, 200);
    assert!(romes_of(&r).contains(&"F1602".to_string()), "{}", r["interpretation"]);
    assert_eq!(r["interpretation"]["commune"], serde_json::json!({"code_insee": "69123", "nom": "Lyon"}));
    assert_eq!(r["interpretation"]["rayon_km"], 30.0);
    let results = r["resultats"].as_array().expect("resultats");
    assert!(r["total"].as_u64().is_some_and(|t| t >= 10), "{}", r["total"]);
    assert!(results.iter().any(|x| x["uai"] == "0690043X"));
    let mut last = (f64::MAX, 0.0);
    for x in results {
        let d = x["distance_km"].as_f64().expect("distance");
        let score = x["score"].as_f64().expect("score");
        assert!(d <= 30.0, "within the radius");
        let corr = x["correspondances"].as_array().expect("correspondances");
        assert!(!corr.is_empty(), "every result says why it matches");
        for c in corr {
            for key in ["cfd", "libelle", "niveau", "rome", "metier"] {
                assert!(c[key].is_string(), "{key} in {c}");
            }
            assert!(c["exacte"].is_boolean());
        }
        // Relevance first, then distance.
        assert!(score < last.0 || (score == last.0 && d >= last.1), "order: {score} {d} after {last:?}");
        last = (score, d);
    }
    // Exact matches rank above same-domain ones.
    let first_partial = results.iter().position(|x| x["score"].as_f64() < Some(0.6));
    if let Some(i) = first_partial {
        assert!(
            results[..i].iter().all(|x| x["correspondances"]
                .as_array()
                .expect("c")
                .iter()
                .any(|c| c["exacte"] == true))
        );
    }

    // Jobs named directly replace the words.
    let (_, named) = app.get_json("/api/v1/recherche?rome=F1602,F1603&commune=69123").await;
    assert_eq!(romes_of(&named), ["F1602", "F1603"]);
    // Typos, no accents, feminine forms.
    for q in ["electricein", "ELECTRICIENNE", "%C3%A9lectriciens"] {
        let (_, r) = app.get_json(&format!("/api/v1/recherche?q={q}&commune=69123")).await;
        assert!(
            romes_of(&r).iter().any(|x| x.starts_with("F16") || x.starts_with("I13")),
            "{q}: {}",
            r["interpretation"]
        );
    }
    // Sector words find jobs too.
    let (_, bakery) = app.get_json("/api/v1/recherche?q=boulangerie&commune=75056&rayon_km=20").await;
    assert_eq!(romes_of(&bakery)[0], "D1102");
    assert!(bakery["total"].as_u64() > Some(0));
    // Whole cities with arrondissements work as places; a point too.
    let (_, marseille) = app.get_json("/api/v1/recherche?q=cuisinier&commune=13055&rayon_km=10").await;
    assert!(marseille["total"].as_u64() > Some(0));
    let (s, point) = app.get_json("/api/v1/recherche?q=cuisinier&lat=45.76&lon=4.83&rayon_km=10").await;
    assert_eq!(s, 200);
    assert!(point["interpretation"]["commune"].is_null() && point["interpretation"]["position"].is_object());
    // Levels and sector filter.
    let (_, cap) = app.get_json("/api/v1/recherche?q=electricien&commune=69123&niveau=cap&par_page=100").await;
    for x in cap["resultats"].as_array().expect("r") {
        assert!(x["correspondances"].as_array().expect("c").iter().all(|c| c["niveau"] == "cap"));
    }
    let (_, private) = app.get_json("/api/v1/recherche?q=electricien&commune=69123&secteur=prive&par_page=100").await;
    assert!(private["resultats"].as_array().expect("r").iter().all(|x| x["secteur"] == "prive"));
    // Empty words: every lycée in the radius, nearest first.
    let (_, all) = app.get_json("/api/v1/recherche?commune=69123&rayon_km=5&par_page=100").await;
    let d: Vec<f64> =
        all["resultats"].as_array().expect("r").iter().map(|x| x["distance_km"].as_f64().expect("d")).collect();
    assert!(!d.is_empty() && d.windows(2).all(|w| w[0] <= w[1]) && d.iter().all(|x| *x <= 5.0));
    // Pagination: pages do not overlap.
    let (_, p1) = app.get_json("/api/v1/recherche?q=cuisinier&commune=75056&par_page=5").await;
    let (_, p2) = app.get_json("/api/v1/recherche?q=cuisinier&commune=75056&par_page=5&page=2").await;
    let uais = |v: &Value| v["resultats"].as_array().expect("r").iter().map(|x| x["uai"].clone()).collect::<Vec<_>>();
    assert!(uais(&p1).iter().all(|u| !uais(&p2).contains(u)));
}

async fn search_bad_input(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // A clear message or an empty result, never a 5xx.
    for (path, status) in [
        ("/api/v1/recherche?q=electricien&commune=99999", 404),
        ("/api/v1/recherche?q=electricien&commune=lyon", 400),
        ("/api/v1/recherche?q=electricien&commune=69123&rayon_km=0", 400),
        ("/api/v1/recherche?q=electricien&commune=69123&rayon_km=-1", 400),
        ("/api/v1/recherche?q=electricien&commune=69123&rayon_km=201", 400),
        ("/api/v1/recherche?q=electricien&commune=69123&rayon_km=loin", 400),
        ("/api/v1/recherche?q=electricien&page=0", 400),
        ("/api/v1/recherche?q=electricien&par_page=101", 400),
        ("/api/v1/recherche?rome=Z9999", 400),
        ("/api/v1/recherche?rome=A9999", 400),
        ("/api/v1/recherche?q=x&niveau=licence", 400),
        ("/api/v1/recherche?q=x&secteur=associatif", 400),
        ("/api/v1/recherche?q=x&action=stage", 400),
        ("/api/v1/recherche?q=x&lat=45", 400),
        ("/api/v1/recherche?q=x&lat=95&lon=4", 400),
    ] {
        let (s, b) = app.get_json(path).await;
        assert_eq!(s, status, "{path}: {b}");
        assert!(b["erreur"]["message"].is_string(), "{path}");
    }
    let long = "électricien ".repeat(100);
    let (s, _) = app.get_json(&format!("/api/v1/recherche?q={long}")).await;
    assert_eq!(s, 400, "1,000 characters");
    for q in [
        "%21%21%21%3F%3F",
        "%F0%9F%98%80%F0%9F%94%A7",
        "%27%20OR%201%3D1--",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "zzqxw",
    ] {
        let (s, b) = app.get_json(&format!("/api/v1/recherche?q={q}&commune=69123")).await;
        assert_eq!(s, 200, "{q}");
        assert!(b["resultats"].is_array());
    }
    let (s, far) = app.get_json("/api/v1/recherche?q=electricien&commune=69123&page=10000").await;
    assert_eq!((s, far["resultats"].as_array().map(Vec::len)), (200, Some(0)));
    assert!(app.get_json("/api/v1/recherche?action=pfmp&commune=69123").await.0 == 200);

    // The page: every bad input gets a French message, never an error page.
    for (path, expected) in [
        ("/recherche?q=electricien&commune=Atlantide", "Nous ne trouvons pas la commune"),
        // A typing slip in the commune is tolerated, as in the job.
        ("/recherche?q=boulanger&commune=aurilac&rayon_km=30", "à moins de 30 km d'Aurillac (15)"),
        ("/recherche?q=electricien&commune=Lyon&rayon_km=0", "Rayon"),
        ("/recherche?q=electricien&commune=Lyon&rayon_km=abc", "Rayon"),
        ("/recherche?q=zzqxw&commune=Lyon", "Nous n'avons reconnu aucun métier"),
        ("/recherche?q=%21%21%21&commune=Lyon", "Nous n'avons reconnu aucun métier"),
        ("/recherche?q=electricien&commune=Lyon&page=0", "Paramètre « page »"),
        ("/recherche?q=electricien&commune=Lyon&page=10000", "Il n'y a que"),
        // Riom-ès-Montagnes: the nearest boilermakers' courses are 44 km away.
        ("/recherche?q=chaudronnier&commune=15162&rayon_km=5", "Chercher jusqu'à 50 km"),
    ] {
        let (s, body) = app.get_text(path).await;
        assert_eq!(s, 200, "{path}");
        assert!(body.replace("&#39;", "'").contains(expected), "{path}: expected {expected:?}");
    }
    let (s, body) = app.get_text(&format!("/recherche?q={}", "a".repeat(1000))).await;
    assert_eq!(s, 200);
    assert!(body.contains("Votre recherche est trop longue"));
    let (_, body) = app.get_text("/recherche?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&commune=Lyon").await;
    assert!(!body.contains("<script>alert(1)"));
}

async fn search_page_explains_and_links(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (s, body) = app.get_text("/recherche?q=plombier&commune=Lyon&rayon_km=30").await;
    assert_eq!(s, 200);
    assert!(body.contains("Métiers recherchés"));
    assert!(body.contains("Plombier / Plombière"));
    assert!(body.contains("à moins de 30 km de Lyon (69)"));
    assert!(body.contains("/lycees/"), "results link to showcases");
    // Homonyms are offered.
    let (_, sd) = app.get_text("/recherche?q=plombier&commune=Saint-Denis").await;
    assert!(sd.contains("Autres communes de ce nom"));
    // The form without a search.
    let (s, empty) = app.get_text("/recherche").await;
    assert_eq!(s, 200);
    assert!(empty.contains("Cherchez avec vos mots"));
}

/// A company types a sector, a diploma or a care job: the page says what
/// it understood, and the lycées of the field or the diploma are found.
async fn search_understands_fields_and_diplomas(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // A sector: every job of the field taught near Lyon, behind a
    // <details> that works without JavaScript.
    let (s, body) = app.get_text("/recherche?q=b%C3%A2timent&commune=Lyon&rayon_km=30").await;
    assert_eq!(s, 200);
    let body = body.replace("&#39;", "'");
    let summary = "Tous les métiers du bâtiment et des travaux publics enseignés près de chez vous (";
    assert!(body.contains(summary), "{}", &body[body.find("titre-resultats").unwrap_or(0)..][..2000]);
    assert!(body.contains("<details class=\"mlp-field"));
    assert!(body.contains("<summary>Tous les métiers du bâtiment"));
    let count: usize = body
        .split(summary)
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .expect("a number of jobs");
    assert!(count >= 5, "{count} jobs of the field near Lyon");
    assert!(body.contains("Maçon / Maçonne"));
    assert!(body.contains("rome=F1703"), "each job links to its own search");
    assert!(!body.contains("Métiers recherchés"), "the field stands for the jobs");
    assert!(body.contains("lycées trouvés"));
    // Without a place.
    let (_, anywhere) = app.get_text("/recherche?q=BTP").await;
    assert!(
        anywhere
            .contains("Tous les métiers du bâtiment et des travaux publics enseignés dans les lycées professionnels (")
    );

    // The API says the same; every lycée found teaches a job of the field.
    let (s, r) = app.get_json("/api/v1/recherche?q=BTP&commune=69123&rayon_km=30&par_page=100").await;
    assert_eq!(s, 200);
    let field = &r["interpretation"]["domaine"];
    assert_eq!(field["libelle"], "Tous les métiers du bâtiment et des travaux publics");
    let field_jobs: Vec<&str> =
        field["metiers"].as_array().expect("metiers").iter().filter_map(|m| m["rome"].as_str()).collect();
    assert_eq!(field_jobs.len(), count);
    let results = r["resultats"].as_array().expect("resultats");
    assert!(r["total"].as_u64() > Some(10), "{}", r["total"]);
    for x in results {
        let corr = x["correspondances"].as_array().expect("correspondances");
        assert!(
            corr.iter().any(|c| c["exacte"] == true && field_jobs.contains(&c["rome"].as_str().unwrap_or(""))),
            "{}: {corr:?}",
            x["nom"]
        );
    }
    // Job words are not a field.
    let (_, job) = app.get_json("/api/v1/recherche?q=plombier&commune=69123").await;
    assert!(job["interpretation"].get("domaine").is_none() && job["interpretation"].get("diplomes").is_none());

    // A diploma: its jobs, the lycées teaching it first.
    let (_, assp) = app.get_json("/api/v1/recherche?q=bac%20pro%20ASSP&commune=13055&rayon_km=30").await;
    let diplomas = assp["interpretation"]["diplomes"].as_array().expect("diplomes");
    assert!(diplomas.iter().any(|d| d.as_str().is_some_and(|d| d.contains("accompagnement, soins"))), "{diplomas:?}");
    assert!(romes_of(&assp).contains(&"K1302".to_string()), "{}", assp["interpretation"]);
    let first = &assp["resultats"][0]["correspondances"][0];
    assert!(first["libelle"].as_str().is_some_and(|l| l.contains("accompagnement, soins")), "{first}");
    let (_, page) = app.get_text("/recherche?q=bac%20pro%20ASSP&commune=Marseille").await;
    assert!(page.contains("Formation reconnue : <strong>Bac pro accompagnement, soins et services à la personne"));

    // Aide-soignante in Marseille: the lycées teaching the Bac pro ASSP,
    // which care employers recruit from, not only the state diploma's.
    let (_, care) = app.get_json("/api/v1/recherche?q=aide-soignante&commune=13055&rayon_km=30&par_page=100").await;
    assert_eq!(romes_of(&care)[0], "J1501");
    let total = care["total"].as_u64().unwrap_or(0);
    assert!(total >= 10, "{total} lycées");
    let teaches_assp = care["resultats"].as_array().expect("r").iter().any(|x| {
        x["correspondances"].as_array().is_some_and(|c| {
            c.iter().any(|c| {
                c["libelle"].as_str().is_some_and(|l| l.contains("accompagnement, soins")) && c["rome"] == "J1501"
            })
        })
    });
    assert!(teaches_assp);
    // Related jobs: taught in lycées, from the diplomas.
    let suggestions: Vec<&str> = care["interpretation"]["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .filter_map(|j| j["rome"].as_str())
        .collect();
    assert!(suggestions.contains(&"K1301") || suggestions.contains(&"K1302"), "{suggestions:?}");
    let (_, elec) = app.get_json("/api/v1/recherche?q=electricien&commune=69123").await;
    let suggestions = elec["interpretation"]["suggestions"].to_string();
    assert!(!suggestions.contains("K2402") && !suggestions.contains("I1604"), "{suggestions}");
    let (_, page) = app.get_text("/recherche?q=boulangerie&commune=Lyon").await;
    assert!(page.contains("Métiers proches, enseignés en lycée professionnel"));
    assert!(!page.contains("Président Directeur"));
}

on_both_engines!(
    finds_lycees_for_company_words,
    search_bad_input,
    search_page_explains_and_links,
    search_understands_fields_and_diplomas
);

/// A result's showcase keeps the search: "Contacter ce lycée" pre-fills the
/// journey with the words, the place and the jobs.
async fn contacting_from_a_result_keeps_the_search(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (status, page) = app.get_text("/recherche?q=electricien&commune=69123&rayon_km=30&action=pfmp").await;
    assert_eq!(status, 200);
    let start = page.find("fr-card__title").expect("un résultat");
    let href = &page[start..];
    let href = &href[href.find("href=\"").expect("lien") + 6..];
    let href = &href[..href.find('"').expect("fin")].replace("&#38;", "&").replace("&amp;", "&");
    assert!(href.starts_with("/lycees/") && href.contains("q=electricien") && href.contains("commune=69123"), "{href}");
    let (status, showcase) = app.get_text(href).await;
    assert_eq!(status, 200);
    let contact = &showcase[showcase.find("/demande?lycee=").expect("lien de demande")..];
    let contact = contact[..contact.find('"').expect("fin")].replace("&amp;", "&");
    assert!(
        contact.contains("&q=electricien") && contact.contains("&commune=69123") && contact.contains("&rome="),
        "{contact}"
    );
    assert!(contact.contains("&action=pfmp"));
    // With the action and the jobs known, the journey opens at the place.
    let (status, journey) = app.get_text(&contact).await;
    assert_eq!(status, 200);
    assert!(journey.contains("Étape 3 sur 6") && journey.contains("value=\"Lyon\""), "{journey}");
    // The plain showcase (cached) is unchanged, and junk in the query is
    // only re-encoded, never echoed raw.
    let (_, plain) = app.get_text(&href[..href.find('?').expect("?")]).await;
    assert!(plain.contains("href=\"/demande?lycee="));
    assert!(!plain.contains("q=electricien"));
    // From a showcase, hosting a trainee of one diploma opens at the place:
    // 4 screens to the review (place, details, contact, review).
    let (_, showcase) = app.get_text("/lycees/0690043X").await;
    let pfmp = &showcase[showcase.find("/demande?lycee=0690043X&amp;action=pfmp&amp;rome=").expect("lien de stage")..];
    let pfmp = pfmp[..pfmp.find('"').expect("fin")].replace("&amp;", "&");
    let (_, journey) = app.get_text(&pfmp).await;
    assert!(journey.contains("Étape 3 sur 6") && journey.contains(r#"name="metiers" value=""#), "{journey}");
    let (status, odd) = app.get_text("/lycees/0690043X?q=%22%3E%3Cscript%3E").await;
    assert_eq!(status, 200);
    assert!(!odd.contains("\"><script>") && odd.contains("q=%22%3E%3Cscript%3E"));
}

on_both_engines!(contacting_from_a_result_keeps_the_search);
