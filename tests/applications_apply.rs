//! The owner applies once (issue 12 items 3, 4, 7): the steps of the form saved on the
//! server, eligibility that stops with the reason, errors at their fields with the rest
//! kept, one submission per business and program (double click included) with its routing
//! job, the deadline, the receipt, the dashboard, cancel, 보완 and re-submission, and the
//! bank answers offered again in the next program's form.

mod common;

use chrono::Duration;
use diesel::prelude::*;

use common::apply::*;
use common::*;
use jiwon::applications::form::Kind;
use jiwon::applications::store;
use jiwon::db::schema::{application_events, applications, jobs};

fn route_jobs(app: &TestApp, id: &str) -> Vec<String> {
    jobs::table
        .filter(jobs::kind.eq("route_application"))
        .select(jobs::payload)
        .load::<String>(&mut app.conn())
        .expect("jobs")
        .into_iter()
        .filter(|p| p.contains(id))
        .collect()
}

#[test]
fn an_owner_walks_the_form_and_gets_a_receipt_once() {
    let app = TestApp::spawn();
    let p = program(
        &app,
        "중소벤처기업부",
        "온라인 판로 지원",
        "2026-11-30",
        &schema("main_item"),
    );
    let (uid, c) = owner(&app, "1234567890");
    // The page says what happens; starting makes the business (representative) and the
    // draft, prefilled from the profile.
    let r = c.get(&format!("/announcements/{p}/apply"));
    assert_eq!(r.status, 200);
    r.assert_contains("신청서 작성 시작");
    let id = start(&c, &p);
    let r = c.get(&format!("/me/applications/{id}?step=2"));
    assert_eq!(input_value(&r.body, "a.phone"), "010-1234-5678");
    r.assert_contains("울산 한식당");
    // A second start (another device, a double click) finds the same draft.
    assert_eq!(start(&c, &p), id);

    // Required missing: the Korean message at its field, the other answers kept.
    post_step(&c, &id, &[("step", "1"), ("q.not_closed", "yes")]);
    post_step(&c, &id, APPLICANT);
    let r = post_step(
        &c,
        &id,
        &[
            ("step", "3"),
            ("q.item", "김치찌개 밀키트"),
            ("q.channel", "온라인"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    r.assert_contains("‘필요 자금’에 답해 주세요.");
    r.assert_contains("‘온라인 판매 계획’에 답해 주세요.");
    assert_eq!(input_value(&r.body, "q.item"), "김치찌개 밀키트");
    // Saved on the server: the draft resumes with what was valid.
    let r = c.get(&format!("/me/applications/{id}?step=3"));
    assert_eq!(input_value(&r.body, "q.item"), "김치찌개 밀키트");

    fill(&c, &id, "김치찌개 밀키트");
    // Uploads: real bytes, stored under a generated name; a wrong or oversized file is
    // refused with the draft kept.
    let csrf = c.csrf(&format!("/me/applications/{id}?step=3"));
    let up = |name: &str, bytes: &[u8]| {
        c.post_multipart(
            &format!("/me/applications/{id}/files"),
            &[("csrf_token", &csrf), ("question", "proof")],
            (name, bytes),
        )
    };
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let r = up("사업자등록증명.pdf", pdf);
    assert_eq!(r.status, 303, "{}", r.body);
    let r = up("가짜.pdf", b"\x89PNG\r\n\x1a\n not a pdf");
    assert_eq!(r.status, 303);
    let r = c.get(r.location());
    r.assert_contains("파일 내용이 확장자(.pdf)와 다릅니다");
    let big = vec![b'%'; 2 * 1024 * 1024];
    let r = up("큰파일.pdf", &big);
    assert_eq!(r.status, 303);
    c.get(r.location()).assert_contains("파일이 너무 큽니다");
    let r = c.get(&format!("/me/applications/{id}?step=3"));
    r.assert_contains("사업자등록증명.pdf");
    assert_eq!(input_value(&r.body, "q.item"), "김치찌개 밀키트");
    let stored: Vec<(String, i64)> = jiwon::db::schema::application_files::table
        .filter(jiwon::db::schema::application_files::application_id.eq(&id))
        .select((
            jiwon::db::schema::application_files::stored_name,
            jiwon::db::schema::application_files::size_bytes,
        ))
        .load(&mut app.conn())
        .expect("files");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].1, pdf.len() as i64);
    let on_disk = std::fs::read(app.state.config.upload_dir.join(&stored[0].0)).expect("stored");
    assert_eq!(on_disk, pdf);
    let r = c.get(&format!("/me/applications/{id}?step=4"));
    assert_eq!(r.status, 200);
    r.assert_contains("15,000,000 원");
    r.assert_contains("연도 2025, 매출 120,000,000 원");
    r.assert_contains("개인정보 수집·이용 동의");
    // Without the consents: refused, nothing submitted.
    let csrf = c.csrf(&format!("/me/applications/{id}?step=4"));
    let r = c.post_form(
        &format!("/me/applications/{id}/submit"),
        &[("csrf_token", &csrf), ("consent_privacy", "yes")],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("제3자 제공에 모두 동의해야");

    // Double submit: one application, one routing job; the second click is told.
    let first = submit(&c, &id);
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(first.location(), format!("/me/applications/{id}/receipt"));
    let second = submit(&c, &id);
    assert_eq!(second.status, 409);
    second.assert_contains("이미 이 사업에 신청했습니다");
    assert_eq!(route_jobs(&app, &id).len(), 1);
    let rows: i64 = applications::table
        .filter(applications::announcement_id.eq(&p))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(rows, 1);
    // The event names who submitted, with the answers as submitted.
    let (actor, answers): (Option<String>, Option<String>) = application_events::table
        .filter(application_events::application_id.eq(&id))
        .filter(application_events::kind.eq("submitted"))
        .select((
            application_events::actor_id,
            application_events::answers_json,
        ))
        .first(&mut app.conn())
        .expect("event");
    assert_eq!(actor.as_deref(), Some(uid.as_str()));
    let answers = answers.expect("answers");
    assert!(
        answers.contains("15000000") && answers.contains("김대표"),
        "{answers}"
    );

    // The receipt: a receipt number, printable.
    let r = c.get(&format!("/me/applications/{id}/receipt"));
    assert_eq!(r.status, 200);
    r.assert_contains("접수증");
    let no = app_receipt(&app, &id);
    assert!(
        no.starts_with("JW-20261124-") && no.len() == "JW-20261124-".len() + 6,
        "{no}"
    );
    r.assert_contains(&no);
    // Starting again for the same program lands on the submitted one.
    let r = c.get(&format!("/announcements/{p}/apply"));
    assert_eq!(r.location(), format!("/me/applications/{id}"));
    let r = c.get(&format!("/me/applications/{id}"));
    r.assert_contains("접수");

    // The dashboard lists it with its status and agency.
    let r = c.get("/me/applications");
    assert_eq!(r.status, 200);
    r.assert_contains("온라인 판로 지원");
    // Routed to the executing agency the announcement names.
    r.assert_contains("울산경제일자리진흥원");
    r.assert_contains(&no);
    r.assert_contains("기관 검토를 기다리는 중");

    // Another owner sees none of it.
    let (_, other) = owner(&app, "2222222222");
    for path in [
        format!("/me/applications/{id}"),
        format!("/me/applications/{id}/receipt"),
        format!("/me/applications/{id}/cancel"),
    ] {
        assert_eq!(other.get(&path).status, 404, "{path}");
    }
    let csrf = other.csrf("/me/applications");
    let r = other.post_form(
        &format!("/me/applications/{id}/cancel"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 404);
    assert!(!other.get("/me/applications").body.contains(&no));
    // Someone else with the same 사업자등록번호 is no member: refused, with what to do.
    let (_, same) = owner(&app, "1234567890");
    let csrf = same.csrf(&format!("/announcements/{p}/apply"));
    let r = same.post_form(
        &format!("/announcements/{p}/apply"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("초대해 달라고");
    assert_eq!(same.get(&format!("/me/applications/{id}")).status, 404);

    // Cancel, with a confirmation page first.
    let r = c.get(&format!("/me/applications/{id}/cancel"));
    r.assert_contains("신청을 취소할까요?");
    let csrf = c.csrf(&format!("/me/applications/{id}/cancel"));
    let r = c.post_form(
        &format!("/me/applications/{id}/cancel"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    let r = c.get("/me/applications");
    r.assert_contains("취소");
    assert_eq!(app_status(&app, &id), "cancelled");

    // While the window is open the business may apply again: the same application, its
    // answers and receipt number kept, the history saying so.
    let r = c.get(&format!("/announcements/{p}/apply"));
    r.assert_contains("다시 신청하기");
    assert_eq!(start(&c, &p), id);
    assert_eq!(app_status(&app, &id), "draft");
    assert_eq!(app_receipt(&app, &id), no);
    let r = c.get(&format!("/me/applications/{id}?step=3"));
    assert_eq!(input_value(&r.body, "q.item"), "김치찌개 밀키트");
    assert_eq!(submit(&c, &id).status, 303);
    assert_eq!(app_status(&app, &id), "submitted");
    let r = c.get(&format!("/me/applications/{id}"));
    r.assert_contains("다시 작성");
    assert_eq!(app_receipt(&app, &id), no);
}

fn app_receipt(app: &TestApp, id: &str) -> String {
    applications::table
        .find(id)
        .select(applications::receipt_no)
        .first::<Option<String>>(&mut app.conn())
        .expect("row")
        .expect("receipt")
}

fn app_status(app: &TestApp, id: &str) -> String {
    applications::table
        .find(id)
        .select(applications::status)
        .first::<String>(&mut app.conn())
        .expect("row")
}

#[test]
fn a_hard_eligibility_no_stops_with_the_reason() {
    let app = TestApp::spawn();
    let p = program(
        &app,
        "중소벤처기업부",
        "자격 시험 사업",
        "2026-11-30",
        &schema("x"),
    );
    let (_, c) = owner(&app, "1234567890");
    let id = start(&c, &p);
    let r = post_step(&c, &id, &[("step", "1"), ("q.not_closed", "no")]);
    assert_eq!(r.status, 422);
    r.assert_contains("이 사업에 신청할 수 없습니다");
    r.assert_contains("휴업·폐업 중인 사업자는 신청할 수 없습니다.");
    // Even with everything else filled, submission refuses it.
    fill(&c, &id, "상품");
    post_step(&c, &id, &[("step", "1"), ("q.not_closed", "no")]);
    let r = submit(&c, &id);
    assert_eq!(r.status, 422);
    r.assert_contains("휴업·폐업 중인 사업자는 신청할 수 없습니다.");
    assert!(route_jobs(&app, &id).is_empty());
}

#[test]
fn after_the_deadline_nothing_is_submitted() {
    let app = TestApp::spawn();
    let p = program(
        &app,
        "중소벤처기업부",
        "마감 시험 사업",
        "2026-11-30",
        &schema("x"),
    );
    let (_, c) = owner(&app, "1234567890");
    let id = start(&c, &p);
    fill(&c, &id, "상품");
    app.clock.advance(Duration::days(7));
    let r = submit(&c, &id);
    assert_eq!(r.status, 422);
    r.assert_contains("신청 기간이 끝나 제출할 수 없습니다");
    assert_eq!(app_status(&app, &id), "draft");
    assert!(route_jobs(&app, &id).is_empty());
    // And a new application cannot start.
    let (_, late) = owner(&app, "3333333333");
    let r = late.get(&format!("/announcements/{p}/apply"));
    r.assert_contains("신청 기간이 끝났습니다");
    assert!(!r.body.contains("신청서 작성 시작"));
}

#[test]
fn a_supplement_request_is_answered_and_resubmitted() {
    let app = TestApp::spawn();
    let p = program(
        &app,
        "중소벤처기업부",
        "보완 시험 사업",
        "2026-11-30",
        &schema("x"),
    );
    let (_, c) = owner(&app, "1234567890");
    let id = start(&c, &p);
    fill(&c, &id, "상품");
    assert_eq!(submit(&c, &id).status, 303);
    // The reviewer (colleague's UI) asks for 보완.
    let due = app.now() + Duration::days(7);
    diesel::update(applications::table.find(&id))
        .set((
            applications::status.eq("supplement"),
            applications::supplement_note.eq("매출 증빙 금액을 다시 확인해 주세요."),
            applications::supplement_due.eq(Some(due)),
        ))
        .execute(&mut app.conn())
        .expect("supplement");
    let r = c.get("/me/applications");
    r.assert_contains("보완요청");
    r.assert_contains("보완 제출 (12월 1일까지)");
    let r = c.get(&format!("/me/applications/{id}?step=3"));
    r.assert_contains("매출 증빙 금액을 다시 확인해 주세요.");
    let r = post_step(
        &c,
        &id,
        &[
            ("step", "3"),
            ("q.item", "상품"),
            ("q.budget", "2000만"),
            ("q.channel", "오프라인"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let csrf = c.csrf(&format!("/me/applications/{id}?step=4"));
    let r = c.post_form(
        &format!("/me/applications/{id}/submit"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app_status(&app, &id), "submitted");
    let jobs = route_jobs(&app, &id);
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    assert!(jobs.iter().any(|j| j.contains("resubmitted")));
    let answers: Option<String> = application_events::table
        .filter(application_events::application_id.eq(&id))
        .filter(application_events::kind.eq("resubmitted"))
        .select(application_events::answers_json)
        .first(&mut app.conn())
        .expect("event");
    let answers = answers.expect("answers");
    assert!(answers.contains("20000000"), "{answers}");
    // The hidden question (온라인 only) is no longer kept.
    assert!(!answers.contains("online_plan"), "{answers}");
    // History keeps both versions.
    let r = c.get(&format!("/me/applications/{id}"));
    r.assert_contains("제출 (접수)");
    r.assert_contains("보완 제출");
}

#[test]
fn bank_answers_prefill_the_next_programs_form() {
    let app = TestApp::spawn();
    let p1 = program(
        &app,
        "중소벤처기업부",
        "첫째 사업",
        "2026-11-30",
        &schema("main_item"),
    );
    let mut other = schema("main_item");
    other.sections[1].questions[0].key = "product".into();
    let p2 = program(
        &app,
        "울산경제일자리진흥원",
        "둘째 사업",
        "2026-11-30",
        &other,
    );
    let (_, c) = owner(&app, "1234567890");
    let id1 = start(&c, &p1);
    fill(&c, &id1, "수제 김치");
    assert_eq!(submit(&c, &id1).status, 303);
    let id2 = start(&c, &p2);
    let r = c.get(&format!("/me/applications/{id2}?step=3"));
    assert_eq!(input_value(&r.body, "q.product"), "수제 김치");
    // Both programs, two agencies, one page.
    let r = c.get("/me/applications");
    r.assert_contains("첫째 사업");
    r.assert_contains("둘째 사업");
    r.assert_contains("울산경제일자리진흥원");
    r.assert_contains("작성 이어하기");
}

#[test]
fn an_invited_member_submits_for_the_business_and_is_named() {
    let app = TestApp::spawn();
    let p = program(
        &app,
        "중소벤처기업부",
        "구성원 시험 사업",
        "2026-11-30",
        &schema("x"),
    );
    let (_, rep) = owner(&app, "1234567890");
    let id = start(&rep, &p);
    // The representative invites the 세무사 by email: a signed link.
    let r = rep.get("/me/business");
    r.assert_contains("대표자");
    let business: String = applications::table
        .find(&id)
        .select(applications::business_id)
        .first(&mut app.conn())
        .expect("business");
    let (tax_id, tax_email) = app.owner_with(PW, |p| p.business_name = "세무사 사무소".into());
    let csrf = rep.csrf("/me/business");
    let r = rep.post_form(
        "/me/business/invite",
        &[
            ("csrf_token", &csrf),
            ("business", &business),
            ("email", "not an address"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("이메일 주소를 바르게");
    let r = rep.post_form(
        "/me/business/invite",
        &[
            ("csrf_token", &csrf),
            ("business", &business),
            ("email", &tax_email),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.assert_contains("초대 메일을 보냈습니다");
    let start_at = r.body.find("/business/join/").expect("link");
    let token: String = r.body[start_at + "/business/join/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-' || *c == '_')
        .collect();
    // The same link is mailed to the invited address, naming the business; asking again
    // the same day mails nothing more.
    app.tick();
    let mails = common::mail::mails_to(&app, &tax_email);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].contains(&token) && mails[0].contains("울산 한식당"),
        "{}",
        mails[0]
    );
    let csrf = rep.csrf("/me/business");
    let again = rep.post_form(
        "/me/business/invite",
        &[
            ("csrf_token", &csrf),
            ("business", &business),
            ("email", &tax_email),
        ],
    );
    assert_eq!(again.status, 200);
    app.tick();
    assert_eq!(common::mail::mails_to(&app, &tax_email).len(), 1);
    // Someone else cannot use it; a forged one is not there.
    let (_, stranger) = owner(&app, "5555555555");
    let csrf = stranger.csrf(&format!("/business/join/{token}"));
    let r = stranger.post_form(&format!("/business/join/{token}"), &[("csrf_token", &csrf)]);
    assert_eq!(r.status, 422);
    r.assert_contains("다른 이메일 주소로");
    assert_eq!(stranger.get("/business/join/forged.token").status, 404);
    // The invited person, signed in, accepts.
    let tax = app.client();
    tax.login(&tax_email, PW);
    let csrf = tax.csrf(&format!("/business/join/{token}"));
    let r = tax.post_form(&format!("/business/join/{token}"), &[("csrf_token", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.body);
    tax.get("/me/business").assert_contains("울산 한식당");
    // The member prepares and submits the business's application.
    tax.get("/me/applications")
        .assert_contains("구성원 시험 사업");
    fill(&tax, &id, "상품");
    assert_eq!(submit(&tax, &id).status, 303);
    let actor: Option<String> = application_events::table
        .filter(application_events::application_id.eq(&id))
        .filter(application_events::kind.eq("submitted"))
        .select(application_events::actor_id)
        .first(&mut app.conn())
        .expect("event");
    assert_eq!(actor.as_deref(), Some(tax_id.as_str()));
    // The representative sees who did it.
    let r = rep.get(&format!("/me/applications/{id}"));
    r.assert_contains("제출 (접수) · 울산 식당 사장");
}

// --- issue 12's browser journey, server side (task J) ---------------------------------

fn upload(c: &Client, id: &str, name: &str, bytes: &[u8], replace: Option<&str>) -> Resp {
    let csrf = c.csrf(&format!("/me/applications/{id}?step=3"));
    let mut fields = vec![("csrf_token", csrf.as_str()), ("question", "proof")];
    if let Some(r) = replace {
        fields.push(("replace", r));
    }
    c.post_multipart(
        &format!("/me/applications/{id}/files?q=proof"),
        &fields,
        (name, bytes),
    )
}

fn file_rows(app: &TestApp, id: &str) -> Vec<(String, String, String)> {
    use jiwon::db::schema::application_files as f;
    f::table
        .filter(f::application_id.eq(id))
        .select((f::id, f::original_name, f::stored_name))
        .load(&mut app.conn())
        .expect("files")
}

#[test]
fn a_file_question_has_one_input_and_its_upload_is_listed_and_replaceable() {
    let app = TestApp::spawn();
    let p = program(
        &app,
        "중소벤처기업부",
        "파일 시험 사업",
        "2026-11-30",
        &schema("x"),
    );
    let (_, c) = owner(&app, "1234567890");
    let id = start(&c, &p);
    fill(&c, &id, "상품");
    // One file input, at its question, posting to the upload form outside the main form.
    let r = c.get(&format!("/me/applications/{id}?step=3"));
    assert_eq!(r.body.matches("type=\"file\"").count(), 1, "{}", r.body);
    r.assert_contains("id=\"i-q.proof\" name=\"file\" type=\"file\" form=\"up-proof\"");
    r.assert_contains(&format!(
        "action=\"/me/applications/{id}/files?q=proof\" enctype=\"multipart/form-data\" id=\"up-proof\""
    ));
    r.assert_contains("PDF 파일, 2개까지 올릴 수 있습니다.");

    let first = b"%PDF-1.4\n% first plan\n%%EOF\n";
    assert_eq!(upload(&c, &id, "첫 계획서.pdf", first, None).status, 303);
    let rows = file_rows(&app, &id);
    assert_eq!(rows.len(), 1);
    let (first_id, _, first_stored) = rows[0].clone();
    // Shown at the question with its size, and a way to replace it.
    let r = c.get(&format!("/me/applications/{id}?step=3"));
    r.assert_contains(
        "<span class=\"file-name\">첫 계획서.pdf</span> <span class=\"file-size\">(1KB)</span>",
    );
    r.assert_contains(&format!(
        "form=\"up-proof\" name=\"replace\" value=\"{first_id}\">고른 파일로 바꾸기</button>"
    ));
    assert_eq!(r.body.matches("type=\"file\"").count(), 1);

    // Replaced: the new file in its place (row, answer and bytes), the old one gone.
    let second = b"%PDF-1.4\n% the corrected plan\n%%EOF\n";
    let r = upload(&c, &id, "고친 계획서.pdf", second, Some(&first_id));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().contains("saved=1"), "{}", r.location());
    let rows = file_rows(&app, &id);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].1, "고친 계획서.pdf");
    assert!(!app.state.config.upload_dir.join(&first_stored).exists());
    let answers: String = applications::table
        .find(&id)
        .select(applications::answers_json)
        .first(&mut app.conn())
        .expect("answers");
    assert!(
        answers.contains(&rows[0].0) && !answers.contains(&first_id),
        "{answers}"
    );
    // Replacing a file that is not this question's: refused at the question, kept as is.
    let r = upload(&c, &id, "또.pdf", second, Some(&first_id));
    assert_eq!(r.status, 303);
    assert!(r.location().contains("q=proof"), "{}", r.location());
    let r = c.get(r.location());
    assert_eq!(r.status, 422);
    r.assert_contains("<p class=\"field-error\" id=\"q.proof-error\">그 파일이 이 질문에 없습니다");
    r.assert_contains("href=\"#i-q.proof\"");
    assert_eq!(file_rows(&app, &id).len(), 1);
    // A file whose content is not what its name says: the message at the question too.
    let r = upload(&c, &id, "가짜.pdf", b"\x89PNG\r\n\x1a\n not a pdf", None);
    let r = c.get(r.location());
    r.assert_contains(
        "<p class=\"field-error\" id=\"q.proof-error\">파일 내용이 확장자(.pdf)와 다릅니다",
    );
    // Too large (read only up to the limit, the question's field unread): the action's
    // `q` still puts the message at the question.
    let r = upload(&c, &id, "큰 계획서.pdf", &vec![b'%'; 2 * 1024 * 1024], None);
    let r = c.get(r.location());
    r.assert_contains("<p class=\"field-error\" id=\"q.proof-error\">파일이 너무 큽니다");
    assert_eq!(file_rows(&app, &id).len(), 1);

    // Listed (name, size) on the review page before submitting — not as ids.
    let r = c.get(&format!("/me/applications/{id}?step=4"));
    r.assert_contains(
        "<span class=\"file-name\">고친 계획서.pdf</span> <span class=\"file-size\">(1KB)</span>",
    );
    assert!(
        !r.body.contains(&rows[0].0),
        "the file's id on the review page"
    );
    // Each part of the review leads back to its step; table amounts read as amounts.
    r.assert_contains(&format!(
        "<a href=\"/me/applications/{id}?step=3\">‘사업 계획’ 고치기</a>"
    ));
    r.assert_contains(&format!(
        "<a href=\"/me/applications/{id}?step=1\">‘신청 자격’ 고치기</a>"
    ));
    r.assert_contains("연도 2025, 매출 120,000,000 원");
    // A second file, then taken out again ("빼기"): in a draft its row and bytes go.
    assert_eq!(upload(&c, &id, "부록.pdf", first, None).status, 303);
    let extra = file_rows(&app, &id)
        .into_iter()
        .find(|r| r.1 == "부록.pdf")
        .expect("the second file");
    c.get(&format!("/me/applications/{id}?step=3"))
        .assert_contains(&format!(
            "name=\"remove\" value=\"{}\" aria-label=\"부록.pdf 빼기\">빼기</button>",
            extra.0
        ));
    assert_eq!(remove(&c, &id, &extra.0).status, 303);
    assert_eq!(file_rows(&app, &id).len(), 1);
    assert!(!app.state.config.upload_dir.join(&extra.2).exists());
    assert_eq!(submit(&c, &id).status, 303);
    // … and on the 접수증 and the application page afterwards.
    for path in [
        format!("/me/applications/{id}/receipt"),
        format!("/me/applications/{id}"),
    ] {
        let r = c.get(&path);
        assert_eq!(r.status, 200, "{path}");
        r.assert_contains("<span class=\"file-name\">고친 계획서.pdf</span> <span class=\"file-size\">(1KB)</span>");
        assert!(!r.body.contains(&rows[0].0), "{path}: the file's id");
    }
    // The receipt prints through public/js (no inline handler, which the CSP refuses).
    let r = c.get(&format!("/me/applications/{id}/receipt"));
    assert!(!r.body.contains("onclick"), "{}", r.body);
    r.assert_contains("data-print");

    // In a 보완 answer the file the agency received is replaced in the answer but kept:
    // the history's first version still names it, and the reviewer can still open it;
    // the application lists only the new one.
    diesel::update(applications::table.find(&id))
        .set(applications::status.eq("supplement"))
        .execute(&mut app.conn())
        .expect("supplement");
    let sent = file_rows(&app, &id)[0].clone();
    let third = b"%PDF-1.4\n% the plan after the agency asked\n%%EOF\n";
    assert_eq!(
        upload(&c, &id, "보완 계획서.pdf", third, Some(&sent.0)).status,
        303
    );
    assert_eq!(file_rows(&app, &id).len(), 2);
    assert!(app.state.config.upload_dir.join(&sent.2).exists());
    let (_, reviewer, rpw) = app.staff("울산경제일자리진흥원", "reviewer");
    let rv = app.client();
    rv.login(&reviewer, &rpw);
    let page = rv.get(&format!("/console/applications/{id}"));
    assert_eq!(page.status, 200);
    page.assert_contains("보완 계획서.pdf");
    assert!(
        !page.body.contains("고친 계획서.pdf"),
        "only the answer's files listed"
    );
    let (code, bytes) = rv.get_bytes(&format!("/console/applications/{id}/files/{}", sent.0));
    assert_eq!((code, bytes.as_slice()), (200, &second[..]));
    // The application's ZIP keeps both, and its index says which version each is.
    let (code, zipped) = rv.get_bytes(&format!("/console/applications/{id}/files.zip"));
    assert_eq!(code, 200);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zipped)).expect("a ZIP");
    let mut index = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("index.csv").expect("index"), &mut index)
        .expect("index text");
    let line = |name: &str| {
        index
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} in {index}"))
            .to_string()
    };
    assert!(line("고친 계획서.pdf").ends_with("이전 제출본"), "{index}");
    assert!(line("보완 계획서.pdf").ends_with("현재 답변"), "{index}");
    // Taken out in the 보완 answer: gone from the answer, still stored.
    let now = file_rows(&app, &id)
        .into_iter()
        .find(|r| r.1 == "보완 계획서.pdf")
        .expect("the new file");
    assert_eq!(remove(&c, &id, &now.0).status, 303);
    assert_eq!(file_rows(&app, &id).len(), 2);
    assert!(!rv
        .get(&format!("/console/applications/{id}"))
        .body
        .contains("보완 계획서.pdf"));
}

fn remove(c: &Client, id: &str, file: &str) -> Resp {
    let csrf = c.csrf(&format!("/me/applications/{id}?step=3"));
    c.post_multipart(
        &format!("/me/applications/{id}/files?q=proof"),
        &[
            ("csrf_token", &csrf),
            ("question", "proof"),
            ("remove", file),
        ],
        ("", b""),
    )
}

#[test]
fn a_conditional_question_says_when_it_appears_and_shows_once_saved() {
    let app = TestApp::spawn();
    let p = program(
        &app,
        "중소벤처기업부",
        "조건 시험 사업",
        "2026-11-30",
        &schema("x"),
    );
    let (_, c) = owner(&app, "1234567890");
    let id = start(&c, &p);
    // Not answered yet: the question is in the page, hidden, and a note says when it
    // appears; the script that follows the answer live is there.
    let r = c.get(&format!("/me/applications/{id}?step=3"));
    r.assert_contains("<div class=\"show-if\" data-show-if=\"q.channel\" data-equals=\"온라인\">");
    r.assert_contains("<p class=\"hint show-if-note\" id=\"cond-online_plan\">앞 질문 ‘판매 채널’의 답이 ‘온라인’이면 ‘온라인 판매 계획’ 질문이 나타납니다.");
    r.assert_contains("<div class=\"show-if-body\" hidden>");
    r.assert_contains("<script src=\"/public/js/apply.js\" defer></script>");
    assert_eq!(c.get("/public/js/apply.js").status, 200);
    // A choice that is not offered: the message at the question (a fieldset the summary
    // links to), what was typed kept.
    let r = post_step(
        &c,
        &id,
        &[
            ("step", "3"),
            ("q.item", "밀키트"),
            ("q.budget", "100만"),
            ("q.channel", "우편"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    r.assert_contains("href=\"#i-q.channel\"");
    r.assert_contains("id=\"i-q.channel\"");
    r.assert_contains("보기 중에서 골라 주세요.");
    assert_eq!(input_value(&r.body, "q.item"), "밀키트");
    // Saved with the answer that shows it: now shown (and asked for), the note hidden.
    let r = post_step(
        &c,
        &id,
        &[
            ("step", "3"),
            ("q.item", "밀키트"),
            ("q.budget", "100만"),
            ("q.channel", "온라인"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    r.assert_contains("‘온라인 판매 계획’에 답해 주세요.");
    r.assert_contains("id=\"cond-online_plan\" hidden>");
    let body = &r.body[r.body.find("<div class=\"show-if-body\"").expect("show-if")..];
    assert!(body.starts_with("<div class=\"show-if-body\">"), "{body}");
    assert!(!r.body.contains("<div class=\"show-if-body\" hidden>"));
    // The other answer hides it again once saved.
    let r = post_step(
        &c,
        &id,
        &[
            ("step", "3"),
            ("q.item", "밀키트"),
            ("q.budget", "100만"),
            ("q.channel", "오프라인"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = c.get(&format!("/me/applications/{id}?step=3"));
    r.assert_contains("<div class=\"show-if-body\" hidden>");
}

#[test]
fn a_draft_moved_to_a_newer_form_is_told_once_and_not_submitted_unseen() {
    let app = TestApp::spawn();
    let s1 = schema("x");
    let p = program(&app, "중소벤처기업부", "개정 시험 사업", "2026-11-30", &s1);
    let (_, c) = owner(&app, "1234567890");
    let id = start(&c, &p);
    fill(&c, &id, "상품");
    let old_form: String = applications::table
        .find(&id)
        .select(applications::form_id)
        .first(&mut app.conn())
        .expect("form");
    // The agency changes a question's choices and adds one: the draft must move.
    let mut s2 = s1.clone();
    s2.sections[1].questions[2]
        .options
        .push("라이브커머스".into());
    s2.sections[1]
        .questions
        .push(q("staff_note", Kind::ShortText, "담당자 이름", false));
    {
        let mut conn = app.conn();
        store::save_draft_form(&mut conn, &p, &s2, None, app.now()).expect("draft");
        store::publish_draft_form(&mut conn, &p, app.now())
            .expect("publish")
            .expect("published");
    }
    // Submitting from the old review page (open before the agency published) submits
    // nothing: back to the review, told.
    let csrf = c.csrf("/me/applications");
    let r = c.post_form(
        &format!("/me/applications/{id}/submit"),
        &[
            ("csrf_token", &csrf),
            ("consent_privacy", "yes"),
            ("consent_third", "yes"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("/me/applications/{id}?step=4"));
    assert_eq!(app_status(&app, &id), "draft");
    let r = c.get(r.location());
    assert_eq!(r.status, 200);
    r.assert_contains(
        "기관이 신청 양식을 고쳤습니다 — 답은 그대로 옮겼습니다. 새 질문을 확인해 주세요.",
    );
    r.assert_contains("담당자 이름");
    let new_form: String = applications::table
        .find(&id)
        .select(applications::form_id)
        .first(&mut app.conn())
        .expect("form");
    assert_ne!(new_form, old_form);
    // Once: the next page does not say it again; the answers came along.
    let r = c.get(&format!("/me/applications/{id}?step=3"));
    assert!(!r.body.contains("기관이 신청 양식을 고쳤습니다"));
    assert_eq!(input_value(&r.body, "q.item"), "상품");
    let moved: i64 = application_events::table
        .filter(application_events::application_id.eq(&id))
        .filter(application_events::kind.eq("form_moved"))
        .count()
        .get_result(&mut app.conn())
        .expect("events");
    assert_eq!(moved, 1);
    assert_eq!(submit(&c, &id).status, 303);
    assert_eq!(app_status(&app, &id), "submitted");
}

#[test]
fn the_reviewers_supplement_and_decision_read_in_words_on_the_owners_side() {
    let app = TestApp::spawn();
    let p = program(
        &app,
        "중소벤처기업부",
        "심사 시험 사업",
        "2026-11-30",
        &schema("x"),
    );
    let (_, c) = owner(&app, "1234567890");
    let id = start(&c, &p);
    fill(&c, &id, "상품");
    assert_eq!(submit(&c, &id).status, 303);
    app.tick();
    // The executing agency's reviewer asks for 보완 with a note and a date.
    let (_, email, pw) = app.staff("울산경제일자리진흥원", "reviewer");
    let staff = app.client();
    staff.login(&email, &pw);
    let decide = |to: &str, note: &str, due: &str| {
        let csrf = staff.csrf(&format!("/console/applications/{id}"));
        staff.post_form(
            &format!("/console/applications/{id}/status"),
            &[
                ("csrf_token", &csrf),
                ("to", to),
                ("note", note),
                ("due", due),
            ],
        )
    };
    let r = decide(
        "supplement",
        "매출 증빙을 2025년 것으로 바꿔 주세요.",
        "2026-12-01",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    // The owner sees what to fix and by when, on the dashboard and the form.
    c.get("/me/applications")
        .assert_contains("보완 제출 (12월 1일까지)");
    let r = c.get(&format!("/me/applications/{id}"));
    r.assert_contains("매출 증빙을 2025년 것으로 바꿔 주세요.");
    r.assert_contains("까지</strong> 고쳐서 다시 제출해 주세요.");
    let r = post_step(
        &c,
        &id,
        &[
            ("step", "3"),
            ("q.item", "상품"),
            ("q.budget", "1,500만"),
            ("q.channel", "온라인"),
            ("q.online_plan", "스마트스토어 입점"),
            ("q.sales.0.year", "2025"),
            ("q.sales.0.amount", "130000000"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let csrf = c.csrf(&format!("/me/applications/{id}?step=4"));
    let r = c.post_form(
        &format!("/me/applications/{id}/submit"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    app.tick();
    let r = decide("selected", "최종 선정되었습니다.", "");
    assert_eq!(r.status, 303, "{}", r.body);
    app.tick();
    // The owner's history names each step in words, not the event's code.
    let r = c.get(&format!("/me/applications/{id}"));
    r.assert_contains("보완 요청 · ");
    r.assert_contains("상태 변경: 선정");
    r.assert_contains("최종 선정되었습니다.");
    let history = &r.body[r.body.find("<ol class=\"history\">").expect("history")..];
    assert!(!history.contains("status"), "{history}");
    // Routing is the agency's business: no inbox id or staff count on the owner's side.
    history.find("기관 신청함 도착").expect("routed");
    assert!(
        !history.contains("담당자 0명") && !history.contains(" → "),
        "{history}"
    );
    let r = c.get("/me/applications");
    r.assert_contains("<strong class=\"status status-selected\">선정</strong>");
}
