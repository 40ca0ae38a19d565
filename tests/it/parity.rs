//! The two migration folders end with the same tables and columns.

use crate::helpers::*;
use huoban::db;
use std::collections::BTreeMap;

/// Table -> column -> (type class, not null).
type Shape = BTreeMap<String, BTreeMap<String, (String, bool)>>;

fn class(t: &str) -> String {
    let t = t.to_ascii_lowercase();
    if t.contains("int") {
        "integer".into()
    } else if t.contains("char") || t == "text" {
        "text".into()
    } else if t.contains("blob") || t == "bytea" {
        "bytes".into()
    } else {
        t
    }
}

async fn sqlite_shape() -> Shape {
    let url = "sqlite:file:huoban_parity?mode=memory&cache=shared";
    let d = db::connect(url, 1).await.unwrap();
    db::migrate::run(&d).await.unwrap();
    let mut c = d.acquire().await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    let mut shape = Shape::new();
    for t in tables {
        let sql = format!("SELECT name, type, \"notnull\" AS nn, pk FROM pragma_table_info('{t}')");
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *c)
            .await
            .unwrap();
        let cols = rows
            .into_iter()
            .map(|(n, ty, nn, pk)| (n, (class(&ty), nn == 1 || pk == 1)))
            .collect();
        shape.insert(t, cols);
    }
    shape
}

async fn postgres_shape(url: &str) -> Shape {
    let d = db::connect(url, 1).await.unwrap();
    let mut c = d.acquire().await.unwrap();
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    let mut shape = Shape::new();
    for (t, col, ty, nullable) in rows {
        shape
            .entry(t)
            .or_default()
            .insert(col, (class(&ty), nullable == "NO"));
    }
    shape
}

#[rocket::async_test]
async fn both_migration_folders_end_with_the_same_tables_and_columns() {
    let sqlite = sqlite_shape().await;
    assert!(sqlite.contains_key("users") && sqlite.contains_key("settings"));
    let Some(_) = pg_url() else {
        eprintln!("migration parity: PostgreSQL half runs with HUOBAN_TEST_DATABASE_URL (CI's PostgreSQL pass)");
        return;
    };
    let (_db, url) = fresh_db().await;
    let pg = postgres_shape(&url).await;
    assert_eq!(sqlite, pg);
}
