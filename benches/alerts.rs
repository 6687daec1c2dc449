//! Alerts benchmark (plain `harness = false` main): matching one new announcement against
//! many subscriptions, publish-to-first-email latency, and delivery throughput into a
//! local SMTP server and a local web push service.
//!
//! ```text
//! cargo bench --bench alerts                    # 10k, 100k and 1M subscriptions, 100k deliveries
//! JIWON_BENCH_1M=0 cargo bench --bench alerts   # … without 1M
//! JIWON_BENCH_DELIVERIES=20000 cargo bench --bench alerts   # a quicker part C
//! ```
//!
//! Parts:
//! * **A. matching** — subscriptions generated from the shared data's own distributions
//!   (see [`Dists`] and [`SHAPES`]; printed at the start), inserted into a fresh SQLite
//!   file; then ~20 real imported announcements are matched (`matching::matching_criteria`,
//!   `matching::plan`) at each size, and one `matching::run` (plan + delivery inserts).
//!   Sizes are prefixes of one seeded stream: 10k, then grown to 100k, then 1M.
//! * **B. latency** — publish (`announcements::service::publish_now`) → scheduler ticks
//!   (`worker::tick`, no sleep between them) → first message accepted by
//!   `tests/support/smtp_sink.py`.
//! * **C. throughput** — N email deliveries into the SMTP sink and N web push deliveries
//!   into `tests/support/push_service.py`, both through the matching path (N
//!   subscriptions, one matching announcement, `matching::run`), then
//!   `alerts::send::deliver_due`.
//!
//! Env:
//! * `JIWON_BENCH_1M=0` — leave out 1,000,000 subscriptions (generating them takes well under
//!   a minute; matching at that size is bounded by the budgets below);
//! * `JIWON_BENCH_SIZES=10000,50000` — exactly these subscription counts (ascending);
//! * `JIWON_BENCH_ANNOUNCEMENTS=20` — announcements matched per size;
//! * `JIWON_BENCH_PLAN_BUDGET_S=300` — `plan` is timed cheapest announcement first until this
//!   much was spent at a size; the rest are reported as skipped;
//! * `JIWON_BENCH_CAPS_BUDGET_S=60` — the step-by-step breakdown times `Caps::load` on this
//!   much of the chunks and extrapolates the rest;
//! * `JIWON_BENCH_DELIVERIES=100000` — N of part C;
//! * `JIWON_BENCH_LATENCY_RUNS=10` — runs of part B;
//! * `JIWON_BENCH_SEND_THREADS=4` — `smtp_pool_size`, i.e. `deliver_due`'s sender threads
//!   (the production default is 4; each needs a database connection and the SQLite pool
//!   holds at most 8, so more than 8 does not add senders);
//! * `JIWON_BENCH_PARTS=match,latency,email,push` — which parts to run;
//! * `JIWON_BENCH_DIR` — where the databases and sinks live (default: a temp dir).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use jiwon::accounts::model::User;
use jiwon::accounts::{store as accounts_store, CurrentUser};
use jiwon::alerts::criteria::{Criteria, Facts};
use jiwon::alerts::delivery::Caps;
use jiwon::alerts::model::{CriteriaRow, OwnerProfile, PushEndpoint, Subscription};
use jiwon::alerts::{matching, profile, send, store as alerts_store};
use jiwon::announcements::model::{Announcement, WindowKind};
use jiwon::announcements::service::{self as ann_service, Content};
use jiwon::announcements::store as ann_store;
use jiwon::clock::FakeClock;
use jiwon::config::{Config, Environment};
use jiwon::db::schema::{
    announcement_regions, announcement_targets, announcements, criteria_terms, deliveries, ksic,
    owner_profiles, push_endpoints, regions, subscription_criteria, subscriptions, users,
};
use jiwon::db::DbConnection;
use jiwon::ids::new_id;
use jiwon::ingest::service::{import_location, Quiet};
use jiwon::AppState;

const DATA_FILES: &[&str] = &["bizinfo_2026.json", "kstartup_2026.json"];
const SEED: u64 = 20_261_124;
const PLACEHOLDER_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2g$bench-placeholder-not-a-hash";
/// Rows per generation transaction.
const GEN_BATCH: usize = 20_000;

// ---------------------------------------------------------------------------------------
// Small helpers

fn env_usize(key: &str) -> Option<usize> {
    std::env::var(key)
        .ok()
        .and_then(|s| s.trim().replace(['_', ','], "").parse().ok())
}

