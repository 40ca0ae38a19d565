//! The audit trail's storage: an append-only table, a one-row head that appends lock, and the
//! published daily heads.

use super::Conn;
use crate::domain::chain;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
    pub hmac: String,
    pub hmac_key_id: String,
    /// Which formula chained the entry (`platform::audit::FORMAT`; 1 before every column was
    /// covered).
    pub format: i64,
}

const COLUMNS: &str = "seq, at, actor_user_id, actor, action, entity, entity_id, summary, prev_hash, hash, hmac, hmac_key_id, format";

fn from_row(r: &AnyRow) -> Result<AuditRow, sqlx::Error> {
    Ok(AuditRow {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor_user_id: r.try_get("actor_user_id")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        summary: r.try_get("summary")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
        hmac: r.try_get("hmac")?,
        hmac_key_id: r.try_get("hmac_key_id")?,
        format: r.try_get("format")?,
    })
}

/// The head (seq, hash), locked for this transaction on PostgreSQL (`for_update`); SQLite's
/// write transaction already holds the database lock.
pub async fn lock_head(c: &mut Conn, for_update: &str) -> Result<(i64, String), sqlx::Error> {
    let sql = format!("SELECT seq, hash FROM audit_head WHERE id = 1{for_update}");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_optional(&mut *c)
        .await?;
    match row {
        Some(r) => Ok((r.try_get("seq")?, r.try_get("hash")?)),
        None => Ok((0, chain::GENESIS.to_string())),
    }
}

pub async fn append(c: &mut Conn, row: &AuditRow) -> Result<(), sqlx::Error> {
    let sql = format!("INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(row.seq)
        .bind(row.at)
        .bind(row.actor_user_id)
        .bind(&row.actor)
        .bind(&row.action)
        .bind(&row.entity)
        .bind(&row.entity_id)
        .bind(&row.summary)
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .bind(&row.hmac)
        .bind(&row.hmac_key_id)
        .bind(row.format)
        .execute(&mut *c)
        .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(row.seq)
        .bind(&row.hash)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn head(c: &mut Conn) -> Result<(i64, String), sqlx::Error> {
    lock_head(c, "").await
}

/// Entries with `seq` in `from..` (a page at a time, for verification).
pub async fn page(c: &mut Conn, from: i64, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn by_seq(c: &mut Conn, seq: i64) -> Result<Option<AuditRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(seq)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(from_row).transpose()
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub actor_name: Option<String>,
    pub action: String,
    pub summary: String,
}

/// The trail of one entity, newest first.
pub async fn for_entity(
    c: &mut Conn,
    entity: &str,
    entity_id: &str,
) -> Result<Vec<HistoryItem>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.seq, a.at, a.actor, u.display_name AS actor_name, a.action, a.summary FROM audit_log a \
         LEFT JOIN users u ON u.id = a.actor_user_id WHERE a.entity = $1 AND a.entity_id = $2 ORDER BY a.seq DESC",
    )
    .bind(entity)
    .bind(entity_id)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryItem {
                seq: r.try_get("seq")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                summary: r.try_get("summary")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PublishedHead {
    pub day: String,
    pub seq: i64,
    pub hash: String,
    pub published_at: i64,
}

/// Publishes the current head under `day` (a Beijing day, `2026-11-28`, or hour,
/// `2026-11-28T10`) unless that label has one. Returns it when it was
/// published now.
pub async fn publish_head(
    c: &mut Conn,
    day: &str,
    now: i64,
) -> Result<Option<PublishedHead>, sqlx::Error> {
    let (seq, hash) = head(c).await?;
    let done = sqlx::query(
        "INSERT INTO audit_published (day, seq, hash, published_at) VALUES ($1, $2, $3, $4) ON CONFLICT (day) DO NOTHING",
    )
    .bind(day)
    .bind(seq)
    .bind(&hash)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok((done.rows_affected() == 1).then(|| PublishedHead {
        day: day.to_string(),
        seq,
        hash,
        published_at: now,
    }))
}

/// Every published head, newest first.
pub async fn published(c: &mut Conn) -> Result<Vec<PublishedHead>, sqlx::Error> {
    published_limited(c, i64::MAX).await
}

/// The newest `limit` published heads, newest first.
pub async fn published_limited(
    c: &mut Conn,
    limit: i64,
) -> Result<Vec<PublishedHead>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT day, seq, hash, published_at FROM audit_published ORDER BY published_at DESC, day DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&mut *c)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(PublishedHead {
                day: r.try_get("day")?,
                seq: r.try_get("seq")?,
                hash: r.try_get("hash")?,
                published_at: r.try_get("published_at")?,
            })
        })
        .collect()
}

/// The data version: the audit chain's head sequence (every change appends to it).
pub async fn data_version(c: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(&mut *c)
        .await
}

/// When the entry `seq` was written (ms): with `data_version`, when the data last changed.
pub async fn written_at(c: &mut Conn, seq: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT at FROM audit_log WHERE seq = $1")
        .bind(seq)
        .fetch_optional(&mut *c)
        .await
}
