//! What a registration application must meet at submission (DOMAIN §2): the three types, the
//! direct-registration categories, and each type's minimums.

use crate::domain::money::Money;
use crate::domain::uscc::CivilType;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    /// 社会团体
    SocialGroup,
    /// 社会服务机构 (民办非企业单位)
    ServiceInstitution,
    /// 基金会
    Foundation,
}

/// An organization's registration status codes (the directory filter, the open data).
pub const ORG_STATUSES: [&str; 3] = ["registered", "deregistered", "revoked"];

impl OrgType {
    pub const ALL: [OrgType; 3] = [
        OrgType::SocialGroup,
        OrgType::ServiceInstitution,
        OrgType::Foundation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrgType::SocialGroup => "social_group",
            OrgType::ServiceInstitution => "social_service_institution",
            OrgType::Foundation => "foundation",
        }
    }

    pub fn parse(s: &str) -> Option<OrgType> {
        OrgType::ALL.into_iter().find(|t| t.code() == s)
    }

    pub fn civil_type(self) -> CivilType {
        match self {
            OrgType::SocialGroup => CivilType::SocialGroup,
            OrgType::ServiceInstitution => CivilType::ServiceInstitution,
            OrgType::Foundation => CivilType::Foundation,
        }
    }
}

/// The four categories that register directly, without a supervising unit, and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 行业协会商会类
    IndustryAssociation,
    /// 科技类
    ScienceTechnology,
    /// 公益慈善类
    Charity,
    /// 城乡社区服务类
    CommunityService,
    /// Any other: the supervising unit's approval must be attached.
    Other,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::IndustryAssociation,
        Category::ScienceTechnology,
        Category::Charity,
        Category::CommunityService,
        Category::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::IndustryAssociation => "industry_association",
            Category::ScienceTechnology => "science_technology",
            Category::Charity => "charity",
            Category::CommunityService => "community_service",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == s)
    }

    pub fn registers_directly(self) -> bool {
        self != Category::Other
    }
}

/// The facts the minimums are checked against.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub org_type: OrgType,
    pub individual_members: u32,
    pub unit_members: u32,
    pub funds: Money,
    pub board_size: u32,
    /// A foundation that raises funds from the public.
    pub public_fundraising: bool,
    /// Registered nationally (by the Ministry), not locally.
    pub national: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortfall {
    /// 社团条例 10: ≥50 individual, or ≥30 unit members; mixed, ≥50 in total.
    Members,
    /// The type's minimum funds (the amount required).
    Funds(Money),
    /// 基金会条例: a board of 5 to 25.
    Board,
}

impl Shortfall {
    pub fn message_key(self) -> &'static str {
        match self {
            Shortfall::Members => "err-reg-members",
            Shortfall::Funds(_) => "err-reg-funds",
            Shortfall::Board => "err-reg-board",
        }
    }
}

/// The minimum funds of a type. `service_institution_min` comes from the settings in force.
pub fn minimum_funds(f: &Facts, service_institution_min: Money) -> Money {
    match (f.org_type, f.national, f.public_fundraising) {
        (OrgType::SocialGroup, false, _) => Money::yuan(30_000),
        (OrgType::SocialGroup, true, _) => Money::yuan(100_000),
        (OrgType::ServiceInstitution, _, _) => service_institution_min,
        (OrgType::Foundation, false, true) => Money::yuan(4_000_000),
        (OrgType::Foundation, true, true) => Money::yuan(8_000_000),
        (OrgType::Foundation, _, false) => Money::yuan(2_000_000),
    }
}

