//! A contract's life through the delivery services: signed after the award notice and any
//! challenge, filed with the finance department, the first installment paid on signing, the
//! midterm deliverable filed and accepted, the midterm review by the third-party reviewer and
//! the second installment, final acceptance at the end of the term and the last installment.
//! Twists: a payment recorded in error and reversed, a termination by agreement, a review left
//! waiting for the reviewer. What lies after the loading day waits.

use super::buy::{Run, Stop, Twist};
use super::{refused, step, City};
use crate::delivery::contract::{by_id, PlanLine};
use crate::delivery::ledger::Payment;
use crate::platform::ids::UserId;
use crate::procurement::procedure::{SignRefusal, Term};
use crate::procurement::Procurement;
use crate::seed::DemoError;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use time::Duration;

const MIDTERM: &str = "中期评估";
/// Days of the term: one year less a few days (a year or more would need a reason).
const TERM_DAYS: i64 = 360;

fn line(value: &str, condition: &str, review: &str) -> PlanLine {
    PlanLine {
        value: value.into(),
        condition: condition.into(),
        review: review.into(),
    }
}

/// Signs on `day` (days back) with each winner (a programme funds several) and runs each
/// contract as far as the loading day.
pub async fn contract(city: &City, run: &Run, day: i64) -> Result<(), DemoError> {
    let winners: Vec<crate::db::awards::Winner> = {
        let mut c = city.state.db.acquire().await?;
        let p = super::buy::project(city, run.id).await?;
        let a = crate::procurement::award::award_of(&mut c, &p)
            .await
            .map_err(step("award"))?
            .ok_or_else(|| DemoError::Invalid(format!("no award on {}", run.number)))?;
        crate::procurement::award::winners(&mut c, a.id)
            .await
            .map_err(step("winners"))?
            .into_iter()
            .filter(|w| w.status == crate::domain::award::WinnerStatus::Winner)
            .collect()
    };
    if winners.is_empty() {
        return Err(DemoError::Invalid(format!("no winner on {}", run.number)));
    }
    for w in &winners {
        city.when(day, 10, 0).await;
        one(city, run, day, w).await?;
    }
    Ok(())
}

async fn one(
    city: &City,
    run: &Run,
    day: i64,
    winner: &crate::db::awards::Winner,
) -> Result<(), DemoError> {
    let lines = [
        line("30", "signing", ""),
        line("40", "review", MIDTERM),
        line("30", "acceptance", ""),
    ];
    // While a holiday keeps the award notice running, signing waits for the next day.
    let mut day = day;
    let k = loop {
        let starts_on = city.day(day - 8);
        let term = Term {
            starts_on,
            ends_on: starts_on + Duration::days(TERM_DAYS - 1),
            reason: String::new(),
        };
        let r = Procurement::of(&city.state)
            .sign_contract(
                run.id,
                Some(winner.id),
                "percent",
                &lines,
                Some(term),
                UserId(run.purchaser),
            )
            .await
            .map_err(step("signing"))?;
        match r {
            Ok(k) => break k,
            Err((_, SignRefusal::Step("err-contract-notice")))
                if city.when(day - 1, 10, 0).await =>
            {
                day -= 1;
            }
            Err((_, SignRefusal::Step("err-contract-notice"))) => return Ok(()),
            Err((_, r)) => {
                return Err(DemoError::Invalid(format!(
                    "signing {} refused: {r:?}",
                    run.number
                )))
            }
        }
    };
    let start = day - 8;
    city.count(|s| s.contracts += 1);
    if run.stop == Stop::File || !city.when(day - 2, 15, 0).await {
        return Ok(());
    }
    let reference = format!("甬财采备〔{}〕{}号", city.day(day - 2).year(), 200 + k);
    Procurement::of(&city.state)
        .file_contract(k, run.id, &reference, UserId(run.purchaser))
        .await
        .map_err(step("filing"))?
        .map_err(|(_, key)| refused("filing", key))?;
    let admin = city
        .orgs()
        .iter()
        .find(|o| o.id == winner.org_id)
        .map(|o| o.admin)
        .ok_or_else(|| DemoError::Invalid("winner's administrator".into()))?;
    // The first installment, ten days after signing (the newest contract's waits).
    if !city.when(day - 10, 14, 0).await || day < 60 {
        return Ok(());
    }
    pay(city, k, 1, "01").await?;
    if run.twist == Twist::Reversal {
        city.when(day - 11, 9, 30).await;
        let entry = last_entry(city, k).await?;
        let key = format!("city-{k}-1-reversal");
        Procurement::of(&city.state)
            .reverse_payment(
                k,
                entry,
                "凭证号录入错误，冲正后按正确凭证重新登记。",
                &key,
                city.staff("finance@demo.huoban.cn")?,
            )
            .await
            .map_err(step("reversal"))?
            .map_err(|key| refused("reversal", key))?;
        city.when(day - 11, 10, 0).await;
        pay(city, k, 1, "02").await?;
    }
    if run.twist == Twist::Terminated {
        if !city.when(start - 120, 10, 0).await {
            return Ok(());
        }
        let paid = paid(city, k).await?;
        Procurement::of(&city.state)
            .terminate(
                k,
                paid,
                "服务对象整体纳入市级统一项目，经双方协商一致解除合同，按已履行部分结算。",
                run.purchaser,
            )
            .await
            .map_err(step("termination"))?
            .map_err(|key| refused("termination", key))?;
        return Ok(());
    }
    // The midterm deliverable, accepted; the review by the third party.
    if !city.when(start - 170, 10, 0).await {
        return Ok(());
    }
    let contract = contract_row(city, k).await?;
    let svc = Procurement::of(&city.state);
    let d = svc
        .file_deliverable(
            &contract,
            MIDTERM,
            "deliverable",
            "中期服务报告：服务对象建档、服务频次、满意度回访和下一阶段计划，附服务台账。",
            &[],
            admin,
        )
        .await
        .map_err(step("deliverable"))?
        .map_err(|key| refused("deliverable", key))?;
    if !city.when(start - 174, 11, 0).await {
        return Ok(());
    }
    Procurement::of(&city.state)
        .decide_deliverable(&contract, d, true, "", run.purchaser)
        .await
        .map_err(step("deliverable decision"))?
        .map_err(|key| refused("deliverable decision", key))?;
    if !city.when(start - 180, 10, 0).await {
        return Ok(());
    }
    let reviewer = city.staff("reviewer@demo.huoban.cn")?;
    let review = Procurement::of(&city.state)
        .open_review(&contract, MIDTERM, reviewer, true, run.purchaser)
        .await
        .map_err(step("review"))?
        .map_err(|key| refused("review", key))?;
    // Satisfaction surveys for the beneficiaries: six links, five answered within the week.
    let r = review_row(city, review).await?;
    let tokens = Procurement::of(&city.state)
        .issue_surveys(&r, 6, reviewer)
        .await
        .map_err(step("surveys"))?
        .map_err(|key| refused("surveys", key))?;
    let questions = crate::domain::performance::Template::shipped()
        .questions
        .len();
    for (n, t) in tokens.iter().take(5).enumerate() {
        if !city
            .when(start - 181 - i64::try_from(n).unwrap_or(0), 19, 0)
            .await
        {
            return Ok(());
        }
        let answers: Vec<i64> = (0..questions).map(|_| 3 + city.below(3) as i64).collect();
        Procurement::of(&city.state)
            .answer_survey(t, &answers)
            .await
            .map_err(step("survey"))?
            .map_err(|key| refused("survey", key))?;
    }
    if run.twist == Twist::ReviewWaits || !city.when(start - 188, 16, 0).await {
        return Ok(());
    }
    let r = review_row(city, review).await?;
    let share = Decimal::new(80 + city.below(18) as i64, 2);
    let scores: BTreeMap<String, Decimal> = crate::domain::performance::Template::shipped()
        .items()
        .map(|i| (i.key.clone(), (Decimal::from(i.max) * share).round_dp(2)))
        .collect();
    Procurement::of(&city.state)
        .submit_review(&r, &scores, None, reviewer)
        .await
        .map_err(step("review sheet"))?
        .map_err(|key| refused("review sheet", key))?;
    if !city.when(start - 195, 14, 0).await {
        return Ok(());
    }
    pay(city, k, 2, "01").await?;
    // Final acceptance after the term, the last installment a fortnight later.
    let end = start - TERM_DAYS + 1;
    if !city.when(end - 3, 10, 0).await {
        return Ok(());
    }
    Procurement::of(&city.state)
        .accept_final(k, "", run.purchaser)
        .await
        .map_err(step("final acceptance"))?
        .map_err(|l| DemoError::Invalid(format!("final acceptance refused: {l:?}")))?;
    if !city.when(end - 15, 14, 0).await {
        return Ok(());
    }
    pay(city, k, 3, "01").await
}

