//! The owner's side of applying: `/announcements/{id}/apply` (why not, or start), the
//! application's steps (eligibility, applicant, questions, review and consents — each
//! saved on the server, so a draft resumes on any device), the receipt (접수증), cancel,
//! and the dashboard `/me/applications`. The work is in `applications::service`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::form::{self, Answers, FormSchema, ELIGIBILITY};
use super::model::{AppStatus, Application};
use super::service::{self, Applicant, Gate, Problems};
use super::store;
use crate::accounts::page;
use crate::accounts::{Csrf, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::web::form::{FieldErrors, Form};
use crate::web::routes::{Access, Object, Routes};
use crate::web::{redirect, render, render_status};
use crate::AppState;

pub fn routes(r: &mut Routes) {
    let announcement = Access::Owner.on(Object::Announcement);
    let application = Access::Owner.on(Object::Application);
    let join_link = Access::Capability.on(Object::BusinessInvite);
    r.get("/announcements/{id}/apply", apply_page, announcement)
        .post("/announcements/{id}/apply", apply_start, announcement)
        .get("/me/applications", dashboard, Access::Owner)
        .get("/me/applications/{id}", application_page, application)
        .post("/me/applications/{id}", save_step, application)
        .post("/me/applications/{id}/submit", submit, application)
        .post("/me/applications/{id}/files", upload_file, application)
        .get("/me/applications/{id}/receipt", receipt, application)
        .get("/me/applications/{id}/cancel", cancel_confirm, application)
        .post("/me/applications/{id}/cancel", cancel, application)
        .get("/me/business", business_page, Access::Owner)
        .post("/me/business/invite", invite, Access::Owner)
        .get("/business/join/{token}", join_page, join_link)
        .post("/business/join/{token}", join, join_link);
}

/// Staff and operators apply for nobody: they go to the console.
fn not_owner(user: &CurrentUser) -> Option<HttpResponse> {
    (user.user.agency_id.is_some() || user.user.is_operator).then(|| redirect("/console"))
}

// --- /announcements/{id}/apply ---------------------------------------------------------

async fn apply_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let id = path.into_inner();
    let uid = user.user.id.clone();
    let now = state.now();
    let (a, gate, existing, fit) = state
        .db(move |conn| {
            let a = service::public_announcement(conn, &id)?;
            let (gate, _) = service::gate(conn, &a, now)?;
            let number =
                crate::alerts::store::find_profile(conn, &uid)?.and_then(|p| p.business_number);
            let mut existing = None;
            if let Some(n) = number {
                if let Some(b) = store::business_by_number(conn, &n)? {
                    if store::is_member(conn, &b.id, &uid)? {
                        existing = store::application_of(conn, &a.id, &b.id)?;
                    }
                }
            }
            let fit = crate::alerts::fit::for_announcement(conn, &uid, &a, now)?;
            Ok((a, gate, existing, fit))
        })
        .await?;
    // A cancelled application may be started again (the same one, `service::start`).
    let reopen = existing
        .as_ref()
        .is_some_and(|app| app.status() == super::model::AppStatus::Cancelled);
    if let Some(app) = existing.filter(|_| !reopen) {
        return Ok(redirect(&format!("/me/applications/{}", app.id)));
    }
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("reopen", &reopen);
    ctx.insert("a_id", &a.id);
    ctx.insert("a_title", &a.title);
    ctx.insert("open", &(gate == Gate::Open));
    ctx.insert("why", gate.message());
    ctx.insert("fit", &fit);
    ctx.insert("message", "");
    render(&state, "applications/start.html", &ctx)
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf_token: String,
}

async fn apply_start(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    f: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&f.csrf_token)?;
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let id = path.into_inner();
    let uid = user.user.id.clone();
    let now = state.now();
    let aid = id.clone();
    match state
        .db(move |conn| service::start(conn, &uid, &aid, now))
        .await
    {
        Ok(app) => Ok(redirect(&format!("/me/applications/{}", app.id))),
        Err(AppError::Invalid { message, .. }) => {
            let id2 = id.clone();
            let title = state
                .db(move |conn| Ok(service::public_announcement(conn, &id2)?.title))
                .await?;
            let mut ctx = page(Some(&user), Some(&csrf));
            ctx.insert("a_id", &id);
            ctx.insert("a_title", &title);
            ctx.insert("open", &false);
            ctx.insert("reopen", &false);
            ctx.insert("why", &message);
            ctx.insert("fit", &Value::Null);
            ctx.insert("message", &message);
            render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "applications/start.html",
                &ctx,
            )
        }
        Err(e) => Err(e),
    }
}

