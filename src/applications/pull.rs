//! The agency pull API (issue 12): an agency's own system, holding one of the agency's API
//! keys (`api_keys`) in `Authorization: Bearer …`, lists the applications in the agency's
//! inbox it has not confirmed yet, downloads one (the webhook's JSON, `webhooks::payload`)
//! and its files, and confirms receipt. Confirmations are per key (`application_pickups`),
//! so two systems of one agency each take every application.
//!
//! | route                                                        | answer                 |
//! |--------------------------------------------------------------|------------------------|
//! | `GET /api/v1/agency/applications`                            | not yet confirmed by this key (`?all=1`: all), oldest first, `?after=&limit=` |
//! | `GET /api/v1/agency/applications/{id}`                       | the whole application  |
//! | `GET /api/v1/agency/applications/{application}/files/{id}`   | a file's bytes         |
//! | `POST /api/v1/agency/applications/{id}/confirm`              | receipt, idempotent    |
//!
//! Only a key opens these (cookies do not: a signed-in staff member gets 401), and a key
//! opens nothing else. An application is the key's agency's when it is in that agency's
//! inbox (`review::owned`: `applications.agency_id`, never a draft); another's is 404.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::model::AppStatus;
use super::{api_keys, review, webhooks};
use crate::accounts::client_ip;
use crate::clock::format_kst;
use crate::db::schema::{announcements, application_pickups, applications};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, ErrorInfo};
use crate::web::routes::{Access, Object, Routes};
use crate::AppState;

/// Failed key attempts one address may make per window before it gets 429.
const FAILED_KEY_LIMIT: u32 = 30;
const FAILED_KEY_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Most items one page of the list holds, and how many without `limit`.
const MAX_LIMIT: i64 = 100;
const DEFAULT_LIMIT: i64 = 50;

pub fn routes(r: &mut Routes) {
    r.get("/api/v1/agency/applications", list, Access::AgencyKey)
        .get(
            "/api/v1/agency/applications/{id}",
            show,
            Access::AgencyKey.on(Object::Application),
        )
        .get(
            "/api/v1/agency/applications/{application}/files/{id}",
            file,
            Access::AgencyKey.on(Object::ApplicationFile),
        )
        .post(
            "/api/v1/agency/applications/{id}/confirm",
            confirm,
            Access::AgencyKey.on(Object::Application),
        );
}

// --- the key --------------------------------------------------------------------------

/// The caller: an unrevoked API key of an agency, from `Authorization: Bearer jw_live_…`.
/// Cookies are never looked at. A request without a key, or with a wrong or revoked one,
/// is 401 (`api_key_missing` / `api_key_invalid`); an address that keeps presenting wrong
/// keys gets 429 (the accounts' `RateLimiter`, action `api-key`, failures only).
#[derive(Debug, Clone)]
pub struct AgencyKey {
    pub id: String,
    pub agency_id: String,
}

/// A 401 with a stable code (the error handler renders it as the API's JSON).
#[derive(Debug)]
struct KeyRefused {
    code: &'static str,
    message: &'static str,
}

impl std::fmt::Display for KeyRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "API key refused: {}", self.code)
    }
}

impl ResponseError for KeyRefused {
    fn status_code(&self) -> StatusCode {
        StatusCode::UNAUTHORIZED
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish();
        resp.extensions_mut().insert(ErrorInfo {
            code: self.code,
            message: self.message.into(),
        });
        resp
    }
}

/// The token of `Authorization: Bearer <token>`, if there is one.
fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

impl FromRequest for AgencyKey {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("app state missing"))?
                .clone();
            let Some(key) = bearer(&req) else {
                return Err(KeyRefused {
                    code: "api_key_missing",
                    message: "API 키가 필요합니다. Authorization: Bearer 헤더에 기관 API 키를 넣어 주세요.",
                }
                .into());
            };
            let ip = client_ip(&req);
            if state
                .limiter
                .exceeded("api-key", &ip, FAILED_KEY_LIMIT, FAILED_KEY_WINDOW)
                .await?
            {
                return Err(AppError::RateLimited.into());
            }
            let found = state
                .db(move |conn| api_keys::active_by_key(conn, &key))
                .await?;
            match found {
                Some(k) => Ok(AgencyKey {
                    id: k.id,
                    agency_id: k.agency_id,
                }),
                None => {
                    state.limiter.hit("api-key", &ip, FAILED_KEY_WINDOW).await?;
                    Err(KeyRefused {
                        code: "api_key_invalid",
                        message: "API 키가 올바르지 않거나 폐기되었습니다.",
                    }
                    .into())
                }
            }
        })
    }
}

