//! Logs: text or JSON on stderr (no colour codes unless stderr is a terminal), and one
//! access line per request at the level the operator chose, with the secrets that travel
//! in URLs (sign-up, reset, invitation and unsubscribe tokens, short codes, outbox file
//! names) replaced by `[redacted]`.

use std::time::Instant;

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::AppError;
use crate::AppState;

/// `JIWON_LOG_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn parse(s: Option<&str>) -> Result<LogFormat, AppError> {
        match s.map(str::trim) {
            None | Some("") | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(AppError::Config(format!(
                "JIWON_LOG_FORMAT must be text or json, not '{other}'"
            ))),
        }
    }
}

/// Install the global subscriber: `JIWON_LOG` filter (default `info`), `JIWON_LOG_FORMAT`.
/// Called once, before the configuration is read, so it reads its two keys itself.
pub fn init() -> Result<(), AppError> {
    let format = LogFormat::parse(std::env::var("JIWON_LOG_FORMAT").ok().as_deref())?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("JIWON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    Ok(())
}

/// `JIWON_ACCESS_LOG`: the level of the per-request line, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessLog {
    Off,
    Info,
    Debug,
}

impl AccessLog {
    pub fn parse(s: Option<&str>) -> Result<AccessLog, AppError> {
        match s.map(str::trim) {
            None | Some("") | Some("info") => Ok(AccessLog::Info),
            Some("debug") => Ok(AccessLog::Debug),
            Some("off") | Some("0") => Ok(AccessLog::Off),
            Some(other) => Err(AppError::Config(format!(
                "JIWON_ACCESS_LOG must be info, debug or off, not '{other}'"
            ))),
        }
    }
}

/// Path prefixes whose next segment is a secret (a token or a code standing for one).
const SECRET_PREFIXES: &[&str] = &[
    "/verify/",
    "/password/reset/",
    "/invite/",
    "/unsubscribe/",
    "/alerts/confirm/",
    "/x/",
    "/s/",
    "/t/c/",
    "/t/o/",
    "/dev/outbox/",
];

/// Query parameter names that carry secrets or personal data.
const SECRET_PARAMS: &[&str] = &[
    "token", "code", "key", "secret", "password", "sig", "email", "phone", "auth",
];

/// The request target as it may be logged: a secret path segment (and anything after
/// it) becomes `[redacted]` (`/t/o/<code>.gif` keeps its `.gif`); a query string with a
/// parameter named like a secret is dropped as a whole (`?[redacted]`).
pub fn redact(path: &str, query: &str) -> String {
    let mut out = path.to_string();
    for prefix in SECRET_PREFIXES {
        if let Some(rest) = path.strip_prefix(prefix) {
            if !rest.is_empty() {
                let suffix = if *prefix == "/t/o/" && rest.ends_with(".gif") {
                    ".gif"
                } else {
                    ""
                };
                out = format!("{prefix}[redacted]{suffix}");
            }
            break;
        }
    }
    if !query.is_empty() {
        let secret = query.split('&').any(|pair| {
            let name = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
            SECRET_PARAMS.iter().any(|s| name.contains(s))
        });
        out.push('?');
        out.push_str(if secret { "[redacted]" } else { query });
    }
    out
}

/// One line per request (not `/healthz`, which load balancers ask every few seconds):
/// method, redacted path, status, body bytes (before compression; absent when streamed)
/// and milliseconds to the response head, at the level of `JIWON_ACCESS_LOG`.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let level = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|s| s.config.access_log)
        .unwrap_or(AccessLog::Info);
    if level == AccessLog::Off || req.path() == "/healthz" {
        return next.call(req).await;
    }
    let started = Instant::now();
    let method = req.method().to_string();
    let path = redact(req.path(), req.query_string());
    let res = next.call(req).await?;
    let status = res.status().as_u16();
    let bytes = match res.response().body().size() {
        BodySize::Sized(n) => Some(n),
        BodySize::None => Some(0),
        BodySize::Stream => None,
    };
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let ms = (ms * 10.0).round() / 10.0;
    match level {
        AccessLog::Info => {
            tracing::info!(target: "jiwon::access", method, path, status, bytes, ms, "request")
        }
        AccessLog::Debug => {
            tracing::debug!(target: "jiwon::access", method, path, status, bytes, ms, "request")
        }
        AccessLog::Off => {}
    }
    Ok(res)
}

