//! The embedded search engine: a tantivy index in-process (`var/search/` by default, or in
//! memory for tests), over the Korean analysis of [`crate::search::korean`].
//!
//! | file           | job                                                              |
//! |----------------|------------------------------------------------------------------|
//! | `schema.rs`    | fields, the tantivy tokenizers over `korean::analyze`, documents |
//! | `query.rs`     | query words: particles, stop words, synonyms, typos, compounds   |
//! | `scoring.rs`   | the tantivy query: filters, field boosts, BM25 corrections       |
//! | `collect.rs`   | every match with its sort keys, facet counts, ranking            |
//! | `highlight.rs` | `<mark>`ed titles and snippets                                   |
//! | `storage.rs`   | generations on disk, writes, rebuild-and-swap                    |
//!
//! # Fields
//!
//! Korean spacing is loose ("판로지원" / "판로 지원"), so title and summary are indexed
//! twice: per run (`t_*`) and *joined* (`j_*`, `korean::analyze(text, true)`). Query words
//! of two or more tokens are matched against the joined form, so
//! "소상공인온라인판로지원" finds "소상공인 온라인 판로지원 사업"; one-bigram words (창업, 판로)
//! are matched against the per-run form only, so "사업 체계" never counts as 업체.
//! The other searchable fields (agencies … body) are only indexed per run to keep the
//! index small: a compound written together in the query is matched there only when the
//! document also wrote it together.
//!
//! # Queries
//!
//! The query is split into words (whitespace and punctuation); trailing particles are
//! stripped from Hangul words of three syllables or more (소상공인의 → 소상공인, 판로를 →
//! 판로); stop words are dropped. Every word (or multi-word synonym key, compared de-spaced)
//! must match: a word is an OR over its synonyms and over the searchable fields, boosted by
//! their order in `searchableAttributes`. Latin words of 5+ letters also match with one
//! typo (9+: two); synonyms never do.
//!
//! Scoring is BM25 with three corrections: a word's phrase score is divided by its number
//! of bigrams (a word weighs the same whether it has one bigram or five); a synonym scores
//! at most 0.7 of what the typed word would score in the same field, whatever its idf (so
//! the rare "startup" does not outrank 창업); and a query of several words also scores the
//! whole query de-spaced as one phrase in the joined title/summary (a proximity bonus:
//! "수출 바우처" ranks "수출바우처" titles first). A long compound that (almost) nothing
//! contains is also tried split in two, like Meilisearch's word splitting (예비창업패키지 →
//! 예비창업 + 패키지, at half weight). An empty query matches everything (filters and sort
//! only). Ties go to the soonest deadline.
//!
//! # Storage
//!
//! `open(dir)` keeps generations `dir/gen-<n>`; `dir/CURRENT` names the live one. A rebuild
//! writes a new generation, swaps it in (changes made meanwhile are replayed onto it), then
//! deletes the old one. Writes take the tantivy writer lock only for the duration of a
//! batch, so several processes (server, worker, `jiwon reindex`) can share the directory;
//! readers pick up other processes' commits and generation switches within a second.

mod collect;
mod highlight;
mod query;
mod schema;
mod scoring;
mod storage;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use tantivy::schema::Schema;
use tantivy::{DocAddress, TantivyDocument};

use self::collect::{compare, Gather};
use self::query::{QWord, Settings};
use self::schema::Fields;
use self::storage::{Live, Op};
use super::{SearchDoc, SearchError, SearchIndex, SearchQuery, SearchResults, SearchSort};

/// Most hits one page may hold.
pub const MAX_LIMIT: usize = 1000;
/// Facet fields, as named in `SearchResults::facets`.
pub const FACETS: [&str; 5] = [
    "category",
    "regions",
    "agency_ids",
    "target_types",
    "status",
];
/// The `regions` value nationwide documents carry (filter and facet).
const NATIONWIDE: &str = "nationwide";
/// Characters of body kept in the store for snippets.
const BODY_SNIPPET_CHARS: usize = 1500;
/// Snippet length (characters).
const SNIPPET_CHARS: usize = 120;
/// How far into a summary a snippet's match is looked for (characters).
const SNIPPET_SOURCE_CHARS: usize = 2000;
/// When a query finds fewer documents than this, its long compounds matching fewer
/// documents than this are also tried split in two.
const SPLIT_BELOW: usize = 3;
/// Weight of a typo match relative to an exact one.
const TYPO_WEIGHT: f32 = 0.3;

