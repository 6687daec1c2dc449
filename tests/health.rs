//! `/healthz` tells the truth about the workers and the queues: 503 until a worker has
//! ticked and again when none has for longer than the configured bound; the age of the
//! oldest due job and delivery is visible.

mod common;

use chrono::Duration;
use common::TestApp;

#[test]
fn healthz_reports_worker_heartbeat_and_waiting_work() {
    let app = TestApp::spawn();
    let c = app.client();

    // No worker has ever run: the site is up but nothing would publish or send.
    let r = c.get("/healthz");
    assert_eq!(r.status, 503);
    let h = r.json();
    assert_eq!(h["status"], "down");
    assert_eq!(h["database"], "ok");
    assert_eq!(h["search"]["status"], "ok");
    assert_eq!(h["problems"][0], "no worker has ever ticked");
    assert!(h["worker"]["last_tick_at"].is_null());

    app.tick();
    let r = c.get("/healthz");
    assert_eq!(r.status, 200, "{}", r.body);
    let h = r.json();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["worker"]["name"], "test-worker");
    assert_eq!(h["worker"]["age_secs"], 0);
    assert_eq!(h["worker"]["max_age_secs"], 120);
    assert!(h["queue"]["oldest_due_job_secs"].is_null());
    assert!(h["queue"]["oldest_due_delivery_secs"].is_null());

    // A job and an email become due and nobody takes them: their wait shows.
    {
        let mut conn = app.conn();
        let now = app.now();
        jiwon::jobs::enqueue_raw(
            &mut conn,
            <jiwon::announcements::jobs::PublishAnnouncement as jiwon::jobs::JobKind>::KIND,
            serde_json::json!({"id": "no-such-announcement"}),
            now,
            None,
            now,
        )
        .expect("job");
        jiwon::alerts::delivery::queue_account_email(
            &mut conn,
            None,
            "waiting@jiwon.test",
            "invite",
            "health-test",
            serde_json::json!({"link": "http://jiwon.test/invite/x"}),
            now,
        )
        .expect("delivery");
    }
    app.clock.advance(Duration::seconds(90));
    let r = c.get("/healthz");
    assert_eq!(r.status, 200, "90 s is within the bound");
    let h = r.json();
    assert_eq!(h["worker"]["age_secs"], 90);
    assert_eq!(h["queue"]["oldest_due_job_secs"], 90);
    assert_eq!(h["queue"]["oldest_due_delivery_secs"], 90);

    // Past the bound: 503, with the reason.
    app.clock.advance(Duration::seconds(31));
    let r = c.get("/healthz");
    assert_eq!(r.status, 503);
    let h = r.json();
    assert_eq!(h["status"], "down");
    assert_eq!(h["problems"][0], "no worker tick for 121 s (limit 120 s)");
    assert_eq!(h["queue"]["oldest_due_job_secs"], 121);

    // A worker comes back and works the queues off.
    app.tick();
    let r = c.get("/healthz");
    assert_eq!(r.status, 200);
    let h = r.json();
    assert!(h["queue"]["oldest_due_job_secs"].is_null(), "{h}");
    assert!(h["queue"]["oldest_due_delivery_secs"].is_null(), "{h}");
}

#[test]
fn healthz_bound_is_configurable() {
    let app = TestApp::spawn_with(|c| c.health_max_worker_age_secs = 30);
    app.tick();
    app.clock.advance(Duration::seconds(31));
    let r = app.client().get("/healthz");
    assert_eq!(r.status, 503);
    assert_eq!(
        r.json()["problems"][0],
        "no worker tick for 31 s (limit 30 s)"
    );
}
