//! Web push channel: one encrypted message to one browser subscription.
//!
//! - RFC 8030 (delivery): `POST` to the subscription's endpoint with `TTL`, `Urgency` and,
//!   when the message has one, `Topic` (a newer message with the same topic replaces one
//!   the push service has not delivered yet).
//! - RFC 8291 / RFC 8188 (`aes128gcm`): the payload is encrypted for the browser's
//!   `p256dh` key and `auth` secret, so the push service cannot read it.
//! - RFC 8292 (VAPID): `Authorization: vapid t=<ES256 JWT>, k=<our public key>`; the JWT's
//!   `aud` is the endpoint's origin and `sub` the operator contact (`JIWON_VAPID_SUBJECT`).
//!
//! The `web-push` crate builds the encrypted body and the signature; the request itself
//! goes out with `ureq` (web-push's own HTTP clients are not compiled in).
//!
//! Outcomes map onto [`ChannelError`]: 404/410 → `Gone` (the caller deletes the
//! endpoint), 408/429/5xx and network trouble → `Retry`, any other 4xx, a malformed
//! endpoint or malformed keys → `Permanent`.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use web_push::{
    ContentEncoding, SubscriptionInfo, Urgency, VapidSignatureBuilder, WebPushMessageBuilder,
};

use super::ChannelError;
use crate::config::Config;

/// How long the push service keeps a message for an offline browser (one day: an alert
/// about an announcement is still worth showing tomorrow, not next month).
pub const TTL_SECS: u32 = 86_400;

/// Largest plaintext we send. RFC 8030 services must accept 4096 bytes of *encrypted*
/// body; aes128gcm adds 86 bytes of header, 1 delimiter and a 16-byte tag, and the
/// `web-push` crate refuses plaintext above 3052 bytes.
pub const MAX_PAYLOAD_BYTES: usize = 3000;

/// RFC 8030 §5.4: a topic is at most 32 characters of the base64url alphabet.
pub const MAX_TOPIC_LEN: usize = 32;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(15);

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it:
/// `{"endpoint": …, "keys": {"p256dh": …, "auth": …}}` (keys base64url).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEndpointInfo {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// What the notification shows. Sent as JSON `{"title","body","url"}`; `public/sw.js`
/// turns it into a notification that opens `url` when clicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushMessage {
    pub title: String,
    pub body: String,
    pub url: String,
    /// The way out: the service worker offers it as the notification's "이 알림 끄기"
    /// action. Never cut, like `url`.
    pub stop_url: Option<String>,
    /// RFC 8030 `Topic`. Any string: a valid topic (≤ 32 base64url characters) is sent
    /// as is, anything else (e.g. a delivery key) is hashed with [`topic_for`].
    pub topic: Option<String>,
}

/// The HTTP request [`WebPush::send`] makes, built but not sent (tests and diagnostics).
#[derive(Debug, Clone)]
pub struct PushRequest {
    pub endpoint: String,
    /// `Authorization`, `Content-Encoding`, `Content-Type`, `TTL`, `Urgency`, `Topic`.
    pub headers: Vec<(String, String)>,
    /// The aes128gcm-encrypted payload.
    pub body: Vec<u8>,
}

/// The web push channel: our VAPID key and an HTTP agent.
pub struct WebPush {
    vapid_private: String,
    subject: String,
    agent: ureq::Agent,
    /// `JIWON_PUSH_ALLOW_PRIVATE`: local test receivers only (see `endpoint`).
    allow_private: bool,
}

impl std::fmt::Debug for WebPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        f.debug_struct("WebPush")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Payload<'a> {
    title: &'a str,
    body: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop: Option<&'a str>,
}

