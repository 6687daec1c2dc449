//! The security review's findings, each as the attack that worked before the fix:
//! forged unsubscribe links through a chosen CSRF cookie, the open redirect after login,
//! invitation takeover, web push as blind SSRF, rate limits behind a proxy, posting under
//! another agency's name, session lifetimes, and the smaller items (page overflow,
//! subscription list caps). Secret rotation is here too: links in mail already sent
//! keep working.

mod common;

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::mail::last_link;
use common::*;
use diesel::prelude::*;
use jiwon::accounts::model::User;
use jiwon::alerts::tokens;
use jiwon::db::schema::{agencies, push_endpoints, sessions, subscriptions, users};
use jiwon::ids::new_id;
use jiwon::signing::{Keys, Purpose};

const PW: &str = "owner password 1";

/// A verified business owner; (id, email).
fn owner(app: &TestApp) -> (String, String) {
    app.owner_with(PW, |_| {})
}

fn user_row(app: &TestApp, email: &str) -> User {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(&mut app.conn())
        .expect("user row")
}

fn login_attempt(client: &Client, email: &str, pw: &str, next: &str) -> Resp {
    let token = client.csrf("/login");
    client.post_form(
        "/login",
        &[
            ("email", email),
            ("password", pw),
            ("csrf_token", &token),
            ("next", next),
        ],
    )
}

// --- signing: one key per purpose, rotation ---------------------------------------------

#[test]
fn a_csrf_cookie_the_visitor_chose_signs_nothing_else() {
    let app = TestApp::spawn();
    // Someone else's account id: "stop every email alert of this account".
    let scope = format!("e:{}", new_id());
    // The attack: choose the CSRF cookie so that the login page's form token is the
    // HMAC of "unsubscribe:<scope>", which was exactly an unsubscribe signature.
    let attacker = app.client();
    let chosen = format!("unsubscribe:{scope}");
    let page = attacker.get_with("/login", ("Cookie", &format!("jiwon_csrf={chosen}")));
    assert_eq!(page.status, 200);
    // The server does not take a cookie value it did not issue: it sets its own.
    let set = page.header("set-cookie").unwrap_or("");
    assert!(
        set.starts_with("jiwon_csrf=") && !set.contains("unsubscribe"),
        "a fresh CSRF cookie, got {set:?}"
    );
    let form_token = extract_csrf(&page.body).expect("form token");
    let forged = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&scope),
        &form_token[..form_token.len().min(32)]
    );
    assert_eq!(
        app.client().get(&format!("/unsubscribe/{forged}")).status,
        404,
        "a forged unsubscribe link must not open"
    );
    // A link the server signed for that scope does open: the check can tell them apart.
    let genuine = tokens::sign(&app.state.keys, &scope);
    assert_eq!(
        app.client().get(&format!("/unsubscribe/{genuine}")).status,
        200
    );
    // And a CSRF form token is no unsubscribe signature even for an issued cookie.
    let csrf_sig = app.state.keys.sign(Purpose::CsrfForm, &scope);
    assert!(!app
        .state
        .keys
        .verify(Purpose::Unsubscribe, &scope, &csrf_sig));
}

