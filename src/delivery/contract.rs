//! Contracts and programme agreements (DOMAIN §5): signed with the winner after the award
//! notice, within 30 days of it (overdue warning), not while a challenge that could change the
//! result is open; published on signing; filed with the finance department within 7 working
//! days (clock shown). Term ≤ 1 year, or up to 3 with a recorded reason. The installment plan
//! — amounts, or percentages rounded to the fen with the last taking the remainder — adds up
//! exactly to the contract amount; each installment has its condition (on signing, after a
//! named review, after final acceptance). The delivery issue pays against it.

use crate::db::projects::{self as store, Project};
use crate::db::Conn;
use crate::deadlines::DueClock;
use crate::domain::award::{check_amounts, plan_from_percentages, PlanProblem};
use crate::domain::calendar::iso_date;
use crate::domain::milestone::Milestone;
use crate::domain::money::Money;
use crate::platform::audit::Actor;
use crate::platform::error::AppResult;
use crate::platform::ids::UserId;
use crate::procurement::award::{count_working_days, Award, Winner};
use crate::procurement::Procurement;
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;
use time::{Date, Month};

/// Days from the award notice within which the contract is signed.
pub const SIGN_WITHIN_DAYS: i64 = 30;

/// When the 30 days to sign from the award notice at `notice_at` end: 30 days later, or with
/// `roll` (setting `calendar.roll.contract_signing`), on the next working day when that day is
/// not one.
pub fn sign_due(cal: &crate::domain::calendar::Calendar, notice_at: i64, roll: bool) -> i64 {
    let due = notice_at + SIGN_WITHIN_DAYS * 86_400_000;
    if !roll {
        return due;
    }
    let day = crate::domain::calendar::shanghai_date(crate::platform::clock::from_ms(due));
    due + (cal.working_day_on_or_after(day) - day).whole_days() * 86_400_000
}

use super::store::contracts as kstore;
pub use super::store::contracts::{
    by_id, contract_of_winner, installments, of_org, of_project, paid_by_category, Contract,
    Installment,
};

/// `years` calendar years after `d` (29 February falls to 1 March).
fn plus_years(d: Date, years: i32) -> Date {
    let y = d.year() + years;
    d.replace_year(y)
        .unwrap_or_else(|_| Date::from_calendar_date(y, Month::March, 1).unwrap_or(d))
}

/// The term: ends after it starts; ≤ 1 year, or ≤ 3 years with a reason.
pub fn check_term(starts: Date, ends: Date, reason: &str) -> Result<(), &'static str> {
    if ends <= starts {
        return Err("err-contract-term-order");
    }
    if ends >= plus_years(starts, 3) {
        return Err("err-contract-term-3y");
    }
    if ends >= plus_years(starts, 1) && reason.trim().chars().count() < 4 {
        return Err("err-contract-term-reason");
    }
    Ok(())
}

/// One line of the plan form.
#[derive(Debug, Clone, Default)]
pub struct PlanLine {
    pub value: String,
    pub condition: String,
    pub review: String,
}

/// Checks the plan (`mode` percent | amount) against the contract amount: the installments'
/// amounts with their conditions. Blank lines are skipped.
/// A checked installment: amount (fen), condition, the review's name.
pub type Planned = (i64, String, Option<Milestone>);

