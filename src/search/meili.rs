//! The Meilisearch engine, through `meilisearch-sdk`.
//!
//! # Blocking over an async SDK
//! `SearchIndex` is blocking; the SDK is async. `MeiliIndex` owns a small current-thread
//! tokio runtime that runs on its own thread ("jiwon-meili"). Every call builds an owned
//! future, spawns it there and waits for the answer on a channel, with a deadline. Because
//! the caller never calls `block_on` itself, calling from inside another runtime cannot
//! panic ("Cannot start a runtime from within a runtime") — but it does block that thread
//! until Meilisearch answers, so async code must still go through `spawn_blocking` /
//! `web::block`, as for every `SearchIndex`. Many threads may call at once: their requests
//! run concurrently on the runtime's thread.
//!
//! # Documents
//! Stored as `SearchDoc` with the optional numbers (`apply_end`, …) *omitted* when unset,
//! so `apply_end NOT EXISTS` selects documents without a deadline, and sorting on
//! `apply_end:asc` puts them last (Meilisearch sorts documents missing the field last).
//!
//! # Queries
//! The text is read as the embedded engine reads it (`normalize_query`: trailing particles
//! stripped, stop words dropped) and every remaining word must match
//! (`matchingStrategy: all`). Filters become one filter expression (`filter_expression`).
//! Document ids must be valid Meilisearch ids (`[A-Za-z0-9_-]`, at most 511 bytes).
//!
//! # Totals
//! Searches use Meilisearch's finite pagination (`page`/`hitsPerPage`), which makes
//! `totalHits` exhaustive (bounded by the index's `pagination.maxTotalHits`). An offset that
//! is not a multiple of the limit is served as page 1 of `offset + limit` hits, cut here.
//!
//! # Settings
//! `SearchConfig.raw` (Meilisearch's own settings format) is sent as is with
//! `PATCH /indexes/{uid}/settings` through the SDK's HTTP client: the SDK's typed
//! `Settings` would silently drop keys it does not know (e.g. `facetSearch`,
//! `prefixSearch`).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use meilisearch_sdk::client::{Client, SwapIndexes};
use meilisearch_sdk::errors::{Error as MeiliError, ErrorCode, ErrorType};
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::request::{HttpClient, Method};
use meilisearch_sdk::reqwest::ReqwestClient;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use serde::{Deserialize, Serialize};

use super::config::SearchConfig;
use super::korean::strip_particle;
use super::{
    Phase, SearchDoc, SearchError, SearchFilter, SearchHit, SearchIndex, SearchQuery,
    SearchResults, SearchSort,
};

/// One HTTP call (search, stats, health, enqueueing a task).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// An upsert or delete, until its task has been processed.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// Creating an index / applying settings (may re-index the whole index).
const SETTINGS_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// One batch of a rebuild, until processed.
const BATCH_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Documents per request during a rebuild.
const REBUILD_BATCH: usize = 10_000;
/// Words kept around a match in snippets.
const CROP_WORDS: usize = 30;

/// Highlight sentinels: Meilisearch does not HTML-escape `_formatted`, so matches are
/// wrapped in these private-use characters, the text is escaped, then they become
/// `<mark>`/`</mark>`. They are stripped from documents before indexing.
const PRE: char = '\u{E000}';
const POST: char = '\u{E001}';
const PRE_TAG: &str = "\u{E000}";
const POST_TAG: &str = "\u{E001}";

/// Facets asked of Meilisearch (`nationwide` is folded into "regions").
const FACETS: &[&str] = &[
    "category",
    "regions",
    "nationwide",
    "agency_ids",
    "target_types",
    "status",
];

/// `SearchIndex` over a Meilisearch index.
pub struct MeiliIndex {
    client: Client,
    /// The SDK's HTTP client, for the raw settings PATCH.
    http: ReqwestClient,
    host: String,
    uid: String,
    config: SearchConfig,
    driver: Driver,
    /// The live index exists and has our settings.
    ready: AtomicBool,
    ensure_lock: Mutex<()>,
    /// The settings rank `sort` before the relevance rules (see `sort_of`).
    sort_rule_first: bool,
}

