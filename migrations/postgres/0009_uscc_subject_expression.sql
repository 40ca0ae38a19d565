-- Positions 9-17 of every organization's code were copied into `uscc_subject` (0005), a column
-- that nothing keeps up to date when a code is set later. Index the expression instead: a
-- serial is never issued when any organization (registered, imported or generated) already
-- carries its subject identifier. Queries must write the expression exactly so:
-- substr(uscc, 9, 9).
DROP INDEX organizations_uscc_subject;
ALTER TABLE organizations DROP COLUMN uscc_subject;
CREATE INDEX organizations_uscc_subject ON organizations ((substr(uscc, 9, 9)));
