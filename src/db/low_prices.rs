//! Abnormally-low-price queries (87号令 art. 60; issue 22, item 4): the panel's request, the
//! bidder's written explanation and the outcome, each written once by compare-and-set. The
//! service (`procurement::low_price`) keeps the rules, audit and mail.

use super::Conn;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Query {
    pub id: i64,
    pub project_id: i64,
    pub round: i64,
    pub bid_id: i64,
    pub org_id: i64,
    pub member_id: i64,
    pub reason: String,
    pub asked_at: i64,
    pub due_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
    pub outcome: Option<String>,
    pub outcome_reason: Option<String>,
    pub decided_at: Option<i64>,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Query, sqlx::Error> {
    Ok(Query {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        round: r.try_get("round")?,
        bid_id: r.try_get("bid_id")?,
        org_id: r.try_get("org_id")?,
        member_id: r.try_get("member_id")?,
        reason: r.try_get("reason")?,
        asked_at: r.try_get("asked_at")?,
        due_at: r.try_get("due_at")?,
        answer: r.try_get("answer")?,
        answered_at: r.try_get("answered_at")?,
        outcome: r.try_get("outcome")?,
        outcome_reason: r.try_get("outcome_reason")?,
        decided_at: r.try_get("decided_at")?,
    })
}

const COLUMNS: &str =
    "id, project_id, round, bid_id, org_id, member_id, reason, asked_at, due_at, \
     answer, answered_at, outcome, outcome_reason, decided_at";

pub struct NewQuery<'a> {
    pub project: i64,
    pub round: i64,
    pub bid: i64,
    pub org: i64,
    pub member: i64,
    pub reason: &'a str,
    pub asked_at: i64,
    pub due_at: i64,
}

/// Records the panel's request; `None` when the bid was already queried.
pub async fn add(c: &mut Conn, q: &NewQuery<'_>) -> Result<Option<i64>, sqlx::Error> {
    let seen: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM low_price_queries WHERE bid_id = $1",
    )
    .bind(q.bid)
    .fetch_one(&mut *c)
    .await?;
    if seen > 0 {
        return Ok(None);
    }
    let id = sqlx::query_scalar(
        "INSERT INTO low_price_queries (project_id, round, bid_id, org_id, member_id, reason, asked_at, due_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(q.project)
    .bind(q.round)
    .bind(q.bid)
    .bind(q.org)
    .bind(q.member)
    .bind(q.reason)
    .bind(q.asked_at)
    .bind(q.due_at)
    .fetch_one(&mut *c)
    .await?;
    Ok(Some(id))
}

pub async fn by_id(c: &mut Conn, id: i64) -> Result<Option<Query>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM low_price_queries WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// The queries of a project's round, oldest first.
pub async fn of_round(c: &mut Conn, project: i64, round: i64) -> Result<Vec<Query>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM low_price_queries WHERE project_id = $1 AND round = $2 ORDER BY id"
    )))
    .bind(project)
    .bind(round)
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Records the explanation, once and only while undecided; whether it applied.
pub async fn answer(
    c: &mut Conn,
    id: i64,
    text: &str,
    user: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE low_price_queries SET answer = $2, answered_by = $3, answered_at = $4 \
         WHERE id = $1 AND answered_at IS NULL AND outcome IS NULL AND due_at > $4",
    )
    .bind(id)
    .bind(text)
    .bind(user)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Records the outcome, once; whether it applied.
pub async fn decide(
    c: &mut Conn,
    id: i64,
    outcome: &str,
    reason: Option<&str>,
    user: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE low_price_queries SET outcome = $2, outcome_reason = $3, decided_by = $4, decided_at = $5 \
         WHERE id = $1 AND outcome IS NULL",
    )
    .bind(id)
    .bind(outcome)
    .bind(reason)
    .bind(user)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Unanswered, undecided queries past their due time.
pub async fn lapsed(c: &mut Conn, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM low_price_queries WHERE answered_at IS NULL AND outcome IS NULL AND due_at <= $1 ORDER BY id",
    )
    .bind(now)
    .fetch_all(&mut *c)
    .await
}

/// Queries waiting for an explanation from these organizations: (query, org, project number
/// and title, due).
pub async fn waiting_for(
    c: &mut Conn,
    orgs: &[i64],
    now: i64,
) -> Result<Vec<(i64, i64, String, i64)>, sqlx::Error> {
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let list = super::id_list(orgs);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT q.id, q.org_id, p.number || ' · ' || p.title, q.due_at FROM low_price_queries q \
         JOIN projects p ON p.id = q.project_id WHERE q.org_id IN ({list}) AND q.answered_at IS NULL \
         AND q.outcome IS NULL AND q.due_at > $1 ORDER BY q.due_at, q.id LIMIT {}",
        crate::deadlines::store::queue::CAP + 1
    )))
    .bind(now)
    .fetch_all(&mut *c)
    .await
}
