//! The scheduler and the jobs table, with a fake clock: scheduled publication (also
//! after a restart that missed the time), closing at the deadline, retries with
//! backoff, dead letters and operator retry.

mod common;

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use common::{create_announcement, TestApp};
use diesel::prelude::*;
use jiwon::announcements::jobs::PublishAnnouncement;
use jiwon::clock::{from_kst, FakeClock};
use jiwon::db::schema::{announcements, jobs};
use jiwon::jobs::JobKind;

fn kst(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::NaiveDateTime {
    from_kst(
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|x| x.and_hms_opt(h, min, 0))
            .expect("date"),
    )
}

fn status_of(app: &TestApp, id: &str) -> String {
    announcements::table
        .find(id)
        .select(announcements::status)
        .first(&mut app.conn())
        .expect("row")
}

/// An editor signed in (with their email and password), and an announcement (open
/// 2026-11-25 … 12-10) as a draft.
fn editor_with_draft(app: &TestApp) -> (common::Client, String, (String, String)) {
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let c = app.client();
    c.login(&email, &pw);
    let id = create_announcement(
        &c,
        &[("apply_start", "2026-11-25"), ("apply_end", "2026-12-10")],
    );
    (c, id, (email, pw))
}

/// Ask the console to publish `id` at `date` `time` KST.
fn schedule(c: &common::Client, id: &str, date: &str, time: &str) -> common::Resp {
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    c.post_form(
        &format!("/console/announcements/{id}/schedule"),
        &[("csrf_token", &csrf), ("date", date), ("time", time)],
    )
}

