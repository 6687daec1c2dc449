//! Rows of the alerts tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    account_tokens, bookmarks, consents, deliveries, owner_profiles, push_endpoints,
    subscription_criteria, subscriptions,
};

#[derive(Debug, Clone, Default, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = owner_profiles, treat_none_as_null = true)]
pub struct OwnerProfile {
    pub user_id: String,
    pub email_verified_at: Option<NaiveDateTime>,
    pub business_number: Option<String>,
    pub business_name: String,
    pub ksic_code: Option<String>,
    pub region_code: Option<String>,
    pub founded_on: Option<NaiveDate>,
    pub employees: Option<i32>,
    pub revenue_band: Option<String>,
    pub sole_proprietor: Option<bool>,
    pub birth_year: Option<i32>,
    pub gender: Option<String>,
    pub phone: Option<String>,
    pub digest_hour: i32,
    pub daily_cap: i32,
    pub reminder_days: String,
    pub reminder_channels: String,
    pub updated_at: NaiveDateTime,
    /// When the owner typed the code texted to `phone`; `None` until then, and again
    /// after the number changes. No SMS goes to an unverified number.
    pub phone_verified_at: Option<NaiveDateTime>,
}

impl OwnerProfile {
    pub fn new(user_id: &str, now: NaiveDateTime) -> OwnerProfile {
        OwnerProfile {
            user_id: user_id.to_string(),
            digest_hour: 8,
            daily_cap: 20,
            reminder_days: "[7,1]".into(),
            reminder_channels: "[\"email\"]".into(),
            updated_at: now,
            ..Default::default()
        }
    }
    /// Days before a bookmarked deadline a reminder goes out (D-7 and D-1 by default).
    pub fn reminder_day_list(&self) -> Vec<i64> {
        serde_json::from_str(&self.reminder_days).unwrap_or_else(|_| vec![7, 1])
    }
    pub fn reminder_channel_list(&self) -> Vec<String> {
        serde_json::from_str(&self.reminder_channels).unwrap_or_else(|_| vec!["email".into()])
    }
    /// The number SMS may go to: the phone, once verified. Every place that plans or
    /// sends an SMS to an owner asks this, never `phone` itself.
    pub fn sms_number(&self) -> Option<String> {
        self.phone_verified_at.and(self.phone.clone())
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = account_tokens)]
pub struct AccountToken {
    pub id: String,
    pub purpose: String,
    pub user_id: Option<String>,
    pub subscription_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = subscription_criteria)]
pub struct CriteriaRow {
    pub id: String,
    pub hash: String,
    pub spec: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = subscriptions)]
pub struct Subscription {
    pub id: String,
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub name: String,
    pub criteria_id: String,
    pub spec: String,
    pub is_profile: bool,
    pub frequency: String,
    pub channels: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl Subscription {
    pub fn channel_list(&self) -> Vec<String> {
        serde_json::from_str(&self.channels).unwrap_or_default()
    }
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consents)]
pub struct Consent {
    pub id: String,
    pub user_id: Option<String>,
    pub subscription_id: Option<String>,
    pub channel: String,
    pub granted: bool,
    pub source: String,
    pub created_at: NaiveDateTime,
    /// The terms and privacy policy in force when it was recorded (`legal::CONSENT_VERSION`).
    pub policy_version: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bookmarks)]
pub struct Bookmark {
    pub user_id: String,
    pub announcement_id: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = push_endpoints)]
pub struct PushEndpoint {
    pub id: String,
    pub user_id: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: NaiveDateTime,
    pub last_success_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = deliveries)]
pub struct Delivery {
    pub id: String,
    pub dedupe_key: String,
    pub user_id: Option<String>,
    pub subscription_id: Option<String>,
    pub announcement_id: Option<String>,
    pub agency_id: Option<String>,
    pub channel: String,
    pub kind: String,
    pub frequency: String,
    pub address: String,
    pub reason: String,
    pub detail: String,
    pub short_code: String,
    pub status: super::delivery::DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub digest_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub opened_at: Option<NaiveDateTime>,
    pub clicked_at: Option<NaiveDateTime>,
}

impl Delivery {
    pub fn detail_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.detail).unwrap_or(serde_json::Value::Null)
    }
}

/// Channels a subscription can use.
pub const CHANNELS: [&str; 3] = ["email", "push", "sms"];

pub fn channel_label(c: &str) -> &'static str {
    match c {
        "email" => "이메일",
        "push" => "웹 푸시",
        "sms" => "문자(SMS)",
        _ => "기타",
    }
}

pub fn frequency_label(f: &str) -> &'static str {
    match f {
        "instant" => "즉시",
        "daily" => "매일 요약",
        "weekly" => "매주 요약",
        _ => "기타",
    }
}
