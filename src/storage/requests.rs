//! Storage of company requests, their recipients, their story, the outbox
//! of emails and the leases of periodic jobs.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use domain::lifecycle::{ActorKind, Outcome, RecipientRole, RecipientStatus, RequestStatus};
use domain::routing::{Availability, CoordinationReason, LyceeStatus, TrackRecord};
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// A request as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DemandeRow {
    pub id: String,
    pub reference: String,
    pub action: String,
    pub entreprise_nom: String,
    pub entreprise_siret: Option<String>,
    pub entreprise_naf: Option<String>,
    pub contact_prenom: String,
    pub contact_nom: String,
    pub contact_email: String,
    pub contact_email_norm: String,
    pub contact_telephone: Option<String>,
    pub commune_code: String,
    pub commune_nom: String,
    pub rayon_km: f64,
    pub metiers: String,
    pub metier_texte: Option<String>,
    pub niveaux: String,
    pub nombre_eleves: Option<i64>,
    pub periode_debut: Option<String>,
    pub periode_fin: Option<String>,
    pub message: String,
    pub lycee_origine: Option<String>,
    #[sqlx(try_from = "String")]
    pub statut: RequestStatus,
    pub rayon_utilise_km: f64,
    pub elargie: bool,
    /// Why the territorial coordinator is involved.
    #[sqlx(try_from = "NullableCode")]
    pub coordination: Option<CoordinationReason>,
    pub academie_code: Option<String>,
    pub doublon_de: Option<String>,
    pub jeton_hash: String,
    pub responsable_uai: Option<String>,
    pub responsable_nom: Option<String>,
    pub cree_le: String,
    pub modifie_le: String,
    /// Version of the company's current follow-up link (0: the first).
    pub jeton_version: i64,
    /// When the current follow-up link was issued, if it replaced one.
    pub jeton_emis_le: Option<String>,
    /// When the request ended (closed, cancelled, a duplicate, no answer).
    pub termine_le: Option<String>,
    /// How it ended and who ended it.
    #[sqlx(try_from = "NullableCode")]
    pub issue: Option<Outcome>,
    #[sqlx(try_from = "NullableCode")]
    pub cloture_par: Option<ActorKind>,
    /// The schedule: when its clock started, when it was taken and first
    /// answered, each step done, and when the next one is due.
    pub demarre_le: String,
    pub pris_le: Option<String>,
    pub repondu_le: Option<String>,
    pub relance_tous_le: Option<String>,
    pub escalade_le: Option<String>,
    pub relance_message_le: Option<String>,
    pub demande_cloture_le: Option<String>,
    pub rouverte_par_entreprise: bool,
    pub prochaine_echeance: Option<String>,
    /// The company's word (1 to 5), once.
    pub satisfaction: Option<i64>,
    pub satisfaction_commentaire: Option<String>,
    pub satisfaction_le: Option<String>,
    /// When the company was asked whether it was useful (asked once, even
    /// if the request is re-opened and closed again).
    pub avis_demande_le: Option<String>,
    /// What the company was told of its radius when the job itself is only
    /// taught beyond it.
    pub explication_rayon: Option<String>,
    /// The partner platform whose key created it (API.md, `source`).
    pub partenaire: Option<String>,
    /// Which link of the coordination chain was written to, if any.
    #[sqlx(try_from = "NullableCode")]
    pub coordination_niveau: Option<domain::reach::CoordinationLevel>,
    /// Lycées that fit but nobody could write to (UAIs, comma-separated),
    /// for the coordination to call.
    pub lycees_a_contacter: Option<String>,
    /// The company's name as the national register gives it for its SIRET
    /// (looked up at submission), when it did: what emails to lycées name.
    pub entreprise_nom_siret: Option<String>,
}

impl DemandeRow {
    /// How it ended, when it did.
    pub fn outcome(&self) -> Option<Outcome> {
        self.issue
    }

