//! Owner pages: sign-up, email verification, password reset, `/me`, the business
//! profile, consent records and account deletion.
//!
//! Nothing here tells a visitor whether an email address has an account: sign-up,
//! "resend the verification mail" and "forgot my password" answer the same way for
//! known and unknown addresses. A sign-up with an address that already has an account
//! queues nothing (the owner can use "비밀번호 찾기" or "확인 메일 다시 받기").

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{RESET_PASSWORD, VERIFY_EMAIL};
use crate::accounts::web::{clear_session_cookie, looks_like_email, NewSession};
use crate::accounts::{client_ip, password, Csrf, CurrentUser};
use crate::alerts::model::{channel_label, OwnerProfile, CHANNELS};
use crate::alerts::profile::{format_business_number, REVENUE_BANDS};
use crate::alerts::store as alerts_store;
use crate::clock::format_kst;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::web::form::{FieldErrors, Form};
use crate::web::routes::{Access, Object, Routes};
use crate::web::{page, redirect, render, render_status};
use crate::AppState;

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
        .post("/me/delete", delete, Access::Owner);
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

// --- sign-up ----------------------------------------------------------------------------

async fn signup_form(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    if user.is_some() {
        return Ok(redirect("/me"));
    }
    render_form(
        &state,
        page(None, Some(&csrf)),
        "owners/signup.html",
        json!({"email": "", "display_name": "", "agree": false}),
        &FieldErrors::new(),
    )
}

#[derive(Deserialize)]
struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    display_name: String,
    agree: Option<String>,
    #[serde(default)]
    csrf_token: String,
}

async fn signup(
    state: web::Data<AppState>,
    req: HttpRequest,
    csrf: Csrf,
    form: web::Form<SignupForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let form = form.into_inner();
    let email = form.email.trim().to_lowercase();
    let name = form.display_name.trim().to_string();
    let agreed = form.agree.as_deref() == Some("yes");
    let mut errors = FieldErrors::new();
    if !looks_like_email(&email) {
        errors.add("email", BAD_EMAIL);
    }
    if let Some(p) = password::password_problem(&form.password) {
        errors.add("password", p);
    } else if form.password != form.password_confirm {
        errors.add("password_confirm", "비밀번호가 서로 다릅니다.");
    }
    if name.chars().count() > 50 {
        errors.add("display_name", "이름은 50자 이하로 입력해 주세요.");
    }
    if !agreed {
        errors.add(
            "agree",
            "이용약관과 개인정보 처리방침에 동의해야 가입할 수 있습니다.",
        );
    }
    if !errors.is_empty() {
        return render_form(
            &state,
            page(None, Some(&csrf)),
            "owners/signup.html",
            json!({"email": email, "display_name": name, "agree": agreed}),
            &errors,
        );
    }
    state
        .limiter
        .check("signup", &client_ip(&req), 10, HOUR)
        .await?;
    // Hash before looking the address up, so a known address answers as slowly as a new one.
    let pw = form.password;
    let hash = web::block(move || password::hash_password(&pw)).await??;
    let now = state.now();
    let base = base_url(&state);
    let sent_to = email.clone();
    let result = state
        .db(move |conn| super::service::sign_up(conn, &base, &email, hash, name, now))
        .await;
    match result {
        Ok(()) => {}
        // Two sign-ups with one address at once: the loser answers like a known address.
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e),
    }
    sent_redirect(&state, &sent_to)
}

/// Remembers, for the "확인 메일을 보냈습니다" page only, the address just used.
const SENT_EMAIL_COOKIE: &str = "jiwon_sent_email";
const SENT_PAGE: &str = "/signup/sent";

/// The redirect to the "sent" page after a sign-up or a resend. The address typed goes
/// along in a short-lived cookie scoped to that page (not in the URL, which ends up in
/// logs and history), so its resend field is pre-filled. It is set for every valid
/// address, known or not, so the answer still says nothing about accounts.
fn sent_redirect(state: &AppState, email: &str) -> AppResult<HttpResponse> {
    let mut resp = redirect(SENT_PAGE);
    let cookie = actix_web::cookie::Cookie::build(
        SENT_EMAIL_COOKIE,
        urlencoding::encode(email.trim()).into_owned(),
    )
    .path(SENT_PAGE)
    .http_only(true)
    .secure(state.config.is_production())
    .same_site(actix_web::cookie::SameSite::Lax)
    .max_age(actix_web::cookie::time::Duration::hours(1))
    .finish();
    resp.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(resp)
}

