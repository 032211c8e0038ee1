-- Renewed diplomas (issue 27). The BCN closes a diploma and opens its
-- successor under a new code (CAP cuisine 50022139 → 50022146): it is the
-- same training, and a lycée that taught the old code teaches the new one.
-- `successeur` is the current code the BCN's links (`NOUVEAU_DIPLOME_1..7`)
-- lead to from a closed diploma, followed to the end of the chain; NULL for
-- an open diploma, or a closed one nobody replaced.
ALTER TABLE diplomes ADD COLUMN successeur TEXT;

-- What each lycée teaches under today's codes: a renewed diploma counts as
-- its successor, and a lycée listed under both codes (the old one in the
-- count of 2020, the new one in the offer of 2022) has one line.
-- `renouvele_de` is the old code, when the line comes from one.
CREATE VIEW formations_actuelles AS
SELECT f.uai AS uai,
       COALESCE(d.successeur, f.cfd) AS cfd,
       MAX(f.effectif) AS effectif,
       MAX(f.effectif_rentree) AS effectif_rentree,
       MAX(f.offre_rentree) AS offre_rentree,
       MAX(f.places) AS places,
       MAX(f.premiers_voeux) AS premiers_voeux,
       MAX(f.annee_entree) AS annee_entree,
       MIN(CASE WHEN d.successeur IS NULL THEN NULL ELSE f.cfd END) AS renouvele_de
FROM lycee_formations f
JOIN diplomes d ON d.cfd = f.cfd
GROUP BY f.uai, COALESCE(d.successeur, f.cfd);
