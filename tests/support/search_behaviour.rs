//! One behaviour suite for every `SearchIndex` engine. `fixtures()` are ~40 hand-written
//! documents modelled on real announcements (titles from the shared bizinfo/K-Startup
//! data); `run_all` rebuilds the engine with them before each case and reports each case
//! as `Ok` or `Err(reason)` without panicking, so a test can print `ok - name` /
//! `not ok - name: reason`. Test code: included by `tests/search_embedded.rs` and
//! `tests/search_meili.rs`, never compiled into the `jiwon` binary.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use jiwon::search::{SearchDoc, SearchFilter, SearchIndex, SearchQuery, SearchResults, SearchSort};

/// "Now" of the fixtures (2026-05-28 UTC); deadlines are relative to it.
pub const NOW: i64 = 1_780_000_000;
pub const DAY: i64 = 86_400;

type Case = fn(&dyn SearchIndex) -> Result<(), String>;

fn sido(code: &str) -> &'static str {
    match code {
        "11" => "서울",
        "26" => "부산",
        "27" => "대구",
        "28" => "인천",
        "29" => "광주",
        "30" => "대전",
        "31" => "울산",
        "41" => "경기",
        "43" => "충북",
        "44" => "충남",
        "46" => "전남",
        "47" => "경북",
        "50" => "제주",
        "51" => "강원",
        "52" => "전북",
        _ => "",
    }
}

struct F {
    id: &'static str,
    title: &'static str,
    summary: &'static str,
    category: &'static str,
    sub: &'static [&'static str],
    targets: &'static [&'static str],
    /// Comma-separated 시도 codes; empty = nationwide.
    regions: &'static str,
    status: &'static str,
    /// Days from NOW; None = no deadline.
    end: Option<i64>,
    /// Days from NOW (negative = past); None = unknown.
    published: Option<i64>,
    agency: (&'static str, &'static str),
}

