//! Audit log: who did what to which announcement, agency member or invitation.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::audit_log;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::new_id;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub agency_id: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub detail: String,
    pub created_at: NaiveDateTime,
}

/// Who did it: the signed-in person (`accounts::CurrentUser` implements this). The audit
/// log is a leaf every domain writes to, so it names no account type.
pub trait Actor {
    fn actor_id(&self) -> &str;
    /// "name <email>", as the log shows it.
    fn actor_label(&self) -> String;
    fn agency_id(&self) -> Option<&str>;
}

/// Every action code the log holds, with the words the console shows for it.
pub const LABELS: &[(&str, &str)] = &[
    ("announcement.create", "공고 초안 작성"),
    ("announcement.forecast", "예고 게시"),
    ("announcement.edit", "공고 내용 수정"),
    ("announcement.schedule", "게시 예약"),
    ("announcement.publish", "게시"),
    ("announcement.correct", "정정 공고"),
    ("announcement.close", "마감"),
    ("announcement.unpublish", "게시 취소"),
    ("attachment.upload", "첨부파일 올림"),
    ("attachment.delete", "첨부파일 삭제"),
    ("staff.invite", "직원 초대"),
    ("staff.join", "직원 가입"),
    ("staff.role", "직원 역할 변경"),
    ("staff.remove", "직원 내보냄"),
    ("staff.disable", "계정 사용 중지"),
    ("agency.add", "기관 등록"),
    ("application.status", "신청 상태 변경"),
    ("webhook.set", "웹훅 주소 설정"),
    ("webhook.rotate", "웹훅 비밀키 교체"),
    ("webhook.deactivate", "웹훅 끔"),
    ("webhook.replay", "웹훅 다시 보냄"),
    ("api_key.create", "API 키 발급"),
    ("api_key.revoke", "API 키 폐기"),
];

/// The Korean words for an action code; a code without them shows as "기타 작업".
pub fn label(action: &str) -> &'static str {
    LABELS
        .iter()
        .find(|(code, _)| *code == action)
        .map(|(_, label)| *label)
        .unwrap_or("기타 작업")
}

/// Record an action by a signed-in person.
pub fn record(
    conn: &mut DbConnection,
    actor: &dyn Actor,
    action: &str,
    target_kind: &str,
    target_id: &str,
    detail: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let entry = AuditEntry {
        id: new_id(),
        actor_id: Some(actor.actor_id().to_string()),
        actor_label: actor.actor_label(),
        agency_id: actor.agency_id().map(String::from),
        action: action.into(),
        target_kind: target_kind.into(),
        target_id: target_id.into(),
        detail: detail.into(),
        created_at: now,
    };
    diesel::insert_into(audit_log::table)
        .values(&entry)
        .execute(conn)?;
    Ok(())
}

/// Record an action by the system (scheduler, importer) or a not-yet-signed-in person.
#[allow(clippy::too_many_arguments)]
pub fn record_system(
    conn: &mut DbConnection,
    actor_label: &str,
    agency_id: Option<&str>,
    action: &str,
    target_kind: &str,
    target_id: &str,
    detail: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let entry = AuditEntry {
        id: new_id(),
        actor_id: None,
        actor_label: actor_label.into(),
        agency_id: agency_id.map(String::from),
        action: action.into(),
        target_kind: target_kind.into(),
        target_id: target_id.into(),
        detail: detail.into(),
        created_at: now,
    };
    diesel::insert_into(audit_log::table)
        .values(&entry)
        .execute(conn)?;
    Ok(())
}

pub fn for_target(conn: &mut DbConnection, kind: &str, id: &str) -> AppResult<Vec<AuditEntry>> {
    Ok(audit_log::table
        .filter(audit_log::target_kind.eq(kind))
        .filter(audit_log::target_id.eq(id))
        .order(audit_log::created_at.desc())
        .select(AuditEntry::as_select())
        .load(conn)?)
}

pub fn for_agency(
    conn: &mut DbConnection,
    agency_id: &str,
    limit: i64,
) -> AppResult<Vec<AuditEntry>> {
    Ok(audit_log::table
        .filter(audit_log::agency_id.eq(agency_id))
        .order(audit_log::created_at.desc())
        .limit(limit)
        .select(AuditEntry::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    /// Every action code written anywhere in the source has its Korean label.
    #[test]
    fn every_action_code_in_the_source_has_a_label() {
        let code = regex::Regex::new(r#""((?:announcement|attachment|staff|agency)\.[a-z_]+)""#)
            .expect("regex");
        let mut found = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("src").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("audit.rs")
                {
                    let text = std::fs::read_to_string(&path).expect("read");
                    found.extend(code.captures_iter(&text).map(|c| c[1].to_string()));
                }
            }
        }
        assert!(found.len() > 10, "the codes are found: {found:?}");
        for c in found {
            assert_ne!(super::label(&c), "기타 작업", "no label for {c}");
        }
    }
}
