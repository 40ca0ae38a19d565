-- A bid's reference (投标编号) is random, not its row id: a bidder comparing the numbers of two
-- of its own bids must not learn how many bids were placed in between (issue #23).
ALTER TABLE bids ADD COLUMN reference TEXT;
UPDATE bids SET reference = upper(hex(randomblob(6)));
CREATE UNIQUE INDEX bids_reference ON bids (reference);
