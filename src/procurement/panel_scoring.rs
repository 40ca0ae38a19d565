//! Panel scoring (DOMAIN §5): a seated panelist declares no conflict (or recuses), then scores
//! each technical criterion of each valid bid within its maximum, independently (no page shows
//! a panelist anyone else's scores before the report), and submits once. The evaluation report
//! — complete when every seated panelist has submitted — has per criterion the mean over the
//! panel, the price score by the formula, totals, and the ranking: total, price, the grade in
//! force at the deadline when the project published the priority "under equal conditions",
//! the published tie rule, and last a draw whose seed is drawn when the last panelist submits
//! (issue 22, item 1), plus every panelist's scores.

use crate::db::projects::{self as store, Project};
use crate::db::Conn;
use crate::domain::award::{self, Decider, TieOrder, TieRule};
use crate::platform::error::AppResult;
use crate::procurement::panel::{panel_of, Panel};
use crate::procurement::review;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

/// One panelist's scores of one bid, in criterion order.
pub type BidScores = (i64, Vec<Decimal>);

/// A seat: the panel member row with its project.
#[derive(Debug, Clone, Serialize)]
pub struct Seat {
    pub member: i64,
    pub user_id: i64,
    pub status: crate::domain::award::SeatStatus,
    pub declared_at: Option<i64>,
    pub submitted_at: Option<i64>,
    pub project_id: i64,
}

pub async fn seat(c: &mut Conn, member: i64) -> AppResult<Option<Seat>> {
    let row = crate::db::panel::seat(c, member).await?;
    row.map(
        |(member, user_id, status, declared_at, submitted_at, project_id)| {
            Ok(Seat {
                member,
                user_id,
                status: crate::domain::award::SeatStatus::parse(&status).ok_or_else(|| {
                    crate::platform::error::AppError::Internal(format!("seat status {status:?}"))
                })?,
                declared_at,
                submitted_at,
                project_id,
            })
        },
    )
    .transpose()
}

/// The user's seats on panels, newest first (for the expert's list).
pub async fn seats_of(c: &mut Conn, user: i64) -> AppResult<Vec<(i64, String, String, String)>> {
    Ok(crate::db::panel::seats_of(c, user).await?)
}

/// The member's own scores: (bid, criterion position) → hundredths.
pub async fn own_scores(c: &mut Conn, member: i64) -> AppResult<HashMap<(i64, i64), i64>> {
    let rows = crate::db::panel::scores_of(c, member).await?;
    Ok(rows.into_iter().map(|(b, p, v)| ((b, p), v)).collect())
}

/// The bids the panel scores: those that passed the qualification review and the price check,
/// less any the panel rejected for an abnormally low price (87号令 art. 60).
pub async fn valid_bids(c: &mut Conn, p: &Project) -> AppResult<Vec<review::Row>> {
    let rejected = crate::procurement::low_price::rejected_bids(c, p).await?;
    Ok(review::rows(c, p)
        .await?
        .into_iter()
        .filter(|r| r.price_ok && r.qualified == Some(true) && r.compliant == Some(true))
        .filter(|r| !rejected.contains(&r.bid.bid_id))
        .collect())
}

/// The bids the panel checks for compliance: qualified and within the price limits.
pub async fn qualified_bids(c: &mut Conn, p: &Project) -> AppResult<Vec<review::Row>> {
    Ok(review::rows(c, p)
        .await?
        .into_iter()
        .filter(|r| r.price_ok && r.qualified == Some(true))
        .collect())
}

