DROP INDEX invitations_email;
DELETE FROM invitations WHERE agency_id IS NULL OR agency_role IS NULL OR invited_by IS NULL;
ALTER TABLE invitations DROP COLUMN operator;
ALTER TABLE invitations ALTER COLUMN invited_by SET NOT NULL;
ALTER TABLE invitations ALTER COLUMN agency_role SET NOT NULL;
ALTER TABLE invitations ALTER COLUMN agency_id SET NOT NULL;
