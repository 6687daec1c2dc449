//! The console's page of one announcement and its lifecycle: publish (with the
//! confirmation showing its reach), schedule, unpublish, close.

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Deserialize;

use crate::accounts::page;
use crate::accounts::{Csrf, CurrentUser};
use crate::announcements::service::{self};
use crate::announcements::store;
use crate::audit;
use crate::clock::{format_kst, from_kst, to_kst};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::web::{redirect, render};
use crate::AppState;

use super::{owned, ActionForm};

#[derive(Deserialize)]
pub(super) struct ManageQuery {
    saved: Option<String>,
    corrected: Option<String>,
    unchanged: Option<String>,
    error: Option<String>,
}

pub(super) async fn manage(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    q: web::Query<ManageQuery>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let id = path.into_inner();
    let own = staff.agency.id.clone();
    let now = state.now();
    let base = state.config.base_url.clone();
    let (a, view, problems, history, files) = state
        .db(move |conn| {
            let a = owned(conn, &id, &own)?;
            let view = crate::announcements::web::detail_view(conn, &a, &base, now)?;
            let problems = service::publish_problems(conn, &a, now)?;
            let history = audit::for_target(conn, "announcement", &a.id)?;
            let files = store::attachments_of(conn, &a.id)?;
            Ok((a, view, problems, history, files))
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("a", &view);
    ctx.insert("status", &a.status);
    ctx.insert("can_edit", &staff.role.can_edit());
    ctx.insert("problems", &problems);
    let history: Vec<serde_json::Value> = history
        .iter()
        .map(|e| serde_json::json!({"at": format_kst(e.created_at, "%Y.%m.%d %H:%M"), "actor": e.actor_label, "action": e.action, "detail": e.detail}))
        .collect();
    ctx.insert("history", &history);
    let files: Vec<serde_json::Value> = files.iter().map(|f| serde_json::json!({"id": f.id, "name": f.file_name, "uploaded": f.stored_name.is_some(), "size": f.size_bytes})).collect();
    ctx.insert("files", &files);
    ctx.insert(
        "publish_at",
        &a.publish_at.map(|t| format_kst(t, "%Y-%m-%d %H:%M")),
    );
    let tomorrow = to_kst(now + chrono::Duration::days(1));
    ctx.insert("default_date", &tomorrow.format("%Y-%m-%d").to_string());
    ctx.insert("saved", &q.saved.is_some());
    ctx.insert("corrected", &q.corrected.is_some());
    ctx.insert("unchanged", &q.unchanged.is_some());
    ctx.insert("flash_error", &q.error);
    ctx.insert(
        "max_upload_mb",
        &(state.config.max_upload_bytes / 1024 / 1024),
    );
    render(&state, "console/manage.html", &ctx)
}

/// Run a lifecycle action and come back to the manage page; a rule that refuses the
/// action (e.g. missing deadline) is shown there in Korean.
pub(super) async fn lifecycle(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    id: String,
    form: ActionForm,
    action: fn(
        &mut DbConnection,
        &str,
        &CurrentUser,
        NaiveDateTime,
        Option<NaiveDateTime>,
    ) -> AppResult<()>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let staff = user.require_edit()?;
    let own = staff.agency.id.clone();
    // Refuse another agency's announcement before looking at the form.
    let (o, aid) = (own.clone(), id.clone());
    state
        .db(move |conn| owned(conn, &aid, &o).map(|_| ()))
        .await?;
    let now = state.now();
    let at = match (form.date.as_deref(), form.time.as_deref()) {
        (Some(d), t) => {
            let date = NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok();
            let time = NaiveTime::parse_from_str(t.unwrap_or("09:00").trim(), "%H:%M").ok();
            match (date, time) {
                (Some(d), Some(t)) => Some(from_kst(d.and_time(t))),
                _ => {
                    return Ok(redirect(&format!(
                        "/console/announcements/{id}?error={}",
                        urlencoding::encode(
                            "예약 날짜와 시각을 2026-12-31, 09:00 형식으로 입력해 주세요."
                        )
                    )))
                }
            }
        }
        _ => None,
    };
    let aid = id.clone();
    let result = state
        .db(move |conn| {
            owned(conn, &aid, &own)?;
            action(conn, &aid, &user, now, at)
        })
        .await;
    match result {
        Ok(()) => Ok(redirect(&format!("/console/announcements/{id}"))),
        Err(AppError::BadRequest(m)) | Err(AppError::Conflict(m)) => Ok(redirect(&format!(
            "/console/announcements/{id}?error={}",
            urlencoding::encode(&m)
        ))),
        Err(e) => Err(e),
    }
}

/// "지금 게시" asks once: publishing alerts every matching subscriber at once, so the
/// page says how many people, on which channels, before the button that does it.
pub(super) async fn publish_confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let id = path.into_inner();
    let own = staff.agency.id.clone();
    let now = state.now();
    let off = state.channels.switched_off();
    let reach_of = state.reach;
    let (a, problems, reach) = state
        .db(move |conn| {
            let a = owned(conn, &id, &own)?;
            let problems = service::publish_problems(conn, &a, now)?;
            let reach = reach_of(conn, &a, &off, now)?;
            Ok((a, problems, reach))
        })
        .await?;
    if !matches!(a.status.as_str(), "draft" | "scheduled" | "forecast") {
        return Ok(redirect(&format!("/console/announcements/{}", a.id)));
    }
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("a_id", &a.id);
    ctx.insert("a_title", &a.title);
    ctx.insert("problems", &problems);
    ctx.insert("reach", &reach);
    render(&state, "console/publish_confirm.html", &ctx)
}

pub(super) async fn publish(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    lifecycle(
        state,
        user,
        csrf,
        path.into_inner(),
        form.into_inner(),
        |c, id, u, now, _| service::publish_now(c, id, u, now),
    )
    .await
}

pub(super) async fn schedule(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    let mut form = form.into_inner();
    if form.date.as_deref().map(str::trim).unwrap_or("").is_empty() {
        form.date = Some(String::new());
    }
    lifecycle(
        state,
        user,
        csrf,
        path.into_inner(),
        form,
        |c, id, u, now, at| match at {
            Some(at) => service::schedule(c, id, at, u, now),
            None => Err(AppError::BadRequest(
                "예약 날짜와 시각을 입력해 주세요.".into(),
            )),
        },
    )
    .await
}

pub(super) async fn unpublish(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    lifecycle(
        state,
        user,
        csrf,
        path.into_inner(),
        form.into_inner(),
        |c, id, u, now, _| service::unpublish(c, id, u, now),
    )
    .await
}

pub(super) async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    lifecycle(
        state,
        user,
        csrf,
        path.into_inner(),
        form.into_inner(),
        |c, id, u, now, _| service::close(c, id, u, now),
    )
    .await
}
