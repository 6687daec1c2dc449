//! The console's page of one announcement and its lifecycle: publish (with the
//! confirmation showing its reach), schedule (confirmed in KST), unpublish and close
//! (each asked once on its own page, saying what happens and who is told).

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Deserialize;

use crate::accounts::page;
use crate::accounts::{Csrf, CurrentUser};
use crate::announcements::service::{self};
use crate::announcements::store;
use crate::audit;
use crate::clock::{format_kst, format_kst_moment, from_kst, to_kst};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::web::form::FieldErrors;
use crate::web::{redirect, render};
use crate::AppState;

use super::{owned, ActionForm};

#[derive(Deserialize)]
pub(super) struct ManageQuery {
    saved: Option<String>,
    corrected: Option<String>,
    unchanged: Option<String>,
    scheduled: Option<String>,
    error: Option<String>,
}

/// Problems as the console lists them outside the form: each message links to its field
/// on the edit form, in the form's order.
pub(super) fn problem_links(id: &str, problems: &FieldErrors) -> Vec<serde_json::Value> {
    problems
        .iter()
        .map(|(field, message)| {
            serde_json::json!({
                "message": message,
                "href": format!("/console/announcements/{id}/edit#i-{field}"),
            })
        })
        .collect()
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
    let apply_settings = state.apply.settings;
    let (a, view, problems, history, files, apply) = state
        .db(move |conn| {
            let a = owned(conn, &id, &own)?;
            let apply = apply_settings(conn, &a.id)?;
            let view = crate::announcements::web::detail_view(conn, &a, &base, now)?;
            let problems = service::publish_problems(conn, &a, now)?;
            let history = audit::for_target(conn, "announcement", &a.id)?;
            let files = store::attachments_of(conn, &a.id)?;
            Ok((a, view, problems, history, files, apply))
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("a", &view);
    ctx.insert("apply", &apply);
    ctx.insert("status", &a.status);
    ctx.insert("can_edit", &staff.role.can_edit());
    ctx.insert("problems", &problem_links(&a.id, &problems));
    let history: Vec<serde_json::Value> = history
        .iter()
        .map(|e| serde_json::json!({"at": format_kst(e.created_at, "%Y.%m.%d %H:%M"), "actor": e.actor_label, "action": audit::label(&e.action), "detail": e.detail}))
        .collect();
    ctx.insert("history", &history);
    let files: Vec<serde_json::Value> = files.iter().map(|f| serde_json::json!({"id": f.id, "name": f.file_name, "uploaded": f.stored_name.is_some(), "size": f.size_bytes})).collect();
    ctx.insert("files", &files);
    // The schedule form shows the saved time; without one, tomorrow 09:00 KST.
    ctx.insert("publish_at", &a.publish_at.map(format_kst_moment));
    let (date, time) = match a.publish_at {
        Some(t) => (format_kst(t, "%Y-%m-%d"), format_kst(t, "%H:%M")),
        None => (
            to_kst(now + chrono::Duration::days(1))
                .format("%Y-%m-%d")
                .to_string(),
            "09:00".to_string(),
        ),
    };
    ctx.insert("schedule_date", &date);
    ctx.insert("schedule_time", &time);
    ctx.insert("scheduled", &q.scheduled.is_some());
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

/// The publication time the schedule form names (KST date and time), in UTC.
fn publish_at(form: &ActionForm) -> Result<Option<NaiveDateTime>, &'static str> {
    let Some(d) = form.date.as_deref() else {
        return Ok(None);
    };
    let date = NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok();
    let time =
        NaiveTime::parse_from_str(form.time.as_deref().unwrap_or("09:00").trim(), "%H:%M").ok();
    match (date, time) {
        (Some(d), Some(t)) => Ok(Some(from_kst(d.and_time(t)))),
        _ => Err("예약 날짜와 시각을 2026-12-31, 09:00 형식으로 입력해 주세요."),
    }
}

/// Before publishing or scheduling: what keeps the content from going public at `at`.
/// When something does, the edit form shows it (422), each problem at its field and the
/// summary in the form's order.
async fn refused_content(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    csrf: &Csrf,
    id: &str,
    at: NaiveDateTime,
) -> AppResult<Option<HttpResponse>> {
    let staff = user.require_edit()?;
    let (own, aid) = (staff.agency.id.clone(), id.to_string());
    let problems = state
        .db(move |conn| {
            let a = owned(conn, &aid, &own)?;
            if !a.status().is_unpublished() {
                // Already public: the lifecycle step says so.
                return Ok(FieldErrors::new());
            }
            service::publish_problems(conn, &a, at)
        })
        .await?;
    if problems.is_empty() {
        return Ok(None);
    }
    super::form::show_problems(state, user, csrf, &staff, id, problems)
        .await
        .map(Some)
}

/// Run a lifecycle action and come back to the manage page; a rule that refuses the
/// action (e.g. missing deadline) is shown there in Korean.
pub(super) async fn lifecycle(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    id: String,
    form: ActionForm,
    done: &str,
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
    let at = match publish_at(&form) {
        Ok(at) => at,
        Err(m) => {
            return Ok(redirect(&format!(
                "/console/announcements/{id}?error={}",
                urlencoding::encode(m)
            )))
        }
    };
    let aid = id.clone();
    let result = state
        .db(move |conn| {
            owned(conn, &aid, &own)?;
            action(conn, &aid, &user, now, at)
        })
        .await;
    match result {
        Ok(()) => Ok(redirect(&format!("/console/announcements/{id}{done}"))),
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
    ctx.insert("problems", &problem_links(&a.id, &problems));
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
    csrf.verify(&form.csrf_token)?;
    let id = path.into_inner();
    let now = state.now();
    if let Some(refused) = refused_content(&state, &user, &csrf, &id, now).await? {
        return Ok(refused);
    }
    lifecycle(
        state,
        user,
        csrf,
        id,
        form.into_inner(),
        "",
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
    csrf.verify(&form.csrf_token)?;
    if form.date.as_deref().map(str::trim).unwrap_or("").is_empty() {
        form.date = Some(String::new());
    }
    let id = path.into_inner();
    if let Ok(Some(at)) = publish_at(&form) {
        if let Some(refused) = refused_content(&state, &user, &csrf, &id, at).await? {
            return Ok(refused);
        }
    }
    lifecycle(
        state,
        user,
        csrf,
        id,
        form,
        "?scheduled=1",
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
        "?unpublished=1",
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
        "?closed=1",
        |c, id, u, now, _| service::close(c, id, u, now),
    )
    .await
}

/// What a destructive action does, said once before it is done: the confirmation page
/// (`console/confirm.html`) whose button posts it. Works without JavaScript; the GET
/// changes nothing.
#[derive(serde::Serialize)]
pub(super) struct Confirm {
    pub(super) heading: String,
    pub(super) subject: String,
    /// What happens, one sentence each.
    pub(super) effects: Vec<String>,
    /// Who is told (or, as often, who is not).
    pub(super) told: String,
    pub(super) action: String,
    pub(super) button: String,
    pub(super) back: String,
}

pub(super) fn render_confirm(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    c: &Confirm,
) -> AppResult<HttpResponse> {
    let mut ctx = page(Some(user), Some(csrf));
    ctx.insert("c", c);
    render(state, "console/confirm.html", &ctx)
}

/// The announcement and how many saved it, for a confirmation page; `None` when the
/// action does not apply to its state (back to the manage page).
async fn confirm_facts(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    id: String,
) -> AppResult<(crate::announcements::model::Announcement, i64)> {
    let staff = user.require_edit()?;
    let own = staff.agency.id.clone();
    state
        .db(move |conn| {
            let a = owned(conn, &id, &own)?;
            let saved = store::bookmark_count(conn, &a.id)?;
            Ok((a, saved))
        })
        .await
}

/// "지금 마감" asks once. Closing keeps the page public (마감) and stops the deadline
/// reminders bookmarkers would get; nobody is sent a closing notice.
pub(super) async fn close_confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (a, saved) = confirm_facts(&state, &user, path.into_inner()).await?;
    if a.status() != crate::announcements::model::Status::Published {
        return Ok(redirect(&format!("/console/announcements/{}", a.id)));
    }
    let deadline = a
        .apply_end
        .map(|t| format!("{} 마감 예정이던 ", format_kst(t, "%-m월 %-d일")))
        .unwrap_or_default();
    let c = Confirm {
        heading: "지금 마감할까요?".into(),
        subject: a.title.clone(),
        effects: vec![
            format!("{deadline}접수를 지금 마감합니다. 공고는 ‘마감’으로 표시되고 검색의 마감 공고에서 계속 찾을 수 있습니다."),
            "되돌리려면 정정 공고로 마감일을 미래로 고쳐야 합니다.".into(),
        ],
        told: if saved > 0 {
            format!("관심 공고로 저장한 {saved}명에게 마감 안내가 가지 않고, 그분들이 받을 마감 전 알림(D-7, D-1)도 더는 가지 않습니다.")
        } else {
            "마감 안내는 누구에게도 가지 않습니다. 관심 공고로 저장한 사람은 없습니다.".into()
        },
        action: format!("/console/announcements/{}/close", a.id),
        button: "지금 마감".into(),
        back: format!("/console/announcements/{}", a.id),
    };
    render_confirm(&state, &user, &csrf, &c)
}

/// "게시 취소" asks once. The announcement leaves the public site and search and goes
/// back to 작성 중; alerts not yet sent are not sent; nobody is told.
pub(super) async fn unpublish_confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    use crate::announcements::model::Status;
    let (a, saved) = confirm_facts(&state, &user, path.into_inner()).await?;
    let status = a.status();
    if !matches!(
        status,
        Status::Published | Status::Scheduled | Status::Forecast | Status::Closed
    ) {
        return Ok(redirect(&format!("/console/announcements/{}", a.id)));
    }
    let mut effects = Vec::new();
    if status == Status::Scheduled {
        if let Some(t) = a.publish_at {
            effects.push(format!(
                "{} 게시 예약을 취소하고 작성 중으로 돌립니다.",
                format_kst_moment(t)
            ));
        }
    } else {
        effects.push("공고 페이지와 검색 결과에서 바로 사라지고, 작성 중으로 돌아갑니다. 공고 주소로 들어오는 사람은 ‘찾을 수 없음’을 봅니다.".into());
        effects.push(
            "아직 보내지 않은 새 공고 알림은 보내지 않습니다. 이미 보낸 알림은 거둘 수 없습니다."
                .into(),
        );
    }
    effects.push("다시 게시하려면 공고 관리에서 게시하거나 예약해야 합니다.".into());
    let c = Confirm {
        heading: "게시를 취소할까요?".into(),
        subject: a.title.clone(),
        effects,
        told: if saved > 0 {
            format!("관심 공고로 저장한 {saved}명에게 게시 취소 안내는 가지 않습니다. 그분들의 관심 공고 목록에서도 이 공고를 열 수 없게 됩니다.")
        } else {
            "게시 취소 안내는 누구에게도 가지 않습니다.".into()
        },
        action: format!("/console/announcements/{}/unpublish", a.id),
        button: "게시 취소".into(),
        back: format!("/console/announcements/{}", a.id),
    };
    render_confirm(&state, &user, &csrf, &c)
}
