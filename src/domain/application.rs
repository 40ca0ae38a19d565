//! A registration application's life (DOMAIN §2): its states, the sections an applicant fills
//! in, what a registrar may do at each state, and the two statutory clocks — 5 working days to
//! accept or send the one correction notice (行政许可法 32), then the decision clock.

use crate::domain::calendar::Calendar;
use serde::Serialize;
use time::{Date, Duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    /// Received; the registrar has 5 working days.
    Submitted,
    /// The one correction notice was sent; the applicant amends and submits again.
    Correction,
    /// 受理: the decision clock runs.
    Accepted,
    /// 准予登记.
    Approved,
    /// 不予登记.
    Refused,
    /// 不予受理 (with a referral to the right authority).
    Declined,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Draft,
        Status::Submitted,
        Status::Correction,
        Status::Accepted,
        Status::Approved,
        Status::Refused,
        Status::Declined,
        Status::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Correction => "correction",
            Status::Accepted => "accepted",
            Status::Approved => "approved",
            Status::Refused => "refused",
            Status::Declined => "declined",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }

    /// The applicant may still edit (a draft, or after the correction notice).
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Correction)
    }

    /// Waiting for the registrar.
    pub fn open(self) -> bool {
        matches!(self, Status::Submitted | Status::Accepted)
    }
}

/// A registrar's action, and the states it is allowed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Correct,
    Decline,
    Approve,
    Refuse,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "accept" => Action::Accept,
            "correct" => Action::Correct,
            "decline" => Action::Decline,
            "approve" => Action::Approve,
            "refuse" => Action::Refuse,
            _ => return None,
        })
    }

    /// Whether the action may be taken now. Only one correction notice is ever sent.
    pub fn allowed(self, status: Status, correction_sent: bool) -> bool {
        match self {
            Action::Accept | Action::Decline => status == Status::Submitted,
            Action::Correct => status == Status::Submitted && !correction_sent,
            Action::Approve | Action::Refuse => status == Status::Accepted,
        }
    }
}

/// Everything that moves an application: the applicant's steps, the registrar's actions and
/// the acceptance job's timer (an application not handled in 5 working days counts as accepted,
/// 行政许可法 32(四)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Submit,
    Withdraw,
    Registrar(Action),
    AcceptLapsed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub from: Status,
    pub step: Step,
}

/// The application's one transition function; the store writes its answer with a
/// compare-and-set on `from` (`db::applications::advance`).
pub fn transition(from: Status, step: Step, correction_sent: bool) -> Result<Status, Refusal> {
    use Status as S;
    let to = match step {
        Step::Submit if matches!(from, S::Draft | S::Correction) => S::Submitted,
        Step::Withdraw if matches!(from, S::Draft | S::Correction | S::Submitted | S::Accepted) => {
            S::Withdrawn
        }
        Step::AcceptLapsed if from == S::Submitted => S::Accepted,
        Step::Registrar(a) if a.allowed(from, correction_sent) => match a {
            Action::Accept => S::Accepted,
            Action::Correct => S::Correction,
            Action::Decline => S::Declined,
            Action::Approve => S::Approved,
            Action::Refuse => S::Refused,
        },
        _ => return Err(Refusal { from, step }),
    };
    Ok(to)
}

/// A social group registers in one stage (issue 22, item 19). The 1998 regulation
/// (社会团体登记管理条例, 国务院令250) had two: 申请筹备 (arts. 9, 11), approval of preparation
/// within 60 days (art. 12), the founding meeting and 成立登记 within 6 months (art. 14), and a
/// 30-day review of that (art. 16). 国务院令666 (国务院关于修改部分行政法规的决定, 6 February
/// 2016, item 18) replaced 申请筹备 with 申请登记 in arts. 9, 11 and 13, rewrote art. 12 — the
/// authority decides 准予或者不予登记 within 60 days of receiving all valid documents — and
/// deleted arts. 14 and 16. So a social group's application is decided like any other, on the
/// 60-day clock of `registry.decision_days`. What is left of preparation is art. 9 para. 2:
/// 筹备期间不得开展筹备以外的活动 — until registered, the founders do nothing but prepare,
/// which the applicant is told while the application is open.
pub fn preparation_only(org_type: &str, status: Status) -> bool {
    crate::domain::registration::OrgType::parse(org_type)
        == Some(crate::domain::registration::OrgType::SocialGroup)
        && matches!(
            status,
            Status::Draft | Status::Submitted | Status::Correction | Status::Accepted
        )
}

