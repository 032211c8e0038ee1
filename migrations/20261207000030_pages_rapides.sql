-- Issue 25: pages fast at national volume (docs/benchmarks.md).

-- The companies' word on the requests a lycée led, for the officer's
-- inbox: read from an index instead of a scan of every request.
CREATE INDEX demandes_par_responsable ON demandes (responsable_uai, satisfaction);

-- The age of the oldest email and webhook event still to send, for
-- /metrics: a few rows wait, hundreds of thousands were sent. The
-- statistics of the planner see two statuses of equal weight, so only an
-- index that holds the waiting rows alone is read (the query names the
-- status as a literal, which both engines need to use a partial index).
CREATE INDEX outbox_en_attente_depuis ON outbox (cree_le) WHERE statut = 'a_envoyer';
CREATE INDEX webhooks_en_attente_depuis ON webhooks (cree_le) WHERE statut = 'a_envoyer';

-- The requests whose fitting lycées nobody could be written to, counted
-- per lycée on the coordinators' address page: the few that have some,
-- instead of a scan of every request.
CREATE INDEX demandes_a_contacter ON demandes (lycees_a_contacter)
    WHERE lycees_a_contacter IS NOT NULL AND lycees_a_contacter <> '';

-- The requests a lycée was told of (pilot or support), for its inbox: a
-- busy lycée is a reserve on ten times more requests than it is told of,
-- and the role is not in `destinataires_par_lycee` (30 ms to 1 ms).
CREATE INDEX destinataires_informes ON destinataires (uai, role, demande_id);
