-- A project's bids, whatever their status: the OCDS releases, the opening and the bid pages
-- look them up by project (the partial index on sealed bids serves only the sealed ones; the
-- bulk export of 100,000 processes scanned every bid for each project without this).
CREATE INDEX bids_project ON bids (project_id, round);
