//! Agencies, staff accounts, sessions, CSRF and rate limits.
//!
//! Auth is an extractor: handlers take `CurrentUser` (login required) or
//! `Option<CurrentUser>`, then ask it for the permission they need (`staff()`,
//! `require_edit()`, `require_admin()`, `require_operator()`).

pub mod admin;
pub mod intent;
pub mod model;
pub mod password;
pub mod staff;
pub mod store;
pub mod web;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};

use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::sha256_hex;
use crate::AppState;
pub use model::{Agency, AgencyRole, User};

pub const SESSION_COOKIE: &str = "jiwon_session";
pub use crate::web::csrf::{csrf_middleware, Csrf, CSRF_COOKIE};
/// Owners stay signed in for two weeks.
pub const SESSION_DAYS: i64 = 14;
/// Staff and operator sessions end 12 hours after sign-in …
pub const STAFF_SESSION_HOURS: i64 = 12;
/// … or after 30 minutes without a request, whichever comes first.
pub const STAFF_IDLE_MINUTES: i64 = 30;

/// What the domains above accounts add to signing in and to staff invitations. Accounts
/// sits below owners and alerts, so it does not call them: `lib.rs` fills these at
/// startup (owners' verification check, alerts' outbound email).
#[derive(Clone, Copy)]
pub struct Hooks {
    /// Why this user may not sign in yet (an owner whose email is unconfirmed), if so.
    pub login_refusal: fn(&mut DbConnection, &User) -> AppResult<Option<&'static str>>,
    /// Queue an account email (kind, unique key, template detail) in the caller's
    /// transaction.
    pub queue_email: staff::QueueEmail,
    /// Do what a visitor meant before signing in (`intent`); where to go then, or
    /// `None` when it does not apply (not an owner, announcement gone).
    pub carry_out: fn(
        &mut DbConnection,
        &str,
        &intent::Intent,
        chrono::NaiveDateTime,
    ) -> AppResult<Option<String>>,
}

/// One account email for [`Hooks::queue_email`].
pub struct AccountEmail<'a> {
    pub user_id: Option<&'a str>,
    pub address: &'a str,
    pub kind: &'a str,
    pub unique: &'a str,
    pub detail: serde_json::Value,
}

/// Where a user goes after signing in: `next`, except that the console (the default) is
/// only for agency staff — owners go to `/me`, operators without an agency to `/admin/jobs`.
pub fn landing(user: &User, next: &str) -> String {
    let to_console = next == "/console" || next.starts_with("/console/");
    if !to_console || user.agency_id.is_some() {
        next.to_string()
    } else if user.is_operator {
        // An operator without an agency has no console (403); their pages are these.
        "/admin/jobs".to_string()
    } else {
        "/me".to_string()
    }
}

