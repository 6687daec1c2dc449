//! Site-wide HTTP plumbing: templates, rendering, error pages, security and caching
//! headers, static files, health.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult, ErrorInfo};
use crate::AppState;
pub use routes::{route_table, Access, Object, RouteSpec, Routes};

pub mod csrf;
pub mod form;
pub mod routes;

pub fn template_dir() -> String {
    std::env::var("JIWON_TEMPLATE_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/templates").to_string())
}

pub fn public_dir() -> String {
    std::env::var("JIWON_PUBLIC_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/public").to_string())
}

pub fn templates() -> AppResult<tera::Tera> {
    let mut tera = tera::Tera::new(&format!("{}/**/*", template_dir()))?;
    tera.autoescape_on(vec![".html"]);
    Ok(tera)
}

pub fn routes(r: &mut Routes) {
    r.service(
        "/public/{file}",
        web::scope("/public")
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "public, max-age=3600")))
            .service(
                actix_files::Files::new("", public_dir())
                    .use_etag(true)
                    .use_last_modified(true),
            ),
        Access::Public.on(Object::StaticFile),
    );
}

/// A few seconds of memory for the busiest anonymous pages (home, listings): under load,
/// identical requests share one rendering. Pages are public with `max-age=60` anyway, so
/// a TTL of a few seconds changes nothing a visitor can notice.
pub struct PageCache {
    ttl: std::time::Duration,
    entries: std::sync::Mutex<
        std::collections::HashMap<String, (std::time::Instant, std::sync::Arc<String>)>,
    >,
}

impl PageCache {
    pub fn new(ttl_secs: u64) -> PageCache {
        PageCache {
            ttl: std::time::Duration::from_secs(ttl_secs),
            entries: Default::default(),
        }
    }
    fn get(&self, key: &str) -> Option<std::sync::Arc<String>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, b)| b.clone())
    }
    fn put(&self, key: String, body: std::sync::Arc<String>) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= 2000 {
                let ttl = self.ttl;
                entries.retain(|_, (at, _)| at.elapsed() < ttl);
                if entries.len() >= 2000 {
                    entries.clear();
                }
            }
            entries.insert(key, (std::time::Instant::now(), body));
        }
    }
}

/// The cached rendering of this anonymous request, if fresh.
pub fn cached_public(state: &AppState, req: &HttpRequest, signed_in: bool) -> Option<HttpResponse> {
    if signed_in {
        return None;
    }
    state
        .page_cache
        .get(&req.uri().to_string())
        .map(|body| public_response(req, body.as_str().to_string()))
}

fn public_response(req: &HttpRequest, body: String) -> HttpResponse {
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(body.as_bytes()))[..32]
    );
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').any(|t| t.trim() == etag))
        .unwrap_or(false);
    let mut resp = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    resp.insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Cookie, Accept-Encoding"));
    if matches {
        resp.finish()
    } else {
        resp.content_type("text/html; charset=utf-8").body(body)
    }
}

/// Render a page that is the same for every anonymous visitor: cacheable for a minute,
/// with an ETag so a revalidation costs no body; kept a few seconds in `PageCache`.
pub fn render_public(
    state: &AppState,
    req: &HttpRequest,
    signed_in: bool,
    name: &str,
    ctx: &tera::Context,
) -> AppResult<HttpResponse> {
    let body = state.tera.render(name, ctx)?;
    if signed_in {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(body));
    }
    state
        .page_cache
        .put(req.uri().to_string(), std::sync::Arc::new(body.clone()));
    Ok(public_response(req, body))
}

/// Render a private page (console, forms): never cached.
pub fn render(state: &AppState, name: &str, ctx: &tera::Context) -> AppResult<HttpResponse> {
    render_status(state, StatusCode::OK, name, ctx)
}

pub fn render_status(
    state: &AppState,
    status: StatusCode,
    name: &str,
    ctx: &tera::Context,
) -> AppResult<HttpResponse> {
    let body = state.tera.render(name, ctx)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}

/// 303 See Other to a path of this site.
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Only local paths are followed after login, never another site: one leading `/`, no
/// backslash, no control characters (browsers drop tabs and newlines, so `/\t/evil.example`
/// would become `//evil.example`), and the path must resolve on this origin.
pub fn safe_next(next: Option<&str>) -> String {
    const DEFAULT: &str = "/console";
    let Some(n) = next else {
        return DEFAULT.to_string();
    };
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.contains('\\')
        && !n.chars().any(|c| c.is_control() || c.is_whitespace());
    if !local {
        return DEFAULT.to_string();
    }
    let Ok(base) = url::Url::parse("http://jiwon.invalid/") else {
        return DEFAULT.to_string();
    };
    match base.join(n) {
        Ok(u) if u.origin() == base.origin() && u.username().is_empty() => n.to_string(),
        _ => DEFAULT.to_string(),
    }
}

/// A `?page=` number: 1 when absent, 400 when it is past any page a list can have
/// (the offset would overflow).
pub fn page_number(page: Option<i64>) -> AppResult<i64> {
    match page {
        None => Ok(1),
        Some(p) if p <= 10_000 => Ok(p.max(1)),
        Some(_) => Err(AppError::BadRequest("페이지 번호가 너무 큽니다.".into())),
    }
}

pub async fn not_found() -> AppResult<HttpResponse> {
    Err(AppError::NotFound)
}

/// Headers on every response; HSTS only in production (behind TLS). In development the
/// site is plain HTTP on localhost, where a remembered policy would follow the browser
/// to every other local port.
pub fn security_headers(production: bool) -> DefaultHeaders {
    let headers = if production {
        DefaultHeaders::new().add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ))
    } else {
        DefaultHeaders::new()
    };
    headers
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'self'",
        ))
}

/// Turns `AppError` responses into Korean error pages, JSON for `/api/`, and a login
/// redirect for pages that need a signed-in user.
pub fn error_handlers<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let info = res.response().extensions().get::<ErrorInfo>().cloned();
        let Some(info) = info else {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        };
        let status = res.status();
        let (req, _old) = res.into_parts();
        let is_api = req.path().starts_with("/api/");
        let new_resp: HttpResponse<BoxBody> = if is_api {
            HttpResponse::build(status)
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(serde_json::json!({"error": info.code, "message": info.message}))
        } else if status == StatusCode::UNAUTHORIZED {
            let next = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into());
            let to = format!("/login?next={}", urlencoding::encode(&next));
            redirect(&to)
        } else {
            let page_status = match status.as_u16() {
                403 => 403,
                404 => 404,
                429 => 429,
                s if s >= 500 => 500,
                _ => 400,
            };
            let mut ctx = tera::Context::new();
            ctx.insert("status", &status.as_u16());
            ctx.insert("message", &info.message);
            let body = req
                .app_data::<web::Data<AppState>>()
                .and_then(|s| {
                    s.tera
                        .render(&format!("errors/{page_status}.html"), &ctx)
                        .ok()
                })
                .unwrap_or_else(|| {
                    format!(
                        "<!doctype html><html lang=\"ko\"><title>오류</title><h1>{}</h1></html>",
                        html_escape::encode_text(&info.message)
                    )
                });
            let mut r = HttpResponse::build(status);
            r.content_type("text/html; charset=utf-8");
            r.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
            r.body(body)
        };
        let res: ServiceResponse<EitherBody<B>> =
            ServiceResponse::new(req, new_resp).map_into_right_body();
        Ok(ErrorHandlerResponse::Response(res))
    })
}
