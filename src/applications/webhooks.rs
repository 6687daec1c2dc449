//! Webhooks to the agency's own system: an agency admin sets one URL (public https; a
//! local http receiver only when `JIWON_PUSH_ALLOW_PRIVATE=1`, which production refuses),
//! gets a secret shown once, rotates it (the previous one still signs beside the new one
//! until the next rotation) or deactivates it. Routing a submission writes one
//! `webhook_deliveries` row and queues `deliver_webhook` in the same transaction; the job
//! POSTs signed JSON and a non-2xx answer fails the job, so the queue retries with backoff.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use super::model::Application;
use crate::audit::{self, Actor};
use crate::clock::format_kst;
use crate::db::schema::{agency_webhooks, announcements, businesses, webhook_deliveries};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::{new_id, random_token};
use crate::jobs::{self, Job, JobKind, Registry, WorkerContext};

/// Whether a webhook may go to a local http receiver (tests, development).
pub struct AllowPrivate(pub bool);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = agency_webhooks)]
pub struct Webhook {
    pub id: String,
    pub agency_id: String,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
}

/// How long the previous secret keeps signing after a rotation: a day to deploy the new
/// one on the agency's side.
pub const ROTATION_HOURS: i64 = 24;

impl Webhook {
    /// The previous secret while it still signs (within [`ROTATION_HOURS`] of the rotation).
    pub fn previous_until(&self, now: NaiveDateTime) -> Option<(&str, NaiveDateTime)> {
        let until = self.rotated_at? + chrono::Duration::hours(ROTATION_HOURS);
        let prev = self.previous_secret.as_deref()?;
        (now < until).then_some((prev, until))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    pub application_id: String,
    pub event: String,
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: String,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

fn new_secret() -> String {
    format!("whsec_{}", random_token(32))
}

/// The agency's webhook (active or not; at most one is kept per agency).
pub fn of_agency(conn: &mut DbConnection, agency_id: &str) -> AppResult<Option<Webhook>> {
    Ok(agency_webhooks::table
        .filter(agency_webhooks::agency_id.eq(agency_id))
        .order(agency_webhooks::created_at.desc())
        .select(Webhook::as_select())
        .first(conn)
        .optional()?)
}

/// Set the agency's URL (activating it). Returns the secret when a new one was made (to show
/// once): a first webhook gets one; changing the URL keeps the secret.
pub fn set_url(
    conn: &mut DbConnection,
    by: &dyn Actor,
    url: &str,
    now: NaiveDateTime,
) -> AppResult<Option<String>> {
    let agency_id = super::agency_of(by)?;
    crate::db::write_transaction(conn, |conn| {
        let (id, secret) = match of_agency(conn, &agency_id)? {
            Some(h) => {
                diesel::update(agency_webhooks::table.find(&h.id))
                    .set((
                        agency_webhooks::url.eq(url),
                        agency_webhooks::active.eq(true),
                    ))
                    .execute(conn)?;
                (h.id, None)
            }
            None => {
                let secret = new_secret();
                let id = new_id();
                diesel::insert_into(agency_webhooks::table)
                    .values(&Webhook {
                        id: id.clone(),
                        agency_id: agency_id.clone(),
                        url: url.into(),
                        secret: secret.clone(),
                        previous_secret: None,
                        active: true,
                        created_at: now,
                        rotated_at: None,
                    })
                    .execute(conn)?;
                (id, Some(secret))
            }
        };
        audit::record(conn, by, "webhook.set", "webhook", &id, url, now)?;
        Ok(secret)
    })
}

/// A new secret (returned to show once); the old one keeps signing beside it for
/// [`ROTATION_HOURS`] (or until the next rotation). `None` when the agency has no webhook yet.
pub fn rotate(
    conn: &mut DbConnection,
    by: &dyn Actor,
    now: NaiveDateTime,
) -> AppResult<Option<String>> {
    let agency_id = super::agency_of(by)?;
    crate::db::write_transaction(conn, |conn| {
        let Some(h) = of_agency(conn, &agency_id)? else {
            return Ok(None);
        };
        let secret = new_secret();
        diesel::update(agency_webhooks::table.find(&h.id))
            .set((
                agency_webhooks::secret.eq(&secret),
                agency_webhooks::previous_secret.eq(Some(&h.secret)),
                agency_webhooks::rotated_at.eq(Some(now)),
            ))
            .execute(conn)?;
        audit::record(conn, by, "webhook.rotate", "webhook", &h.id, "", now)?;
        Ok(Some(secret))
    })
}

pub fn deactivate(conn: &mut DbConnection, by: &dyn Actor, now: NaiveDateTime) -> AppResult<()> {
    let agency_id = super::agency_of(by)?;
    crate::db::write_transaction(conn, |conn| {
        let Some(h) = of_agency(conn, &agency_id)? else {
            return Ok(());
        };
        diesel::update(agency_webhooks::table.filter(agency_webhooks::agency_id.eq(&agency_id)))
            .set(agency_webhooks::active.eq(false))
            .execute(conn)?;
        audit::record(conn, by, "webhook.deactivate", "webhook", &h.id, "", now)
    })
}

/// A delivery row as the log shows it (with the application's receipt number).
pub struct LogRow {
    pub delivery: Delivery,
    pub receipt_no: Option<String>,
}

/// The agency's deliveries, newest first.
pub fn log(conn: &mut DbConnection, agency_id: &str, limit: i64) -> AppResult<Vec<LogRow>> {
    use crate::db::schema::applications;
    let rows: Vec<(Delivery, Option<String>)> = webhook_deliveries::table
        .inner_join(agency_webhooks::table)
        .inner_join(applications::table.on(applications::id.eq(webhook_deliveries::application_id)))
        .filter(agency_webhooks::agency_id.eq(agency_id))
        .order(webhook_deliveries::created_at.desc())
        .limit(limit)
        .select((Delivery::as_select(), applications::receipt_no))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(delivery, receipt_no)| LogRow {
            delivery,
            receipt_no,
        })
        .collect())
}

