//! The agency pull API (issue 12 item 5, pull): an agency admin makes API keys on
//! `/console/api-keys` (shown once, only the hash kept, revocable); each key lists the
//! agency's submitted applications it has not confirmed, downloads one (the webhook's JSON)
//! and its files, and confirms receipt for itself only — so two systems of one agency each
//! take the same application. Another agency's key gets 404 and lists nothing of it; no key,
//! a wrong or a revoked one gets 401 JSON; cookies open nothing here and keys nothing else.

mod common;

use common::api::api;
use common::applications::{attach, submit};
use common::{create_announcement, Client, TestApp};
use diesel::prelude::*;
use jiwon::db::schema::{agency_api_keys, application_pickups, applications};
use jiwon::ids::sha256_hex;
use serde_json::Value;

const PW: &str = "owner password 123";

/// Make a key named `name` on the console; returns the key as shown (once).
fn make_key(c: &Client, name: &str) -> String {
    let token = c.csrf("/console/api-keys");
    let made = c.post_form(
        "/console/api-keys",
        &[("name", name), ("csrf_token", &token)],
    );
    assert_eq!(made.status, 200, "{}", made.body);
    let at = made.body.find("id=\"api-key\">").expect("key shown") + 13;
    let key = made.body[at..at + made.body[at..].find('<').unwrap()].to_string();
    assert!(key.starts_with("jw_live_") && key.len() > 40, "{key}");
    assert!(made.body.contains(name));
    key
}

