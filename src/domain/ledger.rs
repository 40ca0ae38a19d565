//! The disbursement ledger's rules (DOMAIN §6), pure: amounts in fen (`i64`), entries
//! append-only — a payment is positive, its reversal the same amount negative and pointing at
//! it. The sum paid on an installment never exceeds the installment, the sum paid on the
//! contract never exceeds its cap (the amount plus add-on purchases, or the settlement after a
//! termination), and nothing goes below zero. Add-on purchases total at most 10% of the
//! original amount; a termination cannot settle below what has been paid.

/// One ledger entry as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    /// The installment's position in the plan.
    pub installment: i64,
    /// Positive for a payment, negative for a reversal.
    pub amount_fen: i64,
    /// The payment a reversal corrects.
    pub reverses: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotPositive,
    /// The installment's condition is not met (or a 差 review awaits its rectification).
    NotPayable,
    OverInstallment {
        left_fen: i64,
    },
    OverContract {
        left_fen: i64,
    },
    UnknownOriginal,
    AlreadyReversed,
    ReversalOfReversal,
    /// Add-on purchases would pass 10% of the original amount.
    AddOnOverLimit {
        left_fen: i64,
    },
    /// A termination cannot settle below what was paid.
    SettlementBelowPaid {
        paid_fen: i64,
    },
    Terminated,
    /// Performance is suspended (a challenge after signing, a supervisor's order).
    Suspended,
}

impl Refusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            Refusal::NotPositive => "err-pay-positive",
            Refusal::NotPayable => "err-pay-not-payable",
            Refusal::OverInstallment { .. } => "err-pay-over-installment",
            Refusal::OverContract { .. } => "err-pay-over-contract",
            Refusal::UnknownOriginal => "err-pay-unknown-original",
            Refusal::AlreadyReversed => "err-pay-already-reversed",
            Refusal::ReversalOfReversal => "err-pay-reversal-of-reversal",
            Refusal::AddOnOverLimit { .. } => "err-addon-limit",
            Refusal::SettlementBelowPaid { .. } => "err-termination-below-paid",
            Refusal::Terminated => "err-contract-terminated",
            Refusal::Suspended => "err-contract-performance-suspended",
        }
    }
}

/// The sum of the entries: what has been paid, net of reversals.
pub fn paid(entries: &[Entry]) -> i64 {
    entries.iter().map(|e| e.amount_fen).sum()
}

/// What has been paid on one installment.
pub fn paid_on(entries: &[Entry], installment: i64) -> i64 {
    entries
        .iter()
        .filter(|e| e.installment == installment)
        .map(|e| e.amount_fen)
        .sum()
}

/// A payment of `amount_fen` on an installment of `installment_fen`, under the contract's
/// `cap_fen`, when its condition is met (`payable`).
pub fn check_payment(
    entries: &[Entry],
    installment: i64,
    installment_fen: i64,
    cap_fen: i64,
    payable: bool,
    amount_fen: i64,
) -> Result<(), Refusal> {
    if amount_fen <= 0 {
        return Err(Refusal::NotPositive);
    }
    if !payable {
        return Err(Refusal::NotPayable);
    }
    let left_installment = installment_fen - paid_on(entries, installment);
    if amount_fen > left_installment {
        return Err(Refusal::OverInstallment {
            left_fen: left_installment.max(0),
        });
    }
    let left_contract = cap_fen - paid(entries);
    if amount_fen > left_contract {
        return Err(Refusal::OverContract {
            left_fen: left_contract.max(0),
        });
    }
    Ok(())
}

/// The reversal of payment `original`: the entry it adds (its id is the caller's to assign).
pub fn check_reversal(entries: &[Entry], original: i64) -> Result<Entry, Refusal> {
    let Some(o) = entries.iter().find(|e| e.id == original) else {
        return Err(Refusal::UnknownOriginal);
    };
    if o.reverses.is_some() || o.amount_fen < 0 {
        return Err(Refusal::ReversalOfReversal);
    }
    if entries.iter().any(|e| e.reverses == Some(original)) {
        return Err(Refusal::AlreadyReversed);
    }
    Ok(Entry {
        id: 0,
        installment: o.installment,
        amount_fen: -o.amount_fen,
        reverses: Some(original),
    })
}

