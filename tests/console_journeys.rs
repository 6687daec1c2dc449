//! What an agency editor meets in the console (issue 11, 14–17): a draft saves as it is
//! and publishing lists what is missing in the form's order; destructive actions ask
//! once and say who is told; a schedule is confirmed in KST; corrections have one name;
//! the log speaks Korean; the form names industries and money, picks 시군구 with
//! checkboxes, takes a Markdown body, and the list can be searched.

mod common;

use common::mail::mails_to;
use common::{announcement_form, create_announcement, extract_csrf, inputs, is_checked, TestApp};

/// An editor of 울산광역시, signed in.
fn editor(app: &TestApp) -> (common::Client, String) {
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let c = app.client();
    c.login(&email, &pw);
    (c, email)
}

fn id_from(location: &str) -> String {
    location
        .trim_start_matches("/console/announcements/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The fields the error summary links to, top to bottom.
fn summary_fields(body: &str) -> Vec<String> {
    let start = body.find("id=\"error-summary\"").expect("an error summary");
    let end = start + body[start..].find("</div>").expect("summary ends");
    regex::Regex::new(r##"href="#i-([a-z_]+)""##)
        .expect("regex")
        .captures_iter(&body[start..end])
        .map(|c| c[1].to_string())
        .collect()
}

/// The fields a problem list (manage page, publish page) links to, top to bottom.
fn problem_fields(body: &str) -> Vec<String> {
    let body = &html_escape::decode_html_entities(body).to_string();
    let start = body
        .find("id=\"publish-problems\"")
        .expect("a problem list");
    let end = start + body[start..].find("</div>").expect("list ends");
    regex::Regex::new(r"/edit#i-([a-z_]+)")
        .expect("regex")
        .captures_iter(&body[start..end])
        .map(|c| c[1].to_string())
        .collect()
}

fn publish(app: &TestApp, c: &common::Client, id: &str) {
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(800).collect::<String>()
    );
    app.tick();
}

#[test]
fn a_draft_with_only_a_title_saves_and_publishing_lists_what_is_missing_in_form_order() {
    let app = TestApp::spawn();
    let (c, _) = editor(&app);
    // What a browser sends when only the title was typed: the form's own defaults.
    let csrf = c.csrf("/console/announcements/new");
    let r = c.post_form(
        "/console/announcements",
        &[
            ("csrf_token", &csrf),
            ("title", "제목만 적은 초안"),
            ("agency_role", "owner"),
            ("window_kind", "dated"),
            ("apply_method", "external"),
            ("intent", "draft"),
        ],
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        r.text().chars().take(1500).collect::<String>()
    );
    let id = id_from(r.location());
    let manage = c.get(&format!("/console/announcements/{id}?saved=1"));
    manage.assert_contains("저장했습니다");
    manage.assert_contains("작성 중");
    // The manage page already says what publishing will need, in the form's order.
    let expected = ["category", "regions", "apply_end", "apply_url"];
    assert_eq!(problem_fields(&manage.body), expected);

    // Even a title is needed to store a draft.
    let r = c.post_form(
        "/console/announcements",
        &[("csrf_token", &csrf), ("title", ""), ("intent", "draft")],
    );
    assert_eq!(r.status, 422);
    assert_eq!(summary_fields(&r.body), ["title"]);

    // The publish page lists the same problems, each a link to its field.
    let confirm = c.get(&format!("/console/announcements/{id}/publish"));
    assert_eq!(problem_fields(&confirm.body), expected);
    assert!(!confirm.body.contains("게시하고 알림 보내기"));

    // Publishing anyway: the form again, each problem at its field, the summary in the
    // form's order; nothing published.
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 422);
    assert_eq!(summary_fields(&r.body), expected);
    r.assert_contains("분야를 선택해 주세요");
    r.assert_contains("접수 마감일을 입력해 주세요");
    r.assert_contains("value=\"제목만 적은 초안\"");
    assert_eq!(
        app.client().get(&format!("/announcements/{id}")).status,
        404
    );

    // Scheduling checks the same.
    let r = c.post_form(
        &format!("/console/announcements/{id}/schedule"),
        &[
            ("csrf_token", &csrf),
            ("date", "2026-12-08"),
            ("time", "09:00"),
        ],
    );
    assert_eq!(r.status, 422);
    assert_eq!(summary_fields(&r.body), expected);
    c.get(&format!("/console/announcements/{id}"))
        .assert_contains("작성 중");

    // Filled in (a draft edit saves as it is too), it publishes.
    let csrf = c.csrf(&format!("/console/announcements/{id}/edit"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/edit"),
        &announcement_form(&csrf, &[("title", "제목만 적은 초안")]),
    );
    assert_eq!(r.status, 303);
    publish(&app, &c, &id);
    assert_eq!(
        app.client().get(&format!("/announcements/{id}")).status,
        200
    );
}

#[test]
fn scheduling_is_confirmed_in_kst_and_the_forms_show_the_saved_time() {
    let app = TestApp::spawn();
    let (c, _) = editor(&app);
    let id = create_announcement(&c, &[]);
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/schedule"),
        &[
            ("csrf_token", &csrf),
            ("date", "2026-12-08"),
            ("time", "09:00"),
        ],
    );
    assert_eq!(r.status, 303);
    assert!(r.location().ends_with("?scheduled=1"), "{}", r.location());
    let page = c.get(r.location());
    page.assert_contains("예약했습니다: <strong>12월 8일 (화) 오전 9:00 KST 게시 예정</strong>");
    page.assert_contains("게시 예약");
    // The schedule form shows the saved time, not a default.
    assert_eq!(inputs(&page.body, "date", Some("2026-12-08")).len(), 1);
    assert_eq!(inputs(&page.body, "time", Some("09:00")).len(), 1);
    // The list and the edit form say the same.
    c.get("/console?status=scheduled")
        .assert_contains("12월 8일 (화) 오전 9:00 KST 게시 예정");
    c.get(&format!("/console/announcements/{id}/edit"))
        .assert_contains("12월 8일 (화) 오전 9:00 KST 게시 예정");
    c.get("/console/audit")
        .assert_contains("12월 8일 (화) 오전 9:00 KST 게시 예정");
    // An afternoon time reads 오후.
    let r = c.post_form(
        &format!("/console/announcements/{id}/schedule"),
        &[
            ("csrf_token", &csrf),
            ("date", "2026-12-09"),
            ("time", "14:30"),
        ],
    );
    assert_eq!(r.status, 303);
    c.get(r.location())
        .assert_contains("12월 9일 (수) 오후 2:30 KST 게시 예정");
    // One label per state: the tab, the list and the page say 게시 예약.
    let list = c.get("/console");
    list.assert_contains(">게시 예약</a>");
    list.assert_contains("status-scheduled\">게시 예약</span>");
}

#[test]
fn close_unpublish_and_delete_ask_once_and_say_who_is_told() {
    let app = TestApp::spawn();
    let (c, _) = editor(&app);
    let id = create_announcement(&c, &[]);
    publish(&app, &c, &id);
    // An owner saved it.
    let (_, owner_email) = app.owner_with("owner password 1", |_| {});
    let me = app.client();
    me.login(&owner_email, "owner password 1");
    let page = me.get(&format!("/bookmarks/new?announcement={id}"));
    let csrf = extract_csrf(&page.body).expect("csrf");
    assert_eq!(
        me.post_form(
            "/me/bookmarks",
            &[("csrf_token", &csrf), ("announcement", &id)]
        )
        .status,
        303
    );

    // The manage page links to the confirmation pages; it posts nothing itself.
    let manage = c.get(&format!("/console/announcements/{id}"));
    manage.assert_contains(&format!("href=\"/console/announcements/{id}/close\""));
    manage.assert_contains(&format!("href=\"/console/announcements/{id}/unpublish\""));
    assert!(!manage
        .body
        .contains(&format!("action=\"/console/announcements/{id}/close\"")));

    // 지금 마감: what happens and who is (not) told; the GET changes nothing.
    let confirm = c.get(&format!("/console/announcements/{id}/close"));
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("지금 마감할까요?");
    confirm.assert_contains("관심 공고로 저장한 1명에게 마감 안내가 가지 않고");
    assert!(confirm
        .text()
        .contains(&format!("action=\"/console/announcements/{id}/close\"")));
    c.get(&format!("/console/announcements/{id}"))
        .assert_contains("게시 중");

    // 게시 취소 likewise.
    let confirm = c.get(&format!("/console/announcements/{id}/unpublish"));
    confirm.assert_contains("게시를 취소할까요?");
    confirm.assert_contains("검색 결과에서 바로 사라지고");
    confirm.assert_contains("관심 공고로 저장한 1명에게 게시 취소 안내는 가지 않습니다");
    assert_eq!(
        app.client().get(&format!("/announcements/{id}")).status,
        200
    );

    // Confirmed: closed.
    let csrf = extract_csrf(&confirm.body).expect("csrf");
    let r = c.post_form(
        &format!("/console/announcements/{id}/close"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    c.get(r.location())
        .assert_contains("status-closed\">마감</span>");
    // A closed one cannot be closed again: its confirmation page sends back.
    assert_eq!(
        c.get(&format!("/console/announcements/{id}/close")).status,
        303
    );

    // Deleting a file asks first too.
    let draft = create_announcement(&c, &[]);
    let csrf = c.csrf(&format!("/console/announcements/{draft}"));
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let r = c.post_multipart(
        &format!("/console/announcements/{draft}/attachments"),
        &[("csrf_token", &csrf)],
        ("신청서.pdf", pdf),
    );
    assert_eq!(r.status, 303);
    let manage = c.get(&format!("/console/announcements/{draft}"));
    let delete =
        regex::Regex::new(r#"href="(/console/announcements/[^"]+/attachments/[^"]+/delete)""#)
            .expect("regex")
            .captures(&manage.text())
            .map(|m| m[1].to_string())
            .expect("a delete link");
    let confirm = c.get(&delete);
    confirm.assert_contains("첨부파일을 삭제할까요?");
    confirm.assert_contains("신청서.pdf");
    confirm.assert_contains("누구에게도 안내가 가지 않습니다");
    c.get(&format!("/console/announcements/{draft}"))
        .assert_contains("신청서.pdf");
    let r = c.post_form(&delete, &[("csrf_token", &csrf)]);
    assert_eq!(r.status, 303);
    let after = c.get(&format!("/console/announcements/{draft}"));
    after.assert_contains("첨부파일이 없습니다");
    after.assert_contains("첨부파일 삭제 — 신청서.pdf");

    // Another agency's editor sees none of these pages.
    let (_, other_email, other_pw) = app.staff("부산광역시", "editor");
    let other = app.client();
    other.login(&other_email, &other_pw);
    assert_eq!(
        other
            .get(&format!("/console/announcements/{draft}/unpublish"))
            .status,
        403
    );
}

#[test]
fn corrections_are_named_one_way_everywhere_and_the_log_speaks_korean() {
    let app = TestApp::spawn();
    let (c, email) = editor(&app);
    let id = create_announcement(&c, &[]);
    publish(&app, &c, &id);
    let (_, owner_email) = app.owner_with("owner password 1", |_| {});
    let me = app.client();
    me.login(&owner_email, "owner password 1");
    let csrf =
        extract_csrf(&me.get(&format!("/bookmarks/new?announcement={id}")).body).expect("csrf");
    me.post_form(
        "/me/bookmarks",
        &[("csrf_token", &csrf), ("announcement", &id)],
    );

    let form = c.get(&format!("/console/announcements/{id}/correct"));
    form.assert_contains("새 판(정정 1차)");
    let csrf = extract_csrf(&form.body).expect("csrf");
    let r = c.post_form(
        &format!("/console/announcements/{id}/correct"),
        &announcement_form(
            &csrf,
            &[("apply_end", "2027-01-15"), ("reason", "접수 기간 연장")],
        ),
    );
    assert_eq!(r.status, 303);
    app.tick();

    c.get(&format!("/console/announcements/{id}"))
        .assert_contains("정정 1차");
    let public = app.client().get(&format!("/announcements/{id}"));
    assert!(
        public.body.matches("정정 1차").count() >= 2,
        "header and history"
    );
    assert!(!public.body.contains("1회"));
    c.get(&format!("/console/announcements/{id}/correct"))
        .assert_contains("새 판(정정 2차)");
    // The email to the person who saved it.
    let mails = mails_to(&app, &owner_email);
    assert!(
        mails
            .iter()
            .any(|m| m.contains("정정 1차 사유: 접수 기간 연장")),
        "{mails:?}"
    );

    // The log: Korean words for every step, no action codes.
    let audit = c.get("/console/audit");
    for label in [
        "공고 초안 작성",
        "게시",
        "정정 공고",
        "정정 1차: 접수 기간 연장",
    ] {
        audit.assert_contains(label);
    }
    audit.assert_contains(&email);
    assert!(!audit.body.contains("announcement."), "no action codes");
    let history = c.get(&format!("/console/announcements/{id}"));
    assert!(!history.body.contains("announcement."), "no action codes");
}

#[test]
fn the_form_picks_sigungu_with_checkboxes_and_the_page_names_industries_and_money() {
    let app = TestApp::spawn();
    let (c, _) = editor(&app);
    let form = c.get("/console/announcements/new");
    // 시군구 are checkboxes grouped by 시도: no select that needs a modifier key.
    assert!(!form.body.contains("multiple"), "no multi-select");
    assert!(!form.body.contains("Ctrl"));
    assert_eq!(inputs(&form.body, "sigungu", Some("31140")).len(), 1);
    assert!(inputs(&form.body, "sigungu", None).len() > 200);
    form.assert_contains("<summary>울산</summary>");
    // The body is written as text (Markdown), not HTML.
    form.assert_contains("빈 줄로 문단을 나누고");

    let id = create_announcement(
        &c,
        &[
            ("regions", ""),
            ("sigungu", "31140"),
            ("revenue_max", "15000"),
            ("employees_max", "1000"),
            (
                "sub_programs",
                "쇼핑몰 입점 | 100개사 | 150000000 | 입점 수수료\n라이브커머스 | 30개사 | 50000000 | 방송 제작",
            ),
        ],
    );
    // Picked again on the edit form.
    let edit = c.get(&format!("/console/announcements/{id}/edit"));
    assert!(is_checked(&edit.body, "sigungu", "31140"));
    publish(&app, &c, &id);
    let page = app.client().get(&format!("/announcements/{id}"));
    let text = page.text();
    for expected in [
        "울산 남구",
        "대상 업종: 음식점 및 주점업(56)",
        "상시근로자 1,000명 이하",
        "연 매출 1억 5,000만 원 이하",
        "1억 5,000만 원",
        "5,000만 원",
        "대표자 만 19세 이상",
    ] {
        assert!(text.contains(expected), "{expected} missing: {text}");
    }
    assert!(!text.contains("KSIC"), "codes are named");
}

#[test]
fn a_markdown_body_is_rendered_and_sanitized_and_html_bodies_still_render() {
    let app = TestApp::spawn();
    let (c, _) = editor(&app);
    let body = "# 지원 내용\n\n- **온라인** 쇼핑몰 입점\n- [신청 안내](https://example.go.kr/guide)\n\n첫째 줄\n둘째 줄\n\n<script>alert('md')</script>\n\n[나쁜 링크](javascript:alert(2))";
    let id = create_announcement(&c, &[("body", body)]);
    // The editor gets the Markdown back, not HTML.
    let edit = c.get(&format!("/console/announcements/{id}/edit"));
    edit.assert_contains("# 지원 내용");
    edit.assert_contains("- **온라인** 쇼핑몰 입점");
    publish(&app, &c, &id);
    let page = app.client().get(&format!("/announcements/{id}"));
    page.assert_contains("<h3>지원 내용</h3>");
    page.assert_contains("<li><strong>온라인</strong> 쇼핑몰 입점</li>");
    page.assert_contains("href=\"https://example.go.kr/guide\"");
    page.assert_contains("첫째 줄<br>");
    assert!(
        !page.body.contains("alert('md')"),
        "no script reaches the page"
    );
    assert!(!page.body.contains("javascript:alert(2)"));

    // An HTML body (as imports and older console bodies are) keeps rendering.
    let id2 = create_announcement(&c, &[("body", "<p>문단</p><ul><li>하나</li></ul>")]);
    publish(&app, &c, &id2);
    app.client()
        .get(&format!("/announcements/{id2}"))
        .assert_contains("<ul><li>하나</li></ul>");
}

#[test]
fn the_console_list_is_searched_by_title_words_or_id() {
    let app = TestApp::spawn();
    let (c, _) = editor(&app);
    let a = create_announcement(&c, &[("title", "2027년 울산 소상공인 온라인 판로 지원")]);
    let b = create_announcement(&c, &[("title", "2027년 청년 창업 공간 지원")]);
    let found = c.get("/console?q=%ED%8C%90%EB%A1%9C+%EC%9A%B8%EC%82%B0"); // "판로 울산"
    found.assert_contains("1건");
    assert!(found.body.contains(&a) && !found.body.contains(&b));
    assert_eq!(
        inputs(&found.body, "q", Some("판로 울산")).len(),
        1,
        "the box keeps it"
    );
    let by_id = c.get(&format!("/console?q={b}"));
    by_id.assert_contains("1건");
    assert!(by_id
        .body
        .contains(&format!("/console/announcements/{b}\"")));
    c.get("/console?q=%EC%97%86%EB%8A%94%EB%A7%90")
        .assert_contains("0건"); // "없는말"
                                 // With a status tab.
    c.get("/console?status=published&q=%ED%8C%90%EB%A1%9C")
        .assert_contains("0건");
    c.get("/console?status=draft&q=%ED%8C%90%EB%A1%9C")
        .assert_contains("1건");
    // A wildcard is a character, not a pattern.
    c.get("/console?q=%25").assert_contains("0건");
}
