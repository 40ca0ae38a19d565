-- The purchaser's delivery overview at scale (issue 26, item 2): a contract's department (its
-- project's, which does not change) kept on the contract, so a department's contracts are read
-- newest first from an index of their own. The overview walked every contract of every
-- department newest first to find one department's (4.1 s per page at 100,000 contracts when
-- the department had a handful). Set by a trigger on insert, whichever code inserts.
ALTER TABLE contracts ADD COLUMN department_id BIGINT REFERENCES departments(id);
UPDATE contracts k SET department_id = p.department_id FROM projects p WHERE p.id = k.project_id;
CREATE FUNCTION contracts_department() RETURNS trigger AS $$
BEGIN
    IF NEW.department_id IS NULL THEN
        SELECT p.department_id INTO NEW.department_id FROM projects p WHERE p.id = NEW.project_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contracts_department BEFORE INSERT ON contracts
    FOR EACH ROW EXECUTE FUNCTION contracts_department();
CREATE INDEX contracts_department ON contracts (department_id, published_at, id);
