//! The agency console: list, create, edit, preview, schedule, publish, unpublish,
//! correct and close announcements; upload attachments. Staff see and change only their
//! own agency's announcements; reviewers only read.

use std::collections::{BTreeMap, HashMap};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::model::{Announcement, Attachment, Eligibility, Status, WindowKind};
use super::service::{self, Actor, Content, SubProgramInput};
use super::store;
use crate::accounts::{store as accounts_store, Csrf, CurrentUser, Staff};
use crate::audit;
use crate::clock::{end_of_kst_day, format_kst, from_kst, start_of_kst_day, to_kst};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::new_id;
use crate::reference::{self, CATEGORIES, SIDO, TARGET_TYPES};
use crate::web::routes::{Access, Object, Routes};
use crate::web::{page, redirect, render, render_status};
use crate::AppState;

pub fn routes(r: &mut Routes) {
    let any_role = Access::Staff.on(Object::Announcement);
    let editors = Access::StaffEdit.on(Object::Announcement);
    r.get("/console", index, Access::Staff)
        .get("/console/audit", audit_page, Access::Staff)
        .get("/console/announcements/new", new_form, Access::StaffEdit)
        .post("/console/announcements", create, Access::StaffEdit)
        .get("/console/announcements/{id}", manage, any_role)
        .get("/console/announcements/{id}/edit", edit_form, editors)
        .post("/console/announcements/{id}/edit", edit, editors)
        .get("/console/announcements/{id}/correct", correct_form, editors)
        .post("/console/announcements/{id}/correct", correct, editors)
        .get(
            "/console/announcements/{id}/publish",
            publish_confirm,
            editors,
        )
        .post("/console/announcements/{id}/publish", publish, editors)
        .post("/console/announcements/{id}/schedule", schedule, editors)
        .post("/console/announcements/{id}/unpublish", unpublish, editors)
        .post("/console/announcements/{id}/close", close, editors)
        .post("/console/announcements/{id}/attachments", upload, editors)
        .post(
            "/console/announcements/{announcement}/attachments/{id}/delete",
            delete_attachment,
            Access::StaffEdit.on(Object::Attachment),
        );
}

/// Load an announcement and check it belongs to the staff member's agency.
pub(crate) fn owned(conn: &mut DbConnection, id: &str, agency_id: &str) -> AppResult<Announcement> {
    let a = store::find(conn, id)?.ok_or(AppError::NotFound)?;
    let mine = a.owner_agency_id.as_deref() == Some(agency_id)
        || a.exec_agency_id.as_deref() == Some(agency_id);
    if !mine {
        return Err(AppError::Forbidden);
    }
    Ok(a)
}

#[derive(Deserialize)]
struct IndexQuery {
    status: Option<String>,
    page: Option<i64>,
}

async fn index(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<IndexQuery>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let status = q.status.clone().filter(|s| Status::parse(s).is_some());
    let page_no = crate::web::page_number(q.page)?;
    let agency_id = staff.agency.id.clone();
    let now = state.now();
    let st = status.clone();
    let (rows, total) = state
        .db(move |conn| {
            let (rows, total) = store::list_for_agency(conn, &agency_id, st.as_deref(), page_no, 30)?;
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|a| {
                    serde_json::json!({
                        "id": a.id, "title": a.title, "status": a.status, "status_label": a.status().label(),
                        "window": super::view::window_label(a), "updated": format_kst(a.updated_at, "%Y.%m.%d %H:%M"),
                        "publish_at": a.publish_at.map(|t| format_kst(t, "%Y.%m.%d %H:%M")),
                        "origin": a.origin, "revision": a.revision,
                        "dday": super::view::dday(a, now).0,
                    })
                })
                .collect();
            Ok((items, total))
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("agency", &staff.agency);
    ctx.insert("role_label", staff.role.label());
    ctx.insert("can_edit", &staff.role.can_edit());
    ctx.insert("items", &rows);
    ctx.insert("total", &total);
    ctx.insert("status", &status);
    ctx.insert("page", &page_no);
    ctx.insert("pages", &((total + 29) / 30).max(1));
    let tabs: Vec<(&str, &str)> = vec![
        ("", "전체"),
        ("draft", "작성 중"),
        ("scheduled", "게시 예약"),
        ("forecast", "예고"),
        ("published", "게시 중"),
        ("closed", "마감"),
    ];
    ctx.insert("tabs", &tabs);
    render(&state, "console/index.html", &ctx)
}

async fn audit_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let agency_id = staff.agency.id.clone();
    let entries = state
        .db(move |conn| audit::for_agency(conn, &agency_id, 200))
        .await?;
    let rows: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| serde_json::json!({"at": format_kst(e.created_at, "%Y.%m.%d %H:%M:%S"), "actor": e.actor_label, "action": e.action, "target_kind": e.target_kind, "target_id": e.target_id, "detail": e.detail}))
        .collect();
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("agency", &staff.agency);
    ctx.insert("entries", &rows);
    render(&state, "console/audit.html", &ctx)
}

/// Raw form values, kept for re-rendering. Multi-valued fields (checkboxes, multi
/// selects) are lists.
#[derive(Debug, Default, Clone, Serialize)]
pub struct FormValues {
    pub v: BTreeMap<String, String>,
    pub m: BTreeMap<String, Vec<String>>,
}

const MULTI: &[&str] = &["subcategories", "targets", "regions", "sigungu"];