/// Queue the delivery of `application` to its agency's active webhook (inside routing's
/// transaction). Nothing when the agency has none.
pub fn enqueue_for(
    conn: &mut DbConnection,
    app: &Application,
    event: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let Some(h) = of_agency(conn, &app.agency_id)?.filter(|h| h.active) else {
        return Ok(());
    };
    let d = Delivery {
        id: new_id(),
        webhook_id: h.id,
        application_id: app.id.clone(),
        event: format!("application.{event}"),
        status: "pending".into(),
        attempts: 0,
        last_status_code: None,
        last_error: String::new(),
        created_at: now,
        delivered_at: None,
    };
    diesel::insert_into(webhook_deliveries::table)
        .values(&d)
        .execute(conn)?;
    enqueue_attempt(conn, &d.id, now)
}

fn enqueue_attempt(
    conn: &mut DbConnection,
    delivery_id: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    jobs::enqueue::<DeliverWebhook>(
        conn,
        &Deliver {
            delivery_id: delivery_id.into(),
        },
        now,
        Some(format!(
            "webhook:{delivery_id}:{}",
            now.and_utc().timestamp_micros()
        )),
        now,
    )
}

/// Send a delivery of the agency's again (replay): 404 for another agency's.
pub fn replay(
    conn: &mut DbConnection,
    by: &dyn Actor,
    delivery_id: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let agency_id = super::agency_of(by)?;
    crate::db::write_transaction(conn, |conn| {
        let found: Option<String> = webhook_deliveries::table
            .inner_join(agency_webhooks::table)
            .filter(webhook_deliveries::id.eq(delivery_id))
            .filter(agency_webhooks::agency_id.eq(&agency_id))
            .select(webhook_deliveries::id)
            .first(conn)
            .optional()?;
        let id = found.ok_or(AppError::NotFound)?;
        diesel::update(webhook_deliveries::table.find(&id))
            .set(webhook_deliveries::status.eq("pending"))
            .execute(conn)?;
        audit::record(conn, by, "webhook.replay", "webhook_delivery", &id, "", now)?;
        enqueue_attempt(conn, &id, now)
    })
}

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The signature header: the current secret's, then the previous one's during the day
/// after a rotation.
pub fn signature_header(h: &Webhook, now: NaiveDateTime, body: &str) -> String {
    let timestamp = now.and_utc().timestamp();
    let mut s = signature(&h.secret, timestamp, body);
    if let Some((prev, _)) = h.previous_until(now) {
        s.push_str(", ");
        s.push_str(&signature(prev, timestamp, body));
    }
    s
}

