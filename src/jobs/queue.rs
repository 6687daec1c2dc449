//! One queue mechanism over a table: claim, fail (backoff, dead letter), requeue of a dead
//! worker's rows, operator retry. It serves the `jobs` table and the alert `deliveries`
//! table, each described by a [`QueueTable`]; what only one of them has (a job's done
//! state and dedupe policy; a delivery's sent time, quiet-hour hold, `waiting` and
//! `suppressed` states, open/click stats) stays with its owner.
//!
//! Claiming is one statement returning the claimed ids. PostgreSQL selects the due rows
//! `FOR UPDATE SKIP LOCKED` in a materialized CTE, so workers never wait on each other;
//! SQLite (one writer) runs `UPDATE … WHERE id IN (SELECT … LIMIT n)` atomically.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

use crate::db::DbConnection;
use crate::error::AppResult;

/// Which table a queue lives in and how its columns are named.
pub struct QueueTable {
    pub table: &'static str,
    /// When a queued row is due.
    pub due_at: &'static str,
    /// Set to the time of every change, if the table has such a column.
    pub updated_at: Option<&'static str>,
    pub queued: &'static str,
    pub claimed: &'static str,
    pub dead: &'static str,
    /// Statuses an operator may retry from.
    pub retry_from: &'static [&'static str],
    /// A row claimed this many seconds ago belongs to a dead worker.
    pub stale_after_secs: i64,
    /// `last_error` is cut to this many characters.
    pub error_chars: usize,
}

/// Exponential backoff: 30 s, 1 min, 2 min … capped at 1 hour.
pub fn backoff(attempts: i32) -> Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 20).saturating_sub(1));
    Duration::seconds(secs.min(3600))
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

/// `$n` placeholders as each backend spells them.
fn sql(conn: &DbConnection, text: String) -> String {
    match conn {
        DbConnection::Postgres(_) => text,
        DbConnection::Sqlite(_) => text.replace('$', "?"),
    }
}

/// Run `$query` (built from `diesel::sql_query($text)`) on whichever backend `$conn` is.
macro_rules! on_backend {
    ($conn:expr, $text:expr, |$q:ident| $build:expr, $run:ident) => {{
        let text = sql($conn, $text);
        match $conn {
            DbConnection::Postgres(c) => {
                let $q = diesel::sql_query(text);
                $build.$run(c)
            }
            DbConnection::Sqlite(c) => {
                let $q = diesel::sql_query(text);
                $build.$run(c)
            }
        }
    }};
}

