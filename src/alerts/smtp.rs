//! SMTP client: a pool of lettre `SmtpConnection`s that writes each message body together
//! with its terminating `.` in one write.
//!
//! Why not `lettre::SmtpTransport`: 0.11.23 writes the body and the final `\r\n.\r\n` as
//! two writes. Nagle holds the small second write until the server ACKs the first, and
//! the server delays that ACK (it has nothing to answer before the terminator): every
//! message waited ~40 ms, which capped one connection at ~22 messages/s and the pool at
//! 89/s on loopback. Everything else — connecting, EHLO, STARTTLS, AUTH, response
//! parsing, MIME — is lettre's own code through its public `SmtpConnection` API.
//!
//! URLs are lettre's (`smtp://[user:pass@]host[:port][/ehlo-name][?tls=required|opportunistic]`,
//! `smtps://…` for TLS from the first byte). Default ports: 465 for `smtps`, 587 for `smtp`.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::Error as SmtpError;

use super::ChannelError;

/// How long an idle connection is kept before it is closed instead of reused; relays
/// commonly drop idle clients after 60 s or more.
const MAX_IDLE: Duration = Duration::from_secs(30);

#[derive(Clone)]
enum Security {
    None,
    /// TLS from the first byte (`smtps://`).
    Wrapper(TlsParameters),
    /// STARTTLS, refusing to continue in clear text.
    Required(TlsParameters),
    /// STARTTLS when the server offers it.
    Opportunistic(TlsParameters),
}

/// Where and how to connect, parsed once from the URL.
#[derive(Clone)]
pub struct Target {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
}

impl Target {
    /// `extra_ca`: a PEM CA certificate trusted besides the public roots.
    pub fn from_url(
        raw: &str,
        timeout: Duration,
        extra_ca: Option<&[u8]>,
    ) -> Result<Target, String> {
        let url = url::Url::parse(raw).map_err(|e| format!("JIWON_SMTP_URL: {e}"))?;
        let host = url
            .host_str()
            .ok_or("JIWON_SMTP_URL: 호스트가 없습니다")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let tls = || {
            let mut b = TlsParameters::builder(host.clone());
            if let Some(pem) = extra_ca {
                // lettre parses lazily: a file with no certificate in it would be "fine"
                if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
                    return Err(
                        "JIWON_SMTP_CA_FILE: PEM 인증서(BEGIN CERTIFICATE)가 없습니다".into(),
                    );
                }
                let ca = Certificate::from_pem(pem)
                    .map_err(|e| format!("JIWON_SMTP_CA_FILE: PEM 인증서가 아닙니다: {e}"))?;
                b = b.add_root_certificate(ca);
            }
            b.build().map_err(|e| format!("JIWON_SMTP_URL TLS: {e}"))
        };
        let query_tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_string());
        let (security, default_port) = match (url.scheme(), query_tls.as_deref()) {
            ("smtps", None) => (Security::Wrapper(tls()?), 465),
            ("smtp", Some("required")) => (Security::Required(tls()?), 587),
            ("smtp", Some("opportunistic")) => (Security::Opportunistic(tls()?), 587),
            ("smtp", None) => (Security::None, 587),
            (scheme, tls) => {
                return Err(format!(
                    "JIWON_SMTP_URL: 지원하지 않는 형식입니다 (scheme {scheme}, tls {tls:?}); \
                     smtp://, smtp://…?tls=required, smtps:// 중 하나를 쓰세요"
                ))
            }
        };
        let decode = |s: &str| {
            urlencoding::decode(s)
                .map(|c| c.into_owned())
                .map_err(|e| format!("JIWON_SMTP_URL: {e}"))
        };
        let credentials = if url.username().is_empty() {
            None
        } else {
            Some(Credentials::new(
                decode(url.username())?,
                decode(url.password().unwrap_or(""))?,
            ))
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(decode(name)?),
        };
        Ok(Target {
            port: url.port().unwrap_or(default_port),
            host,
            security,
            credentials,
            hello,
            timeout,
        })
    }

    fn connect(&self) -> Result<SmtpConnection, SmtpError> {
        let wrapper = match &self.security {
            Security::Wrapper(p) => Some(p),
            _ => None,
        };
        let mut conn = SmtpConnection::connect(
            (self.host.as_str(), self.port),
            Some(self.timeout),
            &self.hello,
            wrapper,
            None,
        )?;
        match &self.security {
            Security::Required(p) => conn.starttls(p, &self.hello)?,
            Security::Opportunistic(p) if conn.can_starttls() => conn.starttls(p, &self.hello)?,
            _ => {}
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)?;
        }
        Ok(conn)
    }
}

/// A pool of open connections; one message at a time per connection, any number of
/// threads sending at once (each takes its own connection).
pub struct SmtpPool {
    target: Target,
    idle: Mutex<Vec<(SmtpConnection, Instant)>>,
    max_idle: usize,
}

