//! The registered organization's lifecycle (DOMAIN §2–3), pure: registered until it is
//! deregistered on its own approved application (注销) or its registration is revoked as a
//! penalty (撤销登记). Both ends are final, and an approved supplier (an enterprise, not in
//! the register) has no register actions at all: a later change, deregistration or revocation of
//! the same organization is refused. `transition` is the only way the status changes; the store
//! (`db::orgs::advance`) writes its answer with a compare-and-set on the old status.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgStatus {
    /// In the register: may change, report, be evaluated and bid.
    Registered,
    /// Deregistered on its approved application; final.
    Deregistered,
    /// Registration revoked as a penalty; final.
    Revoked,
    /// Not a social organization: an enterprise the procurement supervisor approved as a
    /// supplier (bids, kept out of the directory); the register's actions do not apply.
    Supplier,
}

codes!(OrgStatus {
    Registered => "registered",
    Deregistered => "deregistered",
    Revoked => "revoked",
    Supplier => "supplier",
});

/// What moves an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAction {
    /// A change application approved (name, address, ...): the status stays.
    Change,
    /// Its deregistration application approved.
    Deregister,
    /// The registrar's penalty decision.
    Revoke,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub from: OrgStatus,
    pub action: OrgAction,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        "err-reg-action-state"
    }
}

/// The organization's one transition function.
pub fn transition(from: OrgStatus, action: OrgAction) -> Result<OrgStatus, Refusal> {
    use OrgAction as A;
    use OrgStatus as S;
    match (from, action) {
        (S::Registered, A::Change) => Ok(S::Registered),
        (S::Registered, A::Deregister) => Ok(S::Deregistered),
        (S::Registered, A::Revoke) => Ok(S::Revoked),
        _ => Err(Refusal { from, action }),
    }
}

impl OrgStatus {
    /// Whether the organization is in the register (may act: report, apply, bid).
    pub fn active(self) -> bool {
        self == OrgStatus::Registered
    }
}

/// A supplier's sign-up (an enterprise or other supplier outside the register): pending until
/// the procurement supervisor approves it (an organization row with status `Supplier` is made)
/// or refuses it with a reason; decided once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignupStatus {
    Pending,
    Approved,
    Refused,
}

codes!(SignupStatus {
    Pending => "pending",
    Approved => "approved",
    Refused => "refused",
});

impl SignupStatus {
    /// The supervisor's decision as the form sends it (`approved` or `refused`).
    pub fn decision(code: &str) -> Option<SignupStatus> {
        SignupStatus::parse(code).filter(|s| *s != SignupStatus::Pending)
    }
}

/// The sign-up's one transition: a pending sign-up takes the decision; a decided one refuses
/// any other (`err-supplier-decided`).
pub fn decide(from: SignupStatus, to: SignupStatus) -> Result<SignupStatus, &'static str> {
    match (from, to) {
        (SignupStatus::Pending, SignupStatus::Approved | SignupStatus::Refused) => Ok(to),
        _ => Err("err-supplier-decided"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_round_trip() {
        for s in OrgStatus::ALL {
            assert_eq!(OrgStatus::parse(s.code()), Some(*s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::json!(s.code()))
            );
        }
        assert_eq!(OrgStatus::parse("suspended"), None);
        // The register's list of statuses is this enum's, suppliers aside.
        let codes: Vec<&str> = OrgStatus::ALL
            .iter()
            .filter(|s| **s != OrgStatus::Supplier)
            .map(|s| s.code())
            .collect();
        assert_eq!(codes, crate::domain::registration::ORG_STATUSES);
    }

    #[test]
    fn each_end_is_final() {
        for end in [
            OrgStatus::Deregistered,
            OrgStatus::Revoked,
            OrgStatus::Supplier,
        ] {
            for a in [OrgAction::Change, OrgAction::Deregister, OrgAction::Revoke] {
                assert_eq!(
                    transition(end, a),
                    Err(Refusal {
                        from: end,
                        action: a
                    })
                );
            }
        }
        assert_eq!(
            transition(OrgStatus::Registered, OrgAction::Change),
            Ok(OrgStatus::Registered)
        );
        assert_eq!(
            transition(OrgStatus::Registered, OrgAction::Deregister),
            Ok(OrgStatus::Deregistered)
        );
        assert_eq!(
            transition(OrgStatus::Registered, OrgAction::Revoke),
            Ok(OrgStatus::Revoked)
        );
    }

    #[test]
    fn a_sign_up_is_decided_once() {
        use SignupStatus as S;
        assert_eq!(S::decision("approved"), Some(S::Approved));
        assert_eq!(S::decision("refused"), Some(S::Refused));
        assert_eq!(S::decision("pending"), None);
        assert_eq!(S::decision("maybe"), None);
        assert_eq!(decide(S::Pending, S::Approved), Ok(S::Approved));
        assert_eq!(decide(S::Pending, S::Refused), Ok(S::Refused));
        for from in [S::Approved, S::Refused] {
            for to in S::ALL {
                assert_eq!(decide(from, *to), Err("err-supplier-decided"));
            }
        }
        assert_eq!(decide(S::Pending, S::Pending), Err("err-supplier-decided"));
    }

    fn action() -> impl Strategy<Value = OrgAction> {
        prop_oneof![
            Just(OrgAction::Change),
            Just(OrgAction::Deregister),
            Just(OrgAction::Revoke)
        ]
    }

    proptest! {
        /// Random sequences: the organization leaves the register at most once, only from
        /// `Registered`, and a refused action changes nothing; only a registered organization
        /// is active (the one the registrar's work list and the bidding rules act on).
        #[test]
        fn leaves_the_register_at_most_once(
            start in proptest::sample::select(OrgStatus::ALL.to_vec()),
            actions in proptest::collection::vec(action(), 0..20),
        ) {
            let mut s = start;
            let mut exits = 0;
            for a in actions {
                match transition(s, a) {
                    Ok(to) => {
                        prop_assert!(s == OrgStatus::Registered && start == OrgStatus::Registered);
                        if to != s {
                            exits += 1;
                        }
                        s = to;
                    }
                    Err(r) => prop_assert_eq!(r.from, s),
                }
                prop_assert_eq!(s.active(), s == OrgStatus::Registered);
            }
            prop_assert!(exits <= 1);
        }
    }
}