/// Every minimum the facts fall short of.
pub fn shortfalls(f: &Facts, service_institution_min: Money) -> Vec<Shortfall> {
    let mut out = Vec::new();
    if f.org_type == OrgType::SocialGroup {
        let total = f.individual_members.saturating_add(f.unit_members);
        let enough = if f.individual_members > 0 && f.unit_members > 0 {
            total >= 50 // mixed: 50 members in total
        } else {
            f.individual_members >= 50 || f.unit_members >= 30
        };
        if !enough {
            out.push(Shortfall::Members);
        }
    }
    if f.org_type == OrgType::Foundation && !(5..=25).contains(&f.board_size) {
        out.push(Shortfall::Board);
    }
    let min = minimum_funds(f, service_institution_min);
    if f.funds < min {
        out.push(Shortfall::Funds(min));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(org_type: OrgType) -> Facts {
        Facts {
            org_type,
            individual_members: 0,
            unit_members: 0,
            funds: Money::ZERO,
            board_size: 0,
            public_fundraising: false,
            national: false,
        }
    }

    const SI_MIN: Money = Money::ZERO;

    #[test]
    fn social_group_members_at_their_boundaries() {
        let ok = |i, u| {
            let f = Facts {
                individual_members: i,
                unit_members: u,
                funds: Money::yuan(30_000),
                ..facts(OrgType::SocialGroup)
            };
            shortfalls(&f, SI_MIN).is_empty()
        };
        assert!(ok(50, 0));
        assert!(!ok(49, 0));
        assert!(ok(0, 30));
        assert!(!ok(0, 29));
        assert!(ok(25, 25), "mixed: 50 in total");
        assert!(!ok(20, 29), "mixed: 49 in total");
        assert!(
            !ok(10, 30),
            "mixed: 40 in total, though 30 units alone would do"
        );
        assert!(ok(20, 30), "mixed: 50 in total");
    }

    #[test]
    fn funds_at_their_boundaries() {
        let short = |f: Facts, min: Money| shortfalls(&f, min);
        let sg = Facts {
            individual_members: 50,
            ..facts(OrgType::SocialGroup)
        };
        assert!(short(
            Facts {
                funds: Money::yuan(30_000),
                ..sg
            },
            SI_MIN
        )
        .is_empty());
        assert_eq!(
            short(
                Facts {
                    funds: Money::from_fen(2_999_999),
                    ..sg
                },
                SI_MIN
            ),
            vec![Shortfall::Funds(Money::yuan(30_000))]
        );
        assert_eq!(
            short(
                Facts {
                    funds: Money::yuan(99_999),
                    national: true,
                    ..sg
                },
                SI_MIN
            ),
            vec![Shortfall::Funds(Money::yuan(100_000))]
        );
        let si = facts(OrgType::ServiceInstitution);
        assert!(short(
            Facts {
                funds: Money::yuan(30_000),
                ..si
            },
            Money::yuan(30_000)
        )
        .is_empty());
        assert_eq!(
            short(
                Facts {
                    funds: Money::yuan(29_999),
                    ..si
                },
                Money::yuan(30_000)
            )
            .len(),
            1
        );
        assert!(
            short(
                Facts {
                    funds: Money::yuan(10_000),
                    ..si
                },
                Money::yuan(10_000)
            )
            .is_empty(),
            "the local setting decides"
        );
        let fd = Facts {
            board_size: 5,
            ..facts(OrgType::Foundation)
        };
        assert!(short(
            Facts {
                funds: Money::yuan(2_000_000),
                ..fd
            },
            SI_MIN
        )
        .is_empty());
        assert_eq!(
            short(
                Facts {
                    funds: Money::yuan(3_999_999),
                    public_fundraising: true,
                    ..fd
                },
                SI_MIN
            ),
            vec![Shortfall::Funds(Money::yuan(4_000_000))]
        );
        assert!(short(
            Facts {
                funds: Money::yuan(4_000_000),
                public_fundraising: true,
                ..fd
            },
            SI_MIN
        )
        .is_empty());
        assert_eq!(
            short(
                Facts {
                    funds: Money::yuan(7_999_999),
                    public_fundraising: true,
                    national: true,
                    ..fd
                },
                SI_MIN
            )
            .len(),
            1
        );
    }

    #[test]
    fn a_foundation_board_has_five_to_twenty_five() {
        let f = |n| Facts {
            board_size: n,
            funds: Money::yuan(2_000_000),
            ..facts(OrgType::Foundation)
        };
        assert_eq!(shortfalls(&f(4), SI_MIN), vec![Shortfall::Board]);
        assert!(shortfalls(&f(5), SI_MIN).is_empty());
        assert!(shortfalls(&f(25), SI_MIN).is_empty());
        assert_eq!(shortfalls(&f(26), SI_MIN), vec![Shortfall::Board]);
    }

    #[test]
    fn only_the_four_categories_register_directly() {
        assert!(Category::Charity.registers_directly());
        assert!(!Category::Other.registers_directly());
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()), Some(c));
        }
    }
}
