-- Registry, second part: registration applications from draft to decision, their officers and
-- attachments (the files live outside the database, named by SHA-256), the trail of each
-- application, the USCC blocks an authority issues from and every subject identifier issued,
-- and the public events of an organization's life.

CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    applicant_user_id BIGINT NOT NULL REFERENCES users(id),
    org_id BIGINT REFERENCES organizations(id),
    authority_id BIGINT NOT NULL REFERENCES authorities(id),
    name TEXT NOT NULL DEFAULT '',
    org_type TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    charity BIGINT NOT NULL DEFAULT 0,
    public_fundraising BIGINT NOT NULL DEFAULT 0,
    district_code TEXT NOT NULL DEFAULT '',
    domicile TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    business_scope TEXT NOT NULL DEFAULT '',
    funds_fen BIGINT,
    individual_members BIGINT NOT NULL DEFAULT 0,
    unit_members BIGINT NOT NULL DEFAULT 0,
    board_size BIGINT NOT NULL DEFAULT 0,
    supervising_unit TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    sections_done TEXT NOT NULL DEFAULT '',
    received_on TEXT,
    submitted_at BIGINT,
    accept_by TEXT,
    correction_sent_at BIGINT,
    correction TEXT,
    accepted_on TEXT,
    accepted_automatically BIGINT NOT NULL DEFAULT 0,
    decision_days BIGINT,
    decision_day_kind TEXT,
    decision_due TEXT,
    decided_on TEXT,
    refusal_grounds TEXT,
    refusal_text TEXT,
    referral_authority_id BIGINT REFERENCES authorities(id),
    decline_text TEXT,
    similar_names TEXT,
    settings_version BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX applications_queue ON applications (authority_id, status);
CREATE INDEX applications_applicant ON applications (applicant_user_id);

CREATE TABLE application_officers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    person_id BIGINT REFERENCES persons(id),
    id_masked TEXT NOT NULL,
    term_start TEXT NOT NULL,
    term_end TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX application_officers_app ON application_officers (application_id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    original_name TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX attachments_app ON attachments (application_id);

CREATE TABLE application_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    at BIGINT NOT NULL,
    actor_user_id BIGINT REFERENCES users(id),
    action TEXT NOT NULL,
    note TEXT
);
CREATE INDEX application_events_app ON application_events (application_id);

CREATE TABLE uscc_blocks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    authority_id BIGINT NOT NULL REFERENCES authorities(id),
    first_serial BIGINT NOT NULL,
    last_serial BIGINT NOT NULL,
    next_serial BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Positions 9-17 of every code this system issued or recorded: never reused.
CREATE TABLE uscc_issued (
    subject TEXT PRIMARY KEY,
    uscc TEXT NOT NULL UNIQUE,
    authority_id BIGINT REFERENCES authorities(id),
    org_id BIGINT REFERENCES organizations(id),
    issued_at BIGINT NOT NULL
);

CREATE TABLE org_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    on_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    public BIGINT NOT NULL,
    application_id BIGINT REFERENCES applications(id),
    detail TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX org_events_org ON org_events (org_id);

ALTER TABLE organizations ADD COLUMN purpose TEXT;
ALTER TABLE organizations ADD COLUMN business_scope TEXT;
ALTER TABLE organizations ADD COLUMN funds_fen BIGINT;
