//! Signed, stateless unsubscribe tokens. A token names what it stops — one subscription
//! (`s:<id>`), all email alerts of an account (`e:<user>`), or bookmark reminders
//! (`b:<user>`) — and carries an HMAC, so a link works without signing in and cannot be
//! forged for someone else.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::model::Delivery;

fn mac(secret: &[u8], scope: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("hmac accepts any key");
    m.update(b"unsubscribe:");
    m.update(scope.as_bytes());
    hex::encode(&m.finalize().into_bytes()[..16])
}

pub fn sign(secret: &[u8], scope: &str) -> String {
    format!("{}.{}", URL_SAFE_NO_PAD.encode(scope), mac(secret, scope))
}

/// The scope of a valid token.
pub fn verify(secret: &[u8], token: &str) -> Option<String> {
    let (scope_b64, sig) = token.split_once('.')?;
    let scope = String::from_utf8(URL_SAFE_NO_PAD.decode(scope_b64).ok()?).ok()?;
    let expected = mac(secret, &scope);
    let ok = expected.len() == sig.len()
        && expected
            .bytes()
            .zip(sig.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    ok.then_some(scope)
}

/// What the way-out link of a delivery stops.
pub fn for_delivery(secret: &[u8], d: &Delivery) -> String {
    let scope = match (&d.subscription_id, &d.user_id) {
        (Some(s), _) if d.kind != "digest" => format!("s:{s}"),
        (_, Some(u)) if d.kind.starts_with("reminder") || d.kind.starts_with("changed") => {
            format!("b:{u}")
        }
        (_, Some(u)) => format!("e:{u}"),
        (Some(s), None) => format!("s:{s}"),
        (None, None) => format!("a:{}", d.address.to_lowercase()),
    };
    sign(secret, &scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_resist_tampering() {
        let t = sign(b"k1-secret", "s:abc");
        assert_eq!(verify(b"k1-secret", &t).as_deref(), Some("s:abc"));
        assert_eq!(verify(b"other-secret", &t), None);
        let forged = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode("s:xyz"),
            t.split('.').nth(1).unwrap()
        );
        assert_eq!(verify(b"k1-secret", &forged), None);
        assert_eq!(verify(b"k1-secret", "garbage"), None);
    }
}
