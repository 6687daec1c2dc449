//! The agency's review pages (the inbox): `/console/applications` (the inbox of the staff member's
//! agency, filtered by program and status, sorted by submission), its CSV export, one
//! application (applicant snapshot, answers, history, the concentrated-support check) and
//! the status change with a note. Any staff role reviews; another agency's application,
//! or a draft, is 404. Handlers parse and render; `review` owns the transactions.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::form::{Kind, Question};
use super::model::{AppStatus, Application};
use super::review::{self, Decision, InboxFilter, REVIEWER_CHOICES};
use crate::accounts::{page, Csrf, CurrentUser};
use crate::clock::format_kst;
use crate::error::AppResult;
use crate::web::form::{FieldErrors, Form};
use crate::web::routes::{Access, Object, Routes};
use crate::web::{redirect, render, render_status};
use crate::AppState;

/// Most rows the inbox page and its CSV show.
const INBOX_MAX: i64 = 5000;

pub fn routes(r: &mut Routes) {
    let own = Access::Staff.on(Object::Application);
    r.get("/console/applications", inbox, Access::Staff)
        .get("/console/applications.csv", inbox_csv, Access::Staff)
        .get("/console/applications/{id}", show, own)
        .post("/console/applications/{id}/status", change_status, own)
        .get("/console/applications/{id}/files.zip", application_zip, own)
        .get(
            "/console/applications.zip",
            program_zip,
            Access::Staff.on(Object::Announcement).in_field("program"),
        )
        .get(
            "/console/applications/{application}/files/{id}",
            file,
            Access::Staff.on(Object::ApplicationFile),
        );
}

#[derive(Deserialize, Default, Clone)]
struct InboxQuery {
    program: Option<String>,
    status: Option<String>,
    sort: Option<String>,
}

impl InboxQuery {
    fn filter(&self) -> InboxFilter {
        InboxFilter {
            program: self.program.clone().filter(|p| !p.trim().is_empty()),
            status: self.status.as_deref().and_then(AppStatus::parse),
            oldest: self.sort.as_deref() == Some("oldest"),
        }
    }
}

fn when(t: Option<chrono::NaiveDateTime>) -> String {
    t.map(|t| format_kst(t, "%Y.%m.%d %H:%M"))
        .unwrap_or_default()
}

async fn inbox(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    q: web::Query<InboxQuery>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let q = q.into_inner();
    let f = q.filter();
    let agency = staff.agency.id.clone();
    let (rows, programs) = state
        .db(move |conn| {
            Ok((
                review::inbox(conn, &agency, &f, INBOX_MAX)?,
                review::inbox_programs(conn, &agency)?,
            ))
        })
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| json!({"id": r.id, "receipt_no": r.receipt_no, "program": r.program, "business": r.business_name, "status": r.status, "status_label": r.status_label, "submitted": when(r.submitted_at)}))
        .collect();
    let statuses: Vec<Value> = AppStatus::ALL
        .iter()
        .filter(|s| **s != AppStatus::Draft)
        .map(|s| json!({"value": s.as_str(), "label": s.label()}))
        .collect();
    let programs: Vec<Value> = programs
        .iter()
        .map(|(id, title)| json!({"id": id, "title": title}))
        .collect();
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("agency", &staff.agency);
    ctx.insert("items", &items);
    ctx.insert("programs", &programs);
    ctx.insert("statuses", &statuses);
    ctx.insert("program", &q.program.clone().unwrap_or_default());
    ctx.insert("status", &q.status.clone().unwrap_or_default());
    ctx.insert("sort", &q.sort.clone().unwrap_or_default());
    ctx.insert(
        "csv_query",
        &serde_urlencoded::to_string([
            ("program", q.program.clone().unwrap_or_default()),
            ("status", q.status.clone().unwrap_or_default()),
            ("sort", q.sort.clone().unwrap_or_default()),
        ])
        .unwrap_or_default(),
    );
    render(&state, "applications/inbox.html", &ctx)
}

