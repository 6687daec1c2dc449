//! Part A: matching one new announcement against 10k / 100k / 1M subscriptions.

use super::*;

// ---------------------------------------------------------------------------------------
// Part A: matching

pub(crate) struct Sample {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) label: String,
}

/// `count` published announcements, a seeded sample of the imported ones.
pub(crate) fn pick_announcements(conn: &mut DbConnection, d: &Dists, count: usize) -> Vec<Sample> {
    let mut rows: Vec<(String, String)> = announcements::table
        .filter(announcements::status.eq("published"))
        .select((announcements::id, announcements::title))
        .load(conn)
        .expect("published");
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut rng = StdRng::seed_from_u64(SEED ^ 0xA11E);
    let chosen = rand::seq::index::sample(&mut rng, rows.len(), count.min(rows.len()));
    let mut picked: Vec<usize> = chosen.into_iter().collect();
    picked.sort();
    picked
        .into_iter()
        .map(|i| {
            let (id, title) = rows[i].clone();
            let a = ann_store::find(conn, &id).expect("find").expect("exists");
            let regions: Vec<String> = ann_store::region_codes(conn, &id).unwrap_or_default();
            let region = if a.nationwide {
                "전국".to_string()
            } else {
                regions
                    .iter()
                    .map(|r| d.region_names.get(r).cloned().unwrap_or_else(|| r.clone()))
                    .collect::<Vec<_>>()
                    .join("·")
            };
            let label = format!(
                "{}/{}/{}",
                a.category.clone().unwrap_or_else(|| "-".into()),
                short(&region, 8),
                short(&a.target_list().join("·"), 10)
            );
            Sample { id, title, label }
        })
        .collect()
}

#[derive(Clone, Default)]
pub(crate) struct MatchRow {
    pub(crate) terms: usize,
    pub(crate) evaluated: usize,
    pub(crate) matched: usize,
    pub(crate) subs: usize,
    pub(crate) ineligible: usize,
    pub(crate) planned: usize,
    pub(crate) match_ms: f64,
    pub(crate) plan_ms: f64,
}

pub(crate) struct SizeResult {
    pub(crate) size: usize,
    pub(crate) gen_s: f64,
    pub(crate) criteria: usize,
    pub(crate) owners: usize,
    pub(crate) db_mib: f64,
    pub(crate) match_ms: Vec<f64>,
    pub(crate) plan_ms: Vec<f64>,
    pub(crate) evaluated: Vec<usize>,
    pub(crate) matched: Vec<usize>,
    pub(crate) subs: Vec<usize>,
    pub(crate) planned: Vec<usize>,
    pub(crate) runs: Vec<(String, f64, usize, usize)>,
    pub(crate) skipped: usize,
    pub(crate) caps: String,
}

pub(crate) fn load_announcement(conn: &mut DbConnection, id: &str) -> Announcement {
    ann_store::find(conn, id)
        .expect("find")
        .expect("announcement")
}

/// `matching_criteria` for one announcement, timed (`plan` is timed by the caller).
pub(crate) fn measure_match(conn: &mut DbConnection, a: &Announcement) -> MatchRow {
    let facts = matching::facts_of(conn, a).expect("facts");
    let terms = facts.terms().len();
    let t = Instant::now();
    let (evaluated, matched) = matching::matching_criteria(conn, &facts).expect("matching");
    let match_ms = ms(t);
    MatchRow {
        terms,
        evaluated,
        matched: matched.len(),
        match_ms,
        plan_ms: f64::NAN,
        ..Default::default()
    }
}

