-- What an organization declares for the related-supplier rule (政府采购法实施条例 art. 18):
-- its person in charge (kind 'head': value is the keyed hash of the ID number, label the name)
-- and the units that directly control or manage it ('controlled_by') or that it directly
-- controls or manages ('controls'; value the other unit's USCC, label its name). History is
-- kept: a declaration is ended, never rewritten.
CREATE TABLE org_relations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    declared_by BIGINT NOT NULL REFERENCES users(id),
    declared_at BIGINT NOT NULL,
    ended_by BIGINT REFERENCES users(id),
    ended_at BIGINT
);
CREATE INDEX org_relations_org ON org_relations (org_id);
CREATE INDEX org_relations_value ON org_relations (value);
