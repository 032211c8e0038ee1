-- The national catalogue: territories, jobs, diplomas and lycées.
-- Portable SQL: this one migration history runs on SQLite and PostgreSQL.
-- Integers are BIGINT (i64 on both engines), reals DOUBLE PRECISION, dates
-- and timestamps ISO-8601 TEXT in UTC (sortable as text on both).

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    nom TEXT NOT NULL
);

CREATE TABLE academies (
    code TEXT PRIMARY KEY,
    nom TEXT NOT NULL,
    region_code TEXT NOT NULL
);

CREATE TABLE departements (
    code TEXT PRIMARY KEY,
    nom TEXT NOT NULL,
    region_code TEXT NOT NULL,
    academie_code TEXT
);

-- Current communes and the municipal arrondissements of Paris, Lyon and
-- Marseille (kind = 'arrondissement', parent_code = the whole city).
CREATE TABLE communes (
    code_insee TEXT PRIMARY KEY,
    nom TEXT NOT NULL,
    nom_norm TEXT NOT NULL,
    departement_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_code TEXT,
    population BIGINT,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION
);
CREATE INDEX communes_nom_norm ON communes (nom_norm);
CREATE INDEX communes_departement ON communes (departement_code);

CREATE TABLE commune_codes_postaux (
    code_insee TEXT NOT NULL,
    code_postal TEXT NOT NULL,
    PRIMARY KEY (code_insee, code_postal)
);
CREATE INDEX commune_codes_postaux_cp ON commune_codes_postaux (code_postal);

-- ROME v4: professional domains (1-letter "grands domaines" and 3-char
-- domains), job sheets and their 11,522 job titles (appellations).
CREATE TABLE domaines (
    code TEXT PRIMARY KEY,
    libelle TEXT NOT NULL
);

CREATE TABLE romes (
    code TEXT PRIMARY KEY,
    libelle TEXT NOT NULL,
    libelle_norm TEXT NOT NULL
);

CREATE TABLE appellations (
    code_ogr BIGINT PRIMARY KEY,
    rome_code TEXT NOT NULL,
    libelle TEXT NOT NULL,
    libelle_court TEXT NOT NULL,
    libelle_norm TEXT NOT NULL
);
CREATE INDEX appellations_rome ON appellations (rome_code);

-- NAF rév. 2 sub-classes and the jobs typical of each NAF division.
CREATE TABLE naf (
    code TEXT PRIMARY KEY,
    libelle TEXT NOT NULL,
    division TEXT NOT NULL,
    division_libelle TEXT NOT NULL,
    section TEXT NOT NULL,
    section_libelle TEXT NOT NULL
);

CREATE TABLE naf_division_romes (
    division TEXT NOT NULL,
    rome_code TEXT NOT NULL,
    PRIMARY KEY (division, rome_code)
);

-- Diplomas (BCN) and the jobs they lead to (Certif Info, or the
-- specialities of a "famille de métiers" for a common first year).
CREATE TABLE diplomes (
    cfd TEXT PRIMARY KEY,
    libelle TEXT NOT NULL,
    niveau_bcn TEXT NOT NULL,
    niveau TEXT NOT NULL,
    groupe_specialite TEXT
);

CREATE TABLE diplome_romes (
    cfd TEXT NOT NULL,
    rome_code TEXT NOT NULL,
    rang BIGINT NOT NULL,
    PRIMARY KEY (cfd, rome_code)
);
CREATE INDEX diplome_romes_rome ON diplome_romes (rome_code);

-- Vocational lycées (LP and LPO). `precision` says where the position
-- comes from: 'exacte' (the school's own coordinates) or 'commune'.
-- `labels` holds the "Lycée des métiers" labels, one per line.
-- A lycée that disappears from the source is kept with actif = FALSE, as
-- requests and partners may refer to it.
CREATE TABLE lycees (
    uai TEXT PRIMARY KEY,
    nom TEXT NOT NULL,
    nom_officiel TEXT NOT NULL,
    type TEXT NOT NULL,
    secteur TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    departement_code TEXT NOT NULL,
    academie_code TEXT,
    adresse TEXT,
    code_postal TEXT,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    precision TEXT NOT NULL,
    email TEXT,
    telephone TEXT,
    site_web TEXT,
    siret TEXT,
    labels TEXT NOT NULL,
    source TEXT NOT NULL,
    actif BOOLEAN NOT NULL
);
CREATE INDEX lycees_commune ON lycees (commune_code);
CREATE INDEX lycees_departement ON lycees (departement_code);
CREATE INDEX lycees_academie ON lycees (academie_code);
CREATE INDEX lycees_position ON lycees (lat, lon);

CREATE TABLE lycee_formations (
    uai TEXT NOT NULL,
    cfd TEXT NOT NULL,
    effectif BIGINT NOT NULL,
    PRIMARY KEY (uai, cfd)
);
CREATE INDEX lycee_formations_cfd ON lycee_formations (cfd);

-- InserJeunes outcomes of the school route ("ensemble" line), in percent.
CREATE TABLE lycee_insertion (
    uai TEXT PRIMARY KEY,
    millesime TEXT NOT NULL,
    taux_emploi_6_mois BIGINT,
    taux_poursuite_etudes BIGINT,
    taux_attendu BIGINT,
    valeur_ajoutee BIGINT,
    source TEXT NOT NULL
);

-- What each dataset import last loaded: a second run over the same files
-- is recognised by its checksum and changes nothing.
CREATE TABLE import_datasets (
    dataset TEXT PRIMARY KEY,
    checksum TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    summary TEXT NOT NULL
);

-- Bumped by every import (and later by every showcase edit): each server
-- instance watches it to drop its in-memory caches of the catalogue.
CREATE TABLE catalogue_version (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO catalogue_version (id, version) VALUES (1, 0);
