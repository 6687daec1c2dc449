//! Subscriptions and alerts end to end: a real SMTP server receives the email, a local
//! HTTP server plays the SMS provider, the clock decides quiet hours and reminders.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Duration as Days, NaiveDate};
use common::smtp::SmtpSink;
use common::*;
use diesel::prelude::*;
use jiwon::alerts::model::OwnerProfile;
use jiwon::alerts::store;
use jiwon::clock::from_kst;
use jiwon::db::schema::{consents, deliveries, subscriptions};
use jiwon::ids::new_id;

const PW: &str = "owner password 123";

/// A verified owner with a profile; returns (user id, email).
fn owner(app: &TestApp, adjust: impl FnOnce(&mut OwnerProfile)) -> (String, String) {
    app.owner_with(PW, adjust)
}

fn subscribe(client: &Client, fields: &[(&str, &str)]) -> Resp {
    let csrf = client.csrf("/alerts/new");
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    client.post_form("/alerts", &all)
}

fn publish(app: &TestApp, staff: &Client, overrides: &[(&str, &str)]) -> String {
    let id = create_announcement(staff, overrides);
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    let r = staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(
        r.status,
        303,
        "publish: {}",
        r.body.chars().take(500).collect::<String>()
    );
    let _ = app;
    id
}

fn staff_client(app: &TestApp) -> Client {
    let (_, email, pw) = app.staff("중소벤처기업부", "editor");
    let c = app.client();
    c.login(&email, &pw);
    c
}

fn statuses(app: &TestApp) -> Vec<(String, String, String)> {
    deliveries::table
        .select((deliveries::channel, deliveries::kind, deliveries::status))
        .load(&mut app.conn())
        .expect("deliveries")
}

#[test]
fn a_matching_owner_gets_one_email_with_the_reason_and_can_leave_with_one_click() {
    let Some(sink) = SmtpSink::start("alerts email") else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(sink.url()));
    let (_, email) = owner(&app, |_| {});
    let me = app.client();
    me.login(&email, PW);
    let r = subscribe(
        &me,
        &[
            ("name", "울산 판로"),
            ("mode", "custom"),
            ("category", "내수"),
            ("region", "31000"),
            ("frequency", "instant"),
            ("channel", "email"),
        ],
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(800).collect::<String>()
    );
    assert!(me
        .get("/me/subscriptions")
        .text()
        .contains("분야: 내수 · 지역: 울산"));

    let staff = staff_client(&app);
    let ulsan = publish(&app, &staff, &[]);
    // A program elsewhere does not reach them.
    publish(
        &app,
        &staff,
        &[("title", "2027년 부산 수출 바우처"), ("regions", "26")],
    );
    app.tick();
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)), 1);
    app.tick();
    app.tick();
    std::thread::sleep(Duration::from_millis(300));
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "exactly one message, never twice");
    let m = &mails[0];
    assert_eq!(m.to, email);
    assert!(
        m.subject
            .contains("2027년 울산 소상공인 온라인 판로 지원사업"),
        "{}",
        m.subject
    );
    assert!(
        m.text.contains("알림 조건: 분야: 내수, 지역: 울산"),
        "{}",
        m.text
    );
    assert!(m.html.contains("알림 조건: 분야: 내수, 지역: 울산"));
    assert!(m.text.contains("2026.12.31"), "deadline shown: {}", m.text);
    assert_eq!(
        m.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let unsub = m.header("List-Unsubscribe").expect("List-Unsubscribe");
    let url = unsub.trim_matches(|c| c == '<' || c == '>');
    assert!(url.starts_with("http://jiwon.test/unsubscribe/"));

    // The link in the mail goes to the announcement and counts the click.
    let link = m.link("http://jiwon.test/t/c/").expect("tracked link");
    let r = app
        .client()
        .get(link.trim_start_matches("http://jiwon.test"));
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), format!("/announcements/{ulsan}"));
    let clicked: i64 = deliveries::table
        .filter(deliveries::clicked_at.is_not_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(clicked, 1);

    // One-click unsubscribe as a mail client does it: a POST without cookies or CSRF.
    let path = url.trim_start_matches("http://jiwon.test");
    let anon = app.client();
    let r = anon.post_form(path, &[("List-Unsubscribe", "One-Click")]);
    assert_eq!(
        r.status,
        200,
        "{}",
        r.body.chars().take(500).collect::<String>()
    );
    assert!(r.text().contains("알림을 해지했습니다"));
    let withdrawn: i64 = consents::table
        .filter(consents::granted.eq(false))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(withdrawn, 1, "the withdrawal is recorded");
    // A forged token is refused.
    assert_eq!(anon.post_form("/unsubscribe/czpmb28.0000", &[]).status, 404);

    publish(
        &app,
        &staff,
        &[("title", "2027년 울산 소상공인 배달앱 수수료 지원")],
    );
    app.tick();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sink.count(), 1, "nothing after unsubscribing");
}

