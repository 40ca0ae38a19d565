//! Maintenance statements that are no query of any one table: fresh planner statistics and
//! the SQLite backup snapshot.

use super::{Backend, Conn, Db};

/// Fresh statistics after a bulk load (`ANALYZE`; `PRAGMA optimize` on SQLite).
pub async fn analyze(c: &mut Conn, backend: Backend) -> Result<(), sqlx::Error> {
    let analyze = match backend {
        Backend::Postgres => "ANALYZE",
        Backend::Sqlite => "PRAGMA optimize",
    };
    sqlx::query(analyze).execute(&mut *c).await?;
    Ok(())
}

/// SQLite only: writes a consistent snapshot of the database to `path` (`VACUUM INTO`) while
/// the server keeps serving.
pub async fn vacuum_into(db: &Db, path: &str) -> Result<(), sqlx::Error> {
    let sql = format!("VACUUM INTO '{}'", path.replace('\'', "''"));
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&db.pool)
        .await?;
    Ok(())
}
