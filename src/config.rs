//! Typed configuration, read once from the environment (and `.env` in development).
//! Every key is listed with its default in `.env.example`.

use std::path::PathBuf;

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://var/jiwon.db` (default) or `postgres://user@host/db`.
    pub database_url: String,
    pub bind: String,
    /// Public base URL, used in share links and emails.
    pub base_url: String,
    pub environment: Environment,
    /// Secret for signing CSRF tokens. Generated per process in development when unset.
    pub secret_key: Vec<u8>,
    /// Where uploaded attachments are stored (under generated names).
    pub upload_dir: PathBuf,
    pub max_upload_bytes: usize,
    pub db_pool_size: u32,
    /// Run the scheduler and job worker inside `serve`.
    pub run_worker: bool,
    /// Seconds between scheduler ticks.
    pub scheduler_interval_secs: u64,
    /// Import sources polled on a schedule: `bizinfo=URL,kstartup=URL`.
    pub import_sources: Vec<(String, String)>,
    pub import_interval_minutes: u64,
    /// Login attempts allowed per IP per 15 minutes.
    pub login_rate_limit: u32,
    /// Meilisearch URL; when unset the embedded engine is used.
    pub meili_url: Option<String>,
    pub meili_key: Option<String>,
    pub meili_index: String,
    /// Where the embedded search index lives.
    pub search_dir: PathBuf,
    /// Seconds anonymous home/listing pages are kept rendered in memory (0 = off).
    pub page_cache_secs: u64,
    /// Outgoing mail: `smtp://host:port` (or `smtps://user:pass@host:465`); when unset,
    /// messages go to the file outbox in `outbox_dir` (development).
    pub smtp_url: Option<String>,
    /// Extra CA certificate (PEM) trusted for the SMTP server's TLS, besides the public
    /// roots: a relay inside a private network with its own CA.
    pub smtp_ca_file: Option<PathBuf>,
    pub smtp_pool_size: u32,
    pub mail_from: String,
    pub outbox_dir: PathBuf,
    /// VAPID key pair for web push (base64url; `jiwon vapid-keys` makes one).
    pub vapid_private_key: Option<String>,
    pub vapid_public_key: Option<String>,
    pub vapid_subject: String,
    /// SMS provider HTTP API; when unset, SMS go to the log sink `outbox_dir/sms.log`.
    pub sms_url: Option<String>,
    pub sms_key: Option<String>,
    pub sms_sender: String,
    /// Who runs the site, as the privacy policy, terms and help page name them
    /// (`JIWON_OPERATOR_NAME`, `_EMAIL`, `_PHONE`, `JIWON_PRIVACY_OFFICER`).
    pub operator_name: String,
    pub operator_email: String,
    pub operator_phone: String,
    pub privacy_officer: String,
    /// Deliveries claimed per batch by a worker.
    pub delivery_batch: u32,
    /// Attempts before a delivery is dead-lettered.
    pub delivery_max_attempts: i32,
    /// Former secrets (`JIWON_SECRET_KEY_PREVIOUS`, comma separated): links and forms
    /// signed with them still verify after a rotation; nothing new is signed with them.
    pub previous_secret_keys: Vec<Vec<u8>>,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` header names the client
    /// (`JIWON_TRUSTED_PROXIES`: addresses or CIDR ranges). Empty: the TCP peer is the
    /// client.
    pub trusted_proxies: Vec<IpRange>,
    /// Let web push reach endpoints on loopback and private addresses
    /// (`JIWON_PUSH_ALLOW_PRIVATE=1`): only for a local test receiver; production refuses
    /// to start with it.
    pub push_allow_private: bool,
    /// `/healthz` answers 503 when no worker has ticked for longer than this.
    pub health_max_worker_age_secs: u64,
    /// Email and SMS can be turned off by the operator (`JIWON_EMAIL_ENABLED=0`,
    /// `JIWON_SMS_ENABLED=0`): then they are not offered and nothing is sent on them. In
    /// production a channel that is on needs its provider URL.
    pub email_enabled: bool,
    pub sms_enabled: bool,
    /// The per-request access line: at info (default), at debug, or off.
    pub access_log: crate::logging::AccessLog,
}

/// One address or a CIDR range (`10.0.0.0/8`, `::1`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: std::net::IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(s: &str) -> Option<IpRange> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse().ok()?, None),
        };
        let max = match addr {
            std::net::IpAddr::V4(_) => 32,
            std::net::IpAddr::V6(_) => 128,
        };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(IpRange { addr, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

fn var(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// The environment, with `default` when `JIWON_ENV` is unset: `serve` and `worker`
    /// default to production, `demo` and the one-off commands to development.
    pub fn from_env(default: Environment) -> Result<Config, AppError> {
        let environment = match var("JIWON_ENV").as_deref() {
            None => default,
            Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(other) => {
                return Err(AppError::Config(format!(
                    "JIWON_ENV must be development or production, not {other}"
                )))
            }
        };
        let secret_key = match var("JIWON_SECRET_KEY") {
            Some(s) if s.len() >= 32 => s.into_bytes(),
            Some(_) => {
                return Err(AppError::Config(
                    "JIWON_SECRET_KEY must be at least 32 characters".into(),
                ))
            }
            None if environment == Environment::Production => {
                return Err(AppError::Config(
                    "JIWON_SECRET_KEY is required in production (`serve` and `worker` run as production unless JIWON_ENV=development)".into(),
                ))
            }
            None => crate::ids::random_token(32).into_bytes(),
        };
        let previous_secret_keys = var("JIWON_SECRET_KEY_PREVIOUS")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(|k| k.as_bytes().to_vec())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let trusted_proxies = var("JIWON_TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|item| {
                        IpRange::parse(item).ok_or_else(|| {
                            AppError::Config(format!(
                                "JIWON_TRUSTED_PROXIES entry '{item}' is not an address or CIDR range"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let push_allow_private = var("JIWON_PUSH_ALLOW_PRIVATE")
            .map(|v| v == "1" || v == "true")
            .unwrap_or(false);
        if push_allow_private && environment == Environment::Production {
            return Err(AppError::Config(
                "JIWON_PUSH_ALLOW_PRIVATE is for local test receivers; production refuses it"
                    .into(),
            ));
        }
        let bind = var("JIWON_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        // Links in mail, texts and `jiwon staff add` are built on it: in production it
        // cannot default to the listening address.
        let base_url = match var("JIWON_BASE_URL") {
            Some(url) => url.trim_end_matches('/').to_string(),
            None if environment == Environment::Production => {
                return Err(AppError::Config(
                    "JIWON_BASE_URL is required in production (the public https:// address; links in mail and invitations use it)".into(),
                ))
            }
            None => format!("http://{bind}"),
        };
        let import_sources = match var("JIWON_IMPORT_SOURCES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|item| {
                    item.split_once('=')
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .ok_or_else(|| {
                            AppError::Config(format!(
                                "JIWON_IMPORT_SOURCES entry '{item}' must be source=url"
                            ))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(Config {
            database_url: var("JIWON_DATABASE_URL")
                .unwrap_or_else(|| "sqlite://var/jiwon.db".into()),
            bind,
            base_url,
            environment,
            secret_key,
            upload_dir: var("JIWON_UPLOAD_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| "var/uploads".into()),
            max_upload_bytes: parse_num("JIWON_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)?,
            db_pool_size: parse_num("JIWON_DB_POOL_SIZE", 16)?,
            run_worker: var("JIWON_RUN_WORKER")
                .map(|v| v != "0" && v != "false")
                .unwrap_or(true),
            scheduler_interval_secs: parse_num("JIWON_SCHEDULER_INTERVAL_SECS", 15)?,
            import_sources,
            import_interval_minutes: parse_num("JIWON_IMPORT_INTERVAL_MINUTES", 60)?,
            login_rate_limit: parse_num("JIWON_LOGIN_RATE_LIMIT", 10)?,
            meili_url: var("JIWON_MEILI_URL"),
            meili_key: var("JIWON_MEILI_KEY"),
            meili_index: var("JIWON_MEILI_INDEX").unwrap_or_else(|| "announcements".into()),
            page_cache_secs: parse_num("JIWON_PAGE_CACHE_SECS", 5)?,
            search_dir: var("JIWON_SEARCH_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| "var/search".into()),
            smtp_url: var("JIWON_SMTP_URL"),
            smtp_ca_file: var("JIWON_SMTP_CA_FILE").map(PathBuf::from),
            smtp_pool_size: parse_num("JIWON_SMTP_POOL_SIZE", 4)?,
            mail_from: var("JIWON_MAIL_FROM")
                .unwrap_or_else(|| "지원 알림 <noreply@jiwon.kr>".into()),
            outbox_dir: var("JIWON_OUTBOX_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| "var/outbox".into()),
            vapid_private_key: var("JIWON_VAPID_PRIVATE_KEY"),
            vapid_public_key: var("JIWON_VAPID_PUBLIC_KEY"),
            vapid_subject: var("JIWON_VAPID_SUBJECT")
                .unwrap_or_else(|| "mailto:noreply@jiwon.kr".into()),
            sms_url: var("JIWON_SMS_URL"),
            sms_key: var("JIWON_SMS_KEY"),
            sms_sender: var("JIWON_SMS_SENDER").unwrap_or_else(|| "0212345678".into()),
            operator_name: var("JIWON_OPERATOR_NAME").unwrap_or_else(|| "지원 운영팀".into()),
            operator_email: var("JIWON_OPERATOR_EMAIL").unwrap_or_else(|| "help@jiwon.kr".into()),
            operator_phone: var("JIWON_OPERATOR_PHONE").unwrap_or_else(|| "02-1234-5678".into()),
            privacy_officer: var("JIWON_PRIVACY_OFFICER")
                .unwrap_or_else(|| "개인정보 보호책임자".into()),
            delivery_batch: parse_num("JIWON_DELIVERY_BATCH", 200)?,
            delivery_max_attempts: parse_num("JIWON_DELIVERY_MAX_ATTEMPTS", 6)?,
            previous_secret_keys,
            trusted_proxies,
            push_allow_private,
            health_max_worker_age_secs: parse_num("JIWON_HEALTH_MAX_WORKER_AGE_SECS", 120)?,
            email_enabled: parse_switch("JIWON_EMAIL_ENABLED")?,
            sms_enabled: parse_switch("JIWON_SMS_ENABLED")?,
            access_log: crate::logging::AccessLog::parse(var("JIWON_ACCESS_LOG").as_deref())?,
        })
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// What production refuses to start without: a provider for every channel that is
    /// on (the file outbox and the SMS log are development sinks; personal data is never
    /// written to them elsewhere). `None` when complete.
    pub fn missing_channels(&self) -> Option<String> {
        if !self.is_production() {
            return None;
        }
        let mut missing = Vec::new();
        if self.email_enabled && self.smtp_url.is_none() {
            missing.push(
                "JIWON_SMTP_URL이 없습니다 (메일을 끄려면 JIWON_EMAIL_ENABLED=0) / JIWON_SMTP_URL is not set (JIWON_EMAIL_ENABLED=0 turns email off)",
            );
        }
        if self.sms_enabled && self.sms_url.is_none() {
            missing.push(
                "JIWON_SMS_URL이 없습니다 (문자를 끄려면 JIWON_SMS_ENABLED=0) / JIWON_SMS_URL is not set (JIWON_SMS_ENABLED=0 turns SMS off)",
            );
        }
        if missing.is_empty() {
            None
        } else {
            Some(format!(
                "운영 환경(JIWON_ENV=production) 설정이 덜 되어 시작하지 않습니다. / Production is not fully configured; not starting.\n  {}",
                missing.join("\n  ")
            ))
        }
    }
}

/// An on/off switch, on by default: 1/true/on or 0/false/off.
fn parse_switch(key: &str) -> Result<bool, AppError> {
    match var(key).as_deref().map(str::trim) {
        None | Some("1") | Some("true") | Some("on") => Ok(true),
        Some("0") | Some("false") | Some("off") => Ok(false),
        Some(other) => Err(AppError::Config(format!(
            "{key} must be 1 or 0, not '{other}'"
        ))),
    }
}

fn parse_num<T: std::str::FromStr>(key: &str, default: T) -> Result<T, AppError> {
    match var(key) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| AppError::Config(format!("{key} must be a number, not '{v}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::IpRange;

    #[test]
    fn ranges_contain_what_they_say() {
        let r = IpRange::parse("10.0.0.0/8").unwrap();
        assert!(r.contains("10.1.2.3".parse().unwrap()));
        assert!(!r.contains("11.0.0.1".parse().unwrap()));
        assert!(r.contains("::ffff:10.9.9.9".parse().unwrap()));
        let one = IpRange::parse("127.0.0.1").unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let v6 = IpRange::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!v6.contains("2001:db9::5".parse().unwrap()));
        assert!(IpRange::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert_eq!(IpRange::parse("10.0.0.0/33"), None);
        assert_eq!(IpRange::parse("proxy"), None);
    }
}
