//! argon2id password hashing. Call from a blocking task (`web::block`).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id minimum: m=19 MiB, t=2, p=1.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

/// Verify a password. With no stored hash (unknown account), verify against a dummy hash
/// so the time taken does not reveal whether the account exists.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2x8i8p1oQhXQ7uZo1L0m2Ho4b2GQ3m6e7bq1i0H8o3U";
    let target = stored.unwrap_or(DUMMY);
    let ok = match PasswordHash::new(target) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    };
    ok && stored.is_some()
}

/// Korean message when a new password is too weak, else None.
pub fn password_problem(password: &str) -> Option<&'static str> {
    if password.chars().count() < 10 {
        Some("비밀번호는 10자 이상이어야 합니다.")
    } else if password.chars().count() > 128 {
        Some("비밀번호는 128자 이하여야 합니다.")
    } else {
        None
    }
}
