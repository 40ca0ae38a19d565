//! Review before scoring (DOMAIN §5): after the opening, each opened bid's price is checked
//! against the budget and the maximum price (above either: invalid, 87号令 63), and the
//! purchaser records the qualification check (资格审查) for each, every rejection with its
//! reason. If fewer valid bids than the method's minimum remain, the round fails publicly and
//! can be re-published. The panel's compliance check (符合性审查) is recorded in the same table
//! by the scoring step.

use crate::audit::Actor;
use crate::db::bids::{self, OpenedBid, Opening};
use crate::db::projects::{self as store, Project};
use crate::db::Conn;
use crate::error::{AppError, AppResult};
use crate::ids::UserId;
use crate::procurement::Procurement;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub bid: OpenedBid,
    /// Within the budget and the maximum price.
    pub price_ok: bool,
    /// The recorded qualification: passed, and the reason of a rejection.
    pub qualified: Option<bool>,
    pub reason: Option<String>,
    /// The panel's compliance check, once recorded.
    pub compliant: Option<bool>,
    pub compliance_reason: Option<String>,
    /// On the abnormal-operation list now (shown to the panel), on the serious list (excluded).
    pub abnormal: bool,
    pub serious: bool,
}

/// Whether a price is within the budget and the maximum price.
pub fn price_ok(p: &Project, price_fen: i64) -> bool {
    price_fen <= p.budget_fen && p.max_price_fen.is_none_or(|m| price_fen <= m)
}

/// The opening of the current round's responses, if it opened bids.
pub async fn opening_of(c: &mut Conn, p: &Project) -> AppResult<Option<Opening>> {
    Ok(bids::openings(c, p.id)
        .await?
        .into_iter()
        .find(|o| o.round == p.round && o.envelope == "initial" && o.outcome == "opened"))
}

/// The opened bids of the round with their price check and recorded qualification.
pub async fn rows(c: &mut Conn, p: &Project) -> AppResult<Vec<Row>> {
    let Some(o) = opening_of(c, p).await? else {
        return Ok(Vec::new());
    };
    let recorded: Vec<(i64, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT bid_id, stage, passed, reason FROM bid_reviews WHERE opening_id = $1 AND stage IN ('qualification', 'compliance')",
    )
    .bind(o.id)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::new();
    for b in bids::opened(c, o.id).await? {
        let find = |stage: &str| recorded.iter().find(|r| r.0 == b.bid_id && r.1 == stage);
        let (q, k) = (find("qualification"), find("compliance"));
        let listed = |list: &'static str| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM credit_listings WHERE org_id = $1 AND list = $2 AND removed_on IS NULL",
            )
            .bind(b.org_id)
            .bind(list)
        };
        let abnormal = listed("abnormal").fetch_one(&mut *c).await? > 0;
        let serious = listed("serious").fetch_one(&mut *c).await? > 0;
        out.push(Row {
            price_ok: price_ok(p, b.price_fen),
            qualified: q.map(|r| r.2 != 0),
            reason: q.and_then(|r| r.3.clone()),
            compliant: k.map(|r| r.2 != 0),
            compliance_reason: k.and_then(|r| r.3.clone()),
            abnormal,
            serious,
            bid: b,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub valid: i64,
    pub failed: bool,
}

impl Procurement<'_> {
    /// Records the qualification of every opened bid (`decisions`: bid → passed, reason) and the
    /// price checks, once per round; fails the round when too few valid bids remain.
    /// `Ok(Err(key))` is a refusal shown on the form.
    pub async fn qualify(
        &self,
        c: &mut Conn,
        p: &Project,
        decisions: &HashMap<i64, (bool, String)>,
        user: i64,
    ) -> AppResult<Result<Outcome, &'static str>> {
        if p.status != "opened" {
            return Ok(Err("err-review-not-opened"));
        }
        let Some(o) = opening_of(c, p).await? else {
            return Ok(Err("err-review-not-opened"));
        };
        let list = rows(c, p).await?;
        if list.iter().any(|r| r.qualified.is_some()) {
            return Err(AppError::Conflict("err-review-done"));
        }
        for r in &list {
            match decisions.get(&r.bid.bid_id) {
                None => return Ok(Err("err-review-every-bid")),
                Some((false, reason)) if reason.chars().count() < 2 => {
                    return Ok(Err("err-review-reason"))
                }
                _ => {}
            }
        }
        let now = self.clock.now_ms();
        let mut valid = 0;
        let mut rejected = Vec::new();
        for r in &list {
            let (passed, reason) = decisions
                .get(&r.bid.bid_id)
                .cloned()
                .unwrap_or((false, String::new()));
            let reason = (!passed).then_some(reason);
            sqlx::query(
                "INSERT INTO bid_reviews (opening_id, bid_id, stage, passed, reason, by_user_id, at) \
                 VALUES ($1, $2, 'qualification', $3, $4, $5, $6)",
            )
            .bind(o.id)
            .bind(r.bid.bid_id)
            .bind(i64::from(passed))
            .bind(reason.clone())
            .bind(user)
            .bind(now)
            .execute(&mut *c)
            .await?;
            if !r.price_ok {
                sqlx::query(
                    "INSERT INTO bid_reviews (opening_id, bid_id, stage, passed, reason, by_user_id, at) \
                     VALUES ($1, $2, 'price', 0, 'over_budget', NULL, $3)",
                )
                .bind(o.id)
                .bind(r.bid.bid_id)
                .bind(now)
                .execute(&mut *c)
                .await?;
            }
            if passed && r.price_ok {
                valid += 1;
            } else {
                rejected.push(
                    json!({ "org": r.bid.org_name, "qualified": passed, "price_ok": r.price_ok,
                                      "reason": reason }),
                );
            }
        }
        let failed = valid < p.min_bids;
        store::add_event(
            c,
            p.id,
            p.round,
            if failed { "review_failed" } else { "qualified" },
            &json!({ "valid": valid, "min_bids": p.min_bids, "rejected": rejected }),
            Some(user),
            now,
        )
        .await?;
        if failed {
            store::set_status(c, p.id, "failed", now).await?;
        }
        self.audit(
            c,
            Actor::User(UserId(user)),
            "project.qualified",
            ("project", p.id),
            json!({ "round": p.round, "valid": valid, "failed": failed }),
        )
        .await?;
        Ok(Ok(Outcome { valid, failed }))
    }
}

