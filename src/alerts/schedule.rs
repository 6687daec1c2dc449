//! Periodic work of the alerts: deadline reminders for bookmarks, and digests built per
//! recipient at their hour. Both are idempotent scans — their deliveries' unique keys make
//! running them every tick (or twice, or after a crash) harmless.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDateTime, Timelike, Weekday};
use diesel::prelude::*;

use super::delivery::{self, NewDelivery};
use super::model::{Delivery, OwnerProfile};
use super::store;
use crate::clock::to_kst;
use crate::db::schema::{announcements, bookmarks, deliveries, users};
use crate::db::DbConnection;
use crate::error::AppResult;

/// Queue the reminders that are due: for each bookmark of an open announcement, the
/// nearest configured day (D-7, D-1 …) not yet passed. Returns how many were queued.
/// `off`: channels the operator switched off; no reminder is queued on them.
pub fn queue_reminders(
    conn: &mut DbConnection,
    off: &[&str],
    now: NaiveDateTime,
) -> AppResult<usize> {
    let today = to_kst(now).date();
    let horizon = now + Duration::days(31);
    let rows: Vec<(String, String, Option<String>, Option<NaiveDateTime>)> = bookmarks::table
        .inner_join(announcements::table)
        .filter(announcements::status.eq(crate::announcements::model::Status::Published.as_str()))
        .filter(announcements::apply_end.gt(now))
        .filter(announcements::apply_end.le(horizon))
        .select((
            bookmarks::user_id,
            bookmarks::announcement_id,
            announcements::owner_agency_id,
            announcements::apply_end,
        ))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let user_ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let profiles: HashMap<String, OwnerProfile> = store::profiles_of(conn, &user_ids)?
        .into_iter()
        .map(|p| (p.user_id.clone(), p))
        .collect();
    let mut emails: HashMap<String, String> = HashMap::new();
    for chunk in user_ids.chunks(500) {
        emails.extend(
            users::table
                .filter(users::id.eq_any(chunk))
                .select((users::id, users::email))
                .load::<(String, String)>(conn)?,
        );
    }
    // Reminders stopped for one announcement (the way out of an earlier reminder).
    let ann_ids: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    let muted = store::mutes_of(conn, &ann_ids, store::MUTE_REMINDER)?;
    let mut out = Vec::new();
    for (user, ann, agency, end) in rows {
        if muted.contains(&(format!("u:{user}"), ann.clone())) {
            continue;
        }
        let Some(end) = end else { continue };
        let days_left = (to_kst(end).date() - today).num_days();
        let profile = profiles.get(&user);
        let mut days = profile
            .map(|p| p.reminder_day_list())
            .unwrap_or_else(|| vec![7, 1]);
        days.sort_unstable();
        // The nearest reminder day at or after today: bookmarked 3 days before the
        // deadline → the D-7 reminder now (saying 3 days), then D-1.
        let Some(stage) = days.into_iter().find(|d| *d >= days_left) else {
            continue;
        };
        let channels = profile
            .map(|p| p.reminder_channel_list())
            .unwrap_or_else(|| vec!["email".into()]);
        for ch in channels {
            if off.contains(&ch.as_str()) {
                continue;
            }
            let address = match ch.as_str() {
                "email" => emails.get(&user).cloned(),
                "sms" => profile.and_then(|p| p.sms_number()),
                "push" => Some(String::new()),
                _ => None,
            };
            let Some(address) = address else { continue };
            out.push(NewDelivery {
                user_id: Some(user.clone()),
                subscription_id: None,
                announcement_id: Some(ann.clone()),
                agency_id: agency.clone(),
                channel: ch,
                kind: format!("reminder_d{stage}"),
                frequency: "instant".into(),
                address,
                reason: "관심 공고 마감 알림".into(),
                detail: serde_json::json!({"days_left": days_left}),
            });
        }
    }
    delivery::insert_all(conn, &out, now)
}

/// Build the digests that are due: per recipient and frequency, at the recipient's hour
/// (KST; weekly on Mondays), one digest row that carries every waiting item.
pub fn build_digests(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<usize> {
    let local = to_kst(now);
    let waiting: Vec<(Option<String>, String, String)> = deliveries::table
        .filter(deliveries::status.eq(delivery::DeliveryStatus::Waiting))
        .select((
            deliveries::user_id,
            deliveries::address,
            deliveries::frequency,
        ))
        .distinct()
        .load(conn)?;
    if waiting.is_empty() {
        return Ok(0);
    }
    let user_ids: Vec<String> = waiting.iter().filter_map(|w| w.0.clone()).collect();
    let hours: HashMap<String, i32> = store::profiles_of(conn, &user_ids)?
        .into_iter()
        .map(|p| (p.user_id, p.digest_hour))
        .collect();
    let mut built = 0;
    for (user, address, frequency) in waiting {
        let hour = user
            .as_ref()
            .and_then(|u| hours.get(u))
            .copied()
            .unwrap_or(8);
        if (local.hour() as i32) < hour {
            continue;
        }
        if frequency == "weekly" && local.weekday() != Weekday::Mon {
            continue;
        }
        let period = if frequency == "weekly" {
            local.format("%G-W%V").to_string()
        } else {
            local.format("%Y-%m-%d").to_string()
        };
        let recipient = match &user {
            Some(u) => format!("u:{u}"),
            None => format!("e:{}", address.to_lowercase()),
        };
        let made = crate::db::write_transaction(conn, |conn| {
            let d = NewDelivery {
                user_id: user.clone(),
                subscription_id: None,
                announcement_id: None,
                agency_id: None,
                channel: "email".into(),
                kind: "digest".into(),
                frequency: frequency.clone(),
                address: address.clone(),
                reason: String::new(),
                detail: serde_json::json!({"period": period}),
            };
            let mut row: Delivery = delivery_row(&d, now);
            row.dedupe_key = format!("{recipient}|digest|{frequency}|{period}");
            row.status = delivery::DeliveryStatus::Queued;
            row.next_attempt_at = now;
            if !delivery::insert_one(conn, &row)? {
                // This period's digest is already out; the rest waits for the next.
                return AppResult::Ok(false);
            }
            let mut q = diesel::update(deliveries::table)
                .filter(deliveries::status.eq(delivery::DeliveryStatus::Waiting))
                .filter(deliveries::frequency.eq(&frequency))
                .into_boxed();
            q = match &user {
                Some(u) => q.filter(deliveries::user_id.eq(u.clone())),
                None => q
                    .filter(deliveries::user_id.is_null())
                    .filter(deliveries::address.eq(address.clone())),
            };
            q.set((
                deliveries::status.eq(delivery::DeliveryStatus::Digested),
                deliveries::digest_id.eq(Some(row.id.clone())),
            ))
            .execute(conn)?;
            Ok(true)
        })?;
        if made {
            built += 1;
        }
    }
    Ok(built)
}

fn delivery_row(d: &NewDelivery, now: NaiveDateTime) -> Delivery {
    delivery::row(d, now)
}
