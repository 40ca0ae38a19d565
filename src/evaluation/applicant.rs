//! The organization's steps in an evaluation round: its application with the self-assessment
//! and evidence files, and its request for re-review (复核申请) during the public notice. Each
//! one write transaction with its audit entry.

use super::{standard_for, Evaluation};
use crate::db::evaluation::{self as store, Evidence, NewObjection, Objection};
use crate::db::Conn;
use crate::domain::calendar::{iso_date, parse_iso_date};
use crate::domain::evaluation::{next_objection_reference, objection_reference_prefix};
use crate::platform::audit::Actor;
use crate::platform::auth::tokens;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::{EvalAppId, OrgId, UserId};
use serde_json::json;

/// Who files a request for re-review: the organization's admin, named and reachable.
pub struct Requester<'a> {
    pub user: UserId,
    pub name: &'a str,
    pub contact: &'a str,
}

/// What the one who filed an objection keeps: its reference number and the token of the
/// secret link to its page (shown once and mailed; only its SHA-256 is stored).
#[derive(Debug, Clone)]
pub struct Filed {
    pub id: i64,
    pub reference: String,
    pub token: String,
}

impl Filed {
    /// The objection's own page, without the leading slash (as the mails join it).
    pub fn path(&self) -> String {
        format!("evaluation/objections/ref/{}", self.token)
    }
}

/// The objection behind a link's token, if any.
pub async fn objection_of(c: &mut Conn, token: &str) -> AppResult<Option<Objection>> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    Ok(store::objection_by_token(c, &tokens::digest(token)).await?)
}

impl Evaluation<'_> {
    /// Files the objection with the next reference number of the year it is filed in and a
    /// new secret link; the one who filed it, if signed in, is mailed both. Inside the
    /// caller's write transaction (which runs alone, so the number is not taken twice).
    async fn file_objection(&self, c: &mut Conn, o: &NewObjection<'_>) -> AppResult<Filed> {
        let year = self.today().year();
        let highest =
            store::highest_objection_reference(c, &objection_reference_prefix(year)).await?;
        let reference = next_objection_reference(year, highest.as_deref());
        let token = tokens::new_token();
        let id = store::add_objection(
            c,
            o,
            &reference,
            &tokens::digest(&token),
            self.clock.now_ms(),
        )
        .await?;
        let filed = Filed {
            id,
            reference,
            token,
        };
        if let Some(user) = o.filed_by {
            let app = store::app_by_id(c, o.app_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let round = store::round_by_id(c, app.round_id)
                .await?
                .ok_or(AppError::NotFound)?;
            self.mail(
                c,
                user,
                json!({ "event": "filed", "round": round.title, "org": app.org_name,
                        "reference": filed.reference, "due": o.due_on, "path": filed.path() }),
            )
            .await?;
        }
        Ok(filed)
    }

    /// The organization applies to `round` under the standard of its type and category that
    /// the round opened with, with its evidence files (stored already); once per round.
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
        let r = store::round_by_id(&mut tx, round)
            .await?
            .ok_or(AppError::NotFound)?;
        let category = store::org_category(&mut tx, org.0)
            .await?
            .ok_or(AppError::NotFound)?;
        let (standard_id, _) = standard_for(&mut tx, org_type, &category, &r).await?;
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
    ) -> AppResult<Filed> {
        let today = self.today();
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
        let filed = self
            .file_objection(
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
            )
            .await?;
        self.audit(
            &mut tx,
            Actor::User(by.user),
            "evaluation.review_requested",
            ("eval_objection", filed.id),
            json!({ "application": app.id, "reference": filed.reference }),
        )
        .await?;
        tx.commit().await?;
        Ok(filed)
    }

    /// A member of the public's objection (举报) to an application during the round's notice
    /// (`filed_by`: the person, when signed in).
    pub async fn report_objection(&self, o: &NewObjection<'_>) -> AppResult<Filed> {
        let mut tx = self.db.begin_write().await?;
        let filed = self.file_objection(&mut tx, o).await?;
        self.audit(
            &mut tx,
            o.filed_by
                .map_or(Actor::Anonymous, |u| Actor::User(UserId(u))),
            "evaluation.objection_filed",
            ("eval_objection", filed.id),
            json!({ "application": o.app_id, "reference": filed.reference }),
        )
        .await?;
        tx.commit().await?;
        Ok(filed)
    }
}
