//! The subscription form (owners, and email-only with double opt-in), confirmation,
//! and the owner's list of subscriptions.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::accounts::intent::Action;
use crate::accounts::page;
use crate::accounts::{client_ip, Csrf, CurrentUser};
use crate::alerts::criteria::Criteria;
use crate::alerts::model::{channel_label, frequency_label};
use crate::alerts::request::{self, SubInput};
use crate::alerts::store;
use crate::alerts::subscriptions::{self, describe, region_labels};
use crate::error::AppResult;
use crate::reference;
use crate::web::form::{FieldErrors, Form};
use crate::web::{redirect, render, render_status};
use crate::AppState;

use super::CsrfOnly;

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

fn form_context(
    state: &AppState,
    user: Option<&CurrentUser>,
    csrf: &Csrf,
    input: &SubInput,
    errors: &FieldErrors,
    sms_blocker: Option<&str>,
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
    // Why SMS is not offered to this owner yet (no verified number), said on the form.
    ctx.insert("sms_blocker", &sms_blocker);
    ctx.insert("email_enabled", &state.channels.email_on);
    Ok(ctx)
}

/// Why a signed-in owner cannot choose SMS yet (`request::sms_not_ready`).
async fn sms_blocker(
    state: &AppState,
    user: Option<&CurrentUser>,
) -> AppResult<Option<&'static str>> {
    let Some(u) = user.filter(|u| u.user.agency_id.is_none()) else {
        return Ok(None);
    };
    let uid = u.user.id.clone();
    let profile = state
        .db(move |conn| store::find_profile(conn, &uid))
        .await?;
    Ok(request::sms_not_ready(profile.as_ref()))
}

#[derive(Deserialize)]
pub(super) struct PrefillQuery {
    q: Option<String>,
    category: Option<String>,
    region: Option<String>,
    target: Option<String>,
    /// The announcement the visitor came from: a signed-out visitor is offered to log
    /// in (or sign up) and get alerts like it (`accounts::intent`).
    announcement: Option<String>,
}

/// The subscription form, pre-filled from a search (`/alerts/new?q=…&category=…`).
pub(super) async fn new_form(
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
    input.name = request::suggested_name(&input);
    let blocker = sms_blocker(&state, user.as_ref()).await?;
    let mut ctx = form_context(
        &state,
        user.as_ref(),
        &csrf,
        &input,
        &FieldErrors::new(),
        blocker,
    )?;
    if let (None, Some(id)) = (&user, clean(&q.announcement)) {
        // The query alone: the template's escaping would turn a path's slashes into
        // entities.
        let to = super::login_with_intent(&state, Action::Subscribe, &id);
        ctx.insert("login_query", to.trim_start_matches("/login?"));
    }
    render(&state, "alerts/new.html", &ctx)
}

pub(super) async fn create(
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
    let offered = request::Offered {
        push: state.channels.push.is_some(),
        email: state.channels.offers("email"),
        sms: state.channels.offers("sms"),
    };
    let now = state.now();
    let uid = owner.map(|u| u.user.id.clone());
    let checked = {
        let input = input.clone();
        state
            .db(move |conn| request::check(conn, &input, uid.as_deref(), &offered))
            .await?
    };
    let sub = match checked {
        Ok(sub) => sub,
        Err(errors) => {
            let errors = errors.ordered(SUB_FIELDS);
            let blocker = sms_blocker(&state, user.as_ref()).await?;
            let ctx = form_context(&state, user.as_ref(), &csrf, &input, &errors, blocker)?;
            return render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "alerts/new.html",
                &ctx,
            );
        }
    };
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

