//! The evaluation round's and the evaluation application's lifecycles (DOMAIN §4), pure. A
//! round is open for applications and scoring, then its committee meets, then its grades are
//! on public notice, then announced. An application is in review (experts scoring), scored
//! (a proposed grade), decided (the committee's grade, or a re-review's during the notice),
//! then announced. The stores write these answers with a compare-and-set on the old status.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoundStatus {
    Open,
    Committee,
    Notice,
    Announced,
}

codes!(RoundStatus {
    Open => "open",
    Committee => "committee",
    Notice => "notice",
    Announced => "announced",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppStatus {
    Review,
    Scored,
    Decided,
    Announced,
}

codes!(AppStatus {
    Review => "review",
    Scored => "scored",
    Decided => "decided",
    Announced => "announced",
});

/// The evaluation officer's decision on a downgrade proposal: confirmed (a lower grade, or the
/// grade ended without one) or dismissed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DowngradeOutcome {
    Confirmed,
    Dismissed,
}

codes!(DowngradeOutcome {
    Confirmed => "confirmed",
    Dismissed => "dismissed",
});

/// A pending proposal decided: the grade that replaces the current one (`None`: none), or the
/// refusal's message key. A confirmed downgrade that names a grade must name a lower one.
pub fn decide_downgrade(
    pending: bool,
    outcome: DowngradeOutcome,
    current: Option<crate::domain::evaluation::Grade>,
    new_grade: Option<crate::domain::evaluation::Grade>,
) -> Result<Option<crate::domain::evaluation::Grade>, &'static str> {
    if !pending {
        return Err("err-downgrade-decided");
    }
    match outcome {
        DowngradeOutcome::Dismissed => Ok(None),
        DowngradeOutcome::Confirmed => match (new_grade, current) {
            (None, _) => Ok(None),
            (Some(g), Some(c)) if g < c => Ok(Some(g)),
            (Some(_), _) => Err("err-downgrade-grade"),
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundAction {
    /// The committee met; needs applications, none of them still in review.
    HoldCommittee {
        applications: usize,
        in_review: usize,
    },
    PublishNotice,
    /// The notice has ended and every objection has its written answer.
    Announce {
        notice_ended: bool,
        unanswered: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppAction {
    /// The experts' sheets are in: a proposed grade (again, if a sheet is reopened).
    Score,
    /// The committee's decision, while the round's committee meets.
    Decide { round: RoundStatus },
    /// A re-review's decision, during the round's notice.
    ReReview { round: RoundStatus },
    /// The round is announced.
    Announce,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal;

impl Refusal {
    pub fn message_key(self) -> &'static str {
        "err-round-state"
    }
}

pub fn round_transition(from: RoundStatus, action: RoundAction) -> Result<RoundStatus, Refusal> {
    use RoundAction as A;
    use RoundStatus as S;
    match (from, action) {
        (
            S::Open,
            A::HoldCommittee {
                applications,
                in_review,
            },
        ) if applications > 0 && in_review == 0 => Ok(S::Committee),
        (S::Committee, A::PublishNotice) => Ok(S::Notice),
        (
            S::Notice,
            A::Announce {
                notice_ended: true,
                unanswered: 0,
            },
        ) => Ok(S::Announced),
        _ => Err(Refusal),
    }
}

pub fn app_transition(from: AppStatus, action: AppAction) -> Result<AppStatus, Refusal> {
    use AppAction as A;
    use AppStatus as S;
    match (from, action) {
        (S::Review | S::Scored, A::Score) => Ok(S::Scored),
        (
            S::Scored,
            A::Decide {
                round: RoundStatus::Open | RoundStatus::Committee,
            },
        ) => Ok(S::Decided),
        (
            S::Decided,
            A::ReReview {
                round: RoundStatus::Notice,
            },
        ) => Ok(S::Decided),
        (S::Decided, A::Announce) => Ok(S::Announced),
        _ => Err(Refusal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_round_trip() {
        for s in RoundStatus::ALL {
            assert_eq!(RoundStatus::parse(s.code()), Some(*s));
        }
        for s in AppStatus::ALL {
            assert_eq!(AppStatus::parse(s.code()), Some(*s));
        }
        assert_eq!(RoundStatus::parse("closed"), None);
        assert_eq!(
            serde_json::to_value(AppStatus::Decided).ok(),
            Some(serde_json::json!("decided"))
        );
    }

    #[test]
    fn the_committee_meets_only_when_every_application_is_scored() {
        let hold = |applications, in_review| RoundAction::HoldCommittee {
            applications,
            in_review,
        };
        assert_eq!(
            round_transition(RoundStatus::Open, hold(3, 0)),
            Ok(RoundStatus::Committee)
        );
        assert!(round_transition(RoundStatus::Open, hold(3, 1)).is_err());
        assert!(round_transition(RoundStatus::Open, hold(0, 0)).is_err());
        assert!(round_transition(RoundStatus::Notice, hold(3, 0)).is_err());
    }

    #[test]
    fn the_round_is_announced_after_its_notice_with_every_objection_answered() {
        let announce = |notice_ended, unanswered| RoundAction::Announce {
            notice_ended,
            unanswered,
        };
        assert_eq!(
            round_transition(RoundStatus::Notice, announce(true, 0)),
            Ok(RoundStatus::Announced)
        );
        assert!(round_transition(RoundStatus::Notice, announce(false, 0)).is_err());
        assert!(round_transition(RoundStatus::Notice, announce(true, 1)).is_err());
        assert!(round_transition(RoundStatus::Committee, announce(true, 0)).is_err());
        assert!(round_transition(RoundStatus::Open, RoundAction::PublishNotice).is_err());
    }

    #[test]
    fn an_application_is_decided_by_the_committee_and_changed_only_by_a_re_review_in_the_notice() {
        use AppAction as A;
        assert_eq!(
            app_transition(AppStatus::Review, A::Score),
            Ok(AppStatus::Scored)
        );
        assert_eq!(
            app_transition(
                AppStatus::Scored,
                A::Decide {
                    round: RoundStatus::Open
                }
            ),
            Ok(AppStatus::Decided)
        );
        assert!(app_transition(
            AppStatus::Review,
            A::Decide {
                round: RoundStatus::Open
            }
        )
        .is_err());
        assert!(app_transition(
            AppStatus::Scored,
            A::Decide {
                round: RoundStatus::Notice
            }
        )
        .is_err());
        assert_eq!(
            app_transition(
                AppStatus::Decided,
                A::ReReview {
                    round: RoundStatus::Notice
                }
            ),
            Ok(AppStatus::Decided)
        );
        assert!(app_transition(
            AppStatus::Decided,
            A::ReReview {
                round: RoundStatus::Announced
            }
        )
        .is_err());
        assert!(app_transition(
            AppStatus::Announced,
            A::ReReview {
                round: RoundStatus::Notice
            }
        )
        .is_err());
        assert!(app_transition(AppStatus::Decided, A::Score).is_err());
        assert_eq!(
            app_transition(AppStatus::Decided, A::Announce),
            Ok(AppStatus::Announced)
        );
        assert!(app_transition(AppStatus::Scored, A::Announce).is_err());
    }

    fn any_round_action() -> impl Strategy<Value = RoundAction> {
        prop_oneof![
            (0usize..3, 0usize..2).prop_map(|(applications, in_review)| {
                RoundAction::HoldCommittee {
                    applications,
                    in_review,
                }
            }),
            Just(RoundAction::PublishNotice),
            (any::<bool>(), 0usize..2).prop_map(|(notice_ended, unanswered)| {
                RoundAction::Announce {
                    notice_ended,
                    unanswered,
                }
            }),
        ]
    }

    proptest! {
        /// Random sequences only walk forward along the table: no step is skipped, nothing
        /// leaves the announcement, and the announcement always had an ended notice with every
        /// objection answered.
        #[test]
        fn a_round_walks_forward_only(actions in proptest::collection::vec(any_round_action(), 1..40)) {
            let order = |s: RoundStatus| RoundStatus::ALL.iter().position(|x| *x == s).unwrap_or(0);
            let mut s = RoundStatus::Open;
            for a in actions {
                if let Ok(next) = round_transition(s, a) {
                    prop_assert_eq!(order(next), order(s) + 1);
                    if next == RoundStatus::Announced {
                        prop_assert_eq!(a, RoundAction::Announce { notice_ended: true, unanswered: 0 });
                    }
                    s = next;
                }
            }
        }
    }

    #[test]
    fn a_downgrade_is_decided_once_and_only_lowers() {
        use crate::domain::evaluation::Grade;
        let (a3, a4) = (Grade::parse("3A"), Grade::parse("4A"));
        assert!(a3.is_some() && a4.is_some());
        let c = DowngradeOutcome::Confirmed;
        assert_eq!(decide_downgrade(true, c, a4, a3), Ok(a3));
        assert_eq!(
            decide_downgrade(true, c, a4, a4),
            Err("err-downgrade-grade")
        );
        assert_eq!(
            decide_downgrade(true, c, a3, a4),
            Err("err-downgrade-grade")
        );
        assert_eq!(decide_downgrade(true, c, a4, None), Ok(None));
        assert_eq!(
            decide_downgrade(true, DowngradeOutcome::Dismissed, a4, a3),
            Ok(None)
        );
        assert_eq!(
            decide_downgrade(false, c, a4, a3),
            Err("err-downgrade-decided")
        );
        assert_eq!(DowngradeOutcome::parse("confirmed"), Some(c));
        assert_eq!(DowngradeOutcome::parse("withdrawn"), None);
    }
}
