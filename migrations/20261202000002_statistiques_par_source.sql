-- The public statistics count the requests by source (the site, or the
-- partner platform whose key or embedded form sent them: API.md,
-- `source`). The covering index of the statistics (20261201000003) gains
-- `partenaire`, so that they still read the index alone.
DROP INDEX demandes_statistiques;
CREATE INDEX demandes_statistiques ON demandes (cree_le, statut, action, academie_code, commune_code, issue, pris_le, satisfaction, partenaire);
