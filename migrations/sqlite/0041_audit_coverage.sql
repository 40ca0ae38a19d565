-- The audit trail covers every column of an entry and only grows.
--
-- `format` says which formula an entry was chained with: 1 for the entries written before this
-- migration (the hash and HMAC take seq, time, actor label, action, entity, entity id and
-- summary), 2 for every entry written after it (also the actor's user id, the HMAC key id and
-- the previous hash). Old entries keep verifying with the formula they were made with.
ALTER TABLE audit_log ADD COLUMN format BIGINT NOT NULL DEFAULT 1;

-- Append-only, enforced by the database as for the ledger: entries and published heads are
-- never changed or removed.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_published_no_update BEFORE UPDATE ON audit_published
BEGIN
    SELECT RAISE(ABORT, 'published audit heads are append-only');
END;
CREATE TRIGGER audit_published_no_delete BEFORE DELETE ON audit_published
BEGIN
    SELECT RAISE(ABORT, 'published audit heads are append-only');
END;
