//! The owner's home: "내게 맞는 공고" ranked with the reasons (and what to check), the
//! anonymous home's region remembered in a cookie, what a signed-out visitor meant
//! (bookmark, alert) surviving login and sign-up, and the industry chosen by name.

mod common;

use common::mail::*;
use common::*;
use diesel::prelude::*;
use jiwon::db::schema::{bookmarks, subscriptions, users};

const PW: &str = "sajang password 1";

fn staff_client(app: &TestApp) -> Client {
    let (_, email, pw) = app.staff("울산경제일자리진흥원", "editor");
    let c = app.client();
    c.login(&email, &pw);
    c
}

/// Create and publish an announcement open on the test clock (2026-11-24), with
/// `overrides` on the console form.
fn publish(staff: &Client, overrides: &[(&str, &str)]) -> String {
    let mut all: Vec<(&str, &str)> = vec![
        ("apply_start", "2026-11-01"),
        ("ksic_include", ""),
        ("owner_age_min", ""),
    ];
    all.extend_from_slice(overrides);
    let id = create_announcement(staff, &all);
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    let r = staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(
        r.status,
        303,
        "publish: {}",
        &r.body[..r.body.len().min(500)]
    );
    id
}

/// A 울산 남구 한식당 founded three years before the test clock.
fn restaurant(app: &TestApp) -> Client {
    let (_, email) = app.owner_with(PW, |p| {
        p.region_code = Some("31140".into());
        p.ksic_code = Some("56111".into());
        p.founded_on = chrono::NaiveDate::from_ymd_opt(2023, 6, 1);
    });
    let c = app.client();
    c.login(&email, PW);
    c
}

fn user_id(app: &TestApp, email: &str) -> String {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first::<String>(&mut app.conn())
        .expect("user")
}

