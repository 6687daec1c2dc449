//! The delivery queue. Each row is one message to one recipient on one channel, keyed by
//! (recipient, announcement, channel, kind): inserting the same key twice does nothing, so
//! re-running a fan-out, a digest or a reminder scan never sends twice.
//!
//! States: `waiting` (held for a digest) → `digested`; `queued` → `sending` (claimed by a
//! worker) → `sent`, or back to `queued` with backoff, or `dead` after the attempt bound;
//! `suppressed` when there is nothing to send to (no push endpoint, unsubscribed).

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;

use super::model::Delivery;
use crate::clock::{from_kst, to_kst};
use crate::db::schema::deliveries;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::ids::{new_id, random_token};
use crate::jobs::queue::{self, QueueTable};

/// A claimed row left `sending` this long belongs to a dead worker.
pub const STALE_AFTER_SECS: i64 = 120;

/// Where a delivery is. See the module comment for the moves between them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Held for a digest.
    Waiting,
    /// Sent as part of a digest.
    Digested,
    Queued,
    Sending,
    Sent,
    Dead,
    /// Nothing to send to (no push endpoint, unsubscribed, channel off).
    Suppressed,
}

impl DeliveryStatus {
    /// The value in the `status` column.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Waiting => "waiting",
            DeliveryStatus::Digested => "digested",
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Dead => "dead",
            DeliveryStatus::Suppressed => "suppressed",
        }
    }
}

crate::text_enum!(DeliveryStatus {
    Waiting,
    Digested,
    Queued,
    Sending,
    Sent,
    Dead,
    Suppressed
});

/// A message about to be queued.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub user_id: Option<String>,
    pub subscription_id: Option<String>,
    pub announcement_id: Option<String>,
    pub agency_id: Option<String>,
    pub channel: String,
    pub kind: String,
    pub frequency: String,
    pub address: String,
    pub reason: String,
    pub detail: serde_json::Value,
}

impl NewDelivery {
    /// Who receives it: the account, or (without one) the email address.
    pub fn recipient(&self) -> String {
        match &self.user_id {
            Some(u) => format!("u:{u}"),
            None => format!("e:{}", self.address.to_lowercase()),
        }
    }
    /// The unique key: (recipient, announcement, channel, kind).
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.recipient(),
            self.announcement_id.as_deref().unwrap_or("-"),
            self.channel,
            self.kind
        )
    }
}

/// Quiet hours: SMS and push wait from 21:00 to 08:00 KST; email never waits.
pub fn hold_until(channel: &str, now: NaiveDateTime) -> NaiveDateTime {
    if channel == "email" {
        return now;
    }
    let local = to_kst(now);
    let h = local.hour();
    if (8..21).contains(&h) {
        return now;
    }
    let day = if h >= 21 {
        local.date() + Duration::days(1)
    } else {
        local.date()
    };
    from_kst(day.and_hms_opt(8, 0, 0).unwrap_or(local))
}

pub fn in_quiet_hours(channel: &str, now: NaiveDateTime) -> bool {
    hold_until(channel, now) > now
}

/// Per-user daily caps on instant messages: past the cap, a message goes into the
/// day's email digest instead.
#[derive(Debug, Default)]
pub struct Caps {
    used: HashMap<(String, String), i64>,
}

impl Caps {
    /// Count what each of these users was already sent today (KST).
    pub fn load(
        &mut self,
        conn: &mut DbConnection,
        user_ids: &[String],
        now: NaiveDateTime,
    ) -> AppResult<()> {
        let day_start = crate::clock::start_of_kst_day(to_kst(now).date());
        let missing: Vec<String> = user_ids
            .iter()
            .filter(|u| !self.used.contains_key(&((*u).clone(), "email".to_string())))
            .cloned()
            .collect();
        for chunk in missing.chunks(500) {
            let rows: Vec<(Option<String>, String, i64)> = deliveries::table
                .filter(deliveries::user_id.eq_any(chunk))
                .filter(deliveries::frequency.eq("instant"))
                .filter(deliveries::created_at.ge(day_start))
                .group_by((deliveries::user_id, deliveries::channel))
                .select((
                    deliveries::user_id,
                    deliveries::channel,
                    diesel::dsl::count_star(),
                ))
                .load(conn)?;
            for u in chunk {
                for ch in super::model::CHANNELS {
                    self.used.entry((u.clone(), ch.to_string())).or_insert(0);
                }
            }
            for (u, ch, n) in rows {
                if let Some(u) = u {
                    self.used.insert((u, ch), n);
                }
            }
        }
        Ok(())
    }

