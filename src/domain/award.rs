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
    pub price_fen: i64,
    pub price_score: Decimal,
    /// The rounded technical components, one per criterion.
    pub technical: Vec<Decimal>,
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

/// Builds the scored bids: the lowest valid price is the base price.
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
            })
        })
        .collect()
}

/// How ties on total and price are broken (the rule the project published).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieRule {
    /// A random draw whose seed is recorded.
    Random,
    /// The higher technical score first, then the draw.
    Technical,
}

impl TieRule {
    pub fn parse(s: &str) -> TieRule {
        if s == "technical" {
            TieRule::Technical
        } else {
            TieRule::Random
        }
    }
}

/// The draw's key for one item: SHA-256 of the seed and the item id. Sorting by it is the
/// same shuffle every time the seed is replayed.
pub fn draw_key(seed: u64, id: i64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed.to_be_bytes());
    h.update(id.to_be_bytes());
    h.finalize().into()
}

/// Ranks by total (higher first), then price (lower first), then the tie rule; returns the bids
/// in rank order and whether the draw decided any place.
pub fn rank(mut scored: Vec<Scored>, rule: TieRule, seed: u64) -> (Vec<Scored>, bool) {
    let mut drawn = false;
    scored.sort_by(|a, b| {
        b.total()
            .cmp(&a.total())
            .then(a.price_fen.cmp(&b.price_fen))
            .then_with(|| match rule {
                TieRule::Technical => b.technical_total().cmp(&a.technical_total()),
                TieRule::Random => Ordering::Equal,
            })
    });
    // The draw decides among bids still equal on everything the rule compares.
    let mut i = 0;
    while i < scored.len() {
        let mut j = i + 1;
        while j < scored.len() && same_place(&scored[i], &scored[j], rule) {
            j += 1;
        }
        if j - i > 1 {
            drawn = true;
            scored[i..j].sort_by_key(|s| draw_key(seed, s.bid));
        }
        i = j;
    }
    (scored, drawn)
}

fn same_place(a: &Scored, b: &Scored, rule: TieRule) -> bool {
    a.total() == b.total()
        && a.price_fen == b.price_fen
        && (rule == TieRule::Random || a.technical_total() == b.technical_total())
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

    #[test]
    fn a_three_way_tie_goes_to_price_then_the_recorded_draw() {
        let t = |bid, price, tech: &str| Scored {
            bid,
            price_fen: price,
            price_score: d("0"),
            technical: vec![d(tech)],
        };
        // Equal totals; bid 9 is cheaper and ranks first; 7 and 8 are equal on everything.
        let bids = vec![t(7, 500, "80"), t(8, 500, "80"), t(9, 400, "80")];
        let (a, drawn) = rank(bids.clone(), TieRule::Random, 42);
        assert!(drawn);
        assert_eq!(a[0].bid, 9);
        let (b, _) = rank(bids.clone(), TieRule::Random, 42);
        assert_eq!(a, b, "the same seed gives the same order");
        let orders: std::collections::HashSet<Vec<i64>> = (0..64)
            .map(|seed| {
                rank(bids.clone(), TieRule::Random, seed)
                    .0
                    .iter()
                    .map(|s| s.bid)
                    .collect()
            })
            .collect();
        assert_eq!(orders.len(), 2, "the draw decides between 7 and 8 only");
        // The technical rule: price scores differ, totals equal, price equal.
        let u = |bid, ps: &str, tech: &str| Scored {
            bid,
            price_fen: 500,
            price_score: d(ps),
            technical: vec![d(tech)],
        };
        let (c, drawn) = rank(
            vec![u(1, "10", "70"), u(2, "5", "75")],
            TieRule::Technical,
            1,
        );
        assert!(!drawn);
        assert_eq!(c[0].bid, 2);
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
