//! The contract's lifecycle (DOMAIN §5–6), pure: its states, what may be done in each, and the
//! holds that suspend it. No database, no web: the service reads the facts, asks `transition`,
//! and writes what it answers.
//!
//! A challenge to the process or the result (one that could change the result) holds signing
//! while it is unanswered, and one filed *after* signing suspends performance of the contract
//! until answered (实施条例 54: 已经签订合同的，应当中止履行合同). A complaint alone suspends
//! nothing: the supervisor may order the procurement suspended, in writing, for at most 30 days
//! (采购法 57, 94号令 28); the order lapses by itself after its last day, when the complaint is
//! decided, or when the supervisor lifts it. While suspended a contract takes no payment, no
//! acceptance and no amendment. Final acceptance needs every milestone's deliverable accepted
//! and the end of the service term reached, or a reason for completing early.

use serde::Serialize;
use time::{Date, Duration};

/// The longest suspension a supervisor may order, in days after the day of the order
/// (采购法 57: 最长不得超过三十日; the day of the order is not counted, 民法典 201).
pub const ORDER_MAX_DAYS: i64 = 30;

/// Something that suspends a project's signing or its contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hold {
    /// A challenge to the process or the result that has no answer yet.
    Challenge { id: i64, filed_at: i64 },
    /// The supervisor's written suspension order, in force through `until` (its last day).
    Order {
        id: i64,
        complaint: i64,
        #[serde(serialize_with = "iso")]
        until: Date,
        reason: String,
    },
    /// A complaint was upheld and the purchaser has not yet acted on it (no winner changed).
    Upheld { complaint: i64 },
}

fn iso<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::domain::calendar::iso_date(*d))
}

/// A suspension order as stored: in force while not lifted, its complaint undecided, and today
/// not past its last day.
#[derive(Debug, Clone)]
pub struct OrderFacts {
    pub id: i64,
    pub complaint: i64,
    pub until: Date,
    pub reason: String,
    pub lifted: bool,
    pub complaint_decided: bool,
}

impl OrderFacts {
    pub fn in_force(&self, today: Date) -> bool {
        !self.lifted && !self.complaint_decided && today <= self.until
    }
}

/// A challenge as the holds need it.
#[derive(Debug, Clone)]
pub struct ChallengeFacts {
    pub id: i64,
    pub filed_at: i64,
    /// Against the process or the result (it could change the result).
    pub suspends: bool,
    pub answered: bool,
}

/// The holds on signing: unanswered suspending challenges, orders in force, and upheld
/// complaints not yet acted on.
pub fn signing_holds(
    challenges: &[ChallengeFacts],
    orders: &[OrderFacts],
    upheld_unresolved: &[i64],
    today: Date,
) -> Vec<Hold> {
    let mut out: Vec<Hold> = challenges
        .iter()
        .filter(|c| c.suspends && !c.answered)
        .map(|c| Hold::Challenge {
            id: c.id,
            filed_at: c.filed_at,
        })
        .collect();
    out.extend(order_holds(orders, today));
    out.extend(
        upheld_unresolved
            .iter()
            .map(|&complaint| Hold::Upheld { complaint }),
    );
    out
}

/// The holds on a signed contract: suspending challenges filed after signing and still
/// unanswered, and orders in force. (A challenge answered before signing was already weighed by
/// the purchaser who signed.)
pub fn contract_holds(
    signed_at: i64,
    challenges: &[ChallengeFacts],
    orders: &[OrderFacts],
    today: Date,
) -> Vec<Hold> {
    let mut out: Vec<Hold> = challenges
        .iter()
        .filter(|c| c.suspends && !c.answered && c.filed_at > signed_at)
        .map(|c| Hold::Challenge {
            id: c.id,
            filed_at: c.filed_at,
        })
        .collect();
    out.extend(order_holds(orders, today));
    out
}

fn order_holds(orders: &[OrderFacts], today: Date) -> impl Iterator<Item = Hold> + '_ {
    orders
        .iter()
        .filter(move |o| o.in_force(today))
        .map(|o| Hold::Order {
            id: o.id,
            complaint: o.complaint,
            until: o.until,
            reason: o.reason.clone(),
        })
}

