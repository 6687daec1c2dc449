//! An owner's business profile: validation of what they type, and the hard eligibility
//! check of an announcement against it. Unknown facts never exclude: only a profile that
//! *fails* a stated criterion stops a profile-based alert.

use chrono::{Datelike, NaiveDate};

use super::criteria::Criteria;
use super::model::OwnerProfile;
use crate::announcements::model::Eligibility;

/// Revenue bands an owner picks from (code, label, lower bound in won).
pub const REVENUE_BANDS: &[(&str, &str, i64)] = &[
    ("lt100m", "1억 원 미만", 0),
    ("100m_500m", "1억 ~ 5억 원", 100_000_000),
    ("500m_1b", "5억 ~ 10억 원", 500_000_000),
    ("1b_3b", "10억 ~ 30억 원", 1_000_000_000),
    ("3b_10b", "30억 ~ 100억 원", 3_000_000_000),
    ("10b_plus", "100억 원 이상", 10_000_000_000),
];

pub fn revenue_floor(band: &str) -> Option<i64> {
    REVENUE_BANDS
        .iter()
        .find(|(c, _, _)| *c == band)
        .map(|(_, _, floor)| *floor)
}

/// 사업자등록번호: 10 digits (dashes allowed) with a valid check digit. Returns the digits.
pub fn normalize_business_number(input: &str) -> Result<String, &'static str> {
    let digits: String = input.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("사업자등록번호는 숫자 10자리입니다 (예: 220-81-62517).");
    }
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    const W: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = d.iter().zip(W).map(|(x, w)| x * w).sum();
    sum += d[8] * 5 / 10;
    if (10 - sum % 10) % 10 != d[9] {
        return Err("사업자등록번호가 올바르지 않습니다. 숫자를 다시 확인해 주세요.");
    }
    Ok(digits)
}

/// `1234567890` → `123-45-67890`.
pub fn format_business_number(digits: &str) -> String {
    if digits.len() == 10 {
        format!("{}-{}-{}", &digits[0..3], &digits[3..5], &digits[5..])
    } else {
        digits.to_string()
    }
}

/// `01012345678` → `010-1234-5678` (`0111234567` → `011-123-4567`).
pub fn format_phone(digits: &str) -> String {
    match digits.len() {
        11 => format!("{}-{}-{}", &digits[0..3], &digits[3..7], &digits[7..]),
        10 => format!("{}-{}-{}", &digits[0..3], &digits[3..6], &digits[6..]),
        _ => digits.to_string(),
    }
}

/// Full years between two dates.
pub fn years_between(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut y = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        y -= 1;
    }
    y
}

/// How one criterion an announcement states stands against a business profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The profile meets it, in words for "why it fits" ("업력 3년").
    Met(String),
    /// The profile fails it ("업력 7년 미만 (현재 9년)").
    Failed(String),
    /// The profile does not say, so it may not fit ("매출 기준").
    Unknown(String),
}

/// Every structured criterion of `e` checked against the profile, in a fixed order
/// (업력, 상시근로자, 매출, 대표자 연령, 성별, 사업자 형태). The one eligibility check:
/// alerts ([`ineligible`]) and the owner's home (`alerts::fit`) both read it.
pub fn assess(p: &OwnerProfile, e: &Eligibility, today: NaiveDate) -> Vec<Check> {
    let mut out = Vec::new();
    if e.business_age_min_years.is_some() || e.business_age_max_years.is_some() {
        out.push(match p.founded_on {
            None => Check::Unknown("업력 기준".into()),
            Some(founded) => {
                let age = years_between(founded, today);
                match (e.business_age_min_years, e.business_age_max_years) {
                    (Some(min), _) if age < min => {
                        Check::Failed(format!("업력 {min}년 이상 (현재 {age}년)"))
                    }
                    (_, Some(max)) if age >= max => {
                        Check::Failed(format!("업력 {max}년 미만 (현재 {age}년)"))
                    }
                    _ => Check::Met(format!("업력 {age}년")),
                }
            }
        });
    }
    if e.employees_min.is_some() || e.employees_max.is_some() {
        out.push(match p.employees {
            None => Check::Unknown("상시근로자 수 기준".into()),
            Some(n)
                if e.employees_min.is_some_and(|m| n < m)
                    || e.employees_max.is_some_and(|m| n > m) =>
            {
                Check::Failed(format!("상시근로자 수 (현재 {n}명)"))
            }
            Some(n) => Check::Met(format!("상시근로자 {n}명")),
        });
    }
    if let Some(max) = e.revenue_max_won {
        let band = p
            .revenue_band
            .as_deref()
            .and_then(|b| REVENUE_BANDS.iter().find(|(c, _, _)| *c == b));
        out.push(match band {
            None => Check::Unknown("매출 기준".into()),
            Some((_, _, floor)) if *floor > max => Check::Failed("연 매출 한도 초과".into()),
            Some((_, label, _)) => Check::Met(format!("연 매출 {label}")),
        });
    }
    if e.owner_age_min.is_some() || e.owner_age_max.is_some() {
        out.push(match p.birth_year {
            None => Check::Unknown("대표자 연령 기준".into()),
            Some(born) => {
                let age = today.year() - born;
                if e.owner_age_min.is_some_and(|m| age < m)
                    || e.owner_age_max.is_some_and(|m| age > m)
                {
                    Check::Failed(format!("대표자 연령 (만 {age}세 전후)"))
                } else {
                    Check::Met(format!("대표자 만 {age}세 전후"))
                }
            }
        });
    }
    if let Some(want) = e.owner_gender.as_deref() {
        let label = if want == "female" {
            "여성 대표자"
        } else {
            "남성 대표자"
        };
        out.push(match p.gender.as_deref() {
            None => Check::Unknown("대표자 성별 기준".into()),
            Some(have) if have != want => Check::Failed(format!("{label} 대상")),
            Some(_) => Check::Met(label.into()),
        });
    }
    if let Some(want) = e.sole_proprietor {
        let label = if want {
            "개인사업자"
        } else {
            "법인사업자"
        };
        out.push(match p.sole_proprietor {
            None => Check::Unknown("사업자 형태 기준".into()),
            Some(have) if have != want => Check::Failed(format!("{label} 대상")),
            Some(_) => Check::Met(label.into()),
        });
    }
    out
}

