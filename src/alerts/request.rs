//! A subscription request as the alert form states it, and the one check of it: the
//! form's handler parses, calls [`check`], and saves what comes back with
//! `subscriptions::subscribe`, or shows the messages at their fields.

use super::criteria::Criteria;
use super::model::{OwnerProfile, CHANNELS};
use super::store;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::reference;
use crate::web::form::{FieldErrors, Form};

/// The most regions (시도 and 시군구) one subscription may name.
pub const MAX_REGIONS: usize = 50;
/// The most KSIC codes one subscription may name.
pub const MAX_KSIC: usize = 20;

/// What this portal's configuration can deliver.
#[derive(Debug, Clone, Copy)]
pub struct Offered {
    /// Web push has VAPID keys.
    pub push: bool,
    pub email: bool,
    pub sms: bool,
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', '\n'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// What the subscription form holds (also what the search page pre-fills).
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct SubInput {
    pub name: String,
    pub mode: String,
    pub categories: Vec<String>,
    pub regions: Vec<String>,
    pub targets: Vec<String>,
    pub keywords: String,
    pub ksic: String,
    pub local_only: bool,
    pub frequency: String,
    pub channels: Vec<String>,
    /// As typed (trimmed); `address()` is the one used.
    pub email: String,
    /// The email-only form's consent box, so it comes back as it was left.
    pub consent: bool,
}

impl SubInput {
    pub fn from_form(f: &Form) -> SubInput {
        let one = |k: &str| f.get(k).to_string();
        let all = |k: &str| -> Vec<String> {
            f.list(k)
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        SubInput {
            name: one("name"),
            mode: one("mode"),
            categories: all("category"),
            regions: all("region"),
            targets: all("target"),
            keywords: one("keywords"),
            ksic: one("ksic"),
            local_only: !one("local_only").is_empty(),
            frequency: one("frequency"),
            channels: all("channel"),
            email: one("email"),
            consent: !one("consent").is_empty(),
        }
    }
    pub fn address(&self) -> String {
        self.email.to_lowercase()
    }
    /// The form as it shows a saved subscription (the edit page).
    pub fn from_subscription(s: &super::model::Subscription) -> SubInput {
        let c: Criteria = serde_json::from_str(&s.spec).unwrap_or_default();
        SubInput {
            name: s.name.clone(),
            mode: if c.profile { "profile" } else { "custom" }.into(),
            categories: c.categories.clone(),
            regions: if c.profile {
                Vec::new()
            } else {
                c.regions.clone()
            },
            targets: c.targets.clone(),
            keywords: c.keywords.join(", "),
            ksic: if c.profile {
                String::new()
            } else {
                c.ksic.join(", ")
            },
            local_only: c.local_only,
            frequency: s.frequency.clone(),
            channels: s.channel_list(),
            email: s.email.clone().unwrap_or_default(),
            consent: true,
        }
    }
    pub fn criteria(&self) -> Criteria {
        Criteria {
            categories: self.categories.clone(),
            regions: self.regions.clone(),
            targets: self.targets.clone(),
            keywords: split_list(&self.keywords),
            ksic: split_list(&self.ksic),
            local_only: self.local_only,
            ..Default::default()
        }
        .canonical()
    }
}

pub fn suggested_name(i: &SubInput) -> String {
    let mut parts: Vec<String> = Vec::new();
    for r in &i.regions {
        if let Some(n) = reference::sido_name(r.get(0..2).unwrap_or("")) {
            parts.push(n.to_string());
        }
    }
    parts.extend(i.categories.clone());
    if !i.keywords.is_empty() {
        parts.push(i.keywords.clone());
    }
    if parts.is_empty() {
        "새 공고 알림".into()
    } else {
        format!("{} 알림", parts.join(" "))
    }
}

/// Why an owner cannot choose SMS yet (no number, or a number not verified), or `None`.
pub fn sms_not_ready(profile: Option<&OwnerProfile>) -> Option<&'static str> {
    match profile {
        Some(p) if p.sms_number().is_some() => None,
        Some(p) if p.phone.is_some() => Some(
            "문자로 받으려면 내 사업 정보에서 휴대전화 번호 확인(문자로 받은 인증번호 입력)을 먼저 마쳐 주세요.",
        ),
        _ => Some("문자로 받으려면 내 사업 정보에 휴대전화 번호를 적고 인증번호로 확인해 주세요."),
    }
}

/// Check a request from a signed-in owner (`owner_id`) or an anonymous visitor (email
/// only): on success the subscription to save, else a Korean message at each field.
pub fn check(
    conn: &mut DbConnection,
    input: &SubInput,
    owner_id: Option<&str>,
    offered: &Offered,
) -> AppResult<Result<super::subscriptions::NewSubscription, FieldErrors>> {
    let owner = owner_id;
    let mut errors = FieldErrors::new();
    if input.name.chars().count() > 60 {
        errors.set("name", "이름은 60자 이내로 적어 주세요.");
    }
    if !["instant", "daily", "weekly"].contains(&input.frequency.as_str()) {
        errors.set("frequency", "받는 주기를 골라 주세요.");
    }
    if input.channels.is_empty() {
        errors.set("channel", "받을 방법을 하나 이상 골라 주세요.");
    }
    if input
        .channels
        .iter()
        .any(|c| !CHANNELS.contains(&c.as_str()))
    {
        errors.set("channel", "알 수 없는 받는 방법입니다.");
    }
    for c in &input.categories {
        if !reference::is_category(c) {
            errors.set("category", format!("알 수 없는 분야입니다: {c}"));
        }
    }
    for t in &input.targets {
        if !reference::TARGET_TYPES.contains(&t.as_str()) {
            errors.set("target", format!("알 수 없는 대상입니다: {t}"));
        }
    }
    let criteria = input.criteria();
    if criteria.keywords.iter().any(|k| k.chars().count() > 40) || criteria.keywords.len() > 10 {
        errors.set("keywords", "키워드는 10개까지, 각 40자 이내로 적어 주세요.");
    } else if let Some(k) = criteria
        .keywords
        .iter()
        .find(|k| crate::search::matcher::Matcher::new(k).is_empty())
    {
        errors.set(
            "keywords",
            format!("키워드 '{k}'에는 찾을 글자나 숫자가 없습니다. 단어로 적어 주세요."),
        );
    }
    let profile_mode = owner.is_some() && input.mode == "profile";
    if !profile_mode && criteria.is_empty() {
        errors.set(
            "category",
            "분야·지역·대상·업종·키워드 중 하나 이상을 정해 주세요.",
        );
    }
    if owner.is_none() {
        if !crate::accounts::web::looks_like_email(&input.address()) {
            errors.set("email", "받을 이메일 주소를 정확히 적어 주세요.");
        }
        if input.channels.iter().any(|c| c != "email") {
            errors.set(
                "channel",
                "로그인하지 않으면 이메일로만 받을 수 있습니다. 웹 푸시·문자는 가입 후 이용해 주세요.",
            );
        }
        if !input.consent {
            errors.set("consent", "알림 메일 수신에 동의해 주세요.");
        }
    }
    // Caps before any database work: a list this long is not a person's choice.
    if criteria.regions.len() > MAX_REGIONS {
        errors.set(
            "region",
            format!("지역은 {MAX_REGIONS}곳까지 고를 수 있습니다."),
        );
    }
    if criteria.ksic.len() > MAX_KSIC {
        errors.set(
            "ksic",
            format!("업종 코드는 {MAX_KSIC}개까지 적을 수 있습니다."),
        );
    }
    let ksic_checked = if criteria.ksic.len() > MAX_KSIC {
        Vec::new()
    } else {
        criteria.ksic.clone()
    };
    // KSIC codes must exist; profile-mode and SMS need a profile.
    let mut ksic_bad = Vec::new();
    for k in &ksic_checked {
        if reference::find_ksic(conn, k)?.is_none() {
            ksic_bad.push(k.clone());
        }
    }
    let profile: Option<OwnerProfile> = match owner {
        Some(u) => store::find_profile(conn, u)?,
        None => None,
    };
    if !ksic_bad.is_empty() {
        errors.set(
            "ksic",
            format!("없는 업종 코드입니다: {}", ksic_bad.join(", ")),
        );
    }
    if owner.is_some() && !offered.push && input.channels.iter().any(|c| c == "push") {
        errors.set("channel", crate::alerts::PUSH_NOT_READY);
    }
    if input
        .channels
        .iter()
        .any(|c| (c == "sms" && !offered.sms) || (c == "email" && !offered.email))
    {
        errors.set("channel", crate::alerts::CHANNEL_OFF);
    }
    if owner.is_some() {
        if input.channels.iter().any(|c| c == "sms") {
            if let Some(why) = sms_not_ready(profile.as_ref()) {
                errors.set("channel", why);
            }
        }
        if profile_mode {
            let ok = profile
                .as_ref()
                .map(|p| p.region_code.is_some() || p.ksic_code.is_some())
                .unwrap_or(false);
            if !ok {
                errors.set("mode", "내 사업 정보에 지역이나 업종을 먼저 입력해 주세요.");
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let name = if input.name.is_empty() {
        suggested_name(input)
    } else {
        input.name.clone()
    };
    Ok(Ok(super::subscriptions::NewSubscription {
        owner_id: owner.map(String::from),
        email: input.address(),
        name,
        criteria: match (&profile, profile_mode) {
            (Some(p), true) => super::profile::profile_criteria(p),
            _ => criteria,
        },
        frequency: input.frequency.clone(),
        channels: input.channels.clone(),
    }))
}
