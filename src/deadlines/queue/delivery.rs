//! Delivery work: the finance officer's payable installments, reviews to fill in, and the
//! purchaser's deliverables, 差 reviews, reviews to open and final acceptances.

use super::Push;
use crate::db::Conn;
use crate::deadlines::store::queue as store;

/// Contracts whose payable installments the finance officer's work list shows (the rest are
/// on `/finance`, page by page).
const WORK_CONTRACTS: i64 = 100;

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
    // A work list, not the ledger: the oldest contracts' installments, bounded.
    let mut contracts: Vec<i64> = Vec::new();
    for l in crate::delivery::overview::payable_work(c, now, WORK_CONTRACTS + 1).await? {
        let (k, i, left) = (&l.k, &l.i, l.left_fen);
        // The lines come contract by contract: one past the list's contracts says there are
        // more (on `/finance`, page by page).
        if !contracts.contains(&k.id) {
            if i64::try_from(contracts.len()).unwrap_or(i64::MAX) == WORK_CONTRACTS {
                p.out
                    .push(crate::deadlines::Task::more("queue-payable", "/finance"));
                break;
            }
            contracts.push(k.id);
        }
        let Some(since) = i.payable_since else {
            continue;
        };
        let due = crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(since))
            + time::Duration::days(term);
        p.add(
            "queue-payable",
            k.id * 100 + i.pos,
            // Which installment (its number in the plan, as the plan table shows it) and
            // what is left of it.
            format!(
                "{} · {} · {} · #{} · ¥{}",
                k.number,
                k.title,
                k.org_name,
                i.pos,
                crate::domain::money::Money::from_fen(left).grouped()
            ),
            Some((due, false)),
            format!("/finance/contracts/{}", k.id),
        );
    }
    Ok(())
}

/// Performance reviews assigned to this person (the purchaser's own or a third party's).
pub(super) async fn reviewer(c: &mut Conn, user: i64, p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, String, String)> = store::reviews_assigned(c, user).await?;
    for (id, milestone, title) in p.capped("queue-review", "/reviews", rows) {
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
    // Deliverables filed and waiting for acceptance or return.
    let filed: Vec<(i64, i64, String, String)> =
        store::deliverables_to_accept(c, departments).await?;
    for (id, k, title, milestone) in p.capped("queue-deliverable", "/purchase/delivery", filed) {
        p.add(
            "queue-deliverable",
            id,
            format!("{title} · {milestone}"),
            None,
            format!("/purchase/contracts/{k}#deliverables"),
        );
    }
    // 差 reviews waiting for the purchaser's rectification decision (payment is held back).
    let poor: Vec<(i64, i64, String, String)> =
        store::poor_reviews_to_decide(c, departments).await?;
    for (id, k, title, milestone) in p.capped("queue-rectify", "/purchase/delivery", poor) {
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
    let unreviewed: Vec<(i64, String, String)> = store::reviews_to_open(c, departments).await?;
    for (k, title, milestone) in p.capped("queue-review-open", "/purchase/delivery", unreviewed) {
        p.add(
            "queue-review-open",
            k,
            format!("{title} · {milestone}"),
            None,
            format!("/purchase/contracts/{k}#reviews"),
        );
    }
    // Contracts whose term has ended, not yet finally accepted: the acceptance (验收).
    let ended: Vec<(i64, String, String)> =
        store::ended_unaccepted(c, departments, p.today).await?;
    for (k, title, _ends) in p.capped("queue-accept-final", "/purchase/delivery", ended) {
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
