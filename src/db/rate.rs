//! Fixed-window event counters kept in the database (so they hold across processes): each
//! key counts its events in a window that starts with its first one. One atomic upsert per
//! event, so parallel requests cannot all pass a limit checked before counting.

use super::Conn;

/// Counts one event for `key` at `now` and returns the events in the key's current window
/// (this one included); a window older than `window_ms` starts again at this event.
pub async fn hit(c: &mut Conn, key: &str, now: i64, window_ms: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO rate_counters (key, hits, window_start) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_counters.window_start <= $3 THEN 1 ELSE rate_counters.hits + 1 END, \
           window_start = CASE WHEN rate_counters.window_start <= $3 THEN $2 ELSE rate_counters.window_start END \
         RETURNING hits",
    )
    .bind(key)
    .bind(now)
    .bind(now - window_ms)
    .fetch_one(&mut *c)
    .await
}

/// The events of `key` in its current window (0 when the window is over).
pub async fn count(c: &mut Conn, key: &str, now: i64, window_ms: i64) -> Result<i64, sqlx::Error> {
    let n: Option<i64> =
        sqlx::query_scalar("SELECT hits FROM rate_counters WHERE key = $1 AND window_start > $2")
            .bind(key)
            .bind(now - window_ms)
            .fetch_optional(&mut *c)
            .await?;
    Ok(n.unwrap_or(0))
}

/// Takes one event back (an attempt that turned out not to count).
pub async fn forgive(c: &mut Conn, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rate_counters SET hits = hits - 1 WHERE key = $1 AND hits > 0")
        .bind(key)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Deletes counters whose window ended before `before` (the daily tidy-up).
pub async fn purge(c: &mut Conn, before: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM rate_counters WHERE window_start < $1")
            .bind(before)
            .execute(&mut *c)
            .await?
            .rows_affected(),
    )
}

/// When the key's current window started, if it has one.
pub async fn window_start(c: &mut Conn, key: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT window_start FROM rate_counters WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *c)
        .await
}
