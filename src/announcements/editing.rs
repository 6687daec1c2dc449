//! The console's saves: checked content (see `rules`) created, edited or corrected with
//! its agencies resolved, and attachments added or removed. Each is one transaction, so
//! the console's handlers open none.

use chrono::NaiveDateTime;

use super::model::{Announcement, Attachment, FieldChange};
use super::rules::{resolve_agencies, Validated};
use super::service::{self, Actor};
use super::store;
use crate::accounts::CurrentUser;
use crate::audit;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};

/// Load an announcement and check it belongs to the staff member's agency.
pub fn owned(conn: &mut DbConnection, id: &str, agency_id: &str) -> AppResult<Announcement> {
    let a = store::find(conn, id)?.ok_or(AppError::NotFound)?;
    let mine = a.owner_agency_id.as_deref() == Some(agency_id)
        || a.exec_agency_id.as_deref() == Some(agency_id);
    if !mine {
        return Err(AppError::Forbidden);
    }
    Ok(a)
}

/// Create a draft (or forecast) of agency `own` from checked content.
pub fn create(
    conn: &mut DbConnection,
    mut v: Validated,
    own: &str,
    forecast: bool,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<Announcement> {
    crate::db::write_transaction(conn, |conn| {
        let confirmed = resolve_agencies(conn, &mut v, own, None)?;
        let a = service::create(conn, &v.content, forecast, actor, now)?;
        store::set_owner_confirmed(conn, &a.id, confirmed)?;
        Ok(a)
    })
}

/// Save checked content over the unpublished announcement `a`.
pub fn edit(
    conn: &mut DbConnection,
    a: &Announcement,
    mut v: Validated,
    own: &str,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let confirmed = resolve_agencies(conn, &mut v, own, Some(a))?;
        service::edit(conn, &a.id, &v.content, actor, now)?;
        store::set_owner_confirmed(conn, &a.id, confirmed)
    })
}

/// Correct the published announcement `a` with checked content and a reason; the
/// fields that changed (none: nothing was saved as a new revision).
pub fn correct(
    conn: &mut DbConnection,
    a: &Announcement,
    mut v: Validated,
    own: &str,
    reason: &str,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<Vec<FieldChange>> {
    crate::db::write_transaction(conn, |conn| {
        let confirmed = resolve_agencies(conn, &mut v, own, Some(a))?;
        let changes = service::correct(conn, &a.id, &v.content, reason, Actor::User(actor), now)?;
        store::set_owner_confirmed(conn, &a.id, confirmed)?;
        Ok(changes)
    })
}

/// Record a stored upload as the last attachment of agency `own`'s announcement.
pub fn add_attachment(
    conn: &mut DbConnection,
    own: &str,
    mut att: Attachment,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        owned(conn, &att.announcement_id, own)?;
        att.position = store::attachments_of(conn, &att.announcement_id)?.len() as i32;
        store::insert_attachment(conn, &att)?;
        audit::record(
            conn,
            actor,
            "attachment.upload",
            "announcement",
            &att.announcement_id,
            &att.file_name,
            now,
        )
    })
}

/// Remove an attachment of agency `own`'s announcement; its stored file name, for the
/// caller to delete the file.
pub fn delete_attachment(
    conn: &mut DbConnection,
    own: &str,
    announcement_id: &str,
    attachment_id: &str,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<Option<String>> {
    crate::db::write_transaction(conn, |conn| {
        owned(conn, announcement_id, own)?;
        let f = store::find_attachment(conn, attachment_id)?.ok_or(AppError::NotFound)?;
        if f.announcement_id != announcement_id {
            return Err(AppError::NotFound);
        }
        store::delete_attachment(conn, attachment_id)?;
        audit::record(
            conn,
            actor,
            "attachment.delete",
            "announcement",
            announcement_id,
            &f.file_name,
            now,
        )?;
        Ok(f.stored_name)
    })
}
