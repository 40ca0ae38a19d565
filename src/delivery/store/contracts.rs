//! All SQL of contracts, their installment plans and filings: the contract service keeps its
//! transactions, audit and mail.

use crate::db::Conn;
use crate::domain::milestone::Milestone;
use crate::platform::error::AppResult;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Contract {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    pub title: String,
    pub department_zh: String,
    pub round: i64,
    pub award_id: i64,
    pub winner_id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// contract | agreement
    pub kind: String,
    pub amount_fen: i64,
    pub starts_on: String,
    pub ends_on: String,
    pub term_reason: Option<String>,
    pub signed_at: i64,
    pub published_at: i64,
    pub filing_due_at: i64,
    pub filed_at: Option<i64>,
    pub filing_ref: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Installment {
    pub pos: i64,
    pub amount_fen: i64,
    /// signing | review | acceptance
    pub condition: String,
    pub review_name: Option<String>,
}

const CONTRACT: &str = "SELECT k.id, k.project_id, p.number, p.title, d.name_zh AS department_zh, a.round, \
    k.award_id, k.winner_id, k.org_id, o.name AS org_name, k.kind, k.amount_fen, k.starts_on, k.ends_on, k.term_reason, \
    k.signed_at, k.published_at, k.filing_due_at, k.filed_at, k.filing_ref FROM contracts k \
    JOIN projects p ON p.id = k.project_id JOIN departments d ON d.id = p.department_id \
    JOIN awards a ON a.id = k.award_id JOIN organizations o ON o.id = k.org_id";

fn contract(r: &AnyRow) -> Result<Contract, sqlx::Error> {
    Ok(Contract {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        number: r.try_get("number")?,
        title: r.try_get("title")?,
        department_zh: r.try_get("department_zh")?,
        round: r.try_get("round")?,
        award_id: r.try_get("award_id")?,
        winner_id: r.try_get("winner_id")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        kind: r.try_get("kind")?,
        amount_fen: r.try_get("amount_fen")?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        term_reason: r.try_get("term_reason")?,
        signed_at: r.try_get("signed_at")?,
        published_at: r.try_get("published_at")?,
        filing_due_at: r.try_get("filing_due_at")?,
        filed_at: r.try_get("filed_at")?,
        filing_ref: r.try_get("filing_ref")?,
    })
}

pub async fn of_project(c: &mut Conn, project: i64) -> AppResult<Vec<Contract>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CONTRACT} WHERE k.project_id = $1 ORDER BY k.id"
    )))
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(contract).collect::<Result<_, _>>()?)
}

pub async fn by_id(c: &mut Conn, id: i64) -> AppResult<Option<Contract>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{CONTRACT} WHERE k.id = $1")))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    Ok(row.as_ref().map(contract).transpose()?)
}

/// The contracts of `ids` (a page of an overview), in one read; in no particular order.
pub async fn by_ids(c: &mut Conn, ids: &[i64]) -> AppResult<Vec<Contract>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CONTRACT} WHERE k.id IN ({})",
        crate::db::id_list(ids)
    )))
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(contract).collect::<Result<_, _>>()?)
}

/// The installment plans of the contracts of `ids`, in one read: (contract, installment), each
/// plan in order.
pub async fn installments_of(c: &mut Conn, ids: &[i64]) -> AppResult<Vec<(i64, Installment)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, i64, i64, String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT contract_id, pos, amount_fen, condition, review_name FROM installments          WHERE contract_id IN ({}) ORDER BY contract_id, pos",
        crate::db::id_list(ids)
    )))
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(k, pos, amount_fen, condition, review_name)| {
            (
                k,
                Installment {
                    pos,
                    amount_fen,
                    condition,
                    review_name,
                },
            )
        })
        .collect())
}

/// `col IN (…)` for `departments` (a contract's `k.department_id`, migration 0056, or a
/// running sum's), `1 = 1` for every department; its values appended to `binds`.
fn department_filter(col: &str, departments: Option<&[i64]>, binds: &mut Vec<i64>) -> String {
    match departments {
        None => "1 = 1".into(),
        Some(ds) => {
            let marks: Vec<String> = ds
                .iter()
                .map(|d| {
                    binds.push(*d);
                    format!("${}", binds.len())
                })
                .collect();
            if marks.is_empty() {
                "1 = 0".into()
            } else {
                format!("{col} IN ({})", marks.join(", "))
            }
        }
    }
}

/// Payments net of reversals by service category, of `departments` (all when `None`): the
/// running sums the ledger keeps (`spending_totals`, migration 0055), a row per department and
/// category.
pub async fn paid_by_category(
    c: &mut Conn,
    departments: Option<&[i64]>,
) -> AppResult<Vec<(String, i64)>> {
    let mut binds = Vec::new();
    let dep = department_filter("p.department_id", departments, &mut binds);
    let sql = format!(
        "SELECT p.category_code, CAST(SUM(p.paid_fen) AS BIGINT) FROM spending_totals p \
         WHERE {dep} GROUP BY p.category_code ORDER BY p.category_code"
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(&mut *c).await?)
}

