//! The in-process scheduler and worker. `tick` runs everything that is due; `serve`
//! calls it every few seconds on its own thread, tests call it with a fake clock. A
//! publish time that passed while the server was down is honoured at the first tick.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Data;

use super::{
    claim, complete, enqueue, fail, requeue_stale, Job, CLOSE_ANNOUNCEMENT, IMPORT_SOURCE,
    PUBLISH_ANNOUNCEMENT,
};
use crate::error::{AppError, AppResult};
use crate::AppState;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    pub ran: usize,
    pub failed: usize,
}

/// Within a tick, the heartbeat is renewed between jobs at least this often.
const HEARTBEAT_EVERY_SECS: i64 = 10;

/// One pass: requeue jobs of dead workers, queue periodic imports, run every due job.
pub fn tick(state: &AppState, worker: &str) -> AppResult<TickReport> {
    let now = state.now();
    {
        let mut conn = state.conn()?;
        super::heartbeat(&mut conn, worker, now)?;
        requeue_stale(&mut conn, now)?;
        queue_periodic_imports(state, &mut conn, now)?;
        // Safety sweep: anything due whose job was removed by hand still happens.
        for id in crate::announcements::store::due_scheduled(&mut conn, now)? {
            enqueue(
                &mut conn,
                PUBLISH_ANNOUNCEMENT,
                serde_json::json!({"id": id}),
                now,
                Some(format!("sweep-publish:{id}")),
                now,
            )?;
        }
        for id in crate::announcements::store::overdue_published(&mut conn, now)? {
            enqueue(
                &mut conn,
                CLOSE_ANNOUNCEMENT,
                serde_json::json!({"id": id}),
                now,
                Some(format!("sweep-close:{id}")),
                now,
            )?;
        }
    }
    let mut report = TickReport::default();
    let mut last_beat = now;
    // Bounded so one tick cannot run forever.
    for _ in 0..10_000 {
        let job = {
            let mut conn = state.conn()?;
            // A long tick (a large import) still says it is alive to /healthz.
            if state.now() - last_beat >= chrono::Duration::seconds(HEARTBEAT_EVERY_SECS) {
                last_beat = state.now();
                super::heartbeat(&mut conn, worker, last_beat)?;
            }
            claim(&mut conn, worker, state.now())?
        };
        let Some(job) = job else { break };
        if job.kind == super::INDEX_ANNOUNCEMENT {
            // Index jobs go to the engine in batches: one commit for many changes.
            let mut batch = vec![job];
            while batch.len() < 500 {
                let mut conn = state.conn()?;
                match super::claim_kind(&mut conn, worker, state.now(), super::INDEX_ANNOUNCEMENT)?
                {
                    Some(j) => batch.push(j),
                    None => break,
                }
            }
            let ids: Vec<String> = batch
                .iter()
                .filter_map(|j| {
                    j.payload_json()
                        .get("id")
                        .and_then(|v| v.as_str())
                        .map(String::from)
                })
                .collect();
            let result = crate::search::service::index_ids(state, &ids);
            let mut conn = state.conn()?;
            for j in &batch {
                match &result {
                    Ok(()) => {
                        complete(&mut conn, &j.id, state.now())?;
                        report.ran += 1;
                    }
                    Err(e) => {
                        fail(&mut conn, j, &e.to_string(), state.now())?;
                        report.failed += 1;
                    }
                }
            }
            if let Err(e) = &result {
                tracing::warn!(jobs = batch.len(), error = %e, "index batch failed; will retry");
            }
            continue;
        }
        let result = run_job(state, &job);
        let mut conn = state.conn()?;
        match result {
            Ok(()) => {
                complete(&mut conn, &job.id, state.now())?;
                report.ran += 1;
            }
            Err(e) => {
                tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
                fail(&mut conn, &job, &e.to_string(), state.now())?;
                report.failed += 1;
            }
        }
    }
    // After the jobs, so a match job's digest items and reminders go out this tick.
    {
        let mut conn = state.conn()?;
        let off = state.channels.switched_off();
        crate::alerts::schedule::queue_reminders(&mut conn, &off, state.now())?;
        crate::alerts::schedule::build_digests(&mut conn, state.now())?;
    }
    let sent = crate::alerts::send::deliver_due(state, worker, 100_000)?;
    report.ran += sent.sent;
    report.failed += sent.failed;
    Ok(report)
}

