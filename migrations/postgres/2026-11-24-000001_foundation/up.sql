-- Jiwon foundation schema. Portable types only (see STYLE.md): ids are text generated
-- in Rust, instants are UTC TIMESTAMP, lists and structured values are JSON text.

CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parent_code TEXT REFERENCES categories(code),
    sort_order INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE regions (
    code TEXT PRIMARY KEY,           -- 5-digit 행정구역 code (시도: 11000, 시군구: 11110)
    name TEXT NOT NULL,              -- 서울특별시 / 종로구
    short_name TEXT NOT NULL,        -- 서울 / 종로구
    sido_code TEXT NOT NULL,         -- 2-digit 시도 code
    level TEXT NOT NULL,             -- sido | sigungu
    sort_order INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX regions_sido ON regions(sido_code);

CREATE TABLE ksic (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    level INTEGER NOT NULL,
    parent_code TEXT,
    section TEXT NOT NULL
);
CREATE INDEX ksic_parent ON ksic(parent_code);

CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,              -- ministry | local | public | private | other
    region_code TEXT,
    homepage TEXT,
    phone TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    is_operator BOOLEAN NOT NULL DEFAULT FALSE,
    agency_id TEXT REFERENCES agencies(id),
    agency_role TEXT,                -- admin | editor | reviewer
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);
CREATE INDEX users_agency ON users(agency_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,             -- sha256 of the cookie token
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE invitations (
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

CREATE TABLE announcements (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    owner_agency_id TEXT REFERENCES agencies(id),
    exec_agency_id TEXT REFERENCES agencies(id),
    category TEXT,
    subcategories TEXT NOT NULL DEFAULT '[]',
    target_types TEXT NOT NULL DEFAULT '[]',
    nationwide BOOLEAN NOT NULL DEFAULT FALSE,
    eligibility TEXT NOT NULL DEFAULT '{}',
    window_kind TEXT NOT NULL,
    apply_start TIMESTAMP,
    apply_end TIMESTAMP,
    window_note TEXT,
    apply_method TEXT NOT NULL DEFAULT 'external',
    apply_url TEXT,
    apply_note TEXT,
    contacts TEXT,
    status TEXT NOT NULL,            -- draft | scheduled | forecast | published | closed | archived
    publish_at TIMESTAMP,
    published_at TIMESTAMP,
    closed_at TIMESTAMP,
    revision INTEGER NOT NULL DEFAULT 1,
    view_count BIGINT NOT NULL DEFAULT 0,
    origin TEXT NOT NULL,            -- agency | bizinfo | kstartup
    search_text TEXT NOT NULL DEFAULT '',
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX announcements_status_end ON announcements(status, apply_end);
CREATE INDEX announcements_status_published ON announcements(status, published_at);
CREATE INDEX announcements_owner ON announcements(owner_agency_id);
CREATE INDEX announcements_exec ON announcements(exec_agency_id);
CREATE INDEX announcements_category ON announcements(category);

CREATE TABLE announcement_regions (
    announcement_id TEXT NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    region_code TEXT NOT NULL,
    sido_code TEXT NOT NULL,
    PRIMARY KEY (announcement_id, region_code)
);
CREATE INDEX announcement_regions_sido ON announcement_regions(sido_code);

CREATE TABLE announcement_targets (
    announcement_id TEXT NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    PRIMARY KEY (announcement_id, target)
);
CREATE INDEX announcement_targets_target ON announcement_targets(target);

CREATE TABLE sub_programs (
    id TEXT PRIMARY KEY,
    announcement_id TEXT NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    scale TEXT NOT NULL DEFAULT '',
    budget_won BIGINT
);
CREATE INDEX sub_programs_announcement ON sub_programs(announcement_id);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    announcement_id TEXT NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    stored_name TEXT,
    url TEXT,
    content_type TEXT,
    size_bytes BIGINT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_announcement ON attachments(announcement_id);

CREATE TABLE announcement_sources (
    id TEXT PRIMARY KEY,
    announcement_id TEXT NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    source_url TEXT,
    source_updated TEXT,
    content_hash TEXT NOT NULL,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX announcement_sources_announcement ON announcement_sources(announcement_id);

CREATE TABLE revisions (
    id TEXT PRIMARY KEY,
    announcement_id TEXT NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    reason TEXT NOT NULL,
    diff TEXT NOT NULL,
    material BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (announcement_id, revision)
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    actor_id TEXT,
    actor_label TEXT NOT NULL,
    agency_id TEXT,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_target ON audit_log(target_kind, target_id);
CREATE INDEX audit_log_agency ON audit_log(agency_id, created_at);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    status TEXT NOT NULL,            -- queued | running | done | dead
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 8,
    run_at TIMESTAMP NOT NULL,
    locked_by TEXT,
    locked_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_due ON jobs(status, run_at);

CREATE TABLE import_runs (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    location TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    new_count INTEGER NOT NULL DEFAULT 0,
    changed_count INTEGER NOT NULL DEFAULT 0,
    unchanged_count INTEGER NOT NULL DEFAULT 0,
    merged_count INTEGER NOT NULL DEFAULT 0,
    rejected_count INTEGER NOT NULL DEFAULT 0,
    rejects TEXT NOT NULL DEFAULT '[]',
    error TEXT
);
