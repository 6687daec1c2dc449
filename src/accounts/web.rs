//! Sign-in, sign-out, accepting an invitation, and the agency's staff page.

use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::model::{AgencyRole, Invitation};
use super::{client_ip, password, staff, store, Csrf, CurrentUser};
use crate::accounts::page;
use crate::error::{AppError, AppResult};
use crate::ids::{new_id, random_token, sha256_hex};
use crate::web::form::FieldErrors;
use crate::web::routes::{Access, Object, Routes};
use crate::web::{redirect, render, render_status, safe_next};
use crate::AppState;

pub fn routes(r: &mut Routes) {
    r.get("/login", login_form, Access::Public)
        .post("/login", login, Access::Public)
        .get("/logout", logout_form, Access::Public)
        // Ends the caller's own session, whoever they are.
        .post("/logout", logout, Access::Public)
        .get(
            "/invite/{token}",
            invite_form,
            Access::Capability.on(Object::InviteLink),
        )
        .post(
            "/invite/{token}",
            accept_invite,
            Access::Capability.on(Object::InviteLink),
        )
        .get("/console/staff", staff_page, Access::Staff)
        .post("/console/staff/invite", invite, Access::AgencyAdmin)
        .post(
            "/console/staff/{id}/remove",
            remove_staff,
            Access::AgencyAdmin.on(Object::StaffMember),
        )
        .post(
            "/console/staff/{id}/role",
            change_role,
            Access::AgencyAdmin.on(Object::StaffMember),
        );
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
    notice: Option<String>,
    /// A signed `intent::Intent`: what the visitor was doing when sent here.
    intent: Option<String>,
}

async fn login_form(
    state: web::Data<AppState>,
    csrf: Csrf,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    let mut ctx = page(None, Some(&csrf));
    ctx.insert("next", &safe_next(q.next.as_deref()));
    ctx.insert("notice", &q.notice);
    ctx.insert("email", "");
    insert_intent(&state, &mut ctx, q.intent.as_deref());
    render(&state, "accounts/login.html", &ctx)
}

/// The login page's reason and hidden field for a signed intent (nothing for a token
/// that does not verify).
fn insert_intent(state: &AppState, ctx: &mut tera::Context, token: Option<&str>) {
    let found = super::intent::read(&state.keys, token, state.now());
    ctx.insert("intent", &found.as_ref().map(|(_, t)| t.clone()));
    ctx.insert("intent_reason", &found.map(|(i, _)| i.reason()));
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
    next: Option<String>,
    intent: Option<String>,
}

fn session_cookie(state: &AppState, token: String, max_age_days: i64) -> Cookie<'static> {
    Cookie::build(super::SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(state.config.is_production())
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(max_age_days))
        .finish()
}

/// A session being started (login, accepted invitation, verified email). The random
/// token goes into the cookie; only its SHA-256 reaches the database, through
/// `store::create_session` in the transaction that signs the person in.
pub struct NewSession {
    token: String,
}

impl NewSession {
    pub fn random() -> NewSession {
        NewSession {
            token: random_token(48),
        }
    }

    /// What `store::create_session` keeps.
    pub fn hash(&self) -> String {
        sha256_hex(&self.token)
    }

    /// A redirect to `to` that sets the session cookie.
    pub fn redirect(self, state: &AppState, to: &str) -> AppResult<HttpResponse> {
        let mut resp = redirect(to);
        resp.add_cookie(&session_cookie(state, self.token, super::SESSION_DAYS))
            .map_err(AppError::internal)?;
        Ok(resp)
    }
}

/// Remove the session cookie with this response (logout, password reset, deletion).
pub fn clear_session_cookie(state: &AppState, resp: &mut HttpResponse) -> AppResult<()> {
    let mut gone = session_cookie(state, String::new(), 0);
    gone.make_removal();
    resp.add_cookie(&gone).map_err(AppError::internal)
}

