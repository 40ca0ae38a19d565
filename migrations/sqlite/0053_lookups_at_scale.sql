-- Lookups the page census found scanning whole tables at a million organizations and 100,000
-- processes (issue 26):
-- an organization's exact name, checked when an application's name is checked against the
-- register (`db::orgs::count_live_named`; the registration check took 2.2 s);
CREATE INDEX organizations_name_norm ON organizations (name_norm);
-- the public opening records' bids, newest first (`/openings/bids`, `/api/v1/bids`: 9.5 s, every
-- bid joined and sorted per page);
CREATE INDEX opening_bids_bid ON opening_bids (bid_id);
-- the failed and cancelled rounds among the events (`/failures`, `/api/v1/failures`: 3.1 s,
-- every event read to find the few that failed): a partial index of those alone, newest first,
-- its condition the dataset's own (`opendata::datasets::FAILURE_KINDS`). An index on the kind
-- would do too, but the planner then takes it for every event query naming kinds, and the
-- release feed and the Atom feeds, which read `(at)` in order, would sort every event instead.
CREATE INDEX project_events_failures ON project_events (id)
    WHERE kind IN ('failed', 'final_failed', 'review_failed', 'compliance_failed', 'cancelled');
-- An organization's contracts, newest first (`/orgs/<org>/contracts`, its public profile: 1.2 s,
-- every contract read), and a winner's contract.
CREATE INDEX contracts_org ON contracts (org_id, published_at, id);
CREATE INDEX contracts_winner ON contracts (winner_id);
-- The Atom feeds' newest 50 publications and awards (`/feeds/projects.atom`: 107 ms, the `(at)`
-- index walked back past every later event): partial indexes whose conditions are the feeds'
-- own, word for word (`web::feeds`).
CREATE INDEX project_events_published ON project_events (at, id) WHERE kind IN ('published');
CREATE INDEX project_events_awarded ON project_events (at, id)
    WHERE kind IN ('awarded', 'awarded_by_rule');
