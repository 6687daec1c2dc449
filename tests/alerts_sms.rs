//! The SMS channel against a real HTTP provider on a loopback port. The fake provider
//! checks every request the way a Korean SMS gateway would (key, numbers, EUC-KR
//! lengths counted with its own encoder) and records what it received, so the tests
//! assert what the provider — and the person's phone — would actually get.

mod common;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use encoding_rs::EUC_KR;
use serde_json::{json, Value};

use jiwon::alerts::sms::{compose, sender_from_config, OutgoingSms, SmsSender};
use jiwon::alerts::ChannelError;
use jiwon::config::Config;

const KEY: &str = "test-sms-key";
const SENDER: &str = "0212345678";
const LINK: &str = "https://jiwon.test/a/0193a1b2c3";
/// The provider answers 503 the first time it sees this number.
const FLAKY_NUMBER: &str = "01099999999";
/// The provider always answers 429 (rate limited) for this number.
const THROTTLED_NUMBER: &str = "01088888888";

/// One request as the provider saw it.
#[derive(Debug, Clone)]
struct Received {
    authorization: Option<String>,
    idempotency_key: Option<String>,
    content_type: Option<String>,
    body: Value,
    status: u16,
}

/// The provider's state: what it expects and what it got.
struct Provider {
    key: Option<String>,
    received: Mutex<Vec<Received>>,
    /// Idempotency key → message id, so a repeated key gets the same message back.
    messages: Mutex<HashMap<String, String>>,
    flaked: AtomicBool,
}

/// The size of `text` in EUC-KR, counted here independently of the crate; `None` when
/// EUC-KR cannot carry it (a strict gateway refuses such text).
fn euc_kr_bytes(text: &str) -> Option<usize> {
    let (bytes, _, had_errors) = EUC_KR.encode(text);
    (!had_errors).then_some(bytes.len())
}

fn is_korean_mobile(to: &str) -> bool {
    (10..=11).contains(&to.len())
        && to.bytes().all(|b| b.is_ascii_digit())
        && ["010", "011", "016", "017", "018", "019"]
            .iter()
            .any(|p| to.starts_with(p))
}

fn check_length(what: &str, text: &str, max: usize) -> Result<(), String> {
    match euc_kr_bytes(text) {
        None => Err(format!("{what}: EUC-KR로 보낼 수 없는 문자가 있습니다")),
        Some(n) if n > max => Err(format!("{what}: {n}바이트 (최대 {max})")),
        Some(_) => Ok(()),
    }
}

impl Provider {
    /// What a gateway would refuse, as its error message.
    fn check(&self, r: &Received) -> Result<(), String> {
        let expected_auth = self.key.as_ref().map(|k| format!("Bearer {k}"));
        if r.authorization != expected_auth {
            return Err("인증 키가 올바르지 않습니다".into());
        }
        let content_type = r.content_type.as_deref().unwrap_or("");
        if !content_type.starts_with("application/json") || !content_type.contains("utf-8") {
            return Err(format!("Content-Type이 잘못되었습니다: {content_type}"));
        }
        let body = &r.body;
        let reference = body["ref"].as_str().unwrap_or("");
        if reference.is_empty() || r.idempotency_key.as_deref() != Some(reference) {
            return Err("Idempotency-Key가 없거나 ref와 다릅니다".into());
        }
        if body["from"] != SENDER {
            return Err(format!("등록되지 않은 발신번호입니다: {}", body["from"]));
        }
        let to = body["to"].as_str().unwrap_or("");
        if !is_korean_mobile(to) {
            return Err(format!("수신번호가 휴대폰 번호가 아닙니다: {to}"));
        }
        let text = body["text"].as_str().unwrap_or("");
        if text.is_empty() {
            return Err("내용이 비었습니다".into());
        }
        match body["type"].as_str() {
            Some("SMS") if body.get("subject").is_some() => Err("SMS에는 제목이 없습니다".into()),
            Some("SMS") => check_length("SMS", text, 90),
            Some("LMS") => {
                check_length("LMS", text, 2000)?;
                match body.get("subject") {
                    None => Ok(()),
                    Some(s) => check_length("LMS 제목", s.as_str().unwrap_or("\u{1F600}"), 40),
                }
            }
            other => Err(format!("알 수 없는 type: {other:?}")),
        }
    }

