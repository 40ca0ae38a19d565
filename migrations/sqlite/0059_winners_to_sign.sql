-- A purchaser's winners to sign with at a nation's scale (issue 26): the winners without a
-- contract were found by reading every winner of the department and looking for its contract
-- (100,000 winners, 70 ms for each dashboard and each navigation count). The instant a winner's
-- contract was signed is kept on the winner, set by a trigger whichever code inserts the
-- contract, so the winners still to sign are an index of their own (a handful at any time).
ALTER TABLE award_winners ADD COLUMN signed_at BIGINT;
UPDATE award_winners SET signed_at =
    (SELECT MIN(k.signed_at) FROM contracts k WHERE k.winner_id = award_winners.id);
CREATE TRIGGER award_winners_signed AFTER INSERT ON contracts
BEGIN
    UPDATE award_winners SET signed_at = NEW.signed_at
    WHERE id = NEW.winner_id AND signed_at IS NULL;
END;
CREATE INDEX award_winners_to_sign ON award_winners (id)
    WHERE status = 'winner' AND signed_at IS NULL;
-- An organization's awards on its public profile: read every winner to find its own (7.6 ms
-- per profile at 100,000 winners).
CREATE INDEX award_winners_org ON award_winners (org_id);
