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
    /// The Markdown the console's editor typed (`body_html` is rendered from it); `None`
    /// for bodies that came as HTML (imports).
    pub body_markdown: Option<String>,
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
    /// Not yet published: a draft, a scheduled or a forecast announcement — what the
    /// console edits in place, and may publish or schedule.
    pub fn is_unpublished(&self) -> bool {
        matches!(self, Status::Draft | Status::Scheduled | Status::Forecast)
    }

    /// The one label of each state, everywhere (console tabs, lists, pages).
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
    /// Its lines with each KSIC code named from the reference table (11th KSIC).
    pub fn describe_named(
        &self,
        conn: &mut crate::db::DbConnection,
    ) -> crate::error::AppResult<Vec<String>> {
        let mut names = std::collections::HashMap::new();
        for code in self.ksic_include.iter().chain(&self.ksic_exclude) {
            if let Some(k) = crate::reference::find_ksic(conn, code)? {
                names.insert(code.clone(), k.name);
            }
        }
        Ok(self.describe_with(&|c| names.get(c).cloned()))
    }

    /// Human-readable lines in Korean, for the announcement page, the console's preview and
    /// corrections: limits through [`limit_label`], money through [`format_won`], and each
    /// KSIC code by the name `ksic_name` gives it ("음식점 및 주점업(56)").
    pub fn describe_with(&self, ksic_name: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        let mut out = Vec::new();
        let industries = |codes: &[String]| -> String {
            codes
                .iter()
                .map(|c| match ksic_name(c) {
                    Some(name) => format!("{name}({c})"),
                    None => format!("KSIC {c}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.ksic_include.is_empty() {
            out.push(format!("대상 업종: {}", industries(&self.ksic_include)));
        }
        if !self.ksic_exclude.is_empty() {
            out.push(format!("제외 업종: {}", industries(&self.ksic_exclude)));
        }
        let num = |v: Option<i32>| v.map(i64::from);
        if let Some(l) = limit_label(
            num(self.business_age_min_years),
            num(self.business_age_max_years),
            "년",
            Upper::Below,
        ) {
            out.push(format!("업력 {l}"));
        }
        match self.preliminary_founders {
            Some(true) => out.push("예비창업자 신청 가능".into()),
            Some(false) => out.push("예비창업자 제외".into()),
            None => {}
        }
        if let Some(l) = limit_label(
            num(self.employees_min),
            num(self.employees_max),
            "명",
            Upper::AtMost,
        ) {
            out.push(format!("상시근로자 {l}"));
        }
        if let Some(r) = self.revenue_max_won {
            out.push(format!("연 매출 {} 이하", format_won(r)));
        }
        if let Some(l) = limit_label(
            num(self.owner_age_min),
            num(self.owner_age_max),
            "세",
            Upper::AtMost,
        ) {
            out.push(format!("대표자 만 {l}"));
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

/// The one name of a correction, everywhere (console, public page, audit log, emails):
/// revision 1 is the original, revision 2 is "정정 1차". `None` for the original.
pub fn correction_label(revision: i32) -> Option<String> {
    (revision > 1).then(|| format!("정정 {}차", revision - 1))
}

/// Whether an upper limit counts itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upper {
    /// "N명 이하": N is allowed.
    AtMost,
    /// "N년 미만": up to but not N (업력 상한, as K-Startup's bands and the form say).
    Below,
}

/// The one way a limit reads (console preview, public page, cards): "5명 이상",
/// "10명 이하", "5명 이상 10명 이하", "3년 미만"; numbers grouped ("1,000명 이하").
/// `None` without a limit.
pub fn limit_label(min: Option<i64>, max: Option<i64>, unit: &str, upper: Upper) -> Option<String> {
    let upper_word = match upper {
        Upper::AtMost => "이하",
        Upper::Below => "미만",
    };
    match (min, max) {
        (Some(a), Some(b)) if a == b && upper == Upper::AtMost => {
            Some(format!("{}{unit}", group(a)))
        }
        (Some(a), Some(b)) => Some(format!(
            "{}{unit} 이상 {}{unit} {upper_word}",
            group(a),
            group(b)
        )),
        (Some(a), None) => Some(format!("{}{unit} 이상", group(a))),
        (None, Some(b)) => Some(format!("{}{unit} {upper_word}", group(b))),
        (None, None) => None,
    }
}

/// Money as Koreans write it, the one formatter of amounts: 50,000,000 → "5,000만 원",
/// 150,000,000 → "1억 5,000만 원", 1,500,000,000 → "15억 원", 3,500 → "3,500원",
/// 123,456,789 → "1억 2,345만 6,789원".
pub fn format_won(won: i64) -> String {
    let sign = if won < 0 { "-" } else { "" };
    let w = won.unsigned_abs() as i64;
    let (eok, man, rest) = (w / 100_000_000, w / 10_000 % 10_000, w % 10_000);
    let mut parts = Vec::new();
    if eok > 0 {
        parts.push(format!("{}억", group(eok)));
    }
    if man > 0 {
        parts.push(format!("{}만", group(man)));
    }
    if rest > 0 || parts.is_empty() {
        parts.push(format!("{}원", group(rest)));
    } else if let Some(last) = parts.last_mut() {
        last.push_str(" 원");
    }
    format!("{sign}{}", parts.join(" "))
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

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn money_reads_as_koreans_write_it() {
        assert_eq!(format_won(50_000_000), "5,000만 원");
        assert_eq!(format_won(150_000_000), "1억 5,000만 원");
        assert_eq!(format_won(1_500_000_000), "15억 원");
        assert_eq!(format_won(300_000_000), "3억 원");
        assert_eq!(format_won(3_500), "3,500원");
        assert_eq!(format_won(123_456_789), "1억 2,345만 6,789원");
        assert_eq!(format_won(1_000_000_000_000), "10,000억 원");
        assert_eq!(format_won(0), "0원");
    }

    #[test]
    fn limits_read_the_same_way() {
        assert_eq!(
            limit_label(None, Some(10), "명", Upper::AtMost).as_deref(),
            Some("10명 이하")
        );
        assert_eq!(
            limit_label(Some(5), None, "명", Upper::AtMost).as_deref(),
            Some("5명 이상")
        );
        assert_eq!(
            limit_label(Some(5), Some(1000), "명", Upper::AtMost).as_deref(),
            Some("5명 이상 1,000명 이하")
        );
        assert_eq!(
            limit_label(None, Some(3), "년", Upper::Below).as_deref(),
            Some("3년 미만")
        );
        assert_eq!(limit_label(None, None, "명", Upper::AtMost), None);
        let e = Eligibility {
            ksic_include: vec!["56".into(), "47912".into()],
            business_age_max_years: Some(7),
            employees_max: Some(5),
            revenue_max_won: Some(150_000_000),
            owner_age_min: Some(19),
            owner_age_max: Some(39),
            ..Default::default()
        };
        let names = |c: &str| (c == "56").then(|| "음식점 및 주점업".to_string());
        assert_eq!(
            e.describe_with(&names),
            [
                "대상 업종: 음식점 및 주점업(56), KSIC 47912",
                "업력 7년 미만",
                "상시근로자 5명 이하",
                "연 매출 1억 5,000만 원 이하",
                "대표자 만 19세 이상 39세 이하",
            ]
        );
    }
}