const FIXTURES: &[F] = &[
    F { id: "t-01", title: "2026년 예비창업패키지 예비창업자 모집 공고", summary: "혁신적인 기술 창업 아이디어를 가진 예비창업자에게 사업화 자금과 창업 교육을 지원합니다.", category: "창업", sub: &["사업화지원"], targets: &["예비창업자"], regions: "", status: "published", end: Some(20), published: Some(-3), agency: ("ag-kised", "창업진흥원") },
    F { id: "t-02", title: "2026년 민관 공동 전략형 상생협력사업 (창의트랙사업) 추가모집 공고", summary: "대기업과 협력업체가 함께 제안한 창의적인 기술 과제를 지원합니다.", category: "기술", sub: &["공동기술개발"], targets: &["중소기업"], regions: "", status: "published", end: Some(30), published: Some(-10), agency: ("ag-mss", "중소벤처기업부") },
    F { id: "t-03", title: "[경북] 2026년 경북도청 추석 특별판매전 참가업체 모집 공고", summary: "경북 우수 농특산물 업체의 추석 특별판매전 참가를 지원합니다.", category: "내수", sub: &["오프라인"], targets: &["중소기업"], regions: "47", status: "published", end: Some(5), published: Some(-12), agency: ("ag-gb", "경상북도") },
    F { id: "t-04", title: "소상공인 온라인 판로지원 사업", summary: "소상공인의 온라인 쇼핑몰 입점과 라이브커머스 판매를 지원합니다.", category: "내수", sub: &["온라인"], targets: &["소상공인"], regions: "", status: "published", end: Some(15), published: Some(-2), agency: ("ag-semas", "소상공인시장진흥공단") },
    F { id: "t-05", title: "[경기] 하남시 2026년 소상공인 마케팅 판로 지원사업(경영환경개선 지원사업) 소상공인 모집공고", summary: "하남시 소상공인의 홍보물 제작과 마케팅 비용을 지원합니다.", category: "내수", sub: &["홍보지원"], targets: &["소상공인"], regions: "41", status: "published", end: Some(8), published: Some(-6), agency: ("ag-hanam", "하남시") },
    F { id: "t-06", title: "2026년 수출바우처 말레이시아 수출상담회 참가기업 모집 연장 공고", summary: "말레이시아 바이어와의 1:1 수출상담회 참가를 지원합니다.", category: "수출", sub: &["해외진출"], targets: &["중소기업"], regions: "", status: "published", end: Some(12), published: Some(-4), agency: ("ag-kotra", "대한무역투자진흥공사") },
    F { id: "t-07", title: "[전북] 전주시 2026년 수출바우처 지원사업 참여기업 모집 공고", summary: "전주시 수출 중소기업에 해외 마케팅 바우처를 지원합니다.", category: "수출", sub: &["해외진출"], targets: &["중소기업"], regions: "52", status: "published", end: Some(25), published: Some(-8), agency: ("ag-jeonju", "전주시") },
    F { id: "t-08", title: "[충남] 2026년 1인 자영업자 고용보험료 지원사업 공고", summary: "1인 자영업자의 고용보험료 일부를 지원합니다.", category: "경영", sub: &["고용유지"], targets: &["1인 창조기업"], regions: "44", status: "published", end: None, published: Some(-20), agency: ("ag-cn", "충청남도") },
    F { id: "t-09", title: "[울산] K-함정 융합협력 플랫폼 구축 사업 R&D 과제기획 수요기업 모집 공고", summary: "함정 분야 R&D 과제를 함께 기획할 수요기업을 모집합니다.", category: "기술", sub: &["기술사업화/이전/지도"], targets: &["중소기업"], regions: "31", status: "published", end: Some(18), published: Some(-9), agency: ("ag-utp", "울산테크노파크") },
    F { id: "t-10", title: "2026년 충북청주강소연구개발특구 연구소기업 전주기 통합지원사업 모집 공고", summary: "강소특구 연구소기업의 기술사업화를 전주기로 지원합니다.", category: "기술", sub: &["기술사업화/이전/지도"], targets: &["중소기업"], regions: "43", status: "published", end: Some(22), published: Some(-7), agency: ("ag-innopolis", "연구개발특구진흥재단") },
    F { id: "t-11", title: "[경북] 의성군 2026년 중소기업 고용보조금 지원사업 공고", summary: "관내 중소기업이 청년을 신규 고용하면 인건비 보조금을 지원합니다.", category: "인력", sub: &["국내일반인력"], targets: &["중소기업"], regions: "47", status: "published", end: Some(3), published: Some(-15), agency: ("ag-uiseong", "의성군") },
    F { id: "t-12", title: "[서울] 2026년 중동상황 대응 물류지원금 지원사업 모집 공고", summary: "중동 항로 물류비 상승으로 피해를 입은 수출기업에 물류지원금을 지급합니다.", category: "수출", sub: &["해외진출준비"], targets: &["중소기업"], regions: "11", status: "published", end: Some(6), published: Some(-5), agency: ("ag-seoul", "서울특별시") },
    F { id: "t-13", title: "2026년 대한민국 물산업 혁신 창업대전 (Startup Water 2026) 참가자(팀) 모집 공고", summary: "물산업 분야 창업기업과 예비창업자의 혁신 아이디어를 공모합니다.", category: "창업", sub: &["사업화지원"], targets: &["예비창업자", "창업벤처"], regions: "", status: "published", end: Some(30), published: Some(-1), agency: ("ag-me", "환경부") },
    F { id: "t-14", title: "[대구] 2026년 패션뷰인대구 디지털마케팅 지원 D-Fashion Brand Content Lab 참가 디자이너 및 패션업체 모집 공고", summary: "대구 패션업체의 온라인 콘텐츠 제작과 디지털마케팅을 지원합니다.", category: "내수", sub: &["홍보지원"], targets: &["중소기업"], regions: "27", status: "published", end: Some(14), published: Some(-11), agency: ("ag-dgdc", "대구경북디자인진흥원") },
    F { id: "t-15", title: "2026년 청년 창업 <script>alert(1)</script> 지원 공고", summary: "만 39세 이하 청년 창업자의 초기 사업화를 지원합니다.", category: "창업", sub: &[], targets: &["예비창업자"], regions: "", status: "published", end: Some(40), published: Some(-1), agency: ("ag-kised", "창업진흥원") },
    F { id: "t-16", title: "[인천] 2026년 스마트공장 DX견학공장 기업 모집 공고", summary: "스마트공장 구축 우수 사례를 견학할 수 있도록 DX견학공장을 운영합니다.", category: "기술", sub: &["시설/입지지원"], targets: &["중소기업"], regions: "28", status: "published", end: Some(9), published: Some(-13), agency: ("ag-itp", "인천테크노파크") },
    F { id: "t-17", title: "[충남] 2026년 3차 소기업형 스마트공장 구축 지원사업 공고", summary: "충남 소기업의 스마트공장 기초 구축을 지원합니다.", category: "기술", sub: &[], targets: &["중소기업"], regions: "44", status: "forecast", end: Some(45), published: Some(-2), agency: ("ag-cn", "충청남도") },
    F { id: "t-18", title: "[경기] 2026년 2차 중소기업육성자금 융자지원계획 변경 공고", summary: "경기 지역 중소기업에 운전자금과 시설자금을 저금리로 융자합니다.", category: "금융", sub: &["융자"], targets: &["중소기업"], regions: "41", status: "published", end: None, published: Some(-30), agency: ("ag-gg", "경기도") },
    F { id: "t-19", title: "2026년 4차 벤처기업 공동채용 지원사업 참여기업 모집 공고", summary: "벤처기업의 공동 채용 설명회와 채용 연계를 지원합니다.", category: "인력", sub: &["국내일반인력"], targets: &["중소기업"], regions: "", status: "published", end: Some(11), published: Some(-3), agency: ("ag-mss", "중소벤처기업부") },
    F { id: "t-20", title: "2026년 중소기업 ESG 경영 컨설팅 지원사업 참여기업 모집 공고", summary: "ESG 경영 진단과 맞춤형 컨설팅을 지원합니다.", category: "경영", sub: &["컨설팅"], targets: &["중소기업"], regions: "", status: "published", end: None, published: Some(-40), agency: ("ag-kosmes", "중소벤처기업진흥공단") },
    F { id: "t-21", title: "2026년 마이데이터 컨설팅 및 교육 지원 사업 공고", summary: "마이데이터 사업 준비 기업에 컨설팅과 교육을 제공합니다.", category: "경영", sub: &["컨설팅", "교육"], targets: &["중소기업"], regions: "", status: "forecast", end: Some(50), published: Some(-1), agency: ("ag-kdata", "한국데이터산업진흥원") },
    F { id: "t-22", title: "[전남광주] 2026년 하반기 해외 전시박람회 단체참가 업체 모집 공고", summary: "해외 전시회 단체관 참가 업체의 부스 임차료를 지원합니다.", category: "수출", sub: &["시장개척"], targets: &["중소기업"], regions: "29,46", status: "closed", end: Some(-10), published: Some(-60), agency: ("ag-jn", "전라남도") },
    F { id: "t-23", title: "2026년 BOUNCE 2026 글로벌 오피스아워 참여 스타트업 모집 공고", summary: "글로벌 투자자와의 오피스아워에 참여할 스타트업을 모집합니다.", category: "경영", sub: &[], targets: &["중소기업"], regions: "", status: "published", end: Some(16), published: Some(-6), agency: ("ag-sba", "서울경제진흥원") },
    F { id: "t-24", title: "2026 인천콘텐츠코리아랩 스타트업 부스터 프로젝트", summary: "인천 콘텐츠 분야 스타트업의 콘텐츠 제작과 상용화를 지원합니다.", category: "창업", sub: &[], targets: &["창업벤처"], regions: "28", status: "published", end: Some(19), published: Some(-4), agency: ("ag-itp", "인천테크노파크") },
    F { id: "t-25", title: "[부산] 경력단절예방 지원사업 기업환경개선 참여 기업체 모집 공고", summary: "부산 소재 기업체의 근무환경 개선 비용을 지원합니다.", category: "인력", sub: &["고용환경개선"], targets: &["중소기업"], regions: "26", status: "published", end: Some(2), published: Some(-14), agency: ("ag-busan", "부산광역시") },
    F { id: "t-26", title: "2026년 판로확대 지원 참여 소상공인 모집(쇼핑몰 통합관리ㆍ입점ㆍ판매대행 지원(셀러허브)) 공고", summary: "소상공인의 쇼핑몰 입점과 판매대행을 지원합니다.", category: "내수", sub: &["온라인"], targets: &["소상공인"], regions: "", status: "published", end: Some(13), published: Some(-9), agency: ("ag-semas", "소상공인시장진흥공단") },
    F { id: "t-27", title: "2026년 3차 소상공인 온라인쇼핑몰 판매지원(온라인쇼핑몰ㆍ로컬상품관) 참여기업 모집 공고", summary: "소상공인 제품의 온라인쇼핑몰 기획전 입점을 지원합니다.", category: "내수", sub: &["온라인"], targets: &["소상공인"], regions: "", status: "published", end: Some(7), published: Some(-2), agency: ("ag-semas", "소상공인시장진흥공단") },
    F { id: "t-28", title: "[대전] 소상공인ㆍ자영업자 재기지원 (폐업정리) 참여자 모집 공고", summary: "폐업을 준비하는 소상공인의 점포 철거와 원상복구 비용을 지원합니다.", category: "경영", sub: &["재기지원"], targets: &["소상공인"], regions: "30", status: "published", end: Some(4), published: Some(-16), agency: ("ag-daejeon", "대전광역시") },
    F { id: "t-29", title: "2026년 GovTech 창업 경진대회 모집 공고", summary: "공공 문제를 해결하는 기술 아이디어 경진대회입니다.", category: "기술", sub: &[], targets: &["중소기업"], regions: "", status: "published", end: Some(26), published: Some(-5), agency: ("ag-mois", "행정안전부") },
    F { id: "t-30", title: "[경북] 포항시 2026년 온라인 셀러 성장 지원기업 추가 모집 공고(온라인 판로 지원사업)", summary: "포항시 온라인 셀러의 상세페이지 제작과 광고비를 지원합니다.", category: "내수", sub: &["온라인"], targets: &["중소기업"], regions: "47", status: "published", end: Some(17), published: Some(-12), agency: ("ag-pohang", "포항시") },
    F { id: "t-31", title: "2026년 지역 혁신 Start-up Demo Day 프로그램 신청 공고", summary: "지역 Start-up의 투자 유치를 위한 Demo Day를 개최합니다.", category: "창업", sub: &[], targets: &["창업벤처"], regions: "41", status: "closed", end: Some(-5), published: Some(-50), agency: ("ag-gg", "경기도") },
    F { id: "t-32", title: "[제주] 2026년 4차 제주수산물 수출마케팅 지원사업 지방보조금 지원계획 추가 공고", summary: "제주 수산물 수출기업의 해외 마케팅을 지원합니다.", category: "수출", sub: &["시장개척"], targets: &["중소기업"], regions: "50", status: "published", end: Some(21), published: Some(-18), agency: ("ag-jeju", "제주특별자치도") },
    F { id: "t-33", title: "2026년 중소기업 정책자금 융자 공고", summary: "기술력과 사업성이 우수한 중소기업에 정책자금을 융자합니다.", category: "금융", sub: &["융자"], targets: &["중소기업"], regions: "", status: "published", end: None, published: Some(-45), agency: ("ag-kosmes", "중소벤처기업진흥공단") },
    F { id: "t-34", title: "[서울] 2026년 중장년 채용박람회 권역별 참여기업 모집 공고", summary: "중장년 구직자와 기업을 연결하는 채용박람회에 참여할 기업을 모집합니다.", category: "인력", sub: &[], targets: &["중소기업"], regions: "11", status: "forecast", end: Some(35), published: Some(-2), agency: ("ag-seoul", "서울특별시") },
    F { id: "t-35", title: "2026년 반도체첨단산업기술개발 신규 지원대상 연구개발과제 추가 공고", summary: "시스템반도체 분야 연구개발과제를 추가로 공모합니다.", category: "기술", sub: &["공동기술개발"], targets: &["중소기업", "중견기업"], regions: "", status: "published", end: Some(28), published: Some(-8), agency: ("ag-motie", "산업통상자원부") },
    F { id: "t-36", title: "2026년 AI 바우처 지원사업 공고", summary: "AI 솔루션 도입이 필요한 수요기업에 바우처를 지원합니다.", category: "기술", sub: &[], targets: &["중소기업"], regions: "", status: "published", end: Some(10), published: Some(-6), agency: ("ag-nipa", "정보통신산업진흥원") },
    F { id: "t-37", title: "[강원] 2026년 도내 온라인쇼핑몰 구축(강원더몰ㆍ시군몰 입점) 참여기업 수시 모집 공고", summary: "강원 소재 기업의 온라인쇼핑몰 입점을 수시로 지원합니다.", category: "내수", sub: &["온라인"], targets: &["중소기업"], regions: "51", status: "published", end: None, published: Some(-25), agency: ("ag-gw", "강원특별자치도") },
    F { id: "t-38", title: "2026년 해양수산 창업투자지원센터 입주기업 모집", summary: "해양수산 분야 창업기업에 사무공간과 투자 연계를 지원합니다.", category: "창업", sub: &["시설/입지지원"], targets: &["창업벤처"], regions: "26", status: "published", end: Some(24), published: Some(-7), agency: ("ag-mof", "해양수산부") },
    F { id: "t-39", title: "[울산] 2026년 2차 지역기업 판로개척 패키지 지원사업 모집 공고", summary: "울산 중소기업의 국내외 판로개척을 패키지로 지원합니다.", category: "내수", sub: &["시장개척"], targets: &["중소기업"], regions: "31", status: "published", end: Some(1), published: Some(-20), agency: ("ag-utp", "울산테크노파크") },
    F { id: "t-40", title: "2026년 전통시장 화재공제 가입 지원 공고", summary: "전통시장 점포의 화재공제 가입 비용을 지원합니다.", category: "경영", sub: &[], targets: &["소상공인"], regions: "", status: "closed", end: None, published: None, agency: ("ag-semas", "소상공인시장진흥공단") },
];