    /// The answer for a request that passed the checks.
    fn answer(&self, r: &Received) -> (u16, Value) {
        let to = r.body["to"].as_str().unwrap_or("");
        if to == THROTTLED_NUMBER {
            return (429, json!({"error": "요청이 너무 많습니다"}));
        }
        if to == FLAKY_NUMBER && !self.flaked.swap(true, Ordering::SeqCst) {
            return (503, json!({"error": "점검 중입니다"}));
        }
        let mut messages = self.messages.lock().unwrap();
        let next = format!("m-{}", messages.len() + 1);
        let key = r.idempotency_key.clone().unwrap_or_default();
        let id = messages.entry(key).or_insert(next).clone();
        (200, json!({ "message_id": id }))
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, p: web::Data<Provider>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let mut r = Received {
        authorization: header("authorization"),
        idempotency_key: header("idempotency-key"),
        content_type: header("content-type"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        status: 0,
    };
    let (status, answer) = match p.check(&r) {
        Err(problem) => (400, json!({ "error": problem })),
        Ok(()) => p.answer(&r),
    };
    r.status = status;
    p.received.lock().unwrap().push(r);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(answer)
}

/// A provider listening on a free loopback port.
struct FakeProvider {
    url: String,
    state: web::Data<Provider>,
    handle: actix_web::dev::ServerHandle,
}

impl FakeProvider {
    fn start(key: Option<&str>) -> FakeProvider {
        let state = web::Data::new(Provider {
            key: key.map(str::to_string),
            received: Mutex::new(Vec::new()),
            messages: Mutex::new(HashMap::new()),
            flaked: AtomicBool::new(false),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://{}/v1/messages",
            listener.local_addr().expect("addr")
        );
        let (tx, rx) = std::sync::mpsc::channel();
        let data = state.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .route("/v1/messages", web::post().to(receive))
                })
                .workers(1)
                .listen(listener)
                .expect("listen")
                .run();
                let _ = tx.send(server.handle());
                let _ = server.await;
            });
        });
        let handle = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("provider started");
        FakeProvider { url, state, handle }
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(handle.stop(false));
        });
    }
}

/// A test config pointing at `url` (or at the log sink when `None`).
fn config(dir: &std::path::Path, url: Option<&str>, key: Option<&str>) -> Config {
    let mut config = common::test_config(dir, format!("sqlite://{}/t.db", dir.display()));
    config.sms_url = url.map(str::to_string);
    config.sms_key = key.map(str::to_string);
    config.sms_sender = SENDER.into();
    config
}

fn http_sender(
    provider: &FakeProvider,
    key: Option<&str>,
) -> (tempfile::TempDir, Box<dyn SmsSender>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let sender = sender_from_config(&config(dir.path(), Some(&provider.url), key));
    (dir, sender)
}

fn outgoing(to: &str, title: &str, body: &str, key: &str) -> OutgoingSms {
    OutgoingSms {
        to: to.into(),
        sms: compose(title, body, LINK),
        key: key.into(),
    }
}

#[test]
fn short_alert_arrives_as_an_sms_exactly_as_written() {
    let provider = FakeProvider::start(Some(KEY));
    let (_dir, sender) = http_sender(&provider, Some(KEY));
    let msg = outgoing(
        "010-1234-5678",
        "청년 창업 지원금",
        "12월 31일 마감",
        "dlv-0001",
    );

    assert_eq!(sender.send(&msg), Ok("m-1".to_string()));

    let got = provider.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.authorization.as_deref(), Some("Bearer test-sms-key"));
    assert_eq!(r.idempotency_key.as_deref(), Some("dlv-0001"));
    assert_eq!(
        r.body,
        json!({
            "type": "SMS",
            "from": "0212345678",
            "to": "01012345678",
            "text": "[지원] 청년 창업 지원금\n12월 31일 마감\nhttps://jiwon.test/a/0193a1b2c3",
            "ref": "dlv-0001",
        })
    );
}

