-- Suppliers from outside the registry (DOMAIN §5): organizations registered elsewhere and
-- enterprises sign up with their USCC and certificate; staff check them. An approved supplier
-- gets an organization row with status 'supplier' (kept out of the directory) so that it bids
-- like any organization.
CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    uscc TEXT NOT NULL,
    registered_with TEXT NOT NULL,
    address TEXT NOT NULL,
    certificate_sha256 TEXT NOT NULL,
    certificate_type TEXT NOT NULL,
    applicant_user_id BIGINT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT,
    reason TEXT,
    org_id BIGINT REFERENCES organizations(id)
);
CREATE INDEX suppliers_status ON suppliers (status, applied_at);
CREATE INDEX suppliers_uscc ON suppliers (uscc);
