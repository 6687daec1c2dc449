//! Application windows (신청기간 / 접수기간): the kinds an announcement's window can be,
//! and the parser that reads window text (imports) into one.
//!
//! About a quarter of bizinfo records carry free text instead of dates
//! (`예산 소진시까지`, `상시 접수`, `세부사업별 상이`, …). These are states, not
//! dates, and are kept as a [`WindowKind`] next to whatever dates the text has.

use chrono::{Datelike, NaiveDate};
use once_cell::sync::Lazy;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// How the application window is defined: dates, or one of the explicit states that free
/// text (from imports or the console) becomes instead of a guessed date. Stored as
/// [`WindowKind::as_str`] in `announcements.window_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    /// A start and/or end date is given.
    Dated,
    /// 상시 접수, 수시 모집, 매월 …: open all the time or on a recurring schedule.
    Always,
    /// 예산 소진시까지: open until the budget runs out.
    UntilBudget,
    /// 선착순: first come, first served.
    FirstCome,
    /// 모집 완료시, 정원 마감시, 모집규모 충족시: open until the places are filled.
    UntilFilled,
    /// 세부사업별 상이, 차수별 상이, …: differs per sub-program.
    Varies,
    /// 추후 공지: to be announced.
    Tbd,
    /// 기타: text the parser does not understand (relative deadlines such as "통지를 받은
    /// 날부터 30일 이내", impossible dates, …). The record is kept and the original text
    /// (`window_note`) is what people are shown.
    Other,
}

impl WindowKind {
    /// All kinds, in declaration order.
    pub const ALL: [WindowKind; 8] = [
        WindowKind::Dated,
        WindowKind::Always,
        WindowKind::UntilBudget,
        WindowKind::FirstCome,
        WindowKind::UntilFilled,
        WindowKind::Varies,
        WindowKind::Tbd,
        WindowKind::Other,
    ];

    /// Inverse of [`WindowKind::as_str`].
    pub fn parse(s: &str) -> Option<WindowKind> {
        WindowKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Stable identifier stored in the database.
    pub fn as_str(&self) -> &'static str {
        match self {
            WindowKind::Dated => "dated",
            WindowKind::Always => "always",
            WindowKind::UntilBudget => "until_budget",
            WindowKind::FirstCome => "first_come",
            WindowKind::UntilFilled => "until_filled",
            WindowKind::Varies => "varies",
            WindowKind::Tbd => "tbd",
            WindowKind::Other => "other",
        }
    }

    /// Korean label for display.
    pub fn label(&self) -> &'static str {
        match self {
            WindowKind::Dated => "기간 지정",
            WindowKind::Always => "상시 접수",
            WindowKind::UntilBudget => "예산 소진 시까지",
            WindowKind::FirstCome => "선착순 접수",
            WindowKind::UntilFilled => "모집 완료 시까지",
            WindowKind::Varies => "사업별 상이",
            WindowKind::Tbd => "추후 공지",
            WindowKind::Other => "기타 (공고문 참고)",
        }
    }
}

/// A parsed application window.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// The kind of window.
    pub kind: WindowKind,
    /// First day applications are accepted, when known.
    pub start: Option<NaiveDate>,
    /// Last day applications are accepted, when known.
    pub end: Option<NaiveDate>,
    /// The source text, trimmed and with whitespace collapsed.
    pub raw: String,
}

/// One date found in window text.
struct Found {
    pos: usize,
    /// Year and month; `day` is `None` for "2026년 4월".
    year: i32,
    month: u32,
    day: Option<u32>,
}

/// `YYYY-MM-DD`, `YYYY.MM.DD`, `YYYY/MM/DD`, `YYYYMMDD`, `YYYY년 M월 D일`, `YYYY년 M월`.
static DATE_RE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?x)
        (?P<y>\d{4})
        (?:
            (?P<cm>\d{2})(?P<cd>\d{2})
          | \s*[-./]\s*(?P<m>\d{1,2})\s*[-./]\s*(?P<d>\d{1,2})
          | \s*년\s*(?P<km>\d{1,2})\s*월(?:\s*(?P<kd>\d{1,2})\s*일)?
        )",
    )
    .unwrap_or_else(|e| panic!("DATE_RE: {e}"))
});

