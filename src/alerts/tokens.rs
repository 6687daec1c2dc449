//! Signed, stateless unsubscribe tokens. A token names what it stops — one subscription
//! (`s:<id>`), all email alerts of an account (`e:<user>`), bookmark reminders
//! (`b:<user>`), or one kind of message about one announcement
//! (`m:<changed|reminder>:<announcement>:<recipient>`) — and carries an HMAC, so a link works without signing in and cannot be
//! forged for someone else.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::model::Delivery;
use crate::signing::{Keys, Purpose};

pub fn sign(keys: &Keys, scope: &str) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(scope),
        keys.sign(Purpose::Unsubscribe, scope)
    )
}

/// The scope of a valid token (signed by the current or a previous secret).
pub fn verify(keys: &Keys, token: &str) -> Option<String> {
    let (scope_b64, sig) = token.split_once('.')?;
    let scope = String::from_utf8(URL_SAFE_NO_PAD.decode(scope_b64).ok()?).ok()?;
    keys.verify(Purpose::Unsubscribe, &scope, sig)
        .then_some(scope)
}

/// What the way-out link of a delivery stops: what the person meant. A correction or a
/// reminder stops that kind of message about that announcement (`m:…`), never the
/// subscription that first told them of it; a new-announcement alert stops its
/// subscription; a digest all email alerts.
pub fn for_delivery(keys: &Keys, d: &Delivery) -> String {
    if let (Some(kind), Some(ann)) = (super::store::mute_kind(&d.kind), &d.announcement_id) {
        let recipient = match &d.user_id {
            Some(u) => format!("u:{u}"),
            None => format!("e:{}", d.address.to_lowercase()),
        };
        let mute = super::store::Mute {
            kind: kind.into(),
            announcement_id: ann.clone(),
            recipient,
        };
        return sign(keys, &mute.scope());
    }
    let scope = match (&d.subscription_id, &d.user_id) {
        (Some(s), _) if d.kind != "digest" => format!("s:{s}"),
        (_, Some(u)) if d.kind.starts_with("reminder") || d.kind.starts_with("changed") => {
            format!("b:{u}")
        }
        (_, Some(u)) => format!("e:{u}"),
        (Some(s), None) => format!("s:{s}"),
        (None, None) => format!("a:{}", d.address.to_lowercase()),
    };
    sign(keys, &scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_resist_tampering() {
        let k1 = Keys::new(b"k1-secret-k1-secret-k1-secret-k1", &[]);
        let t = sign(&k1, "s:abc");
        assert_eq!(verify(&k1, &t).as_deref(), Some("s:abc"));
        let other = Keys::new(b"other-secret-other-secret-other!", &[]);
        assert_eq!(verify(&other, &t), None);
        let forged = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode("s:xyz"),
            t.split('.').nth(1).unwrap()
        );
        assert_eq!(verify(&k1, &forged), None);
        assert_eq!(verify(&k1, "garbage"), None);
    }
}