/// Where an agency's system downloads a file of an application: the pull API's file route
/// (`pull`, opened by the agency's API key). The webhook's payload and the pull API's both
/// carry this URL.
pub fn file_url(base: &str, application_id: &str, file_id: &str) -> String {
    format!(
        "{}/api/v1/agency/applications/{application_id}/files/{file_id}",
        base.trim_end_matches('/')
    )
}

/// The application as the agency's system receives it — one shape for the webhook's body
/// (which adds the delivery's `id` and `event`) and the pull API's answer (`pull`, which
/// sets `id` to the application's): receipt number, program, business, status, submission
/// time (KST), the applicant snapshot, the answers and the files with their URLs.
pub fn payload(conn: &mut DbConnection, app: &Application, base: &str) -> AppResult<Value> {
    let (program_title,): (String,) = announcements::table
        .find(&app.announcement_id)
        .select((announcements::title,))
        .first(conn)?;
    let (biz_name, biz_number): (String, String) = businesses::table
        .find(&app.business_id)
        .select((businesses::name, businesses::business_number))
        .first(conn)?;
    let applicant: Value = serde_json::from_str(&app.applicant_json).unwrap_or(Value::Null);
    let answers: Value = serde_json::from_str(&app.answers_json).unwrap_or(Value::Null);
    let files: Vec<Value> = super::review::files(conn, &app.id)?
        .into_iter()
        .map(|f| {
            json!({"id": f.id, "name": f.original_name, "size": f.size_bytes,
                   "content_type": f.content_type,
                   "url": file_url(base, &app.id, &f.id)})
        })
        .collect();
    Ok(json!({
        "application_id": app.id,
        "receipt_no": app.receipt_no,
        "program": {"id": app.announcement_id, "title": program_title},
        "business": {"name": biz_name, "number": biz_number},
        "status": app.status,
        "submitted_at": app.submitted_at.map(|t| format_kst(t, "%Y-%m-%dT%H:%M:%S+09:00")),
        "updated_at": format_kst(app.updated_at, "%Y-%m-%dT%H:%M:%S+09:00"),
        "applicant": applicant,
        "answers": answers,
        "files": files,
    }))
}

