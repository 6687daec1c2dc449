-- Invitations made on the command line (`jiwon staff add`): an operator has no agency
-- and nobody signed in invited them.
ALTER TABLE invitations ALTER COLUMN agency_id DROP NOT NULL;
ALTER TABLE invitations ALTER COLUMN agency_role DROP NOT NULL;
ALTER TABLE invitations ALTER COLUMN invited_by DROP NOT NULL;
ALTER TABLE invitations ADD COLUMN operator BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX invitations_email ON invitations(email);