/// An add-on purchase of `amount_fen` on a contract of `original_fen` that already has
/// `addons_fen` of add-ons: at most 10% of the original in all.
pub fn check_addon(original_fen: i64, addons_fen: i64, amount_fen: i64) -> Result<(), Refusal> {
    if amount_fen <= 0 {
        return Err(Refusal::NotPositive);
    }
    let limit = original_fen / 10;
    if addons_fen + amount_fen > limit {
        return Err(Refusal::AddOnOverLimit {
            left_fen: (limit - addons_fen).max(0),
        });
    }
    Ok(())
}

/// A termination settling at `settlement_fen`: not below what was paid, not above the cap.
pub fn check_termination(
    entries: &[Entry],
    cap_fen: i64,
    settlement_fen: i64,
) -> Result<(), Refusal> {
    let paid = paid(entries);
    if settlement_fen < paid {
        return Err(Refusal::SettlementBelowPaid { paid_fen: paid });
    }
    if settlement_fen > cap_fen {
        return Err(Refusal::OverContract {
            left_fen: cap_fen - paid,
        });
    }
    Ok(())
}

/// What an installment waits for (DOMAIN §6): the signing, a named milestone's review, or the
/// final acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Signing,
    Review,
    Acceptance,
}

impl Condition {
    pub fn code(self) -> &'static str {
        match self {
            Condition::Signing => "signing",
            Condition::Review => "review",
            Condition::Acceptance => "acceptance",
        }
    }

    pub fn parse(s: &str) -> Option<Condition> {
        [Condition::Signing, Condition::Review, Condition::Acceptance]
            .into_iter()
            .find(|c| c.code() == s)
    }
}

/// The readings an installment's state depends on (times in ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallmentFacts {
    pub amount_fen: i64,
    pub paid_fen: i64,
    /// When its condition was met, if it was.
    pub met_at: Option<i64>,
    /// An unrectified 差 review on the contract holds every payment back.
    pub blocked: bool,
}

/// When an installment's condition is met: at signing; at its milestone's latest review once
/// that review passed (or, for a 差 one, once rectified); at the final acceptance.
pub fn met_at(
    condition: Condition,
    signed_at: i64,
    accepted_at: Option<i64>,
    review: Option<(crate::domain::performance::ReviewStatus, i64, Option<i64>)>,
) -> Option<i64> {
    use crate::domain::performance::ReviewStatus as R;
    match condition {
        Condition::Signing => Some(signed_at),
        Condition::Acceptance => accepted_at,
        Condition::Review => match review? {
            (R::Passed, submitted_at, _) => Some(submitted_at),
            (R::Rectified, _, rectified_at) => rectified_at,
            (R::Open | R::Poor, _, _) => None,
        },
    }
}

/// An installment's state, from its facts: nothing to pay yet, held back by a 差 review,
/// payable, partly paid, or paid in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallmentStatus {
    Waiting,
    Blocked,
    Payable,
    PartlyPaid,
    Paid,
}

impl InstallmentStatus {
    pub fn of(f: &InstallmentFacts) -> InstallmentStatus {
        if f.paid_fen >= f.amount_fen {
            InstallmentStatus::Paid
        } else if f.met_at.is_none() {
            InstallmentStatus::Waiting
        } else if f.blocked {
            InstallmentStatus::Blocked
        } else if f.paid_fen > 0 {
            InstallmentStatus::PartlyPaid
        } else {
            InstallmentStatus::Payable
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            InstallmentStatus::Waiting => "waiting",
            InstallmentStatus::Blocked => "blocked",
            InstallmentStatus::Payable => "payable",
            InstallmentStatus::PartlyPaid => "partly_paid",
            InstallmentStatus::Paid => "paid",
        }
    }

    /// Whether a payment may be recorded (the finance officer's turn).
    pub fn payable(self) -> bool {
        matches!(
            self,
            InstallmentStatus::Payable | InstallmentStatus::PartlyPaid
        )
    }
}