#[test]
fn long_alert_arrives_as_an_lms_with_the_link_intact() {
    let provider = FakeProvider::start(Some(KEY));
    let (_dir, sender) = http_sender(&provider, Some(KEY));
    let title =
        "2027년 울산광역시 소상공인 온라인 판로 개척 및 라이브커머스 지원사업 참여기업 모집 공고";
    let body = "신청 기간: 2026년 12월 1일 ~ 12월 31일, 울산경제일자리진흥원";
    let long_body = "지원 내용: 쇼핑몰 입점 수수료와 방송 제작비를 지원합니다. ".repeat(60);

    assert_eq!(
        sender.send(&outgoing("+82 10-2345-6789", title, body, "dlv-lms-1")),
        Ok("m-1".to_string())
    );
    assert_eq!(
        sender.send(&outgoing("01023456789", title, &long_body, "dlv-lms-2")),
        Ok("m-2".to_string())
    );

    let got = provider.received();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|r| r.status == 200), "{got:?}");
    let first = &got[0].body;
    assert_eq!(first["type"], "LMS");
    assert_eq!(first["to"], "01023456789");
    assert_eq!(first["text"], format!("[지원] {title}\n{body}\n{LINK}"));
    let subject = first["subject"].as_str().expect("LMS subject");
    assert!(subject.starts_with("2027년 울산광역시"), "{subject}");
    assert!(subject.ends_with('…'), "{subject}");

    let second = &got[1].body;
    assert_eq!(second["type"], "LMS");
    let text = second["text"].as_str().expect("text");
    assert!(
        text.starts_with(&format!("[지원] {title}\n지원 내용: ")),
        "{text}"
    );
    assert!(text.ends_with(&format!("…\n{LINK}")), "{text}");
    let bytes = euc_kr_bytes(text).expect("EUC-KR text");
    assert!(bytes > 1900 && bytes <= 2000, "{bytes} bytes");
    assert_eq!(got[1].idempotency_key.as_deref(), Some("dlv-lms-2"));
}

#[test]
fn repeated_delivery_key_is_recognised_by_the_provider() {
    let provider = FakeProvider::start(Some(KEY));
    let (_dir, sender) = http_sender(&provider, Some(KEY));
    let msg = outgoing("010-1234-5678", "판로 지원", "마감 임박", "dlv-same");
    let other = outgoing("010-1234-5678", "판로 지원", "마감 임박", "dlv-other");

    let first = sender.send(&msg).expect("sent");
    let again = sender.send(&msg).expect("sent again");
    let different = sender.send(&other).expect("other sent");

    assert_eq!(first, again, "same key, same provider message");
    assert_ne!(first, different);
    let keys: Vec<_> = provider
        .received()
        .iter()
        .map(|r| r.idempotency_key.clone())
        .collect();
    assert_eq!(
        keys,
        [Some("dlv-same"), Some("dlv-same"), Some("dlv-other")].map(|k| k.map(String::from))
    );
}

#[test]
fn provider_outage_is_retried_and_the_retry_goes_through() {
    let provider = FakeProvider::start(Some(KEY));
    let (_dir, sender) = http_sender(&provider, Some(KEY));
    let msg = outgoing("010-9999-9999", "판로 지원", "마감 임박", "dlv-flaky");

    match sender.send(&msg) {
        Err(ChannelError::Retry(m)) => assert!(m.contains("503"), "{m}"),
        other => panic!("503 should be retried, got {other:?}"),
    }
    assert_eq!(sender.send(&msg), Ok("m-1".to_string()));
    let statuses: Vec<_> = provider.received().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 200]);
}

#[test]
fn rate_limit_is_retried() {
    let provider = FakeProvider::start(Some(KEY));
    let (_dir, sender) = http_sender(&provider, Some(KEY));
    let msg = outgoing(THROTTLED_NUMBER, "판로 지원", "", "dlv-429");
    match sender.send(&msg) {
        Err(ChannelError::Retry(m)) => assert!(m.contains("429"), "{m}"),
        other => panic!("429 should be retried, got {other:?}"),
    }
}

