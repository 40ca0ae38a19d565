-- Abnormally low prices (issue 22, item 4; 87号令 art. 60): a panelist flags a bid whose price
-- is markedly below the other compliant bids' and may affect performance; its bidder explains
-- in writing by the due time (a dated setting); the panel accepts the explanation or rejects
-- the bid with its reason; a bid not explained in time is rejected (outcome 'lapsed').
CREATE TABLE low_price_queries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    member_id BIGINT NOT NULL REFERENCES panel_members(id),
    reason TEXT NOT NULL,
    asked_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    answered_at BIGINT,
    outcome TEXT,
    outcome_reason TEXT,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT,
    UNIQUE (bid_id)
);
CREATE INDEX low_price_queries_project ON low_price_queries (project_id, round);
CREATE INDEX low_price_queries_org ON low_price_queries (org_id);
