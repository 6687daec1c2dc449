//! SMS channel: Korean message-length rules, the text we send, and the provider adapter.
//!
//! # Length rules
//!
//! Korean carriers bill and cut messages by their size in EUC-KR (CP949): a Hangul
//! syllable is 2 bytes, ASCII 1 byte. An SMS carries at most [`SMS_MAX_BYTES`] (90);
//! anything longer goes as an LMS of at most [`LMS_MAX_BYTES`] (2000) with a subject of
//! at most [`LMS_SUBJECT_MAX_BYTES`] (40). Characters EUC-KR cannot carry (emoji, most
//! non-Korean scripts) are replaced with `?` before sending (`—`, `–`, `₩` with their
//! EUC-KR look-alikes), and counted as what replaces them: a provider substituting them
//! itself might use `&#128512;`-style references and push a message we measured as
//! fitting over the limit.
//!
//! # Provider contract (`HttpSms`)
//!
//! Modelled after the common Korean SMS gateways:
//!
//! ```text
//! POST {JIWON_SMS_URL}
//! Authorization: Bearer {JIWON_SMS_KEY}        (omitted when no key is configured)
//! Idempotency-Key: {delivery key}              (same key again = same message, not sent twice)
//! Content-Type: application/json; charset=utf-8
//!
//! {"type":"SMS"|"LMS","from":"0212345678","to":"01012345678",
//!  "subject":"…" (LMS only),"text":"…","ref":"{delivery key}"}
//! ```
//!
//! - `2xx` with `{"message_id":"…"}`: accepted; the id is kept (empty when absent).
//! - `429`, `5xx`, or no answer (connect 5 s, whole request 15 s): try again later.
//! - any other `4xx`: rejected for good; the first 300 characters of the body are kept.
//!
//! Without `JIWON_SMS_URL`, messages are appended to `{outbox_dir}/sms.log` ([`LogSms`]).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use encoding_rs::EUC_KR;
use serde::Serialize;

use super::ChannelError;
use crate::config::Config;

/// Most EUC-KR bytes one SMS carries.
pub const SMS_MAX_BYTES: usize = 90;
/// Most EUC-KR bytes of an LMS body.
pub const LMS_MAX_BYTES: usize = 2000;
/// Most EUC-KR bytes of an LMS subject.
pub const LMS_SUBJECT_MAX_BYTES: usize = 40;

/// Added where text was cut, so the reader knows something is missing (2 bytes in EUC-KR).
const ELLIPSIS: char = '…';
/// Stands in for characters EUC-KR cannot carry.
const REPLACEMENT: char = '?';
/// Starts every message so the recipient knows who is writing.
const BRAND: &str = "[지원]";
/// How much of a provider's error body is kept for the operator.
const ERROR_BODY_CHARS: usize = 300;

/// Punctuation common in announcement titles that EUC-KR lacks, and the look-alike it
/// does have: better than a `?` in the middle of a title.
const LOOKALIKES: [(char, char); 3] = [('—', '―'), ('–', '-'), ('₩', '￦')];

/// The character the phone will show for `c`: `c` itself, its look-alike, or `?`.
fn carried(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    let c = LOOKALIKES
        .iter()
        .find(|(from, _)| *from == c)
        .map_or(c, |(_, to)| *to);
    if encoded_len(c).is_some() {
        c
    } else {
        REPLACEMENT
    }
}

/// EUC-KR (CP949) bytes of `c`, or `None` when it cannot be encoded.
fn encoded_len(c: char) -> Option<usize> {
    let mut buf = [0u8; 4];
    let (bytes, _, had_errors) = EUC_KR.encode(c.encode_utf8(&mut buf));
    (!had_errors).then_some(bytes.len())
}

/// EUC-KR bytes of one character as it will be sent (see [`carried`]).
fn char_bytes(c: char) -> usize {
    let c = carried(c);
    if c.is_ascii() {
        1
    } else {
        encoded_len(c).unwrap_or(1)
    }
}

