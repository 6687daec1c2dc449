//! Messages you can trust: the way out of a correction or a reminder stops that kind of
//! message for that announcement only, a used link says it is done, alerts can be
//! edited, paused and deleted with a confirmation, and the terms, privacy policy and
//! help pages exist, quote the configured operator and are versioned on every consent.

mod common;

use chrono::NaiveDate;
use common::mail::mails_to;
use common::*;
use diesel::prelude::*;
use jiwon::clock::from_kst;
use jiwon::db::schema::{consents, deliveries, subscriptions};

const PW: &str = "owner password 123";

fn staff_client(app: &TestApp) -> Client {
    let (_, email, pw) = app.staff("중소벤처기업부", "editor");
    let c = app.client();
    c.login(&email, &pw);
    c
}

fn publish(staff: &Client, overrides: &[(&str, &str)]) -> String {
    let id = create_announcement(staff, overrides);
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    let r = staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303, "publish");
    id
}

fn correct(staff: &Client, id: &str, end: &str, reason: &str) {
    let csrf = staff.csrf(&format!("/console/announcements/{id}/correct"));
    let form = announcement_form(
        &csrf,
        &[
            ("apply_start", "2026-11-20"),
            ("apply_end", end),
            ("reason", reason),
        ],
    );
    let r = staff.post_form(&format!("/console/announcements/{id}/correct"), &form);
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(600).collect::<String>()
    );
}

fn signed_in_owner(app: &TestApp) -> (String, String, Client) {
    let (id, email) = app.owner_with(PW, |_| {});
    let c = app.client();
    c.login(&email, PW);
    (id, email, c)
}

fn subscribe(client: &Client, fields: &[(&str, &str)]) -> Resp {
    let csrf = client.csrf("/alerts/new");
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    client.post_form("/alerts", &all)
}

fn bookmark(client: &Client, ann: &str) {
    let csrf = client.csrf(&format!("/bookmarks/new?announcement={ann}"));
    let r = client.post_form(
        "/me/bookmarks",
        &[("csrf_token", &csrf), ("announcement", ann)],
    );
    assert_eq!(r.status, 303);
}

/// The way-out path in a mail's text after `label: `.
fn way_out(mail: &str, label: &str) -> String {
    let line = mail
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no '{label}' line in:\n{mail}"));
    let url = line.split_whitespace().last().unwrap_or_default();
    url.trim_start_matches("http://jiwon.test").to_string()
}

fn mails_with(app: &TestApp, email: &str, needle: &str) -> Vec<String> {
    mails_to(app, email)
        .into_iter()
        .filter(|m| m.contains(needle))
        .collect()
}

fn status_of(app: &TestApp, sub: &str) -> String {
    subscriptions::table
        .find(sub)
        .select(subscriptions::status)
        .first(&mut app.conn())
        .expect("subscription")
}

