-- Evaluation, second part (DOMAIN §4): rounds with the settings recorded when opened, the
-- organizations' applications with self-assessment and evidence, expert assignments with
-- declared and automatic recusal, item scores (hundredths of a point, exact), objections
-- during the public notice, the grades awarded with their validity, and downgrade proposals.

CREATE TABLE eval_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    authority_id BIGINT NOT NULL REFERENCES authorities(id),
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    apply_from TEXT NOT NULL,
    apply_to TEXT NOT NULL,
    scoring_due TEXT NOT NULL,
    notice_days BIGINT NOT NULL,
    thresholds TEXT NOT NULL,
    aggregate TEXT NOT NULL,
    upgrade_allowed BIGINT NOT NULL,
    bars TEXT NOT NULL,
    settings_version BIGINT,
    status TEXT NOT NULL,
    committee_on TEXT,
    committee_members BIGINT,
    committee_present BIGINT,
    notice_from TEXT,
    notice_to TEXT,
    announced_on TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX eval_rounds_authority ON eval_rounds (authority_id, year);

CREATE TABLE eval_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id BIGINT NOT NULL REFERENCES eval_rounds(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    standard_id BIGINT NOT NULL REFERENCES eval_standards(id),
    applicant_user_id BIGINT NOT NULL REFERENCES users(id),
    self_assessment TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    total_centi BIGINT,
    proposed_grade TEXT,
    veto TEXT,
    flagged TEXT,
    votes_for BIGINT,
    decided_grade TEXT,
    change_reason TEXT,
    decided_at BIGINT,
    UNIQUE (round_id, org_id)
);
CREATE INDEX eval_applications_org ON eval_applications (org_id);

CREATE TABLE eval_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    eval_application_id BIGINT NOT NULL REFERENCES eval_applications(id),
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    original_name TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX eval_evidence_app ON eval_evidence (eval_application_id);

CREATE TABLE eval_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    eval_application_id BIGINT NOT NULL REFERENCES eval_applications(id),
    expert_user_id BIGINT NOT NULL REFERENCES users(id),
    assigned_by BIGINT NOT NULL REFERENCES users(id),
    assigned_at BIGINT NOT NULL,
    declared_at BIGINT,
    recused_at BIGINT,
    recusal_reason TEXT,
    submitted_at BIGINT,
    UNIQUE (eval_application_id, expert_user_id)
);
CREATE INDEX eval_assignments_expert ON eval_assignments (expert_user_id);

CREATE TABLE eval_scores (
    assignment_id BIGINT NOT NULL REFERENCES eval_assignments(id),
    item_code TEXT NOT NULL,
    centi BIGINT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (assignment_id, item_code)
);

CREATE TABLE eval_objections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    eval_application_id BIGINT NOT NULL REFERENCES eval_applications(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    contact TEXT NOT NULL,
    body TEXT NOT NULL,
    filed_by BIGINT REFERENCES users(id),
    filed_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    answered_at BIGINT,
    answered_on TEXT
);
CREATE INDEX eval_objections_app ON eval_objections (eval_application_id);

CREATE TABLE org_grades (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    eval_application_id BIGINT REFERENCES eval_applications(id),
    grade TEXT NOT NULL,
    announced_on TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    ended_on TEXT,
    end_reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX org_grades_org ON org_grades (org_id);
CREATE INDEX org_grades_grade ON org_grades (grade, valid_to);

CREATE TABLE grade_downgrades (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    grade_id BIGINT NOT NULL REFERENCES org_grades(id),
    cause TEXT NOT NULL,
    detail TEXT NOT NULL,
    proposed_on TEXT NOT NULL,
    proposed_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT REFERENCES users(id),
    outcome TEXT,
    new_grade TEXT,
    reason TEXT,
    UNIQUE (grade_id, cause, detail)
);
