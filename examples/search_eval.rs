//! Search relevance evaluation: loads the shipped feeds (`data/bizinfo_2026.json`,
//! `data/kstartup_2026.json`) into a search engine, runs every query of
//! `search-eval/queries.json` and scores the top 10 against the judgments.
//!
//! ```text
//! cargo run --release --example search_eval                      # embedded, in memory
//! cargo run --release --example search_eval -- --meili http://127.0.0.1:7700 [--key K]
//! cargo run --release --example search_eval -- --meili URL --raw   # Meilisearch defaults
//! ```
//!
//! `--raw` loads the same documents into a Meilisearch index with *default* settings (no
//! searchable-attribute order, ranking rules, synonyms or stop words of ours, no query
//! normalization) and sends each query as typed: the engine's own baseline, which the
//! portal's Meilisearch mode must not fall below.
//!
//! Options: `--queries PATH` (default `search-eval/queries.json`), `--data DIR` (default
//! `data`), `--index UID` (Meilisearch index, default `jiwon_eval`), `--top N` titles shown
//! per query (default 3), `--dump PATH` (write the top 10 ids of every query as JSON).
//!
//! Metrics, per query and averaged over queries:
//! * success@5: 1 when a document judged ≥ 1 is among the first 5 hits, else 0;
//! * nDCG@10: DCG = Σ (2^grade − 1) / log2(rank + 1) over the first 10 hits (unjudged = 0),
//!   divided by the DCG of the ideal ordering of the judged documents.
//!
//! No database is involved: documents are built straight from the parsed records
//! (id = source id, regions as 2-digit 시도 codes, body = plain text of the body HTML,
//! status "published", deadline = end date 23:59:59 KST).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use jiwon::ingest::parse::{detect_and_parse, ImportRecord};
use jiwon::search::config::SearchConfig;
use jiwon::search::embedded::EmbeddedIndex;
use jiwon::search::meili::MeiliIndex;
use jiwon::search::{SearchDoc, SearchFilter, SearchIndex, SearchQuery, SearchSort};
use serde::Deserialize;

const DATA_FILES: &[&str] = &["bizinfo_2026.json", "kstartup_2026.json"];
/// Kept body length, as the app does (`search::service::doc_for`).
const BODY_CHARS: usize = 6000;

#[derive(Debug, Deserialize)]
struct Judged {
    id: String,
    query: String,
    #[serde(default)]
    intent: String,
    relevant: BTreeMap<String, u8>,
}

struct Args {
    meili: Option<String>,
    key: Option<String>,
    index: String,
    queries: PathBuf,
    data: PathBuf,
    top: usize,
    dump: Option<PathBuf>,
    raw: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: search_eval [--meili URL [--key KEY] [--index UID]] [--queries PATH] [--data DIR] [--top N] [--dump PATH]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        meili: None,
        raw: false,
        key: None,
        index: "jiwon_eval".into(),
        queries: "search-eval/queries.json".into(),
        data: "data".into(),
        top: 3,
        dump: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--meili" => args.meili = Some(val()),
            "--raw" => args.raw = true,
            "--key" => args.key = Some(val()),
            "--index" => args.index = val(),
            "--queries" => args.queries = val().into(),
            "--data" => args.data = val().into(),
            "--top" => args.top = val().parse().unwrap_or_else(|_| usage()),
            "--dump" => args.dump = Some(val().into()),
            "-h" | "--help" => usage(),
            // `cargo bench`/`cargo test` style flags are ignored.
            s if s.starts_with("--") => {}
            _ => usage(),
        }
    }
    args
}

fn doc_of(r: ImportRecord) -> SearchDoc {
    jiwon::ingest::search_doc(&r, BODY_CHARS)
}

fn load_docs(dir: &Path) -> Result<Vec<SearchDoc>, String> {
    let mut docs = Vec::new();
    for name in DATA_FILES {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let (_, parsed) =
            detect_and_parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        docs.extend(parsed.records.into_iter().map(doc_of));
    }
    Ok(docs)
}

fn open_engine(args: &Args) -> Result<Box<dyn SearchIndex>, String> {
    // `JIWON_EVAL_CONFIG=path.json` tries other settings without rebuilding.
    let config = match std::env::var("JIWON_EVAL_CONFIG") {
        Ok(path) => SearchConfig::from_json(
            &std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?,
        ),
        Err(_) => SearchConfig::load(),
    }
    .map_err(|e| format!("search config: {e}"))?;
    Ok(match &args.meili {
        Some(url) => Box::new(
            MeiliIndex::new(url, args.key.as_deref(), &args.index, config)
                .map_err(|e| format!("Meilisearch: {e}"))?,
        ),
        None => Box::new(EmbeddedIndex::in_memory(config)),
    })
}