async fn signup_sent(
    state: web::Data<AppState>,
    req: HttpRequest,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    let email = req
        .cookie(SENT_EMAIL_COOKIE)
        .and_then(|c| urlencoding::decode(c.value()).ok().map(|v| v.into_owned()))
        .map(|v| v.trim().to_string())
        .filter(|v| looks_like_email(v))
        .unwrap_or_default();
    let mut ctx = page(None, Some(&csrf));
    ctx.insert("email", &email);
    render(&state, "owners/signup_sent.html", &ctx)
}

// --- verification -----------------------------------------------------------------------

async fn resend_form(state: web::Data<AppState>, csrf: Csrf) -> AppResult<HttpResponse> {
    render_form(
        &state,
        page(None, Some(&csrf)),
        "owners/resend.html",
        json!({"email": ""}),
        &FieldErrors::new(),
    )
}

/// A new verification link, for an unverified owner; the same answer for every address.
async fn resend(
    state: web::Data<AppState>,
    req: HttpRequest,
    csrf: Csrf,
    form: web::Form<EmailForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let email = form.email.trim().to_lowercase();
    if !looks_like_email(&email) {
        return render_form(
            &state,
            page(None, Some(&csrf)),
            "owners/resend.html",
            json!({"email": email}),
            &FieldErrors::one("email", BAD_EMAIL),
        );
    }
    state
        .limiter
        .check("verify-resend", &client_ip(&req), 5, HOUR)
        .await?;
    state
        .limiter
        .check("verify-resend-email", &email, 3, HOUR)
        .await?;
    let now = state.now();
    let base = base_url(&state);
    let sent_to = email.clone();
    state
        .db(move |conn| super::service::resend_verification(conn, &base, &email, now))
        .await?;
    sent_redirect(&state, &sent_to)
}

/// The link in the email opens a page with a button: mail scanners that fetch links
/// do not spend the token.
async fn verify_form(
    state: web::Data<AppState>,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let now = state.now();
    let t = token.clone();
    let valid = state
        .db(move |conn| alerts_store::peek_token(conn, VERIFY_EMAIL, &t, now))
        .await?;
    if valid.is_none() {
        return invalid_link(&state, &csrf, "verify");
    }
    let mut ctx = page(None, Some(&csrf));
    ctx.insert("token", &token);
    render(&state, "owners/verify.html", &ctx)
}

async fn verify(
    state: web::Data<AppState>,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let token = path.into_inner();
    let now = state.now();
    let session = NewSession::random();
    let session_hash = session.hash();
    let done = state
        .db(move |conn| super::service::verify_email(conn, &token, &session_hash, now))
        .await?;
    if !done {
        return invalid_link(&state, &csrf, "verify");
    }
    session.redirect(&state, "/me?verified=1")
}

// --- password reset ---------------------------------------------------------------------

#[derive(Deserialize)]
struct SentQuery {
    sent: Option<String>,
}

async fn forgot_form(
    state: web::Data<AppState>,
    csrf: Csrf,
    q: web::Query<SentQuery>,
) -> AppResult<HttpResponse> {
    render_form(
        &state,
        page(None, Some(&csrf)),
        "owners/forgot.html",
        json!({"email": "", "sent": q.sent.is_some()}),
        &FieldErrors::new(),
    )
}

async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    csrf: Csrf,
    form: web::Form<EmailForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let email = form.email.trim().to_lowercase();
    if !looks_like_email(&email) {
        return render_form(
            &state,
            page(None, Some(&csrf)),
            "owners/forgot.html",
            json!({"email": email, "sent": false}),
            &FieldErrors::one("email", BAD_EMAIL),
        );
    }
    state
        .limiter
        .check("password-forgot", &client_ip(&req), 10, HOUR)
        .await?;
    state
        .limiter
        .check("password-forgot-email", &email, 3, HOUR)
        .await?;
    let now = state.now();
    let base = base_url(&state);
    state
        .db(move |conn| super::service::request_password_reset(conn, &base, &email, now))
        .await?;
    Ok(redirect("/password/forgot?sent=1"))
}

async fn reset_form(
    state: web::Data<AppState>,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let now = state.now();
    let t = token.clone();
    let valid = state
        .db(move |conn| alerts_store::peek_token(conn, RESET_PASSWORD, &t, now))
        .await?;
    if valid.is_none() {
        return invalid_link(&state, &csrf, "reset");
    }
    render_form(
        &state,
        page(None, Some(&csrf)),
        "owners/reset.html",
        json!({"token": token}),
        &FieldErrors::new(),
    )
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    csrf_token: String,
}

