-- The bureau des entreprises' other half (issue 16): lycées looking for
-- placements, what partners can host, and the calls for placements sent to
-- them.
--
-- * `besoins_stages`: a lycée's open need for host companies, for one
--   diploma and one PFMP period of its calendar (dates copied: deleting the
--   period later does not change what was announced). `places`: students
--   still without a company; no student's name is ever stored. `statut`:
--   ouvert | pourvu | retire; a need whose period has ended is over by
--   itself (read from `fin`, never written by a job).
-- * `capacites_accueil`: what a partner of the lycée says it can host: a
--   diploma (CFD) or a job (ROME), the months (comma-separated 1..12, empty:
--   all year), how many students.
-- * `appels_stages`: each call for placements sent, one per need and
--   address (a second click never writes twice to the same person).
-- * `desinscriptions_appels`: addresses that asked a lycée to stop sending
--   them calls (the unsubscribe link of each call).
CREATE TABLE besoins_stages (
    id TEXT PRIMARY KEY,
    uai TEXT NOT NULL,
    diplome TEXT NOT NULL,
    periode_id TEXT,
    debut TEXT NOT NULL,
    fin TEXT NOT NULL,
    places BIGINT NOT NULL,
    note TEXT,
    statut TEXT NOT NULL,
    cree_le TEXT NOT NULL,
    cree_par TEXT NOT NULL,
    modifie_le TEXT NOT NULL,
    clos_le TEXT,
    clos_par TEXT
);
CREATE INDEX besoins_stages_ouverts ON besoins_stages (statut, fin);
CREATE INDEX besoins_stages_par_lycee ON besoins_stages (uai, statut);

CREATE TABLE capacites_accueil (
    id TEXT PRIMARY KEY,
    partenaire_id TEXT NOT NULL REFERENCES partenaires (id),
    diplome TEXT,
    rome TEXT,
    mois TEXT NOT NULL,
    places BIGINT NOT NULL,
    note TEXT,
    cree_le TEXT NOT NULL
);
CREATE INDEX capacites_accueil_par_partenaire ON capacites_accueil (partenaire_id);

CREATE TABLE appels_stages (
    id TEXT PRIMARY KEY,
    besoin_id TEXT NOT NULL REFERENCES besoins_stages (id),
    partenaire_id TEXT NOT NULL REFERENCES partenaires (id),
    email_norm TEXT NOT NULL,
    envoye_le TEXT NOT NULL,
    envoye_par TEXT NOT NULL,
    UNIQUE (besoin_id, email_norm)
);

CREATE TABLE desinscriptions_appels (
    uai TEXT NOT NULL,
    email_norm TEXT NOT NULL,
    le TEXT NOT NULL,
    PRIMARY KEY (uai, email_norm)
);
