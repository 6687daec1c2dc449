//! Jiwon (지원): one front door to every public support program for Korean small
//! businesses. `main.rs` parses the CLI; everything else lives here so tests build the
//! same app.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod alerts;
pub mod announcements;
pub mod applications;
pub mod audit;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod health;
pub mod ids;
pub mod ingest;
pub mod jobs;
pub mod legal;
pub mod logging;
pub mod owners;
pub mod reference;
pub mod search;
pub mod signing;
pub mod storage;
pub mod text;
pub mod web;
pub mod worker;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{middleware, web as aweb, App, HttpServer};

use clock::Clock;
use config::Config;
use db::{DbConnection, Pool};
use error::{AppError, AppResult};

/// Everything a handler needs, shared as `web::Data<AppState>`.
pub struct AppState {
    pub pool: Pool,
    pub config: Config,
    pub tera: tera::Tera,
    pub clock: Arc<dyn Clock>,
    pub limiter: accounts::RateLimiter,
    /// The search engine (Meilisearch or the embedded index).
    pub search: Arc<dyn search::SearchIndex>,
    pub page_cache: web::PageCache,
    /// Email, web push and SMS senders.
    pub channels: alerts::send::Channels,
    /// Signing keys, one per purpose, derived from the current and previous secrets.
    pub keys: signing::Keys,
    /// What owners and alerts add to accounts (see [`accounts::Hooks`]).
    pub account_hooks: accounts::Hooks,
    /// Who an announcement would reach if published now (the console's publish
    /// confirmation): alert matching, set here so announcements need not import alerts.
    pub reach: announcements::service::ReachFn,
    /// Why an announcement fits a signed-in owner (its page): alerts' profile matching,
    /// set here like `reach`.
    pub fit: announcements::service::FitFn,
    /// How a program takes applications (the manage page's settings form, the public
    /// page's "이 포털에서 신청하기"): applications provides it, set here like `reach`.
    pub apply: announcements::service::ApplyHooks,
    /// "N개 기업 신청" on the announcement page (applications, set here like `reach`).
    pub applicant_count: announcements::service::ApplicantCountFn,
    /// Applications per day in the alert report (applications, set here like `reach`).
    pub applications_per_day: announcements::service::ApplicationsPerDayFn,
}

/// The announcements' hooks into applications (how a program takes applications).
pub fn apply_hooks() -> announcements::service::ApplyHooks {
    announcements::service::ApplyHooks {
        settings: applications::builder::settings_view,
        portal_ready: applications::builder::portal_ready,
    }
}

/// The accounts hooks, filled by the domains above accounts.
pub fn account_hooks() -> accounts::Hooks {
    accounts::Hooks {
        login_refusal: owners::login_refusal,
        carry_out: alerts::subscriptions::carry_out,
        queue_email: |conn, mail, now| {
            alerts::delivery::queue_account_email(
                conn,
                mail.user_id,
                mail.address,
                mail.kind,
                mail.unique,
                mail.detail,
                now,
            )
        },
    }
}

impl AppState {
    /// Connect, migrate, load reference data and templates.
    pub fn new(config: Config, clock: Arc<dyn Clock>) -> AppResult<AppState> {
        let pool = db::connect(&config.database_url, config.db_pool_size)?;
        {
            let mut conn = pool.get()?;
            db::migrate(&mut conn)?;
            reference::seed(&mut conn)?;
        }
        std::fs::create_dir_all(&config.upload_dir).map_err(|e| {
            AppError::Config(format!(
                "cannot create {}: {e}",
                config.upload_dir.display()
            ))
        })?;
        let tera = web::templates()?;
        let search = search::service::open_engine(&config)?;
        let page_cache = web::PageCache::new(config.page_cache_secs);
        let channels = alerts::send::Channels::from_config(&config)?;
        let limiter = accounts::RateLimiter::new(pool.clone(), clock.clone());
        let keys = signing::Keys::new(&config.secret_key, &config.previous_secret_keys);
        Ok(AppState {
            account_hooks: account_hooks(),
            reach: alerts::matching::reach,
            fit: alerts::fit::for_announcement,
            apply: apply_hooks(),
            applicant_count: applications::review::shown_count,
            applications_per_day: applications::review::per_day,
            keys,
            channels,
            pool,
            config,
            tera,
            clock,
            limiter,
            search,
            page_cache,
        })
    }

    pub fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now()
    }

    /// Run blocking database work on the blocking thread pool.
    pub async fn db<F, T>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        aweb::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// A pooled connection for synchronous callers (CLI, worker, tests).
    pub fn conn(&self) -> AppResult<db::PooledConn> {
        Ok(self.pool.get()?)
    }
}

/// Register every route of the site and the API, each with its access rule
/// (`web::routes`; `web::route_table()` lists them for the authorization matrix).
pub fn routes(r: &mut web::Routes) {
    web::routes(r);
    health::routes(r);
    accounts::web::routes(r);
    search::web::routes(r);
    announcements::web::routes(r);
    announcements::console::routes(r);
    applications::console::routes(r);
    applications::inbox::routes(r);
    applications::webhooks_web::routes(r);
    applications::api_keys_web::routes(r);
    worker::web::routes(r);
    owners::web::routes(r);
    alerts::web::routes(r);
    applications::apply_web::routes(r);
    applications::pull::routes(r);
    // Last: it ends with the `/api/v1/{tail}` catch-all, which would answer 404 for any
    // API route registered after it (the push registration endpoints did).
    announcements::api::routes(r);
}

/// Start the HTTP server on an already-bound listener.
pub fn run(state: aweb::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    let max_upload = state.config.max_upload_bytes;
    let production = state.config.is_production();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(aweb::FormConfig::default().limit(256 * 1024))
            .app_data(aweb::JsonConfig::default().limit(256 * 1024))
            .app_data(aweb::PayloadConfig::default().limit(max_upload + 64 * 1024))
            .wrap(web::error_handlers())
            .wrap(middleware::from_fn(accounts::csrf_middleware))
            .wrap(web::security_headers(production))
            // Inside compression, so the line has the body's own size.
            .wrap(middleware::from_fn(logging::access_log))
            .wrap(middleware::Compress::default())
            .configure(|cfg| routes(&mut web::Routes::new(cfg)))
            .default_service(aweb::to(web::not_found))
    })
    // Responses larger than one write (listing pages, CSS) must not wait for Nagle's
    // algorithm against the client's delayed ACK (a 40 ms stall per keep-alive request).
    .on_connect(|conn, _ext| {
        if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
            let _ = tcp.set_nodelay(true);
        }
    })
    .listen(listener)?
    .run();
    Ok(server)
}
