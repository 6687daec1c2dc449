//! 기업마당 (bizinfo) announcements, JSON and RSS forms.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta};
use once_cell::sync::Lazy;
use regex::Regex;

use super::regions;
use super::{
    finish, json_text, key_list, strip_bom, FileError, ImportAttachment, ImportEligibility,
    ImportRecord, Parsed, Rejected, Source,
};
use crate::announcements::window::{parse_window_or_keep, Window, WindowKind};
use crate::text::{clean_line, html_to_text, sanitize_html, split_list, summary_of};

/// The 지원분야 (`pldirSportRealmLclasCodeNm`) values bizinfo uses.
pub(crate) const CATEGORIES: [&str; 8] = [
    "금융", "기술", "인력", "수출", "내수", "창업", "경영", "기타",
];

/// `trgetNm` values accepted when the field is otherwise polluted with
/// scraped page text.
const KNOWN_TARGETS: &[&str] = &[
    "중소기업",
    "중견기업",
    "대기업",
    "창업벤처",
    "소상공인",
    "소공인",
    "사회적기업",
    "장애인기업",
    "여성기업",
    "마을기업",
    "자활기업",
    "협동조합",
    "제조업",
    "1인창조기업",
    "예비창업자",
    "전통시장",
];

/// Longest `trgetNm` value, in characters, that is believed to be real.
const TARGET_MAX_CHARS: usize = 20;

/// Base of relative bizinfo links.
const BIZINFO_BASE: &str = "https://www.bizinfo.go.kr";

/// Parses a bizinfo JSON API response, `{"jsonArray": [...]}`.
///
/// Items that are not objects, lack `pblancId` or `pblancNm`, or whose
/// `reqstBeginEndDe` cannot be read (or ends before it starts) are rejected
/// with a reason; the rest are imported. When one `pblancId` occurs more than
/// once, the item with the latest `updtPnttm` (then `creatPnttm`, then the
/// later position in the file) is kept and the others are rejected.
pub fn parse_bizinfo_json(bytes: &[u8]) -> Result<Parsed, FileError> {
    let value: serde_json::Value =
        serde_json::from_slice(strip_bom(bytes)).map_err(|e| FileError::Json(e.to_string()))?;
    parse_bizinfo_value(&value)
}

