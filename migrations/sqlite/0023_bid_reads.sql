-- Who read an opened bid (issue 21): a seated panelist who declared no conflict, the purchaser
-- or its agency for the qualification and compliance checks, the supervisor deciding a
-- complaint. Each read of the proposal or of one of its files is one row, never changed.
CREATE TABLE bid_reads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    file_id TEXT,
    file_name TEXT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    capacity TEXT NOT NULL,
    read_at BIGINT NOT NULL
);
CREATE INDEX bid_reads_project ON bid_reads (project_id, round, read_at);
CREATE TRIGGER bid_reads_no_update BEFORE UPDATE ON bid_reads
BEGIN
    SELECT RAISE(ABORT, 'bid reads are append-only');
END;
CREATE TRIGGER bid_reads_no_delete BEFORE DELETE ON bid_reads
BEGIN
    SELECT RAISE(ABORT, 'bid reads are append-only');
END;
