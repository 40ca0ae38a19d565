//! Procurement work: the procedure's steps (purchaser or agency), the purchaser's drafts and
//! signatures, the supervisor's orders and supplier sign-ups.

use super::{ids, Push, Scope};
use crate::db::Conn;
use crate::domain::calendar::parse_iso_date;

/// The procedure's steps after the opening, for whoever runs it: the purchaser, or the agency
/// the project is entrusted to (never both).
pub(super) async fn procedure(
    c: &mut Conn,
    scope: &Scope,
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    let runs = scope.runs("pr");
    // Questions on published notices waiting for an answer, by the bid deadline.
    let asked: Vec<(i64, i64, String, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT q.id, pr.id, pr.number || ' · ' || pr.title, pr.deadline_at FROM project_questions q \
         JOIN projects pr ON pr.id = q.project_id AND q.round = pr.round \
         WHERE {runs} AND pr.status = 'published' AND q.answered_at IS NULL ORDER BY q.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, project, title, deadline) in asked {
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
    let opened: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT pr.id, pr.number || ' · ' || pr.title, \
         (SELECT COUNT(*) FROM opening_bids ob WHERE ob.opening_id = op.id), \
         (SELECT COUNT(*) FROM bid_reviews br WHERE br.opening_id = op.id AND br.stage IN ('qualification', 'compliance')), \
         (SELECT COUNT(*) FROM panels pn WHERE pn.project_id = pr.id AND pn.round = pr.round) \
         FROM projects pr JOIN openings op ON op.project_id = pr.id AND op.round = pr.round AND op.envelope = 'initial' \
         WHERE {runs} AND pr.status = 'opened' \
         AND NOT EXISTS (SELECT 1 FROM awards a WHERE a.project_id = pr.id AND a.round = pr.round) ORDER BY pr.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, title, bids, reviewed, panels) in opened {
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
    let list = ids(departments);
    let drafts: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, number || ' · ' || title FROM projects WHERE department_id IN ({list}) AND status = 'draft' ORDER BY id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, title) in drafts {
        p.add(
            "queue-draft",
            id,
            title,
            None,
            format!("/purchase/projects/{id}"),
        );
    }
    // Winners to sign with, once the award notice has ended: 30 days from the notice.
    let unsigned: Vec<(i64, i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT w.id, pr.id, pr.number || ' · ' || pr.title || ' · ' || o.name, a.notice_at FROM award_winners w \
         JOIN awards a ON a.id = w.award_id JOIN projects pr ON pr.id = a.project_id \
         JOIN organizations o ON o.id = w.org_id \
         WHERE pr.department_id IN ({list}) AND w.status = 'winner' AND a.round = pr.round \
         AND a.notice_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contracts k WHERE k.winner_id = w.id) ORDER BY w.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, project, subject, notice_at) in unsigned {
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
    let orders: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT s.id, pr.number || ' · ' || pr.title, s.until_on FROM suspension_orders s JOIN complaints k ON k.id = s.complaint_id \
         JOIN projects pr ON pr.id = s.project_id \
         WHERE s.lifted_at IS NULL AND k.decided_at IS NULL ORDER BY s.until_on, s.id",
    )
    .fetch_all(&mut *c)
    .await?;
    for (id, title, until) in orders {
        if let Some(d) = parse_iso_date(&until).filter(|d| *d >= p.today) {
            p.add(
                "queue-order",
                id,
                title,
                Some((d, false)),
                format!("/complaints#order-{id}"),
            );
        }
    }
    let suppliers: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM suppliers WHERE status = 'pending' ORDER BY applied_at, id",
    )
    .fetch_all(&mut *c)
    .await?;
    for (id, name) in suppliers {
        p.add("queue-supplier", id, name, None, "/suppliers".into());
    }
    Ok(())
}
