-- What the company was told of its radius when no lycée within it teaches
-- the job itself (issue 12): "Aucun lycée ne forme au métier … à moins de
-- 30 km ; le plus proche est à 72 km, à …". The follow-up page shows it
-- instead of the plain "widened" sentence.
ALTER TABLE demandes ADD COLUMN explication_rayon TEXT;