impl std::fmt::Debug for MeiliIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeiliIndex")
            .field("host", &self.host)
            .field("uid", &self.uid)
            .finish()
    }
}

/// What is sent to Meilisearch: the `SearchDoc`, unset numbers omitted.
#[derive(Serialize)]
struct MeiliDoc {
    id: String,
    title: String,
    summary: String,
    body: String,
    agencies: Vec<String>,
    agency_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    subcategories: Vec<String>,
    target_types: Vec<String>,
    regions: Vec<String>,
    region_names: Vec<String>,
    nationwide: bool,
    status: String,
    window_kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    apply_start: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    apply_end: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_at: Option<i64>,
}

fn clean(s: &str) -> String {
    s.chars().filter(|c| *c != PRE && *c != POST).collect()
}

fn clean_all(v: &[String]) -> Vec<String> {
    v.iter().map(|s| clean(s)).collect()
}

impl From<&SearchDoc> for MeiliDoc {
    fn from(d: &SearchDoc) -> Self {
        let d = &d.normalized();
        MeiliDoc {
            id: d.id.clone(),
            title: clean(&d.title),
            summary: clean(&d.summary),
            body: clean(&d.body),
            agencies: clean_all(&d.agencies),
            agency_ids: d.agency_ids.clone(),
            category: d.category.clone(),
            subcategories: clean_all(&d.subcategories),
            target_types: d.target_types.clone(),
            regions: d.regions.clone(),
            region_names: clean_all(&d.region_names),
            nationwide: d.nationwide,
            status: d.status.clone(),
            window_kind: d.window_kind.clone(),
            apply_start: d.apply_start,
            apply_end: d.apply_end,
            published_at: d.published_at,
        }
    }
}

/// What a hit brings back (the rest is in `_formatted`).
#[derive(Deserialize)]
struct HitId {
    id: String,
}

impl MeiliIndex {
    /// A client for `index_uid` at `url`. Tries to create the index and apply the settings
    /// right away; if Meilisearch cannot be reached that is retried before the next
    /// operation (the app starts, and searches fall back, while it is down). Bad settings or
    /// a rejected key are reported here.
    pub fn new(
        url: &str,
        api_key: Option<&str>,
        index_uid: &str,
        config: SearchConfig,
    ) -> Result<Self, SearchError> {
        let host = url.trim_end_matches('/').to_string();
        if host.is_empty() {
            return Err(SearchError::Internal("empty Meilisearch URL".into()));
        }
        let api_key = api_key.filter(|k| !k.is_empty());
        let client = Client::new(host.clone(), api_key).map_err(map_err)?;
        let http = ReqwestClient::new(api_key).map_err(map_err)?;
        let first = sort_rule_first(&config.raw);
        let engine = MeiliIndex {
            client,
            http,
            host,
            uid: index_uid.to_string(),
            config,
            driver: Driver::start()?,
            ready: AtomicBool::new(false),
            ensure_lock: Mutex::new(()),
            sort_rule_first: first,
        };
        match engine.ensure() {
            Ok(()) => {}
            Err(SearchError::Unavailable(e)) => {
                tracing::warn!("Meilisearch at {} is not available yet: {e}", engine.host);
            }
            Err(e) => return Err(e),
        }
        Ok(engine)
    }

    /// The live index's uid.
    pub fn index_uid(&self) -> &str {
        &self.uid
    }

    /// Create the live index (primary key "id") if missing and apply the settings; waits
    /// for both tasks. Done once per process (again after a failure).
    pub fn ensure(&self) -> Result<(), SearchError> {
        if self.ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let _guard = self.ensure_lock.lock().unwrap_or_else(|e| e.into_inner());
        if self.ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let (client, http, host, uid, settings) = self.parts(&self.uid);
        self.driver.run(SETTINGS_TIMEOUT, async move {
            create_index(&client, &uid).await?;
            apply_settings(&client, &http, &host, &uid, settings).await
        })?;
        self.ready.store(true, Ordering::Release);
        Ok(())
    }

