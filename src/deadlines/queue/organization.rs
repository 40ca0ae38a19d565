//! An organization's work: milestones, evaluation windows, followed categories, changed
//! procurement documents, complaint
//! windows, 差 reviews to rectify, void grade certificates to return and annual reports.

use super::{date, Push, Scope};
use crate::db::Conn;
use crate::deadlines::store::queue as store;

/// An organization's work: milestones of its contracts still to deliver, evaluation rounds
/// open to it, and (for its admins) last year's annual report.
pub(super) async fn organization(
    c: &mut Conn,
    scope: &Scope,
    p: &mut Push<'_>,
    now: i64,
) -> crate::platform::error::AppResult<()> {
    let contracts: Vec<(i64, i64, String, String)> =
        store::milestones_due(c, &scope.org_member).await?;
    let mut suspended: Vec<i64> = Vec::new();
    for (k, org, title, milestone) in p.capped("queue-milestone", "", contracts) {
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
    let rounds: Vec<(i64, i64, String, String)> =
        store::open_windows(c, &scope.org_member, p.today).await?;
    for (id, org, title, to) in p.capped("queue-eval-window", "", rounds) {
        p.add(
            "queue-eval-window",
            id,
            title,
            date(&to),
            format!("/orgs/{org}/evaluation"),
        );
    }
    // Projects open for bids in a category the organization follows, not yet taken up.
    let open: Vec<(i64, i64, String, String, i64)> =
        store::followed_projects(c, &scope.org_member, now).await?;
    for (id, _org, number, subject, deadline) in p.capped("queue-new-project", "/projects", open) {
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
    // Documents obtained, and changed since: the bidder reads the marked version before the
    // deadline (and may replace its bid).
    let newer: Vec<(i64, i64, String, String, i64, i64)> =
        store::newer_documents(c, &scope.org_member, now).await?;
    for (id, org, number, subject, deadline, _newest) in p.capped("queue-docs-newer", "", newer) {
        let due = crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(deadline));
        p.add(
            "queue-docs-newer",
            id,
            subject,
            Some((due, false)),
            format!("/projects/{number}/documents?org={org}"),
        );
        if let Some(last) = p.out.last_mut() {
            last.at = Some(crate::procurement::shanghai_time(deadline));
        }
    }
    if !scope.org_admin.is_empty() {
        // The panel asked for a written explanation of a markedly low price (87号令 art. 60):
        // due at a moment, after which the bid is rejected.
        let asked = crate::db::low_prices::waiting_for(c, &scope.org_admin, now).await?;
        for (id, org, subject, due_at) in p.capped("queue-low-price", "", asked) {
            let due =
                crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(due_at));
            p.add(
                "queue-low-price",
                id,
                subject,
                Some((due, true)),
                format!("/orgs/{org}/low-price/{id}"),
            );
            if let Some(last) = p.out.last_mut() {
                last.at = Some(crate::procurement::shanghai_time(due_at));
            }
        }
        // A challenge answered (or left unanswered past its 7 working days) may be taken to
        // the supervisor within 15 working days after the answer period: the admin who filed
        // it is told until when.
        let challenges: Vec<(i64, i64, String, String, i64)> =
            store::complaint_windows(c, &scope.org_admin, now).await?;
        for (id, org, number, subject, due_at) in p.capped("queue-complaint-window", "", challenges)
        {
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
        let poor: Vec<(i64, i64, i64, String, String)> =
            store::poor_reviews_to_rectify(c, &scope.org_admin).await?;
        for (id, org, k, title, milestone) in p.capped("queue-review-poor", "", poor) {
            p.add(
                "queue-review-poor",
                id,
                format!("{title} · {milestone}"),
                None,
                format!("/orgs/{org}/contracts/{k}#reviews"),
            );
        }
        // A void grade certificate (downgraded or expired) goes back within 15 days (issue
        // 22, item 15).
        let certificates = store::own_certificates_to_return(c, &scope.org_admin).await?;
        for (id, org, due) in p.capped("queue-org-certificate-return", "", certificates) {
            p.add(
                "queue-org-certificate-return",
                id,
                org,
                date(&due),
                format!("/grades/{id}/certificate"),
            );
        }
        let year = i64::from(p.today.year()) - 1;
        let missing: Vec<(i64, String)> =
            store::annual_reports_missing(c, &scope.org_admin, p.today).await?;
        for (org, name) in p.capped("queue-annual-report", "", missing) {
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
