-- Each worker (serve's in-process worker or `jiwon worker`) records every tick; /healthz
-- reads the newest to tell whether anything is running the queue.
CREATE TABLE worker_heartbeats (
    worker TEXT PRIMARY KEY,         -- worker name (host:pid)
    host TEXT NOT NULL,
    last_tick_at TIMESTAMP NOT NULL
);
CREATE INDEX worker_heartbeats_tick ON worker_heartbeats(last_tick_at);
