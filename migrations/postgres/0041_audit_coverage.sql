-- The audit trail covers every column of an entry and only grows.
--
-- `format` says which formula an entry was chained with: 1 for the entries written before this
-- migration (the hash and HMAC take seq, time, actor label, action, entity, entity id and
-- summary), 2 for every entry written after it (also the actor's user id, the HMAC key id and
-- the previous hash). Old entries keep verifying with the formula they were made with.
ALTER TABLE audit_log ADD COLUMN format BIGINT NOT NULL DEFAULT 1;

-- Append-only, enforced by the database as for the ledger: entries and published heads are
-- never changed or removed (TRUNCATE included).
CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries and published heads are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_published_no_change BEFORE UPDATE OR DELETE ON audit_published
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_published_no_truncate BEFORE TRUNCATE ON audit_published
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
