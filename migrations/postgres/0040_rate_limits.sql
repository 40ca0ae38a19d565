-- Rate limits that cannot be turned against users (issue 23 item 5). `rate_counters` counts
-- events per key in a fixed window that starts with the key's first event (failed sign-ins
-- per address, reset mails per account, public objections and questions per address, the
-- failure notice per account). `login_throttle` now holds one row per (account, address)
-- pair, with the failures of its run, its last failure (`window_start`) and its backoff; the
-- account-wide and address-wide rows it held before mean nothing under that rule.
CREATE TABLE rate_counters (
    key TEXT PRIMARY KEY,
    hits BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
DELETE FROM login_throttle;
