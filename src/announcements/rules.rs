//! The rules of announcement content as the agency console's form states it: the one
//! check of title, agencies, category, targets, regions, eligibility (KSIC codes and
//! ranges), the application window, method, link and sub-programs.

use chrono::{NaiveDate, NaiveTime};

use super::model::{Announcement, Eligibility, WindowKind};
use super::service::{Content, SubProgramInput};
use crate::accounts::store as accounts_store;
use crate::clock::{end_of_kst_day, from_kst, start_of_kst_day, to_kst};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::reference::{self, CATEGORIES, SIDO, TARGET_TYPES};
use crate::web::form::{FieldErrors, Form};

/// The announcement form's multi-valued fields.
pub const MULTI: &[&str] = &["subcategories", "targets", "regions", "sigungu"];

/// The form's fields, top to bottom: every list of problems follows it, so the error
/// summary's links go down the form in the order a person meets the fields.
pub const FORM_ORDER: &[&str] = &[
    "reason",
    "title",
    "summary",
    "body",
    "agency_role",
    "partner_agency",
    "category",
    "subcategories",
    "targets",
    "regions",
    "sigungu",
    "ksic_include",
    "ksic_exclude",
    "biz_age_min",
    "biz_age_max",
    "employees_min",
    "employees_max",
    "owner_age_min",
    "owner_age_max",
    "revenue_max",
    "preliminary",
    "sole_proprietor",
    "owner_gender",
    "eligibility_text",
    "window_kind",
    "apply_start",
    "apply_end",
    "apply_end_time",
    "window_note",
    "apply_method",
    "apply_url",
    "apply_note",
    "contacts",
    "sub_programs",
];

/// How much a save asks of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save {
    /// A draft saves as it is: only what it takes to store it (a title, lengths, values
    /// of the form's own types — a number, a date, a code from the reference lists).
    Draft,
    /// Public now or later (a forecast, a scheduled or corrected announcement): the
    /// whole check, [`check`].
    Full,
}