fn bookmarked(app: &TestApp, uid: &str, ann: &str) -> i64 {
    bookmarks::table
        .filter(bookmarks::user_id.eq(uid))
        .filter(bookmarks::announcement_id.eq(ann))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

fn subscriptions_of(app: &TestApp, uid: &str) -> Vec<String> {
    subscriptions::table
        .filter(subscriptions::user_id.eq(uid))
        .select(subscriptions::spec)
        .load(&mut app.conn())
        .expect("subscriptions")
}

/// The `href` of the first link whose target starts with `prefix`.
fn href(body: &str, prefix: &str) -> String {
    let marker = format!("href=\"{prefix}");
    let i = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no link to {prefix} in {body}"));
    let rest = &body[i + 6..];
    rest[..rest.find('"').expect("closing quote")].replace("&amp;", "&")
}

/// The verification link mailed to `email`, with its query (the carried intent).
fn verify_link(app: &TestApp, email: &str) -> String {
    let text = mails_to(app, email).pop().expect("a verification mail");
    let marker = "http://jiwon.test/verify/";
    let i = text.find(marker).expect("a verify link");
    let link: String = text[i + "http://jiwon.test".len()..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link
}

fn signup(client: &Client, path: &str, email: &str) -> Resp {
    let page = client.get(path);
    assert_eq!(page.status, 200);
    let csrf = extract_csrf(&page.body).expect("csrf");
    let intent = inputs(&page.body, "intent", None)
        .first()
        .map(|_| input_value(&page.body, "intent"))
        .unwrap_or_default();
    client.post_form(
        "/signup",
        &[
            ("csrf_token", &csrf),
            ("email", email),
            ("password", PW),
            ("password_confirm", PW),
            ("display_name", "새 사장"),
            ("agree", "yes"),
            ("intent", &intent),
        ],
    )
}

/// Open the mailed link and press its button (the form's hidden fields included).
fn press_verify(client: &Client, link: &str) -> Resp {
    let page = client.get(link);
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = extract_csrf(&page.body).expect("csrf");
    let mut fields = vec![("csrf_token".to_string(), csrf)];
    if !inputs(&page.body, "intent", None).is_empty() {
        fields.push(("intent".into(), input_value(&page.body, "intent")));
    }
    let action = link.split('?').next().unwrap_or(link);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.post_form(action, &pairs)
}

// --- the owner's home ---------------------------------------------------------------------

#[test]
fn the_home_ranks_fitting_programs_with_why_and_what_to_check() {
    let app = TestApp::spawn();
    let staff = staff_client(&app);
    // Fits best: 울산 남구, for 음식점업, for businesses under 7 years.
    let best = publish(
        &staff,
        &[
            ("title", "남구 음식점 경영개선 지원"),
            ("regions", ""),
            ("sigungu", "31140"),
            ("ksic_include", "56"),
            ("biz_age_max", "7"),
            ("apply_end", "2026-12-20"),
        ],
    );
    // 울산 as a whole, with a revenue cap the profile cannot answer.
    let sido = publish(
        &staff,
        &[
            ("title", "울산 소상공인 판로 지원"),
            ("revenue_max", "30000"),
            ("apply_end", "2026-12-28"),
        ],
    );
    // Nationwide, closing sooner than the 울산 one: first among equals.
    publish(
        &staff,
        &[
            ("title", "전국 소상공인 온라인 진출 지원"),
            ("regions", ""),
            ("nationwide", "on"),
            ("apply_end", "2026-12-05"),
        ],
    );
    // Do not fit: another 시도, a business too old, another industry.
    publish(
        &staff,
        &[
            ("title", "부산 상인 지원"),
            ("regions", "26"),
            ("apply_end", "2026-12-10"),
        ],
    );
    publish(
        &staff,
        &[
            ("title", "울산 새내기 창업 지원"),
            ("biz_age_max", "2"),
            ("apply_end", "2026-12-10"),
        ],
    );
    publish(
        &staff,
        &[
            ("title", "울산 제조업 설비 지원"),
            ("ksic_include", "10"),
            ("apply_end", "2026-12-10"),
        ],
    );

    let owner = restaurant(&app);
    let me = owner.get("/me");
    assert_eq!(me.status, 200);
    me.assert_contains("내게 맞는 공고");
    me.assert_contains("지역: 울산 남구 · 업종: 한식 일반 음식점업 · 업력 3년");
    me.assert_contains("확인 필요: 매출 기준");
    me.assert_contains("지역: 전국");
    let at = |title: &str| me.body.find(title);
    let (b, n, s) = (
        at("남구 음식점 경영개선 지원").expect("best"),
        at("전국 소상공인 온라인 진출 지원").expect("nationwide"),
        at("울산 소상공인 판로 지원").expect("울산"),
    );
    assert!(
        b < n && n < s,
        "best first, then closing soonest among equals"
    );
    for absent in [
        "부산 상인 지원",
        "울산 새내기 창업 지원",
        "울산 제조업 설비 지원",
    ] {
        assert!(at(absent).is_none(), "{absent} does not fit");
    }
    // Bookmarking is one tap away, and then shown as saved.
    let csrf = extract_csrf(&me.body).expect("csrf");
    let r = owner.post_form(
        "/me/bookmarks",
        &[("csrf_token", &csrf), ("announcement", &best)],
    );
    assert_eq!(r.status, 303);
    owner.get("/me").assert_contains("관심 공고에 있음");

    // The announcement page says why too (and what does not fit, for one that does not).
    let page = owner.get(&format!("/announcements/{best}"));
    page.assert_contains("내 사업과 맞는지");
    page.assert_contains("지역: 울산 남구 · 업종: 한식 일반 음식점업 · 업력 3년");
    owner
        .get(&format!("/announcements/{sido}"))
        .assert_contains("확인 필요: 매출 기준");
    // An anonymous visitor sees no such box.
    assert!(!app
        .client()
        .get(&format!("/announcements/{best}"))
        .body
        .contains("내 사업과 맞는지"));
}

#[test]
fn a_program_for_small_businesses_fits_by_the_owner_s_size() {
    let app = TestApp::spawn();
    let staff = staff_client(&app);
    // The console form's default target is 소상공인 only.
    let id = publish(
        &staff,
        &[
            ("title", "울산 소상공인 배달 지원"),
            ("apply_end", "2026-12-20"),
        ],
    );
    let owner_of = |employees: i32| {
        let (_, email) = app.owner_with(PW, |p| {
            p.region_code = Some("31140".into());
            p.ksic_code = Some("56111".into());
            p.employees = Some(employees);
        });
        let c = app.client();
        c.login(&email, PW);
        c
    };
    let small = owner_of(3).get("/me");
    small.assert_contains("지역: 울산 · 대상: 소상공인");
    assert!(!small.body.contains("확인 필요"));
    // 12 people in a restaurant is not a 소상공인 (fewer than 5): listed, with the doubt.
    let larger = owner_of(12);
    let me = larger.get("/me");
    me.assert_contains("울산 소상공인 배달 지원");
    me.assert_contains("확인 필요: 소상공인 기준");
    larger
        .get(&format!("/announcements/{id}"))
        .assert_contains("확인 필요: 소상공인 기준");
}

#[test]
fn an_owner_without_a_profile_is_asked_to_fill_it_in() {
    let app = TestApp::spawn();
    let staff = staff_client(&app);
    let id = publish(&staff, &[("apply_end", "2026-12-20")]);
    let (_, email) = app.owner_with(PW, |_| {});
    let owner = app.client();
    owner.login(&email, PW);
    let me = owner.get("/me");
    me.assert_contains("사업 정보(지역·업종)를 입력하면");
    assert!(me.body.contains("href=\"/me/profile\""));
    assert!(!me.body.contains("맞는 이유"));
    assert!(!owner
        .get(&format!("/announcements/{id}"))
        .body
        .contains("내 사업과 맞는지"));
}

// --- the anonymous home's region ----------------------------------------------------------

#[test]
fn the_anonymous_home_remembers_a_region_in_a_cookie() {
    let app = TestApp::spawn();
    let staff = staff_client(&app);
    publish(
        &staff,
        &[("title", "울산 가게 지원"), ("apply_end", "2026-12-20")],
    );
    publish(
        &staff,
        &[
            ("title", "부산 가게 지원"),
            ("regions", "26"),
            ("apply_end", "2026-12-20"),
        ],
    );
    let visitor = app.client();
    let home = visitor.get("/");
    home.assert_contains("울산 가게 지원");
    home.assert_contains("부산 가게 지원");
    home.assert_contains("내 지역 공고만 보기");

    let r = visitor.get("/?region=31");
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/");
    assert!(r
        .header("set-cookie")
        .unwrap_or("")
        .contains("jiwon_region=31"));
    let home = visitor.get("/");
    home.assert_contains("울산 공고를 먼저 보는 중");
    home.assert_contains("울산 가게 지원");
    assert!(!home.body.contains("부산 가게 지원"));
    // The localized page is the visitor's own, not a shared cached one.
    assert_eq!(home.header("cache-control"), Some("private, no-store"));
    // Another visitor still sees every region.
    app.client().get("/").assert_contains("부산 가게 지원");

    // 전국 forgets it; a made-up code is not remembered.
    visitor.get("/?region=");
    visitor.get("/").assert_contains("부산 가게 지원");
    let r = visitor.get("/?region=99");
    assert!(!r
        .header("set-cookie")
        .unwrap_or("")
        .contains("jiwon_region=99"));
    visitor.get("/").assert_contains("부산 가게 지원");
}

// --- intent through login and sign-up -----------------------------------------------------

#[test]
fn a_bookmark_made_signed_out_is_done_after_sign_up_and_verification() {
    let app = TestApp::spawn();
    let staff = staff_client(&app);
    let id = publish(&staff, &[("apply_end", "2026-12-20")]);
    let visitor = app.client();

    let r = visitor.get(&format!("/bookmarks/new?announcement={id}"));
    assert_eq!(r.status, 303);
    let login = r.location().to_string();
    assert!(login.starts_with("/login?next="), "{login}");
    let page = visitor.get(&login);
    page.assert_contains("관심 공고로 저장하려면 로그인하세요");
    let to_signup = href(&page.body, "/signup?intent=");

    let email = "new-owner@example.test";
    let r = signup(&visitor, &to_signup, email);
    assert_eq!(r.status, 303, "{}", r.body);
    app.tick();
    let link = verify_link(&app, email);
    assert!(link.contains("?intent="), "{link}");

    let r = press_verify(&visitor, &link);
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), format!("/announcements/{id}?done=bookmark"));
    let uid = user_id(&app, email);
    assert_eq!(bookmarked(&app, &uid, &id), 1);
    visitor
        .get(r.location())
        .assert_contains("관심 공고로 저장했습니다");
    // The link is spent: pressing again does nothing more.
    assert_eq!(press_verify_status(&visitor, &link), 410);
    assert_eq!(bookmarked(&app, &uid, &id), 1);
}

