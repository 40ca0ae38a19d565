-- The finance officer's and the purchaser's spending chart at scale (issue 26, item 2): what
-- each department has paid per service category, net of reversals, kept by the ledger store in
-- the transaction that appends each entry (the entries stay the record; this is their running
-- sum), so the chart reads a row per category instead of summing every payment per page view.
CREATE TABLE spending_totals (
    department_id BIGINT NOT NULL REFERENCES departments(id),
    category_code TEXT NOT NULL REFERENCES service_categories(code),
    paid_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (department_id, category_code)
);
INSERT INTO spending_totals (department_id, category_code, paid_fen)
SELECT p.department_id, p.category_code, SUM(e.amount_fen) FROM ledger_entries e
    JOIN contracts k ON k.id = e.contract_id JOIN projects p ON p.id = k.project_id
    GROUP BY p.department_id, p.category_code;
