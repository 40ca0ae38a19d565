//! Evaluation arithmetic and dates (DOMAIN §4): scores as decimals with 2 places, per-item
//! aggregation of expert scores (mean or trimmed mean) rounded half-up, the disagreement flag,
//! capped bonus and deduction, the veto, grades from thresholds, a grade's validity and which
//! grade is in force on a date, and who may apply. Pure rules: no database, no web.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use time::{Date, Month};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Grade {
    A1,
    A2,
    A3,
    A4,
    A5,
}

impl Grade {
    pub const ALL: [Grade; 5] = [Grade::A5, Grade::A4, Grade::A3, Grade::A2, Grade::A1];

    pub fn code(self) -> &'static str {
        match self {
            Grade::A5 => "5a",
            Grade::A4 => "4a",
            Grade::A3 => "3a",
            Grade::A2 => "2a",
            Grade::A1 => "1a",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL
            .into_iter()
            .find(|g| g.code() == s.trim().to_lowercase())
    }

    /// 3A and above get a certificate and plaque, and priority "under equal conditions".
    pub fn certified(self) -> bool {
        self >= Grade::A3
    }
}

/// The minimum total of each grade (each interval closed below, open above).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    pub a5: Decimal,
    pub a4: Decimal,
    pub a3: Decimal,
    pub a2: Decimal,
    pub a1: Decimal,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            a5: Decimal::from(950),
            a4: Decimal::from(900),
            a3: Decimal::from(850),
            a2: Decimal::from(800),
            a1: Decimal::from(700),
        }
    }
}

impl Thresholds {
    /// The grade a total earns, `None` below the lowest threshold; a veto caps it.
    pub fn grade(&self, total: Decimal, veto_cap: Option<Grade>) -> Option<Grade> {
        let g = if total >= self.a5 {
            Some(Grade::A5)
        } else if total >= self.a4 {
            Some(Grade::A4)
        } else if total >= self.a3 {
            Some(Grade::A3)
        } else if total >= self.a2 {
            Some(Grade::A2)
        } else if total >= self.a1 {
            Some(Grade::A1)
        } else {
            None
        };
        match (g, veto_cap) {
            (Some(g), Some(cap)) => Some(g.min(cap)),
            (g, _) => g,
        }
    }

    /// Thresholds must fall strictly from 5A to 1A.
    pub fn valid(&self) -> bool {
        self.a5 > self.a4 && self.a4 > self.a3 && self.a3 > self.a2 && self.a2 > self.a1
    }
}

/// Rounds half-up (away from zero at .5) to 2 places.
pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// How expert scores of one item are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Mean,
    /// Without the highest and the lowest score (a plain mean below 3 scores).
    TrimmedMean,
}

impl Aggregate {
    pub fn parse(s: &str) -> Option<Aggregate> {
        match s {
            "mean" => Some(Aggregate::Mean),
            "trimmed_mean" => Some(Aggregate::TrimmedMean),
            _ => None,
        }
    }
}

/// One item's aggregate, rounded half-up to 2 places; `None` without scores.
pub fn aggregate(scores: &[Decimal], how: Aggregate) -> Option<Decimal> {
    if scores.is_empty() {
        return None;
    }
    let mut s = scores.to_vec();
    s.sort();
    let used: &[Decimal] = match how {
        Aggregate::TrimmedMean if s.len() >= 3 => &s[1..s.len() - 1],
        _ => &s,
    };
    let sum: Decimal = used.iter().copied().sum();
    Some(round2(sum / Decimal::from(used.len())))
}

/// The disagreement threshold DOMAIN §4 gives: 30% of an item's maximum (the default of the
/// setting `evaluation.disagreement_percent`, recorded with each round; 39号令 fixes no figure).
pub const DEFAULT_DISAGREEMENT_PERCENT: i64 = 30;

/// Experts disagree on an item when their scores differ by more than `percent` % of its
/// maximum (exactly that much is not a disagreement).
pub fn disagree(scores: &[Decimal], max: Decimal, percent: i64) -> bool {
    match (scores.iter().min(), scores.iter().max()) {
        (Some(lo), Some(hi)) => (*hi - *lo) * Decimal::from(100) > max * Decimal::from(percent),
        _ => false,
    }
}

/// The total: the sum of the rounded base items, plus the bonus up to its cap, minus the
/// deduction up to its cap.
pub fn total(
    base: &[Decimal],
    bonus: Decimal,
    bonus_cap: Decimal,
    deduction: Decimal,
    deduction_cap: Decimal,
) -> Decimal {
    let base: Decimal = base.iter().copied().sum();
    base + bonus.min(bonus_cap).max(Decimal::ZERO) - deduction.min(deduction_cap).max(Decimal::ZERO)
}

