//! Comprehensive scoring, ranking, the panel draw and installment plans (DOMAIN §5, issue 7's
//! pure rules). Amounts are fen (`i64`), scores are `Decimal` rounded half-up to 2 places at
//! every component; draws are reproducible from a recorded seed.

use rust_decimal::{Decimal, RoundingStrategy};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;

/// Half-up to 2 decimal places, as every score component is rounded.
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The price score: base price ÷ bid price × w × 100, w in percent (so × `w_pct`), rounded.
/// `None` for a price of zero or less.
pub fn price_score(base_fen: i64, bid_fen: i64, w_pct: i64) -> Option<Decimal> {
    if bid_fen <= 0 || base_fen <= 0 {
        return None;
    }
    let raw = Decimal::from(base_fen)
        .checked_mul(Decimal::from(w_pct))?
        .checked_div(Decimal::from(bid_fen))?;
    Some(round2(raw))
}

/// An enterprise's size as its 中小企业声明函 declares it (政府采购促进中小企业发展管理办法,
/// 财库〔2020〕46号, art. 2: medium, small and micro enterprises by the State Council's size
/// standards; other suppliers — social organizations, public institutions — are not enterprises
/// and declare nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnterpriseSize {
    Medium,
    Small,
    Micro,
}

codes!(EnterpriseSize {
    Medium => "medium",
    Small => "small",
    Micro => "micro",
});

impl EnterpriseSize {
    /// Whether the price deduction applies: small and micro enterprises only (46号 art. 9).
    pub fn deducted(self) -> bool {
        matches!(self, EnterpriseSize::Small | EnterpriseSize::Micro)
    }
}

/// The price a small or micro enterprise's bid is evaluated at: the bid price less `pct`
/// percent, rounded half-up to the fen (46号 art. 9, "用扣除后的价格参加评审"; the range for
/// goods and services raised to 10–20 % by 财库〔2022〕19号). The bid price stays the amount
/// of the award.
pub fn evaluated_price(price_fen: i64, pct: i64) -> i64 {
    let kept = Decimal::from(price_fen) * Decimal::from(100 - pct) / Decimal::from(100);
    kept.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .try_into()
        .unwrap_or(price_fen)
}

/// The technical score of one criterion: the mean of the panelists' scores, rounded.
pub fn criterion_score(scores: &[Decimal]) -> Option<Decimal> {
    if scores.is_empty() {
        return None;
    }
    let sum: Decimal = scores.iter().sum();
    Some(round2(sum / Decimal::from(scores.len() as i64)))
}

/// A valid bid as the ranking sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub bid: i64,
    /// The price the bid is evaluated at (after any small-enterprise deduction).
    pub price_fen: i64,
    pub price_score: Decimal,
    /// The rounded technical components, one per criterion.
    pub technical: Vec<Decimal>,
    /// The bidder's highest grade in force at the deadline (5 for 5A … 1 for 1A, 0 none);
    /// compared only when the project published the grade priority.
    pub grade: u8,
}

impl Scored {
    pub fn technical_total(&self) -> Decimal {
        self.technical.iter().sum()
    }

    /// The sum of the rounded components.
    pub fn total(&self) -> Decimal {
        self.price_score + self.technical_total()
    }
}

/// Builds the scored bids: the lowest valid price is the base price. Grades start at none.
pub fn score_all(w_pct: i64, bids: &[(i64, i64, Vec<Decimal>)]) -> Vec<Scored> {
    let Some(base) = bids.iter().map(|b| b.1).filter(|p| *p > 0).min() else {
        return Vec::new();
    };
    bids.iter()
        .filter_map(|(bid, price, technical)| {
            Some(Scored {
                bid: *bid,
                price_fen: *price,
                price_score: price_score(base, *price, w_pct)?,
                technical: technical.clone(),
                grade: 0,
            })
        })
        .collect()
}