/// Is the business a 소상공인 by its size (소상공인기본법: fewer than 10 regular workers in
/// mining, manufacturing, construction and transport — KSIC sections B, C, F, H — and
/// fewer than 5 elsewhere)? `None` when the profile does not say how many.
pub fn is_small_business(p: &OwnerProfile) -> Option<bool> {
    let n = p.employees?;
    let section = p
        .ksic_code
        .as_deref()
        .and_then(super::criteria::ksic_section);
    let limit = if matches!(section, Some("B" | "C" | "F" | "H")) {
        10
    } else {
        5
    };
    Some(n < limit)
}

/// The first stated criterion this profile fails, in Korean; `None` when nothing known
/// about the owner rules them out.
pub fn ineligible(p: &OwnerProfile, e: &Eligibility, today: NaiveDate) -> Option<String> {
    assess(p, e, today).into_iter().find_map(|c| match c {
        Check::Failed(why) => Some(why),
        _ => None,
    })
}

/// "Programs that fit my business": the owner's region and industry as criteria.
pub fn profile_criteria(p: &OwnerProfile) -> Criteria {
    Criteria {
        regions: p.region_code.iter().cloned().collect(),
        ksic: p.ksic_code.iter().cloned().collect(),
        profile: true,
        ..Default::default()
    }
    .canonical()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_number_check_digit() {
        // Real published numbers' structure: 220-81-62517 (a well-known valid one).
        assert_eq!(
            normalize_business_number("220-81-62517").as_deref(),
            Ok("2208162517")
        );
        assert!(normalize_business_number("220-81-62518").is_err());
        assert!(normalize_business_number("12345").is_err());
        assert!(normalize_business_number("abcdefghij").is_err());
        assert_eq!(format_business_number("2208162517"), "220-81-62517");
    }

    #[test]
    fn eligibility_of_a_profile() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let mut p = OwnerProfile::new("u", chrono::NaiveDateTime::default());
        let mut e = Eligibility {
            business_age_max_years: Some(7),
            ..Default::default()
        };
        // Unknown founding date: not ruled out.
        assert_eq!(ineligible(&p, &e, today), None);
        p.founded_on = NaiveDate::from_ymd_opt(2015, 3, 1);
        assert!(ineligible(&p, &e, today).is_some());
        p.founded_on = NaiveDate::from_ymd_opt(2022, 3, 1);
        assert_eq!(ineligible(&p, &e, today), None);
        e.owner_gender = Some("female".into());
        p.gender = Some("male".into());
        assert_eq!(
            ineligible(&p, &e, today).as_deref(),
            Some("여성 대표자 대상")
        );
        p.gender = Some("female".into());
        e.revenue_max_won = Some(300_000_000);
        p.revenue_band = Some("500m_1b".into());
        assert!(ineligible(&p, &e, today).is_some());
        p.revenue_band = Some("100m_500m".into());
        assert_eq!(ineligible(&p, &e, today), None);
        e.owner_age_max = Some(39);
        p.birth_year = Some(1980);
        assert!(ineligible(&p, &e, today).is_some());
    }

    #[test]
    fn small_business_by_size_and_industry() {
        let mut p = OwnerProfile::new("u", chrono::NaiveDateTime::default());
        assert_eq!(is_small_business(&p), None);
        p.employees = Some(4);
        p.ksic_code = Some("56111".into());
        assert_eq!(is_small_business(&p), Some(true));
        p.employees = Some(7);
        assert_eq!(is_small_business(&p), Some(false));
        // Manufacturing counts up to 9.
        p.ksic_code = Some("10711".into());
        assert_eq!(is_small_business(&p), Some(true));
    }

    #[test]
    fn assessment_says_what_fits_and_what_is_unknown() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let mut p = OwnerProfile::new("u", chrono::NaiveDateTime::default());
        p.founded_on = NaiveDate::from_ymd_opt(2023, 3, 1);
        let e = Eligibility {
            business_age_max_years: Some(7),
            revenue_max_won: Some(300_000_000),
            ..Default::default()
        };
        assert_eq!(
            assess(&p, &e, today),
            vec![
                Check::Met("업력 3년".into()),
                Check::Unknown("매출 기준".into())
            ]
        );
        assert_eq!(ineligible(&p, &e, today), None);
        // Nothing stated, nothing to say.
        assert!(assess(&p, &Eligibility::default(), today).is_empty());
    }
}