fn to_doc(f: &F) -> SearchDoc {
    let regions: Vec<String> = f
        .regions
        .split(',')
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    let nationwide = regions.is_empty();
    SearchDoc {
        id: f.id.into(),
        title: f.title.into(),
        summary: f.summary.into(),
        body: format!("{} 신청 방법: 온라인 접수. 문의: {}", f.summary, f.agency.1),
        agencies: vec![f.agency.1.into()],
        agency_ids: vec![f.agency.0.into()],
        category: Some(f.category.into()),
        subcategories: f.sub.iter().map(|s| s.to_string()).collect(),
        target_types: f.targets.iter().map(|s| s.to_string()).collect(),
        region_names: regions.iter().map(|r| sido(r).to_string()).collect(),
        regions,
        nationwide,
        status: f.status.into(),
        window_kind: if f.end.is_some() {
            "dated".into()
        } else {
            "always".into()
        },
        apply_start: f.published.map(|d| NOW + d * DAY),
        apply_end: f.end.map(|d| NOW + d * DAY + 15 * 3600),
        published_at: f.published.map(|d| NOW + d * DAY),
    }
}

/// The fixture documents.
pub fn fixtures() -> Vec<SearchDoc> {
    FIXTURES.iter().map(to_doc).collect()
}

/// Run every case against `engine` (each on a freshly rebuilt index).
pub fn run_all(engine: &dyn SearchIndex) -> Vec<(String, Result<(), String>)> {
    let cases: Vec<(&str, Case)> = vec![
        ("two-syllable words match whole bigrams", two_syllable_words),
        ("compounds written together or apart", compound_spacing),
        ("trailing particles are ignored", particles),
        ("stop words are ignored", stop_words),
        ("synonyms in both directions", synonyms),
        ("multi-word synonym key", multi_word_synonym),
        (
            "everyday words and compounds typed together",
            everyday_words,
        ),
        ("latin typo tolerance", latin_typos),
        ("ranking: compound and title first", ranking),
        ("filter: category", filter_category),
        ("filter: region includes nationwide", filter_region),
        ("filter: agency", filter_agency),
        ("filter: target", filter_target),
        ("filter: statuses", filter_statuses),
        ("filter: ends_after keeps no-deadline", filter_ends_after),
        ("filter: ends_before drops no-deadline", filter_ends_before),
        ("filter: phase is model::Phase", filter_phase),
        ("filter: combined with text", filter_with_text),
        ("facets: exact counts", facets),
        ("sort: deadline, missing last", sort_deadline),
        ("sort: newest", sort_newest),
        ("sort: relevance ties by deadline", sort_relevance_ties),
        ("paging: offset/limit", paging),
        ("delete removes", delete_removes),
        ("upsert replaces and adds", upsert_replaces),
        ("empty query returns all with filters", empty_query),
        ("highlight: marks and escaping", highlight),
        ("rebuild swaps in a new set", rebuild_swaps),
        (
            "interpuncts, full-width and decomposed Hangul",
            korean_forms,
        ),
    ];
    cases
        .into_iter()
        .map(|(name, case)| {
            let result = catch_unwind(AssertUnwindSafe(|| {
                fresh(engine).and_then(|_| case(engine))
            }))
            .unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(format!("panicked: {msg}"))
            });
            (name.to_string(), result)
        })
        .collect()
}

