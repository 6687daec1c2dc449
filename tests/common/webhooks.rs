//! The agency's own system, as tests stand it up: `tests/support/webhook_receiver.py`, a
//! separate HTTP server that checks each POST's signature with Python's own hmac (against
//! the secret in `secret_file`), answers 500 to its first request and 200 after, and logs
//! every request as a JSON line.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

pub struct Receiver {
    child: Child,
    pub port: u16,
    log: PathBuf,
    pub secret_file: PathBuf,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Receiver {
    pub fn start(dir: &std::path::Path) -> Result<Receiver, String> {
        let log = dir.join("webhooks.jsonl");
        let secret_file = dir.join("webhook.secret");
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/support/webhook_receiver.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(&log)
            .arg(&secret_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("python3 not available ({e})"))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut r = Receiver {
            child,
            port: 0,
            log,
            secret_file,
        };
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .map_err(|_| "webhook_receiver.py did not start".to_string())?;
        let hello: Value = serde_json::from_str(&line).map_err(|e| format!("{line:?}: {e}"))?;
        r.port = hello["port"].as_u64().ok_or("no port")? as u16;
        Ok(r)
    }

    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }
}

impl Receiver {
    /// Its URL for the webhook form.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }
}