/// The organization's contracts, newest first.
pub async fn of_org(c: &mut Conn, org: i64) -> AppResult<Vec<Contract>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CONTRACT} WHERE k.org_id = $1 ORDER BY k.published_at DESC, k.id DESC"
    )))
    .bind(org)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(contract).collect::<Result<_, _>>()?)
}

pub async fn contract_of_winner(c: &mut Conn, winner: i64) -> AppResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM contracts WHERE winner_id = $1")
            .bind(winner)
            .fetch_optional(&mut *c)
            .await?,
    )
}

pub async fn installments(c: &mut Conn, contract: i64) -> AppResult<Vec<Installment>> {
    let rows: Vec<(i64, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT pos, amount_fen, condition, review_name FROM installments WHERE contract_id = $1 ORDER BY pos",
    )
    .bind(contract)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(pos, amount_fen, condition, review_name)| Installment {
            pos,
            amount_fen,
            condition,
            review_name,
        })
        .collect())
}

/// A contract to insert: signed and published at `at`.
pub struct NewContract<'a> {
    pub project: i64,
    pub award: i64,
    pub winner: i64,
    pub org: i64,
    pub kind: &'a str,
    pub amount_fen: i64,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub term_reason: Option<&'a str>,
    pub at: i64,
    pub by: i64,
    pub filing_due_at: i64,
}

/// Inserts a signed contract; its id.
pub async fn insert_contract(c: &mut Conn, k: &NewContract<'_>) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO contracts (project_id, award_id, winner_id, org_id, kind, amount_fen, starts_on, ends_on, \
         term_reason, signed_at, signed_by, published_at, filing_due_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $12) RETURNING id",
    )
    .bind(k.project)
    .bind(k.award)
    .bind(k.winner)
    .bind(k.org)
    .bind(k.kind)
    .bind(k.amount_fen)
    .bind(k.starts_on)
    .bind(k.ends_on)
    .bind(k.term_reason)
    .bind(k.at)
    .bind(k.by)
    .bind(k.filing_due_at)
    .fetch_one(&mut *c)
    .await?)
}

/// Adds an installment to the contract's plan.
pub async fn insert_installment(
    c: &mut Conn,
    contract: i64,
    pos: i64,
    amount_fen: i64,
    condition: &str,
    review_name: Option<&Milestone>,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO installments (contract_id, pos, amount_fen, condition, review_name) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(contract)
    .bind(pos)
    .bind(amount_fen)
    .bind(condition)
    .bind(review_name.map(Milestone::as_str))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// How many current winners of the award have no contract yet.
pub async fn winners_without_contract(c: &mut Conn, award: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM award_winners w WHERE w.award_id = $1 AND w.status = 'winner' \
         AND NOT EXISTS (SELECT 1 FROM contracts k WHERE k.winner_id = w.id)",
    )
    .bind(award)
    .fetch_one(&mut *c)
    .await?)
}

/// Records the filing with the finance department unless it was filed already
/// (compare-and-set); the rows changed.
pub async fn set_filed(
    c: &mut Conn,
    contract: i64,
    at: i64,
    by: i64,
    reference: &str,
) -> AppResult<u64> {
    Ok(sqlx::query("UPDATE contracts SET filed_at = $2, filed_by = $3, filing_ref = $4 WHERE id = $1 AND filed_at IS NULL")
        .bind(contract)
        .bind(at)
        .bind(by)
        .bind(reference)
        .execute(&mut *c)
        .await?
        .rows_affected())
}

/// One open contract of an overview page with its money and reviews, read in the page's query.
#[derive(Debug, Clone)]
pub struct OpenRow {
    pub k: Contract,
    pub amount_fen: i64,
    pub addons_fen: i64,
    pub settlement_fen: Option<i64>,
    pub paid_fen: i64,
    pub terminated_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub reviews_due: i64,
}

/// Where a page of open contracts starts: after the contract published at `.0` with id `.1`
/// (newest first).
pub type PageKey = (i64, i64);

/// The query of `open_page` with its values (its plan is tested: `tests/it/plans.rs`).
pub fn open_page_sql(
    departments: Option<&[i64]>,
    after: Option<PageKey>,
    limit: i64,
) -> (String, Vec<i64>) {
    let mut binds = Vec::new();
    let dep = department_filter("k.department_id", departments, &mut binds);
    let keyset = match after {
        None => "1 = 1".to_string(),
        Some((at, id)) => {
            binds.push(at);
            binds.push(id);
            let (a, b) = (binds.len() - 1, binds.len());
            format!("(k.published_at < ${a} OR (k.published_at = ${a} AND k.id < ${b}))")
        }
    };
    binds.push(limit);
    let lim = binds.len();
    let sql = format!(
        "{CONTRACT_PAGE} WHERE {dep} AND {keyset} AND {OPEN} \
         ORDER BY k.published_at DESC, k.id DESC LIMIT ${lim}"
    );
    (sql, binds)
}

