//! The finance officer's and the purchaser's delivery overviews at any scale (issue 26, item 2):
//! a page of open contracts by keyset with its sums read in the page's one query, and the
//! installments payable now and overdue, decided by the ledger rules for the contracts the store
//! narrows them to through the index of unpaid installments. Every list is a page of at most
//! `PAGE`, with the key its next page starts after; the number of queries does not grow with
//! the data.

use crate::db::Conn;
use crate::delivery::contract::Contract;
use crate::delivery::ledger::{self, InstallmentState};
use crate::delivery::store::contracts::{self as kstore, OpenRow, PageKey};
use crate::platform::error::AppResult;
use std::collections::HashMap;

/// Rows per list.
pub const PAGE: i64 = 20;

const DAY_MS: i64 = 86_400_000;

/// An installment payable now: its contract, its state, what is left of it.
pub struct Line {
    pub k: Contract,
    pub i: InstallmentState,
    pub left_fen: i64,
}

/// A page of each list, with where the next page starts (`None`: this is the last).
pub struct Overview {
    pub rows: Vec<OpenRow>,
    pub next_rows: Option<PageKey>,
    pub payable: Vec<Line>,
    pub next_payable: Option<i64>,
    pub overdue: Vec<Line>,
    pub next_overdue: Option<i64>,
}

/// Where each list of the page starts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cursors {
    pub rows: Option<PageKey>,
    pub payable: i64,
    pub overdue: i64,
}

/// The overview of `departments` (every department when `None`) at `now`, `page` rows a list.
pub async fn overview(
    c: &mut Conn,
    departments: Option<&[i64]>,
    now: i64,
    at: Cursors,
    page: i64,
) -> AppResult<Overview> {
    let term = crate::db::settings::snapshot(c, now)
        .await?
        .int("payment.term_days")
        .unwrap_or(30);
    let mut rows = kstore::open_page(c, departments, at.rows, page + 1).await?;
    let next_rows = more(&mut rows, page).then(|| rows.last().map(|r| (r.k.published_at, r.k.id)));
    // Both lists' candidates first, then every candidate decided in one batch of reads.
    let (payable_ids, next_payable) = candidates(c, departments, None, at.payable, page).await?;
    // Overdue: payable since before the term's start; the rules give the days.
    let cutoff = now - term * DAY_MS;
    let (overdue_ids, next_overdue) =
        candidates(c, departments, Some(cutoff), at.overdue, page).await?;
    let mut all: Vec<i64> = payable_ids.iter().chain(&overdue_ids).copied().collect();
    all.sort_unstable();
    all.dedup();
    let decided: Decided = ledger::payable_now_many(c, &all, now, term)
        .await?
        .into_iter()
        .map(|(k, due)| (k.id, (k, due)))
        .collect();
    let payable = lines(&decided, &payable_ids);
    let overdue = lines(&decided, &overdue_ids);
    let overdue = overdue
        .into_iter()
        .filter(|l| l.i.overdue_days.is_some())
        .collect();
    Ok(Overview {
        rows,
        next_rows: next_rows.flatten(),
        payable,
        next_payable,
        overdue,
        next_overdue,
    })
}

/// Drops the extra row fetched to learn whether there is a next page; whether there was.
fn more<T>(v: &mut Vec<T>, page: i64) -> bool {
    let page = usize::try_from(page).unwrap_or(0);
    let over = v.len() > page;
    v.truncate(page);
    over
}

type Decided = HashMap<i64, (Contract, Vec<(InstallmentState, i64)>)>;

/// A page of candidate contracts after `after` (payable, or with `met_before` possibly
/// overdue), and the last of them when there are more.
async fn candidates(
    c: &mut Conn,
    departments: Option<&[i64]>,
    met_before: Option<i64>,
    after: i64,
    page: i64,
) -> AppResult<(Vec<i64>, Option<i64>)> {
    let mut ids = kstore::payable_candidates(c, departments, met_before, after, page + 1).await?;
    let next = more(&mut ids, page).then(|| ids.last().copied()).flatten();
    Ok((ids, next))
}

/// The payable lines of `ids`, in their order, from what was decided.
fn lines(decided: &Decided, ids: &[i64]) -> Vec<Line> {
    let mut out = Vec::new();
    for id in ids {
        if let Some((k, due)) = decided.get(id) {
            for (i, left) in due {
                out.push(Line {
                    k: k.clone(),
                    i: i.clone(),
                    left_fen: *left,
                });
            }
        }
    }
    out
}

/// Every installment payable now of every department, for the finance officer's work list:
/// at most `limit` contracts' worth, oldest contracts first.
pub async fn payable_work(c: &mut Conn, now: i64, limit: i64) -> AppResult<Vec<Line>> {
    let term = crate::db::settings::snapshot(c, now)
        .await?
        .int("payment.term_days")
        .unwrap_or(30);
    let mut out = Vec::new();
    let ids = kstore::payable_candidates(c, None, None, 0, limit).await?;
    for (k, due) in ledger::payable_now_many(c, &ids, now, term).await? {
        for (i, left) in due {
            out.push(Line {
                k: k.clone(),
                i,
                left_fen: left,
            });
        }
    }
    Ok(out)
}
