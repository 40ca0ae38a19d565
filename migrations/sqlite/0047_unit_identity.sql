-- A purchasing department or agency is a legal person with a unified social credit code of its
-- own (government organs and public institutions are issued one by the institutional staffing
-- authority, GB 32100-2015: position 1 '1', position 2 '1' organ or '2' public institution), and
-- has its address in a district (GB/T 2260; the code carries the registering authority's
-- division, which may be the city's). OCDS identifies the buyer and the procuring entity by the
-- code (`identifier` scheme CN-USCI) and gives their address from both (issue 24, item 2).
ALTER TABLE departments ADD COLUMN uscc TEXT;
ALTER TABLE departments ADD COLUMN district_code TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN uscc TEXT;
ALTER TABLE agencies ADD COLUMN district_code TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX departments_uscc ON departments (uscc);
CREATE UNIQUE INDEX agencies_uscc ON agencies (uscc);
-- The demo's units in a database seeded before this migration (a new one takes the same values
-- from seeds/demo.toml). Fictitious codes whose two check characters are right.
UPDATE departments SET uscc = '11330200002950018T', district_code = '330212' WHERE code = 'nb-civil-affairs';
UPDATE departments SET uscc = '113302030029500261', district_code = '330203' WHERE code = 'haishu-health';
UPDATE agencies SET uscc = '12330200002950034D', district_code = '330212' WHERE code = 'nb-procurement-centre';
