-- Issue 22, items 16-18: the registry and the credit lists checked against the law.

-- Item 18: a registrar who approves a flagged name (similar to another, or 中国/全国/中华 inside
-- it rather than as its prefix) records why (民政部令69, 社会组织名称管理办法).
ALTER TABLE applications ADD COLUMN name_accepted_reason TEXT;

-- Item 17: the day of the underlying change (change registration: 30 days, 社团条例 art. 18,
-- 民非条例 art. 15) or of the end of liquidation (deregistration: 15 days, 社团条例 art. 21,
-- 民非条例 art. 16, 基金会条例 art. 18), as the organization states it; a filing after the period
-- is flagged (filed_late 1), not refused.
ALTER TABLE applications ADD COLUMN event_on TEXT;
ALTER TABLE applications ADD COLUMN filed_late BIGINT NOT NULL DEFAULT 0;

-- Item 17: an organization's supervising unit (业务主管单位, empty when registered directly),
-- the unit's preliminary review (初审) of an annual report, and whether a report used the
-- simplified inspection a 4A-or-above organization may use.
ALTER TABLE organizations ADD COLUMN supervising_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE annual_reports ADD COLUMN supervisor_reviewed_on TEXT;
ALTER TABLE annual_reports ADD COLUMN simplified BIGINT NOT NULL DEFAULT 0;

-- Item 16: what caused a listing besides its reason (the penalty, the revoked change
-- registration), the day a registrar verified its rectification and the last day to remove it
-- (5 working days from verification, 民政部令60 art. 13).
ALTER TABLE credit_listings ADD COLUMN detail TEXT NOT NULL DEFAULT '';
ALTER TABLE credit_listings ADD COLUMN verified_on TEXT;
ALTER TABLE credit_listings ADD COLUMN remove_by TEXT;

-- Item 16: an organization's objection to a listing or request to remove it, as filed, and the
-- registrar's answer.
CREATE TABLE listing_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    listing_id BIGINT NOT NULL REFERENCES credit_listings(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    statement TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    filed_by BIGINT REFERENCES users(id),
    answered_on TEXT,
    answer TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX listing_requests_org ON listing_requests (org_id);
