-- A purchasing department's and an agency's project list (`/purchase`), newest first (issue 26
-- item 2): read through these indexes from the newest end and stopped at the rows shown, instead
-- of sorting the unit's whole history per request. The expression is the list's sort key as
-- `db::projects::list` writes it.
CREATE INDEX projects_listed_department ON projects (department_id, (COALESCE(notice_at, created_at)), id);
CREATE INDEX projects_listed_agency ON projects (agency_id, (COALESCE(notice_at, created_at)), id);