/// The size of `s` in EUC-KR (CP949), the unit carriers count in. Characters EUC-KR
/// cannot carry count as what [`replace_unencodable`] puts in their place (usually the
/// 1-byte `?`).
pub fn euc_kr_len(s: &str) -> usize {
    s.chars().map(char_bytes).sum()
}

/// `s` with every character EUC-KR cannot carry replaced (a look-alike for `—`, `–`
/// and `₩`, `?` for the rest), so what we measure is what the phone shows.
pub fn replace_unencodable(s: &str) -> String {
    s.chars().map(carried).collect()
}

/// `s` cut to at most `max` EUC-KR bytes at a character boundary, ending in `…` when
/// cut (the ellipsis counts towards `max`). Text that fits comes back unchanged. When
/// `max` is too small for even the ellipsis, the longest fitting prefix is returned.
pub fn truncate_to_bytes(s: &str, max: usize) -> String {
    if euc_kr_len(s) <= max {
        return s.to_string();
    }
    let ellipsis = char_bytes(ELLIPSIS);
    if max < ellipsis {
        return prefix_within(s, max).to_string();
    }
    let mut cut = prefix_within(s, max - ellipsis).trim_end().to_string();
    cut.push(ELLIPSIS);
    cut
}

/// The longest prefix of `s` (whole characters) that takes at most `budget` bytes.
fn prefix_within(s: &str, budget: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += char_bytes(c);
        if used > budget {
            return &s[..i];
        }
    }
    s
}

/// Which carrier product a message goes as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsKind {
    /// Up to 90 bytes, no subject.
    Sms,
    /// Up to 2000 bytes with a subject of up to 40.
    Lms,
}

impl SmsKind {
    /// The name providers use (`"SMS"`, `"LMS"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SmsKind::Sms => "SMS",
            SmsKind::Lms => "LMS",
        }
    }

    /// Most EUC-KR bytes the text may take.
    pub fn max_bytes(self) -> usize {
        match self {
            SmsKind::Sms => SMS_MAX_BYTES,
            SmsKind::Lms => LMS_MAX_BYTES,
        }
    }
}

/// A message ready for a carrier: within its kind's limits, EUC-KR safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsText {
    pub kind: SmsKind,
    /// LMS only.
    pub subject: Option<String>,
    pub text: String,
}

