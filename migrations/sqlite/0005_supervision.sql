-- Registry, third part: what happens to a registered organization afterwards. Annual reports
-- and their inspection outcome (年检), the reminders sent, the register of penalties and
-- investigations, the two credit lists (民政部令60) kept by a daily job, and community
-- organizations filed (备案) rather than registered.

CREATE TABLE annual_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    year BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    filed_by BIGINT REFERENCES users(id),
    summary TEXT NOT NULL,
    outcome TEXT,
    outcome_on TEXT,
    outcome_by BIGINT REFERENCES users(id),
    settings_version BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, year)
);

CREATE TABLE reminders (
    kind TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    year BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (kind, org_id, year)
);

CREATE TABLE penalties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    amount_fen BIGINT,
    authority_id BIGINT REFERENCES authorities(id),
    reason TEXT NOT NULL,
    closed_on TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX penalties_org ON penalties (org_id);

CREATE TABLE credit_listings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    list TEXT NOT NULL,
    reason TEXT NOT NULL,
    ref_year BIGINT,
    listed_on TEXT NOT NULL,
    removed_on TEXT,
    removal TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX credit_listings_org ON credit_listings (org_id);

CREATE TABLE community_filings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    district_code TEXT NOT NULL,
    street_office TEXT NOT NULL,
    activity TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    status TEXT NOT NULL,
    authority_id BIGINT REFERENCES authorities(id),
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);

-- A change registration carries the proposed facts (JSON) until it is decided.
ALTER TABLE applications ADD COLUMN changes TEXT;

-- Positions 9-17 of every organization's code, indexed: a serial is never issued when any
-- organization (registered, imported or generated) already carries its subject identifier.
ALTER TABLE organizations ADD COLUMN uscc_subject TEXT;
UPDATE organizations SET uscc_subject = substr(uscc, 9, 9) WHERE uscc IS NOT NULL;
CREATE INDEX organizations_uscc_subject ON organizations (uscc_subject);