// --- the steps ---------------------------------------------------------------------------

/// The steps of a form: 1 eligibility (when the form has that section), 2 applicant,
/// 3 the program's questions, 4 review and consents.
const STEP_ELIGIBILITY: i32 = 1;
const STEP_APPLICANT: i32 = 2;
const STEP_QUESTIONS: i32 = 3;
const STEP_REVIEW: i32 = 4;

fn has_eligibility(schema: &FormSchema) -> bool {
    schema
        .sections
        .iter()
        .any(|s| s.key == ELIGIBILITY && !s.questions.is_empty())
}

/// The part of the schema a step shows.
fn step_schema(schema: &FormSchema, step: i32) -> FormSchema {
    FormSchema {
        sections: schema
            .sections
            .iter()
            .filter(|s| match step {
                STEP_ELIGIBILITY => s.key == ELIGIBILITY,
                STEP_QUESTIONS => s.key != ELIGIBILITY,
                _ => false,
            })
            .cloned()
            .collect(),
    }
}

#[derive(Deserialize)]
struct StepQuery {
    step: Option<i32>,
    saved: Option<String>,
    error: Option<String>,
    /// The file question a refused upload was for (the message goes to its field).
    q: Option<String>,
}

#[derive(Serialize)]
struct HistoryItem {
    when: String,
    what: String,
    who: String,
    note: String,
}

struct Loaded {
    /// The draft was moved to a newer version of the form just now (the owner is told).
    moved: bool,
    files: HashMap<String, Vec<Value>>,
    app: Application,
    schema: FormSchema,
    title: String,
    agency: String,
    apply_end: Option<String>,
    history: Vec<HistoryItem>,
}

/// The application, its form and what the pages show. `follow`: move a draft to a newer
/// version of the form first when `builder::form_for_draft` says so — only the page GET
/// does, so the notice of it is shown once, on the page the owner opens next.
async fn load(state: &AppState, id: String, uid: String, follow: bool) -> AppResult<Loaded> {
    let now = state.now();
    state
        .db(move |conn| {
            let mut app = service::of_member(conn, &id, &uid)?;
            let mut moved = false;
            if follow {
                if let Some(newer) = service::follow_newer_form(conn, &app, now)? {
                    app = newer;
                    moved = true;
                }
            }
            let schema = store::form_by_id(conn, &app.form_id)?
                .ok_or(AppError::NotFound)?
                .schema();
            let a = crate::announcements::store::find(conn, &app.announcement_id)?
                .ok_or(AppError::NotFound)?;
            let agency = crate::accounts::store::find_agency(conn, &app.agency_id)?
                .map(|g| g.name)
                .unwrap_or_default();
            let files = service::files_by_question(conn, &app.id)?;
            let mut history = Vec::new();
            for e in store::events(conn, &app.id)? {
                let who = match &e.actor_id {
                    Some(u) => crate::accounts::store::find_user(conn, u)?
                        .map(|u| u.display_name)
                        .unwrap_or_default(),
                    None => String::new(),
                };
                history.push(HistoryItem {
                    when: service::kst_minute(e.created_at),
                    what: event_label(&e.kind, e.status.as_deref()),
                    who,
                    // How it was routed (the inbox, whom it mailed) is the agency's.
                    note: if e.kind == "routed" {
                        String::new()
                    } else {
                        e.note
                    },
                });
            }
            Ok(Loaded {
                moved,
                files,
                app,
                schema,
                title: a.title.clone(),
                agency,
                apply_end: a.apply_end.map(service::kst_minute),
                history,
            })
        })
        .await
}