#[test]
fn email_only_subscription_starts_only_after_the_confirmation_link() {
    let Some(sink) = SmtpSink::start("alerts double opt-in") else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(sink.url()));
    let visitor = app.client();
    // Without consent: an error at the field, values kept.
    let r = subscribe(
        &visitor,
        &[
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "email"),
            ("email", "cafe@example.com"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r.text().contains("알림 메일 수신에 동의해 주세요"));
    assert!(r.text().contains("cafe@example.com"));
    let r = subscribe(
        &visitor,
        &[
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "email"),
            ("email", "cafe@example.com"),
            ("consent", "1"),
        ],
    );
    assert_eq!(r.status, 200);
    assert!(r.text().contains("확인 메일을 보냈습니다"));
    app.tick();
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)), 1);
    let confirm = sink.messages()[0]
        .link("http://jiwon.test/alerts/confirm/")
        .expect("confirmation link");
    assert!(sink.messages()[0].text.contains("신청 내용: 분야: 내수"));

    // Not confirmed yet: a matching announcement sends nothing.
    let staff = staff_client(&app);
    publish(&app, &staff, &[]);
    app.tick();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 1);

    let path = confirm.trim_start_matches("http://jiwon.test");
    let csrf = visitor.csrf(path);
    let r = visitor.post_form(path, &[("csrf_token", &csrf)]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("알림이 시작되었습니다"));
    // The link works once.
    assert_eq!(
        visitor.post_form(path, &[("csrf_token", &csrf)]).status,
        410
    );
    let consent: Vec<(String, String)> = consents::table
        .select((consents::channel, consents::source))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(
        consent,
        vec![("email".to_string(), "확인 메일 링크(이중 동의)".to_string())]
    );

    publish(
        &app,
        &staff,
        &[("title", "2027년 울산 소상공인 배달앱 수수료 지원")],
    );
    app.tick();
    assert_eq!(sink.wait_for(2, Duration::from_secs(10)), 2);
    let m = &sink.messages()[1];
    assert_eq!(m.to, "cafe@example.com");
    assert!(m.subject.contains("배달앱 수수료"));
}

#[test]
fn profile_alerts_respect_eligibility_and_explain_the_match() {
    let Some(sink) = SmtpSink::start("alerts profile") else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(sink.url()));
    let (_, email) = owner(&app, |p| {
        p.region_code = Some("31140".into()); // 울산 남구
        p.ksic_code = Some("56111".into()); // 한식 일반 음식점업
        p.founded_on = NaiveDate::from_ymd_opt(2015, 5, 1);
    });
    let me = app.client();
    me.login(&email, PW);
    let r = subscribe(
        &me,
        &[
            ("mode", "profile"),
            ("frequency", "instant"),
            ("channel", "email"),
        ],
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(800).collect::<String>()
    );
    let staff = staff_client(&app);
    // Startups under 7 years only: this owner (11 years) is not told.
    publish(
        &app,
        &staff,
        &[("title", "울산 청년 창업 식당 지원"), ("biz_age_max", "7")],
    );
    // Open to restaurants in 울산: told, with the reason.
    publish(&app, &staff, &[("title", "울산 음식점 위생 개선 지원")]);
    // Manufacturing only: not told.
    publish(
        &app,
        &staff,
        &[("title", "울산 제조업 스마트공장"), ("ksic_include", "C")],
    );
    app.tick();
    sink.wait_for(1, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(500));
    let mails = sink.messages();
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(mails.len(), 1, "{subjects:?}");
    assert!(mails[0].subject.contains("음식점 위생"));
    assert!(
        mails[0]
            .text
            .contains("내 사업 정보에 맞음 — 지역: 울산 남구, 업종: 한식 일반 음식점업"),
        "{}",
        mails[0].text
    );
}

