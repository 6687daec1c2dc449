//! Owner account services: sign-up, email verification, password reset. Each is one
//! transaction; `owners::web` parses, calls one of these and renders.

use chrono::NaiveDateTime;
use serde_json::json;

use super::{RESET_PASSWORD, VERIFY_EMAIL};
use crate::accounts::intent::Intent;
use crate::accounts::store as accounts_store;
use crate::alerts::{delivery, store as alerts_store, subscriptions};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::new_id;

/// Queue the verification mail (a link under `base`, valid 24 hours). `intent`: a signed
/// `accounts::intent` token the link carries, so what the owner meant before signing up
/// is done when they verify.
fn queue_verification(
    conn: &mut DbConnection,
    base: &str,
    user_id: &str,
    email: &str,
    intent: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let token = alerts_store::create_token(
        conn,
        VERIFY_EMAIL,
        Some(user_id),
        None,
        chrono::Duration::hours(24),
        now,
    )?;
    delivery::queue_account_email(
        conn,
        Some(user_id),
        email,
        "verify",
        &new_id(),
        json!({"link": match intent {
            Some(i) => format!("{base}/verify/{token}?intent={}", urlencoding::encode(i)),
            None => format!("{base}/verify/{token}"),
        }}),
        now,
    )
}

/// Create an owner account and queue its verification mail (carrying `intent`, a signed
/// token, when the owner signed up to do something). A known address gets nothing (and
/// no error), so the answer says nothing about accounts.
pub fn sign_up(
    conn: &mut DbConnection,
    base: &str,
    email: &str,
    password_hash: String,
    display_name: String,
    intent: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        if accounts_store::find_user_by_email(conn, email)?.is_some() {
            return Ok(());
        }
        let display_name = if display_name.is_empty() {
            email.split('@').next().unwrap_or("회원").to_string()
        } else {
            display_name
        };
        let user = super::insert_owner(conn, email, password_hash, display_name, now)?;
        // The sign-up box: the terms and the privacy policy, with their versions.
        alerts_store::record_consent(
            conn,
            Some(&user.id),
            None,
            super::TERMS_CONSENT,
            true,
            "회원 가입",
            now,
        )?;
        queue_verification(conn, base, &user.id, email, intent, now)
    })
}

/// Send the verification mail again, if `email` is an active, unverified owner.
pub fn resend_verification(
    conn: &mut DbConnection,
    base: &str,
    email: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let Some(user) = accounts_store::find_user_by_email(conn, email)? else {
            return Ok(());
        };
        if !user.active || user.agency_id.is_some() {
            return Ok(());
        }
        match alerts_store::find_profile(conn, &user.id)? {
            Some(p) if p.email_verified_at.is_none() => {
                queue_verification(conn, base, &user.id, &user.email, None, now)
            }
            _ => Ok(()),
        }
    })
}

/// Spend a verification link: the owner is verified and signed in (a session with
/// `session_hash`), and what they meant to do before signing up (`intent`) is done.
/// Where to go next, or `None` when the link or the account is not good.
pub fn verify_email(
    conn: &mut DbConnection,
    token: &str,
    session_hash: &str,
    intent: Option<&Intent>,
    now: NaiveDateTime,
) -> AppResult<Option<String>> {
    crate::db::write_transaction(conn, |conn| {
        let Some(t) = alerts_store::use_token(conn, VERIFY_EMAIL, token, now)? else {
            return Ok(None);
        };
        let Some(uid) = t.user_id else {
            return Ok(None);
        };
        let user = accounts_store::find_user(conn, &uid)?;
        let is_owner = alerts_store::find_profile(conn, &uid)?.is_some();
        match user {
            Some(u) if u.active && u.agency_id.is_none() && is_owner => {
                super::mark_verified(conn, &uid, now)?;
                accounts_store::create_session(conn, session_hash, &uid, now)?;
                let back = match intent {
                    Some(i) => subscriptions::carry_out(conn, &uid, i, now)?,
                    None => None,
                };
                Ok(Some(back.unwrap_or_else(|| "/me?verified=1".into())))
            }
            _ => Ok(None),
        }
    })
}

/// Mail a password-reset link (valid 1 hour) to an active account with `email`.
pub fn request_password_reset(
    conn: &mut DbConnection,
    base: &str,
    email: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let Some(user) = accounts_store::find_user_by_email(conn, email)? else {
            return Ok(());
        };
        if !user.active {
            return Ok(());
        }
        let token = alerts_store::create_token(
            conn,
            RESET_PASSWORD,
            Some(&user.id),
            None,
            chrono::Duration::hours(1),
            now,
        )?;
        delivery::queue_account_email(
            conn,
            Some(&user.id),
            &user.email,
            "reset",
            &new_id(),
            json!({"link": format!("{base}/password/reset/{token}")}),
            now,
        )
    })
}

/// Spend a reset link: set the new password (and mark the address verified, since
/// the link came by email). False when the link is not good.
pub fn reset_password(
    conn: &mut DbConnection,
    token: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let Some(t) = alerts_store::use_token(conn, RESET_PASSWORD, token, now)? else {
            return Ok(false);
        };
        let Some(uid) = t.user_id else {
            return Ok(false);
        };
        super::set_password(conn, &uid, password_hash, now)?;
        super::mark_verified(conn, &uid, now)?;
        Ok(true)
    })
}