/// TCP connections this machine opened so far (`ActiveOpens` of /proc/net/snmp).
fn tcp_active_opens() -> f64 {
    let text = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut tcp = text.lines().filter(|l| l.starts_with("Tcp:"));
    let (Some(names), Some(values)) = (tcp.next(), tcp.next()) else {
        return f64::NAN;
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(k, _)| *k == "ActiveOpens")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// 1234567 → "1,234,567".
fn n(x: usize) -> String {
    let s = x.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn short(s: &str, chars: usize) -> String {
    let mut out: String = s.chars().take(chars).collect();
    if s.chars().count() > chars {
        out.push('…');
    }
    out
}

fn status_mib(field: &str) -> f64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn file_mib(p: &Path) -> f64 {
    let mut total = 0u64;
    for suffix in ["", "-wal"] {
        let mut s = p.as_os_str().to_owned();
        s.push(suffix);
        total += std::fs::metadata(PathBuf::from(s))
            .map(|m| m.len())
            .unwrap_or(0);
    }
    total as f64 / (1024.0 * 1024.0)
}

fn clk_tck() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// User + system CPU seconds of a process (`self` or a pid), from /proc/<pid>/stat.
fn cpu_seconds(pid: &str) -> f64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(rest) = text.rsplit_once(')').map(|(_, r)| r) else {
        return f64::NAN;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state(0) … utime(11) stime(12).
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / clk_tck()
}

fn root_dir() -> PathBuf {
    match std::env::var("JIWON_BENCH_DIR")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir(),
    }
}

fn work_dir(part: &str) -> tempfile::TempDir {
    let root = root_dir();
    std::fs::create_dir_all(&root).expect("bench dir");
    tempfile::Builder::new()
        .prefix(&format!("jiwon-bench-alerts-{part}-"))
        .tempdir_in(&root)
        .expect("temp dir")
}

fn flush() {
    let _ = std::io::stdout().flush();
}

// ---------------------------------------------------------------------------------------
// State

/// 12:00 KST today: a fixed clock, outside the 21:00–08:00 quiet hours of push.
fn noon_today() -> NaiveDateTime {
    let today = jiwon::clock::kst_today(chrono::Utc::now().naive_utc());
    jiwon::clock::from_kst(today.and_hms_opt(12, 0, 0).expect("noon"))
}

/// Like `tests/common/mod.rs::test_config`, on an SQLite file in `dir`.
fn bench_config(dir: &Path) -> Config {
    let send_threads = env_usize("JIWON_BENCH_SEND_THREADS").unwrap_or(4) as u32;
    Config {
        database_url: format!("sqlite://{}/bench.db", dir.display()),
        bind: "127.0.0.1:0".into(),
        base_url: "http://jiwon.test".into(),
        environment: Environment::Development,
        secret_key: b"bench-secret-key-bench-secret-key-0123456789".to_vec(),
        upload_dir: dir.join("uploads"),
        max_upload_bytes: 1024 * 1024,
        db_pool_size: 8,
        run_worker: false,
        scheduler_interval_secs: 1,
        import_sources: Vec::new(),
        import_interval_minutes: 60,
        login_rate_limit: 10,
        meili_url: None,
        meili_key: None,
        meili_index: "announcements".into(),
        search_dir: dir.join("search"),
        page_cache_secs: 0,
        smtp_url: None,
        smtp_ca_file: None,
        smtp_pool_size: send_threads,
        mail_from: "지원 알림 <noreply@jiwon.test>".into(),
        outbox_dir: dir.join("outbox"),
        vapid_private_key: None,
        vapid_public_key: None,
        vapid_subject: "mailto:ops@jiwon.test".into(),
        sms_url: None,
        sms_key: None,
        sms_sender: "0212345678".into(),
        delivery_batch: 200,
        delivery_max_attempts: 6,
        previous_secret_keys: Vec::new(),
        trusted_proxies: Vec::new(),
        push_allow_private: false,
        health_max_worker_age_secs: 120,
        email_enabled: true,
        sms_enabled: true,
        access_log: jiwon::logging::AccessLog::Info,
    }
}

fn new_state(config: Config, now: NaiveDateTime) -> AppState {
    AppState::new(config, Arc::new(FakeClock::at(now))).unwrap_or_else(|e| panic!("state: {e}"))
}

fn db_path(dir: &Path) -> PathBuf {
    dir.join("bench.db")
}

/// A separate connection for bulk generation (bigger cache, no fsync), so the pooled
/// connections the measurements use keep the app's own settings.
fn gen_connection(path: &Path) -> diesel::SqliteConnection {
    let mut c = diesel::SqliteConnection::establish(&path.to_string_lossy())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    c.batch_execute(
        "PRAGMA busy_timeout = 10000; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; \
         PRAGMA foreign_keys = ON;",
    )
    .expect("pragmas");
    c
}

/// A default owner profile with a confirmed address (unconfirmed owners hear nothing).
fn verified_profile(user_id: &str, now: NaiveDateTime) -> OwnerProfile {
    let mut p = OwnerProfile::new(user_id, now);
    p.email_verified_at = Some(now);
    p
}

/// An agency editor to publish with (placeholder password hash).
fn staff(state: &AppState) -> CurrentUser {
    let now = state.now();
    let mut conn = state.conn().expect("conn");
    let agency = accounts_store::agency_by_name_or_create(&mut conn, "벤치마크 진흥원", now)
        .expect("agency");
    let user = User {
        id: new_id(),
        email: format!("editor-{}@bench.jiwon.test", jiwon::ids::random_token(6)),
        password_hash: PLACEHOLDER_HASH.into(),
        display_name: "벤치 담당".into(),
        is_operator: false,
        agency_id: Some(agency.id.clone()),
        agency_role: Some("editor".into()),
        active: true,
        created_at: now,
        last_login_at: None,
    };
    accounts_store::insert_user(&mut conn, &user).expect("insert staff");
    CurrentUser {
        user,
        agency: Some(agency),
    }
}

fn bench_content(
    title: &str,
    category: &str,
    agency: Option<String>,
    now: NaiveDateTime,
) -> Content {
    let today = jiwon::clock::kst_today(now);
    Content {
        title: title.into(),
        summary: "온라인 쇼핑몰 입점과 라이브커머스를 지원합니다.".into(),
        body_html: "<p>소상공인의 온라인 판로 개척을 위해 참여기업을 모집합니다.</p>\
                    <ul><li>쇼핑몰 입점 지원</li><li>라이브커머스 방송 지원</li></ul>"
            .into(),
        owner_agency_id: agency,
        exec_agency_id: None,
        category: Some(category.into()),
        subcategories: vec!["온라인".into()],
        target_types: vec!["소상공인".into()],
        nationwide: true,
        region_codes: vec![],
        eligibility: Default::default(),
        window_kind: Some(WindowKind::Dated),
        apply_start: Some(jiwon::clock::start_of_kst_day(today)),
        apply_end: Some(jiwon::clock::end_of_kst_day(
            today + chrono::Duration::days(30),
        )),
        window_note: None,
        apply_method: "external".into(),
        apply_url: Some("https://www.sbiz24.kr/".into()),
        apply_note: None,
        contacts: Some("1357".into()),
        sub_programs: vec![],
    }
}

/// Create (draft) and publish an announcement; returns its id. Publishing queues the
/// index, matching and close jobs as in the console.
fn create_and_publish(
    state: &AppState,
    actor: &CurrentUser,
    title: &str,
    category: &str,
) -> String {
    let id = create_draft(state, actor, title, category);
    publish(state, actor, &id);
    id
}

fn create_draft(state: &AppState, actor: &CurrentUser, title: &str, category: &str) -> String {
    let now = state.now();
    let mut conn = state.conn().expect("conn");
    let content = bench_content(
        title,
        category,
        actor.agency.as_ref().map(|a| a.id.clone()),
        now,
    );
    ann_service::create(&mut conn, &content, false, actor, now)
        .expect("create")
        .id
}

fn publish(state: &AppState, actor: &CurrentUser, id: &str) {
    let mut conn = state.conn().expect("conn");
    ann_service::publish_now(&mut conn, id, actor, state.now()).expect("publish");
}

// ---------------------------------------------------------------------------------------
// Distributions

/// A weighted choice among values.
struct Weighted<T> {
    items: Vec<T>,
    weights: Vec<f64>,
    dist: WeightedIndex<f64>,
}

impl<T: Clone> Weighted<T> {
    fn new(pairs: Vec<(T, f64)>) -> Weighted<T> {
        let pairs: Vec<(T, f64)> = pairs.into_iter().filter(|(_, w)| *w > 0.0).collect();
        assert!(!pairs.is_empty(), "empty distribution");
        let weights: Vec<f64> = pairs.iter().map(|(_, w)| *w).collect();
        let dist = WeightedIndex::new(&weights).expect("weights");
        Weighted {
            items: pairs.into_iter().map(|(t, _)| t).collect(),
            weights,
            dist,
        }
    }
    fn pick(&self, rng: &mut StdRng) -> T {
        self.items[self.dist.sample(rng)].clone()
    }
    /// Top `k` as "name 12.3%".
    fn top(&self, k: usize, label: impl Fn(&T) -> String) -> String {
        let total: f64 = self.weights.iter().sum();
        let mut idx: Vec<usize> = (0..self.items.len()).collect();
        idx.sort_by(|a, b| self.weights[*b].total_cmp(&self.weights[*a]));
        idx.iter()
            .take(k)
            .map(|&i| {
                format!(
                    "{} {:.1}%",
                    label(&self.items[i]),
                    100.0 * self.weights[i] / total
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Approximate shares (%) of small businesses by KSIC division: rounded sector shares of
/// 통계청 소상공인실태조사 (도소매 ~30%, 숙박·음식 ~19%, 수리·개인서비스 ~10%, 제조 ~9%,
/// 교육 ~6%, 부동산 ~5%, 건설 ~5%, 예술·스포츠 ~4.5%, 운수 ~4%, …) split over their
/// usual divisions. The shared data has no owner-side industry data, so this one is
/// hard-coded; the 5-digit code inside a division is uniform over `data/ksic11.csv`.
const KSIC_DIVISIONS: &[(&str, f64)] = &[
    ("47", 18.0), // 소매업
    ("56", 17.5), // 음식점 및 주점업
    ("46", 9.0),  // 도매 및 상품 중개업
    ("96", 8.0),  // 기타 개인 서비스업 (미용, 세탁 …)
    ("85", 6.0),  // 교육 서비스업
    ("68", 5.0),  // 부동산업
    ("42", 4.0),  // 전문직별 공사업
    ("49", 3.5),  // 육상 운송업
    ("45", 3.0),  // 자동차 및 부품 판매업
    ("91", 3.0),  // 스포츠 및 오락관련 서비스업
    ("95", 2.5),  // 개인 및 소비용품 수리업
    ("10", 2.0),  // 식료품 제조업
    ("55", 1.5),  // 숙박업
    ("25", 1.5),  // 금속가공제품 제조업
    ("90", 1.5),  // 창작, 예술 및 여가관련 서비스업
    ("41", 1.0),  // 종합 건설업
    ("14", 1.0),  // 의복 제조업
    ("29", 1.0),  // 기타 기계 및 장비 제조업
    ("71", 1.0),  // 전문 서비스업
    ("73", 1.0),  // 기타 전문, 과학 및 기술 서비스업
    ("75", 1.0),  // 사업 지원 서비스업
    ("01", 1.0),  // 농업
    ("62", 0.6),  // 컴퓨터 프로그래밍, 시스템 통합 및 관리업
    ("72", 0.6),  // 건축기술, 엔지니어링 …
    ("86", 0.7),  // 보건업
    ("22", 0.7),  // 고무 및 플라스틱제품 제조업
    ("18", 0.5),  // 인쇄 및 기록매체 복제업
    ("26", 0.5),  // 전자부품, 컴퓨터 … 제조업
    ("13", 0.4),  // 섬유제품 제조업
    ("52", 0.5),  // 창고 및 운송관련 서비스업
    ("74", 0.5),  // 사업시설 관리 및 조경 서비스업
    ("58", 0.3),  // 출판업
    ("59", 0.3),  // 영상·오디오 기록물 제작 및 배급업
    ("63", 0.3),  // 정보서비스업
    ("87", 0.3),  // 사회복지 서비스업
    ("20", 0.3),  // 화학물질 및 화학제품 제조업
    ("16", 0.3),  // 목재 및 나무제품 제조업
];

/// Words of titles that say nothing about a program's subject.
const STOP_WORDS: &str = "공고 모집 모집공고 지원사업 사업 지원 참여 참여기업 기업 안내 추가 \
    재공고 시행 시행공고 계획 신청 접수 선정 대상 수정 변경 연장 및 위한 통합 년도 하반기 상반기 \
    지원기업 기업모집 참가기업 참가 수요기업 공모 프로그램 사업공고 추가모집 참여기업모집 \
    입주기업 지원사업공고 모집안내 신청안내 과제 기관 공고문 사업설명회 설명회 운영 등 관련 대한 \
    공동 참가업체 업체 기업지원 지원대상 참여자 모집요강 붙임 연계 신규 중소기업 기업의 사업자 \
    이상 지원계획 사업계획 공지 재공모 공모전 전남광주 지역";

/// What subscriptions are generated from: the imported announcements' own frequencies
/// (plus the hard-coded KSIC shares).
struct Dists {
    category: Weighted<String>,
    subcategory: Weighted<String>,
    sido: Weighted<String>,
    /// 시도 2-digit code → its 시군구 codes, weighted 1 + how often the 시군구's name
    /// appears in that 시도's announcements' titles and summaries.
    sigungu: HashMap<String, Weighted<String>>,
    target: Weighted<String>,
    division: Weighted<String>,
    ksic_codes: HashMap<String, Vec<String>>,
    keyword: Weighted<String>,
    region_names: HashMap<String, String>,
}

fn load_dists(conn: &mut DbConnection) -> Dists {
    let rows: Vec<(String, String, String, Option<String>, String)> = announcements::table
        .select((
            announcements::id,
            announcements::title,
            announcements::summary,
            announcements::category,
            announcements::subcategories,
        ))
        .load(conn)
        .expect("announcements");
    let mut cats: BTreeMap<String, f64> = BTreeMap::new();
    let mut subs: BTreeMap<String, f64> = BTreeMap::new();
    for (_, _, _, c, s) in &rows {
        if let Some(c) = c {
            *cats.entry(c.clone()).or_default() += 1.0;
        }
        for s in serde_json::from_str::<Vec<String>>(s).unwrap_or_default() {
            *subs.entry(s).or_default() += 1.0;
        }
    }
    // 시도 of regional announcements.
    let ar: Vec<(String, String)> = announcement_regions::table
        .select((
            announcement_regions::announcement_id,
            announcement_regions::sido_code,
        ))
        .load(conn)
        .expect("announcement_regions");
    let mut sido_count: BTreeMap<String, f64> = BTreeMap::new();
    let mut sido_of_ann: HashMap<String, Vec<String>> = HashMap::new();
    for (a, s) in &ar {
        *sido_count.entry(s.clone()).or_default() += 1.0;
        sido_of_ann.entry(a.clone()).or_default().push(s.clone());
    }
    // 시군구 from the regions table (from data/regions_sigungu_20240801.csv).
    let regs: Vec<(String, String, String, String)> = regions::table
        .select((
            regions::code,
            regions::short_name,
            regions::sido_code,
            regions::level,
        ))
        .load(conn)
        .expect("regions");
    let valid_sido: HashSet<&str> = jiwon::reference::SIDO.iter().map(|(_, c)| *c).collect();
    let mut region_names: HashMap<String, String> = HashMap::new();
    let mut sgg: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (code, name, sido, level) in &regs {
        region_names.insert(code.clone(), name.clone());
        if level == "sigungu"
            && !name.trim().is_empty()
            && !name.contains("출장")
            && valid_sido.contains(sido.as_str())
        {
            sgg.entry(sido.clone())
                .or_default()
                .push((code.clone(), name.clone()));
        }
    }
    let mut mentions: HashMap<String, f64> = HashMap::new();
    for (id, title, summary, _, _) in &rows {
        let Some(sidos) = sido_of_ann.get(id) else {
            continue;
        };
        let text = format!("{title} {summary}");
        for s in sidos {
            for (code, name) in sgg.get(s).map(Vec::as_slice).unwrap_or(&[]) {
                // "수원시 장안구" → 수원; "창원시" → 창원; "종로구" → 종로구.
                let stem = name.split_whitespace().next().unwrap_or(name);
                let stem = stem
                    .strip_suffix('시')
                    .or_else(|| stem.strip_suffix('군'))
                    .filter(|s| s.chars().count() >= 2)
                    .unwrap_or(stem);
                if text.contains(stem) {
                    *mentions.entry(code.clone()).or_default() += 1.0;
                }
            }
        }
    }
    let mut sigungu = HashMap::new();
    for (sido, list) in &sgg {
        sigungu.insert(
            sido.clone(),
            Weighted::new(
                list.iter()
                    .map(|(c, _)| (c.clone(), 1.0 + mentions.get(c).copied().unwrap_or(0.0)))
                    .collect(),
            ),
        );
    }
    // Targets offered in forms, by how often announcements name them (+1: every option
    // is picked by someone).
    let targets: Vec<String> = announcement_targets::table
        .select(announcement_targets::target)
        .load(conn)
        .expect("targets");
    let mut tcount: BTreeMap<String, f64> = BTreeMap::new();
    for t in jiwon::reference::TARGET_TYPES {
        tcount.insert(t.to_string(), 1.0);
    }
    for t in targets {
        if let Some(v) = tcount.get_mut(&t) {
            *v += 1.0;
        }
    }
    // KSIC 5-digit codes by division.
    let codes: Vec<(String, i32)> = ksic::table
        .select((ksic::code, ksic::level))
        .load(conn)
        .expect("ksic");
    let mut ksic_codes: HashMap<String, Vec<String>> = HashMap::new();
    for (code, level) in codes {
        if level == 5 && code.len() == 5 {
            ksic_codes
                .entry(code[..2].to_string())
                .or_default()
                .push(code);
        }
    }
    // Keywords: the most frequent subject words of titles (document frequency).
    let sido_names: HashSet<&str> = jiwon::reference::SIDO.iter().map(|(n, _)| *n).collect();
    let stop: HashSet<&str> = STOP_WORDS.split_whitespace().collect();
    let mut df: HashMap<String, f64> = HashMap::new();
    for (_, title, _, _, _) in &rows {
        let words: HashSet<String> = title
            .split(|c: char| !c.is_alphanumeric())
            .map(|w| w.to_lowercase())
            .filter(|w| w.chars().count() >= 2)
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .filter(|w| !stop.contains(w.as_str()) && !sido_names.contains(w.as_str()))
            .collect();
        for w in words {
            *df.entry(w).or_default() += 1.0;
        }
    }
    let mut words: Vec<(String, f64)> = df.into_iter().collect();
    words.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    words.truncate(200);

    Dists {
        category: Weighted::new(cats.into_iter().collect()),
        subcategory: Weighted::new(subs.into_iter().collect()),
        sido: Weighted::new(
            sido_count
                .into_iter()
                .filter(|(s, _)| sgg.contains_key(s))
                .collect(),
        ),
        sigungu,
        target: Weighted::new(tcount.into_iter().collect()),
        division: Weighted::new(
            KSIC_DIVISIONS
                .iter()
                .filter(|(d, _)| ksic_codes.contains_key(*d))
                .map(|(d, w)| (d.to_string(), *w))
                .collect(),
        ),
        ksic_codes,
        keyword: Weighted::new(words),
        region_names,
    }
}

// ---------------------------------------------------------------------------------------
// Subscription generator

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Shape {
    Profile,
    CategoryRegion,
    Category,
    Region,
    Keywords,
    Target,
}

impl Shape {
    fn label(self) -> &'static str {
        match self {
            Shape::Profile => "profile (시군구+KSIC)",
            Shape::CategoryRegion => "category+region",
            Shape::Category => "category only",
            Shape::Region => "region only",
            Shape::Keywords => "keywords",
            Shape::Target => "target only",
        }
    }
}

/// The mix of subscription shapes (% of subscriptions).
const SHAPES: &[(Shape, f64)] = &[
    (Shape::Profile, 35.0),
    (Shape::CategoryRegion, 25.0),
    (Shape::Category, 15.0),
    (Shape::Region, 10.0),
    (Shape::Keywords, 10.0),
    (Shape::Target, 5.0),
];

const SHAPE_NOTES: &str = "\
  profile: one owner each (users + owner_profiles rows), region = a 시군구 (시도 by the data's
           regional-announcement frequency, 시군구 by 1 + mentions in that 시도's titles/summaries),
           KSIC = a 5-digit code (division by KSIC_DIVISIONS, code uniform within it);
           criteria = alerts::profile::profile_criteria (regions+ksic, profile: true);
           owner fields: business age 0–40 y (skewed young), owner born 1956–2001, 38% female,
           85% 개인사업자, employees mostly 0–4, revenue mostly < 5억
  category+region: 1 category (85%) or 2, by the data's category frequency; region 시도 (60%)
           or 시군구 (40%) as above; local_only 20%
  category only: 1 category (70%), 2 categories (15%) or 1 subcategory (15%, by frequency)
  region only: 시도 (70%) or 시군구 (30%); local_only 25%
  keywords: 1 (70%), 2 (25%) or 3 (5%) of the 200 most frequent subject words of titles
           (document frequency; stop words, years and 시도 names removed)
  target only: 1 target type (TARGET_TYPES, weighted 1 + announcements naming it)
  owners vs email-only: profile subscriptions are owners'; any other subscription belongs to
           a random earlier owner with p = 0.4, else it is an email-only subscription
  channels: owners email 65% / email+push 25% / push 5% / email+sms 5%; email-only: email
  frequency: instant 75% / daily 20% / weekly 5% (profile: instant 80% / daily 20%)";

#[derive(Default)]
struct Batch {
    users: Vec<User>,
    profiles: Vec<OwnerProfile>,
    criteria: Vec<CriteriaRow>,
    terms: Vec<(String, String)>,
    subs: Vec<Subscription>,
}

struct Generator {
    rng: StdRng,
    now: NaiveDateTime,
    owners: Vec<String>,
    criteria: HashMap<String, (String, Shape)>,
    done: usize,
    terms: usize,
    by_shape: BTreeMap<Shape, usize>,
    criteria_by_shape: BTreeMap<Shape, usize>,
    shape: Weighted<Shape>,
}

impl Generator {
    fn new(now: NaiveDateTime) -> Generator {
        Generator {
            rng: StdRng::seed_from_u64(SEED),
            now,
            owners: Vec::new(),
            criteria: HashMap::new(),
            done: 0,
            terms: 0,
            by_shape: BTreeMap::new(),
            criteria_by_shape: BTreeMap::new(),
            shape: Weighted::new(SHAPES.to_vec()),
        }
    }

    fn region(&mut self, d: &Dists, sigungu_p: f64) -> String {
        let sido = d.sido.pick(&mut self.rng);
        if self.rng.gen_bool(sigungu_p) {
            if let Some(w) = d.sigungu.get(&sido) {
                return w.pick(&mut self.rng);
            }
        }
        format!("{sido}000")
    }

    fn categories(&mut self, d: &Dists, two_p: f64) -> Vec<String> {
        let mut v = vec![d.category.pick(&mut self.rng)];
        if self.rng.gen_bool(two_p) {
            v.push(d.category.pick(&mut self.rng));
        }
        v
    }

    fn frequency(&mut self, profile: bool) -> String {
        let x: f64 = self.rng.gen();
        if profile {
            return if x < 0.8 { "instant" } else { "daily" }.into();
        }
        if x < 0.75 {
            "instant"
        } else if x < 0.95 {
            "daily"
        } else {
            "weekly"
        }
        .into()
    }

    fn owner_channels(&mut self) -> Vec<&'static str> {
        let x: f64 = self.rng.gen();
        if x < 0.65 {
            vec!["email"]
        } else if x < 0.90 {
            vec!["email", "push"]
        } else if x < 0.95 {
            vec!["push"]
        } else {
            vec!["email", "sms"]
        }
    }

    fn new_owner(&mut self, d: &Dists, b: &mut Batch) -> (String, OwnerProfile) {
        let i = self.owners.len();
        let id = new_id();
        let now = self.now;
        b.users.push(User {
            id: id.clone(),
            email: format!("owner{i}@bench.jiwon.test"),
            password_hash: PLACEHOLDER_HASH.into(),
            display_name: format!("사장님{i}"),
            is_operator: false,
            agency_id: None,
            agency_role: None,
            active: true,
            created_at: now,
            last_login_at: None,
        });
        let rng = &mut self.rng;
        let division = d.division.pick(rng);
        let codes = &d.ksic_codes[&division];
        let ksic = codes[rng.gen_range(0..codes.len())].clone();
        let today = jiwon::clock::kst_today(now);
        let age_years: i32 = match rng.gen_range(0..100) {
            0..=24 => rng.gen_range(0..3),
            25..=54 => rng.gen_range(3..7),
            55..=79 => rng.gen_range(7..15),
            _ => rng.gen_range(15..41),
        };
        let founded = NaiveDate::from_ymd_opt(
            today.year() - age_years,
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
        );
        let employees = match rng.gen_range(0..100) {
            0..=59 => rng.gen_range(0..2),
            60..=84 => rng.gen_range(2..5),
            85..=96 => rng.gen_range(5..10),
            _ => rng.gen_range(10..50),
        };
        let revenue = match rng.gen_range(0..1000) {
            0..=449 => "lt100m",
            450..=799 => "100m_500m",
            800..=899 => "500m_1b",
            900..=969 => "1b_3b",
            970..=994 => "3b_10b",
            _ => "10b_plus",
        };
        let mut p = verified_profile(&id, now);
        p.business_name = format!("사업장 {i}");
        p.ksic_code = Some(ksic);
        p.founded_on = founded;
        p.employees = Some(employees);
        p.revenue_band = Some(revenue.into());
        p.sole_proprietor = Some(rng.gen_bool(0.85));
        p.birth_year = Some(1956 + rng.gen_range(0..23) + rng.gen_range(0..23));
        p.gender = Some(if rng.gen_bool(0.38) { "female" } else { "male" }.into());
        p.phone = Some(format!("010{:08}", rng.gen_range(0..100_000_000u32)));
        p.region_code = Some(self.region(d, 1.0));
        self.owners.push(id.clone());
        (id, p)
    }

    /// One subscription (and its owner / criteria when new) into `b`.
    fn one(&mut self, d: &Dists, b: &mut Batch) {
        let i = self.done;
        self.done += 1;
        let shape = self.shape.pick(&mut self.rng);
        *self.by_shape.entry(shape).or_default() += 1;
        let (criteria, user_id, is_profile) = match shape {
            Shape::Profile => {
                let (id, p) = self.new_owner(d, b);
                let c = profile::profile_criteria(&p);
                b.profiles.push(p);
                (c, Some(id), true)
            }
            other => {
                let c = match other {
                    Shape::CategoryRegion => {
                        let categories = self.categories(d, 0.15);
                        let region = self.region(d, 0.4);
                        Criteria {
                            categories,
                            regions: vec![region],
                            local_only: self.rng.gen_bool(0.2),
                            ..Default::default()
                        }
                    }
                    Shape::Category => {
                        let x: f64 = self.rng.gen();
                        if x < 0.85 {
                            Criteria {
                                categories: self.categories(d, 0.15 / 0.85),
                                ..Default::default()
                            }
                        } else {
                            Criteria {
                                subcategories: vec![d.subcategory.pick(&mut self.rng)],
                                ..Default::default()
                            }
                        }
                    }
                    Shape::Region => {
                        let region = self.region(d, 0.3);
                        Criteria {
                            regions: vec![region],
                            local_only: self.rng.gen_bool(0.25),
                            ..Default::default()
                        }
                    }
                    Shape::Keywords => {
                        let k = match self.rng.gen_range(0..100) {
                            0..=69 => 1,
                            70..=94 => 2,
                            _ => 3,
                        };
                        Criteria {
                            keywords: (0..k).map(|_| d.keyword.pick(&mut self.rng)).collect(),
                            ..Default::default()
                        }
                    }
                    _ => Criteria {
                        targets: vec![d.target.pick(&mut self.rng)],
                        ..Default::default()
                    },
                }
                .canonical();
                let owner = if !self.owners.is_empty() && self.rng.gen_bool(0.4) {
                    Some(self.owners[self.rng.gen_range(0..self.owners.len())].clone())
                } else {
                    None
                };
                (c, owner, false)
            }
        };
        let hash = criteria.hash();
        let criteria_id = match self.criteria.get(&hash) {
            Some((id, _)) => id.clone(),
            None => {
                let id = new_id();
                for t in criteria.index_terms() {
                    b.terms.push((t, id.clone()));
                    self.terms += 1;
                }
                b.criteria.push(CriteriaRow {
                    id: id.clone(),
                    hash: hash.clone(),
                    spec: criteria.to_json(),
                    created_at: self.now,
                });
                self.criteria.insert(hash, (id.clone(), shape));
                *self.criteria_by_shape.entry(shape).or_default() += 1;
                id
            }
        };
        let channels: Vec<&str> = if user_id.is_some() {
            self.owner_channels()
        } else {
            vec!["email"]
        };
        let frequency = self.frequency(is_profile);
        b.subs.push(Subscription {
            id: new_id(),
            email: if user_id.is_none() {
                Some(format!("sub{i}@bench.jiwon.test"))
            } else {
                None
            },
            user_id,
            name: if is_profile {
                "내 사업에 맞는 공고".into()
            } else {
                format!("알림 {i}")
            },
            criteria_id,
            spec: criteria.to_json(),
            is_profile,
            frequency,
            channels: serde_json::to_string(&channels).expect("json"),
            status: "active".into(),
            created_at: self.now,
            confirmed_at: Some(self.now),
            updated_at: self.now,
        });
    }

    /// Generate and insert until `target` subscriptions exist.
    fn extend_to(&mut self, d: &Dists, path: &Path, target: usize) {
        let mut conn = gen_connection(path);
        let start = Instant::now();
        let from = self.done;
        let mut last_print = Instant::now();
        while self.done < target {
            let mut b = Batch::default();
            let end = (self.done + GEN_BATCH).min(target);
            while self.done < end {
                self.one(d, &mut b);
            }
            write_batch(&mut conn, &b);
            if last_print.elapsed() > Duration::from_secs(10) || self.done == target {
                last_print = Instant::now();
                let s = start.elapsed().as_secs_f64();
                eprintln!(
                    "    … {} / {} subscriptions ({:.0}s, {:.0}/s)",
                    n(self.done),
                    n(target),
                    s,
                    (self.done - from) as f64 / s.max(1e-9)
                );
            }
        }
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);").ok();
    }
}

fn write_batch(conn: &mut diesel::SqliteConnection, b: &Batch) {
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for u in &b.users {
            diesel::insert_into(users::table).values(u).execute(conn)?;
        }
        for p in &b.profiles {
            diesel::insert_into(owner_profiles::table)
                .values(p)
                .execute(conn)?;
        }
        for c in &b.criteria {
            diesel::insert_into(subscription_criteria::table)
                .values(c)
                .execute(conn)?;
        }
        for (t, c) in &b.terms {
            diesel::insert_into(criteria_terms::table)
                .values((
                    criteria_terms::term.eq(t),
                    criteria_terms::criteria_id.eq(c),
                ))
                .execute(conn)?;
        }
        for s in &b.subs {
            diesel::insert_into(subscriptions::table)
                .values(s)
                .execute(conn)?;
        }
        Ok(())
    })
    .unwrap_or_else(|e| panic!("insert batch: {e}"));
}

// ---------------------------------------------------------------------------------------
// Part A: matching

struct Sample {
    id: String,
    title: String,
    label: String,
}

/// `count` published announcements, a seeded sample of the imported ones.
fn pick_announcements(conn: &mut DbConnection, d: &Dists, count: usize) -> Vec<Sample> {
    let mut rows: Vec<(String, String)> = announcements::table
        .filter(announcements::status.eq("published"))
        .select((announcements::id, announcements::title))
        .load(conn)
        .expect("published");
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut rng = StdRng::seed_from_u64(SEED ^ 0xA11E);
    let chosen = rand::seq::index::sample(&mut rng, rows.len(), count.min(rows.len()));
    let mut picked: Vec<usize> = chosen.into_iter().collect();
    picked.sort();
    picked
        .into_iter()
        .map(|i| {
            let (id, title) = rows[i].clone();
            let a = ann_store::find(conn, &id).expect("find").expect("exists");
            let regions: Vec<String> = ann_store::region_codes(conn, &id).unwrap_or_default();
            let region = if a.nationwide {
                "전국".to_string()
            } else {
                regions
                    .iter()
                    .map(|r| d.region_names.get(r).cloned().unwrap_or_else(|| r.clone()))
                    .collect::<Vec<_>>()
                    .join("·")
            };
            let label = format!(
                "{}/{}/{}",
                a.category.clone().unwrap_or_else(|| "-".into()),
                short(&region, 8),
                short(&a.target_list().join("·"), 10)
            );
            Sample { id, title, label }
        })
        .collect()
}

#[derive(Clone, Default)]
struct MatchRow {
    terms: usize,
    evaluated: usize,
    matched: usize,
    subs: usize,
    ineligible: usize,
    planned: usize,
    match_ms: f64,
    plan_ms: f64,
}

struct SizeResult {
    size: usize,
    gen_s: f64,
    criteria: usize,
    owners: usize,
    db_mib: f64,
    match_ms: Vec<f64>,
    plan_ms: Vec<f64>,
    evaluated: Vec<usize>,
    matched: Vec<usize>,
    subs: Vec<usize>,
    planned: Vec<usize>,
    runs: Vec<(String, f64, usize, usize)>,
    skipped: usize,
    caps: String,
}

fn load_announcement(conn: &mut DbConnection, id: &str) -> Announcement {
    ann_store::find(conn, id)
        .expect("find")
        .expect("announcement")
}

/// `matching_criteria` for one announcement, timed (`plan` is timed by the caller).
fn measure_match(conn: &mut DbConnection, a: &Announcement) -> MatchRow {
    let facts = matching::facts_of(conn, a).expect("facts");
    let terms = facts.terms().len();
    let t = Instant::now();
    let (evaluated, matched) = matching::matching_criteria(conn, &facts).expect("matching");
    let match_ms = ms(t);
    MatchRow {
        terms,
        evaluated,
        matched: matched.len(),
        match_ms,
        plan_ms: f64::NAN,
        ..Default::default()
    }
}

/// Where the time of one `plan` goes, step by step (the same queries, timed apart).
fn breakdown(conn: &mut DbConnection, a: &Announcement, now: NaiveDateTime) -> String {
    let caps_budget = env_usize("JIWON_BENCH_CAPS_BUDGET_S").unwrap_or(60) as f64 * 1000.0;
    let mut caps_measured = 0usize;
    let t_all = Instant::now();
    let t = Instant::now();
    let facts: Facts = matching::facts_of(conn, a).expect("facts");
    let facts_ms = ms(t);
    let terms = facts.terms();
    let t = Instant::now();
    let ids: Vec<String> = criteria_terms::table
        .filter(criteria_terms::term.eq_any(&terms))
        .select(criteria_terms::criteria_id)
        .distinct()
        .load(conn)
        .expect("terms");
    let terms_ms = ms(t);
    let mut specs_ms = 0.0;
    let mut eval_ms = 0.0;
    let mut matched: Vec<String> = Vec::new();
    for chunk in ids.chunks(500) {
        let t = Instant::now();
        let rows: Vec<(String, String)> = subscription_criteria::table
            .filter(subscription_criteria::id.eq_any(chunk))
            .select((subscription_criteria::id, subscription_criteria::spec))
            .load(conn)
            .expect("specs");
        specs_ms += ms(t);
        let t = Instant::now();
        for (id, spec) in rows {
            if let Ok(c) = serde_json::from_str::<Criteria>(&spec) {
                if c.evaluate(&facts).is_some() {
                    matched.push(id);
                }
            }
        }
        eval_ms += ms(t);
    }
    let (mut subs_ms, mut prof_ms, mut mail_ms, mut caps_ms) = (0.0, 0.0, 0.0, 0.0);
    let mut caps = Caps::default();
    let mut subs_n = 0;
    let mut chunks = 0;
    let mut caps_first = f64::NAN;
    let mut caps_last = f64::NAN;
    // For the extrapolation: users seen before each chunk, and (users × seen) per chunk,
    // measured or not.
    let mut seen: HashSet<String> = HashSet::new();
    let (mut work_measured, mut work_rest) = (0.0f64, 0.0f64);
    for chunk in matched.chunks(200) {
        chunks += 1;
        let t = Instant::now();
        let subs: Vec<Subscription> = subscriptions::table
            .filter(subscriptions::criteria_id.eq_any(chunk))
            .filter(subscriptions::status.eq("active"))
            .select(Subscription::as_select())
            .load(conn)
            .expect("subs");
        subs_ms += ms(t);
        subs_n += subs.len();
        let user_ids: Vec<String> = subs
            .iter()
            .filter_map(|s| s.user_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let t = Instant::now();
        let _ = alerts_store::profiles_of(conn, &user_ids).expect("profiles");
        prof_ms += ms(t);
        let t = Instant::now();
        for c in user_ids.chunks(500) {
            let _: Vec<(String, String)> = users::table
                .filter(users::id.eq_any(c))
                .filter(users::active.eq(true))
                .select((users::id, users::email))
                .load(conn)
                .expect("emails");
        }
        mail_ms += ms(t);
        let work = user_ids.len() as f64 * seen.len() as f64;
        seen.extend(user_ids.iter().cloned());
        if caps_ms >= caps_budget {
            work_rest += work;
            continue;
        }
        work_measured += work;
        let t = Instant::now();
        caps.load(conn, &user_ids, now).expect("caps");
        let c = ms(t);
        if chunks == 1 {
            caps_first = c;
        }
        caps_last = c;
        caps_ms += c;
        caps_measured += 1;
    }
    // Past the budget: for each user of a chunk, Caps::load scans the keys of every user
    // loaded before, so a chunk costs about γ · (its users) · (users seen before it); γ is
    // fitted on the measured chunks.
    let caps_note = if caps_measured < chunks && work_measured > 0.0 {
        let gamma = caps_ms / work_measured;
        let total = caps_ms + gamma * work_rest;
        format!(
            "Caps::load measured on the first {caps_measured} of {chunks} chunks only ({:.1} s, budget \
             JIWON_BENCH_CAPS_BUDGET_S); extrapolated for all {chunks} (cost ∝ chunk users × users \
             seen before, {:.1} ns per pair, which itself grows as the map outgrows the CPU caches, \
             so a lower bound): ≥ {:.0} s",
            caps_ms / 1000.0,
            gamma * 1e6,
            total / 1000.0
        )
    } else if caps_measured < chunks {
        format!("Caps::load measured on {caps_measured} of {chunks} chunks only: {caps_ms:.1}")
    } else {
        format!("Caps::load {caps_ms:.1}")
    };
    let t = Instant::now();
    let _ = matching::Labels::load(conn).expect("labels");
    let labels_ms = ms(t);
    println!(
        "    breakdown (same queries timed apart, {:.0} ms in all): facts_of {:.1}; criteria_terms IN ({} terms) DISTINCT → {} ids {:.1}; \
         specs by id ({} chunks of 500) {:.1}; JSON parse + evaluate {:.1}; → {} matched criteria; \
         subscriptions by criteria_id ({} chunks of 200) {:.1} → {} rows; profiles_of {:.1}; emails {:.1}; \
         {} (first chunk {:.2}, last measured chunk {:.2}); Labels::load {:.1}",
        ms(t_all),
        facts_ms,
        terms.len(),
        n(ids.len()),
        terms_ms,
        ids.len().div_ceil(500),
        specs_ms,
        eval_ms,
        n(matched.len()),
        chunks,
        subs_ms,
        n(subs_n),
        prof_ms,
        mail_ms,
        caps_note,
        caps_first,
        caps_last,
        labels_ms
    );
    caps_note
}

fn part_matching(summary: &mut Vec<String>) {
    println!();
    println!("== A. matching one announcement against N subscriptions ==");
    let dir = work_dir("match");
    let now = noon_today();
    let state = new_state(bench_config(dir.path()), now);
    let path = db_path(dir.path());
    let t = Instant::now();
    for f in DATA_FILES {
        let loc = format!("data/{f}");
        let s = import_location(&state, "auto", &loc, &mut Quiet)
            .unwrap_or_else(|e| panic!("import {loc}: {e}"));
        println!("  import {}", s.line());
    }
    let mut conn = state.conn().expect("conn");
    // The import queued index/match/close jobs; no worker runs here, so they just wait.
    let published: i64 = announcements::table
        .filter(announcements::status.eq("published"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    let total: i64 = announcements::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    println!(
        "  {total} announcements imported in {:.1}s ({published} published, the rest closed as of {} KST)",
        t.elapsed().as_secs_f64(),
        jiwon::clock::format_kst(now, "%Y-%m-%d %H:%M")
    );
    let d = load_dists(&mut conn);
    println!("  distributions (from the imported announcements unless noted):");
    println!("    category:    {}", d.category.top(8, |s| s.clone()));
    println!("    subcategory: {}", d.subcategory.top(8, |s| s.clone()));
    println!(
        "    시도:        {}",
        d.sido.top(17, |c| jiwon::reference::sido_name(c)
            .unwrap_or(c)
            .to_string())
    );
    let mut top_sgg: Vec<String> = Vec::new();
    for (sido, code) in jiwon::reference::SIDO.iter().take(3) {
        if let Some(w) = d.sigungu.get(*code) {
            top_sgg.push(format!(
                "{sido}: {}",
                w.top(3, |c| d.region_names.get(c).cloned().unwrap_or_default())
            ));
        }
    }
    println!("    시군구 (e.g.): {}", top_sgg.join("; "));
    println!("    target:      {}", d.target.top(11, |s| s.clone()));
    println!(
        "    KSIC division (hard-coded shares): {}",
        d.division.top(10, |s| s.clone())
    );
    println!("    keywords:    {}", d.keyword.top(25, |s| s.clone()));
    println!(
        "  shapes: {}",
        SHAPES
            .iter()
            .map(|(s, w)| format!("{} {w:.0}%", s.label()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("{SHAPE_NOTES}");

    let count = env_usize("JIWON_BENCH_ANNOUNCEMENTS").unwrap_or(20);
    let samples = pick_announcements(&mut conn, &d, count);
    println!(
        "  {} announcements matched at every size (seeded sample of the published ones):",
        samples.len()
    );
    for (i, s) in samples.iter().enumerate() {
        println!("    a{:<2} {:<28} {}", i + 1, s.label, short(&s.title, 50));
    }
    let anns: Vec<Announcement> = samples
        .iter()
        .map(|s| load_announcement(&mut conn, &s.id))
        .collect();

    let budget = env_usize("JIWON_BENCH_PLAN_BUDGET_S").unwrap_or(300) as f64 * 1000.0;
    let mut gen = Generator::new(now);
    let mut results: Vec<SizeResult> = Vec::new();
    for size in sizes() {
        println!();
        println!("  -- {} subscriptions --", n(size));
        flush();
        let t = Instant::now();
        gen.extend_to(&d, &path, size);
        let gen_s = t.elapsed().as_secs_f64();
        let grown = size - results.last().map(|r| r.size).unwrap_or(0);
        println!(
            "  generated + inserted {} subscriptions in {:.1}s ({:.0}/s); now {} owners, {} distinct criteria \
             ({:.1} subscriptions per criteria), {} index terms; database {:.0} MiB",
            n(grown),
            gen_s,
            grown as f64 / gen_s.max(1e-9),
            n(gen.owners.len()),
            n(gen.criteria.len()),
            size as f64 / gen.criteria.len().max(1) as f64,
            n(gen.terms),
            file_mib(&path)
        );
        println!(
            "    by shape (subscriptions → distinct criteria): {}",
            gen.by_shape
                .iter()
                .map(|(s, c)| format!(
                    "{} {} → {}",
                    s.label(),
                    n(*c),
                    n(gen.criteria_by_shape.get(s).copied().unwrap_or(0))
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
        // Warm-up (not timed): the first announcement's matching, as a running server
        // would have its caches.
        let _ = measure_match(&mut conn, &anns[0]);
        println!(
            "    {:<4} {:<28} {:>5} {:>9} {:>8} {:>9} {:>6} {:>9} {:>9} {:>9}",
            "ann",
            "category/region/target",
            "terms",
            "evaluated",
            "matched",
            "subs",
            "inelig",
            "planned",
            "match ms",
            "plan ms"
        );
        // matching_criteria for every announcement; then plan, cheapest first, until the
        // time budget is spent (a few fan-outs are very slow at large sizes).
        let mut rows: Vec<MatchRow> = anns.iter().map(|a| measure_match(&mut conn, a)).collect();
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| rows[i].matched);
        let mut spent = 0.0;
        let mut skipped = 0;
        for &i in &order {
            if spent >= budget {
                skipped += 1;
                eprintln!("    … a{} plan skipped (budget spent)", i + 1);
                continue;
            }
            let t = Instant::now();
            let (report, planned) = matching::plan(&mut conn, &anns[i], &[], now).expect("plan");
            let r = &mut rows[i];
            r.plan_ms = ms(t);
            r.subs = report.subscriptions_matched;
            r.ineligible = report.ineligible;
            r.planned = planned.len();
            spent += r.plan_ms;
            eprintln!("    … a{} planned in {:.0} ms", i + 1, r.plan_ms);
        }
        for (i, r) in rows.iter().enumerate() {
            println!(
                "    a{:<3} {:<28} {:>5} {:>9} {:>8} {:>9} {:>6} {:>9} {:>9.1} {:>9.1}",
                i + 1,
                samples[i].label,
                r.terms,
                n(r.evaluated),
                n(r.matched),
                n(r.subs),
                n(r.ineligible),
                n(r.planned),
                r.match_ms,
                r.plan_ms
            );
        }
        flush();
        let match_ms = sorted(rows.iter().map(|r| r.match_ms).collect());
        let plan_ms = sorted(
            rows.iter()
                .map(|r| r.plan_ms)
                .filter(|x| x.is_finite())
                .collect(),
        );
        println!(
            "    matching_criteria ms: p50 {:.1}  p95 {:.1}  max {:.1}    plan ms: p50 {:.1}  p95 {:.1}  max {:.1}{}",
            pct(&match_ms, 50.0),
            pct(&match_ms, 95.0),
            match_ms.last().copied().unwrap_or(f64::NAN),
            pct(&plan_ms, 50.0),
            pct(&plan_ms, 95.0),
            plan_ms.last().copied().unwrap_or(f64::NAN),
            if skipped > 0 {
                format!(" (plan skipped for {skipped}: over the {:.0}s budget)", budget / 1000.0)
            } else {
                String::new()
            }
        );
        // The announcement with the most matching criteria, step by step.
        let (max_i, _) = rows
            .iter()
            .enumerate()
            .max_by_key(|(_, r)| r.matched)
            .unwrap_or((0, &rows[0]));
        println!(
            "    where the time of plan goes for a{} (the most matching criteria):",
            max_i + 1
        );
        let caps_note = breakdown(&mut conn, &anns[max_i], now);
        // matching::run (plan + inserting deliveries) for the median and the largest fan-out.
        let mut by_planned: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].plan_ms.is_finite())
            .collect();
        by_planned.sort_by_key(|&i| rows[i].planned);
        let mut runs = Vec::new();
        // (The largest only when its plan alone fitted in half the budget.)
        let picks: Vec<(usize, &str)> =
            match (by_planned.get(by_planned.len() / 2), by_planned.last()) {
                (Some(&m), Some(&l)) if m != l && rows[l].plan_ms < budget / 2.0 => {
                    vec![(m, "median fan-out"), (l, "largest fan-out")]
                }
                (Some(&m), _) => vec![(m, "median fan-out")],
                _ => vec![],
            };
        for (i, why) in picks {
            let t = Instant::now();
            let r = matching::run(
                &mut conn,
                &anns[i].id,
                "publish",
                anns[i].revision,
                &[],
                now,
            )
            .expect("run");
            let run_ms = ms(t);
            println!(
                "    matching::run a{} ({why}): {:.0} ms — {} subscriptions matched, {} deliveries inserted ({:.0} inserts/s)",
                i + 1,
                run_ms,
                n(r.subscriptions_matched),
                n(r.deliveries_created),
                r.deliveries_created as f64 / (run_ms / 1000.0).max(1e-9)
            );
            runs.push((
                format!("a{} {why}", i + 1),
                run_ms,
                r.subscriptions_matched,
                r.deliveries_created,
            ));
            diesel::delete(deliveries::table)
                .execute(&mut conn)
                .expect("clear deliveries");
        }
        flush();
        results.push(SizeResult {
            caps: format!("a{}: {caps_note}", max_i + 1),
            size,
            gen_s,
            criteria: gen.criteria.len(),
            owners: gen.owners.len(),
            db_mib: file_mib(&path),
            match_ms,
            plan_ms,
            evaluated: rows.iter().map(|r| r.evaluated).collect(),
            matched: rows.iter().map(|r| r.matched).collect(),
            subs: rows
                .iter()
                .filter(|r| r.plan_ms.is_finite())
                .map(|r| r.subs)
                .collect(),
            planned: rows
                .iter()
                .filter(|r| r.plan_ms.is_finite())
                .map(|r| r.planned)
                .collect(),
            runs,
            skipped,
        });
    }
    println!("  peak RSS {:.0} MiB", status_mib("VmHWM:"));

    summary.push(format!(
        "A. matching, {} announcements per size (SQLite, one connection; ms):",
        anns.len()
    ));
    summary.push(format!(
        "{:>10} {:>9} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>11} {:>11} {:>11}",
        "subs",
        "criteria",
        "owners",
        "gen s",
        "match p50",
        "p95",
        "max",
        "plan p50",
        "p95",
        "max",
        "eval mean",
        "matched mn",
        "subs mean",
        "planned mn"
    ));
    for r in &results {
        let mean = |v: &Vec<usize>| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
        summary.push(format!(
            "{:>10} {:>9} {:>8} {:>7.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>11.0} {:>11.0} {:>11.0} {:>11.0}{}",
            n(r.size),
            n(r.criteria),
            n(r.owners),
            r.gen_s,
            pct(&r.match_ms, 50.0),
            pct(&r.match_ms, 95.0),
            r.match_ms.last().copied().unwrap_or(f64::NAN),
            pct(&r.plan_ms, 50.0),
            pct(&r.plan_ms, 95.0),
            r.plan_ms.last().copied().unwrap_or(f64::NAN),
            mean(&r.evaluated),
            mean(&r.matched),
            mean(&r.subs),
            mean(&r.planned),
            if r.skipped > 0 { format!("  (plan skipped ×{})", r.skipped) } else { String::new() }
        ));
        for (label, run_ms, subs, created) in &r.runs {
            summary.push(format!(
                "{:>10}   matching::run {label}: {:.0} ms, {} subscriptions, {} deliveries inserted",
                "",
                run_ms,
                n(*subs),
                n(*created)
            ));
        }
        summary.push(format!(
            "{:>10}   database {:.0} MiB; the most matching criteria, {}",
            "", r.db_mib, r.caps
        ));
    }
    drop(conn);
    drop(state);
}

fn sizes() -> Vec<usize> {
    if let Ok(s) = std::env::var("JIWON_BENCH_SIZES") {
        let mut v: Vec<usize> = s
            .split(',')
            .filter_map(|x| x.trim().replace('_', "").parse().ok())
            .collect();
        v.sort();
        if !v.is_empty() {
            return v;
        }
    }
    // Generating 1M takes well under a minute, so it is on unless JIWON_BENCH_1M=0.
    let mut v = vec![10_000, 100_000];
    if std::env::var("JIWON_BENCH_1M")
        .map(|s| s != "0")
        .unwrap_or(true)
    {
        v.push(1_000_000);
    }
    v
}

// ---------------------------------------------------------------------------------------
// The local receivers

struct SmtpSink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl SmtpSink {
    fn start(dir: &Path) -> SmtpSink {
        let mail = dir.join("mail");
        let mut child = Command::new("python3")
            .arg("tests/support/smtp_sink.py")
            .arg(&mail)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/support/smtp_sink.py (python3 + aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("sink prints its port");
        let v: serde_json::Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("smtp_sink.py printed {line:?}: {e}"));
        SmtpSink {
            port: v["port"].as_u64().expect("port") as u16,
            child,
            dir: mail,
        }
    }
    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
    fn count(&self) -> usize {
        count_eml(&self.dir)
    }
    fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn count_eml(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                .count()
        })
        .unwrap_or(0)
}

struct PushService {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
    p256dh: String,
    auth: String,
    log: PathBuf,
}

impl PushService {
    fn start(dir: &Path) -> PushService {
        let log = dir.join("push.jsonl");
        let mut child = Command::new("python3")
            .arg("tests/support/push_service.py")
            .arg(&log)
            // It exits when this pipe closes.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/support/push_service.py (python3 + cryptography)");
        let stdin = child.stdin.take().expect("stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("push service prints its port");
        let v: serde_json::Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("push_service.py printed {line:?}: {e}"));
        PushService {
            port: v["port"].as_u64().expect("port") as u16,
            p256dh: v["p256dh"].as_str().expect("p256dh").into(),
            auth: v["auth"].as_str().expect("auth").into(),
            child,
            _stdin: stdin,
            log,
        }
    }
    /// (accepted, rejected) lines of its log.
    fn counts(&self) -> (usize, usize) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut ok = 0;
        let mut bad = 0;
        for l in text.lines() {
            if l.contains("\"error\"") {
                bad += 1;
            } else {
                ok += 1;
            }
        }
        (ok, bad)
    }
    fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Part B: publish → first email

fn part_latency(summary: &mut Vec<String>) {
    println!();
    println!("== B. publish → first email accepted by the local SMTP server ==");
    let dir = work_dir("latency");
    let sink = SmtpSink::start(dir.path());
    let now = noon_today();
    let mut config = bench_config(dir.path());
    config.smtp_url = Some(sink.url());
    let state = new_state(config, now);
    let actor = staff(&state);
    // A handful of owners, each with a "내수" subscription by email.
    let owners = 5;
    {
        let mut conn = state.conn().expect("conn");
        let c = Criteria {
            categories: vec!["내수".into()],
            ..Default::default()
        }
        .canonical();
        let cid = alerts_store::criteria_id_for(&mut conn, &c, now).expect("criteria");
        for i in 0..owners {
            let id = new_id();
            accounts_store::insert_user(
                &mut conn,
                &User {
                    id: id.clone(),
                    email: format!("latency{i}@bench.jiwon.test"),
                    password_hash: PLACEHOLDER_HASH.into(),
                    display_name: format!("사장님{i}"),
                    is_operator: false,
                    agency_id: None,
                    agency_role: None,
                    active: true,
                    created_at: now,
                    last_login_at: None,
                },
            )
            .expect("user");
            alerts_store::save_profile(&mut conn, &verified_profile(&id, now)).expect("profile");
            alerts_store::insert_subscription(
                &mut conn,
                &Subscription {
                    id: new_id(),
                    user_id: Some(id),
                    email: None,
                    name: "내수".into(),
                    criteria_id: cid.clone(),
                    spec: c.to_json(),
                    is_profile: false,
                    frequency: "instant".into(),
                    channels: "[\"email\"]".into(),
                    status: "active".into(),
                    created_at: now,
                    confirmed_at: Some(now),
                    updated_at: now,
                },
            )
            .expect("subscription");
        }
    }
    // One tick with nothing to do first, as in a running worker (the first run also opens
    // the pooled SMTP connections; the median is over all runs).
    jiwon::worker::tick(&state, "bench").expect("tick");
    let runs = env_usize("JIWON_BENCH_LATENCY_RUNS").unwrap_or(10);
    let mut first = Vec::new();
    let mut all = Vec::new();
    let mut publishes = Vec::new();
    println!(
        "  {owners} owners subscribed to 내수 (email, instant); each run publishes a new nationwide 내수 announcement"
    );
    println!(
        "  {:>4} {:>11} {:>14} {:>16} {:>6}",
        "run",
        "publish ms",
        "first mail ms",
        format!("all {owners} mails ms"),
        "ticks"
    );
    for run in 0..runs {
        let before = sink.count();
        let stop = Arc::new(AtomicBool::new(false));
        let seen: Arc<Mutex<(Option<Instant>, Option<Instant>)>> =
            Arc::new(Mutex::new((None, None)));
        let id = create_draft(
            &state,
            &actor,
            &format!(
                "2027년 소상공인 온라인 판로 지원사업 참여기업 모집 (벤치 {})",
                run + 1
            ),
            "내수",
        );
        let t0 = Instant::now();
        let watcher = {
            let stop = stop.clone();
            let seen = seen.clone();
            let dir = sink.dir.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let c = count_eml(&dir);
                    let mut s = seen.lock().unwrap();
                    if c > before && s.0.is_none() {
                        s.0 = Some(Instant::now());
                    }
                    if c >= before + owners {
                        s.1 = Some(Instant::now());
                        return;
                    }
                    drop(s);
                    std::thread::sleep(Duration::from_micros(200));
                }
            })
        };
        publish(&state, &actor, &id);
        let publish_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let mut ticks = 0;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            jiwon::worker::tick(&state, "bench").expect("tick");
            ticks += 1;
            if seen.lock().unwrap().1.is_some()
                || sink.count() >= before + owners
                || Instant::now() > deadline
            {
                break;
            }
        }
        // Let the watcher notice the last file.
        let wait_until = Instant::now() + Duration::from_secs(5);
        while seen.lock().unwrap().1.is_none() && Instant::now() < wait_until {
            std::thread::sleep(Duration::from_millis(1));
        }
        stop.store(true, Ordering::Relaxed);
        let _ = watcher.join();
        let s = *seen.lock().unwrap();
        let f =
            s.0.map(|x| (x - t0).as_secs_f64() * 1000.0)
                .unwrap_or(f64::NAN);
        let l =
            s.1.map(|x| (x - t0).as_secs_f64() * 1000.0)
                .unwrap_or(f64::NAN);
        println!(
            "  {:>4} {:>11.1} {:>14.1} {:>16.1} {:>6}",
            run + 1,
            publish_ms,
            f,
            l,
            ticks
        );
        publishes.push(publish_ms);
        if f.is_nan() {
            println!("  no email arrived within 60 s: giving up on part B");
            break;
        }
        first.push(f);
        all.push(l);
    }
    let (publishes, first, all) = (sorted(publishes), sorted(first), sorted(all));
    println!(
        "  median: publish {:.1} ms, first email {:.1} ms (min {:.1}, max {:.1}), all {owners} {:.1} ms",
        pct(&publishes, 50.0),
        pct(&first, 50.0),
        first.first().copied().unwrap_or(f64::NAN),
        first.last().copied().unwrap_or(f64::NAN),
        pct(&all, 50.0)
    );
    // One more run with the worker's steps called by hand, timed apart.
    let before = sink.count();
    let id = create_draft(
        &state,
        &actor,
        "2027년 소상공인 온라인 판로 지원사업 참여기업 모집 (벤치 단계별)",
        "내수",
    );
    let t = Instant::now();
    publish(&state, &actor, &id);
    let publish_ms = ms(t);
    let t = Instant::now();
    jiwon::search::service::index_ids(&state.pool, &*state.search, std::slice::from_ref(&id))
        .expect("index");
    let index_ms = ms(t);
    let t = Instant::now();
    let r = {
        let mut conn = state.conn().expect("conn");
        matching::run(&mut conn, &id, "publish", 1, &[], now).expect("run")
    };
    let run_ms = ms(t);
    let t = Instant::now();
    let sent = send::deliver_due(&state, "bench", usize::MAX).expect("deliver");
    let send_ms = ms(t);
    let t = Instant::now();
    jiwon::worker::tick(&state, "bench").expect("tick");
    let tick_ms = ms(t);
    let steps = format!(
        "steps of one publish, called by hand: publish_now {publish_ms:.1} ms; search index_ids (the \
         index job, which the tick runs first) {index_ms:.1} ms; matching::run {run_ms:.1} ms ({} deliveries); \
         deliver_due {send_ms:.1} ms for {} emails ({} new in the sink); then a tick with those jobs \
         still queued (index again, matching finds nothing new) {tick_ms:.1} ms",
        r.deliveries_created,
        sent.sent,
        sink.count() - before
    );
    println!("  {steps}");
    summary.push(format!(
        "B. publish → first email accepted by the SMTP sink: median {:.1} ms over {} runs (min {:.1}, max {:.1}; \
         publish_now {:.1} ms of it; all {owners} emails {:.1} ms); ticks back to back, no scheduler interval",
        pct(&first, 50.0),
        first.len(),
        first.first().copied().unwrap_or(f64::NAN),
        first.last().copied().unwrap_or(f64::NAN),
        pct(&publishes, 50.0),
        pct(&all, 50.0)
    ));
    summary.push(format!("   {steps}"));

    // The same through the real worker loop (`scheduler::spawn`) at the production
    // interval: what an owner waits for, since the loop looks for due jobs every second.
    let interval = Duration::from_secs(15);
    let state = actix_web::web::Data::new(state);
    let stop = Arc::new(AtomicBool::new(false));
    let loop_handle = jiwon::worker::spawn(state.clone(), interval, stop.clone());
    std::thread::sleep(Duration::from_millis(500));
    let mut waits = Vec::new();
    for run in 0..5 {
        let before = sink.count();
        let id = create_draft(
            &state,
            &actor,
            &format!(
                "2027년 소상공인 온라인 판로 지원사업 참여기업 모집 (벤치 루프 {})",
                run + 1
            ),
            "내수",
        );
        // publish at a random point of the loop's second
        std::thread::sleep(Duration::from_millis(137 * run as u64 + 250));
        let t0 = Instant::now();
        publish(&state, &actor, &id);
        while sink.count() <= before && t0.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(2));
        }
        waits.push(ms(t0));
        // let the rest of this run's mails land before the next publish
        let until = Instant::now() + Duration::from_secs(5);
        while sink.count() < before + owners && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = loop_handle.join();
    let waits = sorted(waits);
    println!(
        "  with the worker loop (interval {} s, due-job poll 1 s), publish → first email over 5 runs: \
         median {:.0} ms (min {:.0}, max {:.0})",
        interval.as_secs(),
        pct(&waits, 50.0),
        waits.first().copied().unwrap_or(f64::NAN),
        waits.last().copied().unwrap_or(f64::NAN)
    );
    summary.push(format!(
        "   with the real worker loop at the production interval ({} s): median {:.0} ms (min {:.0}, max {:.0}) over 5 runs",
        interval.as_secs(),
        pct(&waits, 50.0),
        waits.first().copied().unwrap_or(f64::NAN),
        waits.last().copied().unwrap_or(f64::NAN)
    ));
}

// ---------------------------------------------------------------------------------------
// Part C: throughput

/// Watches a counter while `deliver_due` runs; prints progress every 10 s.
fn progress_thread(
    stop: Arc<AtomicBool>,
    count: impl Fn() -> usize + Send + 'static,
    total: usize,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let t = Instant::now();
        let mut next = Duration::from_secs(10);
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            if t.elapsed() >= next {
                next += Duration::from_secs(10);
                let c = count();
                eprintln!(
                    "    … {} / {} received by the sink ({:.0}s, {:.0}/s)",
                    n(c),
                    n(total),
                    t.elapsed().as_secs_f64(),
                    c as f64 / t.elapsed().as_secs_f64()
                );
            }
        }
    })
}