// ------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------

fn fresh(engine: &dyn SearchIndex) -> Result<(), String> {
    let docs = fixtures();
    let n = docs.len();
    let got = engine
        .rebuild(&mut docs.into_iter(), &mut |_| {})
        .map_err(|e| format!("rebuild: {e}"))?;
    ensure(got == n, format!("rebuild returned {got}, expected {n}"))?;
    let count = engine.count().map_err(|e| format!("count: {e}"))?;
    ensure(
        count == n,
        format!("count {count} after rebuild, expected {n}"),
    )
}

fn ensure(cond: bool, msg: impl Into<String>) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(msg.into())
    }
}

fn query(q: &str) -> SearchQuery {
    SearchQuery {
        q: q.into(),
        limit: 100,
        ..Default::default()
    }
}

fn filtered(q: &str, filter: SearchFilter) -> SearchQuery {
    SearchQuery { filter, ..query(q) }
}

fn run(engine: &dyn SearchIndex, q: &SearchQuery) -> Result<SearchResults, String> {
    let r = engine
        .search(q)
        .map_err(|e| format!("search {:?}: {e}", q.q))?;
    if q.offset == 0 && q.limit >= r.total {
        ensure(
            r.hits.len() == r.total,
            format!("{:?}: total {} but {} hits", q.q, r.total, r.hits.len()),
        )?;
    }
    Ok(r)
}

fn ids_of(r: &SearchResults) -> Vec<String> {
    r.hits.iter().map(|h| h.id.clone()).collect()
}

fn ids(engine: &dyn SearchIndex, q: &SearchQuery) -> Result<Vec<String>, String> {
    run(engine, q).map(|r| ids_of(&r))
}

fn search_ids(engine: &dyn SearchIndex, q: &str) -> Result<Vec<String>, String> {
    ids(engine, &query(q))
}

fn has_all(got: &[String], want: &[&str], ctx: &str) -> Result<(), String> {
    let missing: Vec<&str> = want
        .iter()
        .copied()
        .filter(|w| !got.iter().any(|g| g == w))
        .collect();
    ensure(
        missing.is_empty(),
        format!("{ctx}: missing {missing:?} in {got:?}"),
    )
}

fn has_none(got: &[String], unwanted: &[&str], ctx: &str) -> Result<(), String> {
    let extra: Vec<&str> = unwanted
        .iter()
        .copied()
        .filter(|w| got.iter().any(|g| g == w))
        .collect();
    ensure(
        extra.is_empty(),
        format!("{ctx}: unexpected {extra:?} in {got:?}"),
    )
}

fn set(v: &[String]) -> BTreeSet<String> {
    v.iter().cloned().collect()
}

/// Fixture ids passing `pred`.
fn expected(pred: impl Fn(&SearchDoc) -> bool) -> BTreeSet<String> {
    fixtures()
        .into_iter()
        .filter(|d| pred(d))
        .map(|d| d.id)
        .collect()
}

fn same_set(got: &[String], want: &BTreeSet<String>, ctx: &str) -> Result<(), String> {
    let got = set(got);
    ensure(
        &got == want,
        format!("{ctx}: got {got:?}, expected {want:?}"),
    )
}

fn doc(id: &str) -> SearchDoc {
    fixtures()
        .into_iter()
        .find(|d| d.id == id)
        .expect("fixture id")
}

// ------------------------------------------------------------------------------------
// Cases
// ------------------------------------------------------------------------------------

fn two_syllable_words(e: &dyn SearchIndex) -> Result<(), String> {
    let got = search_ids(e, "창업")?;
    has_all(&got, &["t-01", "t-13", "t-15", "t-29", "t-38"], "창업")?;
    // 창의, 업체, 기업체, 패션업체 are not 창업.
    has_none(&got, &["t-02", "t-03", "t-14", "t-22", "t-25"], "창업")?;

    let got = search_ids(e, "판로")?;
    has_all(&got, &["t-04", "t-05", "t-26", "t-30", "t-39"], "판로")?;
    has_none(&got, &["t-03", "t-27"], "판로")?;

    let got = search_ids(e, "수출")?;
    has_all(&got, &["t-06", "t-07", "t-32"], "수출")?;
    has_none(&got, &["t-01", "t-04", "t-27"], "수출")
}

