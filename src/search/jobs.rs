//! The index job: runs `announcements::jobs::IndexAnnouncement` in batches of up to 500,
//! one engine commit for many changes.

use crate::announcements::jobs::{ById, IndexAnnouncement};
use crate::error::AppResult;
use crate::jobs::WorkerContext;
use crate::jobs::{Job, Registry};

/// The search engine, as the worker hands it to jobs.
pub type Engine = std::sync::Arc<dyn super::SearchIndex>;

pub struct Index;

impl Job for Index {
    type Kind = IndexAnnouncement;
    type Context = WorkerContext;
    const BATCH: usize = 500;

    fn run(ctx: &WorkerContext, p: ById) -> AppResult<()> {
        Self::run_batch(ctx, vec![p])
    }

    fn run_batch(ctx: &WorkerContext, payloads: Vec<ById>) -> AppResult<()> {
        let ids: Vec<String> = payloads.into_iter().map(|p| p.id).collect();
        let result = super::service::index_ids(ctx.pool(), &**ctx.get::<Engine>()?, &ids);
        if let Err(e) = &result {
            tracing::warn!(jobs = ids.len(), error = %e, "index batch failed; will retry");
        }
        result
    }
}

pub fn register(r: &mut Registry<WorkerContext>) {
    r.register::<Index>();
}