#[test]
fn an_instant_alert_wins_over_a_digest_when_two_subscriptions_match() {
    let Some(sink) = SmtpSink::start("alerts instant over digest") else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(sink.url()));
    let profile_sub = [
        ("mode", "profile"),
        ("frequency", "instant"),
        ("channel", "email"),
    ];
    let daily_sub = [
        ("category", "내수"),
        ("frequency", "daily"),
        ("channel", "email"),
    ];
    // Both orders of creation, so neither "first found" nor "last found" can pass by luck.
    let mut owners = Vec::new();
    for first_daily in [true, false] {
        let (id, email) = owner(&app, |p| p.region_code = Some("31140".into()));
        let me = app.client();
        me.login(&email, PW);
        let (a, b) = if first_daily {
            (&daily_sub, &profile_sub)
        } else {
            (&profile_sub, &daily_sub)
        };
        assert_eq!(subscribe(&me, a).status, 303);
        assert_eq!(subscribe(&me, b).status, 303);
        owners.push((id, email));
    }
    let staff = staff_client(&app);
    publish(&app, &staff, &[("title", "울산 소상공인 배달 수수료 지원")]);
    app.tick();
    assert_eq!(sink.wait_for(2, Duration::from_secs(10)), 2);
    std::thread::sleep(Duration::from_millis(300));
    let mails = sink.messages();
    assert_eq!(mails.len(), 2, "one instant email each, now");
    for (id, email) in &owners {
        assert!(
            mails.iter().any(|m| &m.to == email),
            "{email} was told at once"
        );
        let rows: Vec<(String, String)> = deliveries::table
            .filter(deliveries::user_id.eq(id))
            .select((deliveries::frequency, deliveries::status))
            .load(&mut app.conn())
            .unwrap();
        assert_eq!(
            rows,
            [("instant".to_string(), "sent".to_string())],
            "{email}"
        );
    }
}

/// A local SMS provider that records what it is sent.
fn sms_server() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    use actix_web::{web, App, HttpResponse, HttpServer};
    let got: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    let g = got.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                let g = g.clone();
                App::new().route(
                    "/send",
                    web::post().to(
                        move |req: actix_web::HttpRequest, body: web::Json<serde_json::Value>| {
                            let g = g.clone();
                            async move {
                                let auth = req
                                    .headers()
                                    .get("authorization")
                                    .and_then(|v| v.to_str().ok());
                                if auth != Some("Bearer sms-key") {
                                    return HttpResponse::Unauthorized()
                                        .json(serde_json::json!({"error": "key"}));
                                }
                                let mut v = body.into_inner();
                                v["idempotency_key"] = serde_json::json!(req
                                    .headers()
                                    .get("idempotency-key")
                                    .and_then(|v| v.to_str().ok()));
                                g.lock().unwrap().push(v);
                                HttpResponse::Ok().json(serde_json::json!({"message_id": "m-1"}))
                            }
                        },
                    ),
                )
            })
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    (url, got)
}

#[test]
fn sms_waits_for_morning_and_its_short_link_counts_the_click() {
    let (url, got) = sms_server();
    let app = TestApp::spawn_with(|c| {
        c.sms_url = Some(url.clone());
        c.sms_key = Some("sms-key".into());
    });
    let (_, email) = owner(&app, |p| {
        p.phone = Some("01012345678".into());
        p.phone_verified_at = Some(noon_kst());
    });
    let me = app.client();
    me.login(&email, PW);
    let r = subscribe(
        &me,
        &[
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "sms"),
            ("channel", "email"),
        ],
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(800).collect::<String>()
    );
    // 23:00 KST: published at night.
    let night = from_kst(
        NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(23, 0, 0)
            .unwrap(),
    );
    app.clock.set(night);
    let staff = staff_client(&app);
    let id = publish(&app, &staff, &[]);
    app.tick();
    std::thread::sleep(Duration::from_millis(200));
    assert!(got.lock().unwrap().is_empty(), "no SMS at 23:00");
    let s = statuses(&app);
    assert!(
        s.contains(&("email".into(), "new".into(), "sent".into())),
        "email is not held: {s:?}"
    );
    assert!(
        s.contains(&("sms".into(), "new".into(), "queued".into())),
        "{s:?}"
    );
    app.clock.set(night + Days::hours(8) + Days::minutes(50)); // 07:50 the next morning
    app.tick();
    assert!(got.lock().unwrap().is_empty(), "still quiet at 07:50");
    app.clock.set(night + Days::hours(9) + Days::minutes(1)); // 08:01
    app.tick();
    let sent = got.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    let sms = &sent[0];
    assert_eq!(sms["to"], "01012345678");
    assert_eq!(sms["from"], "0212345678");
    let text = sms["text"].as_str().unwrap();
    assert!(text.contains("[지원]"), "{text}");
    let link_start = text.find("http://jiwon.test/s/").expect("short link");
    let link = text[link_start..].split_whitespace().next().unwrap();
    assert!(sms["idempotency_key"]
        .as_str()
        .unwrap()
        .contains("|sms|new"));
    let r = app
        .client()
        .get(link.trim_start_matches("http://jiwon.test"));
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), format!("/announcements/{id}"));
    app.tick();
    assert_eq!(got.lock().unwrap().len(), 1, "never twice");

    // The way out, in the text itself: `수신거부 <short link>` → the unsubscribe page,
    // whose one button ends the subscription (no account, cookie or CSRF needed).
    let stop_start = text
        .find("수신거부 http://jiwon.test/x/")
        .expect("opt-out line")
        + "수신거부 ".len();
    let stop = text[stop_start..].split_whitespace().next().unwrap();
    let anon = app.client();
    let r = anon.get(stop.trim_start_matches("http://jiwon.test"));
    assert_eq!(r.status, 303);
    let page = anon.get(r.location());
    assert_eq!(page.status, 200);
    assert!(page.text().contains("알림"), "{}", page.text());
    let r = anon.post_form(r.location(), &[]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("알림을 해지했습니다"));
    assert_eq!(anon.get("/x/nope").status, 404);
    let clicks: i64 = deliveries::table
        .filter(deliveries::clicked_at.is_not_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(
        clicks, 1,
        "opening the way out is not a click on the announcement"
    );
    // Hours later the editor's session has ended (30 idle minutes): they sign in again.
    let staff = staff_client(&app);
    publish(
        &app,
        &staff,
        &[("title", "2027년 울산 소상공인 배달앱 수수료 지원")],
    );
    app.tick();
    assert_eq!(got.lock().unwrap().len(), 1, "no SMS after 수신거부");
}