fn compound_spacing(e: &dyn SearchIndex) -> Result<(), String> {
    let apart = search_ids(e, "소상공인 온라인 판로 지원")?;
    has_all(&apart, &["t-04"], "소상공인 온라인 판로 지원")?;
    has_none(&apart, &["t-27", "t-30"], "소상공인 온라인 판로 지원")?;
    ensure(
        apart.first().map(String::as_str) == Some("t-04"),
        format!("apart: t-04 not first in {apart:?}"),
    )?;

    let together = search_ids(e, "소상공인온라인판로지원")?;
    ensure(
        together.first().map(String::as_str) == Some("t-04"),
        format!("together: t-04 not first in {together:?}"),
    )?;
    has_none(&together, &["t-27", "t-30"], "소상공인온라인판로지원")?;

    // The document spaced what the query wrote together.
    let got = search_ids(e, "판로지원")?;
    has_all(&got, &["t-04", "t-05", "t-30"], "판로지원")?;
    let got = search_ids(e, "수출 바우처")?;
    has_all(&got, &["t-06", "t-07"], "수출 바우처")
}

fn particles(e: &dyn SearchIndex) -> Result<(), String> {
    for (with, without) in [
        ("소상공인의", "소상공인"),
        ("판로를", "판로"),
        ("스타트업을", "스타트업"),
    ] {
        let a = search_ids(e, with)?;
        let b = search_ids(e, without)?;
        ensure(!b.is_empty(), format!("{without}: no results"))?;
        ensure(
            set(&a) == set(&b),
            format!("{with} → {a:?} but {without} → {b:?}"),
        )?;
    }
    Ok(())
}

fn stop_words(e: &dyn SearchIndex) -> Result<(), String> {
    let a = search_ids(e, "소상공인 관련 공고")?;
    let b = search_ids(e, "소상공인")?;
    ensure(
        set(&a) == set(&b),
        format!("소상공인 관련 공고 → {a:?} but 소상공인 → {b:?}"),
    )?;
    let a = search_ids(e, "컨설팅 및 교육")?;
    has_all(&a, &["t-21"], "컨설팅 및 교육")
}

fn synonyms(e: &dyn SearchIndex) -> Result<(), String> {
    let cases: &[(&str, &str)] = &[
        ("자영업자", "t-04"), // → 소상공인
        ("소상공인", "t-08"), // → 자영업자
        ("연구개발", "t-09"), // → R&D
        ("R&D", "t-10"),      // → 연구개발
        ("보조금", "t-12"),   // → 지원금
        ("지원금", "t-11"),   // → 보조금
        ("창업", "t-23"),     // → 스타트업
        ("스타트업", "t-29"), // → 창업
        ("대출", "t-18"),     // → 융자
        ("박람회", "t-22"),   // → 전시회 (also 전시박람회)
        ("인공지능", "t-36"), // → AI
    ];
    for (q, id) in cases {
        has_all(&search_ids(e, q)?, &[id], q)?;
    }
    // A synonym does not outrank the word itself.
    let got = search_ids(e, "자영업자")?;
    let pos = |id: &str| got.iter().position(|g| g == id);
    ensure(
        matches!((pos("t-08"), pos("t-04")), (Some(a), Some(b)) if a < b),
        format!("자영업자: t-08 should rank above t-04 in {got:?}"),
    )
}

/// Issue 11, 8: owners' words lead to the programs' words, and a query typed without
/// spaces finds what the spaced one finds.
fn everyday_words(e: &dyn SearchIndex) -> Result<(), String> {
    has_all(&search_ids(e, "가게")?, &["t-40"], "가게 → 점포")?;
    has_all(
        &search_ids(e, "장사")?,
        &["t-04", "t-05"],
        "장사 → 소상공인",
    )?;
    has_all(&search_ids(e, "월세")?, &["t-22"], "월세 → 임차료")?;
    has_all(&search_ids(e, "대출")?, &["t-18", "t-33"], "대출 → 융자")?;
    for (apart, together) in [
        ("청년 창업", "청년창업"),
        ("소상공인 마케팅", "소상공인마케팅"),
    ] {
        let a = search_ids(e, apart)?;
        ensure(!a.is_empty(), format!("{apart}: no results"))?;
        let b = search_ids(e, together)?;
        ensure(
            set(&a) == set(&b),
            format!("{apart} → {a:?} but {together} → {b:?}"),
        )?;
    }
    Ok(())
}

fn multi_word_synonym(e: &dyn SearchIndex) -> Result<(), String> {
    has_all(&search_ids(e, "디지털 전환")?, &["t-16"], "디지털 전환")?;
    has_all(&search_ids(e, "디지털전환")?, &["t-16"], "디지털전환")
}

fn latin_typos(e: &dyn SearchIndex) -> Result<(), String> {
    has_all(&search_ids(e, "startup")?, &["t-13"], "startup")?;
    has_all(&search_ids(e, "startupp")?, &["t-13"], "startupp")?;
    has_all(&search_ids(e, "fashon")?, &["t-14"], "fashon")?;
    has_all(&search_ids(e, "GOVTECH")?, &["t-29"], "GOVTECH")?;
    // Short words get no typo: "AJ" is not "AI".
    has_none(&search_ids(e, "AJ")?, &["t-36"], "AJ")
}

fn ranking(e: &dyn SearchIndex) -> Result<(), String> {
    let got = search_ids(e, "수출 바우처")?;
    let top: BTreeSet<String> = got.iter().take(2).cloned().collect();
    ensure(
        top == set(&["t-06".to_string(), "t-07".to_string()]),
        format!("수출 바우처: top 2 should be the 수출바우처 titles, got {got:?}"),
    )?;
    // A title match outranks a summary-only match.
    let got = search_ids(e, "스마트공장")?;
    has_all(&got, &["t-16", "t-17"], "스마트공장")?;
    let got = search_ids(e, "컨설팅")?;
    let pos = |id: &str| got.iter().position(|g| g == id);
    ensure(
        pos("t-20").is_some() && pos("t-21").is_some(),
        format!("컨설팅: {got:?}"),
    )
}

fn filter_category(e: &dyn SearchIndex) -> Result<(), String> {
    let f = SearchFilter {
        category: Some("수출".into()),
        ..Default::default()
    };
    let got = ids(e, &filtered("", f.clone()))?;
    same_set(
        &got,
        &expected(|d| d.category.as_deref() == Some("수출")),
        "category 수출",
    )?;
    has_all(
        &got,
        &["t-06", "t-07", "t-12", "t-22", "t-32"],
        "category 수출",
    )?;
    let got = ids(
        e,
        &filtered(
            "",
            SearchFilter {
                category: Some("없는분야".into()),
                ..Default::default()
            },
        ),
    )?;
    ensure(got.is_empty(), format!("unknown category: {got:?}"))
}

