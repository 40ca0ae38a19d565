-- Panel scoring (DOMAIN §5): each seated panelist declares, then scores every technical
-- criterion of every valid bid (hundredths of a point), independently; one submission locks.
ALTER TABLE panel_members ADD COLUMN declared_at BIGINT;
ALTER TABLE panel_members ADD COLUMN submitted_at BIGINT;
CREATE TABLE panel_scores (
    member_id BIGINT NOT NULL REFERENCES panel_members(id),
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    pos BIGINT NOT NULL,
    centi BIGINT NOT NULL,
    PRIMARY KEY (member_id, bid_id, pos)
);