/// The level a grade gives in the priority "under equal conditions": 3A and above (民政部令
/// 39 art. 29 and DOMAIN §4: 3A+ get priority in government purchase of services "同等条件下
/// 优先"), the higher grade first; below 3A, or no grade, gives none (0).
pub fn priority_level(grade: Option<crate::domain::evaluation::Grade>) -> u8 {
    use crate::domain::evaluation::Grade;
    match grade {
        Some(g) if g.certified() => match g {
            Grade::A5 => 5,
            Grade::A4 => 4,
            _ => 3,
        },
        _ => 0,
    }
}

/// How ties on total and price are broken after the grade priority (the rule the project
/// published; 87号令 art. 68: the method the documents state, else a random draw).
///
/// The "higher technical score" rule of old projects (stored as `technical`) could never
/// decide: equal totals and equal prices give equal price scores and so equal technical
/// totals. Such a project's stored value still reads, as the draw it always was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieRule {
    /// A random draw whose seed is recorded.
    Random,
    /// The higher score on each technical criterion in its published order (the first
    /// criterion first), then the draw: equal technical totals may still differ here.
    Criteria,
}

impl TieRule {
    pub fn parse(s: &str) -> TieRule {
        if s == "criteria" {
            TieRule::Criteria
        } else {
            TieRule::Random
        }
    }
}

/// What separated a place from the next one when their totals were equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decider {
    /// The lower evaluated price (87号令 art. 55).
    Price,
    /// The higher grade in force at the deadline ("under equal conditions", DOMAIN §4).
    Grade,
    /// The published criteria rule.
    Criteria,
    /// The recorded draw.
    Draw,
}

/// The order after the totals: price, then (when published) the grade, then the tie rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TieOrder {
    pub grade_priority: bool,
    pub rule: TieRule,
}

/// The draw's key for one item: SHA-256 of the seed and the item id. Sorting by it is the
/// same shuffle every time the seed is replayed.
pub fn draw_key(seed: u64, id: i64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed.to_be_bytes());
    h.update(id.to_be_bytes());
    h.finalize().into()
}

/// Compares two bids on everything before the draw; the first step that differs.
fn before_draw(a: &Scored, b: &Scored, order: TieOrder) -> (Ordering, Option<Decider>) {
    let total = b.total().cmp(&a.total());
    if total != Ordering::Equal {
        return (total, None);
    }
    // 87号令 art. 55: equal totals rank by the lower price.
    let price = a.price_fen.cmp(&b.price_fen);
    if price != Ordering::Equal {
        return (price, Some(Decider::Price));
    }
    // 同等条件下优先 (DOMAIN §4): the published grade priority decides before the tie rule.
    if order.grade_priority {
        let grade = b.grade.cmp(&a.grade);
        if grade != Ordering::Equal {
            return (grade, Some(Decider::Grade));
        }
    }
    if order.rule == TieRule::Criteria {
        let criteria = b.technical.cmp(&a.technical);
        if criteria != Ordering::Equal {
            return (criteria, Some(Decider::Criteria));
        }
    }
    (Ordering::Equal, Some(Decider::Draw))
}

/// A ranking: the bids in rank order, and for each place what separated it from the next
/// one when their totals were equal (`None`: a higher total, or the last place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranking {
    pub rows: Vec<Scored>,
    pub decided: Vec<Option<Decider>>,
}

impl Ranking {
    /// Whether the draw decided any place.
    pub fn drawn(&self) -> bool {
        self.decided.contains(&Some(Decider::Draw))
    }
}