#[test]
fn bookmarks_remind_before_the_deadline_and_tell_what_changed() {
    let Some(sink) = SmtpSink::start("alerts reminders") else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(sink.url()));
    let (_, email) = owner(&app, |_| {});
    let staff = staff_client(&app);
    let id = publish(
        &app,
        &staff,
        &[("apply_start", "2026-11-20"), ("apply_end", "2026-12-10")],
    );
    let me = app.client();
    me.login(&email, PW);
    let page = me.get(&format!("/bookmarks/new?announcement={id}"));
    assert!(page.text().contains("마감 D-7, D-1에"));
    let csrf = extract_csrf(&page.body).unwrap();
    let r = me.post_form(
        "/me/bookmarks",
        &[("csrf_token", &csrf), ("announcement", &id)],
    );
    assert_eq!(r.status, 303);
    app.tick();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(sink.count(), 0, "16 days before: nothing yet");
    // 2026-12-03 09:00 KST: D-7.
    app.clock.set(from_kst(
        NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
    ));
    app.tick();
    app.tick();
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)), 1);
    assert!(
        sink.messages()[0].subject.contains("마감 7일 전"),
        "{}",
        sink.messages()[0].subject
    );
    // A material correction: the deadline moves. Days have passed, so the editor signs in
    // again (staff sessions end after 30 idle minutes).
    let staff = staff_client(&app);
    let csrf = staff.csrf(&format!("/console/announcements/{id}/correct"));
    let form = announcement_form(
        &csrf,
        &[
            ("apply_start", "2026-11-20"),
            ("apply_end", "2026-12-20"),
            ("reason", "예산 추가로 기간 연장"),
        ],
    );
    let r = staff.post_form(&format!("/console/announcements/{id}/correct"), &form);
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(800).collect::<String>()
    );
    app.tick();
    assert_eq!(sink.wait_for(2, Duration::from_secs(10)), 2);
    let m = &sink.messages()[1];
    assert!(m.subject.contains("공고 정정"), "{}", m.subject);
    assert!(m.text.contains("예산 추가로 기간 연장"));
    assert!(
        m.text
            .contains("접수 마감: 2026-12-10 23:59 → 2026-12-20 23:59"),
        "old → new: {}",
        m.text
    );
    assert!(m.text.contains("정정 1차 사유"), "{}", m.text);
    // D-1 of the new deadline.
    app.clock.set(from_kst(
        NaiveDate::from_ymd_opt(2026, 12, 19)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
    ));
    app.tick();
    assert_eq!(sink.wait_for(3, Duration::from_secs(10)), 3);
    assert!(sink.messages()[2].subject.contains("마감 1일 전"));
    app.tick();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 3);
}

#[test]
fn daily_digest_arrives_at_the_owners_hour_with_every_item() {
    let Some(sink) = SmtpSink::start("alerts digest") else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(sink.url()));
    let (_, email) = owner(&app, |p| p.digest_hour = 9);
    let me = app.client();
    me.login(&email, PW);
    let r = subscribe(
        &me,
        &[
            ("category", "내수"),
            ("frequency", "daily"),
            ("channel", "email"),
        ],
    );
    assert_eq!(r.status, 303);
    let staff = staff_client(&app);
    publish(&app, &staff, &[]);
    publish(
        &app,
        &staff,
        &[("title", "2027년 울산 소상공인 배달앱 수수료 지원")],
    );
    app.tick(); // 12:00 KST ≥ 09:00: today's digest goes now
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)), 1);
    let m = &sink.messages()[0];
    assert!(m.subject.contains("오늘의 맞춤 공고 2건"), "{}", m.subject);
    assert!(m.text.contains("온라인 판로") && m.text.contains("배달앱"));
    // A third one waits for tomorrow's digest.
    publish(&app, &staff, &[("title", "울산 소상공인 간판 교체 지원")]);
    app.tick();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 1);
    app.clock.set(app.now() + Days::days(1) - Days::hours(4)); // tomorrow 08:00 KST
    app.tick();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 1, "before the owner's hour");
    app.clock.set(app.now() + Days::hours(1)); // 09:00
    app.tick();
    assert_eq!(sink.wait_for(2, Duration::from_secs(10)), 2);
    assert!(sink.messages()[1].subject.contains("1건"));
}

