//! What a coordinator's dashboard reads: the requests of a territory (with
//! filters), each lycée's answers, and whether each lycée can be reached.

use super::Db;
use super::requests::DemandeRow;
use crate::on_db;
use domain::account::Role;
use domain::lifecycle::{RecipientRole, RecipientStatus, RequestStatus};
use sqlx::QueryBuilder;

/// Which lycées and requests a territory holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole country (administrators).
    National,
    /// An académie (its code), with the lycées of a bassin if any.
    Academie(String, Vec<String>),
    /// A bassin: a list of lycées.
    Lycees(Vec<String>),
}

/// The filters of the dashboard.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub action: Option<String>,
    /// A professional domain ("F16"): requests asking a job of it.
    pub domain: Option<String>,
    /// Requests that went to this lycée.
    pub lycee: Option<String>,
    /// Created at or after (RFC 3339).
    pub from: Option<String>,
    /// Created before (RFC 3339).
    pub until: Option<String>,
}

/// Appends `AND …` for the scope and filters to a query on `demandes r`.
fn push_conditions<'a, DB: sqlx::Database>(qb: &mut QueryBuilder<'a, DB>, scope: &'a Scope, f: &'a Filters)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" AND r.statut <> ").push_bind(RequestStatus::Doublon.code());
    let told = |qb: &mut QueryBuilder<'a, DB>, uais: &'a [String]| {
        qb.push("r.id IN (SELECT demande_id FROM destinataires WHERE role <> ")
            .push_bind(RecipientRole::Reserve.code())
            .push(" AND uai IN (");
        let mut sep = qb.separated(", ");
        for u in uais {
            sep.push_bind(u.clone());
        }
        qb.push("))");
    };
    match scope {
        Scope::National => {}
        Scope::Academie(code, bassin) => {
            qb.push(" AND (r.academie_code = ").push_bind(code.clone());
            if !bassin.is_empty() {
                qb.push(" OR ");
                told(qb, bassin);
            }
            qb.push(")");
        }
        Scope::Lycees(uais) if uais.is_empty() => {
            qb.push(" AND 1 = 0");
        }
        Scope::Lycees(uais) => {
            qb.push(" AND ");
            told(qb, uais);
        }
    }
    if let Some(a) = &f.action {
        qb.push(" AND r.action = ").push_bind(a.clone());
    }
    if let Some(d) = &f.domain {
        // ROME codes are a letter and four digits, comma-separated: a
        // domain ("F16") only ever matches the start of a code.
        qb.push(" AND r.metiers LIKE ").push_bind(format!("%{d}%"));
    }
    if let Some(u) = &f.lycee {
        qb.push(" AND r.id IN (SELECT demande_id FROM destinataires WHERE uai = ").push_bind(u.clone()).push(")");
    }
    if let Some(t) = &f.from {
        qb.push(" AND r.cree_le >= ").push_bind(t.clone());
    }
    if let Some(t) = &f.until {
        qb.push(" AND r.cree_le < ").push_bind(t.clone());
    }
}

/// The requests of a territory, newest first (at most `limit`).
pub async fn requests(db: &Db, scope: &Scope, f: &Filters, limit: i64) -> sqlx::Result<Vec<DemandeRow>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new("SELECT r.* FROM demandes r WHERE 1 = 1");
        push_conditions(&mut qb, scope, f);
        qb.push(" ORDER BY r.cree_le DESC, r.reference DESC LIMIT ").push_bind(limit);
        qb.build_query_as::<DemandeRow>().fetch_all(p).await
    })
}

/// One lycée's part in one request, for its track record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Answer {
    pub uai: String,
    #[sqlx(try_from = "String")]
    pub statut: RecipientStatus,
    pub motif: Option<String>,
    pub notifie_le: Option<String>,
    pub decide_le: Option<String>,
    /// The lycée led the answer.
    pub responsable: bool,
    pub issue: Option<String>,
    pub satisfaction: Option<i64>,
}

/// Every lycée's answers to the territory's requests (reserves aside).
pub async fn answers(db: &Db, scope: &Scope, f: &Filters) -> sqlx::Result<Vec<Answer>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT d.uai, d.statut, d.motif, d.notifie_le, d.decide_le, \
             (r.responsable_uai IS NOT NULL AND r.responsable_uai = d.uai) AS responsable, r.issue, r.satisfaction \
             FROM destinataires d JOIN demandes r ON r.id = d.demande_id WHERE d.role <> ",
        );
        qb.push_bind(RecipientRole::Reserve.code());
        push_conditions(&mut qb, scope, f);
        qb.build_query_as::<Answer>().fetch_all(p).await
    })
}

/// Whether lycées can be reached: a registered business officer, an
/// official address (uai → (officer, address)).
pub async fn reachability(db: &Db, uais: &[String]) -> sqlx::Result<std::collections::HashMap<String, (bool, bool)>> {
    let mut out: std::collections::HashMap<String, (bool, bool)> =
        uais.iter().map(|u| (u.clone(), (false, false))).collect();
    if uais.is_empty() {
        return Ok(out);
    }
    for chunk in uais.chunks(1000) {
        let officers: Vec<String> = on_db!(db, p => {
            let mut qb = QueryBuilder::new(
                "SELECT DISTINCT l.uai FROM compte_lycees l JOIN comptes c ON c.id = l.compte_id WHERE c.actif AND c.role = ",
            );
            qb.push_bind(Role::Rbe.code()).push(" AND l.uai IN (");
            let mut sep = qb.separated(", ");
            for u in chunk {
                sep.push_bind(u.clone());
            }
            qb.push(")");
            qb.build_query_scalar::<String>().fetch_all(p).await
        })?;
        for u in officers {
            if let Some(e) = out.get_mut(&u) {
                e.0 = true;
            }
        }
        let addressed: Vec<String> = on_db!(db, p => {
            let mut qb = QueryBuilder::new("SELECT uai FROM lycees WHERE email IS NOT NULL AND email <> '' AND uai IN (");
            let mut sep = qb.separated(", ");
            for u in chunk {
                sep.push_bind(u.clone());
            }
            qb.push(")");
            qb.build_query_scalar::<String>().fetch_all(p).await
        })?;
        for u in addressed {
            if let Some(e) = out.get_mut(&u) {
                e.1 = true;
            }
        }
    }
    Ok(out)
}
