-- Evaluation, first part: the indicator standards, versioned. A version is stored once, with
-- the text it was loaded from and its digest; a standard used by a round never changes, so a
-- new version is a new row.

CREATE TABLE eval_standards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_type TEXT NOT NULL,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    loaded_at BIGINT NOT NULL,
    UNIQUE (org_type, version)
);
