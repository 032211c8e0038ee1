-- Company requests (demandes), their routing, their follow-up, and the
-- outbox of emails. Portable SQL (SQLite and PostgreSQL).

-- Named counters (request references per year).
CREATE TABLE sequences (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE demandes (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    action TEXT NOT NULL,
    entreprise_nom TEXT NOT NULL,
    entreprise_siret TEXT,
    entreprise_naf TEXT,
    contact_prenom TEXT NOT NULL,
    contact_nom TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_email_norm TEXT NOT NULL,
    contact_telephone TEXT,
    commune_code TEXT NOT NULL,
    commune_nom TEXT NOT NULL,
    rayon_km DOUBLE PRECISION NOT NULL,
    -- ROME codes, sorted, comma-separated: equal lists mean the same jobs.
    metiers TEXT NOT NULL,
    metier_texte TEXT,
    niveaux TEXT NOT NULL,
    nombre_eleves BIGINT,
    periode_debut TEXT,
    periode_fin TEXT,
    message TEXT NOT NULL,
    lycee_origine TEXT,
    -- transmise | prise_en_charge | en_attente | cloturee | annulee | doublon
    statut TEXT NOT NULL,
    rayon_utilise_km DOUBLE PRECISION NOT NULL,
    elargie BOOLEAN NOT NULL,
    -- Why the territorial coordinator is involved: formation | aucun_lycee.
    coordination TEXT,
    academie_code TEXT,
    doublon_de TEXT,
    -- SHA-256 of the private follow-up token (the token itself is only in
    -- the company's link).
    jeton_hash TEXT NOT NULL UNIQUE,
    responsable_uai TEXT,
    responsable_nom TEXT,
    cree_le TEXT NOT NULL,
    modifie_le TEXT NOT NULL
);
CREATE INDEX demandes_par_email ON demandes (contact_email_norm, action, metiers, cree_le);
CREATE INDEX demandes_par_siret ON demandes (entreprise_siret, action, metiers, cree_le);
CREATE INDEX demandes_par_academie ON demandes (academie_code, statut);

-- The lycées a request went to, and those kept in reserve.
CREATE TABLE destinataires (
    demande_id TEXT NOT NULL REFERENCES demandes (id),
    uai TEXT NOT NULL,
    -- pilote | appui | reserve
    role TEXT NOT NULL,
    rang BIGINT NOT NULL,
    -- en_attente (reserve) | nouvelle | prise_en_charge | declinee | expiree | cloturee
    statut TEXT NOT NULL,
    raisons TEXT NOT NULL,
    distance_km DOUBLE PRECISION NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    motif TEXT,
    issue TEXT,
    notifie_le TEXT,
    decide_le TEXT,
    decide_par TEXT,
    PRIMARY KEY (demande_id, uai)
);
CREATE INDEX destinataires_par_lycee ON destinataires (uai, statut);
CREATE INDEX destinataires_en_retard ON destinataires (role, statut, notifie_le);

-- What happened to a request, in words; `public` lines are shown to the
-- company on its follow-up page.
CREATE TABLE demande_evenements (
    id TEXT PRIMARY KEY,
    demande_id TEXT NOT NULL REFERENCES demandes (id),
    auteur TEXT NOT NULL,
    uai TEXT,
    nom TEXT,
    texte TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    cree_le TEXT NOT NULL
);
CREATE INDEX demande_evenements_par_demande ON demande_evenements (demande_id, cree_le);

-- Emails to send, written in the same transaction as what they tell.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    demande_id TEXT,
    modele TEXT NOT NULL,
    destinataire TEXT NOT NULL,
    sujet TEXT NOT NULL,
    corps TEXT NOT NULL,
    -- a_envoyer | envoye | echec
    statut TEXT NOT NULL,
    tentatives BIGINT NOT NULL,
    prochain_essai TEXT NOT NULL,
    verrou TEXT,
    verrou_jusqu TEXT,
    derniere_erreur TEXT,
    cree_le TEXT NOT NULL,
    envoye_le TEXT
);
CREATE INDEX outbox_a_envoyer ON outbox (statut, prochain_essai);

-- Periodic jobs: a lease so that one worker only runs each at a time.
CREATE TABLE taches (
    nom TEXT PRIMARY KEY,
    verrou TEXT,
    verrou_jusqu TEXT,
    derniere_execution TEXT
);

-- Addresses of the territorial coordinators (école-entreprise, DRAFPIC) by
-- académie; without one, the request stays visible to the coordinator in
-- the workspace.
CREATE TABLE coordinations (
    academie_code TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    nom TEXT
);

-- What a lycée accepts (stated by its business officer; everything when
-- absent). Read by the routing.
CREATE TABLE lycee_disponibilites (
    uai TEXT PRIMARY KEY,
    actions TEXT,
    en_pause BOOLEAN NOT NULL,
    capacite BIGINT
);