/// The common context of every page: who is signed in, a CSRF token for the header's
/// logout form, the current path.
pub fn page(user: Option<&CurrentUser>, csrf: Option<&Csrf>) -> tera::Context {
    let mut ctx = tera::Context::new();
    ctx.insert(
        "errors",
        &std::collections::HashMap::<String, String>::new(),
    );
    if let Some(u) = user {
        ctx.insert("nav_user", &u.user.display_name);
        ctx.insert("nav_is_staff", &u.user.agency_id.is_some());
        ctx.insert("nav_is_operator", &u.user.is_operator);
        if let Some(a) = &u.agency {
            ctx.insert("nav_agency", &a.name);
        }
    }
    if let Some(c) = csrf {
        ctx.insert("csrf_token", c.token());
    }
    ctx
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

impl crate::audit::Actor for CurrentUser {
    fn actor_id(&self) -> &str {
        &self.user.id
    }
    fn actor_label(&self) -> String {
        self.label()
    }
    fn agency_id(&self) -> Option<&str> {
        self.user.agency_id.as_deref()
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

/// Fixed-window counters per (action, key), kept in the database (`rate_limits`), so a
/// limit holds however many `serve` nodes share the work.
pub struct RateLimiter {
    pool: crate::db::Pool,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
}

impl RateLimiter {
    pub fn new(pool: crate::db::Pool, clock: std::sync::Arc<dyn crate::clock::Clock>) -> Self {
        RateLimiter { pool, clock }
    }

    /// Count a hit; Err(RateLimited) when `key` did `action` more than `limit` times in
    /// the current `window`.
    pub async fn check(
        &self,
        action: &str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<(), AppError> {
        let hits = self.hit(action, key, window).await?;
        if hits > i64::from(limit) {
            Err(AppError::RateLimited)
        } else {
            Ok(())
        }
    }

    /// Whether `key` is already over `limit` for `action` in this window, without
    /// counting (the per-account login throttle counts only failures).
    pub async fn exceeded(
        &self,
        action: &str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<bool, AppError> {
        let (pool, now) = (self.pool.clone(), self.clock.now());
        let (action, key) = (action.to_string(), key.to_string());
        let hits = actix_web::web::block(move || {
            let mut conn = pool.get()?;
            store::rate_hits(&mut conn, &action, &key, window_start(now, window))
        })
        .await??;
        Ok(hits >= i64::from(limit))
    }

    /// Count one hit and return the window's total.
    pub async fn hit(&self, action: &str, key: &str, window: Duration) -> Result<i64, AppError> {
        let (pool, now) = (self.pool.clone(), self.clock.now());
        let (action, key) = (action.to_string(), key.to_string());
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            store::rate_hit(&mut conn, &action, &key, window_start(now, window), now)
        })
        .await?
    }
}

/// The start of the fixed window of `window` length that `now` falls in.
fn window_start(now: chrono::NaiveDateTime, window: Duration) -> chrono::NaiveDateTime {
    let secs = window.as_secs().max(1) as i64;
    let t = now.and_utc().timestamp();
    chrono::DateTime::from_timestamp(t - t.rem_euclid(secs), 0)
        .map(|d| d.naive_utc())
        .unwrap_or(now)
}

/// The client's IP for rate limiting. The TCP peer, unless the peer is one of
/// `JIWON_TRUSTED_PROXIES`: then the nearest address in `Forwarded` /
/// `X-Forwarded-For` that is not itself a trusted proxy (the ones before it are the
/// client's to write, so they are not believed).
pub fn client_ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    let trusted = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|s| s.config.trusted_proxies.clone())
        .unwrap_or_default();
    client_ip_from(peer, &trusted, req.headers()).to_string()
}

fn client_ip_from(
    peer: std::net::IpAddr,
    trusted: &[crate::config::IpRange],
    headers: &actix_web::http::header::HeaderMap,
) -> std::net::IpAddr {
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    // RFC 7239 `Forwarded: for=…` first, then `X-Forwarded-For`; every header line in
    // order, the nearest hop last.
    let mut chain: Vec<std::net::IpAddr> = Vec::new();
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        for element in forwarded.iter().flat_map(|v| v.split(',')) {
            for pair in element.split(';') {
                let Some((k, v)) = pair.trim().split_once('=') else {
                    continue;
                };
                if k.trim().eq_ignore_ascii_case("for") {
                    if let Some(ip) = parse_forwarded_for(v.trim()) {
                        chain.push(ip);
                    } else {
                        // `unknown` or an obfuscated name: nothing to believe past it.
                        chain.clear();
                    }
                }
            }
        }
    } else {
        for v in headers
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
        {
            for item in v.split(',') {
                match item.trim().parse() {
                    Ok(ip) => chain.push(ip),
                    Err(_) => chain.clear(),
                }
            }
        }
    }
    let mut client = peer;
    for ip in chain.into_iter().rev() {
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// `for=` values: `192.0.2.60`, `"[2001:db8::1]:4711"`, `198.51.100.17:80`.
fn parse_forwarded_for(v: &str) -> Option<std::net::IpAddr> {
    let v = v.trim_matches('"');
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    v.parse()
        .ok()
        .or_else(|| v.rsplit_once(':').and_then(|(h, _)| h.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(agency: Option<&str>, operator: bool) -> User {
        User {
            id: "u".into(),
            email: "a@b.test".into(),
            password_hash: String::new(),
            display_name: "x".into(),
            is_operator: operator,
            agency_id: agency.map(String::from),
            agency_role: None,
            active: true,
            created_at: chrono::NaiveDateTime::default(),
            last_login_at: None,
        }
    }

    #[test]
    fn owners_land_on_me() {
        assert_eq!(landing(&user(None, false), "/console"), "/me");
        assert_eq!(landing(&user(None, false), "/me/profile"), "/me/profile");
        assert_eq!(landing(&user(Some("a"), false), "/console"), "/console");
        assert_eq!(landing(&user(None, true), "/console"), "/admin/jobs");
        assert_eq!(landing(&user(Some("a"), true), "/console"), "/console");
        assert_eq!(
            landing(&user(None, true), "/admin/deliveries"),
            "/admin/deliveries"
        );
    }

    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        let trusted = vec![crate::config::IpRange::parse("10.0.0.0/24").unwrap()];
        let xff = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.7")]);
        // Through the proxy: the nearest untrusted hop, not what the client wrote first.
        assert_eq!(
            client_ip_from(proxy, &trusted, &xff).to_string(),
            "203.0.113.7"
        );
        // Straight from the internet: the header is the visitor's own words.
        let direct: std::net::IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(client_ip_from(direct, &trusted, &xff), direct);
        // No proxies configured: the peer.
        assert_eq!(client_ip_from(proxy, &[], &xff), proxy);
        // Two proxies in a row.
        let two = headers(&[("x-forwarded-for", "203.0.113.8, 10.0.0.7")]);
        assert_eq!(
            client_ip_from(proxy, &trusted, &two).to_string(),
            "203.0.113.8"
        );
        let fwd = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=https, for=\"[2001:db8::1]:4711\"",
        )]);
        assert_eq!(
            client_ip_from(proxy, &trusted, &fwd).to_string(),
            "2001:db8::1"
        );
    }

    #[test]
    fn windows_are_aligned() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_opt(10, 7, 31)
            .unwrap();
        let w = window_start(t, Duration::from_secs(15 * 60));
        assert_eq!(w.to_string(), "2026-12-06 10:00:00");
    }
}
