//! Performance reviews and beneficiary surveys (DOMAIN §6): the purchaser opens a review at a
//! milestone (mid-term, final — the name an installment waits for), by itself or a third-party
//! reviewer; issues one-time survey links (no login; each answers once); the reviewer scores
//! the template's indicators and the surveys give the satisfaction points; the grade follows
//! the settings' thresholds. A 差 result blocks the next installment until the purchaser
//! records a rectification decision. Results are public on the contract page.

use crate::db::{settings, Conn};
use crate::delivery::contract::{self, Contract};
use crate::domain::performance::{
    self as rules, ReviewAction, ReviewEvent, ReviewStatus, Template, Thresholds,
};
use crate::platform::audit::Actor;
use crate::platform::auth::tokens;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::procurement::Procurement;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::str::FromStr;

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
);

const REVIEW: &str = "SELECT r.id, r.contract_id, r.milestone, r.reviewer_kind, r.reviewer_user_id, u.display_name, \
    r.scores, r.survey_centi, r.total_centi, r.grade, r.created_at, r.submitted_at \
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

/// The unanswered survey behind a token: (link id, review id, the contract's title).
pub async fn survey_of(c: &mut Conn, token: &str) -> AppResult<Option<(i64, i64, String, bool)>> {
    let row: Option<(i64, i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT s.id, s.review_id, p.title, s.answered_at FROM survey_links s JOIN perf_reviews r ON r.id = s.review_id \
         JOIN contracts k ON k.id = r.contract_id JOIN projects p ON p.id = k.project_id WHERE s.token_hash = $1",
    )
    .bind(tokens::digest(token))
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.map(|(id, review, title, answered)| (id, review, title, answered.is_some())))
}

pub async fn thresholds(c: &mut Conn, now: i64) -> AppResult<Thresholds> {
    let s = settings::snapshot(c, now).await?;
    Ok(Thresholds {
        excellent: s.int("performance.threshold.excellent").unwrap_or(90),
        good: s.int("performance.threshold.good").unwrap_or(80),
        fair: s.int("performance.threshold.fair").unwrap_or(60),
    })
}

