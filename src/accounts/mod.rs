//! Agencies, staff accounts, sessions, CSRF and rate limits.
//!
//! Auth is an extractor: handlers take `CurrentUser` (login required) or
//! `Option<CurrentUser>`, then ask it for the permission they need (`staff()`,
//! `require_edit()`, `require_admin()`, `require_operator()`).

pub mod admin;
pub mod model;
pub mod password;
pub mod store;
pub mod web;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};
use hmac::{Hmac, Mac};
use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::AppState;
pub use model::{Agency, AgencyRole, User};

pub const SESSION_COOKIE: &str = "jiwon_session";
pub const CSRF_COOKIE: &str = "jiwon_csrf";
pub const SESSION_DAYS: i64 = 14;

pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The signed-in person.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub agency: Option<Agency>,
}

/// A staff member acting for their agency.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub agency: Agency,
    pub role: AgencyRole,
}

impl CurrentUser {
    pub fn staff(&self) -> Result<Staff, AppError> {
        let agency = self.agency.clone().ok_or(AppError::Forbidden)?;
        let role = self
            .user
            .agency_role
            .as_deref()
            .and_then(AgencyRole::parse)
            .ok_or(AppError::Forbidden)?;
        Ok(Staff {
            user: self.user.clone(),
            agency,
            role,
        })
    }
    pub fn require_edit(&self) -> Result<Staff, AppError> {
        let s = self.staff()?;
        if s.role.can_edit() {
            Ok(s)
        } else {
            Err(AppError::Forbidden)
        }
    }
    pub fn require_admin(&self) -> Result<Staff, AppError> {
        let s = self.staff()?;
        if s.role == AgencyRole::Admin {
            Ok(s)
        } else {
            Err(AppError::Forbidden)
        }
    }
    pub fn require_operator(&self) -> Result<&User, AppError> {
        if self.user.is_operator {
            Ok(&self.user)
        } else {
            Err(AppError::Forbidden)
        }
    }
    pub fn label(&self) -> String {
        format!("{} <{}>", self.user.display_name, self.user.email)
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(cached) = req.extensions().get::<CurrentUser>() {
                return Ok(cached.clone());
            }
            let token = req
                .cookie(SESSION_COOKIE)
                .map(|c| c.value().to_string())
                .ok_or(AppError::Unauthorized)?;
            let state = req
                .app_data::<actix_web::web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("app state missing"))?
                .clone();
            let now = state.clock.now();
            let found = state
                .db(move |conn| store::find_session_user(conn, &sha256_hex(&token), now))
                .await?;
            let current = found.ok_or(AppError::Unauthorized)?;
            req.extensions_mut().insert(current.clone());
            Ok(current)
        })
    }
}

/// The CSRF token of this request: a random value in an HttpOnly cookie (set by
/// `csrf_middleware` on first visit); forms carry its HMAC, which `verify` checks.
#[derive(Debug, Clone)]
pub struct Csrf {
    cookie_value: String,
    form_value: String,
}

#[derive(Debug, Clone)]
struct CsrfCookie {
    value: String,
    is_new: bool,
}

impl Csrf {
    /// The value to put in the form's hidden `csrf_token` field.
    pub fn token(&self) -> &str {
        &self.form_value
    }
    pub fn verify(&self, submitted: &str) -> Result<(), AppError> {
        if self.cookie_value.is_empty() || submitted.is_empty() {
            return Err(AppError::Csrf);
        }
        let a = self.form_value.as_bytes();
        let b = submitted.as_bytes();
        // Constant-time comparison.
        if a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0 {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

fn sign(secret: &[u8], value: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(value.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

impl FromRequest for Csrf {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    /// Reads the CSRF cookie, or makes one (set on the response by `csrf_middleware`).
    /// Pages without forms never touch it, so they stay cacheable.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Two statements: `req.cookie` borrows the extensions mutably.
        let from_ext = req
            .extensions()
            .get::<CsrfCookie>()
            .map(|c| c.value.clone());
        let existing = from_ext
            .or_else(|| req.cookie(CSRF_COOKIE).map(|c| c.value().to_string()))
            .filter(|v| v.len() >= 32);
        let value = match existing {
            Some(v) => v,
            None => {
                let v = random_token(40);
                req.extensions_mut().insert(CsrfCookie {
                    value: v.clone(),
                    is_new: true,
                });
                v
            }
        };
        let secret = req
            .app_data::<actix_web::web::Data<AppState>>()
            .map(|s| s.config.secret_key.clone())
            .unwrap_or_default();
        let form_value = sign(&secret, &value);
        std::future::ready(Ok(Csrf {
            cookie_value: value,
            form_value,
        }))
    }
}

/// Sets the CSRF cookie when a handler created one for this visitor.
pub async fn csrf_middleware(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let secure = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|s| s.config.is_production())
        .unwrap_or(false);
    let mut res = next.call(req).await?;
    let new_cookie = res
        .request()
        .extensions()
        .get::<CsrfCookie>()
        .filter(|c| c.is_new)
        .map(|c| c.value.clone());
    if let Some(value) = new_cookie {
        let cookie = actix_web::cookie::Cookie::build(CSRF_COOKIE, value)
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(actix_web::cookie::SameSite::Lax)
            .finish();
        let _ = res.response_mut().add_cookie(&cookie);
        res.response_mut().headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("private, no-store"),
        );
    }
    Ok(res)
}

/// Fixed-window counters per (action, key), in memory. Enough for one node; a cluster
/// would move this to the shared database or a proxy.
#[derive(Debug, Default)]
pub struct RateLimiter {
    hits: Mutex<HashMap<(String, String), Vec<Instant>>>,
}

impl RateLimiter {
    /// Count a hit; Err(RateLimited) when `key` did `action` more than `limit` times in
    /// the last `window`.
    pub fn check(
        &self,
        action: &str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<(), AppError> {
        let mut hits = self
            .hits
            .lock()
            .map_err(|_| AppError::internal("rate limiter poisoned"))?;
        let now = Instant::now();
        let entry = hits
            .entry((action.to_string(), key.to_string()))
            .or_default();
        entry.retain(|t| now.duration_since(*t) < window);
        if entry.len() as u32 >= limit {
            return Err(AppError::RateLimited);
        }
        entry.push(now);
        if hits.len() > 100_000 {
            hits.retain(|_, v| {
                v.last()
                    .map(|t| now.duration_since(*t) < window)
                    .unwrap_or(false)
            });
        }
        Ok(())
    }
}

/// The client's IP for rate limiting (the peer address; behind a proxy, configure it to
/// set the real address).
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}
