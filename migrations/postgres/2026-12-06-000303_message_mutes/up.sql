-- "Stop this kind of message about this announcement": the way out of a correction or
-- a reminder message. recipient is `u:<user id>` or `e:<email>` (a delivery's recipient),
-- kind is `changed` or `reminder`.
CREATE TABLE message_mutes (
    recipient TEXT NOT NULL,
    announcement_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (recipient, announcement_id, kind)
);
CREATE INDEX message_mutes_announcement ON message_mutes(announcement_id);