#[test]
fn links_and_forms_signed_before_a_secret_rotation_keep_working() {
    let old = b"old-secret-old-secret-old-secret-0001".to_vec();
    let new = b"new-secret-new-secret-new-secret-0002".to_vec();
    let old_keys = Keys::new(&old, &[]);
    let scope = format!("e:{}", new_id());
    let mailed = tokens::sign(&old_keys, &scope);
    // A form rendered before the rotation: cookie and token under the old secret.
    let nonce = "A".repeat(32);
    let cookie = format!("{nonce}.{}", old_keys.sign(Purpose::CsrfCookie, &nonce));
    let form_token = old_keys.sign(Purpose::CsrfForm, &cookie);

    let rotated = TestApp::spawn_with(|c| {
        c.secret_key = new.clone();
        c.previous_secret_keys = vec![old.clone()];
    });
    assert_eq!(
        rotated
            .client()
            .get(&format!("/unsubscribe/{mailed}"))
            .status,
        200
    );
    // New links are signed with the new secret (and work).
    let fresh = tokens::sign(&rotated.state.keys, &scope);
    assert_ne!(fresh, mailed);
    assert_eq!(
        rotated
            .client()
            .get(&format!("/unsubscribe/{fresh}"))
            .status,
        200
    );
    let post_old_form = |app: &TestApp| {
        app.client()
            .post_form_with(
                "/login",
                ("Cookie", &format!("jiwon_csrf={cookie}")),
                &[
                    ("email", "nobody@example.com"),
                    ("password", "wrong password 1"),
                    ("csrf_token", &form_token),
                ],
            )
            .status
    };
    // The old form passes the CSRF check (and fails only on the password).
    assert_eq!(post_old_form(&rotated), 422);

    // Once the old secret is dropped from JIWON_SECRET_KEY_PREVIOUS, both stop.
    let dropped = TestApp::spawn_with(|c| c.secret_key = new.clone());
    assert_eq!(
        dropped
            .client()
            .get(&format!("/unsubscribe/{mailed}"))
            .status,
        404
    );
    assert_eq!(post_old_form(&dropped), 403);
}

// --- open redirect ------------------------------------------------------------------------

#[test]
fn login_never_sends_anyone_to_another_site() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    for evil in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/ /evil.example",
        "/\u{0}/evil.example",
    ] {
        // The form does not carry it …
        let page = app
            .client()
            .get(&format!("/login?next={}", urlencoding::encode(evil)));
        assert_eq!(input_value(&page.body, "next"), "/console", "{evil:?}");
        // … and a login that posts it lands on the console.
        let r = login_attempt(&app.client(), &email, &pw, evil);
        assert_eq!(r.status, 303, "{evil:?}");
        assert_eq!(r.location(), "/console", "{evil:?}");
    }
    // A path of this site is followed.
    let r = login_attempt(&app.client(), &email, &pw, "/console/announcements/new?x=1");
    assert_eq!(r.location(), "/console/announcements/new?x=1");
}

// --- invitations ----------------------------------------------------------------------------

