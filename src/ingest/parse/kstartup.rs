//! K-Startup (창업진흥원) announcements.
//!
//! The API answers `{"data": [...]}`. Most items use the Korean API field
//! names (`supt_regin`, `aply_trgt`, `pbanc_rcpt_end_dt`, …); some saved
//! responses use English names instead (`region`, `apply_target`,
//! `end_date`, …). Both are read; the Korean name wins when both exist.

use once_cell::sync::Lazy;
use regex::Regex;

use super::regions;
use super::{
    finish, json_text, key_list, strip_bom, FileError, ImportEligibility, ImportRecord, Parsed,
    Rejected, Source,
};
use crate::announcements::window::{parse_window_or_keep, Window, WindowKind};
use crate::text::{clean_line, sanitize_html, split_list, summary_of};

/// K-Startup is the startup portal: every record is in the 창업 category.
const KSTARTUP_CATEGORY: &str = "창업";

/// Detail page of an announcement, for items whose `detl_pg_url` is null.
const DETAIL_URL_BASE: &str =
    "https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn=";

/// The business-age bands K-Startup offers in `biz_enyy` (besides 예비창업자).
const AGE_BANDS: [i32; 6] = [1, 2, 3, 5, 7, 10];

/// Korean field name and its English alias.
mod field {
    pub const ID: &[&str] = &["pbanc_sn"];
    pub const TITLE: &[&str] = &["biz_pbanc_nm"];
    pub const INTEGRATED_TITLE: &[&str] = &["intg_pbanc_biz_nm", "integrated_name"];
    pub const AGENCY: &[&str] = &["pbanc_ntrp_nm"];
    pub const CLASS: &[&str] = &["supt_biz_clsfc", "biz_class"];
    pub const REGION: &[&str] = &["supt_regin", "region"];
    pub const TARGET: &[&str] = &["aply_trgt", "apply_target"];
    pub const TARGET_TEXT: &[&str] = &["aply_trgt_ctnt", "apply_target_desc"];
    pub const EXCLUDED_TEXT: &[&str] = &["aply_excl_trgt_ctnt", "exclude_target"];
    pub const CONTENT: &[&str] = &["pbanc_ctnt", "content"];
    pub const BEGIN: &[&str] = &["pbanc_rcpt_bgng_dt", "start_date"];
    pub const END: &[&str] = &["pbanc_rcpt_end_dt", "end_date"];
    pub const URL: &[&str] = &["detl_pg_url", "detail_page_url"];
    pub const BUSINESS_AGE: &[&str] = &["biz_enyy", "business_entry"];
    pub const OWNER_AGE: &[&str] = &["biz_trgt_age", "business_target_age"];
}

/// Parses a K-Startup JSON API response, `{"data": [...]}`.
///
/// Items that are not objects, lack `pbanc_sn` or a title, or whose dates
/// cannot be read are rejected with a reason. A repeated `pbanc_sn` keeps
/// the later item.
pub fn parse_kstartup_json(bytes: &[u8]) -> Result<Parsed, FileError> {
    let value: serde_json::Value =
        serde_json::from_slice(strip_bom(bytes)).map_err(|e| FileError::Json(e.to_string()))?;
    parse_kstartup_value(&value)
}

/// [`parse_kstartup_json`] on an already-parsed JSON value.
pub(crate) fn parse_kstartup_value(value: &serde_json::Value) -> Result<Parsed, FileError> {
    let obj = value
        .as_object()
        .ok_or_else(|| FileError::Shape("최상위가 객체({…})가 아닙니다".to_string()))?;
    let items = match obj.get("data") {
        Some(serde_json::Value::Array(items)) => items,
        Some(_) => return Err(FileError::Shape("data가 배열이 아닙니다".to_string())),
        None => {
            return Err(FileError::Shape(format!(
                "K-Startup 응답의 data 키가 없습니다 (있는 키: {})",
                key_list(obj)
            )))
        }
    };
    let mut records = Vec::new();
    let mut rejected = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            rejected.push(Rejected {
                source_id: None,
                index,
                reason: "항목이 JSON 객체가 아닙니다".to_string(),
            });
            continue;
        };
        match build_record(obj, index) {
            Ok(r) => records.push((index, r)),
            Err(r) => rejected.push(r),
        }
    }
    Ok(finish(records, rejected))
}

