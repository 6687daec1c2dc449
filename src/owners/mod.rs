//! Business owners' accounts: sign-up with email verification, password reset, the
//! owner's home (`/me`), the business profile, consent records and account deletion.
//!
//! An owner is a `users` row without an agency (`agency_id = NULL`, not an operator)
//! plus an `owner_profiles` row; that row's existence is what makes a user an owner.
//! Email verification state is `owner_profiles.email_verified_at`.
//!
//! Owners sign in at the shared `/login`; [`login_refusal`] (an unverified owner may not
//! sign in yet) is the accounts hook `lib.rs` installs for it.

pub mod service;
pub mod web;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::accounts::User;
use crate::alerts::model::{OwnerProfile, CHANNELS};
use crate::alerts::profile::{normalize_business_number, REVENUE_BANDS};
use crate::alerts::sms::normalize_phone;
use crate::alerts::store as alerts_store;
use crate::db::schema::{account_tokens, owner_profiles, sessions, users};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::web::form::{FieldErrors, Form};

/// Token purposes.
pub const VERIFY_EMAIL: &str = "verify_email";
pub const RESET_PASSWORD: &str = "reset_password";

/// The consent record's channel for the sign-up box (terms and privacy policy).
pub const TERMS_CONSENT: &str = "terms";

const REMINDER_SOURCE: &str = "내 사업 정보 · 마감 알림 채널";

/// Reminder days an owner can pick (D-14, D-7, D-3, D-1).
pub const REMINDER_DAYS: [i64; 4] = [14, 7, 3, 1];

/// Why `/login` must refuse this user even with the right password: an owner whose
/// email address is not verified yet. `None` for everyone else (staff, operators,
/// verified owners).
pub fn login_refusal(conn: &mut DbConnection, user: &User) -> AppResult<Option<&'static str>> {
    if user.agency_id.is_some() || user.is_operator {
        return Ok(None);
    }
    let verified: Option<Option<NaiveDateTime>> = owner_profiles::table
        .find(&user.id)
        .select(owner_profiles::email_verified_at)
        .first(conn)
        .optional()?;
    Ok(match verified {
        Some(None) => Some(
            "이메일 주소 확인이 아직 끝나지 않았습니다. 가입할 때 받은 메일의 버튼을 눌러 주세요.",
        ),
        _ => None,
    })
}

/// A new owner: a user without agency, and an empty profile (which is what makes them
/// an owner). The email still needs verifying (`mark_verified`).
pub fn insert_owner(
    conn: &mut DbConnection,
    email: &str,
    password_hash: String,
    display_name: String,
    now: NaiveDateTime,
) -> AppResult<User> {
    let user = User {
        id: crate::ids::new_id(),
        email: email.to_string(),
        password_hash,
        display_name,
        is_operator: false,
        agency_id: None,
        agency_role: None,
        active: true,
        created_at: now,
        last_login_at: None,
    };
    crate::accounts::store::insert_user(conn, &user)?;
    alerts_store::save_profile(conn, &OwnerProfile::new(&user.id, now))?;
    Ok(user)
}

/// Store a validated profile (`validate_profile`) over `before`: its profile-based
/// subscriptions follow it, and reminder channels turned on or off are consent records
/// (shown at `/me/consents`).
pub fn save_profile(
    conn: &mut DbConnection,
    before: &OwnerProfile,
    after: &OwnerProfile,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        alerts_store::save_profile(conn, after)?;
        alerts_store::refresh_profile_subscriptions(conn, after, now)?;
        let (old, new) = (
            before.reminder_channel_list(),
            after.reminder_channel_list(),
        );
        for c in CHANNELS {
            let (had, has) = (old.iter().any(|x| x == c), new.iter().any(|x| x == c));
            if had != has {
                alerts_store::record_consent(
                    conn,
                    Some(&after.user_id),
                    None,
                    c,
                    has,
                    REMINDER_SOURCE,
                    now,
                )?;
            }
        }
        Ok(())
    })
}

