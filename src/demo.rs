//! `jiwon demo`: a fresh embedded database with all the shipped real data imported, a
//! demo agency with staff accounts (credentials printed), served at once.

use std::path::{Path, PathBuf};

use chrono::Duration;

use crate::accounts::model::User;
use crate::accounts::{new_id, password, random_token, store as accounts_store, CurrentUser};
use crate::announcements::model::WindowKind;
use crate::announcements::service::{self, Content, SubProgramInput};
use crate::db::Backend;
use crate::error::{AppError, AppResult};
use crate::ingest::service::{import_location, Terminal};
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

/// Import the shipped data and create the demo staff. Returns the accounts to print.
pub fn populate(state: &AppState) -> AppResult<Vec<DemoAccount>> {
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
    }
    Ok(accounts)
}
