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
    let mut seen = HashMap::new();
    let (payable, next_payable) =
        lines(c, departments, now, term, None, at.payable, page, &mut seen).await?;
    // Overdue: payable since before the term's start; the rules give the days.
    let cutoff = now - term * DAY_MS;
    let (overdue, next_overdue) = lines(
        c,
        departments,
        now,
        term,
        Some(cutoff),
        at.overdue,
        page,
        &mut seen,
    )
    .await?;
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

#[allow(clippy::too_many_arguments)]
/// The payable lines of a page of candidate contracts after `after`, and the last candidate
/// when there are more. `seen` keeps what was decided for a contract, for the other list.
async fn lines(
    c: &mut Conn,
    departments: Option<&[i64]>,
    now: i64,
    term: i64,
    met_before: Option<i64>,
    after: i64,
    page: i64,
    seen: &mut Decided,
) -> AppResult<(Vec<Line>, Option<i64>)> {
    let mut ids = kstore::payable_candidates(c, departments, met_before, after, page + 1).await?;
    let next = more(&mut ids, page).then(|| ids.last().copied()).flatten();
    let mut out = Vec::new();
    let new: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !seen.contains_key(id))
        .collect();
    for (k, due) in ledger::payable_now_many(c, &new, now, term).await? {
        seen.insert(k.id, (k, due));
    }
    for id in ids {
        if let Some((k, due)) = seen.get(&id) {
            for (i, left) in due {
                out.push(Line {
                    k: k.clone(),
                    i: i.clone(),
                    left_fen: *left,
                });
            }
        }
    }
    Ok((out, next))
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