struct Throughput {
    channel: &'static str,
    n: usize,
    run_ms: f64,
    created: usize,
    secs: f64,
    sent: usize,
    failed: usize,
    suppressed: usize,
    held: usize,
    received: usize,
    rejected: usize,
    bench_cpu: f64,
    sink_cpu: f64,
    connections: f64,
}

impl Throughput {
    fn print(&self, sink: &str) -> String {
        let rate = self.sent as f64 / self.secs.max(1e-9);
        let bench_cores = self.bench_cpu / self.secs.max(1e-9);
        let sink_cores = self.sink_cpu / self.secs.max(1e-9);
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get() as f64)
            .unwrap_or(1.0);
        let limit = if sink_cores > 0.85 {
            format!("{sink} (Python, one core at most under the GIL: {sink_cores:.2} busy)")
        } else if bench_cores + sink_cores > 0.75 * cpus {
            format!(
                "CPU: both sides together keep {:.2} of the {cpus:.0} cores busy",
                bench_cores + sink_cores
            )
        } else {
            "neither side is CPU-bound: the time goes to waiting (round trips, stalls)".to_string()
        };
        format!(
            "{}: {} deliveries ({} inserted by matching::run in {:.0} ms) sent in {:.1}s = {:.0} messages/s; \
             report sent {} failed {} suppressed {} held {}; sink received {} (rejected {}); \
             CPU over the send: jiwon {:.1}s ({:.2} cores), {sink} {:.1}s ({:.2} cores); \
             TCP connections opened {:.0} → limit: {limit}",
            self.channel,
            n(self.n),
            n(self.created),
            self.run_ms,
            self.secs,
            rate,
            n(self.sent),
            n(self.failed),
            n(self.suppressed),
            n(self.held),
            n(self.received),
            n(self.rejected),
            self.bench_cpu,
            bench_cores,
            self.sink_cpu,
            sink_cores,
            self.connections
        )
    }
}