/// Values of a stored announcement, for the edit form.
pub fn form_from_content(c: &Content, own_agency_id: &str, partner: Option<String>) -> Form {
    let mut f = Form::default();
    let mut set = |k: &str, v: String| f.set(k, v);
    set("title", c.title.clone());
    set("summary", c.summary.clone());
    set(
        "body",
        c.body_markdown
            .clone()
            .unwrap_or_else(|| c.body_html.clone()),
    );
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

fn tri(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

/// Validated form: content ready to save, and the partner agency's name to resolve.
pub struct Validated {
    pub content: Content,
    pub partner_agency: Option<String>,
    pub own_role_is_exec: bool,
}

fn parse_int(
    f: &Form,
    k: &'static str,
    label: &str,
    min: i64,
    max: i64,
    errors: &mut FieldErrors,
) -> Option<i64> {
    let s = f.get(k).replace(',', "");
    if s.is_empty() {
        return None;
    }
    match s.parse::<i64>() {
        Ok(n) if n >= min && n <= max => Some(n),
        _ => {
            errors.set(
                k,
                format!("{label}은(는) {min}~{max} 사이의 숫자로 입력해 주세요."),
            );
            None
        }
    }
}

fn parse_date(f: &Form, k: &'static str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let s = f.get(k);
    if s.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.set(k, "날짜는 2026-12-31 형식으로 입력해 주세요.");
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
/// Who wrote the content. The rules are one; what the console requires of a person
/// filling a form (a category, a deadline for a dated window, a link for an external
/// application) a published record from elsewhere may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Console,
    Import,
}

/// The one check of announcement content, for the console, imports and the API alike:
/// each breach is a Korean message at its field. A field that already has a message
/// (the form could not parse it) keeps it.
pub fn check(c: &Content, origin: Origin, errors: &mut FieldErrors) {
    let console = origin == Origin::Console;
    check_storable(c, errors);
    match &c.category {
        Some(cat) if !reference::is_category(cat) => {
            errors.add("category", "목록에 있는 분야를 선택해 주세요.");
        }
        None if console => errors.add("category", "분야를 선택해 주세요."),
        _ => {}
    }
    let allowed_subs: Vec<&str> = CATEGORIES
        .iter()
        .find(|(cat, _)| Some(*cat) == c.category.as_deref())
        .map(|(_, subs)| subs.to_vec())
        .unwrap_or_default();
    if c.subcategories
        .iter()
        .any(|s| !allowed_subs.contains(&s.as_str()))
    {
        errors.add(
            "subcategories",
            "선택한 분야에 속한 세부 분야만 고를 수 있습니다.",
        );
    }
    if c.target_types
        .iter()
        .any(|t| !TARGET_TYPES.contains(&t.as_str()))
    {
        errors.add("targets", "목록에 있는 지원 대상을 선택해 주세요.");
    }
    let e = &c.eligibility;
    if let (Some(a), Some(b)) = (e.business_age_min_years, e.business_age_max_years) {
        if a >= b {
            errors.add("biz_age_max", "업력 상한은 하한보다 커야 합니다.");
        }
    }
    if let (Some(a), Some(b)) = (e.employees_min, e.employees_max) {
        if a > b {
            errors.add("employees_max", "상시근로자 상한은 하한 이상이어야 합니다.");
        }
    }
    if let (Some(a), Some(b)) = (e.owner_age_min, e.owner_age_max) {
        if a > b {
            errors.add("owner_age_max", "나이 상한은 하한 이상이어야 합니다.");
        }
    }
    if console && c.window_kind == Some(WindowKind::Dated) && c.apply_end.is_none() {
        errors.add("apply_end", "접수 마감일을 입력해 주세요.");
    }
    if let (Some(s), Some(end)) = (c.apply_start, c.apply_end) {
        if end < s {
            errors.add("apply_end", "마감일은 시작일보다 빠를 수 없습니다.");
        }
    }
    match &c.apply_url {
        Some(u)
            if !(u.starts_with("https://") || u.starts_with("http://"))
                || u.contains(char::is_whitespace)
                || u.len() > 1000 =>
        {
            errors.add(
                "apply_url",
                "신청 주소는 http:// 또는 https://로 시작하는 주소여야 합니다.",
            );
        }
        None if console && c.apply_method == "external" => errors.add(
            "apply_url",
            "외부 누리집에서 신청받는 경우 신청 주소를 입력해 주세요.",
        ),
        _ => {}
    }
}

/// What any saved announcement, even a draft, must be: a title, and no field longer
/// than it can be stored.
pub fn check_storable(c: &Content, errors: &mut FieldErrors) {
    if c.title.trim().is_empty() {
        errors.add("title", "제목을 입력해 주세요.");
    } else if c.title.chars().count() > 200 {
        errors.add("title", "제목은 200자 이하로 입력해 주세요.");
    }
    if c.summary.chars().count() > 1000 {
        errors.add("summary", "요약은 1,000자 이하로 입력해 주세요.");
    }
    if c.body_html.len() > 200_000 {
        errors.add("body", "본문이 너무 깁니다(200KB 이하).");
    }
    if c.sub_programs.len() > 50 {
        errors.add("sub_programs", "세부사업은 50개까지 입력할 수 있습니다.");
    }
}

/// What keeps a saved announcement from going public (scheduling or publishing it at
/// `at`): the whole check, a region (or 전국), and a deadline still ahead — in the
/// form's order, each at its field.
pub fn publish_problems(c: &Content, at: chrono::NaiveDateTime) -> FieldErrors {
    let mut errors = FieldErrors::new();
    check(c, Origin::Console, &mut errors);
    if !c.nationwide && c.region_codes.is_empty() {
        errors.add("regions", "지역을 고르거나 전국으로 지정해 주세요.");
    }
    if c.window_kind == Some(WindowKind::Dated) && c.apply_end.is_some_and(|end| end < at) {
        errors.add("apply_end", "접수 마감일이 이미 지났습니다.");
    }
    errors.ordered(FORM_ORDER)
}

/// The same check for an imported record. A record without a title cannot be an
/// announcement: `Err` with the reason, and the import rejects it. Any other breach
/// empties or trims the field it names, so the record is kept, and comes back as a
/// warning (`field: message`).
pub fn for_import(c: &mut Content) -> Result<Vec<String>, String> {
    let mut errors = FieldErrors::new();
    check(c, Origin::Import, &mut errors);
    if let Some(m) = errors.get("title").filter(|_| c.title.trim().is_empty()) {
        return Err(m.to_string());
    }
    let mut warnings = Vec::new();
    for (field, message) in errors.iter() {
        match field {
            "title" => c.title = c.title.chars().take(200).collect(),
            "summary" => c.summary = c.summary.chars().take(1000).collect(),
            "body" => {
                let mut end = 200_000;
                while !c.body_html.is_char_boundary(end) {
                    end -= 1;
                }
                c.body_html.truncate(end);
            }
            "category" => {
                c.category = None;
                c.subcategories.clear();
            }
            "subcategories" => c.subcategories.clear(),
            "targets" => c
                .target_types
                .retain(|t| TARGET_TYPES.contains(&t.as_str())),
            "biz_age_max" => {
                c.eligibility.business_age_min_years = None;
                c.eligibility.business_age_max_years = None;
            }
            "employees_max" => {
                c.eligibility.employees_min = None;
                c.eligibility.employees_max = None;
            }
            "owner_age_max" => {
                c.eligibility.owner_age_min = None;
                c.eligibility.owner_age_max = None;
            }
            "apply_end" => c.apply_start = None,
            "apply_url" => c.apply_url = None,
            "sub_programs" => c.sub_programs.truncate(50),
            _ => {}
        }
        warnings.push(format!("{field}: {message}"));
    }
    Ok(warnings)
}

/// Parse the form and check it as `save` asks; the problems come in the form's order.
pub fn validate(
    conn: &mut DbConnection,
    f: &Form,
    own_agency_id: &str,
    save: Save,
) -> AppResult<Result<Validated, FieldErrors>> {
    let mut errors = FieldErrors::new();
    let title = f
        .get("title")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let summary = f.get("summary").to_string();
    let body = f.get("body").to_string();
    let own_role_is_exec = f.get("agency_role") == "exec";
    let partner_agency = f
        .opt("partner_agency")
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "));
    if own_role_is_exec && partner_agency.is_none() {
        errors.set(
            "partner_agency",
            "수행기관으로 게시할 때는 소관기관 이름을 입력해 주세요.",
        );
    }
    if partner_agency
        .as_ref()
        .map(|p| p.chars().count() > 100)
        .unwrap_or(false)
    {
        errors.set("partner_agency", "기관 이름은 100자 이하로 입력해 주세요.");
    } else if let Some(name) = &partner_agency {
        // Only an agency already on the portal: naming a new one is an operator's job
        // (`jiwon agency add`), so nobody invents an agency to post under.
        if accounts_store::find_agency_by_name(conn, name)?.is_none() {
            errors.set(
                "partner_agency",
                format!("'{name}'은(는) 등록된 기관이 아닙니다. 목록에서 기관을 고르거나, 새 기관은 운영자에게 등록을 요청해 주세요."),
            );
        }
    }
    let category = f.opt("category");
    let subcategories = f.list("subcategories");
    let targets = f.list("targets");
    let nationwide = f.get("nationwide") == "on";
    let mut region_codes = Vec::new();
    for code in f.list("regions") {
        if SIDO.iter().any(|(_, c)| *c == code) {
            region_codes.push(format!("{code}000"));
        } else {
            errors.set("regions", "목록에 있는 지역을 선택해 주세요.");
        }
    }
    for code in f.list("sigungu") {
        match reference::find_region(conn, &code)? {
            Some(r) if r.level == "sigungu" => {
                region_codes.retain(|c| c != &format!("{}000", r.sido_code));
                region_codes.push(r.code);
            }
            _ => {
                errors.set("sigungu", "목록에 있는 시군구를 선택해 주세요.");
            }
        }
    }
    if nationwide {
        region_codes.clear();
    }
    region_codes.sort();
    region_codes.dedup();

    // Eligibility.
    let mut ksic = |k: &'static str, errors: &mut FieldErrors| -> AppResult<Vec<String>> {
        let mut out = Vec::new();
        for code in f
            .get(k)
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let code = code.to_uppercase();
            if reference::find_ksic(conn, &code)?.is_none() {
                errors.set(
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
    let owner_gender = match f.get("owner_gender") {
        "" => None,
        g @ ("female" | "male") => Some(g.to_string()),
        _ => {
            errors.set("owner_gender", "성별 조건을 다시 선택해 주세요.");
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
    // The form always sends these two choices; a request without them means the default.
    let window_kind = match WindowKind::parse(f.get("window_kind")) {
        Some(k) => k,
        None if f.get("window_kind").is_empty() => WindowKind::Dated,
        None => {
            errors.set("window_kind", "접수 방식을 선택해 주세요.");
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
                errors.set("apply_end_time", "시각은 18:00 형식으로 입력해 주세요.");
                None
            }
        },
    };
    let apply_start = start.map(start_of_kst_day);
    let apply_end = end.map(|d| match end_time {
        Some(t) => from_kst(d.and_time(t)),
        None => end_of_kst_day(d),
    });

    let apply_method = match f.get("apply_method") {
        m @ ("external" | "offline" | "portal") => m.to_string(),
        "" => "external".into(),
        _ => {
            errors.set("apply_method", "신청 방법을 선택해 주세요.");
            "external".into()
        }
    };
    let apply_url = f.opt("apply_url");

    let mut sub_programs = Vec::new();
    for (i, line) in f.get("sub_programs").lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = parts.first().copied().unwrap_or_default();
        if name.is_empty() {
            errors.set(
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
                    errors.set(
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
    let summary_given = !summary.trim().is_empty();
    let mut content = Content {
        title,
        summary,
        // Markdown, unless the body is HTML (an imported body shown for editing).
        body_html: if crate::text::is_html_body(&body) {
            body.clone()
        } else {
            crate::text::markdown_to_html(&body)
        },
        body_markdown: Some(body).filter(|b| !b.trim().is_empty() && !crate::text::is_html_body(b)),
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
    };
    // The same rules as imports and the API; a field the form could not parse keeps
    // that message.
    match save {
        Save::Full => check(&content, Origin::Console, &mut errors),
        Save::Draft => check_storable(&content, &mut errors),
    }
    if !errors.is_empty() {
        return Ok(Err(errors.ordered(FORM_ORDER)));
    }
    content.summary = if summary_given {
        content.summary.trim().to_string()
    } else {
        crate::text::html_to_text(&content.body_html)
            .chars()
            .take(300)
            .collect()
    };
    Ok(Ok(Validated {
        content,
        partner_agency,
        own_role_is_exec,
    }))
}

/// Resolve owner/executing agencies from the staff member's role in the program, and
/// whether the owner said so itself: naming another agency as owner leaves it
/// unconfirmed (not shown as owner in public) until that agency saves the announcement
/// itself. `before` is the stored row when editing.
pub fn resolve_agencies(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> Content {
        Content {
            title: "2027년 울산 소상공인 판로 지원".into(),
            category: Some("내수".into()),
            window_kind: Some(WindowKind::Always),
            apply_method: "offline".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_console_and_imports_break_the_same_rules() {
        let mut c = content();
        c.eligibility.owner_age_min = Some(60);
        c.eligibility.owner_age_max = Some(39);
        c.apply_url = Some("javascript:alert(1)".into());
        c.target_types = vec!["소상공인".into(), "외계인".into()];
        let mut console = FieldErrors::new();
        check(&c, Origin::Console, &mut console);
        let fields: Vec<&str> = console.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["targets", "owner_age_max", "apply_url"]);

        // An import keeps the record and empties what broke the rules.
        let warnings = for_import(&mut c).expect("kept");
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert_eq!(c.target_types, ["소상공인"]);
        assert_eq!(
            (c.eligibility.owner_age_min, c.eligibility.owner_age_max),
            (None, None)
        );
        assert_eq!(c.apply_url, None);
        let mut again = FieldErrors::new();
        check(&c, Origin::Import, &mut again);
        assert!(again.is_empty(), "{:?}", again.iter().collect::<Vec<_>>());
    }

    #[test]
    fn what_only_a_form_must_have_is_not_asked_of_an_import() {
        let mut c = content();
        c.category = None;
        c.window_kind = Some(WindowKind::Dated);
        c.apply_method = "external".into();
        let mut console = FieldErrors::new();
        check(&c, Origin::Console, &mut console);
        assert!(console.has("category") && console.has("apply_end") && console.has("apply_url"));
        assert_eq!(for_import(&mut c), Ok(Vec::new()));
    }

    #[test]
    fn an_import_without_a_title_is_rejected_with_the_reason() {
        let mut c = content();
        c.title = "  ".into();
        assert_eq!(for_import(&mut c), Err("제목을 입력해 주세요.".to_string()));
    }
}