type Obj = serde_json::Map<String, serde_json::Value>;

/// First non-empty value among the given field names.
fn get(obj: &Obj, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| json_text(obj.get(*n)))
}

fn build_record(obj: &Obj, index: usize) -> Result<ImportRecord, Rejected> {
    let source_id = get(obj, field::ID);
    let reject = |reason: String| Rejected {
        source_id: source_id.clone(),
        index,
        reason,
    };
    let Some(id) = source_id.clone() else {
        return Err(reject("공고 번호(pbanc_sn)가 없습니다".to_string()));
    };
    let title = get(obj, field::TITLE)
        .or_else(|| get(obj, field::INTEGRATED_TITLE))
        .map(|t| clean_line(&t))
        .unwrap_or_default();
    if title.is_empty() {
        return Err(reject("제목(biz_pbanc_nm)이 비어 있습니다".to_string()));
    }

    let mut warnings = Vec::new();
    let begin = get(obj, field::BEGIN);
    let end = get(obj, field::END);
    let window = if begin.is_none() && end.is_none() {
        warnings.push("접수 마감일(pbanc_rcpt_end_dt)이 없어 '추후 공지'로 둡니다".to_string());
        Window {
            kind: WindowKind::Tbd,
            start: None,
            end: None,
            raw: String::new(),
        }
    } else {
        let raw = format!(
            "{} ~ {}",
            begin.as_deref().unwrap_or(""),
            end.as_deref().unwrap_or("")
        );
        let (w, why) = parse_window_or_keep(&raw);
        if let Some(why) = why {
            warnings.push(format!(
                "접수 기간(pbanc_rcpt_end_dt)을 해석하지 못해 '{}'(으)로 두고 원문을 보여 줍니다: {why}",
                w.kind.label()
            ));
        }
        w
    };

    let detail_url = match get(obj, field::URL) {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => u,
        _ => {
            warnings
                .push("상세 페이지 주소(detl_pg_url)가 없어 공고 번호로 만들었습니다".to_string());
            format!("{DETAIL_URL_BASE}{id}")
        }
    };

    let (regions, nationwide) = match get(obj, field::REGION) {
        Some(value) => {
            let (set, unknown) = regions::from_kstartup(&value);
            if !unknown.is_empty() {
                warnings.push(format!(
                    "알 수 없는 지역(supt_regin)입니다: {}",
                    unknown.join(", ")
                ));
            }
            if set.is_all() {
                (Vec::new(), true)
            } else {
                (set.names(), false)
            }
        }
        None => {
            warnings.push("지역(supt_regin)이 없습니다".to_string());
            (Vec::new(), false)
        }
    };

    let content = get(obj, field::CONTENT).unwrap_or_default();
    let eligibility = eligibility(obj, &mut warnings);

    Ok(ImportRecord {
        source: Source::KStartup,
        source_id: id,
        source_url: Some(detail_url.clone()),
        source_updated: None,
        title,
        summary: summary_of(&content),
        body_html: sanitize_html(&content),
        owner_agency: get(obj, field::AGENCY)
            .map(|a| clean_line(&a))
            .filter(|a| !a.is_empty()),
        exec_agency: None,
        category: Some(KSTARTUP_CATEGORY.to_string()),
        subcategories: get(obj, field::CLASS)
            .map(|c| split_list(&c, &['@', ',']))
            .unwrap_or_default(),
        target_types: get(obj, field::TARGET)
            .map(|t| split_list(&t, &[',']))
            .unwrap_or_default(),
        regions,
        nationwide,
        window,
        apply_url: Some(detail_url),
        apply_note: None,
        contacts: None,
        attachments: Vec::new(),
        eligibility,
        hashtags: Vec::new(),
        created_at: None,
        updated_at: None,
        view_count: None,
        warnings,
    })
}

