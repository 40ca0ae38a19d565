//! A challenge (质疑) and the complaint (投诉) that may follow it (DOMAIN §5; 采购法 52–56,
//! 94号令), pure. A bidder's inquiry or challenge waits for the procedure's answer (7 working
//! days for a challenge); once answered, or once the answer period has passed without one, the
//! challenger may complain to the supervisor within 15 working days after the answer period
//! (an inquiry cannot be complained about); the supervisor decides the complaint once. The
//! stage is read from the facts, `transition` says what an action does, and the stores write
//! with a compare-and-set (`answered_at IS NULL`, `decided_at IS NULL`, one complaint per
//! challenge).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 询问: answered in 3 working days; no complaint follows.
    Inquiry,
    /// 质疑: answered in 7 working days; a complaint may follow.
    Challenge,
}

codes!(Kind {
    Inquiry => "inquiry",
    Challenge => "challenge",
});

/// The step of the procedure a challenge to the process (采购过程) is about. Its 7 working days
/// run from the end of that step (实施条例 art. 53(2): "对采购过程提出质疑的，为各采购程序环节结束之日"),
/// so each step opens its own window: the opening, the purchaser's qualification result, the
/// panel's compliance result, and the panel's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessStep {
    Opening,
    Qualification,
    Compliance,
    Report,
}

codes!(ProcessStep {
    Opening => "opening",
    Qualification => "qualification",
    Compliance => "compliance",
    Report => "report",
});

impl ProcessStep {
    /// The project events that end the step (whichever outcome it had); the opening ends at
    /// the opening's own time instead.
    pub fn ending_events(self) -> &'static [&'static str] {
        match self {
            ProcessStep::Opening => &[],
            ProcessStep::Qualification => &["qualified", "review_failed"],
            ProcessStep::Compliance => &["compliance", "compliance_failed"],
            ProcessStep::Report => &["report_delivered"],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Upheld,
    Dismissed,
}

codes!(Outcome {
    Upheld => "upheld",
    Dismissed => "dismissed",
});

/// Where a challenge stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Filed, inside its answer period, no answer yet: the procedure answers.
    Awaiting,
    /// The answer period passed without an answer: still to be answered (late), and the
    /// challenger may complain.
    Lapsed,
    /// Answered: the challenger may complain until the window closes.
    Answered,
    /// A complaint is open: the supervisor decides.
    Complained,
    /// The complaint is decided; final.
    Decided,
}

/// Who acts next on a stage (the work queue's one responsible party).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// Whoever runs the procedure: the purchaser, or the agency it is entrusted to.
    Procurer,
    /// The procurement supervisor (finance department).
    Supervisor,
    /// The challenger, who may complain (their choice, with its last day).
    Challenger,
    /// Nobody: nothing waits.
    Nobody,
}

/// What the transition needs to know, read by the caller (instants in ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub kind: Kind,
    pub now: i64,
    /// The end of the answer period.
    pub answer_due: i64,
    /// The last instant a complaint may be filed (15 working days after the answer period).
    pub complaint_last: i64,
    pub answered: bool,
    /// `None`: no complaint; `Some(None)`: open; `Some(Some(o))`: decided.
    pub complaint: Option<Option<Outcome>>,
}

impl Facts {
    pub fn stage(&self) -> Stage {
        match self.complaint {
            Some(Some(_)) => Stage::Decided,
            Some(None) => Stage::Complained,
            None if self.answered => Stage::Answered,
            None if self.now > self.answer_due => Stage::Lapsed,
            None => Stage::Awaiting,
        }
    }