async fn inbox_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<InboxQuery>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let f = q.into_inner().filter();
    let agency = staff.agency.id.clone();
    let rows = state
        .db(move |conn| review::inbox(conn, &agency, &f, INBOX_MAX))
        .await?;
    let base = state.config.base_url.trim_end_matches('/').to_string();
    let mut out =
        String::from("\u{feff}접수번호,사업,기업명,사업자등록번호,상태,접수 시각(KST),주소\r\n");
    for r in &rows {
        let row = [
            r.receipt_no.clone().unwrap_or_default(),
            r.program.clone(),
            r.business_name.clone(),
            r.business_number.clone(),
            r.status_label.to_string(),
            when(r.submitted_at),
            format!("{base}/console/applications/{}", r.id),
        ];
        out.push_str(
            &row.iter()
                .map(|f| crate::search::web::csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    let stamp = format_kst(state.now(), "%Y%m%d");
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"applications-{stamp}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(out))
}

/// 1234567 → "1,234,567".
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// An answer as a reviewer reads it: lines of text.
fn answer_lines(q: &Question, v: &Value, files: &[(String, String)]) -> Vec<String> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    match (q.kind, v) {
        (_, Value::Null) => vec![],
        (Kind::YesNo, v) => vec![match v.as_str() {
            Some("yes") => "예".into(),
            Some("no") => "아니오".into(),
            _ => s(v),
        }],
        (Kind::Money, v) => vec![s(v)
            .parse::<i64>()
            .map(|n| format!("{}원", thousands(n)))
            .unwrap_or_else(|_| s(v))],
        (Kind::File, Value::Array(ids)) => ids
            .iter()
            .map(|id| {
                let id = id.as_str().unwrap_or_default();
                files
                    .iter()
                    .find(|(fid, _)| fid == id)
                    .map(|(_, name)| format!("첨부: {name}"))
                    .unwrap_or_else(|| "첨부 파일".into())
            })
            .collect(),
        (Kind::Table, Value::Array(rows)) => rows
            .iter()
            .map(|row| {
                q.columns
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {}",
                            c.label,
                            row.get(&c.key).map(s).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" · ")
            })
            .collect(),
        (_, Value::Array(items)) => vec![items.iter().map(s).collect::<Vec<_>>().join(", ")],
        (_, Value::String(x)) => vec![x.clone()],
        (_, other) => vec![other.to_string()],
    }
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    id: String,
    form: Option<(&Form, FieldErrors)>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let agency = staff.agency.id.clone();
    let now = state.now();
    let (app, program, business, form_schema, history, others, files) = state
        .db(move |conn| {
            let app: Application = review::owned(conn, &id, &agency)?;
            let program = crate::announcements::store::find(conn, &app.announcement_id)?
                .map(|a| a.title)
                .unwrap_or_default();
            let business = super::store::business(conn, &app.business_id)?;
            let schema = super::store::form_by_id(conn, &app.form_id)?
                .map(|f| f.schema())
                .unwrap_or_default();
            let files = review::files(conn, &app.id)?;
            let history = review::history(conn, &app.id)?;
            let others = review::other_applications(conn, &app, now)?;
            Ok((app, program, business, schema, history, others, files))
        })
        .await?;
    let answers = app.answers();
    let file_links: Vec<Value> = files
        .iter()
        .map(|f| json!({"name": f.original_name, "size": f.size_bytes, "href": format!("/console/applications/{}/files/{}", app.id, f.id)}))
        .collect();
    let files: Vec<(String, String)> = files.into_iter().map(|f| (f.id, f.original_name)).collect();
    let sections: Vec<Value> = form_schema
        .sections
        .iter()
        .map(|sec| {
            let qs: Vec<Value> = sec
                .questions
                .iter()
                .filter(|q| form_schema.visible(q, &answers))
                .map(|q| {
                    let v = answers.get(&q.key).cloned().unwrap_or(Value::Null);
                    json!({"label": q.label, "lines": answer_lines(q, &v, &files)})
                })
                .collect();
            json!({"title": sec.title, "questions": qs})
        })
        .collect();
    let applicant: Vec<Value> = serde_json::from_str::<serde_json::Map<String, Value>>(&app.applicant_json)
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v.as_str().map(String::from).unwrap_or_else(|| v.to_string())}))
        .collect();
    let status = app.status();
    let choices: Vec<Value> = REVIEWER_CHOICES
        .iter()
        .filter(|to| status.reviewer_may(**to))
        .map(|s| json!({"value": s.as_str(), "label": s.label()}))
        .collect();
    let mut ctx = page(Some(user), Some(csrf));
    let failed = form.is_some();
    let (values, errors) = match form {
        Some((f, e)) => (f.clone(), e),
        None => (Form::default(), FieldErrors::new()),
    };
    errors.insert_into(&mut ctx);
    ctx.insert("f", &values);
    ctx.insert(
        "app",
        &json!({
            "id": app.id, "receipt_no": app.receipt_no, "status": app.status, "status_label": status.label(),
            "submitted": when(app.submitted_at), "supplement_note": app.supplement_note,
            "supplement_due": when(app.supplement_due),
        }),
    );
    ctx.insert("program", &program);
    ctx.insert("business", &business);
    ctx.insert("applicant", &applicant);
    ctx.insert("sections", &sections);
    ctx.insert("history", &history);
    ctx.insert("others", &others);
    ctx.insert("files", &file_links);
    ctx.insert("choices", &choices);
    if failed {
        render_status(
            state,
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "applications/review.html",
            &ctx,
        )
    } else {
        render(state, "applications/review.html", &ctx)
    }
}

