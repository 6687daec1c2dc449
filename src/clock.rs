//! Time is injected so schedules and deadlines are testable. Instants are UTC
//! `NaiveDateTime`; everything a person sees or types is Asia/Seoul (UTC+9, no DST).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> NaiveDateTime;
}

#[derive(Debug, Default, Clone)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc().with_nanosecond_zero()
    }
}

trait NanoZero {
    fn with_nanosecond_zero(self) -> Self;
}
impl NanoZero for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

/// A clock tests can set and advance.
#[derive(Debug, Clone)]
pub struct FakeClock(Arc<Mutex<NaiveDateTime>>);

impl FakeClock {
    pub fn at(t: NaiveDateTime) -> Self {
        FakeClock(Arc::new(Mutex::new(t)))
    }
    pub fn set(&self, t: NaiveDateTime) {
        if let Ok(mut g) = self.0.lock() {
            *g = t;
        }
    }
    pub fn advance(&self, d: Duration) {
        if let Ok(mut g) = self.0.lock() {
            *g += d;
        }
    }
}

impl Clock for FakeClock {
    fn now(&self) -> NaiveDateTime {
        self.0.lock().map(|g| *g).unwrap_or_default()
    }
}

/// Asia/Seoul: UTC+9 all year.
pub fn kst() -> FixedOffset {
    #[allow(clippy::expect_used)]
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

use chrono::TimeZone;

/// UTC instant → KST wall clock.
pub fn to_kst(utc: NaiveDateTime) -> NaiveDateTime {
    utc + Duration::hours(9)
}

/// KST wall clock → UTC instant.
pub fn from_kst(local: NaiveDateTime) -> NaiveDateTime {
    local - Duration::hours(9)
}

/// The inclusive end of a KST calendar day (23:59:59 KST), as a UTC instant.
pub fn end_of_kst_day(date: NaiveDate) -> NaiveDateTime {
    from_kst(date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)))
}

/// The start of a KST calendar day (00:00 KST), as a UTC instant.
pub fn start_of_kst_day(date: NaiveDate) -> NaiveDateTime {
    from_kst(date.and_time(NaiveTime::MIN))
}

/// Today's date in Seoul.
pub fn kst_today(now_utc: NaiveDateTime) -> NaiveDate {
    to_kst(now_utc).date()
}

pub fn format_kst(utc: NaiveDateTime, fmt: &str) -> String {
    let dt: DateTime<FixedOffset> = kst().from_utc_datetime(&utc);
    dt.format(fmt).to_string()
}

/// A moment as Koreans read it, in KST: "12월 8일 (화) 오전 9:00 KST" — the one way the
/// console states a publication time.
pub fn format_kst_moment(utc: NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    let t = to_kst(utc);
    let day =
        ["월", "화", "수", "목", "금", "토", "일"][t.weekday().num_days_from_monday() as usize];
    let (half, hour) = match t.hour() {
        0 => ("오전", 12),
        h @ 1..=11 => ("오전", h),
        12 => ("오후", 12),
        h => ("오후", h - 12),
    };
    format!(
        "{}월 {}일 ({day}) {half} {hour}:{:02} KST",
        t.month(),
        t.day(),
        t.minute()
    )
}

#[cfg(test)]
mod moment_tests {
    use super::*;

    #[test]
    fn a_moment_reads_in_kst_with_weekday_and_half_day() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        // 2026-12-08 00:00 UTC is 09:00 KST, a Tuesday.
        assert_eq!(
            format_kst_moment(at("2026-12-08 00:00")),
            "12월 8일 (화) 오전 9:00 KST"
        );
        assert_eq!(
            format_kst_moment(at("2026-12-08 05:30")),
            "12월 8일 (화) 오후 2:30 KST"
        );
        // Midnight and noon in KST.
        assert_eq!(
            format_kst_moment(at("2026-12-07 15:00")),
            "12월 8일 (화) 오전 12:00 KST"
        );
        assert_eq!(
            format_kst_moment(at("2026-12-08 03:00")),
            "12월 8일 (화) 오후 12:00 KST"
        );
    }
}
