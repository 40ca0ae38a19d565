//! Delivery (DOMAIN §6): on an active contract or agreement the organization files progress
//! reports and deliverables (text and files) against milestones; the purchaser accepts them
//! or returns them with reasons (a returned one is filed again as a new entry, so the history
//! stays). Accepting a milestone's deliverable tells the purchaser its review is due.

pub mod rules;
pub mod store;
pub mod suspension;

pub mod contract;
pub mod ledger;
pub mod performance;

use crate::db::Conn;
use crate::delivery::contract::Contract;
use crate::platform::error::AppResult;
use crate::procurement::Procurement;
use crate::web::attachments::Stored;
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Serialize)]
pub struct DeliverableFile {
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deliverable {
    pub id: i64,
    pub contract_id: i64,
    pub milestone: String,
    /// progress | deliverable
    pub kind: String,
    pub body: String,
    pub filed_by: String,
    pub filed_at: i64,
    /// submitted | accepted | returned
    pub status: String,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
    pub files: Vec<DeliverableFile>,
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
);

pub async fn of_contract(c: &mut Conn, contract: i64) -> AppResult<Vec<Deliverable>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT d.id, d.contract_id, d.milestone, d.kind, d.body, u.display_name, d.filed_at, d.status, d.decided_at, d.reason \
         FROM deliverables d JOIN users u ON u.id = d.filed_by WHERE d.contract_id = $1 ORDER BY d.id",
    )
    .bind(contract)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let files: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT sha256, name, content_type, size FROM deliverable_files WHERE deliverable_id = $1 ORDER BY name",
        )
        .bind(r.0)
        .fetch_all(&mut *c)
        .await?;
        out.push(Deliverable {
            id: r.0,
            contract_id: r.1,
            milestone: r.2,
            kind: r.3,
            body: r.4,
            filed_by: r.5,
            filed_at: r.6,
            status: r.7,
            decided_at: r.8,
            reason: r.9,
            files: files
                .into_iter()
                .map(|(sha256, name, content_type, size)| DeliverableFile {
                    sha256,
                    name,
                    content_type,
                    size,
                })
                .collect(),
        });
    }
    Ok(out)
}

/// A stored file of one of the contract's deliverables: (content type, name).
pub async fn file_of(
    c: &mut Conn,
    contract: i64,
    sha256: &str,
) -> AppResult<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT f.content_type, f.name FROM deliverable_files f JOIN deliverables d ON d.id = f.deliverable_id \
         WHERE d.contract_id = $1 AND f.sha256 = $2 LIMIT 1",
    )
    .bind(contract)
    .bind(sha256)
    .fetch_optional(&mut *c)
    .await?)
}

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
        let milestone = milestone.trim();
        if !(2..=30).contains(&milestone.chars().count()) {
            return Ok(Err("err-review-milestone"));
        }
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
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO deliverables (contract_id, milestone, kind, body, filed_by, filed_at, status) \
             VALUES ($1, $2, $3, $4, $5, $6, 'submitted') RETURNING id",
        )
        .bind(k.id)
        .bind(milestone)
        .bind(kind)
        .bind(body.trim())
        .bind(user)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for f in files {
            sqlx::query(
                "INSERT INTO deliverable_files (deliverable_id, sha256, name, content_type, size) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(&f.sha256)
            .bind(&f.original_name)
            .bind(f.content_type)
            .bind(f.size_bytes)
            .execute(&mut *tx)
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
        let n = sqlx::query(
            "UPDATE deliverables SET status = $3, decided_by = $4, decided_at = $5, reason = $6 \
             WHERE id = $1 AND contract_id = $2 AND status = $7",
        )
        .bind(id)
        .bind(k.id)
        .bind(to.code())
        .bind(user)
        .bind(now)
        .bind((!accept).then(|| reason.trim()))
        .bind(from.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(Err("err-deliverable-decided"));
        }
        let milestone: String =
            sqlx::query_scalar("SELECT milestone FROM deliverables WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
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
        let waiting: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM installments WHERE contract_id = $1 AND condition = 'review' AND review_name = $2",
        )
        .bind(k.id)
        .bind(&milestone)
        .fetch_one(&mut *tx)
        .await?;
        if accept && waiting > 0 {
            let creator: i64 = sqlx::query_scalar("SELECT created_by FROM projects WHERE id = $1")
                .bind(k.project_id)
                .fetch_one(&mut *tx)
                .await?;
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
