//! Crash safety of the alert pipeline: the real `jiwon worker` binary is killed
//! (SIGKILL) in the middle of a large fan-out and again in the middle of sending it to
//! a real SMTP server; after restarts, every delivery key exists once and was handed
//! over under one Message-ID.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Duration as Span, Utc};
use common::smtp::SmtpSink;
use common::*;
use diesel::prelude::*;
use jiwon::alerts::criteria::Criteria;
use jiwon::alerts::model::Subscription;
use jiwon::alerts::store;
use jiwon::clock::to_kst;
use jiwon::db::schema::{deliveries, jobs};
use jiwon::ids::new_id;

/// Owners subscribed to the same criteria: one announcement fans out to all of them.
const N: usize = 1500;
/// Sender threads of the worker (`JIWON_SMTP_POOL_SIZE`): at most this many messages
/// are in flight when it dies.
const THREADS: usize = 4;

/// A `jiwon worker` process; killed (SIGKILL) when dropped, so a failing test leaves
/// nothing running.
struct Worker {
    child: Child,
    log: PathBuf,
}

impl Worker {
    fn start(app: &TestApp, smtp_url: &str, n: usize) -> Worker {
        let dir = app.dir.path();
        let log = dir.join(format!("worker-{n}.log"));
        let out = std::fs::File::create(&log).expect("worker log");
        let err = out.try_clone().expect("worker log");
        let secret =
            String::from_utf8(app.state.config.secret_key.clone()).expect("utf-8 secret key");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiwon"));
        cmd.arg("worker");
        // Only what this test sets: nothing from the caller's JIWON_* environment, and no
        // `.env` (the worker runs in the test's own directory).
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("JIWON_") {
                cmd.env_remove(k);
            }
        }
        cmd.current_dir(dir)
            .env("JIWON_ENV", "development")
            .env("JIWON_DATABASE_URL", &app.state.config.database_url)
            .env("JIWON_SMTP_URL", smtp_url)
            .env("JIWON_SMTP_POOL_SIZE", THREADS.to_string())
            .env("JIWON_BASE_URL", "http://jiwon.test")
            .env("JIWON_SECRET_KEY", secret)
            .env("JIWON_SCHEDULER_INTERVAL_SECS", "1")
            .env("JIWON_SEARCH_DIR", dir.join("worker-search"))
            .env("JIWON_UPLOAD_DIR", dir.join("uploads"))
            .env("JIWON_OUTBOX_DIR", dir.join("worker-outbox"))
            .env("JIWON_DELIVERY_BATCH", "50")
            .env("JIWON_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        let child = cmd.spawn().expect("start jiwon worker");
        Worker { child, log }
    }

    /// SIGKILL: no shutdown code runs, exactly as if the machine lost power.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Panics (with the worker's log) if the process exited on its own.
    fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "the worker exited by itself ({status}); its log:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn count_rows(app: &TestApp) -> usize {
    deliveries::table
        .count()
        .get_result::<i64>(&mut app.conn())
        .expect("count deliveries") as usize
}

fn by_status(app: &TestApp) -> HashMap<String, usize> {
    deliveries::table
        .group_by(deliveries::status)
        .select((deliveries::status, diesel::dsl::count_star()))
        .load::<(String, i64)>(&mut app.conn())
        .expect("deliveries by status")
        .into_iter()
        .map(|(s, n)| (s, n as usize))
        .collect()
}

/// The worker runs on the system clock. A dead worker's claims are only taken back
/// once they look abandoned (deliveries: `STALE_AFTER_SECS` = 120 s; jobs:
/// `STALE_AFTER_MINUTES` = 10). Rather than wait that long, move the claim times of
/// rows still claimed back past those bounds: exactly the state the database is in
/// once the timeout has passed. Returns (deliveries, jobs) made stale.
fn let_stale_timeouts_pass(app: &TestApp) -> (usize, usize) {
    let long_ago = Utc::now().naive_utc() - Span::minutes(11);
    let mut conn = app.conn();
    let d = diesel::update(deliveries::table.filter(deliveries::status.eq("sending")))
        .set(deliveries::locked_at.eq(Some(long_ago)))
        .execute(&mut conn)
        .expect("age claimed deliveries");
    let j = diesel::update(jobs::table.filter(jobs::status.eq("running")))
        .set(jobs::locked_at.eq(Some(long_ago)))
        .execute(&mut conn)
        .expect("age running jobs");
    (d, j)
}

