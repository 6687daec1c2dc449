//! The finding pages: the listing (`/announcements`, filters and facets), its CSV export,
//! `/api/v1/search`, and suggestions as you type.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::listing::{run_listing, zero_result_help};
use crate::accounts::page;
use crate::accounts::CurrentUser;
use crate::announcements::query::{ListQuery, PER_PAGE};
use crate::announcements::store::Sort;
use crate::announcements::view::filter_options;
use crate::error::AppResult;
use crate::web::render_public;
use crate::web::routes::{Access, Routes};
use crate::AppState;

/// The most rows a CSV export holds.
pub const CSV_MAX_ROWS: i64 = 5000;

pub fn routes(r: &mut Routes) {
    r.get("/announcements", listing, Access::Public)
        .get("/announcements.csv", csv_export, Access::Public)
        .get("/api/v1/search", api_search, Access::Public)
        .get("/api/v1/suggest", suggest, Access::Public);
}

async fn listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Option<CurrentUser>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    if let Some(hit) = crate::web::cached_public(&state, &req, user.is_some()) {
        return Ok(hit);
    }
    let query = query.into_inner();
    let st = state.clone();
    let q2 = query.clone();
    let (listing, help) = web::block(move || {
        let listing = run_listing(&st, &q2, PER_PAGE, true)?;
        let help = (listing.total == 0).then(|| zero_result_help(&st, &q2, &listing.filter));
        AppResult::Ok((listing, help))
    })
    .await??;
    let filter = &listing.filter;
    let pages = ((listing.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let mut ctx = page(user.as_ref(), None);
    filter_options(&mut ctx);
    ctx.insert("items", &listing.items);
    ctx.insert("total", &listing.total);
    ctx.insert("page", &filter.page);
    ctx.insert("pages", &pages);
    ctx.insert("query", &query);
    ctx.insert("status", filter.status.as_str());
    ctx.insert(
        "sort",
        match filter.sort {
            Sort::Newest => "newest",
            Sort::Relevance => "relevance",
            Sort::Deadline => "deadline",
        },
    );
    ctx.insert("due", &filter.due_days);
    ctx.insert("notes", &listing.notes);
    ctx.insert("agency", &listing.agency);
    let chips = super::listing::active_chips(&query, filter, listing.agency.as_ref());
    ctx.insert("chips", &chips);
    let groups: Vec<serde_json::Value> = [
        ("category", "분야"),
        ("region", "지역"),
        ("target", "대상"),
        ("agency", "기관"),
        ("status", "상태"),
    ]
    .iter()
    .filter_map(|(k, label)| {
        listing
            .facets
            .get(k)
            .filter(|v| !v.is_empty())
            .map(|v| serde_json::json!({"label": label, "values": v}))
    })
    .collect();
    ctx.insert("facets", &groups);
    ctx.insert("due_facets", &listing.due);
    ctx.insert("degraded", &listing.degraded);
    ctx.insert("relaxed_q", &listing.relaxed_q);
    if let Some((spelling, loosen)) = help {
        ctx.insert("spelling", &spelling);
        ctx.insert("loosen", &loosen);
    }
    if filter.page > 1 {
        ctx.insert(
            "prev_link",
            &format!("/announcements?{}", query.with_page(filter.page - 1)),
        );
    }
    if filter.page < pages {
        ctx.insert(
            "next_link",
            &format!("/announcements?{}", query.with_page(filter.page + 1)),
        );
    }
    ctx.insert(
        "csv_link",
        &format!("/announcements.csv?{}", query.with_page(1)),
    );
    ctx.insert("csv_hint", &query.with_page(1));
    ctx.insert("alert_link", &format!("/alerts/new?{}", query.with_page(1)));
    render_public(
        &state,
        &req,
        user.is_some(),
        "announcements/list.html",
        &ctx,
    )
}

pub(crate) fn csv_field(s: &str) -> String {
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
