-- Suspension as state, re-review as its own decision, final acceptance with its reason
-- (issue 20). A complaint suspends nothing by itself: the supervisor may order the procurement
-- suspended in writing for at most 30 days (采购法 57, 94号令 28); the order lapses after its
-- last day, when the complaint is decided, or when lifted. One order per complaint.
CREATE TABLE suspension_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id BIGINT NOT NULL UNIQUE REFERENCES complaints(id),
    project_id BIGINT NOT NULL REFERENCES projects(id),
    reason TEXT NOT NULL,
    ordered_on TEXT NOT NULL,
    until_on TEXT NOT NULL,
    ordered_by BIGINT NOT NULL REFERENCES users(id),
    ordered_at BIGINT NOT NULL,
    lifted_at BIGINT,
    lifted_by BIGINT REFERENCES users(id),
    lift_reason TEXT
);
CREATE INDEX suspension_orders_project ON suspension_orders (project_id);

-- Final acceptance before the end of the service term records why.
ALTER TABLE contracts ADD COLUMN early_reason TEXT;

-- Every grade decision on an evaluation application, append-only: the committee's, then any
-- re-review committee's (评估复核委员会) that supersedes it without overwriting it.
CREATE TABLE eval_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    eval_application_id BIGINT NOT NULL REFERENCES eval_applications(id),
    body TEXT NOT NULL,
    grade TEXT,
    members BIGINT NOT NULL,
    present BIGINT NOT NULL,
    votes_for BIGINT NOT NULL,
    reason TEXT,
    objection_id BIGINT REFERENCES eval_objections(id),
    supersedes_id BIGINT REFERENCES eval_decisions(id),
    decided_by BIGINT REFERENCES users(id),
    decided_on TEXT NOT NULL,
    decided_at BIGINT NOT NULL
);
CREATE INDEX eval_decisions_app ON eval_decisions (eval_application_id);

-- The committee decisions already taken become the first records.
INSERT INTO eval_decisions (eval_application_id, body, grade, members, present, votes_for, reason, decided_on, decided_at)
SELECT a.id, 'committee', a.decided_grade, COALESCE(r.committee_members, 0), COALESCE(r.committee_present, 0),
       COALESCE(a.votes_for, 0), a.change_reason, COALESCE(r.committee_on, ''), a.decided_at
FROM eval_applications a JOIN eval_rounds r ON r.id = a.round_id
WHERE a.decided_at IS NOT NULL;

CREATE TRIGGER eval_decisions_no_update BEFORE UPDATE ON eval_decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only');
END;
CREATE TRIGGER eval_decisions_no_delete BEFORE DELETE ON eval_decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only');
END;
