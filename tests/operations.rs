//! Running it safely: `jiwon demo` writes only into stores it made itself, production
//! refuses to start half-configured (and is the default for `serve` and `worker`), a
//! channel the operator turned off is neither offered nor sent, HSTS in production only.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use diesel::prelude::*;
use jiwon::accounts::store as accounts_store;
use jiwon::alerts::criteria::Criteria;
use jiwon::alerts::store;
use jiwon::config::Environment;
use jiwon::db::schema::deliveries;

/// `jiwon` in `dir` with only the given JIWON_* variables (none inherited).
fn jiwon(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiwon"));
    cmd.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("JIWON_") || k == "TEST_DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    cmd.env("JIWON_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    jiwon(dir, env).args(args).output().expect("run jiwon")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A process that must exit by itself within `secs`; killed (and the test failed) if not.
fn exits_within(mut child: Child, secs: u64) -> (bool, String) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return (status.success(), err);
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {secs} s: it started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn agencies(dir: &Path, url: &str) -> String {
    let o = run(dir, &[("JIWON_DATABASE_URL", url)], &["agency", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn demo_refuses_a_database_or_index_it_did_not_make() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let url = format!("sqlite://{}/live.db", dir.display());
    // Somebody's database, with one agency in it.
    let o = run(
        dir,
        &[("JIWON_DATABASE_URL", &url)],
        &["agency", "add", "울산경제일자리진흥원", "--kind", "public"],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    let o = run(
        dir,
        &[("JIWON_DATABASE_URL", &url)],
        &["demo", "--no-serve"],
    );
    assert!(!o.status.success(), "the demo must refuse a used database");
    let err = stderr(&o);
    assert!(err.contains("비어 있는 데이터베이스"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    let list = agencies(dir, &url);
    assert_eq!(
        list.lines().count(),
        1,
        "the database is as it was:\n{list}"
    );
    assert!(list.contains("울산경제일자리진흥원"));

    // The test app's migrated database (PostgreSQL with TEST_DATABASE_URL): refused too.
    let app = TestApp::spawn();
    let (_, staff_email, _) = app.staff("울산광역시", "admin");
    let o = run(
        dir,
        &[("JIWON_DATABASE_URL", &app.state.config.database_url)],
        &["demo", "--no-serve"],
    );
    assert!(!o.status.success(), "{} database refused", app.backend);
    assert!(stderr(&o).contains("The demo writes only into an empty database"));
    assert!(
        accounts_store::find_user_by_email(&mut app.conn(), &staff_email)
            .expect("query")
            .is_some()
    );
    assert!(
        accounts_store::find_user_by_email(&mut app.conn(), "admin@demo.jiwon.kr")
            .expect("query")
            .is_none()
    );

    // Never in production, whatever the database.
    let empty = format!("sqlite://{}/empty.db", dir.display());
    let o = run(
        dir,
        &[("JIWON_DATABASE_URL", &empty), ("JIWON_ENV", "production")],
        &["demo", "--no-serve"],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("JIWON_ENV=production"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("empty.db").exists(), "nothing created");

    // A search directory with something in it is somebody's index.
    let used = dir.join("index");
    std::fs::create_dir_all(&used).expect("dir");
    std::fs::write(used.join("CURRENT"), "gen-1").expect("file");
    let o = run(
        dir,
        &[
            ("JIWON_DATABASE_URL", &empty),
            ("JIWON_SEARCH_DIR", &used.display().to_string()),
        ],
        &["demo", "--no-serve"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("검색 색인 폴더"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(used.join("CURRENT")).expect("kept"),
        "gen-1"
    );
    assert!(!dir.join("empty.db").exists(), "nothing created");
}

#[test]
fn demo_fills_a_fresh_database_it_was_given() {
    // What scripts/test.sh does before the browser tests: a fresh path.
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let url = format!("sqlite://{}/demo.db", dir.display());
    let o = run(
        dir,
        &[
            ("JIWON_DATABASE_URL", &url),
            (
                "JIWON_SEARCH_DIR",
                &dir.join("search").display().to_string(),
            ),
        ],
        &["demo", "--no-serve"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("admin@demo.jiwon.kr"), "{out}");
    assert!(agencies(dir, &url).contains("중소벤처기업부"));
}

#[test]
fn serve_and_worker_default_to_production_and_refuse_half_configured_channels() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let url = format!("sqlite://{}/prod.db", dir.display());
    let secret = "0123456789abcdef0123456789abcdef";
    // JIWON_ENV unset: production, so the secret is required…
    for cmd in ["serve", "worker"] {
        let child = jiwon(
            dir,
            &[("JIWON_DATABASE_URL", &url), ("JIWON_BIND", "127.0.0.1:0")],
        )
        .arg(cmd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
        let (ok, err) = exits_within(child, 30);
        assert!(!ok, "{cmd} without a secret must refuse");
        assert!(
            err.contains("JIWON_SECRET_KEY is required in production"),
            "{err}"
        );
    }
    // …and the public address…
    let o = run(
        dir,
        &[("JIWON_DATABASE_URL", &url), ("JIWON_SECRET_KEY", secret)],
        &["worker"],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("JIWON_BASE_URL is required in production"),
        "{}",
        stderr(&o)
    );
    // …and with them, neither mail nor SMS provider: refused, naming both switches.
    for cmd in ["serve", "worker"] {
        let child = jiwon(
            dir,
            &[
                ("JIWON_DATABASE_URL", &url),
                ("JIWON_SECRET_KEY", secret),
                ("JIWON_BASE_URL", "https://jiwon.example.kr"),
                ("JIWON_BIND", "127.0.0.1:0"),
            ],
        )
        .arg(cmd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
        let (ok, err) = exits_within(child, 30);
        assert!(!ok, "{cmd} must refuse");
        assert!(
            err.contains("JIWON_SMTP_URL") && err.contains("JIWON_EMAIL_ENABLED=0"),
            "{err}"
        );
        assert!(
            err.contains("JIWON_SMS_URL") && err.contains("JIWON_SMS_ENABLED=0"),
            "{err}"
        );
    }
    assert!(
        !dir.join("prod.db").exists(),
        "refused before touching the database"
    );
    // Only SMS missing: only SMS named.
    let o = run(
        dir,
        &[
            ("JIWON_DATABASE_URL", &url),
            ("JIWON_SECRET_KEY", secret),
            ("JIWON_BASE_URL", "https://jiwon.example.kr"),
            ("JIWON_SMTP_URL", "smtp://127.0.0.1:2525"),
        ],
        &["worker"],
    );
    assert!(!o.status.success());
    assert!(!stderr(&o).contains("JIWON_SMTP_URL"), "{}", stderr(&o));
    assert!(stderr(&o).contains("JIWON_SMS_URL"));
}

/// `jiwon serve` in production (JIWON_ENV unset) with both channels off, stderr to
/// `stderr_file`; returns the process and its address once it answers.
fn serve_production(dir: &Path, env: &[(&str, &str)], stderr_file: &Path) -> (Child, String) {
    let url = format!("sqlite://{}/prod.db", dir.display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let bind = format!("127.0.0.1:{port}");
    let mut all = vec![
        ("JIWON_DATABASE_URL", url.as_str()),
        ("JIWON_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
        ("JIWON_BASE_URL", "https://jiwon.example.kr"),
        ("JIWON_EMAIL_ENABLED", "0"),
        ("JIWON_SMS_ENABLED", "0"),
        ("JIWON_BIND", bind.as_str()),
        ("JIWON_LOG", "info"),
    ];
    all.extend_from_slice(env);
    let mut child = jiwon(dir, &all)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(stderr_file).expect("log file"))
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    loop {
        if std::net::TcpStream::connect(&bind).is_ok() {
            return (child, format!("http://{bind}"));
        }
        if let Some(status) = child.try_wait().expect("wait") {
            panic!(
                "serve exited ({status}): {}",
                std::fs::read_to_string(stderr_file).unwrap_or_default()
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "serve never listened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn get(url: &str) -> ureq::Response {
    match ureq::get(url).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{url}: {e}"),
    }
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn production_serves_with_both_channels_switched_off_and_sends_hsts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let (child, base) = serve_production(dir, &[], &dir.join("stderr.log"));
    let resp = get(&format!("{base}/"));
    stop(child);
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
    assert!(!dir.join("var/outbox").exists(), "no development sinks");
}

#[test]
fn access_lines_are_json_without_colour_or_tokens() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let log = dir.join("stderr.log");
    let (child, base) = serve_production(dir, &[("JIWON_LOG_FORMAT", "json")], &log);
    let secrets = [
        "SeCrEtVeRiFy123",
        "InViTeToKeN456",
        "QuErYsEcReT789",
        "ShOrTcOdE",
    ];
    let verify_status = get(&format!("{base}/verify/{}", secrets[0])).status();
    get(&format!("{base}/invite/{}", secrets[1]));
    get(&format!("{base}/announcements?token={}&page=1", secrets[2]));
    get(&format!("{base}/t/o/{}.gif", secrets[3]));
    get(&format!("{base}/announcements?page=2"));
    std::thread::sleep(Duration::from_millis(300));
    stop(child);
    let text = std::fs::read_to_string(&log).expect("log");
    for s in secrets {
        assert!(!text.contains(s), "{s} leaked into the log:\n{text}");
    }
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes when stderr is a file"
    );
    let lines: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let access = |path: &str| {
        lines
            .iter()
            .find(|l| l["path"] == path)
            .unwrap_or_else(|| panic!("no access line for {path}:\n{text}"))
            .clone()
    };
    let verify = access("/verify/[redacted]");
    assert_eq!(verify["method"], "GET");
    assert_eq!(verify["status"], verify_status);
    assert_eq!(verify["level"], "INFO");
    assert!(verify["ms"].as_f64().is_some());
    assert!(verify["bytes"].as_u64().is_some_and(|b| b > 0));
    access("/invite/[redacted]");
    access("/announcements?[redacted]");
    access("/t/o/[redacted].gif");
    assert_eq!(access("/announcements?page=2")["status"], 200);

    // Off: no access lines at all; text format.
    let log = dir.join("off.log");
    let (child, base) = serve_production(dir, &[("JIWON_ACCESS_LOG", "off")], &log);
    get(&format!("{base}/announcements?page=3"));
    std::thread::sleep(Duration::from_millis(300));
    stop(child);
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(!text.contains("page=3"), "{text}");

    // Debug: only when the filter lets jiwon::access through at debug.
    let log = dir.join("debug.log");
    let (child, base) = serve_production(
        dir,
        &[
            ("JIWON_ACCESS_LOG", "debug"),
            ("JIWON_LOG", "info,jiwon::access=debug"),
        ],
        &log,
    );
    get(&format!("{base}/announcements?page=4"));
    std::thread::sleep(Duration::from_millis(300));
    stop(child);
    let text = std::fs::read_to_string(&log).expect("log");
    let line = text
        .lines()
        .find(|l| l.contains("page=4"))
        .unwrap_or_else(|| panic!("no debug access line:\n{text}"));
    assert!(
        line.contains("DEBUG") && line.contains("status=200"),
        "{line}"
    );
    let log = dir.join("debug-filtered.log");
    let (child, base) = serve_production(dir, &[("JIWON_ACCESS_LOG", "debug")], &log);
    get(&format!("{base}/announcements?page=5"));
    std::thread::sleep(Duration::from_millis(300));
    stop(child);
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        !text.contains("page=5"),
        "debug lines hidden at JIWON_LOG=info:\n{text}"
    );

    // A format that does not exist is refused.
    let o = run(dir, &[("JIWON_LOG_FORMAT", "xml")], &["agency", "list"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("JIWON_LOG_FORMAT"));
}

#[test]
fn hsts_only_in_production() {
    let app = TestApp::spawn();
    assert_eq!(
        app.client().get("/").header("strict-transport-security"),
        None
    );
}

const PW: &str = "owner password 123";

fn owner_with_phone(app: &TestApp) -> (String, String) {
    app.owner_with(PW, |p| {
        p.phone = Some("01012345678".into());
        p.phone_verified_at = Some(p.updated_at);
    })
}

#[test]
fn sms_switched_off_is_not_offered_and_nothing_is_sent_or_logged() {
    let app = TestApp::spawn_with(|c| c.sms_enabled = false);
    let (uid, email) = owner_with_phone(&app);
    let me = app.client();
    me.login(&email, PW);

    // Not on the subscription form, and a forged choice is refused at the field.
    let form = me.get("/alerts/new");
    assert_eq!(form.status, 200);
    assert!(inputs(&form.body, "channel", Some("sms")).is_empty());
    assert_eq!(inputs(&form.body, "channel", Some("email")).len(), 1);
    let csrf = me.csrf("/alerts/new");
    let r = me.post_form(
        "/alerts",
        &[
            ("csrf_token", &csrf),
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "sms"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("이 알림 방법은 지금 제공하지 않습니다");
    // Not a reminder channel on the profile either.
    let profile = me.get("/me/profile");
    assert_eq!(profile.status, 200, "{}", profile.body);
    assert!(inputs(&profile.body, "reminder_channels", Some("sms")).is_empty());
    assert_eq!(
        inputs(&profile.body, "reminder_channels", Some("email")).len(),
        1
    );

    // A subscription from before the switch: the agency's reach does not count it, and
    // publishing plans nothing on SMS.
    subscribe_sms(&app, &uid);
    let (_, staff_email, staff_pw) = app.staff("중소벤처기업부", "editor");
    let staff = app.client();
    staff.login(&staff_email, &staff_pw);
    let id = create_announcement(&staff, &[]);
    let confirm = staff.get(&format!("/console/announcements/{id}/publish"));
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("지금은 이 공고에 맞는 구독이 없어 알림이 가지 않습니다");
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    let r = staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    app.tick();
    let sms: i64 = deliveries::table
        .filter(deliveries::channel.eq("sms"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(sms, 0, "nothing queued on a switched-off channel");
    assert!(!app.dir.path().join("outbox/sms.log").exists());
}

fn subscribe_sms(app: &TestApp, uid: &str) {
    let mut conn = app.conn();
    let criteria = Criteria {
        categories: vec!["내수".into()],
        ..Default::default()
    }
    .canonical();
    store::subscribe(
        &mut conn,
        store::Subscriber::Owner {
            user_id: uid,
            source: "test",
        },
        "내수",
        &criteria,
        "instant",
        &["sms".to_string()],
        app.now(),
    )
    .expect("subscribe");
}

#[test]
fn sms_queued_before_the_switch_is_suppressed_not_sent() {
    // SMS on: publishing queues an SMS (the tick is not run, so it waits).
    let app = TestApp::spawn();
    let (uid, _) = owner_with_phone(&app);
    subscribe_sms(&app, &uid);
    let (_, staff_email, staff_pw) = app.staff("중소벤처기업부", "editor");
    let staff = app.client();
    staff.login(&staff_email, &staff_pw);
    let id = create_announcement(&staff, &[]);
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    let ann = jiwon::announcements::store::find(&mut app.conn(), &id)
        .expect("find")
        .expect("announcement");
    let r = jiwon::alerts::matching::run(
        &mut app.conn(),
        &id,
        "publish",
        ann.revision,
        &[],
        app.now(),
    )
    .expect("match");
    assert_eq!(r.deliveries_created, 1);

    // The operator switches SMS off and restarts: the waiting SMS is not sent or logged.
    let mut config = app.state.config.clone();
    config.sms_enabled = false;
    let restarted =
        jiwon::AppState::new(config, std::sync::Arc::new(app.clock.clone())).expect("state");
    let report = jiwon::alerts::send::deliver_due(&restarted, "w", 100).expect("send");
    assert_eq!((report.sent, report.suppressed), (0, 1));
    let status: String = deliveries::table
        .filter(deliveries::channel.eq("sms"))
        .select(deliveries::status)
        .first(&mut app.conn())
        .expect("row");
    assert_eq!(status, "suppressed");
    assert!(!app.dir.path().join("outbox/sms.log").exists());
}

#[test]
fn production_refuses_a_channel_left_on_without_a_provider() {
    // The library refuses too (not only the command line): AppState cannot be built.
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = test_config(
        dir.path(),
        format!("sqlite://{}/t.db", dir.path().display()),
    );
    config.environment = Environment::Production;
    config.sms_enabled = false;
    let err = jiwon::alerts::send::Channels::from_config(&config)
        .err()
        .expect("refused");
    assert!(err.to_string().contains("JIWON_SMTP_URL"), "{err}");
    config.email_enabled = false;
    assert!(jiwon::alerts::send::Channels::from_config(&config).is_ok());
}
