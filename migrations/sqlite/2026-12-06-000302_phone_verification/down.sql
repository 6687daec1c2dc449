DROP TABLE phone_verifications;
ALTER TABLE owner_profiles DROP COLUMN phone_verified_at;
