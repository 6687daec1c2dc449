//! Pages and endpoints of the alerts: subscriptions (for owners, and email-only with
//! double opt-in), bookmarks, one-click unsubscribe, open/click tracking and short links,
//! web-push registration, the development outbox, the operator's delivery page.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use serde::Deserialize;

use super::criteria::Criteria;
use super::model::{channel_label, frequency_label, OwnerProfile, CHANNELS};
use super::subscriptions::{self, describe, region_labels};
use super::{delivery, matching, store, tokens};
use crate::accounts::{client_ip, Csrf, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::reference;
use crate::web::form::{FieldErrors, Form};
use crate::web::routes::{Access, Object, Routes};
use crate::web::{page, redirect, render, render_status};
use crate::AppState;

pub fn routes(r: &mut Routes) {
    let confirm_link = Access::Capability.on(Object::ConfirmLink);
    let unsubscribe_link = Access::Capability.on(Object::UnsubscribeLink);
    let code = Access::Capability.on(Object::DeliveryCode);
    let public_announcement = Access::SignedIn
        .on(Object::Announcement)
        .in_field("announcement");
    r.get("/alerts/new", new_form, Access::Public)
        // Owners subscribe as themselves; anyone else by email, with double opt-in.
        .post("/alerts", create, Access::Public)
        .get("/alerts/confirm/{token}", confirm_form, confirm_link)
        .post("/alerts/confirm/{token}", confirm, confirm_link)
        .get("/me/subscriptions", my_subscriptions, Access::Owner)
        .post(
            "/me/subscriptions/{id}/delete",
            delete_subscription,
            Access::SignedIn.on(Object::Subscription),
        )
        .get("/me/bookmarks", my_bookmarks, Access::SignedIn)
        .post("/me/bookmarks", add_bookmark, public_announcement)
        .post(
            "/me/bookmarks/{id}/delete",
            remove_bookmark,
            Access::SignedIn.on(Object::Bookmark),
        )
        .get("/bookmarks/new", bookmark_form, public_announcement)
        .get("/unsubscribe/{token}", unsubscribe_form, unsubscribe_link)
        // RFC 8058 one-click: no session, no CSRF token; the signed token is the authority.
        .post("/unsubscribe/{token}", unsubscribe, unsubscribe_link)
        .get("/x/{code}", short_unsubscribe, code)
        // The pixel answers the same to any code (a mail client shows no broken image);
        // a valid code records the open.
        .get(
            "/t/o/{code}.gif",
            track_open,
            Access::Public.on(Object::DeliveryCode),
        )
        .get("/t/c/{code}", track_click, code)
        .get("/s/{code}", track_click, code)
        .post("/api/v1/push/subscribe", push_subscribe, Access::SignedIn)
        .post(
            "/api/v1/push/unsubscribe",
            push_unsubscribe,
            Access::SignedIn,
        )
        .get("/sw.js", service_worker, Access::Public)
        .get("/dev/outbox", outbox, Access::DevOnly)
        .get(
            "/dev/outbox/{name}",
            outbox_message,
            Access::DevOnly.on(Object::OutboxMessage),
        )
        .get("/admin/deliveries", admin_deliveries, Access::Operator)
        .post(
            "/admin/deliveries/{id}/retry",
            admin_retry,
            Access::Operator.on(Object::Delivery),
        )
        .get(
            "/console/announcements/{id}/alerts",
            console_alerts,
            Access::Staff.on(Object::Announcement),
        );
}

/// The most regions (시도 and 시군구) one subscription may name.
pub const MAX_REGIONS: usize = 50;
/// The most KSIC codes one subscription may name.
pub const MAX_KSIC: usize = 20;

/// The subscription form's checkbox groups.
const SUB_MULTI: &[&str] = &["category", "region", "target", "channel"];
/// The subscription form's fields in form order, the order of its error summary.
const SUB_FIELDS: &[&str] = &[
    "name",
    "mode",
    "category",
    "region",
    "target",
    "keywords",
    "ksic",
    "frequency",
    "channel",
    "email",
    "consent",
];

fn split_list(s: &str) -> Vec<String> {
    s.split([',', '\n'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// What the subscription form holds (also what the search page pre-fills).
#[derive(Debug, Default, Clone, serde::Serialize)]
struct SubInput {
    name: String,
    mode: String,
    categories: Vec<String>,
    regions: Vec<String>,
    targets: Vec<String>,
    keywords: String,
    ksic: String,
    local_only: bool,
    frequency: String,
    channels: Vec<String>,
    /// As typed (trimmed); `address()` is the one used.
    email: String,
    /// The email-only form's consent box, so it comes back as it was left.
    consent: bool,
}

impl SubInput {
    fn from_form(f: &Form) -> SubInput {
        let one = |k: &str| f.get(k).to_string();
        let all = |k: &str| -> Vec<String> {
            f.list(k)
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        SubInput {
            name: one("name"),
            mode: one("mode"),
            categories: all("category"),
            regions: all("region"),
            targets: all("target"),
            keywords: one("keywords"),
            ksic: one("ksic"),
            local_only: !one("local_only").is_empty(),
            frequency: one("frequency"),
            channels: all("channel"),
            email: one("email"),
            consent: !one("consent").is_empty(),
        }
    }
    fn address(&self) -> String {
        self.email.to_lowercase()
    }
    fn criteria(&self) -> Criteria {
        Criteria {
            categories: self.categories.clone(),
            regions: self.regions.clone(),
            targets: self.targets.clone(),
            keywords: split_list(&self.keywords),
            ksic: split_list(&self.ksic),
            local_only: self.local_only,
            ..Default::default()
        }
        .canonical()
    }
}

fn form_context(
    state: &AppState,
    user: Option<&CurrentUser>,
    csrf: &Csrf,
    input: &SubInput,
    errors: &FieldErrors,
) -> AppResult<tera::Context> {
    let mut ctx = page(user, Some(csrf));
    ctx.insert("form", input);
    errors.insert_into(&mut ctx);
    ctx.insert(
        "categories",
        &reference::CATEGORIES
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>(),
    );
    ctx.insert("targets", reference::TARGET_TYPES);
    ctx.insert(
        "sido",
        &reference::SIDO
            .iter()
            .map(|(n, c)| (n.to_string(), format!("{c}000")))
            .collect::<Vec<_>>(),
    );
    ctx.insert(
        "owner",
        &user.map(|u| u.user.agency_id.is_none()).unwrap_or(false),
    );
    ctx.insert("push_enabled", &state.channels.push.is_some());
    ctx.insert("sms_enabled", &state.channels.sms_on);
    ctx.insert("email_enabled", &state.channels.email_on);
    Ok(ctx)
}

#[derive(Deserialize)]
struct PrefillQuery {
    q: Option<String>,
    category: Option<String>,
    region: Option<String>,
    target: Option<String>,
}

/// The subscription form, pre-filled from a search (`/alerts/new?q=…&category=…`).
async fn new_form(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    csrf: Csrf,
    q: web::Query<PrefillQuery>,
) -> AppResult<HttpResponse> {
    let clean = |v: &Option<String>| {
        v.as_ref()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let mut input = SubInput {
        mode: "custom".into(),
        frequency: "instant".into(),
        channels: vec!["email".into()],
        ..Default::default()
    };
    if let Some(c) = clean(&q.category).filter(|c| reference::is_category(c)) {
        input.categories.push(c);
    }
    if let Some(r) = clean(&q.region).filter(|r| reference::sido_name(r).is_some()) {
        input.regions.push(format!("{r}000"));
    }
    if let Some(t) = clean(&q.target) {
        input.targets.push(t);
    }
    if let Some(words) = clean(&q.q) {
        input.keywords = words.chars().take(100).collect();
    }
    input.name = suggested_name(&input);
    let ctx = form_context(&state, user.as_ref(), &csrf, &input, &FieldErrors::new())?;
    render(&state, "alerts/new.html", &ctx)
}

fn suggested_name(i: &SubInput) -> String {
    let mut parts: Vec<String> = Vec::new();
    for r in &i.regions {
        if let Some(n) = reference::sido_name(r.get(0..2).unwrap_or("")) {
            parts.push(n.to_string());
        }
    }
    parts.extend(i.categories.clone());
    if !i.keywords.is_empty() {
        parts.push(i.keywords.clone());
    }
    if parts.is_empty() {
        "새 공고 알림".into()
    } else {
        format!("{} 알림", parts.join(" "))
    }
}

async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
    csrf: Csrf,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let fields = Form::from_pairs(form.into_inner(), SUB_MULTI);
    csrf.verify(fields.get("csrf_token"))?;
    let input = SubInput::from_form(&fields);
    let owner = user
        .as_ref()
        .filter(|u| u.user.agency_id.is_none() && !u.user.is_operator);
    let mut errors = FieldErrors::new();
    if input.name.chars().count() > 60 {
        errors.set("name", "이름은 60자 이내로 적어 주세요.");
    }
    if !["instant", "daily", "weekly"].contains(&input.frequency.as_str()) {
        errors.set("frequency", "받는 주기를 골라 주세요.");
    }
    if input.channels.is_empty() {
        errors.set("channel", "받을 방법을 하나 이상 골라 주세요.");
    }
    if input
        .channels
        .iter()
        .any(|c| !CHANNELS.contains(&c.as_str()))
    {
        errors.set("channel", "알 수 없는 받는 방법입니다.");
    }
    for c in &input.categories {
        if !reference::is_category(c) {
            errors.set("category", format!("알 수 없는 분야입니다: {c}"));
        }
    }
    for t in &input.targets {
        if !reference::TARGET_TYPES.contains(&t.as_str()) {
            errors.set("target", format!("알 수 없는 대상입니다: {t}"));
        }
    }
    let criteria = input.criteria();
    if criteria.keywords.iter().any(|k| k.chars().count() > 40) || criteria.keywords.len() > 10 {
        errors.set("keywords", "키워드는 10개까지, 각 40자 이내로 적어 주세요.");
    }
    let profile_mode = owner.is_some() && input.mode == "profile";
    if !profile_mode && criteria.is_empty() {
        errors.set(
            "category",
            "분야·지역·대상·업종·키워드 중 하나 이상을 정해 주세요.",
        );
    }
    if owner.is_none() {
        if !crate::accounts::web::looks_like_email(&input.address()) {
            errors.set("email", "받을 이메일 주소를 정확히 적어 주세요.");
        }
        if input.channels.iter().any(|c| c != "email") {
            errors.set(
                "channel",
                "로그인하지 않으면 이메일로만 받을 수 있습니다. 웹 푸시·문자는 가입 후 이용해 주세요.",
            );
        }
        if !input.consent {
            errors.set("consent", "알림 메일 수신에 동의해 주세요.");
        }
    }
    // Caps before any database work: a list this long is not a person's choice.
    if criteria.regions.len() > MAX_REGIONS {
        errors.set(
            "region",
            format!("지역은 {MAX_REGIONS}곳까지 고를 수 있습니다."),
        );
    }
    if criteria.ksic.len() > MAX_KSIC {
        errors.set(
            "ksic",
            format!("업종 코드는 {MAX_KSIC}개까지 적을 수 있습니다."),
        );
    }
    let ksic_checked = if criteria.ksic.len() > MAX_KSIC {
        Vec::new()
    } else {
        criteria.ksic.clone()
    };
    let now = state.now();
    // KSIC codes must exist; profile-mode and SMS need a profile.
    let ksic = ksic_checked;
    let uid = owner.map(|u| u.user.id.clone());
    let (ksic_bad, profile): (Vec<String>, Option<OwnerProfile>) = state
        .db(move |conn| {
            let mut bad = Vec::new();
            for k in &ksic {
                if reference::find_ksic(conn, k)?.is_none() {
                    bad.push(k.clone());
                }
            }
            let p = match &uid {
                Some(u) => store::find_profile(conn, u)?,
                None => None,
            };
            Ok((bad, p))
        })
        .await?;
    if !ksic_bad.is_empty() {
        errors.set(
            "ksic",
            format!("없는 업종 코드입니다: {}", ksic_bad.join(", ")),
        );
    }
    if owner.is_some()
        && state.channels.push.is_none()
        && input.channels.iter().any(|c| c == "push")
    {
        errors.set("channel", super::PUSH_NOT_READY);
    }
    if input
        .channels
        .iter()
        .any(|c| (c == "sms" || c == "email") && !state.channels.offers(c))
    {
        errors.set("channel", super::CHANNEL_OFF);
    }
    if owner.is_some() {
        let has_phone = profile.as_ref().and_then(|p| p.phone.as_ref()).is_some();
        if input.channels.iter().any(|c| c == "sms") && !has_phone {
            errors.set(
                "channel",
                "문자로 받으려면 내 사업 정보에 휴대전화 번호를 먼저 적어 주세요.",
            );
        }
        if profile_mode {
            let ok = profile
                .as_ref()
                .map(|p| p.region_code.is_some() || p.ksic_code.is_some())
                .unwrap_or(false);
            if !ok {
                errors.set("mode", "내 사업 정보에 지역이나 업종을 먼저 입력해 주세요.");
            }
        }
    }
    if !errors.is_empty() {
        let errors = errors.ordered(SUB_FIELDS);
        let ctx = form_context(&state, user.as_ref(), &csrf, &input, &errors)?;
        return render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "alerts/new.html",
            &ctx,
        );
    }
    if owner.is_none() {
        state
            .limiter
            .check(
                "subscribe",
                &client_ip(&req),
                20,
                std::time::Duration::from_secs(3600),
            )
            .await?;
    }
    let base = state.config.base_url.trim_end_matches('/').to_string();
    let name = if input.name.is_empty() {
        suggested_name(&input)
    } else {
        input.name.clone()
    };
    let sub = subscriptions::NewSubscription {
        owner_id: owner.map(|u| u.user.id.clone()),
        email: input.address(),
        name,
        criteria: match (&profile, profile_mode) {
            (Some(p), true) => super::profile::profile_criteria(p),
            _ => criteria,
        },
        frequency: input.frequency.clone(),
        channels: input.channels.clone(),
    };
    let done = state
        .db(move |conn| subscriptions::subscribe(conn, &sub, &base, now))
        .await?;
    if done == subscriptions::Subscribed::Active {
        return Ok(redirect("/me/subscriptions?created=1"));
    }
    let mut ctx = page(user.as_ref(), None);
    ctx.insert("email", &input.address());
    render(&state, "alerts/check_email.html", &ctx)
}

async fn confirm_form(
    state: web::Data<AppState>,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let now = state.now();
    let t = token.clone();
    let valid = state
        .db(move |conn| store::peek_token(conn, "confirm_subscription", &t, now))
        .await?
        .is_some();
    let mut ctx = page(None, Some(&csrf));
    ctx.insert("token", &token);
    ctx.insert("valid", &valid);
    // A used or expired link says so with 410, as the button's POST and the owners'
    // links do.
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    render_status(&state, status, "alerts/confirm.html", &ctx)
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf_token: String,
}

async fn confirm(
    state: web::Data<AppState>,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let token = path.into_inner();
    let now = state.now();
    let ok = state
        .db(move |conn| subscriptions::confirm(conn, &token, now))
        .await?;
    let mut ctx = page(None, None);
    ctx.insert("confirmed", &ok);
    render_status(
        &state,
        if ok { StatusCode::OK } else { StatusCode::GONE },
        "alerts/confirmed.html",
        &ctx,
    )
}

#[derive(serde::Serialize)]
struct SubView {
    id: String,
    name: String,
    description: String,
    frequency: &'static str,
    channels: Vec<&'static str>,
    status: String,
}

async fn my_subscriptions(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    // Like the other `/me` pages: for owners only; staff and operators go to their pages.
    let uid = user.user.id.clone();
    let owner =
        user.user.agency_id.is_none() && state.db(move |conn| store::is_owner(conn, &uid)).await?;
    if !owner {
        return Ok(redirect("/console"));
    }
    let uid = user.user.id.clone();
    let (subs, endpoints) = state
        .db(move |conn| {
            let labels = {
                let mut l = region_labels(conn)?;
                for s in store::subscriptions_of(conn, &uid)? {
                    if let Ok(c) = serde_json::from_str::<Criteria>(&s.spec) {
                        for k in c.ksic {
                            if let Some(x) = reference::find_ksic(conn, &k)? {
                                l.insert(format!("ksic:{k}"), format!("{} ({k})", x.name));
                            }
                        }
                    }
                }
                l
            };
            let subs: Vec<SubView> = store::subscriptions_of(conn, &uid)?
                .into_iter()
                .filter(|s| s.status != "unsubscribed")
                .map(|s| {
                    let c: Criteria = serde_json::from_str(&s.spec).unwrap_or_default();
                    SubView {
                        id: s.id.clone(),
                        name: s.name.clone(),
                        description: describe(&labels, &c),
                        frequency: frequency_label(&s.frequency),
                        channels: s.channel_list().iter().map(|c| channel_label(c)).collect(),
                        status: s.status.clone(),
                    }
                })
                .collect();
            let endpoints = store::push_endpoints_of(conn, &uid)?.len();
            Ok((subs, endpoints))
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("subs", &subs);
    ctx.insert("created", &q.contains_key("created"));
    ctx.insert("push_endpoints", &endpoints);
    ctx.insert(
        "vapid_key",
        &state.config.vapid_public_key.clone().unwrap_or_default(),
    );
    ctx.insert("push_enabled", &state.channels.push.is_some());
    render(&state, "alerts/mine.html", &ctx)
}

async fn delete_subscription(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let id = path.into_inner();
    let uid = user.user.id.clone();
    let now = state.now();
    state
        .db(move |conn| subscriptions::delete(conn, &uid, &id, now))
        .await?;
    Ok(redirect("/me/subscriptions"))
}

// --- bookmarks ------------------------------------------------------------------------

#[derive(Deserialize)]
struct BookmarkQuery {
    announcement: String,
}

async fn bookmark_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<BookmarkQuery>,
) -> AppResult<HttpResponse> {
    let id = q.announcement.clone();
    let uid = user.user.id.clone();
    let (a, saved, days) = state
        .db(move |conn| {
            let a = crate::announcements::store::find(conn, &id)?
                .filter(|a| a.is_public())
                .ok_or(AppError::NotFound)?;
            let saved = store::is_bookmarked(conn, &uid, &id)?;
            let days = store::find_profile(conn, &uid)?
                .map(|p| p.reminder_day_list())
                .unwrap_or_else(|| vec![7, 1]);
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
struct BookmarkForm {
    csrf_token: String,
    announcement: String,
}

async fn add_bookmark(
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

async fn remove_bookmark(
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

async fn my_bookmarks(
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

// --- unsubscribe ----------------------------------------------------------------------

async fn unsubscribe_form(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let scope = tokens::verify(&state.keys, &token).ok_or(AppError::NotFound)?;
    let what = describe_scope(&state, &scope).await?;
    let mut ctx = page(None, None);
    ctx.insert("token", &token);
    ctx.insert("what", &what);
    ctx.insert("done", &false);
    render(&state, "alerts/unsubscribe.html", &ctx)
}

/// The SMS's `수신거부` short link: the delivery's code stands for its unsubscribe token
/// (too long for a text message). It only leads to the page; its button unsubscribes.
async fn short_unsubscribe(
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

async fn describe_scope(state: &AppState, scope: &str) -> AppResult<String> {
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
                _ => "알림".into(),
            })
        })
        .await
}

/// The way out: a button on the page, or the mail client's one-click POST (RFC 8058,
/// body `List-Unsubscribe=One-Click`, no cookies — the signed token is the authority,
/// so no CSRF token is asked for).
async fn unsubscribe(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let scope = tokens::verify(&state.keys, &token).ok_or(AppError::NotFound)?;
    let what = describe_scope(&state, &scope).await?;
    let now = state.now();
    state
        .db(move |conn| subscriptions::unsubscribe(conn, &scope, now))
        .await?;
    let mut ctx = page(None, None);
    ctx.insert("token", &token);
    ctx.insert("what", &what);
    ctx.insert("done", &true);
    render(&state, "alerts/unsubscribe.html", &ctx)
}

// --- tracking -------------------------------------------------------------------------

const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

async fn track_open(
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
async fn track_click(
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

// --- web push registration ------------------------------------------------------------

#[derive(Deserialize)]
struct PushKeys {
    p256dh: String,
    auth: String,
}

#[derive(Deserialize)]
struct PushSubscriptionJson {
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

async fn push_subscribe(
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
    if let Err(why) = web::block(move || super::endpoint::check(&endpoint, allow_private)).await? {
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

async fn push_unsubscribe(
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
async fn service_worker() -> AppResult<HttpResponse> {
    let path = format!("{}/sw.js", crate::web::public_dir());
    let body =
        std::fs::read_to_string(&path).map_err(|e| AppError::internal(format!("{path}: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body))
}

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

async fn outbox(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
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

async fn outbox_message(
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

async fn admin_deliveries(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    user.require_operator()?;
    let (counts, dead, held) = state
        .db(|conn| {
            Ok((
                delivery::counts(conn)?,
                delivery::list_status(conn, "dead", 100)?,
                delivery::list_status(conn, "queued", 20)?,
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

async fn admin_retry(
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

async fn console_alerts(
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
            let views: Vec<serde_json::Value> = (0..13)
                .map(|i| {
                    let day = from + Duration::days(i);
                    let offset = i - 5;
                    serde_json::json!({
                        "label": if offset == 0 { "발송일".to_string() } else if offset < 0 { format!("D{offset}") } else { format!("D+{offset}") },
                        "date": day.format("%m-%d").to_string(),
                        "views": counted.get(&day).copied().unwrap_or(0),
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
