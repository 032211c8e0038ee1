-- Personal data (RGPD, issue 14): when the company's personal data of a
-- request was anonymised (NULL: still held). Set once, by the retention
-- job `MLP_RETENTION_MOIS` months after the request ended, or at once by an
-- administrator answering a request for erasure; the figures of the
-- statistics (dates, status, outcome, rating) stay.
ALTER TABLE demandes ADD COLUMN anonymise_le TEXT;
-- The retention job looks for requests ended long ago and not yet done.
CREATE INDEX demandes_par_fin ON demandes (termine_le);