/// Free-text states, checked in order on the text with all whitespace removed.
const STATES: &[(&str, WindowKind)] = &[
    ("예산소진", WindowKind::UntilBudget),
    ("소진시", WindowKind::UntilBudget), // 자금·재원·한도 소진 시까지
    ("소진될때", WindowKind::UntilBudget),
    ("소진까지", WindowKind::UntilBudget),
    ("선착순", WindowKind::FirstCome),
    ("선순마감", WindowKind::FirstCome), // typo seen in real data ("선순 마감")
    ("모집완료", WindowKind::UntilFilled),
    ("모집마감", WindowKind::UntilFilled),
    ("정원마감", WindowKind::UntilFilled),
    ("정원충족", WindowKind::UntilFilled),
    ("모집규모충족", WindowKind::UntilFilled),
    ("인원충족", WindowKind::UntilFilled),
    ("조기마감", WindowKind::UntilFilled),
    ("상이", WindowKind::Varies),
    ("추후공지", WindowKind::Tbd),
    ("추후공고", WindowKind::Tbd),
    ("추후안내", WindowKind::Tbd),
    ("별도공지", WindowKind::Tbd),
    ("별도안내", WindowKind::Tbd),
    ("미정", WindowKind::Tbd),
    ("상시", WindowKind::Always),
    ("수시", WindowKind::Always),
    ("연중", WindowKind::Always),
    ("매월", WindowKind::Always),
    ("매주", WindowKind::Always),
    ("매년", WindowKind::Always),
    ("매분기", WindowKind::Always),
    ("매달", WindowKind::Always),
    ("익월", WindowKind::Always), // "익월 10일까지": every month, for the month before
    ("요일별", WindowKind::Always), // "요일별 신청"
];

/// Range separators seen in window text.
const TILDES: &[char] = &['~', '∼', '～', '〜'];

/// Parses a bizinfo `reqstBeginEndDe` (or any similar window text).
///
/// * `2026-04-01 ~ 2026-04-30`, `20260401 ~ 20260430`, `2026.04.01 ~ 2026.04.30`
///   → [`WindowKind::Dated`] with both dates; `~ 2026-04-30` → end only,
///   `2026-04-01 ~` → start only; a lone date is taken as the deadline.
/// * Free-text states map to their kind (`예산 소진시까지` → `UntilBudget`, …).
///   Dates inside such text are kept: `2026년 4월 ~ 예산 소진시까지` →
///   `UntilBudget` starting 2026-04-01. When the text has an end date and a
///   state word, the end date wins (`Dated`).
/// * Recurring schedules (`매월 1일~20일`) are `Always`; `raw` keeps the detail.
///
/// Errors (in Korean) for empty or unrecognisable text, impossible dates and
/// an end date before the start date.
pub fn parse_window(raw: &str) -> Result<Window, String> {
    let raw = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if raw.is_empty() {
        return Err("신청기간이 비어 있습니다".to_string());
    }

    let found = find_dates(&raw);
    let tilde = raw.find(TILDES);
    let (start, end) = match tilde {
        Some(t) => {
            let start = found.iter().find(|f| f.pos < t);
            let end = found.iter().find(|f| f.pos > t);
            (start, end)
        }
        None => match found.as_slice() {
            [] => (None, None),
            [only] if raw[only.pos..].contains("부터") => (Some(only), None),
            [only] => (None, Some(only)),
            [first, .., last] => (Some(first), Some(last)),
        },
    };
    let start = start.map(|f| to_date(f, false)).transpose()?;
    let end = end.map(|f| to_date(f, true)).transpose()?;
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            return Err(format!(
                "신청 마감일({e})이 시작일({s})보다 앞섭니다: {raw}"
            ));
        }
    }

    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let state = STATES
        .iter()
        .find(|(word, _)| compact.contains(word))
        .map(|(_, kind)| *kind);

    let kind = match (state, end) {
        (Some(kind), None) => kind,
        (_, Some(_)) => WindowKind::Dated,
        (None, None) if start.is_some() => WindowKind::Dated,
        (None, None) => {
            return Err(format!("신청기간을 해석할 수 없습니다: {raw}"));
        }
    };
    Ok(Window {
        kind,
        start,
        end,
        raw,
    })
}

/// The window of a record, never a reason to drop it: text that `parse_window` cannot
/// read becomes [`WindowKind::Other`] with the original text kept (and shown), and the
/// second value says why, for the record's warnings.
pub fn parse_window_or_keep(raw: &str) -> (Window, Option<String>) {
    match parse_window(raw) {
        Ok(w) => (w, None),
        Err(why) => {
            let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
            let kind = if text.is_empty() {
                WindowKind::Tbd
            } else {
                WindowKind::Other
            };
            (
                Window {
                    kind,
                    start: None,
                    end: None,
                    raw: text,
                },
                Some(why),
            )
        }
    }
}

