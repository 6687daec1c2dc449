//! `jiwon demo`: a fresh embedded database with all the shipped real data imported, a
//! demo agency with staff accounts and a sample business owner (credentials printed),
//! served at once.

use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, Months};
use diesel::Connection;

use crate::accounts::model::User;
use crate::accounts::{password, store as accounts_store, CurrentUser};
use crate::alerts::criteria::Criteria;
use crate::alerts::profile::profile_criteria;
use crate::alerts::store as alerts_store;
use crate::announcements::model::WindowKind;
use crate::announcements::service::{self, Content, SubProgramInput};
use crate::announcements::store::{self as ann_store, ListFilter};
use crate::db::Backend;
use crate::error::{AppError, AppResult};
use crate::ids::{new_id, random_token};
use crate::ingest::service::{import_location, Terminal};
use crate::owners;
use crate::web::form::Form;
use crate::AppState;

/// The agency whose staff the demo signs in as: a real 소관기관 in the shipped data.
pub const DEMO_AGENCY: &str = "중소벤처기업부";

pub fn data_dir() -> PathBuf {
    std::env::var("JIWON_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data")))
}

pub fn data_files() -> Vec<PathBuf> {
    vec![
        data_dir().join("bizinfo_2026.json"),
        data_dir().join("kstartup_2026.json"),
    ]
}

/// The demo's own database and search index, used when none is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://var/demo.db";
pub const DEFAULT_SEARCH_DIR: &str = "var/demo-search";

/// Where the demo may write, decided before anything is touched. The demo wipes and
/// fills its database, so it runs only on one it creates itself: its own
/// `sqlite://var/demo.db` (deleted and made again), or an explicit `JIWON_DATABASE_URL`
/// that is empty (no tables); the same for its search index (its own
/// `var/demo-search`, or an explicit `JIWON_SEARCH_DIR` that is empty or absent).
/// Never in production. Returns the database URL and the search directory.
pub fn claim_stores(
    production: bool,
    database_url: Option<&str>,
    search_dir: Option<&str>,
) -> AppResult<(String, PathBuf)> {
    if production {
        return Err(AppError::Config(
            "데모는 운영 환경(JIWON_ENV=production)에서 실행하지 않습니다. / `jiwon demo` does not run with JIWON_ENV=production."
                .into(),
        ));
    }
    // Every check before anything is removed or created.
    if let Some(url) = database_url {
        let tables = crate::db::table_count(url)?;
        if tables > 0 {
            return Err(AppError::Config(format!(
                "데모는 비어 있는 데이터베이스에만 씁니다: JIWON_DATABASE_URL에 이미 테이블이 {tables}개 있어 아무것도 바꾸지 않았습니다. JIWON_DATABASE_URL을 비우면 데모 전용 {DEFAULT_DATABASE_URL}을 씁니다. / The demo writes only into an empty database: JIWON_DATABASE_URL already has {tables} tables; nothing was changed. Unset it to use the demo's own {DEFAULT_DATABASE_URL}."
            )));
        }
    }
    if let Some(d) = search_dir {
        let used = std::fs::read_dir(d)
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(false);
        if used {
            return Err(AppError::Config(format!(
                "데모는 비어 있는 검색 색인 폴더에만 씁니다: {d}에 이미 파일이 있어 아무것도 바꾸지 않았습니다. / The demo writes only into an empty search directory: {d} is not empty; nothing was changed."
            )));
        }
    }
    // The demo's own stores start fresh.
    let url = match database_url {
        Some(url) => url.to_string(),
        None => {
            remove_sqlite(DEFAULT_DATABASE_URL)?;
            DEFAULT_DATABASE_URL.to_string()
        }
    };
    let dir = match search_dir {
        Some(d) => PathBuf::from(d),
        None => {
            let dir = PathBuf::from(DEFAULT_SEARCH_DIR);
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(|e| {
                    AppError::Config(format!("cannot remove {}: {e}", dir.display()))
                })?;
            }
            dir
        }
    };
    Ok((url, dir))
}

