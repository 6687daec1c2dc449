//! The delivery worker: claim due rows, render, hand over to the channel, record the
//! outcome — one row at a time, each marked `sent` the moment its channel accepted it.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::delivery::{self, hold_until, in_quiet_hours};
use super::email::{self, Email, Mailer};
use super::messages::{self, Message};
use super::model::Delivery;
use super::push::{PushEndpointInfo, PushMessage, WebPush};
use super::sms::{self, OutgoingSms, SmsSender};
use super::{store, tokens, ChannelError};
use crate::announcements::store as ann_store;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::AppState;

/// The three channels, built once from the configuration.
pub struct Channels {
    pub mailer: Box<dyn Mailer>,
    pub push: Option<WebPush>,
    pub sms: Box<dyn SmsSender>,
    /// Off by the operator's choice (`JIWON_EMAIL_ENABLED=0`, `JIWON_SMS_ENABLED=0`):
    /// not offered on any form, and a delivery on it is suppressed, never sent or logged.
    pub email_on: bool,
    pub sms_on: bool,
}

impl Channels {
    /// Refuses a production configuration that would send through a development sink
    /// (file outbox, SMS log): those write addresses, numbers and bodies to disk.
    pub fn from_config(config: &crate::config::Config) -> AppResult<Channels> {
        if let Some(missing) = config.missing_channels() {
            return Err(AppError::Config(missing));
        }
        Ok(Channels {
            mailer: if config.email_enabled {
                email::mailer_from_config(config).map_err(AppError::Config)?
            } else {
                Box::new(email::Off)
            },
            push: WebPush::from_config(config),
            sms: if config.sms_enabled {
                sms::sender_from_config(config)
            } else {
                Box::new(sms::Off)
            },
            email_on: config.email_enabled,
            sms_on: config.sms_enabled,
        })
    }

    /// Whether a channel may be chosen on a form and sent on.
    pub fn offers(&self, channel: &str) -> bool {
        match channel {
            "email" => self.email_on,
            "sms" => self.sms_on,
            "push" => self.push.is_some(),
            _ => false,
        }
    }

    /// Channels the operator switched off: nothing is planned or queued on them.
    /// (Push without VAPID keys is not "off": it was never offered.)
    pub fn switched_off(&self) -> Vec<&'static str> {
        let mut off = Vec::new();
        if !self.email_on {
            off.push("email");
        }
        if !self.sms_on {
            off.push("sms");
        }
        off
    }

    /// The channels that may be chosen, in the usual order.
    pub fn offered(&self) -> Vec<&'static str> {
        super::model::CHANNELS
            .iter()
            .copied()
            .filter(|c| self.offers(c))
            .collect()
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub failed: usize,
    pub held: usize,
    pub suppressed: usize,
}

impl SendReport {
    fn add(&mut self, o: SendReport) {
        self.sent += o.sent;
        self.failed += o.failed;
        self.held += o.held;
        self.suppressed += o.suppressed;
    }
}

enum Outcome {
    Sent,
    Held(NaiveDateTime),
    Suppressed(String),
    Failed(ChannelError),
}

/// The most sender threads `deliver_due` runs (`JIWON_SMTP_POOL_SIZE`, clamped); the
/// push and SMS HTTP clients keep this many connections per host alive.
pub const MAX_SENDERS: usize = 16;

/// Send what is due, in batches, until nothing is left or `max` rows were handled.
/// Several threads share each batch (one database connection each); the SMTP pool
/// keeps their connections open.
pub fn deliver_due(state: &AppState, worker: &str, max: usize) -> AppResult<SendReport> {
    let mut report = SendReport::default();
    {
        let mut conn = state.conn()?;
        delivery::requeue_stale(&mut conn, state.now())?;
    }
    let threads = (state.config.smtp_pool_size as usize).clamp(1, MAX_SENDERS);
    let mut handled = 0;
    while handled < max {
        let batch = {
            let mut conn = state.conn()?;
            delivery::claim(
                &mut conn,
                worker,
                state.now(),
                state.config.delivery_batch.max(1) as i64,
            )?
        };
        if batch.is_empty() {
            break;
        }
        handled += batch.len();
        let per = batch.len().div_ceil(threads);
        let results: Vec<AppResult<SendReport>> = std::thread::scope(|s| {
            let handles: Vec<_> = batch
                .chunks(per)
                .map(|chunk| s.spawn(move || send_chunk(state, chunk)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(AppError::internal("sender thread panicked")))
                })
                .collect()
        });
        for r in results {
            report.add(r?);
        }
    }
    Ok(report)
}

