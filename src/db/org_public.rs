//! What an organization's public profile shows of its government purchase of services (issue
//! 24, item 1): the awards published in its name and its contracts with what has been paid and
//! what remains. The same facts, and only those, that the public awards and contracts lists show.

use super::Conn;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AwardLine {
    pub number: String,
    pub title: String,
    pub amount_fen: i64,
    pub notice_at: i64,
    pub status: String,
}

/// The awards published (their notice out) naming the organization, newest first.
pub async fn awards_of(c: &mut Conn, org: i64) -> Result<Vec<AwardLine>, sqlx::Error> {
    let rows: Vec<(String, String, i64, i64, String)> = sqlx::query_as(
        "SELECT p.number, p.title, w.amount_fen, a.notice_at, w.status FROM award_winners w \
         JOIN awards a ON a.id = w.award_id JOIN projects p ON p.id = a.project_id \
         WHERE w.org_id = $1 AND a.notice_at IS NOT NULL ORDER BY a.notice_at DESC, w.id DESC",
    )
    .bind(org)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(number, title, amount_fen, notice_at, status)| AwardLine {
            number,
            title,
            amount_fen,
            notice_at,
            status,
        })
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct ContractLine {
    pub id: i64,
    pub title: String,
    pub signed_at: i64,
    pub amount_fen: i64,
    /// Payments less reversals, in fen.
    pub paid_fen: i64,
    pub remaining_fen: i64,
    /// `delivery`, `accepted` or `terminated`.
    pub state: String,
}

/// The organization's contracts, newest first, each with what has been paid and what remains.
pub async fn contracts_of(c: &mut Conn, org: i64) -> Result<Vec<ContractLine>, sqlx::Error> {
    let rows: Vec<(i64, String, i64, i64, i64, String)> = sqlx::query_as(
        "SELECT k.id, p.title, k.signed_at, k.amount_fen, \
         (SELECT CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT) FROM ledger_entries e \
          WHERE e.contract_id = k.id), \
         CASE WHEN k.terminated_at IS NOT NULL THEN 'terminated' \
              WHEN k.accepted_at IS NOT NULL THEN 'accepted' ELSE 'delivery' END \
         FROM contracts k JOIN projects p ON p.id = k.project_id \
         WHERE k.org_id = $1 ORDER BY k.signed_at DESC, k.id DESC",
    )
    .bind(org)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, title, signed_at, amount_fen, paid_fen, state)| ContractLine {
                id,
                title,
                signed_at,
                amount_fen,
                paid_fen,
                remaining_fen: amount_fen.saturating_sub(paid_fen).max(0),
                state,
            },
        )
        .collect())
}
