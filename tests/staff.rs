//! Agency admins invite and remove their own staff; roles are enforced.

mod common;

use common::mail::last_link;
use common::TestApp;

/// The invitation link, as the invited person finds it in their mail (the admin's page
/// does not show it).
fn invite_link(app: &TestApp, email: &str, page: &str) -> String {
    assert!(
        !page.contains("/invite/"),
        "the admin's page must not show the invitation link"
    );
    app.tick();
    last_link(app, email, "/invite/")
}

#[test]
fn admin_invites_staff_who_join_and_can_be_removed() {
    let app = TestApp::spawn();
    let (_, admin_email, admin_pw) = app.staff("울산광역시", "admin");
    let admin = app.client();
    admin.login(&admin_email, &admin_pw);

    // A bad email re-renders with a message.
    let csrf = admin.csrf("/console/staff");
    let r = admin.post_form(
        "/console/staff/invite",
        &[
            ("csrf_token", &csrf),
            ("email", "not-an-email"),
            ("role", "editor"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("올바른 이메일 주소를 입력해 주세요");

    let r = admin.post_form(
        "/console/staff/invite",
        &[
            ("csrf_token", &csrf),
            ("email", "new.editor@ulsan.test"),
            ("role", "editor"),
        ],
    );
    assert_eq!(r.status, 200);
    let link = invite_link(&app, "new.editor@ulsan.test", &r.body);

    // The invitee sets a password; a mismatch is a 422 with the name kept.
    let newbie = app.client();
    let token = newbie.csrf(&link);
    let r = newbie.post_form(
        &link,
        &[
            ("csrf_token", &token),
            ("name", "정새내"),
            ("password", "long enough password"),
            ("password_confirm", "different password"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("비밀번호가 서로 다릅니다");
    r.assert_contains("정새내");
    let r = newbie.post_form(
        &link,
        &[
            ("csrf_token", &token),
            ("name", "정새내"),
            ("password", "short"),
            ("password_confirm", "short"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("10자 이상");
    let r = newbie.post_form(
        &link,
        &[
            ("csrf_token", &token),
            ("name", "정새내"),
            ("password", "long enough password"),
            ("password_confirm", "long enough password"),
        ],
    );
    assert_eq!(r.status, 303);
    newbie.get("/console").assert_contains("울산광역시 콘솔");
    // The link works once.
    assert_eq!(app.client().get(&link).status, 404);
    // The new editor can sign in again later, and is listed.
    let again = app.client();
    again.login("new.editor@ulsan.test", "long enough password");
    let staff_page = admin.get("/console/staff");
    staff_page.assert_contains("new.editor@ulsan.test");
    staff_page.assert_contains("공고 담당자");

    // An editor cannot invite or remove.
    let token = again.csrf("/console/staff");
    assert_eq!(
        again
            .post_form(
                "/console/staff/invite",
                &[
                    ("csrf_token", &token),
                    ("email", "x@y.test"),
                    ("role", "admin")
                ]
            )
            .status,
        403
    );

    // Admins of another agency cannot touch this agency's staff.
    let (_, other_email, other_pw) = app.staff("부산광역시", "admin");
    let other = app.client();
    other.login(&other_email, &other_pw);
    let user_id = {
        use diesel::prelude::*;
        use jiwon::db::schema::users;
        users::table
            .filter(users::email.eq("new.editor@ulsan.test"))
            .select(users::id)
            .first::<String>(&mut app.conn())
            .expect("user")
    };
    let ot = other.csrf("/console/staff");
    assert_eq!(
        other
            .post_form(
                &format!("/console/staff/{user_id}/remove"),
                &[("csrf_token", &ot)]
            )
            .status,
        403
    );
    assert_eq!(
        other
            .post_form(
                &format!("/console/staff/{user_id}/role"),
                &[("csrf_token", &ot), ("role", "admin")]
            )
            .status,
        403
    );

    // The admin changes the role, then removes them: their sessions end at once.
    let csrf = admin.csrf("/console/staff");
    assert_eq!(
        admin
            .post_form(
                &format!("/console/staff/{user_id}/role"),
                &[("csrf_token", &csrf), ("role", "reviewer")]
            )
            .status,
        303
    );
    admin.get("/console/staff").assert_contains("검토자");
    assert_eq!(
        admin
            .post_form(
                &format!("/console/staff/{user_id}/remove"),
                &[("csrf_token", &csrf)]
            )
            .status,
        303
    );
    assert_eq!(again.get("/console").status, 303);
    assert!(!admin
        .get("/console/staff")
        .body
        .contains("new.editor@ulsan.test"));
    // And they cannot sign in any more.
    let t = app.client();
    let tok = t.csrf("/login");
    assert_eq!(
        t.post_form(
            "/login",
            &[
                ("email", "new.editor@ulsan.test"),
                ("password", "long enough password"),
                ("csrf_token", &tok)
            ]
        )
        .status,
        422
    );

    // Every step is in the audit log, in Korean.
    let audit = admin.get("/console/audit");
    for a in ["직원 초대", "직원 가입", "직원 역할 변경", "직원 내보냄"] {
        audit.assert_contains(a);
    }
}
