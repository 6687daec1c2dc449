//! The signed-in owner's pages: `/me`, the business profile, consents, deletion.

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::accounts::page;
use crate::accounts::web::clear_session_cookie;
use crate::accounts::{password, Csrf, CurrentUser};
use crate::alerts::model::{channel_label, CHANNELS};
use crate::alerts::profile::{format_business_number, REVENUE_BANDS};
use crate::alerts::store as alerts_store;
use crate::clock::format_kst;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::web::form::{FieldErrors, Form};
use crate::web::{redirect, render};
use crate::AppState;

use super::{owner_profile, render_form, KST_FORMAT};

// --- the owner's pages ------------------------------------------------------------------

#[derive(Deserialize)]
pub(super) struct HomeQuery {
    verified: Option<String>,
}

pub(super) async fn home(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<HomeQuery>,
) -> AppResult<HttpResponse> {
    let p = match owner_profile(&state, &user).await? {
        Ok(p) => p,
        Err(to) => return Ok(to),
    };
    let (ksic, region) = (p.ksic_code.clone(), p.region_code.clone());
    let now = state.now();
    let uid = user.user.id.clone();
    let profile = p.clone();
    let (ksic_name, region_name, fits) = state
        .db(move |conn| {
            Ok((
                ksic_label(conn, ksic.as_deref())?,
                region_label(conn, region.as_deref())?,
                fitting(conn, &uid, &profile, now)?,
            ))
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("name", &user.user.display_name);
    ctx.insert("email", &user.user.email);
    ctx.insert("just_verified", &q.verified.is_some());
    ctx.insert("verified", &p.email_verified_at.is_some());
    ctx.insert(
        "verified_at",
        &p.email_verified_at.map(|t| format_kst(t, KST_FORMAT)),
    );
    ctx.insert("business_name", &p.business_name);
    ctx.insert(
        "business_number",
        &p.business_number.as_deref().map(format_business_number),
    );
    ctx.insert("ksic_name", &ksic_name);
    ctx.insert("region_name", &region_name);
    ctx.insert("has_basis", &crate::alerts::fit::has_basis(&p));
    ctx.insert("fits", &fits.shown);
    ctx.insert("fits_total", &fits.total);
    ctx.insert(
        "more_href",
        &p.region_code
            .as_deref()
            .and_then(|r| r.get(0..2))
            .map(|sido| format!("/announcements?region={sido}"))
            .unwrap_or_else(|| "/announcements".into()),
    );
    render(&state, "owners/home.html", &ctx)
}

/// How many fitting programs the home lists; the rest are one link away.
const HOME_FITS: usize = 10;

/// "내게 맞는 공고" on the owner's home: the best `HOME_FITS` of all that fit.
#[derive(Serialize)]
struct Fitting {
    shown: Vec<FitCard>,
    total: usize,
}

#[derive(Serialize)]
struct FitCard {
    #[serde(flatten)]
    card: crate::announcements::view::Card,
    /// "지역: 울산 남구 · 업종: 한식 일반 음식점업 · 업력 3년".
    why: String,
    /// "매출 기준, 업력 기준" (empty when nothing is in doubt).
    unsure: String,
    saved: bool,
}

fn fitting(
    conn: &mut DbConnection,
    user_id: &str,
    p: &crate::alerts::model::OwnerProfile,
    now: chrono::NaiveDateTime,
) -> AppResult<Fitting> {
    let all = crate::alerts::fit::for_owner(conn, p, now)?;
    let total = all.len();
    let top: Vec<_> = all.into_iter().take(HOME_FITS).collect();
    let rows: Vec<_> = top.iter().map(|(a, _)| a.clone()).collect();
    let cards = crate::announcements::view::cards(conn, &rows, now)?;
    let saved: std::collections::HashSet<String> = alerts_store::bookmarks_of(conn, user_id)?
        .into_iter()
        .map(|b| b.announcement_id)
        .collect();
    let shown = cards
        .into_iter()
        .zip(top)
        .map(|(card, (_, fit))| FitCard {
            saved: saved.contains(&card.id),
            card,
            why: fit.reasons.join(" · "),
            unsure: fit.unsure.join(", "),
        })
        .collect();
    Ok(Fitting { shown, total })
}

pub(super) fn ksic_label(conn: &mut DbConnection, code: Option<&str>) -> AppResult<Option<String>> {
    Ok(match code {
        Some(c) => {
            crate::reference::find_ksic(conn, c)?.map(|k| format!("{} ({})", k.name, k.code))
        }
        None => None,
    })
}

pub(super) fn region_label(
    conn: &mut DbConnection,
    code: Option<&str>,
) -> AppResult<Option<String>> {
    Ok(match code {
        Some(c) => crate::reference::find_region(conn, c)?.map(|r| {
            if r.level == "sido" {
                r.name
            } else {
                format!(
                    "{} {}",
                    crate::reference::sido_name(&r.sido_code).unwrap_or_default(),
                    r.name
                )
            }
        }),
        None => None,
    })
}

#[derive(Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

pub(super) async fn profile_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<SavedQuery>,
) -> AppResult<HttpResponse> {
    let p = match owner_profile(&state, &user).await? {
        Ok(p) => p,
        Err(to) => return Ok(to),
    };
    let values = crate::owners::profile_form(&p);
    render_profile(
        &state,
        &user,
        &csrf,
        values,
        &FieldErrors::new(),
        p.ksic_code.clone(),
        q.saved.is_some(),
    )
    .await
}

/// How many KSIC entries a name typed in the profile offers.
const KSIC_CHOICES: i64 = 20;

/// The hint's examples of the industry field; each passes validation
/// (tests/owner_home.rs checks them).
pub const KSIC_NAME_EXAMPLES: &[&str] = &["한식", "미용", "편의점"];
pub const KSIC_CODE_EXAMPLES: &[(&str, &str)] =
    &[("56111", "한식 일반 음식점업"), ("47", "소매업")];

/// Industry by name, as you type (`/api/v1/ksic?q=한식`): the KSIC entries the name
/// matches, for the profile's suggestion list. Without JavaScript the form offers the
/// same entries after a submit (`render_profile`).
pub(super) async fn ksic_suggest(
    state: web::Data<AppState>,
    q: web::Query<KsicQuery>,
) -> AppResult<HttpResponse> {
    let words: String = q.q.trim().chars().take(30).collect();
    let found = state
        .db(move |conn| crate::reference::search_ksic(conn, &words, KSIC_CHOICES))
        .await?;
    let items: Vec<KsicItem> = found
        .into_iter()
        .map(|k| KsicItem {
            code: k.code,
            name: k.name,
        })
        .collect();
    // Reference data: the same answer for everyone until the next release.
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "public, max-age=3600",
        ))
        .json(json!({ "ksic": items })))
}

