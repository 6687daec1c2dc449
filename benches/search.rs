//! Search benchmark (plain `harness = false` main): rebuild time, peak memory and query
//! latency of the search engine on the real corpus and on expanded corpora.
//!
//! ```text
//! cargo bench --bench search                    # 3,272 real docs and 100k
//! JIWON_BENCH_1M=1 cargo bench --bench search   # … and 1M
//! ```
//!
//! Env:
//! * `JIWON_BENCH_1M=1` — also run the 1,000,000-document corpus;
//! * `JIWON_BENCH_SIZES=3272,20000` — run exactly these corpus sizes instead;
//! * `JIWON_BENCH_PASSES=N` — timed passes over the query mix (default 5; 2 at ≥ 1M);
//! * `JIWON_BENCH_MEILI_URL` (+ `JIWON_BENCH_MEILI_KEY`) — measure Meilisearch instead of the
//!   embedded engine (memory figures are then only this client process);
//! * `JIWON_BENCH_DIR` — where the embedded indexes are built (default: a temp dir).
//!
//! Every corpus size runs in its own child process (this executable, re-run with
//! `JIWON_BENCH_CHILD=<size>`), so its peak RSS (`VmHWM`) is its own. The embedded engine
//! is opened on disk (`EmbeddedIndex::open`), as the app runs it; the memory-mapped index
//! files it touches count towards RSS.
//!
//! Query latency is engine-direct (`SearchIndex::search`, no HTTP) over a fixed mix of
//! ~210 queries: the 51 evaluation queries as typed; the same with a region filter; with a
//! category filter and deadline sort; published-only, newest first, with facets; and six
//! empty queries with facets (listing pages). `scripts/bench-search.sh` adds HTTP figures.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use jiwon::ingest::parse::{detect_and_parse, ImportRecord};
use jiwon::search::config::SearchConfig;
use jiwon::search::embedded::EmbeddedIndex;
use jiwon::search::meili::MeiliIndex;
use jiwon::search::{SearchDoc, SearchFilter, SearchIndex, SearchQuery, SearchSort};

const DATA_FILES: &[&str] = &["bizinfo_2026.json", "kstartup_2026.json"];
const QUERIES: &str = "search-eval/queries.json";
const BODY_CHARS: usize = 6000;
const RESULT_TAG: &str = "BENCH-RESULT ";
const DAY: i64 = 86_400;

/// 시도 short names and codes, in the order the expansion rotates through them.
const SIDO: &[(&str, &str)] = jiwon::reference::SIDO;

const EXPANSION: &str = "copies of the real documents, copy k of document d: id `<id>-x<k>`; \
every 시도 code/name rotated by k (title `[울산]` prefix and region names follow); \
years in title/summary shifted to 2021+(k mod 7); serial ` #k` appended to the title; \
agencies taken from another real document (d*7+k); application window and publication \
date shifted by ((k*37) mod 731) − 365 days";

// ---------------------------------------------------------------------------------------
// Documents

fn doc_of(r: ImportRecord) -> SearchDoc {
    jiwon::ingest::search_doc(&r, BODY_CHARS)
}

fn load_docs(dir: &Path) -> Vec<SearchDoc> {
    let mut docs = Vec::new();
    for name in DATA_FILES {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (_, parsed) =
            detect_and_parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        docs.extend(parsed.records.into_iter().map(doc_of));
    }
    docs
}

fn rotate_sido_name(name: &str, k: usize) -> Option<&'static str> {
    SIDO.iter()
        .position(|(n, _)| *n == name)
        .map(|i| SIDO[(i + k) % SIDO.len()].0)
}

fn rotate_sido_code(code: &str, k: usize) -> String {
    match SIDO.iter().position(|(_, c)| *c == code) {
        Some(i) => SIDO[(i + k) % SIDO.len()].1.to_string(),
        None => code.to_string(),
    }
}

fn shift_years(s: &str, year: i32) -> String {
    s.replace("2026", &year.to_string())
        .replace("2025", &(year - 1).to_string())
}

