//! Reminders sent, one per kind, organization and year, so the daily jobs remind once.

use super::Conn;

/// Records the annual-report reminder of the organization for `year`.
pub async fn add_annual_report(
    c: &mut Conn,
    org: i64,
    year: i32,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO reminders (kind, org_id, year, sent_at) VALUES ('annual_report', $1, $2, $3)",
    )
    .bind(org)
    .bind(i64::from(year))
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Records a reminder unless one of the same kind, organization and year exists; whether this
/// one is the first.
pub async fn add_once(
    c: &mut Conn,
    kind: &str,
    org: i64,
    year: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO reminders (kind, org_id, year, sent_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind, org_id, year) DO NOTHING",
    )
    .bind(kind)
    .bind(org)
    .bind(year)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1)
}
