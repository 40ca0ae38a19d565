//! Layered request guards: `&CurrentUser` (401 without a live session, see `platform::sessions`) → `Staff<R>` (403 without
//! the role) and `OrgMember`. A failing guard answers 401/403 with a page, never a silent
//! forward. Object-level checks (this organization is yours) are made in the handler against
//! the database rows loaded here.

use crate::db::orgs::{MemberKind, Membership};
use crate::db::roles::Grant;
use crate::db::users::User;
use crate::domain::role::Role;
use crate::platform::app::AppState;
use crate::platform::auth::session;
use crate::platform::error::AppError;
use crate::platform::ids::{OrgId, UserId};
use crate::platform::sessions;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use std::marker::PhantomData;

/// The signed-in user, with the roles and memberships in force right now.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub grants: Vec<Grant>,
    pub memberships: Vec<Membership>,
}

impl CurrentUser {
    pub fn id(&self) -> UserId {
        self.user.id
    }

    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }

    /// The authorities this user holds `role` in (registrars, evaluation officers).
    pub fn authorities(&self, role: Role) -> impl Iterator<Item = i64> + '_ {
        self.grants
            .iter()
            .filter(move |g| g.role == role)
            .filter_map(|g| g.authority_id)
    }

    /// The units (sorted, once each) of the user's grants of `role`, as `unit` picks them:
    /// `|g| g.department_id` for a purchaser's departments, `|g| g.agency_id` for an agency's.
    pub fn units(&self, role: Role, unit: impl Fn(&Grant) -> Option<i64>) -> Vec<i64> {
        let mut u: Vec<i64> = self
            .grants
            .iter()
            .filter(|g| g.role == role)
            .filter_map(unit)
            .collect();
        u.sort();
        u.dedup();
        u
    }

    pub fn membership(&self, org: OrgId) -> Option<&Membership> {
        self.memberships.iter().find(|m| m.org_id == org)
    }

    pub fn is_org_admin(&self, org: OrgId) -> bool {
        self.membership(org)
            .is_some_and(|m| m.kind == MemberKind::Admin)
    }
}

/// What the session resolved to for this request; cached so it is loaded once.
enum Loaded {
    Anonymous,
    /// The user and the id of the session row.
    User(Box<CurrentUser>, i64),
    Failed,
}

async fn load(req: &Request<'_>) -> Loaded {
    let Some(cookie) = session::read(req.cookies()) else {
        return Loaded::Anonymous;
    };
    let Some(state) = req.rocket().state::<AppState>() else {
        return Loaded::Failed;
    };
    match sessions::resolve(&state.db, &cookie.sid, state.clock.now_ms()).await {
        Ok(Some(r)) => Loaded::User(
            Box::new(CurrentUser {
                user: r.user,
                grants: r.grants,
                memberships: r.memberships,
            }),
            r.session,
        ),
        Ok(None) => {
            // An ended, expired or revoked session: drop the cookie.
            session::end(req.cookies());
            Loaded::Anonymous
        }
        Err(e) => {
            log::error!("loading the session user failed: {e}");
            Loaded::Failed
        }
    }
}

/// The current user, if any (never fails on a missing session).
pub async fn current<'r>(req: &'r Request<'_>) -> Result<Option<&'r CurrentUser>, AppError> {
    match req.local_cache_async(load(req)).await {
        Loaded::Anonymous => Ok(None),
        Loaded::User(u, _) => Ok(Some(u)),
        Loaded::Failed => Err(AppError::Internal("session lookup failed".into())),
    }
}

/// The user an earlier guard of this request already loaded, without loading one (error pages
/// are rendered synchronously, after the guards ran).
pub fn already_loaded<'r>(req: &'r Request<'_>) -> Option<&'r CurrentUser> {
    match req.local_cache(|| Loaded::Anonymous) {
        Loaded::User(u, _) => Some(u),
        _ => None,
    }
}

