//! Search: one contract, two engines. `SearchIndex` is implemented by Meilisearch
//! (`meili`, production) and an embedded tantivy index (`embedded`, the default and in
//! tests). Both pass the same behaviour suite (`tests/support/search_behaviour.rs`). The database is the source of
//! truth; the index is derived, kept fresh by jobs, and rebuilt by `jiwon reindex`.

pub mod config;
pub mod embedded;
pub mod jobs;
pub mod korean;
pub mod listing;
pub mod matcher;
pub mod meili;
pub mod query;
pub mod service;
pub mod web;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::announcements::model::Phase;

/// What is indexed of an announcement. Times are Unix seconds (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SearchDoc {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Plain text of the body (and sub-program names), for matching and snippets.
    pub body: String,
    /// Names of the owning and executing agencies.
    pub agencies: Vec<String>,
    /// Ids of the owning and executing agencies (filterable).
    pub agency_ids: Vec<String>,
    pub category: Option<String>,
    pub subcategories: Vec<String>,
    pub target_types: Vec<String>,
    /// 2-digit 시도 codes ("31" = 울산). Empty with `nationwide`.
    pub regions: Vec<String>,
    /// Region names, searchable ("울산", "울산광역시", "중구").
    pub region_names: Vec<String>,
    pub nationwide: bool,
    /// published | forecast | closed
    pub status: String,
    pub window_kind: String,
    pub apply_start: Option<i64>,
    pub apply_end: Option<i64>,
    pub published_at: Option<i64>,
}

impl SearchDoc {
    /// The document with its searchable text in `korean::normalize`d form: what each
    /// engine indexes (queries get the same treatment), so 신ㆍ재생 and 신재생, ＡＩ
    /// and AI, decomposed and composed Hangul match alike.
    pub fn normalized(&self) -> SearchDoc {
        let all = |v: &[String]| v.iter().map(|s| korean::normalize(s)).collect();
        SearchDoc {
            title: korean::normalize(&self.title),
            summary: korean::normalize(&self.summary),
            body: korean::normalize(&self.body),
            agencies: all(&self.agencies),
            subcategories: all(&self.subcategories),
            region_names: all(&self.region_names),
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    /// Best match first (ties: deadline soonest).
    #[default]
    Relevance,
    /// Deadline soonest first; no deadline last.
    Deadline,
    /// Most recently published first.
    Newest,
}

/// Filters. Every `Some`/non-empty field narrows the result (AND between fields).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFilter {
    pub category: Option<String>,
    /// 2-digit 시도 code; nationwide documents match every region.
    pub region: Option<String>,
    pub agency_id: Option<String>,
    pub target: Option<String>,
    /// Allowed statuses (empty = any).
    pub statuses: Vec<String>,
    /// apply_end >= this (Unix seconds). Documents without a deadline pass unless
    /// `require_deadline`.
    pub ends_after: Option<i64>,
    /// apply_end <= this; documents without a deadline never pass.
    pub ends_before: Option<i64>,
    /// Documents in this phase at this instant (Unix seconds), by the one definition,
    /// `announcements::model::Phase`, over `status`, `apply_start` and `apply_end`.
    pub phase: Option<(Phase, i64)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    /// Free text as the person typed it (may be empty: then filters/sort only).
    pub q: String,
    pub filter: SearchFilter,
    pub sort: SearchSort,
    pub offset: usize,
    pub limit: usize,
    /// Compute facet counts (category, region, agency, target, status) over the matching
    /// documents (with all filters applied).
    pub facets: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: String,
    /// The title, HTML-escaped, with matched parts wrapped in `<mark>…</mark>`.
    pub title_html: String,
    /// A short piece of summary/body around a match, escaped, with `<mark>`s (may be empty).
    pub snippet_html: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchResults {
    /// Total matching documents (exact for the embedded engine; Meilisearch's
    /// `totalHits` with `exhaustive` counting).
    pub total: usize,
    pub hits: Vec<SearchHit>,
    /// facet name ("category", "regions", "agency_ids", "target_types", "status") →
    /// value → count. Nationwide documents count under the "nationwide" key of "regions".
    pub facets: BTreeMap<String, BTreeMap<String, usize>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The engine cannot be reached or answered with an error: retry later.
    #[error("search engine unavailable: {0}")]
    Unavailable(String),
    /// Bad configuration or a bug.
    #[error("search error: {0}")]
    Internal(String),
}

/// The contract both engines implement. Blocking: call from a blocking thread.
pub trait SearchIndex: Send + Sync {
    /// Short engine name for logs and `/healthz` ("embedded", "meilisearch").
    fn name(&self) -> &'static str;
    /// Add or replace documents (by id).
    fn upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError>;
    /// Remove documents by id (missing ids are fine).
    fn delete(&self, ids: &[String]) -> Result<(), SearchError>;
    fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError>;
    /// Number of documents in the live index.
    fn count(&self) -> Result<usize, SearchError>;
    /// Ok when the engine answers.
    fn health(&self) -> Result<(), SearchError>;
    /// Build a fresh index from `docs` and swap it in at the end; searches keep hitting
    /// the old index until then. `progress(done)` is called as documents go in.
    fn rebuild(
        &self,
        docs: &mut dyn Iterator<Item = SearchDoc>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize, SearchError>;
}
