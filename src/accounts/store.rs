//! Queries for agencies, users, sessions and invitations.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::model::{
    agency_key, guess_agency_kind, normalize_agency_name, Agency, Invitation, User,
};
use super::{CurrentUser, SESSION_DAYS, STAFF_IDLE_MINUTES, STAFF_SESSION_HOURS};
use crate::db::schema::{agencies, invitations, sessions, users};
use crate::db::DbConnection;
use crate::error::AppError;
use crate::ids::new_id;

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

/// Match an agency by its name as `normalize_agency_name` reads it (no head's title, no
/// legal-form prefix; spacing ignored: `agency_key`), creating it when new.
pub fn agency_by_name_or_create(
    conn: &mut DbConnection,
    name: &str,
    now: NaiveDateTime,
) -> Result<Agency, AppError> {
    let clean = normalize_agency_name(name);
    if let Some(a) = find_agency_by_name(conn, &clean)? {
        return Ok(a);
    }
    let key = agency_key(&clean);
    if let Some(a) = list_agencies(conn)?
        .into_iter()
        .find(|a| agency_key(&a.name) == key)
    {
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

/// Moves everything of agency `from` to `into` (its staff, invitations, announcements,
/// audit rows, delivery stats) and deletes `from`: the two were one agency. The caller
/// reindexes the announcements it returns.
pub fn merge_agency(
    conn: &mut DbConnection,
    from: &str,
    into: &str,
) -> Result<Vec<String>, AppError> {
    use crate::db::schema::{announcements, audit_log, deliveries};
    let moved: Vec<String> = announcements::table
        .filter(
            announcements::owner_agency_id
                .eq(from)
                .or(announcements::exec_agency_id.eq(from)),
        )
        .select(announcements::id)
        .load(conn)?;
    diesel::update(users::table.filter(users::agency_id.eq(from)))
        .set(users::agency_id.eq(into))
        .execute(conn)?;
    diesel::update(invitations::table.filter(invitations::agency_id.eq(from)))
        .set(invitations::agency_id.eq(into))
        .execute(conn)?;
    diesel::update(announcements::table.filter(announcements::owner_agency_id.eq(from)))
        .set(announcements::owner_agency_id.eq(into))
        .execute(conn)?;
    diesel::update(announcements::table.filter(announcements::exec_agency_id.eq(from)))
        .set(announcements::exec_agency_id.eq(into))
        .execute(conn)?;
    // One agency is not its own partner.
    diesel::update(
        announcements::table
            .filter(announcements::exec_agency_id.eq(into))
            .filter(announcements::owner_agency_id.eq(into)),
    )
    .set(announcements::exec_agency_id.eq(None::<String>))
    .execute(conn)?;
    diesel::update(audit_log::table.filter(audit_log::agency_id.eq(from)))
        .set(audit_log::agency_id.eq(into))
        .execute(conn)?;
    diesel::update(deliveries::table.filter(deliveries::agency_id.eq(from)))
        .set(deliveries::agency_id.eq(into))
        .execute(conn)?;
    diesel::delete(agencies::table.filter(agencies::id.eq(from))).execute(conn)?;
    Ok(moved)
}

/// Renames an agency and sets its kind (after normalising an imported name).
pub fn rename_agency(
    conn: &mut DbConnection,
    id: &str,
    name: &str,
    kind: &str,
) -> Result<(), AppError> {
    diesel::update(agencies::table.filter(agencies::id.eq(id)))
        .set((agencies::name.eq(name), agencies::kind.eq(kind)))
        .execute(conn)?;
    Ok(())
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

/// Start a session. Staff and operators (who can publish and see others' data) get
/// `STAFF_SESSION_HOURS` at most, owners `SESSION_DAYS`.
pub fn create_session(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let user = find_user(conn, user_id)?.ok_or(AppError::NotFound)?;
    let lifetime = if is_staff_like(&user) {
        Duration::hours(STAFF_SESSION_HOURS)
    } else {
        Duration::days(SESSION_DAYS)
    };
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(now + lifetime),
            sessions::last_seen_at.eq(Some(now)),
        ))
        .execute(conn)?;
    diesel::update(users::table.find(user_id))
        .set(users::last_login_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Agency staff and operators: the accounts with short sessions.
fn is_staff_like(u: &User) -> bool {
    u.is_operator || u.agency_id.is_some()
}

pub fn delete_session(conn: &mut DbConnection, token_hash: &str) -> Result<(), AppError> {
    diesel::delete(sessions::table.find(token_hash)).execute(conn)?;
    Ok(())
}

/// The signed-in person of a session, if it is still good. A staff or operator
/// session also ends after `STAFF_IDLE_MINUTES` without a request; using it moves that
/// mark (written at most once a minute, so browsing is not a write per page).
pub fn find_session_user(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<CurrentUser>, AppError> {
    let found: Option<(User, NaiveDateTime, Option<NaiveDateTime>)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(users::active.eq(true))
        .select((
            User::as_select(),
            sessions::created_at,
            sessions::last_seen_at,
        ))
        .first(conn)
        .optional()?;
    let Some((user, created_at, last_seen_at)) = found else {
        return Ok(None);
    };
    let last_seen = last_seen_at.unwrap_or(created_at);
    if is_staff_like(&user) {
        if now - last_seen >= Duration::minutes(STAFF_IDLE_MINUTES) {
            delete_session(conn, token_hash)?;
            return Ok(None);
        }
        if now - last_seen >= Duration::minutes(1) {
            diesel::update(sessions::table.find(token_hash))
                .set(sessions::last_seen_at.eq(Some(now)))
                .execute(conn)?;
        }
    }
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

// --- rate limits ------------------------------------------------------------------------

/// Count one hit of (action, key) in the window starting at `window_start`; the window's
/// total after it. Insert-if-absent then increment: one row per window, atomic on both
/// engines (the UPDATE takes the row lock on PostgreSQL, the write lock on SQLite).
pub fn rate_hit(
    conn: &mut DbConnection,
    action: &str,
    key: &str,
    window_start: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    use crate::db::schema::rate_limits as rl;
    crate::db::write_transaction(conn, |conn| {
        let row = (
            rl::action.eq(action),
            rl::key.eq(key),
            rl::window_start.eq(window_start),
            rl::hits.eq(0),
        );
        crate::insert_or_ignore!(conn, rl::table, row)?;
        let this = rl::table
            .filter(rl::action.eq(action))
            .filter(rl::key.eq(key))
            .filter(rl::window_start.eq(window_start));
        diesel::update(this)
            .set(rl::hits.eq(rl::hits + 1))
            .execute(conn)?;
        let hits: i32 = this.select(rl::hits).first(conn)?;
        // Old windows are of no use: sweep now and then (1 in 64 hits).
        if rand::random::<u8>() < 4 {
            diesel::delete(rl::table.filter(rl::window_start.lt(now - Duration::days(1))))
                .execute(conn)?;
        }
        Ok(i64::from(hits))
    })
}

/// Hits of (action, key) in the window starting at `window_start`, without counting.
pub fn rate_hits(
    conn: &mut DbConnection,
    action: &str,
    key: &str,
    window_start: NaiveDateTime,
) -> Result<i64, AppError> {
    use crate::db::schema::rate_limits as rl;
    let hits: Option<i32> = rl::table
        .filter(rl::action.eq(action))
        .filter(rl::key.eq(key))
        .filter(rl::window_start.eq(window_start))
        .select(rl::hits)
        .first(conn)
        .optional()?;
    Ok(i64::from(hits.unwrap_or(0)))
}