impl FormValues {
    pub fn parse(body: &[u8]) -> AppResult<FormValues> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| AppError::BadRequest("양식 데이터를 읽을 수 없습니다.".into()))?;
        let mut f = FormValues::default();
        for (k, v) in pairs {
            // NUL is no character anyone types, and PostgreSQL text cannot store it.
            let v = if v.contains('\0') {
                v.replace('\0', "")
            } else {
                v
            };
            if MULTI.contains(&k.as_str()) {
                f.m.entry(k).or_default().push(v);
            } else {
                f.v.insert(k, v);
            }
        }
        Ok(f)
    }
    fn get(&self, k: &str) -> &str {
        self.v.get(k).map(|s| s.trim()).unwrap_or("")
    }
    fn opt(&self, k: &str) -> Option<String> {
        let s = self.get(k);
        if s.is_empty() {
            None
        } else {
            Some(s.to_string())
        }
    }
    fn list(&self, k: &str) -> Vec<String> {
        self.m.get(k).cloned().unwrap_or_default()
    }

    /// Values of a stored announcement, for the edit form.
    pub fn from_content(c: &Content, own_agency_id: &str, partner: Option<String>) -> FormValues {
        let mut f = FormValues::default();
        let mut set = |k: &str, v: String| {
            f.v.insert(k.to_string(), v);
        };
        set("title", c.title.clone());
        set("summary", c.summary.clone());
        set("body", c.body_html.clone());
        let role = if c.exec_agency_id.as_deref() == Some(own_agency_id)
            && c.owner_agency_id.as_deref() != Some(own_agency_id)
        {
            "exec"
        } else {
            "owner"
        };
        set("agency_role", role.into());
        set("partner_agency", partner.unwrap_or_default());
        set("category", c.category.clone().unwrap_or_default());
        if c.nationwide {
            set("nationwide", "on".into());
        }
        let e = &c.eligibility;
        let num = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
        set("ksic_include", e.ksic_include.join(", "));
        set("ksic_exclude", e.ksic_exclude.join(", "));
        set("biz_age_min", num(e.business_age_min_years));
        set("biz_age_max", num(e.business_age_max_years));
        set("preliminary", tri(e.preliminary_founders));
        set("employees_min", num(e.employees_min));
        set("employees_max", num(e.employees_max));
        set(
            "revenue_max",
            e.revenue_max_won
                .map(|w| (w / 10_000).to_string())
                .unwrap_or_default(),
        );
        set("owner_age_min", num(e.owner_age_min));
        set("owner_age_max", num(e.owner_age_max));
        set("owner_gender", e.owner_gender.clone().unwrap_or_default());
        set("sole_proprietor", tri(e.sole_proprietor));
        set("eligibility_text", e.text.clone().unwrap_or_default());
        set(
            "window_kind",
            c.window_kind.unwrap_or(WindowKind::Dated).as_str().into(),
        );
        set(
            "apply_start",
            c.apply_start
                .map(|t| to_kst(t).format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        );
        set(
            "apply_end",
            c.apply_end
                .map(|t| to_kst(t).format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        );
        let end_time = c
            .apply_end
            .map(|t| to_kst(t).format("%H:%M").to_string())
            .filter(|t| t != "23:59")
            .unwrap_or_default();
        set("apply_end_time", end_time);
        set("window_note", c.window_note.clone().unwrap_or_default());
        set("apply_method", c.apply_method.clone());
        set("apply_url", c.apply_url.clone().unwrap_or_default());
        set("apply_note", c.apply_note.clone().unwrap_or_default());
        set("contacts", c.contacts.clone().unwrap_or_default());
        let subs: Vec<String> = c
            .sub_programs
            .iter()
            .map(|s| {
                format!(
                    "{} | {} | {} | {}",
                    s.name,
                    s.scale,
                    s.budget_won.map(|b| b.to_string()).unwrap_or_default(),
                    s.description
                )
            })
            .collect();
        set("sub_programs", subs.join("\n"));
        f.m.insert("subcategories".into(), c.subcategories.clone());
        f.m.insert("targets".into(), c.target_types.clone());
        let (sido, sigungu): (Vec<String>, Vec<String>) = c
            .region_codes
            .iter()
            .cloned()
            .partition(|code| code.ends_with("000"));
        f.m.insert(
            "regions".into(),
            sido.iter().map(|c| c[..2].to_string()).collect(),
        );
        f.m.insert("sigungu".into(), sigungu);
        f
    }
}

fn tri(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

pub type Errors = HashMap<&'static str, String>;

/// Validated form: content ready to save, and the partner agency's name to resolve.
pub struct Validated {
    pub content: Content,
    pub partner_agency: Option<String>,
    pub own_role_is_exec: bool,
}

fn parse_int(
    f: &FormValues,
    k: &'static str,
    label: &str,
    min: i64,
    max: i64,
    errors: &mut Errors,
) -> Option<i64> {
    let s = f.get(k).replace(',', "");
    if s.is_empty() {
        return None;
    }
    match s.parse::<i64>() {
        Ok(n) if n >= min && n <= max => Some(n),
        _ => {
            errors.insert(
                k,
                format!("{label}은(는) {min}~{max} 사이의 숫자로 입력해 주세요."),
            );
            None
        }
    }
}

fn parse_date(f: &FormValues, k: &'static str, errors: &mut Errors) -> Option<NaiveDate> {
    let s = f.get(k);
    if s.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.insert(k, "날짜는 2026-12-31 형식으로 입력해 주세요.".into());
            None
        }
    }
}