impl WebPush {
    /// The channel, or `None` when no VAPID private key is configured (or it is not a
    /// valid P-256 key, which is logged).
    pub fn from_config(config: &Config) -> Option<WebPush> {
        let private = config.vapid_private_key.as_deref()?.trim().to_string();
        let public = match derive_public_key(&private) {
            Some(public) => public,
            None => {
                tracing::error!(
                    "JIWON_VAPID_PRIVATE_KEY is not a base64url P-256 private key; web push is off"
                );
                return None;
            }
        };
        if let Some(configured) = config.vapid_public_key.as_deref() {
            if configured.trim() != public {
                tracing::warn!(
                    "JIWON_VAPID_PUBLIC_KEY does not belong to JIWON_VAPID_PRIVATE_KEY; \
                     pages offer the key derived from the private key"
                );
            }
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            // A push service answers, it does not redirect; never re-send the body elsewhere.
            .redirects(0)
            // one kept-alive connection per sender thread (ureq keeps 1 per host by default)
            .max_idle_connections_per_host(super::send::MAX_SENDERS)
            .user_agent(concat!("jiwon/", env!("CARGO_PKG_VERSION")))
            // Only public addresses, whatever the endpoint's name resolves to now.
            .resolver(super::endpoint::PublicOnly {
                allow_private: config.push_allow_private,
            })
            .build();
        Some(WebPush {
            vapid_private: private,
            subject: config.vapid_subject.clone(),
            agent,
            allow_private: config.push_allow_private,
        })
    }

    /// Encrypts and signs `msg` for `to` and builds the request, without sending it.
    pub fn build_request(
        &self,
        to: &PushEndpointInfo,
        msg: &PushMessage,
    ) -> Result<PushRequest, ChannelError> {
        super::endpoint::check_shape(&to.endpoint, self.allow_private).map_err(|why| {
            ChannelError::Permanent(format!("푸시 주소 거부 ({why}): {}", to.endpoint))
        })?;
        let origin = endpoint_origin(&self.agent, &to.endpoint)?;
        let payload = payload_json(msg)?;
        let subscription =
            SubscriptionInfo::new(to.endpoint.as_str(), to.p256dh.trim(), to.auth.trim());

        let mut vapid = VapidSignatureBuilder::from_base64(&self.vapid_private, &subscription)
            .map_err(|e| ChannelError::Permanent(format!("VAPID 키 오류: {e}")))?;
        // web-push would use scheme://host and drop the port; RFC 8292 wants the origin.
        vapid.add_claim("aud", origin);
        vapid.add_claim("sub", self.subject.as_str());
        let signature = vapid
            .build()
            .map_err(|e| ChannelError::Permanent(format!("VAPID 서명 실패: {e}")))?;

        let topic = msg.topic.as_deref().map(normalize_topic);
        let mut builder = WebPushMessageBuilder::new(&subscription);
        builder.set_payload(ContentEncoding::Aes128Gcm, payload.as_bytes());
        builder.set_vapid_signature(signature);
        builder.set_ttl(TTL_SECS);
        builder.set_urgency(Urgency::Normal);
        if let Some(topic) = &topic {
            builder.set_topic(topic.clone());
        }
        let built = builder
            .build()
            .map_err(|e| ChannelError::Permanent(format!("푸시 메시지를 만들 수 없음: {e}")))?;
        let encrypted = built
            .payload
            .ok_or_else(|| ChannelError::Permanent("암호화된 본문이 없음".into()))?;

        let mut headers: Vec<(String, String)> = encrypted
            .crypto_headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect();
        headers.push((
            "Content-Encoding".into(),
            encrypted.content_encoding.to_str().into(),
        ));
        headers.push(("Content-Type".into(), "application/octet-stream".into()));
        headers.push(("TTL".into(), built.ttl.to_string()));
        if let Some(urgency) = built.urgency {
            headers.push(("Urgency".into(), urgency.to_string()));
        }
        if let Some(topic) = built.topic {
            headers.push(("Topic".into(), topic));
        }
        Ok(PushRequest {
            endpoint: to.endpoint.clone(),
            headers,
            body: encrypted.content,
        })
    }

    /// Sends `msg` to one subscription.
    pub fn send(&self, to: &PushEndpointInfo, msg: &PushMessage) -> Result<(), ChannelError> {
        let request = self.build_request(to, msg)?;
        let mut http = self.agent.post(&request.endpoint);
        for (name, value) in &request.headers {
            http = http.set(name, value);
        }
        match http.send_bytes(&request.body) {
            Ok(response) => classify_status(response.status(), ""),
            Err(ureq::Error::Status(code, response)) => {
                let retry_after = response
                    .header("Retry-After")
                    .map(|v| format!(" (Retry-After: {v})"))
                    .unwrap_or_default();
                let body: String = response
                    .into_string()
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                classify_status(code, &format!("{}{retry_after}", body.trim()))
            }
            Err(ureq::Error::Transport(t)) => {
                Err(ChannelError::Retry(format!("푸시 서비스 연결 실패: {t}")))
            }
        }
    }
}

/// The public key pages hand to `pushManager.subscribe` (`applicationServerKey`), or
/// `None` when web push is not configured. It is derived from the private key, so it
/// always matches what [`WebPush`] signs with, even if `JIWON_VAPID_PUBLIC_KEY` is stale.
pub fn public_key(config: &Config) -> Option<String> {
    derive_public_key(config.vapid_private_key.as_deref()?.trim())
}

/// A fresh VAPID key pair: (private scalar, public key as an uncompressed P-256 point),
/// both base64url without padding — the format of `JIWON_VAPID_PRIVATE_KEY` and
/// `JIWON_VAPID_PUBLIC_KEY`.
pub fn generate_vapid_keys() -> (String, String) {
    loop {
        let mut scalar = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut scalar);
        let private = URL_SAFE_NO_PAD.encode(scalar);
        // Rejects the (astronomically rare) zero or ≥ group order scalars: draw again.
        if let Some(public) = derive_public_key(&private) {
            return (private, public);
        }
    }
}

