//! Organization membership: the org admin invites members by email, ends memberships and hands
//! the admin role to another member. Every change ends a dated row and opens another.

use crate::db::orgs;
use crate::domain::email::EmailAddress;
use crate::platform::app::AppState;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::auth::tokens;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{MembershipId, OrgId};
use crate::registry::membership::Members;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, Empty, FormErrors};
use crate::web::template::Template;
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    routes![
        members,
        invite,
        invitation,
        accept,
        end_membership,
        handover
    ]
}

async fn members_page(
    page: &Page,
    state: &AppState,
    user: &CurrentUser,
    org: OrgId,
    errors: FormErrors,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let o = orgs::by_id(&mut c, org).await?.ok_or(AppError::NotFound)?;
    let members = orgs::for_org(&mut c, org).await?;
    let pending = orgs::pending_invitations(&mut c, org, state.clock.now_ms()).await?;
    Ok(page.render(
        "orgs/members",
        json!({
            "org": o, "members": members, "invitations": pending,
            "is_admin": user.is_org_admin(org), "me": user.user.person_id, "errors": errors,
        }),
    ))
}

/// Members of the organization; only its own members may look.
#[get("/orgs/<org>/members")]
async fn members(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
) -> AppResult<Template> {
    if user.membership(org).is_none() {
        return Err(AppError::Forbidden);
    }
    members_page(&page, state, user, org, FormErrors::default()).await
}

#[derive(FromForm)]
pub struct InviteForm {
    email: Option<String>,
}

#[post("/orgs/<org>/invitations", data = "<form>")]
async fn invite(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    form: CsrfForm<InviteForm>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let f = form.into_inner();
    let Some(email) = EmailAddress::parse(text(&f.email)) else {
        let mut errors = FormErrors::default();
        errors.add(page.lang, "email", "err-email-invalid");
        let t = members_page(&page, state, user, org, errors).await?;
        return Ok(Reply::page(Status::UnprocessableEntity, t));
    };
    Members::of(state)
        .invite(user, org, &email, page.lang)
        .await?;
    Ok(Reply::flash(
        format!("/orgs/{org}/members"),
        page.t("flash-invited"),
    ))
}

#[get("/invitations/<token>")]
async fn invitation(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    token: &str,
) -> AppResult<Template> {
    let mut c = state.db.acquire().await?;
    let inv = orgs::invitation_by_token(&mut c, &tokens::digest(token)).await?;
    let usable = inv.as_ref().is_some_and(|i| {
        i.accepted_at.is_none() && i.expires_at > state.clock.now_ms() && i.email == user.user.email
    });
    let org = match &inv {
        Some(i) => orgs::by_id(&mut c, i.org_id).await?,
        None => None,
    };
    Ok(page.render(
        "orgs/invitation",
        json!({ "token": token, "usable": usable, "org": org }),
    ))
}

#[post("/invitations/<token>/accept", data = "<_form>")]
async fn accept(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    token: &str,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    let joined = Members::of(state).accept(user, token).await?;
    Ok(Reply::flash(
        format!("/orgs/{joined}/members"),
        page.t("flash-joined"),
    ))
}

/// The admin ends someone's membership (or a member leaves). The last admin cannot leave
/// without handing the role over first.
#[post("/orgs/<org>/members/<member>/end", data = "<_form>")]
async fn end_membership(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    member: MembershipId,
    _form: CsrfForm<Empty>,
) -> AppResult<Reply> {
    let own = Members::of(state).end(user, org, member).await?;
    Ok(Reply::flash(
        if own {
            "/dashboard".to_string()
        } else {
            format!("/orgs/{org}/members")
        },
        page.t("flash-saved"),
    ))
}

#[derive(FromForm)]
pub struct HandoverForm {
    member: Option<i64>,
}

/// Hands the admin role to another current member: both old rows end today, two new rows
/// start today (the old admin stays a member).
#[post("/orgs/<org>/admin-handover", data = "<form>")]
async fn handover(
    page: Page,
    state: &State<AppState>,
    user: &CurrentUser,
    org: OrgId,
    form: CsrfForm<HandoverForm>,
) -> AppResult<Reply> {
    if !user.is_org_admin(org) {
        return Err(AppError::Forbidden);
    }
    let target = form
        .into_inner()
        .member
        .map(MembershipId)
        .ok_or(AppError::BadRequest("err-member-choose"))?;
    Members::of(state).handover(user, org, target).await?;
    Ok(Reply::flash(
        format!("/orgs/{org}/members"),
        page.t("flash-saved"),
    ))
}