/// Parses the reviewer's scores: every item within [0, max] with at most 2 decimals.
pub fn check_scores(
    t: &Template,
    raw: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Decimal>, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut bad = Vec::new();
    for i in t.items() {
        match raw
            .get(&i.key)
            .map(|v| v.trim())
            .and_then(|v| Decimal::from_str(v).ok())
        {
            Some(v) if v.scale() <= 2 && v >= Decimal::ZERO && v <= Decimal::from(i.max) => {
                out.insert(i.key.clone(), v);
            }
            _ => bad.push(i.key.clone()),
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(bad)
    }
}

impl Procurement<'_> {
    /// Opens a review of the contract at a milestone, by the purchaser or a third party.
    pub async fn open_review(
        &self,
        k: &Contract,
        milestone: &str,
        reviewer: i64,
        third_party: bool,
        user: i64,
    ) -> AppResult<Result<i64, &'static str>> {
        let milestone = milestone.trim();
        if !(2..=30).contains(&milestone.chars().count()) {
            return Ok(Err("err-review-milestone"));
        }
        let mut tx = self.db.begin_write().await?;
        let open: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM perf_reviews WHERE contract_id = $1 AND milestone = $2 AND submitted_at IS NULL",
        )
        .bind(k.id)
        .bind(milestone)
        .fetch_one(&mut *tx)
        .await?;
        if open > 0 {
            return Ok(Err("err-review-open"));
        }
        let now = self.clock.now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO perf_reviews (contract_id, milestone, reviewer_kind, reviewer_user_id, scores, created_at) \
             VALUES ($1, $2, $3, $4, '{}', $5) RETURNING id",
        )
        .bind(k.id)
        .bind(milestone)
        .bind(if third_party { "third_party" } else { "purchaser" })
        .bind(reviewer)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        self.audit(
            &mut tx,
            Actor::User(UserId(user)),
            "review.opened",
            ("contract", k.id),
            json!({ "review": id, "milestone": milestone, "third_party": third_party }),
        )
        .await?;
        if third_party {
            self.mail(
                &mut tx,
                reviewer,
                json!({ "event": "review_due", "title": k.title, "number": k.number,
                "milestone": milestone, "link": format!("reviews/{id}") }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Issues `n` one-time survey links for an open review: the plain tokens, shown once.
    pub async fn issue_surveys(
        &self,
        r: &Review,
        n: usize,
        user: i64,
    ) -> AppResult<Result<Vec<String>, &'static str>> {
        if let Err(e) = rules::review_transition(r.status, ReviewAction::IssueSurveys { n }) {
            return Ok(Err(e.message_key()));
        }
        let mut tx = self.db.begin_write().await?;
        let now = self.clock.now_ms();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let t = tokens::new_token();
            sqlx::query(
                "INSERT INTO survey_links (review_id, token_hash, issued_by, issued_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(r.id)
            .bind(tokens::digest(&t))
            .bind(user)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            out.push(t);
        }
        self.audit(
            &mut tx,
            Actor::User(UserId(user)),
            "review.surveys_issued",
            ("perf_review", r.id),
            json!({ "links": n }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(out))
    }

    /// A beneficiary's answers, once per link, while the review is open.
    pub async fn answer_survey(
        &self,
        token: &str,
        answers: &[i64],
    ) -> AppResult<Result<(), &'static str>> {
        let t = Template::shipped();
        let Some(pct) = rules::survey_percent(answers, t.questions.len()) else {
            return Ok(Err("err-survey-answers"));
        };
        let mut tx = self.db.begin_write().await?;
        let Some((link, review, _, answered)) = survey_of(&mut tx, token).await? else {
            return Err(AppError::NotFound);
        };
        if answered {
            return Ok(Err("err-survey-answered"));
        }
        let open: Option<Option<i64>> =
            sqlx::query_scalar("SELECT submitted_at FROM perf_reviews WHERE id = $1")
                .bind(review)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(submitted) = open else {
            return Err(AppError::NotFound);
        };
        // Only the open/closed distinction matters to a survey.
        let status = ReviewStatus::of(submitted.is_some(), None, false);
        if let Err(e) = rules::review_transition(status, ReviewAction::AnswerSurvey) {
            return Ok(Err(e.message_key()));
        }
        let centi: i64 = (pct * Decimal::from(100)).trunc().try_into().unwrap_or(0);
        let n = sqlx::query(
            "UPDATE survey_links SET answered_at = $2, answers = $3, score_centi = $4 WHERE id = $1 AND answered_at IS NULL",
        )
        .bind(link)
        .bind(self.clock.now_ms())
        .bind(serde_json::to_string(answers).unwrap_or_default())
        .bind(centi)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(Err("err-survey-answered"));
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The reviewer submits: the scores, the satisfaction from the answered surveys (or, with
    /// none, the reviewer's own figure), the total and the grade. Once.
    pub async fn submit_review(
        &self,
        r: &Review,
        scores: &BTreeMap<String, Decimal>,
        satisfaction_without_survey: Option<Decimal>,
        user: i64,
    ) -> AppResult<Result<String, &'static str>> {
        if r.status != ReviewStatus::Open {
            return Ok(Err(rules::ReviewRefusal::Submitted.message_key()));
        }
        let t = Template::shipped();
        let mut tx = self.db.begin_write().await?;
        let pcts: Vec<i64> = sqlx::query_scalar(
            "SELECT score_centi FROM survey_links WHERE review_id = $1 AND answered_at IS NOT NULL",
        )
        .bind(r.id)
        .fetch_all(&mut *tx)
        .await?;
        let pcts: Vec<Decimal> = pcts.into_iter().map(|c| Decimal::new(c, 2)).collect();
        let satisfaction = match rules::satisfaction(&pcts, t.satisfaction_max) {
            Some(s) => s,
            None => match satisfaction_without_survey {
                Some(s)
                    if s >= Decimal::ZERO
                        && s <= Decimal::from(t.satisfaction_max)
                        && s.scale() <= 2 =>
                {
                    s
                }
                _ => return Ok(Err("err-review-satisfaction")),
            },
        };
        let total = scores.values().sum::<Decimal>() + satisfaction;
        let now = self.clock.now_ms();
        let grade = rules::grade(total, thresholds(&mut tx, now).await?);
        let (_, event) = match rules::review_transition(
            r.status,
            ReviewAction::Submit {
                poor: grade == "poor",
            },
        ) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e.message_key())),
        };
        let centi =
            |d: Decimal| -> i64 { (d * Decimal::from(100)).trunc().try_into().unwrap_or(0) };
        let n = sqlx::query(
            "UPDATE perf_reviews SET scores = $2, survey_centi = $3, total_centi = $4, grade = $5, submitted_at = $6 \
             WHERE id = $1 AND submitted_at IS NULL",
        )
        .bind(r.id)
        .bind(serde_json::to_string(scores).unwrap_or_default())
        .bind(centi(satisfaction))
        .bind(centi(total))
        .bind(grade)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(Err("err-review-submitted"));
        }
        let k = contract::by_id(&mut tx, r.contract_id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.log_contract(
            &mut tx,
            &k,
            user,
            crate::delivery::contract::Logged {
                kind: "review",
                data: json!({ "contract": k.id, "review": r.id, "milestone": r.milestone, "total": total.to_string(),
                     "grade": grade, "surveys": pcts.len() }),
                action: "review.submitted",
                entity: ("perf_review", r.id),
                summary: json!({ "total": total.to_string(), "grade": grade }),
            },
        )
        .await?;
        for admin in Procurement::org_admins(&mut tx, k.org_id).await? {
            self.mail(
                &mut tx,
                admin,
                json!({ "event": "review_result", "title": k.title, "number": k.number,
                "milestone": r.milestone, "total": total.to_string(), "grade": grade,
                "link": format!("contracts/{}", k.id) }),
            )
            .await?;
        }
        if event == ReviewEvent::Payable {
            self.mail_payable(&mut tx, &k, Some(&r.milestone)).await?;
        }
        tx.commit().await?;
        Ok(Ok(grade.to_string()))
    }

    /// Tells the finance officers that installments waiting for this review (or for the
    /// acceptance, `None`) are payable.
    pub async fn mail_payable(
        &self,
        c: &mut Conn,
        k: &Contract,
        review: Option<&str>,
    ) -> AppResult<()> {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM installments WHERE contract_id = $1 AND \
             ((condition = 'review' AND review_name = $2) OR (condition = 'acceptance' AND $3 = 1))",
        )
        .bind(k.id)
        .bind(review.unwrap_or(""))
        .bind(i64::from(review.is_none()))
        .fetch_one(&mut *c)
        .await?;
        if waiting == 0 {
            return Ok(());
        }
        let officers: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT user_id FROM role_grants WHERE role = 'finance_officer' AND revoked_at IS NULL ORDER BY user_id",
        )
        .fetch_all(&mut *c)
        .await?;
        for u in officers {
            self.mail(
                c,
                u,
                json!({ "event": "payable", "title": k.title, "number": k.number,
                "link": format!("finance/contracts/{}", k.id) }),
            )
            .await?;
        }
        Ok(())
    }

    /// The purchaser's rectification decision on a 差 review: payment resumes.
    pub async fn rectify(
        &self,
        r: &Review,
        decision: &str,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        let chars = decision.trim().chars().count();
        let (_, event) = match rules::review_transition(r.status, ReviewAction::Rectify { chars }) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e.message_key())),
        };
        let mut tx = self.db.begin_write().await?;
        let now = self.clock.now_ms();
        let n = sqlx::query(
            "INSERT INTO rectifications (review_id, decision, decided_by, decided_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(r.id)
        .bind(decision.trim())
        .bind(user)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(Err("err-rectify-done"));
        }
        let k = contract::by_id(&mut tx, r.contract_id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.log_contract(
            &mut tx,
            &k,
            user,
            crate::delivery::contract::Logged {
                kind: "rectification",
                data: json!({ "contract": k.id, "review": r.id, "decision": decision.trim() }),
                action: "review.rectified",
                entity: ("perf_review", r.id),
                summary: json!({}),
            },
        )
        .await?;
        if event == ReviewEvent::Payable {
            self.mail_payable(&mut tx, &k, Some(&r.milestone)).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }
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