    /// The lycées nobody could write to, for the coordination to call.
    pub fn to_contact(&self) -> Vec<String> {
        self.lycees_a_contacter
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// A nullable code column as read from a row, parsed into a domain enum
/// (`Option<Outcome>`, `Option<CoordinationReason>`…) by `FromRow`: a code
/// outside the domain's is a decoding error, never a silent `None`.
#[derive(Debug, sqlx::Type)]
#[sqlx(transparent)]
pub struct NullableCode(Option<String>);

impl<T: TryFrom<String, Error = domain::codes::UnknownCode>> TryFrom<NullableCode> for Option<T> {
    type Error = domain::codes::UnknownCode;
    fn try_from(c: NullableCode) -> Result<Option<T>, domain::codes::UnknownCode> {
        c.0.map(T::try_from).transpose()
    }
}

/// The stored code of an optional enum.
fn code_of<T: std::fmt::Display>(v: Option<T>) -> Option<String> {
    v.map(|c| c.to_string())
}

pub const DEMANDE_COLUMNS: &str = "id, reference, action, entreprise_nom, entreprise_siret, entreprise_naf, contact_prenom, \
    contact_nom, contact_email, contact_email_norm, contact_telephone, commune_code, commune_nom, rayon_km, metiers, \
    metier_texte, niveaux, nombre_eleves, periode_debut, periode_fin, message, lycee_origine, statut, rayon_utilise_km, \
    elargie, coordination, academie_code, doublon_de, jeton_hash, responsable_uai, responsable_nom, cree_le, modifie_le, \
    jeton_version, jeton_emis_le, termine_le, issue, cloture_par, demarre_le, pris_le, repondu_le, relance_tous_le, \
    escalade_le, relance_message_le, demande_cloture_le, rouverte_par_entreprise, prochaine_echeance, satisfaction, \
    satisfaction_commentaire, satisfaction_le, explication_rayon, avis_demande_le, partenaire, coordination_niveau, \
    lycees_a_contacter, entreprise_nom_siret";

/// A lycée a request went to (or kept in reserve).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DestinataireRow {
    pub demande_id: String,
    pub uai: String,
    #[sqlx(try_from = "String")]
    pub role: RecipientRole,
    pub rang: i64,
    #[sqlx(try_from = "String")]
    pub statut: RecipientStatus,
    pub raisons: String,
    pub distance_km: f64,
    pub score: f64,
    pub motif: Option<String>,
    pub issue: Option<String>,
    pub notifie_le: Option<String>,
    pub decide_le: Option<String>,
    pub decide_par: Option<String>,
    /// When it was reminded as pilot.
    pub relance_le: Option<String>,
}

/// A line of a request's story, in the order it happened (`ordre`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub demande_id: String,
    pub ordre: i64,
    #[sqlx(try_from = "String")]
    pub auteur: ActorKind,
    pub uai: Option<String>,
    pub nom: Option<String>,
    pub texte: String,
    pub public: bool,
    pub cree_le: String,
}

