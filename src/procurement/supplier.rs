//! Suppliers from outside the registry: the sign-up with its certificate, and the procurement
//! supervisor's decision (an approval opens a supplier organization with the applicant as its
//! admin). Each one write transaction with its audit entry and mail.

use crate::db::orgs::{self, MemberKind, NewMembership};
use crate::db::suppliers::{self as store, NewSupplier};
use crate::domain::calendar::{iso_date, shanghai_date};
use crate::domain::lang::Lang;
use crate::domain::org_life::SignupStatus;
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{OrgId, UserId};
use crate::platform::mail::Recipient;
use crate::procurement::Procurement;
use serde_json::json;

impl Procurement<'_> {
    /// Records a supplier's sign-up (its USCC not taken meanwhile).
    pub async fn supplier_apply(&self, by: UserId, s: &NewSupplier<'_>) -> AppResult<i64> {
        let mut tx = self.db.begin_write().await?;
        if store::uscc_taken(&mut tx, s.uscc).await? {
            return Err(AppError::Conflict("err-supplier-uscc-taken"));
        }
        let id = store::apply(&mut tx, s).await?;
        self.audit(
            &mut tx,
            Actor::User(by),
            "supplier.applied",
            ("supplier", id),
            json!({ "uscc": s.uscc, "certificate": s.certificate_sha256 }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The supervisor approves or refuses a sign-up (`reason` may be empty for an approval);
    /// the applicant is mailed.
    pub async fn decide_supplier(
        &self,
        by: UserId,
        id: i64,
        decision: SignupStatus,
        reason: &str,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let s = store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let to = crate::domain::org_life::decide(s.status, decision).map_err(AppError::Conflict)?;
        let org = if to == SignupStatus::Approved {
            let org = store::insert_org(&mut tx, &s, now).await?;
            let applicant = UserId(s.applicant_user_id);
            let person = crate::db::users::person_of(&mut tx, applicant).await?;
            orgs::add(
                &mut tx,
                NewMembership {
                    org: OrgId(org),
                    person,
                    user: Some(applicant),
                    kind: MemberKind::Admin,
                    joined_on: &iso_date(shanghai_date(self.clock.now())),
                    created_by: Some(by),
                    now,
                },
            )
            .await?;
            Some(org)
        } else {
            None
        };
        let reason_opt = (!reason.is_empty()).then_some(reason);
        if !store::decide(&mut tx, id, s.status, to, reason_opt, org, by.0, now).await? {
            return Err(AppError::Conflict("err-supplier-decided"));
        }
        self.audit(
            &mut tx,
            Actor::User(by),
            &format!("supplier.{}", to.code()),
            ("supplier", id),
            json!({ "org": org, "reason": reason_opt }),
        )
        .await?;
        if let Some(u) = crate::db::users::by_id(&mut tx, UserId(s.applicant_user_id)).await? {
            self.mailer
                .queue(
                    &mut tx,
                    Recipient {
                        addr: &u.email,
                        user: Some(u.id),
                        lang: Lang::parse(&u.preferred_lang).unwrap_or_default(),
                    },
                    "procurement",
                    &json!({ "event": "supplier", "approved": to == SignupStatus::Approved, "title": s.name,
                             "reason": reason, "link": "suppliers/apply" }),
                    now,
                )
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
