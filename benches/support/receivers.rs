//! The local receivers the bench delivers to: `tests/support/smtp_sink.py` and
//! `tests/support/push_service.py`, started as child processes.

use super::*;

// ---------------------------------------------------------------------------------------
// The local receivers

pub(crate) struct SmtpSink {
    pub(crate) child: Child,
    pub(crate) port: u16,
    pub(crate) dir: PathBuf,
}

impl SmtpSink {
    pub(crate) fn start(dir: &Path) -> SmtpSink {
        let mail = dir.join("mail");
        let mut child = Command::new("python3")
            .arg("tests/support/smtp_sink.py")
            .arg(&mail)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/support/smtp_sink.py (python3 + aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("sink prints its port");
        let v: serde_json::Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("smtp_sink.py printed {line:?}: {e}"));
        SmtpSink {
            port: v["port"].as_u64().expect("port") as u16,
            child,
            dir: mail,
        }
    }
    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
    pub(crate) fn count(&self) -> usize {
        count_eml(&self.dir)
    }
    pub(crate) fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn count_eml(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                .count()
        })
        .unwrap_or(0)
}

pub(crate) struct PushService {
    pub(crate) child: Child,
    pub(crate) _stdin: ChildStdin,
    pub(crate) port: u16,
    pub(crate) p256dh: String,
    pub(crate) auth: String,
    pub(crate) log: PathBuf,
}

impl PushService {
    pub(crate) fn start(dir: &Path) -> PushService {
        let log = dir.join("push.jsonl");
        let mut child = Command::new("python3")
            .arg("tests/support/push_service.py")
            .arg(&log)
            // It exits when this pipe closes.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/support/push_service.py (python3 + cryptography)");
        let stdin = child.stdin.take().expect("stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("push service prints its port");
        let v: serde_json::Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("push_service.py printed {line:?}: {e}"));
        PushService {
            port: v["port"].as_u64().expect("port") as u16,
            p256dh: v["p256dh"].as_str().expect("p256dh").into(),
            auth: v["auth"].as_str().expect("auth").into(),
            child,
            _stdin: stdin,
            log,
        }
    }
    /// (accepted, rejected) lines of its log.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut ok = 0;
        let mut bad = 0;
        for l in text.lines() {
            if l.contains("\"error\"") {
                bad += 1;
            } else {
                ok += 1;
            }
        }
        (ok, bad)
    }
    pub(crate) fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
