-- Records kept although their application window could not be read (stored as 기타,
-- original text shown), per import run.
ALTER TABLE import_runs ADD COLUMN noted_count INTEGER NOT NULL DEFAULT 0;
