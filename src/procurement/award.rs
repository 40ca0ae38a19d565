//! Award (DOMAIN §5): when every panelist has submitted (and, for a consultation, the final
//! quotes are opened) the evaluation report reaches the purchaser and its ranking is frozen.
//! The purchaser confirms the first-ranked bidder within 5 working days — it cannot pass it
//! over; after 5 working days of silence the job records the first-ranked as confirmed
//! (87号令 68). The next-ranked wins only when the winner refuses to sign or is disqualified,
//! recorded with the reason. A special-fund programme funds applicants in rank order while the
//! programme's budget lasts. The award notice is public for 1 working day.

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
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use time::Date;

/// One line of the frozen ranking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ranked {
    pub rank: usize,
    pub bid_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub price_fen: i64,
    pub price_score: Decimal,
    pub total: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub struct Award {
    pub id: i64,
    pub project_id: i64,
    pub round: i64,
    pub ranking: Vec<Ranked>,
    pub report_at: i64,
    pub confirm_due_at: i64,
    pub confirmed_at: Option<i64>,
    pub confirmed_by: Option<i64>,
    pub notice_at: Option<i64>,
    pub notice_end_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Winner {
    pub id: i64,
    pub award_id: i64,
    pub bid_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub address: String,
    pub rank: i64,
    pub amount_fen: i64,
    pub status: WinnerStatus,
    pub reason: Option<String>,
    pub created_at: i64,
    pub changed_at: Option<i64>,
}

const AWARD: &str =
    "SELECT id, project_id, round, ranking, report_at, confirm_due_at, confirmed_at, \
    confirmed_by, notice_at, notice_end_at FROM awards";

fn award(r: &AnyRow) -> Result<Award, sqlx::Error> {
    let ranking: String = r.try_get("ranking")?;
    Ok(Award {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        round: r.try_get("round")?,
        ranking: serde_json::from_str(&ranking).map_err(|e| sqlx::Error::Decode(e.into()))?,
        report_at: r.try_get("report_at")?,
        confirm_due_at: r.try_get("confirm_due_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
        confirmed_by: r.try_get("confirmed_by")?,
        notice_at: r.try_get("notice_at")?,
        notice_end_at: r.try_get("notice_end_at")?,
    })
}

/// The award of the project's current round, once the report reached the purchaser.
pub async fn award_of(c: &mut Conn, p: &Project) -> AppResult<Option<Award>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{AWARD} WHERE project_id = $1 AND round = $2"
    )))
    .bind(p.id)
    .bind(p.round)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.as_ref().map(award).transpose()?)
}

