//! Annual inspection dates and the credit lists (DOMAIN §2, 民政部令60). Pure rules: which
//! years an organization owes a report for, when the abnormal-activity listing may end by
//! itself, and what puts an organization on the serious-violation list and takes it off.

use crate::domain::money::Money;
use time::{Date, Month};

/// The day a report for `year` is due: `month_day` ("05-31") of the next year.
pub fn report_due(year: i32, month_day: &str) -> Option<Date> {
    let (m, d) = month_day.split_once('-')?;
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year + 1, month, d.parse().ok()?).ok()
}

/// Whether an organization registered on `registered` skips the report for `year`: it did
/// not exist yet, or was registered after the cut-off day (30 June) of that year.
pub fn exempt(registered: Date, year: i32, cutoff_month_day: &str) -> bool {
    if registered.year() > year {
        return true;
    }
    if registered.year() < year {
        return false;
    }
    match report_due(year - 1, cutoff_month_day) {
        Some(cutoff) => registered > cutoff,
        None => false,
    }
}

/// Whether an organization holding `grades` (codes of the grades in force) may file for the
/// simplified annual inspection when the setting names `min` ("4a", "5a"; anything else:
/// nobody). 39号令 (社会组织评估管理办法): an organization graded 4A or above may use a simplified
/// annual inspection (简化年度检查程序).
pub fn simplified_allowed(grades: &[String], min: &str) -> bool {
    use crate::domain::evaluation::Grade;
    let Some(min) = Grade::parse(min) else {
        return false;
    };
    grades
        .iter()
        .filter_map(|g| Grade::parse(g))
        .any(|g| g >= min)
}

/// Whether the supervising unit's preliminary review (初审) of the report for `year`, done on
/// `reviewed_on`, came after its day (`month_day` of the next year, 31 March by default:
/// 社团条例 art. 31, 民非条例 art. 23 — 每年3月31日前向业务主管单位报送, 初审同意后 5月31日前
/// 报送登记管理机关).
pub fn review_late(year: i32, reviewed_on: Date, month_day: &str) -> bool {
    report_due(year, month_day).is_some_and(|due| reviewed_on > due)
}

/// Adds calendar months, clamping the day to the month's end.
pub fn add_months(d: Date, months: i32) -> Date {
    let total = d.year() * 12 + i32::from(u8::from(d.month())) - 1 + months;
    let year = total.div_euclid(12);
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1))
        .unwrap_or(Month::January);
    let mut day = d.day();
    loop {
        if let Ok(x) = Date::from_calendar_date(year, month, day) {
            return x;
        }
        day -= 1;
    }
}

