//! All SQL of the disbursement ledger, the add-ons and the termination: entries are only ever
//! inserted (the database refuses edits); the ledger service keeps its transactions, audit and
//! mail.

use crate::db::Conn;
use crate::platform::error::AppResult;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct LedgerEntry {
    pub id: i64,
    pub contract_id: i64,
    pub installment_pos: i64,
    pub amount_fen: i64,
    pub value_date: String,
    pub voucher_no: String,
    pub payee_account: String,
    pub invoice_no: String,
    pub approved_by: i64,
    pub approved_name: String,
    pub recorded_at: i64,
    pub reverses_id: Option<i64>,
    pub reason: Option<String>,
}

const ENTRY: &str = "SELECT e.id, e.contract_id, e.installment_pos, e.amount_fen, e.value_date, e.voucher_no, \
    e.payee_account, e.invoice_no, e.approved_by, u.display_name AS approved_name, e.recorded_at, e.reverses_id, e.reason \
    FROM ledger_entries e JOIN users u ON u.id = e.approved_by";

fn entry(r: &AnyRow) -> Result<LedgerEntry, sqlx::Error> {
    Ok(LedgerEntry {
        id: r.try_get("id")?,
        contract_id: r.try_get("contract_id")?,
        installment_pos: r.try_get("installment_pos")?,
        amount_fen: r.try_get("amount_fen")?,
        value_date: r.try_get("value_date")?,
        voucher_no: r.try_get("voucher_no")?,
        payee_account: r.try_get("payee_account")?,
        invoice_no: r.try_get("invoice_no")?,
        approved_by: r.try_get("approved_by")?,
        approved_name: r.try_get("approved_name")?,
        recorded_at: r.try_get("recorded_at")?,
        reverses_id: r.try_get("reverses_id")?,
        reason: r.try_get("reason")?,
    })
}

pub async fn entries(c: &mut Conn, contract: i64) -> AppResult<Vec<LedgerEntry>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ENTRY} WHERE e.contract_id = $1 ORDER BY e.id"
    )))
    .bind(contract)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(entry).collect::<Result<_, _>>()?)
}

/// The entries of the contracts of `ids`, in one read, each contract's in order.
pub async fn entries_of(c: &mut Conn, ids: &[i64]) -> AppResult<Vec<LedgerEntry>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ENTRY} WHERE e.contract_id IN ({}) ORDER BY e.contract_id, e.id",
        crate::db::id_list(ids)
    )))
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(entry).collect::<Result<_, _>>()?)
}

/// What the payment cap and the installments' conditions read of each contract of `ids`, in
/// one read: (contract, terminated_at, settlement, accepted_at, add-ons).
pub async fn cap_facts_of(
    c: &mut Conn,
    ids: &[i64],
) -> AppResult<Vec<(i64, Option<i64>, Option<i64>, Option<i64>, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT k.id, k.terminated_at, k.settlement_fen, k.accepted_at,          CAST(COALESCE((SELECT SUM(x.amount_fen) FROM contract_changes x            WHERE x.contract_id = k.id AND x.kind = 'addon'), 0) AS BIGINT)          FROM contracts k WHERE k.id IN ({})",
        crate::db::id_list(ids)
    )))
    .fetch_all(&mut *c)
    .await?)
}

/// The submitted reviews of the contracts of `ids`, in one read, each contract's oldest first:
/// (contract, milestone, grade, submitted_at, rectified_at).
pub async fn submitted_reviews_of(
    c: &mut Conn,
    ids: &[i64],
) -> AppResult<Vec<(i64, String, String, i64, Option<i64>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.contract_id, r.milestone, r.grade, r.submitted_at, x.decided_at FROM perf_reviews r          LEFT JOIN rectifications x ON x.review_id = r.id          WHERE r.contract_id IN ({}) AND r.submitted_at IS NOT NULL          ORDER BY r.contract_id, r.submitted_at, r.id",
        crate::db::id_list(ids)
    )))
    .fetch_all(&mut *c)
    .await?)
}