async fn reset(
    state: web::Data<AppState>,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<ResetForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let token = path.into_inner();
    let now = state.now();
    let t = token.clone();
    let valid = state
        .db(move |conn| alerts_store::peek_token(conn, RESET_PASSWORD, &t, now))
        .await?;
    if valid.is_none() {
        return invalid_link(&state, &csrf, "reset");
    }
    let mut errors = FieldErrors::new();
    if let Some(p) = password::password_problem(&form.password) {
        errors.add("password", p);
    } else if form.password != form.password_confirm {
        errors.add("password_confirm", "비밀번호가 서로 다릅니다.");
    }
    if !errors.is_empty() {
        return render_form(
            &state,
            page(None, Some(&csrf)),
            "owners/reset.html",
            json!({"token": token}),
            &errors,
        );
    }
    let pw = form.password.clone();
    let hash = web::block(move || password::hash_password(&pw)).await??;
    let done = state
        .db(move |conn| super::service::reset_password(conn, &token, &hash, now))
        .await?;
    if !done {
        return invalid_link(&state, &csrf, "reset");
    }
    let mut resp = redirect("/login?notice=password_reset");
    clear_session_cookie(&state, &mut resp)?;
    Ok(resp)
}

// --- the owner's pages ------------------------------------------------------------------

#[derive(Deserialize)]
struct HomeQuery {
    verified: Option<String>,
}