    fn parts(&self, uid: &str) -> (Client, ReqwestClient, String, String, serde_json::Value) {
        (
            self.client.clone(),
            self.http.clone(),
            self.host.clone(),
            uid.to_string(),
            self.config.raw.clone(),
        )
    }

    fn index(&self) -> Index {
        self.client.index(self.uid.clone())
    }
}

// ---------------------------------------------------------------------------------------
// The runtime thread

struct Shutdown {
    done: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

/// Resolves once `Shutdown::done` is set.
struct ShutdownSignal(Arc<Shutdown>);

impl Future for ShutdownSignal {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.done.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        *self.0.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        if self.0.done.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// A current-thread runtime driven by a dedicated thread until dropped.
struct Driver {
    handle: tokio::runtime::Handle,
    shutdown: Arc<Shutdown>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Driver {
    fn start() -> Result<Self, SearchError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SearchError::Internal(format!("tokio runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let shutdown = Arc::new(Shutdown {
            done: AtomicBool::new(false),
            waker: Mutex::new(None),
        });
        let signal = ShutdownSignal(shutdown.clone());
        let thread = std::thread::Builder::new()
            .name("jiwon-meili".into())
            .spawn(move || runtime.block_on(signal))
            .map_err(|e| SearchError::Internal(format!("Meilisearch client thread: {e}")))?;
        Ok(Driver {
            handle,
            shutdown,
            thread: Some(thread),
        })
    }

