//! The development outbox, the operator's delivery page, and the agency console's
//! alert page of an announcement.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;

use crate::accounts::page;
use crate::accounts::{Csrf, CurrentUser};
use crate::alerts::model::channel_label;
use crate::alerts::{delivery, matching};
use crate::error::{AppError, AppResult};
use crate::web::{redirect, render};
use crate::AppState;

use super::CsrfOnly;

// --- development outbox ---------------------------------------------------------------

/// The outbox holds every message the site "sent" — sign-up and password-reset links
/// among them — so it is for the developer at this machine only: never in production,
/// and only to a browser on the loopback interface that came through no proxy.
fn outbox_allowed(state: &AppState, req: &HttpRequest) -> AppResult<()> {
    let local = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
    let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| req.headers().contains_key(*h));
    if state.config.is_production() || !local || proxied {
        return Err(AppError::NotFound);
    }
    Ok(())
}

pub(super) async fn outbox(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    outbox_allowed(&state, &req)?;
    let dir = state.config.outbox_dir.join("mail");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".eml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.reverse();
    names.truncate(200);
    let sms = std::fs::read_to_string(state.config.outbox_dir.join("sms.log")).unwrap_or_default();
    let sms_tail: Vec<&str> = sms.lines().rev().take(50).collect();
    let mut ctx = page(None, None);
    ctx.insert("names", &names);
    ctx.insert("sms", &sms_tail);
    render(&state, "alerts/outbox.html", &ctx)
}

pub(super) async fn outbox_message(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    outbox_allowed(&state, &req)?;
    let name = path.into_inner();
    if !name.ends_with(".eml") || name.contains('/') || name.contains("..") || name.contains('\\') {
        return Err(AppError::NotFound);
    }
    let raw = std::fs::read(state.config.outbox_dir.join("mail").join(&name))
        .map_err(|_| AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(raw))
}

// --- operator -------------------------------------------------------------------------

pub(super) async fn admin_deliveries(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    user.require_operator()?;
    let (counts, dead, held) = state
        .db(|conn| {
            Ok((
                delivery::counts(conn)?,
                delivery::list_status(conn, delivery::DeliveryStatus::Dead, 100)?,
                delivery::list_status(conn, delivery::DeliveryStatus::Queued, 20)?,
            ))
        })
        .await?;
    let rows: Vec<serde_json::Value> = dead
        .iter()
        .map(|d| {
            serde_json::json!({
                "id": d.id, "channel": channel_label(&d.channel), "kind": d.kind,
                "address": mask(&d.address), "attempts": d.attempts,
                "error": d.last_error.clone().unwrap_or_default(),
                "created": crate::clock::format_kst(d.created_at, "%Y-%m-%d %H:%M"),
            })
        })
        .collect();
    let queued: Vec<serde_json::Value> = held
        .iter()
        .map(|d| {
            serde_json::json!({
                "channel": channel_label(&d.channel), "kind": d.kind, "attempts": d.attempts,
                "next": crate::clock::format_kst(d.next_attempt_at, "%Y-%m-%d %H:%M"),
                "error": d.last_error.clone().unwrap_or_default(),
            })
        })
        .collect();
    let counts: Vec<serde_json::Value> = counts
        .iter()
        .map(|(c, s, n)| serde_json::json!({"channel": channel_label(c), "status": s, "n": n}))
        .collect();
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("counts", &counts);
    ctx.insert("dead", &rows);
    ctx.insert("queued", &queued);
    render(&state, "alerts/admin.html", &ctx)
}

/// `owner@example.com` → `ow***@example.com`; phone → `010****5678`.
pub fn mask(address: &str) -> String {
    if let Some((local, domain)) = address.split_once('@') {
        let keep: String = local.chars().take(2).collect();
        return format!("{keep}***@{domain}");
    }
    if address.len() >= 8 {
        return format!("{}****{}", &address[..3], &address[address.len() - 4..]);
    }
    "(브라우저)".into()
}

pub(super) async fn admin_retry(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    user.require_operator()?;
    let id = path.into_inner();
    let now = state.now();
    state
        .db(move |conn| delivery::retry(conn, &id, now))
        .await?;
    Ok(redirect("/admin/deliveries"))
}

// --- agency console: reach before, results after ---------------------------------------

pub(super) async fn console_alerts(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let id = path.into_inner();
    let now = state.now();
    let agency = staff.agency.id.clone();
    let off = state.channels.switched_off();
    let per_day = state.applications_per_day;
    let (a, reach, results, views, center) = state
        .db(move |conn| {
            let a = crate::announcements::console::owned(conn, &id, &agency)?;
            let reach = matching::reach(conn, &a, &off, now)?;
            let results = delivery::results(conn, &a.id)?;
            let center = delivery::first_send_day(conn, &a.id)?
                .or(a.published_at.map(|t| crate::clock::to_kst(t).date()))
                .unwrap_or_else(|| crate::clock::to_kst(now).date());
            let from = center - Duration::days(5);
            let to = center + Duration::days(7);
            let counted: HashMap<chrono::NaiveDate, i64> =
                crate::announcements::store::views_by_day(conn, &a.id, from, to)?.into_iter().collect();
            let applied: HashMap<chrono::NaiveDate, i64> =
                per_day(conn, &a.id, from, to)?.into_iter().collect();
            let views: Vec<serde_json::Value> = (0..13)
                .map(|i| {
                    let day = from + Duration::days(i);
                    let offset = i - 5;
                    serde_json::json!({
                        "label": if offset == 0 { "발송일".to_string() } else if offset < 0 { format!("D{offset}") } else { format!("D+{offset}") },
                        "date": day.format("%m-%d").to_string(),
                        "views": counted.get(&day).copied().unwrap_or(0),
                        "applications": applied.get(&day).copied().unwrap_or(0),
                    })
                })
                .collect();
            Ok((a, reach, results, views, center))
        })
        .await?;
    let max_views = views
        .iter()
        .filter_map(|v| v["views"].as_i64())
        .max()
        .unwrap_or(0)
        .max(1);
    // With the token, the header offers 로그아웃 here too.
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("a_id", &a.id);
    ctx.insert("a_title", &a.title);
    ctx.insert("status", a.status().label());
    ctx.insert("published", &(a.published_at.is_some()));
    ctx.insert("reach", &reach);
    ctx.insert("results", &results);
    ctx.insert("views", &views);
    ctx.insert("max_views", &max_views);
    ctx.insert("center", &center.format("%Y-%m-%d").to_string());
    render(&state, "alerts/console.html", &ctx)
}
