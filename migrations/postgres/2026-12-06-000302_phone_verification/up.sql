-- No SMS goes to a number until its owner typed the code texted to it.
ALTER TABLE owner_profiles ADD COLUMN phone_verified_at TIMESTAMP;

-- One row per code sent: only a keyed hash of the code is kept; it expires, and counts
-- the wrong guesses against it.
CREATE TABLE phone_verifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    phone TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX phone_verifications_user ON phone_verifications(user_id, created_at);
