//! Issue 12's "done means", end to end over HTTP with real counterparts: an owner applies
//! to two programs of two agencies with one profile (the second form prefilled by the
//! first); each agency receives its own application — in its inbox, by email (a real SMTP
//! server), by webhook (a separate receiver checking the signature), by pulling with its
//! API key — asks for a
//! correction, receives it and decides; the owner follows it all on one page; the
//! agency's report counts applications per day.
//!
//! Needs `python3` (with `aiosmtpd` for the SMTP sink); without them the test prints one
//! `SKIPPED: <reason>` line and passes.

mod common;

use std::time::Duration;

use common::api::api;
use common::apply::{fill, owner, post_step, program_with, schema, start, submit, APPLICANT, PW};
use common::smtp::SmtpSink;
use common::webhooks::Receiver;
use common::{input_value, Client, TestApp};
use jiwon::applications::store;

/// An agency's people and its own systems: its reviewer (inbox), the webhook receiver its
/// admin pointed the agency's webhook at, and the API key its admin made for pulling.
struct Agency {
    reviewer: (String, String),
    hook: Receiver,
    key: String,
}

impl Agency {
    fn new(app: &TestApp, name: &str, dir: &std::path::Path) -> Result<Agency, String> {
        let hook = Receiver::start(dir)?;
        let (_, admin, apw) = app.staff(name, "admin");
        let (_, reviewer, rpw) = app.staff(name, "reviewer");
        // The admin sets the URL; the receiver is given the secret shown once.
        let ad = login(app, &admin, &apw);
        let csrf = ad.csrf("/console/webhooks");
        let made = ad.post_form(
            "/console/webhooks",
            &[("csrf_token", &csrf), ("url", &hook.url())],
        );
        assert_eq!(made.status, 200, "{}", made.body);
        let at = made.body.find("id=\"webhook-secret\">").expect("secret") + 20;
        let secret = &made.body[at..at + made.body[at..].find('<').expect("end")];
        std::fs::write(&hook.secret_file, secret).expect("secret file");
        // And an API key for the system that pulls, shown once.
        let csrf = ad.csrf("/console/api-keys");
        let made = ad.post_form(
            "/console/api-keys",
            &[("csrf_token", &csrf), ("name", "전자문서 시스템")],
        );
        assert_eq!(made.status, 200, "{}", made.body);
        let at = made.body.find("id=\"api-key\">").expect("key") + 13;
        let key = made.body[at..at + made.body[at..].find('<').expect("end")].to_string();
        Ok(Agency {
            reviewer: (reviewer, rpw),
            hook,
            key,
        })
    }

    fn reviewer(&self, app: &TestApp) -> Client {
        login(app, &self.reviewer.0, &self.reviewer.1)
    }

