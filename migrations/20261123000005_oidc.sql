-- ProConnect sign-ins under way also remember where the person was going
-- (a workspace path, checked again when used).
ALTER TABLE oidc_etats ADD COLUMN suite TEXT;
CREATE INDEX oidc_etats_par_expiration ON oidc_etats (expire_le);
