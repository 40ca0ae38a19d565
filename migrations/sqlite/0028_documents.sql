-- Notices as official documents (issue 21 item 6). Every notice and decision the system issues
-- gets a document number (文号) unique per notice: the kind's word, the year of issue and the
-- sequence of that kind within that year. The register is append-only: a number once given is
-- never changed or reused. The issuing bodies get a contact (telephone, address) printed under
-- their name; the procurement supervisor (the finance department), which is no row of its own
-- elsewhere, is one row here. A complaint decision gets its findings (查明的事实和理由) apart
-- from the decision itself.
CREATE TABLE document_numbers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    year BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    number TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    UNIQUE (kind, subject_id),
    UNIQUE (kind, year, seq),
    UNIQUE (number)
);
CREATE TRIGGER document_numbers_no_update BEFORE UPDATE ON document_numbers
BEGIN
    SELECT RAISE(ABORT, 'document numbers are never changed');
END;
CREATE TRIGGER document_numbers_no_delete BEFORE DELETE ON document_numbers
BEGIN
    SELECT RAISE(ABORT, 'document numbers are never changed');
END;

ALTER TABLE authorities ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE authorities ADD COLUMN contact_address TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN contact_address TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN contact_address TEXT NOT NULL DEFAULT '';

CREATE TABLE supervisory_body (
    id BIGINT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_address TEXT NOT NULL
);

ALTER TABLE complaints ADD COLUMN findings TEXT;