/// The id of the signed-in user's session row (401 without a live session): the account
/// page marks it and a password change keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentSession(pub i64);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CurrentSession {
    type Error = AppError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match req.local_cache_async(load(req)).await {
            Loaded::User(_, id) => Outcome::Success(CurrentSession(*id)),
            Loaded::Anonymous => Outcome::Error((Status::Unauthorized, AppError::Unauthorized)),
            Loaded::Failed => Outcome::Error((
                Status::InternalServerError,
                AppError::Internal("session lookup failed".into()),
            )),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for &'r CurrentUser {
    type Error = AppError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match current(req).await {
            Ok(Some(u)) => Outcome::Success(u),
            Ok(None) => Outcome::Error((Status::Unauthorized, AppError::Unauthorized)),
            Err(e) => Outcome::Error((Status::InternalServerError, e)),
        }
    }
}

/// A role a guard can require.
pub trait RoleMarker: Send + Sync + 'static {
    const ROLE: Role;
    /// Whether `user` may pass: holding `ROLE` unless the marker admits more roles.
    fn admits(user: &CurrentUser) -> bool {
        user.has(Self::ROLE)
    }
}

/// A signed-in user holding the role `R`.
pub struct Staff<'r, R: RoleMarker> {
    pub user: &'r CurrentUser,
    _role: PhantomData<R>,
}

impl<R: RoleMarker> Staff<'_, R> {
    /// The grants of this role (one per scope held).
    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.user.grants.iter().filter(|g| g.role == R::ROLE)
    }
}

#[rocket::async_trait]
impl<'r, R: RoleMarker> FromRequest<'r> for Staff<'r, R> {
    type Error = AppError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match <&CurrentUser>::from_request(req).await {
            Outcome::Success(u) if R::admits(u) => Outcome::Success(Staff {
                user: u,
                _role: PhantomData,
            }),
            Outcome::Success(_) => Outcome::Error((Status::Forbidden, AppError::Forbidden)),
            Outcome::Error(e) => Outcome::Error(e),
            Outcome::Forward(s) => Outcome::Forward(s),
        }
    }
}

pub mod role {
    //! Markers for `Staff<R>`, one per staff role.
    use super::RoleMarker;
    use crate::domain::role::Role as R;

    macro_rules! markers {
        ($($name:ident => $role:expr),* $(,)?) => {$(
            pub struct $name;
            impl RoleMarker for $name {
                const ROLE: R = $role;
            }
        )*};
    }

    markers! {
        Admin => R::Admin,
        Registrar => R::Registrar,
        EvaluationOfficer => R::EvaluationOfficer,
        Expert => R::Expert,
        Purchaser => R::Purchaser,
        ProcurementAgency => R::ProcurementAgency,
        ProcurementSupervisor => R::ProcurementSupervisor,
        ThirdPartyReviewer => R::ThirdPartyReviewer,
        FinanceOfficer => R::FinanceOfficer,
    }

    /// Who runs a procurement procedure: the purchaser, or the agency it entrusted the
    /// project to (which project is checked per page).
    pub struct Procurer;
    impl RoleMarker for Procurer {
        const ROLE: R = R::Purchaser;
        fn admits(user: &crate::platform::auth::guards::CurrentUser) -> bool {
            user.has(R::Purchaser) || user.has(R::ProcurementAgency)
        }
    }
}

pub type Admin<'r> = Staff<'r, role::Admin>;

/// A signed-in user with at least one current organization membership.
pub struct OrgMember<'r> {
    pub user: &'r CurrentUser,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for OrgMember<'r> {
    type Error = AppError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match <&CurrentUser>::from_request(req).await {
            Outcome::Success(u) if !u.memberships.is_empty() => {
                Outcome::Success(OrgMember { user: u })
            }
            Outcome::Success(_) => Outcome::Error((Status::Forbidden, AppError::Forbidden)),
            Outcome::Error(e) => Outcome::Error(e),
            Outcome::Forward(s) => Outcome::Forward(s),
        }
    }
}
