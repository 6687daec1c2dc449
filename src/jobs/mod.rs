//! The jobs table: every side effect (scheduled publication, closing at the deadline,
//! imports, indexing, alert matching) is a row written in the same transaction as the
//! change that causes it, then claimed and run by a worker. Failures retry with
//! exponential backoff and end in a dead-letter state that an operator can see and retry.
//!
//! Kinds are typed (`JobKind`, `Job`, `Registry` in `registry`); this module knows no
//! kind and imports no domain. `crate::worker` assembles the registry and runs it.

pub mod context;
pub mod queue;
pub mod registry;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::jobs;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::new_id;

pub use context::WorkerContext;
pub use queue::{backoff, QueueTable};
pub use registry::{Job, JobKind, PayloadOf, Registry};

/// A job left `running` longer than this is assumed to belong to a dead worker.
pub const STALE_AFTER_MINUTES: i64 = 10;

/// The jobs table as a queue: `queued` → `running` → `done`, or back to `queued` with
/// backoff, or `dead` after `max_attempts`.
pub const JOBS: QueueTable = QueueTable {
    table: "jobs",
    due_at: "run_at",
    updated_at: Some("updated_at"),
    queued: JobStatus::Queued.as_str(),
    claimed: JobStatus::Running.as_str(),
    dead: JobStatus::Dead.as_str(),
    retry_from: &[JobStatus::Dead.as_str(), JobStatus::Queued.as_str()],
    stale_after_secs: STALE_AFTER_MINUTES * 60,
    error_chars: 2000,
};

/// Where a job is: `queued` → `running` → `done`; `dead` once out of attempts.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobStatus {
    /// The value in the `status` column.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Dead => "dead",
        }
    }
}

crate::text_enum!(JobStatus {
    Queued,
    Running,
    Done,
    Dead
});

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = jobs)]
pub struct QueuedJob {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub status: JobStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl QueuedJob {
    pub fn payload_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null)
    }
}

/// Queue a job of kind `K`, in the caller's transaction. With a `dedupe_key`, a job with
/// the same key still pending is not queued twice.
pub fn enqueue<K: JobKind>(
    conn: &mut DbConnection,
    payload: &K::Payload,
    run_at: NaiveDateTime,
    dedupe_key: Option<String>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let payload = serde_json::to_value(payload)
        .map_err(|e| crate::error::AppError::Internal(format!("{} payload: {e}", K::KIND)))?;
    enqueue_raw(conn, K::KIND, payload, run_at, dedupe_key, now)
}

/// Queue a job by kind name and JSON payload, unchecked (tests, and rows from elsewhere).
pub fn enqueue_raw(
    conn: &mut DbConnection,
    kind: &str,
    payload: serde_json::Value,
    run_at: NaiveDateTime,
    dedupe_key: Option<String>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let job = QueuedJob {
        id: new_id(),
        kind: kind.to_string(),
        payload: payload.to_string(),
        dedupe_key,
        status: JobStatus::Queued,
        attempts: 0,
        max_attempts: 8,
        run_at,
        locked_by: None,
        locked_at: None,
        last_error: None,
        created_at: now,
        updated_at: now,
    };
    // A queued job with the same key wins; the unique index makes that race-free.
    crate::insert_or_ignore!(conn, jobs::table, &job)?;
    Ok(())
}

/// Whether a queued job is due: the worker loop asks this every second between ticks, so
/// a publish (and its match job) is acted on at once, not at the next full interval.
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<bool> {
    let id: Option<String> = jobs::table
        .filter(jobs::status.eq(JobStatus::Queued))
        .filter(jobs::run_at.le(now))
        .select(jobs::id)
        .first(conn)
        .optional()?;
    Ok(id.is_some())
}

/// Claim the next due job of any kind for `worker`.
pub fn claim(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
) -> AppResult<Option<QueuedJob>> {
    claim_next(conn, worker, now, None, &[])
}

/// Claim the next due job for `worker` (of `kind` only, when given: batching). A job
/// whose kind is in `release_key_of` gives its dedupe key up in the same transaction.
/// PostgreSQL uses `FOR UPDATE SKIP LOCKED` so workers never wait on each other; SQLite
/// (one writer) uses a conditional UPDATE.
pub fn claim_next(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
    kind: Option<&str>,
    release_key_of: &[&str],
) -> AppResult<Option<QueuedJob>> {
    crate::db::write_transaction(conn, |conn| {
        let ids = queue::claim(conn, &JOBS, worker, now, 1, kind)?;
        let Some(id) = ids.into_iter().next() else {
            return Ok(None);
        };
        let job: QueuedJob = jobs::table
            .find(&id)
            .select(QueuedJob::as_select())
            .first(conn)?;
        if release_key_of.contains(&job.kind.as_str()) {
            diesel::update(jobs::table.find(&id))
                .set(jobs::dedupe_key.eq(None::<String>))
                .execute(conn)?;
        }
        Ok(Some(job))
    })
}

