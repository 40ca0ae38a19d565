//! The serial blocks an authority issues USCC subject identifiers from, and every subject
//! identifier issued or recorded, so none is ever reused.

use super::Conn;
use crate::platform::ids::OrgId;

/// Adds a block of serials an authority issues subject identifiers from.
pub async fn add_block(
    c: &mut Conn,
    authority: i64,
    first: i64,
    last: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO uscc_blocks (authority_id, first_serial, last_serial, next_serial, created_at) \
         VALUES ($1, $2, $3, $2, $4) RETURNING id",
    )
    .bind(authority)
    .bind(first)
    .bind(last)
    .bind(now)
    .fetch_one(&mut *c)
    .await
}

/// A block that shares a serial with `first`–`last`, if any.
pub async fn overlapping(c: &mut Conn, first: i64, last: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM uscc_blocks WHERE first_serial <= $1 AND last_serial >= $2")
        .bind(last)
        .bind(first)
        .fetch_optional(&mut *c)
        .await
}

/// The next unused serial of the authority's blocks, taken (inside a write transaction): a
/// serial whose subject identifier was issued here or is carried by any organization (imported,
/// generated, of another type or a retired division) is skipped, never reused.
pub async fn take_serial(
    c: &mut Conn,
    authority: i64,
    subject_of: impl Fn(i64) -> Option<String>,
) -> Result<Option<i64>, sqlx::Error> {
    let blocks: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT id, next_serial, last_serial FROM uscc_blocks WHERE authority_id = $1 \
         AND next_serial <= last_serial ORDER BY id",
    )
    .bind(authority)
    .fetch_all(&mut *c)
    .await?;
    for (block, mut next, last) in blocks {
        while next <= last {
            let serial = next;
            next += 1;
            let Some(subject) = subject_of(serial) else {
                continue;
            };
            let used: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM uscc_issued WHERE subject = $1 \
                 UNION ALL SELECT 1 FROM organizations WHERE substr(uscc, 9, 9) = $1",
            )
            .bind(&subject)
            .fetch_optional(&mut *c)
            .await?;
            if used.is_some() {
                continue;
            }
            sqlx::query("UPDATE uscc_blocks SET next_serial = $1 WHERE id = $2")
                .bind(next)
                .bind(block)
                .execute(&mut *c)
                .await?;
            return Ok(Some(serial));
        }
        sqlx::query("UPDATE uscc_blocks SET next_serial = $1 WHERE id = $2")
            .bind(next)
            .bind(block)
            .execute(&mut *c)
            .await?;
    }
    Ok(None)
}

/// Records a code this system issued; the primary key refuses a subject identifier twice.
/// (Codes organizations already carry are found through the expression index on
/// `substr(uscc, 9, 9)`, so they need no row here.)
pub async fn record_issued(
    c: &mut Conn,
    subject: &str,
    uscc: &str,
    authority: Option<i64>,
    org: OrgId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO uscc_issued (subject, uscc, authority_id, org_id, issued_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(subject)
    .bind(uscc)
    .bind(authority)
    .bind(org.0)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}
