//! Review before scoring (DOMAIN §5): after the opening, each opened bid's price is checked
//! against the budget and the maximum price (above either: invalid, 87号令 63), and the
//! purchaser records the qualification check (资格审查) for each, every rejection with its
//! reason. If fewer valid bids than the method's minimum remain, the round fails publicly and
//! can be re-published. The panel's compliance check (符合性审查) is recorded in the same table
//! by the scoring step.

use crate::db::bids::{self, OpenedBid, Opening};
use crate::db::projects::{self as store, Project};
use crate::db::Conn;
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
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
    /// The other opened bidders this one is related to (实施条例 art. 18), with how.
    pub related: Vec<crate::domain::related::Flag>,
    /// The purchaser's check of the bid's size declaration (中小企业声明函), once recorded.
    pub sme_ok: Option<bool>,
    pub sme_reason: Option<String>,
}

/// The highest price a bid may offer: the maximum price when one is published, and never more
/// than the budget.
pub fn price_limit(p: &Project) -> i64 {
    p.max_price_fen
        .map_or(p.budget_fen, |m| m.min(p.budget_fen))
}

/// Whether a price is within the budget and the maximum price.
pub fn price_ok(p: &Project, price_fen: i64) -> bool {
    price_fen <= p.budget_fen && p.max_price_fen.is_none_or(|m| price_fen <= m)
}

/// The opening of the current round's responses, if it opened bids.
pub async fn opening_of(c: &mut Conn, p: &Project) -> AppResult<Option<Opening>> {
    Ok(bids::openings(c, p.id).await?.into_iter().find(|o| {
        o.round == p.round
            && o.envelope == "initial"
            && o.outcome == crate::domain::procurement::OpeningOutcome::Opened
    }))
}

/// The opened bids of the round with their price check and recorded qualification.
pub async fn rows(c: &mut Conn, p: &Project) -> AppResult<Vec<Row>> {
    let Some(o) = opening_of(c, p).await? else {
        return Ok(Vec::new());
    };
    let recorded = bids::reviews_of(c, o.id).await?;
    let opened = bids::opened(c, o.id).await?;
    let keys: Vec<(i64, i64, String)> = opened
        .iter()
        .map(|b| (b.bid_id, b.org_id, b.org_name.clone()))
        .collect();
    let mut related = crate::procurement::related::flags(c, &keys).await?;
    let mut out = Vec::new();
    for b in opened {
        let find = |stage: &str| recorded.iter().find(|r| r.0 == b.bid_id && r.1 == stage);
        let (q, k, d) = (find("qualification"), find("compliance"), find("sme"));
        let abnormal = crate::db::orgs::on_list(c, b.org_id, "abnormal").await?;
        let serious = crate::db::orgs::on_list(c, b.org_id, "serious").await?;
        out.push(Row {
            price_ok: price_ok(p, b.price_fen),
            qualified: q.map(|r| r.2 != 0),
            reason: q.and_then(|r| r.3.clone()),
            compliant: k.map(|r| r.2 != 0),
            compliance_reason: k.and_then(|r| r.3.clone()),
            abnormal,
            serious,
            related: related.remove(&b.bid_id).unwrap_or_default(),
            sme_ok: d.map(|r| r.2 != 0),
            sme_reason: d.and_then(|r| r.3.clone()),
            bid: b,
        });
    }
    Ok(out)
}

/// Records one check of one bid.
#[allow(clippy::too_many_arguments)]
async fn record(
    c: &mut Conn,
    opening: i64,
    bid: i64,
    stage: &str,
    passed: bool,
    reason: Option<&str>,
    user: Option<i64>,
    now: i64,
) -> AppResult<()> {
    Ok(bids::add_review(c, opening, bid, stage, passed, reason, user, now).await?)
}

