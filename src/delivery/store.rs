//! What the contract's lifecycle reads and the suspension orders it writes: all SQL of holds,
//! orders and milestones. Its modules hold the rest of the area's SQL: `contracts` (contracts,
//! installment plans, filings), `deliverables`, `ledger` (payments, add-ons, termination) and
//! `reviews` (performance reviews and surveys).

pub mod contracts;
pub mod deliverables;
pub mod ledger;
pub mod reviews;

use super::rules::{ChallengeFacts, Milestone, OrderFacts};
use crate::db::Conn;
use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::platform::error::AppResult;
use serde::Serialize;
use time::Date;

/// The challenges (not inquiries) of a project's round.
pub async fn challenges(c: &mut Conn, project: i64, round: i64) -> AppResult<Vec<ChallengeFacts>> {
    let rows: Vec<(i64, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, filed_at, suspends, answered_at FROM challenges \
         WHERE project_id = $1 AND round = $2 AND kind = 'challenge' ORDER BY id",
    )
    .bind(project)
    .bind(round)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, filed_at, suspends, answered)| ChallengeFacts {
            id,
            filed_at,
            suspends: suspends == 1,
            answered: answered.is_some(),
        })
        .collect())
}

/// A suspension order as shown to people.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub id: i64,
    pub complaint_id: i64,
    pub project_id: i64,
    pub reason: String,
    pub ordered_on: String,
    pub until_on: String,
    pub ordered_at: i64,
    pub lifted_at: Option<i64>,
    pub lift_reason: Option<String>,
    pub complaint_decided: bool,
}

impl Order {
    pub fn facts(&self) -> OrderFacts {
        OrderFacts {
            id: self.id,
            complaint: self.complaint_id,
            // A stored last day always parses; an unreadable one holds nothing past its order.
            until: parse_iso_date(&self.until_on).unwrap_or(Date::MIN),
            reason: self.reason.clone(),
            lifted: self.lifted_at.is_some(),
            complaint_decided: self.complaint_decided,
        }
    }
}

type OrderRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

const ORDER: &str = "SELECT s.id, s.complaint_id, s.project_id, s.reason, s.ordered_on, s.until_on, s.ordered_at, \
    s.lifted_at, s.lift_reason, k.decided_at FROM suspension_orders s JOIN complaints k ON k.id = s.complaint_id";

fn order(r: OrderRow) -> Order {
    Order {
        id: r.0,
        complaint_id: r.1,
        project_id: r.2,
        reason: r.3,
        ordered_on: r.4,
        until_on: r.5,
        ordered_at: r.6,
        lifted_at: r.7,
        lift_reason: r.8,
        complaint_decided: r.9.is_some(),
    }
}

pub async fn orders_of_project(c: &mut Conn, project: i64) -> AppResult<Vec<Order>> {
    let rows: Vec<OrderRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ORDER} WHERE s.project_id = $1 ORDER BY s.id"
    )))
    .bind(project)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.into_iter().map(order).collect())
}

pub async fn order_by_id(c: &mut Conn, id: i64) -> AppResult<Option<Order>> {
    let row: Option<OrderRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{ORDER} WHERE s.id = $1")))
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
    Ok(row.map(order))
}

pub async fn order_of_complaint(c: &mut Conn, complaint: i64) -> AppResult<Option<Order>> {
    let row: Option<OrderRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ORDER} WHERE s.complaint_id = $1"
    )))
    .bind(complaint)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.map(order))
}

/// Every order not lifted of an undecided complaint (in force or lapsed by date): what the
/// supervisor's queue looks at.
pub async fn open_orders(c: &mut Conn) -> AppResult<Vec<Order>> {
    let rows: Vec<OrderRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ORDER} WHERE s.lifted_at IS NULL AND k.decided_at IS NULL ORDER BY s.until_on, s.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.into_iter().map(order).collect())
}

/// When the complaint was decided, if it was.
pub async fn complaint_decided_at(c: &mut Conn, complaint: i64) -> AppResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT decided_at FROM complaints WHERE id = $1")
            .bind(complaint)
            .fetch_one(&mut *c)
            .await?,
    )
}

/// The user who filed the complaint.
pub async fn complainant(c: &mut Conn, complaint: i64) -> AppResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM complaints WHERE id = $1")
            .bind(complaint)
            .fetch_one(&mut *c)
            .await?,
    )
}

