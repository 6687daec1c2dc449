//! Scheduled publication: publish at `publish_at` if still scheduled.

use super::ById;
use crate::error::AppResult;
use crate::jobs::WorkerContext;
use crate::jobs::{Job, JobKind};

pub struct PublishAnnouncement;

impl JobKind for PublishAnnouncement {
    const KIND: &'static str = "publish_announcement";
    type Payload = ById;
}

impl Job for PublishAnnouncement {
    type Kind = Self;
    type Context = WorkerContext;

    fn run(ctx: &WorkerContext, p: ById) -> AppResult<()> {
        let mut conn = ctx.conn()?;
        crate::announcements::service::publish_due(&mut conn, &p.id, ctx.now())
    }
}
