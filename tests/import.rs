//! Imports on the real shared data: counts, idempotence, revisions, merges, rejects,
//! broken files and URLs, and an import over real HTTP from a local server.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

use common::{data_file, TestApp};
use diesel::prelude::*;
use jiwon::db::schema::{announcement_sources, announcements, import_runs, revisions};
use jiwon::ingest::service::{import_location, Quiet};

fn count_announcements(app: &TestApp) -> i64 {
    announcements::table
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

#[test]
fn real_data_imports_once_merges_duplicates_and_reimport_is_a_no_op() {
    let app = TestApp::spawn();
    let biz = app.import(&data_file("bizinfo_2026.json"));
    println!("bizinfo: {}", biz.line());
    // Every real record is kept: none lacks an id or a title, and a window the parser
    // cannot read is kept as 기타 with its text (counted), never a reason to drop one.
    assert!(biz.rejected.is_empty(), "rejected: {:?}", biz.rejected);
    assert_eq!(biz.new, 2993, "{}", biz.line());
    let ks = app.import(&data_file("kstartup_2026.json"));
    println!("kstartup: {}", ks.line());
    assert!(ks.rejected.is_empty(), "rejected: {:?}", ks.rejected);
    assert_eq!(ks.new + ks.merged, 279);
    assert!(
        ks.merged >= 40,
        "the same program on both portals becomes one: merged {}",
        ks.merged
    );
    assert_eq!(count_announcements(&app), (biz.new + ks.new) as i64);
    let sources: i64 = announcement_sources::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(sources, (biz.new + ks.new + ks.merged) as i64);

    // A merged announcement shows both source links.
    let merged_id: String = announcement_sources::table
        .group_by(announcement_sources::announcement_id)
        .having(diesel::dsl::count_star().gt(1))
        .select(announcement_sources::announcement_id)
        .first(&mut app.conn())
        .expect("a merged announcement");
    let page = app.client().get(&format!("/announcements/{merged_id}"));
    page.assert_contains(">기업마당에서 보기</a>");
    page.assert_contains(">K-Startup에서 보기</a>");

    // Re-import: nothing new, nothing changed, nothing rewritten.
    let before: Vec<(String, chrono::NaiveDateTime)> = announcements::table
        .select((announcements::id, announcements::updated_at))
        .order(announcements::id)
        .load(&mut app.conn())
        .expect("load");
    let again = app.import(&data_file("bizinfo_2026.json"));
    let again_ks = app.import(&data_file("kstartup_2026.json"));
    assert_eq!((again.new, again.changed, again.merged), (0, 0, 0));
    assert_eq!(again.unchanged, biz.new);
    assert_eq!((again_ks.new, again_ks.changed, again_ks.merged), (0, 0, 0));
    assert_eq!(again_ks.unchanged, ks.new + ks.merged);
    let after: Vec<(String, chrono::NaiveDateTime)> = announcements::table
        .select((announcements::id, announcements::updated_at))
        .order(announcements::id)
        .load(&mut app.conn())
        .expect("load");
    assert_eq!(before, after);
    let revs: i64 = revisions::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(revs, 0);

    // 전남광주 records are found under both 광주 (29) and 전남 (46).
    let row: (String, String) = announcements::table
        .filter(announcements::title.like("%[전남광주]%"))
        .select((announcements::id, announcements::title))
        .first(&mut app.conn())
        .expect("a 전남광주 record");
    // The index jobs written by the import bring the search index up to date.
    let report = app.tick();
    assert!(report.ran >= 3000, "index jobs ran: {report:?}");
    let c = app.client();
    for region in ["29", "46"] {
        let list = c.get(&format!(
            "/announcements?status=all&region={region}&q={}",
            urlencoding::encode(&row.1.chars().skip(7).take(12).collect::<String>())
        ));
        assert!(
            list.body.contains(&row.0),
            "{} not listed under region {region}",
            row.1
        );
    }
}

fn write(dir: &std::path::Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).expect("write fixture");
    path.to_string_lossy().to_string()
}

fn record(id: &str, title: &str, window: &str, updated: &str) -> serde_json::Value {
    serde_json::json!({
        "pblancId": id, "pblancNm": title, "reqstBeginEndDe": window, "updtPnttm": updated,
        "creatPnttm": "2026-11-01 09:00:00", "jrsdInsttNm": "울산광역시", "excInsttNm": "울산경제일자리진흥원",
        "pldirSportRealmLclasCodeNm": "경영", "pldirSportRealmMlsfcCodeNm": "컨설팅", "trgetNm": "소상공인",
        "hashtags": "울산,소상공인", "bsnsSumryCn": "<p>울산 소상공인 경영 컨설팅</p>", "pblancUrl": "https://www.bizinfo.go.kr/x",
        "printFlpthNm": "", "printFileNm": "", "inqireCo": 1
    })
}

