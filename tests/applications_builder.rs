//! Issue 12, the agency builds the form: how a program takes applications (only its own
//! agency's editors), the form builder without JavaScript with Korean errors, the question
//! bank, the applicant's-eye preview, versions that never change once published, the
//! public page's "이 포털에서 신청하기", and the demo program's form.

mod common;

use common::{create_announcement, Client, TestApp};
use jiwon::applications::{builder, form::Kind, store};

const PW: &str = "owner password 1";

fn editor(app: &TestApp, agency: &str) -> Client {
    let (_, email, pw) = app.staff(agency, "editor");
    let c = app.client();
    c.login(&email, &pw);
    c
}

/// An announcement of 중소벤처기업부, published, open now (the test clock is 2026-11-24).
fn open_program(app: &TestApp, c: &Client) -> String {
    let id = create_announcement(
        c,
        &[
            ("apply_start", "2026-11-20"),
            ("apply_end", "2026-12-31"),
            ("employees_max", "10"),
        ],
    );
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let _ = app;
    id
}

fn draft_schema(app: &TestApp, id: &str) -> jiwon::applications::form::FormSchema {
    store::draft_form(&mut app.conn(), id)
        .unwrap()
        .expect("a version being edited")
        .schema()
}

fn add_question(c: &Client, id: &str, section: &str, fields: &[(&str, &str)]) -> common::Resp {
    let csrf = c.csrf(&format!("/console/announcements/{id}/form"));
    let mut all: Vec<(&str, &str)> = vec![("csrf_token", &csrf), ("section", section)];
    all.extend_from_slice(fields);
    c.post_form(&format!("/console/announcements/{id}/form/questions"), &all)
}

#[test]
fn settings_are_saved_only_by_the_owning_agency() {
    let app = TestApp::spawn();
    let c = editor(&app, "중소벤처기업부");
    let id = create_announcement(&c, &[]);
    let page = c.get(&format!("/console/announcements/{id}"));
    page.assert_contains("신청 받기");
    let csrf = common::extract_csrf(&page.body).unwrap();
    let path = format!("/console/announcements/{id}/apply-settings");
    let r = c.post_form(
        &path,
        &[
            ("csrf_token", &csrf),
            ("mode", "portal"),
            ("supplement_days", "10"),
            ("show_count", "yes"),
        ],
    );
    assert_eq!(r.status, 303);
    let s = store::settings(&mut app.conn(), &id).unwrap().unwrap();
    assert_eq!(
        (s.mode.as_str(), s.supplement_days, s.show_count),
        ("portal", 10, true)
    );
    let page = c.get(&format!("/console/announcements/{id}"));
    assert!(common::is_checked(&page.body, "mode", "portal"));
    // A wrong number of days is refused in Korean, nothing changed.
    let r = c.post_form(
        &path,
        &[
            ("csrf_token", &csrf),
            ("mode", "external"),
            ("supplement_days", "0"),
        ],
    );
    assert_eq!(r.status, 303);
    let back = c.get(r.location());
    back.assert_contains("보완 기한은 1일에서 90일 사이로");
    assert_eq!(
        store::settings(&mut app.conn(), &id).unwrap().unwrap().mode,
        "portal"
    );

    // Another agency's editor: refused, nothing saved.
    let other = editor(&app, "울산광역시");
    let oc = other.csrf("/console");
    let r = other.post_form(
        &path,
        &[
            ("csrf_token", &oc),
            ("mode", "external"),
            ("supplement_days", "3"),
        ],
    );
    assert!(matches!(r.status, 403 | 404), "{}", r.status);
    assert_eq!(
        other
            .get(&format!("/console/announcements/{id}/form"))
            .status,
        403
    );
    // A business owner: refused.
    let (_, email) = app.owner_with(PW, |_| {});
    let owner = app.client();
    owner.login(&email, PW);
    let ocsrf = owner.csrf("/me");
    let r = owner.post_form(
        &path,
        &[
            ("csrf_token", &ocsrf),
            ("mode", "external"),
            ("supplement_days", "3"),
        ],
    );
    assert_eq!(r.status, 403);
    let s = store::settings(&mut app.conn(), &id).unwrap().unwrap();
    assert_eq!((s.mode.as_str(), s.supplement_days), ("portal", 10));
}

