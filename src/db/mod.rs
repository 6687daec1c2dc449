//! Storage: one `DbConnection` over SQLite (embedded default) and PostgreSQL, chosen by
//! the URL scheme, pooled with r2d2. Per-backend SQL lives only in `match`es here.

pub mod schema;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// `INSERT … ON CONFLICT DO NOTHING` on either engine — the one place its dialects differ
/// (PostgreSQL `on_conflict_do_nothing`, SQLite `INSERT OR IGNORE`). Evaluates to the
/// `QueryResult<usize>` of rows inserted (0 when the key existed).
#[macro_export]
macro_rules! insert_or_ignore {
    ($conn:expr, $table:expr, $values:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::DbConnection::Postgres(pg) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(pg),
            $crate::db::DbConnection::Sqlite(lite) => diesel::insert_or_ignore_into($table)
                .values($values)
                .execute(lite),
        }
    }};
}

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl DbConnection {
    pub fn is_postgres(&self) -> bool {
        matches!(self, DbConnection::Postgres(_))
    }
}

/// Which engine a URL names. `sqlite://path`, `sqlite:path`, or a bare file path mean
/// SQLite; `postgres://` and `postgresql://` mean PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite(String),
    Postgres(String),
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(url.to_string())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            Backend::Sqlite(path.to_string())
        }
    }
}

/// r2d2 manager that builds the right variant from the URL and prepares each connection
/// (SQLite: WAL, foreign keys, busy timeout).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    backend: Backend,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.backend {
            Backend::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(r2d2::Error::ConnectionError),
            Backend::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(path)
                    .map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout first, so the pragmas after it wait instead of failing.
                // journal_mode=WAL is persistent and set once in `connect`.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// Build a pool. For SQLite, the parent directory is created first.
pub fn connect(url: &str, max_size: u32) -> Result<Pool, AppError> {
    let backend = Backend::from_url(url);
    if let Backend::Sqlite(path) = &backend {
        if let Some(parent) = std::path::Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    AppError::Config(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
    }
    if let Backend::Sqlite(path) = &backend {
        let mut conn = diesel::SqliteConnection::establish(path)
            .map_err(|e| AppError::Config(format!("cannot open {path}: {e}")))?;
        conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")
            .map_err(|e| AppError::Config(format!("cannot enable WAL on {path}: {e}")))?;
    }
    let size = match backend {
        Backend::Sqlite(_) => max_size.min(8),
        Backend::Postgres(_) => max_size,
    };
    r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(30))
        .build(ConnectionManager { backend })
        .map_err(|e| AppError::Config(format!("database connection failed: {e}")))
}

/// A transaction that will write, for code that reads before it writes. On SQLite it
/// starts with `BEGIN IMMEDIATE`: the write lock is taken first, waiting up to the busy
/// timeout. A plain (deferred) `BEGIN` that reads and then writes while another connection
/// writes fails at once with "database is locked" — SQLite cannot wait there, since the
/// read snapshot may be stale — which is what 200 owners submitting at once found
/// (`scripts/bench-apply.sh`). On PostgreSQL, and inside an open transaction (a savepoint),
/// this is `conn.transaction(f)`.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let outermost = match conn {
        DbConnection::Sqlite(lite) => AnsiTransactionManager::transaction_manager_status_mut(lite)
            .transaction_depth()?
            .is_none(),
        DbConnection::Postgres(_) => false,
    };
    if !outermost {
        return conn.transaction(f);
    }
    if let DbConnection::Sqlite(lite) = conn {
        AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")?;
    }
    match f(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        // As diesel's own `transaction`: the caller's error, unless the rollback failed.
        Err(e) => {
            match <DbConnection as Connection>::TransactionManager::rollback_transaction(conn) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
                Err(rollback) => Err(rollback.into()),
            }
        }
    }
}

/// Apply pending migrations for whichever engine the connection speaks.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, AppError> {
    let applied = match conn {
        DbConnection::Postgres(pg) => pg
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        DbConnection::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len()),
    }
    .map_err(|e| AppError::Internal(format!("migration failed: {e}")))?;
    Ok(applied)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// How many tables the database at `url` holds (0 = empty: nothing would be lost by
/// writing into it). An SQLite file that does not exist is empty and is not created.
pub fn table_count(url: &str) -> Result<i64, AppError> {
    let count = match Backend::from_url(url) {
        Backend::Sqlite(path) => {
            if !std::path::Path::new(&path).exists() {
                return Ok(0);
            }
            let mut conn = diesel::SqliteConnection::establish(&path)
                .map_err(|e| AppError::Config(format!("cannot open {path}: {e}")))?;
            diesel::sql_query("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")
                .get_result::<Count>(&mut conn)?
        }
        Backend::Postgres(url) => {
            let mut conn = diesel::PgConnection::establish(&url)
                .map_err(|e| AppError::Config(format!("database connection failed: {e}")))?;
            diesel::sql_query(
                "SELECT count(*) AS n FROM information_schema.tables \
                 WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
            )
            .get_result::<Count>(&mut conn)?
        }
    };
    Ok(count.n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// While another connection holds the write lock, a deferred transaction that reads
    /// and then writes fails at once ("database is locked"); `write_transaction` waits for
    /// the lock and succeeds.
    #[test]
    fn a_write_transaction_waits_for_another_writer_where_a_deferred_one_fails() {
        let dir = tempfile::tempdir().expect("tmp");
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let pool = connect(&url, 4).expect("pool");
        pool.get()
            .expect("conn")
            .batch_execute("CREATE TABLE t (n INTEGER NOT NULL); INSERT INTO t VALUES (0);")
            .expect("table");
        let bump = |c: &mut DbConnection| c.batch_execute("UPDATE t SET n = n + 1");
        let read = |c: &mut DbConnection| c.batch_execute("SELECT n FROM t");

        let (locked, release) = (mpsc::channel(), mpsc::channel::<()>());
        let p2 = pool.clone();
        let writer = std::thread::spawn(move || {
            let mut c = p2.get().expect("conn");
            write_transaction(&mut c, |c| {
                bump(c)?;
                locked.0.send(()).expect("send");
                release.1.recv().expect("recv");
                std::thread::sleep(Duration::from_millis(300));
                Ok::<_, diesel::result::Error>(())
            })
        });
        locked.1.recv().expect("the writer holds the lock");
        let mut c = pool.get().expect("conn");
        let deferred = c.transaction(|c| {
            read(c)?;
            bump(c)
        });
        assert!(
            deferred.is_err(),
            "a deferred read-then-write should fail while another connection writes"
        );
        release.0.send(()).expect("release");
        write_transaction(&mut c, |c| {
            read(c)?;
            bump(c)
        })
        .expect("write_transaction waits for the lock");
        writer
            .join()
            .expect("writer")
            .expect("writer's transaction");

        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            n: i32,
        }
        let n: N = diesel::sql_query("SELECT n FROM t")
            .get_result(&mut c)
            .expect("n");
        assert_eq!(n.n, 2);
        // Nested: a savepoint inside, as `transaction` makes.
        write_transaction(&mut c, |c| write_transaction(c, bump)).expect("nested");
    }
}
