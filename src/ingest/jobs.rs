//! The periodic import job: each configured source, once per interval slot.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::jobs::WorkerContext;
use crate::jobs::{self, Job, JobKind, Registry};

pub struct ImportSource;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Import {
    pub source: String,
    pub location: String,
}

impl JobKind for ImportSource {
    const KIND: &'static str = "import_source";
    type Payload = Import;
    /// Each slot's key stays, so each slot is imported once.
    const KEEP_KEY_WHEN_DONE: bool = true;
}

impl Job for ImportSource {
    type Kind = Self;
    type Context = WorkerContext;

    fn run(ctx: &WorkerContext, p: Import) -> AppResult<()> {
        let summary = super::service::import_at(
            ctx.pool(),
            ctx.clock(),
            &p.source,
            &p.location,
            &mut super::service::Quiet,
        )?;
        tracing::info!(source = %p.source, location = %p.location, summary = %summary.line(), "scheduled import finished");
        Ok(())
    }
}

pub fn register(r: &mut Registry<WorkerContext>) {
    r.register::<ImportSource>();
}

/// Queue this interval slot's import of each configured source (once per slot).
pub fn queue_periodic_imports(
    conn: &mut DbConnection,
    sources: &[(String, String)],
    interval_minutes: u64,
    now: NaiveDateTime,
) -> AppResult<()> {
    let minutes = interval_minutes.max(1) as i64;
    let slot = now.and_utc().timestamp() / (minutes * 60);
    for (source, location) in sources {
        jobs::enqueue::<ImportSource>(
            conn,
            &Import {
                source: source.clone(),
                location: location.clone(),
            },
            now,
            Some(format!("import:{source}:{location}:{slot}")),
            now,
        )?;
    }
    Ok(())
}
