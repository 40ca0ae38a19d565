//! Login throttling kept in the database, so it holds across processes. Every attempt is
//! counted *before* the password is checked, in one atomic upsert per key (an account, an
//! address), so parallel requests cannot all slip past the limit: the sixth attempt within the
//! window is refused and locks the key for a while. A successful login clears the account's
//! counter and takes its own attempt back off the address's counter.

use super::Conn;
use sqlx::Row;

/// Attempts allowed in a window; the next one is refused and locks the key.
pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// Counts an attempt for `key`. Returns the instant the lock ends when the key is (now) locked.
pub async fn attempt(c: &mut Conn, key: &str, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_start < $3 AND login_throttle.locked_until <= $2 \
                           THEN 1 ELSE login_throttle.failures + 1 END, \
           window_start = CASE WHEN login_throttle.window_start < $3 AND login_throttle.locked_until <= $2 \
                               THEN $2 ELSE login_throttle.window_start END, \
           locked_until = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.locked_until \
                               WHEN login_throttle.window_start >= $3 AND login_throttle.failures + 1 > $4 THEN $5 \
                               ELSE login_throttle.locked_until END \
         RETURNING locked_until",
    )
    .bind(key)
    .bind(now)
    .bind(now - WINDOW_MS)
    .bind(MAX_FAILURES)
    .bind(now + LOCK_MS)
    .fetch_one(&mut *c)
    .await?;
    let until: i64 = row.try_get("locked_until")?;
    Ok((until > now).then_some(until))
}

pub async fn clear(c: &mut Conn, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Takes one attempt back (a successful login from a shared address is not a failure).
pub async fn forgive_one(c: &mut Conn, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0",
    )
    .bind(key)
    .execute(&mut *c)
    .await?;
    Ok(())
}
