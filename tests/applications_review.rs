//! The agency receives, reviews and decides (issue 12 items 5, 6): routing puts a
//! submitted application in its agency's inbox and emails the agency's staff (a real SMTP
//! sink); the inbox filters, sorts and exports CSV; reviewers move applications only as
//! `AppStatus::reviewer_may` allows, each change emailing the applicant; 보완요청 keeps
//! its note and due date; another agency sees nothing of it.

mod common;

use std::time::Duration;

use common::applications::{attach, submit};
use common::smtp::SmtpSink;
use common::{create_announcement, TestApp};
use jiwon::applications::model::Application;
use jiwon::applications::store;

const PW: &str = "owner password 123";

fn row(app: &TestApp, id: &str) -> Application {
    store::application(&mut app.conn(), id)
        .expect("read")
        .expect("application")
}

#[test]
fn routing_puts_it_in_the_agency_inbox_and_emails_its_staff_and_no_one_else_sees_it() {
    let Some(sink) = SmtpSink::start("applications routing") else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(sink.url()));
    let (_, editor, pw) = app.staff("중소벤처기업부", "editor");
    let (_, reviewer, rpw) = app.staff("중소벤처기업부", "reviewer");
    let (_, other, opw) = app.staff("울산광역시", "editor");
    let (owner, _) = app.owner_with(PW, |_| {});
    let ed = app.client();
    ed.login(&editor, &pw);
    let ann = create_announcement(&ed, &[("title", "온라인 판로 지원사업")]);
    let id = submit(&app, &ann, &owner, "1234567890", "울산 식당");

    // One message to each of the agency's staff, through the real SMTP path.
    assert_eq!(sink.wait_for(2, Duration::from_secs(10)), 2);
    let mails = sink.messages();
    let mut to: Vec<String> = mails.iter().map(|m| m.to.clone()).collect();
    to.sort();
    let mut want = vec![editor.clone(), reviewer.clone()];
    want.sort();
    assert_eq!(to, want);
    for m in &mails {
        assert!(m.subject.contains("새 신청서"), "{}", m.subject);
        assert!(m.text.contains("온라인 판로 지원사업"), "{}", m.text);
        assert!(m.text.contains("울산 식당"), "{}", m.text);
        assert!(m.text.contains(&format!("/console/applications/{id}")));
    }
    // A second tick sends nothing more.
    app.tick();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 2);

    // The reviewer's inbox shows it, and its page opens with the answers.
    let rv = app.client();
    rv.login(&reviewer, &rpw);
    let inbox = rv.get("/console/applications");
    assert_eq!(inbox.status, 200);
    inbox.assert_contains("울산 식당");
    inbox.assert_contains("온라인 판로 지원사업");
    let page = rv.get(&format!("/console/applications/{id}"));
    assert_eq!(page.status, 200);
    page.assert_contains("온라인 판로 확대");
    page.assert_contains("15,000,000원");
    page.assert_contains("아니오");
    page.assert_contains("김사장");
    page.assert_contains("기관 신청함 도착");
    // An uploaded answer downloads through the staff-only route; another agency gets 404.
    let file_id = attach(&app, &id, "사업계획서.pdf", b"%PDF-1.4 plan");
    let href = format!("/console/applications/{id}/files/{file_id}");
    rv.get(&format!("/console/applications/{id}"))
        .assert_contains(&href);
    let dl = rv.get(&href);
    assert_eq!(dl.status, 200);
    assert_eq!(dl.body, "%PDF-1.4 plan");
    assert!(dl
        .header("content-disposition")
        .unwrap_or("")
        .contains("attachment"));
    // The ZIPs (one application; the whole program), opened by Python's zipfile.
    for url in [
        format!("/console/applications/{id}/files.zip"),
        format!("/console/applications.zip?program={ann}"),
    ] {
        let z = rv.get_bytes(&url);
        assert_eq!(z.0, 200, "{url}");
        let path = app.dir.path().join("check.zip");
        std::fs::write(&path, &z.1).expect("zip file");
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg(
                "import sys, zipfile\n\
                 z = zipfile.ZipFile(sys.argv[1])\n\
                 assert z.testzip() is None\n\
                 names = z.namelist()\n\
                 data = [n for n in names if n.endswith('사업계획서.pdf')]\n\
                 assert len(data) == 1, names\n\
                 assert z.read(data[0]) == b'%PDF-1.4 plan'\n\
                 idx = z.read('index.csv').decode('utf-8-sig')\n\
                 assert '사업계획서.pdf' in idx and '포함' in idx and '현재 답변' in idx, idx\n\
                 print('ZIP OK', len(names))",
            )
            .arg(&path)
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // Another agency's staff: not in their inbox, 404 on the page and the status change.
    let o = app.client();
    o.login(&other, &opw);
    let theirs = o.get("/console/applications");
    assert_eq!(theirs.status, 200);
    assert!(!theirs.text().contains("울산 식당"));
    assert_eq!(o.get(&format!("/console/applications/{id}")).status, 404);
    assert_eq!(o.get(&href).status, 404);
    assert_eq!(
        o.get(&format!("/console/applications/{id}/files.zip"))
            .status,
        404
    );
    // Another agency's program: refused as the console refuses it (403).
    let z = o.get_bytes(&format!("/console/applications.zip?program={ann}"));
    assert!(matches!(z.0, 403 | 404), "{}", z.0);
    assert!(!String::from_utf8_lossy(&z.1).contains("plan"));
    let csrf = o.csrf("/console/applications");
    let r = o.post_form(
        &format!("/console/applications/{id}/status"),
        &[("csrf_token", &csrf), ("to", "selected"), ("note", "")],
    );
    assert_eq!(r.status, 404);
    assert_eq!(row(&app, &id).status, "submitted");
    let csv = o.get("/console/applications.csv");
    assert!(!csv.text().contains("울산 식당"));
    // An owner is not staff.
    let me = app.client();
    me.login(&app.owner_with(PW, |_| {}).1, PW);
    assert_ne!(me.get(&format!("/console/applications/{id}")).status, 200);
}

