//! The subscription form (owners, and email-only with double opt-in), confirmation,
//! and the owner's list of subscriptions.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::accounts::page;
use crate::accounts::{client_ip, Csrf, CurrentUser};
use crate::alerts::criteria::Criteria;
use crate::alerts::model::{channel_label, frequency_label, OwnerProfile, CHANNELS};
use crate::alerts::store;
use crate::alerts::subscriptions::{self, describe, region_labels};
use crate::error::AppResult;
use crate::reference;
use crate::web::form::{FieldErrors, Form};
use crate::web::{redirect, render, render_status};
use crate::AppState;

use super::{CsrfOnly, MAX_KSIC, MAX_REGIONS};

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
pub(super) struct SubInput {
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
pub(super) struct PrefillQuery {
    q: Option<String>,
    category: Option<String>,
    region: Option<String>,
    target: Option<String>,
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
        errors.set("channel", crate::alerts::PUSH_NOT_READY);
    }
    if input
        .channels
        .iter()
        .any(|c| (c == "sms" || c == "email") && !state.channels.offers(c))
    {
        errors.set("channel", crate::alerts::CHANNEL_OFF);
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
            (Some(p), true) => crate::alerts::profile::profile_criteria(p),
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
    Ok(redirect("/me/subscriptions"))
}
