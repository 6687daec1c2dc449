//! Announcements (공고): rows, structured eligibility, statuses and application windows.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{
    announcement_sources, announcements, attachments, revisions, sub_programs,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, PartialEq)]
#[diesel(table_name = announcements, treat_none_as_null = true)]
pub struct Announcement {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub owner_agency_id: Option<String>,
    pub exec_agency_id: Option<String>,
    pub category: Option<String>,
    /// JSON array of subcategory names.
    pub subcategories: String,
    /// JSON array of target types (소상공인, 중소기업 …).
    pub target_types: String,
    pub nationwide: bool,
    /// JSON of [`Eligibility`].
    pub eligibility: String,
    pub window_kind: String,
    pub apply_start: Option<NaiveDateTime>,
    pub apply_end: Option<NaiveDateTime>,
    pub window_note: Option<String>,
    pub apply_method: String,
    pub apply_url: Option<String>,
    pub apply_note: Option<String>,
    pub contacts: Option<String>,
    pub status: String,
    pub publish_at: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub revision: i32,
    pub view_count: i64,
    pub origin: String,
    pub search_text: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Whether the owner agency said so itself (posted or edited it, or an import named
    /// it). Another agency's staff naming it as owner leaves this false.
    pub owner_confirmed: bool,
}

impl Announcement {
    /// The owner agency the public may be shown: only one that confirmed it.
    pub fn public_owner_id(&self) -> Option<&String> {
        self.owner_agency_id
            .as_ref()
            .filter(|_| self.owner_confirmed)
    }
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Draft)
    }
    pub fn window_kind(&self) -> WindowKind {
        WindowKind::parse(&self.window_kind).unwrap_or(WindowKind::Tbd)
    }
    pub fn subcategory_list(&self) -> Vec<String> {
        serde_json::from_str(&self.subcategories).unwrap_or_default()
    }
    pub fn target_list(&self) -> Vec<String> {
        serde_json::from_str(&self.target_types).unwrap_or_default()
    }
    pub fn eligibility(&self) -> Eligibility {
        serde_json::from_str(&self.eligibility).unwrap_or_default()
    }
    /// Visible on the public site (published, closed, archived, or a forecast).
    pub fn is_public(&self) -> bool {
        matches!(
            self.status(),
            Status::Published | Status::Closed | Status::Archived | Status::Forecast
        )
    }
    /// Where this announcement stands for the public at `now`: the one definition of
    /// 접수 예정 / 접수 중 / 마감 (see [`Phase`]).
    pub fn phase(&self, now: NaiveDateTime) -> Phase {
        Phase::of(self.status(), self.apply_start, self.apply_end, now)
    }
}

/// Where a public announcement's application window stands, the one definition every
/// list, count, badge and the API use: 접수 예정 = a forecast, or published with a window
/// that starts after `now`; 접수 중 = published, started (or no start) and not past its
/// deadline (or none); 마감 = closed, archived, or published past its deadline (until the
/// close job runs). The database filters (`store::phase_filter!`) and both search
/// engines' filters (`search::SearchFilter::phase`) spell the same rule over the same
/// three columns; `tests/public_site.rs` checks that they agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Upcoming,
    Open,
    Closed,
    /// Drafts and scheduled ones: not public.
    Hidden,
}

impl Phase {
    pub fn of(
        status: Status,
        apply_start: Option<NaiveDateTime>,
        apply_end: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> Phase {
        match status {
            Status::Draft | Status::Scheduled => Phase::Hidden,
            Status::Forecast => Phase::Upcoming,
            Status::Closed | Status::Archived => Phase::Closed,
            Status::Published => match (apply_start, apply_end) {
                (Some(start), _) if start > now => Phase::Upcoming,
                (_, Some(end)) if end < now => Phase::Closed,
                _ => Phase::Open,
            },
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Phase::Upcoming => "upcoming",
            Phase::Open => "open",
            Phase::Closed => "closed",
            Phase::Hidden => "hidden",
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            Phase::Upcoming => "접수 예정",
            Phase::Open => "접수 중",
            Phase::Closed => "마감",
            Phase::Hidden => "비공개",
        }
    }
}

/// Lifecycle: draft → scheduled → published → closed → archived, and forecast (예고),
/// which is public but not yet open and later becomes the real announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Scheduled,
    Forecast,
    Published,
    Closed,
    Archived,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "draft" => Status::Draft,
            "scheduled" => Status::Scheduled,
            "forecast" => Status::Forecast,
            "published" => Status::Published,
            "closed" => Status::Closed,
            "archived" => Status::Archived,
            _ => return None,
        })
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Scheduled => "scheduled",
            Status::Forecast => "forecast",
            Status::Published => "published",
            Status::Closed => "closed",
            Status::Archived => "archived",
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            Status::Draft => "작성 중",
            Status::Scheduled => "게시 예약",
            Status::Forecast => "예고",
            Status::Published => "게시 중",
            Status::Closed => "마감",
            Status::Archived => "보관",
        }
    }
}