/// Claim up to `limit` due rows for `worker` (only of `kind`, when given): they become
/// claimed, locked by `worker`, with one more attempt. Returns their ids.
pub fn claim(
    conn: &mut DbConnection,
    t: &QueueTable,
    worker: &str,
    now: NaiveDateTime,
    limit: i64,
    kind: Option<&str>,
) -> AppResult<Vec<String>> {
    let touch = t
        .updated_at
        .map(|c| format!(", {c} = $2"))
        .unwrap_or_default();
    let set = format!(
        "status = '{claimed}', locked_by = $1, locked_at = $2, attempts = attempts + 1{touch}",
        claimed = t.claimed
    );
    let due = format!(
        "SELECT id FROM {table} WHERE status = '{queued}' AND {due} <= $2 \
         AND ($3 = '' OR kind = $3) ORDER BY {due}, id LIMIT $4",
        table = t.table,
        queued = t.queued,
        due = t.due_at,
    );
    let text = if conn.is_postgres() {
        // A materialized CTE: as an `IN (…)` subquery PostgreSQL may rescan it for each
        // row, and each rescan skips the rows just claimed, so it would claim them all.
        format!(
            "WITH next AS MATERIALIZED ({due} FOR UPDATE SKIP LOCKED) \
             UPDATE {table} SET {set} FROM next WHERE {table}.id = next.id \
             RETURNING {table}.id",
            table = t.table,
        )
    } else {
        format!(
            "UPDATE {table} SET {set} WHERE id IN ({due}) AND status = '{queued}' RETURNING id",
            table = t.table,
            queued = t.queued,
        )
    };
    let rows: Vec<IdRow> = on_backend!(
        conn,
        text,
        |q| q
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(kind.unwrap_or(""))
            .bind::<BigInt, _>(limit),
        load
    )?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// A failed attempt of a claimed row: back in the queue after its backoff, or dead when
/// `dead` (out of attempts, or failed for good).
pub fn fail(
    conn: &mut DbConnection,
    t: &QueueTable,
    id: &str,
    attempts: i32,
    dead: bool,
    error: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let err: String = error.chars().take(t.error_chars).collect();
    let touch = t
        .updated_at
        .map(|c| format!(", {c} = $5"))
        .unwrap_or_default();
    let text = format!(
        "UPDATE {table} SET status = $1, {due} = $2, last_error = $3, locked_by = NULL{touch} \
         WHERE id = $4",
        table = t.table,
        due = t.due_at,
    );
    let status = if dead { t.dead } else { t.queued };
    // SQLite refuses a bind beyond the statement's parameters: `$5` only when used.
    let next = now + backoff(attempts);
    if t.updated_at.is_some() {
        on_backend!(
            conn,
            text,
            |q| q
                .bind::<Text, _>(status)
                .bind::<Timestamp, _>(next)
                .bind::<Text, _>(&err)
                .bind::<Text, _>(id)
                .bind::<Timestamp, _>(now),
            execute
        )?;
    } else {
        on_backend!(
            conn,
            text,
            |q| q
                .bind::<Text, _>(status)
                .bind::<Timestamp, _>(next)
                .bind::<Text, _>(&err)
                .bind::<Text, _>(id),
            execute
        )?;
    }
    Ok(())
}

/// Put rows of crashed workers (claimed longer than `stale_after` ago) back in the queue.
pub fn requeue_stale(
    conn: &mut DbConnection,
    t: &QueueTable,
    now: NaiveDateTime,
) -> AppResult<usize> {
    let touch = t
        .updated_at
        .map(|c| format!(", {c} = $2"))
        .unwrap_or_default();
    let text = format!(
        "UPDATE {table} SET status = '{queued}', locked_by = NULL{touch} \
         WHERE status = '{claimed}' AND locked_at < $1",
        table = t.table,
        queued = t.queued,
        claimed = t.claimed,
    );
    let before = now - Duration::seconds(t.stale_after_secs);
    Ok(if t.updated_at.is_some() {
        on_backend!(
            conn,
            text,
            |q| q.bind::<Timestamp, _>(before).bind::<Timestamp, _>(now),
            execute
        )?
    } else {
        on_backend!(conn, text, |q| q.bind::<Timestamp, _>(before), execute)?
    })
}

/// Operator retry: due now, with a fresh attempt budget. False when the row is not in
/// a retryable state.
pub fn retry(
    conn: &mut DbConnection,
    t: &QueueTable,
    id: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let touch = t
        .updated_at
        .map(|c| format!(", {c} = $2"))
        .unwrap_or_default();
    let from = t
        .retry_from
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        "UPDATE {table} SET status = '{queued}', {due} = $2, attempts = $3{touch} \
         WHERE id = $1 AND status IN ({from})",
        table = t.table,
        queued = t.queued,
        due = t.due_at,
    );
    let n = on_backend!(
        conn,
        text,
        |q| q
            .bind::<Text, _>(id)
            .bind::<Timestamp, _>(now)
            .bind::<Integer, _>(0),
        execute
    )?;
    Ok(n > 0)
}

#[derive(QueryableByName)]
struct DueRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamp>)]
    due: Option<NaiveDateTime>,
}

/// When the oldest row that is due (queued, its time passed) fell due.
pub fn oldest_due(
    conn: &mut DbConnection,
    t: &QueueTable,
    now: NaiveDateTime,
) -> AppResult<Option<NaiveDateTime>> {
    let text = format!(
        "SELECT MIN({due}) AS due FROM {table} WHERE status = '{queued}' AND {due} <= $1",
        table = t.table,
        queued = t.queued,
        due = t.due_at,
    );
    let row: DueRow = on_backend!(conn, text, |q| q.bind::<Timestamp, _>(now), get_result)?;
    Ok(row.due)
}

/// Give a status enum (with a `const fn as_str`) its TEXT column mapping on both
/// backends, `FromStr`, `Display`, and comparison with `&str`. The enum derives
/// `diesel::expression::AsExpression` and `diesel::deserialize::FromSqlRow` with
/// `#[diesel(sql_type = diesel::sql_types::Text)]`.
#[macro_export]
macro_rules! text_enum {
    ($ty:ident { $($v:ident),* $(,)? }) => {
        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $(if s == $ty::$v.as_str() {
                    return Ok($ty::$v);
                })*
                Err(format!("unknown {} '{s}'", stringify!($ty)))
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                s.parse().map_err(Into::into)
            }
        }
    };
}