#[test]
fn status_changes_follow_reviewer_may_store_the_supplement_and_email_the_applicant() {
    let Some(sink) = SmtpSink::start("applications review") else {
        return;
    };
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(sink.url()));
    let (_, reviewer, rpw) = app.staff("중소벤처기업부", "reviewer");
    let (_, editor, pw) = app.staff("중소벤처기업부", "editor");
    let (owner, owner_email) = app.owner_with(PW, |_| {});
    let ed = app.client();
    ed.login(&editor, &pw);
    let first = create_announcement(&ed, &[("title", "수출 바우처")]);
    let second = create_announcement(&ed, &[("title", "스마트 상점")]);
    let a1 = submit(&app, &first, &owner, "2223334444", "부산 카페");
    let a2 = submit(&app, &second, &owner, "2223334444", "부산 카페");
    sink.wait_for(4, Duration::from_secs(10));
    let before = sink.count();

    let rv = app.client();
    rv.login(&reviewer, &rpw);
    let csrf = rv.csrf(&format!("/console/applications/{a1}"));
    let post = |id: &str, fields: &[(&str, &str)]| {
        let mut f = vec![("csrf_token", csrf.as_str())];
        f.extend_from_slice(fields);
        rv.post_form(&format!("/console/applications/{id}/status"), &f)
    };
    // 보완요청 needs a note: a Korean message at the field, the rest kept.
    let r = post(&a1, &[("to", "supplement"), ("note", ""), ("due", "")]);
    assert_eq!(r.status, 422);
    r.assert_contains("무엇을 고쳐야 하는지");
    assert_eq!(row(&app, &a1).status, "submitted");
    // A bad date: refused at the field.
    let r = post(
        &a1,
        &[("to", "supplement"), ("note", "매출 증빙"), ("due", "내일")],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("2026-12-31 형식");
    r.assert_contains("매출 증빙");
    // With a note and the default due date (supplement_days, 7 when unset).
    let r = post(
        &a1,
        &[
            ("to", "supplement"),
            ("note", "2025년 매출 증빙을 올려 주세요"),
            ("due", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let s = row(&app, &a1);
    assert_eq!(s.status, "supplement");
    assert_eq!(s.supplement_note, "2025년 매출 증빙을 올려 주세요");
    let due = s.supplement_due.expect("due date");
    let today = jiwon::clock::kst_today(app.now());
    assert_eq!(
        jiwon::clock::to_kst(due).date(),
        today + chrono::Duration::days(7)
    );
    // The applicant hears of it, with the note and the due date.
    app.tick();
    assert_eq!(
        sink.wait_for(before + 1, Duration::from_secs(10)),
        before + 1
    );
    let mail = sink
        .messages()
        .into_iter()
        .find(|m| m.to == owner_email)
        .expect("applicant mail");
    assert!(mail.text.contains("보완요청"), "{}", mail.text);
    assert!(mail.text.contains("2025년 매출 증빙을 올려 주세요"));
    assert!(mail.text.contains("보완 기한"));
    // 보완요청 → 선정 is not a reviewer's move (the applicant answers first).
    let r = post(&a1, &[("to", "selected"), ("note", "")]);
    assert_eq!(r.status, 422);
    r.assert_contains("바꿀 수 없습니다");
    assert_eq!(row(&app, &a1).status, "supplement");

    // The second: 검토중 → 선정, then nothing moves; an explicit due date is kept.
    assert_eq!(post(&a2, &[("to", "reviewing"), ("note", "")]).status, 303);
    assert_eq!(
        post(&a2, &[("to", "selected"), ("note", "심사 통과")]).status,
        303
    );
    let s = row(&app, &a2);
    assert_eq!(s.status, "selected");
    assert!(s.decided_at.is_some());
    let r = post(&a2, &[("to", "rejected"), ("note", "")]);
    assert_eq!(r.status, 422);
    assert_eq!(row(&app, &a2).status, "selected");
    let page = rv.get(&format!("/console/applications/{a2}"));
    page.assert_contains("심사 통과");
    page.assert_contains("이 신청서는 지금 상태를 바꿀 수 없습니다");
    // The concentrated-support check: the other program, and whether it was selected.
    let p1 = rv.get(&format!("/console/applications/{a1}"));
    p1.assert_contains("스마트 상점 — 선정");
    let p2 = rv.get(&format!("/console/applications/{a2}"));
    p2.assert_contains("수출 바우처 — 보완요청");
    app.tick();
    assert_eq!(
        sink.wait_for(before + 3, Duration::from_secs(10)),
        before + 3
    );
    // The agency's audit log names the change.
    let audit = rv.get("/console/audit");
    audit.assert_contains("신청 상태 변경");
    // A forged form is refused.
    let r = rv.post_form(
        &format!("/console/applications/{a1}/status"),
        &[("csrf_token", "forged"), ("to", "reviewing")],
    );
    assert_eq!(r.status, 403);
}

#[test]
fn the_inbox_filters_sorts_and_exports_csv_without_formulas() {
    let app = TestApp::spawn();
    let (_, editor, pw) = app.staff("중소벤처기업부", "editor");
    let (owner, _) = app.owner_with(PW, |_| {});
    let ed = app.client();
    ed.login(&editor, &pw);
    let p1 = create_announcement(&ed, &[("title", "수출 바우처")]);
    let p2 = create_announcement(&ed, &[("title", "스마트 상점")]);
    let a = submit(&app, &p1, &owner, "1112223333", "=HYPERLINK(\"http://x\")");
    app.clock.advance(chrono::Duration::minutes(5));
    let b = submit(&app, &p2, &owner, "4445556666", "대구 공방");
    let inbox = ed.get("/console/applications");
    let (ia, ib) = (
        inbox.body.find(&a).expect("a"),
        inbox.body.find(&b).expect("b"),
    );
    assert!(ib < ia, "newest first");
    let oldest = ed.get("/console/applications?sort=oldest");
    assert!(oldest.body.find(&a).unwrap() < oldest.body.find(&b).unwrap());
    let only = ed.get(&format!("/console/applications?program={p2}"));
    assert!(only.body.contains(&b) && !only.body.contains(&a));
    let none = ed.get("/console/applications?status=selected");
    none.assert_contains("조건에 맞는 신청서가 없습니다");
    let csv = ed.get("/console/applications.csv?sort=oldest");
    assert_eq!(csv.status, 200);
    assert!(csv
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/csv"));
    let text = csv.text();
    assert!(text.contains("접수번호,사업,기업명"));
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    assert!(text.contains("대구 공방"));
    let filtered = ed.get(&format!("/console/applications.csv?program={p1}"));
    assert!(!filtered.text().contains("대구 공방"));
}

#[test]
fn the_alert_report_counts_applications_per_day_and_the_page_shows_the_count_only_when_allowed() {
    let app = TestApp::spawn();
    let (_, editor, pw) = app.staff("중소벤처기업부", "editor");
    let (owner, _) = app.owner_with(PW, |_| {});
    let ed = app.client();
    ed.login(&editor, &pw);
    let ann = create_announcement(&ed, &[("title", "소상공인 판로")]);
    let csrf = ed.csrf(&format!("/console/announcements/{ann}"));
    let r = ed.post_form(
        &format!("/console/announcements/{ann}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    submit(&app, &ann, &owner, "5550000001", "가 상회");
    submit(&app, &ann, &owner, "5550000002", "나 상회");
    app.clock.advance(chrono::Duration::days(1));
    submit(&app, &ann, &owner, "5550000003", "다 상회");
    ed.login(&editor, &pw); // a day idle ends the session

    let report = ed.get(&format!("/console/announcements/{ann}/alerts"));
    assert_eq!(report.status, 200, "{}", report.location());
    let cell = |label: &str| -> String {
        let re = regex::Regex::new(&format!(
            r#"<th scope="row">{}</th><td>[^<]*</td><td>[^<]*</td><td class="applied">(\d+)</td>"#,
            regex::escape(label)
        ))
        .expect("regex");
        re.captures(&report.body)
            .map(|c| c[1].to_string())
            .unwrap_or_else(|| panic!("no row {label}: {}", report.body))
    };
    assert_eq!(cell("발송일"), "2");
    assert_eq!(cell("D+1"), "1");
    assert_eq!(cell("D-1"), "0");

    // "N개 기업 신청" only once the agency allows it.
    let visitor = app.client();
    let page = visitor.get(&format!("/announcements/{ann}"));
    assert_eq!(page.status, 200);
    assert!(!page.text().contains("개 기업 신청"));
    let mut settings = jiwon::applications::model::Settings {
        announcement_id: ann.clone(),
        mode: "portal".into(),
        supplement_days: 7,
        show_count: false,
        updated_at: app.now(),
    };
    store::save_settings(&mut app.conn(), &settings).expect("settings");
    assert!(!visitor
        .get(&format!("/announcements/{ann}"))
        .text()
        .contains("개 기업 신청"));
    settings.show_count = true;
    store::save_settings(&mut app.conn(), &settings).expect("settings");
    visitor
        .get(&format!("/announcements/{ann}"))
        .assert_contains("3개 기업 신청");
}