fn parse_tri(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// Check every field; collect a Korean message per wrong field.
pub fn validate(
    conn: &mut DbConnection,
    f: &FormValues,
    own_agency_id: &str,
) -> AppResult<Result<Validated, Errors>> {
    let mut errors: Errors = HashMap::new();
    let title = f
        .get("title")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if title.is_empty() {
        errors.insert("title", "제목을 입력해 주세요.".into());
    } else if title.chars().count() > 200 {
        errors.insert("title", "제목은 200자 이하로 입력해 주세요.".into());
    }
    let summary = f.get("summary").to_string();
    if summary.chars().count() > 1000 {
        errors.insert("summary", "요약은 1,000자 이하로 입력해 주세요.".into());
    }
    let body = f.get("body").to_string();
    if body.len() > 200_000 {
        errors.insert("body", "본문이 너무 깁니다(200KB 이하).".into());
    }
    let own_role_is_exec = f.get("agency_role") == "exec";
    let partner_agency = f
        .opt("partner_agency")
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "));
    if own_role_is_exec && partner_agency.is_none() {
        errors.insert(
            "partner_agency",
            "수행기관으로 게시할 때는 소관기관 이름을 입력해 주세요.".into(),
        );
    }
    if partner_agency
        .as_ref()
        .map(|p| p.chars().count() > 100)
        .unwrap_or(false)
    {
        errors.insert(
            "partner_agency",
            "기관 이름은 100자 이하로 입력해 주세요.".into(),
        );
    } else if let Some(name) = &partner_agency {
        // Only an agency already on the portal: naming a new one is an operator's job
        // (`jiwon agency add`), so nobody invents an agency to post under.
        if accounts_store::find_agency_by_name(conn, name)?.is_none() {
            errors.insert(
                "partner_agency",
                format!("'{name}'은(는) 등록된 기관이 아닙니다. 목록에서 기관을 고르거나, 새 기관은 운영자에게 등록을 요청해 주세요."),
            );
        }
    }
    let category = f.opt("category");
    match &category {
        None => {
            errors.insert("category", "분야를 선택해 주세요.".into());
        }
        Some(c) if !reference::is_category(c) => {
            errors.insert("category", "목록에 있는 분야를 선택해 주세요.".into());
        }
        _ => {}
    }
    let allowed_subs: Vec<&str> = CATEGORIES
        .iter()
        .find(|(c, _)| Some(c.to_string()) == category)
        .map(|(_, subs)| subs.to_vec())
        .unwrap_or_default();
    let subcategories = f.list("subcategories");
    if subcategories
        .iter()
        .any(|s| !allowed_subs.contains(&s.as_str()))
    {
        errors.insert(
            "subcategories",
            "선택한 분야에 속한 세부 분야만 고를 수 있습니다.".into(),
        );
    }
    let targets = f.list("targets");
    if targets.iter().any(|t| !TARGET_TYPES.contains(&t.as_str())) {
        errors.insert("targets", "목록에 있는 지원 대상을 선택해 주세요.".into());
    }
    let nationwide = f.get("nationwide") == "on";
    let mut region_codes = Vec::new();
    for code in f.list("regions") {
        if SIDO.iter().any(|(_, c)| *c == code) {
            region_codes.push(format!("{code}000"));
        } else {
            errors.insert("regions", "목록에 있는 지역을 선택해 주세요.".into());
        }
    }
    for code in f.list("sigungu") {
        match reference::find_region(conn, &code)? {
            Some(r) if r.level == "sigungu" => {
                region_codes.retain(|c| c != &format!("{}000", r.sido_code));
                region_codes.push(r.code);
            }
            _ => {
                errors.insert("sigungu", "목록에 있는 시군구를 선택해 주세요.".into());
            }
        }
    }
    if nationwide {
        region_codes.clear();
    }
    region_codes.sort();
    region_codes.dedup();

    // Eligibility.
    let mut ksic = |k: &'static str, errors: &mut Errors| -> AppResult<Vec<String>> {
        let mut out = Vec::new();
        for code in f
            .get(k)
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let code = code.to_uppercase();
            if reference::find_ksic(conn, &code)?.is_none() {
                errors.insert(
                    k,
                    format!("'{code}'는 한국표준산업분류(11차)에 없는 코드입니다."),
                );
            } else if !out.contains(&code) {
                out.push(code);
            }
        }
        Ok(out)
    };
    let ksic_include = ksic("ksic_include", &mut errors)?;
    let ksic_exclude = ksic("ksic_exclude", &mut errors)?;
    let biz_age_min = parse_int(f, "biz_age_min", "업력 하한", 0, 100, &mut errors);
    let biz_age_max = parse_int(f, "biz_age_max", "업력 상한", 0, 100, &mut errors);
    if let (Some(a), Some(b)) = (biz_age_min, biz_age_max) {
        if a >= b {
            errors.insert("biz_age_max", "업력 상한은 하한보다 커야 합니다.".into());
        }
    }
    let employees_min = parse_int(
        f,
        "employees_min",
        "상시근로자 하한",
        0,
        1_000_000,
        &mut errors,
    );
    let employees_max = parse_int(
        f,
        "employees_max",
        "상시근로자 상한",
        0,
        1_000_000,
        &mut errors,
    );
    if let (Some(a), Some(b)) = (employees_min, employees_max) {
        if a > b {
            errors.insert(
                "employees_max",
                "상시근로자 상한은 하한 이상이어야 합니다.".into(),
            );
        }
    }
    let revenue_max = parse_int(
        f,
        "revenue_max",
        "연 매출 상한",
        0,
        100_000_000,
        &mut errors,
    );
    let owner_age_min = parse_int(f, "owner_age_min", "대표자 나이 하한", 0, 120, &mut errors);
    let owner_age_max = parse_int(f, "owner_age_max", "대표자 나이 상한", 0, 120, &mut errors);
    if let (Some(a), Some(b)) = (owner_age_min, owner_age_max) {
        if a > b {
            errors.insert(
                "owner_age_max",
                "나이 상한은 하한 이상이어야 합니다.".into(),
            );
        }
    }
    let owner_gender = match f.get("owner_gender") {
        "" => None,
        g @ ("female" | "male") => Some(g.to_string()),
        _ => {
            errors.insert("owner_gender", "성별 조건을 다시 선택해 주세요.".into());
            None
        }
    };
    let eligibility = Eligibility {
        ksic_include,
        ksic_exclude,
        business_age_min_years: biz_age_min.map(|n| n as i32),
        business_age_max_years: biz_age_max.map(|n| n as i32),
        preliminary_founders: parse_tri(f.get("preliminary")),
        employees_min: employees_min.map(|n| n as i32),
        employees_max: employees_max.map(|n| n as i32),
        revenue_max_won: revenue_max.map(|n| n * 10_000),
        owner_age_min: owner_age_min.map(|n| n as i32),
        owner_age_max: owner_age_max.map(|n| n as i32),
        owner_gender,
        sole_proprietor: parse_tri(f.get("sole_proprietor")),
        text: f.opt("eligibility_text"),
    };

    // Window.
    let window_kind = match WindowKind::parse(f.get("window_kind")) {
        Some(k) => k,
        None => {
            errors.insert("window_kind", "접수 방식을 선택해 주세요.".into());
            WindowKind::Dated
        }
    };
    let start = parse_date(f, "apply_start", &mut errors);
    let end = parse_date(f, "apply_end", &mut errors);
    let end_time = match f.get("apply_end_time") {
        "" => None,
        t => match NaiveTime::parse_from_str(t, "%H:%M") {
            Ok(t) => Some(t),
            Err(_) => {
                errors.insert(
                    "apply_end_time",
                    "시각은 18:00 형식으로 입력해 주세요.".into(),
                );
                None
            }
        },
    };
    if window_kind == WindowKind::Dated && end.is_none() && !errors.contains_key("apply_end") {
        errors.insert("apply_end", "접수 마감일을 입력해 주세요.".into());
    }
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            errors.insert("apply_end", "마감일은 시작일보다 빠를 수 없습니다.".into());
        }
    }
    let apply_start = start.map(start_of_kst_day);
    let apply_end = end.map(|d| match end_time {
        Some(t) => from_kst(d.and_time(t)),
        None => end_of_kst_day(d),
    });

    let apply_method = match f.get("apply_method") {
        m @ ("external" | "offline" | "portal") => m.to_string(),
        _ => {
            errors.insert("apply_method", "신청 방법을 선택해 주세요.".into());
            "external".into()
        }
    };
    let apply_url = f.opt("apply_url");
    if let Some(u) = &apply_url {
        if !(u.starts_with("https://") || u.starts_with("http://"))
            || u.contains(char::is_whitespace)
            || u.len() > 1000
        {
            errors.insert(
                "apply_url",
                "신청 주소는 http:// 또는 https://로 시작하는 주소여야 합니다.".into(),
            );
        }
    } else if apply_method == "external" {
        errors.insert(
            "apply_url",
            "외부 누리집에서 신청받는 경우 신청 주소를 입력해 주세요.".into(),
        );
    }

    let mut sub_programs = Vec::new();
    for (i, line) in f.get("sub_programs").lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = parts.first().copied().unwrap_or_default();
        if name.is_empty() {
            errors.insert(
                "sub_programs",
                format!("{}번째 줄: 세부사업 이름이 없습니다.", i + 1),
            );
            continue;
        }
        let budget = match parts.get(2).map(|b| b.replace([',', ' '], "")) {
            None => None,
            Some(b) if b.is_empty() => None,
            Some(b) => match b.trim_end_matches('원').parse::<i64>() {
                Ok(n) if n >= 0 => Some(n),
                _ => {
                    errors.insert(
                        "sub_programs",
                        format!("{}번째 줄: 예산은 원 단위 숫자로 입력해 주세요.", i + 1),
                    );
                    None
                }
            },
        };
        sub_programs.push(SubProgramInput {
            name: name.to_string(),
            scale: parts.get(1).copied().unwrap_or_default().to_string(),
            budget_won: budget,
            description: parts.get(3..).map(|p| p.join(" | ")).unwrap_or_default(),
        });
    }
    if sub_programs.len() > 50 {
        errors.insert(
            "sub_programs",
            "세부사업은 50개까지 입력할 수 있습니다.".into(),
        );
    }

    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let summary = if summary.trim().is_empty() {
        crate::text::html_to_text(&body).chars().take(300).collect()
    } else {
        summary.trim().to_string()
    };
    Ok(Ok(Validated {
        content: Content {
            title,
            summary,
            body_html: body,
            owner_agency_id: Some(own_agency_id.to_string()),
            exec_agency_id: None,
            category,
            subcategories,
            target_types: targets,
            nationwide,
            region_codes,
            eligibility,
            window_kind: Some(window_kind),
            apply_start,
            apply_end,
            window_note: f.opt("window_note"),
            apply_method,
            apply_url,
            apply_note: f.opt("apply_note"),
            contacts: f.opt("contacts"),
            sub_programs,
        },
        partner_agency,
        own_role_is_exec,
    }))
}

