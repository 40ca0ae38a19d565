-- The working-day calendar as data (DOMAIN §5, issue 19). Each row is one version of one year's
-- table as the State Council published it: a replaced year keeps its old rows (replaced_at
-- set), the year's calendar is its newest row. A year with no row is provisional, computed
-- from 全国年节及纪念日放假办法 and never stored.
CREATE TABLE calendar_years (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year BIGINT NOT NULL,
    source TEXT NOT NULL DEFAULT 'official',
    reference TEXT NOT NULL,
    holidays TEXT NOT NULL,
    adjusted_working_days TEXT NOT NULL,
    loaded_by BIGINT REFERENCES users(id),
    loaded_at BIGINT NOT NULL,
    replaced_at BIGINT
);
CREATE INDEX calendar_years_year ON calendar_years (year, id);

-- Every stored due date that a calendar can move: how it was computed (the day counting
-- starts from, the period, whether a calendar-day period rolls off a holiday), the date it
-- gives now and the calendar versions it was computed from (basis, e.g. "2026@2 2027@p").
-- The entity's own column holds the same date; this register is how a new calendar finds
-- and recomputes it.
CREATE TABLE deadlines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    clock TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    start_on TEXT NOT NULL,
    span_kind TEXT NOT NULL,
    span_days BIGINT NOT NULL,
    roll BIGINT NOT NULL DEFAULT 0,
    due_on TEXT NOT NULL,
    basis TEXT NOT NULL,
    provisional BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (clock, entity_id)
);
CREATE INDEX deadlines_due ON deadlines (due_on);
