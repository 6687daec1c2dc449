//! The `jiwon` command: parse the CLI, load config, call into the library.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Data;
use clap::{Parser, Subcommand};

use jiwon::clock::SystemClock;
use jiwon::config::Config;
use jiwon::error::AppError;
use jiwon::ingest::service::{import_location, Terminal};
use jiwon::{demo, jobs, AppState};

#[derive(Parser)]
#[command(
    name = "jiwon",
    version,
    about = "지원(Jiwon): 소상공인·중소기업 지원사업 통합 포털"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site and API (with the scheduler and job worker in-process by default).
    Serve {
        /// Address to listen on (overrides JIWON_BIND).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Run only the scheduler and job worker (scale-out node).
    Worker,
    /// Apply database migrations and load reference data.
    Migrate,
    /// Import bizinfo / K-Startup data from files or URLs.
    Import {
        /// auto (sniff), bizinfo or kstartup.
        #[arg(long, default_value = "auto")]
        source: String,
        /// Files or http(s) URLs.
        #[arg(required = true)]
        locations: Vec<String>,
    },
    /// Rebuild the search index from the database into a fresh index and swap it in.
    Reindex,
    /// Generate a VAPID key pair for web push (put both in the environment).
    VapidKeys,
    /// A populated demo portal on a fresh embedded database, in one command.
    Demo {
        #[arg(long)]
        bind: Option<String>,
        /// Only build the database; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
}

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JIWON_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_web=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("오류: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

fn describe(e: &AppError) -> String {
    match e {
        AppError::BadRequest(m) | AppError::Config(m) | AppError::Internal(m) => m.clone(),
        other => other.to_string(),
    }
}

fn run(cli: Cli) -> Result<(), AppError> {
    match cli.command {
        Command::Serve { bind } => {
            let mut config = Config::from_env()?;
            if let Some(b) = bind {
                config.bind = b;
            }
            let state = Data::new(AppState::new(config, Arc::new(SystemClock))?);
            serve(state)
        }
        Command::Worker => {
            let config = Config::from_env()?;
            let interval = Duration::from_secs(config.scheduler_interval_secs);
            let state = Data::new(AppState::new(config, Arc::new(SystemClock))?);
            eprintln!(
                "작업자 실행 중 (간격 {}초). Ctrl-C로 종료.",
                interval.as_secs()
            );
            let handle = jobs::scheduler::spawn(state, interval, Arc::new(AtomicBool::new(false)));
            handle
                .join()
                .map_err(|_| AppError::internal("worker thread panicked"))
        }
        Command::Migrate => {
            let config = Config::from_env()?;
            let pool = jiwon::db::connect(&config.database_url, 1)?;
            let mut conn = pool.get()?;
            let n = jiwon::db::migrate(&mut conn)?;
            jiwon::reference::seed(&mut conn)?;
            let (c, r, k) = jiwon::reference::counts(&mut conn)?;
            eprintln!("마이그레이션 {n}개 적용. 기준 데이터: 분야 {c}, 지역 {r}, KSIC {k}");
            Ok(())
        }
        Command::Import { source, locations } => {
            let config = Config::from_env()?;
            let state = AppState::new(config, Arc::new(SystemClock))?;
            let mut failed = false;
            for loc in &locations {
                match import_location(&state, &source, loc, &mut Terminal) {
                    Ok(summary) => {
                        println!("{}", summary.line());
                        for r in summary.rejected.iter().take(50) {
                            println!(
                                "  거부 #{} {}: {}",
                                r.index,
                                r.source_id.as_deref().unwrap_or("-"),
                                r.reason
                            );
                        }
                        if summary.rejected.len() > 50 {
                            println!("  … 외 {}건", summary.rejected.len() - 50);
                        }
                    }
                    Err(e) => {
                        eprintln!("{loc}: 가져오기 실패 — {}", describe(&e));
                        failed = true;
                    }
                }
            }
            if failed {
                Err(AppError::BadRequest("일부 가져오기가 실패했습니다.".into()))
            } else {
                Ok(())
            }
        }
        Command::VapidKeys => {
            let (private, public) = jiwon::alerts::push::generate_vapid_keys();
            println!("JIWON_VAPID_PRIVATE_KEY={private}");
            println!("JIWON_VAPID_PUBLIC_KEY={public}");
            eprintln!("개인 키는 비밀로 보관하세요. 키를 바꾸면 기존 브라우저 구독은 다시 등록해야 합니다.");
            Ok(())
        }
        Command::Reindex => {
            let config = Config::from_env()?;
            let state = AppState::new(config, Arc::new(SystemClock))?;
            let started = std::time::Instant::now();
            eprintln!("검색 색인을 새로 만듭니다 ({})", state.search.name());
            let n = jiwon::search::service::reindex(&state, &mut |done| {
                if done % 1000 == 0 {
                    eprintln!("  … {done}");
                }
            })?;
            println!(
                "색인 완료: 문서 {n}건, {:.1}초",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Demo { bind, no_serve } => {
            let explicit = std::env::var("JIWON_DATABASE_URL")
                .ok()
                .filter(|s| !s.is_empty());
            let url = explicit
                .clone()
                .unwrap_or_else(|| "sqlite://var/demo.db".into());
            demo::remove_sqlite(&url)?;
            std::env::set_var("JIWON_DATABASE_URL", &url);
            let mut config = Config::from_env()?;
            if let Some(b) = bind {
                config.bind = b;
                config.base_url = format!("http://{}", config.bind);
            }
            if config.meili_url.is_none() && config.search_dir.exists() {
                // A fresh demo database gets a fresh embedded index too.
                std::fs::remove_dir_all(&config.search_dir).map_err(|e| {
                    AppError::Config(format!(
                        "cannot remove {}: {e}",
                        config.search_dir.display()
                    ))
                })?;
            }
            eprintln!("데모 데이터베이스 준비: {url}");
            let state = Data::new(AppState::new(config, Arc::new(SystemClock))?);
            let made = demo::populate(&state)?;
            println!();
            println!(
                "데모 기관: {} — 직원 계정 (비밀번호는 실행할 때마다 새로 만듭니다)",
                demo::DEMO_AGENCY
            );
            for a in &made.staff {
                println!("  {a}");
            }
            if let Some((owner, about)) = &made.owner {
                println!("데모 사업자: {about}");
                println!("  {owner}");
            }
            println!();
            if no_serve {
                return Ok(());
            }
            serve(state)
        }
    }
}

fn serve(state: Data<AppState>) -> Result<(), AppError> {
    let bind = state.config.bind.clone();
    let listener = TcpListener::bind(&bind)
        .map_err(|e| AppError::Config(format!("{bind}에서 대기할 수 없습니다: {e}")))?;
    println!("지원 포털: http://{bind}/  (콘솔: http://{bind}/console)");
    let stop = Arc::new(AtomicBool::new(false));
    let worker = if state.config.run_worker {
        let interval = Duration::from_secs(state.config.scheduler_interval_secs);
        Some(jobs::scheduler::spawn(
            state.clone(),
            interval,
            stop.clone(),
        ))
    } else {
        None
    };
    let result = actix_web::rt::System::new().block_on(async move {
        jiwon::run(state, listener)
            .map_err(AppError::internal)?
            .await
            .map_err(AppError::internal)
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    if let Some(w) = worker {
        let _ = w.join();
    }
    result
}