pub fn check_plan(
    amount_fen: i64,
    mode: &str,
    lines: &[PlanLine],
) -> Result<Vec<Planned>, &'static str> {
    let lines: Vec<&PlanLine> = lines
        .iter()
        .filter(|l| !l.value.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return Err("err-plan-empty");
    }
    for l in &lines {
        match l.condition.as_str() {
            "signing" | "acceptance" => {}
            "review" if Milestone::parse(&l.review).is_ok() => {}
            "review" => return Err("err-plan-review-name"),
            _ => return Err("err-plan-condition"),
        }
    }
    let amounts = match mode {
        "percent" => {
            let mut pcts = Vec::new();
            for l in &lines {
                let v = Decimal::from_str(l.value.trim()).map_err(|_| "err-plan-percent-format")?;
                if v.scale() > 2 {
                    return Err("err-plan-percent-format");
                }
                if v > Decimal::from(100) {
                    return Err("err-plan-percent-sum");
                }
                pcts.push(v);
            }
            plan_from_percentages(amount_fen, &pcts).map_err(problem)?
        }
        "amount" => {
            let mut fen = Vec::new();
            for l in &lines {
                fen.push(
                    Money::parse(l.value.trim())
                        .map_err(|e| e.message_key())?
                        .fen(),
                );
            }
            check_amounts(amount_fen, &fen).map_err(problem)?;
            fen
        }
        _ => return Err("err-plan-mode"),
    };
    Ok(amounts
        .into_iter()
        .zip(lines)
        .map(|(a, l)| {
            let review = (crate::domain::ledger::Condition::parse(&l.condition)
                == Some(crate::domain::ledger::Condition::Review))
            .then(|| Milestone::parse(&l.review).ok())
            .flatten();
            (a, l.condition.clone(), review)
        })
        .collect())
}

fn problem(p: PlanProblem) -> &'static str {
    match p {
        PlanProblem::Empty => "err-plan-empty",
        PlanProblem::Percent => "err-plan-percent-sum",
        PlanProblem::Amounts => "err-plan-amount-sum",
        PlanProblem::NotPositive => "err-plan-positive",
    }
}

pub struct Draft {
    pub starts_on: Date,
    pub ends_on: Date,
    pub term_reason: String,
    pub plan: Vec<Planned>,
}

