-- Events a lycée opens to companies (issue 16): forum des métiers, job
-- dating, open days, diploma ceremonies, tutor meetings.
--
-- * `evenements`: one event of one lycée. `debut` and `fin` are RFC 3339
--   instants in UTC, like every stored instant (typed and shown in the
--   lycée's local time). `capacite` counts companies (confirmed
--   registrations), NULL for no limit. `etat`: publie | annule
--   (domain::events::EventState); a cancelled event keeps its row for the
--   lycée's history and its registrants' record.
-- * `inscriptions_evenements`: a company's registration, without an
--   account. `etat`: en_attente (address not confirmed: no place taken) |
--   confirmee | annulee. `rappel_envoye_le` records the reminder of the day
--   before, so it leaves once. `anonymise_le`: the personal data erased
--   after the retention delay.
CREATE TABLE evenements (
    id TEXT PRIMARY KEY,
    uai TEXT NOT NULL,
    genre TEXT NOT NULL,
    titre TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    debut TEXT NOT NULL,
    fin TEXT NOT NULL,
    lieu TEXT NOT NULL,
    adresse TEXT NOT NULL DEFAULT '',
    commune_code TEXT,
    public_vise TEXT NOT NULL DEFAULT '',
    capacite BIGINT,
    etat TEXT NOT NULL DEFAULT 'publie',
    cree_par TEXT NOT NULL,
    cree_le TEXT NOT NULL,
    modifie_le TEXT NOT NULL,
    annule_le TEXT
);

CREATE INDEX evenements_uai_debut ON evenements (uai, debut);
CREATE INDEX evenements_debut ON evenements (debut);

CREATE TABLE inscriptions_evenements (
    id TEXT PRIMARY KEY,
    evenement_id TEXT NOT NULL REFERENCES evenements (id),
    entreprise TEXT NOT NULL,
    prenom TEXT,
    nom TEXT NOT NULL,
    email TEXT NOT NULL,
    telephone TEXT,
    personnes BIGINT NOT NULL DEFAULT 1,
    etat TEXT NOT NULL,
    cree_le TEXT NOT NULL,
    confirme_le TEXT,
    rappel_envoye_le TEXT,
    annule_le TEXT,
    anonymise_le TEXT
);

CREATE INDEX inscriptions_evenements_evenement ON inscriptions_evenements (evenement_id, etat);
CREATE INDEX inscriptions_evenements_email ON inscriptions_evenements (email);
