//! The people who apply for a business: the representative (who first applied with the
//! business's 사업자등록번호) and those they invite — an employee, a 세무사, a consultant.
//! An invitation is a signed link (`signing::Purpose::BusinessInvite`) naming the
//! business, the invited email address and when it expires; the person it names, signed
//! in with that address, accepts it and becomes a `member`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::store;
use crate::db::schema::{business_members, users};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::signing::{Keys, Purpose};

/// How long an invitation link works.
pub const INVITE_DAYS: i64 = 7;

/// What a valid invitation says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub business_id: String,
    pub email: String,
    pub expires_at: NaiveDateTime,
}

pub fn invite_token(keys: &Keys, business_id: &str, email: &str, now: NaiveDateTime) -> String {
    let expires = (now + Duration::days(INVITE_DAYS)).and_utc().timestamp();
    let scope = format!("{business_id}\n{}\n{expires}", email.trim().to_lowercase());
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&scope),
        keys.sign(Purpose::BusinessInvite, &scope)
    )
}

/// The invitation a token carries, if it is genuine and not expired.
pub fn verify_invite(keys: &Keys, token: &str, now: NaiveDateTime) -> Option<Invite> {
    let (b64, sig) = token.split_once('.')?;
    let scope = String::from_utf8(URL_SAFE_NO_PAD.decode(b64).ok()?).ok()?;
    if !keys.verify(Purpose::BusinessInvite, &scope, sig) {
        return None;
    }
    let mut parts = scope.split('\n');
    let business_id = parts.next()?.to_string();
    let email = parts.next()?.to_string();
    let expires_at = chrono::DateTime::from_timestamp(parts.next()?.parse().ok()?, 0)?.naive_utc();
    (now <= expires_at).then_some(Invite {
        business_id,
        email,
        expires_at,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
}

pub fn members(conn: &mut DbConnection, business_id: &str) -> AppResult<Vec<Member>> {
    let rows: Vec<(String, String, String, String)> = business_members::table
        .inner_join(users::table.on(users::id.eq(business_members::user_id)))
        .filter(business_members::business_id.eq(business_id))
        .order(business_members::created_at.asc())
        .select((
            users::id,
            users::display_name,
            users::email,
            business_members::role,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name, email, role)| Member {
            user_id,
            name,
            email,
            role,
        })
        .collect())
}

pub fn is_representative(
    conn: &mut DbConnection,
    business_id: &str,
    user_id: &str,
) -> AppResult<bool> {
    Ok(business_members::table
        .find((business_id, user_id))
        .select(business_members::role)
        .first::<String>(conn)
        .optional()?
        .as_deref()
        == Some("representative"))
}

fn invalid(message: &str) -> AppError {
    AppError::Invalid {
        code: "business_invite",
        message: message.into(),
    }
}

/// Accept an invitation as `user_id` (signed in with `user_email`): a member from now on.
pub fn accept(
    conn: &mut DbConnection,
    invite: &Invite,
    user_id: &str,
    user_email: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    if !user_email.eq_ignore_ascii_case(&invite.email) {
        return Err(invalid(
            "이 초대는 다른 이메일 주소로 보낸 것입니다. 초대받은 주소의 계정으로 로그인해 주세요.",
        ));
    }
    crate::db::write_transaction(conn, |conn| {
        if store::is_member(conn, &invite.business_id, user_id)? {
            return Ok(());
        }
        let inviter: Option<String> = business_members::table
            .filter(business_members::business_id.eq(&invite.business_id))
            .filter(business_members::role.eq("representative"))
            .select(business_members::user_id)
            .first(conn)
            .optional()?;
        let Some(inviter) = inviter else {
            return Err(AppError::NotFound);
        };
        diesel::insert_into(business_members::table)
            .values((
                business_members::business_id.eq(&invite.business_id),
                business_members::user_id.eq(user_id),
                business_members::role.eq("member"),
                business_members::invited_by.eq(Some(inviter)),
                business_members::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Email the invitation link to the invited address, naming the business and who invites
/// (queued; the page shows the link too). At most one mail per business, address and KST
/// day, so a representative cannot make the portal flood an inbox.
pub fn email_invite(
    conn: &mut DbConnection,
    business_id: &str,
    inviter_id: &str,
    email: &str,
    link: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    use crate::db::schema::{businesses, users};
    let business: String = businesses::table
        .find(business_id)
        .select(businesses::name)
        .first(conn)?;
    let (shown, address): (String, String) = users::table
        .find(inviter_id)
        .select((users::display_name, users::email))
        .first(conn)?;
    let inviter = if shown.trim().is_empty() {
        address
    } else {
        shown
    };
    let day = crate::clock::to_kst(now).date();
    crate::alerts::delivery::queue_account_email(
        conn,
        None,
        email,
        "business_invite",
        &format!("{business_id}:{email}:{day}"),
        serde_json::json!({
            "link": link,
            "lines": [
                format!("사업자: {business}"),
                format!("초대한 사람: {inviter} (대표자)"),
                format!("링크는 {INVITE_DAYS}일 동안 유효하며, {email} 계정으로 로그인해야 수락할 수 있습니다."),
            ],
        }),
        now,
    )
}
