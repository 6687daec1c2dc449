//! Load measurement for issue 12: N owners (200 by default) apply AT ONCE to one portal
//! program, each uploading a distinct 1 MB PDF through the real upload form and
//! submitting; then nothing submitted may be missing from the database, the agency's
//! inbox or the agency's webhook receiver. Driven by `scripts/bench-apply.sh`, which
//! starts the release server and the receiver; three steps:
//!
//! ```text
//! apply_load seed  --out SEED.json --webhook URL --secret-file FILE [--owners 200]
//! apply_load run   --seed SEED.json --base http://127.0.0.1:PORT --receiver-log LOG
//!                  [--file-bytes 1048576] [--prep-threads 16] [--wait-secs 300]
//! ```
//!
//! `seed` writes straight into the database through the library (`JIWON_DATABASE_URL`,
//! `JIWON_SEARCH_DIR`, `JIWON_UPLOAD_DIR` from the environment, before the server
//! starts): the agency 중소벤처기업부 with an editor and a reviewer, one published
//! announcement open now that takes applications on the portal, its form (one hard
//! eligibility statement; a required short answer and a required PDF file question)
//! published as version 1, the agency's webhook pointing at the receiver (its secret
//! written to `--secret-file`), and N verified owners, each with a profile carrying a
//! distinct valid 사업자등록번호.
//!
//! `run`, over HTTP only, like a browser (cookies, CSRF tokens from the pages, no
//! redirects followed):
//! 1. untimed preparation, `--prep-threads` at a time: each owner signs in, starts the
//!    application (which creates the business from the profile), saves the eligibility
//!    and applicant steps and the short answer of the program step — the draft stands at
//!    the upload;
//! 2. the timed phase: N threads wait at one barrier, then each opens the program step
//!    (GET, the upload form's CSRF token), uploads its own 1 MB PDF (multipart POST, must
//!    redirect with `saved=1`) and submits with both consents (POST, must redirect to the
//!    receipt). One submission's latency is those three requests together;
//! 3. waits until every submitted application is routed and acknowledged by the receiver
//!    (or `--wait-secs`), then counts: submitted applications in the database (and that
//!    each has exactly its one file, same SHA-256 as sent, present on disk), the `routed`
//!    events, the agency inbox as a signed-in reviewer sees it, and the receiver's verified,
//!    acknowledged deliveries (distinct application ids). Prints `lost: 0` or what is
//!    missing where, and exits 1 if anything is lost or any submission failed.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use chrono::Duration as Days;
use diesel::prelude::*;
use jiwon::accounts::model::User;
use jiwon::accounts::{password, store as accounts_store, CurrentUser};
use jiwon::announcements::model::{Eligibility, WindowKind};
use jiwon::announcements::service::{self as ann_service, Content};
use jiwon::applications::form::{Kind, Question};
use jiwon::applications::{builder, webhooks};
use jiwon::clock::SystemClock;
use jiwon::config::{Config, Environment};
use jiwon::db::schema::{application_events, application_files, applications};
use jiwon::ids::{new_id, random_token};
use jiwon::web::form::Form;
use jiwon::AppState;
use serde::{Deserialize, Serialize};
use sha2::Digest;

const AGENCY: &str = "중소벤처기업부";
const TITLE: &str = "부하 측정용 온라인 판로 지원사업 (bench-apply)";

type Res<T> = Result<T, String>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("seed") => seed(&Opts::parse(&args[1..])),
        Some("run") => run(&Opts::parse(&args[1..])),
        _ => Err("usage: apply_load seed|run --option value … (see the file's header)".into()),
    };
    if let Err(e) = result {
        eprintln!("apply_load: {e}");
        std::process::exit(1);
    }
}

/// `--key value` pairs.
struct Opts(HashMap<String, String>);