// --- reading and confirming -----------------------------------------------------------

/// One row of the list.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    pub receipt_no: Option<String>,
    pub program: Program,
    pub status: String,
    pub submitted_at: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub id: String,
    pub title: String,
}

/// Where a page of the list starts: after this submission time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub submitted_at: NaiveDateTime,
    pub id: String,
}

impl Cursor {
    /// `<submitted_at as µs since the epoch>.<id>`.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}",
            self.submitted_at.and_utc().timestamp_micros(),
            self.id
        )
    }

    pub fn parse(s: &str) -> Option<Cursor> {
        let (micros, id) = s.split_once('.')?;
        let t = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        (!id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then(|| Cursor {
            submitted_at: t,
            id: id.to_string(),
        })
    }
}

const KST_ISO: &str = "%Y-%m-%dT%H:%M:%S+09:00";

/// The agency's submitted applications, oldest submission first: only those `key_id` has
/// not confirmed unless `all`; after `after`; at most `limit`.
pub fn list_for_key(
    conn: &mut DbConnection,
    agency_id: &str,
    key_id: &str,
    all: bool,
    after: Option<&Cursor>,
    limit: i64,
) -> AppResult<Vec<(Item, Cursor)>> {
    let mut q = applications::table
        .inner_join(announcements::table)
        .filter(applications::agency_id.eq(agency_id))
        .filter(applications::status.ne(AppStatus::Draft.as_str()))
        .filter(applications::submitted_at.is_not_null())
        .into_boxed();
    if !all {
        q = q.filter(diesel::dsl::not(diesel::dsl::exists(
            application_pickups::table
                .filter(application_pickups::application_id.eq(applications::id))
                .filter(application_pickups::key_id.eq(key_id.to_string())),
        )));
    }
    if let Some(c) = after {
        q = q.filter(
            applications::submitted_at
                .gt(c.submitted_at)
                .or(applications::submitted_at
                    .eq(c.submitted_at)
                    .and(applications::id.gt(c.id.clone()))),
        );
    }
    type Row = (
        String,
        Option<String>,
        String,
        String,
        String,
        Option<NaiveDateTime>,
        NaiveDateTime,
    );
    let rows: Vec<Row> = q
        .order((applications::submitted_at.asc(), applications::id.asc()))
        .limit(limit)
        .select((
            applications::id,
            applications::receipt_no,
            applications::announcement_id,
            announcements::title,
            applications::status,
            applications::submitted_at,
            applications::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, receipt_no, program_id, title, status, submitted, updated)| {
                let cursor = Cursor {
                    submitted_at: submitted.unwrap_or_default(),
                    id: id.clone(),
                };
                let item = Item {
                    id,
                    receipt_no,
                    program: Program {
                        id: program_id,
                        title,
                    },
                    status,
                    submitted_at: submitted.map(|t| format_kst(t, KST_ISO)),
                    updated_at: format_kst(updated, KST_ISO),
                };
                (item, cursor)
            },
        )
        .collect())
}

/// The application (in the key's agency's inbox) as the webhook sends it, with `id` the
/// application's.
pub fn application_json(
    conn: &mut DbConnection,
    agency_id: &str,
    id: &str,
    base: &str,
) -> AppResult<Value> {
    let app = review::owned(conn, id, agency_id)?;
    let mut v = webhooks::payload(conn, &app, base)?;
    v["id"] = json!(app.id);
    Ok(v)
}

