//! Alert matching runs on the announcements' publication event: announcement →
//! matching criteria → delivery rows.

use crate::announcements::jobs::{AnnouncementEvent, Event};
use crate::error::AppResult;
use crate::jobs::WorkerContext;
use crate::jobs::{Job, Registry};

/// The kind publication queued before it emitted `announcement_event`; rows of it may
/// still wait in a live database, so it runs the same way.
pub const LEGACY_MATCH_ANNOUNCEMENT: &str = "match_announcement";

/// The alert channels the operator switched off, as the worker hands them to jobs.
pub struct ChannelsOff(pub Vec<&'static str>);

pub struct MatchAnnouncement;

impl Job for MatchAnnouncement {
    type Kind = AnnouncementEvent;
    type Context = WorkerContext;

    fn run(ctx: &WorkerContext, e: Event) -> AppResult<()> {
        let mut conn = ctx.conn()?;
        let r = super::matching::run(
            &mut conn,
            &e.id,
            &e.event,
            e.revision,
            &ctx.get::<ChannelsOff>()?.0,
            ctx.now(),
        )?;
        tracing::info!(announcement = %e.id, evaluated = r.criteria_evaluated, matched = r.criteria_matched,
            subscriptions = r.subscriptions_matched, ineligible = r.ineligible,
            deliveries = r.deliveries_created, "matched");
        Ok(())
    }
}

pub fn register(r: &mut Registry<WorkerContext>) {
    r.register::<MatchAnnouncement>();
    r.register_as::<MatchAnnouncement>(LEGACY_MATCH_ANNOUNCEMENT);
}
