-- Ranking and the evaluated price (issue 22, items 1 and 5).
-- The ranking's draw seed is drawn when the last seated panelist submits (not the panel draw's
-- seed, which is known before anyone scores), recorded with its time and shown in the report.
ALTER TABLE panels ADD COLUMN rank_seed TEXT;
ALTER TABLE panels ADD COLUMN rank_seed_at BIGINT;
-- A bid's declared enterprise size (中小企业声明函: micro, small or medium; none when not
-- declared), copied at opening from the sealed content like the price.
ALTER TABLE opening_bids ADD COLUMN sme TEXT;
