//! The `jiwon` command: parse the CLI, load config, call into the library.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Data;
use clap::{Parser, Subcommand};

use jiwon::accounts::admin;
use jiwon::clock::SystemClock;
use jiwon::config::{Config, Environment};
use jiwon::error::AppError;
use jiwon::ingest::service::{import_location, Terminal};
use jiwon::{demo, AppState};

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
    /// Agencies: `agency add NAME --kind ministry|local|public`, `agency list`.
    Agency {
        #[command(subcommand)]
        command: AgencyCommand,
    },
    /// Agency administrators and operators: add (prints a one-time link), list, disable.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// A populated demo portal on a fresh embedded database, in one command.
    Demo {
        #[arg(long)]
        bind: Option<String>,
        /// Only build the database; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
}

#[derive(Subcommand)]
enum AgencyCommand {
    /// Add an agency.
    Add {
        name: String,
        /// ministry (중앙부처), local (지방자치단체) or public (공공기관).
        #[arg(long)]
        kind: String,
    },
    /// List agencies.
    List,
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Invite an agency administrator (--agency) or an operator: prints a one-time link
    /// where the person chooses their own password.
    Add {
        email: String,
        /// admin or operator.
        #[arg(long)]
        role: String,
        /// The agency of an admin (operators have none).
        #[arg(long)]
        agency: Option<String>,
    },
    /// List operators, agency staff and pending invitations.
    List {
        #[arg(long)]
        agency: Option<String>,
    },
    /// Disable an account (or cancel a pending invitation) and end its sessions.
    Disable { email: String },
}

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    if let Err(e) = jiwon::logging::init() {
        eprintln!("오류: {}", describe(&e));
        return ExitCode::FAILURE;
    }
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
            let mut config = Config::from_env(Environment::Production)?;
            refuse_half_configured(&config)?;
            if let Some(b) = bind {
                config.bind = b;
            }
            let state = Data::new(AppState::new(config, Arc::new(SystemClock))?);
            serve(state)
        }
        Command::Worker => {
            let config = Config::from_env(Environment::Production)?;
            refuse_half_configured(&config)?;
            let interval = Duration::from_secs(config.scheduler_interval_secs);
            let state = Data::new(AppState::new(config, Arc::new(SystemClock))?);
            eprintln!(
                "작업자 실행 중 (간격 {}초). Ctrl-C로 종료.",
                interval.as_secs()
            );
            let handle = jiwon::worker::spawn(state, interval, Arc::new(AtomicBool::new(false)));
            handle
                .join()
                .map_err(|_| AppError::internal("worker thread panicked"))
        }
        Command::Migrate => {
            let config = Config::from_env(Environment::Development)?;
            let pool = jiwon::db::connect(&config.database_url, 1)?;
            let mut conn = pool.get()?;
            let n = jiwon::db::migrate(&mut conn)?;
            jiwon::reference::seed(&mut conn)?;
            let (c, r, k) = jiwon::reference::counts(&mut conn)?;
            eprintln!("마이그레이션 {n}개 적용. 기준 데이터: 분야 {c}, 지역 {r}, KSIC {k}");
            Ok(())
        }
        Command::Import { source, locations } => {
            let config = Config::from_env(Environment::Development)?;
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
            let config = Config::from_env(Environment::Development)?;
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
        Command::Agency { command } => {
            let (config, mut conn) = admin_connection()?;
            drop(config);
            let now = chrono::Utc::now().naive_utc();
            match command {
                AgencyCommand::Add { name, kind } => {
                    let a = admin::add_agency(&mut conn, &name, &kind, now)?;
                    println!("기관 추가: {} ({})", a.name, a.kind_label());
                }
                AgencyCommand::List => {
                    for a in jiwon::accounts::store::list_agencies(&mut conn)? {
                        println!("{:<30} {}", a.name, a.kind_label());
                    }
                }
            }
            Ok(())
        }
        Command::Staff { command } => {
            let (config, mut conn) = admin_connection()?;
            let now = chrono::Utc::now().naive_utc();
            match command {
                StaffCommand::Add {
                    email,
                    role,
                    agency,
                } => {
                    let role = admin::StaffRole::parse(&role).ok_or_else(|| {
                        AppError::BadRequest(
                            "--role은 admin 또는 operator입니다. / --role must be admin or operator."
                                .into(),
                        )
                    })?;
                    let made = admin::add_staff(
                        &mut conn,
                        &config.base_url,
                        &email,
                        role,
                        agency.as_deref(),
                        now,
                    )?;
                    eprintln!(
                        "초대를 만들었습니다: {} ({}일 동안 한 번 쓸 수 있는 링크). 이 링크를 본인에게만 전하세요; 비밀번호는 본인이 정합니다.",
                        made.invitation.email,
                        admin::INVITE_DAYS
                    );
                    println!("{}", made.link);
                }
                StaffCommand::List { agency } => {
                    for line in admin::list_staff(&mut conn, agency.as_deref(), now)? {
                        println!("{line}");
                    }
                }
                StaffCommand::Disable { email } => {
                    admin::disable_staff(&mut conn, &email, now)?;
                    println!("비활성화했습니다: {email} (세션 종료, 대기 중인 초대 취소)");
                }
            }
            Ok(())
        }
        Command::Demo { bind, no_serve } => {
            let env = |k: &str| std::env::var(k).ok().filter(|s| !s.trim().is_empty());
            // Decided before anything is written: the demo's own stores, or empty ones.
            let (url, search_dir) = demo::claim_stores(
                matches!(env("JIWON_ENV").as_deref(), Some("production" | "prod")),
                env("JIWON_DATABASE_URL").as_deref(),
                env("JIWON_SEARCH_DIR").as_deref(),
            )?;
            let mut config = Config::from_env(Environment::Development)?;
            config.database_url = url.clone();
            config.search_dir = search_dir;
            // Always the embedded index: a configured Meilisearch index is someone's.
            config.meili_url = None;
            if let Some(b) = bind {
                config.bind = b;
                config.base_url = format!("http://{}", config.bind);
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

/// Production with a channel on but no provider would write people's addresses, numbers
/// and messages to development sinks: refuse before touching anything.
fn refuse_half_configured(config: &Config) -> Result<(), AppError> {
    match config.missing_channels() {
        Some(m) => Err(AppError::Config(m)),
        None => Ok(()),
    }
}

/// Config and a migrated database connection for the administration commands.
fn admin_connection() -> Result<(Config, jiwon::db::PooledConn), AppError> {
    let config = Config::from_env(Environment::Development)?;
    let pool = jiwon::db::connect(&config.database_url, 1)?;
    let mut conn = pool.get()?;
    jiwon::db::migrate(&mut conn)?;
    Ok((config, conn))
}

fn serve(state: Data<AppState>) -> Result<(), AppError> {
    let bind = state.config.bind.clone();
    let listener = TcpListener::bind(&bind)
        .map_err(|e| AppError::Config(format!("{bind}에서 대기할 수 없습니다: {e}")))?;
    println!("지원 포털: http://{bind}/  (콘솔: http://{bind}/console)");
    let stop = Arc::new(AtomicBool::new(false));
    let worker = if state.config.run_worker {
        let interval = Duration::from_secs(state.config.scheduler_interval_secs);
        Some(jiwon::worker::spawn(state.clone(), interval, stop.clone()))
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