/// A score an expert may give an item: 2 places at most, within [0, max].
pub fn valid_score(score: Decimal, max: Decimal) -> bool {
    score >= Decimal::ZERO && score <= max && score.normalize().scale() <= 2
}

/// A grade announced in `year` is valid from 1 January of the next year to 31 December of the
/// fifth year (2026 rule).
pub fn validity(announced: Date) -> (Date, Date) {
    let from =
        Date::from_calendar_date(announced.year() + 1, Month::January, 1).unwrap_or(announced);
    let to =
        Date::from_calendar_date(announced.year() + 5, Month::December, 31).unwrap_or(announced);
    (from, to)
}

/// Days within which the certificate and plaque of a grade that ended are returned: 15 from
/// the notice of the downgrade (民政部公告第432号 (2018) and its predecessors under 39号令
/// art. 30: 收到通知书之日起15日内将原评估等级证书、牌匾退回…拒不退回的，由民政部公告作废). The
/// certificate is void from the day the grade ends; the return is tracked.
pub const CERTIFICATE_RETURN_DAYS: i64 = 15;

/// The last day to return the certificate of a grade that ended on `ended` (3A and above only
/// have one); the 15th day after it, counted in calendar days.
pub fn certificate_return_due(grade: Grade, ended: Date) -> Option<Date> {
    grade
        .certified()
        .then(|| ended + time::Duration::days(CERTIFICATE_RETURN_DAYS))
}

/// A grade on record with its validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Awarded {
    pub grade: Grade,
    pub valid_from: Date,
    pub valid_to: Date,
}

/// The grade in force on `day`: the one whose validity covers it (the latest announced when two
/// do). A grade announced but not yet valid leaves the previous one in force.
pub fn in_force(grades: &[Awarded], day: Date) -> Option<Awarded> {
    grades
        .iter()
        .filter(|g| g.valid_from <= day && day <= g.valid_to)
        .max_by_key(|g| g.valid_from)
        .copied()
}

/// Why an organization may not apply in a round (the first reasons found, all named).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Ineligible {
    /// Not yet two full calendar years since registration.
    TooNew,
    NotRegistered,
    AbnormalList,
    SeriousList,
    /// A grade still valid, and upgrades are not allowed.
    GradeInForce,
    MissedInspection,
    BasicPassTwice,
    OpenInvestigation,
    UnexecutedPenalty,
}

impl Ineligible {
    pub fn message_key(self) -> &'static str {
        match self {
            Ineligible::TooNew => "err-eval-too-new",
            Ineligible::NotRegistered => "err-eval-not-registered",
            Ineligible::AbnormalList => "err-eval-abnormal",
            Ineligible::SeriousList => "err-eval-serious",
            Ineligible::GradeInForce => "err-eval-grade-in-force",
            Ineligible::MissedInspection => "err-eval-missed-inspection",
            Ineligible::BasicPassTwice => "err-eval-basic-twice",
            Ineligible::OpenInvestigation => "err-eval-investigation",
            Ineligible::UnexecutedPenalty => "err-eval-penalty",
        }
    }
}

/// What eligibility is decided on.
#[derive(Debug, Clone, Copy)]
pub struct Applicant {
    pub registered: bool,
    pub registered_on: Date,
    pub on_abnormal_list: bool,
    pub on_serious_list: bool,
    pub grade_valid_to: Option<Date>,
    pub missed_or_failed_last_inspection: bool,
    pub basic_pass_twice: bool,
    pub open_investigation: bool,
    pub unexecuted_penalty: bool,
}

/// The older rule's extra bars, each a setting (off by default), and whether upgrades are
/// allowed while a grade is valid.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bars {
    pub upgrade_allowed: bool,
    pub missed_inspection: bool,
    pub basic_pass_twice: bool,
    pub open_investigation: bool,
    pub unexecuted_penalty: bool,
}

