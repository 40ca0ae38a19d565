//! The supervisor's written suspension order during a complaint (采购法 57, 94号令 28): made
//! with its reason and last day (at most 30 days after the day of the order), shown on the
//! project's and the contract's public pages, lapsing by itself; the supervisor may lift it
//! earlier with a reason. Each is one transaction with its audit entry, the project's history
//! and mails to the purchaser and the complainant.

use super::rules::{self, OrderRefusal};
use super::store::{self, NewOrder};
use crate::db::projects as projects_store;
use crate::domain::calendar::iso_date;
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::procurement::challenge::Complaint;
use crate::procurement::Procurement;
use serde_json::json;
use time::Date;

impl Procurement<'_> {
    /// Orders the procurement of the complaint's project suspended through `until`.
    pub async fn order_suspension(
        &self,
        k: &Complaint,
        until: Date,
        reason: &str,
        user: i64,
    ) -> AppResult<Result<i64, OrderRefusal>> {
        let mut tx = self.db.begin_write().await?;
        let today = self.calendars.today();
        let has = store::order_of_complaint(&mut tx, k.id).await?.is_some();
        let decided = store::complaint_decided_at(&mut tx, k.id).await?;
        if let Err(r) = rules::check_order(decided.is_some(), has, today, until, reason) {
            return Ok(Err(r));
        }
        let now = self.clock.now_ms();
        let Some(id) = store::insert_order(
            &mut tx,
            &NewOrder {
                complaint: k.id,
                project: k.project_id,
                reason,
                ordered_on: today,
                until,
                by: user,
                at: now,
            },
        )
        .await?
        else {
            return Ok(Err(OrderRefusal::Exists));
        };
        let p = projects_store::by_id(&mut tx, k.project_id)
            .await?
            .ok_or(AppError::NotFound)?;
        projects_store::add_event(
            &mut tx,
            p.id,
            p.round,
            "suspension_ordered",
            &json!({ "order": id, "complaint": k.id, "from": iso_date(today), "until": iso_date(until),
                     "reason": reason.trim() }),
            Some(user),
            now,
        )
        .await?;
        self.audit(
            &mut tx,
            Actor::User(UserId(user)),
            "complaint.suspension_ordered",
            ("complaint", k.id),
            json!({ "project": p.id, "order": id, "until": iso_date(until) }),
        )
        .await?;
        let complainant = store::complainant(&mut tx, k.id).await?;
        for to in [p.created_by, complainant] {
            self.mail(
                &mut tx,
                to,
                json!({ "event": "suspension_ordered", "title": p.title, "number": p.number,
                        "until": iso_date(until), "reason": reason.trim(),
                        "link": format!("projects/{}", p.number) }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Lifts an order in force before its last day, with the reason.
    pub async fn lift_suspension(
        &self,
        order: i64,
        reason: &str,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        if reason.trim().chars().count() < 4 {
            return Ok(Err("err-order-reason"));
        }
        let mut tx = self.db.begin_write().await?;
        let now = self.clock.now_ms();
        let project = store::project_of_order(&mut tx, order).await?;
        let project = project.ok_or(AppError::NotFound)?;
        let o = store::orders_of_project(&mut tx, project)
            .await?
            .into_iter()
            .find(|o| o.id == order)
            .ok_or(AppError::NotFound)?;
        if !o.facts().in_force(self.calendars.today()) {
            return Ok(Err("err-order-not-in-force"));
        }
        if !store::lift_order(&mut tx, order, user, now, reason).await? {
            return Ok(Err("err-order-not-in-force"));
        }
        let p = projects_store::by_id(&mut tx, project)
            .await?
            .ok_or(AppError::NotFound)?;
        projects_store::add_event(
            &mut tx,
            p.id,
            p.round,
            "suspension_lifted",
            &json!({ "order": order, "reason": reason.trim() }),
            Some(user),
            now,
        )
        .await?;
        self.audit(
            &mut tx,
            Actor::User(UserId(user)),
            "complaint.suspension_lifted",
            ("complaint", o.complaint_id),
            json!({ "project": p.id, "order": order }),
        )
        .await?;
        self.mail(
            &mut tx,
            p.created_by,
            json!({ "event": "suspension_lifted", "title": p.title, "number": p.number,
                    "reason": reason.trim(), "link": format!("projects/{}", p.number) }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}
