-- PostgreSQL only (see migrations/postgres/0062): its planner needs the instant an installment
-- became payable inside the payable installments' indexes to answer a department's overdue
-- list from its own range. SQLite walks that range and reads the instant from the table row by
-- row, which the census found fast (its plan is held in tests/it/plans.rs); a wider index made
-- it prefer the unpaid installments' index for everyone's list instead. Nothing changes here.
SELECT 1;