/// `total` rows of subscriptions (and owners) sharing one criteria, written fast.
fn insert_audience(
    state: &AppState,
    dir: &Path,
    total: usize,
    channel: &str,
    push: Option<&PushService>,
) {
    let now = state.now();
    let cid = {
        let mut conn = state.conn().expect("conn");
        let c = Criteria {
            categories: vec!["내수".into()],
            ..Default::default()
        }
        .canonical();
        alerts_store::criteria_id_for(&mut conn, &c, now).expect("criteria")
    };
    let spec = Criteria {
        categories: vec!["내수".into()],
        ..Default::default()
    }
    .canonical()
    .to_json();
    let mut conn = gen_connection(&db_path(dir));
    let t = Instant::now();
    let mut i = 0;
    while i < total {
        let end = (i + GEN_BATCH).min(total);
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            for k in i..end {
                let user_id = if push.is_some() {
                    let id = new_id();
                    diesel::insert_into(users::table)
                        .values(&User {
                            id: id.clone(),
                            email: format!("push{k}@bench.jiwon.test"),
                            password_hash: PLACEHOLDER_HASH.into(),
                            display_name: format!("사장님{k}"),
                            is_operator: false,
                            agency_id: None,
                            agency_role: None,
                            active: true,
                            created_at: now,
                            last_login_at: None,
                        })
                        .execute(conn)?;
                    diesel::insert_into(owner_profiles::table)
                        .values(&verified_profile(&id, now))
                        .execute(conn)?;
                    if let Some(p) = push {
                        diesel::insert_into(push_endpoints::table)
                            .values(&PushEndpoint {
                                id: new_id(),
                                user_id: id.clone(),
                                endpoint: format!("http://127.0.0.1:{}/push/{k}", p.port),
                                p256dh: p.p256dh.clone(),
                                auth: p.auth.clone(),
                                created_at: now,
                                last_success_at: None,
                            })
                            .execute(conn)?;
                    }
                    Some(id)
                } else {
                    None
                };
                diesel::insert_into(subscriptions::table)
                    .values(&Subscription {
                        id: new_id(),
                        email: if user_id.is_none() {
                            Some(format!("reader{k}@bench.jiwon.test"))
                        } else {
                            None
                        },
                        user_id,
                        name: "내수".into(),
                        criteria_id: cid.clone(),
                        spec: spec.clone(),
                        is_profile: false,
                        frequency: "instant".into(),
                        channels: format!("[\"{channel}\"]"),
                        status: "active".into(),
                        created_at: now,
                        confirmed_at: Some(now),
                        updated_at: now,
                    })
                    .execute(conn)?;
            }
            Ok(())
        })
        .expect("insert audience");
        i = end;
    }
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);").ok();
    println!(
        "  inserted {} {} subscriptions{} in {:.1}s",
        n(total),
        channel,
        if push.is_some() {
            " (owners + push endpoints)"
        } else {
            " (email-only)"
        },
        t.elapsed().as_secs_f64()
    );
}

