ALTER TABLE agency_webhooks DROP COLUMN rotated_at;