impl SmtpPool {
    pub fn new(target: Target, max_idle: u32) -> SmtpPool {
        SmtpPool {
            target,
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1) as usize,
        }
    }

    /// Send one formatted message (`Message::formatted()`) to the envelope's recipients.
    pub fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), ChannelError> {
        // A pooled connection the server has closed meanwhile breaks before DATA without
        // an answer; the message was not handed over, so it is safe to try once more on
        // a fresh one. A server that answered (550 for the recipient, …) is not asked again.
        if let Some(mut conn) = self.take_idle() {
            match transact(&mut conn, envelope, message) {
                Ok(()) => {
                    self.give_back(conn);
                    return Ok(());
                }
                Err(Failure::Lost(_)) => conn.abort(),
                Err(Failure::Failed(e)) => {
                    conn.abort();
                    return Err(e);
                }
            }
        }
        let mut conn = self.target.connect().map_err(channel_error)?;
        match transact(&mut conn, envelope, message) {
            Ok(()) => {
                self.give_back(conn);
                Ok(())
            }
            Err(Failure::Lost(e) | Failure::Failed(e)) => {
                conn.abort();
                Err(e)
            }
        }
    }

    fn take_idle(&self) -> Option<SmtpConnection> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((mut conn, since)) = idle.pop() {
            if since.elapsed() < MAX_IDLE && !conn.has_broken() {
                return Some(conn);
            }
            let _ = conn.quit();
        }
        None
    }

    fn give_back(&self, conn: SmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < self.max_idle && !conn.has_broken() {
            idle.push((conn, Instant::now()));
        } else {
            drop(idle);
            let mut conn = conn;
            let _ = conn.quit();
        }
    }

    /// Connections currently open and idle (for tests and the operator's curiosity).
    pub fn idle_count(&self) -> usize {
        self.idle.lock().map(|v| v.len()).unwrap_or(0)
    }
}

impl Drop for SmtpPool {
    fn drop(&mut self) {
        if let Ok(mut idle) = self.idle.lock() {
            for (mut conn, _) in idle.drain(..) {
                let _ = conn.quit();
            }
        }
    }
}

enum Failure {
    /// The connection broke before DATA with no answer from the server: nothing of the
    /// message was handed over, so another connection cannot duplicate it.
    Lost(ChannelError),
    /// Anything else: the server refused (or cannot take) the message, or the body was
    /// maybe sent — the caller decides, with the same Message-ID.
    Failed(ChannelError),
}

fn channel_error(e: SmtpError) -> ChannelError {
    if e.is_permanent() {
        ChannelError::Permanent(e.to_string())
    } else {
        ChannelError::Retry(e.to_string())
    }
}

/// MAIL FROM, RCPT TO, DATA, then the whole dot-stuffed body with its terminator in one write.
fn transact(conn: &mut SmtpConnection, envelope: &Envelope, message: &[u8]) -> Result<(), Failure> {
    let before = |e: SmtpError| match e.status() {
        None => Failure::Lost(channel_error(e)),
        Some(_) => Failure::Failed(channel_error(e)),
    };
    let refused = |msg: &str| Failure::Failed(ChannelError::Permanent(msg.to_string()));
    let mut options = Vec::new();
    let non_ascii_address = envelope
        .from()
        .is_some_and(|a| !AsRef::<str>::as_ref(a).is_ascii())
        || envelope
            .to()
            .iter()
            .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
    if non_ascii_address {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(refused(
                "주소에 ASCII가 아닌 문자가 있는데 메일 서버가 SMTPUTF8을 지원하지 않습니다",
            ));
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !message.is_ascii() {
        if !conn.server_info().supports_feature(Extension::EightBitMime) {
            return Err(refused(
                "본문에 8비트 문자가 있는데 메일 서버가 8BITMIME을 지원하지 않습니다",
            ));
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    conn.command(Mail::new(envelope.from().cloned(), options))
        .map_err(before)?;
    for to in envelope.to() {
        conn.command(Rcpt::new(to.clone(), vec![]))
            .map_err(before)?;
    }
    conn.command(Data).map_err(before)?;
    match std::str::from_utf8(message) {
        Ok(text) => conn.command(DataBlock(text)).map(|_| ()),
        // Not text (never the case for our own messages): lettre's two-write path.
        Err(_) => conn.message(message).map(|_| ()),
    }
    .map_err(|e| Failure::Failed(channel_error(e)))
}

/// The DATA payload as one string: CRLF line ends, leading dots doubled (RFC 5321 4.5.2),
/// then `.` on a line of its own.
struct DataBlock<'a>(&'a str);

impl fmt::Display for DataBlock<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = self.0.strip_suffix("\r\n").unwrap_or(self.0);
        for line in body.split("\r\n") {
            let line = line.strip_suffix('\n').unwrap_or(line);
            if line.starts_with('.') {
                f.write_str(".")?;
            }
            f.write_str(line)?;
            f.write_str("\r\n")?;
        }
        f.write_str(".\r\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_block_stuffs_leading_dots_and_terminates_once() {
        let out = DataBlock("Subject: x\r\n\r\n.hidden\r\nline\r\n..two\r\n").to_string();
        assert_eq!(out, "Subject: x\r\n\r\n..hidden\r\nline\r\n...two\r\n.\r\n");
        // a body without a final CRLF still ends with exactly one terminator line
        assert_eq!(DataBlock("a\r\nb").to_string(), "a\r\nb\r\n.\r\n");
    }

    #[test]
    fn urls_choose_security_and_ports_like_lettre() {
        let t = |u| Target::from_url(u, Duration::from_secs(5), None);
        let plain = t("smtp://127.0.0.1:2525").unwrap();
        assert!(matches!(plain.security, Security::None));
        assert_eq!((plain.host.as_str(), plain.port), ("127.0.0.1", 2525));
        assert!(plain.credentials.is_none());
        let tls = t("smtps://user%40x.kr:p%3Ass@mail.example.com").unwrap();
        assert!(matches!(tls.security, Security::Wrapper(_)));
        assert_eq!(tls.port, 465);
        assert!(tls.credentials.is_some());
        let start = t("smtp://mail.example.com/jiwon.kr?tls=required").unwrap();
        assert!(matches!(start.security, Security::Required(_)));
        assert_eq!(start.port, 587);
        assert_eq!(start.hello, ClientId::Domain("jiwon.kr".into()));
        assert!(t("http://mail.example.com").is_err());
        assert!(t("smtp://mail.example.com?tls=sometimes").is_err());
    }
}
