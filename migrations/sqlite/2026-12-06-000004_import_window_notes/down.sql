ALTER TABLE import_runs DROP COLUMN noted_count;
