-- A panelist's scoring sheet saved as a draft (issue 21): the values as typed, one row per
-- cell ("<bid>-<criterion position>"), replaced on each save and removed when the sheet is
-- submitted. Only its panelist reads it; the report reads the submitted scores alone.
CREATE TABLE panel_drafts (
    member_id BIGINT NOT NULL REFERENCES panel_members(id),
    cell TEXT NOT NULL,
    value TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, cell)
);