/// Eligibility from `biz_enyy`, `biz_trgt_age` and the free-text fields.
fn eligibility(obj: &Obj, warnings: &mut Vec<String>) -> ImportEligibility {
    let (business_age_max_years, preliminary_founders) = match get(obj, field::BUSINESS_AGE) {
        Some(v) => business_age(&v, warnings),
        None => (None, None),
    };
    let (owner_age_min, owner_age_max) = match get(obj, field::OWNER_AGE) {
        Some(v) => owner_age(&v, warnings),
        None => (None, None),
    };
    let target = get(obj, field::TARGET_TEXT).map(|t| multiline_text(&t));
    let excluded = get(obj, field::EXCLUDED_TEXT).map(|t| multiline_text(&t));
    let text = match (
        target.filter(|t| !t.is_empty()),
        excluded.filter(|t| !t.is_empty()),
    ) {
        (None, None) => None,
        (Some(t), None) => Some(t),
        (None, Some(x)) => Some(format!("[제외 대상]\n{x}")),
        (Some(t), Some(x)) => Some(format!("{t}\n\n[제외 대상]\n{x}")),
    };
    ImportEligibility {
        business_age_max_years,
        preliminary_founders,
        owner_age_min,
        owner_age_max,
        text,
    }
}

/// Plain text keeping line breaks: entities decoded, each line's whitespace
/// collapsed, blank lines dropped.
fn multiline_text(s: &str) -> String {
    let decoded = html_escape::decode_html_entities(s);
    decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

static YEARS_BELOW_RE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^(\d{1,2})\s*년\s*미만$").unwrap_or_else(|e| panic!("YEARS_BELOW_RE: {e}"))
});

/// `biz_enyy` (e.g. `예비창업자,1년미만,2년미만,3년미만`) → (max business age,
/// preliminary founders allowed).
///
/// The largest `N년미만` band gives the maximum. Every band ticked
/// (예비창업자 and 1/2/3/5/7/10년미만) means unrestricted: `(None, Some(true))`.
/// Only 예비창업자 gives `Some(0)`: no operating business yet.
pub(crate) fn business_age(value: &str, warnings: &mut Vec<String>) -> (Option<i32>, Option<bool>) {
    let mut preliminary = false;
    let mut years: Vec<i32> = Vec::new();
    let mut unknown = Vec::new();
    for band in value.split(',').map(str::trim).filter(|b| !b.is_empty()) {
        if band.contains("예비") {
            preliminary = true;
        } else if let Some(n) = YEARS_BELOW_RE
            .captures(band)
            .and_then(|c| c.get(1))
            .and_then(|m| m.as_str().parse::<i32>().ok())
        {
            years.push(n);
        } else {
            unknown.push(band);
        }
    }
    if !unknown.is_empty() {
        warnings.push(format!(
            "알 수 없는 업력 구분(biz_enyy)입니다: {}",
            unknown.join(", ")
        ));
    }
    if !preliminary && years.is_empty() {
        return (None, None);
    }
    let every_band = preliminary && AGE_BANDS.iter().all(|b| years.contains(b));
    let max = if every_band {
        None
    } else {
        Some(years.iter().copied().max().unwrap_or(0))
    };
    (max, Some(preliminary))
}

static AGE_MIN_RE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(\d{1,3})\s*세\s*이상").unwrap_or_else(|e| panic!("AGE_MIN_RE: {e}"))
});
static AGE_MAX_RE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(\d{1,3})\s*세\s*(미만|이하)").unwrap_or_else(|e| panic!("AGE_MAX_RE: {e}"))
});

