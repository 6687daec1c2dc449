//! Agencies and staff managed from the command line (`jiwon agency …`, `jiwon staff …`):
//! the first administrator and operator of a new installation, without SQL. Nobody but
//! the person invited ever sees a password: `add_staff` makes an invitation (a pending
//! account) whose one-time link lets them choose their own on `/invite/{token}`.
//! Every action is in the audit log with the actor "cli".

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::model::{agency_kind_label, Agency, AgencyRole, Invitation};
use super::store;
use super::web::looks_like_email;
use crate::audit;
use crate::db::schema::{invitations, sessions, users};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::{new_id, random_token, sha256_hex};

/// The audit log's actor for everything done here.
pub const CLI_ACTOR: &str = "cli";

/// How long a link printed by `jiwon staff add` stays valid.
pub const INVITE_DAYS: i64 = 7;

/// A new agency. Kinds: ministry, local, public.
pub fn add_agency(
    conn: &mut DbConnection,
    name: &str,
    kind: &str,
    now: NaiveDateTime,
) -> AppResult<Agency> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(AppError::BadRequest(
            "기관 이름이 비어 있습니다. / The agency name is empty.".into(),
        ));
    }
    if !matches!(kind, "ministry" | "local" | "public") {
        return Err(AppError::BadRequest(format!(
            "기관 종류는 ministry, local, public 중 하나입니다 (입력: {kind}). / --kind must be ministry, local or public."
        )));
    }
    crate::db::write_transaction(conn, |conn| {
        if store::find_agency_by_name(conn, &name)?.is_some() {
            return Err(AppError::Conflict(format!(
                "이미 있는 기관입니다: {name} / The agency already exists."
            )));
        }
        let agency = Agency {
            id: new_id(),
            name: name.clone(),
            kind: kind.into(),
            region_code: None,
            homepage: None,
            phone: None,
            created_at: now,
        };
        store::insert_agency(conn, &agency)?;
        audit::record_system(
            conn,
            CLI_ACTOR,
            Some(&agency.id),
            "agency.add",
            "agency",
            &agency.id,
            &format!("{} ({})", agency.name, agency_kind_label(kind)),
            now,
        )?;
        Ok(agency)
    })
}

/// The role `jiwon staff add` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRole {
    /// An agency's administrator (needs an agency); they invite the rest of their staff.
    Admin,
    /// A site operator (no agency): jobs, deliveries.
    Operator,
}

impl StaffRole {
    pub fn parse(s: &str) -> Option<StaffRole> {
        match s {
            "admin" => Some(StaffRole::Admin),
            "operator" => Some(StaffRole::Operator),
            _ => None,
        }
    }
}

/// A pending account: the invitation and the one-time link that accepts it.
pub struct NewStaff {
    pub invitation: Invitation,
    pub link: String,
}

/// Invite an agency administrator or an operator. The link is returned once and never
/// stored (only its SHA-256 is).
pub fn add_staff(
    conn: &mut DbConnection,
    base_url: &str,
    email: &str,
    role: StaffRole,
    agency_name: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<NewStaff> {
    let email = email.trim().to_lowercase();
    if !looks_like_email(&email) {
        return Err(AppError::BadRequest(format!(
            "올바른 이메일 주소가 아닙니다: {email} / Not an email address."
        )));
    }
    crate::db::write_transaction(conn, |conn| {
        let agency = match (role, agency_name) {
            (StaffRole::Admin, Some(name)) => Some(
                store::find_agency_by_name(conn, name.trim())?.ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "기관이 없습니다: {name} (먼저 jiwon agency add) / No such agency; add it with `jiwon agency add`."
                    ))
                })?,
            ),
            (StaffRole::Admin, None) => {
                return Err(AppError::BadRequest(
                    "기관 관리자에게는 --agency가 필요합니다. / An admin needs --agency NAME."
                        .into(),
                ))
            }
            (StaffRole::Operator, Some(_)) => {
                return Err(AppError::BadRequest(
                    "운영자는 기관에 속하지 않습니다 (--agency 없이). / An operator has no agency; drop --agency."
                        .into(),
                ))
            }
            (StaffRole::Operator, None) => None,
        };
        if let Some(existing) = store::find_user_by_email(conn, &email)? {
            if existing.active {
                return Err(AppError::Conflict(format!(
                    "이미 사용 중인 계정입니다: {email} / An active account already has this address."
                )));
            }
        }
        // A new link replaces any earlier one that was not used.
        revoke_invitations(conn, &email, now)?;
        let token = random_token(40);
        let invitation = Invitation {
            id: new_id(),
            agency_id: agency.as_ref().map(|a| a.id.clone()),
            email: email.clone(),
            agency_role: agency
                .as_ref()
                .map(|_| AgencyRole::Admin.as_str().to_string()),
            token_hash: sha256_hex(&token),
            invited_by: None,
            created_at: now,
            expires_at: now + Duration::days(INVITE_DAYS),
            accepted_at: None,
            operator: role == StaffRole::Operator,
        };
        store::insert_invitation(conn, &invitation)?;
        let what = match &agency {
            Some(a) => format!("{email} (admin, {})", a.name),
            None => format!("{email} (operator)"),
        };
        audit::record_system(
            conn,
            CLI_ACTOR,
            invitation.agency_id.as_deref(),
            "staff.invite",
            "invitation",
            &invitation.id,
            &what,
            now,
        )?;
        Ok(NewStaff {
            invitation,
            link: format!("{}/invite/{}", base_url.trim_end_matches('/'), token),
        })
    })
}