/// Ranks by total (higher first), then price (lower first), then the grade when the project
/// published the grade priority, then the tie rule, then the draw with `seed` (87号令 arts.
/// 55 and 68).
pub fn rank(mut scored: Vec<Scored>, order: TieOrder, seed: u64) -> Ranking {
    scored.sort_by(|a, b| before_draw(a, b, order).0);
    // The draw decides among bids still equal on everything before it.
    let mut i = 0;
    while i < scored.len() {
        let mut j = i + 1;
        while j < scored.len() && before_draw(&scored[i], &scored[j], order).0 == Ordering::Equal {
            j += 1;
        }
        if j - i > 1 {
            scored[i..j].sort_by_key(|s| draw_key(seed, s.bid));
        }
        i = j;
    }
    let decided = (0..scored.len())
        .map(|i| {
            scored
                .get(i + 1)
                .and_then(|next| before_draw(&scored[i], next, order).1)
        })
        .collect();
    Ranking {
        rows: scored,
        decided,
    }
}

/// A panel: its size and how many seats the purchaser's representatives take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelProblem {
    /// The size must be odd and at least the method's minimum.
    Size { minimum: usize },
    /// Purchaser representatives at most one third.
    Representatives { most: usize },
    /// Not enough candidates left after the exclusions.
    Candidates { needed: usize, available: usize },
}

/// The smallest panel (87号令 art. 47; DOMAIN §5): odd and at least 5 for a tender (open or
/// invited), at least 7 when the budget reaches `seven_from_fen` ("采购预算金额在1000万元以上")
/// or the project is technically complex ("技术复杂"); at least 3 otherwise.
pub fn panel_minimum(
    tender: bool,
    budget_fen: i64,
    seven_from_fen: i64,
    technically_complex: bool,
) -> usize {
    match (tender, budget_fen >= seven_from_fen || technically_complex) {
        (true, true) => 7,
        (true, false) => 5,
        (false, _) => 3,
    }
}

pub fn panel_problem(size: usize, minimum: usize, representatives: usize) -> Option<PanelProblem> {
    if size < minimum || size.is_multiple_of(2) {
        return Some(PanelProblem::Size { minimum });
    }
    if representatives * 3 > size {
        return Some(PanelProblem::Representatives { most: size / 3 });
    }
    None
}