#[test]
fn a_correction_link_stops_that_announcements_corrections_not_the_alert() {
    let app = TestApp::spawn();
    let staff = staff_client(&app);
    // A subscribed (never bookmarked) and B bookmarked (never subscribed).
    let (a_id, a_email, a) = signed_in_owner(&app);
    let r = subscribe(
        &a,
        &[
            ("name", "울산 판로"),
            ("mode", "custom"),
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "email"),
        ],
    );
    assert_eq!(r.status, 303);
    let ann = publish(&staff, &[]);
    app.tick();
    let (_, b_email, b) = signed_in_owner(&app);
    bookmark(&b, &ann);

    correct(&staff, &ann, "2027-01-10", "예산 추가로 기간 연장");
    app.tick();
    let all: Vec<(String, String, String, String)> = deliveries::table
        .select((
            deliveries::address,
            deliveries::kind,
            deliveries::status,
            deliveries::reason,
        ))
        .load(&mut app.conn())
        .expect("d");
    let a_mail = mails_with(&app, &a_email, "내용이 바뀌었습니다")
        .pop()
        .unwrap_or_else(|| panic!("A told: {all:?} {:?}", mails_to(&app, &a_email)));
    assert!(
        a_mail.contains("이 공고를 '울산 판로' 알림으로 받으셨기 때문에 정정 내용을 알려 드립니다"),
        "{a_mail}"
    );
    assert!(!a_mail.contains("관심 공고로 저장하셨기"), "{a_mail}");
    let b_mail = mails_with(&app, &b_email, "내용이 바뀌었습니다")
        .pop()
        .expect("B told");
    assert!(
        b_mail.contains("이 공고를 관심 공고로 저장하셨기 때문에"),
        "{b_mail}"
    );

    // A's way out names what it stops, and stops only that.
    let link = way_out(&a_mail, "이 공고의 정정 알림 그만 받기:");
    let visitor = app.client();
    let page = visitor.get(&link);
    assert_eq!(page.status, 200);
    page.assert_contains("'2027년 울산 소상공인 온라인 판로 지원사업' 공고의 정정 알림");
    page.assert_contains("이 공고의 이 알림만 멈춥니다");
    let done = visitor.post_form(&link, &[]);
    assert_eq!(done.status, 200);
    done.assert_contains("알림을 해지했습니다");
    let sub: String = subscriptions::table
        .filter(subscriptions::user_id.eq(&a_id))
        .select(subscriptions::id)
        .first(&mut app.conn())
        .expect("A's subscription");
    assert_eq!(status_of(&app, &sub), "active", "the alert itself goes on");

    // A used link says so, on the page and on a second press.
    let again = visitor.get(&link);
    again.assert_contains("이미 해지된 알림입니다");
    assert!(!again.body.contains("<button type=\"submit\">그만 받기"));
    visitor
        .post_form(&link, &[])
        .assert_contains("이미 해지된 알림입니다");

    // The next correction reaches B, not A; a new announcement still reaches A.
    correct(&staff, &ann, "2027-01-20", "기간 재연장");
    publish(&staff, &[("title", "2027년 울산 배달앱 수수료 지원")]);
    app.tick();
    assert_eq!(mails_with(&app, &a_email, "내용이 바뀌었습니다").len(), 1);
    assert_eq!(mails_with(&app, &b_email, "내용이 바뀌었습니다").len(), 2);
    assert_eq!(mails_with(&app, &a_email, "배달앱 수수료 지원").len(), 1);
}

#[test]
fn a_reminder_link_stops_that_bookmarks_reminders_only() {
    let app = TestApp::spawn();
    let staff = staff_client(&app);
    let first = publish(
        &staff,
        &[("apply_start", "2026-11-20"), ("apply_end", "2026-12-10")],
    );
    let second = publish(
        &staff,
        &[
            ("title", "2027년 울산 배달앱 수수료 지원"),
            ("apply_start", "2026-11-20"),
            ("apply_end", "2026-12-10"),
        ],
    );
    let (id, email, me) = signed_in_owner(&app);
    bookmark(&me, &first);
    bookmark(&me, &second);
    // D-7 (2026-12-03 09:00 KST): one reminder each.
    app.clock.set(from_kst(
        NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
    ));
    app.tick();
    let reminders = mails_with(&app, &email, "곧 마감됩니다");
    assert_eq!(reminders.len(), 2);
    let of_first = reminders
        .iter()
        .find(|m| m.contains("온라인 판로 지원사업"))
        .expect("first's reminder");
    let link = way_out(of_first, "이 공고의 마감 알림 그만 받기:");
    let visitor = app.client();
    visitor
        .get(&link)
        .assert_contains("'2027년 울산 소상공인 온라인 판로 지원사업' 공고의 마감 알림");
    let done = visitor.post_form(&link, &[]);
    done.assert_contains("알림을 해지했습니다");
    done.assert_contains("모든 관심 공고의 마감 알림을 끄려면");
    // Reminders as a whole stay on.
    let p = jiwon::alerts::store::find_profile(&mut app.conn(), &id)
        .expect("q")
        .expect("profile");
    assert_eq!(p.reminder_channel_list(), vec!["email"]);

    // D-1: only the second announcement's reminder comes.
    app.clock.set(from_kst(
        NaiveDate::from_ymd_opt(2026, 12, 9)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
    ));
    app.tick();
    let d1: Vec<String> = mails_with(&app, &email, "마감 1일 전");
    assert_eq!(d1.len(), 1, "{d1:?}");
    assert!(d1[0].contains("배달앱 수수료 지원"));
    // The bookmark itself is kept.
    let kept = jiwon::alerts::store::bookmarks_of(&mut app.conn(), &id).expect("bookmarks");
    assert!(kept.iter().any(|b| b.announcement_id == first));
    drop(me);
}

