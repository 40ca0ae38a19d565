//! What organizations declare for the related-supplier rule (their person in charge, the units
//! that directly control or manage them and that they directly control or manage), and what
//! the registry already knows of it (the legal representative named on an approved
//! application). A declaration is ended by compare-and-set, never rewritten.

use super::Conn;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Declared {
    pub id: i64,
    pub kind: String,
    pub value: String,
    pub label: String,
    pub declared_at: i64,
}

/// The organization's declarations in force.
pub async fn current(c: &mut Conn, org: i64) -> Result<Vec<Declared>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, kind, value, label, declared_at FROM org_relations \
         WHERE org_id = $1 AND ended_at IS NULL ORDER BY kind, id",
    )
    .bind(org)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, value, label, declared_at)| Declared {
            id,
            kind,
            value,
            label,
            declared_at,
        })
        .collect())
}

pub struct NewDeclaration<'a> {
    pub org: i64,
    pub kind: &'a str,
    pub value: &'a str,
    pub label: &'a str,
    pub by: i64,
    pub at: i64,
}

pub async fn add(c: &mut Conn, d: &NewDeclaration<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO org_relations (org_id, kind, value, label, declared_by, declared_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(d.org)
    .bind(d.kind)
    .bind(d.value)
    .bind(d.label)
    .bind(d.by)
    .bind(d.at)
    .fetch_one(&mut *c)
    .await
}

/// Ends one of the organization's declarations in force; whether it applied.
pub async fn end(c: &mut Conn, id: i64, org: i64, by: i64, at: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE org_relations SET ended_by = $3, ended_at = $4 \
         WHERE id = $1 AND org_id = $2 AND ended_at IS NULL",
    )
    .bind(id)
    .bind(org)
    .bind(by)
    .bind(at)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Ends every declaration of `kind` in force (a new person in charge replaces the old).
pub async fn end_kind(
    c: &mut Conn,
    org: i64,
    kind: &str,
    by: i64,
    at: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE org_relations SET ended_by = $3, ended_at = $4 \
         WHERE org_id = $1 AND kind = $2 AND ended_at IS NULL",
    )
    .bind(org)
    .bind(kind)
    .bind(by)
    .bind(at)
    .execute(&mut *c)
    .await?
    .rows_affected())
}

/// The keyed ID-number hashes of the legal representatives named on the organization's
/// approved applications and not since removed.
pub async fn registry_heads(c: &mut Conn, org: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT p.id_number_hash FROM application_officers f \
         JOIN applications a ON a.id = f.application_id JOIN persons p ON p.id = f.person_id \
         WHERE a.org_id = $1 AND a.status = 'approved' AND f.role = 'legal_representative' \
         AND f.removed_at IS NULL AND p.id_number_hash IS NOT NULL",
    )
    .bind(org)
    .fetch_all(&mut *c)
    .await
}

/// The organization's name and USCC.
pub async fn identity(c: &mut Conn, org: i64) -> Result<(String, Option<String>), sqlx::Error> {
    sqlx::query_as("SELECT name, uscc FROM organizations WHERE id = $1")
        .bind(org)
        .fetch_one(&mut *c)
        .await
}

/// The organizations with a sealed (not withdrawn, not yet opened) bid in the round.
pub async fn sealed_bidders(
    c: &mut Conn,
    project: i64,
    round: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT org_id FROM bids WHERE project_id = $1 AND round = $2 \
         AND envelope = 'initial' AND status = 'sealed'",
    )
    .bind(project)
    .bind(round)
    .fetch_all(&mut *c)
    .await
}