/// Text about a person's message as it may be logged: email addresses and phone numbers
/// (runs of 8+ digits, with or without dashes or spaces) masked. Channel errors quote the
/// address they refused; the full text stays on `/admin/deliveries` for the operator.
pub fn mask_personal(text: &str) -> String {
    static EMAIL: once_cell::sync::Lazy<Option<regex::Regex>> = once_cell::sync::Lazy::new(|| {
        regex::Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}").ok()
    });
    static PHONE: once_cell::sync::Lazy<Option<regex::Regex>> =
        once_cell::sync::Lazy::new(|| regex::Regex::new(r"\+?\d(?:[\d\- ]{6,}\d)").ok());
    let mut out = text.to_string();
    if let Some(re) = EMAIL.as_ref() {
        out = re.replace_all(&out, "[email]").into_owned();
    }
    if let Some(re) = PHONE.as_ref() {
        out = re
            .replace_all(&out, |c: &regex::Captures| {
                let digits = c[0].chars().filter(char::is_ascii_digit).count();
                if digits >= 8 {
                    "[number]".to_string()
                } else {
                    c[0].to_string()
                }
            })
            .into_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{mask_personal, redact};

    #[test]
    fn addresses_and_numbers_are_masked() {
        assert_eq!(
            mask_personal("영구 오류: 휴대전화 번호 오류: 010-1234-5678"),
            "영구 오류: 휴대전화 번호 오류: [number]"
        );
        assert_eq!(
            mask_personal("영구 오류: 550 5.1.1 <Kim.Owner+alerts@example.co.kr>: no such user"),
            "영구 오류: 550 5.1.1 <[email]>: no such user"
        );
        assert_eq!(mask_personal("to 01012345678 failed"), "to [number] failed");
        // Status codes, attempts and short numbers stay readable.
        assert_eq!(
            mask_personal("일시 오류: HTTP 503 after 30 s (attempt 2)"),
            "일시 오류: HTTP 503 after 30 s (attempt 2)"
        );
    }

    #[test]
    fn tokens_in_paths_are_redacted() {
        for (path, logged) in [
            ("/verify/Abc123secret", "/verify/[redacted]"),
            ("/password/reset/Abc123secret", "/password/reset/[redacted]"),
            ("/invite/Abc123secret", "/invite/[redacted]"),
            ("/unsubscribe/v1.abc.def", "/unsubscribe/[redacted]"),
            ("/alerts/confirm/v1.abc.def", "/alerts/confirm/[redacted]"),
            ("/x/k3J9aa", "/x/[redacted]"),
            ("/s/k3J9aa", "/s/[redacted]"),
            ("/t/c/k3J9aa", "/t/c/[redacted]"),
            ("/t/o/k3J9aa.gif", "/t/o/[redacted].gif"),
            (
                "/dev/outbox/0193-owner@example.com.eml",
                "/dev/outbox/[redacted]",
            ),
            ("/unsubscribe/tok/extra", "/unsubscribe/[redacted]"),
        ] {
            assert_eq!(redact(path, ""), logged, "{path}");
        }
    }

    #[test]
    fn ordinary_paths_and_queries_are_kept() {
        assert_eq!(redact("/", ""), "/");
        assert_eq!(redact("/dev/outbox", ""), "/dev/outbox");
        assert_eq!(redact("/invite/", ""), "/invite/");
        assert_eq!(
            redact("/announcements", "q=%EC%88%98%EC%B6%9C&page=2"),
            "/announcements?q=%EC%88%98%EC%B6%9C&page=2"
        );
        assert_eq!(
            redact("/announcements/0193abc", ""),
            "/announcements/0193abc"
        );
        assert_eq!(redact("/skin/x", ""), "/skin/x");
    }

    #[test]
    fn queries_with_secrets_are_dropped() {
        assert_eq!(
            redact("/login", "next=/console&token=abc"),
            "/login?[redacted]"
        );
        assert_eq!(
            redact("/signup/sent", "Email=a%40b.kr"),
            "/signup/sent?[redacted]"
        );
        assert_eq!(
            redact("/verify/abc", "access_token=zzz"),
            "/verify/[redacted]?[redacted]"
        );
        assert_eq!(
            redact("/api/v1/search", "api_key=zzz"),
            "/api/v1/search?[redacted]"
        );
    }
}
