//! Named job leases: one holder at a time, freed by expiry, so two processes on one database
//! never run the same job at once.

use super::Conn;

/// Takes, renews or (once expired) takes over the lease; whether `holder` has it now.
pub async fn claim(
    c: &mut Conn,
    name: &str,
    holder: &str,
    now: i64,
    ttl_ms: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE job_leases.expires_at < $4 OR job_leases.holder = $2",
    )
    .bind(name)
    .bind(holder)
    .bind(now + ttl_ms)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}