#[test]
fn agency_sees_reach_before_and_results_after() {
    let app = TestApp::spawn();
    for _ in 0..3 {
        let (uid, _) = owner(&app, |_| {});
        let mut conn = app.conn();
        let c = jiwon::alerts::criteria::Criteria {
            categories: vec!["내수".into()],
            ..Default::default()
        }
        .canonical();
        let cid = store::criteria_id_for(&mut conn, &c, app.now()).unwrap();
        store::insert_subscription(
            &mut conn,
            &jiwon::alerts::model::Subscription {
                id: new_id(),
                user_id: Some(uid),
                email: None,
                name: "내수".into(),
                criteria_id: cid,
                spec: c.to_json(),
                is_profile: false,
                frequency: "instant".into(),
                channels: "[\"email\"]".into(),
                status: "active".into(),
                created_at: app.now(),
                confirmed_at: Some(app.now()),
                updated_at: app.now(),
            },
        )
        .unwrap();
    }
    let n: i64 = subscriptions::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 3);
    let staff = staff_client(&app);
    let id = create_announcement(&staff, &[]);
    let page = staff.get(&format!("/console/announcements/{id}/alerts"));
    assert_eq!(page.status, 200);
    assert!(page.text().contains("3명"), "{}", page.text());
    // 지금 게시 asks once, saying who will hear of it; the button on that page publishes.
    let manage = staff.get(&format!("/console/announcements/{id}"));
    assert!(manage.text().contains("지금 게시"));
    let confirm = staff.get(&format!("/console/announcements/{id}/publish"));
    assert_eq!(confirm.status, 200);
    let text = confirm.text();
    assert!(
        text.contains("<strong>3명</strong>(구독 3건)에게 알림이 갑니다"),
        "{text}"
    );
    assert!(text.contains("게시하고 알림 보내기"));
    let n: i64 = deliveries::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 0, "asking sends nothing");
    let csrf = extract_csrf(&confirm.body).expect("form token");
    let r = staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    // Once published, the confirmation page only leads back.
    let again = staff.get(&format!("/console/announcements/{id}/publish"));
    assert_eq!(again.status, 303);
    app.tick();
    app.client().get(&format!("/announcements/{id}"));
    let page = staff
        .get(&format!("/console/announcements/{id}/alerts"))
        .text();
    assert!(
        page.contains("<td>이메일</td><td>3</td><td>3</td>"),
        "{page}"
    );
    assert!(page.contains("발송일"));
    // Another agency's staff may not look.
    let (_, other, pw) = app.staff("부산광역시", "admin");
    let c = app.client();
    c.login(&other, &pw);
    assert_eq!(
        c.get(&format!("/console/announcements/{id}/alerts")).status,
        403
    );
    // The outbox (development) holds the three messages.
    let outbox = app.client().get("/dev/outbox").text();
    assert_eq!(outbox.matches(".eml</a>").count(), 3, "{outbox}");
    // It holds sign-up and reset links: not for anyone coming through a proxy.
    let proxied = app
        .client()
        .get_with("/dev/outbox", ("X-Forwarded-For", "203.0.113.9"));
    assert_eq!(proxied.status, 404);
    let name = outbox
        .split("/dev/outbox/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a message link");
    let path = format!("/dev/outbox/{name}");
    assert_eq!(app.client().get(&path).status, 200);
    assert_eq!(
        app.client()
            .get_with(&path, ("Forwarded", "for=203.0.113.9"))
            .status,
        404
    );
}