fn event_label(kind: &str, status: Option<&str>) -> String {
    match kind {
        "created" => "작성 시작",
        "submitted" => "제출 (접수)",
        "resubmitted" => "보완 제출",
        "cancelled" => "취소",
        "reopened" => "다시 작성",
        "reviewing" => "검토 시작",
        "supplement" => "보완 요청",
        "selected" => "선정",
        "rejected" => "미선정",
        "routed" => "기관 신청함 도착",
        service::FORM_MOVED => "신청 양식 새 판으로 옮김",
        // A reviewer's decision (`review::decide`): the status it moved to.
        "status" => {
            return match status.and_then(AppStatus::parse) {
                Some(AppStatus::Supplement) => "보완 요청".into(),
                Some(st) => format!("상태 변경: {}", st.label()),
                None => "상태 변경".into(),
            }
        }
        other => other,
    }
    .into()
}

/// The answers as a template reads them: key → string or list (tables: rows of maps).
fn answers_value(a: &Answers) -> Value {
    Value::Object(a.clone())
}

/// Answers read back from a post that failed (what the owner typed, kept for the page).
fn base_ctx(user: &CurrentUser, csrf: &Csrf, l: &Loaded) -> tera::Context {
    let mut ctx = page(Some(user), Some(csrf));
    ctx.insert("app_id", &l.app.id);
    ctx.insert("a_id", &l.app.announcement_id);
    ctx.insert("a_title", &l.title);
    ctx.insert("agency", &l.agency);
    ctx.insert("apply_end", &l.apply_end);
    ctx.insert("status", l.app.status().as_str());
    ctx.insert("status_label", l.app.status().label());
    ctx.insert("receipt_no", &l.app.receipt_no);
    ctx.insert("history", &l.history);
    ctx.insert("supplement_note", &l.app.supplement_note);
    ctx.insert(
        "supplement_due",
        &l.app.supplement_due.map(service::kst_minute),
    );
    ctx.insert("may_cancel", &l.app.status().applicant_may_cancel());
    ctx.insert("has_eligibility", &has_eligibility(&l.schema));
    ctx.insert("form_moved", &l.moved);
    ctx
}

