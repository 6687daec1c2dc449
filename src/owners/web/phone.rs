//! Verifying the owner's phone number on the profile page: "인증번호 받기" texts a code
//! (`alerts::phone::send_code`), the code typed back verifies the number
//! (`alerts::phone::confirm`). Sends are rate-limited per account and per number.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::accounts::{Csrf, CurrentUser};
use crate::alerts::phone::{self, Checked};
use crate::alerts::profile::format_phone;
use crate::alerts::store as alerts_store;
use crate::clock::format_kst;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::web::form::FieldErrors;
use crate::web::redirect;
use crate::AppState;

use super::{owner_profile, CsrfOnly};

/// Codes one account may ask for per hour.
pub const SENDS_PER_ACCOUNT: u32 = 5;
/// Codes one number may receive per hour (whichever accounts ask).
pub const SENDS_PER_NUMBER: u32 = 3;
const HOUR: Duration = Duration::from_secs(3600);

/// The phone part of the profile page.
#[derive(Debug, Serialize)]
pub(super) struct PhoneStatus {
    /// The saved number, as people write it (010-1234-5678).
    number: Option<String>,
    verified: bool,
    /// A code was sent and can still be typed in, until `expires` (KST, HH:MM).
    pending: bool,
    expires: Option<String>,
}

pub(super) fn status(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> AppResult<PhoneStatus> {
    let p = alerts_store::find_profile(conn, user_id)?;
    let phone = p.as_ref().and_then(|p| p.phone.clone());
    let verified = p.as_ref().and_then(|p| p.sms_number()).is_some();
    let pending = match (&phone, verified) {
        (Some(n), false) => phone::pending(conn, user_id, n, now)?,
        _ => None,
    };
    Ok(PhoneStatus {
        number: phone.as_deref().map(format_phone),
        verified,
        pending: pending.is_some(),
        expires: pending.map(|v| format_kst(v.expires_at, "%H:%M")),
    })
}

/// The profile page again with `message` at `field`.
async fn again(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    field: &str,
    message: String,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let p = match owner_profile(state, user).await? {
        Ok(p) => p,
        Err(to) => return Ok(to),
    };
    let mut resp = super::me::render_profile(
        state,
        user,
        csrf,
        crate::owners::profile_form(&p),
        &FieldErrors::one(field, message),
        p.ksic_code.clone(),
        false,
    )
    .await?;
    *resp.status_mut() = status;
    Ok(resp)
}

pub(super) async fn send_code(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let p = match owner_profile(&state, &user).await? {
        Ok(p) => p,
        Err(to) => return Ok(to),
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    if !state.channels.offers("sms") {
        let m = crate::alerts::CHANNEL_OFF.to_string();
        return again(&state, &user, &csrf, "phone_code", m, unprocessable).await;
    }
    if p.sms_number().is_some() {
        return Ok(redirect("/me/profile#phone-verify"));
    }
    let Some(number) = p.phone.clone() else {
        let m = "먼저 아래 '알림 설정'에 휴대전화 번호를 적어 저장해 주세요.".to_string();
        return again(&state, &user, &csrf, "phone_code", m, unprocessable).await;
    };
    let uid = user.user.id.clone();
    let limiter = &state.limiter;
    if limiter.hit("phone-code-account", &uid, HOUR).await? > i64::from(SENDS_PER_ACCOUNT)
        || limiter.hit("phone-code-number", &number, HOUR).await? > i64::from(SENDS_PER_NUMBER)
    {
        let m = "인증번호를 너무 자주 요청하셨습니다. 1시간쯤 뒤에 다시 받아 주세요.".to_string();
        return again(
            &state,
            &user,
            &csrf,
            "phone_code",
            m,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
    }
    let (keys, now) = (state.keys.clone(), state.now());
    state
        .db(move |conn| phone::send_code(conn, &keys, &uid, now))
        .await?;
    Ok(redirect("/me/profile?code=sent#phone-verify"))
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf_token: String,
}

pub(super) async fn verify_code(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<CodeForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    if let Err(to) = owner_profile(&state, &user).await? {
        return Ok(to);
    }
    let typed: String = form.code.chars().filter(|c| !c.is_whitespace()).collect();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        let m = "문자로 받은 인증번호 숫자 6자리를 입력해 주세요.".to_string();
        return again(&state, &user, &csrf, "code", m, unprocessable).await;
    }
    let (uid, now) = (user.user.id.clone(), state.now());
    let checked = state
        .db(move |conn| phone::confirm(conn, &uid, &typed, now))
        .await?;
    let m = match checked {
        Checked::Verified => return Ok(redirect("/me/profile?phone=verified#phone-verify")),
        Checked::Wrong(left) => {
            format!("인증번호가 맞지 않습니다. {left}번 더 입력할 수 있습니다.")
        }
        Checked::Exhausted => format!(
            "인증번호를 {}번 틀려 이 인증번호는 더 쓸 수 없습니다. 인증번호를 다시 받아 주세요.",
            phone::MAX_ATTEMPTS
        ),
        Checked::NoCode => format!(
            "입력할 인증번호가 없거나 {}분이 지났습니다. 인증번호를 다시 받아 주세요.",
            phone::CODE_TTL_MINUTES
        ),
    };
    again(&state, &user, &csrf, "code", m, unprocessable).await
}
