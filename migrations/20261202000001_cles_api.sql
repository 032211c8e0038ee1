-- Partner platforms (API.md, "Partner platforms"): API keys, the requests
-- they create, and the webhooks that tell them what became of each.
--
-- * `cles_api`: one key per partner. Only the SHA-256 of the key is kept
--   (`empreinte`; the key is shown once when created), with its first
--   characters to recognise it in a list. The webhook secret must sign
--   every delivery, so it is kept as is (like the service's own secret key,
--   the database is what protects it). `origines`: the origins allowed to
--   embed the request form (space-separated). A revoked key keeps its row
--   (and its name, never given again): its requests stay attributed.
-- * `demandes.partenaire`: the name of the key a request came with
--   (`source` in the API), NULL for the site's own journey.
-- * `webhooks`: the events to deliver, written in the transaction of the
--   change they tell (an outbox, like emails), delivered in order per
--   request (`ordre`) with retries; `webhook_essais` records each attempt.
CREATE TABLE cles_api (
    id TEXT PRIMARY KEY,
    nom TEXT NOT NULL UNIQUE,
    empreinte TEXT NOT NULL UNIQUE,
    debut TEXT NOT NULL,
    webhook_url TEXT,
    webhook_secret TEXT,
    origines TEXT NOT NULL DEFAULT '',
    cree_le TEXT NOT NULL,
    cree_par TEXT NOT NULL,
    revoquee_le TEXT,
    utilisee_le TEXT
);

ALTER TABLE demandes ADD COLUMN partenaire TEXT;
CREATE INDEX demandes_par_partenaire ON demandes (partenaire, modifie_le);

CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    cle_id TEXT NOT NULL REFERENCES cles_api (id),
    demande_id TEXT NOT NULL REFERENCES demandes (id),
    ordre BIGINT NOT NULL,
    evenement TEXT NOT NULL,
    corps TEXT NOT NULL,
    statut TEXT NOT NULL CHECK (statut IN ('a_envoyer', 'envoye', 'echec')),
    tentatives BIGINT NOT NULL DEFAULT 0,
    prochain_essai TEXT NOT NULL,
    verrou TEXT,
    verrou_jusqu TEXT,
    dernier_code BIGINT,
    derniere_erreur TEXT,
    cree_le TEXT NOT NULL,
    envoye_le TEXT,
    UNIQUE (demande_id, cle_id, ordre)
);
CREATE INDEX webhooks_a_envoyer ON webhooks (statut, prochain_essai);

CREATE TABLE webhook_essais (
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    numero BIGINT NOT NULL,
    essai_le TEXT NOT NULL,
    code_http BIGINT,
    erreur TEXT,
    duree_ms BIGINT NOT NULL,
    PRIMARY KEY (webhook_id, numero)
);
