//! Login throttling kept in the database, so it holds across processes: failures are counted
//! per key (an account, an address) in a window; the fifth failure locks the key for a while.

use super::Conn;

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// When the key is locked, the instant the lock ends.
pub async fn locked_until(c: &mut Conn, key: &str, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *c)
            .await?;
    Ok(until.filter(|u| *u > now))
}

/// Counts one failure atomically (one statement, so concurrent failures all count).
pub async fn record_failure(c: &mut Conn, key: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
           window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END, \
           locked_until = CASE WHEN login_throttle.window_start >= $3 AND login_throttle.failures + 1 >= $4 \
                               THEN $5 ELSE login_throttle.locked_until END",
    )
    .bind(key)
    .bind(now)
    .bind(now - WINDOW_MS)
    .bind(MAX_FAILURES)
    .bind(now + LOCK_MS)
    .execute(&mut *c)
    .await?;
    Ok(())
}

pub async fn clear(c: &mut Conn, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut *c)
        .await?;
    Ok(())
}