fn dcg(grades: impl Iterator<Item = u8>) -> f64 {
    grades.enumerate().fold(0.0, |acc, (i, g)| {
        acc + (2f64.powi(g as i32) - 1.0) / ((i + 2) as f64).log2()
    })
}

/// Terminal width of a string: Hangul and other wide characters count 2.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFF00..=0xFF60 => 2,
            _ => 1,
        })
        .sum()
}

/// `s` cut to at most `w` columns (with "…" when cut) and padded to exactly `w`.
fn fit(s: &str, w: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let total = width(s);
    for c in s.chars() {
        let cw = width(c.encode_utf8(&mut [0; 4]));
        if total > w && used + cw > w.saturating_sub(1) {
            out.push('…');
            used += 1;
            break;
        }
        if used + cw > w {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push_str(&" ".repeat(w.saturating_sub(used)));
    out
}

struct Row<'a> {
    q: &'a Judged,
    s5: f64,
    ndcg: f64,
    total: usize,
    unjudged: usize,
    ids: Vec<String>,
    ms: f64,
}

fn main() {
    let args = parse_args();
    if let Err(e) = run(&args) {
        eprintln!("search_eval: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.queries)
        .map_err(|e| format!("{}: {e}", args.queries.display()))?;
    let queries: Vec<Judged> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", args.queries.display()))?;

    let t = Instant::now();
    let docs = load_docs(&args.data)?;
    let titles: HashMap<String, String> = docs
        .iter()
        .map(|d| (d.id.clone(), d.title.clone()))
        .collect();
    let parse_s = t.elapsed().as_secs_f64();
    for q in &queries {
        for id in q.relevant.keys() {
            if !titles.contains_key(id) {
                eprintln!("warning: {} judges {id}, which is not in the data", q.id);
            }
        }
    }

    let t = Instant::now();
    let n = docs.len();
    let (engine_name, search): (&str, Box<Searcher>) = if args.raw {
        let url = args.meili.clone().ok_or("--raw needs --meili URL")?;
        let raw = RawMeili::load(
            &url,
            args.key.clone(),
            &format!("{}_raw", args.index),
            &docs,
        )?;
        (
            "meilisearch (default settings)",
            Box::new(move |q: &str| raw.search(q)),
        )
    } else {
        let engine = open_engine(args)?;
        engine
            .rebuild(&mut docs.into_iter(), &mut |_| {})
            .map_err(|e| format!("rebuild: {e}"))?;
        let name = engine.name();
        (
            name,
            Box::new(move |q: &str| {
                let query = SearchQuery {
                    q: q.to_string(),
                    filter: SearchFilter::default(),
                    sort: SearchSort::Relevance,
                    offset: 0,
                    limit: 10,
                    facets: false,
                };
                let res = engine.search(&query).map_err(|e| e.to_string())?;
                Ok((res.hits.iter().map(|h| h.id.clone()).collect(), res.total))
            }),
        )
    };
    println!(
        "engine {engine_name}: {n} documents indexed in {:.2}s (parsing {:.2}s); {} queries from {}",
        t.elapsed().as_secs_f64(),
        parse_s,
        queries.len(),
        args.queries.display()
    );

    let mut rows = Vec::new();
    for q in &queries {
        let t = Instant::now();
        let (ids, total) = search(&q.query).map_err(|e| format!("{} ({}): {e}", q.id, q.query))?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let grade = |id: &String| q.relevant.get(id).copied().unwrap_or(0);
        let s5 = if ids.iter().take(5).any(|id| grade(id) >= 1) {
            1.0
        } else {
            0.0
        };
        let mut ideal: Vec<u8> = q.relevant.values().copied().collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let idcg = dcg(ideal.into_iter().take(10));
        let got = dcg(ids.iter().take(10).map(grade));
        let ndcg = if idcg > 0.0 { got / idcg } else { 0.0 };
        let unjudged = ids
            .iter()
            .take(10)
            .filter(|id| !q.relevant.contains_key(*id))
            .count();
        rows.push(Row {
            q,
            s5,
            ndcg,
            total,
            unjudged,
            ids,
            ms,
        });
    }

    let title_w = 34;
    println!();
    println!(
        "{} {} {:>4} {:>6} {:>6} {:>5}  top {} (grade in [])",
        fit("id", 4),
        fit("query", 22),
        "s@5",
        "nDCG",
        "total",
        "unj",
        args.top
    );
    for r in &rows {
        let tops: Vec<String> = r
            .ids
            .iter()
            .take(args.top)
            .map(|id| {
                let g =
                    r.q.relevant
                        .get(id)
                        .map(|g| g.to_string())
                        .unwrap_or_else(|| "-".into());
                format!(
                    "[{g}] {}",
                    fit(titles.get(id).map(String::as_str).unwrap_or(id), title_w).trim_end()
                )
            })
            .collect();
        println!(
            "{} {} {:>4.0} {:>6.3} {:>6} {:>5}  {}",
            fit(&r.q.id, 4),
            fit(&r.q.query, 22),
            r.s5,
            r.ndcg,
            r.total,
            r.unjudged,
            tops.join(" | ")
        );
    }

    let n = rows.len().max(1) as f64;
    let mean_s5 = rows.iter().map(|r| r.s5).sum::<f64>() / n;
    let mean_ndcg = rows.iter().map(|r| r.ndcg).sum::<f64>() / n;
    let mut ms: Vec<f64> = rows.iter().map(|r| r.ms).collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    let p50 = ms.get(ms.len() / 2).copied().unwrap_or(0.0);
    println!();
    println!(
        "MEAN over {} queries ({}): success@5 = {:.3}   nDCG@10 = {:.3}   (query time p50 {:.1} ms, max {:.1} ms)",
        rows.len(),
        engine_name,
        mean_s5,
        mean_ndcg,
        p50,
        ms.last().copied().unwrap_or(0.0)
    );

    let mut worst: Vec<&Row> = rows.iter().collect();
    worst.sort_by(|a, b| a.ndcg.total_cmp(&b.ndcg).then(a.s5.total_cmp(&b.s5)));
    println!();
    println!("WORST 5 (by nDCG@10):");
    for r in worst.iter().take(5) {
        println!(
            "  {} {}  s@5={:.0} nDCG={:.3} total={} — {}",
            r.q.id, r.q.query, r.s5, r.ndcg, r.total, r.q.intent
        );
        for (i, id) in r.ids.iter().take(5).enumerate() {
            let g =
                r.q.relevant
                    .get(id)
                    .map(|g| g.to_string())
                    .unwrap_or_else(|| "-".into());
            println!(
                "      {}. [{g}] {}",
                i + 1,
                titles.get(id).map(String::as_str).unwrap_or(id)
            );
        }
    }

    if let Some(path) = &args.dump {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.q.id, "query": r.q.query, "success_at_5": r.s5, "ndcg_at_10": r.ndcg,
                    "total": r.total, "top10": r.ids,
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("\ntop-10 ids written to {}", path.display());
    }
    Ok(())
}

/// One query → (top ids, total hits).
type Searcher = dyn Fn(&str) -> Result<(Vec<String>, usize), String>;

/// A Meilisearch index with the engine's default settings, spoken to over plain HTTP.
struct RawMeili {
    url: String,
    key: Option<String>,
    uid: String,
}

impl RawMeili {
    fn req(&self, method: &str, path: &str) -> ureq::Request {
        let r = ureq::request(method, &format!("{}{path}", self.url.trim_end_matches('/')))
            .timeout(std::time::Duration::from_secs(120));
        match &self.key {
            Some(k) => r.set("Authorization", &format!("Bearer {k}")),
            None => r,
        }
    }

    fn wait(&self, task: &serde_json::Value) -> Result<(), String> {
        let uid = task["taskUid"].as_u64().ok_or("no taskUid")?;
        for _ in 0..1200 {
            let t: serde_json::Value = self
                .req("GET", &format!("/tasks/{uid}"))
                .call()
                .map_err(|e| e.to_string())?
                .into_json()
                .map_err(|e| e.to_string())?;
            match t["status"].as_str() {
                Some("succeeded") => return Ok(()),
                Some("failed") | Some("canceled") => return Err(format!("task {uid}: {t}")),
                _ => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
        Err(format!("task {uid} did not finish"))
    }

    fn load(url: &str, key: Option<String>, uid: &str, docs: &[SearchDoc]) -> Result<Self, String> {
        let raw = RawMeili {
            url: url.to_string(),
            key,
            uid: uid.to_string(),
        };
        let _ = raw.req("DELETE", &format!("/indexes/{uid}")).call();
        for chunk in docs.chunks(1000) {
            let task: serde_json::Value = raw
                .req("POST", &format!("/indexes/{uid}/documents?primaryKey=id"))
                .send_json(serde_json::to_value(chunk).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?
                .into_json()
                .map_err(|e| e.to_string())?;
            raw.wait(&task)?;
        }
        Ok(raw)
    }

    fn search(&self, q: &str) -> Result<(Vec<String>, usize), String> {
        let res: serde_json::Value = self
            .req("POST", &format!("/indexes/{}/search", self.uid))
            .send_json(serde_json::json!({"q": q, "limit": 10, "attributesToRetrieve": ["id"]}))
            .map_err(|e| e.to_string())?
            .into_json()
            .map_err(|e| e.to_string())?;
        let ids = res["hits"]
            .as_array()
            .map(|h| {
                h.iter()
                    .filter_map(|x| x["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let total = res["estimatedTotalHits"].as_u64().unwrap_or(0) as usize;
        Ok((ids, total))
    }
}
