-- The typed lifecycle of a request (domain::lifecycle): its schedule
-- (reminders, escalation, the honest end), the company's word, the order of
-- its story, and CHECK constraints so that a status, a role or an outcome
-- outside the domain's codes can never be stored.
--
-- SQLite cannot add a constraint to an existing table: the three tables are
-- rebuilt (new table, copy, drop, rename), the same portable way on both
-- engines. Children first on drop, parents first on create.

CREATE TABLE demandes_n (
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
    metiers TEXT NOT NULL,
    metier_texte TEXT,
    niveaux TEXT NOT NULL,
    nombre_eleves BIGINT,
    periode_debut TEXT,
    periode_fin TEXT,
    message TEXT NOT NULL,
    lycee_origine TEXT,
    statut TEXT NOT NULL CHECK (statut IN
        ('transmise', 'prise_en_charge', 'en_attente', 'cloturee', 'annulee', 'doublon', 'sans_reponse')),
    rayon_utilise_km DOUBLE PRECISION NOT NULL,
    elargie BOOLEAN NOT NULL,
    coordination TEXT CHECK (coordination IN ('formation', 'aucun_lycee')),
    academie_code TEXT,
    doublon_de TEXT,
    jeton_hash TEXT NOT NULL UNIQUE,
    responsable_uai TEXT,
    responsable_nom TEXT,
    cree_le TEXT NOT NULL,
    modifie_le TEXT NOT NULL,
    jeton_version BIGINT NOT NULL DEFAULT 0,
    jeton_emis_le TEXT,
    termine_le TEXT,
    -- How it ended, and who ended it.
    issue TEXT CHECK (issue IN ('partenariat', 'realisee', 'sans_suite', 'injoignable')),
    cloture_par TEXT CHECK (cloture_par IN ('lycee', 'coordination', 'entreprise', 'systeme')),
    -- The schedule: when its clock started (sent, or re-opened by the
    -- company), when it was taken and first answered, and each step done.
    demarre_le TEXT NOT NULL,
    pris_le TEXT,
    repondu_le TEXT,
    relance_tous_le TEXT,
    escalade_le TEXT,
    relance_message_le TEXT,
    demande_cloture_le TEXT,
    rouverte_par_entreprise BOOLEAN NOT NULL DEFAULT FALSE,
    -- When the schedule next has something to do (domain::lifecycle::next_due):
    -- the worker only looks at requests that are due.
    prochaine_echeance TEXT,
    -- The company's word, asked once after closing.
    satisfaction BIGINT CHECK (satisfaction BETWEEN 1 AND 5),
    satisfaction_commentaire TEXT,
    satisfaction_le TEXT
);

INSERT INTO demandes_n (id, reference, action, entreprise_nom, entreprise_siret, entreprise_naf, contact_prenom,
    contact_nom, contact_email, contact_email_norm, contact_telephone, commune_code, commune_nom, rayon_km, metiers,
    metier_texte, niveaux, nombre_eleves, periode_debut, periode_fin, message, lycee_origine, statut, rayon_utilise_km,
    elargie, coordination, academie_code, doublon_de, jeton_hash, responsable_uai, responsable_nom, cree_le,
    modifie_le, jeton_version, jeton_emis_le, termine_le, demarre_le, prochaine_echeance, pris_le)
SELECT id, reference, action, entreprise_nom, entreprise_siret, entreprise_naf, contact_prenom,
    contact_nom, contact_email, contact_email_norm, contact_telephone, commune_code, commune_nom, rayon_km, metiers,
    metier_texte, niveaux, nombre_eleves, periode_debut, periode_fin, message, lycee_origine, statut, rayon_utilise_km,
    elargie, coordination, academie_code, doublon_de, jeton_hash, responsable_uai, responsable_nom, cree_le,
    modifie_le, jeton_version, jeton_emis_le, termine_le, cree_le,
    -- Open requests are looked at once by the worker, which then sets
    -- their real next step.
    CASE WHEN statut IN ('transmise', 'prise_en_charge', 'en_attente') THEN cree_le END,
    CASE WHEN responsable_uai IS NOT NULL THEN modifie_le END
FROM demandes;

CREATE TABLE destinataires_n (
    demande_id TEXT NOT NULL REFERENCES demandes_n (id),
    uai TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('pilote', 'appui', 'reserve')),
    rang BIGINT NOT NULL,
    statut TEXT NOT NULL CHECK (statut IN
        ('en_attente', 'nouvelle', 'prise_en_charge', 'declinee', 'expiree', 'cloturee')),
    raisons TEXT NOT NULL,
    distance_km DOUBLE PRECISION NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    motif TEXT,
    issue TEXT CHECK (issue IN ('partenariat', 'realisee', 'sans_suite', 'injoignable')),
    notifie_le TEXT,
    decide_le TEXT,
    decide_par TEXT,
    -- When the pilot was reminded (once per pilot).
    relance_le TEXT,
    PRIMARY KEY (demande_id, uai)
);

INSERT INTO destinataires_n (demande_id, uai, role, rang, statut, raisons, distance_km, score, motif, issue,
    notifie_le, decide_le, decide_par)
SELECT demande_id, uai, role, rang, statut, raisons, distance_km, score, motif, issue, notifie_le, decide_le, decide_par
FROM destinataires;

CREATE TABLE demande_evenements_n (
    id TEXT PRIMARY KEY,
    demande_id TEXT NOT NULL REFERENCES demandes_n (id),
    -- The order of the story: lines written within the same second keep
    -- the order they happened in.
    ordre BIGINT NOT NULL,
    -- Who: a lycée (uai), the coordination, the company, the service.
    -- Notes are the lines that are not public.
    auteur TEXT NOT NULL CHECK (auteur IN ('lycee', 'coordination', 'entreprise', 'systeme')),
    uai TEXT,
    nom TEXT,
    texte TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    cree_le TEXT NOT NULL
);

INSERT INTO demande_evenements_n (id, demande_id, ordre, auteur, uai, nom, texte, public, cree_le)
SELECT e.id, e.demande_id,
    (SELECT COUNT(*) FROM demande_evenements p WHERE p.demande_id = e.demande_id
        AND (p.cree_le < e.cree_le OR (p.cree_le = e.cree_le AND p.id <= e.id))),
    CASE WHEN e.auteur IN ('lycee', 'note') AND e.uai IS NULL THEN 'coordination'
        WHEN e.auteur = 'note' THEN 'lycee' ELSE e.auteur END,
    e.uai, e.nom, e.texte, e.public, e.cree_le
FROM demande_evenements e;

DROP TABLE demande_evenements;
DROP TABLE destinataires;
DROP TABLE demandes;

ALTER TABLE demandes_n RENAME TO demandes;
ALTER TABLE destinataires_n RENAME TO destinataires;
ALTER TABLE demande_evenements_n RENAME TO demande_evenements;

CREATE INDEX demandes_par_email ON demandes (contact_email_norm, action, metiers, cree_le);
CREATE INDEX demandes_par_siret ON demandes (entreprise_siret, action, metiers, cree_le);
CREATE INDEX demandes_par_academie ON demandes (academie_code, statut);
-- The schedule looks at open requests only.
CREATE INDEX demandes_echeances ON demandes (prochaine_echeance);
CREATE INDEX destinataires_par_lycee ON destinataires (uai, statut);
CREATE INDEX destinataires_en_retard ON destinataires (role, statut, notifie_le);
CREATE UNIQUE INDEX demande_evenements_ordre ON demande_evenements (demande_id, ordre);
