//! `TestApp`: the real app on a fresh migrated database (an SQLite file, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` is set), served on a free loopback port,
//! with a fake clock. Tests talk to it over real HTTP with a cookie-keeping client.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Data;
use chrono::{NaiveDate, NaiveDateTime};

use jiwon::accounts::model::{Agency, User};
use jiwon::accounts::{password, store as accounts_store};
use jiwon::clock::{Clock, FakeClock};
use jiwon::config::{Config, Environment};
use jiwon::ids::new_id;
use jiwon::search::SearchIndex;
use jiwon::AppState;

pub mod api;
pub mod applications;
pub mod apply;
pub mod mail;
pub mod smtp;
pub mod webhooks;

/// 2026-11-24 12:00 KST.
pub fn noon_kst() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 24)
        .and_then(|d| d.and_hms_opt(3, 0, 0))
        .expect("valid date")
}

pub fn data_file(name: &str) -> String {
    format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub struct TestApp {
    pub addr: String,
    pub state: Data<AppState>,
    pub clock: FakeClock,
    pub dir: tempfile::TempDir,
    pub backend: &'static str,
    server: actix_web::dev::ServerHandle,
    /// Set by `expect_failed_jobs`: the test means to leave failed jobs behind.
    failed_jobs_expected: std::sync::atomic::AtomicBool,
}

pub struct Resp {
    pub status: u16,
    pub body: String,
    pub headers: HashMap<String, String>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_lowercase()).map(String::as_str)
    }
    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }
    /// The body with HTML entities decoded, as a person would read it.
    pub fn text(&self) -> String {
        html_escape::decode_html_entities(&self.body).to_string()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("response is JSON")
    }
    #[track_caller]
    pub fn assert_contains(&self, needle: &str) {
        assert!(
            self.text().contains(needle),
            "expected page to contain {needle:?}; status {} body:\n{}",
            self.status,
            &self.body.chars().take(3000).collect::<String>()
        );
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

fn to_resp(r: ureq::Response) -> Resp {
    let status = r.status();
    let mut headers = HashMap::new();
    for name in r.headers_names() {
        if let Some(v) = r.header(&name) {
            headers.insert(name.to_lowercase(), v.to_string());
        }
    }
    let body = r.into_string().unwrap_or_default();
    Resp {
        status,
        body,
        headers,
    }
}

fn finish(result: Result<ureq::Response, ureq::Error>) -> Resp {
    match result {
        Ok(r) => to_resp(r),
        Err(ureq::Error::Status(_, r)) => to_resp(r),
        Err(e) => panic!("request failed: {e}"),
    }
}

impl Client {
    pub fn get(&self, path: &str) -> Resp {
        finish(self.agent.get(&format!("{}{}", self.base, path)).call())
    }
    /// A GET whose body is bytes (a ZIP, a file): (status, body).
    pub fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let r = match self.agent.get(&format!("{}{}", self.base, path)).call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("request failed: {e}"),
        };
        let status = r.status();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut r.into_reader(), &mut body).expect("body");
        (status, body)
    }
    pub fn get_with(&self, path: &str, header: (&str, &str)) -> Resp {
        finish(
            self.agent
                .get(&format!("{}{}", self.base, path))
                .set(header.0, header.1)
                .call(),
        )
    }
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        finish(
            self.agent
                .post(&format!("{}{}", self.base, path))
                .send_form(fields),
        )
    }
    pub fn post_multipart(&self, path: &str, fields: &[(&str, &str)], file: (&str, &[u8])) -> Resp {
        let boundary = "----jiwonTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n", file.0).as_bytes());
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        finish(
            self.agent
                .post(&format!("{}{}", self.base, path))
                .set(
                    "Content-Type",
                    &format!("multipart/form-data; boundary={boundary}"),
                )
                .send_bytes(&body),
        )
    }
    /// POST a form with one extra header (`X-Forwarded-For`, a chosen `Cookie`).
    pub fn post_form_with(
        &self,
        path: &str,
        header: (&str, &str),
        fields: &[(&str, &str)],
    ) -> Resp {
        finish(
            self.agent
                .post(&format!("{}{}", self.base, path))
                .set(header.0, header.1)
                .send_form(fields),
        )
    }
    /// POST a JSON body with one extra header (the API's `X-CSRF-Token`).
    pub fn post_json(&self, path: &str, header: (&str, &str), body: &serde_json::Value) -> Resp {
        finish(
            self.agent
                .post(&format!("{}{}", self.base, path))
                .set(header.0, header.1)
                .send_json(body.clone()),
        )
    }
    /// The CSRF token of the form on `path`.
    pub fn csrf(&self, path: &str) -> String {
        let page = self.get(path);
        extract_csrf(&page.body)
            .unwrap_or_else(|| panic!("no csrf_token on {path} (status {})", page.status))
    }
    /// Sign in; panics unless the login redirects.
    pub fn login(&self, email: &str, password: &str) {
        let token = self.csrf("/login");
        let r = self.post_form(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("csrf_token", &token),
                ("next", "/console"),
            ],
        );
        assert_eq!(
            r.status,
            303,
            "login failed for {email}: {}",
            r.body.chars().take(500).collect::<String>()
        );
    }
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

