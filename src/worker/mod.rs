//! The worker: the top level that joins the job queue (`crate::jobs`, which knows no
//! domain) to the domains. It assembles the registry of job kinds, gives jobs a narrow
//! `WorkerContext`, and runs `tick`: periodic sweeps, every due job, then alert
//! reminders, digests and deliveries. `spawn` calls `tick` every few seconds on its own
//! thread; tests call it with a fake clock. A publish time that passed while the server
//! was down is honoured at the first tick.

pub mod web;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::web::Data;

use crate::error::AppResult;
use crate::jobs::{self, Registry, WorkerContext};
use crate::AppState;

/// The context jobs run with: pool, clock, and the services the domains' jobs ask for
/// by type (the search engine, the alert channels switched off).
pub fn context(state: &AppState) -> WorkerContext {
    WorkerContext::new(state.pool.clone(), state.clock.clone())
        .with::<crate::search::jobs::Engine>(state.search.clone())
        .with(crate::alerts::jobs::ChannelsOff(
            state.channels.switched_off(),
        ))
        .with(crate::applications::jobs::BaseUrl(
            state.config.base_url.clone(),
        ))
        .with(crate::applications::webhooks::AllowPrivate(
            state.config.push_allow_private,
        ))
}

/// Every job kind the worker runs, each registered by its domain.
pub fn registry() -> &'static Registry<WorkerContext> {
    static REGISTRY: OnceLock<Registry<WorkerContext>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut r = Registry::new();
        crate::announcements::jobs::register(&mut r);
        crate::ingest::jobs::register(&mut r);
        crate::search::jobs::register(&mut r);
        crate::alerts::jobs::register(&mut r);
        crate::applications::jobs::register(&mut r);
        r
    })
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    pub ran: usize,
    pub failed: usize,
}

/// Within a tick, the heartbeat is renewed between jobs at least this often.
const HEARTBEAT_EVERY_SECS: i64 = 10;

/// One pass: requeue jobs of dead workers, queue periodic imports and overdue
/// publications/closings, run every due job, then alert reminders, digests and sends.
pub fn tick(state: &AppState, worker: &str) -> AppResult<TickReport> {
    let registry = registry();
    let ctx = context(state);
    let now = state.now();
    {
        let mut conn = state.conn()?;
        jobs::heartbeat(&mut conn, worker, now)?;
        jobs::requeue_stale(&mut conn, now)?;
        crate::ingest::jobs::queue_periodic_imports(
            &mut conn,
            &state.config.import_sources,
            state.config.import_interval_minutes,
            now,
        )?;
        // Safety sweep: anything due whose job was removed by hand still happens.
        crate::announcements::jobs::sweep(&mut conn, now)?;
    }
    let release = registry.release_key_on_claim();
    let mut report = TickReport::default();
    let mut last_beat = now;
    // Bounded so one tick cannot run forever.
    for _ in 0..10_000 {
        let job = {
            let mut conn = state.conn()?;
            // A long tick (a large import) still says it is alive to /healthz.
            if state.now() - last_beat >= chrono::Duration::seconds(HEARTBEAT_EVERY_SECS) {
                last_beat = state.now();
                jobs::heartbeat(&mut conn, worker, last_beat)?;
            }
            jobs::claim_next(&mut conn, worker, state.now(), None, &release)?
        };
        let Some(job) = job else { break };
        // Some kinds (index jobs) go together: one engine commit for many changes.
        let mut batch = vec![job];
        let size = registry.batch(&batch[0].kind);
        while batch.len() < size {
            let mut conn = state.conn()?;
            let kind = batch[0].kind.clone();
            match jobs::claim_next(&mut conn, worker, state.now(), Some(&kind), &release)? {
                Some(j) => batch.push(j),
                None => break,
            }
        }
        let results = registry.run(&ctx, &batch);
        let keep_key = registry.keeps_key_when_done(&batch[0].kind);
        let mut conn = state.conn()?;
        for (job, result) in batch.iter().zip(results) {
            match result {
                Ok(()) => {
                    jobs::complete(&mut conn, &job.id, keep_key, state.now())?;
                    report.ran += 1;
                }
                Err(e) => {
                    tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
                    jobs::fail(&mut conn, job, &e.to_string(), state.now())?;
                    report.failed += 1;
                }
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

/// Whether a job or a delivery is due. Deliveries count too, so a message someone is
/// waiting for on the page (a phone verification code, a sign-up mail) leaves within
/// about a second rather than at the next full tick.
fn job_due(state: &AppState) -> bool {
    let now = state.now();
    match state.conn() {
        Ok(mut conn) => {
            jobs::any_due(&mut conn, now).unwrap_or(false)
                || jobs::queue::oldest_due(&mut conn, &crate::alerts::delivery::DELIVERIES, now)
                    .map(|due| due.is_some())
                    .unwrap_or(false)
        }
        Err(_) => false,
    }
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
