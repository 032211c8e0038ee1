-- Each lycée's track record, kept up to date in the transactions that
-- change it, so that routing reads it in one indexed query instead of
-- counting every past recipient line.
CREATE TABLE lycee_compteurs (
    uai TEXT PRIMARY KEY,
    -- Requests received as pilot or support, and taken in charge.
    recues BIGINT NOT NULL,
    prises BIGINT NOT NULL,
    -- Requests received in the current calendar month (fair share).
    mois TEXT NOT NULL,
    recues_mois BIGINT NOT NULL
);
