-- The qualification documents a project requires of its bidders (issue 21 item 3): the
-- checklist's codes (registration, financial, tax, social_insurance, no_violation) and the
-- documents the project adds by name (kind 'added'). Written with the draft, frozen when the
-- project is published, like its criteria. A bid's attached documents are in its sealed content.
CREATE TABLE project_qual_docs (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    pos BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (project_id, pos)
);