async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    csrf: Csrf,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let window = Duration::from_secs(15 * 60);
    let limit = state.config.login_rate_limit;
    state
        .limiter
        .check("login", &client_ip(&req), limit, window)
        .await?;
    let email = form.email.trim().to_lowercase();
    // Per account too: guessing one person's password from many addresses is stopped
    // after `limit` failures in the window (a correct password is not counted).
    if state
        .limiter
        .exceeded("login-account", &email, limit, window)
        .await?
    {
        return Err(AppError::RateLimited);
    }
    let lookup = email.clone();
    let user = state
        .db(move |conn| store::find_user_by_email(conn, &lookup))
        .await?;
    let pw = form.password.clone();
    let stored = user
        .as_ref()
        .filter(|u| u.active)
        .map(|u| u.password_hash.clone());
    let ok = web::block(move || password::verify_password(&pw, stored.as_deref())).await?;
    let next = safe_next(form.next.as_deref());
    let user = match (ok, user) {
        (true, Some(u)) => u,
        _ => {
            state.limiter.hit("login-account", &email, window).await?;
            let mut ctx = page(None, Some(&csrf));
            ctx.insert("next", &next);
            ctx.insert("email", &email);
            ctx.insert("error", "이메일 또는 비밀번호가 올바르지 않습니다.");
            insert_intent(&state, &mut ctx, form.intent.as_deref());
            return render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "accounts/login.html",
                &ctx,
            );
        }
    };
    // Owners must have confirmed their email; they land on their own page, not the console.
    let refusal = {
        let u = user.clone();
        let refusal = state.account_hooks.login_refusal;
        state.db(move |conn| refusal(conn, &u)).await?
    };
    if let Some(msg) = refusal {
        let mut ctx = page(None, Some(&csrf));
        ctx.insert("next", &next);
        ctx.insert("email", &email);
        ctx.insert("error", msg);
        ctx.insert("unverified", &true);
        insert_intent(&state, &mut ctx, form.intent.as_deref());
        return render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "accounts/login.html",
            &ctx,
        );
    }
    let next = super::landing(&user, &next);
    let session = NewSession::random();
    let hash = session.hash();
    let now = state.now();
    let uid = user.id.clone();
    let intent = super::intent::read(&state.keys, form.intent.as_deref(), now).map(|(i, _)| i);
    let carry_out = state.account_hooks.carry_out;
    let back = state
        .db(move |conn| {
            store::create_session(conn, &hash, &uid, now)?;
            match intent {
                Some(i) => carry_out(conn, &uid, &i, now),
                None => Ok(None),
            }
        })
        .await?;
    session.redirect(&state, back.as_deref().unwrap_or(&next))
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf_token: String,
}

/// The header's 로그아웃 on pages rendered without a CSRF token (cached, public pages)
/// links here: one button that posts the real sign-out.
async fn logout_form(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(redirect("/"));
    };
    let ctx = page(Some(&user), Some(&csrf));
    render(&state, "accounts/logout.html", &ctx)
}

async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    csrf: Csrf,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    if let Some(c) = req.cookie(super::SESSION_COOKIE) {
        let hash = sha256_hex(c.value());
        state
            .db(move |conn| store::delete_session(conn, &hash))
            .await?;
    }
    let mut resp = redirect("/");
    clear_session_cookie(&state, &mut resp)?;
    Ok(resp)
}

async fn staff_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let agency_id = staff.agency.id.clone();
    let now = state.now();
    let (members, invites) = state
        .db(move |conn| {
            Ok((
                store::list_staff(conn, &agency_id)?,
                store::pending_invitations(conn, &agency_id, now)?,
            ))
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("agency", &staff.agency);
    ctx.insert("is_admin", &(staff.role == AgencyRole::Admin));
    ctx.insert("me", &staff.user.id);
    let members: Vec<_> = members
        .iter()
        .map(|m| {
            serde_json::json!({
                "id": m.id, "email": m.email, "name": m.display_name,
                "role": m.agency_role,
                "role_label": m.agency_role.as_deref().and_then(AgencyRole::parse).map(|r| r.label()).unwrap_or("-"),
            })
        })
        .collect();
    ctx.insert("members", &members);
    ctx.insert("invites", &invites);
    ctx.insert(
        "roles",
        &[
            ("admin", "기관 관리자"),
            ("editor", "공고 담당자"),
            ("reviewer", "검토자"),
        ],
    );
    render(&state, "accounts/staff.html", &ctx)
}

#[derive(Deserialize)]
struct InviteForm {
    email: String,
    role: String,
    csrf_token: String,
}

async fn invite(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<InviteForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let staff = user.require_admin()?;
    let email = form.email.trim().to_lowercase();
    let mut errors = FieldErrors::new();
    if !looks_like_email(&email) {
        errors.add("email", "올바른 이메일 주소를 입력해 주세요.");
    }
    let Some(role) = AgencyRole::parse(&form.role) else {
        return Err(AppError::BadRequest("알 수 없는 역할입니다.".into()));
    };
    let lookup = email.clone();
    if errors.is_empty() {
        if let Some(existing) = state
            .db(move |c| store::find_user_by_email(c, &lookup))
            .await?
        {
            if existing.active {
                errors.add("email", "이미 가입된 이메일입니다.");
            }
        }
    }
    if !errors.is_empty() {
        let mut ctx = page(Some(&user), Some(&csrf));
        errors.insert_into(&mut ctx);
        ctx.insert("email", &email);
        ctx.insert("agency", &staff.agency);
        ctx.insert("back", "/console/staff");
        return render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "accounts/invite_error.html",
            &ctx,
        );
    }
    let token = random_token(40);
    let now = state.now();
    let inv = Invitation {
        id: new_id(),
        agency_id: Some(staff.agency.id.clone()),
        email: email.clone(),
        agency_role: Some(role.as_str().to_string()),
        token_hash: sha256_hex(&token),
        invited_by: Some(staff.user.id.clone()),
        created_at: now,
        expires_at: now + chrono::Duration::days(7),
        accepted_at: None,
        operator: false,
    };
    let actor = user.clone();
    let mail_link = format!("{}/invite/{}", state.config.base_url, token);
    let queue_email = state.account_hooks.queue_email;
    state
        .db(move |conn| staff::invite(conn, queue_email, &inv, &mail_link, role, &actor, now))
        .await?;
    // The link goes only to the invited address: accepting it is the proof that the
    // person reads that mailbox, so the admin never sees it.
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("email", &email);
    ctx.insert("role_label", role.label());
    render(&state, "accounts/invite_sent.html", &ctx)
}

pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.contains(char::is_whitespace)
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
    csrf_token: String,
}

async fn change_role(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<RoleForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let staff = user.require_admin()?;
    let role = AgencyRole::parse(&form.role)
        .ok_or_else(|| AppError::BadRequest("알 수 없는 역할입니다.".into()))?;
    let target_id = path.into_inner();
    if target_id == staff.user.id {
        return Err(AppError::BadRequest(
            "자신의 역할은 바꿀 수 없습니다.".into(),
        ));
    }
    let agency_id = staff.agency.id.clone();
    let now = state.now();
    state
        .db(move |conn| staff::set_role(conn, &agency_id, &target_id, role, &user, now))
        .await?;
    Ok(redirect("/console/staff"))
}

async fn remove_staff(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let staff = user.require_admin()?;
    let target_id = path.into_inner();
    if target_id == staff.user.id {
        return Err(AppError::BadRequest("자신은 삭제할 수 없습니다.".into()));
    }
    let agency_id = staff.agency.id.clone();
    let now = state.now();
    state
        .db(move |conn| staff::remove(conn, &agency_id, &target_id, &user, now))
        .await?;
    Ok(redirect("/console/staff"))
}

async fn invite_form(
    state: web::Data<AppState>,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let hash = sha256_hex(&path.into_inner());
    let now = state.now();
    let inv = state
        .db(move |conn| store::find_invitation(conn, &hash, now))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut ctx = page(None, Some(&csrf));
    ctx.insert("invitation", &inv);
    ctx.insert("name", "");
    render(&state, "accounts/accept_invite.html", &ctx)
}

#[derive(Deserialize)]
struct AcceptForm {
    name: String,
    password: String,
    password_confirm: String,
    csrf_token: String,
}

async fn accept_invite(
    state: web::Data<AppState>,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<AcceptForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    let hash = sha256_hex(&path.into_inner());
    let now = state.now();
    let inv = state
        .db(move |conn| store::find_invitation(conn, &hash, now))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let name = form.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", "이름을 입력해 주세요.");
    }
    if let Some(p) = password::password_problem(&form.password) {
        errors.add("password", p);
    } else if form.password != form.password_confirm {
        errors.add("password_confirm", "비밀번호가 서로 다릅니다.");
    }
    if !errors.is_empty() {
        let mut ctx = page(None, Some(&csrf));
        ctx.insert("invitation", &inv);
        ctx.insert("name", &name);
        errors.insert_into(&mut ctx);
        return render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "accounts/accept_invite.html",
            &ctx,
        );
    }
    let pw = form.password.clone();
    let hash = web::block(move || password::hash_password(&pw)).await??;
    let session = NewSession::random();
    let session_hash = session.hash();
    // Operators (invited with `jiwon staff add --role operator`) work on /admin.
    let landing = if inv.operator {
        "/admin/jobs"
    } else {
        "/console"
    };
    state
        .db(move |conn| staff::accept(conn, &inv, hash, name, &session_hash, now))
        .await?;
    session.redirect(&state, landing)
}