/// The contracts that still need delivery or money — neither accepted nor terminated, or with
/// part of their cap (amount and add-ons, or the settlement) unpaid — of `departments`, newest first, `limit` of them
/// after `after`: one query whatever the page, its sums taken for the page's rows only (the
/// keyset walks `contracts_published`).
pub async fn open_page(
    c: &mut Conn,
    departments: Option<&[i64]>,
    after: Option<PageKey>,
    limit: i64,
) -> AppResult<Vec<OpenRow>> {
    let (sql, binds) = open_page_sql(departments, after, limit);
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(OpenRow {
            k: contract(r)?,
            amount_fen: r.try_get("amount_fen")?,
            addons_fen: r.try_get("addons_fen")?,
            settlement_fen: r.try_get("settlement_fen")?,
            paid_fen: r.try_get("paid_fen")?,
            terminated_at: r.try_get("terminated_at")?,
            accepted_at: r.try_get("accepted_at")?,
            reviews_due: r.try_get("reviews_due")?,
        });
    }
    Ok(out)
}

/// A contract row with the sums an overview shows.
const CONTRACT_PAGE: &str = "SELECT k.id, k.project_id, p.number, p.title, d.name_zh AS department_zh, a.round, \
    k.award_id, k.winner_id, k.org_id, o.name AS org_name, k.kind, k.amount_fen, k.starts_on, k.ends_on, k.term_reason, \
    k.signed_at, k.published_at, k.filing_due_at, k.filed_at, k.filing_ref, k.settlement_fen, k.terminated_at, k.accepted_at, \
    (SELECT CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT) FROM ledger_entries e WHERE e.contract_id = k.id) AS paid_fen, \
    (SELECT CAST(COALESCE(SUM(x.amount_fen), 0) AS BIGINT) FROM contract_changes x WHERE x.contract_id = k.id AND x.kind = 'addon') AS addons_fen, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM perf_reviews r WHERE r.contract_id = k.id AND r.submitted_at IS NULL) AS reviews_due \
    FROM contracts k \
    JOIN projects p ON p.id = k.project_id JOIN departments d ON d.id = p.department_id \
    JOIN awards a ON a.id = k.award_id JOIN organizations o ON o.id = k.org_id";

/// `still_open`'s condition on `k`.
const OPEN: &str = "((k.terminated_at IS NULL AND k.accepted_at IS NULL) OR \
    (SELECT COALESCE(SUM(e.amount_fen), 0) FROM ledger_entries e WHERE e.contract_id = k.id) < \
    CASE WHEN k.terminated_at IS NOT NULL THEN COALESCE(k.settlement_fen, 0) \
    ELSE k.amount_fen + (SELECT COALESCE(SUM(x.amount_fen), 0) FROM contract_changes x \
    WHERE x.contract_id = k.id AND x.kind = 'addon') END)";

/// The query of `payable_candidates` with its values (its plan is tested:
/// `tests/it/plans.rs`).
pub fn payable_candidates_sql(
    departments: Option<&[i64]>,
    met_before: Option<i64>,
    after: i64,
    limit: i64,
) -> (String, Vec<i64>) {
    let mut binds = Vec::new();
    let dep = department_filter("i.department_id", departments, &mut binds);
    let met = match met_before {
        None => String::new(),
        Some(t) => {
            binds.push(t);
            format!(" AND i.payable_since < ${}", binds.len())
        }
    };
    binds.push(after);
    let a = binds.len();
    binds.push(limit);
    let lim = binds.len();
    // The partial indexes' condition (`installments_payable`, `installments_payable_all`:
    // migration 0057) as written there, so that SQLite reads them.
    let sql = format!(
        "SELECT DISTINCT i.contract_id FROM installments i \
         WHERE i.paid_fen < i.amount_fen AND i.payable_since IS NOT NULL AND {dep}{met} \
         AND i.contract_id > ${a} ORDER BY i.contract_id LIMIT ${lim}"
    );
    (sql, binds)
}

/// The contracts (ids, ascending, after `after`, at most `limit`) of `departments` with an
/// installment not yet paid in full whose condition may be met — signed; the contract
/// accepted; its milestone's review submitted — and, with `met_before`, may have been met
/// before that instant (the superset the overdue list is decided from). The ledger rules
/// decide each installment; this narrows to the contracts worth asking about, through the
/// index of the unpaid installments whose condition was met (`installments_payable`, with the
/// department and the instant kept beside each installment: migration 0057): the cost follows
/// the page, not the department's contracts or the paid history.
pub async fn payable_candidates(
    c: &mut Conn,
    departments: Option<&[i64]>,
    met_before: Option<i64>,
    after: i64,
    limit: i64,
) -> AppResult<Vec<i64>> {
    let (sql, binds) = payable_candidates_sql(departments, met_before, after, limit);
    let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(&mut *c).await?)
}