/// Increments and returns a named counter (created at 1).
pub async fn next_sequence(tx: &mut Tx, name: &str) -> sqlx::Result<i64> {
    on_tx!(tx, c => {
        sqlx::query("INSERT INTO sequences (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .execute(&mut *c)
            .await?;
        sqlx::query_scalar::<_, i64>("UPDATE sequences SET value = value + 1 WHERE name = $1 RETURNING value")
            .bind(name)
            .fetch_one(&mut *c)
            .await
    })
}

/// The first request of the same company (email or SIRET) for the same
/// action and jobs since `since`, still alive.
pub async fn find_duplicate(
    db: &Db,
    email_norm: &str,
    siret: Option<&str>,
    action: &str,
    metiers: &str,
    since: &str,
) -> sqlx::Result<Option<String>> {
    on_db!(db, p => sqlx::query_scalar::<_, String>(
        "SELECT reference FROM demandes WHERE (contact_email_norm = $1 OR (entreprise_siret IS NOT NULL AND entreprise_siret = $2)) \
         AND action = $3 AND metiers = $4 AND cree_le >= $5 AND statut NOT IN ($6, $7) \
         ORDER BY cree_le, reference LIMIT 1"
    )
    .bind(email_norm).bind(siret).bind(action).bind(metiers).bind(since)
    .bind(RequestStatus::Annulee.code()).bind(RequestStatus::Doublon.code())
    .fetch_optional(p).await)
}

/// Availability, track record and reachability of the given lycées;
/// `month` is the current calendar month ("2026-11"), whose requests make
/// the fair share.
pub async fn routing_status(db: &Db, uais: &[String], month: &str) -> sqlx::Result<HashMap<String, LyceeStatus>> {
    let mut out: HashMap<String, LyceeStatus> = HashMap::new();
    if uais.is_empty() {
        return Ok(out);
    }
    for (uai, c) in super::reach::contacts(db, Some(uais)).await? {
        out.entry(uai).or_default().reachable = c.reachable();
    }
    let records: Vec<(String, i64, i64, String, i64)> = on_db!(db, p => {
        let mut qb = QueryBuilder::new("SELECT uai, recues, prises, mois, recues_mois FROM lycee_compteurs WHERE uai IN (");
        let mut sep = qb.separated(", ");
        for u in uais {
            sep.push_bind(u.clone());
        }
        qb.push(")");
        qb.build_query_as::<(String, i64, i64, String, i64)>().fetch_all(p).await
    })?;
    for (uai, received, taken, m, this_month) in records {
        let to_u32 = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        let recent = if m == month { to_u32(this_month) } else { 0 };
        out.entry(uai).or_default().record = TrackRecord { received: to_u32(received), taken: to_u32(taken), recent };
    }
    let availability: Vec<(String, Option<String>, bool, Option<i64>)> = on_db!(db, p => {
        let mut qb = QueryBuilder::new("SELECT uai, actions, en_pause, capacite FROM lycee_disponibilites WHERE uai IN (");
        let mut sep = qb.separated(", ");
        for u in uais {
            sep.push_bind(u.clone());
        }
        qb.push(")");
        qb.build_query_as::<(String, Option<String>, bool, Option<i64>)>().fetch_all(p).await
    })?;
    for (uai, actions, paused, capacity) in availability {
        out.entry(uai).or_default().availability = Availability {
            accepts: actions.map(|a| a.split(',').filter_map(domain::ActionType::from_code).collect()),
            paused,
            capacity_left: capacity.map(|c| u32::try_from(c.max(0)).unwrap_or(0)),
        };
    }
    Ok(out)
}

/// Counts requests received by the lycées of `received` and taken by those
/// of `taken`, in the transaction that notifies or records them: one
/// statement, one row per lycée, **in the order of their UAIs**. Two
/// transactions that count the same lycées then lock their rows in the
/// same order and one waits for the other; in the order of routing (pilot
/// first), they could each hold the row the other wanted — a deadlock
/// between two companies' requests (issue 24). Callers count last, just
/// before committing, so that the rows stay locked the shortest time.
pub async fn count(tx: &mut Tx, received: &[String], taken: &[String], month: &str) -> sqlx::Result<()> {
    let rows: Vec<Vec<super::Val>> = tallies(received, taken)
        .into_iter()
        .map(|(uai, (r, t))| {
            vec![
                super::Val::from(uai),
                super::Val::from(r),
                super::Val::from(t),
                super::Val::from(month),
                super::Val::from(r),
            ]
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    super::bulk_insert(
        tx,
        "lycee_compteurs",
        &["uai", "recues", "prises", "mois", "recues_mois"],
        &rows,
        Some(
            " ON CONFLICT (uai) DO UPDATE SET recues = lycee_compteurs.recues + excluded.recues, \
             prises = lycee_compteurs.prises + excluded.prises, \
             recues_mois = CASE WHEN lycee_compteurs.mois = excluded.mois \
               THEN lycee_compteurs.recues_mois + excluded.recues_mois ELSE excluded.recues_mois END, \
             mois = excluded.mois",
        ),
    )
    .await
}

/// (received, taken) of each lycée, in the order of their UAIs; a lycée
/// named twice is one row (an upsert may not touch a row twice).
fn tallies(received: &[String], taken: &[String]) -> std::collections::BTreeMap<String, (i64, i64)> {
    let mut out = std::collections::BTreeMap::<String, (i64, i64)>::new();
    for uai in received {
        out.entry(uai.clone()).or_default().0 += 1;
    }
    for uai in taken {
        out.entry(uai.clone()).or_default().1 += 1;
    }
    out
}

pub async fn insert_demande(tx: &mut Tx, d: &DemandeRow) -> sqlx::Result<()> {
    let placeholders = (1..=56).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!("INSERT INTO demandes ({DEMANDE_COLUMNS}) VALUES ({placeholders})");
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(&d.id).bind(&d.reference).bind(&d.action).bind(&d.entreprise_nom).bind(&d.entreprise_siret)
        .bind(&d.entreprise_naf).bind(&d.contact_prenom).bind(&d.contact_nom).bind(&d.contact_email)
        .bind(&d.contact_email_norm).bind(&d.contact_telephone).bind(&d.commune_code).bind(&d.commune_nom)
        .bind(d.rayon_km).bind(&d.metiers).bind(&d.metier_texte).bind(&d.niveaux).bind(d.nombre_eleves)
        .bind(&d.periode_debut).bind(&d.periode_fin).bind(&d.message).bind(&d.lycee_origine).bind(d.statut.code())
        .bind(d.rayon_utilise_km).bind(d.elargie).bind(code_of(d.coordination)).bind(&d.academie_code).bind(&d.doublon_de)
        .bind(&d.jeton_hash).bind(&d.responsable_uai).bind(&d.responsable_nom).bind(&d.cree_le).bind(&d.modifie_le)
        .bind(d.jeton_version).bind(&d.jeton_emis_le).bind(&d.termine_le).bind(code_of(d.issue)).bind(code_of(d.cloture_par))
        .bind(&d.demarre_le).bind(&d.pris_le).bind(&d.repondu_le).bind(&d.relance_tous_le).bind(&d.escalade_le)
        .bind(&d.relance_message_le).bind(&d.demande_cloture_le).bind(d.rouverte_par_entreprise)
        .bind(&d.prochaine_echeance).bind(d.satisfaction).bind(&d.satisfaction_commentaire).bind(&d.satisfaction_le)
        .bind(&d.explication_rayon).bind(&d.avis_demande_le).bind(&d.partenaire)
        .bind(code_of(d.coordination_niveau)).bind(&d.lycees_a_contacter).bind(&d.entreprise_nom_siret)
        .execute(&mut *c).await.map(|_| ()))
}

/// Inserts several recipients in one statement.
pub async fn insert_destinataires(tx: &mut Tx, rows: &[DestinataireRow]) -> sqlx::Result<()> {
    use super::Val;
    let values: Vec<Vec<Val>> = rows
        .iter()
        .map(|d| {
            vec![
                Val::from(d.demande_id.clone()),
                Val::from(d.uai.clone()),
                Val::from(d.role.code()),
                Val::from(d.rang),
                Val::from(d.statut.code()),
                Val::from(d.raisons.clone()),
                Val::Float(Some(d.distance_km)),
                Val::Float(Some(d.score)),
                Val::from(d.motif.clone()),
                Val::from(d.issue.clone()),
                Val::from(d.notifie_le.clone()),
                Val::from(d.decide_le.clone()),
                Val::from(d.decide_par.clone()),
                Val::from(d.relance_le.clone()),
            ]
        })
        .collect();
    super::bulk_insert(
        tx,
        "destinataires",
        &[
            "demande_id",
            "uai",
            "role",
            "rang",
            "statut",
            "raisons",
            "distance_km",
            "score",
            "motif",
            "issue",
            "notifie_le",
            "decide_le",
            "decide_par",
            "relance_le",
        ],
        &values,
        None,
    )
    .await
}

pub async fn insert_destinataire(tx: &mut Tx, d: &DestinataireRow) -> sqlx::Result<()> {
    insert_destinataires(tx, std::slice::from_ref(d)).await
}

/// Updates what changes of a recipient: role, status, decision, reminder.
pub async fn update_destinataire(tx: &mut Tx, d: &DestinataireRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE destinataires SET role = $3, statut = $4, motif = $5, issue = $6, notifie_le = $7, decide_le = $8, \
         decide_par = $9, relance_le = $10 WHERE demande_id = $1 AND uai = $2"
    )
    .bind(&d.demande_id).bind(&d.uai).bind(d.role.code()).bind(d.statut.code()).bind(&d.motif).bind(&d.issue)
    .bind(&d.notifie_le).bind(&d.decide_le).bind(&d.decide_par).bind(&d.relance_le)
    .execute(&mut *c).await.map(|_| ()))
}