/// Why a suspension order cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRefusal {
    /// The complaint is decided: there is nothing left to suspend for.
    Decided,
    /// The complaint already has an order (the 30 days are not renewable).
    Exists,
    /// The last day is before the day of the order or more than 30 days after it.
    Period,
    /// The written order needs its reason.
    Reason,
}

impl OrderRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            OrderRefusal::Decided => "err-complaint-decided",
            OrderRefusal::Exists => "err-order-exists",
            OrderRefusal::Period => "err-order-period",
            OrderRefusal::Reason => "err-order-reason",
        }
    }
}

/// The last day an order made on `ordered_on` may run to.
pub fn order_latest(ordered_on: Date) -> Date {
    ordered_on + Duration::days(ORDER_MAX_DAYS)
}

/// Checks a supervisor's suspension order for a complaint.
pub fn check_order(
    complaint_decided: bool,
    has_order: bool,
    ordered_on: Date,
    until: Date,
    reason: &str,
) -> Result<(), OrderRefusal> {
    if complaint_decided {
        return Err(OrderRefusal::Decided);
    }
    if has_order {
        return Err(OrderRefusal::Exists);
    }
    if until < ordered_on || until > order_latest(ordered_on) {
        return Err(OrderRefusal::Period);
    }
    if reason.trim().chars().count() < 4 {
        return Err(OrderRefusal::Reason);
    }
    Ok(())
}

/// The states of a signed contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being performed.
    Performing,
    /// Performance suspended by a hold: nothing is paid, accepted or amended.
    Suspended,
    /// Finally accepted (验收): the installments after acceptance are payable.
    Accepted,
    /// Ended early; payments up to the settlement remain possible.
    Terminated,
}

impl State {
    /// The state from what is stored and the holds in force.
    pub fn of(accepted: bool, terminated: bool, holds: &[Hold]) -> State {
        if terminated {
            State::Terminated
        } else if accepted {
            State::Accepted
        } else if !holds.is_empty() {
            State::Suspended
        } else {
            State::Performing
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Performing => "performing",
            State::Suspended => "suspended",
            State::Accepted => "accepted",
            State::Terminated => "terminated",
        }
    }
}

/// A filed deliverable's state: waiting for the purchaser, accepted, or returned with a reason
/// (the organization files again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliverableStatus {
    Submitted,
    Accepted,
    Returned,
}

impl DeliverableStatus {
    pub fn code(self) -> &'static str {
        match self {
            DeliverableStatus::Submitted => "submitted",
            DeliverableStatus::Accepted => "accepted",
            DeliverableStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<DeliverableStatus> {
        [
            DeliverableStatus::Submitted,
            DeliverableStatus::Accepted,
            DeliverableStatus::Returned,
        ]
        .into_iter()
        .find(|d| d.code() == s)
    }

    /// The purchaser's decision on a submitted deliverable; `None` once decided.
    pub fn decide(self, accept: bool) -> Option<DeliverableStatus> {
        match (self, accept) {
            (DeliverableStatus::Submitted, true) => Some(DeliverableStatus::Accepted),
            (DeliverableStatus::Submitted, false) => Some(DeliverableStatus::Returned),
            _ => None,
        }
    }
}

/// A milestone of the contract: its name and whether its deliverable was accepted with nothing
/// of it waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Milestone {
    pub name: String,
    pub accepted: bool,
}

/// What an action is checked against.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    #[serde(serialize_with = "iso")]
    pub today: Date,
    /// The last day of the service term.
    #[serde(serialize_with = "iso")]
    pub ends_on: Date,
    pub holds: Vec<Hold>,
    pub milestones: Vec<Milestone>,
}

/// What can be done to a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The organization files a progress report or a deliverable.
    FileDeliverable,
    /// The purchaser accepts or returns a deliverable.
    DecideDeliverable { accept: bool },
    /// The finance officer records a payment (its amount is checked by the ledger rules).
    Pay,
    /// An add-on purchase (its amount is checked by the ledger rules).
    AddOn,
    /// Final acceptance, with the reason when the term has not ended.
    AcceptFinal { early_reason: Option<String> },
    /// Termination with its settlement.
    Terminate,
}

/// What happened, for the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Accepted { early: bool },
    Terminated,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Terminated,
    Accepted,
    Suspended,
    /// These milestones have no accepted deliverable yet.
    MilestonesOpen(Vec<String>),
    /// The term has not ended and no reason for completing early was given.
    TermRunning,
}