fn filter_region(e: &dyn SearchIndex) -> Result<(), String> {
    let f = SearchFilter {
        region: Some("41".into()),
        ..Default::default()
    };
    let got = ids(e, &filtered("", f))?;
    same_set(
        &got,
        &expected(|d| d.nationwide || d.regions.iter().any(|r| r == "41")),
        "region 41",
    )?;
    has_all(&got, &["t-05", "t-18", "t-01", "t-04"], "region 41")?;
    has_none(&got, &["t-07", "t-03"], "region 41")?;
    // Multi-region documents match each of their regions.
    let got = ids(
        e,
        &filtered(
            "",
            SearchFilter {
                region: Some("29".into()),
                ..Default::default()
            },
        ),
    )?;
    has_all(&got, &["t-22"], "region 29")?;
    let got = ids(
        e,
        &filtered(
            "",
            SearchFilter {
                region: Some("46".into()),
                ..Default::default()
            },
        ),
    )?;
    has_all(&got, &["t-22"], "region 46")
}

fn filter_agency(e: &dyn SearchIndex) -> Result<(), String> {
    let f = SearchFilter {
        agency_id: Some("ag-semas".into()),
        ..Default::default()
    };
    let got = ids(e, &filtered("", f))?;
    same_set(
        &got,
        &expected(|d| d.agency_ids.iter().any(|a| a == "ag-semas")),
        "agency ag-semas",
    )
}

fn filter_target(e: &dyn SearchIndex) -> Result<(), String> {
    let f = SearchFilter {
        target: Some("창업벤처".into()),
        ..Default::default()
    };
    let got = ids(e, &filtered("", f))?;
    same_set(
        &got,
        &expected(|d| d.target_types.iter().any(|t| t == "창업벤처")),
        "target 창업벤처",
    )?;
    has_all(&got, &["t-13", "t-24", "t-31", "t-38"], "target 창업벤처")
}

fn filter_statuses(e: &dyn SearchIndex) -> Result<(), String> {
    let f = SearchFilter {
        statuses: vec!["forecast".into()],
        ..Default::default()
    };
    same_set(
        &ids(e, &filtered("", f))?,
        &expected(|d| d.status == "forecast"),
        "forecast",
    )?;
    let f = SearchFilter {
        statuses: vec!["forecast".into(), "closed".into()],
        ..Default::default()
    };
    let got = ids(e, &filtered("", f))?;
    same_set(
        &got,
        &expected(|d| d.status != "published"),
        "forecast|closed",
    )?;
    has_all(
        &got,
        &["t-17", "t-21", "t-34", "t-22", "t-31", "t-40"],
        "forecast|closed",
    )
}

fn filter_ends_after(e: &dyn SearchIndex) -> Result<(), String> {
    let t = NOW;
    let f = SearchFilter {
        ends_after: Some(t),
        ..Default::default()
    };
    let got = ids(e, &filtered("", f))?;
    same_set(
        &got,
        &expected(|d| d.apply_end.is_none_or(|end| end >= t)),
        "ends_after now",
    )?;
    has_all(&got, &["t-08", "t-20", "t-33", "t-39"], "ends_after now")?;
    has_none(&got, &["t-22", "t-31"], "ends_after now")?;
    // Inclusive bound.
    let exact = doc("t-39").apply_end.unwrap_or_default();
    let got = ids(
        e,
        &filtered(
            "",
            SearchFilter {
                ends_after: Some(exact),
                ..Default::default()
            },
        ),
    )?;
    has_all(&got, &["t-39"], "ends_after = deadline")
}

/// The engine's 접수 예정 / 접수 중 / 마감 are `announcements::model::Phase::of` over the
/// document's status and window, at several instants (before some windows open, now,
/// after some deadlines).
fn filter_phase(e: &dyn SearchIndex) -> Result<(), String> {
    use jiwon::announcements::model::{Phase, Status};
    let utc = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.naive_utc());
    let phase_of = |d: &SearchDoc, at: i64| {
        Phase::of(
            Status::parse(&d.status).unwrap_or(Status::Draft),
            d.apply_start.and_then(utc),
            d.apply_end.and_then(utc),
            utc(at).unwrap_or_default(),
        )
    };
    let mut upcoming_seen = 0;
    for at in [NOW - 15 * DAY, NOW - 5 * DAY, NOW, NOW + 10 * DAY] {
        for phase in [Phase::Upcoming, Phase::Open, Phase::Closed] {
            let f = SearchFilter {
                phase: Some((phase, at)),
                ..Default::default()
            };
            let got = ids(e, &filtered("", f))?;
            let want = expected(|d| phase_of(d, at) == phase);
            if phase == Phase::Upcoming {
                upcoming_seen += want
                    .iter()
                    .filter(|id| doc(id).status == "published")
                    .count();
            }
            same_set(
                &got,
                &want,
                &format!("{} at NOW{:+}d", phase.as_str(), (at - NOW) / DAY),
            )?;
        }
    }
    // The check has teeth: some published documents open after one of the instants.
    ensure(
        upcoming_seen > 0,
        "no published document starts later at any instant".to_string(),
    )
}

fn filter_ends_before(e: &dyn SearchIndex) -> Result<(), String> {
    let t = NOW + 7 * DAY;
    let f = SearchFilter {
        ends_after: Some(NOW),
        ends_before: Some(t),
        ..Default::default()
    };
    let got = ids(e, &filtered("", f))?;
    let want = expected(|d| d.apply_end.is_some_and(|end| end >= NOW && end <= t));
    same_set(&got, &want, "due within 7 days")?;
    has_none(&got, &["t-08", "t-20", "t-33", "t-22"], "due within 7 days")?;
    let f = SearchFilter {
        ends_before: Some(NOW),
        ..Default::default()
    };
    let got = ids(e, &filtered("", f))?;
    same_set(
        &got,
        &expected(|d| d.apply_end.is_some_and(|end| end <= NOW)),
        "ended",
    )?;
    has_all(&got, &["t-22", "t-31"], "ended")
}

fn filter_with_text(e: &dyn SearchIndex) -> Result<(), String> {
    let all = search_ids(e, "창업")?;
    let f = SearchFilter {
        region: Some("28".into()),
        statuses: vec!["published".into()],
        ..Default::default()
    };
    let got = ids(e, &filtered("창업", f))?;
    let want: BTreeSet<String> = all
        .iter()
        .filter(|id| {
            let d = doc(id);
            d.status == "published" && (d.nationwide || d.regions.iter().any(|r| r == "28"))
        })
        .cloned()
        .collect();
    same_set(&got, &want, "창업 in 28")?;
    has_all(&got, &["t-24", "t-01"], "창업 in 28")?;
    has_none(&got, &["t-38", "t-31"], "창업 in 28")
}

