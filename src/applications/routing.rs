//! Routing a submitted application to the agency that owns the program (or the executing
//! agency the announcement names): the inbox it lands in is `applications.agency_id`, set
//! at submission; this job records its arrival and tells the agency.

use crate::error::AppResult;
use crate::jobs::WorkerContext;

/// Run by `route_application`: the application is in its agency's inbox.
pub fn route(ctx: &WorkerContext, application_id: &str, event: &str) -> AppResult<()> {
    let mut conn = ctx.conn()?;
    let Some(app) = super::store::application(&mut conn, application_id)? else {
        return Ok(()); // deleted since: nothing to route
    };
    super::store::add_event(
        &mut conn,
        &app.id,
        None,
        "routed",
        None,
        &format!("{event} → {}", app.agency_id),
        None,
        ctx.now(),
    )
}
