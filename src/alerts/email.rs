//! Email: `lettre` over pooled SMTP in production; a file outbox (one `.eml` per message,
//! readable at `/dev/outbox`) in development.

use std::path::PathBuf;

use lettre::message::{header, Mailbox, MultiPart, SinglePart};
use lettre::Message;

use super::smtp::{SmtpPool, Target};
use super::ChannelError;
use crate::config::Config;

/// One message, ready to render into MIME.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// One-click unsubscribe URL (RFC 8058): `List-Unsubscribe` + `List-Unsubscribe-Post`.
    pub unsubscribe_url: Option<String>,
    /// Stable per delivery, so a resend after a crash is recognisably the same message.
    pub message_id: String,
}

pub trait Mailer: Send + Sync {
    fn send(&self, email: &Email) -> Result<(), ChannelError>;
}

/// Email turned off (`JIWON_EMAIL_ENABLED=0`): nothing is sent or written anywhere.
pub struct Off;

impl Mailer for Off {
    fn send(&self, _email: &Email) -> Result<(), ChannelError> {
        Err(ChannelError::Permanent("이메일 채널 꺼짐".into()))
    }
}

pub fn build(from: &str, e: &Email) -> Result<Message, ChannelError> {
    let from: Mailbox = from
        .parse()
        .map_err(|err| ChannelError::Permanent(format!("보내는 주소 오류: {err}")))?;
    let to: Mailbox =
        e.to.parse()
            .map_err(|err| ChannelError::Permanent(format!("받는 주소 오류 ({}): {err}", e.to)))?;
    let mut b = Message::builder()
        .from(from)
        .to(to)
        .subject(e.subject.clone())
        .message_id(Some(e.message_id.clone()));
    if let Some(url) = &e.unsubscribe_url {
        b = b
            .header(ListUnsubscribe(format!("<{url}>")))
            .header(ListUnsubscribePost);
    }
    b.multipart(
        MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(header::ContentType::TEXT_PLAIN)
                    .body(e.text.clone()),
            )
            .singlepart(
                SinglePart::builder()
                    .header(header::ContentType::TEXT_HTML)
                    .body(e.html.clone()),
            ),
    )
    .map_err(|err| ChannelError::Permanent(format!("메시지 작성 오류: {err}")))
}

#[derive(Clone)]
struct ListUnsubscribe(String);

impl header::Header for ListUnsubscribe {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[derive(Clone)]
struct ListUnsubscribePost;

impl header::Header for ListUnsubscribePost {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

/// SMTP over a pool of kept-open connections (`alerts::smtp`).
pub struct SmtpMailer {
    pool: SmtpPool,
    from: String,
}

impl SmtpMailer {
    /// `extra_ca`: a PEM CA certificate to trust for the relay's TLS (`JIWON_SMTP_CA_FILE`).
    pub fn new(
        url: &str,
        pool_size: u32,
        from: &str,
        extra_ca: Option<&[u8]>,
    ) -> Result<SmtpMailer, String> {
        let target = Target::from_url(url, std::time::Duration::from_secs(15), extra_ca)?;
        Ok(SmtpMailer {
            pool: SmtpPool::new(target, pool_size),
            from: from.to_string(),
        })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, email: &Email) -> Result<(), ChannelError> {
        let msg = build(&self.from, email)?;
        self.pool.send(msg.envelope(), &msg.formatted())
    }
}

/// Development outbox: each message written as `<time>-<id>.eml`.
pub struct FileOutbox {
    dir: PathBuf,
    from: String,
}

impl FileOutbox {
    pub fn new(dir: PathBuf, from: &str) -> FileOutbox {
        FileOutbox {
            dir,
            from: from.to_string(),
        }
    }
}

impl Mailer for FileOutbox {
    fn send(&self, email: &Email) -> Result<(), ChannelError> {
        let msg = build(&self.from, email)?;
        let dir = self.dir.join("mail");
        std::fs::create_dir_all(&dir).map_err(|e| ChannelError::Retry(e.to_string()))?;
        let safe: String = email
            .message_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let name = format!(
            "{}-{}.eml",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"),
            safe
        );
        std::fs::write(dir.join(name), msg.formatted())
            .map_err(|e| ChannelError::Retry(e.to_string()))
    }
}

pub fn mailer_from_config(config: &Config) -> Result<Box<dyn Mailer>, String> {
    Ok(match &config.smtp_url {
        Some(url) => {
            let ca = match &config.smtp_ca_file {
                Some(path) => Some(
                    std::fs::read(path)
                        .map_err(|e| format!("JIWON_SMTP_CA_FILE {}: {e}", path.display()))?,
                ),
                None => None,
            };
            Box::new(SmtpMailer::new(
                url,
                config.smtp_pool_size,
                &config.mail_from,
                ca.as_deref(),
            )?)
        }
        None => Box::new(FileOutbox::new(
            config.outbox_dir.clone(),
            &config.mail_from,
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_has_both_parts_and_one_click_unsubscribe() {
        let e = Email {
            to: "owner@example.com".into(),
            subject: "[지원] 새 공고: 울산 소상공인 지원".into(),
            text: "안녕하세요".into(),
            html: "<p>안녕하세요</p>".into(),
            unsubscribe_url: Some("https://jiwon.kr/unsubscribe/abc".into()),
            message_id: "<d-1@jiwon.kr>".into(),
        };
        let raw =
            String::from_utf8(build("지원 <noreply@jiwon.kr>", &e).unwrap().formatted()).unwrap();
        assert!(raw.contains("List-Unsubscribe: <https://jiwon.kr/unsubscribe/abc>"));
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("Message-ID: <d-1@jiwon.kr>"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        assert!(build(
            "지원 <noreply@jiwon.kr>",
            &Email {
                to: "not an address".into(),
                ..e
            }
        )
        .is_err());
    }
}