#[test]
fn a_changed_record_becomes_a_revision_and_bad_records_are_rejected_with_reasons() {
    let app = TestApp::spawn();
    let dir = app.dir.path().to_path_buf();
    let v1 = serde_json::json!({"jsonArray": [
        record("PBLN_T1", "[울산] 2026년 소상공인 경영개선 컨설팅 지원사업", "2026-11-20 ~ 2026-11-30", "2026-11-20 10:00:00"),
        {"pblancNm": "아이디가 없는 공고", "reqstBeginEndDe": "상시 접수"},
        record("PBLN_T2", "[울산] 기간이 거꾸로인 공고", "2026-12-31 ~ 2026-12-01", "2026-11-20 10:00:00"),
    ]});
    let s = import_location(
        &app.state,
        "bizinfo",
        &write(&dir, "v1.json", &v1.to_string()),
        &mut Quiet,
    )
    .expect("import");
    // The record without an id cannot be an announcement; the one whose window runs
    // backwards is kept, as 기타 with the agency's own text.
    assert_eq!(s.new, 2, "{}", s.line());
    assert_eq!(s.rejected.len(), 1, "{:?}", s.rejected);
    assert!(s.rejected[0].reason.contains("공고 ID"), "{:?}", s.rejected);
    assert_eq!(s.kept_with_note, 1);
    let backwards: String = announcements::table
        .filter(announcements::title.like("%기간이 거꾸로인%"))
        .select(announcements::id)
        .first(&mut app.conn())
        .expect("kept");
    app.client()
        .get(&format!("/announcements/{backwards}"))
        .assert_contains("2026-12-31 ~ 2026-12-01");

    // The source extends the deadline: a revision with the diff, and the page shows it.
    let v2 = serde_json::json!({"jsonArray": [
        record("PBLN_T1", "[울산] 2026년 소상공인 경영개선 컨설팅 지원사업", "2026-11-20 ~ 2026-12-15", "2026-11-22 16:00:00"),
    ]});
    let s2 = import_location(
        &app.state,
        "bizinfo",
        &write(&dir, "v2.json", &v2.to_string()),
        &mut Quiet,
    )
    .expect("import");
    assert_eq!((s2.new, s2.changed, s2.unchanged), (0, 1, 0));
    let (id, diff): (String, String) = revisions::table
        .select((revisions::announcement_id, revisions::diff))
        .first(&mut app.conn())
        .expect("revision");
    assert!(diff.contains("apply_end"), "{diff}");
    let page = app.client().get(&format!("/announcements/{id}"));
    page.assert_contains("기업마당 원문 수정");
    page.assert_contains("2026.11.20 ~ 2026.12.15");
}

#[test]
fn broken_files_and_unreachable_urls_fail_cleanly_and_change_nothing() {
    let app = TestApp::spawn();
    let dir = app.dir.path().to_path_buf();
    let broken = write(&dir, "broken.json", "{\"jsonArray\": [ {\"pblancId\": ");
    let err =
        import_location(&app.state, "auto", &broken, &mut Quiet).expect_err("broken file fails");
    assert!(
        err.public_message().contains("JSON"),
        "{}",
        err.public_message()
    );
    let missing = import_location(&app.state, "auto", "/no/such/file.json", &mut Quiet)
        .expect_err("missing file");
    assert!(missing.public_message().contains("읽을 수 없습니다"));
    let unreachable = import_location(
        &app.state,
        "auto",
        "http://127.0.0.1:9/feed.json",
        &mut Quiet,
    )
    .expect_err("unreachable");
    assert!(unreachable.public_message().contains("연결할 수 없습니다"));
    assert_eq!(count_announcements(&app), 0);
    let failed_runs: i64 = import_runs::table
        .filter(import_runs::error.is_not_null())
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(failed_runs, 3);
}

/// Serve one file over real HTTP from a local socket, once.
fn serve_once(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}/kstartup.json")
}

