//! Subscriptions and alerts: owners say what they want to hear about (saved queries or
//! "fits my business"), publication finds the matching subscriptions through an index of
//! criteria, and one delivery row per (recipient, announcement, channel, kind) carries
//! each message to email, web push or SMS exactly once.
//!
//! - `criteria`: what a subscription asks for, its canonical form and index terms.
//! - `profile`: an owner's business profile and the eligibility check against it.
//! - `fit`: which open announcements fit a profile, why, and what might not (the home).
//! - `matching`: announcement → matching criteria → deliveries (the fan-out).
//! - `delivery`: the delivery queue: claim, send, retry, dead letters, quiet hours.
//! - `email`, `push`, `sms`: the channels; `endpoint`: where web push may send.
//! - `web`: subscriptions, bookmarks, unsubscribe, tracking, operator and agency pages.

pub mod criteria;
pub mod delivery;
pub mod email;
pub mod endpoint;
pub mod fit;
pub mod jobs;
pub mod matching;
pub mod messages;
pub mod model;
pub mod phone;
pub mod profile;
pub mod push;
pub mod request;
pub mod schedule;
pub mod send;
pub mod sms;
pub mod smtp;
pub mod store;
pub mod subscriptions;
pub mod tokens;
pub mod web;

/// The field message when `push` is chosen while web push is not configured (no VAPID
/// key): the forms do not offer it then, so only a forged request gets here.
pub const PUSH_NOT_READY: &str =
    "웹 푸시는 아직 준비 중이라 고를 수 없습니다. 이메일이나 문자를 골라 주세요.";

/// The field message when a channel the operator turned off (`JIWON_SMS_ENABLED=0`,
/// `JIWON_EMAIL_ENABLED=0`) is chosen: the forms do not offer it, so only a forged
/// request (or a page from before the switch) gets here.
pub const CHANNEL_OFF: &str = "이 알림 방법은 지금 제공하지 않습니다. 다른 방법을 골라 주세요.";

/// What a channel reports when a message could not be handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelError {
    /// Try again later (network trouble, 5xx, 429).
    Retry(String),
    /// Will never work (malformed address, 4xx other than 429).
    Permanent(String),
    /// The address no longer exists (web push 404/410): remove it.
    Gone(String),
}

impl std::fmt::Display for ChannelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChannelError::Retry(m) => write!(f, "일시 오류: {m}"),
            ChannelError::Permanent(m) => write!(f, "영구 오류: {m}"),
            ChannelError::Gone(m) => write!(f, "주소 없음: {m}"),
        }
    }
}
