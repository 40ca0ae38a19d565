//! Inquiries, challenges and complaints: the filings, the purchaser's answer and the
//! supervisor's decision, each written once (compare-and-set on the unanswered or undecided
//! row). The challenge service (`procurement::challenge`) keeps its transactions, lifecycle
//! decisions, due dates, audit and mail.

use super::Conn;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Challenge {
    pub id: i64,
    pub project_id: i64,
    pub round: i64,
    pub org_id: i64,
    pub org_name: String,
    pub user_id: i64,
    /// inquiry | challenge
    pub kind: String,
    /// documents | process | result
    pub target: String,
    /// For a challenge to the process: the step it is about (`domain::challenge::ProcessStep`);
    /// none on process challenges filed before steps were asked (they ran from the opening).
    pub step: Option<String>,
    pub body: String,
    pub filed_at: i64,
    pub due_at: i64,
    pub suspends: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Complaint {
    pub id: i64,
    pub challenge_id: i64,
    pub project_id: i64,
    pub number: String,
    pub title: String,
    pub org_name: String,
    pub body: String,
    pub filed_at: i64,
    pub due_at: i64,
    pub outcome: Option<String>,
    /// The facts found and the reasons (查明的事实和理由); none on decisions made before
    /// they were asked apart.
    pub findings: Option<String>,
    pub decision: Option<String>,
    pub decided_at: Option<i64>,
}

const CHALLENGE: &str =
    "SELECT c.id, c.project_id, c.round, c.org_id, o.name AS org_name, c.user_id, c.kind, \
    c.target, c.step, c.body, c.filed_at, c.due_at, c.suspends, c.answer, c.answered_at FROM challenges c \
    JOIN organizations o ON o.id = c.org_id";

const COMPLAINT: &str = "SELECT k.id, k.challenge_id, k.project_id, p.number, p.title, o.name AS org_name, k.body, \
    k.filed_at, k.due_at, k.outcome, k.findings, k.decision, k.decided_at FROM complaints k JOIN projects p ON p.id = k.project_id \
    JOIN organizations o ON o.id = k.org_id";

fn challenge(r: &AnyRow) -> Result<Challenge, sqlx::Error> {
    Ok(Challenge {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        round: r.try_get("round")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        user_id: r.try_get("user_id")?,
        kind: r.try_get("kind")?,
        target: r.try_get("target")?,
        step: r.try_get("step")?,
        body: r.try_get("body")?,
        filed_at: r.try_get("filed_at")?,
        due_at: r.try_get("due_at")?,
        suspends: r.try_get("suspends")?,
        answer: r.try_get("answer")?,
        answered_at: r.try_get("answered_at")?,
    })
}

fn complaint(r: &AnyRow) -> Result<Complaint, sqlx::Error> {
    Ok(Complaint {
        id: r.try_get("id")?,
        challenge_id: r.try_get("challenge_id")?,
        project_id: r.try_get("project_id")?,
        number: r.try_get("number")?,
        title: r.try_get("title")?,
        org_name: r.try_get("org_name")?,
        body: r.try_get("body")?,
        filed_at: r.try_get("filed_at")?,
        due_at: r.try_get("due_at")?,
        outcome: r.try_get("outcome")?,
        findings: r.try_get("findings")?,
        decision: r.try_get("decision")?,
        decided_at: r.try_get("decided_at")?,
    })
}

/// The inquiries and challenges of a project (every round), oldest first.
pub async fn of_project(c: &mut Conn, project: i64) -> Result<Vec<Challenge>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CHALLENGE} WHERE c.project_id = $1 ORDER BY c.id"
    )))
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(challenge).collect()
}

pub async fn by_id(c: &mut Conn, id: i64) -> Result<Option<Challenge>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{CHALLENGE} WHERE c.id = $1")))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(challenge).transpose()
}

/// The complaints, undecided first, newest first (at most 500).
pub async fn complaints(c: &mut Conn) -> Result<Vec<Complaint>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COMPLAINT} ORDER BY CASE WHEN k.decided_at IS NULL THEN 0 ELSE 1 END, k.id DESC LIMIT 500"
    )))
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(complaint).collect()
}

