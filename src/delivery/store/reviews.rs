//! All SQL of performance reviews, survey links and rectifications, and what a payable mail
//! reads: the performance service keeps its transactions, audit and mail.

use crate::db::Conn;
use crate::domain::milestone::Milestone;
use crate::domain::performance::ReviewStatus;
use crate::platform::error::AppResult;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub id: i64,
    pub contract_id: i64,
    pub milestone: String,
    pub reviewer_kind: String,
    pub reviewer_user_id: i64,
    pub reviewer_name: String,
    pub scores: BTreeMap<String, Decimal>,
    pub survey_centi: Option<i64>,
    pub total_centi: Option<i64>,
    /// The total as shown, two decimals.
    pub total: Option<String>,
    pub grade: Option<String>,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub surveys_issued: i64,
    pub surveys_answered: i64,
    pub rectification: Option<String>,
    pub rectified_at: Option<i64>,
    /// The settings version its grade ladder came from (none before issue 22).
    pub settings_version: Option<i64>,
    /// Its lifecycle state: open, passed, poor (waiting for rectification), rectified.
    pub status: ReviewStatus,
}

type ReviewRow = (
    i64,
    i64,
    String,
    String,
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
);

const REVIEW: &str = "SELECT r.id, r.contract_id, r.milestone, r.reviewer_kind, r.reviewer_user_id, u.display_name, \
    r.scores, r.survey_centi, r.total_centi, r.grade, r.created_at, r.submitted_at, r.settings_version \
    FROM perf_reviews r JOIN users u ON u.id = r.reviewer_user_id";

async fn complete(c: &mut Conn, row: ReviewRow) -> AppResult<Review> {
    let (id, contract_id, milestone, reviewer_kind, reviewer_user_id, reviewer_name, scores) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6);
    let (issued, answered): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COUNT(answered_at) AS BIGINT) FROM survey_links WHERE review_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await?;
    let rect: Option<(String, i64)> =
        sqlx::query_as("SELECT decision, decided_at FROM rectifications WHERE review_id = $1")
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
    Ok(Review {
        id,
        contract_id,
        milestone,
        reviewer_kind,
        reviewer_user_id,
        reviewer_name,
        scores: serde_json::from_str(&scores).unwrap_or_default(),
        survey_centi: row.7,
        total_centi: row.8,
        total: row.8.map(|c| Decimal::new(c, 2).to_string()),
        status: ReviewStatus::of(row.11.is_some(), row.9.as_deref(), rect.is_some()),
        grade: row.9,
        created_at: row.10,
        submitted_at: row.11,
        surveys_issued: issued,
        surveys_answered: answered,
        rectification: rect.as_ref().map(|r| r.0.clone()),
        rectified_at: rect.map(|r| r.1),
        settings_version: row.12,
    })
}

/// The reviews a user was named reviewer of, newest first: (id, milestone, project number,
/// project title, submitted at).
pub async fn assigned_to(
    c: &mut Conn,
    user: i64,
) -> AppResult<Vec<(i64, String, String, String, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.milestone, p.number, p.title, r.submitted_at FROM perf_reviews r \
         JOIN contracts k ON k.id = r.contract_id JOIN projects p ON p.id = k.project_id \
         WHERE r.reviewer_user_id = $1 ORDER BY r.id DESC",
    )
    .bind(user)
    .fetch_all(&mut *c)
    .await?)
}

pub async fn of_contract(c: &mut Conn, contract: i64) -> AppResult<Vec<Review>> {
    let rows: Vec<ReviewRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REVIEW} WHERE r.contract_id = $1 ORDER BY r.id"
    )))
    .bind(contract)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        out.push(complete(c, r).await?);
    }
    Ok(out)
}

pub async fn by_id(c: &mut Conn, id: i64) -> AppResult<Option<Review>> {
    let row: Option<ReviewRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{REVIEW} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
    match row {
        Some(r) => Ok(Some(complete(c, r).await?)),
        None => Ok(None),
    }
}

/// The survey link of a token's digest: (link id, review id, the contract's title, answered).
pub async fn survey_of_digest(
    c: &mut Conn,
    digest: &str,
) -> AppResult<Option<(i64, i64, String, bool)>> {
    let row: Option<(i64, i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT s.id, s.review_id, p.title, s.answered_at FROM survey_links s JOIN perf_reviews r ON r.id = s.review_id \
         JOIN contracts k ON k.id = r.contract_id JOIN projects p ON p.id = k.project_id WHERE s.token_hash = $1",
    )
    .bind(digest)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.map(|(id, review, title, answered)| (id, review, title, answered.is_some())))
}

/// How many reviews of the contract at this milestone are not submitted yet.
pub async fn open_reviews_at(c: &mut Conn, contract: i64, milestone: &str) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM perf_reviews WHERE contract_id = $1 AND milestone = $2 AND submitted_at IS NULL",
    )
    .bind(contract)
    .bind(milestone)
    .fetch_one(&mut *c)
    .await?)
}

pub struct NewReview<'a> {
    pub contract: i64,
    pub milestone: &'a Milestone,
    pub third_party: bool,
    pub reviewer: i64,
    pub at: i64,
}

/// Inserts an open review with no scores; its id.
pub async fn insert_review(c: &mut Conn, r: &NewReview<'_>) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO perf_reviews (contract_id, milestone, reviewer_kind, reviewer_user_id, scores, created_at) \
         VALUES ($1, $2, $3, $4, '{}', $5) RETURNING id",
    )
    .bind(r.contract)
    .bind(r.milestone.as_str())
    .bind(if r.third_party { "third_party" } else { "purchaser" })
    .bind(r.reviewer)
    .bind(r.at)
    .fetch_one(&mut *c)
    .await?)
}

