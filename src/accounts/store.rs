//! Queries for agencies, users, sessions and invitations.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::model::{guess_agency_kind, Agency, Invitation, User};
use super::{new_id, CurrentUser, SESSION_DAYS};
use crate::db::schema::{agencies, invitations, sessions, users};
use crate::db::DbConnection;
use crate::error::AppError;

pub fn find_agency(conn: &mut DbConnection, id: &str) -> Result<Option<Agency>, AppError> {
    Ok(agencies::table
        .find(id)
        .select(Agency::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_agency_by_name(
    conn: &mut DbConnection,
    name: &str,
) -> Result<Option<Agency>, AppError> {
    Ok(agencies::table
        .filter(agencies::name.eq(name))
        .select(Agency::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_agencies(conn: &mut DbConnection) -> Result<Vec<Agency>, AppError> {
    Ok(agencies::table
        .order(agencies::name.asc())
        .select(Agency::as_select())
        .load(conn)?)
}

/// Match an agency by its (whitespace-normalised) name, creating it when new.
pub fn agency_by_name_or_create(
    conn: &mut DbConnection,
    name: &str,
    now: NaiveDateTime,
) -> Result<Agency, AppError> {
    let clean = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(a) = find_agency_by_name(conn, &clean)? {
        return Ok(a);
    }
    let agency = Agency {
        id: new_id(),
        name: clean.clone(),
        kind: guess_agency_kind(&clean).to_string(),
        region_code: None,
        homepage: None,
        phone: None,
        created_at: now,
    };
    diesel::insert_into(agencies::table)
        .values(&agency)
        .execute(conn)?;
    Ok(agency)
}

pub fn insert_agency(conn: &mut DbConnection, agency: &Agency) -> Result<(), AppError> {
    diesel::insert_into(agencies::table)
        .values(agency)
        .execute(conn)?;
    Ok(())
}

pub fn find_user_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<User>, AppError> {
    Ok(users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_user(conn: &mut DbConnection, id: &str) -> Result<Option<User>, AppError> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_user(conn: &mut DbConnection, user: &User) -> Result<(), AppError> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

pub fn list_staff(conn: &mut DbConnection, agency_id: &str) -> Result<Vec<User>, AppError> {
    Ok(users::table
        .filter(users::agency_id.eq(agency_id))
        .filter(users::active.eq(true))
        .order(users::created_at.asc())
        .select(User::as_select())
        .load(conn)?)
}

/// Remove a staff member from their agency: deactivate and end their sessions.
pub fn remove_staff(conn: &mut DbConnection, user_id: &str) -> Result<(), AppError> {
    diesel::update(users::table.find(user_id))
        .set((
            users::active.eq(false),
            users::agency_role.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

/// A removed staff member accepts a new invitation: the same account comes back with the
/// invitation's agency and role and the new password and name.
pub fn reactivate_staff(
    conn: &mut DbConnection,
    user_id: &str,
    inv: &Invitation,
    password_hash: &str,
    name: &str,
) -> Result<(), AppError> {
    diesel::update(users::table.find(user_id))
        .set((
            users::active.eq(true),
            users::is_operator.eq(inv.operator),
            users::agency_id.eq(&inv.agency_id),
            users::agency_role.eq(&inv.agency_role),
            users::password_hash.eq(password_hash),
            users::display_name.eq(name),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_role(conn: &mut DbConnection, user_id: &str, role: &str) -> Result<(), AppError> {
    diesel::update(users::table.find(user_id))
        .set(users::agency_role.eq(role))
        .execute(conn)?;
    Ok(())
}

pub fn create_session(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(now + Duration::days(SESSION_DAYS)),
        ))
        .execute(conn)?;
    diesel::update(users::table.find(user_id))
        .set(users::last_login_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn delete_session(conn: &mut DbConnection, token_hash: &str) -> Result<(), AppError> {
    diesel::delete(sessions::table.find(token_hash)).execute(conn)?;
    Ok(())
}

pub fn find_session_user(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<CurrentUser>, AppError> {
    let user: Option<User> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(users::active.eq(true))
        .select(User::as_select())
        .first(conn)
        .optional()?;
    let Some(user) = user else { return Ok(None) };
    let agency = match &user.agency_id {
        Some(id) => find_agency(conn, id)?,
        None => None,
    };
    Ok(Some(CurrentUser { user, agency }))
}

pub fn insert_invitation(conn: &mut DbConnection, inv: &Invitation) -> Result<(), AppError> {
    diesel::insert_into(invitations::table)
        .values(inv)
        .execute(conn)?;
    Ok(())
}

pub fn find_invitation(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<Invitation>, AppError> {
    Ok(invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .select(Invitation::as_select())
        .first(conn)
        .optional()?)
}

pub fn pending_invitations(
    conn: &mut DbConnection,
    agency_id: &str,
    now: NaiveDateTime,
) -> Result<Vec<Invitation>, AppError> {
    Ok(invitations::table
        .filter(invitations::agency_id.eq(agency_id))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .order(invitations::created_at.desc())
        .select(Invitation::as_select())
        .load(conn)?)
}

pub fn mark_invitation_accepted(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(invitations::table.find(id))
        .set(invitations::accepted_at.eq(now))
        .execute(conn)?;
    Ok(())
}