/// An abnormal listing ends by itself 6 months after the latest listing event, and only when
/// nothing remains to rectify.
pub fn abnormal_ends(latest_listing: Date, today: Date, nothing_to_rectify: bool) -> bool {
    nothing_to_rectify && today >= add_months(latest_listing, 6)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PenaltyKind {
    Warning,
    Fine,
    Suspension,
    Revocation,
    Investigation,
    DishonestDebtor,
    /// A change registration revoked because it was obtained by fraud (弄虚作假办理变更登记，
    /// 被撤销变更登记: 民政部令60 art. 14(2)).
    ChangeRevoked,
}

impl PenaltyKind {
    pub const ALL: [PenaltyKind; 7] = [
        PenaltyKind::Warning,
        PenaltyKind::Fine,
        PenaltyKind::Suspension,
        PenaltyKind::Revocation,
        PenaltyKind::Investigation,
        PenaltyKind::DishonestDebtor,
        PenaltyKind::ChangeRevoked,
    ];

    /// Kinds a registrar records through the penalty form (revocations have their own
    /// actions).
    pub fn by_form(self) -> bool {
        !matches!(self, PenaltyKind::Revocation | PenaltyKind::ChangeRevoked)
    }

    pub fn code(self) -> &'static str {
        match self {
            PenaltyKind::Warning => "warning",
            PenaltyKind::Fine => "fine",
            PenaltyKind::Suspension => "suspension",
            PenaltyKind::Revocation => "revocation",
            PenaltyKind::Investigation => "investigation",
            PenaltyKind::DishonestDebtor => "dishonest_debtor",
            PenaltyKind::ChangeRevoked => "change_revoked",
        }
    }

    pub fn parse(s: &str) -> Option<PenaltyKind> {
        PenaltyKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Penalty {
    pub kind: PenaltyKind,
    pub on: Date,
    pub amount: Option<Money>,
}

/// A fine of at least this much puts an organization on the serious list (民政部令60 art.
/// 14(4)); a smaller one on the abnormal list (art. 10(5)).
pub fn large_fine() -> Money {
    Money::yuan(50_000)
}

/// The abnormal-list reason a penalty gives at once: a warning or a fine under 50,000 yuan
/// (民政部令60 art. 10(5): 受到警告或者不满5万元罚款处罚的). Other penalties lead to the serious
/// list (art. 14) through `serious_events`.
pub fn abnormal_reason(kind: PenaltyKind, amount: Option<Money>) -> Option<&'static str> {
    match kind {
        PenaltyKind::Warning => Some("penalty_warning"),
        PenaltyKind::Fine if amount.is_some_and(|a| a < large_fine()) => Some("small_fine"),
        _ => None,
    }
}

/// Whether an abnormal listing for `reason` leaves anything to rectify: a penalty's listing
/// does not (the penalty is the sanction), so it ends by itself after 6 months (民政部令60 art.
/// 13: 如不存在应当整改或者履行相关义务情形的，自列入之日起满6个月后移出); a missing report, an
/// unreachable address or a rectification not done stay until rectified.
pub fn nothing_to_rectify(reason: &str) -> bool {
    matches!(reason, "penalty_warning" | "small_fine" | "rectified")
}

/// The events that put an organization on the serious-violation list, with their dates:
/// 2 years on the abnormal list, revocation, an order to suspend, a fine ≥ 50,000, two or more
/// warnings or small fines within 3 years, listing as a dishonest judgment debtor.
///
/// `abnormal` are the organization's abnormal-list spans (listed, removed or `None` while
/// listed). A span of 2 years or more is an event that lasts until the span ends, so its date
/// is the day it ended (today while it continues): the 2 years before a serious listing ends
/// count from there.
pub fn serious_events(
    penalties: &[Penalty],
    abnormal: &[(Date, Option<Date>)],
    today: Date,
) -> Vec<(&'static str, Date)> {
    let mut out = Vec::new();
    for (listed, removed) in abnormal {
        let end = removed.unwrap_or(today).min(today);
        if end >= add_months(*listed, 24) {
            out.push(("abnormal_two_years", end));
        }
    }
    let mut small: Vec<Date> = Vec::new();
    for p in penalties.iter().filter(|p| p.on <= today) {
        match p.kind {
            PenaltyKind::Revocation => out.push(("revoked", p.on)),
            PenaltyKind::Suspension => out.push(("suspension", p.on)),
            PenaltyKind::DishonestDebtor => out.push(("dishonest_debtor", p.on)),
            // 民政部令60 art. 14(2).
            PenaltyKind::ChangeRevoked => out.push(("change_revoked", p.on)),
            PenaltyKind::Fine if p.amount.is_some_and(|a| a >= large_fine()) => {
                out.push(("large_fine", p.on));
            }
            PenaltyKind::Fine | PenaltyKind::Warning => small.push(p.on),
            PenaltyKind::Investigation => {}
        }
    }
    small.sort();
    for w in small.windows(2) {
        if w[1] <= add_months(w[0], 36) {
            out.push(("repeated_penalties", w[1]));
        }
    }
    out
}

/// A serious listing ends only after 2 years without a new event.
pub fn serious_ends(latest_event: Date, today: Date) -> bool {
    today >= add_months(latest_event, 24)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn reports_are_due_the_next_year_and_late_registrations_skip_a_year() {
        assert_eq!(report_due(2025, "05-31"), Some(date!(2026 - 05 - 31)));
        assert_eq!(report_due(2025, "03-31"), Some(date!(2026 - 03 - 31)));
        assert!(!exempt(date!(2025 - 06 - 30), 2025, "06-30"));
        assert!(exempt(date!(2025 - 07 - 01), 2025, "06-30"));
        assert!(!exempt(date!(2025 - 07 - 01), 2026, "06-30"));
        assert!(exempt(date!(2026 - 01 - 01), 2025, "06-30"));
        assert!(!exempt(date!(2019 - 04 - 16), 2025, "06-30"));
    }

    #[test]
    fn four_a_and_above_may_use_the_simplified_inspection() {
        let g = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert!(simplified_allowed(&g(&["4a"]), "4a"));
        assert!(simplified_allowed(&g(&["5a"]), "4a"));
        assert!(!simplified_allowed(&g(&["3a"]), "4a"));
        assert!(!simplified_allowed(&g(&["4a"]), "5a"));
        assert!(!simplified_allowed(&g(&["5a"]), "none"));
        assert!(!simplified_allowed(&[], "4a"));
    }

    #[test]
    fn the_preliminary_review_is_due_by_the_31st_of_march() {
        assert!(!review_late(2025, date!(2026 - 03 - 31), "03-31"));
        assert!(review_late(2025, date!(2026 - 04 - 01), "03-31"));
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        assert_eq!(add_months(date!(2026 - 08 - 31), 6), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 06 - 01), 6), date!(2026 - 12 - 01));
        assert_eq!(add_months(date!(2026 - 06 - 01), 24), date!(2028 - 06 - 01));
    }

    #[test]
    fn the_abnormal_list_ends_after_six_months_only_when_rectified() {
        let listed = date!(2026 - 06 - 01);
        assert!(!abnormal_ends(listed, date!(2026 - 11 - 30), true));
        assert!(abnormal_ends(listed, date!(2026 - 12 - 01), true));
        assert!(!abnormal_ends(listed, date!(2027 - 12 - 01), false));
    }

    #[test]
    fn warnings_and_fines_under_fifty_thousand_list_on_the_abnormal_list() {
        // 民政部令60 art. 10(5), to the fen.
        let fine = |fen| abnormal_reason(PenaltyKind::Fine, Some(Money::from_fen(fen)));
        assert_eq!(fine(4_999_999), Some("small_fine"));
        assert_eq!(fine(5_000_000), None, "50,000.00 is serious (art. 14(4))");
        assert_eq!(fine(5_000_001), None);
        assert_eq!(
            abnormal_reason(PenaltyKind::Warning, None),
            Some("penalty_warning")
        );
        assert_eq!(abnormal_reason(PenaltyKind::Suspension, None), None);
        assert!(nothing_to_rectify("penalty_warning"));
        assert!(!nothing_to_rectify("annual_report_missing"));
    }

    #[test]
    fn a_change_registration_revoked_for_fraud_is_a_serious_event() {
        let p = Penalty {
            kind: PenaltyKind::ChangeRevoked,
            on: date!(2026 - 11 - 20),
            amount: None,
        };
        assert_eq!(
            serious_events(&[p], &[], date!(2026 - 11 - 28)),
            vec![("change_revoked", date!(2026 - 11 - 20))]
        );
        assert!(!PenaltyKind::ChangeRevoked.by_form());
    }

    #[test]
    fn serious_list_events() {
        let p = |kind, on, amount: Option<i64>| Penalty {
            kind,
            on,
            amount: amount.map(Money::yuan),
        };
        let today = date!(2026 - 11 - 28);
        assert!(serious_events(
            &[p(PenaltyKind::Fine, date!(2026 - 01 - 01), Some(49_999))],
            &[],
            today
        )
        .is_empty());
        assert_eq!(
            serious_events(
                &[p(PenaltyKind::Fine, date!(2026 - 01 - 01), Some(50_000))],
                &[],
                today
            ),
            vec![("large_fine", date!(2026 - 01 - 01))]
        );
        let two = [
            p(PenaltyKind::Warning, date!(2023 - 12 - 01), None),
            p(PenaltyKind::Fine, date!(2026 - 11 - 01), Some(1000)),
        ];
        assert_eq!(
            serious_events(&two, &[], today),
            vec![("repeated_penalties", date!(2026 - 11 - 01))]
        );
        let far = [
            p(PenaltyKind::Warning, date!(2023 - 10 - 01), None),
            p(PenaltyKind::Warning, date!(2026 - 11 - 01), None),
        ];
        assert!(
            serious_events(&far, &[], today).is_empty(),
            "more than 3 years apart"
        );
        assert_eq!(
            serious_events(&[], &[(date!(2024 - 11 - 28), None)], today),
            vec![("abnormal_two_years", date!(2026 - 11 - 28))]
        );
        assert!(serious_events(&[], &[(date!(2024 - 11 - 29), None)], today).is_empty());
        // Ended after 2 years and 3 months: the event is dated the day it ended.
        assert_eq!(
            serious_events(
                &[],
                &[(date!(2023 - 01 - 10), Some(date!(2025 - 04 - 10)))],
                today
            ),
            vec![("abnormal_two_years", date!(2025 - 04 - 10))]
        );
        assert!(serious_ends(date!(2024 - 11 - 28), today));
        assert!(!serious_ends(date!(2024 - 11 - 29), today));
    }
}
