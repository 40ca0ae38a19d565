-- Objections during an evaluation notice get a reference number and a secret link (issue 21):
-- the reference (PJYJ-<year filed>-<sequence of that year, six digits>) is unique per
-- objection and public once the objection is answered; the link lets the objector read the
-- status and the written answer without an account. Only the SHA-256 of the link's token is
-- kept. Objections filed before this migration get their reference here, numbered by filing
-- year in the order they were filed; they have no link (NULL token).
ALTER TABLE eval_objections ADD COLUMN reference TEXT;
ALTER TABLE eval_objections ADD COLUMN token_hash TEXT;
UPDATE eval_objections SET reference = 'PJYJ-' || substr(filed_on, 1, 4) || '-' || lpad(CAST(
    (SELECT COUNT(*) FROM eval_objections p
     WHERE substr(p.filed_on, 1, 4) = substr(eval_objections.filed_on, 1, 4)
       AND p.id <= eval_objections.id) AS TEXT), 6, '0');
CREATE UNIQUE INDEX eval_objections_reference ON eval_objections (reference);
CREATE UNIQUE INDEX eval_objections_token ON eval_objections (token_hash);
