//! Operator page: the job queue, failures (dead letters) and retry.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::accounts::page;
use crate::accounts::{Csrf, CurrentUser};
use crate::clock::format_kst;
use crate::error::AppResult;
use crate::web::routes::{Access, Object, Routes};
use crate::web::{redirect, render};
use crate::AppState;

pub fn routes(r: &mut Routes) {
    r.get("/admin/jobs", index, Access::Operator).post(
        "/admin/jobs/{id}/retry",
        retry,
        Access::Operator.on(Object::Job),
    );
}

async fn index(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<HttpResponse> {
    user.require_operator()?;
    let (counts, dead, queued, imports) = state
        .db(|conn| {
            Ok((
                crate::jobs::counts(conn)?,
                crate::jobs::list(conn, crate::jobs::JobStatus::Dead, 100)?,
                crate::jobs::list(conn, crate::jobs::JobStatus::Queued, 100)?,
                crate::ingest::service::recent_runs(conn, 20)?,
            ))
        })
        .await?;
    let fmt = |jobs: Vec<crate::jobs::QueuedJob>| -> Vec<serde_json::Value> {
        jobs.into_iter()
            .map(|j| serde_json::json!({"id": j.id, "kind": j.kind, "payload": j.payload, "attempts": j.attempts, "run_at": format_kst(j.run_at, "%Y.%m.%d %H:%M:%S"), "error": j.last_error}))
            .collect()
    };
    let mut ctx = page(Some(&user), Some(&csrf));
    ctx.insert("counts", &counts);
    ctx.insert("dead", &fmt(dead));
    ctx.insert("queued", &fmt(queued));
    let imports: Vec<serde_json::Value> = imports
        .into_iter()
        .map(|r| serde_json::json!({"source": r.source, "location": r.location, "started": format_kst(r.started_at, "%Y.%m.%d %H:%M"), "new": r.new_count, "changed": r.changed_count, "unchanged": r.unchanged_count, "merged": r.merged_count, "noted": r.noted_count, "rejected": r.rejected_count, "error": r.error}))
        .collect();
    ctx.insert("imports", &imports);
    render(&state, "admin/jobs.html", &ctx)
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf_token: String,
}

async fn retry(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    csrf.verify(&form.csrf_token)?;
    user.require_operator()?;
    let id = path.into_inner();
    let now = state.now();
    state
        .db(move |conn| crate::jobs::retry(conn, &id, now))
        .await?;
    Ok(redirect("/admin/jobs"))
}
