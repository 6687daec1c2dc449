//! The console's side of building a program's form: how the program takes applications
//! (the form on the announcement's manage page posts here), the form builder without
//! JavaScript, the question bank, the applicant's-eye preview and publishing a version.
//! Only staff of the announcement's agency; changes need an editor.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::builder;
use super::form::{FormSchema, Kind};
use super::model::FormVersion;
use super::store;
use crate::accounts::{page, Csrf, CurrentUser};
use crate::announcements::editing::owned;
use crate::announcements::model::Announcement;
use crate::clock::format_kst;
use crate::error::{AppError, AppResult};
use crate::web::form::{FieldErrors, Form};
use crate::web::routes::{Access, Object, Routes};
use crate::web::{redirect, render, render_status};
use crate::AppState;

pub fn routes(r: &mut Routes) {
    let editors = Access::StaffEdit.on(Object::Announcement);
    r.post(
        "/console/announcements/{id}/apply-settings",
        settings_save,
        editors,
    )
    .get("/console/announcements/{id}/form", builder_page, editors)
    .post(
        "/console/announcements/{id}/form/sections",
        section_add,
        editors,
    )
    .post(
        "/console/announcements/{id}/form/questions",
        question_save,
        editors,
    )
    .post(
        "/console/announcements/{id}/form/move",
        question_move,
        editors,
    )
    .get(
        "/console/announcements/{id}/form/delete",
        delete_confirm,
        editors,
    )
    .post(
        "/console/announcements/{id}/form/delete",
        question_delete,
        editors,
    )
    .post("/console/announcements/{id}/form/bank", bank_save, editors)
    .post(
        "/console/announcements/{id}/form/bank-add",
        bank_add,
        editors,
    )
    .get(
        "/console/announcements/{id}/form/preview",
        preview,
        Access::Staff.on(Object::Announcement),
    )
    .post("/console/announcements/{id}/form/publish", publish, editors);
}

fn back(id: &str, note: &str) -> HttpResponse {
    redirect(&format!("/console/announcements/{id}/form{note}"))
}

fn back_with_error(id: &str, errors: &FieldErrors) -> HttpResponse {
    let msg: Vec<&str> = errors.iter().map(|(_, m)| m).collect();
    back(
        id,
        &format!("?error={}", urlencoding::encode(&msg.join(" "))),
    )
}

async fn parse(csrf: &Csrf, body: &web::Bytes) -> AppResult<Form> {
    let f = Form::parse(body, &[])?;
    csrf.verify(f.get("csrf_token"))?;
    Ok(f)
}

/// The announcement, if it is the caller's agency's (403 otherwise, 404 when absent).
async fn mine(state: &AppState, own: &str, id: &str) -> AppResult<Announcement> {
    let (own, id) = (own.to_string(), id.to_string());
    state.db(move |conn| owned(conn, &id, &own)).await
}

// --- how to apply -------------------------------------------------------------------

async fn settings_save(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = parse(&csrf, &body).await?;
    let staff = user.require_edit()?;
    let a = mine(&state, &staff.agency.id, &path).await?;
    let now = state.now();
    let aid = a.id.clone();
    let saved = state
        .db(move |conn| builder::save_settings(conn, &aid, &values, now))
        .await?;
    Ok(match saved {
        Ok(_) => redirect(&format!("/console/announcements/{}?saved=1#h-apply", a.id)),
        Err(e) => {
            let msg: Vec<&str> = e.iter().map(|(_, m)| m).collect();
            redirect(&format!(
                "/console/announcements/{}?error={}#h-apply",
                a.id,
                urlencoding::encode(&msg.join(" "))
            ))
        }
    })
}

// --- the builder page ---------------------------------------------------------------

#[derive(Deserialize)]
struct BuilderQuery {
    /// Edit this question.
    edit: Option<String>,
    /// Add a question to this section.
    add: Option<String>,
    saved: Option<String>,
    published: Option<i32>,
    error: Option<String>,
}

/// What the editor shows: adding to a section, or editing a question (its original key).
struct Editor {
    section: String,
    original: Option<String>,
    values: serde_json::Value,
}

