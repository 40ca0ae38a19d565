//! Who read an opened bid, and what decides whether they may: the opening record, their seat
//! on the round's panel, a complaint on the project. Reads are only ever inserted.

use crate::db::Conn;
use serde::Serialize;

/// Whether the bid is in an opening record (its envelope was opened at the deadline).
pub async fn opened(c: &mut Conn, bid: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM opening_bids WHERE bid_id = $1")
        .bind(bid)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

/// The user's seat on the panel of a project's round, while seated: the seat, and whether
/// they declared no conflict of interest.
pub async fn seat(
    c: &mut Conn,
    project: i64,
    round: i64,
    user: i64,
) -> Result<Option<(i64, bool)>, sqlx::Error> {
    let seat: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT m.id, m.declared_at FROM panel_members m JOIN panels p ON p.id = m.panel_id \
         WHERE p.project_id = $1 AND p.round = $2 AND m.user_id = $3 AND m.status = 'seated' \
         AND m.recused_at IS NULL ORDER BY m.id DESC LIMIT 1",
    )
    .bind(project)
    .bind(round)
    .bind(user)
    .fetch_optional(&mut *c)
    .await?;
    Ok(seat.map(|(id, declared)| (id, declared.is_some())))
}

/// Whether a complaint has been filed on the project.
pub async fn complained(c: &mut Conn, project: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM complaints WHERE project_id = $1")
        .bind(project)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

/// One read to record.
pub struct NewRead<'a> {
    pub project: i64,
    pub round: i64,
    pub bid: i64,
    /// The file read, or none for the proposal itself.
    pub file: Option<(&'a str, &'a str)>,
    pub user: i64,
    pub capacity: &'a str,
    pub at: i64,
}

pub async fn record(c: &mut Conn, r: &NewRead<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bid_reads (project_id, round, bid_id, file_id, file_name, user_id, capacity, read_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(r.project)
    .bind(r.round)
    .bind(r.bid)
    .bind(r.file.map(|f| f.0))
    .bind(r.file.map(|f| f.1))
    .bind(r.user)
    .bind(r.capacity)
    .bind(r.at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A read as the project's history shows it to staff.
#[derive(Debug, Clone, Serialize)]
pub struct Read {
    pub read_at: i64,
    pub round: i64,
    pub reader: String,
    pub capacity: String,
    pub bid_id: i64,
    pub org_name: String,
    pub file_name: Option<String>,
}

/// Every read of the project's bids, newest first.
pub async fn of_project(c: &mut Conn, project: i64) -> Result<Vec<Read>, sqlx::Error> {
    type Row = (i64, i64, String, String, i64, String, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT r.read_at, r.round, u.display_name AS reader, r.capacity, r.bid_id, o.name AS org_name, r.file_name \
         FROM bid_reads r JOIN users u ON u.id = r.user_id JOIN bids b ON b.id = r.bid_id \
         JOIN organizations o ON o.id = b.org_id WHERE r.project_id = $1 ORDER BY r.read_at DESC, r.id DESC",
    )
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(read_at, round, reader, capacity, bid_id, org_name, file_name)| Read {
                read_at,
                round,
                reader,
                capacity,
                bid_id,
                org_name,
                file_name,
            },
        )
        .collect())
}