/// The project an order suspends; `None` when there is no such order.
pub async fn project_of_order(c: &mut Conn, order: i64) -> AppResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT project_id FROM suspension_orders WHERE id = $1")
            .bind(order)
            .fetch_optional(&mut *c)
            .await?,
    )
}

pub struct NewOrder<'a> {
    pub complaint: i64,
    pub project: i64,
    pub reason: &'a str,
    pub ordered_on: Date,
    pub until: Date,
    pub by: i64,
    pub at: i64,
}

/// Inserts the order; `None` when the complaint already has one (the unique key decides, so
/// two supervisors at once make one order).
pub async fn insert_order(c: &mut Conn, o: &NewOrder<'_>) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO suspension_orders (complaint_id, project_id, reason, ordered_on, until_on, ordered_by, ordered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (complaint_id) DO NOTHING RETURNING id",
    )
    .bind(o.complaint)
    .bind(o.project)
    .bind(o.reason.trim())
    .bind(iso_date(o.ordered_on))
    .bind(iso_date(o.until))
    .bind(o.by)
    .bind(o.at)
    .fetch_optional(&mut *c)
    .await?)
}

/// Lifts an order that is not lifted yet (compare-and-set); whether this call lifted it.
pub async fn lift_order(c: &mut Conn, id: i64, by: i64, at: i64, reason: &str) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE suspension_orders SET lifted_at = $2, lifted_by = $3, lift_reason = $4 WHERE id = $1 AND lifted_at IS NULL",
    )
    .bind(id)
    .bind(at)
    .bind(by)
    .bind(reason.trim())
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1)
}

/// Complaints of the round upheld with no winner changed since: the purchaser must act first.
pub async fn upheld_unresolved(c: &mut Conn, project: i64, round: i64) -> AppResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT k.id FROM complaints k JOIN challenges ch ON ch.id = k.challenge_id \
         WHERE k.project_id = $1 AND ch.round = $2 AND ch.suspends = 1 AND k.outcome = 'upheld' \
         AND NOT EXISTS (SELECT 1 FROM project_events e WHERE e.project_id = k.project_id \
                         AND e.kind = 'winner_changed' AND e.at >= k.decided_at) ORDER BY k.id",
    )
    .bind(project)
    .bind(round)
    .fetch_all(&mut *c)
    .await?)
}

/// The contract's milestones: each review milestone of its plan and each milestone a
/// deliverable (not a progress report) was filed for; accepted when its latest deliverable was
/// accepted.
pub async fn milestones(c: &mut Conn, contract: i64) -> AppResult<Vec<Milestone>> {
    let planned: Vec<String> = sqlx::query_scalar(
        "SELECT review_name FROM installments WHERE contract_id = $1 AND condition = 'review' \
         AND review_name IS NOT NULL ORDER BY pos",
    )
    .bind(contract)
    .fetch_all(&mut *c)
    .await?;
    let filed: Vec<(String, String)> = sqlx::query_as(
        "SELECT milestone, status FROM deliverables WHERE contract_id = $1 AND kind = 'deliverable' ORDER BY id",
    )
    .bind(contract)
    .fetch_all(&mut *c)
    .await?;
    let mut out: Vec<Milestone> = Vec::new();
    for name in planned.into_iter().chain(filed.iter().map(|f| f.0.clone())) {
        if out.iter().any(|m| m.name == name) {
            continue;
        }
        let accepted = filed.iter().rev().find(|f| f.0 == name).is_some_and(|f| {
            super::rules::DeliverableStatus::parse(&f.1)
                == Some(super::rules::DeliverableStatus::Accepted)
        });
        out.push(Milestone { name, accepted });
    }
    Ok(out)
}

/// Records the final acceptance (compare-and-set: not accepted, not terminated); whether this
/// call recorded it.
pub async fn set_accepted(
    c: &mut Conn,
    contract: i64,
    by: i64,
    at: i64,
    early_reason: Option<&str>,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE contracts SET accepted_at = $2, accepted_by = $3, early_reason = $4 \
         WHERE id = $1 AND accepted_at IS NULL AND terminated_at IS NULL",
    )
    .bind(contract)
    .bind(at)
    .bind(by)
    .bind(early_reason)
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1)
}

/// (accepted, terminated, early reason) as stored.
pub async fn ends(
    c: &mut Conn,
    contract: i64,
) -> AppResult<(Option<i64>, Option<i64>, Option<String>)> {
    Ok(sqlx::query_as(
        "SELECT accepted_at, terminated_at, early_reason FROM contracts WHERE id = $1",
    )
    .bind(contract)
    .fetch_one(&mut *c)
    .await?)
}