/// An admin invites `email`; the invited person accepts through the mailed link. The
/// acceptance's status.
fn invite_and_accept(app: &TestApp, admin: &Client, email: &str) -> Resp {
    let csrf = admin.csrf("/console/staff");
    let r = admin.post_form(
        "/console/staff/invite",
        &[("csrf_token", &csrf), ("email", email), ("role", "admin")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        !r.body.contains("/invite/"),
        "the admin never sees the link"
    );
    app.tick();
    let link = last_link(app, email, "/invite/");
    let invitee = app.client();
    let token = invitee.csrf(&link);
    invitee.post_form(
        &link,
        &[
            ("csrf_token", &token),
            ("name", "가져가기"),
            ("password", "attacker chosen password"),
            ("password_confirm", "attacker chosen password"),
        ],
    )
}

#[test]
fn an_invitation_never_revives_another_agencys_account_or_an_operator() {
    let app = TestApp::spawn();
    let (_, a_admin_email, a_pw) = app.staff("울산광역시", "admin");
    let (_, b_admin_email, b_pw) = app.staff("부산광역시", "admin");
    let a_admin = app.client();
    a_admin.login(&a_admin_email, &a_pw);
    let b_admin = app.client();
    b_admin.login(&b_admin_email, &b_pw);

    // Agency A removes one of its editors.
    let (a_agency, editor_email, _) = app.staff("울산광역시", "editor");
    let editor = user_row(&app, &editor_email);
    let csrf = a_admin.csrf("/console/staff");
    let r = a_admin.post_form(
        &format!("/console/staff/{}/remove", editor.id),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);

    // Agency B's admin invites that address and "accepts" it: refused, account untouched.
    let r = invite_and_accept(&app, &b_admin, &editor_email);
    assert_eq!(r.status, 409, "{}", r.text());
    r.assert_contains("다른 계정");
    let after = user_row(&app, &editor_email);
    assert!(!after.active);
    assert_eq!(after.agency_id.as_deref(), Some(a_agency.id.as_str()));
    assert_eq!(after.password_hash, editor.password_hash);

    // Agency A invites its former editor back: that is what reactivation is for.
    let r = invite_and_accept(&app, &a_admin, &editor_email);
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(user_row(&app, &editor_email).active);

    // A deactivated operator cannot be revived (into an agency admin) by invitation.
    let (op_email, _) = app.operator();
    diesel::update(users::table.filter(users::email.eq(&op_email)))
        .set(users::active.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    let r = invite_and_accept(&app, &a_admin, &op_email);
    assert_eq!(r.status, 409, "{}", r.text());
    let op = user_row(&app, &op_email);
    assert!(!op.active && op.is_operator && op.agency_id.is_none());
    let op_sessions: i64 = sessions::table
        .filter(sessions::user_id.eq(&op.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(op_sessions, 0);

    // An agency admin cannot deactivate or re-role an operator, even one placed in
    // their agency.
    let (_, placed_email, _) = app.staff("울산광역시", "editor");
    diesel::update(users::table.filter(users::email.eq(&placed_email)))
        .set(users::is_operator.eq(true))
        .execute(&mut app.conn())
        .unwrap();
    let placed = user_row(&app, &placed_email);
    let csrf = a_admin.csrf("/console/staff");
    let r = a_admin.post_form(
        &format!("/console/staff/{}/remove", placed.id),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 403);
    let r = a_admin.post_form(
        &format!("/console/staff/{}/role", placed.id),
        &[("csrf_token", &csrf), ("role", "reviewer")],
    );
    assert_eq!(r.status, 403);
    let placed_after = user_row(&app, &placed_email);
    assert!(placed_after.active);
    assert_eq!(placed_after.agency_role.as_deref(), Some("editor"));
}

// --- web push endpoints ---------------------------------------------------------------------

fn register(client: &Client, endpoint: &str) -> Resp {
    let csrf = client.csrf("/me/subscriptions");
    client.post_json(
        "/api/v1/push/subscribe",
        ("X-CSRF-Token", csrf.as_str()),
        &serde_json::json!({"endpoint": endpoint,
                            "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
                                     "auth": "tBHItJI5svbpez7KI4CCXg"}}),
    )
}

fn endpoints_of(app: &TestApp, uid: &str) -> Vec<String> {
    push_endpoints::table
        .filter(push_endpoints::user_id.eq(uid))
        .select(push_endpoints::endpoint)
        .load(&mut app.conn())
        .unwrap()
}

#[test]
fn push_endpoints_must_be_https_on_public_hosts() {
    let app = TestApp::spawn();
    let (uid, email) = owner(&app);
    let me = app.client();
    me.login(&email, PW);
    for inward in [
        "https://127.0.0.1/push/x",
        "https://localhost/push/x",
        "https://10.0.0.8/push/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/push/x",
        "https://2130706433/push/x",
        "http://push.example/push/x",
        "https://user:pw@push.example/push/x",
        "https://push.invalid/push/x",
    ] {
        let r = register(&me, inward);
        assert_eq!(r.status, 400, "{inward}: {}", r.body);
        assert_eq!(r.json()["error"], "push_endpoint_invalid", "{inward}");
    }
    assert!(endpoints_of(&app, &uid).is_empty());
}

#[test]
fn a_push_endpoint_is_not_taken_over_and_each_account_holds_a_few() {
    // A local receiver needs loopback: the explicit test-only setting.
    let app = TestApp::spawn_with(|c| c.push_allow_private = true);
    let (a, a_email) = owner(&app);
    let (b, b_email) = owner(&app);
    let alice = app.client();
    alice.login(&a_email, PW);
    let bob = app.client();
    bob.login(&b_email, PW);
    let shared = "http://127.0.0.1:9/push/shared";
    assert_eq!(register(&alice, shared).status, 201);
    let r = register(&bob, shared);
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json()["error"], "push_endpoint_taken");
    assert_eq!(endpoints_of(&app, &a), vec![shared.to_string()]);
    assert!(endpoints_of(&app, &b).is_empty());
    // Re-registering one's own endpoint is fine (a key refresh).
    assert_eq!(register(&alice, shared).status, 201);
    for i in 1..10 {
        let r = register(&alice, &format!("http://127.0.0.1:9/push/{i}"));
        assert_eq!(r.status, 201, "{i}: {}", r.body);
    }
    let r = register(&alice, "http://127.0.0.1:9/push/eleventh");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "push_endpoint_limit");
    assert_eq!(endpoints_of(&app, &a).len(), 10);
}

#[test]
fn production_refuses_the_private_push_setting() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jiwon"))
        .arg("migrate")
        .env("JIWON_ENV", "production")
        .env("JIWON_SECRET_KEY", "x".repeat(40))
        .env("JIWON_PUSH_ALLOW_PRIVATE", "1")
        .env("JIWON_DATABASE_URL", "sqlite:///nonexistent/dir/never.db")
        .output()
        .expect("run jiwon");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("JIWON_PUSH_ALLOW_PRIVATE"), "{err}");
}

