//! One application's scores under its standard (DOMAIN §4): what an expert may enter (bounds,
//! a comment for every deduction, every base item before submitting), and the aggregate of the
//! submitted experts — per item mean (or trimmed mean) rounded half-up to 2 places, items where
//! experts differ by more than the round's percentage of the maximum (30% by default) flagged,
//! total = sum of rounded base items + capped bonus − capped deductions, the grade from the
//! round's thresholds, capped — or withheld altogether — by a veto a majority of the experts
//! marked.

use crate::domain::evaluation::{self as ev, Aggregate, Grade, Thresholds};
use crate::domain::standard::{ExtraKind, Standard, VetoEffect};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// What an expert entered for one item: the score (a veto is 0 or 1) and a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub score: Option<Decimal>,
    pub comment: String,
}

/// An item an expert scores: base items, bonus and deduction items, veto items.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub code: String,
    pub title: String,
    pub guidance: String,
    pub kind: &'static str,
    pub max: Decimal,
}

pub fn lines(s: &Standard) -> Vec<Line> {
    let mut out: Vec<Line> = s
        .items()
        .map(|i| Line {
            code: i.code.clone(),
            title: i.title.clone(),
            guidance: i.guidance.clone(),
            kind: "base",
            max: i.max,
        })
        .collect();
    out.extend(s.extras.iter().map(|e| Line {
        code: e.code.clone(),
        title: e.title.clone(),
        guidance: e.guidance.clone(),
        kind: match e.kind {
            ExtraKind::Bonus => "bonus",
            ExtraKind::Deduction => "deduction",
            ExtraKind::Veto => "veto",
        },
        max: e.max.unwrap_or(Decimal::ONE),
    }));
    out
}