#[test]
fn wrong_key_is_a_permanent_refusal_with_the_providers_reason() {
    let provider = FakeProvider::start(Some(KEY));
    let (_dir, sender) = http_sender(&provider, Some("wrong-key"));
    let msg = outgoing("010-1234-5678", "판로 지원", "마감 임박", "dlv-badkey");

    match sender.send(&msg) {
        Err(ChannelError::Permanent(m)) => {
            assert!(m.contains("400"), "{m}");
            assert!(m.contains("인증 키가 올바르지 않습니다"), "{m}");
        }
        other => panic!("a 400 should be permanent, got {other:?}"),
    }
    let got = provider.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].authorization.as_deref(), Some("Bearer wrong-key"));
}

#[test]
fn no_key_configured_sends_no_authorization_header() {
    let provider = FakeProvider::start(None);
    let (_dir, sender) = http_sender(&provider, None);
    let msg = outgoing("010-1234-5678", "판로 지원", "마감 임박", "dlv-nokey");

    assert_eq!(sender.send(&msg), Ok("m-1".to_string()));
    assert_eq!(provider.received()[0].authorization, None);
}

#[test]
fn landline_is_refused_before_reaching_the_provider() {
    let provider = FakeProvider::start(Some(KEY));
    let (_dir, sender) = http_sender(&provider, Some(KEY));
    let msg = outgoing("02-1234-5678", "판로 지원", "마감 임박", "dlv-landline");

    assert!(matches!(sender.send(&msg), Err(ChannelError::Permanent(_))));
    assert!(provider.received().is_empty());
}

#[test]
fn unreachable_provider_is_retried() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("http://127.0.0.1:{port}/v1/messages");
    let sender = sender_from_config(&config(dir.path(), Some(&url), Some(KEY)));
    let msg = outgoing("010-1234-5678", "판로 지원", "마감 임박", "dlv-down");

    assert!(
        matches!(sender.send(&msg), Err(ChannelError::Retry(_))),
        "a closed port should be retried"
    );
    assert!(
        !dir.path().join("outbox/sms.log").exists(),
        "with a URL configured nothing goes to the log sink"
    );
}

#[test]
fn log_sink_writes_one_json_line_per_message_from_many_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sender = sender_from_config(&config(dir.path(), None, None));
    let long_title = "2027년 울산광역시 소상공인 온라인 판로 개척 및 라이브커머스 지원사업";

    let ids: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..8)
            .map(|t| {
                let sender = &sender;
                s.spawn(move || {
                    (0..5)
                        .map(|i| {
                            let title = if i == 0 { long_title } else { "판로 지원" };
                            let msg = outgoing(
                                "010-1234-5678",
                                title,
                                "마감 임박",
                                &format!("k-{t}-{i}"),
                            );
                            sender.send(&msg).expect("logged")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("thread"))
            .collect()
    });

    let log = std::fs::read_to_string(dir.path().join("outbox/sms.log")).expect("sms.log");
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 40);
    let mut logged_ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    logged_ids.sort_unstable();
    let mut returned: Vec<&str> = ids.iter().map(String::as_str).collect();
    returned.sort_unstable();
    assert_eq!(logged_ids, returned);
    returned.dedup();
    assert_eq!(returned.len(), 40, "ids are unique");

    let short = lines
        .iter()
        .find(|l| l["ref"] == "k-3-2")
        .expect("k-3-2 logged");
    assert_eq!(short["type"], "SMS");
    assert_eq!(short["to"], "01012345678");
    assert_eq!(short["from"], SENDER);
    assert_eq!(
        short["text"],
        format!("[지원] 판로 지원\n마감 임박\n{LINK}")
    );
    let long = lines
        .iter()
        .find(|l| l["ref"] == "k-5-0")
        .expect("k-5-0 logged");
    assert_eq!(long["type"], "LMS");
    assert!(long["subject"].as_str().is_some_and(|s| s.ends_with('…')));
}

#[test]
fn log_sink_refuses_what_a_provider_would() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sender = sender_from_config(&config(dir.path(), None, None));
    let msg = outgoing("031-123-4567", "판로 지원", "", "k-landline");
    assert!(matches!(sender.send(&msg), Err(ChannelError::Permanent(_))));
    assert!(!dir.path().join("outbox/sms.log").exists());
}

