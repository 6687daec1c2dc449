//! Search as owners and operators meet it: the listing with highlights and facets, CSV,
//! the API, suggestions, index jobs that follow every change, and an engine outage that
//! delays search freshness but never a publication.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::Duration;
use common::{create_announcement, data_file, TestApp};
use jiwon::search::{SearchDoc, SearchError, SearchIndex, SearchQuery, SearchResults};

fn count(body: &str) -> i64 {
    let marker = "id=\"result-count\">";
    let start = body.find(marker).expect("result count") + marker.len();
    body[start..]
        .split('<')
        .next()
        .unwrap_or("0")
        .parse()
        .expect("number")
}

#[test]
fn listing_search_with_highlights_facets_csv_api_and_suggestions() {
    let app = TestApp::spawn();
    app.import(&data_file("bizinfo_2026.json"));
    app.import(&data_file("kstartup_2026.json"));
    let n = app.reindex();
    assert!(n > 3000, "indexed {n}");
    let c = app.client();

    // A realistic owner query, across all statuses: matches are marked in titles.
    let r = c.get("/announcements?q=%EC%88%98%EC%B6%9C%EB%B0%94%EC%9A%B0%EC%B2%98&status=all");
    assert_eq!(r.status, 200);
    assert!(count(&r.body) > 0, "수출바우처 finds announcements");
    assert!(r.body.contains("<mark>"), "matches are highlighted");
    assert!(!r.body.contains("search-degraded"));
    // Facets with counts, each a link that narrows the search.
    r.assert_contains("분류별 건수로 좁히기");
    r.assert_contains("class=\"count\"");

    // The same query through the API: same total, facets as JSON.
    let api = c
        .get("/api/v1/search?q=%EC%88%98%EC%B6%9C%EB%B0%94%EC%9A%B0%EC%B2%98&status=all")
        .json();
    assert_eq!(api["total"].as_i64(), Some(count(&r.body)));
    assert!(api["facets"]["category"]
        .as_object()
        .map(|m| !m.is_empty())
        .unwrap_or(false));
    assert_eq!(api["degraded"], false);

    // Filters narrow: 창업 category within all statuses.
    let all = count(&c.get("/announcements?status=all").body);
    let startup = count(
        &c.get("/announcements?status=all&category=%EC%B0%BD%EC%97%85")
            .body,
    );
    assert!(startup > 0 && startup < all);

    // CSV export of the same results: a header and one line per result (≤ 5000).
    let csv = c.get("/announcements.csv?category=%EC%B0%BD%EC%97%85&status=all");
    assert_eq!(csv.status, 200);
    assert!(csv
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].contains("제목"));
    assert_eq!(lines.len() as i64 - 1, startup.min(5000));
    let big = c.get("/announcements.csv?status=all");
    assert_eq!(big.body.lines().count() - 1, (all as usize).min(5000));

    // Nothing matches every word: the words from the end are dropped, and the page says so.
    let relaxed = c.get("/announcements?q=%EC%88%98%EC%B6%9C%EB%B0%94%EC%9A%B0%EC%B2%98%20%EC%9A%B0%EC%A3%BC%EC%84%A0&status=all");
    assert_eq!(count(&relaxed.body), count(&r.body));
    relaxed.assert_contains("모든 단어가 들어간 공고가 없어 ‘수출바우처’(으)로 찾은 결과입니다");

    // Zero results: help to get out of it.
    let none = c.get("/announcements?q=%EC%9A%B0%EC%A3%BC%EC%84%A0%20%EC%9E%90%EC%98%81%EC%97%85%EC%9E%90&region=31");
    assert_eq!(count(&none.body), 0);
    none.assert_contains("조건에 맞는 공고가 없습니다");
    none.assert_contains("지역 조건 빼기");

    // Suggestions as you type.
    let s = c.get("/api/v1/suggest?q=%EC%88%98%EC%B6%9C").json();
    assert!(s["suggestions"]
        .as_array()
        .map(|a| !a.is_empty())
        .unwrap_or(false));

    // Health reports the engine and its document count.
    let h = c.get("/healthz").json();
    assert_eq!(h["search"]["status"], "ok");
    assert_eq!(h["search"]["documents"].as_u64(), Some(n as u64));
}

