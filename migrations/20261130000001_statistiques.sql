-- The public statistics (GET /api/v1/statistiques) read the requests
-- created in a period: an index on the creation time lets both engines read
-- only that period, and find the first month of activity (the start of the
-- open-data file) without a scan.
CREATE INDEX demandes_par_creation ON demandes (cree_le);
