-- Delivery, performance reviews with beneficiary surveys, contract changes and the
-- disbursement ledger (DOMAIN §6, issue 8). Ledger entries are append-only: a payment is a
-- positive amount, its reversal the same amount negative pointing at it; the database itself
-- refuses to update or delete an entry. The idempotency key makes a retried form one entry.
ALTER TABLE contracts ADD COLUMN accepted_at BIGINT;
ALTER TABLE contracts ADD COLUMN accepted_by BIGINT REFERENCES users(id);
ALTER TABLE contracts ADD COLUMN terminated_at BIGINT;
ALTER TABLE contracts ADD COLUMN settlement_fen BIGINT;

CREATE TABLE contract_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    by_user_id BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX contract_changes_contract ON contract_changes (contract_id);

CREATE TABLE deliverables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    milestone TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    filed_by BIGINT NOT NULL REFERENCES users(id),
    filed_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT,
    reason TEXT
);
CREATE INDEX deliverables_contract ON deliverables (contract_id);

CREATE TABLE deliverable_files (
    deliverable_id BIGINT NOT NULL REFERENCES deliverables(id),
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    PRIMARY KEY (deliverable_id, sha256)
);

CREATE TABLE perf_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    milestone TEXT NOT NULL,
    reviewer_kind TEXT NOT NULL,
    reviewer_user_id BIGINT NOT NULL REFERENCES users(id),
    scores TEXT NOT NULL,
    survey_centi BIGINT,
    total_centi BIGINT,
    grade TEXT,
    created_at BIGINT NOT NULL,
    submitted_at BIGINT
);
CREATE INDEX perf_reviews_contract ON perf_reviews (contract_id);

CREATE TABLE survey_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    review_id BIGINT NOT NULL REFERENCES perf_reviews(id),
    token_hash TEXT NOT NULL UNIQUE,
    issued_by BIGINT NOT NULL REFERENCES users(id),
    issued_at BIGINT NOT NULL,
    answered_at BIGINT,
    answers TEXT,
    score_centi BIGINT
);
CREATE INDEX survey_links_review ON survey_links (review_id);

CREATE TABLE rectifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    review_id BIGINT NOT NULL UNIQUE REFERENCES perf_reviews(id),
    decision TEXT NOT NULL,
    decided_by BIGINT NOT NULL REFERENCES users(id),
    decided_at BIGINT NOT NULL
);

CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    installment_pos BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    value_date TEXT NOT NULL,
    voucher_no TEXT NOT NULL,
    payee_account TEXT NOT NULL,
    invoice_no TEXT NOT NULL,
    approved_by BIGINT NOT NULL REFERENCES users(id),
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    reverses_id BIGINT UNIQUE REFERENCES ledger_entries(id),
    reason TEXT
);
CREATE INDEX ledger_entries_contract ON ledger_entries (contract_id, installment_pos);

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only');
END;