    /// Count `d` against its user's cap; past it, turn it into a digest item.
    /// `None` when the message is over the cap and there is no email to digest it to.
    /// `daily_cap`: the owner's (`None` for an email-only subscriber, who has none).
    pub fn apply(
        &mut self,
        mut d: NewDelivery,
        daily_cap: Option<i32>,
        email: Option<&str>,
    ) -> Option<NewDelivery> {
        let (Some(u), Some(cap)) = (&d.user_id, daily_cap) else {
            return Some(d);
        };
        if d.frequency != "instant" {
            return Some(d);
        }
        let used = self.used.entry((u.clone(), d.channel.clone())).or_insert(0);
        *used += 1;
        if *used > cap.max(1) as i64 {
            d.frequency = "daily".into();
            if d.channel != "email" {
                d.channel = "email".into();
                d.address = email?.to_string();
            }
            d.reason = format!("{} (하루 알림 한도를 넘어 요약으로 보냄)", d.reason);
        }
        Some(d)
    }
}

pub fn row(d: &NewDelivery, now: NaiveDateTime) -> Delivery {
    let instant = d.frequency == "instant";
    Delivery {
        id: new_id(),
        dedupe_key: d.key(),
        user_id: d.user_id.clone(),
        subscription_id: d.subscription_id.clone(),
        announcement_id: d.announcement_id.clone(),
        agency_id: d.agency_id.clone(),
        channel: d.channel.clone(),
        kind: d.kind.clone(),
        frequency: d.frequency.clone(),
        address: d.address.clone(),
        reason: d.reason.clone(),
        detail: d.detail.to_string(),
        short_code: random_token(10),
        status: if instant {
            DeliveryStatus::Queued
        } else {
            DeliveryStatus::Waiting
        },
        attempts: 0,
        next_attempt_at: if instant {
            hold_until(&d.channel, now)
        } else {
            now
        },
        locked_by: None,
        locked_at: None,
        last_error: None,
        digest_id: None,
        created_at: now,
        sent_at: None,
        opened_at: None,
        clicked_at: None,
    }
}

/// Insert one row unless its key exists. Returns whether it was new.
pub fn insert_one(conn: &mut DbConnection, d: &Delivery) -> AppResult<bool> {
    let n = crate::insert_or_ignore!(conn, deliveries::table, d)?;
    Ok(n > 0)
}

/// Insert many (in transactions of 500); existing keys are left alone. Returns how
/// many were new.
pub fn insert_all(
    conn: &mut DbConnection,
    items: &[NewDelivery],
    now: NaiveDateTime,
) -> AppResult<usize> {
    let mut created = 0;
    for chunk in items.chunks(500) {
        created += crate::db::write_transaction(conn, |conn| {
            let mut n = 0;
            for d in chunk {
                if d.channel == "email" && d.address.is_empty() {
                    continue;
                }
                if insert_one(conn, &row(d, now))? {
                    n += 1;
                }
            }
            AppResult::Ok(n)
        })?;
    }
    Ok(created)
}

/// Queue an account email (verification, password reset, subscription confirmation,
/// invitation) in the caller's transaction. `detail` carries what the message shows
/// (e.g. the link); `unique` makes the key.
pub fn queue_account_email(
    conn: &mut DbConnection,
    user_id: Option<&str>,
    email: &str,
    kind: &str,
    unique: &str,
    detail: serde_json::Value,
    now: NaiveDateTime,
) -> AppResult<()> {
    queue_account_message(conn, "email", user_id, email, kind, unique, detail, now)
}

/// The same account message as a web push to every browser `user_id` registered, when
/// there is one (nothing is queued otherwise). Quiet hours hold it like any push.
pub fn queue_account_push(
    conn: &mut DbConnection,
    user_id: &str,
    kind: &str,
    unique: &str,
    detail: serde_json::Value,
    now: NaiveDateTime,
) -> AppResult<()> {
    if super::store::push_endpoints_of(conn, user_id)?.is_empty() {
        return Ok(());
    }
    queue_account_message(conn, "push", Some(user_id), "", kind, unique, detail, now)
}