/// Copy `k` (≥ 1) of `base`; `other` lends its agencies.
fn variant(base: &SearchDoc, other: &SearchDoc, k: usize) -> SearchDoc {
    let mut d = base.clone();
    d.id = format!("{}-x{k}", base.id);
    let year = 2021 + (k % 7) as i32;
    let mut title = shift_years(&base.title, year);
    // "[울산] …" → "[부산] …"
    if let Some(rest) = title.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            if let Some(new) = rotate_sido_name(&rest[..end], k) {
                title = format!("[{new}]{}", &rest[end + 1..]);
            }
        }
    }
    d.title = format!("{title} #{k}");
    d.summary = shift_years(&base.summary, year);
    d.regions = base
        .regions
        .iter()
        .map(|c| rotate_sido_code(c, k))
        .collect();
    d.region_names = base
        .region_names
        .iter()
        .map(|n| {
            rotate_sido_name(n, k)
                .map(str::to_string)
                .unwrap_or_else(|| n.clone())
        })
        .collect();
    d.agencies = other.agencies.clone();
    d.agency_ids = other.agency_ids.clone();
    let shift = (((k * 37) % 731) as i64 - 365) * DAY;
    d.apply_start = base.apply_start.map(|t| t + shift);
    d.apply_end = base.apply_end.map(|t| t + shift);
    d.published_at = base.published_at.map(|t| t + shift);
    d
}

/// The first `size` documents of the expanded corpus: the real ones, then copies.
struct Corpus<'a> {
    base: &'a [SearchDoc],
    size: usize,
    next: usize,
}

impl Iterator for Corpus<'_> {
    type Item = SearchDoc;
    fn next(&mut self) -> Option<SearchDoc> {
        if self.next >= self.size {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let n = self.base.len();
        let (d, k) = (i % n, i / n);
        Some(if k == 0 {
            self.base[d].clone()
        } else {
            variant(&self.base[d], &self.base[(d * 7 + k) % n], k)
        })
    }
}

// ---------------------------------------------------------------------------------------
// Measurements

/// A `kB` field of /proc/self/status (VmHWM = peak RSS, VmRSS = current), in MiB.
fn status_mib(field: &str) -> f64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn dir_size(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Mix {
    class: &'static str,
    query: SearchQuery,
}

fn eval_queries() -> Vec<String> {
    let text = std::fs::read_to_string(QUERIES).unwrap_or_else(|e| panic!("{QUERIES}: {e}"));
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{QUERIES}: {e}"));
    v.as_array()
        .expect("queries.json: an array")
        .iter()
        .filter_map(|q| q.get("query").and_then(|s| s.as_str()).map(str::to_string))
        .collect()
}

fn query_mix(now: i64) -> Vec<Mix> {
    let qs = eval_queries();
    let regions = ["31", "26", "41", "11", "48", "47", "28"];
    let categories = ["창업", "수출", "내수", "기술", "경영", "금융", "인력"];
    let base = |q: &str| SearchQuery {
        q: q.to_string(),
        limit: 20,
        ..Default::default()
    };
    let mut mix = Vec::new();
    for q in &qs {
        mix.push(Mix {
            class: "text",
            query: base(q),
        });
    }
    for (i, q) in qs.iter().enumerate() {
        let mut s = base(q);
        s.filter.region = Some(regions[i % regions.len()].to_string());
        mix.push(Mix {
            class: "text+region",
            query: s,
        });
    }
    for (i, q) in qs.iter().enumerate() {
        let mut s = base(q);
        s.filter.category = Some(categories[i % categories.len()].to_string());
        s.filter.ends_after = Some(now);
        s.sort = SearchSort::Deadline;
        mix.push(Mix {
            class: "text+category+deadline",
            query: s,
        });
    }
    for q in &qs {
        let mut s = base(q);
        s.filter.statuses = vec!["published".into()];
        s.sort = SearchSort::Newest;
        s.facets = true;
        mix.push(Mix {
            class: "text+newest+facets",
            query: s,
        });
    }
    let empties: Vec<SearchFilter> = vec![
        SearchFilter::default(),
        SearchFilter {
            statuses: vec!["published".into()],
            ends_after: Some(now),
            ..Default::default()
        },
        SearchFilter {
            region: Some("31".into()),
            ..Default::default()
        },
        SearchFilter {
            category: Some("창업".into()),
            region: Some("41".into()),
            ..Default::default()
        },
        SearchFilter {
            ends_after: Some(now),
            ends_before: Some(now + 14 * DAY),
            ..Default::default()
        },
        SearchFilter {
            target: Some("중소기업".into()),
            ..Default::default()
        },
    ];
    for (i, f) in empties.into_iter().enumerate() {
        let sort = if i % 2 == 0 {
            SearchSort::Deadline
        } else {
            SearchSort::Newest
        };
        mix.push(Mix {
            class: "empty+facets",
            query: SearchQuery {
                q: String::new(),
                filter: f,
                sort,
                limit: 20,
                facets: true,
                ..Default::default()
            },
        });
    }
    mix
}

fn open_engine(dir: &Path) -> Box<dyn SearchIndex> {
    let config = SearchConfig::load().unwrap_or_else(|e| panic!("search config: {e}"));
    match std::env::var("JIWON_BENCH_MEILI_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(url) => {
            let key = std::env::var("JIWON_BENCH_MEILI_KEY")
                .ok()
                .filter(|s| !s.is_empty());
            Box::new(
                MeiliIndex::new(&url, key.as_deref(), "jiwon_bench", config)
                    .unwrap_or_else(|e| panic!("Meilisearch: {e}")),
            )
        }
        None => Box::new(
            EmbeddedIndex::open(dir, config).unwrap_or_else(|e| panic!("embedded index: {e}")),
        ),
    }
}

