//! Company requests (demandes): submission with automatic routing, the
//! lycées' one-click answers, the company's follow-up, and the periodic
//! move of the pilot role. Every change is one transaction that also writes
//! its story and its emails (outbox): a request is never lost, an email is
//! never sent for something that did not happen.

pub mod entreprises;
pub mod input;
pub mod workspace;

use crate::clock;
use crate::mail::templates::{self, Rendered};
use crate::search::SearchIndex;
use crate::security::{Signer, TokenError, random_id, token_hash};
use crate::storage::requests::{self as store, DemandeRow, DestinataireRow, EventRow, OutboxRow};
use crate::storage::{Db, Tx};
use domain::matching::WantedJob;
use domain::routing::{Candidate, CoordinationReason, RoutingRequest, km_label, route};
use domain::{ActionType, Niveau};
use input::ValidRequest;
use std::collections::HashMap;
use time::{Duration, OffsetDateTime, Weekday};

/// How long the links in a lycée's email work.
pub const LINK_DAYS: i64 = 30;
/// The same company asking the same thing within this many days is a
/// duplicate.
pub const DUPLICATE_DAYS: i64 = 30;
/// Working days a pilot has to take a request before the role moves on.
pub const PILOT_WORKING_DAYS: u32 = 3;
/// How long, in days (twelve months), a company's follow-up link keeps
/// working after its request ended (or after a new link was sent).
pub const FOLLOW_LINK_DAYS: i64 = 365;
/// Radius within which track records are read for the routing (km): the
/// widest the routing goes.
const STATUS_RADIUS_KM: f64 = 100.0;

/// The request service.
#[derive(Debug, Clone)]
pub struct RequestService {
    pub db: Db,
    pub signer: Signer,
    pub base_url: String,
}

/// A lycée a request went to, as the company and the API see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecipientView {
    pub uai: String,
    pub nom: String,
    pub commune: String,
    pub role: String,
    pub statut: String,
    pub distance_km: f64,
    pub raisons: Vec<String>,
}

impl RecipientView {
    /// How the recipient stands, in words.
    pub fn statut_label(&self) -> &'static str {
        match self.statut.as_str() {
            "nouvelle" => "pas encore répondu",
            "prise_en_charge" => "a pris la demande en charge",
            "declinee" => "a décliné",
            "expiree" => "n'a pas répondu à temps",
            "cloturee" => "demande clôturée",
            _ => "en réserve",
        }
    }

    /// Its role, in words.
    pub fn role_label(&self) -> &'static str {
        role_label(&self.role)
    }
}

/// The result of a submission (`201` of `POST /api/v1/demandes`).
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: String,
    pub reference: String,
    pub statut: String,
    pub recipients: Vec<RecipientView>,
    pub widened_to: Option<f64>,
    /// (niveau, nom) of the coordination involved.
    pub coordination: Option<(String, String)>,
    pub duplicate_of: Option<String>,
    pub token: String,
    pub follow_url: String,
}

/// Why a lycée's answer is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("{0}")]
    Link(TokenError),
    #[error("cette demande n'existe plus")]
    Unknown,
    #[error("votre lycée n'est pas destinataire de cette demande")]
    NotRecipient,
    #[error("la demande est {0} : elle ne peut plus changer")]
    Closed(String),
    #[error("votre lycée a déjà décliné cette demande")]
    AlreadyDeclined,
    #[error("votre lycée a déjà pris cette demande en charge")]
    AlreadyTaken,
    #[error("le délai de prise en charge est passé : la demande a été confiée à un autre lycée")]
    Expired,
    /// The database cannot serve right now (503): nothing was changed.
    #[error("le service est momentanément indisponible : rien n'a été modifié, réessayez dans quelques instants")]
    Unavailable,
    /// A bug (500): nothing was changed.
    #[error("erreur inattendue du service : rien n'a été modifié")]
    Internal,
}

impl AnswerError {
    /// The HTTP status of the refusal: a database that cannot serve is
    /// never a business refusal.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            AnswerError::NotRecipient | AnswerError::Unknown => StatusCode::NOT_FOUND,
            AnswerError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AnswerError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::CONFLICT,
        }
    }
}

/// Why a lycée declines (the email's choices).
pub const DECLINE_REASONS: [(&str, &str); 4] = [
    ("hors_champ", "Ce n'est pas notre domaine"),
    ("capacite", "Nous n'avons pas la capacité en ce moment"),
    ("periode", "La période ne convient pas"),
    ("autre", "Autre raison"),
];

/// Who a one-click link is for.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkClaims {
    pub demande_id: String,
    pub uai: String,
}

fn role_label(role: &str) -> &'static str {
    match role {
        "pilote" => "lycée pilote",
        "appui" => "lycée en appui",
        _ => "lycée en réserve",
    }
}

/// `now` minus `n` working days (Monday to Friday; public holidays are not
/// counted out).
pub fn minus_working_days(now: OffsetDateTime, n: u32) -> OffsetDateTime {
    let mut t = now;
    let mut left = n;
    while left > 0 {
        t -= Duration::days(1);
        if !matches!(t.weekday(), Weekday::Saturday | Weekday::Sunday) {
            left -= 1;
        }
    }
    t
}