    /// Run `fut` on the runtime thread and wait for it, `timeout` at most.
    fn run<T, F>(&self, timeout: Duration, fut: F) -> Result<T, SearchError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, SearchError>> + Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let out = match tokio::time::timeout(timeout, fut).await {
                Ok(out) => out,
                Err(_) => Err(SearchError::Unavailable(format!(
                    "Meilisearch did not answer within {timeout:?}"
                ))),
            };
            let _ = tx.send(out);
        });
        match rx.recv_timeout(timeout + Duration::from_secs(5)) {
            Ok(out) => out,
            Err(_) => Err(SearchError::Unavailable(format!(
                "Meilisearch did not answer within {timeout:?}"
            ))),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.shutdown.done.store(true, Ordering::Release);
        if let Some(w) = self
            .shutdown
            .waker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            w.wake();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------------
// Errors and tasks

fn map_err(e: MeiliError) -> SearchError {
    match e {
        MeiliError::HttpError(e) => SearchError::Unavailable(e.to_string()),
        MeiliError::MeilisearchCommunication(e) => SearchError::Unavailable(e.to_string()),
        MeiliError::Timeout => {
            SearchError::Unavailable("a Meilisearch task did not finish in time".into())
        }
        MeiliError::Meilisearch(e) => match e.error_type {
            ErrorType::Internal => SearchError::Unavailable(e.to_string()),
            _ => SearchError::Internal(e.to_string()),
        },
        other => SearchError::Internal(other.to_string()),
    }
}

/// One HTTP call, `REQUEST_TIMEOUT` at most (the SDK's client sets none).
async fn timed<T>(fut: impl Future<Output = T>) -> Result<T, SearchError> {
    tokio::time::timeout(REQUEST_TIMEOUT, fut)
        .await
        .map_err(|_| {
            SearchError::Unavailable(format!(
                "Meilisearch did not answer within {REQUEST_TIMEOUT:?}"
            ))
        })
}

/// One HTTP call through the SDK, errors mapped.
async fn req<T>(fut: impl Future<Output = Result<T, MeiliError>>) -> Result<T, SearchError> {
    timed(fut).await?.map_err(map_err)
}

fn is_code(e: &MeiliError, code: ErrorCode) -> bool {
    matches!(e, MeiliError::Meilisearch(m) if m.error_code == code)
}

/// Wait for a task; a failed task is an error (its own message).
async fn wait(client: &Client, task: TaskInfo, timeout: Duration) -> Result<(), SearchError> {
    wait_allowing(client, task, timeout, None).await
}

/// Wait for a task that may fail with `ok_code` (e.g. index already exists).
async fn wait_allowing(
    client: &Client,
    task: TaskInfo,
    timeout: Duration,
    ok_code: Option<ErrorCode>,
) -> Result<(), SearchError> {
    match client
        .wait_for_task(task, Some(Duration::from_millis(25)), Some(timeout))
        .await
    {
        Ok(Task::Succeeded { .. }) => Ok(()),
        Ok(t @ Task::Failed { .. }) => {
            let err = t.unwrap_failure();
            if ok_code.as_ref() == Some(&err.error_code) {
                Ok(())
            } else {
                Err(map_err(MeiliError::Meilisearch(err)))
            }
        }
        Ok(_) => Err(SearchError::Unavailable(
            "a Meilisearch task did not finish in time".into(),
        )),
        Err(e) => Err(map_err(e)),
    }
}

async fn create_index(client: &Client, uid: &str) -> Result<(), SearchError> {
    match timed(client.get_raw_index(uid)).await? {
        Ok(_) => return Ok(()),
        Err(e) if is_code(&e, ErrorCode::IndexNotFound) => {}
        Err(e) => return Err(map_err(e)),
    }
    let task = req(client.create_index(uid, Some("id"))).await?;
    wait_allowing(
        client,
        task,
        SETTINGS_TIMEOUT,
        Some(ErrorCode::IndexAlreadyExists),
    )
    .await
}

async fn delete_index(client: &Client, uid: &str) -> Result<(), SearchError> {
    let task = req(client.delete_index(uid)).await?;
    wait_allowing(
        client,
        task,
        SETTINGS_TIMEOUT,
        Some(ErrorCode::IndexNotFound),
    )
    .await
}

/// `PATCH /indexes/{uid}/settings` with the raw settings (what `Index::set_settings`
/// does, minus the typed struct).
async fn apply_settings(
    client: &Client,
    http: &ReqwestClient,
    host: &str,
    uid: &str,
    settings: serde_json::Value,
) -> Result<(), SearchError> {
    if settings.as_object().is_none_or(|o| o.is_empty()) {
        return Ok(());
    }
    let task: TaskInfo = req(http.request::<(), serde_json::Value, TaskInfo>(
        &format!("{host}/indexes/{uid}/settings"),
        Method::Patch {
            query: (),
            body: settings,
        },
        202,
    ))
    .await?;
    wait(client, task, SETTINGS_TIMEOUT).await
}

// ---------------------------------------------------------------------------------------
// Query translation

/// A quoted filter string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The Meilisearch filter expression of `f` (None: no filter).
pub fn filter_expression(f: &SearchFilter) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(c) = &f.category {
        parts.push(format!("category = {}", quote(c)));
    }
    if let Some(r) = &f.region {
        parts.push(format!("(regions = {} OR nationwide = true)", quote(r)));
    }
    if let Some(a) = &f.agency_id {
        parts.push(format!("agency_ids = {}", quote(a)));
    }
    if let Some(t) = &f.target {
        parts.push(format!("target_types = {}", quote(t)));
    }
    if !f.statuses.is_empty() {
        let list: Vec<String> = f.statuses.iter().map(|s| quote(s)).collect();
        parts.push(format!("status IN [{}]", list.join(", ")));
    }
    if let Some(t) = f.ends_after {
        parts.push(format!(
            "(apply_end >= {t} OR apply_end NOT EXISTS OR apply_end IS NULL)"
        ));
    }
    if let Some(t) = f.ends_before {
        parts.push(format!("apply_end <= {t}"));
    }
    if let Some((phase, t)) = f.phase {
        parts.push(phase_expression(phase, t));
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" AND "))
    }
}