/// Updates what changes of a request: its status, who answers, its
/// schedule, its end and the company's word.
pub async fn update_demande(tx: &mut Tx, d: &DemandeRow) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE demandes SET statut = $2, responsable_uai = $3, responsable_nom = $4, coordination = $5, modifie_le = $6, \
         termine_le = $7, issue = $8, cloture_par = $9, demarre_le = $10, pris_le = $11, repondu_le = $12, \
         relance_tous_le = $13, escalade_le = $14, relance_message_le = $15, demande_cloture_le = $16, \
         rouverte_par_entreprise = $17, prochaine_echeance = $18, satisfaction = $19, satisfaction_commentaire = $20, \
         satisfaction_le = $21, avis_demande_le = $22, coordination_niveau = $23, lycees_a_contacter = $24 WHERE id = $1"
    )
    .bind(&d.id).bind(d.statut.code()).bind(&d.responsable_uai).bind(&d.responsable_nom).bind(code_of(d.coordination))
    .bind(&d.modifie_le).bind(&d.termine_le).bind(code_of(d.issue)).bind(code_of(d.cloture_par)).bind(&d.demarre_le).bind(&d.pris_le)
    .bind(&d.repondu_le).bind(&d.relance_tous_le).bind(&d.escalade_le).bind(&d.relance_message_le)
    .bind(&d.demande_cloture_le).bind(d.rouverte_par_entreprise).bind(&d.prochaine_echeance).bind(d.satisfaction)
    .bind(&d.satisfaction_commentaire).bind(&d.satisfaction_le).bind(&d.avis_demande_le)
    .bind(code_of(d.coordination_niveau)).bind(&d.lycees_a_contacter)
    .execute(&mut *c).await.map(|_| ()))
}

/// Sets when the schedule next looks at a request.
pub async fn set_next_due(tx: &mut Tx, id: &str, due: Option<&str>) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE demandes SET prochaine_echeance = $2 WHERE id = $1")
        .bind(id).bind(due).execute(&mut *c).await.map(|_| ()))
}

/// Gives a request a new follow-up link (the old one stops working).
pub async fn renew_follow_link(tx: &mut Tx, id: &str, version: i64, hash: &str, now: &str) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE demandes SET jeton_version = $2, jeton_hash = $3, jeton_emis_le = $4 WHERE id = $1"
    ).bind(id).bind(version).bind(hash).bind(now).execute(&mut *c).await.map(|_| ()))
}