/// Draws `n` experts from the candidates not excluded, in the seed's order.
pub fn draw_panel(
    candidates: &[i64],
    excluded: &[i64],
    n: usize,
    seed: u64,
) -> Result<Vec<i64>, PanelProblem> {
    let mut pool: Vec<i64> = candidates
        .iter()
        .copied()
        .filter(|c| !excluded.contains(c))
        .collect();
    pool.sort();
    pool.dedup();
    if pool.len() < n {
        return Err(PanelProblem::Candidates {
            needed: n,
            available: pool.len(),
        });
    }
    pool.sort_by_key(|c| draw_key(seed, *c));
    pool.truncate(n);
    Ok(pool)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanProblem {
    Empty,
    /// Percentages must add up to exactly 100.
    Percent,
    /// Amounts must add up to exactly the contract amount.
    Amounts,
    NotPositive,
}

/// Installment amounts from percentages (each rounded half-up to the fen, the last taking the
/// remainder), adding up exactly to `total_fen`.
pub fn plan_from_percentages(total_fen: i64, pcts: &[Decimal]) -> Result<Vec<i64>, PlanProblem> {
    if pcts.is_empty() {
        return Err(PlanProblem::Empty);
    }
    if pcts.iter().any(|p| *p <= Decimal::ZERO) {
        return Err(PlanProblem::NotPositive);
    }
    let sum = pcts
        .iter()
        .try_fold(Decimal::ZERO, |a, p| a.checked_add(*p));
    if sum != Some(Decimal::from(100)) {
        return Err(PlanProblem::Percent);
    }
    let total = Decimal::from(total_fen);
    let mut out = Vec::with_capacity(pcts.len());
    let mut given = 0i64;
    for p in &pcts[..pcts.len() - 1] {
        let fen: i64 = (total * p / Decimal::from(100))
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .try_into()
            .map_err(|_| PlanProblem::Amounts)?;
        given += fen;
        out.push(fen);
    }
    let last = total_fen - given;
    if last <= 0 {
        return Err(PlanProblem::NotPositive);
    }
    out.push(last);
    Ok(out)
}

/// Checks a plan given in amounts.
pub fn check_amounts(total_fen: i64, amounts: &[i64]) -> Result<(), PlanProblem> {
    if amounts.is_empty() {
        return Err(PlanProblem::Empty);
    }
    if amounts.iter().any(|a| *a <= 0) {
        return Err(PlanProblem::NotPositive);
    }
    if amounts.iter().sum::<i64>() != total_fen {
        return Err(PlanProblem::Amounts);
    }
    Ok(())
}

#[cfg(test)]
// Amounts in fen are written yuan_fen (300_000_00 is ¥300,000.00).
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn price_scores_worked_by_hand() {
        // w = 30%: the base price scores the full 30; twice the base scores 15.
        assert_eq!(price_score(300_000_00, 300_000_00, 30), Some(d("30")));
        assert_eq!(price_score(300_000_00, 600_000_00, 30), Some(d("15")));
        // 100/300 × 30 = 10 exactly; 100/301 × 30 = 9.96677… → 9.97; 200/3 × 10 / 100 …
        assert_eq!(price_score(100, 300, 30), Some(d("10")));
        assert_eq!(price_score(100, 301, 30), Some(d("9.97")));
        // 1/3 × 10 = 3.333… → 3.33; 2/3 × 10 = 6.666… → 6.67; a midpoint 0.125 → 0.13.
        assert_eq!(price_score(1, 3, 10), Some(d("3.33")));
        assert_eq!(price_score(2, 3, 10), Some(d("6.67")));
        assert_eq!(price_score(1, 80, 10), Some(d("0.13")));
        assert_eq!(price_score(100, 0, 30), None);
    }

    #[test]
    fn a_small_enterprise_is_evaluated_at_its_price_less_the_deduction_to_the_fen() {
        // ¥380,000.00 less 10 % is ¥342,000.00; less 20 % ¥304,000.00.
        assert_eq!(evaluated_price(380_000_00, 10), 342_000_00);
        assert_eq!(evaluated_price(380_000_00, 20), 304_000_00);
        // ¥333,333.33 less 10 %: 29,999,999.7 fen → 30,000,000 (half-up to the fen).
        assert_eq!(evaluated_price(333_333_33, 10), 300_000_00);
        // ¥0.05 less 10 %: 4.5 fen → 5; ¥0.15 less 10 %: 13.5 → 14.
        assert_eq!(evaluated_price(5, 10), 5);
        assert_eq!(evaluated_price(15, 10), 14);
        assert_eq!(evaluated_price(380_000_00, 0), 380_000_00);
        assert!(EnterpriseSize::Micro.deducted() && EnterpriseSize::Small.deducted());
        assert!(!EnterpriseSize::Medium.deducted());
        for s in EnterpriseSize::ALL {
            assert_eq!(EnterpriseSize::parse(s.code()), Some(*s));
        }
    }

    #[test]
    fn means_and_totals_round_each_component() {
        assert_eq!(
            criterion_score(&[d("30"), d("31"), d("31")]),
            Some(d("30.67"))
        );
        assert_eq!(criterion_score(&[d("10.005")]), Some(d("10.01")));
        let s = score_all(
            30,
            &[
                (1, 300, vec![d("30.67"), d("20.33")]),
                (2, 600, vec![d("35"), d("25")]),
            ],
        );
        assert_eq!(s[0].total(), d("81.00"));
        assert_eq!(s[1].price_score, d("15"));
        assert_eq!(s[1].total(), d("75"));
    }

    fn t(bid: i64, price: i64, tech: &[&str], grade: u8) -> Scored {
        Scored {
            bid,
            price_fen: price,
            price_score: d("0"),
            technical: tech.iter().map(|x| d(x)).collect(),
            grade,
        }
    }

    const RANDOM: TieOrder = TieOrder {
        grade_priority: false,
        rule: TieRule::Random,
    };

    fn orders(bids: &[Scored], order: TieOrder) -> std::collections::HashSet<Vec<i64>> {
        (0..64)
            .map(|seed| {
                rank(bids.to_vec(), order, seed)
                    .rows
                    .iter()
                    .map(|s| s.bid)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_three_way_tie_goes_to_price_then_the_recorded_draw() {
        // Equal totals; bid 9 is cheaper and ranks first; 7 and 8 are equal on everything.
        let bids = vec![
            t(7, 500, &["80"], 0),
            t(8, 500, &["80"], 0),
            t(9, 400, &["80"], 0),
        ];
        let a = rank(bids.clone(), RANDOM, 42);
        assert!(a.drawn());
        assert_eq!(a.rows[0].bid, 9);
        assert_eq!(a.decided[0], Some(Decider::Price));
        assert_eq!(a.decided[1], Some(Decider::Draw));
        assert_eq!(a.decided[2], None);
        assert_eq!(
            a,
            rank(bids.clone(), RANDOM, 42),
            "the same seed gives the same order"
        );
        assert_eq!(
            orders(&bids, RANDOM).len(),
            2,
            "the draw decides between 7 and 8 only"
        );
    }

    #[test]
    fn under_equal_conditions_the_higher_grade_ranks_first_before_any_draw() {
        // Issue 22, item 1: equal total and price; 8 holds 4A, 7 holds 3A at the deadline.
        let bids = vec![t(7, 500, &["80"], 3), t(8, 500, &["80"], 4)];
        let priority = TieOrder {
            grade_priority: true,
            rule: TieRule::Random,
        };
        let o = orders(&bids, priority);
        assert_eq!(o.len(), 1, "no seed changes the order");
        assert!(o.contains(&vec![8, 7]));
        let r = rank(bids.clone(), priority, 0);
        assert_eq!(r.decided[0], Some(Decider::Grade));
        assert!(!r.drawn());
        // Without the published priority the grade is not compared: the draw decides.
        assert_eq!(orders(&bids, RANDOM).len(), 2);
        // One grade apart is enough; equal grades go on to the draw.
        let same = vec![t(7, 500, &["80"], 4), t(8, 500, &["80"], 4)];
        assert_eq!(orders(&same, priority).len(), 2);
        // The grade never beats the price: the cheaper 3A bid ranks above the 5A bid.
        let cheaper = vec![t(7, 499, &["80"], 3), t(8, 500, &["80"], 5)];
        let r = rank(cheaper, priority, 0);
        assert_eq!(r.rows[0].bid, 7);
        assert_eq!(r.decided[0], Some(Decider::Price));
        // Only 3A and above carry the priority: 2A against no grade is a draw.
        use crate::domain::evaluation::Grade;
        assert_eq!(priority_level(Some(Grade::A2)), priority_level(None));
        assert_eq!(priority_level(Some(Grade::A3)), 3);
        assert!(priority_level(Some(Grade::A5)) > priority_level(Some(Grade::A4)));
        // Nor the total: 0.01 more points outrank any grade.
        let more = vec![t(7, 500, &["80.01"], 0), t(8, 500, &["80"], 5)];
        let r = rank(more, priority, 0);
        assert_eq!(r.rows[0].bid, 7);
        assert_eq!(r.decided[0], None);
    }

    #[test]
    fn the_criteria_rule_decides_equal_technical_totals_in_published_order() {
        // Equal totals (70) and prices: 2 scores more on the first criterion.
        let bids = vec![
            t(1, 500, &["39.99", "30.01"], 0),
            t(2, 500, &["40", "30"], 0),
        ];
        let criteria = TieOrder {
            grade_priority: false,
            rule: TieRule::Criteria,
        };
        let o = orders(&bids, criteria);
        assert_eq!(o.len(), 1);
        assert!(o.contains(&vec![2, 1]));
        assert_eq!(
            rank(bids.clone(), criteria, 0).decided[0],
            Some(Decider::Criteria)
        );
        // The grade priority comes before the published rule.
        let graded = vec![
            t(1, 500, &["39.99", "30.01"], 2),
            t(2, 500, &["40", "30"], 1),
        ];
        let both = TieOrder {
            grade_priority: true,
            rule: TieRule::Criteria,
        };
        assert_eq!(rank(graded, both, 0).rows[0].bid, 1);
        // Equal on every criterion: the draw.
        let equal = vec![t(1, 500, &["40", "30"], 0), t(2, 500, &["40", "30"], 0)];
        assert_eq!(orders(&equal, criteria).len(), 2);
        // The old "technical" rule reads as the draw it always was.
        assert_eq!(TieRule::parse("technical"), TieRule::Random);
        assert_eq!(TieRule::parse("criteria"), TieRule::Criteria);
        assert_eq!(TieRule::parse("random"), TieRule::Random);
    }

    #[test]
    fn panels() {
        assert_eq!(panel_problem(5, 5, 1), None);
        assert_eq!(
            panel_problem(4, 3, 0),
            Some(PanelProblem::Size { minimum: 3 })
        );
        assert_eq!(
            panel_problem(3, 5, 0),
            Some(PanelProblem::Size { minimum: 5 })
        );
        assert_eq!(
            panel_problem(5, 5, 2),
            Some(PanelProblem::Representatives { most: 1 })
        );
        assert_eq!(panel_problem(3, 3, 1), None);
        let p = draw_panel(&[1, 2, 3, 4, 5, 6, 7], &[3, 4], 5, 99).unwrap_or_default();
        assert_eq!(p.len(), 5);
        assert!(!p.contains(&3) && !p.contains(&4));
        assert_eq!(
            draw_panel(&[1, 2, 3, 4, 5, 6, 7], &[3, 4], 5, 99).unwrap_or_default(),
            p
        );
        assert_eq!(
            draw_panel(&[1, 2, 3], &[1], 3, 1),
            Err(PanelProblem::Candidates {
                needed: 3,
                available: 2
            })
        );
    }

    #[test]
    fn installment_plans_add_up_to_the_fen() {
        assert_eq!(
            plan_from_percentages(100_000_01, &[d("30"), d("40"), d("30")]),
            Ok(vec![30_000_00, 40_000_00, 30_000_01])
        );
        // Thirds of ¥100.00: 33.33 + 33.33 + 33.34.
        let third = d("33.333333333333333333333333");
        let rest = d("100") - third - third;
        assert_eq!(
            plan_from_percentages(100_00, &[third, third, rest]),
            Ok(vec![3333, 3333, 3334])
        );
        assert_eq!(
            plan_from_percentages(100_00, &[d("50"), d("40")]),
            Err(PlanProblem::Percent)
        );
        assert_eq!(
            plan_from_percentages(100_00, &[d("100"), d("0")]),
            Err(PlanProblem::NotPositive)
        );
        assert_eq!(check_amounts(100_00, &[30_00, 70_00]), Ok(()));
        assert_eq!(
            check_amounts(100_00, &[30_00, 69_99]),
            Err(PlanProblem::Amounts)
        );
    }
}

/// An award winner's standing: a winner until passed over because it refused to sign or was
/// disqualified (87号令 49); a passed-over winner stays on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WinnerStatus {
    Winner,
    Refused,
    Disqualified,
}

codes!(WinnerStatus {
    Winner => "winner",
    Refused => "refused",
    Disqualified => "disqualified",
});

/// Passing a winner over: only a winner, only for refusal or disqualification.
pub fn pass_over(from: WinnerStatus, to: WinnerStatus) -> Result<WinnerStatus, &'static str> {
    match (from, to) {
        (WinnerStatus::Winner, WinnerStatus::Refused | WinnerStatus::Disqualified) => Ok(to),
        (WinnerStatus::Winner, WinnerStatus::Winner) => Err("err-award-pass-kind"),
        _ => Err("err-award-not-winner"),
    }
}

/// A panel seat: seated until the member steps aside (recused), replaced by a new seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeatStatus {
    Seated,
    Recused,
}

