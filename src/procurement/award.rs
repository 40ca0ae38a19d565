//! Award (DOMAIN §5): when every panelist has submitted (and, for a consultation, the final
//! quotes are opened) the evaluation report reaches the purchaser and its ranking is frozen.
//! The purchaser confirms the first-ranked bidder within 5 working days — it cannot pass it
//! over; after 5 working days of silence the job records the first-ranked as confirmed
//! (87号令 68). The next-ranked wins only when the winner refuses to sign or is disqualified,
//! recorded with the reason. A special-fund programme funds applicants in rank order while the
//! programme's budget lasts. The award notice is public for 1 working day.

use crate::db::awards;
use crate::db::projects::{self as store, Project};
use crate::db::Conn;
use crate::deadlines::DueClock;
use crate::domain::award::WinnerStatus;
use crate::domain::calendar::{end_of_day, shanghai_date, Calendar, Due, Period};
use crate::platform::audit::Actor;
use crate::platform::clock::from_ms;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::procurement::Procurement;
use serde_json::json;
use time::Date;

pub use crate::db::awards::{winners, Award, Ranked, Winner};

/// The award of the project's current round, once the report reached the purchaser.
pub async fn award_of(c: &mut Conn, p: &Project) -> AppResult<Option<Award>> {
    Ok(awards::of_round(c, p.id, p.round).await?)
}

/// The names of the panel's seated members, for the award notice.
pub async fn panel_names(c: &mut Conn, p: &Project) -> AppResult<Vec<String>> {
    Ok(crate::procurement::panel::panel_of(c, p)
        .await?
        .map(|panel| {
            panel
                .members
                .into_iter()
                .filter(|m| m.status == crate::domain::award::SeatStatus::Seated)
                .map(|m| m.name)
                .collect()
        })
        .unwrap_or_default())
}

/// Who wins at confirmation: the first-ranked for procurement; for a programme, applicants in
/// rank order while the budget lasts (stopping at the first that no longer fits, so nobody is
/// passed over for a cheaper applicant ranked lower).
pub fn initial_winners<'r>(kind: &str, budget_fen: i64, ranking: &'r [Ranked]) -> Vec<&'r Ranked> {
    if kind != "programme" {
        return ranking.iter().take(1).collect();
    }
    let mut left = budget_fen;
    let mut out = Vec::new();
    for r in ranking {
        if r.price_fen > left {
            break;
        }
        left -= r.price_fen;
        out.push(r);
    }
    out
}

/// The end of the n-th working day after the moment `at`, by `cal`.
pub fn end_of_working_days(cal: &Calendar, at: i64, n: u32) -> i64 {
    let d = cal.add_working_days(shanghai_date(from_ms(at)), n);
    crate::platform::clock::to_ms(end_of_day(d))
}

/// The end of the n-th working day after the moment `at`, by the calendar in force as `c`
/// (the caller's transaction) sees it. For windows checked now; a due date that is stored
/// uses `count_working_days` so that a new calendar can find it.
pub async fn working_days_after(
    p: &Procurement<'_>,
    c: &mut Conn,
    at: i64,
    n: u32,
) -> AppResult<i64> {
    let cal = p.calendars.exact(c).await?;
    Ok(end_of_working_days(&cal, at, n))
}

/// A stored due date: the end of the n-th working day after the moment `at`, and how it was
/// computed.
pub struct Counted {
    pub start: Date,
    pub period: Period,
    pub due: Due,
    /// The end of the due day, epoch milliseconds (what the entity stores).
    pub end_ms: i64,
}

impl Counted {
    /// Records it in the register of due dates, once the entity has its id.
    pub async fn record(
        &self,
        c: &mut Conn,
        clock: DueClock,
        id: i64,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        crate::deadlines::record(c, clock, id, self.start, self.period, &self.due, now).await
    }
}

pub async fn count_working_days(
    p: &Procurement<'_>,
    c: &mut Conn,
    at: i64,
    n: u32,
) -> AppResult<Counted> {
    let cal = p.calendars.exact(c).await?;
    let start = shanghai_date(from_ms(at));
    let period = Period::WorkingDays(n);
    let due = cal.due(start, period);
    Ok(Counted {
        start,
        period,
        end_ms: crate::platform::clock::to_ms(end_of_day(due.on)),
        due,
    })
}

