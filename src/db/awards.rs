//! Awards and their winners: the report delivered with its frozen ranking, the confirmation and
//! the award notice, and the winner rows (a winner passed over keeps its row with the reason).
//! The award service (`procurement::award`) keeps its transactions, decisions, audit and mail.

use super::Conn;
use crate::domain::award::WinnerStatus;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

/// One line of the frozen ranking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ranked {
    pub rank: usize,
    pub bid_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub price_fen: i64,
    pub price_score: Decimal,
    pub total: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub struct Award {
    pub id: i64,
    pub project_id: i64,
    pub round: i64,
    pub ranking: Vec<Ranked>,
    pub report_at: i64,
    pub confirm_due_at: i64,
    pub confirmed_at: Option<i64>,
    pub confirmed_by: Option<i64>,
    pub notice_at: Option<i64>,
    pub notice_end_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Winner {
    pub id: i64,
    pub award_id: i64,
    pub bid_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub address: String,
    pub rank: i64,
    pub amount_fen: i64,
    pub status: WinnerStatus,
    pub reason: Option<String>,
    pub created_at: i64,
    pub changed_at: Option<i64>,
}

const AWARD: &str =
    "SELECT id, project_id, round, ranking, report_at, confirm_due_at, confirmed_at, \
    confirmed_by, notice_at, notice_end_at FROM awards";

fn award(r: &AnyRow) -> Result<Award, sqlx::Error> {
    let ranking: String = r.try_get("ranking")?;
    Ok(Award {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        round: r.try_get("round")?,
        ranking: serde_json::from_str(&ranking).map_err(|e| sqlx::Error::Decode(e.into()))?,
        report_at: r.try_get("report_at")?,
        confirm_due_at: r.try_get("confirm_due_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
        confirmed_by: r.try_get("confirmed_by")?,
        notice_at: r.try_get("notice_at")?,
        notice_end_at: r.try_get("notice_end_at")?,
    })
}

/// The award of a project's round, once the report reached the purchaser.
pub async fn of_round(
    c: &mut Conn,
    project: i64,
    round: i64,
) -> Result<Option<Award>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{AWARD} WHERE project_id = $1 AND round = $2"
    )))
    .bind(project)
    .bind(round)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(award).transpose()
}

/// Every winner row of an award, the current ones and those passed over, in rank order.
pub async fn winners(c: &mut Conn, award: i64) -> Result<Vec<Winner>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT w.id, w.award_id, w.bid_id, w.org_id, o.name AS org_name, \
         COALESCE(o.domicile, (SELECT s.address FROM suppliers s WHERE s.uscc = o.uscc AND s.status = 'approved' \
         ORDER BY s.id DESC LIMIT 1), '') AS address, w.rank, w.amount_fen, w.status, w.reason, w.created_at, w.changed_at \
         FROM award_winners w JOIN organizations o ON o.id = w.org_id WHERE w.award_id = $1 ORDER BY w.rank, w.id",
    )
    .bind(award)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Winner {
                id: r.try_get("id")?,
                award_id: r.try_get("award_id")?,
                bid_id: r.try_get("bid_id")?,
                org_id: r.try_get("org_id")?,
                org_name: r.try_get("org_name")?,
                address: r.try_get("address")?,
                rank: r.try_get("rank")?,
                amount_fen: r.try_get("amount_fen")?,
                status: {
                    let code: String = r.try_get("status")?;
                    WinnerStatus::parse(&code).ok_or_else(|| sqlx::Error::ColumnDecode {
                        index: "status".into(),
                        source: format!("unknown winner status {code:?}").into(),
                    })?
                },
                reason: r.try_get("reason")?,
                created_at: r.try_get("created_at")?,
                changed_at: r.try_get("changed_at")?,
            })
        })
        .collect()
}

