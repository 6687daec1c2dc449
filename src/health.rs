//! `/healthz`: what a load balancer and an operator ask of a node. It sits above the
//! domains (it reads the job queue and the search engine), so it is not in `web`.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::web::routes::{Access, Routes};
use crate::AppState;

pub fn routes(r: &mut Routes) {
    r.get("/healthz", healthz, Access::Public);
}

/// Liveness and dependencies: the database, the search engine, the workers and the
/// queues. A search engine that is down is "degraded" (the site still works); a database
/// that is down, or no worker tick for longer than `JIWON_HEALTH_MAX_WORKER_AGE_SECS`
/// (scheduled publications, closings and alerts would silently stop), answers 503.
async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let now = state.now();
    let db = state
        .db(move |conn| {
            crate::reference::counts(conn)?;
            crate::jobs::queue_health(conn, &crate::alerts::delivery::DELIVERIES, now)
        })
        .await;
    let st = state.clone();
    let search = web::block(move || {
        let engine = st.search.name();
        (engine, st.search.health().and_then(|_| st.search.count()))
    })
    .await;
    let (engine, search_status, documents) = match search {
        Ok((engine, Ok(n))) => (engine, "ok".to_string(), Some(n)),
        Ok((engine, Err(e))) => (engine, format!("unavailable: {e}"), None),
        Err(_) => ("unknown", "unavailable".to_string(), None),
    };
    let max_age = state.config.health_max_worker_age_secs;
    let mut problems: Vec<String> = Vec::new();
    match &db {
        Err(e) => problems.push(format!("database unavailable: {}", e.code())),
        Ok(q) => match q.worker_age_secs {
            None => problems.push("no worker has ever ticked".into()),
            Some(age) if age > max_age as i64 => {
                problems.push(format!("no worker tick for {age} s (limit {max_age} s)"))
            }
            Some(_) => {}
        },
    }
    let queue = db.as_ref().ok();
    let body = serde_json::json!({
        "status": if !problems.is_empty() { "down" } else if documents.is_none() { "degraded" } else { "ok" },
        "problems": problems,
        "database": match &db { Ok(_) => "ok", Err(e) => e.code() },
        "search": {"engine": engine, "status": search_status, "documents": documents},
        "worker": {
            "last_tick_at": queue.and_then(|q| q.last_tick_at).map(|t| t.and_utc().to_rfc3339()),
            "age_secs": queue.and_then(|q| q.worker_age_secs),
            "max_age_secs": max_age,
            "name": queue.and_then(|q| q.worker.clone()),
            "host": queue.and_then(|q| q.host.clone()),
        },
        "queue": {
            "oldest_due_job_secs": queue.and_then(|q| q.oldest_due_job_secs),
            "oldest_due_delivery_secs": queue.and_then(|q| q.oldest_due_delivery_secs),
        },
    });
    let mut resp = if problems.is_empty() {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    resp.insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}