    /// The receipt numbers its system received (signature verified), per event, in order.
    fn received(&self, event: &str) -> Vec<String> {
        self.hook
            .requests()
            .into_iter()
            .filter(|r| r["answered"] == 200 && r["event"] == event)
            .map(|r| {
                assert_eq!(r["verified"], true, "signature: {r}");
                r["body"]["receipt_no"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }
}

/// What the agency's pulling system lists as new, then confirms: receipt numbers.
fn pull(app: &TestApp, agency: &Agency) -> Vec<String> {
    let list = api(app, "GET", "/api/v1/agency/applications", Some(&agency.key));
    assert_eq!(list.status, 200);
    let mut got = Vec::new();
    for item in list.json()["items"].as_array().expect("items") {
        let id = item["id"].as_str().expect("id");
        let one = api(
            app,
            "GET",
            &format!("/api/v1/agency/applications/{id}"),
            Some(&agency.key),
        );
        assert_eq!(one.status, 200);
        got.push(
            one.json()["receipt_no"]
                .as_str()
                .expect("receipt")
                .to_string(),
        );
        let path = format!("/api/v1/agency/applications/{id}/confirm");
        assert_eq!(api(app, "POST", &path, Some(&agency.key)).status, 200);
    }
    got
}

fn login(app: &TestApp, email: &str, pw: &str) -> Client {
    let c = app.client();
    c.login(email, pw);
    c
}

/// POST a status change from the application's console page.
fn decide(rv: &Client, id: &str, to: &str, note: &str) {
    let csrf = rv.csrf(&format!("/console/applications/{id}"));
    let r = rv.post_form(
        &format!("/console/applications/{id}/status"),
        &[
            ("csrf_token", &csrf),
            ("to", to),
            ("note", note),
            ("due", ""),
        ],
    );
    assert_eq!(r.status, 303, "{to}: {}", r.body);
}

fn receipt(app: &TestApp, id: &str) -> String {
    store::application(&mut app.conn(), id)
        .expect("read")
        .expect("application")
        .receipt_no
        .expect("receipt")
}

/// Mails to `to` whose subject has `subject`.
fn mails(sink: &SmtpSink, to: &str, subject: &str) -> Vec<String> {
    sink.messages()
        .into_iter()
        .filter(|m| m.to == to && m.subject.contains(subject))
        .map(|m| m.text)
        .collect()
}

#[test]
fn an_owner_applies_to_two_agencies_and_each_receives_asks_receives_and_decides() {
    let Some(sink) = SmtpSink::start("applications done") else {
        // `start` has printed the SKIPPED line (python3 with aiosmtpd missing).
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(sink.url());
        c.push_allow_private = true;
    });
    let (dir_a, dir_b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir_all(&dir_a).expect("dir");
    std::fs::create_dir_all(&dir_b).expect("dir");
    let (mss, ulsan) = match (
        Agency::new(&app, "중소벤처기업부", &dir_a),
        Agency::new(&app, "울산경제일자리진흥원", &dir_b),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(why), _) | (_, Err(why)) => {
            println!("SKIPPED: {why}");
            return;
        }
    };
    // Two programs of two agencies; their forms share the bank question "main_item"
    // under different keys.
    // Each agency runs its own program (no executing agency named).
    let alone = [("partner_agency", "")];
    let p1 = program_with(
        &app,
        "중소벤처기업부",
        "수출 바우처",
        "2026-11-30",
        &schema("main_item"),
        &alone,
    );
    let mut second = schema("main_item");
    second.sections[1].questions[0].key = "product".into();
    let p2 = program_with(
        &app,
        "울산경제일자리진흥원",
        "울산 온라인 판로",
        "2026-11-30",
        &second,
        &alone,
    );

    // 1. The owner applies to the first program, editing the applicant section.
    let (owner_id, me) = owner(&app, "1234567890");
    let owner_email: String = {
        use diesel::prelude::*;
        jiwon::db::schema::users::table
            .find(&owner_id)
            .select(jiwon::db::schema::users::email)
            .first(&mut app.conn())
            .expect("email")
    };
    let a1 = start(&me, &p1);
    fill(&me, &a1, "수제 김치");
    assert_eq!(submit(&me, &a1).status, 303);
    me.get(&format!("/me/applications/{a1}/receipt"))
        .assert_contains(&receipt(&app, &a1));

    // 2. The second form is prefilled by the first: the applicant section (the 대표자 and
    //    street typed there) and the bank question's answer.
    let a2 = start(&me, &p2);
    assert_eq!(
        post_step(&me, &a2, &[("step", "1"), ("q.not_closed", "yes")]).status,
        303
    );
    let step2 = me.get(&format!("/me/applications/{a2}?step=2"));
    for (field, value) in APPLICANT.iter().skip(1) {
        assert_eq!(input_value(&step2.body, field), *value, "{field} prefilled");
    }
    assert_eq!(post_step(&me, &a2, APPLICANT).status, 303);
    let step3 = me.get(&format!("/me/applications/{a2}?step=3"));
    assert_eq!(input_value(&step3.body, "q.product"), "수제 김치");
    let r = post_step(
        &me,
        &a2,
        &[
            ("step", "3"),
            ("q.product", "수제 김치"),
            ("q.budget", "800만"),
            ("q.channel", "오프라인"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(submit(&me, &a2).status, 303);
    let (r1, r2) = (receipt(&app, &a1), receipt(&app, &a2));

    // 3. Each agency receives its own: inbox, email, webhook (the first POST of each
    //    receiver fails; the queue retries after its backoff).
    app.tick();
    app.tick();
    // Every staff member of each agency (admin, editor, reviewer) hears of it.
    sink.wait_for(6, Duration::from_secs(10));
    let staff_mail =
        |agency: &Agency| mails(&sink, &agency.reviewer.0, "새 신청서가 접수되었습니다");
    assert_eq!(staff_mail(&mss).len(), 1);
    assert_eq!(staff_mail(&ulsan).len(), 1);
    assert!(staff_mail(&mss)[0].contains("수출 바우처"));
    let inbox_a = mss.reviewer(&app).get("/console/applications");
    assert!(inbox_a.body.contains(&r1) && !inbox_a.body.contains(&r2));
    let inbox_b = ulsan.reviewer(&app).get("/console/applications");
    assert!(inbox_b.body.contains(&r2) && !inbox_b.body.contains(&r1));
    app.clock.advance(chrono::Duration::hours(2));
    app.tick();
    assert_eq!(mss.received("application.submitted"), vec![r1.clone()]);
    assert_eq!(ulsan.received("application.submitted"), vec![r2.clone()]);
    // And each agency's own system pulls its own, once.
    assert_eq!(pull(&app, &mss), vec![r1.clone()]);
    assert_eq!(pull(&app, &ulsan), vec![r2.clone()]);
    assert!(pull(&app, &mss).is_empty());

    // 4. Each asks for a correction; the owner hears by email and sees both on one page.
    let (rv_a, rv_b) = (mss.reviewer(&app), ulsan.reviewer(&app));
    let csrf = rv_a.csrf(&format!("/console/applications/{a1}"));
    let r = rv_a.post_form(
        &format!("/console/applications/{a1}/status"),
        &[
            ("csrf_token", &csrf),
            ("to", "supplement"),
            ("note", "수출 계획의 필요 자금을 다시 적어 주세요"),
            ("due", "2026-12-10"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    decide(&rv_b, &a2, "supplement", "판매 채널 증빙을 보완해 주세요");
    app.tick();
    sink.wait_for(8, Duration::from_secs(10));
    assert_eq!(mails(&sink, &owner_email, "신청 처리 상태").len(), 2);
    let me = login(&app, &owner_email, PW); // two hours passed
    let mine = me.get("/me/applications");
    for text in [
        "수출 바우처",
        "울산 온라인 판로",
        "중소벤처기업부",
        "울산경제일자리진흥원",
    ] {
        mine.assert_contains(text);
    }
    assert!(mine.body.matches("보완요청").count() >= 2, "{}", mine.body);
    mine.assert_contains("12월 10일까지");
    me.get(&format!("/me/applications/{a1}?step=3"))
        .assert_contains("수출 계획의 필요 자금을 다시 적어 주세요");

    // 5. The owner answers both; each agency receives the correction.
    for (id, key) in [(&a1, "q.item"), (&a2, "q.product")] {
        let r = post_step(
            &me,
            id,
            &[
                ("step", "3"),
                (key, "수제 김치"),
                ("q.budget", "2000만"),
                ("q.channel", "오프라인"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let csrf = me.csrf(&format!("/me/applications/{id}?step=4"));
        let r = me.post_form(
            &format!("/me/applications/{id}/submit"),
            &[("csrf_token", &csrf)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
    app.tick();
    assert_eq!(mss.received("application.resubmitted"), vec![r1.clone()]);
    assert_eq!(ulsan.received("application.resubmitted"), vec![r2.clone()]);
    let page = rv_a.get(&format!("/console/applications/{a1}"));
    page.assert_contains("보완 제출");
    page.assert_contains("20,000,000");

    // 6. Each decides; the owner's one page shows both outcomes.
    decide(&rv_a, &a1, "reviewing", "");
    decide(&rv_a, &a1, "selected", "선정을 축하합니다");
    decide(&rv_b, &a2, "reviewing", "");
    decide(&rv_b, &a2, "rejected", "예산 소진");
    app.tick();
    sink.wait_for(12, Duration::from_secs(10));
    let mine = me.get("/me/applications");
    mine.assert_contains("선정");
    mine.assert_contains("미선정");
    assert_eq!(mails(&sink, &owner_email, "신청 처리 상태").len(), 6);

    // 7. The agency's report counts the application on the day it came in.
    let report = rv_a.get(&format!("/console/announcements/{p1}/alerts"));
    assert_eq!(report.status, 200, "{}", report.location());
    let applied: u32 = regex::Regex::new(r#"<td class="applied">(\d+)</td>"#)
        .expect("regex")
        .captures_iter(&report.body)
        .map(|c| c[1].parse::<u32>().expect("number"))
        .sum();
    assert_eq!(applied, 1, "{}", report.body);
}