fn fresh_database_url(dir: &std::path::Path) -> (String, &'static str) {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(admin_url) => {
            use diesel::{Connection, RunQueryDsl};
            let name = format!("jiwon_t_{}", jiwon::ids::random_token(12).to_lowercase());
            let mut admin =
                diesel::PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .expect("create test database");
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .unwrap_or(admin_url.clone());
            (format!("{base}/{name}"), "postgres")
        }
        None => (format!("sqlite://{}/test.db", dir.display()), "sqlite"),
    }
}

pub fn test_config(dir: &std::path::Path, database_url: String) -> Config {
    Config {
        database_url,
        bind: "127.0.0.1:0".into(),
        base_url: "http://jiwon.test".into(),
        environment: Environment::Development,
        secret_key: b"test-secret-key-test-secret-key-0123456789".to_vec(),
        upload_dir: dir.join("uploads"),
        max_upload_bytes: 1024 * 1024,
        db_pool_size: 4,
        run_worker: false,
        scheduler_interval_secs: 1,
        import_sources: Vec::new(),
        import_interval_minutes: 60,
        login_rate_limit: 10,
        meili_url: None,
        meili_key: None,
        meili_index: "announcements".into(),
        search_dir: dir.join("search"),
        // Tests look at fresh pages; tests/search_site.rs checks the cache itself.
        page_cache_secs: 0,
        smtp_url: None,
        smtp_ca_file: None,
        smtp_pool_size: 2,
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

impl TestApp {
    pub fn spawn() -> TestApp {
        Self::spawn_with(|_| {})
    }

    pub fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::build(adjust, |engine| engine)
    }

    /// An app whose search engine is wrapped (e.g. to take it offline).
    pub fn spawn_with_search(
        wrap: impl FnOnce(Arc<dyn SearchIndex>) -> Arc<dyn SearchIndex>,
    ) -> TestApp {
        Self::build(|_| {}, wrap)
    }

    fn build(
        adjust: impl FnOnce(&mut Config),
        wrap: impl FnOnce(Arc<dyn SearchIndex>) -> Arc<dyn SearchIndex>,
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, backend) = fresh_database_url(dir.path());
        let mut config = test_config(dir.path(), url);
        adjust(&mut config);
        let clock = FakeClock::at(noon_kst());
        let mut state = AppState::new(config, Arc::new(clock.clone())).expect("app state");
        // The partner agency `announcement_form` names is one the operator registered:
        // staff choose partners among existing agencies.
        accounts_store::agency_by_name_or_create(
            &mut state.conn().expect("db connection"),
            "울산경제일자리진흥원",
            clock.now(),
        )
        .expect("partner agency");
        state.search = wrap(state.search.clone());
        let state = Data::new(state);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = std::sync::mpsc::channel();
        let st = state.clone();
        std::thread::spawn(move || {
            let sys = actix_web::rt::System::new();
            sys.block_on(async move {
                let server = jiwon::run(st, listener).expect("server");
                let _ = tx.send(server.handle());
                let _ = server.await;
            });
        });
        let server = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server started");
        TestApp {
            addr,
            state,
            clock,
            dir,
            backend,
            server,
            failed_jobs_expected: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// This test leaves failed or dead-lettered jobs on purpose (an engine outage, a
    /// broken import source): the harness does not fail it for them.
    pub fn expect_failed_jobs(&self) {
        self.failed_jobs_expected
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Jobs that failed and were not retried successfully: dead-lettered, or waiting for
    /// a retry with an error. (kind, error) of each.
    pub fn failed_jobs(&self) -> Vec<(String, String)> {
        use diesel::prelude::*;
        use jiwon::db::schema::jobs;
        jobs::table
            .filter(
                jobs::status.eq("dead").or(jobs::status
                    .eq("queued")
                    .and(jobs::last_error.is_not_null())),
            )
            .select((jobs::kind, jobs::last_error))
            .load::<(String, Option<String>)>(&mut self.conn())
            .unwrap_or_default()
            .into_iter()
            .map(|(k, e)| (k, e.unwrap_or_default()))
            .collect()
    }

    /// Jobs that are due (queued, run time passed) and were never tried: a side effect the
    /// test caused but never ran. (kind, payload) of each.
    pub fn unrun_jobs(&self) -> Vec<(String, String)> {
        use diesel::prelude::*;
        use jiwon::db::schema::jobs;
        jobs::table
            .filter(jobs::status.eq("queued"))
            .filter(jobs::last_error.is_null())
            .filter(jobs::run_at.le(self.now()))
            .select((jobs::kind, jobs::payload))
            .load::<(String, String)>(&mut self.conn())
            .unwrap_or_default()
    }

    /// A new browser with its own cookies.
    pub fn client(&self) -> Client {
        Client {
            base: self.addr.clone(),
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(60))
                .build(),
        }
    }

    pub fn conn(&self) -> jiwon::db::PooledConn {
        self.state.conn().expect("db connection")
    }

    pub fn now(&self) -> NaiveDateTime {
        self.state.now()
    }

    /// An agency with one staff member of `role` ("admin", "editor", "reviewer").
    /// Returns (agency, email, password).
    pub fn staff(&self, agency_name: &str, role: &str) -> (Agency, String, String) {
        let mut conn = self.conn();
        let agency = accounts_store::agency_by_name_or_create(&mut conn, agency_name, self.now())
            .expect("agency");
        let email = format!(
            "{role}-{}@{}.test",
            jiwon::ids::random_token(6).to_lowercase(),
            agency.id.get(..8).unwrap_or("agency")
        );
        let pw = "correct horse battery".to_string();
        let user = User {
            id: new_id(),
            email: email.clone(),
            password_hash: password::hash_password(&pw).expect("hash"),
            display_name: format!("{role} 담당자"),
            is_operator: false,
            agency_id: Some(agency.id.clone()),
            agency_role: Some(role.into()),
            active: true,
            created_at: self.now(),
            last_login_at: None,
        };
        accounts_store::insert_user(&mut conn, &user).expect("user");
        (agency, email, pw)
    }

    /// A verified business owner signing in with `password`, their profile adjusted by
    /// `adjust`. Returns (user id, email).
    pub fn owner_with(
        &self,
        password: &str,
        adjust: impl FnOnce(&mut jiwon::alerts::model::OwnerProfile),
    ) -> (String, String) {
        let mut conn = self.conn();
        let id = new_id();
        let email = format!("owner-{}@example.com", &id[id.len() - 8..]);
        accounts_store::insert_user(
            &mut conn,
            &User {
                id: id.clone(),
                email: email.clone(),
                password_hash: password::hash_password(password).expect("hash"),
                display_name: "울산 식당 사장".into(),
                is_operator: false,
                agency_id: None,
                agency_role: None,
                active: true,
                created_at: self.now(),
                last_login_at: None,
            },
        )
        .expect("user");
        let mut p = jiwon::alerts::model::OwnerProfile::new(&id, self.now());
        p.email_verified_at = Some(self.now());
        adjust(&mut p);
        jiwon::alerts::store::save_profile(&mut conn, &p).expect("profile");
        (id, email)
    }

    pub fn operator(&self) -> (String, String) {
        let mut conn = self.conn();
        let email = format!(
            "op-{}@jiwon.test",
            jiwon::ids::random_token(6).to_lowercase()
        );
        let pw = "operator password 1".to_string();
        let user = User {
            id: new_id(),
            email: email.clone(),
            password_hash: password::hash_password(&pw).expect("hash"),
            display_name: "운영자".into(),
            is_operator: true,
            agency_id: None,
            agency_role: None,
            active: true,
            created_at: self.now(),
            last_login_at: None,
        };
        accounts_store::insert_user(&mut conn, &user).expect("user");
        (email, pw)
    }

    /// Run the scheduler and worker once, as the background thread would.
    pub fn tick(&self) -> jiwon::worker::TickReport {
        jiwon::worker::tick(&self.state, "test-worker").expect("tick")
    }

    /// Rebuild the search index from the database (as `jiwon reindex` does).
    pub fn reindex(&self) -> usize {
        jiwon::search::service::reindex(&self.state, &mut |_| {}).expect("reindex")
    }

    pub fn import(&self, file: &str) -> jiwon::ingest::service::ImportSummary {
        jiwon::ingest::service::import_location(
            &self.state,
            "auto",
            file,
            &mut jiwon::ingest::service::Quiet,
        )
        .expect("import")
    }
}

impl Drop for TestApp {
    /// Like crates.io's `TestApp`: side effects the test caused but never ran are run now
    /// (one worker tick), then a test that leaves failed jobs it did not expect fails, and
    /// so does one whose due jobs the worker could not take. A forgotten side effect that
    /// breaks is seen, not left in the queue.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let stop = |h: actix_web::dev::ServerHandle| {
                std::thread::spawn(move || {
                    actix_web::rt::System::new().block_on(h.stop(false));
                });
            };
            let ran = jiwon::worker::tick(&self.state, "test-drop");
            let expected = self
                .failed_jobs_expected
                .load(std::sync::atomic::Ordering::Relaxed);
            let failed = if expected {
                Vec::new()
            } else {
                self.failed_jobs()
            };
            let unrun = self.unrun_jobs();
            if ran.is_err() || !failed.is_empty() || !unrun.is_empty() {
                stop(self.server.clone());
                panic!(
                    "the test left side effects behind: worker tick {ran:?}; {} failed job(s) it did not expect (call app.expect_failed_jobs() if it means to): {failed:?}; {} due job(s) the worker did not take: {unrun:?}",
                    failed.len(),
                    unrun.len()
                );
            }
        }
        let h = self.server.clone();
        std::thread::spawn(move || {
            let rt = actix_web::rt::System::new();
            rt.block_on(h.stop(false));
        });
    }
}

