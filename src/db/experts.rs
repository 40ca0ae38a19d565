//! The expert library: users holding the expert role, with the fields the procurement
//! supervisor keeps for them.

use super::Conn;

/// Every expert (id, name, email, fields), by id.
pub async fn library(
    c: &mut Conn,
) -> Result<Vec<(i64, String, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT u.id, u.display_name, u.email, f.fields FROM role_grants g JOIN users u ON u.id = g.user_id \
         LEFT JOIN expert_fields f ON f.user_id = u.id WHERE g.role = 'expert' AND g.revoked_at IS NULL ORDER BY u.id",
    )
    .fetch_all(&mut *c)
    .await
}

/// Whether the user holds the expert role now.
pub async fn is_expert(c: &mut Conn, user: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_grants WHERE user_id = $1 AND role = 'expert' AND revoked_at IS NULL",
    )
    .bind(user)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

/// Replaces the expert's fields.
pub async fn set_fields(
    c: &mut Conn,
    user: i64,
    fields: &str,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM expert_fields WHERE user_id = $1")
        .bind(user)
        .execute(&mut *c)
        .await?;
    sqlx::query("INSERT INTO expert_fields (user_id, fields, updated_by, updated_at) VALUES ($1, $2, $3, $4)")
        .bind(user)
        .bind(fields)
        .bind(by)
        .bind(now)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Every expert with their person record (user, person), by id: whom a panel is drawn from.
pub async fn with_persons(c: &mut Conn) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT u.id, u.person_id FROM role_grants g JOIN users u ON u.id = g.user_id \
         WHERE g.role = 'expert' AND g.revoked_at IS NULL ORDER BY u.id",
    )
    .fetch_all(&mut *c)
    .await
}
