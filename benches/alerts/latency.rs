//! Part B: publish → scheduler ticks → first email accepted by the SMTP sink.

use super::*;

// ---------------------------------------------------------------------------------------
// Part B: publish → first email

pub(crate) fn part_latency(summary: &mut Vec<String>) {
    println!();
    println!("== B. publish → first email accepted by the local SMTP server ==");
    let dir = work_dir("latency");
    let sink = SmtpSink::start(dir.path());
    let now = noon_today();
    let mut config = bench_config(dir.path());
    config.smtp_url = Some(sink.url());
    let state = new_state(config, now);
    let actor = staff(&state);
    // A handful of owners, each with a "내수" subscription by email.
    let owners = 5;
    {
        let mut conn = state.conn().expect("conn");
        let c = Criteria {
            categories: vec!["내수".into()],
            ..Default::default()
        }
        .canonical();
        let cid = alerts_store::criteria_id_for(&mut conn, &c, now).expect("criteria");
        for i in 0..owners {
            let id = new_id();
            accounts_store::insert_user(
                &mut conn,
                &User {
                    id: id.clone(),
                    email: format!("latency{i}@bench.jiwon.test"),
                    password_hash: PLACEHOLDER_HASH.into(),
                    display_name: format!("사장님{i}"),
                    is_operator: false,
                    agency_id: None,
                    agency_role: None,
                    active: true,
                    created_at: now,
                    last_login_at: None,
                },
            )
            .expect("user");
            alerts_store::save_profile(&mut conn, &verified_profile(&id, now)).expect("profile");
            alerts_store::insert_subscription(
                &mut conn,
                &Subscription {
                    id: new_id(),
                    user_id: Some(id),
                    email: None,
                    name: "내수".into(),
                    criteria_id: cid.clone(),
                    spec: c.to_json(),
                    is_profile: false,
                    frequency: "instant".into(),
                    channels: "[\"email\"]".into(),
                    status: "active".into(),
                    created_at: now,
                    confirmed_at: Some(now),
                    updated_at: now,
                },
            )
            .expect("subscription");
        }
    }
    // One tick with nothing to do first, as in a running worker (the first run also opens
    // the pooled SMTP connections; the median is over all runs).
    jiwon::worker::tick(&state, "bench").expect("tick");
    let runs = env_usize("JIWON_BENCH_LATENCY_RUNS").unwrap_or(10);
    let mut first = Vec::new();
    let mut all = Vec::new();
    let mut publishes = Vec::new();
    println!(
        "  {owners} owners subscribed to 내수 (email, instant); each run publishes a new nationwide 내수 announcement"
    );
    println!(
        "  {:>4} {:>11} {:>14} {:>16} {:>6}",
        "run",
        "publish ms",
        "first mail ms",
        format!("all {owners} mails ms"),
        "ticks"
    );
    for run in 0..runs {
        let before = sink.count();
        let stop = Arc::new(AtomicBool::new(false));
        let seen: Arc<Mutex<(Option<Instant>, Option<Instant>)>> =
            Arc::new(Mutex::new((None, None)));
        let id = create_draft(
            &state,
            &actor,
            &format!(
                "2027년 소상공인 온라인 판로 지원사업 참여기업 모집 (벤치 {})",
                run + 1
            ),
            "내수",
        );
        let t0 = Instant::now();
        let watcher = {
            let stop = stop.clone();
            let seen = seen.clone();
            let dir = sink.dir.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let c = count_eml(&dir);
                    let mut s = seen.lock().unwrap();
                    if c > before && s.0.is_none() {
                        s.0 = Some(Instant::now());
                    }
                    if c >= before + owners {
                        s.1 = Some(Instant::now());
                        return;
                    }
                    drop(s);
                    std::thread::sleep(Duration::from_micros(200));
                }
            })
        };
        publish(&state, &actor, &id);
        let publish_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let mut ticks = 0;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            jiwon::worker::tick(&state, "bench").expect("tick");
            ticks += 1;
            if seen.lock().unwrap().1.is_some()
                || sink.count() >= before + owners
                || Instant::now() > deadline
            {
                break;
            }
        }
        // Let the watcher notice the last file.
        let wait_until = Instant::now() + Duration::from_secs(5);
        while seen.lock().unwrap().1.is_none() && Instant::now() < wait_until {
            std::thread::sleep(Duration::from_millis(1));
        }
        stop.store(true, Ordering::Relaxed);
        let _ = watcher.join();
        let s = *seen.lock().unwrap();
        let f =
            s.0.map(|x| (x - t0).as_secs_f64() * 1000.0)
                .unwrap_or(f64::NAN);
        let l =
            s.1.map(|x| (x - t0).as_secs_f64() * 1000.0)
                .unwrap_or(f64::NAN);
        println!(
            "  {:>4} {:>11.1} {:>14.1} {:>16.1} {:>6}",
            run + 1,
            publish_ms,
            f,
            l,
            ticks
        );
        publishes.push(publish_ms);
        if f.is_nan() {
            println!("  no email arrived within 60 s: giving up on part B");
            break;
        }
        first.push(f);
        all.push(l);
    }
    let (publishes, first, all) = (sorted(publishes), sorted(first), sorted(all));
    println!(
        "  median: publish {:.1} ms, first email {:.1} ms (min {:.1}, max {:.1}), all {owners} {:.1} ms",
        pct(&publishes, 50.0),
        pct(&first, 50.0),
        first.first().copied().unwrap_or(f64::NAN),
        first.last().copied().unwrap_or(f64::NAN),
        pct(&all, 50.0)
    );
    // One more run with the worker's steps called by hand, timed apart.
    let before = sink.count();
    let id = create_draft(
        &state,
        &actor,
        "2027년 소상공인 온라인 판로 지원사업 참여기업 모집 (벤치 단계별)",
        "내수",
    );
    let t = Instant::now();
    publish(&state, &actor, &id);
    let publish_ms = ms(t);
    let t = Instant::now();
    jiwon::search::service::index_ids(&state.pool, &*state.search, std::slice::from_ref(&id))
        .expect("index");
    let index_ms = ms(t);
    let t = Instant::now();
    let r = {
        let mut conn = state.conn().expect("conn");
        matching::run(&mut conn, &id, "publish", 1, &[], now).expect("run")
    };
    let run_ms = ms(t);
    let t = Instant::now();
    let sent = send::deliver_due(&state, "bench", usize::MAX).expect("deliver");
    let send_ms = ms(t);
    let t = Instant::now();
    jiwon::worker::tick(&state, "bench").expect("tick");
    let tick_ms = ms(t);
    let steps = format!(
        "steps of one publish, called by hand: publish_now {publish_ms:.1} ms; search index_ids (the \
         index job, which the tick runs first) {index_ms:.1} ms; matching::run {run_ms:.1} ms ({} deliveries); \
         deliver_due {send_ms:.1} ms for {} emails ({} new in the sink); then a tick with those jobs \
         still queued (index again, matching finds nothing new) {tick_ms:.1} ms",
        r.deliveries_created,
        sent.sent,
        sink.count() - before
    );
    println!("  {steps}");
    summary.push(format!(
        "B. publish → first email accepted by the SMTP sink: median {:.1} ms over {} runs (min {:.1}, max {:.1}; \
         publish_now {:.1} ms of it; all {owners} emails {:.1} ms); ticks back to back, no scheduler interval",
        pct(&first, 50.0),
        first.len(),
        first.first().copied().unwrap_or(f64::NAN),
        first.last().copied().unwrap_or(f64::NAN),
        pct(&publishes, 50.0),
        pct(&all, 50.0)
    ));
    summary.push(format!("   {steps}"));

    // The same through the real worker loop (`scheduler::spawn`) at the production
    // interval: what an owner waits for, since the loop looks for due jobs every second.
    let interval = Duration::from_secs(15);
    let state = actix_web::web::Data::new(state);
    let stop = Arc::new(AtomicBool::new(false));
    let loop_handle = jiwon::worker::spawn(state.clone(), interval, stop.clone());
    std::thread::sleep(Duration::from_millis(500));
    let mut waits = Vec::new();
    for run in 0..5 {
        let before = sink.count();
        let id = create_draft(
            &state,
            &actor,
            &format!(
                "2027년 소상공인 온라인 판로 지원사업 참여기업 모집 (벤치 루프 {})",
                run + 1
            ),
            "내수",
        );
        // publish at a random point of the loop's second
        std::thread::sleep(Duration::from_millis(137 * run as u64 + 250));
        let t0 = Instant::now();
        publish(&state, &actor, &id);
        while sink.count() <= before && t0.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(2));
        }
        waits.push(ms(t0));
        // let the rest of this run's mails land before the next publish
        let until = Instant::now() + Duration::from_secs(5);
        while sink.count() < before + owners && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = loop_handle.join();
    let waits = sorted(waits);
    println!(
        "  with the worker loop (interval {} s, due-job poll 1 s), publish → first email over 5 runs: \
         median {:.0} ms (min {:.0}, max {:.0})",
        interval.as_secs(),
        pct(&waits, 50.0),
        waits.first().copied().unwrap_or(f64::NAN),
        waits.last().copied().unwrap_or(f64::NAN)
    );
    summary.push(format!(
        "   with the real worker loop at the production interval ({} s): median {:.0} ms (min {:.0}, max {:.0}) over 5 runs",
        interval.as_secs(),
        pct(&waits, 50.0),
        waits.first().copied().unwrap_or(f64::NAN),
        waits.last().copied().unwrap_or(f64::NAN)
    ));
}
