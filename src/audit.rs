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
