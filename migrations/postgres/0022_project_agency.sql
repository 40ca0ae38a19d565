-- The procurement agency a purchaser entrusts a project's procedure to (issue 20): the agency's
-- staff run that project's procedure (notices, answers, opening, qualification, panel,
-- challenges) for the purchaser, who keeps the award confirmation, the contract and delivery.
ALTER TABLE projects ADD COLUMN agency_id BIGINT REFERENCES agencies(id);
ALTER TABLE projects ADD COLUMN entrusted_at BIGINT;
CREATE INDEX projects_agency ON projects (agency_id);
