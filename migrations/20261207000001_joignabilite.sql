-- Every request reaches a person (domain::reach, domain::routing).
--
-- Addresses people entered for a lycée (a coordinator, an administrator),
-- kept apart from the imported catalogue so that no re-import or refresh
-- overwrites them, with who set them and when (the audit log has every
-- change).
CREATE TABLE adresses_lycees (
    uai TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    saisi_par TEXT NOT NULL,
    saisi_le TEXT NOT NULL
);

-- Addresses the mail system refused for good (an unknown mailbox, a
-- refused domain): a dead address is nobody, so reachability skips it
-- until someone enters it again or an email to it is delivered. Retries
-- spent on a passing fault (our own mail server down) mark nothing.
CREATE TABLE courriels_en_echec (
    email_norm TEXT PRIMARY KEY,
    depuis TEXT NOT NULL,
    erreur TEXT NOT NULL
);

-- Which link of a request's chain an email is for ('lycee:UAI',
-- 'coordination:academie', 'coordination:national'), so that an email
-- finally undelivered passes the request to the next link.
ALTER TABLE outbox ADD COLUMN cible TEXT;

-- Who of the coordination chain was written to, and the lycées that fit
-- but nobody could write to (UAIs separated by commas), for the
-- coordination to call.
ALTER TABLE demandes ADD COLUMN coordination_niveau TEXT CHECK (coordination_niveau IN ('academie', 'national'));
ALTER TABLE demandes ADD COLUMN lycees_a_contacter TEXT;

-- The coordination's reason gains three codes. SQLite cannot change a
-- CHECK constraint: the column is replaced (added, copied, dropped,
-- renamed), the same portable way on both engines.
ALTER TABLE demandes ADD COLUMN coordination_n TEXT CHECK (coordination_n IN
    ('formation', 'aucun_lycee', 'aucun_lycee_joignable', 'lycee_a_contacter', 'aucun_contact'));
UPDATE demandes SET coordination_n = coordination;
ALTER TABLE demandes DROP COLUMN coordination;
ALTER TABLE demandes RENAME COLUMN coordination_n TO coordination;

-- Requests still waiting for a lycée are looked at once by the schedule:
-- a pilot nobody can read passes its role on at once, and a request left
-- with nobody goes to the coordination.
UPDATE demandes SET prochaine_echeance = cree_le WHERE statut = 'transmise' AND responsable_uai IS NULL;

-- The public statistics read whether each request reached a lycée at once
-- (its coordination reason): the covering index carries the column.
DROP INDEX demandes_statistiques;
CREATE INDEX demandes_statistiques ON demandes (cree_le, statut, action, academie_code, commune_code, issue, pris_le,
    satisfaction, partenaire, coordination);
