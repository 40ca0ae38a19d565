-- Evaluation under 39号令 checked line by line (issue 22, items 11, 14, 15).
-- Item 14: the disagreement threshold (percent of an item's maximum, 30 by default) is a dated
-- setting; each round keeps the value in force when it opened, as it keeps its thresholds.
-- Performance reviews record the settings version their grade ladder came from (NULL: before
-- this migration).
ALTER TABLE eval_rounds ADD COLUMN disagreement_pct BIGINT NOT NULL DEFAULT 30;
ALTER TABLE perf_reviews ADD COLUMN settings_version BIGINT;
-- Item 11: a round uses the standards loaded when it opened: those with an id up to this one
-- (a standard loaded mid-round applies to the next round). Rounds opened before this
-- migration keep the standards loaded by then.
ALTER TABLE eval_rounds ADD COLUMN standards_upto BIGINT;
UPDATE eval_rounds SET standards_upto = (SELECT MAX(id) FROM eval_standards);
-- Item 15: the certificate of a 3A-or-above grade that ends (downgraded or expired) is void
-- from that day and is to be returned within 15 days: the day it is due is written when the
-- grade ends (NULL for grades that ended before this migration: nothing to track), and the
-- return when the officer records it.
ALTER TABLE org_grades ADD COLUMN certificate_due_on TEXT;
ALTER TABLE org_grades ADD COLUMN certificate_returned_on TEXT;
ALTER TABLE org_grades ADD COLUMN certificate_returned_by BIGINT REFERENCES users(id);