fn send_chunk(state: &AppState, chunk: &[Delivery]) -> AppResult<SendReport> {
    let mut conn = state.conn()?;
    let mut r = SendReport::default();
    for d in chunk {
        let now = state.now();
        let outcome = match send_one(state, &mut conn, d, now) {
            Ok(o) => o,
            Err(e) => Outcome::Failed(ChannelError::Retry(e.to_string())),
        };
        match outcome {
            Outcome::Sent => {
                delivery::mark_sent(&mut conn, &d.id, state.now())?;
                if is_account_mail(d) {
                    // The one-time link has done its job; don't keep it around.
                    delivery::clear_detail(&mut conn, &d.id)?;
                }
                if d.kind == "digest" {
                    mark_digest_items_sent(&mut conn, &d.id, state.now())?;
                }
                r.sent += 1;
            }
            Outcome::Held(at) => {
                delivery::hold(&mut conn, d, at)?;
                r.held += 1;
            }
            Outcome::Suppressed(why) => {
                delivery::mark_suppressed(&mut conn, &d.id, &why)?;
                r.suppressed += 1;
            }
            Outcome::Failed(e) => {
                let permanent = matches!(e, ChannelError::Permanent(_) | ChannelError::Gone(_));
                // Channel errors quote addresses; the log gets them masked.
                let logged = crate::logging::mask_personal(&e.to_string());
                tracing::warn!(delivery = %d.id, channel = %d.channel, attempt = d.attempts, error = %logged, "delivery failed");
                delivery::mark_failed(
                    &mut conn,
                    d,
                    &e.to_string(),
                    permanent,
                    state.config.delivery_max_attempts,
                    state.now(),
                )?;
                r.failed += 1;
            }
        }
    }
    Ok(r)
}

