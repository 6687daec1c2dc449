-- Invitations made on the command line (`jiwon staff add`): an operator has no agency
-- and nobody signed in invited them. SQLite cannot drop NOT NULL, so the table is rebuilt.
CREATE TABLE invitations_new (
    id TEXT PRIMARY KEY,
    agency_id TEXT REFERENCES agencies(id),   -- NULL for an operator
    email TEXT NOT NULL,
    agency_role TEXT,                         -- NULL for an operator
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT REFERENCES users(id),     -- NULL: the command line
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    operator BOOLEAN NOT NULL DEFAULT 0
);
INSERT INTO invitations_new (id, agency_id, email, agency_role, token_hash, invited_by, created_at, expires_at, accepted_at)
    SELECT id, agency_id, email, agency_role, token_hash, invited_by, created_at, expires_at, accepted_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
CREATE INDEX invitations_email ON invitations(email);
