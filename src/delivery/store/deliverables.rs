//! All SQL of deliverables and their files: the delivery service keeps its transactions,
//! audit and mail.

use crate::db::Conn;
use crate::domain::milestone::Milestone;
use crate::platform::error::AppResult;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DeliverableFile {
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deliverable {
    pub id: i64,
    pub contract_id: i64,
    pub milestone: String,
    /// progress | deliverable
    pub kind: String,
    pub body: String,
    pub filed_by: String,
    pub filed_at: i64,
    /// submitted | accepted | returned
    pub status: String,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
    pub files: Vec<DeliverableFile>,
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
);

pub async fn of_contract(c: &mut Conn, contract: i64) -> AppResult<Vec<Deliverable>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT d.id, d.contract_id, d.milestone, d.kind, d.body, u.display_name, d.filed_at, d.status, d.decided_at, d.reason \
         FROM deliverables d JOIN users u ON u.id = d.filed_by WHERE d.contract_id = $1 ORDER BY d.id",
    )
    .bind(contract)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let files: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT sha256, name, content_type, size FROM deliverable_files WHERE deliverable_id = $1 ORDER BY name",
        )
        .bind(r.0)
        .fetch_all(&mut *c)
        .await?;
        out.push(Deliverable {
            id: r.0,
            contract_id: r.1,
            milestone: r.2,
            kind: r.3,
            body: r.4,
            filed_by: r.5,
            filed_at: r.6,
            status: r.7,
            decided_at: r.8,
            reason: r.9,
            files: files
                .into_iter()
                .map(|(sha256, name, content_type, size)| DeliverableFile {
                    sha256,
                    name,
                    content_type,
                    size,
                })
                .collect(),
        });
    }
    Ok(out)
}

/// A stored file of one of the contract's deliverables: (content type, name).
pub async fn file_of(
    c: &mut Conn,
    contract: i64,
    sha256: &str,
) -> AppResult<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT f.content_type, f.name FROM deliverable_files f JOIN deliverables d ON d.id = f.deliverable_id \
         WHERE d.contract_id = $1 AND f.sha256 = $2 LIMIT 1",
    )
    .bind(contract)
    .bind(sha256)
    .fetch_optional(&mut *c)
    .await?)
}

/// Inserts a submitted progress report or deliverable; its id.
pub async fn insert_deliverable(
    c: &mut Conn,
    contract: i64,
    milestone: &Milestone,
    kind: &str,
    body: &str,
    by: i64,
    at: i64,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO deliverables (contract_id, milestone, kind, body, filed_by, filed_at, status) \
         VALUES ($1, $2, $3, $4, $5, $6, 'submitted') RETURNING id",
    )
    .bind(contract)
    .bind(milestone.as_str())
    .bind(kind)
    .bind(body)
    .bind(by)
    .bind(at)
    .fetch_one(&mut *c)
    .await?)
}

/// Attaches a stored file to a deliverable (once per file).
pub async fn insert_file(
    c: &mut Conn,
    deliverable: i64,
    sha256: &str,
    name: &str,
    content_type: &str,
    size: i64,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO deliverable_files (deliverable_id, sha256, name, content_type, size) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT DO NOTHING",
    )
    .bind(deliverable)
    .bind(sha256)
    .bind(name)
    .bind(content_type)
    .bind(size)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A decision on a deliverable: its new status, by whom, when, the reason of a return.
pub struct Decision<'a> {
    pub to: &'a str,
    pub by: i64,
    pub at: i64,
    pub reason: Option<&'a str>,
}

/// Records a decision on the contract's deliverable while it is in the status `from`
/// (compare-and-set); the rows changed.
pub async fn decide(
    c: &mut Conn,
    id: i64,
    contract: i64,
    from: &str,
    d: &Decision<'_>,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE deliverables SET status = $3, decided_by = $4, decided_at = $5, reason = $6 \
         WHERE id = $1 AND contract_id = $2 AND status = $7",
    )
    .bind(id)
    .bind(contract)
    .bind(d.to)
    .bind(d.by)
    .bind(d.at)
    .bind(d.reason)
    .bind(from)
    .execute(&mut *c)
    .await?
    .rows_affected())
}

pub async fn milestone_of(c: &mut Conn, id: i64) -> AppResult<String> {
    Ok(
        sqlx::query_scalar("SELECT milestone FROM deliverables WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *c)
            .await?,
    )
}

/// How many installments of the contract wait for the review of this milestone.
pub async fn installments_waiting_for_review(
    c: &mut Conn,
    contract: i64,
    milestone: &str,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM installments WHERE contract_id = $1 AND condition = 'review' AND review_name = $2",
    )
    .bind(contract)
    .bind(milestone)
    .fetch_one(&mut *c)
    .await?)
}

/// Who created the project (its purchaser's officer).
pub async fn project_creator(c: &mut Conn, project: i64) -> AppResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT created_by FROM projects WHERE id = $1")
            .bind(project)
            .fetch_one(&mut *c)
            .await?,
    )
}