fn levels_text(codes: &str) -> String {
    codes.split(',').filter_map(Niveau::from_code).map(Niveau::label).collect::<Vec<_>>().join(", ")
}

fn period_text(debut: Option<&str>, fin: Option<&str>) -> Option<String> {
    match (debut, fin) {
        (Some(d), Some(f)) => Some(format!("du {d} au {f}")),
        (Some(d), None) => Some(format!("à partir du {d}")),
        _ => None,
    }
}

fn event(
    demande_id: &str,
    auteur: &str,
    uai: Option<&str>,
    nom: Option<&str>,
    texte: String,
    public: bool,
    now: &str,
) -> EventRow {
    EventRow {
        id: random_id(),
        demande_id: demande_id.to_string(),
        auteur: auteur.to_string(),
        uai: uai.map(str::to_string),
        nom: nom.map(str::to_string),
        texte,
        public,
        cree_le: now.to_string(),
    }
}

fn outbox(demande_id: &str, to: &str, r: Rendered) -> OutboxRow {
    outbox_row(Some(demande_id), to, r)
}

/// An email to queue, about a request or not (sign-in links).
pub fn outbox_row(demande_id: Option<&str>, to: &str, r: Rendered) -> OutboxRow {
    OutboxRow {
        id: random_id(),
        demande_id: demande_id.map(str::to_string),
        modele: r.template.to_string(),
        destinataire: to.to_string(),
        sujet: r.subject,
        corps: r.body,
        tentatives: 0,
    }
}

impl RequestService {
    pub fn new(db: Db, signer: Signer, base_url: &str) -> RequestService {
        RequestService { db, signer, base_url: base_url.trim_end_matches('/').to_string() }
    }

    /// The company's private follow-up token of a request: unguessable
    /// without the key, the same in every email about the request, and
    /// replaced when the company asks for a new link (its version).
    pub fn follow_token(&self, d: &DemandeRow) -> String {
        match d.jeton_version {
            0 => self.signer.derive("suivi", &d.id),
            v => self.signer.derive("suivi", &format!("{}#{v}", d.id)),
        }
    }

    /// Whether the follow-up link of a request no longer opens it: a link
    /// works while the request is open and for [`FOLLOW_LINK_DAYS`] days
    /// after the later of its end and the link's issue.
    pub fn follow_link_expired(d: &DemandeRow, now: OffsetDateTime) -> bool {
        let Some(ended) = d.termine_le.as_deref() else { return false };
        let since = d.jeton_emis_le.as_deref().filter(|issued| *issued > ended).unwrap_or(ended);
        let horizon = clock::to_rfc3339(now - time::Duration::days(FOLLOW_LINK_DAYS));
        since < horizon.as_str()
    }

    /// Sends the company a new follow-up link (the old one stops working),
    /// to the address given in the request — whoever asks, the link only
    /// ever reaches that address.
    pub async fn renew_follow_link(&self, d: &DemandeRow, now: OffsetDateTime) -> anyhow::Result<()> {
        let now_s = clock::to_rfc3339(now);
        let renewed = DemandeRow { jeton_version: d.jeton_version + 1, ..d.clone() };
        let token = self.follow_token(&renewed);
        let mail = templates::NewFollowLink {
            prenom: &d.contact_prenom,
            nom: &d.contact_nom,
            reference: &d.reference,
            follow_url: &self.follow_url(&token),
            months: FOLLOW_LINK_DAYS / 30,
        }
        .render_email();
        let mut tx = self.db.begin().await?;
        store::renew_follow_link(&mut tx, &d.id, renewed.jeton_version, &token_hash(&token), &now_s).await?;
        store::insert_event(
            &mut tx,
            &event(&d.id, "systeme", None, None, "Nouveau lien de suivi envoyé à l'entreprise.".into(), false, &now_s),
        )
        .await?;
        store::insert_outbox(&mut tx, &outbox(&d.id, &d.contact_email, mail), &now_s).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The follow-up page of a request.
    pub fn follow_url(&self, token: &str) -> String {
        format!("{}/suivi/{token}", self.base_url)
    }

    /// The one-click link token of a recipient.
    pub fn link_token(&self, demande_id: &str, uai: &str, now: OffsetDateTime) -> String {
        let expires = (now + Duration::days(LINK_DAYS)).unix_timestamp();
        self.signer.sign("destinataire", &format!("{demande_id}|{uai}"), expires)
    }

    /// Checks a one-click link.
    pub fn check_link(&self, token: &str, now: OffsetDateTime) -> Result<LinkClaims, TokenError> {
        let payload = self.signer.verify("destinataire", token, now.unix_timestamp())?;
        let (demande_id, uai) = payload.split_once('|').ok_or(TokenError::Invalid)?;
        Ok(LinkClaims { demande_id: demande_id.to_string(), uai: uai.to_string() })
    }

    fn lycee_email(
        &self,
        index: &SearchIndex,
        d: &DemandeRow,
        uai: &str,
        role: &str,
        reasons: &[String],
        now: OffsetDateTime,
    ) -> Rendered {
        let token = self.link_token(&d.id, uai, now);
        let link = |suffix: &str| format!("{}/r/{token}{suffix}", self.base_url);
        let action = ActionType::from_code(&d.action).map_or("Autre besoin", ActionType::label);
        let jobs = d
            .metiers
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| index.rome_labels.get(r).cloned().unwrap_or_else(|| r.to_string()))
            .collect::<Vec<_>>()
            .join(", ");
        let expires = (now + Duration::days(LINK_DAYS)).date();
        templates::NewRequestForLycee {
            lycee: index.lycee(uai).map_or(uai, |l| l.nom.as_str()),
            reference: &d.reference,
            action,
            role_text: match role {
                "pilote" => "lycée pilote : vous coordonnez la réponse à l'entreprise",
                _ => "lycée en appui : le lycée pilote coordonne la réponse, vous pouvez y contribuer",
            },
            reasons,
            entreprise: &d.entreprise_nom,
            siret: d.entreprise_siret.as_deref(),
            contact: format!(
                "{} {}, {}{}",
                d.contact_prenom,
                d.contact_nom,
                d.contact_email,
                d.contact_telephone.as_deref().map(|t| format!(", {t}")).unwrap_or_default()
            ),
            commune: &d.commune_nom,
            jobs,
            levels: levels_text(&d.niveaux),
            students: d.nombre_eleves,
            period: period_text(d.periode_debut.as_deref(), d.periode_fin.as_deref()),
            message: &d.message,
            take_url: link("/prendre"),
            decline_url: link("/decliner"),
            view_url: link(""),
            workspace_url: format!("{}/espace/demandes/{}", self.base_url, d.reference),
            expires: format!("{:02}/{:02}/{}", expires.day(), u8::from(expires.month()), expires.year()),
        }
        .render_email()
    }