/// One suggestion: `{"code": "56111", "name": "한식 일반 음식점업"}`.
#[derive(Serialize)]
struct KsicItem {
    code: String,
    name: String,
}

#[derive(Deserialize)]
pub(super) struct KsicQuery {
    #[serde(default)]
    q: String,
}

/// The profile form (422 when `errors` has problems).
pub(super) async fn render_profile(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    values: Form,
    errors: &FieldErrors,
    saved_ksic: Option<String>,
    saved: bool,
) -> AppResult<HttpResponse> {
    let typed_name = crate::owners::ksic_name_typed(&values).map(str::to_string);
    let (uid, now) = (user.user.id.clone(), state.now());
    let (sido, sigungu, ksic_name, ksic_choices, phone) = state
        .db(move |conn| {
            let choices = match &typed_name {
                Some(name) => crate::reference::search_ksic(conn, name, KSIC_CHOICES)?,
                None => Vec::new(),
            };
            Ok((
                crate::reference::list_sido(conn)?,
                crate::reference::list_sigungu(conn)?,
                ksic_label(conn, saved_ksic.as_deref())?,
                choices,
                super::phone::status(conn, &uid, now)?,
            ))
        })
        .await?;
    let groups: Vec<_> = sido
        .iter()
        .map(|s| {
            json!({
                "code": s.code,
                "name": s.name,
                "items": sigungu
                    .iter()
                    .filter(|r| r.sido_code == s.sido_code && !r.name.trim().is_empty())
                    .map(|r| json!({"code": r.code, "name": r.name}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut ctx = page(Some(user), Some(csrf));
    ctx.insert("f", &values);
    ctx.insert("region_groups", &groups);
    let mut ksic_hint = format!(
        "업종 요건이 있는 사업을 고르는 데 씁니다. 업종 이름(예: {}) 또는 코드(예: {})를 입력하세요.",
        KSIC_NAME_EXAMPLES.join(", "),
        KSIC_CODE_EXAMPLES
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(n) = &ksic_name {
        ksic_hint.push_str(&format!(" 저장된 업종: {n}"));
    }
    ctx.insert("ksic_hint", &ksic_hint);
    ctx.insert("ksic_name", &ksic_name);
    ctx.insert("ksic_choices", &ksic_choices);
    ctx.insert("saved", &saved);
    ctx.insert("phone_status", &phone);
    ctx.insert("sms_on", &state.channels.offers("sms"));
    // No provider configured (development, the demo): a code goes to the SMS log file,
    // not to a phone, and the page says so.
    ctx.insert("sms_sink", &state.config.sms_url.is_none());
    ctx.insert(
        "revenue_bands",
        &REVENUE_BANDS
            .iter()
            .map(|(c, l, _)| (*c, *l))
            .collect::<Vec<_>>(),
    );
    ctx.insert("hours", &(0..24).collect::<Vec<i32>>());
    ctx.insert("reminder_day_options", &crate::owners::REMINDER_DAYS);
    // Web push is offered only when it can be sent (VAPID configured), as on the
    // subscription form.
    let push_enabled = state.channels.push.is_some();
    ctx.insert("push_enabled", &push_enabled);
    ctx.insert(
        "channel_options",
        &CHANNELS
            .iter()
            .filter(|c| state.channels.offers(c))
            .map(|c| (*c, channel_label(c)))
            .collect::<Vec<_>>(),
    );
    render_form(state, ctx, "owners/profile.html", json!({}), errors)
}

pub(super) async fn save_profile(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = Form::parse(&body, crate::owners::PROFILE_MULTI)?;
    csrf.verify(values.get("csrf_token"))?;
    let current = match owner_profile(&state, &user).await? {
        Ok(p) => p,
        Err(to) => return Ok(to),
    };
    let now = state.now();
    let vals = values.clone();
    let stored_ksic = current.ksic_code.clone();
    let offered = state.channels.offered();
    let result = state
        .db(move |conn| {
            let p = match crate::owners::validate_profile(conn, &vals, &current, &offered, now)? {
                Ok(p) => p,
                Err(errors) => return Ok(Err(errors)),
            };
            crate::owners::save_profile(conn, &current, &p, now)?;
            Ok(Ok(()))
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect("/me/profile?saved=1")),
        Err(errors) => {
            render_profile(&state, &user, &csrf, values, &errors, stored_ksic, false).await
        }
    }
}

/// The channel column of the consent table.
pub(super) fn consent_channel_label(channel: &str) -> &'static str {
    match channel {
        "reminders" => "마감 알림(모든 채널)",
        crate::owners::TERMS_CONSENT => "이용약관·개인정보 처리방침",
        other => channel_label(other),
    }
}

pub(super) async fn consents(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    if let Err(to) = owner_profile(&state, &user).await? {
        return Ok(to);
    }
    let uid = user.user.id.clone();
    let rows = state
        .db(move |conn| alerts_store::consents_of(conn, &uid))
        .await?;
    let rows: Vec<_> = rows
        .iter()
        .map(|c| {
            json!({
                "channel": consent_channel_label(&c.channel),
                "granted": c.granted,
                "source": c.source,
                "version": c.policy_version,
                "at": format_kst(c.created_at, KST_FORMAT),
            })
        })
        .collect();
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("rows", &rows);
    render(&state, "owners/consents.html", &ctx)
}

// --- leaving ----------------------------------------------------------------------------

pub(super) async fn delete_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    if let Err(to) = owner_profile(&state, &user).await? {
        return Ok(to);
    }
    render_form(
        &state,
        page(Some(&user), Some(&csrf)),
        "owners/delete.html",
        json!({"email": user.user.email}),
        &FieldErrors::new(),
    )
}

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

pub(super) async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    if let Err(to) = owner_profile(&state, &user).await? {
        return Ok(to);
    }
    state
        .limiter
        .check(
            "account-delete",
            &user.user.id,
            state.config.login_rate_limit,
            Duration::from_secs(15 * 60),
        )
        .await?;
    let pw = form.password.clone();
    let stored = user.user.password_hash.clone();
    let ok = web::block(move || password::verify_password(&pw, Some(&stored))).await?;
    if !ok {
        return render_form(
            &state,
            page(Some(&user), Some(&csrf)),
            "owners/delete.html",
            json!({"email": user.user.email}),
            &FieldErrors::one("password", "비밀번호가 올바르지 않습니다."),
        );
    }
    let uid = user.user.id.clone();
    state
        .db(move |conn| alerts_store::delete_owner(conn, &uid))
        .await?;
    let ctx = page(None, Some(&csrf));
    let mut resp = render(&state, "owners/deleted.html", &ctx)?;
    clear_session_cookie(&state, &mut resp)?;
    Ok(resp)
}
