//! The Meilisearch engine against a real Meilisearch: the shared behaviour suite, and
//! `Unavailable` when nothing answers.
//!
//! Which Meilisearch: `JIWON_TEST_MEILI_URL` (+ `JIWON_TEST_MEILI_KEY`) if set; else a
//! `meilisearch` binary (`MEILISEARCH_BIN`, or on PATH) that the test starts on a free
//! loopback port with a throwaway database and stops at the end. With neither, the
//! behaviour test prints one `SKIPPED:` line and passes.

#[allow(dead_code)]
#[path = "support/search_behaviour.rs"]
mod behaviour;

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jiwon::search::config::SearchConfig;
use jiwon::search::meili::MeiliIndex;
use jiwon::search::{SearchDoc, SearchError, SearchIndex, SearchQuery};

const SKIP_LINE: &str =
    "SKIPPED: no Meilisearch (set JIWON_TEST_MEILI_URL or put meilisearch on PATH)";

/// A Meilisearch to talk to; a server started here is stopped on drop.
struct Server {
    url: String,
    key: Option<String>,
    child: Option<Child>,
    _dir: Option<tempfile::TempDir>,
    log: Option<PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Server {
    fn log_tail(&self) -> String {
        let Some(path) = &self.log else {
            return String::new();
        };
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(path) {
            let _ = f.read_to_string(&mut s);
        }
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    fn request(&self, method: &str, path: &str) -> ureq::Request {
        let req = ureq::request(
            method,
            &format!("{}{}", self.url.trim_end_matches('/'), path),
        )
        .timeout(Duration::from_secs(10));
        match &self.key {
            Some(k) => req.set("Authorization", &format!("Bearer {k}")),
            None => req,
        }
    }

    fn healthy(&self) -> bool {
        matches!(self.request("GET", "/health").call(), Ok(r) if r.status() == 200)
    }
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MEILISEARCH_BIN").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("meilisearch"))
        .find(|p| p.is_file())
}

fn find_server() -> Option<Server> {
    if let Some(url) = std::env::var("JIWON_TEST_MEILI_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        let key = std::env::var("JIWON_TEST_MEILI_KEY")
            .ok()
            .filter(|k| !k.is_empty());
        let server = Server {
            url,
            key,
            child: None,
            _dir: None,
            log: None,
        };
        assert!(
            server.healthy(),
            "JIWON_TEST_MEILI_URL={} does not answer /health",
            server.url
        );
        return Some(server);
    }
    let bin = find_binary()?;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let key = format!("jiwon-test-{}", unique("key"));
    let log = dir.path().join("meilisearch.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new(&bin)
        .current_dir(dir.path())
        .arg("--http-addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--db-path")
        .arg(dir.path().join("data.ms"))
        .arg("--dump-dir")
        .arg(dir.path().join("dumps"))
        .arg("--snapshot-dir")
        .arg(dir.path().join("snapshots"))
        .arg("--master-key")
        .arg(&key)
        .arg("--no-analytics")
        .arg("--log-level")
        .arg("WARN")
        .env_remove("MEILI_MASTER_KEY")
        .env_remove("MEILI_ENV")
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
    let mut server = Server {
        url: format!("http://127.0.0.1:{port}"),
        key: Some(key),
        child: Some(child),
        _dir: Some(dir),
        log: Some(log),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !server.healthy() {
        if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
            panic!(
                "{} exited ({status}):\n{}",
                bin.display(),
                server.log_tail()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{} did not come up:\n{}",
            bin.display(),
            server.log_tail()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(server)
}

fn config() -> SearchConfig {
    SearchConfig::load().expect("search-config/announcements.json")
}

#[test]
fn meilisearch_passes_the_behaviour_suite() {
    let Some(server) = find_server() else {
        println!("{SKIP_LINE}");
        return;
    };
    let uid = unique("jiwon_test");
    let engine = MeiliIndex::new(&server.url, server.key.as_deref(), &uid, config())
        .unwrap_or_else(|e| panic!("MeiliIndex::new: {e}\n{}", server.log_tail()));
    assert_eq!(engine.name(), "meilisearch");
    engine.health().expect("health");

    let results = behaviour::run_all(&engine);
    let mut failed = Vec::new();
    for (name, result) in &results {
        match result {
            Ok(()) => println!("ok - {name}"),
            Err(reason) => {
                println!("not ok - {name}: {reason}");
                failed.push(name.clone());
            }
        }
    }

    // Many blocking callers at once share the engine's runtime thread.
    std::thread::scope(|scope| {
        for t in 0..4 {
            let engine = &engine;
            scope.spawn(move || {
                for i in 0..10 {
                    let q = SearchQuery {
                        q: ["창업", "수출", "판로", ""][(t + i) % 4].into(),
                        limit: 5,
                        ..Default::default()
                    };
                    engine
                        .search(&q)
                        .unwrap_or_else(|e| panic!("concurrent search: {e}"));
                }
            });
        }
    });
    // Called from inside an async runtime it blocks that thread but does not panic.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async { engine.health() })
        .expect("health from inside a runtime");

    drop(engine);
    // An external server keeps no leftovers of ours.
    if server.child.is_none() {
        for u in [uid.clone(), format!("{uid}_next")] {
            let _ = server.request("DELETE", &format!("/indexes/{u}")).call();
        }
    }
    assert!(!results.is_empty(), "the behaviour suite ran no case");
    assert!(
        failed.is_empty(),
        "{} of {} behaviour cases failed: {failed:?}",
        failed.len(),
        results.len()
    );
}

#[test]
fn unreachable_meilisearch_is_unavailable() {
    // A port that was free a moment ago: nothing listens there.
    let url = format!("http://127.0.0.1:{}", free_port());
    let engine = MeiliIndex::new(&url, Some("some-master-key-123"), "announcements", config())
        .expect("a Meilisearch that is down does not stop the app from starting");
    let doc = SearchDoc {
        id: "a1".into(),
        title: "울산 창업 지원".into(),
        status: "published".into(),
        ..Default::default()
    };
    match engine.upsert(&[doc]) {
        Err(SearchError::Unavailable(_)) => {}
        other => panic!("upsert: expected Unavailable, got {other:?}"),
    }
    match engine.search(&SearchQuery {
        q: "창업".into(),
        limit: 10,
        ..Default::default()
    }) {
        Err(SearchError::Unavailable(_)) => {}
        other => panic!("search: expected Unavailable, got {other:?}"),
    }
    match engine.delete(&["a1".to_string()]) {
        Err(SearchError::Unavailable(_)) => {}
        other => panic!("delete: expected Unavailable, got {other:?}"),
    }
    assert!(matches!(engine.health(), Err(SearchError::Unavailable(_))));
    assert!(matches!(engine.count(), Err(SearchError::Unavailable(_))));
}