fn part_email(summary: &mut Vec<String>, total: usize) {
    println!();
    println!(
        "== C1. {} email deliveries into the local SMTP sink ==",
        n(total)
    );
    let dir = work_dir("email");
    let sink = SmtpSink::start(dir.path());
    let now = noon_today();
    let mut config = bench_config(dir.path());
    config.smtp_url = Some(sink.url());
    let threads = config.smtp_pool_size;
    let state = new_state(config, now);
    let actor = staff(&state);
    insert_audience(&state, dir.path(), total, "email", None);
    let mail_dir = sink.dir.clone();
    let r = send_all(
        &state,
        &actor,
        total,
        "email",
        move || count_eml(&mail_dir),
        &sink.pid(),
        |s| (s, 0),
        threads,
    );
    let line = r.print("smtp_sink.py");
    println!("  {line}");
    summary.push(format!("C. {line}"));
}

fn part_push(summary: &mut Vec<String>, total: usize) {
    println!();
    println!(
        "== C2. {} web push deliveries into the local push service ==",
        n(total)
    );
    let dir = work_dir("push");
    let service = PushService::start(dir.path());
    let now = noon_today();
    let mut config = bench_config(dir.path());
    let (private, public) = jiwon::alerts::push::generate_vapid_keys();
    config.vapid_private_key = Some(private);
    config.vapid_public_key = Some(public);
    let threads = config.smtp_pool_size;
    let state = new_state(config, now);
    let actor = staff(&state);
    insert_audience(&state, dir.path(), total, "push", Some(&service));
    let log = service.log.clone();
    let count = move || {
        std::fs::read_to_string(&log)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    let r = send_all(
        &state,
        &actor,
        total,
        "push",
        count,
        &service.pid(),
        |_| service.counts(),
        threads,
    );
    let line = r.print("push_service.py");
    println!("  {line}");
    summary.push(format!("C. {line}"));
}

#[allow(clippy::too_many_arguments)]
fn send_all(
    state: &AppState,
    actor: &CurrentUser,
    total: usize,
    channel: &'static str,
    count: impl Fn() -> usize + Send + Clone + 'static,
    sink_pid: &str,
    received: impl Fn(usize) -> (usize, usize),
    threads: u32,
) -> Throughput {
    let id = create_and_publish(
        state,
        actor,
        "2027년 소상공인 온라인 판로 지원사업 참여기업 모집 (처리량 벤치)",
        "내수",
    );
    let now = state.now();
    let t = Instant::now();
    let report = {
        let mut conn = state.conn().expect("conn");
        matching::run(&mut conn, &id, "publish", 1, &[], now).expect("run")
    };
    let run_ms = ms(t);
    println!(
        "  matching::run: {} subscriptions matched → {} deliveries inserted in {:.0} ms",
        n(report.subscriptions_matched),
        n(report.deliveries_created),
        run_ms
    );
    println!(
        "  alerts::send::deliver_due(&state, \"bench\", usize::MAX) with {threads} sender threads, batches of {} …",
        state.config.delivery_batch
    );
    flush();
    let cpu0 = cpu_seconds("self");
    let sink0 = cpu_seconds(sink_pid);
    let conn0 = tcp_active_opens();
    let stop = Arc::new(AtomicBool::new(false));
    let progress = progress_thread(stop.clone(), count.clone(), report.deliveries_created);
    let t = Instant::now();
    let r = send::deliver_due(state, "bench", usize::MAX).expect("deliver_due");
    let secs = t.elapsed().as_secs_f64();
    let cpu1 = cpu_seconds("self");
    let sink1 = cpu_seconds(sink_pid);
    let conn1 = tcp_active_opens();
    stop.store(true, Ordering::Relaxed);
    let _ = progress.join();
    // Whatever the sink still writes (it already answered 250/201 for each).
    std::thread::sleep(Duration::from_millis(300));
    let (received, rejected) = received(count());
    Throughput {
        channel,
        n: total,
        run_ms,
        created: report.deliveries_created,
        secs,
        sent: r.sent,
        failed: r.failed,
        suppressed: r.suppressed,
        held: r.held,
        received,
        rejected,
        bench_cpu: cpu1 - cpu0,
        sink_cpu: sink1 - sink0,
        connections: conn1 - conn0,
    }
}

// ---------------------------------------------------------------------------------------

fn main() {
    // `cargo bench` runs benches from the package root; be sure.
    if let Ok(dir) = std::env::var("CARGO_MANIFEST_DIR") {
        let _ = std::env::set_current_dir(dir);
    }
    let parts =
        std::env::var("JIWON_BENCH_PARTS").unwrap_or_else(|_| "match,latency,email,push".into());
    let parts: Vec<&str> = parts.split(',').map(str::trim).collect();
    let deliveries = env_usize("JIWON_BENCH_DELIVERIES").unwrap_or(100_000);
    println!(
        "alerts bench: {} CPU(s); SQLite; clock fixed at {} KST; parts: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        jiwon::clock::format_kst(noon_today(), "%Y-%m-%d %H:%M"),
        parts.join(",")
    );
    let mut summary: Vec<String> = Vec::new();
    let started = Instant::now();
    if parts.contains(&"match") {
        part_matching(&mut summary);
    }
    if parts.contains(&"latency") {
        part_latency(&mut summary);
    }
    if parts.contains(&"email") {
        part_email(&mut summary, deliveries);
    }
    if parts.contains(&"push") {
        part_push(&mut summary, deliveries);
    }
    println!();
    println!("summary ({:.0}s in all):", started.elapsed().as_secs_f64());
    for l in summary {
        println!("{l}");
    }
}
