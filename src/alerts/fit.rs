//! "내게 맞는 공고": which open announcements fit an owner's business profile, why, and
//! what might not — for the owner's home (`/me`) and the announcement page.
//!
//! One mechanism with the profile alerts: the profile's criteria
//! ([`profile::profile_criteria`]: 시군구 → 시도 → 전국, and KSIC) are evaluated by
//! [`Criteria::evaluate`], then the hard eligibility by [`profile::assess`]. This module
//! only puts their answers into words and ranks them: an exact 시군구 beats the whole
//! 시도, which beats 전국; a stated industry or eligibility the profile meets adds, one
//! the profile cannot answer subtracts, and so does a program only for 소상공인 when the
//! business is larger ([`profile::is_small_business`]; one that is small adds); among
//! equals the deadline closest first.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::criteria::{sido_of, Because, Criteria, Facts};
use super::matching::{facts_without_text, Labels};
use super::model::OwnerProfile;
use super::profile::{self, Check};
use super::store;
use crate::announcements::model::Announcement;
use crate::announcements::store::{self as ann_store, ListFilter, StatusFilter};
use crate::db::DbConnection;
use crate::error::AppResult;

/// The most open announcements the home ranks (a 시도's open programs plus the
/// nationwide ones are a few hundred in the real data).
const CANDIDATES: i64 = 5_000;

/// The target type small businesses are (`reference::TARGET_TYPES`).
const SMALL_BUSINESS: &str = "소상공인";

/// Why an announcement fits a profile, and what the profile cannot tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Fit {
    /// "지역: 울산 남구", "업종: 한식 일반 음식점업", "업력 3년".
    pub reasons: Vec<String>,
    /// Stated criteria the profile does not answer: "매출 기준".
    pub unsure: Vec<String>,
    /// Higher is a better fit.
    pub score: i32,
}

/// Does the profile say enough to pick programs (a region or an industry)?
pub fn has_basis(p: &OwnerProfile) -> bool {
    p.region_code.is_some() || p.ksic_code.is_some()
}

/// How the announcement with `facts` fits `p`: `Err(why not)` when the profile's region
/// or industry is not the announcement's, or a stated criterion rules the owner out.
pub fn assess(
    p: &OwnerProfile,
    criteria: &Criteria,
    facts: &Facts,
    labels: &Labels,
    now: NaiveDateTime,
) -> Result<Fit, String> {
    let Some(why) = criteria.evaluate(facts) else {
        return Err("지역이나 업종이 내 사업 정보와 다릅니다".into());
    };
    let mut fit = Fit::default();
    let stated_industry = !facts.eligibility.ksic_include.is_empty();
    for b in &why {
        match b {
            Because::Region(r) => {
                if facts.regions.iter().any(|(code, _)| code == r) {
                    fit.score += 3;
                    fit.reasons.push(format!("지역: {}", labels.region(r)));
                } else {
                    fit.score += 2;
                    fit.reasons
                        .push(format!("지역: {}", labels.region(&sido_of(r))));
                }
            }
            Because::Nationwide => {
                fit.score += 1;
                fit.reasons.push("지역: 전국".into());
            }
            Because::Industry(k) if stated_industry => {
                fit.score += 2;
                fit.reasons.push(format!("업종: {}", labels.industry(k)));
            }
            _ => {}
        }
    }
    // Programs for 소상공인, for a business that is one by its size.
    if facts.targets.iter().any(|t| t == SMALL_BUSINESS) {
        match profile::is_small_business(p) {
            Some(true) => {
                fit.score += 1;
                fit.reasons.push(format!("대상: {SMALL_BUSINESS}"));
            }
            Some(false) if facts.targets.len() == 1 => {
                fit.score -= 1;
                fit.unsure.push(format!("{SMALL_BUSINESS} 기준"));
            }
            _ => {}
        }
    }
    if fit.reasons.is_empty() {
        fit.reasons.push("지역·업종 제한 없음".into());
    }
    if stated_industry && p.ksic_code.is_none() {
        fit.score -= 1;
        fit.unsure.push("업종 기준".into());
    }
    let today = crate::clock::kst_today(now);
    for check in profile::assess(p, &facts.eligibility, today) {
        match check {
            Check::Met(m) => {
                fit.score += 1;
                fit.reasons.push(m);
            }
            Check::Unknown(u) => {
                fit.score -= 1;
                fit.unsure.push(u);
            }
            Check::Failed(f) => return Err(f),
        }
    }
    Ok(fit)
}

/// The open announcements that fit `p`, best first (closing soon first among equals).
pub fn for_owner(
    conn: &mut DbConnection,
    p: &OwnerProfile,
    now: NaiveDateTime,
) -> AppResult<Vec<(Announcement, Fit)>> {
    if !has_basis(p) {
        return Ok(Vec::new());
    }
    let filter = ListFilter {
        region: p
            .region_code
            .as_deref()
            .and_then(|r| r.get(0..2))
            .map(str::to_string),
        status: StatusFilter::Open,
        ..Default::default()
    };
    // Deadline first: the stable sort below keeps that order among equal scores.
    let rows = ann_store::list_all(conn, &filter, now, CANDIDATES)?;
    let facts = facts_without_text(conn, &rows)?;
    let labels = Labels::load(conn)?;
    let criteria = profile::profile_criteria(p);
    let mut fits: Vec<(Announcement, Fit)> = rows
        .into_iter()
        .zip(facts)
        .filter_map(|(a, f)| {
            assess(p, &criteria, &f, &labels, now)
                .ok()
                .map(|fit| (a, fit))
        })
        .collect();
    fits.sort_by_key(|(_, fit)| std::cmp::Reverse(fit.score));
    Ok(fits)
}

/// For the announcement page (`AppState::fit`): how `a` fits the signed-in owner's
/// profile — `{"fits": true, "reasons": […], "unsure": […]}` or `{"fits": false,
/// "why": "…"}` — or `None` for someone without a profile that says enough.
pub fn for_announcement(
    conn: &mut DbConnection,
    user_id: &str,
    a: &Announcement,
    now: NaiveDateTime,
) -> AppResult<Option<serde_json::Value>> {
    let Some(p) = store::find_profile(conn, user_id)? else {
        return Ok(None);
    };
    if !has_basis(&p) {
        return Ok(None);
    }
    let facts = facts_without_text(conn, std::slice::from_ref(a))?;
    let Some(facts) = facts.first() else {
        return Ok(None);
    };
    let labels = Labels::load(conn)?;
    let criteria = profile::profile_criteria(&p);
    Ok(Some(match assess(&p, &criteria, facts, &labels, now) {
        Ok(fit) => serde_json::json!({
            "fits": true,
            "reasons": fit.reasons,
            "unsure": fit.unsure,
        }),
        Err(why) => serde_json::json!({"fits": false, "why": why}),
    }))
}