/// [`parse_bizinfo_json`] on an already-parsed JSON value.
pub(crate) fn parse_bizinfo_value(value: &serde_json::Value) -> Result<Parsed, FileError> {
    let obj = value
        .as_object()
        .ok_or_else(|| FileError::Shape("최상위가 객체({…})가 아닙니다".to_string()))?;
    let items = match obj.get("jsonArray") {
        Some(serde_json::Value::Array(items)) => items,
        Some(_) => return Err(FileError::Shape("jsonArray가 배열이 아닙니다".to_string())),
        None => {
            return Err(FileError::Shape(format!(
                "기업마당 응답의 jsonArray 키가 없습니다 (있는 키: {})",
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
        match build_record(&Fields::from_json(obj), index) {
            Ok(r) => records.push((index, r)),
            Err(r) => rejected.push(r),
        }
    }
    Ok(finish(records, rejected))
}

/// Parses the bizinfo RSS form: `<rss><channel><item>…</item></channel></rss>`.
///
/// Standard RSS elements are mapped to the JSON field names (`title` →
/// `pblancNm`, `link` → `pblancUrl`, `description` → `bsnsSumryCn`, `author`
/// → `jrsdInsttNm`, `pubDate` → `creatPnttm`); any child element named like a
/// JSON field (`pblancId`, `reqstBeginEndDe`, `hashtags`, `excInsttNm`, …)
/// is used as is and wins over the standard element. The id comes from
/// `<pblancId>` or else the `pblancId=` parameter of `<link>`.
pub fn parse_bizinfo_rss(bytes: &[u8]) -> Result<Parsed, FileError> {
    let text = std::str::from_utf8(strip_bom(bytes))
        .map_err(|e| FileError::Xml(format!("UTF-8이 아닙니다: {e}")))?;
    let doc = roxmltree::Document::parse(text).map_err(|e| FileError::Xml(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "rss" {
        return Err(FileError::Shape(format!(
            "RSS 문서가 아닙니다 (최상위 요소: <{}>)",
            root.tag_name().name()
        )));
    }
    let channel = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "channel")
        .ok_or_else(|| FileError::Shape("<channel> 요소가 없습니다".to_string()))?;

    let mut records = Vec::new();
    let mut rejected = Vec::new();
    let items = channel
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "item");
    for (index, item) in items.enumerate() {
        let fields = Fields::from_rss_item(item);
        if fields.get("pblancId").is_none() {
            rejected.push(Rejected {
                source_id: None,
                index,
                reason:
                    "공고 ID를 찾을 수 없습니다: <pblancId>도, <link>의 pblancId= 값도 없습니다"
                        .to_string(),
            });
            continue;
        }
        match build_record(&fields, index) {
            Ok(r) => records.push((index, r)),
            Err(r) => rejected.push(r),
        }
    }
    Ok(finish(records, rejected))
}

/// A bizinfo item as field name → trimmed, non-empty text.
struct Fields(HashMap<String, String>);

/// RSS element names that stand for a JSON field (`from` → `to`).
const RSS_ALIASES: &[(&str, &str)] = &[
    ("title", "pblancNm"),
    ("link", "pblancUrl"),
    ("description", "bsnsSumryCn"),
    ("author", "jrsdInsttNm"),
    ("reqstDt", "reqstBeginEndDe"),
    ("lcategory", "pldirSportRealmLclasCodeNm"),
    ("hashTags", "hashtags"),
    ("pblancIdx", "pblancId"),
];

static PBLANC_ID_RE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"[?&]pblancId=([A-Za-z0-9_]+)").unwrap_or_else(|e| panic!("PBLANC_ID_RE: {e}"))
});

impl Fields {
    fn from_json(obj: &serde_json::Map<String, serde_json::Value>) -> Self {
        Fields(
            obj.iter()
                .filter_map(|(k, v)| json_text(Some(v)).map(|t| (k.clone(), t)))
                .collect(),
        )
    }

    fn from_rss_item(item: roxmltree::Node<'_, '_>) -> Self {
        let mut map: HashMap<String, String> = HashMap::new();
        for child in item.children().filter(|n| n.is_element()) {
            let text: String = child
                .descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect();
            let text = text.trim();
            if !text.is_empty() {
                map.entry(child.tag_name().name().to_string())
                    .or_insert_with(|| text.to_string());
            }
        }
        for (from, to) in RSS_ALIASES {
            if !map.contains_key(*to) {
                if let Some(v) = map.get(*from).cloned() {
                    map.insert(to.to_string(), v);
                }
            }
        }
        if !map.contains_key("creatPnttm") {
            if let Some(kst) = map.get("pubDate").and_then(|p| rfc2822_as_kst(p)) {
                map.insert("creatPnttm".to_string(), kst);
            }
        }
        if !map.contains_key("pblancId") {
            let from_link = map
                .get("pblancUrl")
                .and_then(|l| PBLANC_ID_RE.captures(l))
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().to_string());
            if let Some(id) = from_link {
                map.insert("pblancId".to_string(), id);
            }
        }
        Fields(map)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// Builds one record, or the reason it cannot be imported.
fn build_record(f: &Fields, index: usize) -> Result<ImportRecord, Rejected> {
    let source_id = f.get("pblancId").map(str::to_string);
    let reject = |reason: String| Rejected {
        source_id: source_id.clone(),
        index,
        reason,
    };
    let Some(id) = source_id.clone() else {
        return Err(reject("공고 ID(pblancId)가 없습니다".to_string()));
    };
    let title = f.get("pblancNm").map(clean_line).unwrap_or_default();
    if title.is_empty() {
        return Err(reject("제목(pblancNm)이 비어 있습니다".to_string()));
    }

    let mut warnings = Vec::new();
    let window = match f.get("reqstBeginEndDe") {
        Some(raw) => {
            // Never a reason to drop the record: unreadable text is kept as 기타.
            let (w, why) = parse_window_or_keep(raw);
            if let Some(why) = why {
                warnings.push(format!(
                    "신청기간(reqstBeginEndDe)을 해석하지 못해 '{}'(으)로 두고 원문을 보여 줍니다: {why}",
                    w.kind.label()
                ));
            }
            w
        }
        None => {
            warnings.push("신청기간(reqstBeginEndDe)이 없어 '추후 공지'로 둡니다".to_string());
            Window {
                kind: WindowKind::Tbd,
                start: None,
                end: None,
                raw: String::new(),
            }
        }
    };

    let body = f.get("bsnsSumryCn").unwrap_or("");
    let hashtags = f
        .get("hashtags")
        .map(|h| split_list(h, &[',']))
        .unwrap_or_default();
    let owner_agency = non_empty(f.get("jrsdInsttNm").map(clean_line));
    let exec_agency = non_empty(f.get("excInsttNm").map(clean_line));
    let (regions, nationwide) = regions_of(
        &title,
        &hashtags,
        [owner_agency.as_deref(), exec_agency.as_deref()],
        &mut warnings,
    );

    let category = f.get("pldirSportRealmLclasCodeNm").map(clean_line);
    if let Some(c) = &category {
        if !CATEGORIES.contains(&c.as_str()) {
            warnings.push(format!(
                "알 수 없는 지원분야(pldirSportRealmLclasCodeNm)입니다: {c}"
            ));
        }
    }

    let apply_url = f.get("rceptEngnHmpgUrl").and_then(|u| {
        let url = normalize_url(u);
        if url.is_none() {
            warnings.push(format!(
                "접수 URL(rceptEngnHmpgUrl)이 올바른 주소가 아니어서 버렸습니다: {u}"
            ));
        }
        url
    });

    let created_at = timestamp(f, "creatPnttm", &mut warnings);
    let updated_at = timestamp(f, "updtPnttm", &mut warnings);
    let view_count = f.get("inqireCo").and_then(|v| {
        let n = v.parse::<i64>().ok();
        if n.is_none() {
            warnings.push(format!("조회수(inqireCo)가 숫자가 아닙니다: {v}"));
        }
        n
    });

    Ok(ImportRecord {
        source: Source::Bizinfo,
        source_id: id,
        source_url: f.get("pblancUrl").and_then(normalize_url),
        source_updated: f.get("updtPnttm").map(str::to_string),
        title,
        summary: summary_of(body),
        body_html: sanitize_html(body),
        owner_agency,
        exec_agency,
        category,
        subcategories: f
            .get("pldirSportRealmMlsfcCodeNm")
            .map(|s| split_list(s, &['@']))
            .unwrap_or_default(),
        target_types: target_types(f.get("trgetNm").unwrap_or(""), &mut warnings),
        regions,
        nationwide,
        window,
        apply_url,
        apply_note: non_empty(f.get("reqstMthPapersCn").map(html_to_text)),
        contacts: non_empty(f.get("refrncNm").map(html_to_text)),
        attachments: attachments(f, &mut warnings),
        eligibility: ImportEligibility::default(),
        hashtags,
        created_at,
        updated_at,
        view_count,
        warnings,
    })
}

/// Regions and nationwide flag from `hashtags`, the title prefix and the agencies.
///
/// The two sources are united, except that a specific title prefix (`[인천]`)
/// wins over hashtags listing all 17 시도: some regional announcements are
/// tagged with every region. Without a prefix, all 17 (bizinfo's default) or none
/// say nothing specific, so a local government among the agencies (소관 first:
/// `경기도`, `과천시`) names the region: a 과천시 program is 경기, not 전국.
fn regions_of(
    title: &str,
    hashtags: &[String],
    agencies: [Option<&str>; 2],
    warnings: &mut Vec<String>,
) -> (Vec<String>, bool) {
    let tagged = regions::from_hashtags(hashtags);
    let prefixed = regions::from_title_prefix(title);
    let local = agencies
        .iter()
        .flatten()
        .find_map(|a| regions::from_local_agency(a).map(|s| (*a, s)));
    let set = if tagged.is_all() && !prefixed.is_empty() && !prefixed.is_all() {
        warnings.push(format!(
            "해시태그는 17개 시도 전부지만 제목 접두어가 지역({})을 가리켜 지역 공고로 봅니다",
            prefixed.names().join("·")
        ));
        prefixed
    } else if let (true, Some((agency, set))) = (
        prefixed.is_empty() && (tagged.is_all() || tagged.is_empty()),
        local,
    ) {
        warnings.push(format!(
            "지역 표시가 없거나 17개 시도 전부여서 지자체 기관명({agency})으로 지역({})을 정했습니다",
            set.names().join("·")
        ));
        set
    } else {
        tagged.union(prefixed)
    };
    if set.is_all() {
        (Vec::new(), true)
    } else {
        (set.names(), false)
    }
}

/// `trgetNm` split on `,`/`@`.
///
/// Real data has scraped page text (HTML, CSS, sentences) in this field for
/// a few records. A value longer than 20 characters or containing `{ < # ☞`
/// marks the field as polluted; then only well-known target names
/// ([`KNOWN_TARGETS`]) are kept, since the short pieces of such text
/// (`ct1`, `korea.kr)`, `"ta": 1`) are garbage too. A warning says how many
/// values were dropped.
fn target_types(raw: &str, warnings: &mut Vec<String>) -> Vec<String> {
    let values = split_list(raw, &[',', '@']);
    let polluted = values
        .iter()
        .any(|v| v.chars().count() > TARGET_MAX_CHARS || v.contains(['{', '<', '#', '☞']));
    if !polluted {
        return values;
    }
    let total = values.len();
    let kept: Vec<String> = values
        .into_iter()
        .filter(|v| KNOWN_TARGETS.contains(&v.replace(' ', "").as_str()))
        .collect();
    warnings.push(format!(
        "지원대상(trgetNm)에 본문·HTML 조각이 섞여 있어 값 {}개 중 {}개를 버렸습니다",
        total,
        total - kept.len()
    ));
    kept
}

/// The printable announcement first, then `flpthNm`/`fileNm` paired by
/// position; duplicates (same URL or same name) are skipped.
fn attachments(f: &Fields, warnings: &mut Vec<String>) -> Vec<ImportAttachment> {
    let mut out: Vec<ImportAttachment> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    let mut push = |out: &mut Vec<ImportAttachment>, name: String, url: &str| {
        let url = url.trim();
        if url.is_empty() {
            return;
        }
        // A link people will click from our page: http(s) only, never `javascript:`,
        // `data:` or a file path.
        let Some(url) = normalize_url(url) else {
            refused.push(name);
            return;
        };
        if out.iter().any(|a| a.url == url || a.name == name) {
            return;
        }
        out.push(ImportAttachment { name, url });
    };
    if let Some(url) = f.get("printFlpthNm") {
        let name = f.get("printFileNm").map(clean_line).unwrap_or_default();
        let name = if name.is_empty() {
            "공고문".to_string()
        } else {
            name
        };
        push(&mut out, name, url);
    }
    let urls: Vec<&str> = f
        .get("flpthNm")
        .map(|s| s.split('@').collect())
        .unwrap_or_default();
    let names: Vec<&str> = f
        .get("fileNm")
        .map(|s| s.split('@').collect())
        .unwrap_or_default();
    if urls.len() != names.len() {
        warnings.push(format!(
            "첨부파일 경로(flpthNm) {}개와 이름(fileNm) {}개의 수가 달라 앞의 {}개만 짝지었습니다",
            urls.len(),
            names.len(),
            urls.len().min(names.len())
        ));
    }
    for (i, (url, name)) in urls.iter().zip(names.iter()).enumerate() {
        let name = clean_line(name);
        let name = if name.is_empty() {
            format!("첨부파일 {}", i + 1)
        } else {
            name
        };
        push(&mut out, name, url);
    }
    for name in refused {
        warnings.push(format!(
            "첨부파일 '{name}'의 주소가 http(s) 링크가 아니어서 뺐습니다"
        ));
    }
    out
}

/// Accepts absolute http(s) URLs, `www.…` (given `https://`) and
/// bizinfo-relative paths.
fn normalize_url(u: &str) -> Option<String> {
    let u = u.trim();
    let lower = u.to_ascii_lowercase();
    if u.contains(char::is_whitespace) {
        None
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        Some(u.to_string())
    } else if lower.starts_with("www.") {
        Some(format!("https://{u}"))
    } else if u.starts_with('/') && !u.starts_with("//") {
        Some(format!("{BIZINFO_BASE}{u}"))
    } else {
        None
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// Reads a KST wall-clock field and converts it to UTC.
fn timestamp(f: &Fields, key: &str, warnings: &mut Vec<String>) -> Option<NaiveDateTime> {
    let raw = f.get(key)?;
    let parsed = parse_kst(raw);
    if parsed.is_none() {
        warnings.push(format!("{key} 일시를 읽을 수 없습니다: {raw}"));
    }
    parsed
}

/// `YYYY-MM-DD HH:MM:SS` (or without seconds, or a bare date) in KST → UTC.
pub(crate) fn parse_kst(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    let local = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y%m%d%H%M%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|fmt| NaiveDateTime::parse_from_str(raw, fmt).ok())
    .or_else(|| {
        chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })?;
    local.checked_sub_signed(TimeDelta::hours(9))
}

/// An RSS `pubDate` (RFC 2822) as a KST wall-clock `YYYY-MM-DD HH:MM:SS`.
fn rfc2822_as_kst(raw: &str) -> Option<String> {
    let dt = DateTime::parse_from_rfc2822(raw.trim()).ok()?;
    let kst = FixedOffset::east_opt(9 * 3600)?;
    Some(
        dt.with_timezone(&kst)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::{bizinfo_real, data_path, fixture_path, read};
    use super::*;
    use chrono::NaiveDate;

    fn real() -> &'static Parsed {
        bizinfo_real()
    }

    fn by_id<'a>(p: &'a Parsed, id: &str) -> &'a ImportRecord {
        p.records
            .iter()
            .find(|r| r.source_id == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dt(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        ymd(y, m, d).and_hms_opt(h, mi, s).unwrap()
    }

    #[test]
    fn whole_real_file_parses() {
        let p = real();
        for r in &p.rejected {
            println!("rejected #{} {:?}: {}", r.index, r.source_id, r.reason);
        }
        assert_eq!(p.records.len() + p.rejected.len(), 2993);
        // Observed: every record of the 2026 file is importable.
        assert!(p.rejected.len() <= 3, "{} rejected", p.rejected.len());
        assert_eq!(p.records.len(), 2993);

        let mut kinds: HashMap<&str, usize> = HashMap::new();
        for r in &p.records {
            *kinds.entry(r.window.kind.as_str()).or_default() += 1;
            assert!(!r.title.is_empty());
            assert!(r.summary.chars().count() <= 300, "{}", r.source_id);
            assert!(!r.body_html.contains("style="), "{}", r.source_id);
            assert!(
                !r.body_html.to_lowercase().contains("<script"),
                "{}",
                r.source_id
            );
            if r.nationwide {
                assert!(r.regions.is_empty(), "{}", r.source_id);
            }
            for t in &r.target_types {
                assert!(
                    t.chars().count() <= 20 && !t.contains(['{', '<', '#', '☞']),
                    "{t}"
                );
            }
            assert!(r.created_at.is_some(), "{}", r.source_id);
        }
        println!("window kinds: {kinds:?}");
        // Counted with a script from the raw file: 2,261 dated + "2026년 4월 ~ 예산
        // 소진시까지" is budget, "2020.01.01 ~ 2026.12.31" is dated.
        assert_eq!(kinds["dated"], 2262);
        assert_eq!(kinds["until_budget"], 447 + 4 + 2 + 1);
        assert_eq!(kinds["always"], 105 + 2 + 1 + 1 + 1); // 상시 접수, 수시 접수/모집/모집, 매월
        assert_eq!(kinds["first_come"], 39 + 1 + 1);
        assert_eq!(kinds["until_filled"], 38 + 6 + 6 + 1 + 1 + 1 + 1);
        assert_eq!(kinds["tbd"], 12);
        assert_eq!(
            kinds["varies"],
            37 + 7 + 3 + 3 + 2 + 2 + 1 + 1 + 1 + 1 + 1 + 1
        );

        let nationwide = p.records.iter().filter(|r| r.nationwide).count();
        let no_region = p
            .records
            .iter()
            .filter(|r| !r.nationwide && r.regions.is_empty())
            .count();
        println!("nationwide {nationwide}, no region {no_region}");
        // 1,099 records list all 17 시도 in hashtags; 2 of them carry a specific
        // [지역] title prefix and become regional, and 189 are a local government's
        // (소관 경기도, 경상북도, …, or a 시군구) and take its region.
        assert_eq!(nationwide, 1097 - 189);
        let by_agency = p
            .records
            .iter()
            .filter(|r| r.warnings.iter().any(|w| w.contains("지자체 기관명")))
            .count();
        println!("region from a local agency: {by_agency}");
        // The 과천시 program (소관 경기도, 수행 기초자치단체, all 17 시도 tagged).
        let r = by_id(p, "PBLN_000000000122373");
        assert!(!r.nationwide);
        assert_eq!(r.regions, vec!["경기"]);
    }

    #[test]
    fn the_category_is_the_source_field_never_a_hashtag() {
        // "[전남광주] 목포시 … 착한가격업소": hashtags begin "내수,경영,…", the field says 경영.
        let p = real();
        let r = p
            .records
            .iter()
            .find(|r| r.title.starts_with("[전남광주] 목포시 2026년 착한가격업소"))
            .expect("record");
        assert_eq!(r.hashtags.first().map(String::as_str), Some("내수"));
        assert_eq!(r.category.as_deref(), Some("경영"));
        // Every record: the category is pldirSportRealmLclasCodeNm as given.
        let raw: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/data/bizinfo_2026.json"
            ))
            .expect("data"),
        )
        .expect("json");
        let by_id: HashMap<&str, &str> = raw["jsonArray"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|x| {
                Some((
                    x["pblancId"].as_str()?,
                    x["pldirSportRealmLclasCodeNm"].as_str()?,
                ))
            })
            .collect();
        for r in &p.records {
            assert_eq!(
                r.category.as_deref(),
                by_id.get(r.source_id.as_str()).map(|c| c.trim()),
                "{}",
                r.source_id
            );
        }
    }

    #[test]
    fn first_record_fields() {
        let p = real();
        let r = by_id(p, "PBLN_000000000125696");
        assert_eq!(r.source, Source::Bizinfo);
        assert_eq!(r.title, "2026년 예비오션스타 기업 모집 공고");
        assert_eq!(
            r.source_url.as_deref(),
            Some("https://www.bizinfo.go.kr/sii/siia/selectSIIA200Detail.do?pblancId=PBLN_000000000125696")
        );
        assert_eq!(r.source_updated.as_deref(), Some("2026-08-21 15:24:15"));
        assert_eq!(r.owner_agency.as_deref(), Some("해양수산부"));
        assert_eq!(r.exec_agency.as_deref(), Some("해양수산과학기술진흥원"));
        assert_eq!(r.category.as_deref(), Some("경영"));
        assert_eq!(r.subcategories, vec!["디자인/상품화/사업화"]);
        assert_eq!(r.target_types, vec!["중소기업"]);
        // hashtags list 서울 … 제주 with 전남광주 standing for 광주 and 전남.
        assert!(r.nationwide);
        assert!(r.regions.is_empty());
        assert_eq!(r.window.kind, WindowKind::Dated);
        assert_eq!(
            (r.window.start, r.window.end),
            (Some(ymd(2026, 8, 20)), Some(ymd(2026, 9, 11)))
        );
        assert_eq!(
            r.apply_url.as_deref(),
            Some("https://badabom.go.kr/stup/pbanc/detail/view.do?pbancMngNo=S-ANN202600020")
        );
        assert_eq!(
            r.apply_note.as_deref(),
            Some("온라인 접수(바다봄지식정보시스템)")
        );
        assert!(r.contacts.as_deref().unwrap().contains("02-3460-0376"));
        assert_eq!(r.attachments.len(), 1);
        assert_eq!(
            r.attachments[0].name,
            "공고 2026년 예비오션스타 모집 공고문.hwp"
        );
        // KST → UTC.
        assert_eq!(r.created_at, Some(dt(2026, 8, 21, 5, 19, 54)));
        assert_eq!(r.updated_at, Some(dt(2026, 8, 21, 6, 24, 15)));
        assert_eq!(r.view_count, Some(814));
        assert!(r.hashtags.contains(&"예비오션스타".to_string()));
        assert!(r.hashtags.contains(&"R&D".to_string()));
        assert!(r
            .summary
            .starts_with("해양수산 유망기업 발굴 및 지원을 위해「2026 예비오션스타 기업」을"));
        assert!(
            r.summary.contains("☞ 홍보, 금융, R&Dㆍ사업화"),
            "{}",
            r.summary
        );
        assert!(
            r.body_html.starts_with("<p>해양수산 유망기업"),
            "{}",
            r.body_html
        );
        assert!(
            r.body_html.contains("<p>☞&nbsp;우수기술력"),
            "{}",
            r.body_html
        );
        assert!(!r.body_html.contains("line-height"));
        assert_eq!(r.eligibility, ImportEligibility::default());
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn attachment_links_are_http_only() {
        let f = Fields(
            [
                ("printFlpthNm", "javascript:alert(document.cookie)"),
                ("printFileNm", "공고문.pdf"),
                (
                    "flpthNm",
                    "data:text/html,<script>1</script>@/cmm/fms/getImageFile.do?atchFileId=F1@file:///etc/passwd",
                ),
                ("fileNm", "a.hwp@b.hwp@c.hwp"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        );
        let mut warnings = Vec::new();
        let got = attachments(&f, &mut warnings);
        let urls: Vec<&str> = got.iter().map(|a| a.url.as_str()).collect();
        assert_eq!(
            urls,
            vec!["https://www.bizinfo.go.kr/cmm/fms/getImageFile.do?atchFileId=F1"]
        );
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("공고문.pdf"), "{warnings:?}");
    }

    #[test]
    fn attachments_split_on_at() {
        let p = real();
        let r = by_id(p, "PBLN_000000000125663");
        let names: Vec<&str> = r.attachments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "260820_「민관협력_오픈이노베이션_지원」_2026년_규제자유특구_지원_창업기업_모집공고.hwpx",
                "[별첨_1]_규제자유특구_특화_프로그램_과제소개서.hwpx",
                "[별첨_2]_창업기업_사업계획서(양식).hwpx",
                "[별첨_3]_사업수행증명서_발급_매뉴얼.pdf",
            ]
        );
        assert_eq!(
            r.attachments[0].url,
            "https://www.bizinfo.go.kr/cmm/fms/getImageFile.do?atchFileId=FILE_000000000770091&fileSn=1"
        );
        assert_eq!(
            r.attachments[3].url,
            "https://www.bizinfo.go.kr/cmm/fms/getImageFile.do?atchFileId=FILE_000000000770092&fileSn=2"
        );
        // No record of the real file has mismatched lists.
        assert!(p
            .records
            .iter()
            .all(|r| !r.warnings.iter().any(|w| w.contains("flpthNm"))));
    }

    #[test]
    fn attachment_count_mismatch_warns() {
        let json =
            r#"{"jsonArray":[{"pblancId":"PBLN_1","pblancNm":"t","reqstBeginEndDe":"상시 접수",
            "flpthNm":"https://x/a@https://x/b@https://x/c","fileNm":"a.hwp@b.pdf",
            "printFlpthNm":"https://x/b","printFileNm":"공고.hwp"}]}"#
                .as_bytes();
        let p = parse_bizinfo_json(json).unwrap();
        let r = &p.records[0];
        let pairs: Vec<(&str, &str)> = r
            .attachments
            .iter()
            .map(|a| (a.name.as_str(), a.url.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![("공고.hwp", "https://x/b"), ("a.hwp", "https://x/a")]
        );
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("3개와 이름(fileNm) 2개")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn jeonnam_gwangju_and_prefixes() {
        let p = real();
        // "[전남광주] 목포시 …" whose hashtags say 충북: both are kept.
        let r = p
            .records
            .iter()
            .find(|r| r.title.starts_with("[전남광주] 목포시 2026년 착한가격업소"))
            .unwrap();
        // Canonical order: 광주 (4), 충북 (10), 전남 (13).
        assert_eq!(r.regions, vec!["광주", "충북", "전남"]);
        assert!(!r.nationwide);

        // Records tagged 전남광주 only.
        let both: Vec<&ImportRecord> = p
            .records
            .iter()
            .filter(|r| r.hashtags.iter().any(|h| h == "전남광주") && !r.nationwide)
            // (not those whose region a local government among the agencies named)
            .filter(|r| !r.warnings.iter().any(|w| w.contains("지자체 기관명")))
            .collect();
        assert!(both.len() > 50, "{}", both.len());
        for r in &both {
            assert!(
                r.regions.contains(&"광주".to_string()) && r.regions.contains(&"전남".to_string())
            );
        }

        // Multi-region prefix.
        let r = p
            .records
            .iter()
            .find(|r| {
                r.title
                    .starts_with("[부산ㆍ울산ㆍ경남] 2026년 동남 정보보호클러스터")
            })
            .unwrap();
        assert_eq!(r.regions, vec!["부산", "울산", "경남"]);

        // A [인천] title whose hashtags list all 17 regions is regional.
        let r = p
            .records
            .iter()
            .find(|r| r.title.starts_with("[인천] 2026년 시제품제작 장비"))
            .unwrap();
        assert!(!r.nationwide);
        assert_eq!(r.regions, vec!["인천"]);
        assert!(r.warnings.iter().any(|w| w.contains("지역 공고로")));
    }

    #[test]
    fn garbage_targets_are_dropped() {
        let p = real();
        let polluted: Vec<&ImportRecord> = p
            .records
            .iter()
            .filter(|r| r.warnings.iter().any(|w| w.contains("trgetNm")))
            .collect();
        // 17 records of the real file have scraped text in trgetNm.
        assert_eq!(polluted.len(), 17);
        // e.g. one with CSS from the page header.
        let r = by_id(p, "PBLN_000000000121452");
        assert!(r.target_types.is_empty());
        // None of the scraped fragments is a known target name.
        assert!(polluted.iter().all(|r| r.target_types.is_empty()));
        // Everywhere else trgetNm holds the nine values bizinfo uses.
        let mut seen: Vec<&str> = p
            .records
            .iter()
            .flat_map(|r| r.target_types.iter().map(String::as_str))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen,
            vec![
                "마을기업",
                "사회적기업",
                "소상공인",
                "여성기업",
                "장애인기업",
                "제조업",
                "중소기업",
                "창업벤처",
                "협동조합"
            ]
        );
    }

    #[test]
    fn record_missing_id_is_rejected_others_kept() {
        let bytes = read(&data_path("bizinfo_2026.json"));
        let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let arr = v["jsonArray"].as_array_mut().unwrap();
        arr.truncate(10);
        arr[3].as_object_mut().unwrap().remove("pblancId");
        arr[5]["pblancNm"] = serde_json::Value::String("   ".into());
        arr[6]["reqstBeginEndDe"] = serde_json::Value::String("2026-05-01 ~ 2026-04-01".into());
        arr[7]["reqstBeginEndDe"] = serde_json::Value::String("공고문 참조".into());
        arr.push(serde_json::Value::String("not an object".into()));
        let p = parse_bizinfo_json(&serde_json::to_vec(&v).unwrap()).unwrap();
        // Only what cannot be an announcement is rejected: no id, no title, not an object.
        // The two windows nobody can read are kept as 기타 with their text and a warning.
        assert_eq!(p.records.len(), 8);
        let reasons: Vec<(usize, &str)> = p
            .rejected
            .iter()
            .map(|r| (r.index, r.reason.as_str()))
            .collect();
        println!("{reasons:#?}");
        assert_eq!(p.rejected.len(), 3);
        assert_eq!(p.rejected[0].index, 3);
        assert_eq!(p.rejected[0].source_id, None);
        assert!(p.rejected[0].reason.contains("pblancId"));
        assert_eq!(p.rejected[1].reason, "제목(pblancNm)이 비어 있습니다");
        assert!(p.rejected[1].source_id.is_some());
        assert_eq!(p.rejected[2].index, 10);
        assert!(p.rejected[2].reason.contains("객체"));
        let kept: Vec<&ImportRecord> = p
            .records
            .iter()
            .filter(|r| r.window.kind == WindowKind::Other)
            .collect();
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].window.raw, "2026-05-01 ~ 2026-04-01");
        assert!(kept[0].warnings.iter().any(|w| w.contains("앞섭니다")));
        assert_eq!(kept[1].window.raw, "공고문 참조");
    }

    #[test]
    fn duplicate_ids_keep_latest_update() {
        let json = r#"{"jsonArray":[
            {"pblancId":"PBLN_9","pblancNm":"새 제목","reqstBeginEndDe":"상시 접수","updtPnttm":"2026-05-02 10:00:00","creatPnttm":"2026-05-01 10:00:00"},
            {"pblancId":"PBLN_8","pblancNm":"다른 공고","reqstBeginEndDe":"상시 접수"},
            {"pblancId":"PBLN_9","pblancNm":"옛 제목","reqstBeginEndDe":"상시 접수","updtPnttm":"2026-05-01 12:00:00","creatPnttm":"2026-05-01 10:00:00"}
        ]}"#.as_bytes();
        let p = parse_bizinfo_json(json).unwrap();
        let titles: Vec<&str> = p.records.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, vec!["새 제목", "다른 공고"]);
        assert_eq!(p.rejected.len(), 1);
        assert_eq!(p.rejected[0].index, 2);
        assert!(
            p.rejected[0].reason.contains("PBLN_9"),
            "{}",
            p.rejected[0].reason
        );
    }

    #[test]
    fn urls_are_normalized() {
        assert_eq!(
            normalize_url(" http://www.kescrow.or.kr").as_deref(),
            Some("http://www.kescrow.or.kr")
        );
        assert_eq!(
            normalize_url("www.matchingbank.career.co.kr").as_deref(),
            Some("https://www.matchingbank.career.co.kr")
        );
        assert_eq!(normalize_url("홈페이지 참조"), None);
        assert_eq!(normalize_url("javascript:alert(1)"), None);
        let p = real();
        let r = p
            .records
            .iter()
            .find(|r| r.apply_url.as_deref() == Some("https://www.matchingbank.career.co.kr"));
        assert!(r.is_some());
    }

    #[test]
    fn kst_timestamps() {
        assert_eq!(
            parse_kst("2026-01-01 05:00:00"),
            Some(dt(2025, 12, 31, 20, 0, 0))
        );
        assert_eq!(parse_kst("2026-01-01"), Some(dt(2025, 12, 31, 15, 0, 0)));
        assert_eq!(parse_kst("어제"), None);
        assert_eq!(
            rfc2822_as_kst("Fri, 21 Aug 2026 05:19:54 +0000").as_deref(),
            Some("2026-08-21 14:19:54")
        );
    }

    #[test]
    fn rss_fixture() {
        let p = parse_bizinfo_rss(&read(&fixture_path("bizinfo_rss_sample.xml"))).unwrap();
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.rejected.len(), 1);
        assert_eq!(p.rejected[0].index, 2);
        assert!(
            p.rejected[0].reason.contains("link"),
            "{}",
            p.rejected[0].reason
        );

        // Item 1 carries the JSON field names as elements.
        let json = real();
        let a = &p.records[0];
        let b = by_id(json, "PBLN_000000000125696");
        assert_eq!(a.source_id, b.source_id);
        assert_eq!(a.title, b.title);
        assert_eq!(a.window, b.window);
        assert_eq!(a.regions, b.regions);
        assert_eq!(a.nationwide, b.nationwide);
        assert_eq!(a.category, b.category);
        assert_eq!(a.owner_agency, b.owner_agency);
        assert_eq!(a.exec_agency, b.exec_agency);
        assert_eq!(a.summary, b.summary);
        assert_eq!(a.body_html, b.body_html);
        assert_eq!(a.attachments, b.attachments);
        assert_eq!(a.created_at, b.created_at);
        assert_eq!(a.updated_at, b.updated_at);

        // Item 2 only has plain RSS elements: id from <link>, agency from
        // <author>, created from <pubDate>.
        let a = &p.records[1];
        let b = by_id(json, "PBLN_000000000125663");
        assert_eq!(a.source_id, "PBLN_000000000125663");
        assert_eq!(a.title, b.title);
        assert_eq!(a.owner_agency, b.owner_agency);
        assert_eq!(a.exec_agency, None);
        assert_eq!(a.created_at, b.created_at);
        assert_eq!(a.window.kind, WindowKind::Dated);
        assert_eq!(a.window, b.window);
        assert!(a.body_html.contains("<p>"), "{}", a.body_html);
        assert!(!a.body_html.contains("style="));
        assert_eq!(a.summary, b.summary);
    }
}