/// Records the delivered report of a round with its frozen ranking (JSON) and the confirmation
/// due date; the new award's id.
pub async fn add(
    c: &mut Conn,
    project: i64,
    round: i64,
    ranking: &str,
    report_at: i64,
    confirm_due_at: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO awards (project_id, round, ranking, report_at, confirm_due_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(project)
    .bind(round)
    .bind(ranking)
    .bind(report_at)
    .bind(confirm_due_at)
    .fetch_one(&mut *c)
    .await
}

/// Records the confirmation (by `user`, or by the rule of silence with `None`) and starts the
/// award notice, unless it was confirmed already (compare-and-set); whether it applied.
pub async fn confirm(
    c: &mut Conn,
    award: i64,
    at: i64,
    user: Option<i64>,
    notice_end_at: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE awards SET confirmed_at = $2, confirmed_by = $3, notice_at = $2, notice_end_at = $4 \
         WHERE id = $1 AND confirmed_at IS NULL",
    )
    .bind(award)
    .bind(at)
    .bind(user)
    .bind(notice_end_at)
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1)
}

/// Starts a new award notice (after a winner was passed over for the next-ranked).
pub async fn renew_notice(
    c: &mut Conn,
    award: i64,
    at: i64,
    notice_end_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE awards SET notice_at = $2, notice_end_at = $3 WHERE id = $1")
        .bind(award)
        .bind(at)
        .bind(notice_end_at)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Adds a winner row (status `winner`) for a line of the ranking.
pub async fn add_winner(c: &mut Conn, award: i64, r: &Ranked, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO award_winners (award_id, bid_id, org_id, rank, amount_fen, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'winner', $6)",
    )
    .bind(award)
    .bind(r.bid_id)
    .bind(r.org_id)
    .bind(r.rank as i64)
    .bind(r.price_fen)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Passes a winner over (`to`: refused or disqualified) with the reason: compare-and-set on
/// `winner`; whether it applied.
pub async fn pass_over(
    c: &mut Conn,
    winner: i64,
    to: WinnerStatus,
    reason: &str,
    user: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE award_winners SET status = $2, reason = $3, changed_by = $4, changed_at = $5 WHERE id = $1 AND status = 'winner'",
    )
    .bind(winner)
    .bind(to.code())
    .bind(reason)
    .bind(user)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// How many current winners of the award have no contract yet.
pub async fn unsigned_winners(c: &mut Conn, award: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM award_winners x WHERE x.award_id = $1 AND x.status = 'winner' \
         AND NOT EXISTS (SELECT 1 FROM contracts k WHERE k.winner_id = x.id)",
    )
    .bind(award)
    .fetch_one(&mut *c)
    .await
}

/// The opened projects whose report can be complete and has not been delivered: every seated
/// panelist submitted and, for a consultation, the final quotes opened.
pub async fn reports_due(c: &mut Conn) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT p.id FROM projects p JOIN panels pn ON pn.project_id = p.id AND pn.round = p.round \
         WHERE p.status = 'opened' AND NOT EXISTS \
         (SELECT 1 FROM awards a WHERE a.project_id = p.id AND a.round = p.round) \
         AND NOT EXISTS (SELECT 1 FROM panel_members m WHERE m.panel_id = pn.id AND m.status = 'seated' \
                         AND m.submitted_at IS NULL) \
         AND (p.method <> 'consultation' OR EXISTS (SELECT 1 FROM openings o WHERE o.project_id = p.id \
              AND o.round = p.round AND o.envelope = 'final' AND o.outcome = 'opened')) ORDER BY p.id",
    )
    .fetch_all(&mut *c)
    .await
}

/// The projects (still opened) whose award's confirmation was due by `now` and not given.
pub async fn confirmations_due(c: &mut Conn, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT a.project_id FROM awards a JOIN projects p ON p.id = a.project_id AND p.round = a.round \
         WHERE a.confirmed_at IS NULL AND a.confirm_due_at <= $1 AND p.status = 'opened' ORDER BY a.id",
    )
    .bind(now)
    .fetch_all(&mut *c)
    .await
}
