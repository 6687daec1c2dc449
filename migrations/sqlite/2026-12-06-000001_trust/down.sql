ALTER TABLE announcements DROP COLUMN owner_confirmed;
ALTER TABLE sessions DROP COLUMN last_seen_at;
DROP TABLE rate_limits;