/// `biz_trgt_age` bands (e.g. `만 20세 이상 ~ 만 39세 이하,만 40세 이상`) →
/// (min age, max age) of their union.
///
/// `만 20세 미만` → ..=19, `만 20세 이상 ~ 만 39세 이하` → 20..=39, `만 40세
/// 이상` → 40..; a bound is `None` when some band has no such bound, so all
/// three bands together give `(None, None)`.
pub(crate) fn owner_age(value: &str, warnings: &mut Vec<String>) -> (Option<i32>, Option<i32>) {
    let mut mins: Vec<Option<i32>> = Vec::new();
    let mut maxs: Vec<Option<i32>> = Vec::new();
    let mut unknown = Vec::new();
    for band in value.split(',').map(str::trim).filter(|b| !b.is_empty()) {
        let min = AGE_MIN_RE
            .captures(band)
            .and_then(|c| c.get(1))
            .and_then(|m| m.as_str().parse::<i32>().ok());
        let max = AGE_MAX_RE.captures(band).and_then(|c| {
            let n = c.get(1)?.as_str().parse::<i32>().ok()?;
            Some(if c.get(2)?.as_str() == "미만" {
                n - 1
            } else {
                n
            })
        });
        if min.is_none() && max.is_none() {
            unknown.push(band);
            continue;
        }
        mins.push(min);
        maxs.push(max);
    }
    if !unknown.is_empty() {
        warnings.push(format!(
            "알 수 없는 연령 구분(biz_trgt_age)입니다: {}",
            unknown.join(", ")
        ));
    }
    let bound = |v: &[Option<i32>], pick_max: bool| -> Option<i32> {
        if v.is_empty() || v.iter().any(Option::is_none) {
            return None;
        }
        let it = v.iter().flatten().copied();
        if pick_max {
            it.max()
        } else {
            it.min()
        }
    };
    (bound(&mins, false), bound(&maxs, true))
}

#[cfg(test)]
mod tests {
    use super::super::tests::kstartup_real;
    use super::*;
    use chrono::NaiveDate;