/// Inserts one survey link by its token's digest.
pub async fn insert_survey_link(
    c: &mut Conn,
    review: i64,
    digest: &str,
    by: i64,
    at: i64,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO survey_links (review_id, token_hash, issued_by, issued_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(review)
    .bind(digest)
    .bind(by)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The review's submission time: `None` when there is no such review, `Some(None)` while open.
pub async fn submitted_at(c: &mut Conn, review: i64) -> AppResult<Option<Option<i64>>> {
    Ok(
        sqlx::query_scalar("SELECT submitted_at FROM perf_reviews WHERE id = $1")
            .bind(review)
            .fetch_optional(&mut *c)
            .await?,
    )
}

/// Records a survey's answers unless the link was answered already (compare-and-set); the
/// rows changed.
pub async fn answer_survey_link(
    c: &mut Conn,
    link: i64,
    at: i64,
    answers: &str,
    score_centi: i64,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE survey_links SET answered_at = $2, answers = $3, score_centi = $4 WHERE id = $1 AND answered_at IS NULL",
    )
    .bind(link)
    .bind(at)
    .bind(answers)
    .bind(score_centi)
    .execute(&mut *c)
    .await?
    .rows_affected())
}

/// The scores (hundredths of a percent) of the review's answered surveys.
pub async fn answered_survey_scores(c: &mut Conn, review: i64) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT score_centi FROM survey_links WHERE review_id = $1 AND answered_at IS NOT NULL",
    )
    .bind(review)
    .fetch_all(&mut *c)
    .await?)
}

pub struct Submission<'a> {
    pub scores: &'a str,
    pub survey_centi: i64,
    pub total_centi: i64,
    pub grade: &'a str,
    /// The settings version the grade ladder came from (issue 22, item 14).
    pub settings_version: i64,
    pub at: i64,
}

/// Records the reviewer's submission unless it was submitted already (compare-and-set on
/// `submitted_at`); the rows changed.
pub async fn submit_review(c: &mut Conn, review: i64, s: &Submission<'_>) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE perf_reviews SET scores = $2, survey_centi = $3, total_centi = $4, grade = $5, submitted_at = $6, \
         settings_version = $7 WHERE id = $1 AND submitted_at IS NULL",
    )
    .bind(review)
    .bind(s.scores)
    .bind(s.survey_centi)
    .bind(s.total_centi)
    .bind(s.grade)
    .bind(s.at)
    .bind(s.settings_version)
    .execute(&mut *c)
    .await?
    .rows_affected())
}

/// How many installments of the contract wait for this review (or for the acceptance, `None`).
pub async fn installments_waiting_for(
    c: &mut Conn,
    contract: i64,
    review: Option<&str>,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM installments WHERE contract_id = $1 AND \
         ((condition = 'review' AND review_name = $2) OR (condition = 'acceptance' AND $3 = 1))",
    )
    .bind(contract)
    .bind(review.unwrap_or(""))
    .bind(i64::from(review.is_none()))
    .fetch_one(&mut *c)
    .await?)
}

/// The users holding a finance officer grant not revoked.
pub async fn finance_officers(c: &mut Conn) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT user_id FROM role_grants WHERE role = 'finance_officer' AND revoked_at IS NULL ORDER BY user_id",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// Records the one rectification decision of a review (`ON CONFLICT DO NOTHING`: a second
/// one changes nothing); the rows changed.
pub async fn insert_rectification(
    c: &mut Conn,
    review: i64,
    decision: &str,
    by: i64,
    at: i64,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "INSERT INTO rectifications (review_id, decision, decided_by, decided_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(review)
    .bind(decision)
    .bind(by)
    .bind(at)
    .execute(&mut *c)
    .await?
    .rows_affected())
}

/// One submitted review in an organization's public performance history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryLine {
    pub contract_id: i64,
    pub title: String,
    pub milestone: String,
    pub total: String,
    pub grade: String,
    pub submitted_at: i64,
}

/// The organization's submitted reviews, newest first.
pub async fn history_of_org(c: &mut Conn, org: i64) -> AppResult<Vec<HistoryLine>> {
    let rows: Vec<(i64, String, String, i64, String, i64)> = sqlx::query_as(
        "SELECT k.id, p.title, r.milestone, r.total_centi, r.grade, r.submitted_at FROM perf_reviews r \
         JOIN contracts k ON k.id = r.contract_id JOIN projects p ON p.id = k.project_id \
         WHERE k.org_id = $1 AND r.submitted_at IS NOT NULL ORDER BY r.submitted_at DESC, r.id DESC",
    )
    .bind(org)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(contract_id, title, milestone, centi, grade, submitted_at)| HistoryLine {
                contract_id,
                title,
                milestone,
                total: Decimal::new(centi, 2).to_string(),
                grade,
                submitted_at,
            },
        )
        .collect())
}

/// Whether the organization had a 差 review submitted on or after `since` (epoch ms): what
/// programme eligibility reads when the settings bar it.
pub async fn poor_since(c: &mut Conn, org: i64, since: i64) -> AppResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM perf_reviews r JOIN contracts k ON k.id = r.contract_id \
         WHERE k.org_id = $1 AND r.grade = 'poor' AND r.submitted_at >= $2",
    )
    .bind(org)
    .bind(since)
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}