impl Procurement<'_> {
    /// The panel's compliance check of every bid that passed the qualification and price
    /// checks (a bid on the serious list now cannot pass), each failure with its reason; once
    /// per round. Too few compliant bids fail the round publicly.
    pub async fn comply(
        &self,
        c: &mut Conn,
        p: &Project,
        decisions: &HashMap<i64, (bool, String)>,
        user: i64,
    ) -> AppResult<Result<Outcome, &'static str>> {
        if p.status != "opened" {
            return Ok(Err("err-review-not-opened"));
        }
        let Some(o) = opening_of(c, p).await? else {
            return Ok(Err("err-review-not-opened"));
        };
        let list: Vec<Row> = rows(c, p)
            .await?
            .into_iter()
            .filter(|r| r.price_ok && r.qualified == Some(true))
            .collect();
        if list.is_empty() {
            return Ok(Err("err-panel-review-first"));
        }
        if list.iter().any(|r| r.compliant.is_some()) {
            return Err(AppError::Conflict("err-review-done"));
        }
        for r in &list {
            match decisions.get(&r.bid.bid_id) {
                None => return Ok(Err("err-review-every-bid")),
                Some((true, _)) if r.serious => return Ok(Err("err-review-serious")),
                Some((false, reason)) if reason.chars().count() < 2 => {
                    return Ok(Err("err-review-reason"))
                }
                _ => {}
            }
        }
        let now = self.clock.now_ms();
        let (mut valid, mut rejected) = (0, Vec::new());
        for r in &list {
            let (passed, reason) = decisions.get(&r.bid.bid_id).cloned().unwrap_or_default();
            let reason = (!passed).then_some(reason);
            sqlx::query(
                "INSERT INTO bid_reviews (opening_id, bid_id, stage, passed, reason, by_user_id, at) \
                 VALUES ($1, $2, 'compliance', $3, $4, $5, $6)",
            )
            .bind(o.id)
            .bind(r.bid.bid_id)
            .bind(i64::from(passed))
            .bind(reason.clone())
            .bind(user)
            .bind(now)
            .execute(&mut *c)
            .await?;
            if passed {
                valid += 1;
            } else {
                // Shown on the public page as a failed check with its reason.
                rejected.push(json!({ "org": r.bid.org_name, "qualified": false, "price_ok": true, "reason": reason }));
            }
        }
        let failed = valid < p.min_bids;
        store::add_event(
            c,
            p.id,
            p.round,
            if failed {
                "compliance_failed"
            } else {
                "compliance"
            },
            &json!({ "valid": valid, "min_bids": p.min_bids, "rejected": rejected }),
            Some(user),
            now,
        )
        .await?;
        if failed {
            store::set_status(c, p.id, "failed", now).await?;
        }
        self.audit(
            c,
            Actor::User(UserId(user)),
            "project.compliance",
            ("project", p.id),
            json!({ "round": p.round, "valid": valid, "failed": failed }),
        )
        .await?;
        Ok(Ok(Outcome { valid, failed }))
    }
}
