//! Abnormally low prices (87号令 art. 60; issue 22, item 4). A seated panelist who finds a
//! compliant bid's price markedly below the other compliant bids' and likely to affect the
//! service asks its bidder, in the system, for a written explanation within the hours in force
//! (`procurement.low_price_answer_hours`); the bidder finds the request on its dashboard and in
//! its mail. The panel then accepts the explanation or rejects the bid with its reason; a bid
//! not explained in time is rejected by the award job. A rejected bid leaves the ranking, and
//! the report lists every query with its outcome; no ranking is final while one is open.

use crate::db::low_prices::{self as store, NewQuery, Query};
use crate::db::projects::{self as projects, Project};
use crate::db::Conn;
use crate::domain::award::{
    low_price_state, low_price_transition, LowPriceAction, LowPriceOutcome, LowPriceState,
};
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::procurement::Procurement;
use serde::Serialize;
use serde_json::json;

/// A query as the pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub q: Query,
    pub org_name: String,
    pub state: LowPriceState,
    /// Still open: the ranking waits for it.
    pub open: bool,
}

fn state_of(q: &Query, now: i64) -> LowPriceState {
    low_price_state(
        q.answered_at.is_some(),
        q.outcome.as_deref().and_then(LowPriceOutcome::parse),
        q.due_at,
        now,
    )
}

/// The queries of the project's current round.
pub async fn queries(c: &mut Conn, p: &Project, now: i64) -> AppResult<Vec<View>> {
    let mut out = Vec::new();
    for q in store::of_round(c, p.id, p.round).await? {
        let (org_name, _) = crate::db::bidders::name_and_uscc(c, q.org_id).await?;
        let state = state_of(&q, now);
        out.push(View {
            open: !matches!(state, LowPriceState::Closed(_)),
            q,
            org_name,
            state,
        });
    }
    Ok(out)
}

/// The bids of the round the panel rejected for their price (or whose bidder did not explain).
pub async fn rejected_bids(c: &mut Conn, p: &Project) -> AppResult<Vec<i64>> {
    Ok(store::of_round(c, p.id, p.round)
        .await?
        .into_iter()
        .filter(|q| {
            q.outcome
                .as_deref()
                .and_then(LowPriceOutcome::parse)
                .is_some_and(LowPriceOutcome::invalid)
        })
        .map(|q| q.bid_id)
        .collect())
}

/// A seated, declared panelist's seat on the project: (project id).
async fn panelist(c: &mut Conn, member: i64, user: i64) -> AppResult<Result<i64, &'static str>> {
    let Some((_, owner, status, declared, _, project)) = crate::db::panel::seat(c, member).await?
    else {
        return Err(AppError::NotFound);
    };
    if owner != user {
        return Err(AppError::Forbidden);
    }
    if crate::domain::award::SeatStatus::parse(&status)
        != Some(crate::domain::award::SeatStatus::Seated)
        || declared.is_none()
    {
        return Ok(Err("err-panel-sheet-closed"));
    }
    Ok(Ok(project))
}

