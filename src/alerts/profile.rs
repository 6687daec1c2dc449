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
        return Err("사업자등록번호는 숫자 10자리입니다 (예: 123-45-67890).");
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

/// The first stated criterion this profile fails, in Korean; `None` when nothing known
/// about the owner rules them out.
pub fn ineligible(p: &OwnerProfile, e: &Eligibility, today: NaiveDate) -> Option<String> {
    if let Some(founded) = p.founded_on {
        let age = years_between(founded, today);
        if let Some(min) = e.business_age_min_years {
            if age < min {
                return Some(format!("업력 {min}년 이상 (현재 {age}년)"));
            }
        }
        if let Some(max) = e.business_age_max_years {
            if age >= max {
                return Some(format!("업력 {max}년 미만 (현재 {age}년)"));
            }
        }
    }
    if let Some(n) = p.employees {
        if e.employees_min.is_some_and(|m| n < m) || e.employees_max.is_some_and(|m| n > m) {
            return Some(format!("상시근로자 수 (현재 {n}명)"));
        }
    }
    if let (Some(max), Some(floor)) = (
        e.revenue_max_won,
        p.revenue_band.as_deref().and_then(revenue_floor),
    ) {
        if floor > max {
            return Some("연 매출 한도 초과".into());
        }
    }
    if let Some(born) = p.birth_year {
        let age = today.year() - born;
        if e.owner_age_min.is_some_and(|m| age < m) || e.owner_age_max.is_some_and(|m| age > m) {
            return Some(format!("대표자 연령 (만 {age}세 전후)"));
        }
    }
    if let (Some(want), Some(have)) = (e.owner_gender.as_deref(), p.gender.as_deref()) {
        if want != have {
            return Some(if want == "female" {
                "여성 대표자 대상".into()
            } else {
                "남성 대표자 대상".into()
            });
        }
    }
    if let (Some(want), Some(have)) = (e.sole_proprietor, p.sole_proprietor) {
        if want != have {
            return Some(if want {
                "개인사업자 대상".into()
            } else {
                "법인사업자 대상".into()
            });
        }
    }
    None
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
}