/// Mark a job done. It frees its dedupe key (the same announcement may be scheduled for
/// the same time again) unless `keep_key` (`JobKind::KEEP_KEY_WHEN_DONE`).
pub fn complete(
    conn: &mut DbConnection,
    id: &str,
    keep_key: bool,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(jobs::table.find(id))
        .set((
            jobs::status.eq(JobStatus::Done),
            jobs::locked_by.eq(None::<String>),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    if !keep_key {
        diesel::update(jobs::table.find(id))
            .set(jobs::dedupe_key.eq(None::<String>))
            .execute(conn)?;
    }
    Ok(())
}

/// Settle the queued jobs of `kind` up to id `fence` (ids are time-ordered) as done:
/// a full rebuild covered what they would have done.
pub fn settle_queued(
    conn: &mut DbConnection,
    kind: &str,
    fence: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(
        jobs::table
            .filter(jobs::kind.eq(kind))
            .filter(jobs::status.eq(JobStatus::Queued))
            .filter(jobs::id.le(fence)),
    )
    .set((
        jobs::status.eq(JobStatus::Done),
        jobs::dedupe_key.eq(None::<String>),
        jobs::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// The newest job id of `kind`, if any.
pub fn newest_id(conn: &mut DbConnection, kind: &str) -> AppResult<Option<String>> {
    Ok(jobs::table
        .filter(jobs::kind.eq(kind))
        .select(diesel::dsl::max(jobs::id))
        .first(conn)?)
}

/// Record a failure: retry later, or dead-letter once attempts are used up.
pub fn fail(
    conn: &mut DbConnection,
    job: &QueuedJob,
    error: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let dead = job.attempts >= job.max_attempts;
    queue::fail(conn, &JOBS, &job.id, job.attempts, dead, error, now)
}

/// Put jobs of crashed workers back in the queue.
pub fn requeue_stale(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<usize> {
    queue::requeue_stale(conn, &JOBS, now)
}

/// Operator retry of a dead (or queued) job: run it now, with a fresh attempt budget.
pub fn retry(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<bool> {
    queue::retry(conn, &JOBS, id, now)
}

pub fn list(conn: &mut DbConnection, status: JobStatus, limit: i64) -> AppResult<Vec<QueuedJob>> {
    Ok(jobs::table
        .filter(jobs::status.eq(status))
        .order(jobs::updated_at.desc())
        .limit(limit)
        .select(QueuedJob::as_select())
        .load(conn)?)
}

pub fn counts(conn: &mut DbConnection) -> AppResult<Vec<(String, i64)>> {
    Ok(jobs::table
        .group_by(jobs::status)
        .select((jobs::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// This machine's name, for the heartbeat row (`HOSTNAME`, else `/etc/hostname`).
pub fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// A worker says it is alive: one row per worker, updated each tick.
pub fn heartbeat(conn: &mut DbConnection, worker: &str, now: NaiveDateTime) -> AppResult<()> {
    use crate::db::schema::worker_heartbeats as hb;
    let updated = diesel::update(hb::table.find(worker))
        .set(hb::last_tick_at.eq(now))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(hb::table)
            .values((
                hb::worker.eq(worker),
                hb::host.eq(host_name()),
                hb::last_tick_at.eq(now),
            ))
            .execute(conn)?;
        // A new worker (a process start): forget workers silent for a week.
        diesel::delete(hb::table.filter(hb::last_tick_at.lt(now - Duration::days(7))))
            .execute(conn)?;
    }
    Ok(())
}

/// What `/healthz` reports about the workers and the queues.
#[derive(Debug, Clone, Serialize)]
pub struct QueueHealth {
    /// The most recent tick of any worker, its name and host.
    pub last_tick_at: Option<NaiveDateTime>,
    pub worker: Option<String>,
    pub host: Option<String>,
    /// Seconds since that tick.
    pub worker_age_secs: Option<i64>,
    /// How long the oldest job that is due (queued, run_at passed) has been waiting.
    pub oldest_due_job_secs: Option<i64>,
    /// The same for alert deliveries (queued, next attempt passed).
    pub oldest_due_delivery_secs: Option<i64>,
}

/// `deliveries`: the other queue's table (`alerts::delivery::DELIVERIES`).
pub fn queue_health(
    conn: &mut DbConnection,
    deliveries: &QueueTable,
    now: NaiveDateTime,
) -> AppResult<QueueHealth> {
    use crate::db::schema::worker_heartbeats as hb;
    let beat: Option<(String, String, NaiveDateTime)> = hb::table
        .order(hb::last_tick_at.desc())
        .select((hb::worker, hb::host, hb::last_tick_at))
        .first(conn)
        .optional()?;
    let job = queue::oldest_due(conn, &JOBS, now)?;
    let delivery = queue::oldest_due(conn, deliveries, now)?;
    let age = |t: NaiveDateTime| (now - t).num_seconds().max(0);
    Ok(QueueHealth {
        worker_age_secs: beat.as_ref().map(|b| age(b.2)),
        last_tick_at: beat.as_ref().map(|b| b.2),
        worker: beat.as_ref().map(|b| b.0.clone()),
        host: beat.map(|b| b.1),
        oldest_due_job_secs: job.map(age),
        oldest_due_delivery_secs: delivery.map(age),
    })
}
