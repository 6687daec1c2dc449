//! Reference data: the 8 분야 with subcategories, 17 시도 and their 시군구, and KSIC
//! (11th revision). Loaded once, right after migrations, from files compiled into the
//! binary, so a fresh database is complete without `../shared`.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{categories, ksic, regions};
use crate::db::DbConnection;
use crate::error::AppError;

const REGIONS_CSV: &str = include_str!("../../data/regions_sigungu_20240801.csv");
const KSIC_CSV: &str = include_str!("../../data/ksic11.csv");

/// The 8 분야 of 기업마당 and the subcategories seen in its data, in display order.
pub const CATEGORIES: &[(&str, &[&str])] = &[
    ("금융", &["융자", "보증", "보험(수출+무역)", "펀드/투자"]),
    (
        "기술",
        &[
            "기술사업화/이전/지도",
            "시험/인증",
            "공동기술개발",
            "단독기술개발",
            "혼합(단독+공동)",
            "기술인력/장비지원",
            "기술정보제공",
        ],
    ),
    (
        "인력",
        &[
            "고용유지",
            "고용환경개선",
            "작업환경개선",
            "국내일반인력",
            "국내전문인력",
            "교육/훈련/연수",
            "인력정보제공",
        ],
    ),
    (
        "수출",
        &[
            "해외진출",
            "해외진출준비",
            "시장개척",
            "FTA활용/대응",
            "수출정보제공",
        ],
    ),
    ("내수", &["온라인", "오프라인", "홍보지원", "공공구매"]),
    (
        "창업",
        &[
            "사업화지원",
            "예비창업자지원",
            "창업공간지원",
            "창업정보제공",
            "재기지원",
        ],
    ),
    (
        "경영",
        &[
            "디자인/상품화/사업화",
            "컨설팅",
            "시설/입지지원",
            "교육",
            "정보화지원",
        ],
    ),
    ("기타", &["제도", "동반성장"]),
];

/// Target types (지원대상) offered in forms and filters.
pub const TARGET_TYPES: &[&str] = &[
    "소상공인",
    "중소기업",
    "중견기업",
    "창업벤처",
    "예비창업자",
    "사회적기업",
    "여성기업",
    "장애인기업",
    "협동조합",
    "마을기업",
    "1인 창조기업",
];

/// 시도 short names in the government's usual order, with their 2-digit codes.
pub const SIDO: &[(&str, &str)] = &[
    ("서울", "11"),
    ("부산", "26"),
    ("대구", "27"),
    ("인천", "28"),
    ("광주", "29"),
    ("대전", "30"),
    ("울산", "31"),
    ("세종", "36"),
    ("경기", "41"),
    ("강원", "51"),
    ("충북", "43"),
    ("충남", "44"),
    ("전북", "52"),
    ("전남", "46"),
    ("경북", "47"),
    ("경남", "48"),
    ("제주", "50"),
];

pub fn sido_code(short: &str) -> Option<&'static str> {
    SIDO.iter().find(|(n, _)| *n == short).map(|(_, c)| *c)
}

pub fn sido_name(code: &str) -> Option<&'static str> {
    SIDO.iter().find(|(_, c)| *c == code).map(|(n, _)| *n)
}

/// The 시도 (short name) of a 시군구 named alone ("과천시" → "경기"), from the reference
/// region codes. Names that exist in more than one 시도 (중구, 동구, 고성군, …) answer
/// None: they say nothing on their own.
pub fn sido_of_sigungu(name: &str) -> Option<&'static str> {
    static UNIQUE: once_cell::sync::Lazy<std::collections::HashMap<String, Option<&'static str>>> =
        once_cell::sync::Lazy::new(|| {
            let mut map: std::collections::HashMap<String, Option<&'static str>> =
                std::collections::HashMap::new();
            for r in parse_regions().unwrap_or_default() {
                if r.level != "sigungu" {
                    continue;
                }
                let sido = sido_name(&r.sido_code);
                map.entry(r.name.clone())
                    .and_modify(|s| {
                        if *s != sido {
                            *s = None
                        }
                    })
                    .or_insert(sido);
            }
            map
        });
    UNIQUE.get(name.trim()).copied().flatten()
}

pub fn is_category(name: &str) -> bool {
    CATEGORIES.iter().any(|(c, _)| *c == name)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = regions)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub sido_code: String,
    pub level: String,
    pub sort_order: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = ksic)]
pub struct Ksic {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub level: i32,
    pub parent_code: Option<String>,
    pub section: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = categories)]
struct NewCategory {
    code: String,
    name: String,
    parent_code: Option<String>,
    sort_order: i32,
}