/// One line of display text: newlines and runs of spaces become one space (a title with
/// a line break would otherwise break the message layout), EUC-KR safe.
fn one_line(s: &str) -> String {
    replace_unencodable(&s.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The alert for an announcement: `[지원] {title}`, `{body_line}`, `{link}` on three
/// lines (empty parts are left out). `link` is the tail the reader acts on — the short
/// link, and the alerts add a `수신거부 …` line under it — and may span lines.
///
/// It goes as an SMS when the whole text fits in 90 bytes, otherwise as an LMS whose
/// subject is the title (cut to 40 bytes) and whose text is cut to 2000 bytes. Cutting
/// only ever shortens the title and body: the link is what the reader acts on, so it is
/// never cut. (A link too long for even an LMS — never one of ours — is left out rather
/// than sent broken.) The link should be ASCII (percent-encoded); it is sent as given.
pub fn compose(title: &str, body_line: &str, link: &str) -> SmsText {
    let title = one_line(title);
    let body = one_line(body_line);
    let link = link.trim();
    let head = head_text(&title, &body);
    let full = join_lines(&[head.as_str(), link]);
    if euc_kr_len(&full) <= SMS_MAX_BYTES {
        return SmsText {
            kind: SmsKind::Sms,
            subject: None,
            text: full,
        };
    }
    let subject = truncate_to_bytes(&title, LMS_SUBJECT_MAX_BYTES);
    SmsText {
        kind: SmsKind::Lms,
        subject: (!subject.is_empty()).then_some(subject),
        text: lms_text(&head, link),
    }
}

/// The part of the message that may be shortened: brand and title, then the body line.
fn head_text(title: &str, body: &str) -> String {
    let first = if title.is_empty() {
        BRAND.to_string()
    } else {
        format!("{BRAND} {title}")
    };
    join_lines(&[first.as_str(), body])
}

/// The non-empty parts, one per line.
fn join_lines(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// LMS text: the head cut to leave room for the whole link on its own last line.
fn lms_text(head: &str, link: &str) -> String {
    let link_room = euc_kr_len(link) + 1;
    if link.is_empty() || link_room > LMS_MAX_BYTES {
        return truncate_to_bytes(head, LMS_MAX_BYTES);
    }
    let head = truncate_to_bytes(head, LMS_MAX_BYTES - link_room);
    join_lines(&[head.as_str(), link])
}

/// Korean mobile number as `01012345678`, or `None` when it is not one.
///
/// Accepts `010-1234-5678`, `01012345678`, `010 1234 5678`, `010.1234.5678` and the
/// international `+82 10-1234-5678` (also `+82 010-…`). Prefixes 010, 011, 016, 017,
/// 018 and 019; 10 or 11 digits in all. Landlines and anything else are rejected: a
/// text to them would be billed and never read.
pub fn normalize_phone(s: &str) -> Option<String> {
    let compact: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '.'))
        .collect();
    let digits = match compact.strip_prefix("+82") {
        Some(rest) if rest.starts_with('0') => rest.to_string(),
        Some(rest) => format!("0{rest}"),
        None => compact,
    };
    is_mobile(&digits).then_some(digits)
}

/// Digits only, 10–11 of them, starting with a mobile prefix.
fn is_mobile(digits: &str) -> bool {
    const PREFIXES: [&str; 6] = ["010", "011", "016", "017", "018", "019"];
    (10..=11).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && PREFIXES.iter().any(|p| digits.starts_with(p))
}

/// One message to hand to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// Recipient, in any form [`normalize_phone`] accepts.
    pub to: String,
    pub sms: SmsText,
    /// Our delivery's unique key. Sent as the idempotency key so a retry after a lost
    /// answer is recognised by the provider instead of texting the person twice.
    pub key: String,
}

/// Where SMS go. Returns the provider's message id (or the sink's own id).
pub trait SmsSender: Send + Sync {
    fn send(&self, msg: &OutgoingSms) -> Result<String, ChannelError>;
}

/// The JSON body of the provider contract (also the line [`LogSms`] writes).
#[derive(Debug, Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    from: &'a str,
    to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    text: String,
    #[serde(rename = "ref")]
    reference: &'a str,
}

/// Check `msg` the way a provider would and build its body. Failing here is permanent:
/// the same message would fail the same way on every attempt.
fn payload<'a>(from: &'a str, msg: &'a OutgoingSms) -> Result<Payload<'a>, ChannelError> {
    let to = normalize_phone(&msg.to).ok_or_else(|| {
        ChannelError::Permanent(format!("휴대폰 번호 형식이 아닙니다: {}", msg.to))
    })?;
    let sms = &msg.sms;
    check_fits(&sms.text, sms.kind.max_bytes(), sms.kind.as_str())?;
    let subject = match sms.kind {
        SmsKind::Sms => None,
        SmsKind::Lms => sms.subject.as_deref().map(replace_unencodable),
    };
    if let Some(subject) = &subject {
        check_fits(subject, LMS_SUBJECT_MAX_BYTES, "LMS 제목")?;
    }
    Ok(Payload {
        kind: sms.kind.as_str(),
        from,
        to,
        subject,
        text: replace_unencodable(&sms.text),
        reference: &msg.key,
    })
}

/// `Permanent` when `text` is over `max` EUC-KR bytes.
fn check_fits(text: &str, max: usize, what: &str) -> Result<(), ChannelError> {
    let len = euc_kr_len(text);
    if len > max {
        return Err(ChannelError::Permanent(format!(
            "{what} 길이가 한도({max}바이트)를 넘습니다: {len}바이트"
        )));
    }
    Ok(())
}

/// The provider HTTP API described in the module docs.
pub struct HttpSms {
    url: String,
    key: Option<String>,
    sender: String,
    agent: ureq::Agent,
}

