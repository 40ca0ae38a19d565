-- The public statistics' year selector and year filters (issue 26): the first and last day
-- anything was registered or paid on, read from the ends of these indexes rather than from every
-- organization and every ledger entry; registrations per year counted from the registration
-- days alone; one year's payments found by their value date.
CREATE INDEX organizations_registered_on ON organizations (registered_on);
CREATE INDEX ledger_entries_value_date ON ledger_entries (value_date);