/// Resolve owner/executing agencies from the staff member's role in the program, and
/// whether the owner said so itself: naming another agency as owner leaves it
/// unconfirmed (not shown as owner in public) until that agency saves the announcement
/// itself. `before` is the stored row when editing.
fn resolve_agencies(
    conn: &mut DbConnection,
    v: &mut Validated,
    own: &str,
    before: Option<&Announcement>,
) -> AppResult<bool> {
    let partner = match &v.partner_agency {
        Some(name) => Some(
            accounts_store::find_agency_by_name(conn, name)?
                .ok_or_else(|| AppError::BadRequest("등록된 기관이 아닙니다.".into()))?
                .id,
        ),
        None => None,
    };
    if v.own_role_is_exec {
        let confirmed = before
            .map(|b| b.owner_confirmed && b.owner_agency_id == partner)
            .unwrap_or(false);
        v.content.owner_agency_id = partner;
        v.content.exec_agency_id = Some(own.to_string());
        Ok(confirmed)
    } else {
        v.content.owner_agency_id = Some(own.to_string());
        v.content.exec_agency_id = partner.filter(|p| p != own);
        Ok(true)
    }
}

fn form_context(ctx: &mut tera::Context, conn: &mut DbConnection) -> AppResult<()> {
    let cats: Vec<serde_json::Value> = CATEGORIES
        .iter()
        .map(|(c, subs)| serde_json::json!({"name": c, "subs": subs}))
        .collect();
    ctx.insert("categories", &cats);
    let sido: Vec<serde_json::Value> = SIDO
        .iter()
        .map(|(n, c)| serde_json::json!({"code": c, "name": n}))
        .collect();
    ctx.insert("sido", &sido);
    ctx.insert("targets", TARGET_TYPES);
    let agency_names: Vec<String> = accounts_store::list_agencies(conn)?
        .into_iter()
        .map(|a| a.name)
        .collect();
    ctx.insert("agency_names", &agency_names);
    let kinds: Vec<(&str, &str)> = WindowKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect();
    ctx.insert("window_kinds", &kinds);
    let sigungu = reference::list_sigungu(conn)?;
    let groups: Vec<serde_json::Value> = SIDO
        .iter()
        .map(|(n, c)| {
            let items: Vec<serde_json::Value> = sigungu
                .iter()
                .filter(|r| r.sido_code == *c)
                .map(|r| serde_json::json!({"code": r.code, "name": r.name}))
                .collect();
            serde_json::json!({"name": n, "items": items})
        })
        .filter(|g| {
            g["items"]
                .as_array()
                .map(|a| !a.is_empty())
                .unwrap_or(false)
        })
        .collect();
    ctx.insert("sigungu_groups", &groups);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    status: StatusCode,
    mode: &str,
    action: String,
    values: FormValues,
    errors: Errors,
    announcement: Option<serde_json::Value>,
) -> AppResult<HttpResponse> {
    let mut ctx = page(Some(user), Some(csrf));
    let c = {
        let mut conn = state.conn()?;
        let mut c2 = tera::Context::new();
        web::block(move || -> AppResult<tera::Context> {
            form_context(&mut c2, &mut conn)?;
            Ok(c2)
        })
        .await??
    };
    ctx.extend(c);
    ctx.insert("mode", mode);
    ctx.insert("action", &action);
    ctx.insert("f", &values);
    ctx.insert("errors", &errors);
    ctx.insert("error_count", &errors.len());
    ctx.insert("announcement", &announcement);
    render_status(state, status, "console/form.html", &ctx)
}