/// Finds every date in `s`, skipping digit runs that are part of longer numbers.
fn find_dates(s: &str) -> Vec<Found> {
    let mut out = Vec::new();
    for caps in DATE_RE.captures_iter(s) {
        let Some(whole) = caps.get(0) else { continue };
        let before_digit = s[..whole.start()]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_digit());
        let after_digit = s[whole.end()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit());
        if before_digit || after_digit {
            continue;
        }
        let num = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
        let Some(year) = caps.name("y").and_then(|m| m.as_str().parse::<i32>().ok()) else {
            continue;
        };
        let (month, day) = if let Some(m) = num("cm") {
            (m, num("cd"))
        } else if let Some(m) = num("m") {
            (m, num("d"))
        } else if let Some(m) = num("km") {
            (m, num("kd"))
        } else {
            continue;
        };
        out.push(Found {
            pos: whole.start(),
            year,
            month,
            day,
        });
    }
    out
}

/// Builds a calendar date; a month without a day means its first day for a
/// start date and its last day for an end date.
fn to_date(f: &Found, is_end: bool) -> Result<NaiveDate, String> {
    let bad = || {
        format!(
            "존재하지 않는 날짜입니다: {}-{:02}-{:02}",
            f.year,
            f.month,
            f.day.unwrap_or(1)
        )
    };
    match f.day {
        Some(d) => NaiveDate::from_ymd_opt(f.year, f.month, d).ok_or_else(bad),
        None => {
            let first = NaiveDate::from_ymd_opt(f.year, f.month, 1).ok_or_else(bad)?;
            if !is_end {
                return Ok(first);
            }
            let next = if f.month == 12 {
                NaiveDate::from_ymd_opt(f.year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(f.year, f.month + 1, 1)
            };
            next.and_then(|n| n.pred_opt())
                .filter(|d| d.year() == f.year)
                .ok_or_else(bad)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn kind(s: &str) -> WindowKind {
        parse_window(s)
            .unwrap_or_else(|e| panic!("{s:?}: {e}"))
            .kind
    }

    #[test]
    fn date_formats() {
        let w = parse_window("2026-08-20 ~ 2026-09-11").unwrap();
        assert_eq!(w.kind, WindowKind::Dated);
        assert_eq!(
            (w.start, w.end),
            (Some(d(2026, 8, 20)), Some(d(2026, 9, 11)))
        );
        assert_eq!(w.raw, "2026-08-20 ~ 2026-09-11");

        let w = parse_window("20260401 ~ 20260430").unwrap();
        assert_eq!(
            (w.start, w.end),
            (Some(d(2026, 4, 1)), Some(d(2026, 4, 30)))
        );
        assert_eq!(w.kind, WindowKind::Dated);

        let w = parse_window("2020.01.01 ~ 2026.12.31").unwrap();
        assert_eq!(w.kind, WindowKind::Dated);
        assert_eq!(
            (w.start, w.end),
            (Some(d(2020, 1, 1)), Some(d(2026, 12, 31)))
        );

        let w = parse_window("2026년 5월 3일 ~ 2026년 5월 20일").unwrap();
        assert_eq!(
            (w.start, w.end),
            (Some(d(2026, 5, 3)), Some(d(2026, 5, 20)))
        );

        let w = parse_window("~ 20260429").unwrap();
        assert_eq!(
            (w.kind, w.start, w.end),
            (WindowKind::Dated, None, Some(d(2026, 4, 29)))
        );

        let w = parse_window("2026-04-01 ~").unwrap();
        assert_eq!(
            (w.kind, w.start, w.end),
            (WindowKind::Dated, Some(d(2026, 4, 1)), None)
        );

        let w = parse_window("2026-04-30").unwrap();
        assert_eq!((w.start, w.end), (None, Some(d(2026, 4, 30))));

        let w = parse_window("  2026-04-01   ~\t2026-04-30 ").unwrap();
        assert_eq!(w.raw, "2026-04-01 ~ 2026-04-30");
    }

    /// Every free-text value that occurs in `data/bizinfo_2026.json`, with the
    /// number of records using it.
    #[test]
    fn real_free_text_windows() {
        use WindowKind::*;
        let cases: &[(&str, WindowKind)] = &[
            ("예산 소진시까지", UntilBudget),   // 447
            ("상시 접수", Always),              // 105
            ("선착순 접수", FirstCome),         // 39
            ("모집 완료시", UntilFilled),       // 38
            ("세부사업별 상이", Varies),        // 37
            ("추후 공지", Tbd),                 // 12
            ("차수별 상이", Varies),            // 7
            ("모집 완료시까지", UntilFilled),   // 6
            ("모집 마감시", UntilFilled),       // 6
            ("예산 소진시 까지", UntilBudget),  // 4
            ("사업별 상이", Varies),            // 3
            ("지원분야별 상이", Varies),        // 3
            ("예산 소진 시까지", UntilBudget),  // 2
            ("지원별 상이", Varies),            // 2
            ("수시 접수", Always),              // 2
            ("반기별 상이", Varies),            // 2
            ("접수방법별 마감일 상이", Varies), // 1
            ("회차별 상이", Varies),
            ("정원 마감시까지", UntilFilled),
            ("유형별 상이", Varies),
            ("수시 모집", Always),
            ("모집 마감시까지", UntilFilled),
            ("모집방식별 상이", Varies),
            ("수시모집", Always),
            ("프로그램별 상이", Varies),
            ("모집 완료 시", UntilFilled),
            ("모집규모 충족시", UntilFilled),
            ("세부프로그램별 상이", Varies),
            ("선착순 마감", FirstCome),
            ("선순 마감", FirstCome),
            ("매월 1일~20일", Always),
        ];
        for (text, expected) in cases {
            let w = parse_window(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(w.kind, *expected, "{text}");
            assert_eq!(w.raw, *text);
            assert_eq!((w.start, w.end), (None, None), "{text}");
        }
    }

    #[test]
    fn states_with_dates() {
        let w = parse_window("2026년 4월 ~ 예산 소진시까지").unwrap();
        assert_eq!(w.kind, WindowKind::UntilBudget);
        assert_eq!(w.start, Some(d(2026, 4, 1)));
        assert_eq!(w.end, None);

        // A month as an end date means its last day.
        let w = parse_window("2026년 1월 ~ 2026년 2월").unwrap();
        assert_eq!(
            (w.start, w.end),
            (Some(d(2026, 1, 1)), Some(d(2026, 2, 28)))
        );

        // A real end date beats a note about closing early.
        let w = parse_window("2026-04-01 ~ 2026-04-30 (예산 소진시 조기 마감)").unwrap();
        assert_eq!(w.kind, WindowKind::Dated);
        assert_eq!(w.end, Some(d(2026, 4, 30)));

        let w = parse_window("2026-03-02부터 상시").unwrap();
        assert_eq!(w.kind, WindowKind::Always);
        assert_eq!(w.start, Some(d(2026, 3, 2)));
    }

    #[test]
    fn errors() {
        let e = parse_window("2026-05-01 ~ 2026-04-01").unwrap_err();
        assert!(e.contains("앞섭니다"), "{e}");
        let e = parse_window("20260501 ~ 20260401").unwrap_err();
        assert!(e.contains("앞섭니다"), "{e}");
        assert!(parse_window("").unwrap_err().contains("비어"));
        assert!(parse_window("   ").is_err());
        let e = parse_window("공고문 참조").unwrap_err();
        assert!(e.contains("해석할 수 없습니다"), "{e}");
        assert!(parse_window("2026-02-30 ~ 2026-03-10")
            .unwrap_err()
            .contains("존재하지"));
        // Long digit runs are not dates.
        assert!(parse_window("1234567890").is_err());
    }

    #[test]
    fn windows_seen_in_real_records_are_states() {
        for (text, want) in [
            ("자금 소진 시까지", WindowKind::UntilBudget),
            ("한도소진시까지", WindowKind::UntilBudget),
            ("재원이 소진될 때까지", WindowKind::UntilBudget),
            ("익월 10일까지", WindowKind::Always),
            ("요일별 신청", WindowKind::Always),
        ] {
            assert_eq!(kind(text), want, "{text}");
        }
    }

    #[test]
    fn unreadable_windows_are_kept_with_their_text() {
        for text in [
            "통지를 받은 날부터 30일 이내",
            "공고문 참조",
            "2026-02-30 ~ 2026-03-10",
            "2026-05-01 ~ 2026-04-01",
        ] {
            let (w, why) = parse_window_or_keep(text);
            assert_eq!(w.kind, WindowKind::Other, "{text}");
            assert_eq!(w.raw, text);
            assert_eq!((w.start, w.end), (None, None));
            assert!(why.is_some());
        }
        let (w, why) = parse_window_or_keep("  ");
        assert_eq!(w.kind, WindowKind::Tbd);
        assert!(why.is_some());
        let (w, why) = parse_window_or_keep("2026-04-01 ~ 2026-04-30");
        assert_eq!(w.kind, WindowKind::Dated);
        assert!(why.is_none());
    }

    #[test]
    fn kind_names() {
        for k in WindowKind::ALL {
            assert_eq!(WindowKind::parse(k.as_str()), Some(k));
            assert!(!k.label().is_empty());
        }
        assert_eq!(WindowKind::parse("nope"), None);
        assert_eq!(WindowKind::UntilBudget.as_str(), "until_budget");
        assert_eq!(WindowKind::Varies.label(), "사업별 상이");
        assert_eq!(kind("상시"), WindowKind::Always);
    }
}