#[test]
fn failing_deliveries_retry_then_dead_letter_and_the_operator_can_retry() {
    // A closed port: the SMTP server is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.delivery_max_attempts = 2;
    });
    let (_, email) = owner(&app, |_| {});
    let me = app.client();
    me.login(&email, PW);
    subscribe(
        &me,
        &[
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "email"),
        ],
    );
    let staff = staff_client(&app);
    publish(&app, &staff, &[]);
    app.tick();
    assert!(statuses(&app).contains(&("email".into(), "new".into(), "queued".into())));
    app.clock.set(app.now() + Days::minutes(5));
    app.tick();
    assert!(
        statuses(&app).contains(&("email".into(), "new".into(), "dead".into())),
        "{:?}",
        statuses(&app)
    );
    let (op, pw) = app.operator();
    let c = app.client();
    c.login(&op, &pw);
    let page = c.get("/admin/deliveries");
    assert!(
        page.text().contains("실패(재시도 중지) 1건"),
        "{}",
        page.text()
    );
    assert!(
        page.text().contains("ow***@example.com"),
        "addresses are masked"
    );
    let id: String = deliveries::table
        .filter(deliveries::status.eq("dead"))
        .select(deliveries::id)
        .first(&mut app.conn())
        .unwrap();
    let csrf = extract_csrf(&page.body).unwrap();
    assert_eq!(
        c.post_form(
            &format!("/admin/deliveries/{id}/retry"),
            &[("csrf_token", &csrf)]
        )
        .status,
        303
    );
    assert!(statuses(&app).contains(&("email".into(), "new".into(), "queued".into())));
    // Owners may not see the page.
    assert_eq!(me.get("/admin/deliveries").status, 403);
}

#[test]
fn push_registration_refusals_answer_in_the_api_error_shape() {
    let app = TestApp::spawn();
    let (uid, email) = owner(&app, |_| {});
    let me = app.client();
    me.login(&email, PW);
    let csrf = me.csrf("/me/subscriptions");
    let header = ("X-CSRF-Token", csrf.as_str());
    let no_keys = me.post_json(
        "/api/v1/push/subscribe",
        header,
        &serde_json::json!({"endpoint": "https://push.example/abc"}),
    );
    assert_eq!(no_keys.status, 400, "{}", no_keys.body);
    let body = no_keys.json();
    assert_eq!(body["error"], "push_keys_missing");
    assert_eq!(body["message"], "구독 정보에 keys가 없습니다.");
    let bad_endpoint = me.post_json(
        "/api/v1/push/subscribe",
        header,
        &serde_json::json!({"endpoint": "ftp://push.example/abc",
                            "keys": {"p256dh": "BNc", "auth": "x"}}),
    );
    assert_eq!(bad_endpoint.status, 400, "{}", bad_endpoint.body);
    assert_eq!(bad_endpoint.json()["error"], "push_endpoint_invalid");
    let no_csrf = me.post_json(
        "/api/v1/push/subscribe",
        ("X-CSRF-Token", "wrong"),
        &serde_json::json!({"endpoint": "https://push.example/abc"}),
    );
    assert_eq!(no_csrf.status, 403);
    assert_eq!(no_csrf.json()["error"], "csrf_failed");
    assert!(store::push_endpoints_of(&mut app.conn(), &uid)
        .unwrap()
        .is_empty());
}

#[test]
fn the_email_only_form_comes_back_as_it_was_left() {
    let app = TestApp::spawn();
    let visitor = app.client();
    let filled = [
        ("name", "울산 음식점 알림"),
        ("category", "내수"),
        ("category", "금융"),
        ("region", "31000"),
        ("local_only", "1"),
        ("target", "소상공인"),
        ("keywords", "배달, 온라인 판로"),
        ("ksic", "56"),
        ("frequency", "weekly"),
        ("channel", "email"),
        ("consent", "1"),
    ];
    // Consent given, the address mistyped: only the address is wrong, nothing is lost.
    let mut fields = filled.to_vec();
    fields.push(("email", "Cafe-at-example.com"));
    let r = subscribe(&visitor, &fields);
    assert_eq!(r.status, 422);
    r.assert_contains("받을 이메일 주소를 정확히 적어 주세요");
    assert!(!r.text().contains("알림 메일 수신에 동의해 주세요"));
    let page = &r.body;
    assert!(
        is_checked(page, "consent", "1"),
        "the consent box was unticked"
    );
    assert_eq!(input_value(page, "email"), "Cafe-at-example.com");
    assert_eq!(input_value(page, "name"), "울산 음식점 알림");
    assert_eq!(input_value(page, "keywords"), "배달, 온라인 판로");
    assert_eq!(input_value(page, "ksic"), "56");
    for (name, value) in [
        ("category", "내수"),
        ("category", "금융"),
        ("region", "31000"),
        ("local_only", "1"),
        ("target", "소상공인"),
        ("frequency", "weekly"),
        ("channel", "email"),
    ] {
        assert!(is_checked(page, name, value), "{name}={value} was unticked");
    }
    for (name, value) in [
        ("category", "기술"),
        ("region", "11000"),
        ("target", "중소기업"),
        ("frequency", "instant"),
        ("frequency", "daily"),
    ] {
        assert!(!is_checked(page, name, value), "{name}={value} got ticked");
    }

    // Consent not given: the box stays unticked, with the Korean message at it.
    let fields: Vec<(&str, &str)> = filled
        .iter()
        .copied()
        .filter(|(k, _)| *k != "consent")
        .chain([("email", "cafe@example.com")])
        .collect();
    let r = subscribe(&visitor, &fields);
    assert_eq!(r.status, 422);
    r.assert_contains("알림 메일 수신에 동의해 주세요");
    assert!(!is_checked(&r.body, "consent", "1"));
    assert!(is_checked(&r.body, "frequency", "weekly"));
    assert_eq!(input_value(&r.body, "email"), "cafe@example.com");

    // Email unticked (no way to receive): it stays unticked, consent stays ticked.
    let fields: Vec<(&str, &str)> = filled
        .iter()
        .copied()
        .filter(|(k, _)| *k != "channel")
        .chain([("email", "cafe@example.com")])
        .collect();
    let r = subscribe(&visitor, &fields);
    assert_eq!(r.status, 422);
    r.assert_contains("받을 방법을 하나 이상 골라 주세요");
    assert!(!is_checked(&r.body, "channel", "email"));
    assert!(is_checked(&r.body, "consent", "1"));
    let n: i64 = subscriptions::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 0);

    // Sent: the page names the address the mail went to.
    let mut fields = filled.to_vec();
    fields.push(("email", "Cafe@Example.com"));
    let r = subscribe(&visitor, &fields);
    assert_eq!(r.status, 200);
    r.assert_contains("확인 메일을 보냈습니다");
    r.assert_contains("cafe@example.com");
}