/// Every reason the applicant may not apply in a round of `year` on `today`; empty if eligible.
/// Two full calendar years: registered in Y, first eligible in Y + 3 (after Y+1 and Y+2).
pub fn eligibility(a: &Applicant, year: i32, today: Date, bars: Bars) -> Vec<Ineligible> {
    let mut out = Vec::new();
    if !a.registered {
        out.push(Ineligible::NotRegistered);
    }
    if year < a.registered_on.year() + 3 {
        out.push(Ineligible::TooNew);
    }
    if a.on_abnormal_list {
        out.push(Ineligible::AbnormalList);
    }
    if a.on_serious_list {
        out.push(Ineligible::SeriousList);
    }
    if !bars.upgrade_allowed && a.grade_valid_to.is_some_and(|to| to >= today) {
        out.push(Ineligible::GradeInForce);
    }
    for (on, bar, why) in [
        (
            bars.missed_inspection,
            a.missed_or_failed_last_inspection,
            Ineligible::MissedInspection,
        ),
        (
            bars.basic_pass_twice,
            a.basic_pass_twice,
            Ineligible::BasicPassTwice,
        ),
        (
            bars.open_investigation,
            a.open_investigation,
            Ineligible::OpenInvestigation,
        ),
        (
            bars.unexecuted_penalty,
            a.unexecuted_penalty,
            Ineligible::UnexecutedPenalty,
        ),
    ] {
        if on && bar {
            out.push(why);
        }
    }
    out
}

/// An objection's reference number: the prefix, the year it was filed and its sequence in
/// that year, six digits (PJYJ-2027-000123).
pub fn objection_reference(year: i32, seq: u32) -> String {
    format!("{}{seq:06}", objection_reference_prefix(year))
}

/// What every reference of the year starts with ("PJYJ-2027-").
pub fn objection_reference_prefix(year: i32) -> String {
    format!("PJYJ-{year}-")
}