fn internal(e: impl std::fmt::Display) -> SearchError {
    SearchError::Internal(e.to_string())
}

/// The tantivy engine. `Send + Sync`; blocking.
///
/// The live index sits behind an `RwLock<Arc<Live>>`: a search clones the `Arc` and never
/// waits for a write or a rebuild. A write batch (`upsert`/`delete`) takes `write_lock`,
/// opens an `IndexWriter`, commits, waits for merges, drops the writer (releasing
/// tantivy's directory lock for other processes) and reloads the reader (`Manual` reload
/// policy), so the next search sees it.
pub struct EmbeddedIndex {
    root: Option<PathBuf>,
    settings: Settings,
    fields: Fields,
    schema: Schema,
    live: RwLock<Arc<Live>>,
    /// Serialises writes (and the final swap of a rebuild) in this process.
    write_lock: Mutex<()>,
    rebuild_lock: Mutex<()>,
    /// Writes made while a rebuild runs, replayed onto the new index before the swap.
    journal: Mutex<Option<Vec<Op>>>,
    last_refresh: Mutex<Instant>,
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<EmbeddedIndex>();
};

impl EmbeddedIndex {
    /// The live index generation (0 in memory).
    pub fn generation(&self) -> u64 {
        self.current().generation
    }

    fn current(&self) -> Arc<Live> {
        self.live.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl SearchIndex for EmbeddedIndex {
    fn name(&self) -> &'static str {
        "embedded"
    }

    fn upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        self.write(Op::Upsert(docs.to_vec()))
    }

    fn delete(&self, ids: &[String]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.write(Op::Delete(ids.to_vec()))
    }

    fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        self.refresh(false);
        let live = self.current();
        let searcher = live.reader.searcher();
        let mut plan = self.settings.plan(&super::korean::normalize(&query.q));
        let collector = Gather {
            scoring: plan.is_some() && query.sort == SearchSort::Relevance,
            facets: query.facets,
        };
        let tq = self.build_query(query, plan.as_ref(), &searcher);
        let (mut cands, mut facet_maps) =
            searcher.search(tq.as_ref(), &collector).map_err(internal)?;
        // Almost nothing found: try rare compounds split in two.
        if cands.len() < SPLIT_BELOW {
            if let Some(p) = plan.as_mut() {
                if self.split_rare_compounds(p, &searcher) {
                    let tq = self.build_query(query, plan.as_ref(), &searcher);
                    (cands, facet_maps) =
                        searcher.search(tq.as_ref(), &collector).map_err(internal)?;
                }
            }
        }
        let total = cands.len();

        let limit = query.limit.min(MAX_LIMIT);
        let end = query
            .offset
            .saturating_add(limit)
            .min(self.settings.max_total_hits)
            .min(total);
        let start = query.offset.min(end);
        let sort = query.sort;
        if end > 0 && end < cands.len() {
            cands.select_nth_unstable_by(end - 1, |a, b| compare(sort, a, b));
            cands.truncate(end);
        }
        cands.sort_unstable_by(|a, b| compare(sort, a, b));

        let words: Vec<&QWord> = plan
            .as_ref()
            .map(|p| p.words().collect())
            .unwrap_or_default();
        let mut hits = Vec::with_capacity(end - start);
        for c in &cands[start..end] {
            let doc: TantivyDocument = searcher
                .doc(DocAddress::new(c.seg, c.doc))
                .map_err(internal)?;
            hits.push(self.hit(&doc, &words));
        }

        let mut facets = BTreeMap::new();
        if query.facets {
            for (name, map) in FACETS.iter().zip(facet_maps) {
                let mut values: Vec<(String, usize)> = map.into_iter().collect();
                if values.len() > self.settings.max_facet_values {
                    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    values.truncate(self.settings.max_facet_values);
                }
                facets.insert(name.to_string(), values.into_iter().collect());
            }
        }
        Ok(SearchResults {
            total,
            hits,
            facets,
        })
    }

    fn count(&self) -> Result<usize, SearchError> {
        self.refresh(false);
        Ok(self.current().reader.searcher().num_docs() as usize)
    }

    fn health(&self) -> Result<(), SearchError> {
        Ok(())
    }

    fn rebuild(
        &self,
        docs: &mut dyn Iterator<Item = SearchDoc>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize, SearchError> {
        self.rebuild_from(docs, progress)
    }
}