/// Record that `key_id` took the application (in its agency's inbox). Idempotent: the
/// first confirmation's time is kept and returned.
pub fn confirm_pickup(
    conn: &mut DbConnection,
    agency_id: &str,
    id: &str,
    key_id: &str,
    now: NaiveDateTime,
) -> AppResult<NaiveDateTime> {
    crate::db::write_transaction(conn, |conn| {
        review::owned(conn, id, agency_id)?;
        let existing: Option<NaiveDateTime> = application_pickups::table
            .find((id, key_id))
            .select(application_pickups::confirmed_at)
            .first(conn)
            .optional()?;
        if let Some(t) = existing {
            return Ok(t);
        }
        diesel::insert_into(application_pickups::table)
            .values((
                application_pickups::application_id.eq(id),
                application_pickups::key_id.eq(key_id),
                application_pickups::confirmed_at.eq(now),
            ))
            .execute(conn)?;
        Ok(now)
    })
}

// --- handlers ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct ListQuery {
    all: Option<String>,
    after: Option<String>,
    limit: Option<String>,
}

fn base_url(state: &AppState) -> String {
    state.config.base_url.trim_end_matches('/').to_string()
}

async fn list(
    state: web::Data<AppState>,
    key: AgencyKey,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let all = matches!(q.all.as_deref(), Some("1" | "true"));
    let limit = match q.limit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => DEFAULT_LIMIT,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(AppError::invalid(
                    "invalid_limit",
                    format!("limit은 1부터 {MAX_LIMIT}까지의 수입니다."),
                ))
            }
        },
    };
    let after = match q.after.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Cursor::parse(s).ok_or_else(|| {
            AppError::invalid(
                "invalid_cursor",
                "after 값이 올바르지 않습니다. 앞 페이지의 next 값을 그대로 넣어 주세요.",
            )
        })?),
    };
    let now = state.now();
    let rows = state
        .db(move |conn| {
            let rows = list_for_key(conn, &key.agency_id, &key.id, all, after.as_ref(), limit)?;
            api_keys::touch(conn, &key.id, now)?;
            Ok(rows)
        })
        .await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|(_, c)| c.encode()))
        .flatten();
    let items: Vec<Item> = rows.into_iter().map(|(i, _)| i).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"items": items, "next": next})))
}

async fn show(
    state: web::Data<AppState>,
    key: AgencyKey,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let base = base_url(&state);
    let now = state.now();
    let v = state
        .db(move |conn| {
            let v = application_json(conn, &key.agency_id, &id, &base)?;
            api_keys::touch(conn, &key.id, now)?;
            Ok(v)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(v))
}

async fn file(
    state: web::Data<AppState>,
    key: AgencyKey,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (application, id) = path.into_inner();
    let now = state.now();
    let f = state
        .db(move |conn| {
            review::owned(conn, &application, &key.agency_id)?;
            let f = review::file_of(conn, &application, &id)?;
            api_keys::touch(conn, &key.id, now)?;
            Ok(f)
        })
        .await?;
    let dir = state.config.upload_dir.clone();
    let stored = f.stored_name.clone();
    let bytes = web::block(move || crate::storage::read(&dir, &stored)).await??;
    Ok(HttpResponse::Ok()
        .content_type(f.content_type.clone())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"download\"; filename*=UTF-8''{}",
                urlencoding::encode(&f.original_name)
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

async fn confirm(
    state: web::Data<AppState>,
    key: AgencyKey,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let now = state.now();
    let answer_id = id.clone();
    let at = state
        .db(move |conn| {
            let at = confirm_pickup(conn, &key.agency_id, &id, &key.id, now)?;
            api_keys::touch(conn, &key.id, now)?;
            Ok(at)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"id": answer_id, "confirmed": true, "confirmed_at": format_kst(at, KST_ISO)})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_wrote_and_refuses_junk() {
        let c = Cursor {
            submitted_at: chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
                .unwrap()
                .and_hms_micro_opt(1, 2, 3, 456_789)
                .unwrap(),
            id: "0190b2a0-7c1e-7abc-9def-0123456789ab".into(),
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        for junk in ["", "abc", "12.", "x.id", "1.a'b", "1.a b"] {
            assert_eq!(Cursor::parse(junk), None, "{junk}");
        }
    }
}