#[test]
fn the_push_sender_never_connects_inward() {
    use jiwon::alerts::push::{PushEndpointInfo, PushMessage, WebPush};
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path(), "sqlite://x".into());
    let (private, public) = jiwon::alerts::push::generate_vapid_keys();
    config.vapid_private_key = Some(private);
    config.vapid_public_key = Some(public);
    let push = WebPush::from_config(&config).expect("push configured");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (_, browser_key) = jiwon::alerts::push::generate_vapid_keys();
    let msg = PushMessage {
        title: "제목".into(),
        body: "본문".into(),
        url: "https://jiwon.test/announcements/1".into(),
        stop_url: None,
        topic: None,
    };
    for endpoint in [
        format!("http://127.0.0.1:{port}/push/x"),
        format!("https://127.0.0.1:{port}/push/x"),
        format!("https://localhost:{port}/push/x"),
    ] {
        let r = push.send(
            &PushEndpointInfo {
                endpoint: endpoint.clone(),
                p256dh: browser_key.clone(),
                auth: "tBHItJI5svbpez7KI4CCXg".into(),
            },
            &msg,
        );
        assert!(
            matches!(r, Err(jiwon::alerts::ChannelError::Permanent(_))),
            "{endpoint}: {r:?}"
        );
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        listener.accept().is_err(),
        "nothing may have connected to the loopback listener"
    );
}

// --- rate limits -----------------------------------------------------------------------------

fn login_from(app: &TestApp, ip: &str, email: &str, pw: &str) -> u16 {
    let c = app.client();
    let token = c.csrf("/login");
    c.post_form_with(
        "/login",
        ("X-Forwarded-For", ip),
        &[("email", email), ("password", pw), ("csrf_token", &token)],
    )
    .status
}

#[test]
fn behind_a_trusted_proxy_each_visitor_has_their_own_login_limit() {
    let app = TestApp::spawn_with(|c| {
        c.login_rate_limit = 3;
        c.trusted_proxies = vec![jiwon::config::IpRange::parse("127.0.0.1").unwrap()];
    });
    for i in 0..3 {
        assert_eq!(
            login_from(
                &app,
                "203.0.113.1",
                &format!("x{i}@example.com"),
                "wrong pw 123"
            ),
            422
        );
    }
    assert_eq!(
        login_from(&app, "203.0.113.1", "y@example.com", "wrong pw 123"),
        429
    );
    // Another visitor behind the same proxy is not locked out with them.
    assert_eq!(
        login_from(&app, "203.0.113.2", "y@example.com", "wrong pw 123"),
        422
    );
    // The proxy appends the real peer; what the visitor wrote before it is not believed.
    assert_eq!(
        login_from(
            &app,
            "198.51.100.5, 203.0.113.1",
            "z@example.com",
            "wrong pw 123"
        ),
        429
    );
}

#[test]
fn without_trusted_proxies_a_forwarded_header_changes_nothing() {
    let app = TestApp::spawn_with(|c| c.login_rate_limit = 3);
    for i in 0..3 {
        let ip = format!("203.0.113.{}", 10 + i);
        assert_eq!(
            login_from(&app, &ip, &format!("x{i}@example.com"), "wrong pw 123"),
            422
        );
    }
    // Rotating X-Forwarded-For does not buy more attempts.
    assert_eq!(
        login_from(&app, "203.0.113.99", "y@example.com", "wrong pw 123"),
        429
    );
}

