//! `/console/api-keys` (agency admins): the agency's API keys for the pull API (`pull`) —
//! make one with a name (the key is shown once, only its hash is kept), see them (made,
//! revoked) and revoke one. Handlers parse and render; `api_keys` writes the rows.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::api_keys;
use crate::accounts::{page, Csrf, CurrentUser};
use crate::clock::format_kst;
use crate::error::{AppError, AppResult};
use crate::web::form::FieldErrors;
use crate::web::routes::{Access, Routes};
use crate::web::{redirect, render_status};
use crate::AppState;

/// The longest key name.
const NAME_MAX: usize = 100;

pub fn routes(r: &mut Routes) {
    r.get("/console/api-keys", show, Access::AgencyAdmin)
        .post("/console/api-keys", create, Access::AgencyAdmin)
        .post("/console/api-keys/revoke", revoke, Access::AgencyAdmin);
}

/// What the page shows besides the list: a key made just now (once), a notice.
#[derive(Default)]
struct Shown {
    made: Option<(String, String)>,
    name_input: String,
    notice: Option<&'static str>,
}

async fn render_page(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    shown: Shown,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let staff = user.require_admin()?;
    let agency = staff.agency.id.clone();
    let keys = state
        .db(move |conn| api_keys::of_agency(conn, &agency))
        .await?;
    let rows: Vec<_> = keys
        .iter()
        .map(|k| {
            json!({
                "id": k.id, "name": k.name,
                "created": format_kst(k.created_at, "%Y.%m.%d %H:%M"),
                "revoked": k.revoked_at.map(|t| format_kst(t, "%Y.%m.%d %H:%M")),
                "last_used": k.last_used_at.map(|t| format_kst(t, "%Y.%m.%d %H:%M")),
            })
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut ctx = page(Some(user), Some(csrf));
    errors.insert_into(&mut ctx);
    ctx.insert("agency", &staff.agency);
    ctx.insert("keys", &rows);
    ctx.insert(
        "made",
        &shown
            .made
            .map(|(name, key)| json!({"name": name, "key": key})),
    );
    ctx.insert("name", &shown.name_input);
    ctx.insert("notice", &shown.notice);
    ctx.insert(
        "api_base",
        &format!(
            "{}/api/v1/agency/applications",
            state.config.base_url.trim_end_matches('/')
        ),
    );
    render_status(state, status, "applications/api_keys.html", &ctx)
}

#[derive(Deserialize)]
struct ShowQuery {
    revoked: Option<String>,
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    let shown = Shown {
        notice: q
            .revoked
            .is_some()
            .then_some("키를 폐기했습니다. 이 키로는 더 이상 신청서를 받을 수 없습니다."),
        ..Shown::default()
    };
    render_page(&state, &user, &csrf, shown, FieldErrors::new()).await
}

#[derive(Deserialize)]
struct CreateForm {
    name: String,
    csrf_token: String,
}

async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<CreateForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    user.require_admin()?;
    let name = form.name.trim().to_string();
    let mut errors = FieldErrors::new();
    if name.is_empty() {
        errors.add("name", "키 이름을 적어 주세요. 예: 전자문서 시스템");
    } else if name.chars().count() > NAME_MAX {
        errors.add("name", format!("키 이름은 {NAME_MAX}자까지입니다."));
    }
    if !errors.is_empty() {
        let shown = Shown {
            name_input: form.name.clone(),
            ..Shown::default()
        };
        return render_page(&state, &user, &csrf, shown, errors).await;
    }
    let now = state.now();
    let by = user.clone();
    let saved = name.clone();
    let (_, key) = state
        .db(move |conn| api_keys::create(conn, &by, &saved, now))
        .await?;
    let shown = Shown {
        made: Some((name, key)),
        ..Shown::default()
    };
    render_page(&state, &user, &csrf, shown, FieldErrors::new()).await
}

#[derive(Deserialize)]
struct RevokeForm {
    key: String,
    csrf_token: String,
}

async fn revoke(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    form: web::Form<RevokeForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    user.require_admin()?;
    let by = user.clone();
    let id = form.key.trim().to_string();
    if id.is_empty() {
        return Err(AppError::BadRequest("폐기할 키를 골라 주세요.".into()));
    }
    let now = state.now();
    state
        .db(move |conn| api_keys::revoke(conn, &by, &id, now))
        .await?;
    Ok(redirect("/console/api-keys?revoked=1"))
}
