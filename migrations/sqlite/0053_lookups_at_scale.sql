-- Lookups the page census found scanning whole tables at a million organizations and 100,000
-- processes (issue 26):
-- an organization's exact name, checked when an application's name is checked against the
-- register (`db::orgs::count_live_named`; the registration check took 2.2 s);
CREATE INDEX organizations_name_norm ON organizations (name_norm);
-- the public opening records' bids, newest first (`/openings/bids`, `/api/v1/bids`: 9.5 s, every
-- bid joined and sorted per page);
CREATE INDEX opening_bids_bid ON opening_bids (bid_id);
-- the failed and cancelled rounds among the events (`/failures`, `/api/v1/failures`: 3.1 s,
-- every event read to find the few that failed).
CREATE INDEX project_events_kind ON project_events (kind, id);