    /// Records and routes a request (or links it to the first one when it is
    /// a duplicate), with its emails, in one transaction.
    pub async fn submit(&self, index: &SearchIndex, v: ValidRequest, now: OffsetDateTime) -> anyhow::Result<Submitted> {
        let now_s = clock::to_rfc3339(now);
        let email_norm = v.email.normalized();
        let jobs_key = v.jobs_key();
        let since = clock::to_rfc3339(now - Duration::days(DUPLICATE_DAYS));
        let duplicate = store::find_duplicate(
            &self.db,
            &email_norm,
            v.siret.as_ref().map(|s| s.as_str()),
            v.action.code(),
            &jobs_key,
            &since,
        )
        .await?;
        let id = random_id();
        let token = self.signer.derive("suivi", &id);
        let follow_url = self.follow_url(&token);
        let action_label = v.action.label();
        let academie = v.commune.academie.clone();
        let mut d = DemandeRow {
            id: id.clone(),
            reference: String::new(),
            action: v.action.code().to_string(),
            entreprise_nom: v.entreprise_nom.clone(),
            entreprise_siret: v.siret.as_ref().map(|s| s.to_string()),
            entreprise_naf: v.naf.clone(),
            contact_prenom: v.prenom.clone(),
            contact_nom: v.nom.clone(),
            contact_email: v.email.to_string(),
            contact_email_norm: email_norm,
            contact_telephone: v.telephone.clone(),
            commune_code: v.commune.code.clone(),
            commune_nom: v.commune.nom.clone(),
            rayon_km: v.rayon_km,
            metiers: jobs_key,
            metier_texte: v.metier_texte.clone(),
            niveaux: v.niveaux.iter().map(|n| n.code()).collect::<Vec<_>>().join(","),
            nombre_eleves: v.nombre_eleves,
            periode_debut: v.debut.map(|d| d.to_string()),
            periode_fin: v.fin.map(|d| d.to_string()),
            message: v.message.clone(),
            lycee_origine: v.lycee.clone(),
            statut: String::new(),
            rayon_utilise_km: v.rayon_km,
            elargie: false,
            coordination: None,
            academie_code: academie.as_ref().map(|(c, _)| c.clone()),
            doublon_de: duplicate.clone(),
            jeton_hash: token_hash(&token),
            responsable_uai: None,
            responsable_nom: None,
            cree_le: now_s.clone(),
            modifie_le: now_s.clone(),
            jeton_version: 0,
            jeton_emis_le: None,
            termine_le: None,
        };

        if let Some(original) = duplicate {
            d.statut = "doublon".into();
            d.reference = self.next_reference(now).await?;
            let mut tx = self.db.begin().await?;
            store::insert_demande(&mut tx, &d).await?;
            let texte = format!(
                "Même demande que {original}, reçue il y a moins de {DUPLICATE_DAYS} jours : elle n'est pas transmise une seconde fois."
            );
            store::insert_event(&mut tx, &event(&id, "systeme", None, None, texte, true, &now_s)).await?;
            let mail = templates::Duplicate {
                prenom: &d.contact_prenom,
                nom: &d.contact_nom,
                action: action_label,
                original: &original,
                follow_url: &follow_url,
            }
            .render_email();
            store::insert_outbox(&mut tx, &outbox(&id, &d.contact_email, mail), &now_s).await?;
            tx.commit().await?;
            return Ok(Submitted {
                id,
                reference: d.reference,
                statut: d.statut,
                recipients: Vec::new(),
                widened_to: None,
                coordination: None,
                duplicate_of: Some(original),
                token,
                follow_url,
            });
        }

        // Routing, on the in-memory catalogue and the lycées' track records.
        let wanted: Vec<WantedJob> = v.jobs.iter().map(|(r, w)| WantedJob::new(r, *w)).collect();
        let center = v.commune.position;
        let (la0, la1, lo0, lo1) = center.bounding_box(STATUS_RADIUS_KM.max(v.rayon_km));
        let nearby: Vec<String> = index
            .lycees
            .iter()
            .filter(|l| l.position.is_some_and(|p| p.lat >= la0 && p.lat <= la1 && p.lon >= lo0 && p.lon <= lo1))
            .map(|l| l.uai.clone())
            .collect();
        let month = month_of(now);
        let status = store::routing_status(&self.db, &nearby, &month).await?;
        let request = RoutingRequest {
            action: v.action,
            wanted: &wanted,
            levels: &v.niveaux,
            center,
            radius_km: v.rayon_km,
            origin: v.lycee.as_deref(),
            excluded: &[],
            rome_labels: &index.rome_labels,
        };
        let decision = route(&request, &index.lycees, &|uai| status.get(uai).cloned().unwrap_or_default());
        d.rayon_utilise_km = decision.radius_km;
        d.elargie = decision.widened;
        d.coordination = decision.coordination.map(|c| match c {
            CoordinationReason::TrainingOffer => "formation".to_string(),
            CoordinationReason::NoLyceeFits => "aucun_lycee".to_string(),
        });
        d.statut = if decision.pilot.is_some() { "transmise".into() } else { "en_attente".into() };

        let mut chosen: Vec<(&Candidate<'_>, &str)> = Vec::new();
        if let Some(p) = &decision.pilot {
            chosen.push((p, "pilote"));
        }
        chosen.extend(decision.supports.iter().map(|c| (c, "appui")));
        let notified: Vec<String> = chosen.iter().map(|(c, _)| c.lycee.uai.clone()).collect();
        let emails = store::lycee_emails(&self.db, &notified).await?;
        let coordinator = match (&d.coordination, &d.academie_code) {
            (Some(_), Some(ac)) => store::coordination_of(&self.db, ac).await?,
            _ => None,
        };

        // Everything is prepared before the transaction, which then only
        // writes: a few multi-row statements, the shortest lock. The
        // reference is taken first, in its own short transaction, so that the
        // counter's row is not locked while the request is written (a failed
        // request leaves a gap in the numbers, never a duplicate).
        d.reference = self.next_reference(now).await?;
        let mut recipients = Vec::new();
        let mut rows: Vec<DestinataireRow> = Vec::new();
        let mut events: Vec<EventRow> = Vec::new();
        let mut mails: Vec<OutboxRow> = Vec::new();
        let all = chosen.iter().map(|(c, r)| (*c, *r)).chain(decision.reserves.iter().map(|c| (c, "reserve")));
        for (rank, (c, role)) in all.enumerate() {
            let reserve = role == "reserve";
            rows.push(DestinataireRow {
                demande_id: id.clone(),
                uai: c.lycee.uai.clone(),
                role: role.to_string(),
                rang: rank as i64 + 1,
                statut: if reserve { "en_attente".into() } else { "nouvelle".into() },
                raisons: c.reasons.join("\n"),
                distance_km: domain::geo::round_km(c.distance_km),
                score: c.score,
                motif: None,
                issue: None,
                notifie_le: (!reserve).then(|| now_s.clone()),
                decide_le: None,
                decide_par: None,
            });
            if reserve {
                continue;
            }
            recipients.push(RecipientView {
                uai: c.lycee.uai.clone(),
                nom: c.lycee.nom.clone(),
                commune: c.lycee.commune_nom.clone(),
                role: role.to_string(),
                statut: "nouvelle".into(),
                distance_km: domain::geo::round_km(c.distance_km),
                raisons: c.reasons.clone(),
            });
            match emails.get(&c.lycee.uai) {
                Some(to) => {
                    mails.push(outbox(&id, to, self.lycee_email(index, &d, &c.lycee.uai, role, &c.reasons, now)))
                }
                None => {
                    let texte = format!(
                        "{} n'a pas d'adresse électronique connue : la demande reste visible du chargé de mission de l'académie.",
                        c.lycee.nom
                    );
                    events.push(event(&id, "systeme", Some(&c.lycee.uai), None, texte, false, &now_s));
                }
            }
        }
        let sent_to =
            recipients.iter().map(|r| format!("{} ({})", r.nom, role_label(&r.role))).collect::<Vec<_>>().join(", ");
        if !recipients.is_empty() {
            events.push(event(&id, "systeme", None, None, format!("Demande transmise à {sent_to}."), true, &now_s));
        }
        let widened = decision.widened.then(|| km_label(decision.radius_km));
        if let Some(w) = &widened {
            let texte = format!(
                "Aucun lycée ne correspondait à moins de {} : le rayon a été élargi à {w}.",
                km_label(d.rayon_km)
            );
            events.push(event(&id, "systeme", None, None, texte, true, &now_s));
        }
        let coordination_text = d.coordination.as_deref().map(|c| {
            let academie = academie.as_ref().map_or("votre académie".to_string(), |(_, n)| format!("l'académie de {n}"));
            match c {
                "formation" => format!(
                    "Une demande sur l'offre de formation concerne aussi {academie} : le chargé de mission école-entreprise en est informé."
                ),
                _ => format!(
                    "Aucun lycée ne correspond, même à 100 km : le chargé de mission école-entreprise de {academie} reprend votre demande."
                ),
            }
        });
        if let Some(t) = &coordination_text {
            events.push(event(&id, "systeme", None, None, t.clone(), true, &now_s));
            if let (Some((to, _)), Some((_, academie_name))) = (&coordinator, &academie) {
                let mail = templates::Coordination {
                    reference: &d.reference,
                    commune: &d.commune_nom,
                    academie: academie_name,
                    action: action_label,
                    reason: if d.coordination.as_deref() == Some("formation") {
                        "demande sur l'offre de formation"
                    } else {
                        "aucun lycée ne correspond à moins de 100 km"
                    },
                    recipients: recipients.iter().map(|r| format!("{} ({})", r.nom, role_label(&r.role))).collect(),
                    entreprise: &d.entreprise_nom,
                    contact: format!("{} {} <{}>", d.contact_prenom, d.contact_nom, d.contact_email),
                    jobs: d
                        .metiers
                        .split(',')
                        .filter(|r| !r.is_empty())
                        .map(|r| index.rome_labels.get(r).cloned().unwrap_or_else(|| r.to_string()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    message: &d.message,
                }
                .render_email();
                mails.push(outbox(&id, to, mail));
            }
        }
        let confirmation = templates::Confirmation {
            prenom: &d.contact_prenom,
            nom: &d.contact_nom,
            reference: &d.reference,
            action: action_label,
            commune: &d.commune_nom,
            recipients: recipients
                .iter()
                .map(|r| format!("{} ({}), {}", r.nom, r.commune, role_label(&r.role)))
                .collect(),
            widened: widened.clone(),
            coordination: coordination_text,
            follow_url: &follow_url,
        }
        .render_email();
        mails.push(outbox(&id, &d.contact_email, confirmation));
        let mut tx = self.db.begin().await?;
        store::insert_demande(&mut tx, &d).await?;
        store::insert_destinataires(&mut tx, &rows).await?;
        store::insert_events(&mut tx, &events).await?;
        store::insert_outboxes(&mut tx, &mails, &now_s).await?;
        store::count(&mut tx, &notified, 1, 0, &month).await?;
        tx.commit().await?;

        Ok(Submitted {
            id,
            reference: d.reference,
            statut: d.statut,
            recipients,
            widened_to: decision.widened.then_some(decision.radius_km),
            coordination: match (&d.coordination, &academie) {
                (Some(_), Some((_, nom))) => Some(("academie".to_string(), nom.clone())),
                (Some(_), None) => Some(("academie".to_string(), String::new())),
                _ => None,
            },
            duplicate_of: None,
            token,
            follow_url,
        })
    }

    /// A request by its private follow-up token.
    pub async fn by_token(&self, token: &str) -> sqlx::Result<Option<DemandeRow>> {
        if token.len() > 100 {
            return Ok(None);
        }
        store::demande_by_token_hash(&self.db, &token_hash(token)).await
    }

    /// The recipients of a request (pilot and supports first, no reserves).
    pub async fn recipients(&self, index: &SearchIndex, demande_id: &str) -> sqlx::Result<Vec<RecipientView>> {
        Ok(store::destinataires(&self.db, demande_id)
            .await?
            .into_iter()
            .filter(|r| r.role != "reserve")
            .map(|r| view_of(index, &r))
            .collect())
    }

    /// A lycée takes a request in charge. The first one becomes responsible
    /// for the answer and the company gets one email naming it.
    pub async fn take(
        &self,
        index: &SearchIndex,
        demande_id: &str,
        uai: &str,
        person: &str,
        now: OffsetDateTime,
    ) -> Result<(), AnswerError> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await.map_err(internal)?;
        let (mut d, recips) = load_for_answer(&mut tx, demande_id).await?;
        let mut r = recips.iter().find(|r| r.uai == uai).cloned().ok_or(AnswerError::NotRecipient)?;
        check_answerable(&d, &r)?;
        r.statut = "prise_en_charge".into();
        r.decide_le = Some(now_s.clone());
        r.decide_par = Some(person.to_string());
        store::update_destinataire(&mut tx, &r).await.map_err(internal)?;
        store::count(&mut tx, &[uai.to_string()], 0, 1, &month_of(now)).await.map_err(internal)?;
        // The company becomes (or stays) a partner of the lycée, with this
        // request in its history.
        crate::partners::record_request(&mut tx, uai, &d, person, &now_s).await.map_err(internal)?;
        let lycee = index.lycee(uai);
        let lycee_name = lycee.map_or(uai, |l| l.nom.as_str());
        if d.responsable_uai.is_none() {
            d.responsable_uai = Some(uai.to_string());
            d.responsable_nom = Some(person.to_string());
            d.statut = "prise_en_charge".into();
            d.modifie_le = now_s.clone();
            store::update_demande(&mut tx, &d).await.map_err(internal)?;
            let texte = format!("Prise en charge par {lycee_name} : {person} vous répondra.");
            store::insert_event(&mut tx, &event(&d.id, "lycee", Some(uai), Some(person), texte, true, &now_s))
                .await
                .map_err(internal)?;
            let contact = store::lycee_emails(&self.db, &[uai.to_string()]).await.map_err(internal)?;
            let phone =
                crate::storage::catalogue::lycee(&self.db, uai).await.map_err(internal)?.and_then(|l| l.telephone);
            let follow_url = self.follow_url(&self.follow_token(&d));
            let mail = templates::Taken {
                prenom: &d.contact_prenom,
                nom: &d.contact_nom,
                reference: &d.reference,
                action: ActionType::from_code(&d.action).map_or("Autre besoin", ActionType::label),
                lycee: lycee_name,
                commune: lycee.map(|l| l.commune_nom.as_str()),
                person,
                email: contact.get(uai).map(String::as_str),
                telephone: phone.as_deref(),
                follow_url: &follow_url,
            }
            .render_email();
            store::insert_outbox(&mut tx, &outbox(&d.id, &d.contact_email, mail), &now_s).await.map_err(internal)?;
        } else {
            let texte = format!("{lycee_name} appuie la réponse ({person}).");
            store::insert_event(&mut tx, &event(&d.id, "lycee", Some(uai), Some(person), texte, false, &now_s))
                .await
                .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        Ok(())
    }

    /// A lycée declines; the next candidate is brought in.
    pub async fn decline(
        &self,
        index: &SearchIndex,
        demande_id: &str,
        uai: &str,
        reason: &str,
        person: &str,
        now: OffsetDateTime,
    ) -> Result<(), AnswerError> {
        let mut tx = self.db.begin().await.map_err(internal)?;
        let (d, recips) = load_for_answer(&mut tx, demande_id).await?;
        let r = recips.iter().find(|r| r.uai == uai).cloned().ok_or(AnswerError::NotRecipient)?;
        check_answerable(&d, &r)?;
        let reason_label = DECLINE_REASONS.iter().find(|(c, _)| *c == reason).map_or(reason, |(_, l)| l);
        self.step_aside(&mut tx, index, d, recips, uai, "declinee", reason_label, person, now).await?;
        tx.commit().await.map_err(internal)?;
        Ok(())
    }

    /// Moves the pilot role on for every pilot that has not taken its
    /// request within 3 working days. Returns how many moved.
    pub async fn move_overdue_pilots(&self, index: &SearchIndex, now: OffsetDateTime) -> anyhow::Result<usize> {
        let before = clock::to_rfc3339(minus_working_days(now, PILOT_WORKING_DAYS));
        let overdue = store::overdue_pilots(&self.db, &before).await?;
        let mut moved = 0;
        for (demande_id, uai) in overdue {
            let mut tx = self.db.begin().await?;
            let (d, recips) = match load_for_answer(&mut tx, &demande_id).await {
                Ok(x) => x,
                Err(_) => continue,
            };
            // Still overdue inside the transaction (another worker may have
            // moved it, or the pilot just answered).
            let still = recips.iter().any(|r| r.uai == uai && r.role == "pilote" && r.statut == "nouvelle")
                && d.responsable_uai.is_none();
            if !still {
                continue;
            }
            let why = format!("sans prise en charge sous {PILOT_WORKING_DAYS} jours ouvrés");
            self.step_aside(&mut tx, index, d, recips, &uai, "expiree", &why, "MonLycéePro", now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            tx.commit().await?;
            moved += 1;
        }
        Ok(moved)
    }

    /// A recipient leaves a request (declined, or pilot gone silent): the
    /// best remaining support becomes pilot, the next candidate in reserve
    /// is notified, and the coordinator takes over when nobody is left.
    #[allow(clippy::too_many_arguments)]
    async fn step_aside(
        &self,
        tx: &mut Tx,
        index: &SearchIndex,
        mut d: DemandeRow,
        mut recips: Vec<DestinataireRow>,
        uai: &str,
        new_status: &str,
        why: &str,
        person: &str,
        now: OffsetDateTime,
    ) -> Result<(), AnswerError> {
        let now_s = clock::to_rfc3339(now);
        let Some(pos) = recips.iter().position(|r| r.uai == uai) else { return Err(AnswerError::NotRecipient) };
        let was_pilot = recips[pos].role == "pilote";
        recips[pos].statut = new_status.to_string();
        recips[pos].motif = Some(why.to_string());
        recips[pos].decide_le = Some(now_s.clone());
        recips[pos].decide_par = Some(person.to_string());
        store::update_destinataire(tx, &recips[pos]).await.map_err(internal)?;
        let name = |u: &str| index.lycee(u).map_or(u.to_string(), |l| l.nom.clone());
        let verb = if new_status == "declinee" { "a décliné" } else { "n'a pas répondu à temps" };
        let texte = format!("{} {verb} ({why}).", name(uai));
        store::insert_event(tx, &event(&d.id, "lycee", Some(uai), Some(person), texte, false, &now_s))
            .await
            .map_err(internal)?;

        let mut newly: Vec<(usize, &'static str)> = Vec::new();
        if was_pilot && d.responsable_uai.is_none() {
            // The first support still waiting becomes pilot.
            if let Some(i) = recips.iter().position(|r| r.role == "appui" && r.statut == "nouvelle") {
                recips[i].role = "pilote".into();
                recips[i].notifie_le = Some(now_s.clone());
                store::update_destinataire(tx, &recips[i]).await.map_err(internal)?;
                newly.push((i, "pilote"));
            }
        }
        // The next candidate in reserve joins, as pilot if there is none.
        let has_pilot =
            recips.iter().any(|r| r.role == "pilote" && (r.statut == "nouvelle" || r.statut == "prise_en_charge"));
        if let Some(i) = recips.iter().position(|r| r.role == "reserve" && r.statut == "en_attente") {
            let role = if has_pilot || d.responsable_uai.is_some() { "appui" } else { "pilote" };
            recips[i].role = role.into();
            recips[i].statut = "nouvelle".into();
            recips[i].notifie_le = Some(now_s.clone());
            store::update_destinataire(tx, &recips[i]).await.map_err(internal)?;
            store::count(tx, std::slice::from_ref(&recips[i].uai), 1, 0, &month_of(now)).await.map_err(internal)?;
            newly.push((i, role));
        }
        let uais: Vec<String> = newly.iter().map(|(i, _)| recips[*i].uai.clone()).collect();
        let emails = store::lycee_emails(&self.db, &uais).await.map_err(internal)?;
        for (i, role) in &newly {
            let r = &recips[*i];
            let reasons: Vec<String> = r.raisons.lines().map(str::to_string).collect();
            let texte = format!("{} rejoint la demande ({}).", name(&r.uai), role_label(role));
            store::insert_event(tx, &event(&d.id, "systeme", Some(&r.uai), None, texte, true, &now_s))
                .await
                .map_err(internal)?;
            if let Some(to) = emails.get(&r.uai) {
                let mail = self.lycee_email(index, &d, &r.uai, role, &reasons, now);
                store::insert_outbox(tx, &outbox(&d.id, to, mail), &now_s).await.map_err(internal)?;
            }
        }
        let active =
            recips.iter().any(|r| r.role != "reserve" && (r.statut == "nouvelle" || r.statut == "prise_en_charge"));
        if !active && d.responsable_uai.is_none() {
            d.statut = "en_attente".into();
            if d.coordination.is_none() {
                d.coordination = Some("aucun_lycee".into());
            }
            d.modifie_le = now_s.clone();
            store::update_demande(tx, &d).await.map_err(internal)?;
            let texte = "Aucun autre lycée ne peut répondre pour l'instant : le chargé de mission école-entreprise de l'académie reprend votre demande.".to_string();
            store::insert_event(tx, &event(&d.id, "systeme", None, None, texte, true, &now_s))
                .await
                .map_err(internal)?;
            if let Some(ac) = &d.academie_code
                && let Some((to, _)) = store::coordination_of(&self.db, ac).await.map_err(internal)?
            {
                let academie = index.academies.values().find(|(c, _)| c == ac).map_or(ac.as_str(), |(_, n)| n.as_str());
                let mail = templates::Coordination {
                    reference: &d.reference,
                    commune: &d.commune_nom,
                    academie,
                    action: ActionType::from_code(&d.action).map_or("Autre besoin", ActionType::label),
                    reason: "aucun lycée n'a pu la prendre en charge",
                    recipients: Vec::new(),
                    entreprise: &d.entreprise_nom,
                    contact: format!("{} {} <{}>", d.contact_prenom, d.contact_nom, d.contact_email),
                    jobs: String::new(),
                    message: &d.message,
                }
                .render_email();
                store::insert_outbox(tx, &outbox(&d.id, &to, mail), &now_s).await.map_err(internal)?;
            }
        }
        Ok(())
    }

    /// The company cancels its request; the lycées involved are told.
    pub async fn cancel(&self, index: &SearchIndex, d: &DemandeRow, now: OffsetDateTime) -> anyhow::Result<bool> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let Some(mut d) = store::demande_for_update(&mut tx, &d.id).await? else { return Ok(false) };
        if matches!(d.statut.as_str(), "annulee" | "cloturee" | "doublon") {
            return Ok(false);
        }
        d.statut = "annulee".into();
        d.modifie_le = now_s.clone();
        store::update_demande(&mut tx, &d).await?;
        store::insert_event(
            &mut tx,
            &event(&d.id, "entreprise", None, None, "Demande annulée par l'entreprise.".into(), true, &now_s),
        )
        .await?;
        let recips = store::destinataires_in_tx(&mut tx, &d.id).await?;
        let involved: Vec<String> = recips
            .iter()
            .filter(|r| r.role != "reserve" && (r.statut == "nouvelle" || r.statut == "prise_en_charge"))
            .map(|r| r.uai.clone())
            .collect();
        let emails = store::lycee_emails(&self.db, &involved).await?;
        for to in involved.iter().filter_map(|u| emails.get(u)) {
            let mail = templates::Cancelled {
                entreprise: &d.entreprise_nom,
                reference: &d.reference,
                action: ActionType::from_code(&d.action).map_or("Autre besoin", ActionType::label),
            }
            .render_email();
            store::insert_outbox(&mut tx, &outbox(&d.id, to, mail), &now_s).await?;
        }
        let _ = index;
        tx.commit().await?;
        Ok(true)
    }

    /// The company writes to the lycées of its request.
    pub async fn company_message(&self, d: &DemandeRow, text: &str, now: OffsetDateTime) -> anyhow::Result<()> {
        let now_s = clock::to_rfc3339(now);
        let mut tx = self.db.begin().await?;
        let name = format!("{} {}", d.contact_prenom, d.contact_nom);
        store::insert_event(&mut tx, &event(&d.id, "entreprise", None, Some(&name), text.to_string(), true, &now_s))
            .await?;
        let recips = store::destinataires_in_tx(&mut tx, &d.id).await?;
        let to_tell: Vec<&DestinataireRow> = match &d.responsable_uai {
            Some(u) => recips.iter().filter(|r| &r.uai == u).collect(),
            None => recips.iter().filter(|r| r.role != "reserve" && r.statut == "nouvelle").collect(),
        };
        let uais: Vec<String> = to_tell.iter().map(|r| r.uai.clone()).collect();
        let emails = store::lycee_emails(&self.db, &uais).await?;
        for r in to_tell {
            if let Some(to) = emails.get(&r.uai) {
                let token = self.link_token(&d.id, &r.uai, now);
                let mail = templates::CompanyMessage {
                    entreprise: &d.entreprise_nom,
                    reference: &d.reference,
                    message: text,
                    view_url: format!("{}/r/{token}", self.base_url),
                    workspace_url: format!("{}/espace/demandes/{}", self.base_url, d.reference),
                }
                .render_email();
                store::insert_outbox(&mut tx, &outbox(&d.id, to, mail), &now_s).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The request and its recipients, read for a decision.
async fn load_for_answer(tx: &mut Tx, demande_id: &str) -> Result<(DemandeRow, Vec<DestinataireRow>), AnswerError> {
    let d = store::demande_for_update(tx, demande_id).await.map_err(internal)?.ok_or(AnswerError::Unknown)?;
    let recips = store::destinataires_in_tx(tx, demande_id).await.map_err(internal)?;
    Ok((d, recips))
}

fn check_answerable(d: &DemandeRow, r: &DestinataireRow) -> Result<(), AnswerError> {
    match d.statut.as_str() {
        "annulee" => return Err(AnswerError::Closed("annulée par l'entreprise".into())),
        "cloturee" => return Err(AnswerError::Closed("clôturée".into())),
        "doublon" => return Err(AnswerError::Closed("un doublon".into())),
        _ => {}
    }
    match r.statut.as_str() {
        "nouvelle" => Ok(()),
        "prise_en_charge" => Err(AnswerError::AlreadyTaken),
        "declinee" => Err(AnswerError::AlreadyDeclined),
        "expiree" => Err(AnswerError::Expired),
        _ => Err(AnswerError::NotRecipient),
    }
}

fn internal(e: sqlx::Error) -> AnswerError {
    tracing::error!(error = %e, "réponse d'un lycée : erreur de la base");
    if crate::storage::is_unavailable(&e) { AnswerError::Unavailable } else { AnswerError::Internal }
}

/// The calendar month of `now` ("2026-11"), the period of the fair share.
fn month_of(now: OffsetDateTime) -> String {
    format!("{}-{:02}", now.year(), u8::from(now.month()))
}

impl RequestService {
    /// Next reference of the year: MLP-2026-000123.
    async fn next_reference(&self, now: OffsetDateTime) -> sqlx::Result<String> {
        let year = now.year();
        let mut tx = self.db.begin().await?;
        let n = store::next_sequence(&mut tx, &format!("demandes-{year}")).await?;
        tx.commit().await?;
        Ok(format!("MLP-{year}-{n:06}"))
    }
}

/// A stored recipient as shown.
pub fn view_of(index: &SearchIndex, r: &DestinataireRow) -> RecipientView {
    let lycee = index.lycee(&r.uai);
    RecipientView {
        uai: r.uai.clone(),
        nom: lycee.map_or(r.uai.clone(), |l| l.nom.clone()),
        commune: lycee.map_or(String::new(), |l| l.commune_nom.clone()),
        role: r.role.clone(),
        statut: r.statut.clone(),
        distance_km: r.distance_km,
        raisons: r.raisons.lines().map(str::to_string).collect(),
    }
}

/// Recipients' statuses counted, for the company's page.
pub fn status_counts(recips: &[RecipientView]) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for r in recips {
        *out.entry(r.statut.clone()).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn working_days_skip_weekends() {
        // Wednesday 25 November 2026, 10:00 → Friday 20 November.
        assert_eq!(minus_working_days(datetime!(2026-11-25 10:00 UTC), 3), datetime!(2026-11-20 10:00 UTC));
        // Monday → previous Wednesday.
        assert_eq!(minus_working_days(datetime!(2026-11-23 10:00 UTC), 3), datetime!(2026-11-18 10:00 UTC));
        assert_eq!(minus_working_days(datetime!(2026-11-23 10:00 UTC), 0), datetime!(2026-11-23 10:00 UTC));
    }
}