async fn review_row(
    city: &City,
    id: i64,
) -> Result<crate::delivery::store::reviews::Review, DemoError> {
    let mut c = city.state.db.acquire().await?;
    crate::delivery::store::reviews::by_id(&mut c, id)
        .await
        .map_err(step("review"))?
        .ok_or_else(|| DemoError::Invalid(format!("review {id}")))
}

async fn contract_row(
    city: &City,
    k: i64,
) -> Result<crate::delivery::contract::Contract, DemoError> {
    let mut c = city.state.db.acquire().await?;
    by_id(&mut c, k)
        .await
        .map_err(step("contract"))?
        .ok_or_else(|| DemoError::Invalid(format!("contract {k}")))
}

/// The finance officer pays installment `pos` in full.
async fn pay(city: &City, k: i64, pos: i64, n: &str) -> Result<(), DemoError> {
    let amount: i64 = {
        let mut c = city.state.db.acquire().await?;
        sqlx::query_scalar(
            "SELECT amount_fen FROM installments WHERE contract_id = $1 AND pos = $2",
        )
        .bind(k)
        .bind(pos)
        .fetch_one(&mut *c)
        .await?
    };
    let today = super::beijing_day(city.state.clock.now());
    let voucher = format!("记-{}-{:04}{pos}{n}", today.year(), k);
    let key = format!("city-{k}-{pos}-{n}");
    Procurement::of(&city.state)
        .record_payment(
            &Payment {
                contract: k,
                installment: pos,
                amount_fen: amount,
                value_date: today,
                voucher_no: &voucher,
                payee_account: "3301 0000 0000 1234 5678",
                invoice_no: &format!("3302{:08}", k * 10 + pos),
                approved_by: city.staff("purchaser@demo.huoban.cn")?,
                key: &key,
            },
            city.staff("finance@demo.huoban.cn")?,
            30,
        )
        .await
        .map_err(step("payment"))?
        .map_err(|r| DemoError::Invalid(format!("payment {k}/{pos} refused: {r:?}")))?;
    Ok(())
}

async fn last_entry(city: &City, k: i64) -> Result<i64, DemoError> {
    let mut c = city.state.db.acquire().await?;
    Ok(
        sqlx::query_scalar("SELECT MAX(id) FROM ledger_entries WHERE contract_id = $1")
            .bind(k)
            .fetch_one(&mut *c)
            .await?,
    )
}

async fn paid(city: &City, k: i64) -> Result<i64, DemoError> {
    let mut c = city.state.db.acquire().await?;
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM ledger_entries WHERE contract_id = $1",
    )
    .bind(k)
    .fetch_one(&mut *c)
    .await?)
}