impl serde::Serialize for InstallmentStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// What moves an installment: a payment, or the reversal of one of its payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallmentAction {
    Pay { amount_fen: i64 },
    Reverse { original: i64 },
}

/// The installment's one transition function: the new state and the ledger entry to append
/// (its id is the store's to assign). `entries` are the contract's entries, `cap_fen` its cap.
pub fn installment_transition(
    pos: i64,
    f: &InstallmentFacts,
    entries: &[Entry],
    cap_fen: i64,
    action: InstallmentAction,
) -> Result<(InstallmentStatus, Entry), Refusal> {
    let entry = match action {
        InstallmentAction::Pay { amount_fen } => {
            // A paid-up installment answers with what is left (nothing), not 'not payable'.
            let payable = f.met_at.is_some() && !f.blocked;
            check_payment(entries, pos, f.amount_fen, cap_fen, payable, amount_fen)?;
            Entry {
                id: 0,
                installment: pos,
                amount_fen,
                reverses: None,
            }
        }
        InstallmentAction::Reverse { original } => {
            let e = check_reversal(entries, original)?;
            if e.installment != pos {
                return Err(Refusal::UnknownOriginal);
            }
            e
        }
    };
    let after = InstallmentFacts {
        paid_fen: f.paid_fen + entry.amount_fen,
        ..*f
    };
    Ok((InstallmentStatus::of(&after), entry))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pay(id: i64, installment: i64, amount_fen: i64) -> Entry {
        Entry {
            id,
            installment,
            amount_fen,
            reverses: None,
        }
    }

    #[test]
    fn a_payment_stays_within_its_installment_and_the_contract() {
        let e = [pay(1, 1, 30_000)];
        assert_eq!(
            check_payment(&e, 1, 30_000, 100_000, true, 1),
            Err(Refusal::OverInstallment { left_fen: 0 })
        );
        assert_eq!(check_payment(&e, 2, 40_000, 100_000, true, 40_000), Ok(()));
        assert_eq!(
            check_payment(&e, 2, 40_000, 60_000, true, 40_000),
            Err(Refusal::OverContract { left_fen: 30_000 })
        );
        assert_eq!(
            check_payment(&e, 2, 40_000, 100_000, false, 1),
            Err(Refusal::NotPayable)
        );
        assert_eq!(
            check_payment(&e, 2, 40_000, 100_000, true, 0),
            Err(Refusal::NotPositive)
        );
    }

    #[test]
    fn a_reversal_undoes_one_payment_once() {
        let mut e = vec![pay(1, 1, 30_000)];
        let r = check_reversal(&e, 1).unwrap_or(pay(0, 0, 0));
        assert_eq!(
            (r.amount_fen, r.reverses, r.installment),
            (-30_000, Some(1), 1)
        );
        e.push(Entry { id: 2, ..r });
        assert_eq!(paid(&e), 0);
        assert_eq!(check_reversal(&e, 1), Err(Refusal::AlreadyReversed));
        assert_eq!(check_reversal(&e, 2), Err(Refusal::ReversalOfReversal));
        assert_eq!(check_reversal(&e, 9), Err(Refusal::UnknownOriginal));
        // After the reversal the installment can be paid again.
        assert_eq!(check_payment(&e, 1, 30_000, 100_000, true, 30_000), Ok(()));
    }

    #[test]
    fn add_ons_are_capped_at_a_tenth_and_a_termination_settles_at_or_above_paid() {
        assert_eq!(check_addon(100_000, 0, 10_000), Ok(()));
        assert_eq!(
            check_addon(100_000, 6_000, 5_000),
            Err(Refusal::AddOnOverLimit { left_fen: 4_000 })
        );
        let e = [pay(1, 1, 30_000)];
        assert_eq!(
            check_termination(&e, 100_000, 29_999),
            Err(Refusal::SettlementBelowPaid { paid_fen: 30_000 })
        );
        assert_eq!(check_termination(&e, 100_000, 30_000), Ok(()));
        assert!(check_termination(&e, 100_000, 100_001).is_err());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Pay { installment: i64, amount_fen: i64 },
        Reverse { pick: usize },
        AddOn { amount_fen: i64 },
        Terminate { extra_fen: i64 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0i64..3, 1i64..60_000).prop_map(|(installment, amount_fen)| Op::Pay { installment, amount_fen }),
            2 => (0usize..64).prop_map(|pick| Op::Reverse { pick }),
            1 => (1i64..15_000).prop_map(|amount_fen| Op::AddOn { amount_fen }),
            1 => (0i64..50_000).prop_map(|extra_fen| Op::Terminate { extra_fen }),
        ]
    }

    proptest! {
        // Random sequences of payments, reversals, add-ons and a termination: the balance
        // never goes below zero or above the cap and always equals the sum of the entries.
        #[test]
        fn the_balance_stays_between_zero_and_the_cap(ops in proptest::collection::vec(op(), 1..60)) {
            let original = 100_000i64;
            let mut plan = [30_000i64, 40_000, 30_000];
            let mut cap = original;
            let mut addons = 0i64;
            let mut terminated = false;
            let mut entries: Vec<Entry> = Vec::new();
            let mut next = 1i64;
            for o in ops {
                match o {
                    Op::Pay { installment, amount_fen } => {
                        let i = installment as usize;
                        if check_payment(&entries, installment, plan[i], cap, true, amount_fen).is_ok() {
                            entries.push(pay(next, installment, amount_fen));
                            next += 1;
                        }
                    }
                    Op::Reverse { pick } => {
                        if !entries.is_empty() {
                            let target = entries[pick % entries.len()].id;
                            if let Ok(r) = check_reversal(&entries, target) {
                                entries.push(Entry { id: next, ..r });
                                next += 1;
                            }
                        }
                    }
                    Op::AddOn { amount_fen } => {
                        if !terminated && check_addon(original, addons, amount_fen).is_ok() {
                            addons += amount_fen;
                            cap += amount_fen;
                            plan[2] += amount_fen;
                        }
                    }
                    Op::Terminate { extra_fen } => {
                        let settle = paid(&entries) + extra_fen;
                        if !terminated && check_termination(&entries, cap, settle).is_ok() {
                            cap = settle;
                            terminated = true;
                        }
                    }
                }
                let total = paid(&entries);
                prop_assert!(total >= 0 && total <= cap, "paid {} cap {}", total, cap);
                prop_assert_eq!(total, entries.iter().map(|e| e.amount_fen).sum::<i64>());
                for (i, amount) in plan.iter().enumerate() {
                    let on = paid_on(&entries, i as i64);
                    prop_assert!(on >= 0 && on <= *amount);
                }
                prop_assert!(addons <= original / 10);
            }
        }
    }

    #[test]
    fn an_installment_is_payable_from_its_condition_until_paid_in_full() {
        use crate::domain::performance::ReviewStatus as R;
        let f = |paid_fen, met_at, blocked| InstallmentFacts {
            amount_fen: 40_000,
            paid_fen,
            met_at,
            blocked,
        };
        assert_eq!(
            InstallmentStatus::of(&f(0, None, false)),
            InstallmentStatus::Waiting
        );
        assert_eq!(
            InstallmentStatus::of(&f(0, Some(1), true)),
            InstallmentStatus::Blocked
        );
        assert_eq!(
            InstallmentStatus::of(&f(0, Some(1), false)),
            InstallmentStatus::Payable
        );
        assert_eq!(
            InstallmentStatus::of(&f(1, Some(1), false)),
            InstallmentStatus::PartlyPaid
        );
        assert_eq!(
            InstallmentStatus::of(&f(39_999, Some(1), false)),
            InstallmentStatus::PartlyPaid
        );
        assert_eq!(
            InstallmentStatus::of(&f(40_000, Some(1), true)),
            InstallmentStatus::Paid
        );
        // Paying the last fen closes it; one more is refused.
        assert_eq!(
            installment_transition(
                2,
                &f(39_999, Some(1), false),
                &[pay(1, 2, 39_999)],
                100_000,
                InstallmentAction::Pay { amount_fen: 1 },
            )
            .map(|(to, e)| (to, e.amount_fen, e.installment)),
            Ok((InstallmentStatus::Paid, 1, 2))
        );
        assert_eq!(
            installment_transition(
                2,
                &f(39_999, Some(1), false),
                &[pay(1, 2, 39_999)],
                100_000,
                InstallmentAction::Pay { amount_fen: 2 }
            ),
            Err(Refusal::OverInstallment { left_fen: 1 })
        );
        assert_eq!(
            installment_transition(
                2,
                &f(0, Some(1), true),
                &[],
                100_000,
                InstallmentAction::Pay { amount_fen: 1 }
            ),
            Err(Refusal::NotPayable)
        );
        // A reversal reopens the installment; another installment's payment is not its own.
        assert_eq!(
            installment_transition(
                2,
                &f(40_000, Some(1), false),
                &[pay(1, 2, 40_000)],
                100_000,
                InstallmentAction::Reverse { original: 1 },
            )
            .map(|(to, e)| (to, e.amount_fen, e.reverses)),
            Ok((InstallmentStatus::Payable, -40_000, Some(1)))
        );
        assert_eq!(
            installment_transition(
                3,
                &f(0, Some(1), false),
                &[pay(1, 2, 40_000)],
                100_000,
                InstallmentAction::Reverse { original: 1 }
            ),
            Err(Refusal::UnknownOriginal)
        );
        // The condition: a passed review's submission, a 差 review's rectification.
        assert_eq!(met_at(Condition::Signing, 5, None, None), Some(5));
        assert_eq!(met_at(Condition::Acceptance, 5, None, None), None);
        assert_eq!(met_at(Condition::Acceptance, 5, Some(9), None), Some(9));
        assert_eq!(
            met_at(Condition::Review, 5, None, Some((R::Passed, 7, None))),
            Some(7)
        );
        assert_eq!(
            met_at(Condition::Review, 5, None, Some((R::Poor, 7, None))),
            None
        );
        assert_eq!(
            met_at(Condition::Review, 5, None, Some((R::Rectified, 7, Some(8)))),
            Some(8)
        );
        assert_eq!(
            met_at(Condition::Review, 5, None, Some((R::Open, 0, None))),
            None
        );
        assert_eq!(met_at(Condition::Review, 5, None, None), None);
        for c in [Condition::Signing, Condition::Review, Condition::Acceptance] {
            assert_eq!(Condition::parse(c.code()), Some(c));
        }
    }

    proptest! {
        // Random payments and reversals on one installment whose condition comes and goes:
        // its state always matches the ledger, payments land only while it is payable, and
        // only a payable or partly paid installment waits on the finance officer.
        #[test]
        fn an_installment_follows_its_ledger(
            ops in proptest::collection::vec((any::<bool>(), 1i64..25_000, any::<bool>(), 0usize..8), 1..50)
        ) {
            let mut entries: Vec<Entry> = Vec::new();
            let mut next = 1;
            for (is_pay, amount, blocked, pick) in ops {
                let facts = InstallmentFacts { amount_fen: 40_000, paid_fen: paid_on(&entries, 0), met_at: Some(1), blocked };
                let before = InstallmentStatus::of(&facts);
                let action = if is_pay || entries.is_empty() {
                    InstallmentAction::Pay { amount_fen: amount }
                } else {
                    InstallmentAction::Reverse { original: entries[pick % entries.len()].id }
                };
                if let Ok((to, e)) = installment_transition(0, &facts, &entries, 100_000, action) {
                    if e.reverses.is_none() {
                        prop_assert!(before.payable());
                    }
                    entries.push(Entry { id: next, ..e });
                    next += 1;
                    let now = InstallmentFacts { paid_fen: paid_on(&entries, 0), ..facts };
                    prop_assert_eq!(to, InstallmentStatus::of(&now));
                }
                let p = paid_on(&entries, 0);
                prop_assert!((0..=40_000).contains(&p));
            }
        }
    }
}
