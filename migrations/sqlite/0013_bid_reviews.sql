-- Review before scoring (DOMAIN §5): for each opened bid, the purchaser's qualification check
-- (资格审查), the panel's compliance check (符合性审查) and the price check (above the budget
-- or the maximum price: invalid, 87号令 63), each failure with its reason.
CREATE TABLE bid_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    opening_id BIGINT NOT NULL REFERENCES openings(id),
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    stage TEXT NOT NULL,
    passed BIGINT NOT NULL,
    reason TEXT,
    by_user_id BIGINT REFERENCES users(id),
    at BIGINT NOT NULL,
    UNIQUE (bid_id, stage)
);
CREATE INDEX bid_reviews_opening ON bid_reviews (opening_id);