/// Mark the owner's email verified (no-op if already verified or not an owner).
pub fn mark_verified(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        owner_profiles::table
            .find(user_id)
            .filter(owner_profiles::email_verified_at.is_null()),
    )
    .set(owner_profiles::email_verified_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

/// Set a new password hash, end every session of the user, and void the other unused
/// reset links.
pub fn set_password(
    conn: &mut DbConnection,
    user_id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    diesel::update(
        account_tokens::table
            .filter(account_tokens::user_id.eq(user_id))
            .filter(account_tokens::purpose.eq(RESET_PASSWORD))
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

/// The profile form's checkbox groups.
pub const PROFILE_MULTI: &[&str] = &["reminder_days", "reminder_channels"];

/// The profile form as it shows a stored profile.
pub fn profile_form(p: &OwnerProfile) -> Form {
    let mut f = Form::default();
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    f.set(
        "business_number",
        p.business_number
            .as_deref()
            .map(crate::alerts::profile::format_business_number)
            .unwrap_or_default(),
    );
    f.set("business_name", p.business_name.clone());
    f.set("ksic_code", opt(&p.ksic_code));
    f.set("region_code", opt(&p.region_code));
    f.set(
        "founded_on",
        p.founded_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    f.set(
        "employees",
        p.employees.map(|n| n.to_string()).unwrap_or_default(),
    );
    f.set("revenue_band", opt(&p.revenue_band));
    f.set(
        "sole_proprietor",
        match p.sole_proprietor {
            Some(true) => "sole",
            Some(false) => "corp",
            None => "",
        },
    );
    f.set(
        "birth_year",
        p.birth_year.map(|n| n.to_string()).unwrap_or_default(),
    );
    f.set("gender", opt(&p.gender));
    f.set("phone", opt(&p.phone));
    f.set("digest_hour", p.digest_hour.to_string());
    f.set("daily_cap", p.daily_cap.to_string());
    f.m.insert(
        "reminder_days".into(),
        p.reminder_day_list()
            .iter()
            .map(|d| d.to_string())
            .collect(),
    );
    f.m.insert("reminder_channels".into(), p.reminder_channel_list());
    f
}

/// The industry typed as a name ("한식", "미용") rather than a code, when nothing was
/// picked from the offered codes: the profile form then offers the KSIC entries it
/// matches (`reference::search_ksic`).
pub fn ksic_name_typed(f: &Form) -> Option<&str> {
    let typed = f.get("ksic_code");
    let is_name = typed
        .chars()
        .any(|c| !c.is_ascii_alphanumeric() && !c.is_whitespace());
    (f.get("ksic_pick").is_empty() && is_name && typed.chars().count() <= 30).then_some(typed)
}

fn parse_int(s: &str) -> Option<i64> {
    let clean: String = s.chars().filter(|c| !matches!(c, ',' | ' ')).collect();
    clean.parse::<i64>().ok()
}

/// Check the profile form against `current`; the updated profile, or the problems.
/// `offered`: the channels that may be reminder channels (web push only when configured,
/// email and SMS unless the operator turned them off: `Channels::offered`).
pub fn validate_profile(
    conn: &mut DbConnection,
    f: &Form,
    current: &OwnerProfile,
    offered: &[&str],
    now: NaiveDateTime,
) -> AppResult<Result<OwnerProfile, FieldErrors>> {
    let today = crate::clock::kst_today(now);
    let mut p = current.clone();
    let mut errors = FieldErrors::new();
    macro_rules! err {
        ($k:expr, $m:expr $(,)?) => {
            errors.add($k, $m.to_string())
        };
    }

    let bn = f.get("business_number");
    p.business_number = None;
    if !bn.is_empty() {
        match normalize_business_number(bn) {
            Ok(d) => p.business_number = Some(d),
            Err(m) => err!("business_number", m),
        }
    }

    let name = f.get("business_name");
    if name.chars().count() > 100 {
        err!("business_name", "상호는 100자 이하로 입력해 주세요.");
    }
    p.business_name = name.to_string();

    // A code typed, or one picked among the codes a name matched (`ksic_pick`, offered
    // when a name such as "한식" was typed: see `ksic_name_typed`).
    let picked = f.get("ksic_pick");
    let typed = if picked.is_empty() {
        f.get("ksic_code")
    } else {
        picked
    };
    let ksic: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    p.ksic_code = None;
    if !ksic.is_empty() {
        if ksic.len() <= 10 && crate::reference::find_ksic(conn, &ksic)?.is_some() {
            p.ksic_code = Some(ksic);
        } else if let Some(name) = ksic_name_typed(f) {
            if crate::reference::search_ksic(conn, name, 1)?.is_empty() {
                err!(
                    "ksic_code",
                    format!("'{name}'에 맞는 업종을 찾지 못했습니다. 다른 말로 찾아 보세요 (예: 한식, 미용, 편의점)."),
                );
            } else {
                err!("ksic_code", "아래 목록에서 업종을 골라 주세요.");
            }
        } else {
            err!(
                "ksic_code",
                "한국표준산업분류(KSIC)에 없는 업종 코드입니다. 숫자를 다시 확인해 주세요 (예: 56111).",
            );
        }
    }

    let region = f.get("region_code");
    p.region_code = None;
    if !region.is_empty() {
        if region.len() <= 20 && crate::reference::find_region(conn, region)?.is_some() {
            p.region_code = Some(region.to_string());
        } else {
            err!("region_code", "목록에서 지역을 골라 주세요.");
        }
    }

    let founded = f.get("founded_on");
    p.founded_on = None;
    if !founded.is_empty() {
        match NaiveDate::parse_from_str(founded, "%Y-%m-%d") {
            Ok(d) if d > today => err!("founded_on", "개업일이 오늘보다 늦습니다."),
            Ok(d) if d.year() < 1900 => err!("founded_on", "개업일을 다시 확인해 주세요."),
            Ok(d) => p.founded_on = Some(d),
            Err(_) => err!(
                "founded_on",
                "개업일은 2020-03-01처럼 연-월-일로 입력해 주세요.",
            ),
        }
    }

    let employees = f.get("employees");
    p.employees = None;
    if !employees.is_empty() {
        match parse_int(employees) {
            Some(n) if (0..=1_000_000).contains(&n) => p.employees = Some(n as i32),
            _ => err!(
                "employees",
                "상시근로자 수는 0 이상의 숫자로 입력해 주세요.",
            ),
        }
    }

    let band = f.get("revenue_band");
    p.revenue_band = None;
    if !band.is_empty() {
        if REVENUE_BANDS.iter().any(|(c, _, _)| *c == band) {
            p.revenue_band = Some(band.to_string());
        } else {
            err!("revenue_band", "목록에서 매출 규모를 골라 주세요.");
        }
    }

    p.sole_proprietor = match f.get("sole_proprietor") {
        "sole" => Some(true),
        "corp" => Some(false),
        "" => None,
        _ => {
            err!("sole_proprietor", "사업자 형태를 골라 주세요.");
            None
        }
    };

    let birth = f.get("birth_year");
    p.birth_year = None;
    if !birth.is_empty() {
        match parse_int(birth) {
            Some(y) if (1900..=i64::from(today.year())).contains(&y) => {
                p.birth_year = Some(y as i32)
            }
            _ => err!(
                "birth_year",
                "출생연도는 1985처럼 네 자리 숫자로 입력해 주세요.",
            ),
        }
    }

    p.gender = match f.get("gender") {
        "female" => Some("female".into()),
        "male" => Some("male".into()),
        "" => None,
        _ => {
            err!("gender", "성별을 골라 주세요.");
            None
        }
    };

    let phone = f.get("phone");
    p.phone = None;
    if !phone.is_empty() {
        match normalize_phone(phone) {
            Some(d) => p.phone = Some(d),
            None => err!(
                "phone",
                "휴대전화 번호를 확인해 주세요 (예: 010-1234-5678).",
            ),
        }
    }

    // A new number (or none) must be verified again before any SMS goes to it.
    if p.phone != current.phone {
        p.phone_verified_at = None;
    }

    match parse_int(f.get("digest_hour")) {
        Some(h) if (0..=23).contains(&h) => p.digest_hour = h as i32,
        _ => err!(
            "digest_hour",
            "요약 알림 시각을 0시에서 23시 사이로 골라 주세요.",
        ),
    }

    match parse_int(f.get("daily_cap")) {
        Some(n) if (1..=100).contains(&n) => p.daily_cap = n as i32,
        _ => err!(
            "daily_cap",
            "하루 알림 한도는 1에서 100 사이의 숫자로 입력해 주세요.",
        ),
    }

    let mut days = Vec::new();
    for d in f.list("reminder_days") {
        match d.trim().parse::<i64>() {
            Ok(n) if REMINDER_DAYS.contains(&n) => days.push(n),
            _ => {
                err!("reminder_days", "마감 알림 날짜는 목록에서 골라 주세요.");
                break;
            }
        }
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();

    let mut channels: Vec<String> = Vec::new();
    for c in f.list("reminder_channels") {
        if c == "push" && !offered.contains(&"push") {
            err!("reminder_channels", crate::alerts::PUSH_NOT_READY);
            break;
        }
        if CHANNELS.contains(&c.as_str()) && !offered.contains(&c.as_str()) {
            err!("reminder_channels", crate::alerts::CHANNEL_OFF);
            break;
        }
        if CHANNELS.contains(&c.as_str()) {
            if !channels.contains(&c) {
                channels.push(c);
            }
        } else {
            err!(
                "reminder_channels",
                "마감 알림 채널은 목록에서 골라 주세요."
            );
            break;
        }
    }
    channels.sort_by_key(|c| CHANNELS.iter().position(|x| *x == c.as_str()));
    let phone_invalid = errors.has("phone");
    if channels.iter().any(|c| c == "sms") && p.phone.is_none() && !phone_invalid {
        err!(
            "reminder_channels",
            "문자(SMS)로 받으려면 휴대전화 번호를 입력해 주세요.",
        );
    } else if !days.is_empty() && channels.is_empty() {
        err!(
            "reminder_channels",
            "마감 알림을 받을 채널을 하나 이상 골라 주세요. 받지 않으려면 날짜 선택을 모두 해제하세요.",
        );
    }
    p.reminder_days = serde_json::to_string(&days).map_err(AppError::internal)?;
    p.reminder_channels = serde_json::to_string(&channels).map_err(AppError::internal)?;
    p.updated_at = now;

    if errors.is_empty() {
        Ok(Ok(p))
    } else {
        Ok(Err(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_keep_lists() {
        let f = Form::parse(
            b"reminder_days=7&reminder_days=1&phone=010&x=%20a%20",
            PROFILE_MULTI,
        )
        .expect("parse");
        assert_eq!(f.list("reminder_days"), vec!["7", "1"]);
        assert_eq!(f.get("x"), "a");
        assert_eq!(f.get("missing"), "");
    }
}