    fn real() -> &'static Parsed {
        kstartup_real()
    }

    fn by_id<'a>(p: &'a Parsed, id: &str) -> &'a ImportRecord {
        p.records
            .iter()
            .find(|r| r.source_id == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    }

    #[test]
    fn whole_real_file_parses() {
        let p = real();
        for r in &p.rejected {
            println!("rejected #{} {:?}: {}", r.index, r.source_id, r.reason);
        }
        assert!(p.rejected.is_empty());
        assert_eq!(p.records.len(), 279);
        for r in &p.records {
            assert_eq!(r.category.as_deref(), Some("창업"));
            assert_eq!(r.window.kind, WindowKind::Dated, "{}", r.source_id);
            assert!(r.window.end.is_some(), "{}", r.source_id);
            assert!(r
                .source_url
                .as_deref()
                .unwrap()
                .starts_with("https://www.k-startup.go.kr/"));
            assert!(
                !r.title.contains("&apos;") && !r.title.contains("&#40;"),
                "{}",
                r.title
            );
            assert!(r.nationwide || r.regions.len() == 1, "{}", r.source_id);
            let unexpected: Vec<&String> = r
                .warnings
                .iter()
                .filter(|w| !w.contains("detl_pg_url"))
                .collect();
            assert!(unexpected.is_empty(), "{}: {unexpected:?}", r.source_id);
        }
        // 137 Korean-form + 19 English-form records say 전국.
        assert_eq!(p.records.iter().filter(|r| r.nationwide).count(), 156);
        let subcats: Vec<&String> = p.records.iter().flat_map(|r| &r.subcategories).collect();
        assert!(subcats.iter().any(|s| *s == "기술개발(R&D)"));
        assert!(!subcats.iter().any(|s| s.contains("&amp;")));
    }

    #[test]
    fn korean_field_names() {
        let p = real();
        let r = by_id(p, "177101");
        assert_eq!(r.source, Source::KStartup);
        assert_eq!(r.title, "2026 인천콘텐츠코리아랩 스타트업 부스터 프로젝트");
        assert_eq!(r.owner_agency.as_deref(), Some("(재)인천테크노파크원장"));
        assert_eq!(r.subcategories, vec!["사업화"]);
        assert_eq!(r.target_types, vec!["일반기업"]);
        assert_eq!(r.regions, vec!["인천"]);
        assert!(!r.nationwide);
        assert_eq!(r.window.end, NaiveDate::from_ymd_opt(2026, 4, 29));
        assert_eq!(r.window.start, None);
        assert_eq!(
            r.apply_url.as_deref(),
            Some("https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn=177101")
        );
        assert!(r
            .summary
            .starts_with("(재)인천테크노파크에서는 콘텐츠분야 스타트업의"));
        assert!(r.body_html.starts_with("<p>(재)인천테크노파크에서는"));
        let e = &r.eligibility;
        assert_eq!(e.business_age_max_years, Some(3));
        assert_eq!(e.preliminary_founders, Some(false));
        assert_eq!((e.owner_age_min, e.owner_age_max), (None, None));
        let text = e.text.as_deref().unwrap();
        assert!(
            text.starts_with("인천 내 사업자등록이 완료된 창업 3년 이내"),
            "{text}"
        );
        assert!(text.contains("\n\n[제외 대상]\n1. 동일한 과제로"), "{text}");
        assert!(text.contains("경우\n2. 공고마감일"), "{text}");
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn english_field_names() {
        let p = real();
        let r = by_id(p, "177404");
        assert_eq!(r.title, "SYNERGY CORE 3기 스타트업 모집 (투자)");
        assert!(r.nationwide);
        assert!(r.regions.is_empty());
        assert_eq!(r.subcategories, vec!["사업화"]);
        assert_eq!(r.target_types.len(), 7);
        assert_eq!(r.target_types[6], "1인 창조기업");
        assert_eq!(r.window.kind, WindowKind::Dated);
        assert_eq!(r.window.end, NaiveDate::from_ymd_opt(2026, 5, 15));
        assert_eq!(r.owner_agency.as_deref(), Some("시너지IB투자"));
        assert!(r
            .summary
            .starts_with("Seed 단계 스타트업부터 IPO 이후 성장 기업까지"));
        // detl_pg_url is null in the English form: built from pbanc_sn.
        assert_eq!(
            r.source_url.as_deref(),
            Some("https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn=177404")
        );
        assert_eq!(r.warnings.len(), 1);
        let e = &r.eligibility;
        assert_eq!(e.business_age_max_years, Some(3));
        assert_eq!(e.preliminary_founders, Some(true));
        // No biz_trgt_age in the English form.
        assert_eq!((e.owner_age_min, e.owner_age_max), (None, None));
        assert_eq!(
            e.text.as_deref(),
            Some("업력 3년 미만 초기 창업기업 (분야 제한 없음)")
        );

        // All 26 English-form records parse with their regions and dates.
        let english: Vec<&ImportRecord> = p
            .records
            .iter()
            .filter(|r| {
                r.source_url
                    .as_deref()
                    .is_some_and(|u| u.contains("pbancSn="))
                    && r.warnings.iter().any(|w| w.contains("detl_pg_url"))
            })
            .collect();
        assert_eq!(english.len(), 26);
        assert_eq!(english.iter().filter(|r| r.nationwide).count(), 19);
        assert!(english.iter().all(|r| r.window.end.is_some()));
    }

    #[test]
    fn business_age_bands() {
        let mut w = Vec::new();
        let mut f = |s: &str| business_age(s, &mut w);
        assert_eq!(f("3년미만"), (Some(3), Some(false)));
        assert_eq!(
            f("예비창업자,1년미만,2년미만,3년미만"),
            (Some(3), Some(true))
        );
        assert_eq!(
            f("1년미만,2년미만,3년미만,5년미만,7년미만,10년미만"),
            (Some(10), Some(false))
        );
        assert_eq!(
            f("예비창업자,1년미만,2년미만,3년미만,5년미만,7년미만,10년미만"),
            (None, Some(true))
        );
        assert_eq!(f("예비창업자,7년미만"), (Some(7), Some(true)));
        assert_eq!(f("예비창업자"), (Some(0), Some(true)));
        assert_eq!(f(""), (None, None));
        assert!(w.is_empty());
        assert_eq!(business_age("업력무관", &mut w), (None, None));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn owner_age_bands() {
        let mut w = Vec::new();
        let mut f = |s: &str| owner_age(s, &mut w);
        assert_eq!(
            f("만 20세 미만,만 20세 이상 ~ 만 39세 이하,만 40세 이상"),
            (None, None)
        );
        assert_eq!(
            f("만 20세 이상 ~ 만 39세 이하,만 40세 이상"),
            (Some(20), None)
        );
        assert_eq!(f("만 20세 이상 ~ 만 39세 이하"), (Some(20), Some(39)));
        assert_eq!(
            f("만 20세 미만,만 20세 이상 ~ 만 39세 이하"),
            (None, Some(39))
        );
        assert_eq!(f("만 20세 미만"), (None, Some(19)));
        assert_eq!(f("만 40세 이상"), (Some(40), None));
        assert!(w.is_empty());
    }

    #[test]
    fn eligibility_on_real_records() {
        let p = real();
        let mut youth_only = 0;
        let mut unrestricted_age = 0;
        for r in &p.records {
            let e = &r.eligibility;
            match (e.owner_age_min, e.owner_age_max) {
                (Some(20), Some(39)) => youth_only += 1,
                (None, None) => unrestricted_age += 1,
                _ => {}
            }
        }
        // 21 records are 만 20~39세 only; 162 list all bands, 26 English-form
        // records have no age field.
        assert_eq!(youth_only, 21);
        assert_eq!(unrestricted_age, 162 + 26);
        let all_bands = p
            .records
            .iter()
            .filter(|r| r.eligibility.business_age_max_years.is_none())
            .count();
        assert_eq!(all_bands, 87);
        let prelim_only = p
            .records
            .iter()
            .filter(|r| r.eligibility.business_age_max_years == Some(0))
            .count();
        assert_eq!(prelim_only, 8);
    }

    #[test]
    fn bad_items_are_rejected_unreadable_windows_kept() {
        let json = r#"{"data":[
            {"pbanc_sn":"1","biz_pbanc_nm":"ok","pbanc_rcpt_end_dt":"20260501","supt_regin":"서울","detl_pg_url":"https://www.k-startup.go.kr/x"},
            {"biz_pbanc_nm":"id 없음","pbanc_rcpt_end_dt":"20260501"},
            {"pbanc_sn":3,"biz_pbanc_nm":" ","pbanc_rcpt_end_dt":"20260501"},
            {"pbanc_sn":"4","biz_pbanc_nm":"날짜 오류","pbanc_rcpt_end_dt":"20261345"},
            {"pbanc_sn":"5","biz_pbanc_nm":"시작이 늦음","pbanc_rcpt_bgng_dt":"20260601","pbanc_rcpt_end_dt":"20260501"},
            7
        ]}"#.as_bytes();
        let p = parse_kstartup_json(json).unwrap();
        // Items 4 and 5 have windows nobody can read: kept as 기타, with a warning.
        assert_eq!(p.records.len(), 3);
        let other: Vec<&str> = p
            .records
            .iter()
            .filter(|r| r.window.kind == WindowKind::Other)
            .map(|r| r.source_id.as_str())
            .collect();
        assert_eq!(other, vec!["4", "5"]);
        assert!(p.records[2].warnings.iter().any(|w| w.contains("앞섭니다")));
        let reasons: Vec<(usize, Option<&str>, &str)> = p
            .rejected
            .iter()
            .map(|r| (r.index, r.source_id.as_deref(), r.reason.as_str()))
            .collect();
        println!("{reasons:#?}");
        assert_eq!(reasons.len(), 3);
        assert_eq!(reasons[0].1, None);
        assert!(reasons[0].2.contains("pbanc_sn"));
        assert_eq!(reasons[1].1, Some("3"));
        assert!(reasons[1].2.contains("제목"));
        assert!(reasons[2].2.contains("객체"));
    }
}