/// A valid announcement form for the console, with overrides.
pub fn announcement_form<'a>(
    csrf: &'a str,
    overrides: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf_token", csrf),
        ("title", "2027년 울산 소상공인 온라인 판로 지원사업"),
        ("summary", "울산 소상공인의 온라인 쇼핑몰 입점을 돕습니다."),
        ("body", "<p>지원 내용</p><script>alert(1)</script><p style=\"color:red\">상세</p>"),
        ("agency_role", "owner"),
        ("partner_agency", "울산경제일자리진흥원"),
        ("category", "내수"),
        ("subcategories", "온라인"),
        ("targets", "소상공인"),
        ("regions", "31"),
        ("window_kind", "dated"),
        ("apply_start", "2026-12-01"),
        ("apply_end", "2026-12-31"),
        ("apply_method", "external"),
        ("apply_url", "https://example.go.kr/apply"),
        ("contacts", "052-000-0000"),
        ("ksic_include", "56"),
        ("owner_age_min", "19"),
        ("sub_programs", "쇼핑몰 입점 | 100개사 | 300000000 | 입점 수수료\n라이브커머스 | 30개사 | 90000000 | 방송 제작"),
    ];
    for (k, v) in overrides {
        fields.retain(|(fk, _)| fk != k);
        if !v.is_empty() {
            fields.push((k, v));
        }
    }
    fields
}

