//! A real SMTP server for tests: `tests/support/smtp_sink.py` (aiosmtpd) in a child
//! process, writing each accepted message to a directory. Messages are read back with
//! `mailparse`, an independent MIME parser.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpSink {
    pub port: u16,
    pub dir: PathBuf,
    /// With `--starttls`: the test CA that signed the server's certificate.
    pub ca: Option<PathBuf>,
    child: Child,
    _tmp: tempfile::TempDir,
}

/// One received message, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub raw: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The first URL in the text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let start = self.text.find(prefix)?;
        let rest = &self.text[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
            .unwrap_or(rest.len());
        Some(rest[..end].to_string())
    }
}

impl SmtpSink {
    /// Start the sink; `None` (after printing the SKIPPED line) when Python or aiosmtpd
    /// is missing.
    pub fn start(test: &str) -> Option<SmtpSink> {
        Self::start_with(test, &[])
    }

    pub fn start_with(test: &str, args: &[&str]) -> Option<SmtpSink> {
        let ok = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            println!("SKIPPED: {test}: python3 with aiosmtpd is not installed (scripts/test.sh installs it)");
            return None;
        }
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("mail");
        let script = format!("{}/tests/support/smtp_sink.py", env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(&dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start smtp sink");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("sink prints its port");
        let v: serde_json::Value = serde_json::from_str(line.trim()).expect("port json");
        let port = v["port"].as_u64().expect("port") as u16;
        Some(SmtpSink {
            port,
            dir,
            ca: v["ca"].as_str().map(PathBuf::from),
            child,
            _tmp: tmp,
        })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn count(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Wait until at least `n` messages arrived (or the timeout passed).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> usize {
        let start = Instant::now();
        loop {
            let c = self.count();
            if c >= n || start.elapsed() > timeout {
                return c;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn messages(&self) -> Vec<Mail> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().map(|x| x == "eml").unwrap_or(false))
                    .collect()
            })
            .unwrap_or_default();
        paths.sort();
        paths
            .iter()
            .map(|p| parse(&std::fs::read(p).expect("read message")))
            .collect()
    }
}

pub fn parse(raw: &[u8]) -> Mail {
    let parsed = mailparse::parse_mail(raw).expect("valid MIME");
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| (h.get_key(), h.get_value()))
        .collect();
    let get = |k: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut text = String::new();
    let mut html = String::new();
    fn walk(p: &mailparse::ParsedMail, text: &mut String, html: &mut String) {
        if p.subparts.is_empty() {
            let body = p.get_body().unwrap_or_default();
            match p.ctype.mimetype.as_str() {
                "text/plain" => text.push_str(&body),
                "text/html" => html.push_str(&body),
                _ => {}
            }
        }
        for s in &p.subparts {
            walk(s, text, html);
        }
    }
    walk(&parsed, &mut text, &mut html);
    Mail {
        raw: String::from_utf8_lossy(raw).to_string(),
        to: get("X-Envelope-To"),
        subject: get("Subject"),
        message_id: get("Message-ID"),
        headers,
        text,
        html,
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