fn facets(e: &dyn SearchIndex) -> Result<(), String> {
    let f = SearchFilter {
        region: Some("47".into()),
        statuses: vec!["published".into()],
        ..Default::default()
    };
    let q = SearchQuery {
        facets: true,
        limit: 0,
        ..filtered("", f)
    };
    let r = run(e, &q)?;
    let matching: Vec<SearchDoc> = fixtures()
        .into_iter()
        .filter(|d| {
            d.status == "published" && (d.nationwide || d.regions.iter().any(|r| r == "47"))
        })
        .collect();
    ensure(
        r.total == matching.len(),
        format!("facets total {} != {}", r.total, matching.len()),
    )?;
    ensure(r.hits.is_empty(), "limit 0 returned hits")?;
    let mut want: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for d in &matching {
        let mut add = |facet: &str, v: &str| {
            *want
                .entry(facet.into())
                .or_default()
                .entry(v.into())
                .or_default() += 1
        };
        if let Some(c) = &d.category {
            add("category", c);
        }
        for r in &d.regions {
            add("regions", r);
        }
        if d.nationwide {
            add("regions", "nationwide");
        }
        for a in &d.agency_ids {
            add("agency_ids", a);
        }
        for t in &d.target_types {
            add("target_types", t);
        }
        add("status", &d.status);
    }
    for (facet, counts) in &want {
        let got = r.facets.get(facet).cloned().unwrap_or_default();
        ensure(
            &got == counts,
            format!("facet {facet}: got {got:?}, expected {counts:?}"),
        )?;
    }
    // Facets follow the text query too.
    let r = run(
        e,
        &SearchQuery {
            facets: true,
            ..query("수출바우처")
        },
    )?;
    let cat = r.facets.get("category").cloned().unwrap_or_default();
    ensure(
        cat.get("수출") == Some(&r.total),
        format!("수출바우처 facets: {cat:?}, total {}", r.total),
    )
}

fn sort_deadline(e: &dyn SearchIndex) -> Result<(), String> {
    let got = ids(
        e,
        &SearchQuery {
            sort: SearchSort::Deadline,
            ..query("")
        },
    )?;
    let mut want = fixtures();
    want.sort_by(|a, b| {
        let ka = a.apply_end.unwrap_or(i64::MAX);
        let kb = b.apply_end.unwrap_or(i64::MAX);
        ka.cmp(&kb).then(
            b.published_at
                .unwrap_or(i64::MIN)
                .cmp(&a.published_at.unwrap_or(i64::MIN)),
        )
    });
    let want: Vec<String> = want.into_iter().map(|d| d.id).collect();
    ensure(
        got == want,
        format!("deadline order:\n got {got:?}\nwant {want:?}"),
    )?;
    // With a text query too.
    let got = ids(
        e,
        &SearchQuery {
            sort: SearchSort::Deadline,
            ..query("창업")
        },
    )?;
    let ends: Vec<i64> = got
        .iter()
        .map(|id| doc(id).apply_end.unwrap_or(i64::MAX))
        .collect();
    ensure(
        ends.windows(2).all(|w| w[0] <= w[1]),
        format!("창업 by deadline: {got:?}"),
    )
}

fn sort_newest(e: &dyn SearchIndex) -> Result<(), String> {
    let got = ids(
        e,
        &SearchQuery {
            sort: SearchSort::Newest,
            ..query("")
        },
    )?;
    ensure(
        got.len() == FIXTURES.len(),
        format!("newest: {} hits", got.len()),
    )?;
    let publ: Vec<i64> = got
        .iter()
        .map(|id| doc(id).published_at.unwrap_or(i64::MIN))
        .collect();
    ensure(
        publ.windows(2).all(|w| w[0] >= w[1]),
        format!("newest order: {got:?}"),
    )?;
    ensure(
        got.last().map(String::as_str) == Some("t-40"),
        format!("unknown publication date not last: {got:?}"),
    )
}

fn sort_relevance_ties(e: &dyn SearchIndex) -> Result<(), String> {
    // Without text every document ties: soonest deadline first, none last.
    let got = ids(e, &query(""))?;
    let ends: Vec<i64> = got
        .iter()
        .map(|id| doc(id).apply_end.unwrap_or(i64::MAX))
        .collect();
    ensure(
        ends.windows(2).all(|w| w[0] <= w[1]),
        format!("relevance ties: {got:?}"),
    )
}

fn paging(e: &dyn SearchIndex) -> Result<(), String> {
    let base = SearchQuery {
        sort: SearchSort::Deadline,
        ..query("")
    };
    let full = run(e, &base)?;
    let all = ids_of(&full);
    let mut seen: Vec<String> = Vec::new();
    let mut offset = 0;
    while offset < full.total {
        let page = run(
            e,
            &SearchQuery {
                offset,
                limit: 7,
                ..base.clone()
            },
        )?;
        ensure(
            page.total == full.total,
            format!("total changed: {} vs {}", page.total, full.total),
        )?;
        ensure(
            page.hits.len() == 7.min(full.total - offset),
            format!("page at {offset}: {} hits", page.hits.len()),
        )?;
        for h in &page.hits {
            ensure(!seen.contains(&h.id), format!("{} on two pages", h.id))?;
            seen.push(h.id.clone());
        }
        offset += 7;
    }
    ensure(seen == all, format!("pages {seen:?} != full {all:?}"))?;
    let past = run(
        e,
        &SearchQuery {
            offset: 1000,
            limit: 10,
            ..base
        },
    )?;
    ensure(
        past.hits.is_empty() && past.total == full.total,
        "offset past the end",
    )
}

fn delete_removes(e: &dyn SearchIndex) -> Result<(), String> {
    e.delete(&["t-06".into(), "does-not-exist".into()])
        .map_err(|err| format!("delete: {err}"))?;
    let n = e.count().map_err(|err| err.to_string())?;
    ensure(n == FIXTURES.len() - 1, format!("count {n} after delete"))?;
    let got = search_ids(e, "수출바우처")?;
    has_none(&got, &["t-06"], "after delete")?;
    has_all(&got, &["t-07"], "after delete")?;
    e.delete(&[]).map_err(|err| format!("empty delete: {err}"))
}

