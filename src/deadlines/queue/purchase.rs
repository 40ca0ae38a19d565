//! Procurement work: the procedure's steps (purchaser or agency), the purchaser's drafts and
//! signatures, the supervisor's orders and supplier sign-ups.

use super::{Push, Scope};
use crate::db::Conn;
use crate::deadlines::store::queue as store;
use crate::domain::calendar::parse_iso_date;

/// The procedure's steps after the opening, for whoever runs it: the purchaser, or the agency
/// the project is entrusted to (never both).
pub(super) async fn procedure(
    c: &mut Conn,
    scope: &Scope,
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    // Questions on published notices waiting for an answer, by the bid deadline.
    let asked: Vec<(i64, i64, String, Option<i64>)> =
        store::unanswered_questions(c, &scope.departments, &scope.agencies).await?;
    for (id, project, title, deadline) in p.capped("queue-question", "/purchase", asked) {
        let due = deadline.map(|d| {
            (
                crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(d)),
                false,
            )
        });
        p.add(
            "queue-question",
            id,
            title,
            due,
            format!("/purchase/projects/{project}#questions"),
        );
        // Bids close at a moment, not at the end of the day.
        if let (Some(last), Some(d)) = (p.out.last_mut(), deadline) {
            last.at = Some(crate::procurement::shanghai_time(d));
        }
    }
    // Opened rounds: qualification and compliance of each opened bid, then the panel.
    let opened: Vec<(i64, String, i64, i64, i64)> =
        store::opened_rounds(c, &scope.departments, &scope.agencies).await?;
    for (id, title, bids, reviewed, panels) in p.capped("queue-qualification", "/purchase", opened)
    {
        if reviewed < bids * 2 {
            p.add(
                "queue-qualification",
                id,
                title,
                None,
                format!("/purchase/projects/{id}#review"),
            );
        } else if panels == 0 {
            p.add(
                "queue-panel-draw",
                id,
                title,
                None,
                format!("/purchase/projects/{id}#panel"),
            );
        }
    }
    Ok(())
}

pub(super) async fn purchaser(
    c: &mut Conn,
    departments: &[i64],
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    let drafts: Vec<(i64, String)> = store::drafts(c, departments).await?;
    for (id, title) in p.capped("queue-draft", "/purchase", drafts) {
        p.add(
            "queue-draft",
            id,
            title,
            None,
            format!("/purchase/projects/{id}"),
        );
    }
    // Winners to sign with, once the award notice has ended: 30 days from the notice.
    let unsigned: Vec<(i64, i64, String, i64)> = store::winners_to_sign(c, departments).await?;
    for (id, project, subject, notice_at) in p.capped("queue-sign", "/purchase", unsigned) {
        let due = crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(
            crate::delivery::contract::sign_due(p.cal, notice_at, false),
        ));
        p.add(
            "queue-sign",
            id,
            subject,
            Some((due, false)),
            format!("/purchase/projects/{project}/award#contract"),
        );
    }
    Ok(())
}

pub(super) async fn supervisor(c: &mut Conn, p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let orders: Vec<(i64, i64, String, String)> = store::running_orders(c).await?;
    for (id, complaint, title, until) in p.capped("queue-order", "/complaints", orders) {
        if let Some(d) = parse_iso_date(&until).filter(|d| *d >= p.today) {
            p.add(
                "queue-order",
                id,
                title,
                Some((d, false)),
                format!("/complaints/{complaint}#order-{id}"),
            );
        }
    }
    let suppliers: Vec<(i64, String)> = store::pending_suppliers(c).await?;
    for (id, name) in p.capped("queue-supplier", "/suppliers", suppliers) {
        p.add("queue-supplier", id, name, None, "/suppliers".into());
    }
    Ok(())
}
