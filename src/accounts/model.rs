use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{agencies, invitations, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub region_code: Option<String>,
    pub homepage: Option<String>,
    pub phone: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Agency {
    pub fn kind_label(&self) -> &'static str {
        agency_kind_label(&self.kind)
    }
}

pub fn agency_kind_label(kind: &str) -> &'static str {
    match kind {
        "ministry" => "중앙부처",
        "local" => "지방자치단체",
        "public" => "공공기관",
        "private" => "민간기관",
        _ => "기타 기관",
    }
}

/// Guess an agency's kind from its name (imports name agencies but do not type them).
pub fn guess_agency_kind(name: &str) -> &'static str {
    let n = name.trim();
    if n.ends_with('부') || n.ends_with('처') || n.ends_with('청') || n.ends_with("위원회") {
        "ministry"
    } else if n.ends_with('시')
        || n.ends_with('도')
        || n.ends_with('군')
        || n.ends_with('구')
        || n.contains("특별자치")
        || n.ends_with("광역시")
    {
        "local"
    } else if n.contains("(주)") || n.contains("주식회사") {
        "private"
    } else {
        "public"
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub display_name: String,
    pub is_operator: bool,
    pub agency_id: Option<String>,
    pub agency_role: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

/// A staff member's role inside their agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyRole {
    /// Manages staff and everything the agency posts.
    Admin,
    /// Writes, schedules, publishes, corrects and closes announcements.
    Editor,
    /// Reads announcements (and, later, reviews applications); cannot change them.
    Reviewer,
}

impl AgencyRole {
    pub fn parse(s: &str) -> Option<AgencyRole> {
        match s {
            "admin" => Some(AgencyRole::Admin),
            "editor" => Some(AgencyRole::Editor),
            "reviewer" => Some(AgencyRole::Reviewer),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            AgencyRole::Admin => "admin",
            AgencyRole::Editor => "editor",
            AgencyRole::Reviewer => "reviewer",
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            AgencyRole::Admin => "기관 관리자",
            AgencyRole::Editor => "공고 담당자",
            AgencyRole::Reviewer => "검토자",
        }
    }
    pub fn can_edit(&self) -> bool {
        matches!(self, AgencyRole::Admin | AgencyRole::Editor)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: String,
    /// `None` for an operator.
    pub agency_id: Option<String>,
    pub email: String,
    /// `None` for an operator.
    pub agency_role: Option<String>,
    #[serde(skip)]
    pub token_hash: String,
    /// `None` when made on the command line (`jiwon staff add`).
    pub invited_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    /// The person becomes a site operator (no agency).
    pub operator: bool,
}