// --- phone numbers are verified before any SMS --------------------------------------------

const PW: &str = "owner password 123";

/// An app whose SMS go to `provider`.
fn app_with(provider: &FakeProvider) -> common::TestApp {
    let url = provider.url.clone();
    common::TestApp::spawn_with(move |c| {
        c.sms_url = Some(url);
        c.sms_key = Some(KEY.into());
        c.sms_sender = SENDER.into();
    })
}

/// A signed-in owner whose profile has `phone` saved but not verified.
fn owner_with_unverified(app: &common::TestApp, phone: &str) -> (String, common::Client) {
    let phone = phone.to_string();
    let (id, email) = app.owner_with(PW, move |p| {
        p.phone = Some(phone);
        p.reminder_channels = "[\"email\",\"sms\"]".into();
    });
    let me = app.client();
    me.login(&email, PW);
    (id, me)
}

fn ask_code(me: &common::Client) -> common::Resp {
    let csrf = me.csrf("/me/profile");
    me.post_form("/me/phone/code", &[("csrf_token", &csrf)])
}

fn type_code(me: &common::Client, code: &str) -> common::Resp {
    let csrf = me.csrf("/me/profile");
    me.post_form("/me/phone/verify", &[("csrf_token", &csrf), ("code", code)])
}

/// The six digits of the last code text the provider received for `to`.
fn last_code(provider: &FakeProvider, to: &str) -> String {
    let texts: Vec<String> = provider
        .received()
        .iter()
        .filter(|r| r.body["to"] == to && r.status == 200)
        .filter_map(|r| r.body["text"].as_str().map(str::to_string))
        .filter(|t| t.contains("인증번호"))
        .collect();
    let text = texts
        .last()
        .unwrap_or_else(|| panic!("no code texted to {to}"));
    let digits: String = text
        .split("인증번호 ")
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    assert_eq!(digits.len(), 6, "{text}");
    digits
}

fn verified_at(app: &common::TestApp, id: &str) -> Option<chrono::NaiveDateTime> {
    jiwon::alerts::store::find_profile(&mut app.conn(), id)
        .expect("query")
        .expect("profile")
        .phone_verified_at
}

