//! Indicator standards as stored: each (key, version) once, with its text and digest. The key
//! (column `org_type`) is the type for a general standard and `type.category` for a category
//! standard (`social_group.academic`), so each is versioned on its own. Loading the same text
//! again changes nothing; a different text under a version already stored is refused (a
//! version a round may have used never changes).

use super::Conn;
use crate::domain::standard::{Standard, StandardError};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    Added(i64),
    Unchanged(i64),
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Invalid(#[from] StandardError),
    #[error("version {version} of the {org_type} standard is already loaded with other content; load it as a new version")]
    VersionChanged { org_type: String, version: i64 },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Checks and stores a standard (inside the caller's transaction).
pub async fn load(c: &mut Conn, text: &str, now: i64) -> Result<(Loaded, Standard), LoadError> {
    let standard = Standard::parse(text)?;
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    let existing: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, sha256 FROM eval_standards WHERE org_type = $1 AND version = $2",
    )
    .bind(standard.key())
    .bind(standard.version)
    .fetch_optional(&mut *c)
    .await?;
    if let Some((id, sha)) = existing {
        if sha == digest {
            return Ok((Loaded::Unchanged(id), standard));
        }
        return Err(LoadError::VersionChanged {
            org_type: standard.key(),
            version: standard.version,
        });
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO eval_standards (org_type, version, title, body, sha256, loaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(standard.key())
    .bind(standard.version)
    .bind(&standard.title)
    .bind(text)
    .bind(&digest)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    Ok((Loaded::Added(id), standard))
}

/// The stored text of a standard.
pub async fn body(c: &mut Conn, id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT body FROM eval_standards WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *c)
        .await
}

/// The newest version of a type's standard.
pub async fn latest(c: &mut Conn, org_type: &str) -> Result<Option<(i64, Standard)>, LoadError> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, body FROM eval_standards WHERE org_type = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(org_type)
    .fetch_optional(&mut *c)
    .await?;
    match row {
        Some((id, body)) => Ok(Some((id, Standard::parse(&body)?))),
        None => Ok(None),
    }
}

/// Every standard of a type (general and by category) loaded up to `upto` (a round's
/// standards: those loaded when it opened; `None`, every one loaded).
pub async fn of_type(
    c: &mut Conn,
    org_type: &str,
    upto: Option<i64>,
) -> Result<Vec<(i64, Standard)>, LoadError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, body FROM eval_standards WHERE (org_type = $1 OR org_type LIKE $2) \
         AND id <= $3 ORDER BY id",
    )
    .bind(org_type)
    .bind(format!("{org_type}.%"))
    .bind(upto.unwrap_or(i64::MAX))
    .fetch_all(&mut *c)
    .await?;
    rows.into_iter()
        .map(|(id, body)| Ok((id, Standard::parse(&body)?)))
        .collect()
}