#[test]
fn scheduled_publication_survives_a_restart_and_closes_at_the_deadline() {
    let app = TestApp::spawn();
    let (c, id, (email, pw)) = editor_with_draft(&app);

    // A schedule in the past is refused with a reason.
    let r = schedule(&c, &id, "2026-11-01", "09:00");
    c.get(r.location())
        .assert_contains("게시 예약 시각은 지금 이후여야 합니다");

    // Schedule for 2026-11-25 09:00 KST.
    let r = schedule(&c, &id, "2026-11-25", "09:00");
    assert_eq!(r.status, 303);
    assert_eq!(status_of(&app, &id), "scheduled");
    c.get(&format!("/console/announcements/{id}"))
        .assert_contains("11월 25일 (수) 오전 9:00 KST 게시 예정");
    let public = app.client();
    assert_eq!(public.get(&format!("/announcements/{id}")).status, 404);

    // The publish job is in the jobs table, written with the change.
    let pending: i64 = jobs::table
        .filter(jobs::kind.eq("publish_announcement"))
        .filter(jobs::status.eq("queued"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(pending, 1);

    // One minute early: nothing happens.
    app.clock.set(kst(2026, 11, 25, 8, 59));
    app.tick();
    assert_eq!(status_of(&app, &id), "scheduled");

    // The server is down at 09:00 and comes back at 11:30: a new process on the same
    // database publishes it at its first tick.
    let restarted_clock = FakeClock::at(kst(2026, 11, 25, 11, 30));
    let restarted =
        jiwon::AppState::new(app.state.config.clone(), Arc::new(restarted_clock)).expect("restart");
    let report = jiwon::worker::tick(&restarted, "restarted-worker").expect("tick");
    assert!(report.ran >= 1);
    assert_eq!(status_of(&app, &id), "published");
    let page = public.get(&format!("/announcements/{id}"));
    assert_eq!(page.status, 200);
    // Running it again does nothing more.
    jiwon::worker::tick(&restarted, "restarted-worker").expect("tick");
    assert_eq!(status_of(&app, &id), "published");

    // Deadline: inclusive to 2026-12-10 23:59:59 KST.
    // The restarted process wrote the search index; another process's commits are
    // picked up by readers within a second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    app.clock.set(kst(2026, 12, 10, 23, 59));
    app.tick();
    assert_eq!(status_of(&app, &id), "published");
    assert!(public.get("/announcements?status=open").body.contains(&id));
    app.clock.set(kst(2026, 12, 11, 0, 1));
    app.tick();
    assert_eq!(status_of(&app, &id), "closed");
    assert!(!public.get("/announcements").body.contains(&id));
    assert!(public
        .get("/announcements?status=closed")
        .body
        .contains(&id));

    // Sessions last 14 days: the clock moved 17, so the editor signs in again.
    assert_eq!(c.get("/console").status, 303);
    c.login(&email, &pw);
    // The audit log says the system did it.
    let audit = c.get("/console/audit");
    audit.assert_contains("예약 게시");
    audit.assert_contains("자동 마감");
}

#[test]
fn the_worker_loop_acts_on_a_due_job_within_seconds_not_at_the_next_interval() {
    let app = TestApp::spawn();
    let (c, id, _) = editor_with_draft(&app);
    assert_eq!(schedule(&c, &id, "2026-11-25", "09:00").status, 303);
    app.clock.set(kst(2026, 11, 25, 8, 59));

    // A worker whose full tick comes once an hour; its first tick finds nothing due.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let handle = jiwon::worker::spawn(
        app.state.clone(),
        std::time::Duration::from_secs(3600),
        stop.clone(),
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(status_of(&app, &id), "scheduled");

    // 09:00 comes: the loop sees the due publish job between ticks.
    app.clock.set(kst(2026, 11, 25, 9, 0));
    let start = std::time::Instant::now();
    while status_of(&app, &id) != "published" && start.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    handle.join().expect("worker thread");
    assert_eq!(
        status_of(&app, &id),
        "published",
        "published long before the hourly tick"
    );
    println!(
        "due job picked up {:.1} s after it fell due (interval 3600 s)",
        start.elapsed().as_secs_f64()
    );
}

#[test]
fn failing_jobs_back_off_then_dead_letter_and_an_operator_can_retry() {
    // A configured import source that cannot be reached.
    let app = TestApp::spawn_with(|c| {
        c.import_sources = vec![(
            "bizinfo".into(),
            "http://127.0.0.1:9/unreachable.json".into(),
        )]
    });
    // Failing import jobs are what this test is about.
    app.expect_failed_jobs();
    let report = app.tick();
    assert_eq!(report.failed, 1);
    let (attempts, status, run_at, err): (i32, String, chrono::NaiveDateTime, Option<String>) =
        jobs::table
            .filter(jobs::kind.eq("import_source"))
            .select((jobs::attempts, jobs::status, jobs::run_at, jobs::last_error))
            .first(&mut app.conn())
            .expect("job");
    assert_eq!((attempts, status.as_str()), (1, "queued"));
    assert_eq!(
        run_at,
        app.now() + Duration::seconds(30),
        "first retry after 30 s"
    );
    assert!(err.unwrap_or_default().contains("연결할 수 없습니다"));

    // Not retried before its time.
    assert_eq!(app.tick().failed, 0);

    // Keep advancing past each backoff until it is dead-lettered.
    for _ in 0..20 {
        app.clock.advance(Duration::hours(1));
        app.tick();
    }
    let (attempts, status): (i32, String) = jobs::table
        .filter(jobs::kind.eq("import_source"))
        .filter(jobs::status.eq("dead"))
        .select((jobs::attempts, jobs::status))
        .first(&mut app.conn())
        .expect("dead job");
    assert_eq!(attempts, 8);
    assert_eq!(status, "dead");

    // The operator sees it, with the error, and retries it.
    let (email, pw) = app.operator();
    let op = app.client();
    op.login(&email, &pw);
    let page = op.get("/admin/jobs");
    page.assert_contains("import_source");
    page.assert_contains("연결할 수 없습니다");
    let id_start = page.body.find("/admin/jobs/").expect("retry form") + "/admin/jobs/".len();
    let job_id: String = page.body[id_start..]
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let csrf = op.csrf("/admin/jobs");
    assert_eq!(
        op.post_form(
            &format!("/admin/jobs/{job_id}/retry"),
            &[("csrf_token", &csrf)]
        )
        .status,
        303
    );
    let status: String = jobs::table
        .find(&job_id)
        .select(jobs::status)
        .first(&mut app.conn())
        .expect("job");
    assert_eq!(status, "queued");
    // Failed imports are visible as runs too.
    op.get("/admin/jobs").assert_contains("unreachable.json");
}

#[test]
fn backoff_grows_exponentially_and_is_capped() {
    use jiwon::jobs::backoff;
    assert_eq!(backoff(1), Duration::seconds(30));
    assert_eq!(backoff(2), Duration::seconds(60));
    assert_eq!(backoff(3), Duration::seconds(120));
    assert_eq!(backoff(8), Duration::seconds(3600));
    assert_eq!(backoff(30), Duration::seconds(3600));
}

#[test]
fn jobs_of_a_crashed_worker_are_requeued() {
    let app = TestApp::spawn();
    let now = app.now();
    let mut conn = app.conn();
    jiwon::jobs::enqueue_raw(
        &mut conn,
        "close_announcement",
        serde_json::json!({"id": "missing"}),
        now,
        None,
        now,
    )
    .expect("enqueue");
    let job = jiwon::jobs::claim(&mut conn, "worker-that-dies", now)
        .expect("claim")
        .expect("a job");
    assert_eq!(job.status, "running");
    // A second worker finds nothing to claim while it runs.
    assert!(jiwon::jobs::claim(&mut conn, "other", now)
        .expect("claim")
        .is_none());
    drop(conn);
    // Eleven minutes later the job is stale and handed to a live worker.
    app.clock.advance(Duration::minutes(11));
    let report = app.tick();
    assert_eq!(report.ran, 1);
    let status: String = jobs::table
        .find(&job.id)
        .select(jobs::status)
        .first(&mut app.conn())
        .expect("job");
    assert_eq!(status, "done");
}

/// A job that breaks (here: a publish job without its announcement id), as a forgotten or
/// broken side effect would.
fn leave_a_failed_job(app: &TestApp) {
    queue_a_broken_job(app);
    app.tick();
    assert_eq!(app.failed_jobs().len(), 1);
}

fn queue_a_broken_job(app: &TestApp) {
    jiwon::jobs::enqueue_raw(
        &mut app.conn(),
        PublishAnnouncement::KIND,
        serde_json::json!({}),
        app.now(),
        None,
        app.now(),
    )
    .expect("enqueue");
}

#[test]
#[should_panic(expected = "failed job(s) it did not expect")]
fn the_harness_fails_a_test_that_leaves_a_failed_job() {
    let app = TestApp::spawn();
    leave_a_failed_job(&app);
}

/// A side effect the test queued but never ran is run when the test ends, so one that
/// breaks fails the test even though the test never ticked.
#[test]
#[should_panic(expected = "failed job(s) it did not expect")]
fn the_harness_runs_what_a_test_left_queued_and_fails_on_a_broken_one() {
    let app = TestApp::spawn();
    queue_a_broken_job(&app);
    assert_eq!(app.unrun_jobs().len(), 1);
}

#[test]
fn a_test_may_say_it_expects_failed_jobs() {
    let app = TestApp::spawn();
    app.expect_failed_jobs();
    leave_a_failed_job(&app);
}

#[test]
fn a_job_of_an_unknown_kind_fails_clearly_and_is_dead_lettered_after_its_attempts() {
    let app = TestApp::spawn();
    app.expect_failed_jobs();
    jiwon::jobs::enqueue_raw(
        &mut app.conn(),
        "no_such_kind",
        serde_json::json!({"id": "x"}),
        app.now(),
        None,
        app.now(),
    )
    .expect("enqueue");
    let report = app.tick();
    assert_eq!(report.failed, 1);
    let (status, attempts, error): (String, i32, Option<String>) = jobs::table
        .filter(jobs::kind.eq("no_such_kind"))
        .select((jobs::status, jobs::attempts, jobs::last_error))
        .first(&mut app.conn())
        .expect("job");
    assert_eq!((status.as_str(), attempts), ("queued", 1));
    assert!(
        error
            .as_deref()
            .unwrap_or("")
            .contains("unknown job kind 'no_such_kind'"),
        "{error:?}"
    );
    // Each retry waits out its backoff (at most an hour); after the last attempt the job
    // is dead and waits for an operator.
    for _ in 1..8 {
        app.clock.advance(Duration::hours(2));
        app.tick();
    }
    let (status, attempts): (String, i32) = jobs::table
        .filter(jobs::kind.eq("no_such_kind"))
        .select((jobs::status, jobs::attempts))
        .first(&mut app.conn())
        .expect("job");
    assert_eq!((status.as_str(), attempts), ("dead", 8));
}

#[test]
fn a_queued_job_of_the_old_match_kind_still_runs() {
    let app = TestApp::spawn();
    // A row written before publication emitted `announcement_event`.
    jiwon::jobs::enqueue_raw(
        &mut app.conn(),
        jiwon::alerts::jobs::LEGACY_MATCH_ANNOUNCEMENT,
        serde_json::json!({"id": "no-such-announcement", "event": "publish", "revision": 1}),
        app.now(),
        Some("match:no-such-announcement:publish:1".into()),
        app.now(),
    )
    .expect("enqueue");
    assert_eq!(app.tick().ran, 1);
    let status: String = jobs::table
        .filter(jobs::kind.eq(jiwon::alerts::jobs::LEGACY_MATCH_ANNOUNCEMENT))
        .select(jobs::status)
        .first(&mut app.conn())
        .expect("job");
    assert_eq!(status, "done");
}

#[test]
fn a_claim_takes_one_due_job_and_a_kind_claim_only_that_kind() {
    let app = TestApp::spawn();
    let now = app.now();
    let mut conn = app.conn();
    for kind in ["kind_a", "kind_b", "kind_a", "kind_b"] {
        jiwon::jobs::enqueue_raw(&mut conn, kind, serde_json::json!({}), now, None, now)
            .expect("enqueue");
    }
    let running = |conn: &mut jiwon::db::DbConnection| -> i64 {
        jobs::table
            .filter(jobs::status.eq("running"))
            .count()
            .get_result(conn)
            .expect("count")
    };
    let first = jiwon::jobs::claim(&mut conn, "w", now)
        .expect("claim")
        .expect("a job");
    assert_eq!(running(&mut conn), 1, "one claim, one job");
    let next = jiwon::jobs::claim_next(&mut conn, "w", now, Some("kind_b"), &[])
        .expect("claim")
        .expect("a job");
    assert_eq!(next.kind, "kind_b");
    assert_ne!(next.id, first.id);
    assert_eq!(running(&mut conn), 2);
    // Leave nothing claimed for the harness.
    diesel::delete(jobs::table)
        .execute(&mut conn)
        .expect("clean up");
}