async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let mut values = FormValues::default();
    values.v.insert("window_kind".into(), "dated".into());
    values.v.insert("apply_method".into(), "external".into());
    values.v.insert("agency_role".into(), "owner".into());
    values.v.insert(
        "contacts".into(),
        staff.agency.phone.clone().unwrap_or_default(),
    );
    render_form(
        &state,
        &user,
        &csrf,
        StatusCode::OK,
        "new",
        "/console/announcements".into(),
        values,
        HashMap::new(),
        None,
    )
    .await
}

async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let values = FormValues::parse(&body)?;
    csrf.verify(values.get("csrf_token"))?;
    let forecast = values.get("intent") == "forecast";
    let own = staff.agency.id.clone();
    let now = state.now();
    let (vals, actor) = (values.clone(), user.clone());
    let result = state
        .db(move |conn| match validate(conn, &vals, &own)? {
            Err(errors) => Ok(Err(errors)),
            Ok(mut v) => {
                use diesel::Connection;
                conn.transaction(|conn| {
                    let confirmed = resolve_agencies(conn, &mut v, &own, None)?;
                    let a = service::create(conn, &v.content, forecast, &actor, now)?;
                    store::set_owner_confirmed(conn, &a.id, confirmed)?;
                    Ok(a)
                })
                .map(Ok)
            }
        })
        .await?;
    match result {
        Ok(a) => Ok(redirect(&format!(
            "/console/announcements/{}?saved=1",
            a.id
        ))),
        Err(errors) => {
            render_form(
                &state,
                &user,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                "new",
                "/console/announcements".into(),
                values,
                errors,
                None,
            )
            .await
        }
    }
}

fn summary_json(a: &Announcement) -> serde_json::Value {
    serde_json::json!({"id": a.id, "title": a.title, "status": a.status, "status_label": a.status().label(), "revision": a.revision})
}

