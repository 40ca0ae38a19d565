//! Organization membership: invitations by email, accepting one, ending a membership and
//! handing the admin role over. Every change ends a dated row and opens another, in one write
//! transaction with its audit entry and mail.

use crate::db::orgs::{self, MemberKind, NewMembership};
use crate::db::{users, Conn, Db};
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::domain::email::EmailAddress;
use crate::domain::lang::Lang;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::auth::guards::CurrentUser;
use crate::platform::auth::tokens;
use crate::platform::clock::Clock;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{MembershipId, OrgId};
use crate::platform::mail::{Mailer, Recipient};
use serde_json::json;

const INVITE_TTL_MS: i64 = 14 * 24 * 3600 * 1000;

pub struct Members<'a> {
    pub db: &'a Db,
    pub clock: &'a Clock,
    pub auditor: &'a Auditor,
    pub mailer: &'a Mailer,
}

impl<'a> Members<'a> {
    pub fn of(state: &'a crate::platform::app::AppState) -> Members<'a> {
        Members {
            db: &state.db,
            clock: &state.clock,
            auditor: &state.auditor,
            mailer: &state.mailer,
        }
    }

    async fn audit(
        &self,
        c: &mut Conn,
        by: &CurrentUser,
        action: &str,
        org: OrgId,
        summary: serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        self.auditor
            .record(
                c,
                self.clock.now_ms(),
                Actor::User(by.id()),
                action,
                ("org", org.to_string()),
                summary,
            )
            .await
    }

    /// The admin invites `email` to the organization; the mail is in the invitee's language
    /// when they have an account, else in `lang` (the inviter's).
    pub async fn invite(
        &self,
        by: &CurrentUser,
        org: OrgId,
        email: &EmailAddress,
        lang: Lang,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let token = tokens::new_token();
        let mut tx = self.db.begin_write().await?;
        let o = orgs::by_id(&mut tx, org).await?.ok_or(AppError::NotFound)?;
        let digest = tokens::digest(&token);
        let inv = orgs::invite(
            &mut tx,
            org,
            email.as_str(),
            &digest,
            by.id(),
            now,
            now + INVITE_TTL_MS,
        )
        .await?;
        let summary = json!({ "invitation": inv, "email_sha256": tokens::digest(email.as_str()) });
        self.audit(&mut tx, by, "invitation.created", org, summary)
            .await?;
        let invitee = users::by_email(&mut tx, email.as_str()).await?;
        let to = Recipient {
            addr: email.as_str(),
            user: invitee.as_ref().map(|u| u.id),
            lang: invitee
                .and_then(|u| Lang::parse(&u.preferred_lang))
                .unwrap_or(lang),
        };
        let data = json!({ "org": o.name, "inviter": by.user.display_name, "token": token });
        self.mailer
            .queue(&mut tx, to, "invitation", &data, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The invitee accepts (with the account the invitation was sent to): a membership opens
    /// unless they are a member already. The organization joined.
    pub async fn accept(&self, by: &CurrentUser, token: &str) -> AppResult<OrgId> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let inv = orgs::invitation_by_token(&mut tx, &tokens::digest(token))
            .await?
            .ok_or(AppError::BadRequest("err-token-invalid"))?;
        if inv.accepted_at.is_some() || inv.expires_at <= now {
            return Err(AppError::BadRequest("err-token-invalid"));
        }
        if inv.email != by.user.email {
            return Err(AppError::BadRequest("err-invitation-other-email"));
        }
        if !orgs::accept_invitation(&mut tx, inv.id, by.id(), now).await? {
            return Err(AppError::BadRequest("err-token-invalid"));
        }
        // One audit entry whether or not a membership is opened (the invitee may be a member).
        let mut membership = None;
        if by.membership(inv.org_id).is_none() {
            let today = iso_date(shanghai_date(self.clock.now()));
            let m = orgs::add(
                &mut tx,
                NewMembership {
                    org: inv.org_id,
                    person: by.user.person_id,
                    user: Some(by.id()),
                    kind: MemberKind::Member,
                    joined_on: &today,
                    created_by: Some(by.id()),
                    now,
                },
            )
            .await?;
            membership = Some(m);
        }
        let summary = json!({ "invitation": inv.id, "user": by.id(), "membership": membership, "kind": "member" });
        self.audit(&mut tx, by, "invitation.accepted", inv.org_id, summary)
            .await?;
        tx.commit().await?;
        Ok(inv.org_id)
    }

    /// The admin ends someone's membership, or a member leaves (`true`: their own). The last
    /// admin cannot leave without handing the role over first.
    pub async fn end(&self, by: &CurrentUser, org: OrgId, member: MembershipId) -> AppResult<bool> {
        let mut tx = self.db.begin_write().await?;
        let m = orgs::membership_by_id(&mut tx, member)
            .await?
            .filter(|m| m.org_id == org && m.left_on.is_none())
            .ok_or(AppError::NotFound)?;
        let own = m.user_id == Some(by.id());
        if !(by.is_org_admin(org) || own) {
            return Err(AppError::Forbidden);
        }
        if m.kind == MemberKind::Admin {
            return Err(AppError::Conflict("err-last-admin"));
        }
        let today = iso_date(shanghai_date(self.clock.now()));
        if orgs::end(&mut tx, member, &today, by.id()).await? {
            let summary = json!({ "membership": member, "left_on": today });
            self.audit(&mut tx, by, "membership.ended", org, summary)
                .await?;
        }
        tx.commit().await?;
        Ok(own)
    }

    /// Hands the admin role to another current member: both old rows end today, two new rows
    /// start today (the old admin stays a member); the new admin is mailed.
    pub async fn handover(
        &self,
        by: &CurrentUser,
        org: OrgId,
        target: MembershipId,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let today = iso_date(shanghai_date(self.clock.now()));
        let mut tx = self.db.begin_write().await?;
        let t = orgs::membership_by_id(&mut tx, target)
            .await?
            .filter(|m| m.org_id == org && m.left_on.is_none() && m.kind == MemberKind::Member)
            .ok_or(AppError::BadRequest("err-member-choose"))?;
        let mine = by.membership(org).ok_or(AppError::Forbidden)?;
        if !orgs::end(&mut tx, mine.id, &today, by.id()).await?
            || !orgs::end(&mut tx, t.id, &today, by.id()).await?
        {
            return Err(AppError::Conflict("err-stale"));
        }
        let mut opened = Vec::new();
        for (person, uid, kind) in [
            (mine.person_id, Some(by.id()), MemberKind::Member),
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
                    created_by: Some(by.id()),
                    now,
                },
            )
            .await?;
            opened.push(opened_id);
        }
        let summary =
            json!({ "ended": [mine.id, t.id], "opened": opened, "new_admin_person": t.person_id });
        self.audit(&mut tx, by, "org.admin_handover", org, summary)
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
            self.mailer
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
        Ok(())
    }
}