/// The webhook's body: the payload, with the delivery's id and event.
fn body(conn: &mut DbConnection, d: &Delivery, app: &Application, base: &str) -> AppResult<String> {
    let mut v = payload(conn, app, base)?;
    v["id"] = json!(d.id);
    v["event"] = json!(d.event);
    Ok(v.to_string())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deliver {
    pub delivery_id: String,
}

pub struct DeliverWebhook;

impl JobKind for DeliverWebhook {
    const KIND: &'static str = "deliver_webhook";
    type Payload = Deliver;
}

impl Job for DeliverWebhook {
    type Kind = Self;
    type Context = WorkerContext;

    fn run(ctx: &WorkerContext, p: Deliver) -> AppResult<()> {
        deliver(ctx, &p.delivery_id)
    }
}

pub fn register(r: &mut Registry<WorkerContext>) {
    r.register::<DeliverWebhook>();
}

/// One attempt: POST, record the outcome; a failure is the job's error (the queue retries).
pub fn deliver(ctx: &WorkerContext, delivery_id: &str) -> AppResult<()> {
    let base = ctx
        .get::<super::jobs::BaseUrl>()
        .map(|b| b.0.clone())
        .unwrap_or_default();
    let allow_private = ctx.get::<AllowPrivate>().map(|a| a.0).unwrap_or(false);
    let now = ctx.now();
    let mut conn = ctx.conn()?;
    let Some(d) = webhook_deliveries::table
        .find(delivery_id)
        .select(Delivery::as_select())
        .first(&mut conn)
        .optional()?
    else {
        return Ok(());
    };
    if d.status == "delivered" {
        return Ok(());
    }
    let h: Webhook = agency_webhooks::table
        .find(&d.webhook_id)
        .select(Webhook::as_select())
        .first(&mut conn)?;
    if !h.active {
        diesel::update(webhook_deliveries::table.find(&d.id))
            .set((
                webhook_deliveries::status.eq("skipped"),
                webhook_deliveries::last_error.eq("웹훅이 꺼져 있습니다"),
            ))
            .execute(&mut conn)?;
        return Ok(());
    }
    let Some(app) = super::store::application(&mut conn, &d.application_id)? else {
        return Ok(());
    };
    let body = body(&mut conn, &d, &app, &base)?;
    let ts = now.and_utc().timestamp();
    let outcome = super::super::alerts::endpoint::check_shape(&h.url, allow_private)
        .map_err(|e| (None, e))
        .and_then(|_| {
            let agent = ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(10))
                .redirects(0)
                .resolver(crate::alerts::endpoint::PublicOnly { allow_private })
                .build();
            match agent
                .post(&h.url)
                .set("Content-Type", "application/json")
                .set("X-Jiwon-Event", &d.event)
                .set("X-Jiwon-Delivery", &d.id)
                .set("X-Jiwon-Timestamp", &ts.to_string())
                .set("X-Jiwon-Signature", &signature_header(&h, now, &body))
                .send_string(&body)
            {
                Ok(r) if (200..300).contains(&r.status()) => Ok(r.status()),
                Ok(r) => Err((Some(r.status()), format!("HTTP {}", r.status()))),
                Err(ureq::Error::Status(code, _)) => Err((Some(code), format!("HTTP {code}"))),
                Err(e) => Err((None, e.to_string())),
            }
        });
    let attempts = d.attempts + 1;
    match outcome {
        Ok(code) => {
            diesel::update(webhook_deliveries::table.find(&d.id))
                .set((
                    webhook_deliveries::status.eq("delivered"),
                    webhook_deliveries::attempts.eq(attempts),
                    webhook_deliveries::last_status_code.eq(Some(code as i32)),
                    webhook_deliveries::last_error.eq(""),
                    webhook_deliveries::delivered_at.eq(Some(now)),
                ))
                .execute(&mut conn)?;
            Ok(())
        }
        Err((code, why)) => {
            let why: String = why.chars().take(300).collect();
            diesel::update(webhook_deliveries::table.find(&d.id))
                .set((
                    webhook_deliveries::status.eq("failed"),
                    webhook_deliveries::attempts.eq(attempts),
                    webhook_deliveries::last_status_code.eq(code.map(|c| c as i32)),
                    webhook_deliveries::last_error.eq(&why),
                ))
                .execute(&mut conn)?;
            Err(AppError::Internal(format!("webhook {}: {why}", d.id)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        // Known vector: python3 -c 'import hmac,hashlib;print(hmac.new(b"k",b"1.{}",hashlib.sha256).hexdigest())'
        let s = signature("k", 1, "{}");
        assert_eq!(
            s,
            "v1=3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158"
        );
        assert_ne!(s, signature("k2", 1, "{}"));
    }
}
