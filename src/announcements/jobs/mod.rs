//! The jobs announcements emit and run. Publication and closing at their time run here
//! (`publish`, `close`); the search index refresh (`IndexAnnouncement`, run by
//! `search::jobs`) and the publication event (`AnnouncementEvent`, run by `alerts::jobs`
//! for alert matching) are emitted here and run by the modules that care, so
//! announcements imports neither of them.

mod close;
mod publish;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

pub use close::CloseAnnouncement;
pub use publish::PublishAnnouncement;

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::jobs::WorkerContext;
use crate::jobs::{self, JobKind, Registry};

/// A payload naming one announcement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ById {
    pub id: String,
}

/// Bring the search index in line with an announcement row (run by `search::jobs`).
pub struct IndexAnnouncement;

impl JobKind for IndexAnnouncement {
    const KIND: &'static str = "index_announcement";
    type Payload = ById;
    /// The job reads the row when it runs: a change made while it runs must queue a
    /// fresh one.
    const RELEASE_KEY_ON_CLAIM: bool = true;
}

/// An announcement was published ("publish") or materially corrected ("correct") at
/// `revision`. Alerts registers the runner (matching and fan-out).
pub struct AnnouncementEvent;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub event: String,
    #[serde(default)]
    pub revision: i32,
}

impl JobKind for AnnouncementEvent {
    const KIND: &'static str = "announcement_event";
    type Payload = Event;
}

/// Queue the search-index refresh of an announcement, in the caller's transaction.
pub fn queue_index(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    jobs::enqueue::<IndexAnnouncement>(
        conn,
        &ById { id: id.to_string() },
        now,
        Some(format!("index:{id}")),
        now,
    )
}

/// Emit a publication event, in the caller's transaction.
pub fn emit(
    conn: &mut DbConnection,
    id: &str,
    event: &str,
    revision: i32,
    now: NaiveDateTime,
) -> AppResult<()> {
    jobs::enqueue::<AnnouncementEvent>(
        conn,
        &Event {
            id: id.to_string(),
            event: event.to_string(),
            revision,
        },
        now,
        Some(format!("match:{id}:{event}:{revision}")),
        now,
    )
}

pub fn register(r: &mut Registry<WorkerContext>) {
    r.register::<PublishAnnouncement>();
    r.register::<CloseAnnouncement>();
}

/// Safety sweep, each tick: anything due whose job was removed by hand still happens.
pub fn sweep(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<()> {
    for id in super::store::due_scheduled(conn, now)? {
        jobs::enqueue::<PublishAnnouncement>(
            conn,
            &ById { id: id.clone() },
            now,
            Some(format!("sweep-publish:{id}")),
            now,
        )?;
    }
    for id in super::store::overdue_published(conn, now)? {
        jobs::enqueue::<CloseAnnouncement>(
            conn,
            &ById { id: id.clone() },
            now,
            Some(format!("sweep-close:{id}")),
            now,
        )?;
    }
    Ok(())
}
