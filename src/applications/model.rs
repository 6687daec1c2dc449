//! Rows of the application tables, and the one list of an application's states.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    application_events, application_forms, application_settings, applications, businesses,
};

/// Where an application is. 접수 → 검토중 → 보완요청 → (re-submitted: 접수) → 선정 / 미선정;
/// 취소 by the applicant before review. A draft is not yet an application the agency sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppStatus {
    Draft,
    Submitted,
    Reviewing,
    Supplement,
    Selected,
    Rejected,
    Cancelled,
}

impl AppStatus {
    pub const ALL: [AppStatus; 7] = [
        AppStatus::Draft,
        AppStatus::Submitted,
        AppStatus::Reviewing,
        AppStatus::Supplement,
        AppStatus::Selected,
        AppStatus::Rejected,
        AppStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppStatus::Draft => "draft",
            AppStatus::Submitted => "submitted",
            AppStatus::Reviewing => "reviewing",
            AppStatus::Supplement => "supplement",
            AppStatus::Selected => "selected",
            AppStatus::Rejected => "rejected",
            AppStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<AppStatus> {
        AppStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AppStatus::Draft => "작성 중",
            AppStatus::Submitted => "접수",
            AppStatus::Reviewing => "검토중",
            AppStatus::Supplement => "보완요청",
            AppStatus::Selected => "선정",
            AppStatus::Rejected => "미선정",
            AppStatus::Cancelled => "취소",
        }
    }

    /// A reviewer may move an application from `self` to `to`.
    pub fn reviewer_may(self, to: AppStatus) -> bool {
        use AppStatus::*;
        matches!(
            (self, to),
            (Submitted, Reviewing)
                | (Submitted, Supplement)
                | (Reviewing, Supplement)
                | (Submitted | Reviewing, Selected | Rejected)
        )
    }

    /// The applicant may still cancel (before review starts).
    pub fn applicant_may_cancel(self) -> bool {
        matches!(self, AppStatus::Draft | AppStatus::Submitted)
    }

    /// Decided: nothing moves any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            AppStatus::Selected | AppStatus::Rejected | AppStatus::Cancelled
        )
    }
}

/// How a program takes applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplyMode {
    /// On this portal, with the program's form.
    Portal,
    /// At the announcement's own URL (shown as such).
    External,
}

impl ApplyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyMode::Portal => "portal",
            ApplyMode::External => "external",
        }
    }

    pub fn parse(s: &str) -> ApplyMode {
        if s == "portal" {
            ApplyMode::Portal
        } else {
            ApplyMode::External
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = application_settings)]
pub struct Settings {
    pub announcement_id: String,
    pub mode: String,
    pub supplement_days: i32,
    pub show_count: bool,
    pub updated_at: NaiveDateTime,
}

impl Settings {
    pub fn mode(&self) -> ApplyMode {
        ApplyMode::parse(&self.mode)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = application_forms)]
pub struct FormVersion {
    pub id: String,
    pub announcement_id: String,
    pub version: i32,
    pub schema_json: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

impl FormVersion {
    pub fn schema(&self) -> super::form::FormSchema {
        super::form::FormSchema::from_json(&self.schema_json).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = businesses)]
pub struct Business {
    pub id: String,
    pub business_number: String,
    pub name: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: String,
    pub announcement_id: String,
    pub business_id: String,
    pub form_id: String,
    pub agency_id: String,
    pub status: String,
    pub receipt_no: Option<String>,
    pub applicant_json: String,
    pub answers_json: String,
    pub step: i32,
    pub supplement_note: String,
    pub supplement_due: Option<NaiveDateTime>,
    pub created_by: String,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Application {
    pub fn status(&self) -> AppStatus {
        AppStatus::parse(&self.status).unwrap_or(AppStatus::Draft)
    }

    pub fn answers(&self) -> super::form::Answers {
        serde_json::from_str(&self.answers_json).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = application_events)]
pub struct Event {
    pub id: String,
    pub application_id: String,
    pub actor_id: Option<String>,
    pub kind: String,
    pub status: Option<String>,
    pub note: String,
    pub answers_json: Option<String>,
    pub created_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewers_move_applications_only_forward() {
        use AppStatus::*;
        assert!(Submitted.reviewer_may(Reviewing));
        assert!(Reviewing.reviewer_may(Supplement));
        assert!(Reviewing.reviewer_may(Selected));
        assert!(
            !Supplement.reviewer_may(Selected),
            "the applicant answers first"
        );
        assert!(!Selected.reviewer_may(Rejected));
        assert!(!Draft.reviewer_may(Reviewing));
        assert!(Submitted.applicant_may_cancel() && !Reviewing.applicant_may_cancel());
        for s in AppStatus::ALL {
            assert_eq!(AppStatus::parse(s.as_str()), Some(s));
        }
    }
}
