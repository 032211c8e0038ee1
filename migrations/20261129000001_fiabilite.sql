-- Reliability and privacy of links (security round).

-- Health check: each instance writes its heartbeat here; when that write
-- fails, the instance cannot store what it would acknowledge and /healthz
-- answers 503 so that an orchestrator replaces it.
CREATE TABLE sante (
    instance TEXT PRIMARY KEY,
    vu_le TEXT NOT NULL
);

-- The company's follow-up link: the version of the current link (asking
-- for a new one replaces the old one) and when it was issued; when the
-- request ended. A link works while the request is open and for 12 months
-- after the later of its end and the link's issue.
ALTER TABLE demandes ADD COLUMN jeton_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE demandes ADD COLUMN jeton_emis_le TEXT;
ALTER TABLE demandes ADD COLUMN termine_le TEXT;
UPDATE demandes SET termine_le = modifie_le WHERE statut IN ('cloturee', 'annulee', 'doublon');

-- Sent emails lose their body after a day (sign-in, one-click and
-- follow-up links must not stay readable in the database): the purge
-- looks for sent emails by date.
CREATE INDEX outbox_envoyes ON outbox (statut, envoye_le);