fn listed(app: &TestApp, key: &str, query: &str) -> Vec<String> {
    let r = api(
        app,
        "GET",
        &format!("/api/v1/agency/applications{query}"),
        Some(key),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

fn pickups(app: &TestApp, application: &str) -> i64 {
    application_pickups::table
        .filter(application_pickups::application_id.eq(application))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

#[test]
fn two_keys_of_one_agency_each_take_the_application_and_confirm_only_for_themselves() {
    let app = TestApp::spawn();
    let (_, admin, apw) = app.staff("중소벤처기업부", "admin");
    let (_, editor, epw) = app.staff("중소벤처기업부", "editor");
    let (_, other_admin, opw) = app.staff("울산광역시", "admin");
    let (owner, _) = app.owner_with(PW, |_| {});

    // Only the agency's admin manages keys.
    let ed = app.client();
    ed.login(&editor, &epw);
    assert_eq!(ed.get("/console/api-keys").status, 403);
    let token = ed.csrf("/console");
    assert_eq!(
        ed.post_form(
            "/console/api-keys",
            &[("name", "편집자 키"), ("csrf_token", &token)]
        )
        .status,
        403
    );
    assert!(!ed.get("/console").body.contains("/console/api-keys"));

    let ad = app.client();
    ad.login(&admin, &apw);
    assert!(ad.get("/console").body.contains("/console/api-keys"));
    let page = ad.get("/console/api-keys");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("아직 만든 키가 없습니다"));
    // A name is required: the message at the field, nothing made.
    let token = ad.csrf("/console/api-keys");
    let bad = ad.post_form(
        "/console/api-keys",
        &[("name", "  "), ("csrf_token", &token)],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("name-error") && bad.body.contains("키 이름을 적어 주세요"));
    // Without the form token nothing is made either.
    assert_eq!(
        ad.post_form(
            "/console/api-keys",
            &[("name", "위조"), ("csrf_token", "x")]
        )
        .status,
        403
    );
    let k1 = make_key(&ad, "전자문서 시스템");
    let k2 = make_key(&ad, "사업관리 시스템");
    // Shown once; only the hash is in the database.
    let page = ad.get("/console/api-keys");
    assert!(page.body.contains("전자문서 시스템") && page.body.contains("사업관리 시스템"));
    assert_eq!(page.body.matches("사용 안 함").count(), 2);
    assert!(!page.body.contains(&k1) && !page.body.contains(&k2));
    let stored: Vec<(String, String)> = agency_api_keys::table
        .select((agency_api_keys::name, agency_api_keys::key_hash))
        .load(&mut app.conn())
        .expect("keys");
    assert_eq!(stored.len(), 2);
    for (name, hash) in &stored {
        let key = if name == "전자문서 시스템" {
            &k1
        } else {
            &k2
        };
        assert_eq!(hash, &sha256_hex(key));
        assert!(!hash.contains(key.as_str()));
    }

    let oa = app.client();
    oa.login(&other_admin, &opw);
    let k_other = make_key(&oa, "울산 시스템");

    // A submission with a file.
    let ann = create_announcement(&ed, &[("title", "온라인 판로 지원사업")]);
    let id = submit(&app, &ann, &owner, "1234567890", "울산 식당");
    let pdf = b"%PDF-1.4 \xea\xb3\x84\xed\x9a\x8d\xec\x84\x9c pull test \x00\x01\x02";
    let file = attach(&app, &id, "사업계획서 최종.pdf", pdf);

    // Each key of the agency lists it.
    let r = api(&app, "GET", "/api/v1/agency/applications", Some(&k1));
    assert_eq!(r.status, 200);
    assert!(r.header("cache-control").contains("no-store"));
    let list = r.json();
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.as_str())
        .expect("listed for key 1")
        .clone();
    assert!(item["receipt_no"].as_str().unwrap().starts_with("J-"));
    assert_eq!(item["program"]["id"], ann.as_str());
    assert_eq!(item["program"]["title"], "온라인 판로 지원사업");
    assert_eq!(item["status"], "submitted");
    assert!(item["submitted_at"].as_str().unwrap().ends_with("+09:00"));
    assert!(item["updated_at"].as_str().unwrap().ends_with("+09:00"));
    assert_eq!(list["next"], Value::Null);
    assert!(listed(&app, &k2, "").contains(&id));

    // The whole application: the webhook's JSON, file URLs on the pull file route.
    let r = api(
        &app,
        "GET",
        &format!("/api/v1/agency/applications/{id}"),
        Some(&k1),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    let body = r.json();
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["application_id"], id.as_str());
    assert_eq!(body["receipt_no"], item["receipt_no"]);
    assert_eq!(body["program"]["title"], "온라인 판로 지원사업");
    assert_eq!(body["business"]["name"], "울산 식당");
    assert_eq!(body["business"]["number"], "1234567890");
    assert_eq!(body["answers"]["plan"], "온라인 판로 확대");
    assert_eq!(body["applicant"]["대표자"], "김사장");
    assert!(body["submitted_at"].as_str().unwrap().ends_with("+09:00"));
    let files = body["files"].as_array().expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["name"], "사업계획서 최종.pdf");
    assert_eq!(files[0]["size"], pdf.len());
    let url = files[0]["url"].as_str().unwrap();
    let path = format!("/api/v1/agency/applications/{id}/files/{file}");
    assert_eq!(
        url,
        format!("{}{path}", app.state.config.base_url.trim_end_matches('/'))
    );
    // The file, byte for byte, with its name and type; the other key may take it too.
    for key in [&k1, &k2] {
        let f = api(&app, "GET", &path, Some(key));
        assert_eq!(f.status, 200);
        assert_eq!(f.bytes, pdf.to_vec());
        assert_eq!(f.header("content-type"), "application/pdf");
        let cd = f.header("content-disposition");
        assert!(cd.starts_with("attachment"), "{cd}");
        assert!(
            cd.contains(&*urlencoding::encode("사업계획서 최종.pdf")),
            "{cd}"
        );
    }
    // A file id of another application under this one: 404.
    let other_app = submit(&app, &ann, &owner, "2234567890", "부산 식당");
    let other_file = attach(&app, &other_app, "다른 파일.pdf", b"%PDF-1.4 other");
    let r = api(
        &app,
        "GET",
        &format!("/api/v1/agency/applications/{id}/files/{other_file}"),
        Some(&k1),
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "not_found");

    // Key 1 confirms (twice: 200 both times, one row); it leaves key 1's list only.
    let confirm = format!("/api/v1/agency/applications/{id}/confirm");
    let first = api(&app, "POST", &confirm, Some(&k1));
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.bytes)
    );
    assert_eq!(first.json()["confirmed"], true);
    app.clock.advance(chrono::Duration::minutes(5));
    let again = api(&app, "POST", &confirm, Some(&k1));
    assert_eq!(again.status, 200);
    assert_eq!(
        again.json()["confirmed_at"],
        first.json()["confirmed_at"],
        "the first confirmation's time is kept"
    );
    assert_eq!(pickups(&app, &id), 1);
    assert!(!listed(&app, &k1, "").contains(&id));
    assert!(listed(&app, &k1, "").contains(&other_app));
    assert!(listed(&app, &k1, "?all=1").contains(&id));
    assert!(listed(&app, &k2, "").contains(&id));
    assert_eq!(api(&app, "POST", &confirm, Some(&k2)).status, 200);
    assert_eq!(pickups(&app, &id), 2);
    assert!(!listed(&app, &k2, "").contains(&id));

    // Another agency's key: 404 on the id, its file and its confirmation; never listed.
    for (method, p) in [
        ("GET", format!("/api/v1/agency/applications/{id}")),
        ("GET", path.clone()),
        ("POST", confirm.clone()),
    ] {
        let r = api(&app, method, &p, Some(&k_other));
        assert_eq!(r.status, 404, "{method} {p}");
        assert_eq!(r.json()["error"], "not_found");
        assert!(!String::from_utf8_lossy(&r.bytes).contains("울산 식당"));
    }
    assert_eq!(pickups(&app, &id), 2);
    let theirs = listed(&app, &k_other, "?all=1");
    assert!(theirs.is_empty(), "{theirs:?}");

    // No key, a wrong key, a staff member's cookies: 401 JSON with a code.
    let r = api(&app, "GET", "/api/v1/agency/applications", None);
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "api_key_missing");
    assert!(!r.json()["message"].as_str().unwrap().is_empty());
    let r = api(
        &app,
        "GET",
        "/api/v1/agency/applications",
        Some("jw_live_notakeyatall"),
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "api_key_invalid");
    let r = ad.get(&format!("/api/v1/agency/applications/{id}"));
    assert_eq!(r.status, 401, "cookies open nothing here: {}", r.body);
    assert_eq!(r.json()["error"], "api_key_missing");
    // And a key opens no cookie route: the inbox sends it to sign in.
    let r = api(
        &app,
        "GET",
        &format!("/console/applications/{id}"),
        Some(&k1),
    );
    assert_eq!(r.status, 303);
    assert!(r.header("location").starts_with("/login"));

    // Revoking key 2 (the admin's button): 401 from then on; key 1 still works. Both
    // show when they were last used.
    let page = ad.get("/console/api-keys");
    assert!(!page.body.contains("사용 안 함"), "both keys were used");
    let used: Vec<Option<chrono::NaiveDateTime>> = agency_api_keys::table
        .filter(agency_api_keys::name.ne("울산 시스템"))
        .select(agency_api_keys::last_used_at)
        .load(&mut app.conn())
        .expect("last used");
    assert!(used.iter().all(|t| t.is_some()), "{used:?}");
    let k2_id: String = agency_api_keys::table
        .filter(agency_api_keys::name.eq("사업관리 시스템"))
        .select(agency_api_keys::id)
        .first(&mut app.conn())
        .expect("key 2");
    assert!(page.body.contains("‘사업관리 시스템’ 키 폐기"));
    // Another agency's admin cannot revoke it.
    let token = oa.csrf("/console/api-keys");
    let r = oa.post_form(
        "/console/api-keys/revoke",
        &[("key", &k2_id), ("csrf_token", &token)],
    );
    assert_eq!(r.status, 404);
    assert_eq!(listed(&app, &k2, "?all=1").len(), 2);
    let token = ad.csrf("/console/api-keys");
    let r = ad.post_form(
        "/console/api-keys/revoke",
        &[("key", &k2_id), ("csrf_token", &token)],
    );
    assert_eq!(r.status, 303);
    let page = ad.get(r.location());
    assert!(page.body.contains("키를 폐기했습니다"));
    assert!(page.body.contains("폐기됨"));
    let r = api(&app, "GET", "/api/v1/agency/applications", Some(&k2));
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "api_key_invalid");
    let r = api(&app, "GET", &path, Some(&k2));
    assert_eq!(r.status, 401);
    assert_eq!(api(&app, "GET", &path, Some(&k1)).status, 200);

    // The agency's audit log names who made and revoked keys (never the key itself);
    // the other agency's does not show them.
    let log = ad.get("/console/audit");
    assert_eq!(log.status, 200);
    assert_eq!(log.body.matches("API 키 발급").count(), 2, "{}", log.body);
    assert_eq!(log.body.matches("API 키 폐기").count(), 1);
    assert!(log.body.contains("사업관리 시스템"));
    assert!(!log.body.contains(&k1) && !log.body.contains(&k2));
    let theirs = oa.get("/console/audit");
    assert!(theirs.body.contains("울산 시스템"));
    assert!(!theirs.body.contains("사업관리 시스템") && !theirs.body.contains("전자문서 시스템"));
}