/// Remove an SQLite database file (and its WAL) so the demo starts fresh.
pub fn remove_sqlite(url: &str) -> AppResult<()> {
    if let Backend::Sqlite(path) = Backend::from_url(url) {
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{path}{suffix}");
            if Path::new(&p).exists() {
                std::fs::remove_file(&p)
                    .map_err(|e| AppError::Config(format!("cannot remove {p}: {e}")))?;
            }
        }
    }
    Ok(())
}

pub struct DemoAccount {
    pub email: String,
    pub password: String,
    pub role: String,
}

impl std::fmt::Display for DemoAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<26} {:<16} ({})",
            self.email, self.password, self.role
        )
    }
}

/// What `populate` made, to print.
pub struct Demo {
    pub staff: Vec<DemoAccount>,
    /// The sample business owner, with a line describing their profile and alerts.
    pub owner: Option<(DemoAccount, String)>,
}

/// The demo program that takes applications on this portal (every question kind).
pub const DEMO_PORTAL_PROGRAM: &str = "2027년 소상공인 온라인 판로 바우처 (데모: 이 포털에서 신청)";

/// The demo program's form: the starter eligibility section (상시 근로자 10명 이하, a
/// hard yes) and a section with every question kind, a condition among them; published
/// as version 1, the program set to take applications here.
pub fn demo_form(
    conn: &mut crate::db::DbConnection,
    a: &crate::announcements::model::Announcement,
    by: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    use crate::applications::builder;
    use crate::applications::form::{Column, Kind, Question, ShowIf};
    let mut schema = builder::starter(a);
    let q = |key: &str, kind: Kind, label: &str, required: bool| {
        let mut q = Question::new(key, kind, label);
        q.required = required;
        q
    };
    let mut name = q("product", Kind::ShortText, "판매할 대표 상품", true);
    name.max_chars = Some(50);
    let mut plan = q("plan", Kind::LongText, "판로 개척 계획", true);
    plan.max_chars = Some(1000);
    plan.help = "어디에, 무엇을, 어떻게 팔지 적어 주세요.".into();
    let mut items = q("sku_count", Kind::Number, "판매 상품 수", false);
    (items.min, items.max) = (Some(1), Some(10_000));
    let mut budget = q("budget", Kind::Money, "신청 금액(원)", true);
    (budget.min, budget.max) = (Some(100_000), Some(5_000_000));
    let start = q("start_on", Kind::Date, "사업 시작 예정일", false);
    let mut channel = q("channel", Kind::SingleChoice, "주 판매 채널", true);
    channel.options = vec![
        "온라인 쇼핑몰".into(),
        "라이브커머스".into(),
        "오프라인 매장".into(),
    ];
    let mut mall = q(
        "malls",
        Kind::MultipleChoice,
        "입점했거나 입점할 쇼핑몰",
        true,
    );
    mall.options = vec![
        "스마트스토어".into(),
        "쿠팡".into(),
        "11번가".into(),
        "자사몰".into(),
    ];
    mall.show_if = Some(ShowIf {
        question: "channel".into(),
        equals: "온라인 쇼핑몰".into(),
    });
    let before = q(
        "supported_before",
        Kind::YesNo,
        "최근 3년 안에 비슷한 지원을 받았습니다",
        true,
    );
    let mut file = q("plan_file", Kind::File, "사업계획서 (PDF·HWP)", false);
    file.max_files = Some(2);
    file.accept = vec!["pdf".into(), "hwp".into(), "hwpx".into()];
    let mut sales = q("sales", Kind::Table, "최근 3년 매출", false);
    sales.columns = vec![
        Column {
            key: "year".into(),
            label: "연도".into(),
            kind: Kind::Number,
        },
        Column {
            key: "amount".into(),
            label: "매출".into(),
            kind: Kind::Money,
        },
    ];
    sales.max_rows = Some(3);
    sales.bank_key = Some("sales_3y".into());
    if let Some(s) = schema.sections.iter_mut().find(|s| s.key == "program") {
        s.questions = vec![
            name, plan, items, budget, start, channel, mall, before, file, sales,
        ];
    }
    let settings = Form::from_pairs(
        vec![
            ("mode".into(), "portal".into()),
            ("supplement_days".into(), "7".into()),
            ("show_count".into(), "yes".into()),
        ],
        &[],
    );
    builder::save_settings(conn, &a.id, &settings, now)?
        .map_err(|e| AppError::Internal(format!("demo settings: {e:?}")))?;
    builder::change_draft(conn, a, Some(by), now, None, |s| {
        *s = schema;
        Ok(())
    })?
    .map_err(|e| AppError::Internal(format!("demo form: {e:?}")))?;
    builder::publish(conn, a, now)?;
    Ok(())
}

