//! What procurement reads about organizations and their people: a would-be bidder's standing
//! (status, district, grades, annual inspection), the name recorded at an opening, and the
//! admins who receive an organization's procurement notices. Read only; the registry writes
//! these tables.

use super::Conn;

/// The organization's (status, district code), if it exists.
pub async fn standing(c: &mut Conn, org: i64) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT status, district_code FROM organizations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut *c)
        .await
}

/// The organization's grades in force on the date `on` (`YYYY-MM-DD`).
pub async fn grades_on(c: &mut Conn, org: i64, on: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT grade FROM org_grades WHERE org_id = $1 AND ended_on IS NULL AND valid_from <= $2 AND valid_to >= $2",
    )
    .bind(org)
    .bind(on)
    .fetch_all(&mut *c)
    .await
}

/// The outcome of the organization's annual report of `year`, if reported and inspected.
pub async fn inspection(c: &mut Conn, org: i64, year: i64) -> Result<Option<String>, sqlx::Error> {
    Ok(
        sqlx::query_scalar("SELECT outcome FROM annual_reports WHERE org_id = $1 AND year = $2")
            .bind(org)
            .bind(year)
            .fetch_optional(&mut *c)
            .await?
            .flatten(),
    )
}

/// The organization's name and USCC, as an opening records them.
pub async fn name_and_uscc(
    c: &mut Conn,
    org: i64,
) -> Result<(String, Option<String>), sqlx::Error> {
    sqlx::query_as("SELECT name, uscc FROM organizations WHERE id = $1")
        .bind(org)
        .fetch_one(&mut *c)
        .await
}

/// The current admins of an organization (who receive its procurement notices), by id.
pub async fn admins(c: &mut Conn, org: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE org_id = $1 AND kind = 'admin' AND left_on IS NULL \
         AND user_id IS NOT NULL ORDER BY user_id",
    )
    .bind(org)
    .fetch_all(&mut *c)
    .await
}

/// The organization's grades in force on the date `on` (`YYYY-MM-DD`) as they stood then: a
/// grade ended (downgraded, voided) after that date still counts.
pub async fn grades_as_of(c: &mut Conn, org: i64, on: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT grade FROM org_grades WHERE org_id = $1 AND (ended_on IS NULL OR ended_on > $2) \
         AND valid_from <= $2 AND valid_to >= $2",
    )
    .bind(org)
    .bind(on)
    .fetch_all(&mut *c)
    .await
}

/// The organization's type (`enterprise` for an enterprise supplier), if it exists.
pub async fn org_type(c: &mut Conn, org: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT org_type FROM organizations WHERE id = $1")
        .bind(org)
        .fetch_optional(&mut *c)
        .await
}
