//! Server-side sessions: one row per signed-in browser, found by the SHA-256 of the random id
//! its cookie carries. Deleting the row ends the session everywhere at once (every process
//! reads the same table).

use super::users::{self, User};
use super::Conn;
use crate::platform::ids::UserId;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: i64,
    pub user_id: UserId,
    pub epoch: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub address: String,
    pub user_agent: String,
}

const COLUMNS: &str = "id, user_id, epoch, created_at, last_seen_at, address, user_agent";

fn from_row(r: &AnyRow) -> Result<Session, sqlx::Error> {
    Ok(Session {
        id: r.try_get("id")?,
        user_id: UserId(r.try_get("user_id")?),
        epoch: r.try_get("epoch")?,
        created_at: r.try_get("created_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
        address: r.try_get("address")?,
        user_agent: r.try_get("user_agent")?,
    })
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user: UserId,
    pub epoch: i64,
    pub now: i64,
    pub address: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert(c: &mut Conn, s: NewSession<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, user_id, epoch, created_at, last_seen_at, address, user_agent) \
         VALUES ($1, $2, $3, $4, $4, $5, $6) RETURNING id",
    )
    .bind(s.token_hash)
    .bind(s.user.0)
    .bind(s.epoch)
    .bind(s.now)
    .bind(s.address)
    .bind(s.user_agent)
    .fetch_one(&mut *c)
    .await
}

/// The session behind a token's digest with its user, in one round trip (every signed-in
/// request asks this).
pub async fn with_user_by_token_hash(
    c: &mut Conn,
    hash: &str,
) -> Result<Option<(Session, User)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT s.id AS s_id, s.epoch AS s_epoch, s.created_at AS s_created_at, \
         s.last_seen_at AS s_last_seen_at, s.address AS s_address, s.user_agent AS s_user_agent, u.* \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(&mut *c)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let user = users::from_row(&r)?;
    let session = Session {
        id: r.try_get("s_id")?,
        user_id: user.id,
        epoch: r.try_get("s_epoch")?,
        created_at: r.try_get("s_created_at")?,
        last_seen_at: r.try_get("s_last_seen_at")?,
        address: r.try_get("s_address")?,
        user_agent: r.try_get("s_user_agent")?,
    };
    Ok(Some((session, user)))
}

/// The user's sessions, newest use first.
pub async fn of_user(c: &mut Conn, user: UserId) -> Result<Vec<Session>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.0)
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Records a use of the session, unless one was recorded less than `every` ms ago (so a page
/// costs no write most of the time).
pub async fn touch(c: &mut Conn, id: i64, now: i64, every: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at <= $3")
        .bind(now)
        .bind(id)
        .bind(now - every)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn delete_by_token_hash(c: &mut Conn, hash: &str) -> Result<Option<UserId>, sqlx::Error> {
    let row = sqlx::query("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
        .bind(hash)
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| r.try_get::<i64, _>("user_id").map(UserId))
        .transpose()
}

pub async fn delete(c: &mut Conn, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Ends one session of `user`; false when the user has no such session.
pub async fn delete_of_user(c: &mut Conn, user: UserId, id: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user.0)
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// Ends every session of `user` but `keep` (none: all). The number ended.
pub async fn delete_all_but(
    c: &mut Conn,
    user: UserId,
    keep: Option<i64>,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user.0)
            .bind(keep.unwrap_or(-1))
            .execute(&mut *c)
            .await?
            .rows_affected(),
    )
}

/// Deletes the user's sessions idle since before `idle_before` or made before `made_before`.
pub async fn purge_expired(
    c: &mut Conn,
    user: UserId,
    idle_before: i64,
    made_before: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND (last_seen_at <= $2 OR created_at <= $3)",
    )
    .bind(user.0)
    .bind(idle_before)
    .bind(made_before)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Deletes every session idle since before `idle_before` or made before `made_before` (the
/// daily tidy-up of sessions nobody came back to).
pub async fn purge_all_expired(
    c: &mut Conn,
    idle_before: i64,
    made_before: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2")
            .bind(idle_before)
            .bind(made_before)
            .execute(&mut *c)
            .await?
            .rows_affected(),
    )
}
