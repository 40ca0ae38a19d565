//! Staff roles (DOMAIN §1). A person may hold several; each grant is dated and some are held
//! within a scope: registrars and evaluation officers belong to an authority, purchasers to a
//! purchasing department, agency staff to a procurement agency. Organization membership is not a
//! staff role: it is kept in dated memberships.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Registrar,
    EvaluationOfficer,
    Expert,
    Purchaser,
    ProcurementAgency,
    ProcurementSupervisor,
    ThirdPartyReviewer,
    FinanceOfficer,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    None,
    Authority,
    Department,
    Agency,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Registrar,
        Role::EvaluationOfficer,
        Role::Expert,
        Role::Purchaser,
        Role::ProcurementAgency,
        Role::ProcurementSupervisor,
        Role::ThirdPartyReviewer,
        Role::FinanceOfficer,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Registrar => "registrar",
            Role::EvaluationOfficer => "evaluation_officer",
            Role::Expert => "expert",
            Role::Purchaser => "purchaser",
            Role::ProcurementAgency => "procurement_agency",
            Role::ProcurementSupervisor => "procurement_supervisor",
            Role::ThirdPartyReviewer => "third_party_reviewer",
            Role::FinanceOfficer => "finance_officer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s.trim())
    }

    /// The scope a grant of this role must name.
    pub fn scope(self) -> Scope {
        match self {
            Role::Registrar | Role::EvaluationOfficer => Scope::Authority,
            Role::Purchaser => Scope::Department,
            Role::ProcurementAgency => Scope::Agency,
            _ => Scope::None,
        }
    }

    /// The message-catalogue key of the role's name.
    pub fn label_key(self) -> String {
        format!("role-{}", self.code().replace('_', "-"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_code() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn scoped_roles_name_their_scope() {
        assert_eq!(Role::Registrar.scope(), Scope::Authority);
        assert_eq!(Role::Purchaser.scope(), Scope::Department);
        assert_eq!(Role::Expert.scope(), Scope::None);
    }
}
