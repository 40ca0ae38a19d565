-- The overdue lists read from the payable installments' indexes alone (issue 26): the overdue
-- query also asks when each installment became payable, which the indexes of migration 0057 did
-- not hold, so PostgreSQL could not answer it from a department's index without visiting the
-- table, and chose instead to walk every department's payable installments in contract order
-- (at 100,000 contracts, 50,000 of them payable in another department: 7 to 9 ms a query,
-- /purchase/delivery at p95 67 ms). With the instant carried in both indexes a department's
-- payable and overdue lists are index-only scans of its own range.
DROP INDEX installments_payable;
CREATE INDEX installments_payable ON installments (department_id, contract_id, pos)
    INCLUDE (payable_since) WHERE paid_fen < amount_fen AND payable_since IS NOT NULL;
DROP INDEX installments_payable_all;
CREATE INDEX installments_payable_all ON installments (contract_id, pos)
    INCLUDE (payable_since) WHERE paid_fen < amount_fen AND payable_since IS NOT NULL;
