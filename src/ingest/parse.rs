//! Parsers for the public support-program feeds that jiwon imports.
//!
//! Three input forms are understood:
//!
//! * 기업마당 (bizinfo) JSON API responses, `{"jsonArray": [...]}`
//!   ([`parse_bizinfo_json`]),
//! * the same bizinfo API in its RSS form, `<rss><channel><item>…`
//!   ([`parse_bizinfo_rss`]),
//! * K-Startup (창업진흥원) API responses, `{"data": [...]}`, in both the Korean
//!   (`supt_regin`, `aply_trgt`, …) and the English (`region`, `apply_target`, …)
//!   field-name forms ([`parse_kstartup_json`]).
//!
//! [`detect_and_parse`] sniffs which of the three a file is.
//!
//! Every parser turns one feed item into one [`ImportRecord`], a source-neutral
//! shape the importer can store. Problems with a single item never fail the
//! whole file: the item becomes a [`Rejected`] entry with a Korean reason, and
//! smaller problems (a garbage target value, a bad timestamp) are kept as
//! Korean `warnings` on the record. Only a file that is not JSON/XML at all, or
//! that lacks the expected top-level structure, is a [`FileError`].
//!
//! The same program is often listed on both portals; [`normalize_title`],
//! [`program_key`] and [`same_program`] implement the matching rule used to
//! merge a K-Startup record into an existing bizinfo record.

mod bizinfo;
mod kstartup;
mod merge;
mod regions;

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::announcements::window::Window;

pub use bizinfo::{parse_bizinfo_json, parse_bizinfo_rss};
pub use kstartup::parse_kstartup_json;
pub use merge::{
    key_of, normalize_title, program_key, same_program, same_program_keys, ProgramKey,
};
pub use regions::{REGIONS, REGION_COUNT};

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// 기업마당 (bizinfo.go.kr).
    Bizinfo,
    /// K-Startup (k-startup.go.kr, 창업진흥원).
    KStartup,
}

impl Source {
    /// Stable lower-case identifier, used in the database: `"bizinfo"` or `"kstartup"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::Bizinfo => "bizinfo",
            Source::KStartup => "kstartup",
        }
    }

    /// Inverse of [`Source::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "bizinfo" => Some(Source::Bizinfo),
            "kstartup" => Some(Source::KStartup),
            _ => None,
        }
    }
}

/// Eligibility facts that can be read mechanically from a feed.
///
/// Only K-Startup carries structured eligibility (`biz_enyy`, `biz_trgt_age`);
/// for bizinfo records every field is `None`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportEligibility {
    /// Maximum business age in years, from K-Startup `biz_enyy` (the largest
    /// `N년미만` band → `N`). `None` when unrestricted: no bands given, or every
    /// band K-Startup offers (예비창업자 and 1…10년미만) is ticked. `Some(0)`
    /// when only 예비창업자 is allowed (no operating business yet).
    pub business_age_max_years: Option<i32>,
    /// Whether 예비창업자 (not yet founded) may apply: `Some(true)` when
    /// `biz_enyy` lists 예비창업자, `Some(false)` when bands are given without it,
    /// `None` when `biz_enyy` is absent.
    pub preliminary_founders: Option<bool>,
    /// Minimum owner age (만 나이) from `biz_trgt_age`; `None` when there is no lower bound.
    pub owner_age_min: Option<i32>,
    /// Maximum owner age (만 나이) from `biz_trgt_age`; `None` when there is no upper bound.
    pub owner_age_max: Option<i32>,
    /// Free-text eligibility (K-Startup `aply_trgt_ctnt` plus the exclusion
    /// text `aply_excl_trgt_ctnt`), as plain text.
    pub text: Option<String>,
}