impl Refusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            Refusal::Terminated => "err-contract-terminated",
            Refusal::Accepted => "err-acceptance-done",
            Refusal::Suspended => "err-contract-performance-suspended",
            Refusal::MilestonesOpen(_) => "err-acceptance-milestones",
            Refusal::TermRunning => "err-acceptance-early",
        }
    }
}

/// The one transition function of the contract: whether `action` may be taken in `state`
/// given `facts`, and the state it leads to.
pub fn transition(
    state: State,
    action: &Action,
    facts: &Facts,
) -> Result<(State, Vec<Event>), Refusal> {
    use Action as A;
    match (state, action) {
        (State::Terminated, A::Pay) => Ok((State::Terminated, vec![])),
        (State::Terminated, _) => Err(Refusal::Terminated),
        (State::Accepted, A::Pay) => Ok((State::Accepted, vec![])),
        (State::Accepted, _) => Err(Refusal::Accepted),
        (_, A::Terminate) => Ok((State::Terminated, vec![Event::Terminated])),
        (State::Suspended, A::FileDeliverable) => Ok((State::Suspended, vec![])),
        (State::Suspended, _) => Err(Refusal::Suspended),
        (State::Performing, A::AcceptFinal { early_reason }) => {
            let open: Vec<String> = facts
                .milestones
                .iter()
                .filter(|m| !m.accepted)
                .map(|m| m.name.clone())
                .collect();
            if !open.is_empty() {
                return Err(Refusal::MilestonesOpen(open));
            }
            let early = facts.today < facts.ends_on;
            if early
                && early_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().chars().count() < 4)
            {
                return Err(Refusal::TermRunning);
            }
            Ok((State::Accepted, vec![Event::Accepted { early }]))
        }
        (State::Performing, _) => Ok((State::Performing, vec![])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn order(until: Date) -> OrderFacts {
        OrderFacts {
            id: 1,
            complaint: 9,
            until,
            reason: "调查需要".into(),
            lifted: false,
            complaint_decided: false,
        }
    }

    fn challenge(filed_at: i64, suspends: bool, answered: bool) -> ChallengeFacts {
        ChallengeFacts {
            id: 3,
            filed_at,
            suspends,
            answered,
        }
    }

    #[test]
    fn an_order_runs_at_most_thirty_days_after_its_day() {
        let on = date!(2027 - 03 - 01);
        assert_eq!(order_latest(on), date!(2027 - 03 - 31));
        assert_eq!(
            check_order(false, false, on, date!(2027 - 03 - 31), "调查需要"),
            Ok(())
        );
        assert_eq!(
            check_order(false, false, on, date!(2027 - 03 - 30), "调查需要"),
            Ok(())
        );
        assert_eq!(
            check_order(false, false, on, date!(2027 - 04 - 01), "调查需要"),
            Err(OrderRefusal::Period)
        );
        assert_eq!(check_order(false, false, on, on, "调查需要"), Ok(()));
        assert_eq!(
            check_order(false, false, on, date!(2027 - 02 - 28), "调查需要"),
            Err(OrderRefusal::Period)
        );
        assert_eq!(
            check_order(false, false, on, on, "调查"),
            Err(OrderRefusal::Reason)
        );
        assert_eq!(
            check_order(false, false, on, on, "调查需要  ").map_err(|e| e.message_key()),
            Ok(())
        );
        assert_eq!(
            check_order(true, false, on, on, "调查需要"),
            Err(OrderRefusal::Decided)
        );
        assert_eq!(
            check_order(false, true, on, on, "调查需要"),
            Err(OrderRefusal::Exists)
        );
    }

    #[test]
    fn an_order_lapses_after_its_last_day_on_decision_or_when_lifted() {
        let o = order(date!(2027 - 03 - 31));
        assert!(o.in_force(date!(2027 - 03 - 31)));
        assert!(!o.in_force(date!(2027 - 04 - 01)));
        assert!(!OrderFacts {
            lifted: true,
            ..o.clone()
        }
        .in_force(date!(2027 - 03 - 02)));
        assert!(!OrderFacts {
            complaint_decided: true,
            ..o
        }
        .in_force(date!(2027 - 03 - 02)));
    }

    #[test]
    fn signing_waits_for_answers_orders_and_upheld_complaints_but_not_for_a_complaint_alone() {
        let today = date!(2027 - 03 - 05);
        assert!(signing_holds(&[challenge(10, true, true)], &[], &[], today).is_empty());
        assert!(signing_holds(&[challenge(10, false, false)], &[], &[], today).is_empty());
        assert_eq!(
            signing_holds(&[challenge(10, true, false)], &[], &[], today),
            vec![Hold::Challenge {
                id: 3,
                filed_at: 10
            }]
        );
        assert_eq!(
            signing_holds(&[], &[order(today)], &[], today).len(),
            1,
            "the order's last day still holds"
        );
        assert!(signing_holds(&[], &[order(date!(2027 - 03 - 04))], &[], today).is_empty());
        assert_eq!(
            signing_holds(&[], &[], &[9], today),
            vec![Hold::Upheld { complaint: 9 }]
        );
    }

    #[test]
    fn a_signed_contract_is_held_only_by_challenges_filed_after_signing() {
        let today = date!(2027 - 03 - 05);
        assert!(contract_holds(100, &[challenge(100, true, false)], &[], today).is_empty());
        assert_eq!(
            contract_holds(100, &[challenge(101, true, false)], &[], today).len(),
            1
        );
        assert!(contract_holds(100, &[challenge(101, true, true)], &[], today).is_empty());
        assert!(contract_holds(100, &[challenge(101, false, false)], &[], today).is_empty());
        assert_eq!(contract_holds(100, &[], &[order(today)], today).len(), 1);
    }

    fn facts(today: Date, milestones: &[(&str, bool)]) -> Facts {
        Facts {
            today,
            ends_on: date!(2027 - 12 - 31),
            holds: vec![],
            milestones: milestones
                .iter()
                .map(|(n, a)| Milestone {
                    name: (*n).into(),
                    accepted: *a,
                })
                .collect(),
        }
    }

    #[test]
    fn final_acceptance_needs_every_milestone_and_the_terms_end_or_a_reason() {
        let accept = |r: Option<&str>| Action::AcceptFinal {
            early_reason: r.map(Into::into),
        };
        let end = date!(2027 - 12 - 31);
        let f = facts(end, &[("中期", true), ("终期", false)]);
        assert_eq!(
            transition(State::Performing, &accept(None), &f),
            Err(Refusal::MilestonesOpen(vec!["终期".into()]))
        );
        let f = facts(end, &[("中期", true), ("终期", true)]);
        assert_eq!(
            transition(State::Performing, &accept(None), &f),
            Ok((State::Accepted, vec![Event::Accepted { early: false }]))
        );
        let f = facts(date!(2027 - 12 - 30), &[("中期", true)]);
        assert_eq!(
            transition(State::Performing, &accept(None), &f),
            Err(Refusal::TermRunning),
            "one day before the term's end"
        );
        assert_eq!(
            transition(State::Performing, &accept(Some("提前")), &f),
            Err(Refusal::TermRunning),
            "a reason of fewer than four characters is no reason"
        );
        assert_eq!(
            transition(State::Performing, &accept(Some("服务提前完成")), &f),
            Ok((State::Accepted, vec![Event::Accepted { early: true }]))
        );
        assert_eq!(
            transition(State::Accepted, &accept(None), &facts(end, &[])),
            Err(Refusal::Accepted)
        );
    }

    #[test]
    fn a_suspended_contract_takes_no_payment_acceptance_or_amendment() {
        let f = facts(date!(2027 - 12 - 31), &[]);
        for a in [
            Action::Pay,
            Action::AddOn,
            Action::DecideDeliverable { accept: true },
            Action::AcceptFinal { early_reason: None },
        ] {
            assert_eq!(
                transition(State::Suspended, &a, &f),
                Err(Refusal::Suspended),
                "{a:?}"
            );
            assert!(transition(State::Performing, &a, &f).is_ok(), "{a:?}");
        }
        assert_eq!(
            transition(State::Suspended, &Action::FileDeliverable, &f),
            Ok((State::Suspended, vec![]))
        );
        assert_eq!(
            transition(State::Suspended, &Action::Terminate, &f),
            Ok((State::Terminated, vec![Event::Terminated]))
        );
    }

    #[test]
    fn after_termination_only_payments_up_to_the_settlement_and_after_acceptance_only_payments() {
        let f = facts(date!(2027 - 12 - 31), &[]);
        assert!(transition(State::Terminated, &Action::Pay, &f).is_ok());
        assert!(transition(State::Accepted, &Action::Pay, &f).is_ok());
        for a in [
            Action::AddOn,
            Action::FileDeliverable,
            Action::Terminate,
            Action::DecideDeliverable { accept: false },
        ] {
            assert_eq!(
                transition(State::Terminated, &a, &f),
                Err(Refusal::Terminated)
            );
            assert_eq!(transition(State::Accepted, &a, &f), Err(Refusal::Accepted));
        }
    }

    #[test]
    fn state_of_prefers_termination_then_acceptance_then_holds() {
        let h = [Hold::Upheld { complaint: 1 }];
        assert_eq!(State::of(true, true, &h), State::Terminated);
        assert_eq!(State::of(true, false, &h), State::Accepted);
        assert_eq!(State::of(false, false, &h), State::Suspended);
        assert_eq!(State::of(false, false, &[]), State::Performing);
    }

    fn any_action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::FileDeliverable),
            any::<bool>().prop_map(|accept| Action::DecideDeliverable { accept }),
            Just(Action::Pay),
            Just(Action::AddOn),
            proptest::option::of("[a-z]{0,6}")
                .prop_map(|early_reason| Action::AcceptFinal { early_reason }),
            Just(Action::Terminate),
        ]
    }

    /// A step of the model: an action, or the clock and the world moving (a challenge filed or
    /// answered, a milestone accepted, days passing).
    #[derive(Debug, Clone)]
    enum Step {
        Act(Action),
        Hold(bool),
        Milestone(bool),
        Days(i64),
    }

    fn any_step() -> impl Strategy<Value = Step> {
        prop_oneof![
            any_action().prop_map(Step::Act),
            any::<bool>().prop_map(Step::Hold),
            any::<bool>().prop_map(Step::Milestone),
            (0i64..400).prop_map(Step::Days),
        ]
    }

    proptest! {
        /// Random sequences of actions and clock moves never leave the transition table: nothing
        /// follows termination but payments, nothing follows acceptance but payments, a
        /// suspended contract is never accepted, and acceptance always had every milestone and
        /// the term's end or a reason.
        #[test]
        fn random_histories_stay_in_the_table(steps in proptest::collection::vec(any_step(), 1..60)) {
            let mut today = date!(2027 - 01 - 01);
            let mut held = false;
            let mut milestone_done = false;
            let (mut accepted, mut terminated) = (false, false);
            for s in steps {
                match s {
                    Step::Hold(h) => held = h,
                    Step::Milestone(m) => milestone_done = m,
                    Step::Days(d) => today += Duration::days(d),
                    Step::Act(a) => {
                        let holds = if held { vec![Hold::Upheld { complaint: 1 }] } else { vec![] };
                        let state = State::of(accepted, terminated, &holds);
                        let f = Facts {
                            today,
                            ends_on: date!(2027 - 12 - 31),
                            holds: holds.clone(),
                            milestones: vec![Milestone { name: "终期".into(), accepted: milestone_done }],
                        };
                        match transition(state, &a, &f) {
                            Ok((next, events)) => {
                                prop_assert!(!(terminated && a != Action::Pay));
                                prop_assert!(!(accepted && a != Action::Pay));
                                if next == State::Accepted && state != State::Accepted {
                                    prop_assert!(!held && milestone_done);
                                    let early = today < f.ends_on;
                                    prop_assert_eq!(events, vec![Event::Accepted { early }]);
                                    accepted = true;
                                }
                                if next == State::Terminated && state != State::Terminated {
                                    prop_assert!(!accepted);
                                    terminated = true;
                                }
                                prop_assert_eq!(next, State::of(accepted, terminated, &holds));
                            }
                            Err(r) => {
                                prop_assert!(state != State::Performing || matches!(a, Action::AcceptFinal { .. }), "{:?}", r);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_deliverable_is_decided_once() {
        use DeliverableStatus as D;
        assert_eq!(D::Submitted.decide(true), Some(D::Accepted));
        assert_eq!(D::Submitted.decide(false), Some(D::Returned));
        assert_eq!(D::Accepted.decide(false), None);
        assert_eq!(D::Returned.decide(true), None);
        for d in [D::Submitted, D::Accepted, D::Returned] {
            assert_eq!(D::parse(d.code()), Some(d));
        }
    }
}
