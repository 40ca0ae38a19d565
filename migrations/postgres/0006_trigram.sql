-- Longer directory queries (3+ characters) whose pairs are all common but whose whole text is
-- rare are answered from a trigram index (the database's ctype is UTF-8, so pg_trgm indexes
-- Chinese characters).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX organizations_name_trgm ON organizations USING gin (name_norm gin_trgm_ops);
