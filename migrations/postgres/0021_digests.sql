-- The daily reminder of waiting work (issue 20): one per person per Beijing day, recorded with
-- its mail in one transaction so a retried job never mails twice.
CREATE TABLE daily_digests (
    user_id BIGINT NOT NULL REFERENCES users(id),
    day TEXT NOT NULL,
    tasks BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, day)
);
