-- When the key last opened something (the console shows it, so an admin sees which
-- systems still pull and which keys can go). NULL: never used.
ALTER TABLE agency_api_keys ADD COLUMN last_used_at TIMESTAMP;