#[test]
fn the_index_follows_every_change_through_jobs() {
    let app = TestApp::spawn();
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    let id = create_announcement(
        &staff,
        &[
            ("title", "울산 해오름 수산물 온라인 판로 지원"),
            ("apply_start", "2026-11-20"),
        ],
    );
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    let public = app.client();
    let q = "/announcements?q=%ED%95%B4%EC%98%A4%EB%A6%84";
    // Published, but the index job has not run yet.
    assert_eq!(count(&public.get(q).body), 0);
    app.tick();
    let found = public.get(q);
    assert_eq!(count(&found.body), 1);
    assert!(found.body.contains(&id));

    // Correct the title: the new words are found, the old ones not.
    let csrf = staff.csrf(&format!("/console/announcements/{id}/correct"));
    let form = common::announcement_form(
        &csrf,
        &[
            ("title", "울산 고래마을 수산물 온라인 판로 지원"),
            ("reason", "사업명 변경"),
            ("apply_start", "2026-11-20"),
        ],
    );
    assert_eq!(
        staff
            .post_form(&format!("/console/announcements/{id}/correct"), &form)
            .status,
        303
    );
    app.tick();
    assert_eq!(count(&public.get(q).body), 0);
    assert_eq!(
        count(
            &public
                .get("/announcements?q=%EA%B3%A0%EB%9E%98%EB%A7%88%EC%9D%84")
                .body
        ),
        1
    );

    // Closed: out of the default results, findable with the closed filter.
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    staff.post_form(
        &format!("/console/announcements/{id}/close"),
        &[("csrf_token", &csrf)],
    );
    app.tick();
    assert_eq!(
        count(
            &public
                .get("/announcements?q=%EA%B3%A0%EB%9E%98%EB%A7%88%EC%9D%84")
                .body
        ),
        0
    );
    assert_eq!(
        count(
            &public
                .get("/announcements?q=%EA%B3%A0%EB%9E%98%EB%A7%88%EC%9D%84&status=closed")
                .body
        ),
        1
    );

    // Unpublished: gone from every result.
    let r = staff.post_form(
        &format!("/console/announcements/{id}/unpublish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    app.tick();
    assert_eq!(
        count(
            &public
                .get("/announcements?q=%EA%B3%A0%EB%9E%98%EB%A7%88%EC%9D%84&status=all")
                .body
        ),
        0
    );
}

/// The real embedded engine behind a switch: when off it answers like an engine that
/// cannot be reached.
struct Switchable {
    inner: Arc<dyn SearchIndex>,
    up: Arc<AtomicBool>,
}

impl Switchable {
    fn check(&self) -> Result<(), SearchError> {
        if self.up.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(SearchError::Unavailable("connection refused".into()))
        }
    }
}

impl SearchIndex for Switchable {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.check()?;
        self.inner.upsert(docs)
    }
    fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        self.check()?;
        self.inner.delete(ids)
    }
    fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        self.check()?;
        self.inner.search(query)
    }
    fn count(&self) -> Result<usize, SearchError> {
        self.check()?;
        self.inner.count()
    }
    fn health(&self) -> Result<(), SearchError> {
        self.check()
    }
    fn rebuild(
        &self,
        docs: &mut dyn Iterator<Item = SearchDoc>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize, SearchError> {
        self.check()?;
        self.inner.rebuild(docs, progress)
    }
}

#[test]
fn an_engine_outage_delays_search_but_never_a_publication() {
    let up = Arc::new(AtomicBool::new(true));
    let switch = up.clone();
    let app = TestApp::spawn_with_search(move |inner| Arc::new(Switchable { inner, up: switch }));
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    let id = create_announcement(
        &staff,
        &[
            ("title", "울산 태화강 소상공인 간판 교체 지원"),
            ("apply_start", "2026-11-20"),
        ],
    );

    // The engine goes down. Publishing still works.
    up.store(false, Ordering::SeqCst);
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    assert_eq!(
        staff
            .post_form(
                &format!("/console/announcements/{id}/publish"),
                &[("csrf_token", &csrf)]
            )
            .status,
        303
    );
    let public = app.client();
    assert_eq!(public.get(&format!("/announcements/{id}")).status, 200);
    // The index job fails and waits to retry.
    let report = app.tick();
    assert!(report.failed >= 1);
    // The listing still answers from the database, and says search is limited.
    let q = "/announcements?q=%ED%83%9C%ED%99%94%EA%B0%95";
    let page = public.get(q);
    assert_eq!(page.status, 200);
    page.assert_contains("검색이 일시적으로 제한되어 있습니다");
    assert!(page.body.contains(&id), "database fallback finds it");
    assert_eq!(
        public
            .get("/api/v1/search?q=%ED%83%9C%ED%99%94%EA%B0%95")
            .json()["degraded"],
        true
    );
    let health = public.get("/healthz").json();
    assert_eq!(health["status"], "degraded");

    // The engine comes back; after the backoff the job runs and search is fresh again.
    up.store(true, Ordering::SeqCst);
    app.clock.advance(Duration::minutes(5));
    app.tick();
    let page = public.get(q);
    assert!(!page.body.contains("search-degraded"));
    assert_eq!(count(&page.body), 1);
    assert!(page.body.contains("<mark>"));
    assert_eq!(public.get("/healthz").json()["status"], "ok");
}

