//! Webhooks to the agency's own system (issue 12 item 5): an agency admin sets a URL and
//! gets a secret once; routing a submission queues a signed delivery; a separate receiver
//! (`tests/support/webhook_receiver.py`, Python's own hmac) answers 500 first, so the queue
//! retries after its backoff and the second attempt lands; the log shows it, replay sends
//! again, and only the agency's admin sees or replays it.
//!
//! Needs `python3`; without it the test prints one `SKIPPED: <reason>` line and passes.

mod common;

use common::applications::submit;
use common::webhooks::Receiver;
use common::{create_announcement, TestApp};
use diesel::prelude::*;
use jiwon::applications::store;
use jiwon::db::schema::webhook_deliveries;

const PW: &str = "owner password 123";

fn deliveries(app: &TestApp) -> Vec<(String, String, i32, Option<i32>)> {
    webhook_deliveries::table
        .select((
            webhook_deliveries::id,
            webhook_deliveries::status,
            webhook_deliveries::attempts,
            webhook_deliveries::last_status_code,
        ))
        .load(&mut app.conn())
        .expect("deliveries")
}

/// POST a form of the webhooks page, with the page's CSRF token.
fn post(c: &common::Client, path: &str, fields: &[(&str, &str)]) -> common::Resp {
    let token = c.csrf("/console/webhooks");
    let mut all = fields.to_vec();
    all.push(("csrf_token", &token));
    c.post_form(path, &all)
}

