-- A bid's reference (投标编号) is random, not its row id: a bidder comparing the numbers of two
-- of its own bids must not learn how many bids were placed in between (issue #23).
ALTER TABLE bids ADD COLUMN reference TEXT;
UPDATE bids SET reference = upper(substr(md5(random()::text || clock_timestamp()::text || id::text), 1, 12));
-- Nullable as in SQLite, which cannot add a NOT NULL column without a default (the folders end
-- with the same shape); the bid store always writes one, and the unique index keeps them apart.
CREATE UNIQUE INDEX bids_reference ON bids (reference);