impl HttpSms {
    /// `key` is sent as a bearer token when set; `sender` is the registered caller number.
    pub fn new(url: String, key: Option<String>, sender: String) -> HttpSms {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            // A redirect on a POST API is a misconfiguration, not something to follow.
            .redirects(0)
            // one kept-alive connection per sender thread (ureq keeps 1 per host by default)
            .max_idle_connections_per_host(super::send::MAX_SENDERS)
            .build();
        HttpSms {
            url,
            key,
            sender,
            agent,
        }
    }
}

impl SmsSender for HttpSms {
    fn send(&self, msg: &OutgoingSms) -> Result<String, ChannelError> {
        let body = serde_json::to_string(&payload(&self.sender, msg)?)
            .map_err(|e| ChannelError::Permanent(format!("문자 내용을 만들 수 없습니다: {e}")))?;
        let mut req = self
            .agent
            .post(&self.url)
            .set("Idempotency-Key", &msg.key)
            .set("Content-Type", "application/json; charset=utf-8");
        if let Some(key) = &self.key {
            req = req.set("Authorization", &format!("Bearer {key}"));
        }
        match req.send_string(&body) {
            Ok(resp) => accepted(resp),
            Err(ureq::Error::Status(code, resp)) => Err(refused(code, resp)),
            Err(ureq::Error::Transport(t)) => Err(ChannelError::Retry(format!(
                "문자 발송 서버에 연결할 수 없습니다: {t}"
            ))),
        }
    }
}

/// A 2xx answer: the message is the provider's now, so even an unreadable body is
/// success (retrying would text the person twice). Other non-error statuses (3xx) mean
/// the URL is wrong.
fn accepted(resp: ureq::Response) -> Result<String, ChannelError> {
    let status = resp.status();
    if !(200..300).contains(&status) {
        return Err(ChannelError::Permanent(format!(
            "문자 발송 서버가 예상하지 못한 응답을 보냈습니다 (HTTP {status})"
        )));
    }
    let body = resp.into_string().unwrap_or_default();
    Ok(message_id(&body))
}