#[test]
fn anonymous_listings_are_kept_rendered_for_a_few_seconds_only() {
    let app = TestApp::spawn_with(|c| c.page_cache_secs = 1);
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let staff = app.client();
    staff.login(&email, &pw);
    let public = app.client();
    let q = "/announcements?q=%EB%B0%98%EA%B5%AC%EB%8C%80";
    assert_eq!(count(&public.get(q).body), 0);
    let id = create_announcement(
        &staff,
        &[
            ("title", "울산 반구대 관광 소상공인 지원"),
            ("apply_start", "2026-11-20"),
        ],
    );
    let csrf = staff.csrf(&format!("/console/announcements/{id}"));
    staff.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    app.tick();
    // Signed-in people always get a fresh page; anonymous visitors may get the same
    // rendering for up to the cache's TTL.
    assert_eq!(count(&staff.get(q).body), 1);
    assert_eq!(count(&public.get(q).body), 0, "served from the page cache");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(count(&public.get(q).body), 1);
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Issue 11, 7 and 8 on the real records: owners' everyday words find programs, a query
/// typed without spaces finds what the spaced one finds, a mistyped word is offered the
/// nearest known word (only when it finds something), and applied filters are chips that
/// each take one filter away behind one "필터 (N)" button.
#[test]
fn everyday_words_spacing_nearest_words_and_filter_chips() {
    let app = TestApp::spawn();
    app.import(&data_file("bizinfo_2026.json"));
    app.import(&data_file("kstartup_2026.json"));
    app.reindex();
    let c = app.client();
    let all = |q: &str| c.get(&format!("/announcements?status=all&q={}", enc(q)));

    // 식당 and 음식점 are one set of words (음식점, 외식, 요식업, 식당).
    let restaurant = all("식당");
    assert!(count(&restaurant.body) > 0, "식당 finds programs");
    assert_eq!(count(&restaurant.body), count(&all("음식점").body));
    assert!(restaurant.body.contains("<mark>"));
    // Everyday words lead to the programs' own words.
    let mark = regex::Regex::new(r"<mark>([^<]+)</mark>").unwrap();
    for (word, one_of) in [
        ("가게", &["점포", "상가", "소상공인"][..]),
        ("장사", &["소상공인", "자영업", "점포"][..]),
        (
            "폐업",
            &["재기", "재창업", "희망리턴", "폐업", "사업정리"][..],
        ),
        ("대출", &["융자", "정책자금", "대출", "보증"][..]),
        ("월세", &["임대료", "임차료", "월세"][..]),
    ] {
        let r = all(word);
        assert!(count(&r.body) > 0, "{word} finds nothing");
        let marked: Vec<String> = mark
            .captures_iter(&r.body)
            .map(|m| m[1].to_string())
            .collect();
        assert!(
            marked.iter().any(|m| one_of.iter().any(|w| m.contains(w))),
            "{word}: marked {marked:?}"
        );
    }

    // Typed without spaces: the same programs.
    for (spaced, joined) in [
        ("소상공인 지원", "소상공인지원"),
        ("온라인 판로", "온라인판로"),
        ("청년 창업", "청년창업"),
    ] {
        let a = count(&all(spaced).body);
        assert!(a > 0, "{spaced}");
        assert_eq!(a, count(&all(joined).body), "{spaced} / {joined}");
    }

    // A mistyped word: nothing found, the nearest word offered with what it finds.
    let typo = all("식땅");
    assert_eq!(count(&typo.body), 0);
    typo.assert_contains("조건에 맞는 공고가 없습니다");
    let offered = regex::Regex::new(r#"<a href="([^"]+)">식당 \((\d+)건\)</a>"#)
        .unwrap()
        .captures(&typo.body)
        .map(|m| (m[1].replace("&amp;", "&"), m[2].parse::<i64>().unwrap()))
        .expect("식당 is offered for 식땅");
    assert_eq!(offered.1, count(&restaurant.body));
    assert_eq!(
        count(&c.get(&offered.0).body),
        offered.1,
        "the link finds what it says"
    );
    // A word that is nobody's typo is not "corrected".
    let none = all("우주선");
    assert_eq!(count(&none.body), 0);
    assert!(
        !none.body.contains("건)</a>"),
        "nothing offered that finds nothing"
    );

    // Filters: one button with how many apply; each chip removes its own filter.
    let filtered = c.get("/announcements?category=%EC%B0%BD%EC%97%85&region=31&due=30");
    filtered.assert_contains("<summary>필터 (3)</summary>");
    let chips: Vec<(String, String)> =
        regex::Regex::new(r#"<a class="chip" href="([^"]+)">([^<]+)<"#)
            .unwrap()
            .captures_iter(&filtered.body)
            .map(|m| (m[2].to_string(), m[1].replace("&amp;", "&")))
            .collect();
    let labels: Vec<&str> = chips.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["분야: 창업", "지역: 울산", "마감: 30일 이내"]);
    let without_region = &chips[1].1;
    assert!(without_region.contains("category=") && without_region.contains("due=30"));
    assert!(!without_region.contains("region="));
    let r = c.get(without_region);
    r.assert_contains("<summary>필터 (2)</summary>");
    assert!(count(&r.body) >= count(&filtered.body));
    // No filter, no count and no chips.
    let plain = c.get("/announcements");
    plain.assert_contains("<summary>필터</summary>");
    assert!(!plain.body.contains("class=\"chip\""));
}