#[allow(clippy::too_many_arguments)]
fn render_step(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    l: &Loaded,
    step: i32,
    answers: &Answers,
    applicant: &Applicant,
    problems: Option<&Problems>,
    saved: bool,
) -> AppResult<HttpResponse> {
    let mut ctx = base_ctx(user, csrf, l);
    let part = step_schema(&l.schema, step);
    // Every question of the step; one shown only for an earlier answer comes with
    // whether it is shown now and that question's label (the page hides it, says when it
    // appears, and public/js/apply.js follows the answer live).
    let visible: Vec<Value> = part
        .sections
        .iter()
        .map(|s| {
            let questions: Vec<Value> = s
                .questions
                .iter()
                .map(|q| {
                    let mut v = serde_json::to_value(q).unwrap_or(Value::Null);
                    if let (Some(cond), Value::Object(m)) = (&q.show_if, &mut v) {
                        m.insert("shown".into(), l.schema.visible(q, answers).into());
                        let label = l
                            .schema
                            .question(&cond.question)
                            .map(|p| p.label.clone())
                            .unwrap_or_else(|| cond.question.clone());
                        m.insert("cond_label".into(), label.into());
                    }
                    v
                })
                .collect();
            json!({
                "key": s.key,
                "title": s.title,
                "intro": s.intro,
                "questions": questions,
            })
        })
        .collect();
    ctx.insert("step", &step);
    ctx.insert("sections", &visible);
    ctx.insert("answers", &answers_value(answers));
    ctx.insert("files", &l.files);
    ctx.insert("upload_error", "");
    ctx.insert("applicant", applicant);
    ctx.insert(
        "applicant_fields",
        &Applicant::FIELDS
            .iter()
            .map(|(k, label)| json!({"key": k, "label": label, "fixed": *k == "name" || *k == "business_number"}))
            .collect::<Vec<_>>(),
    );
    ctx.insert("saved", &saved);
    let empty = FieldErrors::new();
    let errors = problems.map(|p| &p.errors).unwrap_or(&empty);
    errors.insert_into(&mut ctx);
    ctx.insert(
        "ineligible",
        &problems.map(|p| p.ineligible.clone()).unwrap_or_default(),
    );
    if step == STEP_REVIEW {
        // Every shown question with its answer, in words.
        let review: Vec<Value> = l
            .schema
            .sections
            .iter()
            .map(|s| {
                json!({
                    "title": s.title,
                    "step": if s.key == ELIGIBILITY { STEP_ELIGIBILITY } else { STEP_QUESTIONS },
                    "items": s.questions.iter().filter(|q| l.schema.visible(q, answers)).map(|q| json!({
                        "label": q.label,
                        "answer": answer_text(q, answers.get(&q.key)),
                        "files": files_of(q, &l.files),
                        "field": q.field(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        ctx.insert("review", &review);
        ctx.insert("privacy_consent", service::PRIVACY_CONSENT);
        ctx.insert("third_party_consent", service::THIRD_PARTY_CONSENT);
        ctx.insert("consent_version", service::CONSENT_VERSION);
    }
    let status = if problems.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(state, status, "applications/edit.html", &ctx)
}

/// The uploaded files of a file question, [{id, name, size}] (empty for other kinds).
fn files_of(q: &form::Question, files: &HashMap<String, Vec<Value>>) -> Vec<Value> {
    if q.kind != form::Kind::File {
        return Vec::new();
    }
    files.get(&q.key).cloned().unwrap_or_default()
}

/// An answer in words for the review page and the receipt.
fn answer_text(q: &form::Question, v: Option<&Value>) -> String {
    let Some(v) = v else {
        return "(답하지 않음)".into();
    };
    match (q.kind, v) {
        (form::Kind::YesNo, Value::String(s)) => if s == "yes" { "예" } else { "아니요" }.into(),
        (form::Kind::Money, Value::String(s)) => format!("{} 원", group(s)),
        (_, Value::String(s)) => s.clone(),
        (form::Kind::Table, Value::Array(rows)) => rows
            .iter()
            .map(|r| {
                q.columns
                    .iter()
                    .map(|c| {
                        let cell = r.get(&c.key).and_then(Value::as_str).unwrap_or("-");
                        // Money cells are kept as digits: read them as an amount.
                        if c.kind == form::Kind::Money
                            && !cell.is_empty()
                            && cell.chars().all(|ch| ch.is_ascii_digit())
                        {
                            format!("{} {} 원", c.label, group(cell))
                        } else {
                            format!("{} {cell}", c.label)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect::<Vec<_>>()
            .join(" / "),
        (_, Value::Array(xs)) => xs
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        (_, other) => other.to_string(),
    }
}

fn group(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The first step an editable application shows: the furthest reached, eligibility
/// first when the form has it.
fn first_step(l: &Loaded) -> i32 {
    let min = if has_eligibility(&l.schema) {
        STEP_ELIGIBILITY
    } else {
        STEP_APPLICANT
    };
    l.app.step.clamp(min, STEP_REVIEW)
}

async fn application_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    q: web::Query<StepQuery>,
) -> AppResult<HttpResponse> {
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let l = load(&state, path.into_inner(), user.user.id.clone(), true).await?;
    if !service::editable(&l.app) {
        let mut ctx = base_ctx(&user, &csrf, &l);
        let answers = l.app.answers();
        ctx.insert("answers_list", &answer_list(&l.schema, &answers, &l.files));
        return render(&state, "applications/view.html", &ctx);
    }
    let min = if has_eligibility(&l.schema) {
        STEP_ELIGIBILITY
    } else {
        STEP_APPLICANT
    };
    // Any step may be opened (the submission checks everything); without one, the
    // furthest saved.
    let step = q
        .step
        .unwrap_or_else(|| first_step(&l))
        .clamp(min, STEP_REVIEW);
    let answers = l.app.answers();
    let applicant = Applicant::from_json(&l.app.applicant_json);
    match &q.error {
        // A refused upload: the message, on the page of the draft (kept as it was).
        Some(e) => {
            // At the file question it was for (one of this form's), else the page's own.
            let field =
                q.q.as_deref()
                    .and_then(|k| l.schema.question(k))
                    .filter(|q| q.kind == form::Kind::File)
                    .map(|q| q.field())
                    .unwrap_or_else(|| "upload".into());
            render_upload_error(
                &state, &user, &csrf, &l, step, &answers, &applicant, &field, e,
            )
        }
        None => render_step(
            &state,
            &user,
            &csrf,
            &l,
            step,
            &answers,
            &applicant,
            None,
            q.saved.is_some(),
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn render_upload_error(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    l: &Loaded,
    step: i32,
    answers: &Answers,
    applicant: &Applicant,
    field: &str,
    message: &str,
) -> AppResult<HttpResponse> {
    let mut errors = FieldErrors::new();
    errors.add(field, message.chars().take(300).collect::<String>());
    render_step(
        state,
        user,
        csrf,
        l,
        step,
        answers,
        applicant,
        Some(&Problems {
            errors,
            ineligible: Vec::new(),
        }),
        false,
    )
}

#[derive(Deserialize)]
struct UploadQuery {
    /// The file question (also a form field; here so a refused oversized upload, read
    /// only up to the limit, still knows where its message goes).
    q: Option<String>,
}

async fn upload_file(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    query: web::Query<UploadQuery>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let uid = user.user.id.clone();
    // Another business's application is refused before the upload is read at all.
    let (i2, u2) = (id.clone(), uid.clone());
    state
        .db(move |conn| service::of_member(conn, &i2, &u2).map(|_| ()))
        .await?;
    let limit = state.config.max_upload_bytes;
    let up = crate::storage::read_multipart(payload, "file", limit).await?;
    let question = match up.field("question") {
        "" => query.q.clone().unwrap_or_default(),
        q => q.to_string(),
    };
    let back = |msg: &str| {
        redirect(&format!(
            "/me/applications/{id}?step=3&q={}&error={}#error-summary",
            urlencoding::encode(&question),
            urlencoding::encode(msg)
        ))
    };
    if up.too_large {
        return Ok(back(&format!(
            "파일이 너무 큽니다. {}MB 이하만 올릴 수 있습니다. 작성한 내용은 그대로 있습니다.",
            limit / 1024 / 1024
        )));
    }
    csrf.verify(up.field("csrf_token"))?;
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let replaces = Some(up.field("replace").to_string()).filter(|r| !r.is_empty());
    let remove = up.field("remove").to_string();
    if !remove.is_empty() {
        let (i3, q3, now, dir) = (
            id.clone(),
            question.clone(),
            state.now(),
            state.config.upload_dir.clone(),
        );
        return match state
            .db(move |conn| service::remove_file(conn, &uid, &i3, &q3, &remove, now))
            .await
        {
            Ok(gone) => {
                if let Some(old) = gone {
                    crate::storage::remove(&dir, &old);
                }
                Ok(redirect(&format!("/me/applications/{id}?step=3&saved=1")))
            }
            Err(AppError::Invalid { message, .. }) => Ok(back(&message)),
            Err(e) => Err(e),
        };
    }
    let Some((_, original, bytes)) = up.file.filter(|(_, n, _)| !n.is_empty()) else {
        return Ok(back("올릴 파일을 선택해 주세요."));
    };
    let display = crate::storage::display_name(&original);
    let ctype = match crate::storage::check_upload(&display, &bytes) {
        Ok(t) => t,
        Err(msg) => return Ok(back(&msg)),
    };
    let sha = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let size = bytes.len() as i64;
    let dir = state.config.upload_dir.clone();
    let d2 = dir.clone();
    let stored = web::block(move || crate::storage::store(&d2, &bytes)).await??;
    let now = state.now();
    let app_id = id.clone();
    let i3 = id.clone();
    let file = service::NewFile {
        question_key: question.clone(),
        replaces,
        stored_name: stored.clone(),
        original_name: display,
        content_type: ctype.to_string(),
        size_bytes: size,
        sha256: sha,
    };
    match state
        .db(move |conn| service::add_file(conn, &uid, &i3, file, now))
        .await
    {
        Ok(replaced) => {
            // The replaced file's bytes go once its row is gone.
            if let Some(old) = replaced {
                crate::storage::remove(&dir, &old);
            }
            Ok(redirect(&format!(
                "/me/applications/{app_id}?step=3&saved=1"
            )))
        }
        Err(e) => {
            // Nothing half-written: the file goes when its row could not be saved.
            crate::storage::remove(&dir, &stored);
            match e {
                AppError::Invalid { message, .. } => Ok(back(&message)),
                e => Err(e),
            }
        }
    }
}

fn answer_list(
    schema: &FormSchema,
    answers: &Answers,
    files: &HashMap<String, Vec<Value>>,
) -> Vec<Value> {
    schema
        .questions()
        .filter(|q| schema.visible(q, answers))
        .map(|q| {
            json!({
                "label": q.label,
                "answer": answer_text(q, answers.get(&q.key)),
                "files": files_of(q, files),
            })
        })
        .collect()
}

async fn save_step(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let uid = user.user.id.clone();
    let l = load(&state, id.clone(), uid.clone(), false).await?;
    let multi = l.schema.multi_fields();
    let multi: Vec<&str> = multi.iter().map(String::as_str).collect();
    let values = Form::parse(&body, &multi)?;
    csrf.verify(values.get("csrf_token"))?;
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let step: i32 = values
        .get("step")
        .parse()
        .unwrap_or(STEP_APPLICANT)
        .clamp(STEP_ELIGIBILITY, STEP_QUESTIONS);
    let previous = l.app.answers();
    let mut answers = previous.clone();
    let mut applicant = Applicant::from_json(&l.app.applicant_json);
    let mut applicant_errors = FieldErrors::new();
    if step == STEP_APPLICANT {
        let (a, e) = applicant.edited(|k| values.get(k).to_string());
        applicant = a;
        applicant_errors = e;
    } else {
        // Only the posted step's questions change; the others stay as saved.
        let part = step_schema(&l.schema, step);
        for q in part.questions() {
            answers.remove(&q.key);
        }
        for (k, v) in form::answers_from_form(&part, &values, &previous) {
            answers.insert(k, v);
        }
    }
    let now = state.now();
    let (a2, ans2) = (applicant.clone(), answers.clone());
    let next = if step == STEP_ELIGIBILITY {
        STEP_APPLICANT
    } else {
        step + 1
    };
    let ok_applicant = applicant_errors.is_empty();
    let result = state
        .db(move |conn| {
            service::save(
                conn,
                &uid,
                &id,
                ok_applicant.then_some(&a2),
                &ans2,
                if ok_applicant { next } else { step },
                now,
            )
        })
        .await?;
    // The step's own required questions are asked for now (what was valid is saved
    // already); the whole form is checked again at submission.
    let part = step_schema(&l.schema, step);
    let (_, required) = form::check(&part, &answers, true);
    let result = match result {
        Ok(_) if !required.is_empty() => Err(Problems {
            errors: FieldErrors::new(),
            ineligible: Vec::new(),
        }),
        other => other,
    };
    let result = result.map_err(|mut p| {
        for (f, m) in required.iter() {
            if !p.errors.has(f) {
                p.errors.add(f, m);
            }
        }
        let names: Vec<String> = part.questions().map(|q| q.field()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let e = std::mem::replace(&mut p.errors, FieldErrors::new());
        p.errors = e.ordered(&names);
        p
    });
    let problems = match result {
        Ok(app) if ok_applicant => {
            // Eligibility: only its own section matters on its step; other problems
            // wait for their steps.
            return Ok(redirect(&format!(
                "/me/applications/{}?step={next}&saved=1",
                app.id
            )));
        }
        Ok(_) => Problems {
            errors: applicant_errors,
            ineligible: Vec::new(),
        },
        Err(mut p) => {
            for (f, m) in applicant_errors.iter() {
                p.errors.add(f, m);
            }
            if step != STEP_ELIGIBILITY {
                p.ineligible.clear();
            }
            let part = step_schema(&l.schema, step);
            let on_step: Vec<String> = part.questions().map(|q| q.field()).collect();
            let mut only = FieldErrors::new();
            for (f, m) in p.errors.iter() {
                if on_step.iter().any(|s| s == f) || f.starts_with("a.") {
                    only.add(f, m);
                }
            }
            if only.is_empty() && p.ineligible.is_empty() {
                let app_id = l.app.id.clone();
                return Ok(redirect(&format!(
                    "/me/applications/{app_id}?step={next}&saved=1"
                )));
            }
            Problems {
                errors: only,
                ineligible: p.ineligible,
            }
        }
    };
    // Show what was typed (kept or not), with the problems at their fields.
    let mut shown = answers;
    for q in step_schema(&l.schema, step).questions() {
        if q.kind != form::Kind::File && q.kind != form::Kind::Table {
            if let Some(v) = values.opt(&q.field()) {
                shown.entry(q.key.clone()).or_insert(Value::String(v));
            }
        }
    }
    render_step(
        &state,
        &user,
        &csrf,
        &l,
        step,
        &shown,
        &applicant,
        Some(&problems),
        false,
    )
}

async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = Form::parse(&body, &[])?;
    csrf.verify(values.get("csrf_token"))?;
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let id = path.into_inner();
    let uid = user.user.id.clone();
    let consented = values.get("consent_privacy") == "yes" && values.get("consent_third") == "yes";
    let now = state.now();
    // The agency published a form this draft must move to: nothing is submitted; the
    // review page moves it and says so, and the owner checks the new questions first.
    let (i1, u1) = (id.clone(), uid.clone());
    let pending = state
        .db(move |conn| {
            let app = service::of_member(conn, &i1, &u1)?;
            service::newer_form_pending(conn, &app)
        })
        .await?;
    if pending {
        return Ok(redirect(&format!("/me/applications/{id}?step=4")));
    }
    let (i2, u2) = (id.clone(), uid.clone());
    let result = state
        .db(move |conn| service::submit(conn, &u2, &i2, consented, now))
        .await;
    match result {
        Ok(Ok(app)) => Ok(redirect(&format!("/me/applications/{}/receipt", app.id))),
        Ok(Err(problems)) => {
            let l = load(&state, id, uid, false).await?;
            let answers = l.app.answers();
            let applicant = Applicant::from_json(&l.app.applicant_json);
            render_step(
                &state,
                &user,
                &csrf,
                &l,
                STEP_REVIEW,
                &answers,
                &applicant,
                Some(&problems),
                false,
            )
        }
        Err(AppError::Invalid { message, .. }) => {
            let l = load(&state, id, uid, false).await?;
            let mut ctx = base_ctx(&user, &csrf, &l);
            ctx.insert("message", &message);
            ctx.insert(
                "answers_list",
                &answer_list(&l.schema, &l.app.answers(), &l.files),
            );
            render_status(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "applications/view.html",
                &ctx,
            )
        }
        Err(e) => Err(e),
    }
}

async fn receipt(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let l = load(&state, path.into_inner(), user.user.id.clone(), false).await?;
    if l.app.receipt_no.is_none() || l.app.status() == AppStatus::Draft {
        return Err(AppError::NotFound);
    }
    let mut ctx = base_ctx(&user, &csrf, &l);
    let applicant = Applicant::from_json(&l.app.applicant_json);
    ctx.insert("applicant", &applicant);
    ctx.insert("submitted_at", &l.app.submitted_at.map(service::kst_minute));
    ctx.insert(
        "answers_list",
        &answer_list(&l.schema, &l.app.answers(), &l.files),
    );
    render(&state, "applications/receipt.html", &ctx)
}

async fn cancel_confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let l = load(&state, path.into_inner(), user.user.id.clone(), false).await?;
    let ctx = base_ctx(&user, &csrf, &l);
    render(&state, "applications/cancel.html", &ctx)
}

async fn cancel(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    f: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&f.csrf_token)?;
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let id = path.into_inner();
    let uid = user.user.id.clone();
    let now = state.now();
    state
        .db(move |conn| service::cancel(conn, &uid, &id, now))
        .await?;
    Ok(redirect("/me/applications?cancelled=1"))
}

#[derive(Deserialize)]
struct DashQuery {
    cancelled: Option<String>,
}

async fn dashboard(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<DashQuery>,
) -> AppResult<HttpResponse> {
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let uid = user.user.id.clone();
    let items = state.db(move |conn| service::dashboard(conn, &uid)).await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("items", &items);
    ctx.insert("cancelled", &q.cancelled.is_some());
    render(&state, "applications/mine.html", &ctx)
}

// --- the business and its members ------------------------------------------------------

#[derive(Serialize)]
struct BusinessView {
    id: String,
    name: String,
    business_number: String,
    representative: bool,
    members: Vec<super::members::Member>,
}

async fn business_views(state: &AppState, uid: String) -> AppResult<Vec<BusinessView>> {
    state
        .db(move |conn| {
            let mut out = Vec::new();
            for b in store::businesses_of(conn, &uid)? {
                out.push(BusinessView {
                    representative: super::members::is_representative(conn, &b.id, &uid)?,
                    members: super::members::members(conn, &b.id)?,
                    id: b.id,
                    name: b.name,
                    business_number: b.business_number,
                });
            }
            Ok(out)
        })
        .await
}

async fn business_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let list = business_views(&state, user.user.id.clone()).await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("businesses", &list);
    ctx.insert("link", "");
    ctx.insert("invited", "");
    FieldErrors::new().insert_into(&mut ctx);
    render(&state, "applications/business.html", &ctx)
}

#[derive(Deserialize)]
struct InviteForm {
    csrf_token: String,
    business: String,
    email: String,
}

async fn invite(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    f: web::Form<InviteForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&f.csrf_token)?;
    if let Some(to) = not_owner(&user) {
        return Ok(to);
    }
    let email = f.email.trim().to_lowercase();
    let mut errors = FieldErrors::new();
    let business = f.business.clone();
    let uid = user.user.id.clone();
    let is_rep = state
        .db(move |conn| super::members::is_representative(conn, &business, &uid))
        .await?;
    if !is_rep {
        errors.add(
            "business",
            "대표자만 구성원을 초대할 수 있습니다. 사업자를 다시 골라 주세요.",
        );
    }
    let at = email.find('@');
    if email.len() > 254 || at.is_none_or(|i| i == 0 || !email[i + 1..].contains('.')) {
        errors.add("email", "초대할 사람의 이메일 주소를 바르게 적어 주세요.");
    }
    let list = business_views(&state, user.user.id.clone()).await?;
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("businesses", &list);
    if !errors.is_empty() {
        errors.insert_into(&mut ctx);
        ctx.insert("link", "");
        ctx.insert("invited", &email);
        return render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "applications/business.html",
            &ctx,
        );
    }
    let token = super::members::invite_token(&state.keys, &f.business, &email, state.now());
    let link = format!(
        "{}/business/join/{token}",
        state.config.base_url.trim_end_matches('/')
    );
    let (business, inviter, to, l, now) = (
        f.business.clone(),
        user.user.id.clone(),
        email.clone(),
        link.clone(),
        state.now(),
    );
    state
        .db(move |conn| super::members::email_invite(conn, &business, &inviter, &to, &l, now))
        .await?;
    FieldErrors::new().insert_into(&mut ctx);
    ctx.insert("link", &link);
    ctx.insert("invited", &email);
    render(&state, "applications/business.html", &ctx)
}

async fn join_context(
    state: &AppState,
    user: Option<&CurrentUser>,
    csrf: &Csrf,
    token: &str,
) -> AppResult<(tera::Context, super::members::Invite)> {
    let invite =
        super::members::verify_invite(&state.keys, token, state.now()).ok_or(AppError::NotFound)?;
    let bid = invite.business_id.clone();
    let name = state
        .db(move |conn| store::business(conn, &bid))
        .await?
        .ok_or(AppError::NotFound)?
        .name;
    let mut ctx = page(user, Some(csrf));
    ctx.insert("business_name", &name);
    ctx.insert("email", &invite.email);
    ctx.insert("token", token);
    ctx.insert("signed_in", &user.is_some());
    ctx.insert("message", "");
    Ok((ctx, invite))
}

async fn join_page(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (ctx, _) = join_context(&state, user.as_ref(), &csrf, &path.into_inner()).await?;
    render(&state, "applications/join.html", &ctx)
}

async fn join(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    csrf: Csrf,
    path: web::Path<String>,
    f: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf.verify(&f.csrf_token)?;
    let token = path.into_inner();
    let (mut ctx, invite) = join_context(&state, user.as_ref(), &csrf, &token).await?;
    let refuse = |ctx: &mut tera::Context, m: &str| {
        ctx.insert("message", m);
        render_status(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "applications/join.html",
            ctx,
        )
    };
    let Some(user) = user else {
        return refuse(&mut ctx, "초대를 수락하려면 먼저 로그인해 주세요.");
    };
    if user.user.agency_id.is_some() || user.user.is_operator {
        return refuse(
            &mut ctx,
            "기관 직원 계정으로는 사업자 구성원이 될 수 없습니다.",
        );
    }
    let (uid, email, now) = (user.user.id.clone(), user.user.email.clone(), state.now());
    match state
        .db(move |conn| super::members::accept(conn, &invite, &uid, &email, now))
        .await
    {
        Ok(()) => Ok(redirect("/me/business?joined=1")),
        Err(AppError::Invalid { message, .. }) => refuse(&mut ctx, &message),
        Err(e) => Err(e),
    }
}