    /// Who acts next. An unanswered challenge is the procedure's even while a complaint runs;
    /// the challenger's window is shown only while it is open, and never for an inquiry.
    pub fn responsible(&self) -> Party {
        match self.stage() {
            Stage::Awaiting | Stage::Lapsed => Party::Procurer,
            Stage::Complained => Party::Supervisor,
            Stage::Answered if self.kind == Kind::Challenge && self.now <= self.complaint_last => {
                Party::Challenger
            }
            _ => Party::Nobody,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Answer,
    Complain,
    Decide(Outcome),
}

/// The challenge's one transition function: the facts after the action, or the message key of
/// the refusal.
pub fn transition(f: Facts, action: Action) -> Result<Facts, &'static str> {
    let mut to = f;
    match action {
        Action::Answer => {
            if f.answered {
                return Err("err-challenge-answered");
            }
            to.answered = true;
        }
        Action::Complain => {
            if f.kind == Kind::Inquiry {
                return Err("err-complaint-inquiry");
            }
            if f.complaint.is_some() {
                return Err("err-complaint-exists");
            }
            if !f.answered && f.now <= f.answer_due {
                return Err("err-complaint-early");
            }
            if f.now > f.complaint_last {
                return Err("err-complaint-late");
            }
            to.complaint = Some(None);
        }
        Action::Decide(o) => match f.complaint {
            Some(None) => to.complaint = Some(Some(o)),
            Some(Some(_)) => return Err("err-complaint-decided"),
            None => return Err("err-complaint-none"),
        },
    }
    Ok(to)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DUE: i64 = 1_000;
    const LAST: i64 = 5_000;

    fn filed(kind: Kind, now: i64) -> Facts {
        Facts {
            kind,
            now,
            answer_due: DUE,
            complaint_last: LAST,
            answered: false,
            complaint: None,
        }
    }

    #[test]
    fn a_complaint_waits_for_the_answer_or_its_period_and_closes_after_fifteen_days() {
        let f = filed(Kind::Challenge, DUE);
        assert_eq!(f.stage(), Stage::Awaiting);
        assert_eq!(
            transition(f, Action::Complain),
            Err("err-complaint-early"),
            "at the last instant of the answer period"
        );
        let lapsed = Facts { now: DUE + 1, ..f };
        assert_eq!(lapsed.stage(), Stage::Lapsed);
        assert!(
            transition(lapsed, Action::Complain).is_ok(),
            "just after it"
        );
        let answered = transition(f, Action::Answer).unwrap();
        assert_eq!(answered.stage(), Stage::Answered);
        assert!(
            transition(answered, Action::Complain).is_ok(),
            "answered early"
        );
        let at_last = Facts {
            now: LAST,
            ..answered
        };
        assert!(
            transition(at_last, Action::Complain).is_ok(),
            "on the last instant"
        );
        let late = Facts {
            now: LAST + 1,
            ..answered
        };
        assert_eq!(
            transition(late, Action::Complain),
            Err("err-complaint-late")
        );
        assert_eq!(
            transition(answered, Action::Answer),
            Err("err-challenge-answered")
        );
        let inquiry = transition(filed(Kind::Inquiry, DUE + 1), Action::Answer).unwrap();
        assert_eq!(
            transition(inquiry, Action::Complain),
            Err("err-complaint-inquiry")
        );
        assert_eq!(inquiry.responsible(), Party::Nobody);
    }

    #[test]
    fn a_complaint_is_decided_once() {
        let f = Facts {
            answered: true,
            ..filed(Kind::Challenge, DUE + 1)
        };
        assert_eq!(
            transition(f, Action::Decide(Outcome::Upheld)),
            Err("err-complaint-none")
        );
        let open = transition(f, Action::Complain).unwrap();
        assert_eq!(open.responsible(), Party::Supervisor);
        let decided = transition(open, Action::Decide(Outcome::Dismissed)).unwrap();
        assert_eq!(decided.stage(), Stage::Decided);
        assert_eq!(decided.responsible(), Party::Nobody);
        assert_eq!(
            transition(decided, Action::Decide(Outcome::Upheld)),
            Err("err-complaint-decided")
        );
        assert_eq!(Outcome::parse("upheld"), Some(Outcome::Upheld));
        assert_eq!(Outcome::parse("maybe"), None);
        assert_eq!(Kind::parse("challenge"), Some(Kind::Challenge));
    }

    #[derive(Debug, Clone, Copy)]
    enum Step {
        Act(Action),
        Wait(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Act(Action::Answer)),
            Just(Step::Act(Action::Complain)),
            Just(Step::Act(Action::Decide(Outcome::Upheld))),
            Just(Step::Act(Action::Decide(Outcome::Dismissed))),
            (0i64..2_000).prop_map(Step::Wait),
        ]
    }

    proptest! {
        /// Random actions and clock moves: the stage only moves forward, a refused action
        /// changes nothing, a complaint exists only for a challenge that was answered or
        /// lapsed within the window, and every stage has exactly one responsible party.
        #[test]
        fn the_model_holds(
            inquiry in any::<bool>(),
            steps in proptest::collection::vec(step(), 0..30),
        ) {
            let kind = if inquiry { Kind::Inquiry } else { Kind::Challenge };
            let mut f = filed(kind, 0);
            let order = |s: Stage| match s {
                Stage::Awaiting | Stage::Lapsed | Stage::Answered => 0,
                Stage::Complained => 1,
                Stage::Decided => 2,
            };
            for s in steps {
                let before = f;
                match s {
                    Step::Wait(ms) => f.now += ms,
                    Step::Act(a) => match transition(f, a) {
                        Ok(to) => {
                            if a == Action::Complain {
                                prop_assert!(kind == Kind::Challenge);
                                prop_assert!(f.answered || f.now > f.answer_due);
                                prop_assert!(f.now <= f.complaint_last);
                            }
                            f = to;
                        }
                        Err(_) => prop_assert_eq!(f, before),
                    },
                }
                prop_assert!(order(f.stage()) >= order(before.stage()));
                prop_assert!(!before.answered || f.answered, "an answer is never taken back");
                // Exactly one party: the function is total, and it names somebody whenever
                // something is still to be done by someone.
                let party = f.responsible();
                // Once the supervisor has decided, an unanswered challenge waits on nobody.
                let waiting = matches!(f.stage(), Stage::Awaiting | Stage::Lapsed | Stage::Complained);
                prop_assert!(party != Party::Nobody || !waiting);
                prop_assert!(waiting || party != Party::Procurer);
            }
        }
    }
}