pub(super) async fn confirm_form(
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

pub(super) async fn confirm(
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
pub(super) struct SubView {
    id: String,
    name: String,
    description: String,
    frequency: &'static str,
    channels: Vec<&'static str>,
    status: String,
}

/// The subscription as its own pages name it (edit, delete confirmation).
async fn own_subscription(
    state: &AppState,
    user: &CurrentUser,
    id: String,
) -> AppResult<crate::alerts::model::Subscription> {
    let uid = user.user.id.clone();
    state
        .db(move |conn| subscriptions::owned(conn, &uid, &id))
        .await
}

/// "Delete this alert?": what deleting does, one button to do it.
pub(super) async fn delete_confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let s = own_subscription(&state, &user, path.into_inner()).await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("id", &s.id);
    ctx.insert("name", &s.name);
    ctx.insert("paused", &(s.status == "paused"));
    render(&state, "alerts/delete_confirm.html", &ctx)
}

/// Pause or resume: `/me/subscriptions/{id}/pause` and `/resume`.
async fn pause_or_resume(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    token: &str,
    id: String,
    paused: bool,
) -> AppResult<HttpResponse> {
    csrf.verify(token)?;
    let (uid, now) = (user.user.id.clone(), state.now());
    state
        .db(move |conn| subscriptions::set_paused(conn, &uid, &id, paused, now))
        .await?;
    Ok(redirect(if paused {
        "/me/subscriptions?paused=1"
    } else {
        "/me/subscriptions?resumed=1"
    }))
}

pub(super) async fn pause(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    pause_or_resume(
        &state,
        &user,
        &csrf,
        &form.csrf_token,
        path.into_inner(),
        true,
    )
    .await
}

pub(super) async fn resume(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    pause_or_resume(
        &state,
        &user,
        &csrf,
        &form.csrf_token,
        path.into_inner(),
        false,
    )
    .await
}

/// The alert form, filled with a saved subscription, posting back to it.
pub(super) async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let s = own_subscription(&state, &user, path.into_inner()).await?;
    let input = SubInput::from_subscription(&s);
    let blocker = sms_blocker(&state, Some(&user)).await?;
    let mut ctx = form_context(
        &state,
        Some(&user),
        &csrf,
        &input,
        &FieldErrors::new(),
        blocker,
    )?;
    ctx.insert("edit_id", &s.id);
    render(&state, "alerts/new.html", &ctx)
}

pub(super) async fn edit(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let fields = Form::from_pairs(form.into_inner(), SUB_MULTI);
    csrf.verify(fields.get("csrf_token"))?;
    let id = own_subscription(&state, &user, path.into_inner()).await?.id;
    let input = SubInput::from_form(&fields);
    let offered = request::Offered {
        push: state.channels.push.is_some(),
        email: state.channels.offers("email"),
        sms: state.channels.offers("sms"),
    };
    let (uid, now) = (user.user.id.clone(), state.now());
    let checked = {
        let (input, uid) = (input.clone(), uid.clone());
        state
            .db(move |conn| request::check(conn, &input, Some(&uid), &offered))
            .await?
    };
    let sub = match checked {
        Ok(sub) => sub,
        Err(errors) => {
            let errors = errors.ordered(SUB_FIELDS);
            let blocker = sms_blocker(&state, Some(&user)).await?;
            let mut ctx = form_context(&state, Some(&user), &csrf, &input, &errors, blocker)?;
            ctx.insert("edit_id", &id);
            return render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "alerts/new.html",
                &ctx,
            );
        }
    };
    state
        .db(move |conn| subscriptions::update(conn, &uid, &id, &sub, now))
        .await?;
    Ok(redirect("/me/subscriptions?saved=1"))
}

pub(super) async fn my_subscriptions(
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
    let notice = ["saved", "paused", "resumed", "deleted"]
        .into_iter()
        .find(|k| q.contains_key(*k));
    ctx.insert("notice", &notice);
    ctx.insert("push_endpoints", &endpoints);
    ctx.insert(
        "vapid_key",
        &state.config.vapid_public_key.clone().unwrap_or_default(),
    );
    ctx.insert("push_enabled", &state.channels.push.is_some());
    render(&state, "alerts/mine.html", &ctx)
}

pub(super) async fn delete_subscription(
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
    Ok(redirect("/me/subscriptions?deleted=1"))
}
