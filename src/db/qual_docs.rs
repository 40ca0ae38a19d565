//! The qualification documents a project requires (issue 21 item 3), in its order. Replaced
//! with the draft; frozen once published (callers check the status, like the criteria).

use super::Conn;
use crate::domain::qualdocs::Requirement;

pub async fn of_project(c: &mut Conn, project: i64) -> Result<Vec<Requirement>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, name FROM project_qual_docs WHERE project_id = $1 ORDER BY pos",
    )
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .iter()
        .filter_map(|(kind, name)| Requirement::from_stored(kind, name))
        .collect())
}

/// Replaces a draft's required documents.
pub async fn set(c: &mut Conn, project: i64, list: &[Requirement]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM project_qual_docs WHERE project_id = $1")
        .bind(project)
        .execute(&mut *c)
        .await?;
    for (pos, r) in list.iter().enumerate() {
        let (kind, name) = r.stored();
        sqlx::query(
            "INSERT INTO project_qual_docs (project_id, pos, kind, name) VALUES ($1, $2, $3, $4)",
        )
        .bind(project)
        .bind(pos as i64)
        .bind(kind)
        .bind(name)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}
