//! The module structure stays as docs/ARCHITECTURE.md draws it: no cycle among the
//! domain modules, and nothing below the top (worker, health, demo) imports it. The
//! figures come from `scripts/module-deps.sh`, which anyone can rerun.

use std::process::Command;

#[test]
fn domain_modules_import_each_other_in_one_direction_only() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg(format!("{root}/scripts/module-deps.sh"))
        .arg("--check")
        .current_dir(root)
        .output()
        .expect("run scripts/module-deps.sh");
    let report = String::from_utf8_lossy(&out.stdout);
    let section = |title: &str| -> String {
        report
            .split("\n\n")
            .find(|s| s.starts_with(title))
            .unwrap_or_default()
            .to_string()
    };
    let cycles = section("== cycles among domain modules ==");
    let upward = section("== imports of a top module from below it ==");
    assert!(
        out.status.success(),
        "module structure broken:\n{cycles}\n{upward}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        cycles.ends_with("none") || cycles.ends_with("none\n"),
        "{cycles}"
    );
    assert!(upward.contains("none"), "{upward}");
    // The graph really was read: the domains' known edges are there.
    let graph = section("== domain graph ==");
    assert!(
        graph.contains("alerts -> accounts, announcements"),
        "{graph}"
    );
}