/// Where the time of one `plan` goes, step by step (the same queries, timed apart).
pub(crate) fn breakdown(conn: &mut DbConnection, a: &Announcement, now: NaiveDateTime) -> String {
    let caps_budget = env_usize("JIWON_BENCH_CAPS_BUDGET_S").unwrap_or(60) as f64 * 1000.0;
    let mut caps_measured = 0usize;
    let t_all = Instant::now();
    let t = Instant::now();
    let facts: Facts = matching::facts_of(conn, a).expect("facts");
    let facts_ms = ms(t);
    let terms = facts.terms();
    let t = Instant::now();
    let ids: Vec<String> = criteria_terms::table
        .filter(criteria_terms::term.eq_any(&terms))
        .select(criteria_terms::criteria_id)
        .distinct()
        .load(conn)
        .expect("terms");
    let terms_ms = ms(t);
    let mut specs_ms = 0.0;
    let mut eval_ms = 0.0;
    let mut matched: Vec<String> = Vec::new();
    for chunk in ids.chunks(500) {
        let t = Instant::now();
        let rows: Vec<(String, String)> = subscription_criteria::table
            .filter(subscription_criteria::id.eq_any(chunk))
            .select((subscription_criteria::id, subscription_criteria::spec))
            .load(conn)
            .expect("specs");
        specs_ms += ms(t);
        let t = Instant::now();
        for (id, spec) in rows {
            if let Ok(c) = serde_json::from_str::<Criteria>(&spec) {
                if c.evaluate(&facts).is_some() {
                    matched.push(id);
                }
            }
        }
        eval_ms += ms(t);
    }
    let (mut subs_ms, mut prof_ms, mut mail_ms, mut caps_ms) = (0.0, 0.0, 0.0, 0.0);
    let mut caps = Caps::default();
    let mut subs_n = 0;
    let mut chunks = 0;
    let mut caps_first = f64::NAN;
    let mut caps_last = f64::NAN;
    // For the extrapolation: users seen before each chunk, and (users × seen) per chunk,
    // measured or not.
    let mut seen: HashSet<String> = HashSet::new();
    let (mut work_measured, mut work_rest) = (0.0f64, 0.0f64);
    for chunk in matched.chunks(200) {
        chunks += 1;
        let t = Instant::now();
        let subs: Vec<Subscription> = subscriptions::table
            .filter(subscriptions::criteria_id.eq_any(chunk))
            .filter(subscriptions::status.eq("active"))
            .select(Subscription::as_select())
            .load(conn)
            .expect("subs");
        subs_ms += ms(t);
        subs_n += subs.len();
        let user_ids: Vec<String> = subs
            .iter()
            .filter_map(|s| s.user_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let t = Instant::now();
        let _ = alerts_store::profiles_of(conn, &user_ids).expect("profiles");
        prof_ms += ms(t);
        let t = Instant::now();
        for c in user_ids.chunks(500) {
            let _: Vec<(String, String)> = users::table
                .filter(users::id.eq_any(c))
                .filter(users::active.eq(true))
                .select((users::id, users::email))
                .load(conn)
                .expect("emails");
        }
        mail_ms += ms(t);
        let work = user_ids.len() as f64 * seen.len() as f64;
        seen.extend(user_ids.iter().cloned());
        if caps_ms >= caps_budget {
            work_rest += work;
            continue;
        }
        work_measured += work;
        let t = Instant::now();
        caps.load(conn, &user_ids, now).expect("caps");
        let c = ms(t);
        if chunks == 1 {
            caps_first = c;
        }
        caps_last = c;
        caps_ms += c;
        caps_measured += 1;
    }
    // Past the budget: for each user of a chunk, Caps::load scans the keys of every user
    // loaded before, so a chunk costs about γ · (its users) · (users seen before it); γ is
    // fitted on the measured chunks.
    let caps_note = if caps_measured < chunks && work_measured > 0.0 {
        let gamma = caps_ms / work_measured;
        let total = caps_ms + gamma * work_rest;
        format!(
            "Caps::load measured on the first {caps_measured} of {chunks} chunks only ({:.1} s, budget \
             JIWON_BENCH_CAPS_BUDGET_S); extrapolated for all {chunks} (cost ∝ chunk users × users \
             seen before, {:.1} ns per pair, which itself grows as the map outgrows the CPU caches, \
             so a lower bound): ≥ {:.0} s",
            caps_ms / 1000.0,
            gamma * 1e6,
            total / 1000.0
        )
    } else if caps_measured < chunks {
        format!("Caps::load measured on {caps_measured} of {chunks} chunks only: {caps_ms:.1}")
    } else {
        format!("Caps::load {caps_ms:.1}")
    };
    let t = Instant::now();
    let _ = matching::Labels::load(conn).expect("labels");
    let labels_ms = ms(t);
    println!(
        "    breakdown (same queries timed apart, {:.0} ms in all): facts_of {:.1}; criteria_terms IN ({} terms) DISTINCT → {} ids {:.1}; \
         specs by id ({} chunks of 500) {:.1}; JSON parse + evaluate {:.1}; → {} matched criteria; \
         subscriptions by criteria_id ({} chunks of 200) {:.1} → {} rows; profiles_of {:.1}; emails {:.1}; \
         {} (first chunk {:.2}, last measured chunk {:.2}); Labels::load {:.1}",
        ms(t_all),
        facts_ms,
        terms.len(),
        n(ids.len()),
        terms_ms,
        ids.len().div_ceil(500),
        specs_ms,
        eval_ms,
        n(matched.len()),
        chunks,
        subs_ms,
        n(subs_n),
        prof_ms,
        mail_ms,
        caps_note,
        caps_first,
        caps_last,
        labels_ms
    );
    caps_note
}

pub(crate) fn part_matching(summary: &mut Vec<String>) {
    println!();
    println!("== A. matching one announcement against N subscriptions ==");
    let dir = work_dir("match");
    let now = noon_today();
    let state = new_state(bench_config(dir.path()), now);
    let path = db_path(dir.path());
    let t = Instant::now();
    for f in DATA_FILES {
        let loc = format!("data/{f}");
        let s = import_location(&state, "auto", &loc, &mut Quiet)
            .unwrap_or_else(|e| panic!("import {loc}: {e}"));
        println!("  import {}", s.line());
    }
    let mut conn = state.conn().expect("conn");
    // The import queued index/match/close jobs; no worker runs here, so they just wait.
    let published: i64 = announcements::table
        .filter(announcements::status.eq("published"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    let total: i64 = announcements::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    println!(
        "  {total} announcements imported in {:.1}s ({published} published, the rest closed as of {} KST)",
        t.elapsed().as_secs_f64(),
        jiwon::clock::format_kst(now, "%Y-%m-%d %H:%M")
    );
    let d = load_dists(&mut conn);
    println!("  distributions (from the imported announcements unless noted):");
    println!("    category:    {}", d.category.top(8, |s| s.clone()));
    println!("    subcategory: {}", d.subcategory.top(8, |s| s.clone()));
    println!(
        "    시도:        {}",
        d.sido.top(17, |c| jiwon::reference::sido_name(c)
            .unwrap_or(c)
            .to_string())
    );
    let mut top_sgg: Vec<String> = Vec::new();
    for (sido, code) in jiwon::reference::SIDO.iter().take(3) {
        if let Some(w) = d.sigungu.get(*code) {
            top_sgg.push(format!(
                "{sido}: {}",
                w.top(3, |c| d.region_names.get(c).cloned().unwrap_or_default())
            ));
        }
    }
    println!("    시군구 (e.g.): {}", top_sgg.join("; "));
    println!("    target:      {}", d.target.top(11, |s| s.clone()));
    println!(
        "    KSIC division (hard-coded shares): {}",
        d.division.top(10, |s| s.clone())
    );
    println!("    keywords:    {}", d.keyword.top(25, |s| s.clone()));
    println!(
        "  shapes: {}",
        SHAPES
            .iter()
            .map(|(s, w)| format!("{} {w:.0}%", s.label()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("{SHAPE_NOTES}");

    let count = env_usize("JIWON_BENCH_ANNOUNCEMENTS").unwrap_or(20);
    let samples = pick_announcements(&mut conn, &d, count);
    println!(
        "  {} announcements matched at every size (seeded sample of the published ones):",
        samples.len()
    );
    for (i, s) in samples.iter().enumerate() {
        println!("    a{:<2} {:<28} {}", i + 1, s.label, short(&s.title, 50));
    }
    let anns: Vec<Announcement> = samples
        .iter()
        .map(|s| load_announcement(&mut conn, &s.id))
        .collect();

    let budget = env_usize("JIWON_BENCH_PLAN_BUDGET_S").unwrap_or(300) as f64 * 1000.0;
    let mut gen = Generator::new(now);
    let mut results: Vec<SizeResult> = Vec::new();
    for size in sizes() {
        println!();
        println!("  -- {} subscriptions --", n(size));
        flush();
        let t = Instant::now();
        gen.extend_to(&d, &path, size);
        let gen_s = t.elapsed().as_secs_f64();
        let grown = size - results.last().map(|r| r.size).unwrap_or(0);
        println!(
            "  generated + inserted {} subscriptions in {:.1}s ({:.0}/s); now {} owners, {} distinct criteria \
             ({:.1} subscriptions per criteria), {} index terms; database {:.0} MiB",
            n(grown),
            gen_s,
            grown as f64 / gen_s.max(1e-9),
            n(gen.owners.len()),
            n(gen.criteria.len()),
            size as f64 / gen.criteria.len().max(1) as f64,
            n(gen.terms),
            file_mib(&path)
        );
        println!(
            "    by shape (subscriptions → distinct criteria): {}",
            gen.by_shape
                .iter()
                .map(|(s, c)| format!(
                    "{} {} → {}",
                    s.label(),
                    n(*c),
                    n(gen.criteria_by_shape.get(s).copied().unwrap_or(0))
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
        // Warm-up (not timed): the first announcement's matching, as a running server
        // would have its caches.
        let _ = measure_match(&mut conn, &anns[0]);
        println!(
            "    {:<4} {:<28} {:>5} {:>9} {:>8} {:>9} {:>6} {:>9} {:>9} {:>9}",
            "ann",
            "category/region/target",
            "terms",
            "evaluated",
            "matched",
            "subs",
            "inelig",
            "planned",
            "match ms",
            "plan ms"
        );
        // matching_criteria for every announcement; then plan, cheapest first, until the
        // time budget is spent (a few fan-outs are very slow at large sizes).
        let mut rows: Vec<MatchRow> = anns.iter().map(|a| measure_match(&mut conn, a)).collect();
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| rows[i].matched);
        let mut spent = 0.0;
        let mut skipped = 0;
        for &i in &order {
            if spent >= budget {
                skipped += 1;
                eprintln!("    … a{} plan skipped (budget spent)", i + 1);
                continue;
            }
            let t = Instant::now();
            let (report, planned) = matching::plan(&mut conn, &anns[i], &[], now).expect("plan");
            let r = &mut rows[i];
            r.plan_ms = ms(t);
            r.subs = report.subscriptions_matched;
            r.ineligible = report.ineligible;
            r.planned = planned.len();
            spent += r.plan_ms;
            eprintln!("    … a{} planned in {:.0} ms", i + 1, r.plan_ms);
        }
        for (i, r) in rows.iter().enumerate() {
            println!(
                "    a{:<3} {:<28} {:>5} {:>9} {:>8} {:>9} {:>6} {:>9} {:>9.1} {:>9.1}",
                i + 1,
                samples[i].label,
                r.terms,
                n(r.evaluated),
                n(r.matched),
                n(r.subs),
                n(r.ineligible),
                n(r.planned),
                r.match_ms,
                r.plan_ms
            );
        }
        flush();
        let match_ms = sorted(rows.iter().map(|r| r.match_ms).collect());
        let plan_ms = sorted(
            rows.iter()
                .map(|r| r.plan_ms)
                .filter(|x| x.is_finite())
                .collect(),
        );
        println!(
            "    matching_criteria ms: p50 {:.1}  p95 {:.1}  max {:.1}    plan ms: p50 {:.1}  p95 {:.1}  max {:.1}{}",
            pct(&match_ms, 50.0),
            pct(&match_ms, 95.0),
            match_ms.last().copied().unwrap_or(f64::NAN),
            pct(&plan_ms, 50.0),
            pct(&plan_ms, 95.0),
            plan_ms.last().copied().unwrap_or(f64::NAN),
            if skipped > 0 {
                format!(" (plan skipped for {skipped}: over the {:.0}s budget)", budget / 1000.0)
            } else {
                String::new()
            }
        );
        // The announcement with the most matching criteria, step by step.
        let (max_i, _) = rows
            .iter()
            .enumerate()
            .max_by_key(|(_, r)| r.matched)
            .unwrap_or((0, &rows[0]));
        println!(
            "    where the time of plan goes for a{} (the most matching criteria):",
            max_i + 1
        );
        let caps_note = breakdown(&mut conn, &anns[max_i], now);
        // matching::run (plan + inserting deliveries) for the median and the largest fan-out.
        let mut by_planned: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].plan_ms.is_finite())
            .collect();
        by_planned.sort_by_key(|&i| rows[i].planned);
        let mut runs = Vec::new();
        // (The largest only when its plan alone fitted in half the budget.)
        let picks: Vec<(usize, &str)> =
            match (by_planned.get(by_planned.len() / 2), by_planned.last()) {
                (Some(&m), Some(&l)) if m != l && rows[l].plan_ms < budget / 2.0 => {
                    vec![(m, "median fan-out"), (l, "largest fan-out")]
                }
                (Some(&m), _) => vec![(m, "median fan-out")],
                _ => vec![],
            };
        for (i, why) in picks {
            let t = Instant::now();
            let r = matching::run(
                &mut conn,
                &anns[i].id,
                "publish",
                anns[i].revision,
                &[],
                now,
            )
            .expect("run");
            let run_ms = ms(t);
            println!(
                "    matching::run a{} ({why}): {:.0} ms — {} subscriptions matched, {} deliveries inserted ({:.0} inserts/s)",
                i + 1,
                run_ms,
                n(r.subscriptions_matched),
                n(r.deliveries_created),
                r.deliveries_created as f64 / (run_ms / 1000.0).max(1e-9)
            );
            runs.push((
                format!("a{} {why}", i + 1),
                run_ms,
                r.subscriptions_matched,
                r.deliveries_created,
            ));
            diesel::delete(deliveries::table)
                .execute(&mut conn)
                .expect("clear deliveries");
        }
        flush();
        results.push(SizeResult {
            caps: format!("a{}: {caps_note}", max_i + 1),
            size,
            gen_s,
            criteria: gen.criteria.len(),
            owners: gen.owners.len(),
            db_mib: file_mib(&path),
            match_ms,
            plan_ms,
            evaluated: rows.iter().map(|r| r.evaluated).collect(),
            matched: rows.iter().map(|r| r.matched).collect(),
            subs: rows
                .iter()
                .filter(|r| r.plan_ms.is_finite())
                .map(|r| r.subs)
                .collect(),
            planned: rows
                .iter()
                .filter(|r| r.plan_ms.is_finite())
                .map(|r| r.planned)
                .collect(),
            runs,
            skipped,
        });
    }
    println!("  peak RSS {:.0} MiB", status_mib("VmHWM:"));

    summary.push(format!(
        "A. matching, {} announcements per size (SQLite, one connection; ms):",
        anns.len()
    ));
    summary.push(format!(
        "{:>10} {:>9} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>11} {:>11} {:>11}",
        "subs",
        "criteria",
        "owners",
        "gen s",
        "match p50",
        "p95",
        "max",
        "plan p50",
        "p95",
        "max",
        "eval mean",
        "matched mn",
        "subs mean",
        "planned mn"
    ));
    for r in &results {
        let mean = |v: &Vec<usize>| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
        summary.push(format!(
            "{:>10} {:>9} {:>8} {:>7.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>11.0} {:>11.0} {:>11.0} {:>11.0}{}",
            n(r.size),
            n(r.criteria),
            n(r.owners),
            r.gen_s,
            pct(&r.match_ms, 50.0),
            pct(&r.match_ms, 95.0),
            r.match_ms.last().copied().unwrap_or(f64::NAN),
            pct(&r.plan_ms, 50.0),
            pct(&r.plan_ms, 95.0),
            r.plan_ms.last().copied().unwrap_or(f64::NAN),
            mean(&r.evaluated),
            mean(&r.matched),
            mean(&r.subs),
            mean(&r.planned),
            if r.skipped > 0 { format!("  (plan skipped ×{})", r.skipped) } else { String::new() }
        ));
        for (label, run_ms, subs, created) in &r.runs {
            summary.push(format!(
                "{:>10}   matching::run {label}: {:.0} ms, {} subscriptions, {} deliveries inserted",
                "",
                run_ms,
                n(*subs),
                n(*created)
            ));
        }
        summary.push(format!(
            "{:>10}   database {:.0} MiB; the most matching criteria, {}",
            "", r.db_mib, r.caps
        ));
    }
    drop(conn);
    drop(state);
}

pub(crate) fn sizes() -> Vec<usize> {
    if let Ok(s) = std::env::var("JIWON_BENCH_SIZES") {
        let mut v: Vec<usize> = s
            .split(',')
            .filter_map(|x| x.trim().replace('_', "").parse().ok())
            .collect();
        v.sort();
        if !v.is_empty() {
            return v;
        }
    }
    // Generating 1M takes well under a minute, so it is on unless JIWON_BENCH_1M=0.
    let mut v = vec![10_000, 100_000];
    if std::env::var("JIWON_BENCH_1M")
        .map(|s| s != "0")
        .unwrap_or(true)
    {
        v.push(1_000_000);
    }
    v
}