#[test]
fn web_push_is_offered_only_when_it_is_configured() {
    // No VAPID key: not offered, explained, and a forged choice is refused at the field.
    let app = TestApp::spawn();
    let (uid, email) = owner(&app, |_| {});
    let me = app.client();
    me.login(&email, PW);
    let form = me.get("/alerts/new");
    assert_eq!(form.status, 200);
    assert!(inputs(&form.body, "channel", Some("push")).is_empty());
    assert!(is_checked(&form.body, "channel", "email"));
    form.assert_contains("웹 푸시(브라우저 알림)는 아직 준비 중이라 고를 수 없습니다");
    let r = subscribe(
        &me,
        &[
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "email"),
            ("channel", "push"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("웹 푸시는 아직 준비 중이라 고를 수 없습니다");
    assert!(inputs(&r.body, "channel", Some("push")).is_empty());
    assert!(is_checked(&r.body, "channel", "email"));
    assert!(is_checked(&r.body, "category", "내수"));
    let n: i64 = subscriptions::table
        .filter(subscriptions::user_id.eq(&uid))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 0);

    // Configured: offered, and a subscription can use it.
    let (private, public) = jiwon::alerts::push::generate_vapid_keys();
    let app = TestApp::spawn_with(|c| {
        c.vapid_private_key = Some(private);
        c.vapid_public_key = Some(public);
    });
    let (uid, email) = owner(&app, |_| {});
    let me = app.client();
    me.login(&email, PW);
    let form = me.get("/alerts/new");
    assert!(!is_checked(&form.body, "channel", "push"));
    assert!(!form.text().contains("준비 중"));
    let r = subscribe(
        &me,
        &[
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "email"),
            ("channel", "push"),
        ],
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(800).collect::<String>()
    );
    let channels: String = subscriptions::table
        .filter(subscriptions::user_id.eq(&uid))
        .select(subscriptions::channels)
        .first(&mut app.conn())
        .unwrap();
    let channels: Vec<String> = serde_json::from_str(&channels).unwrap();
    assert!(channels.contains(&"push".to_string()), "{channels:?}");
}

// --- refusals the authorization matrix (tests/authz_matrix.rs) found ----------------------

#[test]
fn removing_a_bookmark_that_is_not_yours_is_404_and_leaves_it() {
    let app = TestApp::spawn();
    let (a_id, a_email) = owner(&app, |_| {});
    let (_, b_email) = owner(&app, |_| {});
    let staff = staff_client(&app);
    let id = publish(&app, &staff, &[]);
    let a = app.client();
    a.login(&a_email, PW);
    let csrf = a.csrf(&format!("/bookmarks/new?announcement={id}"));
    let r = a.post_form(
        "/me/bookmarks",
        &[("csrf_token", &csrf), ("announcement", &id)],
    );
    assert_eq!(r.status, 303);

    let b = app.client();
    b.login(&b_email, PW);
    let csrf_b = b.csrf("/me/bookmarks");
    let path = format!("/me/bookmarks/{id}/delete");
    assert_eq!(b.post_form(&path, &[("csrf_token", &csrf_b)]).status, 404);
    assert!(store::is_bookmarked(&mut app.conn(), &a_id, &id).unwrap());

    let r = a.post_form(&path, &[("csrf_token", &csrf)]);
    assert_eq!((r.status, r.location()), (303, "/me/bookmarks"));
    assert!(!store::is_bookmarked(&mut app.conn(), &a_id, &id).unwrap());
    // Gone: a second press is 404 too, like a deleted subscription.
    assert_eq!(a.post_form(&path, &[("csrf_token", &csrf)]).status, 404);
}