/// The entry an idempotency key already recorded; a key is used once in the whole ledger.
pub async fn entry_by_key(c: &mut Conn, key: &str) -> AppResult<Option<LedgerEntry>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ENTRY} WHERE e.idempotency_key = $1"
    )))
    .bind(key)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.as_ref().map(entry).transpose()?)
}

/// The sum of the add-on purchases.
pub async fn addons(c: &mut Conn, contract: i64) -> AppResult<i64> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM contract_changes WHERE contract_id = $1 AND kind = 'addon'",
    )
    .bind(contract)
    .fetch_one(&mut *c)
    .await?;
    Ok(n.unwrap_or(0))
}

/// Termination state of a contract: (terminated_at, settlement).
pub async fn termination(c: &mut Conn, contract: i64) -> AppResult<(Option<i64>, Option<i64>)> {
    Ok(
        sqlx::query_as("SELECT terminated_at, settlement_fen FROM contracts WHERE id = $1")
            .bind(contract)
            .fetch_one(&mut *c)
            .await?,
    )
}

/// When the contract's final acceptance was recorded, if it was.
pub async fn accepted_at(c: &mut Conn, contract: i64) -> AppResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT accepted_at FROM contracts WHERE id = $1")
            .bind(contract)
            .fetch_one(&mut *c)
            .await?,
    )
}

/// The submitted reviews, oldest first: (milestone, grade, submitted_at, rectified_at).
pub async fn submitted_reviews(
    c: &mut Conn,
    contract: i64,
) -> AppResult<Vec<(String, String, i64, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT r.milestone, r.grade, r.submitted_at, x.decided_at FROM perf_reviews r \
         LEFT JOIN rectifications x ON x.review_id = r.id \
         WHERE r.contract_id = $1 AND r.submitted_at IS NOT NULL ORDER BY r.submitted_at, r.id",
    )
    .bind(contract)
    .fetch_all(&mut *c)
    .await?)
}

/// Locks the contract's row for the rest of the transaction (`for_update`: the backend's
/// clause, `Db::for_update`); whether the contract exists.
pub async fn lock_contract(c: &mut Conn, id: i64, for_update: &str) -> AppResult<bool> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM contracts WHERE id = $1 {for_update}"
    )))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?
    .is_some())
}

/// A ledger entry to insert; the value date as stored (ISO).
pub struct NewEntry<'a> {
    pub contract: i64,
    pub installment: i64,
    pub amount_fen: i64,
    pub value_date: &'a str,
    pub voucher_no: &'a str,
    pub payee_account: &'a str,
    pub invoice_no: &'a str,
    pub approved_by: i64,
    pub recorded_by: i64,
    pub recorded_at: i64,
    pub key: &'a str,
}

