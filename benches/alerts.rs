//! Alerts benchmark (plain `harness = false` main): matching one new announcement against
//! many subscriptions, publish-to-first-email latency, and delivery throughput into a
//! local SMTP server and a local web push service.
//!
//! ```text
//! cargo bench --bench alerts                    # 10k, 100k and 1M subscriptions, 100k deliveries
//! JIWON_BENCH_1M=0 cargo bench --bench alerts   # … without 1M
//! JIWON_BENCH_DELIVERIES=20000 cargo bench --bench alerts   # a quicker part C
//! ```
//!
//! Parts:
//! * **A. matching** — subscriptions generated from the shared data's own distributions
//!   (see [`Dists`] and [`SHAPES`]; printed at the start), inserted into a fresh SQLite
//!   file; then ~20 real imported announcements are matched (`matching::matching_criteria`,
//!   `matching::plan`) at each size, and one `matching::run` (plan + delivery inserts).
//!   Sizes are prefixes of one seeded stream: 10k, then grown to 100k, then 1M.
//! * **B. latency** — publish (`announcements::service::publish_now`) → scheduler ticks
//!   (`worker::tick`, no sleep between them) → first message accepted by
//!   `tests/support/smtp_sink.py`.
//! * **C. throughput** — N email deliveries into the SMTP sink and N web push deliveries
//!   into `tests/support/push_service.py`, both through the matching path (N
//!   subscriptions, one matching announcement, `matching::run`), then
//!   `alerts::send::deliver_due`.
//!
//! Env:
//! * `JIWON_BENCH_1M=0` — leave out 1,000,000 subscriptions (generating them takes well under
//!   a minute; matching at that size is bounded by the budgets below);
//! * `JIWON_BENCH_SIZES=10000,50000` — exactly these subscription counts (ascending);
//! * `JIWON_BENCH_ANNOUNCEMENTS=20` — announcements matched per size;
//! * `JIWON_BENCH_PLAN_BUDGET_S=300` — `plan` is timed cheapest announcement first until this
//!   much was spent at a size; the rest are reported as skipped;
//! * `JIWON_BENCH_CAPS_BUDGET_S=60` — the step-by-step breakdown times `Caps::load` on this
//!   much of the chunks and extrapolates the rest;
//! * `JIWON_BENCH_DELIVERIES=100000` — N of part C;
//! * `JIWON_BENCH_LATENCY_RUNS=10` — runs of part B;
//! * `JIWON_BENCH_SEND_THREADS=4` — `smtp_pool_size`, i.e. `deliver_due`'s sender threads
//!   (the production default is 4; each needs a database connection and the SQLite pool
//!   holds at most 8, so more than 8 does not add senders);
//! * `JIWON_BENCH_PARTS=match,latency,email,push` — which parts to run;
//! * `JIWON_BENCH_DIR` — where the databases and sinks live (default: a temp dir).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use jiwon::accounts::model::User;
use jiwon::accounts::{store as accounts_store, CurrentUser};
use jiwon::alerts::criteria::{Criteria, Facts};
use jiwon::alerts::delivery::Caps;
use jiwon::alerts::model::{CriteriaRow, OwnerProfile, PushEndpoint, Subscription};
use jiwon::alerts::{matching, profile, send, store as alerts_store};
use jiwon::announcements::model::{Announcement, WindowKind};
use jiwon::announcements::service::{self as ann_service, Content};
use jiwon::announcements::store as ann_store;
use jiwon::clock::FakeClock;
use jiwon::config::{Config, Environment};
use jiwon::db::schema::{
    announcement_regions, announcement_targets, announcements, criteria_terms, deliveries, ksic,
    owner_profiles, push_endpoints, regions, subscription_criteria, subscriptions, users,
};
use jiwon::db::DbConnection;
use jiwon::ids::new_id;
use jiwon::ingest::service::{import_location, Quiet};
use jiwon::AppState;

const DATA_FILES: &[&str] = &["bizinfo_2026.json", "kstartup_2026.json"];
const SEED: u64 = 20_261_124;
const PLACEHOLDER_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2g$bench-placeholder-not-a-hash";
/// Rows per generation transaction.
const GEN_BATCH: usize = 20_000;

// The bench's parts and its kit, one file each (benches/alerts/, benches/support/);
// each module sees the imports above through `use super::*`.
#[path = "alerts/generate.rs"]
mod generate;
#[path = "support/kit.rs"]
mod kit;
#[path = "alerts/latency.rs"]
mod latency;
#[path = "alerts/matching.rs"]
mod matching_part;
#[path = "support/receivers.rs"]
mod receivers;
#[path = "alerts/throughput.rs"]
mod throughput;

use generate::*;
use kit::*;
use latency::*;
use matching_part::*;
use receivers::*;
use throughput::*;

fn main() {
    // `cargo bench` runs benches from the package root; be sure.
    if let Ok(dir) = std::env::var("CARGO_MANIFEST_DIR") {
        let _ = std::env::set_current_dir(dir);
    }
    let parts =
        std::env::var("JIWON_BENCH_PARTS").unwrap_or_else(|_| "match,latency,email,push".into());
    let parts: Vec<&str> = parts.split(',').map(str::trim).collect();
    let deliveries = env_usize("JIWON_BENCH_DELIVERIES").unwrap_or(100_000);
    println!(
        "alerts bench: {} CPU(s); SQLite; clock fixed at {} KST; parts: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        jiwon::clock::format_kst(noon_today(), "%Y-%m-%d %H:%M"),
        parts.join(",")
    );
    let mut summary: Vec<String> = Vec::new();
    let started = Instant::now();
    if parts.contains(&"match") {
        part_matching(&mut summary);
    }
    if parts.contains(&"latency") {
        part_latency(&mut summary);
    }
    if parts.contains(&"email") {
        part_email(&mut summary, deliveries);
    }
    if parts.contains(&"push") {
        part_push(&mut summary, deliveries);
    }
    println!();
    println!("summary ({:.0}s in all):", started.elapsed().as_secs_f64());
    for l in summary {
        println!("{l}");
    }
}
