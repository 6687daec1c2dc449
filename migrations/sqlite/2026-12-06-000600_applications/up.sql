-- Apply once (issue 12): per program how to apply, versioned forms, the agencies'
-- question bank, businesses with members, applications with their history and files,
-- and the two ways an agency's own systems take applications (webhooks, pull keys).

-- How a program takes applications: on this portal or at its external URL. A portal
-- program opens and closes with the announcement's window; 보완 answers are due
-- supplement_days after the request unless the reviewer names a date.
CREATE TABLE application_settings (
    announcement_id TEXT PRIMARY KEY REFERENCES announcements(id) ON DELETE CASCADE,
    mode TEXT NOT NULL DEFAULT 'external',
    supplement_days INTEGER NOT NULL DEFAULT 7,
    show_count BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL
);

-- A program's question set, one row per version (applications::form::FormSchema as
-- JSON). The row with published_at NULL is the version being edited; a published
-- version never changes.
CREATE TABLE application_forms (
    id TEXT PRIMARY KEY,
    announcement_id TEXT NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    schema_json TEXT NOT NULL,
    published_at TIMESTAMP,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (announcement_id, version)
);

-- Questions an agency reuses across its programs (agency_id NULL: the portal's common
-- ones). An answer to a bank question is offered again in the business's next form.
CREATE TABLE question_bank (
    id TEXT PRIMARY KEY,
    agency_id TEXT REFERENCES agencies(id) ON DELETE CASCADE,
    bank_key TEXT NOT NULL,
    question_json TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX question_bank_key ON question_bank(COALESCE(agency_id, ''), bank_key);

-- The business applies, not the login: one row per 사업자등록번호, and the people who may
-- prepare and submit for it (the representative and those they invite).
CREATE TABLE businesses (
    id TEXT PRIMARY KEY,
    business_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE business_members (
    business_id TEXT NOT NULL REFERENCES businesses(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    invited_by TEXT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (business_id, user_id)
);
CREATE INDEX business_members_user ON business_members(user_id);

-- One application per program per business, from its first draft to the decision: a
-- double click or a second device finds the same row.
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    announcement_id TEXT NOT NULL REFERENCES announcements(id),
    business_id TEXT NOT NULL REFERENCES businesses(id),
    form_id TEXT NOT NULL REFERENCES application_forms(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    status TEXT NOT NULL,
    receipt_no TEXT UNIQUE,
    applicant_json TEXT NOT NULL DEFAULT '{}',
    answers_json TEXT NOT NULL DEFAULT '{}',
    step INTEGER NOT NULL DEFAULT 0,
    supplement_note TEXT NOT NULL DEFAULT '',
    supplement_due TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users(id),
    submitted_by TEXT REFERENCES users(id),
    submitted_at TIMESTAMP,
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (announcement_id, business_id)
);
CREATE INDEX applications_inbox ON applications(agency_id, status, submitted_at);
CREATE INDEX applications_business ON applications(business_id, updated_at);

-- Everything that happened to an application, who did it, and (for a submission) the
-- answers as they were then.
CREATE TABLE application_events (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    actor_id TEXT REFERENCES users(id),
    kind TEXT NOT NULL,
    status TEXT,
    note TEXT NOT NULL DEFAULT '',
    answers_json TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX application_events_app ON application_events(application_id, created_at);

-- Uploaded answers, stored under generated names like announcement attachments.
CREATE TABLE application_files (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by TEXT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX application_files_app ON application_files(application_id, question_key);

-- An agency's webhook (HMAC-SHA256 over timestamp + body; the previous secret still
-- listed during a rotation) and every POST made to it.
CREATE TABLE agency_webhooks (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES agency_webhooks(id) ON DELETE CASCADE,
    application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, created_at);

-- Pull: an agency API key (only its hash kept) and, per key, which applications it has
-- confirmed taking — two internal systems each take the same application.
CREATE TABLE agency_api_keys (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE TABLE application_pickups (
    application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    key_id TEXT NOT NULL REFERENCES agency_api_keys(id) ON DELETE CASCADE,
    confirmed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, key_id)
);
