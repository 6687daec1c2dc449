//! The development file outbox as a test reads it: the mails sent to an address, as
//! decoded plain text, and the links in them.

use super::TestApp;

// --- the outbox -------------------------------------------------------------------------

/// Undo quoted-printable: soft line breaks and `=XX` bytes.
pub fn decode_qp(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

/// The decoded text/plain part of a raw message (lettre may use base64 or QP).
pub fn text_part(eml: &str) -> String {
    use base64::Engine;
    let eml = eml.replace("\r\n", "\n");
    let boundary = eml.find("boundary=").map(|i| {
        let rest = eml[i + "boundary=".len()..].trim_start_matches('"');
        rest.split(['"', ';', '\n'])
            .next()
            .unwrap_or_default()
            .to_string()
    });
    let parts: Vec<String> = match &boundary {
        Some(b) => eml.split(&format!("--{b}")).map(String::from).collect(),
        None => vec![eml.clone()],
    };
    for part in parts {
        let part = part.trim_start_matches('\n');
        let Some((headers, body)) = part.split_once("\n\n") else {
            continue;
        };
        let h = headers.to_lowercase();
        if !h.contains("content-type: text/plain") {
            continue;
        }
        return if h.contains("content-transfer-encoding: base64") {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let raw = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 body");
            String::from_utf8_lossy(&raw).to_string()
        } else if h.contains("content-transfer-encoding: quoted-printable") {
            decode_qp(body)
        } else {
            body.to_string()
        };
    }
    panic!("no text/plain part in:\n{eml}");
}

/// Every message in the outbox to `email`, oldest first, as decoded plain text.
pub fn mails_to(app: &TestApp, email: &str) -> Vec<String> {
    let dir = app.dir.path().join("outbox/mail");
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
        Err(_) => return Vec::new(),
    };
    files.sort();
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|raw| {
            raw.lines()
                .any(|l| l.to_lowercase().starts_with("to:") && l.contains(email))
        })
        .map(|raw| text_part(&raw))
        .collect()
}

/// The paths of the `http://jiwon.test{prefix}<token>` links mailed to `email`.
pub fn links_to(app: &TestApp, email: &str, prefix: &str) -> Vec<String> {
    let marker = format!("http://jiwon.test{prefix}");
    let mut out = Vec::new();
    for text in mails_to(app, email) {
        let mut rest = text.as_str();
        while let Some(i) = rest.find(&marker) {
            let after = &rest[i + marker.len()..];
            let token: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if !token.is_empty() {
                out.push(format!("{prefix}{token}"));
            }
            rest = after;
        }
    }
    out.dedup();
    out
}

pub fn last_link(app: &TestApp, email: &str, prefix: &str) -> String {
    links_to(app, email, prefix)
        .pop()
        .unwrap_or_else(|| panic!("no {prefix} link mailed to {email}"))
}
