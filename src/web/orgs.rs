//! Organization membership: the org admin invites members by email, ends memberships and hands
//! the admin role to another member. Every change ends a dated row and opens another.

use crate::db::orgs::{self, MemberKind, NewMembership};
use crate::db::users;
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::domain::email::EmailAddress;
use crate::domain::lang::Lang;
use crate::platform::app::AppState;
use crate::platform::audit::Actor;
use crate::platform::auth::csrf::CsrfForm;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::auth::tokens;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{MembershipId, OrgId};
use crate::platform::mail::Recipient;
use crate::web::ctx::{Page, Reply};
use crate::web::forms::{text, Empty, FormErrors};
use rocket::http::Status;
use rocket::{get, post, routes, FromForm, Route, State};
use rocket_dyn_templates::Template;
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

const INVITE_TTL_MS: i64 = 14 * 24 * 3600 * 1000;

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
    let now = state.clock.now_ms();
    let token = tokens::new_token();
    let mut tx = state.db.begin_write().await?;
    let o = orgs::by_id(&mut tx, org).await?.ok_or(AppError::NotFound)?;
    let digest = tokens::digest(&token);
    let inv = orgs::invite(
        &mut tx,
        org,
        email.as_str(),
        &digest,
        user.id(),
        now,
        now + INVITE_TTL_MS,
    )
    .await?;
    let summary = json!({ "invitation": inv, "email_sha256": tokens::digest(email.as_str()) });
    state
        .audit(
            &mut tx,
            Actor::User(user.id()),
            "invitation.created",
            ("org", org.to_string()),
            summary,
        )
        .await?;
    // In the invitee's own language when they have an account, else in the inviter's.
    let invitee = users::by_email(&mut tx, email.as_str()).await?;
    let to = Recipient {
        addr: email.as_str(),
        user: invitee.as_ref().map(|u| u.id),
        lang: invitee
            .and_then(|u| Lang::parse(&u.preferred_lang))
            .unwrap_or(page.lang),
    };
    let data = json!({ "org": o.name, "inviter": user.user.display_name, "token": token });
    state
        .mailer
        .queue(&mut tx, to, "invitation", &data, now)
        .await?;
    tx.commit().await?;
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
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    let inv = orgs::invitation_by_token(&mut tx, &tokens::digest(token))
        .await?
        .ok_or(AppError::BadRequest("err-token-invalid"))?;
    if inv.accepted_at.is_some() || inv.expires_at <= now {
        return Err(AppError::BadRequest("err-token-invalid"));
    }
    if inv.email != user.user.email {
        return Err(AppError::BadRequest("err-invitation-other-email"));
    }
    if !orgs::accept_invitation(&mut tx, inv.id, user.id(), now).await? {
        return Err(AppError::BadRequest("err-token-invalid"));
    }
    // One audit entry whether or not a membership is opened (the invitee may be a member).
    let mut membership = None;
    if user.membership(inv.org_id).is_none() {
        let today = iso_date(shanghai_date(state.clock.now()));
        let m = orgs::add(
            &mut tx,
            NewMembership {
                org: inv.org_id,
                person: user.user.person_id,
                user: Some(user.id()),
                kind: MemberKind::Member,
                joined_on: &today,
                created_by: Some(user.id()),
                now,
            },
        )
        .await?;
        membership = Some(m);
    }
    let summary = json!({ "invitation": inv.id, "user": user.id(), "membership": membership, "kind": "member" });
    let entity = ("org", inv.org_id.to_string());
    state
        .audit(
            &mut tx,
            Actor::User(user.id()),
            "invitation.accepted",
            entity,
            summary,
        )
        .await?;
    tx.commit().await?;
    Ok(Reply::flash(
        format!("/orgs/{}/members", inv.org_id),
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
    let mut tx = state.db.begin_write().await?;
    let m = orgs::membership_by_id(&mut tx, member)
        .await?
        .filter(|m| m.org_id == org && m.left_on.is_none())
        .ok_or(AppError::NotFound)?;
    let own = m.user_id == Some(user.id());
    if !(user.is_org_admin(org) || own) {
        return Err(AppError::Forbidden);
    }
    if m.kind == MemberKind::Admin {
        return Err(AppError::Conflict("err-last-admin"));
    }
    let today = iso_date(shanghai_date(state.clock.now()));
    if orgs::end(&mut tx, member, &today, user.id()).await? {
        let summary = json!({ "membership": member, "left_on": today });
        state
            .audit(
                &mut tx,
                Actor::User(user.id()),
                "membership.ended",
                ("org", org.to_string()),
                summary,
            )
            .await?;
    }
    tx.commit().await?;
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
    let now = state.clock.now_ms();
    let today = iso_date(shanghai_date(state.clock.now()));
    let mut tx = state.db.begin_write().await?;
    let t = orgs::membership_by_id(&mut tx, target)
        .await?
        .filter(|m| m.org_id == org && m.left_on.is_none() && m.kind == MemberKind::Member)
        .ok_or(AppError::BadRequest("err-member-choose"))?;
    let mine = user.membership(org).ok_or(AppError::Forbidden)?;
    if !orgs::end(&mut tx, mine.id, &today, user.id()).await?
        || !orgs::end(&mut tx, t.id, &today, user.id()).await?
    {
        return Err(AppError::Conflict("err-stale"));
    }
    let mut opened = Vec::new();
    for (person, uid, kind) in [
        (mine.person_id, Some(user.id()), MemberKind::Member),
        (t.person_id, t.user_id, MemberKind::Admin),
    ] {
        let opened_id = orgs::add(
            &mut tx,
            NewMembership {
                org,
                person,
                user: uid,
                kind,
                joined_on: &today,
                created_by: Some(user.id()),
                now,
            },
        )
        .await?;
        opened.push(opened_id);
    }
    let summary =
        json!({ "ended": [mine.id, t.id], "opened": opened, "new_admin_person": t.person_id });
    state
        .audit(
            &mut tx,
            Actor::User(user.id()),
            "org.admin_handover",
            ("org", org.to_string()),
            summary,
        )
        .await?;
    if let (Some(addr), Some(uid)) = (t.email.as_deref(), t.user_id) {
        let lang = users::by_id(&mut tx, uid)
            .await?
            .and_then(|u| Lang::parse(&u.preferred_lang))
            .unwrap_or_default();
        let to = Recipient {
            addr,
            user: Some(uid),
            lang,
        };
        state
            .mailer
            .queue(
                &mut tx,
                to,
                "org_admin",
                &json!({ "org": mine.org_name, "name": t.display_name }),
                now,
            )
            .await?;
    }
    tx.commit().await?;
    Ok(Reply::flash(
        format!("/orgs/{org}/members"),
        page.t("flash-saved"),
    ))
}
