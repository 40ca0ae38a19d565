//! A social group is founded in two stages (issue 22, item 19). The regulation in force,
//! 社会团体登记管理条例 (国务院令250, 1998, as amended by 国务院令666 in 2016), still has them —
//! its 2016 text (read at jianbiaoku.com/webarbs/book/164190) keeps:
//!
//! - art. 9: the founders apply to the registering authority for preparation (申请筹备), after the
//!   supervising unit's consent;
//! - art. 11: the documents of that application (筹备申请书, the unit's approval, the capital
//!   verification and domicile, the founders' particulars, the draft articles);
//! - art. 12: the authority decides whether to approve preparation within 60 days of receiving
//!   all valid documents, with reasons when it refuses;
//! - art. 13: the grounds on which preparation is refused;
//! - art. 14: within 6 months of the approval of preparation the group holds its members'
//!   (representatives') general meeting, adopts its articles, elects its executive body,
//!   officers and legal representative, and applies for founding registration (成立登记); during
//!   preparation it does nothing but prepare;
//! - arts. 15-16: the authority completes its review of the founding application within 30 days
//!   of receiving the complete documents and registers or refuses the group.
//!
//! These are the rules of the two stages and their clocks, pure. The registration flow
//! (`domain/application.rs`) decides a social group's application in one stage today; joining
//! this model to it (a preparation approval, then a founding application) is left to the
//! lifecycle's owner. Periods in days count from the next day (民法典 art. 201); the 6 months
//! end on the same day of the sixth month, or its last day (民法典 art. 202).

use crate::domain::credit::add_months;
use time::{Date, Duration};

