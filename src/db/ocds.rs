//! What the OCDS releases read besides a project's own record and events: the organizations
//! taking part, the contracts' fixed facts and the procurement intention.

use super::Conn;

/// (id, USCC, name) of the project's bidders and contractors.
pub async fn parties(
    c: &mut Conn,
    project: i64,
) -> Result<Vec<(i64, Option<String>, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.uscc, o.name FROM organizations o WHERE o.id IN \
         (SELECT org_id FROM bids WHERE project_id = $1 UNION SELECT org_id FROM contracts WHERE project_id = $1)",
    )
    .bind(project)
    .fetch_all(&mut *c)
    .await
}

/// (id, award id, org id) of the project's contracts.
pub async fn contracts(c: &mut Conn, project: i64) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, award_id, org_id FROM contracts WHERE project_id = $1")
        .bind(project)
        .fetch_all(&mut *c)
        .await
}

/// (title, budget, need, published at) of a procurement intention.
pub async fn intention(
    c: &mut Conn,
    id: i64,
) -> Result<Option<(String, i64, String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT title, budget_fen, need, published_at FROM intentions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await
}