impl Opts {
    fn parse(args: &[String]) -> Opts {
        let mut m = HashMap::new();
        let mut it = args.iter();
        while let Some(k) = it.next() {
            if let Some(key) = k.strip_prefix("--") {
                m.insert(key.to_string(), it.next().cloned().unwrap_or_default());
            }
        }
        Opts(m)
    }
    fn get(&self, k: &str) -> Res<String> {
        self.0.get(k).cloned().ok_or(format!("--{k} is required"))
    }
    fn num(&self, k: &str, default: usize) -> Res<usize> {
        match self.0.get(k) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("--{k} must be a number")),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Seed {
    announcement: String,
    agency: String,
    reviewer: String,
    staff_password: String,
    owner_password: String,
    owners: Vec<String>,
}

// --- seed ------------------------------------------------------------------------------

/// A valid 사업자등록번호 for `i` (the check digit of `alerts::profile`).
fn business_number(i: usize) -> String {
    let body = format!("{:03}{:02}{:04}", 500 + i / 10_000, 81, i % 10_000);
    let d: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
    const W: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = d.iter().zip(W).map(|(x, w)| x * w).sum();
    sum += d[8] * 5 / 10;
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn seed(o: &Opts) -> Res<()> {
    let out = PathBuf::from(o.get("out")?);
    let hook = o.get("webhook")?;
    let secret_file = PathBuf::from(o.get("secret-file")?);
    let n = o.num("owners", 200)?;
    let e = |x: jiwon::error::AppError| x.to_string();
    let config = Config::from_env(Environment::Development).map_err(e)?;
    let state = AppState::new(config, Arc::new(SystemClock)).map_err(e)?;
    let now = state.now();
    let mut conn = state.conn().map_err(e)?;
    let agency = accounts_store::agency_by_name_or_create(&mut conn, AGENCY, now).map_err(e)?;
    let staff_password = random_token(16);
    let staff_hash = password::hash_password(&staff_password).map_err(e)?;
    let mut staff = Vec::new();
    for (role, name) in [("editor", "이담당"), ("reviewer", "박검토")] {
        let user = User {
            id: new_id(),
            email: format!("{role}-{}@bench.jiwon.test", random_token(6).to_lowercase()),
            password_hash: staff_hash.clone(),
            display_name: name.into(),
            is_operator: false,
            agency_id: Some(agency.id.clone()),
            agency_role: Some(role.into()),
            active: true,
            created_at: now,
            last_login_at: None,
        };
        accounts_store::insert_user(&mut conn, &user).map_err(e)?;
        staff.push(user);
    }
    let editor = CurrentUser {
        user: staff[0].clone(),
        agency: Some(agency.clone()),
    };
    let today = jiwon::clock::kst_today(now);
    let content = Content {
        title: TITLE.into(),
        summary: "부하 측정: 200개 기업이 동시에 신청합니다.".into(),
        body_html: "<p>이 포털의 신청서로 접수합니다.</p>".into(),
        body_markdown: None,
        owner_agency_id: Some(agency.id.clone()),
        exec_agency_id: None,
        category: Some("내수".into()),
        subcategories: vec![],
        target_types: vec!["소상공인".into()],
        nationwide: true,
        region_codes: vec![],
        eligibility: Eligibility {
            employees_max: Some(10),
            ..Default::default()
        },
        window_kind: Some(WindowKind::Dated),
        apply_start: Some(jiwon::clock::start_of_kst_day(today - Days::days(1))),
        apply_end: Some(jiwon::clock::end_of_kst_day(today + Days::days(20))),
        window_note: None,
        apply_method: "external".into(),
        apply_url: Some("https://www.example.go.kr/".into()),
        apply_note: None,
        contacts: Some("044-000-0000".into()),
        sub_programs: vec![],
    };
    let a = ann_service::create(&mut conn, &content, false, &editor, now).map_err(e)?;
    ann_service::publish_now(&mut conn, &a.id, &editor, now).map_err(e)?;
    let a = jiwon::announcements::store::find(&mut conn, &a.id)
        .map_err(e)?
        .ok_or("announcement vanished")?;
    // The form: the starter's eligibility statement, a short answer and a required PDF.
    let mut schema = builder::starter(&a);
    let mut product = Question::new("product", Kind::ShortText, "판매할 대표 상품");
    product.required = true;
    product.max_chars = Some(50);
    let mut file = Question::new("plan_file", Kind::File, "사업계획서 (PDF)");
    file.required = true;
    file.max_files = Some(1);
    file.accept = vec!["pdf".into()];
    if let Some(s) = schema.sections.iter_mut().find(|s| s.key == "program") {
        s.questions = vec![product, file];
    }
    let settings = Form::from_pairs(
        vec![
            ("mode".into(), "portal".into()),
            ("supplement_days".into(), "7".into()),
        ],
        &[],
    );
    builder::save_settings(&mut conn, &a.id, &settings, now)
        .map_err(e)?
        .map_err(|x| format!("settings: {x:?}"))?;
    builder::change_draft(&mut conn, &a, Some(&staff[0].id), now, None, |s| {
        *s = schema;
        Ok(())
    })
    .map_err(e)?
    .map_err(|x| format!("form: {x:?}"))?;
    builder::publish(&mut conn, &a, now).map_err(e)?;
    let secret = webhooks::set_url(&mut conn, &SeedAs(agency.id.clone()), &hook, now)
        .map_err(e)?
        .ok_or("the agency already had a webhook")?;
    std::fs::write(&secret_file, &secret).map_err(|x| x.to_string())?;

    // N owners: one password hash for all (argon2 200 times would only slow the seeding).
    let owner_password = random_token(16);
    let owner_hash = password::hash_password(&owner_password).map_err(e)?;
    let mut owners = Vec::with_capacity(n);
    for i in 0..n {
        let id = new_id();
        let email = format!("owner{i:04}@bench.jiwon.test");
        accounts_store::insert_user(
            &mut conn,
            &User {
                id: id.clone(),
                email: email.clone(),
                password_hash: owner_hash.clone(),
                display_name: format!("대표 {i:04}"),
                is_operator: false,
                agency_id: None,
                agency_role: None,
                active: true,
                created_at: now,
                last_login_at: None,
            },
        )
        .map_err(e)?;
        let mut p = jiwon::alerts::model::OwnerProfile::new(&id, now);
        p.email_verified_at = Some(now);
        p.business_number = Some(business_number(i));
        p.business_name = format!("측정 상점 {i:04}");
        p.phone = Some(format!("010-{:04}-{:04}", 1000 + i / 10_000, i % 10_000));
        p.employees = Some(3);
        jiwon::alerts::store::save_profile(&mut conn, &p).map_err(e)?;
        owners.push(email);
    }
    let seed = Seed {
        announcement: a.id.clone(),
        agency: agency.id.clone(),
        reviewer: staff[1].email.clone(),
        staff_password,
        owner_password,
        owners,
    };
    std::fs::write(
        &out,
        serde_json::to_string_pretty(&seed).unwrap_or_default(),
    )
    .map_err(|x| x.to_string())?;
    eprintln!(
        "seeded: agency {AGENCY}, announcement {}, {n} owners with profiles, webhook {hook}",
        a.id
    );
    Ok(())
}

// --- HTTP --------------------------------------------------------------------------------

/// A browser: its own cookies, redirects not followed.
struct Browser {
    base: String,
    agent: ureq::Agent,
}

struct Page {
    status: u16,
    location: String,
    body: String,
}

impl Browser {
    fn new(base: &str) -> Browser {
        Browser {
            base: base.trim_end_matches('/').to_string(),
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(300))
                .build(),
        }
    }

    fn finish(r: Result<ureq::Response, ureq::Error>) -> Res<Page> {
        let r = match r {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(format!("transport: {e}")),
        };
        let status = r.status();
        let location = r.header("location").unwrap_or("").to_string();
        let mut body = String::new();
        r.into_reader()
            .take(4 << 20)
            .read_to_string(&mut body)
            .map_err(|e| format!("body: {e}"))?;
        Ok(Page {
            status,
            location,
            body,
        })
    }

    fn get(&self, path: &str) -> Res<Page> {
        Self::finish(self.agent.get(&format!("{}{path}", self.base)).call())
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Res<Page> {
        Self::finish(
            self.agent
                .post(&format!("{}{path}", self.base))
                .send_form(fields),
        )
    }

    fn post_file(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        name: &str,
        bytes: &[u8],
    ) -> Res<Page> {
        let boundary = format!("----jiwonBench{}", random_token(16));
        let mut body = Vec::with_capacity(bytes.len() + 1024);
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Self::finish(
            self.agent
                .post(&format!("{}{path}", self.base))
                .set(
                    "Content-Type",
                    &format!("multipart/form-data; boundary={boundary}"),
                )
                .send_bytes(&body),
        )
    }

    /// The CSRF token of the page at `path` (the first form's).
    fn csrf(&self, path: &str) -> Res<String> {
        let page = self.get(path)?;
        if page.status != 200 {
            return Err(format!("GET {path}: {}", page.status));
        }
        token(&page.body).ok_or(format!("no csrf_token on {path}"))
    }

    fn login(&self, email: &str, pw: &str, next: &str) -> Res<()> {
        let t = self.csrf("/login")?;
        let r = self.post(
            "/login",
            &[
                ("email", email),
                ("password", pw),
                ("csrf_token", &t),
                ("next", next),
            ],
        )?;
        if r.status != 303 && r.status != 302 {
            return Err(format!("login {email}: {} {}", r.status, snippet(&r.body)));
        }
        Ok(())
    }
}

fn token(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

fn snippet(body: &str) -> String {
    // The page's text from its main part (the message a person would read), briefly.
    let from = body.find("<main").unwrap_or(0);
    let mut text = String::new();
    let mut in_tag = false;
    for c in body[from..].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(160)
        .collect()
}

/// A distinct PDF of `size` bytes for owner `i` (a valid header, so the upload's content
/// sniffing accepts it; the rest is owner-specific filler).
fn pdf(i: usize, size: usize) -> Vec<u8> {
    let mut v = format!("%PDF-1.4\n% jiwon bench owner {i}\n").into_bytes();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1);
    while v.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.push(b'0' + (x % 64) as u8);
    }
    v.truncate(size);
    v
}

fn sha_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An owner signed in with their draft standing at the upload.
struct Prepared {
    i: usize,
    browser: Browser,
    app: String,
}

fn prepare(base: &str, seed: &Seed, i: usize) -> Res<Prepared> {
    let b = Browser::new(base);
    let email = &seed.owners[i];
    b.login(email, &seed.owner_password, "/me/applications")?;
    let start = format!("/announcements/{}/apply", seed.announcement);
    let t = b.csrf(&start)?;
    let r = b.post(&start, &[("csrf_token", &t)])?;
    let app = r
        .location
        .strip_prefix("/me/applications/")
        .map(String::from)
        .filter(|_| r.status == 303)
        .ok_or(format!("start {email}: {} {}", r.status, snippet(&r.body)))?;
    let path = format!("/me/applications/{app}");
    // Step 1: the eligibility statement.
    let t = b.csrf(&format!("{path}?step=1"))?;
    let r = b.post(
        &path,
        &[
            ("csrf_token", &t),
            ("step", "1"),
            ("q.elig_employees_max", "yes"),
        ],
    )?;
    if r.status != 303 {
        return Err(format!("step 1 {email}: {} {}", r.status, snippet(&r.body)));
    }
    // Step 2: the applicant section as prefilled, with an address and industry.
    let t = b.csrf(&format!("{path}?step=2"))?;
    let phone = format!("010-{:04}-{:04}", 1000 + i / 10_000, i % 10_000);
    let rep = format!("대표 {i:04}");
    let r = b.post(
        &path,
        &[
            ("csrf_token", &t),
            ("step", "2"),
            ("a.representative", &rep),
            ("a.phone", &phone),
            ("a.address", "울산광역시 남구"),
            ("a.industry", "한식 음식점업 (56111)"),
            ("a.founded_on", "2021-03-15"),
            ("a.employees", "3"),
        ],
    )?;
    if r.status != 303 {
        return Err(format!("step 2 {email}: {} {}", r.status, snippet(&r.body)));
    }
    // Step 3's short answer; the required file is still missing, so the page answers
    // 200 with that one message (the answer itself is saved).
    let t = b.csrf(&format!("{path}?step=3"))?;
    let r = b.post(
        &path,
        &[
            ("csrf_token", &t),
            ("step", "3"),
            ("q.product", "수제 돼지국밥 밀키트"),
        ],
    )?;
    if r.status != 303 && r.status != 200 && r.status != 422 {
        return Err(format!("step 3 {email}: {} {}", r.status, snippet(&r.body)));
    }
    Ok(Prepared { i, browser: b, app })
}

struct Outcome {
    app: String,
    sha: String,
    total: Duration,
    upload: Duration,
    submit: Duration,
    error: Option<String>,
}

/// The timed part of one applicant: open the program step, upload, submit.
fn apply(p: &Prepared, file: &[u8], barrier: &Barrier) -> Outcome {
    let mut out = Outcome {
        app: p.app.clone(),
        sha: sha_hex(file),
        total: Duration::ZERO,
        upload: Duration::ZERO,
        submit: Duration::ZERO,
        error: None,
    };
    let path = format!("/me/applications/{}", p.app);
    barrier.wait();
    let t0 = Instant::now();
    let result = (|| -> Res<()> {
        let t = p.browser.csrf(&format!("{path}?step=3"))?;
        let u0 = Instant::now();
        let r = p.browser.post_file(
            &format!("{path}/files"),
            &[("csrf_token", &t), ("question", "plan_file")],
            &format!("사업계획서-{:04}.pdf", p.i),
            file,
        )?;
        out.upload = u0.elapsed();
        if r.status != 303 || !r.location.contains("saved=1") {
            return Err(format!(
                "upload: {} {}{}",
                r.status,
                urlencoding::decode(&r.location).unwrap_or_default(),
                snippet(&r.body)
            ));
        }
        let s0 = Instant::now();
        let r = p.browser.post(
            &format!("{path}/submit"),
            &[
                ("csrf_token", &t),
                ("consent_privacy", "yes"),
                ("consent_third", "yes"),
            ],
        )?;
        out.submit = s0.elapsed();
        if r.status != 303 || !r.location.ends_with("/receipt") {
            return Err(format!("submit: {} {}", r.status, snippet(&r.body)));
        }
        Ok(())
    })();
    out.total = t0.elapsed();
    out.error = result.err();
    out
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn line(name: &str, mut v: Vec<Duration>) -> String {
    v.sort();
    format!(
        "{name:<28} p50 {:>8.1} ms  p95 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms",
        pct(&v, 50.0),
        pct(&v, 95.0),
        pct(&v, 99.0),
        pct(&v, 100.0)
    )
}

// --- run ---------------------------------------------------------------------------------

fn run(o: &Opts) -> Res<()> {
    let seed: Seed = serde_json::from_str(
        &std::fs::read_to_string(o.get("seed")?).map_err(|e| format!("seed file: {e}"))?,
    )
    .map_err(|e| format!("seed file: {e}"))?;
    let base = o.get("base")?;
    let receiver_log = PathBuf::from(o.get("receiver-log")?);
    let size = o.num("file-bytes", 1 << 20)?;
    let prep_threads = o.num("prep-threads", 16)?.max(1);
    let wait_secs = o.num("wait-secs", 300)? as u64;
    let n = seed.owners.len();

    // 1. Preparation (untimed).
    let t = Instant::now();
    let next = AtomicUsize::new(0);
    let ready: Mutex<Vec<Prepared>> = Mutex::new(Vec::with_capacity(n));
    let failed: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..prep_threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    break;
                }
                match prepare(&base, &seed, i) {
                    Ok(p) => ready.lock().expect("lock").push(p),
                    Err(e) => failed.lock().expect("lock").push(e),
                }
                let done = ready.lock().expect("lock").len();
                if done.is_multiple_of(50) && done > 0 {
                    eprintln!("    prepared {done}/{n}");
                }
            });
        }
    });
    let ready = ready.into_inner().expect("lock");
    let failed = failed.into_inner().expect("lock");
    println!(
        "prepared {}/{n} drafts (signed in, eligibility, applicant, short answer) in {:.1}s",
        ready.len(),
        t.elapsed().as_secs_f64()
    );
    for f in failed.iter().take(5) {
        println!("  preparation failed: {f}");
    }
    if ready.is_empty() {
        return Err("no draft could be prepared".into());
    }

    // 2. The timed phase: everyone at once.
    let files: Vec<Vec<u8>> = ready.iter().map(|p| pdf(p.i, size)).collect();
    let barrier = Barrier::new(ready.len() + 1);
    let outcomes: Vec<Outcome>;
    let wall;
    {
        let barrier = &barrier;
        let (outs, w) = std::thread::scope(|s| {
            let handles: Vec<_> = ready
                .iter()
                .zip(&files)
                .map(|(p, f)| {
                    std::thread::Builder::new()
                        .stack_size(256 * 1024)
                        .spawn_scoped(s, move || apply(p, f, barrier))
                        .expect("thread")
                })
                .collect();
            barrier.wait();
            let t0 = Instant::now();
            let outs: Vec<Outcome> = handles
                .into_iter()
                .map(|h| h.join().expect("client thread"))
                .collect();
            (outs, t0.elapsed())
        });
        outcomes = outs;
        wall = w;
    }
    let ok: Vec<&Outcome> = outcomes.iter().filter(|o| o.error.is_none()).collect();
    let errors: Vec<&Outcome> = outcomes.iter().filter(|o| o.error.is_some()).collect();
    println!();
    println!(
        "timed phase: {} applicants at once, each GET step 3 + upload {} KiB PDF (multipart) + submit",
        outcomes.len(),
        size / 1024
    );
    println!(
        "submitted {} in {:.2}s wall: {:.1} submissions/s; errors {}",
        ok.len(),
        wall.as_secs_f64(),
        ok.len() as f64 / wall.as_secs_f64(),
        errors.len() + failed.len()
    );
    println!(
        "{}",
        line(
            "latency (step+upload+submit)",
            ok.iter().map(|o| o.total).collect()
        )
    );
    println!(
        "{}",
        line("  upload POST", ok.iter().map(|o| o.upload).collect())
    );
    println!(
        "{}",
        line("  submit POST", ok.iter().map(|o| o.submit).collect())
    );
    let mut kinds: HashMap<String, usize> = HashMap::new();
    for e in &errors {
        let msg = e.error.clone().unwrap_or_default();
        *kinds.entry(msg.chars().take(160).collect()).or_default() += 1;
    }
    for (k, c) in &kinds {
        println!("  error ×{c}: {k}");
    }

    // 3. Nothing lost: wait for routing and the receiver, then count.
    let sent: BTreeSet<String> = ok.iter().map(|o| o.app.clone()).collect();
    let sha_of: HashMap<String, String> =
        ok.iter().map(|o| (o.app.clone(), o.sha.clone())).collect();
    let url = std::env::var("JIWON_DATABASE_URL").map_err(|_| "JIWON_DATABASE_URL unset")?;
    let pool = jiwon::db::connect(&url, 2).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let t = Instant::now();
    let mut all_routed: Option<Duration> = None;
    let (db_ids, routed, hooked, unknown) = loop {
        let rows: Vec<(String, Option<String>)> = applications::table
            .filter(applications::announcement_id.eq(&seed.announcement))
            .filter(applications::status.eq("submitted"))
            .select((applications::id, applications::receipt_no))
            .load(&mut conn)
            .map_err(|e| e.to_string())?;
        let db_ids: BTreeSet<String> = rows.iter().map(|r| r.0.clone()).collect();
        let by_receipt: HashMap<String, String> = rows
            .into_iter()
            .filter_map(|(id, r)| r.map(|r| (r, id)))
            .collect();
        let routed: BTreeSet<String> = application_events::table
            .inner_join(applications::table)
            .filter(applications::announcement_id.eq(&seed.announcement))
            .filter(application_events::kind.eq("routed"))
            .select(application_events::application_id)
            .load::<String>(&mut conn)
            .map_err(|e| e.to_string())?
            .into_iter()
            .collect();
        // The webhook's body names the application by its receipt number (its `id` is
        // the delivery's).
        let receipts = receiver_receipts(&receiver_log);
        let hooked: BTreeSet<String> = receipts
            .iter()
            .filter_map(|r| by_receipt.get(r).cloned())
            .collect();
        let unknown = receipts.len() - hooked.len();
        if all_routed.is_none() && db_ids.iter().all(|id| routed.contains(id)) {
            all_routed = Some(t.elapsed());
        }
        let done = db_ids
            .iter()
            .all(|id| routed.contains(id) && hooked.contains(id));
        if done || t.elapsed() > Duration::from_secs(wait_secs) {
            break (db_ids, routed, hooked, unknown);
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    println!();
    println!(
        "all routed (inbox email queued, `routed` event) {} after the last submission; all acknowledged by the webhook receiver {:.1}s after (the receiver answers 500 to its first request: that delivery waits for the queue's 30 s retry)",
        all_routed
            .map(|d| format!("{:.1}s", d.as_secs_f64()))
            .unwrap_or_else(|| "NOT".into()),
        t.elapsed().as_secs_f64()
    );
    // The files: one row per application, the bytes sent, on disk.
    let files: Vec<(String, String, i64, String)> = application_files::table
        .inner_join(applications::table)
        .filter(applications::announcement_id.eq(&seed.announcement))
        .select((
            application_files::application_id,
            application_files::sha256,
            application_files::size_bytes,
            application_files::stored_name,
        ))
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
    let upload_dir = PathBuf::from(std::env::var("JIWON_UPLOAD_DIR").unwrap_or_default());
    let mut file_ok: BTreeSet<String> = BTreeSet::new();
    let mut file_count: HashMap<String, usize> = HashMap::new();
    for (app, sha, bytes, stored) in &files {
        *file_count.entry(app.clone()).or_default() += 1;
        let on_disk = std::fs::metadata(upload_dir.join(stored))
            .map(|m| m.len() as i64 == *bytes)
            .unwrap_or(false);
        if sha_of.get(app) == Some(sha) && *bytes as usize == size && on_disk {
            file_ok.insert(app.clone());
        }
    }
    let file_ok: BTreeSet<String> = file_ok
        .into_iter()
        .filter(|a| file_count.get(a) == Some(&1))
        .collect();
    // The inbox, as the agency's reviewer sees it.
    let reviewer = Browser::new(&base);
    reviewer.login(&seed.reviewer, &seed.staff_password, "/console")?;
    let inbox = reviewer.get(&format!(
        "/console/applications?program={}",
        seed.announcement
    ))?;
    if inbox.status != 200 {
        return Err(format!("inbox: {}", inbox.status));
    }
    let inbox_ids = inbox_ids(&inbox.body);
    let caption = inbox
        .body
        .split("신청서 ")
        .nth(1)
        .and_then(|s| s.split('건').next())
        .unwrap_or("?")
        .to_string();

    println!("counts (program {}):", seed.announcement);
    println!("  submissions answered with a receipt     {}", sent.len());
    println!("  submitted in the database               {}", db_ids.len());
    println!(
        "  with their one file (same SHA-256, on disk) {}",
        file_ok.len()
    );
    println!("  routed (event)                          {}", routed.len());
    println!(
        "  agency inbox (reviewer, over HTTP)      {} (caption: 신청서 {caption}건)",
        inbox_ids.len()
    );
    println!(
        "  webhook receiver, verified + acked      {} (distinct receipt numbers)",
        hooked.len()
    );
    let mut lost = 0usize;
    let mut missing = |what: &str, from: &BTreeSet<String>, to: &BTreeSet<String>| {
        let gone: Vec<&String> = from.difference(to).collect();
        if !gone.is_empty() {
            lost += gone.len();
            println!(
                "  MISSING {} {what}: {}",
                gone.len(),
                gone.iter()
                    .take(5)
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    };
    missing(
        "receipted but not submitted in the database",
        &sent,
        &db_ids,
    );
    missing("submitted but not answered to the client", &db_ids, &sent);
    missing("without their file intact", &db_ids, &file_ok);
    missing("not routed", &db_ids, &routed);
    missing("not in the agency inbox", &db_ids, &inbox_ids);
    missing("not delivered to the webhook receiver", &db_ids, &hooked);
    missing("in the inbox but not in the database", &inbox_ids, &db_ids);
    if unknown > 0 {
        println!("  the receiver got {unknown} receipt number(s) the database does not have");
    }
    let lost = lost + unknown;
    println!("lost: {lost}");
    let failures = errors.len() + failed.len();
    if lost > 0 || failures > 0 {
        return Err(format!("{lost} lost, {failures} failed submissions"));
    }
    Ok(())
}

/// Distinct receipt numbers the receiver verified and acknowledged (answered 200).
fn receiver_receipts(log: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["verified"] == true && v["answered"] == 200)
        .filter_map(|v| v["body"]["receipt_no"].as_str().map(String::from))
        .collect()
}

/// The application ids linked from the inbox table's rows.
fn inbox_ids(html: &str) -> BTreeSet<String> {
    let body = html.split("<tbody>").nth(1).unwrap_or("");
    body.split("href=\"/console/applications/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(String::from)
        .collect()
}

/// The seeding acting for the agency (the audit log names it).
struct SeedAs(String);

impl jiwon::audit::Actor for SeedAs {
    fn actor_id(&self) -> &str {
        "bench-apply"
    }
    fn actor_label(&self) -> String {
        "신청 벤치 준비".into()
    }
    fn agency_id(&self) -> Option<&str> {
        Some(&self.0)
    }
}