/// One support-program announcement, normalised from either source.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRecord {
    /// Which portal the record came from.
    pub source: Source,
    /// The portal's key: bizinfo `pblancId` (e.g. `PBLN_000000000125696`) or K-Startup `pbanc_sn`.
    pub source_id: String,
    /// The portal's detail page: bizinfo `pblancUrl`, K-Startup `detl_pg_url`.
    pub source_url: Option<String>,
    /// Raw bizinfo `updtPnttm` (KST wall clock), to detect changed records; `None` for K-Startup.
    pub source_updated: Option<String>,
    /// Title, HTML entities decoded, trimmed, whitespace collapsed.
    pub title: String,
    /// Plain-text summary (tags stripped, entities decoded, whitespace
    /// collapsed), at most 300 characters; longer text ends in `…`.
    pub summary: String,
    /// Body HTML, sanitised with ammonia (see [`crate::text::sanitize_html`]).
    pub body_html: String,
    /// 소관 기관: bizinfo `jrsdInsttNm`, K-Startup `pbanc_ntrp_nm`.
    pub owner_agency: Option<String>,
    /// 수행 기관: bizinfo `excInsttNm`.
    pub exec_agency: Option<String>,
    /// 지원 분야: bizinfo `pldirSportRealmLclasCodeNm` (금융 기술 인력 수출 내수
    /// 창업 경영 기타); always `창업` for K-Startup.
    pub category: Option<String>,
    /// Sub-fields: bizinfo `pldirSportRealmMlsfcCodeNm` split on `@`; K-Startup `supt_biz_clsfc`.
    pub subcategories: Vec<String>,
    /// Who may apply: bizinfo `trgetNm` (garbage values dropped with a warning),
    /// K-Startup `aply_trgt`.
    pub target_types: Vec<String>,
    /// 시도 short names in canonical order ([`REGIONS`]); empty when `nationwide`.
    pub regions: Vec<String>,
    /// True when the program is open in all 17 시도.
    pub nationwide: bool,
    /// Application window.
    pub window: Window,
    /// Where to apply: bizinfo `rceptEngnHmpgUrl`, K-Startup `detl_pg_url`.
    pub apply_url: Option<String>,
    /// How to apply: bizinfo `reqstMthPapersCn`.
    pub apply_note: Option<String>,
    /// Contact text: bizinfo `refrncNm`.
    pub contacts: Option<String>,
    /// Attachments; the printable announcement (`printFlpthNm`) comes first.
    pub attachments: Vec<ImportAttachment>,
    /// Structured eligibility.
    pub eligibility: ImportEligibility,
    /// bizinfo `hashtags`, split on `,`.
    pub hashtags: Vec<String>,
    /// bizinfo `creatPnttm`, converted from KST to UTC.
    pub created_at: Option<NaiveDateTime>,
    /// bizinfo `updtPnttm`, converted from KST to UTC.
    pub updated_at: Option<NaiveDateTime>,
    /// bizinfo `inqireCo` (view count).
    pub view_count: Option<i64>,
    /// Non-fatal problems found while parsing, in Korean.
    pub warnings: Vec<String>,
}

/// One downloadable file of an announcement.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportAttachment {
    /// File name as shown to users.
    pub name: String,
    /// Download URL.
    pub url: String,
}

/// A feed item that could not be imported.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The item's source id, when it had one.
    pub source_id: Option<String>,
    /// 0-based position of the item in the file (`jsonArray`, `data` or `<item>` order).
    pub index: usize,
    /// Why, in Korean (e.g. `제목(pblancNm)이 비어 있습니다`).
    pub reason: String,
}

/// The file as a whole could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not JSON at all.
    #[error("JSON 형식이 아닙니다: {0}")]
    Json(String),
    /// Valid JSON/XML, but not the expected top-level structure.
    #[error("예상한 구조가 아닙니다: {0}")]
    Shape(String),
    /// Not XML at all.
    #[error("XML/RSS 형식이 아닙니다: {0}")]
    Xml(String),
}

/// The result of parsing one file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// Items that were imported, in file order.
    pub records: Vec<ImportRecord>,
    /// Items that were not, with reasons.
    pub rejected: Vec<Rejected>,
}