#[allow(clippy::too_many_arguments)]
fn queue_account_message(
    conn: &mut DbConnection,
    channel: &str,
    user_id: Option<&str>,
    address: &str,
    kind: &str,
    unique: &str,
    detail: serde_json::Value,
    now: NaiveDateTime,
) -> AppResult<()> {
    let d = NewDelivery {
        user_id: user_id.map(String::from),
        subscription_id: None,
        announcement_id: None,
        agency_id: None,
        channel: channel.into(),
        kind: format!("{kind}:{unique}"),
        frequency: "instant".into(),
        address: address.to_string(),
        reason: String::new(),
        detail,
    };
    insert_one(conn, &row(&d, now))?;
    Ok(())
}

/// The deliveries table as a queue (`jobs::queue`): `queued` → `sending` → `sent`, or
/// back to `queued` with backoff, or `dead`. `waiting`, `digested` and `suppressed` are
/// this table's own.
pub const DELIVERIES: QueueTable = QueueTable {
    table: "deliveries",
    due_at: "next_attempt_at",
    updated_at: None,
    queued: DeliveryStatus::Queued.as_str(),
    claimed: DeliveryStatus::Sending.as_str(),
    dead: DeliveryStatus::Dead.as_str(),
    retry_from: &[DeliveryStatus::Dead.as_str()],
    stale_after_secs: STALE_AFTER_SECS,
    error_chars: 1000,
};

