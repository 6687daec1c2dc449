//! Links in messages: unsubscribe (page and RFC 8058 one-click), short links, open and
//! click tracking.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::accounts::page;
use crate::alerts::subscriptions::{self};
use crate::alerts::{delivery, store, tokens};
use crate::error::{AppError, AppResult};
use crate::web::{redirect, render};
use crate::AppState;

// --- unsubscribe ----------------------------------------------------------------------

pub(super) async fn unsubscribe_form(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let scope = tokens::verify(&state.keys, &token).ok_or(AppError::NotFound)?;
    let what = describe_scope(&state, &scope).await?;
    let done = {
        let scope = scope.clone();
        state
            .db(move |conn| store::unsubscribe_done(conn, &scope))
            .await?
    };
    let mut ctx = page(None, None);
    ctx.insert("token", &token);
    ctx.insert("what", &what);
    ctx.insert("done", &done);
    ctx.insert("already", &done);
    ctx.insert("only_this", &scope.starts_with("m:"));
    ctx.insert("reminder", &scope.starts_with("m:reminder:"));
    render(&state, "alerts/unsubscribe.html", &ctx)
}

/// The SMS's `수신거부` short link: the delivery's code stands for its unsubscribe token
/// (too long for a text message). It only leads to the page; its button unsubscribes.
pub(super) async fn short_unsubscribe(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let d = state
        .db(move |conn| delivery::find_by_code(conn, &code))
        .await?
        .ok_or(AppError::NotFound)?;
    let token = tokens::for_delivery(&state.keys, &d);
    Ok(redirect(&format!("/unsubscribe/{token}")))
}

pub(super) async fn describe_scope(state: &AppState, scope: &str) -> AppResult<String> {
    let scope = scope.to_string();
    state
        .db(move |conn| {
            Ok(match scope.split_once(':') {
                Some(("s", id)) => match store::find_subscription(conn, id)? {
                    Some(s) => format!("'{}' 알림", s.name),
                    None => "이미 해지된 알림".into(),
                },
                Some(("e", _)) => "이 계정의 모든 이메일 알림".into(),
                Some(("b", _)) => "관심 공고 마감·정정 알림".into(),
                Some(("a", email)) => format!("{email} 주소로 가는 모든 알림"),
                Some(("m", rest)) => match store::Mute::parse(rest) {
                    Some(m) => {
                        let title = crate::announcements::store::find(conn, &m.announcement_id)?
                            .map(|a| a.title)
                            .unwrap_or_else(|| "이 공고".into());
                        let what = if m.kind == store::MUTE_REMINDER {
                            "마감 알림"
                        } else {
                            "정정 알림"
                        };
                        format!("'{title}' 공고의 {what}")
                    }
                    None => "알림".into(),
                },
                _ => "알림".into(),
            })
        })
        .await
}

/// The way out: a button on the page, or the mail client's one-click POST (RFC 8058,
/// body `List-Unsubscribe=One-Click`, no cookies — the signed token is the authority,
/// so no CSRF token is asked for).
pub(super) async fn unsubscribe(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let scope = tokens::verify(&state.keys, &token).ok_or(AppError::NotFound)?;
    let what = describe_scope(&state, &scope).await?;
    let now = state.now();
    let only_this = scope.starts_with("m:");
    let reminder = scope.starts_with("m:reminder:");
    let already = state
        .db(move |conn| subscriptions::unsubscribe(conn, &scope, now))
        .await?;
    let mut ctx = page(None, None);
    ctx.insert("token", &token);
    ctx.insert("what", &what);
    ctx.insert("done", &true);
    ctx.insert("already", &already);
    ctx.insert("only_this", &only_this);
    ctx.insert("reminder", &reminder);
    render(&state, "alerts/unsubscribe.html", &ctx)
}

// --- tracking -------------------------------------------------------------------------

const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

pub(super) async fn track_open(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let now = state.now();
    state
        .db(move |conn| delivery::mark_opened(conn, &code, now))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("image/gif")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(PIXEL))
}

/// A link in a message (email button, push notification, SMS short link): count the
/// click, then go to the announcement.
pub(super) async fn track_click(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let now = state.now();
    let to = state
        .db(move |conn| {
            let d = delivery::find_by_code(conn, &code)?.ok_or(AppError::NotFound)?;
            delivery::mark_clicked(conn, &code, now)?;
            delivery::mark_opened(conn, &code, now)?;
            Ok(match d.announcement_id {
                Some(a) => format!("/announcements/{a}"),
                None => "/me/subscriptions".into(),
            })
        })
        .await?;
    Ok(redirect(&to))
}
