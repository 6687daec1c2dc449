//! Owners: sign-up with email verification, password reset, `/me`, the business
//! profile, consents and account deletion.

mod common;

use common::mail::*;
use common::*;
use diesel::prelude::*;
use jiwon::db::schema::{owner_profiles, sessions, users};

const PW: &str = "sajang password 1";

// --- steps ------------------------------------------------------------------------------

fn signup(client: &Client, email: &str, password: &str) -> Resp {
    let csrf = client.csrf("/signup");
    client.post_form(
        "/signup",
        &[
            ("csrf_token", &csrf),
            ("email", email),
            ("password", password),
            ("password_confirm", password),
            ("display_name", "김사장"),
            ("agree", "yes"),
        ],
    )
}

/// Sign up, open the mailed link, press the button: a signed-in, verified owner.
fn verified_owner(app: &TestApp, email: &str) -> Client {
    let client = app.client();
    let r = signup(&client, email, PW);
    assert_eq!(r.status, 303, "{}", r.body);
    app.tick();
    let link = last_link(app, email, "/verify/");
    let csrf = client.csrf(&link);
    let r = client.post_form(&link, &[("csrf_token", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.body);
    client
}

fn user_id(app: &TestApp, email: &str) -> String {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first::<String>(&mut app.conn())
        .expect("user")
}

fn login_status(app: &TestApp, email: &str, password: &str) -> u16 {
    let c = app.client();
    let csrf = c.csrf("/login");
    c.post_form(
        "/login",
        &[
            ("email", email),
            ("password", password),
            ("csrf_token", &csrf),
        ],
    )
    .status
}

// --- tests ------------------------------------------------------------------------------

#[test]
fn sign_up_verify_by_email_and_land_on_me() {
    let app = TestApp::spawn();
    let client = app.client();
    let page = client.get("/signup");
    assert_eq!(page.status, 200);
    page.assert_contains("회원 가입");

    let r = signup(&client, "Owner@Example.TEST", PW);
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/signup/sent");
    client
        .get("/signup/sent")
        .assert_contains("확인 메일을 보냈습니다");

    // An owner: no agency, not an operator, a profile not yet verified.
    let email = "owner@example.test";
    let uid = user_id(&app, email);
    let (agency, operator): (Option<String>, bool) = users::table
        .find(&uid)
        .select((users::agency_id, users::is_operator))
        .first(&mut app.conn())
        .expect("user");
    assert_eq!(agency, None);
    assert!(!operator);
    let verified: Option<chrono::NaiveDateTime> = owner_profiles::table
        .find(&uid)
        .select(owner_profiles::email_verified_at)
        .first(&mut app.conn())
        .expect("profile");
    assert_eq!(verified, None);

    // The mail goes out on the next tick.
    assert!(links_to(&app, email, "/verify/").is_empty());
    app.tick();
    let link = last_link(&app, email, "/verify/");

    // Opening the link (as a mail scanner would) spends nothing.
    let reader = app.client();
    for _ in 0..2 {
        let page = reader.get(&link);
        assert_eq!(page.status, 200);
        page.assert_contains("이메일 확인 마치기");
    }
    let csrf = reader.csrf(&link);
    let r = reader.post_form(&link, &[("csrf_token", &csrf)]);
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/me"), "{}", r.location());
    assert!(r
        .header("set-cookie")
        .unwrap_or("")
        .contains("jiwon_session="));

    let me = reader.get("/me");
    assert_eq!(me.status, 200);
    me.assert_contains("김사장님, 안녕하세요");
    me.assert_contains("확인됨");
    me.assert_contains("/me/subscriptions");
    me.assert_contains("/me/bookmarks");
    me.assert_contains("/me/profile");
    me.assert_contains("/me/delete");
    assert_eq!(me.header("cache-control"), Some("private, no-store"));
    let verified: Option<chrono::NaiveDateTime> = owner_profiles::table
        .find(&uid)
        .select(owner_profiles::email_verified_at)
        .first(&mut app.conn())
        .expect("profile");
    assert_eq!(verified, Some(app.now()));

    // The link works once.
    let r = reader.post_form(&link, &[("csrf_token", &csrf)]);
    assert_eq!(r.status, 410);
    r.assert_contains("더 이상 쓸 수 없습니다");
    r.assert_contains("확인 메일 다시 받기");
    assert_eq!(app.client().get(&link).status, 410);

    // The owner signs in at the shared login page.
    let again = app.client();
    again.login(email, PW);
    assert_eq!(again.get("/me").status, 200);
}

#[test]
fn an_expired_link_explains_and_offers_a_new_one() {
    let app = TestApp::spawn();
    let client = app.client();
    assert_eq!(signup(&client, "late@example.test", PW).status, 303);
    app.tick();
    let link = last_link(&app, "late@example.test", "/verify/");
    app.clock.advance(chrono::Duration::hours(25));
    let page = client.get(&link);
    assert_eq!(page.status, 410);
    page.assert_contains("24시간");
    let csrf = extract_csrf(&page.body).expect("resend form");
    let r = client.post_form(
        "/verify/resend",
        &[("csrf_token", &csrf), ("email", "late@example.test")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/signup/sent");
    app.tick();
    let links = links_to(&app, "late@example.test", "/verify/");
    assert_eq!(links.len(), 2);
    let fresh = links.last().expect("new link").clone();
    assert_ne!(fresh, link);
    let csrf = client.csrf(&fresh);
    assert_eq!(
        client.post_form(&fresh, &[("csrf_token", &csrf)]).status,
        303
    );
    assert_eq!(client.get("/me").status, 200);
}

#[test]
fn a_known_address_gets_the_same_answer_and_no_second_link() {
    let app = TestApp::spawn();
    let first = app.client();
    let r = signup(&first, "taken@example.test", PW);
    assert_eq!((r.status, r.location()), (303, "/signup/sent"));
    app.tick();
    assert_eq!(links_to(&app, "taken@example.test", "/verify/").len(), 1);

    // Someone else tries the same address: the same answer, nothing sent, nothing changed.
    let other = app.client();
    let dup = signup(&other, "TAKEN@example.test", "another password 2");
    let fresh = signup(&other, "fresh@example.test", PW);
    assert_eq!(
        (dup.status, dup.location()),
        (fresh.status, fresh.location())
    );
    assert_eq!(dup.body, fresh.body);
    app.tick();
    assert_eq!(mails_to(&app, "taken@example.test").len(), 1);
    assert_eq!(links_to(&app, "fresh@example.test", "/verify/").len(), 1);
    let n: i64 = users::table
        .filter(users::email.eq("taken@example.test"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(n, 1);
    // The first password still belongs to the account.
    let hash: String = users::table
        .filter(users::email.eq("taken@example.test"))
        .select(users::password_hash)
        .first(&mut app.conn())
        .expect("hash");
    assert!(jiwon::accounts::password::verify_password(PW, Some(&hash)));

    // Resending answers the same for unknown, unverified and verified addresses.
    let csrf = other.csrf("/verify/resend");
    for email in ["nobody@example.test", "taken@example.test"] {
        let r = other.post_form("/verify/resend", &[("csrf_token", &csrf), ("email", email)]);
        assert_eq!((r.status, r.location()), (303, "/signup/sent"));
    }
    app.tick();
    assert!(mails_to(&app, "nobody@example.test").is_empty());
    assert_eq!(links_to(&app, "taken@example.test", "/verify/").len(), 2);
}

#[test]
fn the_sent_page_offers_to_resend_to_the_address_just_used() {
    let app = TestApp::spawn();
    // Nobody has signed up in this browser: an empty field.
    let stranger = app.client();
    let page = stranger.get("/signup/sent");
    assert_eq!(page.status, 200);
    assert_eq!(input_value(&page.body, "email"), "");

    let client = app.client();
    let r = signup(&client, " Sajang@Example.TEST ", PW);
    assert_eq!((r.status, r.location()), (303, "/signup/sent"));
    // Not in the URL (logs, history).
    assert!(!r.location().contains("example"));
    let page = client.get("/signup/sent");
    assert_eq!(page.status, 200);
    page.assert_contains("확인 메일 다시 받기");
    assert_eq!(input_value(&page.body, "email"), "sajang@example.test");
    assert_eq!(page.header("cache-control"), Some("private, no-store"));

    // The resend button sends to it, and the page after it keeps it.
    let csrf = extract_csrf(&page.body).expect("resend form");
    let r = client.post_form(
        "/verify/resend",
        &[
            ("csrf_token", &csrf),
            ("email", &input_value(&page.body, "email")),
        ],
    );
    assert_eq!((r.status, r.location()), (303, "/signup/sent"));
    assert_eq!(
        input_value(&client.get("/signup/sent").body, "email"),
        "sajang@example.test"
    );
    app.tick();
    assert_eq!(links_to(&app, "sajang@example.test", "/verify/").len(), 2);

    // A resend for another address shows that one; an already known address gets the
    // same page with its own address, like any other.
    let other = app.client();
    let csrf = other.csrf("/verify/resend");
    let r = other.post_form(
        "/verify/resend",
        &[("csrf_token", &csrf), ("email", "nobody@example.test")],
    );
    assert_eq!((r.status, r.location()), (303, "/signup/sent"));
    assert_eq!(
        input_value(&other.get("/signup/sent").body, "email"),
        "nobody@example.test"
    );
    assert_eq!(signup(&other, "sajang@example.test", PW).status, 303);
    assert_eq!(
        input_value(&other.get("/signup/sent").body, "email"),
        "sajang@example.test"
    );
    // Still nobody else's: a fresh browser sees an empty field.
    assert_eq!(input_value(&stranger.get("/signup/sent").body, "email"), "");
}

#[test]
fn bad_sign_up_input_is_explained_at_each_field() {
    let app = TestApp::spawn();
    let client = app.client();
    let csrf = client.csrf("/signup");
    let r = client.post_form(
        "/signup",
        &[
            ("csrf_token", &csrf),
            ("email", "not-an-email"),
            ("password", "short pw"),
            ("password_confirm", "short pw"),
            ("display_name", "박대표"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("올바른 이메일 주소를 입력해 주세요");
    r.assert_contains("10자 이상");
    r.assert_contains("동의해야 가입할 수 있습니다");
    r.assert_contains("입력한 내용 중 3곳을 확인해 주세요");
    assert!(r.body.contains("href=\"#i-email\""));
    assert!(r.body.contains("id=\"email-error\""));
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert!(r.body.contains("value=\"not-an-email\""));
    assert!(r.body.contains("value=\"박대표\""));
    assert!(!r.body.contains("short pw"), "the password is never echoed");

    let r = client.post_form(
        "/signup",
        &[
            ("csrf_token", &csrf),
            ("email", "ok@example.test"),
            ("password", "long enough password"),
            ("password_confirm", "different password!"),
            ("agree", "yes"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("비밀번호가 서로 다릅니다");
    assert!(r.body.contains("value=\"ok@example.test\""));
    assert!(!r.body.contains("long enough password"));
    let n: i64 = users::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(n, 0);
}

#[test]
fn password_reset_end_to_end() {
    let app = TestApp::spawn();
    let email = "reset@example.test";
    let owner = verified_owner(&app, email);
    let second = app.client();
    second.login(email, PW);
    assert_eq!(second.get("/me").status, 200);
    let uid = user_id(&app, email);

    let anon = app.client();
    let page = anon.get("/password/forgot");
    assert_eq!(page.status, 200);
    let csrf = extract_csrf(&page.body).expect("csrf");
    let known = anon.post_form(
        "/password/forgot",
        &[("csrf_token", &csrf), ("email", email)],
    );
    let unknown = anon.post_form(
        "/password/forgot",
        &[("csrf_token", &csrf), ("email", "stranger@example.test")],
    );
    assert_eq!(known.status, 303);
    assert_eq!(
        (known.status, known.location()),
        (unknown.status, unknown.location())
    );
    anon.get(known.location())
        .assert_contains("가입된 주소라면 재설정 메일을 보냈습니다");
    app.tick();
    assert!(mails_to(&app, "stranger@example.test").is_empty());
    let link = last_link(&app, email, "/password/reset/");

    let form = anon.get(&link);
    assert_eq!(form.status, 200);
    form.assert_contains("새 비밀번호");
    let r = anon.post_form(
        &link,
        &[
            ("csrf_token", &csrf),
            ("password", "brand new password"),
            ("password_confirm", "brand new passwort"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("비밀번호가 서로 다릅니다");
    let r = anon.post_form(
        &link,
        &[
            ("csrf_token", &csrf),
            ("password", "brand new password"),
            ("password_confirm", "brand new password"),
        ],
    );
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/login"), "{}", r.location());

    // Every session ended; the old password no longer works, the new one does.
    let n: i64 = sessions::table
        .filter(sessions::user_id.eq(&uid))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(n, 0);
    for c in [&owner, &second] {
        let r = c.get("/me");
        assert_eq!(r.status, 303);
        assert!(r.location().starts_with("/login"));
    }
    assert_eq!(login_status(&app, email, PW), 422);
    assert_eq!(login_status(&app, email, "brand new password"), 303);

    // The link works once.
    assert_eq!(anon.get(&link).status, 410);
    let r = anon.post_form(
        &link,
        &[
            ("csrf_token", &csrf),
            ("password", "third password here"),
            ("password_confirm", "third password here"),
        ],
    );
    assert_eq!(r.status, 410);
    assert_eq!(login_status(&app, email, "third password here"), 422);
}

#[test]
fn the_business_profile_is_validated_and_saved() {
    let app = TestApp::spawn();
    let email = "shop@example.test";
    let owner = verified_owner(&app, email);
    let uid = user_id(&app, email);
    let region = jiwon::reference::list_sigungu(&mut app.conn())
        .expect("regions")
        .into_iter()
        .next()
        .expect("a 시군구");

    let page = owner.get("/me/profile");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    page.assert_contains("연령·성별 요건이 있는 사업");
    assert!(page.body.contains("<optgroup label="));
    let csrf = extract_csrf(&page.body).expect("csrf");

    let form = |overrides: &[(&'static str, &'static str)]| -> Vec<(&'static str, String)> {
        let mut f: Vec<(&'static str, String)> = vec![
            ("csrf_token", csrf.clone()),
            ("business_number", "220-81-62517".into()),
            ("business_name", "지원식당".into()),
            ("ksic_code", "56111".into()),
            ("region_code", region.code.clone()),
            ("founded_on", "2021-03-15".into()),
            ("employees", "3".into()),
            ("revenue_band", "100m_500m".into()),
            ("sole_proprietor", "sole".into()),
            ("birth_year", "1985".into()),
            ("gender", "female".into()),
            ("phone", "010-1234-5678".into()),
            ("digest_hour", "9".into()),
            ("daily_cap", "30".into()),
            ("reminder_days", "7".into()),
            ("reminder_days", "3".into()),
            ("reminder_channels", "email".into()),
            ("reminder_channels", "sms".into()),
        ];
        for (k, v) in overrides {
            f.retain(|(fk, _)| fk != k);
            f.push((k, v.to_string()));
        }
        f
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        owner.post_form("/me/profile", &pairs)
    };

    // A bad check digit: 422 at that field, what was typed kept.
    let r = post(form(&[("business_number", "220-81-62518")]));
    assert_eq!(r.status, 422);
    r.assert_contains("사업자등록번호가 올바르지 않습니다");
    assert!(r.body.contains("href=\"#i-business_number\""));
    assert!(r.body.contains("id=\"business_number-error\""));
    assert!(r.body.contains("value=\"220-81-62518\""));
    assert!(r.body.contains("value=\"지원식당\""));

    let r = post(form(&[("ksic_code", "99999")]));
    assert_eq!(r.status, 422);
    r.assert_contains("한국표준산업분류(KSIC)에 없는 업종 코드입니다");
    assert!(r.body.contains("id=\"ksic_code-error\""));

    let r = post(form(&[("phone", "02-123-4567"), ("daily_cap", "0")]));
    assert_eq!(r.status, 422);
    r.assert_contains("휴대전화 번호를 확인해 주세요");
    r.assert_contains("하루 알림 한도는 1에서 100 사이");
    // Nothing was saved by the failed attempts.
    let p = jiwon::alerts::store::find_profile(&mut app.conn(), &uid)
        .expect("query")
        .expect("profile");
    assert_eq!(p.business_number, None);

    let r = post(form(&[]));
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/me/profile?saved=1");
    let page = owner.get("/me/profile?saved=1");
    page.assert_contains("저장했습니다");
    page.assert_contains("한식 일반 음식점업");
    assert!(page.body.contains("value=\"220-81-62517\""));

    let p = jiwon::alerts::store::find_profile(&mut app.conn(), &uid)
        .expect("query")
        .expect("profile");
    assert_eq!(p.business_number.as_deref(), Some("2208162517"));
    assert_eq!(p.business_name, "지원식당");
    assert_eq!(p.ksic_code.as_deref(), Some("56111"));
    assert_eq!(p.region_code.as_deref(), Some(region.code.as_str()));
    assert_eq!(p.founded_on, chrono::NaiveDate::from_ymd_opt(2021, 3, 15));
    assert_eq!(p.employees, Some(3));
    assert_eq!(p.sole_proprietor, Some(true));
    assert_eq!(p.birth_year, Some(1985));
    assert_eq!(p.gender.as_deref(), Some("female"));
    assert_eq!(p.phone.as_deref(), Some("01012345678"));
    assert_eq!((p.digest_hour, p.daily_cap), (9, 30));
    assert_eq!(p.reminder_day_list(), vec![7, 3]);
    assert_eq!(p.reminder_channel_list(), vec!["email", "sms"]);
    assert!(p.email_verified_at.is_some());

    let me = owner.get("/me");
    me.assert_contains("지원식당");
    me.assert_contains("220-81-62517");

    // Turning SMS on is on the consent record.
    let consents = owner.get("/me/consents");
    assert_eq!(consents.status, 200);
    consents.assert_contains("문자(SMS)");
    consents.assert_contains("동의");

    // SMS without a phone number is refused at the channel choice.
    let r = post(form(&[("phone", "")]));
    assert_eq!(r.status, 422);
    r.assert_contains("휴대전화 번호를 입력해 주세요");
    // Clearing optional fields stores nothing for them.
    let r = post(form(&[
        ("business_number", ""),
        ("ksic_code", ""),
        ("gender", ""),
        ("sole_proprietor", ""),
        ("reminder_channels", "email"),
    ]));
    assert_eq!(r.status, 303, "{}", r.body);
    let p = jiwon::alerts::store::find_profile(&mut app.conn(), &uid)
        .expect("query")
        .expect("profile");
    assert_eq!(p.business_number, None);
    assert_eq!(p.ksic_code, None);
    assert_eq!(p.gender, None);
    assert_eq!(p.sole_proprietor, None);
    assert_eq!(p.reminder_channel_list(), vec!["email"]);
    owner.get("/me/consents").assert_contains("철회");
}

#[test]
fn web_push_is_a_reminder_channel_only_when_it_is_configured() {
    fn profile_post(owner: &Client, channels: &[&str]) -> Resp {
        let csrf = owner.csrf("/me/profile");
        let mut f: Vec<(&str, &str)> = vec![
            ("csrf_token", &csrf),
            ("business_name", "지원식당"),
            ("digest_hour", "9"),
            ("daily_cap", "20"),
            ("reminder_days", "7"),
        ];
        f.extend(channels.iter().map(|c| ("reminder_channels", *c)));
        owner.post_form("/me/profile", &f)
    }

    // No VAPID key: not offered, explained, and a forged choice is refused at the field.
    let app = TestApp::spawn();
    let email = "nopush@example.test";
    let owner = verified_owner(&app, email);
    let uid = user_id(&app, email);
    let page = owner.get("/me/profile");
    assert_eq!(page.status, 200);
    assert!(inputs(&page.body, "reminder_channels", Some("push")).is_empty());
    assert_eq!(
        inputs(&page.body, "reminder_channels", Some("email")).len(),
        1
    );
    assert_eq!(
        inputs(&page.body, "reminder_channels", Some("sms")).len(),
        1
    );
    page.assert_contains("웹 푸시(브라우저 알림)는 아직 준비 중이라 고를 수 없습니다");

    let r = profile_post(&owner, &["email", "push"]);
    assert_eq!(r.status, 422);
    r.assert_contains("웹 푸시는 아직 준비 중이라 고를 수 없습니다");
    assert!(r.body.contains("id=\"reminder_channels-error\""));
    assert!(r.body.contains("href=\"#i-reminder_channels\""));
    assert!(inputs(&r.body, "reminder_channels", Some("push")).is_empty());
    assert!(is_checked(&r.body, "reminder_channels", "email"));
    assert!(r.body.contains("value=\"지원식당\""));
    let p = jiwon::alerts::store::find_profile(&mut app.conn(), &uid)
        .expect("query")
        .expect("profile");
    assert_ne!(p.business_name, "지원식당", "nothing saved");
    assert!(!p.reminder_channel_list().contains(&"push".to_string()));

    // Alongside another mistake, both are shown; the push one at the channel field.
    let csrf = owner.csrf("/me/profile");
    let r = owner.post_form(
        "/me/profile",
        &[
            ("csrf_token", &csrf),
            ("digest_hour", "9"),
            ("daily_cap", "0"),
            ("reminder_days", "7"),
            ("reminder_channels", "push"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("하루 알림 한도는 1에서 100 사이");
    r.assert_contains("웹 푸시는 아직 준비 중이라 고를 수 없습니다");

    // Email alone is saved as before.
    let r = profile_post(&owner, &["email"]);
    assert_eq!(r.status, 303, "{}", r.body);

    // Configured: offered and saved.
    let (private, public) = jiwon::alerts::push::generate_vapid_keys();
    let app = TestApp::spawn_with(|c| {
        c.vapid_private_key = Some(private);
        c.vapid_public_key = Some(public);
    });
    let email = "push@example.test";
    let owner = verified_owner(&app, email);
    let uid = user_id(&app, email);
    let page = owner.get("/me/profile");
    assert_eq!(
        inputs(&page.body, "reminder_channels", Some("push")).len(),
        1
    );
    assert!(!page.text().contains("준비 중"));
    let r = profile_post(&owner, &["email", "push"]);
    assert_eq!(r.status, 303, "{}", r.body);
    let p = jiwon::alerts::store::find_profile(&mut app.conn(), &uid)
        .expect("query")
        .expect("profile");
    assert_eq!(p.reminder_channel_list(), vec!["email", "push"]);
}

#[test]
fn deleting_the_account_removes_everything() {
    let app = TestApp::spawn();
    let email = "bye@example.test";
    let owner = verified_owner(&app, email);
    let uid = user_id(&app, email);

    let page = owner.get("/me/delete");
    assert_eq!(page.status, 200);
    let csrf = extract_csrf(&page.body).expect("csrf");
    let r = owner.post_form(
        "/me/delete",
        &[("csrf_token", &csrf), ("password", "wrong password")],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("비밀번호가 올바르지 않습니다");
    assert!(r.body.contains("id=\"password-error\""));

    let r = owner.post_form("/me/delete", &[("csrf_token", &csrf), ("password", PW)]);
    assert_eq!(r.status, 200);
    r.assert_contains("계정과 모든 정보를 삭제했습니다");
    assert!(r
        .header("set-cookie")
        .unwrap_or("")
        .contains("jiwon_session="));

    let mut conn = app.conn();
    let n_users: i64 = users::table
        .filter(users::email.eq(email))
        .count()
        .get_result(&mut conn)
        .expect("count");
    let n_profiles: i64 = owner_profiles::table
        .filter(owner_profiles::user_id.eq(&uid))
        .count()
        .get_result(&mut conn)
        .expect("count");
    let n_sessions: i64 = sessions::table
        .filter(sessions::user_id.eq(&uid))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!((n_users, n_profiles, n_sessions), (0, 0, 0));
    drop(conn);

    assert_eq!(login_status(&app, email, PW), 422);
    let r = owner.get("/me");
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/login"));
}

#[test]
fn posts_without_the_csrf_token_are_refused() {
    let app = TestApp::spawn();
    let anon = app.client();
    let _ = anon.get("/signup");
    let r = anon.post_form(
        "/signup",
        &[
            ("email", "x@example.test"),
            ("password", PW),
            ("password_confirm", PW),
            ("agree", "yes"),
        ],
    );
    assert_eq!(r.status, 403);
    let r = anon.post_form(
        "/password/forgot",
        &[("csrf_token", "forged"), ("email", "x@example.test")],
    );
    assert_eq!(r.status, 403);
    let n: i64 = users::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(n, 0);

    let owner = verified_owner(&app, "csrf@example.test");
    let r = owner.post_form("/me/profile", &[("business_name", "가짜")]);
    assert_eq!(r.status, 403);
    let r = owner.post_form("/me/delete", &[("password", PW)]);
    assert_eq!(r.status, 403);
    assert_eq!(owner.get("/me").status, 200);
}

#[test]
fn staff_and_visitors_at_me() {
    let app = TestApp::spawn();
    let anon = app.client();
    let r = anon.get("/me");
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/login?next=%2Fme");

    let (_, email, pw) = app.staff("울산광역시", "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    for path in ["/me", "/me/profile", "/me/delete", "/me/consents"] {
        let r = staff.get(path);
        assert_eq!((r.status, r.location()), (303, "/console"), "{path}");
    }
}

#[test]
fn each_kind_of_account_lands_on_its_own_pages() {
    let app = TestApp::spawn();
    let login = |email: &str, pw: &str| {
        let c = app.client();
        let token = c.csrf("/login");
        let r = c.post_form(
            "/login",
            &[("email", email), ("password", pw), ("csrf_token", &token)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        (c, r.location().to_string())
    };
    // The default after signing in is the console, which only agency staff have.
    let (_, email, pw) = app.staff("울산광역시", "editor");
    assert_eq!(login(&email, &pw).1, "/console");
    let (op, pw) = app.operator();
    let (c, to) = login(&op, &pw);
    assert_eq!(to, "/admin/jobs");
    assert_eq!(c.get(&to).status, 200);
    verified_owner(&app, "lands@example.test");
    assert_eq!(login("lands@example.test", PW).1, "/me");
}

#[test]
fn every_page_offers_a_way_to_sign_out() {
    let app = TestApp::spawn();
    let me = verified_owner(&app, "signout@example.test");
    // A public page rendered without a form token still offers 로그아웃 …
    let listing = me.get("/announcements");
    assert_eq!(listing.status, 200);
    listing.assert_contains("<a href=\"/logout\">로그아웃</a>");
    // … which leads to one button that signs out for real.
    let confirm = me.get("/logout");
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("로그아웃할까요?");
    let token = extract_csrf(&confirm.body).expect("form token");
    let r = me.post_form("/logout", &[("csrf_token", &token)]);
    assert_eq!(r.status, 303);
    assert_eq!(me.get("/me").status, 303, "signed out: /me sends to login");
    let anon = me.get("/logout");
    assert_eq!(anon.status, 303, "nobody to sign out");
    assert_eq!(anon.location(), "/");
}
