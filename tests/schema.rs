//! `src/db/schema.rs` matches what the migrations build, on whichever engine this run
//! uses (SQLite by default, PostgreSQL with `TEST_DATABASE_URL`).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::TestApp;
use diesel::prelude::*;
use diesel::sql_types::Text;
use jiwon::db::DbConnection;

/// Tables and columns declared in schema.rs, read from its source.
fn declared() -> BTreeMap<String, BTreeSet<String>> {
    let src = include_str!("../src/db/schema.rs");
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in src.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_suffix('{').map(str::trim) {
            if let Some((name, _)) = rest.split_once(" (") {
                if !name.contains("table!") {
                    current = Some(name.to_string());
                    out.insert(name.to_string(), BTreeSet::new());
                    continue;
                }
            }
        }
        if t == "}" {
            current = None;
            continue;
        }
        if let (Some(table), Some((col, _))) = (&current, t.split_once(" -> ")) {
            out.get_mut(table).map(|s| s.insert(col.to_string()));
        }
    }
    out
}

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = Text)]
    name: String,
}

fn actual(conn: &mut DbConnection, table: &str) -> BTreeSet<String> {
    let cols: Vec<Col> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
        )
        .bind::<Text, _>(table)
        .load(pg)
        .expect("columns"),
        DbConnection::Sqlite(lite) => diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')")).load(lite).expect("columns"),
    };
    cols.into_iter().map(|c| c.name).collect()
}

#[test]
fn schema_rs_matches_the_migrated_database() {
    let app = TestApp::spawn();
    println!("engine under test: {}", app.backend);
    let mut conn = app.conn();
    assert_eq!(conn.is_postgres(), app.backend == "postgres");
    let declared = declared();
    assert!(declared.len() >= 17, "parsed {} tables", declared.len());
    for (table, cols) in &declared {
        assert_eq!(&actual(&mut conn, table), cols, "columns of {table}");
    }
}

#[test]
fn reference_data_is_loaded() {
    let app = TestApp::spawn();
    let mut conn = app.conn();
    let (categories, regions, ksic) = jiwon::reference::counts(&mut conn).expect("counts");
    assert_eq!(
        categories,
        8 + 39,
        "8 분야 and the 39 subcategories seen in the data"
    );
    assert_eq!(regions, 17 + 270);
    assert_eq!(ksic, 2038);
    let ulsan = jiwon::reference::find_region(&mut conn, "31000")
        .expect("q")
        .expect("울산");
    assert_eq!(ulsan.short_name, "울산");
    let restaurants = jiwon::reference::find_ksic(&mut conn, "56")
        .expect("q")
        .expect("KSIC 56");
    assert_eq!(restaurants.name, "음식점 및 주점업");
    // Seeding again changes nothing.
    jiwon::reference::seed(&mut conn).expect("seed");
    assert_eq!(
        jiwon::reference::counts(&mut conn).expect("counts"),
        (categories, regions, ksic)
    );
}