/// `Phase` as a filter: the one definition over `status`, `apply_start`, `apply_end`.
fn phase_expression(phase: Phase, t: i64) -> String {
    let no_start = "apply_start NOT EXISTS OR apply_start IS NULL";
    let no_end = "apply_end NOT EXISTS OR apply_end IS NULL";
    match phase {
        Phase::Open => format!(
            "(status = \"published\" AND (apply_start <= {t} OR {no_start}) AND (apply_end >= {t} OR {no_end}))"
        ),
        Phase::Upcoming => {
            format!("(status = \"forecast\" OR (status = \"published\" AND apply_start > {t}))")
        }
        Phase::Closed => {
            format!("(status = \"closed\" OR (status = \"published\" AND apply_end < {t}))")
        }
        Phase::Hidden => "status = \"draft\"".into(),
    }
}

/// The text query as sent to Meilisearch, read as the embedded engine reads it: trailing
/// particles are stripped from each word (`소상공인의` → `소상공인`, with the embedded
/// engine's own rule) and stop words are dropped unless nothing else is left. Meilisearch
/// cannot do either well itself: its Korean segmenter cuts a lone `소상공인의` as
/// `소 상공 인의`, and a stop word that ends the query is kept as a prefix that every hit must
/// then match (none can: stop words are not indexed). Phrase searches (with `"`) are sent
/// as typed.
fn normalize_query(q: &str, stop_words: &[String]) -> String {
    let q = q.trim();
    if q.contains('"') {
        return q.to_string();
    }
    let words: Vec<&str> = q
        .split_whitespace()
        .map(|w| {
            if w.starts_with('-') {
                w
            } else {
                strip_particle(w)
            }
        })
        .filter(|w| !w.is_empty())
        .collect();
    let is_stop = |w: &&str| {
        stop_words
            .iter()
            .any(|s| s.to_lowercase() == w.to_lowercase())
    };
    let content: Vec<&str> = words.iter().copied().filter(|w| !is_stop(w)).collect();
    if content.is_empty() {
        words.join(" ")
    } else {
        content.join(" ")
    }
}

/// Whether `rankingRules` puts `sort` before `words` (Meilisearch's default order does not).
fn sort_rule_first(settings: &serde_json::Value) -> bool {
    let rules: Vec<&str> = settings
        .get("rankingRules")
        .and_then(|r| r.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let pos = |name: &str| rules.iter().position(|r| *r == name);
    matches!((pos("sort"), pos("words")), (Some(s), Some(w)) if s < w)
}

/// The `sort` parameter of a search. For `Relevance` it is the tie-break by deadline when
/// the settings rank the `sort` rule after the relevance rules (it then only orders equally
/// relevant hits); when `sort` comes first, a plain relevance search sends none (ties are
/// then left to the settings, e.g. a final `apply_end:asc` ranking rule).
fn sort_of(s: SearchSort, sort_rule_first: bool) -> &'static [&'static str] {
    match s {
        SearchSort::Relevance if sort_rule_first => &[],
        SearchSort::Relevance => &["apply_end:asc"],
        SearchSort::Deadline => &["apply_end:asc", "published_at:desc"],
        SearchSort::Newest => &["published_at:desc"],
    }
}

/// Meilisearch's facet distribution in our keys: `nationwide` → "regions"."nationwide".
fn map_facets(
    dist: &std::collections::HashMap<String, std::collections::HashMap<String, usize>>,
) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for key in [
        "category",
        "regions",
        "agency_ids",
        "target_types",
        "status",
    ] {
        let values = dist
            .get(key)
            .map(|m| {
                m.iter()
                    .filter(|(_, n)| **n > 0)
                    .map(|(k, n)| (k.clone(), *n))
                    .collect()
            })
            .unwrap_or_default();
        out.insert(key.to_string(), values);
    }
    if let Some(n) = dist
        .get("nationwide")
        .and_then(|m| m.get("true"))
        .copied()
        .filter(|n| *n > 0)
    {
        *out.entry("regions".into())
            .or_default()
            .entry("nationwide".into())
            .or_insert(0) += n;
    }
    out
}