fn upsert_replaces(e: &dyn SearchIndex) -> Result<(), String> {
    let mut d = doc("t-29");
    d.title = "2026년 GovTech 혁신 경진대회 모집 공고".into();
    e.upsert(&[d]).map_err(|err| format!("upsert: {err}"))?;
    let n = e.count().map_err(|err| err.to_string())?;
    ensure(n == FIXTURES.len(), format!("count {n} after replacing"))?;
    let r = run(e, &query("GovTech"))?;
    let hit = r
        .hits
        .iter()
        .find(|h| h.id == "t-29")
        .ok_or("GovTech: t-29 missing")?;
    ensure(
        hit.title_html.contains("혁신"),
        format!("old title still served: {}", hit.title_html),
    )?;
    has_none(&search_ids(e, "창업")?, &["t-29"], "창업 after retitling")?;

    let mut new = doc("t-01");
    new.id = "t-99".into();
    new.title = "2026년 해양바이오 실증지원 사업 공고".into();
    e.upsert(&[new])
        .map_err(|err| format!("upsert new: {err}"))?;
    let n = e.count().map_err(|err| err.to_string())?;
    ensure(n == FIXTURES.len() + 1, format!("count {n} after adding"))?;
    has_all(&search_ids(e, "해양바이오")?, &["t-99"], "new document")
}

fn korean_forms(e: &dyn SearchIndex) -> Result<(), String> {
    let mut d = doc("t-01");
    d.id = "t-90".into();
    d.title = "2026년 신ㆍ재생에너지 보급 지원사업 공고".into();
    d.summary = "태양광 설비 설치비를 지원합니다.".into();
    d.body = String::new();
    let mut w = doc("t-01");
    w.id = "t-91".into();
    w.title = "2026년 신재생에너지 융복합 지원사업 공고".into();
    w.summary = "지역 단위 설비를 지원합니다.".into();
    w.body = String::new();
    e.upsert(&[d, w]).map_err(|err| format!("upsert: {err}"))?;
    // However the interpunct is written (or left out), both are the same word.
    for q in [
        "신재생에너지",
        "신ㆍ재생에너지",
        "신·재생에너지",
        "신・재생에너지",
        "신‧재생에너지",
    ] {
        has_all(&search_ids(e, q)?, &["t-90", "t-91"], q)?;
    }
    // An interpunct between list items still separates them.
    has_all(&search_ids(e, "판매대행")?, &["t-26"], "판매대행")?;
    has_all(&search_ids(e, "로컬상품관")?, &["t-27"], "로컬상품관")?;
    has_all(&search_ids(e, "자영업자 재기")?, &["t-28"], "자영업자 재기")?;
    // Full-width letters and decomposed syllables are what they look like.
    has_all(&search_ids(e, "ＡＩ 바우처")?, &["t-36"], "full-width ＡＩ")?;
    let decomposed =
        "\u{1109}\u{1169}\u{1109}\u{1161}\u{11BC}\u{1100}\u{1169}\u{11BC}\u{110B}\u{1175}\u{11AB}";
    has_all(
        &search_ids(e, decomposed)?,
        &["t-04", "t-27"],
        "decomposed 소상공인",
    )
}

fn empty_query(e: &dyn SearchIndex) -> Result<(), String> {
    let r = run(e, &query(""))?;
    ensure(
        r.total == FIXTURES.len(),
        format!("empty query total {}", r.total),
    )?;
    ensure(
        r.hits
            .iter()
            .all(|h| !h.title_html.contains("<mark>") && h.snippet_html.is_empty()),
        "marks without a query",
    )?;
    let r = run(e, &query("   "))?;
    ensure(
        r.total == FIXTURES.len(),
        format!("blank query total {}", r.total),
    )?;
    let f = SearchFilter {
        statuses: vec!["published".into()],
        category: Some("내수".into()),
        ..Default::default()
    };
    let got = ids(e, &filtered("", f))?;
    same_set(
        &got,
        &expected(|d| d.status == "published" && d.category.as_deref() == Some("내수")),
        "published 내수",
    )
}

fn highlight(e: &dyn SearchIndex) -> Result<(), String> {
    let r = run(e, &query("창업"))?;
    let hit = |id: &str| {
        r.hits
            .iter()
            .find(|h| h.id == id)
            .cloned()
            .ok_or(format!("창업: {id} missing"))
    };
    let h = hit("t-15")?;
    ensure(
        h.title_html.contains("<mark>창업</mark>"),
        format!("no mark: {}", h.title_html),
    )?;
    ensure(
        h.title_html.contains("&lt;script&gt;"),
        format!("not escaped: {}", h.title_html),
    )?;
    ensure(
        !h.title_html.contains("<script"),
        format!("raw script tag: {}", h.title_html),
    )?;
    let h = hit("t-01")?;
    ensure(
        h.title_html.contains("예비<mark>창업</mark>패키지"),
        format!("t-01 title: {}", h.title_html),
    )?;
    ensure(
        h.snippet_html.contains("<mark>창업</mark>"),
        format!("t-01 snippet: {}", h.snippet_html),
    )?;
    let r = run(e, &query("소상공인온라인판로지원"))?;
    let h = r
        .hits
        .iter()
        .find(|h| h.id == "t-04")
        .ok_or("t-04 missing")?;
    ensure(
        // Every part of the compound is marked (one mark or one per part), 사업 is not.
        h.title_html.contains("<mark>소상공인")
            && h.title_html.contains("<mark>온라인")
            && h.title_html.contains("지원</mark>")
            && !h.title_html.contains("<mark>사업"),
        format!("compound highlight: {}", h.title_html),
    )
}

fn rebuild_swaps(e: &dyn SearchIndex) -> Result<(), String> {
    let mut docs = vec![doc("t-04"), doc("t-06"), doc("t-13")];
    for (i, d) in docs.iter_mut().enumerate() {
        d.id = format!("n-{i}");
    }
    let mut calls = 0;
    let n = e
        .rebuild(&mut docs.into_iter(), &mut |_| calls += 1)
        .map_err(|err| format!("rebuild: {err}"))?;
    ensure(n == 3, format!("rebuild returned {n}"))?;
    ensure(calls > 0, "progress never called")?;
    let count = e.count().map_err(|err| err.to_string())?;
    ensure(count == 3, format!("count {count} after rebuild"))?;
    let got = search_ids(e, "")?;
    same_set(
        &got,
        &["n-0", "n-1", "n-2"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        "after rebuild",
    )?;
    ensure(
        search_ids(e, "예비창업패키지")?.is_empty(),
        "old document still found",
    )
}
