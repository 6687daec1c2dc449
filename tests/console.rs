//! The agency console: sign-in, forms with Korean errors, the lifecycle, corrections,
//! and who may do what.

mod common;

use common::{announcement_form, create_announcement, TestApp};

#[test]
fn login_logout_and_login_errors() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let c = app.client();
    // Console needs a login: redirected with the way back.
    let r = c.get("/console");
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/login?next=%2Fconsole");
    // Wrong password: 422, same message as an unknown account, email kept.
    let token = c.csrf("/login");
    let bad = c.post_form(
        "/login",
        &[
            ("email", &email),
            ("password", "wrong password"),
            ("csrf_token", &token),
        ],
    );
    assert_eq!(bad.status, 422);
    bad.assert_contains("이메일 또는 비밀번호가 올바르지 않습니다");
    bad.assert_contains(&email);
    let unknown = c.post_form(
        "/login",
        &[
            ("email", "nobody@x.test"),
            ("password", "wrong password"),
            ("csrf_token", &token),
        ],
    );
    assert_eq!(unknown.status, 422);
    // No CSRF token: refused.
    let no_csrf = c.post_form("/login", &[("email", &email), ("password", &pw)]);
    assert_eq!(
        no_csrf.status, 400,
        "a form without csrf_token does not even parse"
    );
    let forged = c.post_form(
        "/login",
        &[
            ("email", &email),
            ("password", &pw),
            ("csrf_token", "forged"),
        ],
    );
    assert_eq!(forged.status, 403);
    // Right password.
    c.login(&email, &pw);
    let console = c.get("/console");
    assert_eq!(console.status, 200);
    console.assert_contains("울산광역시 콘솔");
    // Session cookie flags.
    // Logout ends the session.
    let token = c.csrf("/console");
    assert_eq!(
        c.post_form("/logout", &[("csrf_token", &token)]).status,
        303
    );
    assert_eq!(c.get("/console").status, 303);
}

#[test]
fn login_is_rate_limited() {
    let app = TestApp::spawn_with(|c| c.login_rate_limit = 3);
    let c = app.client();
    let token = c.csrf("/login");
    for _ in 0..3 {
        let r = c.post_form(
            "/login",
            &[
                ("email", "a@b.test"),
                ("password", "nope nope nope"),
                ("csrf_token", &token),
            ],
        );
        assert_eq!(r.status, 422);
    }
    let r = c.post_form(
        "/login",
        &[
            ("email", "a@b.test"),
            ("password", "nope nope nope"),
            ("csrf_token", &token),
        ],
    );
    assert_eq!(r.status, 429);
    r.assert_contains("요청이 너무 많습니다");
}

#[test]
fn invalid_form_rerenders_with_korean_errors_and_saves_nothing() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let c = app.client();
    c.login(&email, &pw);
    let csrf = c.csrf("/console/announcements/new");
    let form = announcement_form(
        &csrf,
        &[
            ("title", ""),
            ("category", "없는분야"),
            ("apply_start", "2026-12-31"),
            ("apply_end", "2026-12-01"),
            ("apply_url", "javascript:alert(1)"),
            ("ksic_include", "99999"),
            ("owner_age_min", "abc"),
            ("summary", "이 요약은 남아 있어야 합니다"),
            // A forecast is public at once, so the whole check runs (a draft saves as it
            // is: tests/console_journeys.rs).
            ("intent", "forecast"),
        ],
    );
    let r = c.post_form("/console/announcements", &form);
    assert_eq!(r.status, 422);
    r.assert_contains("제목을 입력해 주세요");
    r.assert_contains("목록에 있는 분야를 선택해 주세요");
    r.assert_contains("마감일은 시작일보다 빠를 수 없습니다");
    r.assert_contains("http:// 또는 https://");
    r.assert_contains("'99999'는 한국표준산업분류(11차)에 없는 코드입니다");
    r.assert_contains("대표자 나이 하한");
    // Values kept.
    r.assert_contains("이 요약은 남아 있어야 합니다");
    r.assert_contains("value=\"2026-12-31\"");
    // Errors are tied to their fields.
    r.assert_contains("id=\"title-error\"");
    r.assert_contains("aria-invalid=\"true\"");
    // Nothing saved.
    let list = c.get("/console");
    list.assert_contains("0건");
}

