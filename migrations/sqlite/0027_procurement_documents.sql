-- Procurement documents as documents (issue 21 item 4): each published version of a project's
-- 采购文件 is an immutable snapshot with its own number (文号), the canonical content frozen at
-- publication and its SHA-256. Publishing makes version 1; every amendment and every file the
-- purchaser attaches makes the next version. The register of who obtained the documents
-- records which version each organization obtained (rows before this migration: version 1).
CREATE TABLE project_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    version BIGINT NOT NULL,
    doc_no TEXT NOT NULL UNIQUE,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    change_kind TEXT NOT NULL,
    amendment_id BIGINT REFERENCES project_amendments(id),
    published_by BIGINT REFERENCES users(id),
    UNIQUE (project_id, version)
);
CREATE TRIGGER project_documents_no_update BEFORE UPDATE ON project_documents
BEGIN
    SELECT RAISE(ABORT, 'published procurement documents are immutable');
END;
CREATE TRIGGER project_documents_no_delete BEFORE DELETE ON project_documents
BEGIN
    SELECT RAISE(ABORT, 'published procurement documents are immutable');
END;

-- Files the purchaser attaches to the documents, stored in the uploads folder under their
-- SHA-256; `version` is the version they were added in.
CREATE TABLE project_doc_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    version BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    added_by BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX project_doc_files_project ON project_doc_files (project_id, id);

ALTER TABLE doc_obtained ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