/// Parses a file of unknown kind.
///
/// A file whose first non-blank byte is `<` is read as bizinfo RSS; a JSON
/// object with a `jsonArray` key as bizinfo JSON; one with a `data` key as
/// K-Startup JSON.
pub fn detect_and_parse(bytes: &[u8]) -> Result<(Source, Parsed), FileError> {
    let body = strip_bom(bytes);
    let first = body.iter().copied().find(|b| !b.is_ascii_whitespace());
    match first {
        None => Err(FileError::Json("파일이 비어 있습니다".to_string())),
        Some(b'<') => parse_bizinfo_rss(body).map(|p| (Source::Bizinfo, p)),
        Some(_) => {
            let value: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| FileError::Json(e.to_string()))?;
            let obj = value
                .as_object()
                .ok_or_else(|| FileError::Shape("최상위가 객체({…})가 아닙니다".to_string()))?;
            if obj.contains_key("jsonArray") {
                bizinfo::parse_bizinfo_value(&value).map(|p| (Source::Bizinfo, p))
            } else if obj.contains_key("data") {
                kstartup::parse_kstartup_value(&value).map(|p| (Source::KStartup, p))
            } else {
                Err(FileError::Shape(format!(
                    "jsonArray(기업마당) 또는 data(K-Startup) 키가 없습니다 (있는 키: {})",
                    key_list(obj)
                )))
            }
        }
    }
}

/// Drops duplicate ids, keeping the most recently updated item (by
/// `updated_at`, then `created_at`; on a tie the later one in the file), and
/// orders the rejections by position.
pub(crate) fn finish(records: Vec<(usize, ImportRecord)>, mut rejected: Vec<Rejected>) -> Parsed {
    let mut best: HashMap<String, usize> = HashMap::new();
    for (pos, (_, rec)) in records.iter().enumerate() {
        match best.get(&rec.source_id) {
            Some(&prev) if freshness(&records[prev].1) > freshness(rec) => {}
            _ => {
                best.insert(rec.source_id.clone(), pos);
            }
        }
    }
    let mut kept = Vec::with_capacity(best.len());
    for (pos, (index, rec)) in records.iter().enumerate() {
        let winner = best.get(&rec.source_id).copied().unwrap_or(pos);
        if winner == pos {
            kept.push(rec.clone());
        } else {
            let (win_index, win) = &records[winner];
            rejected.push(Rejected {
                source_id: Some(rec.source_id.clone()),
                index: *index,
                reason: format!(
                    "같은 공고 ID({})가 파일에 여러 번 나옵니다. 더 최근에 수정된 {}번째 항목(수정일시: {})을 씁니다",
                    rec.source_id,
                    win_index + 1,
                    win.source_updated.as_deref().unwrap_or("없음"),
                ),
            });
        }
    }
    rejected.sort_by_key(|r| r.index);
    Parsed {
        records: kept,
        rejected,
    }
}

/// Sort key for "most recently changed".
fn freshness(r: &ImportRecord) -> Option<NaiveDateTime> {
    r.updated_at.or(r.created_at)
}

/// Drops a UTF-8 byte-order mark.
fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes)
}

/// Up to ten keys of a JSON object, for error messages.
fn key_list(obj: &serde_json::Map<String, serde_json::Value>) -> String {
    let keys: Vec<&str> = obj.keys().take(10).map(String::as_str).collect();
    if keys.is_empty() {
        "없음".to_string()
    } else {
        keys.join(", ")
    }
}

