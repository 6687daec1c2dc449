//! Part C: delivery throughput, N emails into the SMTP sink and N pushes into the push
//! service, through the matching path.

use super::*;

// ---------------------------------------------------------------------------------------
// Part C: throughput

/// Watches a counter while `deliver_due` runs; prints progress every 10 s.
pub(crate) fn progress_thread(
    stop: Arc<AtomicBool>,
    count: impl Fn() -> usize + Send + 'static,
    total: usize,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let t = Instant::now();
        let mut next = Duration::from_secs(10);
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            if t.elapsed() >= next {
                next += Duration::from_secs(10);
                let c = count();
                eprintln!(
                    "    … {} / {} received by the sink ({:.0}s, {:.0}/s)",
                    n(c),
                    n(total),
                    t.elapsed().as_secs_f64(),
                    c as f64 / t.elapsed().as_secs_f64()
                );
            }
        }
    })
}

pub(crate) struct Throughput {
    pub(crate) channel: &'static str,
    pub(crate) n: usize,
    pub(crate) run_ms: f64,
    pub(crate) created: usize,
    pub(crate) secs: f64,
    pub(crate) sent: usize,
    pub(crate) failed: usize,
    pub(crate) suppressed: usize,
    pub(crate) held: usize,
    pub(crate) received: usize,
    pub(crate) rejected: usize,
    pub(crate) bench_cpu: f64,
    pub(crate) sink_cpu: f64,
    pub(crate) connections: f64,
}

impl Throughput {
    pub(crate) fn print(&self, sink: &str) -> String {
        let rate = self.sent as f64 / self.secs.max(1e-9);
        let bench_cores = self.bench_cpu / self.secs.max(1e-9);
        let sink_cores = self.sink_cpu / self.secs.max(1e-9);
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get() as f64)
            .unwrap_or(1.0);
        let limit = if sink_cores > 0.85 {
            format!("{sink} (Python, one core at most under the GIL: {sink_cores:.2} busy)")
        } else if bench_cores + sink_cores > 0.75 * cpus {
            format!(
                "CPU: both sides together keep {:.2} of the {cpus:.0} cores busy",
                bench_cores + sink_cores
            )
        } else {
            "neither side is CPU-bound: the time goes to waiting (round trips, stalls)".to_string()
        };
        format!(
            "{}: {} deliveries ({} inserted by matching::run in {:.0} ms) sent in {:.1}s = {:.0} messages/s; \
             report sent {} failed {} suppressed {} held {}; sink received {} (rejected {}); \
             CPU over the send: jiwon {:.1}s ({:.2} cores), {sink} {:.1}s ({:.2} cores); \
             TCP connections opened {:.0} → limit: {limit}",
            self.channel,
            n(self.n),
            n(self.created),
            self.run_ms,
            self.secs,
            rate,
            n(self.sent),
            n(self.failed),
            n(self.suppressed),
            n(self.held),
            n(self.received),
            n(self.rejected),
            self.bench_cpu,
            bench_cores,
            self.sink_cpu,
            sink_cores,
            self.connections
        )
    }
}

/// `total` rows of subscriptions (and owners) sharing one criteria, written fast.
pub(crate) fn insert_audience(
    state: &AppState,
    dir: &Path,
    total: usize,
    channel: &str,
    push: Option<&PushService>,
) {
    let now = state.now();
    let cid = {
        let mut conn = state.conn().expect("conn");
        let c = Criteria {
            categories: vec!["내수".into()],
            ..Default::default()
        }
        .canonical();
        alerts_store::criteria_id_for(&mut conn, &c, now).expect("criteria")
    };
    let spec = Criteria {
        categories: vec!["내수".into()],
        ..Default::default()
    }
    .canonical()
    .to_json();
    let mut conn = gen_connection(&db_path(dir));
    let t = Instant::now();
    let mut i = 0;
    while i < total {
        let end = (i + GEN_BATCH).min(total);
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            for k in i..end {
                let user_id = if push.is_some() {
                    let id = new_id();
                    diesel::insert_into(users::table)
                        .values(&User {
                            id: id.clone(),
                            email: format!("push{k}@bench.jiwon.test"),
                            password_hash: PLACEHOLDER_HASH.into(),
                            display_name: format!("사장님{k}"),
                            is_operator: false,
                            agency_id: None,
                            agency_role: None,
                            active: true,
                            created_at: now,
                            last_login_at: None,
                        })
                        .execute(conn)?;
                    diesel::insert_into(owner_profiles::table)
                        .values(&verified_profile(&id, now))
                        .execute(conn)?;
                    if let Some(p) = push {
                        diesel::insert_into(push_endpoints::table)
                            .values(&PushEndpoint {
                                id: new_id(),
                                user_id: id.clone(),
                                endpoint: format!("http://127.0.0.1:{}/push/{k}", p.port),
                                p256dh: p.p256dh.clone(),
                                auth: p.auth.clone(),
                                created_at: now,
                                last_success_at: None,
                            })
                            .execute(conn)?;
                    }
                    Some(id)
                } else {
                    None
                };
                diesel::insert_into(subscriptions::table)
                    .values(&Subscription {
                        id: new_id(),
                        email: if user_id.is_none() {
                            Some(format!("reader{k}@bench.jiwon.test"))
                        } else {
                            None
                        },
                        user_id,
                        name: "내수".into(),
                        criteria_id: cid.clone(),
                        spec: spec.clone(),
                        is_profile: false,
                        frequency: "instant".into(),
                        channels: format!("[\"{channel}\"]"),
                        status: "active".into(),
                        created_at: now,
                        confirmed_at: Some(now),
                        updated_at: now,
                    })
                    .execute(conn)?;
            }
            Ok(())
        })
        .expect("insert audience");
        i = end;
    }
    conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);").ok();
    println!(
        "  inserted {} {} subscriptions{} in {:.1}s",
        n(total),
        channel,
        if push.is_some() {
            " (owners + push endpoints)"
        } else {
            " (email-only)"
        },
        t.elapsed().as_secs_f64()
    );
}