/// A topic for a delivery key: base64url of its SHA-256, cut to 32 characters
/// (192 bits: distinct keys do not collide).
pub fn topic_for(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut topic = URL_SAFE_NO_PAD.encode(digest);
    topic.truncate(MAX_TOPIC_LEN);
    topic
}

/// A topic as given when it is already valid, otherwise [`topic_for`] it.
pub fn normalize_topic(topic: &str) -> String {
    let valid = !topic.is_empty()
        && topic.len() <= MAX_TOPIC_LEN
        && topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        topic.to_string()
    } else {
        topic_for(topic)
    }
}

/// What a push service's status code means for the delivery.
pub fn classify_status(code: u16, detail: &str) -> Result<(), ChannelError> {
    let message = if detail.is_empty() {
        format!("푸시 서비스 응답 {code}")
    } else {
        format!("푸시 서비스 응답 {code}: {detail}")
    };
    match code {
        200..=299 => Ok(()),
        404 | 410 => Err(ChannelError::Gone(message)),
        408 | 429 | 500..=599 => Err(ChannelError::Retry(message)),
        _ => Err(ChannelError::Permanent(message)),
    }
}

/// The public key of a base64url private scalar, or `None` when it is not one.
fn derive_public_key(private: &str) -> Option<String> {
    // web-push hands the bytes to a fixed-size array conversion that panics on any
    // length but 32, so check first.
    if URL_SAFE_NO_PAD.decode(private).ok()?.len() != 32 {
        return None;
    }
    let builder = VapidSignatureBuilder::from_base64_no_sub(private).ok()?;
    Some(URL_SAFE_NO_PAD.encode(builder.get_public_key()))
}

/// The RFC 6454 origin of an `http(s)` endpoint (the VAPID `aud`), port included
/// unless it is the scheme's default.
fn endpoint_origin(agent: &ureq::Agent, endpoint: &str) -> Result<String, ChannelError> {
    let url = agent
        .post(endpoint)
        .request_url()
        .map_err(|e| ChannelError::Permanent(format!("푸시 주소가 URL이 아님: {e}")))?;
    let url = url.as_url();
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ChannelError::Permanent(format!(
            "푸시 주소는 http(s) URL이어야 함: {endpoint}"
        )));
    }
    Ok(url.origin().ascii_serialization())
}