fn run_job(state: &AppState, job: &Job) -> AppResult<()> {
    let payload = job.payload_json();
    let field = |k: &str| -> AppResult<String> {
        payload
            .get(k)
            .and_then(|v| v.as_str())
            .map(String::from)
            .ok_or_else(|| AppError::Internal(format!("job {} payload lacks '{k}'", job.id)))
    };
    match job.kind.as_str() {
        PUBLISH_ANNOUNCEMENT => {
            let mut conn = state.conn()?;
            crate::announcements::service::publish_due(&mut conn, &field("id")?, state.now())
        }
        CLOSE_ANNOUNCEMENT => {
            let mut conn = state.conn()?;
            crate::announcements::service::close_due(&mut conn, &field("id")?, state.now())
        }
        IMPORT_SOURCE => {
            let source = field("source")?;
            let location = field("location")?;
            let summary = crate::ingest::service::import_location(
                state,
                &source,
                &location,
                &mut crate::ingest::service::Quiet,
            )?;
            tracing::info!(%source, %location, summary = %summary.line(), "scheduled import finished");
            Ok(())
        }
        crate::alerts::matching::MATCH_ANNOUNCEMENT => {
            let mut conn = state.conn()?;
            let id = field("id")?;
            let revision = payload
                .get("revision")
                .and_then(|v| v.as_i64())
                .unwrap_or(0) as i32;
            let r = crate::alerts::matching::run(
                &mut conn,
                &id,
                &field("event")?,
                revision,
                &state.channels.switched_off(),
                state.now(),
            )?;
            tracing::info!(announcement = %id, evaluated = r.criteria_evaluated, matched = r.criteria_matched,
                subscriptions = r.subscriptions_matched, ineligible = r.ineligible,
                deliveries = r.deliveries_created, "matched");
            Ok(())
        }
        other => Err(AppError::Internal(format!("unknown job kind '{other}'"))),
    }
}

fn job_due(state: &AppState) -> bool {
    match state.conn() {
        Ok(mut conn) => super::any_due(&mut conn, state.now()).unwrap_or(false),
        Err(_) => false,
    }
}

fn queue_periodic_imports(
    state: &AppState,
    conn: &mut crate::db::DbConnection,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    let minutes = state.config.import_interval_minutes.max(1) as i64;
    let slot = now.and_utc().timestamp() / (minutes * 60);
    for (source, location) in &state.config.import_sources {
        enqueue(
            conn,
            IMPORT_SOURCE,
            serde_json::json!({"source": source, "location": location}),
            now,
            Some(format!("import:{source}:{location}:{slot}")),
            now,
        )?;
    }
    Ok(())
}

/// How often the worker loop looks for due jobs between full ticks.
const DUE_POLL: Duration = Duration::from_secs(1);

/// Run `tick` every `interval` on a background thread until `stop` is set, and sooner
/// whenever a job falls due (checked every [`DUE_POLL`]): a publish is matched and its
/// alerts are on their way within about a second, whatever the interval.
pub fn spawn(
    state: Data<AppState>,
    interval: Duration,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let worker = format!("worker-{}", &crate::ids::random_token(8));
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match tick(&state, &worker) {
                Ok(r) if r.ran + r.failed > 0 => {
                    tracing::info!(ran = r.ran, failed = r.failed, "scheduler tick")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "scheduler tick failed"),
            }
            let step = Duration::from_millis(200);
            let mut slept = Duration::ZERO;
            let mut since_poll = Duration::ZERO;
            while slept < interval && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(step);
                slept += step;
                since_poll += step;
                if since_poll >= DUE_POLL {
                    since_poll = Duration::ZERO;
                    if job_due(&state) {
                        break;
                    }
                }
            }
        }
    })
}
