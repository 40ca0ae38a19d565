//! Sign-in throttling per (account, address) pair, kept in the database so it holds across
//! processes. Every attempt is counted *before* the password is checked, in one atomic upsert
//! that refuses it while the pair is backing off, so parallel guesses cannot all slip past.
//! From the `free`-th failure of a run on, each failure makes the pair wait longer (1, 2, 4,
//! ... minutes, at most an hour); a run ends a day after its last failure, or at the right
//! password. Other addresses are not affected: nobody can lock an account for its holder.

use super::Conn;
use sqlx::Row;

/// The first wait; it doubles with every failure after it.
pub const BASE_MS: i64 = 60 * 1000;
/// The longest wait.
pub const CAP_MS: i64 = 60 * 60 * 1000;
/// A run of failures is forgotten this long after its last failure.
pub const RUN_MS: i64 = 24 * 60 * 60 * 1000;

/// The wait after the `k`-th failure from the start of the backoff (k = 1: the `free`-th).
pub fn backoff_ms(k: i64) -> i64 {
    if k < 1 {
        return 0;
    }
    let doublings = (k - 1).min(20) as u32;
    BASE_MS.saturating_mul(1i64 << doublings).min(CAP_MS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The pair is waiting until this instant: the attempt was not counted nor checked.
    Refused { until: i64 },
    /// Counted: the failures of the run so far (this attempt included) and, when this
    /// attempt started a wait, its end.
    Counted {
        failures: i64,
        wait_until: Option<i64>,
    },
}

/// Counts an attempt of the pair `key` at `now`, unless the pair is waiting.
pub async fn attempt(c: &mut Conn, key: &str, now: i64, free: i64) -> Result<Attempt, sqlx::Error> {
    // The failures after this attempt, and the wait they earn (a ladder of doublings: the SQL
    // is built from constants only).
    let nf =
        "(CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.failures + 1 END)";
    let mut ladder = String::from("CASE");
    for k in 1..=8 {
        ladder.push_str(&format!(
            " WHEN {nf} - $4 + 1 = {k} THEN $2 + {}",
            backoff_ms(k)
        ));
    }
    let sql = format!(
        "INSERT INTO login_throttle (key, failures, window_start, locked_until) \
         VALUES ($1, 1, $2, CASE WHEN $4 <= 1 THEN $2 + {first} ELSE 0 END) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = {nf}, \
           window_start = $2, \
           locked_until = CASE WHEN {nf} < $4 THEN 0 ELSE ({ladder} ELSE $2 + {cap} END) END \
         WHERE login_throttle.locked_until <= $2 \
         RETURNING failures, locked_until",
        first = backoff_ms(1),
        cap = CAP_MS,
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(key)
        .bind(now)
        .bind(now - RUN_MS)
        .bind(free)
        .fetch_optional(&mut *c)
        .await?;
    match row {
        Some(r) => {
            let until: i64 = r.try_get("locked_until")?;
            Ok(Attempt::Counted {
                failures: r.try_get("failures")?,
                wait_until: (until > now).then_some(until),
            })
        }
        None => {
            let until: Option<i64> =
                sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut *c)
                    .await?;
            Ok(Attempt::Refused {
                until: until.unwrap_or(now),
            })
        }
    }
}

/// Forgets the pair (the right password, or a new one set by a reset).
pub async fn clear(c: &mut Conn, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Forgets every pair whose key starts with `prefix` (an account's, after a reset).
pub async fn clear_account(c: &mut Conn, prefix: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE substr(key, 1, CAST($2 AS INTEGER)) = $1")
        .bind(prefix)
        .bind(prefix.chars().count() as i64)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Deletes the pairs whose run is over and who are not waiting (the daily tidy-up).
pub async fn purge(c: &mut Conn, now: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM login_throttle WHERE window_start <= $1 AND locked_until <= $2")
            .bind(now - RUN_MS)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_a_minute_up_to_an_hour() {
        assert_eq!(backoff_ms(0), 0);
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(2), 120_000);
        assert_eq!(backoff_ms(6), 32 * 60_000);
        assert_eq!(backoff_ms(7), CAP_MS);
        assert_eq!(backoff_ms(500), CAP_MS);
    }
}
