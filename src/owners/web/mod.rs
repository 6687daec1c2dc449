//! Owner pages: sign-up, email verification, password reset, `/me`, the business
//! profile, consent records and account deletion.
//!
//! Nothing here tells a visitor whether an email address has an account: sign-up,
//! "resend the verification mail" and "forgot my password" answer the same way for
//! known and unknown addresses. A sign-up with an address that already has an account
//! queues nothing (the owner can use "비밀번호 찾기" or "확인 메일 다시 받기").

mod account;
mod legal;
mod me;
mod phone;

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Deserialize;

use crate::accounts::page;
use crate::accounts::{Csrf, CurrentUser};
use crate::alerts::model::OwnerProfile;
use crate::alerts::store as alerts_store;
use crate::error::{AppError, AppResult};
use crate::web::form::FieldErrors;
use crate::web::routes::{Access, Object, Routes};
use crate::web::{redirect, render_status};
use crate::AppState;

use account::{
    forgot, forgot_form, resend, resend_form, reset, reset_form, signup, signup_form, signup_sent,
    verify, verify_form,
};
use me::{consents, delete, delete_form, home, ksic_suggest, profile_form, save_profile};

const HOUR: Duration = Duration::from_secs(3600);
const KST_FORMAT: &str = "%Y년 %m월 %d일 %H:%M";

pub fn routes(r: &mut Routes) {
    let verify_link = Access::Capability.on(Object::VerifyLink);
    let reset_link = Access::Capability.on(Object::ResetLink);
    r.get("/signup", signup_form, Access::Public)
        .post("/signup", signup, Access::Public)
        .get("/signup/sent", signup_sent, Access::Public)
        // Before `/verify/{token}`, which would otherwise match "resend".
        .get("/verify/resend", resend_form, Access::Public)
        .post("/verify/resend", resend, Access::Public)
        .get("/verify/{token}", verify_form, verify_link)
        .post("/verify/{token}", verify, verify_link)
        .get("/password/forgot", forgot_form, Access::Public)
        .post("/password/forgot", forgot, Access::Public)
        .get("/password/reset/{token}", reset_form, reset_link)
        .post("/password/reset/{token}", reset, reset_link)
        .get("/me", home, Access::Owner)
        .get("/me/profile", profile_form, Access::Owner)
        .post("/me/profile", save_profile, Access::Owner)
        .get("/me/consents", consents, Access::Owner)
        .get("/me/delete", delete_form, Access::Owner)
        .post("/me/delete", delete, Access::Owner)
        .get("/api/v1/ksic", ksic_suggest, Access::Public)
        .post("/me/phone/code", phone::send_code, Access::Owner)
        .post("/me/phone/verify", phone::verify_code, Access::Owner)
        .get("/terms", legal::terms, Access::Public)
        .get("/privacy", legal::privacy, Access::Public)
        .get("/help", legal::help, Access::Public);
}

// --- helpers ----------------------------------------------------------------------------

/// A form page: `values` (what was typed, or the blanks) and the problems at their
/// fields. With problems it is the 422 that shows the form again; without, a 200.
fn render_form(
    state: &AppState,
    mut ctx: tera::Context,
    template: &str,
    values: serde_json::Value,
    errors: &FieldErrors,
) -> AppResult<HttpResponse> {
    ctx.extend(tera::Context::from_value(values)?);
    errors.insert_into(&mut ctx);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(state, status, template, &ctx)
}

fn base_url(state: &AppState) -> String {
    state.config.base_url.trim_end_matches('/').to_string()
}

/// The signed-in owner's profile, or a redirect for staff and operators (who have none).
async fn owner_profile(
    state: &AppState,
    user: &CurrentUser,
) -> AppResult<Result<OwnerProfile, HttpResponse>> {
    if user.user.agency_id.is_some() {
        return Ok(Err(redirect("/console")));
    }
    let uid = user.user.id.clone();
    match state
        .db(move |conn| alerts_store::find_profile(conn, &uid))
        .await?
    {
        Some(p) => Ok(Ok(p)),
        None => Ok(Err(redirect("/console"))),
    }
}

fn is_unique_violation(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Db(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

/// The page for a verification or reset link that is expired, used or unknown.
fn invalid_link(state: &AppState, csrf: &Csrf, kind: &str) -> AppResult<HttpResponse> {
    let mut ctx = page(None, Some(csrf));
    ctx.insert("kind", kind);
    ctx.insert("email", "");
    render_status(state, StatusCode::GONE, "owners/link_invalid.html", &ctx)
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf_token: String,
}

const BAD_EMAIL: &str = "올바른 이메일 주소를 입력해 주세요 (예: hong@example.com).";