impl Procurement<'_> {
    /// Signs and publishes the contract (agreement for a programme) with a current winner.
    pub async fn sign(
        &self,
        c: &mut Conn,
        p: &Project,
        a: &Award,
        w: &Winner,
        d: &Draft,
        user: i64,
    ) -> AppResult<Result<i64, &'static str>> {
        let now = self.clock.now_ms();
        if p.status != crate::domain::project::Status::Awarded
            && p.status != crate::domain::project::Status::Contracted
            || w.status != crate::domain::award::WinnerStatus::Winner
        {
            return Ok(Err("err-contract-not-awarded"));
        }
        if contract_of_winner(c, w.id).await?.is_some() {
            return Ok(Err("err-contract-exists"));
        }
        if a.notice_end_at.is_some_and(|e| now < e) {
            return Ok(Err("err-contract-notice"));
        }
        let today = crate::domain::calendar::shanghai_date(self.clock.now());
        if !crate::delivery::signing_holds(c, p.id, p.round, today)
            .await?
            .is_empty()
        {
            return Ok(Err("err-contract-suspended"));
        }
        let kind = if p.kind == "programme" {
            "agreement"
        } else {
            "contract"
        };
        let reason = d.term_reason.trim();
        let counted = count_working_days(self, c, now, 7).await?;
        let filing_due = counted.end_ms;
        let id = kstore::insert_contract(
            c,
            &kstore::NewContract {
                project: p.id,
                award: a.id,
                winner: w.id,
                org: w.org_id,
                kind,
                amount_fen: w.amount_fen,
                starts_on: &iso_date(d.starts_on),
                ends_on: &iso_date(d.ends_on),
                term_reason: (!reason.is_empty()).then_some(reason),
                at: now,
                by: user,
                filing_due_at: filing_due,
            },
        )
        .await?;
        counted.record(c, DueClock::ContractFiling, id, now).await?;
        for (pos, (amount, condition, review)) in d.plan.iter().enumerate() {
            kstore::insert_installment(c, id, pos as i64 + 1, *amount, condition, review.as_ref())
                .await?;
        }
        let cal = self.calendars.exact(c).await?;
        let roll = crate::db::settings::snapshot(c, now)
            .await?
            .flag("calendar.roll.contract_signing")
            .unwrap_or(false);
        let open = kstore::winners_without_contract(c, a.id).await?;
        if open == 0 {
            store::advance(c, p, crate::domain::project::Action::Contract, now).await?;
        }
        store::add_event(
            c,
            p.id,
            p.round,
            "contract_signed",
            &json!({ "contract": id, "kind": kind, "org": w.org_name, "amount_fen": w.amount_fen,
                     "starts_on": iso_date(d.starts_on), "ends_on": iso_date(d.ends_on),
                     "installments": d.plan.len(), "late": a.notice_at.is_some_and(|n| now > sign_due(&cal, n, roll)) }),
            Some(user),
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "contract.signed",
            ("contract", id),
            json!({ "project": p.id, "amount_fen": w.amount_fen, "installments": d.plan.len() }),
        )
        .await?;
        for admin in Procurement::org_admins(c, w.org_id).await? {
            self.mail(
                c,
                admin,
                json!({ "event": "contract", "title": p.title, "number": p.number,
                        "link": format!("contracts/{id}") }),
            )
            .await?;
        }
        Ok(Ok(id))
    }

    /// Records the filing with the finance department, once, with its reference.
    pub async fn record_filing(
        &self,
        c: &mut Conn,
        k: &Contract,
        reference: &str,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        if k.filed_at.is_some() {
            return Ok(Err("err-filing-done"));
        }
        let reference = reference.trim();
        if !(2..=60).contains(&reference.chars().count()) {
            return Ok(Err("err-filing-ref"));
        }
        let now = self.clock.now_ms();
        // Compare-and-set: a filing recorded meanwhile (the caller's copy being older) wins.
        if kstore::set_filed(c, k.id, now, user, reference).await? != 1 {
            return Ok(Err("err-filing-done"));
        }
        store::add_event(
            c,
            k.project_id,
            k.round,
            "contract_filed",
            &json!({ "contract": k.id, "late": now > k.filing_due_at }),
            Some(user),
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "contract.filed",
            ("contract", k.id),
            json!({ "late": now > k.filing_due_at }),
        )
        .await?;
        Ok(Ok(()))
    }
}

/// A public event in the contract's project history and its audit entry.
pub struct Logged<'a> {
    pub kind: &'a str,
    pub data: serde_json::Value,
    pub action: &'a str,
    pub entity: (&'a str, i64),
    pub summary: serde_json::Value,
}