/// Reads a scalar JSON value as trimmed text; `None` for null, empty strings,
/// arrays and objects.
fn json_text(v: Option<&serde_json::Value>) -> Option<String> {
    let s = match v? {
        // PostgreSQL text cannot hold NUL (the mutated-record test found a record that
        // parsed but failed to store): it is never part of real text, so it goes.
        serde_json::Value::String(s) if s.contains('\0') => s.replace('\0', "").trim().to_string(),
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Path of a file in the crate's `data/` directory.
    pub(crate) fn data_path(name: &str) -> String {
        format!("{}/data/{}", env!("CARGO_MANIFEST_DIR"), name)
    }

    /// Path of a file in the crate's `tests/fixtures/` directory.
    pub(crate) fn fixture_path(name: &str) -> String {
        format!("{}/tests/fixtures/{}", env!("CARGO_MANIFEST_DIR"), name)
    }

    pub(crate) fn read(path: &str) -> Vec<u8> {
        std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    static BIZINFO_REAL: once_cell::sync::Lazy<Parsed> = once_cell::sync::Lazy::new(|| {
        parse_bizinfo_json(&read(&data_path("bizinfo_2026.json"))).unwrap()
    });
    static KSTARTUP_REAL: once_cell::sync::Lazy<Parsed> = once_cell::sync::Lazy::new(|| {
        parse_kstartup_json(&read(&data_path("kstartup_2026.json"))).unwrap()
    });

    /// `data/bizinfo_2026.json`, parsed once per test run.
    pub(crate) fn bizinfo_real() -> &'static Parsed {
        &BIZINFO_REAL
    }

    /// `data/kstartup_2026.json`, parsed once per test run.
    pub(crate) fn kstartup_real() -> &'static Parsed {
        &KSTARTUP_REAL
    }

    #[test]
    fn source_names_round_trip() {
        for s in [Source::Bizinfo, Source::KStartup] {
            assert_eq!(Source::parse(s.as_str()), Some(s));
        }
        assert_eq!(Source::KStartup.as_str(), "kstartup");
    }

    #[test]
    fn detect_real_files() {
        let (src, parsed) = detect_and_parse(&read(&data_path("bizinfo_2026.json"))).unwrap();
        assert_eq!(src, Source::Bizinfo);
        assert!(parsed.records.len() > 2900);
        let (src, parsed) = detect_and_parse(&read(&data_path("kstartup_2026.json"))).unwrap();
        assert_eq!(src, Source::KStartup);
        assert_eq!(parsed.records.len(), 279);
        let (src, parsed) =
            detect_and_parse(&read(&fixture_path("bizinfo_rss_sample.xml"))).unwrap();
        assert_eq!(src, Source::Bizinfo);
        assert_eq!(parsed.records.len(), 2);
    }

    #[test]
    fn broken_files_are_file_errors() {
        // Truncated JSON.
        let bytes = read(&data_path("kstartup_2026.json"));
        let cut = &bytes[..bytes.len() / 2];
        assert!(matches!(detect_and_parse(cut), Err(FileError::Json(_))));
        assert!(matches!(parse_kstartup_json(cut), Err(FileError::Json(_))));
        assert!(matches!(parse_bizinfo_json(cut), Err(FileError::Json(_))));
        // Empty and non-JSON input.
        assert!(matches!(detect_and_parse(b""), Err(FileError::Json(_))));
        assert!(matches!(
            detect_and_parse(b"pblancId,pblancNm\n1,2"),
            Err(FileError::Json(_))
        ));
        // JSON of the wrong shape.
        let e = detect_and_parse(r#"{"reqErr":"인증키 오류"}"#.as_bytes()).unwrap_err();
        assert!(matches!(e, FileError::Shape(_)));
        assert!(e.to_string().contains("reqErr"), "{e}");
        assert!(matches!(
            detect_and_parse(b"[1,2]"),
            Err(FileError::Shape(_))
        ));
        assert!(matches!(
            parse_bizinfo_json(br#"{"jsonArray": {"a": 1}}"#),
            Err(FileError::Shape(_))
        ));
        assert!(matches!(
            parse_kstartup_json(br#"{"jsonArray": []}"#),
            Err(FileError::Shape(_))
        ));
        // Broken XML.
        assert!(matches!(
            detect_and_parse(b"<rss><channel><item><title>x</title></channel>"),
            Err(FileError::Xml(_))
        ));
        assert!(matches!(
            parse_bizinfo_rss(b"<html><body/></html>"),
            Err(FileError::Shape(_))
        ));
        // Error messages are Korean.
        let e = detect_and_parse(b"{").unwrap_err();
        assert!(e.to_string().starts_with("JSON 형식이 아닙니다"), "{e}");
    }

    #[test]
    fn bom_is_ignored() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(br#"{"data": []}"#);
        let (src, parsed) = detect_and_parse(&bytes).unwrap();
        assert_eq!(src, Source::KStartup);
        assert!(parsed.records.is_empty());
    }
}
