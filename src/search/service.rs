//! The app's side of search: which engine, what a document is made of, index jobs,
//! reindexing, and answering the listing — with a database fallback when the engine is
//! down (degraded mode).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{
    SearchDoc, SearchFilter, SearchHit, SearchIndex, SearchQuery, SearchResults, SearchSort,
};
use crate::announcements::jobs::IndexAnnouncement;
use crate::announcements::model::{Announcement, Phase};
use crate::announcements::store::{self, ListFilter, Sort};
use crate::config::Config;
use crate::db::schema::announcements;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::jobs::JobKind;
use crate::text::html_to_text;
use crate::AppState;

/// Meilisearch when configured, else the embedded index under `search_dir`.
pub fn open_engine(config: &Config) -> AppResult<Arc<dyn SearchIndex>> {
    let settings =
        super::config::SearchConfig::load().map_err(|e| AppError::Config(e.to_string()))?;
    match &config.meili_url {
        Some(url) => {
            let engine = super::meili::MeiliIndex::new(
                url,
                config.meili_key.as_deref(),
                &config.meili_index,
                settings,
            )
            .map_err(|e| AppError::Config(format!("Meilisearch: {e}")))?;
            Ok(Arc::new(engine))
        }
        None => {
            let engine = super::embedded::EmbeddedIndex::open(&config.search_dir, settings)
                .map_err(|e| {
                    AppError::Config(format!(
                        "search index at {}: {e}",
                        config.search_dir.display()
                    ))
                })?;
            Ok(Arc::new(engine))
        }
    }
}

fn ts(t: Option<NaiveDateTime>) -> Option<i64> {
    t.map(|t| t.and_utc().timestamp())
}

/// The search document of an announcement.
pub fn doc_for(conn: &mut DbConnection, a: &Announcement) -> AppResult<SearchDoc> {
    let ids: Vec<String> = a
        .public_owner_id()
        .into_iter()
        .chain(a.exec_agency_id.iter())
        .cloned()
        .collect();
    let agencies = store::agencies_by_id(conn, &ids)?;
    let regions = store::regions_of(conn, &a.id)?;
    let mut sido: Vec<String> = regions.iter().map(|r| r.sido_code.clone()).collect();
    sido.dedup();
    let mut region_names = Vec::new();
    for r in &regions {
        if let Some(short) = crate::reference::sido_name(&r.sido_code) {
            if !region_names.iter().any(|n| n == short) {
                region_names.push(short.to_string());
            }
        }
        region_names.push(r.name.clone());
    }
    let mut body = html_to_text(&a.body_html);
    for s in store::sub_programs_of(conn, &a.id)? {
        body.push(' ');
        body.push_str(&s.name);
    }
    Ok(SearchDoc {
        id: a.id.clone(),
        title: a.title.clone(),
        summary: a.summary.clone(),
        body: body.chars().take(6000).collect(),
        agencies: ids
            .iter()
            .filter_map(|i| agencies.get(i).map(|x| x.name.clone()))
            .collect(),
        agency_ids: ids,
        category: a.category.clone(),
        subcategories: a.subcategory_list(),
        target_types: a.target_list(),
        regions: sido,
        region_names,
        nationwide: a.nationwide,
        status: a.status.clone(),
        window_kind: a.window_kind.clone(),
        apply_start: ts(a.apply_start),
        apply_end: ts(a.apply_end),
        published_at: ts(a.published_at),
    })
}

fn searchable(a: &Announcement) -> bool {
    matches!(a.status.as_str(), "published" | "forecast" | "closed")
}

