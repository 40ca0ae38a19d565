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
}