/// The parts of the application form, in the order of the task list.
pub const SECTIONS: [&str; 6] = [
    "basics",
    "domicile",
    "people",
    "funds",
    "contact",
    "documents",
];

/// The mandatory refusal grounds of 社团条例 13 (and their counterparts for the other types).
pub const REFUSAL_GROUNDS: [&str; 4] = [
    "unlawful_purpose",
    "same_kind_exists",
    "founder_capacity",
    "false_documents",
];

/// What an attachment is.
pub const ATTACHMENT_KINDS: [&str; 5] = [
    "articles",
    "capital",
    "domicile_proof",
    "representative_id",
    "supervisor_approval",
];

/// The officer roles an application names.
pub const OFFICER_ROLES: [&str; 4] = [
    "legal_representative",
    "director",
    "supervisor",
    "secretary_general",
];

/// Working days to accept or send the one correction notice (行政许可法 32).
pub const ACCEPT_WORKING_DAYS: u32 = 5;

/// The last day the registrar may accept or send the correction notice: the 5th working day
/// after the day the application was received.
pub fn accept_by(cal: &Calendar, received: Date) -> Date {
    cal.add_working_days(received, ACCEPT_WORKING_DAYS)
}

/// The decision clock's period: working days, or calendar days that with `roll` move off a
/// last day that is not a working day.
pub fn decision_period(days: u32, working: bool, roll: bool) -> crate::domain::calendar::Period {
    use crate::domain::calendar::Period;
    if working {
        Period::WorkingDays(days)
    } else {
        Period::Days { days, roll }
    }
}

/// The decision clock's last day, counted from the day of acceptance.
pub fn decision_due(cal: &Calendar, accepted: Date, days: u32, working: bool) -> Date {
    if working {
        cal.add_working_days(accepted, days)
    } else {
        accepted.saturating_add(Duration::days(i64::from(days)))
    }
}

/// Days left until `due` as seen on `today` (negative when overdue), counted the way the clock
/// counts.
pub fn days_left(cal: &Calendar, today: Date, due: Date, working: bool) -> i64 {
    if working {
        if due >= today {
            i64::from(cal.working_days_between(today, due))
        } else {
            -i64::from(cal.working_days_between(due, today))
        }
    } else {
        (due - today).whole_days()
    }
}

/// The days a decision may take: 60 (config), 30 for a charity (慈善法 10).
pub fn decision_days(configured: u32, charity: bool) -> u32 {
    if charity {
        configured.min(30)
    } else {
        configured
    }
}

/// What an uploaded file really is, by its first bytes; the declared type is not trusted.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// An ID number as staff see it on an application: region and last four characters.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

