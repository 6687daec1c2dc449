ALTER TABLE consents DROP COLUMN policy_version;
