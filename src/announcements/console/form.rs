//! The console's announcement form: new, edit and correct.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::accounts::page;
use crate::accounts::{store as accounts_store, Csrf, CurrentUser, Staff};
use crate::announcements::editing;
use crate::announcements::model::{Announcement, Status, WindowKind};
use crate::announcements::service::{self};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::reference::{self, CATEGORIES, SIDO, TARGET_TYPES};
use crate::web::form::{FieldErrors, Form};
use crate::web::{redirect, render_status};
use crate::AppState;

use super::owned;
use crate::announcements::rules::{form_from_content, validate, Save, FORM_ORDER, MULTI};

fn form_context(ctx: &mut tera::Context, conn: &mut DbConnection) -> AppResult<()> {
    let cats: Vec<serde_json::Value> = CATEGORIES
        .iter()
        .map(|(c, subs)| serde_json::json!({"name": c, "subs": subs}))
        .collect();
    ctx.insert("categories", &cats);
    let sido: Vec<serde_json::Value> = SIDO
        .iter()
        .map(|(n, c)| serde_json::json!({"code": c, "name": n}))
        .collect();
    ctx.insert("sido", &sido);
    ctx.insert("targets", TARGET_TYPES);
    let agency_names: Vec<String> = accounts_store::list_agencies(conn)?
        .into_iter()
        .map(|a| a.name)
        .collect();
    ctx.insert("agency_names", &agency_names);
    let kinds: Vec<(&str, &str)> = WindowKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect();
    ctx.insert("window_kinds", &kinds);
    let sigungu = reference::list_sigungu(conn)?;
    let groups: Vec<serde_json::Value> = SIDO
        .iter()
        .map(|(n, c)| {
            let items: Vec<serde_json::Value> = sigungu
                .iter()
                .filter(|r| r.sido_code == *c)
                .map(|r| serde_json::json!({"code": r.code, "name": r.name}))
                .collect();
            serde_json::json!({"name": n, "items": items})
        })
        .filter(|g| {
            g["items"]
                .as_array()
                .map(|a| !a.is_empty())
                .unwrap_or(false)
        })
        .collect();
    ctx.insert("sigungu_groups", &groups);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn render_form(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    status: StatusCode,
    mode: &str,
    action: String,
    values: Form,
    errors: FieldErrors,
    announcement: Option<serde_json::Value>,
) -> AppResult<HttpResponse> {
    let mut ctx = page(Some(user), Some(csrf));
    let c = {
        let mut conn = state.conn()?;
        let mut c2 = tera::Context::new();
        web::block(move || -> AppResult<tera::Context> {
            form_context(&mut c2, &mut conn)?;
            Ok(c2)
        })
        .await??
    };
    ctx.extend(c);
    ctx.insert("mode", mode);
    ctx.insert("action", &action);
    ctx.insert("f", &values);
    errors.insert_into(&mut ctx);
    ctx.insert("announcement", &announcement);
    render_status(state, status, "console/form.html", &ctx)
}

pub(super) async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let mut values = Form::default();
    values.set("window_kind", "dated");
    values.set("apply_method", "external");
    values.set("agency_role", "owner");
    values.set("contacts", staff.agency.phone.clone().unwrap_or_default());
    render_form(
        &state,
        &user,
        &csrf,
        StatusCode::OK,
        "new",
        "/console/announcements".into(),
        values,
        FieldErrors::new(),
        None,
    )
    .await
}

pub(super) async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let values = Form::parse(&body, MULTI)?;
    csrf.verify(values.get("csrf_token"))?;
    let forecast = values.get("intent") == "forecast";
    // A draft saves as it is; a forecast is public at once, so it is checked whole.
    let save = if forecast { Save::Full } else { Save::Draft };
    let own = staff.agency.id.clone();
    let now = state.now();
    let (vals, actor) = (values.clone(), user.clone());
    let result = state
        .db(move |conn| match validate(conn, &vals, &own, save)? {
            Err(errors) => Ok(Err(errors)),
            Ok(v) => editing::create(conn, v, &own, forecast, &actor, now).map(Ok),
        })
        .await?;
    match result {
        Ok(a) => Ok(redirect(&format!(
            "/console/announcements/{}?saved=1",
            a.id
        ))),
        Err(errors) => {
            render_form(
                &state,
                &user,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                "new",
                "/console/announcements".into(),
                values,
                errors,
                None,
            )
            .await
        }
    }
}

fn summary_json(a: &Announcement) -> serde_json::Value {
    serde_json::json!({"id": a.id, "title": a.title, "status": a.status, "status_label": a.status().label(), "revision": a.revision,
        "next_correction": crate::announcements::model::correction_label(a.revision + 1),
        "publish_at": a.publish_at.map(crate::clock::format_kst_moment)})
}

