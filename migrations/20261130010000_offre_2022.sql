-- What each lycée teaches today (issue 12): `lycee_formations` stays the one
-- table of what a lycée teaches, now with the year of each fact.
--
-- * `effectif`: students counted at the rentrée `effectif_rentree` (the
--   2020 constat), all years of the training together; NULL when the
--   diploma is known only from a more recent offer.
-- * `offre_rentree`: the rentrée of the offer that lists the lycée × diploma
--   (2022: capacities and first choices of the affectation); NULL when only
--   the older count knows it (BTS and other trainings outside the
--   affectation, or an offer that has since closed).
-- * `places`: places offered at that entry (NULL when the file gives none
--   or a placeholder); `premiers_voeux`: candidates whose first choice it
--   was; `annee_entree`: the year of the training those figures are for
--   (1: first year; 2: première professionnelle, for a speciality chosen
--   after a seconde commune).
--
-- `effectif` loses its NOT NULL: SQLite cannot change a column, so the table
-- is rebuilt (new table, copy, drop, rename) the same portable way on both
-- engines. The rows already there all come from the 2020 constat.

CREATE TABLE lycee_formations_n (
    uai TEXT NOT NULL,
    cfd TEXT NOT NULL,
    effectif BIGINT,
    effectif_rentree BIGINT,
    offre_rentree BIGINT,
    places BIGINT,
    premiers_voeux BIGINT,
    annee_entree BIGINT,
    PRIMARY KEY (uai, cfd),
    CHECK (effectif IS NOT NULL OR offre_rentree IS NOT NULL),
    CHECK ((effectif IS NULL AND effectif_rentree IS NULL) OR (effectif IS NOT NULL AND effectif_rentree IS NOT NULL)),
    CHECK (offre_rentree IS NOT NULL OR (places IS NULL AND premiers_voeux IS NULL AND annee_entree IS NULL)),
    CHECK (offre_rentree IS NULL OR (premiers_voeux IS NOT NULL AND annee_entree IS NOT NULL))
);

INSERT INTO lycee_formations_n (uai, cfd, effectif, effectif_rentree)
    SELECT uai, cfd, effectif, 2020 FROM lycee_formations;

DROP TABLE lycee_formations;
ALTER TABLE lycee_formations_n RENAME TO lycee_formations;
CREATE INDEX lycee_formations_cfd ON lycee_formations (cfd);

-- The day a diploma closed in the BCN nomenclature (ISO date, NULL while it
-- is open): a count of 2020 for a diploma closed since then is history, and
-- the lycée's page says so.
ALTER TABLE diplomes ADD COLUMN fermeture TEXT;