impl Procurement<'_> {
    /// Delivers a complete evaluation report to the purchaser: freezes the ranking and starts
    /// the 5 working days to confirm. Idempotent; `None` when not due.
    pub async fn deliver(&self, c: &mut Conn, p: &Project) -> AppResult<Option<i64>> {
        if p.status != crate::domain::project::Status::Opened || award_of(c, p).await?.is_some() {
            return Ok(None);
        }
        let Some(report) = crate::procurement::panel_scoring::report(c, p).await? else {
            return Ok(None);
        };
        if !report.complete || report.rows.is_empty() {
            return Ok(None);
        }
        let ranking: Vec<Ranked> = report
            .rows
            .iter()
            .map(|r| Ranked {
                rank: r.rank,
                bid_id: r.bid_id,
                org_id: r.org_id,
                org_name: r.org_name.clone(),
                price_fen: r.price_fen,
                price_score: r.price_score,
                total: r.total,
            })
            .collect();
        let now = self.clock.now_ms();
        let counted = count_working_days(self, c, now, 5).await?;
        let due = counted.end_ms;
        let id = awards::add(
            c,
            p.id,
            p.round,
            &serde_json::to_string(&ranking).map_err(|e| AppError::Internal(e.to_string()))?,
            now,
            due,
        )
        .await?;
        counted.record(c, DueClock::AwardConfirm, id, now).await?;
        store::add_event(
            c,
            p.id,
            p.round,
            "report_delivered",
            &json!({ "award": id, "confirm_due_at": due, "drawn": report.drawn, "seed": report.seed }),
            None,
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::System,
            "award.report_delivered",
            ("project", p.id),
            json!({ "award": id, "bids": ranking.len() }),
        )
        .await?;
        self.mail(
            c,
            p.created_by,
            json!({ "event": "report", "title": p.title, "number": p.number,
                    "due": due,
                    "link": format!("purchase/projects/{}/award", p.id) }),
        )
        .await?;
        Ok(Some(id))
    }

    /// Delivers the project's report in its own transaction if it is complete (after the last
    /// panelist's submission, and from the job).
    pub async fn deliver_project(&self, id: i64) -> AppResult<bool> {
        let mut tx = self.db.begin_write().await?;
        let Some(p) = store::lock(&mut tx, id, self.db.for_update()).await? else {
            return Ok(false);
        };
        if self.deliver(&mut tx, &p).await?.is_some() {
            tx.commit().await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Confirms the award: the purchaser (`Some(user)`) or the rule of silence (`None`).
    pub async fn confirm(
        &self,
        c: &mut Conn,
        p: &Project,
        a: &Award,
        user: Option<i64>,
    ) -> AppResult<Result<(), &'static str>> {
        if a.confirmed_at.is_some() || p.status != crate::domain::project::Status::Opened {
            return Ok(Err("err-award-confirmed"));
        }
        let now = self.clock.now_ms();
        let chosen = initial_winners(&p.kind, p.budget_fen, &a.ranking);
        if chosen.is_empty() {
            return Ok(Err("err-award-none"));
        }
        let counted = count_working_days(self, c, now, 1).await?;
        let end = counted.end_ms;
        // Compare-and-set on `confirmed_at` (the first write of this step): an award confirmed
        // meanwhile (by the purchaser or the rule of silence) is reported, never confirmed twice.
        if !awards::confirm(c, a.id, now, user, end).await? {
            return Ok(Err("err-award-confirmed"));
        }
        for r in &chosen {
            self.add_winner(c, a.id, r, now).await?;
        }
        counted.record(c, DueClock::AwardNotice, a.id, now).await?;
        store::advance(c, p, crate::domain::project::Action::Award, now).await?;
        let names = panel_names(c, p).await?;
        let listed: Vec<_> = chosen
            .iter()
            .map(|r| json!({ "org_id": r.org_id, "name": r.org_name, "amount_fen": r.price_fen, "rank": r.rank }))
            .collect();
        store::add_event(
            c,
            p.id,
            p.round,
            if user.is_some() {
                "awarded"
            } else {
                "awarded_by_rule"
            },
            &json!({ "award": a.id, "winners": listed, "panel": names, "notice_end_at": end,
                     "requirements": p.requirements }),
            user,
            now,
        )
        .await?;
        self.audit(
            c,
            user.map_or(Actor::System, |u| Actor::User(UserId(u))),
            "award.confirmed",
            ("project", p.id),
            json!({ "award": a.id, "winners": chosen.len(), "by_rule": user.is_none() }),
        )
        .await?;
        // Each bidder learns its own rank and score only.
        for r in &a.ranking {
            let won = chosen.iter().any(|w| w.bid_id == r.bid_id);
            self.mail_bidder(
                c,
                r.bid_id,
                json!({ "event": "result", "title": p.title, "number": p.number,
                "rank": r.rank, "total": r.total.to_string(), "count": a.ranking.len(), "won": won,
                "link": format!("projects/{}/award", p.number) }),
            )
            .await?;
        }
        Ok(Ok(()))
    }

    async fn add_winner(&self, c: &mut Conn, award: i64, r: &Ranked, now: i64) -> AppResult<()> {
        Ok(awards::add_winner(c, award, r, now).await?)
    }

    /// Mails a bidder: the user who submitted the bid and the organization's admins, each
    /// individually.
    pub async fn mail_bidder(
        &self,
        c: &mut Conn,
        bid: i64,
        data: serde_json::Value,
    ) -> AppResult<()> {
        let (submitter, org) = crate::db::bids::submitter_and_org(c, bid).await?;
        let mut to = Procurement::org_admins(c, org).await?;
        to.push(submitter);
        to.sort_unstable();
        to.dedup();
        for u in to {
            self.mail(c, u, data.clone()).await?;
        }
        Ok(())
    }

    /// The winner refused to sign or was disqualified (`kind`), with the reason: the next-ranked
    /// bidder not yet passed over wins, with a new notice; none left: the round fails.
    #[allow(clippy::too_many_arguments)]
    pub async fn pass_over(
        &self,
        c: &mut Conn,
        p: &Project,
        a: &Award,
        winner: i64,
        kind: &str,
        reason: &str,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        let Some(to) = WinnerStatus::parse(kind).filter(|k| *k != WinnerStatus::Winner) else {
            return Ok(Err("err-award-pass-kind"));
        };
        if reason.chars().count() < 4 {
            return Ok(Err("err-award-pass-reason"));
        }
        let all = winners(c, a.id).await?;
        let Some(w) = all.iter().find(|w| w.id == winner) else {
            return Ok(Err("err-award-not-winner"));
        };
        let to = match crate::domain::award::pass_over(w.status, to) {
            Ok(to) => to,
            Err(key) => return Ok(Err(key)),
        };
        if p.status != crate::domain::project::Status::Awarded
            || crate::delivery::contract::contract_of_winner(c, w.id)
                .await?
                .is_some()
        {
            return Ok(Err("err-award-signed"));
        }
        let now = self.clock.now_ms();
        // Compare-and-set on the winner's status (the first write of this step): a winner
        // passed over meanwhile is reported, never passed over twice.
        if !awards::pass_over(c, w.id, to, reason, user, now).await? {
            return Ok(Err("err-award-not-winner"));
        }
        // The next-ranked bidder that never won this award.
        let next = a
            .ranking
            .iter()
            .filter(|r| r.rank as i64 > w.rank)
            .find(|r| !all.iter().any(|x| x.bid_id == r.bid_id));
        let next = next.filter(|r| {
            p.kind != "programme"
                || r.price_fen
                    <= p.budget_fen
                        - all
                            .iter()
                            .filter(|x| x.status == WinnerStatus::Winner && x.id != w.id)
                            .map(|x| x.amount_fen)
                            .sum::<i64>()
        });
        let data = json!({ "award": a.id, "from": w.org_name, "from_org": w.org_id, "kind": kind,
                           "reason": reason, "to": next.map(|r| r.org_name.clone()),
                           "to_org": next.map(|r| r.org_id), "amount_fen": next.map(|r| r.price_fen) });
        if let Some(r) = next {
            self.add_winner(c, a.id, r, now).await?;
            let counted = count_working_days(self, c, now, 1).await?;
            let end = counted.end_ms;
            awards::renew_notice(c, a.id, now, end).await?;
            counted.record(c, DueClock::AwardNotice, a.id, now).await?;
            self.mail_bidder(
                c,
                r.bid_id,
                json!({ "event": "result", "title": p.title, "number": p.number,
                "rank": r.rank, "total": r.total.to_string(), "count": a.ranking.len(), "won": true,
                "link": format!("projects/{}/award", p.number) }),
            )
            .await?;
        } else if !all
            .iter()
            .any(|x| x.status == WinnerStatus::Winner && x.id != w.id)
        {
            store::advance(c, p, crate::domain::project::Action::NoWinner, now).await?;
        } else {
            // A programme whose other funded applicants have all signed is contracted.
            let unsigned = awards::unsigned_winners(c, a.id).await?;
            if unsigned == 0 {
                store::advance(c, p, crate::domain::project::Action::Contract, now).await?;
            }
        }
        store::add_event(c, p.id, p.round, "winner_changed", &data, Some(user), now).await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "award.passed_over",
            ("project", p.id),
            json!({ "award": a.id, "winner": w.id, "kind": kind }),
        )
        .await?;
        Ok(Ok(()))
    }

    /// The award job: delivers complete reports, confirms awards after 5 working days of
    /// silence, and reminds panelists who have not submitted a working day after the draw.
    pub async fn run_awards(&self) -> AppResult<usize> {
        let now = self.clock.now_ms();
        let (opened, due): (Vec<i64>, Vec<i64>) = {
            let mut c = self.db.acquire().await?;
            // Only reports that can be complete: every seated panelist submitted and, for a
            // consultation, the final quotes opened (the full report is computed only then).
            let opened = awards::reports_due(&mut c).await?;
            let due = awards::confirmations_due(&mut c, now).await?;
            (opened, due)
        };
        // A bid not explained in time is rejected before any report is delivered.
        let mut done = self.lapse_low_prices().await?;
        for id in opened {
            if self.deliver_project(id).await? {
                done += 1;
            }
        }
        for id in due {
            let mut tx = self.db.begin_write().await?;
            let Some(p) = store::lock(&mut tx, id, self.db.for_update()).await? else {
                continue;
            };
            let Some(a) = award_of(&mut tx, &p).await? else {
                continue;
            };
            if a.confirm_due_at <= now && self.confirm(&mut tx, &p, &a, None).await?.is_ok() {
                tx.commit().await?;
                done += 1;
            }
        }
        done += self.remind_panelists(now).await?;
        Ok(done)
    }

    /// One reminder to each seated panelist who has not submitted by the end of the working
    /// day after the panel was drawn.
    async fn remind_panelists(&self, now: i64) -> AppResult<usize> {
        let rows: Vec<(i64, i64, i64, i64)> = {
            let mut c = self.db.acquire().await?;
            crate::db::panel::unreminded(&mut c).await?
        };
        let cal = {
            let mut c = self.db.acquire().await?;
            self.calendars.exact(&mut c).await?
        };
        let mut sent = 0;
        for (member, user, project, drawn_at) in rows {
            if end_of_working_days(&cal, drawn_at, 1) > now {
                continue;
            }
            let mut tx = self.db.begin_write().await?;
            let reminded = crate::db::panel::mark_reminded(&mut tx, member, now).await?;
            let p = store::by_id(&mut tx, project)
                .await?
                .ok_or(AppError::NotFound)?;
            if reminded {
                self.mail(
                    &mut tx,
                    user,
                    json!({ "event": "scoring_reminder", "title": p.title, "number": p.number,
                    "link": format!("panel/{member}") }),
                )
                .await?;
                sent += 1;
            }
            tx.commit().await?;
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn r(rank: usize, price: i64) -> Ranked {
        Ranked {
            rank,
            bid_id: rank as i64,
            org_id: rank as i64,
            org_name: String::new(),
            price_fen: price,
            price_score: Decimal::ZERO,
            total: Decimal::ZERO,
        }
    }

    #[test]
    fn procurement_awards_the_first_ranked_only() {
        let ranking = [r(1, 900), r(2, 100)];
        let w = initial_winners("procurement", 1000, &ranking);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].rank, 1);
    }

    #[test]
    fn a_programme_funds_in_rank_order_until_the_budget_is_used() {
        let ranking = [r(1, 400), r(2, 500), r(3, 200), r(4, 50)];
        // 400 + 500 = 900 of 1000; the third (200) no longer fits, and the fourth is not
        // funded ahead of it.
        let w: Vec<_> = initial_winners("programme", 1000, &ranking)
            .iter()
            .map(|x| x.rank)
            .collect();
        assert_eq!(w, vec![1, 2]);
        assert!(initial_winners("programme", 300, &ranking).is_empty());
    }
}