#[test]
fn a_submission_is_delivered_signed_retried_logged_and_replayed_only_by_its_agency_admin() {
    let tmp = tempfile::tempdir().expect("tmp");
    let receiver = match Receiver::start(tmp.path()) {
        Ok(r) => r,
        Err(why) => {
            println!("SKIPPED: {why}");
            return;
        }
    };
    let app = TestApp::spawn_with(|c| c.push_allow_private = true);
    let (_, admin, apw) = app.staff("중소벤처기업부", "admin");
    let (_, editor, epw) = app.staff("중소벤처기업부", "editor");
    let (_, other, opw) = app.staff("울산광역시", "admin");
    let (owner, _) = app.owner_with(PW, |_| {});

    // An editor is not the agency's admin.
    let ed = app.client();
    ed.login(&editor, &epw);
    assert_eq!(ed.get("/console/webhooks").status, 403);

    let ad = app.client();
    ad.login(&admin, &apw);
    let page = ad.get("/console/webhooks");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("아직 보낸 기록이 없습니다"));

    // A bad URL: a Korean message at the field, nothing saved.
    let bad = post(
        &ad,
        "/console/webhooks",
        &[("url", "ftp://example.com/hook")],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("url-error"), "{}", bad.body);
    assert!(bad.body.contains("https 주소만 받습니다"), "{}", bad.body);

    // The secret is shown once, at creation.
    let url = format!("http://127.0.0.1:{}/hook", receiver.port);
    let made = post(&ad, "/console/webhooks", &[("url", &url)]);
    assert_eq!(made.status, 200, "{}", made.body);
    let at = made
        .body
        .find("id=\"webhook-secret\">")
        .expect("secret shown")
        + 20;
    let secret = made.body[at..at + made.body[at..].find('<').unwrap()].to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    std::fs::write(&receiver.secret_file, &secret).expect("secret file");
    assert!(!ad.get("/console/webhooks").body.contains(&secret));

    let ann = create_announcement(&ed, &[("title", "온라인 판로 지원사업")]);
    let id = submit(&app, &ann, &owner, "1234567890", "울산 식당");
    // The route job queued the delivery; the next tick attempts it: 500.
    app.tick();
    let reqs = receiver.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0]["answered"], 500);
    let d = deliveries(&app);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].1.as_str(), d[0].2, d[0].3), ("failed", 1, Some(500)));

    // Past the backoff the queue retries, and this time it lands.
    app.clock.advance(chrono::Duration::hours(2));
    app.tick();
    let reqs = receiver.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    for r in &reqs {
        assert_eq!(r["verified"], true, "{r}");
        assert_eq!(r["event"], "application.submitted");
        assert_eq!(r["content_type"], "application/json");
    }
    let body = &reqs[1]["body"];
    assert_eq!(body["id"], d[0].0.as_str());
    assert_eq!(body["program"]["title"], "온라인 판로 지원사업");
    assert_eq!(body["business"]["name"], "울산 식당");
    assert_eq!(body["business"]["number"], "1234567890");
    assert_eq!(body["answers"]["plan"], "온라인 판로 확대");
    assert!(body["submitted_at"].as_str().unwrap().ends_with("+09:00"));
    let d = deliveries(&app);
    assert_eq!(
        (d[0].1.as_str(), d[0].2, d[0].3),
        ("delivered", 2, Some(200))
    );
    let receipt = store::application(&mut app.conn(), &id)
        .unwrap()
        .unwrap()
        .receipt_no
        .unwrap();

    // The log shows it (signed in again: two hours passed).
    ad.login(&admin, &apw);
    let page = ad.get("/console/webhooks");
    assert!(
        page.body.contains("application.submitted"),
        "{} {}",
        page.status,
        page.body
    );
    assert!(page.body.contains(&receipt));
    assert!(page.body.contains("전송됨"));

    // Another agency's admin neither sees nor replays it.
    let ot = app.client();
    ot.login(&other, &opw);
    let theirs = ot.get("/console/webhooks");
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains(&receipt));
    assert_eq!(
        post(&ot, "/console/webhooks/replay", &[("delivery", &d[0].0)]).status,
        404
    );
    app.tick();
    assert_eq!(receiver.requests().len(), 2);

    // Replay sends it again, signed with the rotated secret beside the old one.
    let rotated = post(&ad, "/console/webhooks/rotate", &[]);
    assert_eq!(rotated.status, 200);
    assert!(rotated.body.contains("id=\"webhook-secret\">whsec_"));
    let r = post(&ad, "/console/webhooks/replay", &[("delivery", &d[0].0)]);
    assert!(r.status == 303 || r.status == 302, "{}", r.status);
    app.tick();
    let reqs = receiver.requests();
    assert_eq!(reqs.len(), 3, "{reqs:?}");
    // The receiver still has the old secret: the previous signature still verifies.
    assert_eq!(reqs[2]["verified"], true);
    assert_eq!(reqs[2]["delivery"], d[0].0.as_str());
    let page = ad.get("/console/webhooks");
    assert!(
        page.body.contains("(KST)까지 함께 서명 중"),
        "{}",
        page.body
    );

    // A day later the previous secret no longer signs: a receiver still holding it
    // fails to verify, and one given the new secret succeeds.
    app.clock.advance(chrono::Duration::hours(25));
    let ad = app.client();
    ad.login(&admin, &apw);
    assert!(!ad.get("/console/webhooks").body.contains("함께 서명 중"));
    let r = post(&ad, "/console/webhooks/replay", &[("delivery", &d[0].0)]);
    assert!(r.status == 303 || r.status == 302, "{}", r.status);
    app.tick();
    let reqs = receiver.requests();
    assert_eq!(reqs.len(), 4, "{reqs:?}");
    assert_eq!(reqs[3]["verified"], false, "old secret after 24 h");
    let at = rotated.body.find("id=\"webhook-secret\">").expect("secret")
        + "id=\"webhook-secret\">".len();
    let new_secret = &rotated.body[at..at + rotated.body[at..].find('<').unwrap()];
    std::fs::write(&receiver.secret_file, new_secret).expect("secret file");
    post(&ad, "/console/webhooks/replay", &[("delivery", &d[0].0)]);
    app.tick();
    let reqs = receiver.requests();
    assert_eq!(reqs.len(), 5, "{reqs:?}");
    assert_eq!(reqs[4]["verified"], true, "the new secret");

    // Each admin action is in the agency's audit log, without the secrets.
    let log = ad.get("/console/audit");
    assert_eq!(log.status, 200);
    for action in ["웹훅 주소 설정", "웹훅 비밀키 교체", "웹훅 다시 보냄"] {
        assert!(log.body.contains(action), "{action}: {}", log.body);
    }
    assert!(!log.body.contains("whsec_"));
    assert!(!ot.get("/console/audit").body.contains("웹훅 주소 설정"));

    // Deactivated: the next submission sends nothing.
    post(&ad, "/console/webhooks/deactivate", &[]);
    submit(&app, &ann, &owner, "2234567890", "부산 카페");
    app.tick();
    assert_eq!(receiver.requests().len(), 5);
}