/// The order the next line of a request's story takes (the request's row
/// is locked by the transaction that writes it).
pub async fn next_event_order(tx: &mut Tx, demande_id: &str) -> sqlx::Result<i64> {
    let last: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "SELECT MAX(ordre) FROM demande_evenements WHERE demande_id = $1"
    ).bind(demande_id).fetch_one(&mut *c).await)?;
    Ok(last.unwrap_or(0) + 1)
}

/// Inserts several story lines in one statement.
pub async fn insert_events(tx: &mut Tx, rows: &[EventRow]) -> sqlx::Result<()> {
    use super::Val;
    let values: Vec<Vec<Val>> = rows
        .iter()
        .map(|e| {
            vec![
                Val::from(e.id.clone()),
                Val::from(e.demande_id.clone()),
                Val::from(e.ordre),
                Val::from(e.auteur.code()),
                Val::from(e.uai.clone()),
                Val::from(e.nom.clone()),
                Val::from(e.texte.clone()),
                Val::from(e.public),
                Val::from(e.cree_le.clone()),
            ]
        })
        .collect();
    super::bulk_insert(
        tx,
        "demande_evenements",
        &["id", "demande_id", "ordre", "auteur", "uai", "nom", "texte", "public", "cree_le"],
        &values,
        None,
    )
    .await
}

pub async fn demande_by_token_hash(db: &Db, hash: &str) -> sqlx::Result<Option<DemandeRow>> {
    let sql = format!("SELECT {DEMANDE_COLUMNS} FROM demandes WHERE jeton_hash = $1");
    on_db!(db, p => sqlx::query_as::<_, DemandeRow>(&sql).bind(hash).fetch_optional(p).await)
}

pub async fn demande_by_id(db: &Db, id: &str) -> sqlx::Result<Option<DemandeRow>> {
    let sql = format!("SELECT {DEMANDE_COLUMNS} FROM demandes WHERE id = $1");
    on_db!(db, p => sqlx::query_as::<_, DemandeRow>(&sql).bind(id).fetch_optional(p).await)
}

/// The same, read inside a write transaction (so decisions see the latest
/// state and, on PostgreSQL, lock the row).
pub async fn demande_for_update(tx: &mut Tx, id: &str) -> sqlx::Result<Option<DemandeRow>> {
    match tx {
        Tx::Sqlite(t) => {
            let sql = format!("SELECT {DEMANDE_COLUMNS} FROM demandes WHERE id = $1");
            sqlx::query_as::<_, DemandeRow>(&sql).bind(id).fetch_optional(&mut **t).await
        }
        Tx::Postgres(t) => {
            let sql = format!("SELECT {DEMANDE_COLUMNS} FROM demandes WHERE id = $1 FOR UPDATE");
            sqlx::query_as::<_, DemandeRow>(&sql).bind(id).fetch_optional(&mut **t).await
        }
    }
}

pub async fn destinataires_in_tx(tx: &mut Tx, demande_id: &str) -> sqlx::Result<Vec<DestinataireRow>> {
    on_tx!(tx, c => sqlx::query_as::<_, DestinataireRow>(
        "SELECT * FROM destinataires WHERE demande_id = $1 ORDER BY rang"
    ).bind(demande_id).fetch_all(&mut *c).await)
}

pub async fn destinataires(db: &Db, demande_id: &str) -> sqlx::Result<Vec<DestinataireRow>> {
    on_db!(db, p => sqlx::query_as::<_, DestinataireRow>(
        "SELECT * FROM destinataires WHERE demande_id = $1 ORDER BY rang"
    ).bind(demande_id).fetch_all(p).await)
}

pub async fn events(db: &Db, demande_id: &str) -> sqlx::Result<Vec<EventRow>> {
    on_db!(db, p => sqlx::query_as::<_, EventRow>(
        "SELECT * FROM demande_evenements WHERE demande_id = $1 ORDER BY ordre"
    ).bind(demande_id).fetch_all(p).await)
}

/// The companies' word on the requests each of `uais` led: (lycée,
/// average score, how many). Per lycée only, never per person: the
/// business officers of a lycée answer as a team.
pub async fn satisfaction_by_lycee(db: &Db, uais: &[String]) -> sqlx::Result<Vec<(String, f64, i64)>> {
    if uais.is_empty() {
        return Ok(Vec::new());
    }
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT responsable_uai, AVG(CAST(satisfaction AS DOUBLE PRECISION)), COUNT(*) FROM demandes \
             WHERE satisfaction IS NOT NULL AND responsable_uai IN (",
        );
        let mut sep = qb.separated(", ");
        for u in uais {
            sep.push_bind(u.clone());
        }
        qb.push(") GROUP BY responsable_uai ORDER BY responsable_uai");
        qb.build_query_as::<(String, f64, i64)>().fetch_all(p).await
    })
}