async fn builder_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    q: web::Query<BuilderQuery>,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let a = mine(&state, &staff.agency.id, &path).await?;
    let (by, now) = (staff.user.id.clone(), state.now());
    let a2 = a.clone();
    let draft = state
        .db(move |conn| builder::editing(conn, &a2, Some(&by), now))
        .await?;
    let schema = draft.schema();
    let editor = if let Some(key) = q.edit.as_deref() {
        let question = schema.question(key).ok_or(AppError::NotFound)?;
        let section = schema
            .sections
            .iter()
            .find(|s| s.questions.iter().any(|x| x.key == key))
            .map(|s| s.key.clone())
            .unwrap_or_default();
        Some(Editor {
            section,
            original: Some(key.to_string()),
            values: builder::question_to_form(question),
        })
    } else {
        q.add.as_deref().map(|section| Editor {
            section: section.to_string(),
            original: None,
            values: serde_json::json!({"kind": "short_text"}),
        })
    };
    let mut flash = FieldErrors::new();
    if let Some(e) = q.error.as_deref() {
        flash.set("form", e.chars().take(500).collect::<String>());
    }
    let mut resp = render_builder(
        &state,
        &user,
        &csrf,
        StatusCode::OK,
        &a,
        &draft,
        editor,
        flash,
        q.saved.is_some(),
        q.published,
    )
    .await;
    if let Ok(r) = &mut resp {
        r.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
    }
    resp
}

#[allow(clippy::too_many_arguments)]
async fn render_builder(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    status: StatusCode,
    a: &Announcement,
    draft: &FormVersion,
    editor: Option<Editor>,
    errors: FieldErrors,
    saved: bool,
    published: Option<i32>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let (own, aid) = (staff.agency.id.clone(), a.id.clone());
    let (bank, versions) = state
        .db(move |conn| {
            Ok((
                builder::bank_for(conn, &own)?,
                builder::versions(conn, &aid)?,
            ))
        })
        .await?;
    let schema = draft.schema();
    let sections: Vec<serde_json::Value> = schema
        .sections
        .iter()
        .map(|s| {
            let n = s.questions.len();
            let qs: Vec<serde_json::Value> = s
                .questions
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    serde_json::json!({
                        "key": q.key, "label": q.label, "kind_label": q.kind.label(),
                        "required": q.required, "hard": q.hard, "help": q.help,
                        "show_if": q.show_if.as_ref().map(|c| format!("‘{}’ 답이 ‘{}’일 때", schema.question(&c.question).map(|p| p.label.as_str()).unwrap_or(&c.question), c.equals)),
                        "bank_key": q.bank_key, "first": i == 0, "last": i + 1 == n,
                    })
                })
                .collect();
            serde_json::json!({"key": s.key, "title": s.title, "questions": qs})
        })
        .collect();
    let all: Vec<serde_json::Value> = schema
        .questions()
        .map(|q| serde_json::json!({"key": q.key, "label": q.label}))
        .collect();
    let kinds: Vec<(&str, &str)> = Kind::ALL.iter().map(|k| (k.as_str(), k.label())).collect();
    let bank: Vec<serde_json::Value> = bank
        .iter()
        .filter_map(|b| {
            let q = b.question()?;
            Some(serde_json::json!({
                "id": b.id, "key": b.bank_key, "label": q.label, "kind_label": q.kind.label(),
                "portal": b.agency_id.is_none(), "used": schema.question(&q.key).is_some(),
            }))
        })
        .collect();
    let versions: Vec<serde_json::Value> = versions
        .iter()
        .map(|v| {
            serde_json::json!({
                "version": v.version,
                "published": v.published_at.map(|t| format_kst(t, "%Y.%m.%d %H:%M")),
                "questions": v.schema().questions().count(),
            })
        })
        .collect();
    let mut ctx = page(Some(user), Some(csrf));
    ctx.insert("a", &serde_json::json!({"id": a.id, "title": a.title}));
    ctx.insert("draft_version", &draft.version);
    ctx.insert("sections", &sections);
    ctx.insert("all_questions", &all);
    ctx.insert("kinds", &kinds);
    ctx.insert("bank", &bank);
    ctx.insert("versions", &versions);
    ctx.insert("saved", &saved);
    ctx.insert("published", &published);
    ctx.insert("has_problems", &!schema.problems().is_empty());
    let editor = editor
        .map(|e| serde_json::json!({"section": e.section, "original": e.original, "v": e.values}));
    ctx.insert("editor", &editor);
    errors.insert_into(&mut ctx);
    render_status(state, status, "applications/builder.html", &ctx)
}

