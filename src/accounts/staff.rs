//! Agency staff services: invite, change a role, remove, accept an invitation. Each is
//! one transaction with its audit entry; `accounts::web` parses, calls one and renders.

use chrono::NaiveDateTime;

use super::model::{AgencyRole, Invitation, User};
use super::{store, CurrentUser};
use crate::audit;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::new_id;

/// Save an invitation and queue its email (the link goes only to the invited address).
/// The email hook (`AppState::account_hooks.queue_email`).
pub type QueueEmail =
    fn(&mut DbConnection, super::AccountEmail<'_>, NaiveDateTime) -> AppResult<()>;

pub fn invite(
    conn: &mut DbConnection,
    queue_email: QueueEmail,
    inv: &Invitation,
    mail_link: &str,
    role: AgencyRole,
    actor: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        store::insert_invitation(conn, inv)?;
        // The invitation email goes out as a delivery in the same transaction.
        queue_email(
            conn,
            super::AccountEmail {
                user_id: None,
                address: &inv.email,
                kind: "invite",
                unique: &inv.id,
                detail: serde_json::json!({"link": mail_link}),
            },
            now,
        )?;
        audit::record(
            conn,
            actor,
            "staff.invite",
            "invitation",
            &inv.id,
            &format!("{} ({})", inv.email, role.as_str()),
            now,
        )
    })
}

/// An agency admin changes the role of an active staff member of their agency.
pub fn set_role(
    conn: &mut DbConnection,
    agency_id: &str,
    target_id: &str,
    role: AgencyRole,
    user: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let target = store::find_user(conn, target_id)?.ok_or(AppError::NotFound)?;
        if target.agency_id.as_deref() != Some(agency_id) || !target.active || target.is_operator {
            return Err(AppError::Forbidden);
        }
        store::set_role(conn, &target.id, role.as_str())?;
        audit::record(
            conn,
            user,
            "staff.role",
            "user",
            &target.id,
            &format!("{} → {}", target.email, role.as_str()),
            now,
        )
    })
}

/// An agency admin removes a staff member of their agency (never an operator).
pub fn remove(
    conn: &mut DbConnection,
    agency_id: &str,
    target_id: &str,
    user: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let target = store::find_user(conn, target_id)?.ok_or(AppError::NotFound)?;
        // An agency admin manages their agency's staff, never an operator.
        if target.agency_id.as_deref() != Some(agency_id) || target.is_operator {
            return Err(AppError::Forbidden);
        }
        store::remove_staff(conn, &target.id)?;
        audit::record(
            conn,
            user,
            "staff.remove",
            "user",
            &target.id,
            &target.email,
            now,
        )
    })
}

/// Accept an invitation: a new staff account (or a revivable former one) with the
/// password `hash`, signed in with a session `session_hash`.
pub fn accept(
    conn: &mut DbConnection,
    inv: &Invitation,
    hash: String,
    name: String,
    session_hash: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let user = match store::find_user_by_email(conn, &inv.email)? {
            Some(existing) if existing.active => {
                return Err(AppError::Conflict("이미 가입된 이메일입니다.".into()))
            }
            // A former staff member of this same agency invited back: the account
            // returns with the invitation's role (and a former operator through
            // an operator's invitation from the CLI). An agency's invitation never
            // revives an operator, nor an account that belonged to another agency
            // or to an owner: that would hand the inviting admin someone else's
            // account.
            Some(existing) if revivable(&existing, inv) => {
                store::reactivate_staff(conn, &existing.id, inv, &hash, &name)?;
                existing.id
            }
            Some(_) => {
                return Err(AppError::Conflict(
                    "이 이메일은 다른 계정에 등록되어 있어 초대를 받을 수 없습니다. 운영자에게 문의해 주세요."
                        .into(),
                ))
            }
            None => {
                let u = User {
                    id: new_id(),
                    email: inv.email.clone(),
                    password_hash: hash.clone(),
                    display_name: name.clone(),
                    is_operator: inv.operator,
                    agency_id: inv.agency_id.clone(),
                    agency_role: inv.agency_role.clone(),
                    active: true,
                    created_at: now,
                    last_login_at: None,
                };
                store::insert_user(conn, &u)?;
                u.id
            }
        };
        store::mark_invitation_accepted(conn, &inv.id, now)?;
        store::create_session(conn, session_hash, &user, now)?;
        audit::record_system(
            conn,
            &user,
            inv.agency_id.as_deref(),
            "staff.join",
            "user",
            &user,
            &inv.email,
            now,
        )
    })
}

/// Whether accepting `inv` may bring back the deactivated account `existing`.
fn revivable(existing: &User, inv: &Invitation) -> bool {
    if inv.operator {
        existing.is_operator && existing.agency_id.is_none()
    } else {
        !existing.is_operator && inv.agency_id.is_some() && existing.agency_id == inv.agency_id
    }
}