codes!(SeatStatus {
    Seated => "seated",
    Recused => "recused",
});

#[cfg(test)]
mod status_tests {
    use super::*;

    #[test]
    fn only_a_winner_is_passed_over_and_only_for_refusal_or_disqualification() {
        use WinnerStatus as W;
        assert_eq!(pass_over(W::Winner, W::Refused), Ok(W::Refused));
        assert_eq!(pass_over(W::Winner, W::Disqualified), Ok(W::Disqualified));
        assert_eq!(pass_over(W::Winner, W::Winner), Err("err-award-pass-kind"));
        assert_eq!(
            pass_over(W::Refused, W::Disqualified),
            Err("err-award-not-winner")
        );
        assert_eq!(
            pass_over(W::Disqualified, W::Refused),
            Err("err-award-not-winner")
        );
        for s in WinnerStatus::ALL {
            assert_eq!(WinnerStatus::parse(s.code()), Some(*s));
        }
        for s in SeatStatus::ALL {
            assert_eq!(SeatStatus::parse(s.code()), Some(*s));
        }
    }

    proptest::proptest! {
        // Random pass-over attempts on a ranking's winners: a winner is passed over at most
        // once, never comes back, and the winners left only fall; when none is left the
        // project has nobody to award (the project's NoWinner).
        #[test]
        fn winners_are_passed_over_once_and_never_return(
            n in 1usize..5,
            tries in proptest::collection::vec((0usize..5, 0u8..3), 1..30)
        ) {
            let mut w = vec![WinnerStatus::Winner; n];
            let mut left = n;
            for (pick, to) in tries {
                let i = pick % n;
                let to = [WinnerStatus::Winner, WinnerStatus::Refused, WinnerStatus::Disqualified][to as usize];
                let before = w[i];
                match pass_over(before, to) {
                    Ok(s) => {
                        proptest::prop_assert_eq!(before, WinnerStatus::Winner);
                        proptest::prop_assert_ne!(s, WinnerStatus::Winner);
                        w[i] = s;
                        left -= 1;
                    }
                    Err(_) => proptest::prop_assert!(before != WinnerStatus::Winner || to == WinnerStatus::Winner),
                }
                proptest::prop_assert_eq!(w.iter().filter(|s| **s == WinnerStatus::Winner).count(), left);
            }
        }
    }
    #[test]
    fn a_tender_of_ten_million_yuan_or_more_needs_seven_panelists() {
        let ten_million = 10_000_000 * 100;
        assert_eq!(panel_minimum(true, ten_million, ten_million, false), 7);
        assert_eq!(panel_minimum(true, ten_million - 1, ten_million, false), 5);
        assert_eq!(panel_minimum(true, ten_million + 1, ten_million, false), 7);
        assert_eq!(panel_minimum(false, ten_million, ten_million, false), 3);
        // 技术复杂 (87号令 art. 47 (二)): 7 for a tender of any budget; a consultation keeps 3.
        assert_eq!(panel_minimum(true, 1, ten_million, true), 7);
        assert_eq!(panel_minimum(true, ten_million - 1, ten_million, true), 7);
        assert_eq!(panel_minimum(false, ten_million - 1, ten_million, true), 3);
        assert_eq!(
            panel_problem(5, 7, 1),
            Some(PanelProblem::Size { minimum: 7 })
        );
        assert_eq!(panel_problem(7, 7, 2), None);
    }
}

