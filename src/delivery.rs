//! Delivery (DOMAIN §6): on an active contract or agreement the organization files progress
//! reports and deliverables (text and files) against milestones; the purchaser accepts them
//! or returns them with reasons (a returned one is filed again as a new entry, so the history
//! stays). Accepting a milestone's deliverable tells the purchaser its review is due.

pub mod rules;
pub mod store;
pub mod suspension;

pub mod contract;
pub mod ledger;
pub mod overview;
pub mod performance;

use crate::db::Conn;
use crate::delivery::contract::Contract;
use crate::platform::error::AppResult;
use crate::procurement::Procurement;
use crate::web::attachments::Stored;
use serde::Serialize;
use serde_json::json;

use store::deliverables as dstore;
pub use store::deliverables::{file_of, of_contract, Deliverable, DeliverableFile};

impl Procurement<'_> {
    /// Files a progress report or deliverable. `Ok(Err(key))`: refused, nothing written.
    pub async fn file_deliverable(
        &self,
        k: &Contract,
        milestone: &str,
        kind: &str,
        body: &str,
        files: &[Stored],
        user: i64,
    ) -> AppResult<Result<i64, &'static str>> {
        let milestone = match crate::domain::milestone::Milestone::parse(milestone) {
            Ok(m) => m,
            Err(key) => return Ok(Err(key)),
        };
        if !matches!(kind, "progress" | "deliverable") {
            return Ok(Err("err-deliverable-kind"));
        }
        if !(10..=5000).contains(&body.trim().chars().count()) {
            return Ok(Err("err-challenge-body"));
        }
        let mut tx = self.db.begin_write().await?;
        let standing = standing(&mut tx, k, self.calendars.today()).await?;
        if let Err(r) = standing.check(&rules::Action::FileDeliverable) {
            return Ok(Err(r.message_key()));
        }
        let now = self.clock.now_ms();
        let id =
            dstore::insert_deliverable(&mut tx, k.id, &milestone, kind, body.trim(), user, now)
                .await?;
        for f in files {
            dstore::insert_file(
                &mut tx,
                id,
                &f.sha256,
                &f.original_name,
                f.content_type,
                f.size_bytes,
            )
            .await?;
        }
        self.log_contract(
            &mut tx,
            k,
            user,
            crate::delivery::contract::Logged {
                kind: "deliverable",
                data: json!({ "contract": k.id, "deliverable": id, "milestone": milestone, "kind": kind }),
                action: "deliverable.filed",
                entity: ("contract", k.id),
                summary: json!({ "deliverable": id, "files": files.len() }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The purchaser accepts a submitted deliverable or returns it with a reason.
    pub async fn decide_deliverable(
        &self,
        k: &Contract,
        id: i64,
        accept: bool,
        reason: &str,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        if !accept && reason.trim().chars().count() < 4 {
            return Ok(Err("err-deliverable-reason"));
        }
        let mut tx = self.db.begin_write().await?;
        let standing = standing(&mut tx, k, self.calendars.today()).await?;
        if let Err(r) = standing.check(&rules::Action::DecideDeliverable { accept }) {
            return Ok(Err(r.message_key()));
        }
        let now = self.clock.now_ms();
        let from = rules::DeliverableStatus::Submitted;
        let Some(to) = from.decide(accept) else {
            return Ok(Err("err-deliverable-decided"));
        };
        // Compare-and-set on the submitted state: a second decision finds nothing to change.
        let n = dstore::decide(
            &mut tx,
            id,
            k.id,
            from.code(),
            &dstore::Decision {
                to: to.code(),
                by: user,
                at: now,
                reason: (!accept).then(|| reason.trim()),
            },
        )
        .await?;
        if n != 1 {
            return Ok(Err("err-deliverable-decided"));
        }
        let milestone = dstore::milestone_of(&mut tx, id).await?;
        self.log_contract(
            &mut tx,
            k,
            user,
            crate::delivery::contract::Logged {
                kind: if accept {
                    "deliverable_accepted"
                } else {
                    "deliverable_returned"
                },
                data: json!({ "contract": k.id, "deliverable": id, "milestone": milestone }),
                action: if accept {
                    "deliverable.accepted"
                } else {
                    "deliverable.returned"
                },
                entity: ("contract", k.id),
                summary: json!({ "deliverable": id }),
            },
        )
        .await?;
        let waiting = dstore::installments_waiting_for_review(&mut tx, k.id, &milestone).await?;
        if accept && waiting > 0 {
            let creator = dstore::project_creator(&mut tx, k.project_id).await?;
            self.mail(
                &mut tx,
                creator,
                json!({ "event": "review_due", "title": k.title, "number": k.number,
                "milestone": milestone, "link": format!("purchase/contracts/{}", k.id) }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }
}

/// Where a contract stands today: its state, the holds on it and the facts its actions are
/// checked against.
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    pub state: rules::State,
    pub early_reason: Option<String>,
    /// The holds, milestones, today and the term's end (flattened for the templates).
    #[serde(flatten)]
    pub facts: rules::Facts,
}

impl Standing {
    /// Asks the lifecycle whether `action` may be taken now.
    pub fn check(
        &self,
        action: &rules::Action,
    ) -> Result<(rules::State, Vec<rules::Event>), rules::Refusal> {
        rules::transition(self.state, action, &self.facts)
    }
}

pub async fn standing(c: &mut Conn, k: &Contract, today: time::Date) -> AppResult<Standing> {
    let challenges = store::challenges(c, k.project_id, k.round).await?;
    let orders: Vec<rules::OrderFacts> = store::orders_of_project(c, k.project_id)
        .await?
        .iter()
        .map(store::Order::facts)
        .collect();
    let holds = rules::contract_holds(k.signed_at, &challenges, &orders, today);
    let (accepted, terminated, early_reason) = store::ends(c, k.id).await?;
    let milestones = store::milestones(c, k.id).await?;
    let state = rules::State::of(accepted.is_some(), terminated.is_some(), &holds);
    Ok(Standing {
        state,
        early_reason,
        facts: rules::Facts {
            today,
            ends_on: crate::domain::calendar::parse_iso_date(&k.ends_on).unwrap_or(today),
            holds,
            milestones,
        },
    })
}

/// The holds on signing a project's round today.
pub async fn signing_holds(
    c: &mut Conn,
    project: i64,
    round: i64,
    today: time::Date,
) -> AppResult<Vec<rules::Hold>> {
    let challenges = store::challenges(c, project, round).await?;
    let orders: Vec<rules::OrderFacts> = store::orders_of_project(c, project)
        .await?
        .iter()
        .map(store::Order::facts)
        .collect();
    let upheld = store::upheld_unresolved(c, project, round).await?;
    Ok(rules::signing_holds(&challenges, &orders, &upheld, today))
}
