//! Agency API keys (issue 12, pull): an agency admin makes a named key for each of the
//! agency's own systems; the key (`jw_live_…`) is shown once and only its hash is kept;
//! a revoked key opens nothing. `pull` reads applications with them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::db::schema::agency_api_keys;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::{new_id, random_token, sha256_hex};

/// What every key starts with (so a leaked one is recognisable in a scanner or a log).
pub const PREFIX: &str = "jw_live_";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = agency_api_keys)]
pub struct ApiKey {
    pub id: String,
    pub agency_id: String,
    pub name: String,
    pub key_hash: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

/// The hash kept for a key. A plain SHA-256 is enough here, unlike for passwords: the key
/// is 40 random alphanumerics (~238 bits) the server made, so there is nothing to guess
/// from a leaked hash and no dictionary to slow down; and a fast, deterministic hash lets
/// a request find its key by an indexed lookup (`key_hash` is UNIQUE) on every call.
pub fn hash(key: &str) -> String {
    sha256_hex(key)
}

/// Make a key named `name` for the agency. Returns the row and the key, to show once.
pub fn create(
    conn: &mut DbConnection,
    by: &dyn Actor,
    name: &str,
    now: NaiveDateTime,
) -> AppResult<(ApiKey, String)> {
    let agency_id = super::agency_of(by)?;
    let key = format!("{PREFIX}{}", random_token(40));
    let row = ApiKey {
        id: new_id(),
        agency_id,
        name: name.into(),
        key_hash: hash(&key),
        created_at: now,
        revoked_at: None,
        last_used_at: None,
    };
    crate::db::write_transaction(conn, |conn| {
        diesel::insert_into(agency_api_keys::table)
            .values(&row)
            .execute(conn)?;
        audit::record(conn, by, "api_key.create", "api_key", &row.id, name, now)
    })?;
    Ok((row, key))
}

/// The agency's keys, newest first (revoked ones too, marked).
pub fn of_agency(conn: &mut DbConnection, agency_id: &str) -> AppResult<Vec<ApiKey>> {
    Ok(agency_api_keys::table
        .filter(agency_api_keys::agency_id.eq(agency_id))
        .order((
            agency_api_keys::created_at.desc(),
            agency_api_keys::id.desc(),
        ))
        .select(ApiKey::as_select())
        .load(conn)?)
}

/// Revoke one of the agency's keys (404 for another agency's). Revoking twice keeps the
/// first time.
pub fn revoke(
    conn: &mut DbConnection,
    by: &dyn Actor,
    id: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let agency_id = super::agency_of(by)?;
    crate::db::write_transaction(conn, |conn| {
        let name: Option<String> = agency_api_keys::table
            .find(id)
            .filter(agency_api_keys::agency_id.eq(&agency_id))
            .select(agency_api_keys::name)
            .first(conn)
            .optional()?;
        let Some(name) = name else {
            return Err(AppError::NotFound);
        };
        let changed = diesel::update(
            agency_api_keys::table
                .find(id)
                .filter(agency_api_keys::revoked_at.is_null()),
        )
        .set(agency_api_keys::revoked_at.eq(Some(now)))
        .execute(conn)?;
        if changed > 0 {
            audit::record(conn, by, "api_key.revoke", "api_key", id, &name, now)?;
        }
        Ok(())
    })
}

/// The unrevoked key whose hash this is.
pub fn active_by_key(conn: &mut DbConnection, key: &str) -> AppResult<Option<ApiKey>> {
    if !key.starts_with(PREFIX) {
        return Ok(None);
    }
    Ok(agency_api_keys::table
        .filter(agency_api_keys::key_hash.eq(hash(key)))
        .filter(agency_api_keys::revoked_at.is_null())
        .select(ApiKey::as_select())
        .first(conn)
        .optional()?)
}

/// Note that the key opened something now (at most one write a minute per key).
pub fn touch(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    let stale = now - chrono::Duration::minutes(1);
    diesel::update(
        agency_api_keys::table.find(id).filter(
            agency_api_keys::last_used_at
                .is_null()
                .or(agency_api_keys::last_used_at.lt(stale)),
        ),
    )
    .set(agency_api_keys::last_used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}