fn press_verify_status(client: &Client, link: &str) -> u16 {
    client.get(link).status
}

#[test]
fn an_alert_asked_for_signed_out_is_made_after_sign_up_and_verification() {
    let app = TestApp::spawn();
    let staff = staff_client(&app);
    let id = publish(&staff, &[("apply_end", "2026-12-20")]);
    let visitor = app.client();

    let page = visitor.get(&format!("/announcements/{id}"));
    let form = href(&page.body, "/alerts/new?announcement=");
    let page = visitor.get(&form);
    assert_eq!(page.status, 200);
    let login = href(&page.body, "/login?next=");
    let page = visitor.get(&login);
    page.assert_contains("알림을 받으려면 로그인하세요");
    let to_signup = href(&page.body, "/signup?intent=");
    let email = "alert-owner@example.test";
    assert_eq!(signup(&visitor, &to_signup, email).status, 303);
    app.tick();
    let r = press_verify(&visitor, &verify_link(&app, email));
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), format!("/announcements/{id}?done=alert"));
    let uid = user_id(&app, email);
    let specs = subscriptions_of(&app, &uid);
    assert_eq!(specs.len(), 1, "{specs:?}");
    let spec: serde_json::Value = serde_json::from_str(&specs[0]).expect("json");
    assert_eq!(spec["categories"], serde_json::json!(["내수"]));
    assert_eq!(spec["regions"], serde_json::json!(["31000"]));
    visitor
        .get(r.location())
        .assert_contains("알림을 보내 드립니다");
    visitor.get("/me/subscriptions").assert_contains("내수");
}

