//! An organization's work: milestones, evaluation windows, followed categories, complaint
//! windows, 差 reviews to rectify and annual reports.

use super::{date, ids, Push, Scope};
use crate::db::Conn;
use crate::domain::calendar::iso_date;

/// An organization's work: milestones of its contracts still to deliver, evaluation rounds
/// open to it, and (for its admins) last year's annual report.
pub(super) async fn organization(
    c: &mut Conn,
    scope: &Scope,
    p: &mut Push<'_>,
    now: i64,
) -> crate::platform::error::AppResult<()> {
    let list = ids(&scope.org_member);
    let contracts: Vec<(i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT k.id, k.org_id, pr.number || ' · ' || pr.title, i.review_name FROM contracts k JOIN projects pr ON pr.id = k.project_id \
         JOIN installments i ON i.contract_id = k.id \
         WHERE k.org_id IN ({list}) AND k.terminated_at IS NULL AND k.accepted_at IS NULL \
         AND i.condition = 'review' AND i.review_name IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM deliverables d WHERE d.contract_id = k.id AND d.milestone = i.review_name \
                         AND d.kind = 'deliverable' AND d.status IN ('submitted', 'accepted')) ORDER BY k.id, i.pos"
    )))
    .fetch_all(&mut *c)
    .await?;
    let mut suspended: Vec<i64> = Vec::new();
    for (k, org, title, milestone) in contracts {
        // A suspended contract is not performed: the organization is told so instead.
        let held = match crate::delivery::contract::by_id(c, k).await? {
            Some(contract) => {
                crate::delivery::standing(c, &contract, p.today)
                    .await?
                    .state
                    == crate::delivery::rules::State::Suspended
            }
            None => false,
        };
        if held {
            if !suspended.contains(&k) {
                suspended.push(k);
                p.add(
                    "queue-contract-suspended",
                    k,
                    title,
                    None,
                    format!("/orgs/{org}/contracts/{k}"),
                );
            }
            continue;
        }
        p.add(
            "queue-milestone",
            k,
            format!("{title} · {milestone}"),
            None,
            format!("/orgs/{org}/contracts/{k}#deliverables"),
        );
    }
    let rounds: Vec<(i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.id, o.id, r.title, r.apply_to FROM eval_rounds r JOIN organizations o ON o.authority_id = r.authority_id \
         WHERE o.id IN ({list}) AND r.status = 'open' AND r.apply_from <= $1 AND r.apply_to >= $1 \
         AND NOT EXISTS (SELECT 1 FROM eval_applications e WHERE e.round_id = r.id AND e.org_id = o.id) ORDER BY r.apply_to"
    )))
    .bind(iso_date(p.today))
    .fetch_all(&mut *c)
    .await?;
    for (id, org, title, to) in rounds {
        p.add(
            "queue-eval-window",
            id,
            title,
            date(&to),
            format!("/orgs/{org}/evaluation"),
        );
    }
    // Projects open for bids in a category the organization follows, not yet taken up.
    let open: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT pr.id, o.id, pr.number, pr.number || ' · ' || pr.title, pr.deadline_at FROM projects pr \
         JOIN category_follows f ON f.category_code = pr.category_code JOIN organizations o ON o.id = f.org_id \
         WHERE o.id IN ({list}) AND pr.status = 'published' AND pr.deadline_at > $1 \
         AND NOT EXISTS (SELECT 1 FROM bids b WHERE b.project_id = pr.id AND b.round = pr.round AND b.org_id = o.id) \
         AND NOT EXISTS (SELECT 1 FROM doc_obtained d WHERE d.project_id = pr.id AND d.round = pr.round AND d.org_id = o.id) \
         ORDER BY pr.deadline_at, pr.id"
    )))
    .bind(now)
    .fetch_all(&mut *c)
    .await?;
    for (id, _org, number, subject, deadline) in open {
        let due = crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(deadline));
        p.add(
            "queue-new-project",
            id,
            subject,
            Some((due, false)),
            format!("/projects/{number}"),
        );
        // Bids close at a moment, not at the end of the day.
        if let Some(last) = p.out.last_mut() {
            last.at = Some(crate::procurement::shanghai_time(deadline));
        }
    }
    if !scope.org_admin.is_empty() {
        let admin = ids(&scope.org_admin);
        // A challenge answered (or left unanswered past its 7 working days) may be taken to
        // the supervisor within 15 working days after the answer period: the admin who filed
        // it is told until when.
        let challenges: Vec<(i64, i64, String, String, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT ch.id, ch.org_id, pr.number, pr.number || ' · ' || pr.title, ch.due_at FROM challenges ch \
                 JOIN projects pr ON pr.id = ch.project_id \
                 WHERE ch.org_id IN ({admin}) AND ch.kind = 'challenge' \
                 AND (ch.answered_at IS NOT NULL OR ch.due_at < $1) \
                 AND NOT EXISTS (SELECT 1 FROM complaints k WHERE k.challenge_id = ch.id) ORDER BY ch.id"
            )))
            .bind(now)
            .fetch_all(&mut *c)
            .await?;
        for (id, org, number, subject, due_at) in challenges {
            let last = crate::procurement::award::end_of_working_days(p.cal, due_at, 15);
            if now > last {
                continue;
            }
            let last_day =
                crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(last - 1));
            p.add(
                "queue-complaint-window",
                id,
                subject,
                Some((last_day, true)),
                format!("/projects/{number}/challenges/{org}"),
            );
        }
        // A 差 review of the organization's contract: it rectifies, the purchaser decides.
        let poor: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.id, k.org_id, k.id, pr.number || ' · ' || pr.title, r.milestone FROM perf_reviews r \
             JOIN contracts k ON k.id = r.contract_id JOIN projects pr ON pr.id = k.project_id \
             WHERE k.org_id IN ({admin}) AND r.submitted_at IS NOT NULL AND r.grade = 'poor' AND k.terminated_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM rectifications x WHERE x.review_id = r.id) ORDER BY r.id"
        )))
        .fetch_all(&mut *c)
        .await?;
        for (id, org, k, title, milestone) in poor {
            p.add(
                "queue-review-poor",
                id,
                format!("{title} · {milestone}"),
                None,
                format!("/orgs/{org}/contracts/{k}#reviews"),
            );
        }
        let year = i64::from(p.today.year()) - 1;
        let missing: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT o.id, o.name FROM organizations o WHERE o.id IN ({admin}) AND o.status = 'registered' \
             AND o.registered_on < $1 \
             AND NOT EXISTS (SELECT 1 FROM annual_reports a WHERE a.org_id = o.id AND a.year = $2) ORDER BY o.id"
        )))
        .bind(format!("{}-01-01", p.today.year()))
        .bind(year)
        .fetch_all(&mut *c)
        .await?;
        for (org, name) in missing {
            p.add(
                "queue-annual-report",
                org,
                format!("{name} · {year}"),
                None,
                format!("/orgs/{org}/registry"),
            );
        }
    }
    Ok(())
}
