//! `/api/v1` JSON for mobile apps: the same filters as the listing page.

use actix_web::{web, HttpResponse};

use super::query::{ListQuery, PER_PAGE};
use super::store;
use super::view::cards;
use super::web::detail_view;
use crate::error::{AppError, AppResult};
use crate::web::routes::{Access, Object, Routes};
use crate::AppState;

pub fn routes(r: &mut Routes) {
    r.get("/api/v1/announcements", list, Access::Public)
        .get(
            "/api/v1/announcements/{id}",
            get,
            Access::Public.on(Object::Announcement),
        )
        .any("/api/v1/{tail:.*}", unknown, Access::Nobody);
}

async fn list(state: web::Data<AppState>, query: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let (filter, notes) = query.to_filter();
    let now = state.now();
    let f = filter.clone();
    let (items, total) = state
        .db(move |conn| {
            let (rows, total) = store::list(conn, &f, now)?;
            Ok((cards(conn, &rows, now)?, total))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(serde_json::json!({
            "total": total,
            "page": filter.page,
            "per_page": PER_PAGE,
            "items": items,
            "notes": notes,
        })))
}

async fn get(state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let now = state.now();
    let base = state.config.base_url.clone();
    let view = state
        .db(move |conn| {
            let a = store::find(conn, &id)?.ok_or(AppError::NotFound)?;
            if !a.is_public() {
                return Err(AppError::NotFound);
            }
            detail_view(conn, &a, &base, now)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(view))
}

async fn unknown() -> AppResult<HttpResponse> {
    Err(AppError::NotFound)
}