/// One uploaded answer, to the staff of the application's agency only (404 otherwise,
/// and for a file of another application).
async fn file(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let (application, id) = path.into_inner();
    let agency = staff.agency.id.clone();
    let f = state
        .db(move |conn| {
            review::owned(conn, &application, &agency)?;
            review::file_of(conn, &application, &id)
        })
        .await?;
    let p = state.config.upload_dir.join(&f.stored_name);
    let bytes = web::block(move || std::fs::read(p))
        .await?
        .map_err(|_| crate::error::AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(f.content_type.clone())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"download\"; filename*=UTF-8''{}",
                urlencoding::encode(&f.original_name)
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

fn zip_response(name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

/// All files of one application, with index.csv.
async fn application_zip(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let id = path.into_inner();
    let agency = staff.agency.id.clone();
    let dir = state.config.upload_dir.clone();
    let (receipt, bytes) = state
        .db(move |conn| {
            let app = review::owned(conn, &id, &agency)?;
            let entries = review::zip_entries(conn, &agency, &app.announcement_id, Some(&app.id))?;
            Ok((
                app.receipt_no.unwrap_or(app.id),
                super::export::build(&dir, &entries)?,
            ))
        })
        .await?;
    Ok(zip_response(&format!("application-{receipt}.zip"), bytes))
}

#[derive(Deserialize)]
struct ProgramQuery {
    program: String,
}

/// All files of a program's applications in the agency's inbox, with index.csv.
async fn program_zip(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<ProgramQuery>,
) -> AppResult<HttpResponse> {
    let staff = user.staff()?;
    let program = q.into_inner().program;
    let agency = staff.agency.id.clone();
    let dir = state.config.upload_dir.clone();
    let bytes = state
        .db(move |conn| {
            // The program must be the agency's (owned or executed): 404 otherwise.
            crate::announcements::console::owned(conn, &program, &agency)?;
            let entries = review::zip_entries(conn, &agency, &program, None)?;
            super::export::build(&dir, &entries)
        })
        .await?;
    let stamp = format_kst(state.now(), "%Y%m%d");
    Ok(zip_response(&format!("program-files-{stamp}.zip"), bytes))
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    show_page(&state, &user, &csrf, path.into_inner(), None).await
}

async fn change_status(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let values = Form::parse(&body, &[])?;
    csrf.verify(values.get("csrf_token"))?;
    user.staff()?;
    let id = path.into_inner();
    let d = Decision {
        to: values.get("to").to_string(),
        note: values.get("note").to_string(),
        due: values.opt("due"),
    };
    let now = state.now();
    let base = state.config.base_url.clone();
    let (u, aid) = (user.clone(), id.clone());
    let result = state
        .db(move |conn| review::decide(conn, &u, &aid, &d, &base, now))
        .await?;
    match result {
        Ok(_) => Ok(redirect(&format!("/console/applications/{id}?changed=1"))),
        Err(errors) => show_page(&state, &user, &csrf, id, Some((&values, errors))).await,
    }
}