pub(super) async fn load_for_form(
    state: &AppState,
    staff: &Staff,
    id: String,
) -> AppResult<(Announcement, Form)> {
    let own = staff.agency.id.clone();
    state
        .db(move |conn| {
            let a = owned(conn, &id, &own)?;
            let content = service::content_of(conn, &a)?;
            let partner_id = if content.owner_agency_id.as_deref() == Some(own.as_str()) {
                content.exec_agency_id.clone()
            } else {
                content.owner_agency_id.clone()
            };
            let partner = match partner_id {
                Some(pid) => accounts_store::find_agency(conn, &pid)?.map(|x| x.name),
                None => None,
            };
            let values = form_from_content(&content, &own, partner);
            Ok((a, values))
        })
        .await
}

pub(super) async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let id = path.into_inner();
    let (a, values) = load_for_form(&state, &staff, id.clone()).await?;
    if !matches!(
        a.status(),
        Status::Draft | Status::Scheduled | Status::Forecast
    ) {
        return Ok(redirect(&format!("/console/announcements/{id}/correct")));
    }
    render_form(
        &state,
        &user,
        &csrf,
        StatusCode::OK,
        "edit",
        format!("/console/announcements/{id}/edit"),
        values,
        FieldErrors::new(),
        Some(summary_json(&a)),
    )
    .await
}

pub(super) async fn edit(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let values = Form::parse(&body, MULTI)?;
    csrf.verify(values.get("csrf_token"))?;
    let id = path.into_inner();
    let own = staff.agency.id.clone();
    let now = state.now();
    let (vals, actor, aid) = (values.clone(), user.clone(), id.clone());
    let result = state
        .db(move |conn| {
            let a = owned(conn, &aid, &own)?;
            // A scheduled or forecast announcement is (or will be) public: checked whole.
            let save = if a.status() == Status::Draft {
                Save::Draft
            } else {
                Save::Full
            };
            match validate(conn, &vals, &own, save)? {
                Err(errors) => Ok(Err((errors, a))),
                Ok(v) => {
                    editing::edit(conn, &a, v, &own, &actor, now)?;
                    Ok(Ok(()))
                }
            }
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect(&format!("/console/announcements/{id}?saved=1"))),
        Err((errors, a)) => {
            render_form(
                &state,
                &user,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                "edit",
                format!("/console/announcements/{id}/edit"),
                values,
                errors,
                Some(summary_json(&a)),
            )
            .await
        }
    }
}

pub(super) async fn correct_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let id = path.into_inner();
    let (a, values) = load_for_form(&state, &staff, id.clone()).await?;
    if !matches!(a.status(), Status::Published | Status::Closed) {
        return Ok(redirect(&format!("/console/announcements/{id}/edit")));
    }
    render_form(
        &state,
        &user,
        &csrf,
        StatusCode::OK,
        "correct",
        format!("/console/announcements/{id}/correct"),
        values,
        FieldErrors::new(),
        Some(summary_json(&a)),
    )
    .await
}

pub(super) async fn correct(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let values = Form::parse(&body, MULTI)?;
    csrf.verify(values.get("csrf_token"))?;
    let id = path.into_inner();
    let own = staff.agency.id.clone();
    let now = state.now();
    let (vals, actor, aid) = (values.clone(), user.clone(), id.clone());
    let result = state
        .db(move |conn| {
            let a = owned(conn, &aid, &own)?;
            let reason = vals.get("reason").to_string();
            let mut validated = validate(conn, &vals, &own, Save::Full)?;
            if reason.is_empty() || reason.chars().count() > 500 {
                let msg = if reason.is_empty() {
                    "정정 사유를 입력해 주세요."
                } else {
                    "정정 사유는 500자 이하로 입력해 주세요."
                };
                match &mut validated {
                    Err(errors) => {
                        errors.set("reason", msg);
                        *errors = std::mem::take(errors).ordered(FORM_ORDER);
                    }
                    Ok(_) => {
                        let mut errors = FieldErrors::new();
                        errors.set("reason", msg.to_string());
                        validated = Err(errors);
                    }
                }
            }
            match validated {
                Err(errors) => Ok(Err((errors, a))),
                Ok(v) => {
                    let changes = editing::correct(conn, &a, v, &own, &reason, &actor, now)?;
                    Ok(Ok(changes.len()))
                }
            }
        })
        .await?;
    match result {
        Ok(0) => Ok(redirect(&format!(
            "/console/announcements/{id}?unchanged=1"
        ))),
        Ok(_) => Ok(redirect(&format!(
            "/console/announcements/{id}?corrected=1"
        ))),
        Err((errors, a)) => {
            render_form(
                &state,
                &user,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                "correct",
                format!("/console/announcements/{id}/correct"),
                values,
                errors,
                Some(summary_json(&a)),
            )
            .await
        }
    }
}

/// Publishing or scheduling was refused for the content: the edit form with each
/// problem at its field, the summary in the form's order (422).
pub(super) async fn show_problems(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    staff: &Staff,
    id: &str,
    problems: FieldErrors,
) -> AppResult<HttpResponse> {
    let (a, values) = load_for_form(state, staff, id.to_string()).await?;
    render_form(
        state,
        user,
        csrf,
        StatusCode::UNPROCESSABLE_ENTITY,
        "edit",
        format!("/console/announcements/{id}/edit"),
        values,
        problems,
        Some(summary_json(&a)),
    )
    .await
}
