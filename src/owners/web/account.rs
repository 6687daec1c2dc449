//! Sign-up, email verification and password reset: the pages that make and recover
//! an owner account. None says whether an address has an account.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::web::{clear_session_cookie, looks_like_email, NewSession};
use crate::accounts::{client_ip, password, Csrf, CurrentUser};
use crate::accounts::{intent, page};
use crate::alerts::store as alerts_store;
use crate::error::{AppError, AppResult};
use crate::owners::{RESET_PASSWORD, VERIFY_EMAIL};
use crate::web::form::FieldErrors;
use crate::web::{redirect, render};
use crate::AppState;

use super::{base_url, invalid_link, is_unique_violation, render_form, EmailForm, BAD_EMAIL, HOUR};

// --- sign-up ----------------------------------------------------------------------------

#[derive(Deserialize)]
pub(super) struct IntentQuery {
    /// A signed `accounts::intent` token: what the visitor meant to do.
    intent: Option<String>,
}

/// The signed intent token, if it verifies (otherwise it is dropped, not carried).
fn good_intent(state: &AppState, token: Option<&str>) -> Option<String> {
    intent::read(&state.keys, token, state.now()).map(|(_, t)| t)
}

pub(super) async fn signup_form(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    csrf: Csrf,
    q: web::Query<IntentQuery>,
) -> AppResult<HttpResponse> {
    if user.is_some() {
        return Ok(redirect("/me"));
    }
    let intent = intent::read(&state.keys, q.intent.as_deref(), state.now());
    render_form(
        &state,
        page(None, Some(&csrf)),
        "owners/signup.html",
        json!({
            "email": "", "display_name": "", "agree": false,
            "intent": intent.as_ref().map(|(_, t)| t),
            "intent_reason": intent.as_ref().map(|(i, _)| i.reason().replace("로그인하세요", "가입하세요")),
        }),
        &FieldErrors::new(),
    )
}

#[derive(Deserialize)]
pub(super) struct SignupForm {
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
    intent: Option<String>,
}

pub(super) async fn signup(
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
    let intent = good_intent(&state, form.intent.as_deref());
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
            json!({"email": email, "display_name": name, "agree": agreed, "intent": intent}),
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
        .db(move |conn| {
            crate::owners::service::sign_up(conn, &base, &email, hash, name, intent.as_deref(), now)
        })
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
pub(super) const SENT_EMAIL_COOKIE: &str = "jiwon_sent_email";
pub(super) const SENT_PAGE: &str = "/signup/sent";

/// The redirect to the "sent" page after a sign-up or a resend. The address typed goes
/// along in a short-lived cookie scoped to that page (not in the URL, which ends up in
/// logs and history), so its resend field is pre-filled. It is set for every valid
/// address, known or not, so the answer still says nothing about accounts.
pub(super) fn sent_redirect(state: &AppState, email: &str) -> AppResult<HttpResponse> {
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

pub(super) async fn signup_sent(
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

pub(super) async fn resend_form(state: web::Data<AppState>, csrf: Csrf) -> AppResult<HttpResponse> {
    render_form(
        &state,
        page(None, Some(&csrf)),
        "owners/resend.html",
        json!({"email": ""}),
        &FieldErrors::new(),
    )
}

/// A new verification link, for an unverified owner; the same answer for every address.
pub(super) async fn resend(
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
        .db(move |conn| crate::owners::service::resend_verification(conn, &base, &email, now))
        .await?;
    sent_redirect(&state, &sent_to)
}

/// The link in the email opens a page with a button: mail scanners that fetch links
/// do not spend the token.
pub(super) async fn verify_form(
    state: web::Data<AppState>,
    csrf: Csrf,
    path: web::Path<String>,
    q: web::Query<IntentQuery>,
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
    let intent = intent::read(&state.keys, q.intent.as_deref(), now);
    let mut ctx = page(None, Some(&csrf));
    ctx.insert("token", &token);
    ctx.insert("intent", &intent.as_ref().map(|(_, t)| t));
    ctx.insert(
        "intent_action",
        &intent.as_ref().map(|(i, _)| match i.action {
            intent::Action::Bookmark => "관심 공고로 저장",
            intent::Action::Subscribe => "알림 신청",
        }),
    );
    render(&state, "owners/verify.html", &ctx)
}

#[derive(Deserialize)]
pub(super) struct VerifyForm {
    #[serde(default)]
    csrf_token: String,
    intent: Option<String>,
}

/// Spend the link (CSRF-checked); with a signed intent, do it and go back to its
/// announcement.
pub(super) async fn verify(
    state: web::Data<AppState>,
    csrf: Csrf,
    path: web::Path<String>,
    q: web::Query<IntentQuery>,
    form: web::Form<VerifyForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let token = path.into_inner();
    let now = state.now();
    let intent = intent::read(
        &state.keys,
        form.intent.as_deref().or(q.intent.as_deref()),
        now,
    )
    .map(|(i, _)| i);
    let session = NewSession::random();
    let session_hash = session.hash();
    let back = state
        .db(move |conn| {
            crate::owners::service::verify_email(conn, &token, &session_hash, intent.as_ref(), now)
        })
        .await?;
    match back {
        Some(to) => session.redirect(&state, &to),
        None => invalid_link(&state, &csrf, "verify"),
    }
}

// --- password reset ---------------------------------------------------------------------

#[derive(Deserialize)]
pub(super) struct SentQuery {
    sent: Option<String>,
}

pub(super) async fn forgot_form(
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

pub(super) async fn forgot(
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
        .db(move |conn| crate::owners::service::request_password_reset(conn, &base, &email, now))
        .await?;
    Ok(redirect("/password/forgot?sent=1"))
}

pub(super) async fn reset_form(
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
pub(super) struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    csrf_token: String,
}

pub(super) async fn reset(
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
        .db(move |conn| crate::owners::service::reset_password(conn, &token, &hash, now))
        .await?;
    if !done {
        return invalid_link(&state, &csrf, "reset");
    }
    let mut resp = redirect("/login?notice=password_reset");
    clear_session_cookie(&state, &mut resp)?;
    Ok(resp)
}