#[test]
fn one_account_is_throttled_whatever_address_the_guesses_come_from() {
    let app = TestApp::spawn_with(|c| {
        c.login_rate_limit = 3;
        c.trusted_proxies = vec![jiwon::config::IpRange::parse("127.0.0.0/8").unwrap()];
    });
    let (_, email, pw) = app.staff("울산광역시", "editor");
    for i in 0..3 {
        assert_eq!(
            login_from(&app, &format!("203.0.113.{i}"), &email, "wrong pw 123"),
            422
        );
    }
    assert_eq!(
        login_from(&app, "198.51.100.1", &email, "wrong pw 123"),
        429
    );
    // Even the right password waits out the window …
    assert_eq!(login_from(&app, "198.51.100.2", &email, &pw), 429);
    // … and works after it.
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(login_from(&app, "198.51.100.3", &email, &pw), 303);
}

#[test]
fn limits_hold_across_serve_nodes_sharing_the_database() {
    let node1 = TestApp::spawn_with(|c| c.login_rate_limit = 3);
    let url = node1.state.config.database_url.clone();
    let node2 = TestApp::spawn_with(|c| {
        c.login_rate_limit = 3;
        c.database_url = url.clone();
    });
    node2.clock.set(node1.now());
    assert_eq!(
        login_from(&node1, "-", "a@example.com", "wrong pw 123"),
        422
    );
    assert_eq!(
        login_from(&node2, "-", "b@example.com", "wrong pw 123"),
        422
    );
    assert_eq!(
        login_from(&node1, "-", "c@example.com", "wrong pw 123"),
        422
    );
    // The fourth attempt from this client, on either node, is refused.
    assert_eq!(
        login_from(&node2, "-", "d@example.com", "wrong pw 123"),
        429
    );
    assert_eq!(
        login_from(&node1, "-", "d@example.com", "wrong pw 123"),
        429
    );
}

// --- partner agencies ------------------------------------------------------------------------

#[test]
fn staff_cannot_invent_an_agency_or_be_shown_as_another_agencys_program() {
    let app = TestApp::spawn();
    let (_, a_email, a_pw) = app.staff("울산광역시", "editor");
    let (b_agency, b_email, b_pw) = app.staff("중소벤처기업부", "editor");
    let a = app.client();
    a.login(&a_email, &a_pw);
    let agencies_before: i64 = agencies::table.count().get_result(&mut app.conn()).unwrap();

    // A made-up partner agency is refused at its field, and nothing is created.
    let csrf = a.csrf("/console/announcements/new");
    let r = a.post_form(
        "/console/announcements",
        &announcement_form(
            &csrf,
            &[
                ("agency_role", "exec"),
                ("partner_agency", "대한민국 지원금 본부"),
            ],
        ),
    );
    assert_eq!(r.status, 422);
    r.assert_contains("등록된 기관이 아닙니다");
    let agencies_after: i64 = agencies::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(agencies_before, agencies_after);

    // Naming an existing agency as the owner works, but the public page does not show
    // it as owner until that agency says so.
    let id = create_announcement(
        &a,
        &[
            ("agency_role", "exec"),
            ("partner_agency", "중소벤처기업부"),
        ],
    );
    let csrf = a.csrf(&format!("/console/announcements/{id}"));
    let r = a.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    app.tick();
    let public = app.client().get(&format!("/announcements/{id}"));
    assert_eq!(public.status, 200);
    assert!(
        !public
            .body
            .contains(&format!("/agencies/{}\"", b_agency.id)),
        "중소벤처기업부 must not be shown as owner"
    );
    let agency_page = app.client().get(&format!("/agencies/{}", b_agency.id));
    assert!(!agency_page.body.contains(&format!("/announcements/{id}\"")));

    // The owner agency corrects it itself: now it is its program.
    let b = app.client();
    b.login(&b_email, &b_pw);
    let csrf = b.csrf(&format!("/console/announcements/{id}/correct"));
    let r = b.post_form(
        &format!("/console/announcements/{id}/correct"),
        &announcement_form(
            &csrf,
            &[
                ("agency_role", "owner"),
                ("partner_agency", "울산광역시"),
                ("reason", "소관기관 확인"),
                ("summary", "소관기관이 확인했습니다."),
            ],
        ),
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(1500).collect::<String>()
    );
    app.tick();
    let public = app.client().get(&format!("/announcements/{id}"));
    assert!(public
        .body
        .contains(&format!("/agencies/{}\"", b_agency.id)));
}