/// Load the reference tables if they are empty. Idempotent.
pub fn seed(conn: &mut DbConnection) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let have: i64 = categories::table.count().get_result(conn)?;
        if have == 0 {
            let mut rows = Vec::new();
            for (i, (name, subs)) in CATEGORIES.iter().enumerate() {
                rows.push(NewCategory {
                    code: name.to_string(),
                    name: name.to_string(),
                    parent_code: None,
                    sort_order: i as i32,
                });
                for (j, sub) in subs.iter().enumerate() {
                    rows.push(NewCategory {
                        code: format!("{name}/{sub}"),
                        name: sub.to_string(),
                        parent_code: Some(name.to_string()),
                        sort_order: j as i32,
                    });
                }
            }
            for row in &rows {
                diesel::insert_into(categories::table)
                    .values(row)
                    .execute(conn)?;
            }
        }
        let have: i64 = regions::table.count().get_result(conn)?;
        if have == 0 {
            let rows = parse_regions().map_err(AppError::Internal)?;
            for row in &rows {
                diesel::insert_into(regions::table)
                    .values(row)
                    .execute(conn)?;
            }
        }
        let have: i64 = ksic::table.count().get_result(conn)?;
        if have == 0 {
            let rows = parse_ksic().map_err(AppError::Internal)?;
            for row in &rows {
                diesel::insert_into(ksic::table).values(row).execute(conn)?;
            }
        }
        Ok(())
    })
}

fn parse_regions() -> Result<Vec<Region>, String> {
    let mut reader = csv::Reader::from_reader(REGIONS_CSV.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| format!("regions csv: {e}"))?;
        let level = rec.get(0).unwrap_or_default().to_string();
        let code = rec.get(1).unwrap_or_default().to_string();
        let sido_code = rec.get(3).unwrap_or_default().to_string();
        let sido = rec.get(4).unwrap_or_default().to_string();
        let sigungu = rec.get(5).unwrap_or_default().to_string();
        let (name, short_name) = if level == "sido" {
            let short = sido_name(&sido_code).unwrap_or(&sido).to_string();
            (sido.clone(), short)
        } else {
            (sigungu.clone(), sigungu.clone())
        };
        let sort_order = SIDO
            .iter()
            .position(|(_, c)| *c == sido_code)
            .map(|p| p as i32 * 1000)
            .unwrap_or(99_000)
            + i as i32;
        out.push(Region {
            code,
            name,
            short_name,
            sido_code,
            level,
            sort_order,
        });
    }
    Ok(out)
}

fn parse_ksic() -> Result<Vec<Ksic>, String> {
    let mut reader = csv::Reader::from_reader(KSIC_CSV.as_bytes());
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| format!("ksic csv: {e}"))?;
        let level: i32 = rec
            .get(0)
            .unwrap_or("0")
            .parse()
            .map_err(|_| "ksic level".to_string())?;
        let parent = rec.get(4).unwrap_or_default();
        out.push(Ksic {
            code: rec.get(2).unwrap_or_default().to_string(),
            name: rec.get(3).unwrap_or_default().to_string(),
            name_en: rec.get(6).unwrap_or_default().to_string(),
            level,
            parent_code: if parent.is_empty() {
                None
            } else {
                Some(parent.to_string())
            },
            section: rec.get(5).unwrap_or_default().to_string(),
        });
    }
    Ok(out)
}

/// 시도 rows (17), in display order.
pub fn list_sido(conn: &mut DbConnection) -> Result<Vec<Region>, AppError> {
    Ok(regions::table
        .filter(regions::level.eq("sido"))
        .order(regions::sort_order.asc())
        .select(Region::as_select())
        .load(conn)?)
}

/// 시군구 rows, in display order (grouped by 시도).
pub fn list_sigungu(conn: &mut DbConnection) -> Result<Vec<Region>, AppError> {
    Ok(regions::table
        .filter(regions::level.eq("sigungu"))
        .order(regions::sort_order.asc())
        .select(Region::as_select())
        .load(conn)?)
}

pub fn find_region(conn: &mut DbConnection, code: &str) -> Result<Option<Region>, AppError> {
    Ok(regions::table
        .find(code)
        .select(Region::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_ksic(conn: &mut DbConnection, code: &str) -> Result<Option<Ksic>, AppError> {
    Ok(ksic::table
        .find(code)
        .select(Ksic::as_select())
        .first(conn)
        .optional()?)
}

/// KSIC entries whose name contains `words` ("한식", "미용", "편의점"), the most
/// specific (5-digit 세세분류) first, then by code; at most `limit`. For the profile's
/// "industry by name".
pub fn search_ksic(
    conn: &mut DbConnection,
    words: &str,
    limit: i64,
) -> Result<Vec<Ksic>, AppError> {
    let words: Vec<String> = words
        .split_whitespace()
        .take(4)
        .map(|w| {
            let escaped = w
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        })
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = ksic::table.into_boxed();
    for w in &words {
        q = q.filter(ksic::name.like(w.clone()).escape('\\'));
    }
    Ok(q.order((ksic::level.desc(), ksic::code.asc()))
        .limit(limit)
        .select(Ksic::as_select())
        .load(conn)?)
}

/// Counts, for `/healthz` and tests.
pub fn counts(conn: &mut DbConnection) -> Result<(i64, i64, i64), AppError> {
    Ok((
        categories::table.count().get_result(conn)?,
        regions::table.count().get_result(conn)?,
        ksic::table.count().get_result(conn)?,
    ))
}