#[test]
fn alerts_are_edited_paused_resumed_and_deleted_after_a_confirmation() {
    let app = TestApp::spawn();
    let staff = staff_client(&app);
    let (id, _, me) = signed_in_owner(&app);
    let r = subscribe(
        &me,
        &[
            ("name", "울산 판로"),
            ("mode", "custom"),
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "email"),
        ],
    );
    assert_eq!(r.status, 303);
    let sub: String = subscriptions::table
        .filter(subscriptions::user_id.eq(&id))
        .select(subscriptions::id)
        .first(&mut app.conn())
        .expect("subscription");
    let list = me.get("/me/subscriptions");
    assert!(list.body.contains(&format!("/me/subscriptions/{sub}/edit")));
    assert!(list
        .body
        .contains(&format!("/me/subscriptions/{sub}/pause")));

    // Paused: a matching announcement sends nothing.
    let csrf = me.csrf("/me/subscriptions");
    let r = me.post_form(
        &format!("/me/subscriptions/{sub}/pause"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    let list = me.get(r.location());
    list.assert_contains("알림을 일시 정지했습니다");
    list.assert_contains("일시 정지됨");
    assert!(list
        .body
        .contains(&format!("/me/subscriptions/{sub}/resume")));
    publish(&staff, &[]);
    app.tick();
    let count = |app: &TestApp| -> i64 {
        deliveries::table
            .filter(deliveries::subscription_id.eq(&sub))
            .count()
            .get_result(&mut app.conn())
            .expect("count")
    };
    assert_eq!(count(&app), 0, "a paused alert hears nothing");

    // Resumed: the next one is sent.
    let csrf = me.csrf("/me/subscriptions");
    let r = me.post_form(
        &format!("/me/subscriptions/{sub}/resume"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    me.get(r.location()).assert_contains("알림을 다시 받습니다");
    publish(&staff, &[("title", "2027년 울산 배달앱 수수료 지원")]);
    app.tick();
    assert_eq!(count(&app), 1);

    // Edited: the form comes filled in, the change is kept.
    let form = me.get(&format!("/me/subscriptions/{sub}/edit"));
    assert_eq!(form.status, 200);
    form.assert_contains("알림 수정");
    assert!(form.body.contains("value=\"울산 판로\""));
    assert!(is_checked(&form.body, "category", "내수"));
    let csrf = extract_csrf(&form.body).expect("csrf");
    let r = me.post_form(
        &format!("/me/subscriptions/{sub}/edit"),
        &[
            ("csrf_token", &csrf),
            ("name", "울산 수출"),
            ("mode", "custom"),
            ("category", "수출"),
            ("region", "31000"),
            ("frequency", "daily"),
            ("channel", "email"),
        ],
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(600).collect::<String>()
    );
    let list = me.get("/me/subscriptions?saved=1");
    list.assert_contains("울산 수출");
    list.assert_contains("분야: 수출 · 지역: 울산");
    list.assert_contains("매일 요약");
    // A bad edit comes back at the field, nothing changed.
    let r = me.post_form(
        &format!("/me/subscriptions/{sub}/edit"),
        &[
            ("csrf_token", &csrf),
            ("mode", "custom"),
            ("frequency", "instant"),
            ("channel", "email"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("하나 이상을 정해 주세요");

    // Someone else cannot see, edit, pause or delete it.
    let (_, _, other) = signed_in_owner(&app);
    assert_eq!(
        other.get(&format!("/me/subscriptions/{sub}/edit")).status,
        404
    );
    assert_eq!(
        other.get(&format!("/me/subscriptions/{sub}/delete")).status,
        404
    );
    let csrf_o = other.csrf("/me/subscriptions");
    assert_eq!(
        other
            .post_form(
                &format!("/me/subscriptions/{sub}/pause"),
                &[("csrf_token", &csrf_o)]
            )
            .status,
        404
    );
    assert_eq!(status_of(&app, &sub), "active");

    // Delete asks first, saying what happens; only the button deletes.
    let confirm = me.get(&format!("/me/subscriptions/{sub}/delete"));
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("'울산 수출' 알림을 삭제할까요?");
    confirm.assert_contains("되돌릴 수 없습니다");
    assert_eq!(status_of(&app, &sub), "active", "asking deletes nothing");
    let csrf = extract_csrf(&confirm.body).expect("csrf");
    let r = me.post_form(
        &format!("/me/subscriptions/{sub}/delete"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    me.get(r.location()).assert_contains("알림을 삭제했습니다");
    let left: i64 = subscriptions::table
        .find(&sub)
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(left, 0);
}

#[test]
fn terms_privacy_and_help_quote_the_configured_operator_and_consents_record_the_version() {
    let app = TestApp::spawn_with(|c| {
        c.operator_name = "주식회사 울산지원랩".into();
        c.operator_email = "privacy@ulsan-lab.test".into();
        c.operator_phone = "052-987-6543".into();
        c.privacy_officer = "박정보 (개인정보 보호책임자)".into();
    });
    let visitor = app.client();
    // Reachable from the footer of every page.
    let home = visitor.get("/");
    for link in ["href=\"/terms\"", "href=\"/privacy\"", "href=\"/help\""] {
        assert!(home.body.contains(link), "footer lacks {link}");
    }
    let privacy = visitor.get("/privacy");
    assert_eq!(privacy.status, 200);
    for needle in [
        "개인정보 처리방침",
        jiwon::legal::PRIVACY_VERSION,
        "주식회사 울산지원랩",
        "privacy@ulsan-lab.test",
        "052-987-6543",
        "박정보 (개인정보 보호책임자)",
        "수집하는 개인정보와 목적",
        "보관 기간",
        "개인정보를 받는 곳",
        "정보주체의 권리와 행사 방법",
        "문자 발송 대행사",
    ] {
        privacy.assert_contains(needle);
    }
    let terms = visitor.get("/terms");
    assert_eq!(terms.status, 200);
    terms.assert_contains("이용약관");
    terms.assert_contains(jiwon::legal::TERMS_VERSION);
    terms.assert_contains("주식회사 울산지원랩");
    let help = visitor.get("/help");
    assert_eq!(help.status, 200);
    help.assert_contains("사업자(회원)를 위한 질문");
    help.assert_contains("기관 담당자를 위한 질문");
    help.assert_contains("privacy@ulsan-lab.test");

    // Every consent links to them.
    let signup = visitor.get("/signup");
    assert!(signup.body.contains("<a href=\"/terms\">이용약관</a>"));
    assert!(signup
        .body
        .contains("<a href=\"/privacy\">개인정보 처리방침</a>"));
    let alerts = visitor.get("/alerts/new");
    assert!(alerts
        .body
        .contains("<a href=\"/privacy\">개인정보 처리방침</a>"));

    // Signing up records the consent with the version agreed to.
    let csrf = visitor.csrf("/signup");
    let r = visitor.post_form(
        "/signup",
        &[
            ("csrf_token", &csrf),
            ("email", "new-owner@example.test"),
            ("password", PW),
            ("password_confirm", PW),
            ("agree", "yes"),
        ],
    );
    assert_eq!(r.status, 303);
    app.tick();
    let rows: Vec<(String, bool, Option<String>)> = consents::table
        .select((
            consents::channel,
            consents::granted,
            consents::policy_version,
        ))
        .load(&mut app.conn())
        .expect("consents");
    assert_eq!(
        rows,
        vec![(
            "terms".to_string(),
            true,
            Some(jiwon::legal::CONSENT_VERSION.to_string())
        )]
    );
    // A subscription's consents carry it too, and the owner sees it; the owner's alert
    // form and profile link the privacy policy as well.
    let (_, _, me) = signed_in_owner(&app);
    for path in ["/alerts/new", "/me/profile"] {
        let page = me.get(path);
        assert!(
            page.body
                .contains("<a href=\"/privacy\">개인정보 처리방침</a>"),
            "{path} does not link the privacy policy"
        );
    }
    let r = subscribe(
        &me,
        &[
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "email"),
        ],
    );
    assert_eq!(r.status, 303);
    let versions: Vec<Option<String>> = consents::table
        .filter(consents::channel.eq("email"))
        .select(consents::policy_version)
        .load(&mut app.conn())
        .expect("consents");
    assert_eq!(
        versions,
        vec![Some(jiwon::legal::CONSENT_VERSION.to_string())]
    );
    me.get("/me/consents")
        .assert_contains(jiwon::legal::CONSENT_VERSION);
}
