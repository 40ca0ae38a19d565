-- Publishing a project by the rules in force (issue 22, items 2, 3, 10 and 14):
-- the purchaser's 技术复杂 flag (a tender's panel then has at least 7, 87号令 art. 47); the
-- reason a project is published less than the set days after its 采购意向 (财库〔2020〕10号);
-- the procurement supervisor's approvals of a method other than 公开招标 for a budget that
-- reaches the open-tender threshold (政府采购法 art. 27), append-only, one per decision.
-- `projects.settings_version` (in 0010) is written at publication from now on.
ALTER TABLE projects ADD COLUMN technically_complex BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN intention_late_reason TEXT;

CREATE TABLE method_approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    method TEXT NOT NULL,
    budget_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    approved_by BIGINT NOT NULL REFERENCES users(id),
    approved_at BIGINT NOT NULL
);
CREATE INDEX method_approvals_project ON method_approvals (project_id, round);