// --- sessions --------------------------------------------------------------------------------

#[test]
fn staff_sessions_end_when_idle_or_old_owner_sessions_last() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    let (_, owner_email) = owner(&app);
    let me = app.client();
    me.login(&owner_email, PW);

    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(staff.get("/console").status, 200);
    // Activity keeps it alive …
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(staff.get("/console").status, 200);
    // … 30 idle minutes end it.
    app.clock.advance(chrono::Duration::minutes(31));
    let r = staff.get("/console");
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/login"), "{}", r.location());
    // The owner, idle just as long, is still signed in.
    assert_eq!(me.get("/me").status, 200);

    // However busy, a staff session ends 12 hours after sign-in.
    let busy = app.client();
    busy.login(&email, &pw);
    for _ in 0..35 {
        app.clock.advance(chrono::Duration::minutes(20));
        assert_eq!(busy.get("/console").status, 200);
    }
    app.clock.advance(chrono::Duration::minutes(21));
    assert_eq!(busy.get("/console").status, 303);
    // Owners keep two weeks.
    app.clock.advance(chrono::Duration::days(13));
    assert_eq!(me.get("/me").status, 200);
    app.clock.advance(chrono::Duration::days(2));
    assert_eq!(me.get("/me").status, 303);
}

// --- the smaller items ------------------------------------------------------------------------

#[test]
fn a_page_number_past_any_list_is_a_bad_request_not_a_crash() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    assert_eq!(staff.get("/console?page=9223372036854775807").status, 400);
    assert_eq!(staff.get("/console?page=2").status, 200);
    assert_eq!(
        app.client()
            .get("/announcements?page=9223372036854775807")
            .status,
        200
    );
    assert_eq!(
        app.client()
            .get("/api/v1/announcements?page=9223372036854775807")
            .status,
        200
    );
}

#[test]
fn subscription_lists_are_capped_before_any_database_work() {
    let app = TestApp::spawn();
    let (uid, email) = owner(&app);
    let me = app.client();
    me.login(&email, PW);
    let csrf = me.csrf("/alerts/new");
    let mut fields: Vec<(String, String)> = vec![
        ("csrf_token".into(), csrf.clone()),
        ("frequency".into(), "instant".into()),
        ("channel".into(), "email".into()),
    ];
    for i in 0..60 {
        fields.push(("region".into(), format!("{}", 11000 + i)));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = me.post_form("/alerts", &pairs);
    assert_eq!(r.status, 422);
    r.assert_contains("지역은 50곳까지");
    let many_ksic = (0..25)
        .map(|i| format!("{:05}", 10000 + i))
        .collect::<Vec<_>>()
        .join(",");
    let r = me.post_form(
        "/alerts",
        &[
            ("csrf_token", &csrf),
            ("frequency", "instant"),
            ("channel", "email"),
            ("ksic", &many_ksic),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("업종 코드는 20개까지");
    let n: i64 = subscriptions::table
        .filter(subscriptions::user_id.eq(&uid))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn a_nul_character_in_a_console_form_is_dropped_not_a_server_error() {
    // PostgreSQL text cannot hold NUL: it used to be a 500 there.
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let c = app.client();
    c.login(&email, &pw);
    let id = create_announcement(&c, &[("title", "2027년 울산\u{0} 소상공인 지원")]);
    let a = jiwon::announcements::store::find(&mut app.conn(), &id)
        .unwrap()
        .expect("saved");
    assert_eq!(a.title, "2027년 울산 소상공인 지원");
}
