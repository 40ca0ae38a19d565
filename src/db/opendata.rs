//! Runs the open-data lists' queries. The SQL and its binds are built by `opendata` from the
//! dataset's fixed columns and the filters (never from input text); the rows are read there.

use super::Conn;
use sqlx::any::AnyRow;

/// A value bound to a dataset query's placeholder.
#[derive(Clone, Debug)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// The rows of a dataset query.
pub async fn rows(c: &mut Conn, sql: &str, binds: &[Bind]) -> Result<Vec<AnyRow>, sqlx::Error> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s.clone()),
            Bind::Int(i) => query.bind(*i),
        };
    }
    query.fetch_all(&mut *c).await
}

/// The number a dataset count query returns.
pub async fn count(c: &mut Conn, sql: String, binds: Vec<Bind>) -> Result<i64, sqlx::Error> {
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s),
            Bind::Int(i) => query.bind(i),
        };
    }
    query.fetch_one(&mut *c).await
}