/// One corpus size, in this (child) process. Prints a report and a result line.
fn child(size: usize) {
    let t0 = Instant::now();
    let base = load_docs(Path::new("data"));
    let parse_s = t0.elapsed().as_secs_f64();
    let rss_loaded = status_mib("VmRSS:");

    let root = match std::env::var("JIWON_BENCH_DIR")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir(),
    };
    let dir = root.join(format!("jiwon-bench-search-{}-{size}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench index dir");
    let engine = open_engine(&dir);

    let t = Instant::now();
    let mut corpus = Corpus {
        base: &base,
        size,
        next: 0,
    };
    let step = (size / 10).max(100_000);
    let mut last = 0;
    let indexed = engine
        .rebuild(&mut corpus, &mut |done| {
            if done >= last + step {
                last = done;
                eprintln!("    … {done} documents ({:.0}s)", t.elapsed().as_secs_f64());
            }
        })
        .unwrap_or_else(|e| panic!("rebuild: {e}"));
    let rebuild_s = t.elapsed().as_secs_f64();
    let hwm_rebuild = status_mib("VmHWM:");
    let count = engine.count().unwrap_or(0);
    let disk_mib = dir_size(&dir) as f64 / (1024.0 * 1024.0);

    let now = chrono::Utc::now().timestamp();
    let mix = query_mix(now);
    let passes: usize = std::env::var("JIWON_BENCH_PASSES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if size >= 1_000_000 { 2 } else { 5 });
    // Warm-up pass (not timed): fills caches, as a running server would have them.
    let mut errors = 0;
    for m in &mix {
        if engine.search(&m.query).is_err() {
            errors += 1;
        }
    }
    let mut all = Vec::new();
    let mut by_class: Vec<(&str, Vec<f64>)> = Vec::new();
    let mut totals = 0usize;
    for _ in 0..passes {
        for m in &mix {
            let t = Instant::now();
            let r = engine.search(&m.query);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            match r {
                Ok(r) => totals += r.total,
                Err(_) => errors += 1,
            }
            all.push(ms);
            match by_class.iter_mut().find(|(c, _)| *c == m.class) {
                Some((_, v)) => v.push(ms),
                None => by_class.push((m.class, vec![ms])),
            }
        }
    }
    all.sort_by(|a, b| a.total_cmp(b));
    let hwm = status_mib("VmHWM:");

    println!(
        "  engine {}, corpus {size} documents ({indexed} indexed, count() = {count})",
        engine.name()
    );
    println!("  parse real feeds {parse_s:.2}s; RSS after loading the 3,272 base docs {rss_loaded:.0} MiB");
    println!(
        "  full rebuild {rebuild_s:.2}s ({:.0} docs/s); peak RSS after rebuild {hwm_rebuild:.0} MiB; index on disk {disk_mib:.0} MiB",
        indexed as f64 / rebuild_s.max(1e-9)
    );
    println!(
        "  queries: {} in the mix × {passes} passes = {} timed searches (+1 warm-up pass), {errors} errors, mean total {:.0}",
        mix.len(),
        all.len(),
        totals as f64 / all.len().max(1) as f64
    );
    println!(
        "  latency ms  all: p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
        pct(&all, 50.0),
        pct(&all, 95.0),
        pct(&all, 99.0),
        all.last().copied().unwrap_or(f64::NAN)
    );
    for (class, v) in by_class.iter_mut() {
        v.sort_by(|a, b| a.total_cmp(b));
        println!(
            "    {:<26} n={:<5} p50 {:>8.2}  p95 {:>8.2}  p99 {:>8.2}",
            class,
            v.len(),
            pct(v, 50.0),
            pct(v, 95.0),
            pct(v, 99.0)
        );
    }
    println!("  peak RSS (whole run) {hwm:.0} MiB");
    let result = serde_json::json!({
        "size": size, "indexed": indexed, "rebuild_s": rebuild_s, "hwm_rebuild_mib": hwm_rebuild,
        "hwm_mib": hwm, "disk_mib": disk_mib, "p50": pct(&all, 50.0), "p95": pct(&all, 95.0),
        "p99": pct(&all, 99.0), "errors": errors, "engine": engine.name(),
    });
    println!("{RESULT_TAG}{result}");
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}

fn sizes() -> Vec<usize> {
    if let Ok(s) = std::env::var("JIWON_BENCH_SIZES") {
        let v: Vec<usize> = s
            .split(',')
            .filter_map(|x| x.trim().replace('_', "").parse().ok())
            .collect();
        if !v.is_empty() {
            return v;
        }
    }
    let mut v = vec![0, 100_000];
    if std::env::var("JIWON_BENCH_1M")
        .map(|s| s == "1")
        .unwrap_or(false)
    {
        v.push(1_000_000);
    }
    v
}

fn main() {
    if let Ok(size) = std::env::var("JIWON_BENCH_CHILD") {
        child(size.parse().expect("JIWON_BENCH_CHILD: a number"));
        return;
    }
    let real = load_docs(Path::new("data")).len();
    println!(
        "search bench: {} CPU(s); real corpus {real} documents",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!("expanded corpora: {EXPANSION}");
    let exe = std::env::current_exe().expect("current exe");
    let mut rows = Vec::new();
    for size in sizes() {
        let size = if size == 0 { real } else { size };
        println!();
        println!("== corpus {size} ==");
        let _ = std::io::stdout().flush();
        let mut child = Command::new(&exe)
            .env("JIWON_BENCH_CHILD", size.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn bench child");
        let out = child.stdout.take().unwrap();
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            match line.strip_prefix(RESULT_TAG) {
                Some(json) => {
                    rows.push(serde_json::from_str::<serde_json::Value>(json).unwrap_or_default())
                }
                None => println!("{line}"),
            }
        }
        let status = child.wait().expect("bench child");
        if !status.success() {
            println!("  child for {size} failed: {status}");
        }
    }
    println!();
    println!("summary (engine-direct; latency over the ~210-query mix, ms):");
    println!(
        "{:>10} {:>10} {:>10} {:>12} {:>10} {:>8} {:>8} {:>8}",
        "docs", "rebuild s", "docs/s", "peak RSS MiB", "disk MiB", "p50", "p95", "p99"
    );
    for r in &rows {
        let f = |k: &str| r.get(k).and_then(|v| v.as_f64()).unwrap_or(f64::NAN);
        println!(
            "{:>10} {:>10.1} {:>10.0} {:>12.0} {:>10.0} {:>8.2} {:>8.2} {:>8.2}",
            f("size"),
            f("rebuild_s"),
            f("indexed") / f("rebuild_s"),
            f("hwm_mib"),
            f("disk_mib"),
            f("p50"),
            f("p95"),
            f("p99")
        );
    }
}