// --- changes ------------------------------------------------------------------------

/// Apply a change to the version being edited; refused changes come back on the page,
/// with the editor (when given) keeping what was typed.
#[allow(clippy::too_many_arguments)]
async fn change(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    id: &str,
    focus: Option<String>,
    editor: Option<Editor>,
    done: &str,
    f: impl FnOnce(&mut FormSchema) -> Result<(), FieldErrors> + Send + 'static,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let a = mine(&state, &staff.agency.id, id).await?;
    let (by, now, a2) = (staff.user.id.clone(), state.now(), a.clone());
    let result = state
        .db(move |conn| builder::change_draft(conn, &a2, Some(&by), now, focus.as_deref(), f))
        .await?;
    match result {
        Ok(_) => Ok(back(&a.id, done)),
        Err(errors) => match editor {
            Some(ed) => {
                let (by, a2) = (staff.user.id.clone(), a.clone());
                let draft = state
                    .db(move |conn| builder::editing(conn, &a2, Some(&by), now))
                    .await?;
                render_builder(
                    &state,
                    &user,
                    &csrf,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &a,
                    &draft,
                    Some(ed),
                    errors,
                    false,
                    None,
                )
                .await
            }
            None => Ok(back_with_error(&a.id, &errors)),
        },
    }
}

async fn section_add(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = parse(&csrf, &body).await?;
    let title = values.get("title").to_string();
    change(state, user, csrf, &path, None, None, "?saved=1", move |s| {
        builder::add_section(s, &title)
    })
    .await
}

async fn question_save(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = parse(&csrf, &body).await?;
    let section = values.get("section").to_string();
    let original = values.opt("original").filter(|o| !o.trim().is_empty());
    let typed = serde_json::json!({
        "key": values.get("key"), "kind": values.get("kind"), "label": values.get("label"),
        "help": values.get("help"), "required": values.get("required") == "yes",
        "max_chars": values.get("max_chars"), "min": values.get("min"), "max": values.get("max"),
        "options": values.get("options"), "columns": values.get("columns"),
        "show_if_question": values.get("show_if_question"),
        "show_if_value": values.get("show_if_value"),
        "hard": values.get("hard"), "fail_message": values.get("fail_message"),
    });
    let editor = Editor {
        section: section.clone(),
        original: original.clone(),
        values: typed,
    };
    let parsed = builder::question_from_form(&values);
    let focus = Some(values.get("key").trim().to_string());
    let id = path.into_inner();
    match parsed {
        Err(errors) => {
            let staff = user.require_edit()?;
            let a = mine(&state, &staff.agency.id, &id).await?;
            let (by, now, a2) = (staff.user.id.clone(), state.now(), a.clone());
            let draft = state
                .db(move |conn| builder::editing(conn, &a2, Some(&by), now))
                .await?;
            render_builder(
                &state,
                &user,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                &a,
                &draft,
                Some(editor),
                errors,
                false,
                None,
            )
            .await
        }
        Ok(q) => {
            change(
                state,
                user,
                csrf,
                &id,
                focus,
                Some(editor),
                "?saved=1",
                move |s| builder::put_question(s, &section, original.as_deref(), q),
            )
            .await
        }
    }
}

async fn question_move(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = parse(&csrf, &body).await?;
    let key = values.get("key").to_string();
    let up = values.get("dir") == "up";
    let anchor = format!("#q-{key}");
    change(state, user, csrf, &path, None, None, &anchor, move |s| {
        builder::move_question(s, &key, up)
    })
    .await
}

#[derive(Deserialize)]
struct KeyQuery {
    key: Option<String>,
}

async fn delete_confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    q: web::Query<KeyQuery>,
) -> AppResult<HttpResponse> {
    let staff = user.require_edit()?;
    let a = mine(&state, &staff.agency.id, &path).await?;
    let (by, now, a2) = (staff.user.id.clone(), state.now(), a.clone());
    let draft = state
        .db(move |conn| builder::editing(conn, &a2, Some(&by), now))
        .await?;
    let key = q.key.clone().unwrap_or_default();
    let schema = draft.schema();
    let Some(question) = schema.question(&key) else {
        return Ok(back(&a.id, ""));
    };
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert(
        "c",
        &serde_json::json!({
            "heading": "질문 삭제",
            "subject": question.label,
            "effects": [
                format!("편집 중인 새 버전(버전 {})에서 이 질문을 지웁니다.", draft.version),
                "이미 게시한 버전과 제출된 신청서의 답은 그대로 남습니다.",
            ],
            "told": "아무에게도 알리지 않습니다. 새 버전을 게시해야 신청자에게 반영됩니다.",
            "action": format!("/console/announcements/{}/form/delete?key={}", a.id, urlencoding::encode(&key)),
            "button": "삭제",
            "back": format!("/console/announcements/{}/form", a.id),
        }),
    );
    render(&state, "console/confirm.html", &ctx)
}