/// How an abnormally-low-price query ended (87号令 art. 60): the panel accepted the bidder's
/// written explanation, or rejected the bid (its reason in the report), or the bidder did not
/// explain in time and the bid is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LowPriceOutcome {
    Accepted,
    Rejected,
    Lapsed,
}

codes!(LowPriceOutcome {
    Accepted => "accepted",
    Rejected => "rejected",
    Lapsed => "lapsed",
});

impl LowPriceOutcome {
    /// Whether the bid is invalid (作为无效投标处理).
    pub fn invalid(self) -> bool {
        self != LowPriceOutcome::Accepted
    }
}

/// Where a low-price query stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "outcome")]
pub enum LowPriceState {
    /// Waiting for the bidder's explanation, before the due time.
    Waiting,
    /// Explained; waiting for the panel.
    Answered,
    /// Not explained by the due time: the bid is to be rejected.
    Late,
    Closed(LowPriceOutcome),
}

/// A query's state from its facts at `now`.
pub fn low_price_state(
    answered: bool,
    outcome: Option<LowPriceOutcome>,
    due_at: i64,
    now: i64,
) -> LowPriceState {
    match (outcome, answered) {
        (Some(o), _) => LowPriceState::Closed(o),
        (None, true) => LowPriceState::Answered,
        (None, false) if now >= due_at => LowPriceState::Late,
        (None, false) => LowPriceState::Waiting,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowPriceAction {
    /// The bidder's written explanation.
    Answer,
    /// The panel's decision on the explanation.
    Accept,
    Reject,
    /// The due time passed without an explanation.
    Lapse,
}

/// The one transition function of a low-price query (87号令 art. 60).
pub fn low_price_transition(
    s: LowPriceState,
    a: LowPriceAction,
) -> Result<LowPriceState, &'static str> {
    use LowPriceAction as A;
    use LowPriceState as S;
    match (s, a) {
        (S::Waiting, A::Answer) => Ok(S::Answered),
        (S::Answered, A::Accept) => Ok(S::Closed(LowPriceOutcome::Accepted)),
        (S::Answered, A::Reject) => Ok(S::Closed(LowPriceOutcome::Rejected)),
        (S::Late, A::Lapse) => Ok(S::Closed(LowPriceOutcome::Lapsed)),
        (S::Late, A::Answer) => Err("err-lowprice-late"),
        (S::Waiting, A::Accept | A::Reject) => Err("err-lowprice-unanswered"),
        _ => Err("err-lowprice-closed"),
    }
}

#[cfg(test)]
mod low_price_tests {
    use super::*;

    #[test]
    fn a_bidder_explains_before_the_due_time_and_the_panel_decides() {
        use LowPriceAction as A;
        use LowPriceState as S;
        let due = 1_000;
        // Just before the due time: waiting, and an answer is taken.
        assert_eq!(low_price_state(false, None, due, due - 1), S::Waiting);
        assert_eq!(low_price_transition(S::Waiting, A::Answer), Ok(S::Answered));
        // At the due time without an answer: late; the answer is refused, the bid lapses.
        assert_eq!(low_price_state(false, None, due, due), S::Late);
        assert_eq!(
            low_price_transition(S::Late, A::Answer),
            Err("err-lowprice-late")
        );
        assert_eq!(
            low_price_transition(S::Late, A::Lapse),
            Ok(S::Closed(LowPriceOutcome::Lapsed))
        );
        // An answer given in time stays answered after the due time.
        assert_eq!(low_price_state(true, None, due, due + 1), S::Answered);
        assert_eq!(
            low_price_transition(S::Answered, A::Reject),
            Ok(S::Closed(LowPriceOutcome::Rejected))
        );
        assert_eq!(
            low_price_transition(S::Waiting, A::Accept),
            Err("err-lowprice-unanswered")
        );
        let closed = S::Closed(LowPriceOutcome::Accepted);
        for a in [A::Answer, A::Accept, A::Reject, A::Lapse] {
            assert_eq!(low_price_transition(closed, a), Err("err-lowprice-closed"));
        }
        assert!(LowPriceOutcome::Lapsed.invalid() && LowPriceOutcome::Rejected.invalid());
        assert!(!LowPriceOutcome::Accepted.invalid());
    }
}
