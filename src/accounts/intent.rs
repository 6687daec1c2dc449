//! What a signed-out visitor meant to do when they were sent to log in — save an
//! announcement (관심 공고) or get alerts for programs like it — carried through the
//! login page, sign-up and the verification mail as a signed token
//! (`signing::Purpose::Intent`), never as a free redirect: the token names an action
//! and an announcement id, and the way back (`/announcements/{id}`) is derived from
//! them. The action itself is done by alerts, through [`super::Hooks::carry_out`], once
//! the visitor has signed in by a form that checked its CSRF token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, NaiveDateTime};

use crate::signing::{Keys, Purpose};

/// How long an intent stays good: longer than the verification link (24 hours).
const VALID_DAYS: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Save the announcement as 관심 공고.
    Bookmark,
    /// Alerts for new programs like the announcement.
    Subscribe,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Bookmark => "bookmark",
            Action::Subscribe => "subscribe",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub action: Action,
    /// The announcement's id (re-checked to be public when the action is done).
    pub announcement: String,
    expires: i64,
}

impl Intent {
    pub fn new(action: Action, announcement: &str, now: NaiveDateTime) -> Intent {
        Intent {
            action,
            announcement: announcement.to_string(),
            expires: (now + Duration::days(VALID_DAYS)).and_utc().timestamp(),
        }
    }

    fn message(&self) -> String {
        format!(
            "{}:{}:{}",
            self.action.as_str(),
            self.expires,
            self.announcement
        )
    }

    /// The token for URLs and hidden fields (URL-safe).
    pub fn sign(&self, keys: &Keys) -> String {
        let m = self.message();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&m),
            keys.sign(Purpose::Intent, &m)
        )
    }

    /// The intent of a token this server signed that has not expired.
    pub fn verify(keys: &Keys, token: &str, now: NaiveDateTime) -> Option<Intent> {
        let (b64, sig) = token.trim().split_once('.')?;
        let m = String::from_utf8(URL_SAFE_NO_PAD.decode(b64).ok()?).ok()?;
        if !keys.verify(Purpose::Intent, &m, sig) {
            return None;
        }
        let mut parts = m.splitn(3, ':');
        let action = match parts.next()? {
            "bookmark" => Action::Bookmark,
            "subscribe" => Action::Subscribe,
            _ => return None,
        };
        let expires: i64 = parts.next()?.parse().ok()?;
        let announcement = parts.next()?.to_string();
        if expires < now.and_utc().timestamp() || announcement.is_empty() {
            return None;
        }
        Some(Intent {
            action,
            announcement,
            expires,
        })
    }

    /// Why the login page asks to log in.
    pub fn reason(&self) -> &'static str {
        match self.action {
            Action::Bookmark => "관심 공고로 저장하려면 로그인하세요.",
            Action::Subscribe => "이런 공고가 새로 나올 때 알림을 받으려면 로그인하세요.",
        }
    }

    /// The announcement page, saying what was done (`done=bookmark|alert`).
    pub fn back_to(&self) -> String {
        let done = match self.action {
            Action::Bookmark => "bookmark",
            Action::Subscribe => "alert",
        };
        format!(
            "/announcements/{}?done={done}",
            urlencoding::encode(&self.announcement)
        )
    }
}

/// The signed intent of an optional token, for pages that pass it along.
pub fn read(keys: &Keys, token: Option<&str>, now: NaiveDateTime) -> Option<(Intent, String)> {
    let t = token?;
    Intent::verify(keys, t, now).map(|i| (i, t.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_intent_verifies_and_resists_tampering_and_time() {
        let keys = Keys::new(b"intent-secret-intent-secret-0123", &[]);
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc();
        let i = Intent::new(Action::Bookmark, "0190-abc", now);
        let t = i.sign(&keys);
        assert_eq!(Intent::verify(&keys, &t, now), Some(i.clone()));
        assert_eq!(i.back_to(), "/announcements/0190-abc?done=bookmark");
        // Another announcement under the same signature is refused.
        let forged = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(format!("bookmark:{}:other", i.expires)),
            t.split('.').nth(1).unwrap()
        );
        assert_eq!(Intent::verify(&keys, &forged, now), None);
        // An unsubscribe signature of the same text is not an intent.
        let m = i.message();
        let cross = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&m),
            keys.sign(Purpose::Unsubscribe, &m)
        );
        assert_eq!(Intent::verify(&keys, &cross, now), None);
        assert_eq!(
            Intent::verify(&keys, &t, now + Duration::days(VALID_DAYS + 1)),
            None
        );
    }
}
