//! Where the index lives and how it is written: generation directories with a `CURRENT`
//! pointer, opening and following them (other processes switch generations and commit
//! too), write batches, and rebuild-and-swap.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tantivy::schema::Schema;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term};

use super::query::Settings;
use super::schema::{build_schema, register_tokenizers, to_document, Fields};
use super::{internal, EmbeddedIndex};
use crate::search::config::SearchConfig;
use crate::search::{SearchDoc, SearchError};

/// One generation of the index, open for searching.
pub(super) struct Live {
    pub(super) index: Index,
    pub(super) reader: IndexReader,
    /// 0 in memory.
    pub(super) generation: u64,
    pub(super) path: Option<PathBuf>,
}

/// A write batch, kept in the journal while a rebuild runs.
pub(super) enum Op {
    Upsert(Vec<SearchDoc>),
    Delete(Vec<String>),
}

const CURRENT: &str = "CURRENT";

fn gen_dir(root: &Path, generation: u64) -> PathBuf {
    root.join(format!("gen-{generation}"))
}

fn generations(root: &Path) -> Vec<u64> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            if let Some(n) = e
                .file_name()
                .to_str()
                .and_then(|n| n.strip_prefix("gen-"))
                .and_then(|n| n.parse().ok())
            {
                out.push(n);
            }
        }
    }
    out.sort_unstable();
    out
}

fn read_current(root: &Path) -> Option<u64> {
    let s = std::fs::read_to_string(root.join(CURRENT)).ok()?;
    s.trim().strip_prefix("gen-")?.parse().ok()
}

fn write_current(root: &Path, generation: u64) -> Result<(), SearchError> {
    let tmp = root.join(format!("{CURRENT}.tmp"));
    std::fs::write(&tmp, format!("gen-{generation}\n")).map_err(internal)?;
    std::fs::rename(&tmp, root.join(CURRENT)).map_err(internal)
}

fn open_reader(index: &Index) -> Result<IndexReader, SearchError> {
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(internal)
}

