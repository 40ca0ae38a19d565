//! One-time tokens (email confirmation, password reset). Only a SHA-256 of the token is stored;
//! the token itself exists only in the mail.

use super::Conn;
use crate::platform::ids::UserId;
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    ConfirmEmail,
    ResetPassword,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::ConfirmEmail => "confirm_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

pub async fn insert(
    c: &mut Conn,
    user: UserId,
    purpose: Purpose,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO one_time_tokens (user_id, purpose, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user.0)
    .bind(purpose.code())
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Uses a token: returns its user if it exists, has this purpose, is unexpired and unused, and
/// marks it used in the same statement so it can be used once only.
pub async fn consume(
    c: &mut Conn,
    purpose: Purpose,
    token_hash: &str,
    now: i64,
) -> Result<Option<UserId>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL \
         AND expires_at > $1 RETURNING user_id",
    )
    .bind(now)
    .bind(token_hash)
    .bind(purpose.code())
    .fetch_optional(&mut *c)
    .await?;
    row.map(|r| r.try_get::<i64, _>("user_id").map(UserId))
        .transpose()
}

/// Whether a token is currently usable (without using it): for showing the reset form.
pub async fn is_valid(
    c: &mut Conn,
    purpose: Purpose,
    token_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 \
         AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose.code())
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

/// Uses up every unused token of a user for a purpose (after a reset, older reset links die).
pub async fn revoke_all(
    c: &mut Conn,
    user: UserId,
    purpose: Purpose,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE one_time_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(now)
        .bind(user.0)
        .bind(purpose.code())
        .execute(&mut *c)
        .await?;
    Ok(())
}
