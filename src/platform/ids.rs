//! Typed ids, one per entity, so that a user id can never be passed where an organization id
//! is expected. Each parses from a path segment and rejects anything but a positive integer.

use rocket::request::FromParam;
use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl<'a> FromParam<'a> for $name {
            type Error = &'a str;
            fn from_param(param: &'a str) -> Result<Self, Self::Error> {
                match param.parse::<i64>() {
                    Ok(n) if n > 0 => Ok($name(n)),
                    _ => Err(param),
                }
            }
        }
    )*};
}

typed_id!(
    UserId,
    PersonId,
    OrgId,
    MembershipId,
    RoleGrantId,
    AuthorityId,
    DepartmentId,
    AgencyId,
    MailId,
    InvitationId,
    ApplicationId,
    AttachmentId,
    RoundId,
    EvalAppId,
    AssignmentId,
    ObjectionId,
    GradeId
);