impl Procurement<'_> {
    /// A panelist asks the bidder of `bid` to explain its price (87号令 art. 60).
    pub async fn flag_low_price(
        &self,
        member: i64,
        bid: i64,
        reason: &str,
        user: UserId,
    ) -> AppResult<Result<i64, &'static str>> {
        let reason = reason.trim();
        if !(2..=2000).contains(&reason.chars().count()) {
            return Ok(Err("err-lowprice-reason"));
        }
        let mut tx = self.db.begin_write().await?;
        let project = match panelist(&mut tx, member, user.0).await? {
            Ok(p) => p,
            Err(key) => return Ok(Err(key)),
        };
        let p = projects::lock(&mut tx, project, self.db.for_update())
            .await?
            .ok_or(AppError::NotFound)?;
        if p.status != crate::domain::project::Status::Opened
            || crate::procurement::award::award_of(&mut tx, &p)
                .await?
                .is_some()
        {
            return Ok(Err("err-lowprice-closed"));
        }
        let valid = crate::procurement::panel_scoring::valid_bids(&mut tx, &p).await?;
        let Some(row) = valid.iter().find(|r| r.bid.bid_id == bid) else {
            return Ok(Err("err-lowprice-bid"));
        };
        let now = self.clock.now_ms();
        let hours = crate::db::settings::snapshot(&mut tx, now)
            .await?
            .int("procurement.low_price_answer_hours")
            .unwrap_or(24);
        let due = now + hours * 3_600_000;
        let Some(id) = store::add(
            &mut tx,
            &NewQuery {
                project: p.id,
                round: p.round,
                bid,
                org: row.bid.org_id,
                member,
                reason,
                asked_at: now,
                due_at: due,
            },
        )
        .await?
        else {
            return Ok(Err("err-lowprice-twice"));
        };
        self.audit(
            &mut tx,
            Actor::User(user),
            "bid.low_price_asked",
            ("bid", bid),
            json!({ "query": id, "due_at": due }),
        )
        .await?;
        for admin in crate::db::bidders::admins(&mut tx, row.bid.org_id).await? {
            self.mail(
                &mut tx,
                admin,
                json!({ "event": "low_price", "title": p.title, "number": p.number,
                        "due": crate::procurement::shanghai_time(due), "reason": reason,
                        "link": format!("orgs/{}/low-price/{id}", row.bid.org_id) }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The bidder's written explanation, before the due time.
    pub async fn answer_low_price(
        &self,
        org: i64,
        id: i64,
        text: &str,
        user: UserId,
    ) -> AppResult<Result<(), &'static str>> {
        let text = text.trim();
        let mut tx = self.db.begin_write().await?;
        let q = store::by_id(&mut tx, id)
            .await?
            .filter(|q| q.org_id == org)
            .ok_or(AppError::NotFound)?;
        let now = self.clock.now_ms();
        if let Err(key) = low_price_transition(state_of(&q, now), LowPriceAction::Answer) {
            return Ok(Err(key));
        }
        if !(10..=20_000).contains(&text.chars().count()) {
            return Ok(Err("err-lowprice-answer"));
        }
        if !store::answer(&mut tx, id, text, user.0, now).await? {
            return Ok(Err("err-lowprice-closed"));
        }
        self.audit(
            &mut tx,
            Actor::User(user),
            "bid.low_price_answered",
            ("bid", q.bid_id),
            json!({ "query": id }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The panel's decision on an explanation: accepted, or the bid rejected with its reason.
    pub async fn decide_low_price(
        &self,
        member: i64,
        id: i64,
        accept: bool,
        reason: &str,
        user: UserId,
    ) -> AppResult<Result<(), &'static str>> {
        let reason = reason.trim();
        let mut tx = self.db.begin_write().await?;
        let project = match panelist(&mut tx, member, user.0).await? {
            Ok(p) => p,
            Err(key) => return Ok(Err(key)),
        };
        let q = store::by_id(&mut tx, id)
            .await?
            .filter(|q| q.project_id == project)
            .ok_or(AppError::NotFound)?;
        let now = self.clock.now_ms();
        let action = if accept {
            LowPriceAction::Accept
        } else {
            LowPriceAction::Reject
        };
        let to = match low_price_transition(state_of(&q, now), action) {
            Ok(LowPriceState::Closed(o)) => o,
            Ok(_) => return Ok(Err("err-lowprice-closed")),
            Err(key) => return Ok(Err(key)),
        };
        if !accept && !(2..=2000).contains(&reason.chars().count()) {
            return Ok(Err("err-lowprice-reason"));
        }
        let why = (!reason.is_empty()).then_some(reason);
        if !store::decide(&mut tx, id, to.code(), why, Some(user.0), now).await? {
            return Ok(Err("err-lowprice-closed"));
        }
        self.audit(
            &mut tx,
            Actor::User(user),
            "bid.low_price_decided",
            ("bid", q.bid_id),
            json!({ "query": id, "outcome": to.code() }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The job: a bid whose bidder did not explain by the due time is rejected (87号令 art. 60,
    /// 不能证明其报价合理性的 … 作为无效投标处理). Returns how many lapsed.
    pub async fn lapse_low_prices(&self) -> AppResult<usize> {
        let now = self.clock.now_ms();
        let due = {
            let mut c = self.db.acquire().await?;
            store::lapsed(&mut c, now).await?
        };
        let mut done = 0;
        for id in due {
            let mut tx = self.db.begin_write().await?;
            let Some(q) = store::by_id(&mut tx, id).await? else {
                continue;
            };
            if low_price_transition(state_of(&q, now), LowPriceAction::Lapse).is_err() {
                continue;
            }
            if store::decide(&mut tx, id, LowPriceOutcome::Lapsed.code(), None, None, now).await? {
                self.audit(
                    &mut tx,
                    Actor::System,
                    "bid.low_price_decided",
                    ("bid", q.bid_id),
                    json!({ "query": id, "outcome": "lapsed" }),
                )
                .await?;
                tx.commit().await?;
                done += 1;
            }
        }
        Ok(done)
    }
}