#[test]
fn the_list_pages_oldest_first_and_skips_drafts() {
    let app = TestApp::spawn();
    let (_, admin, apw) = app.staff("중소벤처기업부", "admin");
    let (_, editor, epw) = app.staff("중소벤처기업부", "editor");
    let (owner, _) = app.owner_with(PW, |_| {});
    let ed = app.client();
    ed.login(&editor, &epw);
    let ann = create_announcement(&ed, &[("title", "수출 바우처")]);
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(submit(
            &app,
            &ann,
            &owner,
            &format!("12345678{n:02}"),
            &format!("식당 {n}"),
        ));
        app.clock.advance(chrono::Duration::minutes(1));
    }
    // The last one is only a draft: the agency does not see it.
    diesel::update(applications::table.find(&ids[3]))
        .set(applications::status.eq("draft"))
        .execute(&mut app.conn())
        .expect("draft");
    let ad = app.client();
    ad.login(&admin, &apw);
    let key = make_key(&ad, "전자문서 시스템");

    let r = api(
        &app,
        "GET",
        "/api/v1/agency/applications?limit=2",
        Some(&key),
    );
    assert_eq!(r.status, 200);
    let page1 = r.json();
    let got: Vec<&str> = page1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![ids[0].as_str(), ids[1].as_str()]);
    let next = page1["next"].as_str().expect("a next cursor");
    let r = api(
        &app,
        "GET",
        &format!("/api/v1/agency/applications?limit=2&after={next}"),
        Some(&key),
    );
    let page2 = r.json();
    let got: Vec<&str> = page2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![ids[2].as_str()]);
    assert_eq!(page2["next"], Value::Null);
    // The draft is 404 by id too.
    let r = api(
        &app,
        "GET",
        &format!("/api/v1/agency/applications/{}", ids[3]),
        Some(&key),
    );
    assert_eq!(r.status, 404);

    // Bad paging: 400 with a code.
    for (q, code) in [
        ("?limit=101", "invalid_limit"),
        ("?limit=0", "invalid_limit"),
        ("?limit=abc", "invalid_limit"),
        ("?after=nonsense", "invalid_cursor"),
    ] {
        let r = api(
            &app,
            "GET",
            &format!("/api/v1/agency/applications{q}"),
            Some(&key),
        );
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(r.json()["error"], code, "{q}");
    }
}

#[test]
fn wrong_keys_from_one_address_are_stopped() {
    let app = TestApp::spawn();
    let (_, admin, apw) = app.staff("중소벤처기업부", "admin");
    let ad = app.client();
    ad.login(&admin, &apw);
    let key = make_key(&ad, "전자문서 시스템");
    let mut statuses = Vec::new();
    for n in 0..31 {
        let r = api(
            &app,
            "GET",
            "/api/v1/agency/applications",
            Some(&format!("jw_live_guess{n}")),
        );
        statuses.push(r.status);
    }
    assert!(statuses[..30].iter().all(|s| *s == 401), "{statuses:?}");
    let r = api(
        &app,
        "GET",
        "/api/v1/agency/applications",
        Some("jw_live_x"),
    );
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"], "rate_limited");
    // The window passes: the right key works again.
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        api(&app, "GET", "/api/v1/agency/applications", Some(&key)).status,
        200
    );
}
