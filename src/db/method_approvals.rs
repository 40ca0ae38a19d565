//! The procurement supervisor's approvals of a method other than 公开招标 for a project whose
//! budget reaches the open-tender threshold (政府采购法 art. 27): append-only, one row per
//! decision, for the project's round and the method approved.

use super::Conn;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub id: i64,
    pub project_id: i64,
    pub round: i64,
    pub method: String,
    pub budget_fen: i64,
    pub reason: String,
    pub approved_by: i64,
    pub approver: String,
    pub approved_at: i64,
}

pub struct NewApproval<'a> {
    pub project: i64,
    pub round: i64,
    pub method: &'a str,
    pub budget_fen: i64,
    pub reason: &'a str,
    pub by: i64,
    pub at: i64,
}

pub async fn add(c: &mut Conn, a: &NewApproval<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO method_approvals (project_id, round, method, budget_fen, reason, approved_by, approved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(a.project)
    .bind(a.round)
    .bind(a.method)
    .bind(a.budget_fen)
    .bind(a.reason)
    .bind(a.by)
    .bind(a.at)
    .fetch_one(&mut *c)
    .await
}

/// The newest approval of `method` for the project's `round`, recorded by `before` (an
/// approval counts only when it precedes the publication).
pub async fn in_force(
    c: &mut Conn,
    project: i64,
    round: i64,
    method: &str,
    before: i64,
) -> Result<Option<Approval>, sqlx::Error> {
    type Row = (i64, i64, i64, String, i64, String, i64, String, i64);
    let row: Option<Row> = sqlx::query_as(
        "SELECT a.id, a.project_id, a.round, a.method, a.budget_fen, a.reason, a.approved_by, \
         u.display_name AS approver, a.approved_at FROM method_approvals a JOIN users u ON u.id = a.approved_by \
         WHERE a.project_id = $1 AND a.round = $2 AND a.method = $3 AND a.approved_at <= $4 \
         ORDER BY a.id DESC LIMIT 1",
    )
    .bind(project)
    .bind(round)
    .bind(method)
    .bind(before)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.map(
        |(
            id,
            project_id,
            round,
            method,
            budget_fen,
            reason,
            approved_by,
            approver,
            approved_at,
        )| {
            Approval {
                id,
                project_id,
                round,
                method,
                budget_fen,
                reason,
                approved_by,
                approver,
                approved_at,
            }
        },
    ))
}

/// Draft projects of a procurement method other than 公开招标 with a budget of at least
/// `from_fen` (the lowest threshold in force): the supervisor's queue, checked per category
/// by the service. (id, number, title, department, category, method, budget).
pub async fn drafts_from(
    c: &mut Conn,
    from_fen: i64,
) -> Result<Vec<(i64, String, String, String, String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, p.number, p.title, d.name_zh, p.category_code, p.method, p.budget_fen FROM projects p \
         JOIN departments d ON d.id = p.department_id WHERE p.status = 'draft' AND p.kind = 'procurement' \
         AND p.method <> 'open_tender' AND p.budget_fen >= $1 ORDER BY p.id",
    )
    .bind(from_fen)
    .fetch_all(&mut *c)
    .await
}
