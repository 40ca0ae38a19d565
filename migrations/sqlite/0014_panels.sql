-- The bid-evaluation panel (DOMAIN §5): the expert library's fields (experts are the users
-- holding the expert role; the procurement supervisor keeps their fields), and each round's
-- panel drawn at random with its seed, candidates and exclusions recorded, the purchaser's
-- representatives (at most a third), and recusals with the replacement drawn.
CREATE TABLE expert_fields (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    fields TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL
);

CREATE TABLE panels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    round BIGINT NOT NULL,
    seed TEXT NOT NULL,
    size BIGINT NOT NULL,
    candidates TEXT NOT NULL,
    excluded TEXT NOT NULL,
    drawn_by BIGINT NOT NULL REFERENCES users(id),
    drawn_at BIGINT NOT NULL,
    UNIQUE (project_id, round)
);

CREATE TABLE panel_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    panel_id BIGINT NOT NULL REFERENCES panels(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    replaces BIGINT REFERENCES panel_members(id),
    seated_at BIGINT NOT NULL,
    recused_at BIGINT
);
CREATE INDEX panel_members_panel ON panel_members (panel_id);
