//! One way to sign a token: HMAC-SHA256 under a key derived for one purpose from the
//! server secret (`JIWON_SECRET_KEY`). A signature made for one purpose never verifies
//! for another, so a value a visitor can get signed for one reason (their CSRF cookie)
//! is worth nothing as anything else (an unsubscribe link).
//!
//! Rotation: signatures are made with the current secret and verified against it and
//! every previous one (`JIWON_SECRET_KEY_PREVIOUS`), so links in mail already sent keep
//! working while the secret changes.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a signature is for. Each purpose has its own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The CSRF cookie's own value: only values the server issued are accepted.
    CsrfCookie,
    /// The form token derived from the CSRF cookie.
    CsrfForm,
    /// Unsubscribe links in mail, SMS and push.
    Unsubscribe,
    /// What a signed-out visitor meant to do, carried through login and sign-up
    /// (`accounts::intent`).
    Intent,
    /// The 6-digit code texted to verify a phone number, derived from its verification
    /// row's id (`alerts::phone`), so the code itself is never stored.
    PhoneCode,
    /// A business representative's invitation of a person (by email) to apply for the
    /// business (`applications::members`).
    BusinessInvite,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::CsrfCookie => b"jiwon/v1/csrf-cookie",
            Purpose::CsrfForm => b"jiwon/v1/csrf-form",
            Purpose::Unsubscribe => b"jiwon/v1/unsubscribe",
            Purpose::Intent => b"jiwon/v1/intent",
            Purpose::PhoneCode => b"jiwon/v1/phone-code",
            Purpose::BusinessInvite => b"jiwon/v1/business-invite",
        }
    }
    const ALL: [Purpose; 6] = [
        Purpose::CsrfCookie,
        Purpose::CsrfForm,
        Purpose::Unsubscribe,
        Purpose::Intent,
        Purpose::PhoneCode,
        Purpose::BusinessInvite,
    ];
}

/// The derived keys of the current secret and of each previous one.
#[derive(Clone)]
pub struct Keys {
    /// `generations[0]` is the current secret; later ones only verify.
    generations: Vec<[[u8; 32]; 6]>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({} generation(s))", self.generations.len())
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

fn derive(secret: &[u8]) -> [[u8; 32]; 6] {
    Purpose::ALL.map(|p| hmac(secret, &[p.label()]))
}

fn index(p: Purpose) -> usize {
    match p {
        Purpose::CsrfCookie => 0,
        Purpose::CsrfForm => 1,
        Purpose::Unsubscribe => 2,
        Purpose::Intent => 3,
        Purpose::PhoneCode => 4,
        Purpose::BusinessInvite => 5,
    }
}

/// Constant-time equality of two strings.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Keys {
    pub fn new(current: &[u8], previous: &[Vec<u8>]) -> Keys {
        let mut generations = vec![derive(current)];
        generations.extend(previous.iter().map(|s| derive(s)));
        Keys { generations }
    }

    fn mac(key: &[u8; 32], message: &str) -> String {
        // 128 bits are plenty for a MAC and keep links short.
        hex::encode(&hmac(key, &[message.as_bytes()])[..16])
    }

    /// The signature of `message` for `purpose`, under the current secret.
    pub fn sign(&self, purpose: Purpose, message: &str) -> String {
        Self::mac(&self.generations[0][index(purpose)], message)
    }

    /// Whether `signature` was made for `purpose` over `message` by the current or a
    /// previous secret.
    pub fn verify(&self, purpose: Purpose, message: &str, signature: &str) -> bool {
        self.generations
            .iter()
            .any(|g| same(&Self::mac(&g[index(purpose)], message), signature))
    }

    /// The signature under each secret, current first (a form token must match the one
    /// its page was rendered with).
    pub fn all_signatures(&self, purpose: Purpose, message: &str) -> Vec<String> {
        self.generations
            .iter()
            .map(|g| Self::mac(&g[index(purpose)], message))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_good_for_its_purpose_only() {
        let k = Keys::new(b"0123456789abcdef0123456789abcdef", &[]);
        let s = k.sign(Purpose::CsrfForm, "a:someone@example.com");
        assert!(k.verify(Purpose::CsrfForm, "a:someone@example.com", &s));
        assert!(!k.verify(Purpose::Unsubscribe, "a:someone@example.com", &s));
        assert!(!k.verify(Purpose::CsrfForm, "a:other@example.com", &s));
    }

    #[test]
    fn previous_secrets_verify_but_do_not_sign() {
        let old = Keys::new(b"old-secret-old-secret-old-secret", &[]);
        let rotated = Keys::new(
            b"new-secret-new-secret-new-secret",
            &[b"old-secret-old-secret-old-secret".to_vec()],
        );
        let s = old.sign(Purpose::Unsubscribe, "s:1");
        assert!(rotated.verify(Purpose::Unsubscribe, "s:1", &s));
        assert_ne!(rotated.sign(Purpose::Unsubscribe, "s:1"), s);
        let fresh = Keys::new(b"new-secret-new-secret-new-secret", &[]);
        assert!(!fresh.verify(Purpose::Unsubscribe, "s:1", &s));
    }
}