/// The next reference of the year after the highest one given so far (`None`: the first).
pub fn next_objection_reference(year: i32, highest: Option<&str>) -> String {
    let seq = highest
        .and_then(|r| r.strip_prefix(&objection_reference_prefix(year)))
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    objection_reference(year, seq + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    macro_rules! dec {
        ($x:literal) => {
            match stringify!($x).parse::<Decimal>() {
                Ok(d) => d,
                Err(e) => panic!("{e}"),
            }
        };
    }

    #[test]
    fn thresholds_are_closed_below() {
        let t = Thresholds::default();
        assert_eq!(t.grade(dec!(950.00), None), Some(Grade::A5));
        assert_eq!(t.grade(dec!(949.99), None), Some(Grade::A4));
        assert_eq!(t.grade(dec!(700.00), None), Some(Grade::A1));
        assert_eq!(t.grade(dec!(699.99), None), None);
        assert_eq!(
            t.grade(dec!(980), Some(Grade::A2)),
            Some(Grade::A2),
            "a veto caps"
        );
        assert_eq!(t.grade(dec!(750), Some(Grade::A3)), Some(Grade::A1));
        assert!(t.valid());
        assert!(!Thresholds { a4: dec!(960), ..t }.valid());
    }

    #[test]
    fn aggregates_round_half_up_and_trim() {
        assert_eq!(
            aggregate(&[dec!(10), dec!(10), dec!(9.99)], Aggregate::Mean),
            Some(dec!(10.00))
        );
        // 8.125 → 8.13 (half up), never banker's 8.12.
        assert_eq!(
            aggregate(&[dec!(8.12), dec!(8.13)], Aggregate::Mean),
            Some(dec!(8.13))
        );
        assert_eq!(round2(dec!(8.125)), dec!(8.13));
        assert_eq!(round2(dec!(8.135)), dec!(8.14));
        assert_eq!(
            aggregate(
                &[dec!(2), dec!(9), dec!(10), dec!(20)],
                Aggregate::TrimmedMean
            ),
            Some(dec!(9.50))
        );
        assert_eq!(
            aggregate(&[dec!(2), dec!(9)], Aggregate::TrimmedMean),
            Some(dec!(5.50))
        );
        assert_eq!(aggregate(&[], Aggregate::Mean), None);
        // A third: 10/3 = 3.333… → 3.33.
        assert_eq!(
            aggregate(&[dec!(3), dec!(3), dec!(4)], Aggregate::Mean),
            Some(dec!(3.33))
        );
    }

    #[test]
    fn disagreement_is_more_than_thirty_percent_of_the_maximum() {
        assert!(
            !disagree(&[dec!(10), dec!(16)], dec!(20), 30),
            "exactly 30%"
        );
        assert!(disagree(&[dec!(10), dec!(16.01)], dec!(20), 30));
        assert!(!disagree(&[dec!(5)], dec!(20), 30));
        // Another percentage in force: 25% of 20 is 5 points, to the hundredth.
        assert!(!disagree(&[dec!(10), dec!(15)], dec!(20), 25));
        assert!(disagree(&[dec!(10), dec!(15.01)], dec!(20), 25));
        assert!(disagree(&[dec!(10), dec!(16)], dec!(20), 25));
    }

    #[test]
    fn bonus_and_deduction_are_capped() {
        let base = [dec!(400.00), dec!(455.55)];
        assert_eq!(
            total(&base, dec!(45), dec!(30), dec!(0), dec!(50)),
            dec!(885.55)
        );
        assert_eq!(
            total(&base, dec!(10), dec!(30), dec!(80), dec!(50)),
            dec!(815.55)
        );
    }

    #[test]
    fn scores_stay_within_bounds_and_two_places() {
        assert!(valid_score(dec!(0), dec!(20)));
        assert!(valid_score(dec!(20.00), dec!(20)));
        assert!(!valid_score(dec!(20.01), dec!(20)));
        assert!(!valid_score(-dec!(0.01), dec!(20)));
        assert!(!valid_score(dec!(1.234), dec!(20)));
    }

    #[test]
    fn validity_runs_five_calendar_years_from_the_next_january() {
        assert_eq!(
            validity(date!(2026 - 11 - 28)),
            (date!(2027 - 01 - 01), date!(2031 - 12 - 31))
        );
        let old = Awarded {
            grade: Grade::A3,
            valid_from: date!(2022 - 01 - 01),
            valid_to: date!(2026 - 12 - 31),
        };
        let new = Awarded {
            grade: Grade::A4,
            valid_from: date!(2027 - 01 - 01),
            valid_to: date!(2031 - 12 - 31),
        };
        assert_eq!(
            in_force(&[old, new], date!(2026 - 12 - 31)).map(|g| g.grade),
            Some(Grade::A3)
        );
        assert_eq!(
            in_force(&[old, new], date!(2027 - 01 - 01)).map(|g| g.grade),
            Some(Grade::A4)
        );
        assert_eq!(in_force(&[old, new], date!(2032 - 01 - 01)), None);
    }

    #[test]
    fn a_void_certificate_is_due_back_on_the_fifteenth_day() {
        // Issue 22, item 15.
        let ended = date!(2027 - 03 - 01);
        assert_eq!(
            certificate_return_due(Grade::A3, ended),
            Some(date!(2027 - 03 - 16))
        );
        assert_eq!(
            certificate_return_due(Grade::A5, date!(2026 - 12 - 20)),
            Some(date!(2027 - 01 - 04))
        );
        // 1A and 2A have no certificate to return.
        assert_eq!(certificate_return_due(Grade::A2, ended), None);
    }

    #[test]
    fn eligibility_names_every_reason() {
        let a = Applicant {
            registered: true,
            registered_on: date!(2023 - 05 - 01),
            on_abnormal_list: false,
            on_serious_list: false,
            grade_valid_to: None,
            missed_or_failed_last_inspection: true,
            basic_pass_twice: false,
            open_investigation: false,
            unexecuted_penalty: false,
        };
        let today = date!(2026 - 03 - 01);
        assert!(
            eligibility(&a, 2026, today, Bars::default()).is_empty(),
            "2023 → 2026"
        );
        assert_eq!(
            eligibility(&a, 2025, today, Bars::default()),
            vec![Ineligible::TooNew]
        );
        let bars = Bars {
            missed_inspection: true,
            ..Bars::default()
        };
        assert_eq!(
            eligibility(&a, 2026, today, bars),
            vec![Ineligible::MissedInspection]
        );
        let graded = Applicant {
            grade_valid_to: Some(date!(2027 - 12 - 31)),
            on_serious_list: true,
            ..a
        };
        assert_eq!(
            eligibility(&graded, 2026, today, Bars::default()),
            vec![Ineligible::SeriousList, Ineligible::GradeInForce]
        );
        let upgrade = Bars {
            upgrade_allowed: true,
            ..Bars::default()
        };
        assert_eq!(
            eligibility(&graded, 2026, today, upgrade),
            vec![Ineligible::SeriousList]
        );
    }

    #[test]
    fn objection_references_number_each_year_from_one() {
        assert_eq!(next_objection_reference(2027, None), "PJYJ-2027-000001");
        assert_eq!(
            next_objection_reference(2027, Some("PJYJ-2027-000122")),
            "PJYJ-2027-000123"
        );
        // Last year's highest does not carry over.
        assert_eq!(
            next_objection_reference(2028, Some("PJYJ-2027-000122")),
            "PJYJ-2028-000001"
        );
        assert_eq!(objection_reference(2026, 7), "PJYJ-2026-000007");
    }
}