/// Create an announcement through the console and return its id.
pub fn create_announcement(client: &Client, overrides: &[(&str, &str)]) -> String {
    let csrf = client.csrf("/console/announcements/new");
    let r = client.post_form(
        "/console/announcements",
        &announcement_form(&csrf, overrides),
    );
    assert_eq!(
        r.status,
        303,
        "create failed: {}",
        r.body.chars().take(2000).collect::<String>()
    );
    let loc = r.location().to_string();
    loc.trim_start_matches("/console/announcements/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Print a SKIPPED line the suite summary counts.
pub fn skip(reason: &str) {
    println!("SKIPPED: {reason}");
}

pub fn links_count(body: &str) -> usize {
    body.matches("class=\"ann-link\"").count()
}

/// The `<input>` tags of a page whose `name` (and, when given, `value`) match, with
/// entities decoded: what a browser would build its form controls from.
pub fn inputs(body: &str, name: &str, value: Option<&str>) -> Vec<String> {
    let text = html_escape::decode_html_entities(body).to_string();
    let tag = regex::Regex::new(r"(?s)<input\b[^>]*>").expect("regex");
    let attr = |t: &str, a: &str| -> Option<String> {
        regex::Regex::new(&format!(r#"\s{a}="([^"]*)""#))
            .expect("regex")
            .captures(t)
            .map(|c| c[1].to_string())
    };
    tag.find_iter(&text)
        .map(|m| m.as_str().to_string())
        .filter(|t| attr(t, "name").as_deref() == Some(name))
        .filter(|t| value.is_none() || attr(t, "value").as_deref() == value)
        .collect()
}

/// Whether the page has exactly one such checkbox or radio, and it is ticked.
#[track_caller]
pub fn is_checked(body: &str, name: &str, value: &str) -> bool {
    let found = inputs(body, name, Some(value));
    assert_eq!(found.len(), 1, "one input {name}={value}, found {found:?}");
    regex::Regex::new(r"\schecked\b")
        .expect("regex")
        .is_match(&found[0])
}

/// The `value` of the page's one `<input name=…>`.
#[track_caller]
pub fn input_value(body: &str, name: &str) -> String {
    let found = inputs(body, name, None);
    assert_eq!(found.len(), 1, "one input named {name}, found {found:?}");
    regex::Regex::new(r#"\svalue="([^"]*)""#)
        .expect("regex")
        .captures(&found[0])
        .map(|c| c[1].to_string())
        .unwrap_or_default()
}
