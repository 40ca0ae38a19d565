//! The admin's work in the city: one mail the mail server refused for good. An organization's
//! administrator invites a new member through the members' service (`registry::membership`)
//! with the address mistyped (`163.con`); the mail worker claims that mail and the server
//! answers 550, so the outbox records it failed with the server's words and the admin's work
//! list names it (`deadlines/queue/admin.rs`), to check the address and send it again.

use super::{step, City};
use crate::db::{mail, orgs, roles, users};
use crate::domain::email::EmailAddress;
use crate::domain::lang::Lang;
use crate::platform::auth::guards::CurrentUser;
use crate::platform::ids::{OrgId, UserId};
use crate::platform::mail::transport::{Outgoing, SendError, Transport};
use crate::platform::mail::worker::Worker;
use crate::registry::membership::Members;
use crate::seed::DemoError;

/// The mistyped address (163.com meant).
pub const BOUNCED: &str = "chen.jing@163.con";

/// A mail server that knows no domain `163.con`.
struct Bounce;

#[rocket::async_trait]
impl Transport for Bounce {
    async fn send(&self, mail: &Outgoing) -> Result<(), SendError> {
        Err(SendError::Permanent(format!(
            "550 5.1.2 <{}>: Recipient address rejected: Domain not found",
            mail.to
        )))
    }
}

/// The invitation, a day before the loading day, and its refusal a minute later.
pub async fn run(city: &City) -> Result<(), DemoError> {
    let Some(o) = city.orgs().into_iter().find(|o| o.status == "registered") else {
        return Ok(());
    };
    city.at(1, 16, 0).await;
    let mut c = city.state.db.acquire().await?;
    let user = users::by_id(&mut c, UserId(o.admin))
        .await?
        .ok_or_else(|| DemoError::Invalid(format!("admin of {}", o.name)))?;
    let who = CurrentUser {
        grants: roles::active_for_user(&mut c, user.id).await?,
        memberships: orgs::active_for_user(&mut c, user.id).await?,
        user,
    };
    drop(c);
    let to = EmailAddress::parse(BOUNCED).ok_or_else(|| DemoError::Invalid(BOUNCED.into()))?;
    Members::of(&city.state)
        .invite(&who, OrgId(o.id), &to, Lang::ZhCn)
        .await
        .map_err(step("invite a member"))?;
    let mut c = city.state.db.acquire().await?;
    let id = mail::last_to(&mut c, BOUNCED)
        .await?
        .ok_or_else(|| DemoError::Invalid("the invitation's mail".into()))?;
    drop(c);
    city.at(1, 16, 1).await;
    let s = &city.state;
    let worker = Worker {
        db: &s.db,
        clock: &s.clock,
        transport: &Bounce,
        auditor: &s.auditor,
        holder: "city",
    };
    let batch = worker.claim_mail(id).await?;
    let round = worker.deliver(batch).await?;
    if round.failed != 1 {
        return Err(DemoError::Invalid(
            "the mistyped invitation did not fail".into(),
        ));
    }
    Ok(())
}