/// The index job: bring the index in line with the rows (public → upsert, else delete).
/// An engine that is down makes the job fail, and it is retried with backoff.
pub fn index_ids(
    pool: &crate::db::Pool,
    search: &dyn SearchIndex,
    ids: &[String],
) -> AppResult<()> {
    let mut conn = pool.get()?;
    let mut docs = Vec::new();
    let mut gone = Vec::new();
    for id in ids {
        match store::find(&mut conn, id)? {
            Some(a) if searchable(&a) => docs.push(doc_for(&mut conn, &a)?),
            _ => gone.push(id.clone()),
        }
    }
    drop(conn);
    if !docs.is_empty() {
        search
            .upsert(&docs)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    if !gone.is_empty() {
        search
            .delete(&gone)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// Rebuild the whole index from the database into a fresh index and swap it in.
/// Index jobs queued before the rebuild started are settled by it.
pub fn reindex(state: &AppState, progress: &mut dyn FnMut(usize)) -> AppResult<usize> {
    let mut conn = state.conn()?;
    // Index jobs queued before this point are covered by the rows read below. Job ids are
    // UUID v7, ordered by creation time, so the newest id is the fence.
    let fence = crate::jobs::newest_id(&mut conn, IndexAnnouncement::KIND)?;
    let ids: Vec<String> = announcements::table
        .filter(
            announcements::status.eq_any(
                [
                    crate::announcements::model::Status::Published,
                    crate::announcements::model::Status::Forecast,
                    crate::announcements::model::Status::Closed,
                ]
                .map(|s| s.as_str()),
            ),
        )
        .order(announcements::id.asc())
        .select(announcements::id)
        .load(&mut conn)?;
    let mut docs = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<Announcement> = announcements::table
            .filter(announcements::id.eq_any(chunk))
            .select(Announcement::as_select())
            .load(&mut conn)?;
        for a in &rows {
            docs.push(doc_for(&mut conn, a)?);
        }
    }
    let n = state
        .search
        .rebuild(&mut docs.into_iter(), progress)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(fence) = fence else { return Ok(n) };
    crate::jobs::settle_queued(&mut conn, IndexAnnouncement::KIND, &fence, state.now())?;
    Ok(n)
}

/// A page of results for the listing, the API and CSV export.
#[derive(Debug, Default)]
pub struct Found {
    pub rows: Vec<Announcement>,
    pub total: i64,
    pub hits: HashMap<String, SearchHit>,
    pub facets: Option<SearchResults>,
    /// (days, count) of deadlines within 7/30/90 days, under the other filters.
    pub due_counts: Vec<(i64, usize)>,
    /// (phase, count) for 접수 중 / 접수 예정 / 마감 under the other filters.
    pub phase_counts: Vec<(Phase, usize)>,
    /// The engine could not answer; these results come from the database filters.
    pub degraded: bool,
    /// Nothing matched every word, so these results match this shorter query (the
    /// words from the end dropped, as Meilisearch's "last" matching strategy does).
    pub relaxed_q: Option<String>,
}

pub fn to_query(f: &ListFilter, now: NaiveDateTime) -> SearchQuery {
    let now_ts = now.and_utc().timestamp();
    let mut filter = SearchFilter {
        category: f.category.clone(),
        region: f.region.clone(),
        agency_id: f.agency.clone(),
        target: f.target.clone(),
        ..Default::default()
    };
    match f.status.phase() {
        Some(phase) => filter.phase = Some((phase, now_ts)),
        None => filter.statuses = vec!["published".into(), "forecast".into(), "closed".into()],
    }
    if let Some(days) = f.due_days {
        filter.ends_after = Some(now_ts);
        filter.ends_before = Some((now + Duration::days(days)).and_utc().timestamp());
    }
    let per_page = f.per_page.clamp(1, 5000) as usize;
    SearchQuery {
        q: f.q.clone().unwrap_or_default(),
        filter,
        sort: match f.sort {
            Sort::Relevance => SearchSort::Relevance,
            Sort::Deadline => SearchSort::Deadline,
            Sort::Newest => SearchSort::Newest,
        },
        offset: (f.page.max(1) as usize - 1) * per_page,
        limit: per_page,
        facets: false,
    }
}

/// Engines answer at most `PAGE_CAP` hits per request; longer lists (CSV export) are
/// fetched page by page.
const PAGE_CAP: usize = 1000;

fn search_paged(
    engine: &dyn SearchIndex,
    query: &SearchQuery,
) -> Result<SearchResults, super::SearchError> {
    if query.limit <= PAGE_CAP {
        return engine.search(query);
    }
    let mut first = query.clone();
    first.limit = PAGE_CAP;
    let mut results = engine.search(&first)?;
    let wanted = query.limit.min(results.total.saturating_sub(query.offset));
    while results.hits.len() < wanted {
        let mut next = query.clone();
        next.facets = false;
        next.offset = query.offset + results.hits.len();
        next.limit = PAGE_CAP.min(wanted - results.hits.len());
        let more = engine.search(&next)?;
        if more.hits.is_empty() {
            break;
        }
        results.hits.extend(more.hits);
    }
    Ok(results)
}

/// Answer a listing: through the search engine, or from the database when the engine
/// is unreachable (then `degraded`).
pub fn find(
    state: &AppState,
    f: &ListFilter,
    with_facets: bool,
    now: NaiveDateTime,
) -> AppResult<Found> {
    let mut query = to_query(f, now);
    query.facets = with_facets;
    let mut relaxed_q = None;
    let mut outcome = search_paged(state.search.as_ref(), &query);
    if let Ok(r) = &outcome {
        let words: Vec<&str> = query.q.split_whitespace().collect();
        if r.total == 0 && words.len() >= 2 {
            for keep in (1..words.len()).rev() {
                let mut shorter = query.clone();
                shorter.q = words[..keep].join(" ");
                match search_paged(state.search.as_ref(), &shorter) {
                    Ok(r2) if r2.total > 0 => {
                        relaxed_q = Some(shorter.q.clone());
                        query = shorter;
                        outcome = Ok(r2);
                        break;
                    }
                    _ => {}
                }
            }
        }
    }
    match outcome {
        Ok(results) => {
            let ids: Vec<String> = results.hits.iter().map(|h| h.id.clone()).collect();
            let mut conn = state.conn()?;
            let mut rows: Vec<Announcement> = Vec::new();
            for chunk in ids.chunks(500) {
                rows.extend(
                    announcements::table
                        .filter(announcements::id.eq_any(chunk))
                        .select(Announcement::as_select())
                        .load::<Announcement>(&mut conn)?,
                );
            }
            let order: HashMap<&str, usize> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i))
                .collect();
            rows.sort_by_key(|a| order.get(a.id.as_str()).copied().unwrap_or(usize::MAX));
            let mut due_counts = Vec::new();
            let mut phase_counts = Vec::new();
            if with_facets {
                for days in [7, 30, 90] {
                    let mut q = query.clone();
                    q.facets = false;
                    q.limit = 0;
                    q.offset = 0;
                    let now_ts = now.and_utc().timestamp();
                    q.filter.ends_after = Some(now_ts);
                    q.filter.ends_before = Some((now + Duration::days(days)).and_utc().timestamp());
                    if let Ok(r) = state.search.search(&q) {
                        due_counts.push((days, r.total));
                    }
                }
                for phase in [Phase::Open, Phase::Upcoming, Phase::Closed] {
                    let mut q = query.clone();
                    q.facets = false;
                    q.limit = 0;
                    q.offset = 0;
                    q.filter.statuses.clear();
                    q.filter.phase = Some((phase, now.and_utc().timestamp()));
                    if let Ok(r) = state.search.search(&q) {
                        phase_counts.push((phase, r.total));
                    }
                }
            }
            let total = results.total as i64;
            let hits = results
                .hits
                .iter()
                .map(|h| (h.id.clone(), h.clone()))
                .collect();
            Ok(Found {
                rows,
                total,
                hits,
                facets: if with_facets { Some(results) } else { None },
                due_counts,
                phase_counts,
                degraded: false,
                relaxed_q,
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, "search engine unavailable; falling back to database filters");
            let mut conn = state.conn()?;
            let mut db_filter = f.clone();
            if db_filter.sort == Sort::Relevance {
                db_filter.sort = Sort::Deadline;
            }
            let (rows, total) = store::list(&mut conn, &db_filter, now)?;
            Ok(Found {
                rows,
                total,
                degraded: true,
                ..Default::default()
            })
        }
    }
}
