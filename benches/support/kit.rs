//! The alerts bench's kit: small helpers (env, percentiles, /proc figures, work
//! directories) and the app state it measures (config, clock, staff, announcements).

use super::*;

// ---------------------------------------------------------------------------------------
// Small helpers

pub(crate) fn env_usize(key: &str) -> Option<usize> {
    std::env::var(key)
        .ok()
        .and_then(|s| s.trim().replace(['_', ','], "").parse().ok())
}

/// TCP connections this machine opened so far (`ActiveOpens` of /proc/net/snmp).
pub(crate) fn tcp_active_opens() -> f64 {
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

pub(crate) fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

pub(crate) fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// 1234567 → "1,234,567".
pub(crate) fn n(x: usize) -> String {
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

pub(crate) fn short(s: &str, chars: usize) -> String {
    let mut out: String = s.chars().take(chars).collect();
    if s.chars().count() > chars {
        out.push('…');
    }
    out
}

pub(crate) fn status_mib(field: &str) -> f64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

pub(crate) fn file_mib(p: &Path) -> f64 {
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

pub(crate) fn clk_tck() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// User + system CPU seconds of a process (`self` or a pid), from /proc/<pid>/stat.
pub(crate) fn cpu_seconds(pid: &str) -> f64 {
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

pub(crate) fn root_dir() -> PathBuf {
    match std::env::var("JIWON_BENCH_DIR")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir(),
    }
}

pub(crate) fn work_dir(part: &str) -> tempfile::TempDir {
    let root = root_dir();
    std::fs::create_dir_all(&root).expect("bench dir");
    tempfile::Builder::new()
        .prefix(&format!("jiwon-bench-alerts-{part}-"))
        .tempdir_in(&root)
        .expect("temp dir")
}

pub(crate) fn flush() {
    let _ = std::io::stdout().flush();
}

// ---------------------------------------------------------------------------------------
// State

/// 12:00 KST today: a fixed clock, outside the 21:00–08:00 quiet hours of push.
pub(crate) fn noon_today() -> NaiveDateTime {
    let today = jiwon::clock::kst_today(chrono::Utc::now().naive_utc());
    jiwon::clock::from_kst(today.and_hms_opt(12, 0, 0).expect("noon"))
}

/// Like `tests/common/mod.rs::test_config`, on an SQLite file in `dir`.
pub(crate) fn bench_config(dir: &Path) -> Config {
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
        operator_name: "지원 운영팀".into(),
        operator_email: "help@jiwon.test".into(),
        operator_phone: "02-1234-5678".into(),
        privacy_officer: "김보호 (개인정보 보호책임자)".into(),
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

pub(crate) fn new_state(config: Config, now: NaiveDateTime) -> AppState {
    AppState::new(config, Arc::new(FakeClock::at(now))).unwrap_or_else(|e| panic!("state: {e}"))
}

pub(crate) fn db_path(dir: &Path) -> PathBuf {
    dir.join("bench.db")
}

/// A separate connection for bulk generation (bigger cache, no fsync), so the pooled
/// connections the measurements use keep the app's own settings.
pub(crate) fn gen_connection(path: &Path) -> diesel::SqliteConnection {
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
pub(crate) fn verified_profile(user_id: &str, now: NaiveDateTime) -> OwnerProfile {
    let mut p = OwnerProfile::new(user_id, now);
    p.email_verified_at = Some(now);
    p
}

/// An agency editor to publish with (placeholder password hash).
pub(crate) fn staff(state: &AppState) -> CurrentUser {
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

pub(crate) fn bench_content(
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
        body_markdown: None,
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
pub(crate) fn create_and_publish(
    state: &AppState,
    actor: &CurrentUser,
    title: &str,
    category: &str,
) -> String {
    let id = create_draft(state, actor, title, category);
    publish(state, actor, &id);
    id
}

pub(crate) fn create_draft(
    state: &AppState,
    actor: &CurrentUser,
    title: &str,
    category: &str,
) -> String {
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

pub(crate) fn publish(state: &AppState, actor: &CurrentUser, id: &str) {
    let mut conn = state.conn().expect("conn");
    ann_service::publish_now(&mut conn, id, actor, state.now()).expect("publish");
}