#[test]
fn imports_from_a_url_and_from_the_rss_form() {
    let app = TestApp::spawn();
    let body = std::fs::read(data_file("kstartup_2026.json")).expect("data");
    let url = serve_once(body);
    let s = import_location(&app.state, "kstartup", &url, &mut Quiet).expect("URL import");
    assert_eq!(s.new, 279);
    let rss = format!(
        "{}/tests/fixtures/bizinfo_rss_sample.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let r = import_location(&app.state, "auto", &rss, &mut Quiet).expect("RSS import");
    assert_eq!(r.new + r.merged, 2, "{}", r.line());
    assert_eq!(r.rejected.len(), 1);
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn id_titled(app: &TestApp, start: &str) -> String {
    announcements::table
        .filter(announcements::title.like(format!("{start}%")))
        .select(announcements::id)
        .first(&mut app.conn())
        .expect("imported announcement")
}

/// Issue 11, items 12 and 13, on records taken from the shipped data
/// (tests/fixtures/*_issue11.json): a 과천시 program (소관 경기도, 수행 "기초자치단체",
/// tagged with all 17 시도) is 경기, not 전국; a 2025 program "예산 소진시까지" is closed
/// in 2026 and says why; "(재)부산창조경제혁신센터 대표이사" is the agency
/// 부산창조경제혁신센터, one row with the bizinfo name, also for a row an earlier import
/// left; "기초자치단체" is no agency.
#[test]
fn import_fixes_regions_stale_windows_and_agency_names() {
    let app = TestApp::spawn();
    // What an import before this fix left behind.
    let left = jiwon::accounts::Agency {
        id: jiwon::ids::new_id(),
        name: "(재)부산창조경제혁신센터 대표이사".into(),
        kind: "public".into(),
        region_code: None,
        homepage: None,
        phone: None,
        created_at: app.now(),
    };
    jiwon::accounts::store::insert_agency(&mut app.conn(), &left).expect("agency");
    app.import(&fixture("bizinfo_issue11.json"));
    app.import(&fixture("kstartup_issue11.json"));
    app.tick();
    let c = app.client();

    // Region from the local government: listed for 경기 (41), not for 서울 (11).
    let gwacheon = id_titled(&app, "2026년 과천시 중소기업");
    let item = c.get(&format!("/api/v1/announcements/{gwacheon}")).json();
    assert_eq!(item["nationwide"], false);
    assert_eq!(item["regions"], serde_json::json!(["경기도"]));
    let in_region = |code: &str| {
        c.get(&format!("/api/v1/announcements?region={code}&status=all"))
            .json()["items"]
            .as_array()
            .map(|a| a.iter().any(|i| i["id"] == gwacheon.as_str()))
            .unwrap_or(false)
    };
    assert!(in_region("41"));
    assert!(!in_region("11"));

    // The 2025 program without a deadline is closed, with the reason on its page.
    let stale = id_titled(&app, "[대구] 2025년 4차 소상공인");
    let item = c.get(&format!("/api/v1/announcements/{stale}")).json();
    assert_eq!(item["phase"], "closed");
    let page = c.get(&format!("/announcements/{stale}"));
    page.assert_contains("2025년 공고로, 2025년 말에 마감된 것으로 봅니다");
    page.assert_contains("접수가 마감되었습니다");
    assert!(!page.body.contains("신청하러 가기"));
    // The 2026 one of the same kind stays open.
    let item = c.get(&format!("/api/v1/announcements/{gwacheon}")).json();
    assert_eq!(item["phase"], "open");

    // One agency, the agency's own name, whatever the records and the old row said.
    let names: Vec<String> = jiwon::db::schema::agencies::table
        .select(jiwon::db::schema::agencies::name)
        .load(&mut app.conn())
        .expect("agencies");
    assert_eq!(
        names
            .iter()
            .filter(|n| n.contains("부산창조경제혁신센터"))
            .count(),
        1,
        "{names:?}"
    );
    assert!(names.contains(&"부산창조경제혁신센터".to_string()));
    assert!(!names
        .iter()
        .any(|n| n.contains("대표이사") || n == "기초자치단체"));
    let dir = c.get("/agencies?q=%EB%B6%80%EC%82%B0%20%EC%B0%BD%EC%A1%B0");
    dir.assert_contains("id=\"agency-count\">1<");
    dir.assert_contains(">부산창조경제혁신센터</a>");
    // The directory's groups.
    let all = c.get("/agencies");
    all.assert_contains(">광역자치단체</h2>");
    all.assert_contains(">공공기관·기타</h2>");
    let gyeonggi = all.body.find(">경기도</a>").expect("경기도 listed");
    let local = all.body.find(">광역자치단체</h2>").expect("광역 group");
    let public = all.body.find(">공공기관·기타</h2>").expect("public group");
    assert!(local < gyeonggi && gyeonggi < public);
}
