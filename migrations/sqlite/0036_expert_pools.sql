-- Expert libraries (issue 22, item 20): procurement review experts (政府采购评审专家, drawn for
-- a bid panel) and evaluation experts (社会组织评估专家, assigned in an evaluation round) are
-- separate libraries; an expert is in either or both, as the procurement supervisor records.
-- A bid panel is drawn only from the procurement library's experts whose recorded service
-- categories include the project's. The experts of an existing database are put in both
-- libraries with every category, so their draws go on until the supervisor narrows them.
CREATE TABLE expert_pools (
    user_id BIGINT NOT NULL REFERENCES users(id),
    pool TEXT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (user_id, pool)
);

CREATE TABLE expert_categories (
    user_id BIGINT NOT NULL REFERENCES users(id),
    category_code TEXT NOT NULL REFERENCES service_categories(code),
    PRIMARY KEY (user_id, category_code)
);

INSERT INTO expert_pools (user_id, pool, since)
    SELECT DISTINCT g.user_id, 'procurement', 0 FROM role_grants g WHERE g.role = 'expert' AND g.revoked_at IS NULL;
INSERT INTO expert_pools (user_id, pool, since)
    SELECT DISTINCT g.user_id, 'evaluation', 0 FROM role_grants g WHERE g.role = 'expert' AND g.revoked_at IS NULL;
INSERT INTO expert_categories (user_id, category_code)
    SELECT DISTINCT g.user_id, c.code FROM role_grants g CROSS JOIN service_categories c
    WHERE g.role = 'expert' AND g.revoked_at IS NULL;