#[test]
fn an_intent_is_done_once_at_login_and_a_forged_one_or_foreign_path_is_not() {
    let app = TestApp::spawn();
    let staff = staff_client(&app);
    let id = publish(&staff, &[("apply_end", "2026-12-20")]);
    let other = publish(
        &staff,
        &[("title", "다른 공고"), ("apply_end", "2026-12-20")],
    );
    let (uid, email) = app.owner_with(PW, |_| {});

    let visitor = app.client();
    let login = visitor
        .get(&format!("/bookmarks/new?announcement={id}"))
        .location()
        .to_string();
    let page = visitor.get(&login);
    let intent = input_value(&page.body, "intent");
    let next = input_value(&page.body, "next");
    let csrf = extract_csrf(&page.body).expect("csrf");
    let log_in = |c: &Client, csrf: &str, next: &str, intent: &str| {
        c.post_form(
            "/login",
            &[
                ("csrf_token", csrf),
                ("email", email.as_str()),
                ("password", PW),
                ("next", next),
                ("intent", intent),
            ],
        )
    };
    let r = log_in(&visitor, &csrf, &next, &intent);
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), format!("/announcements/{id}?done=bookmark"));
    assert_eq!(bookmarked(&app, &uid, &id), 1);
    // The same intent again (a second login) keeps one bookmark.
    let again = app.client();
    let csrf2 = again.csrf("/login");
    assert_eq!(log_in(&again, &csrf2, &next, &intent).status, 303);
    assert_eq!(bookmarked(&app, &uid, &id), 1);

    // A tampered intent (another announcement under the same signature) is ignored,
    // and a return path off this site is not followed.
    let (payload, sig) = intent.split_once('.').expect("token");
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let text = String::from_utf8(b64.decode(payload).expect("b64")).expect("utf8");
    let forged = format!("{}.{sig}", b64.encode(text.replace(&id, &other)));
    let hostile = app.client();
    let csrf3 = hostile.csrf("/login");
    let r = log_in(&hostile, &csrf3, "//evil.example/steal", &forged);
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/me");
    assert_eq!(bookmarked(&app, &uid, &other), 0);
    // The login page does not carry a forged intent either.
    let page = app
        .client()
        .get(&format!("/login?intent={}", urlencoding::encode(&forged)));
    assert!(!page.body.contains("관심 공고로 저장하려면"));
    assert!(inputs(&page.body, "intent", None).is_empty());
    // Without the form's CSRF token nothing happens.
    let bare = app.client();
    let r = bare.post_form(
        "/login",
        &[
            ("email", email.as_str()),
            ("password", PW),
            ("intent", &intent),
        ],
    );
    assert!(r.status >= 400, "{}", r.status);
}