#[cfg(test)]
mod lifecycle_tests {
    use super::*;
    use proptest::prelude::*;

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Submit),
            Just(Step::Withdraw),
            Just(Step::AcceptLapsed),
            Just(Step::Registrar(Action::Accept)),
            Just(Step::Registrar(Action::Correct)),
            Just(Step::Registrar(Action::Decline)),
            Just(Step::Registrar(Action::Approve)),
            Just(Step::Registrar(Action::Refuse)),
        ]
    }

    /// Who acts next on a state: the applicant, the registrar, or nobody (decided).
    fn party(s: Status) -> &'static str {
        match s {
            Status::Draft | Status::Correction => "applicant",
            Status::Submitted | Status::Accepted => "registrar",
            _ => "nobody",
        }
    }

    #[test]
    fn the_decided_states_are_final() {
        for from in [
            Status::Approved,
            Status::Refused,
            Status::Declined,
            Status::Withdrawn,
        ] {
            for st in [Step::Submit, Step::Withdraw, Step::AcceptLapsed] {
                assert!(transition(from, st, false).is_err());
            }
        }
        assert_eq!(
            transition(Status::Submitted, Step::AcceptLapsed, false),
            Ok(Status::Accepted)
        );
        assert_eq!(
            transition(Status::Correction, Step::Submit, true),
            Ok(Status::Submitted)
        );
        assert!(transition(Status::Submitted, Step::Registrar(Action::Correct), true).is_err());
    }

    proptest! {
        /// Random sequences from a draft: one correction notice at most, a decision only after
        /// acceptance, nothing after a final state, and every waiting state has one party.
        #[test]
        fn the_model_holds(steps in proptest::collection::vec(step(), 0..25)) {
            let mut s = Status::Draft;
            let mut corrections = 0;
            let mut accepted = false;
            for st in steps {
                match transition(s, st, corrections > 0) {
                    Ok(to) => {
                        prop_assert!(party(s) != "nobody", "moved out of a final state");
                        if to == Status::Correction && s != Status::Correction {
                            corrections += 1;
                        }
                        if to == Status::Accepted {
                            accepted = true;
                        }
                        if matches!(to, Status::Approved | Status::Refused) {
                            prop_assert!(accepted && s == Status::Accepted);
                        }
                        s = to;
                    }
                    Err(r) => prop_assert_eq!(r.from, s),
                }
                prop_assert!(corrections <= 1);
                prop_assert_eq!(s.open(), party(s) == "registrar");
                prop_assert_eq!(s.editable(), party(s) == "applicant");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cal() -> Calendar {
        match Calendar::built_in() {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn five_working_days_step_over_the_national_day_holiday() {
        // Received on Wednesday 30 September 2026; 1–7 October are holidays and Saturday
        // 10 October is a working day.
        let c = cal();
        assert_eq!(accept_by(&c, date!(2026 - 09 - 30)), date!(2026 - 10 - 13));
        // An ordinary week: Monday → the next Monday.
        assert_eq!(accept_by(&c, date!(2026 - 11 - 16)), date!(2026 - 11 - 23));
    }

    #[test]
    fn the_decision_clock_counts_calendar_or_working_days() {
        let c = cal();
        let d = date!(2026 - 11 - 02);
        assert_eq!(decision_due(&c, d, 60, false), date!(2027 - 01 - 01));
        assert_eq!(decision_due(&c, d, 30, false), date!(2026 - 12 - 02));
        assert_eq!(decision_due(&c, d, 5, true), date!(2026 - 11 - 09));
        assert_eq!(decision_days(60, true), 30);
        assert_eq!(decision_days(60, false), 60);
        assert_eq!(decision_days(20, true), 20);
        assert_eq!(
            days_left(&c, date!(2026 - 11 - 28), date!(2026 - 11 - 30), false),
            2
        );
        assert_eq!(
            days_left(&c, date!(2026 - 11 - 30), date!(2026 - 11 - 28), false),
            -2
        );
        // Saturday to Monday is one working day; Monday to the Saturday before, one overdue.
        assert_eq!(
            days_left(&c, date!(2026 - 11 - 28), date!(2026 - 11 - 30), true),
            1
        );
        assert_eq!(
            days_left(&c, date!(2026 - 12 - 01), date!(2026 - 11 - 27), true),
            -2
        );
    }

    #[test]
    fn one_correction_notice_and_actions_only_in_their_state() {
        assert!(Action::Correct.allowed(Status::Submitted, false));
        assert!(!Action::Correct.allowed(Status::Submitted, true));
        assert!(Action::Accept.allowed(Status::Submitted, true));
        assert!(!Action::Approve.allowed(Status::Submitted, false));
        assert!(Action::Approve.allowed(Status::Accepted, true));
        assert!(!Action::Accept.allowed(Status::Accepted, false));
        assert!(!Action::Refuse.allowed(Status::Approved, false));
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn only_an_open_social_group_application_is_told_to_do_nothing_but_prepare() {
        for s in Status::ALL {
            let open = matches!(
                s,
                Status::Draft | Status::Submitted | Status::Correction | Status::Accepted
            );
            assert_eq!(preparation_only("social_group", s), open, "{s:?}");
            assert!(!preparation_only("social_service_institution", s));
            assert!(!preparation_only("foundation", s));
        }
    }

    #[test]
    fn files_are_known_by_their_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(sniff(b"<html>%PDF-"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn id_numbers_are_masked() {
        assert_eq!(mask_id_number("33020319800101123X"), "330203********123X");
        assert_eq!(mask_id_number("123"), "***");
    }
}
