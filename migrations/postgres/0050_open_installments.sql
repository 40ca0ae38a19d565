-- The delivery overviews at scale (issue 26, item 2): what an installment has been paid, net of
-- reversals, kept beside it by the ledger store in the transaction that appends each entry
-- (the entries stay the record; this is their running sum), so the installments still to pay
-- are found through an index that holds only them, whatever the size of the paid history.
ALTER TABLE installments ADD COLUMN paid_fen BIGINT NOT NULL DEFAULT 0;
UPDATE installments SET paid_fen = (SELECT COALESCE(SUM(e.amount_fen), 0) FROM ledger_entries e
    WHERE e.contract_id = installments.contract_id AND e.installment_pos = installments.pos);
CREATE INDEX installments_open ON installments (contract_id, pos) WHERE paid_fen < amount_fen;
-- The overviews' page of contracts, newest first, by keyset.
CREATE INDEX contracts_published ON contracts (published_at, id);