pub use super::window::WindowKind;

/// Structured eligibility. `None` / empty means "no restriction".
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Eligibility {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ksic_include: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ksic_exclude: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_age_min_years: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_age_max_years: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preliminary_founders: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees_min: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees_max: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_max_won: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_age_min: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_age_max: Option<i32>,
    /// "female" or "male".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sole_proprietor: Option<bool>,
    /// Free text from the announcement (신청자격, 제외대상).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Eligibility {
    /// Human-readable lines in Korean, for the announcement page.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.ksic_include.is_empty() {
            out.push(format!("대상 업종(KSIC): {}", self.ksic_include.join(", ")));
        }
        if !self.ksic_exclude.is_empty() {
            out.push(format!("제외 업종(KSIC): {}", self.ksic_exclude.join(", ")));
        }
        match (self.business_age_min_years, self.business_age_max_years) {
            (Some(a), Some(b)) => out.push(format!("업력 {a}년 이상 {b}년 미만")),
            (Some(a), None) => out.push(format!("업력 {a}년 이상")),
            (None, Some(b)) => out.push(format!("업력 {b}년 미만")),
            _ => {}
        }
        match self.preliminary_founders {
            Some(true) => out.push("예비창업자 신청 가능".into()),
            Some(false) => out.push("예비창업자 제외".into()),
            None => {}
        }
        match (self.employees_min, self.employees_max) {
            (Some(a), Some(b)) => out.push(format!("상시근로자 {a}명 이상 {b}명 이하")),
            (Some(a), None) => out.push(format!("상시근로자 {a}명 이상")),
            (None, Some(b)) => out.push(format!("상시근로자 {b}명 이하")),
            _ => {}
        }
        if let Some(r) = self.revenue_max_won {
            out.push(format!("연 매출 {} 이하", format_won(r)));
        }
        match (self.owner_age_min, self.owner_age_max) {
            (Some(a), Some(b)) => out.push(format!("대표자 만 {a}세 이상 {b}세 이하")),
            (Some(a), None) => out.push(format!("대표자 만 {a}세 이상")),
            (None, Some(b)) => out.push(format!("대표자 만 {b}세 이하")),
            _ => {}
        }
        match self.owner_gender.as_deref() {
            Some("female") => out.push("여성 대표자".into()),
            Some("male") => out.push("남성 대표자".into()),
            _ => {}
        }
        match self.sole_proprietor {
            Some(true) => out.push("개인사업자".into()),
            Some(false) => out.push("법인사업자".into()),
            None => {}
        }
        out
    }
}

/// 1,500,000,000 → "15억 원"; 30,000,000 → "3,000만 원".
pub fn format_won(won: i64) -> String {
    if won >= 100_000_000 && won % 100_000_000 == 0 {
        format!("{}억 원", group(won / 100_000_000))
    } else if won >= 10_000 && won % 10_000 == 0 {
        format!("{}만 원", group(won / 10_000))
    } else {
        format!("{} 원", group(won))
    }
}

pub fn group(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, PartialEq)]
#[diesel(table_name = sub_programs)]
pub struct SubProgram {
    pub id: String,
    pub announcement_id: String,
    pub position: i32,
    pub name: String,
    pub description: String,
    pub scale: String,
    pub budget_won: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = attachments)]
pub struct Attachment {
    pub id: String,
    pub announcement_id: String,
    pub position: i32,
    pub file_name: String,
    pub stored_name: Option<String>,
    pub url: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = announcement_sources)]
pub struct SourceLink {
    pub id: String,
    pub announcement_id: String,
    pub source: String,
    pub source_id: String,
    pub source_url: Option<String>,
    pub source_updated: Option<String>,
    pub content_hash: String,
    pub first_seen_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

impl SourceLink {
    pub fn source_label(&self) -> &'static str {
        match self.source.as_str() {
            "bizinfo" => "기업마당",
            "kstartup" => "K-Startup",
            _ => "지원 포털",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = revisions)]
pub struct Revision {
    pub id: String,
    pub announcement_id: String,
    pub revision: i32,
    pub reason: String,
    /// JSON array of [`FieldChange`].
    pub diff: String,
    /// Whether any material field (window, eligibility, regions, targets, how to apply,
    /// money) changed: later alerts tell subscribers about these.
    pub material: bool,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub label: String,
    pub old: String,
    pub new: String,
    pub material: bool,
}
