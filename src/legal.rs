//! The terms (이용약관), the privacy policy (개인정보 처리방침) and the help page: their
//! versions, and the operator's facts they quote from the configuration. A leaf: the
//! pages are served by `owners::web::legal`; every consent row records
//! [`CONSENT_VERSION`] (`alerts::store::record_consent`).
//!
//! The texts are the templates `templates/legal/{terms,privacy,help}.html`. Changing
//! what a text promises means a new date here, so consents given before it stay tied to
//! the text that was in force.

use serde::Serialize;

use crate::config::Config;

/// The date of the terms now in force.
pub const TERMS_VERSION: &str = "2026-12-06";
/// The date of the privacy policy now in force.
pub const PRIVACY_VERSION: &str = "2026-12-06";
/// What a consent given now was given under: both texts, by date.
pub const CONSENT_VERSION: &str = "이용약관 2026-12-06 · 개인정보 처리방침 2026-12-06";

/// Who runs the site, as the pages show it (from `JIWON_OPERATOR_*`,
/// `JIWON_PRIVACY_OFFICER`).
#[derive(Debug, Clone, Serialize)]
pub struct Operator {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub privacy_officer: String,
}

impl Operator {
    pub fn from_config(c: &Config) -> Operator {
        Operator {
            name: c.operator_name.clone(),
            email: c.operator_email.clone(),
            phone: c.operator_phone.clone(),
            privacy_officer: c.privacy_officer.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_consent_version_names_both_texts_by_their_dates() {
        assert!(super::CONSENT_VERSION.contains(super::TERMS_VERSION));
        assert!(super::CONSENT_VERSION.ends_with(super::PRIVACY_VERSION));
    }
}