#[test]
fn lifecycle_create_edit_publish_correct_close() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let c = app.client();
    c.login(&email, &pw);
    let id = create_announcement(&c, &[]);
    let manage = c.get(&format!("/console/announcements/{id}"));
    manage.assert_contains("작성 중");

    // Edit the draft.
    let csrf = c.csrf(&format!("/console/announcements/{id}/edit"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/edit"),
        &announcement_form(
            &csrf,
            &[("title", "2027년 울산 소상공인 온라인 판로 지원사업 (수정)")],
        ),
    );
    assert_eq!(r.status, 303);

    // Publish now: visible to the public with its facts; script stripped from the body.
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    assert_eq!(
        c.post_form(
            &format!("/console/announcements/{id}/publish"),
            &[("csrf_token", &csrf)]
        )
        .status,
        303
    );
    let public = app.client();
    let page = public.get(&format!("/announcements/{id}"));
    assert_eq!(page.status, 200);
    page.assert_contains("2027년 울산 소상공인 온라인 판로 지원사업 (수정)");
    page.assert_contains("울산경제일자리진흥원");
    page.assert_contains("2026.12.01 ~ 2026.12.31");
    page.assert_contains("쇼핑몰 입점");
    page.assert_contains("3억 원");
    page.assert_contains("대표자 만 19세 이상");
    page.assert_contains("음식점 및 주점업(56)");
    assert!(
        !page.body.contains("<script>alert(1)</script>"),
        "script must be sanitized away"
    );
    assert!(
        !page.body.contains("color:red"),
        "inline styles are dropped"
    );
    // Once the index job has run it is listed for 울산 under 접수 예정 (its window opens
    // in 7 days), marked as not yet open, and not under 접수 중.
    app.tick();
    let listed = public.get("/announcements?region=31&status=upcoming");
    assert!(listed.body.contains(&id));
    listed.assert_contains("접수 시작 D-7");
    assert!(!public.get("/announcements?region=31").body.contains(&id));

    // A published announcement cannot be edited in place, only corrected.
    let edit_again = c.get(&format!("/console/announcements/{id}/edit"));
    assert_eq!(edit_again.status, 303);
    assert!(edit_again.location().ends_with("/correct"));

    // Correction without a reason: 422 and nothing changes.
    let csrf = c.csrf(&format!("/console/announcements/{id}/correct"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/correct"),
        &announcement_form(&csrf, &[("apply_end", "2027-01-15")]),
    );
    assert_eq!(r.status, 422);
    r.assert_contains("정정 사유를 입력해 주세요");
    assert!(public
        .get(&format!("/announcements/{id}"))
        .text()
        .contains("2026.12.31"));

    // Correction with a reason: a new revision with the field-level diff, shown publicly.
    let r = c.post_form(
        &format!("/console/announcements/{id}/correct"),
        &announcement_form(
            &csrf,
            &[
                ("apply_end", "2027-01-15"),
                ("reason", "접수 기간 연장"),
                ("title", "2027년 울산 소상공인 온라인 판로 지원사업 (수정)"),
            ],
        ),
    );
    assert_eq!(
        r.status,
        303,
        "{}",
        r.body.chars().take(1500).collect::<String>()
    );
    let page = public.get(&format!("/announcements/{id}"));
    page.assert_contains("정정 이력");
    page.assert_contains("접수 기간 연장");
    page.assert_contains("접수 마감");
    page.assert_contains("2026-12-31 23:59");
    page.assert_contains("2027-01-15 23:59");
    page.assert_contains("2026.12.01 ~ 2027.01.15");

    // The stored diff is field-level and flags material changes.
    {
        use diesel::prelude::*;
        use jiwon::db::schema::revisions;
        let mut conn = app.conn();
        let (diff, material): (String, bool) = revisions::table
            .filter(revisions::announcement_id.eq(&id))
            .select((revisions::diff, revisions::material))
            .first(&mut conn)
            .expect("revision");
        let changes: Vec<serde_json::Value> = serde_json::from_str(&diff).expect("json");
        assert_eq!(changes.len(), 1, "only the deadline changed: {diff}");
        assert_eq!(changes[0]["field"], "apply_end");
        assert!(material);
    }

    // Close by hand: leaves the open list, stays findable as closed.
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    assert_eq!(
        c.post_form(
            &format!("/console/announcements/{id}/close"),
            &[("csrf_token", &csrf)]
        )
        .status,
        303
    );
    app.tick();
    assert!(!public.get("/announcements?region=31").body.contains(&id));
    assert!(public
        .get("/announcements?status=closed")
        .body
        .contains(&id));
    // The page's badge says it is closed (every page has "마감" in its bookmark link, so
    // look at the badge itself).
    let page = public.get(&format!("/announcements/{id}"));
    assert!(
        page.body
            .contains("<span class=\"dday dday-closed\">마감</span>"),
        "closed badge missing: {}",
        page.body.chars().take(2000).collect::<String>()
    );

    // The audit log has every step, with who did it.
    let audit = c.get("/console/audit");
    for action in [
        "공고 초안 작성",
        "공고 내용 수정",
        "게시",
        "정정 공고",
        "마감",
    ] {
        audit.assert_contains(action);
    }
    audit.assert_contains(&email);
}

#[test]
fn publishing_needs_a_deadline_and_unpublish_hides_it() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("부산광역시", "admin");
    let c = app.client();
    c.login(&email, &pw);
    // Forecast (예고): public but not open.
    let csrf = c.csrf("/console/announcements/new");
    let mut form = announcement_form(&csrf, &[("regions", "26")]);
    form.push(("intent", "forecast"));
    let r = c.post_form("/console/announcements", &form);
    assert_eq!(r.status, 303);
    let id = r
        .location()
        .trim_start_matches("/console/announcements/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    let public = app.client();
    public
        .get(&format!("/announcements/{id}"))
        .assert_contains("예고");
    app.tick();
    assert!(public
        .get("/announcements?status=upcoming")
        .body
        .contains(&id));
    // Unpublish: gone from the public site.
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    assert_eq!(
        c.post_form(
            &format!("/console/announcements/{id}/unpublish"),
            &[("csrf_token", &csrf)]
        )
        .status,
        303
    );
    assert_eq!(public.get(&format!("/announcements/{id}")).status, 404);
    // A draft with a past deadline cannot be published: the reason is shown.
    let id2 = create_announcement(
        &c,
        &[("apply_start", "2026-01-01"), ("apply_end", "2026-01-31")],
    );
    let csrf = c.csrf(&format!("/console/announcements/{id2}"));
    let r = c.post_form(
        &format!("/console/announcements/{id2}/publish"),
        &[("csrf_token", &csrf)],
    );
    // Refused at the form, the reason at the deadline field.
    assert_eq!(r.status, 422);
    r.assert_contains("접수 마감일이 이미 지났습니다");
    r.assert_contains("href=\"#i-apply_end\"");
    assert_eq!(public.get(&format!("/announcements/{id2}")).status, 404);
}

/// Every console route, for staff of another agency: 403; for a reviewer, every
/// write: 403; for nobody signed in: the login page.
#[test]
fn permissions_on_every_console_route() {
    let app = TestApp::spawn();
    let (_, owner_email, owner_pw) = app.staff("울산광역시", "editor");
    let owner = app.client();
    owner.login(&owner_email, &owner_pw);
    let id = create_announcement(&owner, &[]);
    let csrf = owner.csrf(&format!("/console/announcements/{id}"));
    // Upload one attachment to have an attachment id.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let r = owner.post_multipart(
        &format!("/console/announcements/{id}/attachments"),
        &[("csrf_token", &csrf)],
        ("공고문.pdf", pdf),
    );
    assert_eq!(r.status, 303);
    let manage = owner.get(&format!("/console/announcements/{id}"));
    let aid_start = manage
        .body
        .find("/attachments/")
        .map(|i| i + "/attachments/".len());
    let aid: String = aid_start
        .map(|s| {
            manage.body[s..]
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_default();
    assert!(!aid.is_empty(), "attachment listed on the manage page");

    let get_routes = [
        format!("/console/announcements/{id}"),
        format!("/console/announcements/{id}/edit"),
        format!("/console/announcements/{id}/correct"),
        format!("/console/announcements/{id}/publish"),
    ];
    let post_routes = [
        format!("/console/announcements/{id}/edit"),
        format!("/console/announcements/{id}/correct"),
        format!("/console/announcements/{id}/publish"),
        format!("/console/announcements/{id}/schedule"),
        format!("/console/announcements/{id}/unpublish"),
        format!("/console/announcements/{id}/close"),
        format!("/console/announcements/{id}/attachments/{aid}/delete"),
    ];

    // Another agency's editor.
    let (_, other_email, other_pw) = app.staff("부산광역시", "editor");
    let other = app.client();
    other.login(&other_email, &other_pw);
    let other_csrf = other.csrf("/console");
    for path in &get_routes {
        assert_eq!(other.get(path).status, 403, "GET {path} by another agency");
    }
    for path in &post_routes {
        let mut fields = announcement_form(&other_csrf, &[("reason", "x")]);
        fields.push(("date", "2027-01-01"));
        fields.push(("time", "09:00"));
        assert_eq!(
            other.post_form(path, &fields).status,
            403,
            "POST {path} by another agency"
        );
    }
    let r = other.post_multipart(
        &format!("/console/announcements/{id}/attachments"),
        &[("csrf_token", &other_csrf)],
        ("x.pdf", pdf),
    );
    assert_eq!(r.status, 403, "upload by another agency");

    // A reviewer of the same agency reads but cannot change anything.
    let reviewer_app_staff = app.staff("울산광역시", "reviewer");
    let reviewer = app.client();
    reviewer.login(&reviewer_app_staff.1, &reviewer_app_staff.2);
    assert_eq!(
        reviewer.get(&format!("/console/announcements/{id}")).status,
        200
    );
    assert_eq!(reviewer.get("/console/announcements/new").status, 403);
    let rcsrf = reviewer.csrf("/console");
    assert_eq!(
        reviewer
            .post_form("/console/announcements", &announcement_form(&rcsrf, &[]))
            .status,
        403
    );
    for path in &post_routes {
        let mut fields = announcement_form(&rcsrf, &[("reason", "x")]);
        fields.push(("date", "2027-01-01"));
        fields.push(("time", "09:00"));
        assert_eq!(
            reviewer.post_form(path, &fields).status,
            403,
            "POST {path} by a reviewer"
        );
    }
    assert_eq!(
        reviewer
            .post_form(
                "/console/staff/invite",
                &[
                    ("csrf_token", &rcsrf),
                    ("email", "a@b.test"),
                    ("role", "editor")
                ]
            )
            .status,
        403
    );

    // Nobody signed in: every console page sends them to the login page.
    let anon = app.client();
    for path in get_routes.iter().chain(
        [
            "/console".to_string(),
            "/console/staff".to_string(),
            "/console/audit".to_string(),
            "/admin/jobs".to_string(),
        ]
        .iter(),
    ) {
        let r = anon.get(path);
        assert_eq!(r.status, 303, "GET {path} anonymously");
        assert!(r.location().starts_with("/login?next="));
    }
    // Staff are not operators.
    assert_eq!(owner.get("/admin/jobs").status, 403);

    // Nothing changed by the refused requests.
    owner
        .get(&format!("/console/announcements/{id}"))
        .assert_contains("작성 중");
    owner
        .get(&format!("/console/announcements/{id}"))
        .assert_contains("공고문.pdf");
}