pub(crate) fn part_email(summary: &mut Vec<String>, total: usize) {
    println!();
    println!(
        "== C1. {} email deliveries into the local SMTP sink ==",
        n(total)
    );
    let dir = work_dir("email");
    let sink = SmtpSink::start(dir.path());
    let now = noon_today();
    let mut config = bench_config(dir.path());
    config.smtp_url = Some(sink.url());
    let threads = config.smtp_pool_size;
    let state = new_state(config, now);
    let actor = staff(&state);
    insert_audience(&state, dir.path(), total, "email", None);
    let mail_dir = sink.dir.clone();
    let r = send_all(
        &state,
        &actor,
        total,
        "email",
        move || count_eml(&mail_dir),
        &sink.pid(),
        |s| (s, 0),
        threads,
    );
    let line = r.print("smtp_sink.py");
    println!("  {line}");
    summary.push(format!("C. {line}"));
}

pub(crate) fn part_push(summary: &mut Vec<String>, total: usize) {
    println!();
    println!(
        "== C2. {} web push deliveries into the local push service ==",
        n(total)
    );
    let dir = work_dir("push");
    let service = PushService::start(dir.path());
    let now = noon_today();
    let mut config = bench_config(dir.path());
    let (private, public) = jiwon::alerts::push::generate_vapid_keys();
    config.vapid_private_key = Some(private);
    config.vapid_public_key = Some(public);
    let threads = config.smtp_pool_size;
    let state = new_state(config, now);
    let actor = staff(&state);
    insert_audience(&state, dir.path(), total, "push", Some(&service));
    let log = service.log.clone();
    let count = move || {
        std::fs::read_to_string(&log)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    let r = send_all(
        &state,
        &actor,
        total,
        "push",
        count,
        &service.pid(),
        |_| service.counts(),
        threads,
    );
    let line = r.print("push_service.py");
    println!("  {line}");
    summary.push(format!("C. {line}"));
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn send_all(
    state: &AppState,
    actor: &CurrentUser,
    total: usize,
    channel: &'static str,
    count: impl Fn() -> usize + Send + Clone + 'static,
    sink_pid: &str,
    received: impl Fn(usize) -> (usize, usize),
    threads: u32,
) -> Throughput {
    let id = create_and_publish(
        state,
        actor,
        "2027년 소상공인 온라인 판로 지원사업 참여기업 모집 (처리량 벤치)",
        "내수",
    );
    let now = state.now();
    let t = Instant::now();
    let report = {
        let mut conn = state.conn().expect("conn");
        matching::run(&mut conn, &id, "publish", 1, &[], now).expect("run")
    };
    let run_ms = ms(t);
    println!(
        "  matching::run: {} subscriptions matched → {} deliveries inserted in {:.0} ms",
        n(report.subscriptions_matched),
        n(report.deliveries_created),
        run_ms
    );
    println!(
        "  alerts::send::deliver_due(&state, \"bench\", usize::MAX) with {threads} sender threads, batches of {} …",
        state.config.delivery_batch
    );
    flush();
    let cpu0 = cpu_seconds("self");
    let sink0 = cpu_seconds(sink_pid);
    let conn0 = tcp_active_opens();
    let stop = Arc::new(AtomicBool::new(false));
    let progress = progress_thread(stop.clone(), count.clone(), report.deliveries_created);
    let t = Instant::now();
    let r = send::deliver_due(state, "bench", usize::MAX).expect("deliver_due");
    let secs = t.elapsed().as_secs_f64();
    let cpu1 = cpu_seconds("self");
    let sink1 = cpu_seconds(sink_pid);
    let conn1 = tcp_active_opens();
    stop.store(true, Ordering::Relaxed);
    let _ = progress.join();
    // Whatever the sink still writes (it already answered 250/201 for each).
    std::thread::sleep(Duration::from_millis(300));
    let (received, rejected) = received(count());
    Throughput {
        channel,
        n: total,
        run_ms,
        created: report.deliveries_created,
        secs,
        sent: r.sent,
        failed: r.failed,
        suppressed: r.suppressed,
        held: r.held,
        received,
        rejected,
        bench_cpu: cpu1 - cpu0,
        sink_cpu: sink1 - sink0,
        connections: conn1 - conn0,
    }
}