#[test]
fn a_worker_killed_mid_fanout_and_mid_sending_delivers_every_key_exactly_once() {
    let started = Instant::now();
    // The server holds each message a little before accepting it, so there are always
    // messages on the wire; sending N takes several seconds, time to kill the worker in
    // the middle.
    let Some(sink) = SmtpSink::start_with("alerts crash", &["--delay-ms", "2"]) else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(sink.url()));
    // The worker binary uses the system clock; so does the app from here on, so the
    // match job and the deliveries are due for it whatever today's date is.
    app.clock.set(Utc::now().naive_utc() - Span::seconds(1));
    let today = to_kst(app.now()).date();

    // N confirmed email-only subscriptions sharing one criteria, straight into the store.
    let addresses: Vec<String> = (0..N).map(|i| format!("owner{i}@example.com")).collect();
    {
        let mut conn = app.conn();
        let now = app.now();
        conn.transaction::<_, jiwon::error::AppError, _>(|conn| {
            let criteria = Criteria {
                categories: vec!["창업".into()],
                ..Default::default()
            }
            .canonical();
            let criteria_id = store::criteria_id_for(conn, &criteria, now)?;
            for (i, email) in addresses.iter().enumerate() {
                store::insert_subscription(
                    conn,
                    &Subscription {
                        id: new_id(),
                        user_id: None,
                        email: Some(email.clone()),
                        name: format!("창업 알림 {i}"),
                        criteria_id: criteria_id.clone(),
                        spec: criteria.to_json(),
                        is_profile: false,
                        frequency: "instant".into(),
                        channels: "[\"email\"]".into(),
                        status: "active".into(),
                        created_at: now,
                        confirmed_at: Some(now),
                        updated_at: now,
                    },
                )?;
            }
            Ok(())
        })
        .expect("subscriptions");
    }

    // Publishing writes the match job in the same transaction; nothing runs it here.
    let (_, email, pw) = app.staff("중소벤처기업부", "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    let start_day = (today - Span::days(1)).format("%Y-%m-%d").to_string();
    let end_day = (today + Span::days(60)).format("%Y-%m-%d").to_string();
    let id = create_announcement(
        &staff,
        &[
            ("title", "2027년 예비창업패키지 창업자 모집"),
            ("summary", "예비창업자의 사업화 자금을 지원합니다."),
            ("category", "창업"),
            ("subcategories", "예비창업자지원"),
            ("apply_start", &start_day),
            ("apply_end", &end_day),
        ],
    );
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    let r = staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(
        r.status,
        303,
        "publish: {}",
        r.text().chars().take(500).collect::<String>()
    );
    assert_eq!(count_rows(&app), 0, "the test process sends nothing itself");
    let setup = started.elapsed();

    // --- 1. Kill the worker during the fan-out, if the fan-out is caught half-written.
    // Rows become visible a transaction (500) at a time; a kill after the first and
    // before the last leaves a partial fan-out and the match job claimed by a dead
    // worker.
    let mut worker = Worker::start(&app, &sink.url(), 1);
    let mut runs = 1;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut fanout_killed_at = None;
    loop {
        let rows = count_rows(&app);
        if rows > 0 && rows < N {
            worker.kill();
            fanout_killed_at = Some(rows);
            break;
        }
        if rows >= N {
            break;
        }
        worker.assert_alive();
        assert!(
            Instant::now() < deadline,
            "the worker never started the fan-out"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
    match fanout_killed_at {
        Some(rows) => {
            let after = count_rows(&app);
            println!(
                "fan-out: worker killed at {:.1}s with {after} of {N} delivery rows written",
                started.elapsed().as_secs_f64()
            );
            assert!(after < N, "the fan-out was cut short ({after} rows)");
            assert!(after >= rows, "committed rows stay");
            assert_eq!(sink.count(), 0, "sending starts only after the fan-out");
            let running: i64 = jobs::table
                .filter(jobs::kind.eq(
                    <jiwon::announcements::jobs::AnnouncementEvent as jiwon::jobs::JobKind>::KIND,
                ))
                .filter(jobs::status.eq("running"))
                .count()
                .get_result(&mut app.conn())
                .expect("jobs");
            assert_eq!(
                running, 1,
                "the match job is left claimed by the dead worker"
            );
            let (_, stale_jobs) = let_stale_timeouts_pass(&app);
            assert!(stale_jobs >= 1);
            // A new worker takes the abandoned match job over and completes the
            // fan-out; insert-or-ignore adds only the missing keys.
            runs += 1;
            worker = Worker::start(&app, &sink.url(), runs);
        }
        None => println!(
            "fan-out: finished before a partial state was seen (no kill during fan-out this run)"
        ),
    }

    // --- 2. Kill the worker in the middle of sending.
    let deadline = Instant::now() + Duration::from_secs(40);
    // Not a multiple of the batch size (50): the kill lands inside a claimed batch, with
    // rows `sending` and messages on the wire, not in the gap between two batches.
    let target = N * 3 / 10 + 23;
    loop {
        if sink.count() >= target {
            break;
        }
        worker.assert_alive();
        assert!(
            Instant::now() < deadline,
            "sending did not reach {target} messages in time ({} so far; rows by status {:?})",
            sink.count(),
            by_status(&app)
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    worker.kill();
    let received_at_kill = sink.count();
    println!(
        "sending: worker killed at {:.1}s when the SMTP server had {received_at_kill} of {N} messages",
        started.elapsed().as_secs_f64()
    );
    assert!(
        received_at_kill > 0 && received_at_kill < N,
        "the kill happened in the middle of sending ({received_at_kill} of {N})"
    );
    // The server may still finish a message whose DATA arrived just before the kill.
    std::thread::sleep(Duration::from_millis(300));
    let statuses = by_status(&app);
    println!("after the kill: rows by status {statuses:?}");
    assert_eq!(
        count_rows(&app),
        N,
        "the fan-out was complete before sending began"
    );
    let claimed = statuses.get("sending").copied().unwrap_or(0);
    assert!(
        claimed > 0,
        "the dead worker left claimed rows behind: {statuses:?}"
    );

    // --- 3. Restart after the stale timeout and let it finish.
    let (requeued, _) = let_stale_timeouts_pass(&app);
    assert_eq!(requeued, claimed);
    runs += 1;
    let mut worker = Worker::start(&app, &sink.url(), runs);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s = by_status(&app);
        if s.get("sent").copied().unwrap_or(0) == N {
            break;
        }
        worker.assert_alive();
        assert!(
            Instant::now() < deadline,
            "not everything was sent after the restart: {s:?}; worker log:\n{}",
            std::fs::read_to_string(&worker.log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    worker.kill();
    println!(
        "restart: every row sent at {:.1}s",
        started.elapsed().as_secs_f64()
    );
    // Late writes of the server, if any, land before the count below.
    std::thread::sleep(Duration::from_millis(300));

    // --- 4. Exactly once per key.
    let mut conn = app.conn();
    let rows: Vec<(String, String, String, String)> = deliveries::table
        .select((
            deliveries::id,
            deliveries::dedupe_key,
            deliveries::address,
            deliveries::status,
        ))
        .load(&mut conn)
        .expect("deliveries");
    let distinct_keys: i64 = deliveries::table
        .select(diesel::dsl::count(deliveries::dedupe_key).aggregate_distinct())
        .first(&mut conn)
        .expect("distinct keys");
    assert_eq!(rows.len(), N, "one delivery row per recipient");
    assert_eq!(distinct_keys as usize, N, "no key twice");
    assert!(rows.iter().all(|r| r.3 == "sent"), "every row sent");
    let want_addresses: HashSet<String> = addresses.iter().cloned().collect();
    let row_addresses: HashSet<String> = rows.iter().map(|r| r.2.clone()).collect();
    assert_eq!(row_addresses, want_addresses);
    // Message-ID of each row: `<delivery id@host>`.
    let id_of: HashMap<String, String> = rows
        .iter()
        .map(|r| (format!("<{}@jiwon.test>", r.0), r.2.clone()))
        .collect();

    let mail = sink.messages();
    let mut per_id: HashMap<String, usize> = HashMap::new();
    let mut to_set: HashSet<String> = HashSet::new();
    for m in &mail {
        let address = id_of.get(&m.message_id).unwrap_or_else(|| {
            panic!(
                "message {:?} to {} is not one of the deliveries",
                m.message_id, m.to
            )
        });
        assert_eq!(
            &m.to, address,
            "a Message-ID always goes to its own recipient"
        );
        assert!(
            m.subject.contains("예비창업패키지"),
            "subject {:?}",
            m.subject
        );
        *per_id.entry(m.message_id.clone()).or_default() += 1;
        to_set.insert(m.to.clone());
    }
    assert_eq!(to_set, want_addresses, "every recipient got the message");
    assert_eq!(per_id.len(), N, "one message identity per key");
    // The wire can carry a message twice only when the server had accepted it and the
    // worker died before recording that: at most one message per sender thread, all
    // from the one kill during sending (nothing is sent during the fan-out). Every
    // retransmission carries the Message-ID of the first, so mail systems see one
    // message; the key, not the wire, is what is exactly-once.
    let duplicates = mail.len() - per_id.len();
    let twice: Vec<&String> = per_id
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, _)| k)
        .collect();
    println!(
        "received {} messages for {N} keys: {duplicates} handed over again after the crash \
         (same Message-ID){}",
        mail.len(),
        if twice.is_empty() {
            String::new()
        } else {
            format!(": {twice:?}")
        }
    );
    assert!(
        mail.len() <= N + THREADS,
        "{} messages for {N} keys: more than the {THREADS} in flight at the kill were resent",
        mail.len()
    );
    assert!(
        per_id.values().all(|n| *n <= 2),
        "no message was resent more than once"
    );
    println!(
        "backend {}, {runs} worker runs, setup {:.1}s, total {:.1}s",
        app.backend,
        setup.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
