//! The public site as an owner sees it: home, listing filters, announcement page,
//! agencies, error pages, caching, and the JSON API — on the real imported data.

mod common;

use common::{data_file, TestApp};

fn imported() -> TestApp {
    let app = TestApp::spawn();
    app.import(&data_file("bizinfo_2026.json"));
    app.import(&data_file("kstartup_2026.json"));
    // The import queued one index job per announcement; run them as the worker would.
    app.tick();
    app
}

fn count(body: &str) -> i64 {
    let marker = "id=\"result-count\">";
    let start = body.find(marker).expect("result count on page") + marker.len();
    body[start..]
        .split('<')
        .next()
        .unwrap_or("0")
        .parse()
        .expect("a number")
}

fn links(body: &str) -> Vec<String> {
    body.match_indices("class=\"ann-link\" href=\"/announcements/")
        .map(|(i, m)| {
            body[i + m.len()..]
                .split('"')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn site_pages_filters_detail_and_api() {
    let app = imported();
    let c = app.client();

    // Home: Korean, with the quick filter and the three sections.
    let home = c.get("/");
    assert_eq!(home.status, 200);
    home.assert_contains("<html lang=\"ko\">");
    home.assert_contains("id=\"home-filter\"");
    home.assert_contains("마감 임박");
    home.assert_contains("새로 올라온 공고");
    assert!(home
        .header("cache-control")
        .unwrap_or("")
        .contains("public"));

    // Listing: all open, then narrowed by category; every narrower filter gives no more.
    let all = c.get("/announcements");
    assert_eq!(all.status, 200);
    let open = count(&all.body);
    assert!(
        open > 100,
        "expected many open announcements on 2026-11-24, got {open}"
    );
    let startup = c.get("/announcements?category=%EC%B0%BD%EC%97%85");
    let n_startup = count(&startup.body);
    assert!(n_startup > 0 && n_startup < open);

    // Region: 울산 (31) includes nationwide programs and 울산's own; never 서울-only ones.
    let ulsan = c.get("/announcements?region=31&status=all&sort=newest");
    let n_ulsan = count(&ulsan.body);
    assert!(n_ulsan > 0);
    for id in links(&ulsan.body).iter().take(10) {
        let page = c.get(&format!("/announcements/{id}"));
        assert!(
            page.body.contains("전국") || page.body.contains("울산"),
            "announcement {id} listed for 울산 but shows neither 전국 nor 울산"
        );
    }

    // Deadline within 7 days ⊆ within 30 days ⊆ open.
    let d7 = count(&c.get("/announcements?due=7").body);
    let d30 = count(&c.get("/announcements?due=30").body);
    assert!(d7 <= d30 && d30 <= open, "7d {d7} 30d {d30} open {open}");

    // Closed ones are not in the default list but are with status=closed.
    let closed = count(&c.get("/announcements?status=closed").body);
    let everything = count(&c.get("/announcements?status=all").body);
    assert!(
        closed > 1000,
        "most 2023–2026 records are past their deadline: {closed}"
    );
    assert!(everything >= open + closed);

    // Target filter.
    let small = count(
        &c.get("/announcements?target=%EC%86%8C%EC%83%81%EA%B3%B5%EC%9D%B8&status=all")
            .body,
    );
    assert!(small > 0 && small < everything);

    // Keyword.
    let kw = c.get("/announcements?q=%EC%88%98%EC%B6%9C&status=all");
    assert!(count(&kw.body) > 0);

    // Pagination keeps filters.
    let p1 = c.get("/announcements?status=all");
    p1.assert_contains("rel=\"next\" href=\"/announcements?status=all&page=2\"");
    let p2 = c.get("/announcements?status=all&page=2");
    assert_ne!(links(&p1.body), links(&p2.body));

    // An unknown filter value is dropped with a notice, not a failure.
    let bad = c.get("/announcements?region=99");
    assert_eq!(bad.status, 200);
    bad.assert_contains("알 수 없는 지역 코드");

    // Detail page: all the facts, D-day, sources, share link.
    let first = links(&all.body)
        .into_iter()
        .next()
        .expect("an announcement");
    let detail = c.get(&format!("/announcements/{first}"));
    assert_eq!(detail.status, 200);
    detail.assert_contains("class=\"ann-title\"");
    detail.assert_contains("class=\"ann-facts\"");
    detail.assert_contains("소관기관");
    detail.assert_contains("접수 기간");
    detail.assert_contains("에서 보기</a>");
    detail.assert_contains(&format!("http://jiwon.test/announcements/{first}"));

    // ETag revalidation: same page, 304 with no body.
    let etag = detail.header("etag").expect("etag").to_string();
    let again = c.get_with(&format!("/announcements/{first}"), ("If-None-Match", &etag));
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    // Agency directory and an agency page.
    let agencies = c.get("/agencies");
    agencies.assert_contains("중소벤처기업부");
    let id_start = agencies
        .body
        .find("href=\"/agencies/")
        .expect("agency link")
        + "href=\"/agencies/".len();
    let agency_id: String = agencies.body[id_start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string();
    let agency = c.get(&format!("/agencies/{agency_id}"));
    assert_eq!(agency.status, 200);
    agency.assert_contains("접수 중");
    // Paged for a phone (60 a page), grouped; page 2 lists other agencies.
    agencies.assert_contains("rel=\"next\" href=\"/agencies?q=&page=2\"");
    let page2 = c.get("/agencies?page=2");
    let first_names = |body: &str| -> Vec<String> {
        body.match_indices("href=\"/agencies/")
            .map(|(i, m)| {
                body[i + m.len()..]
                    .split('"')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    let (p1, p2) = (first_names(&agencies.body), first_names(&page2.body));
    assert_eq!(p1.len(), 60);
    assert!(p2.iter().all(|id| !p1.contains(id)));
    // Across the pages, the four groups in order.
    let mut groups: Vec<String> = Vec::new();
    for n in 1..=20 {
        let body = c.get(&format!("/agencies?page={n}")).body;
        for (i, m) in body.match_indices("<h2 id=\"ag-") {
            let label = body[i + m.len()..]
                .split('>')
                .nth(1)
                .and_then(|t| t.split('<').next())
                .unwrap_or("")
                .to_string();
            if groups.last() != Some(&label) {
                groups.push(label);
            }
        }
        if !body.contains("rel=\"next\"") {
            break;
        }
    }
    assert_eq!(
        groups,
        ["중앙부처", "광역자치단체", "기초자치단체", "공공기관·기타"]
    );

    // Korean 404 page for a missing announcement and an unknown path.
    let missing = c.get("/announcements/does-not-exist");
    assert_eq!(missing.status, 404);
    missing.assert_contains("찾을 수 없습니다");
    assert_eq!(c.get("/no/such/page").status, 404);

    // JSON API with the same filters; errors are JSON with stable codes.
    let api = c.get("/api/v1/announcements?category=%EC%B0%BD%EC%97%85");
    assert_eq!(api.status, 200);
    let json = api.json();
    assert_eq!(json["total"].as_i64(), Some(n_startup));
    let api_item = c.get(&format!("/api/v1/announcements/{first}")).json();
    assert_eq!(api_item["id"].as_str(), Some(first.as_str()));
    let api_missing = c.get("/api/v1/announcements/nope");
    assert_eq!(api_missing.status, 404);
    assert_eq!(api_missing.json()["error"], "not_found");

    // Static files are cacheable.
    let css = c.get("/public/css/site.css");
    assert_eq!(css.status, 200);
    assert!(css
        .header("cache-control")
        .unwrap_or("")
        .contains("max-age"));

    // Health (once a worker has ticked).
    app.tick();
    assert_eq!(c.get("/healthz").json()["status"], "ok");
}

#[test]
fn drafts_are_invisible_to_the_public() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    let id = common::create_announcement(&staff, &[]);
    let public = app.client();
    assert_eq!(public.get(&format!("/announcements/{id}")).status, 404);
    assert_eq!(
        public.get(&format!("/api/v1/announcements/{id}")).status,
        404
    );
    assert_eq!(
        common::links_count(&public.get("/announcements?status=all").body),
        0
    );
    // The owning agency can preview it.
    let preview = staff.get(&format!("/announcements/{id}"));
    assert_eq!(preview.status, 200);
    preview.assert_contains("미리보기");
}

fn publish(staff: &common::Client, overrides: &[(&str, &str)]) -> String {
    let id = common::create_announcement(staff, overrides);
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    let r = staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303, "publish: {}", r.text());
    id
}

fn api_ids(c: &common::Client, query: &str) -> Vec<String> {
    let json = c.get(&format!("/api/v1/announcements?{query}")).json();
    json["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Issue 11, item 2: a program whose window opens tomorrow is 접수 예정 on the site (the
/// search engine), in the API (the database) and on the home page — not 접수 중 — with a
/// "접수 시작 D-1" badge and a disabled button saying when; on its opening day (KST) it
/// moves to 접수 중 everywhere and the button becomes the link.
#[test]
fn a_program_opening_tomorrow_is_upcoming_until_its_opening_day() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    // The clock is 2026-11-24 12:00 KST.
    let later = publish(
        &staff,
        &[("apply_start", "2026-11-25"), ("apply_end", "2026-12-31")],
    );
    let started = publish(
        &staff,
        &[
            ("title", "2026년 울산 소상공인 경영 개선 지원사업"),
            ("apply_start", "2026-11-20"),
            ("apply_end", "2026-12-31"),
        ],
    );
    app.tick();
    let c = app.client();

    let upcoming = c.get("/announcements?status=upcoming");
    assert_eq!(links(&upcoming.body), vec![later.clone()]);
    upcoming.assert_contains("접수 시작 D-1");
    assert!(
        !upcoming.body.contains(">D-1<"),
        "a bare D-1 reads as a deadline"
    );
    let open = c.get("/announcements");
    assert_eq!(links(&open.body), vec![started.clone()]);
    // The counts by phase say the same.
    open.assert_contains("접수 예정·예고 <span class=\"count\">1</span>");
    open.assert_contains("접수 중 <span class=\"count\">1</span>");

    // The API agrees with the site.
    assert_eq!(api_ids(&c, "status=upcoming"), vec![later.clone()]);
    assert_eq!(api_ids(&c, "status=open"), vec![started.clone()]);
    let item = c.get(&format!("/api/v1/announcements/{later}")).json();
    assert_eq!(item["phase"], "upcoming");
    assert_eq!(item["dday"], "접수 시작 D-1");

    // The home page's 접수 예정 section has it.
    let home = c.get("/");
    let section = &home.body[home.body.find("id=\"h-upcoming\"").expect("section")..];
    assert!(section.contains(&format!("/announcements/{later}")));

    // Its page: no way to apply yet, and when it opens.
    let page = c.get(&format!("/announcements/{later}"));
    page.assert_contains("disabled>11월 25일부터 신청</button>");
    assert!(!page.body.contains("신청하러 가기"));

    // 2026-11-25 00:00:01 KST: the window has started.
    app.clock.set(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
            .and_then(|d| d.and_hms_opt(15, 0, 1))
            .expect("time"),
    );
    let upcoming = c.get("/announcements?status=upcoming");
    assert!(links(&upcoming.body).is_empty());
    let mut open = links(&c.get("/announcements").body);
    open.sort();
    let mut both = vec![later.clone(), started.clone()];
    both.sort();
    assert_eq!(open, both);
    assert!(api_ids(&c, "status=upcoming").is_empty());
    let mut api_open = api_ids(&c, "status=open");
    api_open.sort();
    assert_eq!(api_open, both);
    let page = c.get(&format!("/announcements/{later}"));
    page.assert_contains("href=\"https://example.go.kr/apply\"");
    page.assert_contains("신청하러 가기");
}

/// Issue 11, items 10 and 18: the announcement page calls by tapping, says the summary
/// once, names its source, shows the saved state, offers reminders only for days
/// ahead, shares without JavaScript (a read-only address) and with it (copy / Web
/// Share), and never offers a way to apply that does not exist.
#[test]
fn the_announcement_page_offers_only_what_exists() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    // Closes 2026-11-27 (KST), three days after the clock's 11-24: a D-7 reminder
    // would be in the past.
    let soon = publish(
        &staff,
        &[
            ("apply_end", "2026-11-27"),
            ("apply_start", "2026-11-20"),
            (
                "contacts",
                "울산시 소상공인과 052-229-1234, 콜센터 1357-0000",
            ),
            (
                "body",
                "<p>울산 소상공인의 온라인 쇼핑몰 입점을 돕습니다.</p><p>자세한 내용</p>",
            ),
        ],
    );
    // Applied for in person: no online address to send anyone to.
    let offline = publish(
        &staff,
        &[
            ("title", "2026년 울산 전통시장 방문 접수 지원사업"),
            ("apply_start", "2026-11-20"),
            ("apply_method", "offline"),
            ("apply_url", ""),
        ],
    );
    app.import(&format!(
        "{}/tests/fixtures/bizinfo_issue11.json",
        env!("CARGO_MANIFEST_DIR")
    ));
    app.import(&format!(
        "{}/tests/fixtures/kstartup_issue11.json",
        env!("CARGO_MANIFEST_DIR")
    ));
    app.tick();
    let c = app.client();

    let page = c.get(&format!("/announcements/{soon}"));
    page.assert_contains("<a href=\"tel:0522291234\">052-229-1234</a>");
    page.assert_contains("<a href=\"tel:13570000\">1357-0000</a>");
    // The body already says the summary: no lead repeating it.
    assert!(!page.body.contains("<p class=\"lead\">"));
    // Sharing: the address in a read-only field (no JS), the controls JS reveals.
    page.assert_contains(&format!(
        "id=\"share-url\" class=\"share\" type=\"url\" readonly value=\"http://jiwon.test/announcements/{soon}\""
    ));
    page.assert_contains("id=\"share-copy\"");
    page.assert_contains("src=\"/public/js/share.js\"");
    assert_eq!(c.get("/public/js/share.js").status, 200);
    page.assert_contains("신청하러 가기");
    assert!(!page.body.contains("관심 공고에 저장되어 있습니다"));

    // In person: the method in words, no button.
    let page = c.get(&format!("/announcements/{offline}"));
    assert!(!page.body.contains("신청하러 가기"));
    page.assert_contains("id=\"apply-method\">방문·우편·이메일로 접수합니다.");

    // Imported ones name their source.
    let listing = c.get("/announcements?status=all&q=%EA%B3%BC%EC%B2%9C%EC%8B%9C");
    let gwacheon = links(&listing.body)
        .into_iter()
        .next()
        .expect("과천시 program");
    c.get(&format!("/announcements/{gwacheon}"))
        .assert_contains(">기업마당에서 보기</a>");
    let listing = c.get("/announcements?status=all&q=%EC%8A%A4%EC%8A%A4%EB%A1%9C");
    let ks = links(&listing.body)
        .into_iter()
        .next()
        .expect("K-Startup program");
    c.get(&format!("/announcements/{ks}"))
        .assert_contains(">K-Startup에서 보기</a>");

    // A signed-in owner: reminders only for days ahead (D-1, not D-7), then saved.
    let (_, owner_email) = app.owner_with("owner password 1", |_| {});
    let me = app.client();
    me.login(&owner_email, "owner password 1");
    let offer = me.get(&format!("/bookmarks/new?announcement={soon}"));
    offer.assert_contains("마감 D-1에");
    assert!(!offer.body.contains("D-7"));
    let csrf = common::extract_csrf(&offer.body).expect("csrf");
    let r = me.post_form(
        "/me/bookmarks",
        &[("csrf_token", &csrf), ("announcement", &soon)],
    );
    assert_eq!(r.status, 303);
    let mine = me.get(&format!("/announcements/{soon}"));
    mine.assert_contains("관심 공고에 저장되어 있습니다");
    assert!(!mine.body.contains("/bookmarks/new?announcement="));

    // After the deadline: closed, no way to apply, nothing to remind of.
    app.clock.set(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_opt(3, 0, 0))
            .expect("time"),
    );
    let closed = c.get(&format!("/announcements/{soon}"));
    closed.assert_contains("id=\"apply-closed\"><strong>접수가 마감되었습니다</strong>");
    assert!(!closed.body.contains("신청하러 가기"));
    assert!(!closed.body.contains("/bookmarks/new?announcement="));
    app.tick();
}

/// The manifest names the icons browsers require (192 and 512 PNG, a maskable one), each
/// served as a PNG of its stated size; pages link the manifest and an icon.
#[test]
fn the_manifest_has_installable_icons() {
    let app = TestApp::spawn();
    let c = app.client();
    let manifest = c.get("/public/manifest.webmanifest").json();
    let icons = manifest["icons"].as_array().cloned().unwrap_or_default();
    let mut seen = Vec::new();
    for icon in &icons {
        let src = icon["src"].as_str().expect("src");
        let sizes = icon["sizes"].as_str().expect("sizes");
        let purpose = icon["purpose"].as_str().unwrap_or("any");
        let served = c.get(src);
        assert_eq!(served.status, 200, "{src}");
        assert_eq!(served.header("content-type"), Some("image/png"), "{src}");
        // The file's own IHDR width and height.
        let path = format!(
            "{}/public/{}",
            env!("CARGO_MANIFEST_DIR"),
            src.trim_start_matches("/public/")
        );
        let bytes = std::fs::read(&path).expect("icon file");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{src}");
        let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
        assert_eq!(format!("{w}x{h}"), sizes, "{src}");
        seen.push(format!("{sizes} {purpose}"));
    }
    for want in ["192x192 any", "512x512 any", "512x512 maskable"] {
        assert!(seen.iter().any(|s| s == want), "no {want} icon: {seen:?}");
    }
    let home = c.get("/");
    home.assert_contains("rel=\"manifest\" href=\"/public/manifest.webmanifest\"");
    home.assert_contains("rel=\"apple-touch-icon\"");
}
