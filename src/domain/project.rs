//! The procurement project's lifecycle (DOMAIN §5), pure: one round at a time, from its draft
//! through publication and opening to the award and the contract, or to failure and a new
//! round, or to cancellation. `transition` is the only way a status changes; the store writes
//! its answer with a compare-and-set on the old status.

use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Being prepared (round 1) or re-prepared after a failed round.
    Draft,
    /// The notice is out and bids are taken until the deadline.
    Published,
    /// Bids were opened (enough of them): review, panel, scoring.
    Opened,
    /// The award is confirmed; contracts are being signed.
    Awarded,
    /// At least one contract is signed.
    Contracted,
    /// The round failed (too few bids, nobody left to award); it may be published again.
    Failed,
    /// Cancelled with its reason; final.
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Draft,
        Status::Published,
        Status::Opened,
        Status::Awarded,
        Status::Contracted,
        Status::Failed,
        Status::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Opened => "opened",
            Status::Awarded => "awarded",
            Status::Contracted => "contracted",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Templates and JSON see the code, as before.
impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// What moves a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Publish,
    Cancel,
    /// The opening: enough bids, or too few (the round fails).
    Open {
        enough: bool,
    },
    /// A consultation's sealed final quotes opened: enough of them, or too few.
    OpenFinal {
        enough: bool,
    },
    /// The qualification and compliance review left too few valid bids.
    TooFewValid,
    /// The award confirmed (by the purchaser or by silence).
    Award,
    /// A contract signed with a winner.
    Contract,
    /// Nobody is left to award (every winner passed over).
    NoWinner,
    /// A failed round is prepared again as a new round.
    Republish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub from: Status,
    pub action: Action,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        "err-project-state"
    }
}

/// The project's one transition function.
pub fn transition(from: Status, action: Action) -> Result<Status, Refusal> {
    use Action as A;
    use Status as S;
    let to = match (from, action) {
        (S::Draft, A::Publish) => S::Published,
        (S::Draft | S::Published, A::Cancel) => S::Cancelled,
        (S::Published, A::Open { enough: true }) => S::Opened,
        (S::Published, A::Open { enough: false }) => S::Failed,
        (S::Opened, A::OpenFinal { enough: true }) => S::Opened,
        (S::Opened, A::OpenFinal { enough: false } | A::TooFewValid) => S::Failed,
        (S::Opened, A::Award) => S::Awarded,
        (S::Opened, A::NoWinner) => S::Failed,
        (S::Awarded, A::NoWinner) => S::Failed,
        (S::Awarded | S::Contracted, A::Contract) => S::Contracted,
        (S::Failed, A::Republish) => S::Draft,
        _ => return Err(Refusal { from, action }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::json!(s.code()))
            );
        }
        assert_eq!(Status::parse("evaluating"), None);
    }

    #[test]
    fn the_round_runs_from_draft_to_contract_or_fails_and_starts_again() {
        let mut s = Status::Draft;
        for (a, to) in [
            (Action::Publish, Status::Published),
            (Action::Open { enough: true }, Status::Opened),
            (Action::Award, Status::Awarded),
            (Action::Contract, Status::Contracted),
            (Action::Contract, Status::Contracted),
        ] {
            s = transition(s, a).unwrap_or(s);
            assert_eq!(s, to, "{a:?}");
        }
        assert_eq!(
            transition(Status::Published, Action::Open { enough: false }),
            Ok(Status::Failed)
        );
        assert_eq!(
            transition(Status::Failed, Action::Republish),
            Ok(Status::Draft)
        );
        assert_eq!(
            transition(Status::Awarded, Action::NoWinner),
            Ok(Status::Failed)
        );
    }

    #[test]
    fn nothing_leaves_cancellation_and_nothing_skips_a_step() {
        for a in [
            Action::Publish,
            Action::Cancel,
            Action::Open { enough: true },
            Action::OpenFinal { enough: true },
            Action::TooFewValid,
            Action::Award,
            Action::Contract,
            Action::NoWinner,
            Action::Republish,
        ] {
            assert!(transition(Status::Cancelled, a).is_err(), "{a:?}");
        }
        assert!(transition(Status::Draft, Action::Award).is_err());
        assert!(transition(Status::Published, Action::Award).is_err());
        assert!(transition(Status::Opened, Action::Contract).is_err());
        assert!(
            transition(Status::Opened, Action::Cancel).is_err(),
            "opened bids are not cancelled"
        );
        assert!(transition(Status::Contracted, Action::NoWinner).is_err());
        assert!(transition(Status::Opened, Action::Publish).is_err());
        assert!(transition(Status::Published, Action::OpenFinal { enough: true }).is_err());
        assert_eq!(
            transition(Status::Opened, Action::TooFewValid),
            Ok(Status::Failed)
        );
        assert_eq!(
            transition(Status::Opened, Action::OpenFinal { enough: true }),
            Ok(Status::Opened)
        );
    }

    fn any_action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Publish),
            Just(Action::Cancel),
            any::<bool>().prop_map(|enough| Action::Open { enough }),
            any::<bool>().prop_map(|enough| Action::OpenFinal { enough }),
            Just(Action::TooFewValid),
            Just(Action::Award),
            Just(Action::Contract),
            Just(Action::NoWinner),
            Just(Action::Republish),
        ]
    }

    proptest! {
        /// Random sequences of actions only ever follow the table's edges: a contract always
        /// had an award, an award an opening, an opening a publication; after cancellation
        /// nothing moves.
        #[test]
        fn random_histories_follow_the_table(actions in proptest::collection::vec(any_action(), 1..80)) {
            let mut s = Status::Draft;
            let (mut published, mut opened, mut awarded) = (false, false, false);
            for a in actions {
                match transition(s, a) {
                    Ok(next) => {
                        prop_assert!(s != Status::Cancelled);
                        match next {
                            Status::Published => published = true,
                            Status::Opened => { prop_assert!(published); opened = true; }
                            Status::Awarded => { prop_assert!(opened); awarded = true; }
                            Status::Contracted => prop_assert!(awarded),
                            Status::Draft => { published = false; opened = false; awarded = false; }
                            Status::Failed | Status::Cancelled => {}
                        }
                        s = next;
                    }
                    Err(r) => prop_assert_eq!(r.from, s),
                }
            }
        }
    }
}