/// The problems with one expert's entries, as (item code, message key). A draft may leave
/// items empty; a submission may not leave a base item empty.
pub fn problems(
    s: &Standard,
    entries: &BTreeMap<String, Entry>,
    submitting: bool,
) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for line in lines(s) {
        let e = entries.get(&line.code).cloned().unwrap_or_default();
        let commented = !e.comment.trim().is_empty();
        match e.score {
            None if submitting && line.kind == "base" => {
                out.push((line.code.clone(), "err-score-missing"))
            }
            None => {}
            Some(v) if !ev::valid_score(v, line.max) => {
                out.push((line.code.clone(), "err-score-bounds"))
            }
            Some(v) => {
                let deducts = match line.kind {
                    "base" => v < line.max,
                    _ => line.kind != "bonus" && v > Decimal::ZERO,
                };
                if deducts && !commented {
                    out.push((line.code.clone(), "err-score-comment"));
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemResult {
    pub code: String,
    pub title: String,
    pub kind: &'static str,
    pub max: Decimal,
    pub value: Option<Decimal>,
    pub flagged: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub experts: usize,
    pub items: Vec<ItemResult>,
    pub base: Decimal,
    pub bonus: Decimal,
    pub deduction: Decimal,
    pub total: Decimal,
    pub veto: Option<String>,
    pub veto_cap: Option<Grade>,
    /// The veto that counted means no grade at all (39号令 standards: 评估中弄虚作假).
    pub veto_no_grade: bool,
    pub proposed: Option<Grade>,
    pub flagged: Vec<String>,
}

/// How a round aggregates: the mean (or trimmed mean), the grade ladder and the disagreement
/// percentage, all as recorded with the round when it opened.
#[derive(Debug, Clone, Copy)]
pub struct Method {
    pub how: Aggregate,
    pub thresholds: Thresholds,
    pub disagree_percent: i64,
}

impl Default for Method {
    fn default() -> Self {
        Method {
            how: Aggregate::Mean,
            thresholds: Thresholds::default(),
            disagree_percent: ev::DEFAULT_DISAGREEMENT_PERCENT,
        }
    }
}

/// Aggregates the submitted experts' scores (one map per expert, item code → score).
pub fn outcome(s: &Standard, experts: &[BTreeMap<String, Decimal>], m: &Method) -> Outcome {
    let (how, thresholds) = (m.how, &m.thresholds);
    let mut items = Vec::new();
    let (mut base, mut bonus, mut deduction) = (Vec::new(), Decimal::ZERO, Decimal::ZERO);
    let (mut veto, mut effect): (Option<String>, Option<VetoEffect>) = (None, None);
    for line in lines(s) {
        let scores: Vec<Decimal> = experts
            .iter()
            .map(|m| m.get(&line.code).copied().unwrap_or(Decimal::ZERO))
            .collect();
        let value = ev::aggregate(&scores, how);
        let flagged = match line.kind {
            "veto" => scores.iter().any(|v| *v > Decimal::ZERO),
            _ => ev::disagree(&scores, line.max, m.disagree_percent),
        };
        let v = value.unwrap_or(Decimal::ZERO);
        match line.kind {
            "base" => base.push(v),
            "bonus" => bonus += v,
            "deduction" => deduction += v,
            _ => {
                // A veto counts when a majority of the experts marked it.
                let marked = scores.iter().filter(|v| **v > Decimal::ZERO).count();
                // The strongest one counts: no grade before the lowest cap.
                if marked * 2 > scores.len() {
                    let this = s.veto_effect(&line.code);
                    if this.is_some() && (effect.is_none() || this < effect) {
                        veto = Some(line.code.clone());
                        effect = this;
                    }
                }
            }
        }
        items.push(ItemResult {
            code: line.code.clone(),
            title: line.title.clone(),
            kind: line.kind,
            max: line.max,
            value,
            flagged,
        });
    }
    let total = ev::total(&base, bonus, s.bonus_cap, deduction, s.deduction_cap);
    let flagged = items
        .iter()
        .filter(|i| i.flagged)
        .map(|i| i.code.clone())
        .collect();
    Outcome {
        experts: experts.len(),
        base: base.iter().copied().sum(),
        bonus: bonus.min(s.bonus_cap),
        deduction: deduction.min(s.deduction_cap),
        total,
        proposed: match effect {
            Some(e) => e.apply(thresholds.grade(total, None)),
            None => thresholds.grade(total, None),
        },
        veto,
        veto_cap: match effect {
            Some(VetoEffect::Cap(g)) => Some(g),
            _ => None,
        },
        veto_no_grade: effect == Some(VetoEffect::NoGrade),
        flagged,
        items,
    }
}

/// What one expert entered for an item, as the officer reads it beside the others'.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Cell {
    pub score: Decimal,
    pub comment: String,
}

/// One item of the side-by-side sheet: each expert's entry (in the order of `experts`), the
/// aggregate, and whether the experts disagree on it (the aggregate's own flag).
#[derive(Debug, Clone, Serialize)]
pub struct SheetRow {
    pub code: String,
    pub title: String,
    pub kind: &'static str,
    pub max: Decimal,
    pub cells: Vec<Option<Cell>>,
    pub value: Option<Decimal>,
    pub flagged: bool,
}

/// Every submitted expert's sheet side by side, with each expert's total (the aggregate's
/// formula applied to that expert's scores alone) and the aggregate itself.
#[derive(Debug, Clone, Serialize)]
pub struct Sheet {
    pub rows: Vec<SheetRow>,
    pub totals: Vec<Decimal>,
    pub outcome: Outcome,
}

/// The side-by-side sheet of the submitted experts (one map per expert, item code → entry).
pub fn sheet(s: &Standard, experts: &[BTreeMap<String, Cell>], m: &Method) -> Sheet {
    let scores: Vec<BTreeMap<String, Decimal>> = experts
        .iter()
        .map(|m| m.iter().map(|(k, c)| (k.clone(), c.score)).collect())
        .collect();
    let outcome = outcome(s, &scores, m);
    let totals = scores.iter().map(|one| outcome_of_one(s, one, m)).collect();
    let rows = outcome
        .items
        .iter()
        .map(|i| SheetRow {
            code: i.code.clone(),
            title: i.title.clone(),
            kind: i.kind,
            max: i.max,
            cells: experts.iter().map(|m| m.get(&i.code).cloned()).collect(),
            value: i.value,
            flagged: i.flagged,
        })
        .collect();
    Sheet {
        rows,
        totals,
        outcome,
    }
}

/// One expert's total: the aggregate of that expert alone.
fn outcome_of_one(s: &Standard, one: &BTreeMap<String, Decimal>, m: &Method) -> Decimal {
    outcome(s, std::slice::from_ref(one), m).total
}

/// Thresholds as recorded with a round: "950,900,850,800,700".
pub fn parse_thresholds(s: &str) -> Option<Thresholds> {
    let v: Vec<Decimal> = s
        .split(',')
        .map(|x| x.trim().parse::<Decimal>().ok())
        .collect::<Option<Vec<_>>>()?;
    match v.as_slice() {
        [a5, a4, a3, a2, a1] => {
            let t = Thresholds {
                a5: *a5,
                a4: *a4,
                a3: *a3,
                a2: *a2,
                a1: *a1,
            };
            t.valid().then_some(t)
        }
        _ => None,
    }
}

pub fn format_thresholds(t: &Thresholds) -> String {
    format!("{},{},{},{},{}", t.a5, t.a4, t.a3, t.a2, t.a1)
}

/// Committee rules (DOMAIN §4): 7–25 members, quorum two thirds present, and a grade needs a
/// majority of all members (not only of those present).
pub fn committee_problem(members: i64, present: i64) -> Option<&'static str> {
    if !(7..=25).contains(&members) {
        Some("err-committee-size")
    } else if present > members || present < 0 {
        Some("err-committee-present")
    } else if present * 3 < members * 2 {
        Some("err-committee-quorum")
    } else {
        None
    }
}

pub fn majority(members: i64, present: i64, votes_for: i64) -> Option<&'static str> {
    if votes_for < 0 || votes_for > present {
        Some("err-committee-votes")
    } else if votes_for * 2 <= members {
        Some("err-committee-majority")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn standard() -> Standard {
        match Standard::parse(
            crate::domain::standard::built_in("social_group-v2.toml").unwrap_or_default(),
        ) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    fn method(how: Aggregate) -> Method {
        Method {
            how,
            ..Method::default()
        }
    }

    fn full(s: &Standard) -> BTreeMap<String, Decimal> {
        s.items().map(|i| (i.code.clone(), i.max)).collect()
    }

    #[test]
    fn committee_quorum_is_two_thirds_and_a_grade_needs_a_majority_of_all_members() {
        assert_eq!(committee_problem(9, 6), None);
        assert_eq!(committee_problem(9, 5), Some("err-committee-quorum"));
        assert_eq!(committee_problem(10, 7), None);
        assert_eq!(committee_problem(10, 6), Some("err-committee-quorum"));
        assert_eq!(committee_problem(6, 6), Some("err-committee-size"));
        assert_eq!(committee_problem(26, 26), Some("err-committee-size"));
        assert_eq!(committee_problem(9, 10), Some("err-committee-present"));
        // 9 members, 6 present: 5 votes carry, 4 do not (a majority of those present is not enough).
        assert_eq!(majority(9, 6, 5), None);
        assert_eq!(majority(9, 6, 4), Some("err-committee-majority"));
        assert_eq!(majority(10, 8, 5), Some("err-committee-majority"));
        assert_eq!(majority(10, 8, 6), None);
        assert_eq!(majority(9, 6, 7), Some("err-committee-votes"));
    }

    #[test]
    fn entries_are_bounded_and_every_deduction_is_commented() {
        let s = standard();
        let first = s.items().next().map(|i| (i.code.clone(), i.max));
        let Some((code, max)) = first else {
            panic!("empty standard")
        };
        let mut e: BTreeMap<String, Entry> = BTreeMap::new();
        // A draft may be empty; a submission may not.
        assert!(problems(&s, &e, false).is_empty());
        assert!(problems(&s, &e, true)
            .iter()
            .any(|(c, k)| *c == code && *k == "err-score-missing"));
        for (score, comment, want) in [
            (max + d("0.01"), "", Some("err-score-bounds")),
            (d("-0.01"), "", Some("err-score-bounds")),
            (d("1.234"), "x", Some("err-score-bounds")),
            (max - d("0.5"), "", Some("err-score-comment")),
            (max - d("0.5"), "材料不全", None),
            (max, "", None),
            (Decimal::ZERO, "未提供", None),
        ] {
            e.insert(
                code.clone(),
                Entry {
                    score: Some(score),
                    comment: comment.into(),
                },
            );
            let got = problems(&s, &e, false)
                .into_iter()
                .find(|(c, _)| *c == code);
            assert_eq!(got.map(|(_, k)| k), want, "{score} {comment:?}");
        }
    }

    #[test]
    fn the_aggregate_rounds_each_item_flags_disagreement_caps_extras_and_applies_a_veto() {
        let s = standard();
        let (mean, trimmed) = (method(Aggregate::Mean), method(Aggregate::TrimmedMean));
        let a = full(&s);
        let outcome1 = outcome(&s, &[a.clone(), a.clone(), a.clone()], &mean);
        assert_eq!(outcome1.total, d("1000"));
        assert_eq!(outcome1.proposed, Some(Grade::A5));
        assert!(outcome1.flagged.is_empty());
        // One item: 10, 10, 9.99 → mean 9.9966… → 10.00 rounded half-up; and 3 experts'
        // 10, 0, 0 on a 10-point item → 3.33, flagged (differ by more than 3 points).
        let items: Vec<(String, Decimal)> = s.items().map(|i| (i.code.clone(), i.max)).collect();
        let (c0, m0) = items[0].clone();
        let mut b = a.clone();
        b.insert(c0.clone(), m0 - d("0.01"));
        let o = outcome(&s, &[a.clone(), a.clone(), b], &mean);
        let it = o.items.iter().find(|i| i.code == c0).map(|i| i.value);
        assert_eq!(it, Some(Some(m0)));
        let mut z = a.clone();
        z.insert(c0.clone(), Decimal::ZERO);
        let o = outcome(&s, &[a.clone(), z.clone(), z.clone()], &mean);
        assert!(o.flagged.contains(&c0));
        let want = crate::domain::evaluation::round2(m0 / d("3"));
        assert_eq!(o.items[0].value, Some(want));
        assert_eq!(o.total, d("1000") - m0 + want);
        // Trimmed mean drops the highest and lowest of three: the middle one is the value.
        let o = outcome(&s, &[a.clone(), z.clone(), z], &trimmed);
        assert_eq!(o.items[0].value, Some(Decimal::ZERO));
        // Bonus and deduction are capped.
        let mut extra = a.clone();
        for e in &s.extras {
            extra.insert(e.code.clone(), e.max.unwrap_or(Decimal::ZERO));
        }
        let bonus_total: Decimal = s
            .extras
            .iter()
            .filter(|e| e.kind == ExtraKind::Bonus)
            .filter_map(|e| e.max)
            .sum();
        let o = outcome(&s, &[extra.clone()], &mean);
        assert_eq!(o.bonus, bonus_total.min(s.bonus_cap));
        assert!(o.deduction <= s.deduction_cap);
        // A veto marked by two of three experts caps the grade; by one of three, it only flags.
        let veto = s.extras.iter().find(|e| e.kind == ExtraKind::Veto);
        if let Some(v) = veto {
            let mut m = a.clone();
            m.insert(v.code.clone(), Decimal::ONE);
            let o = outcome(&s, &[m.clone(), m.clone(), a.clone()], &mean);
            assert_eq!(o.veto.as_deref(), Some(v.code.as_str()));
            assert!(o.proposed <= s.veto_cap(&v.code));
            let o = outcome(&s, &[m, a.clone(), a.clone()], &mean);
            assert_eq!(o.veto, None);
            assert!(o.flagged.contains(&v.code));
        }
    }

    #[test]
    fn a_no_grade_veto_withholds_the_grade_however_high_the_total() {
        // Issue 22, item 12: 评估中弄虚作假 means no grade, not a cap.
        let s = standard();
        let mean = method(Aggregate::Mean);
        let no_grade = s
            .extras
            .iter()
            .find(|e| e.kind == ExtraKind::Veto && e.no_grade)
            .map(|e| e.code.clone());
        let capping = s
            .extras
            .iter()
            .find(|e| e.kind == ExtraKind::Veto && !e.no_grade)
            .map(|e| e.code.clone());
        let (Some(ng), Some(cap)) = (no_grade, capping) else {
            panic!("the seed standard has both kinds of veto")
        };
        let a = full(&s);
        let mut marked = a.clone();
        marked.insert(ng.clone(), Decimal::ONE);
        // Two of three experts: it counts; the total stays 1000 but there is no grade.
        let o = outcome(&s, &[marked.clone(), marked.clone(), a.clone()], &mean);
        assert_eq!(o.total, d("1000"));
        assert_eq!(o.veto.as_deref(), Some(ng.as_str()));
        assert!(o.veto_no_grade);
        assert_eq!(o.proposed, None);
        // One of three: only flagged, the grade stands.
        let o = outcome(&s, &[marked.clone(), a.clone(), a.clone()], &mean);
        assert_eq!(o.proposed, Some(Grade::A5));
        assert!(!o.veto_no_grade);
        // Both vetoes marked: no grade wins over the cap.
        marked.insert(cap.clone(), Decimal::ONE);
        let o = outcome(&s, &[marked.clone(), marked.clone(), a.clone()], &mean);
        assert_eq!((o.veto.as_deref(), o.proposed), (Some(ng.as_str()), None));
        // The cap alone caps.
        let mut capped = a.clone();
        capped.insert(cap.clone(), Decimal::ONE);
        let o = outcome(&s, &[capped.clone(), capped, a], &mean);
        assert_eq!(o.proposed, s.veto_cap(&cap));
        assert!(o.proposed.is_some() && !o.veto_no_grade);
    }

    #[test]
    fn the_disagreement_flag_follows_the_rounds_percentage() {
        // Issue 22, item 14: the percentage is the round's, not a constant.
        let s = standard();
        let (code, max) = match s.items().next() {
            Some(i) => (i.code.clone(), i.max),
            None => panic!("empty standard"),
        };
        let a = full(&s);
        // Two experts apart by exactly 30% of the maximum, and by 30% and one hundredth.
        let gap = max * d("0.3");
        let mut low = a.clone();
        low.insert(code.clone(), max - gap);
        let mut lower = a.clone();
        lower.insert(code.clone(), max - gap - d("0.01"));
        let at = |pct: i64, other: &BTreeMap<String, Decimal>| {
            let m = Method {
                disagree_percent: pct,
                ..method(Aggregate::Mean)
            };
            outcome(&s, &[a.clone(), other.clone()], &m)
                .flagged
                .contains(&code)
        };
        assert!(!at(30, &low), "exactly 30% is not a disagreement");
        assert!(at(30, &lower));
        assert!(at(29, &low), "a lower percentage in force flags it");
        assert!(!at(31, &lower));
    }

    #[test]
    fn thresholds_round_trip_and_bad_ladders_are_refused() {
        let t = Thresholds::default();
        assert_eq!(parse_thresholds(&format_thresholds(&t)), Some(t));
        assert_eq!(parse_thresholds("950,960,850,800,700"), None);
        assert_eq!(parse_thresholds("950,900"), None);
    }

    #[test]
    fn the_sheet_puts_each_experts_entries_side_by_side_with_their_totals_and_the_flags() {
        let s = standard();
        let mean = method(Aggregate::Mean);
        let full: BTreeMap<String, Cell> = s
            .items()
            .map(|i| {
                let c = Cell {
                    score: i.max,
                    comment: String::new(),
                };
                (i.code.clone(), c)
            })
            .collect();
        let (code, max) = match s.items().next() {
            Some(i) => (i.code.clone(), i.max),
            None => panic!("empty standard"),
        };
        let mut low = full.clone();
        low.insert(
            code.clone(),
            Cell {
                score: Decimal::ZERO,
                comment: "未提供".into(),
            },
        );
        let sh = sheet(&s, &[full.clone(), low, full], &mean);
        assert_eq!(sh.totals, vec![d("1000"), d("1000") - max, d("1000")]);
        let row = &sh.rows[0];
        assert_eq!(row.code, code);
        assert_eq!(row.cells.len(), 3);
        assert_eq!(row.cells[1].as_ref().map(|c| c.score), Some(Decimal::ZERO));
        assert_eq!(
            row.cells[1].as_ref().map(|c| c.comment.as_str()),
            Some("未提供")
        );
        // The flag is the aggregate's own: all of the maximum apart is more than 30%.
        assert!(row.flagged && sh.outcome.flagged == vec![code]);
        assert!(sh.rows[1..].iter().all(|r| !r.flagged));
        // An extra item nobody entered has no cells.
        assert!(sh
            .rows
            .iter()
            .any(|r| r.kind != "base" && r.cells.iter().all(Option::is_none)));
    }
}
