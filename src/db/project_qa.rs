//! Who obtained a project's documents (secret until opening: only the opening job, the
//! organization itself and the individual amendment notices read it), questions with their
//! pseudonymous asker numbers, and amendments with the deadline before and after.

use super::Conn;
use serde::Serialize;

/// Records that the organization obtained version `version` of the documents of this round;
/// false if it already had (see `project_docs::obtain_newer`).
pub async fn obtain(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
    user: i64,
    version: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    if has_obtained(c, project, round, org).await? {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO doc_obtained (project_id, round, org_id, user_id, at, version) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(project)
    .bind(round)
    .bind(org)
    .bind(user)
    .bind(now)
    .bind(version)
    .execute(&mut *c)
    .await?;
    Ok(true)
}

pub async fn has_obtained(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM doc_obtained WHERE project_id = $1 AND round = $2 AND org_id = $3",
    )
    .bind(project)
    .bind(round)
    .bind(org)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

/// The register: (organization, the user who obtained) of a round. Callers send each one its
/// own notice; the list itself is never shown before opening.
pub async fn obtained_by(
    c: &mut Conn,
    project: i64,
    round: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT org_id, user_id FROM doc_obtained WHERE project_id = $1 AND round = $2 ORDER BY at, org_id",
    )
    .bind(project)
    .bind(round)
    .fetch_all(&mut *c)
    .await
}

/// When the organization obtained the documents of this round, if it did.
pub async fn obtained_at(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT at FROM doc_obtained WHERE project_id = $1 AND round = $2 AND org_id = $3",
    )
    .bind(project)
    .bind(round)
    .bind(org)
    .fetch_optional(&mut *c)
    .await
}

/// How many organizations that obtained the documents of this round have no reminder of
/// `kind` yet.
pub async fn unreminded(
    c: &mut Conn,
    project: i64,
    round: i64,
    kind: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM doc_obtained d WHERE d.project_id = $1 AND d.round = $2 AND NOT EXISTS \
         (SELECT 1 FROM reminders r WHERE r.kind = $3 AND r.org_id = d.org_id)",
    )
    .bind(project)
    .bind(round)
    .bind(kind)
    .fetch_one(&mut *c)
    .await
}

/// Records the organization's reminder of `kind`, once: whether it was new (one already
/// recorded writes nothing).
pub async fn remind_once(
    c: &mut Conn,
    kind: &str,
    org: i64,
    year: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO reminders (kind, org_id, year, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(kind)
    .bind(org)
    .bind(year)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

type QuestionRow = (
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    i64,
    Option<String>,
    Option<i64>,
    i64,
);
type AmendmentRow = (i64, i64, Option<i64>, String, i64, i64, i64, i64);

#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: i64,
    pub round: i64,
    pub org_id: i64,
    pub user_id: i64,
    /// "提问人 3": the same organization keeps its number within a project.
    pub asker_no: i64,
    pub body: String,
    pub asked_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
    pub affects: bool,
}

pub async fn ask(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
    user: i64,
    body: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let known: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(asker_no) FROM project_questions WHERE project_id = $1 AND org_id = $2",
    )
    .bind(project)
    .bind(org)
    .fetch_one(&mut *c)
    .await?;
    let no = match known {
        Some(n) => n,
        None => {
            let top: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(asker_no) FROM project_questions WHERE project_id = $1",
            )
            .bind(project)
            .fetch_one(&mut *c)
            .await?;
            top.unwrap_or(0) + 1
        }
    };
    sqlx::query_scalar(
        "INSERT INTO project_questions (project_id, round, org_id, user_id, asker_no, body, asked_at, affects) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0) RETURNING id",
    )
    .bind(project)
    .bind(round)
    .bind(org)
    .bind(user)
    .bind(no)
    .bind(body)
    .bind(now)
    .fetch_one(&mut *c)
    .await
}

pub async fn questions(c: &mut Conn, project: i64) -> Result<Vec<Question>, sqlx::Error> {
    let rows: Vec<QuestionRow> = sqlx::query_as(
        "SELECT id, round, org_id, user_id, asker_no, body, asked_at, answer, answered_at, affects \
         FROM project_questions WHERE project_id = $1 ORDER BY id",
    )
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                round,
                org_id,
                user_id,
                asker_no,
                body,
                asked_at,
                answer,
                answered_at,
                affects,
            )| Question {
                id,
                round,
                org_id,
                user_id,
                asker_no,
                body,
                asked_at,
                answer,
                answered_at,
                affects: affects != 0,
            },
        )
        .collect())
}

/// Answers an unanswered question; false if it was answered already.
pub async fn answer(
    c: &mut Conn,
    question: i64,
    text: &str,
    affects: bool,
    user: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE project_questions SET answer = $2, affects = $3, answered_by = $4, answered_at = $5 \
         WHERE id = $1 AND answer IS NULL",
    )
    .bind(question)
    .bind(text)
    .bind(i64::from(affects))
    .bind(user)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize)]
pub struct Amendment {
    pub id: i64,
    pub round: i64,
    pub question_id: Option<i64>,
    pub body: String,
    pub affects: bool,
    pub published_at: i64,
    pub deadline_before: i64,
    pub deadline_after: i64,
}

pub struct NewAmendment<'a> {
    pub project: i64,
    pub round: i64,
    pub question_id: Option<i64>,
    pub body: &'a str,
    pub affects: bool,
    pub published_at: i64,
    pub deadline_before: i64,
    pub deadline_after: i64,
    pub user: i64,
}

pub async fn add_amendment(c: &mut Conn, a: &NewAmendment<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO project_amendments (project_id, round, question_id, body, affects, published_at, \
         deadline_before, deadline_after, by_user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(a.project)
    .bind(a.round)
    .bind(a.question_id)
    .bind(a.body)
    .bind(i64::from(a.affects))
    .bind(a.published_at)
    .bind(a.deadline_before)
    .bind(a.deadline_after)
    .bind(a.user)
    .fetch_one(&mut *c)
    .await
}

pub async fn amendments(c: &mut Conn, project: i64) -> Result<Vec<Amendment>, sqlx::Error> {
    let rows: Vec<AmendmentRow> = sqlx::query_as(
        "SELECT id, round, question_id, body, affects, published_at, deadline_before, deadline_after \
         FROM project_amendments WHERE project_id = $1 ORDER BY id",
    )
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                round,
                question_id,
                body,
                affects,
                published_at,
                deadline_before,
                deadline_after,
            )| Amendment {
                id,
                round,
                question_id,
                body,
                affects: affects != 0,
                published_at,
                deadline_before,
                deadline_after,
            },
        )
        .collect())
}
