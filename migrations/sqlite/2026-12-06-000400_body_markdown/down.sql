ALTER TABLE announcements DROP COLUMN body_markdown;
