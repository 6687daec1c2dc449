//! Routing a submitted application to the agency that owns the program (or the executing
//! agency the announcement names): the inbox it lands in is `applications.agency_id`, set
//! at submission; this job records its arrival and tells the agency's staff by email.

use crate::error::AppResult;
use crate::jobs::WorkerContext;

/// Run by `route_application`: the application is in its agency's inbox, and the
/// agency's staff are told (one transaction: a retried job neither loses nor repeats).
pub fn route(ctx: &WorkerContext, application_id: &str, event: &str) -> AppResult<()> {
    let base = ctx
        .get::<super::jobs::BaseUrl>()
        .map(|b| b.0.clone())
        .unwrap_or_default();
    let now = ctx.now();
    let mut conn = ctx.conn()?;
    crate::db::write_transaction(&mut conn, |conn| {
        let Some(app) = super::store::application(conn, application_id)? else {
            return Ok(()); // deleted since: nothing to route
        };
        let told = super::review::tell_agency(conn, &app, event, &base, now)?;
        super::webhooks::enqueue_for(conn, &app, event, now)?;
        super::store::add_event(
            conn,
            &app.id,
            None,
            "routed",
            None,
            &format!("{event} → {} (담당자 {told}명에게 메일)", app.agency_id),
            None,
            now,
        )
    })
}