/// The sample business owner's address.
pub const DEMO_OWNER: &str = "owner@demo.jiwon.kr";

/// Import the shipped data, create the demo staff and the sample owner.
pub fn populate(state: &AppState) -> AppResult<Demo> {
    for file in data_files() {
        let loc = file.to_string_lossy().to_string();
        let summary = import_location(state, "auto", &loc, &mut Terminal)?;
        eprintln!("{}", summary.line());
    }
    let started = std::time::Instant::now();
    let n = crate::search::service::reindex(state, &mut |_| {})?;
    eprintln!(
        "검색 색인: 문서 {n}건 ({:.1}초, {})",
        started.elapsed().as_secs_f64(),
        state.search.name()
    );
    let now = state.now();
    let mut conn = state.conn()?;
    let agency = accounts_store::agency_by_name_or_create(&mut conn, DEMO_AGENCY, now)?;
    let mut accounts = Vec::new();
    for (email, name, role, operator) in [
        ("admin@demo.jiwon.kr", "김관리", Some("admin"), false),
        ("editor@demo.jiwon.kr", "이담당", Some("editor"), false),
        ("reviewer@demo.jiwon.kr", "박검토", Some("reviewer"), false),
        ("operator@demo.jiwon.kr", "최운영", None, true),
    ] {
        let pw = random_token(14);
        let user = User {
            id: new_id(),
            email: email.into(),
            password_hash: password::hash_password(&pw)?,
            display_name: name.into(),
            is_operator: operator,
            agency_id: role.map(|_| agency.id.clone()),
            agency_role: role.map(String::from),
            active: true,
            created_at: now,
            last_login_at: None,
        };
        if accounts_store::find_user_by_email(&mut conn, email)?.is_none() {
            accounts_store::insert_user(&mut conn, &user)?;
            accounts.push(DemoAccount {
                email: email.into(),
                password: pw,
                role: role.unwrap_or("operator").into(),
            });
        }
    }
    // One draft for the console, so an editor has something to schedule.
    if let Some(editor) = accounts_store::find_user_by_email(&mut conn, "editor@demo.jiwon.kr")? {
        let actor = CurrentUser {
            user: editor,
            agency: Some(agency.clone()),
        };
        let today = crate::clock::kst_today(now);
        let content = Content {
            title: "2027년 소상공인 온라인 판로 지원사업 참여기업 모집 (데모 초안)".into(),
            summary: "온라인 쇼핑몰 입점, 라이브커머스, 상세페이지 제작을 지원합니다.".into(),
            body_html: "<p>소상공인의 온라인 판로 개척을 위해 아래와 같이 참여기업을 모집합니다.</p><ul><li>온라인 쇼핑몰 입점 지원</li><li>라이브커머스 방송 지원</li></ul>".into(),
            body_markdown: None,
            owner_agency_id: Some(agency.id.clone()),
            exec_agency_id: None,
            category: Some("내수".into()),
            subcategories: vec!["온라인".into()],
            target_types: vec!["소상공인".into()],
            nationwide: true,
            region_codes: vec![],
            eligibility: Default::default(),
            window_kind: Some(WindowKind::Dated),
            apply_start: Some(crate::clock::start_of_kst_day(today + Duration::days(7))),
            apply_end: Some(crate::clock::end_of_kst_day(today + Duration::days(30))),
            window_note: None,
            apply_method: "external".into(),
            apply_url: Some("https://www.sbiz24.kr/".into()),
            apply_note: Some("온라인 접수".into()),
            contacts: Some("소상공인 통합콜센터 1357".into()),
            sub_programs: vec![
                SubProgramInput { name: "쇼핑몰 입점 지원".into(), scale: "1,000개사".into(), budget_won: Some(3_000_000_000), description: "입점 수수료·광고비".into() },
                SubProgramInput { name: "라이브커머스".into(), scale: "300개사".into(), budget_won: Some(900_000_000), description: "방송 제작비".into() },
            ],
        };
        service::create(&mut conn, &content, false, &actor, now)?;
        // One published program whose window opens in three days (KST): the real data
        // has none, and 접수 예정 should show what it means (badge "접수 시작 D-3", a
        // disabled "M월 D일부터 신청").
        let later = Content {
            title: "2027년 소상공인 경영환경 개선 지원사업 참여자 모집 (데모: 접수 예정)".into(),
            summary:
                "간판·인테리어 교체와 위생 설비 개선 비용을 업체당 최대 300만 원까지 지원합니다."
                    .into(),
            body_html: "<p>접수 시작 전 공고입니다. 접수 기간에 아래 누리집에서 신청하세요.</p>"
                .into(),
            category: Some("경영".into()),
            subcategories: vec![],
            apply_start: Some(crate::clock::start_of_kst_day(today + Duration::days(3))),
            apply_end: Some(crate::clock::end_of_kst_day(today + Duration::days(24))),
            apply_note: None,
            contacts: Some("소상공인 통합콜센터 1357-0000".into()),
            sub_programs: vec![],
            ..content
        };
        let upcoming = service::create(&mut conn, &later, false, &actor, now)?;
        service::publish_now(&mut conn, &upcoming.id, &actor, now)?;
        // One program that takes applications on this portal, open now, its form using
        // every question kind: apply as the demo owner, review as the demo reviewer.
        let portal = Content {
            title: DEMO_PORTAL_PROGRAM.into(),
            summary: "온라인 판로 개척 비용을 업체당 최대 500만 원까지 지원합니다. 이 포털에서 신청합니다."
                .into(),
            body_html: "<p>이 포털의 신청서로 접수합니다. 자격 확인부터 차례로 답해 주세요.</p>"
                .into(),
            eligibility: crate::announcements::model::Eligibility {
                employees_max: Some(10),
                ..Default::default()
            },
            apply_start: Some(crate::clock::start_of_kst_day(today - Duration::days(1))),
            apply_end: Some(crate::clock::end_of_kst_day(today + Duration::days(20))),
            apply_note: None,
            contacts: Some("중소벤처기업부 데모 담당 044-000-0000".into()),
            sub_programs: vec![],
            ..later.clone()
        };
        let program = service::create(&mut conn, &portal, false, &actor, now)?;
        service::publish_now(&mut conn, &program.id, &actor, now)?;
        demo_form(&mut conn, &program, &actor.user.id, now)?;
        eprintln!("신청 데모 공고 (이 포털에서 신청): {DEMO_PORTAL_PROGRAM}");
    }
    drop(conn);
    // The imports queued a match job for every published announcement. Run them before
    // the owner exists: they signed up after those were published, so their alerts are
    // about what is published from now on, not a burst of the whole import.
    let ran = crate::worker::tick(state, "demo")?;
    eprintln!("예약 작업 {}건 처리", ran.ran);
    let owner = demo_owner(state)?;
    Ok(Demo {
        staff: accounts,
        owner,
    })
}