fn mark_digest_items_sent(
    conn: &mut DbConnection,
    digest_id: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    use crate::db::schema::deliveries;
    use diesel::prelude::*;
    diesel::update(deliveries::table.filter(deliveries::digest_id.eq(digest_id)))
        .set((
            deliveries::status.eq(delivery::DeliveryStatus::Sent),
            deliveries::sent_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

fn is_account_mail(d: &Delivery) -> bool {
    [
        "verify:",
        "reset:",
        "confirm:",
        "invite:",
        "app_arrived:",
        "app_status:",
        "business_invite:",
    ]
    .iter()
    .any(|p| d.kind.starts_with(p))
}

fn send_one(
    state: &AppState,
    conn: &mut DbConnection,
    d: &Delivery,
    now: NaiveDateTime,
) -> AppResult<Outcome> {
    if let Some(id) = d.kind.strip_prefix(super::phone::KIND_PREFIX) {
        // Asked for a moment ago: not held by quiet hours.
        return send_phone_code(state, conn, d, id, now);
    }
    if in_quiet_hours(&d.channel, now) {
        return Ok(Outcome::Held(hold_until(&d.channel, now)));
    }
    let base = state.config.base_url.trim_end_matches('/').to_string();
    if is_account_mail(d) {
        let m = messages::account_message(d)?;
        if d.channel == "push" {
            return send_push(state, conn, d, &m);
        }
        return Ok(send_email(state, d, m));
    }
    // SMS only ever goes to a verified number: one that changed (or was never verified)
    // since the delivery was planned gets nothing.
    if d.channel == "sms" {
        if let Some(u) = &d.user_id {
            let verified = store::find_profile(conn, u)?.and_then(|p| p.sms_number());
            if verified.as_deref() != Some(d.address.as_str()) {
                return Ok(Outcome::Suppressed("확인되지 않은 휴대전화 번호".into()));
            }
        }
    }
    // Stopped since it was queued: this kind of message about this announcement.
    if let (Some(kind), Some(ann)) = (store::mute_kind(&d.kind), &d.announcement_id) {
        let recipient = match &d.user_id {
            Some(u) => format!("u:{u}"),
            None => format!("e:{}", d.address.to_lowercase()),
        };
        if store::is_muted(conn, &recipient, ann, kind)? {
            return Ok(Outcome::Suppressed("이 공고의 이 알림 수신 거부".into()));
        }
    }
    // The subscription may have been removed (or the channel turned off) since.
    if let Some(sid) = &d.subscription_id {
        if !d.kind.starts_with("digest") {
            match store::find_subscription(conn, sid)? {
                Some(s)
                    if s.is_active()
                        && (s.channel_list().contains(&d.channel) || d.frequency != "instant") => {}
                _ => return Ok(Outcome::Suppressed("구독 해지됨".into())),
            }
        }
    }
    let mut m = if d.kind == "digest" {
        let items = digest_items(state, conn, d, &base)?;
        if items.is_empty() {
            return Ok(Outcome::Suppressed("요약할 공고 없음".into()));
        }
        messages::digest_message(&base, d, items)
    } else {
        let ann_id = d.announcement_id.clone().unwrap_or_default();
        let Some(a) = ann_store::find(conn, &ann_id)? else {
            return Ok(Outcome::Suppressed("공고 없음".into()));
        };
        if !a.is_public() {
            return Ok(Outcome::Suppressed("공고가 내려감".into()));
        }
        let agency = match &a.owner_agency_id {
            Some(id) => crate::accounts::store::find_agency(conn, id)?.map(|g| g.name),
            None => None,
        };
        messages::announcement_message(&base, d, &a, agency)
    };
    m.unsubscribe_url = Some(format!(
        "{base}/unsubscribe/{}",
        tokens::for_delivery(&state.keys, d)
    ));
    match d.channel.as_str() {
        "email" | "sms" if !state.channels.offers(&d.channel) => Ok(Outcome::Suppressed(format!(
            "{} 채널 꺼짐 (운영자 설정)",
            d.channel
        ))),
        "email" => Ok(send_email(state, d, m)),
        "push" => send_push(state, conn, d, &m),
        "sms" => Ok(send_sms(state, d, &m, &base)),
        other => Ok(Outcome::Suppressed(format!("알 수 없는 채널 {other}"))),
    }
}

fn send_email(state: &AppState, d: &Delivery, m: Message) -> Outcome {
    let html = match messages::to_html(&state.tera, &m) {
        Ok(h) => h,
        Err(e) => return Outcome::Failed(ChannelError::Retry(e.to_string())),
    };
    let host = state
        .config
        .base_url
        .split("://")
        .nth(1)
        .unwrap_or("jiwon.kr")
        .split(['/', ':'])
        .next()
        .unwrap_or("jiwon.kr")
        .to_string();
    let e = Email {
        to: d.address.clone(),
        subject: m.subject.clone(),
        text: messages::to_text(&m),
        html,
        unsubscribe_url: m.unsubscribe_url.clone(),
        message_id: format!("<{}@{}>", d.id, host),
    };
    match state.channels.mailer.send(&e) {
        Ok(()) => Outcome::Sent,
        Err(err) => Outcome::Failed(err),
    }
}

fn send_push(
    state: &AppState,
    conn: &mut DbConnection,
    d: &Delivery,
    m: &Message,
) -> AppResult<Outcome> {
    let Some(push) = &state.channels.push else {
        return Ok(Outcome::Suppressed("웹 푸시 미설정 (VAPID 키 없음)".into()));
    };
    let Some(user) = &d.user_id else {
        return Ok(Outcome::Suppressed("계정 없음".into()));
    };
    let endpoints = store::push_endpoints_of(conn, user)?;
    if endpoints.is_empty() {
        return Ok(Outcome::Suppressed("등록된 브라우저 없음".into()));
    }
    let item = m.items.first();
    // An announcement's message says why and until when; an account message (an
    // application's new status) its facts, and opens its link.
    let (body, url) = match item {
        Some(i) => {
            let mut s = i.reason.clone().unwrap_or_default();
            if let Some(dl) = &i.deadline {
                s = format!("{s}\n신청기간: {dl}");
            }
            (s, i.url.clone())
        }
        None => (
            m.intro
                .iter()
                .skip(1)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n"),
            m.action_url.clone().unwrap_or_default(),
        ),
    };
    let msg = PushMessage {
        title: m.subject.trim_start_matches("[지원] ").to_string(),
        body,
        url,
        stop_url: m.unsubscribe_url.clone(),
        topic: Some(d.dedupe_key.clone()),
    };
    let mut delivered = false;
    let mut retry: Option<ChannelError> = None;
    for ep in &endpoints {
        let info = PushEndpointInfo {
            endpoint: ep.endpoint.clone(),
            p256dh: ep.p256dh.clone(),
            auth: ep.auth.clone(),
        };
        match push.send(&info, &msg) {
            Ok(()) => {
                delivered = true;
                store::mark_push_success(conn, &ep.id, state.now())?;
            }
            Err(ChannelError::Gone(why)) => {
                tracing::info!(endpoint = %ep.id, %why, "push endpoint gone; removed");
                store::delete_push_endpoint(conn, &ep.id)?;
            }
            Err(ChannelError::Permanent(why)) => {
                tracing::warn!(endpoint = %ep.id, %why, "push endpoint rejected the message; removed");
                store::delete_push_endpoint(conn, &ep.id)?;
            }
            Err(e @ ChannelError::Retry(_)) => retry = Some(e),
        }
    }
    Ok(match (delivered, retry) {
        (true, _) => Outcome::Sent,
        (false, Some(e)) => Outcome::Failed(e),
        (false, None) => Outcome::Suppressed("모든 브라우저 구독이 만료됨".into()),
    })
}

/// The verification code message: only while its code can still be typed in.
fn send_phone_code(
    state: &AppState,
    conn: &mut DbConnection,
    d: &Delivery,
    id: &str,
    now: NaiveDateTime,
) -> AppResult<Outcome> {
    if !state.channels.offers("sms") {
        return Ok(Outcome::Suppressed("sms 채널 꺼짐 (운영자 설정)".into()));
    }
    match super::phone::find(conn, id)? {
        Some(v) if v.used_at.is_none() && v.expires_at > now => {}
        _ => return Ok(Outcome::Suppressed("인증번호 만료".into())),
    }
    let text = super::phone::code_text(&super::phone::code_for(&state.keys, id));
    let msg = OutgoingSms {
        to: d.address.clone(),
        sms: sms::SmsText {
            kind: sms::SmsKind::Sms,
            subject: None,
            text,
        },
        key: d.dedupe_key.clone(),
    };
    Ok(match state.channels.sms.send(&msg) {
        Ok(_) => Outcome::Sent,
        Err(e) => Outcome::Failed(e),
    })
}

fn send_sms(state: &AppState, d: &Delivery, m: &Message, base: &str) -> Outcome {
    let Some(phone) = sms::normalize_phone(&d.address) else {
        return Outcome::Failed(ChannelError::Permanent(format!(
            "휴대전화 번호 오류: {}",
            d.address
        )));
    };
    let item = m.items.first();
    let title = item
        .map(|i| i.title.clone())
        .unwrap_or_else(|| m.subject.clone());
    let line = match (d.kind.as_str(), item.and_then(|i| i.deadline.clone())) {
        (k, Some(dl)) if k.starts_with("reminder") => format!("마감 임박 · {dl}"),
        (k, _) if k.starts_with("changed") => "공고 내용이 정정되었습니다".to_string(),
        (_, Some(dl)) => format!("신청 {dl}"),
        _ => String::new(),
    };
    // The announcement's short link, then the way out (a short link too: bytes are money).
    let links = format!(
        "{base}/s/{code}\n수신거부 {base}/x/{code}",
        code = d.short_code
    );
    let text = sms::compose(&title, &line, &links);
    let msg = OutgoingSms {
        to: phone,
        sms: text,
        key: d.dedupe_key.clone(),
    };
    match state.channels.sms.send(&msg) {
        Ok(_) => Outcome::Sent,
        Err(e) => Outcome::Failed(e),
    }
}

fn digest_items(
    state: &AppState,
    conn: &mut DbConnection,
    d: &Delivery,
    base: &str,
) -> AppResult<Vec<messages::Item>> {
    use crate::db::schema::deliveries;
    use diesel::prelude::*;
    let rows: Vec<Delivery> = deliveries::table
        .filter(deliveries::digest_id.eq(&d.id))
        .order(deliveries::created_at.asc())
        .select(Delivery::as_select())
        .load(conn)?;
    let mut agencies: HashMap<String, Option<String>> = HashMap::new();
    let mut out = Vec::new();
    for r in rows {
        let Some(a) = ann_store::find(conn, r.announcement_id.as_deref().unwrap_or(""))? else {
            continue;
        };
        if !a.is_public() {
            continue;
        }
        let agency = match &a.owner_agency_id {
            Some(id) => {
                if !agencies.contains_key(id) {
                    let name = crate::accounts::store::find_agency(conn, id)?.map(|g| g.name);
                    agencies.insert(id.clone(), name);
                }
                agencies.get(id).cloned().flatten()
            }
            None => None,
        };
        out.push(messages::item(
            base,
            &a,
            agency,
            Some(r.reason.clone()),
            &r.short_code,
        ));
    }
    let _ = state;
    Ok(out)
}