#[test]
fn a_confirmation_link_that_is_not_valid_answers_410() {
    let app = TestApp::spawn();
    let r = app.client().get("/alerts/confirm/not-a-real-token");
    assert_eq!(r.status, 410);
    r.assert_contains("이미 쓰였거나 기간(7일)이 지났습니다");
}

#[test]
fn the_subscription_page_is_for_owners_only() {
    let app = TestApp::spawn();
    let (op_email, op_pw) = app.operator();
    let op = app.client();
    op.login(&op_email, &op_pw);
    let r = op.get("/me/subscriptions");
    assert_eq!((r.status, r.location()), (303, "/console"));
    let staff = staff_client(&app);
    let r = staff.get("/me/subscriptions");
    assert_eq!((r.status, r.location()), (303, "/console"));
    let (_, email) = owner(&app, |_| {});
    let me = app.client();
    me.login(&email, PW);
    assert_eq!(me.get("/me/subscriptions").status, 200);
}

/// Issue 11, 1: an alert made from a search alerts for what that search finds. The owner
/// searches "소상공인 지원" in 울산 and takes "이 조건으로 새 공고 알림 받기" as offered; of
/// two new 울산 programs the one the same search lists (its words apart, "지원" only in the
/// text) reaches them, the one it does not list doesn't.
#[test]
fn an_alert_made_from_a_search_hears_of_what_the_search_lists() {
    let Some(sink) = SmtpSink::start("alert from a search") else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(sink.url()));
    let (_, email) = owner(&app, |_| {});
    let me = app.client();
    me.login(&email, PW);
    // Every phase: the programs below open on 12월 1일, after the test's today.
    let search =
        "/announcements?q=%EC%86%8C%EC%83%81%EA%B3%B5%EC%9D%B8+%EC%A7%80%EC%9B%90&region=31&status=all";
    let listing = me.get(search);
    assert_eq!(listing.status, 200);
    let link = regex::Regex::new(r#"href="(/alerts/new\?[^"]+)">이 조건으로 새 공고 알림 받기"#)
        .unwrap()
        .captures(&listing.body)
        .map(|c| html_escape::decode_html_entities(&c[1]).to_string())
        .expect("the listing offers an alert for its search");
    let form = me.get(&link);
    assert_eq!(input_value(&form.body, "keywords"), "소상공인 지원");
    assert!(is_checked(&form.body, "region", "31000"));
    let name = input_value(&form.body, "name");
    let r = subscribe(
        &me,
        &[
            ("name", name.as_str()),
            ("mode", "custom"),
            ("region", "31000"),
            ("keywords", "소상공인 지원"),
            ("frequency", "instant"),
            ("channel", "email"),
        ],
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(800).collect::<String>()
    );

    let staff = staff_client(&app);
    // The words apart and in another order; "지원" only in the body.
    let heard = publish(
        &app,
        &staff,
        &[
            ("title", "2027년 울산 소상공인 배달앱 수수료 사업"),
            (
                "summary",
                "울산 소상공인의 배달앱 수수료 부담을 덜어 드립니다.",
            ),
            ("body", "배달앱 중개 수수료의 절반을 지원합니다."),
        ],
    );
    // 울산, 지원, but not for 소상공인 in any word search reads.
    let unheard = publish(
        &app,
        &staff,
        &[
            ("title", "2027년 울산 수출 바우처 지원"),
            ("summary", "울산 수출 중소기업의 해외 마케팅 비용"),
            ("body", "해외 전시회 참가비를 지원합니다."),
            ("targets", "중소기업"),
        ],
    );
    app.tick();
    let listed = me.get(search).text();
    assert!(
        listed.contains("배달앱 수수료 사업"),
        "the search lists the first"
    );
    let second = listed
        .find("울산 수출 바우처 지원")
        .map(|i| &listed[i.saturating_sub(300)..(i + 300).min(listed.len())]);
    assert!(second.is_none(), "and not the second: {second:?}");
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)), 1);
    app.tick();
    std::thread::sleep(Duration::from_millis(300));
    let mails = sink.messages();
    assert_eq!(
        mails.len(),
        1,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(
        mails[0].subject.contains("배달앱 수수료 사업"),
        "{}",
        mails[0].subject
    );
    assert!(
        mails[0].text.contains("키워드: 소상공인 지원"),
        "{}",
        mails[0].text
    );
    let alerted: Vec<Option<String>> = deliveries::table
        .select(deliveries::announcement_id)
        .load(&mut app.conn())
        .unwrap();
    assert!(alerted.contains(&Some(heard)) && !alerted.contains(&Some(unheard)));
}
