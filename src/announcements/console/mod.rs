//! The agency console: list, create, edit, preview, schedule, publish, unpublish,
//! correct and close announcements; upload attachments. Staff see and change only their
//! own agency's announcements; reviewers only read.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::model::Status;
use super::store;
use crate::accounts::page;
use crate::accounts::{Csrf, CurrentUser};
use crate::audit;
use crate::clock::{format_kst, format_kst_moment};
use crate::error::AppResult;
use crate::web::render;
use crate::web::routes::{Access, Object, Routes};
use crate::AppState;

mod attachments;
mod form;
mod manage;

use attachments::{delete_attachment, delete_attachment_confirm, upload};
use form::{correct, correct_form, create, edit, edit_form, new_form};
use manage::{
    close, close_confirm, manage, publish, publish_confirm, schedule, unpublish, unpublish_confirm,
};

pub fn routes(r: &mut Routes) {
    let any_role = Access::Staff.on(Object::Announcement);
    let editors = Access::StaffEdit.on(Object::Announcement);
    r.get("/console", index, Access::Staff)
        .get("/console/audit", audit_page, Access::Staff)
        .get("/console/announcements/new", new_form, Access::StaffEdit)
        .post("/console/announcements", create, Access::StaffEdit)
        .get("/console/announcements/{id}", manage, any_role)
        .get("/console/announcements/{id}/edit", edit_form, editors)
        .post("/console/announcements/{id}/edit", edit, editors)
        .get("/console/announcements/{id}/correct", correct_form, editors)
        .post("/console/announcements/{id}/correct", correct, editors)
        .get(
            "/console/announcements/{id}/publish",
            publish_confirm,
            editors,
        )
        .post("/console/announcements/{id}/publish", publish, editors)
        .post("/console/announcements/{id}/schedule", schedule, editors)
        .get(
            "/console/announcements/{id}/unpublish",
            unpublish_confirm,
            editors,
        )
        .post("/console/announcements/{id}/unpublish", unpublish, editors)
        .get("/console/announcements/{id}/close", close_confirm, editors)
        .post("/console/announcements/{id}/close", close, editors)
        .post("/console/announcements/{id}/attachments", upload, editors)
        .get(
            "/console/announcements/{announcement}/attachments/{id}/delete",
            delete_attachment_confirm,
            Access::StaffEdit.on(Object::Attachment),
        )
        .post(
            "/console/announcements/{announcement}/attachments/{id}/delete",
            delete_attachment,
            Access::StaffEdit.on(Object::Attachment),
        );
}

#[derive(Deserialize)]
pub(super) struct ActionForm {
    pub(super) csrf_token: String,
    pub(super) date: Option<String>,
    pub(super) time: Option<String>,
}

pub(crate) use crate::announcements::editing::owned;

#[derive(Deserialize)]
struct IndexQuery {
    status: Option<String>,
    /// Words of the title, or an announcement's id.
    q: Option<String>,
    page: Option<i64>,
}

async fn index(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<IndexQuery>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let status = q.status.clone().filter(|s| Status::parse(s).is_some());
    let page_no = crate::web::page_number(q.page)?;
    let agency_id = staff.agency.id.clone();
    let now = state.now();
    let st = status.clone();
    let search: String =
        q.q.as_deref()
            .unwrap_or("")
            .trim()
            .chars()
            .take(100)
            .collect();
    let sq = search.clone();
    let (rows, total) = state
        .db(move |conn| {
            let (rows, total) = store::list_for_agency(conn, &agency_id, st.as_deref(), Some(&sq), page_no, 30)?;
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|a| {
                    serde_json::json!({
                        "id": a.id, "title": a.title, "status": a.status, "status_label": a.status().label(),
                        "window": super::view::window_label(a), "updated": format_kst(a.updated_at, "%Y.%m.%d %H:%M"),
                        "publish_at": a.publish_at.map(format_kst_moment),
                        "origin": a.origin, "revision": a.revision,
                        "dday": super::view::dday(a, now).0,
                    })
                })
                .collect();
            Ok((items, total))
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("agency", &staff.agency);
    ctx.insert("role_label", staff.role.label());
    ctx.insert("can_edit", &staff.role.can_edit());
    ctx.insert(
        "is_admin",
        &(staff.role == crate::accounts::AgencyRole::Admin),
    );
    ctx.insert("items", &rows);
    ctx.insert("total", &total);
    ctx.insert("status", &status);
    ctx.insert("q", &search);
    ctx.insert("page", &page_no);
    ctx.insert("pages", &((total + 29) / 30).max(1));
    let mut tabs: Vec<(&str, &str)> = vec![("", "전체")];
    tabs.extend(
        [
            Status::Draft,
            Status::Scheduled,
            Status::Forecast,
            Status::Published,
            Status::Closed,
        ]
        .iter()
        .map(|s| (s.as_str(), s.label())),
    );
    ctx.insert("tabs", &tabs);
    render(&state, "console/index.html", &ctx)
}

async fn audit_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let agency_id = staff.agency.id.clone();
    let entries = state
        .db(move |conn| audit::for_agency(conn, &agency_id, 200))
        .await?;
    let rows: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| serde_json::json!({"at": format_kst(e.created_at, "%Y.%m.%d %H:%M:%S"), "actor": e.actor_label, "action": audit::label(&e.action), "target_kind": e.target_kind, "target_id": e.target_id, "detail": e.detail}))
        .collect();
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("agency", &staff.agency);
    ctx.insert("entries", &rows);
    render(&state, "console/audit.html", &ctx)
}
