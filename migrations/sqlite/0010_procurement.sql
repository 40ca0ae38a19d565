-- Government purchase of services, first part (DOMAIN §5): the service catalogue and the
-- categories organizations follow, procurement intentions, projects (procurement and
-- special-fund programmes) with frozen criteria and an append-only event history, the secret
-- register of who obtained the documents, questions and amendments, sealed bids (ciphertext
-- only: no price or proposal in any other column) and the openings.

CREATE TABLE service_categories (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    pos BIGINT NOT NULL
);

CREATE TABLE category_follows (
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    category_code TEXT NOT NULL REFERENCES service_categories(code),
    since BIGINT NOT NULL,
    PRIMARY KEY (org_id, category_code)
);

CREATE TABLE intentions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    title TEXT NOT NULL,
    category_code TEXT NOT NULL REFERENCES service_categories(code),
    budget_fen BIGINT NOT NULL,
    need TEXT NOT NULL,
    planned_month TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    published_on TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX intentions_published ON intentions (published_on);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    title TEXT NOT NULL,
    category_code TEXT NOT NULL REFERENCES service_categories(code),
    requirements TEXT NOT NULL,
    budget_fen BIGINT NOT NULL,
    max_price_fen BIGINT,
    method TEXT NOT NULL,
    price_weight_pct BIGINT NOT NULL,
    tie_rule TEXT NOT NULL,
    grade_use TEXT NOT NULL,
    intention_id BIGINT REFERENCES intentions(id),
    city_division TEXT,
    min_grade TEXT,
    need_inspection BIGINT NOT NULL,
    min_bids BIGINT NOT NULL,
    round BIGINT NOT NULL,
    status TEXT NOT NULL,
    notice_at BIGINT,
    deadline_at BIGINT,
    cancel_reason TEXT,
    settings_version BIGINT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX projects_status ON projects (status, deadline_at);
CREATE INDEX projects_department ON projects (department_id);

CREATE TABLE project_criteria (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    pos BIGINT NOT NULL,
    name TEXT NOT NULL,
    max_centi BIGINT NOT NULL,
    guidance TEXT NOT NULL
);
CREATE INDEX project_criteria_project ON project_criteria (project_id, pos);

CREATE TABLE project_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    actor_user_id BIGINT REFERENCES users(id)
);
CREATE INDEX project_events_project ON project_events (project_id, id);
CREATE INDEX project_events_at ON project_events (at);

CREATE TABLE doc_obtained (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL,
    PRIMARY KEY (project_id, round, org_id)
);

CREATE TABLE project_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    asker_no BIGINT NOT NULL,
    body TEXT NOT NULL,
    asked_at BIGINT NOT NULL,
    answer TEXT,
    answered_at BIGINT,
    answered_by BIGINT REFERENCES users(id),
    affects BIGINT NOT NULL
);
CREATE INDEX project_questions_project ON project_questions (project_id, id);

CREATE TABLE project_amendments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    question_id BIGINT REFERENCES project_questions(id),
    body TEXT NOT NULL,
    affects BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    deadline_before BIGINT NOT NULL,
    deadline_after BIGINT NOT NULL,
    by_user_id BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX project_amendments_project ON project_amendments (project_id, id);

CREATE TABLE bids (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    envelope TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    sealed TEXT NOT NULL,
    digest TEXT NOT NULL,
    ended_at BIGINT
);
CREATE UNIQUE INDEX bids_one_sealed ON bids (project_id, round, org_id, envelope) WHERE status = 'sealed';
CREATE INDEX bids_org ON bids (org_id);

CREATE TABLE bid_files (
    id TEXT PRIMARY KEY,
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    stored_at BIGINT NOT NULL
);
CREATE INDEX bid_files_bid ON bid_files (bid_id);

CREATE TABLE openings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    envelope TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    bid_count BIGINT NOT NULL,
    min_bids BIGINT NOT NULL,
    UNIQUE (project_id, round, envelope)
);

CREATE TABLE opening_bids (
    opening_id BIGINT NOT NULL REFERENCES openings(id),
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    price_fen BIGINT NOT NULL,
    digest TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    PRIMARY KEY (opening_id, bid_id)
);
