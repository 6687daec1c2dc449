//! Search endpoints besides the listing page: CSV export, `/api/v1/search`, and
//! suggestions as you type.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::announcements::web::{run_listing, ListQuery, PER_PAGE};
use crate::error::AppResult;
use crate::web::routes::{Access, Routes};
use crate::AppState;

/// The most rows a CSV export holds.
pub const CSV_MAX_ROWS: i64 = 5000;

pub fn routes(r: &mut Routes) {
    r.get("/announcements.csv", csv_export, Access::Public)
        .get("/api/v1/search", api_search, Access::Public)
        .get("/api/v1/suggest", suggest, Access::Public);
}

fn csv_field(s: &str) -> String {
    // Spreadsheet formula injection: a leading = + - @, tab or carriage return is
    // neutralised (spreadsheets read a formula after the last two too).
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

async fn csv_export(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let mut query = query.into_inner();
    query.page = None;
    let st = state.clone();
    let listing = web::block(move || run_listing(&st, &query, CSV_MAX_ROWS, false)).await??;
    let base = state.config.base_url.trim_end_matches('/').to_string();
    let mut out =
        String::from("\u{feff}번호,제목,분야,지역,기관,접수기간,D-day,상태,대상,주소\r\n");
    for (i, c) in listing.items.iter().enumerate() {
        let row = [
            (i + 1).to_string(),
            c.title.clone(),
            c.category.clone().unwrap_or_default(),
            c.regions.clone(),
            c.agency.clone().unwrap_or_default(),
            c.window.clone(),
            c.dday.clone(),
            c.status_label.clone(),
            c.targets.join(" "),
            format!("{base}/announcements/{}", c.id),
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    let stamp = crate::clock::format_kst(state.now(), "%Y%m%d");
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"jiwon-{stamp}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header(("X-Total-Count", listing.total.to_string()))
        .body(out))
}

async fn api_search(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let st = state.clone();
    let q = query.clone();
    let listing = web::block(move || run_listing(&st, &q, PER_PAGE, true)).await??;
    let facets: serde_json::Map<String, serde_json::Value> = listing
        .facets
        .iter()
        .map(|(k, values)| {
            let m: serde_json::Map<String, serde_json::Value> = values
                .iter()
                .map(|v| {
                    (
                        v.value.clone(),
                        serde_json::json!({"label": v.label, "count": v.count}),
                    )
                })
                .collect();
            (k.to_string(), serde_json::Value::Object(m))
        })
        .collect();
    let due: serde_json::Map<String, serde_json::Value> = listing
        .due
        .iter()
        .map(|d| (d.value.clone(), serde_json::json!(d.count)))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=30"))
        .json(serde_json::json!({
            "total": listing.total,
            "page": listing.filter.page,
            "per_page": PER_PAGE,
            "degraded": listing.degraded,
            "relaxed_q": listing.relaxed_q,
            "items": listing.items,
            "facets": facets,
            "due": due,
            "notes": listing.notes,
        })))
}

#[derive(Deserialize)]
struct SuggestQuery {
    q: Option<String>,
}

/// Up to 8 titles of open announcements matching what is typed so far.
async fn suggest(
    state: web::Data<AppState>,
    query: web::Query<SuggestQuery>,
) -> AppResult<HttpResponse> {
    let q: String = query
        .q
        .clone()
        .unwrap_or_default()
        .trim()
        .chars()
        .take(50)
        .collect();
    if q.chars().count() < 2 {
        return Ok(HttpResponse::Ok().json(serde_json::json!({"suggestions": []})));
    }
    let now = state.now();
    let st = state.clone();
    let titles = web::block(move || -> AppResult<Vec<String>> {
        let filter = crate::announcements::store::ListFilter {
            q: Some(q),
            per_page: 8,
            page: 1,
            sort: crate::announcements::store::Sort::Relevance,
            ..Default::default()
        };
        let mut query = crate::search::service::to_query(&filter, now);
        query.limit = 8;
        Ok(match st.search.search(&query) {
            Ok(r) => r
                .hits
                .into_iter()
                .map(|h| strip_marks(&h.title_html))
                .collect(),
            Err(_) => Vec::new(),
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(serde_json::json!({"suggestions": titles})))
}

fn strip_marks(html: &str) -> String {
    html_escape::decode_html_entities(&html.replace("<mark>", "").replace("</mark>", ""))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=cmd", "\r=cmd"] {
            assert!(
                csv_field(cell).trim_start_matches('"').starts_with('\''),
                "{cell:?}"
            );
        }
        assert_eq!(csv_field("울산 소상공인"), "울산 소상공인");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