/// 社团条例 art. 12: days to decide on preparation.
pub const PREPARATION_DECISION_DAYS: i64 = 60;
/// 社团条例 art. 14: months from the approval of preparation to the founding application.
pub const PREPARATION_MONTHS: i32 = 6;
/// 社团条例 art. 15: days to review the founding application.
pub const FOUNDING_DECISION_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// 申请筹备: waiting for the decision on preparation (art. 12).
    PreparationApplied,
    /// 不批准筹备 (arts. 12-13).
    PreparationRefused,
    /// 筹备中: preparation approved on the day given; the founding meeting and application
    /// are due within 6 months (art. 14).
    Preparing { approved_on: Date },
    /// The 6 months passed without a founding application: preparation lapsed.
    PreparationLapsed,
    /// 申请成立登记: waiting for the founding decision (art. 15).
    FoundingApplied { received_on: Date },
    /// 准予登记.
    Registered,
    /// 不予登记 (art. 13 by reference).
    FoundingRefused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    ApprovePreparation {
        on: Date,
    },
    RefusePreparation,
    /// The founding application, with the day of the founding meeting, received on `on`.
    ApplyFounding {
        meeting_on: Date,
        on: Date,
    },
    Register,
    RefuseFounding,
    /// The daily check on `today`.
    Tick {
        today: Date,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageError {
    /// The event does not apply in this stage.
    NotNow,
    /// The founding application came after the 6 months of preparation.
    PreparationOver,
    /// The founding meeting was held before preparation was approved.
    MeetingBeforeApproval,
}

/// The last day to decide on preparation, for an application whose documents were all
/// received on `received` (art. 12).
pub fn preparation_decision_due(received: Date) -> Date {
    received.saturating_add(Duration::days(PREPARATION_DECISION_DAYS))
}

/// The last day to hold the founding meeting and apply for founding registration (art. 14).
pub fn founding_due(approved_on: Date) -> Date {
    add_months(approved_on, PREPARATION_MONTHS)
}

/// The last day to decide on the founding application received on `received` (art. 15).
pub fn founding_decision_due(received: Date) -> Date {
    received.saturating_add(Duration::days(FOUNDING_DECISION_DAYS))
}

/// The one transition function of the two stages.
pub fn transition(stage: Stage, event: Event) -> Result<Stage, StageError> {
    use Event as E;
    use Stage as S;
    match (stage, event) {
        (S::PreparationApplied, E::ApprovePreparation { on }) => {
            Ok(S::Preparing { approved_on: on })
        }
        (S::PreparationApplied, E::RefusePreparation) => Ok(S::PreparationRefused),
        (S::Preparing { approved_on }, E::ApplyFounding { meeting_on, on }) => {
            if meeting_on < approved_on {
                Err(StageError::MeetingBeforeApproval)
            } else if on > founding_due(approved_on) {
                Err(StageError::PreparationOver)
            } else {
                Ok(S::FoundingApplied { received_on: on })
            }
        }
        (S::Preparing { approved_on }, E::Tick { today }) if today > founding_due(approved_on) => {
            Ok(S::PreparationLapsed)
        }
        (S::FoundingApplied { .. }, E::Register) => Ok(S::Registered),
        (S::FoundingApplied { .. }, E::RefuseFounding) => Ok(S::FoundingRefused),
        (s, E::Tick { .. }) => Ok(s),
        _ => Err(StageError::NotNow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_clocks_of_the_two_stages() {
        // Art. 12: 60 days from the day all documents were received.
        assert_eq!(
            preparation_decision_due(date!(2026 - 11 - 28)),
            date!(2027 - 01 - 27)
        );
        // Art. 14: 6 months; a month without the day ends on its last day.
        assert_eq!(founding_due(date!(2026 - 08 - 31)), date!(2027 - 02 - 28));
        assert_eq!(founding_due(date!(2026 - 06 - 01)), date!(2026 - 12 - 01));
        // Art. 15: 30 days.
        assert_eq!(
            founding_decision_due(date!(2026 - 12 - 01)),
            date!(2026 - 12 - 31)
        );
    }

    #[test]
    fn preparation_then_founding_within_six_months() {
        let approved = date!(2026 - 06 - 01);
        let preparing = Stage::Preparing {
            approved_on: approved,
        };
        assert_eq!(
            transition(
                Stage::PreparationApplied,
                Event::ApprovePreparation { on: approved }
            ),
            Ok(preparing)
        );
        // On the last day of the 6 months: on time.
        let meeting = date!(2026 - 11 - 20);
        assert_eq!(
            transition(
                preparing,
                Event::ApplyFounding {
                    meeting_on: meeting,
                    on: date!(2026 - 12 - 01)
                }
            ),
            Ok(Stage::FoundingApplied {
                received_on: date!(2026 - 12 - 01)
            })
        );
        // A day later: preparation is over.
        assert_eq!(
            transition(
                preparing,
                Event::ApplyFounding {
                    meeting_on: meeting,
                    on: date!(2026 - 12 - 02)
                }
            ),
            Err(StageError::PreparationOver)
        );
        assert_eq!(
            transition(
                preparing,
                Event::Tick {
                    today: date!(2026 - 12 - 01)
                }
            ),
            Ok(preparing)
        );
        assert_eq!(
            transition(
                preparing,
                Event::Tick {
                    today: date!(2026 - 12 - 02)
                }
            ),
            Ok(Stage::PreparationLapsed)
        );
        assert_eq!(
            transition(
                preparing,
                Event::ApplyFounding {
                    meeting_on: date!(2026 - 05 - 31),
                    on: date!(2026 - 06 - 02)
                }
            ),
            Err(StageError::MeetingBeforeApproval)
        );
        assert_eq!(
            transition(preparing, Event::Register),
            Err(StageError::NotNow),
            "no founding registration without its application"
        );
        let applied = Stage::FoundingApplied {
            received_on: date!(2026 - 12 - 01),
        };
        assert_eq!(transition(applied, Event::Register), Ok(Stage::Registered));
        assert_eq!(
            transition(Stage::PreparationApplied, Event::RefusePreparation),
            Ok(Stage::PreparationRefused)
        );
    }
}