/// Escape `s` for HTML, turning the highlight sentinels into `<mark>`/`</mark>` (balanced).
fn marked_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut open = false;
    let mut plain = String::new();
    let flush = |plain: &mut String, out: &mut String| {
        if !plain.is_empty() {
            out.push_str(&html_escape::encode_safe(plain.as_str()));
            plain.clear();
        }
    };
    for c in s.chars() {
        match c {
            PRE => {
                flush(&mut plain, &mut out);
                if !open {
                    out.push_str("<mark>");
                    open = true;
                }
            }
            POST => {
                flush(&mut plain, &mut out);
                if open {
                    out.push_str("</mark>");
                    open = false;
                }
            }
            c => plain.push(c),
        }
    }
    flush(&mut plain, &mut out);
    if open {
        out.push_str("</mark>");
    }
    // Adjacent marks ("<mark>a</mark><mark>b</mark>") read as one.
    out.replace("</mark><mark>", "")
}

fn formatted_str(
    f: Option<&serde_json::Map<String, serde_json::Value>>,
    key: &str,
) -> Option<String> {
    f.and_then(|m| m.get(key))
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn has_mark(s: &str) -> bool {
    s.contains(PRE)
}

/// Title and snippet of a hit from its `_formatted`. The snippet is the cropped summary if it
/// has a match, else the cropped body if it has one, else the start of the summary (or
/// body); empty without a text query — as the embedded engine does.
fn hit_of(
    id: String,
    formatted: Option<&serde_json::Map<String, serde_json::Value>>,
    with_text: bool,
) -> SearchHit {
    let title = formatted_str(formatted, "title").unwrap_or_default();
    let summary = formatted_str(formatted, "summary").unwrap_or_default();
    let body = formatted_str(formatted, "body").unwrap_or_default();
    let snippet = if !with_text {
        String::new()
    } else if has_mark(&summary) || (!has_mark(&body) && !summary.trim().is_empty()) {
        summary
    } else if has_mark(&body) {
        body
    } else {
        String::new()
    };
    SearchHit {
        id,
        title_html: marked_html(title.trim()),
        snippet_html: marked_html(snippet.trim()),
    }
}

// ---------------------------------------------------------------------------------------

impl SearchIndex for MeiliIndex {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    fn upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        self.ensure()?;
        let docs: Vec<MeiliDoc> = docs.iter().map(MeiliDoc::from).collect();
        let client = self.client.clone();
        let index = self.index();
        self.driver.run(WRITE_TIMEOUT, async move {
            let task = req(index.add_or_replace(&docs, Some("id"))).await?;
            wait(&client, task, WRITE_TIMEOUT).await
        })
    }

    fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.ensure()?;
        let ids = ids.to_vec();
        let client = self.client.clone();
        let index = self.index();
        self.driver.run(WRITE_TIMEOUT, async move {
            let task = req(index.delete_documents(&ids)).await?;
            wait(&client, task, WRITE_TIMEOUT).await
        })
    }

    fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        self.ensure()?;
        let index = self.index();
        let q = normalize_query(&super::korean::normalize(&query.q), &self.config.stop_words);
        let filter = filter_expression(&query.filter);
        let sort = sort_of(query.sort, self.sort_rule_first);
        let facets = query.facets;
        let (offset, limit) = (query.offset, query.limit);
        // Finite pagination (exact totalHits): page `offset/limit + 1` when aligned, else
        // page 1 of `offset + limit`, cut below.
        let (page, per_page, skip) = if limit > 0 && offset % limit == 0 {
            (offset / limit + 1, limit, 0)
        } else {
            (1, offset + limit, offset)
        };
        self.driver.run(REQUEST_TIMEOUT, async move {
            let crop = [("summary", None), ("body", None)];
            let mut s = index.search();
            s.with_page(page)
                .with_hits_per_page(per_page)
                .with_attributes_to_retrieve(Selectors::Some(&["id"]))
                .with_attributes_to_highlight(Selectors::Some(&["title", "summary", "body"]))
                .with_attributes_to_crop(Selectors::Some(&crop))
                .with_crop_length(CROP_WORDS)
                .with_crop_marker("…")
                .with_highlight_pre_tag(PRE_TAG)
                .with_highlight_post_tag(POST_TAG);
            if !q.is_empty() {
                // Every word must match (as in the embedded engine); Meilisearch's
                // default ("last") would pad results with partial matches.
                s.with_query(&q)
                    .with_matching_strategy(MatchingStrategies::ALL);
            }
            if let Some(f) = filter.as_deref() {
                s.with_filter(f);
            }
            if !sort.is_empty() {
                s.with_sort(sort);
            }
            if facets {
                s.with_facets(Selectors::Some(FACETS));
            }
            let res = req(s.execute::<HitId>()).await?;
            let total = res
                .total_hits
                .or(res.estimated_total_hits)
                .unwrap_or(res.hits.len());
            let hits = res
                .hits
                .into_iter()
                .skip(skip)
                .map(|h| hit_of(h.result.id, h.formatted_result.as_ref(), !q.is_empty()))
                .collect();
            let facets = if facets {
                map_facets(&res.facet_distribution.unwrap_or_default())
            } else {
                BTreeMap::new()
            };
            Ok(SearchResults {
                total,
                hits,
                facets,
            })
        })
    }

    fn count(&self) -> Result<usize, SearchError> {
        self.ensure()?;
        let index = self.index();
        self.driver.run(REQUEST_TIMEOUT, async move {
            req(index.get_stats()).await.map(|s| s.number_of_documents)
        })
    }

    fn health(&self) -> Result<(), SearchError> {
        let client = self.client.clone();
        self.driver.run(REQUEST_TIMEOUT, async move {
            let h = req(client.health()).await?;
            if h.status == "available" {
                Ok(())
            } else {
                Err(SearchError::Unavailable(format!(
                    "Meilisearch status: {}",
                    h.status
                )))
            }
        })
    }

    fn rebuild(
        &self,
        docs: &mut dyn Iterator<Item = SearchDoc>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize, SearchError> {
        let next = format!("{}_next", self.uid);
        // A fresh `<uid>_next` with our settings.
        {
            let (client, http, host, uid, settings) = self.parts(&next);
            self.driver.run(SETTINGS_TIMEOUT, async move {
                delete_index(&client, &uid).await?;
                create_index(&client, &uid).await?;
                apply_settings(&client, &http, &host, &uid, settings).await
            })?;
        }
        // Fill it in batches.
        let mut done = 0usize;
        loop {
            let batch: Vec<MeiliDoc> = (&mut *docs)
                .take(REBUILD_BATCH)
                .map(|d| MeiliDoc::from(&d))
                .collect();
            if batch.is_empty() {
                break;
            }
            let n = batch.len();
            let client = self.client.clone();
            let index = self.client.index(next.clone());
            self.driver.run(BATCH_TIMEOUT, async move {
                let task = req(index.add_or_replace(&batch, Some("id"))).await?;
                wait(&client, task, BATCH_TIMEOUT).await
            })?;
            done += n;
            progress(done);
        }
        // Swap it in (the live index is created first if it never existed), then drop the
        // old documents, now under `<uid>_next`.
        let client = self.client.clone();
        let uid = self.uid.clone();
        self.driver.run(SETTINGS_TIMEOUT, async move {
            create_index(&client, &uid).await?;
            let swap = SwapIndexes {
                indexes: (uid.clone(), next.clone()),
                rename: None,
            };
            let task = req(client.swap_indexes([&swap])).await?;
            wait(&client, task, SETTINGS_TIMEOUT).await?;
            delete_index(&client, &next).await
        })?;
        self.ready.store(true, Ordering::Release);
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_translate() {
        let at = |phase| {
            filter_expression(&SearchFilter {
                phase: Some((phase, 500)),
                ..Default::default()
            })
            .unwrap_or_default()
        };
        assert_eq!(
            at(Phase::Upcoming),
            "(status = \"forecast\" OR (status = \"published\" AND apply_start > 500))"
        );
        assert_eq!(
            at(Phase::Open),
            "(status = \"published\" AND (apply_start <= 500 OR apply_start NOT EXISTS OR apply_start IS NULL) \
             AND (apply_end >= 500 OR apply_end NOT EXISTS OR apply_end IS NULL))"
        );
    }

    #[test]
    fn filters_translate() {
        let f = SearchFilter {
            category: Some("창업".into()),
            region: Some("31".into()),
            agency_id: Some("a\"b".into()),
            target: Some("소상공인".into()),
            statuses: vec!["published".into(), "forecast".into()],
            ends_after: Some(100),
            ends_before: Some(200),
            phase: None,
        };
        assert_eq!(
            filter_expression(&f).unwrap(),
            "category = \"창업\" AND (regions = \"31\" OR nationwide = true) AND agency_ids = \"a\\\"b\" \
             AND target_types = \"소상공인\" AND status IN [\"published\", \"forecast\"] \
             AND (apply_end >= 100 OR apply_end NOT EXISTS OR apply_end IS NULL) AND apply_end <= 200"
        );
        assert_eq!(filter_expression(&SearchFilter::default()), None);
    }

    #[test]
    fn marks_survive_escaping() {
        let s = format!("a <b> & {PRE}울산{POST}{PRE}시{POST} \"x\" {PRE}open");
        assert_eq!(
            marked_html(&s),
            "a &lt;b&gt; &amp; <mark>울산시</mark> &quot;x&quot; <mark>open</mark>"
        );
    }

    #[test]
    fn nationwide_folds_into_regions() {
        let mut dist = std::collections::HashMap::new();
        dist.insert(
            "regions".to_string(),
            [("31".to_string(), 2usize)].into_iter().collect(),
        );
        dist.insert(
            "nationwide".to_string(),
            [("true".to_string(), 3usize), ("false".to_string(), 2usize)]
                .into_iter()
                .collect(),
        );
        let f = map_facets(&dist);
        assert_eq!(f["regions"]["31"], 2);
        assert_eq!(f["regions"]["nationwide"], 3);
        assert!(f["category"].is_empty());
    }

    #[test]
    fn snippets_follow_the_embedded_rules() {
        let mut f = serde_json::Map::new();
        f.insert(
            "title".into(),
            format!("예비{PRE}창업{POST}패키지 <b>").into(),
        );
        f.insert("summary".into(), "요약 문장".into());
        f.insert("body".into(), format!("본문 {PRE}창업{POST} 교육").into());
        let h = hit_of("t-1".into(), Some(&f), true);
        assert_eq!(h.title_html, "예비<mark>창업</mark>패키지 &lt;b&gt;");
        assert_eq!(h.snippet_html, "본문 <mark>창업</mark> 교육");
        let h = hit_of("t-1".into(), Some(&f), false);
        assert_eq!(h.snippet_html, "");
        f.insert("body".into(), "본문".into());
        assert_eq!(
            hit_of("t-1".into(), Some(&f), true).snippet_html,
            "요약 문장"
        );
    }

    #[test]
    fn relevance_tie_break_depends_on_the_rule_order() {
        let late = serde_json::json!({"rankingRules": ["words", "typo", "sort", "exactness"]});
        let early = serde_json::json!({"rankingRules": ["sort", "words", "apply_end:asc"]});
        assert!(!sort_rule_first(&late));
        assert!(sort_rule_first(&early));
        assert!(!sort_rule_first(&serde_json::json!({})));
        assert_eq!(sort_of(SearchSort::Relevance, false), &["apply_end:asc"]);
        assert!(sort_of(SearchSort::Relevance, true).is_empty());
        assert_eq!(sort_of(SearchSort::Newest, true), &["published_at:desc"]);
    }

    #[test]
    fn queries_lose_particles_and_stop_words() {
        let stop: Vec<String> = ["관련", "공고", "및"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(normalize_query("  소상공인의  ", &stop), "소상공인");
        assert_eq!(normalize_query("소상공인 관련 공고", &stop), "소상공인");
        assert_eq!(normalize_query("컨설팅 및 교육", &stop), "컨설팅 교육");
        assert_eq!(normalize_query("공고", &stop), "공고");
        assert_eq!(normalize_query("\"판로를 지원\"", &stop), "\"판로를 지원\"");
        assert_eq!(normalize_query("   ", &stop), "");
    }
}
