//! Delivery work: the finance officer's payable installments, reviews to fill in, and the
//! purchaser's deliverables, 差 reviews, reviews to open and final acceptances.

use super::{ids, Push};
use crate::db::Conn;
use crate::domain::calendar::iso_date;

/// The finance officer's installments that can be paid now, due by the payment term (calendar
/// days from the day the condition was met).
pub(super) async fn payable(
    c: &mut Conn,
    now: i64,
    p: &mut Push<'_>,
) -> crate::platform::error::AppResult<()> {
    let term = crate::db::settings::snapshot(c, now)
        .await?
        .int("payment.term_days")
        .unwrap_or(30);
    for k in crate::delivery::contract::still_open(c, None).await? {
        let s = crate::delivery::ledger::summary(c, &k, now).await?;
        for i in &s.installments {
            let left = (i.amount_fen - i.paid_fen).min(s.remaining_fen);
            let Some(since) = i.payable_since.filter(|_| i.status.payable() && left > 0) else {
                continue;
            };
            let due =
                crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(since))
                    + time::Duration::days(term);
            p.add(
                "queue-payable",
                k.id * 100 + i.pos,
                format!(
                    "{} · {} · {} · ¥{}",
                    k.number,
                    k.title,
                    k.org_name,
                    crate::domain::money::Money::from_fen(left).grouped()
                ),
                Some((due, false)),
                format!("/finance/contracts/{}", k.id),
            );
        }
    }
    Ok(())
}

/// Performance reviews assigned to this person (the purchaser's own or a third party's).
pub(super) async fn reviewer(c: &mut Conn, user: i64, p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT r.id, r.milestone, pr.number || ' · ' || pr.title FROM perf_reviews r JOIN contracts k ON k.id = r.contract_id \
         JOIN projects pr ON pr.id = k.project_id \
         WHERE r.reviewer_user_id = $1 AND r.submitted_at IS NULL AND k.terminated_at IS NULL ORDER BY r.id",
    )
    .bind(user)
    .fetch_all(&mut *c)
    .await?;
    for (id, milestone, title) in rows {
        p.add(
            "queue-review",
            id,
            format!("{title} · {milestone}"),
            None,
            format!("/reviews/{id}"),
        );
    }
    Ok(())
}

/// The purchaser's delivery work: deliverables to accept, 差 reviews to decide, reviews to
/// open, final acceptance after the term.
pub(super) async fn purchaser_delivery(
    c: &mut Conn,
    departments: &[i64],
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    let list = ids(departments);
    // Deliverables filed and waiting for acceptance or return.
    let filed: Vec<(i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT d.id, k.id, pr.number || ' · ' || pr.title, d.milestone FROM deliverables d JOIN contracts k ON k.id = d.contract_id \
         JOIN projects pr ON pr.id = k.project_id \
         WHERE pr.department_id IN ({list}) AND d.status = 'submitted' AND k.terminated_at IS NULL ORDER BY d.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, k, title, milestone) in filed {
        p.add(
            "queue-deliverable",
            id,
            format!("{title} · {milestone}"),
            None,
            format!("/purchase/contracts/{k}#deliverables"),
        );
    }
    // 差 reviews waiting for the purchaser's rectification decision (payment is held back).
    let poor: Vec<(i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.id, k.id, pr.number || ' · ' || pr.title, r.milestone FROM perf_reviews r \
         JOIN contracts k ON k.id = r.contract_id JOIN projects pr ON pr.id = k.project_id \
         WHERE pr.department_id IN ({list}) AND r.submitted_at IS NOT NULL AND r.grade = 'poor' \
         AND k.terminated_at IS NULL AND NOT EXISTS (SELECT 1 FROM rectifications x WHERE x.review_id = r.id) ORDER BY r.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, k, title, milestone) in poor {
        p.add(
            "queue-rectify",
            id,
            format!("{title} · {milestone}"),
            None,
            format!("/purchase/contracts/{k}#reviews"),
        );
    }
    // Milestones whose deliverable was accepted and whose installment waits for a review
    // that nobody has opened yet.
    let unreviewed: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT k.id, pr.number || ' · ' || pr.title, i.review_name FROM installments i \
         JOIN contracts k ON k.id = i.contract_id JOIN projects pr ON pr.id = k.project_id \
         WHERE pr.department_id IN ({list}) AND i.condition = 'review' AND i.review_name IS NOT NULL \
         AND k.terminated_at IS NULL AND k.accepted_at IS NULL \
         AND EXISTS (SELECT 1 FROM deliverables d WHERE d.contract_id = k.id AND d.milestone = i.review_name \
                     AND d.status = 'accepted') \
         AND NOT EXISTS (SELECT 1 FROM perf_reviews r WHERE r.contract_id = k.id AND r.milestone = i.review_name) \
         ORDER BY k.id, i.pos"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (k, title, milestone) in unreviewed {
        p.add(
            "queue-review-open",
            k,
            format!("{title} · {milestone}"),
            None,
            format!("/purchase/contracts/{k}#reviews"),
        );
    }
    // Contracts whose term has ended, not yet finally accepted: the acceptance (验收).
    let ended: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT k.id, pr.number || ' · ' || pr.title, k.ends_on FROM contracts k JOIN projects pr ON pr.id = k.project_id \
         WHERE pr.department_id IN ({list}) AND k.terminated_at IS NULL AND k.accepted_at IS NULL \
         AND k.ends_on <= $1 ORDER BY k.ends_on, k.id"
    )))
    .bind(iso_date(p.today))
    .fetch_all(&mut *c)
    .await?;
    for (k, title, _ends) in ended {
        p.add(
            "queue-accept-final",
            k,
            title,
            None,
            format!("/purchase/contracts/{k}/accept"),
        );
    }
    Ok(())
}
