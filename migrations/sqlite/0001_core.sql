-- Platform core: people, accounts, organizations, memberships, staff roles, settings,
-- one-time tokens, login throttling and the mail outbox.
-- Portable types only: BIGINT for ids, flags, money and instants (epoch milliseconds),
-- TEXT for dates (YYYY-MM-DD) and everything else.

CREATE TABLE authorities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    division_code TEXT NOT NULL,
    level TEXT NOT NULL
);

CREATE TABLE departments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE agencies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    id_number_hash TEXT UNIQUE,
    id_hash_key_id TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id BIGINT NOT NULL REFERENCES persons(id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    phone TEXT,
    preferred_lang TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    email_confirmed_at BIGINT,
    session_epoch BIGINT NOT NULL,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    org_type TEXT NOT NULL,
    district_code TEXT NOT NULL,
    status TEXT NOT NULL,
    uscc TEXT UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    person_id BIGINT NOT NULL REFERENCES persons(id),
    user_id BIGINT REFERENCES users(id),
    kind TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    left_on TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    ended_by BIGINT REFERENCES users(id)
);
CREATE INDEX memberships_org ON memberships (org_id);
CREATE INDEX memberships_person ON memberships (person_id);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by BIGINT REFERENCES users(id)
);

CREATE TABLE settings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    changed_by BIGINT REFERENCES users(id),
    changed_at BIGINT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX settings_key ON settings (key, valid_from);

CREATE TABLE role_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    authority_id BIGINT REFERENCES authorities(id),
    department_id BIGINT REFERENCES departments(id),
    agency_id BIGINT REFERENCES agencies(id),
    granted_at BIGINT NOT NULL,
    granted_by BIGINT REFERENCES users(id),
    revoked_at BIGINT,
    revoked_by BIGINT REFERENCES users(id),
    settings_version BIGINT NOT NULL
);
CREATE INDEX role_grants_user ON role_grants (user_id);

CREATE TABLE one_time_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_addr TEXT NOT NULL,
    to_user_id BIGINT REFERENCES users(id),
    lang TEXT NOT NULL,
    template TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX mail_outbox_status ON mail_outbox (status, created_at);

CREATE TABLE app_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
