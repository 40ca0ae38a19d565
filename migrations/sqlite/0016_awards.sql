-- Award, inquiries, challenges, complaints and contracts (DOMAIN §5, issue 7).
-- The award freezes the evaluation report's ranking when the report reaches the purchaser;
-- the winners table keeps every change of winner (refusal or disqualification, with the
-- reason) and, for special-fund programmes, several funded applicants.
ALTER TABLE panel_members ADD COLUMN reminded_at BIGINT;

CREATE TABLE awards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    ranking TEXT NOT NULL,
    report_at BIGINT NOT NULL,
    confirm_due_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    confirmed_by BIGINT REFERENCES users(id),
    notice_at BIGINT,
    notice_end_at BIGINT,
    UNIQUE (project_id, round)
);

CREATE TABLE award_winners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    award_id BIGINT NOT NULL REFERENCES awards(id),
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    rank BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL,
    changed_by BIGINT REFERENCES users(id),
    changed_at BIGINT,
    UNIQUE (award_id, bid_id)
);

CREATE TABLE challenges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    body TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    suspends BIGINT NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    answered_at BIGINT
);
CREATE INDEX challenges_project ON challenges (project_id);

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    challenge_id BIGINT NOT NULL UNIQUE REFERENCES challenges(id),
    project_id BIGINT NOT NULL REFERENCES projects(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    outcome TEXT,
    decision TEXT,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT
);

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    award_id BIGINT NOT NULL REFERENCES awards(id),
    winner_id BIGINT NOT NULL UNIQUE REFERENCES award_winners(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    term_reason TEXT,
    signed_at BIGINT NOT NULL,
    signed_by BIGINT NOT NULL REFERENCES users(id),
    published_at BIGINT NOT NULL,
    filing_due_at BIGINT NOT NULL,
    filed_at BIGINT,
    filed_by BIGINT REFERENCES users(id),
    filing_ref TEXT
);
CREATE INDEX contracts_project ON contracts (project_id);

CREATE TABLE installments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    pos BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    condition TEXT NOT NULL,
    review_name TEXT,
    UNIQUE (contract_id, pos)
);