async fn question_delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    q: web::Query<KeyQuery>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = parse(&csrf, &body).await?;
    let key = q
        .key
        .clone()
        .or_else(|| values.opt("key"))
        .unwrap_or_default();
    change(state, user, csrf, &path, None, None, "?saved=1", move |s| {
        builder::delete_question(s, &key)
    })
    .await
}

async fn bank_save(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = parse(&csrf, &body).await?;
    let staff = user.require_edit()?;
    let a = mine(&state, &staff.agency.id, &path).await?;
    let key = values.get("key").to_string();
    let (own, by, now, a2) = (
        staff.agency.id.clone(),
        staff.user.id.clone(),
        state.now(),
        a.clone(),
    );
    let r = state
        .db(move |conn| builder::save_to_bank(conn, &a2, &own, &key, Some(&by), now))
        .await?;
    Ok(match r {
        Ok(()) => back(&a.id, "?saved=1#h-bank"),
        Err(e) => back_with_error(&a.id, &e),
    })
}

async fn bank_add(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = parse(&csrf, &body).await?;
    let staff = user.require_edit()?;
    let a = mine(&state, &staff.agency.id, &path).await?;
    let (bank_id, section) = (
        values.get("bank_id").to_string(),
        values.get("section").to_string(),
    );
    let (own, by, now, a2) = (
        staff.agency.id.clone(),
        staff.user.id.clone(),
        state.now(),
        a.clone(),
    );
    let r = state
        .db(move |conn| builder::add_from_bank(conn, &a2, &own, &bank_id, &section, Some(&by), now))
        .await;
    Ok(match r {
        Ok(Ok(_)) => back(&a.id, "?saved=1"),
        Ok(Err(e)) => back_with_error(&a.id, &e),
        Err(AppError::NotFound) => back_with_error(
            &a.id,
            &FieldErrors::one("form", "그 은행 질문을 찾을 수 없습니다."),
        ),
        Err(e) => return Err(e),
    })
}

/// The version being edited (or, without one, the published one) as an applicant sees it.
async fn preview(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let a = mine(&state, &staff.agency.id, &path).await?;
    let aid = a.id.clone();
    let form = state
        .db(move |conn| {
            Ok(match store::draft_form(conn, &aid)? {
                Some(d) => Some(d),
                None => store::published_form(conn, &aid)?,
            })
        })
        .await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("a", &serde_json::json!({"id": a.id, "title": a.title}));
    ctx.insert(
        "version",
        &form.as_ref().map(
            |f| serde_json::json!({"version": f.version, "published": f.published_at.is_some()}),
        ),
    );
    let schema = form.map(|f| f.schema()).unwrap_or_default();
    let labels: std::collections::BTreeMap<&str, &str> = schema
        .questions()
        .map(|q| (q.key.as_str(), q.label.as_str()))
        .collect();
    ctx.insert("labels", &labels);
    ctx.insert("sections", &schema.sections);
    ctx.insert("answers", &serde_json::json!({}));
    ctx.insert("files", &serde_json::json!({}));
    FieldErrors::new().insert_into(&mut ctx);
    render(&state, "applications/preview.html", &ctx)
}

async fn publish(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    parse(&csrf, &body).await?;
    let staff = user.require_edit()?;
    let a = mine(&state, &staff.agency.id, &path).await?;
    let now = state.now();
    let a2 = a.clone();
    match state.db(move |conn| builder::publish(conn, &a2, now)).await {
        Ok(v) => Ok(back(&a.id, &format!("?published={}", v.version))),
        Err(AppError::BadRequest(m)) => Ok(back_with_error(&a.id, &FieldErrors::one("form", m))),
        Err(e) => Err(e),
    }
}
