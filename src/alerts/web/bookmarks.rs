//! Bookmarks (관심 공고) and their deadline reminders.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::accounts::intent::Action;
use crate::accounts::page;
use crate::accounts::{Csrf, CurrentUser};
use crate::alerts::store;
use crate::announcements::model::Phase;
use crate::error::{AppError, AppResult};
use crate::web::{redirect, render};
use crate::AppState;

use super::CsrfOnly;

// --- bookmarks ------------------------------------------------------------------------

#[derive(Deserialize)]
pub(super) struct BookmarkQuery {
    announcement: String,
}

pub(super) async fn bookmark_form(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    csrf: Csrf,
    q: web::Query<BookmarkQuery>,
) -> AppResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(redirect(&super::login_with_intent(
            &state,
            Action::Bookmark,
            &q.announcement,
        )));
    };
    let id = q.announcement.clone();
    let uid = user.user.id.clone();
    let now = state.now();
    let (a, saved, days) = state
        .db(move |conn| {
            let a = crate::announcements::store::find(conn, &id)?
                .filter(|a| a.is_public())
                .ok_or(AppError::NotFound)?;
            let saved = store::is_bookmarked(conn, &uid, &id)?;
            let days = store::find_profile(conn, &uid)?
                .map(|p| p.reminder_day_list())
                .unwrap_or_else(|| vec![7, 1]);
            // Only reminders whose day is still ahead (KST): none for a program without
            // a deadline or that closes sooner.
            let today = crate::clock::kst_today(now);
            let days: Vec<i64> = match a.apply_end.filter(|_| a.phase(now) != Phase::Closed) {
                Some(end) => {
                    let end_day = crate::clock::to_kst(end).date();
                    days.into_iter()
                        .filter(|d| end_day - chrono::Duration::days(*d) > today)
                        .collect()
                }
                None => Vec::new(),
            };
            Ok((a, saved, days))
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("a_id", &a.id);
    ctx.insert("a_title", &a.title);
    ctx.insert("saved", &saved);
    ctx.insert(
        "days",
        &days
            .iter()
            .map(|d| format!("D-{d}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    render(&state, "alerts/bookmark.html", &ctx)
}

#[derive(Deserialize)]
pub(super) struct BookmarkForm {
    csrf_token: String,
    announcement: String,
}

pub(super) async fn add_bookmark(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<BookmarkForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let id = form.announcement.clone();
    let uid = user.user.id.clone();
    let now = state.now();
    state
        .db(move |conn| {
            crate::announcements::store::find(conn, &id)?
                .filter(|a| a.is_public())
                .ok_or(AppError::NotFound)?;
            store::add_bookmark(conn, &uid, &id, now)
        })
        .await?;
    Ok(redirect("/me/bookmarks?saved=1"))
}

pub(super) async fn remove_bookmark(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let id = path.into_inner();
    let uid = user.user.id.clone();
    // Only the caller's own bookmark: none of that announcement is 404, as for
    // subscriptions.
    let removed = state
        .db(move |conn| store::remove_bookmark(conn, &uid, &id))
        .await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    Ok(redirect("/me/bookmarks"))
}

pub(super) async fn my_bookmarks(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let uid = user.user.id.clone();
    let now = state.now();
    let items = state
        .db(move |conn| {
            let mut out = Vec::new();
            for b in store::bookmarks_of(conn, &uid)? {
                if let Some(a) = crate::announcements::store::find(conn, &b.announcement_id)? {
                    let (dday, _) = crate::announcements::view::dday(&a, now);
                    out.push(serde_json::json!({
                        "id": a.id,
                        "title": a.title,
                        "window": crate::announcements::view::window_label(&a),
                        "dday": dday,
                    }));
                }
            }
            Ok(out)
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("items", &items);
    ctx.insert("saved", &q.contains_key("saved"));
    render(&state, "alerts/bookmarks.html", &ctx)
}
