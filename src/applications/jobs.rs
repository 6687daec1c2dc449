//! The application's side effects, as jobs in the one queue: routing a submission to its
//! agency (`route_application`), written in the same transaction as the submission, with
//! the application's id and event as the dedupe key — so a submission is never lost and
//! never routed twice.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::jobs::{self, Job, JobKind, Registry, WorkerContext};

/// An application and the event that routes it (`submitted`, `resubmitted`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Routed {
    pub id: String,
    pub event: String,
}

pub struct RouteApplication;

/// The site's address, for links in the messages jobs queue (a worker service).
pub struct BaseUrl(pub String);

impl JobKind for RouteApplication {
    const KIND: &'static str = "route_application";
    type Payload = Routed;
}

impl Job for RouteApplication {
    type Kind = Self;
    type Context = WorkerContext;

    fn run(ctx: &WorkerContext, p: Routed) -> AppResult<()> {
        super::routing::route(ctx, &p.id, &p.event)
    }
}

/// Queue the routing of `application_id` (call inside the submission's transaction).
pub fn enqueue_route(
    conn: &mut DbConnection,
    application_id: &str,
    event: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    jobs::enqueue::<RouteApplication>(
        conn,
        &Routed {
            id: application_id.into(),
            event: event.into(),
        },
        now,
        Some(format!(
            "route:{application_id}:{event}:{}",
            now.and_utc().timestamp_micros()
        )),
        now,
    )
}

pub fn register(r: &mut Registry<WorkerContext>) {
    r.register::<RouteApplication>();
    super::webhooks::register(r);
}
