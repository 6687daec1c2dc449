//! The first agency administrator and operator of an installation, made with the `jiwon`
//! command (no SQL): agencies, one-time invitation links, listing, disabling; each step
//! in the audit log as "cli". Runs the built binary against the test app's database.

mod common;

use std::process::{Command, Output};

use common::TestApp;
use diesel::prelude::*;
use jiwon::db::schema::audit_log;

fn jiwon(app: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jiwon"))
        .args(args)
        .current_dir(app.dir.path())
        .env("JIWON_ENV", "development")
        .env("JIWON_DATABASE_URL", &app.state.config.database_url)
        .env("JIWON_BASE_URL", &app.addr)
        .env("JIWON_LOG", "warn")
        .output()
        .expect("run jiwon")
}

fn ok(app: &TestApp, args: &[&str]) -> String {
    let out = jiwon(app, args);
    assert!(
        out.status.success(),
        "jiwon {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn refused(app: &TestApp, args: &[&str]) -> String {
    let out = jiwon(app, args);
    assert!(!out.status.success(), "jiwon {args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// The path of the one link `staff add` prints.
fn link_path(app: &TestApp, stdout: &str) -> String {
    let link = stdout.trim();
    assert!(
        link.starts_with(&format!("{}/invite/", app.addr)) && !link.contains(char::is_whitespace),
        "staff add prints only the link: {stdout:?}"
    );
    link.trim_start_matches(&app.addr).to_string()
}

fn accept(app: &TestApp, path: &str, name: &str, password: &str) -> common::Resp {
    let c = app.client();
    let csrf = c.csrf(path);
    c.post_form(
        path,
        &[
            ("csrf_token", &csrf),
            ("name", name),
            ("password", password),
            ("password_confirm", password),
        ],
    )
}

fn cli_actions(app: &TestApp) -> Vec<String> {
    let mut conn = app.conn();
    audit_log::table
        .filter(audit_log::actor_label.eq("cli"))
        .order(audit_log::created_at.asc())
        .select(audit_log::action)
        .load(&mut *conn)
        .expect("audit")
}

#[test]
fn first_admin_and_operator_without_sql() {
    let app = TestApp::spawn();
    // The command line reads the real clock; so does the site, here.
    app.clock.set(chrono::Utc::now().naive_utc());

    // Agencies.
    ok(
        &app,
        &["agency", "add", "울산광역시 남구", "--kind", "local"],
    );
    let err = refused(
        &app,
        &["agency", "add", "울산광역시 남구", "--kind", "local"],
    );
    assert!(err.contains("이미 있는 기관"), "{err}");
    let err = refused(&app, &["agency", "add", "어딘가", "--kind", "company"]);
    assert!(err.contains("ministry, local, public"), "{err}");
    let list = ok(&app, &["agency", "list"]);
    assert!(
        list.contains("울산광역시 남구") && list.contains("지방자치단체"),
        "{list}"
    );

    // An admin needs an existing agency; an operator has none.
    let err = refused(
        &app,
        &["staff", "add", "boss@ulsan.test", "--role", "admin"],
    );
    assert!(err.contains("--agency"), "{err}");
    let err = refused(
        &app,
        &[
            "staff",
            "add",
            "boss@ulsan.test",
            "--role",
            "admin",
            "--agency",
            "없는 기관",
        ],
    );
    assert!(err.contains("기관이 없습니다"), "{err}");
    let err = refused(
        &app,
        &[
            "staff",
            "add",
            "ops@jiwon.test",
            "--role",
            "operator",
            "--agency",
            "울산광역시 남구",
        ],
    );
    assert!(err.contains("운영자는 기관에 속하지 않습니다"), "{err}");

    // The admin: a link, then they choose their own password on the invite page.
    let out = ok(
        &app,
        &[
            "staff",
            "add",
            "Boss@Ulsan.test",
            "--role",
            "admin",
            "--agency",
            "울산광역시 남구",
        ],
    );
    let admin_link = link_path(&app, &out);
    let pending = ok(&app, &["staff", "list"]);
    assert!(
        pending.contains("boss@ulsan.test") && pending.contains("pending"),
        "{pending}"
    );
    let page = app.client().get(&admin_link);
    assert_eq!(page.status, 200);
    page.assert_contains("boss@ulsan.test");
    let r = accept(&app, &admin_link, "김관리", "first admin password");
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/console");
    // The link works once.
    assert_eq!(app.client().get(&admin_link).status, 404);

    let admin = app.client();
    admin.login("boss@ulsan.test", "first admin password");
    let staff_page = admin.get("/console/staff");
    assert_eq!(staff_page.status, 200);
    staff_page.assert_contains("울산광역시 남구");

    // The operator lands on the operator pages.
    let out = ok(
        &app,
        &["staff", "add", "ops@jiwon.test", "--role", "operator"],
    );
    let op_link = link_path(&app, &out);
    let page = app.client().get(&op_link);
    page.assert_contains("운영자 초대");
    let r = accept(&app, &op_link, "최운영", "first operator password");
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/admin/jobs");
    let op = app.client();
    op.login("ops@jiwon.test", "first operator password");
    assert_eq!(op.get("/admin/jobs").status, 200);

    // An active account cannot be invited again.
    let err = refused(
        &app,
        &["staff", "add", "ops@jiwon.test", "--role", "operator"],
    );
    assert!(err.contains("이미 사용 중인 계정"), "{err}");

    let list = ok(&app, &["staff", "list"]);
    let line = |email: &str| {
        list.lines()
            .find(|l| l.contains(email))
            .unwrap_or_else(|| panic!("{email} not listed:\n{list}"))
            .to_string()
    };
    assert!(line("boss@ulsan.test").contains("admin"));
    assert!(line("boss@ulsan.test").contains("active"));
    assert!(line("boss@ulsan.test").contains("울산광역시 남구"));
    assert!(line("ops@jiwon.test").contains("operator"));
    let only = ok(&app, &["staff", "list", "--agency", "울산광역시 남구"]);
    assert!(
        only.contains("boss@ulsan.test") && !only.contains("ops@jiwon.test"),
        "{only}"
    );

    // Disabling ends the admin's session at once and refuses their password.
    ok(&app, &["staff", "disable", "boss@ulsan.test"]);
    let r = admin.get("/console/staff");
    assert_eq!(r.status, 303, "a disabled admin's session is over");
    assert!(r.location().starts_with("/login"));
    let c = app.client();
    let csrf = c.csrf("/login");
    let r = c.post_form(
        "/login",
        &[
            ("email", "boss@ulsan.test"),
            ("password", "first admin password"),
            ("csrf_token", &csrf),
            ("next", "/console"),
        ],
    );
    assert_ne!(r.status, 303, "a disabled account cannot sign in");
    let list = ok(&app, &["staff", "list"]);
    assert!(
        list.lines()
            .any(|l| l.contains("boss@ulsan.test") && l.contains("disabled")),
        "{list}"
    );

    // A pending invitation can be cancelled: its link stops working.
    let out = ok(
        &app,
        &["staff", "add", "late@jiwon.test", "--role", "operator"],
    );
    let late = link_path(&app, &out);
    ok(&app, &["staff", "disable", "late@jiwon.test"]);
    app.clock.set(chrono::Utc::now().naive_utc());
    assert_eq!(app.client().get(&late).status, 404);
    let err = refused(&app, &["staff", "disable", "nobody@jiwon.test"]);
    assert!(err.contains("No such account"), "{err}");

    assert_eq!(
        cli_actions(&app),
        [
            "agency.add",
            "staff.invite",
            "staff.invite",
            "staff.disable",
            "staff.invite",
            "staff.disable"
        ]
    );
}