/// The addresses of each lycée of `uais` that someone reads
/// ([`domain::reach::Contacts::recipients`]), separated by ", " (one email
/// to all of them). Lycées nobody reads are absent.
pub async fn lycee_emails(db: &Db, uais: &[String]) -> sqlx::Result<HashMap<String, String>> {
    Ok(super::reach::recipients_of(db, uais).await?.into_iter().map(|(uai, to)| (uai, to.join(", "))).collect())
}

/// Open requests whose next step of the schedule is due at `now`
/// (`prochaine_echeance`), oldest first.
pub async fn due_requests(db: &Db, now: &str, limit: i64) -> sqlx::Result<Vec<String>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new("SELECT id FROM demandes WHERE prochaine_echeance <= ");
        qb.push_bind(now.to_string()).push(" AND statut IN (");
        let mut sep = qb.separated(", ");
        for s in RequestStatus::ALL.iter().filter(|s| s.is_open()) {
            sep.push_bind(s.code());
        }
        qb.push(") ORDER BY prochaine_echeance, id LIMIT ").push_bind(limit);
        qb.build_query_scalar::<String>().fetch_all(p).await
    })
}

/// Takes the lease of a periodic job if nobody holds it.
pub async fn claim_task(db: &Db, name: &str, worker: &str, now: &str, until: &str) -> sqlx::Result<bool> {
    on_db!(db, p => {
        sqlx::query("INSERT INTO taches (nom) VALUES ($1) ON CONFLICT (nom) DO NOTHING").bind(name).execute(p).await?;
        sqlx::query(
            "UPDATE taches SET verrou = $2, verrou_jusqu = $4, derniere_execution = $3 \
             WHERE nom = $1 AND (verrou_jusqu IS NULL OR verrou_jusqu < $3)"
        ).bind(name).bind(worker).bind(now).bind(until).execute(p).await.map(|r| r.rows_affected() == 1)
    })
}

/// Gives a named job's lease back before its end (a job that ran long
/// and finished: the next run may come from any worker as soon as due).
pub async fn release_task(db: &Db, name: &str, worker: &str) -> sqlx::Result<()> {
    on_db!(db, p => sqlx::query("UPDATE taches SET verrou_jusqu = NULL WHERE nom = $1 AND verrou = $2")
        .bind(name).bind(worker).execute(p).await.map(|_| ()))
}

/// Whose requests a workspace shows: everything (national), an académie,
/// and/or the requests that went to some lycées.
#[derive(Debug, Clone, Default)]
pub struct Perimeter<'a> {
    pub national: bool,
    pub academie: Option<&'a str>,
    pub lycees: &'a [String],
}

/// Appends ` AND …` restricting a query on `demandes d` to a perimeter,
/// written so that each engine reads the perimeter's requests from their
/// indexes (the académie's, the lycées' recipients) and sorts those:
/// « 1 = 0 OR » made SQLite walk every request by date (0.14 s for a
/// lycée of 11,000 requests, 0.03 s now).
fn push_perimeter<'a, DB: sqlx::Database>(qb: &mut QueryBuilder<'a, DB>, perimeter: &Perimeter<'a>)
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    if perimeter.national {
        return;
    }
    let lycees = |qb: &mut QueryBuilder<'a, DB>| {
        qb.push("d.id IN (SELECT demande_id FROM destinataires WHERE role <> ")
            .push_bind(RecipientRole::Reserve.code())
            .push(" AND uai IN (");
        let mut sep = qb.separated(", ");
        for u in perimeter.lycees {
            sep.push_bind(u.clone());
        }
        qb.push("))");
    };
    match (perimeter.academie, perimeter.lycees.is_empty()) {
        (None, true) => {
            qb.push(" AND 1 = 0");
        }
        (None, false) => {
            qb.push(" AND ");
            lycees(qb);
        }
        (Some(a), true) => {
            qb.push(" AND d.academie_code = ").push_bind(a);
        }
        (Some(a), false) => {
            qb.push(" AND (d.academie_code = ").push_bind(a).push(" OR ");
            lycees(qb);
            qb.push(")");
        }
    }
}