/// A verified owner of a small 한식 restaurant in 울산 남구, with a business profile,
/// three subscriptions and a bookmark, made through the functions the owner pages use.
/// `None` when the address already has an account.
fn demo_owner(state: &AppState) -> AppResult<Option<(DemoAccount, String)>> {
    let now = state.now();
    let mut conn = state.conn()?;
    if accounts_store::find_user_by_email(&mut conn, DEMO_OWNER)?.is_some() {
        return Ok(None);
    }
    let pw = random_token(14);
    let hash = password::hash_password(&pw)?;
    let user = conn.transaction(|conn| {
        let user = owners::insert_owner(conn, DEMO_OWNER, hash, "정미숙".into(), now)?;
        owners::mark_verified(conn, &user.id, now)?;
        Ok::<_, AppError>(user)
    })?;

    let today = crate::clock::kst_today(now);
    let founded = today
        .checked_sub_months(Months::new(40))
        .unwrap_or(today)
        .with_day(1)
        .unwrap_or(today);
    let mut form = Form::default();
    for (k, v) in [
        ("business_number", "610-25-47329".to_string()),
        ("business_name", "미숙이네 돼지국밥".into()),
        ("ksic_code", "56111".into()),
        ("region_code", "31140".into()),
        ("founded_on", founded.to_string()),
        ("employees", "3".into()),
        ("revenue_band", "100m_500m".into()),
        ("sole_proprietor", "sole".into()),
        ("birth_year", "1978".into()),
        ("gender", "female".into()),
        ("digest_hour", "8".into()),
        ("daily_cap", "20".into()),
    ] {
        form.v.insert(k.into(), v);
    }
    form.m
        .insert("reminder_days".into(), vec!["7".into(), "1".into()]);
    form.m
        .insert("reminder_channels".into(), vec!["email".into()]);
    let current = alerts_store::find_profile(&mut conn, &user.id)?
        .ok_or_else(|| AppError::internal("demo owner has no profile"))?;
    let profile =
        owners::validate_profile(&mut conn, &form, &current, &state.channels.offered(), now)?
            .map_err(|errors| AppError::internal(format!("demo owner profile: {errors:?}")))?;
    owners::save_profile(&mut conn, &current, &profile, now)?;

    let email = vec!["email".to_string()];
    let subscriptions = [
        (
            "내 사업 정보에 맞는 공고",
            profile_criteria(&profile),
            "instant",
        ),
        (
            "울산 내수·금융 지원",
            Criteria {
                categories: vec!["내수".into(), "금융".into()],
                regions: vec!["31000".into()],
                ..Default::default()
            }
            .canonical(),
            "daily",
        ),
        (
            "음식점·외식 키워드",
            Criteria {
                keywords: vec!["음식점".into(), "외식".into()],
                ..Default::default()
            }
            .canonical(),
            "weekly",
        ),
    ];
    let source = "데모 데이터";
    conn.transaction(|conn| {
        for (name, criteria, frequency) in &subscriptions {
            let who = alerts_store::Subscriber::Owner {
                user_id: &user.id,
                source,
            };
            alerts_store::subscribe(conn, who, name, criteria, frequency, &email, now)?;
        }
        Ok::<_, AppError>(())
    })?;

    // A bookmark on an open 울산 (or nationwide) 내수 announcement whose deadline is at
    // least two weeks away, so its D-7 and D-1 reminders are still ahead.
    let open = ann_store::list(
        &mut conn,
        &ListFilter {
            category: Some("내수".into()),
            region: Some("31".into()),
            per_page: 100,
            page: 1,
            ..Default::default()
        },
        now,
    )?
    .0;
    let bookmark = open
        .iter()
        .find(|a| {
            a.apply_end
                .is_some_and(|end| end > now + Duration::days(14))
        })
        .or_else(|| open.iter().find(|a| a.apply_end.is_some()))
        .or(open.first());
    if let Some(a) = bookmark {
        alerts_store::add_bookmark(&mut conn, &user.id, &a.id, now)?;
    }
    let summary = format!(
        "{} (한식 일반 음식점업, 울산 남구, 사업자등록번호 610-25-47329) — 알림 {}개, 관심 공고 {}",
        profile.business_name,
        subscriptions.len(),
        bookmark.map_or("없음".to_string(), |a| format!("'{}'", a.title)),
    );
    Ok(Some((
        DemoAccount {
            email: DEMO_OWNER.into(),
            password: pw,
            role: "owner".into(),
        },
        summary,
    )))
}