impl EmbeddedIndex {
    /// The persistent index under `dir` (created if missing).
    pub fn open(dir: &Path, config: SearchConfig) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| internal(format!("cannot create {}: {e}", dir.display())))?;
        let (schema, fields) = build_schema();
        let mut live = None;
        if let Some(g) = read_current(dir) {
            let path = gen_dir(dir, g);
            match Self::open_generation(&path, &schema) {
                Ok(index) => live = Some((g, path, index)),
                Err(e) => tracing::warn!(error = %e, path = %path.display(),
                    "search index unusable; starting an empty one (run `jiwon reindex`)"),
            }
        }
        let (generation, path, index) = match live {
            Some(l) => l,
            None => {
                let g = generations(dir).last().copied().unwrap_or(0) + 1;
                let path = gen_dir(dir, g);
                std::fs::create_dir_all(&path).map_err(internal)?;
                let index = Index::create_in_dir(&path, schema.clone()).map_err(internal)?;
                register_tokenizers(&index);
                write_current(dir, g)?;
                (g, path, index)
            }
        };
        // Older generations are leftovers of a finished rebuild; newer ones may be a
        // rebuild in progress elsewhere (or a crashed one: removed once stale).
        for g in generations(dir) {
            let p = gen_dir(dir, g);
            let stale = g < generation
                || (g > generation
                    && std::fs::metadata(&p)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Duration::from_secs(3600)));
            if stale {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
        let reader = open_reader(&index)?;
        let live = Live {
            index,
            reader,
            generation,
            path: Some(path),
        };
        Ok(Self::with_live(
            Some(dir.to_path_buf()),
            config,
            schema,
            fields,
            live,
        ))
    }

    /// A RAM-only index (tests, benches).
    pub fn in_memory(config: SearchConfig) -> Self {
        let (schema, fields) = build_schema();
        let index = Index::create_in_ram(schema.clone());
        register_tokenizers(&index);
        let reader = open_reader(&index).expect("a RAM index has a reader");
        let live = Live {
            index,
            reader,
            generation: 0,
            path: None,
        };
        Self::with_live(None, config, schema, fields, live)
    }

    fn with_live(
        root: Option<PathBuf>,
        config: SearchConfig,
        schema: Schema,
        fields: Fields,
        live: Live,
    ) -> Self {
        EmbeddedIndex {
            root,
            settings: Settings::new(&config),
            fields,
            schema,
            live: RwLock::new(Arc::new(live)),
            write_lock: Mutex::new(()),
            rebuild_lock: Mutex::new(()),
            journal: Mutex::new(None),
            last_refresh: Mutex::new(Instant::now()),
        }
    }

    fn open_generation(path: &Path, schema: &Schema) -> Result<Index, SearchError> {
        let index = Index::open_in_dir(path).map_err(internal)?;
        if &index.schema() != schema {
            return Err(internal("the index was built with another schema"));
        }
        register_tokenizers(&index);
        Ok(index)
    }

    /// Persistent indexes: follow a generation switch or commits made by another process
    /// (at most once a second for reads; always before a write).
    pub(super) fn refresh(&self, force: bool) {
        let Some(root) = &self.root else { return };
        {
            let mut last = self.last_refresh.lock().unwrap_or_else(|e| e.into_inner());
            if !force && last.elapsed() < Duration::from_secs(1) {
                return;
            }
            *last = Instant::now();
        }
        let live = self.current();
        match read_current(root) {
            Some(g) if g != live.generation => {
                let path = gen_dir(root, g);
                match Self::open_generation(&path, &self.schema).and_then(|index| {
                    let reader = open_reader(&index)?;
                    Ok(Live {
                        index,
                        reader,
                        generation: g,
                        path: Some(path.clone()),
                    })
                }) {
                    Ok(new) => {
                        let _w = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
                        *self.live.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(new);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot follow search index generation {g}")
                    }
                }
            }
            _ => {
                let _ = live.reader.reload();
            }
        }
    }

    fn writer(
        index: &Index,
        threads: usize,
        budget: usize,
    ) -> Result<IndexWriter<TantivyDocument>, SearchError> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match index.writer_with_num_threads(threads, budget) {
                Ok(w) => return Ok(w),
                Err(TantivyError::LockFailure(..)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TantivyError::LockFailure(e, _)) => {
                    return Err(SearchError::Unavailable(format!(
                        "search index is locked by another writer: {e}"
                    )))
                }
                Err(e) => return Err(internal(e)),
            }
        }
    }

    fn apply(&self, writer: &mut IndexWriter<TantivyDocument>, op: &Op) -> Result<(), SearchError> {
        match op {
            Op::Upsert(docs) => {
                for d in docs {
                    writer.delete_term(Term::from_field_text(self.fields.id, &d.id));
                    writer
                        .add_document(to_document(&self.fields, d))
                        .map_err(internal)?;
                }
            }
            Op::Delete(ids) => {
                for id in ids {
                    writer.delete_term(Term::from_field_text(self.fields.id, id));
                }
            }
        }
        Ok(())
    }

    /// Apply `ops` to `live` in one commit, then make them visible.
    fn commit_ops(&self, live: &Live, ops: &[&Op]) -> Result<(), SearchError> {
        let mut writer = Self::writer(&live.index, 1, 32_000_000)?;
        for op in ops {
            self.apply(&mut writer, op)?;
        }
        writer.commit().map_err(internal)?;
        writer.wait_merging_threads().map_err(internal)?;
        live.reader.reload().map_err(internal)
    }

    pub(super) fn write(&self, op: Op) -> Result<(), SearchError> {
        self.refresh(true);
        let _w = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        let live = self.current();
        self.commit_ops(&live, &[&op])?;
        if let Some(journal) = self
            .journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            journal.push(op);
        }
        Ok(())
    }

    /// Build a new index from `docs` (a new generation directory when persistent), replay
    /// the writes made meanwhile onto it, and swap it in.
    pub(super) fn rebuild_from(
        &self,
        docs: &mut dyn Iterator<Item = SearchDoc>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize, SearchError> {
        let _r = self.rebuild_lock.lock().unwrap_or_else(|e| e.into_inner());
        *self.journal.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
        let mut new_path = None;
        let result = (|| -> Result<(usize, Live), SearchError> {
            let (generation, index) = match &self.root {
                Some(root) => {
                    let g = generations(root)
                        .last()
                        .copied()
                        .unwrap_or(0)
                        .max(read_current(root).unwrap_or(0))
                        .max(self.generation())
                        + 1;
                    let path = gen_dir(root, g);
                    std::fs::create_dir_all(&path).map_err(internal)?;
                    new_path = Some(path.clone());
                    (
                        g,
                        Index::create_in_dir(&path, self.schema.clone()).map_err(internal)?,
                    )
                }
                None => (0, Index::create_in_ram(self.schema.clone())),
            };
            register_tokenizers(&index);
            let threads = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .clamp(1, 2);
            let mut writer = Self::writer(&index, threads, 96_000_000)?;
            let mut seen: HashSet<String> = HashSet::new();
            let mut n = 0usize;
            for d in docs {
                if !seen.insert(d.id.clone()) {
                    writer.delete_term(Term::from_field_text(self.fields.id, &d.id));
                    n -= 1;
                }
                writer
                    .add_document(to_document(&self.fields, &d))
                    .map_err(internal)?;
                n += 1;
                if n.is_multiple_of(500) {
                    progress(n);
                }
            }
            writer.commit().map_err(internal)?;
            writer.wait_merging_threads().map_err(internal)?;
            let reader = open_reader(&index)?;
            Ok((
                n,
                Live {
                    index,
                    reader,
                    generation,
                    path: new_path.clone(),
                },
            ))
        })();
        let (n, new) = match result {
            Ok(r) => r,
            Err(e) => {
                *self.journal.lock().unwrap_or_else(|e| e.into_inner()) = None;
                if let Some(p) = new_path {
                    let _ = std::fs::remove_dir_all(p);
                }
                return Err(e);
            }
        };

        // Swap: no write may run between replaying the journal and publishing.
        let old = {
            let _w = self.write_lock.lock().unwrap_or_else(|e| e.into_inner());
            let ops = self
                .journal
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_default();
            if !ops.is_empty() {
                let refs: Vec<&Op> = ops.iter().collect();
                if let Err(e) = self.commit_ops(&new, &refs) {
                    if let Some(p) = &new.path {
                        let _ = std::fs::remove_dir_all(p);
                    }
                    return Err(e);
                }
            }
            if let Some(root) = &self.root {
                write_current(root, new.generation)?;
            }
            let mut live = self.live.write().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *live, Arc::new(new))
        };
        if let Some(p) = &old.path {
            // Searches still holding the old generation keep their open files (unlinked).
            if let Err(e) = std::fs::remove_dir_all(p) {
                tracing::warn!(error = %e, path = %p.display(), "cannot remove the old search index");
            }
        }
        let count = self.current().reader.searcher().num_docs() as usize;
        progress(n);
        Ok(count)
    }
}