/// The latest requests of a perimeter, newest first: the open ones
/// (`open`) or the ended ones (duplicates aside: they were not routed).
pub async fn inbox(db: &Db, perimeter: &Perimeter<'_>, open: bool, limit: i64) -> sqlx::Result<Vec<DemandeRow>> {
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(format!("SELECT {DEMANDE_COLUMNS} FROM demandes d WHERE d.statut "));
        qb.push(if open { "IN (" } else { "NOT IN (" });
        let mut sep = qb.separated(", ");
        for s in RequestStatus::ALL.iter().filter(|s| s.is_open()) {
            sep.push_bind(s.code());
        }
        if !open {
            sep.push_bind(RequestStatus::Doublon.code());
        }
        qb.push(")");
        push_perimeter(&mut qb, perimeter);
        qb.push(" ORDER BY d.cree_le DESC, d.reference DESC LIMIT ").push_bind(limit);
        qb.build_query_as::<DemandeRow>().fetch_all(p).await
    })
}

domain::codes! {
    /// The lists of the inbox. Each is a condition on a request as one
    /// person sees it (through their lycées' line on it), written once, in
    /// SQL, so that the tabs' counts and their pages are read without
    /// loading every request of the perimeter (a busy lycée has thousands).
    InboxTab {
        /// Open, and the person's lycée has not answered it, or a message
        /// of the company waits for it; for a coordinator, also the open
        /// requests nobody of theirs was told of and nobody took.
        ATraiter = "a_traiter",
        /// Open and taken: by the person's lycée, or by someone.
        EnCours = "en_cours",
        /// Open and nobody took it.
        NonPrises = "non_prises",
        /// Closed, cancelled or unanswered.
        Terminees = "terminees",
        /// Every request (duplicates aside).
        Toutes = "toutes",
    }
}

impl InboxTab {
    /// The condition on the inner table `t` of [`inbox_query`]. Only
    /// fixed codes of the lifecycle are written into it, never input.
    fn condition(self, coordinates: bool) -> String {
        let open: Vec<String> =
            RequestStatus::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.code())).collect();
        let open = format!("t.statut IN ({})", open.join(", "));
        let nouvelle = RecipientStatus::Nouvelle.code();
        let prise = RecipientStatus::PriseEnCharge.code();
        let coordinates = if coordinates { "1 = 1" } else { "1 = 0" };
        match self {
            InboxTab::ATraiter => format!(
                "{open} AND ((t.mine_statut IS NOT NULL AND (t.mine_non_lu IS NOT NULL OR t.mine_statut = '{nouvelle}')) \
                 OR (t.mine_statut IS NULL AND {coordinates} AND t.responsable_uai IS NULL))"
            ),
            InboxTab::EnCours => format!(
                "{open} AND (t.mine_statut = '{prise}' OR (t.mine_statut IS NULL AND t.responsable_uai IS NOT NULL))"
            ),
            InboxTab::NonPrises => format!("{open} AND t.responsable_uai IS NULL"),
            InboxTab::Terminees => format!("NOT ({open})"),
            InboxTab::Toutes => "1 = 1".to_string(),
        }
    }
}

/// Whose inbox: the requests of a perimeter, seen through the person's
/// lycées (`mine`: what their lycée's line says), by someone who
/// coordinates a territory or not.
pub struct InboxOf<'a> {
    pub perimeter: Perimeter<'a>,
    pub mine: &'a [String],
    pub coordinates: bool,
}

/// `SELECT {columns} FROM (the perimeter's requests with the status of
/// the person's lycée on each, and whether a message waits for it) t`:
/// the person's line is the first told recipient among their lycées.
fn inbox_query<'a, DB: sqlx::Database>(columns: &str, of: &InboxOf<'a>) -> QueryBuilder<'a, DB>
where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut qb = QueryBuilder::new(format!("SELECT {columns} FROM (SELECT d.*, "));
    if of.mine.is_empty() {
        qb.push("CAST(NULL AS TEXT) AS mine_statut, CAST(NULL AS TEXT) AS mine_non_lu");
    } else {
        for (column, alias) in [("statut", "mine_statut"), ("message_non_lu_le", "mine_non_lu")] {
            if alias == "mine_non_lu" {
                qb.push(", ");
            }
            qb.push(format!("(SELECT m.{column} FROM destinataires m WHERE m.demande_id = d.id AND m.role <> "))
                .push_bind(RecipientRole::Reserve.code())
                .push(" AND m.uai IN (");
            let mut sep = qb.separated(", ");
            for u in of.mine {
                sep.push_bind(u.clone());
            }
            qb.push(format!(") ORDER BY m.rang LIMIT 1) AS {alias}"));
        }
    }
    qb.push(" FROM demandes d WHERE d.statut <> ").push_bind(RequestStatus::Doublon.code());
    push_perimeter(&mut qb, &of.perimeter);
    qb.push(") t");
    qb
}