impl Procurement<'_> {
    /// Records a contract step: the public event (by `user`, now) and the audit entry.
    pub async fn log_contract(
        &self,
        c: &mut Conn,
        k: &Contract,
        user: i64,
        l: Logged<'_>,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        store::add_event(c, k.project_id, k.round, l.kind, &l.data, Some(user), now).await?;
        self.audit(c, Actor::User(UserId(user)), l.action, l.entity, l.summary)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn thirty_days_to_sign_roll_off_a_holiday_only_when_set() {
        let cal = match crate::domain::calendar::Calendar::built_in() {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let at = |t: time::OffsetDateTime| crate::platform::clock::to_ms(t);
        use time::macros::datetime;
        // Notice on Wednesday 2 December 2026, 10:00: 30 days end on Friday 1 January (元旦).
        let notice = at(datetime!(2026-12-02 10:00 +8));
        assert_eq!(
            sign_due(&cal, notice, false),
            at(datetime!(2027-01-01 10:00 +8))
        );
        assert_eq!(
            sign_due(&cal, notice, true),
            at(datetime!(2027-01-04 10:00 +8))
        );
        // From 1 December the 30 days end on Thursday 31 December: nothing to roll.
        let notice = at(datetime!(2026-12-01 10:00 +8));
        assert_eq!(
            sign_due(&cal, notice, true),
            at(datetime!(2026-12-31 10:00 +8))
        );
    }

    use super::*;
    use time::macros::date;

    fn line(v: &str, c: &str, r: &str) -> PlanLine {
        PlanLine {
            value: v.into(),
            condition: c.into(),
            review: r.into(),
        }
    }

    /// Issue #23 item 8: a plan could name a milestone (one character, or over 30) that the
    /// review form refuses, leaving its installment unpayable.
    #[test]
    fn a_plan_names_only_milestones_a_review_can_be_opened_at() {
        for name in ["中", &"评".repeat(31), "中期\u{7}"] {
            assert_eq!(
                check_plan(10_000, "amount", &[line("100", "review", name)]),
                Err("err-plan-review-name"),
                "{name}"
            );
        }
        let at = "评".repeat(30);
        for name in ["中期", at.as_str(), " 中期  评估 "] {
            let plan = check_plan(10_000, "amount", &[line("100", "review", name)]);
            let stored = plan.map(|p| p[0].2.clone());
            // The name stored is the name the review form makes of the same text.
            let review = Milestone::parse(name);
            assert_eq!(stored, Ok(review.ok()), "{name}");
        }
    }

    #[test]
    fn a_term_over_a_year_needs_its_reason_and_three_years_is_the_limit() {
        let s = date!(2027 - 01 - 01);
        assert_eq!(check_term(s, date!(2027 - 12 - 31), ""), Ok(()));
        assert_eq!(
            check_term(s, date!(2028 - 01 - 01), ""),
            Err("err-contract-term-reason")
        );
        assert_eq!(
            check_term(s, date!(2029 - 12 - 31), "连续服务的养老项目"),
            Ok(())
        );
        assert_eq!(
            check_term(s, date!(2030 - 01 - 01), "连续服务的养老项目"),
            Err("err-contract-term-3y")
        );
        assert_eq!(check_term(s, s, ""), Err("err-contract-term-order"));
    }

    #[test]
    fn percentages_round_to_the_fen_and_the_last_takes_the_remainder() {
        // ¥100,000.01 at 33.33%: 3,333,000.33 fen → 3,333,000; the last takes the rest.
        let plan = check_plan(
            10_000_001,
            "percent",
            &[
                line("33.33", "signing", ""),
                line("33.33", "review", "中期评估"),
                line("33.34", "acceptance", ""),
            ],
        )
        .unwrap_or_default();
        let amounts: Vec<i64> = plan.iter().map(|p| p.0).collect();
        assert_eq!(amounts, vec![3_333_000, 3_333_000, 3_334_001]);
        assert_eq!(amounts.iter().sum::<i64>(), 10_000_001);
        assert_eq!(plan[1].2.as_ref().map(Milestone::as_str), Some("中期评估"));
        assert_eq!(plan[0].2, None);
    }

    #[test]
    fn a_plan_must_add_up_exactly() {
        let l = |a: &str| line(a, "signing", "");
        assert_eq!(
            check_plan(10_000, "amount", &[l("50.00"), l("49.99")]),
            Err("err-plan-amount-sum")
        );
        assert!(check_plan(10_000, "amount", &[l("50.00"), l("50.00")]).is_ok());
        assert_eq!(
            check_plan(10_000, "percent", &[l("50"), l("49")]),
            Err("err-plan-percent-sum")
        );
        assert_eq!(
            check_plan(10_000, "percent", &[l("50.001"), l("49.999")]),
            Err("err-plan-percent-format")
        );
        assert_eq!(
            check_plan(10_000, "amount", &[line("100", "review", "")]),
            Err("err-plan-review-name")
        );
        assert_eq!(check_plan(10_000, "amount", &[]), Err("err-plan-empty"));
        // Absurd percentages are refused, never overflow.
        let huge = "79228162514264337593543950335";
        assert_eq!(
            check_plan(10_000, "percent", &[l(huge), l(huge)]),
            Err("err-plan-percent-sum")
        );
    }
}
