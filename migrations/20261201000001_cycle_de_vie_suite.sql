-- The lifecycle, continued.
--
-- * `demandes.avis_demande_le`: when the company was asked whether the
--   request was useful. Asked once: a request re-opened and closed again
--   does not ask a second time. Requests already closed by a lycée or the
--   coordination were asked when they closed.
-- * Requests that had ended before the lifecycle (20261129000002) kept
--   their recipients "nouvelle" or "prise_en_charge": their follow-up page
--   said a lycée had "pas encore répondu" on a closed request. They get the
--   status the lifecycle gives on ending: closed or cancelled, `cloturee`;
--   ended without answer, `expiree`.
ALTER TABLE demandes ADD COLUMN avis_demande_le TEXT;

UPDATE demandes SET avis_demande_le = COALESCE(satisfaction_le, termine_le, modifie_le)
WHERE statut = 'cloturee' AND responsable_uai IS NOT NULL;

UPDATE destinataires SET statut = 'cloturee'
WHERE statut IN ('nouvelle', 'prise_en_charge')
  AND demande_id IN (SELECT id FROM demandes WHERE statut IN ('cloturee', 'annulee'));

UPDATE destinataires SET statut = 'expiree'
WHERE statut IN ('nouvelle', 'prise_en_charge')
  AND demande_id IN (SELECT id FROM demandes WHERE statut = 'sans_reponse');
