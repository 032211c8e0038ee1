-- The workspace for someone handling ~50 requests a year (issue 13).
--
-- * `destinataires.message_non_lu_le`: when a message of the company came
--   that no business officer of this lycée has read yet (NULL: nothing
--   unread). Set by the lifecycle's company message, cleared when an
--   officer of the lycée opens the request.
-- * `partenaires.cree_par_demande`: the request whose taking in charge
--   created this partner (NULL: written by hand, or found already there),
--   so that the officer may undo an addition they did not want.
ALTER TABLE destinataires ADD COLUMN message_non_lu_le TEXT;
ALTER TABLE partenaires ADD COLUMN cree_par_demande TEXT;
