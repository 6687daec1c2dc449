//! Closing at the deadline: close if published and past `apply_end`.

use super::ById;
use crate::error::AppResult;
use crate::jobs::WorkerContext;
use crate::jobs::{Job, JobKind};

pub struct CloseAnnouncement;

impl JobKind for CloseAnnouncement {
    const KIND: &'static str = "close_announcement";
    type Payload = ById;
}

impl Job for CloseAnnouncement {
    type Kind = Self;
    type Context = WorkerContext;

    fn run(ctx: &WorkerContext, p: ById) -> AppResult<()> {
        let mut conn = ctx.conn()?;
        crate::announcements::service::close_due(&mut conn, &p.id, ctx.now())
    }
}
