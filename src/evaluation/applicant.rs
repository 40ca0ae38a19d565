//! The organization's steps in an evaluation round: its application with the self-assessment
//! and evidence files, and its request for re-review (复核申请) during the public notice. Each
//! one write transaction with its audit entry.

use super::{standard_for, Evaluation};
use crate::db::evaluation::{self as store, Evidence, NewObjection};
use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{EvalAppId, OrgId, UserId};
use serde_json::json;

/// Who files a request for re-review: the organization's admin, named and reachable.
pub struct Requester<'a> {
    pub user: UserId,
    pub name: &'a str,
    pub contact: &'a str,
}

impl Evaluation<'_> {
    /// The organization applies to `round` under the standard of its type, with its evidence
    /// files (stored already); once per round.
    pub async fn apply(
        &self,
        by: UserId,
        org: OrgId,
        org_type: &str,
        round: i64,
        body: &str,
        files: &[Evidence],
    ) -> AppResult<i64> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let (standard_id, _) = standard_for(&mut tx, org_type).await?;
        if store::applied(&mut tx, round, org.0).await? > 0 {
            return Err(AppError::Conflict("err-eval-applied"));
        }
        let id = store::create_app(&mut tx, round, org.0, standard_id, by.0, body, now).await?;
        for e in files {
            store::add_evidence(&mut tx, id, e, by.0, now).await?;
        }
        self.audit(
            &mut tx,
            Actor::User(by),
            "evaluation.applied",
            ("eval_application", id),
            json!({ "round": round, "org": org.0, "standard": standard_id, "evidence": files.iter().map(|s| &s.sha256).collect::<Vec<_>>() }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The organization's request for re-review of its proposed grade, while the round's
    /// notice runs; answered within 15 days.
    pub async fn request_review(
        &self,
        by: &Requester<'_>,
        org: OrgId,
        id: EvalAppId,
        body: &str,
    ) -> AppResult<i64> {
        let today = self.today();
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let app = store::app_by_id(&mut tx, id.0)
            .await?
            .filter(|a| a.org_id == org.0)
            .ok_or(AppError::NotFound)?;
        let round = store::round_by_id(&mut tx, app.round_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let in_notice = round.status == crate::domain::eval_life::RoundStatus::Notice
            && round
                .notice_to
                .as_deref()
                .and_then(parse_iso_date)
                .is_some_and(|to| today <= to);
        if !in_notice {
            return Err(AppError::Conflict("err-objection-closed"));
        }
        let oid = store::add_objection(
            &mut tx,
            &NewObjection {
                app_id: app.id,
                kind: "review",
                name: by.name,
                contact: by.contact,
                body,
                filed_by: Some(by.user.0),
                filed_on: &iso_date(today),
                due_on: &iso_date(today + time::Duration::days(15)),
            },
            now,
        )
        .await?;
        self.audit(
            &mut tx,
            Actor::User(by.user),
            "evaluation.review_requested",
            ("eval_objection", oid),
            json!({ "application": app.id }),
        )
        .await?;
        tx.commit().await?;
        Ok(oid)
    }

    /// A member of the public's objection (举报) to an application during the round's notice.
    pub async fn report_objection(&self, o: &NewObjection<'_>) -> AppResult<i64> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let oid = store::add_objection(&mut tx, o, now).await?;
        self.audit(
            &mut tx,
            Actor::Anonymous,
            "evaluation.objection_filed",
            ("eval_objection", oid),
            json!({ "application": o.app_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(oid)
    }
}