async fn load_for_form(
    state: &AppState,
    staff: &Staff,
    id: String,
) -> AppResult<(Announcement, FormValues)> {
    let own = staff.agency.id.clone();
    state
        .db(move |conn| {
            let a = owned(conn, &id, &own)?;
            let content = service::content_of(conn, &a)?;
            let partner_id = if content.owner_agency_id.as_deref() == Some(own.as_str()) {
                content.exec_agency_id.clone()
            } else {
                content.owner_agency_id.clone()
            };
            let partner = match partner_id {
                Some(pid) => accounts_store::find_agency(conn, &pid)?.map(|x| x.name),
                None => None,
            };
            let values = FormValues::from_content(&content, &own, partner);
            Ok((a, values))
        })
        .await
}

async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let id = path.into_inner();
    let (a, values) = load_for_form(&state, &staff, id.clone()).await?;
    if !matches!(
        a.status(),
        Status::Draft | Status::Scheduled | Status::Forecast
    ) {
        return Ok(redirect(&format!("/console/announcements/{id}/correct")));
    }
    render_form(
        &state,
        &user,
        &csrf,
        StatusCode::OK,
        "edit",
        format!("/console/announcements/{id}/edit"),
        values,
        HashMap::new(),
        Some(summary_json(&a)),
    )
    .await
}

async fn edit(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let values = FormValues::parse(&body)?;
    csrf.verify(values.get("csrf_token"))?;
    let id = path.into_inner();
    let own = staff.agency.id.clone();
    let now = state.now();
    let (vals, actor, aid) = (values.clone(), user.clone(), id.clone());
    let result = state
        .db(move |conn| {
            let a = owned(conn, &aid, &own)?;
            match validate(conn, &vals, &own)? {
                Err(errors) => Ok(Err((errors, a))),
                Ok(mut v) => {
                    use diesel::Connection;
                    conn.transaction(|conn| {
                        let confirmed = resolve_agencies(conn, &mut v, &own, Some(&a))?;
                        service::edit(conn, &aid, &v.content, &actor, now)?;
                        store::set_owner_confirmed(conn, &aid, confirmed)
                    })?;
                    Ok(Ok(()))
                }
            }
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect(&format!("/console/announcements/{id}?saved=1"))),
        Err((errors, a)) => {
            render_form(
                &state,
                &user,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                "edit",
                format!("/console/announcements/{id}/edit"),
                values,
                errors,
                Some(summary_json(&a)),
            )
            .await
        }
    }
}

async fn correct_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let id = path.into_inner();
    let (a, values) = load_for_form(&state, &staff, id.clone()).await?;
    if !matches!(a.status(), Status::Published | Status::Closed) {
        return Ok(redirect(&format!("/console/announcements/{id}/edit")));
    }
    render_form(
        &state,
        &user,
        &csrf,
        StatusCode::OK,
        "correct",
        format!("/console/announcements/{id}/correct"),
        values,
        HashMap::new(),
        Some(summary_json(&a)),
    )
    .await
}