#[test]
fn a_texted_code_verifies_the_number_wrong_and_expired_codes_do_not() {
    let provider = FakeProvider::start(Some(KEY));
    let app = app_with(&provider);
    let (id, me) = owner_with_unverified(&app, "01012345678");

    let page = me.get("/me/profile");
    page.assert_contains("010-1234-5678 번호는 아직 확인 전이라 문자 알림을 보내지 않습니다");
    assert!(
        !page.body.contains("sms-sink-note"),
        "a provider is configured: no 'not really sent' note"
    );

    let r = ask_code(&me);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/me/profile?code=sent#phone-verify");
    me.get("/me/profile")
        .assert_contains("인증번호를 보냈습니다");
    app.tick();
    let first = last_code(&provider, "01012345678");
    let got = provider.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["type"], "SMS", "a code fits one SMS");
    // The code itself is stored nowhere: not in the verification row, not in the delivery.
    let mut conn = app.conn();
    use diesel::prelude::*;
    use jiwon::db::schema::{deliveries, phone_verifications};
    let hashes: Vec<String> = phone_verifications::table
        .select(phone_verifications::code_hash)
        .load(&mut conn)
        .expect("rows");
    assert_eq!(hashes.len(), 1);
    assert!(!hashes[0].contains(&first));
    let details: Vec<String> = deliveries::table
        .select(deliveries::detail)
        .load(&mut conn)
        .expect("deliveries");
    assert!(details.iter().all(|d| !d.contains(&first)), "{details:?}");
    drop(conn);

    // A wrong code: a Korean message at the field, the number still unverified.
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    let r = type_code(&me, wrong);
    assert_eq!(r.status, 422);
    r.assert_contains("인증번호가 맞지 않습니다. 4번 더 입력할 수 있습니다.");
    assert!(r.body.contains("id=\"code-error\""), "message at the field");
    assert!(r.body.contains("href=\"#i-code\""), "and in the summary");
    let r = type_code(&me, "12ab");
    assert_eq!(r.status, 422);
    r.assert_contains("숫자 6자리를 입력해 주세요");
    assert_eq!(verified_at(&app, &id), None);

    // Ten minutes later the code is no good, even typed right.
    app.clock.advance(chrono::Duration::minutes(11));
    let r = type_code(&me, &first);
    assert_eq!(r.status, 422);
    r.assert_contains("10분이 지났습니다. 인증번호를 다시 받아 주세요.");
    assert_eq!(verified_at(&app, &id), None);

    // A fresh code, typed right: verified.
    assert_eq!(ask_code(&me).status, 303);
    app.tick();
    let second = last_code(&provider, "01012345678");
    let r = type_code(&me, &second);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(verified_at(&app, &id).is_some());
    me.get("/me/profile")
        .assert_contains("010-1234-5678 번호를 확인했습니다");

    // Changing the number un-verifies it.
    let csrf = me.csrf("/me/profile");
    let r = me.post_form(
        "/me/profile",
        &[
            ("csrf_token", &csrf),
            ("phone", "010-2222-3333"),
            ("digest_hour", "8"),
            ("daily_cap", "20"),
            ("reminder_days", "1"),
            ("reminder_channels", "sms"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(verified_at(&app, &id), None);
    me.get("/me/profile")
        .assert_contains("010-2222-3333 번호는 아직 확인 전");
}

#[test]
fn five_wrong_guesses_void_a_code() {
    let provider = FakeProvider::start(Some(KEY));
    let app = app_with(&provider);
    let (id, me) = owner_with_unverified(&app, "01012345678");
    assert_eq!(ask_code(&me).status, 303);
    app.tick();
    let code = last_code(&provider, "01012345678");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        assert_eq!(type_code(&me, wrong).status, 422);
    }
    let r = type_code(&me, wrong);
    r.assert_contains("5번 틀려 이 인증번호는 더 쓸 수 없습니다");
    let r = type_code(&me, &code);
    assert_eq!(r.status, 422, "the right code no longer works");
    assert_eq!(verified_at(&app, &id), None);
}

#[test]
fn codes_are_rate_limited_per_account_and_per_number() {
    let provider = FakeProvider::start(Some(KEY));
    let app = app_with(&provider);
    let (id, me) = owner_with_unverified(&app, "01012345678");
    // Three codes to one number in an hour, then the number is refused.
    for _ in 0..3 {
        assert_eq!(ask_code(&me).status, 303);
    }
    let r = ask_code(&me);
    assert_eq!(r.status, 429);
    r.assert_contains("인증번호를 너무 자주 요청하셨습니다");
    assert!(r.body.contains("id=\"phone_code-error\""));

    // Another account asking for the same number is refused too.
    let (_, other) = owner_with_unverified(&app, "01012345678");
    assert_eq!(ask_code(&other).status, 429);

    // The first account moves to another number: its fifth request goes through, the
    // sixth is refused (five per hour per account, refused requests counted too).
    {
        let mut conn = app.conn();
        let mut p = jiwon::alerts::store::find_profile(&mut conn, &id)
            .expect("q")
            .expect("profile");
        p.phone = Some("01022223333".into());
        jiwon::alerts::store::save_profile(&mut conn, &p).expect("save");
    }
    assert_eq!(ask_code(&me).status, 303);
    let r = ask_code(&me);
    assert_eq!(r.status, 429, "sixth request of the account");
    app.tick();
    let texted: Vec<String> = provider
        .received()
        .iter()
        .map(|r| r.body["to"].as_str().unwrap_or_default().to_string())
        .collect();
    // Each new code voids the one before, so only the newest of each number is texted.
    assert_eq!(texted, ["01022223333"], "{texted:?}");
}

#[test]
fn no_alert_or_reminder_goes_to_an_unverified_number() {
    use diesel::prelude::*;
    use jiwon::db::schema::deliveries;
    let provider = FakeProvider::start(Some(KEY));
    let app = app_with(&provider);
    let (id, me) = owner_with_unverified(&app, "01012345678");
    // An SMS subscription from before the number changed (the form refuses new ones).
    let criteria = jiwon::alerts::criteria::Criteria {
        categories: vec!["내수".into()],
        ..Default::default()
    }
    .canonical();
    jiwon::alerts::store::subscribe(
        &mut app.conn(),
        jiwon::alerts::store::Subscriber::Owner {
            user_id: &id,
            source: "test",
        },
        "내수",
        &criteria,
        "instant",
        &["sms".to_string()],
        app.now(),
    )
    .expect("subscribe");
    // The form says why SMS is not offered, and refuses a forged choice.
    let form = me.get("/alerts/new");
    form.assert_contains("문자(SMS)는 아직 고를 수 없습니다");
    assert!(common::inputs(&form.body, "channel", Some("sms")).is_empty());
    let csrf = me.csrf("/alerts/new");
    let r = me.post_form(
        "/alerts",
        &[
            ("csrf_token", &csrf),
            ("category", "내수"),
            ("frequency", "instant"),
            ("channel", "sms"),
        ],
    );
    assert_eq!(r.status, 422);
    r.assert_contains("휴대전화 번호 확인(문자로 받은 인증번호 입력)을 먼저 마쳐 주세요");

    // A matching announcement closing in 6 days, bookmarked: an alert and a D-7 reminder
    // would both be due — by email only.
    let (_, staff_email, staff_pw) = app.staff("중소벤처기업부", "editor");
    let staff = app.client();
    staff.login(&staff_email, &staff_pw);
    let ann = common::create_announcement(
        &staff,
        &[("apply_start", "2026-11-20"), ("apply_end", "2026-11-30")],
    );
    let csrf = staff.csrf(&format!("/console/announcements/{ann}"));
    let r = staff.post_form(
        &format!("/console/announcements/{ann}/publish"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    let csrf = me.csrf(&format!("/bookmarks/new?announcement={ann}"));
    let r = me.post_form(
        "/me/bookmarks",
        &[("csrf_token", &csrf), ("announcement", &ann)],
    );
    assert_eq!(r.status, 303);
    app.tick();
    let kinds: Vec<(String, String)> = deliveries::table
        .select((deliveries::channel, deliveries::kind))
        .load(&mut app.conn())
        .expect("deliveries");
    assert!(
        kinds.contains(&("email".into(), "reminder_d7".into())),
        "{kinds:?}"
    );
    assert!(
        kinds.iter().all(|(c, _)| c != "sms"),
        "nothing planned on SMS: {kinds:?}"
    );
    assert!(provider.received().is_empty());

    // Verified, the next announcement's alert is texted.
    assert_eq!(ask_code(&me).status, 303);
    app.tick();
    let code = last_code(&provider, "01012345678");
    assert_eq!(type_code(&me, &code).status, 303);
    let second =
        common::create_announcement(&staff, &[("title", "2027년 울산 배달앱 수수료 지원")]);
    let csrf = staff.csrf(&format!("/console/announcements/{second}"));
    staff.post_form(
        &format!("/console/announcements/{second}/publish"),
        &[("csrf_token", &csrf)],
    );
    app.tick();
    let texts: Vec<String> = provider
        .received()
        .iter()
        .filter_map(|r| r.body["text"].as_str().map(str::to_string))
        .collect();
    // The code, the new announcement, and now also the bookmark's D-7 reminder.
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("배달앱 수수료 지원")),
        "{texts:?}"
    );
    assert_eq!(
        texts.iter().filter(|t| t.contains("마감 임박")).count(),
        1,
        "{texts:?}"
    );
}
