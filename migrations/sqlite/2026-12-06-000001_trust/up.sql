-- Rate-limit counters every serve node sees: one row per (action, key, fixed window).
CREATE TABLE rate_limits (
    action TEXT NOT NULL,
    key TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (action, key, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits(window_start);

-- Staff sessions end after 30 idle minutes: when the session was last used.
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;

-- An agency named as owner by another agency's staff is not shown as owner until it
-- says so itself (edits or publishes the announcement).
ALTER TABLE announcements ADD COLUMN owner_confirmed BOOLEAN NOT NULL DEFAULT TRUE;
