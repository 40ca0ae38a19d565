//! The settings table: every change is a new row (value, valid from, changed by, reason), so
//! the history is the table itself. The *version* in force at an instant is the id of the
//! newest row already valid then; decisions store it so the values they used can be read back.

use super::Conn;
use crate::domain::setting;
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub version: i64,
    pub values: BTreeMap<String, String>,
}

impl Snapshot {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    pub fn flag(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(|v| v.parse().ok())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: i64,
    pub key: String,
    pub value: String,
    pub valid_from: i64,
    pub changed_by: Option<String>,
    pub changed_at: i64,
    pub reason: String,
}

/// Writes the default of every known key that has no row yet (first start, or a release that
/// added keys). Idempotent; returns the keys written.
pub async fn ensure_defaults(c: &mut Conn, now: i64) -> Result<Vec<&'static str>, sqlx::Error> {
    let mut written = Vec::new();
    for def in setting::DEFINITIONS {
        let n: i64 =
            sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM settings WHERE key = $1")
                .bind(def.key)
                .fetch_one(&mut *c)
                .await?;
        if n == 0 {
            sqlx::query(
                "INSERT INTO settings (key, value, valid_from, changed_by, changed_at, reason) VALUES ($1, $2, 0, NULL, $3, $4)",
            )
            .bind(def.key)
            .bind(def.default)
            .bind(now)
            .bind("default")
            .execute(&mut *c)
            .await?;
            written.push(def.key);
        }
    }
    Ok(written)
}

/// The values in force at `at` and their version.
pub async fn snapshot(c: &mut Conn, at: i64) -> Result<Snapshot, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, key, value FROM settings WHERE valid_from <= $1 ORDER BY valid_from, id",
    )
    .bind(at)
    .fetch_all(&mut *c)
    .await?;
    let mut values = setting::defaults();
    let mut version = 0;
    for r in rows {
        let id: i64 = r.try_get("id")?;
        values.insert(r.try_get("key")?, r.try_get("value")?);
        version = version.max(id);
    }
    Ok(Snapshot { version, values })
}

/// As `snapshot`, reading only the keys that start with `prefix` (the others keep their
/// defaults): for checks made on every request, such as a session's lifetimes.
pub async fn snapshot_of(c: &mut Conn, prefix: &str, at: i64) -> Result<Snapshot, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, key, value FROM settings WHERE valid_from <= $1 \
         AND substr(key, 1, CAST($3 AS INTEGER)) = $2 ORDER BY valid_from, id",
    )
    .bind(at)
    .bind(prefix)
    .bind(prefix.chars().count() as i64)
    .fetch_all(&mut *c)
    .await?;
    let mut values = setting::defaults();
    let mut version = 0;
    for r in rows {
        let id: i64 = r.try_get("id")?;
        values.insert(r.try_get("key")?, r.try_get("value")?);
        version = version.max(id);
    }
    Ok(Snapshot { version, values })
}

/// The values a decision made at `at` with settings `version` used: rows written by then
/// (id up to the version) that were already valid at that instant.
pub async fn as_used(
    c: &mut Conn,
    version: i64,
    at: i64,
) -> Result<BTreeMap<String, String>, sqlx::Error> {
    let rows = sqlx::query("SELECT key, value FROM settings WHERE id <= $1 AND valid_from <= $2 ORDER BY valid_from, id")
        .bind(version)
        .bind(at)
        .fetch_all(&mut *c)
        .await?;
    let mut values = setting::defaults();
    for r in rows {
        values.insert(r.try_get("key")?, r.try_get("value")?);
    }
    Ok(values)
}

pub async fn history(c: &mut Conn) -> Result<Vec<Change>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT s.id, s.key, s.value, s.valid_from, u.display_name AS changed_by, s.changed_at, s.reason \
         FROM settings s LEFT JOIN users u ON u.id = s.changed_by ORDER BY s.id DESC",
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                id: r.try_get("id")?,
                key: r.try_get("key")?,
                value: r.try_get("value")?,
                valid_from: r.try_get("valid_from")?,
                changed_by: r.try_get("changed_by")?,
                changed_at: r.try_get("changed_at")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}

pub async fn record(
    c: &mut Conn,
    key: &str,
    value: &str,
    valid_from: i64,
    by: i64,
    now: i64,
    reason: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO settings (key, value, valid_from, changed_by, changed_at, reason) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(key)
    .bind(value)
    .bind(valid_from)
    .bind(by)
    .bind(now)
    .bind(reason)
    .fetch_one(&mut *c)
    .await
}
