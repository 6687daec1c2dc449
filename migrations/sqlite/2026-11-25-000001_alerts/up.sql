-- Owners, subscriptions, bookmarks and alert deliveries (issue 4). Portable types only.

-- An owner is a user without an agency; this is their business profile and settings.
CREATE TABLE owner_profiles (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    email_verified_at TIMESTAMP,
    business_number TEXT,            -- 10 digits, check digit validated
    business_name TEXT NOT NULL DEFAULT '',
    ksic_code TEXT,
    region_code TEXT,                -- 시군구 (or 시도) code
    founded_on DATE,
    employees INTEGER,
    revenue_band TEXT,               -- see alerts::profile::REVENUE_BANDS
    sole_proprietor BOOLEAN,
    birth_year INTEGER,
    gender TEXT,                     -- female | male
    phone TEXT,                      -- 010xxxxxxxx, for SMS
    digest_hour INTEGER NOT NULL DEFAULT 8,   -- KST hour digests are sent
    daily_cap INTEGER NOT NULL DEFAULT 20,    -- instant messages per channel per KST day
    reminder_days TEXT NOT NULL DEFAULT '[7,1]',
    reminder_channels TEXT NOT NULL DEFAULT '["email"]',
    updated_at TIMESTAMP NOT NULL
);

-- One-time links: email verification, password reset, subscription confirmation.
CREATE TABLE account_tokens (
    id TEXT PRIMARY KEY,             -- sha256 of the token
    purpose TEXT NOT NULL,           -- verify_email | reset_password | confirm_subscription
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    subscription_id TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX account_tokens_user ON account_tokens(user_id);

-- Identical criteria are stored (and evaluated) once; subscriptions point at them.
CREATE TABLE subscription_criteria (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,       -- sha256 of the canonical spec
    spec TEXT NOT NULL,              -- canonical JSON (alerts::criteria::Criteria)
    created_at TIMESTAMP NOT NULL
);

-- The index of subscriptions: each criteria under the terms of its most selective part.
CREATE TABLE criteria_terms (
    term TEXT NOT NULL,
    criteria_id TEXT NOT NULL REFERENCES subscription_criteria(id) ON DELETE CASCADE,
    PRIMARY KEY (term, criteria_id)
);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    email TEXT,                      -- email-only subscriptions without an account
    name TEXT NOT NULL,
    criteria_id TEXT NOT NULL REFERENCES subscription_criteria(id),
    spec TEXT NOT NULL,              -- what the person chose (for editing)
    is_profile BOOLEAN NOT NULL DEFAULT 0,
    frequency TEXT NOT NULL,         -- instant | daily | weekly
    channels TEXT NOT NULL,          -- JSON list of email | push | sms
    status TEXT NOT NULL,            -- pending | active
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_criteria ON subscriptions(criteria_id);
CREATE INDEX subscriptions_user ON subscriptions(user_id);

-- Consent per channel, with time and source (given and withdrawn).
CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    subscription_id TEXT,
    channel TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX consents_user ON consents(user_id);
CREATE INDEX consents_subscription ON consents(subscription_id);

CREATE TABLE bookmarks (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    announcement_id TEXT NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, announcement_id)
);
CREATE INDEX bookmarks_announcement ON bookmarks(announcement_id);

CREATE TABLE push_endpoints (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_success_at TIMESTAMP
);
CREATE INDEX push_endpoints_user ON push_endpoints(user_id);

-- One row per (recipient, announcement, channel, kind): the unique key makes fan-out,
-- retries and crashes unable to send twice.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    subscription_id TEXT,
    announcement_id TEXT REFERENCES announcements(id) ON DELETE CASCADE,
    agency_id TEXT,                  -- the announcement's agency, for its report
    channel TEXT NOT NULL,           -- email | push | sms
    kind TEXT NOT NULL,              -- new | changed | reminder | digest | verify | reset | confirm
    frequency TEXT NOT NULL,         -- instant | daily | weekly
    address TEXT NOT NULL,           -- email address, phone number, or '' (push: all endpoints)
    reason TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}',
    short_code TEXT NOT NULL UNIQUE, -- tracking / short-link code
    status TEXT NOT NULL,            -- waiting | queued | sending | sent | dead | suppressed | digested
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_by TEXT,
    locked_at TIMESTAMP,
    last_error TEXT,
    digest_id TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    opened_at TIMESTAMP,
    clicked_at TIMESTAMP
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
CREATE INDEX deliveries_announcement ON deliveries(announcement_id, channel);
CREATE INDEX deliveries_user ON deliveries(user_id, created_at);
CREATE INDEX deliveries_subscription ON deliveries(subscription_id);
CREATE INDEX deliveries_digest ON deliveries(digest_id);

-- Page views per announcement per KST day (for the agency's report).
CREATE TABLE announcement_views (
    announcement_id TEXT NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    day DATE NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (announcement_id, day)
);