#[test]
fn the_builder_adds_edits_moves_and_deletes_with_korean_errors() {
    let app = TestApp::spawn();
    let c = editor(&app, "중소벤처기업부");
    let id = create_announcement(&c, &[("employees_max", "10")]);
    // The first visit drafts version 1: eligibility from the announcement first.
    let page = c.get(&format!("/console/announcements/{id}/form"));
    assert_eq!(page.status, 200);
    page.assert_contains("상시 근로자 10명 이하입니다");
    let s = draft_schema(&app, &id);
    assert_eq!(s.sections[0].key, "eligibility");
    assert_eq!(s.sections[0].questions[0].hard.as_deref(), Some("yes"));

    // Add: a choice, a conditional text, a table.
    let r = add_question(
        &c,
        &id,
        "program",
        &[
            ("key", "channel"),
            ("kind", "single_choice"),
            ("label", "주 판매 채널"),
            ("required", "yes"),
            ("options", "온라인\n오프라인\n"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = add_question(
        &c,
        &id,
        "program",
        &[
            ("key", "mall"),
            ("kind", "short_text"),
            ("label", "입점한 쇼핑몰"),
            ("max_chars", "50"),
            ("show_if_question", "channel"),
            ("show_if_value", "온라인"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = add_question(
        &c,
        &id,
        "program",
        &[
            ("key", "sales"),
            ("kind", "table"),
            ("label", "연도별 매출"),
            ("columns", "year|연도|number\namount|매출|money"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let s = draft_schema(&app, &id);
    let keys: Vec<&str> = s.sections[1]
        .questions
        .iter()
        .map(|q| q.key.as_str())
        .collect();
    assert_eq!(keys, ["channel", "mall", "sales"]);
    assert_eq!(s.question("mall").unwrap().max_chars, Some(50));
    assert_eq!(s.question("sales").unwrap().columns[1].kind, Kind::Money);

    // Mistakes: Korean messages at the fields, what was typed kept, nothing saved.
    let dup = add_question(
        &c,
        &id,
        "program",
        &[
            ("key", "channel"),
            ("kind", "short_text"),
            ("label", "또 채널"),
        ],
    );
    assert_eq!(dup.status, 422);
    dup.assert_contains("같은 질문 키가 두 번 쓰였습니다");
    dup.assert_contains("또 채널");
    assert!(dup.body.contains("id=\"key-error\""));
    let no_options = add_question(
        &c,
        &id,
        "program",
        &[
            ("key", "size"),
            ("kind", "multiple_choice"),
            ("label", "규모"),
            ("options", "하나"),
        ],
    );
    assert_eq!(no_options.status, 422);
    no_options.assert_contains("고를 수 있는 보기를 두 개 이상 적어 주세요");
    assert!(no_options.body.contains("id=\"options-error\""));
    // Editing the first question to depend on a later one.
    let later = add_question(
        &c,
        &id,
        "program",
        &[
            ("original", "channel"),
            ("key", "channel"),
            ("kind", "single_choice"),
            ("label", "주 판매 채널"),
            ("options", "온라인\n오프라인"),
            ("show_if_question", "sales"),
            ("show_if_value", "x"),
        ],
    );
    assert_eq!(later.status, 422);
    later.assert_contains("조건은 앞에 나온 질문의 답으로만 걸 수 있습니다");
    let bad_columns = add_question(
        &c,
        &id,
        "program",
        &[
            ("key", "t2"),
            ("kind", "table"),
            ("label", "표"),
            ("columns", "year"),
        ],
    );
    assert_eq!(bad_columns.status, 422);
    bad_columns.assert_contains("1번째 줄을 ‘키|이름|종류’로");
    assert_eq!(draft_schema(&app, &id).sections[1].questions.len(), 3);

    // Edit: the label changes, the key stays.
    let r = add_question(
        &c,
        &id,
        "program",
        &[
            ("original", "mall"),
            ("key", "mall"),
            ("kind", "long_text"),
            ("label", "입점한 쇼핑몰과 판매 실적"),
            ("max_chars", "300"),
            ("show_if_question", "channel"),
            ("show_if_value", "온라인"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let m = draft_schema(&app, &id);
    let m = m.question("mall").unwrap();
    assert_eq!((m.kind, m.max_chars), (Kind::LongText, Some(300)));

    // Move: sales up above mall; moving the condition above its question is refused.
    let csrf = c.csrf(&format!("/console/announcements/{id}/form"));
    let mv = |key: &str, dir: &str| {
        c.post_form(
            &format!("/console/announcements/{id}/form/move"),
            &[("csrf_token", &csrf), ("key", key), ("dir", dir)],
        )
    };
    assert_eq!(mv("sales", "up").status, 303);
    let s = draft_schema(&app, &id);
    let keys: Vec<&str> = s.sections[1]
        .questions
        .iter()
        .map(|q| q.key.as_str())
        .collect();
    assert_eq!(keys, ["channel", "sales", "mall"]);
    assert_eq!(mv("mall", "up").status, 303);
    let r = mv("mall", "up");
    assert_eq!(r.status, 303);
    assert!(c
        .get(r.location())
        .body
        .contains("조건은 앞에 나온 질문의 답으로만"));
    let s = draft_schema(&app, &id);
    let keys: Vec<&str> = s.sections[1]
        .questions
        .iter()
        .map(|q| q.key.as_str())
        .collect();
    assert_eq!(keys, ["channel", "mall", "sales"]);

    // Delete: asked first (the GET changes nothing), then gone.
    let confirm = c.get(&format!(
        "/console/announcements/{id}/form/delete?key=sales"
    ));
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("질문 삭제");
    assert!(draft_schema(&app, &id).question("sales").is_some());
    let r = c.post_form(
        &format!("/console/announcements/{id}/form/delete?key=sales"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert!(draft_schema(&app, &id).question("sales").is_none());
    // Deleting a question another depends on is refused.
    let r = c.post_form(
        &format!("/console/announcements/{id}/form/delete?key=channel"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert!(draft_schema(&app, &id).question("channel").is_some());

    // A section of its own.
    let r = c.post_form(
        &format!("/console/announcements/{id}/form/sections"),
        &[("csrf_token", &csrf), ("title", "첨부 서류")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(draft_schema(&app, &id).sections[2].title, "첨부 서류");
    // The preview says when a conditional question shows.
    let p = c.get(&format!("/console/announcements/{id}/form/preview"));
    p.assert_contains("‘주 판매 채널’의 답이 ‘온라인’일 때만 보입니다");
}

#[test]
fn the_bank_saves_and_adds_questions_and_the_preview_shows_them() {
    let app = TestApp::spawn();
    let c = editor(&app, "중소벤처기업부");
    let id = create_announcement(&c, &[]);
    let r = add_question(
        &c,
        &id,
        "program",
        &[
            ("key", "export_plan"),
            ("kind", "long_text"),
            ("label", "수출 계획"),
        ],
    );
    assert_eq!(r.status, 303);
    let csrf = c.csrf(&format!("/console/announcements/{id}/form"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/form/bank"),
        &[("csrf_token", &csrf), ("key", "export_plan")],
    );
    assert_eq!(r.status, 303);
    let agency = app.staff("중소벤처기업부", "reviewer").0;
    let bank = builder::bank_for(&mut app.conn(), &agency.id).unwrap();
    let mine = bank
        .iter()
        .find(|b| b.bank_key == "export_plan")
        .expect("saved to the agency's bank");
    assert_eq!(mine.agency_id.as_deref(), Some(agency.id.as_str()));
    assert_eq!(
        draft_schema(&app, &id)
            .question("export_plan")
            .unwrap()
            .bank_key
            .as_deref(),
        Some("export_plan")
    );
    // The portal's common questions are there too; add one to another program.
    let portal = bank
        .iter()
        .find(|b| b.bank_key == "site_address" && b.agency_id.is_none())
        .expect("portal-wide common question");
    assert!(bank.iter().any(|b| b.bank_key == "sales_3y"));
    let id2 = create_announcement(&c, &[]);
    let page = c.get(&format!("/console/announcements/{id2}/form"));
    page.assert_contains("사업장 주소");
    page.assert_contains("수출 계획");
    let csrf = common::extract_csrf(&page.body).unwrap();
    for bank_id in [portal.id.as_str(), mine.id.as_str()] {
        let r = c.post_form(
            &format!("/console/announcements/{id2}/form/bank-add"),
            &[
                ("csrf_token", &csrf),
                ("bank_id", bank_id),
                ("section", "program"),
            ],
        );
        assert_eq!(r.status, 303);
    }
    let s = draft_schema(&app, &id2);
    assert_eq!(
        s.question("site_address").unwrap().bank_key.as_deref(),
        Some("site_address")
    );
    assert!(s.question("export_plan").is_some());
    // Another agency does not see this agency's bank question.
    let other =
        builder::bank_for(&mut app.conn(), &app.staff("울산광역시", "editor").0.id).unwrap();
    assert!(other.iter().all(|b| b.bank_key != "export_plan"));
    assert!(other.iter().any(|b| b.bank_key == "site_address"));
    let oc = editor(&app, "울산광역시");
    let oid = create_announcement(&oc, &[]);
    let ocsrf = oc.csrf(&format!("/console/announcements/{oid}/form"));
    let r = oc.post_form(
        &format!("/console/announcements/{oid}/form/bank-add"),
        &[
            ("csrf_token", &ocsrf),
            ("bank_id", &mine.id),
            ("section", "program"),
        ],
    );
    assert_eq!(r.status, 303);
    assert!(draft_schema(&app, &oid).question("export_plan").is_none());

    // The preview: the questions as an applicant sees them, nothing to submit.
    let p = c.get(&format!("/console/announcements/{id2}/form/preview"));
    assert_eq!(p.status, 200);
    p.assert_contains("사업장 주소");
    p.assert_contains("name=\"q.site_address\"");
    p.assert_contains("수출 계획");
    assert!(p.body.contains("type=\"submit\" disabled"));
    // A reviewer of the agency may look; another agency may not.
    let (_, remail, rpw) = app.staff("중소벤처기업부", "reviewer");
    let rc = app.client();
    rc.login(&remail, &rpw);
    assert_eq!(
        rc.get(&format!("/console/announcements/{id2}/form/preview"))
            .status,
        200
    );
    assert_eq!(
        oc.get(&format!("/console/announcements/{id2}/form/preview"))
            .status,
        403
    );
}

#[test]
fn publishing_makes_a_new_version_and_the_old_one_never_changes() {
    let app = TestApp::spawn();
    let c = editor(&app, "중소벤처기업부");
    let id = create_announcement(&c, &[]);
    add_question(
        &c,
        &id,
        "program",
        &[
            ("key", "plan"),
            ("kind", "long_text"),
            ("label", "사업 계획"),
        ],
    );
    let csrf = c.csrf(&format!("/console/announcements/{id}/form"));
    let publish = || {
        c.post_form(
            &format!("/console/announcements/{id}/form/publish"),
            &[("csrf_token", &csrf)],
        )
    };
    let r = publish();
    assert_eq!(r.status, 303);
    let v1 = store::published_form(&mut app.conn(), &id)
        .unwrap()
        .unwrap();
    assert_eq!(v1.version, 1);
    let page = c.get(r.location());
    page.assert_contains("버전 1을(를) 게시했습니다");
    // The builder now edits version 2; changing it leaves version 1 as it was.
    add_question(
        &c,
        &id,
        "program",
        &[
            ("key", "budget"),
            ("kind", "money"),
            ("label", "신청 금액"),
            ("max", "5000000"),
        ],
    );
    assert_eq!(
        store::draft_form(&mut app.conn(), &id)
            .unwrap()
            .unwrap()
            .version,
        2
    );
    assert_eq!(
        store::form_by_id(&mut app.conn(), &v1.id)
            .unwrap()
            .unwrap()
            .schema_json,
        v1.schema_json
    );
    assert_eq!(publish().status, 303);
    let v2 = store::published_form(&mut app.conn(), &id)
        .unwrap()
        .unwrap();
    assert_eq!(v2.version, 2);
    assert!(v2.schema().question("budget").is_some());
    let again = store::form_by_id(&mut app.conn(), &v1.id).unwrap().unwrap();
    assert_eq!(again.schema_json, v1.schema_json);
    assert_eq!(again.published_at, v1.published_at);
    let page = c.get(&format!("/console/announcements/{id}/form"));
    page.assert_contains("버전 1");
    page.assert_contains("버전 2");
    // Nothing new to publish: said so, no version 3.
    let r = publish();
    c.get(r.location())
        .assert_contains("바뀐 내용이 없어 게시하지 않았습니다");
    assert_eq!(
        store::published_form(&mut app.conn(), &id)
            .unwrap()
            .unwrap()
            .version,
        2
    );
}

#[test]
fn the_public_page_offers_the_portal_only_when_portal_published_and_open() {
    let app = TestApp::spawn();
    let c = editor(&app, "중소벤처기업부");
    let id = open_program(&app, &c);
    let public = app.client();
    let offered = |id: &str| {
        public
            .get(&format!("/announcements/{id}"))
            .body
            .contains("이 포털에서 신청하기")
    };
    // External (never set): the external link as before.
    assert!(!offered(&id));
    let page = public.get(&format!("/announcements/{id}"));
    assert!(page.body.contains("id=\"apply\""), "{}", page.body);
    // Portal, but no published form yet.
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/apply-settings"),
        &[
            ("csrf_token", &csrf),
            ("mode", "portal"),
            ("supplement_days", "7"),
            ("show_count", "no"),
        ],
    );
    assert_eq!(r.status, 303);
    assert!(!offered(&id));
    // Published form: offered, linking to the application page.
    c.get(&format!("/console/announcements/{id}/form"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/form/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert!(offered(&id));
    assert!(public
        .get(&format!("/announcements/{id}"))
        .body
        .contains(&format!("href=\"/announcements/{id}/apply\"")));
    // Back to external: not offered.
    c.post_form(
        &format!("/console/announcements/{id}/apply-settings"),
        &[
            ("csrf_token", &csrf),
            ("mode", "external"),
            ("supplement_days", "7"),
        ],
    );
    assert!(!offered(&id));
    // Portal + published, but the window not yet open: not offered.
    let later = create_announcement(&c, &[]);
    let r = c.post_form(
        &format!("/console/announcements/{later}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    c.post_form(
        &format!("/console/announcements/{later}/apply-settings"),
        &[
            ("csrf_token", &csrf),
            ("mode", "portal"),
            ("supplement_days", "7"),
        ],
    );
    c.get(&format!("/console/announcements/{later}/form"));
    c.post_form(
        &format!("/console/announcements/{later}/form/publish"),
        &[("csrf_token", &csrf)],
    );
    assert!(store::published_form(&mut app.conn(), &later)
        .unwrap()
        .is_some());
    assert!(!offered(&later));
}

#[test]
fn the_demo_program_form_uses_every_kind() {
    let app = TestApp::spawn();
    let c = editor(&app, "중소벤처기업부");
    let id = create_announcement(&c, &[("employees_max", "10")]);
    let mut conn = app.conn();
    let a = jiwon::announcements::store::find(&mut conn, &id)
        .unwrap()
        .unwrap();
    let by = a.created_by.clone();
    jiwon::demo::demo_form(&mut conn, &a, by.as_deref().unwrap_or_default(), app.now()).unwrap();
    let f = store::published_form(&mut conn, &id)
        .unwrap()
        .expect("published");
    let s = f.schema();
    assert!(s.problems().is_empty(), "{:?}", s.problems());
    for k in Kind::ALL {
        assert!(s.questions().any(|q| q.kind == k), "no {k:?} question");
    }
    assert!(s.questions().any(|q| q.show_if.is_some()));
    assert!(s.sections[0].questions.iter().any(|q| q.hard.is_some()));
    assert!(builder::portal_ready(&mut conn, &id).unwrap());
}

/// `jiwon demo` makes the program: open now, on this portal, its published form using
/// every question kind (read back from the database the demo wrote).
#[test]
fn jiwon_demo_includes_a_portal_program_with_every_kind() {
    use diesel::prelude::*;
    use jiwon::db::schema::announcements;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let url = format!("sqlite://{}/demo.db", dir.display());
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jiwon"));
    cmd.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("JIWON_") || k == "TEST_DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    let o = cmd
        .env("JIWON_LOG", "warn")
        .env("JIWON_DATABASE_URL", &url)
        .env("JIWON_SEARCH_DIR", dir.join("search"))
        .args(["demo", "--no-serve"])
        .output()
        .expect("run jiwon");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains(jiwon::demo::DEMO_PORTAL_PROGRAM), "{err}");
    let mut conn = jiwon::db::DbConnection::establish(&url).expect("the demo's database");
    let id: String = announcements::table
        .filter(announcements::title.eq(jiwon::demo::DEMO_PORTAL_PROGRAM))
        .select(announcements::id)
        .first(&mut conn)
        .expect("the demo program");
    assert!(builder::portal_ready(&mut conn, &id).unwrap());
    let s = store::published_form(&mut conn, &id)
        .unwrap()
        .unwrap()
        .schema();
    for k in Kind::ALL {
        assert!(s.questions().any(|q| q.kind == k), "no {k:?} question");
    }
}

/// An owner's draft stays on its version while the new one only adds questions, and
/// moves (answers kept by key) when a question it answers is taken away.
#[test]
fn drafts_stay_on_their_version_unless_a_question_is_taken_away() {
    use diesel::prelude::*;
    use jiwon::applications::model::{Application, Business};
    use jiwon::db::schema::{applications, businesses};
    let app = TestApp::spawn();
    let c = editor(&app, "중소벤처기업부");
    let id = create_announcement(&c, &[]);
    let (owner_id, _) = app.owner_with(PW, |_| {});
    let csrf = c.csrf(&format!("/console/announcements/{id}/form"));
    let publish = || {
        let r = c.post_form(
            &format!("/console/announcements/{id}/form/publish"),
            &[("csrf_token", &csrf)],
        );
        assert_eq!(r.status, 303);
        c.get(r.location());
        store::published_form(&mut app.conn(), &id)
            .unwrap()
            .unwrap()
    };
    add_question(
        &c,
        &id,
        "program",
        &[
            ("key", "plan"),
            ("kind", "long_text"),
            ("label", "사업 계획"),
        ],
    );
    let v1 = publish();
    let now = app.now();
    let mut conn = app.conn();
    let business = Business {
        id: jiwon::ids::new_id(),
        business_number: "1234567891".into(),
        name: "울산 식당".into(),
        created_by: owner_id.clone(),
        created_at: now,
    };
    diesel::insert_into(businesses::table)
        .values(&business)
        .execute(&mut conn)
        .unwrap();
    let agency = app.staff("중소벤처기업부", "reviewer").0;
    let draft = Application {
        id: jiwon::ids::new_id(),
        announcement_id: id.clone(),
        business_id: business.id.clone(),
        form_id: v1.id.clone(),
        agency_id: agency.id.clone(),
        status: "draft".into(),
        receipt_no: None,
        applicant_json: "{}".into(),
        answers_json: r#"{"plan":"온라인 판로"}"#.into(),
        step: 1,
        supplement_note: String::new(),
        supplement_due: None,
        created_by: owner_id.clone(),
        submitted_by: None,
        submitted_at: None,
        decided_at: None,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(applications::table)
        .values(&draft)
        .execute(&mut conn)
        .unwrap();
    drop(conn);
    // Version 2 only adds a question: the draft stays on version 1.
    add_question(
        &c,
        &id,
        "program",
        &[("key", "budget"), ("kind", "money"), ("label", "신청 금액")],
    );
    let v2 = publish();
    assert_eq!(v2.version, 2);
    let f = builder::form_for_draft(&mut app.conn(), &draft).unwrap();
    assert_eq!(f.id, v1.id);
    // Version 3 takes "plan" away: the draft moves to version 3.
    let r = c.post_form(
        &format!("/console/announcements/{id}/form/delete?key=plan"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    let v3 = publish();
    assert_eq!(v3.version, 3);
    let f = builder::form_for_draft(&mut app.conn(), &draft).unwrap();
    assert_eq!(f.id, v3.id);
    // A submitted application keeps its version for good.
    let submitted = Application {
        status: "submitted".into(),
        ..draft
    };
    assert_eq!(
        builder::form_for_draft(&mut app.conn(), &submitted)
            .unwrap()
            .id,
        v1.id
    );
}
