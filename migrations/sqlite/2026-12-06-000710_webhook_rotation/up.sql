-- When the secret was last rotated: the previous one signs beside it for 24 hours after.
ALTER TABLE agency_webhooks ADD COLUMN rotated_at TIMESTAMP;