/// One line of `jiwon staff list`.
#[derive(Debug, Clone, Serialize)]
pub struct StaffLine {
    pub email: String,
    pub name: String,
    /// admin | editor | reviewer | operator
    pub role: String,
    pub agency: Option<String>,
    /// active | pending (invited, link not used yet) | disabled
    pub status: &'static str,
}

impl std::fmt::Display for StaffLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<32} {:<9} {:<9} {:<20} {}",
            self.email,
            self.role,
            self.status,
            self.agency.as_deref().unwrap_or("-"),
            self.name
        )
    }
}

/// Operators and agency staff (active and disabled) and pending invitations, optionally
/// only one agency's.
pub fn list_staff(
    conn: &mut DbConnection,
    agency_name: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<Vec<StaffLine>> {
    let agencies = store::list_agencies(conn)?;
    let only = match agency_name {
        Some(name) => Some(
            agencies
                .iter()
                .find(|a| a.name == name.trim())
                .map(|a| a.id.clone())
                .ok_or_else(|| {
                    AppError::BadRequest(format!("기관이 없습니다: {name} / No such agency."))
                })?,
        ),
        None => None,
    };
    let name_of = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| agencies.iter().find(|a| &a.id == id))
            .map(|a| a.name.clone())
    };
    let mut out = Vec::new();
    let people: Vec<super::model::User> = users::table
        .filter(
            users::agency_id
                .is_not_null()
                .or(users::is_operator.eq(true)),
        )
        .order(users::email.asc())
        .select(super::model::User::as_select())
        .load(conn)?;
    for u in people {
        if only.is_some() && u.agency_id != only {
            continue;
        }
        out.push(StaffLine {
            agency: name_of(&u.agency_id),
            role: if u.is_operator {
                "operator".into()
            } else {
                u.agency_role.clone().unwrap_or_else(|| "-".into())
            },
            status: if u.active { "active" } else { "disabled" },
            email: u.email,
            name: u.display_name,
        });
    }
    let pending: Vec<Invitation> = invitations::table
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .order(invitations::email.asc())
        .select(Invitation::as_select())
        .load(conn)?;
    for i in pending {
        if only.is_some() && i.agency_id != only {
            continue;
        }
        out.push(StaffLine {
            agency: name_of(&i.agency_id),
            role: if i.operator {
                "operator".into()
            } else {
                i.agency_role.clone().unwrap_or_else(|| "-".into())
            },
            status: "pending",
            email: i.email,
            name: String::new(),
        });
    }
    Ok(out)
}

/// Disable an account: it can no longer sign in, its sessions end now, and links still
/// pending for its address stop working. Also cancels an invitation not yet accepted.
pub fn disable_staff(conn: &mut DbConnection, email: &str, now: NaiveDateTime) -> AppResult<()> {
    let email = email.trim().to_lowercase();
    crate::db::write_transaction(conn, |conn| {
        let user = store::find_user_by_email(conn, &email)?;
        let revoked = revoke_invitations(conn, &email, now)?;
        let Some(user) = user else {
            if revoked == 0 {
                return Err(AppError::BadRequest(format!(
                    "그런 계정이나 대기 중인 초대가 없습니다: {email} / No such account or pending invitation."
                )));
            }
            return audit::record_system(
                conn,
                CLI_ACTOR,
                None,
                "staff.disable",
                "invitation",
                &email,
                &format!("{email} (초대 취소)"),
                now,
            );
        };
        if user.agency_id.is_none() && !user.is_operator {
            return Err(AppError::BadRequest(format!(
                "직원이나 운영자 계정이 아닙니다: {email} / Not a staff or operator account."
            )));
        }
        diesel::update(users::table.find(&user.id))
            .set(users::active.eq(false))
            .execute(conn)?;
        let ended =
            diesel::delete(sessions::table.filter(sessions::user_id.eq(&user.id))).execute(conn)?;
        audit::record_system(
            conn,
            CLI_ACTOR,
            user.agency_id.as_deref(),
            "staff.disable",
            "user",
            &user.id,
            &format!("{email} (세션 {ended}개 종료)"),
            now,
        )
    })
}

/// End every unused invitation for this address. Returns how many there were.
fn revoke_invitations(
    conn: &mut DbConnection,
    email: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    Ok(diesel::update(
        invitations::table
            .filter(invitations::email.eq(email))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::expires_at.gt(now)),
    )
    // Expired as of its own creation: dead for every clock, however skewed.
    .set(invitations::expires_at.eq(invitations::created_at))
    .execute(conn)?)
}