/// The decisions of a review form (`decision[bid]` = pass|fail, `reason[bid]`): bid → (passed,
/// reason). Anything else is left out, so the check asks for it.
pub fn decisions(
    decision: &HashMap<i64, String>,
    reason: &HashMap<i64, String>,
) -> HashMap<i64, (bool, String)> {
    decision
        .iter()
        .filter_map(|(bid, d)| {
            let why = reason
                .get(bid)
                .map(|r| r.trim().to_string())
                .unwrap_or_default();
            match d.as_str() {
                "pass" => Some((*bid, (true, String::new()))),
                "fail" => Some((*bid, (false, why))),
                _ => None,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub valid: i64,
    pub failed: bool,
}

impl Procurement<'_> {
    /// After a check: the public event (`events`: failed kind, passed kind, audit action), the
    /// failed status when too few valid bids remain, and the audit entry.
    #[allow(clippy::too_many_arguments)]
    async fn conclude(
        &self,
        c: &mut Conn,
        p: &Project,
        events: (&str, &str, &str),
        valid: i64,
        rejected: Vec<serde_json::Value>,
        user: i64,
        now: i64,
    ) -> AppResult<Outcome> {
        let failed = valid < p.min_bids;
        store::add_event(
            c,
            p.id,
            p.round,
            if failed { events.0 } else { events.1 },
            &json!({ "valid": valid, "min_bids": p.min_bids, "rejected": rejected }),
            Some(user),
            now,
        )
        .await?;
        if failed {
            store::advance(c, p, crate::domain::project::Action::TooFewValid, now).await?;
        }
        self.audit(
            c,
            Actor::User(UserId(user)),
            events.2,
            ("project", p.id),
            json!({ "round": p.round, "valid": valid, "failed": failed }),
        )
        .await?;
        Ok(Outcome { valid, failed })
    }

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
        if p.status != crate::domain::project::Status::Opened {
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
                // The qualification is the purchaser's, and a supplier with a record of a major
                // violation in the last three years does not qualify (政府采购法 art. 22(5);
                // 实施条例 art. 19): the serious-violation list is read at this step, not left
                // to the panel's compliance check.
                Some((true, _)) if r.serious => return Ok(Err("err-review-serious")),
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
            record(
                c,
                o.id,
                r.bid.bid_id,
                "qualification",
                passed,
                reason.as_deref(),
                Some(user),
                now,
            )
            .await?;
            if !r.price_ok {
                record(
                    c,
                    o.id,
                    r.bid.bid_id,
                    "price",
                    false,
                    Some("over_budget"),
                    None,
                    now,
                )
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
        let events = ("review_failed", "qualified", "project.qualified");
        Ok(Ok(self
            .conclude(c, p, events, valid, rejected, user, now)
            .await?))
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
        if p.status != crate::domain::project::Status::Opened {
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
            record(
                c,
                o.id,
                r.bid.bid_id,
                "compliance",
                passed,
                reason.as_deref(),
                Some(user),
                now,
            )
            .await?;
            if passed {
                valid += 1;
            } else {
                // Shown on the public page as a failed check with its reason.
                rejected.push(json!({ "org": r.bid.org_name, "qualified": false, "price_ok": true, "reason": reason }));
            }
        }
        let events = ("compliance_failed", "compliance", "project.compliance");
        Ok(Ok(self
            .conclude(c, p, events, valid, rejected, user, now)
            .await?))
    }
}

impl Procurement<'_> {
    /// With the qualification, the purchaser's check of each size declaration (中小企业声明函)
    /// sealed in a bid (issue 22, item 5; 财库〔2020〕46号 arts. 2 and 11): accepted, or not
    /// accepted with its reason — a declaration not accepted earns no price deduction.
    /// `decisions`: bid → (accepted, reason); every declaring bid needs one.
    pub async fn check_declarations(
        &self,
        c: &mut Conn,
        p: &Project,
        decisions: &HashMap<i64, (bool, String)>,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        let Some(o) = opening_of(c, p).await? else {
            return Ok(Err("err-review-not-opened"));
        };
        let declaring: Vec<Row> = rows(c, p)
            .await?
            .into_iter()
            .filter(|r| r.bid.sme.is_some())
            .collect();
        for r in &declaring {
            match decisions.get(&r.bid.bid_id) {
                None => return Ok(Err("err-review-sme")),
                Some((false, reason)) if reason.chars().count() < 2 => {
                    return Ok(Err("err-review-reason"))
                }
                _ => {}
            }
        }
        let now = self.clock.now_ms();
        for r in &declaring {
            let (accepted, reason) = decisions.get(&r.bid.bid_id).cloned().unwrap_or_default();
            let reason = (!accepted).then_some(reason);
            record(
                c,
                o.id,
                r.bid.bid_id,
                "sme",
                accepted,
                reason.as_deref(),
                Some(user),
                now,
            )
            .await?;
        }
        Ok(Ok(()))
    }
}