async fn home(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<HomeQuery>,
) -> AppResult<HttpResponse> {
    let p = match owner_profile(&state, &user).await? {
        Ok(p) => p,
        Err(to) => return Ok(to),
    };
    let (ksic, region) = (p.ksic_code.clone(), p.region_code.clone());
    let (ksic_name, region_name) = state
        .db(move |conn| {
            Ok((
                ksic_label(conn, ksic.as_deref())?,
                region_label(conn, region.as_deref())?,
            ))
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("name", &user.user.display_name);
    ctx.insert("email", &user.user.email);
    ctx.insert("just_verified", &q.verified.is_some());
    ctx.insert("verified", &p.email_verified_at.is_some());
    ctx.insert(
        "verified_at",
        &p.email_verified_at.map(|t| format_kst(t, KST_FORMAT)),
    );
    ctx.insert("business_name", &p.business_name);
    ctx.insert(
        "business_number",
        &p.business_number.as_deref().map(format_business_number),
    );
    ctx.insert("ksic_name", &ksic_name);
    ctx.insert("region_name", &region_name);
    render(&state, "owners/home.html", &ctx)
}

fn ksic_label(conn: &mut DbConnection, code: Option<&str>) -> AppResult<Option<String>> {
    Ok(match code {
        Some(c) => {
            crate::reference::find_ksic(conn, c)?.map(|k| format!("{} ({})", k.name, k.code))
        }
        None => None,
    })
}

fn region_label(conn: &mut DbConnection, code: Option<&str>) -> AppResult<Option<String>> {
    Ok(match code {
        Some(c) => crate::reference::find_region(conn, c)?.map(|r| {
            if r.level == "sido" {
                r.name
            } else {
                format!(
                    "{} {}",
                    crate::reference::sido_name(&r.sido_code).unwrap_or_default(),
                    r.name
                )
            }
        }),
        None => None,
    })
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn profile_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<SavedQuery>,
) -> AppResult<HttpResponse> {
    let p = match owner_profile(&state, &user).await? {
        Ok(p) => p,
        Err(to) => return Ok(to),
    };
    let values = super::profile_form(&p);
    render_profile(
        &state,
        &user,
        &csrf,
        values,
        &FieldErrors::new(),
        p.ksic_code.clone(),
        q.saved.is_some(),
    )
    .await
}

/// The profile form (422 when `errors` has problems).
async fn render_profile(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    values: Form,
    errors: &FieldErrors,
    saved_ksic: Option<String>,
    saved: bool,
) -> AppResult<HttpResponse> {
    let (sido, sigungu, ksic_name) = state
        .db(move |conn| {
            Ok((
                crate::reference::list_sido(conn)?,
                crate::reference::list_sigungu(conn)?,
                ksic_label(conn, saved_ksic.as_deref())?,
            ))
        })
        .await?;
    let groups: Vec<_> = sido
        .iter()
        .map(|s| {
            json!({
                "code": s.code,
                "name": s.name,
                "items": sigungu
                    .iter()
                    .filter(|r| r.sido_code == s.sido_code && !r.name.trim().is_empty())
                    .map(|r| json!({"code": r.code, "name": r.name}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut ctx = page(Some(user), Some(csrf));
    ctx.insert("f", &values);
    ctx.insert("region_groups", &groups);
    let mut ksic_hint = String::from(
        "업종 요건이 있는 사업을 고르는 데 씁니다. 예: 56111 (한식 일반 음식점업), 47 (소매업).",
    );
    if let Some(n) = &ksic_name {
        ksic_hint.push_str(&format!(" 저장된 업종: {n}"));
    }
    ctx.insert("ksic_hint", &ksic_hint);
    ctx.insert("ksic_name", &ksic_name);
    ctx.insert("saved", &saved);
    ctx.insert(
        "revenue_bands",
        &REVENUE_BANDS
            .iter()
            .map(|(c, l, _)| (*c, *l))
            .collect::<Vec<_>>(),
    );
    ctx.insert("hours", &(0..24).collect::<Vec<i32>>());
    ctx.insert("reminder_day_options", &super::REMINDER_DAYS);
    // Web push is offered only when it can be sent (VAPID configured), as on the
    // subscription form.
    let push_enabled = state.channels.push.is_some();
    ctx.insert("push_enabled", &push_enabled);
    ctx.insert(
        "channel_options",
        &CHANNELS
            .iter()
            .filter(|c| state.channels.offers(c))
            .map(|c| (*c, channel_label(c)))
            .collect::<Vec<_>>(),
    );
    render_form(state, ctx, "owners/profile.html", json!({}), errors)
}

async fn save_profile(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = Form::parse(&body, super::PROFILE_MULTI)?;
    csrf.verify(values.get("csrf_token"))?;
    let current = match owner_profile(&state, &user).await? {
        Ok(p) => p,
        Err(to) => return Ok(to),
    };
    let now = state.now();
    let vals = values.clone();
    let stored_ksic = current.ksic_code.clone();
    let offered = state.channels.offered();
    let result = state
        .db(move |conn| {
            let p = match super::validate_profile(conn, &vals, &current, &offered, now)? {
                Ok(p) => p,
                Err(errors) => return Ok(Err(errors)),
            };
            super::save_profile(conn, &current, &p, now)?;
            Ok(Ok(()))
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect("/me/profile?saved=1")),
        Err(errors) => {
            render_profile(&state, &user, &csrf, values, &errors, stored_ksic, false).await
        }
    }
}

/// The channel column of the consent table.
fn consent_channel_label(channel: &str) -> &'static str {
    match channel {
        "reminders" => "마감 알림(모든 채널)",
        other => channel_label(other),
    }
}

async fn consents(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    if let Err(to) = owner_profile(&state, &user).await? {
        return Ok(to);
    }
    let uid = user.user.id.clone();
    let rows = state
        .db(move |conn| alerts_store::consents_of(conn, &uid))
        .await?;
    let rows: Vec<_> = rows
        .iter()
        .map(|c| {
            json!({
                "channel": consent_channel_label(&c.channel),
                "granted": c.granted,
                "source": c.source,
                "at": format_kst(c.created_at, KST_FORMAT),
            })
        })
        .collect();
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("rows", &rows);
    render(&state, "owners/consents.html", &ctx)
}

// --- leaving ----------------------------------------------------------------------------

async fn delete_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    if let Err(to) = owner_profile(&state, &user).await? {
        return Ok(to);
    }
    render_form(
        &state,
        page(Some(&user), Some(&csrf)),
        "owners/delete.html",
        json!({"email": user.user.email}),
        &FieldErrors::new(),
    )
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    if let Err(to) = owner_profile(&state, &user).await? {
        return Ok(to);
    }
    state
        .limiter
        .check(
            "account-delete",
            &user.user.id,
            state.config.login_rate_limit,
            Duration::from_secs(15 * 60),
        )
        .await?;
    let pw = form.password.clone();
    let stored = user.user.password_hash.clone();
    let ok = web::block(move || password::verify_password(&pw, Some(&stored))).await?;
    if !ok {
        return render_form(
            &state,
            page(Some(&user), Some(&csrf)),
            "owners/delete.html",
            json!({"email": user.user.email}),
            &FieldErrors::one("password", "비밀번호가 올바르지 않습니다."),
        );
    }
    let uid = user.user.id.clone();
    state
        .db(move |conn| alerts_store::delete_owner(conn, &uid))
        .await?;
    let ctx = page(None, Some(&csrf));
    let mut resp = render(&state, "owners/deleted.html", &ctx)?;
    clear_session_cookie(&state, &mut resp)?;
    Ok(resp)
}