/// `message_id` from a JSON body (string or number); empty when there is none.
fn message_id(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    match &value["message_id"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// An error status: 429 and 5xx pass, anything else is the provider saying no for good.
fn refused(code: u16, resp: ureq::Response) -> ChannelError {
    let body: String = resp
        .into_string()
        .unwrap_or_default()
        .chars()
        .take(ERROR_BODY_CHARS)
        .collect();
    if code == 429 || code >= 500 {
        ChannelError::Retry(format!(
            "문자 발송 서버가 잠시 받을 수 없습니다 (HTTP {code}): {body}"
        ))
    } else {
        ChannelError::Permanent(format!(
            "문자 발송 서버가 거절했습니다 (HTTP {code}): {body}"
        ))
    }
}

/// Serialises appends to SMS logs across every `LogSms` in the process, so concurrent
/// workers never interleave half lines.
static LOG_APPEND: Mutex<()> = Mutex::new(());

/// Development sink: one JSON line per message in `{outbox_dir}/sms.log`, checked like
/// the provider would check it, so nothing is texted while developing.
pub struct LogSms {
    path: PathBuf,
    sender: String,
}

/// One line of `sms.log`: the provider body plus our id and the time.
#[derive(Serialize)]
struct LogLine<'a> {
    id: &'a str,
    at: String,
    #[serde(flatten)]
    payload: Payload<'a>,
}

impl LogSms {
    /// Writes to `{outbox_dir}/sms.log`; the directory is created on first send.
    pub fn new(outbox_dir: &Path, sender: String) -> LogSms {
        LogSms {
            path: outbox_dir.join("sms.log"),
            sender,
        }
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn append(&self, line: &str) -> std::io::Result<()> {
        let _guard = LOG_APPEND.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(format!("{line}\n").as_bytes())
    }
}

impl SmsSender for LogSms {
    fn send(&self, msg: &OutgoingSms) -> Result<String, ChannelError> {
        // A time-ordered UUID: unique across restarts, unlike a counter.
        let id = format!("log-{}", uuid::Uuid::now_v7().simple());
        let line = LogLine {
            id: &id,
            at: chrono::Utc::now().to_rfc3339(),
            payload: payload(&self.sender, msg)?,
        };
        let line = serde_json::to_string(&line)
            .map_err(|e| ChannelError::Permanent(format!("문자 내용을 만들 수 없습니다: {e}")))?;
        self.append(&line).map_err(|e| {
            ChannelError::Retry(format!(
                "문자 기록 파일 {}에 쓸 수 없습니다: {e}",
                self.path.display()
            ))
        })?;
        Ok(id)
    }
}

/// The provider when `JIWON_SMS_URL` is set, the log sink otherwise.
/// SMS turned off (`JIWON_SMS_ENABLED=0`): nothing is sent or written anywhere.
pub struct Off;

impl SmsSender for Off {
    fn send(&self, _msg: &OutgoingSms) -> Result<String, ChannelError> {
        Err(ChannelError::Permanent("문자 채널 꺼짐".into()))
    }
}

pub fn sender_from_config(config: &Config) -> Box<dyn SmsSender> {
    match &config.sms_url {
        Some(url) => Box::new(HttpSms::new(
            url.clone(),
            config.sms_key.clone(),
            config.sms_sender.clone(),
        )),
        None => Box::new(LogSms::new(&config.outbox_dir, config.sms_sender.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://jiwon.kr/a/0193a1b2";

    #[test]
    fn euc_kr_len_counts_carrier_bytes() {
        assert_eq!(euc_kr_len(""), 0);
        assert_eq!(euc_kr_len("지원"), 4);
        assert_eq!(euc_kr_len("abc"), 3);
        assert_eq!(euc_kr_len("[지원] abc"), 10);
        assert_eq!(euc_kr_len("12월 31일\n마감"), 14);
        // CP949 extension syllable (not in KS X 1001) and the ellipsis are 2 bytes.
        assert_eq!(euc_kr_len("똠"), 2);
        assert_eq!(euc_kr_len("…"), 2);
    }

    #[test]
    fn unencodable_characters_count_as_their_replacement() {
        assert_eq!(euc_kr_len("지원😀"), 5);
        assert_eq!(replace_unencodable("지원😀 OK"), "지원? OK");
        let replaced = replace_unencodable("지원😀 OK");
        let (bytes, _, errors) = EUC_KR.encode(&replaced);
        assert!(!errors);
        assert_eq!(bytes.len(), euc_kr_len("지원😀 OK"));
    }

    #[test]
    fn common_punctuation_gets_a_lookalike_not_a_question_mark() {
        let s = "지원사업 — 1차–2차 ₩3,000,000";
        let sent = replace_unencodable(s);
        assert_eq!(sent, "지원사업 ― 1차-2차 ￦3,000,000");
        let (bytes, _, errors) = EUC_KR.encode(&sent);
        assert!(!errors);
        assert_eq!(euc_kr_len(s), bytes.len());
    }

    #[test]
    fn euc_kr_len_matches_encoder_for_encodable_text() {
        let s = "2027년 울산 소상공인 온라인 판로 지원사업 (예산 3억 원) ― 똠방각하 … ·「」“”";
        let (bytes, _, errors) = EUC_KR.encode(s);
        assert!(!errors);
        assert_eq!(euc_kr_len(s), bytes.len());
    }

    #[test]
    fn truncate_leaves_fitting_text_alone() {
        assert_eq!(truncate_to_bytes("지원사업", 8), "지원사업");
        assert_eq!(truncate_to_bytes("", 0), "");
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate_to_bytes("지원사업", 7), "지원…");
        assert_eq!(truncate_to_bytes("abcdef", 5), "abc…");
        // No dangling space before the ellipsis.
        assert_eq!(truncate_to_bytes("ab cdef", 5), "ab…");
        // Too small for the ellipsis: the longest fitting prefix.
        assert_eq!(truncate_to_bytes("지원", 1), "");
        assert_eq!(truncate_to_bytes("abc", 1), "a");
    }

    #[test]
    fn truncate_never_exceeds_the_limit_or_splits_a_character() {
        let samples = [
            "2027년 울산 소상공인 온라인 판로 지원사업 a1 😀 똠…끝",
            "가나다라마바사아자차카타파하가나다라마바사아자차카타파하",
            "a가b나c다d라e마f바",
        ];
        for s in samples {
            let full = euc_kr_len(s);
            for max in 0..=full + 3 {
                let cut = truncate_to_bytes(s, max);
                assert!(euc_kr_len(&cut) <= max, "{s:?} at {max}: {cut:?}");
                if max >= full {
                    assert_eq!(cut, s);
                    continue;
                }
                let kept = cut.strip_suffix(ELLIPSIS).unwrap_or(&cut);
                assert!(s.starts_with(kept), "{s:?} at {max}: {cut:?}");
                assert!(s.is_char_boundary(kept.len()));
            }
        }
    }

    #[test]
    fn truncate_keeps_as_much_as_fits() {
        // No spaces, so nothing is trimmed: the kept prefix plus the next character
        // and the ellipsis must overflow.
        let s = "a가b나c다d라e마f바사아자차";
        for max in 2..euc_kr_len(s) {
            let cut = truncate_to_bytes(s, max);
            let kept = cut.strip_suffix(ELLIPSIS).expect("cut text ends in …");
            let next = s[kept.len()..].chars().next().expect("something was cut");
            assert!(
                euc_kr_len(kept) + char_bytes(next) + 2 > max,
                "{max}: {cut:?}"
            );
        }
    }

    #[test]
    fn short_alert_is_an_sms_with_everything() {
        let sms = compose("청년 창업 지원금", "12월 31일 마감", LINK);
        assert_eq!(sms.kind, SmsKind::Sms);
        assert_eq!(sms.subject, None);
        assert_eq!(
            sms.text,
            format!("[지원] 청년 창업 지원금\n12월 31일 마감\n{LINK}")
        );
        assert!(euc_kr_len(&sms.text) <= SMS_MAX_BYTES);
    }

    #[test]
    fn sms_limit_is_exactly_90_bytes() {
        // "[지원] " (7) + title + "\n" + link: pad the title with ASCII to hit 90 / 91.
        let fixed = euc_kr_len("[지원] \n") + euc_kr_len(LINK);
        let at_limit = "x".repeat(SMS_MAX_BYTES - fixed);
        assert_eq!(compose(&at_limit, "", LINK).kind, SmsKind::Sms);
        let over = "x".repeat(SMS_MAX_BYTES - fixed + 1);
        let lms = compose(&over, "", LINK);
        assert_eq!(lms.kind, SmsKind::Lms);
        assert_eq!(
            lms.text,
            format!("[지원] {over}\n{LINK}"),
            "an LMS is not cut"
        );
    }

    #[test]
    fn long_korean_title_becomes_an_lms_with_the_link_intact() {
        let title =
            "2027년 울산광역시 소상공인 온라인 판로 개척 및 라이브커머스 지원사업 참여기업 모집";
        let sms = compose(title, "신청 기간: 2026년 12월 1일 ~ 12월 31일", LINK);
        assert_eq!(sms.kind, SmsKind::Lms);
        let subject = sms.subject.as_deref().expect("LMS has a subject");
        assert!(euc_kr_len(subject) <= LMS_SUBJECT_MAX_BYTES);
        assert!(subject.starts_with("2027년 울산광역시"));
        assert!(subject.ends_with('…'));
        assert!(euc_kr_len(&sms.text) <= LMS_MAX_BYTES);
        assert!(sms.text.starts_with(&format!("[지원] {title}\n")));
        assert!(sms.text.ends_with(&format!("\n{LINK}")));
    }

    #[test]
    fn very_long_body_is_cut_before_the_link() {
        let body = "지원 내용 안내 ".repeat(300);
        let sms = compose("판로 지원", &body, LINK);
        assert_eq!(sms.kind, SmsKind::Lms);
        let len = euc_kr_len(&sms.text);
        assert!(len <= LMS_MAX_BYTES && len > LMS_MAX_BYTES - 10, "{len}");
        assert!(sms.text.ends_with(&format!("…\n{LINK}")));
        assert!(sms.text.starts_with("[지원] 판로 지원\n지원 내용 안내"));
    }

    #[test]
    fn compose_flattens_lines_and_replaces_emoji() {
        let sms = compose("  청년\n창업  지원 🎉 ", "마감\t임박", LINK);
        assert_eq!(
            sms.text,
            format!("[지원] 청년 창업 지원 ?\n마감 임박\n{LINK}")
        );
        let (_, _, errors) = EUC_KR.encode(&sms.text);
        assert!(!errors);
    }

    #[test]
    fn compose_never_cuts_the_link_at_any_length() {
        for n in 0..120 {
            let sms = compose(&"가".repeat(n * 10), &"나".repeat(n * 7), LINK);
            assert!(euc_kr_len(&sms.text) <= sms.kind.max_bytes(), "{n}");
            assert!(sms.text.ends_with(&format!("\n{LINK}")), "{n}");
            if let Some(subject) = &sms.subject {
                assert!(euc_kr_len(subject) <= LMS_SUBJECT_MAX_BYTES, "{n}");
            }
        }
    }

    #[test]
    fn normalize_phone_accepts_korean_mobiles() {
        for input in [
            "010-1234-5678",
            "01012345678",
            "+82 10-1234-5678",
            "+821012345678",
            "+82 010-1234-5678",
            "010 1234 5678",
            " 010.1234.5678 ",
        ] {
            assert_eq!(
                normalize_phone(input).as_deref(),
                Some("01012345678"),
                "{input}"
            );
        }
        // 10 digits: older numbers with a 3-digit middle part.
        assert_eq!(
            normalize_phone("011-123-4567").as_deref(),
            Some("0111234567")
        );
        assert_eq!(
            normalize_phone("019 9876 5432").as_deref(),
            Some("01998765432")
        );
    }

    #[test]
    fn normalize_phone_rejects_everything_else() {
        for input in [
            "",
            "02-1234-5678",     // Seoul landline
            "031-123-4567",     // landline
            "012-1234-5678",    // not a mobile prefix
            "010-123-456",      // 9 digits
            "010-1234-56789",   // 12 digits
            "010-12a4-5678",    // letter
            "+1 010-1234-5678", // another country
            "82 10-1234-5678",  // country code without +
            "010/1234/5678",    // unknown separator
            "+82",
        ] {
            assert_eq!(normalize_phone(input), None, "{input}");
        }
    }

    /// The recipient and subject `payload` would send, or its error.
    fn check(to: &str, sms: SmsText) -> Result<(String, Option<String>), ChannelError> {
        let msg = OutgoingSms {
            to: to.into(),
            sms,
            key: "d-1".into(),
        };
        payload("0212345678", &msg).map(|p| (p.to, p.subject))
    }

    #[test]
    fn payload_checks_like_a_provider() {
        let ok = check("010-1234-5678", compose("제목", "", LINK));
        assert_eq!(ok, Ok(("01012345678".to_string(), None)));
        let bad_phone = check("02-123-4567", compose("제목", "", LINK));
        assert!(matches!(bad_phone, Err(ChannelError::Permanent(_))));
        let too_long = SmsText {
            kind: SmsKind::Sms,
            subject: None,
            text: "가".repeat(46),
        };
        let err = check("01012345678", too_long);
        assert!(matches!(err, Err(ChannelError::Permanent(m)) if m.contains("92바이트")));
    }

    #[test]
    fn message_id_reads_strings_and_numbers() {
        assert_eq!(message_id(r#"{"message_id":"m-1"}"#), "m-1");
        assert_eq!(message_id(r#"{"message_id":42}"#), "42");
        assert_eq!(message_id(r#"{"ok":true}"#), "");
        assert_eq!(message_id("accepted"), "");
    }
}