/// A project's decided complaints, oldest decision first (their decisions are public).
pub async fn decided_of_project(c: &mut Conn, project: i64) -> Result<Vec<Complaint>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COMPLAINT} WHERE k.project_id = $1 AND k.decided_at IS NOT NULL ORDER BY k.decided_at, k.id"
    )))
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(complaint).collect()
}

/// The complaint about a challenge, if one was filed.
pub async fn complaint_of(
    c: &mut Conn,
    challenge_id: i64,
) -> Result<Option<Complaint>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COMPLAINT} WHERE k.challenge_id = $1"
    )))
    .bind(challenge_id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(complaint).transpose()
}

pub async fn complaint_by_id(c: &mut Conn, id: i64) -> Result<Option<Complaint>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COMPLAINT} WHERE k.id = $1")))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(complaint).transpose()
}

/// Whether the organization took part in the round: a bid (any status) or the documents
/// obtained.
pub async fn took_part(
    c: &mut Conn,
    project: i64,
    round: i64,
    org: i64,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM doc_obtained WHERE project_id = $1 AND round = $2 AND org_id = $3) + \
         (SELECT COUNT(*) FROM bids WHERE project_id = $1 AND round = $2 AND org_id = $3)",
    )
    .bind(project)
    .bind(round)
    .bind(org)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

pub struct NewChallenge<'a> {
    pub project: i64,
    pub round: i64,
    pub org: i64,
    pub user: i64,
    pub kind: &'a str,
    pub target: &'a str,
    pub step: Option<&'a str>,
    pub body: &'a str,
    pub filed_at: i64,
    pub due_at: i64,
    pub suspends: bool,
}

/// Files an inquiry or a challenge; its id.
pub async fn add(c: &mut Conn, ch: &NewChallenge<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO challenges (project_id, round, org_id, user_id, kind, target, step, body, filed_at, due_at, suspends) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(ch.project)
    .bind(ch.round)
    .bind(ch.org)
    .bind(ch.user)
    .bind(ch.kind)
    .bind(ch.target)
    .bind(ch.step)
    .bind(ch.body)
    .bind(ch.filed_at)
    .bind(ch.due_at)
    .bind(i64::from(ch.suspends))
    .fetch_one(&mut *c)
    .await
}

/// Records the answer: compare-and-set on an unanswered challenge, so an answer given
/// meanwhile is not overwritten; whether it applied.
pub async fn answer(
    c: &mut Conn,
    challenge: i64,
    answer: &str,
    user: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE challenges SET answer = $2, answered_by = $3, answered_at = $4 WHERE id = $1 AND answered_at IS NULL")
        .bind(challenge)
        .bind(answer)
        .bind(user)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok(n == 1)
}

pub struct NewComplaint<'a> {
    pub challenge: i64,
    pub project: i64,
    pub org: i64,
    pub user: i64,
    pub body: &'a str,
    pub filed_at: i64,
    pub due_at: i64,
}

/// Files a complaint about a challenge; its id.
pub async fn add_complaint(c: &mut Conn, k: &NewComplaint<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO complaints (challenge_id, project_id, org_id, user_id, body, filed_at, due_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(k.challenge)
    .bind(k.project)
    .bind(k.org)
    .bind(k.user)
    .bind(k.body)
    .bind(k.filed_at)
    .bind(k.due_at)
    .fetch_one(&mut *c)
    .await
}

/// Records the supervisor's decision (`outcome`: upheld | dismissed): compare-and-set on an
/// undecided complaint; whether it applied.
pub async fn decide(
    c: &mut Conn,
    complaint: i64,
    outcome: &str,
    findings: &str,
    decision: &str,
    user: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE complaints SET outcome = $2, findings = $6, decision = $3, decided_by = $4, decided_at = $5 \
         WHERE id = $1 AND decided_at IS NULL",
    )
    .bind(complaint)
    .bind(outcome)
    .bind(decision)
    .bind(user)
    .bind(now)
    .bind(findings)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The user who filed the complaint.
pub async fn complainant(c: &mut Conn, complaint: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM complaints WHERE id = $1")
        .bind(complaint)
        .fetch_one(&mut *c)
        .await
}
