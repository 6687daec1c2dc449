//! `/console/webhooks` (agency admins): the agency's webhook URL, its secret (shown once,
//! at creation or rotation), deactivation, the delivery log and a replay per delivery.
//! Handlers parse and render; `webhooks` owns the transactions.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::webhooks;
use crate::accounts::{page, Csrf, CurrentUser};
use crate::clock::format_kst;
use crate::error::{AppError, AppResult};
use crate::web::form::FieldErrors;
use crate::web::routes::{Access, Routes};
use crate::web::{redirect, render_status};
use crate::AppState;

pub fn routes(r: &mut Routes) {
    r.get("/console/webhooks", show, Access::AgencyAdmin)
        .post("/console/webhooks", set_url, Access::AgencyAdmin)
        .post("/console/webhooks/rotate", rotate, Access::AgencyAdmin)
        .post(
            "/console/webhooks/deactivate",
            deactivate,
            Access::AgencyAdmin,
        )
        .post("/console/webhooks/replay", replay, Access::AgencyAdmin);
}

async fn render_page(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    secret: Option<String>,
    url_input: Option<String>,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let staff = user.require_admin()?;
    let agency = staff.agency.id.clone();
    let (hook, log) = state
        .db(move |conn| {
            Ok((
                webhooks::of_agency(conn, &agency)?,
                webhooks::log(conn, &agency, 200)?,
            ))
        })
        .await?;
    let mut ctx = page(Some(user), Some(csrf));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    errors.insert_into(&mut ctx);
    ctx.insert("agency", &staff.agency);
    ctx.insert(
        "hook",
        &hook.as_ref().map(|h| {
            json!({"url": h.url, "active": h.active,
                "rotating_until": h.previous_until(state.now())
                    .map(|(_, until)| format_kst(until, "%Y.%m.%d %H:%M"))})
        }),
    );
    ctx.insert(
        "url",
        &url_input.unwrap_or_else(|| hook.map(|h| h.url).unwrap_or_default()),
    );
    ctx.insert("secret", &secret);
    let rows: Vec<_> = log
        .into_iter()
        .map(|r| {
            let d = r.delivery;
            json!({
                "id": d.id, "event": d.event, "receipt_no": r.receipt_no,
                "status": match d.status.as_str() {
                    "delivered" => "전송됨", "failed" => "실패(재시도 중)",
                    "skipped" => "건너뜀", _ => "대기",
                },
                "attempts": d.attempts, "code": d.last_status_code, "error": d.last_error,
                "at": format_kst(d.delivered_at.unwrap_or(d.created_at), "%Y.%m.%d %H:%M"),
            })
        })
        .collect();
    ctx.insert("deliveries", &rows);
    render_status(state, status, "applications/webhooks.html", &ctx)
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    render_page(&state, &user, &csrf, None, None, FieldErrors::new()).await
}

#[derive(Deserialize)]
struct UrlForm {
    url: String,
    csrf_token: String,
}

async fn set_url(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<UrlForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    user.require_admin()?;
    let url = form.url.trim().to_string();
    let allow_private = state.config.push_allow_private;
    let check = url.clone();
    let verdict = web::block(move || crate::alerts::endpoint::check(&check, allow_private)).await?;
    if let Err(why) = verdict {
        let mut errors = FieldErrors::new();
        errors.add("url", format!("웹훅 주소를 확인해 주세요: {why}"));
        return render_page(&state, &user, &csrf, None, Some(url), errors).await;
    }
    let now = state.now();
    let by = user.clone();
    let saved = url.clone();
    let secret = state
        .db(move |conn| webhooks::set_url(conn, &by, &saved, now))
        .await?;
    if secret.is_none() {
        return Ok(redirect("/console/webhooks"));
    }
    render_page(&state, &user, &csrf, secret, None, FieldErrors::new()).await
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf_token: String,
}

async fn rotate(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    user.require_admin()?;
    let by = user.clone();
    let now = state.now();
    // No webhook yet: nothing to rotate, back to the page.
    let Some(secret) = state
        .db(move |conn| webhooks::rotate(conn, &by, now))
        .await?
    else {
        return Ok(redirect("/console/webhooks"));
    };
    render_page(&state, &user, &csrf, Some(secret), None, FieldErrors::new()).await
}

async fn deactivate(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    user.require_admin()?;
    let by = user.clone();
    let now = state.now();
    state
        .db(move |conn| webhooks::deactivate(conn, &by, now))
        .await?;
    Ok(redirect("/console/webhooks"))
}

#[derive(Deserialize)]
struct ReplayForm {
    delivery: String,
    csrf_token: String,
}

async fn replay(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<ReplayForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    user.require_admin()?;
    let by = user.clone();
    let id = form.delivery.trim().to_string();
    if id.is_empty() {
        return Err(AppError::BadRequest(
            "다시 보낼 전송 기록을 골라 주세요.".into(),
        ));
    }
    let now = state.now();
    state
        .db(move |conn| webhooks::replay(conn, &by, &id, now))
        .await?;
    Ok(redirect("/console/webhooks"))
}
