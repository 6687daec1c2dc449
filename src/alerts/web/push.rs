//! Web-push registration of a browser, and the service worker.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::accounts::{Csrf, CurrentUser};
use crate::alerts::subscriptions::{self};
use crate::error::{AppError, AppResult};
use crate::AppState;

// --- web push registration ------------------------------------------------------------

#[derive(Deserialize)]
pub(super) struct PushKeys {
    p256dh: String,
    auth: String,
}

#[derive(Deserialize)]
pub(super) struct PushSubscriptionJson {
    endpoint: String,
    keys: Option<PushKeys>,
}

fn header_csrf(req: &HttpRequest, csrf: &Csrf) -> Result<(), AppError> {
    let v = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    csrf.verify(v)
}

pub(super) async fn push_subscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    csrf: Csrf,
    body: web::Json<PushSubscriptionJson>,
) -> AppResult<HttpResponse> {
    header_csrf(&req, &csrf)?;
    let b = body.into_inner();
    let Some(keys) = b.keys else {
        return Err(AppError::invalid(
            "push_keys_missing",
            "구독 정보에 keys가 없습니다.",
        ));
    };
    if keys.p256dh.len() > 200 || keys.auth.len() > 100 {
        return Err(AppError::invalid(
            "push_endpoint_invalid",
            "푸시 주소가 올바르지 않습니다.",
        ));
    }
    // https on a public host only (a DNS lookup: off the async threads).
    let allow_private = state.config.push_allow_private;
    let endpoint = b.endpoint.clone();
    if let Err(why) =
        web::block(move || crate::alerts::endpoint::check(&endpoint, allow_private)).await?
    {
        return Err(AppError::invalid(
            "push_endpoint_invalid",
            format!("푸시 주소가 올바르지 않습니다: {why}."),
        ));
    }
    let uid = user.user.id.clone();
    let now = state.now();
    state
        .db(move |conn| {
            subscriptions::add_push_endpoint(conn, &uid, &b.endpoint, &keys.p256dh, &keys.auth, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({"ok": true})))
}

pub(super) async fn push_unsubscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    csrf: Csrf,
    body: web::Json<PushSubscriptionJson>,
) -> AppResult<HttpResponse> {
    header_csrf(&req, &csrf)?;
    let uid = user.user.id.clone();
    let endpoint = body.into_inner().endpoint;
    let now = state.now();
    let n = state
        .db(move |conn| subscriptions::remove_push_endpoint(conn, &uid, &endpoint, now))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"ok": true, "removed": n})))
}

/// The service worker must be served from the root to control the whole site.
pub(super) async fn service_worker() -> AppResult<HttpResponse> {
    let path = format!("{}/sw.js", crate::web::public_dir());
    let body =
        std::fs::read_to_string(&path).map_err(|e| AppError::internal(format!("{path}: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body))
}