/// A consultation's opened final quotes for the round: organization → price (None before the
/// final quotes are opened). Other methods score the opened responses' prices.
pub async fn final_quotes(c: &mut Conn, p: &Project) -> AppResult<Option<HashMap<i64, i64>>> {
    let Some(o) = crate::db::bids::openings(c, p.id)
        .await?
        .into_iter()
        .find(|o| {
            o.round == p.round
                && o.envelope == "final"
                && o.outcome == crate::domain::procurement::OpeningOutcome::Opened
        })
    else {
        return Ok(None);
    };
    Ok(Some(
        crate::db::bids::opened(c, o.id)
            .await?
            .into_iter()
            .map(|b| (b.org_id, b.price_fen))
            .collect(),
    ))
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub rank: usize,
    pub bid_id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// The bid price (the amount an award is made at).
    pub price_fen: i64,
    /// The price the score is computed from: the bid price less the small-enterprise
    /// deduction, when one applies.
    pub evaluated_fen: i64,
    pub deduction_pct: Option<i64>,
    /// The accepted size declaration.
    pub sme: Option<String>,
    pub price_score: Decimal,
    pub technical: Vec<Decimal>,
    pub total: Decimal,
    /// The grade in force at the deadline, when the project published the grade priority.
    pub grade: Option<String>,
    /// What separated this place from the next when their totals were equal.
    pub decided: Option<Decider>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub complete: bool,
    /// A consultation whose final quotes are not opened yet: no ranking.
    pub awaiting_final: bool,
    /// Valid responses left out of the ranking: no final quote, or a final quote above the
    /// budget or the maximum price (organization name, reason key).
    pub left_out: Vec<(String, &'static str)>,
    pub drawn: bool,
    /// The seed the ranking's draw used: drawn when the last panelist submitted; a panel
    /// completed before that existed used the panel draw's seed (`legacy_seed`).
    pub seed: String,
    pub seed_at: Option<i64>,
    pub legacy_seed: bool,
    /// The project published the priority of the higher grade "under equal conditions".
    pub grade_priority: bool,
    /// The small-enterprise price deduction in force at the notice (percent).
    pub sme_pct: i64,
    pub rows: Vec<ReportRow>,
    /// The abnormally-low-price queries of the round and their outcomes.
    pub low_prices: Vec<crate::procurement::low_price::View>,
    /// Each seated panelist's name and scores per bid (in criterion order).
    pub panelists: Vec<(String, Vec<BidScores>)>,
}

pub async fn report(c: &mut Conn, p: &Project) -> AppResult<Option<Report>> {
    let Some(panel): Option<Panel> = panel_of(c, p).await? else {
        return Ok(None);
    };
    let seated: Vec<_> = panel
        .members
        .iter()
        .filter(|m| m.status == crate::domain::award::SeatStatus::Seated)
        .cloned()
        .collect();
    let mut complete = !seated.is_empty();
    let criteria = store::criteria(c, p.id).await?;
    let bids = valid_bids(c, p).await?;
    let mut panelists = Vec::new();
    let mut all: HashMap<(i64, i64), Vec<Decimal>> = HashMap::new();
    for m in &seated {
        let s = seat(c, m.id).await?;
        complete &= s.is_some_and(|s| s.submitted_at.is_some());
        let own = own_scores(c, m.id).await?;
        let mut per_bid = Vec::new();
        for b in &bids {
            let mut line = Vec::new();
            for pos in 0..criteria.len() as i64 {
                let v = Decimal::new(own.get(&(b.bid.bid_id, pos)).copied().unwrap_or(0), 2);
                all.entry((b.bid.bid_id, pos)).or_default().push(v);
                line.push(v);
            }
            per_bid.push((b.bid.bid_id, line));
        }
        panelists.push((m.name.clone(), per_bid));
    }
    // A consultation ranks the sealed final quotes (DOMAIN §5): a bidder without one, or with
    // one above the budget or maximum price, drops out; before they are opened nothing ranks.
    let finals = if p.method == "consultation" {
        Some(final_quotes(c, p).await?)
    } else {
        None
    };
    let awaiting_final = matches!(finals, Some(None));
    if awaiting_final {
        complete = false;
    }
    let mut left_out = Vec::new();
    // An open low-price query holds the ranking; a bid rejected for its price leaves it.
    // (Open means undecided; a late answer is closed by the job, so no clock is needed here.)
    let low_prices = crate::procurement::low_price::queries(c, p, 0).await?;
    if low_prices.iter().any(|q| q.open) {
        complete = false;
    }
    for q in low_prices.iter().filter(|q| {
        q.q.outcome
            .as_deref()
            .and_then(award::LowPriceOutcome::parse)
            .is_some_and(award::LowPriceOutcome::invalid)
    }) {
        left_out.push((q.org_name.clone(), "lowprice-left-out"));
    }
    let mut priced = Vec::new();
    for b in &bids {
        match &finals {
            None => priced.push((b, b.bid.price_fen)),
            Some(None) => {}
            Some(Some(f)) => match f.get(&b.bid.org_id) {
                None => left_out.push((b.bid.org_name.clone(), "report-no-final")),
                Some(&q) if !review::price_ok(p, q) => {
                    left_out.push((b.bid.org_name.clone(), "review-over-budget"))
                }
                Some(&q) => priced.push((b, q)),
            },
        }
    }
    // Small and micro enterprises whose declaration the purchaser accepted are evaluated at
    // their price less the deduction in force at the notice (财库〔2020〕46号 art. 9, range
    // raised by 财库〔2022〕19号); the award stays at the bid price.
    let sme_pct = crate::db::settings::snapshot(c, p.notice_at.unwrap_or(0))
        .await?
        .int("procurement.sme_price_deduction_pct")
        .unwrap_or(10);
    let mut quoted: HashMap<i64, (i64, Option<i64>)> = HashMap::new();
    for (b, price) in priced.iter_mut() {
        let deducted = b.sme_ok == Some(true)
            && b.bid
                .sme
                .as_deref()
                .and_then(award::EnterpriseSize::parse)
                .is_some_and(award::EnterpriseSize::deducted);
        quoted.insert(b.bid.bid_id, (*price, deducted.then_some(sme_pct)));
        if deducted {
            *price = award::evaluated_price(*price, sme_pct);
        }
    }
    let input: Vec<(i64, i64, Vec<Decimal>)> = priced
        .iter()
        .map(|(b, price)| {
            let technical = (0..criteria.len() as i64)
                .map(|pos| {
                    all.get(&(b.bid.bid_id, pos))
                        .and_then(|v| award::criterion_score(v))
                        .unwrap_or(Decimal::ZERO)
                })
                .collect();
            (b.bid.bid_id, *price, technical)
        })
        .collect();
    let grade_priority = crate::domain::procurement::GradeUse::parse(&p.grade_use)
        == Some(crate::domain::procurement::GradeUse::EqualConditions);
    // The grade "in force at the deadline": the bidders' standing when the bids closed.
    let on = crate::domain::calendar::iso_date(crate::domain::calendar::shanghai_date(
        crate::procurement::from_ms(p.deadline_at.unwrap_or(0)),
    ));
    let mut grades: HashMap<i64, Option<crate::domain::evaluation::Grade>> = HashMap::new();
    if grade_priority {
        for (b, _) in &priced {
            let held = crate::db::bidders::grades_as_of(c, b.bid.org_id, &on).await?;
            let best = held
                .iter()
                .filter_map(|g| crate::domain::evaluation::Grade::parse(g))
                .max();
            grades.insert(b.bid.bid_id, best);
        }
    }
    let drawn_seed = crate::db::panel::rank_seed(c, panel.id).await?;
    let legacy_seed = drawn_seed.is_none() && complete;
    let (seed_text, seed_at) = match drawn_seed {
        Some((s, at)) => (s, Some(at)),
        None => (panel.seed.clone(), None),
    };
    let seed: u64 = seed_text.parse().unwrap_or(0);
    let mut scored = award::score_all(p.price_weight_pct, &input);
    for s in &mut scored {
        s.grade = award::priority_level(grades.get(&s.bid).copied().flatten());
    }
    let order = TieOrder {
        grade_priority,
        rule: TieRule::parse(&p.tie_rule),
    };
    let ranking = award::rank(scored, order, seed);
    let drawn = ranking.drawn();
    let names: HashMap<i64, (i64, String, Option<String>)> = bids
        .iter()
        .map(|b| {
            let sme = b.bid.sme.clone().filter(|_| b.sme_ok == Some(true));
            (b.bid.bid_id, (b.bid.org_id, b.bid.org_name.clone(), sme))
        })
        .collect();
    let rows = ranking
        .rows
        .into_iter()
        .zip(ranking.decided)
        .enumerate()
        .map(|(i, (s, decided))| ReportRow {
            rank: i + 1,
            bid_id: s.bid,
            org_id: names.get(&s.bid).map(|n| n.0).unwrap_or_default(),
            org_name: names.get(&s.bid).map(|n| n.1.clone()).unwrap_or_default(),
            price_fen: quoted.get(&s.bid).map_or(s.price_fen, |q| q.0),
            evaluated_fen: s.price_fen,
            deduction_pct: quoted.get(&s.bid).and_then(|q| q.1),
            sme: names.get(&s.bid).and_then(|n| n.2.clone()),
            price_score: s.price_score,
            total: s.total(),
            grade: grades
                .get(&s.bid)
                .copied()
                .flatten()
                .map(|g| g.code().to_string()),
            decided,
            technical: s.technical,
        })
        .collect();
    Ok(Some(Report {
        complete,
        awaiting_final,
        left_out,
        drawn,
        seed: seed_text,
        seed_at,
        legacy_seed,
        grade_priority,
        sme_pct,
        low_prices,
        rows,
        panelists,
    }))
}
