-- Server-side sessions (issue 23 item 2). The cookie carries only a random session id; the
-- row, found by that id's SHA-256 (a reader of the database cannot replay a session), says
-- whose session it is, since when and from where. Logging out deletes the row; the session
-- guard refuses it past its idle or absolute lifetime (settings `auth.session_*`). `epoch`
-- copies `users.session_epoch` at sign-in, so bumping the epoch (a role revoked) ends it too.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    epoch BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    address TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