/// The JSON payload, with the body (then, if still needed, the title) shortened so that
/// it stays within [`MAX_PAYLOAD_BYTES`]. The URL is never cut.
fn payload_json(msg: &PushMessage) -> Result<String, ChannelError> {
    let render = |title: &str, body: &str| {
        serde_json::to_string(&Payload {
            title,
            body,
            url: &msg.url,
            stop: msg.stop_url.as_deref(),
        })
        .expect("strings serialize")
    };
    let full = render(&msg.title, &msg.body);
    if full.len() <= MAX_PAYLOAD_BYTES {
        return Ok(full);
    }
    if let Some(json) = longest_fitting(&msg.body, |body| render(&msg.title, body)) {
        return Ok(json);
    }
    longest_fitting(&msg.title, |title| render(title, ""))
        .ok_or_else(|| ChannelError::Permanent("알림 URL이 너무 김".into()))
}

/// The rendering of the longest prefix of `text` (marked with "…" when cut) that fits.
fn longest_fitting(text: &str, render: impl Fn(&str) -> String) -> Option<String> {
    let ends: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let clipped = |n: usize| -> String {
        if n == 0 {
            String::new()
        } else {
            format!("{}…", text[..ends[n]].trim_end())
        }
    };
    // Largest n (characters kept, n < total) whose rendering fits; prefix length is
    // monotonic in n, so binary search.
    let fits = |n: usize| render(&clipped(n)).len() <= MAX_PAYLOAD_BYTES;
    if !fits(0) {
        return None;
    }
    let (mut lo, mut hi) = (0usize, ends.len().saturating_sub(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Some(render(&clipped(lo)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_with(private: Option<String>, public: Option<String>) -> Config {
        Config {
            database_url: "sqlite://x".into(),
            bind: "127.0.0.1:0".into(),
            base_url: "http://jiwon.test".into(),
            environment: crate::config::Environment::Development,
            secret_key: vec![0; 32],
            upload_dir: "var/uploads".into(),
            max_upload_bytes: 1,
            db_pool_size: 1,
            run_worker: false,
            scheduler_interval_secs: 1,
            import_sources: Vec::new(),
            import_interval_minutes: 60,
            login_rate_limit: 10,
            meili_url: None,
            meili_key: None,
            meili_index: "announcements".into(),
            search_dir: "var/search".into(),
            page_cache_secs: 0,
            smtp_url: None,
            smtp_ca_file: None,
            smtp_pool_size: 1,
            mail_from: "noreply@jiwon.test".into(),
            outbox_dir: "var/outbox".into(),
            vapid_private_key: private,
            vapid_public_key: public,
            vapid_subject: "mailto:ops@jiwon.test".into(),
            sms_url: None,
            sms_key: None,
            sms_sender: "0212345678".into(),
            operator_name: "지원 운영팀".into(),
            operator_email: "help@jiwon.test".into(),
            operator_phone: "02-1234-5678".into(),
            privacy_officer: "김보호 (개인정보 보호책임자)".into(),
            delivery_batch: 1,
            delivery_max_attempts: 1,
            previous_secret_keys: Vec::new(),
            trusted_proxies: Vec::new(),
            push_allow_private: false,
            health_max_worker_age_secs: 120,
            email_enabled: true,
            sms_enabled: true,
            access_log: crate::logging::AccessLog::Info,
        }
    }

    /// A real browser-side key: any valid P-256 point works for encryption.
    fn subscriber(endpoint: &str) -> PushEndpointInfo {
        let (_, p256dh) = generate_vapid_keys();
        PushEndpointInfo {
            endpoint: endpoint.into(),
            p256dh,
            auth: URL_SAFE_NO_PAD.encode([7u8; 16]),
        }
    }

    fn message(body: &str) -> PushMessage {
        PushMessage {
            title: "새 지원사업".into(),
            body: body.into(),
            url: "https://jiwon.kr/announcements/42".into(),
            stop_url: None,
            topic: Some("delivery:42:push".into()),
        }
    }

    fn is_b64url_no_pad(s: &str) -> bool {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }

    #[test]
    fn generated_keys_round_trip() {
        let (private, public) = generate_vapid_keys();
        assert!(is_b64url_no_pad(&private), "{private}");
        assert!(is_b64url_no_pad(&public), "{public}");
        assert_eq!(URL_SAFE_NO_PAD.decode(&private).unwrap().len(), 32);
        let point = URL_SAFE_NO_PAD.decode(&public).unwrap();
        assert_eq!(point.len(), 65);
        assert_eq!(point[0], 0x04, "uncompressed SEC1 point");
        // The public key is the private key's, and what pages are given.
        assert_eq!(
            derive_public_key(&private).as_deref(),
            Some(public.as_str())
        );
        let config = config_with(Some(private.clone()), Some(public.clone()));
        assert_eq!(public_key(&config).as_deref(), Some(public.as_str()));
        // Fresh randomness each time.
        let (private2, public2) = generate_vapid_keys();
        assert_ne!(private, private2);
        assert_ne!(public, public2);
    }

    #[test]
    fn from_config_needs_a_valid_private_key() {
        assert!(WebPush::from_config(&config_with(None, None)).is_none());
        assert!(public_key(&config_with(None, None)).is_none());
        // Wrong length (would panic inside web-push if not checked), not base64, zero.
        for bad in ["c2hvcnQ", "not base64!", &URL_SAFE_NO_PAD.encode([0u8; 32])] {
            let config = config_with(Some(bad.to_string()), None);
            assert!(WebPush::from_config(&config).is_none(), "{bad}");
            assert!(public_key(&config).is_none(), "{bad}");
        }
        let (private, _) = generate_vapid_keys();
        assert!(WebPush::from_config(&config_with(Some(private), None)).is_some());
    }

    #[test]
    fn topics_are_short_and_url_safe() {
        for key in ["delivery:42:push", "", "한글 키", &"x".repeat(500)] {
            let topic = topic_for(key);
            assert_eq!(topic.len(), MAX_TOPIC_LEN, "{key}");
            assert!(is_b64url_no_pad(&topic), "{topic}");
            assert_eq!(topic, topic_for(key), "deterministic");
            assert_eq!(normalize_topic(key), topic, "invalid topics are hashed");
        }
        assert_ne!(topic_for("delivery:1"), topic_for("delivery:2"));
        // A valid topic is kept as given.
        assert_eq!(normalize_topic("ann-42_push"), "ann-42_push");
        let exactly_32 = "a".repeat(32);
        assert_eq!(normalize_topic(&exactly_32), exactly_32);
        assert_ne!(normalize_topic(&"a".repeat(33)), "a".repeat(33));
    }

    #[test]
    fn status_codes_map_to_channel_errors() {
        for ok in [200, 201, 202, 204] {
            assert_eq!(classify_status(ok, ""), Ok(()), "{ok}");
        }
        for gone in [404, 410] {
            assert!(
                matches!(classify_status(gone, ""), Err(ChannelError::Gone(_))),
                "{gone}"
            );
        }
        for retry in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(classify_status(retry, ""), Err(ChannelError::Retry(_))),
                "{retry}"
            );
        }
        for permanent in [300, 301, 400, 401, 403, 413, 415] {
            assert!(
                matches!(
                    classify_status(permanent, ""),
                    Err(ChannelError::Permanent(_))
                ),
                "{permanent}"
            );
        }
        match classify_status(410, "expired") {
            Err(ChannelError::Gone(m)) => assert!(m.contains("410") && m.contains("expired")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_endpoints_and_keys_are_permanent() {
        let (private, _) = generate_vapid_keys();
        let push = WebPush::from_config(&config_with(Some(private), None)).unwrap();
        for endpoint in ["not a url", "ftp://push.example/x", "mailto:a@b.c", ""] {
            let err = push
                .send(&subscriber(endpoint), &message("본문"))
                .unwrap_err();
            assert!(
                matches!(err, ChannelError::Permanent(_)),
                "{endpoint}: {err:?}"
            );
        }
        let mut bad_key = subscriber("https://push.example/x");
        bad_key.p256dh = URL_SAFE_NO_PAD.encode([4u8; 65]); // not a curve point
        let err = push.send(&bad_key, &message("본문")).unwrap_err();
        assert!(matches!(err, ChannelError::Permanent(_)), "{err:?}");
    }

    #[test]
    fn request_carries_vapid_encoding_and_delivery_headers() {
        let (private, public) = generate_vapid_keys();
        let push = WebPush::from_config(&config_with(Some(private), None)).unwrap();
        let req = push
            .build_request(
                &subscriber("https://push.example:8443/w/1"),
                &message("본문"),
            )
            .unwrap();
        let header = |name: &str| {
            req.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("no {name} header"))
        };
        let auth = header("Authorization");
        assert!(auth.starts_with("vapid t="), "{auth}");
        assert!(auth.ends_with(&format!(", k={public}")), "{auth}");
        // The JWT claims: aud is the origin including its port.
        let jwt = &auth["vapid t=".len()..auth.find(',').unwrap()];
        let claims: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(jwt.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["aud"], "https://push.example:8443");
        assert_eq!(claims["sub"], "mailto:ops@jiwon.test");
        assert_eq!(header("Content-Encoding"), "aes128gcm");
        assert_eq!(header("TTL"), TTL_SECS.to_string());
        assert_eq!(header("Urgency"), "normal");
        assert_eq!(header("Topic"), topic_for("delivery:42:push"));
        // salt(16) rs(4) idlen(1)=65 keyid(65): the sender's public point.
        assert_eq!(req.body[20], 65);
        assert_eq!(req.body[21], 0x04);
        assert!(req.body.len() <= 4096);
    }

    #[test]
    fn long_bodies_are_cut_to_fit() {
        let long = "지원사업 안내 ".repeat(1000); // ~ 20 KB
        let json = payload_json(&message(&long)).unwrap();
        assert!(json.len() <= MAX_PAYLOAD_BYTES, "{}", json.len());
        // Not much room is wasted either.
        assert!(json.len() > MAX_PAYLOAD_BYTES - 8, "{}", json.len());
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["title"], "새 지원사업");
        assert_eq!(value["url"], "https://jiwon.kr/announcements/42");
        let body = value["body"].as_str().unwrap();
        assert!(body.ends_with('…'), "{body}");
        assert!(long.starts_with(body.trim_end_matches('…')));

        // Short messages are untouched.
        let json = payload_json(&message("짧은 본문")).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["body"], "짧은 본문");

        // A huge title is cut once the body is gone; a huge URL cannot be.
        let mut msg = message(&long);
        msg.title = "제목".repeat(2000);
        let json = payload_json(&msg).unwrap();
        assert!(json.len() <= MAX_PAYLOAD_BYTES);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["body"], "");
        assert!(value["title"].as_str().unwrap().ends_with('…'));
        msg.url = format!("https://jiwon.kr/{}", "a".repeat(4000));
        assert!(matches!(
            payload_json(&msg),
            Err(ChannelError::Permanent(_))
        ));

        // And the builder accepts what we produce.
        let (private, _) = generate_vapid_keys();
        let push = WebPush::from_config(&config_with(Some(private), None)).unwrap();
        let req = push
            .build_request(&subscriber("https://push.example/w"), &message(&long))
            .unwrap();
        assert!(req.body.len() <= 4096, "{}", req.body.len());
    }
}
