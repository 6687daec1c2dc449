//! Typed jobs: a kind names its payload type and queue policy (`JobKind`); a runner for
//! it (`Job`) is registered in a `Registry`. The registry is assembled at the top level
//! (`crate::worker`), so this module names no domain: each domain keeps its kinds and
//! runners in its own `jobs` file.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::QueuedJob;
use crate::error::{AppError, AppResult};

/// A kind of job as the module that emits it sees it: its name in the `kind` column, its
/// payload, and how the queue treats its dedupe key.
pub trait JobKind: 'static {
    /// The `jobs.kind` value. Never rename one that may still be queued somewhere.
    const KIND: &'static str;
    type Payload: Serialize + DeserializeOwned;
    /// Keep the dedupe key once done, so the same key is never queued again (a periodic
    /// import's slot). By default a done job frees its key.
    const KEEP_KEY_WHEN_DONE: bool = false;
    /// Give the key up when claimed, so a change made while the job runs queues a fresh
    /// one (a job that reads the current row when it runs).
    const RELEASE_KEY_ON_CLAIM: bool = false;
}

/// The payload of `J`'s kind.
pub type PayloadOf<J> = <<J as Job>::Kind as JobKind>::Payload;

/// What runs a kind of job. The kind may belong to another module (publication emits
/// `announcement_event`; alerts runs it), so the runner names it rather than being it.
/// `Context` is the worker's narrow context (`jobs::WorkerContext`): pool,
/// clock, search engine, channel switches.
pub trait Job: 'static {
    type Kind: JobKind;
    type Context;
    /// Claim up to this many due jobs of the kind at once and hand them to `run_batch`.
    const BATCH: usize = 1;
    fn run(ctx: &Self::Context, payload: PayloadOf<Self>) -> AppResult<()>;
    /// Run a batch; one error fails every job of it. By default, one `run` each.
    fn run_batch(ctx: &Self::Context, payloads: Vec<PayloadOf<Self>>) -> AppResult<()> {
        for p in payloads {
            Self::run(ctx, p)?;
        }
        Ok(())
    }
}

type Runner<C> = fn(&C, &[QueuedJob]) -> Vec<AppResult<()>>;

struct Entry<C> {
    batch: usize,
    keep_key_when_done: bool,
    release_key_on_claim: bool,
    run: Runner<C>,
}

/// Maps each kind to its runner and policies.
pub struct Registry<C> {
    kinds: HashMap<&'static str, Entry<C>>,
}

impl<C> Default for Registry<C> {
    fn default() -> Self {
        Registry {
            kinds: HashMap::new(),
        }
    }
}

impl<C> Registry<C> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Register `J` under its kind. Registering a kind twice is a programming error.
    pub fn register<J: Job<Context = C>>(&mut self) -> &mut Self {
        self.register_as::<J>(J::Kind::KIND)
    }

    /// Register `J` under another kind name too: a kind that was renamed, whose rows may
    /// still be queued in a live database.
    pub fn register_as<J: Job<Context = C>>(&mut self, kind: &'static str) -> &mut Self {
        let old = self.kinds.insert(
            kind,
            Entry {
                batch: J::BATCH.max(1),
                keep_key_when_done: J::Kind::KEEP_KEY_WHEN_DONE,
                release_key_on_claim: J::Kind::RELEASE_KEY_ON_CLAIM,
                run: run_typed::<J>,
            },
        );
        assert!(old.is_none(), "job kind '{kind}' registered twice");
        self
    }

    pub fn knows(&self, kind: &str) -> bool {
        self.kinds.contains_key(kind)
    }

    /// How many jobs of `kind` run together (1 for an unknown kind).
    pub fn batch(&self, kind: &str) -> usize {
        self.kinds.get(kind).map(|e| e.batch).unwrap_or(1)
    }

    pub fn keeps_key_when_done(&self, kind: &str) -> bool {
        self.kinds
            .get(kind)
            .map(|e| e.keep_key_when_done)
            .unwrap_or(false)
    }

    /// The kinds that give their dedupe key up when claimed.
    pub fn release_key_on_claim(&self) -> Vec<&'static str> {
        let mut kinds: Vec<&'static str> = self
            .kinds
            .iter()
            .filter(|(_, e)| e.release_key_on_claim)
            .map(|(k, _)| *k)
            .collect();
        kinds.sort_unstable();
        kinds
    }

    /// Run claimed jobs, all of one kind; one result per job, in order. A kind nobody
    /// registered fails every job with a clear error (it dead-letters after its attempts).
    pub fn run(&self, ctx: &C, jobs: &[QueuedJob]) -> Vec<AppResult<()>> {
        let Some(first) = jobs.first() else {
            return Vec::new();
        };
        match self.kinds.get(first.kind.as_str()) {
            Some(e) => (e.run)(ctx, jobs),
            None => jobs
                .iter()
                .map(|j| {
                    Err(AppError::Internal(format!(
                        "unknown job kind '{}': no runner is registered for it",
                        j.kind
                    )))
                })
                .collect(),
        }
    }
}

/// Decode each payload (a bad one fails only its job), then run the good ones together.
fn run_typed<J: Job>(ctx: &J::Context, jobs: &[QueuedJob]) -> Vec<AppResult<()>> {
    let mut results: Vec<Option<AppResult<()>>> = Vec::with_capacity(jobs.len());
    let mut good = Vec::new();
    for j in jobs {
        match serde_json::from_str::<PayloadOf<J>>(&j.payload) {
            Ok(p) => {
                good.push(p);
                results.push(None);
            }
            Err(e) => results.push(Some(Err(AppError::Internal(format!(
                "job {} ({}): bad payload: {e}",
                j.id, j.kind
            ))))),
        }
    }
    let outcome = if good.is_empty() {
        Ok(())
    } else {
        J::run_batch(ctx, good)
    };
    results
        .into_iter()
        .map(|r| match r {
            Some(r) => r,
            None => match &outcome {
                Ok(()) => Ok(()),
                Err(e) => Err(AppError::Internal(e.to_string())),
            },
        })
        .collect()
}
