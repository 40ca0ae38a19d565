-- The work lists at a nation's scale (issue 26): each kind of a person's work is read in the
-- order it is listed and stopped at the list's length (deadlines::store::queue::CAP), from an
-- index that holds only the rows waiting, so the read does not walk a department's history.
-- At 100,000 contracts a purchaser's list read 50,000 contracts to find those ended and not
-- accepted (78 ms), and every review installment to find those whose review nobody opened
-- (147 ms); its drafts and opened rounds walked every project of the department (46 ms each).

-- A department's contracts still to be finally accepted, by the day they end.
CREATE INDEX contracts_to_accept ON contracts (department_id, ends_on, id)
    WHERE accepted_at IS NULL AND terminated_at IS NULL;
-- A department's review installments whose review is not yet submitted (its submission is
-- what sets payable_since, migration 0057).
CREATE INDEX installments_awaiting_review ON installments (department_id, contract_id, pos)
    WHERE condition = 'review' AND payable_since IS NULL;
-- A unit's projects in one status (drafts, opened rounds, published notices).
CREATE INDEX projects_department_status ON projects (department_id, status, id);
CREATE INDEX projects_agency_status ON projects (agency_id, status, id);
