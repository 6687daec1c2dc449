DELETE FROM invitations WHERE agency_id IS NULL OR agency_role IS NULL OR invited_by IS NULL;
CREATE TABLE invitations_old (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    email TEXT NOT NULL,
    agency_role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP
);
INSERT INTO invitations_old
    SELECT id, agency_id, email, agency_role, token_hash, invited_by, created_at, expires_at, accepted_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_old RENAME TO invitations;