/// Adds an entry's amount to the running sums kept beside the entries, in the entry's own
/// transaction: its installment's (`installments.paid_fen`, the open-installments index's key)
/// and its department's for its service category (`spending_totals`, the spending chart's).
async fn add_to_installment(c: &mut Conn, e: &NewEntry<'_>) -> AppResult<()> {
    sqlx::query(
        "UPDATE installments SET paid_fen = paid_fen + $1 WHERE contract_id = $2 AND pos = $3",
    )
    .bind(e.amount_fen)
    .bind(e.contract)
    .bind(e.installment)
    .execute(&mut *c)
    .await?;
    sqlx::query(
        "INSERT INTO spending_totals (department_id, category_code, paid_fen) \
         SELECT p.department_id, p.category_code, $1 FROM contracts k \
         JOIN projects p ON p.id = k.project_id WHERE k.id = $2 \
         ON CONFLICT (department_id, category_code) \
         DO UPDATE SET paid_fen = spending_totals.paid_fen + excluded.paid_fen",
    )
    .bind(e.amount_fen)
    .bind(e.contract)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Inserts a payment; its id.
pub async fn insert_payment(c: &mut Conn, e: &NewEntry<'_>) -> AppResult<i64> {
    add_to_installment(c, e).await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO ledger_entries (contract_id, installment_pos, amount_fen, value_date, voucher_no, payee_account, \
         invoice_no, approved_by, recorded_by, recorded_at, idempotency_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(e.contract)
    .bind(e.installment)
    .bind(e.amount_fen)
    .bind(e.value_date)
    .bind(e.voucher_no)
    .bind(e.payee_account)
    .bind(e.invoice_no)
    .bind(e.approved_by)
    .bind(e.recorded_by)
    .bind(e.recorded_at)
    .bind(e.key)
    .fetch_one(&mut *c)
    .await?)
}

/// Inserts a reversal of the entry `original`, with its reason; its id.
pub async fn insert_reversal(
    c: &mut Conn,
    e: &NewEntry<'_>,
    original: i64,
    reason: &str,
) -> AppResult<i64> {
    add_to_installment(c, e).await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO ledger_entries (contract_id, installment_pos, amount_fen, value_date, voucher_no, payee_account, \
         invoice_no, approved_by, recorded_by, recorded_at, idempotency_key, reverses_id, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(e.contract)
    .bind(e.installment)
    .bind(e.amount_fen)
    .bind(e.value_date)
    .bind(e.voucher_no)
    .bind(e.payee_account)
    .bind(e.invoice_no)
    .bind(e.approved_by)
    .bind(e.recorded_by)
    .bind(e.recorded_at)
    .bind(e.key)
    .bind(original)
    .bind(reason)
    .fetch_one(&mut *c)
    .await?)
}

/// A contract change (add-on or termination) to record.
pub struct NewChange<'a> {
    pub contract: i64,
    pub amount_fen: i64,
    pub reason: &'a str,
    pub by: i64,
    pub at: i64,
}

/// Records an add-on purchase.
pub async fn insert_addon(c: &mut Conn, ch: &NewChange<'_>) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO contract_changes (contract_id, kind, amount_fen, reason, by_user_id, at) VALUES ($1, 'addon', $2, $3, $4, $5)",
    )
    .bind(ch.contract)
    .bind(ch.amount_fen)
    .bind(ch.reason)
    .bind(ch.by)
    .bind(ch.at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Records a termination and its settlement.
pub async fn insert_termination(c: &mut Conn, ch: &NewChange<'_>) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO contract_changes (contract_id, kind, amount_fen, reason, by_user_id, at) VALUES ($1, 'termination', $2, $3, $4, $5)",
    )
    .bind(ch.contract)
    .bind(ch.amount_fen)
    .bind(ch.reason)
    .bind(ch.by)
    .bind(ch.at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The position after the contract's last installment.
pub async fn next_installment_pos(c: &mut Conn, contract: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(MAX(pos), 0) + 1 FROM installments WHERE contract_id = $1",
    )
    .bind(contract)
    .fetch_one(&mut *c)
    .await?)
}

/// Records the termination on the contract unless it was terminated already (compare-and-set);
/// whether it applied.
pub async fn set_terminated(
    c: &mut Conn,
    contract: i64,
    at: i64,
    settlement_fen: i64,
) -> AppResult<bool> {
    Ok(sqlx::query("UPDATE contracts SET terminated_at = $2, settlement_fen = $3 WHERE id = $1 AND terminated_at IS NULL")
        .bind(contract)
        .bind(at)
        .bind(settlement_fen)
        .execute(&mut *c)
        .await?
        .rows_affected()
        == 1)
}

/// The contract changes (add-ons and termination), oldest first: (kind, amount, reason, at).
pub async fn changes(c: &mut Conn, contract: i64) -> AppResult<Vec<(String, i64, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT kind, amount_fen, reason, at FROM contract_changes WHERE contract_id = $1 ORDER BY id",
    )
    .bind(contract)
    .fetch_all(&mut *c)
    .await?)
}
