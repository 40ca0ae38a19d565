-- An organization's exact name, looked up when an application's name is checked against the
-- register (`db::orgs::count_live_named`): through an index, not a scan of every organization
-- (issue 26: the registration check took 2.2 s at a million organizations).
CREATE INDEX organizations_name_norm ON organizations (name_norm);
