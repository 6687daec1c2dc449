//! Verifying an owner's phone number before any SMS goes to it: a 6-digit code texted
//! through the SMS channel (a delivery of kind `phone_code:<id>`, sent by the delivery
//! worker like every other message), typed back on the profile page.
//!
//! - The code is derived from the verification row's id under its own signing key
//!   (`signing::Purpose::PhoneCode`), so neither the row nor the delivery holds it; the
//!   row keeps only a hash of (id, code) to check what is typed.
//! - A code lasts [`CODE_TTL_MINUTES`]; [`MAX_ATTEMPTS`] wrong guesses void it; a new
//!   code voids the older ones. The pages rate-limit sends per account and per number.
//! - Changing the number un-verifies it (`owners::validate_profile`); every place that
//!   plans or sends an SMS asks `OwnerProfile::sms_number`, which is `None` until then.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::delivery::{self, NewDelivery};
use super::store;
use crate::db::schema::{owner_profiles, phone_verifications};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::signing::{Keys, Purpose};

/// How long a texted code can be typed in.
pub const CODE_TTL_MINUTES: i64 = 10;
/// Wrong guesses that void a code.
pub const MAX_ATTEMPTS: i32 = 5;
/// The delivery kind prefix of a code message.
pub const KIND_PREFIX: &str = "phone_code:";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = phone_verifications)]
pub struct PhoneVerification {
    pub id: String,
    pub user_id: String,
    pub phone: String,
    pub code_hash: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// The code of verification `id`: six digits from its HMAC under the phone-code key.
pub fn code_for(keys: &Keys, id: &str) -> String {
    let mac = keys.sign(Purpose::PhoneCode, id);
    let n = u64::from_str_radix(&mac[..12], 16).unwrap_or(0);
    format!("{:06}", n % 1_000_000)
}

fn code_hash(id: &str, code: &str) -> String {
    crate::ids::sha256_hex(&format!("{id}:{code}"))
}

/// The text of the code message (one SMS, no link: nothing to click, nothing to stop).
pub fn code_text(code: &str) -> String {
    format!("[지원] 인증번호 {code}\n{CODE_TTL_MINUTES}분 안에 입력해 주세요. 요청하지 않으셨다면 무시하세요.")
}

/// The owner's newest code that can still be typed in for `phone`.
pub fn pending(
    conn: &mut DbConnection,
    user_id: &str,
    phone: &str,
    now: NaiveDateTime,
) -> AppResult<Option<PhoneVerification>> {
    Ok(phone_verifications::table
        .filter(phone_verifications::user_id.eq(user_id))
        .filter(phone_verifications::phone.eq(phone))
        .filter(phone_verifications::used_at.is_null())
        .filter(phone_verifications::expires_at.gt(now))
        .filter(phone_verifications::attempts.lt(MAX_ATTEMPTS))
        .order(phone_verifications::created_at.desc())
        .select(PhoneVerification::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Option<PhoneVerification>> {
    Ok(phone_verifications::table
        .find(id)
        .select(PhoneVerification::as_select())
        .first(conn)
        .optional()?)
}

/// Text a new code to the owner's saved number: the verification row and the SMS
/// delivery in one transaction (older unused codes are voided). `false` when there is no
/// number to verify (none saved, or already verified).
pub fn send_code(
    conn: &mut DbConnection,
    keys: &Keys,
    user_id: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let Some(p) = store::find_profile(conn, user_id)? else {
            return Ok(false);
        };
        let Some(phone) = p.phone.clone().filter(|_| p.phone_verified_at.is_none()) else {
            return Ok(false);
        };
        diesel::update(
            phone_verifications::table
                .filter(phone_verifications::user_id.eq(user_id))
                .filter(phone_verifications::used_at.is_null()),
        )
        .set(phone_verifications::expires_at.eq(now))
        .execute(conn)?;
        let id = crate::ids::new_id();
        let code = code_for(keys, &id);
        diesel::insert_into(phone_verifications::table)
            .values(&PhoneVerification {
                id: id.clone(),
                user_id: user_id.to_string(),
                phone: phone.clone(),
                code_hash: code_hash(&id, &code),
                attempts: 0,
                created_at: now,
                expires_at: now + Duration::minutes(CODE_TTL_MINUTES),
                used_at: None,
            })
            .execute(conn)?;
        let d = NewDelivery {
            user_id: Some(user_id.to_string()),
            subscription_id: None,
            announcement_id: None,
            agency_id: None,
            channel: "sms".into(),
            kind: format!("{KIND_PREFIX}{id}"),
            frequency: "instant".into(),
            address: phone,
            reason: "휴대전화 번호 확인".into(),
            detail: serde_json::json!({}),
        };
        let mut row = delivery::row(&d, now);
        // Asked for just now: quiet hours do not hold it.
        row.next_attempt_at = now;
        delivery::insert_one(conn, &row)?;
        Ok(true)
    })
}

/// What typing a code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    Verified,
    /// Wrong; this many guesses are left.
    Wrong(i32),
    /// Wrong, and that was the last guess.
    Exhausted,
    /// No code waiting (never sent, expired, voided, or the number changed since).
    NoCode,
}

/// Check a typed code against the owner's pending one; right, the number is verified.
pub fn confirm(
    conn: &mut DbConnection,
    user_id: &str,
    typed: &str,
    now: NaiveDateTime,
) -> AppResult<Checked> {
    crate::db::write_transaction(conn, |conn| {
        let Some(p) = store::find_profile(conn, user_id)? else {
            return Ok(Checked::NoCode);
        };
        let Some(phone) = p.phone.clone() else {
            return Ok(Checked::NoCode);
        };
        let Some(v) = pending(conn, user_id, &phone, now)? else {
            return Ok(Checked::NoCode);
        };
        let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if crate::signing::same(&code_hash(&v.id, &typed), &v.code_hash) {
            diesel::update(phone_verifications::table.find(&v.id))
                .set(phone_verifications::used_at.eq(Some(now)))
                .execute(conn)?;
            diesel::update(owner_profiles::table.find(user_id))
                .set(owner_profiles::phone_verified_at.eq(Some(now)))
                .execute(conn)?;
            return Ok(Checked::Verified);
        }
        let attempts = v.attempts + 1;
        diesel::update(phone_verifications::table.find(&v.id))
            .set(phone_verifications::attempts.eq(attempts))
            .execute(conn)?;
        Ok(if attempts >= MAX_ATTEMPTS {
            Checked::Exhausted
        } else {
            Checked::Wrong(MAX_ATTEMPTS - attempts)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_per_id_and_key() {
        let k = Keys::new(b"0123456789abcdef0123456789abcdef", &[]);
        let a = code_for(&k, "id-1");
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(a, code_for(&k, "id-1"));
        let other = Keys::new(b"another-secret-another-secret-12", &[]);
        assert_ne!(code_for(&other, "id-1"), a);
        assert!(
            crate::alerts::sms::euc_kr_len(&code_text(&a)) <= crate::alerts::sms::SMS_MAX_BYTES
        );
    }
}