async fn correct(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let values = FormValues::parse(&body)?;
    csrf.verify(values.get("csrf_token"))?;
    let id = path.into_inner();
    let own = staff.agency.id.clone();
    let now = state.now();
    let (vals, actor, aid) = (values.clone(), user.clone(), id.clone());
    let result = state
        .db(move |conn| {
            let a = owned(conn, &aid, &own)?;
            let reason = vals.get("reason").to_string();
            let mut validated = validate(conn, &vals, &own)?;
            if reason.is_empty() || reason.chars().count() > 500 {
                let msg = if reason.is_empty() {
                    "정정 사유를 입력해 주세요."
                } else {
                    "정정 사유는 500자 이하로 입력해 주세요."
                };
                match &mut validated {
                    Err(errors) => {
                        errors.insert("reason", msg.into());
                    }
                    Ok(_) => {
                        let mut errors = HashMap::new();
                        errors.insert("reason", msg.to_string());
                        validated = Err(errors);
                    }
                }
            }
            match validated {
                Err(errors) => Ok(Err((errors, a))),
                Ok(mut v) => {
                    use diesel::Connection;
                    let changes = conn.transaction(|conn| {
                        let confirmed = resolve_agencies(conn, &mut v, &own, Some(&a))?;
                        let changes = service::correct(
                            conn,
                            &aid,
                            &v.content,
                            &reason,
                            Actor::User(&actor),
                            now,
                        )?;
                        store::set_owner_confirmed(conn, &aid, confirmed)?;
                        Ok::<_, AppError>(changes)
                    })?;
                    Ok(Ok(changes.len()))
                }
            }
        })
        .await?;
    match result {
        Ok(0) => Ok(redirect(&format!(
            "/console/announcements/{id}?unchanged=1"
        ))),
        Ok(_) => Ok(redirect(&format!(
            "/console/announcements/{id}?corrected=1"
        ))),
        Err((errors, a)) => {
            render_form(
                &state,
                &user,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                "correct",
                format!("/console/announcements/{id}/correct"),
                values,
                errors,
                Some(summary_json(&a)),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct ManageQuery {
    saved: Option<String>,
    corrected: Option<String>,
    unchanged: Option<String>,
    error: Option<String>,
}

async fn manage(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    q: web::Query<ManageQuery>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let id = path.into_inner();
    let own = staff.agency.id.clone();
    let now = state.now();
    let base = state.config.base_url.clone();
    let (a, view, problems, history, files) = state
        .db(move |conn| {
            let a = owned(conn, &id, &own)?;
            let view = super::web::detail_view(conn, &a, &base, now)?;
            let problems = service::publish_problems(conn, &a, now)?;
            let history = audit::for_target(conn, "announcement", &a.id)?;
            let files = store::attachments_of(conn, &a.id)?;
            Ok((a, view, problems, history, files))
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("a", &view);
    ctx.insert("status", &a.status);
    ctx.insert("can_edit", &staff.role.can_edit());
    ctx.insert("problems", &problems);
    let history: Vec<serde_json::Value> = history
        .iter()
        .map(|e| serde_json::json!({"at": format_kst(e.created_at, "%Y.%m.%d %H:%M"), "actor": e.actor_label, "action": e.action, "detail": e.detail}))
        .collect();
    ctx.insert("history", &history);
    let files: Vec<serde_json::Value> = files.iter().map(|f| serde_json::json!({"id": f.id, "name": f.file_name, "uploaded": f.stored_name.is_some(), "size": f.size_bytes})).collect();
    ctx.insert("files", &files);
    ctx.insert(
        "publish_at",
        &a.publish_at.map(|t| format_kst(t, "%Y-%m-%d %H:%M")),
    );
    let tomorrow = to_kst(now + chrono::Duration::days(1));
    ctx.insert("default_date", &tomorrow.format("%Y-%m-%d").to_string());
    ctx.insert("saved", &q.saved.is_some());
    ctx.insert("corrected", &q.corrected.is_some());
    ctx.insert("unchanged", &q.unchanged.is_some());
    ctx.insert("flash_error", &q.error);
    ctx.insert(
        "max_upload_mb",
        &(state.config.max_upload_bytes / 1024 / 1024),
    );
    render(&state, "console/manage.html", &ctx)
}

#[derive(Deserialize)]
struct ActionForm {
    csrf_token: String,
    date: Option<String>,
    time: Option<String>,
}

/// Run a lifecycle action and come back to the manage page; a rule that refuses the
/// action (e.g. missing deadline) is shown there in Korean.
async fn lifecycle(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    id: String,
    form: ActionForm,
    action: fn(
        &mut DbConnection,
        &str,
        &CurrentUser,
        NaiveDateTime,
        Option<NaiveDateTime>,
    ) -> AppResult<()>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let staff = user.require_edit()?;
    let own = staff.agency.id.clone();
    // Refuse another agency's announcement before looking at the form.
    let (o, aid) = (own.clone(), id.clone());
    state
        .db(move |conn| owned(conn, &aid, &o).map(|_| ()))
        .await?;
    let now = state.now();
    let at = match (form.date.as_deref(), form.time.as_deref()) {
        (Some(d), t) => {
            let date = NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok();
            let time = NaiveTime::parse_from_str(t.unwrap_or("09:00").trim(), "%H:%M").ok();
            match (date, time) {
                (Some(d), Some(t)) => Some(from_kst(d.and_time(t))),
                _ => {
                    return Ok(redirect(&format!(
                        "/console/announcements/{id}?error={}",
                        urlencoding::encode(
                            "예약 날짜와 시각을 2026-12-31, 09:00 형식으로 입력해 주세요."
                        )
                    )))
                }
            }
        }
        _ => None,
    };
    let aid = id.clone();
    let result = state
        .db(move |conn| {
            owned(conn, &aid, &own)?;
            action(conn, &aid, &user, now, at)
        })
        .await;
    match result {
        Ok(()) => Ok(redirect(&format!("/console/announcements/{id}"))),
        Err(AppError::BadRequest(m)) | Err(AppError::Conflict(m)) => Ok(redirect(&format!(
            "/console/announcements/{id}?error={}",
            urlencoding::encode(&m)
        ))),
        Err(e) => Err(e),
    }
}

/// "지금 게시" asks once: publishing alerts every matching subscriber at once, so the
/// page says how many people, on which channels, before the button that does it.
async fn publish_confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let id = path.into_inner();
    let own = staff.agency.id.clone();
    let now = state.now();
    let off = state.channels.switched_off();
    let reach_of = state.reach;
    let (a, problems, reach) = state
        .db(move |conn| {
            let a = owned(conn, &id, &own)?;
            let problems = service::publish_problems(conn, &a, now)?;
            let reach = reach_of(conn, &a, &off, now)?;
            Ok((a, problems, reach))
        })
        .await?;
    if !matches!(a.status.as_str(), "draft" | "scheduled" | "forecast") {
        return Ok(redirect(&format!("/console/announcements/{}", a.id)));
    }
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("a_id", &a.id);
    ctx.insert("a_title", &a.title);
    ctx.insert("problems", &problems);
    ctx.insert("reach", &reach);
    render(&state, "console/publish_confirm.html", &ctx)
}

async fn publish(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    lifecycle(
        state,
        user,
        csrf,
        path.into_inner(),
        form.into_inner(),
        |c, id, u, now, _| service::publish_now(c, id, u, now),
    )
    .await
}

async fn schedule(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    let mut form = form.into_inner();
    if form.date.as_deref().map(str::trim).unwrap_or("").is_empty() {
        form.date = Some(String::new());
    }
    lifecycle(
        state,
        user,
        csrf,
        path.into_inner(),
        form,
        |c, id, u, now, at| match at {
            Some(at) => service::schedule(c, id, at, u, now),
            None => Err(AppError::BadRequest(
                "예약 날짜와 시각을 입력해 주세요.".into(),
            )),
        },
    )
    .await
}

async fn unpublish(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    lifecycle(
        state,
        user,
        csrf,
        path.into_inner(),
        form.into_inner(),
        |c, id, u, now, _| service::unpublish(c, id, u, now),
    )
    .await
}

async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    lifecycle(
        state,
        user,
        csrf,
        path.into_inner(),
        form.into_inner(),
        |c, id, u, now, _| service::close(c, id, u, now),
    )
    .await
}

/// Allowed attachment types: extension → the kinds its content may sniff as.
const ALLOWED: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("hwp", "application/x-hwp"),
    ("hwpx", "application/hwp+zip"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("zip", "application/zip"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
];

/// Check a file's content against its extension. Returns the content type to serve,
/// or a Korean reason for refusing it.
pub fn check_upload(file_name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    let Some((_, ctype)) = ALLOWED.iter().find(|(e, _)| *e == ext) else {
        return Err(format!("'{ext}' 파일은 올릴 수 없습니다. PDF, HWP, HWPX, 오피스 문서, ZIP, JPG, PNG만 가능합니다."));
    };
    if bytes.is_empty() {
        return Err("빈 파일입니다.".into());
    }
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    const ZIP: &[u8] = b"PK\x03\x04";
    let ok = match ext.as_str() {
        "pdf" => bytes.starts_with(b"%PDF-"),
        "hwp" | "doc" | "xls" | "ppt" => bytes.starts_with(OLE),
        "hwpx" | "docx" | "xlsx" | "pptx" | "zip" => bytes.starts_with(ZIP),
        "jpg" | "jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        _ => false,
    };
    if !ok {
        let actual = infer::get(bytes)
            .map(|k| k.extension().to_string())
            .unwrap_or_else(|| "알 수 없는 형식".into());
        return Err(format!(
            "파일 내용이 확장자(.{ext})와 다릅니다(실제: {actual}). 올바른 파일을 올려 주세요."
        ));
    }
    Ok(ctype)
}

async fn upload(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    mut payload: Multipart,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let id = path.into_inner();
    // Another agency's announcement is refused before the upload is read at all.
    let (own, aid) = (staff.agency.id.clone(), id.clone());
    state
        .db(move |conn| owned(conn, &aid, &own).map(|_| ()))
        .await?;
    let limit = state.config.max_upload_bytes;
    let mut token = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut too_large = false;
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|_| AppError::BadRequest("업로드를 읽을 수 없습니다.".into()))?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(String::from));
        let mut buf = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|_| AppError::BadRequest("업로드를 읽을 수 없습니다.".into()))?;
            if buf.len() + chunk.len() > limit {
                too_large = true;
                break;
            }
            buf.extend_from_slice(&chunk);
        }
        if too_large {
            break;
        }
        match name.as_str() {
            "csrf_token" => token = String::from_utf8_lossy(&buf).to_string(),
            "file" => file = filename.map(|f| (f, buf)),
            _ => {}
        }
    }
    let back = |msg: &str| {
        redirect(&format!(
            "/console/announcements/{id}?error={}",
            urlencoding::encode(msg)
        ))
    };
    if too_large {
        return Ok(back(&format!(
            "파일이 너무 큽니다. {}MB 이하만 올릴 수 있습니다.",
            limit / 1024 / 1024
        )));
    }
    csrf.verify(&token)?;
    let Some((original, bytes)) = file.filter(|(n, _)| !n.is_empty()) else {
        return Ok(back("올릴 파일을 선택해 주세요."));
    };
    let display: String = original
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("file")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let ctype = match check_upload(&display, &bytes) {
        Ok(t) => t,
        Err(msg) => return Ok(back(&msg)),
    };
    let stored = format!("{}.bin", new_id());
    let dir = state.config.upload_dir.clone();
    let target = dir.join(&stored);
    let size = bytes.len() as i64;
    web::block(move || std::fs::write(target, bytes))
        .await?
        .map_err(AppError::internal)?;
    let now = state.now();
    let own = staff.agency.id.clone();
    let aid = id.clone();
    let stored_name = stored.clone();
    let saved = state
        .db(move |conn| {
            use diesel::Connection;
            conn.transaction(|conn| {
                owned(conn, &aid, &own)?;
                let position = store::attachments_of(conn, &aid)?.len() as i32;
                let att = Attachment {
                    id: new_id(),
                    announcement_id: aid.clone(),
                    position,
                    file_name: display.clone(),
                    stored_name: Some(stored_name.clone()),
                    url: None,
                    content_type: Some(ctype.to_string()),
                    size_bytes: Some(size),
                    created_at: now,
                };
                store::insert_attachment(conn, &att)?;
                audit::record(
                    conn,
                    &user,
                    "attachment.upload",
                    "announcement",
                    &aid,
                    &display,
                    now,
                )
            })
        })
        .await;
    if let Err(e) = saved {
        // Nothing half-written: the file goes when its row could not be saved.
        let _ = std::fs::remove_file(dir.join(&stored));
        return Err(e);
    }
    Ok(redirect(&format!("/console/announcements/{id}")))
}

async fn delete_attachment(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let staff = user.require_edit()?;
    let (id, aid) = path.into_inner();
    let own = staff.agency.id.clone();
    let now = state.now();
    let ann_id = id.clone();
    let stored = state
        .db(move |conn| {
            use diesel::Connection;
            conn.transaction(|conn| {
                owned(conn, &ann_id, &own)?;
                let f = store::find_attachment(conn, &aid)?.ok_or(AppError::NotFound)?;
                if f.announcement_id != ann_id {
                    return Err(AppError::NotFound);
                }
                store::delete_attachment(conn, &aid)?;
                audit::record(
                    conn,
                    &user,
                    "attachment.delete",
                    "announcement",
                    &ann_id,
                    &f.file_name,
                    now,
                )?;
                Ok(f.stored_name)
            })
        })
        .await?;
    if let Some(name) = stored {
        let _ = std::fs::remove_file(state.config.upload_dir.join(name));
    }
    Ok(redirect(&format!("/console/announcements/{id}")))
}