// --- industry by name ---------------------------------------------------------------------

fn profile_fields(csrf: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf_token", csrf.to_string()),
        ("business_name", "지원식당".into()),
        ("region_code", "31140".into()),
        ("digest_hour", "9".into()),
        ("daily_cap", "30".into()),
    ]
}

fn post_profile(owner: &Client, fields: &[(&'static str, String)]) -> Resp {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    owner.post_form("/me/profile", &pairs)
}

#[test]
fn the_industry_is_found_by_name_without_javascript() {
    let app = TestApp::spawn();
    let (uid, email) = app.owner_with(PW, |_| {});
    let owner = app.client();
    owner.login(&email, PW);
    let csrf = owner.csrf("/me/profile");

    // A name: the form comes back with the matching codes to choose from.
    let mut f = profile_fields(&csrf);
    f.push(("ksic_code", "한식".into()));
    let r = post_profile(&owner, &f);
    assert_eq!(r.status, 422);
    r.assert_contains("아래 목록에서 업종을 골라 주세요");
    assert!(
        is_checked(&r.body, "ksic_pick", "56111"),
        "56111 offered first"
    );
    r.assert_contains("한식 일반 음식점업 (56111)");
    assert_eq!(
        input_value(&r.body, "business_name"),
        "지원식당",
        "input kept"
    );

    // Choosing one saves its code.
    f.push(("ksic_pick", "56111".into()));
    let r = post_profile(&owner, &f);
    assert_eq!(r.status, 303, "{}", r.body);
    let p = jiwon::alerts::store::find_profile(&mut app.conn(), &uid)
        .expect("db")
        .expect("profile");
    assert_eq!(p.ksic_code.as_deref(), Some("56111"));

    // A name nothing matches says so at the field.
    let mut f = profile_fields(&csrf);
    f.push(("ksic_code", "우주정거장".into()));
    let r = post_profile(&owner, &f);
    assert_eq!(r.status, 422);
    r.assert_contains("'우주정거장'에 맞는 업종을 찾지 못했습니다");
    // A forged pick is refused like a wrong code.
    let mut f = profile_fields(&csrf);
    f.push(("ksic_code", "한식".into()));
    f.push(("ksic_pick", "99999".into()));
    assert_eq!(post_profile(&owner, &f).status, 422);
}

#[test]
fn the_industry_suggestions_and_the_hints_examples_are_real() {
    let app = TestApp::spawn();
    let c = app.client();
    let codes = |q: &str| -> Vec<String> {
        let r = c.get(&format!("/api/v1/ksic?q={}", urlencoding::encode(q)));
        assert_eq!(r.status, 200);
        r.json()["ksic"]
            .as_array()
            .expect("list")
            .iter()
            .map(|k| k["code"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(codes("한식").first().map(String::as_str), Some("56111"));
    assert!(codes("미용").contains(&"96112".to_string()));
    assert!(codes("편의점").contains(&"47122".to_string()));
    assert!(codes("").is_empty());

    // Every example the profile's hints give passes validation.
    let (_, email) = app.owner_with(PW, |_| {});
    let owner = app.client();
    owner.login(&email, PW);
    let page = owner.get("/me/profile");
    for example in ["한식", "미용", "편의점", "56111", "47", "220-81-62517"] {
        page.assert_contains(example);
    }
    let csrf = extract_csrf(&page.body).expect("csrf");
    for code in ["56111", "47"] {
        let mut f = profile_fields(&csrf);
        f.push(("ksic_code", code.into()));
        assert_eq!(post_profile(&owner, &f).status, 303, "{code}");
    }
    for name in ["한식", "미용", "편의점"] {
        let mut f = profile_fields(&csrf);
        f.push(("ksic_code", name.into()));
        let r = post_profile(&owner, &f);
        assert_eq!(r.status, 422);
        assert!(
            !inputs(&r.body, "ksic_pick", None).is_empty(),
            "{name} offers codes"
        );
    }
    let mut f = profile_fields(&csrf);
    f.push(("business_number", "220-81-62517".into()));
    assert_eq!(post_profile(&owner, &f).status, 303);
}