/// Claim up to `limit` due rows for `worker` (`jobs::queue::claim`).
pub fn claim(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<Delivery>> {
    crate::db::write_transaction(conn, |conn| {
        let ids = queue::claim(conn, &DELIVERIES, worker, now, limit, None)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(deliveries::table
            .filter(deliveries::id.eq_any(&ids))
            .order((deliveries::next_attempt_at.asc(), deliveries::id.asc()))
            .select(Delivery::as_select())
            .load(conn)?)
    })
}

pub fn mark_sent(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::status.eq(DeliveryStatus::Sent),
            deliveries::sent_at.eq(Some(now)),
            deliveries::locked_by.eq(None::<String>),
            deliveries::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn clear_detail(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    diesel::update(deliveries::table.find(id))
        .set(deliveries::detail.eq("{}"))
        .execute(conn)?;
    Ok(())
}

/// Back to the queue at `at` without counting an attempt (quiet hours).
pub fn hold(conn: &mut DbConnection, d: &Delivery, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(deliveries::table.find(&d.id))
        .set((
            deliveries::status.eq(DeliveryStatus::Queued),
            deliveries::next_attempt_at.eq(at),
            deliveries::attempts.eq((d.attempts - 1).max(0)),
            deliveries::locked_by.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A failed attempt: retry later, or dead-letter (`permanent`, or out of attempts).
pub fn mark_failed(
    conn: &mut DbConnection,
    d: &Delivery,
    error: &str,
    permanent: bool,
    max_attempts: i32,
    now: NaiveDateTime,
) -> AppResult<()> {
    let dead = permanent || d.attempts >= max_attempts;
    queue::fail(conn, &DELIVERIES, &d.id, d.attempts, dead, error, now)
}

pub fn mark_suppressed(conn: &mut DbConnection, id: &str, why: &str) -> AppResult<()> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::status.eq(DeliveryStatus::Suppressed),
            deliveries::last_error.eq(Some(why.to_string())),
            deliveries::locked_by.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Rows claimed by a worker that died: back to the queue. Their message may or may not
/// have been handed over; the resend carries the same message id / idempotency key /
/// push topic, so the receiving side can recognise it.
pub fn requeue_stale(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<usize> {
    queue::requeue_stale(conn, &DELIVERIES, now)
}

/// Operator retry of a dead delivery.
pub fn retry(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<bool> {
    queue::retry(conn, &DELIVERIES, id, now)
}

pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<Option<Delivery>> {
    Ok(deliveries::table
        .find(id)
        .select(Delivery::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> AppResult<Option<Delivery>> {
    Ok(deliveries::table
        .filter(deliveries::short_code.eq(code))
        .select(Delivery::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_status(
    conn: &mut DbConnection,
    status: DeliveryStatus,
    limit: i64,
) -> AppResult<Vec<Delivery>> {
    Ok(deliveries::table
        .filter(deliveries::status.eq(status.as_str()))
        .order(deliveries::created_at.desc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)?)
}

pub fn counts(conn: &mut DbConnection) -> AppResult<Vec<(String, String, i64)>> {
    Ok(deliveries::table
        .group_by((deliveries::channel, deliveries::status))
        .select((
            deliveries::channel,
            deliveries::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)?)
}

pub fn mark_opened(conn: &mut DbConnection, code: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        deliveries::table
            .filter(deliveries::short_code.eq(code))
            .filter(deliveries::opened_at.is_null()),
    )
    .set(deliveries::opened_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

pub fn mark_clicked(conn: &mut DbConnection, code: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        deliveries::table
            .filter(deliveries::short_code.eq(code))
            .filter(deliveries::clicked_at.is_null()),
    )
    .set(deliveries::clicked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

// --- the agency's report ----------------------------------------------------------------

/// Per channel: how many were sent, delivered to the channel, failed, are still pending,
/// had nothing to send to, were opened and clicked.
pub fn results(
    conn: &mut DbConnection,
    announcement_id: &str,
) -> AppResult<Vec<serde_json::Value>> {
    use crate::db::schema::deliveries as d;
    use diesel::prelude::*;
    let rows: Vec<(
        String,
        String,
        Option<chrono::NaiveDateTime>,
        Option<chrono::NaiveDateTime>,
    )> = d::table
        .filter(d::announcement_id.eq(announcement_id))
        .select((d::channel, d::status, d::opened_at, d::clicked_at))
        .load(conn)?;
    let mut by: std::collections::BTreeMap<String, [i64; 7]> = std::collections::BTreeMap::new();
    for (ch, status, opened, clicked) in rows {
        let e = by.entry(ch).or_default();
        e[0] += 1;
        match status.as_str() {
            "sent" => e[1] += 1,
            "dead" => e[2] += 1,
            "suppressed" => e[4] += 1,
            _ => e[3] += 1,
        }
        if opened.is_some() {
            e[5] += 1;
        }
        if clicked.is_some() {
            e[6] += 1;
        }
    }
    Ok(by
        .into_iter()
        .map(|(ch, n)| {
            serde_json::json!({
                "channel": super::model::channel_label(&ch), "total": n[0], "sent": n[1], "failed": n[2],
                "pending": n[3], "suppressed": n[4], "opened": n[5], "clicked": n[6],
            })
        })
        .collect())
}

/// First send of an announcement's alerts (KST date), if any.
pub fn first_send_day(
    conn: &mut DbConnection,
    announcement_id: &str,
) -> AppResult<Option<chrono::NaiveDate>> {
    use crate::db::schema::deliveries as d;
    use diesel::prelude::*;
    let t: Option<chrono::NaiveDateTime> = d::table
        .filter(d::announcement_id.eq(announcement_id))
        .filter(d::sent_at.is_not_null())
        .select(diesel::dsl::min(d::sent_at))
        .first(conn)?;
    Ok(t.map(|t| crate::clock::to_kst(t).date()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn kst(h: u32, m: u32) -> NaiveDateTime {
        from_kst(
            NaiveDate::from_ymd_opt(2026, 11, 24)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap(),
        )
    }

    #[test]
    fn quiet_hours_hold_sms_and_push_not_email() {
        assert_eq!(hold_until("email", kst(3, 0)), kst(3, 0));
        assert_eq!(hold_until("sms", kst(12, 0)), kst(12, 0));
        assert_eq!(hold_until("sms", kst(3, 0)), kst(8, 0));
        assert_eq!(hold_until("push", kst(7, 59)), kst(8, 0));
        assert_eq!(hold_until("sms", kst(20, 59)), kst(20, 59));
        // 21:00 waits for 08:00 the next morning.
        assert_eq!(hold_until("sms", kst(21, 0)), kst(8, 0) + Duration::days(1));
        assert!(in_quiet_hours("push", kst(23, 30)));
        assert!(!in_quiet_hours("email", kst(23, 30)));
    }

    #[test]
    fn keys_identify_recipient_announcement_channel_kind() {
        let d = NewDelivery {
            user_id: None,
            subscription_id: Some("s1".into()),
            announcement_id: Some("a1".into()),
            agency_id: None,
            channel: "email".into(),
            kind: "new".into(),
            frequency: "instant".into(),
            address: "Owner@Example.com".into(),
            reason: String::new(),
            detail: serde_json::json!({}),
        };
        let mut other_sub = d.clone();
        other_sub.subscription_id = Some("s2".into());
        other_sub.address = "owner@example.com".into();
        // Two email-only subscriptions of the same address: one message.
        assert_eq!(d.key(), other_sub.key());
        let mut sms = d.clone();
        sms.channel = "sms".into();
        assert_ne!(d.key(), sms.key());
    }
}
