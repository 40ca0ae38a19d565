-- Registry, first part: the registered facts the public directory shows, and the name index
-- that answers 1- and 2-character Chinese queries (宁波, 社工, 养老) without scanning: every
-- distinct character and character pair of the normalised name points at the organization,
-- ordered by organization id so a page of results stops early.

ALTER TABLE organizations ADD COLUMN name_norm TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE organizations ADD COLUMN authority_id BIGINT REFERENCES authorities(id);
ALTER TABLE organizations ADD COLUMN registered_on TEXT;
ALTER TABLE organizations ADD COLUMN uscc_checksum_ok BIGINT NOT NULL DEFAULT 1;
ALTER TABLE organizations ADD COLUMN legal_representative TEXT;
ALTER TABLE organizations ADD COLUMN domicile TEXT;
ALTER TABLE organizations ADD COLUMN charity BIGINT NOT NULL DEFAULT 0;

-- Each row also carries the organization's filter values, so a filtered query reads one
-- range of this index and never looks the organization up to test a filter.
CREATE TABLE org_name_grams (
    gram TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    district_code TEXT NOT NULL,
    org_type TEXT NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    PRIMARY KEY (gram, org_id)
) WITHOUT ROWID;

-- How many organizations each gram points at: a query starts from its rarest pair.
CREATE TABLE org_gram_counts (
    gram TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);

-- The same counts split by filter values: the exact count of a filtered 1- or 2-character
-- query (or of filters alone, under the empty gram) is a sum over at most a few hundred rows.
CREATE TABLE org_gram_facets (
    gram TEXT NOT NULL,
    district_code TEXT NOT NULL,
    org_type TEXT NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (gram, district_code, org_type, status, category)
);
