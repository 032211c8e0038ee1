-- Issue 26: the reference data from its producers.

-- INSEE's correspondence NAF 2025 → NAF rév. 2 (optional file
-- naf/naf2025.csv): a company Sirene knows only by its NAF 2025 code still
-- gets the jobs of its sector. One row per link (a NAF 2025 sub-class may
-- come from several NAF rév. 2 ones, and the other way round).
CREATE TABLE naf2025 (
    code TEXT NOT NULL,
    libelle TEXT NOT NULL,
    naf_rev2 TEXT NOT NULL,
    PRIMARY KEY (code, naf_rev2)
);

-- What each update of the reference data changed (an import that changed
-- something, a scheduled refresh, its failure), for the administration.
-- `changements` is JSON: lycées opened and closed, diplomas opened and
-- closed, the editions of the sources before and after.
CREATE TABLE donnees_mises_a_jour (
    id TEXT PRIMARY KEY,
    debut TEXT NOT NULL,
    fin TEXT NOT NULL,
    origine TEXT NOT NULL CHECK (origine IN ('planifiee', 'commande', 'premier_demarrage')),
    statut TEXT NOT NULL CHECK (statut IN ('reussie', 'echec')),
    resume TEXT NOT NULL,
    changements TEXT NOT NULL
);
CREATE INDEX donnees_mises_a_jour_debut ON donnees_mises_a_jour (debut);