/// How many requests each tab of the inbox lists, in the order of
/// [`InboxTab::ALL`]: one row read, whatever the perimeter's size.
pub async fn inbox_counts(db: &Db, of: &InboxOf<'_>) -> sqlx::Result<[i64; 5]> {
    const { assert!(InboxTab::ALL.len() == 5) };
    let sums: Vec<String> = InboxTab::ALL
        .iter()
        .map(|t| format!("COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0)", t.condition(of.coordinates)))
        .collect();
    let row: (i64, i64, i64, i64, i64) = on_db!(db, p => {
        let mut qb = inbox_query(&sums.join(", "), of);
        qb.build_query_as::<(i64, i64, i64, i64, i64)>().fetch_one(p).await
    })?;
    Ok([row.0, row.1, row.2, row.3, row.4])
}

/// One page of a tab of the inbox, newest first.
pub async fn inbox_page(
    db: &Db,
    of: &InboxOf<'_>,
    tab: InboxTab,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<DemandeRow>> {
    on_db!(db, p => {
        let mut qb = inbox_query(DEMANDE_COLUMNS, of);
        qb.push(format!(" WHERE {} ORDER BY t.cree_le DESC, t.reference DESC LIMIT ", tab.condition(of.coordinates)))
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        qb.build_query_as::<DemandeRow>().fetch_all(p).await
    })
}

/// The recipients of several requests that were told (the pilot and the
/// supports, reserves aside: lists never show them, and they were a third
/// of the rows read for a busy lycée's inbox).
pub async fn told_of(db: &Db, ids: &[String]) -> sqlx::Result<Vec<DestinataireRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    on_db!(db, p => {
        let mut qb = QueryBuilder::new("SELECT * FROM destinataires WHERE role <> ");
        qb.push_bind(RecipientRole::Reserve.code()).push(" AND demande_id IN (");
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(id.clone());
        }
        qb.push(") ORDER BY demande_id, rang");
        qb.build_query_as::<DestinataireRow>().fetch_all(p).await
    })
}

pub async fn demande_by_reference(db: &Db, reference: &str) -> sqlx::Result<Option<DemandeRow>> {
    on_db!(db, p => sqlx::query_as::<_, DemandeRow>(&format!("SELECT {DEMANDE_COLUMNS} FROM demandes WHERE reference = $1"))
        .bind(reference).fetch_optional(p).await)
}

/// The references of requests, by id (one query).
pub async fn references(db: &Db, ids: &[String]) -> sqlx::Result<HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = on_db!(db, p => {
        let mut qb = QueryBuilder::new("SELECT id, reference FROM demandes WHERE id IN (");
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(id.clone());
        }
        qb.push(")");
        qb.build_query_as::<(String, String)>().fetch_all(p).await
    })?;
    Ok(rows.into_iter().collect())
}

/// Marks a message of the company as unread for these lycées of a request
/// (the first unread one keeps its time).
pub async fn mark_unread(tx: &mut Tx, demande_id: &str, uais: &[String], now: &str) -> sqlx::Result<()> {
    for uai in uais {
        on_tx!(tx, c => sqlx::query(
            "UPDATE destinataires SET message_non_lu_le = COALESCE(message_non_lu_le, $3) \
             WHERE demande_id = $1 AND uai = $2"
        ).bind(demande_id).bind(uai).bind(now).execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

/// A business officer of `uai` opened the request: nothing is unread for
/// that lycée any more. Whether something was.
pub async fn mark_read(db: &Db, demande_id: &str, uai: &str) -> sqlx::Result<bool> {
    on_db!(db, p => sqlx::query(
        "UPDATE destinataires SET message_non_lu_le = NULL \
         WHERE demande_id = $1 AND uai = $2 AND message_non_lu_le IS NOT NULL"
    ).bind(demande_id).bind(uai).execute(p).await.map(|r| r.rows_affected() > 0))
}

/// Which (request, lycée) pairs of these requests have an unread message
/// of the company.
pub async fn unread_of(db: &Db, ids: &[String]) -> sqlx::Result<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    on_db!(db, p => {
        let mut qb = QueryBuilder::new(
            "SELECT demande_id, uai FROM destinataires WHERE message_non_lu_le IS NOT NULL AND demande_id IN (",
        );
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(id.clone());
        }
        qb.push(")");
        qb.build_query_as::<(String, String)>().fetch_all(p).await
    })
}

#[cfg(test)]
mod tests {
    /// Counters are written in the order of the UAIs, whatever the order
    /// of routing, one row per lycée.
    #[test]
    fn counters_are_written_in_one_order() {
        let s = |v: &[&str]| v.iter().map(|u| u.to_string()).collect::<Vec<_>>();
        let rows: Vec<(String, (i64, i64))> =
            super::tallies(&s(&["0750001Z", "0690043X", "0130001A"]), &s(&["0750001Z"])).into_iter().collect();
        assert_eq!(rows, vec![("0130001A".into(), (1, 0)), ("0690043X".into(), (1, 0)), ("0750001Z".into(), (1, 1))]);
        assert!(super::tallies(&[], &[]).is_empty());
    }
}
