-- The workspace of business officers (RBE), coordinators and
-- administrators: accounts, sessions, sign-in links, join requests, audit
-- log; the showcase in the lycée's hands; its partners.

CREATE TABLE comptes (
    id TEXT PRIMARY KEY,
    -- Lowercase: one mailbox, one account.
    email TEXT NOT NULL UNIQUE,
    prenom TEXT,
    nom TEXT,
    -- rbe | coordinateur | admin
    role TEXT NOT NULL,
    -- A coordinator's académie (a bassin is a list of lycées instead).
    academie_code TEXT,
    actif BOOLEAN NOT NULL,
    proconnect_sub TEXT UNIQUE,
    cree_le TEXT NOT NULL,
    derniere_connexion TEXT
);

-- The lycées of an RBE, or of a coordinator of a bassin.
CREATE TABLE compte_lycees (
    compte_id TEXT NOT NULL REFERENCES comptes (id),
    uai TEXT NOT NULL,
    PRIMARY KEY (compte_id, uai)
);
CREATE INDEX compte_lycees_par_lycee ON compte_lycees (uai);

-- Sessions live in the database so that any instance serves any user.
CREATE TABLE sessions (
    jeton_hash TEXT PRIMARY KEY,
    compte_id TEXT NOT NULL REFERENCES comptes (id),
    cree_le TEXT NOT NULL,
    expire_le TEXT NOT NULL
);
CREATE INDEX sessions_par_compte ON sessions (compte_id);

-- One-time sign-in links sent by email.
CREATE TABLE liens_connexion (
    jeton_hash TEXT PRIMARY KEY,
    compte_id TEXT NOT NULL REFERENCES comptes (id),
    expire_le TEXT NOT NULL,
    utilise_le TEXT,
    cree_le TEXT NOT NULL
);

-- ProConnect (OpenID Connect) sign-ins under way: state and nonce.
CREATE TABLE oidc_etats (
    etat TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    verificateur TEXT NOT NULL,
    expire_le TEXT NOT NULL
);

-- An agent asking to join a lycée, confirmed by the lycée's official
-- address or by the coordinator.
CREATE TABLE adhesions (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    prenom TEXT,
    nom TEXT,
    uai TEXT NOT NULL,
    -- en_attente | acceptee | refusee
    statut TEXT NOT NULL,
    cree_le TEXT NOT NULL,
    decide_le TEXT,
    decide_par TEXT
);
CREATE INDEX adhesions_par_lycee ON adhesions (uai, statut);

-- Who did what, when: grants, removals, sign-ins, exports, edits.
CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    quand TEXT NOT NULL,
    qui TEXT NOT NULL,
    action TEXT NOT NULL,
    cible TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_par_date ON audit (quand);

-- What the lycée says of itself, for companies (Markdown, sanitised when
-- shown). The imported catalogue stays read-only.
CREATE TABLE vitrines (
    uai TEXT PRIMARY KEY,
    presentation TEXT NOT NULL,
    plateaux TEXT NOT NULL,
    reussites TEXT NOT NULL,
    horaires TEXT NOT NULL,
    bde_nom TEXT,
    bde_email TEXT,
    bde_telephone TEXT,
    bde_public BOOLEAN NOT NULL,
    modifie_le TEXT NOT NULL,
    modifie_par TEXT NOT NULL
);

-- Internship periods (PFMP) by diploma and school year.
CREATE TABLE periodes_pfmp (
    id TEXT PRIMARY KEY,
    uai TEXT NOT NULL,
    diplome TEXT NOT NULL,
    annee TEXT NOT NULL,
    debut TEXT NOT NULL,
    fin TEXT NOT NULL
);
CREATE INDEX periodes_pfmp_par_lycee ON periodes_pfmp (uai, debut);

-- The lycée's partners.
CREATE TABLE partenaires (
    id TEXT PRIMARY KEY,
    uai TEXT NOT NULL,
    nom TEXT NOT NULL,
    nom_norm TEXT NOT NULL,
    siret TEXT,
    secteur TEXT,
    adresse TEXT,
    -- Tags, comma-separated, lowercase.
    tags TEXT NOT NULL,
    cree_le TEXT NOT NULL,
    modifie_le TEXT NOT NULL
);
CREATE INDEX partenaires_par_lycee ON partenaires (uai, nom_norm);

CREATE TABLE partenaire_contacts (
    id TEXT PRIMARY KEY,
    partenaire_id TEXT NOT NULL REFERENCES partenaires (id),
    prenom TEXT,
    nom TEXT NOT NULL,
    fonction TEXT,
    email TEXT,
    telephone TEXT
);

-- History of a partnership: filled from requests, plus manual entries
-- (visite, pfmp, apprenti, evenement, autre).
CREATE TABLE interactions (
    id TEXT PRIMARY KEY,
    partenaire_id TEXT NOT NULL REFERENCES partenaires (id),
    date TEXT NOT NULL,
    genre TEXT NOT NULL,
    texte TEXT NOT NULL,
    demande_id TEXT,
    cree_par TEXT NOT NULL
);
CREATE INDEX interactions_par_partenaire ON interactions (partenaire_id, date);

-- Partnership agreements, with a reminder before their end.
CREATE TABLE conventions (
    id TEXT PRIMARY KEY,
    partenaire_id TEXT NOT NULL REFERENCES partenaires (id),
    objet TEXT NOT NULL,
    debut TEXT NOT NULL,
    fin TEXT NOT NULL,
    renouvellement TEXT,
    document_url TEXT,
    rappel_envoye_le TEXT
);
CREATE INDEX conventions_par_fin ON conventions (fin);
