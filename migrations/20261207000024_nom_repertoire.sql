-- Issue 24: emails to lycées name a company by what the national register
-- says of its SIRET ("Recherche d'entreprises", looked up when the request
-- is submitted), not only by what the company typed. NULL without a
-- SIRET, or when the register did not answer or did not know it.
ALTER TABLE demandes ADD COLUMN entreprise_nom_siret TEXT;