/// Every winner row of an award, the current ones and those passed over, in rank order.
pub async fn winners(c: &mut Conn, award: i64) -> AppResult<Vec<Winner>> {
    let rows = sqlx::query(
        "SELECT w.id, w.award_id, w.bid_id, w.org_id, o.name AS org_name, \
         COALESCE(o.domicile, (SELECT s.address FROM suppliers s WHERE s.uscc = o.uscc AND s.status = 'approved' \
         ORDER BY s.id DESC LIMIT 1), '') AS address, w.rank, w.amount_fen, w.status, w.reason, w.created_at, w.changed_at \
         FROM award_winners w JOIN organizations o ON o.id = w.org_id WHERE w.award_id = $1 ORDER BY w.rank, w.id",
    )
    .bind(award)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Winner {
                id: r.try_get("id")?,
                award_id: r.try_get("award_id")?,
                bid_id: r.try_get("bid_id")?,
                org_id: r.try_get("org_id")?,
                org_name: r.try_get("org_name")?,
                address: r.try_get("address")?,
                rank: r.try_get("rank")?,
                amount_fen: r.try_get("amount_fen")?,
                status: {
                    let code: String = r.try_get("status")?;
                    WinnerStatus::parse(&code).ok_or_else(|| sqlx::Error::ColumnDecode {
                        index: "status".into(),
                        source: format!("unknown winner status {code:?}").into(),
                    })?
                },
                reason: r.try_get("reason")?,
                created_at: r.try_get("created_at")?,
                changed_at: r.try_get("changed_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
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
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO awards (project_id, round, ranking, report_at, confirm_due_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(p.id)
        .bind(p.round)
        .bind(serde_json::to_string(&ranking).map_err(|e| AppError::Internal(e.to_string()))?)
        .bind(now)
        .bind(due)
        .fetch_one(&mut *c)
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
        for r in &chosen {
            self.add_winner(c, a.id, r, now).await?;
        }
        let counted = count_working_days(self, c, now, 1).await?;
        let end = counted.end_ms;
        sqlx::query(
            "UPDATE awards SET confirmed_at = $2, confirmed_by = $3, notice_at = $2, notice_end_at = $4 WHERE id = $1",
        )
        .bind(a.id)
        .bind(now)
        .bind(user)
        .bind(end)
        .execute(&mut *c)
        .await?;
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
        sqlx::query(
            "INSERT INTO award_winners (award_id, bid_id, org_id, rank, amount_fen, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'winner', $6)",
        )
        .bind(award)
        .bind(r.bid_id)
        .bind(r.org_id)
        .bind(r.rank as i64)
        .bind(r.price_fen)
        .bind(now)
        .execute(&mut *c)
        .await?;
        Ok(())
    }

    /// Mails a bidder: the user who submitted the bid and the organization's admins, each
    /// individually.
    pub async fn mail_bidder(
        &self,
        c: &mut Conn,
        bid: i64,
        data: serde_json::Value,
    ) -> AppResult<()> {
        let (submitter, org): (i64, i64) =
            sqlx::query_as("SELECT submitted_by, org_id FROM bids WHERE id = $1")
                .bind(bid)
                .fetch_one(&mut *c)
                .await?;
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
        sqlx::query(
            "UPDATE award_winners SET status = $2, reason = $3, changed_by = $4, changed_at = $5 WHERE id = $1 AND status = 'winner'",
        )
        .bind(w.id)
        .bind(to.code())
        .bind(reason)
        .bind(user)
        .bind(now)
        .execute(&mut *c)
        .await?;
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
        let data = json!({ "award": a.id, "from": w.org_name, "kind": kind, "reason": reason,
                           "to": next.map(|r| r.org_name.clone()), "amount_fen": next.map(|r| r.price_fen) });
        if let Some(r) = next {
            self.add_winner(c, a.id, r, now).await?;
            let counted = count_working_days(self, c, now, 1).await?;
            let end = counted.end_ms;
            sqlx::query("UPDATE awards SET notice_at = $2, notice_end_at = $3 WHERE id = $1")
                .bind(a.id)
                .bind(now)
                .bind(end)
                .execute(&mut *c)
                .await?;
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
            let unsigned: i64 = sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM award_winners x WHERE x.award_id = $1 AND x.status = 'winner' \
                 AND NOT EXISTS (SELECT 1 FROM contracts k WHERE k.winner_id = x.id)",
            )
            .bind(a.id)
            .fetch_one(&mut *c)
            .await?;
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
            let opened = sqlx::query_scalar(
                "SELECT p.id FROM projects p JOIN panels pn ON pn.project_id = p.id AND pn.round = p.round \
                 WHERE p.status = 'opened' AND NOT EXISTS \
                 (SELECT 1 FROM awards a WHERE a.project_id = p.id AND a.round = p.round) \
                 AND NOT EXISTS (SELECT 1 FROM panel_members m WHERE m.panel_id = pn.id AND m.status = 'seated' \
                                 AND m.submitted_at IS NULL) \
                 AND (p.method <> 'consultation' OR EXISTS (SELECT 1 FROM openings o WHERE o.project_id = p.id \
                      AND o.round = p.round AND o.envelope = 'final' AND o.outcome = 'opened')) ORDER BY p.id",
            )
            .fetch_all(&mut *c)
            .await?;
            let due = sqlx::query_scalar(
                "SELECT a.project_id FROM awards a JOIN projects p ON p.id = a.project_id AND p.round = a.round \
                 WHERE a.confirmed_at IS NULL AND a.confirm_due_at <= $1 AND p.status = 'opened' ORDER BY a.id",
            )
            .bind(now)
            .fetch_all(&mut *c)
            .await?;
            (opened, due)
        };
        let mut done = 0;
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
            sqlx::query_as(
                "SELECT m.id, m.user_id, pn.project_id, pn.drawn_at FROM panel_members m JOIN panels pn ON pn.id = m.panel_id \
                 JOIN projects p ON p.id = pn.project_id AND p.round = pn.round \
                 WHERE m.status = 'seated' AND m.submitted_at IS NULL AND m.reminded_at IS NULL AND p.status = 'opened'",
            )
            .fetch_all(&mut *c)
            .await?
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
            let n = sqlx::query(
                "UPDATE panel_members SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL",
            )
            .bind(member)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let p = store::by_id(&mut tx, project)
                .await?
                .ok_or(AppError::NotFound)?;
            if n == 1 {
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
